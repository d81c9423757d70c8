# Guest side of the smoke test: the kernel came up, its CXL modules load,
# the tools run, and our static program works.
set -e
echo "kernel: $(uname -r)"
for m in cxl_acpi cxl_pci cxl_mem cxl_pmem; do
    /sbin/modprobe "$m"
done
lsmod | grep -E '^cxl_(acpi|pci|mem|pmem) ' | awk '{print "module loaded: " $1}'
cxl version
ndctl version
daxctl version
cxl list
memtool fill /tmp/pattern 0 65536 7 --rw
memtool check /tmp/pattern 0 65536 7 --rw
echo "smoke: ok"
