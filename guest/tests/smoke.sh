#!/usr/bin/env bash
# Smoke boot: Debian's kernel boots our qemu-system-x86_64 on q35 into the
# initramfs, loads the CXL modules, runs the tools, reports status 0.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
log=$G/../build/guest/logs/smoke.log
bash "$G/run.sh" -t 300 -l "$log" "$G/scripts/smoke.sh"
for want in "module loaded: cxl_acpi" "module loaded: cxl_pci" "module loaded: cxl_mem" \
            "memtool: checked /tmp/pattern" "smoke: ok" "QEMU-CXL-EXIT=0"; do
    grep -q "$want" "$log" || { echo "smoke: '$want' not in the guest log $log"; exit 1; }
done
grep -m1 "qemu-cxl guest:" "$log"
