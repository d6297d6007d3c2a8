# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/checks.sh -- the ok/FAIL lines of the test scripts.  Source it from
# bash; it sets PASSED=0 FAILED=0 and defines:
#
#   res STATUS MESSAGE   "ok - MESSAGE" when STATUS is 0, else "FAIL - MESSAGE"
#   finish               "N passed, N failed", then exit (1 when something failed)
PASSED=0
FAILED=0

res() { # STATUS MESSAGE
    if [ "$1" = 0 ]; then
        echo "ok - $2"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL - $2"
        FAILED=$((FAILED + 1))
    fi
}

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
    exit
}
