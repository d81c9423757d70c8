#!/usr/bin/env bash
# The 10.0 line, upstream's CXL with the line's patches: Linux 6.12 makes 2- and 4-way
# pmem regions at 256 B and 4 KiB, and a 1-way region (which the window
# maps as RAM, hw/cxl/cxl-window-map.c), on the default topology, and a
# 4-way region at 256 B behind a switch (the switch topology), under
# build/10.0/qemu-system-x86_64; the guest writes a pattern through each
# and the host finds every word in the backing file and offset the CXL 2.0
# interleave gives, then the host seeds the files and a second boot reads
# the pattern back through the region (guest/tests/region.sh).
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
export QEMU_CXL_LINE=10.0 REGION_PREFIX=10.0- RUN_OPTS="-k backports -c max,hypervisor=off"
export REGION_CONFIGS="default decoder0.0 4 256;default decoder0.1 2 256;default decoder0.2 4 4096;default decoder0.1 2 4096;default decoder0.1 1 256;switch decoder0.0 4 256"
exec bash "$G/tests/region.sh"
