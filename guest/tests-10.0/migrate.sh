#!/usr/bin/env bash
# The 10.0 line, upstream's CXL with the line's patches (hw/cxl/cxl-vmstate.c):
# Linux 6.12 rewrites a 4-way pmem region while the host migrates it to a
# QEMU with new, empty backing files; on the destination the guest finds
# its last pass in every word and the host finds it in the destination's
# files (guest/tests/migrate.sh). At 256 B every access traps; at 4 KiB
# the window maps the pages, so TCG's stores reach the backends' RAM
# directly and only dirty tracking tells the migration about them. Stock
# 10.0 migrates no CXL state: the destination's region reads zeros.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
export QEMU_CXL_LINE=10.0 RUN_OPTS="-k backports -c max,hypervisor=off"
for gran in 256 4096; do
    root=decoder0.0; [ $gran = 256 ] || root=decoder0.2
    MIGRATE_PREFIX=10.0-$gran- MIGRATE_GRAN=$gran MIGRATE_ROOT=$root bash "$G/tests/migrate.sh"
done
