#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/bench.sh -- `make bench`: acme5g next to uacme 1.7.4 (Debian), each
# enrolling one DNS name with a new account and a real http-01 validation
# against the same throwaway Pebble, measured the same way, in one run:
#
#   requests      HTTP requests Pebble received ("METHOD /path -> calling
#                 handler()" lines Pebble 2.4.0 logs per request), checked
#                 against the client's own debug log (-vvv)
#   connects      TCP connections to Pebble's ACME port: connect() calls to
#                 that port in `strace -f -e trace=connect` of the client
#   instructions  `valgrind --tool=callgrind --trace-children=no`, total Ir
#                 ("Collected"), the client process only
#   max RSS       `/usr/bin/time -v`, "Maximum resident set size"
#
# Each client runs three times (strace, time, callgrind), every time with a
# new account; requests are counted in every run.  uacme needs two commands
# (`new`, then `issue`): requests, connects and instructions are their sums,
# max RSS the larger of the two.  acme5g also enrols a second time into the
# same state directory (account reused): with the same name (Pebble reuses
# the valid authorization: PEBBLE_AUTHZREUSE=100, so the order is born
# ready) and with another name (new http-01 validation); then it renews
# that certificate (`renew --force`: the stored account, no newAccount, the
# authorization reused -- TR 33.776 solution #9's pre-authorized renewal).
# Pebble runs with PEBBLE_WFE_NONCEREJECT=0 (no random badNonce) and
# PEBBLE_VA_NOSLEEP=1.  Every connection is a full TLS handshake (Pebble's
# Go server offers BearSSL no session resumption), so connects = handshakes.
#
# Then build/stack-enrol (tests/stack-enrol.c): the peak stack of one
# enrolment, painted, with the port's calls on their own stack and not.
#
# Last, build/spread (tests/bench/spread.c): the renewal times of 10,000
# simulated NFs whose certificates were issued in the same second, under
# the default policy with several jitter windows.
#
# uacme 1.7.4 has no CA option and trusts only /etc/ssl/certs: it runs in a
# private mount namespace where a directory holding only Pebble's listener
# CA is bind-mounted over /etc/ssl/certs (the machine's store is untouched).
# Its hook (tests/bench/uacme-hook.sh) hands the http-01 token to this
# script, which has a second pebble-challtestsrv serve it on Pebble's http-01
# port; that one is stopped before acme5g (whose built-in responder needs the
# port) runs.
#
# The bench prints, it does not assert; it exits 1 when an enrolment failed
# (or a tool is missing), 0 otherwise.  Files (logs, states) stay in
# build/bench/.  Environment: ACME5G_BIN (default build/acme5g),
# BENCH_TIMEOUT (s per client run, default 120), NO_DEPS=1 (never apt-get).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/pebble.sh
. "$ROOT/tests/pebble.sh"

BIN=${ACME5G_BIN:-build/acme5g}
case $BIN in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
STATIC=$ROOT/build/acme5g-static
HOOK=$ROOT/tests/bench/uacme-hook.sh
WORK=$ROOT/build/bench
LIMIT=${BENCH_TIMEOUT:-120}
NAME=bench.acme5g.test
START=$(date +%s)

# ---------------------------------------------------------------------------
# Tools: install the Debian packages that are missing (as root, or through
# password-less sudo), apt-get update only when something is missing.
# ---------------------------------------------------------------------------

