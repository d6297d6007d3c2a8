#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/features.sh -- the switches for mutual TLS and the shared client
# (make check):
#  - acme5g.c compiles with ACME5G_WITH_SHARED 0 and with ACME5G_WITH_MTLS 0
#    (gcc and clang);
#  - what is left out is gone from the object: no BearSSL server engine
#    without the shared client (and tls-alpn-01), no client certificate
#    without mutual TLS (the default build has both, so the check can fail);
#  - sizeof(acme5g_ctx) shrinks by the peer-name buffers, and by the own
#    chain as well;
#  - tests/unit.c, built with each switch off, passes; its
#    test_left_out_features_refuse sees the functions left out return
#    ACME5G_ERR_ARG without a port call.
# GCC and CLANG override the compilers.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
CC_C=${GCC:-gcc}
CC_L=${CLANG:-clang}
B=build/features
mkdir -p "$B" || exit 1
STRICT=(-std=c99 -Wall -Wextra -Wpedantic -Werror -O2)
pass=0
fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }

# build NAME FLAGS...: acme5g.c with gcc and clang -> $B/NAME.o (gcc's)
build() {
    local name=$1
    shift
    "$CC_C" "${STRICT[@]}" "$@" -c acme5g.c -o "$B/$name.o" &&
        "$CC_L" "${STRICT[@]}" "$@" -c acme5g.c -o "$B/$name-clang.o"
}
# refs OBJ SYMBOL: 0 when OBJ references SYMBOL
refs() { nm -u "$1" | awk '{ print $NF }' | grep -qx "$2"; }

if build default && build no-shared -DACME5G_WITH_SHARED=0 -DACME5G_WITH_TLSALPN01=0 &&
    build no-mtls -DACME5G_WITH_MTLS=0; then
    ok "acme5g.c compiles with ACME5G_WITH_SHARED 0 and with ACME5G_WITH_MTLS 0 (gcc, clang)"
else
    bad "acme5g.c does not compile with a switch off"
fi

if refs "$B/default.o" br_ssl_server_reset && ! refs "$B/no-shared.o" br_ssl_server_reset &&
    ! refs "$B/no-shared.o" br_ssl_server_init_full_ec; then
    ok "ACME5G_WITH_SHARED 0 (and no tls-alpn-01): no BearSSL server engine referenced"
else
    bad "the BearSSL server engine is still referenced without the shared client (or never was)"
fi
if refs "$B/default.o" br_ssl_client_set_single_ec &&
    ! refs "$B/no-mtls.o" br_ssl_client_set_single_ec; then
    ok "ACME5G_WITH_MTLS 0: no client certificate code referenced"
else
    bad "br_ssl_client_set_single_ec still referenced without mutual TLS (or never was)"
fi

printf '%s\n' '#include <stdio.h>' '#include "acme5g.h"' \
    'int main(void) { printf("%lu\n", (unsigned long)sizeof(acme5g_ctx)); return 0; }' \
    >"$B/ctxsize.c"
size_of() { "$CC_C" -std=c99 -I. "$@" -o "$B/ctxsize" "$B/ctxsize.c" && "$B/ctxsize"; }
full=$(size_of) && shared0=$(size_of -DACME5G_WITH_SHARED=0) && mtls0=$(size_of -DACME5G_WITH_MTLS=0)
if [ -n "${mtls0:-}" ] && [ $((full - shared0)) -ge 768 ] &&
    [ $((shared0 - mtls0)) -ge 2048 ]; then
    ok "sizeof(acme5g_ctx): $full B, $shared0 B without the shared client, $mtls0 B without mutual TLS"
else
    bad "sizeof(acme5g_ctx) does not shrink: ${full:-?} / ${shared0:-?} / ${mtls0:-?} B"
fi

for sw in "-DACME5G_WITH_SHARED=0" "-DACME5G_WITH_MTLS=0"; do
    out=""
    if "$CC_C" "${STRICT[@]}" -O1 -I. -Iport -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE "$sw" \
        -o "$B/unit" tests/unit.c -lbearssl && out=$("$B/unit" 2>&1) &&
        [[ "$(tail -n 1 <<<"$out")" =~ ^[1-9][0-9]*\ passed,\ 0\ failed$ ]] &&
        grep -qx 'ok - test_left_out_features_refuse' <<<"$out"; then
        ok "$sw: tests/unit.c passes ($(tail -n 1 <<<"$out")); what is left out refuses with ACME5G_ERR_ARG, no port call"
    else
        grep '^FAIL' <<<"$out" | sed 's/^/    /'
        bad "$sw: tests/unit.c fails"
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
