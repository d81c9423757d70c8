#!/usr/bin/env bash
# The 10.0 line, upstream's CXL with the line's patches: Linux 6.12 onlines a 4-way
# volatile region behind a switch as system RAM (its own NUMA node) and runs
# memtool bound to it with numactl --membind; the host finds the buffer in
# the backing files (guest/tests/volatile.sh). The CPU hides only the
# hypervisor bit: QEMU 10.0's TCG runs 6.12's BMI2 code, and ERMS stays on.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
export QEMU_CXL_LINE=10.0 VOLATILE_NAME=10.0-volatile RUN_OPTS="-k backports -c max,hypervisor=off"
exec bash "$G/tests/volatile.sh"
