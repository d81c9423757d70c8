#!/usr/bin/env bash
# make check-sanitizers: QEMU built with AddressSanitizer and
# UndefinedBehaviorSanitizer (configure --enable-sanitizers) in
# build/qemu-san, running the CXL qtests and unit tests (the fuzz suite
# among them); any sanitizer report fails the run, LeakSanitizer's
# included, for QEMU and for the test programs alike.
. "$(dirname "$0")/lib.sh"

bash "$TOP/scripts/build.sh" > /dev/null      # the tree, and the firmware
SAN=$BUILD/qemu-san
CONFIGURE_ARGS=(--target-list=x86_64-softmmu --disable-docs --disable-werror
                --enable-sanitizers --disable-tools --disable-guest-agent
                --cc="ccache gcc" --cxx="ccache g++" --host-cc="ccache gcc")
configure_qemu "$SAN" "${CONFIGURE_ARGS[@]}"
mapfile -t qtests < <(cd "$SRC/tests/qtest" && ls cxl-*-test.c cxl-test.c 2>/dev/null | sed 's/\.c$//' | sort -u)
targets=(qemu-system-x86_64 tests/test-cxl-decode)
for t in "${qtests[@]}"; do targets+=("tests/qtest/$t"); done
step "building the sanitized QEMU and the CXL tests (${#targets[@]} targets)"
ninja -C "$SAN" -j"$(( $(nproc) + 1 ))" "${targets[@]}" > "$SAN/build.log" 2>&1 ||
    { grep -E -B2 -A8 'error:|FAILED' "$SAN/build.log" | tail -n 40 >&2; die "the sanitized build failed"; }
link_firmware "$SAN"

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
