# Helpers shared by tree.sh, export.sh and series.sh. Sourced after lib.sh.

SERIES_FILE=$LINE/patches/series
# Fixed identity for the base commit, so its hash is the same everywhere:
# the date of the line's base (base/DATE, the Debian upload's).
BASE_DATE=$(cat "$LINE/base/DATE")

# Folders of the line (qemu-5.2/, qemu-10.0/) that are overlaid at QEMU's
# own paths.
OVERLAY_PATHS=(hw include docs qapi/cxl.json tests/qtest tests/data/acpi tests/test-cxl-decode.c tests/bench-cxl-route.c)

overlay_files() {
    git -C "$LINE" ls-files --cached --others --exclude-standard -- "${OVERLAY_PATHS[@]}" 2>/dev/null | sort -u
}

# make series signs every patch off with the git identity configured where
# it runs and refuses without one. The checks of the series, on a machine
# that has none (a fresh CI box), sign off with a stand-in identity given
# to git for their run only.
use_stand_in_identity_if_none() {
    if [ -z "$(git -C "$TOP" config user.name || true)" ] || [ -z "$(git -C "$TOP" config user.email || true)" ]; then
        say "no git identity configured: the series is signed off by 'qemu-cxl check <check@qemu-cxl.invalid>'"
        export GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=user.name GIT_CONFIG_VALUE_0="qemu-cxl check" \
            GIT_CONFIG_KEY_1=user.email GIT_CONFIG_VALUE_1=check@qemu-cxl.invalid
    fi
}

ensure_base_repo() {
    local stamp=$BASE_REPO.stamp
    if [ -f "$stamp" ] && cmp -s "$stamp" "$BASE_DIR.stamp"; then
        return 0
    fi
    step "recording the base as a git repository ($BASE_REPO)"
    rm -rf "$BASE_REPO" "$BASE_REPO.tmp"
    git init -q --bare "$BASE_REPO.tmp"
    (
        export GIT_DIR=$BASE_REPO.tmp GIT_WORK_TREE=$BASE_DIR GIT_INDEX_FILE=$BASE_REPO.tmp/index
        git add -A -f .
        tree=$(git write-tree)
        c=$(GIT_AUTHOR_NAME="Debian QEMU Team" GIT_AUTHOR_EMAIL="pkg-qemu-devel@lists.alioth.debian.org" \
            GIT_COMMITTER_NAME="qemu-cxl" GIT_COMMITTER_EMAIL="qemu-cxl@localhost" \
            GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
            git commit-tree "$tree" -m "Debian qemu $BASE_VERSION (pristine base for qemu-cxl)")
        git tag base "$c"
        git symbolic-ref HEAD refs/tags/base 2>/dev/null || true
        rm -f "$GIT_INDEX_FILE"
    )
    mv "$BASE_REPO.tmp" "$BASE_REPO"
    cp "$BASE_DIR.stamp" "$stamp"
}

# The series may be cut into several, each sent on its own with a cover
# letter (QEMU's core changes to their subsystems' maintainers, then the
# CXL series that needs them): a line "#=series NAME" starts series NAME
# at the next entry, and patches/covers/NAME.txt is its cover letter
# (subject line, blank line, body). series_groups prints "INDEX NAME" for
# each: the series NAME starts at entry INDEX (0-based).
series_groups() {
    [ -f "$SERIES_FILE" ] || return 0
    awk '/^#=series[ \t]/ { print n + 0, $2; next }
         /^[ \t]*#/ || /^[ \t]*$/ || /^[ \t]/ { next }
         { n++ }' "$SERIES_FILE"
}

# series_patches DIR: the patches `make series` wrote to DIR, in the order
# git am applies them, cover letters left out.
series_patches() {
    ls "$1"/*.patch "$1"/*/*.patch 2>/dev/null | grep -v '/0000-cover-letter\.patch$' || true
}

