#!/usr/bin/env bash
# Prepare the Linux guest: Debian bookworm's kernel (linux-image-amd64,
# resolved with apt now) and an initramfs made from Debian packages
# (busybox-static, kmod, ndctl/cxl/daxctl and their libraries, the kernel's
# CXL/NVDIMM/DAX modules with their dependencies) plus our static programs.
# Prints nothing but progress; leaves build/guest/{vmlinuz,initramfs.cpio.gz,
# kernel-version}.
#
# GUEST_KERNEL picks the kernel: "bookworm" (default), "backports"
# (bookworm-backports' linux-image-amd64, 6.12 today; the apt source is
# added if missing) or "trixie" (trixie-backports' linux-image-amd64, 7.3
# today, with a Debian 13 userland: ndctl 81's cxl/ndctl/daxctl, kmod,
# busybox-static, numactl and trixie's libc; all of it from a private apt
# setup in $QEMU_CXL_CACHE/apt-trixie, as for arm64 below, so the host's
# apt sources and candidates stay Debian 12's). Each has its own output
# folder (build/guest, build/guest/backports, build/guest/trixie) and
# kernel cache entry, so none overwrites another.
#
# GUEST_ARCH picks the guest's architecture: "amd64" (default) or "arm64",
# for qemu-system-aarch64 -M virt with UEFI: bookworm's linux-image-arm64
# and an initramfs of arm64 packages in build/guest/arm64, with QEMU_EFI.fd
# (from qemu-efi-aarch64, the firmware for -bios) beside them. The arm64
# packages come from a private apt setup of their own (sources, lists,
# cache, an empty dpkg status) in $QEMU_CXL_CACHE/apt-arm64: the host's
# apt configuration and architectures stay as they are. Our programs are
# cross-compiled with aarch64-linux-gnu-gcc.
. "$(dirname "$0")/../scripts/lib.sh"

arch=${GUEST_ARCH:-amd64}
case $arch in
    amd64) bash "$TOP/scripts/deps.sh" guest ;;
    arm64) bash "$TOP/scripts/deps.sh" guest guest-arm64 ;;
    *) die "GUEST_ARCH=$arch: expected amd64 or arm64" ;;
esac
kernel=${GUEST_KERNEL:-bookworm}
case $kernel in
    bookworm)  OUT=$BUILD/guest ;;
    backports) OUT=$BUILD/guest/backports ;;
    trixie)    OUT=$BUILD/guest/trixie ;;
    *) die "GUEST_KERNEL=$kernel: expected bookworm, backports or trixie" ;;
esac
if [ "$arch" = arm64 ]; then
    [ "$kernel" = bookworm ] || die "GUEST_ARCH=arm64 has the bookworm kernel only (GUEST_KERNEL=$kernel)"
    OUT=$BUILD/guest/arm64
fi
KCACHE=$QEMU_CXL_CACHE/kernel
mkdir -p "$OUT" "$KCACHE"

