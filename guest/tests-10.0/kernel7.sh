#!/usr/bin/env bash
# The 10.0 line, upstream's CXL with the line's patches, with Linux 7.x and Debian 13's
# ndctl 81 (trixie-backports' kernel, guest/prepare.sh GUEST_KERNEL=trixie):
# the checks of guest/tests/kernel7.sh (7.x kernel and cxl 81 in the guest,
# the default topology enumerated, a 4-way pmem region at 256 B written by
# the guest and found word by word in the backing files, then seeded by the
# host and read back in a second boot) under build/10.0/qemu-system-x86_64,
# whose TCG runs 7.x on -cpu max with only the hypervisor bit off.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
export QEMU=build/10.0/qemu-system-x86_64 GUEST_CPU=max,hypervisor=off KERNEL7_NAME=10.0-kernel7
exec bash "$G/tests/kernel7.sh"
