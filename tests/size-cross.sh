#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/size-cross.sh -- the Cortex-M4 figures of `make size` (run by
# `make size-cross` after `make cross`):
#
#   - .text/.data/.bss of acme5g.o for Cortex-M4 -Os, ACME5G_TLS_MINIMAL=1
#     (default config, and with ACME5G_LOG_LEVEL=0);
#   - the firmware image build/cross/firmware-m4.elf by component, from its
#     linker map (tests/mapsize.awk), and jsmn's share measured alone;
#   - sizeof(acme5g_ctx) on Cortex-M4 for the default, the minimal (unit-min)
#     and the firmware (examples/firmware/acme5g_config.h) configs, with the
#     BearSSL parts of it; the image's static RAM and stack.
#
# Sizes are read from objects with nm/size: nothing runs on the target.
# Environment: M4_CC, M4_SIZE, M4_NM, M4FLAGS, MINCONF (from the Makefile).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
M4_CC=${M4_CC:-arm-none-eabi-gcc}
M4_SIZE=${M4_SIZE:-arm-none-eabi-size}
M4_NM=${M4_NM:-arm-none-eabi-nm}
M4FLAGS=${M4FLAGS:--std=c99 -Wall -Wextra -Wpedantic -Os -mcpu=cortex-m4 -mthumb -ffunction-sections -fdata-sections -DBR_USE_UNIX_TIME=0}
MINCONF=${MINCONF:-}
OUT=build/cross
INC="-isystem $OUT/inc"
FW_CONF="-Iexamples/firmware -DACME5G_USER_CONFIG=\"acme5g_config.h\""
FW_CONF_ARGS=(-Iexamples/firmware '-DACME5G_USER_CONFIG="acme5g_config.h"')
BOARD_LDFLAGS=${BOARD_LDFLAGS:--T examples/firmware/mps2-an386.ld -nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections}
BOARD_INC=${BOARD_INC:--Iexamples/firmware -I. -Iport -isystem build/cross/lwip/src/include -isystem build/cross/inc}
SMALL_TLS=${SMALL_TLS:--DACME5G_TLS_MINIMAL=1 -DACME5G_TLS_ECDSA_ONLY=1 -DACME5G_WITH_SHA384=0}
ELF=$OUT/firmware-m4.elf
MAP=$OUT/firmware-m4.map

for f in "$ELF" "$MAP" "$OUT/acme5g-m4.o" "$OUT/inc/jsmn.h"; do
    [ -f "$f" ] || { echo "size-cross: $f missing (make cross)" >&2; exit 1; }
done
mkdir -p "$OUT/size" || exit 1

echo "== Cortex-M4, $M4_CC -mthumb -Os, ACME5G_TLS_MINIMAL=1: build/cross/acme5g-m4.o"
$M4_SIZE "$OUT/acme5g-m4.o"
# shellcheck disable=SC2086
$M4_CC $M4FLAGS -DACME5G_TLS_MINIMAL=1 -DACME5G_LOG_LEVEL=0 $INC -c acme5g.c \
    -o "$OUT/size/acme5g-m4-log0.o" &&
    echo "== the same with ACME5G_LOG_LEVEL=0 (no log strings)" &&
    $M4_SIZE "$OUT/size/acme5g-m4-log0.o" | tail -n 1

# The NF profile (NfInstanceId + tkauth-01, ACME5G_WITH_TKAUTH): its share.
# shellcheck disable=SC2086
$M4_CC $M4FLAGS -DACME5G_TLS_MINIMAL=1 -DACME5G_WITH_TKAUTH=0 $INC -c acme5g.c \
    -o "$OUT/size/acme5g-m4-notkauth.o" &&
    echo "== the same with ACME5G_WITH_TKAUTH=0 (no NF profile: NfInstanceId, tkauth-01)" &&
    $M4_SIZE "$OUT/size/acme5g-m4-notkauth.o" | tail -n 1 &&
    echo "   the NF profile adds $(($($M4_SIZE "$OUT/acme5g-m4.o" | awk 'NR == 2 { print $1 }') - \
        $($M4_SIZE "$OUT/size/acme5g-m4-notkauth.o" | awk 'NR == 2 { print $1 }'))) B of .text"

