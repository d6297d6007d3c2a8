#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/unit-m4.sh -- tests/unit.c built for Cortex-M4 (-mcpu=cortex-m4
# -mthumb -Os, ACME5G_TLS_MINIMAL=1, BearSSL from build/cross/bearssl-m4)
# and run under qemu-arm user mode with tests/m4-linux.c as start-up and
# system calls (-cpu cortex-a15: qemu 7.2 aborts with -cpu cortex-m4 in
# user mode; the Thumb-2 code is the same).
#
# The tests that check a result with the host's openssl (popen/system)
# cannot run there: their names contain "openssl" and they are reported
# as "skip", not counted.  Prints "ok - m4: NAME" / "FAIL - m4: NAME" and
# "N passed, N failed".  Needs `make cross` first (tests/cross.sh does it).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
M4_CC=${M4_CC:-arm-none-eabi-gcc}
QEMU_ARM=${QEMU_ARM:-qemu-arm}
OUT=build/cross
BIN=$OUT/unit-m4
LOG=$OUT/unit-m4.run

for f in "$OUT/bearssl-m4/libbearssl.a" "$OUT/inc/bearssl.h" tests/unit.c; do
    [ -f "$f" ] || { echo "FAIL - m4: $f missing (make cross)"; echo "0 passed, 1 failed"; exit 1; }
done
command -v "$QEMU_ARM" >/dev/null 2>&1 ||
    { echo "FAIL - m4: $QEMU_ARM missing (tests/cross-deps.sh packages)"; echo "0 passed, 1 failed"; exit 1; }

# Full newlib (not nano: the harness prints long long).  sys/wait.h: glibc's
# stdlib.h gives WIFEXITED, newlib's does not.
if ! $M4_CC -std=c99 -Os -mcpu=cortex-m4 -mthumb -fomit-frame-pointer \
    -ffunction-sections -fdata-sections -DBR_USE_UNIX_TIME=0 -DACME5G_TLS_MINIMAL=1 \
    -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -include sys/wait.h -isystem "$OUT/inc" -I. -Iport -nostartfiles -Wl,--gc-sections \
    -o "$BIN" tests/unit.c tests/m4-linux.c "$OUT/bearssl-m4/libbearssl.a"; then
    echo "FAIL - m4: tests/unit.c does not build for Cortex-M4"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "# $BIN: $(readelf -A "$BIN" | grep -E 'Tag_CPU_name|Tag_THUMB_ISA_use' | tr -s ' ' | tr '\n' ' ')"

timeout -k 5 600 "$QEMU_ARM" -cpu cortex-a15 "$BIN" >"$LOG" 2>&1
rc=$?
passed=0
failed=0
skipped=0
checks="" # the failed checks of the current test, shown when it really failed
while IFS= read -r line; do
    case $line in
    "ok - "*) echo "ok - m4: ${line#ok - }"; passed=$((passed + 1)); checks="" ;;
    "FAIL - "*openssl*) echo "# skip - m4: ${line#FAIL - } (needs the host's openssl)"
        skipped=$((skipped + 1)); checks="" ;;
    "FAIL - "*) echo "FAIL - m4: ${line#FAIL - }"; printf '%s' "$checks"
        failed=$((failed + 1)); checks="" ;;
    "FAIL "*) checks="$checks#   $line
" ;;
    esac
done <"$LOG"
if ! grep -Eq '^[0-9]+ passed, [0-9]+ failed$' "$LOG"; then
    echo "FAIL - m4: the unit tests did not finish under $QEMU_ARM (exit $rc; log $LOG)"
    tail -n 5 "$LOG" | sed 's/^/#   /'
    failed=$((failed + 1))
fi
echo "# m4: $skipped tests skipped (host openssl)"
grep '^# m4: peak stack' "$LOG" || true
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
