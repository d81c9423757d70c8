
# Appended to region.sh by guest/tests-10.0/remap.sh: after the region is
# made and filled with SEED, for RUN_FOR seconds one process rewrites its
# first half pass after pass, each pass with the next seed, while another
# checks, again and again, that the second half still holds SEED; the
# host meanwhile switches the windows' routing back and forth, so that
# QEMU takes back the pages it mapped into both vCPUs' TLBs, over and
# over. Then both halves are checked once more.
half=$((LEN / 2))
echo "@@REMAP-READY"
rm -f /tmp/remap.stop
(
    n=0
    until [ -e /tmp/remap.stop ]; do
        memtool check "$dax" $half $half "$SEED" $rw > /dev/null || { echo "@@REMAP-READER-FAILED"; exit 1; }
        n=$((n + 1))
    done
    echo "@@REMAP-READS $n"
) &
reader=$!
end=$(($(date +%s) + RUN_FOR))
i=0
while [ "$(date +%s)" -lt $end ]; do
    i=$((i + 1))
    memtool fill "$dax" 0 $half $((SEED + i)) $rw > /dev/null || exit 1
done
touch /tmp/remap.stop
wait $reader || exit 1
echo "@@REMAP-DONE $((SEED + i)) $i"
memtool check "$dax" 0 $half $((SEED + i)) $rw || exit 1
memtool check "$dax" $half $half "$SEED" $rw || exit 1
echo "@@REMAP-CHECKED"
