#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/faults.sh [KINDS...] -- fault injection through the port against a
# throwaway Pebble: builds build/faults (tests/faults.c) and runs it.
# KINDS: write cut recv send connect entropy (default: all).
# FAULTS_QUICK=1: the enrolment scenario only for write and cut.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
MAKE=${MAKE:-make}
# shellcheck source=tests/pebble.sh
. tests/pebble.sh

if ! "$MAKE" --no-print-directory build/faults; then
    echo "FAIL - build build/faults"
    echo "0 passed, 1 failed"
    exit 1
fi
WORK=$(mktemp -d /tmp/acme5g-faults.XXXXXX) || exit 1
cleanup() {
    pebble_stop_all
    rm -rf "$WORK"
}
trap cleanup EXIT
# deterministic operation counts: no refused nonces; renewals reuse the
# account's valid authorizations
export PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=100
if ! pebble_start "$WORK/pebble" >"$WORK/pebble-start.log" 2>&1; then
    cat "$WORK/pebble-start.log"
    echo "FAIL - pebble_start"
    echo "0 passed, 1 failed"
    exit 1
fi
build/faults "$PEBBLE_DIR_URL" "$PEBBLE_CA" "$PEBBLE_HTTP_PORT" "$WORK" "$@"
