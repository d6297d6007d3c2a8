/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/baremetal-enrol.c -- acme5g enrols and renews against a real
 * Pebble with the bare-metal port's storage and entropy: the example
 * firmware's slot table (fw_slots.h) and config (acme5g_config.h) over a
 * RAM-backed NOR flash, the seed slot instead of a TRNG.  The network and
 * the clock are the POSIX port's (the host has no LAN9118).  Then the
 * power is cut at every flash operation of a renewal (a program is cut
 * half-way through its bytes; nothing reaches the flash afterwards), and
 * after each cut a "boot" checks that the stored chain and key are a
 * matching pair, the previous one or a new one, and (every few points,
 * and the last) that the next renewal completes.
 *
 * Usage: build/baremetal-enrol DIRECTORY_URL CA_PEM HTTP_PORT WORKDIR
 * (tests/baremetal.sh starts Pebble).  Prints ok/FAIL lines and
 * "N passed, N failed".
 */
#include "../acme5g.c"
#include "../port/acme5g_baremetal.c"
#include "acme5g_posix.h"
#include "fw_slots.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TIMEOUT_S 60
#define RERUN_EVERY 4

/* ------------------------------------------------------------------------
 * The NOR flash, with a power cut at operation number cut_at
 * ---------------------------------------------------------------------- */

static uint8_t fl[FW_STORE_SIZE];
static long fl_ops, cut_at = -1; /* erases + programs so far; -1: no cut */
static int fl_off, fl_violations;

static int cut_now(void)
{
    if (fl_off)
        return 1;
    fl_ops++;
    return cut_at >= 0 && fl_ops >= cut_at;
}

static int fl_read(void *u, uint32_t a, uint8_t *b, size_t n)
{
    (void)u;
    if (fl_off || a > FW_STORE_SIZE || n > FW_STORE_SIZE - a)
        return -1;
    memcpy(b, fl + a, n);
    return 0;
}

static int fl_erase(void *u, uint32_t a)
{
    (void)u;
    if (a % FW_STORE_SECTOR != 0 || a >= FW_STORE_SIZE) {
        fl_violations++;
        return -1;
    }
    if (cut_now()) {
        fl_off = 1;
        return -1;
    }
    memset(fl + a, 0xFF, FW_STORE_SECTOR);
    return 0;
}

static int fl_program(void *u, uint32_t a, const uint8_t *b, size_t n)
{
    size_t i, stop = n;
    (void)u;
    if (a > FW_STORE_SIZE || n > FW_STORE_SIZE - a) {
        fl_violations++;
        return -1;
    }
    if (cut_now()) {
        if (fl_off)
            return -1;
        fl_off = 1;
        stop = n / 2; /* torn: half of it reached the cells */
    }
    for (i = 0; i < stop; i++) {
        if ((b[i] & (uint8_t)~fl[a + i]) != 0) {
            fl_violations++;
            return -1;
        }
        fl[a + i] &= b[i];
    }
    return stop == n ? 0 : -1;
}

static const acme5g_baremetal_flash nor = {FW_STORE_SECTOR, fl_read, fl_erase, fl_program,
                                           FW_STORE_SIZE};
static const acme5g_baremetal_slot table[FW_SLOT_COUNT] = FW_SLOT_TABLE(0);

/* ------------------------------------------------------------------------
 * The hybrid port: network and clock from POSIX, the rest bare metal
 * ---------------------------------------------------------------------- */

