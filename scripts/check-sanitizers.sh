#!/usr/bin/env bash
# make check-sanitizers: the CXL qtests and unit tests (the fuzz suite
# among them) run against QEMU built with AddressSanitizer and
# UndefinedBehaviorSanitizer (build/qemu-san, see sanitized_build in
# lib.sh); any sanitizer report fails the run, LeakSanitizer's included,
# for QEMU and for the test programs alike.
. "$(dirname "$0")/lib.sh"

mapfile -t qtests < <(cd "$SRC/tests/qtest" && ls cxl-*-test.c cxl-test.c 2>/dev/null | sed 's/\.c$//' | sort -u)
targets=(qemu-system-x86_64 tests/test-cxl-decode)
for t in "${qtests[@]}"; do targets+=("tests/qtest/$t"); done
sanitized_build "${targets[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LOGS=$BUILD/check/sanitizers
mkdir -p "$LOGS"
pass=0 failed=0
run() {
    local name=$1; shift
    if (cd "$SAN" && QTEST_QEMU_BINARY=./qemu-system-x86_64 "$@") > "$LOGS/$name.log" 2>&1 &&
       ! grep -qE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' "$LOGS/$name.log"; then
        echo "PASS  sanitizers/$name"; pass=$((pass + 1))
    else
        echo "FAIL  sanitizers/$name (log: build/check/sanitizers/$name.log)"
        grep -E -A12 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|not ok|Bail' "$LOGS/$name.log" | head -n 30 | sed 's/^/    | /'
        failed=$((failed + 1))
    fi
}
run test-cxl-decode tests/test-cxl-decode
for t in "${qtests[@]}"; do
    run "$t" "tests/qtest/$t"
done
echo "sanitizers: $pass passed, $failed failed"
[ $failed = 0 ]