ensure_tools() {
    local pair cmd pkg missing="" as_root=""
    for pair in valgrind:valgrind strace:strace /usr/bin/time:time uacme:uacme \
        curl:curl pebble:pebble pebble-challtestsrv:pebble openssl:openssl \
        ss:iproute2 unshare:util-linux mount:mount timeout:coreutils; do
        cmd=${pair%%:*}
        pkg=${pair#*:}
        command -v "$cmd" >/dev/null 2>&1 && continue
        case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
    done
    [ -z "$missing" ] && return 0
    if [ -n "${NO_DEPS:-}" ]; then
        echo "bench: missing Debian packages:$missing (NO_DEPS is set)" >&2
        return 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "bench: not a Debian system; please install:$missing" >&2
        return 1
    fi
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            as_root="sudo -n"
        else
            echo "bench: missing Debian packages:$missing; as root run:" >&2
            echo "  apt-get update && apt-get install -y$missing" >&2
            return 1
        fi
    fi
    echo "bench: installing:$missing"
    # shellcheck disable=SC2086 # $as_root and $missing split on purpose
    if ! $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >/dev/null ||
        ! $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            -o Dpkg::Use-Pty=0 $missing </dev/null >/dev/null; then
        echo "bench: apt-get failed; still missing:$missing" >&2
        return 1
    fi
    return 0
}

ensure_tools || exit 1
if [ "${ACME5G_BIN:-}" = "" ]; then
    "${MAKE:-make}" --no-print-directory -s all || { echo "bench: build failed" >&2; exit 1; }
fi
[ -x "$BIN" ] || { echo "bench: $BIN is missing (make)" >&2; exit 1; }
[ -x "$HOOK" ] || { echo "bench: $HOOK is missing or not executable" >&2; exit 1; }

# Root (or a user namespace mapped to root) is needed for the bind mount.
if [ "$(id -u)" = 0 ]; then
    UNSHARE=(unshare -m --propagation private)
else
    UNSHARE=(unshare -r -m --propagation private)
fi

# ---------------------------------------------------------------------------
# Setup and cleanup
# ---------------------------------------------------------------------------

CTS_PID=""
HELPER_PID=""
stop_uacme_side() {
    if [ -n "$HELPER_PID" ]; then
        kill -TERM "$HELPER_PID" 2>/dev/null
        wait "$HELPER_PID" 2>/dev/null
        HELPER_PID=""
    fi
    if [ -n "$CTS_PID" ]; then
        kill -TERM "$CTS_PID" 2>/dev/null
        wait "$CTS_PID" 2>/dev/null
        CTS_PID=""
    fi
}
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    stop_uacme_side
    pebble_stop_all
    [ -n "${WALL_TMP:-}" ] && rm -rf "$WALL_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$WORK"
mkdir -p "$WORK/logs" || exit 1
LOG=$WORK/logs
# Measure a copy: a rebuild of $BIN during the bench must not change it.
cp "$BIN" "$WORK/acme5g" || exit 1
BIN=$WORK/acme5g

export PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=100
if ! pebble_start "$WORK/pebble"; then
    echo "bench: Pebble did not start" >&2
    exit 1
fi
PLOG=$WORK/pebble/pebble.log

# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------

declare -A REQ CREQ CONN RSS IR
FAILURES=""

# pebble_requests_since N: requests Pebble logged after line N of its log.
pebble_requests_since() {
    tail -n +"$(($1 + 1))" "$PLOG" | grep -c -- '-> calling handler()'
}

# measure ROW MODE TAG CLIENT ARG...: run one client command under the
# tool of MODE (trace | rss | cg) and add its figures to ROW.  CLIENT is
# acme5g or uacme (uacme runs inside the mount namespace).
measure() {
    local row=$1 mode=$2 tag=$3 client=$4 out mark rc n wrap
    shift 4
    out=$LOG/$row.$mode.$tag
    case $mode in
    trace) wrap=(strace -f -qq -e trace=connect -o "$out.strace") ;;
    rss) wrap=(/usr/bin/time -v -o "$out.time") ;;
    cg) wrap=(valgrind --tool=callgrind --trace-children=no
        --callgrind-out-file="$out.callgrind" --log-file="$out.valgrind") ;;
    esac
    mark=$(wc -l <"$PLOG")
    if [ "$client" = uacme ]; then
        # shellcheck disable=SC2016 # $0 and $@ belong to sh -c
        BENCH_HOOK_REQ=$HOOK_REQ BENCH_HOOK_ACK=$HOOK_ACK \
            timeout -k 5 "$LIMIT" "${UNSHARE[@]}" \
            sh -c 'mount --bind "$0" /etc/ssl/certs && exec "$@"' "$CERTS" \
            "${wrap[@]}" "$@" </dev/null >"$out.out" 2>"$out.err"
    else
        timeout -k 5 "$LIMIT" "${wrap[@]}" "$@" </dev/null >"$out.out" 2>"$out.err"
    fi
    rc=$?
    # Pebble logs when its handler starts; give a late line a moment.
    sleep 0.2
    n=$(pebble_requests_since "$mark")
    REQ[$row.$mode]=$((${REQ[$row.$mode]:-0} + n))
    if [ "$rc" != 0 ]; then
        FAILURES="$FAILURES  $row $mode $tag: exit $rc: $(tail -n 1 "$out.err")
