#!/usr/bin/env bash
# A wrong checksum of the downloaded base stops everything with a clear
# message, on both lines.
. "$(dirname "$0")/lib.sh"
. "$REPO/scripts/lib.sh"
cache=$SCRATCH/cache
mkdir -p "$cache/dl"
copy_repo "$SCRATCH/r"
for line in 5.2 10.0; do
    sums=qemu-$line/base/SHA256SUMS
    for f in $(awk '{print $2}' "$REPO/$sums"); do
        [ -f "$QEMU_CXL_CACHE/dl/$f" ] || fail "$f is not in $QEMU_CXL_CACHE/dl: run make first"
        ln -sfn "$QEMU_CXL_CACHE/dl/$f" "$cache/dl/$f"
    done
    sed -i '1s/^./0/; 1s/^0/1/' "$SCRATCH/r/$sums"   # corrupt the .dsc's sum
    QEMU_CXL_LINE=$line QEMU_CXL_CACHE=$cache expect_fail_with "checksum mismatch" "$SCRATCH/log" bash "$SCRATCH/r/scripts/fetch-base.sh"
    [ ! -d "$cache/base" ] || [ -z "$(ls "$cache/base")" ] || fail "$line: a base was unpacked despite the mismatch"
    # And the real sums pass on the same files.
    cp "$REPO/$sums" "$SCRATCH/r/$sums"
    QEMU_CXL_LINE=$line QEMU_CXL_CACHE=$cache bash "$SCRATCH/r/scripts/fetch-base.sh" > "$SCRATCH/log2" 2>&1 || { cat "$SCRATCH/log2"; fail "$line: good checksums refused"; }
    rm -rf "$cache/base" "$cache"/base.stamp "$cache"/base/*.stamp
    echo "ok: $line: wrong checksum refused, right one accepted"
done
