# Guest side of `make bench` (busybox sh, runs as /test/run.sh).
# /test/bench.conf, written by bench/run.sh, sets QNAME (which QEMU this
# is), SIZE (bytes per buffer), NDEV (Type 3 devices to wait for), and
# defines cases(), which calls ram_case and region_case once per case:
#
#   ram_case    INDEX TOTAL ID THREADS "TITLE"
#   region_case INDEX TOTAL ID THREADS "TITLE" HB WAYS GRANULARITY
#   kmem_case   INDEX TOTAL ID THREADS "TITLE" HB WAYS GRANULARITY
#   skip_case   INDEX TOTAL ID "TITLE" "WHY"
#
# A region case creates (once per host bridge HB) a pmem region of WAYS
# ways at GRANULARITY bytes on window HB (root decoder decoder0.HB) over
# the first WAYS devices below host bridge HB in PCI path order, puts a
# devdax namespace on it and runs cxlbench on it with THREADS threads.
# A kmem case takes that devdax device (made first if need be; it must
# come after the region's devdax cases, which it ends) and onlines it as
# system RAM (daxctl reconfigure-device --mode=system-ram, kmem), checks
# that the memory became a NUMA node of its own made of the region's
# memory blocks, and runs cxlbench on anonymous memory bound to that node
# (cxlbench checks with move_pages where the pages are). That needs an
# SRAT (QEMU's -numa): without one Linux puts the region in node 0.
# Output for the host: "bench: ..." progress lines, cxlbench's figures,
# "cxlbench: ID failed WHY" when a case could not run and "cxlbench: ID
# skipped WHY" for a case this QEMU does not run.
for m in cxl_acpi cxl_pci cxl_mem cxl_port cxl_pmem libnvdimm nd_pmem dax_pmem device_dax; do
    /sbin/modprobe $m 2>/dev/null
done

fail() {   # ID WHY...
    id=$1; shift
    echo "cxlbench: $id failed $*"
}

wait_endpoints() {
    i=0
    while [ $i -lt 60 ] && [ "$(ls -d /sys/bus/cxl/devices/endpoint* 2>/dev/null | wc -l)" -lt "$NDEV" ]; do
        sleep 1; i=$((i + 1))
    done
    echo "bench: $(ls -d /sys/bus/cxl/devices/endpoint* 2>/dev/null | wc -l) of $NDEV endpoints after ${i}s"
}

ram_case() {   # INDEX TOTAL ID THREADS TITLE
    echo "bench: [$1/$2] $QNAME $5 ..."
    # The RAM baseline comes first in a boot, when the guest and QEMU are
    # still warming up (its figures moved by a third between runs): one
    # pass unmeasured, then the measured one
    cxlbench warmup ram "$SIZE" "$4" > /dev/null || true
    cxlbench "$3" ram "$SIZE" "$4" || fail "$3" "cxlbench exited with $?"
}

