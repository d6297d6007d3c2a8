#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/shared.sh -- the shared ACME client (build/acme5g-shared, TR 33.776)
# and `acme5g enrol --via` against a throwaway Pebble on loopback, dns-01
# through tests/dns-hook.sh and pebble-challtestsrv.  Throwaway CAs made by
# openssl (tests/shared-env.sh): a bootstrap CA for the NFs' client
# certificates (URI SAN urn:uuid:...), another CA the daemon must not
# trust, and a core CA for the daemon's server certificate.
#
#   tests/shared.sh [TEST...]
#
# Environment: ACME5G_BIN (default build/acme5g), ACME5G_SHARED_BIN (default
# build/acme5g-shared), ACME5G_KEEP=1 keeps the work directory.  Prints
# "ok - NAME" or "FAIL - NAME: why" per test, then "N passed, N failed";
# exits 1 when a test failed.  The tests run in the order listed in TESTS
# and some use what an earlier one left (nf0's state).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/pebble.sh
. "$ROOT/tests/pebble.sh"
# shellcheck source=tests/shared-env.sh
. "$ROOT/tests/shared-env.sh"

BIN=${ACME5G_BIN:-build/acme5g}
case $BIN in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
CLI_TIMEOUT=60
NF_TIMEOUT=5      # the daemon's --nf-timeout (s)
HS_TIMEOUT=2      # the daemon's --handshake-timeout (s)
MAX_CHILDREN=16   # the daemon's --max-children
N_CONCURRENT=50   # NFs enrolling at once in concurrent_50 (16 at a time)
FIRST_CONCURRENT=10
ONLY="$*"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/acme5g-shared.XXXXXX") || exit 1
PKI=$WORK/pki
cleanup() {
    shared_stop
    pebble_stop_all
    if [ "${ACME5G_KEEP:-0}" = 1 ]; then
        echo "# work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PASSED=0
FAILED=0

# ---------------------------------------------------------------------------
# Helpers.  A test runs in a subshell with its own directory $T; `die WHY`
# ends it as failed.
# ---------------------------------------------------------------------------

die() {
    printf '%s\n' "$*" >"$T/.why"
    exit 1
}

# cli TAG ARG...: run the client; stdout/stderr in $T/TAG.out/.err, RC.
cli() {
    local tag=$1
    shift
    echo "+ acme5g $*"
    timeout -k 5 "$CLI_TIMEOUT" "$BIN" "$@" </dev/null >"$T/$tag.out" 2>"$T/$tag.err"
    RC=$?
    sed 's/^/  out: /' "$T/$tag.out"
    sed 's/^/  err: /' "$T/$tag.err"
    echo "  exit $RC"
    if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
        die "'acme5g $1' did not finish within $CLI_TIMEOUT s"
    fi
    return 0
}

errline() { tail -n 1 "$T/$1.err" 2>/dev/null; }

# enrol_via TAG I STATE ARG...: enrol NF I (its bootstrap certificate)
# through the shared client.
enrol_via() {
    local tag=$1 i=$2 state=$3
    shift 3
    cli "$tag" enrol --via "$SHARED_URL" --ca "$PKI/coreca.pem" \
        --client-cert "$PKI/nf$i.pem" --client-key "$PKI/nf$i.key" --state "$state" "$@"
}

split_chain() {
    rm -f "$T/leaf.pem" "$T/rest.pem"
    awk -v leaf="$T/leaf.pem" -v rest="$T/rest.pem" '
        /-----BEGIN CERTIFICATE-----/ { n++ }
        n == 1 { print > leaf }
        n > 1 { print > rest }' "$1"
}
pubkey_of_key() { openssl pkey -in "$1" -pubout 2>/dev/null; }
pubkey_of_cert() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null; }
serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }

# check_nf_state STATE SAN...: STATE holds a chain that verifies against
# Pebble's root, for exactly these SAN entries, whose key is STATE/cert.key.
check_nf_state() {
    local state=$1 san want
    shift
    [ -s "$state/cert.pem" ] || die "$state/cert.pem missing"
    [ -s "$state/cert.key" ] || die "$state/cert.key missing"
    split_chain "$state/cert.pem"
    [ -s "$T/rest.pem" ] || die "cert.pem holds no intermediate"
    openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$T/rest.pem" "$T/leaf.pem" ||
        die "openssl verify failed against Pebble's root"
    san=$(openssl x509 -in "$T/leaf.pem" -noout -ext subjectAltName | sed 1d |
        tr ',' '\n' | sed 's/^ *//' | sort | tr '\n' ',')
    want=$(printf '%s\n' "$@" | sort | tr '\n' ',')
    echo "SAN: $san"
    [ "$san" = "$want" ] || die "leaf SAN is '$san', expected '$want'"
    if [ -z "$(pubkey_of_cert "$T/leaf.pem")" ] ||
        [ "$(pubkey_of_cert "$T/leaf.pem")" != "$(pubkey_of_key "$state/cert.key")" ]; then
        die "the leaf's public key is not that of the NF's own key ($state/cert.key)"
    fi
}

# nf_dir I: the daemon's state directory for NF I (nf-<SHA-256 of the
# identity, first 16 bytes in hex>).
nf_dir() {
    local h
    h=$(printf '%s' "urn:uuid:${NF_UUID[$1]}" | sha256sum | cut -c1-32)
    echo "$SHARED_STATE/nf-$h"
}

