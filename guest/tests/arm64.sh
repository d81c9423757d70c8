#!/usr/bin/env bash
# End-to-end on arm64: Debian's arm64 kernel, booted through Debian's UEFI
# firmware for aarch64 (qemu-efi-aarch64) with ACPI on our
# qemu-system-aarch64 -M virt,cxl=on under TCG, enumerates the default
# topology (2 host bridges x 2 root ports x 1 device; cxl list checked as
# on x86, guest/tests/enumerate.sh), creates a 4-way
# region at 256 B across both host bridges with Debian's cxl CLI and writes
# a pattern through it; the host checks every word in the backing files,
# at the file and offset the CXL 2.0 interleave gives; then the host seeds
# another pattern and a second boot reads it back. The same guest
# script and host check as the x86 region test (region.sh).
#
# Debian's arm64 6.1 kernel has the CXL drivers (CONFIG_CXL_BUS=y,
# CXL_PCI, CXL_ACPI, CXL_MEM, CXL_PMEM=m, CXL_PORT=y, CXL_REGION=y) but
# not ZONE_DEVICE ("# CONFIG_ZONE_DEVICE is not set"), so no devdax:
# region.sh puts a raw namespace on the region instead and writes its
# block device, /dev/pmemN, with read/write and fsync.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
B=$G/../build/guest
len=$((1 << 20))
name=arm64-region-default-4way-256
export TOPO_DIR=$B/backing/$name
rm -rf "$TOPO_DIR" "$B/run/$name.sh.d"
mkdir -p "$B/run/$name.sh.d"
cp "$G/scripts/region.sh" "$B/run/$name.sh"
printf 'ROOT=%s\nWAYS=%s\nGRAN=%s\nSEED=%s\nLEN=%s\nMODE=fill\nORDER=\n' \
    decoder0.0 4 256 31 $len > "$B/run/$name.sh.d/region.conf"
echo "== arm64 virt: Linux enumerates the default topology (cxl list checked)"
rm -rf "$B/backing/arm64-enumerate"
TOPO_DIR=$B/backing/arm64-enumerate bash "$G/run.sh" -a arm64 -t 900 \
    -l "$B/logs/arm64-enumerate.log" -T default "$G/scripts/enumerate.sh"
python3 "$G/tests/check_enumerate.py" "$B/logs/arm64-enumerate.log"
echo "== arm64 virt: 4-way region at 256 B: guest writes, host checks"
bash "$G/run.sh" -a arm64 -t 900 -l "$B/logs/$name.log" -T default "$B/run/$name.sh"
python3 "$G/tests/check_region.py" "$B/logs/$name.log" "$TOPO_DIR" check 31 $len
echo "== arm64 virt: 4-way region at 256 B: host seeds, guest reads"
python3 "$G/tests/check_region.py" "$B/logs/$name.log" "$TOPO_DIR" seed 47 $len
printf 'ROOT=%s\nWAYS=%s\nGRAN=%s\nSEED=%s\nLEN=%s\nMODE=check\nORDER=\n' \
    decoder0.0 4 256 47 $len > "$B/run/$name.sh.d/region.conf"
bash "$G/run.sh" -a arm64 -t 900 -l "$B/logs/$name-check.log" -T default "$B/run/$name.sh"
grep -q "memtool: checked" "$B/logs/$name-check.log"
echo "arm64: the region decodes as on x86"
