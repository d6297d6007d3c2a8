/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/stack-enrol.c -- the peak stack of ONE enrolment on the host,
 * measured by painting (make bench runs it against its Pebble).
 *
 *   build/stack-enrol DIRECTORY_URL CA_PEM STATE_DIR NAME HTTP_PORT
 *
 * acme5g_enrol() runs on a pthread whose stack is a static buffer filled
 * with a pattern beforehand; afterwards the untouched pattern is counted
 * from the low end.  Two runs, each a complete enrolment (new account,
 * http-01, finalize, certificate) through the POSIX port:
 *
 *   library  every port call (sockets, getaddrinfo, poll, files, getrandom,
 *            the log) is switched onto a second painted stack
 *            (swapcontext), so the figure is acme5g + BearSSL alone -- what
 *            a firmware's port adds is its own business;
 *   together the port's calls on the same stack, as the CLI runs.
 *
 * Depths are measured from the thread function's frame, so glibc's thread
 * descriptor (at the top of a caller-supplied stack) is not counted.
 * Prints "# stack-enrol: ..." lines; exits 0 when both enrolments succeeded.
 * Host build (x86-64 -O2 by default): the figure for Cortex-M4 code is
 * tests/stack-m4.c's.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "acme5g.h"
#include "acme5g_posix.h"

#define PAINT 0xA5
#define LIB_STACK (256u * 1024u)
#define PORT_STACK (256u * 1024u)

static unsigned char lib_stack[LIB_STACK] __attribute__((aligned(64)));
static unsigned char port_stack[PORT_STACK] __attribute__((aligned(64)));

static acme5g_ctx ctx;
static acme5g_posix posix;
static acme5g_port real; /* the POSIX port */
static int switch_stacks;

static const char *dir_url, *ca_file, *state_dir, *name;
static uint16_t http_port;
static int enrol_rc;
static uintptr_t entry_frame;   /* the thread function's frame */
static uintptr_t lowest_call_sp = UINTPTR_MAX; /* deepest library frame at a port call */
static unsigned long port_calls;

/* ---- port calls on their own stack --------------------------------------- */

enum { OP_CONNECT, OP_SEND, OP_RECV, OP_CLOSE, OP_LISTEN, OP_ACCEPT, OP_NOW, OP_MONO,
       OP_SLEEP, OP_ENTROPY, OP_READ, OP_WRITE, OP_LOG, OP_DNS };

static struct call {
    int op;
    void *user;
    const char *s1, *s2;
    int h, flag;
    uint16_t port;
    uint32_t t;
    const uint8_t *in;
    uint8_t *out;
    size_t n, *lenp;
    long long r;
} C;

static ucontext_t lib_uc, port_uc;

static void run_call(void)
{
    struct call *c = &C;
    switch (c->op) {
    case OP_CONNECT: c->r = real.connect(c->user, c->s1, c->port, c->t); break;
    case OP_SEND: c->r = real.send(c->user, c->h, c->in, c->n, c->t); break;
    case OP_RECV: c->r = real.recv(c->user, c->h, c->out, c->n, c->t); break;
    case OP_CLOSE: real.close(c->user, c->h); break;
    case OP_LISTEN: c->r = real.listen(c->user, c->port); break;
    case OP_ACCEPT: c->r = real.accept(c->user, c->h, c->t); break;
    case OP_NOW: c->r = real.now_s(c->user); break;
    case OP_MONO: c->r = (long long)real.monotonic_ms(c->user); break;
    case OP_SLEEP: real.sleep_ms(c->user, c->t); break;
    case OP_ENTROPY: c->r = real.entropy(c->user, c->out, c->n); break;
    case OP_READ: c->r = real.store_read(c->user, c->s1, c->out, c->n, c->lenp); break;
    case OP_WRITE: c->r = real.store_write(c->user, c->s1, c->in, c->n, c->flag); break;
    case OP_LOG: if (real.log) real.log(c->user, c->h, c->s1); break;
    case OP_DNS: c->r = real.dns_txt ? real.dns_txt(c->user, c->s1, c->s2, c->flag) : -1; break;
    default: break;
    }
}

