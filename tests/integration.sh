#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/integration.sh -- the acme5g CLI against a throwaway Pebble on
# loopback.  Every result is checked with openssl.
#
#   tests/integration.sh [--quick] [TEST...]
#
#   --quick   skip the slow tests (used for the ASan/UBSan CLI)
#   TEST...   run only these tests (names as printed)
#
# Environment: ACME5G_BIN (default build/acme5g), ACME5G_KEEP=1 keeps the
# work directory, ACME5G_CLI_TIMEOUT (s, default 120) kills a hung client.
# Prints "ok - NAME" or "FAIL - NAME: why" per test, then
# "N passed, N failed"; exits 1 when a test failed.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/pebble.sh
. "$ROOT/tests/pebble.sh"

BIN=${ACME5G_BIN:-build/acme5g}
case $BIN in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
CLI_TIMEOUT=${ACME5G_CLI_TIMEOUT:-120}
QUICK=0
ONLY=""
for arg in "$@"; do
    case $arg in
    --quick) QUICK=1 ;;
    -*) echo "usage: $0 [--quick] [TEST...]" >&2; exit 2 ;;
    *) ONLY="$ONLY $arg" ;;
    esac
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/acme5g-it.XXXXXX") || exit 1
cleanup() {
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
# Helpers used inside tests.  A test runs in a subshell with its own
# directory $T; `die WHY` ends it as failed.
# ---------------------------------------------------------------------------

die() {
    printf '%s\n' "$*" >"$T/.why"
    exit 1
}

# cli TAG ARG...: run the client; stdout in $T/TAG.out, stderr in
# $T/TAG.err, exit status in RC.  A sanitizer report or a hang fails the test.
cli() {
    local tag=$1
    shift
    echo "+ acme5g $*"
    timeout -k 5 "$CLI_TIMEOUT" "$BIN" "$@" </dev/null >"$T/$tag.out" 2>"$T/$tag.err"
    RC=$?
    cli_checks "$tag" "${1:-}"
}

# cli_checks TAG COMMAND: show the output of a client run and fail the test
# on a sanitizer report or a hang.
cli_checks() {
    local tag=$1
    shift
    sed 's/^/  out: /' "$T/$tag.out"
    sed 's/^/  err: /' "$T/$tag.err"
    echo "  exit $RC"
    if grep -Eq 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$T/$tag.err"; then
        die "sanitizer report from 'acme5g ${1:-}' (see log)"
    fi
    if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
        die "'acme5g ${1:-}' did not finish within $CLI_TIMEOUT s"
    fi
    if [ "$RC" = 126 ] || [ "$RC" = 127 ]; then
        die "cannot run $BIN (exit $RC)"
    fi
    return 0
}

# stamp: copy stdin to stdout, each line prefixed with the time it arrived
# (Unix seconds with microseconds).
stamp() {
    local line
    while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done
}

# cli_stamped TAG ARG...: as cli, with every line of $T/TAG.err prefixed by
# the time it was written (stamp).
cli_stamped() {
    local tag=$1
    shift
    echo "+ acme5g $* (stderr time-stamped)"
    { timeout -k 5 "$CLI_TIMEOUT" "$BIN" "$@" </dev/null 2>&1 >"$T/$tag.out"; } | stamp >"$T/$tag.err"
    RC=${PIPESTATUS[0]}
    cli_checks "$tag" "${1:-}"
}

# last line of stderr of TAG, for messages
errline() { tail -n 1 "$T/$1.err" 2>/dev/null; }

# use_instance A|B: point P_* at a Pebble instance started below.
use_instance() {
    local v
    for v in DIR_URL IP_DIR_URL CA ROOT HTTP_PORT; do
        eval "P_$v=\${$1_$v}"
    done
}

# enrol_ok TAG STATE ARG...: enrol against the current instance; must succeed.
enrol_ok() {
    local tag=$1 state=$2
    shift 2
    cli "$tag" enrol --directory "$P_DIR_URL" --ca "$P_CA" --state "$state" \
        --http-port "$P_HTTP_PORT" --timeout 90 "$@"
    [ "$RC" = 0 ] || die "enrol exited $RC: $(errline "$tag")"
}

# split_chain PEM: $T/leaf.pem (first certificate) and $T/rest.pem (the
# others); sets NCERTS.
split_chain() {
    rm -f "$T/leaf.pem" "$T/rest.pem"
    awk -v leaf="$T/leaf.pem" -v rest="$T/rest.pem" '
        /-----BEGIN CERTIFICATE-----/ { n++ }
        n == 1 { print > leaf }
        n > 1 { print > rest }' "$1"
    NCERTS=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$1")
}

pubkey_of_key() { openssl pkey -in "$1" -pubout 2>/dev/null; }
pubkey_of_cert() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null; }
serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//; s/^0*//'; }
mode_of() { stat -c %a "$1"; }

# check_state STATE SAN...: the state directory holds a certificate chain
# issued by the current Pebble for exactly these SAN entries ("DNS:x",
# "IP Address:x"), its key and the account; everything as it should be.
check_state() {
    local state=$1 san f want
    shift
    for f in cert.pem cert.key account.key account.url; do
        [ -s "$state/$f" ] || die "$state/$f missing or empty"
    done
    split_chain "$state/cert.pem"
    [ "$NCERTS" -ge 2 ] || die "cert.pem holds $NCERTS certificate(s), expected leaf + intermediate"
    openssl x509 -in "$T/leaf.pem" -noout || die "leaf certificate unparsable"
    if ! openssl verify -CAfile "$P_ROOT" -untrusted "$T/rest.pem" "$T/leaf.pem"; then
        die "openssl verify failed against Pebble's root"
    fi
    openssl x509 -in "$T/leaf.pem" -noout -checkend 0 >/dev/null ||
        die "leaf certificate already expired"
    san=$(openssl x509 -in "$T/leaf.pem" -noout -ext subjectAltName | sed 1d |
        tr ',' '\n' | sed 's/^ *//' | sort | tr '\n' ',')
    want=$(printf '%s\n' "$@" | sort | tr '\n' ',')
    echo "SAN: $san"
    [ "$san" = "$want" ] || die "leaf SAN is '$san', expected '$want'"
    [ -n "$(pubkey_of_cert "$T/leaf.pem")" ] || die "no public key in the leaf"
    [ "$(pubkey_of_cert "$T/leaf.pem")" = "$(pubkey_of_key "$state/cert.key")" ] ||
        die "leaf public key differs from cert.key's"
    openssl pkey -in "$state/account.key" -noout || die "account.key unparsable"
    [ "$(pubkey_of_key "$state/account.key")" != "$(pubkey_of_key "$state/cert.key")" ] ||
        die "account.key and cert.key are the same key"
    [ "$(mode_of "$state/cert.key")" = 600 ] ||
        die "cert.key has mode $(mode_of "$state/cert.key"), expected 600"
    [ "$(mode_of "$state/account.key")" = 600 ] ||
        die "account.key has mode $(mode_of "$state/account.key"), expected 600"
    grep -Eq "^https://[^ ]+$" "$state/account.url" ||
        die "account.url does not hold one https URL: $(head -c 200 "$state/account.url")"
    return 0
}

# nothing_written STATE: no certificate or certificate key in STATE.
nothing_written() {
    [ ! -e "$1/cert.pem" ] || die "cert.pem was written"
    [ ! -e "$1/cert.key" ] || die "cert.key was written"
}

# no_secrets TAG STATE: the client's output (TAG.out, TAG.err) holds no
# private key material of STATE's keys: no PEM, no line of the PEM body, no
# private scalar in hex or in base64url (a JWK "d").
no_secrets() {
    local tag=$1 state=$2 k line hex d
    local files=("$T/$tag.out" "$T/$tag.err")
    ! grep -q 'PRIVATE KEY' "${files[@]}" || die "a PEM private key in the output"
    for k in "$state/cert.key" "$state/account.key"; do
        # shellcheck disable=SC2094 # basename only, nothing written
        while read -r line; do
            case $line in -----*) continue ;; esac
            [ ${#line} -ge 16 ] || continue
            ! grep -qF -- "$line" "${files[@]}" || die "$(basename "$k") (PEM) in the output"
        done <"$k"
        hex=$(openssl pkey -in "$k" -noout -text 2>/dev/null |
            sed -n '/^priv:/,/^pub:/p' | sed '1d;$d' | tr -d ' :\n')
        [ ${#hex} -ge 32 ] || die "cannot read the private scalar of $k"
        hex=000000000000000000000000000000000000000000000000000000000000000$hex
        hex=${hex: -64} # openssl drops leading zero bytes, or adds one
        ! grep -qi -- "$hex" "${files[@]}" || die "$(basename "$k") scalar (hex) in the output"
        # shellcheck disable=SC2059 # the format is the \xHH bytes
        d=$(printf "$(printf '%s' "$hex" | sed 's/../\\x&/g')" | base64 -w0 |
            tr '+/' '-_' | tr -d '=')
        [ ${#d} = 43 ] || die "base64url of the scalar has ${#d} characters"
        ! grep -qF -- "$d" "${files[@]}" || die "$(basename "$k") scalar (JWK d) in the output"
    done
}

# field OUTFILE NAME: value of the "NAME: value" line in a status output.
field() { sed -n "s/^$2: *//p" "$1" | head -n 1; }

# to_epoch TEXT: seconds since 1970 for a date as printed by status/openssl.
to_epoch() {
    case $1 in
    '' ) return 1 ;;
    *[!0-9]*) date -u -d "$1" +%s 2>/dev/null ;;
    *) echo "$1" ;;
    esac
}

# ---------------------------------------------------------------------------
# Tests, in the order they run.  Instance A: the main Pebble.  Instance B:
# PEBBLE_WFE_NONCEREJECT=30 and a listener certificate without IP SANs.
# ---------------------------------------------------------------------------

test_binary_present() {
    [ -x "$BIN" ] || die "$BIN missing or not executable (build it: make)"
}

# Full enrolment of one name with a real http-01 validation by Pebble, into
# a state directory the client creates (mode 700).  The state directory is
# reused by the tests after it.
test_enrol_one_name() {
    use_instance A
    enrol_ok enrol "$WORK/one" --name one.acme5g.test
    check_state "$WORK/one" DNS:one.acme5g.test
    [ "$(mode_of "$WORK/one")" = 700 ] ||
        die "state directory has mode $(mode_of "$WORK/one"), expected 700"
}

test_status_shows_certificate() {
    use_instance A
    local st=$WORK/one v want
    [ -s "$st/cert.pem" ] || die "needs the state of enrol_one_name"
    split_chain "$st/cert.pem"
    cli status status --state "$st"
    [ "$RC" = 0 ] || die "status exited $RC: $(errline status)"
    v=$(field "$T/status.out" names)
    case $v in *one.acme5g.test*) ;; *) die "names line is '$v'" ;; esac
    v=$(field "$T/status.out" serial | tr 'a-f' 'A-F' | tr -d ': ' | sed 's/^0*//')
    want=$(serial_of "$T/leaf.pem")
    if [ -z "$want" ] || [ "$v" != "$want" ]; then
        die "serial is '$v', openssl says '$want'"
    fi
    v=$(to_epoch "$(field "$T/status.out" 'not before')") ||
        die "cannot read the 'not before' line"
    want=$(to_epoch "$(openssl x509 -in "$T/leaf.pem" -noout -startdate | sed 's/^notBefore=//')")
    [ "$v" = "$want" ] || die "not before is $v, openssl says $want"
    v=$(to_epoch "$(field "$T/status.out" 'not after')") ||
        die "cannot read the 'not after' line"
    want=$(to_epoch "$(openssl x509 -in "$T/leaf.pem" -noout -enddate | sed 's/^notAfter=//')")
    [ "$v" = "$want" ] || die "not after is $v, openssl says $want"
    v=$(field "$T/status.out" issuer)
    case $v in *Pebble*) ;; *) die "issuer line is '$v'" ;; esac
    v=$(field "$T/status.out" chain)
    case $v in "$NCERTS "*) ;; *) die "chain line is '$v', cert.pem holds $NCERTS" ;; esac
}

