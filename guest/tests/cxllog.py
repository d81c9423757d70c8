"""Reading what a guest script printed: sections marked "@@NAME" on the
console log, `cxl list` JSON among kernel messages, and a list of checks
that a test prints and fails on."""
import json
import re

M64 = (1 << 64) - 1


def pattern(seed, index):
    """Word @index of memtool's pattern @seed (splitmix64, as guest/progs/memtool.c)"""
    z = (seed * 0x9e3779b97f4a7c15 + index + 1) & M64
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return z ^ (z >> 31)


def console_text(path):
    """A console log without CRs and without kernel messages"""
    text = open(path, errors="replace").read().replace("\r", "")
    return "\n".join(l for l in text.splitlines() if not re.match(r"^\[\s*\d+\.\d+\]", l))


def marked(text, name, end=r"^@@"):
    """The lines after "@@NAME" up to the next "@@" line (or @end)"""
    m = re.search(r"^@@" + re.escape(name) + r"\n(.*?)(?=" + end + ")", text, re.S | re.M)
    return m.group(1) if m else ""


class RegionLayout:
    """The region guest/scripts/region.sh made, as it printed it: the
    region's JSON (base, ways, granularity, mappings), the memdevs' JSON
    by name and each endpoint decoder's DPA base"""

    def __init__(self, text):
        self.region = json.loads(marked(text, "REGION"))
        self.base = int(self.region["resource"], 16)
        self.ways = self.region["interleave_ways"]
        self.gran = self.region["interleave_granularity"]
        self.memdevs = {m["memdev"]: m for m in json.loads(marked(text, "MEMDEVS"))}
        self.dpa = {}
        for line in marked(text, "DECODERS").splitlines():
            f = line.split()
            if len(f) >= 2:
                self.dpa[f[0]] = int(f[1], 0)
        self.by_position = {mp["position"]: mp for mp in self.region["mappings"]}


class Log:
    def __init__(self, path):
        self.text = open(path, errors="replace").read()
        self.failures = []

    def check(self, cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            self.failures.append(what)

    def section(self, name):
        m = re.search(r"^@@" + re.escape(name) + r"\n(.*?)(?=^@@)", self.text, re.S | re.M)
        return m.group(1) if m else ""

    def listing(self, args):
        """The JSON that `cxl list ARGS` printed in section CXL-LIST ARGS"""
        text = self.section("CXL-LIST " + args)
        # The console may interleave kernel messages; keep the JSON lines.
        text = "\n".join(l for l in text.splitlines() if not re.match(r"^\[\s*\d+\.\d+\]", l))
        try:
            return json.loads(text) if text.strip() else []
        except ValueError as e:
            self.check(False, "cxl list %s printed JSON (%s)" % (args, e))
            return []

    def dmesg_problems(self):
        """CXL lines in dmesg that look like errors or warnings; _OSC lines
        name "ErrorReporting" capabilities and are not errors."""
        return [l for l in self.section("DMESG").splitlines()
                if "_OSC: OS supports" not in l and "_OSC: OS now controls" not in l
                and re.search(r"(?i)(error|warn|fail|timeout|invalid|not found|bug|firmware)", l)]

    def done(self):
        print("%d checks failed" % len(self.failures))
        return 1 if self.failures else 0
