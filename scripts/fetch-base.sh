#!/usr/bin/env bash
# Fetch Debian's qemu source at the pinned version, check it against
# base/SHA256SUMS and prepare the pristine base in $QEMU_CXL_CACHE/base.
. "$(dirname "$0")/lib.sh"

DL=$QEMU_CXL_CACHE/dl
STAMP=$BASE_DIR.stamp
want_stamp=$(cat "$TOP/base/VERSION" "$TOP/base/SHA256SUMS" "$TOP/base/debian-patches.txt" | sha256sum | cut -d' ' -f1)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ]; then
    exit 0
fi

mkdir -p "$DL"
files=$(awk '{print $2}' "$TOP/base/SHA256SUMS")
need=0
for f in $files; do [ -f "$DL/$f" ] || need=1; done
if [ $need = 1 ]; then
    step "downloading Debian source qemu=$BASE_VERSION"
    command -v apt-get >/dev/null || die "apt-get not found: the base is Debian's qemu source package"
    (cd "$DL" && apt-get source -q --download-only "qemu=$BASE_VERSION" >/dev/null 2>"$DL/apt.err") \
        || die "apt-get source qemu=$BASE_VERSION failed: $(tail -n 2 "$DL/apt.err")"
fi

step "checking base checksums (base/SHA256SUMS)"
(cd "$DL" && sha256sum --quiet -c "$TOP/base/SHA256SUMS" >"$DL/sha.out" 2>&1) || {
    cat "$DL/sha.out" >&2
    die "checksum mismatch in $DL for the QEMU base: refusing to build. Delete the files there to download again, or fix base/SHA256SUMS if the pinned version changed."
}

step "unpacking base into $BASE_DIR"
tmp=$(mktemp -d "$QEMU_CXL_CACHE/base.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dsc=$(awk '/\.dsc$/ {print $2}' "$TOP/base/SHA256SUMS")
dpkg-source --no-check -x "$DL/$dsc" "$tmp/$BASE_DIRNAME" >"$tmp/dpkg-source.log" 2>&1 \
    || { cat "$tmp/dpkg-source.log" >&2; die "dpkg-source -x failed"; }
# Reverse the Debian packaging patches we drop (base/debian-patches.txt).
grep -E '^drop[[:space:]]' "$TOP/base/debian-patches.txt" | awk '{print $2}' | while read -r p; do
    patch -s -R -p1 -d "$tmp/$BASE_DIRNAME" < "$tmp/$BASE_DIRNAME/debian/patches/$p" \
        || die "reverting Debian patch $p failed"
done
rm -rf "$tmp/$BASE_DIRNAME/.pc"
rm -rf "$BASE_DIR"
mkdir -p "$(dirname "$BASE_DIR")"
mv "$tmp/$BASE_DIRNAME" "$BASE_DIR"
echo "$want_stamp" > "$STAMP"
