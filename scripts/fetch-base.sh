#!/usr/bin/env bash
# Fetch Debian's qemu source at the line's pinned version
# (qemu-LINE/base/VERSION), check it against qemu-LINE/base/SHA256SUMS and
# prepare the pristine base in $QEMU_CXL_CACHE/base/.
#
# The 5.2 line's source comes through the host's apt (scripts/deps.sh adds
# the deb-src entry for bullseye-security). A line whose base/ holds a
# sources.list (the 10.0 line: trixie) is fetched with a private apt
# configuration of its own, so the host's sources and candidates stay as
# they are.
. "$(dirname "$0")/lib.sh"

DL=$QEMU_CXL_CACHE/dl
STAMP=$BASE_DIR.stamp
want_stamp=$(cat "$LINE/base/VERSION" "$LINE/base/SHA256SUMS" "$LINE/base/debian-patches.txt" | sha256sum | cut -d' ' -f1)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ]; then
    exit 0
fi

mkdir -p "$DL"
files=$(awk '{print $2}' "$LINE/base/SHA256SUMS")
need=0
for f in $files; do [ -f "$DL/$f" ] || need=1; done
if [ $need = 1 ]; then
    step "downloading Debian source qemu=$BASE_VERSION"
    command -v apt-get >/dev/null || die "apt-get not found: the base is Debian's qemu source package"
    if [ -f "$LINE/base/sources.list" ]; then
        apt_src=(private_apt "src-$QEMU_CXL_LINE" "$LINE/base/sources.list")
        "${apt_src[@]}" apt-get update -q > "$DL/apt.err" 2>&1 \
            || die "apt-get update for the $QEMU_CXL_LINE base failed: $(grep -E '^(E|W):' "$DL/apt.err" | tail -n 2)"
    else
        apt_src=()
    fi
    (cd "$DL" && "${apt_src[@]}" apt-get source -q --download-only "qemu=$BASE_VERSION" >/dev/null 2>"$DL/apt.err") \
        || die "apt-get source qemu=$BASE_VERSION failed: $(tail -n 2 "$DL/apt.err")"
fi

step "checking base checksums (${LINE#$TOP/}/base/SHA256SUMS)"
(cd "$DL" && sha256sum --quiet -c "$LINE/base/SHA256SUMS" >"$DL/sha.out" 2>&1) || {
    cat "$DL/sha.out" >&2
    die "checksum mismatch in $DL for the QEMU base: refusing to build. Delete the files there to download again, or fix ${LINE#$TOP/}/base/SHA256SUMS if the pinned version changed."
}

step "unpacking base into $BASE_DIR"
tmp=$(mktemp -d "$QEMU_CXL_CACHE/base.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dsc=$(awk '/\.dsc$/ {print $2}' "$LINE/base/SHA256SUMS")
dpkg-source --no-check -x "$DL/$dsc" "$tmp/$BASE_DIRNAME" >"$tmp/dpkg-source.log" 2>&1 \
    || { cat "$tmp/dpkg-source.log" >&2; die "dpkg-source -x failed"; }
# Reverse the Debian packaging patches we drop (base/debian-patches.txt).
# (A line may drop none: awk, unlike grep, does not fail on no match.)
for p in $(awk '$1 == "drop" {print $2}' "$LINE/base/debian-patches.txt"); do
    patch -s -R -p1 -d "$tmp/$BASE_DIRNAME" < "$tmp/$BASE_DIRNAME/debian/patches/$p" \
        || die "reverting Debian patch $p failed"
done
rm -rf "$tmp/$BASE_DIRNAME/.pc"
rm -rf "$BASE_DIR"
mkdir -p "$(dirname "$BASE_DIR")"
mv "$tmp/$BASE_DIRNAME" "$BASE_DIR"
echo "$want_stamp" > "$STAMP"
