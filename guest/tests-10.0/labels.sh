#!/usr/bin/env bash
# The 10.0 line, upstream's CXL with the line's patches, with Linux 6.12:
# the namespace-label test of guest/tests/labels.sh (8 Type 3 devices with
# label storage areas behind one switch; an 8-way pmem region and a devdax
# namespace whose labels the kernel writes; the pattern in the backing
# files and the namespace's uuid in every label file; a second boot on the
# same files finds the namespace from the labels alone and reads the
# pattern back).
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
export QEMU_CXL_LINE=10.0 LABELS_PREFIX=10.0- RUN_OPTS="-k backports -c max,hypervisor=off"
exec bash "$G/tests/labels.sh"
