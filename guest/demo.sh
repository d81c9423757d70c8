#!/usr/bin/env bash
# `make demo [TOPOLOGY=name]`: boot Debian's kernel under our QEMU and show
# what the guest sees.
. "$(dirname "$0")/../scripts/lib.sh"
topo=${1:-default}
script=$TOP/guest/scripts/demo-$topo.sh
[ -f "$script" ] || die "no demo for topology '$topo' (guest/scripts/demo-*.sh)"
args=()
[ -f "$TOP/guest/topologies/$topo.sh" ] && args=(-T "$topo")
log=$BUILD/guest/logs/demo-$topo.log
rc=0
bash "$TOP/guest/run.sh" -t 300 -l "$log" "${args[@]}" "$script" || rc=$?
# Show the guest's own lines (those the demo script prints with "demo:").
grep -E '^(qemu-cxl guest:|demo:|QEMU-CXL-EXIT)' "$log" || true
[ $rc = 0 ] || die "the demo guest failed with status $rc; console log: $log"
say "demo: ok (full console log: ${log#$TOP/})"