# A second enrolment into the same state directory reuses the account.
test_enrol_reuses_account() {
    use_instance A
    local st=$WORK/one key_sum url serial ckey_sum
    [ -s "$st/cert.pem" ] || die "needs the state of enrol_one_name"
    key_sum=$(sha256sum <"$st/account.key")
    ckey_sum=$(sha256sum <"$st/cert.key")
    url=$(cat "$st/account.url")
    split_chain "$st/cert.pem"
    serial=$(serial_of "$T/leaf.pem")
    enrol_ok enrol "$st" --name one.acme5g.test --force
    check_state "$st" DNS:one.acme5g.test
    [ "$(sha256sum <"$st/account.key")" = "$key_sum" ] || die "account.key changed"
    [ "$(cat "$st/account.url")" = "$url" ] || die "account.url changed"
    [ "$(serial_of "$T/leaf.pem")" != "$serial" ] || die "same certificate serial as before"
    [ "$(sha256sum <"$st/cert.key")" != "$ckey_sum" ] || die "cert.key was not renewed"
}

test_enrol_two_names() {
    use_instance A
    mkdir -p "$WORK/two"
    enrol_ok enrol "$WORK/two" --name a.two.acme5g.test --name b.two.acme5g.test -v
    check_state "$WORK/two" DNS:a.two.acme5g.test DNS:b.two.acme5g.test
    # -v logs every step: still no private key in the output
    no_secrets enrol "$WORK/two"
}

# An IP identifier (RFC 8738), validated by http-01 on 127.0.0.1.
test_enrol_ip_identifier() {
    use_instance A
    mkdir -p "$WORK/ipid"
    enrol_ok enrol "$WORK/ipid" --name ip.acme5g.test --ip 127.0.0.1
    check_state "$WORK/ipid" DNS:ip.acme5g.test "IP Address:127.0.0.1"
}

# https://127.0.0.1:P/dir: Pebble's listener certificate has IP:127.0.0.1.
test_enrol_ip_literal_directory() {
    use_instance A
    P_DIR_URL=$P_IP_DIR_URL
    mkdir -p "$WORK/ipurl"
    enrol_ok enrol "$WORK/ipurl" --name ipurl.acme5g.test
    check_state "$WORK/ipurl" DNS:ipurl.acme5g.test
}

# The server's certificate is not signed by the CA given with --ca.
test_refuses_untrusted_server() {
    use_instance A
    pebble_make_ca "$T" other-ca || die "could not make a CA"
    mkdir -p "$WORK/untrusted"
    cli enrol enrol --directory "$P_DIR_URL" --ca "$T/other-ca.pem" \
        --state "$WORK/untrusted" --name untrusted.acme5g.test \
        --http-port "$P_HTTP_PORT" --timeout 30
    [ "$RC" = 1 ] || die "exit status $RC, expected 1"
    grep -Eqi 'enrol failed.*(untrusted|not trusted)' "$T/enrol.err" ||
        die "no 'not trusted' TLS error on stderr: $(errline enrol)"
    nothing_written "$WORK/untrusted"
}

# Instance B's listener certificate has only DNS:localhost: the IP URL must
# be refused (name mismatch) while the DNS URL works.
test_refuses_ip_url_without_ip_san() {
    use_instance B
    mkdir -p "$WORK/nomatch" "$WORK/match"
    cli enrol enrol --directory "$P_IP_DIR_URL" --ca "$P_CA" --state "$WORK/nomatch" \
        --name nomatch.acme5g.test --http-port "$P_HTTP_PORT" --timeout 30
    [ "$RC" = 1 ] || die "exit status $RC, expected 1"
    grep -Eqi 'enrol failed.*(mismatch|match|name)' "$T/enrol.err" ||
        die "no name mismatch error on stderr: $(errline enrol)"
    nothing_written "$WORK/nomatch"
    # control: the same server by its DNS name
    enrol_ok enrol2 "$WORK/match" --name match.acme5g.test
    check_state "$WORK/match" DNS:match.acme5g.test
}

# Instance B refuses ACME5G_NONCEREJECT % (default 30) of good nonces, so
# about one POST in three gets badNonce and must be retried with the nonce
# of the error response.  (Not 50 %: with ACME5G_BADNONCE_RETRIES = 8 a
# request then fails with probability 0.5^9 -- about 5 % for the ~27 POSTs
# here, a flaky test.  At 30 % that is 0.05 %, and a rejection is still
# practically certain to happen: 1 - 0.7^27.)  Pebble does not log the
# rejections, so check that it was configured for them.
test_survives_nonce_rejection() {
    use_instance B
    local i
    grep -q "Configured to reject $NONCEREJECT% of good nonces" "$B_LOG" ||
        die "Pebble B was not configured to reject $NONCEREJECT % of nonces"
    for i in 1 2 3; do
        mkdir -p "$WORK/nonce$i"
        enrol_ok "enrol$i" "$WORK/nonce$i" --name "n$i.nonce.acme5g.test"
        check_state "$WORK/nonce$i" "DNS:n$i.nonce.acme5g.test"
    done
}

test_bad_usage_exits_2() {
    cli none
    [ "$RC" = 2 ] || die "no arguments: exit $RC, expected 2"
    cli verb frobnicate --state "$T"
    [ "$RC" = 2 ] || die "unknown command: exit $RC, expected 2"
    cli noname enrol --directory https://127.0.0.1:1/dir --ca "$A_CA" --state "$T/s"
    [ "$RC" = 2 ] || die "enrol without --name: exit $RC, expected 2"
    cli nodir enrol --ca "$A_CA" --state "$T/s" --name x.acme5g.test
    [ "$RC" = 2 ] || die "enrol without --directory: exit $RC, expected 2"
    cli badopt enrol --directory https://127.0.0.1:1/dir --ca "$A_CA" --state "$T/s" \
        --name x.acme5g.test --no-such-option
    [ "$RC" = 2 ] || die "enrol with an unknown option: exit $RC, expected 2"
    cli nostate status
    [ "$RC" = 2 ] || die "status without --state: exit $RC, expected 2"
    for f in none verb noname nodir badopt nostate; do
        [ -s "$T/$f.err" ] || die "no message on stderr for case '$f'"
    done
    [ ! -e "$T/s" ] || [ -z "$(ls -A "$T/s")" ] || die "a usage error wrote to the state directory"
}

test_status_unknown_state_exits_1() {
    cli status status --state "$WORK/does-not-exist"
    [ "$RC" = 1 ] || die "exit status $RC, expected 1"
    [ -s "$T/status.err" ] || die "no message on stderr"
}

# A directory URL where nothing listens fails fast with exit 1.
test_connect_refused_exits_1() {
    local port
    pebble__pick_port port || die "no free port"
    mkdir -p "$WORK/refused"
    cli enrol enrol --directory "https://127.0.0.1:$port/dir" --ca "$A_CA" \
        --state "$WORK/refused" --name refused.acme5g.test --timeout 20
    [ "$RC" = 1 ] || die "exit status $RC, expected 1"
    grep -q 'enrol failed' "$T/enrol.err" || die "no 'enrol failed' line: $(errline enrol)"
    nothing_written "$WORK/refused"
}

# External account binding (Pebble D requires it): refused without, with a
# clear message; accepted with the right key id and MAC key.
EAB_KID=kid-1
EAB_KEY=zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W
test_eab_required_and_accepted() {
    use_instance D
    mkdir -p "$WORK/eab0" "$WORK/eab1" "$WORK/eab2"
    cli noeab enrol --directory "$P_DIR_URL" --ca "$P_CA" --state "$WORK/eab0" \
        --http-port "$P_HTTP_PORT" --name eab.acme5g.test --timeout 60
    [ "$RC" = 1 ] || die "without EAB: exit $RC, expected 1"
    grep -q 'external account binding' "$T/noeab.err" || die "message: $(errline noeab)"
    [ ! -e "$WORK/eab0/cert.pem" ] || die "a certificate was stored without EAB"
    cli badeab enrol --directory "$P_DIR_URL" --ca "$P_CA" --state "$WORK/eab1" \
        --http-port "$P_HTTP_PORT" --name eab.acme5g.test --timeout 60 \
        --eab-kid "$EAB_KID" --eab-hmac-key "${EAB_KEY%????}AAAA"
    [ "$RC" = 1 ] || die "with a wrong MAC key: exit $RC, expected 1"
    enrol_ok eab "$WORK/eab2" --name eab.acme5g.test --eab-kid "$EAB_KID" --eab-hmac-key "$EAB_KEY"
    check_state "$WORK/eab2" DNS:eab.acme5g.test
}

# dns-01 through --dns-hook, with pebble-challtestsrv as Pebble's DNS: a
# name and a wildcard; the hook publishes before and cleans up after.
test_enrol_dns01_with_hook() {
    use_instance A
    local st=$WORK/dns01 n
    mkdir -p "$st"
    DNS_HOOK_LOG=$T/hook.log enrol_ok enrol "$st" --name dns.acme5g.test \
        --name '*.wild.acme5g.test' --challenge dns-01 \
        --dns-hook "$ROOT/tests/dns-hook.sh $A_CTS_MGMT"
    check_state "$st" DNS:dns.acme5g.test 'DNS:*.wild.acme5g.test'
    grep -q '^add _acme-challenge.dns.acme5g.test ' "$T/hook.log" || die "no TXT published for dns"
    grep -q '^add _acme-challenge.wild.acme5g.test ' "$T/hook.log" || die "no TXT for the wildcard"
    n=$(grep -c '^del ' "$T/hook.log")
    [ "$n" = 2 ] || die "$n TXT records removed, expected 2"
    cli fail enrol --directory "$P_DIR_URL" --ca "$P_CA" --state "$WORK/dns01b" \
        --http-port "$P_HTTP_PORT" --name dns2.acme5g.test --challenge dns-01 --dns-hook false
    [ "$RC" = 1 ] || die "a failing hook: exit $RC, expected 1"
    grep -q 'dns-01 hook failed' "$T/fail.err" || die "message: $(errline fail)"
}

