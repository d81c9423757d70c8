# Guest side of the volatile-region test (Linux 6.12, topology
# switch-volatile): create a 4-way ram region over the 4 volatile devices
# through the kernel's sysfs (ndctl 76.1 cannot make ram regions), online
# it as system RAM through dax_cxl and kmem, find its NUMA node, and run
# memtool under numactl --membind on that node. Prints what the host needs
# to find the words in the backing files (@@ sections).
# /test/volatile.conf: GRAN, LEN (bytes memtool allocates), SEED.
. /test/volatile.conf
fail() { echo "volatile: FAIL: $*"; dmesg | grep -iE 'cxl|dax|kmem|memory' | tail -n 20; exit 1; }
up() { echo "volatile: at $(cut -d' ' -f1 /proc/uptime) s: $*"; }
for m in cxl_acpi cxl_pci cxl_mem cxl_port dax_cxl device_dax kmem; do /sbin/modprobe $m 2>/dev/null; done
i=0
while [ $i -lt 30 ] && [ "$(ls -d /sys/bus/cxl/devices/endpoint* 2>/dev/null | wc -l)" -lt 4 ]; do
    sleep 1; i=$((i + 1))
done
[ "$(ls -d /sys/bus/cxl/devices/endpoint* 2>/dev/null | wc -l)" = 4 ] || fail "4 endpoints did not appear"
# daxctl onlines the memory below; without this 6.12 would do it itself
# and daxctl would refuse.
echo offline > /sys/devices/system/memory/auto_online_blocks

# Targets in PCI path order (one host bridge, the switch's ports in order)
targets=$(for m in /sys/bus/cxl/devices/mem*; do
    echo "$(readlink -f $m | grep -o 'pci0000:[0-9a-f]*/.*') $(basename $m)"; done | sort | awk '{print $2}')
ways=$(echo $targets | wc -w)
up "4 endpoints"
# The endpoint decoder of a memdev: decoderN.0 of the endpoint port whose
# uport is that memdev.
ep_decoder() {
    for e in /sys/bus/cxl/devices/endpoint*; do
        [ "$(basename "$(readlink -f $e/uport)")" = "$1" ] && { echo "decoder${e##*endpoint}.0"; return; }
    done
}
D=/sys/bus/cxl/devices
root=decoder0.0
[ "$(cat $D/$root/cap_ram)" = 1 ] || fail "$root cannot map ram"
size=0
for m in $targets; do size=$((size + $(cat $D/$m/ram/size))); done
echo "volatile: $ways devices ($(echo $targets)), $((size >> 20)) MiB of ram, granularity $GRAN"

# The sysfs steps of cxl create-region, for a ram region
r=$(cat $D/$root/create_ram_region)
echo "$r" > $D/$root/create_ram_region || fail "create_ram_region $r"
R=$D/$r
echo "$GRAN" > $R/interleave_granularity || fail "interleave_granularity $GRAN"
echo "$ways" > $R/interleave_ways || fail "interleave_ways $ways"
echo "$size" > $R/size || fail "region size $size"
pos=0
for m in $targets; do
    d=$(ep_decoder $m)
    [ -n "$d" ] || fail "no endpoint decoder for $m"
    echo ram > $D/$d/mode || fail "$d mode ram"
    echo "$(cat $D/$m/ram/size)" > $D/$d/dpa_size || fail "$d dpa_size"
    echo "$d" > $R/target$pos || fail "target$pos $d"
    pos=$((pos + 1))
done
echo 1 > $R/commit || fail "commit $r"
echo "$r" > /sys/bus/cxl/drivers/cxl_region/bind || fail "bind $r"

echo "@@REGION"
echo "$r $(cat $R/resource) $(cat $R/size) $(cat $R/interleave_ways) $(cat $R/interleave_granularity) $(cat $R/mode 2>/dev/null)"
echo "@@TARGETS"
pos=0
for m in $targets; do
    d=$(ep_decoder $m)
    echo "$pos $m $(cat $D/$m/serial) $d $(cat $D/$d/dpa_resource) $(cat $D/$d/dpa_size)"
    pos=$((pos + 1))
done
echo "@@DAX"
i=0
while [ $i -lt 10 ] && ! ls -d /sys/bus/dax/devices/dax* >/dev/null 2>&1; do sleep 1; i=$((i + 1)); done
dax=$(basename "$(ls -d /sys/bus/dax/devices/dax* 2>/dev/null | head -n 1)")
[ -n "$dax" ] || fail "no dax device for $r"
daxctl list -d "$dax"

# Online it as system RAM (kmem); daxctl says which node it became
daxctl reconfigure-device --mode=system-ram "$dax" > /tmp/dax.json 2>/tmp/dax.err \
    || daxctl online-memory "$dax" >> /tmp/dax.json 2>>/tmp/dax.err \
    || { cat /tmp/dax.err; fail "daxctl could not online $dax"; }
cat /tmp/dax.err /tmp/dax.json
node=$(cat /sys/bus/dax/devices/$dax/target_node)
echo "volatile: $dax is on NUMA node $node"
[ "$node" -gt 0 ] && [ -d /sys/devices/system/node/node$node ] || fail "$dax has no NUMA node of its own"
cat /sys/devices/system/node/node$node/meminfo | grep -E 'MemTotal|MemFree|MemUsed'
numactl --hardware

up "memory online"
echo "@@NUMA"
before=$(awk '/MemUsed/ {print $4}' /sys/devices/system/node/node$node/meminfo)
echo "volatile: node $node MemUsed before $before kB"
numactl --membind=$node memtool anon "$LEN" "$SEED" --phys > /tmp/anon.out || { cat /tmp/anon.out; fail "memtool under numactl --membind=$node"; }
up "memtool done"
grep -v 'memtool: phys' /tmp/anon.out
pages=$(awk -v n=$node '$2 == "node" && $3 == n && $4 == "pages" {print $5}' /tmp/anon.out)
used=$(awk -v n=$node '$2 == "node" && $3 == n && $4 == "MemUsed" {print $5}' /tmp/anon.out)
want=$((LEN / 4096))
echo "volatile: $pages of $want pages on node $node; its MemUsed went from $before to $used kB while held"
[ "${pages:-0}" = "$want" ] || fail "not every page was on node $node"
[ $((${used:-0} - before)) -ge $((LEN / 1024)) ] || fail "node $node MemUsed did not grow by $((LEN >> 10)) kB"
after=$(awk '/MemUsed/ {print $4}' /sys/devices/system/node/node$node/meminfo)
echo "volatile: node $node MemUsed after exit $after kB"
echo "@@PHYS"
grep 'memtool: phys' /tmp/anon.out | awk '{print $3, $4, $5}'
echo "@@END"
echo "volatile: ok"
# For the record: what the drivers said (the console only shows warnings)
dmesg | grep -iE 'cxl|dax|kmem|hotplug' | tail -n 40
