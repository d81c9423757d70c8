#!/usr/bin/env bash
# Build a line's qemu-system-x86_64, qemu-system-aarch64 and qtests from
# its tree into its build directory, with ccache:
#   QEMU_CXL_LINE=5.2  (default) build/src -> build/qemu, binaries at
#                      build/qemu-system-x86_64 and build/qemu-system-aarch64
#   QEMU_CXL_LINE=10.0 build/10.0/src -> build/10.0/qemu, binaries at
#                      build/10.0/qemu-system-x86_64 and -aarch64
# The configure options: line_configure_args (lib.sh).
. "$(dirname "$0")/lib.sh"

line_configure_args
if [ "$QEMU_CXL_LINE" = 5.2 ]; then
    bash "$TOP/scripts/deps.sh" build base
else
    # 10.0: meson >= 1.5 from bookworm-backports on PYTHONPATH
    bash "$TOP/scripts/deps.sh" build build-10.0
    PYTHONPATH=$(bash "$TOP/scripts/meson.sh")
    export PYTHONPATH
fi
bash "$TOP/scripts/tree.sh"
configure_qemu "$OBJ" "${CONFIGURE_ARGS[@]}"
if [ "$QEMU_CXL_LINE" != 5.2 ] && [ ! -f "$OBJ/pc-bios/optionrom/config.mak" ]; then
    # configure found no compiler for the option ROMs when it last ran
    # (lib32gcc-12-dev was missing then): once more, now that it is there.
    rm -f "$OBJ/.qemu-cxl-configure"
    configure_qemu "$OBJ" "${CONFIGURE_ARGS[@]}"
    [ -f "$OBJ/pc-bios/optionrom/config.mak" ] \
        || die "QEMU's configure finds no compiler for the x86 option ROMs (gcc -m32 linking -lgcc: package lib32gcc-12-dev)"
fi

step "building QEMU $QEMU_CXL_LINE (make -C ${OBJ#$TOP/})"
jobs=$(( $(nproc) + 1 ))
# make's "all" less what no suite of ours runs: ninja gets the members of
# "all" (and, on 5.2, of meson-test-prereq: the test programs) but
#   tests/fp/*, subprojects/berkeley-*  Berkeley SoftFloat and TestFloat,
#       QEMU's softfloat suite (459 objects on either line)
#   contrib/plugins/*, tests/tcg/*  (10.0) the TCG plugins of check-tcg
#   (5.2) the test programs of QEMU 5.2's own suites, which only
#       `make check-qtest` runs (QEMU_CXL_TESTS=all builds them): of
#       tests/ only ours (cxl), bios-tables-test and our benchmark
# make still does the rest of "all" (the option ROMs).
skip='meson-test-prereq|tests/fp/.*|subprojects/berkeley-.*|contrib/plugins/.*|tests/tcg/.*'
if [ "$QEMU_CXL_LINE" = 5.2 ] && [ "${QEMU_CXL_TESTS:-}" != all ]; then
    skip="$skip|tests/.*"
fi
goals=("ninja-cmd-goals=$( { sed -n 's/^build \(all\|meson-test-prereq\): phony //p' "$OBJ/build.ninja" |
                             tr ' ' '\n' | grep . | grep -vxE "$skip"
                             [ "$QEMU_CXL_LINE" != 5.2 ] ||
                                 grep -oE '^build tests/(qtest/(cxl-[a-z0-9-]*|bios-tables-test)|test-cxl-[a-z0-9-]*|bench-cxl-[a-z0-9-]*): ' "$OBJ/build.ninja" |
                                     sed 's/^build //; s/: $//'
                           } | sort -u | tr '\n' ' ')")
if ! make -C "$OBJ" -j"$jobs" all "${goals[@]}" > "$OBJ/build.log" 2>&1; then
    grep -E -B2 -A8 'error:|Error [0-9]|FAILED' "$OBJ/build.log" | tail -n 60 >&2
    die "the QEMU $QEMU_CXL_LINE build failed (log: ${OBJ#$TOP/}/build.log)"
fi
bash "$TOP/scripts/firmware.sh"
ln -sfn qemu/qemu-system-x86_64 "$LINE_BUILD/qemu-system-x86_64"
ln -sfn qemu/qemu-system-aarch64 "$LINE_BUILD/qemu-system-aarch64"
step "built ${LINE_BUILD#$TOP/}/qemu-system-x86_64 and ${LINE_BUILD#$TOP/}/qemu-system-aarch64 (QEMU $QEMU_CXL_LINE)"
