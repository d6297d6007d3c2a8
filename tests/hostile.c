/*
 * tests/hostile.c -- hostile ACME servers (issue 8): every case runs a
 * whole acme5g_enrol() against an in-process BearSSL server that answers
 * with a script of canned or endless responses, and checks the error code,
 * that the call ended within its deadline (the port's clocks are fake and
 * advance as a blocking port would), and what reached storage (an
 * in-memory store that records every write).
 *
 * The server and the test port follow tests/unit.c's harness (send() feeds
 * the client's records into a BearSSL server engine, recv() runs it), with
 * request bodies (POST) framed by Content-Length, endless generated
 * responses, stalls and trickles.  Logs are kept at debug level and
 * scanned for the account key's bytes (security hygiene).
 *
 * Build: cc ... -o build/hostile tests/hostile.c -lbearssl (the library is
 * included); run from the repository root (reads tests/vectors/).
 */
#include "../acme5g.c"

#include <time.h>

#define HARNESS_ONLY_ENV "HOSTILE_ONLY" /* HOSTILE_ONLY=nonce: the nonce cases alone */
#include "harness.h"

/* ==========================================================================
 * The in-process TLS server and the test port
 * ======================================================================== */

#define T_NOW 1750000000 /* 2025-06-15: the vector certificates are valid */
#define T_HANDLE 7
#define SIZE_ENDLESS ((size_t)-1)

enum {
    SRV_KEEP = 0,   /* answer, keep the connection */
    SRV_CLOSE_AFTER,/* answer, then close_notify */
    SRV_STALL       /* never answer (recv times out) */
};

typedef size_t (*gen_fn)(size_t off, unsigned char *out, size_t cap);

typedef struct srv_step {
    const char *resp;   /* canned bytes, or NULL with gen */
    size_t len;         /* SIZE_ENDLESS with gen */
    gen_fn gen;
    int mode;
    uint32_t trickle_ms;/* > 0: one byte per record, the clock advancing so much per recv */
    int repeat;         /* answer every later request with this step too */
} srv_step;

static struct tport {
    int connects, requests, stalled;
    int open;
    int64_t now;
    uint64_t mono;
    unsigned char entropy_ctr;
    srv_step steps[16];
    int nsteps, step;
    /* server */
    int responding, pending;
    const srv_step *cur;
    size_t resp_off;
    char req[16384];
    size_t req_len, req_body_left;
    int in_body;
    char last_req_line[256];
    size_t c2s_len, s2c_off, s2c_len;
    unsigned char c2s[40000];
    unsigned char s2c[40000];
    /* storage: names written, in order */
    char writes[32][32];
    int nwrites;
    char account_key_pem[512];
    size_t account_key_len;
    /* log, debug level */
    char log[65536];
    size_t log_len;
} T;

static br_ssl_server_context srv;
static unsigned char srv_iobuf[BR_SSL_BUFSIZE_BIDI];
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
    if (pem_next(pem, n, &off, "PRIVATE KEY", srv_cert_der + dl, sizeof(srv_cert_der) - dl, &n) != 1)
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
    srv_loaded = 1;
    return 0;
}

static void srv_reset(void)
{
    static const unsigned char seed[32] = { 9, 8, 7 };
    br_ssl_server_init_full_ec(&srv, srv_chain, 1, BR_KEYTYPE_EC, &srv_sk);
    br_ssl_engine_set_buffer(&srv.eng, srv_iobuf, sizeof(srv_iobuf), 1);
    br_ssl_engine_inject_entropy(&srv.eng, seed, sizeof(seed));
    CHECK(br_ssl_server_reset(&srv));
    T.responding = T.pending = 0;
    T.cur = NULL;
    T.req_len = T.req_body_left = 0;
    T.in_body = 0;
    T.c2s_len = T.s2c_off = T.s2c_len = 0;
}

static void script_add(const char *resp, size_t len, gen_fn gen, int mode, uint32_t trickle_ms,
                       int repeat)
{
    srv_step *s;
    if (T.nsteps >= (int)COUNT(T.steps)) {
        CHECK(!"script fits");
        return;
    }
    s = &T.steps[T.nsteps++];
    s->resp = resp;
    s->len = len;
    s->gen = gen;
    s->mode = mode;
    s->trickle_ms = trickle_ms;
    s->repeat = repeat;
}

static void answer(const char *resp) { script_add(resp, strlen(resp), NULL, SRV_KEEP, 0, 0); }
static void answer_always(const char *resp) { script_add(resp, strlen(resp), NULL, SRV_KEEP, 0, 1); }
static void answer_gen(gen_fn gen, uint32_t trickle_ms)
{
    script_add(NULL, SIZE_ENDLESS, gen, SRV_KEEP, trickle_ms, 0);
}

static void srv_start_step(void)
{
    const srv_step *s;
    T.pending--;
    if (T.step >= T.nsteps) {
        if (T.nsteps && T.steps[T.nsteps - 1].repeat) {
            s = &T.steps[T.nsteps - 1];
        } else { /* nothing scripted: hang up */
            br_ssl_engine_close(&srv.eng);
            return;
        }
    } else {
        s = &T.steps[T.step++];
    }
    T.cur = s;
    T.resp_off = 0;
    if (getenv("ACME5G_HOSTILE_LOG"))
        printf("  server: step %d answers \"%s\"\n", T.step, T.last_req_line);
    if (s->mode == SRV_STALL)
        T.stalled = 1;
    else
        T.responding = 1;
}

/* The value of Content-Length in the request head, 0 when absent. */
static size_t req_content_length(const char *head)
{
    const char *p = head;
    while ((p = strchr(p, '\n')) != NULL) {
        p++;
        if (!strncmp(p, "Content-Length:", 15))
            return (size_t)strtoul(p + 15, NULL, 10);
    }
    return 0;
}

