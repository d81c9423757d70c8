#!/usr/bin/env bash
# Apply build/series/ with `git am` to a pristine base, check that it gives
# exactly the tree we build, and build qemu-system-x86_64 from it.
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"

bash "$TOP/scripts/series.sh"
dir=$BUILD/series-check
rm -rf "$dir/src"
mkdir -p "$dir"
git clone -q --no-checkout "$BASE_REPO" "$dir/src"
git -C "$dir/src" checkout -q -B main base
step "applying build/series/*.patch with git am to a pristine base"
if ls "$BUILD"/series/*.patch >/dev/null 2>&1; then
    git -C "$dir/src" -c user.name=qemu-cxl -c user.email=qemu-cxl@localhost \
        am -q --committer-date-is-author-date "$BUILD"/series/*.patch \
        || die "the series does not apply with git am to the pristine base"
fi
got=$(git -C "$dir/src" rev-parse 'HEAD^{tree}')
want=$(git -C "$SRC" rev-parse 'main^{tree}')
[ "$got" = "$want" ] || die "the series applied with git am gives another tree than build/src ($got != $want)"

step "building qemu-system-x86_64 from the applied series (build/series-check)"
mkdir -p "$dir/obj"
if [ ! -f "$dir/obj/build.ninja" ]; then
    (cd "$dir/obj" && ../src/configure --target-list=x86_64-softmmu --disable-docs --disable-werror \
        --cc="ccache gcc" --cxx="ccache g++" --host-cc="ccache gcc" > configure.log 2>&1) \
        || { tail -n 30 "$dir/obj/configure.log" >&2; die "configure of the series tree failed"; }
fi
ninja -C "$dir/obj" qemu-system-x86_64 > "$dir/obj/build.log" 2>&1 \
    || { grep -E -A8 'error:|FAILED' "$dir/obj/build.log" | tail -n 40 >&2; die "the series tree does not build (log: build/series-check/obj/build.log)"; }
step "series: $(ls "$BUILD"/series/*.patch 2>/dev/null | wc -l) patches apply with git am and build"
