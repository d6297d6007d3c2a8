#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/nf/client.sh -- acme5g's NF profile (TS 33.310 Annex J) against the
# extended Pebble (tests/nf/pebble-nf.patch) and the Token Authority fixture
# (tests/nf/ta): NfInstanceId enrolment with tkauth-01, the client's own
# refusal of tokens not for it, the server's refusal of a replayed token,
# Token Authorities that refuse or stall, solution #9's pre-authorized
# renewal inside and outside the interval, the wait timer after an
# authorization that expired, newAuthz.  Leaves are checked with openssl.
#
#   tests/nf/client.sh       (after `make`; builds the server side, cached)
#
# Environment: ACME5G_BIN (default build/acme5g).
# Output: "ok - NAME" / "FAIL - NAME: why", then "N passed, N failed".
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
W=$ROOT/build/nf/client-run
# shellcheck source=tests/nf/env.sh
. "$ROOT/tests/nf/env.sh"

[ -x "$ACME5G" ] || { fail build "$ACME5G is missing (run make)"; finish; }
if ! tests/nf/build-pebble.sh; then
    fail build "tests/nf/build-pebble.sh failed"
    finish
fi

nf_setup

# The pre-authorized NF's client certificate, and one for U_NF1 from a CA
# the TA does not know (self-signed).
if ! nf_client_cert nf-pre "$U_PRE" ||
    ! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/rogue.key" 2>/dev/null ||
    ! openssl req -x509 -new -key "$W/rogue.key" -subj "/CN=rogue" -days 2 \
        -addext "subjectAltName=URI:urn:uuid:$U_NF1" -out "$W/rogue.pem" 2>/dev/null; then
    fail pki "openssl could not make the rogue certificate"
    finish
fi

# Token Authorities: well-behaved ones, misbehaving ones, a slow one.
for name in normal wrong-uuid expired wrong-fingerprint garbage reject replay; do
    ta_start "$name" || { fail "TA $name" "did not start: $(cat "$W/ta-$name.out")"; finish; }
done
ta_start stall normal -stall 30 || { fail "TA stall" "did not start"; finish; }
ta_start slow-first normal -stall 10 -stall-first 1 || { fail "TA slow-first" "did not start"; finish; }
ta_start hooked normal || { fail "TA hooked" "did not start"; finish; }
# a Token Authority signing with a key the CA does not trust
ta_start badsig normal -sign-key "$W/not-ta.key" || { fail "TA badsig" "did not start"; finish; }

# Pebbles: "nf" (pre-authorized U_PRE, interval 8 s), "short" (pending
# authorizations live 6 s).  No authorization reuse: every order is
# challenged unless pre-authorized.
export PEBBLE_BIN=$BIN/pebble PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
export PEBBLE_NF_TA_PUBKEY=$W/ta-sign.pub PEBBLE_NF_TA_URL
PEBBLE_NF_TA_URL=$(ta_url normal)
PEBBLE_NF_PREAUTH="NfInstanceId:$U_PRE" PEBBLE_NF_PREAUTH_INTERVAL=8 nf_pebble_start nf
NF_HTTP_PORT=$PEBBLE_HTTP_PORT
PEBBLE_NF_PENDING_AUTHZ_LIFETIME=6 nf_pebble_start short
# shellcheck disable=SC2154 # set by nf_pebble_start through printf -v
{ DIR=$DIR_nf; CA=$CA_nf; ROOT_PEM=$ROOT_nf; }

# acme5g TAG ARG...: run the CLI (60 s at most); $W/TAG.out, $W/TAG.err; $RC.
acme5g() {
    local tag=$1
    shift
    timeout 60 "$ACME5G" "$@" >"$W/$tag.out" 2>"$W/$tag.err"
    RC=$?
}
ta_args() { # TA [NF]: --ta-url and the client certificate of NF (nf1)
    local nf=${2:-nf1}
    printf '%s\n' --ta-url "$(ta_url "$1")" --ta-cert "$W/$nf.pem" --ta-key "$W/$nf.key" \
        --ta-ca "$W/ta-ca.pem"
}
ta_requests() { [ -f "$W/$1.log" ] && wc -l <"$W/$1.log" || echo 0; }
errline() { tail -n 1 "$W/$1.err" | tr -d '\n'; }