static void srv_take_request_bytes(const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (T.in_body) {
            if (--T.req_body_left == 0) {
                T.in_body = 0;
                T.requests++;
                T.pending++;
            }
            continue;
        }
        if (T.req_len < sizeof(T.req) - 1)
            T.req[T.req_len++] = (char)p[i];
        T.req[T.req_len] = 0;
        if (T.req_len >= 4 && !memcmp(T.req + T.req_len - 4, "\r\n\r\n", 4)) {
            size_t cl = req_content_length(T.req), ll = strcspn(T.req, "\r");
            if (ll >= sizeof(T.last_req_line))
                ll = sizeof(T.last_req_line) - 1;
            memcpy(T.last_req_line, T.req, ll);
            T.last_req_line[ll] = 0;
            T.req_len = 0;
            if (cl) {
                T.in_body = 1;
                T.req_body_left = cl;
            } else {
                T.requests++;
                T.pending++;
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
        p = br_ssl_engine_sendrec_buf(e, &n);
        if (p && n) {
            if (n > sizeof(T.s2c) - T.s2c_len)
                return; /* the client has not read yet */
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
            const srv_step *s = T.cur;
            if (T.resp_off < s->len) {
                p = br_ssl_engine_sendapp_buf(e, &n);
                if (p && n) {
                    size_t k = s->len - T.resp_off;
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
                    progress = 1;
                }
            } else {
                T.responding = 0;
                if (s->mode == SRV_CLOSE_AFTER)
                    br_ssl_engine_close(e);
                progress = 1;
            }
        }
    } while (progress);
}

static int tp_connect(void *user, const char *host, uint16_t port, uint32_t timeout_ms)
{
    (void)user; (void)host; (void)port; (void)timeout_ms;
    T.connects++;
    CHECK(!T.open);
    if (srv_load()) {
        CHECK(!"server certificate and key load");
        return ACME5G_PORT_ERROR;
    }
    srv_reset();
    T.stalled = 0;
    T.open = 1;
    return T_HANDLE;
}

static int tp_send(void *user, int handle, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    (void)user; (void)timeout_ms;
    CHECK_INT(handle, T_HANDLE);
    CHECK(T.open);
    if (len > sizeof(T.c2s) - T.c2s_len) {
        if (br_ssl_engine_current_state(&srv.eng) != BR_SSL_CLOSED)
            CHECK(!"client output fits the test queue");
        return (int)len;
    }
    memcpy(T.c2s + T.c2s_len, buf, len);
    T.c2s_len += len;
    srv_pump();
    return (int)len;
}

/* Blocks (on the fake clock) as a real port would: a trickling server
 * costs trickle_ms per record, a stalled one the whole timeout. */
static int tp_recv(void *user, int handle, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    size_t k;
    (void)user;
    CHECK_INT(handle, T_HANDLE);
    CHECK(T.open);
    if (T.s2c_off == T.s2c_len) {
        T.s2c_off = T.s2c_len = 0;
        srv_pump();
    }
    if (T.s2c_off == T.s2c_len) {
        if (br_ssl_engine_current_state(&srv.eng) == BR_SSL_CLOSED)
            return ACME5G_PORT_CLOSED;
        T.mono += timeout_ms; /* nothing comes: the whole timeout passes */
        return 0;
    }
    if (T.responding && T.cur && T.cur->trickle_ms) {
        if (T.cur->trickle_ms >= timeout_ms) {
            T.mono += timeout_ms;
            return 0;
        }
        T.mono += T.cur->trickle_ms;
    }
    k = T.s2c_len - T.s2c_off;
    if (k > len)
        k = len;
    memcpy(buf, T.s2c + T.s2c_off, k);
    T.s2c_off += k;
    return (int)k;
}

static void tp_close(void *user, int handle)
{
    (void)user;
    CHECK_INT(handle, T_HANDLE);
    CHECK(T.open);
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
        buf[i] = (uint8_t)(T.entropy_ctr++ * 37 + 11);
    return 0;
}

/* The stored chain the ARI tests read; NULL: nothing stored. */
static const char *stored_cert_pem;

static int tp_store_read(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    (void)user;
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
    if (getenv("ACME5G_HOSTILE_LOG"))
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

/* ==========================================================================
 * Responses
 * ======================================================================== */

static char pool[1 << 20];
static size_t pool_used;

/* "HTTP/1.1 <status>\r\n<headers>Content-Length: n\r\n\r\n<body>" in the
 * pool; headers end with "\r\n" each. */
static const char *resp(const char *status, const char *headers, const char *body)
{
    char *out = pool + pool_used;
    int n = snprintf(out, sizeof(pool) - pool_used,
                     "HTTP/1.1 %s\r\n%sContent-Length: %lu\r\n\r\n%s", status, headers,
                     (unsigned long)strlen(body), body);
    if (n < 0 || (size_t)n >= sizeof(pool) - pool_used) {
        CHECK(!"response pool large enough");
        return "";
    }
    pool_used += (size_t)n + 1;
    return out;
}

#define J "Content-Type: application/json\r\n"
#define NONCE "Replay-Nonce: nonce-A_1\r\n"
#define DIR_BODY \
    "{\"newNonce\":\"https://localhost/nonce\",\"newAccount\":\"https://localhost/acct\"," \
    "\"newOrder\":\"https://localhost/order\",\"revokeCert\":\"https://localhost/revoke\"," \
    "\"keyChange\":\"https://localhost/key-change\"}"
#define ORDER_FIELDS \
    "\"identifiers\":[{\"type\":\"dns\",\"value\":\"nf1.example\"}]," \
    "\"authorizations\":[\"https://localhost/authz/1\"]," \
    "\"finalize\":\"https://localhost/order/1/finalize\""

static const char *r_dir(void) { return resp("200 OK", J, DIR_BODY); }
static const char *r_nonce(void) { return resp("200 OK", NONCE, ""); }
static const char *r_account(void)
{
    return resp("201 Created", J NONCE "Location: https://localhost/acct/1\r\n",
                "{\"status\":\"valid\"}");
}
static const char *r_order(const char *status)
{
    char body[1024];
    snprintf(body, sizeof(body), "{\"status\":\"%s\",%s}", status, ORDER_FIELDS);
    return resp("201 Created", J NONCE "Location: https://localhost/order/1\r\n", body);
}
static const char *r_order_200(const char *status, const char *extra)
{
    char body[1024];
    snprintf(body, sizeof(body), "{\"status\":\"%s\",%s%s}", status, ORDER_FIELDS, extra);
    return resp("200 OK", J NONCE "Location: https://localhost/order/1\r\n", body);
}

/* The script of a server that gets as far as a born-ready order. */
static void script_to_order(void)
{
    answer(r_dir());
    answer(r_nonce());
    answer(r_account());
}

/* ==========================================================================
 * Running one enrolment
 * ======================================================================== */

#define TIMEOUT_S 30

static acme5g_ctx ctx;
static char ca_pem[4096];
static size_t ca_len;
static uint64_t elapsed_ms;
static double wall_s;

static void setup(void)
{
    memset(&T, 0, sizeof(T));
    pool_used = 0;
    T.now = T_NOW;
    T.mono = 1000;
    CHECK_ERR(acme5g_init(&ctx, &test_port), ACME5G_OK);
    if (!ca_len)
        ca_len = vec_read("ca.pem", ca_pem, sizeof(ca_pem));
}

static int pre_authorize; /* the next enrolment asks newAuthz first */

static int enrol_url(const char *url)
{
    static const acme5g_identifier ids[] = { { ACME5G_ID_DNS, "nf1.example" } };
    acme5g_enrol_params p;
    uint64_t t0;
    clock_t c0 = clock();
    int err;
    memset(&p, 0, sizeof(p));
    p.directory_url = url;
    p.identifiers = ids;
    p.identifier_count = 1;
    p.timeout_s = TIMEOUT_S;
    p.http_port = 8080;
    p.pre_authorize = pre_authorize;
    t0 = T.mono;
    err = acme5g_enrol(&ctx, &p);
    elapsed_ms = T.mono - t0;
    wall_s = (double)(clock() - c0) / CLOCKS_PER_SEC;
    CHECK(!T.open); /* the connection is closed on every return */
    return err;
}

static int enrol(void)
{
    if (ctx.ta_count == 0)
        CHECK_ERR(acme5g_add_trust_anchors_pem(&ctx, ca_pem, ca_len), ACME5G_OK);
    return enrol_url("https://localhost/dir");
}

/* Bounded: within the deadline on the fake clock (plus the 1 ms per
 * clock read), and fast in CPU time. */
static void check_bounded(void)
{
    CHECK(elapsed_ms <= (uint64_t)TIMEOUT_S * 1000u + 2000u);
    CHECK(wall_s < 10.0);
}

static int wrote(const char *name)
{
    int i;
    for (i = 0; i < T.nwrites; i++)
        if (!strcmp(T.writes[i], name))
            return 1;
    return 0;
}

/* The stored pair (cert.pem, cert.key) is untouched.  cert.key.new (the
 * next key, kept before finalize so that a killed run can resume) may be
 * written: it is not part of the pair until cert.pem matches it. */
static void check_no_pair_written(void)
{
    CHECK(!wrote(ACME5G_STORE_CERT));
    CHECK(!wrote(ACME5G_STORE_CERT_KEY));
}

static void check_nothing_written(void) { CHECK_INT(T.nwrites, 0); }

static char note[256];

static void note_err(int err)
{
    snprintf(note, sizeof(note), "%s (%d) after %lu ms (fake clock)", acme5g_strerror(err), err,
             (unsigned long)elapsed_ms);
    case_note = note;
}

/* One case that fails on the directory request. */
static void dir_case(int want)
{
    int err = enrol();
    CHECK_ERR(err, want);
    check_bounded();
    check_nothing_written();
    note_err(err);
}

/* ==========================================================================
 * TLS
 * ======================================================================== */

static void test_untrusted_certificate_is_refused(void)
{
    static char other[4096];
    size_t n;
    setup();
    /* the only anchor is a leaf (trusted directly) that is not the server's */
    n = vec_read("cert.pem", other, sizeof(other));
    CHECK_ERR(acme5g_add_trust_anchors_pem(&ctx, other, n), ACME5G_OK);
    answer(r_dir());
    dir_case(ACME5G_ERR_TLS_UNTRUSTED);
    CHECK_INT(acme5g_last_tls_error(&ctx), BR_ERR_X509_NOT_TRUSTED);
    CHECK_INT(T.requests, 0);
}

static void test_wrong_host_name_is_refused(void)
{
    int err;
    setup();
    answer(r_dir());
    CHECK_ERR(acme5g_add_trust_anchors_pem(&ctx, ca_pem, ca_len), ACME5G_OK);
    err = enrol_url("https://acme.wrong.example/dir");
    CHECK_ERR(err, ACME5G_ERR_TLS_NAME);
    check_bounded();
    check_nothing_written();
    CHECK_INT(T.requests, 0);
    note_err(err);
}

static void test_wrong_ip_address_is_refused(void)
{
    int err;
    setup();
    answer(r_dir());
    CHECK_ERR(acme5g_add_trust_anchors_pem(&ctx, ca_pem, ca_len), ACME5G_OK);
    /* the certificate has no iPAddress SAN at all */
    err = enrol_url("https://127.0.0.1/dir");
    CHECK_ERR(err, ACME5G_ERR_TLS_NAME);
    check_bounded();
    check_nothing_written();
    note_err(err);
}

static void test_expired_certificate_is_refused(void)
{
    setup();
    T.now = 2556144000; /* 2051-01-01: the server's leaf ended 2049-12-31 */
    answer(r_dir());
    dir_case(ACME5G_ERR_TLS_TIME);
    CHECK_INT(T.requests, 0);
}

static void test_not_yet_valid_certificate_is_refused(void)
{
    setup();
    T.now = 1717200000; /* 2024-06-01: the server's leaf starts 2025-01-01 */
    answer(r_dir());
    dir_case(ACME5G_ERR_TLS_TIME);
}

/* ==========================================================================
 * HTTP framing
 * ======================================================================== */

static void test_oversize_header_line_is_refused(void)
{
    static char r[8192];
    setup();
    memset(r, 'a', sizeof(r) - 1);
    memcpy(r, "HTTP/1.1 200 OK\r\nX-Big: ", 24);
    memcpy(r + sizeof(r) - 5, "\r\n\r\n", 5);
    answer(r);
    dir_case(ACME5G_ERR_HEADER_TOO_LONG);
}

static size_t gen_endless_headers(size_t off, unsigned char *out, size_t cap)
{
    static const char head[] = "HTTP/1.1 200 OK\r\n", line[] = "X-More: yes\r\n";
    size_t i;
    for (i = 0; i < cap; i++, off++)
        out[i] = (unsigned char)(off < sizeof(head) - 1
                                     ? head[off]
                                     : line[(off - (sizeof(head) - 1)) % (sizeof(line) - 1)]);
    return cap;
}

static void test_endless_headers_are_refused(void)
{
    setup();
    answer_gen(gen_endless_headers, 0);
    dir_case(ACME5G_ERR_HTTP);
}

static size_t gen_endless_line(size_t off, unsigned char *out, size_t cap)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nX-Endless: ";
    size_t i;
    for (i = 0; i < cap; i++, off++)
        out[i] = (unsigned char)(off < sizeof(head) - 1 ? head[off] : 'z');
    return cap;
}

static void test_endless_header_line_is_refused(void)
{
    setup();
    answer_gen(gen_endless_line, 0);
    dir_case(ACME5G_ERR_HEADER_TOO_LONG);
}

static size_t gen_endless_chunks(size_t off, unsigned char *out, size_t cap)
{
    static const char head[] =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    static const char chunk[] = "10\r\n{\"a\":\"bcdefghij\"\r\n"; /* 16 bytes each */
    size_t i;
    for (i = 0; i < cap; i++, off++)
        out[i] = (unsigned char)(off < sizeof(head) - 1
                                     ? head[off]
                                     : chunk[(off - (sizeof(head) - 1)) % (sizeof(chunk) - 1)]);
    return cap;
}

static void test_endless_chunked_body_is_refused(void)
{
    setup();
    answer_gen(gen_endless_chunks, 0);
    dir_case(ACME5G_ERR_BODY_TOO_LARGE);
}

static size_t gen_endless_body(size_t off, unsigned char *out, size_t cap)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":\"";
    size_t i;
    for (i = 0; i < cap; i++, off++)
        out[i] = (unsigned char)(off < sizeof(head) - 1 ? head[off] : 'b');
    return cap;
}

