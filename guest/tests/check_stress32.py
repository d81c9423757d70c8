#!/usr/bin/env python3
"""Check the guest's view of the stress topology (guest/topologies/stress32.sh:
2 host bridges x 2 root ports x a switch with 8 downstream ports, 32 Type 3
devices, 4 windows) from the sections guest/scripts/enumerate.sh printed."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cxllog import Log  # noqa: E402

log = Log(sys.argv[1])
check, listing = log.check, log.listing
GiB, MiB = 1 << 30, 1 << 20

mods = log.section("LSMOD").split()
for m in ("cxl_acpi", "cxl_pci", "cxl_mem", "cxl_pmem"):
    check(m in mods, "module %s loaded" % m)
bad = log.dmesg_problems()
check(not bad, "no CXL error or warning in dmesg" + ("" if not bad else ": " + " | ".join(bad)))

# Memdevs: serial 0x2000 + n; host bridge 0's persistent, host bridge 1's volatile
memdevs = {m.get("serial"): m for m in listing("-M")}
check(len(memdevs) == 32, "cxl list -M shows 32 memdevs (%d)" % len(memdevs))
for n in range(32):
    m = memdevs.get(0x2000 + n, {})
    kind, other = ("pmem_size", "ram_size") if n < 16 else ("ram_size", "pmem_size")
    check(m.get(kind) == 256 * MiB and not m.get(other),
          "memdev sn 0x%x: %s 256 MiB only (%s)" % (0x2000 + n, kind, m or "missing"))

buses = listing("-B")
check(len(buses) == 1 and buses[0].get("provider") == "ACPI.CXL", "one CXL root, provided by ACPI.CXL")

# Host bridges with 2 root ports each, a switch with 8 downstream ports below each
hbs = listing("-P -T")
check(len(hbs) == 2, "2 host bridge ports (%d)" % len(hbs))
for hb in hbs:
    name = hb.get("port")
    check(hb.get("host", "").startswith("ACPI0016:"), "%s is an ACPI0016 host bridge" % name)
    check(sorted(d.get("id") for d in hb.get("dports", [])) == [0, 1],
          "%s has root ports 0 and 1" % name)
    switches = [s for k, v in hb.items() if k.startswith("ports:") for s in v]
    check(len(switches) == 2, "%s has 2 switches below it (%d)" % (name, len(switches)))
    for s in switches:
        check(s.get("depth") == 2 and sorted(d.get("id") for d in s.get("dports", [])) == list(range(8)),
              "switch %s (depth 2) has downstream ports 0-7" % s.get("port"))

# Endpoints below the switches, each with its 4 (idle) decoders
eps = []


def walk(node):
    for k, v in node.items():
        if k.split(":")[0] == "endpoints":
            eps.extend(v)
        elif k.split(":")[0] == "ports":
            for p in v:
                walk(p)


for top in listing("-E -D -i"):
    if isinstance(top, dict):
        walk(top)
for p in listing("-P -E"):
    walk(p)
by_name = {}
for e in eps:
    by_name.setdefault(e.get("endpoint"), e)
check(len(by_name) == 32, "32 endpoints (%d)" % len(by_name))
check(all(e.get("depth") == 3 for e in by_name.values()), "every endpoint at depth 3 (below a switch)")
with_decoders = [e for e in eps if any(k.startswith("decoders:") for k in e)]
check(len(with_decoders) == 32 and all(
    len([d for k, v in e.items() if k.startswith("decoders:") for d in v]) == 4 for e in with_decoders),
    "each endpoint has 4 decoders")

# The four windows, in address order
roots = sorted((d for d in listing("-D") if re.match(r"decoder0\.\d+$", d.get("decoder", ""))),
               key=lambda d: d.get("resource", 0))
want = [(16 * GiB, 2, 256), (8 * GiB, 1, None), (8 * GiB, 1, None), (16 * GiB, 2, 4096)]
check(len(roots) == 4, "a root decoder per window (%d)" % len(roots))
for i, (r, (size, ways, gran)) in enumerate(zip(roots, want)):
    ok = r.get("size") == size and r.get("interleave_ways") == ways
    if gran:
        ok = ok and r.get("interleave_granularity") == gran
    check(ok, "window %d: %d GiB, %d way(s)%s (%s)" % (i, size // GiB, ways,
                                                     " at %d B" % gran if gran else "", r))
sys.exit(log.done())
