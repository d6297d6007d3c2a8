/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/stack-m4.c -- peak stack of the crypto paths of an enrolment on
 * Cortex-M4 code (Thumb-2, -Os, ACME5G_TLS_MINIMAL=1), measured by painting
 * under qemu-arm (tests/stack-m4.sh builds and runs it with
 * tests/m4-linux.c, as tests/unit-m4.sh does for the unit tests).
 *
 * Each path runs from a function whose stack pointer is recorded; the 48 KB
 * below it were painted with a pattern first, and the lowest byte that lost
 * the pattern gives the path's depth.  The paths:
 *
 *   keygen     key_generate(): a fresh P-256 key (HMAC-DRBG, BearSSL m31)
 *   key load   key_from_pem(): the stored account key, PKCS#8 PEM
 *   JWS        jws_seal(): an ES256 JWS (jwk header, SHA-256, ECDSA sign)
 *   CSR        csr_build(): the DER CSR for one name, signed
 *   TLS GET    http_request(): a TLS 1.2 ECDHE-ECDSA (P-256, AES-128-GCM)
 *              handshake with chain verification and one GET
 *   TLS POST   flow_post(): a fresh connection (handshake), HEAD newNonce,
 *              then a JWS-signed POST and its answer
 *
 * The TLS peer is the unit tests' in-process BearSSL server (tests/harness.h,
 * through tests/unit.c); it runs inside the client's port calls, so here it
 * runs on a stack of its own (srv_pump_hook) and only the client is
 * counted.  Prints "# stack-m4: ..." lines and "N passed, N failed".
 */
#define main unit_main
#include "unit.c"
#undef main

#include <stdint.h>

#define PAINT 0xA5
#define PAINT_BYTES (48 * 1024)
#define GAP 256 /* left alone above the painted area: measure()'s own calls */

static unsigned char srv_stack[32 * 1024] __attribute__((aligned(8)));
static uintptr_t op_entry;
static size_t srv_peak;

/* Run pump() with the stack pointer at the top of srv_stack. */
static void pump_on_own_stack(void (*pump)(void))
{
#if defined(__arm__) && defined(__thumb2__)
    void *top = srv_stack + sizeof(srv_stack);
    __asm__ volatile("mov r4, sp\n\t"
                     "mov sp, %1\n\t"
                     "blx %0\n\t"
                     "mov sp, r4"
                     :
                     : "r"(pump), "r"(top)
                     : "r0", "r1", "r2", "r3", "r4", "r12", "lr", "memory", "cc");
#else
    pump(); /* elsewhere: nested, the server is counted too */
#endif
}

static __attribute__((noinline)) void paint(volatile unsigned char *lo,
                                            volatile unsigned char *hi)
{
    while (lo < hi)
        *lo++ = PAINT;
}

static __attribute__((noinline)) void call_op(void (*fn)(void))
{
    uintptr_t sp;
#if defined(__arm__)
    __asm__ volatile("mov %0, sp" : "=r"(sp));
#else
    volatile unsigned char here = 0;
    sp = (uintptr_t)&here;
#endif
    op_entry = sp;
    fn();
}

static __attribute__((noinline)) size_t measure(void (*fn)(void))
{
    volatile unsigned char here = 0;
    uintptr_t top = (uintptr_t)&here;
    volatile unsigned char *hi = (volatile unsigned char *)(top - GAP);
    volatile unsigned char *lo = (volatile unsigned char *)(top - GAP - PAINT_BYTES), *p;
    size_t i;
    paint(lo, hi);
    memset(srv_stack, PAINT, sizeof(srv_stack));
    call_op(fn);
    for (p = lo; p < hi && *p == PAINT; p++)
        ;
    for (i = 0; i < sizeof(srv_stack) && srv_stack[i] == PAINT; i++)
        ;
    if (sizeof(srv_stack) - i > srv_peak)
        srv_peak = sizeof(srv_stack) - i;
    if (p == lo)
        printf("# stack-m4: the painted %d KB were not enough\n", PAINT_BYTES / 1024);
    return op_entry > (uintptr_t)p ? (size_t)(op_entry - (uintptr_t)p) : 0;
}

/* ---- the paths ----------------------------------------------------------- */

