/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/unit.c -- unit tests for acme5g.c.
 *
 * The library is included, so its static functions are reachable.  Groups
 * follow the sections of acme5g.c: 0/1 bytes and encodings, 2 HTTP over TLS
 * (against an in-process BearSSL server), 3 JSON, 4 ACME objects, 3 keys,
 * JWK and JWS with the CSR and tls-alpn-01 certificate of 5 (checked by
 * openssl), X.509 fields, 5 the badNonce loop, 6 the renewal policy, and
 * the public API.  Known answers come from tests/vectors/ (made by openssl
 * and python3, see tests/vectors/gen.sh), never from acme5g itself.
 * The harness (checks, vectors, the TLS server and its test port) is
 * tests/harness.h, shared with tests/hostile.c.
 *
 * Tests marked "BUG:" show a defect of acme5g.c; they fail today and are
 * kept under #if 0 (enable one with a RUN line to see it fail).  "BUG,
 * fixed by" marks one that found a defect since fixed: it runs.
 *
 * Build: cc -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. \
 *            tests/unit.c -lbearssl
 * Run from the repository root (or set ACME5G_VECTORS to the vectors
 * directory).  Needs openssl on PATH for the CSR checks.  Prints one
 * "ok - name" / "FAIL - name" line per test and ends with
 * "N passed, N failed"; exits 1 when a test failed.
 */
#include "../acme5g.c"

#include <unistd.h>

#define HARNESS_LOG_ENV "ACME5G_UNIT_LOG" /* prints the log and the server's steps */
#include "harness.h"

/* --- vectors ------------------------------------------------------------ */

/* The value of "key value..." in a vector text file (rest of the line). */
static const char *vec_value(const char *text, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        if (ll > kl && !memcmp(p, key, kl) && p[kl] == ' ') {
            snprintf(out, cap, "%.*s", (int)(ll - kl - 1), p + kl + 1);
            return out;
        }
        p += ll + (eol ? 1 : 0);
    }
    check_fail(__FILE__, __LINE__, "key present in vector file:", key);
    out[0] = 0;
    return out;
}

static size_t hex_decode(const char *s, unsigned char *out, size_t cap)
{
    size_t n = 0;
    if (!strcmp(s, "-"))
        return 0;
    while (s[0] && s[1] && n < cap) {
        out[n++] = (unsigned char)(hexval((unsigned char)s[0]) << 4 | hexval((unsigned char)s[1]));
        s += 2;
    }
    return n;
}

/* An independent base64url decoder (no padding); -1 on a bad character. */
static long t_b64u_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned long acc = 0;
    int bits = 0;
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        const char *c = memchr(al, s[i], 64);
        if (!c || !s[i])
            return -1;
        acc = (acc << 6) | (unsigned long)(c - al);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return (long)o;
}

/* A fresh context, with the body holding `s` (for the JSON helpers). */
static acme5g_ctx jctx;

static void set_body(acme5g_ctx *ctx, const char *s, size_t n)
{
    CHECK(n <= ACME5G_BODY_MAX);
    if (n > ACME5G_BODY_MAX)
        n = ACME5G_BODY_MAX;
    memcpy(ctx->body, s, n);
    ctx->body[n] = 0;
    ctx->body_len = n;
}

static void set_body_str(acme5g_ctx *ctx, const char *s) { set_body(ctx, s, strlen(s)); }

/* JSON vector files end with a newline; json_parse rejects trailing
 * whitespace (see test_json_trailing_whitespace_accepted), so cut it. */
static void set_body_vector(acme5g_ctx *ctx, const char *name)
{
    static char buf[4096];
    size_t n = vec_read(name, buf, sizeof(buf));
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\r'))
        n--;
    set_body(ctx, buf, n);
}

/* Tokens jsmn needs for a document (for the minimal-config branches). */
static int json_tokens_needed(const char *s, size_t n)
{
    jsmn_parser p;
    jsmn_init(&p);
    return jsmn_parse(&p, s, n, NULL, 0);
}

/* Run a shell command; its exit status (127 when the shell cannot find it). */
static int run_cmd(const char *cmd)
{
    int r = system(cmd);
    if (r == -1)
        return -1;
    return WIFEXITED(r) ? WEXITSTATUS(r) : 128;
}

/* Run a command and keep its output (stdout and stderr). */
static int run_capture(const char *cmd, char *out, size_t cap)
{
    char full[1200];
    FILE *p;
    size_t n;
    int r;
    snprintf(full, sizeof(full), "%s 2>&1", cmd);
    p = popen(full, "r");
    if (!p) {
        out[0] = 0;
        return -1;
    }
    n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    r = pclose(p);
    return WIFEXITED(r) ? WEXITSTATUS(r) : 128;
}

static int write_temp(char *path, size_t cap, const void *data, size_t n)
{
    int fd;
    snprintf(path, cap, "/tmp/acme5g-unit-XXXXXX");
    fd = mkstemp(path);
    if (fd < 0)
        return -1;
    if (write(fd, data, n) != (ssize_t)n) {
        close(fd);
        unlink(path);
        return -1;
    }
    close(fd);
    return 0;
}

/* ==========================================================================
 * 0/1. Bytes and encodings
 * ======================================================================== */

static void b64u_to(char *out, size_t cap, const unsigned char *d, size_t n)
{
    wbuf w;
    w_init(&w, out, cap);
    w_b64u(&w, d, n);
    w_cstr(&w);
}

static void test_b64u_writer_matches_rfc4648_and_python_vectors(void)
{
    static char text[32768];
    static unsigned char in[1100];
    static char got[1600], want[1600], hex[2300];
    const char *p;
    int lines = 0;
    vec_read("b64u.txt", text, sizeof(text));
    for (p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        size_t n;
        if (*p == '#' || *p == '\n')
            continue;
        if (sscanf(p, "%2299s %1599s", hex, want) != 2) {
            CHECK(!"vector line parses");
            break;
        }
        if (!strcmp(want, "-"))
            want[0] = 0;
        n = hex_decode(hex, in, sizeof(in));
        b64u_to(got, sizeof(got), in, n);
        if (strcmp(got, want))
            printf("  input %s\n", hex);
        CHECK_STR(got, want);
        lines++;
    }
    CHECK(lines >= 7 + 69);
}

/* The streaming mode gives the same text whatever the write sizes. */
static void test_b64_stream_mode_matches_vectors_for_any_write_sizes(void)
{
    static char text[32768];
    static unsigned char in[1100];
    static char got[1600], want[1600], hex[2300];
    static const size_t steps[] = { 1, 2, 3, 4, 5, 7, 64, 2000 };
    const char *p;
    vec_read("b64u.txt", text, sizeof(text));
    for (p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        size_t n, s;
        if (*p == '#' || *p == '\n')
            continue;
        if (sscanf(p, "%2299s %1599s", hex, want) != 2)
            break;
        if (!strcmp(want, "-"))
            want[0] = 0;
        n = hex_decode(hex, in, sizeof(in));
        for (s = 0; s < COUNT(steps); s++) {
            wbuf w;
            size_t off = 0;
            w_init(&w, got, sizeof(got));
            w_str(&w, "<");
            w_b64_begin(&w);
            while (off < n) {
                size_t k = n - off < steps[s] ? n - off : steps[s];
                w_mem(&w, in + off, k);
                off += k;
            }
            w_b64_end(&w);
            w_str(&w, ">");
            w_cstr(&w);
            CHECK(!w.overflow);
            CHECK_INT(got[0], '<');
            CHECK_INT(strlen(got), strlen(want) + 2);
            CHECK(!strncmp(got + 1, want, strlen(want)));
            CHECK_INT(got[strlen(want) + 1], '>');
        }
    }
}

/* w_b64u inside the streaming mode encodes twice (the JWK in the protected
 * header).  Expected: python base64.urlsafe_b64encode(b"Zm9vYmFy"). */
static void test_b64u_inside_stream_mode_encodes_twice(void)
{
    char out[64];
    wbuf w;
    w_init(&w, out, sizeof(out));
    w_b64_begin(&w);
    w_b64u(&w, "foobar", 6);
    w_b64_end(&w);
    w_cstr(&w);
    CHECK_STR(out, "Wm05dlltRnk");
}

static void test_b64u_valid_token_accepts_only_the_base64url_alphabet(void)
{
    char all[65];
    int c;
    memcpy(all, b64u_alphabet, 64);
    all[64] = 0;
    CHECK(b64u_valid_token(all, 64));
    CHECK(b64u_valid_token("a", 1));
    CHECK(!b64u_valid_token("", 0));
    CHECK(!b64u_valid_token("abc=", 4));
    CHECK(!b64u_valid_token("a+b", 3));
    CHECK(!b64u_valid_token("a/b", 3));
    CHECK(!b64u_valid_token("a b", 3));
    CHECK(!b64u_valid_token("a.b", 3));
    CHECK(!b64u_valid_token("ab\0c", 4));
    for (c = 1; c < 256; c++) {
        char s[2];
        s[0] = 'x';
        s[1] = (char)c;
        CHECK_INT(b64u_valid_token(s, 2), strchr(b64u_alphabet, c) != NULL);
    }
}

static void test_wbuf_overflow_is_sticky(void)
{
    char buf[8];
    wbuf w;
    memset(buf, 'Z', sizeof(buf));
    w_init(&w, buf, 4);
    w_str(&w, "abc");
    CHECK(!w.overflow);
    CHECK_INT(w.len, 3);
    w_str(&w, "de");              /* does not fit: nothing written */
    CHECK(w.overflow);
    CHECK_INT(w.len, 3);
    w_str(&w, "x");               /* would fit, but the flag is sticky */
    CHECK(w.overflow);
    CHECK_INT(w.len, 3);
    w_b64u(&w, "\x01", 1);
    CHECK_INT(w.len, 3);
    CHECK(!memcmp(buf, "abcZ", 4));
    CHECK_INT(buf[4], 'Z');       /* never past cap */

    w_init(&w, buf, 4);
    w_str(&w, "abcd");            /* exactly full: fine ... */
    CHECK(!w.overflow);
    CHECK_STR(w_cstr(&w), "abc"); /* ... but no room for the NUL */
    CHECK(w.overflow);

    w_init(&w, buf, 0);
    CHECK_STR(w_cstr(&w), "");
    CHECK(w.overflow);

    w_init(&w, buf, 4);           /* b64 mode: encoded bytes count */
    w_b64_begin(&w);
    w_mem(&w, "abc", 3);          /* 4 chars: fits */
    CHECK(!w.overflow);
    w_mem(&w, "d", 1);
    w_b64_end(&w);                /* 2 more: overflow */
    CHECK(w.overflow);
    CHECK_INT(w.len, 4);
}

static void test_w_u64_and_w_hex(void)
{
    char buf[64];
    wbuf w;
    w_init(&w, buf, sizeof(buf));
    w_u64(&w, 0);
    w_str(&w, " ");
    w_u64(&w, 18446744073709551615u);
    w_str(&w, " ");
    w_hex(&w, (const unsigned char *)"\x00\x1a\xff", 3);
    CHECK_STR(w_cstr(&w), "0 18446744073709551615 001AFF");
}

static void test_copy_cut_marks_cut_strings_and_copy_fit_refuses(void)
{
    char dst[8];
    copy_cut(dst, sizeof(dst), "abcdefghij", 10);
    CHECK_STR(dst, "abcd...");
    copy_cut(dst, sizeof(dst), "abcdefg", 7);
    CHECK_STR(dst, "abcdefg");
    copy_cut(dst, sizeof(dst), "abcdefgh", 8);
    CHECK_STR(dst, "abcd...");
    copy_cut(dst, 3, "abcdef", 6);
    CHECK_STR(dst, "ab");
    CHECK_INT(copy_fit(dst, sizeof(dst), "abcdefg", 7), 0);
    CHECK_STR(dst, "abcdefg");
    CHECK_INT(copy_fit(dst, sizeof(dst), "abcdefgh", 8), -1);
}

/* --- DER ------------------------------------------------------------- */

static unsigned char der_buf[70000];
static unsigned char der_src[65536];

static void test_der_writer_length_headers(void)
{
    static const struct { size_t len; unsigned char hdr[5]; size_t hl; } cases[] = {
        { 0, { 0x04, 0x00 }, 2 },
        { 127, { 0x04, 0x7f }, 2 },
        { 128, { 0x04, 0x81, 0x80 }, 3 },
        { 255, { 0x04, 0x81, 0xff }, 3 },
        { 256, { 0x04, 0x82, 0x01, 0x00 }, 4 },
        { 65535, { 0x04, 0x82, 0xff, 0xff }, 4 },
        { 65536, { 0x04, 0x83, 0x01, 0x00, 0x00 }, 5 },
    };
    size_t i;
    for (i = 0; i < sizeof(der_src); i++)
        der_src[i] = (unsigned char)(i * 7 + 3);
    for (i = 0; i < COUNT(cases); i++) {
        der_w d;
        size_t len = cases[i].len;
        der_init(&d, der_buf, sizeof(der_buf));
        der_tlv(&d, 0x04, der_src, len);
        CHECK(!d.overflow);
        CHECK_INT(d.len, cases[i].hl + len);
        CHECK(!memcmp(der_buf, cases[i].hdr, cases[i].hl));
        CHECK(len == 65536 || !memcmp(der_buf + cases[i].hl, der_src, len));
        if (len == 65536) /* the source is 65536 bytes too */
            CHECK(!memcmp(der_buf + cases[i].hl, der_src, len));
    }
}

static void test_der_writer_nested_lengths_move_content(void)
{
    der_w d;
    der_init(&d, der_buf, sizeof(der_buf));
    der_open(&d, 0x30);
    der_tlv(&d, 0x02, "\x05", 1);
    der_tlv(&d, 0x04, der_src, 200); /* 04 81 c8 + 200 */
    der_open(&d, 0x30);
    der_tlv(&d, 0x04, der_src, 256); /* 04 82 01 00 + 256 */
    der_close(&d);                   /* 30 82 01 04 */
    der_close(&d);                   /* 3 + 203 + 4 + 260 = 470: 30 82 01 d6 */
    CHECK(!d.overflow);
    CHECK_INT(d.depth, 0);
    CHECK_INT(d.len, 4 + 470);
    CHECK(!memcmp(der_buf, "\x30\x82\x01\xd6\x02\x01\x05\x04\x81\xc8", 10));
    CHECK(!memcmp(der_buf + 10, der_src, 200));
    CHECK(!memcmp(der_buf + 210, "\x30\x82\x01\x04\x04\x82\x01\x00", 8));
    CHECK(!memcmp(der_buf + 218, der_src, 256));
}

static void test_der_writer_overflow_and_depth(void)
{
    der_w d;
    int i;
    unsigned char small[130];
    der_init(&d, small, 3);
    der_tlv(&d, 0x04, "abcd", 4);
    CHECK(d.overflow);

    der_init(&d, small, 130); /* 2 + 128 fit, the extra length byte does not */
    der_tlv(&d, 0x04, der_src, 128);
    CHECK(d.overflow);
    der_init(&d, small, 130);
    der_tlv(&d, 0x04, der_src, 127);
    CHECK(!d.overflow);
    CHECK_INT(d.len, 129);

    der_init(&d, der_buf, sizeof(der_buf));
    for (i = 0; i < DER_DEPTH; i++)
        der_open(&d, 0x30);
    CHECK(!d.overflow);
    der_open(&d, 0x30);
    CHECK(d.overflow);

    der_init(&d, der_buf, sizeof(der_buf));
    der_close(&d);
    CHECK(d.overflow);
}

static int der_parse(const void *p, size_t n, int *tag, size_t *vlen, size_t *rest)
{
    der_r r, v;
    r.p = (const unsigned char *)p;
    r.end = r.p + n;
    if (der_next(&r, tag, &v))
        return -1;
    *vlen = (size_t)(v.end - v.p);
    *rest = (size_t)(r.end - r.p);
    return 0;
}

static void test_der_reader_rejects_truncated_oversized_and_indefinite(void)
{
    int tag = 0;
    size_t vl = 0, rest = 0;
    static unsigned char big[300];
    CHECK_INT(der_parse("\x04\x03" "abcX", 6, &tag, &vl, &rest), 0);
    CHECK_INT(tag, 4);
    CHECK_INT(vl, 3);
    CHECK_INT(rest, 1);
    CHECK_INT(der_parse("\x04\x00", 2, &tag, &vl, &rest), 0);
    CHECK_INT(vl, 0);
    big[0] = 0x04;
    big[1] = 0x82;
    big[2] = 0x01;
    big[3] = 0x00;
    CHECK_INT(der_parse(big, 4 + 256, &tag, &vl, &rest), 0);
    CHECK_INT(vl, 256);
    CHECK_INT(der_parse(big, 4 + 255, &tag, &vl, &rest), -1);    /* truncated content */
    CHECK_INT(der_parse("\x04\x05" "abc", 5, &tag, &vl, &rest), -1);
    CHECK_INT(der_parse("\x04", 1, &tag, &vl, &rest), -1);        /* no length */
    CHECK_INT(der_parse("", 0, &tag, &vl, &rest), -1);
    CHECK_INT(der_parse("\x30\x80\x00\x00", 4, &tag, &vl, &rest), -1); /* indefinite */
    CHECK_INT(der_parse("\x04\x82\x01", 3, &tag, &vl, &rest), -1);     /* cut length */
    CHECK_INT(der_parse("\x04\x85\x00\x00\x00\x00\x01\x00", 8, &tag, &vl, &rest), -1);
    CHECK_INT(der_parse("\x04\x84\xff\xff\xff\xff" "ab", 8, &tag, &vl, &rest), -1);
    CHECK_INT(der_parse("\x1f\x81\x01\x00", 4, &tag, &vl, &rest), -1); /* high tag */
}

/* --- dates --------------------------------------------------------------- */

static int xt(int tag, const char *s, int64_t *out)
{
    *out = -12345;
    return x509_time(tag, (const unsigned char *)s, strlen(s), out);
}

/* Expected values: python3 calendar.timegm. */
static void test_x509_time_utc_and_generalized(void)
{
    int64_t t;
    CHECK_INT(xt(0x17, "491231235959Z", &t), 0);
    CHECK_INT(t, 2524607999);            /* UTCTime 49 -> 2049 */
    CHECK_INT(xt(0x17, "500101000000Z", &t), 0);
    CHECK_INT(t, -631152000);            /* UTCTime 50 -> 1950 */
    CHECK_INT(xt(0x17, "700101000000Z", &t), 0);
    CHECK_INT(t, 0);
    CHECK_INT(xt(0x17, "250101000000Z", &t), 0);
    CHECK_INT(t, 1735689600);
    CHECK_INT(xt(0x18, "20500101000000Z", &t), 0);
    CHECK_INT(t, 2524608000);
    CHECK_INT(xt(0x18, "20000229120000Z", &t), 0);
    CHECK_INT(t, 951825600);
    CHECK_INT(xt(0x18, "16000229000000Z", &t), 0);
    CHECK_INT(t, -135081 * 86400LL);

    CHECK_INT(xt(0x17, "251301000000Z", &t), -1);  /* month 13 */
    CHECK_INT(xt(0x17, "250001000000Z", &t), -1);  /* month 0 */
    CHECK_INT(xt(0x17, "250132000000Z", &t), -1);  /* day 32 */
    CHECK_INT(xt(0x17, "250100000000Z", &t), -1);  /* day 0 */
    CHECK_INT(xt(0x17, "250230000000Z", &t), -1);  /* Feb 30 */
    CHECK_INT(xt(0x17, "250431000000Z", &t), -1);  /* Apr 31 */
    CHECK_INT(xt(0x17, "250101240000Z", &t), -1);  /* hour 24 */
    CHECK_INT(xt(0x17, "250101006000Z", &t), -1);  /* minute 60 */
    CHECK_INT(xt(0x17, "2501010000Z", &t), -1);    /* no seconds */
    CHECK_INT(xt(0x17, "250101000000+", &t), -1);  /* not Z */
    CHECK_INT(xt(0x17, "2501a1000000Z", &t), -1);
    CHECK_INT(xt(0x17, "20500101000000Z", &t), -1); /* wrong tag for the form */
    CHECK_INT(xt(0x18, "500101000000Z", &t), -1);
    CHECK_INT(xt(0x18, "20500101000000.5Z", &t), -1);
    CHECK_INT(xt(0x04, "250101000000Z", &t), -1);
}

/* BUG, fixed by 2c35b24 (kept as a regression test):
 * x509_time accepts 29 February in a year that has none (civil_to_unix
 * allows day 29 in every February), so 2025-02-29 silently becomes
 * 2025-03-01; http_date has the same gap. */
static void test_x509_time_rejects_feb_29_outside_leap_years(void)
{
    int64_t t;
    CHECK_INT(xt(0x17, "250229000000Z", &t), -1);
    CHECK_INT(xt(0x18, "21000229000000Z", &t), -1);
    CHECK_INT(http_date("Sat, 29 Feb 2025 00:00:00 GMT", 29, &t), -1);
}

static void test_http_date_imf_fixdate_only(void)
{
    int64_t t = 0;
    static const char *const bad[] = {
        "Sunday, 06-Nov-94 08:49:37 GMT",   /* RFC 850 */
        "Sun Nov  6 08:49:37 1994",         /* asctime */
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 nov 1994 08:49:37 GMT",    /* month names are case-sensitive */
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Xyz 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:49:37 GMT",
        "Sun; 06 Nov 1994 08:49:37 GMT",
        "",
    };
    size_t i;
    CHECK_INT(http_date("Sun, 06 Nov 1994 08:49:37 GMT", 29, &t), 0);
    CHECK_INT(t, 784111777);
    CHECK_INT(http_date("Sun, 15 Jun 2025 15:08:40 GMT", 29, &t), 0);
    CHECK_INT(t, 1750000120);
    CHECK_INT(http_date("Thu, 01 Jan 1970 00:00:00 GMT", 29, &t), 0);
    CHECK_INT(t, 0);
    CHECK_INT(http_date("Fri, 31 Dec 2049 23:59:59 GMT", 29, &t), 0);
    CHECK_INT(t, 2524607999);
    for (i = 0; i < COUNT(bad); i++) {
        if (http_date(bad[i], strlen(bad[i]), &t) != -1)
            printf("  accepted: \"%s\"\n", bad[i]);
        CHECK_INT(http_date(bad[i], strlen(bad[i]), &t), -1);
    }
}

/* Expected: python3 calendar.timegm(date) // 86400. */
static void test_days_from_civil_known_dates(void)
{
    CHECK_INT(days_from_civil(1970, 1, 1), 0);
    CHECK_INT(days_from_civil(1969, 12, 31), -1);
    CHECK_INT(days_from_civil(2000, 2, 28), 11015);
    CHECK_INT(days_from_civil(2000, 2, 29), 11016);
    CHECK_INT(days_from_civil(2000, 3, 1), 11017);
    CHECK_INT(days_from_civil(2038, 1, 19), 24855);
    CHECK_INT(days_from_civil(2038, 1, 20), 24856);
    CHECK_INT(days_from_civil(2100, 2, 28), 47540);
    CHECK_INT(days_from_civil(2100, 3, 1), 47541);  /* 2100 is not leap */
    CHECK_INT(days_from_civil(1900, 3, 1), -25508);
    CHECK_INT(days_from_civil(1600, 2, 29), -135081);
}

/* --- IP addresses and DNS names ------------------------------------------ */

