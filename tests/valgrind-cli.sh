#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/valgrind-cli.sh -- the CLI's enrolment and renewal against Pebble
# under valgrind (issue 8): no memory error, no leak, and the pair verifies.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/pebble.sh
. "$ROOT/tests/pebble.sh"
BIN=${ACME5G_BIN:-build/acme5g}
pass=0
fail=0
res() {
    if [ "$1" = 0 ]; then echo "ok - $2"; pass=$((pass + 1)); else echo "FAIL - $2"; fail=$((fail + 1)); fi
}
WORK=$(mktemp -d /tmp/acme5g-vg.XXXXXX) || exit 1
trap 'pebble_stop_all; rm -rf "$WORK"' EXIT
if ! command -v valgrind >/dev/null || [ ! -x "$BIN" ]; then
    echo "FAIL - valgrind or $BIN missing"
    echo "0 passed, 1 failed"
    exit 1
fi
if ! PEBBLE_WFE_NONCEREJECT=0 pebble_start "$WORK/pebble"; then
    echo "FAIL - pebble_start"
    echo "0 passed, 1 failed"
    exit 1
fi
vg() { # TAG ARG...: the CLI under memcheck; exit 0 and a clean report
    local tag=$1
    shift
    timeout 300 valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect "$BIN" "$@" </dev/null \
        >"$WORK/$tag.out" 2>"$WORK/$tag.err"
    local rc=$?
    if [ $rc != 0 ]; then
        sed 's/^/#   /' "$WORK/$tag.err" | tail -n 30
    fi
    return $rc
}
vg enrol enrol --directory "$PEBBLE_DIR_URL" --ca "$PEBBLE_CA" --state "$WORK/st" \
    --name vg.acme5g.test --http-port "$PEBBLE_HTTP_PORT" --timeout 120
res $? "enrol under valgrind: exit 0, no memory error, no leak"
vg renew renew --state "$WORK/st" --force --timeout 120
res $? "renew under valgrind: exit 0, no memory error, no leak"
awk '/BEGIN CERT/{n++} n==1' "$WORK/st/cert.pem" >"$WORK/leaf.pem"
awk '/BEGIN CERT/{n++} n>1' "$WORK/st/cert.pem" >"$WORK/rest.pem"
openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$WORK/rest.pem" "$WORK/leaf.pem" >/dev/null 2>&1
res $? "the renewed chain verifies with openssl"
[ "$(openssl pkey -in "$WORK/st/cert.key" -pubout 2>/dev/null)" = \
  "$(openssl x509 -in "$WORK/leaf.pem" -noout -pubkey 2>/dev/null)" ]
res $? "cert.key matches the leaf"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
