# Guest side of the RAS test (guest/tests-10.0/ras-kernel7.sh), after
# region.sh (MODE=region) made the region $r and said where it lies and
# which memdev and endpoint decoder hold each position:
# - poison: list the region's media errors with ndctl 81 until the
#   host's injected poison shows (EXPECT records), and print them;
# - events: with the kernel's cxl_general_media trace event on, wait
#   for the General Media event the host injects, and print it.
T=/sys/kernel/tracing
grep -q " $T " /proc/mounts || mount -t tracefs nodev $T
echo 1 > $T/events/cxl/cxl_general_media/enable || { echo "ras: no cxl_general_media trace event"; exit 1; }
echo "@@POISON-READY"
i=0
while :; do
    cxl list -r "$r" --media-errors > /tmp/media.json 2>/tmp/media.err
    n=$(grep -c '"offset"' /tmp/media.json)
    [ "$n" -ge "$EXPECT" ] && break
    [ $i -lt 90 ] || { echo "ras: $n of $EXPECT media errors after ${i} tries"; cat /tmp/media.json /tmp/media.err; exit 1; }
    sleep 2; i=$((i + 1))
done
echo "@@MEDIA-ERRORS"; cat /tmp/media.json; echo "@@MEDIA-ERRORS-END"
echo "@@EVENT-READY"
i=0
until grep -q "cxl_general_media:" $T/trace; do
    [ $i -lt 90 ] || { echo "ras: no cxl_general_media event after ${i} tries"; cat $T/trace; dmesg | grep -i cxl | tail; exit 1; }
    sleep 2; i=$((i + 1))
done
echo "@@EVENTS"; grep "cxl_general_media:" $T/trace; echo "@@EVENTS-END"
echo "@@END"