"
        REQ[$row.fail]=1
        return 1
    fi
    case $mode in
    trace)
        n=$(grep -c "port=htons($PEBBLE_PORT)" "$out.strace")
        CONN[$row]=$((${CONN[$row]:-0} + n))
        if [ "$client" = uacme ]; then
            n=$(grep -cE '^uacme: acme_(get|post): url=' "$out.err")
        else
            n=$(grep -cE 'debug: (GET|HEAD|POST) https://' "$out.err")
        fi
        CREQ[$row]=$((${CREQ[$row]:-0} + n))
        ;;
    rss)
        n=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$out.time")
        [ "${n:-0}" -gt "${RSS[$row]:-0}" ] && RSS[$row]=$n
        ;;
    cg)
        n=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$out.valgrind" | tail -n 1)
        IR[$row]=$((${IR[$row]:-0} + ${n:-0}))
        ;;
    esac
    return 0
}

# Wall time, side by side: every run untraced, a new account each time,
# measured from inside the mount namespace for uacme (the unshare and the
# bind mount are not counted).  WALL[ROW.I] sums the commands of run I
# (uacme's enrolment is `new` + `issue`), WREQ[ROW.I] their requests as
# Pebble logged them.
WALL_RUNS=5
# The timed runs keep their state on tmpfs (/dev/shm) when there is one:
# uacme never calls fsync(), acme5g's POSIX port fsyncs every stored blob
# (file and directory) -- on a disk shared with other work that alone can
# double acme5g's wall time.  acme5g is also timed with its state on disk.
WALL_DIR=$WORK
if [ -d /dev/shm ] && [ -w /dev/shm ] && WALL_TMP=$(mktemp -d /dev/shm/acme5g-bench.XXXXXX); then
    WALL_DIR=$WALL_TMP
fi
declare -A WALL WREQ
# shellcheck disable=SC2016 # expanded by the inner bash
TIMER='f=$0; t0=$EPOCHREALTIME; "$@"; rc=$?; t1=$EPOCHREALTIME; echo "$t0 $t1" >"$f"; exit $rc'

# wall_run ROW I CLIENT ARG...: one run of a client command, timed.
wall_run() {
    local row=$1 i=$2 client=$3 out mark rc t
    shift 3
    out=$LOG/$row.wall.$i.$(( ${WREQ[$row.$i.n]:-0} + 1 ))
    WREQ[$row.$i.n]=$(( ${WREQ[$row.$i.n]:-0} + 1 ))
    mark=$(wc -l <"$PLOG")
    if [ "$client" = uacme ]; then
        # shellcheck disable=SC2016 # $0 and $@ belong to sh -c
        BENCH_HOOK_REQ=$HOOK_REQ BENCH_HOOK_ACK=$HOOK_ACK LC_ALL=C \
            timeout -k 5 "$LIMIT" "${UNSHARE[@]}" \
            sh -c 'mount --bind "$0" /etc/ssl/certs && exec "$@"' "$CERTS" \
            bash -c "$TIMER" "$out.t" "$@" </dev/null >"$out.out" 2>"$out.err"
    else
        LC_ALL=C timeout -k 5 "$LIMIT" bash -c "$TIMER" "$out.t" "$@" \
            </dev/null >"$out.out" 2>"$out.err"
    fi
    rc=$?
    sleep 0.2
    WREQ[$row.$i]=$(( ${WREQ[$row.$i]:-0} + $(pebble_requests_since "$mark") ))
    if [ "$rc" != 0 ] || [ ! -s "$out.t" ]; then
        FAILURES="$FAILURES  $row wall run $i: exit $rc: $(tail -n 1 "$out.err")
"
        WALL[$row.fail]=1
        return 1
    fi
    t=$(awk '{ printf "%.4f", $2 - $1 }' "$out.t")
    WALL[$row.$i]=$(awk -v a="${WALL[$row.$i]:-0}" -v b="$t" 'BEGIN { printf "%.4f", a + b }')
    return 0
}

