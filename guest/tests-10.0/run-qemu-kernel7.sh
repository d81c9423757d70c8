#!/usr/bin/env bash
# The 10.0 line: run_qemu's default `--cxl` topology (as in run-qemu.sh
# here) booted unchanged under Linux 7.x with ndctl 81 (trixie-backports),
# which makes a 2-way pmem region through host bridge 0's switch; every
# word the guest writes must be in the right backing file, and a second
# boot must read back what the host seeded (guest/tests/region.sh).
#
# Stock 10.0 fails at once: a cxl-type3 without sn= reports serial number
# 0, and Linux 7.x refuses a pmem region on it ("cxl_pmem_region ...: memN:
# invalid or missing serial number"). The 10.0 line gives every device a
# serial number (qemu-10.0/patches/0008).
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
export QEMU_CXL_LINE=10.0 REGION_PREFIX=10.0-kernel7- RUN_OPTS="-k trixie -c max,hypervisor=off"
export REGION_CONFIGS="run-qemu decoder0.0 2 256" REGION_FILES="host:cxltest%d.raw"
exec bash "$G/tests/region.sh"