# at_line FILE PATTERN [N]: the time stamp (first field) of the Nth line of a
# stamped stderr file matching PATTERN (default the first).
at_line() { grep -E -- "$2" "$1" | sed -n "${3:-1}p" | cut -d' ' -f1; }
# elapsed T1 T2 MIN: true when T2 - T1 >= MIN (seconds, fractions allowed).
elapsed() { awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN { exit !(a != "" && b != "" && b - a >= m) }'; }

# TR 33.776 solution #9's wait timer: the first order's dns-01 challenge
# fails (the hook publishes a wrong TXT value first), the authorization and
# the order turn invalid, the client waits --wait-timer 3 s and restarts
# from newOrder; the second order succeeds.  A new account, so no valid
# authorization can be reused.
test_wait_timer_restarts_order() {
    use_instance A
    local st=$WORK/waittimer t1 t2 tf u1 u2
    mkdir -p "$st"
    DNS_HOOK_LOG=$T/hook.log cli_stamped enrol enrol --directory "$P_DIR_URL" --ca "$P_CA" \
        --state "$st" --name wait.acme5g.test --challenge dns-01 --timeout 90 \
        --dns-hook "$ROOT/tests/dns-hook-flaky.sh $T/flaky.state $A_CTS_MGMT" \
        --wait-timer 3 --max-orders 2 -vv
    [ "$RC" = 0 ] || die "enrol exited $RC: $(errline enrol)"
    check_state "$st" DNS:wait.acme5g.test
    grep -q '^add _acme-challenge.wait.acme5g.test wrong-' "$T/hook.log" ||
        die "the hook did not publish the wrong value first"
    [ "$(grep -c '^add ' "$T/hook.log")" = 2 ] || die "expected 2 TXT records published"
    [ "$(grep -c 'info: order: ' "$T/enrol.err")" = 2 ] ||
        die "$(grep -c 'info: order: ' "$T/enrol.err") orders made, expected 2"
    u1=$(grep 'info: order: ' "$T/enrol.err" | sed -n '1s/.*order: //p')
    u2=$(grep 'info: order: ' "$T/enrol.err" | sed -n '2s/.*order: //p')
    [ "$u1" != "$u2" ] || die "the same order URL twice: $u1"
    grep -q 'order failed, restarting from newOrder' "$T/enrol.err" || die "no restart reported"
    t1=$(at_line "$T/enrol.err" 'info: order: ' 1)
    tf=$(at_line "$T/enrol.err" 'order failed, restarting')
    t2=$(at_line "$T/enrol.err" 'info: order: ' 2)
    echo "first order $t1, failure $tf, second order $t2"
    { elapsed "$t1" "$tf" 0 && elapsed "$tf" "$t2" 0; } || die "lines out of order"
    # the stamps are taken when a line arrives: allow 50 ms of reading delay
    elapsed "$tf" "$t2" 2.95 || die "second order $t2 less than 3 s after the failure $tf"
    elapsed "$t1" "$t2" 3 || die "second order $t2 less than 3 s after the first $t1"
    elapsed "$tf" "$t2" 20 && die "second order only $t2, long after the failure $tf"
    grep -q '^wait-timer=3$' "$st/settings" || die "wait-timer not stored in settings"
    grep -q '^max-orders=2$' "$st/settings" || die "max-orders not stored in settings"
}

# The same failure with --max-orders 1: one order, no restart, exit 1 with
# the failed authorization and the server's problem on stderr, nothing
# stored.
test_wait_timer_max_orders_1_gives_up() {
    use_instance A
    local st=$WORK/waittimer1
    mkdir -p "$st"
    DNS_HOOK_LOG=$T/hook.log cli_stamped enrol enrol --directory "$P_DIR_URL" --ca "$P_CA" \
        --state "$st" --name wait1.acme5g.test --challenge dns-01 --timeout 90 \
        --dns-hook "$ROOT/tests/dns-hook-flaky.sh $T/flaky.state $A_CTS_MGMT" \
        --wait-timer 3 --max-orders 1 -vv
    [ "$RC" = 1 ] || die "exit status $RC, expected 1"
    [ "$(grep -c 'info: order: ' "$T/enrol.err")" = 1 ] || die "more than one order made"
    ! grep -q 'restarting' "$T/enrol.err" || die "restarted with --max-orders 1"
    grep -Eq 'acme5g: enrol failed: authorization failed .*(unauthorized|incorrectResponse)' "$T/enrol.err" ||
        die "unclear message: $(errline enrol)"
    nothing_written "$st"
}

# Revocation signed by the account key, then by the certificate key; Pebble's
# management API confirms it; a second revocation is refused; status shows it.
cert_status() { # LEAF: Pebble's view of the certificate (Valid/Revoked)
    local serial
    serial=$(openssl x509 -in "$1" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f')
    pebble_get "$A_MGMT" "/cert-status-by-serial/$serial" "$A_CA" |
        sed -n 's/.*"Status": *"\([A-Za-z]*\)".*/\1/p'
}
test_revoke_with_account_and_cert_key() {
    use_instance A
    local st=$WORK/revoke
    mkdir -p "$st"
    enrol_ok enrol "$st" --name revoke.acme5g.test
    split_chain "$st/cert.pem"
    [ "$(cert_status "$T/leaf.pem")" = Valid ] || die "Pebble does not list the new certificate as Valid"
    cli revoke revoke --state "$st" --reason 4
    [ "$RC" = 0 ] || die "revoke exited $RC: $(errline revoke)"
    [ "$(cert_status "$T/leaf.pem")" = Revoked ] || die "Pebble does not list it as Revoked"
    cli again revoke --state "$st"
    [ "$RC" = 1 ] || die "second revoke: exit $RC, expected 1"
    grep -q alreadyRevoked "$T/again.err" || die "message: $(errline again)"
    cli status status --state "$st"
    grep -q '^revoked: .*reason 4' "$T/status.out" || die "status does not report the revocation"
    enrol_ok enrol2 "$st" --name revoke.acme5g.test
    split_chain "$st/cert.pem"
    cli bykey revoke --state "$st" --with-cert-key
    [ "$RC" = 0 ] || die "revoke --with-cert-key exited $RC: $(errline bykey)"
    [ "$(cert_status "$T/leaf.pem")" = Revoked ] || die "not revoked with the certificate key"
}

# Key rollover: a new account.key, the same account URL, and the account
# works with the new key; contact update; deactivation ends the account.
test_account_lifecycle() {
    use_instance A
    local st=$WORK/account sum url
    mkdir -p "$st"
    enrol_ok enrol "$st" --name account.acme5g.test
    sum=$(sha256sum <"$st/account.key")
    url=$(cat "$st/account.url")
    cli roll account rollover --state "$st"
    [ "$RC" = 0 ] || die "rollover exited $RC: $(errline roll)"
    [ "$(sha256sum <"$st/account.key")" != "$sum" ] || die "account.key unchanged"
    [ "$(mode_of "$st/account.key")" = 600 ] || die "new account.key has mode $(mode_of "$st/account.key")"
    openssl pkey -in "$st/account.key" -noout 2>/dev/null || die "openssl cannot read the new account.key"
    cli renew renew --state "$st" --force -vv
    [ "$RC" = 0 ] || die "renew with the new key exited $RC: $(errline renew)"
    [ "$(cat "$st/account.url")" = "$url" ] || die "account URL changed"
    cli contact account contact --state "$st" --contact mailto:nf-ops@example.org
    [ "$RC" = 0 ] || die "contact update exited $RC: $(errline contact)"
    cli deact account deactivate --state "$st"
    [ "$RC" = 0 ] || die "deactivate exited $RC: $(errline deact)"
    cli after renew --state "$st" --force
    [ "$RC" = 1 ] || die "renew after deactivation: exit $RC, expected 1"
    grep -q unauthorized "$T/after.err" || die "message: $(errline after)"
}

# Pebble E has an alternate root and longer chains: the default chain
# verifies against root 0 through every intermediate; --preferred-chain
# picks the chain to root 1.
subject_cn() { openssl x509 -in "$1" -noout -subject -nameopt sep_multiline,utf8 | sed -n 's/^ *CN=//p'; }
test_chains_alternate_and_long() {
    use_instance E
    local st=$WORK/chain0 st1=$WORK/chain1 cn1
    mkdir -p "$st" "$st1"
    pebble_get "$E_MGMT" /roots/1 "$P_CA" >"$T/root1.pem" || die "no second root from Pebble"
    cn1=$(subject_cn "$T/root1.pem")
    [ -n "$cn1" ] || die "no CN in the second root"
    enrol_ok enrol "$st" --name chain.acme5g.test
    split_chain "$st/cert.pem"
    [ "$NCERTS" -ge 3 ] || die "chain has $NCERTS certificates, expected 3 or more"
    openssl verify -CAfile "$P_ROOT" -untrusted "$T/rest.pem" "$T/leaf.pem" >/dev/null 2>&1 ||
        die "default chain does not verify against root 0"
    enrol_ok pref "$st1" --name chain.acme5g.test --preferred-chain "$cn1"
    grep -q "alternate chain chosen" "$T/pref.err" 2>/dev/null || true
    split_chain "$st1/cert.pem"
    openssl verify -CAfile "$T/root1.pem" -untrusted "$T/rest.pem" "$T/leaf.pem" >/dev/null 2>&1 ||
        die "preferred chain does not verify against '$cn1'"
    ! openssl verify -CAfile "$P_ROOT" -untrusted "$T/rest.pem" "$T/leaf.pem" >/dev/null 2>&1 ||
        die "preferred chain still verifies against root 0"
}

# A pair replacement cut between its last two writes (cert.pem new,
# cert.key still old, cert.key.new new) is repaired by the next run.
test_cut_pair_is_repaired() {
    use_instance A
    local st=$WORK/cut
    mkdir -p "$st"
    enrol_ok enrol "$st" --name cut.acme5g.test
    cp -p "$st/cert.key" "$T/old.key"
    cli renew renew --state "$st" --force
    [ "$RC" = 0 ] || die "renew exited $RC: $(errline renew)"
    [ ! -e "$st/cert.key.new" ] || die "cert.key.new left after a complete renewal"
    # the cut between the last two writes: cert.pem and cert.key.new new, cert.key old
    cp -p "$st/cert.key" "$st/cert.key.new"
    cp -p "$T/old.key" "$st/cert.key"
    split_chain "$st/cert.pem"
    [ "$(pubkey_of_key "$st/cert.key")" != "$(pubkey_of_cert "$T/leaf.pem")" ] || die "setup failed"
    cli again renew --state "$st" -v
    [ "$RC" = 3 ] || die "renew (repair, not due) exited $RC, expected 3: $(errline again)"
    grep -q repaired "$T/again.err" || die "no repair reported"
    [ "$(pubkey_of_key "$st/cert.key")" = "$(pubkey_of_cert "$T/leaf.pem")" ] ||
        die "cert.key still does not match cert.pem"
    [ ! -e "$st/cert.key.new" ] || die "cert.key.new left after the repair"
}

# P-384 account and certificate keys (JWS ES384, CSR ecdsa-with-SHA384), and
# IPv4 + IPv6 + DNS names in one certificate.
test_p384_and_mixed_identifiers() {
    use_instance A
    local st=$WORK/p384
    mkdir -p "$st"
    enrol_ok enrol "$st" --key-type p384 --name p384.acme5g.test --ip 127.0.0.1 --ip ::1
    check_state "$st" DNS:p384.acme5g.test "IP Address:127.0.0.1" "IP Address:0:0:0:0:0:0:0:1"
    openssl pkey -in "$st/account.key" -noout -text 2>/dev/null | grep -q 'NIST CURVE: P-384' ||
        die "account key is not P-384"
    openssl x509 -in "$T/leaf.pem" -noout -text | grep -q 'NIST CURVE: P-384' ||
        die "certificate key is not P-384"
}

# tls-alpn-01 (RFC 8737) with the built-in TLS responder, for a DNS name and
# an IP address (the validator's SNI is then the reverse name).
test_enrol_tls_alpn01() {
    use_instance A
    local st=$WORK/alpn
    mkdir -p "$st"
    enrol_ok enrol "$st" --name alpn.acme5g.test --ip 127.0.0.1 --challenge tls-alpn-01 \
        --tls-port "$A_TLS_PORT" -vvv
    check_state "$st" DNS:alpn.acme5g.test "IP Address:127.0.0.1"
    grep -q 'tls-alpn-01: handshake done' "$T/enrol.err" || die "no tls-alpn-01 handshake served"
    ! grep -q 'http-01' "$T/enrol.err" || die "http-01 was used"
}

# A URI SAN (the NF instance ID) goes into the CSR; Pebble 2.4 leaves it out
# of the certificate, which the client reports and accepts.
test_enrol_uri_san() {
    use_instance A
    local st=$WORK/uri
    mkdir -p "$st"
    enrol_ok enrol "$st" --name uri.acme5g.test --uri urn:uuid:4ace9d34-2c69-4f99-92d5-a73a3fe8e23b -v
    check_state "$st" DNS:uri.acme5g.test
    grep -q 'left out the URI SAN urn:uuid:4ace9d34' "$T/enrol.err" || die "no warning about the URI"
    cli alone enrol --directory "$P_DIR_URL" --ca "$P_CA" --state "$WORK/uri2" \
        --http-port "$P_HTTP_PORT" --uri urn:uuid:4ace9d34-2c69-4f99-92d5-a73a3fe8e23b
    [ "$RC" = 1 ] || die "a URI alone: exit $RC, expected 1"
}

# An existing certificate key (--cert-key, as a secure element would hold
# it): the certificate carries it, it is not copied into the state, and a
# renewal keeps it.
test_enrol_with_existing_cert_key() {
    use_instance A
    local st=$WORK/extkey
    mkdir -p "$st"
    openssl ecparam -name secp384r1 -genkey -noout 2>/dev/null |
        openssl pkcs8 -topk8 -nocrypt -out "$T/ext.key" 2>/dev/null || die "openssl keygen failed"
    enrol_ok enrol "$st" --name extkey.acme5g.test --cert-key "$T/ext.key"
    split_chain "$st/cert.pem"
    [ "$(pubkey_of_key "$T/ext.key")" = "$(pubkey_of_cert "$T/leaf.pem")" ] ||
        die "the certificate does not carry the given key"
    [ ! -e "$st/cert.key" ] || die "the external key was copied into the state directory"
    cli renew renew --state "$st" --force
    [ "$RC" = 0 ] || die "renew exited $RC: $(errline renew)"
    split_chain "$st/cert.pem"
    [ "$(pubkey_of_key "$T/ext.key")" = "$(pubkey_of_cert "$T/leaf.pem")" ] ||
        die "the renewed certificate does not carry the given key"
    ! grep -q 'do not match' "$T/renew.err" || die "renew warned about a mismatch"
}

# A run killed in the middle of an order leaves order.url; the next run
# resumes that order instead of starting blind, then clears it.
test_killed_order_is_resumed() {
    use_instance A
    local st=$WORK/resume url
    mkdir -p "$st"
    # killed as soon as it logs the finalize request, the authorization done
    # (an enrolment takes tens of ms: polling the log file comes too late)
    # shellcheck disable=SC2016 # $0/$$/$@ belong to sh -c
    { timeout -k 5 60 sh -c 'echo $$ >"$0"; exec "$@"' "$T/kill.pid" "$BIN" enrol \
        --directory "$P_DIR_URL" --ca "$P_CA" --state "$st" --http-port "$P_HTTP_PORT" \
        --name resume.acme5g.test -vvv 2>&1 >"$T/first.out" </dev/null; } |
        while IFS= read -r line; do
            echo "$line" >>"$T/first.err"
            case $line in *"debug: POST "*finalize*) kill -9 "$(<"$T/kill.pid")"; break ;; esac
        done
    url=$(cat "$st/order.url" 2>/dev/null)
    [ -n "$url" ] || die "no order.url after the kill"
    enrol_ok enrol "$st" --name resume.acme5g.test -vv
    grep -q "resuming order $url" "$T/enrol.err" || die "the order was not resumed"
    check_state "$st" DNS:resume.acme5g.test
    [ ! -s "$st/order.url" ] || die "order.url not cleared"
}

# --deploy-hook: stored with the settings, run after enrol and after each
# renewal with ACME5G_STATE/_CERT/_KEY set, the new pair already in place;
# a failing hook makes renew exit 1 while the new certificate stays stored.
test_deploy_hook_after_enrol_and_renew() {
    use_instance A
    local st=$WORK/deploy n
    mkdir -p "$st"
    # shellcheck disable=SC2016 # expanded by the hook's shell
    enrol_ok enrol "$st" --name deploy.acme5g.test \
        --deploy-hook 'echo "$ACME5G_STATE $ACME5G_CERT $ACME5G_KEY" >>'"$T/hook.log"'; cp "$ACME5G_CERT" "$ACME5G_KEY" '"$T"'/'
    [ "$(wc -l <"$T/hook.log")" = 1 ] || die "the hook did not run once after enrol"
    [ "$(cat "$T/hook.log")" = "$st $st/cert.pem $st/cert.key" ] ||
        die "hook environment: $(cat "$T/hook.log")"
    cmp -s "$T/cert.pem" "$st/cert.pem" || die "the hook ran before cert.pem was in place"
    grep -q '^deploy-hook=echo' "$st/settings" || die "deploy-hook not stored in settings"
    cli renew renew --state "$st" --force
    [ "$RC" = 0 ] || die "renew exited $RC: $(errline renew)"
    n=$(wc -l <"$T/hook.log")
    [ "$n" = 2 ] || die "the hook ran $((n - 1)) times after renew, expected once"
    { cmp -s "$T/cert.pem" "$st/cert.pem" && cmp -s "$T/cert.key" "$st/cert.key"; } ||
        die "the hook did not see the new pair"
    cli notdue renew --state "$st"
    [ "$(wc -l <"$T/hook.log")" = 2 ] || die "the hook ran although nothing was renewed"
    cp "$st/cert.pem" "$T/before.pem"
    cli fail renew --state "$st" --force --deploy-hook 'exit 3'
    [ "$RC" = 5 ] || die "failing hook: exit $RC, expected 5"
    grep -q 'deploy hook exited 3; the new certificate is stored in' "$T/fail.err" ||
        die "message: $(errline fail)"
    ! cmp -s "$T/before.pem" "$st/cert.pem" || die "no new certificate stored"
}

# run: usage errors, and SIGINT/SIGTERM while it sleeps end it at once with
# exit 0 and a log line (a fresh certificate: nothing is due).
test_run_stops_on_signal() {
    use_instance A
    local st=$WORK/runsig sig pid i rc
    mkdir -p "$st"
    cli none run --state "$WORK/runsig-none"
    [ "$RC" = 1 ] || die "run without enrol: exit $RC, expected 1"
    grep -q 'run enrol first' "$T/none.err" || die "message: $(errline none)"
    cli force run --state "$st" --force
    [ "$RC" = 2 ] || die "run --force: exit $RC, expected 2"
    enrol_ok enrol "$st" --name runsig.acme5g.test
    for sig in INT TERM; do
        "$BIN" run --state "$st" </dev/null >"$T/run$sig.out" 2>"$T/run$sig.err" &
        pid=$!
        for i in $(seq 1 100); do
            grep -q 'next renewal at' "$T/run$sig.out" && break
            sleep 0.05
        done
        grep -q 'next renewal at .*(share of the lifetime)' "$T/run$sig.out" ||
            { kill -9 "$pid"; die "run did not report its next renewal: $(cat "$T/run$sig.out")"; }
        kill -"$sig" "$pid"
        for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        if kill -0 "$pid" 2>/dev/null; then
            kill -9 "$pid"
            die "run still running 2.5 s after SIG$sig"
        fi
        wait "$pid"
        rc=$?
        cat "$T/run$sig.out" "$T/run$sig.err"
        [ "$rc" = 0 ] || die "run ended by SIG$sig with exit $rc, expected 0"
        grep -q "stopped by SIG$sig after 0 renewals" "$T/run$sig.out" ||
            die "no 'stopped by SIG$sig' line"
        ! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/run$sig.err" ||
            die "sanitizer report from run"
    done
}

# The daemon against Pebble F, whose certificates live 60 s: with
# --renew-fraction 0.5 --jitter 4, `acme5g run` renews unattended, twice,
# each time inside the policy's window (not before notBefore + lifetime/2
# - the device's jitter, and well before notAfter), runs the deploy hook
# after each renewal, and ends with exit 0 on SIGTERM.
test_run_renews_unattended() {
    use_instance F
    local st=$WORK/daemon pid i rc n seed life due nb na pnb pna hook
    mkdir -p "$st"
    # the hook keeps each deployed pair: deployed.N.pem/.key
    # shellcheck disable=SC2016 # expanded by the hook's shell
    hook='n=$(ls '"$T"'/deployed.*.pem 2>/dev/null | wc -l); cp "$ACME5G_CERT" '"$T"'/deployed.$n.pem; cp "$ACME5G_KEY" '"$T"'/deployed.$n.key; echo "$n $(date +%s)" >>'"$T"'/hook.log'
    enrol_ok enrol "$st" --name daemon.acme5g.test --renew-fraction 0.5 --jitter 4 \
        --deploy-hook "$hook"
    [ -s "$T/deployed.0.pem" ] || die "the hook did not run after enrol"
    nb=$(to_epoch "$(openssl x509 -in "$st/cert.pem" -noout -startdate | sed 's/^notBefore=//')")
    na=$(to_epoch "$(openssl x509 -in "$st/cert.pem" -noout -enddate | sed 's/^notAfter=//')")
    [ $((na - nb)) = 59 ] || die "Pebble's certificate lives $((na - nb + 1)) s, expected 60"
    seed=$(sed -n 's/^jitter-seed=//p' "$st/settings")
    [ -n "$seed" ] || die "no jitter-seed in the settings"
    "$BIN" run --state "$st" </dev/null >"$T/run.out" 2>"$T/run.err" &
    pid=$!
    # two renewals take ~2 x 29 s; give them 150 s
    for i in $(seq 1 300); do
        [ -s "$T/deployed.2.pem" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    sleep 1
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; die "run ignored SIGTERM for 10 s"; }
    wait "$pid"
    rc=$?
    cat "$T/run.out" "$T/run.err" "$T/hook.log"
    [ "$rc" = 0 ] || die "run exited $rc after SIGTERM, expected 0"
    grep -q 'stopped by SIGTERM after [0-9]* renewals' "$T/run.out" || die "no 'stopped' line"
    [ -s "$T/deployed.2.pem" ] || die "fewer than 2 renewals within 150 s"
    n=$(grep -c 'run: renewing (share of the lifetime)' "$T/run.out")
    [ "$n" -ge 2 ] || die "$n renewals logged, expected at least 2"
    ! grep -q 'renewal failed' "$T/run.out" || die "a renewal failed"
    # lifetime share 0.5 of 59 s = 29 s; jitter: 29 - seed % 4 after notBefore
    life=59
    for i in 1 2; do
        pnb=$(to_epoch "$(openssl x509 -in "$T/deployed.$((i - 1)).pem" -noout -startdate | sed 's/^notBefore=//')")
        pna=$(to_epoch "$(openssl x509 -in "$T/deployed.$((i - 1)).pem" -noout -enddate | sed 's/^notAfter=//')")
        nb=$(to_epoch "$(openssl x509 -in "$T/deployed.$i.pem" -noout -startdate | sed 's/^notBefore=//')")
        due=$((pnb + life / 2 - seed % 4))
        echo "renewal $i: previous $pnb..$pna, due $due, new notBefore $nb"
        [ "$nb" -ge "$due" ] || die "renewal $i issued at $nb, before the policy's time $due"
        [ "$nb" -le $((due + 10)) ] || die "renewal $i issued at $nb, more than 10 s after $due"
        [ "$nb" -lt "$pna" ] || die "renewal $i issued at $nb, after the old notAfter $pna"
        [ "$(serial_of "$T/deployed.$i.pem")" != "$(serial_of "$T/deployed.$((i - 1)).pem")" ] ||
            die "renewal $i kept the serial"
        [ "$(pubkey_of_cert "$T/deployed.$i.pem")" = "$(pubkey_of_key "$T/deployed.$i.key")" ] ||
            die "renewal $i: the deployed pair does not match"
        ! cmp -s "$T/deployed.$i.key" "$T/deployed.$((i - 1)).key" || die "renewal $i kept the key"
    done
    grep -q '^failures=0$' "$st/settings" || die "settings record failures"
}

# pair_ok STATE PREV: the state holds a complete pair: cert.pem parses, its
# chain verifies against Pebble's root, and its leaf's key is cert.key's --
# or, only in the window between the last two writes of a replacement,
# cert.key.new's while cert.key is still PREV (the previous leaf's public
# key).  Sets PAIR to "key" or "new".
pair_ok() {
    local st=$1 prev=$2 leaf
    [ -s "$st/cert.pem" ] || die "cert.pem missing"
    [ -s "$st/cert.key" ] || die "cert.key missing"
    split_chain "$st/cert.pem"
    leaf=$(pubkey_of_cert "$T/leaf.pem")
    [ -n "$leaf" ] || die "cert.pem's leaf unparsable"
    openssl verify -CAfile "$P_ROOT" -untrusted "$T/rest.pem" "$T/leaf.pem" >/dev/null 2>&1 ||
        die "cert.pem's chain does not verify"
    openssl pkey -in "$st/cert.key" -noout 2>/dev/null || die "cert.key unparsable"
    if [ "$leaf" = "$(pubkey_of_key "$st/cert.key")" ]; then
        PAIR=key
    elif [ -s "$st/cert.key.new" ] && [ "$leaf" = "$(pubkey_of_key "$st/cert.key.new")" ] &&
        [ "$(pubkey_of_key "$st/cert.key")" = "$prev" ]; then
        PAIR=new
    else
        die "cert.pem matches neither cert.key nor (with the old cert.key) cert.key.new"
    fi
    grep -q '^directory=https://' "$st/settings" || die "settings damaged"
}

# crash_point WHAT STATE: after a kill -9 described by WHAT, the pair is
# complete (pair_ok); then renew --force without a kill completes, with a
# matching pair, no order left pending and a certificate other than the one
# before the killed run (a new one, or the killed run's own when its order
# was resumed after it had been stored).
CRASH_POINTS=0
CRASH_WINDOW=0
crash_point() {
    local what=$1 st=$2
    pair_ok "$st" "$PREV_PUB"
    [ "$PAIR" = new ] && CRASH_WINDOW=$((CRASH_WINDOW + 1))
    CRASH_POINTS=$((CRASH_POINTS + 1))
    echo "killed $what: pair $PAIR"
    cli fin renew --state "$st" --force -v
    [ "$RC" = 0 ] || die "renew after the kill $what exited $RC: $(errline fin)"
    pair_ok "$st" "$PREV_PUB"
    [ "$PAIR" = key ] || die "after the kill $what and a renewal, cert.key does not match"
    [ "$(serial_of "$T/leaf.pem")" != "$PREV_SERIAL" ] ||
        die "after the kill $what and a renewal: still the certificate from before"
    [ ! -s "$st/order.url" ] || die "after the kill $what: an order is still pending"
    PREV_PUB=$(pubkey_of_key "$st/cert.key")
    PREV_SERIAL=$(serial_of "$T/leaf.pem")
}

# Crash safety: renew --force killed (SIGKILL) at every point of the flow --
# after the Nth line of its -vvv log for every N (the network steps), and
# just before its Nth fsync for every N (under strace: every state the
# write-temp/fsync/rename/fsync sequence of each stored file can be cut
# in) -- leaves a complete matching pair each time, and a renewal run after
# it completes.  Pebble C (pre-authorized: about 1 s per renewal).
test_renew_killed_anywhere_keeps_a_pair() {
    use_instance C
    local st=$WORK/crash k rc f total=0
    mkdir -p "$st"
    command -v strace >/dev/null || die "strace not installed (tests/install-deps.sh test)"
    strace -f -qq -o /dev/null true || die "strace cannot trace here (ptrace not permitted?)"
    enrol_ok enrol "$st" --name crash.acme5g.test
    PREV_PUB=$(pubkey_of_key "$st/cert.key")
    split_chain "$st/cert.pem"
    PREV_SERIAL=$(serial_of "$T/leaf.pem")
    for k in $(seq 1 40); do
        rm -f "$T/kill.pid" "$T/kill.err"
        # shellcheck disable=SC2016 # $0/$$/$@ belong to sh -c
        { timeout -k 5 60 sh -c 'echo $$ >"$0"; exec "$@"' "$T/kill.pid" \
            "$BIN" renew --state "$st" --force -vvv 2>&1 >/dev/null </dev/null; } |
            {
                n=0
                while IFS= read -r line; do
                    n=$((n + 1))
                    echo "$line" >>"$T/kill.err"
                    if [ $n -ge "$k" ]; then kill -9 "$(cat "$T/kill.pid")"; break; fi
                done
                cat >/dev/null
            }
        rc=${PIPESTATUS[0]}
        if [ "$rc" = 0 ]; then
            total=$((k - 1))
            break
        fi
        [ "$rc" = 137 ] || die "renew (to be killed after $k lines) exited $rc: $(tail -n 1 "$T/kill.err")"
        crash_point "after log line $k ($(tail -n 1 "$T/kill.err" | cut -c1-60))" "$st"
    done
    [ "$total" -ge 5 ] || die "renew -vvv logged only $total lines"
    for k in $(seq 1 60); do
        timeout -k 5 60 strace -f -qq -o /dev/null -e trace=fsync \
            -e inject=fsync:signal=KILL:when="$k" \
            "$BIN" renew --state "$st" --force </dev/null >"$T/s.out" 2>"$T/s.err"
        rc=$?
        if [ "$rc" = 0 ]; then
            total=$((k - 1))
            break
        fi
        [ "$rc" = 137 ] || die "renew (to be killed at fsync $k) exited $rc: $(tail -n 1 "$T/s.err")"
        crash_point "before fsync $k" "$st"
    done
    [ "$total" -ge 8 ] || die "renew made only $total fsync calls"
    [ "$CRASH_WINDOW" -ge 1 ] || die "no kill landed between the last two writes"
    echo "$CRASH_POINTS kill points, $CRASH_WINDOW in the cert.pem/cert.key window"
    # the port leaves the temporary file of a write cut short behind
    for f in "$st"/.*.tmp.*; do
        if [ -e "$f" ]; then echo "left behind: ${f##*/}"; fi
    done
}

# A renewal where the server holds no valid authorization answers the
# challenge again (Pebble G, reuse off; its ~1 % residual reuse is why a
# second renewal is allowed to be the one that shows it).
test_renew_answers_challenges_without_reuse() {
    use_instance G
    local st=$WORK/renew-g i
    mkdir -p "$st"
    enrol_ok enrol "$st" --name renewg.acme5g.test
    for i in 1 2; do
        cli "renew$i" renew --state "$st" --force -vvv
        [ "$RC" = 0 ] || die "renew exited $RC: $(errline "renew$i")"
        check_state "$st" DNS:renewg.acme5g.test
        if grep -q 'http-01: served the key authorization' "$T/renew$i.err"; then
            ! grep -Eq 'account (created|exists)' "$T/renew$i.err" || die "renew made a newAccount request"
            return 0
        fi
    done
    die "no challenge was answered in two renewals"
}

# renew without --force asks the policy: a fresh certificate is not due.
test_renew_not_due() {
    use_instance A
    local st=$WORK/renew1 sum
    mkdir -p "$st"
    enrol_ok enrol "$st" --name renew1.acme5g.test
    sum=$(sha256sum <"$st/cert.pem")
    cli renew renew --state "$st"
    [ "$RC" = 3 ] || die "renew (not due) exited $RC, expected 3: $(errline renew)"
    grep -q 'not due until' "$T/renew.out" || die "no 'not due' line: $(cat "$T/renew.out")"
    [ "$(sha256sum <"$st/cert.pem")" = "$sum" ] || die "cert.pem changed"
    cli status status --state "$st"
    grep -q '^renewal: *due at' "$T/status.out" || die "status has no renewal line"
}

# renew --force from another directory: the stored settings and account,
# no newAccount request, a new key and serial, the account unchanged.
test_renew_force_uses_stored_account() {
    use_instance A
    local st=$WORK/renew2 key_sum url serial ckey_sum
    mkdir -p "$st"
    enrol_ok enrol "$st" --name renew2.acme5g.test
    key_sum=$(sha256sum <"$st/account.key")
    ckey_sum=$(sha256sum <"$st/cert.key")
    url=$(cat "$st/account.url")
    split_chain "$st/cert.pem"
    serial=$(serial_of "$T/leaf.pem")
    cd / || die "cannot cd /"
    cli renew renew --state "$st" --force -vvv
    [ "$RC" = 0 ] || die "renew exited $RC: $(errline renew)"
    check_state "$st" DNS:renew2.acme5g.test
    ! grep -Eq 'account (created|exists)' "$T/renew.err" || die "renew made a newAccount request"
    [ "$(sha256sum <"$st/account.key")" = "$key_sum" ] || die "account.key changed"
    [ "$(cat "$st/account.url")" = "$url" ] || die "account.url changed"
    [ "$(serial_of "$T/leaf.pem")" != "$serial" ] || die "same serial as before"
    [ "$(sha256sum <"$st/cert.key")" != "$ckey_sum" ] || die "cert.key was not renewed"
}

# Solution #9's pre-authorized renewal (Pebble C reuses every valid
# authorization): the order is born ready, no challenge is answered, at most
# 5 requests after the directory, one TLS connection.
test_renew_preauthorized() {
    use_instance C
    local st=$WORK/renew3 n
    mkdir -p "$st"
    enrol_ok enrol "$st" --name renew3.acme5g.test
    cli renew renew --state "$st" --force -vvv
    [ "$RC" = 0 ] || die "renew exited $RC: $(errline renew)"
    check_state "$st" DNS:renew3.acme5g.test
    grep -q 'already authorized' "$T/renew.err" || die "the order was not born ready"
    ! grep -q 'http-01' "$T/renew.err" || die "a challenge was answered"
    n=$(grep -Ec 'debug: (POST|HEAD) ' "$T/renew.err")
    [ "$n" -le 5 ] || die "$n requests after the directory, expected at most 5"
    n=$(grep -c 'debug: connecting to' "$T/renew.err")
    [ "$n" = 1 ] || die "$n TLS connections, expected 1"
}

# Issue 18: polls wait 10 ms first, not 1 s, and make no more requests than
# the 1 s schedule did: an enrolment (new account, http-01) is at most 10
# requests as Pebble C logged them, a pre-authorized renewal at most 6
# and done in under a second (the old fixed 1 s wait before the first order
# poll alone was a second).
pebble_requests_since() { tail -n +"$(($2 + 1))" "$1" | grep -c -- '-> calling handler()'; }
test_polls_do_not_sleep_past_readiness() {
    use_instance C
    local st=$WORK/poll1 mark n t0 t1
    mkdir -p "$st"
    mark=$(wc -l <"$C_LOG")
    enrol_ok enrol "$st" --name poll1.acme5g.test -vvv
    sleep 0.2 # Pebble logs when its handler starts; give a late line a moment
    n=$(pebble_requests_since "$C_LOG" "$mark")
    echo "enrolment: $n requests"
    [ "$n" -le 10 ] || die "enrolment: $n requests, expected at most 10"
    mark=$(wc -l <"$C_LOG")
    t0=$EPOCHREALTIME
    cli renew renew --state "$st" --force -vvv
    t1=$EPOCHREALTIME
    [ "$RC" = 0 ] || die "renew exited $RC: $(errline renew)"
    check_state "$st" DNS:poll1.acme5g.test
    sleep 0.2
    n=$(pebble_requests_since "$C_LOG" "$mark")
    echo "renewal: $n requests in $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s"
    [ "$n" -le 6 ] || die "pre-authorized renewal: $n requests, expected at most 6"
    awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 1.0) }' ||
        die "pre-authorized renewal took $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s"
}