# wall_median ROW: the median over the runs of ROW's wall time (s), or "".
wall_median() {
    local i v=()
    [ -n "${WALL[$1.fail]:-}" ] && return 0
    for i in $(seq 1 "$WALL_RUNS"); do v+=(${WALL[$1.$i]:+"${WALL[$1.$i]}"}); done
    [ ${#v[@]} -gt 0 ] || return 0
    printf '%s\n' "${v[@]}" | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'
}

# wall_requests ROW: the requests of ROW's runs, "10" when all agree, else "10-11".
wall_requests() {
    local i v=()
    for i in $(seq 1 "$WALL_RUNS"); do v+=(${WREQ[$1.$i]:+"${WREQ[$1.$i]}"}); done
    [ ${#v[@]} -gt 0 ] || { echo -; return 0; }
    printf '%s\n' "${v[@]}" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 }
        END { if (!NR) print "-"; else if (lo == hi) print lo; else print lo "-" hi }'
}

# pick_port VAR: a TCP port free now and not Pebble's.
pick_port() {
    local p
    for _ in $(seq 1 100); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        case " $PEBBLE_PORT ${PEBBLE_MGMT##*:} $PEBBLE_HTTP_PORT $PEBBLE_TLS_PORT ${PEBBLE_DNS##*:} ${PEBBLE_CHALLTESTSRV_MGMT##*:} " in
        *" $p "*) continue ;;
        esac
        if [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
            printf -v "$1" '%s' "$p"
            return 0
        fi
    done
    return 1
}

listening() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

# hook_helper: answer the uacme hook: "add|del TOKEN AUTH" lines on the
# request FIFO become challtestsrv management calls; "ok"/"fail" goes back.
hook_helper() {
    local op tok auth ans path body
    while :; do
        read -r op tok auth <"$HOOK_REQ" || continue
        case $op in
        add) path=add-http01 body="{\"token\":\"$tok\",\"content\":\"$auth\"}" ;;
        *) path=del-http01 body="{\"token\":\"$tok\"}" ;;
        esac
        ans=fail
        curl -sf -o /dev/null -X POST --data "$body" \
            "http://$CTS_MGMT/$path" && ans=ok
        echo "$op $tok $ans" >>"$LOG/hook-helper.log"
        echo "$ans" >"$HOOK_ACK"
    done
}

# ---------------------------------------------------------------------------
# uacme: new account + issue, three times
# ---------------------------------------------------------------------------

uacme_side() {
    local cm run
    CERTS=$WORK/uacme-trust
    if ! mkdir -p "$CERTS" || ! cp "$PEBBLE_CA" "$CERTS/ca-certificates.crt" ||
        ! openssl rehash "$CERTS" 2>/dev/null; then
        echo "bench: could not make the trust directory $CERTS" >&2
        return 1
    fi
    HOOK_REQ=$WORK/hook.req
    HOOK_ACK=$WORK/hook.ack
    mkfifo "$HOOK_REQ" "$HOOK_ACK" || return 1
    pick_port cm || { echo "bench: no free port" >&2; return 1; }
    CTS_MGMT=127.0.0.1:$cm
    pebble-challtestsrv -http01 "127.0.0.1:$PEBBLE_HTTP_PORT" -https01 "" \
        -tlsalpn01 "" -dns01 "" -management "$CTS_MGMT" \
        </dev/null >"$LOG/uacme-challtestsrv.log" 2>&1 &
    CTS_PID=$!
    for _ in $(seq 1 80); do
        listening "$cm" && listening "$PEBBLE_HTTP_PORT" && break
        sleep 0.1
    done
    if ! listening "$cm"; then
        echo "bench: pebble-challtestsrv for uacme did not start:" >&2
        tail -n 5 "$LOG/uacme-challtestsrv.log" >&2
        return 1
    fi
    hook_helper &
    HELPER_PID=$!

    # -t EC: P-256 account and certificate keys, as acme5g uses.
    for run in trace rss cg; do
        local v=() conf=$WORK/uacme-$run
        [ $run = trace ] && v=(-vvv)
        measure uacme $run new uacme uacme "${v[@]}" -c "$conf" -a "$PEBBLE_DIR_URL" \
            -t EC -y new &&
            measure uacme $run issue uacme uacme "${v[@]}" -c "$conf" -a "$PEBBLE_DIR_URL" \
                -t EC -h "$HOOK" issue "u-$run.$NAME"
    done
    # wall time: enrolment (new + issue), then the same name again with
    # -f (the authorization is reused: Pebble's order is born ready)
    for run in $(seq 1 "$WALL_RUNS"); do
        local conf=$WALL_DIR/uacme-wall$run
        wall_run uacme-enrol "$run" uacme uacme -c "$conf" -a "$PEBBLE_DIR_URL" -t EC -y new &&
            wall_run uacme-enrol "$run" uacme uacme -c "$conf" -a "$PEBBLE_DIR_URL" -t EC \
                -h "$HOOK" issue "uw$run.$NAME" &&
            wall_run uacme-renew "$run" uacme uacme -c "$conf" -a "$PEBBLE_DIR_URL" -t EC \
                -h "$HOOK" -f issue "uw$run.$NAME"
    done
    stop_uacme_side
    return 0
}

# ---------------------------------------------------------------------------
# acme5g: enrol (new account), then enrol again into the same state
# ---------------------------------------------------------------------------

acme5g_side() {
    local run v st args
    # challtestsrv of the uacme side must have let go of the http-01 port.
    for _ in $(seq 1 50); do
        listening "$PEBBLE_HTTP_PORT" || break
        sleep 0.1
    done
    for run in trace rss cg; do
        v=()
        [ $run = trace ] && v=(-vvv)
        st=$WORK/acme5g-$run
        args=(enrol --directory "$PEBBLE_DIR_URL" --ca "$PEBBLE_CA" --state "$st"
            --http-port "$PEBBLE_HTTP_PORT" "${v[@]}")
        measure acme5g $run enrol acme5g "$BIN" "${args[@]}" --name "a-$run.$NAME" &&
            measure acme5g2 $run enrol acme5g "$BIN" "${args[@]}" --name "a-$run.$NAME" --force &&
            measure acme5g3 $run enrol acme5g "$BIN" "${args[@]}" --name "b-$run.$NAME" --force &&
            measure acme5g4 $run renew acme5g "$BIN" renew --state "$st" --force "${v[@]}"
    done
    for run in $(seq 1 "$WALL_RUNS"); do
        st=$WALL_DIR/acme5g-wall$run
        wall_run acme5g-enrol "$run" acme5g "$BIN" enrol --directory "$PEBBLE_DIR_URL" \
            --ca "$PEBBLE_CA" --state "$st" --http-port "$PEBBLE_HTTP_PORT" --name "aw$run.$NAME" &&
            wall_run acme5g-renew "$run" acme5g "$BIN" renew --state "$st" --force
        [ "$WALL_DIR" = "$WORK" ] && continue
        st=$WORK/acme5g-walldisk$run
        wall_run acme5gdisk-enrol "$run" acme5g "$BIN" enrol --directory "$PEBBLE_DIR_URL" \
            --ca "$PEBBLE_CA" --state "$st" --http-port "$PEBBLE_HTTP_PORT" --name "ad$run.$NAME" &&
            wall_run acme5gdisk-renew "$run" acme5g "$BIN" renew --state "$st" --force
    done
}

echo "acme5g bench: acme5g $(git describe --always --dirty 2>/dev/null || echo '?')," \
    "uacme $(dpkg-query -W -f='${Version}' uacme 2>/dev/null)," \
    "pebble $(dpkg-query -W -f='${Version}' pebble 2>/dev/null)"
echo "Pebble at $PEBBLE_DIR_URL with PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=100" \
    "PEBBLE_VA_NOSLEEP=1"
uacme_side || FAILURES="$FAILURES  uacme: setup failed
"
acme5g_side

# Over a slow link (build/slowlink, tests/slowlink.c): the same Pebble, a
# fixed delay per TCP connect and per read that waits for the network.
slowlink_side() {
    if ! "${MAKE:-make}" --no-print-directory -s build/slowlink >"$LOG/slowlink-build.log" 2>&1; then
        FAILURES="$FAILURES  build/slowlink did not build (see $LOG/slowlink-build.log)
"
        return 1
    fi
    mkdir -p "$WORK/slowlink"
    if ! timeout -k 5 "$LIMIT" "$ROOT/build/slowlink" "$PEBBLE_DIR_URL" "$PEBBLE_CA" \
        "$PEBBLE_HTTP_PORT" "$WORK/slowlink" 0 50 300 >"$LOG/slowlink.txt" 2>&1; then
        FAILURES="$FAILURES  slowlink: $(grep -m1 FAILED "$LOG/slowlink.txt")
"
        return 1
    fi
}
slowlink_side

# The static musl CLI (make musl): stripped size, peak RSS of an enrolment
# (new account, http-01) and of its pre-authorized renewal.
MUSL_BIN=$ROOT/build/acme5g-musl
musl_side() {
    local st=$WORK/acme5g-musl run
    if ! "${MAKE:-make}" --no-print-directory -s musl >"$LOG/musl-build.log" 2>&1; then
        FAILURES="$FAILURES  make musl failed (see $LOG/musl-build.log)
"
        return 1
    fi
    for run in enrol renew; do
        local args=(renew --state "$st" --force)
        [ $run = enrol ] && args=(enrol --directory "$PEBBLE_DIR_URL" --ca "$PEBBLE_CA"
            --state "$st" --http-port "$PEBBLE_HTTP_PORT" --name "musl.$NAME")
        if ! timeout -k 5 "$LIMIT" /usr/bin/time -v -o "$LOG/musl-$run.time" "$MUSL_BIN" \
            "${args[@]}" </dev/null >"$LOG/musl-$run.out" 2>"$LOG/musl-$run.err"; then
            FAILURES="$FAILURES  musl $run: $(tail -n 1 "$LOG/musl-$run.err")
"
            return 1
        fi
    done
}
musl_side

# The peak stack of one enrolment (build/stack-enrol, tests/stack-enrol.c):
# acme5g_enrol() on a painted thread stack, against the same Pebble.
stack_side() {
    if ! "${MAKE:-make}" --no-print-directory -s build/stack-enrol >"$LOG/stack-build.log" 2>&1; then
        FAILURES="$FAILURES  build/stack-enrol did not build (see $LOG/stack-build.log)
"
        return 1
    fi
    if ! timeout -k 5 "$LIMIT" "$ROOT/build/stack-enrol" "$PEBBLE_DIR_URL" "$PEBBLE_CA" \
        "$WORK/stack" "stack.$NAME" "$PEBBLE_HTTP_PORT" >"$LOG/stack.txt" 2>&1; then
        FAILURES="$FAILURES  stack-enrol: $(tail -n 1 "$LOG/stack.txt")
"
        return 1
    fi
}
stack_side

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

# thousands NUMBER: 188123456 -> 188,123,456
thousands() { printf '%s' "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a";
        else printf "%.1fx", a / b }'
}
cell() { if [ -n "${1:-}" ]; then printf '%s' "$1"; else printf '%s' "-"; fi; }

