#!/usr/bin/env python3
"""Host side of the volatile-region test: from what guest/scripts/volatile.sh
printed (the ram region's HPA, ways and granularity, each position's device
and DPA base, and the physical page runs of memtool's anonymous buffer),
find the words memtool wrote in the backing files through the CXL 2.0
interleave and check them. Every granule of every page is checked at its
first and last word (the whole buffer with --all).

  check_volatile.py LOG BACKING_DIR SEED [--all]
"""
import re
import struct
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cxllog import pattern  # noqa: E402

log, backing, seed = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
every = "--all" in sys.argv[4:]
text = open(log, errors="replace").read()
text = "\n".join(l for l in text.splitlines() if not re.match(r"^\[\s*\d+\.\d+\]", l))
PAGE = 4096


def section(name):
    m = re.search(r"^@@" + name + r"\n(.*?)(?=^@@)", text, re.S | re.M)
    if not m:
        sys.exit("check_volatile: no @@%s section in %s" % (name, log))
    return m.group(1).split("\n")


f = section("REGION")[0].split()
base, size, ways, gran = int(f[1], 0), int(f[2], 0), int(f[3]), int(f[4])
files = {}
for line in section("TARGETS"):
    f = line.split()
    if len(f) >= 5:
        # position memdev serial decoder dpa_resource: file v<serial - 0x1000>
        files[int(f[0])] = (open("%s/v%d.raw" % (backing, int(f[2], 0) - 0x1000), "rb"), int(f[4], 0))
if sorted(files) != list(range(ways)):
    sys.exit("check_volatile: positions %s for %d ways" % (sorted(files), ways))
runs = [tuple(int(x, 0) for x in l.split()) for l in section("PHYS") if l.strip()]
print("region HPA 0x%x size 0x%x, %d ways at %d B; %d pages in %d physical runs" % (
    base, size, ways, gran, sum(r[2] for r in runs), len(runs)))

step = min(gran, PAGE)
bad = checked = 0
for page0, pfn0, count in runs:
    for p in range(count):
        hpa = (pfn0 + p) * PAGE
        if not base <= hpa < base + size:
            sys.exit("check_volatile: page at HPA 0x%x is outside the region" % hpa)
        for g in range(0, PAGE, step):
            r = hpa + g - base                          # offset in the region
            fh, dpa = files[(r // gran) % ways]
            off = dpa + (r // (gran * ways)) * gran + r % gran
            fh.seek(off)
            data = fh.read(step)
            idx = ((page0 + p) * PAGE + g) // 8         # word index in the buffer
            words = range(step // 8) if every else (0, step // 8 - 1)
            for w in words:
                got = struct.unpack_from("<Q", data, w * 8)[0]
                want = pattern(seed, idx + w)
                checked += 1
                if got != want:
                    if bad < 5:
                        print("buffer word %d (HPA 0x%x): device position %d offset 0x%x holds 0x%016x, expected 0x%016x" % (
                            idx + w, hpa + g + w * 8, (r // gran) % ways, off + w * 8, got, want))
                    bad += 1
print("%d of %d words checked in the backing files are wrong" % (bad, checked))
sys.exit(1 if bad else 0)
