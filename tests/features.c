/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/features.c -- a build of acme5g.c without mutual TLS or without the
 * shared client (tests/features.sh) refuses what it left out with
 * ACME5G_ERR_ARG and makes no port call doing so.  Public API only.
 */
#include <stdio.h>
#include <string.h>

#include "acme5g.h"

static int passed, failed;

static void check(int ok, const char *what)
{
    printf("%s - %s\n", ok ? "ok" : "FAIL", what);
    if (ok)
        passed++;
    else
        failed++;
}

static int calls;
static int64_t now_s(void *u) { (void)u; calls++; return 1800000000; }
static uint64_t mono_ms(void *u) { (void)u; calls++; return 0; }
static void sleep_ms(void *u, uint32_t ms) { (void)u; (void)ms; calls++; }
static int entropy(void *u, uint8_t *b, size_t n) { (void)u; memset(b, 7, n); calls++; return 0; }
static int conn(void *u, const char *h, uint16_t p, uint32_t t)
{ (void)u; (void)h; (void)p; (void)t; calls++; return -1; }
static int snd(void *u, int s, const uint8_t *b, size_t n, uint32_t t)
{ (void)u; (void)s; (void)b; (void)n; (void)t; calls++; return -1; }
static int rcv(void *u, int s, uint8_t *b, size_t n, uint32_t t)
{ (void)u; (void)s; (void)b; (void)n; (void)t; calls++; return -1; }
static void cls(void *u, int s) { (void)u; (void)s; calls++; }
static int rd(void *u, const char *name, uint8_t *b, size_t cap, size_t *len)
{ (void)u; (void)name; (void)b; (void)cap; (void)len; calls++; return -1; }
static int wr(void *u, const char *name, const uint8_t *b, size_t len, int secret)
{ (void)u; (void)name; (void)b; (void)len; (void)secret; calls++; return -1; }

int main(void)
{
    static acme5g_ctx ctx;
    static acme5g_shared_request req;
    acme5g_port port;
    acme5g_enrol_params p;
    acme5g_identifier id;

    memset(&port, 0, sizeof(port));
    port.connect = conn;
    port.send = snd;
    port.recv = rcv;
    port.close = cls;
    port.now_s = now_s;
    port.monotonic_ms = mono_ms;
    port.sleep_ms = sleep_ms;
    port.entropy = entropy;
    port.store_read = rd;
    port.store_write = wr;
    check(acme5g_init(&ctx, &port) == ACME5G_OK, "init");
    memset(&req, 0x5a, sizeof(req));
    check(acme5g_shared_accept(&ctx, 3, 5, &req) == ACME5G_ERR_ARG && req.csr_len == 0 &&
              acme5g_last_error(&ctx) == ACME5G_ERR_ARG,
          "acme5g_shared_accept: ACME5G_ERR_ARG, the request cleared");
    check(acme5g_shared_respond(&ctx, 200, "x", 1, NULL, NULL) == ACME5G_ERR_ARG,
          "acme5g_shared_respond: ACME5G_ERR_ARG");
#if !ACME5G_WITH_MTLS
    memset(&p, 0, sizeof(p));
    memset(&id, 0, sizeof(id));
    id.type = ACME5G_ID_DNS;
    id.value = "nf.example";
    p.directory_url = "https://shared.example/enrol";
    p.identifiers = &id;
    p.identifier_count = 1;
    p.timeout_s = 5;
    check(acme5g_set_own_cert(&ctx, "x", 1, "y", 1) == ACME5G_ERR_ARG,
          "acme5g_set_own_cert: ACME5G_ERR_ARG");
    check(acme5g_enrol_via(&ctx, &p) == ACME5G_ERR_ARG, "acme5g_enrol_via: ACME5G_ERR_ARG");
#else
    (void)p;
    (void)id;
#endif
    check(calls == 0, "no port call");
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
