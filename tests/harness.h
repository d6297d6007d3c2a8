/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/harness.h -- the test harness tests/unit.c and tests/hostile.c
 * share: checks, one line per test, the vector files, and the in-process
 * TLS server behind a fake port with fake clocks.
 *
 * Each of them includes ../acme5g.c (so static functions are reachable),
 * then this header; everything here is static, one copy per program.
 * Before the include a file may define:
 *
 *   HARNESS_LOG_ENV   (required) an environment variable: when set, the
 *                     client's log and the server's steps are printed
 *   HARNESS_ONLY_ENV  an environment variable naming part of a test name:
 *                     RUN() runs only the tests whose names contain it
 */
#ifndef ACME5G_TESTS_HARNESS_H
#define ACME5G_TESTS_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==========================================================================
 * Checks
 * ======================================================================== */

static int test_failed;     /* the current test had a failed check */
static int test_fail_lines; /* failed checks printed for the current test */
static int tests_passed, tests_failed;
static const char *case_note; /* what the test ended with, for its ok line */

static void check_fail(const char *file, int line, const char *expr, const char *extra)
{
    test_failed = 1;
    if (++test_fail_lines > 12)
        return; /* a loop that fails everywhere says so a dozen times */
    printf("FAIL %s:%d: %s%s%s\n", file, line, expr, extra ? " " : "", extra ? extra : "");
}

