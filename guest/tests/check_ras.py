#!/usr/bin/env python3
"""Host side of the RAS test (guest/tests-10.0/ras-kernel7.sh).

  check_ras.py LOG QMP_SOCKET INJECTIONS inject|check|event|check-event

INJECTIONS: "POSITION CHUNK OFFSET;..." - poison 64 bytes at OFFSET into
chunk CHUNK (of the region's granularity) of the device at interleave
POSITION of the region guest/scripts/region.sh made (its mappings and the
endpoint decoders' DPA bases are in LOG). Such a poison record lies at
region offset (CHUNK x ways + POSITION) x granularity + OFFSET.

inject: cxl-inject-poison into each device's DPA; then cxl-translate of
each region offset's HPA must name that device and DPA.
check: the media errors the guest listed (`cxl list --media-errors`,
printed between @@MEDIA-ERRORS and @@MEDIA-ERRORS-END) are exactly the
expected region offsets, 64 bytes each.
event: cxl-inject-general-media-event at the first injection's DPA.
check-event: the guest's cxl_general_media trace event (@@EVENTS) names
that device's memdev, that DPA, and the HPA of its region offset.
"""
import json
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cxllog import RegionLayout, console_text, marked  # noqa: E402

log, qmp_path, injections, mode = sys.argv[1:5]
text = console_text(log)
layout = RegionLayout(text)
base, ways, gran = layout.base, layout.ways, layout.gran


def section(name, end=r"^@@"):
    body = marked(text, name, end)
    if not body:
        sys.exit("ras: no @@%s section in %s" % (name, log))
    return body


wanted = []
for inj in injections.split(";"):
    pos, chunk, off = (int(x) for x in inj.split())
    mp = layout.by_position[pos]
    qid = "mem%d" % (layout.memdevs[mp["memdev"]]["serial"] - 0x1000)   # the topology's ids
    dpa = layout.dpa[mp["decoder"]] + chunk * gran + off
    wanted.append(((chunk * ways + pos) * gran + off, qid, dpa, mp["memdev"]))


def qmp(cmds):
    s = socket.socket(socket.AF_UNIX)
    s.connect(qmp_path)
    f = s.makefile("rw")
    json.loads(f.readline())
    out = []
    for c in [{"execute": "qmp_capabilities"}] + cmds:
        f.write(json.dumps(c) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                out.append(r)
                break
    return out[1:]


bad = 0
if mode == "inject":
    for roff, qid, dpa, memdev in wanted:
        path = "/machine/peripheral/" + qid
        r, t = qmp([{"execute": "cxl-inject-poison",
                     "arguments": {"path": path, "start": dpa, "length": 64}},
                    {"execute": "cxl-translate", "arguments": {"address": base + roff}}])
        print("ras: %s (%s) DPA 0x%x, region offset 0x%x (HPA 0x%x): inject %s; cxl-translate %s"
              % (qid, memdev, dpa, roff, base + roff, r, t))
        if "error" in r:
            bad += 1
        t = t.get("return", {})
        if not t.get("reached") or t.get("device") != qid or t.get("dpa") != dpa:
            print("ras: cxl-translate of HPA 0x%x should reach %s DPA 0x%x" % (base + roff, qid, dpa))
            bad += 1
elif mode == "event":
    roff, qid, dpa, memdev = wanted[0]
    r, = qmp([{"execute": "cxl-inject-general-media-event",
               "arguments": {"path": "/machine/peripheral/" + qid, "log": "informational",
                             "flags": 0, "dpa": dpa, "descriptor": 1, "type": 0,
                             "transaction-type": 1}}])
    print("ras: General Media event for %s (%s) DPA 0x%x: %s" % (qid, memdev, dpa, r))
    bad = "error" in r
elif mode == "check-event":
    roff, qid, dpa, memdev = wanted[0]
    lines = section("EVENTS", r"^@@EVENTS-END").strip().splitlines()
    print("ras: the guest's trace: %s" % lines)
    got = []
    for l in lines:
        m = re.search(r"memdev=(\S+)", l)
        d = re.search(r"\bdpa=(?:0x)?([0-9a-fA-F]+)", l)
        h = re.search(r"\bhpa=(?:0x)?([0-9a-fA-F]+)", l)
        got.append((m and m.group(1), d and int(d.group(1), 16), h and int(h.group(1), 16)))
    want = (memdev, dpa, base + roff)
    print("ras: events (memdev, DPA, HPA): %s; expected %s" % (got, want))
    bad = got != [want]
else:
    listed = json.loads(section("MEDIA-ERRORS", r"^@@MEDIA-ERRORS-END"))
    found = []

    def walk(o):
        if isinstance(o, dict):
            if "offset" in o and "length" in o:
                found.append((int(str(o["offset"]), 0), int(str(o["length"]), 0)))
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(listed)
    want = sorted((w[0], 64) for w in wanted)
    print("ras: media errors listed (offset, length): %s; expected %s"
          % ([(hex(o), n) for o, n in sorted(found)], [(hex(o), n) for o, n in want]))
    bad = sorted(found) != want
sys.exit(1 if bad else 0)
