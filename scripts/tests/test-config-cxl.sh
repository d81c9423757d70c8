#!/usr/bin/env bash
# The build hooks make CONFIG_CXL part of qemu-system-x86_64 (Q35 implies it).
. "$(dirname "$0")/lib.sh"
h=$REPO/build/qemu/x86_64-softmmu-config-devices.h
[ -f "$h" ] || fail "$h missing: build first"
grep -q '^#define CONFIG_CXL 1' "$h" || fail "CONFIG_CXL is not enabled in $h"
echo "ok: CONFIG_CXL enabled for x86_64-softmmu"
