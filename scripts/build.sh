#!/usr/bin/env bash
# Build qemu-system-x86_64, qemu-system-aarch64 and the qtests from
# build/src into build/qemu, with ccache, and leave the binaries at
# build/qemu-system-x86_64 and build/qemu-system-aarch64.
# QOM cast checks are off, as in a release build: they cost the I/O path
# (cpu_asidx_from_attrs on every trapped access) about 6%.
. "$(dirname "$0")/lib.sh"

bash "$TOP/scripts/deps.sh" build base
bash "$TOP/scripts/tree.sh"

CONFIGURE_ARGS=(--target-list=x86_64-softmmu,aarch64-softmmu
                --disable-docs --disable-werror --disable-qom-cast-debug
                --cc="ccache gcc" --cxx="ccache g++" --host-cc="ccache gcc")
configure_qemu "$OBJ" "${CONFIGURE_ARGS[@]}"

step "building QEMU (make -C build/qemu)"
jobs=$(( $(nproc) + 1 ))
if ! make -C "$OBJ" -j"$jobs" all > "$OBJ/build.log" 2>&1; then
    grep -E -B2 -A8 'error:|Error [0-9]|FAILED' "$OBJ/build.log" | tail -n 60 >&2
    die "the QEMU build failed (log: build/qemu/build.log)"
fi
bash "$TOP/scripts/firmware.sh"
ln -sfn qemu/qemu-system-x86_64 "$BUILD/qemu-system-x86_64"
ln -sfn qemu/qemu-system-aarch64 "$BUILD/qemu-system-aarch64"
step "built build/qemu-system-x86_64 and build/qemu-system-aarch64"
