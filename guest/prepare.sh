#!/usr/bin/env bash
# Prepare the Linux guest: Debian bookworm's kernel (linux-image-amd64,
# resolved with apt now) and an initramfs made from Debian packages
# (busybox-static, kmod, ndctl/cxl/daxctl and their libraries, the kernel's
# CXL/NVDIMM/DAX modules with their dependencies) plus our static programs.
# Prints nothing but progress; leaves build/guest/{vmlinuz,initramfs.cpio.gz,
# kernel-version}.
#
# GUEST_KERNEL picks the kernel: "bookworm" (default) or "backports"
# (bookworm-backports' linux-image-amd64, 6.12 today; the apt source is
# added if missing). Each has its own output folder (build/guest and
# build/guest/backports) and kernel cache entry, so neither overwrites the
# other.
. "$(dirname "$0")/../scripts/lib.sh"

bash "$TOP/scripts/deps.sh" guest
kernel=${GUEST_KERNEL:-bookworm}
case $kernel in
    bookworm)  OUT=$BUILD/guest ;;
    backports) OUT=$BUILD/guest/backports ;;
    *) die "GUEST_KERNEL=$kernel: expected bookworm or backports" ;;
esac
KCACHE=$QEMU_CXL_CACHE/kernel
mkdir -p "$OUT" "$KCACHE"

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
# bookworm, or its bookworm-backports version) depends on.
resolve_kernel() {
    local ver=""
    if [ "$kernel" = backports ]; then
        ver=$(apt-cache madison linux-image-amd64 2>/dev/null | awk -F' *[|] *' '$3 ~ /bookworm-backports/ {print $2; exit}')
        [ -n "$ver" ] || return 0
        ver="=$ver"
    fi
    apt-cache depends "linux-image-amd64$ver" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}

# Kernel package: what linux-image-amd64 depends on today. A guest kernel
# can be forced with GUEST_KERNEL_PKG=linux-image-6.1.0-NN-amd64.
pkg=${GUEST_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
    pkg=$(resolve_kernel)
    if [ -z "$pkg" ]; then
        [ "$(id -u)" = 0 ] && apt-get update -q >/dev/null
        pkg=$(resolve_kernel)
    fi
fi
[ -n "$pkg" ] || die "could not resolve linux-image-amd64 ($kernel) with apt-cache"
kdir=$KCACHE/$pkg
if [ ! -f "$kdir/.done" ]; then
    step "downloading guest kernel $pkg"
    rm -rf "$kdir" && mkdir -p "$kdir/deb"
    (cd "$kdir/deb" && apt-get download -q "$pkg" >/dev/null 2>"$kdir/apt.err") \
        || die "apt-get download $pkg failed: $(tail -n 2 "$kdir/apt.err")"
    dpkg -x "$kdir"/deb/*.deb "$kdir/root"
    # The package leaves modules.dep to its postinst: make it here.
    depmod -b "$kdir/root" "$(ls "$kdir/root/lib/modules" | head -n 1)" || die "depmod for $pkg failed"
    touch "$kdir/.done"
fi
kver=$(ls "$kdir/root/lib/modules" | head -n 1)
[ -n "$kver" ] || die "no modules in $pkg"

# The initramfs only changes when its inputs do.
extra_bins=""
[ "$kernel" = backports ] && extra_bins=/usr/bin/numactl
inputs=$( (echo "$pkg"; cat "$0" "$TOP/guest/init" "$TOP"/guest/progs/*.c
          dpkg-query -W busybox-static kmod ndctl daxctl
          [ -z "$extra_bins" ] || dpkg-query -W numactl) | sha256sum | cut -d' ' -f1)
if [ -f "$OUT/initramfs.cpio.gz" ] && [ "$(cat "$OUT/initramfs.inputs" 2>/dev/null)" = "$inputs" ]; then
    exit 0
fi
step "building the guest initramfs for $kver"
root=$OUT/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,run,mnt,test}

cp /bin/busybox "$root/bin/busybox"
file "$root/bin/busybox" 2>/dev/null | grep -q 'dynamically' && die "/bin/busybox is not busybox-static"
for b in /usr/bin/kmod /usr/bin/cxl /usr/bin/ndctl /usr/bin/daxctl $extra_bins; do
    cp "$b" "$root/usr/bin/"
done
for l in modprobe insmod rmmod lsmod depmod modinfo; do
    ln -sf ../usr/bin/kmod "$root/sbin/$l"
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

# Our static programs.
for c in "$TOP"/guest/progs/*.c; do
    gcc -static -O2 -Wall -Werror -o "$root/usr/bin/$(basename "$c" .c)" "$c" \
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
cp -p "$kdir/root/boot/vmlinuz-$kver" "$OUT/vmlinuz"
echo "$kver" > "$OUT/kernel-version"
echo "$pkg" > "$OUT/kernel-package"
echo "$inputs" > "$OUT/initramfs.inputs"
step "guest: kernel $kver ($pkg), initramfs $(du -h "$OUT/initramfs.cpio.gz" | cut -f1)"
