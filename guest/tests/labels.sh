#!/usr/bin/env bash
# Namespace labels that survive a reboot (Linux 6.1): on the switch8-lsa
# topology (8 Type 3 devices with label storage areas behind one switch),
# boot 1 creates an 8-way pmem region with cxl create-region and a devdax
# namespace on it (the kernel initialises the label areas and writes the
# namespace's labels into them), and writes a pattern through it. The host
# checks the pattern in the backing files (8-way interleave) and the
# namespace's uuid in every label file. Boot 2, on the same files,
# recreates the region: the namespace must come back from the labels alone
# (same uuid, size and mode) and the pattern must read back.
# Other lines reuse it (guest/tests-10.0/): LABELS_PREFIX goes before the
# logs' and backing folder's names, RUN_OPTS adds guest/run.sh options
# (kernel, CPU).
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
B=$G/../build/guest
read -r -a run_opts <<< "${RUN_OPTS:-}"
name=${LABELS_PREFIX:-}labels
seed=13 len=$((2 << 20))
export TOPO_DIR=$B/backing/$name
rm -rf "$TOPO_DIR" "$B/run/$name.sh.d"                # fresh, unlabelled devices
mkdir -p "$B/run/$name.sh.d"
cp "$G/scripts/labels.sh" "$B/run/$name.sh"
boot() {   # boot MODE: run the guest side, print its verdict
    printf 'GRAN=256\nSEED=%d\nLEN=%d\nMODE=%s\n' $seed $len "$1" > "$B/run/$name.sh.d/labels.conf"
    bash "$G/run.sh" "${run_opts[@]}" -t 300 -l "$B/logs/$name-$1.log" -T switch8-lsa "$B/run/$name.sh" \
        || { echo "labels: boot '$1' failed; log $B/logs/$name-$1.log"; return 1; }
    grep -E '^labels: ' "$B/logs/$name-$1.log"
}
# the @@NS line: namespace, label uuid, size, ndctl's mode, size and uuid
ns_of() { tr -d '\r' < "$B/logs/$name-$1.log" | sed -n '/^@@NS$/{n;p;q}'; }

echo "== boot 1: region, namespace, pattern"
boot create
ns1=$(ns_of create)
echo "namespace: $ns1"
set -- $ns1
[ "$4" = devdax ] || { echo "labels: namespace mode '$4', expected devdax"; exit 1; }
echo "== host: the pattern in the backing files, the labels in the label files"
python3 "$G/tests/check_region.py" "$B/logs/$name-create.log" "$TOPO_DIR" check $seed $len
python3 - "$TOPO_DIR" "$2" <<'PY'
import glob, sys, uuid
u = uuid.UUID(sys.argv[2]).bytes
bad = 0
for f in sorted(glob.glob(sys.argv[1] + "/l*.raw")):
    d = open(f, "rb").read()
    ok = d.count(b"NAMESPACE_INDEX") >= 2 and u in d
    print("%s: %d index blocks, namespace uuid %s" % (f.split("/")[-1], d.count(b"NAMESPACE_INDEX"),
                                                       "present" if u in d else "MISSING"))
    bad += not ok
if len(glob.glob(sys.argv[1] + "/l*.raw")) != 8 or bad:
    sys.exit("labels: label areas without the namespace's labels")
PY
echo "== boot 2: same files, region recreated, namespace from the labels"
boot recover
ns2=$(ns_of recover)
echo "namespace: $ns2"
[ "$ns1" = "$ns2" ] || { echo "labels: namespace changed across the reboot: '$ns1' then '$ns2'"; exit 1; }
grep -q "memtool: checked" "$B/logs/$name-recover.log" || { echo "labels: pattern not read back"; exit 1; }
echo "labels: ok"
