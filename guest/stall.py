#!/usr/bin/env python3
"""Stall watch for guest/run.sh: notice a guest that makes no progress,
dump its vCPUs through QEMU's monitor, and stop it.

    stall.py watch --qmp SOCKET --pid PID --window SECONDS --console LOG
                   [--firmware LOG] --report FILE --message FILE
                   [--kernel VMLINUZ] [--system-map MAP]... [--arch ARCH]
    stall.py kallsyms VMLINUZ     print the symbols of a kernel image as a
                                  System.map (link-time addresses)

A guest makes progress while
  - its console log or firmware log grows,
  - QEMU is not running it but works for it (query-status: inmigrate,
    postmigrate, paused, ...: a migration or the host is in charge), or
  - one of its vCPU threads is busy (at least BUSY of a host CPU between
    two samples a second apart, from /proc/TID/task/TID/stat): the guest
    computes, maybe silently (a memtool pass through a trapped window
    prints nothing for minutes). Once the console shows "end Kernel
    panic" this no longer counts: with panic=0 a panicked kernel spins in
    panic() for ever.
A guest that does none of that for WINDOW seconds (idle vCPUs, no output)
has stalled: the watcher writes `info status`, `info cpus` and
`info registers -a` to the report, with each vCPU's PC resolved to a
kernel symbol (on x86 also each vCPU's `info lapic`, and, where gdb is
installed, QEMU's own vCPU and local APIC state: guest/stall-gdb.py),
writes the one-line verdict to the message file, quits QEMU
(kills it if it does not quit) and exits with status 123. It exits 0 when
QEMU ends by itself.

Symbols come from a System.map (Debian's /boot/System.map-* is a
placeholder; the real one is in the -dbg package) or else from the
kernel's own kallsyms tables, read out of the image. The kernel is
relocated at boot (KASLR): the offset comes from the console's "Kernel
Offset:" line (printed at a panic) or, on x86, from the IDT, whose
exception gates point at known entry points; on arm64 the code at each
vCPU's PC, read through the monitor, is looked up in the Image.
"""
import argparse
import bisect
import json
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from array import array

STALL_STATUS = 123
BUSY = 0.10              # of one host CPU, between two samples
# query-status values in which QEMU works for the guest or waits for the
# host: no vCPU runs, and that is fine
HOST_STATES = {"inmigrate", "postmigrate", "finish-migrate", "paused", "prelaunch",
               "save-vm", "restore-vm", "suspended", "debug", "colo", "watchdog"}
PANIC_END = b"end Kernel panic"


# --- QMP ---------------------------------------------------------------------

class QMPError(Exception):
    pass


class QMP:
    """A QMP client that tolerates late answers: each command has an id,
    answers to abandoned commands are dropped, events are ignored."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.eof = False
        self.next_id = 0
        self._message(10)                       # the greeting
        self.cmd("qmp_capabilities", timeout=10)

    def _message(self, timeout):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from QEMU's monitor in %d s" % timeout)
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                chunk = b""
                if e.errno not in (104, 32):    # ECONNRESET, EPIPE
                    raise
            if not chunk:
                self.eof = True
                raise EOFError("QEMU closed its monitor")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, args=None, timeout=10):
        self.next_id += 1
        req = {"execute": name, "id": self.next_id}
        if args:
            req["arguments"] = args
        try:
            self.sock.sendall(json.dumps(req).encode() + b"\n")
        except OSError:
            self.eof = True
            raise EOFError("QEMU closed its monitor")
        end = time.monotonic() + timeout
        while True:
            m = self._message(max(end - time.monotonic(), 0.01))
            if m.get("id") != self.next_id:
                continue                        # an event, or a late answer
            if "error" in m:
                raise QMPError("%s: %s" % (name, m["error"].get("desc", m["error"])))
            return m.get("return")

    def hmp(self, line, cpu=None, timeout=10):
        args = {"command-line": line}
        if cpu is not None:
            args["cpu-index"] = cpu
        return self.cmd("human-monitor-command", args, timeout).replace("\r\n", "\n")

    def wait_eof(self, timeout):
        end = time.monotonic() + timeout
        while not self.eof and time.monotonic() < end:
            try:
                self._message(end - time.monotonic())
            except (EOFError, TimeoutError, OSError, ValueError):
                pass
        return self.eof


# --- processes -----------------------------------------------------------------

def alive(pid):
    """True while PID runs (a zombie, not yet reaped by run.sh, has ended)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def cpu_seconds(tid):
    """Host CPU time a thread has used (user + system), or None. Not
    /proc/TID/stat: that one adds up the whole process."""
    try:
        with open("/proc/%d/task/%d/stat" % (tid, tid)) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def kill_qemu(pid):
    """End QEMU, the child of timeout(1) PID: TERM, then KILL."""
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        targets = children(pid) or [pid]
        for p in targets:
            try:
                os.kill(p, sig)
            except OSError:
                pass
        end = time.monotonic() + wait
        while time.monotonic() < end and any(alive(p) for p in targets):
            time.sleep(0.2)
        if not any(alive(p) for p in targets):
            return


