# Guest side of `make demo` (default topology).
echo "demo: kernel $(uname -r) up on $(cat /sys/class/dmi/id/product_name 2>/dev/null || echo '?')"
echo "demo: memory $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo), $(nproc) CPUs"
/sbin/modprobe cxl_acpi && /sbin/modprobe cxl_pci && /sbin/modprobe cxl_mem
echo "demo: CXL modules: $(lsmod | awk '/^cxl_/ {print $1}' | sort | tr '\n' ' ')"
echo "demo: cxl list: $(cxl list 2>&1 | tr -d '\n')"
