# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# tests/mapsize.awk -- flash and RAM of a firmware image by component, from
# a GNU ld map file (-Wl,-Map).  Used by make size-cross:
#
#   awk -f tests/mapsize.awk build/cross/firmware-m4.map
#
# Only the loaded output sections count (.isr_vector .text .ARM.exidx
# .data .bss .stack); each input section is charged to a component by its
# object file.  text = code + read-only data, data = initialised RAM
# (stored in flash too), bss = zeroed RAM.  Flash = text + data,
# RAM = data + bss.
function component(file) {
    if (file ~ /(^|\/)acme5g\.o$/) return "acme5g (+ jsmn, inlined)"
    if (file ~ /acme5g_baremetal\.o$/) return "port (acme5g_baremetal.c)"
    if (file ~ /firmware_main\.o$/) return "app + start-up (firmware_main.c)"
    if (file ~ /libbearssl\.a\(/) return "BearSSL"
    if (file ~ /liblwip\.a\(/) return "lwIP (liblwip.a)"
    if (file ~ /lan9118\.o$/) return "LAN9118 driver (lan9118.c)"
    if (file ~ /(board_mps2|semihost)\.o$/) return "board (board_mps2.c semihost.c)"
    if (file ~ /nettest\.o$/) return "app (nettest.c)"
    if (file ~ /lib(c|c_nano|g|g_nano|nosys|m)\.a\(/) return "libc (newlib-nano)"
    if (file ~ /libgcc\.a\(/) return "libgcc"
    return "other"
}
function charge(out, name, size, file,    c, kind) {
    if (out == ".stack") { stack += size; return }
    if (out !~ /^\.(isr_vector|text|ARM\.exidx|data|bss)$/) return
    if (name == "*fill*") c = "(alignment)"
    else c = component(file)
    if (out == ".bss") kind = "bss"
    else if (out == ".data") kind = "data"
    else kind = "text"
    sz[c, kind] += size
    seen[c] = 1
}
BEGIN { inmap = 0 }
/^Linker script and memory map/ { inmap = 1; next }
!inmap { next }
# An output section: ".text  0x08000040  0x12120" (name in column 1).
/^\.[A-Za-z_.]+/ {
    out = $1; pending = ""
    if (out ~ /^\.(isr_vector|text|ARM\.exidx|data|bss)$/ && $3 ~ /^0x/)
        outsize[out == ".bss" ? "bss" : out == ".data" ? "data" : "text"] += strtonum_($3)
    next
}
/^[^ ]/ { out = ""; pending = ""; next }
# An input section whose name did not fit: its numbers are on the next line.
/^ [.A-Za-z_*][^ ]*$/ { pending = $1; next }
{
    if (pending != "" && $1 ~ /^0x/ && $2 ~ /^0x/) {
        charge(out, pending, strtonum_(($2)), $3)
        pending = ""
        next
    }
    pending = ""
    if ($1 ~ /^[.A-Za-z_*]/ && $1 != "*(" && $2 ~ /^0x/ && $3 ~ /^0x/)
        charge(out, $1, strtonum_($3), $4)
}
function strtonum_(h,    i, c, v) {
    v = 0
    h = tolower(h)
    sub(/^0x/, "", h)
    for (i = 1; i <= length(h); i++) {
        c = index("0123456789abcdef", substr(h, i, 1)) - 1
        if (c < 0) break
        v = v * 16 + c
    }
    return v
}
END {
    n = split("acme5g (+ jsmn, inlined)|port (acme5g_baremetal.c)|app + start-up (firmware_main.c)|app (nettest.c)|BearSSL|lwIP (liblwip.a)|LAN9118 driver (lan9118.c)|board (board_mps2.c semihost.c)|libc (newlib-nano)|libgcc|other|(alignment)", order, "|")
    printf "%-34s %8s %8s %8s %8s %8s\n", "component", "text", "data", "bss", "flash", "RAM"
    for (i = 1; i <= n; i++) {
        c = order[i]
        if (!(c in seen)) continue
        t = sz[c, "text"]; d = sz[c, "data"]; b = sz[c, "bss"]
        printf "%-34s %8d %8d %8d %8d %8d\n", c, t, d, b, t + d, d + b
        T += t; D += d; B += b
    }
    # Mergeable string sections are listed before merging: the output
    # sections' own sizes give the real total.
    t = outsize["text"] - T; d = outsize["data"] - D; b = outsize["bss"] - B
    if (t != 0 || d != 0 || b != 0)
        printf "%-34s %8d %8d %8d %8d %8d\n", "(strings merged by ld)", t, d, b, t + d, d + b
    T = outsize["text"]; D = outsize["data"]; B = outsize["bss"]
    printf "%-34s %8d %8d %8d %8d %8d\n", "total", T, D, B, T + D, D + B
    printf "%-34s %8s %8s %8d %8s %8d\n", "stack (reserved by the .ld)", "", "", stack, "", stack
}
