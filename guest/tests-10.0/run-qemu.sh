#!/usr/bin/env bash
# The 10.0 line: run_qemu's default `--cxl` topology
# (guest/topologies/run-qemu.sh: two host bridges, a switch with sn= and a
# cxl-switch-mailbox-cci beside its upstream port below each first root
# port, two persistent and two volatile devices without serial numbers, two
# windows at 8 KiB) boots unchanged under Linux 6.12, which makes a 2-way
# pmem region through host bridge 0's switch; every word the guest writes
# must be in the right backing file, and after a reboot the region that
# the namespace labels describe must come back and read what the host
# seeded (guest/tests/region.sh).
#
# Stock 10.0 fails the second boot: a cxl-type3 without sn= reports serial
# number 0, both pmem devices' nvdimms get id 0, and the labelled region
# stays disabled. The 10.0 line gives every device a serial number
# (qemu-10.0/patches/0008).
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
export QEMU_CXL_LINE=10.0 REGION_PREFIX=10.0- RUN_OPTS="-k backports -c max,hypervisor=off"
export REGION_CONFIGS="run-qemu decoder0.0 2 256" REGION_FILES="host:cxltest%d.raw"
exec bash "$G/tests/region.sh"
