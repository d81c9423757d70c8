#!/usr/bin/env bash
# Run a peer QEMU unpacked by bench/peers.sh: its own shared libraries,
# modules (7.2 builds TCG as a module) and firmware (its share folder and
# seabios's), never the system's.
#
#   bench/peer-qemu.sh VERSION QEMU-ARGS...
#
# bench/peer-qemu-VERSION is this with VERSION filled in, for use as
# guest/run.sh's $QEMU.
set -euo pipefail
v=$1; shift
if [ -z "${QEMU_CXL_CACHE:-}" ]; then
    if [ "$(id -u)" = 0 ]; then
        QEMU_CXL_CACHE=/var/cache/qemu-cxl
    else
        QEMU_CXL_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/qemu-cxl
    fi
fi
root=$QEMU_CXL_CACHE/peers/$v/root
export LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export QEMU_MODULE_DIR=$root/usr/lib/x86_64-linux-gnu/qemu
exec "$root/usr/bin/qemu-system-x86_64" -L "$root/usr/share/qemu" -L "$root/usr/share/seabios" "$@"