ROWS="uacme acme5g acme5g2 acme5g3 acme5g4"
declare -A LABEL=(
    [uacme]="uacme 1.7.4: new + issue (sum)"
    [acme5g]="acme5g enrol (new account)"
    [acme5g2]="acme5g 2nd enrol, same name (authz reused)"
    [acme5g3]="acme5g 2nd enrol, other name (http-01)"
    [acme5g4]="acme5g renew --force, pre-authorized")

# Requests: Pebble's log; should a Pebble log nothing per request, the
# client's own log of the strace run.
declare -A REQUESTS
REQ_SOURCE="Pebble's log"
pebble_logged=0
for key in $ROWS; do
    [ "${REQ[$key.trace]:-0}" -gt 0 ] && pebble_logged=1
done
for key in $ROWS; do
    if [ $pebble_logged = 1 ]; then
        REQUESTS[$key]=${REQ[$key.trace]:-}
    else
        REQUESTS[$key]=${CREQ[$key]:-}
        REQ_SOURCE="the clients' -vvv logs (Pebble logged no requests)"
    fi
done

echo
echo "How: requests = HTTP requests to Pebble, from $REQ_SOURCE"
echo "  (Pebble 2.4.0 logs '<METHOD> <path> -> calling handler()' per request);"
echo "  connects = connect() calls to port $PEBBLE_PORT in strace -f -e trace=connect;"
echo "  instructions = callgrind total Ir ('Collected'), --trace-children=no;"
echo "  max RSS = /usr/bin/time -v.  Every run makes a new account; uacme sums"
echo "  'new' and 'issue' (max RSS: the larger), both with -t EC (P-256 keys)."
echo "Requests per run (strace / time / callgrind run), and the client's own log:"
for key in $ROWS; do
    printf '  %-44s %s / %s / %s, client log %s\n' "${LABEL[$key]}" \
        "$(cell "${REQ[$key.trace]:-}")" "$(cell "${REQ[$key.rss]:-}")" \
        "$(cell "${REQ[$key.cg]:-}")" "$(cell "${CREQ[$key]:-}")"