# enrol_nf TAG STATE TA [ARG...]: enrol U_NF1 (or what ARG says) on "nf".
enrol_nf() {
    local tag=$1 st=$2 ta=$3
    shift 3
    mapfile -t TA_ARGS < <(ta_args "$ta")
    acme5g "$tag" enrol --directory "$DIR" --ca "$CA" --state "$st" "${TA_ARGS[@]}" -vvv "$@"
}

# leaf_ok NAME STATE SAN...: the stored leaf verifies against the Pebble
# root (openssl verify) and carries every SAN (openssl x509).
leaf_ok() {
    local name=$1 st=$2 sans san
    shift 2
    openssl x509 -in "$st/cert.pem" -out "$W/leaf.pem" 2>/dev/null
    if ! openssl verify -CAfile "$ROOT_PEM" -untrusted "$st/cert.pem" "$W/leaf.pem" >/dev/null 2>&1; then
        fail "$name" "openssl verify failed: $(openssl verify -CAfile "$ROOT_PEM" -untrusted "$st/cert.pem" "$W/leaf.pem" 2>&1 | tr '\n' ' ')"
        return 1
    fi
    sans=$(openssl x509 -in "$W/leaf.pem" -noout -ext subjectAltName 2>/dev/null | tail -n +2)
    for san in "$@"; do
        if ! grep -q -- "$san" <<<"$sans"; then
            fail "$name" "no $san in the leaf's SAN: $sans"
            return 1
        fi
    done
    pass "$name"
}

# refused NAME TAG STATE REGEXP: the CLI failed, said REGEXP, stored nothing.
refused() {
    local name=$1 tag=$2 st=$3 pattern=$4
    if [ "$RC" = 0 ]; then
        fail "$name" "the CLI succeeded"
    elif ! grep -Eq -- "$pattern" "$W/$tag.err"; then
        fail "$name" "no /$pattern/ in: $(errline "$tag")"
    elif [ -e "$st/cert.pem" ] || [ -e "$st/cert.key" ]; then
        fail "$name" "a certificate or key was stored"
    else
        pass "$name"
    fi
}
requests() { grep -Ec 'debug: (GET|POST|HEAD) ' "$W/$1.err"; }

# ---------------------------------------------------------------------------
# Annex J enrolment: NfInstanceId only, then with a DNS name.
enrol_nf only "$W/s-only" normal --nf-instance-id "$U_NF1"
if [ "$RC" != 0 ]; then
    fail "NfInstanceId only: enrolled" "exit $RC: $(errline only)"
else
    leaf_ok "NfInstanceId only: leaf has URI:urn:uuid, verifies against Pebble's root" "$W/s-only" \
        "URI:urn:uuid:$U_NF1"
    n=$(requests only)
    t=$(grep -c "debug: POST $(ta_url normal)" "$W/only.err")
    c=$(grep -c 'debug: connecting to' "$W/only.err")
    echo "# Annex J enrolment: $n HTTP requests ($t to the Token Authority), $c TLS connections"
    if [ "$t" = 1 ]; then
        pass "NfInstanceId only: one token request"
    else
        fail "NfInstanceId only: one token request" "$t"
    fi
    if grep -q 'asking the token authority' "$W/only.err" && ! grep -q 'http-01' "$W/only.err"; then
        pass "NfInstanceId only: tkauth-01 answered, no other challenge"
    else
        fail "NfInstanceId only: tkauth-01 answered, no other challenge" "$(errline only)"
    fi
fi
UPPER=$(printf '%s' "$U_NF1" | tr 'a-f' 'A-F')
enrol_nf mixed "$W/s-mixed" normal --nf-instance-id "$UPPER" --name nf1.acme5g.test \
    --http-port "$NF_HTTP_PORT"
if [ "$RC" != 0 ]; then
    fail "NfInstanceId (given in upper case) + DNS name: enrolled" "exit $RC: $(errline mixed)"
