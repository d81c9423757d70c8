#!/usr/bin/env bash
# `make series`: write the whole qemu-cxl change as a git format-patch series
# against the base into build/series/, ready for `git am` on a QEMU 5.2 tree.
. "$(dirname "$0")/lib.sh"

bash "$TOP/scripts/tree.sh"
out=$BUILD/series
rm -rf "$out"
git -C "$SRC" format-patch -q --no-signature -o "$out" base..main
n=$(ls "$out" | wc -l)
step "wrote $n patches to build/series/ (apply with: git am build/series/*.patch)"
