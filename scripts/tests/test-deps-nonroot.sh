#!/usr/bin/env bash
# Without root and without a needed package, the dependency step names what
# is missing and stops.
. "$(dirname "$0")/lib.sh"
command -v runuser >/dev/null || { echo "SKIP: runuser not available"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to become nobody"; exit 77; }
mkdir -p "$SCRATCH/r/scripts" "$SCRATCH/r/qemu-5.2/base"
cp "$REPO/scripts/deps.sh" "$REPO/scripts/lib.sh" "$SCRATCH/r/scripts/"
cp "$REPO/qemu-5.2/base/VERSION" "$SCRATCH/r/qemu-5.2/base/"
chmod -R a+rX "$SCRATCH"
expect_fail_with "missing Debian packages: qemu-cxl-no-such-package" "$SCRATCH/log" \
    runuser -u nobody -- env HOME=/tmp bash "$SCRATCH/r/scripts/deps.sh" pkg:qemu-cxl-no-such-package
# With everything present it is quiet and quick.
runuser -u nobody -- env HOME=/tmp bash "$SCRATCH/r/scripts/deps.sh" pkg:bash > "$SCRATCH/log2" 2>&1 \
    || { cat "$SCRATCH/log2"; fail "present package reported missing"; }
echo "ok: $(head -n 1 "$SCRATCH/log")"
