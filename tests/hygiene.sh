#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/hygiene.sh -- security hygiene (issue 8) of the POSIX port:
#  - a secret blob (key) is created 0600 from its first instant: strace
#    shows the temporary file opened O_CREAT|O_EXCL with mode 0600 (public
#    blobs 0644), no chmod/fchmod widening it afterwards, and the final
#    file is 0600 -- also under umask 000;
#  - the state directory checks (build/hygiene check).
# The log scan for key bytes is in tests/hostile.c (library, debug level)
# and tests/faults.c (Pebble enrolment, debug level).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
MAKE=${MAKE:-make}
pass=0
fail=0
res() {
    if [ "$1" = 0 ]; then echo "ok - $2"; pass=$((pass + 1)); else echo "FAIL - $2"; fail=$((fail + 1)); fi
}
if ! "$MAKE" --no-print-directory build/hygiene; then
    echo "FAIL - build build/hygiene"
    echo "0 passed, 1 failed"
    exit 1
fi
WORK=$(mktemp -d /tmp/acme5g-hygiene.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT
mkdir -m 700 "$WORK/state"

if command -v strace >/dev/null; then
    (umask 000 && strace -f -qq -e trace=openat,open,creat,chmod,fchmod,fchmodat,rename,renameat,renameat2 \
        -o "$WORK/trace" build/hygiene write "$WORK/state" >"$WORK/modes")
    res $? "store_write runs under strace (umask 000)"
    grep -E 'cert\.key\.tmp' "$WORK/trace" | grep -E 'O_CREAT' | grep -qE 'O_EXCL.*, 0600\)'
    res $? "the key's temporary file is created O_CREAT|O_EXCL with mode 0600"
    grep -E 'cert\.pem\.tmp' "$WORK/trace" | grep -E 'O_CREAT' | grep -qE ', 0644\)'
    res $? "a public blob's temporary file is created 0644"
    ! grep -qE '^[0-9]+ +(f?chmod|fchmodat)' "$WORK/trace"
    res $? "no chmod widens a file after it was created"
    ! grep -E 'cert\.key' "$WORK/trace" | grep -E 'O_CREAT' | grep -vqE ', 0600\)'
    res $? "every file of the key is created 0600 (no other create of it)"
    [ "$(awk '$1 == "cert.key" { print $2 }' "$WORK/modes")" = 600 ]
    res $? "the stored key is 0600 under umask 000"
    [ "$(awk '$1 == "cert.pem" { print $2 }' "$WORK/modes")" = 644 ]
    res $? "the stored chain is 0644"
    [ -z "$(find "$WORK/state" -name '.*tmp*')" ]
    res $? "no temporary file is left behind"
else
    res 1 "strace not installed (tests/install-deps.sh test)"
fi
build/hygiene check | grep -vE '^[0-9]+ passed' | tee "$WORK/check"
p=$(grep -c '^ok - ' "$WORK/check")
f=$(grep -c '^FAIL - ' "$WORK/check")
pass=$((pass + p))
fail=$((fail + f))
echo "$pass passed, $fail failed"
[ $fail = 0 ]
