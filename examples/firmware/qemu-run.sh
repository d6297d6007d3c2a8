#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# examples/firmware/qemu-run.sh -- boot the example firmware on QEMU's
# mps2-an386 board (Cortex-M4, LAN9118 Ethernet) and let it enrol or renew
# against an ACME server on this machine.
#
#   qemu-run.sh --directory URL --ca PEMFILE --name NAME --store FILE
#               [--name NAME2] [--http-port HOSTPORT] [--renew [--force]]
#               [--export DIR] [--timeout S] [--image ELF]
#
#   --directory URL  the ACME directory on this machine's loopback, e.g.
#                    https://localhost:14000/dir.  The image reaches that
#                    host and port under the same name (a static host
#                    entry pointing at QEMU's forward), so the server's
#                    certificate is verified against the name in the URL.
#   --ca PEMFILE     the CA of the ACME server's TLS certificate; written
#                    into the store's "ca.pem" slot before the boot (the
#                    factory's provisioning step), with a device seed the
#                    first time.
#   --name NAME      the DNS name to enrol (up to two).
#   --store FILE     the emulated flash (64 KB), created when missing and
#                    kept between runs: a second run renews what the first
#                    one stored.
#   --http-port P    the host port the ACME server's validator connects to
#                    for http-01 (127.0.0.1:P is forwarded to the image's
#                    port 80); default 5002, Pebble's default.
#   --renew          renew the stored certificate when the renewal policy
#                    says it is due (without --renew: enrol when nothing
#                    is stored); with --force, renew now.
#   --export DIR     afterwards write DIR/cert.pem and DIR/cert.key, read
#                    back from the store with the port's own storage code.
#   --timeout S      the ACME exchange's deadline in the image (default
#                    120); QEMU is stopped S + 30 seconds after its start.
#   --image ELF      the firmware (default: build/cross/firmware-m4.elf,
#                    built by `make firmware`).
#
# The image's UART log is this script's standard output.  Exit status: 0
# when the image reported a stored certificate it checked (key and chain
# match), 1 when it failed (its last line says why), 2 on a usage error,
# 3 when QEMU was stopped at the deadline.
#
# Networking stays on this machine: QEMU's user-mode network with
# restrict=on, one guestfwd per run (a socat per connection the image
# opens, to 127.0.0.1:PORT of the URL) and one hostfwd on 127.0.0.1 for
# the validator.  Needs qemu-system-arm, socat and build/fw-store.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
    sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
die() { echo "qemu-run: $*" >&2; exit 2; }

dir_url="" ca="" store="" http_port=5002 mode=enrol force=0 export_dir="" timeout_s=120
image=$root/build/cross/firmware-m4.elf
names=()
while [ $# -gt 0 ]; do
    case $1 in
    --directory) dir_url=${2-}; shift ;;
    --ca) ca=${2-}; shift ;;
    --name) names+=("${2-}"); shift ;;
    --store) store=${2-}; shift ;;
    --http-port) http_port=${2-}; shift ;;
    --renew) mode=renew ;;
    --force) force=1 ;;
    --export) export_dir=${2-}; shift ;;
    --timeout) timeout_s=${2-}; shift ;;
    --image) image=${2-}; shift ;;
    -h | --help) usage ;;
    *) die "unknown argument: $1 (--help)" ;;
    esac
    shift
done
[ -n "$dir_url" ] && [ -n "$ca" ] && [ -n "$store" ] && [ "${#names[@]}" -gt 0 ] || usage
[ "${#names[@]}" -le 2 ] || die "at most two --name"
[ "$force" = 1 ] && [ "$mode" != renew ] && die "--force goes with --renew"
[ "$force" = 1 ] && mode=force
case $http_port in '' | *[!0-9]*) die "--http-port: a port number" ;; esac
case $timeout_s in '' | *[!0-9]*) die "--timeout: seconds" ;; esac
[ -f "$ca" ] || die "--ca $ca: no such file"
[ -f "$image" ] || die "$image missing (make firmware)"
tool=$root/build/fw-store
[ -x "$tool" ] || die "$tool missing (make firmware)"
command -v qemu-system-arm >/dev/null || die "qemu-system-arm missing (Debian: qemu-system-arm)"
command -v socat >/dev/null || die "socat missing (Debian: socat)"

# https://host[:port]/path; host may be [v6] (not reachable from the image).
rest=${dir_url#https://}
[ "$rest" != "$dir_url" ] || die "--directory must be an https:// URL"
hostport=${rest%%/*}
case $hostport in
\[*) die "--directory: IPv6 hosts are not reachable from the image (IPv4 only)" ;;
*:*) host=${hostport%:*}; port=${hostport##*:} ;;
*) host=$hostport; port=443 ;;
esac
case $port in '' | *[!0-9]*) die "--directory: bad port $port" ;; esac
case $host in '' | *[!A-Za-z0-9.-]*) die "--directory: bad host $host" ;; esac
for n in "${names[@]}"; do
    case $n in '' | *[!A-Za-z0-9.-]*) die "--name: bad DNS name $n" ;; esac
done

# The store: created, provisioned (CA every time, seed once).
store_abs=$(cd "$(dirname "$store")" && pwd)/$(basename "$store") || die "--store: bad path"
"$tool" "$store_abs" provision --ca "$ca" >/dev/null || die "provisioning $store failed"

# The guest network 10.0.2.0/24: 10.0.2.100 is the host's ACME port.
fwd_ip=10.0.2.100
args="dir=$dir_url host=$host@$fwd_ip http=80 mode=$mode timeout=$timeout_s store=$store_abs"
for n in "${names[@]}"; do args="$args name=$n"; done

nic="user,restrict=on,net=10.0.2.0/24,guestfwd=tcp:$fwd_ip:$port-cmd:socat - TCP:127.0.0.1:$port"
nic="$nic,hostfwd=tcp:127.0.0.1:$http_port-:80"

timeout -k 5 $((timeout_s + 30)) qemu-system-arm -M mps2-an386 -nographic -monitor none \
    -serial stdio -semihosting-config enable=on,target=native \
    -kernel "$image" -append "$args" -nic "$nic" </dev/null
rc=$?
case $rc in
0) ;;
124 | 137) echo "qemu-run: the image did not finish within $((timeout_s + 30)) s" >&2; exit 3 ;;
*) exit 1 ;;
esac
if [ -n "$export_dir" ]; then
    mkdir -p "$export_dir" && "$tool" "$store_abs" export "$export_dir" || exit 1
fi
exit 0