done
for key in $ROWS; do
    [ -n "${REQ[$key.fail]:-}" ] && continue
    r1=${REQ[$key.trace]:-} r2=${REQ[$key.rss]:-} r3=${REQ[$key.cg]:-}
    if [ -n "$r1$r2$r3" ] && { [ "$r1" != "$r2" ] || [ "$r1" != "$r3" ]; }; then
        echo "  (the counts differ between runs: a status poll raced Pebble's validator;"
        echo "  uacme polls the challenge at once and again 5 s later while it is pending)"
        break
    fi
done
if [ -f "$STATIC" ]; then
    strip -o "$WORK/acme5g-static.stripped" "$STATIC" 2>/dev/null
    echo "build/acme5g-static: $(stat -c %s "$STATIC") bytes," \
        "$(stat -c %s "$WORK/acme5g-static.stripped" 2>/dev/null || echo '?') stripped"
else
    echo "build/acme5g-static: not built (make static)"
fi
if [ -x "$MUSL_BIN" ]; then
    rss_of() { sed -n 's/.*Maximum resident set size (kbytes): *//p' "$LOG/musl-$1.time" 2>/dev/null; }
    echo "build/acme5g-musl (static, musl, -Os): $(stat -c %s "$MUSL_BIN") bytes stripped;" \
        "max RSS $(cell "$(rss_of enrol)") KiB for an enrolment," \
        "$(cell "$(rss_of renew)") KiB for its pre-authorized renewal"
