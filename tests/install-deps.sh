#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/install-deps.sh [build|test|demo] -- install the Debian (bookworm)
# packages this project needs, only those that are missing.
#
#   build  compiler, make, BearSSL and jsmn headers
#   demo   build + Pebble and openssl
#   test   everything `make test` uses (default)
#
# Runs apt-get non-interactively as root, or through `sudo -n` when not
# root; fails with a clear message when neither is possible.  Fast (no apt)
# when everything is present.
set -u

mode=${1:-test}
build_pkgs="build-essential libbearssl-dev libjsmn-dev"
demo_pkgs="$build_pkgs pebble openssl iproute2 ca-certificates coreutils"
test_pkgs="$demo_pkgs clang libclang-rt-14-dev valgrind strace time uacme binutils"

case $mode in
build) want=$build_pkgs ;;
demo) want=$demo_pkgs ;;
test) want=$test_pkgs ;;
*) echo "usage: $0 [build|test|demo]" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps: not a Debian system; please install the equivalents of: $want" >&2
    exit 0
fi

missing=""
for pkg in $want; do
    case $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) in
    *"install ok installed") ;;
    *) missing="$missing $pkg" ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    echo "install-deps: missing Debian packages:$missing" >&2
    echo "install-deps: not root and no password-less sudo; as root run:" >&2
    echo "  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # word splitting of $as_root and $missing wanted
if ! $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null ||
    ! $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        -o Dpkg::Use-Pty=0 $missing </dev/null; then
    echo "install-deps: apt-get failed; packages still missing:$missing" >&2
    exit 1
fi

still=""
for pkg in $missing; do
    case $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) in
    *"install ok installed") ;;
    *) still="$still $pkg" ;;
    esac
done
if [ -n "$still" ]; then
    echo "install-deps: still missing after apt-get:$still" >&2
    exit 1
fi
echo "install-deps: done"
