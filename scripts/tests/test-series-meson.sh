#!/usr/bin/env bash
# check-series refuses a series in which a patch's meson.build names a
# file that only a later patch adds (meson_names_missing in
# series-lib.sh): a maintainer who applies that patch cannot build it.
# On a little repository: the files each commit's build lacks, none once
# they arrive, and none for names the series did not add; then both
# lines' real series, which must have none.
. "$(dirname "$0")/lib.sh"
cd "$REPO"
. scripts/lib.sh; . scripts/series-lib.sh
r=$SCRATCH/m
git init -q "$r"
g() { git -C "$r" -c user.name=t -c user.email=t@t "$@"; }
mkdir -p "$r/hw/x" "$r/tests/qtest"
printf "old_ss.add(files('gone.c'))\n" > "$r/hw/x/meson.build"
printf "qtests = ['foo-test']\n" > "$r/tests/qtest/meson.build"
g add -A; g commit -q -m base; g tag base
# 1: the build names a.c, b.c and the qtest cxl-new-test; only a.c is there
printf "old_ss.add(files('gone.c'))\nx_ss.add(files(\n  'a.c',\n  'b.c',\n))\n" > "$r/hw/x/meson.build"
printf "qtests = ['foo-test', 'cxl-new-test']\n" > "$r/tests/qtest/meson.build"
touch "$r/hw/x/a.c"; printf "%s\n" "x_ss = []" > "$r/meson.build"
g add -A; g commit -q -m one
# 2: b.c and the qtest arrive
touch "$r/hw/x/b.c" "$r/tests/qtest/cxl-new-test.c"
g add -A; g commit -q -m two
got=$(meson_names_missing "$r" HEAD~1)
want=$'hw/x/meson.build: hw/x/b.c\ntests/qtest/meson.build: tests/qtest/cxl-new-test.c'
[ "$got" = "$want" ] || fail "commit one: expected"$'\n'"$want"$'\n'"got"$'\n'"$got"
got=$(meson_names_missing "$r" HEAD)
[ -z "$got" ] || fail "commit two has every file, yet: $got"
echo "ok: a build naming files a later patch adds is found (b.c, cxl-new-test), a base line naming a missing file is not"
# The real series: every patch's meson.build names only what it has
for line in 5.2 10.0; do
    src=$BUILD/src; [ $line = 5.2 ] || src=$BUILD/$line/src
    [ -d "$src/.git" ] || { echo "skip: no $src for the $line line (make tree LINE=$line)"; continue; }
    n=0
    for c in $(git -C "$src" rev-list --reverse base..main); do
        m=$(meson_names_missing "$src" "$c")
        [ -z "$m" ] || fail "QEMU $line: $(git -C "$src" log -1 --format=%s "$c") names files it lacks:"$'\n'"$m"
        n=$((n + 1))
    done
    echo "ok: QEMU $line: the meson.build files of all $n patches name only files they have"
done
