#!/usr/bin/env bash
# Apply a line's series (`make series`) with `git am` to a pristine base
# and check that it gives exactly the tree we build (the same git tree
# hash as build/src or build/10.0/src, whose binaries make check tests),
# and that no patch's meson.build names a source file the patch lacks.
# Then build it patch by patch (below), so that a patch that does not
# build on its own is found.
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

# Build the applied series patch by patch, forward, incrementally in one
# folder (build/series-check/obj, build/10.0/series-check/obj):
# qemu-system-x86_64, qemu-system-aarch64 and, once a patch has it, the
# unit test of the interleave arithmetic, which runs; a compiler warning
# in a CXL file fails too (series_cxl_warnings).
# SERIES_BUILD=all (make check-series-full) builds after every patch and
# runs the CXL qtests (x86_64) that the patch has; the default, in make
# check, after a fixed sample: the end of each series (QEMU with the core
# series alone, as a maintainer takes them), the CXL patches that bring a
# layer (series_build_sample), and the last patch. build.sh's own
# configure options: ccache then serves every object of the series tree
# from the line's build (the same relative paths, ../src, and
# CCACHE_BASEDIR), so a cold run does not compile twice.
# SERIES_FROM=N skips the builds before patch N (a full run that was
# stopped goes on from there); git am and the tree check still cover all.
mode=${SERIES_BUILD:-sample}
from=${SERIES_FROM:-1}
[[ "$from" =~ ^[1-9][0-9]*$ ]] || die "SERIES_FROM must be a patch number, not '$from'"
line_configure_args
if [ "$QEMU_CXL_LINE" = 5.2 ]; then
    unit_test=tests/test-cxl-decode
    all_qtests=(cxl-test cxl-interleave-test cxl-switch-test cxl-migration-test cxl-fuzz-test)
else
    # 10.0: meson >= 1.5 from bookworm-backports, as build.sh has it
    PYTHONPATH=$(bash "$TOP/scripts/meson.sh")
    export PYTHONPATH
    unit_test=tests/unit/test-cxl-interleave
    # upstream's cxl-test at every patch, and ours once a patch has them
    all_qtests=(cxl-test cxl-hostile-test cxl-mailbox-test cxl-commit-test
                cxl-interleave-test cxl-switch-test cxl-window-map-test
                cxl-migration-test cxl-dcd-test)
fi
SRC=$dir/src configure_qemu "$dir/obj" "${CONFIGURE_ARGS[@]}"
qtests=()
if [ "$mode" = all ]; then
    qtests=("${all_qtests[@]}")
    link_firmware "$dir/obj"
fi
mapfile -t applied < <(git -C "$dir/src" rev-list --reverse base..HEAD)
declare -A pick=()
picks=$(for c in "${applied[@]}"; do git -C "$dir/src" log -1 --format=%s "$c"; done |
        series_build_picks "$mode") || die "cannot choose the patches to build after"
while read -r i why; do pick[$i]=$why; done <<< "$picks"
built=0
for ((i = 0; i < n; i++)); do
    [ -n "${pick[$i]:-}" ] && [ $((i + 1)) -ge "$from" ] || continue
    at=${applied[$i]}
    subject=$(git -C "$dir/src" log -1 --format=%s "$at")
    git -C "$dir/src" checkout -q "$at"
    log=$dir/obj/build-$((i + 1)).log
    targets=(qemu-system-x86_64 qemu-system-aarch64)
    unit=""
    [ ! -f "$dir/src/$unit_test.c" ] || { unit=$unit_test; targets+=("$unit"); }
    step "building patch $((i + 1))/$n (${pick[$i]}): $subject"
    ninja -C "$dir/obj" "${targets[@]}" > "$log" 2>&1 \
        || { grep -E -A8 'error:|FAILED' "$log" | tail -n 40 >&2; die "the series does not build at patch $((i + 1)), $subject (log: ${log#$TOP/})"; }
    warn=$(series_cxl_warnings < "$log")
    [ -z "$warn" ] || die "the CXL code warns at patch $((i + 1)), $subject (log: ${log#$TOP/}):"$'\n'"$warn"
    if [ -n "$unit" ]; then
        "$dir/obj/$unit" > "$log.test" 2>&1 \
            || { tail -n 20 "$log.test" >&2; die "$unit fails at patch $((i + 1)), $subject"; }
    fi
    # make check-series-full: the CXL qtests that the patch has pass
    for t in "${qtests[@]}"; do
        [ -f "$dir/src/tests/qtest/$t.c" ] || continue
        ninja -C "$dir/obj" "tests/qtest/$t" >> "$log" 2>&1 \
            || { grep -E -A8 'error:|FAILED' "$log" | tail -n 40 >&2; die "tests/qtest/$t does not build at patch $((i + 1)), $subject"; }
        warn=$(series_cxl_warnings < "$log")
        [ -z "$warn" ] || die "tests/qtest/$t warns at patch $((i + 1)), $subject (log: ${log#$TOP/}):"$'\n'"$warn"
        (cd "$dir/obj" && QTEST_QEMU_BINARY=./qemu-system-x86_64 "tests/qtest/$t") > "$log.$t" 2>&1 \
            || { grep -v '^ok' "$log.$t" | tail -n 20 >&2; die "tests/qtest/$t fails at patch $((i + 1)), $subject (log: ${log#$TOP/}.$t)"; }
    done
    built=$((built + 1))
done
git -C "$dir/src" checkout -q main
step "series: $n patches apply with git am; built (x86_64, aarch64, unit test) after $built of them"
