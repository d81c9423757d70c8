# Guest side of the label test (Linux 6.1, topology switch8-lsa): an 8-way
# pmem region through the switch with cxl create-region, and a devdax
# namespace on it whose labels live in the devices' label storage areas.
# /test/labels.conf sets GRAN, SEED, LEN and MODE:
#   create:  make the namespace (the kernel initialises the label areas),
#            fill LEN bytes of it with the pattern
#   recover: recreate the same region; the namespace must come back from
#            the labels by itself; check the pattern
# Prints @@ sections for the host (check_region.py's, and @@NS: the
# namespace's uuid, mode and size).
. /test/labels.conf
fail() { echo "labels: FAIL: $*"; dmesg | grep -iE 'cxl|nd_|nvdimm|label|namespace|region' | tail -n 20; exit 1; }
for m in cxl_acpi cxl_pci cxl_mem cxl_port cxl_pmem nd_pmem dax_pmem device_dax; do /sbin/modprobe $m 2>/dev/null; done
count() { ls -d $1 2>/dev/null | wc -l; }
i=0
while [ $i -lt 60 ] && { [ "$(count '/sys/bus/cxl/devices/endpoint*')" -lt 8 ] || [ "$(count '/sys/bus/nd/devices/nmem*')" -lt 8 ]; }; do
    sleep 1; i=$((i + 1))
done
[ "$(count '/sys/bus/cxl/devices/endpoint*')" = 8 ] || fail "8 endpoints did not appear"
[ "$(count '/sys/bus/nd/devices/nmem*')" = 8 ] || fail "8 nvdimms did not appear"
# Targets in PCI path order (one host bridge, then the switch's ports)
targets=$(for m in /sys/bus/cxl/devices/mem*; do
    echo "$(readlink -f $m | grep -o 'pci0000:[0-9a-f]*/.*') $(basename $m)"; done | sort | awk '{print $2}')
echo "labels: $MODE: targets $(echo $targets), granularity $GRAN"
echo "@@REGION"
cxl create-region -m -d decoder0.0 -w 8 -g "$GRAN" $targets 2>/tmp/create.err
[ "$(count '/sys/bus/cxl/devices/region*')" = 1 ] || { cat /tmp/create.err; fail "cxl create-region"; }
echo "@@MEMDEVS"; cxl list -M
echo "@@DECODERS"
for e in /sys/bus/cxl/devices/endpoint*; do
    d=/sys/bus/cxl/devices/decoder${e##*endpoint}.0
    echo "$(basename $d) $(cat $d/dpa_resource) $(cat $d/dpa_size)"
done
nr=$(basename "$(ls -d /sys/bus/nd/devices/region* | head -n 1)")
if [ "$MODE" = create ]; then
    ndctl create-namespace -m devdax -r "$nr" > /tmp/ns.json 2>/tmp/ns.err \
        || { cat /tmp/ns.err; fail "ndctl create-namespace on $nr"; }
else
    # Nothing but the labels makes this namespace: give the probe a moment
    i=0
    while [ $i -lt 10 ] && ! ls /dev/dax* >/dev/null 2>&1; do sleep 1; i=$((i + 1)); done
    ndctl list -N -r "$nr" > /tmp/ns.json 2>/tmp/ns.err
fi
echo "@@NSJSON"; cat /tmp/ns.json
# The namespace: its uuid (the one in the labels), and ndctl's mode, size
# and uuid (a devdax namespace's is its info block's)
ns=""
for n in /sys/bus/nd/devices/namespace*; do
    [ "$(cat $n/size 2>/dev/null || echo 0)" != 0 ] && { ns=$n; break; }
done
[ -n "$ns" ] || fail "no namespace on $nr ($MODE)"
field() { grep -o "\"$1\":[^,]*" /tmp/ns.json | head -n 1 | cut -d: -f2 | tr -d '"'; }
echo "@@NS"
echo "$(basename $ns) $(cat $ns/uuid) $(cat $ns/size) $(field mode) $(field size) $(field uuid)"
dax=$(ls /dev/dax* 2>/dev/null | head -n 1)
[ -n "$dax" ] || fail "no dax device"
name=$(basename $dax)
echo "@@DAX $name $(cat /sys/bus/dax/devices/$name/resource) $(cat /sys/bus/dax/devices/$name/size)"
if [ "$MODE" = create ]; then
    memtool fill "$dax" 0 "$LEN" "$SEED" || fail "memtool fill"
else
    memtool check "$dax" 0 "$LEN" "$SEED" || fail "memtool check"
fi
echo "@@END"
echo "labels: $MODE: ok"
