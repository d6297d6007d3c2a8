#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/firmware.sh -- the example firmware (examples/firmware) on QEMU's
# mps2-an386 board against Pebble, through the runner a user has
# (examples/firmware/qemu-run.sh):
#
#   enrol        the image enrols (real http-01 through QEMU's hostfwd);
#                the chain exported from its flash verifies with openssl
#                against Pebble's root and the key matches the leaf
#   renew        a second boot with the same store renews with the stored
#                account (no newAccount at Pebble); the serial changes;
#                without --force the policy says "not due"
#   power cuts   QEMU killed at spread-out instants of a renewal, each time
#                rebooted with the same store: never a mismatched pair, and
#                the next boot completes
#   failures     ACME server down, wrong trust anchor, a server certificate
#                for another name: one clear "FAILED:" line, no hang
#
# Environment: FW_CUTS (power cuts, default 20), MAKE.  Prints ok/FAIL lines
# and "N passed, N failed".  Files: build/firmware-test.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
MAKE=${MAKE:-make}
W=$ROOT/build/firmware-test
RUN=$ROOT/examples/firmware/qemu-run.sh
CUTS=${FW_CUTS:-20}
# shellcheck source=tests/checks.sh
. "$ROOT/tests/checks.sh"
show() { sed 's/^/#   /' "$1" | tail -n "${2:-15}"; }

# shellcheck source=tests/pebble.sh
. "$ROOT/tests/pebble.sh"
trap pebble_stop_all EXIT

"$MAKE" --no-print-directory firmware >/dev/null
res $? "make firmware (image, build/fw-store)"
[ "$FAILED" = 0 ] || finish
rm -rf "$W" && mkdir -p "$W" || exit 1

export PEBBLE_WFE_NONCEREJECT=0
pebble_start "$W/pebble" || { res 1 "Pebble started"; finish; }
P=$PEBBLE_DIR_URL
CA=$PEBBLE_CA
HP=$PEBBLE_HTTP_PORT
LOG=$W/pebble/pebble.log
STORE=$W/flash.bin

# fw TAG ARGS...: the runner, output in $W/TAG.out, status in $W/TAG.rc
fw() {
    local tag=$1
    shift
    "$RUN" --ca "$CA" --http-port "$HP" --timeout 90 "$@" >"$W/$tag.out" 2>&1
    echo $? >"$W/$tag.rc"
    return "$(cat "$W/$tag.rc")"
}
leaf_serial() { openssl x509 -in "$1" -noout -serial 2>/dev/null | sed 's/serial=//'; }
# pair_ok DIR [KEYFILE]: the key DIR/KEYFILE (default cert.key) belongs to
# the leaf of DIR/cert.pem
pair_ok() {
    local a b
    [ -f "$1/${2:-cert.key}" ] || return 1
    a=$(openssl x509 -in "$1/cert.pem" -noout -pubkey 2>/dev/null | openssl pkey -pubin -outform DER 2>/dev/null | sha256sum)
    b=$(openssl pkey -in "$1/${2:-cert.key}" -pubout -outform DER 2>/dev/null | sha256sum)
    [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" != "$(printf '' | sha256sum)" ]
}
count() { grep -c "$1" "$LOG" 2>/dev/null; }

# --- enrolment ---------------------------------------------------------------
before=$(wc -l <"$LOG")
fw enrol --directory "$P" --name fw1.acme5g.test --store "$STORE" --export "$W/e1"
rc=$?
res $rc "the image enrols against Pebble over lwIP (exit $rc)"
[ $rc = 0 ] || show "$W/enrol.out"
grep -q '^stored certificate: serial ' "$W/enrol.out"
res $? "the image reports the stored certificate it checked"
openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$W/e1/cert.pem" "$W/e1/cert.pem" >/dev/null 2>&1
res $? "the chain exported from its flash verifies against Pebble's root"
pair_ok "$W/e1"
res $? "the exported key matches the leaf"
openssl x509 -in "$W/e1/cert.pem" -noout -ext subjectAltName 2>/dev/null | grep -q 'DNS:fw1.acme5g.test'
res $? "the leaf names fw1.acme5g.test"
sed -n "$((before + 1)),\$p" "$LOG" >"$W/enrol.pebble"
echo "# enrolment as Pebble saw it: $(grep -c 'calling handler' "$W/enrol.pebble") requests"
acct1=$(sed -n 's/^account: //p' "$W/enrol.out")
[ -n "$acct1" ]
res $? "the image reports its account URL"

# --- renewal -------------------------------------------------------------------
fw notdue --directory "$P" --name fw1.acme5g.test --store "$STORE" --renew
rc=$?
[ $rc = 0 ] && grep -q '^renewal not due before ' "$W/notdue.out" && ! grep -q '^renewing' "$W/notdue.out"
res $? "--renew without --force: the policy says not due, the stored pair is checked (exit $rc)"
na=$(count 'new-acct')
before=$(wc -l <"$LOG")
fw renew --directory "$P" --name fw1.acme5g.test --store "$STORE" --renew --force --export "$W/r1"
rc=$?
res $rc "a second boot with the same store renews (exit $rc)"
[ $rc = 0 ] || show "$W/renew.out"
s1=$(leaf_serial "$W/e1/cert.pem")
s2=$(leaf_serial "$W/r1/cert.pem")
[ -n "$s2" ] && [ "$s1" != "$s2" ]
res $? "the serial changes ($s1 -> $s2)"
pair_ok "$W/r1" && openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$W/r1/cert.pem" "$W/r1/cert.pem" >/dev/null 2>&1
res $? "the renewed pair matches and verifies"
[ "$(count 'new-acct')" = "$na" ] && [ "$(sed -n 's/^account: //p' "$W/renew.out")" = "$acct1" ]
res $? "the renewal used the stored account (no newAccount request)"
sed -n "$((before + 1)),\$p" "$LOG" >"$W/renew.pebble"
echo "# renewal as Pebble saw it: $(grep -c 'calling handler' "$W/renew.pebble") requests:" \
    "$(sed -n 's/.* \(GET\|POST\|HEAD\) \([^ ]*\) .*/\1 \2/p' "$W/renew.pebble" |
        sed 's#/[A-Za-z0-9_-]\{16,\}#/…#g' | tr '\n' ',' | sed 's/,$//')"

