# Guest side of `make demo` on the default topology: 2 CXL host bridges x
# 2 root ports x 1 Type 3 device, one window interleaving both bridges.
echo "demo: kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo) RAM"
for m in cxl_acpi cxl_pci cxl_mem cxl_port cxl_pmem; do /sbin/modprobe $m 2>/dev/null; done
i=0
while [ $i -lt 30 ] && [ "$(ls -d /sys/bus/cxl/devices/endpoint* 2>/dev/null | wc -l)" -lt 4 ]; do
    sleep 1; i=$((i + 1))
done
echo "demo: CXL drivers: $(lsmod | awk '/^cxl_/ {print $1}' | sort | tr '\n' ' ')"
cxl list -M | tr -d ' \n' | sed 's/},{/}\n{/g; s/^\[//; s/\]$//' | sed 's/^/demo: memdev /'; echo
cxl list -P -T | tr -d ' \n' | sed 's/},{"port"/}\n{"port"/g; s/^\[//; s/\]$//' | sed 's/^/demo: host bridge port /'; echo
cxl list -D | tr -d ' \n' | sed 's/^\[//; s/\]$//' | sed 's/^/demo: root decoder (the window) /'; echo
echo "demo: endpoint decoders: $(ls /sys/bus/cxl/devices | grep -E '^decoder[3-9]' | tr '\n' ' ')"
echo "demo: now a 4-way region at 256 B over both host bridges, a devdax namespace, a pattern written through it"
