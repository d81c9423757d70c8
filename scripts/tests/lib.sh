# Helpers for the build-tooling tests. Each test copies the repository's
# tracked files into a scratch directory (its own build/, the shared
# download cache) so that it can break things without touching the real
# tree. Sourced.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

# copy_repo DIR: the repository's files (tracked and untracked, not ignored)
copy_repo() {
    mkdir -p "$1"
    (cd "$REPO" && git ls-files --cached --others --exclude-standard -z | xargs -0 cp --parents -t "$1" 2>/dev/null) || true
    git -C "$1" init -q && git -C "$1" add -A && \
        git -C "$1" -c user.name=t -c user.email=t@t commit -q -m copy
}
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_fail_with() {   # expect_fail_with PATTERN LOG CMD...
    local pat=$1 log=$2; shift 2
    if "$@" > "$log" 2>&1; then cat "$log" >&2; fail "'$*' succeeded, expected a failure"; fi
    grep -q -- "$pat" "$log" || { cat "$log" >&2; fail "'$*' failed without saying '$pat'"; }
}
