#!/usr/bin/env bash
# Install the Debian packages a make target needs: scripts/deps.sh GROUP...
# Idempotent and quick when everything is present. As non-root it only
# names what is missing and stops.
. "$(dirname "$0")/lib.sh"

declare -A PKGS=(
  [build]="git patch xz-utils dpkg-dev gcc make python3 meson ninja-build pkg-config ccache
           libglib2.0-dev libpixman-1-dev libslirp-dev libfdt-dev zlib1g-dev
           seabios ipxe-qemu"
  # The 10.0 line: configure makes a Python venv (Debian's python3-venv);
  # its meson comes from bookworm-backports (scripts/meson.sh). Its x86
  # option ROMs (linuxboot_dma.bin for -kernel) link 32-bit code against
  # libgcc (configure: gcc -m32 -r -nostdlib ... -lgcc), which
  # lib32gcc-12-dev brings. Not gcc-multilib: it conflicts with the
  # aarch64 cross compiler of guest-arm64, and each would remove the other
  # on every run.
  [build-10.0]="python3-venv lib32gcc-12-dev"
  # gdb: guest/stall.py reads a stalled QEMU's vCPU and local APIC state
  # with it (guest/stall-gdb.py).
  [guest]="busybox-static kmod ndctl daxctl cpio gzip gdb"
  # GUEST_ARCH=arm64 guests: our guest programs cross-compiled for aarch64
  # (the arm64 kernel and userland come from guest/prepare.sh's own apt).
  [guest-arm64]="gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
  [test]="swtpm genisoimage acpica-tools"
  [docs]="python3-docutils"
)

# apt-get source needs a deb-src entry for the suite that carries the 5.2
# line's base (the 10.0 line's comes from a private apt configuration).
SRC_LIST=/etc/apt/sources.list.d/qemu-cxl-bullseye-security-src.sources
need_src_entry() {
    # One-line style or deb822 style entry of someone else's: fine too.
    grep -qsE '^deb-src .*bullseye-security' /etc/apt/sources.list /etc/apt/sources.list.d/*.list && return 1
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && grep -qs 'deb-src' "$f" && grep -qs 'bullseye-security' "$f" && return 1
    done
    return 0
}

missing=()
want_src=0
for g in "$@"; do
    case "$g" in
        base) want_src=1; continue ;;
        pkg:*) PKGS[$g]=${g#pkg:} ;;   # one named package (used by the tests)
    esac
    [ -n "${PKGS[$g]:-}" ] || die "deps.sh: unknown group '$g'"
    for p in ${PKGS[$g]}; do
        st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
        [ "${st:0:2}" = ii ] || missing+=("$p")
    done
done

src_missing=0
if [ $want_src = 1 ] && [ ! -f "$SRC_LIST" ] && need_src_entry; then
    src_missing=1
fi

[ ${#missing[@]} = 0 ] && [ $src_missing = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
    [ ${#missing[@]} = 0 ] || say "qemu-cxl: missing Debian packages: ${missing[*]}" >&2
    [ $src_missing = 0 ] || say "qemu-cxl: missing a deb-src entry for bullseye-security (see $0)" >&2
    die "run 'make' as root once, or install these yourself (apt-get install ${missing[*]})"
fi

if [ $src_missing = 1 ]; then
    step "adding deb-src entry for bullseye-security ($SRC_LIST)"
    cat > "$SRC_LIST" <<'SRC'
# Added by qemu-cxl: the QEMU base is Debian's qemu source from bullseye-security.
Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bullseye-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
step "installing Debian packages: ${missing[*]:-(none; refreshing lists)}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || die "apt-get update failed"
if [ ${#missing[@]} -gt 0 ]; then
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
fi
