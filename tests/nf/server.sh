#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/nf/server.sh -- the server side of the NF profile (TS 33.310
# Annex J, README "NF profile"): the patched Pebble (tests/nf/pebble-nf.patch) and
# the Token Authority fixture (tests/nf/ta), driven by the Go probe
# (tests/nf/probe) rather than by acme5g, whose own checks would stop the
# bad tokens before the server sees them.
#
# Builds everything first (tests/nf/build-pebble.sh; cached), then starts,
# on free loopback ports with throwaway CAs:
#   main     NF Pebble: TA key, pre-authorized NfInstanceId $U_PRE
#            (interval 4 s), PEBBLE_AUTHZREUSE=0, no nonce rejection
#   short    NF Pebble with pending authorizations living 2 s, the TA key
#            given as a certificate
#   plain    the same binary without PEBBLE_NF_* (stock behaviour)
#   TAs      one per -mode (normal, replay, expired, wrong-uuid,
#            wrong-fingerprint, garbage, reject)
# Output: "ok - NAME" / "FAIL - NAME: why", then "N passed, N failed".
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
W=$ROOT/build/nf/run
# shellcheck source=tests/nf/env.sh
. "$ROOT/tests/nf/env.sh"


if ! tests/nf/build-pebble.sh; then
    fail build "tests/nf/build-pebble.sh failed"
    finish
fi

nf_setup
for mode in normal replay expired wrong-uuid wrong-fingerprint garbage reject; do
    if ! ta_start "$mode"; then
        fail "TA $mode" "did not start: $(cat "$W/ta-$mode.out")"
        finish
    fi
done

# ---------------------------------------------------------------------------
# The three Pebbles.
export PEBBLE_BIN=$BIN/pebble PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
start() { nf_pebble_start "$@"; }
export PEBBLE_NF_TA_PUBKEY=$W/ta-sign.pub PEBBLE_NF_TA_URL
PEBBLE_NF_TA_URL=$(ta_url normal)
PEBBLE_NF_PREAUTH="NfInstanceId:$U_PRE" PEBBLE_NF_PREAUTH_INTERVAL=4 start main
PEBBLE_NF_TA_PUBKEY=$W/ta-sign-cert.pem PEBBLE_NF_PENDING_AUTHZ_LIFETIME=2 start short
unset PEBBLE_NF_TA_PUBKEY PEBBLE_NF_TA_URL
start plain
# shellcheck disable=SC2154 # DIR_* and CA_* are set by start through printf -v
{ DIR=$DIR_main; CA=$CA_main; }

# probe ARGS: the Go probe against main (override with -dir/-ca after).
# shellcheck disable=SC2317 # called through expect
probe() { timeout 60 "$BIN/nf-probe" -dir "$DIR" -ca "$CA" "$@"; }
ta() { # MODE [NF]: the TA flags for the probe, client certificate of NF (nf1)
    local nf=${2:-nf1}
    printf '%s\n' -ta-url "$(ta_url "$1")" -ta-cert "$W/$nf.pem" -ta-key "$W/$nf.key" -ta-ca "$W/ta-ca.pem"
}

# expect NAME ok|refused REGEXP CMD...: CMD exits 0 (ok) or not (refused)
# and prints a line matching the extended REGEXP.  Output kept in
# $W/last.out; also_printed NAME REGEXP checks another line of it.
expect() {
    local name=$1 want=$2 pattern=$3 out rc
    shift 3
    out=$("$@" 2>&1)
    rc=$?
    printf '%s\n' "$out" >"$W/last.out"
    if [ "$want" = ok ] && [ $rc != 0 ]; then
        fail "$name" "exit $rc: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
    elif [ "$want" = refused ] && [ $rc = 0 ]; then
        fail "$name" "accepted: $(printf '%s' "$out" | tr '\n' ' ')"
    elif ! grep -Eq -- "$pattern" <<<"$out"; then
        fail "$name" "no /$pattern/ in: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
    else
        pass "$name"
    fi
}
also_printed() {
    if grep -Eq -- "$2" "$W/last.out"; then
        pass "$1"
    else
        fail "$1" "no /$2/ in: $(tr '\n' ' ' <"$W/last.out")"
    fi
}
UNAUTH="invalid: urn:ietf:params:acme:error:unauthorized"

