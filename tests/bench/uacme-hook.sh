#!/bin/sh
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/bench/uacme-hook.sh METHOD TYPE IDENT TOKEN AUTH -- the uacme hook
# of tests/bench.sh (see `man uacme`: begin/done/failed, one challenge type
# per call).  Accepts http-01 only and hands the token and the key
# authorization to bench.sh through two FIFOs, $BENCH_HOOK_REQ (one line
# "add|del TOKEN AUTH") and $BENCH_HOOK_ACK (one line "ok" or "fail");
# bench.sh tells pebble-challtestsrv to serve it.  The hook itself opens no
# socket and runs no program, so uacme's own figures (RSS of its process
# tree, connect() calls seen by strace -f) are not disturbed by it.
[ "$#" -eq 5 ] || exit 85
[ "$2" = http-01 ] || exit 1
case $1 in
begin) op=add ;;
done | failed) op=del ;;
*) exit 1 ;;
esac
printf '%s %s %s\n' "$op" "$4" "$5" >"$BENCH_HOOK_REQ" || exit 1
read -r answer <"$BENCH_HOOK_ACK" || exit 1
[ "$answer" = ok ]