def host_threads(pid):
    """QEMU's threads as the host sees them, for a monitor that is silent."""
    out = []
    for q in children(pid) or [pid]:
        try:
            tids = sorted(int(t) for t in os.listdir("/proc/%d/task" % q))
        except OSError:
            continue
        for t in tids:
            d = "/proc/%d/task/%d" % (q, t)
            try:
                comm = open(d + "/comm").read().strip()
                state = open(d + "/stat").read().rsplit(")", 1)[1].split()[0]
                wchan = open(d + "/wchan").read().strip()
            except OSError:
                continue
            out.append("  %d %-16s state %s, cpu %.2f s, in %s"
                       % (t, comm, state, cpu_seconds(t) or 0, wchan or "-"))
    return out


def debug_types(qemu):
    """An object file with the types of QEMU's CPUState, X86CPU and
    APICCommonState: hw/intc/apic_common.c compiled again, with -g, as the
    build in which the executable of process QEMU lies compiled it (its
    compile_commands.json). None if that cannot be done."""
    try:
        build = os.path.dirname(os.readlink("/proc/%d/exe" % qemu))
        with open(os.path.join(build, "compile_commands.json")) as f:
            entries = json.load(f)
    except (OSError, ValueError):
        return None
    for e in entries:
        if e.get("file", "").endswith("hw/intc/apic_common.c") and "x86_64" in e.get("command", ""):
            break
    else:
        return None
    argv, skip = [], False
    for w in shlex.split(e["command"]):
        if skip:
            skip = False
        elif w in ("-MQ", "-MF", "-o"):
            skip = True
        elif w not in ("ccache", "-MD", "-c") and not w.startswith("-g") and w != e["file"]:
            argv.append(w)
    fd, out = tempfile.mkstemp(suffix=".o", prefix="qemu-cxl-types-")
    os.close(fd)
    r = subprocess.run(argv + ["-g", "-c", e["file"], "-o", out], cwd=e["directory"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False)
    if r.returncode != 0:
        os.unlink(out)
        return None
    return out


def gdb_dump(pid):
    """guest/stall-gdb.py run by gdb on QEMU (the child of timeout(1) PID):
    whether each vCPU thread has an interrupt it did not take, and each
    local APIC's timer, from QEMU's memory. Empty of news without gdb."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stall-gdb.py")
    qemu = (children(pid) or [pid])[0]
    if not shutil.which("gdb"):
        return "(gdb is not installed)"     # before compiling types for it
    types = debug_types(qemu)
    cmd = ["gdb", "-p", str(qemu), "-batch", "-nx"]
    if types:
        cmd += ["-ex", "add-symbol-file %s 0" % types]
    try:
        out = subprocess.run(cmd + ["-x", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=90, check=False).stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "(gdb did not finish in 90 s)"
    finally:
        if types:
            os.unlink(types)
    # gdb's own chatter (attaching, threads, symbols) before the script's lines
    keep = [l for l in out.splitlines()
            if l.startswith(("QEMU_CLOCK", "cpu", "  ", "no CPU", "stall-gdb"))]
    return "\n".join(keep) or out[-2000:]


# --- kernel symbols ------------------------------------------------------------

def kernel_image(path):
    """The kernel proper of a bzImage or an arm64 Image (gzip'd or not):
    what the kernel's kallsyms tables are in."""
    with open(path, "rb") as f:
        d = f.read()
    if d[0x202:0x206] == b"HdrS":                          # x86 boot protocol
        setup = ((d[0x1f1] or 4) + 1) * 512
        off, size = struct.unpack_from("<II", d, 0x248)   # payload_offset, _length
        d = d[setup + off:setup + off + size]
    if d[:6] == b"\xfd7zXZ\x00":
        import lzma
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(d)
    if d[:2] == b"\x1f\x8b":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(d)
    if d[:4] == b"\x28\xb5\x2f\xfd":
        # no zstd in Python's library: the zstd program (the last 4 bytes
        # are the kernel's size, not zstd)
        return subprocess.run(["zstd", "-dcq"], input=d[:-4], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, check=True).stdout
    if d[:4] in (b"\x02\x21\x4c\x18",):                   # lz4 legacy
        return subprocess.run(["lz4", "-dcq"], input=d, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, check=True).stdout
    return d


def _token_table(d):
    """kallsyms_token_table and kallsyms_token_index: 256 strings, then
    their offsets. The digits are never merged into longer tokens (they
    occur in symbols), so "0".."9" sit at slots 48..57."""
    pat = b"0\x001\x002\x003\x004\x005\x006\x007\x008\x009\x00"
    i = d.find(pat)
    while i >= 0:
        p, ok = i, True
        for _ in range(47):                    # back to the start of token 1
            if p < 2 or d[p - 1] != 0 or d[p - 2] == 0:
                ok = False
                break
            r = p - 2
            while r >= 0 and d[r] != 0:
                r -= 1
            p = r + 1
        if ok:
            starts = [p]                       # tokens 1..255
            for _ in range(254):
                starts.append(d.index(b"\0", starts[-1]) + 1)
            end = d.index(b"\0", starts[-1]) + 1
            for align in (8, 4, 2, 1):         # newer kernels: no padding
                ti = (end + align - 1) & ~(align - 1)
                idx = struct.unpack_from("<256H", d, ti)
                t = p - idx[1]
                if idx[0] == 0 and t >= 0 and all(idx[k] == starts[k - 1] - t for k in range(1, 256)):
                    return ti, [d[t + idx[k]:d.index(b"\0", t + idx[k])] for k in range(256)], t
        i = d.find(pat, i + 1)
    return None


def _entry(d, p, toks):
    """One kallsyms_names entry at p: (name with its type letter, next p).
    The length is ULEB128 (two bytes for long names since 6.1)."""
    n = d[p]
    if n & 0x80:
        n = (n & 0x7f) | (d[p + 1] << 7)
        p += 1
    p += 1
    return b"".join(toks[c] for c in d[p:p + n]), p + n


def _markers(d, table):
    """kallsyms_markers: where every 256th name starts, a u32 array from 0
    up; the longest such run in the 8 MiB before the token table."""
    base = max(table - (8 << 20), 0) & ~3
    a = array("I", d[base:base + ((table - base) & ~3)])
    best, i, n = (0, 0), 0, len(a)
    while i < n - 2:
        if a[i] == 0 and 256 <= a[i + 1] <= 65536:
            j = i + 1
            while j < n - 1 and 256 <= a[j + 1] - a[j] <= 65536:
                j += 1
            if j - i + 1 > best[1]:
                best = (i, j - i + 1)
            i = j
        i += 1
    if best[1] < 4:
        return None
    return base + 4 * best[0], list(a[best[0]:best[0] + best[1]])


def _names(d, toks, mstart, markers):
    """kallsyms_names ends where kallsyms_markers begins (up to 7 bytes of
    padding); its start is the one that puts name 256k at markers[k].
    Returns (start, number of names)."""
    m = len(markers)

    def block_ok(c, k):
        p = c + markers[k]
        for _ in range(256):
            if d[p] == 0:
                return False
            p = _entry(d, p, toks)[1]
        return p == c + markers[k + 1]

    def walk(p):
        b = []
        while p < mstart:
            if d[p] == 0:
                if not any(d[p:mstart]):
                    break
                p, b = p + 1, []
                continue
            b.append(p)
            p = _entry(d, p, toks)[1]
        return p, b
    # Decoding from anywhere falls into step with the real entries sooner
    # or later: walks from a few places well before the end agree on the
    # boundaries of the last entries.
    lo = max(0, mstart - 48000)
    walks = [walk(s) for s in range(lo, lo + 36, 3)]
    ends = {}
    for p, _ in walks:
        ends[p] = ends.get(p, 0) + 1
    end = max(ends, key=ends.get)
    if mstart - end > 7:
        return None
    common = None
    for p, b in walks:
        if p == end:
            common = set(b) if common is None else common & set(b)
    for i, b in enumerate(sorted(common)[-256:][::-1]):
        c = b - markers[-1]
        if c >= 0 and all(block_ok(c, k) for k in {m - 2, 0, 1, m // 2} if 0 <= k < m - 1):
            return c, 256 * (m - 1) + i + 1
    return None


def _addresses(d, pos, n):
    """kallsyms_offsets at pos, kallsyms_relative_base after it: the
    (relative base, addresses), or None unless they are in order."""
    if pos < 0 or pos + 4 * n + 16 > len(d):
        return None
    offs = array("i", d[pos:pos + 4 * n])
    rb = struct.unpack_from("<Q", d, (pos + 4 * n + 7) & ~7)[0]
    if min(offs) < 0:                           # CONFIG_KALLSYMS_ABSOLUTE_PERCPU
        a = [o if o >= 0 else rb - 1 - o for o in offs]
    else:
        a = [rb + o for o in offs]
    if any(a[i] > a[i + 1] for i in range(n - 1)):
        return None
    return rb, a


def _place_relative(d, pos, n, vaddr):
    """kallsyms_offsets at pos holding each symbol's distance from its own
    entry (Linux 6.15 and later): the addresses, or None."""
    if pos < 0 or pos + 4 * n > len(d):
        return None
    base = vaddr(pos)
    offs = array("i", d[pos:pos + 4 * n])
    a = [base + 4 * i + o for i, o in enumerate(offs)]
    if any(a[i] > a[i + 1] for i in range(n - 1)):
        return None
    return a


def _elf_vaddr(d):
    """File offset -> link-time address through an ELF64 image's PT_LOAD
    segments (x86's bzImage carries vmlinux as ELF), or None for a raw
    image (arm64's Image: offsets from its start)."""
    if d[:4] != b"\x7fELF" or d[4] != 2:
        return None
    phoff, = struct.unpack_from("<Q", d, 0x20)
    size, count = struct.unpack_from("<HH", d, 0x36)
    segs = []
    for i in range(count):
        ptype, _, off, va, _, filesz = struct.unpack_from("<IIQQQQ", d, phoff + i * size)
        if ptype == 1:
            segs.append((off, off + filesz, va))

    def vaddr(pos):
        for lo, hi, va in segs:
            if lo <= pos < hi:
                return va + pos - lo
        return pos
    return vaddr


def kallsyms(path):
    """The symbols of a 64-bit little-endian kernel image, from its
    kallsyms tables (CONFIG_KALLSYMS, base-relative): ([(address, type,
    name)] sorted by address, the image, and whether the addresses are
    relative to an unknown base: arm64's Image leaves the base to its
    boot-time relocation). None if the tables are not found."""
    d = kernel_image(path)
    t = _token_table(d)
    if not t:
        return None
    index, toks, table = t
    m = _markers(d, table)
    if not m:
        return None
    n = _names(d, toks, *m)
    if not n:
        return None
    c, count = n
    names, p = [], c
    for _ in range(count):
        s, p = _entry(d, p, toks)
        names.append(s.decode("ascii", "replace"))
    # kallsyms_offsets and kallsyms_relative_base: before kallsyms_num_syms
    # and the names, or after kallsyms_token_index (6.4 and later)
    for pos in (c - 16 - ((4 * count + 7) & ~7), (index + 512 + 7) & ~7):
        a = _addresses(d, pos, count)
        if a:
            return [(addr, s[:1], s[1:]) for addr, s in zip(a[1], names)], d, a[0] == 0
    # place-relative kallsyms_offsets right after kallsyms_token_index
    vaddr = _elf_vaddr(d)
    for pos in sorted({(index + 512 + 3) & ~3, (index + 512 + 7) & ~7}):
        a = _place_relative(d, pos, count, vaddr or (lambda p: p))
        if a:
            return [(addr, s[:1], s[1:]) for addr, s in zip(a, names)], d, vaddr is None
    return None


def system_map(path):
    """[(address, type, name)] of a System.map, or None for Debian's
    placeholder (and anything else without text symbols)."""
    syms = []
    try:
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) >= 3:
                    try:
                        syms.append((int(w[0], 16), w[1], w[2]))
                    except ValueError:
                        pass
    except OSError:
        return None
    if sum(1 for s in syms if s[1] in "Tt") < 100:
        return None
    return sorted(syms)


class Symbols:
    def __init__(self, syms, source, image=None, relative=False):
        self.text = sorted((a, n) for a, t, n in syms if t in "TtWw")
        self.addrs = [a for a, _ in self.text]
        self.source = source
        self.image = image
        self.relative = relative        # addresses from the first symbol's
        by_name = {}
        for a, t, n in syms:
            by_name.setdefault(n, a)
        self.by_name = by_name
        lo = by_name.get("_stext", by_name.get("_text", self.addrs[0] if self.addrs else 0))
        hi = by_name.get("_etext", self.addrs[-1] if self.addrs else 0)
        self.range = (lo, hi)

    def lookup(self, addr):
        """'name+0xoff' for a link-time address inside the kernel's text."""
        if not (self.range[0] <= addr < self.range[1]):
            return None
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0:
            return None
        a, n = self.text[i]
        return "%s+0x%x" % (n, addr - a)


# --- the watch -------------------------------------------------------------------

def log_size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def read_from(path, offset):
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read()
    except OSError:
        return b""


def vcpu_threads(qmp):
    try:
        cpus = qmp.cmd("query-cpus-fast", timeout=10)
    except (QMPError, TimeoutError):
        return {}
    return {c["cpu-index"]: c["thread-id"] for c in cpus if "thread-id" in c}


def watch(a):
    # Connect once QEMU listens; QEMU may also end first.
    qmp = None
    while qmp is None:
        if not alive(a.pid):
            return 0
        try:
            qmp = QMP(a.qmp)
        except (OSError, EOFError, TimeoutError, ValueError):
            time.sleep(0.2)
    # The clock starts when QEMU answers a command: its machine is up.
    while True:
        try:
            qmp.cmd("query-status", timeout=5)
            break
        except TimeoutError:
            if not alive(a.pid):
                return 0
        except (EOFError, OSError):
            return 0
    threads = vcpu_threads(qmp)
    logs = [p for p in (a.console, a.firmware) if p]
    sizes = {p: log_size(p) for p in logs}
    cpu = {t: cpu_seconds(t) for t in set(threads.values())}
    panicked, tail = False, b""
    scanned = 0
    now = time.monotonic()
    last = now                      # last sign of progress
    last_sample = now
    status = "running"
    busy_note = ""
    while True:
        time.sleep(1)
        if qmp.eof or not alive(a.pid):
            return 0
        now = time.monotonic()
        for p in logs:
            s = log_size(p)
            if s != sizes[p]:
                sizes[p] = s
                last = now
        if a.console and sizes[a.console] > scanned:
            new = read_from(a.console, scanned)
            scanned += len(new)
            if PANIC_END in tail + new:
                panicked = True
            tail = (tail + new)[-64:]
        try:
            st = qmp.cmd("query-status", timeout=5)
            status = st.get("status", "running")
            if status in HOST_STATES:
                last = now
        except TimeoutError:
            status = "(no answer)"
        except (EOFError, OSError):
            return 0
        except QMPError:
            pass
        now = time.monotonic()
        dt = now - last_sample
        last_sample = now
        busy = []
        for t in cpu:
            c = cpu_seconds(t)
            if c is not None and cpu[t] is not None and c - cpu[t] >= BUSY * dt:
                busy.append(t)
            cpu[t] = c
        if busy and not panicked:
            last = now
        if busy and panicked:
            busy_note = "vCPU activity after the kernel's panic does not count"
        if now - last >= a.window:
            return stall(a, qmp, now - last, status, threads, sizes, panicked, busy_note)


def parse_registers(text, arch):
    """{cpu: {"pc": int, "mode": "RIP"|"EIP"|"PC", "halted": bool|None,
    "cpl": int|None, "idt": int|None}} from `info registers -a`."""
    out = {}
    parts = re.split(r"^CPU#(\d+)\s*$", text, flags=re.M)
    for i in range(1, len(parts) - 1, 2):
        n, body = int(parts[i]), parts[i + 1]
        r = {"halted": None, "cpl": None, "idt": None}
        m = re.search(r"\b(RIP|EIP)=([0-9a-f]+)", body) if arch == "amd64" else \
            re.search(r"\b(PC)=([0-9a-f]+)", body)
        if not m:
            continue
        r["mode"], r["pc"] = m.group(1), int(m.group(2), 16)
        m = re.search(r"\bHLT=(\d)", body)
        if m:
            r["halted"] = m.group(1) == "1"
        m = re.search(r"\bCPL=(\d)", body)
        if m:
            r["cpl"] = int(m.group(1))
        m = re.search(r"^IDT=\s*([0-9a-f]+)", body, flags=re.M)
        if m:
            r["idt"] = int(m.group(1), 16)
        out[n] = r
    return out


def kernel_pc(r, arch):
    if arch == "amd64":
        return r["mode"] == "RIP" and r["pc"] >= 0xffffffff80000000
    return r["pc"] >= 0xffff000000000000


def idt_offset(qmp, regs, syms, log):
    """The KASLR offset from the IDT of a vCPU in long mode: gates 0, 3, 6
    and 14 point at asm_exc_divide_error, _int3, _invalid_op and
    _page_fault (divide_error, int3, ... before 5.8)."""
    gates = {0: "divide_error", 3: "int3", 6: "invalid_op", 14: "page_fault"}
    for n, r in sorted(regs.items()):
        if r["mode"] != "RIP" or not r["idt"]:
            continue
        votes = {}
        for vec, name in gates.items():
            try:
                out = qmp.hmp("x /4wx 0x%x" % (r["idt"] + 16 * vec), cpu=n, timeout=5)
            except (QMPError, TimeoutError, EOFError):
                continue
            w = [int(x, 16) for x in re.findall(r"0x([0-9a-f]{8})", out.split(":", 1)[-1])]
            if len(w) < 3:
                continue
            handler = (w[0] & 0xffff) | (w[1] & 0xffff0000) | (w[2] << 32)
            for sym in ("asm_exc_" + name, name):
                if sym in syms.by_name:
                    off = handler - syms.by_name[sym]
                    votes[off] = votes.get(off, 0) + 1
                    break
        if votes:
            off = max(votes, key=votes.get)
            if votes[off] >= 2:
                log.append("kernel offset 0x%x (from the IDT of cpu%d, %d gates agree)" % (off, n, votes[off]))
                return off
    return None


def console_offset(console):
    """The offset of the console's "Kernel Offset: 0x... from 0x..." line."""
    m = None
    for m in re.finditer(rb"Kernel Offset: (0x[0-9a-f]+) from", read_from(console, 0)):
        pass
    return int(m.group(1), 16) if m else None


def arm64_base(qmp, kpcs, syms, notes):
    """Where kallsyms' address 0 runs on arm64. The Image is mapped at
    KIMAGE_VADDR plus its physical misalignment (64 KiB steps below 2 MiB)
    plus any KASLR offset: find the code each vCPU runs in the Image (16
    bytes read at its PC through the monitor; the Image's first 64 KiB
    page is mapped on a 64 KiB boundary), then place the symbols by the
    header's branch to primary_entry (its code1)."""
    img = syms.image
    insn = struct.unpack_from("<I", img, 4)[0]
    entry = syms.by_name.get("primary_entry", syms.by_name.get("stext"))
    if insn >> 26 != 0b000101 or entry is None:
        notes.append("the arm64 Image's header does not branch to primary_entry")
        return None
    imm = insn & 0x3ffffff
    delta = 4 + 4 * (imm - (1 << 26) if imm & (1 << 25) else imm) - entry
    votes = {}
    for n, pc in kpcs.items():
        pc &= ~3
        try:
            out = qmp.hmp("x /4wx 0x%x" % pc, cpu=n, timeout=5)
        except (QMPError, TimeoutError, EOFError):
            continue
        w = [int(x, 16) for x in re.findall(r"0x([0-9a-f]{8})", out.split(":", 1)[-1])]
        if len(w) != 4:
            continue
        code = struct.pack("<4I", *w)
        o = img.find(code)
        while o >= 0:
            if (pc - o) % 0x10000 == 0:
                votes[pc - o] = votes.get(pc - o, 0) + 1
            o = img.find(code, o + 1)
    if not votes:
        notes.append("the code at the vCPUs' PCs is not in the kernel image")
        return None
    base = max(votes, key=votes.get)
    notes.append("kernel image at 0x%x (found the code at %d vCPU's PC in it)" % (base, votes[base]))
    return base + delta


def load_symbols(a, notes):
    for p in a.system_map or []:
        if not os.path.exists(p):
            continue
        s = system_map(p)
        if s:
            return Symbols(s, "System.map " + p)
        notes.append("%s has no symbols (Debian's System.map is a placeholder;"
                     " the real one is in the linux-image-*-dbg package)" % p)
    if a.kernel and os.path.exists(a.kernel):
        try:
            k = kallsyms(a.kernel)
        except (OSError, ImportError, subprocess.CalledProcessError, ValueError, IndexError,
                struct.error) as e:
            k = None
            notes.append("reading kallsyms from %s failed: %s" % (a.kernel, e))
        if k:
            return Symbols(k[0], "the kallsyms tables of " + a.kernel, image=k[1], relative=k[2])
        notes.append("no kallsyms tables found in %s" % a.kernel)
    return None


def resolve(a, qmp, regs, notes):
    """{cpu: 'name+0xoff' or a reason} for the vCPUs' PCs."""
    kpcs = {n: r["pc"] for n, r in regs.items() if kernel_pc(r, a.arch)}
    where = {}
    for n, r in regs.items():
        if n in kpcs:
            continue
        if a.arch == "amd64" and r["mode"] != "RIP":
            where[n] = "not in long mode: firmware or early boot"
        else:
            where[n] = "user space"
    if not kpcs:
        return where
    syms = load_symbols(a, notes)
    if not syms:
        notes.append("no System.map: PCs not resolved")
        for n in kpcs:
            where[n] = "no System.map"
        return where
    notes.append("symbols: %s (%d text symbols)" % (syms.source, len(syms.text)))
    off = console_offset(a.console)
    if off is not None:
        notes.append("kernel offset 0x%x (from the console's \"Kernel Offset\" line)" % off)
    if syms.relative:
        off = arm64_base(qmp, kpcs, syms, notes)
    elif off is None and a.arch == "amd64":
        off = idt_offset(qmp, regs, syms, notes)
    elif off is None:
        off = 0
        notes.append("kernel offset assumed 0 (no \"Kernel Offset\" line on the console)")
    for n, pc in kpcs.items():
        s = syms.lookup(pc - off) if off is not None else None
        where[n] = s or ("kernel offset unknown" if off is None else "not in the kernel's text")
    return where


def stall(a, qmp, quiet, status, threads, sizes, panicked, busy_note):
    notes, sections = [], []
    regs, answered = {}, True
    for cmd in ("info status", "info cpus", "info registers -a"):
        if not answered:
            sections.append((cmd, "(not asked: the monitor did not answer)"))
            continue
        try:
            out = qmp.hmp(cmd, timeout=10)
        except (QMPError, TimeoutError, EOFError, OSError) as e:
            out = "(no answer: %s)" % e
            answered = False
        sections.append((cmd, out))
        if cmd == "info registers -a" and answered:
            regs = parse_registers(out, a.arch)
    if a.arch == "amd64" and answered:
        # each local APIC as the guest left it (QEMU 5.2's `info lapic`
        # shows the monitor's current CPU: cpu-index picks it)
        for n in sorted(regs):
            try:
                sections.append(("info lapic (cpu%d)" % n, qmp.hmp("info lapic", cpu=n, timeout=10)))
            except (QMPError, TimeoutError, EOFError, OSError) as e:
                sections.append(("info lapic (cpu%d)" % n, "(no answer: %s)" % e))
    if a.arch == "amd64":
        sections.append(("QEMU's own view of its vCPUs (gdb, guest/stall-gdb.py)", gdb_dump(a.pid)))
    pcname = "RIP" if a.arch == "amd64" else "PC"
    if regs:
        where = resolve(a, qmp, regs, notes)
        at = ", ".join("0x%x (%s) [cpu%d]" % (regs[n]["pc"], where[n], n) for n in sorted(regs))
        verdict = "at %s %s" % (pcname, at)
    else:
        verdict = "(QEMU's monitor did not answer: vCPU state unknown)"
        sections.append(("QEMU's threads on the host", "\n".join(host_threads(a.pid))))
    msg = "guest made no progress after %d s %s" % (round(quiet), verdict)
    if status not in ("running", "(no answer)"):
        msg += "; QEMU status %s" % status
    console = read_from(a.console, 0).replace(b"\r", b"")
    if panicked:
        # the first line of the (last) panic, not its "---[ end" line
        m = None
        for m in re.finditer(rb"(?<!end )Kernel panic - not syncing: ([^\n]*)", console):
            pass
        msg += "; kernel panic: %s" % (m.group(1).decode("utf-8", "replace").strip() if m else "?")
    msg += "; console log %s, vCPU state %s" % (a.console, a.report)

    with open(a.report, "w") as f:
        f.write(msg + "\n\n")
        f.write("No console%s output and no busy vCPU for %d s (window %d s);"
                " QEMU status: %s.\n" % (" or firmware" if a.firmware else "", quiet, a.window, status))
        for p in sizes:
            f.write("  %s: %d bytes\n" % (p, sizes[p]))
        if busy_note:
            f.write("  " + busy_note + "\n")
        if threads:
            f.write("  vCPU threads on the host: %s\n" % ", ".join(
                "cpu%d %d (%.2f s of CPU)" % (n, t, cpu_seconds(t) or 0) for n, t in sorted(threads.items())))
        for n in notes:
            f.write("  " + n + "\n")
        if regs:
            f.write("\n%-6s %-18s %-8s %s\n" % ("vCPU", pcname, "halted", "where"))
            for n in sorted(regs):
                r = regs[n]
                h = {True: "yes", False: "no", None: "-"}[r["halted"]]
                f.write("cpu%-3d 0x%016x %-8s %s\n" % (n, r["pc"], h, where[n]))
        for title, out in sections:
            f.write("\n== %s\n%s\n" % (title, out.rstrip()))
        lines = console.decode("utf-8", "replace").splitlines()[-20:]
        f.write("\n== the console's last lines (%s)\n%s\n" % (a.console, "\n".join(lines)))
    with open(a.message, "w") as f:
        f.write(msg + "\n")

    # Stop the guest: quit through the monitor, else kill QEMU.
    try:
        qmp.cmd("quit", timeout=5)
    except (QMPError, TimeoutError, EOFError, OSError):
        pass
    if not qmp.wait_eof(10):
        kill_qemu(a.pid)
    return STALL_STATUS


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("watch")
    w.add_argument("--qmp", required=True)
    w.add_argument("--pid", type=int, required=True, help="timeout(1) running QEMU")
    w.add_argument("--window", type=float, required=True)
    w.add_argument("--console", required=True)
    w.add_argument("--firmware")
    w.add_argument("--report", required=True)
    w.add_argument("--message", required=True)
    w.add_argument("--kernel")
    w.add_argument("--system-map", action="append")
    w.add_argument("--arch", default="amd64", choices=("amd64", "arm64"))
    k = sub.add_parser("kallsyms")
    k.add_argument("image")
    a = ap.parse_args()
    if a.cmd == "kallsyms":
        r = kallsyms(a.image)
        if not r:
            sys.exit("stall.py: no kallsyms tables found in %s" % a.image)
        if r[2]:
            print("stall.py: %s: the addresses are from the first symbol (the image is placed at boot)"
                  % a.image, file=sys.stderr)
        for addr, t, n in r[0]:
            print("%016x %s %s" % (addr, t, n))
        return 0
    return watch(a)


if __name__ == "__main__":
    sys.exit(main())
