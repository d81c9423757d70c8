#!/usr/bin/env bash
# run_qemu's default `--cxl` topology (github.com/pmem/run_qemu, setup_cxl
# in run_qemu.sh, with its default of two persistent devices), as it
# reaches QEMU: two host bridges (bus_nr 53 and 191) with two root ports
# each; below the first root port of each host bridge a switch whose
# upstream port (function 0.0, multifunction, sn=) has a
# cxl-switch-mailbox-cci beside it (function 0.1) and four downstream
# ports; a Type 3 device on every other downstream port: two with 256 MiB
# of persistent memory (host bridge 0's switch), two with 256 MiB of
# volatile memory (host bridge 1's), each with a 128 KiB label storage
# area and no serial number; and two 4 GiB windows at 8 KiB granularity,
# one on host bridge 0, one over both. It needs the switch mailbox CCI
# (QEMU 10.0's upstream CXL has it; the 5.2 line does not). Prints QEMU
# arguments, one per line; backing files go into $1.
set -euo pipefail
dir=$1
mkdir -p "$dir"
printf '%s\n' -M q35,cxl=on -m 2G,maxmem=4G,slots=4
for i in 0 1 2 3; do
    [ -f "$dir/cxltest$i.raw" ] || truncate -s 256M "$dir/cxltest$i.raw"
    [ -f "$dir/lsa$i.raw" ] || truncate -s 128K "$dir/lsa$i.raw"
done
for kind in "mem cxltest 256M" "lsa lsa 128K"; do
    set -- $kind
    for i in 0 1 2 3; do
        printf '%s\n' -object "memory-backend-file,id=cxl-$1$i,share=on,mem-path=$dir/$2$i.raw,size=$3"
    done
done
printf '%s\n' -device pxb-cxl,id=cxl.0,bus=pcie.0,bus_nr=53
printf '%s\n' -device pxb-cxl,id=cxl.1,bus=pcie.0,bus_nr=191
printf '%s\n' -device cxl-rp,id=hb0rp0,bus=cxl.0,chassis=0,slot=0,port=0
printf '%s\n' -device cxl-rp,id=hb0rp1,bus=cxl.0,chassis=0,slot=1,port=1
printf '%s\n' -device cxl-rp,id=hb1rp0,bus=cxl.1,chassis=0,slot=2,port=0
printf '%s\n' -device cxl-rp,id=hb1rp1,bus=cxl.1,chassis=0,slot=3,port=1
printf '%s\n' -device cxl-upstream,port=4,bus=hb0rp0,id=cxl-up0,multifunction=on,addr=0.0,sn=12345678
printf '%s\n' -device cxl-switch-mailbox-cci,bus=hb0rp0,addr=0.1,target=cxl-up0
printf '%s\n' -device cxl-upstream,port=4,bus=hb1rp0,id=cxl-up1,multifunction=on,addr=0.0,sn=12341234
printf '%s\n' -device cxl-switch-mailbox-cci,bus=hb1rp0,addr=0.1,target=cxl-up1
for sw in 0 1; do
    for p in 0 1 2 3; do
        n=$((sw * 4 + p))
        printf '%s\n' -device "cxl-downstream,port=$p,bus=cxl-up$sw,id=swport$n,chassis=0,slot=$((4 + n))"
    done
done
for i in 0 1 2 3; do
    if [ $i -lt 2 ]; then mem="persistent-memdev=cxl-mem$i,id=cxl-pmem$i"; else mem="volatile-memdev=cxl-mem$i,id=cxl-vmem$i"; fi
    printf '%s\n' -device "cxl-type3,bus=swport$((i * 2)),$mem,lsa=cxl-lsa$i"
done
printf '%s\n' -M cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=4G,cxl-fmw.0.interleave-granularity=8k,cxl-fmw.1.targets.0=cxl.0,cxl-fmw.1.targets.1=cxl.1,cxl-fmw.1.size=4G,cxl-fmw.1.interleave-granularity=8k
