# Common settings for the qemu-cxl build scripts. Sourced, not run.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

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

# Two lines, one folder each: qemu-5.2/ (Debian's QEMU 5.2, our complete
# from-scratch series) and qemu-10.0/ (Debian 13's QEMU 10.0 with its own
# CXL). A folder holds its base pin (base/), its series (patches/) and our
# files at QEMU's paths. QEMU_CXL_LINE picks the line a script works on.
#
# line_vars: the variables of line $QEMU_CXL_LINE. check.sh switches line
# by setting QEMU_CXL_LINE and calling it again.
#   LINE        qemu-5.2/ or qemu-10.0/: base pin, patches, our files
#   LINE_BUILD  build/ (5.2: build/src, build/qemu, build/qemu-system-*)
#               or build/10.0/ (the same names below it)
#   SRC, OBJ    the line's git tree (base + series) and meson build folder
#   BASE_*      the line's Debian source package and its prepared copy
line_vars() {
    case "$QEMU_CXL_LINE" in
        5.2|10.0) ;;
        *) printf 'qemu-cxl: error: QEMU_CXL_LINE=%s: expected 5.2 or 10.0\n' "$QEMU_CXL_LINE" >&2; exit 1 ;;
    esac
    export QEMU_CXL_LINE
    LINE=$TOP/qemu-$QEMU_CXL_LINE
    BASE_VERSION=$(cat "$LINE/base/VERSION")
    BASE_UPSTREAM=${BASE_VERSION#*:}          # 1:10.0.13+ds-0+deb13u1 -> 10.0.13+ds
    BASE_UPSTREAM=${BASE_UPSTREAM%-*}
    BASE_DIRNAME=qemu-$BASE_UPSTREAM
    if [ "$QEMU_CXL_LINE" = 5.2 ]; then
        LINE_BUILD=$BUILD
        BASE_REPO=$QEMU_CXL_CACHE/base.git
    else
        LINE_BUILD=$BUILD/$QEMU_CXL_LINE
        BASE_REPO=$QEMU_CXL_CACHE/base-$QEMU_CXL_LINE.git
    fi
    SRC=$LINE_BUILD/src
    OBJ=$LINE_BUILD/qemu
    BASE_DIR=$QEMU_CXL_CACHE/base/$BASE_DIRNAME
}
QEMU_CXL_LINE=${QEMU_CXL_LINE:-5.2}
line_vars

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

# private_apt NAME SOURCES CMD ARGS...: run apt-get/apt-cache CMD with
# SOURCES (a sources.list file) as its only sources and its own lists and
# cache in $QEMU_CXL_CACHE/apt-NAME. It reads the host's apt.conf.d
# (proxies) and dpkg status, but the host's sources, lists and candidate
# versions stay as they are.
private_apt() {
    local d=$QEMU_CXL_CACHE/apt-$1 src=$2; shift 2
    mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
    "$@" -o Dir::Etc::sourcelist="$src" -o Dir::Etc::sourceparts=- \
        -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
        -o APT::Sandbox::User=root
}

# line_configure_args: CONFIGURE_ARGS, the configure options of the line's
# build (build.sh). The series check builds the applied series with the
# very same options, so that ccache serves it from the line's build.
# QOM cast checks are off, as in a release build: they cost the I/O path
# (cpu_asidx_from_attrs on every trapped access) about 6%.
# Debug information is line tables and functions only (DEBUG_CFLAGS, -g1
# after configure's -g): backtraces in gdb and in sanitizer reports still
# name file and line; locals are gone. It compiles about 15% faster than
# -g, and a cold CI run compiles QEMU three times.
DEBUG_CFLAGS=-g1
line_configure_args() {
    CONFIGURE_ARGS=(--target-list=x86_64-softmmu,aarch64-softmmu
                    --disable-docs --disable-werror --disable-qom-cast-debug
                    --extra-cflags="$DEBUG_CFLAGS"
                    --cc="ccache gcc" --cxx="ccache g++" --host-cc="ccache gcc")
    if [ "$QEMU_CXL_LINE" != 5.2 ]; then
        # 10.0: Debian's own Python (its venv module) for configure's
        # venv. The DFSG tarball has no firmware blobs: we lay out pc-bios/
        # ourselves.
        CONFIGURE_ARGS+=(--python=/usr/bin/python3 --disable-install-blobs)
    fi
}

# configure_qemu DIR ARGS...: configure the tree (build/src) into build
# directory DIR with QEMU configure's ARGS, unless it already is.
configure_qemu() {
    local dir=$1; shift
    local want; want=$(printf '%s\n' "$@")
    # a build folder configured from another tree starts again
    if [ -f "$dir/build.ninja" ] && [ "$(cat "$dir/.qemu-cxl-source" 2>/dev/null || echo "$SRC")" != "$SRC" ]; then
        rm -rf "$dir"
    fi
    mkdir -p "$dir"
    echo "$SRC" > "$dir/.qemu-cxl-source"
    if [ ! -f "$dir/build.ninja" ] || [ "$(cat "$dir/.qemu-cxl-configure" 2>/dev/null)" != "$want" ]; then
        step "configuring QEMU in ${dir#$TOP/}"
        (cd "$dir" && "$SRC/configure" "$@" > configure.log 2>&1) || {
            tail -n 30 "$dir/configure.log" >&2
            die "configure failed (log: ${dir#$TOP/}/configure.log)"
        }
        echo "$want" > "$dir/.qemu-cxl-configure"
    fi
}

