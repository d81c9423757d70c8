#!/usr/bin/env bash
# Default topology: 2 host bridges x 2 root ports x 1 Type 3 device each
# (256 MiB persistent memory + 1 MiB label storage area), and three windows:
# 0: 4 GiB interleaving both host bridges at 256 B, 1: 4 GiB on host bridge
# 0 alone, 2: 4 GiB interleaving both host bridges at 4 KiB. Prints QEMU
# arguments, one per line; backing files go into $1.
set -euo pipefail
dir=$1
mkdir -p "$dir"
echo "-M"; echo "q35,cxl=on"
echo "-m"; echo "2G,maxmem=4G,slots=4"
n=0
for hb in 0 1; do
    echo "-device"; echo "pxb-cxl,bus_nr=$((12 + hb * 10)),bus=pcie.0,id=cxl.$hb"
    for rp in 0 1; do
        echo "-device"; echo "cxl-rp,port=$rp,bus=cxl.$hb,id=rp$hb$rp,chassis=$hb,slot=$rp"
        for kind in m l; do
            size=256M; [ $kind = l ] && size=1M
            f=$dir/$kind$n.raw
            [ -f "$f" ] || truncate -s $size "$f"
            echo "-object"; echo "memory-backend-file,id=$kind$n,share=on,mem-path=$f,size=$size"
        done
        echo "-device"; echo "cxl-type3,bus=rp$hb$rp,persistent-memdev=m$n,lsa=l$n,id=mem$n,sn=$((0x1000 + n))"
        n=$((n + 1))
    done
done
# All windows in one -M: upstream QEMU (10.0 too) refuses cxl-fmw.N spread
# over several -M options ("Parameters 'cxl-fmw.*' used inconsistently");
# the 5.2 line takes either.
echo "-M"; echo "cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.targets.1=cxl.1,cxl-fmw.0.size=4G,cxl-fmw.0.interleave-granularity=256,cxl-fmw.1.targets.0=cxl.0,cxl-fmw.1.size=4G,cxl-fmw.2.targets.0=cxl.0,cxl-fmw.2.targets.1=cxl.1,cxl-fmw.2.size=4G,cxl-fmw.2.interleave-granularity=4k"