# issued_snapshot: what the daemon and Pebble have issued so far (the
# daemon's stored chains, and Pebble's "Issued certificate" log lines).
issued_snapshot() {
    find "$SHARED_STATE" -name cert.pem -exec sha256sum {} + 2>/dev/null | sort
    echo "pebble issued: $(grep -c 'Issued certificate' "$PEBBLE_LOG")"
}

# nothing_issued BEFORE STATE: no certificate since BEFORE (a snapshot),
# none in the NF's state directory STATE.
nothing_issued() {
    [ ! -e "$2/cert.pem" ] || die "cert.pem was written into the NF's state"
    [ ! -e "$2/cert.key" ] || die "cert.key was written into the NF's state"
    [ "$(issued_snapshot)" = "$1" ] || die "a certificate was issued"
}

# raw_post OUT CSR_DER [s_client args...]: POST the DER file as the shared
# client protocol's request with openssl s_client (a hand-written
# HTTP/1.1 request); the response in OUT.
raw_post() {
    local out=$1 der=$2
    shift 2
    {
        printf 'POST /acme5g/v1/certificate HTTP/1.1\r\nHost: localhost:%s\r\n' "$SHARED_PORT"
        printf 'Content-Type: application/pkcs10\r\nContent-Length: %d\r\n' "$(stat -c %s "$der")"
        printf 'Connection: close\r\n\r\n'
        cat "$der"
    } | timeout 20 openssl s_client -quiet -connect "127.0.0.1:$SHARED_PORT" \
        -servername localhost -CAfile "$PKI/coreca.pem" -verify_return_error "$@" \
        >"$out" 2>"$out.err"
    echo "s_client exit $?; response:"
    sed 's/^/  /' "$out"
    sed 's/^/  s_client: /' "$out.err"
}

# status_of OUT: the HTTP status of the response in OUT.
status_of() { head -n 1 "$1" | awk '{ print $2 }' | tr -d '\r'; }

# csr_der OUT KEY SAN: a DER CSR signed by KEY with that subjectAltName
# (empty: no SAN extension).
csr_der() {
    local cn
    if [ -n "$3" ]; then
        # the subject names the first DNS SAN (or nobody): the daemon refuses
        # a CN that is not among the SANs
        cn=$(printf '%s' "$3" | sed -n 's/^DNS:\([^,]*\).*/\1/p')
        openssl req -new -key "$2" -subj "${5:-${cn:+/CN=$cn}}" -addext "subjectAltName=$3" \
            -outform DER -out "$1" 2>/dev/null
    else
        openssl req -new -key "$2" -subj "/CN=${4:-nf}" -outform DER -out "$1" 2>/dev/null
    fi
}

# daemon_logged TEXT: the daemon's log has a line with TEXT (waits 2 s for
# the child to write it).
daemon_logged() {
    local i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        grep -qF -- "$1" "$PKI/daemon.log" && return 0
        sleep 0.2
    done
    return 1
}

now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }

# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------

# An NF with a valid bootstrap certificate gets a certificate for its
# allowed names (and its own identity as a URI SAN in the CSR, which the
# daemon allows and Pebble drops); one account on the daemon's side.
test_enrol_via_shared_client() {
    local st=$WORK/nf0 before
    before=$(now_ms)
    enrol_via enrol 0 "$st" --name "$(shared_name 0)" --name nf0-b.5gc.test \
        --uri "urn:uuid:${NF_UUID[0]}"
    [ "$RC" = 0 ] || die "enrol --via exited $RC: $(errline enrol)"
    echo "enrolment took $(($(now_ms) - before)) ms"
    echo $(($(now_ms) - before)) >"$WORK/baseline-ms"
    check_nf_state "$st" "DNS:$(shared_name 0)" DNS:nf0-b.5gc.test
    grep -qx "via=$SHARED_URL" "$st/settings" || die "settings lack via=$SHARED_URL"
    grep -qx "client-cert=$PKI/nf0.pem" "$st/settings" || die "settings lack client-cert="
    grep -qx "client-key=$PKI/nf0.key" "$st/settings" || die "settings lack client-key="
    ! grep -q '^directory=' "$st/settings" || die "settings hold a directory="
    [ ! -e "$st/account.key" ] || die "the NF has an ACME account key of its own"
    [ -s "$(nf_dir 0)/account.url" ] || die "no account for nf0 in the daemon's state ($(nf_dir 0))"
    [ -s "$(nf_dir 0)/account.key" ] || die "no account key for nf0 in the daemon's state"
    [ ! -e "$(nf_dir 0)/cert.key" ] || die "the daemon holds a certificate key for nf0"
    cmp -s "$(nf_dir 0)/cert.pem" "$st/cert.pem" || die "the daemon's copy of the chain differs"
    daemon_logged "urn:uuid:${NF_UUID[0]}: issued" || die "no 'issued' line in the daemon's log"
    # the validation was dns-01 through the hook
    grep -q "^add _acme-challenge.$(shared_name 0) " "$PKI/dns-hook.log" ||
        die "the dns-01 hook was not called for $(shared_name 0)"
}

# No client certificate: the handshake fails (BearSSL BR_ERR_NO_CLIENT_AUTH,
# 29, logged by the daemon), no HTTP answer, nothing issued.
test_refuses_no_client_certificate() {
    local before
    before=$(issued_snapshot)
    csr_der "$T/good.der" "$PKI/nf1.key" "DNS:$(shared_name 1)"
    raw_post "$T/resp" "$T/good.der"
    ! grep -q '^HTTP/' "$T/resp" || die "an HTTP answer without a client certificate"
    daemon_logged "(BearSSL 29)" ||
        die "the daemon did not log the refusal (BearSSL 29, no client certificate)"
    nothing_issued "$before" "$WORK/none"
}