static void test_ip_parse_and_rfc5952_text(void)
{
    static const struct { const char *in, *out; } good[] = {
        { "192.0.2.1", "192.0.2.1" },
        { "0.0.0.0", "0.0.0.0" },
        { "255.255.255.255", "255.255.255.255" },
        { "2001:db8::1", "2001:db8::1" },
        { "::", "::" },
        { "::1", "::1" },
        { "1::", "1::" },
        { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
        { "2001:0db8::0001", "2001:db8::1" },
        { "2001:DB8::ABCD", "2001:db8::abcd" },
        { "0:0:0:0:0:0:0:0", "::" },
        { "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8" },
        { "1::2:3:4:5:6:7", "1:0:2:3:4:5:6:7" },   /* one zero group stays */
        { "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0" },
        { "::1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7" },
        { "1:0:2:0:0:0:3:4", "1:0:2::3:4" },       /* the longest run */
        { "1:0:0:2:0:0:3:4", "1::2:0:0:3:4" },     /* the first of equal runs */
        { "fe80::", "fe80::" },
    };
    static const char *const bad[] = {
        "", ":", ":::", "1:2", "1:::2", "1::2::3", "12345::", "1.2.3", "256.1.1.1",
        "01.2.3.4", "1.2.3.04", "1.2.3.4.", "1.2.3.4.5", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", ":1::", "1:", "1::2:", "[::1]",
        "fe80::1%eth0", "g::1", " 1.2.3.4", "1.2.3.4 ", "::ffff:1.2.3.4", "1..2.3",
        "-1.2.3.4", "1.2.3.-4", "localhost",
    };
    size_t i;
    for (i = 0; i < COUNT(good); i++) {
        unsigned char a[16];
        char text[64];
        wbuf w;
        size_t l = ip_parse(good[i].in, strlen(good[i].in), a);
        CHECK_INT(l, strchr(good[i].in, ':') ? 16 : 4);
        w_init(&w, text, sizeof(text));
        w_ip(&w, a, l);
        CHECK_STR(w_cstr(&w), good[i].out);
    }
    for (i = 0; i < COUNT(bad); i++) {
        unsigned char a[16];
        if (ip_parse(bad[i], strlen(bad[i]), a) != 0)
            printf("  accepted: \"%s\"\n", bad[i]);
        CHECK_INT(ip_parse(bad[i], strlen(bad[i]), a), 0);
    }
    {
        unsigned char a[16];
        CHECK_INT(ip_parse("2001:db8::1", 11, a), 16);
        CHECK(!memcmp(a, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16));
        CHECK_INT(ip_parse("192.0.2.1", 9, a), 4);
        CHECK(!memcmp(a, "\xc0\x00\x02\x01", 4));
        CHECK_INT(ip_parse("192.0.2.1xyz", 9, a), 4); /* the length counts, not a NUL */
    }
}

static void test_dns_name_valid(void)
{
    static const char *const good[] = {
        "a", "a.example", "A.EXAMPLE", "*.example.com", "xn--bcher-kva.example",
        "a-b.c-d.example", "1.example",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk.example", /* 63 */
    };
    static const char *const bad[] = {
        "", ".", "a.", ".a", "a..b", "-a.example", "a-.example", "a.-b", "a_b.example",
        "a b", "*", "*.", "**.example", "*.*.example", "a.*.example", "*example.com",
        "a/b", "a:1", "\xc3\xa9.example",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl.example", /* 64 */
    };
    char longname[300];
    size_t i;
    for (i = 0; i < COUNT(good); i++) {
        if (!dns_name_valid(good[i]))
            printf("  refused: \"%s\"\n", good[i]);
        CHECK(dns_name_valid(good[i]));
    }
    for (i = 0; i < COUNT(bad); i++) {
        if (dns_name_valid(bad[i]))
            printf("  accepted: \"%s\"\n", bad[i]);
        CHECK(!dns_name_valid(bad[i]));
    }
    /* 253 characters: 63 + 1 + 63 + 1 + 63 + 1 + 61 */
    memset(longname, 'a', 253);
    longname[63] = longname[127] = longname[191] = '.';
    longname[253] = 0;
    CHECK(dns_name_valid(longname));
    longname[253] = 'a';
    longname[254] = 0;
    CHECK(!dns_name_valid(longname));
}

static void test_b64u_decode_matches_vectors_and_refuses_non_canonical(void)
{
    static char text[32768];
    static unsigned char in[1100], out[1100];
    static char hex[2300], b64[1600];
    static const char *const bad[] = {
        "Zg==", "Zg=", "Z", "Zh", "Zm9=", "Zm8", "Zm9vYg=", "a+b/", "ab cd", "ab\\n", "Zm9vY",
    };
    const char *p;
    size_t i;
    vec_read("b64u.txt", text, sizeof(text));
    for (p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        size_t n;
        long got;
        if (*p == '#' || *p == '\n')
            continue;
        if (sscanf(p, "%2299s %1599s", hex, b64) != 2)
            break;
        if (!strcmp(b64, "-"))
            b64[0] = 0;
        n = hex_decode(hex, in, sizeof(in));
        got = b64u_decode(b64, strlen(b64), out, sizeof(out));
        CHECK_INT(got, n);
        CHECK(got < 0 || !memcmp(out, in, n));
        if (n > 0) /* one byte short of room */
            CHECK_INT(b64u_decode(b64, strlen(b64), out, n - 1), -1);
    }
    /* "Zm8" is "fo" (canonical); "Zm9" has stray low bits */
    CHECK_INT(b64u_decode("Zm8", 3, out, sizeof(out)), 2);
    for (i = 0; i < COUNT(bad); i++) {
        if (!strcmp(bad[i], "Zm8"))
            continue;
        if (b64u_decode(bad[i], strlen(bad[i]), out, sizeof(out)) != -1)
            printf("  accepted \"%s\"\n", bad[i]);
        CHECK_INT(b64u_decode(bad[i], strlen(bad[i]), out, sizeof(out)), -1);
    }
    CHECK_INT(b64u_decode("ab\0d", 4, out, sizeof(out)), -1);
}

/* utc_time writes what x509_time reads; known answers from python. */
static void test_utc_time_known_answers_and_round_trip(void)
{
    static const struct { int64_t t; const char *s; } cases[] = {
        { 0, "700101000000Z" },
        { 951825600, "000229120000Z" },
        { 1750000000, "250615150640Z" },
        { 2524607999, "491231235959Z" },
        { -631152000, "500101000000Z" },
    };
    char s[14];
    size_t i;
    int64_t t, back;
    for (i = 0; i < COUNT(cases); i++) {
        utc_time(cases[i].t, s);
        s[13] = 0;
        CHECK_STR(s, cases[i].s);
    }
    for (t = -631152000; t < 2524607999; t += 7777777 + 13) {
        utc_time(t, s);
        CHECK_INT(x509_time(0x17, (const unsigned char *)s, 13, &back), 0);
        CHECK_INT(back, t);
        if (test_fail_lines)
            break;
    }
}

/* ==========================================================================
 * 2. HTTP over TLS, against the in-process BearSSL server of
 * tests/harness.h (a script of canned responses, split into records as
 * T.first_piece and T.piece say).
 * ======================================================================== */

/* Script: responses for the next requests, in order. */
static void script_clear(void)
{
    T.nsteps = T.step = 0;
}

static void script_add_str(const char *resp, int mode) { script_add(resp, strlen(resp), mode); }

static acme5g_ctx hctx;

/* A context that trusts the test CA, with a long deadline. */
static void http_setup(void)
{
    static char ca[4096];
    size_t n;
    port_reset();
    CHECK_ERR(acme5g_init(&hctx, &test_port), ACME5G_OK);
    n = vec_read("ca.pem", ca, sizeof(ca));
    CHECK_ERR(acme5g_add_trust_anchors_pem(&hctx, ca, n), ACME5G_OK);
    hctx.deadline_ms = T.mono + 100000000u;
}

static void http_teardown(void)
{
    conn_close(&hctx);
    CHECK(!T.open);
}

static int http_get(void)
{
    return http_request(&hctx, "GET", "https://localhost/x", NULL, 0);
}

/* One GET answered by `resp` (split as T.first_piece/T.piece say). */
static int get_one(const char *resp, size_t len, int mode)
{
    script_clear();
    script_add(resp, len, mode);
    return http_get();
}

static int get_str(const char *resp) { return get_one(resp, strlen(resp), SRV_KEEP); }
static int get_close(const char *resp, int mode) { return get_one(resp, strlen(resp), mode); }

static const char resp_json[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 15\r\n"
    "Replay-Nonce: abc_DEF-123\r\n"
    "\r\n"
    "{\"a\":\"hello\"}\r\n";

static void test_http_content_length_body(void)
{
    http_setup();
    CHECK_ERR(get_str(resp_json), ACME5G_OK);
    CHECK_INT(hctx.http_status, 200);
    CHECK_INT(hctx.http_content_type, CT_JSON);
    CHECK_INT(hctx.body_len, 15);
    CHECK_STR((const char *)hctx.body, "{\"a\":\"hello\"}\r\n");
    CHECK_STR(hctx.nonce, "abc_DEF-123");
    CHECK_INT(hctx.retry_after_s, -1);
    CHECK_STR(hctx.location, "");
    CHECK_STR(hctx.link_up, "");
    /* the request the server saw */
    CHECK(!strncmp(T.last_req, "GET /x HTTP/1.1\r\nHost: localhost\r\n", 34));
    CHECK(strstr(T.last_req, "\r\nUser-Agent: acme5g/") != NULL);
    CHECK(strstr(T.last_req, "Content-Length") == NULL);
    CHECK_STR(T.connect_host, "localhost");
    CHECK_INT(T.connect_port, 443);
    CHECK_INT(T.connects, 1);
    CHECK_INT(T.requests, 1);
    /* kept alive: the second request uses the same connection */
    CHECK_ERR(get_str(resp_json), ACME5G_OK);
    CHECK_INT(T.connects, 1);
    CHECK_INT(T.requests, 2);
    http_teardown();
}

/* Every split of the response into two records, then one record per byte,
 * all on one kept-alive connection. */
static void split_everywhere(const char *resp, const char *want_body, int want_err)
{
    size_t len = strlen(resp), k;
    for (k = 0; k <= len; k++) {
        int err;
        T.first_piece = k == len ? 0 : k;
        T.piece = k == len ? 1 : 0;
        if (k == 0)
            continue;
        err = get_str(resp);
        if (err != want_err || (want_body && strcmp((const char *)hctx.body, want_body)))
            printf("  split at %lu%s\n", (unsigned long)k, k == len ? " (every byte)" : "");
        CHECK_ERR(err, want_err);
        if (want_body && !err) {
            CHECK_INT(hctx.http_status, 200);
            CHECK_STR((const char *)hctx.body, want_body);
            CHECK_INT(hctx.body_len, strlen(want_body));
        }
        if (test_fail_lines)
            break;
    }
}

static void test_http_content_length_body_split_at_every_byte(void)
{
    http_setup();
    split_everywhere(resp_json, "{\"a\":\"hello\"}\r\n", ACME5G_OK);
    CHECK_INT(T.connects, 1);
    CHECK_STR(hctx.nonce, "abc_DEF-123");
    http_teardown();
}

static const char resp_chunked[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/pem-certificate-chain; charset=utf-8\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "7\r\n"
    "-----BE\r\n"
    "1A;name=value;other=\"quoted\"\r\n"
    "GIN CERTIFICATE-----\nMIIB\n\r\n"
    "0003 ; ext\r\n"
    "abc\r\n"
    "1\r\n"
    "\n\r\n"
    "0\r\n"
    "Trailer-One: x\r\n"
    "Trailer-Two: y\r\n"
    "\r\n";

static void test_http_chunked_body_split_at_every_byte(void)
{
    static const char body[] = "-----BEGIN CERTIFICATE-----\nMIIB\nabc\n";
    http_setup();
    split_everywhere(resp_chunked, body, ACME5G_OK);
    CHECK_INT(hctx.http_content_type, CT_PEM_CHAIN);
    CHECK_INT(T.connects, 1);
    /* the trailers were consumed: the next response parses */
    T.first_piece = T.piece = 0;
    CHECK_ERR(get_str(resp_json), ACME5G_OK);
    CHECK_STR((const char *)hctx.body, "{\"a\":\"hello\"}\r\n");
    CHECK_INT(T.connects, 1);
    http_teardown();
}

static void test_http_bare_lf_lines_accepted(void)
{
    http_setup();
    CHECK_ERR(get_str("HTTP/1.1 200 OK\nContent-Length: 2\nReplay-Nonce: n1\n\nok"), ACME5G_OK);
    CHECK_STR((const char *)hctx.body, "ok");
    CHECK_STR(hctx.nonce, "n1");
    http_teardown();
}

static void test_http_chunked_with_content_length_rejected(void)
{
    http_setup();
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
                      "5\r\nhello\r\n0\r\n\r\n"), ACME5G_ERR_HTTP);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nhello\r\n0\r\n\r\n"), ACME5G_ERR_HTTP);
    CHECK(!T.open); /* an error closes the connection */
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                      "5\r\nhello\r\n0\r\n\r\n"), ACME5G_ERR_HTTP);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
              ACME5G_ERR_HTTP);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
              ACME5G_OK);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello"), ACME5G_ERR_HTTP);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello"), ACME5G_ERR_HTTP);
    http_teardown();
}

static void test_http_malformed_chunk_framing_rejected(void)
{
    static const char *const bad[] = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\nhello\r\n0\r\n\r\n",
    };
    size_t i;
    http_setup();
    for (i = 0; i < COUNT(bad); i++)
        CHECK_ERR(get_str(bad[i]), ACME5G_ERR_HTTP);
    /* a stream that ends inside the body is an error, not a short body */
    CHECK_ERR(get_close("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
                        SRV_CLOSE_AFTER), ACME5G_ERR_NET_CLOSED);
    CHECK_ERR(get_close("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", SRV_CLOSE_AFTER),
              ACME5G_ERR_NET_CLOSED);
    http_teardown();
}

static void test_http_head_and_204_have_no_body(void)
{
    http_setup();
    script_clear();
    script_add_str("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nReplay-Nonce: head-nonce\r\n\r\n",
                   SRV_KEEP);
    CHECK_ERR(http_request(&hctx, "HEAD", "https://localhost/nonce", NULL, 0), ACME5G_OK);
    CHECK(!strncmp(T.last_req, "HEAD /nonce HTTP/1.1\r\n", 22));
    CHECK_INT(hctx.http_status, 200);
    CHECK_INT(hctx.body_len, 0);
    CHECK_STR(hctx.nonce, "head-nonce");
    CHECK_ERR(get_str("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\nReplay-Nonce: n204\r\n\r\n"),
              ACME5G_OK);
    CHECK_INT(hctx.http_status, 204);
    CHECK_INT(hctx.body_len, 0);
    CHECK_STR(hctx.nonce, "n204");
    CHECK_ERR(get_str("HTTP/1.1 304 Not Modified\r\n\r\n"), ACME5G_OK);
    CHECK_INT(hctx.body_len, 0);
    /* nothing was left unread: the next response parses on the same connection */
    CHECK_ERR(get_str(resp_json), ACME5G_OK);
    CHECK_STR((const char *)hctx.body, "{\"a\":\"hello\"}\r\n");
    CHECK_INT(T.connects, 1);
    http_teardown();
}

static void test_http_link_rel_up_from_repeated_and_combined_fields(void)
{
    http_setup();
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\n"
                      "Link: <https://localhost/dir>;rel=\"index\"\r\n"
                      "Link: <https://localhost/authz/1>;rel=\"up\"\r\n"
                      "Content-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_STR(hctx.link_up, "https://localhost/authz/1");
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\n"
                      "Link: <https://localhost/authz/2>;rel=\"up\"\r\n"
                      "Link: <https://localhost/dir>;rel=\"index\"\r\n"
                      "Content-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_STR(hctx.link_up, "https://localhost/authz/2");
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\n"
                      "link: <https://localhost/dir>; rel=\"index\", <https://localhost/authz/3>;"
                      " rel=\"up\"\r\n"
                      "Content-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_STR(hctx.link_up, "https://localhost/authz/3");
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\n"
                      "Link: <https://localhost/authz/4>;rel=up, "
                      "<https://localhost/x>;rel=\"alt\"\r\n"
                      "Content-Length: 0\r\n\r\n"),
              ACME5G_OK);
    CHECK_STR(hctx.link_up, "https://localhost/authz/4");
    /* no rel="up": cleared from the previous response */
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\n"
                      "Link: <https://localhost/dir>;rel=\"index\"\r\n"
                      "Link: <https://localhost/u>;rel=\"upx\", <https://localhost/v>;rel=upper\r\n"
                      "Link: garbage without brackets\r\n"
                      "Content-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_STR(hctx.link_up, "");
    http_teardown();
}

static void test_http_link_header_line_parsed_directly(void)
{
    http_framing fr;
    memset(&fr, 0, sizeof(fr));
    memset(&jctx, 0, sizeof(jctx));
    snprintf(jctx.line, sizeof(jctx.line), "Link: <https://h/a>;rel=\"up\"  \t");
    CHECK_ERR(http_header(&jctx, &fr, strlen(jctx.line)), ACME5G_OK);
    CHECK_STR(jctx.link_up, "https://h/a");
    jctx.link_up[0] = 0;
    snprintf(jctx.line, sizeof(jctx.line), "LINK:<https://h/b>; title=\"t\"; rel=\"up\"");
    CHECK_ERR(http_header(&jctx, &fr, strlen(jctx.line)), ACME5G_OK);
    CHECK_STR(jctx.link_up, "https://h/b");
    snprintf(jctx.line, sizeof(jctx.line), "no colon here");
    CHECK_ERR(http_header(&jctx, &fr, strlen(jctx.line)), ACME5G_ERR_HTTP);
    snprintf(jctx.line, sizeof(jctx.line), ": empty name");
    CHECK_ERR(http_header(&jctx, &fr, strlen(jctx.line)), ACME5G_ERR_HTTP);
}

static void test_http_replay_nonce_captured_and_invalid_ignored(void)
{
    static char resp[400];
    static const char *const bad[] = { "abc=", "a+b", "a/b", "a b", "" };
    size_t i;
    http_setup();
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nreplay-nonce:   Z-_9az  \r\nContent-Length: 0\r\n\r\n"),
              ACME5G_OK);
    CHECK_STR(hctx.nonce, "Z-_9az");
    for (i = 0; i < COUNT(bad); i++) {
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 200 OK\r\nReplay-Nonce: %s\r\nContent-Length: 0\r\n\r\n", bad[i]);
        CHECK_ERR(get_str(resp), ACME5G_OK);
        CHECK_STR(hctx.nonce, "");
    }
    /* longer than the nonce slot (96 with the NUL): unusable, so none */
    {
        char n96[97];
        memset(n96, 'N', 96);
        n96[96] = 0;
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 200 OK\r\nReplay-Nonce: %s\r\nContent-Length: 0\r\n\r\n", n96);
        CHECK_ERR(get_str(resp), ACME5G_OK);
        CHECK_STR(hctx.nonce, "");
        n96[95] = 0;
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 200 OK\r\nReplay-Nonce: %s\r\nContent-Length: 0\r\n\r\n", n96);
        CHECK_ERR(get_str(resp), ACME5G_OK);
        CHECK_STR(hctx.nonce, n96);
    }
    /* a response without one clears the previous nonce (it was spent) */
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_STR(hctx.nonce, "");
    http_teardown();
}

static void test_http_location_kept_and_too_long_refused(void)
{
    static char resp[400];
    char url[ACME5G_URL_MAX + 8];
    http_setup();
    CHECK_ERR(get_str("HTTP/1.1 201 Created\r\nLocation: https://localhost/acct/1\r\n"
                      "Content-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_INT(hctx.http_status, 201);
    CHECK_STR(hctx.location, "https://localhost/acct/1");
    /* URL_MAX - 1 characters fit, URL_MAX do not */
    memset(url, 'u', sizeof(url));
    memcpy(url, "https://localhost/", 18);
    url[ACME5G_URL_MAX - 1] = 0;
    snprintf(resp, sizeof(resp),
             "HTTP/1.1 201 Created\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n", url);
    CHECK_ERR(get_str(resp), ACME5G_OK);
    CHECK_STR(hctx.location, url);
    url[ACME5G_URL_MAX - 1] = 'u';
    url[ACME5G_URL_MAX] = 0;
    snprintf(resp, sizeof(resp),
             "HTTP/1.1 201 Created\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n", url);
    CHECK_ERR(get_str(resp), ACME5G_ERR_URL_TOO_LONG);
    http_teardown();
}

static void test_http_retry_after_seconds_and_http_date(void)
{
    http_setup();
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nRetry-After: 120\r\nContent-Length: 0\r\n\r\n"),
              ACME5G_OK);
    CHECK_INT(hctx.retry_after_s, 120);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_INT(hctx.retry_after_s, 0);
    /* now is Sun, 15 Jun 2025 15:06:40 GMT (python email.utils.formatdate) */
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nRetry-After: Sun, 15 Jun 2025 15:08:40 GMT\r\n"
                      "Content-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_INT(hctx.retry_after_s, 120);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nRetry-After: Sun, 15 Jun 2025 14:06:40 GMT\r\n"
                      "Content-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_INT(hctx.retry_after_s, 0);      /* in the past: now */
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nRetry-After: Tue, 15 Jul 2025 15:06:40 GMT\r\n"
                      "Content-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_INT(hctx.retry_after_s, 7 * 86400); /* capped at a week */
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nRetry-After: soon\r\nContent-Length: 0\r\n\r\n"),
              ACME5G_OK);
    CHECK_INT(hctx.retry_after_s, -1);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nRetry-After: -5\r\nContent-Length: 0\r\n\r\n"),
              ACME5G_OK);
    CHECK_INT(hctx.retry_after_s, -1);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_INT(hctx.retry_after_s, -1);
    http_teardown();
}

static void test_http_content_type_media_type_with_parameters(void)
{
    static const struct { const char *v; int ct; } cases[] = {
        { "application/json", CT_JSON },
        { "application/json; charset=utf-8", CT_JSON },
        { "Application/JSON;charset=UTF-8", CT_JSON },
        { "application/problem+json; charset=utf-8", CT_PROBLEM },
        { "application/pem-certificate-chain; charset=utf-8", CT_PEM_CHAIN },
        { "application/jsonx", CT_OTHER },
        { "application/json-seq", CT_OTHER },
        { "text/plain", CT_OTHER },
        { "", CT_OTHER },
    };
    static char resp[300];
    size_t i;
    http_setup();
    for (i = 0; i < COUNT(cases); i++) {
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: 0\r\n\r\n", cases[i].v);
        CHECK_ERR(get_str(resp), ACME5G_OK);
        if (hctx.http_content_type != cases[i].ct)
            printf("  Content-Type: %s\n", cases[i].v);
        CHECK_INT(hctx.http_content_type, cases[i].ct);
    }
    http_teardown();
}

static char big_resp[3 * ACME5G_BODY_MAX + 4096];

static void test_http_header_line_longer_than_line_max_refused(void)
{
    size_t n;
    http_setup();
    /* a header line of LINE_MAX - 2 characters + CRLF fills the buffer */
    n = (size_t)snprintf(big_resp, sizeof(big_resp), "HTTP/1.1 200 OK\r\nX-Long: ");
    memset(big_resp + n, 'a', ACME5G_LINE_MAX - 2 - 8);
    n += ACME5G_LINE_MAX - 2 - 8;
    n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "\r\nContent-Length: 2\r\n\r\nok");
    CHECK_ERR(get_one(big_resp, n, SRV_KEEP), ACME5G_OK);
    CHECK_STR((const char *)hctx.body, "ok");
    n = (size_t)snprintf(big_resp, sizeof(big_resp), "HTTP/1.1 200 OK\r\nX-Long: ");
    memset(big_resp + n, 'a', ACME5G_LINE_MAX + 10);
    n += ACME5G_LINE_MAX + 10;
    n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "\r\nContent-Length: 2\r\n\r\nok");
    CHECK_ERR(get_one(big_resp, n, SRV_KEEP), ACME5G_ERR_HEADER_TOO_LONG);
    /* also the status line, and a line without any newline */
    memset(big_resp, 'H', ACME5G_LINE_MAX * 2);
    CHECK_ERR(get_one(big_resp, ACME5G_LINE_MAX * 2, SRV_KEEP), ACME5G_ERR_HEADER_TOO_LONG);
    http_teardown();
}

static void test_http_more_than_64_headers_refused(void)
{
    size_t n;
    int i;
    http_setup();
    n = (size_t)snprintf(big_resp, sizeof(big_resp), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
    for (i = 0; i < 63; i++)
        n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "X-H%d: %d\r\n", i, i);
    n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "\r\nok");
    CHECK_ERR(get_one(big_resp, n, SRV_KEEP), ACME5G_OK); /* 64 */
    n = (size_t)snprintf(big_resp, sizeof(big_resp), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
    for (i = 0; i < 64; i++)
        n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "X-H%d: %d\r\n", i, i);
    n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "\r\nok");
    CHECK_ERR(get_one(big_resp, n, SRV_KEEP), ACME5G_ERR_HTTP); /* 65 */
    /* and trailers are bounded the same way */
    n = (size_t)snprintf(big_resp, sizeof(big_resp),
                         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n");
    for (i = 0; i < 65; i++)
        n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "X-T%d: %d\r\n", i, i);
    n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "\r\n");
    CHECK_ERR(get_one(big_resp, n, SRV_KEEP), ACME5G_ERR_HTTP);
    http_teardown();
}

/* A response whose body has `len` bytes, framed by Content-Length (0),
 * by chunks of `chunk` bytes, or by the end of the stream (-1). */
static size_t make_body_resp(size_t len, int framing, size_t chunk)
{
    size_t n, i, off = 0;
    if (framing == 0)
        n = (size_t)snprintf(big_resp, sizeof(big_resp),
                             "HTTP/1.1 200 OK\r\nContent-Length: %lu\r\n\r\n", (unsigned long)len);
    else if (framing > 0)
        n = (size_t)snprintf(big_resp, sizeof(big_resp),
                             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    else
        n = (size_t)snprintf(big_resp, sizeof(big_resp), "HTTP/1.1 200 OK\r\n\r\n");
    while (off < len) {
        size_t k = framing > 0 && len - off > chunk ? chunk : len - off;
        if (framing > 0)
            n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "%lx\r\n", (unsigned long)k);
        for (i = 0; i < k; i++)
            big_resp[n++] = (char)('a' + (off + i) % 26);
        if (framing > 0)
            n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "\r\n");
        off += k;
    }
    if (framing > 0)
        n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "0\r\n\r\n");
    return n;
}

