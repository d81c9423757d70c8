#!/usr/bin/env bash
# Lay out the firmware so that QEMU run from the build tree finds it:
# Debian's SeaBIOS and iPXE ROMs, plus the x86 option ROMs built from
# QEMU's own sources (linuxboot_dma.bin for -kernel, kvmvapic.bin, ...),
# which Debian's source tarballs do not carry prebuilt.
#   5.2:  build/qemu/pc-bios, next to the binary (softmmu/vl.c find_datadir)
#   10.0: build/10.0/qemu/qemu-bundle/usr/local/share/qemu, the data
#         directory relocated into the build tree (util/cutils.c
#         get_relocated_path); configure --disable-install-blobs leaves
#         the firmware out of it.
. "$(dirname "$0")/lib.sh"

if [ "$QEMU_CXL_LINE" = 5.2 ]; then
    dir=$OBJ/pc-bios roms=optionrom
else
    dir=$OBJ/qemu-bundle/usr/local/share/qemu roms=$OBJ/pc-bios/optionrom
fi
mkdir -p "$dir"
link() { [ "$(readlink "$2" 2>/dev/null)" = "$1" ] || ln -sfn "$1" "$2"; }
for f in /usr/share/seabios/*.bin /usr/lib/ipxe/qemu/*.rom; do
    [ -e "$f" ] || die "firmware $f missing: is the seabios / ipxe-qemu package installed?"
    link "$f" "$dir/$(basename "$f")"
done
make -s -C "$OBJ/pc-bios/optionrom" >/dev/null || die "building the x86 option ROMs failed"
roms_list="linuxboot.bin linuxboot_dma.bin multiboot.bin pvh.bin kvmvapic.bin"
[ "$QEMU_CXL_LINE" = 5.2 ] || roms_list="$roms_list multiboot_dma.bin"
for f in $roms_list; do
    [ -f "$OBJ/pc-bios/optionrom/$f" ] || die "option ROM $f was not built"
    link "$roms/$f" "$dir/$f"
done
# 10.0 has no sgabios any more, and finds its keymaps itself.
[ "$QEMU_CXL_LINE" = 5.2 ] || exit 0
# sgabios (serial graphics adapter, -device sga) has no Debian package any
# more: build it from QEMU's roms/ as Debian's own rules did.
if [ ! -f "$OBJ/sgabios/sgabios.bin" ] || [ "$SRC/roms/sgabios/sgabios.S" -nt "$OBJ/sgabios/sgabios.bin" ]; then
    s=$SRC/roms/sgabios o=$OBJ/sgabios
    mkdir -p "$o"
    {
    gcc -c -o "$o/sgabios.o" "$s/sgabios.S" -Wall -Os -m32 -nostdlib \
        -DBUILD_DATE="\"$(LC_ALL=C date -u -r "$s/sgabios.S")\"" \
        -DBUILD_SHORT_DATE="\"$(date -u +%D -r "$s/sgabios.S")\"" \
        -DBUILD_HOST=\"qemu-cxl\" -DBUILD_USER=\"build\" &&
    ld -m elf_i386 -T "$s/rom16.ld" -nostdlib "$o/sgabios.o" -o "$o/sgabios.elf" &&
    objcopy -O binary "$o/sgabios.elf" "$o/sgabios.bin" &&
    gcc -Wall -O2 -o "$o/csum8" "$s/csum8.c" &&
    "$o/csum8" "$o/sgabios.bin"
    } > "$o/build.log" 2>&1 || die "building sgabios.bin failed (log: $o/build.log)"
fi
link "../sgabios/sgabios.bin" "$dir/sgabios.bin"
# Keymaps are looked up in the data directory too.
link "$SRC/pc-bios/keymaps" "$dir/keymaps"
