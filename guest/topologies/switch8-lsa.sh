#!/usr/bin/env bash
# 8 devices behind one switch: guest/topologies/switch.sh with 8
# downstream ports (1 host bridge, 1 root port, a Type 3 device with
# 256 MiB persistent memory and a 1 MiB label storage area on each port,
# a 4 GiB window). Prints QEMU arguments, one per line; backing files go
# into $1.
SWITCH_PORTS=8 exec bash "$(dirname "$0")/switch.sh" "$@"
