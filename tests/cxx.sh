#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/cxx.sh -- acme5g from C++ (make check): tests/cxx.cpp compiled with
# g++ and with clang++ (-std=c++11 -Wall -Wextra -Wpedantic -Werror),
# linked with acme5g.c and both ports compiled as C99 by gcc, and run.  CXX_LIST overrides the compilers ("g++ clang++").
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
B=build/cxx
mkdir -p "$B" || exit 1
CC_C=${GCC:-gcc}
CXXFLAGS=(-std=c++11 -Wall -Wextra -Wpedantic -Werror -O1 -g)
CFLAGS_C=(-std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -g)
pass=0
fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }

if "$CC_C" "${CFLAGS_C[@]}" -c acme5g.c -o "$B/acme5g.o" &&
    "$CC_C" "${CFLAGS_C[@]}" -I. -Iport -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
        -c port/acme5g_posix.c -o "$B/acme5g_posix.o" &&
    "$CC_C" "${CFLAGS_C[@]}" -I. -c port/acme5g_baremetal.c -o "$B/acme5g_baremetal.o"; then
    ok "acme5g.c and the ports compiled as C99 ($CC_C)"
else
    bad "acme5g.c or a port does not compile as C99 ($CC_C)"
fi

state=$(mktemp -d) || exit 1
trap 'rm -rf "$state"' EXIT
for cxx in ${CXX_LIST:-g++ clang++}; do
    if ! command -v "$cxx" >/dev/null 2>&1; then
        bad "$cxx not installed (Debian: g++, clang)"
        continue
    fi
    exe="$B/cxx-$cxx"
    if "$cxx" "${CXXFLAGS[@]}" -I. -Iport -c tests/cxx.cpp -o "$B/cxx-$cxx.o" &&
        "$cxx" -o "$exe" "$B/cxx-$cxx.o" "$B/acme5g.o" "$B/acme5g_posix.o" \
            "$B/acme5g_baremetal.o" -lbearssl; then
        ok "$cxx: a C++11 program includes acme5g.h and the port headers and links with the C objects"
    else
        bad "$cxx: the C++ program does not compile or link"
        continue
    fi
    out=$("$exe" tests/fuzz/corpus/csr/openssl-p256-dns-ip-uri.der tests/vectors/cert.pem \
        "$state" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^(ok|FAIL) - ' | sed "s/^/  $cxx: /"
    line=$(printf '%s\n' "$out" | tail -n 1)
    if [ "$rc" = 0 ] && [[ "$line" =~ ^[1-9][0-9]*\ passed,\ 0\ failed$ ]]; then
        ok "$cxx: the C++ program calls the API ($line)"
    else
        bad "$cxx: the C++ program failed (exit $rc, $line)"
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