else
    leaf_ok "NfInstanceId + DNS name: leaf has both, UUID in lower case" "$W/s-mixed" \
        "URI:urn:uuid:$U_NF1" "DNS:nf1.acme5g.test"
fi

# The NF profile through an operator command: the hook asks the TA itself
# (openssl s_client with the client certificate) and prints the token.
cat >"$W/ta-hook.sh" <<EOF
#!/bin/sh
# tkauth-01 hook: ask the Token Authority, print the token
body='{"atc":{"tktype":"'"\$ACME5G_TKAUTH_TYPE"'","tkvalue":"'"\$ACME5G_TKAUTH_VALUE"'","ca":false,"fingerprint":"'"\$ACME5G_TKAUTH_FINGERPRINT"'"}}'
printf 'POST /at/token HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \\
    "\${#body}" "\$body" |
    openssl s_client -quiet -connect 127.0.0.1:$(cat "$W/hooked.port") -cert "$W/nf1.pem" \\
        -key "$W/nf1.key" -CAfile "$W/ta-ca.pem" -verify_return_error 2>/dev/null |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
EOF
chmod +x "$W/ta-hook.sh"
acme5g hook enrol --directory "$DIR" --ca "$CA" --state "$W/s-hook" --nf-instance-id "$U_NF1" \
    --ta-hook "$W/ta-hook.sh" -vv
if [ "$RC" != 0 ]; then
    fail "--ta-hook: enrolled with the hook's token" "exit $RC: $(errline hook)"
elif [ "$(ta_requests hooked)" != 1 ]; then
    fail "--ta-hook: enrolled with the hook's token" "$(ta_requests hooked) TA requests, want 1"
else
    leaf_ok "--ta-hook: enrolled with the hook's token" "$W/s-hook" "URI:urn:uuid:$U_NF1"
fi
acme5g hookfail enrol --directory "$DIR" --ca "$CA" --state "$W/s-hookfail" \
    --nf-instance-id "$U_NF1" --ta-hook "exit 3"
refused "--ta-hook failing: clear error, nothing stored" hookfail "$W/s-hookfail" \
    "the Token Authority refused or answered badly"
# A hook that closes its output but does not exit: killed at the timeout.
start=$(date +%s)
acme5g hookhang enrol --directory "$DIR" --ca "$CA" --state "$W/s-hookhang" \
    --nf-instance-id "$U_NF1" --ta-hook "echo x; exec >&-; sleep 60" --timeout 5
spent=$(($(date +%s) - start))
refused "--ta-hook hanging: killed at --timeout, clear error, nothing stored" hookhang \
    "$W/s-hookhang" "the Token Authority refused or answered badly"
within() { # NAME SPENT LIMIT TIMEOUT
    if [ "$2" -le "$3" ]; then
        pass "$1: ended within the timeout ($2 s for --timeout $4)"
    else
        fail "$1: ended within the timeout" "$2 s for --timeout $4"
    fi
}
within "--ta-hook hanging" "$spent" 10 5

# ---------------------------------------------------------------------------
# Tokens the client refuses itself, before the CA (or the TA's jti) sees
# them; each is one token request and nothing stored.
for c in "wrong-uuid:the token is for another identifier than: $U_NF1" \
    "expired:the token has expired" \
    "wrong-fingerprint:the token is bound to another account key" \
    "garbage:the token is not a JWS|the token's payload is not a JSON object"; do
    mode=${c%%:*}
    enrol_nf "bad-$mode" "$W/s-bad-$mode" "$mode" --nf-instance-id "$U_NF1"
    refused "TA $mode: refused by the client, clearly, nothing stored" "bad-$mode" \
        "$W/s-bad-$mode" "Authority Token is malformed, expired, or not for this identifier and account key \(token authority .*(${c#*:})"
    # an expired token: asked for once more (a fresh one), then refused
    want=1
    [ "$mode" = expired ] && want=2
    if [ "$(ta_requests "$mode")" != "$want" ]; then
        fail "TA $mode: $want token request(s)" "$(ta_requests "$mode")"
    fi
    if grep -q "POST .*/chall" "$W/bad-$mode.err" 2>/dev/null &&
        ! grep -q "POST $(ta_url "$mode")" "$W/bad-$mode.err"; then
        fail "TA $mode: token not sent" "the challenge was answered"
    fi