static void test_endless_body_without_length_is_refused(void)
{
    setup();
    answer_gen(gen_endless_body, 0);
    dir_case(ACME5G_ERR_BODY_TOO_LARGE);
}

static void test_announced_length_over_body_max_is_refused(void)
{
    setup();
    answer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1099511627776\r\n"
           "\r\n{}");
    dir_case(ACME5G_ERR_BODY_TOO_LARGE);
}

/* Bytes beyond Content-Length are never taken as the next response: the
 * connection still holds unread data when the next request is written, so
 * that write fails (BearSSL's one-buffer engine), and the request goes out
 * again on a fresh connection. */
static void test_body_larger_than_announced_is_not_read_as_a_response(void)
{
    static char r[2048];
    int err;
    setup();
    snprintf(r, sizeof(r), "HTTP/1.1 200 OK\r\n" J "Content-Length: %lu\r\n\r\n%s"
             "HTTP/1.1 200 OK\r\nReplay-Nonce: smuggled\r\nContent-Length: 0\r\n\r\n",
             (unsigned long)strlen(DIR_BODY), DIR_BODY);
    answer(r);
    answer(r_nonce());
    answer(resp("400 Bad Request", "Content-Type: application/problem+json\r\n" NONCE,
                "{\"type\":\"urn:ietf:params:acme:error:malformed\"}"));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_PROBLEM);
    CHECK_INT(T.connects, 2);
    CHECK_INT(T.requests, 3); /* GET dir, HEAD newNonce (fresh connection), POST newAccount */
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

