/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/hostile.c -- hostile ACME servers (issue 8): every case runs a
 * whole acme5g_enrol() against an in-process BearSSL server that answers
 * with a script of canned or endless responses, and checks the error code,
 * that the call ended within its deadline (the port's clocks are fake and
 * advance as a blocking port would), and what reached storage (an
 * in-memory store that records every write).
 *
 * The server and the test port are tests/harness.h's, shared with
 * tests/unit.c (send() feeds the client's records into a BearSSL server
 * engine, recv() runs it), with endless generated responses, stalls and
 * trickles.  Logs are kept at debug level and scanned for the account
 * key's bytes (security hygiene).
 *
 * Build: cc ... -o build/hostile tests/hostile.c -lbearssl (the library is
 * included); run from the repository root (reads tests/vectors/).
 */
#include "../acme5g.c"

#include <time.h>

#define HARNESS_LOG_ENV "ACME5G_HOSTILE_LOG" /* prints the log and the server's steps */
#define HARNESS_ONLY_ENV "HOSTILE_ONLY"      /* HOSTILE_ONLY=nonce: the nonce cases alone */
#include "harness.h"

/* ==========================================================================
 * The script: answers for the next requests, in order
 * ======================================================================== */

static void answer(const char *resp) { script_add(resp, strlen(resp), SRV_KEEP); }

static void answer_always(const char *resp)
{
    srv_step *s = script_add(resp, strlen(resp), SRV_KEEP);
    if (s)
        s->repeat = 1;
}

static void answer_gen(gen_fn gen, uint32_t trickle_ms)
{
    srv_step *s = script_add(NULL, SIZE_ENDLESS, SRV_KEEP);
    if (s) {
        s->gen = gen;
        s->trickle_ms = trickle_ms;
    }
}

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
    port_reset();
    pool_used = 0;
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

/* Bytes off..off+cap of `head` followed by `unit` repeated without end:
 * the endless answers below. */
static size_t gen_repeat(const char *head, const char *unit, size_t off, unsigned char *out,
                         size_t cap)
{
    size_t hl = strlen(head), ul = strlen(unit), i;
    for (i = 0; i < cap; i++, off++)
        out[i] = (unsigned char)(off < hl ? head[off] : unit[(off - hl) % ul]);
    return cap;
}

static size_t gen_endless_headers(size_t off, unsigned char *out, size_t cap)
{
    return gen_repeat("HTTP/1.1 200 OK\r\n", "X-More: yes\r\n", off, out, cap);
}

static void test_endless_headers_are_refused(void)
{
    setup();
    answer_gen(gen_endless_headers, 0);
    dir_case(ACME5G_ERR_HTTP);
}

static size_t gen_endless_line(size_t off, unsigned char *out, size_t cap)
{
    return gen_repeat("HTTP/1.1 200 OK\r\nX-Endless: ", "z", off, out, cap);
}

static void test_endless_header_line_is_refused(void)
{
    setup();
    answer_gen(gen_endless_line, 0);
    dir_case(ACME5G_ERR_HEADER_TOO_LONG);
}

static size_t gen_endless_chunks(size_t off, unsigned char *out, size_t cap)
{
    return gen_repeat("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n",
                      "10\r\n{\"a\":\"bcdefghij\"\r\n" /* 16 bytes each */, off, out, cap);
}

static void test_endless_chunked_body_is_refused(void)
{
    setup();
    answer_gen(gen_endless_chunks, 0);
    dir_case(ACME5G_ERR_BODY_TOO_LARGE);
}

static size_t gen_endless_body(size_t off, unsigned char *out, size_t cap)
{
    return gen_repeat("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":\"", "b",
                      off, out, cap);
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
    script_add(r, strlen(r), SRV_CLOSE_AFTER);
    err = enrol();
    CHECK_ERR(err, ACME5G_ERR_NET_CLOSED);
    check_bounded();
    check_nothing_written();
    note_err(err);
}

static void test_stalled_server_times_out(void)
{
    setup();
    script_add("", 0, SRV_STALL);
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
    CHECK_INT(acme5g_ari_next(&w, 0, &when), ACME5G_OK);
    CHECK_INT(when, w.start_s);
    CHECK_INT(acme5g_ari_next(&w, 0xffffffffu, &when), ACME5G_OK);
    CHECK(when >= w.start_s && when < w.end_s);
    CHECK_INT(acme5g_ari_next(&w, (uint32_t)(w.end_s - w.start_s), &when), ACME5G_OK);
    CHECK_INT(when, w.start_s);
    when = 42;
    w.end_s = w.start_s;
    CHECK_INT(acme5g_ari_next(&w, 1, &when), ACME5G_ERR_ARG);
    CHECK_INT(when, 42);
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
    return tests_done();
}
