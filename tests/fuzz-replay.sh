#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/fuzz-replay.sh -- make test's replay of the fuzz corpora: every
# tests/fuzz/fuzz_*.c built with gcc + ASan/UBSan as a plain program
# (build/fuzz/replay-<t>, -DACME5G_FUZZ_REPLAY) runs every input of
# tests/fuzz/corpus/<t>/, so an input that once crashed stays fixed.
#
# tests/fuzz/crashes/<t>/ holds reproducers of bugs still open in
# acme5g.c (tests/fuzz/crashes/README says which).  Each runs on its own:
# while it still crashes it prints a "note -" line (not counted); once it
# passes, an "ok - ... fixed" line asks for it to be moved into corpus/.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
MAKE=${MAKE:-make}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

pass=0
fail=0
for src in tests/fuzz/fuzz_*.c; do
    t=${src##*/fuzz_}
    t=${t%.c}
    bin=build/fuzz/replay-$t
    if ! "$MAKE" --no-print-directory "$bin" >"build/fuzz-replay-$t.build.log" 2>&1; then
        cat "build/fuzz-replay-$t.build.log"
        echo "FAIL - fuzz_$t: replay does not build"
        fail=$((fail + 1))
        continue
    fi
    if [ -d "tests/fuzz/corpus/$t" ]; then
        out=$("$bin" "tests/fuzz/corpus/$t" 2>&1)
        rc=$?
        echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
        if [ $rc = 0 ]; then
            pass=$((pass + 1))
        else
            echo "FAIL - fuzz_$t: an input of tests/fuzz/corpus/$t crashes (exit $rc)"
            fail=$((fail + 1))
        fi
    else
        echo "FAIL - fuzz_$t: no seed corpus tests/fuzz/corpus/$t"
        fail=$((fail + 1))
    fi
    for f in "tests/fuzz/crashes/$t"/*; do
        [ -f "$f" ] || continue
        if "$bin" "$f" >/dev/null 2>&1; then
            echo "ok - fuzz_$t: $f no longer crashes: fixed? move it to tests/fuzz/corpus/$t/"
            pass=$((pass + 1))
        else
            echo "note - fuzz_$t: known bug still open: $f (tests/fuzz/crashes/README)"
        fi
    done
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
