# Common settings for the qemu-cxl build scripts. Sourced, not run.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE_VERSION=$(cat "$TOP/base/VERSION")
BASE_UPSTREAM=5.2+dfsg
BASE_DIRNAME=qemu-$BASE_UPSTREAM

# Everything downloaded or cached lives outside the clone so that fresh
# clones (CI) reuse it: the Debian source, the prepared base, ccache, the
# guest kernel and packages.
if [ -z "${QEMU_CXL_CACHE:-}" ]; then
    if [ "$(id -u)" = 0 ]; then
        QEMU_CXL_CACHE=/var/cache/qemu-cxl
    else
        QEMU_CXL_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/qemu-cxl
    fi
fi
export QEMU_CXL_CACHE
export CCACHE_DIR=${CCACHE_DIR:-$QEMU_CXL_CACHE/ccache}
# Compile lines name files relative to the build directory; base_dir makes
# the absolute include paths relative too, so clones in other folders hit.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$TOP}
export CCACHE_NOHASHDIR=1

BUILD=$TOP/build
SRC=$BUILD/src                 # git tree: pristine base + our series
OBJ=$BUILD/qemu                # meson build directory of $SRC
BASE_DIR=$QEMU_CXL_CACHE/base/$BASE_DIRNAME   # prepared pristine base

say()  { printf '%s\n' "$*"; }
die()  { printf 'qemu-cxl: error: %s\n' "$*" >&2; exit 1; }
step() { printf '== %s\n' "$*"; }

# kvm_works QEMU: true when KVM really runs a guest here. /dev/kvm can
# exist, open fine and even run SeaBIOS while a Linux guest never makes
# progress (seen on nested setups), so boot the guest kernel under KVM with
# an init that cannot exist and wait for the kernel to get that far.
# Without a prepared guest kernel, say no: TCG always works.
kvm_works() {
    local qemu=$1 kernel=$BUILD/guest/vmlinuz d rc=1
    [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ -f "$kernel" ] || return 1
    if [ -f "$BUILD/kvm-works" ] && [ "$BUILD/kvm-works" -nt "$kernel" ]; then
        return "$(cat "$BUILD/kvm-works")"
    fi
    d=$(mktemp -d)
    # QEMU may abort under a broken KVM: the subshell (not exec'd, for the
    # "|| true") reports that to its own stderr, /dev/null, not to ours.
    ( timeout 30 "$qemu" -accel kvm -M q35 -cpu max -m 256 -nodefaults -no-user-config \
        -display none -monitor none -no-reboot -serial "file:$d/console" \
        -kernel "$kernel" -append "console=ttyS0 panic=-1 init=/qemu-cxl-kvm-probe" \
        || true ) >/dev/null 2>&1
    grep -qs "qemu-cxl-kvm-probe" "$d/console" && rc=0
    rm -rf "$d"
    echo $rc > "$BUILD/kvm-works"
    return $rc
}

# without_kvm CMD...: run CMD where /dev/kvm cannot be opened as KVM, so
# that QEMU's "-accel kvm -accel tcg" falls back to TCG. Used when kvm_works
# says no; needs a private mount namespace (root).
without_kvm() {
    if [ -e /dev/kvm ] && command -v unshare >/dev/null && [ "$(id -u)" = 0 ]; then
        unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$@"' sh "$@"
    else
        "$@"
    fi
}

# configure_qemu DIR ARGS...: configure the tree (build/src) into build
# directory DIR with QEMU configure's ARGS, unless it already is.
configure_qemu() {
    local dir=$1; shift
    local want; want=$(printf '%s\n' "$@")
    mkdir -p "$dir"
    if [ ! -f "$dir/build.ninja" ] || [ "$(cat "$dir/.qemu-cxl-configure" 2>/dev/null)" != "$want" ]; then
        step "configuring QEMU in ${dir#$TOP/}"
        (cd "$dir" && "$SRC/configure" "$@" > configure.log 2>&1) || {
            tail -n 30 "$dir/configure.log" >&2
            die "configure failed (log: ${dir#$TOP/}/configure.log)"
        }
        echo "$want" > "$dir/.qemu-cxl-configure"
    fi
}

# link_firmware DIR: the main build's firmware (build/qemu/pc-bios), file by
# file, into another build directory's pc-bios/ (configure made that one).
link_firmware() {
    local f
    mkdir -p "$1/pc-bios"
    for f in "$OBJ"/pc-bios/*.bin "$OBJ"/pc-bios/*.rom; do
        ln -sfn "$(readlink -f "$f")" "$1/pc-bios/$(basename "$f")"
    done
}