static void test_body_shorter_than_announced_then_close_fails(void)
{
    static char r[2048];
    int err;
    setup();
    snprintf(r, sizeof(r), "HTTP/1.1 200 OK\r\n" J "Content-Length: %lu\r\n\r\n%s",
             (unsigned long)strlen(DIR_BODY) + 100, DIR_BODY);
    script_add(r, strlen(r), NULL, SRV_CLOSE_AFTER, 0, 0);
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_NET_CLOSED);
    check_bounded();
    check_nothing_written();
    note_err(err);
}

static void test_stalled_server_times_out(void)
{
    setup();
    script_add("", 0, NULL, SRV_STALL, 0, 0);
    dir_case(ACME5G_ERR_TIMEOUT);
    CHECK(elapsed_ms >= (uint64_t)TIMEOUT_S * 1000u - 1000u);
}

/* Slowloris: a valid response, one byte per second, that would take far
 * longer than the deadline. */
static void test_slowloris_trickle_times_out(void)
{
    setup();
    answer_gen(gen_endless_headers, 1000);
    dir_case(ACME5G_ERR_TIMEOUT);
    CHECK(elapsed_ms >= (uint64_t)TIMEOUT_S * 1000u - 2000u);
}

static void test_redirect_is_not_followed(void)
{
    setup();
    answer_always("HTTP/1.1 301 Moved Permanently\r\nLocation: https://localhost/dir\r\n"
                  "Content-Length: 0\r\n\r\n");
    dir_case(ACME5G_ERR_HTTP_STATUS);
    CHECK_INT(T.requests, 1);
}

