#!/usr/bin/env python3
"""The results of `make bench`: table, CSV and chart.

    bench/report.py OUT CASE...

OUT is build/bench: OUT/status has one line per QEMU ("NAME ok SECONDS
size=BYTES", "NAME broken ...", "NAME skipped WHY") and OUT/logs/NAME.log
its guest console with cxlbench's lines ("cxlbench: ID METRIC VALUE",
"cxlbench: ID failed WHY", "cxlbench: ID skipped WHY"). Each CASE is
"ID|TITLE|THREADS|REGION" as in bench/run.sh (REGION empty for RAM; ending
in "kmem" for a region onlined as system RAM, whose "placement" line says
whether the buffer was on the region's NUMA node). Prints the table and writes
OUT/results.csv and, with gnuplot, OUT/results.png (bench/results.gp).
"""
import csv
import os
import re
import shutil
import subprocess
import sys

METRICS = [
    # metric, unit, title
    ("write_MBps", "MB/s", "Sequential 8-byte stores"),
    ("read_MBps", "MB/s", "Sequential 8-byte loads"),
    ("memcpy_MBps", "MB/s", "memcpy (bytes copied)"),
    ("lat_ns", "ns", "Random dependent 8-byte loads (lower is better)"),
    ("exec_ns", "ns", "Code copied into the buffer: runs?, ns per loop iteration (lower is better)"),
    ("write_cold_MBps", "MB/s", "First store pass (includes first touch of host pages)"),
]
PEER_NAME = {"ours": "ours", "line-10.0": "10.0 line", "7.2": "Debian 7.2", "10.0": "Debian 10.0"}


def read_status(out):
    status = {}
    with open(os.path.join(out, "status")) as f:
        for line in f:
            words = line.split()
            if len(words) >= 2:
                status[words[0]] = (words[1], " ".join(words[2:]))
    return status


def read_log(path):
    """{case id: {metric: value}}, {case id: why failed} and {case id: why
    skipped} from a console log."""
    figures, failed, skipped = {}, {}, {}
    if not os.path.exists(path):
        return figures, failed, skipped
    pat = re.compile(r"^cxlbench: (\S+) (\S+) (.*)$")
    with open(path, errors="replace") as f:
        for line in f:
            m = pat.match(line.rstrip("\r\n"))
            if not m:
                continue
            cid, metric, value = m.groups()
            if metric == "failed":
                failed[cid] = value
            elif metric == "skipped":
                skipped[cid] = value
            elif metric in ("exec", "check", "placement"):
                figures.setdefault(cid, {})[metric] = value
            else:
                try:
                    figures.setdefault(cid, {})[metric] = float(value)
                except ValueError:
                    pass
    return figures, failed, skipped


