# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/pebble.sh -- start and stop a throwaway Pebble (ACME test server) on
# loopback.  Source it from bash; it defines functions only.
#
#   pebble_start DIR [SAN]   start Pebble + pebble-challtestsrv, files in DIR
#   pebble_stop [DIR]        stop the instance started in DIR (default: the
#                            last one started)
#   pebble_stop_all          stop every instance this shell started
#   pebble_make_ca DIR NAME  make a throwaway EC P-256 CA: DIR/NAME.pem/.key
#   pebble_get HOSTPORT PATH CAFILE [SNI]   HTTPS GET, body on stdout
#
# SAN is the subjectAltName of Pebble's listener certificate, default
# "DNS:localhost,IP:127.0.0.1,IP:::1".  After pebble_start these are
# exported (and describe the instance just started):
#
#   PEBBLE_DIR_URL     https://localhost:P/dir
#   PEBBLE_IP_DIR_URL  https://127.0.0.1:P/dir
#   PEBBLE_CA          CA (PEM) that signed the listener certificate
#   PEBBLE_ROOT        Pebble's issuing root (PEM), fetched after the start
#   PEBBLE_INTERMEDIATE  Pebble's intermediate (PEM)
#   PEBBLE_PORT        ACME listener port P
#   PEBBLE_MGMT        management address 127.0.0.1:M
#   PEBBLE_HTTP_PORT   port the validator connects to for http-01
#   PEBBLE_TLS_PORT    port the validator connects to for tls-alpn-01
#   PEBBLE_DNS         challtestsrv DNS address 127.0.0.1:D
#   PEBBLE_CHALLTESTSRV_MGMT  challtestsrv management address 127.0.0.1:C
#   PEBBLE_PID, CHALLTESTSRV_PID
#
# PEBBLE_BIN chooses the Pebble binary (default: pebble from PATH), e.g.
# build/nf/bin/pebble, the NF-profile Pebble of tests/nf/build-pebble.sh.
# Pebble runs with PEBBLE_VA_NOSLEEP=1 and inherits every other PEBBLE_*
# variable of the caller (e.g. PEBBLE_WFE_NONCEREJECT=50).
# PEBBLE_CERT_VALIDITY=N (seconds) sets the config's
# certificateValidityPeriod: certificates then live N seconds (notAfter =
# notBefore + N - 1); unset or 0: Pebble's default of 5 years.  Every name
# resolves to 127.0.0.1 (challtestsrv -defaultIPv4, no AAAA), so http-01
# validation connects to 127.0.0.1:PEBBLE_HTTP_PORT.  Logs: DIR/pebble.log,
# DIR/challtestsrv.log.  Callers should `trap pebble_stop_all EXIT`.

PEBBLE__USED_PORTS=" "
PEBBLE__DIRS=""

# True when nothing listens on TCP (and UDP with "u") port $1.
pebble__port_free() {
    local port=$1 proto=${2:-t}
    [ -z "$(ss -Hln"$proto" "sport = :$port" 2>/dev/null)" ]
}

# pebble__pick_port VAR: set VAR to a port in 20000..59999 that is free on
# TCP and UDP and was not handed out before by this shell.  (No command
# substitution: the list of ports handed out must survive.)
pebble__pick_port() {
    local pebble__var=$1 pebble__port pebble__tries=0
    while [ $pebble__tries -lt 200 ]; do
        pebble__tries=$((pebble__tries + 1))
        pebble__port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        case $PEBBLE__USED_PORTS in *" $pebble__port "*) continue ;; esac
        if pebble__port_free "$pebble__port" t && pebble__port_free "$pebble__port" u; then
            PEBBLE__USED_PORTS="$PEBBLE__USED_PORTS$pebble__port "
            printf -v "$pebble__var" '%s' "$pebble__port"
            return 0
        fi
    done
    echo "pebble.sh: no free port found" >&2
    return 1
}