# A client certificate from another CA (same identity as nf1): the
# handshake is refused; the CLI says so in one line.
test_refuses_client_certificate_from_other_ca() {
    local st=$T/nf before
    before=$(issued_snapshot)
    shared_nf_cert "$PKI" rogue1 otherca "URI:urn:uuid:${NF_UUID[1]}" || die "openssl failed"
    cli enrol enrol --via "$SHARED_URL" --ca "$PKI/coreca.pem" --client-cert "$PKI/rogue1.pem" \
        --client-key "$PKI/rogue1.key" --state "$st" --name "$(shared_name 1)"
    [ "$RC" = 1 ] || die "enrol exited $RC, expected 1"
    [ "$(wc -l <"$T/enrol.err")" = 1 ] || die "more than one line on stderr"
    grep -q "refused our client certificate" "$T/enrol.err" ||
        die "unclear error: $(errline enrol)"
    daemon_logged "(BearSSL 62)" || die "the daemon did not log BR_ERR_X509_NOT_TRUSTED (62)"
    nothing_issued "$before" "$st"
}

# A bootstrap certificate whose identity the policy does not list.
test_refuses_identity_not_in_policy() {
    local st=$T/nf before
    before=$(issued_snapshot)
    shared_nf_cert "$PKI" stranger bootca "URI:urn:uuid:$(cat /proc/sys/kernel/random/uuid)" ||
        die "openssl failed"
    cli enrol enrol --via "$SHARED_URL" --ca "$PKI/coreca.pem" \
        --client-cert "$PKI/stranger.pem" --client-key "$PKI/stranger.key" --state "$st" \
        --name stranger.5gc.test
    [ "$RC" = 1 ] || die "enrol exited $RC, expected 1"
    grep -q "HTTP 403 urn:acme5g:error:unauthorized: this NF identity is not in" \
        "$T/enrol.err" || die "unclear error: $(errline enrol)"
    nothing_issued "$before" "$st"
}

# nf1 asks for nf0's name: 403 forbidden, nothing issued, and nf1 gets no
# account on the daemon's side either.
test_refuses_name_not_in_policy() {
    local st=$T/nf before
    before=$(issued_snapshot)
    enrol_via enrol 1 "$st" --name "$(shared_name 1)" --name "$(shared_name 0)"
    [ "$RC" = 1 ] || die "enrol exited $RC, expected 1"
    [ "$(wc -l <"$T/enrol.err")" = 1 ] || die "more than one line on stderr"
    grep -q "HTTP 403 urn:acme5g:error:forbidden: $(shared_name 0) is not allowed for urn:uuid:${NF_UUID[1]}" \
        "$T/enrol.err" || die "unclear error: $(errline enrol)"
    nothing_issued "$before" "$st"
    [ ! -e "$(nf_dir 1)" ] || die "the daemon made an account for nf1"
}

# A CSR for nf1's own name whose signature is wrong (last byte of the
# signature flipped), sent by hand with nf1's client certificate.
test_refuses_csr_with_bad_signature() {
    local before
    before=$(issued_snapshot)
    csr_der "$T/good.der" "$PKI/nf1.key" "DNS:$(shared_name 1)" || die "openssl req failed"
    cp "$T/good.der" "$T/bad.der"
    # flip the last bit of the last byte: the ECDSA s value
    printf '%b' "\\x$(printf '%02x' $(( $(tail -c 1 "$T/good.der" | od -An -tu1) ^ 1 )))" |
        dd of="$T/bad.der" bs=1 seek=$(( $(stat -c %s "$T/good.der") - 1 )) conv=notrunc 2>/dev/null
    ! cmp -s "$T/good.der" "$T/bad.der" || die "could not tamper with the CSR"
    openssl req -inform DER -in "$T/good.der" -noout -verify 2>&1 | grep -q 'verify OK' ||
        die "the untampered CSR does not verify with openssl"
    ! openssl req -inform DER -in "$T/bad.der" -noout -verify 2>&1 | grep -q 'verify OK' ||
        die "openssl still verifies the tampered CSR"
    raw_post "$T/resp" "$T/bad.der" -cert "$PKI/nf1.pem" -key "$PKI/nf1.key"
    [ "$(status_of "$T/resp")" = 400 ] || die "status $(status_of "$T/resp"), expected 400"
    grep -q 'application/problem+json' "$T/resp" || die "no problem document"
    grep -q '"type":"urn:acme5g:error:badCSR","detail":"CSR signature does not verify"' \
        "$T/resp" || die "unclear problem: $(tail -n 1 "$T/resp")"
    nothing_issued "$before" "$WORK/none"
}

