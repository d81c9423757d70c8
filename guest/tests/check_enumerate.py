#!/usr/bin/env python3
"""Check the guest's view of the default topology (guest/topologies/default.sh)
from the sections guest/scripts/enumerate.sh printed."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cxllog import Log  # noqa: E402


def check_default_topology(log):
    """The checks of the default topology, on a Log of enumerate.sh's output
    (also used by check_kernel7.py)."""
    check, section, listing = log.check, log.section, log.listing
    mods = section("LSMOD").split()
    for m in ("cxl_acpi", "cxl_pci", "cxl_mem", "cxl_pmem"):
        check(m in mods, "module %s loaded" % m)
    # cxl_port is built into Debian's 6.1 kernel (CONFIG_CXL_PORT=y) or a module

    bad = log.dmesg_problems()
    check(not bad, "no CXL error or warning in dmesg" + ("" if not bad else ": " + " | ".join(bad)))

    memdevs = listing("-M")
    by_serial = {m.get("serial"): m for m in memdevs}
    check(len(memdevs) == 4, "cxl list -M shows 4 memdevs (%d)" % len(memdevs))
    for n in range(4):
        sn = 0x1000 + n
        m = by_serial.get(sn)
        check(m is not None, "memdev with serial 0x%x" % sn)
        if m:
            check(m.get("pmem_size") == 256 << 20, "memdev sn 0x%x pmem_size 256 MiB (%s)" % (sn, m.get("pmem_size")))
            check(not m.get("ram_size"), "memdev sn 0x%x has no volatile capacity" % sn)

    # Health Information and Alerts (CXL r3.1 8.2.9.9.3) through the
    # kernel's mailbox: Get Health Info and Get Alert Configuration
    health = listing("-M -H -A")
    check(len(health) == 4, "cxl list -M -H -A shows 4 memdevs (%d)" % len(health))
    for m in health:
        name, h, a = m.get("memdev"), m.get("health") or {}, m.get("alert_config") or {}
        check(h.get("media_normal") is True and h.get("maintenance_needed") is False
              and h.get("temperature") == 25 and h.get("life_used_percent") == 0
              and h.get("dirty_shutdowns") == 0,
              "%s health: media normal, 25 C, no life used, no dirty shutdown (%s)" % (name, h))
        check(a.get("life_used_crit_alert_threshold") == 100
              and a.get("dev_over_temperature_crit_alert_threshold") == 85
              and a.get("life_used_prog_warn_threshold_writable") is True,
              "%s alert configuration: critical at 100%% life used and 85 C, "
              "warnings programmable (%s)" % (name, a))

    buses = listing("-B")
    check(len(buses) == 1 and buses[0].get("provider") == "ACPI.CXL",
          "one CXL root, provided by ACPI.CXL")
    ports = listing("-P -T")
    with_eps = {p.get("port"): p for p in listing("-P -E")}
    check(len(ports) == 2, "2 host bridge ports (%d)" % len(ports))
    for p in ports:
        # 6.1 names a host bridge port by its ACPI0016 device, newer kernels
        # (6.12, 7.x) by the host bridge's PCI root bus
        check(re.match(r"(ACPI0016:|pci0000:(0c|16)$)", p.get("host", "")) is not None,
              "port %s is an ACPI0016 host bridge (%s)" % (p.get("port"), p.get("host")))
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
        check(roots[1].get("interleave_ways") == 1 and roots[1].get("nr_targets") == 1,
              "window 1 is 1-way")
        check(roots[2].get("interleave_ways") == 2 and roots[2].get("interleave_granularity") == 4096,
              "window 2 interleaves 2 ways at 4 KiB")
    if roots:
        r = roots[0]
        check(r.get("size") == 4 << 30, "root decoder size 4 GiB (%s)" % r.get("size"))
        check(r.get("interleave_ways") == 2, "root decoder interleaves 2 ways (%s)" % r.get("interleave_ways"))
        check(r.get("interleave_granularity") == 256, "root decoder granularity 256 (%s)" % r.get("interleave_granularity"))
        check(r.get("nr_targets") == 2, "root decoder has 2 targets")

    # Endpoints with their (idle) decoders: cxl-type3 has 4 HDM decoders each
    eps = listing("-E -D -i")
    endpoints = [e for blk in eps if isinstance(blk, dict) for e in blk.get("endpoints", [])]
    check(len(endpoints) == 4, "4 endpoints (%d)" % len(endpoints))
    for e in endpoints:
        decs = [d for k, v in e.items() if k.startswith("decoders:") for d in v]
        check(len(decs) == 4, "%s has 4 endpoint decoders (%d)" % (e.get("endpoint"), len(decs)))


if __name__ == "__main__":
    log = Log(sys.argv[1])
    check_default_topology(log)
    sys.exit(log.done())
