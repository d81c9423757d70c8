#!/usr/bin/env bash
# The 10.0 line, upstream's CXL with the line's patches, with Linux 7.x and ndctl 81
# (trixie-backports): a 4-way volatile region behind a switch onlined as
# system RAM on its own NUMA node, memtool bound to it with numactl
# --membind, and the buffer found by the host in the backing files
# (guest/tests/volatile.sh).
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
export QEMU_CXL_LINE=10.0 VOLATILE_NAME=10.0-kernel7-volatile RUN_OPTS="-k trixie -c max,hypervisor=off"
exec bash "$G/tests/volatile.sh"