# Hand-made CSRs whose names differ from what nf1's policy allows: one more
# name (another NF's), and no SAN at all (only a CN).
test_refuses_csr_with_other_names() {
    local before
    before=$(issued_snapshot)
    csr_der "$T/more.der" "$PKI/nf1.key" "DNS:$(shared_name 1),DNS:$(shared_name 2)" ||
        die "openssl req failed"
    raw_post "$T/more" "$T/more.der" -cert "$PKI/nf1.pem" -key "$PKI/nf1.key"
    [ "$(status_of "$T/more")" = 403 ] || die "extra name: status $(status_of "$T/more"), expected 403"
    grep -q "\"type\":\"urn:acme5g:error:forbidden\",\"detail\":\"$(shared_name 2) is not allowed for urn:uuid:${NF_UUID[1]}\"" \
        "$T/more" || die "extra name: unclear problem: $(tail -n 1 "$T/more")"
    csr_der "$T/ip.der" "$PKI/nf1.key" "DNS:$(shared_name 1),IP:10.0.0.1" || die "openssl req failed"
    raw_post "$T/ip" "$T/ip.der" -cert "$PKI/nf1.pem" -key "$PKI/nf1.key"
    [ "$(status_of "$T/ip")" = 403 ] || die "extra IP: status $(status_of "$T/ip"), expected 403"
    # a subject CN naming another NF, next to nf1's own SAN
    csr_der "$T/cn2.der" "$PKI/nf1.key" "DNS:$(shared_name 1)" "" "/CN=$(shared_name 2)" ||
        die "openssl req failed"
    raw_post "$T/cn2" "$T/cn2.der" -cert "$PKI/nf1.pem" -key "$PKI/nf1.key"
    [ "$(status_of "$T/cn2")" = 400 ] || die "foreign CN: status $(status_of "$T/cn2"), expected 400"
    csr_der "$T/cn.der" "$PKI/nf1.key" "" "$(shared_name 1)" || die "openssl req failed"
    raw_post "$T/cn" "$T/cn.der" -cert "$PKI/nf1.pem" -key "$PKI/nf1.key"
    [ "$(status_of "$T/cn")" = 400 ] || die "CN only: status $(status_of "$T/cn"), expected 400"
    grep -q '"type":"urn:acme5g:error:badCSR"' "$T/cn" ||
        die "CN only: unclear problem: $(tail -n 1 "$T/cn")"
    nothing_issued "$before" "$WORK/none"
}

# Size limits and the request's form: Content-Length 100000 (over
# ACME5G_SHARED_CSR_MAX, refused from the header), a real 100 kB body, and
# another content type.  Each ends at once (no waiting for --nf-timeout), is
# logged by the daemon, answered (413 too large, 400 otherwise, with a
# problem document), and issues nothing.
# raw_request OUT HEADERS BODYFILE: send by hand with nf1's certificate.
raw_request() {
    {
        printf 'POST /acme5g/v1/certificate HTTP/1.1\r\nHost: localhost\r\n%s\r\n' "$2"
        [ -z "$3" ] || cat "$3"
    } | timeout 20 openssl s_client -quiet -connect "127.0.0.1:$SHARED_PORT" \
        -CAfile "$PKI/coreca.pem" -cert "$PKI/nf1.pem" -key "$PKI/nf1.key" \
        >"$1" 2>"$1.err"
    sed 's/^/  /' "$1" "$1.err"
}
test_refuses_oversized_or_malformed_request() {
    local t0 n m before tag
    before=$(issued_snapshot)
    n=$(grep -c 'refused: request too large' "$PKI/daemon.log")
    m=$(grep -c 'refused: malformed request' "$PKI/daemon.log")
    head -c 100000 /dev/zero >"$T/big.der"
    printf '{}' >"$T/json"
    for tag in length big json; do
        t0=$(now_ms)
        case $tag in
        length) raw_request "$T/$tag" $'Content-Type: application/pkcs10\r\nContent-Length: 100000\r\n' "" ;;
        big) raw_request "$T/$tag" $'Content-Type: application/pkcs10\r\nContent-Length: 100000\r\n' "$T/big.der" ;;
        json) raw_request "$T/$tag" $'Content-Type: application/json\r\nContent-Length: 2\r\n' "$T/json" ;;
        esac
        [ $(($(now_ms) - t0)) -lt 3000 ] || die "$tag: the connection lasted $(($(now_ms) - t0)) ms"
        # 'big' keeps sending 100 kB after the refusal: whether the answer
        # survives depends on how much of it the daemon drains (bounded: 1 s,
        # 256 kB) before closing, so a closed connection is accepted there
        case $tag:$(status_of "$T/$tag") in
        big:) echo "big: no HTTP answer (connection closed while the NF was still sending)" ;;
        length:413 | big:413 | json:400)
            grep -q '"type":"urn:acme5g:error:malformed"' "$T/$tag" ||
                die "$tag: unclear problem: $(tail -n 1 "$T/$tag")" ;;
        *) die "$tag: status '$(status_of "$T/$tag")', expected 413 (too large) or 400 (JSON)" ;;
        esac
    done
    sleep 0.5
    [ "$(grep -c 'refused: request too large' "$PKI/daemon.log")" -ge $((n + 2)) ] ||
        die "the daemon did not log both refusals of a request too large"
    [ "$(grep -c 'refused: malformed request' "$PKI/daemon.log")" -ge $((m + 1)) ] ||
        die "the daemon did not log the refusal of the JSON request"
    nothing_issued "$before" "$WORK/none"
}

