#!/usr/bin/env bash
# Bring work done in build/src back into the repository: every commit on
# top of "base" becomes an entry of patches/series, its edits to QEMU files
# and to files of ours that earlier commits added a patch in patches/, and
# the files it adds (new files at QEMU paths) are named under its entry and
# copied to the repository with their final content (tree.sh works out the
# content each commit adds). Commit in build/src first; then `make export`.
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"

[ -d "$SRC/.git" ] || die "no ${SRC#$TOP/} yet: run 'make tree' first"
git -C "$SRC" diff --quiet HEAD && git -C "$SRC" diff --cached --quiet HEAD \
    || die "${SRC#$TOP/} has uncommitted changes: commit them there (git commit, or git commit --amend) and run 'make export' again"
untracked=$(git -C "$SRC" ls-files --others --exclude-standard)
[ -z "$untracked" ] || die "${SRC#$TOP/} has untracked files ($(echo $untracked | head -c 200)): git add and commit them, or remove them"

in_base() { git -C "$SRC" cat-file -e "base:$1" 2>/dev/null; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/patches"
: > "$work/series"
: > "$work/owned"
n=0
for c in $(git -C "$SRC" rev-list --reverse base..HEAD); do
    n=$((n + 1))
    name=$(printf '%04d-%s.patch' "$n" "$(git -C "$SRC" log -1 --format=%f "$c")")
    edits=() added=()
    while IFS=$'\t' read -r st path; do
        if in_base "$path"; then
            edits+=("$path")
        elif ! grep -qxF "$path" "$work/owned"; then
            [ "$st" = D ] && continue
            added+=("$path")
            echo "$path" >> "$work/owned"
        else
            # A file of ours that an earlier commit added: this commit's
            # change to it stays in this commit's patch.
            [ "$st" = D ] && die "$(git -C "$SRC" log -1 --format=%s "$c") deletes $path, which an earlier commit adds: drop it from that commit instead"
            edits+=("$path")
        fi
    done < <(git -C "$SRC" diff-tree -r --no-commit-id --name-status "$c^" "$c")
    {
        git -C "$SRC" log -1 --format='From: %an <%ae>%nDate: %aD%nSubject: [PATCH] %s%n%n%b' "$c" | sed -e '${/^$/d}'
        echo "---"
        if [ ${#edits[@]} -gt 0 ]; then
            git -C "$SRC" diff --stat=72 "$c^" "$c" -- "${edits[@]}"
            echo
            git -C "$SRC" diff --full-index --binary "$c^" "$c" -- "${edits[@]}"
        fi
    } > "$work/patches/$name"
    { echo "$name"; for f in "${added[@]}"; do echo "    $f"; done; } >> "$work/series"
done

# Never overwrite an edit made to one of our files in the repository since
# the tree was last laid: that edit is not in build/src.
conflicts=()
while IFS= read -r f; do
    [ -f "$LINE/$f" ] || continue
    repo_blob=$(git -C "$SRC" hash-object "$LINE/$f")
    built_blob=$(git -C "$SRC" rev-parse -q --verify "refs/qemu-cxl/built:$f" 2>/dev/null || true)
    head_blob=$(git -C "$SRC" rev-parse -q --verify "HEAD:$f" 2>/dev/null || true)
    if [ "$repo_blob" != "$built_blob" ] && [ "$repo_blob" != "$head_blob" ]; then
        conflicts+=("$f")
    fi
done < "$work/owned"
[ ${#conflicts[@]} = 0 ] || die "these files changed in the repository since ${SRC#$TOP/} was laid, and ${SRC#$TOP/} has other versions: ${conflicts[*]}. Copy your edits into ${SRC#$TOP/} and commit them there (or discard them there), then export again"

# Overlay files: the final content of every file the series adds.
while IFS= read -r f; do
    mkdir -p "$LINE/$(dirname "$f")"
    git -C "$SRC" show "HEAD:$f" > "$work/blob"
    cmp -s "$work/blob" "$LINE/$f" 2>/dev/null || cp "$work/blob" "$LINE/$f"
    mode=$(git -C "$SRC" ls-tree HEAD -- "$f" | awk '{print $1}')
    if [ "$mode" = 100755 ]; then chmod +x "$LINE/$f"; else chmod -x "$LINE/$f"; fi
done < "$work/owned"
for f in $(overlay_files); do
    grep -qxF "$f" "$work/owned" || { say "removing $f: the series no longer adds it"; git -C "$LINE" rm -q -f "$f"; }
done

# Keep the cuts into several series ("#=series NAME" lines): each stays
# before the entry it preceded, found by its name without the number.
python3 - "$SERIES_FILE" "$work/series" <<'PY' || die "could not carry the '#=series' lines over"
import re, sys
old_path, new_path = sys.argv[1], sys.argv[2]
slug = lambda name: re.sub(r'^[0-9]{4}-', '', name.strip())
cuts, pending = {}, []
try:
    old = open(old_path).read().split('\n')
except FileNotFoundError:
    old = []
for line in old:
    if line.startswith('#=series'):
        pending.append(line)
    elif line and not line[0].isspace() and not line.startswith('#') and pending:
        cuts[slug(line)] = pending
        pending = []
out = []
for line in open(new_path).read().split('\n'):
    if line and not line[0].isspace():
        out.extend(cuts.pop(slug(line), []))
    out.append(line)
for lines in cuts.values():
    for l in lines:
        print("note: '%s' dropped: the entry it preceded is gone" % l, file=sys.stderr)
open(new_path, 'w').write('\n'.join(out))
PY
{
    echo "# The qemu-cxl series, in order: a patch (edits to existing QEMU files,"
    echo "# with its commit message) and, indented below it, the new files of ours"
    echo "# that the same commit adds. A line '#=series NAME' starts series NAME"
    echo "# (cover letter: patches/covers/NAME.txt). Written by 'make export';"
    echo "# editing by hand is fine."
    cat "$work/series"
} > "$work/series.full"
rm -f "$LINE"/patches/*.patch
cp "$work/patches/"*.patch "$LINE/patches/" 2>/dev/null || true
cp "$work/series.full" "$SERIES_FILE"
say "exported $n commits from ${SRC#$TOP/} into ${LINE#$TOP/}/patches/ ($(grep -c . "$work/owned") new files)"
# Re-derive the tree from what was exported: it must give the same content.
bash "$TOP/scripts/tree.sh"