# Issue 18: the directory and the last unused nonce are kept in the state
# (directory.cache, nonce), so a pre-authorized renewal is newOrder,
# finalize, one order poll and the certificate: 4 requests as Pebble C
# logged them, 1 connection, no GET directory and no HEAD newNonce.
pebble_lines_since() { tail -n +"$(($2 + 1))" "$1" | grep -- '-> calling handler()'; }
renew_counted() { # STATE: renew --force; sets N (Pebble's count) and SEQ
    local mark
    mark=$(wc -l <"$C_LOG")
    cli renew renew --state "$1" --force -vvv
    [ "$RC" = 0 ] || die "renew exited $RC: $(errline renew)"
    sleep 0.2 # Pebble logs when its handler starts; give a late line a moment
    SEQ=$(pebble_lines_since "$C_LOG" "$mark" | sed 's/ -> calling handler().*//' |
        awk '{ printf "%s %s; ", $(NF - 1), $NF }')
    N=$(pebble_lines_since "$C_LOG" "$mark" | wc -l)
    NC=$(grep -Ec 'debug: (GET|HEAD|POST) ' "$T/renew.err")
    echo "renewal: $N requests as Pebble logged them: $SEQ; $NC in the client's log"
}
test_renew_in_four_requests() {
    use_instance C
    local st=$WORK/four n
    mkdir -p "$st"
    enrol_ok enrol "$st" --name four.acme5g.test
    grep -q '^https://.*/dir$' "$st/directory.cache" || die "no directory.cache after enrol"
    [ -s "$st/nonce" ] || die "no nonce after enrol"
    renew_counted "$st"
    check_state "$st" DNS:four.acme5g.test
    [ "$N" = 4 ] && [ "$NC" = 4 ] ||
        die "pre-authorized renewal: $N/$NC requests ($SEQ), expected 4"
    n=$(grep -c 'debug: connecting to' "$T/renew.err")
    [ "$n" = 1 ] || die "$n TLS connections, expected 1"
    ! grep -Eq 'debug: (GET|HEAD) ' "$T/renew.err" || die "a GET or HEAD was sent"
}

