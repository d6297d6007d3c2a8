#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/bench-shared.sh -- figures of the shared ACME client (issue 6), run
# by `make bench` after tests/bench.sh:
#
#   throughput   certificates per second through one build/acme5g-shared
#                against Pebble (PEBBLE_VA_NOSLEEP=1, PEBBLE_WFE_NONCEREJECT=0),
#                dns-01 through tests/dns-hook.sh: N NFs (default 50) running
#                `acme5g enrol --via`, 16 at a time (xargs -P16), each with
#                its own bootstrap certificate; then the same NFs renewing
#                (`renew --force`: accounts exist, Pebble reuses about half
#                of the valid authorizations); and, for comparison, the same
#                number of NFs enrolling directly (`acme5g enrol --directory
#                --challenge dns-01`), 16 at a time
#   memory       the daemon's memory while it serves 16 NFs at once: every
#                20 ms, the sum of VmRSS (/proc/PID/status) and of Pss
#                (/proc/PID/smaps_rollup: shared pages divided among the
#                processes sharing them) over the daemon and all its
#                descendants (a child per NF, the dns-01 hook's shells);
#                the peak, the peak while exactly 16 NF children ran, the
#                parent alone, and the largest single NF child
#   code size    the NF side on Cortex-M4: examples/firmware/firmware_main.c
#                linked as in `make cross` (arm-none-eabi-gcc -Os -mthumb,
#                --gc-sections, newlib-nano, BearSSL, the firmware's
#                acme5g_config.h) twice: calling acme5g_enrol() (direct ACME)
#                and calling acme5g_set_own_cert() + acme5g_enrol_via()
#                instead; flash by component (tests/mapsize.awk).  Skipped
#                when build/cross (make cross) is not there.
#
# It prints, it does not assert; exit 1 when an enrolment failed.  Files in
# build/bench-shared/.  Environment: BENCH_SHARED_N (NFs, default 50),
# BENCH_SHARED_P (at a time, default 16).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/pebble.sh
. "$ROOT/tests/pebble.sh"
# shellcheck source=tests/shared-env.sh
. "$ROOT/tests/shared-env.sh"

BIN=$ROOT/build/acme5g
N=${BENCH_SHARED_N:-50}
PAR=${BENCH_SHARED_P:-16}
WORK=$ROOT/build/bench-shared
SAMPLER_PID=""
FAILURES=0

