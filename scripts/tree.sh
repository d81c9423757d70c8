#!/usr/bin/env bash
# Lay our series onto the pristine base: build/src becomes a git tree whose
# first commit is the base (tag "base") and whose later commits are the
# entries of patches/series, each applying its patch (edits to QEMU files)
# and adding the new files it names from our repository.
#
# Commits are made with plumbing and fixed dates, so the same inputs give
# the same commits, and the working tree is moved with read-tree -m -u:
# only files whose content changed are rewritten, which keeps rebuilds
# incremental.
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"

bash "$TOP/scripts/fetch-base.sh"
ensure_base_repo

if [ ! -d "$SRC/.git" ]; then
    step "creating $SRC from the base"
    rm -rf "$SRC"
    mkdir -p "$LINE_BUILD"
    git clone -q --no-checkout "$BASE_REPO" "$SRC"
    git -C "$SRC" checkout -q -B main base
    git -C "$SRC" update-ref refs/qemu-cxl/built base
fi

new=$(build_series_commits "$SRC")
old=$(git -C "$SRC" rev-parse HEAD)
built=$(git -C "$SRC" rev-parse refs/qemu-cxl/built)

if [ "$old" = "$new" ]; then
    exit 0
fi
if ! git -C "$SRC" diff --quiet HEAD || ! git -C "$SRC" diff --cached --quiet HEAD; then
    die "${SRC#$TOP/} has uncommitted changes: commit them there and run 'make export' (or discard them) before the tree can be updated"
fi
if [ "$old" != "$built" ] && [ "$(git -C "$SRC" rev-parse "$old^{tree}")" != "$(git -C "$SRC" rev-parse "$new^{tree}")" ]; then
    die "${SRC#$TOP/} has commits that are not in ${LINE#$TOP/}/patches/: run 'make export' to bring them into the repository first, or 'make tree-reset' to drop them"
fi
git -C "$SRC" read-tree -m -u "$old" "$new" || die "could not move ${SRC#$TOP/} to the new series"
git -C "$SRC" update-ref refs/heads/main "$new"
git -C "$SRC" update-ref refs/qemu-cxl/built "$new"
step "${SRC#$TOP/}: $(git -C "$SRC" rev-list --count base..main) commits on the base"