static int body_is_pattern(size_t len)
{
    size_t i;
    if (hctx.body_len != len || hctx.body[len] != 0)
        return 0;
    for (i = 0; i < len; i++)
        if (hctx.body[i] != (unsigned char)('a' + i % 26))
            return 0;
    return 1;
}

static void test_http_body_larger_than_body_max_refused(void)
{
    size_t n;
    http_setup();
    T.piece = 1000;
    n = make_body_resp(ACME5G_BODY_MAX, 0, 0);
    CHECK_ERR(get_one(big_resp, n, SRV_KEEP), ACME5G_OK);
    CHECK(body_is_pattern(ACME5G_BODY_MAX));
    n = make_body_resp(ACME5G_BODY_MAX + 1, 0, 0);
    CHECK_ERR(get_one(big_resp, n, SRV_KEEP), ACME5G_ERR_BODY_TOO_LARGE);

    n = make_body_resp(ACME5G_BODY_MAX, 1, 300);
    CHECK_ERR(get_one(big_resp, n, SRV_KEEP), ACME5G_OK);
    CHECK(body_is_pattern(ACME5G_BODY_MAX));
    n = make_body_resp(ACME5G_BODY_MAX + 1, 1, 300);  /* the last chunk overflows */
    CHECK_ERR(get_one(big_resp, n, SRV_KEEP), ACME5G_ERR_BODY_TOO_LARGE);
    n = make_body_resp(ACME5G_BODY_MAX + 1, 1, ACME5G_BODY_MAX + 1); /* one big chunk */
    CHECK_ERR(get_one(big_resp, n, SRV_KEEP), ACME5G_ERR_BODY_TOO_LARGE);

    n = make_body_resp(ACME5G_BODY_MAX, -1, 0);
    CHECK_ERR(get_one(big_resp, n, SRV_CLOSE_AFTER), ACME5G_OK);
    CHECK(body_is_pattern(ACME5G_BODY_MAX));
    n = make_body_resp(ACME5G_BODY_MAX + 1, -1, 0);
    CHECK_ERR(get_one(big_resp, n, SRV_CLOSE_AFTER), ACME5G_ERR_BODY_TOO_LARGE);
    http_teardown();
}

static void test_http_chunk_size_overflow_is_an_error(void)
{
    http_setup();
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "ffffffffffffffffff\r\nhello\r\n0\r\n\r\n"), ACME5G_ERR_BODY_TOO_LARGE);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "10000000000000005\r\nhello\r\n0\r\n\r\n"), ACME5G_ERR_BODY_TOO_LARGE);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nx"),
              ACME5G_ERR_HTTP);
    CHECK(!T.open);
    http_teardown();
}

static void test_http_100_continue_before_the_response(void)
{
    http_setup();
    CHECK_ERR(get_str("HTTP/1.1 100 Continue\r\n\r\n"
                      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nReplay-Nonce: after100\r\n\r\nok"),
              ACME5G_OK);
    CHECK_INT(hctx.http_status, 200);
    CHECK_STR((const char *)hctx.body, "ok");
    CHECK_STR(hctx.nonce, "after100");
    http_teardown();
}

static void test_http_close_before_status_line_on_fresh_connection_not_retried(void)
{
    http_setup();
    CHECK_ERR(get_one("", 0, SRV_CLOSE_BEFORE), ACME5G_ERR_NET_CLOSED);
    CHECK_INT(T.connects, 1);
    CHECK_INT(T.requests, 1);
    CHECK(!T.open);
    CHECK_ERR(get_one("", 0, SRV_TCP_CLOSE_BEFORE), ACME5G_ERR_NET_CLOSED);
    CHECK_INT(T.connects, 2);
    CHECK_INT(T.requests, 2);
    CHECK(!T.open);
    http_teardown();
}

/* A kept-alive connection that the server closed is reopened once, and the
 * same request is sent again. */
static void test_http_closed_keep_alive_connection_reopened_once(void)
{
    http_setup();
    CHECK_ERR(get_str(resp_json), ACME5G_OK);
    script_clear();
    script_add("", 0, SRV_CLOSE_BEFORE);
    script_add(resp_json, strlen(resp_json), SRV_KEEP);
    CHECK_ERR(http_get(), ACME5G_OK);
    CHECK_STR((const char *)hctx.body, "{\"a\":\"hello\"}\r\n");
    CHECK_INT(T.connects, 2);
    CHECK_INT(T.requests, 3);
    /* twice in a row: the second failure is reported */
    script_clear();
    script_add("", 0, SRV_TCP_CLOSE_BEFORE);
    script_add("", 0, SRV_CLOSE_BEFORE);
    CHECK_ERR(http_get(), ACME5G_ERR_NET_CLOSED);
    CHECK_INT(T.connects, 3);
    CHECK_INT(T.requests, 5);
    /* a connection that died after the status line is not retried */
    CHECK_ERR(get_str(resp_json), ACME5G_OK);
    script_clear();
    script_add_str("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel", SRV_CLOSE_AFTER);
    script_add(resp_json, strlen(resp_json), SRV_KEEP);
    CHECK_ERR(http_get(), ACME5G_ERR_NET_CLOSED);
    CHECK_INT(T.connects, 4);
    http_teardown();
}

static void test_http_garbage_status_line_refused(void)
{
    static const char *const bad[] = {
        "FOO\r\n\r\n",
        "HTTP/1.1\r\n\r\n",
        "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
        "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n",
        "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded: header\r\nContent-Length: 0\r\n\r\n",
    };
    size_t i;
    http_setup();
    for (i = 0; i < COUNT(bad); i++) {
        int err = get_str(bad[i]);
        if (err != ACME5G_ERR_HTTP)
            printf("  response %lu\n", (unsigned long)i);
        CHECK_ERR(err, ACME5G_ERR_HTTP);
    }
    CHECK_ERR(get_str("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"), ACME5G_OK); /* no reason */
    CHECK_ERR(get_str("HTTP/1.1 599 Whatever\r\nContent-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_INT(hctx.http_status, 599);
    http_teardown();
}

static void test_http_body_read_to_close(void)
{
    http_setup();
    CHECK_ERR(get_close("HTTP/1.1 200 OK\r\n\r\nuntil close", SRV_CLOSE_AFTER), ACME5G_OK);
    CHECK_STR((const char *)hctx.body, "until close");
    CHECK(!T.open);
    /* cut without close_notify: a truncation attack, not a body */
    CHECK_ERR(get_close("HTTP/1.1 200 OK\r\n\r\nuntil close", SRV_TCP_CLOSE_AFTER), ACME5G_ERR_TLS);
    CHECK(!T.open);
    http_teardown();
}

static void test_http_1_0_and_connection_close_end_the_connection(void)
{
    http_setup();
    CHECK_ERR(get_str("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"), ACME5G_OK);
    CHECK(!T.open);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"),
              ACME5G_OK);
    CHECK(!T.open);
    CHECK_ERR(get_str(resp_json), ACME5G_OK);
    CHECK(T.open);
    CHECK_INT(T.connects, 3);
    http_teardown();
}

/* TLS records cut into 1-byte TCP reads change nothing. */
static void test_http_tls_records_split_into_single_byte_reads(void)
{
    http_setup();
    T.recv_max = 1;
    CHECK_ERR(get_str(resp_chunked), ACME5G_OK);
    CHECK_STR((const char *)hctx.body, "-----BEGIN CERTIFICATE-----\nMIIB\nabc\n");
    http_teardown();
}

static void test_tls_server_must_match_trust_name_and_time(void)
{
    static char pem[4096];
    size_t n;
    /* trusted anchor is an unrelated certificate: untrusted */
    memset(&T, 0, sizeof(T));
    T.now = T_NOW;
    T.mono = 1000;
    CHECK_ERR(acme5g_init(&hctx, &test_port), ACME5G_OK);
    n = vec_read("cert.pem", pem, sizeof(pem));
    CHECK_ERR(acme5g_add_trust_anchors_pem(&hctx, pem, n), ACME5G_OK);
    hctx.deadline_ms = 100000000u;
    CHECK_ERR(get_str(resp_json), ACME5G_ERR_TLS_UNTRUSTED);
    CHECK_INT(hctx.last_tls_error, BR_ERR_X509_NOT_TRUSTED);
    CHECK(!T.open);

    /* the certificate names localhost only */
    http_setup();
    script_clear();
    script_add(resp_json, strlen(resp_json), SRV_KEEP);
    CHECK_ERR(http_request(&hctx, "GET", "https://127.0.0.1/x", NULL, 0), ACME5G_ERR_TLS_NAME);
    CHECK_STR(T.connect_host, "127.0.0.1");
    CHECK(!T.open);
    CHECK_ERR(http_request(&hctx, "GET", "https://[::1]:8443/x", NULL, 0), ACME5G_ERR_TLS_NAME);
    CHECK_STR(T.connect_host, "::1");
    CHECK_INT(T.connect_port, 8443);

    /* expired (the certificate ends in 2049) */
    http_setup();
    T.now = 2600000000;
    CHECK_ERR(get_str(resp_json), ACME5G_ERR_TLS_TIME);
    /* a wall clock before 2020 is no clock: no connection is tried */
    http_setup();
    T.now = 1500000000;
    CHECK_ERR(get_str(resp_json), ACME5G_ERR_CLOCK);
    CHECK_INT(T.connects, 0);
    /* connect failures */
    http_setup();
    T.connect_result = ACME5G_PORT_ERROR;
    CHECK_ERR(get_str(resp_json), ACME5G_ERR_CONNECT);
    T.connect_result = ACME5G_PORT_TIMEOUT;
    CHECK_ERR(get_str(resp_json), ACME5G_ERR_TIMEOUT);
    /* a passed deadline */
    http_setup();
    hctx.deadline_ms = 0;
    CHECK_ERR(get_str(resp_json), ACME5G_ERR_TIMEOUT);
    CHECK_INT(T.connects, 0);
    http_teardown();
}

static void test_http_request_line_and_host_header(void)
{
    http_setup();
    script_clear();
    script_add(resp_json, strlen(resp_json), SRV_KEEP);
    CHECK_ERR(http_request(&hctx, "GET", "https://localhost:14000/dir?x=1", NULL, 0), ACME5G_OK);
    CHECK(!strncmp(T.last_req, "GET /dir?x=1 HTTP/1.1\r\nHost: localhost:14000\r\n", 46));
    CHECK_INT(T.connect_port, 14000);
    script_clear();
    script_add(resp_json, strlen(resp_json), SRV_KEEP);
    CHECK_ERR(http_request(&hctx, "GET", "https://localhost", NULL, 0), ACME5G_OK);
    CHECK(!strncmp(T.last_req, "GET / HTTP/1.1\r\nHost: localhost\r\n", 33));
    CHECK_INT(T.connects, 2); /* another origin (port): another connection */
    CHECK_ERR(http_request(&hctx, "GET", "http://localhost/x", NULL, 0), ACME5G_ERR_URL);
    CHECK_ERR(http_request(&hctx, "GET", "https://local_host/x", NULL, 0), ACME5G_ERR_URL);
    CHECK_ERR(http_request(&hctx, "GET", "https://localhost:0/x", NULL, 0), ACME5G_ERR_URL);
    CHECK_ERR(http_request(&hctx, "GET", "https://localhost:65536/x", NULL, 0), ACME5G_ERR_URL);
    CHECK_ERR(http_request(&hctx, "GET", "https://localhost/a b", NULL, 0), ACME5G_ERR_URL);
    CHECK_INT(T.connects, 2);
    http_teardown();
}

/* BUG, fixed: http_response counted header lines across interim
 * responses, so a 100 Continue with 40 header lines followed by a 200 with
 * 40 failed, though neither response has more than HTTP_MAX_HEADERS (64). */
static void test_http_header_limit_counts_each_response(void)
{
    size_t n = 0;
    int i;
    http_setup();
    n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "HTTP/1.1 100 Continue\r\n");
    for (i = 0; i < 40; i++)
        n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "X-A%d: 1\r\n", i);
    n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n,
                          "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
    for (i = 0; i < 40; i++)
        n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "X-B%d: 1\r\n", i);
    n += (size_t)snprintf(big_resp + n, sizeof(big_resp) - n, "\r\nok");
    CHECK_ERR(get_one(big_resp, n, SRV_KEEP), ACME5G_OK);
    http_teardown();
}

/* BUG, fixed: http_link split a Link field at every comma, also inside a
 * quoted parameter (RFC 8288 3), so '<https://localhost/a>; title="a, b";
 * rel="up"' lost its rel="up". */
static void test_http_link_quoted_comma_in_parameter(void)
{
    http_setup();
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\n"
                      "Link: <https://localhost/a>; title=\"a, b\"; rel=\"up\"\r\n"
                      "Content-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_STR(hctx.link_up, "https://localhost/a");
    http_teardown();
}

static void test_http_link_alternates_and_relation_lists(void)
{
    http_setup();
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\n"
                      "Link: <https://localhost/cert/1/alt/1>;rel=\"alternate\"\r\n"
                      "Link: <https://localhost/dir>;rel=\"index\", "
                      "<https://localhost/cert/1/alt/2>;rel=alternate\r\n"
                      "Link: <https://localhost/cert/1/alt/3>; rel=\"alternate\"\r\n"
                      "Content-Length: 0\r\n\r\n"),
              ACME5G_OK);
    CHECK_INT(hctx.alt_count, ACME5G_MAX_ALTERNATES < 3 ? ACME5G_MAX_ALTERNATES : 3);
    if (ACME5G_MAX_ALTERNATES >= 2) {
        CHECK_STR(hctx.alt_urls[0], "https://localhost/cert/1/alt/1");
        CHECK_STR(hctx.alt_urls[1], "https://localhost/cert/1/alt/2");
    }
    CHECK_STR(hctx.link_up, "");
    /* relation types listed in one quoted rel, in any case */
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\n"
                      "Link: <https://localhost/authz/9>; rel=\"index UP\"; title=x\r\n"
                      "Content-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_STR(hctx.link_up, "https://localhost/authz/9");
    CHECK_INT(hctx.alt_count, 0); /* reset per response */
    http_teardown();
}

/* ==========================================================================
 * 3. JSON
 * ======================================================================== */

static int parse_body(const char *s)
{
    memset(&jctx, 0, sizeof(jctx));
    set_body_str(&jctx, s);
    return json_parse(&jctx);
}

static void test_json_get_and_str_on_directory_sample(void)
{
    char out[ACME5G_URL_MAX];
    int meta, caa;
    memset(&jctx, 0, sizeof(jctx));
    set_body_vector(&jctx, "directory.json");
    CHECK(json_parse(&jctx) > 0);
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "newNonce"), out, sizeof(out)), ACME5G_OK);
    CHECK_STR(out, "https://example.com/acme/new-nonce");
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "keyChange"), out, sizeof(out)), ACME5G_OK);
    CHECK_STR(out, "https://example.com/acme/key-change");
    meta = json_get(&jctx, 0, "meta");
    CHECK(meta > 0);
    CHECK(TOK(&jctx)[meta].type == JSMN_OBJECT);
    CHECK_ERR(json_str(&jctx, json_get(&jctx, meta, "website"), out, sizeof(out)), ACME5G_OK);
    CHECK_STR(out, "https://www.example.com/");
    caa = json_get(&jctx, meta, "caaIdentities");
    CHECK(caa > 0 && TOK(&jctx)[caa].type == JSMN_ARRAY && TOK(&jctx)[caa].size == 1);
    CHECK_ERR(json_str(&jctx, caa + 1, out, sizeof(out)), ACME5G_OK);
    CHECK_STR(out, "example.com");
    /* meta's members are not members of the root */
    CHECK_INT(json_get(&jctx, 0, "website"), -1);
    CHECK_INT(json_get(&jctx, 0, "missing"), -1);
    CHECK_INT(json_get(&jctx, 0, "newNonc"), -1);
    CHECK_INT(json_get(&jctx, caa, "x"), -1);   /* not an object */
    CHECK_INT(json_get(&jctx, -1, "x"), -1);
    /* a non-string is not a string */
    CHECK_ERR(json_str(&jctx, json_get(&jctx, meta, "externalAccountRequired"), out, sizeof(out)),
              ACME5G_ERR_JSON_FIELD);
    CHECK_ERR(json_str(&jctx, meta, out, sizeof(out)), ACME5G_ERR_JSON_FIELD);
    CHECK_ERR(json_str(&jctx, -1, out, sizeof(out)), ACME5G_ERR_JSON_FIELD);
}

static void test_json_get_skips_nested_values(void)
{
    char out[16];
    CHECK(parse_body("{\"a\":{\"b\":[1,{\"b\":2}],\"c\":{}},\"b\":\"top\",\"d\":[]}") > 0);
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "b"), out, sizeof(out)), ACME5G_OK);
    CHECK_STR(out, "top");
    CHECK(json_get(&jctx, 0, "d") > 0);
    CHECK(parse_body("{}") > 0);
    CHECK_INT(json_get(&jctx, 0, "a"), -1);
}

static void test_json_str_unescapes(void)
{
    char out[64];
    /* a " \ / newline & e-acute grinning-face, each escaped */
    CHECK(parse_body("{\"s\":\"a\\\"b\\\\c\\/d\\ne\\u0026f\\u00e9g\\ud83d\\ude00"
                     "h\\t\\r\\b\\f\"}") > 0);
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "s"), out, sizeof(out)), ACME5G_OK);
    CHECK_STR(out, "a\"b\\c/d\ne&f\xc3\xa9g\xf0\x9f\x98\x80h\t\r\b\f");
    /* raw UTF-8 passes as is; U+20AC escaped upper-case */
    CHECK(parse_body("{\"s\":\"\xc3\xa9\\u20AC\"}") > 0);
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "s"), out, sizeof(out)), ACME5G_OK);
    CHECK_STR(out, "\xc3\xa9\xe2\x82\xac");
    /* NUL and lone surrogates become U+FFFD */
    CHECK(parse_body("{\"s\":\"\\u0000|\\ud800|\\udc00|\\ud83dx\"}") > 0);
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "s"), out, sizeof(out)), ACME5G_OK);
    CHECK_STR(out, "\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbdx");
    /* a raw control byte inside a string is not JSON */
    CHECK(parse_body("{\"s\":\"a\tb\"}") > 0);
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "s"), out, sizeof(out)), ACME5G_ERR_JSON);
}

static void test_json_str_field_too_long(void)
{
    char out[8];
    CHECK(parse_body("{\"s\":\"1234567\",\"t\":\"12345678\",\"u\":\"123456\\u00e9\",\"v\":"
                     "\"12345\\u00e9\"}") > 0);
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "s"), out, sizeof(out)), ACME5G_OK);
    CHECK_STR(out, "1234567");
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "t"), out, sizeof(out)),
              ACME5G_ERR_FIELD_TOO_LONG);
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "u"), out, sizeof(out)),
              ACME5G_ERR_FIELD_TOO_LONG);
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "v"), out, sizeof(out)), ACME5G_OK);
    CHECK_STR(out, "12345\xc3\xa9");
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "s"), out, 1), ACME5G_ERR_FIELD_TOO_LONG);
}

static void test_json_parse_refuses_non_objects_and_trailing_garbage(void)
{
    static const char *const bad[] = {
        "[1,2]", "\"s\"", "42", "true", "{}x", "{}{}", "{\"a\":1}}", "{\"a\":", "{\"a\" 1}",
        "{a:1}", "", "{\"a\":nope",
    };
    size_t i;
    for (i = 0; i < COUNT(bad); i++) {
        int n = parse_body(bad[i]);
        if (n != -ACME5G_ERR_JSON)
            printf("  \"%s\" -> %d\n", bad[i], n);
        CHECK_INT(n, -ACME5G_ERR_JSON);
    }
    CHECK_INT(parse_body("{}"), 1);
    CHECK_INT(parse_body("{\"a\":[1,{\"b\":null}]}"), 7);
    /* jsmn stops at a NUL: what follows it is garbage too */
    memset(&jctx, 0, sizeof(jctx));
    set_body(&jctx, "{\"a\":1}\0junk", 12);
    CHECK_INT(json_parse(&jctx), -ACME5G_ERR_JSON);
}

/* BUG, fixed by 2c35b24 (kept as a regression test):
 * json_parse refuses a document followed by whitespace ("{}\n"),
 * which RFC 8259 section 2 allows (JSON-text = ws value ws): it requires the
 * root token to end exactly at body_len.  A server that ends its JSON with
 * a newline (common with JSON encoders) would fail every step with
 * ACME5G_ERR_JSON. */
static void test_json_trailing_whitespace_accepted(void)
{
    CHECK(parse_body("{\"a\":1}\n") > 0);
    CHECK(parse_body(" {\"a\":1}\r\n\t ") > 0);
}

/* BUG, fixed by 2c35b24 (kept as a regression test):
 * jsmn 1.1.0 (even with JSMN_STRICT) accepts a member without a
 * value, '{"newNonce"}': 2 tokens, the object with size 1.  json_parse
 * takes it, and json_get(ctx, 0, "newNonce") then returns token 2, past the
 * tokens of this document: a stale token of an earlier response, whose
 * offsets point at that response's bytes still in ctx->body.  Here the
 * "value" read is the previous document's URL.  (Either json_parse should
 * refuse a document whose object/key sizes do not add up, or json_get
 * should not return an index >= the token count.) */
static void test_json_member_without_value_refused(void)
{
    char out[64];
    int n;
    CHECK(parse_body("{\"newNonce\":\"https://stale.example/n\"}") > 0);
    set_body_str(&jctx, "{\"newNonce\"}");
    n = json_parse(&jctx);
    CHECK(n < 0 || json_get(&jctx, 0, "newNonce") < n);
    if (n > 0 && json_get(&jctx, 0, "newNonce") >= 0 &&
        json_str(&jctx, json_get(&jctx, 0, "newNonce"), out, sizeof(out)) == ACME5G_OK)
        CHECK_STR(out, "not the stale value");
}

static void test_json_too_many_tokens_is_json_too_big(void)
{
    static char doc[ACME5G_JSON_TOKENS * 12 + 16];
    size_t n = 0;
    int i, keys = (ACME5G_JSON_TOKENS - 1) / 2; /* 1 + 2 * keys tokens: fits */
    doc[n++] = '{';
    for (i = 0; i < keys; i++)
        n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%s\"k%d\":%d", i ? "," : "", i, i);
    doc[n++] = '}';
    doc[n] = 0;
    CHECK_INT(parse_body(doc), 1 + 2 * keys);
    n--;
    n += (size_t)snprintf(doc + n, sizeof(doc) - n, ",\"one\":\"more\"}");
    CHECK_INT(parse_body(doc), -ACME5G_ERR_JSON_TOO_BIG);
    memset(&jctx, 0, sizeof(jctx));
    set_body_str(&jctx, doc);
    CHECK_ERR(obj_directory(&jctx), ACME5G_ERR_JSON_TOO_BIG);
}

static void test_w_json_str_escapes_quotes_backslashes_and_controls(void)
{
    char out[128];
    wbuf w;
    w_init(&w, out, sizeof(out));
    w_json_str(&w, "a\"b\\c\n\x01\x1f\x7f/\xc3\xa9<&>");
    CHECK_STR(w_cstr(&w), "\"a\\\"b\\\\c\\u000a\\u0001\\u001f\\u007f/\xc3\xa9<&>\"");
    w_init(&w, out, sizeof(out));
    w_json_str(&w, "");
    CHECK_STR(w_cstr(&w), "\"\"");
    /* the escaped text parses back to the original */
    w_init(&w, out, sizeof(out));
    w_str(&w, "{\"s\":");
    w_json_str(&w, "q\"b\\\x02\xc3\xa9");
    w_str(&w, "}");
    CHECK(parse_body(w_cstr(&w)) > 0);
    CHECK_ERR(json_str(&jctx, json_get(&jctx, 0, "s"), out, sizeof(out)), ACME5G_OK);
    CHECK_STR(out, "q\"b\\\x02\xc3\xa9");
}

/* ==========================================================================
 * 4. ACME objects
 * ======================================================================== */

