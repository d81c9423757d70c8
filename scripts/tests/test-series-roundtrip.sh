#!/usr/bin/env bash
# Work done in build/src comes back with `make export`: a commit that edits
# a QEMU file and adds a new one becomes a patch plus an overlay file, and a
# fresh tree made from the exported repository has exactly the same content.
# The series from `make series` then applies with git am to the base.
. "$(dirname "$0")/lib.sh"
copy_repo "$SCRATCH/r"
cd "$SCRATCH/r"
bash scripts/tree.sh > "$SCRATCH/log" 2>&1 || { cat "$SCRATCH/log"; fail "tree"; }
n0=$(grep -c '^[^ #]' qemu-5.2/patches/series)
(
    cd build/src
    echo "/* qemu-cxl round-trip test */" >> hw/cxl/meson.build
    mkdir -p hw/cxl && echo "/* new file */" > hw/cxl/roundtrip-test.c
    sed -i '1s/^/# qemu-cxl round-trip edit\n/' hw/Kconfig
    git add -A
    git -c user.name=t -c user.email=t@t commit -q -m "hw/cxl: round-trip test" -m "Body line."
)
bash scripts/export.sh > "$SCRATCH/log" 2>&1 || { cat "$SCRATCH/log"; fail "export"; }
want=$(git -C build/src rev-parse 'HEAD^{tree}')
[ "$(grep -c '^[^ #]' qemu-5.2/patches/series)" = $((n0 + 1)) ] || fail "export did not add one series entry"
grep -q '^    hw/cxl/roundtrip-test.c$' qemu-5.2/patches/series || fail "the new file is not listed in qemu-5.2/patches/series"
[ -f qemu-5.2/hw/cxl/roundtrip-test.c ] || fail "the new file was not copied into qemu-5.2/"
last=$(ls qemu-5.2/patches/*.patch | tail -n 1)
grep -q '^+# qemu-cxl round-trip edit' "$last" || fail "the edit to hw/Kconfig is not in $last"
grep -q 'round-trip test' "$last" || fail "the commit message is not in $last"
# The edit to our own hw/cxl/meson.build is folded into that file.
grep -q 'round-trip test' qemu-5.2/hw/cxl/meson.build || fail "qemu-5.2/hw/cxl/meson.build edit lost"
# A fresh tree from the exported repository: same content.
rm -rf build
bash scripts/tree.sh > "$SCRATCH/log" 2>&1 || { cat "$SCRATCH/log"; fail "fresh tree"; }
got=$(git -C build/src rev-parse 'HEAD^{tree}')
[ "$got" = "$want" ] || fail "fresh tree $got differs from the exported work $want"
# `make series` gives patches that git am applies to the base, same tree.
bash scripts/series.sh > "$SCRATCH/log" 2>&1 || { cat "$SCRATCH/log"; fail "series"; }
. scripts/lib.sh
git clone -q --no-checkout "$QEMU_CXL_CACHE/base.git" "$SCRATCH/am"
git -C "$SCRATCH/am" checkout -q -B main base
git -C "$SCRATCH/am" -c user.name=t -c user.email=t@t am -q "$SCRATCH"/r/build/series/*.patch || fail "git am"
[ "$(git -C "$SCRATCH/am" rev-parse 'HEAD^{tree}')" = "$want" ] || fail "git am result differs"
echo "ok: export round trip and series ($(ls build/series | wc -l) patches)"
