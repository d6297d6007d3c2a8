#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/demo.sh -- `make demo`: get a certificate from a throwaway ACME
# server (Pebble) on this machine with build/acme5g, then look at it.
# Nothing leaves loopback.  Files stay in build/demo/ for a look afterwards.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/pebble.sh
. "$ROOT/tests/pebble.sh"

BIN=${ACME5G_BIN:-build/acme5g}
NAME=${DEMO_NAME:-demo.example}
DEMO=$ROOT/build/demo
STATE=$DEMO/state
trap pebble_stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ -t 1 ] || step() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

if [ ! -x "$BIN" ]; then
    echo "demo: $BIN is missing; build it with: make" >&2
    exit 1
fi
rm -rf "$DEMO"
mkdir -p "$STATE" || exit 1

step "1. Start a throwaway ACME server (Pebble) on loopback"
pebble_start "$DEMO/pebble" || { echo "demo: Pebble did not start" >&2; exit 1; }
cat <<EOF
ACME directory:   $PEBBLE_DIR_URL
Pebble's own TLS certificate is signed by a CA made a moment ago:
                  $PEBBLE_CA
Pebble validates http-01 challenges by connecting to port $PEBBLE_HTTP_PORT;
its DNS (pebble-challtestsrv) resolves every name to 127.0.0.1.
EOF

step "2. Enrol a certificate for $NAME"
cat <<EOF
acme5g creates an account key and an account, orders a certificate for
$NAME, answers the http-01 challenge with its built-in responder on port
$PEBBLE_HTTP_PORT, sends a CSR for a fresh key and downloads the chain
(add -v to see each step).
EOF
if ! show "$BIN" enrol --directory "$PEBBLE_DIR_URL" --ca "$PEBBLE_CA" \
    --state "$STATE" --name "$NAME" --http-port "$PEBBLE_HTTP_PORT"; then
    echo "demo: enrolment failed (Pebble's log: $DEMO/pebble/pebble.log)" >&2
    exit 1
fi

step "3. The state directory"
show ls -l "$STATE"
cat <<'EOF'
account.key  the ACME account's private key (kept for the next enrolment)
account.url  the account's URL at the server
cert.key     the certificate's private key (new at every enrolment)
cert.pem     the certificate chain, leaf first
EOF

step "4. What acme5g says about the certificate"
show "$BIN" status --state "$STATE"

step "5. The certificate as openssl sees it (first 40 lines)"
printf '$ %s\n' "openssl x509 -noout -text -in $STATE/cert.pem | head -40"
openssl x509 -noout -text -in "$STATE/cert.pem" | head -40

step "6. Check the chain up to Pebble's root"
awk -v leaf="$DEMO/leaf.pem" -v rest="$DEMO/chain.pem" '
    /-----BEGIN CERTIFICATE-----/ { n++ }
    n == 1 { print > leaf }
    n > 1 { print > rest }' "$STATE/cert.pem"
echo "Pebble's root (fetched from its management interface): $PEBBLE_ROOT"
if [ -s "$DEMO/chain.pem" ]; then
    show openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$DEMO/chain.pem" "$DEMO/leaf.pem" ||
        { echo "demo: the chain does not verify" >&2; exit 1; }
else
    show openssl verify -CAfile "$PEBBLE_ROOT" "$DEMO/leaf.pem" ||
        { echo "demo: the chain does not verify" >&2; exit 1; }
fi

step "7. Stop Pebble"
pebble_stop
echo "Pebble stopped.  The files are still in $DEMO/."