done

# A replayed token: the TA hands the same (well-formed, unexpired) token to
# the same account twice; the CA refuses the second use (its jti).
enrol_nf replay1 "$W/s-replay" replay --nf-instance-id "$U_NF1"
if [ "$RC" != 0 ]; then
    fail "replayed token: first use accepted" "exit $RC: $(errline replay1)"
else
    pass "replayed token: first use accepted"
    acme5g replay2 renew --state "$W/s-replay" --force
    if [ "$RC" = 0 ]; then
        fail "replayed token: refused by the CA, clearly" "the renewal succeeded"
    elif ! grep -q "unauthorized: token replayed" "$W/replay2.err"; then
        fail "replayed token: refused by the CA, clearly" "$(errline replay2)"
    else
        pass "replayed token: refused by the CA, clearly"
    fi
fi

# A token that looks right to the client but is not signed by the key the
# CA trusts: the CA's refusal reaches the user.
enrol_nf badsig "$W/s-badsig" badsig --nf-instance-id "$U_NF1"
refused "token not signed by the trusted TA key: refused by the CA, clearly, nothing stored" \
    badsig "$W/s-badsig" "authorization failed \(urn:ietf:params:acme:error:unauthorized: bad signature"

# Token Authorities that refuse or stall.
enrol_nf reject "$W/s-reject" reject --nf-instance-id "$U_NF1"
refused "TA answering 403: clear error, nothing stored" reject "$W/s-reject" \
    "token authority https://[^ ]*: refused with HTTP 403"
mapfile -t A < <(ta_args normal)
acme5g other-nf enrol --directory "$DIR" --ca "$CA" --state "$W/s-other-nf" \
    --nf-instance-id "$U_NF1" "${A[@]:0:2}" --ta-cert "$W/nf2.pem" --ta-key "$W/nf2.key" \
    --ta-ca "$W/ta-ca.pem"
refused "TA: another NF's client certificate -> 403, nothing stored" other-nf "$W/s-other-nf" \
    "refused with HTTP 403"
acme5g rogue enrol --directory "$DIR" --ca "$CA" --state "$W/s-rogue" --nf-instance-id "$U_NF1" \
    "${A[@]:0:2}" --ta-cert "$W/rogue.pem" --ta-key "$W/rogue.key" --ta-ca "$W/ta-ca.pem"
refused "TA: client certificate from an unknown CA -> refused at TLS, nothing stored" rogue \
    "$W/s-rogue" "token authority https://[^ ]*: "
acme5g wrong-ta-ca enrol --directory "$DIR" --ca "$CA" --state "$W/s-wrong-ta-ca" \
    --nf-instance-id "$U_NF1" "${A[@]:0:2}" --ta-cert "$W/nf1.pem" --ta-key "$W/nf1.key" \
    --ta-ca "$CA"
refused "TA's server certificate not under --ta-ca: refused, nothing stored" wrong-ta-ca \
    "$W/s-wrong-ta-ca" "token authority https://[^ ]*: TLS"
start=$(date +%s)
mapfile -t A < <(ta_args stall)
acme5g stall enrol --directory "$DIR" --ca "$CA" --state "$W/s-stall" --nf-instance-id "$U_NF1" \
    "${A[@]}" --timeout 6
spent=$(($(date +%s) - start))
refused "TA stalling: fails at the timeout, clearly, nothing stored" stall "$W/s-stall" \
    "token authority https://[^ ]*: timed out"
within "TA stalling" "$spent" 12 6

# ---------------------------------------------------------------------------
# Solution #9: pre-authorized renewal inside the interval (no challenge, no
# token request), challenged again after it.
enrol_nf pre1 "$W/s-pre" normal --nf-instance-id "$U_PRE" --ta-cert "$W/nf-pre.pem" \
    --ta-key "$W/nf-pre.key"
