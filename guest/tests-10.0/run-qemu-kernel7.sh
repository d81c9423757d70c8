#!/usr/bin/env bash
# The 10.0 line, upstream's CXL as it is: run_qemu's default `--cxl`
# topology (guest/topologies/run-qemu.sh, as in run-qemu.sh here) booted
# unchanged under Linux 7.x with ndctl 81 (trixie-backports), which is to
# make a 2-way pmem region through host bridge 0's switch and write a
# pattern through it for the host to find in the backing files.
#
# Expected failure (exit 78), a defect of upstream's CXL: a cxl-type3
# without sn= reports serial number 0, and Linux 7.x refuses a pmem region
# on such a device ("cxl_pmem_region ...: memN: invalid or missing serial
# number"), so the region's pmem side never appears and no namespace can be
# made on it. The test fails on anything else, an unexpected pass included.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
B=$G/../build/guest
export QEMU_CXL_LINE=10.0 REGION_PREFIX=10.0-kernel7- RUN_OPTS="-k trixie -c max,hypervisor=off"
export REGION_CONFIGS="run-qemu decoder0.0 2 256" REGION_FILES="host:cxltest%d.raw"
out=$B/logs/10.0-kernel7-run-qemu.out
fill=$B/logs/10.0-kernel7-region-run-qemu-2way-256-fill.log
mkdir -p "$B/logs"
rc=0
bash "$G/tests/region.sh" > "$out" 2>&1 || rc=$?
cat "$out"
if [ $rc = 0 ]; then
    echo "run-qemu-kernel7: unexpected pass: Linux 7.x made the pmem region; drop the expected failure"
    exit 1
fi
grep -q '^@@REGION' "$fill" || { echo "run-qemu-kernel7: the topology did not boot to the region step; log $fill"; exit 1; }
if grep -q 'cxl_pmem_region .*: mem[0-9]*: invalid or missing serial number' "$fill"; then
    echo "expected failure: cxl-type3 without sn= has serial 0 (upstream 10.0): Linux 7.x refuses the pmem region (\"invalid or missing serial number\")"
    exit 78
fi
echo "run-qemu-kernel7: failed otherwise than expected; log $fill"
exit 1