# --- power cuts during renewals ------------------------------------------------
# One renewal's duration T (ms, from the image); cut k at about k*T/CUTS
# plus the boot, spread over the whole exchange.
T=$(sed -n 's/^renewed in \([0-9]*\) ms/\1/p' "$W/renew.out")
[ -n "$T" ] || T=3000
bad=0
notdone=0
for k in $(seq 1 "$CUTS"); do
    at=$(awk -v k="$k" -v n="$CUTS" -v t="$T" 'BEGIN { printf "%.3f", 0.3 + (k - 0.5) * (t / 1000.0 + 0.4) / n }')
    "$RUN" --ca "$CA" --http-port "$HP" --timeout 60 --directory "$P" \
        --name fw1.acme5g.test --store "$STORE" --renew --force >"$W/cut-$k.out" 2>&1 &
    runner=$!
    sleep "$at"
    pkill -KILL -f "qemu-system-arm.*store=$STORE" 2>/dev/null
    wait "$runner" # not Pebble, also a child of this shell
    # Right after the cut: cert.pem matches cert.key, or cert.key.new when
    # the cut fell between the writes of the new pair (the next boot's
    # acme5g_repair_pair() finishes that).
    rm -rf "$W/cut" && mkdir -p "$W/cut"
    if ! build/fw-store "$STORE" export "$W/cut" >/dev/null 2>&1; then
        bad=$((bad + 1))
        echo "# cut $k at ${at}s: nothing readable in the store"
        build/fw-store "$STORE" info 2>&1 | sed 's/^/#   /'
    elif ! pair_ok "$W/cut" && ! pair_ok "$W/cut" cert.key.new; then
        bad=$((bad + 1))
        echo "# cut $k at ${at}s: the stored chain matches neither key"
        build/fw-store "$STORE" info 2>&1 | sed 's/^/#   /'
    fi
    # The next boot completes and leaves a matching pair.
    if ! fw "after-cut-$k" --directory "$P" --name fw1.acme5g.test --store "$STORE" --renew \
        --force --export "$W/after"; then
        notdone=$((notdone + 1))
        echo "# boot after cut $k at ${at}s failed:"
        show "$W/after-cut-$k.out" 5
    elif ! pair_ok "$W/after"; then
        bad=$((bad + 1))
        echo "# after cut $k: mismatched pair"
    fi
done
[ "$bad" = 0 ]
res $? "$CUTS power cuts during renewals (T = $T ms): never a mismatched key and chain"
[ "$notdone" = 0 ]
res $? "after each of the $CUTS cuts the next boot completes ($notdone did not)"

# --- failures: one clear line, no hang ------------------------------------------
# fails TAG MESSAGE PATTERN ARGS...: exit 1 within the deadline, a FAILED line
fails() {
    local tag=$1 msg=$2 pat=$3 t0 rc
    shift 3
    t0=$(date +%s)
    fw "$tag" --name fw1.acme5g.test --store "$W/fail-$tag.bin" "$@"
    rc=$?
    [ $rc = 1 ] && [ "$(grep -c '^FAILED: ' "$W/$tag.out")" = 1 ] && grep '^FAILED: ' "$W/$tag.out" | grep -Eq "$pat"
    res $? "$msg: exit $rc in $(($(date +%s) - t0)) s, '$(grep '^FAILED: ' "$W/$tag.out" | head -n 1)'"
    [ $rc = 1 ] || show "$W/$tag.out" 8
}
pebble__pick_port DOWN
fails down "ACME server down" 'network|connect|closed|TLS' --directory "https://localhost:$DOWN/dir"
pebble_make_ca "$W" other-ca
fails untrusted "wrong trust anchor" 'not trusted' --directory "$P" --ca "$W/other-ca.pem"
fails wrongname "server certificate for another name" 'does not match the host' \
    --directory "https://acme.example.net:$PEBBLE_PORT/dir"
finish