# ---------------------------------------------------------------------------
# Directory, identifiers.
if grep -q '"newAuthz"' "$W/main/dir.json"; then
    pass "directory has newAuthz"
else
    fail "directory has newAuthz" "$(tr -d '\n' <"$W/main/dir.json")"
fi
# shellcheck disable=SC2154
if grep -q '"newAuthz"' "$W/plain/dir.json"; then
    fail "without PEBBLE_NF_*: no newAuthz" "the directory has one"
else
    pass "without PEBBLE_NF_*: no newAuthz"
fi
UPPER=$(printf '%s' "$U_NF1" | tr 'a-f' 'A-F')
expect "upper-case UUID refused" refused "newOrder refused: urn:ietf:params:acme:error:rejectedIdentifier" \
    probe -uuid "$UPPER" -token x
expect "non-UUID refused" refused "newOrder refused: urn:ietf:params:acme:error:rejectedIdentifier" \
    probe -uuid "nf1.example" -token x
# shellcheck disable=SC2154
expect "without PEBBLE_NF_*: NfInstanceId malformed" refused \
    "newOrder refused: urn:ietf:params:acme:error:malformed" \
    probe -dir "$DIR_plain" -ca "$CA_plain" -uuid "$U_NF1" -token x

# ---------------------------------------------------------------------------
# A valid token from the TA; the certificate; the token checked with openssl.
mapfile -t TA_NORMAL < <(ta normal)
expect "valid TA token accepted, certificate issued" ok "certificate: issued" \
    probe -uuid "$U_NF1" "${TA_NORMAL[@]}" -finalize -cert-out "$W/nf1-leaf.pem" \
    -token-out "$W/token.jwt" -account-key-out "$W/account.key"
also_printed "challenge is tkauth-01, tkauth-type atc, token-authority = PEBBLE_NF_TA_URL" \
    "^challenge 1: tkauth-type atc, token-authority $(ta_url normal)$"
if openssl x509 -in "$W/nf1-leaf.pem" -noout -ext subjectAltName 2>/dev/null |
    grep -q "URI:urn:uuid:$U_NF1"; then
    pass "leaf carries URI:urn:uuid:$U_NF1"
else
    fail "leaf URI SAN" "$(openssl x509 -in "$W/nf1-leaf.pem" -noout -ext subjectAltName 2>&1 | tr '\n' ' ')"
fi
n=$(grep -c "urn:uuid:$U_NF1 200 " "$W/normal.log")
if [ "$n" = 1 ]; then
    pass "TA log: one line for the one token request"
else
    fail "TA log" "$n lines for urn:uuid:$U_NF1 200, want 1: $(cat "$W/normal.log")"
fi