# pebble_make_ca DIR NAME: DIR/NAME.key + DIR/NAME.pem, a self-signed EC
# P-256 CA valid for 2 days.
pebble_make_ca() {
    local dir=$1 name=$2
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$dir/$name.key" 2>/dev/null &&
    openssl req -x509 -new -key "$dir/$name.key" -sha256 -days 2 \
        -subj "/O=acme5g tests/CN=$name $RANDOM$RANDOM" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$dir/$name.pem" 2>/dev/null
}

# pebble__make_leaf DIR NAME CA SAN: DIR/NAME.key + DIR/NAME.pem signed by
# DIR/CA.{pem,key} for a TLS server with the given subjectAltName.
pebble__make_leaf() {
    local dir=$1 name=$2 ca=$3 san=$4
    printf '%s\n' "subjectAltName=$san" "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
        >"$dir/$name.ext"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$dir/$name.key" 2>/dev/null &&
    openssl req -new -key "$dir/$name.key" -subj "/CN=localhost" \
        -out "$dir/$name.csr" 2>/dev/null &&
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.pem" \
        -CAkey "$dir/$ca.key" -set_serial "0x$(openssl rand -hex 8)" \
        -days 2 -sha256 -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null
}

# pebble_get HOSTPORT PATH CAFILE [SNI]: GET https://HOSTPORT/PATH with the
# server certificate verified against CAFILE; print the body.  Fails unless
# the status is 200.  Uses openssl s_client (no curl needed); HTTP/1.0 so the
# server closes the connection and sends no chunked body.
pebble_get() {
    local hostport=$1 path=$2 ca=$3 sni=${4:-localhost} resp
    resp=$(printf 'GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: acme5g-tests\r\n\r\n' \
        "$path" "$hostport" |
        timeout 10 openssl s_client -quiet -connect "$hostport" \
            -servername "$sni" -CAfile "$ca" -verify_return_error 2>/dev/null) ||
        return 1
    case $resp in "HTTP/1."?" 200 "*) ;; *) return 1 ;; esac
    printf '%s\n' "$resp" | tr -d '\r' | sed '1,/^$/d'
}

