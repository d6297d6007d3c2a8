#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/nf/build-pebble.sh -- build the NF-profile Pebble and the Go test
# fixtures into build/nf/bin:
#
#   pebble               Debian's pebble 2.4.0+ds1 with tests/nf/pebble-nf.patch
#   pebble-challtestsrv  from the same source package, unchanged
#   nf-ta                the Token Authority fixture (tests/nf/ta)
#   nf-probe             the minimal ACME client (tests/nf/probe)
#
# The source comes from `apt-get source pebble` (into build/nf/src; a
# deb-src entry is added when there is none) and is built with Debian's Go
# and the packaged Go libraries (`apt-get build-dep pebble`, run as root or
# through `sudo -n` when something is missing): no network access for Go.
# Pebble is rebuilt only when the patch changed (build/nf/pebble.stamp);
# the fixtures are standard library only and always `go build` (cached).
# Non-interactive; exit status 0 when everything is in place.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/build/nf
BIN=$OUT/bin
PATCH=$ROOT/tests/nf/pebble-nf.patch
START=$(date +%s)

APT_WHO=build-pebble
# shellcheck source=tests/apt-source.sh
. "$ROOT/tests/apt-source.sh"

say() { echo "build-pebble: $*"; }
die() { echo "build-pebble: $*" >&2; exit 1; }

# Go stays inside build/ and never downloads anything.
export GOCACHE=$OUT/go-cache GOPROXY=off

build_pebble() {
    local stamp tree dsc
    stamp=$(sha256sum <"$PATCH" | cut -d' ' -f1)
    if [ -x "$BIN/pebble" ] && [ -x "$BIN/pebble-challtestsrv" ] &&
        [ "$(cat "$OUT/pebble.stamp" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    rm -f "$OUT/pebble.stamp"
    if ! command -v dpkg-source >/dev/null 2>&1; then
        say "installing dpkg-dev"
        as_root apt-get install -y -q -o Dpkg::Use-Pty=0 dpkg-dev || die "cannot install dpkg-dev"
    fi
    # Fetch once; each build unpacks a pristine tree from the .dsc.
    dsc=$(find "$OUT/src" -maxdepth 1 -name 'pebble_*.dsc' 2>/dev/null | head -n 1)
    if [ -z "$dsc" ]; then
        rm -rf "$OUT/src"
        mkdir -p "$OUT/src" || die "cannot create $OUT/src"
        apt_source pebble "$OUT/src" || die "apt-get source pebble failed"
        dsc=$(find "$OUT/src" -maxdepth 1 -name 'pebble_*.dsc' | head -n 1)
        [ -n "$dsc" ] || die "no pebble_*.dsc after apt-get source"
    fi
    tree=$OUT/src/pebble
    rm -rf "$tree" "$OUT"/src/pebble-*/
    dpkg-source -q -x "$dsc" "$tree" >/dev/null || die "dpkg-source -x $dsc failed"
    if ! (cd "$tree" && dpkg-checkbuilddeps 2>/dev/null); then
        say "installing the build dependencies of pebble"
        as_root apt-get build-dep -y -q -o Dpkg::Use-Pty=0 pebble ||
            die "apt-get build-dep pebble failed"
    fi
    say "applying $(basename "$PATCH")"
    (cd "$tree" && patch -p1 --quiet --no-backup-if-mismatch) <"$PATCH" || die "the patch does not apply"
    say "building (Debian's Go, dh-golang)"
    (cd "$tree" &&
        dh_auto_configure --buildsystem=golang --builddirectory=_build >/dev/null &&
        dh_auto_build --buildsystem=golang --builddirectory=_build >"$OUT/pebble-build.log" 2>&1) || {
        tail -n 30 "$OUT/pebble-build.log" >&2
        die "pebble build failed (log: $OUT/pebble-build.log)"
    }
    mkdir -p "$BIN" || die "cannot create $BIN"
    cp "$tree/_build/bin/pebble" "$tree/_build/bin/pebble-challtestsrv" "$BIN/" || die "no binaries"
    echo "$stamp" >"$OUT/pebble.stamp"
}

build_fixtures() {
    command -v go >/dev/null 2>&1 || die "go missing (apt-get build-dep pebble installs it)"
    mkdir -p "$BIN" || die "cannot create $BIN"
    (cd "$ROOT/tests/nf" && go build -o "$BIN/nf-ta" ./ta && go build -o "$BIN/nf-probe" ./probe) ||
        die "building the Go fixtures failed"
}

mkdir -p "$OUT" || die "cannot create $OUT"
[ -f "$PATCH" ] || die "$PATCH missing"
build_pebble
build_fixtures
say "build/nf/bin ready ($(($(date +%s) - START)) s)"
