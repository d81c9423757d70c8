#!/usr/bin/env bash
# Apply a line's series (`make series`) with `git am` to a pristine base
# and check that it gives exactly the tree we build (the same git tree
# hash as build/src or build/10.0/src, whose binaries make check tests),
# and that no patch's meson.build names a source file the patch lacks.
# On the 5.2 line, also build qemu-system-x86_64 from the applied tree in
# a folder of its own (build/series-check): the series alone builds, and
# so does the tree at the end of each series it is cut into (the core
# series without the CXL one). The 10.0 line's series gives the same
# tree, by hash, as the one its build compiles, so it is not built a
# second time.
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"

use_stand_in_identity_if_none
bash "$TOP/scripts/series.sh"
series=$LINE_BUILD/series
signoff="Signed-off-by: $(git -C "$TOP" config user.name) <$(git -C "$TOP" config user.email)>"
mapfile -t patches < <(series_patches "$series")
for p in "${patches[@]}"; do
    grep -qxF "$signoff" "$p" || die "${p#$TOP/} has no '$signoff'"
done
dir=$LINE_BUILD/series-check
rel=${series#$TOP/}
rm -rf "$dir/src"
mkdir -p "$dir"
git clone -q --no-checkout "$BASE_REPO" "$dir/src"
git -C "$dir/src" checkout -q -B main base
n=${#patches[@]}
step "QEMU $QEMU_CXL_LINE: applying the $n patches of $rel/ with git am to a pristine base"
if [ "$n" != 0 ]; then
    git -C "$dir/src" -c user.name=qemu-cxl -c user.email=qemu-cxl@localhost \
        am -q --committer-date-is-author-date "${patches[@]}" \
        || die "the QEMU $QEMU_CXL_LINE series does not apply with git am to the pristine base"
fi
# Each patch's build names only files that exist once it is applied
missing=""
for c in $(git -C "$dir/src" rev-list --reverse base..HEAD); do
    m=$(meson_names_missing "$dir/src" "$c")
    [ -z "$m" ] || missing+="$(git -C "$dir/src" log -1 --format='%s' "$c"):"$'\n'"$(sed 's/^/    /' <<< "$m")"$'\n'
done
[ -z "$missing" ] || die "in the QEMU $QEMU_CXL_LINE series, a meson.build names files that its patch does not have yet:"$'\n'"$missing"
got=$(git -C "$dir/src" rev-parse 'HEAD^{tree}')
want=$(git -C "$SRC" rev-parse 'main^{tree}')
[ "$got" = "$want" ] || die "the QEMU $QEMU_CXL_LINE series applied with git am gives another tree than ${SRC#$TOP/} ($got != $want)"

if [ "$QEMU_CXL_LINE" = 5.2 ]; then
    step "building qemu-system-x86_64 from the applied series (${dir#$TOP/})"
    # build.sh's own configure options: ccache then serves every object
    # of the series tree from the line's build (the same relative paths,
    # ../src, and CCACHE_BASEDIR), so a cold run does not compile twice.
    line_configure_args
    SRC=$dir/src configure_qemu "$dir/obj" "${CONFIGURE_ARGS[@]}"
    ninja -C "$dir/obj" qemu-system-x86_64 > "$dir/obj/build.log" 2>&1 \
        || { grep -E -A8 'error:|FAILED' "$dir/obj/build.log" | tail -n 40 >&2; die "the series tree does not build (log: ${dir#$TOP/}/obj/build.log)"; }
    # Each series but the last must also build on its own, applied with
    # the ones before it: a maintainer takes them one at a time. Build the
    # tree at the last patch of each (incrementally, in the same folder).
    mapfile -t applied < <(git -C "$dir/src" rev-list --reverse base..HEAD)
    mapfile -t cuts < <(series_groups)
    built=()
    for ((g = 1; g < ${#cuts[@]}; g++)); do
        end=$(( ${cuts[$g]%% *} - 1 )) prev=${cuts[$((g - 1))]#* }
        at=${applied[$end]}
        git -C "$dir/src" checkout -q "$at"
        step "building qemu-system-x86_64 at the end of series $prev (patch $((end + 1)): $(git -C "$dir/src" log -1 --format=%s "$at"))"
        ninja -C "$dir/obj" qemu-system-x86_64 > "$dir/obj/build-$prev.log" 2>&1 \
            || { grep -E -A8 'error:|FAILED' "$dir/obj/build-$prev.log" | tail -n 40 >&2; die "the tree at the end of series $prev does not build (log: ${dir#$TOP/}/obj/build-$prev.log)"; }
        built+=("$prev")
    done
    git -C "$dir/src" checkout -q main
    step "series: $n patches apply with git am and build, as the whole series${built[*]:+ and at the end of series ${built[*]}}"
else
    step "series: $n patches apply with git am and give the tree that ${SRC#$TOP/} builds"
fi
