#!/usr/bin/env bash
# Coverage-guided fuzzing of the CXL devices: QEMU 5.2's generic-fuzz
# target (libFuzzer) in the sanitized build (build/qemu-san: clang,
# AddressSanitizer, UBSan; sanitized_build in lib.sh), configured for CXL
# (generic-fuzz-cxl: config space, component and device registers,
# mailbox, windows). A bounded run (FUZZ_SECONDS, default 60) starts from
# the committed corpus in qemu-5.2/fuzz/cxl/ (new inputs go to
# build/fuzz/cxl, not into the repository); any crash, sanitizer report or
# timeout fails, leaving its input in build/fuzz/artifacts/ to turn into a
# regression qtest.
. "$(dirname "$0")/lib.sh"

sanitized_build qemu-fuzz-x86_64
FZ=$SAN

secs=${FUZZ_SECONDS:-60}
work=$BUILD/fuzz/cxl art=$BUILD/fuzz/artifacts
mkdir -p "$work" "$art"
step "fuzzing the CXL devices for ${secs}s (generic-fuzz-cxl, corpus qemu-5.2/fuzz/cxl)"
# Leaks are not checked here: the fuzzing harness keeps state across runs
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if (cd "$FZ" && ./qemu-fuzz-x86_64 --fuzz-target=generic-fuzz-cxl \
        -max_total_time="$secs" -timeout=10 -artifact_prefix="$art/" \
        "$work" "$TOP/qemu-5.2/fuzz/cxl") > "$BUILD/fuzz/run.log" 2>&1; then
    grep -E '^#[0-9]+ *DONE|^Done' "$BUILD/fuzz/run.log" | tail -n 1
    echo "PASS  fuzz/generic-fuzz-cxl (${secs}s, $(ls "$work" | wc -l) corpus inputs)"
else
    grep -E -A20 'ERROR: |runtime error:|==ERROR|SUMMARY' "$BUILD/fuzz/run.log" | head -n 40 | sed 's/^/    | /'
    echo "FAIL  fuzz/generic-fuzz-cxl: inputs in ${art#$TOP/} (log build/fuzz/run.log)"
    exit 1
fi
