#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/firmware-board.sh -- the emulated board under the firmware image
# (issue 15): build/cross/nettest-m4.elf on QEMU's mps2-an386.
#
#   - make board-cross (lwIP from Debian's source, board, LAN9118 driver);
#   - exit status: SYS_EXIT_EXTENDED's code is QEMU's exit status; the
#     command line comes from -semihosting-config arg=... and -append;
#   - first boot: NOR rules of the flash emulation (checked by the image),
#     a pattern written; DHCP from QEMU's user network (restrict=on), a TCP
#     line and 200 KB echoed by a host socat on 127.0.0.1 through guestfwd, one HTTP
#     request from curl through hostfwd; the flash file checked byte by
#     byte on the host;
#   - a boot killed (SIGKILL) after its flash writes: they are in the file;
#   - second boot: the pattern read back; a static address; an echo with
#     no server behind the forward fails and the image says so (status 1).
#
# Every image check ("nettest: ok - ..." / "nettest: FAIL - ...") counts as
# one line here.  Prints "ok - ..." / "FAIL - ..." per check, then
# "N passed, N failed".  Network traffic: 127.0.0.1 only.
# Environment: MAKE, QEMU (default qemu-system-arm).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
MAKE=${MAKE:-make}
QEMU=${QEMU:-qemu-system-arm}
ELF=build/cross/nettest-m4.elf
PASSED=0
FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fwboard.XXXXXX") || exit 1
PIDS=""

res() { # STATUS MESSAGE
    if [ "$1" = 0 ]; then
        echo "ok - $2"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL - $2"
        FAILED=$((FAILED + 1))
    fi
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local p
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
    exit
}

# pick_port VAR: a free TCP port on 127.0.0.1 in 20000..59999
USED=" "
pick_port() {
    local p _
    for _ in $(seq 1 200); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        case $USED in *" $p "*) continue ;; esac
        if [ -z "$(ss -Hlnt "sport = :$p" 2>/dev/null)" ]; then
            USED="$USED$p "
            printf -v "$1" '%s' "$p"
            return 0
        fi
    done
    echo "no free port" >&2
    return 1
}

# qemu_run LOG ARGS...: boot the image; the semihosting command line is
# "nettest ARGS..." (one arg= each: QEMU's option syntax has no quoting
# of commas, so no argument may contain one).  Extra QEMU options in
# QEMU_EXTRA (an array).  Returns QEMU's exit status.
QEMU_EXTRA=()
QEMU_CMD=()
qemu_cmd() { # sets QEMU_CMD
    local a sh="enable=on,target=native,arg=nettest"
    for a in "$@"; do sh="$sh,arg=$a"; done
    QEMU_CMD=("$QEMU" -M mps2-an386 -nographic -monitor none -semihosting-config "$sh"
        -kernel "$ELF" "${QEMU_EXTRA[@]}")
}
qemu_run() {
    local log=$1
    shift
    qemu_cmd "$@"
    timeout 60 "${QEMU_CMD[@]}" >"$log" 2>&1
}

# image_lines LOG WHAT: the image's own ok/FAIL lines as checks here
image_lines() {
    local log=$1 what=$2 line n=0
    while IFS= read -r line; do
        case $line in
        "nettest: ok - "*) res 0 "$what: ${line#nettest: ok - }"; n=$((n + 1)) ;;
        "nettest: FAIL - "*) res 1 "$what: ${line#nettest: FAIL - }"; n=$((n + 1)) ;;
        esac
    done <"$log"
    [ "$n" -gt 0 ] || res 1 "$what: the image printed no result (log: $(tr '\n' '|' <"$log" | cut -c1-300))"
}

new_flash() { # FILE: 64 KB of 0xFF, as a fresh NOR part
    head -c 65536 /dev/zero | tr '\0' '\377' >"$1"
}

# --- build ---------------------------------------------------------------
"$MAKE" --no-print-directory board-cross >"$TMP/make.log" 2>&1
res $? "make board-cross ($ELF: lwIP, board, LAN9118 driver)" || true
[ "$FAILED" = 0 ] || { tail -20 "$TMP/make.log"; finish; }
command -v "$QEMU" >/dev/null 2>&1
res $? "$QEMU is installed"
[ "$FAILED" = 0 ] || finish

# --- exit status and command line ---------------------------------------
for n in 0 1 3 255; do
    qemu_run "$TMP/exit.log" "exit=$n"
    rc=$?
    [ "$rc" = "$n" ] && grep -q "command line: nettest exit=$n\$" "$TMP/exit.log"
    res $? "SYS_EXIT_EXTENDED status $n is QEMU's exit status (got $rc)"
done
timeout 30 "$QEMU" -M mps2-an386 -nographic -monitor none -semihosting -kernel "$ELF" \
    -append "exit=7 x=y" >"$TMP/append.log" 2>&1
rc=$?
[ "$rc" = 7 ] && grep -q "command line: $ELF exit=7 x=y\$" "$TMP/append.log"
res $? "without arg=, the command line is '-kernel FILE' + -append (status $rc)"