# arm64 and trixie: apt with a private configuration in $APTD, for one
# architecture and one Debian release (priv names the flavour; empty: the
# host's apt). It reads the host's apt.conf.d (proxies, date checks) but
# none of its sources, preferences, lists, archives or dpkg status: an
# empty status, so that apt-get install --download-only fetches the whole
# dependency closure.
priv=""
[ "$arch" = arm64 ] && priv=arm64
[ "$kernel" = trixie ] && priv=trixie
APTD=$QEMU_CXL_CACHE/apt-$priv
apt_priv() {   # apt_priv apt-get|apt-cache ARGS...
    local cmd=$1; shift
    "$cmd" -o Dir::Etc::SourceList="$APTD/sources.list" \
        -o Dir::Etc::SourceParts="$APTD/sources.list.d" \
        -o Dir::Etc::Preferences="$APTD/preferences" \
        -o Dir::Etc::PreferencesParts="$APTD/preferences.d" \
        -o Dir::State="$APTD/state" -o Dir::State::Lists="$APTD/state/lists" \
        -o Dir::State::status="$APTD/state/status" \
        -o Dir::Cache="$APTD/cache" -o Dir::Cache::Archives="$APTD/cache/archives" \
        -o Dir::Cache::pkgcache="$APTD/cache/pkgcache.bin" \
        -o Dir::Cache::srcpkgcache="" \
        -o APT::Architecture="$arch" -o APT::Architectures="$arch" "$@"
}
# host_uri SUITE DEFAULT: the URI the host's apt takes SUITE from (one-line
# .list or deb822 .sources entries), DEFAULT when it has none.
host_uri() {
    local u
    u=$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
           awk -v s="$1" '{ sub(/#.*/, ""); gsub(/\[[^]]*\]/, "") }
                          $1 == "deb" && $3 == s { print $2; exit }'
           for f in /etc/apt/sources.list.d/*.sources; do
               [ -f "$f" ] && { cat "$f"; echo; }
           done | awk -v s="$1" '
               function has(list, w,   a, n, i) {
                   n = split(list, a, /[ \t]+/)
                   for (i = 1; i <= n; i++) if (a[i] == w) return 1
                   return 0
               }
               BEGIN { RS = ""; FS = "\n" }
               {
                   t = u = su = ""; on = 1
                   for (i = 1; i <= NF; i++) {
                       l = $i
                       if (l ~ /^Types:/) { sub(/^Types:[ \t]*/, "", l); t = l }
                       else if (l ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", l); u = l }
                       else if (l ~ /^Suites:/) { sub(/^Suites:[ \t]*/, "", l); su = l }
                       else if (l ~ /^Enabled:[ \t]*no/) on = 0
                   }
                   if (on && has(t, "deb") && has(su, s)) { split(u, a, /[ \t]+/); print a[1]; exit }
               }'; } | head -n 1) || true
    echo "${u:-$2}"
}
# apt_priv_update: apt-get update of the private lists; a source whose
# signature does not check against Debian's archive keyring is an error.
apt_priv_update() {
    step "updating the $priv package lists (${APTD})"
    apt_priv apt-get update -q > "$APTD/update.log" 2>&1 \
        || die "apt-get update ($priv) failed: $(grep -E '^(E|W):' "$APTD/update.log" | tail -n 3)"
    ! grep -qE 'GPG error|NO_PUBKEY|not signed|EXPKEYSIG|BADSIG' "$APTD/update.log" \
        || die "$priv package lists fail their signature check$keyhint: $(grep -E '^(E|W):' "$APTD/update.log" | tail -n 3)"
    touch "$APTD/updated"
}
if [ -n "$priv" ]; then
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [ -f "$keyring" ] || die "$keyring is missing (package debian-archive-keyring)"
    keyhint=""
    if [ "$priv" = arm64 ]; then
        mirror=$(host_uri bookworm http://deb.debian.org/debian)
        security=$(host_uri bookworm-security http://deb.debian.org/debian-security)
        sources="deb [signed-by=$keyring] $mirror bookworm main
deb [signed-by=$keyring] $mirror bookworm-updates main
deb [signed-by=$keyring] $security bookworm-security main"
    else
        # Debian 12's debian-archive-keyring (2023.3+deb12u2) carries the
        # trixie keys too. A mirror the host uses for trixie, or Debian's.
        keyhint=" (Debian 13's keys are in debian-archive-keyring 2023.3+deb12u2 from bookworm)"
        mirror=$(host_uri trixie http://deb.debian.org/debian)
        security=$(host_uri trixie-security http://deb.debian.org/debian-security)
        sources="deb [signed-by=$keyring] $mirror trixie main
deb [signed-by=$keyring] $mirror trixie-updates main
deb [signed-by=$keyring] $security trixie-security main
deb [signed-by=$keyring] $mirror trixie-backports main"
    fi
    mkdir -p "$APTD"/{sources.list.d,preferences.d,state/lists/partial,cache/archives/partial}
    [ -f "$APTD/state/status" ] || : > "$APTD/state/status"
    if [ "$(cat "$APTD/sources.list" 2>/dev/null)" != "$sources" ]; then
        echo "$sources" > "$APTD/sources.list"
        rm -f "$APTD/updated"
    fi
    # Lists younger than a day are fresh enough.
    [ -n "$(find "$APTD/updated" -mmin -1440 2>/dev/null)" ] || apt_priv_update
fi

# The backports kernel needs bookworm-backports in apt's sources, and its
# guests get numactl (for tests that bind to the CXL node).
if [ "$kernel" = backports ]; then
    if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        [ "$(id -u)" = 0 ] || die "bookworm-backports is not an apt source; as root: echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/qemu-cxl-bookworm-backports.list; apt-get update"
        step "adding bookworm-backports to apt's sources"
        echo 'deb http://deb.debian.org/debian bookworm-backports main' \
            > /etc/apt/sources.list.d/qemu-cxl-bookworm-backports.list
        apt-get update -q >/dev/null
    fi
    if ! dpkg-query -W -f='${Status}' numactl 2>/dev/null | grep -q 'ok installed'; then
        [ "$(id -u)" = 0 ] || die "numactl is not installed (apt-get install numactl)"
        step "installing numactl"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q numactl >/dev/null || die "apt-get install numactl failed"
    fi
fi

# resolve_kernel: the linux-image-N package that linux-image-amd64 (from
# bookworm, or its bookworm-backports or trixie-backports version) depends on.
resolve_kernel() {
    local ver=""
    if [ "$arch" = arm64 ]; then
        apt_priv apt-cache depends linux-image-arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
        return 0
    fi
    if [ "$kernel" = trixie ]; then
        # The backports suite is NotAutomatic: not apt's candidate, so ask
        # for its newest version by name.
        ver=$(apt_priv apt-cache madison linux-image-amd64 2>/dev/null | awk -F' *[|] *' '$3 ~ /trixie-backports/ {print $2; exit}')
        [ -n "$ver" ] || return 0
        apt_priv apt-cache depends "linux-image-amd64=$ver" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
        return 0
    fi
    if [ "$kernel" = backports ]; then
        ver=$(apt-cache madison linux-image-amd64 2>/dev/null | awk -F' *[|] *' '$3 ~ /bookworm-backports/ {print $2; exit}')
        [ -n "$ver" ] || return 0
        ver="=$ver"
    fi
    apt-cache depends "linux-image-amd64$ver" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}

# Kernel package: what linux-image-amd64 depends on today. A guest kernel
# can be forced with GUEST_KERNEL_PKG=linux-image-6.1.0-NN-amd64 (or -arm64).
pkg=${GUEST_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
    pkg=$(resolve_kernel)
    if [ -z "$pkg" ]; then
        if [ -n "$priv" ]; then
            apt_priv_update
        else
            [ "$(id -u)" = 0 ] && apt-get update -q >/dev/null
        fi
        pkg=$(resolve_kernel)
    fi
fi
[ -n "$pkg" ] || die "could not resolve linux-image-$arch ($kernel) with apt-cache"
kdir=$KCACHE/$pkg
# kparts PKG: the packages a kernel comes in. Debian's 7.x kernels are
# split: linux-image-V is a meta package over linux-binary-V (the image, at
# usr/lib/modules/V/vmlinuz), linux-modules-V (the modules, .ko.xz) and
# linux-base-V (modules.order, modules.builtin*, config, System.map).
kparts() {
    echo "$1"
    [ -n "$priv" ] || return 0
    apt_priv apt-cache depends "$1" 2>/dev/null | awk -v p="$1" '
        BEGIN { v = "-" substr(p, length("linux-image-") + 1) }
        /Depends: linux-(base|binary|modules)-/ &&
            substr($2, length($2) - length(v) + 1) == v { print $2 }'
}
if [ ! -f "$kdir/.done" ]; then
    step "downloading guest kernel $pkg"
    rm -rf "$kdir" && mkdir -p "$kdir/deb"
    if [ -n "$priv" ]; then
        # Lists a day old may name a version the mirror no longer has.
        kpkgs=$(kparts "$pkg")
        (cd "$kdir/deb" && apt_priv apt-get download -q $kpkgs >/dev/null 2>"$kdir/apt.err") || {
            apt_priv_update
            kpkgs=$(kparts "$pkg")
            (cd "$kdir/deb" && apt_priv apt-get download -q $kpkgs >/dev/null 2>"$kdir/apt.err")
        } || die "apt-get download $kpkgs ($priv) failed: $(tail -n 2 "$kdir/apt.err")"
    else
        (cd "$kdir/deb" && apt-get download -q "$pkg" >/dev/null 2>"$kdir/apt.err") \
            || die "apt-get download $pkg failed: $(tail -n 2 "$kdir/apt.err")"
    fi
    for deb in "$kdir"/deb/*.deb; do
        dpkg -x "$deb" "$kdir/root" || die "dpkg -x $(basename "$deb") failed"
    done
    # Packages that put the modules in /usr only (merged /usr): /lib is
    # /usr/lib, as on an installed system, so lib/modules serves both.
    [ -e "$kdir/root/lib" ] || [ ! -d "$kdir/root/usr/lib/modules" ] || ln -s usr/lib "$kdir/root/lib"
    # The package leaves modules.dep to its postinst: make it here.
    depmod -b "$kdir/root" "$(ls "$kdir/root/lib/modules" | head -n 1)" || die "depmod for $pkg failed"
    touch "$kdir/.done"
fi
kver=$(ls "$kdir/root/lib/modules" | head -n 1)
[ -n "$kver" ] || die "no modules in $pkg"

if [ -n "$priv" ]; then
    # The arm64 or trixie userland: these packages and, the dpkg status
    # being empty, everything they depend on, unpacked with dpkg -x into $U.
    # Naming usr-is-merged satisfies init-system-helpers' "usrmerge |
    # usr-is-merged", which would otherwise bring usrmerge and perl.
    # Trixie's ndctl 81 puts cxl in a package of its own, and its kmod 34
    # loads the xz library with dlopen (no package dependency): liblzma5.
    if [ "$priv" = arm64 ]; then
        upkgs="busybox-static kmod ndctl daxctl usr-is-merged"
    else
        upkgs="busybox-static kmod liblzma5 ndctl cxl daxctl numactl usr-is-merged"
    fi
    U=$APTD/root
    # ulist: "package version arch" of the whole closure, as apt resolves it now.
    ulist() {
        apt_priv apt-get -s -q install --no-install-recommends $upkgs 2>&1 |
            awk '/^Inst / && match($0, /\[[^][]+\]\)/) {
                     v = $3; sub(/^\(/, "", v); print $2, v, substr($0, RSTART + 1, RLENGTH - 3) }'
    }
    upkgs_list=$(ulist)
    [ -n "$upkgs_list" ] || die "apt cannot resolve the $priv packages $upkgs: $(apt_priv apt-get -s -q install --no-install-recommends $upkgs 2>&1 | grep -E '^E:' | head -n 3)"
    if [ ! -f "$U/.done" ] || [ "$(cat "$U/.done")" != "$upkgs_list" ]; then
        step "downloading the $priv userland ($upkgs and what they depend on)"
        apt_priv apt-get install -y -q --download-only --no-install-recommends $upkgs > "$APTD/install.log" 2>&1 || {
            apt_priv_update
            upkgs_list=$(ulist)
            apt_priv apt-get install -y -q --download-only --no-install-recommends $upkgs > "$APTD/install.log" 2>&1
        } || die "apt-get install --download-only ($priv) failed: $(grep -E '^(E|W):' "$APTD/install.log" | tail -n 3)"
        rm -rf "$U"
        mkdir -p "$U"
        keep=""
        while read -r p v a; do
            deb=${p}_${v//:/%3a}_$a.deb       # apt's name in its archives
            [ -f "$APTD/cache/archives/$deb" ] || die "apt did not leave $deb in $APTD/cache/archives"
            dpkg -x "$APTD/cache/archives/$deb" "$U" || die "dpkg -x $deb failed"
            keep="$keep $deb"
        done <<< "$upkgs_list"
        # Versions no longer wanted go.
        for deb in "$APTD"/cache/archives/*.deb; do
            case "$keep " in *" $(basename "$deb") "*) ;; *) rm -f "$deb" ;; esac
        done
        echo "$upkgs_list" > "$U/.done"
    fi
fi

if [ "$arch" = arm64 ]; then
    # The firmware for -bios on -M virt: QEMU_EFI.fd of qemu-efi-aarch64, 2
    # MiB. (Its AAVMF_CODE.fd is the same image padded to 64 MiB for -drive
    # if=pflash, paired with a copy of AAVMF_VARS.fd as the variable store.)
    fwver=$(apt_priv apt-cache policy qemu-efi-aarch64 2>/dev/null | awk '/Candidate:/ {print $2}')
    [ -n "$fwver" ] && [ "$fwver" != "(none)" ] || die "apt cannot find qemu-efi-aarch64"
    fdir=$QEMU_CXL_CACHE/firmware-arm64/qemu-efi-aarch64_$fwver
    if [ ! -f "$fdir/.done" ]; then
        step "downloading UEFI firmware qemu-efi-aarch64 $fwver"
        rm -rf "$fdir" && mkdir -p "$fdir/deb"
        (cd "$fdir/deb" && apt_priv apt-get download -q "qemu-efi-aarch64=$fwver" >/dev/null 2>"$fdir/apt.err") \
            || die "apt-get download qemu-efi-aarch64 failed: $(tail -n 2 "$fdir/apt.err")"
        dpkg -x "$fdir"/deb/*.deb "$fdir/root" || die "dpkg -x qemu-efi-aarch64 failed"
        # Its four 64 MiB pflash images (AAVMF/) take 256 MiB; the .deb keeps them.
        rm -rf "$fdir/root/usr/share/AAVMF"
        touch "$fdir/.done"
    fi
    fw=$fdir/root/usr/share/qemu-efi-aarch64/QEMU_EFI.fd
    [ -f "$fw" ] || die "qemu-efi-aarch64 $fwver has no ${fw#"$fdir"/root}"
    cmp -s "$fw" "$OUT/QEMU_EFI.fd" \
        || { cp -p "$fw" "$OUT/QEMU_EFI.fd.tmp" && mv "$OUT/QEMU_EFI.fd.tmp" "$OUT/QEMU_EFI.fd"; }
    [ "$(cat "$OUT/firmware-package" 2>/dev/null)" = "qemu-efi-aarch64 $fwver" ] \
        || echo "qemu-efi-aarch64 $fwver" > "$OUT/firmware-package"
fi

# The initramfs only changes when its inputs do.
extra_bins=""
[ "$kernel" = backports ] && extra_bins=/usr/bin/numactl
if [ "$arch" = arm64 ]; then
    inputs=$( (echo "$arch $pkg"; cat "$0" "$TOP/guest/init" "$TOP"/guest/progs/*.c
              echo "$upkgs_list"; dpkg-query -W gcc-aarch64-linux-gnu libc6-dev-arm64-cross
              ) | sha256sum | cut -d' ' -f1)
elif [ -n "$priv" ]; then
    inputs=$( (echo "$kernel $pkg"; cat "$0" "$TOP/guest/init" "$TOP"/guest/progs/*.c
              echo "$upkgs_list"; dpkg-query -W gcc libc6-dev 2>/dev/null || true
              ) | sha256sum | cut -d' ' -f1)
else
    inputs=$( (echo "$pkg"; cat "$0" "$TOP/guest/init" "$TOP"/guest/progs/*.c
              dpkg-query -W busybox-static kmod ndctl daxctl
              [ -z "$extra_bins" ] || dpkg-query -W numactl) | sha256sum | cut -d' ' -f1)
fi
if [ -f "$OUT/initramfs.cpio.gz" ] && [ "$(cat "$OUT/initramfs.inputs" 2>/dev/null)" = "$inputs" ]; then
    exit 0
fi
step "building the guest initramfs for $kver"
root=$OUT/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,run,mnt,test}

if [ -z "$priv" ]; then
    cp /bin/busybox "$root/bin/busybox"
    file "$root/bin/busybox" 2>/dev/null | grep -q 'dynamically' && die "/bin/busybox is not busybox-static"
    for b in /usr/bin/kmod /usr/bin/cxl /usr/bin/ndctl /usr/bin/daxctl $extra_bins; do
        cp "$b" "$root/usr/bin/"
    done
    # Shared libraries of the dynamic binaries, from the host (also bookworm).
    for b in "$root"/usr/bin/*; do
        ldd "$b" | awk '/=>/ {print $3} /^\t\/lib/ {print $1}'
    done | sort -u | while read -r lib; do
        [ -f "$lib" ] || continue
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
    # The dynamic loader must be where the binaries expect it.
    [ -f "$root/lib64/ld-linux-x86-64.so.2" ] || cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
else
    # The same programs from the unpacked arm64 or trixie packages (where
    # dpkg -x puts them: /bin or /usr/bin, nothing merged), checked to be
    # for the guest's machine: nothing of the host's (Debian 12's ndctl
    # 76.1 and libc) may slip in.
    if [ "$arch" = arm64 ]; then
        readelf=aarch64-linux-gnu-readelf machine=AArch64 triplet=aarch64-linux-gnu
    else
        readelf=readelf machine=X86-64 triplet=x86_64-linux-gnu
    fi
    ufind() {   # ufind NAME: the unpacked regular file of command NAME
        local d
        for d in /usr/bin /bin /usr/sbin /sbin; do
            [ -f "$U$d/$1" ] && [ ! -L "$U$d/$1" ] && { echo "$U$d/$1"; return 0; }
        done
        die "$1 is not in the unpacked $priv packages ($U)"
    }
    elf() { "$readelf" "$@" 2>/dev/null; }
    is_guest() { case $(elf -h "$1") in *"Machine:"*"$machine"*) return 0 ;; esac; return 1; }
    interp() { elf -l "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)\]$/\1/p'; }
    needed() { elf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'; }
    # dlopened: the sonames a library declares, in its .note.dlopen (JSON,
    # the systemd convention), that it may dlopen with priority "required"
    # or "recommended" (trixie's libkmod: liblzma and libzstd, for .ko.xz
    # and .ko.zst; libudev's "suggested" libidn2 is left out).
    dlopened() {
        strings -a "$1" | grep -o '{[^{}]*"soname":\[[^]]*\][^{}]*}' |
            grep -E '"priority":"(required|recommended)"' | grep -o '"soname":\[[^]]*\]' |
            grep -o '"[^"]*\.so[^"]*"' | tr -d '"' || true
    }
    # in_u PATH: PATH's file in $U, its symlinks followed inside $U (an
    # absolute link must not reach the host's own file).
    in_u() {
        local p=$1 t _
        for _ in 1 2 3 4 5 6 7 8; do
            if [ ! -L "$U$p" ]; then
                [ ! -f "$U$p" ] || echo "$U$p"
                return 0
            fi
            t=$(readlink "$U$p")
            case $t in
                /*) p=$t ;;
                *)  p=$(realpath -sm "$(dirname "$p")/$t") ;;
            esac
        done
    }
    f=$(ufind busybox)
    is_guest "$f" && [ -z "$(interp "$f")" ] || die "$f is not a static $machine busybox"
    cp "$f" "$root/bin/busybox"
    ubins="kmod cxl ndctl daxctl"
    [ "$priv" = trixie ] && ubins="$ubins numactl"
    for b in $ubins; do
        f=$(ufind "$b")
        is_guest "$f" || die "$f is not an $machine program"
        cp "$f" "$root/usr/bin/"
    done
    # Shared libraries: the NEEDED entries of the dynamic binaries, and of
    # the libraries they bring (and those they dlopen), looked up in the
    # unpacked packages' library folders and copied to the same paths; then
    # the dynamic loader they name (/lib/ld-linux-aarch64.so.1,
    # /lib64/ld-linux-x86-64.so.2).
    libdirs="/lib/$triplet /usr/lib/$triplet /lib /usr/lib"
    todo=$(for b in "$root"/usr/bin/*; do needed "$b" | sed "s|\$| $(basename "$b")|"; done)
    done_libs=" "
    while [ -n "$todo" ]; do
        next=""
        while read -r lib by opt; do
            case $done_libs in *" $lib "*) continue ;; esac
            done_libs="$done_libs$lib "
            src="" dst=""
            for d in $libdirs; do
                src=$(in_u "$d/$lib")
                [ -n "$src" ] && { dst=$d/$lib; break; }
            done
            # A library that is only dlopened is optional.
            [ -n "$src" ] || [ -n "$opt" ] || die "$lib, needed by $by, is not in the unpacked $priv packages ($U)"
            [ -n "$src" ] || continue
            is_guest "$src" || die "$src is not an $machine library"
            mkdir -p "$root$(dirname "$dst")"
            cp "$src" "$root$dst"
            next="$next$(needed "$src" | sed "s|\$| $lib|")
$(dlopened "$src" | sed "s|\$| $lib dlopen|")
"
        done <<< "$todo"
        todo=$(echo "$next" | grep . || true)
    done
    # Trixie's packages have merged /usr: its libc6 has the loader in
    # /usr/lib64 only (the /lib64 -> usr/lib64 link is base-files').
    for b in "$root"/usr/bin/*; do interp "$b"; done | sort -u | while read -r ld; do
        src=$(in_u "$ld")
        [ -n "$src" ] || src=$(in_u "/usr$ld")
        [ -n "$src" ] || die "the dynamic loader $ld is not in the unpacked $priv packages ($U)"
        mkdir -p "$root$(dirname "$ld")"
        cp "$src" "$root$ld"
    done
fi
for l in modprobe insmod rmmod lsmod depmod modinfo; do
    ln -sf ../usr/bin/kmod "$root/sbin/$l"
done

# Our static programs.
cc=gcc
[ "$arch" = arm64 ] && cc=aarch64-linux-gnu-gcc
for c in "$TOP"/guest/progs/*.c; do
    $cc -static -O2 -Wall -Werror -o "$root/usr/bin/$(basename "$c" .c)" "$c" \
        || die "compiling guest program $c failed"
done

# Kernel modules: the CXL, NVDIMM and DAX drivers and what they depend on
# (dax_cxl, 6.3+, turns a ram region into a dax device for kmem).
mods="cxl_acpi cxl_pci cxl_mem cxl_pmem cxl_port cxl_core libnvdimm nd_pmem nd_btt dax_pmem device_dax kmem dax_hmem dax_cxl"
mdir=$kdir/root/lib/modules/$kver
closure=$OUT/modules.list
: > "$closure"
for m in $mods; do
    line=$(grep -E "(^|/)${m}\.ko(\.xz|\.zst)?:" "$mdir/modules.dep" || true)
    [ -n "$line" ] || continue       # built in
    echo "$line" | tr -d ':' | tr ' ' '\n' | grep . >> "$closure"
done
sort -u -o "$closure" "$closure"
mkdir -p "$root/lib/modules/$kver"
while read -r ko; do
    mkdir -p "$root/lib/modules/$kver/$(dirname "$ko")"
    cp "$mdir/$ko" "$root/lib/modules/$kver/$ko"
done < "$closure"
cp "$mdir"/modules.order "$mdir"/modules.builtin* "$root/lib/modules/$kver/" 2>/dev/null || true
depmod -b "$root" "$kver" || die "depmod failed"

cp "$TOP/guest/init" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) > "$OUT/initramfs.cpio.gz.tmp"
mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
if [ "$arch" = arm64 ]; then
    # UEFI starts the kernel through its EFI stub, a PE image ("MZ"): Debian's
    # arm64 vmlinuz is the plain Image, which has one; a gzip-compressed one
    # would be unpacked first.
    v=$kdir/root/boot/vmlinuz-$kver
    if gzip -t "$v" 2>/dev/null; then
        gzip -dc "$v" > "$OUT/vmlinuz.tmp"
    else
        cp -p "$v" "$OUT/vmlinuz.tmp"
    fi
    [ "$(head -c 2 "$OUT/vmlinuz.tmp")" = MZ ] || die "$v is not an EFI-stub arm64 kernel image"
    mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
else
    # Split kernels (7.x) keep the image beside the modules, not in /boot.
    v=$kdir/root/boot/vmlinuz-$kver
    [ -f "$v" ] || v=$kdir/root/lib/modules/$kver/vmlinuz
    [ -f "$v" ] || die "$pkg has no kernel image (boot/vmlinuz-$kver, lib/modules/$kver/vmlinuz)"
    cp -p "$v" "$OUT/vmlinuz"
fi
if [ "$kernel" = trixie ]; then
    # The symbols, for reading addresses in the guest's messages, when the
    # package has them: 7.3's linux-base has a one-line stand-in ("The real
    # System.map is in the linux-image-V-dbg package").
    rm -f "$OUT/System.map"
    for m in "$kdir/root/boot/System.map-$kver" "$kdir/root/lib/modules/$kver/System.map"; do
        [ -f "$m" ] && [ "$(head -n 2 "$m" | wc -l)" -gt 1 ] && { cp -p "$m" "$OUT/System.map"; break; }
    done
fi
echo "$kver" > "$OUT/kernel-version"
echo "$pkg" > "$OUT/kernel-package"
echo "$inputs" > "$OUT/initramfs.inputs"
step "guest: kernel $kver ($pkg), initramfs $(du -h "$OUT/initramfs.cpio.gz" | cut -f1)"
