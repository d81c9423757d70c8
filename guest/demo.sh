#!/usr/bin/env bash
# `make demo [TOPOLOGY=name]`: boot Debian's kernel under our QEMU on a CXL
# topology and show it working. On the default topology: the guest
# enumerates it, creates a 4-way region interleaved at 256 B over both host
# bridges, puts a devdax namespace on it and writes a pattern through it;
# then the host shows which device and offset each stripe landed in. On a
# worked topology of qemu-5.2/docs/system/devices/cxl.rst: the guest runs the
# documented commands and writes and reads a pattern through the region.
# On another topology of guest/topologies: the guest enumerates it.
. "$(dirname "$0")/../scripts/lib.sh"
topo=${1:-default}
B=$BUILD/guest
args=()
[ -f "$TOP/guest/topologies/$topo.sh" ] && args=(-T "$topo")
export TOPO_DIR=$B/backing/demo-$topo
rm -rf "$TOPO_DIR"
log=$B/logs/demo-$topo.log
rc=0
if [ "$topo" = default ]; then
    mkdir -p "$B/run/demo.sh.d"
    cat "$TOP/guest/scripts/demo-default.sh" "$TOP/guest/scripts/region.sh" > "$B/run/demo.sh"
    printf 'ROOT=decoder0.0\nWAYS=4\nGRAN=256\nSEED=5\nLEN=2097152\nMODE=fill\n' > "$B/run/demo.sh.d/region.conf"
    bash "$TOP/guest/run.sh" -t 300 -l "$log" "${args[@]}" "$B/run/demo.sh" || rc=$?
elif python3 "$TOP/scripts/doc-topology.py" list | grep -x "$topo" > /dev/null; then
    mkdir -p "$B/run/demo-$topo.sh.d"
    cp "$TOP/guest/scripts/doc-topology.sh" "$B/run/demo-$topo.sh"
    printf 'MEMDEVS=%s\nWRITE=1\n' "$(python3 "$TOP/scripts/doc-topology.py" devices "$topo")" \
        > "$B/run/demo-$topo.sh.d/doc.conf"
    python3 "$TOP/scripts/doc-topology.py" guest "$topo" > "$B/run/demo-$topo.sh.d/doc-guest.sh"
    bash "$TOP/guest/run.sh" -t 300 -l "$log" -T "$topo" "$B/run/demo-$topo.sh" || rc=$?
elif [ -f "$TOP/guest/topologies/$topo.sh" ]; then
    mkdir -p "$B/run/demo-$topo.sh.d"
    cp "$TOP/guest/scripts/doc-topology.sh" "$B/run/demo-$topo.sh"
    echo "MEMDEVS=$(bash "$TOP/guest/topologies/$topo.sh" "$TOPO_DIR" | grep -c '^cxl-type3,')" \
        > "$B/run/demo-$topo.sh.d/doc.conf"
    : > "$B/run/demo-$topo.sh.d/doc-guest.sh"
    bash "$TOP/guest/run.sh" -t 300 -l "$log" "${args[@]}" "$B/run/demo-$topo.sh" || rc=$?
else
    die "unknown topology '$topo': guest/topologies/*.sh or the docs' worked topologies:" \
        "$(python3 "$TOP/scripts/doc-topology.py" list | tr '\n' ' ')"
fi
grep -E '^(qemu-cxl guest:|demo:|doc:|memtool:|QEMU-CXL-EXIT)' "$log" || true
[ $rc = 0 ] || die "the demo guest failed with status $rc; console log: $log"
if [ "$topo" = default ]; then
    say "demo: from the host, where the guest's stripes landed in the backing files:"
    python3 "$TOP/guest/tests/check_region.py" "$log" "$TOPO_DIR" show 5 2097152
    python3 "$TOP/guest/tests/check_region.py" "$log" "$TOPO_DIR" check 5 2097152 | sed 's/^/demo: /'
fi
say "demo: ok (full console log: ${log#$TOP/})"