# make_region HB WAYS GRAN: sets dax to the devdax device of the region on
# host bridge HB, creating it on first use; empty on failure (why in err)
make_region() {
    eval "dax=\${dax_$1:-}"
    [ -n "$dax" ] && return 0
    bus=$(printf 'pci0000:%02x' $((12 + 16 * $1)))
    targets=$(for m in /sys/bus/cxl/devices/mem*; do
        p=$(readlink -f "$m")
        case "$p" in */$bus/*) echo "$p $(basename "$m")" ;; esac
    done | sort | awk '{print $2}' | tr '\n' ' ')
    set -- "$1" "$2" "$3" $targets
    [ $# -ge $(($2 + 3)) ] || { err="found $(($# - 3)) of $2 devices below $bus"; return 1; }
    hb=$1 ways=$2 gran=$3; shift 3
    targets=$(echo "$@" | cut -d' ' -f1-"$ways")
    set -- $targets
    before=$(ls /sys/bus/nd/devices 2>/dev/null | grep '^region' | sort)
    cxl create-region -m -d "decoder0.$hb" -w "$ways" -g "$gran" "$@" > /tmp/region.json 2>/tmp/region.err
    region=$(grep -o '"region":"region[0-9]*"' /tmp/region.json | head -n 1 | cut -d'"' -f4)
    if [ -z "$region" ]; then
        err="cxl create-region: $(tail -n 2 /tmp/region.err | tr '\n' ' ')"
        return 1
    fi
    i=0 nd=""
    while [ $i -lt 20 ] && [ -z "$nd" ]; do
        nd=$(ls /sys/bus/nd/devices 2>/dev/null | grep '^region' | sort | while read -r r; do
            echo "$before" | grep -qx "$r" || echo "$r"; done | head -n 1)
        [ -n "$nd" ] || { sleep 1; i=$((i + 1)); }
    done
    [ -n "$nd" ] || { err="$region: no nvdimm region appeared"; return 1; }
    ndctl create-namespace -m devdax -a 2M -r "$nd" > /tmp/ns.json 2>/tmp/ns.err
    dax=$(grep -o '"chardev":"dax[0-9.]*"' /tmp/ns.json | head -n 1 | cut -d'"' -f4)
    [ -n "$dax" ] || { err="ndctl create-namespace on $nd: $(tail -n 2 /tmp/ns.err | tr '\n' ' ')"; return 1; }
    dax=/dev/$dax
    echo "bench: $region ($ways-way, $gran B, $*) as $nd, $dax, $(cat /sys/bus/dax/devices/$(basename $dax)/size) bytes"
    eval "dax_$hb=$dax region_$hb=$region"
}

# online_kmem HB: onlines the devdax device of host bridge HB's region as
# system RAM, once; sets node to its NUMA node; empty on failure (why in err)
online_kmem() {
    eval "node=\${node_$1:-}"
    [ -n "$node" ] && return 0
    eval "dax=\$dax_$1 region=\$region_$1"
    name=$(basename "$dax")
    /sbin/modprobe kmem 2>/dev/null
    # Linux onlines hot-added memory itself when auto_online_blocks says
    # so, and daxctl then refuses ("kernel policy will auto-online memory,
    # aborting"); Debian's 6.1 leaves it offline (6.12 does not). daxctl
    # onlines the blocks itself (movable).
    policy=$(cat /sys/devices/system/memory/auto_online_blocks 2>/dev/null)
    [ "$policy" = offline ] || echo offline > /sys/devices/system/memory/auto_online_blocks
    node=$(cat "/sys/bus/dax/devices/$name/target_node" 2>/dev/null)
    if ! daxctl reconfigure-device --mode=system-ram "$name" > /tmp/kmem.json 2>/tmp/kmem.err; then
        err="daxctl reconfigure-device --mode=system-ram $name (auto_online_blocks was $policy): $(tail -n 2 /tmp/kmem.err | tr '\n' ' ')"
        node=""; return 1
    fi
    blocks=$(tr -d ' \n' < /tmp/kmem.json | grep -o '"online_memblocks":[0-9]*,"total_memblocks":[0-9]*' |
             sed 's/"online_memblocks":\([0-9]*\),"total_memblocks":\([0-9]*\)/\1 of \2/')
    # The region's memory blocks must be the node's and the node must not be
    # guest RAM's (0, where the CPUs are)
    res=$(cat /sys/bus/cxl/devices/$region/resource 2>/dev/null)
    rsize=$(cat /sys/bus/cxl/devices/$region/size 2>/dev/null)
    bsize=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
    inside=0 outside=0
    for b in /sys/devices/system/node/node$node/memory[0-9]*; do
        [ -e "$b" ] || continue
        a=$(( ${b##*/memory} * bsize ))
        if [ $a -ge $((res)) ] && [ $((a + bsize)) -le $((res + rsize)) ]; then
            inside=$((inside + 1))
        else
            outside=$((outside + 1))
        fi
    done
    total=$(awk '/MemTotal/ {print $4}' /sys/devices/system/node/node$node/meminfo 2>/dev/null)
    cpus=$(cat /sys/devices/system/node/node$node/cpulist 2>/dev/null)
    echo "bench: $name ($region) onlined as system RAM: node $node, memory blocks ${blocks:-?} online," \
        "node $node has $inside memory blocks of $((bsize >> 20)) MiB in the region and $outside" \
        "outside it, MemTotal ${total:-?} kB, CPUs '${cpus}' (auto_online_blocks was $policy)"
    if [ -z "$node" ] || [ "$node" -lt 1 ]; then
        err="$name's NUMA node is '${node}', guest RAM's: no node of its own (no SRAT?)"
        node=""; return 1
    fi
    if [ $inside = 0 ] || [ $outside != 0 ] || [ -n "$cpus" ]; then
        err="node $node is not the region's alone ($inside blocks in $region, $outside outside, CPUs '$cpus')"
        node=""; return 1
    fi
    eval "node_$1=$node"
}

region_case() {   # INDEX TOTAL ID THREADS TITLE HB WAYS GRAN
    echo "bench: [$1/$2] $QNAME $5 ..."
    id=$3 threads=$4
    if ! make_region "$6" "$7" "$8"; then
        fail "$id" "$err"
        return
    fi
    cxlbench "$id" "$dax" "$SIZE" "$threads" || fail "$id" "cxlbench exited with $?"
}

kmem_case() {   # INDEX TOTAL ID THREADS TITLE HB WAYS GRAN
    echo "bench: [$1/$2] $QNAME $5 ..."
    id=$3 threads=$4
    if ! make_region "$6" "$7" "$8" || ! online_kmem "$6"; then
        fail "$id" "$err"
        return
    fi
    cxlbench "$id" "node:$node" "$SIZE" "$threads" || fail "$id" "cxlbench exited with $?"
}

skip_case() {   # INDEX TOTAL ID TITLE WHY
    echo "bench: [$1/$2] $QNAME $4: skipped, $5"
    echo "cxlbench: $3 skipped $5"
}

. /test/bench.conf
wait_endpoints
cases
echo "bench: done"