# A renewal through the shared client (renew --force, settings only) reuses
# nf0's account on the daemon's side; with Pebble's authorization reuse at
# 100 %, the order is born ready: no new dns-01 challenge.
test_renew_via_reuses_account() {
    local st=$WORK/nf0 url dirs serial key hook_lines
    [ -s "$st/cert.pem" ] || die "needs the state of enrol_via_shared_client"
    url=$(cat "$(nf_dir 0)/account.url")
    dirs=$(find "$SHARED_STATE" -maxdepth 1 -name 'nf-*' | sort)
    split_chain "$st/cert.pem"
    serial=$(serial_of "$T/leaf.pem")
    key=$(sha256sum <"$st/cert.key")
    hook_lines=$(wc -l <"$PKI/dns-hook.log")
    cli renew renew --state "$st" --force
    [ "$RC" = 0 ] || die "renew exited $RC: $(errline renew)"
    check_nf_state "$st" "DNS:$(shared_name 0)" DNS:nf0-b.5gc.test
    [ "$(serial_of "$T/leaf.pem")" != "$serial" ] || die "same serial as before"
    [ "$(sha256sum <"$st/cert.key")" != "$key" ] || die "the NF's key was not renewed"
    [ "$(cat "$(nf_dir 0)/account.url")" = "$url" ] || die "account.url changed"
    [ "$(find "$SHARED_STATE" -maxdepth 1 -name 'nf-*' | sort)" = "$dirs" ] ||
        die "the daemon's nf-* directories changed"
    [ "$(wc -l <"$PKI/dns-hook.log")" = "$hook_lines" ] ||
        die "the renewal needed new dns-01 challenges (authorizations not reused)"
    grep -q '^failures=0$' "$st/settings" || die "settings do not record the success"
}

# 50 NFs at once (16 at a time), each with its own bootstrap certificate and
# policy line: all get their certificate, each under its own ACME account.
test_concurrent_50() {
    local i fails=0 urls t0 ms
    t0=$(now_ms)
    for ((i = FIRST_CONCURRENT; i < FIRST_CONCURRENT + N_CONCURRENT; i++)); do echo "$i"; done |
        xargs -P 16 -I{} sh -c 'timeout -k 5 '"$CLI_TIMEOUT"' "$1" enrol --via "$2" --ca "$3" \
            --client-cert "$4/nf$5.pem" --client-key "$4/nf$5.key" --state "$6/c$5" \
            --name "nf$5.5gc.test" >"$6/c$5.out" 2>&1; echo "$?" >"$6/c$5.rc"' \
            _ "$BIN" "$SHARED_URL" "$PKI/coreca.pem" "$PKI" {} "$T"
    ms=$(($(now_ms) - t0))
    echo "$N_CONCURRENT enrolments in $ms ms"
    for ((i = FIRST_CONCURRENT; i < FIRST_CONCURRENT + N_CONCURRENT; i++)); do
        if [ "$(cat "$T/c$i.rc" 2>/dev/null)" != 0 ]; then
            echo "nf$i failed: $(cat "$T/c$i.out" 2>/dev/null)"
            fails=$((fails + 1))
            continue
        fi
        (check_nf_state "$T/c$i" "DNS:nf$i.5gc.test") >"$T/check$i" 2>&1 || {
            echo "nf$i: $(cat "$T/.why")"
            fails=$((fails + 1))
            continue
        }
        [ -s "$(nf_dir "$i")/account.url" ] || {
            echo "nf$i: no account.url in $(nf_dir "$i")"
            fails=$((fails + 1))
        }
    done
    [ $fails = 0 ] || die "$fails of $N_CONCURRENT NFs failed (see log)"
    urls=$(for ((i = FIRST_CONCURRENT; i < FIRST_CONCURRENT + N_CONCURRENT; i++)); do
        cat "$(nf_dir "$i")/account.url"; echo; done | sort -u | grep -c .)
    [ "$urls" = "$N_CONCURRENT" ] || die "$urls distinct account URLs for $N_CONCURRENT NFs"
    echo "$N_CONCURRENT distinct account URLs"
    echo "$ms" >"$WORK/concurrent-ms"
}

# One NF opens a TCP connection and sends nothing: an enrolment started
# after it completes in normal time (well before the silent NF's timeout),
# and the daemon drops the silent connection after --handshake-timeout.
test_silent_nf_does_not_delay_others() {
    local t0 t_enrol t_closed base
    base=$(cat "$WORK/baseline-ms" 2>/dev/null || echo 2000)
    exec 3<>"/dev/tcp/127.0.0.1/$SHARED_PORT" || die "cannot connect"
    t0=$(now_ms)
    enrol_via enrol 2 "$T/nf" --name "$(shared_name 2)"
    t_enrol=$(($(now_ms) - t0))
    [ "$RC" = 0 ] || die "enrol exited $RC: $(errline enrol)"
    check_nf_state "$T/nf" "DNS:$(shared_name 2)"
    # the daemon ends the silent connection at its --handshake-timeout
    # (measured from its connect, before the enrolment)
    timeout $((NF_TIMEOUT + 5)) cat <&3 >/dev/null
    t_closed=$(($(now_ms) - t0))
    exec 3<&-
    echo "enrolment: $t_enrol ms (first enrolment: $base ms); silent connection closed after $t_closed ms"
    [ "$t_closed" -ge $((HS_TIMEOUT * 1000 - 500)) ] &&
        [ "$t_closed" -le $((t_enrol > HS_TIMEOUT * 1000 ? t_enrol + 1000 : HS_TIMEOUT * 1000 + 1500)) ] ||
        die "the silent connection was closed after $t_closed ms, --handshake-timeout is $HS_TIMEOUT s"
    [ "$t_enrol" -lt $((NF_TIMEOUT * 1000 - 500)) ] ||
        die "the enrolment took $t_enrol ms: held up by the silent NF (timeout $NF_TIMEOUT s)"
    [ "$t_enrol" -le $((base + 2500)) ] ||
        die "the enrolment took $t_enrol ms, the first one $base ms"
    echo "$t_enrol" >"$WORK/silent-enrol-ms"
}