before=$(ta_requests normal)
if [ "$RC" != 0 ]; then
    fail "pre-authorized NF: first enrolment (challenged)" "exit $RC: $(errline pre1)"
else
    pass "pre-authorized NF: first enrolment (challenged)"
    acme5g pre2 renew --state "$W/s-pre" --force -vvv
    if [ "$RC" != 0 ]; then
        fail "pre-authorized renewal inside the interval" "exit $RC: $(errline pre2)"
    elif ! grep -q 'already authorized' "$W/pre2.err"; then
        fail "pre-authorized renewal inside the interval" "the order was not born ready"
    elif [ "$(ta_requests normal)" != "$before" ]; then
        fail "pre-authorized renewal inside the interval" "a token was requested"
    else
        leaf_ok "pre-authorized renewal inside the interval: order ready, no token request" \
            "$W/s-pre" "URI:urn:uuid:$U_PRE"
        echo "# pre-authorized renewal: $(requests pre2) HTTP requests, $(grep -c 'debug: connecting to' "$W/pre2.err") TLS connections"
    fi
    sleep 9
    acme5g pre3 renew --state "$W/s-pre" --force -vvv
    if [ "$RC" != 0 ]; then
        fail "after the interval: challenged and answered" "exit $RC: $(errline pre3)"
    elif grep -q 'already authorized' "$W/pre3.err"; then
        fail "after the interval: challenged and answered" "the order was born ready"
    elif [ "$(ta_requests normal)" != $((before + 1)) ]; then
        fail "after the interval: challenged and answered" "$(($(ta_requests normal) - before)) token requests, want 1"
    else
        pass "after the interval: challenged and answered (one token request)"
    fi
fi

# newAuthz (--pre-authorize): the authorization is asked for and answered
# before the order, which is then born ready.
enrol_nf newauthz "$W/s-newauthz" normal --nf-instance-id "$U_NF2" --ta-cert "$W/nf2.pem" \
    --ta-key "$W/nf2.key" --pre-authorize
if [ "$RC" != 0 ]; then
    fail "--pre-authorize: newAuthz used, enrolled" "exit $RC: $(errline newauthz)"
elif ! grep -q 'pre-authorization: ' "$W/newauthz.err"; then
    fail "--pre-authorize: newAuthz used, enrolled" "no newAuthz request"
else
    leaf_ok "--pre-authorize: newAuthz used, enrolled" "$W/s-newauthz" "URI:urn:uuid:$U_NF2"
fi

# An authorization that expires while the token is on its way (the TA takes
# 10 s, pending authorizations live 6 s): the client waits its wait timer
# and restarts from newOrder; the second token comes at once.
# shellcheck disable=SC2154
{ DIR=$DIR_short; CA=$CA_short; }
start=$(date +%s)
enrol_nf waittimer "$W/s-wait" slow-first --nf-instance-id "$U_NF1" --wait-timer 2 --max-orders 2
spent=$(($(date +%s) - start))
if [ "$RC" != 0 ]; then
    fail "authorization expired: wait timer, new order, enrolled" "exit $RC: $(errline waittimer)"
elif [ "$(grep -c 'info: order: ' "$W/waittimer.err")" != 2 ] ||
    ! grep -q 'restarting from newOrder after the wait timer' "$W/waittimer.err"; then
    fail "authorization expired: wait timer, new order, enrolled" "not two orders with a restart"
elif [ "$(ta_requests slow-first)" != 2 ] || [ "$spent" -lt 12 ]; then
    fail "authorization expired: wait timer, new order, enrolled" \
        "$(ta_requests slow-first) token requests in $spent s (want 2, >= 12 s)"
else
    # shellcheck disable=SC2154 # set by nf_pebble_start through printf -v
    ROOT_PEM=$ROOT_short leaf_ok "authorization expired: wait timer, new order, enrolled" \
        "$W/s-wait" "URI:urn:uuid:$U_NF1"
fi

finish