else
    echo "build/acme5g-musl: not built (make musl)"
fi
echo "Logs and states: build/bench/ ($(($(date +%s) - START)) s in all)"

echo
printf '%-44s %8s %8s %15s %10s\n' "" requests connects instructions "max RSS"
for key in $ROWS; do
    label=${LABEL[$key]}
    [ -n "${REQ[$key.fail]:-}" ] && label="$label FAILED"
    ir=${IR[$key]:-}
    [ -n "$ir" ] && ir=$(thousands "$ir")
    rss=${RSS[$key]:-}
    [ -n "$rss" ] && rss=$(mib "$rss")
    printf '%-44s %8s %8s %15s %10s\n' "$label" "$(cell "${REQUESTS[$key]}")" \
        "$(cell "${CONN[$key]:-}")" "$(cell "$ir")" "$(cell "$rss")"
done
printf '%-44s %8s %8s %15s %10s\n' "ratio uacme / acme5g enrol" \
    "$(ratio "${REQUESTS[uacme]}" "${REQUESTS[acme5g]}")" \
    "$(ratio "${CONN[uacme]:-}" "${CONN[acme5g]:-}")" \
    "$(ratio "${IR[uacme]:-}" "${IR[acme5g]:-}")" \
    "$(ratio "${RSS[uacme]:-}" "${RSS[acme5g]:-}")"
