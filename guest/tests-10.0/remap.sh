#!/usr/bin/env bash
# The 10.0 line: QEMU takes back window pages it mapped into running vCPUs'
# TLBs, over and over, without crashing and without losing a write. Linux
# 6.12 makes a 2-way pmem region at 4 KiB on the default topology, whose
# pages the window maps into the guest one by one (hw/cxl/cxl-window-map.c);
# on the guest's two vCPUs one process rewrites half of it pass after pass
# and another checks the other half again and again (guest/scripts/remap.sh),
# while the host switches cxl-fast-path off and on through QMP. Each switch
# unmaps the window's pages, and each vCPU must flush what it mapped from
# them on its own thread: flushed from the thread that made the switch, a
# vCPU's TLB was resized under it and QEMU died of a segmentation fault.
# Afterwards the guest checks both halves, and the host finds the last pass
# and the untouched half in the backing files, word by word.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
B=$G/../build/guest
export QEMU_CXL_LINE=10.0
name=10.0-remap len=$((8 << 20)) seed=41 run_for=${REMAP_SECONDS:-30}
work=$B/run/$name.work
export TOPO_DIR=$B/backing/$name
rm -rf "$work" "$B/run/$name.sh.d" "$TOPO_DIR"
mkdir -p "$work" "$B/run/$name.sh.d" "$B/logs"
cat "$G/scripts/region.sh" "$G/scripts/remap.sh" > "$B/run/$name.sh"
printf 'ROOT=decoder0.1\nWAYS=2\nGRAN=4096\nSEED=%s\nLEN=%s\nMODE=fill\nORDER=\nRUN_FOR=%s\n' \
    $seed $len "$run_for" > "$B/run/$name.sh.d/region.conf"
log=$B/logs/$name.log qmp=$work/qmp.sock
rm -f "$log"*
bash "$G/run.sh" -k backports -c max,hypervisor=off -t 400 -l "$log" -T default "$B/run/$name.sh" \
    -- -qmp "unix:$qmp,server,nowait" > "$work/run.out" 2>&1 &
guest=$!
trap 'kill $guest 2>/dev/null || true' EXIT

echo "== 2-way region at 4 KiB; the guest writes and reads it for $run_for s while the host switches cxl-fast-path"
switches=$(python3 - "$qmp" "$log" $guest <<'PY'
import json, os, socket, sys, time
qmp, log, guest = sys.argv[1], sys.argv[2], int(sys.argv[3])
def seen(mark):
    try:
        with open(log, errors="replace") as f:
            return mark in f.read()
    except FileNotFoundError:
        return False
deadline = time.time() + 300
while not seen("@@REMAP-READY"):
    try:
        os.kill(guest, 0)
    except ProcessLookupError:
        print(0)        # the guest's run ended early: what it said comes next
        sys.exit(0)
    if time.time() > deadline:
        sys.exit("remap: the guest did not get its region ready")
    time.sleep(0.2)
s = socket.socket(socket.AF_UNIX); s.connect(qmp); f = s.makefile("rw")
def cmd(c):
    f.write(json.dumps(c) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
json.loads(f.readline()); cmd({"execute": "qmp_capabilities"})
switches = 0
last_check = 0
try:
    while True:
        for on in (False, True):
            r = cmd({"execute": "qom-set", "arguments": {"path": "/machine", "property": "cxl-fast-path", "value": on}})
            if "error" in r:
                sys.exit("remap: qom-set cxl-fast-path: %s" % r["error"])
            switches += 1
        time.sleep(0.005)
        if time.time() - last_check > 0.5:
            last_check = time.time()
            if seen("@@REMAP-DONE") or time.time() > deadline:
                break
except (OSError, ValueError):
    # QEMU went away: the guest's last checks ended its run, or QEMU died
    # (what the guest's exit status and log say next)
    pass
print(switches)
PY
)
rc=0
wait $guest || rc=$?
trap - EXIT
echo "remap: the host switched cxl-fast-path $switches times while the guest ran"
if [ $rc != 0 ] || ! grep -q "^@@REMAP-CHECKED" "$log"; then
    grep -m 3 -E 'BUG:|Oops|panic|^memtool:|@@REMAP-READER' "$log" | sed 's/^/    | /' >&2 || true
    grep -v '^run.sh:\|^guest: [0-9]' "$work/run.out" | tail -n 5 | sed 's/^/    | /' >&2 || true
    echo "remap: the guest's run failed (rc $rc): $log" >&2
    exit 1
fi
grep "^@@REMAP-READS\|^@@REMAP-DONE" "$log"
[ "$switches" -ge 200 ] || { echo "remap: too few switches to prove anything" >&2; exit 1; }
last=$(sed -n 's/^@@REMAP-DONE \([0-9]*\).*/\1/p' "$log")
echo "== the last pass (seed $last) and the untouched half (seed $seed) in the backing files"
python3 "$G/tests/check_region.py" "$log" "$TOPO_DIR" check "$last" $((len / 2)) 0
python3 "$G/tests/check_region.py" "$log" "$TOPO_DIR" check $seed $((len / 2)) $((len / 2))
