#!/usr/bin/env bash
# The series passes QEMU's own checkpatch.pl, and the check fails when a
# patch does not: a line over 90 columns in one of our files is refused,
# naming the patch that adds it.
. "$(dirname "$0")/lib.sh"
copy_repo "$SCRATCH/r"
cd "$SCRATCH/r"
git config user.name "Ada Tester"; git config user.email ada@example.org
bash scripts/check-checkpatch.sh > "$SCRATCH/log" 2>&1 || { cat "$SCRATCH/log"; fail "checkpatch on the series as it is"; }
f=qemu-5.2/hw/cxl/cxl-info.c
[ -f "$f" ] || fail "no $f to break"
printf '/* %s */\n' "$(printf 'x%.0s' $(seq 1 100))" >> "$f"
expect_fail_with "line over 90 characters" "$SCRATCH/log" bash scripts/check-checkpatch.sh
want=$(awk -v f="${f#qemu-5.2/}" '/^[^ #]/ { p = $1 } $1 == f { print p }' qemu-5.2/patches/series)
# make series numbers each series' patches from 1: match the name after it.
slug=${want#[0-9][0-9][0-9][0-9]-}; slug=${slug%.patch}
slug=${slug:0:40}   # format-patch shortens long names
grep -q "found errors in 1 of [0-9]* patches: [^ ]*[0-9]-$slug" "$SCRATCH/log" || { cat "$SCRATCH/log"; fail "the failure does not name $want alone"; }
echo "ok: the series passes checkpatch.pl; a 104-column line in $f fails it in $want"