static void test_obj_directory_sample(void)
{
    memset(&jctx, 0, sizeof(jctx));
    set_body_vector(&jctx, "directory.json");
    CHECK_ERR(obj_directory(&jctx), ACME5G_OK);
    CHECK_STR(jctx.dir_new_nonce, "https://example.com/acme/new-nonce");
    CHECK_STR(jctx.dir_new_account, "https://example.com/acme/new-account");
    CHECK_STR(jctx.dir_new_order, "https://example.com/acme/new-order");
    /* missing member, wrong type, URL too long */
    CHECK(parse_body("{\"newNonce\":\"https://a/n\",\"newAccount\":\"https://a/a\"}") > 0);
    CHECK_ERR(obj_directory(&jctx), ACME5G_ERR_JSON_FIELD);
    CHECK(parse_body("{\"newNonce\":\"https://a/n\",\"newAccount\":\"https://a/a\","
                     "\"newOrder\":7}") > 0);
    CHECK_ERR(obj_directory(&jctx), ACME5G_ERR_JSON_FIELD);
    {
        char doc[ACME5G_URL_MAX + 128];
        char url[ACME5G_URL_MAX + 1];
        memset(url, 'u', ACME5G_URL_MAX);
        url[ACME5G_URL_MAX] = 0;
        snprintf(doc, sizeof(doc), "{\"newNonce\":\"%s\",\"newAccount\":\"x\",\"newOrder\":\"y\"}",
                 url);
        memset(&jctx, 0, sizeof(jctx));
        set_body_str(&jctx, doc);
        CHECK_ERR(obj_directory(&jctx), ACME5G_ERR_URL_TOO_LONG);
    }
    CHECK(parse_body("[]") < 0);
    CHECK_ERR(obj_directory(&jctx), ACME5G_ERR_JSON);
}

static void test_obj_order_sample(void)
{
    int status = -1;
    memset(&jctx, 0, sizeof(jctx));
    set_body_vector(&jctx, "order.json");
    if (ACME5G_MAX_IDENTIFIERS < 2) {
        CHECK_ERR(obj_order(&jctx, &status), ACME5G_ERR_TOO_MANY_NAMES);
    } else {
        CHECK_ERR(obj_order(&jctx, &status), ACME5G_OK);
        CHECK_INT(status, ST_VALID);
        CHECK_STR(jctx.finalize_url, "https://example.com/acme/order/TOrlx9AzP4K/finalize");
        CHECK_STR(jctx.certificate_url, "https://example.com/acme/cert/mAt3xBGaobw");
        CHECK_INT(jctx.authz_count, 2);
        CHECK_STR(jctx.authz_urls[0], "https://example.com/acme/authz/PAniVnsZcis");
        CHECK_STR(jctx.authz_urls[1], "https://example.com/acme/authz/r4HqLzrSrpI");
    }
    /* one authorization, pending: fits every configuration */
    CHECK(parse_body("{\"status\":\"pending\",\"authorizations\":[\"https://a/z1\"],"
                     "\"finalize\":\"https://a/"
                     "f\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"a\"}]}") > 0);
    CHECK_ERR(obj_order(&jctx, &status), ACME5G_OK);
    CHECK_INT(status, ST_PENDING);
    CHECK_INT(jctx.authz_count, 1);
    CHECK_STR(jctx.authz_urls[0], "https://a/z1");
    CHECK_STR(jctx.certificate_url, "");
    /* statuses */
    CHECK(parse_body("{\"status\":\"processing\",\"authorizations\":[],\"finalize\":\"https://a/"
                     "f\"}") > 0);
    CHECK_ERR(obj_order(&jctx, &status), ACME5G_OK);
    CHECK_INT(status, ST_PROCESSING);
    CHECK(parse_body("{\"status\":\"deactivated\",\"authorizations\":[],\"finalize\":\"f\"}") > 0);
    CHECK_ERR(obj_order(&jctx, &status), ACME5G_OK);
    CHECK_INT(status, ST_DEACTIVATED);
    CHECK(parse_body("{\"status\":\"bogus\",\"authorizations\":[],\"finalize\":\"f\"}") > 0);
    CHECK_ERR(obj_order(&jctx, &status), ACME5G_ERR_STATUS);
    CHECK(parse_body("{\"authorizations\":[],\"finalize\":\"f\"}") > 0);
    CHECK_ERR(obj_order(&jctx, &status), ACME5G_ERR_STATUS);
    /* valid needs the certificate URL; authorizations must be an array */
    CHECK(parse_body("{\"status\":\"valid\",\"authorizations\":[],\"finalize\":\"f\"}") > 0);
    CHECK_ERR(obj_order(&jctx, &status), ACME5G_ERR_JSON_FIELD);
    CHECK(parse_body("{\"status\":\"ready\",\"authorizations\":\"x\",\"finalize\":\"f\"}") > 0);
    CHECK_ERR(obj_order(&jctx, &status), ACME5G_ERR_JSON_FIELD);
    CHECK(parse_body("{\"status\":\"ready\",\"authorizations\":[1],\"finalize\":\"f\"}") > 0);
    CHECK_ERR(obj_order(&jctx, &status), ACME5G_ERR_JSON_FIELD);
}

/* An authorization whose three challenges come in any order. */
#define AUTHZ_HEAD                                                                                 \
    "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\"},"

/* obj_authz: whether the authorization is answered with tkauth-01 */
static int authz_tkauth;

static void test_obj_authz_finds_http01_among_shuffled_challenges(void)
{
    static const char *const ch[3] = {
            "{\"type\":\"tls-alpn-01\",\"url\":\"https://a/c/"
            "1\",\"status\":\"pending\",\"token\":\"tok1\"}",
            "{\"type\":\"http-01\",\"url\":\"https://a/c/"
            "2\",\"status\":\"pending\",\"token\":\"tok-_2\"}",
            "{\"type\":\"dns-01\",\"url\":\"https://a/c/"
            "3\",\"status\":\"valid\",\"token\":\"tok3\"}",
    };
    static const int perm[6][3] = { {0,1,2}, {0,2,1}, {1,0,2}, {1,2,0}, {2,0,1}, {2,1,0} };
    char doc[1024], ident[64];
    int p, status, cs;
    int need;
    memset(&jctx, 0, sizeof(jctx));
    set_body_vector(&jctx, "authz.json");
    need = json_tokens_needed((const char *)jctx.body, jctx.body_len);
    CHECK(need > 32);
    if (need > ACME5G_JSON_TOKENS) {
        CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth),
                  ACME5G_ERR_JSON_TOO_BIG);
    } else {
        CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth), ACME5G_OK);
        CHECK_STR(ident, "www.example.org");
        CHECK_INT(status, ST_PENDING);
        CHECK_INT(cs, ST_PENDING);
        CHECK_STR(jctx.challenge_url, "https://example.com/acme/chall/LoqXcYV8q5ON");
        CHECK_STR(jctx.token, "DGyRejmCefe7v4NfDGDKfA");
        CHECK_ERR(obj_authz(&jctx, "dns-01", ident, sizeof(ident), &status, &cs, &authz_tkauth), ACME5G_OK);
        CHECK_STR(jctx.challenge_url, "https://example.com/acme/chall/Rg5dV14Gh1Q");
        CHECK_STR(jctx.token, "IlirfxKKXAsHtmzK29Pj8A");
    }
    for (p = 0; p < 6; p++) {
        snprintf(doc, sizeof(doc), AUTHZ_HEAD "\"challenges\":[%s,%s,%s]}",
                 ch[perm[p][0]], ch[perm[p][1]], ch[perm[p][2]]);
        memset(&jctx, 0, sizeof(jctx));
        set_body_str(&jctx, doc);
        if (json_tokens_needed(doc, strlen(doc)) > ACME5G_JSON_TOKENS) {
            CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth),
                      ACME5G_ERR_JSON_TOO_BIG);
            continue;
        }
        CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth), ACME5G_OK);
        CHECK_STR(jctx.challenge_url, "https://a/c/2");
        CHECK_STR(jctx.token, "tok-_2");
        CHECK_INT(cs, ST_PENDING);
        CHECK_ERR(obj_authz(&jctx, "dns-01", ident, sizeof(ident), &status, &cs, &authz_tkauth), ACME5G_OK);
        CHECK_STR(jctx.challenge_url, "https://a/c/3");
        CHECK_STR(jctx.token, "tok3");
        CHECK_INT(cs, ST_VALID);
    }
    /* the challenge on its own fits every configuration */
    memset(&jctx, 0, sizeof(jctx));
    snprintf(doc, sizeof(doc), AUTHZ_HEAD "\"challenges\":[%s]}", ch[1]);
    set_body_str(&jctx, doc);
    CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth), ACME5G_OK);
    CHECK_STR(ident, "a.example");
    CHECK_STR(jctx.challenge_url, "https://a/c/2");
    CHECK_STR(jctx.token, "tok-_2");
    CHECK_INT(cs, ST_PENDING);
    CHECK_ERR(obj_authz(&jctx, "dns-01", ident, sizeof(ident), &status, &cs, &authz_tkauth),
              ACME5G_ERR_NO_CHALLENGE);
}

static void test_obj_authz_refuses_token_outside_base64url(void)
{
    static const char *const tokens[] = { "a.b", "..\\/x", "a\\u002fb", "a=", "a b", "" };
    char doc[400], ident[64];
    size_t i;
    int status, cs;
    for (i = 0; i < COUNT(tokens); i++) {
        snprintf(doc, sizeof(doc), AUTHZ_HEAD "\"challenges\":[{\"type\":\"http-01\","
                 "\"url\":\"https://a/c\",\"status\":\"pending\",\"token\":\"%s\"}]}", tokens[i]);
        memset(&jctx, 0, sizeof(jctx));
        set_body_str(&jctx, doc);
        CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth),
                  ACME5G_ERR_JSON_FIELD);
    }
    /* too long for the token slot */
    {
        char tok[200];
        memset(tok, 'T', 150);
        tok[150] = 0;
        snprintf(doc, sizeof(doc), AUTHZ_HEAD "\"challenges\":[{\"type\":\"http-01\","
                 "\"url\":\"https://a/c\",\"token\":\"%s\"}]}", tok);
        memset(&jctx, 0, sizeof(jctx));
        set_body_str(&jctx, doc);
        CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth),
                  ACME5G_ERR_FIELD_TOO_LONG);
    }
}

static void test_obj_authz_without_http01_is_no_challenge(void)
{
    char ident[64];
    int status, cs;
    CHECK(parse_body(AUTHZ_HEAD "\"challenges\":[{\"type\":\"dns-01\",\"url\":\"https://a/c\","
                                "\"token\":\"t\"},{\"type\":\"http-01x\",\"url\":\"https://a/"
                                "d\",\"token\":\"t\"}]}") > 0);
    CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth),
              ACME5G_ERR_NO_CHALLENGE);
    CHECK(parse_body(AUTHZ_HEAD "\"challenges\":[]}") > 0);
    CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth),
              ACME5G_ERR_NO_CHALLENGE);
    CHECK(parse_body(AUTHZ_HEAD "\"x\":1}") > 0);
    CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth),
              ACME5G_ERR_JSON_FIELD);
    /* a valid authorization needs no challenge */
    CHECK(parse_body("{\"status\":\"valid\",\"identifier\":{\"value\":\"b.example\"},"
                     "\"challenges\":[]}") > 0);
    CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth), ACME5G_OK);
    CHECK_INT(status, ST_VALID);
    CHECK_STR(ident, "b.example");
    CHECK(parse_body("{\"status\":\"invalid\",\"identifier\":{\"value\":\"b.example\"}}") > 0);
    CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth), ACME5G_OK);
    CHECK_INT(status, ST_INVALID);
    CHECK(parse_body("{\"status\":\"unknown\",\"identifier\":{\"value\":\"b.example\"}}") > 0);
    CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth), ACME5G_ERR_STATUS);
    /* the identifier is required, and must fit */
    CHECK(parse_body("{\"status\":\"valid\",\"challenges\":[]}") > 0);
    CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &status, &cs, &authz_tkauth),
              ACME5G_ERR_JSON_FIELD);
    CHECK(parse_body("{\"status\":\"valid\",\"identifier\":{\"value\":\"b.example\"}}") > 0);
    CHECK_ERR(obj_authz(&jctx, "http-01", ident, 5, &status, &cs, &authz_tkauth), ACME5G_ERR_FIELD_TOO_LONG);
}

static void test_obj_problem_sample(void)
{
    memset(&jctx, 0, sizeof(jctx));
    set_body_vector(&jctx, "problem.json");
    jctx.http_status = 400;
    obj_problem(&jctx);
    CHECK_INT(jctx.problem.http_status, 400);
    CHECK_STR(jctx.problem.type, "urn:ietf:params:acme:error:malformed");
    CHECK_STR(jctx.problem.detail, "Some of the identifiers requested were rejected");
    CHECK(problem_is(&jctx, "malformed"));
    CHECK(!problem_is(&jctx, "badNonce"));
    CHECK(!problem_is(&jctx, "malforme"));
    /* escapes in the detail are decoded */
    CHECK(parse_body("{\"type\":\"urn:ietf:params:acme:error:badNonce\",\"detail\":\"x \\\"y\\\" "
                     "\\u0026\"}") > 0);
    jctx.http_status = 400;
    obj_problem(&jctx);
    CHECK(problem_is(&jctx, "badNonce"));
    CHECK_STR(jctx.problem.detail, "x \"y\" &");
    /* not a problem document: only the status is kept */
    memset(&jctx, 0, sizeof(jctx));
    set_body_str(&jctx, "<html>oops</html>");
    jctx.http_status = 502;
    obj_problem(&jctx);
    CHECK_INT(jctx.problem.http_status, 502);
    CHECK_STR(jctx.problem.type, "");
    CHECK_STR(jctx.problem.detail, "");
    CHECK(parse_body("{\"type\":7,\"detail\":[]}") > 0);
    obj_problem(&jctx);
    CHECK_STR(jctx.problem.type, "");
    CHECK_STR(jctx.problem.detail, "");
}

static void test_obj_problem_cuts_long_type_and_detail(void)
{
    char doc[1000], type[200], detail[600];
    memset(type, 't', 150);
    type[150] = 0;
    memset(detail, 'd', 400);
    detail[400] = 0;
    snprintf(doc, sizeof(doc), "{\"type\":\"%s\",\"detail\":\"%s\"}", type, detail);
    memset(&jctx, 0, sizeof(jctx));
    set_body_str(&jctx, doc);
    obj_problem(&jctx);
    CHECK_INT(strlen(jctx.problem.type), ACME5G_PROBLEM_TYPE_MAX - 1);
    CHECK_INT(strlen(jctx.problem.detail), ACME5G_PROBLEM_DETAIL_MAX - 1);
    CHECK(!strcmp(jctx.problem.type + ACME5G_PROBLEM_TYPE_MAX - 4, "..."));
    CHECK(!strcmp(jctx.problem.detail + ACME5G_PROBLEM_DETAIL_MAX - 4, "..."));
    CHECK(!strncmp(jctx.problem.detail, detail, ACME5G_PROBLEM_DETAIL_MAX - 4));
}

static void test_obj_directory_optional_urls_and_eab_flag(void)
{
    memset(&jctx, 0, sizeof(jctx));
    set_body_vector(&jctx, "directory.json");
    CHECK_ERR(obj_directory(&jctx), ACME5G_OK);
    CHECK_STR(jctx.dir_key_change, "https://example.com/acme/key-change");
    CHECK_STR(jctx.dir_revoke_cert, "https://example.com/acme/revoke-cert");
    CHECK_INT(jctx.eab_required, 0);
    CHECK(parse_body("{\"newNonce\":\"https://x/n\",\"newAccount\":\"https://x/a\","
                     "\"newOrder\":\"https://x/o\",\"meta\":{\"externalAccountRequired\":true}}") > 0);
    CHECK_ERR(obj_directory(&jctx), ACME5G_OK);
    CHECK_INT(jctx.eab_required, 1);
    CHECK_STR(jctx.dir_key_change, "");
    CHECK_STR(jctx.dir_revoke_cert, "");
    CHECK(parse_body("{\"newNonce\":\"https://x/n\",\"newAccount\":\"https://x/a\","
                     "\"newOrder\":\"https://x/o\",\"keyChange\":5}") > 0);
    CHECK_ERR(obj_directory(&jctx), ACME5G_ERR_JSON_FIELD);
    /* a directory whose URLs cannot be followed is refused when read */
    CHECK(parse_body("{\"newNonce\":\"http://x/n\",\"newAccount\":\"https://x/a\","
                     "\"newOrder\":\"https://x/o\"}") > 0);
    CHECK_ERR(obj_directory(&jctx), ACME5G_ERR_URL);
}

/* ==========================================================================
 * 3. Keys, JWK, JWS; and (section 5 of acme5g.c) the CSR and the
 *    tls-alpn-01 certificate, checked by openssl
 * ======================================================================== */

static char pem_buf[4096];

static int load_key(acme5g_ec_key *k, const char *file)
{
    size_t n = vec_read(file, pem_buf, sizeof(pem_buf));
    return key_from_pem(&jctx, k, pem_buf, n);
}

/* The vector key's public point, from openssl. */
static void vector_pub(unsigned char pub[65])
{
    static char text[1024];
    char hex[200];
    vec_read("ec-p256-jwk.txt", text, sizeof(text));
    vec_value(text, "pub", hex, sizeof(hex));
    CHECK_INT(hex_decode(hex, pub, 65), 65);
}

static void test_key_from_pem_reads_pkcs8_and_sec1(void)
{
    static acme5g_ec_key a, b;
    unsigned char pub[65];
    vector_pub(pub);
    CHECK_ERR(load_key(&a, "ec-p256-pkcs8.pem"), ACME5G_OK);
    CHECK_ERR(load_key(&b, "ec-p256-sec1.pem"), ACME5G_OK);
    CHECK(a.loaded && b.loaded);
    CHECK_INT(a.sk.curve, BR_EC_secp256r1);
    CHECK_INT(a.pk.qlen, 65);
    CHECK(!memcmp(a.pk.q, pub, 65));
    CHECK(!memcmp(b.pk.q, pub, 65));
    CHECK_INT(a.sk.xlen, b.sk.xlen);
    CHECK(!memcmp(a.sk.x, b.sk.x, a.sk.xlen));
    CHECK(a.sk.x == a.priv && a.pk.q == a.pub); /* the struct owns its bytes */
}

/* P-384 is taken when the build has the curve (the full profile), with
 * the public key openssl computes; a curve acme5g never uses (P-521),
 * garbage and other PEM objects are refused. */