# A stale nonce in the state costs no extra request: the badNonce answer
# carries a fresh one (newOrder twice instead of HEAD newNonce + newOrder).
test_renew_with_stale_nonce() {
    use_instance C
    local st=$WORK/stale
    mkdir -p "$st"
    enrol_ok enrol "$st" --name stale.acme5g.test
    printf 'c3RhbGUtbm9uY2UtZnJvbS1hbm90aGVyLWRheQ' >"$st/nonce"
    renew_counted "$st"
    check_state "$st" DNS:stale.acme5g.test
    grep -q 'badNonce' "$T/renew.err" || die "the stale nonce was not sent"
    [ "$N" = 5 ] && [ "$NC" = 5 ] || die "$N/$NC requests ($SEQ), expected 5 (badNonce, then the 4)"
    ! grep -Eq 'debug: (GET|HEAD) ' "$T/renew.err" || die "a GET or HEAD was sent"
    [ "$(cat "$st/nonce")" != c3RhbGUtbm9uY2UtZnJvbS1hbm90aGVyLWRheQ ] || die "the nonce was not replaced"
}

# A directory URL the server no longer knows (404): the directory is
# fetched again, once, and the request resent to the URL it now gives.
test_renew_with_moved_directory_url() {
    use_instance C
    local st=$WORK/moved
    mkdir -p "$st"
    enrol_ok enrol "$st" --name moved.acme5g.test
    sed -i 's|"newOrder": *"\([^"]*\)"|"newOrder":"\1-moved"|' "$st/directory.cache"
    grep -q -- '-moved"' "$st/directory.cache" || die "could not edit directory.cache"
    renew_counted "$st"
    check_state "$st" DNS:moved.acme5g.test
    grep -q 'stored directory is out of date' "$T/renew.err" || die "no refetch logged"
    # Pebble's 404 for a path it does not serve carries no nonce (and is not
    # logged as a handler call): HEAD newNonce follows the GET directory
    [ "$NC" = 7 ] && [ "$N" = 6 ] ||
        die "$N/$NC requests ($SEQ), expected 7 (404, GET directory, HEAD, the 4)"
    [ "$(grep -c 'debug: GET ' "$T/renew.err")" = 1 ] || die "not exactly one GET directory"
    ! grep -q -- '-moved"' "$st/directory.cache" || die "directory.cache was not rewritten"
}

