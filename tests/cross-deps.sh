#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/cross-deps.sh [packages|bearssl|lwip|musl|all] -- what `make cross`
# and `make musl` need.
#
#   packages  the cross tool chains and qemu-user from Debian (bookworm):
#             gcc-arm-none-eabi libnewlib-arm-none-eabi gcc-aarch64-linux-gnu
#             libc6-dev-arm64-cross qemu-user dpkg-dev musl-tools; only
#             those missing.
#   bearssl   BearSSL from Debian's source package (apt-get source bearssl,
#             adding a deb-src entry when there is none) into build/cross/src,
#             built as build/cross/bearssl-aarch64/libbearssl.a and
#             build/cross/bearssl-m4/libbearssl.a, plus build/cross/inc with
#             only bearssl.h, bearssl/*.h and jsmn.h (never the host's
#             /usr/include).  Cached: done once, redone only when missing.
#   lwip      lwIP 2.1.3 from Debian's source package (apt-get source lwip)
#             into build/cross/src, with the link build/cross/lwip pointing
#             at it; the Makefile builds build/cross/lwip-m4/liblwip.a from
#             it with examples/firmware/lwipopts.h.  Cached like BearSSL.
#   musl      the same source built with musl-gcc (musl-tools) for the
#             static host CLI: build/cross/bearssl-musl/libbearssl.a.
#   all       all four (default).
#
# Non-interactive; needs root (or password-less sudo) only when something
# must be installed.  Exit status 0 when everything is in place.
# Environment: AARCH64_CC, M4_CC, M4_AR, AARCH64_AR override the tools.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/cross
mode=${1:-all}
pkgs="gcc-arm-none-eabi libnewlib-arm-none-eabi gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user dpkg-dev musl-tools"
AARCH64_CC=${AARCH64_CC:-aarch64-linux-gnu-gcc}
AARCH64_AR=${AARCH64_AR:-aarch64-linux-gnu-ar}
M4_CC=${M4_CC:-arm-none-eabi-gcc}
M4_AR=${M4_AR:-arm-none-eabi-ar}
MUSL_CC=${MUSL_CC:-musl-gcc}
MUSL_AR=${MUSL_AR:-ar}
# The Cortex-M4 flags of the issue; BR_USE_UNIX_TIME=0 since newlib
# defines _POSIX_C_SOURCE and nobody implements time() on bare metal.
M4_BR_FLAGS="-mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections -DBR_USE_UNIX_TIME=0"
AARCH64_BR_FLAGS="-O2 -ffunction-sections -fdata-sections"
# For size: the static musl CLI is meant for NF images.
MUSL_BR_FLAGS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables"

# as_root, apt_source (with have_deb_src, add_deb_src)
APT_WHO=cross-deps
# shellcheck source=tests/apt-source.sh
. "$ROOT/tests/apt-source.sh"

say() { echo "cross-deps: $*"; }
die() { echo "cross-deps: $*" >&2; exit 1; }

installed() {
    case $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) in
    *"install ok installed") return 0 ;;
    esac
    return 1
}

do_packages() {
    local missing="" p
    command -v dpkg-query >/dev/null 2>&1 || die "not a Debian system; install: $pkgs"
    for p in $pkgs; do installed "$p" || missing="$missing $p"; done
    [ -z "$missing" ] && return 0
    say "installing:$missing"
    # shellcheck disable=SC2086
    as_root apt-get update -q && as_root apt-get install -y -q --no-install-recommends \
        -o Dpkg::Use-Pty=0 $missing || die "apt-get failed; still missing:$missing"
}

# Fetch and unpack the source package once, into build/cross/src.
do_source() {
    local dir
    dir=$(find "$OUT/src" -maxdepth 1 -type d -name 'bearssl-*' 2>/dev/null | head -n 1)
    if [ -n "$dir" ] && [ -f "$dir/inc/bearssl.h" ]; then
        SRC=$dir
        return 0
    fi
    rm -rf "$OUT"/src/bearssl[-_]* && mkdir -p "$OUT/src" || die "cannot create $OUT/src"
    apt_source bearssl "$OUT/src" || die "apt-get source bearssl failed"
    dir=$(find "$OUT/src" -maxdepth 1 -type d -name 'bearssl-*' | head -n 1)
    [ -n "$dir" ] && [ -f "$dir/inc/bearssl.h" ] || die "no bearssl-*/inc/bearssl.h after apt-get source"
    SRC=$dir
}

