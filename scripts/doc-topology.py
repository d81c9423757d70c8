#!/usr/bin/env python3
"""The worked topologies of qemu-5.2/docs/system/devices/cxl.rst, for make demo and
make check. A topology is the first literal block after a
".. qemu-cxl-topology: NAME" comment (a qemu-system-x86_64 command line),
and its guest commands the first literal block after ".. qemu-cxl-guest: NAME".

  doc-topology.py list               names of the documented topologies
  doc-topology.py args NAME DIR      its QEMU arguments, one per line, with
                                     backing files created in DIR
  doc-topology.py guest NAME         its guest commands (a shell script)
  doc-topology.py devices NAME       how many cxl-type3 devices it has
"""
import os
import re
import shlex
import subprocess
import sys

RST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qemu-5.2", "docs", "system",
                   "devices", "cxl.rst")


def block(kind, name):
    lines = open(RST).read().splitlines()
    try:
        i = lines.index(".. qemu-cxl-%s: %s" % (kind, name))
    except ValueError:
        sys.exit("docs: no %s block named %s in %s" % (kind, name, RST))
    while not lines[i].rstrip().endswith("::"):
        i += 1
    i += 1
    out = []
    while i < len(lines) and (not lines[i].strip() or lines[i].startswith("  ")):
        out.append(lines[i][2:])
        i += 1
    return "\n".join(out).strip() + "\n"


def names():
    return re.findall(r"^\.\. qemu-cxl-topology: (\S+)$", open(RST).read(), re.M)


def args(name, where):
    words = shlex.split(block("topology", name).replace("\\\n", " "))
    assert words[0] == "qemu-system-x86_64", words[0]
    os.makedirs(where, exist_ok=True)
    out = []
    for w in words[1:]:
        m = re.match(r"memory-backend-file,(.*)", w)
        if m:
            opts = dict(kv.split("=", 1) for kv in m.group(1).split(","))
            path = os.path.join(where, opts["mem-path"])
            if not os.path.exists(path):
                subprocess.run(["truncate", "-s", opts["size"], path], check=True)
            w = w.replace("mem-path=" + opts["mem-path"], "mem-path=" + path)
        out.append(w)
    return out


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "list":
        print("\n".join(names()))
    elif cmd == "args":
        print("\n".join(args(sys.argv[2], sys.argv[3])))
    elif cmd == "guest":
        sys.stdout.write(block("guest", sys.argv[2]))
    elif cmd == "devices":
        print(block("topology", sys.argv[2]).count("cxl-type3,"))
    else:
        sys.exit(__doc__)
