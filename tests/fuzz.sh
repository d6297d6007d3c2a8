#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/fuzz.sh -- make fuzz: build every tests/fuzz/fuzz_*.c with clang
# libFuzzer + ASan + UBSan and run each for a bounded time.
#
#   FUZZ_TIME=30        seconds per target (default 30)
#   FUZZ_TARGETS="http json"   only these (default: all tests/fuzz/fuzz_*.c)
#   FUZZ_JOBS=1         parallel workers per target (libFuzzer -fork)
#
# Each target starts from its seed corpus tests/fuzz/corpus/<t>/ and keeps
# what it finds in build/fuzz/corpus-<t>/ (not in the repository: add an
# input to tests/fuzz/corpus/ by hand when it is worth keeping, always for
# a crash).  Crashes, leaks and timeouts land in build/fuzz/artifacts/.
# One "ok/FAIL - fuzz_<t> ..." line per target with executions, exec/s,
# coverage (libFuzzer's cov/ft) and corpus size; then "N passed, N failed".
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
CLANG=${CLANG:-clang}
FUZZ_TIME=${FUZZ_TIME:-30}
OUT=build/fuzz
mkdir -p "$OUT/artifacts" || exit 1

if [ -z "${NO_DEPS:-}" ]; then
    tests/install-deps.sh test || exit 1
fi

# max_len per target: what the parser can ever see (bodies are cut to
# ACME5G_BODY_MAX = 8192; a few hundred bytes of headers on top).
max_len() {
    case $1 in
    http) echo 12000 ;;
    json) echo 8200 ;;
    x509 | ta) echo 6000 ;;
    dates) echo 64 ;;
    url) echo 400 ;;
    *) echo 4096 ;;
    esac
}

targets=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz_*.c; do
    f=${f##*/fuzz_}
    echo "${f%.c}"
done)}

pass=0
fail=0
for t in $targets; do
    bin=$OUT/fuzz-$t
    src=tests/fuzz/fuzz_$t.c
    if ! $CLANG -std=c99 -g -O1 -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=all -I. -Iport -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
        -o "$bin" "$src" -lbearssl; then
        echo "FAIL - fuzz_$t: does not build"
        fail=$((fail + 1))
        continue
    fi
    corpus=$OUT/corpus-$t
    mkdir -p "$corpus"
    log=$OUT/fuzz-$t.log
    dict=""
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    # shellcheck disable=SC2086 # $dict is empty or one word
    "$bin" -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$(max_len "$t")" -print_final_stats=1 $dict \
        ${FUZZ_JOBS:+-fork=$FUZZ_JOBS -ignore_crashes=0} \
        -artifact_prefix="$OUT/artifacts/$t-" \
        "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{ s += $2 } END { print s + 0 }')
    speed=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{ print $2 }' | tail -n 1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
    files=$(find "$corpus" -type f | wc -l)
    if [ $rc = 0 ]; then
        echo "ok - fuzz_$t: $runs runs in ${FUZZ_TIME} s (${speed:-?} exec/s), ${cov:-cov ?}, corpus $files files"
        pass=$((pass + 1))
    else
        echo "FAIL - fuzz_$t: exit $rc after $runs runs; see $log and $OUT/artifacts/$t-*"
        grep -E 'ERROR|SUMMARY|invariant failed|Test unit written' "$log" | head -n 8 | sed 's/^/    /'
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
