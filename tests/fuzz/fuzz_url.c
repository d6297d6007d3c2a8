/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * fuzz_url -- url_parse (https URLs from the directory and Location
 * headers), ip_parse (IPv4/IPv6 text), w_ip (RFC 5952 text) and
 * dns_name_valid.  Properties: a parsed address printed by w_ip parses back
 * to the same bytes; a parsed URL's host fits and its path starts with "/"
 * or "?".
 */
#include "../../acme5g.c"
#define FZ_NAME "fuzz_url"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char s[4096];
    unsigned char ip[16], ip2[16];
    char text[64];
    url_parts u;
    size_t n;
    wbuf w;
    if (size >= sizeof(s))
        size = sizeof(s) - 1;
    memcpy(s, data, size);
    s[size] = 0;

    n = ip_parse(s, size, ip);
    FZ_ASSERT(n == 0 || n == 4 || n == 16);
    if (n) {
        w_init(&w, text, sizeof(text));
        w_ip(&w, ip, n);
        w_cstr(&w);
        FZ_ASSERT(!w.overflow);
        FZ_ASSERT(ip_parse(text, strlen(text), ip2) == n);
        FZ_ASSERT(!memcmp(ip, ip2, n));
    }
    (void)dns_name_valid(s);

    if (url_parse(s, &u) == ACME5G_OK) {
        FZ_ASSERT(fz_terminated(u.host, sizeof(u.host)));
        FZ_ASSERT(u.host[0] != 0);
        FZ_ASSERT(u.port != 0);
        FZ_ASSERT(u.path[0] == '/' || u.path[0] == '?');
        FZ_ASSERT(u.is_ip == (u.ip_len != 0));
        FZ_ASSERT(u.is_ip || dns_name_valid(u.host));
    }
    return 0;
}
