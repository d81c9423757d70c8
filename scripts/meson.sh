#!/usr/bin/env bash
# QEMU 10.0 needs meson >= 1.5; Debian 12 ships 1.0.1, which the 5.2 line
# keeps using. This fetches bookworm-backports' meson (1.7 today) with a
# private apt configuration, unpacks it (dpkg -x, not installed) into
# $QEMU_CXL_CACHE/tools/meson and prints the folder to put on PYTHONPATH;
# QEMU's configure then finds it from its Python venv.
. "$(dirname "$0")/lib.sh"

T=$QEMU_CXL_CACHE/tools/meson
PY=$T/root/usr/lib/python3/dist-packages
have_meson() {
    [ -f "$PY/mesonbuild/coredata.py" ] &&
        PYTHONPATH=$PY /usr/bin/python3 -c 'import sys, mesonbuild.coredata as c
v = tuple(int(x) for x in c.version.split(".")[:2]); sys.exit(v < (1, 5))' 2>/dev/null
}
if ! have_meson; then
    step "fetching meson from bookworm-backports (QEMU 10.0 needs >= 1.5)" >&2
    mkdir -p "$T"
    cat > "$T/sources.list" <<'SRC'
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
SRC
    private_apt tools "$T/sources.list" apt-get update -q > "$T/apt.log" 2>&1 \
        || die "apt-get update (bookworm-backports) failed: $(grep -E '^(E|W):' "$T/apt.log" | tail -n 2)"
    rm -rf "$T/deb" "$T/root"; mkdir -p "$T/deb"
    (cd "$T/deb" && private_apt tools "$T/sources.list" apt-get download -q meson/bookworm-backports) >> "$T/apt.log" 2>&1 \
        || die "apt-get download meson/bookworm-backports failed: $(tail -n 2 "$T/apt.log")"
    dpkg -x "$T"/deb/meson_*.deb "$T/root" || die "dpkg -x meson failed"
    have_meson || die "bookworm-backports' meson is older than 1.5"
fi
echo "$PY"