static uint32_t host_ticks(void *u)
{
    struct timespec ts;
    (void)u;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

/* the bare-metal port's check wants network callbacks; they are unused */
static int n_open(void *u, const char *h, uint16_t p) { (void)u; (void)h; (void)p; return -1; }
static int n_state(void *u, int c) { (void)u; (void)c; return -1; }
static int n_write(void *u, int c, const uint8_t *b, size_t n)
{
    (void)u; (void)c; (void)b; (void)n;
    return -1;
}
static int n_read(void *u, int c, uint8_t *b, size_t n)
{
    (void)u; (void)c; (void)b; (void)n;
    return -1;
}
static void n_close(void *u, int c) { (void)u; (void)c; }
static int n_listen(void *u, uint16_t p) { (void)u; (void)p; return -1; }
static int n_accept(void *u, int l) { (void)u; (void)l; return -1; }
static const acme5g_baremetal_net no_net = {n_open, n_state, n_write, n_read, n_close,
                                            n_listen, n_accept, NULL};

static acme5g_posix posix;
static acme5g_port pp, bp, port;
static acme5g_baremetal bm;
static acme5g_ctx ctx;

static int h_store_read(void *u, const char *name, uint8_t *b, size_t cap, size_t *len)
{
    (void)u;
    return bp.store_read(bp.user, name, b, cap, len);
}

static int h_store_write(void *u, const char *name, const uint8_t *b, size_t len, int secret)
{
    (void)u;
    return bp.store_write(bp.user, name, b, len, secret);
}

static int h_entropy(void *u, uint8_t *b, size_t len)
{
    (void)u;
    return bp.entropy(bp.user, b, len);
}

/* Power on: the bare-metal port starts afresh over the same flash. */
static void boot(void)
{
    fl_off = 0;
    cut_at = -1;
    fl_ops = 0;
    memset(&bm, 0, sizeof bm);
    bm.net = &no_net;
    bm.ticks = host_ticks;
    bm.tick_hz = 1000;
    bm.flash = &nor;
    bm.slots = table;
    bm.slot_count = FW_SLOT_COUNT;
    acme5g_baremetal_port(&bm, &bp);
    acme5g_posix_port(&posix, NULL, getenv("BAREMETAL_LOG") ? 3 : -1, &pp);
    port = pp;
    port.store_read = h_store_read;
    port.store_write = h_store_write;
    port.entropy = h_entropy;
}

/* ------------------------------------------------------------------------
 * Flows and checks
 * ---------------------------------------------------------------------- */

static const char *dir_url;
static uint16_t http_port;
static char ca_pem[16384];
static size_t ca_len;

static int flow(int renew)
{
    static const acme5g_identifier ids[] = {{ACME5G_ID_DNS, "baremetal.example"}};
    acme5g_enrol_params p;
    if (acme5g_init(&ctx, &port) != ACME5G_OK ||
        acme5g_add_trust_anchors_pem(&ctx, ca_pem, ca_len) != ACME5G_OK)
        return ACME5G_ERR_ARG;
    memset(&p, 0, sizeof(p));
    p.directory_url = dir_url;
    p.identifiers = ids;
    p.identifier_count = 1;
    p.http_port = http_port;
    p.timeout_s = TIMEOUT_S;
    return renew ? acme5g_renew(&ctx, &p) : acme5g_enrol(&ctx, &p);
}

/* After acme5g_repair_pair() (what the firmware does at boot): 1 when
 * cert.pem's leaf matches cert.key (chain copied out), 0 when neither is
 * stored, -1 otherwise. */
static int pair_state(char *chain, size_t cap, size_t *chain_len)
{
    static char keypem[1024];
    static unsigned char der[4096];
    size_t kl = 0, off = 0, dl = 0;
    x509_fields f;
    der_r point;
    acme5g_ec_key k;
    int r, rc, rk;
    if (acme5g_init(&ctx, &port) != ACME5G_OK)
        return -1;
    r = acme5g_repair_pair(&ctx);
    *chain_len = 0;
    rc = port.store_read(NULL, ACME5G_STORE_CERT, (uint8_t *)chain, cap, chain_len);
    rk = port.store_read(NULL, ACME5G_STORE_CERT_KEY, (uint8_t *)keypem, sizeof keypem, &kl);
    if (rc == ACME5G_PORT_NOT_FOUND && rk == ACME5G_PORT_NOT_FOUND)
        return r == ACME5G_OK ? 0 : -1;
    if (r != ACME5G_OK || rc != 0 || rk != 0)
        return -1;
    if (pem_next(chain, *chain_len, &off, "CERTIFICATE", der, sizeof(der), &dl) != 1 ||
        x509_parse(der, dl, &f) || spki_ec_point(&f.spki, &point) ||
        key_from_pem(&ctx, &k, keypem, kl) != ACME5G_OK)
        return -1;
    r = (size_t)(point.end - point.p) == k.pk.qlen && !memcmp(point.p, k.pk.q, k.pk.qlen);
    wipe(&k, sizeof(k));
    wipe(keypem, sizeof keypem);
    return r ? 1 : -1;
}

static int tests_passed, tests_failed;

static void result(int ok, const char *msg)
{
    printf("%s - %s\n", ok ? "ok" : "FAIL", msg);
    if (ok)
        tests_passed++;
    else
        tests_failed++;
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static uint8_t snap[FW_STORE_SIZE];
    static char before[ACME5G_BODY_MAX + 1], after[ACME5G_BODY_MAX + 1], msg[512];
    size_t bl = 0, al = 0;
    uint8_t seed[32];
    const char *what = NULL;
    FILE *f;
    long ops, n, cuts = 0, absorbed = 0, reruns = 0;
    int err, ps, bad = 0, was_cut;
    time_t t0;

    if (argc != 5) {
        fprintf(stderr, "usage: %s DIRECTORY_URL CA_PEM HTTP_PORT WORKDIR\n", argv[0]);
        return 2;
    }
    dir_url = argv[1];
    http_port = (uint16_t)atoi(argv[3]);
    if (acme5g_posix_read_file(argv[2], ca_pem, sizeof(ca_pem), &ca_len) != 0) {
        result(0, "read the CA file");
        return 1;
    }
    /* the factory: an erased store, a random seed */
    memset(fl, 0xFF, sizeof fl);
    f = fopen("/dev/urandom", "rb");
    if (f == NULL || fread(seed, 1, sizeof seed, f) != sizeof seed) {
        result(0, "read /dev/urandom");
        return 1;
    }
    fclose(f);
    boot();
    result(bp.store_write(bp.user, ACME5G_BAREMETAL_SEED_SLOT, seed, sizeof seed, 1) == 0,
           "seed provisioned in the seed slot");
    wipe(seed, sizeof seed);
    err = acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_ENROL |
                                 ACME5G_BAREMETAL_NEEDS_HTTP01, &what);
    snprintf(msg, sizeof msg, "start-up check passes with fw_slots.h (%s%s%s)",
             acme5g_baremetal_check_str(err), err ? ": " : "", err ? what : "");
    result(err == 0, msg);

    err = flow(0);
    snprintf(msg, sizeof msg, "enrolment against Pebble over the port's flash slots and seed: %s",
             acme5g_strerror(err));
    result(err == ACME5G_OK, msg);
    boot();
    ps = pair_state(before, sizeof before, &bl);
    result(ps == 1, "the stored chain and key are a matching pair");

    /* a renewal without fault: how many flash operations it makes */
    memcpy(snap, fl, sizeof fl);
    boot();
    err = flow(1);
    ops = fl_ops;
    boot();
    ps = pair_state(after, sizeof after, &al);
    snprintf(msg, sizeof msg, "renewal: %s, a new matching pair, %ld flash operations",
             acme5g_strerror(err), ops);
    result(err == ACME5G_OK && ps == 1 && (al != bl || memcmp(after, before, al) != 0) &&
           fl_violations == 0, msg);
    if (err != ACME5G_OK || ops <= 0) {
        printf("%d passed, %d failed\n", tests_passed, tests_failed + 1);
        return 1;
    }

    /* the power cut at each of them; the state before: snap, pair `before` */
    memcpy(snap, fl, sizeof fl);
    boot();
    (void)pair_state(before, sizeof before, &bl);
    t0 = time(NULL);
    for (n = 1; n <= ops + 1; n++) {
        memcpy(fl, snap, sizeof fl);
        boot();
        cut_at = n;
        err = flow(1);
        was_cut = fl_off;
        if (was_cut)
            cuts++;
        else
            absorbed++; /* the flow made fewer operations this time */
        boot();
        ps = pair_state(after, sizeof after, &al);
        if (ps != 1 || (!was_cut && err != ACME5G_OK)) {
            if (!bad)
                printf("# cut at operation %ld: %s, pair state %d\n", n, acme5g_strerror(err), ps);
            bad++;
            continue;
        }
        if (n % RERUN_EVERY == 0 || n >= ops) {
            reruns++;
            boot();
            err = flow(1);
            boot();
            ps = pair_state(after, sizeof after, &al);
            if (err != ACME5G_OK || ps != 1 || (al == bl && memcmp(after, before, al) == 0)) {
                if (!bad)
                    printf("# after the cut at %ld the next renewal: %s, pair state %d\n", n,
                           acme5g_strerror(err), ps);
                bad++;
            }
        }
    }
    snprintf(msg, sizeof msg,
             "power cut at each of %ld flash operations of a renewal: a matching pair after "
             "every boot, the next renewal completes (%ld cuts, %ld absorbed, %ld reruns, "
             "%ld s; %d bad)", ops, cuts, absorbed, reruns, (long)(time(NULL) - t0), bad);
    result(bad == 0 && fl_violations == 0, msg);
    printf("%d passed, %d failed\n", tests_passed, tests_failed);
    return tests_failed ? 1 : 0;
}
