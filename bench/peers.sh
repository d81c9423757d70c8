#!/usr/bin/env bash
# Fetch a peer QEMU for `make bench`: Debian's qemu-system-x86 7.2
# (bookworm) or 10.0 (bookworm-backports), downloaded with apt-get download
# and unpacked with dpkg -x into ${QEMU_CXL_CACHE}/peers/VERSION/root, with
# the firmware (seabios) and the shared libraries it needs that the host
# may lack; never installed system-wide.
#
#   bench/peers.sh VERSION      (7.2 or 10.0)
#
# Exit status 0 when bench/peer-qemu-VERSION runs (prints its -version),
# non-zero with the reason on stderr otherwise. Idempotent: a complete
# folder is reused.
. "$(dirname "$0")/../scripts/lib.sh"
v=${1:?usage: bench/peers.sh 7.2|10.0}
case $v in
    7.2) suite=bookworm ;;
    10.0) suite=bookworm-backports ;;
    *) die "unknown peer $v (7.2 or 10.0)" ;;
esac
dir=$QEMU_CXL_CACHE/peers/$v
wrapper=$TOP/bench/peer-qemu-$v
if [ -f "$dir/complete" ]; then
    "$wrapper" -version | head -n 1
    exit 0
fi
command -v apt-get >/dev/null || die "apt-get not found: cannot fetch QEMU $v"
if [ $suite = bookworm-backports ] && ! apt-cache policy qemu-system-x86 2>/dev/null | grep -q bookworm-backports; then
    [ "$(id -u)" = 0 ] || die "bookworm-backports is not an apt source and we are not root to add it"
    grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/ ||
        echo "deb http://deb.debian.org/debian bookworm-backports main" \
            > /etc/apt/sources.list.d/qemu-cxl-bookworm-backports.list
    apt-get update -qq >&2 || die "apt-get update failed"
fi
rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/root"
download() {   # apt-get download PACKAGE... into $dir/debs
    (cd "$dir/debs" && apt-get download -q "$@") >&2 2> >(grep -v "unsandboxed" >&2)
}
# QEMU and its firmware, then, until nothing is missing, every package the
# downloaded ones depend on that the host has not installed (shared
# libraries mostly: libcapstone4, libpmem1, librdmacm1, ... here; FACTS.md).
first=("qemu-system-x86/$suite" "qemu-system-common/$suite" "qemu-system-data/$suite" seabios/bookworm)
if ! download "${first[@]}"; then
    # Stale package lists name versions the mirror no longer has
    { [ "$(id -u)" = 0 ] && apt-get update -qq >&2 && download "${first[@]}"; } ||
        die "apt-get download of QEMU $v failed"
fi
for round in 1 2 3 4 5 6; do
    have=$(for d in "$dir"/debs/*.deb; do dpkg-deb -f "$d" Package; done | sort -u)
    want=$(for d in "$dir"/debs/*.deb; do dpkg-deb -f "$d" Depends; done |
        tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' | grep . | sort -u |
        while read -r p; do
            echo "$have" | grep -qx "$p" && continue
            dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" && continue
            apt-cache show --no-all-versions "$p" >/dev/null 2>&1 || continue   # virtual
            echo "$p"
        done)
    [ -n "$want" ] || break
    download $want || die "apt-get download of $(echo $want) for QEMU $v failed"
done
for d in "$dir"/debs/*.deb; do
    dpkg -x "$d" "$dir/root" || die "dpkg -x $d failed"
done
missing=$(LD_LIBRARY_PATH=$dir/root/usr/lib/x86_64-linux-gnu:$dir/root/lib/x86_64-linux-gnu \
    ldd "$dir/root/usr/bin/qemu-system-x86_64" | grep "not found" || true)
[ -z "$missing" ] || die "QEMU $v still misses libraries: $missing"
"$wrapper" -version | head -n 1 || die "QEMU $v does not run"
touch "$dir/complete"
