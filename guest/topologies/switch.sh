#!/usr/bin/env bash
# A CXL switch below one root port: 1 host bridge, 1 root port, a switch
# with SWITCH_PORTS (default 4) downstream ports, a Type 3 device (256 MiB
# persistent + 1 MiB LSA) on each, and a 4 GiB window on the host bridge.
# Prints QEMU arguments, one per line; backing files go into $1 (m<n>.raw,
# l<n>.raw for the labels).
set -euo pipefail
dir=$1
mkdir -p "$dir"
printf '%s\n' -M q35,cxl=on -m 2G,maxmem=4G,slots=4
printf '%s\n' -device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.0
printf '%s\n' -device cxl-rp,port=0,bus=cxl.0,id=rp0,chassis=0,slot=0
printf '%s\n' -device cxl-upstream,bus=rp0,id=us0
for n in $(seq 0 $(( ${SWITCH_PORTS:-4} - 1 ))); do
    for kind in m l; do
        size=256M; [ $kind = l ] && size=1M
        f=$dir/$kind$n.raw
        [ -f "$f" ] || truncate -s $size "$f"
        printf '%s\n' -object "memory-backend-file,id=$kind$n,share=on,mem-path=$f,size=$size"
    done
    printf '%s\n' -device "cxl-downstream,port=$n,bus=us0,id=ds$n,chassis=0,slot=$((4 + n))"
    printf '%s\n' -device "cxl-type3,bus=ds$n,persistent-memdev=m$n,lsa=l$n,id=mem$n,sn=$((0x1000 + n))"
done
printf '%s\n' -M cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=4G
