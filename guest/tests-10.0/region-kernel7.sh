#!/usr/bin/env bash
# The 10.0 line, upstream's CXL with the line's patches, with Linux 7.x and ndctl 81
# (trixie-backports, guest/prepare.sh GUEST_KERNEL=trixie): a 2-way pmem
# region at 256 B and a 4-way one at 4 KiB on the default topology and a
# 4-way one at 256 B behind a switch (the switch topology), each
# written by the guest and found word by word in the backing files, then
# seeded by the host and read back in a second boot (guest/tests/region.sh).
# guest/tests-10.0/kernel7.sh covers the 4-way region at 256 B.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
export QEMU_CXL_LINE=10.0 REGION_PREFIX=10.0-kernel7- RUN_OPTS="-k trixie -c max,hypervisor=off"
export REGION_CONFIGS="default decoder0.1 2 256;default decoder0.2 4 4096;switch decoder0.0 4 256"
exec bash "$G/tests/region.sh"