# The cache is best effort: blobs that cannot be read or written (here
# directories in their place) cost requests, not the renewal; a garbled
# directory.cache is fetched again.
test_renew_with_unusable_cache() {
    use_instance C
    local st=$WORK/nocache
    mkdir -p "$st"
    enrol_ok enrol "$st" --name nocache.acme5g.test
    rm -f "$st/nonce" && mkdir "$st/nonce"
    printf '%s\n{"newOrder":' "$(head -n 1 "$st/directory.cache")" >"$st/directory.cache"
    renew_counted "$st"
    check_state "$st" DNS:nocache.acme5g.test
    [ "$NC" = 6 ] || die "$NC requests ($SEQ), expected 6 (GET directory, HEAD newNonce, the 4)"
    grep -q '"newOrder": *"https' "$st/directory.cache" || die "directory.cache not rewritten"
    rm -f "$st/directory.cache" && mkdir "$st/directory.cache"
    renew_counted "$st"
    check_state "$st" DNS:nocache.acme5g.test
    [ "$NC" = 6 ] || die "$NC requests ($SEQ), expected 6 with no blob writable"
}

# renew without an enrolment before it: a clear failure.
test_renew_without_enrol_fails() {
    mkdir -p "$WORK/renew4"
    cli renew renew --state "$WORK/renew4" --force
    [ "$RC" = 1 ] || die "exit status $RC, expected 1"
    grep -q 'run enrol first' "$T/renew.err" || die "message: $(errline renew)"
}

# Issue 16, defect 1: a wrong clock during one failed attempt does not
# stall renewal.  tests/fakeclock.c (LD_PRELOAD) moves the wall clock a
# year ahead for one `renew`, which fails (the server's TLS certificate
# "expired") and records its failure time a year in the future.  With the
# clock right again, that time is ignored: status says due now, renew
# renews at once, and run starts renewing at once (Pebble F, 60 s
# certificates, due from notBefore on with --renew-fraction 0.001).
test_renew_after_wrong_clock() {
    use_instance F
    local st=$WORK/wrongclock shim=$T/fakeclock.so year=31536000 serial lf pid i
    mkdir -p "$st"
    cc -shared -fPIC -o "$shim" "$ROOT/tests/fakeclock.c" -ldl || die "cannot build the shim"
    [ "$(ACME5G_FAKE_OFFSET=$year LD_PRELOAD=$shim date -u +%Y)" = $(($(date -u +%Y) + 1)) ] ||
        die "the shim does not move the clock"
    enrol_ok enrol "$st" --name wrongclock.acme5g.test --renew-fraction 0.001
    split_chain "$st/cert.pem"
    serial=$(serial_of "$T/leaf.pem")
    wrong_clock() { # TAG ARG...: cli with the clock a year ahead
        local tag=$1
        shift
        echo "+ (clock +1 year) acme5g $*"
        ACME5G_FAKE_OFFSET=$year LD_PRELOAD=$shim timeout -k 5 "$CLI_TIMEOUT" "$BIN" "$@" \
            </dev/null >"$T/$tag.out" 2>"$T/$tag.err"
        RC=$?
        cli_checks "$tag" "${1:-}"
    }
    wrong_clock ahead renew --state "$st" --timeout 20
    [ "$RC" = 1 ] || die "renew with the clock a year ahead: exit $RC, expected 1"
    lf=$(sed -n 's/^last-failure=//p' "$st/settings")
    if [ -z "$lf" ] || [ "$lf" -le $(($(date +%s) + year - 100)) ]; then
        die "the failure time is not a year ahead (last-failure=$lf): the shim did not act"
    fi
    cli status status --state "$st"
    grep -q '^renewal: *due now' "$T/status.out" ||
        die "status after the wrong clock: $(grep renewal "$T/status.out")"
    cli renew renew --state "$st"
    [ "$RC" = 0 ] || die "renew with the right clock: exit $RC: $(errline renew)"
    grep -q 'stored in' "$T/renew.out" || die "renew did not renew: $(cat "$T/renew.out")"
    split_chain "$st/cert.pem"
    [ "$(serial_of "$T/leaf.pem")" != "$serial" ] || die "same certificate as before"
    grep -q '^failures=0$' "$st/settings" || die "failures not cleared"
    # the daemon: one more failure a year ahead, then run with the right clock
    wrong_clock ahead2 renew --state "$st" --force --timeout 20
    [ "$RC" = 1 ] || die "second renew with the clock a year ahead: exit $RC, expected 1"
    "$BIN" run --state "$st" </dev/null >"$T/run.out" 2>"$T/run.err" &
    pid=$!
    for i in $(seq 1 100); do
        grep -q 'run: renewing' "$T/run.out" && break
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; die "run ignored SIGTERM"; }
    wait "$pid"
    cat "$T/run.out" "$T/run.err"
    grep -q 'run: renewing' "$T/run.out" || die "run did not renew within 10 s"
    ! grep -q 'next renewal at .*waiting after a failed attempt' "$T/run.out" ||
        die "run waits after the failure of the wrong clock"
}

# Issue 16, defect 2: one writer per state directory.  Three `renew
# --force` started at once on one state: exactly one renews (exit 0), the
# others exit 4 at once, naming the holder's pid; the pair and the
# settings stay consistent and no temporary file is left.  A `revoke`
# while a renewal runs is refused the same way.
test_lock_one_writer() {
    use_instance A
    local st=$WORK/lock i pids="" rc ok=0 locked=0 pid f
    mkdir -p "$st"
    enrol_ok enrol "$st" --name lock.acme5g.test
    PREV_PUB=$(pubkey_of_key "$st/cert.key")
    # temporaries of runs cut short (stale: the lock holder removes them)
    echo stale >"$st/.cert.key.tmp.99999"
    echo stale >"$st/.settings.tmp.1"
    echo mine >"$st/notes.tmp.1"
    for i in 1 2 3; do
        timeout -k 5 "$CLI_TIMEOUT" "$BIN" renew --state "$st" --force --timeout 60 \
            </dev/null >"$T/r$i.out" 2>"$T/r$i.err" &
        pids="$pids $!"
    done
    i=0
    for pid in $pids; do
        i=$((i + 1))
        wait "$pid"
        rc=$?
        echo "renew $i (pid $pid): exit $rc"
        sed 's/^/  out: /' "$T/r$i.out"
        sed 's/^/  err: /' "$T/r$i.err"
        case $rc in
        0) ok=$((ok + 1)) ;;
        4) locked=$((locked + 1))
           grep -Eq "another acme5g \(pid [0-9]+\) holds the state directory $st" "$T/r$i.err" ||
               die "renew $i: lock message: $(cat "$T/r$i.err")"
           [ ! -s "$T/r$i.out" ] || die "renew $i (locked) printed on stdout" ;;
        *) die "renew $i exited $rc, expected 0 or 4: $(cat "$T/r$i.err")" ;;
        esac
    done
    if [ $ok != 1 ] || [ $locked != 2 ]; then
        die "$ok renewed and $locked were locked out, expected 1 and 2"
    fi
    check_state "$st" DNS:lock.acme5g.test
    grep -q '^failures=0$' "$st/settings" || die "settings record failures: $(grep failures "$st/settings")"
    for f in "$st"/.*.tmp*; do
        [ -e "$f" ] && die "temporary file left behind: ${f##*/}"
    done
    [ -s "$st/notes.tmp.1" ] || die "a file that is no temporary of acme5g was removed"
    # a revoke while a renewal holds the lock
    # (a renewal takes tens of ms now: hold the lock as acme5g does, fcntl)
    python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.lockf(f, fcntl.LOCK_EX); print("locked", flush=True); time.sleep(5)' \
        "$st/lock" >"$T/holder.out" 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do grep -q locked "$T/holder.out" 2>/dev/null && break; sleep 0.1; done
    cli revoke revoke --state "$st"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ "$RC" = 4 ] || die "revoke while another process holds the lock: exit $RC, expected 4"
    grep -q "another acme5g (pid $pid) holds" "$T/revoke.err" || die "message: $(errline revoke)"
    check_state "$st" DNS:lock.acme5g.test
}