# pebble_start DIR [SAN]
pebble_start() {
    local dir=$1 san=${2:-DNS:localhost,IP:127.0.0.1,IP:::1}
    local p m h t d c i bin=${PEBBLE_BIN:-pebble}
    if ! command -v "$bin" >/dev/null || ! command -v pebble-challtestsrv >/dev/null; then
        echo "pebble.sh: $bin or pebble-challtestsrv not installed (tests/install-deps.sh test)" >&2
        return 1
    fi
    mkdir -p "$dir" || return 1
    dir=$(cd "$dir" && pwd) || return 1
    if ! pebble_make_ca "$dir" listener-ca ||
        ! pebble__make_leaf "$dir" listener listener-ca "$san"; then
        echo "pebble.sh: could not make the listener certificate in $dir" >&2
        return 1
    fi
    for i in p m h t d c; do pebble__pick_port "$i" || return 1; done
    # PEBBLE_EAB_KEYS='{"kid": "b64url-key"}' makes external account binding required
    local eab='"externalAccountBindingRequired": false'
    [ -n "${PEBBLE_EAB_KEYS:-}" ] &&
        eab="\"externalAccountBindingRequired\": true, \"externalAccountMACKeys\": $PEBBLE_EAB_KEYS"
    local validity=${PEBBLE_CERT_VALIDITY:-0}
    case $validity in
    '' | *[!0-9]*) echo "pebble.sh: PEBBLE_CERT_VALIDITY must be seconds, not '$validity'" >&2
        return 1 ;;
    esac
    cat >"$dir/pebble-config.json" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$p",
    "certificateValidityPeriod": $validity,
    "managementListenAddress": "127.0.0.1:$m",
    "certificate": "$dir/listener.pem",
    "privateKey": "$dir/listener.key",
    "httpPort": $h,
    "tlsPort": $t,
    "ocspResponderURL": "",
    $eab
  }
}
EOF
    pebble-challtestsrv -http01 "" -https01 "" -tlsalpn01 "" \
        -dns01 "127.0.0.1:$d" -management "127.0.0.1:$c" \
        -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
        </dev/null >"$dir/challtestsrv.log" 2>&1 &
    CHALLTESTSRV_PID=$!
    PEBBLE_VA_NOSLEEP=1 "$bin" -config "$dir/pebble-config.json" \
        -dnsserver "127.0.0.1:$d" </dev/null >"$dir/pebble.log" 2>&1 &
    PEBBLE_PID=$!
    echo "$PEBBLE_PID $CHALLTESTSRV_PID" >"$dir/pids"
    PEBBLE__DIRS="$PEBBLE__DIRS $dir"
    export PEBBLE_PID CHALLTESTSRV_PID

    # Wait until the directory answers (at most ~20 s).
    i=0
    while ! pebble_get "127.0.0.1:$p" /dir "$dir/listener-ca.pem" >"$dir/dir.json" ||
        ! grep -q newNonce "$dir/dir.json"; do
        i=$((i + 1))
        if [ $i -ge 80 ] || ! kill -0 "$PEBBLE_PID" 2>/dev/null ||
            ! kill -0 "$CHALLTESTSRV_PID" 2>/dev/null; then
            echo "pebble.sh: Pebble did not come up on 127.0.0.1:$p; log:" >&2
            tail -n 20 "$dir/pebble.log" "$dir/challtestsrv.log" >&2
            pebble_stop "$dir"
            return 1
        fi
        sleep 0.25
    done
    # Pebble makes new roots at every start: fetch them now.
    if ! pebble_get "127.0.0.1:$m" /roots/0 "$dir/listener-ca.pem" >"$dir/pebble-root.pem" ||
        ! pebble_get "127.0.0.1:$m" /intermediates/0 "$dir/listener-ca.pem" \
            >"$dir/pebble-intermediate.pem" ||
        ! grep -q 'BEGIN CERTIFICATE' "$dir/pebble-root.pem"; then
        echo "pebble.sh: could not fetch Pebble's root from 127.0.0.1:$m" >&2
        pebble_stop "$dir"
        return 1
    fi

    export PEBBLE_DIR_URL="https://localhost:$p/dir"
    export PEBBLE_IP_DIR_URL="https://127.0.0.1:$p/dir"
    export PEBBLE_CA="$dir/listener-ca.pem"
    export PEBBLE_ROOT="$dir/pebble-root.pem"
    export PEBBLE_INTERMEDIATE="$dir/pebble-intermediate.pem"
    export PEBBLE_PORT="$p"
    export PEBBLE_MGMT="127.0.0.1:$m"
    export PEBBLE_HTTP_PORT="$h"
    export PEBBLE_TLS_PORT="$t"
    export PEBBLE_DNS="127.0.0.1:$d"
    export PEBBLE_CHALLTESTSRV_MGMT="127.0.0.1:$c"
    return 0
}

# pebble__kill PID...: SIGTERM, wait up to 5 s, then SIGKILL; reap children.
pebble__kill() {
    local pid i alive
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
    for i in $(seq 1 50); do
        alive=0
        for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for pid in "$@"; do
        if kill -0 "$pid" 2>/dev/null; then
            echo "pebble.sh: pid $pid ignored SIGTERM; sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
    done
    return 0
}

# pebble_stop [DIR]: stop the instance started in DIR (default: the last).
pebble_stop() {
    local dir=${1:-} pids rest d
    if [ -z "$dir" ]; then
        for d in $PEBBLE__DIRS; do dir=$d; done
    fi
    [ -n "$dir" ] || return 0
    dir=$(cd "$dir" 2>/dev/null && pwd) || return 0
    if [ -f "$dir/pids" ]; then
        read -r pids <"$dir/pids"
        # shellcheck disable=SC2086 # two pids, split on purpose
        pebble__kill $pids
        rm -f "$dir/pids"
    fi
    rest=""
    for d in $PEBBLE__DIRS; do [ "$d" = "$dir" ] || rest="$rest $d"; done
    PEBBLE__DIRS=$rest
    return 0
}

# pebble_stop_all: stop every instance started by this shell.
pebble_stop_all() {
    local d
    for d in $PEBBLE__DIRS; do pebble_stop "$d"; done
    return 0
}