static long long port_call(void)
{
    volatile unsigned char here = 0;
    uintptr_t sp = (uintptr_t)&here;
    port_calls++;
    if (sp < lowest_call_sp)
        lowest_call_sp = sp;
    if (!switch_stacks) {
        run_call();
        return C.r;
    }
    if (getcontext(&port_uc) != 0)
        abort();
    port_uc.uc_stack.ss_sp = port_stack;
    port_uc.uc_stack.ss_size = sizeof(port_stack);
    port_uc.uc_link = &lib_uc;
    makecontext(&port_uc, run_call, 0);
    if (swapcontext(&lib_uc, &port_uc) != 0)
        abort();
    return C.r;
}

#define CALL(...) (C = (struct call){ __VA_ARGS__ }, port_call())

static int w_connect(void *u, const char *host, uint16_t port, uint32_t t)
{ return (int)CALL(.op = OP_CONNECT, .user = u, .s1 = host, .port = port, .t = t); }
static int w_send(void *u, int h, const uint8_t *b, size_t n, uint32_t t)
{ return (int)CALL(.op = OP_SEND, .user = u, .h = h, .in = b, .n = n, .t = t); }
static int w_recv(void *u, int h, uint8_t *b, size_t n, uint32_t t)
{ return (int)CALL(.op = OP_RECV, .user = u, .h = h, .out = b, .n = n, .t = t); }
static void w_close(void *u, int h) { (void)CALL(.op = OP_CLOSE, .user = u, .h = h); }
static int w_listen(void *u, uint16_t port)
{ return (int)CALL(.op = OP_LISTEN, .user = u, .port = port); }
static int w_accept(void *u, int h, uint32_t t)
{ return (int)CALL(.op = OP_ACCEPT, .user = u, .h = h, .t = t); }
static int64_t w_now(void *u) { return (int64_t)CALL(.op = OP_NOW, .user = u); }
static uint64_t w_mono(void *u) { return (uint64_t)CALL(.op = OP_MONO, .user = u); }
static void w_sleep(void *u, uint32_t ms) { (void)CALL(.op = OP_SLEEP, .user = u, .t = ms); }
static int w_entropy(void *u, uint8_t *b, size_t n)
{ return (int)CALL(.op = OP_ENTROPY, .user = u, .out = b, .n = n); }
static int w_read(void *u, const char *nm, uint8_t *b, size_t cap, size_t *len)
{ return (int)CALL(.op = OP_READ, .user = u, .s1 = nm, .out = b, .n = cap, .lenp = len); }
static int w_write(void *u, const char *nm, const uint8_t *b, size_t n, int secret)
{ return (int)CALL(.op = OP_WRITE, .user = u, .s1 = nm, .in = b, .n = n, .flag = secret); }
static void w_log(void *u, int level, const char *msg)
{ (void)CALL(.op = OP_LOG, .user = u, .h = level, .s1 = msg); }
static int w_dns(void *u, const char *nm, const char *v, int present)
{ return (int)CALL(.op = OP_DNS, .user = u, .s1 = nm, .s2 = v, .flag = present); }

/* ---- the enrolment on a painted thread stack ----------------------------- */

static void *enrol_thread(void *arg)
{
    static char ca[65536];
    size_t ca_len = 0;
    acme5g_port port;
    acme5g_identifier id;
    acme5g_enrol_params p;
    (void)arg;
    entry_frame = (uintptr_t)__builtin_frame_address(0);
    port = (acme5g_port){ .connect = w_connect, .send = w_send, .recv = w_recv,
                          .close = w_close, .listen = w_listen, .accept = w_accept,
                          .now_s = w_now, .monotonic_ms = w_mono, .sleep_ms = w_sleep,
                          .entropy = w_entropy, .store_read = w_read, .store_write = w_write,
                          .log = w_log, .dns_txt = w_dns, .user = real.user };
    if (acme5g_posix_read_file(ca_file, ca, sizeof(ca), &ca_len) != 0) {
        enrol_rc = -1;
        return NULL;
    }
    if ((enrol_rc = acme5g_init(&ctx, &port)) != ACME5G_OK ||
        (enrol_rc = acme5g_add_trust_anchors_pem(&ctx, ca, ca_len)) != ACME5G_OK)
        return NULL;
    id.type = ACME5G_ID_DNS;
    id.value = name;
    memset(&p, 0, sizeof(p));
    p.directory_url = dir_url;
    p.identifiers = &id;
    p.identifier_count = 1;
    p.http_port = http_port;
    p.timeout_s = 120;
    enrol_rc = acme5g_enrol(&ctx, &p);
    return NULL;
}

