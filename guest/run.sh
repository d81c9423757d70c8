#!/usr/bin/env bash
# Boot the qemu-cxl guest under our QEMU with a topology and a guest script.
#
#   guest/run.sh [-t SECONDS] [-l LOG] [-T TOPOLOGY] [-v] [-s SMP] [-m MEM]
#                [-k KERNEL] [-c CPU] [-a ARCH] [-w SECONDS] SCRIPT [-- QEMU ARGS...]
#
# -k picks the guest kernel, as GUEST_KERNEL for guest/prepare.sh: bookworm
# (default, 6.1), backports (6.12) or trixie (trixie-backports' 7.x with
# Debian 13's ndctl 81). -c is QEMU's -cpu (default max). Kernels newer
# than 6.1 refuse to create regions under a hypervisor, and 6.12's
# decompressor uses BMI2's SHLX, which QEMU 5.2's TCG refuses (#UD, a
# triple fault before any console output): on the 5.2 line 6.12 guests
# run with -c max,hypervisor=off,bmi2=off and 7.x guests with
# -c qemu64,hypervisor=off; on the 10.0 line both with
# -c max,hypervisor=off (README.md, "Guest harness").
#
# -a arm64 (or GUEST_ARCH=arm64) boots Debian's arm64 kernel instead, under
# qemu-system-aarch64 -M virt with Debian's UEFI firmware (qemu-efi-aarch64)
# and ACPI, always with TCG. Topologies are written for q35: their
# "-M q35,..." becomes "-M virt,...", nothing else changes. -c defaults to
# cortex-a57 there (max emulates pointer authentication, which is slow).
#
# SCRIPT runs as /test/run.sh in the guest (busybox sh); files next to it
# named SCRIPT.d/* go to /test too. The guest's console goes to LOG
# (default build/guest/logs/<script>.log) and to stdout with -v; on x86 the
# firmware's (SeaBIOS's debug console, I/O port 0x402) to LOG.firmware.
# Exit status: the script's, or 124 when the guest was still going after
# SECONDS (default 300) and was killed, or 125 when it ended without
# reporting a status, or 123 when it stalled.
#
# Stalls: guest/stall.py watches the guest through QMP (a socket in the
# run's work directory). A guest that neither prints (console or firmware)
# nor keeps a vCPU busy for -w SECONDS (GUEST_STALL_SECONDS, default 45; 0
# turns the watch off), while QEMU runs it, has stalled: its vCPUs' state
# (info status, info cpus, info registers -a, each PC resolved to a kernel
# symbol) goes to LOG.stall, QEMU is stopped, and one line on stderr says
# "guest made no progress after N s at RIP 0x... (symbol+0xoff) [cpu0],
# ...". A kernel that panicked with panic=0 spins for ever: after its
# "end Kernel panic" line busy vCPUs no longer count. A guest that is
# paused or migrating (QEMU status inmigrate, postmigrate, paused...) is
# not stalled.
# QEMU runs with KVM when /dev/kvm works, TCG otherwise (QEMU_CXL_ACCEL
# forces one). The QEMU is the 5.2 line's (build/qemu-system-*) or, with
# QEMU_CXL_LINE=10.0, the 10.0 line's (build/10.0/qemu-system-*); QEMU=
# names any other binary.
. "$(dirname "$0")/../scripts/lib.sh"

timeout=300 log="" topo="" verbose=0 smp=2 mem=2G cpu=""
arch=${GUEST_ARCH:-amd64}
stall=${GUEST_STALL_SECONDS:-45}
while getopts "t:l:T:vs:m:k:c:a:w:" o; do
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
        w) stall=$OPTARG ;;
        *) die "usage: guest/run.sh [-t SECONDS] [-l LOG] [-T TOPOLOGY] [-v] [-s SMP] [-m MEM] [-k KERNEL] [-c CPU] [-a ARCH] [-w SECONDS] SCRIPT [-- QEMU ARGS]" ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || die "guest/run.sh: no guest script given"
script=$1; shift
[ "${1:-}" = "--" ] && shift
[ -f "$script" ] || die "guest script $script not found"
[[ $stall =~ ^[0-9]+$ ]] || die "-w $stall (GUEST_STALL_SECONDS): expected a number of seconds"

