#!/usr/bin/env bash
# The 10.0 line, upstream's CXL with the line's patches: Linux 6.12 (bookworm-backports)
# enumerates the default topology (2 host bridges x 2 root ports x 1 Type 3
# device, three windows) under build/10.0/qemu-system-x86_64, with the same
# checks as the 5.2 line's enumeration test (guest/tests/enumerate.sh):
# drivers loaded, no CXL error or warning, every memdev, port and decoder
# in `cxl list`.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
B=$G/../build/guest
log=$B/logs/10.0-enumerate.log
export QEMU_CXL_LINE=10.0 TOPO_DIR=$B/backing/10.0-enumerate
rm -rf "$TOPO_DIR"
bash "$G/run.sh" -k backports -c max,hypervisor=off -t 300 -l "$log" -T default "$G/scripts/enumerate.sh"
python3 "$G/tests/check_enumerate.py" "$log"