static void test_key_from_pem_refuses_other_curves_and_garbage(void)
{
    static acme5g_ec_key k;
    static char text[1024];
    char hex[300];
    unsigned char pub[97];
    static const char garbage[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    static const char cut[] =
            "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIB\n";
    size_t n;
    if (load_key(&k, "ec-p384-pkcs8.pem") == ACME5G_OK) {
        vec_read("ec-p384-jwk.txt", text, sizeof(text));
        CHECK_INT(hex_decode(vec_value(text, "pub", hex, sizeof(hex)), pub, 97), 97);
        CHECK(k.loaded);
        CHECK_INT(k.sk.curve, BR_EC_secp384r1);
        CHECK_INT(k.pk.qlen, 97);
        CHECK(!memcmp(k.pk.q, pub, 97));
    } else {
        CHECK_ERR(load_key(&k, "ec-p384-pkcs8.pem"), ACME5G_ERR_KEY);
        CHECK(!k.loaded);
    }
    CHECK_ERR(load_key(&k, "ec-p521-pkcs8.pem"), ACME5G_ERR_KEY);
    CHECK(!k.loaded);
    CHECK_ERR(key_from_pem(&jctx, &k, garbage, strlen(garbage)), ACME5G_ERR_KEY);
    CHECK_ERR(key_from_pem(&jctx, &k, cut, strlen(cut)), ACME5G_ERR_KEY);
    CHECK_ERR(key_from_pem(&jctx, &k, "", 0), ACME5G_ERR_KEY);
    CHECK_ERR(key_from_pem(&jctx, &k, "not a pem at all", 16), ACME5G_ERR_KEY);
    n = vec_read("cert.pem", pem_buf, sizeof(pem_buf));     /* a certificate is no key */
    CHECK_ERR(key_from_pem(&jctx, &k, pem_buf, n), ACME5G_ERR_KEY);
    CHECK(!k.loaded);
}

static void test_key_to_pem_round_trip_and_openssl_reads_it(void)
{
    static acme5g_ec_key a, b;
    char out[512], path[64], cmd[300];
    unsigned char pub[65], der[200];
    size_t n;
    FILE *f;
    vector_pub(pub);
    CHECK_ERR(load_key(&a, "ec-p256-sec1.pem"), ACME5G_OK);
    n = key_to_pem(&a, out, sizeof(out));
    CHECK(n > 0);
    CHECK_INT(strlen(out), n);
    CHECK(!strncmp(out, "-----BEGIN PRIVATE KEY-----\n", 28));
    CHECK_ERR(key_from_pem(&jctx, &b, out, n), ACME5G_OK);
    CHECK(!memcmp(b.pk.q, pub, 65));
    CHECK(!memcmp(a.sk.x, b.sk.x, a.sk.xlen));
    CHECK_INT(key_to_pem(&a, out, n), 0);      /* no room for the NUL */
    CHECK_INT(key_to_pem(&a, out, n + 1), n);
    /* openssl derives the same public key from it */
    CHECK_INT(write_temp(path, sizeof(path), out, n), 0);
    snprintf(cmd, sizeof(cmd), "openssl pkey -in %s -pubout -outform DER -out %s.pub 2>/dev/null",
             path, path);
    CHECK_INT(run_cmd(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s.pub", path);
    f = fopen(cmd, "rb");
    CHECK(f != NULL);
    if (f) {
        n = fread(der, 1, sizeof(der), f);
        fclose(f);
        CHECK(n >= 65 && !memcmp(der + n - 65, pub, 65));
        unlink(cmd);
    }
    unlink(path);
}

static void test_jwk_bytes_and_thumbprint_match_python(void)
{
    static acme5g_ec_key k;
    static char text[1024];
    char want_jwk[200], want_tp[64], jwk[200], tp[44];
    wbuf w;
    vec_read("ec-p256-jwk.txt", text, sizeof(text));
    vec_value(text, "jwk", want_jwk, sizeof(want_jwk));
    vec_value(text, "thumbprint", want_tp, sizeof(want_tp));
    CHECK_ERR(load_key(&k, "ec-p256-pkcs8.pem"), ACME5G_OK);
    w_init(&w, jwk, sizeof(jwk));
    w_jwk(&w, &k);
    CHECK_STR(w_cstr(&w), want_jwk);
    memset(tp, 'X', sizeof(tp));
    jwk_thumbprint(&k, tp);
    CHECK_STR(tp, want_tp);
    CHECK_INT(strlen(tp), 43);
}

/* Check a flattened JWS in ctx->request independently: exactly the three
 * members, the protected header's members, and the ES256 signature over
 * protected "." payload with BearSSL's i31 verifier and openssl's public
 * key.  Returns the decoded payload length, or -1. */
static long jws_verify(acme5g_ctx *ctx, size_t len, const char *url, int use_jwk,
                       unsigned char *payload, size_t payload_cap)
{
    static jsmntok_t t[64], ht[64];
    static unsigned char prot[1024];
    static char want_prot[1024], text[1024], jwk[200];
    unsigned char sig[80], h[32], pub[65];
    const char *req = (const char *)ctx->request;
    const jsmntok_t *tp = NULL, *tpl = NULL, *ts = NULL;
    jsmn_parser p;
    int n, i, have_jwk = 0, have_kid = 0, have_alg = 0, have_nonce = 0, have_url = 0;
    long pl, sl, prl;
    br_sha256_context sc;
    br_ec_public_key pk;

    jsmn_init(&p);
    n = jsmn_parse(&p, req, len, t, 64);
    CHECK(n == 7 && t[0].type == JSMN_OBJECT && t[0].size == 3 && (size_t)t[0].end == len);
    if (n != 7)
        return -1;
    for (i = 1; i < 7; i += 2) {
        const char *k = req + t[i].start;
        size_t kl = (size_t)(t[i].end - t[i].start);
        CHECK(t[i + 1].type == JSMN_STRING);
        if (kl == 9 && !memcmp(k, "protected", 9) && !tp)
            tp = &t[i + 1];
        else if (kl == 7 && !memcmp(k, "payload", 7) && !tpl)
            tpl = &t[i + 1];
        else if (kl == 9 && !memcmp(k, "signature", 9) && !ts)
            ts = &t[i + 1];
        else
            CHECK(!"only protected, payload and signature");
    }
    if (!tp || !tpl || !ts)
        return -1;
    prl = t_b64u_decode(req + tp->start, (size_t)(tp->end - tp->start), prot, sizeof(prot) - 1);
    pl = t_b64u_decode(req + tpl->start, (size_t)(tpl->end - tpl->start), payload, payload_cap);
    sl = t_b64u_decode(req + ts->start, (size_t)(ts->end - ts->start), sig, sizeof(sig));
    CHECK(prl > 0 && pl >= 0);
    CHECK_INT(sl, 64);                       /* raw r||s, not DER */
    if (prl <= 0 || pl < 0 || sl != 64)
        return -1;
    prot[prl] = 0;

    /* the protected header: alg, nonce, url and exactly one of jwk / kid */
    jsmn_init(&p);
    n = jsmn_parse(&p, (const char *)prot, (size_t)prl, ht, 64);
    CHECK(n > 0 && ht[0].type == JSMN_OBJECT);
    for (i = 1; n > 0 && i < n; i = json_skip(ht, i + 1)) {
        const char *k = (const char *)prot + ht[i].start;
        size_t kl = (size_t)(ht[i].end - ht[i].start);
        have_alg += kl == 3 && !memcmp(k, "alg", 3);
        have_nonce += kl == 5 && !memcmp(k, "nonce", 5);
        have_url += kl == 3 && !memcmp(k, "url", 3);
        have_jwk += kl == 3 && !memcmp(k, "jwk", 3);
        have_kid += kl == 3 && !memcmp(k, "kid", 3);
    }
    CHECK(have_alg == 1 && have_nonce == 1 && have_url == 1);
    CHECK_INT(have_jwk + have_kid, 1);
    CHECK_INT(have_jwk, use_jwk);
    /* and its exact bytes */
    vec_read("ec-p256-jwk.txt", text, sizeof(text));
    vec_value(text, "jwk", jwk, sizeof(jwk));
    if (use_jwk)
        snprintf(want_prot, sizeof(want_prot),
                 "{\"alg\":\"ES256\",\"jwk\":%s,\"nonce\":\"%s\",\"url\":\"%s\"}", jwk, ctx->nonce,
                 url);
    else
        snprintf(want_prot, sizeof(want_prot),
                 "{\"alg\":\"ES256\",\"kid\":\"%s\",\"nonce\":\"%s\",\"url\":\"%s\"}",
                 ctx->account_url, ctx->nonce, url);
    CHECK_STR((const char *)prot, want_prot);

    /* the signature */
    br_sha256_init(&sc);
    br_sha256_update(&sc, req + tp->start, (size_t)(tp->end - tp->start));
    br_sha256_update(&sc, ".", 1);
    br_sha256_update(&sc, req + tpl->start, (size_t)(tpl->end - tpl->start));
    br_sha256_out(&sc, h);
    vector_pub(pub);
    pk.curve = BR_EC_secp256r1;
    pk.q = pub;
    pk.qlen = 65;
    CHECK(br_ecdsa_i31_vrfy_raw(&br_ec_prime_i31, h, 32, &pk, sig, 64) == 1);
    sig[10] ^= 1; /* the verifier does say no */
    CHECK(br_ecdsa_i31_vrfy_raw(&br_ec_prime_i31, h, 32, &pk, sig, 64) == 0);
    return pl;
}

static void jws_ctx(acme5g_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    CHECK_ERR(load_key(&ctx->account_key, "ec-p256-pkcs8.pem"), ACME5G_OK);
    snprintf(ctx->nonce, sizeof(ctx->nonce), "oFvnlFP1wIhRlYS2jTaXbA");
    snprintf(ctx->account_url, sizeof(ctx->account_url), "https://a.example/acct/1");
}

static void test_jws_with_jwk_verifies_independently(void)
{
    static const char payload[] = "{\"termsOfServiceAgreed\":true}";
    unsigned char got[256];
    size_t len = 0;
    wbuf w;
    jws_ctx(&jctx);
    jws_payload_begin(&jctx, &w);
    w_str(&w, payload);
    w_b64_end(&w);
    CHECK(!w.overflow);
    CHECK_ERR(jws_seal(&jctx, w.len, "https://a.example/new-acct", 1, &len), ACME5G_OK);
    CHECK_INT(jws_verify(&jctx, len, "https://a.example/new-acct", 1, got, sizeof(got)),
              strlen(payload));
    CHECK(!memcmp(got, payload, strlen(payload)));
}

static void test_jws_with_kid_verifies_independently(void)
{
    unsigned char got[256];
    size_t len = 0;
    wbuf w;
    jws_ctx(&jctx);
    jws_payload_begin(&jctx, &w);
    w_str(&w, "{}");
    w_b64_end(&w);
    CHECK_ERR(jws_seal(&jctx, w.len, "https://a.example/chall/1", 0, &len), ACME5G_OK);
    CHECK_INT(jws_verify(&jctx, len, "https://a.example/chall/1", 0, got, sizeof(got)), 2);
    CHECK(!memcmp(got, "{}", 2));
    /* a badNonce retry reseals the same payload with the new nonce */
    snprintf(jctx.nonce, sizeof(jctx.nonce), "second-nonce");
    CHECK_ERR(jws_seal(&jctx, w.len, "https://a.example/chall/1", 0, &len), ACME5G_OK);
    CHECK_INT(jws_verify(&jctx, len, "https://a.example/chall/1", 0, got, sizeof(got)), 2);
}

static void test_jws_post_as_get_payload_is_empty_string(void)
{
    unsigned char got[16];
    size_t len = 0;
    wbuf w;
    jws_ctx(&jctx);
    jws_payload_begin(&jctx, &w);
    w_b64_end(&w);
    CHECK_INT(w.len, JWS_PAYLOAD_START);
    CHECK_ERR(jws_seal(&jctx, w.len, "https://a.example/order/1", 0, &len), ACME5G_OK);
    CHECK(!strncmp((const char *)jctx.request, "{\"payload\":\"\",\"protected\":\"", 27));
    CHECK_INT(jws_verify(&jctx, len, "https://a.example/order/1", 0, got, sizeof(got)), 0);
}

/* A payload that fits only the default request buffer. */
static void test_jws_too_large_for_request_buffer(void)
{
    static char payload[400];
    unsigned char got[512];
    size_t len = 0;
    wbuf w;
    int err;
    memset(payload, 'p', 300);
    payload[300] = 0;
    jws_ctx(&jctx);
    jws_payload_begin(&jctx, &w);
    w_str(&w, payload);
    w_b64_end(&w);
    err = jws_seal(&jctx, w.len, "https://a.example/new-acct", 1, &len);
    if (ACME5G_REQUEST_MAX >= 1024) {
        CHECK_ERR(err, ACME5G_OK);
        CHECK_INT(jws_verify(&jctx, len, "https://a.example/new-acct", 1, got, sizeof(got)), 300);
    } else {
        CHECK_ERR(err, ACME5G_ERR_REQUEST_TOO_LARGE);
    }
    /* a nonce or URL that needs escaping is escaped, not injected */
    jws_ctx(&jctx);
    jws_payload_begin(&jctx, &w);
    w_b64_end(&w);
    CHECK_ERR(jws_seal(&jctx, w.len, "https://a/\"x\"", 0, &len), ACME5G_OK);
    {
        static unsigned char prot[600];
        const char *q = strstr((const char *)jctx.request, "\"protected\":\"");
        const char *e = q ? strchr(q + 13, '"') : NULL;
        long pl = q && e ? t_b64u_decode(q + 13, (size_t)(e - q - 13), prot, sizeof(prot) - 1) : -1;
        CHECK(pl > 0);
        if (pl > 0) {
            prot[pl] = 0;
            CHECK(strstr((const char *)prot, "\"url\":\"https://a/\\\"x\\\"\"}") != NULL);
        }
    }
}

/* P-384 (full profile only): JWK, thumbprint and an ES384 JWS, checked
 * against python and BearSSL's i31 verifier. */
static void test_p384_jwk_thumbprint_and_es384_jws(void)
{
    static acme5g_ec_key k;
    static char text[1024];
    static jsmntok_t t[16];
    static unsigned char prot[1024];
    char want_jwk[300], want_tp[64], hex[300], jwk[300], tp[44];
    unsigned char pub[97], sig[120], h[48];
    br_ec_public_key pk;
    br_sha384_context sc;
    jsmn_parser p;
    size_t len = 0;
    long sl, pl;
    wbuf w;
    const char *req;
    if (load_key(&k, "ec-p384-pkcs8.pem") != ACME5G_OK) {
        CHECK(ACME5G_TLS_MINIMAL); /* only the minimal profile lacks P-384 */
        return;
    }
    vec_read("ec-p384-jwk.txt", text, sizeof(text));
    vec_value(text, "jwk", want_jwk, sizeof(want_jwk));
    vec_value(text, "thumbprint", want_tp, sizeof(want_tp));
    CHECK_INT(hex_decode(vec_value(text, "pub", hex, sizeof(hex)), pub, 97), 97);
    w_init(&w, jwk, sizeof(jwk));
    w_jwk(&w, &k);
    CHECK_STR(w_cstr(&w), want_jwk);
    jwk_thumbprint(&k, tp);
    CHECK_STR(tp, want_tp);

    memset(&jctx, 0, sizeof(jctx));
    jctx.account_key = k;
    jctx.account_key.sk.x = jctx.account_key.priv; /* point into the copy */
    jctx.account_key.pk.q = jctx.account_key.pub;
    snprintf(jctx.nonce, sizeof(jctx.nonce), "n384");
    jws_payload_begin(&jctx, &w);
    w_str(&w, "{}");
    w_b64_end(&w);
    {
        int err = jws_seal(&jctx, w.len, "https://a.example/x", 1, &len);
        if (err == ACME5G_ERR_REQUEST_TOO_LARGE) { /* about 480 bytes are needed */
            CHECK(ACME5G_REQUEST_MAX < 480);
            return;
        }
        CHECK_ERR(err, ACME5G_OK);
    }
    req = (const char *)jctx.request;
    jsmn_init(&p);
    CHECK_INT(jsmn_parse(&p, req, len, t, 16), 7);
    /* {"payload":..,"protected":..,"signature":..}: values at 2, 4, 6 */
    pl = t_b64u_decode(req + t[4].start, (size_t)(t[4].end - t[4].start), prot, sizeof(prot) - 1);
    CHECK(pl > 0);
    if (pl <= 0)
        return;
    prot[pl] = 0;
    snprintf((char *)prot + 600, 400,
             "{\"alg\":\"ES384\",\"jwk\":%s,\"nonce\":\"n384\",\"url\":\"https://a.example/x\"}",
             want_jwk);
    CHECK_STR((const char *)prot, (const char *)prot + 600);
    sl = t_b64u_decode(req + t[6].start, (size_t)(t[6].end - t[6].start), sig, sizeof(sig));
    CHECK_INT(sl, 96);
    br_sha384_init(&sc);
    br_sha384_update(&sc, req + t[4].start, (size_t)(t[4].end - t[4].start));
    br_sha384_update(&sc, ".", 1);
    br_sha384_update(&sc, req + t[2].start, (size_t)(t[2].end - t[2].start));
    br_sha384_out(&sc, h);
    pk.curve = BR_EC_secp384r1;
    pk.q = pub;
    pk.qlen = 97;
    CHECK(br_ecdsa_i31_vrfy_raw(&br_ec_prime_i31, h, 48, &pk, sig, 96) == 1);
}

/* --- CSR, checked by openssl --- */

static int csr_openssl(const unsigned char *der, size_t len, char *text, size_t cap)
{
    char path[64], cmd[300];
    int r;
    text[0] = 0;
    if (write_temp(path, sizeof(path), der, len))
        return -1;
    snprintf(cmd, sizeof(cmd), "openssl req -inform DER -in %s -noout -verify", path);
    r = run_capture(cmd, text, cap);
    if (r == 0 && strstr(text, "verify OK")) {
        snprintf(cmd, sizeof(cmd), "openssl req -inform DER -in %s -noout -text", path);
        r = run_capture(cmd, text, cap);
    } else if (r == 0) {
        r = 1;
    }
    unlink(path);
    return r;
}

/* The CSR's public key, as openssl reads it. */
static int csr_pub_is(const unsigned char *der, size_t len, const unsigned char pub[65])
{
    char path[64], cmd[300];
    unsigned char buf[200];
    size_t n = 0;
    FILE *p;
    if (write_temp(path, sizeof(path), der, len))
        return 0;
    snprintf(cmd, sizeof(cmd),
             "openssl req -inform DER -in %s -noout -pubkey | openssl pkey -pubin -outform DER",
             path);
    p = popen(cmd, "r");
    if (p) {
        n = fread(buf, 1, sizeof(buf), p);
        pclose(p);
    }
    unlink(path);
    return n >= 65 && !memcmp(buf + n - 65, pub, 65);
}

static unsigned char csr_der[2048];
static char csr_text[16384];

static void test_csr_one_dns_name_verified_by_openssl(void)
{
    static acme5g_ec_key k;
    acme5g_identifier ids[1];
    unsigned char pub[65];
    size_t len = 0;
    vector_pub(pub);
    ids[0].type = ACME5G_ID_DNS;
    ids[0].value = "a.example";
    CHECK_ERR(load_key(&k, "ec-p256-pkcs8.pem"), ACME5G_OK);
    CHECK_ERR(csr_build(&k, NULL, ids, 1, csr_der, sizeof(csr_der), &len), ACME5G_OK);
    CHECK_INT(csr_openssl(csr_der, len, csr_text, sizeof(csr_text)), 0);
    CHECK(strstr(csr_text, "Subject: CN = a.example") != NULL);
    CHECK(strstr(csr_text, "DNS:a.example") != NULL);
    CHECK(strstr(csr_text, "ecdsa-with-SHA256") != NULL);
    CHECK(csr_pub_is(csr_der, len, pub));
    /* a changed byte in the signature: openssl must say no (the check can fail) */
    csr_der[len - 5] ^= 0x01;
    CHECK(csr_openssl(csr_der, len, csr_text, sizeof(csr_text)) != 0);
    /* too small a buffer */
    CHECK_ERR(csr_build(&k, NULL, ids, 1, csr_der, 100, &len), ACME5G_ERR_REQUEST_TOO_LARGE);
}

static void test_csr_three_dns_names_verified_by_openssl(void)
{
    static acme5g_ec_key k;
    acme5g_identifier ids[3];
    size_t len = 0;
    ids[0].type = ids[1].type = ids[2].type = ACME5G_ID_DNS;
    ids[0].value = "a.example";
    ids[1].value = "b.example";
    ids[2].value = "*.c.example";
    CHECK_ERR(load_key(&k, "ec-p256-pkcs8.pem"), ACME5G_OK);
    CHECK_ERR(csr_build(&k, NULL, ids, 3, csr_der, sizeof(csr_der), &len), ACME5G_OK);
    CHECK_INT(csr_openssl(csr_der, len, csr_text, sizeof(csr_text)), 0);
    CHECK(strstr(csr_text, "DNS:a.example, DNS:b.example, DNS:*.c.example") != NULL);
    CHECK(strstr(csr_text, "Subject: CN = a.example") != NULL);
}

static void test_csr_ipv4_and_ipv6_identifiers_verified_by_openssl(void)
{
    static acme5g_ec_key k;
    acme5g_identifier ids[3];
    size_t len = 0;
    ids[0].type = ids[1].type = ACME5G_ID_IP;
    ids[0].value = "192.0.2.1";
    ids[1].value = "2001:db8::1";
    CHECK_ERR(load_key(&k, "ec-p256-pkcs8.pem"), ACME5G_OK);
    CHECK_ERR(csr_build(&k, NULL, ids, 2, csr_der, sizeof(csr_der), &len), ACME5G_OK);
    CHECK_INT(csr_openssl(csr_der, len, csr_text, sizeof(csr_text)), 0);
    CHECK(strstr(csr_text, "IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1") != NULL);
    CHECK(strstr(csr_text, "CN =") == NULL); /* no DNS name: empty subject */
    /* mixed, and a DNS name longer than 64 is not the CN */
    ids[0].type = ACME5G_ID_DNS;
    ids[0].value = "a23456789012345678901234567890123456789012345678901234567890.example";
    ids[1].type = ACME5G_ID_IP;
    ids[1].value = "192.0.2.1";
    ids[2].type = ACME5G_ID_DNS;
    ids[2].value = "b.example";
    CHECK_ERR(csr_build(&k, NULL, ids, 3, csr_der, sizeof(csr_der), &len), ACME5G_OK);
    CHECK_INT(csr_openssl(csr_der, len, csr_text, sizeof(csr_text)), 0);
    CHECK(strstr(csr_text, "Subject: CN = b.example") != NULL);
    CHECK(strstr(csr_text, "IP Address:192.0.2.1") != NULL);
}

/* A URI SAN (the NF instance ID) goes into the CSR next to the names. */
static void test_csr_uri_san_verified_by_openssl(void)
{
    static acme5g_ec_key k;
    acme5g_identifier ids[2];
    size_t len = 0;
    ids[0].type = ACME5G_ID_DNS;
    ids[0].value = "nf1.example";
    ids[1].type = ACME5G_ID_URI;
    ids[1].value = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6";
    CHECK_ERR(load_key(&k, "ec-p256-pkcs8.pem"), ACME5G_OK);
    CHECK_ERR(csr_build(&k, NULL, ids, 2, csr_der, sizeof(csr_der), &len), ACME5G_OK);
    CHECK_INT(csr_openssl(csr_der, len, csr_text, sizeof(csr_text)), 0);
    CHECK(strstr(csr_text,
                 "DNS:nf1.example, URI:urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6") != NULL);
}

static void test_csr_p384_key_verified_by_openssl(void)
{
    static acme5g_ec_key k;
    acme5g_identifier ids[1];
    size_t len = 0;
    ids[0].type = ACME5G_ID_DNS;
    ids[0].value = "a.example";
    if (load_key(&k, "ec-p384-pkcs8.pem") != ACME5G_OK) {
        CHECK(ACME5G_TLS_MINIMAL);
        return;
    }
    CHECK_ERR(csr_build(&k, NULL, ids, 1, csr_der, sizeof(csr_der), &len), ACME5G_OK);
    CHECK_INT(csr_openssl(csr_der, len, csr_text, sizeof(csr_text)), 0);
    CHECK(strstr(csr_text, "ecdsa-with-SHA384") != NULL);
    CHECK(strstr(csr_text, "NIST CURVE: P-384") != NULL);
}

#if ACME5G_WITH_TKAUTH
/* The Token Authority's answers, through the in-process TLS server: its
 * refusal and message, an answer without a token, a token too long; its own
 * anchors only; the ACME connection's origin and nonce come back after. */
static void test_tkauth_fetch_reports_the_authority_clearly(void)
{
    static char ca[4096], big[ACME5G_TKAUTH_TOKEN_MAX + 200];
    static const char uuid[] = "4ace9d34-2c69-4f99-92d5-a73a3fe8e23b";
    static const char url[] = "https://localhost/at/token";
    size_t n;
    http_setup();
    /* no Token Authority anchors: the ACME server's are not used for it */
    script_clear();
    CHECK_ERR(tkauth_fetch(&hctx, url, uuid, "SHA256 AA"), ACME5G_ERR_AUTHORITY);
    CHECK(strstr(hctx.problem.detail, "token authority https://localhost/at/token: ") != NULL);
    CHECK_INT(T.connects, 0);
    n = vec_read("ca.pem", ca, sizeof(ca));
    CHECK_ERR(acme5g_add_authority_anchors_pem(&hctx, ca, n), ACME5G_OK);
    CHECK_INT(hctx.authority_ta_count, 1);
    CHECK_INT(hctx.ta_count, 1);

    /* refused: the status and the authority's message reach the user */
    snprintf(hctx.nonce, sizeof(hctx.nonce), "n1");
    snprintf(hctx.conn_host, sizeof(hctx.conn_host), "acme.example");
    hctx.conn_port = 14000;
    script_clear();
    script_add_str("HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                   "Content-Length: 44\r\n\r\n{\"status\":\"error\",\"message\":\"not your UUID\"}",
                   SRV_KEEP);
    CHECK_ERR(tkauth_fetch(&hctx, url, uuid, "SHA256 AA"), ACME5G_ERR_AUTHORITY);
    CHECK(strstr(hctx.problem.detail, "refused with HTTP 403: not your UUID") != NULL);
    CHECK(!strncmp(T.last_req, "POST /at/token HTTP/1.1\r\n", 25));
    CHECK(strstr(T.last_req, "\r\nContent-Type: application/json\r\n") != NULL);
    CHECK(strstr(T.last_req, "{\"atc\":{\"tktype\":\"NfInstanceId\",\"tkvalue\":\"4ace9d34-2c69-"
                             "4f99-92d5-a73a3fe8e23b\",\"ca\":false,\"fingerprint\":\"SHA256 AA\"}}") !=
          NULL);
    CHECK_STR(hctx.nonce, "n1");
    CHECK_STR(hctx.conn_host, "acme.example");
    CHECK_INT(hctx.conn_port, 14000);
    CHECK_INT(hctx.conn_authority, 0);
    CHECK(hctx.sock < 0);

    /* 200 without a token, and not JSON at all */
    script_clear();
    script_add_str("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   "Content-Length: 20\r\n\r\n{\"status\":\"success\"}", SRV_KEEP);
    CHECK_ERR(tkauth_fetch(&hctx, url, uuid, "SHA256 AA"), ACME5G_ERR_AUTHORITY);
    CHECK(strstr(hctx.problem.detail, "carries no token") != NULL);
    script_clear();
    script_add_str("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc",
                   SRV_KEEP);
    CHECK_ERR(tkauth_fetch(&hctx, url, uuid, "SHA256 AA"), ACME5G_ERR_AUTHORITY);

    /* a token longer than ACME5G_TKAUTH_TOKEN_MAX */
    if (ACME5G_BODY_MAX > ACME5G_TKAUTH_TOKEN_MAX + 100) {
        static char resp[ACME5G_TKAUTH_TOKEN_MAX + 400];
        memset(big, 'a', ACME5G_TKAUTH_TOKEN_MAX + 10);
        big[ACME5G_TKAUTH_TOKEN_MAX + 10] = 0;
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %u\r\n\r\n"
                 "{\"token\":\"%s\"}",
                 (unsigned)(strlen(big) + 12), big);
        script_clear();
        script_add_str(resp, SRV_KEEP);
        CHECK_ERR(tkauth_fetch(&hctx, url, uuid, "SHA256 AA"), ACME5G_ERR_AUTHORITY_TOKEN);
        CHECK(strstr(hctx.problem.detail, "too long") != NULL);
    }

    /* a good answer: the token is kept for the checks */
    script_clear();
    script_add_str("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   "Content-Length: 36\r\n\r\n{\"status\":\"success\",\"token\":\"a.b.c\"}", SRV_KEEP);
    CHECK_ERR(tkauth_fetch(&hctx, url, uuid, "SHA256 AA"), ACME5G_OK);
    CHECK_STR(hctx.tkauth_token, "a.b.c");
    http_teardown();
}
#endif

/* TS 33.310 Annex J: the NF instance ID is the URI SAN urn:uuid:<uuid>,
 * lower case whatever case the caller gave. */
static void test_csr_nf_instance_id_lower_case_urn_uuid_verified_by_openssl(void)
{
    static acme5g_ec_key k;
    acme5g_identifier ids[2];
    size_t len = 0;
    ids[0].type = ACME5G_ID_NF_INSTANCE;
    ids[0].value = "4ACE9D34-2c69-4F99-92d5-A73A3FE8E23B";
    ids[1].type = ACME5G_ID_DNS;
    ids[1].value = "nf1.example";
    CHECK_ERR(load_key(&k, "ec-p256-pkcs8.pem"), ACME5G_OK);
    CHECK_ERR(csr_build(&k, NULL, ids, 2, csr_der, sizeof(csr_der), &len), ACME5G_OK);
    CHECK_INT(csr_openssl(csr_der, len, csr_text, sizeof(csr_text)), 0);
    CHECK(strstr(csr_text, "URI:urn:uuid:4ace9d34-2c69-4f99-92d5-a73a3fe8e23b, DNS:nf1.example") !=
          NULL);
    CHECK(strstr(csr_text, "Subject: CN = nf1.example") != NULL);
}

static void test_nf_instance_identifier_json_and_uuid_check(void)
{
    char out[128];
    acme5g_identifier id;
    wbuf w;
    id.type = ACME5G_ID_NF_INSTANCE;
    id.value = "4ACE9D34-2C69-4F99-92D5-A73A3FE8E23B";
    w_init(&w, out, sizeof(out));
    w_identifier(&w, &id);
    CHECK_STR(w_cstr(&w),
              "{\"type\":\"NfInstanceId\",\"value\":\"4ace9d34-2c69-4f99-92d5-a73a3fe8e23b\"}");
    CHECK(uuid_valid("4ace9d34-2c69-4f99-92d5-a73a3fe8e23b"));
    CHECK(uuid_valid("4ACE9D34-2C69-4F99-92D5-A73A3FE8E23B"));
    CHECK(!uuid_valid("4ace9d34-2c69-4f99-92d5-a73a3fe8e23"));   /* short */
    CHECK(!uuid_valid("4ace9d34-2c69-4f99-92d5-a73a3fe8e23bb")); /* long */
    CHECK(!uuid_valid("4ace9d34_2c69-4f99-92d5-a73a3fe8e23b"));  /* separator */
    CHECK(!uuid_valid("4ace9d34-2c69-4f99-92d5-a73a3fe8e23g"));  /* not hex */
    CHECK(!uuid_valid("urn:uuid:4ace9d34-2c69-4f99-92d5-a73a"));
    CHECK(!uuid_valid(""));
}

#if ACME5G_WITH_TKAUTH
/* The atc fingerprint is the RFC 7638 thumbprint (Python's vector) in
 * RFC 8225's "SHA256 AB:CD:..." form. */
static void test_tkauth_fingerprint_is_the_thumbprint_in_hex_pairs(void)
{
    static acme5g_ec_key k;
    static char text[1024];
    char want_tp[64], fp[TKAUTH_FP_LEN + 1], want[TKAUTH_FP_LEN + 1];
    unsigned char h[40];
    size_t i;
    vec_read("ec-p256-jwk.txt", text, sizeof(text));
    vec_value(text, "thumbprint", want_tp, sizeof(want_tp));
    CHECK_INT(t_b64u_decode(want_tp, strlen(want_tp), h, sizeof(h)), 32);
    strcpy(want, "SHA256 ");
    for (i = 0; i < 32; i++)
        sprintf(want + strlen(want), i ? ":%02X" : "%02X", h[i]);
    CHECK_ERR(load_key(&k, "ec-p256-pkcs8.pem"), ACME5G_OK);
    memset(fp, 'X', sizeof(fp));
    tkauth_fingerprint(&k, fp);
    CHECK_STR(fp, want);
    CHECK_INT(strlen(fp), TKAUTH_FP_LEN);
}

/* A JWT "h.p.s" whose payload is `payload`. */
static void make_token(char *out, size_t cap, const char *payload)
{
    static const char head[] = "{\"alg\":\"ES256\",\"typ\":\"JWT\"}";
    char p[600];
    b64u_to(out, cap, (const unsigned char *)head, strlen(head));
    strcat(out, ".");
    b64u_to(p, sizeof(p), (const unsigned char *)payload, strlen(payload));
    strcat(out, p);
    strcat(out, ".c2lnbmF0dXJl");
}

static int check_token(const char *payload)
{
    static const char fp[] = "SHA256 AA:BB";
    make_token(hctx.tkauth_token, sizeof(hctx.tkauth_token), payload);
    return tkauth_check(&hctx, "https://ta.example/at", "4ace9d34-2c69-4f99-92d5-a73a3fe8e23b",
                        fp, NULL);
}

/* check_token() of a payload with these claims (exp relative to T_NOW). */
static int check_claims(long long exp_from_now, const char *tktype, const char *value,
                        const char *fp)
{
    char p[512];
    snprintf(p, sizeof(p),
             "{\"iss\":\"https://ta.example\",\"exp\":%lld,\"jti\":\"j1\",\"atc\":{\"tktype\":"
             "\"%s\",\"tkvalue\":\"%s\",\"ca\":false,\"fingerprint\":\"%s\"}}",
             (long long)T_NOW + exp_from_now, tktype, value, fp);
    return check_token(p);
}

/* The client never sends a token the CA would refuse for reasons it can
 * see itself: expired, for another identifier or key, not a JWT. */
static void test_tkauth_check_refuses_tokens_not_for_us(void)
{
    static const char uuid[] = "4ace9d34-2c69-4f99-92d5-a73a3fe8e23b";
    http_setup();
    CHECK_ERR(check_claims(300, "NfInstanceId", uuid, "SHA256 AA:BB"), ACME5G_OK);
    /* expired (exp == now is already past: RFC 7519 "on or after") */
    CHECK_ERR(check_claims(0, "NfInstanceId", uuid, "SHA256 AA:BB"), ACME5G_ERR_AUTHORITY_TOKEN);
    CHECK(strstr(hctx.problem.detail, "expired") != NULL);
    CHECK(strstr(hctx.problem.detail, "https://ta.example/at") != NULL);
    {
        int expired = 0; /* flow_tkauth_answer asks once more for this one only */
        CHECK_ERR(tkauth_check(&hctx, "u", uuid, "SHA256 AA:BB", &expired),
                  ACME5G_ERR_AUTHORITY_TOKEN);
        CHECK(expired);
    }
    /* another UUID, upper case included (Annex J: lower case) */
    CHECK_ERR(check_claims(300, "NfInstanceId", "4ACE9D34-2c69-4f99-92d5-a73a3fe8e23b",
                           "SHA256 AA:BB"),
              ACME5G_ERR_AUTHORITY_TOKEN);
    CHECK(strstr(hctx.problem.detail, "another identifier") != NULL);
    /* another account key */
    CHECK_ERR(check_claims(300, "NfInstanceId", uuid, "SHA256 AA:BC"), ACME5G_ERR_AUTHORITY_TOKEN);
    CHECK(strstr(hctx.problem.detail, "another account key") != NULL);
    {
        int expired = 0; /* only an expired token is asked for again */
        CHECK_ERR(tkauth_check(&hctx, "u", uuid, "SHA256 AA:BB", &expired),
                  ACME5G_ERR_AUTHORITY_TOKEN);
        CHECK(!expired);
    }
    /* another identifier type, no atc, no jti, exp not a number */
    CHECK_ERR(check_claims(300, "TnAuthList", uuid, "SHA256 AA:BB"), ACME5G_ERR_AUTHORITY_TOKEN);
    CHECK_ERR(check_token("{\"exp\":9999999999,\"jti\":\"j1\"}"), ACME5G_ERR_AUTHORITY_TOKEN);
    CHECK_ERR(check_token("{\"exp\":9999999999,\"atc\":{}}"), ACME5G_ERR_AUTHORITY_TOKEN);
    CHECK_ERR(check_token("{\"exp\":\"9999999999\",\"jti\":\"j1\",\"atc\":{}}"),
              ACME5G_ERR_AUTHORITY_TOKEN);
    CHECK_ERR(check_token("[1]"), ACME5G_ERR_AUTHORITY_TOKEN);
    /* not a JWS: two parts, an empty part, a character outside base64url */
    strcpy(hctx.tkauth_token, "eyJhIjoxfQ.eyJhIjoxfQ");
    CHECK_ERR(tkauth_check(&hctx, "u", "x", "y", NULL), ACME5G_ERR_AUTHORITY_TOKEN);
    strcpy(hctx.tkauth_token, "eyJhIjoxfQ..c2ln");
    CHECK_ERR(tkauth_check(&hctx, "u", "x", "y", NULL), ACME5G_ERR_AUTHORITY_TOKEN);
    strcpy(hctx.tkauth_token, "eyJhIjoxfQ.eyJhIjoxfQ.c2l+");
    CHECK_ERR(tkauth_check(&hctx, "u", "x", "y", NULL), ACME5G_ERR_AUTHORITY_TOKEN);
    CHECK(strstr(hctx.problem.detail, "not a JWS") != NULL);
    http_teardown();
}
#endif

#if ACME5G_WITH_TKAUTH
/* An NfInstanceId authorization is answered with its tkauth-01 "atc"
 * challenge, whatever challenge type the caller chose for DNS names. */
static void test_authz_nf_instance_uses_tkauth_atc_and_its_hint(void)
{
    static const char authz[] =
        "{\"identifier\":{\"type\":\"NfInstanceId\",\"value\":\"4ace9d34-2c69-4f99-92d5-a73a3fe8e23b\"},"
        "\"status\":\"pending\",\"challenges\":[{\"type\":\"tkauth-01\",\"tkauth-type\":\"x\","
        "\"url\":\"https://a/c/0\"},{\"type\":\"tkauth-01\",\"tkauth-type\":\"atc\","
        "\"token-authority\":\"https://oam/at\",\"url\":\"https://a/c/1\",\"status\":\"pending\"}]}";
    char ident[64];
    int st, cs, tk = 0;
    memset(&jctx, 0, sizeof(jctx));
    set_body_str(&jctx, authz);
    if (json_tokens_needed(authz, strlen(authz)) > ACME5G_JSON_TOKENS)
        return; /* the minimal build's token budget: covered by the default build */
    CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &st, &cs, &tk), ACME5G_OK);
    CHECK(tk);
    CHECK_INT(cs, ST_PENDING);
    CHECK_STR(jctx.challenge_url, "https://a/c/1");
    CHECK_STR(jctx.token_authority, "https://oam/at");
    /* no "atc" challenge: nothing we can answer */
    set_body_str(&jctx, "{\"identifier\":{\"type\":\"NfInstanceId\",\"value\":\"x\"},"
                        "\"status\":\"pending\",\"challenges\":[{\"type\":\"http-01\","
                        "\"url\":\"https://a/c/0\",\"token\":\"abc\"}]}");
    CHECK_ERR(obj_authz(&jctx, "http-01", ident, sizeof(ident), &st, &cs, &tk),
              ACME5G_ERR_NO_CHALLENGE);
    CHECK(tk);
}
#endif

/* An external signer (a secure element) signs the CSR; the library never
 * sees the private key. */
static acme5g_ec_key signer_key;
static int signer_calls;
static size_t signer_result_override;

static size_t test_sign(void *user, const uint8_t *digest, size_t digest_len, uint8_t *sig,
                        size_t sig_cap)
{
    size_t n;
    CHECK(user == &signer_key);
    CHECK_INT(digest_len, 32);
    CHECK(sig_cap >= 72);
    signer_calls++;
    n = br_ecdsa_i31_sign_asn1(&br_ec_prime_i31, &br_sha256_vtable, digest, &signer_key.sk, sig);
    return signer_result_override ? signer_result_override : n;
}

static void test_csr_external_signer_verified_by_openssl(void)
{
    static acme5g_ec_key pub_only;
    acme5g_signer signer;
    acme5g_identifier ids[1];
    unsigned char pub[65];
    size_t len = 0;
    vector_pub(pub);
    CHECK_ERR(load_key(&signer_key, "ec-p256-pkcs8.pem"), ACME5G_OK);
    memset(&pub_only, 0, sizeof(pub_only)); /* the public half only */
    pub_only.sk.curve = BR_EC_secp256r1;
    pub_only.pk.curve = BR_EC_secp256r1;
    memcpy(pub_only.pub, pub, 65);
    pub_only.pk.q = pub_only.pub;
    pub_only.pk.qlen = 65;
    memset(&signer, 0, sizeof(signer));
    signer.type = ACME5G_KEY_P256;
    signer.public_key = pub;
    signer.public_key_len = 65;
    signer.sign = test_sign;
    signer.user = &signer_key;
    ids[0].type = ACME5G_ID_DNS;
    ids[0].value = "se.example";
    signer_calls = 0;
    signer_result_override = 0;
    CHECK_ERR(csr_build(&pub_only, &signer, ids, 1, csr_der, sizeof(csr_der), &len), ACME5G_OK);
    CHECK_INT(signer_calls, 1);
    CHECK_INT(csr_openssl(csr_der, len, csr_text, sizeof(csr_text)), 0);
    CHECK(strstr(csr_text, "DNS:se.example") != NULL);
    CHECK(csr_pub_is(csr_der, len, pub));
    /* a signer that fails, or claims more than the buffer */
    signer_result_override = (size_t)-1;
    CHECK_ERR(csr_build(&pub_only, &signer, ids, 1, csr_der, sizeof(csr_der), &len),
              ACME5G_ERR_CRYPTO);
    signer_result_override = 0;
    signer.sign = NULL;
}

#if ACME5G_WITH_TLSALPN01
/* The tls-alpn-01 certificate (RFC 8737 3): self-signed, one SAN, the
 * critical acmeIdentifier extension with SHA-256 of the key authorization
 * (digest from python hashlib: sha256(b"tok.thumb")). */
static void test_tls_alpn01_certificate_checked_by_openssl(void)
{
    static const unsigned char ext[] = {
        0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1f, 0x01, 0x01, 0xff, 0x04, 0x22,
        0x04, 0x20,
    };
    static unsigned char der[1024];
    static char text[8192];
    static acme5g_ec_key k;
    char path[64], cmd[400];
    unsigned char digest[32];
    size_t len = 0, i;
    int found = 0;
    memset(&T, 0, sizeof(T));
    T.now = T_NOW;
    CHECK_ERR(acme5g_init(&jctx, &test_port), ACME5G_OK);
    CHECK_ERR(flow_seed(&jctx), ACME5G_OK);
    CHECK_ERR(load_key(&k, "ec-p256-pkcs8.pem"), ACME5G_OK);
    CHECK_INT(hex_decode("b1803056ba83b553ae259bc01eead20183e812de5f155fc2e1b75238e5bea396", digest,
                         32),
              32);
    CHECK_ERR(alpn_cert_build(&jctx, &k, "a.example", "tok.thumb", der, sizeof(der), &len),
              ACME5G_OK);
    for (i = 0; i + sizeof(ext) + 32 <= len; i++)
        if (!memcmp(der + i, ext, sizeof(ext)) && !memcmp(der + i + sizeof(ext), digest, 32))
            found = 1;
    CHECK(found);
    CHECK_INT(write_temp(path, sizeof(path), der, len), 0);
    snprintf(cmd, sizeof(cmd), "openssl x509 -inform DER -in %s -noout -text", path);
    CHECK_INT(run_capture(cmd, text, sizeof(text)), 0);
    CHECK(strstr(text, "1.3.6.1.5.5.7.1.31: critical") != NULL);
    CHECK(strstr(text, "DNS:a.example") != NULL);
    CHECK(strstr(text, "Not Before: Jun 14 15:06:40 2025 GMT") != NULL); /* now - 1 day */
    CHECK(strstr(text, "Not After : Jun 22 15:06:40 2025 GMT") != NULL); /* now + 7 days */
    /* the self-signature (the critical extension is unknown to openssl) */
    snprintf(cmd, sizeof(cmd),
             "openssl x509 -inform DER -in %s -out %s.pem && openssl verify -ignore_critical "
             "-check_ss_sig -attime %d -CAfile %s.pem -partial_chain %s.pem",
             path, path, T_NOW, path, path);
    CHECK_INT(run_capture(cmd, text, sizeof(text)), 0);
    CHECK(strstr(text, ": OK") != NULL);
    snprintf(cmd, sizeof(cmd), "%s.pem", path);
    unlink(cmd);
    unlink(path);
    /* an IP identifier gets an iPAddress SAN */
    CHECK_ERR(alpn_cert_build(&jctx, &k, "192.0.2.1", "tok.thumb", der, sizeof(der), &len),
              ACME5G_OK);
    CHECK_INT(write_temp(path, sizeof(path), der, len), 0);
    snprintf(cmd, sizeof(cmd), "openssl x509 -inform DER -in %s -noout -ext subjectAltName", path);
    CHECK_INT(run_capture(cmd, text, sizeof(text)), 0);
    CHECK(strstr(text, "IP Address:192.0.2.1") != NULL);
    unlink(path);
    CHECK_ERR(alpn_cert_build(&jctx, &k, "a.example", "tok.thumb", der, 100, &len),
              ACME5G_ERR_REQUEST_TOO_LARGE);
}
#endif

/* ==========================================================================
 * X.509 helpers and acme5g_cert_info
 * ======================================================================== */

static size_t vector_cert_der(unsigned char *der, size_t cap)
{
    size_t n = vec_read("cert.pem", pem_buf, sizeof(pem_buf)), off = 0, dl = 0;
    CHECK_INT(pem_next(pem_buf, n, &off, "CERTIFICATE", der, cap, &dl), 1);
    return dl;
}

/* BUG, fixed by 2c35b24 (kept as a regression test):
 * acme5g.h says the strings of acme5g_cert_summary are "cut (with
 * "...") when longer than their field", but acme5g_cert_info() builds
 * `names` with the sticky bounded writer: the first entry that does not
 * fit is dropped and so is everything after it, with no "..." -- a caller
 * cannot tell the list is incomplete.  Worse, the separator and prefix of
 * the dropped entry are kept: with 30 names (1379 characters) `names` is
 * 474 characters ending in "...host-09.a-rather-long-domain-name.example,
 * DNS:", a dangling "DNS:" with no name. */
static void test_cert_info_cuts_long_names_with_dots(void)
{
    static acme5g_cert_summary info;
    static char text[4096], want[2048];
    size_t n = vec_read("cert-many-sans.pem", pem_buf, sizeof(pem_buf)), wl;
    vec_read("cert-many-sans-expected.txt", text, sizeof(text));
    vec_value(text, "names", want, sizeof(want));
    CHECK_ERR(acme5g_cert_info(pem_buf, n, &info), ACME5G_OK);
    wl = strlen(info.names);
    CHECK(wl >= 3 && !strcmp(info.names + wl - 3, "..."));
    CHECK(wl >= 3 && !strncmp(info.names, want, wl - 3));
}

/* BUG, fixed by 2c35b24 (kept as a regression test):
 * serial_hex is documented as "serial number, upper-case hex", but it
 * is the hex of the DER INTEGER's content bytes: a serial whose top bit is
 * set gets DER's leading 00 ("008A2B3C4D5E6F7788"), which openssl (and
 * every CA's tooling) shows as 8A2B3C4D5E6F7788. */
static void test_cert_info_serial_with_top_bit_set_matches_openssl(void)
{
    static acme5g_cert_summary info;
    static char text[4096];
    char want[64];
    size_t n = vec_read("cert-many-sans.pem", pem_buf, sizeof(pem_buf));
    vec_read("cert-many-sans-expected.txt", text, sizeof(text));
    CHECK_ERR(acme5g_cert_info(pem_buf, n, &info), ACME5G_OK);
    CHECK_STR(info.serial_hex, vec_value(text, "serial", want, sizeof(want)));
}

/* A SAN list longer than the field: what is there is a prefix of the list,
 * whole entries only. */
static void test_cert_info_long_names_are_a_prefix(void)
{
    static acme5g_cert_summary info;
    static char text[4096], want[2048];
    size_t n = vec_read("cert-many-sans.pem", pem_buf, sizeof(pem_buf)), wl;
    vec_read("cert-many-sans-expected.txt", text, sizeof(text));
    vec_value(text, "names", want, sizeof(want));
    CHECK(strlen(want) > sizeof(info.names));
    CHECK_ERR(acme5g_cert_info(pem_buf, n, &info), ACME5G_OK);
    wl = strlen(info.names);
    CHECK(wl > 0 && wl < sizeof(info.names));
    CHECK(!strncmp(info.names, want, wl > 3 ? wl - 3 : 0));
    CHECK_INT(info.chain_length, 1);
}

static void test_x509_parse_fields_of_vector_cert(void)
{
    static unsigned char der[2048];
    static char text[2048];
    char v[300];
    unsigned char point[65];
    x509_fields f;
    der_r pt = { NULL, NULL };
    size_t dl = vector_cert_der(der, sizeof(der));
    vec_read("cert-expected.txt", text, sizeof(text));
    CHECK_INT(x509_parse(der, dl, &f), 0);
    CHECK_INT(f.serial.end - f.serial.p, 8);
    CHECK(!memcmp(f.serial.p, "\x1a\x2b\x3c\x4d\x5e\x6f\x77\x88", 8));
    CHECK_INT(f.not_before_s, strtoll(vec_value(text, "not_before", v, sizeof(v)), NULL, 10));
    CHECK_INT(f.not_after_s, strtoll(vec_value(text, "not_after", v, sizeof(v)), NULL, 10));
    CHECK_INT(f.not_before_s, 1735689600);   /* UTCTime 250101000000Z */
    CHECK_INT(f.not_after_s, 2524608000);    /* GeneralizedTime 20500101000000Z */
    CHECK(f.have_san);
    CHECK_INT(spki_ec_point(&f.spki, &pt), 0);
    CHECK_INT(pt.end - pt.p, 65);
    CHECK_INT(hex_decode(vec_value(text, "spki_point", v, sizeof(v)), point, 65), 65);
    CHECK(!memcmp(pt.p, point, 65));
    /* truncated or corrupted DER is refused, never read past */
    {
        size_t cut;
        for (cut = 0; cut < dl; cut += 7)
            CHECK_INT(x509_parse(der, cut, &f), -1);
    }
}

static void test_san_has_dns_and_ip_entries(void)
{
    static unsigned char der[2048];
    x509_fields f;
    unsigned char ip[16];
    size_t dl = vector_cert_der(der, sizeof(der));
    CHECK_INT(x509_parse(der, dl, &f), 0);
    CHECK(san_has(&f.san, 0x82, "a.example", 9));
    CHECK(san_has(&f.san, 0x82, "B.Example", 9));   /* DNS names: any case */
    CHECK(!san_has(&f.san, 0x82, "c.example", 9));
    CHECK(!san_has(&f.san, 0x82, "a.exampl", 8));
    CHECK(!san_has(&f.san, 0x87, "a.example", 9));  /* the type counts */
    CHECK_INT(ip_parse("192.0.2.1", 9, ip), 4);
    CHECK(san_has(&f.san, 0x87, ip, 4));
    CHECK_INT(ip_parse("2001:db8::1", 11, ip), 16);
    CHECK(san_has(&f.san, 0x87, ip, 16));
    CHECK_INT(ip_parse("192.0.2.2", 9, ip), 4);
    CHECK(!san_has(&f.san, 0x87, ip, 4));
    CHECK_INT(ip_parse("2001:db8::2", 11, ip), 16);
    CHECK(!san_has(&f.san, 0x87, ip, 16));
}

static void test_cert_info_matches_openssl(void)
{
    static acme5g_cert_summary info;
    static char text[2048], chain[8192];
    char v[600];
    size_t n;
    vec_read("cert-expected.txt", text, sizeof(text));
    n = vec_read("cert.pem", pem_buf, sizeof(pem_buf));
    CHECK_ERR(acme5g_cert_info(pem_buf, n, &info), ACME5G_OK);
    CHECK_STR(info.names, vec_value(text, "names", v, sizeof(v)));
    CHECK_STR(info.serial_hex, vec_value(text, "serial", v, sizeof(v)));
    CHECK_STR(info.issuer, vec_value(text, "issuer", v, sizeof(v)));
    CHECK_INT(info.not_before_s, strtoll(vec_value(text, "not_before", v, sizeof(v)), NULL, 10));
    CHECK_INT(info.not_after_s, strtoll(vec_value(text, "not_after", v, sizeof(v)), NULL, 10));
    CHECK_INT(info.chain_length, 1);
    n = vec_read("chain.pem", chain, sizeof(chain));
    CHECK_ERR(acme5g_cert_info(chain, n, &info), ACME5G_OK);
    CHECK_INT(info.chain_length, 2);
    CHECK_STR(info.serial_hex, vec_value(text, "serial", v, sizeof(v))); /* the leaf's */
    /* the CA alone: no SAN */
    n = vec_read("ca.pem", chain, sizeof(chain));
    CHECK_ERR(acme5g_cert_info(chain, n, &info), ACME5G_OK);
    CHECK_STR(info.names, "");
    CHECK_STR(info.serial_hex, "01");
    CHECK_STR(info.issuer, "C=XX, O=acme5g, CN=acme5g Test CA");
    /* not certificates */
    CHECK_ERR(acme5g_cert_info("", 0, &info), ACME5G_ERR_CERT);
    CHECK_ERR(acme5g_cert_info("garbage", 7, &info), ACME5G_ERR_CERT);
    n = vec_read("ec-p256-pkcs8.pem", chain, sizeof(chain));
    CHECK_ERR(acme5g_cert_info(chain, n, &info), ACME5G_ERR_CERT);
    /* a chain whose second certificate is cut */
    n = vec_read("chain.pem", chain, sizeof(chain));
    CHECK_ERR(acme5g_cert_info(chain, n - 40, &info), ACME5G_ERR_CERT);
}

/* ==========================================================================
 * 5. Enrolment flow: badNonce retries
 * ======================================================================== */

/* The nonce in the protected header of the JWS the server last received. */
static const char *last_req_nonce(char *out, size_t cap)
{
    static unsigned char prot[1024];
    const char *q = strstr(T.last_req, "\"protected\":\""), *e, *n;
    long pl;
    out[0] = 0;
    if (!q || !(e = strchr(q + 13, '"')))
        return out;
    pl = t_b64u_decode(q + 13, (size_t)(e - q - 13), prot, sizeof(prot) - 1);
    if (pl <= 0)
        return out;
    prot[pl] = 0;
    n = strstr((const char *)prot, "\"nonce\":\"");
    if (n && (e = strchr(n + 9, '"')))
        snprintf(out, cap, "%.*s", (int)(e - n - 9), n + 9);
    return out;
}

/* A response with a body of the right Content-Length (in buf). */
static const char *resp_with_body(char *buf, size_t cap, const char *status, const char *headers,
                                  const char *body)
{
    snprintf(buf, cap, "HTTP/1.1 %s\r\n%sContent-Length: %lu\r\n\r\n%s", status, headers,
             (unsigned long)strlen(body), body);
    return buf;
}

static char resp_bad_nonce[300];

static void post_setup(void)
{
    wbuf w;
    http_setup();
    CHECK_ERR(load_key(&hctx.account_key, "ec-p256-pkcs8.pem"), ACME5G_OK);
    snprintf(hctx.account_url, sizeof(hctx.account_url), "https://localhost/acct/1");
    snprintf(hctx.dir_new_nonce, sizeof(hctx.dir_new_nonce), "https://localhost/nonce");
    jws_payload_begin(&hctx, &w);
    w_str(&w, "{}");
    w_b64_end(&w);
    hctx.body_len = w.len; /* (kept here: the payload's end) */
}

static void test_flow_post_retries_bad_nonce_with_the_fresh_nonce(void)
{
    char nonce[96];
    size_t payload_end;
    int i;
    static char resp_bad_csr[300], resp_bn[16][300];
    post_setup();
    payload_end = hctx.body_len;
    resp_with_body(resp_bad_nonce, sizeof(resp_bad_nonce), "400 Bad Request",
                   "Content-Type: application/problem+json\r\nReplay-Nonce: fresh-1\r\n",
                   "{\"type\":\"urn:ietf:params:acme:error:badNonce\",\"detail\":\"x\"}");
    resp_with_body(resp_bad_csr, sizeof(resp_bad_csr), "400 Bad Request",
                   "Content-Type: application/problem+json; charset=utf-8\r\nReplay-Nonce: n5\r\n",
                   "{\"type\":\"urn:ietf:params:acme:error:badCSR\"}");
    snprintf(hctx.nonce, sizeof(hctx.nonce), "first");
    script_clear();
    script_add_str(resp_bad_nonce, SRV_KEEP);
    script_add_str("HTTP/1.1 200 OK\r\nReplay-Nonce: n3\r\nContent-Type: application/json\r\n"
                   "Content-Length: 2\r\n\r\n{}", SRV_KEEP);
    CHECK_ERR(flow_post(&hctx, "https://localhost/chall/1", payload_end, 0), ACME5G_OK);
    CHECK_INT(T.requests, 2);
    CHECK_STR(last_req_nonce(nonce, sizeof(nonce)), "fresh-1");
    CHECK(!strncmp(T.last_req, "POST /chall/1 HTTP/1.1\r\n", 24));
    CHECK(strstr(T.last_req, "\r\nContent-Type: application/jose+json\r\n") != NULL);
    CHECK_INT(hctx.http_status, 200);
    CHECK_STR(hctx.nonce, "n3");

    /* no nonce held: HEAD newNonce first */
    hctx.nonce[0] = 0;
    script_clear();
    script_add_str("HTTP/1.1 200 OK\r\nReplay-Nonce: from-head\r\n\r\n", SRV_KEEP);
    script_add_str("HTTP/1.1 200 OK\r\nReplay-Nonce: n4\r\nContent-Length: 0\r\n\r\n", SRV_KEEP);
    CHECK_ERR(flow_post(&hctx, "https://localhost/chall/1", payload_end, 0), ACME5G_OK);
    CHECK_INT(T.requests, 4);
    CHECK_STR(last_req_nonce(nonce, sizeof(nonce)), "from-head");
    CHECK_STR(hctx.nonce, "n4");

    /* another problem is the caller's business */
    script_clear();
    script_add_str(resp_bad_csr, SRV_KEEP);
    CHECK_ERR(flow_post(&hctx, "https://localhost/chall/1", payload_end, 0), ACME5G_OK);
    CHECK_INT(T.requests, 5);
    CHECK_INT(hctx.http_status, 400);
    CHECK_ERR(flow_check(&hctx, 200, 200), ACME5G_ERR_PROBLEM);
    CHECK_STR(hctx.problem.type, "urn:ietf:params:acme:error:badCSR");

    /* a badNonce that repeats the spent nonce gives no usable one: HEAD */
    snprintf(hctx.nonce, sizeof(hctx.nonce), "fresh-1");
    script_clear();
    script_add_str(resp_bad_nonce, SRV_KEEP);
    script_add_str("HTTP/1.1 200 OK\r\nReplay-Nonce: h2\r\n\r\n", SRV_KEEP);
    script_add_str("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", SRV_KEEP);
    CHECK_ERR(flow_post(&hctx, "https://localhost/chall/1", payload_end, 0), ACME5G_OK);
    CHECK_INT(T.requests, 8);
    CHECK_STR(last_req_nonce(nonce, sizeof(nonce)), "h2");

    /* badNonce every time, each with a new nonce: bounded */
    CHECK_STR(hctx.nonce, ""); /* the last answer had none */
    snprintf(hctx.nonce, sizeof(hctx.nonce), "start");
    script_clear();
    for (i = 0; i <= ACME5G_BADNONCE_RETRIES && i < 16; i++) {
        char n[40];
        snprintf(n, sizeof(n), "Replay-Nonce: bn%d\r\n", i);
        snprintf(resp_bn[i], sizeof(resp_bn[i]), "HTTP/1.1 400 Bad Request\r\n"
                 "Content-Type: application/problem+json\r\n%sContent-Length: 46\r\n\r\n"
                 "{\"type\":\"urn:ietf:params:acme:error:badNonce\"}", n);
        script_add_str(resp_bn[i], SRV_KEEP);
    }
    CHECK_ERR(flow_post(&hctx, "https://localhost/chall/1", payload_end, 0),
              ACME5G_BADNONCE_RETRIES < 16 ? ACME5G_ERR_BAD_NONCE_LIMIT : ACME5G_ERR_TIMEOUT);
    CHECK_INT(T.requests, 8 + ACME5G_BADNONCE_RETRIES + 1);
    if (ACME5G_BADNONCE_RETRIES > 0) {
        char want[16];
        snprintf(want, sizeof(want), "bn%d", ACME5G_BADNONCE_RETRIES - 1);
        CHECK_STR(last_req_nonce(nonce, sizeof(nonce)), want);
    }
    CHECK_INT(T.connects, 1);
    http_teardown();
}

/* The directory and nonce kept in storage (issue 18): used for the same
 * directory URL only; a 404 from one of its URLs fetches the directory
 * again, once, and resends to the new URL with the 404's nonce. */
static void test_flow_directory_cache_and_one_refetch_on_404(void)
{
    char nonce[96];
    size_t payload_end;
    int i, wrote_dir = 0;
    static char resp_404[300], resp_dir[600], resp_201[300];
    static const char dir_json[] =
        "{\"newNonce\":\"https://localhost/nonce\",\"newAccount\":\"https://localhost/acct\","
        "\"newOrder\":\"https://localhost/new-order\"}";
    post_setup();
    payload_end = hctx.body_len;
    stored_directory = "https://localhost/dir\n{\"newNonce\":\"https://localhost/nonce\","
                       "\"newAccount\":\"https://localhost/acct\","
                       "\"newOrder\":\"https://localhost/old-order\"}";
    stored_nonce = "cached-nonce";

    /* another directory URL: the blob is not for it, GET */
    script_clear();
    resp_with_body(resp_dir, sizeof(resp_dir), "200 OK", "Content-Type: application/json\r\n",
                   dir_json);
    script_add_str(resp_dir, SRV_KEEP);
    CHECK_ERR(flow_directory(&hctx, "https://localhost/dir2"), ACME5G_OK);
    CHECK_INT(T.requests, 1);
    CHECK_INT(hctx.dir_cached, 0);
    CHECK_STR(hctx.nonce, ""); /* the nonce is another server's */

    /* the same URL: no request, the stored nonce */
    CHECK_ERR(flow_directory(&hctx, "https://localhost/dir"), ACME5G_OK);
    CHECK_INT(T.requests, 1);
    CHECK_INT(hctx.dir_cached, 1);
    CHECK_STR(hctx.dir_new_order, "https://localhost/old-order");
    CHECK_STR(hctx.nonce, "cached-nonce");

    /* newOrder moved: 404, GET directory, resend to the new URL */
    resp_with_body(resp_404, sizeof(resp_404), "404 Not Found",
                   "Content-Type: application/problem+json\r\nReplay-Nonce: n404\r\n",
                   "{\"type\":\"urn:ietf:params:acme:error:malformed\"}");
    resp_with_body(resp_201, sizeof(resp_201), "201 Created",
                   "Content-Type: application/json\r\nReplay-Nonce: n201\r\n", "{}");
    T.nwrites = 0;
    script_clear();
    script_add_str(resp_404, SRV_KEEP);
    script_add_str(resp_dir, SRV_KEEP);
    script_add_str(resp_201, SRV_KEEP);
    CHECK_ERR(flow_post(&hctx, hctx.dir_new_order, payload_end, 0), ACME5G_OK);
    CHECK_INT(T.requests, 4);
    CHECK_INT(hctx.http_status, 201);
    CHECK(!strncmp(T.last_req, "POST /new-order HTTP/1.1\r\n", 26));
    CHECK_STR(last_req_nonce(nonce, sizeof(nonce)), "n404");
    CHECK_INT(hctx.dir_cached, 0);
    for (i = 0; i < T.nwrites; i++)
        wrote_dir |= !strcmp(T.writes[i], ACME5G_STORE_DIRECTORY);
    CHECK(wrote_dir);

    /* once per flow: a 404 from the fresh directory's URL is the answer */
    script_clear();
    script_add_str(resp_404, SRV_KEEP);
    CHECK_ERR(flow_post(&hctx, hctx.dir_new_order, payload_end, 0), ACME5G_OK);
    CHECK_INT(T.requests, 5);
    CHECK_INT(hctx.http_status, 404);

    /* a 404 from a URL that is not the directory's: no refetch */
    hctx.dir_cached = 1;
    script_clear();
    script_add_str(resp_404, SRV_KEEP);
    CHECK_ERR(flow_post(&hctx, "https://localhost/chall/1", payload_end, 0), ACME5G_OK);
    CHECK_INT(T.requests, 6);
    CHECK_INT(hctx.http_status, 404);

    /* a garbled blob or a nonce outside base64url: not used */
    stored_directory = "https://localhost/dir\n{\"newNonce\":";
    script_clear();
    script_add_str(resp_dir, SRV_KEEP);
    hctx.nonce[0] = 0;
    CHECK_ERR(flow_directory(&hctx, "https://localhost/dir"), ACME5G_OK);
    CHECK_INT(T.requests, 7);
    CHECK_INT(hctx.dir_cached, 0);
    stored_directory = "https://localhost/dir\n{\"newNonce\":\"https://localhost/nonce\","
                       "\"newAccount\":\"https://localhost/acct\","
                       "\"newOrder\":\"https://localhost/old-order\"}";
    stored_nonce = "bad nonce!";
    CHECK_ERR(flow_directory(&hctx, "https://localhost/dir"), ACME5G_OK);
    CHECK_INT(hctx.dir_cached, 1);
    CHECK_STR(hctx.nonce, "");
    stored_directory = stored_nonce = NULL;
    http_teardown();
}

/* The poll schedule without Retry-After: 10 ms first, then 50 ms doubling,
 * 5 s at most. */
static void test_flow_backoff_10_ms_then_50_ms_doubling_to_5_s(void)
{
    static const uint32_t want[] = { 10, 50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000 };
    unsigned i;
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        CHECK_INT(flow_backoff_ms(i), want[i]);
    CHECK_INT(flow_backoff_ms(40), 5000);
    CHECK_INT(flow_backoff_ms(~0u), 5000);
}

/* Retry-After (seconds, or an HTTP date) replaces the schedule; 0 or none
 * keeps it; a wait that would end past the deadline is ACME5G_ERR_TIMEOUT
 * without sleeping; the port sleeps exactly the wait otherwise. */
static void test_flow_poll_wait_honours_retry_after_and_the_deadline(void)
{
    uint32_t ms = 0;
    uint64_t before;
    unsigned attempt;
    http_setup();
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n"),
              ACME5G_OK);
    CHECK_ERR(flow_poll_delay(&hctx, 0, &ms), ACME5G_OK);
    CHECK_INT(ms, 3000);
    /* now is Sun, 15 Jun 2025 15:06:40 GMT: two seconds later */
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nRetry-After: Sun, 15 Jun 2025 15:06:42 GMT\r\n"
                      "Content-Length: 0\r\n\r\n"), ACME5G_OK);
    CHECK_ERR(flow_poll_delay(&hctx, 5, &ms), ACME5G_OK);
    CHECK_INT(ms, 2000);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"),
              ACME5G_OK);
    CHECK_ERR(flow_poll_delay(&hctx, 2, &ms), ACME5G_OK);
    CHECK_INT(ms, 100);
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), ACME5G_OK);
    before = T.mono;
    CHECK_ERR(flow_poll_wait(&hctx, 0), ACME5G_OK);
    CHECK(T.mono - before >= 10 && T.mono - before < 20); /* the test clock ticks per call */

    /* a Retry-After longer than the time left: give up now, no sleep */
    CHECK_ERR(get_str("HTTP/1.1 200 OK\r\nRetry-After: 60\r\nContent-Length: 0\r\n\r\n"),
              ACME5G_OK);
    hctx.deadline_ms = T.mono + 30000;
    before = T.mono;
    CHECK_ERR(flow_poll_wait(&hctx, 0), ACME5G_ERR_TIMEOUT);
    CHECK(T.mono - before < 10);

    /* the backoff alone: every wait fits in a 20 s deadline, the sum stays
     * below it, and the wait that would cross it is refused */
    hctx.retry_after_s = -1;
    hctx.deadline_ms = T.mono + 20000;
    before = T.mono;
    for (attempt = 0; attempt < 100; attempt++)
        if (flow_poll_wait(&hctx, attempt) != ACME5G_OK)
            break;
    CHECK_INT(attempt, 10); /* 10+50+100+...+3200 = 6360, then 5000 twice: 16360 */
    CHECK(T.mono - before >= 16360 && T.mono <= hctx.deadline_ms);
    http_teardown();
}

