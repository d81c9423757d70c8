# Guest side of the enumeration test: load the CXL drivers, let them probe,
# and print what the kernel and Debian's cxl tool see, in marked sections.
for m in cxl_acpi cxl_pci cxl_mem cxl_port cxl_pmem; do
    /sbin/modprobe $m 2>/dev/null
done
# Probing is asynchronous: wait until every memdev has its endpoint
# (/test/enumerate.conf may say how many memdevs to expect: MEMDEVS=N).
MEMDEVS=1
[ -f /test/enumerate.conf ] && . /test/enumerate.conf
i=0
while [ $i -lt 120 ]; do
    n=$(ls -d /sys/bus/cxl/devices/mem* 2>/dev/null | wc -l)
    e=$(ls -d /sys/bus/cxl/devices/endpoint* 2>/dev/null | wc -l)
    [ "$n" -ge "$MEMDEVS" ] && [ "$n" = "$e" ] && break
    sleep 1; i=$((i + 1))
done
echo "probed $n memdevs, $e endpoints after ${i}s"
echo "@@LSMOD"; lsmod | awk '/^cxl_/ {print $1}'
echo "@@DMESG"; dmesg | grep -iE 'cxl|acpi0016|acpi0017|cedt'
for what in "-M" "-M -H -A" "-B" "-P -T" "-P -E" "-D" "-E -D -i"; do
    echo "@@CXL-LIST $what"; cxl list $what 2>&1
done
echo "@@END"
