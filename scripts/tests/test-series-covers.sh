#!/usr/bin/env bash
# A line's patches/series cut by '#=series NAME' lines gives one series
# per cut, in order, each with the cover letter of patches/covers/NAME.txt
# (its subject and text, no placeholder left), and together the patches
# of the whole line; a cut without a cover letter is refused. Both lines
# are cut: the core series first, then cxl.
. "$(dirname "$0")/lib.sh"
copy_repo "$SCRATCH/r"
cd "$SCRATCH/r"
git config user.name t; git config user.email t@t
for line in 5.2 10.0; do
    export QEMU_CXL_LINE=$line
    . scripts/lib.sh; . scripts/series-lib.sh
    out=${LINE_BUILD#$TOP/}/series
    mapfile -t cuts < <(series_groups)
    [ ${#cuts[@]} -ge 2 ] || fail "qemu-$line/patches/series is not cut into series"
    [ "${cuts[-1]#* }" = cxl ] || fail "qemu-$line/patches/series does not end with the cxl series"
    bash scripts/series.sh > "$SCRATCH/log" 2>&1 || { cat "$SCRATCH/log"; fail "series ($line)"; }
    total=$(grep -c '^[^ #]' "qemu-$line/patches/series")
    for ((g = 0; g < ${#cuts[@]}; g++)); do
        name=${cuts[$g]#* } first=${cuts[$g]%% *}
        if [ $((g + 1)) -lt ${#cuts[@]} ]; then end=${cuts[$((g + 1))]%% *}; else end=$total; fi
        dir=$out/$(printf '%02d' $((g + 1)))-$name
        [ -d "$dir" ] || fail "no $dir"
        n=$(ls "$dir"/*.patch | grep -vc '/0000-cover-letter.patch$')
        [ "$n" = $((end - first)) ] || fail "$dir has $n patches, the series file gives $name $((end - first))"
        cover=qemu-$line/patches/covers/$name.txt
        subject=$(head -n 1 "$cover")
        grep -qF "Subject: [PATCH 0/$n] $subject" "$dir/0000-cover-letter.patch" \
            || grep -qF "Subject: [PATCH 00/$n] $subject" "$dir/0000-cover-letter.patch" \
            || { sed -n 1,8p "$dir/0000-cover-letter.patch"; fail "$dir's cover letter does not have the subject of $cover"; }
        grep -qF "$(sed -n 3p "$cover")" "$dir/0000-cover-letter.patch" || fail "$dir's cover letter lacks its text"
        ! grep -q '\*\*\* \(SUBJECT\|BLURB\) HERE \*\*\*' "$dir/0000-cover-letter.patch" || fail "$dir's cover letter still has a placeholder"
        # Each series' patches are numbered from 1 again.
        [ -f "$(ls "$dir"/0001-*.patch)" ] || fail "$dir does not start at 0001"
    done
    [ "$(series_patches "$out" | wc -l)" = "$total" ] || fail "the $line series together do not hold the line's $total patches"
    echo "$line: ${#cuts[@]} series ($(for c in "${cuts[@]}"; do printf '%s ' "${c#* }"; done)) with their cover letters, $total patches"
done
rm "qemu-$line/patches/covers/${cuts[1]#* }.txt"   # the last line's
expect_fail_with "has no cover letter" "$SCRATCH/log" bash scripts/series.sh
echo "ok: a missing cover letter refused"
