#!/usr/bin/env bash
# Poison and events injected from the host reach a Linux 7.x guest at the
# right offset of a 4-way region, on the 10.0 line (upstream's poison
# list, Get Poison List and event logs with their interrupt; our routing). The guest (trixie-backports' kernel,
# ndctl 81) makes a 4-way pmem region at 256 B on the default topology
# and says which memdev and endpoint decoder hold each position. The host
# injects poison with QMP cxl-inject-poison into two devices' DPA, at
# positions and chunks chosen so that each lands at its own region offset;
# the guest's `cxl list --media-errors` must report exactly those offsets
# (the kernel turns the device's DPA into the region's HPA), and our
# cxl-translate must take each of those HPAs back to the device and DPA
# the poison went into. Then the host injects a General Media event at the
# first of those DPA with cxl-inject-general-media-event: the kernel's
# cxl_general_media trace event must name the memdev, the DPA and the HPA
# of that region offset.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
B=$G/../build/guest
name=10.0-kernel7-ras
work=$B/run/$name.work log=$B/logs/$name.log
rm -rf "$work" "$B/run/$name.sh.d" "$B/backing/$name"
mkdir -p "$work" "$B/run/$name.sh.d" "$B/logs"
rm -f "$log"*
cat "$G/scripts/region.sh" "$G/scripts/ras.sh" > "$B/run/$name.sh"
# (position, chunk of that position's device, offset in the chunk)
injections="1 5 64;3 0 192"
printf 'ROOT=decoder0.0\nWAYS=4\nGRAN=256\nSEED=1\nLEN=0\nMODE=region\nORDER=\nEXPECT=2\n' \
    > "$B/run/$name.sh.d/region.conf"
qmp=$work/qmp
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true' EXIT
wait_for() {   # wait_for PATTERN SECONDS
    local n
    for ((n = 0; n < $2 * 10; n++)); do
        grep -q "$1" "$log" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "ras: '$1' did not appear in $log" >&2
    tail -n 20 "$log" | sed 's/^/    | /' >&2
    return 1
}
export QEMU_CXL_LINE=10.0 TOPO_DIR=$B/backing/$name
echo "== Linux 7.x, 4-way region at 256 B; poison at two positions, then an event"
bash "$G/run.sh" -k trixie -c max,hypervisor=off -t 600 -l "$log" -T default "$B/run/$name.sh" \
    -- -qmp "unix:$qmp,server,nowait" > "$work/run.out" 2>&1 &
pid=$!
wait_for "^@@POISON-READY" 500
python3 "$G/tests/check_ras.py" "$log" "$qmp" "$injections" inject
wait_for "^@@EVENT-READY" 300
python3 "$G/tests/check_ras.py" "$log" "$qmp" "$injections" event
rc=0
wait "$pid" || rc=$?
pid=
[ $rc = 0 ] || { echo "ras: guest failed ($rc); log $log" >&2; tail -n 30 "$log" | sed 's/^/    | /' >&2; exit 1; }
echo "== the guest's media errors, at the region offsets of the injected DPA"
python3 "$G/tests/check_ras.py" "$log" "$qmp" "$injections" check
echo "== the guest's General Media event, at that DPA and its HPA"
python3 "$G/tests/check_ras.py" "$log" "$qmp" "$injections" check-event
