#!/usr/bin/env bash
# Work done in build/src comes back with `make export`: a commit that edits
# a QEMU file and adds a new one becomes a patch plus an overlay file, and a
# fresh tree made from the exported repository has exactly the same content.
# Changes to files of ours keep their history: a commit changing a file an
# earlier commit added carries that change in its own patch, and the fresh
# tree has each version at its commit. The series from `make series` then
# applies with git am to the base.
. "$(dirname "$0")/lib.sh"
copy_repo "$SCRATCH/r"
cd "$SCRATCH/r"
git config user.name t; git config user.email t@t
bash scripts/tree.sh > "$SCRATCH/log" 2>&1 || { cat "$SCRATCH/log"; fail "tree"; }
n0=$(grep -c '^[^ #]' qemu-5.2/patches/series)
cuts0=$(grep '^#=series' qemu-5.2/patches/series || true)
(
    cd build/src
    echo "/* qemu-cxl round-trip test */" >> hw/cxl/meson.build
    mkdir -p hw/cxl && echo "/* new file */" > hw/cxl/roundtrip-test.c
    sed -i '1s/^/# qemu-cxl round-trip edit\n/' hw/Kconfig
    git add -A
    git -c user.name=t -c user.email=t@t commit -q -m "hw/cxl: round-trip test" -m "Body line."
    echo "/* second version */" >> hw/cxl/roundtrip-test.c
    git -c user.name=t -c user.email=t@t commit -q -a -m "hw/cxl: round-trip test, second step"
)
work_prev_tree=$(git -C build/src rev-parse 'HEAD^^{tree}')
bash scripts/export.sh > "$SCRATCH/log" 2>&1 || { cat "$SCRATCH/log"; fail "export"; }
want=$(git -C build/src rev-parse 'HEAD^{tree}')
[ "$(grep -c '^[^ #]' qemu-5.2/patches/series)" = $((n0 + 2)) ] || fail "export did not add two series entries"
grep -q '^    hw/cxl/roundtrip-test.c$' qemu-5.2/patches/series || fail "the new file is not listed in qemu-5.2/patches/series"
# The cuts into several series stay where they were.
[ "$(grep '^#=series' qemu-5.2/patches/series || true)" = "$cuts0" ] || fail "export lost or moved the '#=series' lines"
[ -n "$cuts0" ] || fail "qemu-5.2/patches/series has no '#=series' lines to keep"
[ -f qemu-5.2/hw/cxl/roundtrip-test.c ] || fail "the new file was not copied into qemu-5.2/"
one=$(ls qemu-5.2/patches/*.patch | tail -n 2 | head -n 1)
two=$(ls qemu-5.2/patches/*.patch | tail -n 1)
grep -q '^+# qemu-cxl round-trip edit' "$one" || fail "the edit to hw/Kconfig is not in $one"
grep -q 'round-trip test' "$one" || fail "the commit message is not in $one"
# The edit to our own hw/cxl/meson.build (added by patch 1) is in this
# commit's patch, and the overlay file has its final content.
grep -q '^+/\* qemu-cxl round-trip test \*/' "$one" || fail "the edit to hw/cxl/meson.build is not in $one"
grep -q 'round-trip test' qemu-5.2/hw/cxl/meson.build || fail "qemu-5.2/hw/cxl/meson.build edit lost"
grep -q '^+/\* second version \*/' "$two" || fail "the second step of roundtrip-test.c is not in $two"
grep -q 'second version' qemu-5.2/hw/cxl/roundtrip-test.c || fail "qemu-5.2/hw/cxl/roundtrip-test.c is not its final version"
! grep -q 'roundtrip-test.c' "$one" || fail "$one has a diff for roundtrip-test.c, which its entry adds whole"
# A fresh tree from the exported repository: same content.
rm -rf build
bash scripts/tree.sh > "$SCRATCH/log" 2>&1 || { cat "$SCRATCH/log"; fail "fresh tree"; }
got=$(git -C build/src rev-parse 'HEAD^{tree}')
[ "$got" = "$want" ] || fail "fresh tree $got differs from the exported work $want"
# Each commit has each file as it was then, not its final content.
adds=$(git -C build/src log --diff-filter=A --format=%H base..HEAD -- hw/cxl/meson.build)
[ -n "$adds" ] || fail "no commit adds hw/cxl/meson.build"
git -C build/src show "$adds:hw/cxl/meson.build" > "$SCRATCH/meson.build" || fail "git show"
! grep -q 'round-trip test' "$SCRATCH/meson.build" \
    || fail "the commit adding hw/cxl/meson.build has a later commit's edit"
prev=$(git -C build/src rev-parse HEAD^)
[ "$(git -C build/src show "$prev:hw/cxl/roundtrip-test.c")" = "/* new file */" ] \
    || fail "hw/cxl/roundtrip-test.c is not its first version in the commit that adds it"
[ "$(git -C build/src rev-parse "$prev^{tree}")" = "$work_prev_tree" ] \
    || fail "the fresh tree's commit $prev differs from the work's"
# `make series` gives patches that git am applies to the base, same tree.
bash scripts/series.sh > "$SCRATCH/log" 2>&1 || { cat "$SCRATCH/log"; fail "series"; }
. scripts/lib.sh
git clone -q --no-checkout "$QEMU_CXL_CACHE/base.git" "$SCRATCH/am"
git -C "$SCRATCH/am" checkout -q -B main base
. scripts/series-lib.sh
mapfile -t patches < <(series_patches "$SCRATCH/r/build/series")
[ ${#patches[@]} = $((n0 + 2)) ] || fail "make series wrote ${#patches[@]} patches, not $((n0 + 2))"
git -C "$SCRATCH/am" -c user.name=t -c user.email=t@t am -q "${patches[@]}" || fail "git am"
[ "$(git -C "$SCRATCH/am" rev-parse 'HEAD^{tree}')" = "$want" ] || fail "git am result differs"
# An edit in the line's folder that a later patch's hunk no longer fits
# fails the tree, naming that patch.
cp qemu-5.2/hw/cxl/roundtrip-test.c "$SCRATCH/keep.c"
echo "/* a conflicting first version */" > qemu-5.2/hw/cxl/roundtrip-test.c
expect_fail_with "$(basename "$two")" "$SCRATCH/log" bash scripts/tree.sh
cp "$SCRATCH/keep.c" qemu-5.2/hw/cxl/roundtrip-test.c
# A commit deleting a file an earlier commit added is refused by export.
(
    cd build/src
    git rm -q hw/cxl/roundtrip-test.c
    git -c user.name=t -c user.email=t@t commit -q -m "hw/cxl: round-trip test, delete"
)
expect_fail_with "deletes hw/cxl/roundtrip-test.c, which an earlier commit adds" "$SCRATCH/log" bash scripts/export.sh
echo "ok: export round trip and series (${#patches[@]} patches); a conflicting edit and a deletion refused"
