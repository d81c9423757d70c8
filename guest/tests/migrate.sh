#!/usr/bin/env bash
# A Linux guest migrated while it writes through an interleaved region:
# Debian's kernel makes a 4-way pmem region at 256 B (every access
# trapped) on the default topology and a devdax namespace, fills it,
# then rewrites it pass after pass, each with a new seed. The host
# migrates it meanwhile to a second QEMU whose backing files are new and
# empty, throttled so that precopy cannot finish while the guest writes;
# the writes end while the migration is still active, then it completes.
# The guest, now on the destination, checks the last pass in every word,
# and the host finds every word of it in the destination's files.
# Other lines reuse it (guest/tests-10.0/): MIGRATE_PREFIX goes before the
# logs' and backing folders' names, RUN_OPTS adds guest/run.sh options
# (kernel, CPU), MIGRATE_GRAN and MIGRATE_ROOT set the region's
# granularity and root decoder (256 and decoder0.0, the window over both
# host bridges at 256 B; at 4 KiB, decoder0.2).
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
B=$G/../build/guest
read -r -a run_opts <<< "${RUN_OPTS:-}"
gran=${MIGRATE_GRAN:-256} root=${MIGRATE_ROOT:-decoder0.0}
name=${MIGRATE_PREFIX:-}migrate len=$((8 << 20)) seed=31 passes=40 go=4242
work=$B/run/$name.work
rm -rf "$work" "$B/run/$name.sh.d" "$B/backing/$name-src" "$B/backing/$name-dst"
mkdir -p "$work" "$B/run/$name.sh.d" "$B/logs"
cat "$G/scripts/region.sh" "$G/scripts/migrate.sh" > "$B/run/$name.sh"
printf 'ROOT=%s\nWAYS=4\nGRAN=%s\nSEED=%s\nLEN=%s\nMODE=fill\nORDER=\nPASSES=%s\nGO=%s\n' \
    $root $gran $seed $len $passes $go > "$B/run/$name.sh.d/region.conf"
src_log=$B/logs/$name-src.log dst_log=$B/logs/$name-dst.log
rm -f "$src_log"* "$dst_log"*   # a last run's marks must not be taken for this run's
qmp=$work/src.qmp mig=$work/mig.sock
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

qmp() {   # qmp 'JSON command' ...: run them on the source's QMP, print the last answer
    python3 - "$qmp" "$@" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
def cmd(c):
    f.write(c + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
json.loads(f.readline()); cmd('{"execute": "qmp_capabilities"}')
for c in sys.argv[2:]:
    r = cmd(c)
print(json.dumps(r))
PY
}
wait_for() {   # wait_for FILE PATTERN SECONDS
    local n
    for ((n = 0; n < $3 * 10; n++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "migrate: '$2' did not appear in $1 within $3 s" >&2
    return 1
}
status() { qmp '{"execute": "query-migrate"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["return"].get("status", "none"))'; }

echo "== source: 4-way region at $gran B, filled, then rewritten pass after pass"
TOPO_DIR=$B/backing/$name-src bash "$G/run.sh" "${run_opts[@]}" -t 500 -l "$src_log" -T default "$B/run/$name.sh" \
    -- -qmp "unix:$qmp,server,nowait" > "$work/src.out" 2>&1 &
pids+=($!)
wait_for "$src_log" "^@@MIGRATE-READY" 300
echo "== destination: new, empty backing files; migrating at 4 MB/s while the guest writes"
TOPO_DIR=$B/backing/$name-dst bash "$G/run.sh" "${run_opts[@]}" -t 500 -l "$dst_log" -T default "$B/run/$name.sh" \
    -- -incoming "unix:$mig" > "$work/dst.out" 2>&1 &
dst=$!
pids+=($dst)
for ((i = 0; i < 100; i++)); do [ -S "$mig" ] && break; sleep 0.1; done
qmp '{"execute": "migrate-set-parameters", "arguments": {"max-bandwidth": 4194304, "downtime-limit": 50}}' > /dev/null
qmp "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"unix:$mig\"}}"
wait_for "$src_log" "^@@WRITES-DONE" 300
st=$(status)
echo "migration when the guest's writes ended: $st"
[ "$st" = active ] || { echo "migrate: the migration was not running while the guest wrote ($st): the test would prove nothing" >&2; exit 1; }
qmp '{"execute": "migrate-set-parameters", "arguments": {"max-bandwidth": 1073741824, "downtime-limit": 300}}' > /dev/null
for ((i = 0; i < 600; i++)); do
    st=$(status)
    [ "$st" = completed ] && break
    [ "$st" = failed ] && { echo "migrate: migration failed" >&2; exit 1; }
    sleep 0.1
done
[ "$st" = completed ] || { echo "migrate: not completed: $st" >&2; exit 1; }
echo "== migrated; the host says go through the destination's files"
qmp '{"execute": "quit"}' > /dev/null || true
last=$(sed -n 's/^@@WRITES-DONE \([0-9]*\).*/\1/p' "$src_log")
python3 "$G/tests/check_region.py" "$src_log" "$B/backing/$name-dst" seed $go $((2 << 20)) $len
rc=0
wait "$dst" || rc=$?
if ! grep -q "^@@MIGRATE-CHECKED" "$dst_log"; then
    # Say what the destination's guest and QEMU said last.
    grep -m 3 -E 'BUG:|Oops|panic|^memtool:' "$dst_log" | sed 's/^/    | /' >&2 || true
    grep -v '^run.sh:\|^guest: [0-9]' "$work/dst.out" | tail -n 5 | sed 's/^/    | /' >&2 || true
    echo "migrate: the guest's check on the destination failed (rc $rc): $dst_log" >&2
    exit 1
fi
echo "== the last pass (seed $last) in the destination's files, word by word"
python3 "$G/tests/check_region.py" "$src_log" "$B/backing/$name-dst" check "$last" $len
exit $rc
