#!/usr/bin/env bash
# Stress topology: 32 Type 3 devices. 2 host bridges x 2 root ports, a
# switch with 8 downstream ports below each root port, a device on each
# downstream port: on host bridge 0, 256 MiB persistent memory + 1 MiB
# label storage area; on host bridge 1, 256 MiB volatile memory. Four
# windows: 0: 16 GiB over both host bridges at 256 B; 1: 8 GiB on host
# bridge 0; 2: 8 GiB on host bridge 1; 3: 16 GiB over both at 4 KiB.
# Prints QEMU arguments, one per line; backing files go into $1.
set -euo pipefail
dir=$1
mkdir -p "$dir"
printf '%s\n' -M q35,cxl=on -m 2G,maxmem=4G,slots=4
n=0
for hb in 0 1; do
    # 21 buses below each host bridge: root ports, switch ports, devices
    printf '%s\n' -device "pxb-cxl,bus_nr=$((12 + hb * 40)),bus=pcie.0,id=cxl.$hb"
    for rp in 0 1; do
        printf '%s\n' -device "cxl-rp,port=$rp,bus=cxl.$hb,id=rp$hb$rp,chassis=$hb,slot=$rp"
        printf '%s\n' -device "cxl-upstream,bus=rp$hb$rp,id=us$hb$rp"
        for ds in 0 1 2 3 4 5 6 7; do
            printf '%s\n' -device "cxl-downstream,port=$ds,bus=us$hb$rp,id=ds$hb$rp$ds,chassis=$((10 + hb * 2 + rp)),slot=$ds"
            f=$dir/m$n.raw
            [ -f "$f" ] || truncate -s 256M "$f"
            printf '%s\n' -object "memory-backend-file,id=m$n,share=on,mem-path=$f,size=256M"
            if [ $hb = 0 ]; then
                f=$dir/l$n.raw
                [ -f "$f" ] || truncate -s 1M "$f"
                printf '%s\n' -object "memory-backend-file,id=l$n,share=on,mem-path=$f,size=1M"
                printf '%s\n' -device "cxl-type3,bus=ds$hb$rp$ds,persistent-memdev=m$n,lsa=l$n,id=mem$n,sn=$((0x2000 + n))"
            else
                printf '%s\n' -device "cxl-type3,bus=ds$hb$rp$ds,volatile-memdev=m$n,id=mem$n,sn=$((0x2000 + n))"
            fi
            n=$((n + 1))
        done
    done
done
# All windows in one -M, as upstream QEMU wants (see default.sh)
printf '%s\n' -M cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.targets.1=cxl.1,cxl-fmw.0.size=16G,cxl-fmw.0.interleave-granularity=256,cxl-fmw.1.targets.0=cxl.0,cxl-fmw.1.size=8G,cxl-fmw.2.targets.0=cxl.1,cxl-fmw.2.size=8G,cxl-fmw.3.targets.0=cxl.0,cxl-fmw.3.targets.1=cxl.1,cxl-fmw.3.size=16G,cxl-fmw.3.interleave-granularity=4k
