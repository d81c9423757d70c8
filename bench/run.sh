#!/usr/bin/env bash
# `make bench`: CXL region versus guest RAM, under our QEMU and, side by
# side, the 10.0 line (build/10.0: QEMU 10.0.13 with upstream's own CXL)
# and Debian's QEMU 7.2 (bookworm) and 10.0 (bookworm-backports).
#
#   bash bench/run.sh
#
# One boot per QEMU (guest/run.sh, -smp 2, topology bench/topology.sh: a
# host bridge, a window and its own devices per region), in which
# bench/guest.sh creates seven pmem regions (1-way; 2-way and 4-way at
# 256 B, 1 KiB and 4 KiB) with `cxl create-region`, a devdax namespace on
# each, and runs guest/progs/cxlbench on each and on anonymous RAM, once
# with one thread and, on RAM and the 2-way 256 B region, with two threads
# on two vCPUs (aggregate). Then, under our QEMU only, the 1-way and the
# 4-way 4 KiB regions are onlined as system RAM (daxctl reconfigure-device
# --mode=system-ram, kmem) and measured again on anonymous memory bound to
# their NUMA node; our boot gets an SRAT for that (-numa, bench/topology.sh
# -n), the peers' boots do not, and their report says "skipped". Figures:
# sequential 8-byte store and load throughput, memcpy throughput, random
# dependent 8-byte load latency, and whether code copied into the buffer
# executes and how fast.
#
# Output: a progress line per case, then a table (bench/report.py) also
# written as results.csv and charted in results.png in BENCH_OUT
# (gnuplot). A peer that cannot be fetched is skipped, a case that fails in
# the guest is recorded as failed; the exit status is non-zero only when
# the harness itself broke.
#
# Environment: BENCH_QEMUS (default "ours line-10.0 7.2 10.0"; ours is the
# 5.2 line), BENCH_SIZE_OURS and
# BENCH_SIZE_PEER (bytes per buffer, a multiple of 2 MiB, under our QEMU and
# under the peers; both 16 MiB by default, so that ours/peer compares the
# same work: the peers stream at 10-60 MB/s here), BENCH_TIMEOUT (seconds
# per boot, default 2400), BENCH_OUT (output folder, default build/bench),
# BENCH_CASES (the case IDs to run, space-separated; default all).
. "$(dirname "$0")/../scripts/lib.sh"