# Issue 16, defect 3: options given to renew apply to that run only unless
# --save; nothing is saved from a failed run; stored paths are absolute.
test_renew_options_one_off() {
    use_instance A
    local st=$WORK/oneoff before
    mkdir -p "$st" "$T/rel"
    enrol_ok enrol "$st" --name oneoff.acme5g.test
    before=$(grep -v -E '^(failures|last-failure|last-success|last-error)=' "$st/settings")
    # a typo in --directory fails, and is not saved (not even with --save)
    cli typo renew --state "$st" --force --directory "https://localhost:1/typo" --timeout 10
    [ "$RC" = 1 ] || die "renew with a bad --directory: exit $RC, expected 1"
    cli typo2 renew --state "$st" --force --save --directory "https://localhost:1/typo" --timeout 10
    [ "$RC" = 1 ] || die "renew --save with a bad --directory: exit $RC, expected 1"
    [ "$(grep -v -E '^(failures|last-failure|last-success|last-error)=' "$st/settings")" = "$before" ] ||
        die "a failed renew changed the stored settings: $(diff <(echo "$before") <(grep -v -E '^(failures|last-failure|last-success|last-error)=' "$st/settings"))"
    grep -q '^failures=2$' "$st/settings" || die "the failures were not recorded"
    # a one-off option that works is not saved either
    cli jit renew --state "$st" --force --jitter 77 --deploy-hook true
    [ "$RC" = 0 ] || die "renew --jitter 77: exit $RC: $(errline jit)"
    [ "$(grep -v -E '^(failures|last-failure|last-success|last-error)=' "$st/settings")" = "$before" ] ||
        die "one-off options were saved: $(grep -E '^(jitter|deploy-hook)=' "$st/settings")"
    grep -q '^failures=0$' "$st/settings" || die "the success did not clear the failures"
    # --save after a success stores them, with a relative --ca made absolute
    cp "$P_CA" "$T/rel/ca.pem"
    (cd "$T/rel" && "$BIN" renew --state "$st" --force --save --ca ca.pem --jitter 77 \
        </dev/null >"$T/save.out" 2>"$T/save.err") || die "renew --save: $(cat "$T/save.err")"
    grep -qx "ca=$T/rel/ca.pem" "$st/settings" || die "ca not stored absolute: $(grep '^ca=' "$st/settings")"
    grep -qx 'jitter=77' "$st/settings" || die "--jitter 77 not saved with --save"
    cd / || die "cannot cd /"
    cli after renew --state "$st" --force
    [ "$RC" = 0 ] || die "renew from / after --save: exit $RC: $(errline after)"
    check_state "$st" DNS:oneoff.acme5g.test
}

# Issue 16, defect 4: the revoked mark belongs to the serial it revoked.
# revoke, then renew at once (the same second): the new certificate is not
# revoked in status and not due; the next renew issues nothing.
test_revoke_mark_stays_with_serial() {
    use_instance A
    local st=$WORK/revmark old
    mkdir -p "$st"
    enrol_ok enrol "$st" --name revmark.acme5g.test
    split_chain "$st/cert.pem"
    old=$(serial_of "$T/leaf.pem")
    cli revoke revoke --state "$st" --reason 1
    [ "$RC" = 0 ] || die "revoke exited $RC: $(errline revoke)"
    # as if the renewal below came in the same second (or a clock went back)
    sed -i "s/^time=.*/time=$(($(date +%s) + 100))/" "$st/cert.revoked"
    cli st1 status --state "$st"
    grep -q '^revoked: .*reason 1' "$T/st1.out" || die "status does not show the revocation"
    grep -q '^renewal: *due now' "$T/st1.out" || die "a revoked certificate is not due now"
    cli renew renew --state "$st"
    [ "$RC" = 0 ] || die "renew of the revoked certificate exited $RC: $(errline renew)"
    split_chain "$st/cert.pem"
    [ "$(serial_of "$T/leaf.pem")" != "$old" ] || die "renew kept the revoked certificate"
    cli st2 status --state "$st"
    ! grep -q '^revoked:' "$T/st2.out" || die "the new certificate is shown as revoked"
    grep -q '^renewal: *due at' "$T/st2.out" ||
        die "the new certificate: $(grep '^renewal' "$T/st2.out")"
    cli again renew --state "$st"
    [ "$RC" = 3 ] || die "renew after the renewal: exit $RC, expected 3 (not due)"
    grep -q "^serial=$(serial_of "$T/leaf.pem" | tr a-f A-F)" "$st/cert.revoked" &&
        die "the revocation mark names the new serial"
    grep -qi "^serial=0*$old\$" "$st/cert.revoked" || die "the mark does not name the revoked serial: $(cat "$st/cert.revoked")"
}

# Issue 16, defect 5: enrol on an enrolled state (a valid certificate) says
# so and exits 3, with the same or other names; --force replaces the
# certificate and keeps what it does not replace (deploy hook, jitter and
# its seed, the renewal policy).
test_enrol_on_enrolled_state() {
    use_instance A
    local st=$WORK/enrolled sum seed
    mkdir -p "$st"
    enrol_ok enrol "$st" --name enrolled.acme5g.test --jitter 50 --renew-fraction 0.8 \
        --deploy-hook "echo deployed >>$T/hook.log"
    sum=$(sha256sum <"$st/cert.pem")
    seed=$(sed -n 's/^jitter-seed=//p' "$st/settings")
    cli again enrol --directory "$P_DIR_URL" --ca "$P_CA" --state "$st" \
        --http-port "$P_HTTP_PORT" --name enrolled.acme5g.test
    [ "$RC" = 3 ] || die "enrol on an enrolled state: exit $RC, expected 3"
    grep -q "is enrolled (DNS:enrolled.acme5g.test, valid until .*): use renew, or enrol --force" \
        "$T/again.out" || die "message: $(cat "$T/again.out")"
    cli other enrol --directory "$P_DIR_URL" --ca "$P_CA" --state "$st" \
        --http-port "$P_HTTP_PORT" --name other.acme5g.test
    [ "$RC" = 3 ] || die "enrol with other names on an enrolled state: exit $RC, expected 3"
    [ "$(sha256sum <"$st/cert.pem")" = "$sum" ] || die "cert.pem changed"
    [ "$(wc -l <"$T/hook.log")" = 1 ] || die "the hook ran without a new certificate"
    enrol_ok force "$st" --name other.acme5g.test --force
    check_state "$st" DNS:other.acme5g.test
    [ "$(wc -l <"$T/hook.log")" = 2 ] || die "the kept deploy hook did not run"
    grep -qx "deploy-hook=echo deployed >>$T/hook.log" "$st/settings" || die "deploy hook dropped"
    grep -qx 'jitter=50' "$st/settings" || die "jitter dropped: $(grep '^jitter=' "$st/settings")"
    grep -qx 'renew-permille=800' "$st/settings" || die "renewal fraction dropped"
    grep -qx "jitter-seed=$seed" "$st/settings" || die "jitter seed drawn again"
    grep -qx 'name=other.acme5g.test' "$st/settings" || die "names not replaced"
    ! grep -qx 'name=enrolled.acme5g.test' "$st/settings" || die "old name kept"
}

# Issue 16, defect 6, the smaller ones: per-subcommand --help; the usage
# names --pre-authorize; a state another user owns or unreadable settings
# say so (not "run enrol first"); a problem detail with newlines prints on
# one line without a trailing '?'; no cert.key.new (a second copy of the
# key) after a success.
test_cli_small_fixes() {
    use_instance A
    local st=$WORK/small pid i port c
    mkdir -p "$st"
    for c in enrol renew run status revoke; do
        cli "help$c" "$c" --help
        [ "$RC" = 0 ] || die "$c --help: exit $RC, expected 0"
        grep -q '^usage: acme5g enrol' "$T/help$c.out" || die "$c --help prints no usage"
    done
    sed -n '/^usage:/,/^$/p' "$T/helpenrol.out" | grep -q -- '\[--pre-authorize\]' ||
        die "the usage omits --pre-authorize"
    ! grep -q 'server with http-01$' "$T/helpenrol.out" || die "enrol still described as http-01 only"
    enrol_ok enrol "$st" --name small.acme5g.test
    [ ! -e "$st/cert.key.new" ] || die "cert.key.new left after enrol"
    cli renew renew --state "$st" --force
    [ "$RC" = 0 ] || die "renew: exit $RC: $(errline renew)"
    [ ! -e "$st/cert.key.new" ] || die "cert.key.new left after renew"
    # another user's state
    if [ "$(id -u)" = 0 ]; then
        echo "+ (as nobody) acme5g renew --state $st"
        setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" renew --state "$st" \
            </dev/null >"$T/perm.out" 2>"$T/perm.err"
    else
        chmod 000 "$st/settings"
        "$BIN" renew --state "$st" </dev/null >"$T/perm.out" 2>"$T/perm.err"
    fi
    RC=$?
    chmod 644 "$st/settings"
    cli_checks perm renew
    [ "$RC" = 1 ] || die "renew on another user's state: exit $RC, expected 1"
    grep -q 'Permission denied' "$T/perm.err" || die "message: $(errline perm)"
    ! grep -q 'run enrol first' "$T/perm.err" || die "a permission error says 'run enrol first'"
    mv "$st/settings" "$T/settings.saved"
    mkdir "$st/settings"
    cli isdir renew --state "$st"
    rmdir "$st/settings"
    mv "$T/settings.saved" "$st/settings"
    [ "$RC" = 1 ] || die "unreadable settings: exit $RC, expected 1"
    grep -q "cannot read the settings $st/settings: Is a directory" "$T/isdir.err" ||
        die "message: $(errline isdir)"
    # a problem detail with newlines, from a server of our own
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost -addext basicConstraints=critical,CA:TRUE \
        -days 2 -nodes -keyout "$T/srv.key" -out "$T/srv.pem" 2>/dev/null || die "openssl req"
    cat >"$T/srv.py" <<'EOF_SRV'
import http.server, json, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, code, body, ctype):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.send_header("Replay-Nonce", "bm9uY2Vub25jZW5vbmNl")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b)
    def do_GET(self):
        base = "https://localhost:%d" % srv.server_port
        self.send(200, json.dumps({k: base + "/" + k for k in
                                   ("newNonce", "newAccount", "newOrder", "revokeCert",
                                    "keyChange")}), "application/json")
    do_HEAD = do_GET
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send(400, json.dumps({"type": "urn:ietf:params:acme:error:malformed",
                                   "detail": "two lines\nof detail\n"}),
                  "application/problem+json")
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(sys.argv[3], "w").write("%d\n" % srv.server_port)
srv.serve_forever()
EOF_SRV
    python3 "$T/srv.py" "$T/srv.pem" "$T/srv.key" "$T/srv.port" >"$T/srv.log" 2>&1 &
    pid=$!
    for i in $(seq 1 50); do [ -s "$T/srv.port" ] && break; sleep 0.1; done
    port=$(cat "$T/srv.port" 2>/dev/null)
    [ -n "$port" ] || { kill "$pid"; die "the problem server did not start: $(cat "$T/srv.log")"; }
    cli detail enrol --directory "https://localhost:$port/dir" --ca "$T/srv.pem" \
        --state "$T/detail" --name x.acme5g.test --http-port "$P_HTTP_PORT" --timeout 20
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ "$RC" = 1 ] || die "enrol against the problem server: exit $RC, expected 1"
    grep -q 'malformed: two lines of detail)$' "$T/detail.err" || die "message: $(errline detail)"
}