# --max-children silent connections fill every slot: an NF behind them
# waits at most --handshake-timeout for a slot, then enrols.
test_silent_flood_waits_at_most_timeout() {
    local t0 t_enrol i fds=() fd base
    base=$(cat "$WORK/baseline-ms" 2>/dev/null || echo 2000)
    for ((i = 0; i < MAX_CHILDREN; i++)); do
        exec {fd}<>"/dev/tcp/127.0.0.1/$SHARED_PORT" || die "cannot connect"
        fds+=("$fd")
    done
    sleep 0.3 # let the daemon accept them all
    t0=$(now_ms)
    enrol_via enrol 3 "$T/nf" --name "$(shared_name 3)"
    t_enrol=$(($(now_ms) - t0))
    for fd in "${fds[@]}"; do exec {fd}<&-; done
    [ "$RC" = 0 ] || die "enrol exited $RC: $(errline enrol)"
    check_nf_state "$T/nf" "DNS:$(shared_name 3)"
    echo "enrolment behind $MAX_CHILDREN silent connections: $t_enrol ms"
    [ "$t_enrol" -le $((HS_TIMEOUT * 1000 + base + 2000)) ] ||
        die "the enrolment took $t_enrol ms: more than --handshake-timeout ($HS_TIMEOUT s) + $base ms"
}

# A dns-01 hook slower than --nf-timeout (a DNS provider that takes a
# while): the ACME work runs under --timeout, and the NF still gets its
# certificate; the answer is not bounded by the time the NF connected.
test_slow_hook_still_delivers() {
    local t0 ms
    echo $((NF_TIMEOUT + 2)) >"$PKI/hook-delay"
    t0=$(now_ms)
    enrol_via enrol 4 "$T/nf" --name "$(shared_name 4)"
    ms=$(($(now_ms) - t0))
    rm -f "$PKI/hook-delay"
    echo "enrolment with a $((NF_TIMEOUT + 2)) s hook: $ms ms"
    [ "$RC" = 0 ] || die "enrol exited $RC: $(errline enrol)"
    [ "$ms" -ge $((NF_TIMEOUT * 1000)) ] || die "the hook did not delay the enrolment ($ms ms)"
    check_nf_state "$T/nf" "DNS:$(shared_name 4)"
}

# raw_request_as I OUT HEADERS BODYFILE: as raw_request, with nf I's
# bootstrap certificate.
raw_request_as() {
    local i=$1
    shift
    {
        printf 'POST /acme5g/v1/certificate HTTP/1.1\r\nHost: localhost\r\n%s\r\n' "$2"
        [ -z "$3" ] || cat "$3"
    } | timeout 30 openssl s_client -quiet -connect "127.0.0.1:$SHARED_PORT" \
        -CAfile "$PKI/coreca.pem" -cert "$PKI/nf$i.pem" -key "$PKI/nf$i.key" \
        >"$1" 2>"$1.err"
    sed 's/^/  /' "$1" "$1.err"
}

# A request followed by a CRLF (as many hand-written clients send): the
# certificate is issued and delivered, the chain is for the CSR's key.
test_crlf_after_body_still_answered() {
    local len
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/k.pem" 2>/dev/null
    csr_der "$T/csr.der" "$T/k.pem" "DNS:$(shared_name 5)" || die "openssl req failed"
    len=$(stat -c %s "$T/csr.der")
    { cat "$T/csr.der"; printf '\r\n'; } >"$T/body"
    raw_request_as 5 "$T/resp" "Content-Type: application/pkcs10"$'\r\n'"Content-Length: $len"$'\r\n' "$T/body"
    [ "$(status_of "$T/resp")" = 200 ] || die "status '$(status_of "$T/resp")', expected 200"
    sed -n '/-----BEGIN CERTIFICATE-----/,$p' "$T/resp" | tr -d '\r' >"$T/chain.pem"
    split_chain "$T/chain.pem"
    openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$T/rest.pem" "$T/leaf.pem" ||
        die "the chain does not verify"
    [ "$(pubkey_of_cert "$T/leaf.pem")" = "$(pubkey_of_key "$T/k.pem")" ] ||
        die "the leaf is not for the CSR's key"
}

# Bytes after the body that are not a line end: a body longer than its
# Content-Length, and a pipelined second request.  Each is refused (400
# malformed, answered) before anything is issued.
test_extra_bytes_refused_and_answered() {
    local len before tag
    before=$(issued_snapshot)
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/k.pem" 2>/dev/null
    csr_der "$T/csr.der" "$T/k.pem" "DNS:$(shared_name 6)" || die "openssl req failed"
    len=$(stat -c %s "$T/csr.der")
    { cat "$T/csr.der"; printf 'XY'; } >"$T/longer"
    { cat "$T/csr.der"; printf 'POST /acme5g/v1/certificate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/pkcs10\r\nContent-Length: %d\r\n\r\n' "$len"; cat "$T/csr.der"; } >"$T/pipelined"
    for tag in longer pipelined; do
        raw_request_as 6 "$T/$tag.resp" "Content-Type: application/pkcs10"$'\r\n'"Content-Length: $len"$'\r\n' "$T/$tag"
        [ "$(status_of "$T/$tag.resp")" = 400 ] ||
            die "$tag: status '$(status_of "$T/$tag.resp")', expected 400"
        grep -q '"type":"urn:acme5g:error:malformed"' "$T/$tag.resp" ||
            die "$tag: unclear problem: $(tail -n 1 "$T/$tag.resp")"
    done
    nothing_issued "$before" "$WORK/none"
}

