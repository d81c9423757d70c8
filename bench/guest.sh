# Guest side of `make bench` (busybox sh, runs as /test/run.sh).
# /test/bench.conf, written by bench/run.sh, sets QNAME (which QEMU this
# is), SIZE (bytes per buffer), NDEV (Type 3 devices to wait for), and
# defines cases(), which calls ram_case and region_case once per case:
#
#   ram_case    INDEX TOTAL ID THREADS "TITLE"
#   region_case INDEX TOTAL ID THREADS "TITLE" HB WAYS GRANULARITY
#
# A region case creates (once per host bridge HB) a pmem region of WAYS
# ways at GRANULARITY bytes on window HB (root decoder decoder0.HB) over
# the first WAYS devices below host bridge HB in PCI path order, puts a
# devdax namespace on it and runs cxlbench on it with THREADS threads.
# Output for the host: "bench: ..." progress lines, cxlbench's figures,
# and "cxlbench: ID failed WHY" when a case could not run.
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
    eval "dax_$hb=$dax"
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

. /test/bench.conf
wait_endpoints
cases
echo "bench: done"