def fmt(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    if r is None:
        return ""
    if r < 0.1:
        return "1/%.0f" % (1 / r)
    if r >= 100:
        return "%.0f" % r
    if r >= 1:
        return "%.2f" % r
    return "%.3g" % r


def read_host(path):
    """{metric: value} of bench/first-touch's lines in OUT/logs/NAME.host"""
    figures = {}
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            for line in f:
                m = re.match(r"^first-touch: (\S+) ([0-9.]+)$", line.strip())
                if m:
                    figures[m.group(1)] = float(m.group(2))
    return figures


def first_pass(out, cases, ran, value):
    """The first store pass over the later ones, per region case, and the
    same for the host alone on a fresh sparse file (bench/first-touch.c,
    run before each boot): what each new page of a backing file costs the
    host before QEMU does anything."""
    regions = [c for c in cases if c[3] and not c[3].endswith("kmem")]
    if not regions or not ran:
        return
    print()
    print("First store pass / later store passes")
    print("%-*s" % (width_of(cases), "") + "".join("%22s" % PEER_NAME[q] for q in ran))
    for cid, ctitle, threads, region in regions:
        line = "%-*s" % (width_of(cases), "  " + ctitle)
        for q in ran:
            r = ratio(value(q, cid, "write_cold_MBps"), value(q, cid, "write_MBps"))
            line += "%22s" % ("-" if r is None else "%.3f" % r)
        print(line)
    line = "%-*s" % (width_of(cases), "  host alone")
    for q in ran:
        h = read_host(os.path.join(out, "logs", q + ".host"))
        cold, warm = h.get("write_cold_MBps"), h.get("write_MBps")
        r = ratio(cold, warm)
        line += "%22s" % ("-" if r is None else "%.3f (%s/%s)" % (r, fmt(cold), fmt(warm)))
    print(line)
    print("  host alone: bench/first-touch just before the boot, a fresh sparse file in the")
    print("  backing files' folder mapped as QEMU maps them, first and later store pass, MB/s")


def width_of(cases):
    return max([22] + [len(c[1]) + 3 for c in cases])


def main():
    out, cases = sys.argv[1], [c.split("|") for c in sys.argv[2:]]
    status = read_status(out)
    qemus = [q for q in ("ours", "line-10.0", "7.2", "10.0") if q in status]
    ran = [q for q in qemus if status[q][0] in ("ok", "broken")]
    data, failures, skips = {}, {}, {}
    for q in ran:
        data[q], failures[q], skips[q] = read_log(os.path.join(out, "logs", q + ".log"))

    def value(q, cid, metric):
        return data.get(q, {}).get(cid, {}).get(metric)

    def misplaced(q, cid):
        """A kmem case whose buffer was not (all) on the region's node"""
        p = value(q, cid, "placement")
        return p is not None and p.split()[0] != "ok"

    def ram_of(threads):
        return "ram" if threads == "1" else "ram2"

    def cell_missing(q, cid):
        if cid in failures.get(q, {}):
            return "failed"
        if cid in skips.get(q, {}):
            return "skipped"
        if status[q][0] == "broken":
            return "not run"
        return "-"

    versions = {}
    if os.path.exists(os.path.join(out, "versions")):
        with open(os.path.join(out, "versions")) as f:
            for line in f:
                q, _, ver = line.strip().partition(" ")
                versions[q] = ver
    print()
    print("== bench: results")
    for q in qemus:
        st, rest = status[q]
        size = re.search(r"size=(\d+)", rest)
        if st == "ok":
            print("  %-12s one boot, %s s, %d MiB buffers; %s" %
                  (PEER_NAME[q], rest.split()[0], int(size.group(1)) >> 20, versions.get(q, "")))
        elif st == "broken":
            why = re.sub(r"^\S+ size=\d+ ?", "", rest)
            print("  %-12s BROKEN boot after %s s: %s; figures up to there" %
                  (PEER_NAME[q], rest.split()[0], why))
        else:
            print("  %-12s skipped: %s" % (PEER_NAME[q], rest))
    print("  Prefault: backing files are fresh sparse files (not preallocated); each buffer is")
    print("  prefaulted by a first store pass in the guest, timed apart (last block); the other")
    print("  figures are of the passes after it. [x] = CXL/RAM ratio, RAM measured in the same")
    print("  boot with as many threads; ours/line-10.0, ours/7.2 and ours/10.0 = ratio of our figure to the other QEMU's.")
    print("  \"system RAM (kmem)\": the region onlined as system RAM (daxctl, kmem), measured on")
    print("  anonymous memory bound to its NUMA node (mbind), placement checked with move_pages.")
    sizes = {}
    for q in qemus:
        m = re.search(r"size=(\d+)", status[q][1])
        if m:
            sizes[q] = m.group(1)
    rows = []
    width = width_of(cases)
    for metric, unit, title in METRICS:
        print()
        head = "%-*s" % (width, "%s, %s" % (title, unit) if len(title) < 40 else unit)
        if len(title) >= 40:
            print(title)
        cols = ["%22s" % PEER_NAME[q] for q in ran]
        peers = [q for q in ran if q != "ours"] if "ours" in ran else []
        cols += ["%15s" % ("ours/" + q) for q in peers]
        print(head + "".join(cols))
        for cid, ctitle, threads, region in cases:
            if metric in ("exec_ns", "lat_ns") and threads != "1":
                continue
            line = "%-*s" % (width, "  " + ctitle)
            for q in ran:
                v = value(q, cid, metric)
                ram = value(q, ram_of(threads), metric) if region else None
                r = ratio(v, ram)
                if v is None:
                    cell = cell_missing(q, cid)
                    if metric == "exec_ns" and value(q, cid, "exec") == "no":
                        cell = "no"
                else:
                    cell = fmt(v) + (" [%s]" % fmt_ratio(r) if r is not None else "")
                    if metric == "exec_ns":
                        cell = "yes " + cell
                    if value(q, cid, "check") == "bad":
                        cell += " !"
                    if misplaced(q, cid):
                        cell += " ?"
                line += "%22s" % cell
                rows.append({
                    "qemu": q, "case_id": cid, "case": ctitle, "threads": threads,
                    "metric": metric, "unit": unit,
                    "value": "" if v is None else "%.4g" % v,
                    "ram_value": "" if ram is None else "%.4g" % ram,
                    "cxl_over_ram": "" if r is None else "%.4g" % r,
                    "ours_over_this": "",
                    "status": ("wrong data" if value(q, cid, "check") == "bad"
                               else "not on its NUMA node" if misplaced(q, cid)
                               else "exec " + value(q, cid, "exec") if metric == "exec_ns" and value(q, cid, "exec")
                               else "ok" if v is not None else cell_missing(q, cid)),
                    "detail": (failures.get(q, {}).get(cid, "") or skips.get(q, {}).get(cid, "")
                               or ("placement " + value(q, cid, "placement")
                                   if value(q, cid, "placement") else "")),
                    "buffer_bytes": sizes.get(q, ""),
                    "prefault": "first guest store pass (timed as write_cold_MBps); backing files sparse",
                    "qemu_version": versions.get(q, ""),
                })
            for p in peers:
                r = ratio(value("ours", cid, metric), value(p, cid, metric))
                if "bad" in (value("ours", cid, "check"), value(p, cid, "check")) \
                        or misplaced("ours", cid) or misplaced(p, cid):
                    r = None
                line += "%15s" % fmt_ratio(r)
                for row in rows:
                    if row["qemu"] == p and row["case_id"] == cid and row["metric"] == metric:
                        row["ours_over_this"] = "" if r is None else "%.4g" % r
            print(line)
    first_pass(out, cases, ran, value)
    bad = [(q, cid) for q in ran for cid in data[q] if value(q, cid, "check") == "bad"]
    if bad:
        print()
        print("! = the loads read back other data than the stores had written (accesses not")
        print("    routed to the devices?), so those figures are not of working memory:")
        print("    " + ", ".join("%s %s" % (PEER_NAME[q], cid) for q, cid in bad))
    placed = [(q, cid) for q in ran for cid in data[q] if value(q, cid, "placement")]
    if placed:
        print()
        print("Placement of the system RAM (kmem) buffers (? = not all on the region's node):")
        for q, cid in placed:
            print("  %s %s: %s" % (PEER_NAME[q], cid, value(q, cid, "placement")))
    skipped = [(q, cid, why) for q in ran for cid, why in skips[q].items()]
    if skipped:
        print()
        print("Skipped cases:")
        for q, cid, why in skipped:
            print("  %s %s: %s" % (PEER_NAME[q], cid, why))
    fails = [(q, cid, why) for q in ran for cid, why in failures[q].items()]
    if fails:
        print()
        print("Failed cases:")
        for q, cid, why in fails:
            print("  %s %s: %s" % (PEER_NAME[q], cid, why))

    csv_path = os.path.join(out, "results.csv")
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ["qemu"])
        w.writeheader()
        w.writerows(rows)
    print()
    print("bench: table as CSV in %s" % csv_path)
    chart(out, cases, ran, value, misplaced)