# N_FLOOD connections from 127.0.0.2 that never start TLS, each reopened as
# soon as the daemon drops it, against a daemon of its own with 8 children
# and --max-per-source 2: a legitimate NF (from 127.0.0.1) gets its
# certificate within 2 s of its unloaded time; the flood holds 2 children.
N_FLOOD=40
test_idle_flood_from_one_source() {
    local d=$T/d f i t0 ms base pids=()
    mkdir -p "$d"
    for f in srv.pem srv.key bootca.pem policy; do ln -s "$PKI/$f" "$d/$f"; done
    trap 'touch "$T/stop"; kill "${pids[@]}" 2>/dev/null; shared_stop' EXIT
    shared_start "$d" --nf-timeout "$NF_TIMEOUT" --handshake-timeout "$HS_TIMEOUT" \
        --max-children 8 --max-per-source 2 -v || die "second daemon did not start"
    t0=$(now_ms)
    enrol_via base 7 "$T/nf-base" --name "$(shared_name 7)"
    base=$(($(now_ms) - t0))
    [ "$RC" = 0 ] || die "unloaded enrolment exited $RC: $(errline base)"
    for ((i = 0; i < N_FLOOD; i++)); do
        (trap - EXIT; while [ ! -e "$T/stop" ]; do
            socat -u "TCP:127.0.0.1:$SHARED_PORT,bind=127.0.0.2" /dev/null 2>/dev/null ||
                sleep 0.05
        done) &
        pids+=($!)
    done
    sleep 1
    t0=$(now_ms)
    enrol_via enrol 7 "$T/nf" --name "$(shared_name 7)" --name "nf7-b.5gc.test"
    ms=$(($(now_ms) - t0))
    echo "enrolment: $ms ms under $N_FLOOD idle connections, $base ms unloaded"
    echo "refusals logged: $(grep -c 'already has 2 connections' "$d/daemon.log")"
    [ "$RC" = 0 ] || die "enrol under the flood exited $RC: $(errline enrol)"
    check_nf_state "$T/nf" "DNS:$(shared_name 7)" DNS:nf7-b.5gc.test
    grep -q "refused: 127.0.0.2 already has 2 connections" "$d/daemon.log" ||
        die "the daemon did not refuse the flood's connections"
    [ "$ms" -le $((base + 2000)) ] || die "the enrolment took $ms ms, $base ms unloaded"
}

# Eight requests at once from one NF identity (nf8), each with its own key:
# each is answered with a chain for its own key, or refused cleanly; the
# daemon's files for nf8 stay consistent (one account, a chain that
# verifies and is one of those delivered).
test_same_identity_concurrent_8() {
    local i ok=0 refused=0 bad=0
    for i in 1 2 3 4 5 6 7 8; do
        (timeout -k 5 "$CLI_TIMEOUT" "$BIN" enrol --via "$SHARED_URL" --ca "$PKI/coreca.pem" \
            --client-cert "$PKI/nf8.pem" --client-key "$PKI/nf8.key" --state "$T/s$i" \
            --name "$(shared_name 8)" >"$T/s$i.out" 2>&1
        echo $? >"$T/s$i.rc") &
    done
    wait
    for i in 1 2 3 4 5 6 7 8; do
        echo "request $i: exit $(cat "$T/s$i.rc"): $(tail -n 1 "$T/s$i.out")"
        if [ "$(cat "$T/s$i.rc")" = 0 ]; then
            if (check_nf_state "$T/s$i" "DNS:$(shared_name 8)") >"$T/check$i" 2>&1; then
                ok=$((ok + 1))
            else
                echo "  request $i: $(cat "$T/.why")"
                bad=$((bad + 1))
            fi
        elif grep -q 'HTTP 503 urn:acme5g:error:busy' "$T/s$i.out"; then
            refused=$((refused + 1))
        else
            bad=$((bad + 1))
        fi
    done
    echo "$ok delivered, $refused refused as busy, $bad broken"
    [ "$bad" = 0 ] || die "$bad of 8 requests failed or got a wrong chain"
    [ "$ok" -ge 1 ] || die "no request was served"
    split_chain "$(nf_dir 8)/cert.pem"
    openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$T/rest.pem" "$T/leaf.pem" ||
        die "the daemon's chain for nf8 does not verify"
    for i in 1 2 3 4 5 6 7 8; do
        cmp -s "$(nf_dir 8)/cert.pem" "$T/s$i/cert.pem" && return 0
    done
    die "the daemon's chain for nf8 is none of those delivered"
}

