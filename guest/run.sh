#!/usr/bin/env bash
# Boot the qemu-cxl guest under our QEMU with a topology and a guest script.
#
#   guest/run.sh [-t SECONDS] [-l LOG] [-T TOPOLOGY] [-v] [-s SMP] [-m MEM]
#                [-k KERNEL] [-c CPU] [-a ARCH] SCRIPT [-- QEMU ARGS...]
#
# -k picks the guest kernel, as GUEST_KERNEL for guest/prepare.sh: bookworm
# (default) or backports (6.12). -c is QEMU's -cpu (default max). Kernels
# newer than 6.1 refuse to create regions under a hypervisor, and 6.12's
# decompressor uses BMI2's SHLX, which QEMU 5.2's TCG refuses (#UD, a
# triple fault before any console output): 6.12 guests run with
# -c max,hypervisor=off,bmi2=off.
#
# -a arm64 (or GUEST_ARCH=arm64) boots Debian's arm64 kernel instead, under
# qemu-system-aarch64 -M virt with Debian's UEFI firmware (qemu-efi-aarch64)
# and ACPI, always with TCG. Topologies are written for q35: their
# "-M q35,..." becomes "-M virt,...", nothing else changes. -c defaults to
# cortex-a57 there (max emulates pointer authentication, which is slow).
#
# SCRIPT runs as /test/run.sh in the guest (busybox sh); files next to it
# named SCRIPT.d/* go to /test too. The guest's console goes to LOG
# (default build/guest/logs/<script>.log) and to stdout with -v. Exit status:
# the script's, or 124 when the guest hung and was killed after SECONDS
# (default 300), or 125 when it ended without reporting a status.
# QEMU runs with KVM when /dev/kvm works, TCG otherwise (QEMU_CXL_ACCEL
# forces one).
. "$(dirname "$0")/../scripts/lib.sh"

timeout=300 log="" topo="" verbose=0 smp=2 mem=2G cpu=""
arch=${GUEST_ARCH:-amd64}
while getopts "t:l:T:vs:m:k:c:a:" o; do
    case $o in
        t) timeout=$OPTARG ;;
        l) log=$OPTARG ;;
        T) topo=$OPTARG ;;
        v) verbose=1 ;;
        s) smp=$OPTARG ;;
        m) mem=$OPTARG ;;
        k) export GUEST_KERNEL=$OPTARG ;;
        c) cpu=$OPTARG ;;
        a) arch=$OPTARG ;;
        *) die "usage: guest/run.sh [-t SECONDS] [-l LOG] [-T TOPOLOGY] [-v] [-s SMP] [-m MEM] [-k KERNEL] [-c CPU] [-a ARCH] SCRIPT [-- QEMU ARGS]" ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || die "guest/run.sh: no guest script given"
script=$1; shift
[ "${1:-}" = "--" ] && shift
[ -f "$script" ] || die "guest script $script not found"

export GUEST_ARCH=$arch
G=$BUILD/guest
case $arch in
    amd64)
        QEMU=${QEMU:-$BUILD/qemu-system-x86_64}
        K=$G                            # kernel and initramfs
        [ "${GUEST_KERNEL:-bookworm}" = backports ] && K=$G/backports
        cpu=${cpu:-max}
        machine=(-M q35)
        console=ttyS0,115200
        ;;
    arm64)
        QEMU=${QEMU:-$BUILD/qemu-system-aarch64}
        K=$G/arm64
        cpu=${cpu:-cortex-a57}
        machine=(-M virt -bios "$K/QEMU_EFI.fd")
        console=ttyAMA0
        QEMU_CXL_ACCEL=tcg
        ;;
    *) die "-a $arch: expected amd64 or arm64" ;;
esac
[ -x "$QEMU" ] || die "$QEMU not built: run 'make' first"
bash "$TOP/guest/prepare.sh"
name=$(basename "$script" .sh)
mkdir -p "$G/logs" "$G/run"
[ -n "$log" ] || log=$G/logs/$name.log
work=$(mktemp -d "$G/run/$name.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The script (and its companions) as a second cpio archive appended to the
# initramfs: the kernel unpacks both.
mkdir -p "$work/root/test"
cp "$script" "$work/root/test/run.sh"
[ -d "$script.d" ] && cp -r "$script.d/." "$work/root/test/"
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/test.cpio.gz"
cat "$K/initramfs.cpio.gz" "$work/test.cpio.gz" > "$work/initrd.gz"

accel=${QEMU_CXL_ACCEL:-}
if [ -z "$accel" ]; then
    accel=tcg
    if kvm_works "$QEMU"; then
        accel=kvm
    elif [ -e /dev/kvm ] && [ -z "${QEMU_CXL_KVM_SAID:-}" ]; then
        echo "run.sh: /dev/kvm is here but a Linux guest does not boot under it: using TCG" >&2
        export QEMU_CXL_KVM_SAID=1
    fi
fi

topo_args=()
if [ -n "$topo" ]; then
    # A topology file prints QEMU arguments, one per line; backing files go
    # into the directory it is given. The worked topologies of the docs
    # (docs/system/devices/cxl.rst) are topologies too.
    f=$TOP/guest/topologies/$topo.sh
    if [ -f "$f" ]; then
        mapfile -t topo_args < <(bash "$f" "${TOPO_DIR:-$G/backing/$topo}")
    elif python3 "$TOP/scripts/doc-topology.py" list | grep -x "$topo" > /dev/null; then
        mapfile -t topo_args < <(python3 "$TOP/scripts/doc-topology.py" args "$topo" \
                                 "${TOPO_DIR:-$G/backing/$topo}")
    else
        die "unknown topology '$topo' (guest/topologies/, or the docs' worked topologies:" \
            "$(python3 "$TOP/scripts/doc-topology.py" list | tr '\n' ' '))"
    fi
fi

if [ "$arch" = arm64 ]; then
    # Written for q35: the same topology on virt
    for i in "${!topo_args[@]}"; do
        case ${topo_args[$i]} in q35|q35,*) topo_args[$i]=virt${topo_args[$i]#q35} ;; esac
    done
    GUEST_APPEND="acpi=force ${GUEST_APPEND:-}"
fi
cmdline="console=$console panic=-1 loglevel=4 rdinit=/init ${GUEST_APPEND:-}"
echo "guest: $(cat "$K/kernel-version") on $(basename "$QEMU") ($accel), script $script, log $log"
set +e
timeout -k 10 "$timeout" "$QEMU" "${machine[@]}" -accel "$accel" -cpu "$cpu" -smp "$smp" -m "$mem" \
    -nodefaults -no-user-config -display none -nic none -no-reboot \
    -serial "file:$log" -monitor none \
    -kernel "$K/vmlinuz" -initrd "$work/initrd.gz" -append "$cmdline" \
    "${topo_args[@]}" "$@" > "$work/qemu.out" 2>&1
qrc=$?
set -e
[ $verbose = 1 ] && cat "$log"
if [ $qrc = 124 ] || [ $qrc = 137 ]; then
    echo "guest: timed out after ${timeout}s and was killed; console log kept in $log" >&2
    exit 124
fi
if [ $qrc != 0 ]; then
    cat "$work/qemu.out" >&2
    echo "guest: QEMU exited with status $qrc; console log in $log" >&2
    exit 125
fi
rc=$(sed -n 's/^QEMU-CXL-EXIT=\([0-9]*\).*/\1/p' "$log" | tail -n 1)
if [ -z "$rc" ]; then
    echo "guest: ended without reporting a status (kernel panic?); console log in $log" >&2
    exit 125
fi
exit "$rc"
