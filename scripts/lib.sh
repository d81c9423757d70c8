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