/* ==========================================================================
 * 6. Renewal policy: pure functions, times computed by hand
 * ======================================================================== */

/* acme5g_policy_next as a question: 1 due (the time is now or past), 0
 * later, -1 refused. */
static int policy_due(const acme5g_policy *p, int64_t nb, int64_t na,
                      const acme5g_policy_state *st, int64_t now, int64_t *when,
                      acme5g_renew_reason *why)
{
    int rc = acme5g_policy_next(p, nb, na, st, now, when, why);
    return rc != ACME5G_OK ? -1 : *when <= now;
}

static void test_policy_next_due_times(void)
{
    acme5g_policy pol;
    acme5g_policy_state st;
    acme5g_renew_reason why = (acme5g_renew_reason)0;
    int64_t nb = 1750000000, na = nb + 90 * 86400, when = 0;
    acme5g_policy_default(&pol);
    memset(&st, 0, sizeof(st));
    CHECK_INT(pol.renew_permille, 667);
    /* 2/3 of 90 days: 7776000 * 667 / 1000 = 5186592 s */
    CHECK_INT(policy_due(&pol, nb, na, &st, nb + 1000, &when, &why), 0);
    CHECK_INT(when, nb + 5186592);
    CHECK_INT(why, ACME5G_REASON_LIFETIME);
    CHECK_INT(policy_due(&pol, nb, na, &st, nb + 5186592, &when, &why), 1);
    CHECK_INT(policy_due(&pol, nb, na, NULL, nb + 5186591, &when, &why), 0);
    /* 30 days before expiry comes first */
    pol.renew_before_s = 30 * 86400;
    CHECK_INT(policy_due(&pol, nb, na, &st, nb, &when, &why), 0);
    CHECK_INT(when, na - 30 * 86400);
    CHECK_INT(why, ACME5G_REASON_BEFORE_EXPIRY);
    /* jitter moves it earlier by seed mod jitter */
    pol.jitter_s = 3600;
    st.jitter_seed = 7200 + 1000;
    CHECK_INT(policy_due(&pol, nb, na, &st, nb, &when, &why), 0);
    CHECK_INT(when, na - 30 * 86400 - 1000);
    /* expired */
    CHECK_INT(policy_due(&pol, nb, na, &st, na, &when, &why), 1);
    CHECK_INT(why, ACME5G_REASON_EXPIRED);
    /* back-off after failures: 60, 120, 240 s ... capped */
    acme5g_policy_default(&pol);
    st.jitter_seed = 0;
    st.failures = 3;
    st.last_failure_s = nb + 6000000;
    CHECK_INT(policy_due(&pol, nb, na, &st, nb + 6000010, &when, &why), 0);
    CHECK_INT(when, nb + 6000000 + 240);
    CHECK_INT(why, ACME5G_REASON_BACKOFF);
    st.failures = 40;
    CHECK_INT(policy_due(&pol, nb, na, &st, nb + 6000010, &when, &why), 0);
    CHECK_INT(when, nb + 6000000 + 21600);
    /* never pushed past notAfter while the certificate is still valid */
    st.last_failure_s = na - 100;
    CHECK_INT(policy_due(&pol, nb, na, &st, na - 50, &when, &why), 0);
    CHECK_INT(when, na);
    /* nonsense: refused with a positive code, nothing set */
    when = 42;
    CHECK_INT(acme5g_policy_next(&pol, na, nb, &st, nb, &when, &why), ACME5G_ERR_ARG);
    pol.renew_permille = 1001;
    CHECK_INT(acme5g_policy_next(&pol, nb, na, &st, nb, &when, &why), ACME5G_ERR_ARG);
    acme5g_policy_default(&pol);
    pol.retry_max_s = 10;
    CHECK_INT(acme5g_policy_next(&pol, nb, na, &st, nb, &when, &why), ACME5G_ERR_ARG);
    CHECK_INT(when, 42);
}

