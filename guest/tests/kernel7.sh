#!/usr/bin/env bash
# Linux 7.x with Debian 13's tools: trixie-backports' kernel (7.3 today)
# and a trixie userland with ndctl 81 (guest/prepare.sh, GUEST_KERNEL=trixie)
# boot on the default topology (2 host bridges x 2 root ports x 1 Type 3
# device). The guest must run a 7.x kernel and cxl 81 (with list
# --media-errors, which bookworm's 76.1 lacks, create-region --type and
# monitor), load the .ko.xz CXL modules with trixie's kmod, and enumerate
# the topology as guest/tests/enumerate.sh checks it (check_kernel7.py:
# check_enumerate.py's checks, with 7.x's names for host bridge ports).
# Then, as guest/tests/region.sh does: `cxl create-region -m -d decoder0.0
# -w 4 -g 256` over all four devices, a devdax namespace on it, a pattern
# written through it, every word checked by the host in the backing files
# at the file and offset the CXL 2.0 interleave gives; then the host seeds
# another pattern and a second boot reads it back through the region.
#
# The guest CPU is qemu64 without the hypervisor bit: kernels newer than
# 6.1 refuse to create a region under a hypervisor. QEMU (default
# build/qemu-system-x86_64, the 5.2 line) may name another binary,
# GUEST_CPU another CPU, KERNEL7_NAME another name for the logs and
# backing folder (guest/tests-10.0/kernel7.sh); GUEST_RUN_SH another
# guest/run.sh.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
T=$(cd "$G/.." && pwd)
B=$T/build/guest
QEMU=${QEMU:-build/qemu-system-x86_64}
case $QEMU in /*) ;; *) QEMU=$T/$QEMU ;; esac
export QEMU
run=${GUEST_RUN_SH:-$G/run.sh}
cpu=${GUEST_CPU:-qemu64,hypervisor=off}
len=$((2 << 20))
name=${KERNEL7_NAME:-kernel7}
export TOPO_DIR=$B/backing/$name
rm -rf "$TOPO_DIR" "$B/run/$name.sh.d"                # fresh (all-zero) backing files
mkdir -p "$B/run/$name.sh.d"
cp "$G/scripts/kernel7.sh" "$B/run/$name.sh"
cp "$G/scripts/enumerate.sh" "$G/scripts/region.sh" "$B/run/$name.sh.d/"
echo "MEMDEVS=4" > "$B/run/$name.sh.d/enumerate.conf"
conf() {   # conf SEED MODE: region.conf for a 4-way region at 256 B on window 0
    printf 'ROOT=decoder0.0\nWAYS=4\nGRAN=256\nSEED=%s\nLEN=%s\nMODE=%s\nORDER=\n' \
        "$1" $len "$2" > "$B/run/$name.sh.d/region.conf"
}
# A failure ends with how the guest ended and the console's last lines:
# make check shows a failed test's last lines only.
fail() {
    echo "kernel7: the guest's run.sh ended with status $rc; the console's last lines ($log):"
    tr -d '\r' < "$log" 2>/dev/null | tail -n 12 | sed 's/^/  > /'
    echo "kernel7: $*"
    exit 1
}
lines() { tr -d '\r' < "$log" | grep "^kernel7: $1" || true; }   # the console ends lines with CR LF

echo "== Linux 7.x, ndctl 81: enumerate; 4-way region at 256 B: guest writes, host checks"
conf 11 fill
log=$B/logs/$name-fill.log
rc=0
bash "$run" -k trixie -c "$cpu" -t 600 -l "$log" -T default "$B/run/$name.sh" || rc=$?
lines ""
# A run.sh that does not know -k trixie boots another kernel: checked first.
python3 "$G/tests/check_kernel7.py" "$log" "$(cat "$B/trixie/kernel-version" 2>/dev/null || echo none)" \
    || fail "Linux 7.x or ndctl 81 not as expected (does $run know -k trixie?); log $log"
[ $rc = 0 ] || fail "guest failed ($rc); log $log"
grep -q "^memtool: filled" "$log" || fail "the guest wrote nothing through the region; log $log"
python3 "$G/tests/check_region.py" "$log" "$TOPO_DIR" check 11 $len

echo "== Linux 7.x: 4-way region at 256 B: host seeds, guest reads"
python3 "$G/tests/check_region.py" "$log" "$TOPO_DIR" seed 23 $len
conf 23 check
log=$B/logs/$name-check.log
rc=0
bash "$run" -k trixie -c "$cpu" -t 600 -l "$log" -T default "$B/run/$name.sh" || rc=$?
[ $rc = 0 ] || fail "second boot failed ($rc); log $log"
grep -q "memtool: checked" "$log" || fail "the second boot did not read the pattern back; log $log"
grep "memtool: checked" "$log"
echo "kernel7: ok: Linux $(lines uname | cut -d' ' -f3) and $(lines versions | cut -d' ' -f3-4) enumerate and interleave as expected"
