#!/usr/bin/env python3
"""Check what guest/scripts/kernel7.sh printed: Linux 7.x with Debian 13's
ndctl 81 on the default topology (guest/topologies/default.sh).

  check_kernel7.py LOG KERNEL_VERSION

KERNEL_VERSION is the one guest/prepare.sh made for GUEST_KERNEL=trixie
(build/guest/trixie/kernel-version): a run.sh that does not know that
flavour boots another kernel. The enumeration checks are
check_enumerate.py's."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cxllog import Log  # noqa: E402
from check_enumerate import check_default_topology  # noqa: E402

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

check_default_topology(log)

sys.exit(log.done())