export GUEST_ARCH=$arch
G=$BUILD/guest
case $arch in
    amd64)
        QEMU=${QEMU:-$LINE_BUILD/qemu-system-x86_64}
        K=$G                            # kernel and initramfs
        [ "${GUEST_KERNEL:-bookworm}" = backports ] && K=$G/backports
        [ "${GUEST_KERNEL:-bookworm}" = trixie ] && K=$G/trixie
        cpu=${cpu:-max}
        machine=(-M q35)
        console=ttyS0,115200
        ;;
    arm64)
        QEMU=${QEMU:-$LINE_BUILD/qemu-system-aarch64}
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
qpid="" wpid="" qmpdir=""
# On the way out, QEMU (through timeout, which passes SIGTERM on) and the
# watcher go too: a caller that kills run.sh leaves no guest running.
cleanup() {
    [ -z "$wpid" ] || kill "$wpid" 2>/dev/null || true
    [ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
    rm -rf "$work" ${qmpdir:+"$qmpdir"}
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

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
    # (qemu-5.2/docs/system/devices/cxl.rst) are topologies too.
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
# no_timer_check: at boot an x86 kernel counts the timer interrupts that
# arrive through the IO-APIC in a few jiffies' worth of TSC cycles, and
# panics ("IO-APIC + timer doesn't work!") if too few came. Under TCG on a
# loaded host they can come late; the kernel skips the check under KVM for
# that reason, but not under TCG or with hypervisor=off.
cmdline="console=$console panic=-1 loglevel=4 rdinit=/init no_timer_check ${GUEST_APPEND:-}"

# QMP for the watcher; a unix socket's path has at most 107 bytes.
qmp=$work/qmp.sock
if [ ${#qmp} -gt 100 ]; then
    qmpdir=$(mktemp -d /tmp/qemu-cxl-qmp.XXXXXX)
    qmp=$qmpdir/qmp.sock
fi
# SeaBIOS's debug console, beside the console log (UEFI on arm64 writes
# to the serial port).
rm -f "$log.stall" "$log.firmware"
firmware=() fwlog=""
if [ "$arch" = amd64 ]; then
    fwlog=$log.firmware
    firmware=(-chardev "file,id=firmware,path=${fwlog//,/,,}" -device isa-debugcon,iobase=0x402,chardev=firmware)
fi
# The System.map of the kernel package, if it is a real one (Debian's is a
# placeholder: stall.py then reads the kernel's own symbol table).
kver=$(cat "$K/kernel-version") kroot=$QEMU_CXL_CACHE/kernel/$(cat "$K/kernel-package" 2>/dev/null || true)/root
# GUEST_SYSTEM_MAP names another (e.g. from the linux-image-*-dbg package).
maps=()
for m in "${GUEST_SYSTEM_MAP:-}" "$kroot/boot/System.map-$kver" "$kroot/lib/modules/$kver/System.map" \
         "$kroot/usr/lib/modules/$kver/System.map"; do
    if [ -n "$m" ] && [ -f "$m" ]; then
        maps+=(--system-map "$m")
    fi
done

echo "guest: $kver on $(basename "$QEMU") ($accel), script $script, log $log"
set +e
timeout -k 10 "$timeout" "$QEMU" "${machine[@]}" -accel "$accel" -cpu "$cpu" -smp "$smp" -m "$mem" \
    -nodefaults -no-user-config -display none -nic none -no-reboot \
    -serial "file:$log" "${firmware[@]}" -qmp "unix:${qmp//,/,,},server=on,wait=off" \
    -kernel "$K/vmlinuz" -initrd "$work/initrd.gz" -append "$cmdline" \
    "${topo_args[@]}" "$@" > "$work/qemu.out" 2>&1 &
qpid=$!
if [ "$stall" != 0 ]; then
    python3 "$TOP/guest/stall.py" watch --qmp "$qmp" --pid "$qpid" --window "$stall" \
        --console "$log" ${fwlog:+--firmware "$fwlog"} --kernel "$K/vmlinuz" "${maps[@]}" \
        --arch "$arch" --report "$log.stall" --message "$work/stall.msg" > "$work/stall.out" 2>&1 &
    wpid=$!
fi
wait "$qpid"
qrc=$?
qpid=""
wrc=0
if [ -n "$wpid" ]; then
    # The watcher ends with QEMU (or it stopped QEMU): give it a moment.
    for ((i = 0; i < 300; i++)); do
        kill -0 "$wpid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$wpid" 2>/dev/null
    wait "$wpid"
    wrc=$?
    wpid=""
fi
set -e
[ $verbose = 1 ] && cat "$log"
if [ $wrc = 123 ] && [ -s "$work/stall.msg" ]; then
    cat "$work/stall.msg" >&2
    exit 123
fi
if [ $wrc != 0 ]; then
    echo "guest: the stall watch (guest/stall.py) failed with status $wrc: $(tail -n 1 "$work/stall.out")" >&2
fi
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