/* Bytes below `top` down to the lowest byte that lost the pattern. */
static size_t touched_below(const unsigned char *buf, size_t size, uintptr_t top)
{
    size_t i = 0;
    while (i < size && buf[i] == PAINT)
        i++;
    return (uintptr_t)(buf + i) < top ? (size_t)(top - (uintptr_t)(buf + i)) : 0;
}

static size_t touched(const unsigned char *buf, size_t size)
{
    size_t i = 0;
    while (i < size && buf[i] == PAINT)
        i++;
    return size - i;
}

static int run(int switched, const char *tag, const char *state)
{
    pthread_t th;
    pthread_attr_t attr;
    size_t lib, port, at_call;
    memset(lib_stack, PAINT, sizeof(lib_stack));
    memset(port_stack, PAINT, sizeof(port_stack));
    switch_stacks = switched;
    lowest_call_sp = UINTPTR_MAX;
    port_calls = 0;
    acme5g_posix_port(&posix, state, -1, &real);
    if (pthread_attr_init(&attr) || pthread_attr_setstack(&attr, lib_stack, sizeof(lib_stack)) ||
        pthread_create(&th, &attr, enrol_thread, NULL) || pthread_join(th, NULL)) {
        fprintf(stderr, "stack-enrol: pthread failed\n");
        return 1;
    }
    pthread_attr_destroy(&attr);
    if (enrol_rc != ACME5G_OK) {
        fprintf(stderr, "stack-enrol: %s: enrolment failed: %d %s (%s)\n", tag, enrol_rc,
                enrol_rc > 0 ? acme5g_strerror(enrol_rc) : "",
                acme5g_last_problem(&ctx) ? acme5g_last_problem(&ctx)->detail : "");
        return 1;
    }
    lib = touched_below(lib_stack, sizeof(lib_stack), entry_frame);
    at_call = lowest_call_sp < entry_frame ? (size_t)(entry_frame - lowest_call_sp) : 0;
    if (switched) {
        port = touched(port_stack, sizeof(port_stack));
        printf("# stack-enrol: acme5g_enrol() peak stack, acme5g + BearSSL (port calls on "
               "their own stack): %zu bytes\n", lib);
        printf("# stack-enrol:   deepest library frame at a port call: %zu bytes; the POSIX "
               "port's calls alone: %zu bytes (%lu calls)\n", at_call, port, port_calls);
    } else {
        printf("# stack-enrol: acme5g_enrol() peak stack with the POSIX port's calls on the "
               "same stack (glibc resolver, poll, files): %zu bytes\n", lib);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static char st[2][4096];
    char nm[256];
    int rc = 0;
    if (argc != 6) {
        fprintf(stderr, "usage: %s DIRECTORY_URL CA_PEM STATE_DIR NAME HTTP_PORT\n", argv[0]);
        return 2;
    }
    dir_url = argv[1];
    ca_file = argv[2];
    state_dir = argv[3];
    http_port = (uint16_t)atoi(argv[5]);
    /* two fresh state directories (a new account each), two names */
    snprintf(st[0], sizeof(st[0]), "%s/library", state_dir);
    snprintf(st[1], sizeof(st[1]), "%s/together", state_dir);
    if (acme5g_posix_ensure_dir(state_dir) || acme5g_posix_ensure_dir(st[0]) ||
        acme5g_posix_ensure_dir(st[1])) {
        perror("stack-enrol: state directory");
        return 1;
    }
    snprintf(nm, sizeof(nm), "s1.%s", argv[4]);
    name = nm;
    rc |= run(1, "library", st[0]);
    snprintf(nm, sizeof(nm), "s2.%s", argv[4]);
    rc |= run(0, "together", st[1]);
    return rc;
}
