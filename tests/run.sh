#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/run.sh -- everything `make test` runs, in order:
#
#   deps         tests/install-deps.sh test
#   build        every binary the tests need (one line per target)
#   check        make check: strict C99 with gcc and clang, no heap, prefixes,
#                config ranges, feature switches, SPDX lines, C++ (g++, clang++)
#   readme       the C example in README.md compiles
#   unit         build/unit
#   unit-min     build/unit-min (minimal config values)
#   unit-asan    build/unit-asan (clang ASan + UBSan)
#   policy       build/policy: the renewal policy, table-driven, fake clock
#                (public API only; ASan + UBSan)
#   baremetal    tests/baremetal.sh: port/acme5g_baremetal.c over a RAM-backed
#                NOR flash (build/baremetal, and with ASan + UBSan), the
#                firmware store tool build/fw-store, and enrolment, renewal
#                and a power cut at every flash operation of a renewal
#                against Pebble over the port's slots (build/baremetal-enrol)
#   valgrind     build/unit under valgrind memcheck
#   integration  tests/integration.sh with build/acme5g against Pebble
#   integration-asan  tests/integration.sh --quick with build/acme5g-asan
#   shared       tests/shared.sh: the shared ACME client (build/acme5g-shared)
#                and acme5g enrol --via against Pebble, dns-01; refusals,
#                50 NFs at once, silent NFs, renewal
#   nf-server    tests/nf/server.sh: the NF profile's server side (Pebble
#                extended by tests/nf/pebble-nf.patch, built from Debian's
#                source package; the Token Authority fixture) checked by a
#                Go probe client
#   nf-client    tests/nf/client.sh: acme5g's NF profile (TS 33.310 Annex J:
#                NfInstanceId, tkauth-01, pre-authorization) against it
#   nf-client-asan  the same with build/acme5g-asan
#   hostile      build/hostile: hostile-server cases (tests/hostile.c)
#   hostile-asan build/hostile-asan (clang ASan + UBSan)
#   fuzz-replay  tests/fuzz-replay.sh: the fuzz corpora through gcc ASan builds
#   faults       tests/faults.sh: storage write/cut and recv faults at every
#                point of an enrolment and a renewal against Pebble
#   hygiene      tests/hygiene.sh: key files 0600 from creation (strace),
#                state directory permissions
#   valgrind-cli tests/valgrind-cli.sh: the CLI's enrolment and renewal
#                against Pebble under valgrind (no error, no leak)
#   lint         tests/lint.sh: cppcheck and clang-tidy on acme5g.c and port/
#   cross        tests/cross.sh: make cross (installs the cross tool chains,
#                builds BearSSL once), the aarch64 CLI against Pebble under
#                qemu-aarch64, the Cortex-M4 image's checks, tests/unit.c
#                built for Cortex-M4 under qemu-arm (tests/unit-m4.sh)
#   firmware-board  tests/firmware-board.sh: the emulated board under the
#                firmware image (QEMU mps2-an386): lwIP + LAN9118 driver
#                (DHCP, TCP out through guestfwd, in through hostfwd), the
#                NOR flash emulation, semihosting exit status
#   firmware     tests/firmware.sh: the example firmware on QEMU mps2-an386
#                (lwIP, LAN9118) enrols and renews against Pebble, power
#                cuts during renewals, failures on the UART
#   musl         tests/musl.sh: make musl (static CLI with musl, BearSSL
#                built once), static and small, enrols against Pebble
#
# Each component's output is shown as it runs; its last
# "N passed, N failed" line is added to the total (a component that exits
# non-zero without failures in that line counts one more failure; one
# without such a line counts as 1 failed).  The last line is the total;
# exit 1 when anything failed.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
MAKE=${MAKE:-make}
LOGDIR=$ROOT/build/test-logs
mkdir -p "$LOGDIR" || exit 1

TOTAL_PASSED=0
TOTAL_FAILED=0
SUMMARY=""
START=$(date +%s)