/* ==========================================================================
 * The public API
 * ======================================================================== */

static const int all_codes[] = {
    ACME5G_OK, ACME5G_ERR_ARG, ACME5G_ERR_TIMEOUT, ACME5G_ERR_URL, ACME5G_ERR_URL_TOO_LONG,
    ACME5G_ERR_TOO_MANY_NAMES, ACME5G_ERR_REQUEST_TOO_LARGE, ACME5G_ERR_BODY_TOO_LARGE,
    ACME5G_ERR_HEADER_TOO_LONG, ACME5G_ERR_JSON_TOO_BIG, ACME5G_ERR_TRUST_ANCHORS_FULL,
    ACME5G_ERR_FIELD_TOO_LONG, ACME5G_ERR_NAME, ACME5G_ERR_OWN_CHAIN_FULL,
    ACME5G_ERR_CONNECT, ACME5G_ERR_NET, ACME5G_ERR_NET_CLOSED, ACME5G_ERR_LISTEN,
    ACME5G_ERR_ENTROPY, ACME5G_ERR_STORAGE_READ, ACME5G_ERR_STORAGE_WRITE, ACME5G_ERR_CLOCK,
    ACME5G_ERR_NOT_FOUND, ACME5G_ERR_DNS_HOOK,
    ACME5G_ERR_TLS, ACME5G_ERR_TLS_UNTRUSTED, ACME5G_ERR_TLS_NAME, ACME5G_ERR_TLS_TIME,
    ACME5G_ERR_TRUST_ANCHOR,
    ACME5G_ERR_HTTP, ACME5G_ERR_HTTP_STATUS, ACME5G_ERR_CONTENT_TYPE,
    ACME5G_ERR_JSON, ACME5G_ERR_JSON_FIELD,
    ACME5G_ERR_PROBLEM, ACME5G_ERR_NO_NONCE, ACME5G_ERR_BAD_NONCE_LIMIT, ACME5G_ERR_ORDER_INVALID,
    ACME5G_ERR_AUTHZ_INVALID, ACME5G_ERR_STATUS, ACME5G_ERR_NO_CHALLENGE, ACME5G_ERR_CERT_MISMATCH,
    ACME5G_ERR_EAB_REQUIRED,
    ACME5G_ERR_AUTHORITY,
    ACME5G_ERR_AUTHORITY_TOKEN,
    ACME5G_ERR_KEY, ACME5G_ERR_CERT, ACME5G_ERR_CRYPTO, ACME5G_ERR_CSR, ACME5G_ERR_CSR_SIGNATURE,
    ACME5G_ERR_CSR_NAMES,
};

/* The text of acme5g.h (read once; "" when unreadable). */
static const char *h_text(void)
{
    static char h[131072];
    static int loaded;
    char path[700];
    FILE *f;
    size_t n;
    if (loaded)
        return h;
    loaded = 1;
    snprintf(path, sizeof(path), "%s/../../acme5g.h", vec_dir);
    f = fopen(path, "rb");
    if (!f) {
        check_fail(__FILE__, __LINE__, "acme5g.h readable:", path);
        return h;
    }
    n = fread(h, 1, sizeof(h) - 1, f);
    fclose(f);
    h[n] = 0;
    CHECK(n < sizeof(h) - 1);
    return h;
}

/* The codes of enum acme5g_err, read from acme5g.h itself (so a code added
 * without a name is caught): values in codes[], and in docs[] the comment
 * that starts on the code's line (its documentation, "" when none), with
 * its lines joined by single spaces; count returned. */
