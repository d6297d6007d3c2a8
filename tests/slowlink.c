/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/slowlink.c -- what an enrolment and a renewal cost over a slow link
 * (issue 18), against a real Pebble (tests/bench.sh starts it and runs this
 * program as part of `make bench`).
 *
 * A port wrapping the POSIX port (port/acme5g_posix.c, as tests/faults.c
 * does) adds a fixed delay, one round trip, to every TCP connect to the
 * server and to every read from it that has to wait for the network: the
 * first read after something was sent.  That is one delay per TCP
 * handshake, per TLS 1.2 handshake flight (two for a full handshake) and
 * per HTTP request; the built-in http-01 responder's connections (the
 * validator's side) are not delayed.  Counted: TCP connects, "turns"
 * (reads that waited), HTTP requests (from the library's debug log), and
 * round trips = connects + turns.
 *
 * For each delay: an enrolment into a new state directory (new account,
 * http-01), then a renewal of it (acme5g_renew: the stored account; Pebble
 * reuses the authorization when run with PEBBLE_AUTHZREUSE=100, so the
 * order is born ready).  Wall time from the monotonic clock.
 *
 * Usage: build/slowlink DIRECTORY_URL CA_PEM HTTP_PORT WORKDIR [RTT_MS...]
 * (default 0 50 300).  Prints one table row per flow and delay; exits 1
 * when a flow failed.  SLOWLINK_LOG=1 shows the library's log.
 */
#include "acme5g.h"
#include "acme5g_posix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_HANDLES 1024

static struct {
    acme5g_port real;
    uint32_t rtt_ms;
    unsigned char outgoing[MAX_HANDLES]; /* a handle from connect() */
    unsigned char sent[MAX_HANDLES];     /* sent since the last read that waited */
    long connects, turns, requests;
} S;

static void real_sleep_ms(uint32_t ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int known(int h) { return h >= 0 && h < MAX_HANDLES; }

static int sl_connect(void *u, const char *host, uint16_t port, uint32_t t)
{
    int h;
    S.connects++;
    real_sleep_ms(S.rtt_ms); /* SYN, SYN-ACK */
    h = S.real.connect(u, host, port, t);
    if (known(h)) {
        S.outgoing[h] = 1;
        S.sent[h] = 0;
    }
    return h;
}

static int sl_send(void *u, int h, const uint8_t *b, size_t l, uint32_t t)
{
    int r = S.real.send(u, h, b, l, t);
    if (r > 0 && known(h) && S.outgoing[h])
        S.sent[h] = 1;
    return r;
}

static int sl_recv(void *u, int h, uint8_t *b, size_t l, uint32_t t)
{
    if (known(h) && S.outgoing[h] && S.sent[h]) {
        /* the answer to what was sent is a round trip away */
        S.sent[h] = 0;
        S.turns++;
        real_sleep_ms(S.rtt_ms);
    }
    return S.real.recv(u, h, b, l, t);
}

static void sl_close(void *u, int h)
{
    if (known(h))
        S.outgoing[h] = S.sent[h] = 0;
    S.real.close(u, h);
}

static void sl_log(void *u, int level, const char *msg)
{
    if (level == 3 && (!strncmp(msg, "GET ", 4) || !strncmp(msg, "HEAD ", 5) ||
                       !strncmp(msg, "POST ", 5)))
        S.requests++;
    if (getenv("SLOWLINK_LOG") && S.real.log)
        S.real.log(u, level, msg);
}

static acme5g_ctx ctx;
static acme5g_posix posix;
static char ca_pem[16384];
static size_t ca_len;

/* One enrolment or renewal of `name` on `state`; its error code. */
static int run_flow(const char *dir_url, uint16_t http_port, const char *state, const char *name,
                    int renew)
{
    acme5g_identifier id;
    acme5g_port port;
    acme5g_enrol_params p;
    acme5g_posix_port(&posix, state, 3, &S.real);
    port = S.real;
    port.connect = sl_connect;
    port.send = sl_send;
    port.recv = sl_recv;
    port.close = sl_close;
    port.log = sl_log;
    S.connects = S.turns = S.requests = 0;
    if (acme5g_init(&ctx, &port) != ACME5G_OK ||
        acme5g_add_trust_anchors_pem(&ctx, ca_pem, ca_len) != ACME5G_OK)
        return ACME5G_ERR_ARG;
    memset(&id, 0, sizeof(id));
    id.type = ACME5G_ID_DNS;
    id.value = name;
    memset(&p, 0, sizeof(p));
    p.directory_url = dir_url;
    p.identifiers = &id;
    p.identifier_count = 1;
    p.http_port = http_port;
    p.timeout_s = 120;
    return renew ? acme5g_renew(&ctx, &p) : acme5g_enrol(&ctx, &p);
}

int main(int argc, char **argv)
{
    static const char *const defaults[] = { "0", "50", "300" };
    const char *const *rtts = defaults;
    int nrtt = 3, i, status = 0;
    uint16_t http_port;

    if (argc < 5) {
        fprintf(stderr, "usage: %s DIRECTORY_URL CA_PEM HTTP_PORT WORKDIR [RTT_MS...]\n",
                argv[0]);
        return 2;
    }
    if (acme5g_posix_read_file(argv[2], ca_pem, sizeof(ca_pem), &ca_len) != 0) {
        fprintf(stderr, "slowlink: cannot read %s\n", argv[2]);
        return 2;
    }
    http_port = (uint16_t)atoi(argv[3]);
    if (argc > 5) {
        rtts = (const char *const *)(argv + 5);
        nrtt = argc - 5;
    }
    printf("%-10s %-24s %8s %8s %6s %11s %9s\n", "round trip", "", "requests", "connects",
           "turns", "round trips", "wall");
    for (i = 0; i < nrtt; i++) {
        char state[1024], name[64];
        int renew;
        S.rtt_ms = (uint32_t)atoi(rtts[i]);
        snprintf(state, sizeof(state), "%s/slow-%u", argv[4], (unsigned)S.rtt_ms);
        snprintf(name, sizeof(name), "slow%u.acme5g.test", (unsigned)S.rtt_ms);
        if (acme5g_posix_ensure_dir(state) != 0) {
            fprintf(stderr, "slowlink: cannot make %s\n", state);
            return 2;
        }
        for (renew = 0; renew <= 1; renew++) {
            uint64_t t0 = now_ms();
            int err = run_flow(argv[1], http_port, state, name, renew);
            uint64_t ms = now_ms() - t0;
            char rt[16];
            snprintf(rt, sizeof(rt), "%u ms", (unsigned)S.rtt_ms);
            if (err) {
                printf("%-10s %-24s FAILED: %s\n", rt,
                       renew ? "pre-authorized renewal" : "enrolment (new account)",
                       acme5g_strerror(err));
                status = 1;
                continue;
            }
            printf("%-10s %-24s %8ld %8ld %6ld %11ld %7.2f s\n", rt,
                   renew ? "pre-authorized renewal" : "enrolment (new account)", S.requests,
                   S.connects, S.turns, S.connects + S.turns, (double)ms / 1000.0);
        }
    }
    return status;
}
