# Guest side of the interleaved-region test on the default topology
# (2 host bridges x 2 root ports). /test/region.conf sets ROOT (the root
# decoder, i.e. the window), WAYS (4: both host bridges; 2: the two root
# ports of host bridge 0; 1: root port 0 of host bridge 0), GRAN, SEED, LEN and MODE (fill: write the
# pattern through the region; check: read the pattern the host seeded;
# region: make the region and stop there, for a script that goes on).
. /test/region.conf
for m in cxl_acpi cxl_pci cxl_mem cxl_port cxl_pmem nd_pmem dax_pmem device_dax; do /sbin/modprobe $m 2>/dev/null; done
i=0
while [ $i -lt 30 ] && [ "$(ls -d /sys/bus/cxl/devices/endpoint* 2>/dev/null | wc -l)" -lt 4 ]; do
    sleep 1; i=$((i + 1))
done
# memdevs by PCI path; on the default topology the window's targets are
# hb0 (bus 0x0c) and hb1 (bus 0x16)
list=$(for m in /sys/bus/cxl/devices/mem*; do
    echo "$(readlink -f $m | grep -o 'pci0000:[0-9a-f]*/.*') $(basename $m)"; done | sort)
set -- $(echo "$list" | grep 'pci0000:0c' | awk '{print $2}'); a0=$1; a1=$2
set -- $(echo "$list" | grep 'pci0000:16' | awk '{print $2}'); b0=$1; b1=$2
# Positions alternate host bridges: hb0 rp0, hb1 rp0, hb0 rp1, hb1 rp1
if [ "${ORDER:-}" = path ]; then
    # One host bridge (below it, root ports or a switch): PCI path order
    targets=$(echo "$list" | awk '{print $2}' | head -n "$WAYS")
elif [ "$WAYS" = 4 ]; then
    targets="$a0 $b0 $a1 $b1"
elif [ "$WAYS" = 1 ]; then
    targets="$a0"
else
    targets="$a0 $a1"
fi
echo "@@REGION"
cxl create-region -m -d "$ROOT" -w "$WAYS" -g "$GRAN" $targets 2>/tmp/create.err
region=$(ls -d /sys/bus/cxl/devices/region* 2>/dev/null | head -n 1)
[ -n "$region" ] || { cat /tmp/create.err; dmesg | grep -i cxl | tail; exit 1; }
echo "@@MEMDEVS"; cxl list -M
echo "@@DECODERS"
for d in /sys/bus/cxl/devices/decoder[3-9].0; do
    echo "$(basename $d) $(cat $d/dpa_resource 2>/dev/null) $(cat $d/dpa_size 2>/dev/null)"
done
r=$(basename $region)
if [ "$MODE" != region ]; then
    nr=$(ls -d /sys/bus/nd/devices/region* 2>/dev/null | head -n 1)
    # A devdax namespace, or the one a previous boot left in the labels. A
    # kernel without ZONE_DEVICE (Debian's arm64 6.1) has no devdax: then a raw
    # namespace, a block device over the same memory, written with read/write
    # and fsync.
    dax=$(ls /dev/dax* 2>/dev/null | head -n 1)
    pmem=$(ls -d /sys/bus/nd/devices/namespace*/block/pmem* 2>/dev/null | head -n 1)
    if [ -z "$dax" ] && [ -z "$pmem" ]; then
        ndctl create-namespace -m devdax -r "$(basename $nr)" > /tmp/ns.json 2>&1
        dax=$(ls /dev/dax* 2>/dev/null | head -n 1)
        if [ -z "$dax" ] && grep -q "does not support devdax" /tmp/ns.json; then
            ndctl create-namespace -m raw -r "$(basename $nr)" > /tmp/ns.json 2>&1
            pmem=$(ls -d /sys/bus/nd/devices/namespace*/block/pmem* 2>/dev/null | head -n 1)
        fi
    fi
    rw=""
    if [ -n "$dax" ]; then
        # A namespace found in the labels is probed asynchronously, and may be
        # probed again: the first dax device can go and another take its place
        # (its /dev node answering ENXIO meanwhile). Wait until a dax device
        # with a driver opens.
        i=0
        while :; do
            dax=$(ls /dev/dax* 2>/dev/null | head -n 1)
            name=$(basename "$dax")
            # (open only: device DAX has no read(2))
            [ -e /sys/bus/dax/devices/$name/driver ] && (exec 3< "$dax") 2>/dev/null && break
            [ $i -lt 20 ] || { echo "$dax does not open"; ls -l /dev/dax*; daxctl list -i; exit 1; }
            sleep 1; i=$((i + 1))
        done
        [ $i = 0 ] || echo "region: $dax opened after ${i}s"
        echo "@@DAX $name $(cat /sys/bus/dax/devices/$name/resource) $(cat /sys/bus/dax/devices/$name/size)"
    elif [ -n "$pmem" ]; then
        name=$(basename $pmem) dax=/dev/$(basename $pmem) rw=--rw
        ns=$(dirname $(dirname $pmem))
        echo "@@DAX $name $(cat $ns/resource) $(cat $ns/size)"
    else
        cat /tmp/ns.json; echo "no dax device"
        echo "@@NDCTL"; ndctl list -NRDi 2>&1; dmesg | grep -iE 'nd_|nvdimm|namespace|label|pmem' | tail -n 20
        exit 1
    fi
    if [ "$MODE" = fill ]; then
        memtool fill "$dax" 0 "$LEN" "$SEED" $rw || exit 1
    else
        memtool check "$dax" 0 "$LEN" "$SEED" $rw || exit 1
    fi
    echo "@@END"
fi
