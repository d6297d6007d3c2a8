#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/cross.sh -- the cross builds, checked and run under emulation:
#
#   - make cross (tool chains and BearSSL via tests/cross-deps.sh, cached);
#   - the aarch64 CLI is a static aarch64 executable; the Cortex-M4 image
#     links with nothing undefined, no heap and no OS header in the port;
#   - the aarch64 CLI enrols against Pebble under qemu-aarch64 (a few tests
#     of tests/integration.sh, through a wrapper that runs qemu);
#   - tests/unit.c built for Cortex-M4 (Thumb-2, -Os, TLS minimal) and run
#     under qemu-arm (tests/unit-m4.sh).
#
# Prints "ok - ..." / "FAIL - ..." per check, then "N passed, N failed";
# exits 1 when something failed.  Environment: MAKE, NO_DEPS=1 (install
# nothing: fail when the tools are missing).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
MAKE=${MAKE:-make}
OUT=build/cross
# shellcheck source=tests/checks.sh
. "$ROOT/tests/checks.sh"

"$MAKE" --no-print-directory cross
res $? "make cross (aarch64 CLI, Cortex-M4 acme5g.o and firmware image)"
[ "$FAILED" = 0 ] || finish

# --- the aarch64 CLI -------------------------------------------------------
BIN=$OUT/acme5g-aarch64
readelf -h "$BIN" 2>/dev/null | grep -q 'Machine:.*AArch64'
res $? "$BIN is an aarch64 executable"
[ -z "$(readelf -d "$BIN" 2>/dev/null | grep NEEDED)" ] && ! readelf -l "$BIN" | grep -q INTERP
res $? "$BIN is statically linked"

# --- the Cortex-M4 image -----------------------------------------------------
ELF=$OUT/firmware-m4.elf
M4_NM=${M4_NM:-arm-none-eabi-nm}
readelf -h "$ELF" 2>/dev/null | grep -q 'Machine:.*ARM'
res $? "$ELF is an ARM executable"
undef=$($M4_NM -u "$ELF" 2>/dev/null | awk '$1 == "U" { print $2 }' | tr '\n' ' ')
[ -z "$undef" ]
res $? "$ELF has no undefined symbol${undef:+ (has: $undef)}"
heap=$($M4_NM "$ELF" | awk '{ print $NF }' |
    grep -Ex 'malloc|calloc|realloc|free|_malloc_r|_free_r|_sbrk|_sbrk_r|time|_gettimeofday' | tr '\n' ' ')
[ -z "$heap" ]
res $? "$ELF links no heap and no time() (BearSSL built with BR_USE_UNIX_TIME=0)${heap:+ (has: $heap)}"
bad=$($M4_NM -g --defined-only $OUT/acme5g-m4.o | awk 'NF >= 3 { print $3 }' | grep -v '^acme5g_' |
    tr '\n' ' ')
[ -z "$bad" ]
res $? "$OUT/acme5g-m4.o defines only acme5g_* symbols${bad:+ (also: $bad)}"
incs=$(grep -h '^#include' port/acme5g_baremetal.c port/acme5g_baremetal.h |
    grep -Ev '"acme5g(_baremetal)?\.h"|<(string|stddef|stdint)\.h>' | tr '\n' ' ')
[ -z "$incs" ]
res $? "port/acme5g_baremetal.[ch] include no OS header${incs:+ (has: $incs)}"

# --- the aarch64 CLI against Pebble under qemu-aarch64 ----------------------
QEMU_AARCH64=${QEMU_AARCH64:-qemu-aarch64}
if ! command -v "$QEMU_AARCH64" >/dev/null 2>&1; then
    res 1 "$QEMU_AARCH64 not installed (tests/cross-deps.sh packages)"
    finish
fi
WRAP=$ROOT/$OUT/acme5g-aarch64-qemu
# binfmt_misc is often not registered in containers: call qemu ourselves.
printf '%s\n' '#!/bin/sh' "exec \"$QEMU_AARCH64\" \"$ROOT/$BIN\" \"\$@\"" >"$WRAP" &&
    chmod +x "$WRAP"
out=$("$WRAP" status --state /nonexistent/acme5g 2>&1)
rc=$?
[ "$rc" = 1 ] && [ -n "$out" ]
res $? "the aarch64 CLI runs under $QEMU_AARCH64 (status without state: exit $rc)"

tests="enrol_one_name status_shows_certificate enrol_reuses_account enrol_ip_literal_directory
refuses_untrusted_server"
log=$OUT/integration-aarch64.log
# shellcheck disable=SC2086
ACME5G_BIN=$WRAP ACME5G_CLI_TIMEOUT=${ACME5G_CLI_TIMEOUT:-240} tests/integration.sh $tests \
    >"$log" 2>&1
while IFS= read -r line; do
    case $line in
    "ok - "*) res 0 "aarch64 under qemu: ${line#ok - }" ;;
    "FAIL - "*) res 1 "aarch64 under qemu: ${line#FAIL - }" ;;
    "#   "*) echo "$line" ;;
    esac
done <"$log"
grep -Eq '^[0-9]+ passed, 0 failed$' "$log"
res $? "integration tests under qemu-aarch64 finished (log: $log)"

# --- the unit tests for Cortex-M4 (Thumb) under qemu-arm --------------------
if [ -f tests/unit.c ]; then
    tests/unit-m4.sh >"$OUT/unit-m4.log" 2>&1
    while IFS= read -r line; do
        case $line in
        "ok - "*) res 0 "${line#ok - }" ;;
        "FAIL - "*) res 1 "${line#FAIL - }" ;;
        "#"*) echo "$line" ;;
        esac
    done <"$OUT/unit-m4.log"
    grep -Eq '^[0-9]+ passed, 0 failed$' "$OUT/unit-m4.log"
    res $? "unit tests for Cortex-M4 under qemu-arm finished (log: $OUT/unit-m4.log)"
fi

finish
