#!/usr/bin/env bash
# `make series`: write a line's whole qemu-cxl change as git format-patch
# series against its base, ready for `git am` on that QEMU:
#   5.2:  build/series/       (Debian's QEMU 5.2)
#   10.0: build/10.0/series/  (Debian 13's QEMU 10.0)
# A line whose patches/series is cut into several ("#=series NAME" lines)
# gets one folder per series, NN-NAME/, in the order they apply, each
# with a cover letter (0000-cover-letter.patch) from patches/covers/NAME.txt;
# otherwise the patches are written in the folder itself.
# Every patch carries a Signed-off-by of the identity configured in git
# here (user.name, user.email): the one who sends the series certifies
# the Developer's Certificate of Origin. Without one, no series.
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"

name=$(git -C "$TOP" config user.name || true)
email=$(git -C "$TOP" config user.email || true)
[ -n "$name" ] && [ -n "$email" ] \
    || die "make series: no git identity to sign the patches off with: set one (git config user.name 'Your Name'; git config user.email you@example.org); each patch carries 'Signed-off-by: user.name <user.email>'"

bash "$TOP/scripts/tree.sh"
out=$LINE_BUILD/series
rm -rf "$out"
mkdir -p "$out"
fp() { git -C "$SRC" -c user.name="$name" -c user.email="$email" format-patch -q --no-signature --signoff "$@"; }

mapfile -t commits < <(git -C "$SRC" rev-list --reverse base..main)
mapfile -t groups < <(series_groups)
if [ ${#groups[@]} = 0 ]; then
    fp -o "$out" base..main
    n=$(ls "$out" | wc -l)
    step "QEMU $QEMU_CXL_LINE: wrote $n patches to ${out#$TOP/}/, signed off by $name <$email> (apply with: git am ${out#$TOP/}/*.patch)"
    exit 0
fi
[ "${groups[0]%% *}" = 0 ] || die "patches/series: entries before the first '#=series NAME' line"
for ((g = 0; g < ${#groups[@]}; g++)); do
    first=${groups[$g]%% *} gname=${groups[$g]#* }
    if [ $((g + 1)) -lt ${#groups[@]} ]; then last=$(( ${groups[$((g + 1))]%% *} - 1 )); else last=$(( ${#commits[@]} - 1 )); fi
    [ "$last" -ge "$first" ] || die "patches/series: series $gname has no entries"
    cover=$LINE/patches/covers/$gname.txt
    [ -f "$cover" ] || die "patches/series: series $gname has no cover letter (${cover#$TOP/})"
    dir=$out/$(printf '%02d' $((g + 1)))-$gname
    fp --cover-letter -o "$dir" "${commits[$first]}^..${commits[$last]}"
    # The cover letter: its subject and body from covers/NAME.txt, then
    # what format-patch wrote (the shortlog and diffstat).
    python3 - "$dir/0000-cover-letter.patch" "$cover" <<'PY'
import sys
path, cover = sys.argv[1], sys.argv[2]
text = open(cover).read().strip('\n').split('\n')
subject, body = text[0], '\n'.join(text[2:] if len(text) > 1 and text[1] == '' else text[1:])
letter = open(path).read()
assert '*** SUBJECT HERE ***' in letter and '*** BLURB HERE ***' in letter, path
letter = letter.replace('*** SUBJECT HERE ***', subject, 1).replace('*** BLURB HERE ***', body, 1)
open(path, 'w').write(letter)
PY
done
n=$(ls "$out"/*/*.patch | grep -vc '/0000-cover-letter.patch$')
step "QEMU $QEMU_CXL_LINE: wrote $n patches in ${#groups[@]} series to ${out#$TOP/}/ ($(cd "$out" && echo */ | tr -d /)), each with a cover letter, signed off by $name <$email> (apply them in order with git am, leaving out each 0000-cover-letter.patch)"
