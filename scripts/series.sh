#!/usr/bin/env bash
# `make series`: write a line's whole qemu-cxl change as a git format-patch
# series against its base, ready for `git am` on that QEMU:
#   5.2:  build/series/       (Debian's QEMU 5.2)
#   10.0: build/10.0/series/  (Debian 13's QEMU 10.0)
# Every patch carries a Signed-off-by of the identity configured in git
# here (user.name, user.email): the one who sends the series certifies
# the Developer's Certificate of Origin. Without one, no series.
. "$(dirname "$0")/lib.sh"

name=$(git -C "$TOP" config user.name || true)
email=$(git -C "$TOP" config user.email || true)
[ -n "$name" ] && [ -n "$email" ] \
    || die "make series: no git identity to sign the patches off with: set one (git config user.name 'Your Name'; git config user.email you@example.org); each patch carries 'Signed-off-by: user.name <user.email>'"

bash "$TOP/scripts/tree.sh"
out=$LINE_BUILD/series
rm -rf "$out"
mkdir -p "$out"
git -C "$SRC" -c user.name="$name" -c user.email="$email" \
    format-patch -q --no-signature --signoff -o "$out" base..main
n=$(ls "$out" | wc -l)
step "QEMU $QEMU_CXL_LINE: wrote $n patches to ${out#$TOP/}/, signed off by $name <$email> (apply with: git am ${out#$TOP/}/*.patch)"
