#!/usr/bin/env bash
# Run the base's own scripts/checkpatch.pl, as a QEMU maintainer would, on
# every patch of a line's series (`make series`): an ERROR in any patch
# (lines over 90 columns, style, a missing Signed-off-by, expected ACPI
# tables changed together with their test) fails. Warnings are printed
# in the log and let through, as QEMU's CI does.
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"

use_stand_in_identity_if_none
bash "$TOP/scripts/series.sh"
series=$LINE_BUILD/series
out=$LINE_BUILD/checkpatch
rm -rf "$out"; mkdir -p "$out"
n=0 bad=()
# Cover letters too: checkpatch.pl reads their message (no diff to check).
for p in $(ls "$series"/*.patch "$series"/*/*.patch 2>/dev/null); do
    n=$((n + 1))
    log=$out/$(basename "$(dirname "$p")")-$(basename "$p" .patch).log
    # checkpatch.pl wants to run from the top of a QEMU tree: the base's.
    if ! (cd "$BASE_DIR" && perl scripts/checkpatch.pl -q "$p") > "$log" 2>&1; then
        bad+=("${p#$series/}")
        say "checkpatch: ${p#$series/}:"
        grep -A3 '^ERROR' "$log" | head -n 24
    fi
done
[ ${#bad[@]} = 0 ] || die "QEMU $QEMU_CXL_LINE: checkpatch.pl found errors in ${#bad[@]} of $n patches: ${bad[*]} (logs in ${out#$TOP/}/)"
step "QEMU $QEMU_CXL_LINE: checkpatch.pl passes on all $n patches (warnings in ${out#$TOP/}/)"
