#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/baremetal.sh -- the bare-metal port and the firmware's store tool:
#
#   - build/baremetal and build/baremetal-asan (clang ASan + UBSan):
#     tests/baremetal.c, port/acme5g_baremetal.c over a RAM-backed NOR
#     flash (two copies, CRC, sequence wrap, torn programs, power cuts,
#     seed roll-forward, the start-up check, clock and deadlines);
#   - build/fw-store (examples/firmware/fw_store.c) on store files in a
#     temporary directory: provision, info, put, export round trip, a
#     corrupt copy falling back to the other one, refusals;
#   - build/baremetal-enrol (tests/baremetal-enrol.c) against a Pebble it
#     starts: acme5g enrols and renews over the port's slots (fw_slots.h)
#     and seed, then the power is cut at every flash operation of a
#     renewal (~25 renewals, ~20 s).
#
# Prints "ok - ..." / "FAIL - ..." per check, then "N passed, N failed".
# Environment: MAKE.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
MAKE=${MAKE:-make}
# shellcheck source=tests/checks.sh
. "$ROOT/tests/checks.sh"

"$MAKE" --no-print-directory build/baremetal build/baremetal-asan build/fw-store \
    build/baremetal-enrol
res $? "build build/baremetal build/baremetal-asan build/fw-store build/baremetal-enrol"
[ "$FAILED" = 0 ] || finish

# --- the unit tests, plain and sanitized ------------------------------------
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for bin in build/baremetal build/baremetal-asan; do
    log=build/${bin#build/}.log
    "$bin" >"$log" 2>&1
    rc=$?
    while IFS= read -r line; do
        case $line in
        "ok - "*) res 0 "${bin#build/}: ${line#ok - }" ;;
        "FAIL - "*) res 1 "${bin#build/}: ${line#FAIL - }" ;;
        "FAIL "* | "#"*) echo "$line" ;;
        esac
    done <"$log"
    [ "$rc" = 0 ] && grep -Eq '^[0-9]+ passed, 0 failed$' "$log"
    res $? "$bin finished cleanly (exit $rc, log $log)"
done

# --- every name the library stores is a macro the port's check knows -------
macros=$(grep -o '^#define ACME5G_STORE_[A-Z_]*' acme5g.h | awk '{ print $2 }')
missing=""
for m in $macros; do
    case $m in
    # best-effort caches: a port without their slots only loses the saving
    ACME5G_STORE_DIRECTORY | ACME5G_STORE_NONCE) continue ;;
    esac
    grep -q "{$m," port/acme5g_baremetal.c || missing="$missing $m"
done
[ -n "$macros" ] && [ -z "$missing" ]
res $? "each ACME5G_STORE_* name of acme5g.h is in the port's start-up check${missing:+ (not:$missing)}"
adhoc=$(grep -nE 'ACME5G_STORE_[A-Z_]+ *"|store_(read|write)\([^,]*, *"' acme5g.c)
[ -z "$adhoc" ]
res $? "acme5g.c stores no name built from a literal${adhoc:+ ($adhoc)}"

# --- build/fw-store ----------------------------------------------------------
FWS=$ROOT/build/fw-store
T=$(mktemp -d "${TMPDIR:-/tmp}/acme5g-fwstore.XXXXXX") || finish
trap 'pebble_stop_all 2>/dev/null; rm -rf "$T"' EXIT
S=$T/store

# Slot offsets from the shared table (fw_slots.h), as the tool sees it.
slot() { # NAME -> "offset copy_size" (decimal)
    local name off size
    read -r name off size < <("$FWS" layout | grep "^$1 ")
    [ -n "${off:-}" ] && [ -n "${size:-}" ] && echo "$((off)) $((size))"
}
read -r CERT_OFF CERT_COPY <<<"$(slot cert.pem)"
read -r SEED_OFF _ <<<"$(slot rng.seed)"
[ -n "${CERT_OFF:-}" ] && [ -n "${CERT_COPY:-}" ] && [ -n "${SEED_OFF:-}" ] &&
    [ "$("$FWS" layout | wc -l)" = 10 ]