static void test_garbage_status_line_is_refused(void)
{
    setup();
    answer("SSH-2.0-OpenSSH_9.2\r\n\r\n");
    dir_case(ACME5G_ERR_HTTP);
}

/* ==========================================================================
 * JSON
 * ======================================================================== */

static void test_bad_json_is_refused(void)
{
    setup();
    answer(resp("200 OK", J, "{\"newNonce\": \"https://localhost/nonce\", \"newAccount\": "));
    dir_case(ACME5G_ERR_JSON);
}

static void test_json_of_the_wrong_content_type_is_refused(void)
{
    setup();
    answer(resp("200 OK", "Content-Type: text/html\r\n", DIR_BODY));
    dir_case(ACME5G_ERR_CONTENT_TYPE);
}

static void test_huge_json_string_value_is_refused(void)
{
    static char body[8000];
    size_t n;
    setup();
    n = (size_t)snprintf(body, sizeof(body), "{\"newNonce\":\"https://localhost/");
    memset(body + n, 'n', 7000);
    n += 7000;
    snprintf(body + n, sizeof(body) - n,
             "\",\"newAccount\":\"https://localhost/acct\",\"newOrder\":\"https://localhost/order\"}");
    answer(resp("200 OK", J, body));
    dir_case(ACME5G_ERR_URL_TOO_LONG);
}

static void test_json_body_over_body_max_is_refused(void)
{
    static char body[ACME5G_BODY_MAX + 200];
    size_t n;
    setup();
    n = (size_t)snprintf(body, sizeof(body), "{\"pad\":\"");
    memset(body + n, 'p', ACME5G_BODY_MAX);
    n += ACME5G_BODY_MAX;
    snprintf(body + n, sizeof(body) - n, "\"}");
    answer(resp("200 OK", J, body));
    dir_case(ACME5G_ERR_BODY_TOO_LARGE);
}

static void test_deeply_nested_json_is_refused(void)
{
    static char body[4200];
    size_t i, n = 0;
    setup();
    n += (size_t)snprintf(body, sizeof(body), "{\"newNonce\":");
    for (i = 0; i < 2000; i++)
        body[n++] = '[';
    for (i = 0; i < 2000; i++)
        body[n++] = ']';
    body[n++] = '}';
    body[n] = 0;
    answer(resp("200 OK", J, body));
    dir_case(ACME5G_ERR_JSON_TOO_BIG);
}

static void test_json_with_many_members_is_refused(void)
{
    static char body[8000];
    size_t i, n = 0;
    setup();
    n += (size_t)snprintf(body, sizeof(body), "{");
    for (i = 0; i < 600; i++)
        n += (size_t)snprintf(body + n, sizeof(body) - n, "\"k%lu\":%lu,", (unsigned long)i,
                              (unsigned long)i);
    snprintf(body + n, sizeof(body) - n, "\"newNonce\":\"https://localhost/nonce\"}");
    answer(resp("200 OK", J, body));
    dir_case(ACME5G_ERR_JSON_TOO_BIG);
}

static void test_directory_without_new_order_is_refused(void)
{
    setup();
    answer(resp("200 OK", J, "{\"newNonce\":\"https://localhost/nonce\","
                              "\"newAccount\":\"https://localhost/acct\"}"));
    dir_case(ACME5G_ERR_JSON_FIELD);
}

static void test_directory_url_of_another_scheme_is_not_used(void)
{
    int err;
    setup();
    answer(resp("200 OK", J, "{\"newNonce\":\"http://localhost/nonce\","
                              "\"newAccount\":\"https://localhost/acct\","
                              "\"newOrder\":\"https://localhost/order\"}"));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_URL);
    CHECK_INT(T.requests, 1); /* nothing sent to the http:// URL */
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

/* ==========================================================================
 * ACME
 * ======================================================================== */

static void test_problem_without_detail_is_reported(void)
{
    int err;
    setup();
    answer(r_dir());
    answer(r_nonce());
    answer(resp("400 Bad Request", "Content-Type: application/problem+json\r\n" NONCE,
                "{\"type\":\"urn:ietf:params:acme:error:malformed\",\"status\":400}"));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_PROBLEM);
    CHECK(!strcmp(acme5g_last_problem(&ctx)->type, "urn:ietf:params:acme:error:malformed"));
    CHECK(!strcmp(acme5g_last_problem(&ctx)->detail, ""));
    CHECK_INT(acme5g_last_problem(&ctx)->http_status, 400);
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

static void test_problem_without_type_or_detail_is_an_http_status_error(void)
{
    int err;
    setup();
    answer(r_dir());
    answer(r_nonce());
    answer(resp("500 Internal Server Error", "Content-Type: application/problem+json\r\n" NONCE,
                "{}"));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_HTTP_STATUS);
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

static void test_problem_with_huge_detail_is_cut(void)
{
    static char body[8000];
    size_t n;
    int err;
    setup();
    n = (size_t)snprintf(body, sizeof(body),
                         "{\"type\":\"urn:ietf:params:acme:error:serverInternal\",\"detail\":\"");
    memset(body + n, 'd', 6000);
    n += 6000;
    snprintf(body + n, sizeof(body) - n, "\"}");
    answer(r_dir());
    answer(r_nonce());
    answer(resp("500 Internal Server Error", "Content-Type: application/problem+json\r\n" NONCE,
                body));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_PROBLEM);
    CHECK(strlen(acme5g_last_problem(&ctx)->detail) < ACME5G_PROBLEM_DETAIL_MAX);
    CHECK(strlen(acme5g_last_problem(&ctx)->detail) > 100);
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