#define CHECK(cond) \
    do { if (!(cond)) check_fail(__FILE__, __LINE__, #cond, NULL); } while (0)

/* Integers (error codes, lengths): prints both values. */
#define CHECK_INT(a, b) \
    do { \
        long long a_ = (long long)(a), b_ = (long long)(b); \
        if (a_ != b_) { \
            char m_[96]; \
            snprintf(m_, sizeof(m_), "(%lld vs %lld)", a_, b_); \
            check_fail(__FILE__, __LINE__, #a " == " #b, m_); \
        } \
    } while (0)

/* Error codes: prints both names. */
#define CHECK_ERR(a, b) \
    do { \
        int a_ = (a), b_ = (b); \
        if (a_ != b_) { \
            char m_[200]; \
            snprintf(m_, sizeof(m_), "(%d \"%s\" vs %d \"%s\")", a_, acme5g_strerror(a_), b_, \
                     acme5g_strerror(b_)); \
            check_fail(__FILE__, __LINE__, #a " == " #b, m_); \
        } \
    } while (0)

#define CHECK_STR(a, b) \
    do { \
        const char *a_ = (a), *b_ = (b); \
        if (strcmp(a_, b_)) { \
            char m_[400]; \
            snprintf(m_, sizeof(m_), "(\"%.180s\" vs \"%.180s\")", a_, b_); \
            check_fail(__FILE__, __LINE__, #a " == " #b, m_); \
        } \
    } while (0)

static void run_test(const char *name, void (*fn)(void))
{
    test_failed = 0;
    test_fail_lines = 0;
    case_note = NULL;
    fn();
    if (test_failed) {
        printf("FAIL - %s\n", name);
        tests_failed++;
    } else {
        printf("ok - %s%s%s\n", name, case_note ? ": " : "", case_note ? case_note : "");
        tests_passed++;
    }
    fflush(stdout);
}

/* The last line, which the scripts read, and main()'s exit status. */
static int tests_done(void)
{
    printf("%d passed, %d failed\n", tests_passed, tests_failed);
    return tests_failed ? 1 : 0;
}

#ifdef HARNESS_ONLY_ENV
#define RUN(fn) \
    do { \
        const char *only_ = getenv(HARNESS_ONLY_ENV); \
        if (!only_ || strstr(#fn, only_)) \
            run_test(#fn, fn); \
    } while (0)
#else
#define RUN(fn) run_test(#fn, fn)
#endif

/* ==========================================================================
 * Vectors (tests/vectors/, made by tests/vectors/gen.sh)
 * ======================================================================== */

static char vec_dir[512];

static void vec_init(void)
{
    const char *env = getenv("ACME5G_VECTORS");
    const char *slash;
    if (env && *env) {
        snprintf(vec_dir, sizeof(vec_dir), "%s", env);
        return;
    }
    /* next to this file, as the compiler saw it (tests/harness.h from the root) */
    slash = strrchr(__FILE__, '/');
    if (slash)
        snprintf(vec_dir, sizeof(vec_dir), "%.*s/vectors", (int)(slash - __FILE__), __FILE__);
    else
        snprintf(vec_dir, sizeof(vec_dir), "vectors");
}

/* Read a vector file, NUL-terminated; a missing file fails the test. */
static size_t vec_read(const char *name, char *buf, size_t cap)
{
    char path[700];
    FILE *f;
    size_t n;
    snprintf(path, sizeof(path), "%s/%s", vec_dir, name);
    f = fopen(path, "rb");
    if (!f) {
        check_fail(__FILE__, __LINE__, "vector file readable:", path);
        buf[0] = 0;
        return 0;
    }
    n = fread(buf, 1, cap - 1, f);
    if (!feof(f))
        check_fail(__FILE__, __LINE__, "vector file fits its buffer:", path);
    fclose(f);
    buf[n] = 0;
    return n;
}

/* ==========================================================================
 * The in-process TLS server and the test port
 *
 * The test port does no I/O: send() feeds the client's records into a
 * BearSSL server engine, recv() runs that engine and returns its records.
 * The server answers each request (its head, and a body of Content-Length
 * bytes) with the next step of a script: canned response bytes, or bytes
 * a generator makes without end, pushed as application data in pieces
 * (first_piece, then piece bytes; one byte a record when the step
 * trickles), each piece flushed as its own record, and the next piece only
 * when the client has taken everything before it -- so the client's reads
 * split exactly there.  The wall clock is fixed (now_s); the monotonic one
 * advances by 1 ms a call and as a blocking port's would: a recv() that
 * gets nothing costs its whole timeout, a trickle its trickle_ms a record.
 * Entropy is a counter.  The store reads only stored_cert_pem and records
 * the names written; the log is kept in T.log.
 * ======================================================================== */

#ifndef HARNESS_LOG_ENV
#error "define HARNESS_LOG_ENV (the variable that prints the log and the server's steps)"
#endif

#define T_NOW 1750000000      /* 2025-06-15 15:06:40 UTC: vector certs valid */
#define T_HANDLE 7
#define SIZE_ENDLESS ((size_t)-1) /* the length of a generated step */

enum {
    SRV_KEEP = 0,        /* answer, keep the connection */
    SRV_CLOSE_AFTER,     /* answer, then close_notify */
    SRV_CLOSE_BEFORE,    /* close_notify instead of an answer */
    SRV_TCP_CLOSE_BEFORE,/* drop the TCP connection instead of an answer */
    SRV_TCP_CLOSE_AFTER, /* answer, then drop TCP without close_notify */
    SRV_STALL            /* never answer (recv times out) */
};

/* Bytes from `off` on of an endless response, at most cap; how many. */
typedef size_t (*gen_fn)(size_t off, unsigned char *out, size_t cap);

typedef struct srv_step {
    const char *resp;    /* canned bytes, or NULL with gen */
    size_t len;          /* SIZE_ENDLESS with gen */
    int mode;
    gen_fn gen;
    uint32_t trickle_ms; /* > 0: one byte a record, the clock advancing so much a recv */
    int repeat;          /* answer every later request with this step too */
} srv_step;

static struct tport {
    /* counters */
    int connects, closes, sends, recvs, requests, forbidden;
    int open;                   /* the client holds the handle */
    char connect_host[128];
    uint16_t connect_port;
    int connect_result;         /* 0: T_HANDLE; else returned as is */
    int64_t now;
    uint64_t mono;
    unsigned char entropy_ctr;
    size_t recv_max;            /* 0: no limit on one recv() */
    size_t first_piece, piece;  /* response split; 0 = as large as possible */
    /* script */
    srv_step steps[16];
    int nsteps, step;
    /* server */
    int responding, pending, stalled, tcp_closed;
    srv_step cur;               /* the step being answered (a copy: the
                                 * script may be rewritten before its end) */
    size_t resp_off, pieces_sent;
    char req[16384];            /* the request coming in (as much as fits) */
    size_t req_len, req_body_left;
    int in_body;
    char last_req[16384];       /* the last whole request */
    char last_req_line[256];    /* and its request line */
    size_t c2s_len, s2c_off, s2c_len;
    unsigned char c2s[40000];
    unsigned char s2c[40000];
    /* storage: names written, in order */
    char writes[32][32];
    int nwrites;
    char account_key_pem[512];
    size_t account_key_len;
    /* log, every level the build keeps */
    char log[65536];
    size_t log_len;
} T;

static br_ssl_server_context srv;
static unsigned char srv_iobuf[BR_SSL_BUFSIZE_BIDI];
static br_ssl_session_cache_lru srv_cache;
static unsigned char srv_cache_buf[4096];
static br_x509_certificate srv_chain[1];
static unsigned char srv_cert_der[2048];
static br_ec_private_key srv_sk;
static unsigned char srv_sk_x[BR_EC_KBUF_PRIV_MAX_SIZE];
static int srv_loaded;

static int srv_load(void)
{
    static char pem[4096];
    size_t n, off = 0, dl = 0;
    br_skey_decoder_context dc;
    const br_ec_private_key *sk;
    if (srv_loaded)
        return 0;
    n = vec_read("localhost.pem", pem, sizeof(pem));
    if (pem_next(pem, n, &off, "CERTIFICATE", srv_cert_der, sizeof(srv_cert_der), &dl) != 1)
        return -1;
    srv_chain[0].data = srv_cert_der;
    srv_chain[0].data_len = dl;
    n = vec_read("localhost-key.pem", pem, sizeof(pem));
    off = 0;
    if (pem_next(pem, n, &off, "PRIVATE KEY", srv_cert_der + dl, sizeof(srv_cert_der) - dl,
                 &n) != 1)
        return -1;
    br_skey_decoder_init(&dc);
    br_skey_decoder_push(&dc, srv_cert_der + dl, n);
    sk = br_skey_decoder_get_ec(&dc);
    if (!sk || sk->xlen > sizeof(srv_sk_x))
        return -1;
    memcpy(srv_sk_x, sk->x, sk->xlen);
    srv_sk.curve = sk->curve;
    srv_sk.x = srv_sk_x;
    srv_sk.xlen = sk->xlen;
    br_ssl_session_cache_lru_init(&srv_cache, srv_cache_buf, sizeof(srv_cache_buf));
    srv_loaded = 1;
    return 0;
}

static void srv_reset(void)
{
    static const unsigned char seed[32] = { 1, 2, 3, 4 };
    br_ssl_server_init_full_ec(&srv, srv_chain, 1, BR_KEYTYPE_EC, &srv_sk);
    br_ssl_engine_set_buffer(&srv.eng, srv_iobuf, sizeof(srv_iobuf), 1);
    br_ssl_server_set_cache(&srv, &srv_cache.vtable);
    br_ssl_engine_inject_entropy(&srv.eng, seed, sizeof(seed));
    CHECK(br_ssl_server_reset(&srv));
    T.responding = T.pending = T.stalled = T.tcp_closed = 0;
    memset(&T.cur, 0, sizeof(T.cur));
    T.req_len = T.req_body_left = 0;
    T.in_body = 0;
    T.c2s_len = T.s2c_off = T.s2c_len = 0;
}

/* Script: a response for the next request, after those added before.
 * Returns the step for what else it should do (gen, trickle_ms, repeat). */
static srv_step *script_add(const char *resp, size_t len, int mode)
{
    srv_step *s;
    if (T.nsteps >= (int)COUNT(T.steps)) {
        CHECK(!"script fits");
        return NULL;
    }
    s = &T.steps[T.nsteps++];
    memset(s, 0, sizeof(*s));
    s->resp = resp;
    s->len = len;
    s->mode = mode;
    return s;
}

static void srv_start_step(void)
{
    const srv_step *s;
    T.pending--;
    if (T.step < T.nsteps) {
        s = &T.steps[T.step++];
    } else if (T.nsteps && T.steps[T.nsteps - 1].repeat) {
        s = &T.steps[T.nsteps - 1];
    } else { /* nothing scripted: hang up */
        br_ssl_engine_close(&srv.eng);
        return;
    }
    T.cur = *s;
    T.resp_off = 0;
    T.pieces_sent = 0;
    if (getenv(HARNESS_LOG_ENV))
        printf("  server: step %d answers \"%s\"\n", T.step, T.last_req_line);
    if (s->mode == SRV_CLOSE_BEFORE)
        br_ssl_engine_close(&srv.eng);
    else if (s->mode == SRV_TCP_CLOSE_BEFORE)
        T.tcp_closed = 1;
    else if (s->mode == SRV_STALL)
        T.stalled = 1;
    else
        T.responding = 1;
}

/* The value of Content-Length in a request head, 0 when absent. */
static size_t req_content_length(const char *head)
{
    const char *p;
    size_t n = 0;
    for (p = head; (p = strchr(p, '\n')) != NULL; p++)
        if (mem_ieq(p + 1, "Content-Length:", 15))
            n = (size_t)strtoul(p + 16, NULL, 10);
    return n;
}

/* A whole request came in: kept as T.last_req, and one more to answer. */
static void srv_request_done(void)
{
    size_t ll = strcspn(T.req, "\r");
    memcpy(T.last_req, T.req, T.req_len + 1);
    if (ll >= sizeof(T.last_req_line))
        ll = sizeof(T.last_req_line) - 1;
    memcpy(T.last_req_line, T.req, ll);
    T.last_req_line[ll] = 0;
    T.req_len = 0;
    T.requests++;
    T.pending++;
}

/* A request ends with its head's blank line, or with the Content-Length
 * bytes of body after it (counted, so a body larger than T.req ends too). */
static void srv_take_request_bytes(const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (T.req_len < sizeof(T.req) - 1) {
            T.req[T.req_len++] = (char)p[i];
            T.req[T.req_len] = 0;
        }
        if (T.in_body) {
            if (--T.req_body_left == 0) {
                T.in_body = 0;
                srv_request_done();
            }
        } else if (T.req_len >= 4 && !memcmp(T.req + T.req_len - 4, "\r\n\r\n", 4)) {
            size_t cl = req_content_length(T.req);
            if (cl) {
                T.in_body = 1;
                T.req_body_left = cl;
            } else {
                srv_request_done();
            }
        }
    }
}

/* Run the server engine until it makes no more progress. */
static void srv_pump(void)
{
    br_ssl_engine_context *e = &srv.eng;
    int progress;
    do {
        unsigned char *p;
        size_t n;
        progress = 0;
        if (T.tcp_closed)
            return;
        p = br_ssl_engine_sendrec_buf(e, &n);
        if (p && n) {
            if (n > sizeof(T.s2c) - T.s2c_len) {
                CHECK(!"server output fits the test queue");
                return;
            }
            memcpy(T.s2c + T.s2c_len, p, n);
            T.s2c_len += n;
            br_ssl_engine_sendrec_ack(e, n);
            progress = 1;
        }
        if (T.c2s_len) {
            p = br_ssl_engine_recvrec_buf(e, &n);
            if (p && n) {
                size_t k = n < T.c2s_len ? n : T.c2s_len;
                memcpy(p, T.c2s, k);
                memmove(T.c2s, T.c2s + k, T.c2s_len - k);
                T.c2s_len -= k;
                br_ssl_engine_recvrec_ack(e, k);
                progress = 1;
            }
        }
        p = br_ssl_engine_recvapp_buf(e, &n);
        if (p && n) {
            srv_take_request_bytes(p, n);
            br_ssl_engine_recvapp_ack(e, n);
            progress = 1;
        }
        if (!T.responding && !T.stalled && T.pending > 0 &&
            br_ssl_engine_current_state(e) != BR_SSL_CLOSED) {
            srv_start_step();
            progress = 1;
        }
        /* the next piece only once the client has taken the previous one */
        if (T.responding && T.s2c_off == T.s2c_len) {
            const srv_step *s = &T.cur;
            if (T.resp_off < s->len) {
                p = br_ssl_engine_sendapp_buf(e, &n);
                if (p && n) {
                    size_t want = T.pieces_sent == 0 && T.first_piece ? T.first_piece
                                : T.piece ? T.piece : s->len;
                    size_t k = s->len - T.resp_off;
                    if (k > want)
                        k = want;
                    if (k > n)
                        k = n;
                    if (s->trickle_ms)
                        k = 1;
                    if (s->gen)
                        k = s->gen(T.resp_off, p, k);
                    else
                        memcpy(p, s->resp + T.resp_off, k);
                    br_ssl_engine_sendapp_ack(e, k);
                    br_ssl_engine_flush(e, 0);
                    T.resp_off += k;
                    T.pieces_sent++;
                    progress = 1;
                }
            } else {
                T.responding = 0;
                if (s->mode == SRV_CLOSE_AFTER)
                    br_ssl_engine_close(e);
                else if (s->mode == SRV_TCP_CLOSE_AFTER)
                    T.tcp_closed = 1;
                progress = 1;
            }
        }
    } while (progress);
}

/* The server engine runs inside the client's send() and recv().
 * tests/stack-m4.c sets this hook to run it on a stack of its own, so that
 * the client's stack can be measured alone. */
static void (*srv_pump_hook)(void (*pump)(void));

static void srv_run(void)
{
    if (srv_pump_hook)
        srv_pump_hook(srv_pump);
    else
        srv_pump();
}

static int tp_connect(void *user, const char *host, uint16_t port, uint32_t timeout_ms)
{
    (void)user;
    (void)timeout_ms;
    T.connects++;
    snprintf(T.connect_host, sizeof(T.connect_host), "%s", host);
    T.connect_port = port;
    CHECK(!T.open);
    if (T.connect_result)
        return T.connect_result;
    if (srv_load()) {
        CHECK(!"server certificate and key load");
        return ACME5G_PORT_ERROR;
    }
    srv_reset();
    T.open = 1;
    return T_HANDLE;
}

static int tp_send(void *user, int handle, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    (void)user;
    (void)timeout_ms;
    T.sends++;
    CHECK_INT(handle, T_HANDLE);
    CHECK(T.open);
    CHECK(len > 0);
    if (T.tcp_closed)
        return ACME5G_PORT_ERROR;
    if (len > sizeof(T.c2s) - T.c2s_len) {
        if (br_ssl_engine_current_state(&srv.eng) != BR_SSL_CLOSED)
            CHECK(!"client output fits the test queue");
        return (int)len; /* a closed server discards */
    }
    memcpy(T.c2s + T.c2s_len, buf, len);
    T.c2s_len += len;
    srv_run();
    return (int)len;
}

static int tp_recv(void *user, int handle, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    size_t k;
    (void)user;
    T.recvs++;
    CHECK_INT(handle, T_HANDLE);
    CHECK(T.open);
    CHECK(len > 0);
    if (T.s2c_off == T.s2c_len) {
        T.s2c_off = T.s2c_len = 0;
        srv_run();
    }
    if (T.s2c_off == T.s2c_len) {
        if (T.tcp_closed || br_ssl_engine_current_state(&srv.eng) == BR_SSL_CLOSED)
            return ACME5G_PORT_CLOSED;
        T.mono += timeout_ms; /* nothing comes: the whole timeout passes */
        return 0;
    }
    if (T.responding && T.cur.trickle_ms) {
        if (T.cur.trickle_ms >= timeout_ms) {
            T.mono += timeout_ms;
            return 0;
        }
        T.mono += T.cur.trickle_ms;
    }
    k = T.s2c_len - T.s2c_off;
    if (k > len)
        k = len;
    if (T.recv_max && k > T.recv_max)
        k = T.recv_max;
    memcpy(buf, T.s2c + T.s2c_off, k);
    T.s2c_off += k;
    return (int)k;
}

static void tp_close(void *user, int handle)
{
    (void)user;
    CHECK_INT(handle, T_HANDLE);
    CHECK(T.open);
    T.closes++;
    T.open = 0;
}

static int64_t tp_now(void *user) { (void)user; return T.now; }
static uint64_t tp_mono(void *user) { (void)user; return ++T.mono; }
static void tp_sleep(void *user, uint32_t ms) { (void)user; T.mono += ms; }

static int tp_entropy(void *user, uint8_t *buf, size_t len)
{
    size_t i;
    (void)user;
    for (i = 0; i < len; i++)
        buf[i] = T.entropy_ctr++;
    return 0;
}

/* The stored chain (tests/hostile.c's ARI cases); NULL: nothing stored. */
static const char *stored_cert_pem;

/* The directory cache and nonce blobs (tests/unit.c's cache cases); NULL:
 * nothing stored. */
static const char *stored_directory, *stored_nonce;

static int tp_store_read(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    const char *blob = !strcmp(name, ACME5G_STORE_DIRECTORY) ? stored_directory
                     : !strcmp(name, ACME5G_STORE_NONCE)     ? stored_nonce
                                                             : NULL;
    (void)user;
    if (blob && strlen(blob) < cap) {
        *len = strlen(blob);
        memcpy(buf, blob, *len);
        return 0;
    }
    if (stored_cert_pem && !strcmp(name, ACME5G_STORE_CERT) && strlen(stored_cert_pem) < cap) {
        *len = strlen(stored_cert_pem);
        memcpy(buf, stored_cert_pem, *len);
        return 0;
    }
    return ACME5G_PORT_NOT_FOUND;
}

static int tp_store_write(void *user, const char *name, const uint8_t *buf, size_t len, int secret)
{
    (void)user;
    if (T.nwrites < (int)COUNT(T.writes))
        snprintf(T.writes[T.nwrites++], sizeof(T.writes[0]), "%s", name);
    if (!strcmp(name, ACME5G_STORE_ACCOUNT_KEY)) {
        CHECK(secret);
        if (len < sizeof(T.account_key_pem)) {
            memcpy(T.account_key_pem, buf, len);
            T.account_key_len = len;
        }
    }
    return 0;
}

static void tp_log(void *user, int level, const char *msg)
{
    size_t n = strlen(msg);
    (void)user;
    if (getenv(HARNESS_LOG_ENV))
        printf("  log %d: %s\n", level, msg);
    if (n + 1 < sizeof(T.log) - T.log_len) {
        memcpy(T.log + T.log_len, msg, n);
        T.log_len += n;
        T.log[T.log_len++] = '\n';
        T.log[T.log_len] = 0;
    }
}

static const acme5g_port test_port = {
    .connect = tp_connect, .send = tp_send, .recv = tp_recv, .close = tp_close,
    .now_s = tp_now, .monotonic_ms = tp_mono, .sleep_ms = tp_sleep, .entropy = tp_entropy,
    .store_read = tp_store_read, .store_write = tp_store_write, .log = tp_log,
};

/* The port and its server as new: nothing scripted, stored or logged, the
 * clocks at T_NOW and 1000 ms. */
static void port_reset(void)
{
    memset(&T, 0, sizeof(T));
    T.now = T_NOW;
    T.mono = 1000;
}

#endif /* ACME5G_TESTS_HARNESS_H */