def chart(out, cases, ran, value, misplaced):
    """One data file per metric for bench/results.gp: a row per case, a column per QEMU."""
    if not ran:
        return
    for metric in ("write_MBps", "read_MBps", "memcpy_MBps", "write_cold_MBps", "lat_ns", "exec_ns"):
        with open(os.path.join(out, "chart-%s.dat" % metric), "w") as f:
            f.write("case\t" + "\t".join('"%s"' % PEER_NAME[q] for q in ran) + "\n")
            for cid, ctitle, threads, region in cases:
                if metric in ("lat_ns", "exec_ns") and threads != "1":
                    continue
                # no bar for a failed case, one that read back wrong data or
                # one whose buffer was not on its node
                vals = [None if value(q, cid, "check") == "bad" or misplaced(q, cid)
                        else value(q, cid, metric) for q in ran]
                f.write('"%s"\t' % ctitle.replace(", 2 vCPUs", " x2")
                        .replace(", system RAM (kmem)", " kmem"))
                f.write("\t".join("NaN" if v is None else "%g" % v for v in vals) + "\n")
    png = os.path.join(out, "results.png")
    if not shutil.which("gnuplot"):
        print("bench: no gnuplot (Debian package gnuplot-nox): no chart")
        return
    gp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.gp")
    r = subprocess.run(["gnuplot", "-e", "dir='%s'; n=%d; png='%s'" % (out, len(ran), png), gp],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("bench: gnuplot failed: %s" % r.stderr.strip())
    else:
        print("bench: chart in %s" % png)


if __name__ == "__main__":
    main()
