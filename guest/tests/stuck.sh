#!/usr/bin/env bash
# Stall detection in guest/run.sh (guest/stall.py): a guest that stops
# making progress is reported within a minute, with its vCPUs' state, and
# not after the whole timeout with a generic message.
#   idle   the guest's script goes quiet for ever: every vCPU halts in the
#          kernel's idle loop and the console stays silent
#   panic  the kernel panics with panic=0 (rdinit= names no program, and
#          there is no root to mount): it says so once, then spins in
#          panic() for ever, a busy vCPU that makes no progress
# For each, run.sh must exit with 123 within 60 s, say on stderr
# "guest made no progress after N s at RIP 0x... (symbol+0xoff) [cpu0],
# ... [cpu1]...; console log LOG, vCPU state LOG.stall", and LOG.stall
# must hold `info registers` for every vCPU; SeaBIOS's debug console is in
# LOG.firmware. For the idle guest LOG.stall also holds every vCPU's
# `info lapic` and, read by gdb from QEMU itself, whether its thread
# sleeps with an interrupt pending and when its local APIC timer fires.
#   busy   a guest that computes silently for twice the window is not
#          stalled, and one that keeps printing past its timeout still
#          ends with 124 (timed out), as before
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$G/../build" && pwd)/guest
mkdir -p "$B/run" "$B/logs"
smp=2 window=15 limit=60
fail() { echo "stuck: FAIL: $*"; exit 1; }

# The kernel and initramfs first, so that their (re)build is not timed.
bash "$G/prepare.sh"

cat > "$B/run/stuck-idle.sh" <<'EOF'
echo "stuck: going quiet for ever"
while :; do sleep 1000; done
EOF
cat > "$B/run/stuck-busy.sh" <<'EOF'
# Silent work for 20 s (guest time; TCG's clock follows the host's), then
# a line every 2 s for ever.
end=$(($(cut -d. -f1 /proc/uptime) + 20))
echo "busy: computing silently for 20 s"
while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do :; done
echo "busy: done"
while :; do echo "busy: tick"; sleep 2; done
EOF

# boot NAME ARGS...: guest/run.sh ARGS with its stderr shown and kept in
# $err; sets rc and secs
boot() {
    local name=$1 t0
    shift
    err=$B/run/stuck-$name.err
    t0=$(date +%s)
    rc=0
    bash "$G/run.sh" "$@" 2> "$err" || rc=$?
    secs=$(($(date +%s) - t0))
    cat "$err" >&2
}

# stalled NAME LOG: run.sh said the guest stalled, in time and in full
stalled() {
    local name=$1 log=$2 line n
    [ "$rc" = 123 ] || fail "$name: run.sh exited with $rc after $secs s, not 123 (stalled)"
    [ "$secs" -le "$limit" ] || fail "$name: the stall was reported after $secs s, not within $limit s"
    line=$(grep '^guest made no progress' "$err" || true)
    [ -n "$line" ] || fail "$name: no 'guest made no progress' line on run.sh's stderr"
    [ "$(echo "$line" | wc -l)" = 1 ] || fail "$name: more than one stall line"
    # every vCPU's RIP, with a symbol from the kernel's kallsyms (or a
    # System.map), then where the logs are
    for ((n = 0; n < smp; n++)); do
        echo "$line" | grep -Eq "at RIP (0x[0-9a-f]+ \([^)]*\) \[cpu[0-9]+\], )*0x[0-9a-f]+ \([A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+\) \[cpu$n\]" \
            || fail "$name: the stall line names no RIP and symbol for cpu$n: $line"
    done
    case $line in
        *"; console log $log, vCPU state $log.stall") ;;
        *) fail "$name: the stall line does not end with '; console log $log, vCPU state $log.stall': $line" ;;
    esac
    [ -s "$log.stall" ] || fail "$name: no vCPU state in $log.stall"
    [ "$(grep -c '^CPU#[0-9]' "$log.stall")" = $smp ] \
        || fail "$name: $log.stall has $(grep -c '^CPU#[0-9]' "$log.stall") 'info registers' sections, not $smp"
    for ((n = 0; n < smp; n++)); do
        awk -v c="CPU#$n" '$0 == c { on = 1; next } /^(CPU#|== )/ { on = 0 } on && /^RIP=[0-9a-f]+ .*HLT=/ { ok = 1 } END { exit !ok }' \
            "$log.stall" || fail "$name: no 'info registers' output (RIP=...) for CPU#$n in $log.stall"
    done
    head -c 7 "$log.firmware" 2>/dev/null | grep -q SeaBIOS || fail "$name: no SeaBIOS output in $log.firmware"
    echo "ok   $name: stall reported after $secs s"
}

echo "== idle: the guest goes quiet, its vCPUs halt (window $window s)"
log=$B/logs/stuck-idle.log
boot idle -t 90 -s $smp -w $window -l "$log" "$B/run/stuck-idle.sh"
stalled idle "$log"
grep -q "stuck: going quiet" "$log" || fail "idle: the guest's script did not run ($log)"
# x86: each local APIC through the monitor, and QEMU's own view of each
# halted vCPU and its local APIC timer (gdb on QEMU: guest/stall-gdb.py)
for ((n = 0; n < smp; n++)); do
    awk -v h="== info lapic (cpu$n)" '$0 == h { on = 1; next } /^== / { on = 0 } on && /^LVTT[ \t]/ { ok = 1 } END { exit !ok }' \
        "$log.stall" || fail "idle: no 'info lapic' (LVTT ...) for cpu$n in $log.stall"
    grep -Eq "^cpu$n: halted=1 interrupt_request=0x[0-9a-f]+ " "$log.stall" \
        || fail "idle: no 'cpu$n: halted=1 interrupt_request=...' line (gdb) in $log.stall"
    grep -A4 "^cpu$n: halted=1" "$log.stall" | grep -Eq "^  apic: initial_count=[0-9]+ .*QEMUTimer expire_time=" \
        || fail "idle: no local APIC timer state (gdb) for cpu$n in $log.stall"
done
echo "ok   idle: info lapic and QEMU's vCPU and local APIC state for $smp vCPUs"

echo "== panic: the kernel panics with panic=0 and spins (GUEST_STALL_SECONDS=$window)"
log=$B/logs/stuck-panic.log
GUEST_STALL_SECONDS=$window GUEST_APPEND="panic=0 rdinit=/stuck-no-such-program" \
    boot panic -t 90 -s $smp -l "$log" "$B/run/stuck-idle.sh"
stalled panic "$log"
grep -q "Kernel panic - not syncing" "$log" || fail "panic: no kernel panic in $log"
grep -q "; kernel panic: " "$err" || fail "panic: the stall line does not name the panic"

echo "== busy: 20 s of silent work under a 10 s window, then a line every 2 s past the timeout"
log=$B/logs/stuck-busy.log
boot busy -t 55 -s $smp -w 10 -l "$log" "$B/run/stuck-busy.sh"
grep -q "busy: done" "$log" || fail "busy: the silent work did not finish (run.sh status $rc; $log)"
[ ! -e "$log.stall" ] || fail "busy: reported as a stall: $(head -n 1 "$log.stall")"
[ "$rc" = 124 ] || fail "busy: run.sh exited with $rc after $secs s, not 124 (timed out)"
grep -q "timed out after 55s" "$err" || fail "busy: no 'timed out' message"
echo "ok   busy: not a stall; timed out after $secs s"
echo "stuck: ok"