# build_lib NAME CC AR FLAGS...: compile every src/**/*.c into
# build/cross/bearssl-NAME/libbearssl.a (BearSSL's own Makefile wants a
# conf/*.mk per target; compiling the sources directly is the same thing).
build_lib() {
    local name=$1 cc=$2 ar=$3 lib dir objs f o
    shift 3
    dir=$OUT/bearssl-$name
    lib=$dir/libbearssl.a
    if [ -f "$lib" ] && [ "$lib" -nt "$SRC/inc/bearssl.h" ]; then
        return 0
    fi
    command -v "$cc" >/dev/null 2>&1 || die "$cc missing (cross-deps.sh packages)"
    say "building BearSSL for $name with $cc $*"
    rm -rf "$dir" && mkdir -p "$dir/obj" || die "cannot create $dir"
    # Parallel compile, 8 files per job; stop on the first failure.
    (cd "$SRC/src" && find . -name '*.c' | sort) >"$dir/sources" || die "no sources"
    # shellcheck disable=SC2016 # expanded by the inner sh
    if ! (cd "$SRC/src" && BR_CC=$cc BR_FLAGS="$*" BR_DIR=$dir \
        xargs -P "$(nproc 2>/dev/null || echo 2)" -n 8 sh -c '
            for f in "$@"; do
                o=$BR_DIR/obj/$(echo "${f#./}" | tr / _ | sed "s/\.c\$/.o/")
                $BR_CC $BR_FLAGS -I../inc -I. -c "$f" -o "$o" || exit 255
            done' sh <"$dir/sources"); then
        die "BearSSL build for $name failed"
    fi
    objs=$(find "$dir/obj" -name '*.o' | sort)
    # shellcheck disable=SC2086
    "$ar" rcs "$lib.tmp" $objs || die "$ar failed"
    mv "$lib.tmp" "$lib"
    say "$lib: $(echo "$objs" | wc -l) objects"
}

do_headers() {
    local inc=$OUT/inc
    do_source
    if [ ! -f "$inc/jsmn.h" ] || [ ! -f "$inc/bearssl.h" ]; then
        [ -f /usr/include/jsmn.h ] || die "/usr/include/jsmn.h missing (libjsmn-dev)"
        rm -rf "$inc" && mkdir -p "$inc/bearssl" || die "cannot create $inc"
        # Debian's layout: bearssl.h wraps bearssl/bearssl.h.  The source
        # package has the headers flat in inc/; keep them both ways.
        cp "$SRC"/inc/*.h "$inc/bearssl/" && cp "$SRC"/inc/*.h "$inc/" &&
            cp /usr/include/jsmn.h "$inc/" || die "cannot fill $inc"
    fi
}

do_bearssl() {
    do_headers
    build_lib aarch64 "$AARCH64_CC" "$AARCH64_AR" $AARCH64_BR_FLAGS
    build_lib m4 "$M4_CC" "$M4_AR" $M4_BR_FLAGS
}

# lwIP: the source only (what is built depends on lwipopts.h, so the
# Makefile does that).  build/cross/lwip is a stable name for the Makefile.
do_lwip() {
    local dir
    dir=$(find "$OUT/src" -maxdepth 1 -type d -name 'lwip-*' 2>/dev/null | head -n 1)
    if [ -z "$dir" ] || [ ! -f "$dir/src/include/lwip/init.h" ]; then
        rm -rf "$OUT"/src/lwip[-_]* && mkdir -p "$OUT/src" || die "cannot create $OUT/src"
        apt_source lwip "$OUT/src" || die "apt-get source lwip failed"
        dir=$(find "$OUT/src" -maxdepth 1 -type d -name 'lwip-*' | head -n 1)
        [ -n "$dir" ] && [ -f "$dir/src/include/lwip/init.h" ] ||
            die "no lwip-*/src/include/lwip/init.h after apt-get source"
        say "lwIP source in $dir"
    fi
    ln -sfn "src/$(basename "$dir")" "$OUT/lwip" || die "cannot link $OUT/lwip"
}

mkdir -p "$OUT" || die "cannot create $OUT"
do_musl() {
    do_headers
    build_lib musl "$MUSL_CC" "$MUSL_AR" $MUSL_BR_FLAGS
}

case $mode in
packages) do_packages ;;
bearssl) do_bearssl ;;
lwip) do_lwip ;;
musl) do_musl ;;
all) do_packages && do_bearssl && do_lwip && do_musl ;;
*) echo "usage: $0 [packages|bearssl|lwip|musl|all]" >&2; exit 2 ;;
esac
