# Guest side of a documented topology (qemu-5.2/docs/system/devices/cxl.rst): load
# the CXL drivers, wait for the MEMDEVS devices of /test/doc.conf, show
# what Linux sees, run the documented guest commands (/test/doc-guest.sh)
# and show the region they made; with WRITE=1, write a pattern through it.
MEMDEVS=1 WRITE=0
. /test/doc.conf
for m in cxl_acpi cxl_pci cxl_mem cxl_port cxl_pmem nd_pmem dax_pmem device_dax; do
    /sbin/modprobe $m 2>/dev/null
done
i=0
while [ $i -lt 60 ]; do
    n=$(ls -d /sys/bus/cxl/devices/mem* 2>/dev/null | wc -l)
    e=$(ls -d /sys/bus/cxl/devices/endpoint* 2>/dev/null | wc -l)
    [ "$n" -ge "$MEMDEVS" ] && [ "$n" = "$e" ] && break
    sleep 1; i=$((i + 1))
done
echo "doc: $n memdevs, $e endpoints (expected $MEMDEVS)"
cxl list -M | tr -d ' \n' | sed 's/},{/}\n{/g; s/^\[//; s/\]$//' | sed 's/^/doc: memdev /'; echo
[ "$n" = "$MEMDEVS" ] && [ "$e" = "$MEMDEVS" ] || { dmesg | grep -i cxl | tail; exit 1; }
[ -s /test/doc-guest.sh ] || { echo "doc: ok"; exit 0; }
echo "doc: running the documented guest commands:"
sed 's/^/doc: | /' /test/doc-guest.sh
sh -e /test/doc-guest.sh > /tmp/doc-guest.out 2>&1 || { cat /tmp/doc-guest.out; exit 1; }
region=$(cxl list -R | tr -d ' \n')
echo "doc: region $region"
dax=$(ls /dev/dax* 2>/dev/null | head -n 1)
[ -n "$region" ] && [ "$region" != "[]" ] && [ -n "$dax" ] || { cat /tmp/doc-guest.out; exit 1; }
echo "doc: $dax $(cat /sys/bus/dax/devices/${dax#/dev/}/size) bytes"
if [ "$WRITE" = 1 ]; then
    memtool fill "$dax" 0 $((2 << 20)) 7 && memtool check "$dax" 0 $((2 << 20)) 7 || exit 1
fi
echo "doc: ok"
