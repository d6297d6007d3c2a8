# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/shared-env.sh -- a throwaway shared ACME client (build/acme5g-shared)
# with its certificates, for tests/shared.sh and tests/bench-shared.sh.
# Source it from bash after tests/pebble.sh and pebble_start (it uses
# PEBBLE_CA, PEBBLE_DIR_URL, PEBBLE_CHALLTESTSRV_MGMT); it defines functions.
#
#   shared_pki DIR N      throwaway CAs made by openssl, in DIR:
#                           bootca   the operator's bootstrap CA (NF client
#                                    certificates), EC P-256
#                           otherca  another CA (a client certificate that
#                                    the shared client must not trust)
#                           coreca   the CA of the shared client's server
#                                    certificate (srv: DNS:localhost,
#                                    IP:127.0.0.1)
#                         and N NFs nf0..nf(N-1): DIR/nfI.key, DIR/nfI.pem
#                         (bootca, URI SAN urn:uuid:...), NF_UUID[I], and
#                         DIR/policy: "urn:uuid:... nfI.5gc.test
#                         nfI-b.5gc.test" per NF.
#   shared_nf_cert DIR NAME CA URI   DIR/NAME.key + DIR/NAME.pem, a TLS client
#                         certificate issued by DIR/CA with subjectAltName=URI
#   shared_start DIR ARG...   start the daemon on a free port with DIR's
#                         certificates and policy, state DIR/state, log
#                         DIR/daemon.log, the dns-01 hook of tests/dns-hook.sh
#                         (lines in DIR/dns-hook.log; an "add" sleeps the
#                         seconds written in DIR/hook-delay); extra ARGs are passed
#                         on.  Sets SHARED_PORT, SHARED_PID, SHARED_URL,
#                         SHARED_STATE.
#   shared_stop           SIGTERM the daemon started by shared_start, wait.
#   shared_name I         the first DNS name NF I may have (nfI.5gc.test)

SHARED_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED_BIN=${ACME5G_SHARED_BIN:-$SHARED_ROOT/build/acme5g-shared}
declare -a NF_UUID=()

shared_name() { echo "nf$1.5gc.test"; }

# shared_nf_cert DIR NAME CA URI
shared_nf_cert() {
    local dir=$1 name=$2 ca=$3 uri=$4
    printf '%s\n' "subjectAltName=$uri" "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" \
        >"$dir/$name.ext"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$dir/$name.key" 2>/dev/null &&
        openssl req -new -key "$dir/$name.key" -subj "/CN=$name" \
            -out "$dir/$name.csr" 2>/dev/null &&
        openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.pem" -CAkey "$dir/$ca.key" \
            -set_serial "0x$(openssl rand -hex 8)" -days 2 -sha256 \
            -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null &&
        rm -f "$dir/$name.csr" "$dir/$name.ext"
}

# shared_pki DIR N
shared_pki() {
    local dir=$1 n=$2 i
    mkdir -p "$dir" || return 1
    pebble_make_ca "$dir" bootca && pebble_make_ca "$dir" otherca &&
        pebble_make_ca "$dir" coreca &&
        pebble__make_leaf "$dir" srv coreca "DNS:localhost,IP:127.0.0.1" || {
        echo "shared-env: could not make the CAs in $dir" >&2
        return 1
    }
    : >"$dir/policy"
    echo "# identity (URI SAN of the NF's bootstrap certificate)  allowed names" >>"$dir/policy"
    for ((i = 0; i < n; i++)); do
        NF_UUID[i]=$(cat /proc/sys/kernel/random/uuid)
        echo "urn:uuid:${NF_UUID[i]} $(shared_name "$i") nf$i-b.5gc.test" >>"$dir/policy"
    done
    # the NF certificates, 8 at a time (wait for these pids only: the
    # caller's Pebble runs in the background too)
    local pids=()
    for ((i = 0; i < n; i++)); do
        shared_nf_cert "$dir" "nf$i" bootca "URI:urn:uuid:${NF_UUID[i]}" &
        pids+=($!)
        if ((${#pids[@]} == 8)); then
            wait "${pids[@]}"
            pids=()
        fi
    done
    [ ${#pids[@]} = 0 ] || wait "${pids[@]}"
    for ((i = 0; i < n; i++)); do
        [ -s "$dir/nf$i.pem" ] || {
            echo "shared-env: could not make the certificate of nf$i" >&2
            return 1
        }
    done
    return 0
}

# shared_start DIR ARG...
# shellcheck disable=SC2153 # SHARED_PORT is set by pebble__pick_port
shared_start() {
    local dir=$1 i
    shift
    [ -x "$SHARED_BIN" ] || {
        echo "shared-env: $SHARED_BIN missing (make)" >&2
        return 1
    }
    pebble__pick_port SHARED_PORT || return 1
    SHARED_STATE=$dir/state
    : >"$dir/dns-hook.log"
    DNS_HOOK_LOG=$dir/dns-hook.log DNS_HOOK_DELAY_FILE=$dir/hook-delay "$SHARED_BIN" --listen "$SHARED_PORT" \
        --cert "$dir/srv.pem" --key "$dir/srv.key" --nf-ca "$dir/bootca.pem" \
        --policy "$dir/policy" --directory "$PEBBLE_DIR_URL" --ca "$PEBBLE_CA" \
        --state "$SHARED_STATE" --challenge dns-01 \
        --dns-hook "$SHARED_ROOT/tests/dns-hook.sh $PEBBLE_CHALLTESTSRV_MGMT" \
        "$@" </dev/null >"$dir/daemon.log" 2>&1 &
    SHARED_PID=$!
    # shellcheck disable=SC2034 # used by the sourcing script
    SHARED_URL="https://localhost:$SHARED_PORT/acme5g/v1/certificate"
    for ((i = 0; i < 100; i++)); do
        grep -qs 'listening on port' "$dir/daemon.log" && return 0
        kill -0 "$SHARED_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "shared-env: acme5g-shared did not start; log:" >&2
    tail -n 20 "$dir/daemon.log" >&2
    shared_stop
    return 1
}

shared_stop() {
    [ -n "${SHARED_PID:-}" ] || return 0
    pebble__kill "$SHARED_PID"
    SHARED_PID=""
}