cleanup() {
    [ -z "$SAMPLER_PID" ] || { kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null; }
    shared_stop
    pebble_stop_all
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { if (ms > 0) printf "%.1f", n * 1000 / ms; else print "?" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

# ---------------------------------------------------------------------------
# Cortex-M4 code size: the firmware example, direct ACME vs through the
# shared client.
# ---------------------------------------------------------------------------

m4_size() {
    # The example firmware is now the lwIP image on QEMU's board (make
    # firmware); its --via variant is not built here any more.
    echo
    echo "== NF side on Cortex-M4: see make size (the example firmware image)"
    return 0
    local out=$WORK/m4 cc=${M4_CC:-arm-none-eabi-gcc} v
    # as the Makefile's M4FLAGS, FW_CONF and FW_LDFLAGS
    local flags=(-std=c99 -Wall -Wextra -Wpedantic -Os -mcpu=cortex-m4 -mthumb
        -ffunction-sections -fdata-sections -DBR_USE_UNIX_TIME=0)
    local conf=(-Iexamples/firmware '-DACME5G_USER_CONFIG="acme5g_config.h"' -isystem build/cross/inc)
    # shellcheck disable=SC2054 # -Wl,--gc-sections is one argument
    local ld=(-T examples/firmware/cortex-m4.ld -nostartfiles --specs=nano.specs
        --specs=nosys.specs -Wl,--gc-sections)
    echo
    echo "== NF side on Cortex-M4: the firmware example (examples/firmware), flash by component"
    if ! command -v "$cc" >/dev/null 2>&1 || [ ! -f build/cross/bearssl-m4/libbearssl.a ] ||
        [ ! -f build/cross/inc/bearssl.h ]; then
        echo "   skipped: $cc or build/cross (make cross) missing"
        return 0
    fi
    mkdir -p "$out" || return 1
    cp examples/firmware/firmware_main.c "$out/direct.c"
    # the same firmware, enrolling through the shared client: its bootstrap
    # certificate and key as provisioned PEM strings, one POST of the CSR
    awk '
        /^static acme5g_ctx fw_ctx;/ {
            print "static const char fw_boot_pem[] = \"-----BEGIN CERTIFICATE-----\\n(bootstrap certificate)\\n-----END CERTIFICATE-----\\n\";"
            print "static const char fw_boot_key[] = \"-----BEGIN PRIVATE KEY-----\\n(its key)\\n-----END PRIVATE KEY-----\\n\";"
        }
        /err = acme5g_enrol\(&fw_ctx, &p\);/ {
            print "        err = acme5g_set_own_cert(&fw_ctx, fw_boot_pem, sizeof fw_boot_pem - 1, fw_boot_key, sizeof fw_boot_key - 1);"
            print "        if (!err)"
            print "            err = acme5g_enrol_via(&fw_ctx, &p);"
            next
        }
        /p.directory_url = "https:\/\/ca.5gc.example\/acme\/directory";/ {
            print "        p.directory_url = \"https://shared.5gc.example:8443/acme5g/v1/certificate\";"
            next
        }
        { print }' examples/firmware/firmware_main.c >"$out/via.c"
    grep -q acme5g_enrol_via "$out/via.c" || { echo "   the firmware example changed: cannot make the --via variant"; return 1; }
    if ! "$cc" "${flags[@]}" -Werror "${conf[@]}" -c acme5g.c -o "$out/acme5g.o" ||
        ! "$cc" "${flags[@]}" -Werror "${conf[@]}" -I. -c port/acme5g_baremetal.c \
            -o "$out/acme5g_baremetal.o"; then
        echo "   compile failed"
        return 1
    fi
    for v in direct via; do
        if ! "$cc" "${flags[@]}" -Werror "${conf[@]}" -I. -Iport -c "$out/$v.c" \
            -o "$out/firmware_main_$v.o" ||
            ! "$cc" "${flags[@]}" "${ld[@]}" "-Wl,-Map=$out/$v.map" -o "$out/$v.elf" \
                "$out/acme5g.o" "$out/acme5g_baremetal.o" "$out/firmware_main_$v.o" \
                build/cross/bearssl-m4/libbearssl.a; then
            echo "   $v: build failed"
            return 1
        fi
        # firmware_main.o is matched by mapsize.awk's component names
        sed -i "s#firmware_main_$v\\.o#firmware_main.o#g" "$out/$v.map"
        awk -f tests/mapsize.awk "$out/$v.map" >"$out/$v.size"
    done
    printf '   %-34s %12s %12s %12s\n' "flash (text + data), bytes" "acme5g_enrol" "enrol_via" "difference"
    awk '
        FNR == 1 { f++ }
        /^component/ || /^stack/ { next }
        {
            name = $0; sub(/  +[-0-9].*$/, "", name)
            n = split($0, a, " "); flash = a[n - 1]
            if (!(name in seen)) { order[++k] = name; seen[name] = 1 }
            v[f, name] = flash
        }
        END {
            for (i = 1; i <= k; i++)
                printf "   %-34s %12d %12d %+12d\n", order[i], v[1, order[i]], v[2, order[i]],
                    v[2, order[i]] - v[1, order[i]]
        }' "$out/direct.size" "$out/via.size"
    echo "   (same config, port and start-up; --gc-sections keeps what each main reaches. enrol_via:"
    echo "    the CSR, one HTTPS POST over the same TLS client (plus its client certificate) and the"
    echo "    chain check. acme5g_enrol adds JWS, nonces, orders, challenges and the responders; its"
    echo "    BearSSL share includes the full TLS server (br_ssl_server_init_full_ec: all suites, CBC,"
    echo "    3DES, ChaCha20, CCM, Curve25519) that the tls-alpn-01 responder links in.)"
    M4_DIRECT=$(awk '$1 == "total" { print $(NF - 1) }' "$out/direct.size")
    M4_VIA=$(awk '$1 == "total" { print $(NF - 1) }' "$out/via.size")
    M4_LIB_DIRECT=$(awk '/^acme5g / { print $(NF - 1) }' "$out/direct.size")
    M4_LIB_VIA=$(awk '/^acme5g / { print $(NF - 1) }' "$out/via.size")
}

# ---------------------------------------------------------------------------
# Memory sampler: the daemon and its descendants.
# ---------------------------------------------------------------------------

# sample_tree PID: one line "children rss_kb pss_kb parent_rss_kb
# max_child_rss_kb children_rss_kb" (children: the daemon's own, one per NF;
# the rest of the descendants are the dns-01 hook's processes)
sample_tree() {
    local root=$1
    awk -v root="$root" '
        function readkv(file, key,    line, a) {
            while ((getline line < file) > 0)
                if (index(line, key) == 1) { split(line, a, " "); close(file); return a[2] + 0 }
            close(file)
            return 0
        }
        BEGIN {
            cmd = "ls /proc"
            while ((cmd | getline p) > 0) {
                if (p !~ /^[0-9]+$/) continue
                f = "/proc/" p "/stat"
                if ((getline line < f) > 0) {
                    sub(/^.*\) /, "", line); split(line, a, " ")
                    ppid[p] = a[2]
                }
                close(f)
            }
            close(cmd)
            # descendants of root, by repeated passes
            inside[root] = 1; changed = 1
            while (changed) {
                changed = 0
                for (p in ppid) if (!(p in inside) && (ppid[p] in inside)) { inside[p] = 1; changed = 1 }
            }
            for (p in inside) {
                r = readkv("/proc/" p "/status", "VmRSS:")
                s = readkv("/proc/" p "/smaps_rollup", "Pss:")
                rss += r; pss += s
                if (p == root) parent = r
                else if (ppid[p] == root) { kids++; kidsum += r; if (r > maxkid) maxkid = r }
            }
            printf "%d %d %d %d %d %d\n", kids, rss, pss, parent, maxkid, kidsum
        }'
}

sampler() { # PID OUT
    while kill -0 "$1" 2>/dev/null; do
        sample_tree "$1" >>"$2"
        sleep 0.02
    done
}

# enrol_all TAG CMD...: N NFs, PAR at a time; "ms fails" on stdout.  CMD
# gets the NF number as its last argument.
run_all() {
    local tag=$1 t0 ms fails i
    shift
    mkdir -p "$WORK/$tag"
    t0=$(now_ms)
    for ((i = 0; i < N; i++)); do echo "$i"; done |
        xargs -P "$PAR" -I{} "$@" {}
    ms=$(($(now_ms) - t0))
    fails=0
    for ((i = 0; i < N; i++)); do
        [ "$(cat "$WORK/$tag/$i.rc" 2>/dev/null)" = 0 ] || fails=$((fails + 1))
    done
    echo "$ms $fails"
}

# One NF's command lines (run by xargs through bash -c).
nf_via() { # TAG I
    timeout -k 5 120 "$BIN" enrol --via "$SHARED_URL" --ca "$PKI/coreca.pem" \
        --client-cert "$PKI/nf$2.pem" --client-key "$PKI/nf$2.key" --state "$WORK/nf/$2" \
        --name "nf$2.5gc.test" >"$WORK/$1/$2.log" 2>&1
    echo $? >"$WORK/$1/$2.rc"
}
nf_renew() { # TAG I
    timeout -k 5 120 "$BIN" renew --state "$WORK/nf/$2" --force >"$WORK/$1/$2.log" 2>&1
    echo $? >"$WORK/$1/$2.rc"
}
nf_direct() { # TAG I
    timeout -k 5 120 "$BIN" enrol --directory "$PEBBLE_DIR_URL" --ca "$PEBBLE_CA" \
        --state "$WORK/direct/$2" --name "direct$2.5gc.test" --challenge dns-01 \
        --dns-hook "$ROOT/tests/dns-hook.sh $PEBBLE_CHALLTESTSRV_MGMT" >"$WORK/$1/$2.log" 2>&1
    echo $? >"$WORK/$1/$2.rc"
}
export -f nf_via nf_renew nf_direct
export BIN WORK PKI SHARED_URL PEBBLE_DIR_URL PEBBLE_CA PEBBLE_CHALLTESTSRV_MGMT ROOT

# ---------------------------------------------------------------------------

echo
echo "=== shared ACME client (issue 6): $N NFs, $PAR at a time"
for f in "$BIN" "$SHARED_BIN"; do
    [ -x "$f" ] || { echo "bench-shared: $f missing (make)" >&2; exit 1; }
done
rm -rf "$WORK"
mkdir -p "$WORK/nf" "$WORK/direct" || exit 1
PKI=$WORK/pki
export PKI
PEBBLE_WFE_NONCEREJECT=0 pebble_start "$WORK/pebble" || exit 1
export PEBBLE_DIR_URL PEBBLE_CA PEBBLE_CHALLTESTSRV_MGMT
shared_pki "$PKI" "$N" || exit 1
shared_start "$PKI" --max-children "$PAR" || exit 1
export SHARED_URL
sleep 0.2
sample_tree "$SHARED_PID" >"$WORK/idle.samples"

: >"$WORK/via.samples"
sampler "$SHARED_PID" "$WORK/via.samples" &
SAMPLER_PID=$!
read -r VIA_MS VIA_FAIL < <(run_all via bash -c 'nf_via via "$1"' _)
kill "$SAMPLER_PID" 2>/dev/null
wait "$SAMPLER_PID" 2>/dev/null
SAMPLER_PID=""
read -r REN_MS REN_FAIL < <(run_all renew bash -c 'nf_renew renew "$1"' _)
shared_stop
read -r DIR_MS DIR_FAIL < <(run_all direct bash -c 'nf_direct direct "$1"' _)

echo
printf '   %-58s %8s %10s %7s\n' "" "time" "certs/s" "failed"
printf '   %-58s %6s s %10s %7s\n' "through the shared client: enrol --via (new accounts)" \
    "$(awk -v m="$VIA_MS" 'BEGIN { printf "%.1f", m / 1000 }')" "$(rate "$N" "$VIA_MS")" "$VIA_FAIL"
printf '   %-58s %6s s %10s %7s\n' "through the shared client: renew --force (accounts kept)" \
    "$(awk -v m="$REN_MS" 'BEGIN { printf "%.1f", m / 1000 }')" "$(rate "$N" "$REN_MS")" "$REN_FAIL"
printf '   %-58s %6s s %10s %7s\n' "direct ACME from each NF: enrol --challenge dns-01" \
    "$(awk -v m="$DIR_MS" 'BEGIN { printf "%.1f", m / 1000 }')" "$(rate "$N" "$DIR_MS")" "$DIR_FAIL"
FAILURES=$((VIA_FAIL + REN_FAIL + DIR_FAIL))

read -r _ idle_rss idle_pss _ _ <"$WORK/idle.samples"
awk -v par="$PAR" '
    { n++; if ($2 > rss) rss = $2; if ($3 > pss) pss = $3; if ($1 > kids) kids = $1
      if ($5 > kid) kid = $5; if ($4 > parent) parent = $4
      if ($1 == par) { m++; if ($2 > rss16) { rss16 = $2; k16 = $6 } if ($3 > pss16) pss16 = $3 } }
    END { print n + 0, kids + 0, rss + 0, pss + 0, rss16 + 0, pss16 + 0, m + 0, kid + 0, parent + 0, k16 + 0 }' \
    "$WORK/via.samples" >"$WORK/via.summary"
read -r samples kids rss pss rss16 pss16 at16 kid parent k16 <"$WORK/via.summary"
echo
echo "   daemon memory during enrol --via ($samples samples every ~20 ms; daemon + descendants):"
echo "     idle daemon: VmRSS $(mib "$idle_rss"), Pss $(mib "$idle_pss")"
echo "     peak: $kids NF children; VmRSS sum $(mib "$rss"), Pss sum $(mib "$pss")"
if [ "$at16" -gt 0 ]; then
    echo "     with $PAR NF children ($at16 samples): VmRSS sum up to $(mib "$rss16") (the NF children"
    echo "       $(mib "$k16"), the parent and the dns-01 hook's shells the rest), Pss sum up to $(mib "$pss16")"
else
    echo "     never exactly $PAR NF children at a sample"
fi
echo "     largest NF child: VmRSS $(mib "$kid"); the parent: VmRSS $(mib "$parent")"
echo "     (VmRSS counts the pages a forked child shares with the parent once per process;"
echo "      Pss divides them among the sharers: the machine's real cost is near the Pss sum)"

M4_DIRECT="" M4_VIA="" M4_LIB_DIRECT="" M4_LIB_VIA=""
m4_size
echo
echo "=== shared client summary: $(rate "$N" "$VIA_MS") certificates/s through one shared client" \
    "($N NFs, $PAR at a time; direct ACME: $(rate "$N" "$DIR_MS")/s);" \
    "daemon at $PAR NFs: VmRSS sum $(mib "${rss16:-0}"), Pss sum $(mib "${pss16:-0}")"
if [ -n "$M4_DIRECT" ]; then
    echo "=== NF image on Cortex-M4: $M4_VIA B flash with enrol_via vs $M4_DIRECT B with acme5g_enrol" \
        "(acme5g itself: $M4_LIB_VIA vs $M4_LIB_DIRECT B)"
fi
if [ "$FAILURES" != 0 ]; then
    echo "bench-shared: $FAILURES enrolments failed (logs in build/bench-shared/)"
    exit 1
fi
exit 0
