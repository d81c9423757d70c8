#!/usr/bin/env bash
# The benchmark topology: one host bridge, one window and its own Type 3
# devices for each region, so that every device, root port and host bridge
# needs a single HDM decoder (QEMU 7.2 has one per component) and all
# regions fit in one boot of any of the three QEMUs.
#
#   bench/topology.sh [-n] DIR MEMDEV-PROPERTY WAYS...
#
# For the Nth WAYS (1, 2 or 4): host bridge cxl.N (bus_nr 12 + 16 N) with
# WAYS root ports (at least two), a device with 256 MiB of persistent
# memory and a 1 MiB label storage area on each, and window N (WAYS x 512
# MiB) on that host bridge alone; the host bridge does the interleaving, at
# whatever granularity the guest picks. A 1-way region gets a host bridge
# with two root ports all the same (it uses the first): Linux 6.1 leaves
# the decoder of a host bridge with a single root port unprogrammed
# (pass-through), which QEMU 7.2 does not route. MEMDEV-PROPERTY is persistent-memdev (ours,
# 10.0) or memdev (7.2 knows only that). Prints QEMU arguments, one per
# line; backing files go into DIR, created anew (sparse) every time.
# -n: guest RAM is NUMA node 0 (-numa with a memory backend of the same
# size as -m), which gives the guest an SRAT; Linux then makes a node of
# its own for each window (CFMWS) that the SRAT does not cover, and a
# region onlined as system RAM (kmem) becomes that node. Without an SRAT
# Linux puts it in node 0, with the guest's RAM.
set -euo pipefail
numa=0
[ "${1:-}" = -n ] && { numa=1; shift; }
dir=$1 prop=$2; shift 2
mkdir -p "$dir"
mem=2G
printf '%s\n' -m $mem,maxmem=4G,slots=4
[ $numa = 0 ] || printf '%s\n' -object memory-backend-ram,id=ram0,size=$mem -numa node,nodeid=0,memdev=ram0
hb=0 n=0 machine=q35,cxl=on
for ways in "$@"; do
    printf '%s\n' -device "pxb-cxl,bus_nr=$((12 + hb * 16)),bus=pcie.0,id=cxl.$hb"
    ports=$ways; [ "$ways" -ge 2 ] || ports=2
    for ((rp = 0; rp < ports; rp++)); do
        printf '%s\n' -device "cxl-rp,port=$rp,bus=cxl.$hb,id=rp$hb.$rp,chassis=$hb,slot=$rp"
        rm -f "$dir/m$n.raw" "$dir/l$n.raw"
        truncate -s 256M "$dir/m$n.raw"
        truncate -s 1M "$dir/l$n.raw"
        printf '%s\n' -object "memory-backend-file,id=m$n,share=on,mem-path=$dir/m$n.raw,size=256M"
        printf '%s\n' -object "memory-backend-file,id=l$n,share=on,mem-path=$dir/l$n.raw,size=1M"
        printf '%s\n' -device "cxl-type3,bus=rp$hb.$rp,$prop=m$n,lsa=l$n,id=mem$n,sn=$((0x3000 + n))"
        n=$((n + 1))
    done
    machine+=",cxl-fmw.$hb.targets.0=cxl.$hb,cxl-fmw.$hb.size=$((ways * 512))M"
    hb=$((hb + 1))
done
# All windows in one -M: QEMU 7.2 and 10.0 refuse cxl-fmw.N spread over
# several -M options ("Parameters 'cxl-fmw.*' used inconsistently").
printf '%s\n' -M "$machine"
