#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/stack-m4.sh -- the peak stack of an enrolment's crypto paths on
# Cortex-M4 code: tests/stack-m4.c built as tests/unit-m4.sh builds the
# unit tests (-mcpu=cortex-m4 -mthumb -Os, ACME5G_TLS_MINIMAL=1, BearSSL
# from build/cross/bearssl-m4, tests/m4-linux.c as start-up) and run under
# qemu-arm user mode.  make size-cross runs it when qemu-arm is there.
# Extra compiler flags (e.g. -DACME5G_TLS_ECDSA_ONLY=1) may be given as
# arguments.  Prints "# stack-m4: ..." figures and "N passed, N failed".
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
M4_CC=${M4_CC:-arm-none-eabi-gcc}
QEMU_ARM=${QEMU_ARM:-qemu-arm}
OUT=build/cross
BIN=$OUT/stack-m4
LOG=$OUT/stack-m4.run

for f in "$OUT/bearssl-m4/libbearssl.a" "$OUT/inc/bearssl.h"; do
    [ -f "$f" ] || { echo "FAIL - stack-m4: $f missing (make cross)"; echo "0 passed, 1 failed"; exit 1; }
done
command -v "$QEMU_ARM" >/dev/null 2>&1 ||
    { echo "FAIL - stack-m4: $QEMU_ARM missing (tests/cross-deps.sh packages)"; echo "0 passed, 1 failed"; exit 1; }

if ! $M4_CC -std=c99 -Wall -Wextra -Os -mcpu=cortex-m4 -mthumb -fomit-frame-pointer \
    -ffunction-sections -fdata-sections -DBR_USE_UNIX_TIME=0 -DACME5G_TLS_MINIMAL=1 "$@" \
    -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -include sys/wait.h -isystem "$OUT/inc" \
    -I. -Iport -Itests -nostartfiles -Wl,--gc-sections \
    -o "$BIN" tests/stack-m4.c tests/m4-linux.c "$OUT/bearssl-m4/libbearssl.a"; then
    echo "FAIL - stack-m4: tests/stack-m4.c does not build for Cortex-M4"
    echo "0 passed, 1 failed"
    exit 1
fi
timeout -k 5 300 "$QEMU_ARM" -cpu cortex-a15 "$BIN" >"$LOG" 2>&1
rc=$?
grep -E '^(# stack-m4|ok - |FAIL - )' "$LOG"
if ! grep -Eq '^[0-9]+ passed, [0-9]+ failed$' "$LOG"; then
    echo "FAIL - stack-m4: did not finish under $QEMU_ARM (exit $rc; log $LOG)"
    tail -n 5 "$LOG" | sed 's/^/#   /'
    echo "0 passed, 1 failed"
    exit 1
fi
grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOG" | tail -n 1
[ "$rc" = 0 ]
