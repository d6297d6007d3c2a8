# shellcheck shell=bash disable=SC2034 # the U_* IDs are for the scripts that source this
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/nf/env.sh -- what the NF profile's tests share (sourced by
# tests/nf/server.sh, client.sh and bench.sh after they set ROOT and W):
# tests/pebble.sh, BIN (the Go and Pebble binaries), ACME5G (the CLI,
# ACME5G_BIN or build/acme5g), pass/fail/finish, and nf_setup: a throwaway PKI in $W (the
# TA's TLS server certificate ta-server and its CA ta-ca, the CA nf-ca of
# the NF client certificates nf1 and nf2, the TA's token signing key
# ta-sign), Token Authorities (ta_start) and NF Pebbles (nf_pebble_start).

# shellcheck source=tests/pebble.sh
. "$ROOT/tests/pebble.sh"
BIN=$ROOT/build/nf/bin
ACME5G=${ACME5G_BIN:-build/acme5g}
case $ACME5G in /*) ;; *) ACME5G=$ROOT/$ACME5G ;; esac

PASS=0
FAILED=0
pass() { echo "ok - $1"; PASS=$((PASS + 1)); }
fail() { echo "FAIL - $1: $2"; FAILED=$((FAILED + 1)); }
finish() {
    echo "$PASS passed, $FAILED failed"
    [ "$FAILED" = 0 ]
    exit
}

U_NF1=4ace9d34-2c69-4f99-92d5-a73a3fe8e23b # has a TA client certificate
U_NF2=0b5e6a6e-9a43-4c1c-8b1e-1d0c2f3e4a5b # has one too
U_PRE=7d2f1c9e-3b4a-4e5f-a6b7-c8d9e0f1a2b3 # pre-authorized on main
U_OTHER=11111111-2222-4333-8444-555555555555

nf_client_cert() { # NAME UUID: $W/NAME.{key,pem}, URI SAN urn:uuid:UUID
    printf '%s\n' "subjectAltName=URI:urn:uuid:$2" "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" >"$W/$1.ext"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/$1.key" 2>/dev/null &&
        openssl req -new -key "$W/$1.key" -subj "/CN=$1" -out "$W/$1.csr" 2>/dev/null &&
        openssl x509 -req -in "$W/$1.csr" -CA "$W/nf-ca.pem" -CAkey "$W/nf-ca.key" \
            -set_serial "0x$(openssl rand -hex 8)" -days 2 -sha256 -extfile "$W/$1.ext" \
            -out "$W/$1.pem" 2>/dev/null
}

# nf_setup: a fresh $W with the PKI below; everything started is stopped
# on exit.
nf_setup() {
    rm -rf "$W" && mkdir -p "$W" || exit 1
    TA_PIDS=""
    # shellcheck disable=SC2317 # called by the trap
    cleanup() {
        local pid
        pebble_stop_all
        for pid in $TA_PIDS; do kill "$pid" 2>/dev/null; done
        for pid in $TA_PIDS; do wait "$pid" 2>/dev/null; done
    }
    trap cleanup EXIT

    # ---------------------------------------------------------------------------
    # Throwaway PKI: the TA's TLS server certificate, the CA of the NF client
    # certificates, the TA's token signing key (P-256) and its public key.
    if ! pebble_make_ca "$W" ta-ca || ! pebble__make_leaf "$W" ta-server ta-ca "IP:127.0.0.1,DNS:localhost" ||
        ! pebble_make_ca "$W" nf-ca || ! nf_client_cert nf1 "$U_NF1" || ! nf_client_cert nf2 "$U_NF2" ||
        ! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/ta-sign.key" 2>/dev/null ||
        ! openssl pkey -in "$W/ta-sign.key" -pubout -out "$W/ta-sign.pub" 2>/dev/null ||
        ! openssl req -x509 -new -key "$W/ta-sign.key" -subj "/CN=nf test TA" -days 2 \
            -out "$W/ta-sign-cert.pem" 2>/dev/null ||
        ! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/not-ta.key" 2>/dev/null; then
        fail pki "openssl could not make the test certificates in $W"
        finish
    fi
}

# ta_start NAME [MODE [FLAG...]]: a TA with -mode MODE (default NAME) and
# the extra flags; its URL is then in $W/NAME.url, its log (one line per
# request) in $W/NAME.log.
ta_start() {
    local name=$1 mode=${2:-$1} i=0
    shift
    [ $# -gt 0 ] && shift
    "$BIN/nf-ta" -listen 127.0.0.1:0 -port-file "$W/$name.port" -cert "$W/ta-server.pem" \
        -key "$W/ta-server.key" -client-ca "$W/nf-ca.pem" -sign-key "$W/ta-sign.key" \
        -iss "https://localhost/at/token" -mode "$mode" -log "$W/$name.log" "$@" \
        </dev/null >"$W/ta-$name.out" 2>&1 &
    TA_PIDS="$TA_PIDS $!"
    while [ ! -s "$W/$name.port" ]; do
        i=$((i + 1))
        [ $i -lt 100 ] || return 1
        sleep 0.05
    done
    echo "https://127.0.0.1:$(cat "$W/$name.port")/at/token" >"$W/$name.url"
}
ta_url() { cat "$W/$1.url"; }

# nf_pebble_start NAME: start a Pebble (PEBBLE_BIN and PEBBLE_* from the
# caller) in $W/NAME; remember its directory URL, listener CA and issuing
# root as DIR_NAME, CA_NAME, ROOT_NAME.
nf_pebble_start() {
    if ! pebble_start "$W/$1"; then
        fail "start $1" "pebble_start failed"
        finish
    fi
    printf -v "DIR_$1" '%s' "$PEBBLE_DIR_URL"
    printf -v "CA_$1" '%s' "$PEBBLE_CA"
    printf -v "ROOT_$1" '%s' "$PEBBLE_ROOT"
}
