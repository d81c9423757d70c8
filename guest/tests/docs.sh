#!/usr/bin/env bash
# Every worked topology of qemu-5.2/docs/system/devices/cxl.rst, as the docs give
# it: its command line boots with Debian's kernel (6.1), Linux enumerates
# every Type 3 device of it, and the documented guest commands build a
# region with a devdax device on it.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
B=$G/../build/guest
rc=0
for name in $(python3 "$G/../scripts/doc-topology.py" list); do
    export TOPO_DIR=$B/backing/doc-$name
    rm -rf "$TOPO_DIR" "$B/run/doc-$name.sh.d"
    mkdir -p "$B/run/doc-$name.sh.d"
    cp "$G/scripts/doc-topology.sh" "$B/run/doc-$name.sh"
    echo "MEMDEVS=$(python3 "$G/../scripts/doc-topology.py" devices "$name")" \
        > "$B/run/doc-$name.sh.d/doc.conf"
    python3 "$G/../scripts/doc-topology.py" guest "$name" > "$B/run/doc-$name.sh.d/doc-guest.sh"
    log=$B/logs/doc-$name.log
    if bash "$G/run.sh" -t 300 -l "$log" -T "$name" "$B/run/doc-$name.sh" > /dev/null \
       && grep -q '^doc: ok' "$log"; then
        echo "ok   $name: $(grep -m1 '^doc: [0-9]* memdevs' "$log" | tr -d '\r')"
    else
        echo "FAIL $name (log $log):"
        grep '^doc:' "$log" | tail -n 15 | sed 's/^/    /' || true
        rc=1
    fi
done
exit $rc
