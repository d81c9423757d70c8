#!/usr/bin/env bash
# `make boot-loop`: boot the 32-device stress topology (the one whose boot
# once hung silently in CI) again and again and count how each boot ends,
# for hangs that show once in tens of boots. Figures, never a verdict of
# `make check`.
#
#   BOOTS=200 JOBS=2 QEMU_CXL_LINE=5.2 bash scripts/boot-loop.sh
#
# JOBS boots run at once (default 2: with -smp 2 each, the host's cores are
# loaded as in CI). Every boot runs guest/scripts/enumerate.sh under
# guest/run.sh with a stall window of GUEST_STALL_SECONDS (default 45): a
# hang is caught by the harness, which keeps the console, the firmware's
# debug console and the vCPUs' state (LOG.stall). Logs of boots that did
# not pass are kept in build/boot-loop/; the summary counts passes,
# stalls (123), timeouts (124), QEMU failures (125) and script failures,
# and prints each stall's one-line report.
. "$(dirname "$0")/lib.sh"

boots=${BOOTS:-200} jobs=${JOBS:-2}
out=$BUILD/boot-loop
rm -rf "$out"; mkdir -p "$out/run"
bash "$TOP/guest/prepare.sh" > "$out/prepare.log" 2>&1 || { cat "$out/prepare.log"; die "guest/prepare.sh failed"; }
cp "$TOP/guest/scripts/enumerate.sh" "$out/run/loop.sh"
mkdir -p "$out/run/loop.sh.d"; echo MEMDEVS=32 > "$out/run/loop.sh.d/enumerate.conf"

one() {   # one N: boot number N; prints "N STATUS SECONDS"
    local n=$1 t0 rc=0 dir=$out/boot-$1
    mkdir -p "$dir"
    t0=$(date +%s)
    TOPO_DIR=$dir/backing bash "$TOP/guest/run.sh" -t 600 -l "$dir/console.log" -T stress32 \
        "$out/run/loop.sh" > "$dir/run.out" 2>&1 || rc=$?
    if [ $rc = 0 ] && ! grep -q "probed 32 memdevs, 32 endpoints" "$dir/console.log"; then rc=1; fi
    rm -rf "$dir/backing"
    [ $rc = 0 ] && rm -rf "$dir"
    echo "$n $rc $(( $(date +%s) - t0 ))"
}
export -f one; export out TOP
step "boot-loop: $boots boots of stress32 on the $QEMU_CXL_LINE line, $jobs at a time (logs of failures in ${out#$TOP/})"
start=$(date +%s)
seq 1 "$boots" | xargs -P "$jobs" -I{} bash -c 'one {}' > "$out/results"
secs=$(( $(date +%s) - start ))
awk -v secs="$secs" -v jobs="$jobs" '
    { n++; t += $3; c[$2]++ }
    END {
        printf "boot-loop: %d boots in %d s (%.1f s per boot, %d at a time): %d passed, %d stalled, %d timed out, %d QEMU failed, %d other\n",
            n, secs, n ? t / n : 0, jobs, c[0], c[123], c[124], c[125],
            n - c[0] - c[123] - c[124] - c[125]
    }' "$out/results"
for f in "$out"/boot-*/run.out; do
    [ -f "$f" ] && grep -h "guest made no progress" "$f" | sed "s|^|  $(basename "$(dirname "$f")"): |"
done
true
