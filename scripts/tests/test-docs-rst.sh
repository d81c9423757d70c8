#!/usr/bin/env bash
# The CXL documentation is valid reStructuredText: docutils renders it
# without a warning (Debian's python3-docutils).
. "$(dirname "$0")/lib.sh"
bash "$REPO/scripts/deps.sh" docs > /dev/null || fail "python3-docutils missing"
out=$(rst2html --halt=warning "$REPO/qemu-5.2/docs/system/devices/cxl.rst" 2>&1 > /dev/null) \
    || fail "qemu-5.2/docs/system/devices/cxl.rst: $out"
echo "ok: qemu-5.2/docs/system/devices/cxl.rst renders without warnings"
