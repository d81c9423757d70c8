#!/usr/bin/env bash
# Volatile memory behind a CXL switch: 1 host bridge, 1 root port, a switch
# with 4 downstream ports, a Type 3 device with 256 MiB of volatile
# capacity on each, and a 4 GiB window on the host bridge. Guest RAM is
# NUMA node 0 (described by an SRAT), so that Linux gives the window a
# node of its own (6.12 makes one for each CFMWS window not in the SRAT).
# Prints QEMU arguments, one per line; backing files go into $1.
set -euo pipefail
dir=$1
mkdir -p "$dir"
printf '%s\n' -M q35,cxl=on -m 2G,maxmem=4G,slots=4
printf '%s\n' -object memory-backend-ram,id=ram0,size=2G -numa node,nodeid=0,memdev=ram0
printf '%s\n' -device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.0
printf '%s\n' -device cxl-rp,port=0,bus=cxl.0,id=rp0,chassis=0,slot=0
printf '%s\n' -device cxl-upstream,bus=rp0,id=us0
for n in 0 1 2 3; do
    f=$dir/v$n.raw
    [ -f "$f" ] || truncate -s 256M "$f"
    printf '%s\n' -object "memory-backend-file,id=v$n,share=on,mem-path=$f,size=256M"
    printf '%s\n' -device "cxl-downstream,port=$n,bus=us0,id=ds$n,chassis=0,slot=$((4 + n))"
    printf '%s\n' -device "cxl-type3,bus=ds$n,volatile-memdev=v$n,id=mem$n,sn=$((0x1000 + n))"
done
printf '%s\n' -M cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=4G