printf '%-44s %8s %8s %15s %10s\n' "ratio acme5g enrol / pre-authorized renew" \
    "$(ratio "${REQUESTS[acme5g]}" "${REQUESTS[acme5g4]}")" \
    "$(ratio "${CONN[acme5g]:-}" "${CONN[acme5g4]:-}")" \
    "$(ratio "${IR[acme5g]:-}" "${IR[acme5g4]:-}")" \
    "$(ratio "${RSS[acme5g]:-}" "${RSS[acme5g4]:-}")"
echo "(connects = TLS handshakes: every connection is a full handshake)"

echo
echo "Wall time, median of $WALL_RUNS untraced runs (a new account each; the renewal is the same"
echo "name again, forced: Pebble reuses the authorization, the order is born ready); state"
echo "directories in $WALL_DIR:"
printf '  %-30s %22s %26s\n' "" "enrolment (requests)" "pre-authorized renewal"
for c in uacme acme5g acme5gdisk; do
    [ $c = acme5gdisk ] && [ "$WALL_DIR" = "$WORK" ] && continue
    e=$(wall_median $c-enrol) r=$(wall_median $c-renew)
    label="acme5g"
    [ $c = uacme ] && label="uacme 1.7.4 (new + issue)"
    [ $c = acme5gdisk ] && label="acme5g, state on disk (fsync)"
    printf '  %-30s %14s s (%5s) %16s s (%5s)\n' "$label" "$(cell "$e")" \
        "$(wall_requests $c-enrol)" "$(cell "$r")" "$(wall_requests $c-renew)"
done
wratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a";
        else printf "%.2fx", a / b }'
}
printf '  %-30s %22s %26s\n' "acme5g / uacme (same place)" \
    "$(wratio "$(wall_median acme5g-enrol)" "$(wall_median uacme-enrol)")" \
    "$(wratio "$(wall_median acme5g-renew)" "$(wall_median uacme-renew)")"

if [ -s "$LOG/slowlink.txt" ]; then
    echo
    echo "Over a slow link (build/slowlink: the round trip added to every TCP connect and to every"
    echo "read that waits for the server; round trips = connects + those reads = requests + TCP"
    echo "handshakes + 2 flights per full TLS handshake; the validator's own connections to the"
    echo "http-01 responder are not delayed, so a real enrolment adds its round trips):"
    sed 's/^/  /' "$LOG/slowlink.txt"
fi

if [ -s "$LOG/stack.txt" ]; then
    echo
    echo "Peak stack of one enrolment (build/stack-enrol: painted thread stack, $(uname -m)," \
        "the build's CFLAGS; two enrolments, new account each):"
    sed -n 's/^# stack-enrol: /  /p' "$LOG/stack.txt"
fi

echo
if "${MAKE:-make}" --no-print-directory -s build/spread >"$LOG/spread-build.log" 2>&1; then
    build/spread 10000 | tee "$LOG/spread.txt" || FAILURES="$FAILURES  build/spread failed
"
else
    FAILURES="$FAILURES  build/spread did not build (see $LOG/spread-build.log)
"
fi

if [ -n "$FAILURES" ]; then
    echo
    echo "bench: enrolments failed (logs in build/bench/logs):"
    printf '%s' "$FAILURES"
    exit 1
fi
exit 0
