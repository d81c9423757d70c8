#!/usr/bin/env bash
# make check-sanitizers: the CXL qtests and unit tests (the fuzz suite
# among them) run against QEMU built with AddressSanitizer and
# UndefinedBehaviorSanitizer (build/qemu-san, see sanitized_build in
# lib.sh); any sanitizer report fails the run, LeakSanitizer's included,
# for QEMU and for the test programs alike. The programs run $(nproc) at
# a time; results come in a fixed order.
#   check-sanitizers.sh build   only build them, and qemu-fuzz-x86_64 for
#                               check-fuzz.sh (make check then runs the
#                               fuzzer beside these tests, SAN_BUILT=1)
. "$(dirname "$0")/lib.sh"

mapfile -t qtests < <(cd "$SRC/tests/qtest" && ls cxl-*-test.c cxl-test.c 2>/dev/null | sed 's/\.c$//' | sort -u)
progs=(tests/test-cxl-decode)
for t in "${qtests[@]}"; do progs+=("tests/qtest/$t"); done
if [ "${1:-}" = build ]; then
    sanitized_build qemu-system-x86_64 qemu-fuzz-x86_64 "${progs[@]}"
    exit 0
fi
sanitized_build qemu-system-x86_64 "${progs[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LOGS=$BUILD/check/sanitizers
mkdir -p "$LOGS"
for p in "${progs[@]}"; do
    name=${p##*/}
    rm -f "$LOGS/$name.rc"
    ( rc=0; (cd "$SAN" && QTEST_QEMU_BINARY=./qemu-system-x86_64 "$p") > "$LOGS/$name.log" 2>&1 || rc=$?
      echo $rc > "$LOGS/$name.rc" ) &
    while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
done
wait
pass=0 failed=0
for p in "${progs[@]}"; do
    name=${p##*/}
    if [ "$(cat "$LOGS/$name.rc" 2>/dev/null)" = 0 ] &&
       ! grep -qE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' "$LOGS/$name.log"; then
        echo "PASS  sanitizers/$name"; pass=$((pass + 1))
    else
        echo "FAIL  sanitizers/$name (status $(cat "$LOGS/$name.rc" 2>/dev/null); log: build/check/sanitizers/$name.log)"
        grep -E -A12 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|not ok|Bail' "$LOGS/$name.log" | head -n 30 | sed 's/^/    | /'
        failed=$((failed + 1))
    fi
done
echo "sanitizers: $pass passed, $failed failed"
[ $failed = 0 ]