# --- first boot: flash written, network up --------------------------------
FLASH=$TMP/flash.bin
new_flash "$FLASH"
pick_port ECHO_PORT || finish
pick_port HTTP_PORT || finish
socat "TCP-LISTEN:$ECHO_PORT,bind=127.0.0.1,reuseaddr,fork" EXEC:cat 2>/dev/null &
PIDS="$PIDS $!"
NIC="user,restrict=on,net=10.0.2.0/24"
NIC="$NIC,guestfwd=tcp:10.0.2.100:7-cmd:socat - TCP:127.0.0.1:$ECHO_PORT"
NIC="$NIC,hostfwd=tcp:127.0.0.1:$HTTP_PORT-:80"
QEMU_EXTRA=(-nic "$NIC")
qemu_run "$TMP/boot1.log" "flash=$FLASH" phase=write net=dhcp echo=7 bulk=200000 listen=80 &
QPID=$!
for _ in $(seq 1 300); do
    grep -q "listening on port 80" "$TMP/boot1.log" 2>/dev/null && break
    kill -0 "$QPID" 2>/dev/null || break
    sleep 0.1
done
body=$(curl -s -m 10 "http://127.0.0.1:$HTTP_PORT/" 2>/dev/null)
[ "$body" = "hello from the M4 !" ]
res $? "curl through hostfwd 127.0.0.1:$HTTP_PORT got the image's answer ('$body')"
wait "$QPID"
rc=$?
image_lines "$TMP/boot1.log" "boot 1"
[ "$rc" = 0 ]
res $? "boot 1: the image exits 0 (got $rc)"
grep -q "^nettest: echo: hello from acme5g nettest" "$TMP/boot1.log"
res $? "boot 1: the echoed line is on the UART"
grep -q "^nettest: ip 10.0.2.15 (dhcp)" "$TMP/boot1.log"
res $? "boot 1: address 10.0.2.15 from QEMU's DHCP server"

# The file, byte by byte: sector 0 erased again, 300 bytes 0xA5^i at
# S+200, 1000 bytes (7i+3)&255 at 2S+100, everything else 0xFF (S: the
# board's erase unit).
S=$(sed -n 's/^#define BOARD_FLASH_SECTOR \([0-9]*\)u.*/\1/p' examples/firmware/board.h)
bad=$(od -An -v -tu1 -w1 "$FLASH" | awk -v S="$S" '
    function xor(a, b,   r, bit) { r = 0; for (bit = 1; bit < 256; bit *= 2) {
        if ((int(a / bit) % 2) != (int(b / bit) % 2)) r += bit } return r }
    { i = NR - 1; want = 255
      if (i >= S + 200 && i < S + 500) want = xor(165, (i - S - 200) % 256)
      if (i >= 2 * S + 100 && i < 2 * S + 1100) want = ((i - 2 * S - 100) * 7 + 3) % 256
      if ($1 + 0 != want) { print i ": " $1 " != " want; exit } }
    END { if (NR != 65536) print "size " NR }')
[ -z "$bad" ]
res $? "the flash file holds exactly what the image programmed${bad:+ (first difference at $bad)}"

# --- a boot killed after its flash writes ----------------------------------
KFLASH=$TMP/killed.bin
new_flash "$KFLASH"
QEMU_EXTRA=()
qemu_cmd "flash=$KFLASH" phase=write hang=1
"${QEMU_CMD[@]}" >"$TMP/kill.log" 2>&1 &
QPID=$!
disown "$QPID" # no "Killed" message from the shell
for _ in $(seq 1 200); do
    grep -q "nettest: hanging" "$TMP/kill.log" 2>/dev/null && break
    kill -0 "$QPID" 2>/dev/null || break
    sleep 0.1
done
kill -KILL "$QPID" 2>/dev/null
for _ in $(seq 1 50); do kill -0 "$QPID" 2>/dev/null || break; sleep 0.1; done
grep -q "nettest: hanging" "$TMP/kill.log"
res $? "the image hangs after its flash writes, waiting to be killed"
cmp -s "$FLASH" "$KFLASH"
res $? "QEMU killed (SIGKILL) after the flash writes: the file has them all"

# --- second boot: read back; static address; a failing echo ---------------
QEMU_EXTRA=()
qemu_run "$TMP/boot2.log" "flash=$FLASH" phase=check
rc=$?
image_lines "$TMP/boot2.log" "boot 2"
[ "$rc" = 0 ]
res $? "boot 2: the image exits 0 (got $rc)"

pick_port DEAD_PORT || finish
NIC="user,restrict=on,net=10.0.2.0/24"
NIC="$NIC,guestfwd=tcp:10.0.2.100:7-cmd:socat - TCP:127.0.0.1:$ECHO_PORT"
NIC="$NIC,guestfwd=tcp:10.0.2.100:9-cmd:socat - TCP:127.0.0.1:$DEAD_PORT"
QEMU_EXTRA=(-nic "$NIC,mac=02:00:5e:10:00:42")
qemu_run "$TMP/static.log" net=static echo=7
rc=$?
image_lines "$TMP/static.log" "static address"
[ "$rc" = 0 ] && grep -q "^nettest: ip 10.0.2.15 (static)" "$TMP/static.log"
res $? "static 10.0.2.15/24: the echo works without DHCP (status $rc)"
grep -q "^nettest: mac 02:00:5e:10:00:42\$" "$TMP/static.log"
res $? "the driver reads the MAC address given by -nic ...,mac="

qemu_run "$TMP/dead.log" net=static echo=9
rc=$?
[ "$rc" = 1 ] && grep -q "^nettest: FAIL - the line came back" "$TMP/dead.log"
res $? "no server behind the forward: the image reports FAIL and exits 1 (got $rc)"

finish