# component NAME TIMEOUT_S COMMAND...
component() {
    local name=$1 limit=$2 rc line p f t0
    shift 2
    t0=$(date +%s)
    echo
    echo "=== $name: $*"
    # bash -c so that the functions below (exported) can be components too
    timeout -k 10 "$limit" bash -c '"$@"' "$name" "$@" </dev/null 2>&1 |
        tee "$LOGDIR/$name.log"
    rc=${PIPESTATUS[0]}
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOGDIR/$name.log" | tail -n 1)
    if [ -n "$line" ]; then
        p=${line%% passed*}
        f=${line#*, }
        f=${f%% failed}
    else
        p=0
        f=0
    fi
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1
        if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
            echo "FAIL - $name: no result within $limit s"
        else
            echo "FAIL - $name: exited with status $rc"
        fi
    fi
    TOTAL_PASSED=$((TOTAL_PASSED + p))
    TOTAL_FAILED=$((TOTAL_FAILED + f))
    SUMMARY="$SUMMARY$(printf '%-18s %4s passed, %3s failed  (%s s)' "$name" "$p" "$f" \
        "$(($(date +%s) - t0))")
"
}

# The builds, one "ok/FAIL - build TARGET" line each.
build_all() {
    local pass=0 fail=0 target
    for target in all static build/unit build/unit-min build/unit-asan build/acme5g-asan \
        build/policy; do
        if "$MAKE" --no-print-directory "$target"; then
            echo "ok - build $target"
            pass=$((pass + 1))
        else
            echo "FAIL - build $target"
            fail=$((fail + 1))
        fi
    done
    if [ -f build/acme5g-static ] && ! readelf -d build/acme5g-static 2>/dev/null | grep -q NEEDED; then
        echo "ok - build/acme5g-static has no shared library dependencies"
        pass=$((pass + 1))
    else
        echo "FAIL - build/acme5g-static missing or dynamically linked"
        fail=$((fail + 1))
    fi
    echo "$pass passed, $fail failed"
    [ $fail = 0 ]
}

# The first ```c block of README.md compiles against acme5g.h and the port.
readme_example() {
    local src n=0 failed=0
    if [ ! -f README.md ]; then
        echo "FAIL - readme example: README.md missing"
        echo "0 passed, 1 failed"
        return 1
    fi
    rm -f build/readme-example-*.c
    # every ```c block into build/readme-example-N.c
    awk '/^```c[[:space:]]*$/ { on = 1; n++; next } on && /^```/ { on = 0; next }
         on { print > ("build/readme-example-" n ".c") }' README.md
    for src in build/readme-example-*.c; do
        [ -s "$src" ] || continue
        n=$((n + 1))
        if ${CC:-cc} -std=c99 -Wall -Wextra -Wpedantic -Werror -Wno-unused-function \
            -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. -Iport -c "$src" -o "${src%.c}.o"; then
            echo "ok - readme example $src compiles"
        else
            echo "FAIL - readme example $src does not compile"
            failed=$((failed + 1))
        fi
    done
    if [ "$n" = 0 ]; then
        echo "FAIL - readme example: no \`\`\`c block in README.md"
        echo "0 passed, 1 failed"
        return 1
    fi
    echo "$((n - failed)) passed, $failed failed"
    [ "$failed" = 0 ]
}

# run_bin [valgrind OPTIONS...] PATH: a test binary, which fails clearly
# when missing (PATH is the last argument).
run_bin() {
    local bin=${!#}
    if [ ! -x "$bin" ]; then
        echo "FAIL - $bin not built"
        echo "0 passed, 1 failed"
        return 1
    fi
    "$@"
}

# build/unit under valgrind memcheck: any error fails (exit 99).
run_valgrind() {
    if ! command -v valgrind >/dev/null; then
        echo "FAIL - valgrind not installed"
        echo "0 passed, 1 failed"
        return 1
    fi
    run_bin valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite "$1"
}

export MAKE
export -f build_all readme_example run_bin run_valgrind

echo "=== acme5g make test ($(date -u +%Y-%m-%dT%H:%M:%SZ), CI=${CI:-})"
component deps 900 tests/install-deps.sh test
if [ "$TOTAL_FAILED" != 0 ]; then
    echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
    exit 1
fi
component build 600 build_all
component check 300 "$MAKE" --no-print-directory check
component readme 60 readme_example
component unit 300 run_bin build/unit
component unit-min 300 run_bin build/unit-min
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
component unit-asan 300 run_bin build/unit-asan
component policy 60 run_bin build/policy
component baremetal 300 tests/baremetal.sh
component valgrind 900 run_valgrind build/unit
component integration 600 env ACME5G_BIN=build/acme5g tests/integration.sh
component integration-asan 600 env ACME5G_BIN=build/acme5g-asan tests/integration.sh --quick
component shared 300 tests/shared.sh
component nf-server 600 tests/nf/server.sh
component nf-client 300 env ACME5G_BIN=build/acme5g tests/nf/client.sh
component nf-client-asan 300 env ACME5G_BIN=build/acme5g-asan tests/nf/client.sh
# run_made TARGET: make a test binary, then run it (issue 8 components).
run_made() {
    "$MAKE" --no-print-directory "$1" || { echo "FAIL - build $1"; echo "0 passed, 1 failed"; return 1; }
    run_bin "$1"
}
export -f run_made
component hostile 120 run_made build/hostile
component hostile-asan 120 run_made build/hostile-asan
component fuzz-replay 300 tests/fuzz-replay.sh
component faults 400 env FAULTS_QUICK=1 tests/faults.sh write cut recv
component hygiene 120 tests/hygiene.sh
component valgrind-cli 600 tests/valgrind-cli.sh
component lint 300 tests/lint.sh
component cross 900 tests/cross.sh
component firmware-board 300 tests/firmware-board.sh
component firmware 600 tests/firmware.sh
component musl 300 tests/musl.sh

echo
echo "=== summary ($(($(date +%s) - START)) s; logs in build/test-logs/)"
printf '%s' "$SUMMARY"
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[ "$TOTAL_FAILED" = 0 ]
