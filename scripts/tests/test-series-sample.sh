#!/usr/bin/env bash
# check-series builds each line's series after the patches
# series_build_picks chooses: in make check the end of each series, the
# sample of CXL layers and the last; in make check-series-full every
# patch. On each line's real series' subjects: every sample subject is
# found, the ends of the core series and the last patch are chosen; a
# sample subject that no patch has (a renamed patch) fails, naming it;
# "all" chooses every patch.
. "$(dirname "$0")/lib.sh"
cd "$REPO"
for line in 5.2 10.0; do
    export QEMU_CXL_LINE=$line
    . scripts/lib.sh; . scripts/series-lib.sh
    subjects=$SCRATCH/subjects-$line
    for p in $(series_entries | awk '$1 == "P" { print $2 }'); do
        git mailinfo /dev/null /dev/null < "qemu-$line/patches/$p" | sed -n 's/^Subject: //p'
    done > "$subjects"
    n=$(wc -l < "$subjects")
    [ "$n" -ge 30 ] || fail "expected the $line series' subjects, got $n"
    picks=$(series_build_picks sample < "$subjects") || fail "series_build_picks failed on the real $line series"
    want_sample=$(series_build_sample | wc -l)
    [ "$want_sample" -ge 5 ] || fail "$line: a sample of $want_sample patches"
    [ "$(grep -c ' sample$' <<< "$picks")" = "$want_sample" ] || fail "$line: not every sample subject chosen:"$'\n'"$picks"
    mapfile -t cuts < <(series_groups)
    [ ${#cuts[@]} -ge 4 ] || fail "$line: the series is not cut into the core series and cxl"
    for ((g = 0; g < ${#cuts[@]} - 1; g++)); do
        grep -q " end of series ${cuts[$g]#* }\$" <<< "$picks" || fail "$line: the end of series ${cuts[$g]#* } is not built:"$'\n'"$picks"
    done
    [ "$(tail -n 1 <<< "$picks")" = "$((n - 1)) last" ] || fail "$line: the last patch is not built:"$'\n'"$picks"
    # The picks are where the subjects are
    while read -r i why; do
        [ "$why" = sample ] || continue
        series_build_sample | grep -qxF "$(sed -n "$((i + 1))p" "$subjects")" || fail "$line: patch $i chosen as a sample, but its subject is not one"
    done <<< "$picks"
    # A renamed patch: its old subject in the sample fails, naming it
    old=$(series_build_sample | sed -n 2p)
    grep -vxF "$old" "$subjects" > "$subjects.renamed"
    echo "hw/cxl: renamed" >> "$subjects.renamed"
    expect_fail_with "names '$old'" "$SCRATCH/log" series_build_picks sample < "$subjects.renamed"
    # make check-series-full: every patch
    [ "$(series_build_picks all < "$subjects" | wc -l)" = "$n" ] || fail "$line: all does not choose every patch"
    echo "$line: series_build_picks: $(wc -l <<< "$picks") of $n patches in make check, all $n in check-series-full"
done