static int header_error_codes(int *codes, char (*docs)[200], int cap)
{
    const char *p, *end;
    int count = 0, next = 0;
    p = strstr(h_text(), "typedef enum acme5g_err {");
    end = p ? strstr(p, "} acme5g_err;") : NULL;
    if (!p || !end)
        return 0;
    while ((p = strstr(p, "\n    ACME5G_")) != NULL && p < end && count < cap) {
        const char *q = p + 5;
        size_t nl = strspn(q, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
        q += nl;
        while (*q == ' ')
            q++;
        if (*q == '=')
            next = (int)strtol(q + 1, NULL, 10);
        if (!(nl == 17 && !memcmp(p + 5, "ACME5G_ERR__COUNT", 17))) {
            const char *c = strstr(q, "/*"), *eol = strchr(q, '\n'), *ce;
            size_t dl = 0;
            docs[count][0] = 0;
            if (c && eol && c < eol && (ce = strstr(c, "*/")) != NULL && ce < end) {
                for (c += 2; c < ce && dl + 1 < sizeof(docs[0]); c++) {
                    int space = *c == ' ' || *c == '\n';
                    if (!space)
                        docs[count][dl++] = *c;
                    else if (dl && docs[count][dl - 1] != ' ')
                        docs[count][dl++] = ' ';
                }
                while (dl && docs[count][dl - 1] == ' ')
                    dl--;
                docs[count][dl] = 0;
            }
            codes[count++] = next;
        }
        next++;
        p = q;
    }
    return count;
}

static void test_strerror_names_every_code_distinctly(void)
{
    static int codes[256];
    static char docs[256][200];
    int n = header_error_codes(codes, docs, 256), i, j, c, named = 0;
    /* the parse agrees with the compiler */
    CHECK(n >= (int)COUNT(all_codes));
    for (i = 0; i < (int)COUNT(all_codes); i++) {
        for (j = 0; j < n && codes[j] != all_codes[i]; j++)
            ;
        CHECK(j < n);
    }
    for (i = 0; i < n; i++) {
        const char *s = acme5g_strerror(codes[i]);
        CHECK(s != NULL && s[0] != 0);
        if (!strcmp(s, "unknown error"))
            printf("  code %d has no name\n", codes[i]);
        CHECK(strcmp(s, "unknown error") != 0);
        for (j = 0; j < i; j++)
            CHECK(strcmp(s, acme5g_strerror(codes[j])) != 0);
        CHECK(codes[i] >= 0 && codes[i] < ACME5G_ERR__COUNT);
        /* the message is the code's documentation in acme5g.h, word for word */
        if (strcmp(s, docs[i]))
            printf("  code %d: acme5g.h says \"%s\", acme5g_strerror \"%s\"\n", codes[i],
                   docs[i], s);
        CHECK_STR(s, docs[i]);
        /* a message that says "raise ACME5G_X" names a config macro of acme5g.h */
        {
            const char *m = s;
            while ((m = strstr(m, "ACME5G_")) != NULL) {
                char def[80];
                size_t ml = strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
                snprintf(def, sizeof(def), "#ifndef %.*s\n", (int)ml, m);
                if (!strstr(h_text(), def))
                    printf("  code %d names %.*s, no config macro\n", codes[i], (int)ml, m);
                CHECK(strstr(h_text(), def) != NULL);
                m += ml;
            }
        }
    }
    CHECK_INT(n, (int)COUNT(all_codes));
    /* nothing outside the enum has a name */
    for (c = -5; c <= ACME5G_ERR__COUNT + 5; c++)
        if (strcmp(acme5g_strerror(c), "unknown error"))
            named++;
    CHECK_INT(named, n);
    CHECK_STR(acme5g_strerror(-1), "unknown error");
    CHECK_STR(acme5g_strerror(ACME5G_ERR__COUNT), "unknown error");
    CHECK_STR(acme5g_strerror(2147483647), "unknown error");
    CHECK_STR(acme5g_strerror(-2147483647 - 1), "unknown error");
    /* "too small" errors name the macro to raise */
    CHECK(strstr(acme5g_strerror(ACME5G_ERR_BODY_TOO_LARGE), "ACME5G_BODY_MAX") != NULL);
    CHECK(strstr(acme5g_strerror(ACME5G_ERR_REQUEST_TOO_LARGE), "ACME5G_REQUEST_MAX") != NULL);
    CHECK(strstr(acme5g_strerror(ACME5G_ERR_HEADER_TOO_LONG), "ACME5G_LINE_MAX") != NULL);
    CHECK(strstr(acme5g_strerror(ACME5G_ERR_JSON_TOO_BIG), "ACME5G_JSON_TOKENS") != NULL);
    CHECK(strstr(acme5g_strerror(ACME5G_ERR_URL_TOO_LONG), "ACME5G_URL_MAX") != NULL);
    CHECK(strstr(acme5g_strerror(ACME5G_ERR_TOO_MANY_NAMES), "ACME5G_MAX_IDENTIFIERS") != NULL);
}

static void test_init_refuses_port_without_a_required_function(void)
{
    static acme5g_ctx ctx;
    acme5g_port p;
    size_t i;
    /* offsets of the required members, in struct order */
    static const size_t req[] = {
        offsetof(acme5g_port, connect), offsetof(acme5g_port, send), offsetof(acme5g_port, recv),
        offsetof(acme5g_port, close), offsetof(acme5g_port, now_s),
        offsetof(acme5g_port, monotonic_ms), offsetof(acme5g_port, sleep_ms),
        offsetof(acme5g_port, entropy), offsetof(acme5g_port, store_read),
        offsetof(acme5g_port, store_write),
    };
    memset(&T, 0, sizeof(T));
    CHECK_ERR(acme5g_init(&ctx, &test_port), ACME5G_OK);
    CHECK_INT(ctx.sock, -1);
    CHECK_ERR(acme5g_last_error(&ctx), ACME5G_OK);
    for (i = 0; i < COUNT(req); i++) {
        p = test_port;
        switch (i) {
        case 0: p.connect = NULL; break;
        case 1: p.send = NULL; break;
        case 2: p.recv = NULL; break;
        case 3: p.close = NULL; break;
        case 4: p.now_s = NULL; break;
        case 5: p.monotonic_ms = NULL; break;
        case 6: p.sleep_ms = NULL; break;
        case 7: p.entropy = NULL; break;
        case 8: p.store_read = NULL; break;
        default: p.store_write = NULL; break;
        }
        (void)req[i];
        CHECK_ERR(acme5g_init(&ctx, &p), ACME5G_ERR_ARG);
        CHECK_ERR(acme5g_last_error(&ctx), ACME5G_ERR_ARG);
    }
    /* optional ones */
    p = test_port;
    p.log = NULL;
    p.listen = NULL;
    p.accept = NULL;
    p.user = &p;
    CHECK_ERR(acme5g_init(&ctx, &p), ACME5G_OK);
    CHECK(ctx.port.user == &p);
    CHECK_ERR(acme5g_init(&ctx, NULL), ACME5G_ERR_ARG);
    CHECK_ERR(acme5g_init(NULL, &test_port), ACME5G_ERR_ARG);
    /* no port function was called */
    CHECK_INT(T.connects + T.sends + T.recvs + T.closes, 0);
    CHECK_INT(T.mono, 0);
}

/* A port whose every function is a test failure. */
static int fp_connect(void *u, const char *h, uint16_t p, uint32_t t)
{ (void)u; (void)h; (void)p; (void)t; T.forbidden++; return ACME5G_PORT_ERROR; }
static int fp_send(void *u, int h, const uint8_t *b, size_t l, uint32_t t)
{ (void)u; (void)h; (void)b; (void)l; (void)t; T.forbidden++; return ACME5G_PORT_ERROR; }
static int fp_recv(void *u, int h, uint8_t *b, size_t l, uint32_t t)
{ (void)u; (void)h; (void)b; (void)l; (void)t; T.forbidden++; return ACME5G_PORT_ERROR; }
static void fp_close(void *u, int h) { (void)u; (void)h; T.forbidden++; }
static int fp_listen(void *u, uint16_t p) {
    (void)u;
    (void)p;
    T.forbidden++;
    return ACME5G_PORT_ERROR;
}
static int fp_accept(void *u, int l, uint32_t t) {
    (void)u;
    (void)l;
    (void)t;
    T.forbidden++;
    return ACME5G_PORT_ERROR;
}
static int fp_entropy(void *u, uint8_t *b, size_t l) {
    (void)u;
    (void)b;
    (void)l;
    T.forbidden++;
    return ACME5G_PORT_ERROR;
}
static int fp_store_read(void *u, const char *n, uint8_t *b, size_t c, size_t *l)
{ (void)u; (void)n; (void)b; (void)c; (void)l; T.forbidden++; return ACME5G_PORT_ERROR; }
static int fp_store_write(void *u, const char *n, const uint8_t *b, size_t l, int s)
{ (void)u; (void)n; (void)b; (void)l; (void)s; T.forbidden++; return ACME5G_PORT_ERROR; }
static void fp_sleep(void *u, uint32_t ms) { (void)u; (void)ms; T.forbidden++; }

static const acme5g_port forbidden_port = {
    .connect = fp_connect, .send = fp_send, .recv = fp_recv, .close = fp_close,
    .listen = fp_listen, .accept = fp_accept, .now_s = tp_now, .monotonic_ms = tp_mono,
    .sleep_ms = fp_sleep, .entropy = fp_entropy, .store_read = fp_store_read,
    .store_write = fp_store_write,
};

static void test_enrol_refuses_bad_params_without_port_calls(void)
{
    static acme5g_ctx ctx;
    static char long_url[ACME5G_URL_MAX + 20];
    static char long_contact[300];
    acme5g_identifier ids[ACME5G_MAX_IDENTIFIERS + 1];
    acme5g_enrol_params p;
    size_t i;
    memset(&T, 0, sizeof(T));
    T.now = T_NOW;
    CHECK_ERR(acme5g_init(&ctx, &forbidden_port), ACME5G_OK);
    for (i = 0; i < COUNT(ids); i++) {
        ids[i].type = ACME5G_ID_DNS;
        ids[i].value = "a.example";
    }
    memset(&p, 0, sizeof(p));
    p.directory_url = "https://localhost:14000/dir";
    p.identifiers = ids;
    p.identifier_count = 1;

#define ENROL_FAILS(code)                                                                          \
    do {                                                                                           \
        CHECK_ERR(acme5g_enrol(&ctx, &p), code);                                                   \
        CHECK_ERR(acme5g_last_error(&ctx), code);                                                  \
    } while (0)

    CHECK_ERR(acme5g_enrol(&ctx, NULL), ACME5G_ERR_ARG);
    p.identifier_count = 0;
    ENROL_FAILS(ACME5G_ERR_ARG);
    p.identifier_count = ACME5G_MAX_IDENTIFIERS + 1;
    ENROL_FAILS(ACME5G_ERR_TOO_MANY_NAMES);
    p.identifier_count = 1;
    p.identifiers = NULL;
    ENROL_FAILS(ACME5G_ERR_ARG);
    p.identifiers = ids;
    ids[0].value = "a..example";
    ENROL_FAILS(ACME5G_ERR_NAME);
    ids[0].value = "-a.example";
    ENROL_FAILS(ACME5G_ERR_NAME);
    ids[0].value = NULL;
    ENROL_FAILS(ACME5G_ERR_ARG);
    ids[0].type = ACME5G_ID_IP;
    ids[0].value = "1.2.3";
    ENROL_FAILS(ACME5G_ERR_NAME);
    ids[0].value = "a.example";
    ENROL_FAILS(ACME5G_ERR_NAME);
    ids[0].type = (acme5g_id_type)7;
    ENROL_FAILS(ACME5G_ERR_NAME);
    ids[0].type = ACME5G_ID_DNS;
    p.directory_url = "http://localhost:14000/dir";
    ENROL_FAILS(ACME5G_ERR_URL);
    p.directory_url = "localhost/dir";
    ENROL_FAILS(ACME5G_ERR_URL);
    p.directory_url = "https://:14000/dir";
    ENROL_FAILS(ACME5G_ERR_URL);
    p.directory_url = NULL;
    ENROL_FAILS(ACME5G_ERR_ARG);
    memset(long_url, 'a', sizeof(long_url) - 1);
    memcpy(long_url, "https://", 8);
    p.directory_url = long_url;
    ENROL_FAILS(ACME5G_ERR_URL_TOO_LONG);
    p.directory_url = "https://localhost:14000/dir";
    memset(long_contact, 'c', sizeof(long_contact) - 1);
    p.contact = long_contact;
    ENROL_FAILS(ACME5G_ERR_ARG);
    p.contact = NULL;
    p.challenge = (acme5g_challenge)9;
    ENROL_FAILS(ACME5G_ERR_ARG);
    p.challenge = ACME5G_CHALLENGE_HTTP01;
    p.account_key_type = (acme5g_key_type)7;
    ENROL_FAILS(ACME5G_ERR_ARG);
    p.account_key_type = ACME5G_KEY_P256;
    p.cert_key_type = (acme5g_key_type)7;
    ENROL_FAILS(ACME5G_ERR_ARG);
    p.cert_key_type = ACME5G_KEY_P256;
    p.eab_kid = "kid-1"; /* without its MAC key */
    ENROL_FAILS(ACME5G_ERR_ARG);
    p.eab_kid = NULL;
    p.eab_hmac_key = "c2VjcmV0";
    ENROL_FAILS(ACME5G_ERR_ARG);
    p.eab_hmac_key = NULL;
    p.max_orders = 101;
    ENROL_FAILS(ACME5G_ERR_ARG);
    p.max_orders = 0;
    p.wait_timer_s = 86401;
    ENROL_FAILS(ACME5G_ERR_ARG);
    p.wait_timer_s = 0;
    p.preferred_chain = long_contact;
    ENROL_FAILS(ACME5G_ERR_ARG);
    p.preferred_chain = NULL;
    ids[0].type = ACME5G_ID_URI; /* a URI alone cannot be ordered */
    ids[0].value = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6";
    ENROL_FAILS(ACME5G_ERR_NAME);
    ids[0].value = "no scheme";
    ENROL_FAILS(ACME5G_ERR_NAME);
    ids[0].type = ACME5G_ID_DNS;
    ids[0].value = "a.example";
#undef ENROL_FAILS
    CHECK_INT(T.forbidden, 0);
    CHECK_INT(acme5g_last_problem(&ctx)->http_status, 0);
    CHECK_INT(acme5g_last_tls_error(&ctx), 0);
}

static void test_trust_anchors_added_and_refused(void)
{
    static acme5g_ctx ctx;
    static char pem[8192];
    size_t n, i;
    memset(&T, 0, sizeof(T));
    CHECK_ERR(acme5g_init(&ctx, &forbidden_port), ACME5G_OK);
    CHECK_ERR(acme5g_add_trust_anchors_pem(&ctx, "", 0), ACME5G_ERR_TRUST_ANCHOR);
    CHECK_ERR(acme5g_add_trust_anchors_pem(&ctx, "junk", 4), ACME5G_ERR_TRUST_ANCHOR);
    n = vec_read("ec-p256-pkcs8.pem", pem, sizeof(pem));
    CHECK_ERR(acme5g_add_trust_anchors_pem(&ctx, pem, n), ACME5G_ERR_TRUST_ANCHOR);
    CHECK_INT(ctx.ta_count, 0);
    n = vec_read("chain.pem", pem, sizeof(pem));
    CHECK_ERR(acme5g_add_trust_anchors_pem(&ctx, pem, n), ACME5G_OK);
    CHECK_INT(ctx.ta_count, 2);
    CHECK_INT(ctx.tas[0].flags, 0);               /* the leaf: trusted directly */
    CHECK_INT(ctx.tas[1].flags, BR_X509_TA_CA);   /* the CA */
    CHECK_INT(ctx.tas[1].pkey.key_type, BR_KEYTYPE_EC);
    for (i = 2; i < ACME5G_MAX_TRUST_ANCHORS; i += 2)
        (void)acme5g_add_trust_anchors_pem(&ctx, pem, n);
    CHECK_ERR(acme5g_add_trust_anchors_pem(&ctx, pem, n), ACME5G_ERR_TRUST_ANCHORS_FULL);
    CHECK_INT(ctx.ta_count, ACME5G_MAX_TRUST_ANCHORS);
    CHECK_INT(T.forbidden, 0);
}

#if ACME5G_WITH_MTLS
/* Our own chain: more than 3 certificates, or more DER than
 * ACME5G_OWN_CHAIN_MAX, is ACME5G_ERR_OWN_CHAIN_FULL (whose message names
 * that macro); a malformed one ACME5G_ERR_CERT; nothing is kept after a
 * refusal. */
static void test_own_chain_too_large_names_its_macro(void)
{
    static acme5g_ctx ctx;
    static char chain[16384], one[4096], big[4096], key[2048];
    size_t n1, nb, nk, len = 0, i;
    memset(&T, 0, sizeof(T));
    CHECK_ERR(acme5g_init(&ctx, &forbidden_port), ACME5G_OK);
    n1 = vec_read("localhost.pem", one, sizeof(one));    /* 459 B of DER */
    nb = vec_read("cert-many-sans.pem", big, sizeof(big)); /* 1748 B of DER */
    nk = vec_read("localhost-key.pem", key, sizeof(key));
    CHECK(strstr(acme5g_strerror(ACME5G_ERR_OWN_CHAIN_FULL), "ACME5G_OWN_CHAIN_MAX") != NULL);
    CHECK_ERR(acme5g_set_own_cert(&ctx, one, n1, key, nk), ACME5G_OK);
    CHECK_INT(ctx.own_chain_count, 1);
    /* four certificates: one more than the chain holds */
    for (i = 0; i < 4; i++) {
        memcpy(chain + len, one, n1);
        len += n1;
    }
    CHECK(4 * 459 <= ACME5G_OWN_CHAIN_MAX);
    CHECK_ERR(acme5g_set_own_cert(&ctx, chain, len, key, nk), ACME5G_ERR_OWN_CHAIN_FULL);
    CHECK_INT(ctx.own_chain_count, 0);
    CHECK_ERR(acme5g_last_error(&ctx), ACME5G_ERR_OWN_CHAIN_FULL);
    /* more DER than ACME5G_OWN_CHAIN_MAX (2048 by default) */
    len = 0;
    for (i = 0; len + nb < sizeof(chain) && i * 1748 <= ACME5G_OWN_CHAIN_MAX; i++) {
        memcpy(chain + len, big, nb);
        len += nb;
    }
    CHECK_ERR(acme5g_set_own_cert(&ctx, chain, len, key, nk), ACME5G_ERR_OWN_CHAIN_FULL);
    CHECK_INT(ctx.own_chain_count, 0);
    /* a certificate cut short is malformed, not too large */
    memcpy(chain, one, n1);
    memcpy(chain + n1, one, n1 / 2);
    CHECK_ERR(acme5g_set_own_cert(&ctx, chain, n1 + n1 / 2, key, nk), ACME5G_ERR_CERT);
    CHECK_ERR(acme5g_set_own_cert(&ctx, "junk", 4, key, nk), ACME5G_ERR_CERT);
    CHECK_INT(ctx.own_chain_count, 0);
    CHECK_INT(T.forbidden, 0);
}
#endif

/* Built without the shared client or without mutual TLS (tests/features.sh
 * builds and runs this file so): what is left out refuses with
 * ACME5G_ERR_ARG and calls no port function; with both in, their refusal
 * of a context without our certificate. */
static void test_left_out_features_refuse(void)
{
    static acme5g_ctx ctx;
    static acme5g_shared_request req;
    acme5g_identifier id = { ACME5G_ID_DNS, "nf.example" };
    acme5g_enrol_params p;
    memset(&T, 0, sizeof(T));
    T.now = T_NOW;
    CHECK_ERR(acme5g_init(&ctx, &forbidden_port), ACME5G_OK);
    memset(&req, 0x5a, sizeof(req));
    CHECK_ERR(acme5g_shared_accept(&ctx, 3, 5, &req), ACME5G_ERR_ARG);
    CHECK_INT(req.csr_len, 0);
    CHECK_ERR(acme5g_last_error(&ctx), ACME5G_ERR_ARG);
    CHECK_ERR(acme5g_shared_respond(&ctx, 200, "x", 1, NULL, NULL), ACME5G_ERR_ARG);
    memset(&p, 0, sizeof(p));
    p.directory_url = "https://shared.example/enrol";
    p.identifiers = &id;
    p.identifier_count = 1;
    p.timeout_s = 5;
#if !ACME5G_WITH_MTLS
    CHECK_ERR(acme5g_set_own_cert(&ctx, "x", 1, "y", 1), ACME5G_ERR_ARG);
    CHECK_ERR(acme5g_enrol_via(&ctx, &p), ACME5G_ERR_ARG);
#else
    CHECK_ERR(acme5g_set_own_cert(&ctx, "x", 1, "y", 1), ACME5G_ERR_CERT);
#endif
    CHECK_INT(T.forbidden, 0);
}

static void test_wipe_clears_the_context(void)
{
    static acme5g_ctx ctx;
    size_t i;
    int nonzero = 0;
    jws_ctx(&ctx);
    acme5g_wipe(&ctx);
    for (i = 0; i < sizeof(ctx); i++)
        nonzero |= ((unsigned char *)&ctx)[i];
    CHECK_INT(nonzero, 0);
}

/* ==========================================================================
 * main
 * ======================================================================== */

int main(void)
{
    vec_init();
    /* 0/1. bytes and encodings */
    RUN(test_b64u_writer_matches_rfc4648_and_python_vectors);
    RUN(test_b64_stream_mode_matches_vectors_for_any_write_sizes);
    RUN(test_b64u_inside_stream_mode_encodes_twice);
    RUN(test_b64u_valid_token_accepts_only_the_base64url_alphabet);
    RUN(test_wbuf_overflow_is_sticky);
    RUN(test_w_u64_and_w_hex);
    RUN(test_copy_cut_marks_cut_strings_and_copy_fit_refuses);
    RUN(test_der_writer_length_headers);
    RUN(test_der_writer_nested_lengths_move_content);
    RUN(test_der_writer_overflow_and_depth);
    RUN(test_der_reader_rejects_truncated_oversized_and_indefinite);
    RUN(test_x509_time_utc_and_generalized);
    RUN(test_x509_time_rejects_feb_29_outside_leap_years);
    RUN(test_http_date_imf_fixdate_only);
    RUN(test_days_from_civil_known_dates);
    RUN(test_ip_parse_and_rfc5952_text);
    RUN(test_dns_name_valid);
    RUN(test_b64u_decode_matches_vectors_and_refuses_non_canonical);
    RUN(test_utc_time_known_answers_and_round_trip);
    /* 2. HTTP over TLS */
    RUN(test_http_content_length_body);
    RUN(test_http_content_length_body_split_at_every_byte);
    RUN(test_http_chunked_body_split_at_every_byte);
    RUN(test_http_bare_lf_lines_accepted);
    RUN(test_http_chunked_with_content_length_rejected);
    RUN(test_http_malformed_chunk_framing_rejected);
    RUN(test_http_head_and_204_have_no_body);
    RUN(test_http_link_rel_up_from_repeated_and_combined_fields);
    RUN(test_http_link_header_line_parsed_directly);
    RUN(test_http_replay_nonce_captured_and_invalid_ignored);
    RUN(test_http_location_kept_and_too_long_refused);
    RUN(test_http_retry_after_seconds_and_http_date);
    RUN(test_http_content_type_media_type_with_parameters);
    RUN(test_http_header_line_longer_than_line_max_refused);
    RUN(test_http_more_than_64_headers_refused);
    RUN(test_http_body_larger_than_body_max_refused);
    RUN(test_http_chunk_size_overflow_is_an_error);
    RUN(test_http_100_continue_before_the_response);
    RUN(test_http_close_before_status_line_on_fresh_connection_not_retried);
    RUN(test_http_closed_keep_alive_connection_reopened_once);
    RUN(test_http_garbage_status_line_refused);
    RUN(test_http_body_read_to_close);
    RUN(test_http_1_0_and_connection_close_end_the_connection);
    RUN(test_http_tls_records_split_into_single_byte_reads);
    RUN(test_tls_server_must_match_trust_name_and_time);
    RUN(test_http_request_line_and_host_header);
    RUN(test_http_link_alternates_and_relation_lists);
    RUN(test_http_link_quoted_comma_in_parameter);
    RUN(test_http_header_limit_counts_each_response);
    /* 3. JSON */
    RUN(test_json_get_and_str_on_directory_sample);
    RUN(test_json_get_skips_nested_values);
    RUN(test_json_str_unescapes);
    RUN(test_json_str_field_too_long);
    RUN(test_json_parse_refuses_non_objects_and_trailing_garbage);
    RUN(test_json_member_without_value_refused);
    RUN(test_json_trailing_whitespace_accepted);
    RUN(test_json_too_many_tokens_is_json_too_big);
    RUN(test_w_json_str_escapes_quotes_backslashes_and_controls);
    /* 4. ACME objects */
    RUN(test_obj_directory_sample);
    RUN(test_obj_order_sample);
    RUN(test_obj_authz_finds_http01_among_shuffled_challenges);
    RUN(test_obj_authz_refuses_token_outside_base64url);
    RUN(test_obj_authz_without_http01_is_no_challenge);
    RUN(test_obj_problem_sample);
    RUN(test_obj_problem_cuts_long_type_and_detail);
    RUN(test_obj_directory_optional_urls_and_eab_flag);
    /* 3. keys, JWK, JWS; 5. CSR, tls-alpn-01 certificate */
    RUN(test_key_from_pem_reads_pkcs8_and_sec1);
    RUN(test_key_from_pem_refuses_other_curves_and_garbage);
    RUN(test_key_to_pem_round_trip_and_openssl_reads_it);
    RUN(test_jwk_bytes_and_thumbprint_match_python);
    RUN(test_jws_with_jwk_verifies_independently);
    RUN(test_jws_with_kid_verifies_independently);
    RUN(test_jws_post_as_get_payload_is_empty_string);
    RUN(test_jws_too_large_for_request_buffer);
    RUN(test_p384_jwk_thumbprint_and_es384_jws);
    RUN(test_csr_one_dns_name_verified_by_openssl);
    RUN(test_csr_three_dns_names_verified_by_openssl);
    RUN(test_csr_ipv4_and_ipv6_identifiers_verified_by_openssl);
    RUN(test_csr_uri_san_verified_by_openssl);
    RUN(test_csr_nf_instance_id_lower_case_urn_uuid_verified_by_openssl);
    RUN(test_nf_instance_identifier_json_and_uuid_check);
#if ACME5G_WITH_TKAUTH
    RUN(test_tkauth_fingerprint_is_the_thumbprint_in_hex_pairs);
    RUN(test_tkauth_check_refuses_tokens_not_for_us);
    RUN(test_authz_nf_instance_uses_tkauth_atc_and_its_hint);
    RUN(test_tkauth_fetch_reports_the_authority_clearly);
#endif
    RUN(test_csr_p384_key_verified_by_openssl);
    RUN(test_csr_external_signer_verified_by_openssl);
#if ACME5G_WITH_TLSALPN01
    RUN(test_tls_alpn01_certificate_checked_by_openssl);
#endif
    /* X.509 fields and acme5g_cert_info */
    RUN(test_cert_info_long_names_are_a_prefix);
    RUN(test_x509_parse_fields_of_vector_cert);
    RUN(test_san_has_dns_and_ip_entries);
    RUN(test_cert_info_matches_openssl);
    RUN(test_cert_info_serial_with_top_bit_set_matches_openssl);
    RUN(test_cert_info_cuts_long_names_with_dots);
    /* 5. enrolment flow */
    RUN(test_flow_post_retries_bad_nonce_with_the_fresh_nonce);
    RUN(test_flow_directory_cache_and_one_refetch_on_404);
    RUN(test_flow_backoff_10_ms_then_50_ms_doubling_to_5_s);
    RUN(test_flow_poll_wait_honours_retry_after_and_the_deadline);
    /* 6. renewal policy */
    RUN(test_policy_next_due_times);
    /* public API */
    RUN(test_strerror_names_every_code_distinctly);
    RUN(test_init_refuses_port_without_a_required_function);
    RUN(test_enrol_refuses_bad_params_without_port_calls);
    RUN(test_trust_anchors_added_and_refused);
#if ACME5G_WITH_MTLS
    RUN(test_own_chain_too_large_names_its_macro);
#endif
    RUN(test_left_out_features_refuse);
    RUN(test_wipe_clears_the_context);

    return tests_done();
}
