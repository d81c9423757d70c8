#!/usr/bin/env bash
# make check's run_meson: with --rerun, a QEMU qtest that fails is run once
# more on its own and passes only if that run passes; without it (our own
# tests) a failure is final. meson is a stand-in that reads its script of
# statuses from $SCRATCH/statuses, one line per call.
. "$(dirname "$0")/lib.sh"
LOGS=$SCRATCH/check BUILD=$SCRATCH OBJ=$SCRATCH/obj QTEST_WRAP=
mkdir -p "$LOGS"
# The allowlist: b-test may be forgiven by a passing rerun, a-test not
export RERUN_ALLOW=$SCRATCH/allow
printf '# program reason\nb-test  races under load\n' > "$RERUN_ALLOW"
. "$REPO/scripts/check-lib.sh"

meson() {   # meson test ... NAME...: one result line per NAME
    local st n i=0
    st=$(sed -n 1p "$SCRATCH/statuses"); sed -i 1d "$SCRATCH/statuses"
    echo "$*" >> "$SCRATCH/calls"
    for n in "$@"; do
        case $n in qtest-x86_64/*) ;; *) continue ;; esac
        i=$((i + 1))
        printf ' %d/9 qemu:qtest+qtest-x86_64 / %s   %s   1.00s\n' "$i" "$n" "${st%% *}"
        # --print-errorlogs: a bad status is followed by the test's output
        case ${st%% *} in
            OK|SKIP) ;;
            *) printf '>>> %s\n8<------\nstderr of %s\n--------\n\n' "$n" "${n#*/}" ;;
        esac
        st=${st#* }
    done
}

try() {   # try STATUSES... -- ARGS: fresh counters, run run_meson ARGS
    : > "$SCRATCH/calls"; printf '%s\n' "$1" "$2" > "$SCRATCH/statuses"
    shift 2
    pass=0 fail=0 skip=0 failed=()
    run_meson "$@" > "$SCRATCH/out"
}

# A timeout, then OK alone: passes, and says so
try "OK TIMEOUT" "OK" qtest --rerun qtest-x86_64/a-test qtest-x86_64/b-test
[ "$pass/$fail" = 2/0 ] || { cat "$SCRATCH/out"; fail "rerun OK should pass: $pass/$fail"; }
grep -q "^PASS  qtest-x86_64/b-test (first run TIMEOUT, rerun alone OK" "$SCRATCH/out" || { cat "$SCRATCH/out"; fail "no rerun note"; }
[ "$(wc -l < "$SCRATCH/calls")" = 2 ] || fail "expected 2 meson calls"
# ... and what its first run printed follows, nothing of the passing test
grep -A3 "^PASS  qtest-x86_64/b-test" "$SCRATCH/out" | grep -q "^    | stderr of b-test$" || { cat "$SCRATCH/out"; fail "no first-run output after the rerun note"; }
! grep -q "stderr of a-test" "$SCRATCH/out" || { cat "$SCRATCH/out"; fail "output of a passing test printed"; }
tail -n 1 "$SCRATCH/calls" | grep -q -- "--num-processes 1 .* qtest-x86_64/b-test$" || fail "the rerun is not b-test alone"

# A rerun that passes does not forgive a program off the allowlist
try "TIMEOUT OK" "OK" qtest --rerun qtest-x86_64/a-test qtest-x86_64/b-test
[ "$pass/$fail/${failed[*]}" = "1/1/qtest-x86_64/a-test" ] || { cat "$SCRATCH/out"; fail "an unlisted rerun should fail: $pass/$fail"; }
grep -q "^FAIL  qtest-x86_64/a-test (first run TIMEOUT, rerun alone OK, but not on" "$SCRATCH/out" || { cat "$SCRATCH/out"; fail "no unlisted-rerun note"; }

# Failing twice fails
try "FAIL OK" "FAIL" qtest --rerun qtest-x86_64/a-test qtest-x86_64/b-test
[ "$pass/$fail/${failed[*]}" = "1/1/qtest-x86_64/a-test" ] || { cat "$SCRATCH/out"; fail "double failure should fail: $pass/$fail"; }
grep -q "^FAIL  qtest-x86_64/a-test (FAIL, and FAIL when rerun alone" "$SCRATCH/out" || { cat "$SCRATCH/out"; fail "no failure note"; }

# A rerun that gives no result at all fails too
try "ERROR" "" qtest --rerun qtest-x86_64/b-test
[ "$pass/$fail" = 0/1 ] || fail "rerun without a result should fail"

# Without --rerun (our own tests), one failure is final
try "OK FAIL" "OK" cxl qtest-x86_64/cxl-a-test qtest-x86_64/cxl-b-test
[ "$pass/$fail" = 1/1 ] || { cat "$SCRATCH/out"; fail "no-rerun failure should stay: $pass/$fail"; }
[ "$(wc -l < "$SCRATCH/calls")" = 1 ] || fail "no-rerun ran meson again"
grep -q "^    | stderr of cxl-b-test$" "$SCRATCH/out" || { cat "$SCRATCH/out"; fail "a final failure without its output"; }

# --test-args reach both runs
try "TIMEOUT" "OK" qtest --rerun --test-args " -s /x/y" qtest-x86_64/a-test
[ "$(grep -c -- "--test-args  -s /x/y" "$SCRATCH/calls")" = 2 ] || { cat "$SCRATCH/calls"; fail "test args not passed to both runs"; }

# run_bg/run_wait: a background test is counted once, after the batch,
# with its status, and a failure shows its log; nothing without run_bg
pass=0 fail=0 skip=0 failed=()
run_wait > "$SCRATCH/out"
[ "$pass/$fail" = 0/0 ] || fail "run_wait without run_bg counted something"
run_bg bg/slow bash -c 'sleep 1; echo broken here; exit 3'
printf 'OK\n' > "$SCRATCH/statuses"
run_meson qtest qtest-x86_64/a-test > "$SCRATCH/out"
run_wait >> "$SCRATCH/out"
[ "$pass/$fail/${failed[*]}" = "1/1/bg/slow" ] || { cat "$SCRATCH/out"; fail "background failure not counted: $pass/$fail"; }
grep -q "^    | broken here" "$SCRATCH/out" || { cat "$SCRATCH/out"; fail "background failure without its log"; }
run_bg bg/fine true
run_wait > "$SCRATCH/out"
[ "$pass/$fail" = 2/1 ] && grep -q "^PASS  bg/fine" "$SCRATCH/out" || { cat "$SCRATCH/out"; fail "background pass not counted: $pass/$fail"; }
echo "run_meson: reruns checked; run_bg: counted after the batch"
