#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/musl.sh -- the static musl CLI (make musl, build/acme5g-musl):
#
#   - it builds (musl-gcc from musl-tools; BearSSL from Debian's source
#     built with musl-gcc by tests/cross-deps.sh musl, cached);
#   - it is a static executable (no interpreter, no shared library) and
#     stays small (stripped size below MUSL_MAX_BYTES, default 400000);
#   - it enrols and renews against Pebble: a few tests of
#     tests/integration.sh with ACME5G_BIN=build/acme5g-musl.  Pebble's
#     directory URL names `localhost`, which musl finds in /etc/hosts.
#
# Prints "ok - ..." / "FAIL - ..." per check, then "N passed, N failed";
# exits 1 when something failed.  Environment: MAKE, NO_DEPS=1.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
MAKE=${MAKE:-make}
BIN=build/acme5g-musl
MAX=${MUSL_MAX_BYTES:-400000}
# shellcheck source=tests/checks.sh
. "$ROOT/tests/checks.sh"

"$MAKE" --no-print-directory musl
res $? "make musl ($BIN: musl-gcc, BearSSL from Debian's source)"
[ "$FAILED" = 0 ] || finish

! readelf -d "$BIN" 2>/dev/null | grep -q NEEDED && ! readelf -l "$BIN" | grep -q INTERP
res $? "$BIN is statically linked"
size=$(stat -c %s "$BIN")
[ "$size" -lt "$MAX" ]
res $? "$BIN is $size bytes stripped (limit $MAX)"
! strings "$BIN" | grep -q 'GLIBC'
res $? "$BIN holds no glibc code"

tests="enrol_one_name status_shows_certificate enrol_reuses_account enrol_ip_literal_directory
refuses_untrusted_server connect_refused_exits_1 renew_in_four_requests"
log=build/integration-musl.log
# shellcheck disable=SC2086
ACME5G_BIN=$BIN tests/integration.sh $tests >"$log" 2>&1
while IFS= read -r line; do
    case $line in
    "ok - "*) res 0 "musl: ${line#ok - }" ;;
    "FAIL - "*) res 1 "musl: ${line#FAIL - }" ;;
    "#   "*) echo "$line" ;;
    esac
done <"$log"
grep -Eq '^[0-9]+ passed, 0 failed$' "$log"
res $? "integration tests with $BIN finished (log: $log)"
finish
