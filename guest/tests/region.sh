#!/usr/bin/env bash
# End-to-end interleaving with Debian's kernel and cxl CLI: on the default
# topology, create 2-way and 4-way regions (256 B and 4 KiB), and a 4-way
# region through a switch (guest/topologies/switch.sh); put a
# devdax namespace on it, write a pattern through it and check from the
# host that every word sits in the backing file and offset the CXL 2.0
# interleave gives; then seed the files from the host and have a second
# boot read the pattern back through the region.
#
# Other lines and kernels reuse it (guest/tests-10.0/): REGION_CONFIGS
# replaces the list of "topology root-decoder ways granularity" cases (";"
# between cases), RUN_OPTS adds guest/run.sh options (kernel, CPU),
# REGION_PREFIX goes before the logs' and backing folders' names, and
# REGION_FILES says how memdevs map to backing files (see check_region.py).
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
B=$G/../build/guest
len=$((2 << 20))
rc=0
# topology, root decoder (window), ways, granularity
configs=${REGION_CONFIGS:-"default decoder0.0 4 256;default decoder0.1 2 4096;default decoder0.2 4 4096;default decoder0.1 2 256;switch decoder0.0 4 256"}
read -r -a run_opts <<< "${RUN_OPTS:-}"
IFS=';' read -r -a cfgs <<< "$configs"
for cfg in "${cfgs[@]}"; do
    set -- $cfg
    topo=$1 root=$2 ways=$3 gran=$4
    order=; case $topo in default) ;; *) order=path ;; esac
    name=${REGION_PREFIX:-}region-$topo-${ways}way-${gran}
    export TOPO_DIR=$B/backing/$name
    rm -rf "$TOPO_DIR" "$B/run/$name.sh.d"
    mkdir -p "$B/run/$name.sh.d"
    cp "$G/scripts/region.sh" "$B/run/$name.sh"
    printf 'ROOT=%s\nWAYS=%s\nGRAN=%s\nSEED=%s\nLEN=%s\nMODE=fill\n' $root $ways $gran 11 $len > "$B/run/$name.sh.d/region.conf"
    echo "ORDER=$order" >> "$B/run/$name.sh.d/region.conf"
    echo "== $topo: $ways-way region at $gran B: guest writes, host checks"
    bash "$G/run.sh" "${run_opts[@]}" -t 300 -l "$B/logs/$name-fill.log" -T "$topo" "$B/run/$name.sh"
    python3 "$G/tests/check_region.py" "$B/logs/$name-fill.log" "$TOPO_DIR" check 11 $len || rc=1
    echo "== $topo: $ways-way region at $gran B: host seeds, guest reads"
    python3 "$G/tests/check_region.py" "$B/logs/$name-fill.log" "$TOPO_DIR" seed 23 $len
    printf 'ROOT=%s\nWAYS=%s\nGRAN=%s\nSEED=%s\nLEN=%s\nMODE=check\n' $root $ways $gran 23 $len > "$B/run/$name.sh.d/region.conf"
    echo "ORDER=$order" >> "$B/run/$name.sh.d/region.conf"
    bash "$G/run.sh" "${run_opts[@]}" -t 300 -l "$B/logs/$name-check.log" -T "$topo" "$B/run/$name.sh" || rc=1
    # The second boot must have used the same region layout
    grep -q "memtool: checked" "$B/logs/$name-check.log" || rc=1
done
exit $rc
