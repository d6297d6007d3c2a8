#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/spdx.sh [FILE...] -- licence hygiene (make check): LICENSE is there,
# and every source file, header and script (*.c *.h *.cpp *.sh *.go *.awk *.ld,
# Makefile, anything starting with #!) carries, within its first 4 lines,
#
#   SPDX-License-Identifier: MIT
#   Copyright (c) 2026 the acme5g authors
#
# The files are those git knows (tracked, or new and not ignored), or all
# under the tree outside build/ when there is no git; FILE... checks only
# those.  The files without the pair are listed one per line.  The check
# first proves on two scratch files that it can tell them apart.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
pass=0
fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }

# has_spdx FILE: 0 when FILE's first 4 lines carry the pair.
has_spdx() {
    local top
    top=$(head -n 4 -- "$1" 2>/dev/null) || return 1
    case "$top" in *'SPDX-License-Identifier: MIT'*) ;; *) return 1 ;; esac
    case "$top" in *'Copyright (c) '*' the acme5g authors'*) return 0 ;; esac
    return 1
}

# wanted FILE: 0 when FILE is a source file, header or script.
wanted() {
    case "$1" in
        *.c | *.h | *.cpp | *.sh | *.go | *.awk | *.ld | Makefile | */Makefile) return 0 ;;
        tests/fuzz/corpus/* | tests/vectors/*.pem | tests/vectors/*.txt) return 1 ;;
    esac
    [ -f "$1" ] && [ "$(head -c 2 -- "$1" 2>/dev/null)" = '#!' ]
}

# The check itself must be able to fail.
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
printf '#!/bin/sh\n# a script\necho hi\n' >"$T/without.sh"
printf '#!/bin/sh\n# SPDX-License-Identifier: MIT\n# Copyright (c) 2026 the acme5g authors\n' >"$T/with.sh"
printf '/* SPDX-License-Identifier: MIT */\n/* a comment */\n' >"$T/half.c"
if ! has_spdx "$T/without.sh" && ! has_spdx "$T/half.c" && has_spdx "$T/with.sh"; then
    ok "the check tells a file with the SPDX pair from one without"
else
    bad "the check cannot tell a file with the SPDX pair from one without"
fi

if [ -f LICENSE ] && grep -q '^MIT License' LICENSE &&
    grep -q 'Copyright (c) 2026 the acme5g authors' LICENSE; then
    ok "LICENSE: MIT, the acme5g authors"
else
    bad "LICENSE missing or not MIT with the acme5g authors"
fi

if [ $# -gt 0 ]; then
    list=$(printf '%s\n' "$@")
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    list=$(git ls-files --cached --others --exclude-standard)
else
    list=$(find . -path ./build -prune -o -type f -print | sed 's|^\./||')
fi
n=0
missing=""
while IFS= read -r f; do
    if [ -z "$f" ] || [ ! -f "$f" ]; then continue; fi
    wanted "$f" || continue
    n=$((n + 1))
    has_spdx "$f" || missing="$missing $f"
done <<<"$list"
if [ -z "$missing" ]; then
    ok "$n source files, headers and scripts carry the SPDX pair"
else
    for f in $missing; do echo "  no SPDX pair in the first 4 lines: $f"; done
    bad "$(echo "$missing" | wc -w) of $n files lack the SPDX pair (listed above)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