# A hung dns-01 hook (its "add" sleeps 987 s), with a daemon of its own
# (--timeout 4): the hook and its process group are killed at the
# deadline, the NF is answered (502), and "del" runs for the record.  Then
# the same with --timeout 60 and the serving child stopped with SIGTERM
# while its hook hangs: the hook is killed and "del" runs.
hung_hook_gone() {
    local i
    for i in $(seq 1 "$1"); do
        pgrep -f '^sleep 987$' >/dev/null || return 0
        sleep 0.2
    done
    return 1
}
test_hung_hook_killed_and_cleaned_up() {
    local d=$T/d f t0 ms child bg
    mkdir -p "$d"
    for f in srv.pem srv.key bootca.pem policy; do ln -s "$PKI/$f" "$d/$f"; done
    echo 987 >"$d/hook-delay"
    trap 'pkill -f "^sleep 987$"; shared_stop' EXIT
    shared_start "$d" --timeout 4 --nf-timeout "$NF_TIMEOUT" -v || die "daemon did not start"
    t0=$(now_ms)
    enrol_via enrol 9 "$T/nf" --name "$(shared_name 9)"
    ms=$(($(now_ms) - t0))
    echo "answered after $ms ms"
    [ "$RC" = 1 ] || die "enrol exited $RC, expected 1"
    grep -q 'HTTP 502' "$T/enrol.err" || die "no 502 answer: $(errline enrol)"
    [ "$ms" -lt 12000 ] || die "the answer took $ms ms with --timeout 4"
    hung_hook_gone 10 || die "the hung hook still runs after the deadline"
    grep -q "^del _acme-challenge.$(shared_name 9) " "$d/dns-hook.log" ||
        die "no del for the record of $(shared_name 9)"
    shared_stop
    : >"$d/daemon.log"
    shared_start "$d" --timeout 60 --nf-timeout "$NF_TIMEOUT" -v || die "daemon did not restart"
    (trap - EXIT; enrol_via enrol2 10 "$T/nf2" --name "$(shared_name 10)") &
    bg=$!
    for f in $(seq 1 50); do pgrep -f '^sleep 987$' >/dev/null && break; sleep 0.2; done
    pgrep -f '^sleep 987$' >/dev/null || die "the hook did not start"
    child=$(pgrep -P "$SHARED_PID")
    [ -n "$child" ] || die "no serving child"
    kill -TERM $child
    hung_hook_gone 25 || die "the hook of the stopped child still runs"
    for f in $(seq 1 25); do
        grep -q "^del _acme-challenge.$(shared_name 10) " "$d/dns-hook.log" && break
        sleep 0.2
    done
    grep -q "^del _acme-challenge.$(shared_name 10) " "$d/dns-hook.log" ||
        die "no del for the record of the stopped child"
    wait "$bg"
}

TESTS="
enrol_via_shared_client
refuses_no_client_certificate
refuses_client_certificate_from_other_ca
refuses_identity_not_in_policy
refuses_name_not_in_policy
refuses_csr_with_bad_signature
refuses_csr_with_other_names
refuses_oversized_or_malformed_request
renew_via_reuses_account
concurrent_50
silent_nf_does_not_delay_others
silent_flood_waits_at_most_timeout
slow_hook_still_delivers
crlf_after_body_still_answered
extra_bytes_refused_and_answered
idle_flood_from_one_source
same_identity_concurrent_8
hung_hook_killed_and_cleaned_up
"

run_test() { # NAME
    local name=$1 rc why
    T=$WORK/t.$name
    mkdir -p "$T"
    ("test_$name") >"$T/.log" 2>&1
    rc=$?
    if [ $rc = 0 ]; then
        echo "ok - $name"
        PASSED=$((PASSED + 1))
    else
        why=$(cat "$T/.why" 2>/dev/null)
        [ -n "$why" ] || why="exited with status $rc"
        echo "FAIL - $name: $why"
        tail -n 40 "$T/.log" | sed 's/^/#   /'
        FAILED=$((FAILED + 1))
    fi
}

for name in $ONLY; do
    case " $(echo "$TESTS" | tr '\n' ' ') " in *" $name "*) ;; *) echo "FAIL - $name: no such test"; FAILED=$((FAILED + 1)) ;; esac
done
for f in "$BIN" "$SHARED_BIN"; do
    [ -x "$f" ] || { echo "FAIL - $f missing (make)"; echo "0 passed, 1 failed"; exit 1; }
done
echo "# acme5g shared client tests: $SHARED_BIN, NF side $BIN"
# Every valid authorization is reused (renew_via_reuses_account).
if ! PEBBLE_AUTHZREUSE=100 pebble_start "$WORK/pebble"; then
    echo "FAIL - pebble_start (see above)"
    echo "0 passed, 1 failed"
    exit 1
fi
PEBBLE_LOG=$WORK/pebble/pebble.log
if ! shared_pki "$PKI" $((FIRST_CONCURRENT + N_CONCURRENT)) ||
    ! shared_start "$PKI" --nf-timeout "$NF_TIMEOUT" --max-children "$MAX_CHILDREN" \
        --handshake-timeout "$HS_TIMEOUT" --max-per-source "$MAX_CHILDREN" -v; then
    echo "FAIL - shared client set-up (see above)"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "# Pebble: $PEBBLE_DIR_URL; shared client: $SHARED_URL (--nf-timeout $NF_TIMEOUT)"
mkdir -p "$WORK/none"
for name in $TESTS; do
    if [ -n "$ONLY" ]; then
        case " $ONLY " in *" $name "*) ;; *) continue ;; esac
    fi
    run_test "$name"
done
if ! kill -0 "$SHARED_PID" 2>/dev/null; then
    echo "FAIL - the shared client died during the tests"
    tail -n 20 "$PKI/daemon.log" | sed 's/^/#   /'
    FAILED=$((FAILED + 1))
fi
[ -f "$WORK/concurrent-ms" ] &&
    echo "# $N_CONCURRENT NFs (16 at a time) in $(cat "$WORK/concurrent-ms") ms"
echo "$PASSED passed, $FAILED failed"
[ $FAILED = 0 ]