# Parse patches/series: prints "P <patch>" and "F <file>" lines.
series_entries() {
    [ -f "$SERIES_FILE" ] || return 0
    sed -e 's/#.*//' "$SERIES_FILE" | while IFS= read -r line; do
        [ -n "${line// /}" ] || continue
        case "$line" in
            [[:space:]]*) for f in $line; do echo "F $f"; done ;;
            *) echo "P $(echo $line)" ;;
        esac
    done
}

# Our own files (the overlay) hold their final content; the history of each
# is in the series itself. An overlay file is added, whole, by the entry
# that names it, and a later patch may change it like any QEMU file. The
# content an entry adds is therefore the final file with the changes of
# every later patch undone: added_blobs works that out, last patch first,
# in an index of the overlay alone, and prints "BLOB PATH" for each file.
added_blobs() {
    local repo=$1 work=$2 n=${#ENTRY_PATCH[@]} i f p
    local idx=$work/reverse-index
    rm -f "$idx"
    GIT_INDEX_FILE=$idx git -C "$repo" read-tree --empty
    for f in $(sed 's/^[^ ]* //' "$work/claimed-at"); do
        [ -f "$LINE/$f" ] || die "patches/series names $f, which is not in ${LINE#$TOP/}/"
        local mode=100644
        [ -x "$LINE/$f" ] && mode=100755
        GIT_INDEX_FILE=$idx git -C "$repo" update-index --add \
            --cacheinfo "$mode,$(git -C "$repo" hash-object -w "$LINE/$f"),$f"
    done
    for ((i = n - 1; i >= 0; i--)); do
        p=${ENTRY_PATCH[$i]}
        # The files entry i adds, as they are after it: then gone before it.
        for f in $(awk -v i="$i" '$1 == i { print $2 }' "$work/claimed-at"); do
            local blob
            blob=$(GIT_INDEX_FILE=$idx git -C "$repo" ls-files -s -- "$f" | awk '{ print $1 "," $2 }')
            [ -n "$blob" ] || die "patches/$p adds $f, which a later patch deletes: drop the file from the series instead"
            echo "$blob $f"
            GIT_INDEX_FILE=$idx git -C "$repo" update-index --force-remove -- "$f"
        done
        # Undo this patch's changes to files that earlier entries add.
        git mailinfo -b "$work/msg" "$work/diff" < "$LINE/patches/$p" > /dev/null \
            || die "patches/$p is not a mail-style patch"
        local inc=()
        while IFS= read -r f; do
            grep -qxF "$f" "$work/claimed" && inc+=("--include=$f")
        done < <(sed -n 's|^diff --git a/\(.*\) b/.*|\1|p' "$work/diff")
        [ ${#inc[@]} -gt 0 ] || continue
        GIT_INDEX_FILE=$idx git -C "$repo" apply --cached -R --whitespace=nowarn "${inc[@]}" "$work/diff" 2>"$work/apply.err" || {
            cat "$work/apply.err" >&2
            die "patches/$p changes a file of ours that no entry before it adds, or not as it is there (${inc[*]#--include=})"
        }
    done
    rm -f "$idx"
}

# Build the series commits on top of "base" in repository $1 without
# touching its working tree or index; prints the last commit.
build_series_commits() {
    local repo=$1
    local idx=$repo/.git/qemu-cxl-index
    local work; work=$(mktemp -d)
    local parent; parent=$(git -C "$repo" rev-parse base)
    local claimed=$work/claimed
    : > "$claimed"
    : > "$work/claimed-at"
    # ENTRY_PATCH[i]: the patch of entry i; claimed-at: "i FILE" for each
    # overlay file entry i adds.
    ENTRY_PATCH=()
    local e
    while IFS= read -r e; do
        case "$e" in
            "F "*)
                [ ${#ENTRY_PATCH[@]} -gt 0 ] || die "patches/series: file ${e#F } listed before any patch"
                grep -qxF "${e#F }" "$claimed" && die "patches/series: ${e#F } is named twice"
                echo "${e#F }" >> "$claimed"
                echo "$((${#ENTRY_PATCH[@]} - 1)) ${e#F }" >> "$work/claimed-at" ;;
            *)
                [ -f "$LINE/patches/${e#P }" ] || die "patches/series names patches/${e#P }, which does not exist"
                ENTRY_PATCH+=("${e#P }") ;;
        esac
    done < <(series_entries)
    declare -A added=()
    local blob f
    added_blobs "$repo" "$work" > "$work/added" || exit 1
    while read -r blob f; do added[$f]=$blob; done < "$work/added"
    rm -f "$idx"
    GIT_INDEX_FILE=$idx git -C "$repo" read-tree base
    local i cur
    for ((i = 0; i < ${#ENTRY_PATCH[@]}; i++)); do
        cur=${ENTRY_PATCH[$i]}
        for f in $(awk -v i="$i" '$1 == i { print $2 }' "$work/claimed-at"); do
            GIT_INDEX_FILE=$idx git -C "$repo" update-index --add --cacheinfo "${added[$f]},$f"
        done
        git mailinfo -b "$work/msg" "$work/diff" < "$LINE/patches/$cur" > "$work/info" \
            || die "patches/$cur is not a mail-style patch"
        if grep -q "^diff --git " "$work/diff"; then
            GIT_INDEX_FILE=$idx git -C "$repo" apply --cached --whitespace=nowarn "$work/diff" 2>"$work/apply.err" || {
                cat "$work/apply.err" >&2
                die "patches/$cur does not apply cleanly to the base plus the patches before it"
            }
        fi
        parent=$(commit_entry "$repo" "$idx" "$parent" "$cur" "$work")
    done
    # Every overlay file must belong to exactly one series entry.
    local stray; stray=$(overlay_files | grep -vxF -f "$claimed" || true)
    [ -z "$stray" ] || die "files not named by any entry of patches/series: $(echo $stray)"
    rm -rf "$work" "$idx"
    echo "$parent"
}

# Commit the index as one series entry, with the author, date and message
# of its patch header (saved in $5/info and $5/msg by git mailinfo).
commit_entry() {
    local repo=$1 idx=$2 parent=$3 name=$4 work=$5
    local author email date subject
    author=$(sed -n 's/^Author: //p' "$work/info")
    email=$(sed -n 's/^Email: //p' "$work/info")
    date=$(sed -n 's/^Date: //p' "$work/info")
    subject=$(sed -n 's/^Subject: //p' "$work/info")
    [ -n "$subject" ] || die "patches/$name has no Subject"
    [ -n "$date" ] || die "patches/$name has no Date"
    { echo "$subject"; if [ -s "$work/msg" ]; then echo; cat "$work/msg"; fi; } > "$work/commitmsg"
    local tree; tree=$(GIT_INDEX_FILE=$idx git -C "$repo" write-tree)
    GIT_AUTHOR_NAME=${author:-qemu-cxl} GIT_AUTHOR_EMAIL=${email:-qemu-cxl@localhost} GIT_AUTHOR_DATE=$date \
    GIT_COMMITTER_NAME=${author:-qemu-cxl} GIT_COMMITTER_EMAIL=${email:-qemu-cxl@localhost} GIT_COMMITTER_DATE=$date \
        git -C "$repo" commit-tree "$tree" -p "$parent" -F "$work/commitmsg"
}

# Print, for commit COMMIT of repository REPO, each source file that a
# line the series added to a meson.build (since "base") names but that the
# commit does not have, as "MESON.BUILD: PATH". Names are quoted file names
# ending in .c or .h, relative to the meson.build's folder, and, in the
# test folders, the quoted names of our test programs (cxl-*-test,
# cxl-test, test-cxl-*, bench-cxl-*), whose source is NAME.c there. A
# patch whose build lists a file that only a later patch adds does not
# build where a maintainer applies it.
meson_names_missing() {
    local repo=$1 commit=$2 m dir name
    while read -r m; do
        dir=$(dirname "$m")
        while read -r name; do
            case $name in *.c|*.h) ;; *) name=$name.c ;; esac
            [ "$dir" = . ] || name=$dir/$name
            git -C "$repo" cat-file -e "$commit:$name" 2>/dev/null || echo "$m: $name"
        done < <(git -C "$repo" diff base "$commit" -- "$m" | sed -n 's/^+[^+]//p' |
                 grep -oE "'[A-Za-z0-9_./-]+\.[ch]'|'(cxl-[a-z0-9-]*test|test-cxl-[a-z0-9-]+|bench-cxl-[a-z0-9-]+)'" |
                 tr -d "'" | sort -u)
    done < <(git -C "$repo" diff --name-only base "$commit" -- '*meson.build' 'meson.build')
}

# series_build_sample: the subjects of the line's patches that make check
# builds after (besides the end of each series and the last patch), one
# per layer of the CXL series. 5.2: the window options (the first CXL
# code, and the stubs that aarch64 links), the machine, the Type 3 device,
# the reference decode, the fast path, introspection (QAPI) and arm64
# virt. 10.0: the decode walk, the route table (with QAPI), the RAM
# aliases, the page mapping and migration. check-series fails when one of
# them is not in the series.
series_build_sample() {
    if [ "$QEMU_CXL_LINE" != 5.2 ]; then
        cat <<'SAMPLE'
hw/cxl: window decode through any number of switch levels, 3/6/12 ways at every level
hw/cxl: route window accesses from tables built when decoders change
hw/cxl: map uninterleaved window ranges into the guest as RAM aliases
hw/cxl: map a window page by page where a page reaches one device
hw/cxl: migrate every CXL device and its backends' RAM
SAMPLE
        return 0
    fi
    cat <<'SAMPLE'
hw/cxl: CXL fixed memory windows on the machine command line
hw/i386/pc: cxl=on, CXL host bridge registers and fixed memory windows
hw/mem: cxl-type3, the CXL Type 3 memory device, with its mailbox
hw/cxl: route window accesses through the HDM decoders to the backing file
hw/cxl: the fast path: flat routes, no big lock, pages mapped straight in
qapi: query-cxl and cxl-translate; HMP cxl_translate
hw/arm/virt: cxl=on, CXL host bridges and fixed memory windows
SAMPLE
}

# series_build_picks MODE: which patches check-series builds after, from
# the subjects of the applied series on stdin (one per line, in order):
# "INDEX REASON" (0-based) for each. MODE all: every patch; sample: the
# end of each series (series_groups), the subjects of series_build_sample
# and the last patch. Fails, naming it, when a sample subject is not one
# of the series' subjects.
series_build_picks() {
    local mode=$1 subjects=() i g want found
    mapfile -t subjects
    local n=${#subjects[@]}
    if [ "$mode" = all ]; then
        for ((i = 0; i < n; i++)); do echo "$i every"; done
        return 0
    fi
    declare -A pick=()
    local cuts=()
    mapfile -t cuts < <(series_groups)
    for ((g = 1; g < ${#cuts[@]}; g++)); do
        pick[$(( ${cuts[$g]%% *} - 1 ))]="end of series ${cuts[$((g - 1))]#* }"
    done
    while IFS= read -r want; do
        found=""
        for ((i = 0; i < n; i++)); do
            if [ "${subjects[$i]}" = "$want" ]; then
                pick[$i]=sample found=1
            fi
        done
        [ -n "$found" ] || { echo "series_build_sample (scripts/series-lib.sh) names '$want', which no patch of the series has as its subject" >&2; return 1; }
    done < <(series_build_sample)
    [ "$n" = 0 ] || pick[$((n - 1))]=last
    for ((i = 0; i < n; i++)); do
        [ -z "${pick[$i]:-}" ] || echo "$i ${pick[$i]}"
    done
}

# The compiler warnings in a build log (ninja's output) about our files,
# those with "cxl" in their path: QEMU 5.2 builds with --disable-werror
# (its own code warns with today's gcc), so a patch whose CXL code uses
# a function no header it includes declares still links. One line each.
series_cxl_warnings() {   # series_cxl_warnings < LOG
    grep -E '^([^ :]*/)?[^ :]*cxl[^ :]*\.[ch]:[0-9]+:[0-9]+: warning:' | sort -u || true
}