static acme5g_ctx sctx;
static acme5g_ec_key skey;
static unsigned char scsr[1024];
static size_t spayload_end;
static int serr;
static char spem[2048];
static size_t spem_len;

static void op_keygen(void) { serr = key_generate(&sctx, &skey, ACME5G_KEY_P256); }

static void op_key_load(void) { serr = key_from_pem(&sctx, &skey, spem, spem_len); }

static void op_jws(void)
{
    size_t len = 0;
    serr = jws_seal(&sctx, spayload_end, "https://a.example/new-acct", 1, &len);
}

static void op_csr(void)
{
    static const acme5g_identifier ids[1] = { { ACME5G_ID_DNS, "nf1.5gc.example" } };
    size_t len = 0;
    serr = csr_build(&skey, NULL, ids, 1, scsr, sizeof(scsr), &len);
}

static void op_tls_get(void) { serr = get_str(resp_json); }

static void op_tls_post(void)
{
    serr = flow_post(&hctx, "https://localhost/chall/1", spayload_end, 0);
}

static void report(const char *what, size_t depth, int err)
{
    printf("# stack-m4: %-58s %6lu bytes\n", what, (unsigned long)depth);
    if (err)
        printf("FAIL - stack-m4: %s: %d %s\n", what, err, acme5g_strerror(err));
    else
        printf("ok - stack-m4: %s\n", what);
    if (err)
        tests_failed++;
    else
        tests_passed++;
}

int main(void)
{
    static const unsigned char seed[32] = { 42 };
    size_t d, peak = 0;
    wbuf w;
    vec_init();

    /* keys: a DRBG with a fixed seed */
    memset(&sctx, 0, sizeof(sctx));
    br_hmac_drbg_init(&sctx.drbg, &br_sha256_vtable, seed, sizeof(seed));
    d = measure(op_keygen);
    report("key generation, P-256 (key_generate)", d, serr);
    peak = d > peak ? d : peak;

    spem_len = vec_read("ec-p256-pkcs8.pem", spem, sizeof(spem));
    d = measure(op_key_load);
    report("stored key load, PKCS#8 PEM (key_from_pem)", d, serr);
    peak = d > peak ? d : peak;

    /* JWS with the generated key as the account key */
    sctx.account_key = skey;
    snprintf(sctx.nonce, sizeof(sctx.nonce), "oFvnlFP1wIhRlYS2jTaXbA");
    jws_payload_begin(&sctx, &w);
    w_str(&w, "{\"termsOfServiceAgreed\":true}");
    w_b64_end(&w);
    spayload_end = w.len;
    d = measure(op_jws);
    report("JWS ES256 with jwk (jws_seal)", d, serr);
    peak = d > peak ? d : peak;

    d = measure(op_csr);
    report("CSR for one name, ES256-signed (csr_build)", d, serr);
    peak = d > peak ? d : peak;

    /* TLS against the in-process server, which runs on srv_stack */
    srv_pump_hook = pump_on_own_stack;
    if (srv_load()) {
        printf("FAIL - stack-m4: server certificate and key load\n");
        tests_failed++;
    }
    http_setup();
    d = measure(op_tls_get);
    report("TLS 1.2 ECDHE-ECDSA handshake + GET (http_request)", d, serr);
    peak = d > peak ? d : peak;
    http_teardown();

    post_setup(); /* a new context: the POST opens a new connection */
    spayload_end = hctx.body_len;
    hctx.nonce[0] = 0;
    script_clear();
    script_add_str("HTTP/1.1 200 OK\r\nReplay-Nonce: from-head\r\n\r\n", SRV_KEEP);
    script_add_str("HTTP/1.1 200 OK\r\nReplay-Nonce: n4\r\nContent-Type: application/json\r\n"
                   "Content-Length: 2\r\n\r\n{}", SRV_KEEP);
    d = measure(op_tls_post);
    report("handshake + HEAD newNonce + JWS POST (flow_post)", d, serr);
    peak = d > peak ? d : peak;
    http_teardown();

    printf("# stack-m4: %-58s %6lu bytes\n", "deepest of these (the client)", (unsigned long)peak);
    printf("# stack-m4: %-58s %6lu bytes\n", "(the BearSSL test server, on its own stack)",
           (unsigned long)srv_peak);
    printf("%d passed, %d failed\n", tests_passed, tests_failed);
    return tests_failed != 0;
}
