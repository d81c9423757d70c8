#!/usr/bin/env bash
# `make series`: write a line's whole qemu-cxl change as a git format-patch
# series against its base, ready for `git am` on that QEMU:
#   5.2:  build/series/       (Debian's QEMU 5.2)
#   10.0: build/10.0/series/  (Debian 13's QEMU 10.0)
. "$(dirname "$0")/lib.sh"

bash "$TOP/scripts/tree.sh"
out=$LINE_BUILD/series
rm -rf "$out"
mkdir -p "$out"
git -C "$SRC" format-patch -q --no-signature -o "$out" base..main
n=$(ls "$out" | wc -l)
step "QEMU $QEMU_CXL_LINE: wrote $n patches to ${out#$TOP/}/ (apply with: git am ${out#$TOP/}/*.patch)"