OUT=${BENCH_OUT:-$BUILD/bench}
qemus=${BENCH_QEMUS:-ours line-10.0 7.2 10.0}
size_ours=${BENCH_SIZE_OURS:-$((16 << 20))}
size_peer=${BENCH_SIZE_PEER:-$((16 << 20))}
timeout=${BENCH_TIMEOUT:-2400}
mkdir -p "$OUT/logs" "$OUT/run"
rm -f "$OUT"/logs/*.log "$OUT"/logs/*.host "$OUT/status" "$OUT/versions" "$OUT"/results.* "$OUT"/chart-*.dat

# The cases: ID|TITLE|THREADS|HB WAYS GRANULARITY [kmem] (none for RAM).
# Region cases name their host bridge; the ways of host bridge N are the
# Nth entry of topo_ways. "kmem": the region onlined as system RAM, which
# ends its devdax device, so after the region's devdax cases; ours only.
topo_ways="1 2 2 2 4 4 4"
cases=(
    "ram|RAM|1|"
    "ram2|RAM, 2 vCPUs|2|"
    "1way|1-way|1|0 1 256"
    "2way256|2-way 256 B|1|1 2 256"
    "2way1k|2-way 1 KiB|1|2 2 1024"
    "2way4k|2-way 4 KiB|1|3 2 4096"
    "4way256|4-way 256 B|1|4 4 256"
    "4way1k|4-way 1 KiB|1|5 4 1024"
    "4way4k|4-way 4 KiB|1|6 4 4096"
    "2way256x2|2-way 256 B, 2 vCPUs|2|1 2 256"
    "1waykmem|1-way, system RAM (kmem)|1|0 1 256 kmem"
    "4way4kkmem|4-way 4 KiB, system RAM (kmem)|1|6 4 4096 kmem"
)
if [ -n "${BENCH_CASES:-}" ]; then
    keep=()
    for c in "${cases[@]}"; do
        case " $BENCH_CASES " in *" ${c%%|*} "*) keep+=("$c") ;; esac
    done
    [ ${#keep[@]} -gt 0 ] || die "BENCH_CASES '$BENCH_CASES' names no case"
    cases=("${keep[@]}")
fi
ndev=0; for w in $topo_ways; do ndev=$((ndev + (w < 2 ? 2 : w))); done

# Which QEMUs we have
run=()
for q in $qemus; do
    case $q in
        ours)
            if [ -x "$BUILD/qemu-system-x86_64" ]; then
                run+=(ours)
            else
                say "bench: skipping ours: $BUILD/qemu-system-x86_64 not built (make)"
                echo "ours skipped not built" >> "$OUT/status"
            fi ;;
        line-10.0)
            if [ -x "$BUILD/10.0/qemu-system-x86_64" ]; then
                run+=(line-10.0)
            else
                say "bench: skipping line-10.0: $BUILD/10.0/qemu-system-x86_64 not built (make)"
                echo "line-10.0 skipped not built" >> "$OUT/status"
            fi ;;
        7.2|10.0)
            step "bench: fetching Debian's QEMU $q"
            if bash "$TOP/bench/peers.sh" "$q" > "$OUT/logs/peer-$q.fetch" 2>&1; then
                say "bench: $(tail -n 1 "$OUT/logs/peer-$q.fetch")"
                run+=("$q")
            else
                say "bench: skipping QEMU $q: cannot obtain it: $(tail -n 1 "$OUT/logs/peer-$q.fetch")"
                echo "$q skipped cannot be obtained" >> "$OUT/status"
            fi ;;
        *) die "unknown QEMU '$q' in BENCH_QEMUS (ours, line-10.0, 7.2, 10.0)" ;;
    esac
done
total=$((${#run[@]} * ${#cases[@]}))
cc -O2 -Wall -o "$OUT/first-touch" "$TOP/bench/first-touch.c" || die "bench: cannot build bench/first-touch.c"

start=$(date +%s)
index=0
for q in "${run[@]}"; do
    if [ $q = ours ]; then
        qemu=$BUILD/qemu-system-x86_64 prop=persistent-memdev size=$size_ours
    elif [ $q = line-10.0 ]; then
        qemu=$BUILD/10.0/qemu-system-x86_64 prop=persistent-memdev size=$size_peer
    else
        qemu=$TOP/bench/peer-qemu-$q size=$size_peer
        prop=persistent-memdev; [ $q = 7.2 ] && prop=memdev
    fi
    name=bench-$q
    ver=$("$qemu" -version 2>/dev/null | head -n 1 | sed 's/^QEMU emulator version //') || true
    case $q in ours|line-10.0) ver="$ver, qemu-cxl $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo '?')" ;; esac
    echo "$q $ver" >> "$OUT/versions"
    cp "$TOP/bench/guest.sh" "$OUT/run/$name.sh"
    rm -rf "$OUT/run/$name.sh.d"; mkdir -p "$OUT/run/$name.sh.d"
    {
        printf 'QNAME=%s\nSIZE=%s\nNDEV=%s\n' "$q" "$size" "$ndev"
        echo "cases() {"
        for c in "${cases[@]}"; do
            IFS='|' read -r id title threads region <<< "$c"
            index=$((index + 1))
            if [ -z "$region" ]; then
                echo "    ram_case $index $total $id $threads \"$title\""
            elif [ "${region% kmem}" != "$region" ] && [ $q != ours ]; then
                echo "    skip_case $index $total $id \"$title\" \"ours only: the peers' boots have no SRAT (-numa)\""
            elif [ "${region% kmem}" != "$region" ]; then
                echo "    kmem_case $index $total $id $threads \"$title\" ${region% kmem}"
            else
                echo "    region_case $index $total $id $threads \"$title\" $region"
            fi
        done
        echo "}"
    } > "$OUT/run/$name.sh.d/bench.conf"
    # Ours gets an SRAT (guest RAM as NUMA node 0), so that Linux gives each
    # window a node of its own, for the kmem cases
    numa=""; [ $q = ours ] && numa=-n
    mapfile -t topo < <(bash "$TOP/bench/topology.sh" $numa "$OUT/backing/$q" "$prop" $topo_ways)
    # What the host alone pays for each new page of a fresh sparse file
    # there (bench/first-touch.c), just before the boot: the host's own
    # share of the guest's first store pass, in the state the host is in
    # then (its new memory is slow, memory it just freed is fast)
    "$OUT/first-touch" "$OUT/backing/$q/first-touch.raw" "$size" > "$OUT/logs/$q.host" 2>&1 ||
        say "bench: $q: first-touch failed: $(tail -n 1 "$OUT/logs/$q.host")"
    log=$OUT/logs/$q.log
    step "bench: $q: one boot, $(( size >> 20 )) MiB buffers, console log $log"
    for attempt in 1 2; do
        t0=$(date +%s)
        rm -f "$log"
        QEMU=$qemu bash "$TOP/guest/run.sh" -t "$timeout" -s 2 -l "$log" "$OUT/run/$name.sh" \
            -- "${topo[@]}" > "$OUT/logs/$q.run" 2>&1 &
        pid=$!
        # Progress: the guest's "bench:" lines as they come
        tail -n +1 -F --pid=$pid "$log" 2>/dev/null | sed -u 's/\r$//' |
            grep --line-buffered -E '^(bench|cxlbench): ' |
            grep --line-buffered -Ev '^cxlbench: [^ ]+ (write_cold_MBps|exec_ns|check) ' || true
        rc=0; wait $pid || rc=$?
        secs=$(( $(date +%s) - t0 ))
        # A QEMU that dies at once (e.g. rebuilt under our feet) gets a second try
        if [ $rc != 0 ] && [ $attempt = 1 ] && ! grep -qs "bench: \[" "$log"; then
            say "bench: $q: QEMU did not get to the first case (status $rc): $(tail -n 1 "$OUT/logs/$q.run"); trying once more"
            continue
        fi
        break
    done
    if [ $rc = 0 ]; then
        echo "$q ok $secs size=$size" >> "$OUT/status"
    elif tr -d '\r' < "$log" | grep -qx "QEMU-CXL-EXIT=0" && grep -qs "^bench: done" "$log"; then
        # The guest finished every case; what failed came after (seen: a
        # guest/run.sh edited while it ran)
        say "bench: $q: guest/run.sh ended with status $rc after the guest finished: $(tail -n 1 "$OUT/logs/$q.run")"
        echo "$q ok $secs size=$size" >> "$OUT/status"
    else
        say "bench: $q: the guest run ended with status $rc after ${secs}s: $(tail -n 2 "$OUT/logs/$q.run" | tr '\n' ' ')"
        echo "$q broken $secs size=$size guest/run.sh status $rc" >> "$OUT/status"
    fi
    rm -rf "$OUT/backing/$q"
done
step "bench: all boots took $(( $(date +%s) - start ))s"
# The chart wants gnuplot (Debian's gnuplot-nox); without it, no chart.
if ! command -v gnuplot >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "bench: installing gnuplot-nox for the chart"
    apt-get install -y -q gnuplot-nox > "$OUT/logs/gnuplot-install.log" 2>&1 ||
        say "bench: apt-get install gnuplot-nox failed (see $OUT/logs/gnuplot-install.log)"
fi
python3 "$TOP/bench/report.py" "$OUT" "${cases[@]}"
# Failed cases and boots are results; the harness broke only when no boot
# we could run got anywhere.
if [ ${#run[@]} -gt 0 ] && ! grep -q " ok " "$OUT/status"; then
    say "bench: no boot completed: the harness is broken (logs in $OUT/logs)"
    exit 1
fi
