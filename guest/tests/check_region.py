#!/usr/bin/env python3
"""Host side of the interleaved-region test: from what guest/scripts/region.sh
printed (the region's mappings, the endpoint decoders' DPA, the dax device's
HPA), work out for every 8-byte word written through the region which
backing file and offset the CXL 2.0 interleave puts it at, and check (or
seed) it there.

  check_region.py LOG BACKING_DIR check|seed|show SEED LEN [OFFSET]

show: print, for the first stripes, the device and offset each landed in.
OFFSET (default 0): the words from that offset into the dax device on.

A memdev's backing file is BACKING_DIR/m<serial - 0x1000>.raw, as our
topologies give serial numbers; with REGION_FILES=host:PATTERN (for
topologies without sn=, such as run_qemu's) it is PATTERN % k, k being the
memdev's rank among all memdevs by PCI address ("host" in `cxl list -M`),
which is the order the topology creates them in.
"""
import re
import struct
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cxllog import RegionLayout, console_text, pattern  # noqa: E402

log, backing, mode, seed, length = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4], 0), int(sys.argv[5], 0)
start = int(sys.argv[6], 0) if len(sys.argv) > 6 else 0
text = console_text(log)
layout = RegionLayout(text)
region, memdevs, dpa = layout.region, layout.memdevs, layout.dpa
base, ways, gran = layout.base, layout.ways, layout.gran
files = {}
by_host = os.environ.get("REGION_FILES", "serial")
rank = {name: k for k, name in enumerate(sorted(memdevs, key=lambda n: memdevs[n]["host"]))}
for mp in region["mappings"]:
    if by_host.startswith("host:"):
        f = by_host[5:] % rank[mp["memdev"]]
    else:
        f = "m%d.raw" % (memdevs[mp["memdev"]]["serial"] - 0x1000)
    files[mp["position"]] = (backing + "/" + f, dpa[mp["decoder"]])
m = re.search(r"^@@DAX (\S+) (\S+) (\S+)", text, re.M)
dax_hpa = int(m.group(2), 0)
print("region HPA 0x%x, %d ways, %d B; dax at HPA 0x%x; positions %s" % (
    base, ways, gran, dax_hpa, {p: f[0].split("/")[-1] for p, f in sorted(files.items())}))

handles = {p: open(f, "r+b") for p, (f, _) in files.items()}
if mode == "show":
    serial = {p: memdevs[mp["memdev"]]["serial"] for mp in region["mappings"] for p in [mp["position"]]}
    name = {mp["position"]: mp["memdev"] for mp in region["mappings"]}
    for k in range(min(12, length // gran)):
        x = k * gran
        r = dax_hpa + x - base
        pos = (r // gran) % ways
        off = files[pos][1] + (r // (gran * ways)) * gran + r % gran
        handles[pos].seek(off)
        got = struct.unpack("<Q", handles[pos].read(8))[0]
        want = pattern(seed, x // 8)
        print("demo: stripe %2d  HPA 0x%x -> position %d, %s (serial 0x%x), %s offset 0x%07x: 0x%016x %s" % (
            k, dax_hpa + x, pos, name[pos], serial[pos], files[pos][0].split("/")[-1], off, got,
            "ok" if got == want else "WRONG (expected 0x%016x)" % want))
    sys.exit(0)
bad = 0
for x in range(start, start + length, 8):
    r = dax_hpa + x - base                       # offset in the region
    pos = (r // gran) % ways
    off = files[pos][1] + (r // (gran * ways)) * gran + r % gran
    fh = handles[pos]
    want = pattern(seed, x // 8)
    fh.seek(off)
    if mode == "seed":
        fh.write(struct.pack("<Q", want))
        continue
    got = struct.unpack("<Q", fh.read(8))[0]
    if got != want:
        if bad < 5:
            print("word at region offset 0x%x: %s offset 0x%x holds 0x%016x, expected 0x%016x" % (
                r, files[pos][0], off, got, want))
        bad += 1
for fh in handles.values():
    fh.close()
if mode == "seed":
    print("seeded %d words across %d files" % (length // 8, ways))
    sys.exit(0)
print("%d of %d words misplaced" % (bad, length // 8))
sys.exit(1 if bad else 0)
