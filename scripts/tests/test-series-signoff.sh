#!/usr/bin/env bash
# `make series` signs every patch off with the git identity configured
# where it runs, and refuses to write a series without one.
. "$(dirname "$0")/lib.sh"
copy_repo "$SCRATCH/r"
cd "$SCRATCH/r"
git config --unset user.name 2>/dev/null || true
git config --unset user.email 2>/dev/null || true
# The shared download cache, found before HOME moves (lib.sh may look
# for it there).
export QEMU_CXL_CACHE; QEMU_CXL_CACHE=$(bash -c '. scripts/lib.sh; echo $QEMU_CXL_CACHE')
# No identity anywhere: no global or system configuration either.
mkdir -p "$SCRATCH/home"
export HOME=$SCRATCH/home GIT_CONFIG_NOSYSTEM=1 XDG_CONFIG_HOME=$SCRATCH/home/.config
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
expect_fail_with "no git identity to sign the patches off with" "$SCRATCH/log" bash scripts/series.sh
[ ! -d build/series ] || [ -z "$(ls -A build/series)" ] || fail "a series was written without an identity"
git config user.name "Ada Tester"
git config user.email ada@example.org
bash scripts/series.sh > "$SCRATCH/log" 2>&1 || { cat "$SCRATCH/log"; fail "series with an identity"; }
. scripts/lib.sh; . scripts/series-lib.sh
mapfile -t patches < <(series_patches build/series)
n=${#patches[@]}
[ "$n" -gt 0 ] || fail "no patches written"
signed=$(grep -lxF "Signed-off-by: Ada Tester <ada@example.org>" "${patches[@]}" | wc -l)
[ "$signed" = "$n" ] || fail "$signed of $n patches carry 'Signed-off-by: Ada Tester <ada@example.org>'"
echo "ok: refused without an identity; $n of $n patches signed off with one"
