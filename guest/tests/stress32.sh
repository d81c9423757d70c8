#!/usr/bin/env bash
# End-to-end stress topology (guest/topologies/stress32.sh): 32 Type 3
# devices, persistent and volatile, behind four switches below two host
# bridges, with four windows. QEMU realizes it all (the time it takes is
# printed, not asserted: `make bench` is where figures are judged), and
# Debian's kernel (6.1) enumerates every host bridge, switch, memdev,
# endpoint and window, checked from `cxl list` JSON.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
B=$G/../build
export TOPO_DIR=$B/guest/backing/stress32
rm -rf "$TOPO_DIR" "$B/guest/run/stress32.sh.d"
mkdir -p "$B/guest/run/stress32.sh.d"

# Machine start: realize everything, then quit from the monitor.
mapfile -t args < <(bash "$G/topologies/stress32.sh" "$TOPO_DIR")
t0=$(date +%s.%N)
echo quit | "${QEMU:-$B/qemu-system-x86_64}" -S -display none -nodefaults -monitor stdio \
    -accel tcg "${args[@]}" > "$B/guest/run/stress32-start.out" 2>&1 \
    || { cat "$B/guest/run/stress32-start.out"; exit 1; }
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "stress32: QEMU starts the 32-device topology and quits in %.2f s\n", b - a }'

cp "$G/scripts/enumerate.sh" "$B/guest/run/stress32.sh"
echo MEMDEVS=32 > "$B/guest/run/stress32.sh.d/enumerate.conf"
t0=$(date +%s)
bash "$G/run.sh" -t 600 -l "$B/guest/logs/stress32.log" -T stress32 "$B/guest/run/stress32.sh"
echo "stress32: boot, enumeration and power-off took $(($(date +%s) - t0)) s;" \
     "$(grep -o 'probed .*' "$B/guest/logs/stress32.log" | tr -d '\r')"
python3 "$G/tests/check_stress32.py" "$B/guest/logs/stress32.log"