# jsmn alone, as acme5g.c includes it (static, strict), called once.
printf '%s\n' '#define JSMN_STATIC' '#define JSMN_STRICT' '#include <jsmn.h>' \
    'int jsmn_probe(const char *js, unsigned len, jsmntok_t *t, unsigned n);' \
    'int jsmn_probe(const char *js, unsigned len, jsmntok_t *t, unsigned n)' \
    '{ jsmn_parser p; jsmn_init(&p); return jsmn_parse(&p, js, len, t, n); }' \
    >"$OUT/size/jsmn-probe.c"
# shellcheck disable=SC2086
jsmn_text=$($M4_CC $M4FLAGS $INC -c "$OUT/size/jsmn-probe.c" -o "$OUT/size/jsmn-probe.o" &&
    $M4_SIZE "$OUT/size/jsmn-probe.o" | awk 'NR == 2 { print $1 }')

echo "== firmware image build/cross/firmware-m4.elf (examples/firmware, config"
echo "   examples/firmware/acme5g_config.h), by component, from the linker map:"
awk -f tests/mapsize.awk "$MAP"
echo "   jsmn is inlined into acme5g; alone (static, strict) it is ${jsmn_text:-?} B of .text."
image_line() {
    $M4_SIZE -A "$1" | awk '$1 ~ /^\.(isr_vector|text|ARM\.exidx|data)$/ { f += $2 }
        $1 ~ /^\.(data|bss)$/ { r += $2 } $1 == ".stack" { s = $2 }
        END { printf "   image: flash %d B, static RAM %d B (+ %d B stack) = %d B\n", f, r, s, r + s }'
}
image_line "$ELF"

# The same image with the smallest TLS profile (ACME5G_TLS_ECDSA_ONLY=1,
# ACME5G_WITH_SHA384=0 on top of the example's config): what they save.
SMALL=$OUT/size/fw-small
mkdir -p "$SMALL"
# shellcheck disable=SC2086
if $M4_CC $M4FLAGS -Werror $SMALL_TLS "${FW_CONF_ARGS[@]}" $INC -c acme5g.c -o "$SMALL/acme5g.o" &&
    $M4_CC $M4FLAGS -Werror $SMALL_TLS "${FW_CONF_ARGS[@]}" -I. $INC -c port/acme5g_baremetal.c \
        -o "$SMALL/acme5g_baremetal.o" &&
    $M4_CC $M4FLAGS -Werror $SMALL_TLS "${FW_CONF_ARGS[@]}" $BOARD_INC \
        -c examples/firmware/firmware_main.c -o "$SMALL/firmware_main.o" &&
    $M4_CC $M4FLAGS $BOARD_LDFLAGS -Wl,-Map="$SMALL/firmware-m4.map" -o "$SMALL/firmware-m4.elf" \
        "$SMALL/acme5g.o" "$SMALL/acme5g_baremetal.o" "$SMALL/firmware_main.o" \
        "$OUT/fw/acme5g_lwip.o" "$OUT"/board/board_mps2.o "$OUT"/board/semihost.o \
        "$OUT"/board/lan9118.o "$OUT/lwip-m4/liblwip.a" \
        "$OUT/bearssl-m4/libbearssl.a"; then
    echo "== the same image with $SMALL_TLS"
    echo "   (ECDHE-ECDSA only, SHA-256 only: the ACME server's chain must be ECDSA with SHA-256):"
    awk -f tests/mapsize.awk "$SMALL/firmware-m4.map" | grep -E '^(acme5g|BearSSL|total) ' |
        sed 's/^/   /'
    image_line "$SMALL/firmware-m4.elf"
else
    echo "   the image with $SMALL_TLS does not build (see above)"
fi

