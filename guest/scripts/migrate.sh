
# Appended to region.sh by guest/tests/migrate.sh: after the region is
# made and filled with SEED, keep rewriting it, each pass with the next
# seed, while the host migrates this guest; then wait for the host's go
# (2 MiB of pattern GO it writes past LEN into the destination's backing
# files: device-dax maps in 2 MiB units) and check the last pass
# everywhere. A page the migration missed holds an older pass, or nothing.
echo "@@MIGRATE-READY"
i=1
while [ $i -le "$PASSES" ]; do
    memtool fill "$dax" 0 "$LEN" $((SEED + i)) $rw > /dev/null || exit 1
    i=$((i + 1))
done
echo "@@WRITES-DONE $((SEED + PASSES))"
n=0
until memtool check "$dax" "$LEN" $((2 << 20)) "$GO" $rw > /dev/null 2>&1; do
    n=$((n + 1)); [ $n -lt 300 ] || { echo "no go from the host"; exit 1; }
    sleep 1
done
memtool check "$dax" 0 "$LEN" $((SEED + PASSES)) $rw || exit 1
echo "@@MIGRATE-CHECKED"
