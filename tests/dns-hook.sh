#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/dns-hook.sh MGMT add|del NAME VALUE -- the acme5g --dns-hook used by
# the tests: sets or clears the TXT record NAME in pebble-challtestsrv's DNS
# through its management API at MGMT (host:port).  Appends "op name value"
# to $DNS_HOOK_LOG when set.  Plain bash: no curl needed.
set -eu
[ $# = 4 ] || { echo "usage: $0 MGMT add|del NAME VALUE" >&2; exit 2; }
mgmt=$1 op=$2 name=$3 value=$4
case $op in
add) path=/set-txt body="{\"host\":\"$name.\",\"value\":\"$value\"}" ;;
del) path=/clear-txt body="{\"host\":\"$name.\"}" ;;
*) echo "dns-hook: unknown operation $op" >&2; exit 2 ;;
esac
# a slow DNS provider: $DNS_HOOK_DELAY_FILE holds the seconds an "add" takes
if [ "$op" = add ] && [ -s "${DNS_HOOK_DELAY_FILE:-}" ]; then
    sleep "$(cat "$DNS_HOOK_DELAY_FILE")"
fi
[ -z "${DNS_HOOK_LOG:-}" ] || echo "$op $name $value" >>"$DNS_HOOK_LOG"
exec 3<>"/dev/tcp/${mgmt%:*}/${mgmt##*:}"
printf 'POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$path" "$mgmt" "${#body}" "$body" >&3
IFS= read -r status <&3 || status=""
case $status in "HTTP/1."?" 200"*) exit 0 ;; esac
echo "dns-hook: challtestsrv answered '$status'" >&2
exit 1