# sizeof probes: arrays whose sizes nm reports, so nothing has to run.
printf '%s\n' '#include "acme5g.h"' \
    '#define P(n, e) char probe_##n[sizeof(e)]' \
    'P(ctx, acme5g_ctx);' \
    'P(tls, ((acme5g_ctx *)0)->tls);' \
    'P(x509, ((acme5g_ctx *)0)->x509);' \
    'P(tls_buf, ((acme5g_ctx *)0)->tls_buf);' \
    'P(io, ((acme5g_ctx *)0)->io);' \
    'P(drbg, ((acme5g_ctx *)0)->drbg);' \
    'P(body, ((acme5g_ctx *)0)->body);' \
    'P(request, ((acme5g_ctx *)0)->request);' \
    >"$OUT/size/ctx-probe.c"
probe() { # NAME FLAGS...: "ctx tls x509 tls_buf io drbg body request" sizes
    local name=$1
    shift
    # shellcheck disable=SC2086
    $M4_CC $M4FLAGS "$@" $INC -I. -c "$OUT/size/ctx-probe.c" -o "$OUT/size/ctx-$name.o" || return 1
    $M4_NM -S -t d "$OUT/size/ctx-$name.o" | awk '
        { sub(/^probe_/, "", $4); v[$4] = $2 + 0 }
        END { print v["ctx"], v["tls"], v["x509"], v["tls_buf"], v["io"], v["drbg"],
              v["body"], v["request"] }'
}
echo "== sizeof(acme5g_ctx) on Cortex-M4 (B), and the parts of it:"
printf '   %-28s %7s %9s %8s %8s %6s %6s %6s %8s\n' config ctx "br_ssl_cl" br_x509 tls_buf \
    sslio drbg body request
row() {
    local label=$1 r
    shift
    r=$(probe "$@") || { echo "   $label: probe failed"; return; }
    # shellcheck disable=SC2086
    printf '   %-28s %7s %9s %8s %8s %6s %6s %6s %8s\n' "$label" $r
}
row "default" default -DACME5G_TLS_MINIMAL=1
# shellcheck disable=SC2086
row "minimal (unit-min values)" min -DACME5G_TLS_MINIMAL=1 $MINCONF
row "firmware (examples/firmware)" fw -Iexamples/firmware '-DACME5G_USER_CONFIG="acme5g_config.h"'
echo "   (br_ssl_cl = br_ssl_client_context, br_x509 = br_x509_minimal_context,"
echo "    tls_buf = BearSSL's I/O buffer, ACME5G_TLS_BUF_SIZE; all inside the context)"
: "$FW_CONF"

# Stack: the deepest frames of acme5g.c by gcc -fstack-usage (the minimal
# profile, -Os, Thumb-2), then the crypto paths measured by painting under
# qemu-arm (tests/stack-m4.sh) when qemu-arm is installed.
# shellcheck disable=SC2086
if $M4_CC $M4FLAGS -DACME5G_TLS_MINIMAL=1 -fstack-usage $INC -c acme5g.c \
    -o "$OUT/size/acme5g-m4-su.o" 2>/dev/null; then
    echo "== stack frames of acme5g.c on Cortex-M4 (-fstack-usage, ACME5G_TLS_MINIMAL=1), the 8 largest:"
    sort -t "$(printf '\t')" -k2,2 -rn "$OUT/size/acme5g-m4-su.su" | head -n 8 |
        awk -F '\t' '{ n = $1; sub(/^.*:/, "", n); printf "   %-44s %6d B\n", n, $2 }'
fi
if command -v "${QEMU_ARM:-qemu-arm}" >/dev/null 2>&1; then
    echo "== peak stack on Cortex-M4 (painted, under qemu-arm; tests/stack-m4.sh):"
    tests/stack-m4.sh | sed -n 's/^# stack-m4: /   /p'
else
    echo "== peak stack on Cortex-M4: qemu-arm not installed (tests/cross-deps.sh), not measured"
fi