res $? "fw-store layout: 9 slots (cert.pem at $CERT_OFF, copy $CERT_COPY B)"

flip() { # FILE OFFSET: invert one byte in place
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf '%b' "\\$(printf '%03o' $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
    -out "$T/ca.pem" -subj /CN=fw-store-ca -days 2 >/dev/null 2>&1 &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/leaf.key" \
        -out "$T/leaf.pem" -subj /CN=leaf -days 2 >/dev/null 2>&1
res $? "openssl made a CA and a leaf for the tool's tests"

out=$("$FWS" "$S" info 2>&1)
[ $? = 1 ] && [ ! -e "$S" ] && grep -q 'No such file' <<<"$out"
res $? "info on a missing store file: exit 1, nothing created ($out)"

head -c 32 /dev/urandom >"$T/seed"
"$FWS" "$S" provision --ca "$T/ca.pem" --seed-from "$T/seed" >"$T/out" 2>&1
rc=$?
[ $rc = 0 ] && [ "$(stat -c '%s %a' "$S")" = "65536 600" ]
res $? "provision creates a 64 KB store, mode 0600 (exit $rc: $(cat "$T/out"))"
info=$("$FWS" "$S" info)
grep -qx 'rng.seed: valid copy 0 seq 1 len 32; copy 1 empty' <<<"$info" &&
    grep -Eqx "ca.pem: valid copy 0 seq 1 len $(stat -c %s "$T/ca.pem"); copy 1 empty" <<<"$info" &&
    grep -qx 'cert.pem: empty' <<<"$info" && [ "$(wc -l <<<"$info")" = 9 ]
res $? "info: the seed and the trust anchors valid, the other 7 slots empty"
cmp -s -i "$((SEED_OFF + 16)):0" -n 32 "$S" "$T/seed"
res $? "the seed from --seed-from is what the seed slot holds (in the port's format)"

head -c 32 /dev/urandom >"$T/seed2"
"$FWS" "$S" provision --ca "$T/leaf.pem" --seed-from "$T/seed2" >/dev/null 2>&1 &&
    info=$("$FWS" "$S" info) &&
    grep -qx 'rng.seed: valid copy 0 seq 1 len 32; copy 1 empty' <<<"$info" &&
    grep -Eq '^ca.pem: valid copy 1 seq 2 ' <<<"$info" &&
    cmp -s -i "$((SEED_OFF + 16)):0" -n 32 "$S" "$T/seed"
res $? "provision again: the trust anchors replaced, the seed kept"

head -c 31 /dev/urandom >"$T/short"
"$FWS" "$T/fresh" provision --ca "$T/ca.pem" --seed-from "$T/short" >"$T/out" 2>&1
[ $? = 1 ] && [ ! -e "$T/fresh" ] && grep -q 'fewer than 32 bytes' "$T/out"
res $? "provision with a short seed source: exit 1, no store written"
echo "not a certificate" >"$T/junk.pem"
"$FWS" "$S" provision --ca "$T/junk.pem" >"$T/out" 2>&1
[ $? = 1 ] && grep -q 'no PEM certificate' "$T/out"
res $? "provision refuses a CA file without a certificate"
{ for _ in $(seq 5); do cat "$T/ca.pem" "$T/leaf.pem"; done; } >"$T/big.pem"
"$FWS" "$S" provision --ca "$T/big.pem" >"$T/out" 2>&1
[ $? = 1 ] && grep -q 'too large' "$T/out"
res $? "provision refuses trust anchors larger than their slot ($(stat -c %s "$T/big.pem") B)"

"$FWS" "$S" export "$T/none" >"$T/out" 2>&1
[ $? = 1 ] && grep -q 'nothing to export: cert.pem is empty' "$T/out"
res $? "export with no certificate stored: exit 1, says so"

cat "$T/leaf.pem" "$T/ca.pem" >"$T/chain.pem"
"$FWS" "$S" put cert.pem "$T/chain.pem" && "$FWS" "$S" put cert.key "$T/leaf.key" &&
    "$FWS" "$S" export "$T/exp" >/dev/null &&
    cmp -s "$T/exp/cert.pem" "$T/chain.pem" && cmp -s "$T/exp/cert.key" "$T/leaf.key" &&
    [ "$(stat -c %a "$T/exp/cert.key")" = 600 ] && [ "$(stat -c %a "$T/exp/cert.pem")" = 600 ]
res $? "put then export: the chain and the key come back byte for byte, files 0600"
[ "$(openssl x509 -in "$T/exp/cert.pem" -noout -pubkey)" = "$(openssl pkey -in "$T/exp/cert.key" -pubout)" ]
res $? "the exported key matches the exported leaf (openssl)"

# A second chain goes to copy 1; corrupt one byte of its blob: the export
# falls back to copy 0, info says which copy is corrupt.
cat "$T/ca.pem" "$T/leaf.pem" >"$T/chain2.pem"
"$FWS" "$S" put cert.pem "$T/chain2.pem" && "$FWS" "$S" export "$T/exp" >/dev/null &&
    cmp -s "$T/exp/cert.pem" "$T/chain2.pem"
res $? "a second chain replaces the first"
flip "$S" $((CERT_OFF + CERT_COPY + 16 + 100))
"$FWS" "$S" export "$T/exp" >/dev/null && cmp -s "$T/exp/cert.pem" "$T/chain.pem"
res $? "a corrupt byte in the newest copy: export falls back to the older copy"
grep -Eqx "cert.pem: valid copy 0 seq 1 len $(stat -c %s "$T/chain.pem"); copy 1 corrupt" \
    <<<"$("$FWS" "$S" info)"
res $? "info shows the corrupt copy"
flip "$S" $((CERT_OFF + 20))
"$FWS" "$S" export "$T/exp" >"$T/out" 2>&1
[ $? = 1 ] && grep -q 'cert.pem is corrupt (no valid copy)' "$T/out" &&
    grep -qx 'cert.pem: corrupt (copy 0 corrupt, copy 1 corrupt)' <<<"$("$FWS" "$S" info)"
res $? "both copies corrupt: export exits 1 and says the slot is corrupt"
"$FWS" "$S" put cert.pem "$T/chain.pem" && "$FWS" "$S" export "$T/exp" >/dev/null &&
    cmp -s "$T/exp/cert.pem" "$T/chain.pem"
res $? "a new write over a corrupt slot is readable again"

"$FWS" "$S" put nosuch "$T/chain.pem" >/dev/null 2>&1
[ $? = 1 ]
res $? "put to an unknown slot: exit 1"
head -c 1000 /dev/zero >"$T/short-store"
"$FWS" "$T/short-store" info >"$T/out" 2>&1
[ $? = 1 ] && grep -q 'not a store file' "$T/out"
res $? "a file of the wrong size is not a store: exit 1"
"$FWS" "$S" >/dev/null 2>&1
[ $? = 2 ]
res $? "usage: exit 2"

# --- acme5g's flows over the port's slots and seed, against Pebble ---------
# shellcheck source=tests/pebble.sh
. tests/pebble.sh
# deterministic flash operation counts: no refused nonces, renewals reuse
# the account's valid authorizations
export PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=100
if pebble_start "$T/pebble" >"$T/pebble-start.log" 2>&1; then
    log=build/baremetal-enrol.log
    build/baremetal-enrol "$PEBBLE_DIR_URL" "$PEBBLE_CA" "$PEBBLE_HTTP_PORT" "$T" >"$log" 2>&1
    rc=$?
    pebble_stop_all
    while IFS= read -r line; do
        case $line in
        "ok - "*) res 0 "baremetal-enrol: ${line#ok - }" ;;
        "FAIL - "*) res 1 "baremetal-enrol: ${line#FAIL - }" ;;
        "#"*) echo "$line" ;;
        esac
    done <"$log"
    [ "$rc" = 0 ] && grep -Eq '^[0-9]+ passed, 0 failed$' "$log"
    res $? "build/baremetal-enrol finished cleanly (exit $rc, log $log)"
else
    cat "$T/pebble-start.log"
    res 1 "pebble_start"
fi

finish
