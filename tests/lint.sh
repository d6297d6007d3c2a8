#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/lint.sh -- static analysis of acme5g.c and port/ (issue 8):
#   cppcheck --enable=warning,portability,performance (C99), clean;
#   clang-tidy with the clang static analyzer and a few bugprone checks,
#   known false positives listed in tests/lint-suppressions.txt.
# Not enabled: cppcheck "style" (variableScope: the code declares at the
# top of blocks on purpose) and clang-tidy's bugprone-implicit-widening-
# of-multiplication-result (date and IPv6 arithmetic on small bounded
# values) and bugprone-suspicious-string-compare (!strcmp() is the style).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
pass=0
fail=0
res() {
    if [ "$1" = 0 ]; then echo "ok - $2"; pass=$((pass + 1)); else echo "FAIL - $2"; fail=$((fail + 1)); fi
}
SRC="acme5g.c port/acme5g_posix.c"
OUT=$(mktemp -d /tmp/acme5g-lint.XXXXXX) || exit 1
trap 'rm -rf "$OUT"' EXIT

if command -v cppcheck >/dev/null; then
    # bearssl.h is not scanned (system header): its two sizes the config checks use
    cppcheck --enable=warning,portability,performance --std=c99 --quiet --error-exitcode=1 \
        -I. -Iport -UACME5G_USER_CONFIG -DBR_SSL_BUFSIZE_MONO=16709 -DBR_SSL_BUFSIZE_BIDI=33178 \
        --suppress=missingIncludeSystem $SRC port/acme5g_baremetal.c >"$OUT/cppcheck" 2>&1
    rc=$?
    cat "$OUT/cppcheck"
    res $rc "cppcheck (warning, portability, performance) on acme5g.c and port/: no finding"
else
    res 1 "cppcheck not installed"
fi

if command -v clang-tidy >/dev/null; then
    checks='-*,clang-analyzer-*,bugprone-not-null-terminated-result,bugprone-sizeof-expression'
    checks="$checks,bugprone-suspicious-memset-usage,bugprone-misplaced-widening-cast"
    checks="$checks,bugprone-signed-char-misuse,bugprone-branch-clone,cert-err34-c"
    for f in $SRC; do
        clang-tidy --quiet -checks="$checks" "$f" -- -std=c99 -I. -Iport \
            -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE 2>/dev/null |
            grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' >>"$OUT/tidy"
    done
    n=0
    while IFS= read -r line; do
        file=${line%%:*}
        rest=${line#*:}
        lno=${rest%%:*}
        check=${line##*[}
        check=${check%]}
        text=$(sed -n "${lno}p" "$file")
        known=0
        while IFS='|' read -r c t _; do
            c=$(echo "$c" | sed 's/^ *//; s/ *$//')
            t=$(echo "$t" | sed 's/^ *//; s/ *$//')
            case $c in '' | '#'*) continue ;; esac
            if [ "$c" = "$check" ] && [[ "$text" == *"$t"* ]]; then known=1; fi
        done <tests/lint-suppressions.txt
        if [ $known = 0 ]; then
            echo "$line"
            echo "    $text"
            n=$((n + 1))
        fi
    done <"$OUT/tidy"
    total=$(wc -l <"$OUT/tidy")
    [ $n = 0 ]
    res $? "clang-tidy (analyzer, bugprone subset) on $SRC: $n new findings ($total in all, the rest in tests/lint-suppressions.txt)"
else
    res 1 "clang-tidy not installed"
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
