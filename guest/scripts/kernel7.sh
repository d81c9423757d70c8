# Guest side of the Linux 7.x test (guest/tests/kernel7.sh): say which
# kernel and tools run and what ndctl 81 adds, then run the enumeration
# (enumerate.sh) and the interleaved-region (region.sh) guest scripts of
# the other tests, which the host put in /test with their .conf files.
echo "kernel7: uname $(uname -r)"
echo "kernel7: versions cxl $(cxl version) ndctl $(ndctl version) daxctl $(daxctl version)"
echo "kernel7: modprobe $(readlink /sbin/modprobe), kernel decompresses $(cat /sys/module/compression 2>/dev/null)"
# What the tests want of ndctl 81: create-region --type ram (76.1 has the
# option but refuses ram: "not supported yet"), media errors in cxl list
# (new), the event monitor.
cxl create-region -h 2>&1 | grep -q -- "--type.*region type" && echo "kernel7: has create-region --type"
cxl list -h 2>&1 | grep -q -- "--media-errors" && echo "kernel7: has list --media-errors"
cxl monitor -h 2>&1 | grep -q "usage: cxl monitor" && echo "kernel7: has monitor"
sh /test/enumerate.sh
sh /test/region.sh
