#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/dns-hook-flaky.sh STATEFILE MGMT add|del NAME VALUE -- a dns-01 hook
# that fails the first validation on purpose: its first `add` (STATEFILE
# does not exist yet; it is created then) publishes a wrong TXT value
# ("wrong-" + VALUE), every later call is passed to tests/dns-hook.sh as
# it is.  Used by the wait-timer tests: the first order turns invalid.
set -eu
[ $# = 5 ] || { echo "usage: $0 STATEFILE MGMT add|del NAME VALUE" >&2; exit 2; }
state=$1
shift
if [ "$2" = add ] && [ ! -e "$state" ]; then
    : >"$state"
    set -- "$1" add "$3" "wrong-$4"
fi
exec "$(dirname "$0")/dns-hook.sh" "$@"