static void test_missing_replay_nonce_is_refused(void)
{
    int err;
    setup();
    answer(r_dir());
    answer(resp("200 OK", "", "")); /* HEAD newNonce without Replay-Nonce */
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_NO_NONCE);
    CHECK_INT(T.requests, 2);
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

static void test_invalid_replay_nonce_is_no_nonce(void)
{
    int err;
    setup();
    answer(r_dir());
    answer(resp("200 OK", "Replay-Nonce: not/base64url=\r\n", ""));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_NO_NONCE);
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

static void test_endless_bad_nonce_is_bounded(void)
{
    int err;
    int i;
    setup();
    answer(r_dir());
    answer(r_nonce());
    for (i = 0; i <= ACME5G_BADNONCE_RETRIES + 1; i++) { /* a fresh nonce each time */
        char h[128];
        snprintf(h, sizeof(h), "Content-Type: application/problem+json\r\nReplay-Nonce: bad%d\r\n", i);
        answer(resp("400 Bad Request", h, "{\"type\":\"urn:ietf:params:acme:error:badNonce\"}"));
    }
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_BAD_NONCE_LIMIT);
    CHECK(T.requests <= 2 + 2 * (ACME5G_BADNONCE_RETRIES + 1)); /* no endless loop */
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

static void test_account_without_location_is_refused(void)
{
    int err;
    setup();
    answer(r_dir());
    answer(r_nonce());
    answer(resp("201 Created", J NONCE, "{\"status\":\"valid\"}"));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_JSON_FIELD);
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

static void test_order_that_never_leaves_processing_times_out(void)
{
    int err;
    setup();
    script_to_order();
    answer(r_order("ready"));
    answer(r_order_200("processing", ""));               /* finalize */
    answer_always(r_order_200("processing", ""));        /* every poll */
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_TIMEOUT);
    check_bounded();
    CHECK(T.requests < 20); /* polls back off (1, 2, 4, 5, 5... s) */
    check_no_pair_written();
    note_err(err);
}

static void test_order_with_unknown_status_is_refused(void)
{
    int err;
    setup();
    script_to_order();
    answer(r_order("deactivated"));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_STATUS);
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

/* rateLimited (RFC 8555 6.7): the problem reaches the caller with the
 * server's Retry-After, as seconds or as an HTTP date. */
static void test_rate_limited_reports_retry_after(void)
{
    int err;
    setup();
    script_to_order();
    answer(resp("429 Too Many Requests",
                "Content-Type: application/problem+json\r\n" NONCE "Retry-After: 120\r\n",
                "{\"type\":\"urn:ietf:params:acme:error:rateLimited\","
                "\"detail\":\"too many new orders recently\"}"));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_PROBLEM);
    CHECK(!strcmp(acme5g_last_problem(&ctx)->type, "urn:ietf:params:acme:error:rateLimited"));
    CHECK_INT(acme5g_last_problem(&ctx)->http_status, 429);
    CHECK_INT(acme5g_last_problem(&ctx)->retry_after_s, 120);
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

/* ACME Renewal Information (RFC 9773): Pebble 2.4 has none, so canned
 * answers.  The certID is base64url(AKI keyIdentifier) "." base64url(serial)
 * of tests/vectors/cert.pem (openssl: AKI FF:B7:68:..., serial
 * 1A2B3C4D5E6F7788); Retry-After 30 is clamped to the 60 s minimum. */
static void test_ari_window_for_the_stored_certificate(void)
{
    static char cert[4096];
    acme5g_renewal_window w;
    int64_t when = 0;
    int err;
    setup();
    vec_read("cert.pem", cert, sizeof(cert));
    stored_cert_pem = cert;
    answer(resp("200 OK", J,
                "{\"newNonce\":\"https://localhost/nonce\",\"newAccount\":\"https://localhost/acct\","
                "\"newOrder\":\"https://localhost/order\","
                "\"renewalInfo\":\"https://localhost/renewal-info\"}"));
    answer(resp("200 OK", J "Retry-After: 30\r\n",
                "{\"suggestedWindow\":{\"start\":\"2026-01-02T03:04:05Z\","
                "\"end\":\"2026-01-03T03:04:05.5+01:00\"},"
                "\"explanationURL\":\"https://localhost/why\"}"));
    if (ctx.ta_count == 0)
        CHECK_ERR(acme5g_add_trust_anchors_pem(&ctx, ca_pem, ca_len), ACME5G_OK);
    err = acme5g_renewal_info(&ctx, "https://localhost/dir", TIMEOUT_S, &w);
    stored_cert_pem = NULL;
    CHECK_ERR(err, ACME5G_OK);
    CHECK(strstr(T.last_req_line,
                 "GET /renewal-info/_7doAdaydVf4Hqht8AHTUdXhdow.Gis8TV5vd4g HTTP/1.1") != NULL);
    CHECK_INT(w.start_s, 1767323045);           /* 2026-01-02T03:04:05Z */
    CHECK_INT(w.end_s, 1767323045 + 86400 - 3600);
    CHECK_INT(w.retry_after_s, 60);
    CHECK(!strcmp(w.explanation_url, "https://localhost/why"));
    /* a uniform time inside the window; past means now */
    CHECK_INT(acme5g_ari_next(&w, 0, w.start_s - 1, &when), 0);
    CHECK_INT(when, w.start_s);
    CHECK_INT(acme5g_ari_next(&w, 0xffffffffu, w.end_s, &when), 1);
    CHECK(when >= w.start_s && when < w.end_s);
    w.end_s = w.start_s;
    CHECK_INT(acme5g_ari_next(&w, 1, 0, &when), -ACME5G_ERR_ARG);
}

