# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/apt-source.sh -- Debian helpers shared by the scripts that build
# something from a Debian source package (tests/cross-deps.sh,
# tests/nf/build-pebble.sh).  Source it from bash; it defines functions only:
#
#   as_root CMD...        run CMD as root (directly, or through `sudo -n`),
#                         DEBIAN_FRONTEND=noninteractive, stdin /dev/null
#   have_deb_src          true when some apt source file has a deb-src entry
#   add_deb_src           add /etc/apt/sources.list.d/acme5g-deb-src.sources
#                         (URIs of the existing Debian entry), apt-get update
#   apt_source PKG DIR    `apt-get source PKG` into DIR, adding a deb-src
#                         entry first when there is none
#
# Messages start with "$APT_WHO: " (default: the script's name).

apt__who() { echo "${APT_WHO:-$(basename "$0" .sh)}"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then
        env DEBIAN_FRONTEND=noninteractive "$@" </dev/null
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n env DEBIAN_FRONTEND=noninteractive "$@" </dev/null
    else
        echo "$(apt__who): not root and no password-less sudo; as root run: $*" >&2
        return 1
    fi
}

# Is there a deb-src entry for Debian main in any apt source file?
have_deb_src() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && grep -Eq '^[[:space:]]*deb-src[[:space:]]' "$f" && return 0
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && grep -Eiq '^Types:.*deb-src' "$f" && return 0
    done
    return 1
}

# Add /etc/apt/sources.list.d/acme5g-deb-src.sources with the URIs of the
# existing Debian entry (deb822 or one-line), then apt-get update.
add_deb_src() {
    local uri="" f tmp
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        uri=$(awk 'tolower($1) == "uris:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$uri" ]; then
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [ -f "$f" ] || continue
            uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' "$f" |
                grep -m1 debian)
            [ -n "$uri" ] && break
        done
    fi
    [ -n "$uri" ] || uri=http://deb.debian.org/debian
    echo "$(apt__who): adding a deb-src entry for $uri bookworm main"
    tmp=$(mktemp) || return 1
    printf '%s\n' "Types: deb-src" "URIs: $uri" "Suites: bookworm" "Components: main" \
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" >"$tmp"
    as_root install -m 0644 "$tmp" /etc/apt/sources.list.d/acme5g-deb-src.sources
    rm -f "$tmp"
    as_root apt-get update -q
}

# apt_source PKG DIR: fetch and unpack the source package PKG into DIR
# (which must exist).  apt-get source needs no root.
apt_source() {
    local pkg=$1 dir=$2
    if ! command -v dpkg-source >/dev/null 2>&1; then
        echo "$(apt__who): dpkg-source missing (install dpkg-dev)" >&2
        return 1
    fi
    if ! have_deb_src; then
        add_deb_src || { echo "$(apt__who): could not add a deb-src entry" >&2; return 1; }
    fi
    if ! (cd "$dir" && apt-get source -q "$pkg" </dev/null); then
        # The deb-src entry may be there but the lists not yet fetched.
        as_root apt-get update -q
        (cd "$dir" && apt-get source -q "$pkg" </dev/null) || return 1
    fi
}
