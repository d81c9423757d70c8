#!/usr/bin/env bash
# A patch in qemu-5.2/patches/ whose hunk does not apply fails the tree loudly.
. "$(dirname "$0")/lib.sh"
copy_repo "$SCRATCH/r"
p=$(ls "$SCRATCH"/r/qemu-5.2/patches/*.patch | sed -n 1p)   # sed reads all: no SIGPIPE for ls
[ -n "$p" ] || fail "no patch to break"
# Change a context line of the first hunk so that it no longer matches.
python3 - "$p" <<'PY'
import sys, re
p = sys.argv[1]
lines = open(p).read().split('\n')
for i, l in enumerate(lines):
    if l.startswith('@@'):
        for j in range(i + 1, len(lines)):
            if lines[j].startswith(' ') and len(lines[j]) > 1:
                lines[j] = ' qemu-cxl-context-that-is-not-there'
                break
        break
open(p, 'w').write('\n'.join(lines))
PY
expect_fail_with "does not apply cleanly" "$SCRATCH/log" bash "$SCRATCH/r/scripts/tree.sh"
echo "ok: $(basename "$p") with a broken hunk was refused: $(grep 'does not apply' "$SCRATCH/log")"
