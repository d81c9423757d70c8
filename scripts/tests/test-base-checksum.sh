#!/usr/bin/env bash
# A wrong checksum of the downloaded base stops everything with a clear message.
. "$(dirname "$0")/lib.sh"
. "$REPO/scripts/lib.sh"
cache=$SCRATCH/cache
mkdir -p "$cache/dl"
for f in $(awk '{print $2}' "$REPO/base/SHA256SUMS"); do
    ln -s "$QEMU_CXL_CACHE/dl/$f" "$cache/dl/$f"
done
copy_repo "$SCRATCH/r"
sed -i '1s/^./0/; 1s/^0/1/' "$SCRATCH/r/base/SHA256SUMS"   # corrupt the .dsc's sum
QEMU_CXL_CACHE=$cache expect_fail_with "checksum mismatch" "$SCRATCH/log" bash "$SCRATCH/r/scripts/fetch-base.sh"
[ ! -d "$cache/base" ] || [ -z "$(ls "$cache/base")" ] || fail "a base was unpacked despite the mismatch"
# And the real sums pass on the same files.
cp "$REPO/base/SHA256SUMS" "$SCRATCH/r/base/SHA256SUMS"
QEMU_CXL_CACHE=$cache bash "$SCRATCH/r/scripts/fetch-base.sh" > "$SCRATCH/log2" 2>&1 || { cat "$SCRATCH/log2"; fail "good checksums refused"; }
echo "ok: wrong checksum refused, right one accepted"
