#!/usr/bin/env bash
# End-to-end: Debian's kernel (6.1) enumerates the default topology (2 host
# bridges x 2 root ports x 1 Type 3 device, one window over both host
# bridges) with cxl_acpi, cxl_pci, cxl_mem, cxl_port and cxl_pmem, without
# a CXL error or warning, and Debian's `cxl list` shows every memdev with
# its size and serial number, both host bridges with their dports, the
# window's root decoder and the endpoint decoders.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
log=$G/../build/guest/logs/enumerate.log
export TOPO_DIR=$G/../build/guest/backing/enumerate
rm -rf "$TOPO_DIR"
bash "$G/run.sh" -t 300 -l "$log" -T default "$G/scripts/enumerate.sh"
python3 "$G/tests/check_enumerate.py" "$log"