/* No renewalInfo in the directory: the local policy alone decides. */
static void test_ari_absent_means_not_found(void)
{
    acme5g_renewal_window w;
    setup();
    answer(r_dir());
    if (ctx.ta_count == 0)
        CHECK_ERR(acme5g_add_trust_anchors_pem(&ctx, ca_pem, ca_len), ACME5G_OK);
    CHECK_ERR(acme5g_renewal_info(&ctx, "https://localhost/dir", TIMEOUT_S, &w),
              ACME5G_ERR_NOT_FOUND);
}

/* A window whose end is not after its start is no answer (RFC 9773 4.2). */
static void test_ari_empty_window_is_refused(void)
{
    static char cert[4096];
    acme5g_renewal_window w;
    int err;
    setup();
    vec_read("cert.pem", cert, sizeof(cert));
    stored_cert_pem = cert;
    answer(resp("200 OK", J,
                "{\"newNonce\":\"https://localhost/nonce\",\"newAccount\":\"https://localhost/acct\","
                "\"newOrder\":\"https://localhost/order\","
                "\"renewalInfo\":\"https://localhost/renewal-info/\"}"));
    answer(resp("200 OK", J,
                "{\"suggestedWindow\":{\"start\":\"2026-01-02T03:04:05Z\","
                "\"end\":\"2026-01-02T03:04:05Z\"}}"));
    if (ctx.ta_count == 0)
        CHECK_ERR(acme5g_add_trust_anchors_pem(&ctx, ca_pem, ca_len), ACME5G_OK);
    err = acme5g_renewal_info(&ctx, "https://localhost/dir", TIMEOUT_S, &w);
    stored_cert_pem = NULL;
    CHECK_ERR(err, ACME5G_ERR_JSON_FIELD);
    CHECK_INT(w.retry_after_s, 21600);
}

#define DIR_WITH_NEW_AUTHZ \
    "{\"newNonce\":\"https://localhost/nonce\",\"newAccount\":\"https://localhost/acct\"," \
    "\"newOrder\":\"https://localhost/order\",\"newAuthz\":\"https://localhost/new-authz\"}"

/* Pre-authorization (RFC 8555 7.4.1): with the option, newAuthz is asked
 * before the order (Pebble has no newAuthz: canned answers). */
static void test_pre_authorization_asks_new_authz_first(void)
{
    int err;
    setup();
    answer(resp("200 OK", J, DIR_WITH_NEW_AUTHZ));
    answer(r_nonce());
    answer(r_account());
    answer(resp("403 Forbidden", "Content-Type: application/problem+json\r\n" NONCE,
                "{\"type\":\"urn:ietf:params:acme:error:unauthorized\","
                "\"detail\":\"no pre-authorization for nf1.example\"}"));
    pre_authorize = 1;
    err = enrol();
    pre_authorize = 0;
    CHECK_ERR(err, ACME5G_ERR_PROBLEM);
    CHECK(strstr(T.last_req_line, "POST /new-authz HTTP/1.1") != NULL);
    CHECK(!strcmp(acme5g_last_problem(&ctx)->detail, "no pre-authorization for nf1.example"));
    check_no_pair_written();
}

/* Without the option the directory's newAuthz is left alone: newOrder. */
static void test_new_authz_unused_without_the_option(void)
{
    int err;
    setup();
    answer(resp("200 OK", J, DIR_WITH_NEW_AUTHZ));
    answer(r_nonce());
    answer(r_account());
    answer(r_order("invalid"));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_ORDER_INVALID);
    CHECK(strstr(T.last_req_line, "POST /order HTTP/1.1") != NULL);
}

static void test_retry_after_beyond_the_deadline_ends_the_poll(void)
{
    int err;
    setup();
    script_to_order();
    answer(r_order("ready"));
    answer(resp("200 OK", J NONCE "Retry-After: 86400\r\n",
                "{\"status\":\"processing\"," ORDER_FIELDS "}"));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_TIMEOUT);
    check_bounded();
    CHECK(elapsed_ms < 5000); /* gives up at once instead of sleeping a day */
    check_no_pair_written();
    note_err(err);
}

static void test_chain_that_does_not_match_the_key_is_refused(void)
{
    static char chain[4096];
    int err;
    setup();
    vec_read("chain.pem", chain, sizeof(chain)); /* leaf of another key and other names */
    script_to_order();
    answer(r_order("ready"));
    answer(r_order_200("valid", ",\"certificate\":\"https://localhost/cert/1\""));
    answer(resp("200 OK", "Content-Type: application/pem-certificate-chain\r\n" NONCE, chain));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_CERT_MISMATCH);
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

static void test_chain_that_is_not_pem_is_refused(void)
{
    int err;
    setup();
    script_to_order();
    answer(r_order("ready"));
    answer(r_order_200("valid", ",\"certificate\":\"https://localhost/cert/1\""));
    answer(resp("200 OK", "Content-Type: application/pem-certificate-chain\r\n" NONCE,
                "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n"));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_CERT);
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

static void test_order_invalid_is_reported(void)
{
    int err;
    setup();
    script_to_order();
    answer(r_order("ready"));
    answer(r_order_200("invalid", ",\"error\":{\"type\":\"urn:ietf:params:acme:error:badCSR\"}"));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_ORDER_INVALID);
    check_bounded();
    check_no_pair_written();
    note_err(err);
}

/* ==========================================================================
 * Security hygiene: the account key never reaches the log
 * ======================================================================== */

