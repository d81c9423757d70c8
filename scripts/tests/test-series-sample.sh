#!/usr/bin/env bash
# check-series builds the 5.2 series after the patches series_build_picks
# chooses: in make check the end of each series, the sample of CXL layers
# and the last; in make check-series-full every patch. On the real
# series' subjects: every sample subject is found, the ends of the core
# series and the last patch are chosen; a sample subject that no patch
# has (a renamed patch) fails, naming it; "all" chooses every patch.
. "$(dirname "$0")/lib.sh"
cd "$REPO"
export QEMU_CXL_LINE=5.2
. scripts/lib.sh; . scripts/series-lib.sh
subjects=$SCRATCH/subjects
for p in $(series_entries | awk '$1 == "P" { print $2 }'); do
    git mailinfo /dev/null /dev/null < "qemu-5.2/patches/$p" | sed -n 's/^Subject: //p'
done > "$subjects"
n=$(wc -l < "$subjects")
[ "$n" -ge 40 ] || fail "expected the 5.2 series' subjects, got $n"
picks=$(series_build_picks sample < "$subjects") || fail "series_build_picks failed on the real series"
want_sample=$(series_build_sample | wc -l)
[ "$(grep -c ' sample$' <<< "$picks")" = "$want_sample" ] || fail "not every sample subject chosen:"$'\n'"$picks"
for s in memory tcg migration pci; do
    grep -q " end of series $s\$" <<< "$picks" || fail "the end of series $s is not built:"$'\n'"$picks"
done
[ "$(tail -n 1 <<< "$picks")" = "$((n - 1)) last" ] || fail "the last patch is not built:"$'\n'"$picks"
# The picks are where the subjects are
while read -r i why; do
    [ "$why" = sample ] || continue
    series_build_sample | grep -qxF "$(sed -n "$((i + 1))p" "$subjects")" || fail "patch $i chosen as a sample, but its subject is not one"
done <<< "$picks"
# A renamed patch: its old subject in the sample fails, naming it
sed -i 's/^hw\/cxl: the fast path: .*/hw\/cxl: the fast path, renamed/' "$subjects"
expect_fail_with "names 'hw/cxl: the fast path: flat routes" "$SCRATCH/log" series_build_picks sample < "$subjects"
# make check-series-full: every patch
[ "$(series_build_picks all < "$subjects" | wc -l)" = "$n" ] || fail "all does not choose every patch"
echo "series_build_picks: $(wc -l <<< "$picks") of $n patches in make check, all $n in check-series-full"
