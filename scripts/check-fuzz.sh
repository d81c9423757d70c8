#!/usr/bin/env bash
# Coverage-guided fuzzing of the CXL devices: QEMU 5.2's generic-fuzz
# target (libFuzzer), built with clang, AddressSanitizer and UBSan in
# build/qemu-fuzz, configured for CXL (generic-fuzz-cxl: config space,
# component and device registers, mailbox, windows). A bounded run
# (FUZZ_SECONDS, default 60) starts from the committed corpus in
# qemu-5.2/fuzz/cxl/ (new inputs go to build/fuzz/cxl, not into the repository);
# any crash, sanitizer report or timeout fails, leaving its
# input in build/fuzz/artifacts/ to turn into a regression qtest.
. "$(dirname "$0")/lib.sh"

bash "$TOP/scripts/build.sh" > /dev/null      # the tree and the firmware
FZ=$BUILD/qemu-fuzz
CONFIGURE_ARGS=(--target-list=x86_64-softmmu --disable-docs --disable-werror
                --enable-fuzzing --enable-sanitizers --disable-tools
                --disable-guest-agent --cc="ccache clang-14" --cxx="ccache clang++-14"
                --host-cc="ccache clang-14")
command -v clang-14 > /dev/null || bash "$TOP/scripts/deps.sh" pkg:clang-14 pkg:libclang-rt-14-dev
configure_qemu "$FZ" "${CONFIGURE_ARGS[@]}"
step "building qemu-fuzz-x86_64"
ninja -C "$FZ" -j"$(( $(nproc) + 1 ))" qemu-fuzz-x86_64 > "$FZ/build.log" 2>&1 ||
    { grep -E -B2 -A8 'error:|FAILED' "$FZ/build.log" | tail -n 40 >&2; die "the fuzzer build failed"; }
link_firmware "$FZ"

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
