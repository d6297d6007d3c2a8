#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/config-ranges.sh -- the documented ranges of acme5g.h's config
# macros are enforced at compile time (make check):
#  - every value just outside a range stops the build with the #error that
#    names that macro (not any other error);
#  - both ends of every range compile: acme5g.h alone per macro, and
#    acme5g.c with every macro at its lowest, then at its highest value;
#  - every config macro of acme5g.h (#ifndef ACME5G_...) has a range here,
#    so one added without a range is listed.
# GCC overrides the compiler.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
CC_C=${GCC:-gcc}
B=build/config-ranges
mkdir -p "$B" || exit 1
pass=0
fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }

# MACRO LOW HIGH (as written in acme5g.h); flags are 0..1.
RANGES="
ACME5G_TLS_BUF_SIZE 1024 BR_SSL_BUFSIZE_BIDI
ACME5G_BODY_MAX 1024 1048576
ACME5G_REQUEST_MAX 512 65536
ACME5G_LINE_MAX 128 8192
ACME5G_URL_MAX 64 2048
ACME5G_MAX_IDENTIFIERS 1 64
ACME5G_JSON_TOKENS 32 4096
ACME5G_MAX_TRUST_ANCHORS 1 64
ACME5G_TA_BUF_SIZE 256 65536
ACME5G_MAX_ALTERNATES 1 8
ACME5G_OWN_CHAIN_MAX 1 16384
ACME5G_SHARED_CSR_MAX 256 65536
ACME5G_PROBLEM_TYPE_MAX 64 1024
ACME5G_PROBLEM_DETAIL_MAX 32 4096
ACME5G_TKAUTH_TOKEN_MAX 256 2048
ACME5G_BADNONCE_RETRIES 0 100
ACME5G_LOG_LEVEL -1 3
ACME5G_TLS_MINIMAL 0 1
ACME5G_TLS_ECDSA_ONLY 0 1
ACME5G_WITH_SHA384 0 1
ACME5G_WITH_TLSALPN01 0 1
ACME5G_WITH_DNS01 0 1
ACME5G_WITH_EAB 0 1
ACME5G_WITH_TKAUTH 0 1
ACME5G_WITH_MTLS 0 1
ACME5G_WITH_SHARED 0 1
"
# Not numbers: a header name; or 0 needs another setting (below).
NOT_RANGED="ACME5G_USER_CONFIG"

printf '%s\n' '#include "acme5g.h"' 'int acme5g_config_probe(void);' >"$B/probe.c"
# compile EXTRA...: acme5g.h alone; output in $B/out.
compile() {
    "$CC_C" -std=c99 -Wall -Wextra -Wpedantic -Werror -I. -fsyntax-only "$@" "$B/probe.c" \
        >"$B/out" 2>&1
}
# SHA-384 off needs the minimal TLS profile; keep that pair valid.
extra_for() {
    case "$1" in
        ACME5G_WITH_SHA384) echo "-DACME5G_TLS_MINIMAL=1" ;;
    esac
}

refused=""
accepted=""
n=0
while read -r m lo hi; do
    [ -n "$m" ] || continue
    n=$((n + 1))
    x=$(extra_for "$m")
    # shellcheck disable=SC2086 # $x is zero or one flag
    for v in "($lo)-1" "($hi)+1"; do
        if compile $x "-D$m=$v"; then
            refused="$refused $m=$v(compiled)"
        elif ! grep -q "#error.*$m out of range\|#error.*$m must be 0 or 1" "$B/out"; then
            refused="$refused $m=$v(other-error)"
            sed 's/^/    /' "$B/out" | head -n 5
        fi
    done
    # shellcheck disable=SC2086
    for v in "$lo" "$hi"; do
        if ! compile $x "-D$m=$v"; then
            accepted="$accepted $m=$v"
            sed 's/^/    /' "$B/out" | head -n 5
        fi
    done
done <<<"$RANGES"
if [ -z "$refused" ]; then
    ok "$n config macros: a value just below and just above the range stops the build with the #error naming the macro"
else
    bad "values outside the range not refused by their #error:$refused"
fi
if [ -z "$accepted" ]; then
    ok "$n config macros: both ends of each range compile (acme5g.h)"
else
    bad "range ends refused:$accepted"
fi

# acme5g.c with every numeric macro at one end of its range.
for end in low high; do
    defs=()
    while read -r m lo hi; do
        case "$m" in "" | ACME5G_TLS_* | ACME5G_WITH_*) continue ;; esac
        if [ $end = low ]; then defs+=("-D$m=$lo"); else defs+=("-D$m=$hi"); fi
    done <<<"$RANGES"
    if "$CC_C" -std=c99 -Wall -Wextra -Wpedantic -Werror -O1 "${defs[@]}" -c acme5g.c \
        -o "$B/acme5g-$end.o" >"$B/out" 2>&1; then
        ok "acme5g.c compiles with every size macro at the $end end of its range"
    else
        sed 's/^/    /' "$B/out" | head -n 10
        bad "acme5g.c does not compile with every size macro at the $end end of its range"
    fi
done

# Every config macro of acme5g.h has a range above.
missing=""
while read -r m; do
    case " ACME5G_H $NOT_RANGED " in *" $m "*) continue ;; esac
    grep -q "^$m " <<<"$RANGES" || missing="$missing $m"
done < <(sed -n 's/^#ifndef \(ACME5G_[A-Z0-9_]*\)$/\1/p' acme5g.h)
if [ -z "$missing" ]; then
    ok "every config macro of acme5g.h has a range checked here"
else
    bad "config macros of acme5g.h without a range in tests/config-ranges.sh:$missing"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
