# The counting and test-running helpers of scripts/check.sh, apart so
# that scripts/tests can try them with a stand-in for meson. Sourced after
# lib.sh, with LOGS set (and QTEST_WRAP, empty or a command prefix).

pass=0 fail=0 skip=0
failed=() xfailed=()
# MESON runs `meson test` for the line at hand (the 10.0 line's comes from
# its build folder's venv); RESULT_PREFIX goes before each meson test's
# name ("10.0/" on the 10.0 line, so that both lines' qtests are told apart).
MESON=${MESON:-meson}
RESULT_PREFIX=${RESULT_PREFIX:-}

# A test that exits 78 failed the way a known defect of the base makes it
# fail (it says which on its last line): XFAIL, counted with the passes.
# When the defect is fixed the test passes and must lose its expectation.
result() {   # result NAME STATUS(0 pass, 77 skip, 78 expected failure, else fail) [detail]
    case $2 in
        0)  pass=$((pass + 1)); printf 'PASS  %s %s\n' "$1" "${3:-}" ;;
        78) pass=$((pass + 1)); xfailed+=("$1"); printf 'XFAIL %s %s\n' "$1" "${3:-}" ;;
        77) skip=$((skip + 1)); printf 'SKIP  %s %s\n' "$1" "${3:-}" ;;
        *)  fail=$((fail + 1)); failed+=("$1"); printf 'FAIL  %s %s\n' "$1" "${3:-}" ;;
    esac
}

run() {      # run NAME CMD...: one test, output to its log
    local name=$1; shift
    local log=$LOGS/${name//\//_}.log t0=$(date +%s) rc=0
    "$@" > "$log" 2>&1 || rc=$?
    ran "$name" $rc "$t0"
}

# run_bg NAME CMD...: start one test in the background, output to its
# log; run_wait waits for it and counts it. For a long test that can share
# the machine with a batch of others (one at a time).
bg_pid="" bg_name="" bg_t0=""
run_bg() {
    bg_name=$1; shift
    bg_t0=$(date +%s)
    "$@" > "$LOGS/${bg_name//\//_}.log" 2>&1 &
    bg_pid=$!
}
run_wait() {
    [ -n "$bg_pid" ] || return 0
    local rc=0
    wait "$bg_pid" || rc=$?
    bg_pid=""
    ran "$bg_name" $rc "$bg_t0"
}

ran() {      # ran NAME STATUS T0: count a finished test, its log's tail if it failed
    local name=$1 rc=$2 t0=$3
    local log=$LOGS/${name//\//_}.log
    if [ $rc = 78 ]; then
        result "$name" $rc "($(( $(date +%s) - t0 ))s; $(tail -n 1 "$log"))"
    else
        result "$name" $rc "($(( $(date +%s) - t0 ))s)"
    fi
    if [ $rc != 0 ] && [ $rc != 77 ] && [ $rc != 78 ]; then sed 's/^/    | /' "$log" | tail -n 25; fi
}

# The QEMU qtests whose failure may be forgiven by a passing rerun, by
# name: qemu-LINE/qtest-rerun-allow.txt ("program  reason"), or RERUN_ALLOW.
rerun_allowed() {   # rerun_allowed qtest-x86_64/NAME
    awk -v t="${1##*/}" '$1 == t { found = 1 } END { exit !found }' \
        "${RERUN_ALLOW:-$LINE/qtest-rerun-allow.txt}"
}

# Run a set of meson tests (qtests) by name, counting each program.
# With --rerun, a program that fails is run once more on its own; it
# counts as passed only if that second run passes and the program is on
# the rerun allowlist; both results are printed either way. For QEMU's
# own qtests, some of which race under load on the base (see
# suite_qtest); never for ours.
run_meson() {   # run_meson LABEL [--rerun] [--test-args ARGS] NAME...
    local label=$1; shift
    local extra=() rerun=0
    if [ "${1:-}" = --rerun ]; then rerun=1; shift; fi
    if [ "${1:-}" = --test-args ]; then extra=(--test-args "$2"); shift 2; fi
    [ $# -gt 0 ] || return 0
    local log=$LOGS/meson-$label.log
    $QTEST_WRAP $MESON test -C "$OBJ" --no-rebuild --num-processes "$(nproc)" -t 20 --print-errorlogs "${extra[@]}" "$@" > "$log" 2>&1 || true
    local name st st2 rlog
    while read -r name st; do
        case $st in
            OK) result "$RESULT_PREFIX$name" 0 ;;
            SKIP) result "$RESULT_PREFIX$name" 77 ;;
            *)  if [ $rerun = 0 ]; then
                    result "$RESULT_PREFIX$name" 1 "($st; log: build/check/meson-$label.log)"
                    meson_errorlog "$name" < "$log"
                    continue
                fi
                rlog=$LOGS/meson-$label-rerun-${name##*/}.log
                $QTEST_WRAP $MESON test -C "$OBJ" --no-rebuild --num-processes 1 -t 20 --print-errorlogs "${extra[@]}" "$name" < /dev/null > "$rlog" 2>&1 || true
                st2=$(meson_statuses < "$rlog" | awk '{print $2; exit}')
                if [ "$st2" = OK ] && rerun_allowed "$name"; then
                    result "$RESULT_PREFIX$name" 0 "(first run $st, rerun alone OK, allowed by the line's qtest-rerun-allow.txt; logs: build/check/meson-$label.log, build/${rlog#$BUILD/})"
                elif [ "$st2" = OK ]; then
                    result "$RESULT_PREFIX$name" 1 "(first run $st, rerun alone OK, but not on the line's qtest-rerun-allow.txt; logs: build/check/meson-$label.log, build/${rlog#$BUILD/})"
                else
                    result "$RESULT_PREFIX$name" 1 "($st, and ${st2:-no result} when rerun alone; logs: build/check/meson-$label.log, build/${rlog#$BUILD/})"
                fi
                # what the first run printed: a failure that the rerun
                # forgives can still be diagnosed from the CI output
                meson_errorlog "$name" < "$log" ;;
        esac
    done < <(meson_statuses < "$log")
}

# The last lines of what meson --print-errorlogs printed for the failed
# test NAME (the lines after its status line, up to the next one),
# indented, from a meson test log on stdin.
meson_errorlog() {   # meson_errorlog NAME < LOG
    awk -v t=" / $1 " '
        /^ *[0-9]+\/[0-9]+ / { grab = index($0, t) > 0; next }
        /^Summary of Failures/ { exit }
        grab' | tail -n 30 | sed 's/^/    | /'
}

# "NAME STATUS" for each test in a meson test log, e.g. from
# " 3/48 qemu:qtest-x86_64 / qtest-x86_64/q35-test  OK  1.23s  7 subtests passed"
meson_statuses() {
    local line name
    sed '/^Summary of Failures/,$d' | grep -E '^ *[0-9]+/[0-9]+ ' | while IFS= read -r line; do
        name=$(echo "$line" | sed -n 's|.* / \([A-Za-z0-9_/-]*\) .*|\1|p')
        [ -n "$name" ] || continue
        echo "$name $(echo "$line" | awk '{for (i=1;i<=NF;i++) if ($i ~ /^(OK|FAIL|SKIP|TIMEOUT|ERROR|EXPECTEDFAIL|UNEXPECTEDPASS)$/) {print $i; exit}}')"
    done
}

