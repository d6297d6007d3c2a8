#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/nf/bench.sh -- `make bench`'s NF profile figures (TS 33.310 Annex J):
# against the extended Pebble (tests/nf/build-pebble.sh, cached) and the
# Token Authority fixture, with a new account each time:
#
#   Annex J enrolment     --nf-instance-id with --ta-url (tkauth-01)
#   pre-authorized renewal  renew --force of a pre-authorized NF instance ID
#                         inside the interval (order born ready, no token)
#   http-01 enrolment     one DNS name on the same Pebble, for comparison
#
# requests and TLS connections from the client's own log (-vvv: one "debug:
# METHOD url" line per request, one "debug: connecting to" per connection),
# instructions from `valgrind --tool=callgrind` (the client process only).
# Round trips = requests + TCP connects + 2 per full TLS 1.2 handshake
# (Pebble's Go TLS resumes by tickets only, which BearSSL does not do).
# Prints, does not assert; exits 1 when a run failed.  Files: build/nf/bench.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
W=$ROOT/build/nf/bench
# shellcheck source=tests/nf/env.sh
. "$ROOT/tests/nf/env.sh"

[ -x "$ACME5G" ] || { echo "nf-bench: $ACME5G missing (make)" >&2; exit 1; }
command -v valgrind >/dev/null 2>&1 || { echo "nf-bench: valgrind missing" >&2; exit 1; }
tests/nf/build-pebble.sh >/dev/null || { echo "nf-bench: the extended Pebble did not build" >&2; exit 1; }
nf_setup
nf_client_cert nf-pre "$U_PRE" || exit 1
ta_start normal || { echo "nf-bench: the Token Authority did not start" >&2; exit 1; }
export PEBBLE_BIN=$BIN/pebble PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
export PEBBLE_NF_TA_PUBKEY=$W/ta-sign.pub PEBBLE_NF_PREAUTH="NfInstanceId:$U_PRE"
nf_pebble_start nf
# shellcheck disable=SC2154 # set by nf_pebble_start through printf -v
{ DIR=$DIR_nf; CA=$CA_nf; }
HTTP_PORT=$PEBBLE_HTTP_PORT
TA_URL=$(ta_url normal)
STATUS=0

# run TAG ARG...: the CLI under callgrind, -vvv; prints one table row.
run() {
    local tag=$1 req conn ir
    shift
    if ! valgrind --tool=callgrind --trace-children=no --callgrind-out-file="$W/$tag.cg" \
        --log-file="$W/$tag.vg" "$ACME5G" "$@" -vvv >"$W/$tag.out" 2>"$W/$tag.err"; then
        echo "nf-bench: $tag failed: $(tail -n 1 "$W/$tag.err")" >&2
        STATUS=1
        return
    fi
    req=$(grep -Ec 'debug: (GET|POST|HEAD) ' "$W/$tag.err")
    conn=$(grep -c 'debug: connecting to' "$W/$tag.err")
    ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$W/$tag.vg")
    printf '%-28s %8s %11s %11s %14s\n' "$tag" "$req" "$conn" $((req + 3 * conn)) \
        "$(printf '%s' "$ir" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')"
}

echo "== NF profile (TS 33.310 Annex J), acme5g against the extended Pebble on loopback"
printf '%-28s %8s %11s %11s %14s\n' "" requests connections "round trips" instructions
run annex-j-enrolment enrol --directory "$DIR" --ca "$CA" --state "$W/s-nf" \
    --nf-instance-id "$U_NF1" --ta-url "$TA_URL" --ta-cert "$W/nf1.pem" --ta-key "$W/nf1.key" \
    --ta-ca "$W/ta-ca.pem"
run pre-authorized-enrolment enrol --directory "$DIR" --ca "$CA" --state "$W/s-pre" \
    --nf-instance-id "$U_PRE" --ta-url "$TA_URL" --ta-cert "$W/nf-pre.pem" \
    --ta-key "$W/nf-pre.key" --ta-ca "$W/ta-ca.pem"
before=$(wc -l <"$W/normal.log")
run pre-authorized-renewal renew --state "$W/s-pre" --force
tokens=$(($(wc -l <"$W/normal.log") - before))
run http-01-enrolment enrol --directory "$DIR" --ca "$CA" --state "$W/s-http" \
    --name bench.acme5g.test --http-port "$HTTP_PORT"
echo "   (the pre-authorized NF's first enrolment is challenged; its renewal, inside the"
echo "    interval, is not: order born ready, $tokens token requests for it)"
exit "$STATUS"
