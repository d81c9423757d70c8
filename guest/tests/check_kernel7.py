#!/usr/bin/env python3
"""Check what guest/scripts/kernel7.sh printed: Linux 7.x with Debian 13's
ndctl 81 on the default topology (guest/topologies/default.sh).

  check_kernel7.py LOG KERNEL_VERSION

KERNEL_VERSION is the one guest/prepare.sh made for GUEST_KERNEL=trixie
(build/guest/trixie/kernel-version): a run.sh that does not know that
flavour boots another kernel. The enumeration checks are
check_enumerate.py's, but for one difference of newer kernels: a host
bridge's port names the PCI root bus as its host ("pci0000:0c"), where 6.1
named the ACPI0016 device."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cxllog import Log  # noqa: E402

log = Log(sys.argv[1])
want_kernel = sys.argv[2]
check, section, listing = log.check, log.section, log.listing
text = log.text.replace("\r", "")


def said(what):
    """What the guest said on its "kernel7: WHAT ..." line, or None"""
    m = re.search(r"^kernel7: " + re.escape(what) + r" ?(.*)$", text, re.M)
    return m.group(1) if m else None


uname = said("uname") or ""
check(uname == want_kernel, "the guest runs trixie's kernel %s (%s)" % (want_kernel, uname or "none"))
m = re.match(r"(\d+)\.", uname)
check(m and int(m.group(1)) >= 7, "Linux 7 or newer (%s)" % uname)
versions = dict(re.findall(r"(\w+) (\d+)", said("versions") or ""))
for tool in ("cxl", "ndctl", "daxctl"):
    v = versions.get(tool)
    check(v and int(v) >= 81, "%s version 81 or newer (%s)" % (tool, v))
for feature in ("create-region --type", "list --media-errors", "monitor"):
    check(said("has " + feature) is not None, "cxl has " + feature)
check((said("modprobe") or "").startswith("../usr/bin/kmod"), "/sbin/modprobe is trixie's kmod")

mods = section("LSMOD").split()
for mod in ("cxl_acpi", "cxl_pci", "cxl_mem", "cxl_pmem"):
    check(mod in mods, "module %s (.ko.xz) loaded" % mod)

bad = log.dmesg_problems()
check(not bad, "no CXL error or warning in dmesg" + ("" if not bad else ": " + " | ".join(bad)))

memdevs = listing("-M")
by_serial = {d.get("serial"): d for d in memdevs}
check(len(memdevs) == 4, "cxl list -M shows 4 memdevs (%d)" % len(memdevs))
for n in range(4):
    sn = 0x1000 + n
    d = by_serial.get(sn)
    check(d is not None, "memdev with serial 0x%x" % sn)
    if d:
        check(d.get("pmem_size") == 256 << 20, "memdev sn 0x%x pmem_size 256 MiB (%s)" % (sn, d.get("pmem_size")))
        check(not d.get("ram_size"), "memdev sn 0x%x has no volatile capacity" % sn)

buses = listing("-B")
check(len(buses) == 1 and buses[0].get("provider") == "ACPI.CXL",
      "one CXL root, provided by ACPI.CXL")
ports = listing("-P -T")
with_eps = {p.get("port"): p for p in listing("-P -E")}
check(len(ports) == 2, "2 host bridge ports (%d)" % len(ports))
# pxb-cxl bus_nr 12 and 22 (default.sh)
check(sorted(p.get("host") for p in ports) == ["pci0000:0c", "pci0000:16"],
      "the ports' hosts are the host bridges' root buses 0c and 16 (%s)" % [p.get("host") for p in ports])
for p in ports:
    check(p.get("nr_dports") == 2, "port %s has 2 dports (root ports)" % p.get("port"))
    check(sorted(d.get("id") for d in p.get("dports", [])) == [0, 1],
          "port %s dports are root ports 0 and 1" % p.get("port"))
    eps = [e for k, v in with_eps.get(p.get("port"), {}).items()
           if k.startswith("endpoints:") for e in v]
    check(len(eps) == 2, "port %s has 2 endpoints (%d)" % (p.get("port"), len(eps)))

decoders = listing("-D")
roots = sorted((d for d in decoders if re.match(r"decoder0\.\d+$", d.get("decoder", ""))),
               key=lambda d: d.get("resource", 0))
check(len(roots) == 3, "a root decoder per window (%d)" % len(roots))
if len(roots) == 3:
    r = roots[0]
    check(r.get("size") == 4 << 30 and r.get("interleave_ways") == 2
          and r.get("interleave_granularity") == 256 and r.get("nr_targets") == 2,
          "window 0: 4 GiB, 2 ways at 256 B")
    check(roots[1].get("interleave_ways") == 1 and roots[1].get("nr_targets") == 1,
          "window 1 is 1-way")
    check(roots[2].get("interleave_ways") == 2 and roots[2].get("interleave_granularity") == 4096,
          "window 2 interleaves 2 ways at 4 KiB")

eps = listing("-E -D -i")
endpoints = [e for blk in eps if isinstance(blk, dict) for e in blk.get("endpoints", [])]
check(len(endpoints) == 4, "4 endpoints (%d)" % len(endpoints))
for e in endpoints:
    decs = [d for k, v in e.items() if k.startswith("decoders:") for d in v]
    check(len(decs) == 4, "%s has 4 endpoint decoders (%d)" % (e.get("endpoint"), len(decs)))

sys.exit(log.done())
