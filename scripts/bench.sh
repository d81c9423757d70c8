#!/usr/bin/env bash
# make bench: figures, never verdicts. First the decode micro-benchmarks,
# without a guest: the routing arithmetic on its own (tests/bench-cxl-route)
# and through QEMU (cxl-switch-test -m perf: ns per access through a window
# with one device and with 32 devices behind two levels of switches, for
# the walk, the flat table and the fast path). Then the guest benchmark
# (bench/run.sh): Debian's kernel measuring CXL regions against guest RAM,
# ours against Debian's QEMU 7.2 and 10.0. Everything goes to stdout and
# to build/bench/.
. "$(dirname "$0")/lib.sh"

mkdir -p "$BUILD/bench"
out=$BUILD/bench/micro.txt
step "bench: routing arithmetic (tests/bench-cxl-route)"
ninja -C "$OBJ" tests/bench-cxl-route tests/qtest/cxl-switch-test > /dev/null \
    || die "building the micro-benchmarks failed"
"$OBJ/tests/bench-cxl-route" | tee "$out"
step "bench: ns per access through a window (cxl-switch-test -m perf)"
(cd "$OBJ" && QTEST_QEMU_BINARY=./qemu-system-x86_64 \
    tests/qtest/cxl-switch-test -m perf -p /x86_64/cxl/bench/route) \
    | grep -E '^# (ns|mode|walk|flat|fast)' | tee -a "$out"
if [ -f "$TOP/bench/run.sh" ]; then
    bash "$TOP/bench/run.sh" "$@"
fi