# Machine-readable status (issue 16): status --json is one JSON object
# (parsed by jq) with the certificate, the renewal and the last attempts;
# --prometheus the same in the text format; renew --metrics-file writes it
# after each attempt, and Debian's prometheus-node-exporter (textfile
# collector, on loopback) serves it without a scrape error.
test_status_json_and_metrics() {
    use_instance A
    local st=$WORK/metrics port pid i serial na f
    mkdir -p "$st" "$T/textfile"
    command -v jq >/dev/null || die "jq not installed"
    enrol_ok enrol "$st" --name metrics.acme5g.test --name m2.acme5g.test
    cli json status --state "$st" --json
    [ "$RC" = 0 ] || die "status --json: exit $RC"
    jq -e . "$T/json.out" >/dev/null || die "status --json is not JSON: $(cat "$T/json.out")"
    split_chain "$st/cert.pem"
    serial=$(serial_of "$T/leaf.pem" | tr a-f A-F)
    na=$(date -u -d "$(openssl x509 -in "$T/leaf.pem" -noout -enddate | sed 's/^notAfter=//')" +%Y-%m-%dT%H:%M:%SZ)
    jq -e --arg s "$serial" --arg na "$na" '
        (.names | sort) == ["DNS:m2.acme5g.test", "DNS:metrics.acme5g.test"] and
        (.serial | ltrimstr("0")) == ($s | ltrimstr("0")) and (.issuer | test("Pebble")) and
        .not_after == $na and (.not_before | test("^[0-9-]+T[0-9:]+Z$")) and
        (.next_renewal | test("^[0-9-]+T[0-9:]+Z$")) and .renewal_reason == "lifetime" and
        .revoked == false and .failures == 0 and (.last_success | type) == "string" and
        .last_failure == null and .last_error == null' "$T/json.out" >/dev/null ||
        die "status --json fields: $(cat "$T/json.out")"
    # a failed attempt: failures, last_failure and last_error
    cli fail renew --state "$st" --force --directory "https://localhost:1/dir" --timeout 10 \
        --metrics-file "$T/textfile/acme5g.prom"
    [ "$RC" = 1 ] || die "renew against a closed port: exit $RC, expected 1"
    cli json2 status --state "$st" --json
    jq -e '.failures == 1 and (.last_failure | type) == "string" and
        (.last_error | test("connect|refused|network"; "i"))' "$T/json2.out" >/dev/null ||
        die "status --json after a failure: $(cat "$T/json2.out")"
    grep -q "^acme5g_renewal_failures{state=\"$st\"} 1\$" "$T/textfile/acme5g.prom" ||
        die "metrics file after the failure: $(cat "$T/textfile/acme5g.prom")"
    cli ok renew --state "$st" --force --metrics-file "$T/textfile/acme5g.prom"
    [ "$RC" = 0 ] || die "renew: exit $RC: $(errline ok)"
    cli prom status --state "$st" --prometheus
    [ "$RC" = 0 ] || die "status --prometheus: exit $RC"
    cmp -s "$T/prom.out" "$T/textfile/acme5g.prom" ||
        die "the metrics file differs from status --prometheus"
    for f in "$T"/textfile/*; do
        [ "$f" = "$T/textfile/acme5g.prom" ] || die "temporary metrics file left: $f"
    done
    # node_exporter's textfile collector reads it
    for i in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 40000))
        prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
            --collector.disable-defaults --collector.textfile \
            --collector.textfile.directory="$T/textfile" >"$T/ne.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 50); do
            curl -s "http://127.0.0.1:$port/metrics" >"$T/scrape.txt" 2>/dev/null && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        [ -s "$T/scrape.txt" ] && break
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ -s "$T/scrape.txt" ] || die "node_exporter did not answer: $(tail -n 3 "$T/ne.log")"
    grep '^acme5g_\|node_textfile_scrape_error' "$T/scrape.txt"
    grep -q '^node_textfile_scrape_error 0$' "$T/scrape.txt" || die "textfile scrape error"
    # node_exporter prints values as floats (1.9e+09): compare numerically
    split_chain "$st/cert.pem"
    na=$(openssl x509 -in "$T/leaf.pem" -noout -enddate | sed 's/^notAfter=//')
    awk -v m="acme5g_certificate_not_after_seconds{state=\"$st\"}" -v want="$(date -u -d "$na" +%s)" \
        '$1 == m && $2 + 0 == want { found = 1 } END { exit !found }' "$T/scrape.txt" ||
        die "no acme5g_certificate_not_after_seconds for the state"
    awk -v m="acme5g_renewal_failures{state=\"$st\"}" '$1 == m && $2 + 0 == 0 { found = 1 }
        END { exit !found }' "$T/scrape.txt" || die "acme5g_renewal_failures not 0 after the success"
    grep -q '^acme5g_renewal_next_seconds{reason="lifetime",state=' "$T/scrape.txt" ||
        die "no acme5g_renewal_next_seconds"
}

# Issue 16, defect 6: after a failed renewal, run does not call an expired
# certificate "in use".  The wall clock is moved 6 years ahead (Pebble's
# certificates live 5) with tests/fakeclock.c; not in --quick (the shim
# and the ASan build do not mix).
test_run_says_expired_certificate() {
    use_instance A
    local st=$WORK/runexp shim=$T/fakeclock.so pid i
    mkdir -p "$st"
    enrol_ok enrol "$st" --name runexp.acme5g.test
    # run with the clock 6 years ahead (Pebble's certificates live 5): the
    # certificate expired, and the renewal fails
    cc -shared -fPIC -o "$shim" "$ROOT/tests/fakeclock.c" -ldl || die "cannot build the shim"
    ACME5G_FAKE_OFFSET=189216000 LD_PRELOAD=$shim "$BIN" run --state "$st" --timeout 20 \
        </dev/null >"$T/run.out" 2>"$T/run.err" &
    pid=$!
    for i in $(seq 1 150); do
        grep -q 'renewal failed' "$T/run.out" && break
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; die "run ignored SIGTERM"; }
    wait "$pid"
    cat "$T/run.out" "$T/run.err"
    grep -q 'renewal failed (1 in a row); the stored certificate expired at ' "$T/run.out" ||
        die "run's line after the failure: $(grep 'renewal failed' "$T/run.out")"
    ! grep -q 'stays in use' "$T/run.out" || die "run calls the expired certificate in use"
}

# name:flags (q = also in --quick, B = needs instance B, C = instance C,
# F = instance F)
TESTS="
binary_present:q
enrol_one_name:q
status_shows_certificate:q
enrol_reuses_account:q
enrol_two_names:
enrol_ip_identifier:
enrol_ip_literal_directory:q
refuses_untrusted_server:q
refuses_ip_url_without_ip_san:qB
survives_nonce_rejection:B
bad_usage_exits_2:q
status_unknown_state_exits_1:q
connect_refused_exits_1:q
renew_not_due:q
renew_force_uses_stored_account:q
renew_preauthorized:C
polls_do_not_sleep_past_readiness:C
renew_in_four_requests:C
renew_with_stale_nonce:C
renew_with_moved_directory_url:C
renew_with_unusable_cache:C
renew_answers_challenges_without_reuse:G
renew_without_enrol_fails:q
lock_one_writer:q
renew_options_one_off:q
revoke_mark_stays_with_serial:q
enrol_on_enrolled_state:q
cli_small_fixes:q
status_json_and_metrics:q
run_says_expired_certificate:
eab_required_and_accepted:D
enrol_dns01_with_hook:q
wait_timer_restarts_order:q
wait_timer_max_orders_1_gives_up:q
revoke_with_account_and_cert_key:q
account_lifecycle:q
chains_alternate_and_long:E
cut_pair_is_repaired:q
p384_and_mixed_identifiers:
enrol_tls_alpn01:q
enrol_uri_san:q
enrol_with_existing_cert_key:q
killed_order_is_resumed:q
deploy_hook_after_enrol_and_renew:q
run_stops_on_signal:q
run_renews_unattended:F
renew_after_wrong_clock:F
renew_killed_anywhere_keeps_a_pair:C
"

selected() { # NAME FLAGS
    if [ -n "$ONLY" ]; then
        case " $ONLY " in *" $1 "*) return 0 ;; *) return 1 ;; esac
    fi
    [ $QUICK = 0 ] && return 0
    case $2 in *q*) return 0 ;; esac
    return 1
}

run_test() { # NAME
    local name=$1 rc why
    T=$WORK/t.$name
    mkdir -p "$T"
    ( "test_$name" ) >"$T/.log" 2>&1
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
    case $TESTS in *"
$name:"*) ;; *) echo "FAIL - $name: no such test"; FAILED=$((FAILED + 1)) ;; esac
done
echo "# acme5g integration tests: $BIN$([ $QUICK = 1 ] && echo ' (quick)')"
# The other Pebble instances, started only when a selected test needs one
# (its letter in the flags): letter, what is special, environment.
NONCEREJECT=${ACME5G_NONCEREJECT:-30}
INSTANCES="
B|no IP SAN, nonce rejection $NONCEREJECT %|PEBBLE_WFE_NONCEREJECT=$NONCEREJECT
C|authorization reuse 100 %|PEBBLE_AUTHZREUSE=100 PEBBLE_WFE_NONCEREJECT=0
D|external account binding required|PEBBLE_EAB_KEYS={\"$EAB_KID\":\"$EAB_KEY\"} PEBBLE_WFE_NONCEREJECT=0
E|alternate root, long chains|PEBBLE_ALTERNATE_ROOTS=1 PEBBLE_CHAIN_LENGTH=4 PEBBLE_WFE_NONCEREJECT=0
F|certificates live 60 s|PEBBLE_CERT_VALIDITY=60 PEBBLE_WFE_NONCEREJECT=0
G|authorization reuse off|PEBBLE_AUTHZREUSE=0 PEBBLE_WFE_NONCEREJECT=0
"

# start_instance L DESC ENV: start instance L (state "started" or "failed"
# in INSTANCE_L) and keep its addresses as L_DIR_URL, L_CA, ...
start_instance() {
    local l=$1 desc=$2 env=$3 san="" kv ok=0 v
    [ "$l" = B ] && san=DNS:localhost
    # the environment holds no blanks inside a value; it is Pebble's only
    for kv in $env; do export "${kv?}"; done
    # shellcheck disable=SC2086
    pebble_start "$WORK/pebble-$l" $san && ok=1
    for kv in $env; do unset "${kv%%=*}"; done
    if [ $ok = 0 ]; then
        eval "INSTANCE_$l=failed"
        echo "FAIL - pebble_start: Pebble $l did not start (see above)"
        FAILED=$((FAILED + 1))
        return 1
    fi
    for v in DIR_URL IP_DIR_URL CA ROOT HTTP_PORT MGMT; do
        eval "${l}_$v=\$PEBBLE_$v"
    done
    eval "${l}_LOG=\$WORK/pebble-$l/pebble.log"
    eval "INSTANCE_$l=started"
    eval "echo \"# Pebble $l: \${${l}_DIR_URL} ($desc)\""
}

# Instance A (always: its CA is used by the usage tests too).
if pebble_start "$WORK/pebble-a"; then
    A_DIR_URL=$PEBBLE_DIR_URL A_IP_DIR_URL=$PEBBLE_IP_DIR_URL A_CA=$PEBBLE_CA
    A_ROOT=$PEBBLE_ROOT A_HTTP_PORT=$PEBBLE_HTTP_PORT A_CTS_MGMT=$PEBBLE_CHALLTESTSRV_MGMT
    A_MGMT=$PEBBLE_MGMT A_TLS_PORT=$PEBBLE_TLS_PORT
    echo "# Pebble A: $A_DIR_URL (http-01 port $A_HTTP_PORT)"
else
    echo "FAIL - pebble_start: Pebble did not start (see above)"
    echo "$PASSED passed, $((FAILED + 1)) failed"
    exit 1
fi
while IFS='|' read -r l desc env; do
    [ -n "$l" ] || continue
    for entry in $TESTS; do
        if selected "${entry%%:*}" "${entry#*:}"; then
            case ${entry#*:} in *"$l"*) start_instance "$l" "$desc" "$env"; break ;; esac
        fi
    done
done <<EOF_INSTANCES
$INSTANCES
EOF_INSTANCES

for entry in $TESTS; do
    name=${entry%%:*}
    selected "$name" "${entry#*:}" || continue
    missing=""
    for l in B C D E F G; do
        case ${entry#*:} in
        *"$l"*) [ "$(eval "echo \${INSTANCE_$l:-}")" = started ] || missing=$l ;;
        esac
    done
    if [ -n "$missing" ]; then
        echo "FAIL - $name: no Pebble $missing"
        FAILED=$((FAILED + 1))
        continue
    fi
    run_test "$name"
done

echo "$PASSED passed, $FAILED failed"
[ $FAILED = 0 ]