b64url_decode() { # base64url (no padding) on stdin -> bytes on stdout
    local s
    s=$(tr '_-' '/+')
    case $((${#s} % 4)) in 2) s="$s==" ;; 3) s="$s=" ;; esac
    printf '%s' "$s" | base64 -d
}
der_int() { # 64 hex digits -> DER INTEGER (hex)
    local h=$1
    while [ "${h:0:2}" = 00 ] && [ ${#h} -gt 2 ]; do h=${h:2}; done
    case $h in [89a-f]*) h=00$h ;; esac
    printf '02%02x%s' $((${#h} / 2)) "$h"
}
hex_to_bin() { printf '%b' "$(sed 's/../\\x&/g')"; }
check_token_openssl() {
    local tok h p s hdr pl sig body exp now xy jwk fp
    tok=$(cat "$W/token.jwt")
    IFS=. read -r h p s <<<"$tok"
    hdr=$(printf '%s' "$h" | b64url_decode) || return 1
    pl=$(printf '%s' "$p" | b64url_decode) || return 1
    grep -q '"alg":"ES256"' <<<"$hdr" || { echo "header $hdr"; return 1; }
    # ES256 R||S -> DER ECDSA-Sig-Value, then openssl verifies with the TA key
    sig=$(printf '%s' "$s" | b64url_decode | od -An -tx1 -v | tr -d ' \n')
    [ ${#sig} = 128 ] || { echo "signature is $((${#sig} / 2)) bytes"; return 1; }
    body=$(der_int "${sig:0:64}")$(der_int "${sig:64:64}")
    printf '30%02x%s' $((${#body} / 2)) "$body" | hex_to_bin >"$W/token.sig.der"
    printf '%s.%s' "$h" "$p" >"$W/token.input"
    openssl dgst -sha256 -verify "$W/ta-sign.pub" -signature "$W/token.sig.der" "$W/token.input" \
        >/dev/null 2>&1 || { echo "openssl dgst -verify failed"; return 1; }
    # claims
    exp=$(sed -n 's/.*"exp":\([0-9]*\).*/\1/p' <<<"$pl")
    now=$(date +%s)
    if [ -z "$exp" ] || [ "$exp" -le "$now" ]; then
        echo "exp '$exp' is not in the future"
        return 1
    fi
    if ! grep -Eq '"jti":"[^"]+"' <<<"$pl" || ! grep -q '"tktype":"NfInstanceId"' <<<"$pl" ||
        ! grep -q "\"tkvalue\":\"$U_NF1\"" <<<"$pl"; then
        echo "claims $pl"
        return 1
    fi
    # fingerprint: RFC 7638 thumbprint of the account key, from openssl
    # (the last 64 bytes of the SubjectPublicKeyInfo are X||Y)
    xy=$(openssl pkey -in "$W/account.key" -pubout -outform DER 2>/dev/null | tail -c 64 |
        od -An -tx1 -v | tr -d ' \n')
    jwk="{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"$(printf '%s' "${xy:0:64}" | hex_to_bin |
        base64 -w0 | tr '/+' '_-' | tr -d '=')\",\"y\":\"$(printf '%s' "${xy:64:64}" | hex_to_bin |
        base64 -w0 | tr '/+' '_-' | tr -d '=')\"}"
    fp="SHA256 $(printf '%s' "$jwk" | openssl dgst -sha256 -c -hex | sed 's/.*= //' | tr 'a-f' 'A-F')"
    # "SHA256 " + 32 hex pairs joined by ':' (95 characters)
    grep -Eq '^SHA256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$' <<<"$fp" || { echo "fingerprint form: $fp"; return 1; }
    grep -q "\"fingerprint\":\"$fp\"" <<<"$pl" || { echo "fingerprint: want $fp in $pl"; return 1; }
}
if why=$(check_token_openssl); then
    pass "token checked with openssl: ES256 signature, claims, fingerprint"
else
    fail "token checked with openssl" "$why"
fi

# ---------------------------------------------------------------------------
# Refused tokens: from misbehaving TAs, and minted by the probe.
mapfile -t A < <(ta wrong-uuid)
expect "token for another UUID refused (TA)" refused "$UNAUTH: token is for another identifier" \
    probe -uuid "$U_NF1" "${A[@]}"
expect "token for another UUID refused (minted)" refused "$UNAUTH: token is for another identifier" \
    probe -uuid "$U_NF1" -sign-key "$W/ta-sign.key" -mint-uuid "$U_OTHER"
mapfile -t A < <(ta expired)
expect "expired token refused (TA)" refused "$UNAUTH: token expired" probe -uuid "$U_NF1" "${A[@]}"
expect "expired token refused (minted)" refused "$UNAUTH: token expired" \
    probe -uuid "$U_NF1" -sign-key "$W/ta-sign.key" -mint-exp -1
mapfile -t A < <(ta replay)
expect "replayed token refused (TA replay: second order)" refused \
    "challenge 2: $UNAUTH: token replayed" probe -uuid "$U_NF1" -uses 2 "${A[@]}"
also_printed "TA replay: the first use was accepted" "^challenge 1: valid$"
expect "replayed token refused (minted: same token twice)" refused \
    "challenge 2: $UNAUTH: token replayed" probe -uuid "$U_NF1" -uses 2 -sign-key "$W/ta-sign.key"
also_printed "the first use of that token was accepted" "^challenge 1: valid$"
mapfile -t A < <(ta wrong-fingerprint)
expect "token bound to another account key refused (TA)" refused \
    "$UNAUTH: fingerprint does not match the account key" probe -uuid "$U_NF1" "${A[@]}"
expect "token bound to another account key refused (minted)" refused \
    "$UNAUTH: fingerprint does not match the account key" \
    probe -uuid "$U_NF1" -sign-key "$W/ta-sign.key" -mint-other-key
expect "token not signed by the TA refused" refused "$UNAUTH: bad signature" \
    probe -uuid "$U_NF1" -sign-key "$W/not-ta.key"
mapfile -t A < <(ta garbage)
expect "garbage token refused" refused "$UNAUTH: bad token format" probe -uuid "$U_NF1" "${A[@]}"
expect "refused token: authorization invalid" refused "authorization 1: invalid" \
    probe -uuid "$U_NF1" -token "a.b.c"

# ---------------------------------------------------------------------------
# The TA's own refusals.
mapfile -t A < <(ta normal nf2)
expect "TA: client certificate for another UUID -> 403" refused "TA refused: 403" \
    probe -uuid "$U_NF1" "${A[@]}"
mapfile -t A < <(ta normal)
expect "TA: no client certificate -> TLS refused" refused "TA request failed" \
    probe -uuid "$U_NF1" "${A[@]:0:2}" -ta-cert "" -ta-ca "$W/ta-ca.pem"
mapfile -t A < <(ta reject)
expect "TA -mode reject -> 403" refused "TA refused: 403" probe -uuid "$U_NF1" "${A[@]}"
mapfile -t A < <(ta normal nf2)
expect "TA: second NF gets its own token" ok "challenge 1: valid" probe -uuid "$U_NF2" "${A[@]}"

# ---------------------------------------------------------------------------
# Finalize, newAuthz, pre-authorization, pending lifetime.
expect "CSR with another URI SAN refused (badCSR)" refused \
    "finalize: refused: urn:ietf:params:acme:error:badCSR" \
    probe -uuid "$U_NF1" "${TA_NORMAL[@]}" -finalize -csr-uri "urn:uuid:$U_OTHER"
expect "newAuthz: the authz is answered, the next order reuses it" ok "authorization 1: valid" \
    probe -uuid "$U_NF1" "${TA_NORMAL[@]}" -new-authz
expect "pre-authorization: challenged before the first issuance" ok "challenge 1: tkauth-type atc" \
    probe -uuid "$U_PRE" -sign-key "$W/ta-sign.key" -finalize
expect "pre-authorization: valid without challenge after an issuance" ok \
    "challenge 1: valid \(authorization valid without challenge\)" probe -uuid "$U_PRE" -token x
expect "pre-authorization: newAuthz valid at once too" ok \
    "challenge 1: valid \(authorization valid without challenge\)" probe -uuid "$U_PRE" -token x -new-authz
sleep 4
expect "pre-authorization: challenged again after the interval" refused "challenge 1: tkauth-type atc" \
    probe -uuid "$U_PRE" -token x
# shellcheck disable=SC2154
expect "TA key given as a certificate: valid token accepted" ok "authorization 1: valid" \
    probe -dir "$DIR_short" -ca "$CA_short" -uuid "$U_NF1" "${TA_NORMAL[@]}"
expect "pending authorization expires (lifetime 2 s): challenge refused, authz expired" refused \
    "authorization 1: expired" \
    probe -dir "$DIR_short" -ca "$CA_short" -uuid "$U_NF1" "${TA_NORMAL[@]}" -answer-after 2500ms

finish