/* Is `needle` (n bytes) anywhere in the log? */
static int log_has(const void *needle, size_t n)
{
    size_t i;
    if (n == 0 || n > T.log_len)
        return 0;
    for (i = 0; i + n <= T.log_len; i++)
        if (!memcmp(T.log + i, needle, n))
            return 1;
    return 0;
}

static void test_private_key_bytes_never_reach_the_debug_log(void)
{
    static char chain[4096];
    unsigned char der[256];
    size_t off = 0, dl = 0, i;
    br_skey_decoder_context dc;
    const br_ec_private_key *sk;
    char hex[200], b64[200], line[80];
    wbuf w;
    int err;
    setup();
    vec_read("chain.pem", chain, sizeof(chain));
    script_to_order();
    answer(r_order("ready"));
    answer(r_order_200("valid", ",\"certificate\":\"https://localhost/cert/1\""));
    answer(resp("200 OK", "Content-Type: application/pem-certificate-chain\r\n" NONCE, chain));
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_CERT_MISMATCH);
    CHECK(T.log_len > 200); /* debug messages were logged */
    CHECK(T.account_key_len > 0);
    /* the PEM, each of its base64 lines, the scalar raw/hex/base64url */
    CHECK(!log_has(T.account_key_pem, T.account_key_len));
    for (i = 0; i < T.account_key_len;) {
        size_t e = i;
        while (e < T.account_key_len && T.account_key_pem[e] != '\n')
            e++;
        if (e - i >= 16 && T.account_key_pem[i] != '-' && e - i < sizeof(line)) {
            memcpy(line, T.account_key_pem + i, e - i);
            CHECK(!log_has(line, e - i));
        }
        i = e + 1;
    }
    CHECK(pem_next(T.account_key_pem, T.account_key_len, &off, "PRIVATE KEY", der, sizeof(der),
                   &dl) == 1);
    br_skey_decoder_init(&dc);
    br_skey_decoder_push(&dc, der, dl);
    sk = br_skey_decoder_get_ec(&dc);
    CHECK(sk != NULL);
    if (sk) {
        CHECK(!log_has(sk->x, sk->xlen));
        w_init(&w, hex, sizeof(hex));
        w_hex(&w, sk->x, sk->xlen);
        w_cstr(&w);
        CHECK(!log_has(hex, strlen(hex)));
        for (i = 0; hex[i]; i++)
            hex[i] = (char)lower(hex[i]);
        CHECK(!log_has(hex, strlen(hex)));
        w_init(&w, b64, sizeof(b64));
        w_b64u(&w, sk->x, sk->xlen);
        w_cstr(&w);
        CHECK(!log_has(b64, strlen(b64)));
        /* and the context holds no copy after the call */
        CHECK(!ctx.account_key.loaded);
        for (i = 0; i + sk->xlen <= sizeof(ctx); i++)
            if (!memcmp((const unsigned char *)&ctx + i, sk->x, sk->xlen)) {
                CHECK(!"the account key's scalar is still in the context");
                break;
            }
    }
    note_err(err);
}

int main(void)
{
    vec_init();
    printf("# hostile servers: timeout %d s, fake clocks\n", TIMEOUT_S);
    RUN(test_untrusted_certificate_is_refused);
    RUN(test_wrong_host_name_is_refused);
    RUN(test_wrong_ip_address_is_refused);
    RUN(test_expired_certificate_is_refused);
    RUN(test_not_yet_valid_certificate_is_refused);
    RUN(test_oversize_header_line_is_refused);
    RUN(test_endless_headers_are_refused);
    RUN(test_endless_header_line_is_refused);
    RUN(test_endless_chunked_body_is_refused);
    RUN(test_endless_body_without_length_is_refused);
    RUN(test_announced_length_over_body_max_is_refused);
    RUN(test_body_larger_than_announced_is_not_read_as_a_response);
    RUN(test_body_shorter_than_announced_then_close_fails);
    RUN(test_stalled_server_times_out);
    RUN(test_slowloris_trickle_times_out);
    RUN(test_redirect_is_not_followed);
    RUN(test_garbage_status_line_is_refused);
    RUN(test_bad_json_is_refused);
    RUN(test_json_of_the_wrong_content_type_is_refused);
    RUN(test_huge_json_string_value_is_refused);
    RUN(test_json_body_over_body_max_is_refused);
    RUN(test_deeply_nested_json_is_refused);
    RUN(test_json_with_many_members_is_refused);
    RUN(test_directory_without_new_order_is_refused);
    RUN(test_directory_url_of_another_scheme_is_not_used);
    RUN(test_problem_without_detail_is_reported);
    RUN(test_problem_without_type_or_detail_is_an_http_status_error);
    RUN(test_problem_with_huge_detail_is_cut);
    RUN(test_missing_replay_nonce_is_refused);
    RUN(test_invalid_replay_nonce_is_no_nonce);
    RUN(test_endless_bad_nonce_is_bounded);
    RUN(test_account_without_location_is_refused);
    RUN(test_order_that_never_leaves_processing_times_out);
    RUN(test_order_with_unknown_status_is_refused);
    RUN(test_retry_after_beyond_the_deadline_ends_the_poll);
    RUN(test_rate_limited_reports_retry_after);
    RUN(test_ari_window_for_the_stored_certificate);
    RUN(test_ari_absent_means_not_found);
    RUN(test_ari_empty_window_is_refused);
    RUN(test_pre_authorization_asks_new_authz_first);
    RUN(test_new_authz_unused_without_the_option);
    RUN(test_chain_that_does_not_match_the_key_is_refused);
    RUN(test_chain_that_is_not_pem_is_refused);
    RUN(test_order_invalid_is_reported);
    RUN(test_private_key_bytes_never_reach_the_debug_log);
    printf("%d passed, %d failed\n", tests_passed, tests_failed);
    return tests_failed ? 1 : 0;
}