# link_firmware DIR: the main build's firmware, file by file, into another
# build directory where QEMU run from it looks (scripts/firmware.sh): 5.2
# pc-bios/, 10.0 its relocated data directory qemu-bundle/usr/local/share/qemu.
link_firmware() {
    local f sub=pc-bios
    [ "$QEMU_CXL_LINE" = 5.2 ] || sub=qemu-bundle/usr/local/share/qemu
    mkdir -p "$1/$sub"
    for f in "$OBJ/$sub"/*.bin "$OBJ/$sub"/*.rom; do
        ln -sfn "$(readlink -f "$f")" "$1/$sub/$(basename "$f")"
    done
}

# sanitized_build TARGET...: build TARGETs (ninja names) of the 5.2 tree in
# build/qemu-san, one build for both check-sanitizers and check-fuzz: clang
# with AddressSanitizer, UBSan (--enable-sanitizers) and libFuzzer's
# instrumentation (--enable-fuzzing), which QEMU's system emulator and the
# qtests take as well as qemu-fuzz-x86_64 does (softmmu/memory.c keeps
# CONFIG_FUZZ builds of softmmu working). Two sanitized builds, gcc's and
# clang's, cost a cold CI run one more compile of QEMU.
SAN=$BUILD/qemu-san
# The sanitized build holds only the devices the CXL tests and the fuzzer
# use: the q35 machine with what it selects, the devices it creates by
# default (VGA, a parallel port, the e1000e NIC: without them it refuses
# to start unless -nodefaults), the pc machine (which must refuse
# cxl=on) and CXL (pxb-cxl, the ports, cxl-type3).
# QEMU 5.2 takes a target's device set from
# default-configs/devices/TARGET.mak, and --without-default-devices leaves
# out whatever a board only implies, CXL included. So the build compiles
# SAN_SRC, a copy of build/src (hard links, remade each time: the tree's
# files keep their times, so ninja rebuilds only what changed) whose
# x86_64-softmmu.mak names these. That is a fifth less to compile than
# the default device set.
SAN_SRC=$BUILD/src-san
sanitized_tree() {
    local mak=default-configs/devices/x86_64-softmmu.mak
    rm -rf "$SAN_SRC"
    cp -al "$BUILD/src" "$SAN_SRC"
    rm -rf "$SAN_SRC/.git"
    rm -f "$SAN_SRC/$mak"
    printf '%s\n' "# qemu-cxl's sanitized build (scripts/lib.sh): what the CXL tests use" \
        CONFIG_Q35=y CONFIG_I440FX=y CONFIG_CXL=y CONFIG_VGA_PCI=y CONFIG_PARALLEL=y \
        CONFIG_E1000E_PCI_EXPRESS=y > "$SAN_SRC/$mak"
    # its time: the newer of the file it replaces and this script's, so
    # that meson configures again when either changes, and only then
    if [ "$BUILD/src/$mak" -nt "$TOP/scripts/lib.sh" ]; then
        touch -r "$BUILD/src/$mak" "$SAN_SRC/$mak"
    else
        touch -r "$TOP/scripts/lib.sh" "$SAN_SRC/$mak"
    fi
}
# SAN_BUILT=1: the caller built every target already (make check, which
# runs check-sanitizers.sh and check-fuzz.sh side by side: no two ninjas in
# one folder).
sanitized_build() {
    [ -z "${SAN_BUILT:-}" ] || return 0
    bash "$TOP/scripts/build.sh" > /dev/null      # the tree, and the firmware
    command -v clang-14 > /dev/null || bash "$TOP/scripts/deps.sh" pkg:clang-14 pkg:libclang-rt-14-dev
    sanitized_tree
    SRC=$SAN_SRC configure_qemu "$SAN" --target-list=x86_64-softmmu --disable-docs --disable-werror \
        --extra-cflags="$DEBUG_CFLAGS" --enable-fuzzing --enable-sanitizers --disable-tools --disable-guest-agent \
        --without-default-devices \
        --cc="ccache clang-14" --cxx="ccache clang++-14" --host-cc="ccache clang-14"
    step "building the sanitized QEMU: $*"
    ninja -C "$SAN" -j"$(( $(nproc) + 1 ))" "$@" > "$SAN/build.log" 2>&1 ||
        { grep -E -B2 -A8 'error:|FAILED' "$SAN/build.log" | tail -n 40 >&2; die "the sanitized build failed (log: build/qemu-san/build.log)"; }
    link_firmware "$SAN"
}
