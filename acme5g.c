/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * acme5g.c -- see acme5g.h for the API and its conventions.
 *
 * Sections, each using only the ones above it:
 *   0. Preamble: errors, logging, the bounded writer
 *   1. Bytes and encodings: base64url, hex, DER, dates, IP addresses, PEM
 *   2. HTTP over TLS
 *   3. JSON and JWS
 *   4. ACME objects
 *   5. Enrolment flow
 *   6. Renewal policy
 *   7. Shared client
 */
#include "acme5g.h"

#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

/* ==========================================================================
 * 0. Preamble
 * ======================================================================== */

typedef char acme5g_tokens_fit[(sizeof(jsmntok_t) == 4 * sizeof(int)) ? 1 : -1];

#define USER_AGENT "acme5g/" ACME5G_VERSION
#define ACME_ERR_PREFIX "urn:ietf:params:acme:error:"

static const char *const err_names[] = {
    "success",
    "bad argument or settings",
    "timed out (total deadline passed)",
    "malformed or non-https URL",
    "URL too long (raise ACME5G_URL_MAX)",
    "too many identifiers (raise ACME5G_MAX_IDENTIFIERS)",
    "request too large (raise ACME5G_REQUEST_MAX)",
    "response body too large (raise ACME5G_BODY_MAX)",
    "response header line too long (raise ACME5G_LINE_MAX)",
    "JSON document too big (raise ACME5G_JSON_TOKENS)",
    "trust anchor storage full (raise ACME5G_MAX_TRUST_ANCHORS or ACME5G_TA_BUF_SIZE)",
    "server string too long for its field",
    "identifier is not a valid DNS name, IP address or UUID",
    "own certificate chain too large (at most 3 certificates; raise ACME5G_OWN_CHAIN_MAX)",
};
static const char *const err_port_names[] = {
    "connection failed",
    "network send/receive failed",
    "connection closed by the peer too early",
    "http-01 responder could not listen",
    "entropy source failed",
    "stored data unreadable",
    "could not write stored data",
    "wall clock not set (before 2020)",
    "no stored data",
    "dns-01 hook failed or missing",
};
static const char *const err_tls_names[] = {
    "TLS failure",
    "TLS: server certificate not trusted (chain not signed by the trust anchors)",
    "TLS: server certificate does not match the host",
    "TLS: server certificate expired or not yet valid",
    "trust anchor PEM unusable",
};
static const char *const err_http_names[] = {
    "malformed HTTP response",
    "unexpected HTTP status without a problem document",
    "unexpected Content-Type",
};
static const char *const err_json_names[] = {
    "malformed JSON",
    "JSON field missing or of the wrong type",
};
static const char *const err_acme_names[] = {
    "ACME server error",
    "no Replay-Nonce from the server",
    "badNonce more than ACME5G_BADNONCE_RETRIES times",
    "order is invalid",
    "authorization failed",
    "unknown or unexpected ACME status",
    "no challenge type we can answer",
    "issued certificate lacks our names or key",
    "the server requires external account binding (EAB)",
    "the Token Authority refused or answered badly",
    "the Authority Token is malformed, expired, or not for this identifier and account key",
};
static const char *const err_key_names[] = {
    "stored key unreadable or of the wrong type",
    "certificate unparsable",
    "key generation or signing failed",
    "CSR malformed or of an unsupported kind",
    "CSR signature does not verify",
    "CSR names differ from the request or are not allowed",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* See acme5g.h. */
const char *acme5g_strerror(int err)
{
    struct { int base; const char *const *names; size_t n; } groups[] = {
        { 0, err_names, COUNT(err_names) },
        { ACME5G_ERR_CONNECT, err_port_names, COUNT(err_port_names) },
        { ACME5G_ERR_TLS, err_tls_names, COUNT(err_tls_names) },
        { ACME5G_ERR_HTTP, err_http_names, COUNT(err_http_names) },
        { ACME5G_ERR_JSON, err_json_names, COUNT(err_json_names) },
        { ACME5G_ERR_PROBLEM, err_acme_names, COUNT(err_acme_names) },
        { ACME5G_ERR_KEY, err_key_names, COUNT(err_key_names) },
    };
    size_t i;
    for (i = 0; i < COUNT(groups); i++) {
        if (err >= groups[i].base && (size_t)(err - groups[i].base) < groups[i].n)
            return groups[i].names[err - groups[i].base];
    }
    return "unknown error";
}

/* Bounded writer: appends never overflow; `overflow` is sticky so a long
 * run of appends needs one check at the end.  In base64url mode every byte
 * written is encoded on the fly (used to build JWS payloads in place). */
typedef struct wbuf {
    char *p;
    size_t cap, len;
    int overflow;
    int b64;          /* encode what is written as base64url */
    unsigned acc;     /* pending bits in b64 mode */
    int acc_n;        /* number of pending bytes (0..2) */
} wbuf;

static const char b64u_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void w_init(wbuf *w, void *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->p = (char *)buf;
    w->cap = cap;
}

static void w_raw(wbuf *w, const void *src, size_t n)
{
    if (n > w->cap - w->len || w->overflow) {
        w->overflow = 1;
        return;
    }
    memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void w_mem(wbuf *w, const void *src, size_t n)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t i;
    if (!w->b64) {
        w_raw(w, src, n);
        return;
    }
    for (i = 0; i < n; i++) {
        w->acc = (w->acc << 8) | s[i];
        if (++w->acc_n == 3) {
            char out[4];
            out[0] = b64u_alphabet[(w->acc >> 18) & 63];
            out[1] = b64u_alphabet[(w->acc >> 12) & 63];
            out[2] = b64u_alphabet[(w->acc >> 6) & 63];
            out[3] = b64u_alphabet[w->acc & 63];
            w_raw(w, out, 4);
            w->acc = 0;
            w->acc_n = 0;
        }
    }
}

static void w_b64_begin(wbuf *w)
{
    w->b64 = 1;
    w->acc = 0;
    w->acc_n = 0;
}

/* Flush the last 1..2 bytes, without padding (RFC 8555 6.1). */
static void w_b64_end(wbuf *w)
{
    char out[3];
    w->b64 = 0;
    if (w->acc_n == 1) {
        out[0] = b64u_alphabet[(w->acc >> 2) & 63];
        out[1] = b64u_alphabet[(w->acc << 4) & 63];
        w_raw(w, out, 2);
    } else if (w->acc_n == 2) {
        out[0] = b64u_alphabet[(w->acc >> 10) & 63];
        out[1] = b64u_alphabet[(w->acc >> 4) & 63];
        out[2] = b64u_alphabet[(w->acc << 2) & 63];
        w_raw(w, out, 3);
    }
    w->acc_n = 0;
}

static void w_str(wbuf *w, const char *s) { w_mem(w, s, strlen(s)); }

static void w_u64(wbuf *w, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    w_mem(w, tmp + i, sizeof(tmp) - i);
}

/* NUL-terminate in place (the NUL is not counted); returns the string. */
static const char *w_cstr(wbuf *w)
{
    if (w->len >= w->cap) {
        w->overflow = 1;
        if (w->cap == 0)
            return "";
        w->len = w->cap - 1;
    }
    w->p[w->len] = 0;
    return w->p;
}

/* Copy a string into a fixed field, cutting it with "..." if needed. */
static void copy_cut(char *dst, size_t cap, const char *src, size_t n)
{
    if (cap == 0)
        return;
    if (n < cap) {
        memcpy(dst, src, n);
        dst[n] = 0;
        return;
    }
    memcpy(dst, src, cap - 1);
    dst[cap - 1] = 0;
    if (cap > 4)
        memcpy(dst + cap - 4, "...", 3);
}

/* Copy a string that must fit; returns 0 or -1. */
static int copy_fit(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        return -1;
    memcpy(dst, src, n);
    dst[n] = 0;
    return 0;
}

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (n--)
        *v++ = 0;
}

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int mem_ieq(const char *a, const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    return 1;
}

/* Logging: messages are compiled away above ACME5G_LOG_LEVEL.  Callers
 * never pass key material. */
static void log_msg2(acme5g_ctx *ctx, int level, const char *a, const char *b)
{
    char buf[ACME5G_URL_MAX + 96];
    wbuf w;
    if (!ctx->port.log)
        return;
    w_init(&w, buf, sizeof(buf));
    w_str(&w, a);
    if (b)
        w_str(&w, b);
    ctx->port.log(ctx->port.user, level, w_cstr(&w));
}
#define LOG_AT(lvl, ctx, a, b) \
    do { if ((lvl) <= ACME5G_LOG_LEVEL) log_msg2((ctx), (lvl), (a), (b)); } while (0)
#define LOG_ERR(ctx, a, b) LOG_AT(0, ctx, a, b)
#define LOG_WARN(ctx, a, b) LOG_AT(1, ctx, a, b)
#define LOG_INFO(ctx, a, b) LOG_AT(2, ctx, a, b)
#define LOG_DEBUG(ctx, a, b) LOG_AT(3, ctx, a, b)

/* ==========================================================================
 * 1. Bytes and encodings
 * ======================================================================== */

#if ACME5G_WITH_EAB || ACME5G_WITH_TKAUTH
/* base64url without padding (RFC 4648 5); '=' and any byte outside the
 * alphabet is refused, and so are non-zero unused bits.  Returns the decoded
 * length or -1. */
static long b64u_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    unsigned acc = 0;
    size_t i, o = 0;
    int bits = 0;
    if (n % 4 == 1)
        return -1;
    for (i = 0; i < n; i++) {
        const char *at = memchr(b64u_alphabet, s[i], 64);
        if (!at || !s[i])
            return -1;
        acc = (acc << 6) | (unsigned)(at - b64u_alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0)
        return -1;
    return (long)o;
}
#endif

static int b64u_valid_token(const char *s, size_t n)
{
    size_t i;
    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* Write bytes as base64url (through w, which may itself be in b64 mode). */
static void w_b64u(wbuf *w, const void *data, size_t n)
{
    const unsigned char *d = (const unsigned char *)data;
    size_t i;
    for (i = 0; i + 3 <= n; i += 3) {
        char o[4];
        unsigned v = ((unsigned)d[i] << 16) | ((unsigned)d[i + 1] << 8) | d[i + 2];
        o[0] = b64u_alphabet[v >> 18];
        o[1] = b64u_alphabet[(v >> 12) & 63];
        o[2] = b64u_alphabet[(v >> 6) & 63];
        o[3] = b64u_alphabet[v & 63];
        w_mem(w, o, 4);
    }
    if (n - i == 1) {
        char o[2];
        o[0] = b64u_alphabet[d[i] >> 2];
        o[1] = b64u_alphabet[(d[i] & 3) << 4];
        w_mem(w, o, 2);
    } else if (n - i == 2) {
        char o[3];
        unsigned v = ((unsigned)d[i] << 8) | d[i + 1];
        o[0] = b64u_alphabet[v >> 10];
        o[1] = b64u_alphabet[(v >> 4) & 63];
        o[2] = b64u_alphabet[(v << 2) & 63];
        w_mem(w, o, 3);
    }
}

static void w_hex(wbuf *w, const unsigned char *d, size_t n)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t i;
    for (i = 0; i < n; i++) {
        char o[2];
        o[0] = hx[d[i] >> 4];
        o[1] = hx[d[i] & 15];
        w_mem(w, o, 2);
    }
}

/* --- DER writer: nested TLVs with lengths fixed up when closed. --- */
#define DER_DEPTH 12
typedef struct der_w {
    unsigned char *buf;
    size_t cap, len;
    int overflow;
    size_t open[DER_DEPTH];
    int depth;
} der_w;

static void der_init(der_w *d, unsigned char *buf, size_t cap)
{
    memset(d, 0, sizeof(*d));
    d->buf = buf;
    d->cap = cap;
}

static void der_bytes(der_w *d, const void *src, size_t n)
{
    if (d->overflow || n > d->cap - d->len) {
        d->overflow = 1;
        return;
    }
    memcpy(d->buf + d->len, src, n);
    d->len += n;
}

/* Open a constructed (or any) TLV: writes the tag and a 1-byte length
 * placeholder, moved when the content turns out to need a longer form. */
static void der_open(der_w *d, unsigned char tag)
{
    unsigned char hdr[2];
    hdr[0] = tag;
    hdr[1] = 0;
    if (d->depth >= DER_DEPTH) {
        d->overflow = 1;
        return;
    }
    d->open[d->depth++] = d->len;
    der_bytes(d, hdr, 2);
}

static void der_close(der_w *d)
{
    size_t start, content, clen, extra;
    if (d->depth == 0) {
        d->overflow = 1;
        return;
    }
    start = d->open[--d->depth];
    if (d->overflow)
        return;
    content = start + 2;
    clen = d->len - content;
    extra = clen < 0x80 ? 0 : clen < 0x100 ? 1 : clen < 0x10000 ? 2 : 3;
    if (extra > d->cap - d->len) {
        d->overflow = 1;
        return;
    }
    if (extra) {
        size_t j;
        memmove(d->buf + content + extra, d->buf + content, clen);
        d->len += extra;
        d->buf[start + 1] = (unsigned char)(0x80 | extra);
        for (j = 0; j < extra; j++)
            d->buf[start + 2 + j] = (unsigned char)(clen >> (8 * (extra - 1 - j)));
    } else {
        d->buf[start + 1] = (unsigned char)clen;
    }
}

static void der_tlv(der_w *d, unsigned char tag, const void *v, size_t n)
{
    der_open(d, tag);
    der_bytes(d, v, n);
    der_close(d);
}

/* --- DER reader --- */
typedef struct der_r {
    const unsigned char *p, *end;
} der_r;

/* Read one TLV (single-byte tags only, definite lengths up to 4 bytes). */
static int der_next(der_r *r, int *tag, der_r *val)
{
    size_t len, avail;
    if (r->p >= r->end || r->end - r->p < 2)
        return -1;
    avail = (size_t)(r->end - r->p);
    *tag = r->p[0];
    if ((*tag & 0x1f) == 0x1f)
        return -1;
    len = r->p[1];
    r->p += 2;
    avail -= 2;
    if (len & 0x80) {
        size_t nb = len & 0x7f, i;
        if (nb == 0 || nb > 4 || nb > avail)
            return -1;
        len = 0;
        for (i = 0; i < nb; i++)
            len = (len << 8) | *r->p++;
        avail -= nb;
    }
    if (len > avail)
        return -1;
    val->p = r->p;
    val->end = r->p + len;
    r->p += len;
    return 0;
}

static int der_expect(der_r *r, int want, der_r *val)
{
    int tag;
    if (der_next(r, &tag, val) || tag != want)
        return -1;
    return 0;
}

/* --- Dates --- */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int parse_digits(const char *s, size_t n, unsigned *out)
{
    size_t i;
    unsigned v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int civil_to_unix(unsigned y, unsigned mo, unsigned d, unsigned h,
                         unsigned mi, unsigned s, int64_t *out)
{
    static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        h > 23 || mi > 59 || s > 60)
        return -1;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return 0;
}

/* X.509 UTCTime (tag 0x17, YYMMDDHHMMSSZ) or GeneralizedTime (0x18,
 * YYYYMMDDHHMMSSZ), as RFC 5280 4.1.2.5 restricts them. */
static int x509_time(int tag, const unsigned char *v, size_t n, int64_t *out)
{
    const char *s = (const char *)v;
    unsigned y, mo, d, h, mi, sec;
    if (tag == 0x17 && n == 13 && s[12] == 'Z') {
        if (parse_digits(s, 2, &y))
            return -1;
        y += y < 50 ? 2000 : 1900;
        s += 2;
    } else if (tag == 0x18 && n == 15 && s[14] == 'Z') {
        if (parse_digits(s, 4, &y))
            return -1;
        s += 4;
    } else {
        return -1;
    }
    if (parse_digits(s, 2, &mo) || parse_digits(s + 2, 2, &d) ||
        parse_digits(s + 4, 2, &h) || parse_digits(s + 6, 2, &mi) ||
        parse_digits(s + 8, 2, &sec))
        return -1;
    return civil_to_unix(y, mo, d, h, mi, sec, out);
}

/* UTCTime (YYMMDDHHMMSSZ) of a Unix time in 1950..2049 (RFC 5280 4.1.2.5.1). */
static void utc_time(int64_t t, char out[13])
{
    int64_t days = (t >= 0 ? t : t - 86399) / 86400, secs = t - days * 86400;
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    unsigned v[6], i;
    v[0] = (unsigned)(y % 100);
    v[1] = m;
    v[2] = d;
    v[3] = (unsigned)(secs / 3600);
    v[4] = (unsigned)(secs / 60 % 60);
    v[5] = (unsigned)(secs % 60);
    for (i = 0; i < 6; i++) {
        out[2 * i] = (char)('0' + v[i] / 10);
        out[2 * i + 1] = (char)('0' + v[i] % 10);
    }
    out[12] = 'Z';
}

/* IMF-fixdate (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT". */
static int http_date(const char *s, size_t n, int64_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    unsigned d, y, h, mi, sec, mo;
    if (n != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s[19] != ':' || s[22] != ':' || memcmp(s + 25, " GMT", 4))
        return -1;
    for (mo = 0; mo < 12; mo++)
        if (!memcmp(months + 3 * mo, s + 8, 3))
            break;
    if (mo == 12 || parse_digits(s + 5, 2, &d) || parse_digits(s + 12, 4, &y) ||
        parse_digits(s + 17, 2, &h) || parse_digits(s + 20, 2, &mi) ||
        parse_digits(s + 23, 2, &sec))
        return -1;
    return civil_to_unix(y, mo + 1, d, h, mi, sec, out);
}

/* RFC 3339 date-time: "2025-01-02T04:05:06Z", fractions ignored, numeric
 * offsets applied. */
static int rfc3339_parse(const char *s, size_t n, int64_t *out)
{
    unsigned y, mo, d, h, mi, sec, oh, om;
    size_t i = 19;
    int64_t t;
    if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':' || parse_digits(s, 4, &y) || parse_digits(s + 5, 2, &mo) ||
        parse_digits(s + 8, 2, &d) || parse_digits(s + 11, 2, &h) ||
        parse_digits(s + 14, 2, &mi) || parse_digits(s + 17, 2, &sec) ||
        civil_to_unix(y, mo, d, h, mi, sec, &t))
        return -1;
    if (s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
        if (i == 20)
            return -1;
    }
    if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
        *out = t;
        return 0;
    }
    if (i + 6 != n || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':' ||
        parse_digits(s + i + 1, 2, &oh) || parse_digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
        return -1;
    t += (s[i] == '+' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
    *out = t;
    return 0;
}

/* --- IP addresses --- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static int ip4_parse(const char *s, size_t n, unsigned char out[4])
{
    size_t i = 0;
    int part;
    for (part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (unsigned)(s[i] - '0');
            if (v > 255 || i - start > 2)
                return -1;
            i++;
        }
        if (i == start || (i - start > 1 && s[start] == '0'))
            return -1;
        out[part] = (unsigned char)v;
        if (part < 3) {
            if (i >= n || s[i] != '.')
                return -1;
            i++;
        }
    }
    return i == n ? 0 : -1;
}

static int ip6_parse(const char *s, size_t n, unsigned char out[16])
{
    unsigned short g[8];
    int count = 0, gap = -1, i;
    size_t p = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        p = 2;
    } else if (n && s[0] == ':') {
        return -1;
    }
    while (p < n) {
        unsigned v = 0;
        size_t start = p;
        if (count == 8)
            return -1;
        while (p < n && hexval((unsigned char)s[p]) >= 0 && p - start < 4)
            v = (v << 4) | (unsigned)hexval((unsigned char)s[p++]);
        if (p == start)
            return -1;
        g[count++] = (unsigned short)v;
        if (p == n)
            break;
        if (s[p] != ':')
            return -1;
        p++;
        if (p < n && s[p] == ':') {
            if (gap >= 0)
                return -1;
            gap = count;
            p++;
        } else if (p == n) {
            return -1;
        }
    }
    if (gap < 0 ? count != 8 : count > 7)
        return -1;
    memset(out, 0, 16);
    for (i = 0; i < count; i++) {
        int at = (gap >= 0 && i >= gap) ? 8 - (count - i) : i;
        out[2 * at] = (unsigned char)(g[i] >> 8);
        out[2 * at + 1] = (unsigned char)g[i];
    }
    return 0;
}

/* IPv4 dotted quad or IPv6 text (no brackets, no zone, no embedded IPv4);
 * returns the address length (4 or 16) or 0. */
static size_t ip_parse(const char *s, size_t n, unsigned char out[16])
{
    if (ip4_parse(s, n, out) == 0)
        return 4;
    if (ip6_parse(s, n, out) == 0)
        return 16;
    return 0;
}

/* RFC 5952 text of an address (lower case, longest zero run as "::"). */
static void w_ip(wbuf *w, const unsigned char *a, size_t len)
{
    static const char hx[] = "0123456789abcdef";
    int i, best = -1, best_len = 1, run = 0;
    if (len == 4) {
        for (i = 0; i < 4; i++) {
            if (i)
                w_str(w, ".");
            w_u64(w, a[i]);
        }
        return;
    }
    for (i = 0; i < 8; i++) {
        run = (a[2 * i] | a[2 * i + 1]) ? 0 : run + 1;
        if (run > best_len) {
            best_len = run;
            best = i - run + 1;
        }
    }
    for (i = 0; i < 8; i++) {
        unsigned v = ((unsigned)a[2 * i] << 8) | a[2 * i + 1];
        char tmp[4];
        int k = 4, started = 0, j;
        if (i == best) {
            w_str(w, "::");
            i += best_len - 1;
            continue;
        }
        if (i && i != best + best_len)
            w_str(w, ":");
        for (j = 0; j < 4; j++) {
            unsigned nib = (v >> (12 - 4 * j)) & 15;
            if (nib || started || j == 3) {
                tmp[4 - k] = hx[nib];
                k--;
                started = 1;
            }
        }
        w_mem(w, tmp, (size_t)(4 - k));
    }
}

/* A DNS name as an ACME identifier: 1..253 chars of LDH labels, an optional
 * leading "*." for wildcards. */
static int dns_name_valid(const char *s)
{
    size_t n = strlen(s), i, label = 0;
    if (n == 0 || n > 253)
        return 0;
    if (n > 2 && s[0] == '*' && s[1] == '.') {
        s += 2;
        n -= 2;
    }
    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return 0;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return label > 0 && s[n - 1] != '-';
}

/* An NF instance ID identifier; constant 0 without the NF profile, so that
 * its code is left out. */
#define IS_NF_INSTANCE(id) (ACME5G_WITH_TKAUTH && (id)->type == ACME5G_ID_NF_INSTANCE)

/* An NF instance ID (TS 29.571): a UUID in 8-4-4-4-12 hex form. */
static int uuid_valid(const char *s)
{
    size_t i;
    if (strlen(s) != 36)
        return 0;
    for (i = 0; i < 36; i++)
        if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : hexval(s[i]) < 0)
            return 0;
    return 1;
}

/* A UUID as Annex J wants it on the wire: lower case. */
static void w_lower(wbuf *w, const char *s)
{
    for (; *s; s++) {
        char c = (char)lower((unsigned char)*s);
        w_mem(w, &c, 1);
    }
}

/* --- PEM: find the DER of the idx-th object with the given banner. --- */

typedef struct pem_sink {
    unsigned char *buf;
    size_t cap, len;
    int overflow;
} pem_sink;

static void pem_dest(void *c, const void *data, size_t len)
{
    pem_sink *s = (pem_sink *)c;
    if (!s->buf)
        return; /* counting only */
    if (s->overflow || len > s->cap - s->len) {
        s->overflow = 1;
        return;
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
}

/* Decode PEM objects one by one.  `*off` is the read position, kept
 * between calls.  Returns 1 with the DER of the next object whose banner
 * matches one of `banners` ("|"-separated) in out, 0 at the end, -1 on a
 * malformed PEM or a too small `cap`.  Objects with other banners are
 * skipped. */
static int pem_next(const char *pem, size_t len, size_t *off, const char *banners,
                    unsigned char *out, size_t cap, size_t *out_len)
{
    br_pem_decoder_context pc;
    pem_sink sink;
    int in_obj = 0, want = 0;
    br_pem_decoder_init(&pc);
    sink.buf = out;
    sink.cap = cap;
    sink.len = 0;
    sink.overflow = 0;
    while (*off < len || in_obj) {
        size_t n = *off < len ? br_pem_decoder_push(&pc, pem + *off, len - *off) : 0;
        *off += n;
        switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ: {
            const char *name = br_pem_decoder_name(&pc);
            size_t nl = strlen(name);
            const char *b = banners;
            want = 0;
            while (*b) {
                const char *e = strchr(b, '|');
                size_t bl = e ? (size_t)(e - b) : strlen(b);
                if (bl == nl && !memcmp(b, name, nl))
                    want = 1;
                b += bl + (e ? 1 : 0);
            }
            in_obj = 1;
            sink.len = 0;
            sink.overflow = 0;
            br_pem_decoder_setdest(&pc, want ? pem_dest : NULL, &sink);
            break;
        }
        case BR_PEM_END_OBJ:
            in_obj = 0;
            if (want) {
                if (sink.overflow)
                    return -1;
                *out_len = sink.len;
                return 1;
            }
            break;
        case BR_PEM_ERROR:
            return -1;
        default:
            if (n == 0 && *off >= len)
                return in_obj ? -1 : 0;
            break;
        }
    }
    return 0;
}

/* --- X.509 certificate fields (BearSSL 0.6 exposes none of these) --- */

typedef struct x509_fields {
    der_r serial, issuer, spki, san, aki;
    int64_t not_before_s, not_after_s;
    int have_san, have_aki;
} x509_fields;

static const unsigned char oid_san[] = { 0x55, 0x1d, 0x11 };
static const unsigned char oid_aki[] = { 0x55, 0x1d, 0x23 };

static int x509_parse(const unsigned char *der, size_t len, x509_fields *f)
{
    der_r top, cert, tbs, v, validity, exts;
    int tag;
    memset(f, 0, sizeof(*f));
    top.p = der;
    top.end = der + len;
    if (der_expect(&top, 0x30, &cert) || der_expect(&cert, 0x30, &tbs))
        return -1;
    if (der_next(&tbs, &tag, &v))
        return -1;
    if (tag == 0xa0 && der_next(&tbs, &tag, &v))
        return -1;
    if (tag != 0x02)
        return -1;
    f->serial = v;
    if (der_expect(&tbs, 0x30, &v) || der_expect(&tbs, 0x30, &f->issuer) ||
        der_expect(&tbs, 0x30, &validity))
        return -1;
    if (der_next(&validity, &tag, &v) ||
        x509_time(tag, v.p, (size_t)(v.end - v.p), &f->not_before_s) ||
        der_next(&validity, &tag, &v) ||
        x509_time(tag, v.p, (size_t)(v.end - v.p), &f->not_after_s))
        return -1;
    if (der_expect(&tbs, 0x30, &v) || der_expect(&tbs, 0x30, &f->spki))
        return -1;
    while (tbs.p < tbs.end) {
        if (der_next(&tbs, &tag, &v))
            return -1;
        if (tag != 0xa3)
            continue;
        if (der_expect(&v, 0x30, &exts))
            return -1;
        while (exts.p < exts.end) {
            der_r ext, oid, val;
            if (der_expect(&exts, 0x30, &ext) || der_expect(&ext, 0x06, &oid) ||
                der_next(&ext, &tag, &val))
                return -1;
            if (tag == 0x01 && der_next(&ext, &tag, &val))
                return -1;
            if (tag != 0x04)
                return -1;
            if ((size_t)(oid.end - oid.p) == sizeof(oid_san) &&
                !memcmp(oid.p, oid_san, sizeof(oid_san))) {
                if (der_expect(&val, 0x30, &f->san))
                    return -1;
                f->have_san = 1;
            } else if ((size_t)(oid.end - oid.p) == sizeof(oid_aki) &&
                       !memcmp(oid.p, oid_aki, sizeof(oid_aki))) {
                /* AuthorityKeyIdentifier ::= SEQUENCE { [0] keyIdentifier ... } */
                der_r seq;
                if (der_expect(&val, 0x30, &seq))
                    return -1;
                if (seq.p < seq.end && seq.p[0] == 0x80 && der_expect(&seq, 0x80, &f->aki) == 0)
                    f->have_aki = 1;
            }
        }
    }
    return 0;
}

/* The EC point of a SubjectPublicKeyInfo (without the BIT STRING's 00). */
static int spki_ec_point(const der_r *spki, der_r *point)
{
    der_r s = *spki, alg, bits;
    if (der_expect(&s, 0x30, &alg) || der_expect(&s, 0x03, &bits) ||
        bits.end - bits.p < 2 || bits.p[0] != 0)
        return -1;
    point->p = bits.p + 1;
    point->end = bits.end;
    return 0;
}

/* Does the SAN hold this identifier?  DNS names compare case-insensitively. */
static int san_has(const der_r *san, int want_tag, const void *v, size_t n)
{
    der_r s = *san, gn;
    int tag;
    while (s.p < s.end) {
        if (der_next(&s, &tag, &gn))
            return 0;
        if (tag == want_tag && (size_t)(gn.end - gn.p) == n &&
            (want_tag == 0x82 ? mem_ieq((const char *)gn.p, (const char *)v, n)
                              : !memcmp(gn.p, v, n)))
            return 1;
    }
    return 0;
}

/* ==========================================================================
 * 2. HTTP over TLS
 * ======================================================================== */

enum { CT_OTHER = 0, CT_JSON, CT_PROBLEM, CT_PEM_CHAIN };

#define HTTP_MAX_HEADERS 64
#define IO_TIMEOUT (-10)

static uint32_t time_left_ms(acme5g_ctx *ctx)
{
    uint64_t now = ctx->port.monotonic_ms(ctx->port.user);
    if (now >= ctx->deadline_ms)
        return 0;
    return (ctx->deadline_ms - now) > 0xffffffffu ? 0xffffffffu
                                                   : (uint32_t)(ctx->deadline_ms - now);
}

static int set_error(acme5g_ctx *ctx, int err)
{
    ctx->last_error = err;
    return err;
}

/* A parsed https URL: host (brackets stripped), port, path+query. */
typedef struct url_parts {
    char host[128];
    uint16_t port;
    const char *path; /* points into the URL; "/" when empty */
    int is_ip;
    unsigned char ip[16];
    size_t ip_len;
} url_parts;

static int url_parse(const char *url, url_parts *u)
{
    const char *h, *he, *p;
    size_t hl;
    memset(u, 0, sizeof(*u));
    if (strncmp(url, "https://", 8))
        return ACME5G_ERR_URL;
    h = url + 8;
    if (*h == '[') {
        he = strchr(h, ']');
        if (!he)
            return ACME5G_ERR_URL;
        h++;
        p = he + 1;
    } else {
        he = h + strcspn(h, ":/?#");
        p = he;
    }
    hl = (size_t)(he - h);
    if (hl == 0 || copy_fit(u->host, sizeof(u->host), h, hl))
        return ACME5G_ERR_URL;
    u->port = 443;
    if (*p == ':') {
        unsigned v = 0;
        p++;
        if (*p < '0' || *p > '9')
            return ACME5G_ERR_URL;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (unsigned)(*p++ - '0');
            if (v > 65535)
                return ACME5G_ERR_URL;
        }
        if (v == 0)
            return ACME5G_ERR_URL;
        u->port = (uint16_t)v;
    }
    if (*p != '/' && *p != 0 && *p != '?')
        return ACME5G_ERR_URL;
    u->path = *p ? p : "/";
    for (; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '#')
            return ACME5G_ERR_URL;
    u->ip_len = ip_parse(u->host, hl, u->ip);
    u->is_ip = u->ip_len != 0;
    if (!u->is_ip && !dns_name_valid(u->host))
        return ACME5G_ERR_URL;
    return ACME5G_OK;
}

/* --- X.509 wrapper: BearSSL's minimal engine, plus an iPAddress SAN check
 * when the server was addressed by IP literal (the minimal engine matches
 * DNS names only).  The leaf is captured into ctx->body during the
 * handshake: nothing in the body is live while a connection opens. --- */

#define CTX_OF_X509(pp) \
    ((acme5g_ctx *)(void *)((char *)(pp) - offsetof(acme5g_ctx, x509_vtable)))

static void xw_start_chain(const br_x509_class **pp, const char *server_name)
{
    acme5g_ctx *ctx = CTX_OF_X509(pp);
    ctx->leaf_index = -1;
    ctx->leaf_len = 0;
    ctx->x509.vtable->start_chain(&ctx->x509.vtable, server_name);
}

static void xw_start_cert(const br_x509_class **pp, uint32_t length)
{
    acme5g_ctx *ctx = CTX_OF_X509(pp);
    ctx->leaf_index++;
    ctx->x509.vtable->start_cert(&ctx->x509.vtable, length);
}

static void xw_append(const br_x509_class **pp, const unsigned char *buf, size_t len)
{
    acme5g_ctx *ctx = CTX_OF_X509(pp);
    if (ctx->leaf_index == 0 && ctx->conn_ip_literal) {
        if (len <= ACME5G_BODY_MAX - ctx->leaf_len) {
            memcpy(ctx->body + ctx->leaf_len, buf, len);
            ctx->leaf_len += len;
        } else {
            ctx->leaf_len = ACME5G_BODY_MAX + 1; /* marks "did not fit" */
        }
    }
    ctx->x509.vtable->append(&ctx->x509.vtable, buf, len);
}

static void xw_end_cert(const br_x509_class **pp)
{
    acme5g_ctx *ctx = CTX_OF_X509(pp);
    ctx->x509.vtable->end_cert(&ctx->x509.vtable);
}

static unsigned xw_end_chain(const br_x509_class **pp)
{
    acme5g_ctx *ctx = CTX_OF_X509(pp);
    unsigned r = ctx->x509.vtable->end_chain(&ctx->x509.vtable);
    x509_fields f;
    if (r != 0 || !ctx->conn_ip_literal)
        return r;
    if (ctx->leaf_len > ACME5G_BODY_MAX || x509_parse(ctx->body, ctx->leaf_len, &f) ||
        !f.have_san || !san_has(&f.san, 0x87, ctx->conn_ip, ctx->conn_ip_len))
        return BR_ERR_X509_BAD_SERVER_NAME;
    return 0;
}

static const br_x509_pkey *xw_get_pkey(const br_x509_class *const *pp, unsigned *usages)
{
    const acme5g_ctx *ctx = (const acme5g_ctx *)(const void *)((const char *)pp -
                                                              offsetof(acme5g_ctx, x509_vtable));
    return ctx->x509.vtable->get_pkey(&ctx->x509.vtable, usages);
}

static const br_x509_class x509_wrapper_class = {
    sizeof(const br_x509_class *),
    xw_start_chain, xw_start_cert, xw_append, xw_end_cert, xw_end_chain, xw_get_pkey
};

/* --- Port glue for br_sslio: every call gets the time left. --- */

/* What br_sslio gets from one port call: the bytes (> 0), or -1 with
 * io_error saying why (0 from the port: the time left ran out). */
static int io_port_result(acme5g_ctx *ctx, int r)
{
    if (r > 0)
        return r;
    ctx->io_error = r == 0 ? ACME5G_ERR_TIMEOUT
                  : r == ACME5G_PORT_CLOSED ? ACME5G_ERR_NET_CLOSED : ACME5G_ERR_NET;
    return -1;
}

static int io_port_read(void *c, unsigned char *buf, size_t len)
{
    acme5g_ctx *ctx = (acme5g_ctx *)c;
    uint32_t left = time_left_ms(ctx);
    return io_port_result(ctx, left ? ctx->port.recv(ctx->port.user, ctx->sock, buf, len, left)
                                    : 0);
}

static int io_port_write(void *c, const unsigned char *buf, size_t len)
{
    acme5g_ctx *ctx = (acme5g_ctx *)c;
    uint32_t left = time_left_ms(ctx);
    return io_port_result(ctx, left ? ctx->port.send(ctx->port.user, ctx->sock, buf, len, left)
                                    : 0);
}

/* Crypto implementations.  The full profile takes BearSSL's defaults (the
 * fastest for the build target); the minimal one names one implementation
 * of each, so a firmware image links nothing else: constant-time i31
 * arithmetic, P-256 only, AES-CT with GHASH-ctmul32. */
#if ACME5G_TLS_MINIMAL
#define CRYPTO_EC() (&br_ec_p256_m31)
#define CRYPTO_ECDSA_SIGN_RAW br_ecdsa_i31_sign_raw
#define CRYPTO_ECDSA_SIGN_ASN1 br_ecdsa_i31_sign_asn1
#define CRYPTO_ECDSA_VRFY_ASN1 br_ecdsa_i31_vrfy_asn1
#define CRYPTO_RSA_VRFY br_rsa_i31_pkcs1_vrfy
#else
#define CRYPTO_EC() br_ec_get_default()
#define CRYPTO_ECDSA_SIGN_RAW br_ecdsa_sign_raw_get_default()
#define CRYPTO_ECDSA_SIGN_ASN1 br_ecdsa_sign_asn1_get_default()
#define CRYPTO_ECDSA_VRFY_ASN1 br_ecdsa_vrfy_asn1_get_default()
#define CRYPTO_RSA_VRFY br_rsa_pkcs1_vrfy_get_default()
#endif

/* Client profile: TLS 1.2, ECDHE with ECDSA or RSA server keys, AES-GCM
 * (and, in the full profile, ChaCha20-Poly1305 and AES-256), SHA-256/384
 * (BearSSL samples/custom_profile.c shows the pattern). */
static void tls_profile(acme5g_ctx *ctx)
{
    static const uint16_t suites[] = {
        BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
#if !ACME5G_TLS_ECDSA_ONLY
        BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
#endif
#if !ACME5G_TLS_MINIMAL
        BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
#if !ACME5G_TLS_ECDSA_ONLY
        BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
#endif
        BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
#if !ACME5G_TLS_ECDSA_ONLY
        BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
#endif
#endif
    };
    br_ssl_client_context *cc = &ctx->tls.client;
    br_x509_minimal_context *xc = &ctx->x509;

    br_ssl_client_zero(cc);
    br_ssl_engine_set_versions(&cc->eng, BR_TLS12, BR_TLS12);
    br_ssl_engine_set_suites(&cc->eng, suites, COUNT(suites));
    br_ssl_engine_set_hash(&cc->eng, br_sha256_ID, &br_sha256_vtable);
#if ACME5G_WITH_SHA384
    br_ssl_engine_set_hash(&cc->eng, br_sha384_ID, &br_sha384_vtable);
#endif
    br_ssl_engine_set_prf_sha256(&cc->eng, &br_tls12_sha256_prf);
    br_ssl_engine_set_ec(&cc->eng, CRYPTO_EC());
    br_ssl_engine_set_ecdsa(&cc->eng, CRYPTO_ECDSA_VRFY_ASN1);
#if !ACME5G_TLS_ECDSA_ONLY
    br_ssl_engine_set_rsavrfy(&cc->eng, CRYPTO_RSA_VRFY);
#endif
#if ACME5G_TLS_MINIMAL
    br_ssl_engine_set_gcm(&cc->eng, &br_sslrec_in_gcm_vtable, &br_sslrec_out_gcm_vtable);
    br_ssl_engine_set_aes_ctr(&cc->eng, &br_aes_ct_ctr_vtable);
    br_ssl_engine_set_ghash(&cc->eng, br_ghash_ctmul32);
#else
    br_ssl_engine_set_hash(&cc->eng, br_sha512_ID, &br_sha512_vtable);
    br_ssl_engine_set_prf_sha384(&cc->eng, &br_tls12_sha384_prf);
    br_ssl_engine_set_default_aes_gcm(&cc->eng);
    br_ssl_engine_set_default_chapol(&cc->eng);
#endif

    if (ctx->conn_authority)
        br_x509_minimal_init(xc, &br_sha256_vtable,
                             &ctx->tas[ACME5G_MAX_TRUST_ANCHORS - ctx->authority_ta_count],
                             ctx->authority_ta_count);
    else
        br_x509_minimal_init(xc, &br_sha256_vtable, ctx->tas, ctx->ta_count);
    br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
#if ACME5G_WITH_SHA384
    br_x509_minimal_set_hash(xc, br_sha384_ID, &br_sha384_vtable);
#endif
#if !ACME5G_TLS_MINIMAL
    br_x509_minimal_set_hash(xc, br_sha512_ID, &br_sha512_vtable);
#endif
#if !ACME5G_TLS_ECDSA_ONLY
    br_x509_minimal_set_rsa(xc, CRYPTO_RSA_VRFY);
#endif
    br_x509_minimal_set_ecdsa(xc, CRYPTO_EC(), CRYPTO_ECDSA_VRFY_ASN1);
    ctx->x509_vtable = &x509_wrapper_class;
    br_ssl_engine_set_x509(&cc->eng, &ctx->x509_vtable);
    br_ssl_engine_set_buffer(&cc->eng, ctx->tls_buf, sizeof(ctx->tls_buf), 0);
    /* mutual TLS, only with the shared client and the Token Authority: our
     * certificate (OAM's credential) is not offered to the ACME server */
#if ACME5G_WITH_MTLS
    if (ctx->own_chain_count && (ctx->conn_authority || ctx->conn_client_cert))
        br_ssl_client_set_single_ec(cc, ctx->own_chain, ctx->own_chain_count, &ctx->own_key.sk,
                                    BR_KEYTYPE_SIGN, ctx->own_issuer_key_type, CRYPTO_EC(),
                                    CRYPTO_ECDSA_SIGN_ASN1);
#endif
}

static int tls_error_code(int br_err)
{
    switch (br_err) {
    case BR_ERR_X509_NOT_TRUSTED: return ACME5G_ERR_TLS_UNTRUSTED;
    case BR_ERR_X509_BAD_SERVER_NAME: return ACME5G_ERR_TLS_NAME;
    case BR_ERR_X509_EXPIRED: return ACME5G_ERR_TLS_TIME;
    default: return ACME5G_ERR_TLS;
    }
}

static void conn_close(acme5g_ctx *ctx)
{
    if (ctx->sock >= 0) {
        ctx->port.close(ctx->port.user, ctx->sock);
        ctx->sock = -1;
    }
    ctx->conn_requests = 0;
}

static int entropy_get(acme5g_ctx *ctx, unsigned char *buf, size_t len)
{
    if (ctx->port.entropy(ctx->port.user, buf, len) != 0)
        return ACME5G_ERR_ENTROPY;
    return ACME5G_OK;
}

/* Open a TLS connection to the URL's origin (the handshake itself runs
 * with the first request).  The previous session is offered for
 * resumption when it was with the same origin. */
static int conn_open(acme5g_ctx *ctx, const url_parts *u)
{
    unsigned char seed[32];
    int64_t now = ctx->port.now_s(ctx->port.user);
    int resume, sock;
    uint32_t left = time_left_ms(ctx);
    if ((ctx->conn_authority ? ctx->authority_ta_count : ctx->ta_count) == 0)
        return ACME5G_ERR_TRUST_ANCHOR;
    if (now < 1577836800) /* 2020-01-01: no usable wall clock */
        return ACME5G_ERR_CLOCK;
    if (left == 0)
        return ACME5G_ERR_TIMEOUT;
    if (entropy_get(ctx, seed, sizeof(seed)))
        return ACME5G_ERR_ENTROPY;
    sock = ctx->port.connect(ctx->port.user, u->host, u->port, left);
    if (sock < 0) {
        wipe(seed, sizeof(seed));
        return sock == ACME5G_PORT_TIMEOUT ? ACME5G_ERR_TIMEOUT : ACME5G_ERR_CONNECT;
    }
    ctx->sock = sock;
    ctx->conn_requests = 0;
    resume = ctx->have_session && ctx->conn_port == u->port &&
             !strcmp(ctx->conn_host, u->host);
    memcpy(ctx->conn_host, u->host, sizeof(ctx->conn_host));
    ctx->conn_port = u->port;
    ctx->conn_ip_literal = u->is_ip;
    memcpy(ctx->conn_ip, u->ip, sizeof(ctx->conn_ip));
    ctx->conn_ip_len = u->ip_len;

    tls_profile(ctx);
    br_x509_minimal_set_time(&ctx->x509, (uint32_t)(now / 86400 + 719528),
                             (uint32_t)(now % 86400));
    br_ssl_engine_inject_entropy(&ctx->tls.client.eng, seed, sizeof(seed));
    wipe(seed, sizeof(seed));
    if (resume)
        br_ssl_engine_set_session_parameters(&ctx->tls.client.eng, &ctx->session);
    /* No SNI and no DNS-name check for IP literals: the wrapper checks the
     * iPAddress SAN instead. */
    if (!br_ssl_client_reset(&ctx->tls.client, u->is_ip ? NULL : u->host, resume)) {
        conn_close(ctx);
        return ACME5G_ERR_TLS;
    }
    br_sslio_init(&ctx->io, &ctx->tls.client.eng, io_port_read, ctx, io_port_write, ctx);
    LOG_DEBUG(ctx, "connecting to ", u->host);
    return ACME5G_OK;
}

/* Map a failed br_sslio call to our code. */
static int io_failure(acme5g_ctx *ctx)
{
    int br = br_ssl_engine_last_error(&ctx->tls.client.eng);
    if (br != BR_ERR_OK && br != BR_ERR_IO) {
        ctx->last_tls_error = br;
        return tls_error_code(br);
    }
    return ctx->io_error ? ctx->io_error : ACME5G_ERR_NET_CLOSED;
}

/* One byte of the response, without copying through br_sslio when the
 * engine already holds decrypted data.  -1 on failure (see io_failure). */
static int io_getc(acme5g_ctx *ctx)
{
    size_t avail;
    unsigned char c, *p = br_ssl_engine_recvapp_buf(&ctx->tls.client.eng, &avail);
    if (p && avail) {
        c = p[0];
        br_ssl_engine_recvapp_ack(&ctx->tls.client.eng, 1);
        return c;
    }
    if (br_sslio_read(&ctx->io, &c, 1) != 1)
        return -1;
    return c;
}

static int io_read(acme5g_ctx *ctx, unsigned char *dst, size_t n)
{
    while (n) {
        size_t avail;
        unsigned char *p = br_ssl_engine_recvapp_buf(&ctx->tls.client.eng, &avail);
        if (p && avail) {
            size_t k = avail < n ? avail : n;
            memcpy(dst, p, k);
            br_ssl_engine_recvapp_ack(&ctx->tls.client.eng, k);
            dst += k;
            n -= k;
        } else {
            int r = br_sslio_read(&ctx->io, dst, n);
            if (r < 0)
                return -1;
            dst += r;
            n -= (size_t)r;
        }
    }
    return 0;
}

/* Read one CRLF-terminated line (a bare LF is accepted) into ctx->line.
 * Returns its length, or a negative acme5g error. */
static long http_line(acme5g_ctx *ctx)
{
    size_t n = 0;
    for (;;) {
        int c = io_getc(ctx);
        if (c < 0)
            return -(long)io_failure(ctx);
        if (c == '\n')
            break;
        if (n + 1 >= sizeof(ctx->line))
            return -(long)ACME5G_ERR_HEADER_TOO_LONG;
        ctx->line[n++] = (char)c;
    }
    if (n && ctx->line[n - 1] == '\r')
        n--;
    ctx->line[n] = 0;
    return (long)n;
}

static int parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (n == 0 || n > 20)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > max)
            return -1;
    }
    *out = v;
    return 0;
}

/* Does the link-param list (after the "<url>") contain rel=<want>, quoted
 * or not, possibly among other space-separated relation types? */
static int link_has_rel(const char *p, size_t n, const char *want)
{
    size_t wl = strlen(want), i = 0;
    while (i < n) {
        size_t v, e;
        while (i < n && (p[i] == ';' || p[i] == ' ' || p[i] == '\t'))
            i++;
        if (n - i >= 4 && mem_ieq(p + i, "rel=", 4)) {
            v = i + 4;
            if (v < n && p[v] == '"')
                v++;
            /* relation types are separated by spaces inside quotes */
            for (e = v;; e++) {
                if (e == n || p[e] == '"' || p[e] == ';' || p[e] == ' ') {
                    if (e - v == wl && mem_ieq(p + v, want, wl))
                        return 1;
                    if (e == n || p[e] != ' ')
                        break;
                    v = e + 1;
                }
            }
        }
        while (i < n && p[i] != ';')
            i++;
    }
    return 0;
}

/* Link header (RFC 8288): "<url>; rel=\"up\", <url2>; rel=alternate".
 * Several Link lines may come; each may hold several links. */
static void http_link(acme5g_ctx *ctx, const char *v)
{
    for (;;) {
        const char *lt = strchr(v, '<'), *gt, *end;
        if (!lt || !(gt = strchr(lt, '>')))
            return;
        /* the link-value ends at a comma outside quotes (RFC 8288 3) */
        {
            int quoted = 0;
            for (end = gt + 1; *end && (quoted || *end != ','); end++)
                if (*end == '"')
                    quoted = !quoted;
        }
        if (link_has_rel(gt + 1, (size_t)(end - gt - 1), "up"))
            (void)copy_fit(ctx->link_up, sizeof(ctx->link_up), lt + 1, (size_t)(gt - lt - 1));
        if (link_has_rel(gt + 1, (size_t)(end - gt - 1), "alternate") &&
            ctx->alt_count < ACME5G_MAX_ALTERNATES &&
            copy_fit(ctx->alt_urls[ctx->alt_count], ACME5G_URL_MAX, lt + 1,
                     (size_t)(gt - lt - 1)) == 0)
            ctx->alt_count++;
        if (!*end)
            return;
        v = end + 1;
    }
}

typedef struct http_framing {
    int chunked;
    int have_length;
    uint64_t length;
    int close;
} http_framing;

/* Interpret one header line; fields we do not use are ignored. */
static int http_header(acme5g_ctx *ctx, http_framing *fr, size_t n)
{
    char *line = ctx->line;
    char *colon = memchr(line, ':', n);
    const char *v;
    size_t nl, vl;
    if (!colon || colon == line)
        return ACME5G_ERR_HTTP;
    nl = (size_t)(colon - line);
    v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    vl = strlen(v);
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
        vl--;
    line[(v - line) + vl] = 0;

#define IS(name) (nl == sizeof(name) - 1 && mem_ieq(line, name, nl))
    if (IS("Replay-Nonce")) {
        if (!b64u_valid_token(v, vl) || copy_fit(ctx->nonce, sizeof(ctx->nonce), v, vl))
            ctx->nonce[0] = 0; /* an unusable nonce is no nonce */
    } else if (IS("Location")) {
        if (copy_fit(ctx->location, sizeof(ctx->location), v, vl))
            return ACME5G_ERR_URL_TOO_LONG;
    } else if (IS("Link")) {
        http_link(ctx, v);
    } else if (IS("Retry-After")) {
        uint64_t secs;
        int64_t when;
        if (parse_uint(v, vl, (uint64_t)1 << 40, &secs) == 0) {
            ctx->retry_after_s = secs > 86400 * 7 ? 86400 * 7 : (int32_t)secs;
        } else if (http_date(v, vl, &when) == 0) {
            int64_t d = when - ctx->port.now_s(ctx->port.user);
            ctx->retry_after_s = d < 0 ? 0 : d > 86400 * 7 ? 86400 * 7 : (int32_t)d;
        }
    } else if (IS("Content-Type")) {
        size_t ml = strcspn(v, "; \t");
        ctx->http_content_type =
            (ml == 16 && mem_ieq(v, "application/json", 16)) ? CT_JSON
            : (ml == 24 && mem_ieq(v, "application/problem+json", 24)) ? CT_PROBLEM
            : (ml == 33 && mem_ieq(v, "application/pem-certificate-chain", 33)) ? CT_PEM_CHAIN
            : CT_OTHER;
    } else if (IS("Content-Length")) {
        uint64_t len;
        if (parse_uint(v, vl, (uint64_t)1 << 40, &len) ||
            (fr->have_length && fr->length != len))
            return ACME5G_ERR_HTTP;
        fr->have_length = 1;
        fr->length = len;
    } else if (IS("Transfer-Encoding")) {
        if (vl == 7 && mem_ieq(v, "chunked", 7))
            fr->chunked = 1;
        else
            return ACME5G_ERR_HTTP; /* no other coding is acceptable to us */
    } else if (IS("Connection")) {
        if (vl == 5 && mem_ieq(v, "close", 5))
            fr->close = 1;
    }
#undef IS
    return ACME5G_OK;
}

static int body_append(acme5g_ctx *ctx, uint64_t n)
{
    if (n > ACME5G_BODY_MAX - ctx->body_len)
        return ACME5G_ERR_BODY_TOO_LARGE;
    if (io_read(ctx, ctx->body + ctx->body_len, (size_t)n))
        return io_failure(ctx);
    ctx->body_len += (size_t)n;
    return ACME5G_OK;
}

static int http_chunked_body(acme5g_ctx *ctx)
{
    for (;;) {
        long n = http_line(ctx);
        uint64_t size = 0;
        size_t i;
        if (n < 0)
            return (int)-n;
        for (i = 0; i < (size_t)n && hexval((unsigned char)ctx->line[i]) >= 0; i++) {
            size = (size << 4) | (uint64_t)hexval((unsigned char)ctx->line[i]);
            if (size > ACME5G_BODY_MAX)
                return ACME5G_ERR_BODY_TOO_LARGE;
        }
        if (i == 0 || (i < (size_t)n && ctx->line[i] != ';' && ctx->line[i] != ' ' &&
                       ctx->line[i] != '\t'))
            return ACME5G_ERR_HTTP;
        if (size == 0)
            break;
        {
            int err = body_append(ctx, size);
            if (err)
                return err;
        }
        n = http_line(ctx);
        if (n < 0)
            return (int)-n;
        if (n != 0)
            return ACME5G_ERR_HTTP;
    }
    /* trailer fields until the empty line; bounded like headers */
    {
        int count = 0;
        for (;;) {
            long n = http_line(ctx);
            if (n < 0)
                return (int)-n;
            if (n == 0)
                return ACME5G_OK;
            if (++count > HTTP_MAX_HEADERS)
                return ACME5G_ERR_HTTP;
        }
    }
}

/* Read to end of stream (a response without length framing). */
static int http_body_to_close(acme5g_ctx *ctx)
{
    for (;;) {
        int r;
        if (ctx->body_len >= ACME5G_BODY_MAX) {
            unsigned char extra;
            if (br_sslio_read(&ctx->io, &extra, 1) < 0)
                break;
            return ACME5G_ERR_BODY_TOO_LARGE;
        }
        r = br_sslio_read(&ctx->io, ctx->body + ctx->body_len, ACME5G_BODY_MAX - ctx->body_len);
        if (r < 0)
            break;
        ctx->body_len += (size_t)r;
    }
    {
        int br = br_ssl_engine_last_error(&ctx->tls.client.eng);
        if (br != BR_ERR_OK) {
            ctx->last_tls_error = br;
            return ACME5G_ERR_TLS; /* truncation without close_notify */
        }
    }
    return ACME5G_OK;
}

/* Read one response (status, headers, body) into the context. */
static int http_response(acme5g_ctx *ctx, int is_head, http_framing *fr)
{
    long n;
    int headers = 0, err;
    for (;;) {
        uint64_t status;
        n = http_line(ctx);
        if (n < 0)
            return (int)-n;
        if (n < 12 || memcmp(ctx->line, "HTTP/1.", 7) || ctx->line[8] != ' ' ||
            parse_uint(ctx->line + 9, 3, 999, &status) ||
            (ctx->line[12] != ' ' && ctx->line[12] != 0) || status < 100)
            return ACME5G_ERR_HTTP;
        ctx->http_status = (int)status;
        memset(fr, 0, sizeof(*fr));
        headers = 0; /* each (1xx or final) response has its own header limit */
        if (ctx->line[7] == '0')
            fr->close = 1;
        for (;;) {
            n = http_line(ctx);
            if (n < 0)
                return (int)-n;
            if (n == 0)
                break;
            if (++headers > HTTP_MAX_HEADERS)
                return ACME5G_ERR_HTTP;
            if (ctx->line[0] == ' ' || ctx->line[0] == '\t')
                return ACME5G_ERR_HTTP; /* obsolete folding: no server we talk to uses it */
            err = http_header(ctx, fr, (size_t)n);
            if (err)
                return err;
        }
        if (status >= 200)
            break; /* 1xx: interim, another response follows */
    }
    ctx->body_len = 0;
    if (is_head || ctx->http_status == 204 || ctx->http_status == 304)
        err = ACME5G_OK;
    else if (fr->chunked)
        err = fr->have_length ? ACME5G_ERR_HTTP : http_chunked_body(ctx);
    else if (fr->have_length)
        err = body_append(ctx, fr->length);
    else {
        fr->close = 1;
        err = http_body_to_close(ctx);
    }
    ctx->body[ctx->body_len] = 0;
    return err;
}

static void log_request(acme5g_ctx *ctx, const char *method, const char *url)
{
    char buf[16];
    wbuf w;
    w_init(&w, buf, sizeof(buf));
    w_str(&w, method);
    w_str(&w, " ");
    LOG_DEBUG(ctx, w_cstr(&w), url);
}

/* Send one request and read its response.  The connection to the origin is
 * reused; a reused connection that the server had closed is reopened once
 * and the same bytes are sent again (a spent nonce then comes back as
 * badNonce, which the JWS layer retries). */
static int http_request_ct(acme5g_ctx *ctx, const char *method, const char *url,
                           const unsigned char *body, size_t body_len, const char *content_type);

static int http_request(acme5g_ctx *ctx, const char *method, const char *url,
                        const unsigned char *body, size_t body_len)
{
    return http_request_ct(ctx, method, url, body, body_len, "application/jose+json");
}

/* Forget the last response before a request is sent: a request that fails
 * before any answer leaves status 0, which the retry below relies on. */
static void http_response_clear(acme5g_ctx *ctx)
{
    ctx->http_status = 0;
    ctx->http_content_type = CT_OTHER;
    ctx->location[0] = 0;
    ctx->link_up[0] = 0;
    ctx->alt_count = 0;
    ctx->retry_after_s = -1;
    ctx->nonce[0] = 0;
}

static int http_request_ct(acme5g_ctx *ctx, const char *method, const char *url,
                           const unsigned char *body, size_t body_len, const char *content_type)
{
    url_parts u;
    char head[ACME5G_URL_MAX + 256];
    wbuf w;
    int err, attempt;
    http_framing fr = { 0, 0, 0, 0 };

    err = url_parse(url, &u);
    if (err)
        return err;
    w_init(&w, head, sizeof(head));
    w_str(&w, method);
    w_str(&w, " ");
    w_str(&w, u.path);
    w_str(&w, " HTTP/1.1\r\nHost: ");
    if (u.ip_len == 16) {
        w_str(&w, "[");
        w_str(&w, u.host);
        w_str(&w, "]");
    } else {
        w_str(&w, u.host);
    }
    if (u.port != 443) {
        w_str(&w, ":");
        w_u64(&w, u.port);
    }
    w_str(&w, "\r\nUser-Agent: " USER_AGENT "\r\nAccept: */*\r\n");
    if (body) {
        w_str(&w, "Content-Type: ");
        w_str(&w, content_type);
        w_str(&w, "\r\nContent-Length: ");
        w_u64(&w, body_len);
        w_str(&w, "\r\n");
    }
    w_str(&w, "\r\n");
    if (w.overflow)
        return ACME5G_ERR_URL_TOO_LONG;

    if (ctx->sock >= 0 && (ctx->conn_port != u.port || strcmp(ctx->conn_host, u.host)))
        conn_close(ctx);
    for (attempt = 0; attempt < 2; attempt++) {
        int reused = ctx->sock >= 0 && ctx->conn_requests > 0;
        if (ctx->sock < 0) {
            err = conn_open(ctx, &u);
            if (err)
                return err;
        }
        log_request(ctx, method, url);
        ctx->io_error = 0;
        http_response_clear(ctx);
        ctx->conn_requests++;
        if (br_sslio_write_all(&ctx->io, head, w.len) < 0 ||
            (body && br_sslio_write_all(&ctx->io, body, body_len) < 0) ||
            br_sslio_flush(&ctx->io) < 0) {
            err = io_failure(ctx);
        } else {
            if (ctx->conn_requests == 1 && !ctx->have_session) {
                br_ssl_engine_get_session_parameters(&ctx->tls.client.eng, &ctx->session);
                ctx->have_session = 1;
            }
            err = http_response(ctx, !strcmp(method, "HEAD"), &fr);
            if (!err && !fr.close) {
                /* bytes beyond the framed response: the server cannot be
                 * followed on this connection any more */
                size_t extra = 0;
                if (br_ssl_engine_recvapp_buf(&ctx->tls.client.eng, &extra) && extra)
                    fr.close = 1;
            }
            if (!err && fr.close)
                conn_close(ctx);
        }
        if (!err)
            return ACME5G_OK;
        conn_close(ctx);
        /* Retry only when a kept-alive connection died before answering. */
        if (!reused || ctx->http_status != 0 ||
            (err != ACME5G_ERR_NET_CLOSED && err != ACME5G_ERR_NET))
            return err;
        LOG_DEBUG(ctx, "connection closed by the server, reconnecting", NULL);
    }
    return err;
}

/* ==========================================================================
 * 3. JSON and JWS
 * ======================================================================== */

#define TOK(ctx) ((jsmntok_t *)(void *)(ctx)->json_tokens)

/* Parse ctx->body; the root must be an object.  Returns the token count or
 * a negative acme5g error. */
/* Check the token tree jsmn made: every child exists, object members are a
 * string key with exactly one value, nesting is at most 16 deep.  jsmn
 * 1.1.0 accepts '{"a" "b"}' (members without values); the walkers below
 * rely on sizes that add up.  Returns the index after the subtree, or -1. */
static int json_check(const jsmntok_t *t, int n, int i, int depth)
{
    int k, count;
    if (i >= n || depth > 16)
        return -1;
    count = t[i].size;
    if (t[i].type == JSMN_OBJECT || t[i].type == JSMN_ARRAY) {
        int object = t[i].type == JSMN_OBJECT;
        i++;
        for (k = 0; k < count && i >= 0; k++) {
            if (object) {
                if (i >= n || t[i].type != JSMN_STRING || t[i].size != 1)
                    return -1;
                i++;
            }
            i = json_check(t, n, i, depth + 1);
        }
        return i;
    }
    return t[i].size == 0 ? i + 1 : -1;
}

/* Parse ctx->body; the root must be an object, followed by nothing but
 * whitespace (RFC 8259 2).  Returns the token count or a negative acme5g
 * error. */
static int json_parse(acme5g_ctx *ctx)
{
    jsmn_parser p;
    size_t i;
    int n;
    jsmn_init(&p);
    n = jsmn_parse(&p, (const char *)ctx->body, ctx->body_len, TOK(ctx), ACME5G_JSON_TOKENS);
    if (n == JSMN_ERROR_NOMEM)
        return -ACME5G_ERR_JSON_TOO_BIG;
    if (n < 1 || TOK(ctx)[0].type != JSMN_OBJECT || json_check(TOK(ctx), n, 0, 0) != n)
        return -ACME5G_ERR_JSON;
    for (i = (size_t)TOK(ctx)[0].end; i < ctx->body_len; i++)
        if (ctx->body[i] != ' ' && ctx->body[i] != '\t' && ctx->body[i] != '\r' &&
            ctx->body[i] != '\n')
            return -ACME5G_ERR_JSON;
    return n;
}

/* Index of the token after the subtree at i. */
static int json_skip(const jsmntok_t *t, int i)
{
    int pending = 1;
    while (pending > 0) {
        pending += t[i].size;
        pending--;
        i++;
    }
    return i;
}

/* Value token of `key` in the object at `obj`, or -1. */
static int json_get(acme5g_ctx *ctx, int obj, const char *key)
{
    const jsmntok_t *t = TOK(ctx);
    size_t kl = strlen(key);
    int i, k;
    if (obj < 0 || t[obj].type != JSMN_OBJECT)
        return -1;
    i = obj + 1;
    for (k = 0; k < t[obj].size; k++) {
        if (t[i].type == JSMN_STRING && (size_t)(t[i].end - t[i].start) == kl &&
            !memcmp(ctx->body + t[i].start, key, kl))
            return i + 1;
        i = json_skip(t, i + 1);
    }
    return -1;
}

/* Unescape a JSON string token into out (NUL-terminated).  \uXXXX becomes
 * UTF-8 (surrogate pairs combined).  Returns 0, or an acme5g error. */
static int json_str(acme5g_ctx *ctx, int tok, char *out, size_t cap)
{
    const jsmntok_t *t = TOK(ctx);
    const char *s;
    size_t n, i, o = 0;
    if (tok < 0 || t[tok].type != JSMN_STRING)
        return ACME5G_ERR_JSON_FIELD;
    s = (const char *)ctx->body + t[tok].start;
    n = (size_t)(t[tok].end - t[tok].start);
    for (i = 0; i < n; i++) {
        unsigned long cp = (unsigned char)s[i];
        unsigned char enc[4];
        size_t el = 1, k;
        int escaped = 0;
        if (cp < 0x20)
            return ACME5G_ERR_JSON;
        if (cp == '\\') {
            escaped = 1;
            if (++i >= n)
                return ACME5G_ERR_JSON;
            switch (s[i]) {
            case '"': cp = '"'; break;
            case '\\': cp = '\\'; break;
            case '/': cp = '/'; break;
            case 'b': cp = 8; break;
            case 'f': cp = 12; break;
            case 'n': cp = 10; break;
            case 'r': cp = 13; break;
            case 't': cp = 9; break;
            case 'u': {
                int j;
                if (i + 4 >= n)
                    return ACME5G_ERR_JSON;
                cp = 0;
                for (j = 1; j <= 4; j++)
                    cp = (cp << 4) | (unsigned long)hexval((unsigned char)s[i + (size_t)j]);
                i += 4;
                if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < n && s[i + 1] == '\\' && s[i + 2] == 'u') {
                    unsigned long lo = 0;
                    for (j = 3; j <= 6; j++)
                        lo = (lo << 4) | (unsigned long)hexval((unsigned char)s[i + (size_t)j]);
                    if (lo >= 0xdc00 && lo < 0xe000) {
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        i += 6;
                    }
                }
                if (cp == 0 || (cp >= 0xd800 && cp < 0xe000))
                    cp = 0xfffd; /* no NUL inside C strings; lone surrogates */
                break;
            }
            default:
                return ACME5G_ERR_JSON;
            }
        }
        if (cp < 0x80 || !escaped) {
            enc[0] = (unsigned char)cp; /* ASCII, or a raw UTF-8 byte copied as is */
        } else if (cp < 0x800) {
            enc[0] = (unsigned char)(0xc0 | (cp >> 6));
            enc[1] = (unsigned char)(0x80 | (cp & 0x3f));
            el = 2;
        } else if (cp < 0x10000) {
            enc[0] = (unsigned char)(0xe0 | (cp >> 12));
            enc[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
            enc[2] = (unsigned char)(0x80 | (cp & 0x3f));
            el = 3;
        } else {
            enc[0] = (unsigned char)(0xf0 | (cp >> 18));
            enc[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
            enc[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
            enc[3] = (unsigned char)(0x80 | (cp & 0x3f));
            el = 4;
        }
        if (o + el >= cap)
            return ACME5G_ERR_FIELD_TOO_LONG;
        for (k = 0; k < el; k++)
            out[o++] = (char)enc[k];
    }
    out[o] = 0;
    return ACME5G_OK;
}

/* A URL field: must fit ACME5G_URL_MAX. */
static int json_url(acme5g_ctx *ctx, int obj, const char *key, char *out)
{
    int err = json_str(ctx, json_get(ctx, obj, key), out, ACME5G_URL_MAX);
    return err == ACME5G_ERR_FIELD_TOO_LONG ? ACME5G_ERR_URL_TOO_LONG : err;
}

/* JSON string literal with every caller byte escaped as needed. */
static void w_json_str(wbuf *w, const char *s)
{
    static const char hx[] = "0123456789abcdef";
    w_str(w, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2];
            e[0] = '\\';
            e[1] = (char)c;
            w_mem(w, e, 2);
        } else if (c < 0x20 || c == 0x7f) {
            char e[6];
            e[0] = '\\'; e[1] = 'u'; e[2] = '0'; e[3] = '0';
            e[4] = hx[c >> 4];
            e[5] = hx[c & 15];
            w_mem(w, e, 6);
        } else {
            w_mem(w, s, 1);
        }
    }
    w_str(w, "\"");
}

/* An ACME identifier object (RFC 8555 7.1.4); IPs in RFC 5952 form. */
static void w_identifier(wbuf *w, const acme5g_identifier *id)
{
    if (IS_NF_INSTANCE(id)) {
        /* TS 33.310 Annex J */
        w_str(w, "{\"type\":\"NfInstanceId\",\"value\":\"");
        w_lower(w, id->value);
        w_str(w, "\"}");
    } else if (id->type == ACME5G_ID_IP) {
        unsigned char ip[16];
        size_t ip_len = ip_parse(id->value, strlen(id->value), ip);
        w_str(w, "{\"type\":\"ip\",\"value\":\"");
        w_ip(w, ip, ip_len);
        w_str(w, "\"}");
    } else {
        w_str(w, "{\"type\":\"dns\",\"value\":");
        w_json_str(w, id->value);
        w_str(w, "}");
    }
}

/* --- Keys --- */

static const br_ec_impl *ec_impl(void) { return CRYPTO_EC(); }

/* BearSSL curve id of a key type; 0 when this build cannot do it (the
 * minimal profile links P-256 only). */
static int key_curve(acme5g_key_type type)
{
    if (type == ACME5G_KEY_P256)
        return BR_EC_secp256r1;
    if (type == ACME5G_KEY_P384 && (CRYPTO_EC()->supported_curves >> BR_EC_secp384r1) & 1)
        return BR_EC_secp384r1;
    return 0;
}

static int key_generate(acme5g_ctx *ctx, acme5g_ec_key *k, acme5g_key_type type)
{
    int curve = key_curve(type);
    memset(k, 0, sizeof(*k));
    if (!curve)
        return ACME5G_ERR_ARG;
    if (!br_ec_keygen(&ctx->drbg.vtable, ec_impl(), &k->sk, k->priv, curve) ||
        !br_ec_compute_pub(ec_impl(), &k->pk, k->pub, &k->sk))
        return ACME5G_ERR_CRYPTO;
    k->loaded = 1;
    return ACME5G_OK;
}

/* The public half of an external key (a secure element signs for it). */
static int key_external(acme5g_ec_key *k, const acme5g_signer *signer)
{
    int curve = key_curve(signer->type);
    size_t want = signer->type == ACME5G_KEY_P384 ? 97 : 65;
    memset(k, 0, sizeof(*k));
    if (!curve || !signer->sign || signer->public_key_len != want || signer->public_key[0] != 4)
        return ACME5G_ERR_KEY;
    memcpy(k->pub, signer->public_key, want);
    k->pk.curve = curve;
    k->pk.q = k->pub;
    k->pk.qlen = want;
    k->sk.curve = curve; /* no private part: sk.x stays NULL */
    k->loaded = 1;
    return ACME5G_OK;
}

static int key_from_pem(acme5g_ctx *ctx, acme5g_ec_key *k, const char *pem, size_t len)
{
    unsigned char der[256];
    size_t off = 0, der_len = 0;
    br_skey_decoder_context dc;
    const br_ec_private_key *sk;
    int err = ACME5G_ERR_KEY;
    (void)ctx;
    memset(k, 0, sizeof(*k));
    if (pem_next(pem, len, &off, "PRIVATE KEY|EC PRIVATE KEY", der, sizeof(der), &der_len) == 1) {
        br_skey_decoder_init(&dc);
        br_skey_decoder_push(&dc, der, der_len);
        sk = br_skey_decoder_get_ec(&dc);
        if (br_skey_decoder_last_error(&dc) == 0 && sk &&
            (sk->curve == key_curve(ACME5G_KEY_P256) || sk->curve == key_curve(ACME5G_KEY_P384)) &&
            sk->xlen <= sizeof(k->priv)) {
            memcpy(k->priv, sk->x, sk->xlen);
            k->sk.curve = sk->curve;
            k->sk.x = k->priv;
            k->sk.xlen = sk->xlen;
            if (br_ec_compute_pub(ec_impl(), &k->pk, k->pub, &k->sk)) {
                k->loaded = 1;
                err = ACME5G_OK;
            }
        }
        wipe(&dc, sizeof(dc));
    }
    wipe(der, sizeof(der));
    return err;
}

/* PKCS#8 PEM ("PRIVATE KEY") of a key; returns the length or 0. */
static size_t key_to_pem(const acme5g_ec_key *k, char *out, size_t cap)
{
    unsigned char der[256]; /* P-384 PKCS#8: 185 B */
    size_t dl = br_encode_ec_pkcs8_der(NULL, &k->sk, &k->pk), pl;
    if (dl == 0 || dl > sizeof(der))
        return 0;
    br_encode_ec_pkcs8_der(der, &k->sk, &k->pk);
    pl = br_pem_encode(NULL, der, dl, BR_ENCODE_PEM_PKCS8, BR_PEM_LINE64);
    if (pl + 1 > cap) {
        wipe(der, sizeof(der));
        return 0;
    }
    br_pem_encode(out, der, dl, BR_ENCODE_PEM_PKCS8, BR_PEM_LINE64);
    wipe(der, sizeof(der));
    return pl;
}

/* Load the key stored under `name`, or make one and store it. */
/* Load the stored key `name`: ACME5G_OK, ACME5G_ERR_NOT_FOUND,
 * ACME5G_ERR_STORAGE_READ, or ACME5G_ERR_KEY (too large or not a key). */
static int key_load(acme5g_ctx *ctx, acme5g_ec_key *k, const char *name)
{
    char pem[512];
    size_t len = 0;
    int r = ctx->port.store_read(ctx->port.user, name, (uint8_t *)pem, sizeof(pem) - 1, &len);
    int err;
    if (r != 0)
        return r == ACME5G_PORT_NOT_FOUND ? ACME5G_ERR_NOT_FOUND
             : r == ACME5G_PORT_TOO_LARGE ? ACME5G_ERR_KEY : ACME5G_ERR_STORAGE_READ;
    err = key_from_pem(ctx, k, pem, len);
    wipe(pem, sizeof(pem));
    return err;
}

static int key_load_or_create(acme5g_ctx *ctx, acme5g_ec_key *k, const char *name,
                              acme5g_key_type type, int *created)
{
    char pem[512];
    size_t len;
    int err = key_load(ctx, k, name);
    *created = 0;
    if (err != ACME5G_ERR_NOT_FOUND)
        return err;
    err = key_generate(ctx, k, type);
    if (err)
        return err;
    len = key_to_pem(k, pem, sizeof(pem));
    if (len == 0)
        err = ACME5G_ERR_CRYPTO;
    else if (ctx->port.store_write(ctx->port.user, name, (const uint8_t *)pem, len, 1) != 0)
        err = ACME5G_ERR_STORAGE_WRITE;
    wipe(pem, sizeof(pem));
    *created = err == ACME5G_OK;
    return err;
}

/* --- JWK, thumbprint, signing --- */

/* Facts of a key's curve: coordinate size, JWS alg, digest. */
static size_t key_coord_len(const acme5g_ec_key *k)
{
    return k->sk.curve == BR_EC_secp384r1 ? 48 : 32;
}

static const br_hash_class *key_hash(const acme5g_ec_key *k)
{
#if ACME5G_WITH_SHA384
    return k->sk.curve == BR_EC_secp384r1 ? &br_sha384_vtable : &br_sha256_vtable;
#else
    (void)k; /* P-256 only (ACME5G_TLS_MINIMAL) */
    return &br_sha256_vtable;
#endif
}

/* Digest of up to three spans with the key's hash (the JWS signing input
 * is "protected" "." "payload"). */
static void key_digest(const acme5g_ec_key *k, const void *a, size_t al, const void *b,
                       size_t bl, const void *c, size_t cl, unsigned char *out)
{
    br_hash_compat_context hc;
    const br_hash_class *h = key_hash(k);
    h->init(&hc.vtable);
    h->update(&hc.vtable, a, al);
    h->update(&hc.vtable, b, bl);
    h->update(&hc.vtable, c, cl);
    h->out(&hc.vtable, out);
}

/* The JWK of an EC public key; its members are in the order RFC 7638
 * requires, so the same bytes serve the thumbprint. */
static void w_jwk(wbuf *w, const acme5g_ec_key *k)
{
    size_t n = key_coord_len(k);
    w_str(w, n == 48 ? "{\"crv\":\"P-384\",\"kty\":\"EC\",\"x\":\""
                     : "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"");
    w_b64u(w, k->pub + 1, n);
    w_str(w, "\",\"y\":\"");
    w_b64u(w, k->pub + 1 + n, n);
    w_str(w, "\"}");
}

/* SHA-256 of the JWK in RFC 7638's canonical form. */
static void jwk_thumbprint_raw(const acme5g_ec_key *k, unsigned char h[32])
{
    char jwk[200];
    br_sha256_context sc;
    wbuf w;
    w_init(&w, jwk, sizeof(jwk));
    w_jwk(&w, k);
    br_sha256_init(&sc);
    br_sha256_update(&sc, jwk, w.len);
    br_sha256_out(&sc, h);
}

/* base64url(SHA-256(JWK)) (RFC 7638), 43 chars + NUL. */
static void jwk_thumbprint(const acme5g_ec_key *k, char out[44])
{
    unsigned char h[32];
    wbuf w;
    jwk_thumbprint_raw(k, h);
    w_init(&w, out, 44);
    w_b64u(&w, h, sizeof(h));
    w_cstr(&w);
}

/* ES256/ES384 over a digest: raw r||s (RFC 7518 3.4), 64 or 96 bytes. */
static int jws_sign(const acme5g_ec_key *k, const unsigned char *hash, unsigned char sig[96],
                    size_t *sig_len)
{
    *sig_len = CRYPTO_ECDSA_SIGN_RAW(ec_impl(), key_hash(k), hash, &k->sk, sig);
    return *sig_len == 2 * key_coord_len(k) ? ACME5G_OK : ACME5G_ERR_CRYPTO;
}

static const char *jws_alg(const acme5g_ec_key *k)
{
    return key_coord_len(k) == 48 ? "ES384" : "ES256";
}

/* A nested JWS (EAB, key change) in flattened JSON form, from its signing
 * input "protected.payload" (input_len bytes, the '.' at prot_len) and its
 * signature. */
static void w_flat_jws(wbuf *w, const char *input, size_t prot_len, size_t input_len,
                       const unsigned char *sig, size_t sig_len)
{
    w_str(w, "{\"protected\":\"");
    w_mem(w, input, prot_len);
    w_str(w, "\",\"payload\":\"");
    w_mem(w, input + prot_len + 1, input_len - prot_len - 1);
    w_str(w, "\",\"signature\":\"");
    w_b64u(w, sig, sig_len);
    w_str(w, "\"}");
}

/* The request buffer holds {"payload":"<b64>","protected":"<b64>","signature":"<b64>"}.
 * The payload comes first so that a badNonce retry rewrites only what
 * follows it. */
#define JWS_PAYLOAD_START 12 /* strlen("{\"payload\":\"") */

static void jws_payload_begin(acme5g_ctx *ctx, wbuf *w)
{
    w_init(w, ctx->request, sizeof(ctx->request));
    w_str(w, "{\"payload\":\"");
    w_b64_begin(w);
}

/* Finish the JWS whose payload is in ctx->request[JWS_PAYLOAD_START..end):
 * protected header with the current nonce and url, jwk or kid, signature.
 * Returns the total length in *len. */
static int jws_seal(acme5g_ctx *ctx, size_t payload_end, const char *url, int use_jwk, size_t *len)
{
    wbuf w;
    size_t prot_start, prot_end, sig_len;
    unsigned char h[48], sig[96];
    int err;

    w_init(&w, ctx->request, sizeof(ctx->request));
    w.len = payload_end;
    w_str(&w, "\",\"protected\":\"");
    prot_start = w.len;
    w_b64_begin(&w);
    w_str(&w, "{\"alg\":\"");
    w_str(&w, jws_alg(&ctx->account_key));
    w_str(&w, "\",");
    if (use_jwk) {
        w_str(&w, "\"jwk\":");
        w_jwk(&w, &ctx->account_key);
    } else {
        w_str(&w, "\"kid\":");
        w_json_str(&w, ctx->account_url);
    }
    w_str(&w, ",\"nonce\":");
    w_json_str(&w, ctx->nonce);
    w_str(&w, ",\"url\":");
    w_json_str(&w, url);
    w_str(&w, "}");
    w_b64_end(&w);
    prot_end = w.len;
    w_str(&w, "\",\"signature\":\"");
    if (w.overflow)
        return ACME5G_ERR_REQUEST_TOO_LARGE;

    key_digest(&ctx->account_key, ctx->request + prot_start, prot_end - prot_start, ".", 1,
               ctx->request + JWS_PAYLOAD_START, payload_end - JWS_PAYLOAD_START, h);
    err = jws_sign(&ctx->account_key, h, sig, &sig_len);
    if (err)
        return err;
    w_b64u(&w, sig, sig_len);
    w_str(&w, "\"}");
    if (w.overflow)
        return ACME5G_ERR_REQUEST_TOO_LARGE;
    *len = w.len;
    return ACME5G_OK;
}

/* ==========================================================================
 * 4. ACME objects
 * ======================================================================== */

enum {
    ST_UNKNOWN = 0, ST_PENDING, ST_READY, ST_PROCESSING, ST_VALID, ST_INVALID,
    ST_EXPIRED, ST_DEACTIVATED, ST_REVOKED
};

static int obj_status(acme5g_ctx *ctx, int obj)
{
    static const char *const names[] = {
        "", "pending", "ready", "processing", "valid", "invalid",
        "expired", "deactivated", "revoked"
    };
    char s[16];
    size_t i;
    if (json_str(ctx, json_get(ctx, obj, "status"), s, sizeof(s)))
        return ST_UNKNOWN;
    for (i = 1; i < COUNT(names); i++)
        if (!strcmp(s, names[i]))
            return (int)i;
    return ST_UNKNOWN;
}

/* Fill ctx->problem from a problem document in the body (or just the
 * HTTP status when the body is not one). */
static void obj_problem(acme5g_ctx *ctx)
{
    acme5g_problem *pr = &ctx->problem;
    memset(pr, 0, sizeof(*pr));
    pr->http_status = ctx->http_status;
    pr->retry_after_s = ctx->retry_after_s; /* rateLimited SHOULD carry it */
    if (json_parse(ctx) > 0) {
        int t = json_get(ctx, 0, "type"), d = json_get(ctx, 0, "detail");
        const jsmntok_t *tk = TOK(ctx);
        if (t >= 0 && tk[t].type == JSMN_STRING &&
            json_str(ctx, t, pr->type, sizeof(pr->type)) == ACME5G_ERR_FIELD_TOO_LONG)
            copy_cut(pr->type, sizeof(pr->type), (const char *)ctx->body + tk[t].start,
                     (size_t)(tk[t].end - tk[t].start));
        if (d >= 0 && tk[d].type == JSMN_STRING &&
            json_str(ctx, d, pr->detail, sizeof(pr->detail)) == ACME5G_ERR_FIELD_TOO_LONG)
            copy_cut(pr->detail, sizeof(pr->detail), (const char *)ctx->body + tk[d].start,
                     (size_t)(tk[d].end - tk[d].start));
    }
}

static int problem_is(const acme5g_ctx *ctx, const char *token)
{
    size_t pl = sizeof(ACME_ERR_PREFIX) - 1;
    return !strncmp(ctx->problem.type, ACME_ERR_PREFIX, pl) &&
           !strcmp(ctx->problem.type + pl, token);
}

static int obj_directory(acme5g_ctx *ctx)
{
    int n = json_parse(ctx), err;
    if (n < 0)
        return -n;
    if ((err = json_url(ctx, 0, "newNonce", ctx->dir_new_nonce)) ||
        (err = json_url(ctx, 0, "newAccount", ctx->dir_new_account)) ||
        (err = json_url(ctx, 0, "newOrder", ctx->dir_new_order)))
        return err;
    {
        /* refuse a directory we could not follow before anything is made */
        url_parts u;
        if (url_parse(ctx->dir_new_nonce, &u) || url_parse(ctx->dir_new_account, &u) ||
            url_parse(ctx->dir_new_order, &u))
            return ACME5G_ERR_URL;
    }
    {
        /* meta.externalAccountRequired: fail before asking, and say why */
        int meta = json_get(ctx, 0, "meta"), ear = json_get(ctx, meta, "externalAccountRequired");
        ctx->eab_required = ear >= 0 && TOK(ctx)[ear].type == JSMN_PRIMITIVE &&
                            ctx->body[TOK(ctx)[ear].start] == 't';
    }
    /* needed only by the account and revocation operations */
    ctx->dir_key_change[0] = 0;
    ctx->dir_revoke_cert[0] = 0;
    if (json_get(ctx, 0, "keyChange") >= 0 &&
        (err = json_url(ctx, 0, "keyChange", ctx->dir_key_change)))
        return err;
    if (json_get(ctx, 0, "revokeCert") >= 0 &&
        (err = json_url(ctx, 0, "revokeCert", ctx->dir_revoke_cert)))
        return err;
    ctx->dir_renewal_info[0] = 0;
    ctx->dir_new_authz[0] = 0;
    if (json_get(ctx, 0, "newAuthz") >= 0 &&
        (err = json_url(ctx, 0, "newAuthz", ctx->dir_new_authz)))
        return err;
    if (json_get(ctx, 0, "renewalInfo") >= 0 &&
        (err = json_url(ctx, 0, "renewalInfo", ctx->dir_renewal_info)))
        return err;
    return ACME5G_OK;
}

/* Order: status, finalize, certificate (when valid), authorization URLs. */
static int obj_order(acme5g_ctx *ctx, int *status)
{
    int n = json_parse(ctx), err, arr, i, k;
    const jsmntok_t *t = TOK(ctx);
    *status = ST_UNKNOWN;
    if (n < 0)
        return -n;
    *status = obj_status(ctx, 0);
    if (*status == ST_UNKNOWN)
        return ACME5G_ERR_STATUS;
    if ((err = json_url(ctx, 0, "finalize", ctx->finalize_url)))
        return err;
    ctx->certificate_url[0] = 0;
    if (*status == ST_VALID && (err = json_url(ctx, 0, "certificate", ctx->certificate_url)))
        return err;
    arr = json_get(ctx, 0, "authorizations");
    if (arr < 0 || t[arr].type != JSMN_ARRAY)
        return ACME5G_ERR_JSON_FIELD;
    if ((size_t)t[arr].size > ACME5G_MAX_IDENTIFIERS)
        return ACME5G_ERR_TOO_MANY_NAMES;
    ctx->authz_count = 0;
    for (i = arr + 1, k = 0; k < t[arr].size; k++, i = json_skip(t, i)) {
        err = json_str(ctx, i, ctx->authz_urls[ctx->authz_count], ACME5G_URL_MAX);
        if (err)
            return err == ACME5G_ERR_FIELD_TOO_LONG ? ACME5G_ERR_URL_TOO_LONG : err;
        ctx->authz_count++;
    }
    return ACME5G_OK;
}

/* Does the order in the body list exactly the orderable identifiers of the
 * request (a stored order is resumed only for the same names)? */
static int obj_order_matches(acme5g_ctx *ctx, const acme5g_enrol_params *p)
{
    const jsmntok_t *t = TOK(ctx);
    int arr = json_get(ctx, 0, "identifiers"), i, k;
    size_t j, wanted = 0;
    if (arr < 0 || t[arr].type != JSMN_ARRAY)
        return 0;
    for (j = 0; j < p->identifier_count; j++)
        wanted += p->identifiers[j].type != ACME5G_ID_URI;
    if ((size_t)t[arr].size != wanted)
        return 0;
    for (i = arr + 1, k = 0; k < t[arr].size; k++, i = json_skip(t, i)) {
        char type[16], value[256];
        unsigned char a[16], b[16];
        size_t al = 0;
        int found = 0;
        if (json_str(ctx, json_get(ctx, i, "type"), type, sizeof(type)) ||
            json_str(ctx, json_get(ctx, i, "value"), value, sizeof(value)))
            return 0;
        if (!strcmp(type, "ip"))
            al = ip_parse(value, strlen(value), a);
        for (j = 0; j < p->identifier_count && !found; j++) {
            const acme5g_identifier *id = &p->identifiers[j];
            if ((id->type == ACME5G_ID_DNS && !strcmp(type, "dns")) ||
                (IS_NF_INSTANCE(id) && !strcmp(type, "NfInstanceId")))
                found = strlen(id->value) == strlen(value) &&
                        mem_ieq(id->value, value, strlen(value));
            else if (id->type == ACME5G_ID_IP && al)
                found = ip_parse(id->value, strlen(id->value), b) == al && !memcmp(a, b, al);
        }
        if (!found)
            return 0;
    }
    return 1;
}

/* Authorization: its identifier's value and status; for a pending one,
 * the URL and token of the challenge of type `want_type` (into
 * ctx->challenge_url / ctx->token).  An NfInstanceId is answered with
 * tkauth-01 whatever `want_type` says (*tkauth set; its token-authority
 * hint into ctx->token_authority). */
static int obj_authz(acme5g_ctx *ctx, const char *want_type, char *ident, size_t ident_cap,
                     int *status, int *chall_status, int *tkauth)
{
    int n = json_parse(ctx), arr, i, k, err, id = json_get(ctx, 0, "identifier");
    const jsmntok_t *t = TOK(ctx);
    char id_type[16];
    if (n < 0)
        return -n;
    if ((err = json_str(ctx, json_get(ctx, id, "value"), ident, ident_cap)))
        return err;
    *tkauth = ACME5G_WITH_TKAUTH &&
              !json_str(ctx, json_get(ctx, id, "type"), id_type, sizeof(id_type)) &&
              !strcmp(id_type, "NfInstanceId");
    if (*tkauth)
        want_type = "tkauth-01";
    {
        char when[40];
        ctx->authz_expires_s = 0;
        if (json_str(ctx, json_get(ctx, 0, "expires"), when, sizeof(when)) ||
            rfc3339_parse(when, strlen(when), &ctx->authz_expires_s))
            ctx->authz_expires_s = 0;
    }
    *status = obj_status(ctx, 0);
    *chall_status = ST_UNKNOWN;
    if (*status == ST_UNKNOWN)
        return ACME5G_ERR_STATUS;
    if (*status != ST_PENDING)
        return ACME5G_OK;
    arr = json_get(ctx, 0, "challenges");
    if (arr < 0 || t[arr].type != JSMN_ARRAY)
        return ACME5G_ERR_JSON_FIELD;
    for (i = arr + 1, k = 0; k < t[arr].size; k++, i = json_skip(t, i)) {
        char type[16];
        if (json_str(ctx, json_get(ctx, i, "type"), type, sizeof(type)) || strcmp(type, want_type))
            continue;
        if ((err = json_url(ctx, i, "url", ctx->challenge_url)))
            return err;
#if ACME5G_WITH_TKAUTH
        if (*tkauth) {
            /* RFC 9447 3: the token's type; "atc" is the JWT kind we know */
            char kind[8];
            if (json_str(ctx, json_get(ctx, i, "tkauth-type"), kind, sizeof(kind)) ||
                strcmp(kind, "atc"))
                continue;
            ctx->token_authority[0] = 0;
            if (json_get(ctx, i, "token-authority") >= 0) {
                url_parts u;
                if ((err = json_url(ctx, i, "token-authority", ctx->token_authority)))
                    return err;
                if (url_parse(ctx->token_authority, &u))
                    ctx->token_authority[0] = 0; /* a hint only: not an https URL, none */
            }
            *chall_status = obj_status(ctx, i);
            return ACME5G_OK;
        }
#endif
        err = json_str(ctx, json_get(ctx, i, "token"), ctx->token, sizeof(ctx->token));
        if (err)
            return err;
        /* the token goes into a URL path and a file name: base64url only (8.1) */
        if (!b64u_valid_token(ctx->token, strlen(ctx->token)))
            return ACME5G_ERR_JSON_FIELD;
        *chall_status = obj_status(ctx, i);
        return ACME5G_OK;
    }
    return ACME5G_ERR_NO_CHALLENGE;
}

/* ACME Renewal Information (RFC 9773 4.1): certID =
 * base64url(AKI keyIdentifier) "." base64url(serial DER content). */
static int ari_cert_id(const unsigned char *aki, size_t aki_len, const unsigned char *serial,
                       size_t serial_len, char *out, size_t cap)
{
    wbuf w;
    w_init(&w, out, cap);
    w_b64u(&w, aki, aki_len);
    w_str(&w, ".");
    w_b64u(&w, serial, serial_len);
    w_cstr(&w);
    return w.overflow || aki_len == 0 || serial_len == 0 ? -1 : 0;
}

/* The certID of the leaf of the PEM chain in ctx->body (DER decoded into
 * ctx->request, free then). */
static int ari_cert_id_of_body(acme5g_ctx *ctx, char *out, size_t cap)
{
    size_t off = 0, der_len = 0;
    x509_fields f;
    if (pem_next((const char *)ctx->body, ctx->body_len, &off, "CERTIFICATE", ctx->request,
                 sizeof(ctx->request), &der_len) != 1 ||
        x509_parse(ctx->request, der_len, &f))
        return ACME5G_ERR_CERT;
    if (!f.have_aki)
        return ACME5G_ERR_CERT; /* no keyIdentifier: no ARI for this certificate */
    return ari_cert_id(f.aki.p, (size_t)(f.aki.end - f.aki.p), f.serial.p,
                       (size_t)(f.serial.end - f.serial.p), out, cap)
               ? ACME5G_ERR_CERT : ACME5G_OK;
}

/* A renewalInfo response (RFC 9773 4.2) in the body. */
static int obj_renewal_info(acme5g_ctx *ctx, acme5g_renewal_window *w)
{
    int n = json_parse(ctx), win, e;
    char t0[40], t1[40];
    if (n < 0)
        return -n;
    win = json_get(ctx, 0, "suggestedWindow");
    if (json_str(ctx, json_get(ctx, win, "start"), t0, sizeof(t0)) ||
        json_str(ctx, json_get(ctx, win, "end"), t1, sizeof(t1)) ||
        rfc3339_parse(t0, strlen(t0), &w->start_s) || rfc3339_parse(t1, strlen(t1), &w->end_s) ||
        w->end_s <= w->start_s) /* "end <= start: treat as no response" (4.2) */
        return ACME5G_ERR_JSON_FIELD;
    w->explanation_url[0] = 0;
    e = json_get(ctx, 0, "explanationURL");
    if (e >= 0 && json_str(ctx, e, w->explanation_url, sizeof(w->explanation_url)))
        w->explanation_url[0] = 0;
    return ACME5G_OK;
}

/* ==========================================================================
 * 5. Enrolment flow
 * ======================================================================== */

/* Classify a response: 2xx with an expected status code is OK; a problem
 * document is kept and reported. */
static int flow_check(acme5g_ctx *ctx, int want1, int want2)
{
    if (ctx->http_status == want1 || ctx->http_status == want2)
        return ACME5G_OK;
    obj_problem(ctx);
    if (ctx->problem.type[0]) {
        LOG_WARN(ctx, "server problem: ", ctx->problem.type);
        return ACME5G_ERR_PROBLEM;
    }
    return ACME5G_ERR_HTTP_STATUS;
}

static int flow_require_json(acme5g_ctx *ctx)
{
    return ctx->http_content_type == CT_JSON ? ACME5G_OK : ACME5G_ERR_CONTENT_TYPE;
}

static int flow_directory_fetch(acme5g_ctx *ctx);

/* A 404 from a URL of a directory taken from storage: the server moved
 * it.  The directory is fetched again (once per flow: it is then no
 * longer the cached one) and the caller resends to the URL it gives now
 * (`url` points into the context's directory fields). */
static int flow_directory_moved(acme5g_ctx *ctx, const char *url)
{
    if (ctx->http_status != 404 || !ctx->dir_cached || !ctx->dir_url ||
        (url != ctx->dir_new_nonce && url != ctx->dir_new_account && url != ctx->dir_new_order &&
         url != ctx->dir_new_authz && url != ctx->dir_revoke_cert))
        return 0;
    LOG_INFO(ctx, "the stored directory is out of date, fetching it again: ", url);
    return 1;
}

static int flow_new_nonce(acme5g_ctx *ctx)
{
    int err = http_request(ctx, "HEAD", ctx->dir_new_nonce, NULL, 0);
    if (!err && flow_directory_moved(ctx, ctx->dir_new_nonce) &&
        !(err = flow_directory_fetch(ctx)))
        err = http_request(ctx, "HEAD", ctx->dir_new_nonce, NULL, 0);
    if (err)
        return err;
    if (ctx->http_status != 200 && ctx->http_status != 204)
        return ACME5G_ERR_HTTP_STATUS;
    return ctx->nonce[0] ? ACME5G_OK : ACME5G_ERR_NO_NONCE;
}

/* POST a JWS whose payload is already in ctx->request (up to payload_end,
 * base64url, without the closing quote).  Keeps the nonce of every
 * response, retries badNonce with it. */
static int flow_post(acme5g_ctx *ctx, const char *url, size_t payload_end, int use_jwk)
{
    int tries, err;
    char nonce_kept[sizeof(ctx->nonce)];
    if (payload_end > sizeof(ctx->request))
        return ACME5G_ERR_REQUEST_TOO_LARGE;
    for (tries = 0; tries <= ACME5G_BADNONCE_RETRIES; tries++) {
        size_t len;
        if (!ctx->nonce[0] && (err = flow_new_nonce(ctx)))
            return err;
        err = jws_seal(ctx, payload_end, url, use_jwk, &len);
        if (err)
            return err;
        memcpy(nonce_kept, ctx->nonce, sizeof(nonce_kept));
        err = http_request(ctx, "POST", url, ctx->request, len);
        if (err)
            return err;
        if (flow_directory_moved(ctx, url)) {
            if ((err = flow_directory_fetch(ctx)))
                return err;
            tries--; /* not a badNonce: resend to the new URL */
            continue;
        }
        if (ctx->http_status != 400 || ctx->http_content_type != CT_PROBLEM)
            return ACME5G_OK;
        obj_problem(ctx);
        if (!problem_is(ctx, "badNonce"))
            return ACME5G_OK;
        LOG_DEBUG(ctx, "badNonce, retrying with the fresh nonce", NULL);
        if (!ctx->nonce[0] || !strcmp(nonce_kept, ctx->nonce))
            ctx->nonce[0] = 0; /* no usable new nonce: HEAD newNonce */
    }
    return ACME5G_ERR_BAD_NONCE_LIMIT;
}

/* POST-as-GET: the payload is the empty string (RFC 8555 6.3). */
static int flow_post_as_get(acme5g_ctx *ctx, const char *url)
{
    wbuf w;
    jws_payload_begin(ctx, &w);
    w_b64_end(&w);
    return flow_post(ctx, url, w.len, 0);
}

/* --- The directory and nonce cache (ACME5G_STORE_DIRECTORY, _NONCE) ---
 * Best effort: a blob that cannot be read or written costs the requests it
 * would have saved, never the flow. */

/* GET the directory (ctx->dir_url) and keep it: URL, newline, JSON.  A
 * nonce held from the request before (a 404's) is kept across the GET. */
static int flow_directory_fetch(acme5g_ctx *ctx)
{
    char nonce[sizeof(ctx->nonce)];
    size_t ul = strlen(ctx->dir_url);
    int err;
    memcpy(nonce, ctx->nonce, sizeof(nonce));
    ctx->dir_cached = 0;
    if ((err = http_request(ctx, "GET", ctx->dir_url, NULL, 0)))
        return err;
    if (!ctx->nonce[0])
        memcpy(ctx->nonce, nonce, sizeof(nonce));
    if ((err = flow_check(ctx, 200, 200)) || (err = flow_require_json(ctx)) ||
        (err = obj_directory(ctx)))
        return err;
    /* the URLs are copied out: the body is free to take the URL in front */
    if (ctx->body_len + ul + 1 <= ACME5G_BODY_MAX) {
        memmove(ctx->body + ul + 1, ctx->body, ctx->body_len);
        memcpy(ctx->body, ctx->dir_url, ul);
        ctx->body[ul] = '\n';
        if (ctx->port.store_write(ctx->port.user, ACME5G_STORE_DIRECTORY, ctx->body,
                                  ctx->body_len + ul + 1, 0))
            LOG_DEBUG(ctx, "could not store the directory (a cache: going on)", NULL);
    }
    return ACME5G_OK;
}

/* The directory of `url` (the caller's, valid during the call): from
 * storage when it was kept for this URL -- then with the nonce kept with
 * it -- else from the server. */
static int flow_directory(acme5g_ctx *ctx, const char *url)
{
    size_t len = 0, ul = strlen(url);
    ctx->dir_url = url;
    ctx->dir_cached = 0;
    if (ctx->port.store_read(ctx->port.user, ACME5G_STORE_DIRECTORY, ctx->body, ACME5G_BODY_MAX,
                             &len) == 0 &&
        len > ul + 1 && len <= ACME5G_BODY_MAX && !memcmp(ctx->body, url, ul) &&
        ctx->body[ul] == '\n') {
        memmove(ctx->body, ctx->body + ul + 1, len - ul - 1);
        ctx->body_len = len - ul - 1;
        ctx->body[ctx->body_len] = 0;
        if (obj_directory(ctx) == ACME5G_OK) {
            char nonce[sizeof(ctx->nonce)];
            ctx->dir_cached = 1;
            LOG_DEBUG(ctx, "directory from storage for ", url);
            len = 0;
            if (ctx->port.store_read(ctx->port.user, ACME5G_STORE_NONCE, (uint8_t *)nonce,
                                     sizeof(nonce) - 1, &len) == 0 &&
                len > 0 && b64u_valid_token(nonce, len)) {
                memcpy(ctx->nonce, nonce, len);
                ctx->nonce[len] = 0;
            }
            return ACME5G_OK;
        }
    }
    return flow_directory_fetch(ctx);
}

/* At the end of a call: keep the nonce of the last answer, unused, for the
 * next call against this directory. */
static void flow_nonce_keep(acme5g_ctx *ctx)
{
    if (!ctx->dir_url || !ctx->nonce[0])
        return;
    if (ctx->port.store_write(ctx->port.user, ACME5G_STORE_NONCE, (const uint8_t *)ctx->nonce,
                              strlen(ctx->nonce), 0))
        LOG_DEBUG(ctx, "could not store the nonce (a cache: going on)", NULL);
}

/* The start of an inner JWS's signing input (external account binding,
 * RFC 8555 7.3.4; key change, 7.3.5): base64url of the protected header
 * {"alg","kid" (when kid is given) or "jwk","url"}, then "." and the
 * base64url payload opened, which the caller writes and ends with
 * w_b64_end().  Returns the length of the protected part. */
static size_t w_inner_jws_begin(wbuf *t, const char *alg, const char *kid,
                                const acme5g_ec_key *jwk, const char *url)
{
    size_t prot_len;
    w_b64_begin(t);
    w_str(t, "{\"alg\":\"");
    w_str(t, alg);
    if (kid) {
        w_str(t, "\",\"kid\":");
        w_json_str(t, kid);
    } else {
        w_str(t, "\",\"jwk\":");
        w_jwk(t, jwk);
    }
    w_str(t, ",\"url\":");
    w_json_str(t, url);
    w_str(t, "}");
    w_b64_end(t);
    prot_len = t->len;
    w_str(t, ".");
    w_b64_begin(t);
    return prot_len;
}

#if ACME5G_WITH_EAB
/* External account binding (RFC 8555 7.3.4): a JWS over the account's
 * JWK, MACed (HS256) with the key the CA provisioned, whose base64url text
 * is decoded first.  Written into w as a member of the newAccount payload. */
static int jws_write_eab(acme5g_ctx *ctx, wbuf *w, const char *kid, const char *key_b64u)
{
    unsigned char key[128], mac[32];
    char inner[2 * ACME5G_URL_MAX + 512];
    br_hmac_key_context kc;
    br_hmac_context hc;
    size_t prot_len;
    long key_len = b64u_decode(key_b64u, strlen(key_b64u), key, sizeof(key));
    wbuf t;

    if (key_len <= 0) {
        wipe(key, sizeof(key));
        return ACME5G_ERR_ARG;
    }
    w_init(&t, inner, sizeof(inner));
    prot_len = w_inner_jws_begin(&t, "HS256", kid, NULL, ctx->dir_new_account);
    w_jwk(&t, &ctx->account_key);
    w_b64_end(&t);
    if (t.overflow) {
        wipe(key, sizeof(key));
        return ACME5G_ERR_REQUEST_TOO_LARGE;
    }
    br_hmac_key_init(&kc, &br_sha256_vtable, key, (size_t)key_len);
    br_hmac_init(&hc, &kc, 0);
    br_hmac_update(&hc, inner, t.len);
    br_hmac_out(&hc, mac);
    wipe(key, sizeof(key));
    wipe(&kc, sizeof(kc));
    wipe(&hc, sizeof(hc));

    w_str(w, ",\"externalAccountBinding\":");
    w_flat_jws(w, inner, prot_len, t.len, mac, sizeof(mac));
    return ACME5G_OK;
}
#else
/* Built without EAB (ACME5G_WITH_EAB 0): a request for it is refused. */
static int jws_write_eab(acme5g_ctx *ctx, wbuf *w, const char *kid, const char *key_b64u)
{
    (void)ctx; (void)w; (void)kid; (void)key_b64u;
    return ACME5G_ERR_ARG;
}
#endif

static int flow_account(acme5g_ctx *ctx, const acme5g_enrol_params *p)
{
    wbuf w;
    int err, created;
    size_t len = 0;
    int r;

    if (ctx->eab_required && !p->eab_kid) {
        memset(&ctx->problem, 0, sizeof(ctx->problem));
        copy_cut(ctx->problem.type, sizeof(ctx->problem.type),
                 ACME_ERR_PREFIX "externalAccountRequired",
                 sizeof(ACME_ERR_PREFIX "externalAccountRequired") - 1);
        copy_cut(ctx->problem.detail, sizeof(ctx->problem.detail),
                 "the directory says accounts need external account binding (EAB)", 64);
        ctx->problem.retry_after_s = -1;
        return ACME5G_ERR_EAB_REQUIRED;
    }
    err = key_load_or_create(ctx, &ctx->account_key, ACME5G_STORE_ACCOUNT_KEY,
                             p->account_key_type, &created);
    if (err)
        return err;
    LOG_INFO(ctx, created ? "account key created" : "account key loaded", NULL);
    /* EAB's inner JWS carries the newAccount URL, which a resend after a
     * 404 could not change: take it from a fresh directory */
    if (p->eab_kid && ctx->dir_cached && (err = flow_directory_fetch(ctx)))
        return err;

    jws_payload_begin(ctx, &w);
    w_str(&w, "{\"termsOfServiceAgreed\":true");
    if (p->contact) {
        w_str(&w, ",\"contact\":[");
        w_json_str(&w, p->contact);
        w_str(&w, "]");
    }
    if (p->eab_kid && (err = jws_write_eab(ctx, &w, p->eab_kid, p->eab_hmac_key)))
        return err;
    w_str(&w, "}");
    w_b64_end(&w);
    if (w.overflow)
        return ACME5G_ERR_REQUEST_TOO_LARGE;
    if ((err = flow_post(ctx, ctx->dir_new_account, w.len, 1)) ||
        (err = flow_check(ctx, 201, 200)))
        return err;
    if (!ctx->location[0])
        return ACME5G_ERR_JSON_FIELD;
    if (copy_fit(ctx->account_url, sizeof(ctx->account_url), ctx->location, strlen(ctx->location)))
        return ACME5G_ERR_URL_TOO_LONG;
    LOG_INFO(ctx, ctx->http_status == 201 ? "account created: " : "account exists: ",
             ctx->account_url);

    /* Keep the account URL next to its key, for tools and for renewal. */
    {
        char stored[ACME5G_URL_MAX];
        r = ctx->port.store_read(ctx->port.user, ACME5G_STORE_ACCOUNT_URL, (uint8_t *)stored,
                                 sizeof(stored) - 1, &len);
        if (r != 0 || len != strlen(ctx->account_url) || memcmp(stored, ctx->account_url, len)) {
            if (ctx->port.store_write(ctx->port.user, ACME5G_STORE_ACCOUNT_URL,
                                      (const uint8_t *)ctx->account_url,
                                      strlen(ctx->account_url), 0) != 0)
                return ACME5G_ERR_STORAGE_WRITE;
        }
    }
    return ACME5G_OK;
}

static int flow_new_order(acme5g_ctx *ctx, const acme5g_enrol_params *p, int *status)
{
    wbuf w;
    size_t i, listed = 0;
    int err;
    jws_payload_begin(ctx, &w);
    w_str(&w, "{\"identifiers\":[");
    for (i = 0; i < p->identifier_count; i++) {
        const acme5g_identifier *id = &p->identifiers[i];
        if (id->type == ACME5G_ID_URI)
            continue; /* a CSR-only SAN, no ACME identifier type */
        if (listed++)
            w_str(&w, ",");
        w_identifier(&w, id);
    }
    w_str(&w, "]");
    if (ctx->replaces[0]) {
        /* RFC 9773 5: this order renews that certificate */
        w_str(&w, ",\"replaces\":");
        w_json_str(&w, ctx->replaces);
    }
    w_str(&w, "}");
    w_b64_end(&w);
    if (w.overflow)
        return ACME5G_ERR_REQUEST_TOO_LARGE;
    if ((err = flow_post(ctx, ctx->dir_new_order, w.len, 0)) ||
        (err = flow_check(ctx, 201, 201)) || (err = flow_require_json(ctx)))
        return err;
    if (!ctx->location[0])
        return ACME5G_ERR_JSON_FIELD;
    if (copy_fit(ctx->order_url, sizeof(ctx->order_url), ctx->location, strlen(ctx->location)))
        return ACME5G_ERR_URL_TOO_LONG;
    LOG_INFO(ctx, "order: ", ctx->order_url);
    return obj_order(ctx, status);
}

/* Polling (orders and authorizations): Pebble and many CAs are done within
 * milliseconds, so the first wait is 10 ms; the next ones start at 50 ms
 * and double up to the old 5 s ceiling: 10, 50, 100, 200, 400, 800, 1600,
 * 3200, 5000, 5000 ms...  (a slow CA costs a few more polls than the old
 * 1 s, 2 s, 4 s, 5 s, but is seen ready at most twice as late as it was).
 * A server's Retry-After (seconds, or an HTTP date turned into seconds by
 * the header parser) replaces the schedule. */
#define FLOW_POLL_FIRST_MS 10u
#define FLOW_POLL_SECOND_MS 50u
#define FLOW_POLL_MAX_MS 5000u

static uint32_t flow_backoff_ms(unsigned attempt)
{
    uint32_t ms = FLOW_POLL_SECOND_MS;
    if (attempt == 0)
        return FLOW_POLL_FIRST_MS;
    while (--attempt > 0 && ms < FLOW_POLL_MAX_MS)
        ms *= 2;
    return ms > FLOW_POLL_MAX_MS ? FLOW_POLL_MAX_MS : ms;
}

/* The wait before the poll after `attempt` (0 = the first wait): the
 * server's Retry-After when the last response carried one, else the
 * backoff.  ACME5G_ERR_TIMEOUT when the wait would not end before the
 * deadline (the flow gives up rather than sleep past it). */
static int flow_poll_delay(acme5g_ctx *ctx, unsigned attempt, uint32_t *ms)
{
    *ms = ctx->retry_after_s > 0 ? (uint32_t)ctx->retry_after_s * 1000u : flow_backoff_ms(attempt);
    return *ms >= time_left_ms(ctx) ? ACME5G_ERR_TIMEOUT : ACME5G_OK;
}

/* Sleep before the next order poll. */
static int flow_poll_wait(acme5g_ctx *ctx, unsigned attempt)
{
    uint32_t ms;
    int err = flow_poll_delay(ctx, attempt, &ms);
    if (!err)
        ctx->port.sleep_ms(ctx->port.user, ms);
    return err;
}

/* --- Built-in http-01 responder --- */

/* Serve one connection: GET /.well-known/acme-challenge/<token> answers
 * the key authorization; anything else 404.  Returns 1 when the token was
 * served. */
static int flow_http01_serve(acme5g_ctx *ctx, int sock, const char *keyauth)
{
    static const char prefix[] = "GET /.well-known/acme-challenge/";
    char req[512];
    size_t n = 0;
    int served = 0;
    uint64_t until = ctx->port.monotonic_ms(ctx->port.user) + 5000;
    char resp[256];
    wbuf w;

    /* read until the end of the header section (bounded size and time) */
    for (;;) {
        uint64_t now = ctx->port.monotonic_ms(ctx->port.user);
        int r;
        if (now >= until || now >= ctx->deadline_ms || n >= sizeof(req) - 1)
            break;
        r = ctx->port.recv(ctx->port.user, sock, (uint8_t *)req + n, sizeof(req) - 1 - n,
                           (uint32_t)(until - now));
        if (r <= 0)
            break;
        n += (size_t)r;
        req[n] = 0;
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            break;
    }
    req[n] = 0;
    w_init(&w, resp, sizeof(resp));
    {
        size_t pl = sizeof(prefix) - 1, tl = strlen(ctx->token);
        if (n > pl + tl && !memcmp(req, prefix, pl) && !memcmp(req + pl, ctx->token, tl) &&
            req[pl + tl] == ' ') {
            size_t kl = strlen(keyauth);
            w_str(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ");
            w_u64(&w, kl);
            w_str(&w, "\r\nConnection: close\r\n\r\n");
            w_str(&w, keyauth);
            served = 1;
        } else {
            w_str(&w, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    }
    if (!w.overflow) {
        size_t off = 0;
        while (off < w.len) {
            int r = ctx->port.send(ctx->port.user, sock, (const uint8_t *)resp + off,
                                   w.len - off, 2000);
            if (r <= 0)
                break;
            off += (size_t)r;
        }
    }
    ctx->port.close(ctx->port.user, sock);
    LOG_DEBUG(ctx, served ? "http-01: served the key authorization" : "http-01: answered 404", NULL);
    return served;
}

/* A built-in challenge responder: what it serves and where it listens. */
typedef struct responder {
    int listener;                 /* -1: none (dns-01) */
    int tls;                      /* 1: tls-alpn-01, 0: http-01 */
    const char *keyauth;
    br_x509_certificate cert;     /* tls-alpn-01 */
    const acme5g_ec_key *key;     /* tls-alpn-01 */
} responder;

static int flow_serve_one(acme5g_ctx *ctx, const responder *r, int sock);

/* Accept and serve validation requests for up to `wait_ms`; returns the
 * number of good answers.  After the first one it returns once the
 * validator has been quiet for FLOW_LINGER_MS (it connects several times at
 * once, from different vantage points: those connections are queued by
 * then; a later one is served while the authorization poll waits).
 * Without a listener it sleeps. */
#define FLOW_LINGER_MS 20u
static int flow_respond(acme5g_ctx *ctx, const responder *r, uint32_t wait_ms)
{
    uint64_t end = ctx->port.monotonic_ms(ctx->port.user) + wait_ms;
    int hits = 0;
    if (r->listener < 0) {
        ctx->port.sleep_ms(ctx->port.user, wait_ms);
        return 0;
    }
    for (;;) {
        uint64_t now = ctx->port.monotonic_ms(ctx->port.user);
        uint32_t slice;
        int s;
        if (now >= end || now >= ctx->deadline_ms)
            break;
        slice = (uint32_t)(end - now);
        if (hits && slice > FLOW_LINGER_MS)
            slice = FLOW_LINGER_MS;
        s = ctx->port.accept(ctx->port.user, r->listener, slice);
        if (s == ACME5G_PORT_TIMEOUT) {
            if (hits)
                break;
            continue;
        }
        if (s < 0)
            break;
        hits += flow_serve_one(ctx, r, s);
    }
    return hits;
}

/* --- CSR (RFC 2986), built with our DER writer --- */

static const unsigned char oid_ec_public_key[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const unsigned char oid_prime256v1[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const unsigned char oid_secp384r1[] = { 0x2b, 0x81, 0x04, 0x00, 0x22 };
static const unsigned char oid_ecdsa_sha256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const unsigned char oid_ecdsa_sha384[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
static const unsigned char oid_ext_request[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e };
static const unsigned char oid_common_name[] = { 0x55, 0x04, 0x03 };

/* A BIT STRING of whole bytes (no unused bits). */
static void der_bit_string(der_w *d, const void *data, size_t len)
{
    der_open(d, 0x03);
    der_bytes(d, "\x00", 1);
    der_bytes(d, data, len);
    der_close(d);
}

/* Close a signed structure (CSR or certificate) whose "to be signed" part
 * is written: signatureAlgorithm ecdsa-with-SHA256/384, the BIT STRING
 * with the DER signature, and the outer SEQUENCE. */
static int der_finish_signed(der_w *d, const unsigned char *sig, size_t sig_len, int p384,
                             size_t *out_len)
{
    der_open(d, 0x30);
    if (p384)
        der_tlv(d, 0x06, oid_ecdsa_sha384, sizeof(oid_ecdsa_sha384));
    else
        der_tlv(d, 0x06, oid_ecdsa_sha256, sizeof(oid_ecdsa_sha256));
    der_close(d);
    der_bit_string(d, sig, sig_len);
    der_close(d);
    if (d->overflow)
        return ACME5G_ERR_REQUEST_TOO_LARGE;
    *out_len = d->len;
    return ACME5G_OK;
}

/* SubjectPublicKeyInfo of an EC public key (P-256 or P-384). */
static void der_spki(der_w *d, const acme5g_ec_key *key)
{
    der_open(d, 0x30);
    der_open(d, 0x30);
    der_tlv(d, 0x06, oid_ec_public_key, sizeof(oid_ec_public_key));
    if (key_coord_len(key) == 48)
        der_tlv(d, 0x06, oid_secp384r1, sizeof(oid_secp384r1));
    else
        der_tlv(d, 0x06, oid_prime256v1, sizeof(oid_prime256v1));
    der_close(d);
    der_bit_string(d, key->pk.q, key->pk.qlen);
    der_close(d);
}

/* DER CSR for the identifiers, signed with `key`.  Subject CN = the first
 * DNS name (when it fits 64 chars), SAN = every identifier. */

static int csr_build(const acme5g_ec_key *key, const acme5g_signer *signer,
                     const acme5g_identifier *ids, size_t n, unsigned char *out, size_t cap,
                     size_t *out_len)
{
    der_w d;
    size_t cri_start, cri_end, i, sig_len;
    unsigned char h[48], sig[112];
    const char *cn = NULL;
    int p384 = key_coord_len(key) == 48;

    for (i = 0; i < n; i++)
        if (ids[i].type == ACME5G_ID_DNS && strlen(ids[i].value) <= 64) {
            cn = ids[i].value;
            break;
        }
    der_init(&d, out, cap);
    der_open(&d, 0x30);                         /* CertificationRequest */
    cri_start = d.len;
    der_open(&d, 0x30);                         /* CertificationRequestInfo */
    der_tlv(&d, 0x02, "\x00", 1);               /* version 0 */
    der_open(&d, 0x30);                         /* subject */
    if (cn) {
        der_open(&d, 0x31);
        der_open(&d, 0x30);
        der_tlv(&d, 0x06, oid_common_name, sizeof(oid_common_name));
        der_tlv(&d, 0x0c, cn, strlen(cn));
        der_close(&d);
        der_close(&d);
    }
    der_close(&d);
    der_spki(&d, key);
    der_open(&d, 0xa0);                         /* attributes */
    der_open(&d, 0x30);
    der_tlv(&d, 0x06, oid_ext_request, sizeof(oid_ext_request));
    der_open(&d, 0x31);
    der_open(&d, 0x30);                         /* Extensions */
    der_open(&d, 0x30);                         /* Extension: SAN */
    der_tlv(&d, 0x06, oid_san, sizeof(oid_san));
    der_open(&d, 0x04);
    der_open(&d, 0x30);
    for (i = 0; i < n; i++) {
        if (ids[i].type == ACME5G_ID_IP) {
            unsigned char ip[16];
            size_t l = ip_parse(ids[i].value, strlen(ids[i].value), ip);
            der_tlv(&d, 0x87, ip, l);
        } else if (ids[i].type == ACME5G_ID_URI) {
            der_tlv(&d, 0x86, ids[i].value, strlen(ids[i].value));
        } else if (IS_NF_INSTANCE(&ids[i])) {
            char urn[46];
            wbuf w;
            w_init(&w, urn, sizeof(urn));
            w_str(&w, "urn:uuid:");
            w_lower(&w, ids[i].value);
            der_tlv(&d, 0x86, urn, w.len);
        } else {
            der_tlv(&d, 0x82, ids[i].value, strlen(ids[i].value));
        }
    }
    der_close(&d);
    der_close(&d);
    der_close(&d);
    der_close(&d);
    der_close(&d);
    der_close(&d);
    der_close(&d);
    der_close(&d);                              /* end of CRI */
    if (d.overflow)
        return ACME5G_ERR_REQUEST_TOO_LARGE;
    cri_end = d.len;

    key_digest(key, out + cri_start, cri_end - cri_start, "", 0, "", 0, h);
    /* an external key (a secure element) signs through its callback */
    sig_len = signer ? signer->sign(signer->user, h, p384 ? 48 : 32, sig, sizeof(sig))
                     : CRYPTO_ECDSA_SIGN_ASN1(ec_impl(), key_hash(key), h, &key->sk, sig);
    if (sig_len == 0 || sig_len > sizeof(sig))
        return ACME5G_ERR_CRYPTO;
    return der_finish_signed(&d, sig, sig_len, p384, out_len);
}

/* --- CSR parsing and verification (for the shared client) --- */

#if ACME5G_WITH_SHA384
static const unsigned char oid_ecdsa_sha512[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04 };
#endif

static der_r dn_common_name(const der_r *dn);

/* See acme5g.h. */
int acme5g_csr_parse(const uint8_t *der, size_t len, acme5g_csr *out)
{
    der_r top, req, cri, v, subject, spki, alg, oid, curve, bits, sigalg, sigbits, attrs;
    const unsigned char *cri_start;
    const br_hash_class *hash;
    unsigned char h[64];
    br_hash_compat_context hc;
    br_ec_public_key pk;
    size_t text_used = 0;
    int tag;

    memset(out, 0, sizeof(*out));
    top.p = der;
    top.end = der + len;
    if (der_expect(&top, 0x30, &req) || top.p != top.end)
        return ACME5G_ERR_CSR;
    cri_start = req.p;
    if (der_expect(&req, 0x30, &cri))
        return ACME5G_ERR_CSR;
    {
        size_t cri_len = (size_t)(req.p - cri_start);
        if (der_expect(&cri, 0x02, &v) || v.end - v.p != 1 || v.p[0] != 0 ||
            der_expect(&cri, 0x30, &subject) || der_expect(&cri, 0x30, &spki) ||
            der_expect(&spki, 0x30, &alg) || der_expect(&spki, 0x03, &bits) ||
            der_expect(&alg, 0x06, &oid) || der_expect(&alg, 0x06, &curve) ||
            (size_t)(oid.end - oid.p) != sizeof(oid_ec_public_key) ||
            memcmp(oid.p, oid_ec_public_key, sizeof(oid_ec_public_key)) ||
            bits.end - bits.p < 2 || bits.p[0] != 0)
            return ACME5G_ERR_CSR;
        if ((size_t)(curve.end - curve.p) == sizeof(oid_prime256v1) &&
            !memcmp(curve.p, oid_prime256v1, sizeof(oid_prime256v1)) && bits.end - bits.p == 66)
            out->key_type = ACME5G_KEY_P256;
        else if ((size_t)(curve.end - curve.p) == sizeof(oid_secp384r1) &&
                 !memcmp(curve.p, oid_secp384r1, sizeof(oid_secp384r1)) &&
                 bits.end - bits.p == 98)
            out->key_type = ACME5G_KEY_P384;
        else
            return ACME5G_ERR_CSR;
        out->public_key_len = (size_t)(bits.end - bits.p - 1);
        memcpy(out->public_key, bits.p + 1, out->public_key_len);

        /* attributes [0]: extensionRequest -> subjectAltName */
        if (der_expect(&cri, 0xa0, &attrs))
            return ACME5G_ERR_CSR;
        while (attrs.p < attrs.end) {
            der_r attr, aoid, set, exts;
            if (der_expect(&attrs, 0x30, &attr) || der_expect(&attr, 0x06, &aoid) ||
                der_expect(&attr, 0x31, &set))
                return ACME5G_ERR_CSR;
            if ((size_t)(aoid.end - aoid.p) != sizeof(oid_ext_request) ||
                memcmp(aoid.p, oid_ext_request, sizeof(oid_ext_request)))
                continue;
            if (der_expect(&set, 0x30, &exts))
                return ACME5G_ERR_CSR;
            while (exts.p < exts.end) {
                der_r ext, eoid, val, names, gn;
                if (der_expect(&exts, 0x30, &ext) || der_expect(&ext, 0x06, &eoid) ||
                    der_next(&ext, &tag, &val))
                    return ACME5G_ERR_CSR;
                if (tag == 0x01 && der_next(&ext, &tag, &val))
                    return ACME5G_ERR_CSR;
                if (tag != 0x04)
                    return ACME5G_ERR_CSR;
                if ((size_t)(eoid.end - eoid.p) != sizeof(oid_san) ||
                    memcmp(eoid.p, oid_san, sizeof(oid_san)))
                    continue;
                if (der_expect(&val, 0x30, &names))
                    return ACME5G_ERR_CSR;
                while (names.p < names.end) {
                    acme5g_identifier *id;
                    size_t n;
                    wbuf w;
                    if (der_next(&names, &tag, &gn))
                        return ACME5G_ERR_CSR;
                    n = (size_t)(gn.end - gn.p);
                    if (tag != 0x82 && tag != 0x87 && tag != 0x86)
                        return ACME5G_ERR_CSR_NAMES; /* a name type we cannot vouch for */
                    if (out->identifier_count >= ACME5G_MAX_IDENTIFIERS)
                        return ACME5G_ERR_TOO_MANY_NAMES;
                    id = &out->identifiers[out->identifier_count];
                    w_init(&w, out->text + text_used, sizeof(out->text) - text_used);
                    if (tag == 0x87) {
                        if (n != 4 && n != 16)
                            return ACME5G_ERR_CSR;
                        w_ip(&w, gn.p, n);
                    } else {
                        size_t k;
                        for (k = 0; k < n; k++)
                            if (gn.p[k] <= 0x20 || gn.p[k] >= 0x7f)
                                return ACME5G_ERR_CSR_NAMES;
                        w_mem(&w, gn.p, n);
                    }
                    w_cstr(&w);
                    if (w.overflow)
                        return ACME5G_ERR_CSR;
                    id->type = tag == 0x82 ? ACME5G_ID_DNS
                             : tag == 0x87 ? ACME5G_ID_IP : ACME5G_ID_URI;
                    id->value = out->text + text_used;
                    text_used += w.len + 1;
                    if (id->type == ACME5G_ID_DNS && !dns_name_valid(id->value))
                        return ACME5G_ERR_CSR_NAMES;
                    out->identifier_count++;
                }
            }
        }

        /* the signature over the CRI, with the key the CSR carries */
        if (der_expect(&req, 0x30, &sigalg) || der_expect(&sigalg, 0x06, &oid) ||
            der_expect(&req, 0x03, &sigbits) || sigbits.end - sigbits.p < 2 || sigbits.p[0] != 0)
            return ACME5G_ERR_CSR;
        if ((size_t)(oid.end - oid.p) != sizeof(oid_ecdsa_sha256))
            return ACME5G_ERR_CSR;
        hash = !memcmp(oid.p, oid_ecdsa_sha256, sizeof(oid_ecdsa_sha256)) ? &br_sha256_vtable
#if ACME5G_WITH_SHA384
             : !memcmp(oid.p, oid_ecdsa_sha384, sizeof(oid_ecdsa_sha384)) ? &br_sha384_vtable
             : !memcmp(oid.p, oid_ecdsa_sha512, sizeof(oid_ecdsa_sha512)) ? &br_sha512_vtable
#endif
                                                                          : NULL;
        if (!hash)
            return ACME5G_ERR_CSR;
        hash->init(&hc.vtable);
        hash->update(&hc.vtable, cri_start, cri_len);
        hash->out(&hc.vtable, h);
        pk.curve = out->key_type == ACME5G_KEY_P384 ? BR_EC_secp384r1 : BR_EC_secp256r1;
        pk.q = out->public_key;
        pk.qlen = out->public_key_len;
        if (!key_curve(out->key_type) ||
            !CRYPTO_ECDSA_VRFY_ASN1(ec_impl(), h,
                                    (hash->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK,
                                    &pk, sigbits.p + 1, (size_t)(sigbits.end - sigbits.p - 1)))
            return ACME5G_ERR_CSR_SIGNATURE;
    }
    if (out->identifier_count == 0)
        return ACME5G_ERR_CSR_NAMES;
    {
        /* a subject CN must name one of the SANs: a CA that copies the
         * subject must not learn a name nobody checked */
        der_r cn = dn_common_name(&subject);
        size_t i, cl = cn.p ? (size_t)(cn.end - cn.p) : 0;
        int found = !cn.p;
        for (i = 0; i < out->identifier_count && !found; i++)
            found = strlen(out->identifiers[i].value) == cl &&
                    mem_ieq(out->identifiers[i].value, (const char *)cn.p, cl);
        if (!found)
            return ACME5G_ERR_CSR_NAMES;
    }
    return ACME5G_OK;
}

/* Do two identifier lists hold the same set (DNS names case-insensitive,
 * IPs by address)? */
static int ids_same_set(const acme5g_identifier *a, size_t na, const acme5g_identifier *b, size_t nb)
{
    size_t i, j;
    if (na != nb)
        return 0;
    for (i = 0; i < na; i++) {
        int found = 0;
        for (j = 0; j < nb && !found; j++) {
            unsigned char x[16], y[16];
            size_t xl, yl;
            if (a[i].type != b[j].type)
                continue;
            if (a[i].type == ACME5G_ID_IP) {
                xl = ip_parse(a[i].value, strlen(a[i].value), x);
                yl = ip_parse(b[j].value, strlen(b[j].value), y);
                found = xl && xl == yl && !memcmp(x, y, xl);
            } else if (a[i].type == ACME5G_ID_DNS) {
                found = strlen(a[i].value) == strlen(b[j].value) &&
                        mem_ieq(a[i].value, b[j].value, strlen(a[i].value));
            } else {
                found = !strcmp(a[i].value, b[j].value);
            }
        }
        if (!found)
            return 0;
    }
    return 1;
}

/* --- tls-alpn-01 (RFC 8737): a self-signed certificate and a responder --- */

static const unsigned char oid_acme_identifier[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1f };

/* DER of a self-signed certificate for one identifier: a single SAN and
 * the critical id-pe-acmeIdentifier extension holding SHA-256(keyauth). */
static int alpn_cert_build(acme5g_ctx *ctx, const acme5g_ec_key *key, const char *ident,
                           const char *keyauth, unsigned char *out, size_t cap, size_t *out_len)
{
    der_w d;
    size_t tbs_start, tbs_end, sig_len, ip_len;
    unsigned char h[32], sig[80], serial[8], ip[16];
    char t0[13], t1[13];
    br_sha256_context sc;
    int64_t now = ctx->port.now_s(ctx->port.user);

    br_sha256_init(&sc);
    br_sha256_update(&sc, keyauth, strlen(keyauth));
    br_sha256_out(&sc, h);
    ctx->drbg.vtable->generate(&ctx->drbg.vtable, serial, sizeof(serial));
    serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40); /* positive, 8 bytes */
    utc_time(now - 86400, t0);
    utc_time(now + 7 * 86400, t1);
    ip_len = ip_parse(ident, strlen(ident), ip);

    der_init(&d, out, cap);
    der_open(&d, 0x30);                          /* Certificate */
    tbs_start = d.len;
    der_open(&d, 0x30);                          /* TBSCertificate */
    der_open(&d, 0xa0);
    der_tlv(&d, 0x02, "\x02", 1);                /* v3 */
    der_close(&d);
    der_tlv(&d, 0x02, serial, sizeof(serial));
    der_open(&d, 0x30);
    der_tlv(&d, 0x06, oid_ecdsa_sha256, sizeof(oid_ecdsa_sha256));
    der_close(&d);
    der_open(&d, 0x30);                          /* issuer: empty */
    der_close(&d);
    der_open(&d, 0x30);                          /* validity */
    der_tlv(&d, 0x17, t0, 13);
    der_tlv(&d, 0x17, t1, 13);
    der_close(&d);
    der_open(&d, 0x30);                          /* subject: empty */
    der_close(&d);
    der_spki(&d, key);                           /* a P-256 key */
    der_open(&d, 0xa3);
    der_open(&d, 0x30);                          /* Extensions */
    der_open(&d, 0x30);                          /* subjectAltName: the identifier */
    der_tlv(&d, 0x06, oid_san, sizeof(oid_san));
    der_open(&d, 0x04);
    der_open(&d, 0x30);
    if (ip_len)
        der_tlv(&d, 0x87, ip, ip_len);
    else
        der_tlv(&d, 0x82, ident, strlen(ident));
    der_close(&d);
    der_close(&d);
    der_close(&d);
    der_open(&d, 0x30);                          /* acmeIdentifier, critical */
    der_tlv(&d, 0x06, oid_acme_identifier, sizeof(oid_acme_identifier));
    der_tlv(&d, 0x01, "\xff", 1);
    der_open(&d, 0x04);
    der_tlv(&d, 0x04, h, sizeof(h));
    der_close(&d);
    der_close(&d);
    der_close(&d);
    der_close(&d);
    der_close(&d);                               /* end of TBSCertificate */
    if (d.overflow)
        return ACME5G_ERR_REQUEST_TOO_LARGE;
    tbs_end = d.len;
    br_sha256_init(&sc);
    br_sha256_update(&sc, out + tbs_start, tbs_end - tbs_start);
    br_sha256_out(&sc, h);
    sig_len = CRYPTO_ECDSA_SIGN_ASN1(ec_impl(), &br_sha256_vtable, h, &key->sk, sig);
    if (sig_len == 0)
        return ACME5G_ERR_CRYPTO;
    return der_finish_signed(&d, sig, sig_len, 0, out_len);
}

#if ACME5G_WITH_TLSALPN01
/* One validation connection: a TLS 1.2 handshake that must select ALPN
 * "acme-tls/1"; the validator sends no data and closes (RFC 8737 4).
 * Runs in the client engine's memory: the ACME connection is closed.
 * Returns 1 when a handshake with acme-tls/1 completed. */
static int flow_tlsalpn_serve(acme5g_ctx *ctx, int sock, const br_x509_certificate *cert,
                              const acme5g_ec_key *key)
{
    static const char *protocols[] = { "acme-tls/1" };
    br_ssl_server_context *sc = &ctx->tls.server;
    unsigned char seed[32], byte;
    uint64_t deadline = ctx->deadline_ms, now = ctx->port.monotonic_ms(ctx->port.user);
    const char *selected;
    int ok = 0;

    if (entropy_get(ctx, seed, sizeof(seed))) {
        ctx->port.close(ctx->port.user, sock);
        return 0;
    }
    br_ssl_server_init_full_ec(sc, cert, 1, BR_KEYTYPE_EC, &key->sk);
    br_ssl_engine_set_versions(&sc->eng, BR_TLS12, BR_TLS12);
    br_ssl_engine_set_protocol_names(&sc->eng, protocols, 1);
    br_ssl_engine_add_flags(&sc->eng, BR_OPT_FAIL_ON_ALPN_MISMATCH);
    br_ssl_engine_set_buffer(&sc->eng, ctx->tls_buf, sizeof(ctx->tls_buf), 0);
    br_ssl_engine_inject_entropy(&sc->eng, seed, sizeof(seed));
    wipe(seed, sizeof(seed));
    if (br_ssl_server_reset(sc)) {
        /* a silent or slow validator gets 5 s, not the whole deadline */
        if (now + 5000 < deadline)
            ctx->deadline_ms = now + 5000;
        ctx->sock = sock;
        br_sslio_init(&ctx->io, &sc->eng, io_port_read, ctx, io_port_write, ctx);
        (void)br_sslio_read(&ctx->io, &byte, 1);
        selected = br_ssl_engine_get_selected_protocol(&sc->eng);
        ok = selected && !strcmp(selected, protocols[0]) &&
             (br_ssl_engine_last_error(&sc->eng) == BR_ERR_OK ||
              br_ssl_engine_last_error(&sc->eng) == BR_ERR_IO);
        ctx->deadline_ms = deadline;
        ctx->sock = -1;
    }
    ctx->port.close(ctx->port.user, sock);
    LOG_DEBUG(ctx, ok ? "tls-alpn-01: handshake done" : "tls-alpn-01: handshake failed", NULL);
    return ok;
}
#endif

static int flow_serve_one(acme5g_ctx *ctx, const responder *r, int sock)
{
#if ACME5G_WITH_TLSALPN01
    if (r->tls) {
        conn_close(ctx); /* the server engine takes the client's memory */
        return flow_tlsalpn_serve(ctx, sock, &r->cert, r->key);
    }
#endif
    return flow_http01_serve(ctx, sock, r->keyauth);
}

/* Challenge types we answer, as ACME names them. */
static const char *const challenge_names[] = { "http-01", "dns-01", "tls-alpn-01" };

/* Record the challenge's error (RFC 8555 8) as the problem document. */
static void flow_challenge_problem(acme5g_ctx *ctx)
{
    int ch = json_get(ctx, 0, "challenges"), i, k;
    const jsmntok_t *t = TOK(ctx);
    memset(&ctx->problem, 0, sizeof(ctx->problem));
    if (ch < 0 || t[ch].type != JSMN_ARRAY)
        return;
    for (i = ch + 1, k = 0; k < t[ch].size; k++, i = json_skip(t, i)) {
        int e = json_get(ctx, i, "error");
        if (e >= 0) {
            /* the error came inside a 200 response: no HTTP status of its own */
            ctx->problem.http_status = 0;
            ctx->problem.retry_after_s = -1;
            (void)json_str(ctx, json_get(ctx, e, "type"), ctx->problem.type,
                           sizeof(ctx->problem.type));
            (void)json_str(ctx, json_get(ctx, e, "detail"), ctx->problem.detail,
                           sizeof(ctx->problem.detail));
            return;
        }
    }
}

#if ACME5G_WITH_DNS01
/* dns-01 (RFC 8555 8.4): TXT "_acme-challenge.<domain>" =
 * base64url(SHA-256(key authorization)), published through the port. */
static int flow_dns01_publish(acme5g_ctx *ctx, const char *domain, const char *keyauth,
                              int present)
{
    char name[300], value[44];
    unsigned char h[32];
    br_sha256_context sc;
    wbuf w;
    if (!ctx->port.dns_txt)
        return ACME5G_ERR_DNS_HOOK;
    br_sha256_init(&sc);
    br_sha256_update(&sc, keyauth, strlen(keyauth));
    br_sha256_out(&sc, h);
    w_init(&w, value, sizeof(value));
    w_b64u(&w, h, sizeof(h));
    w_cstr(&w);
    w_init(&w, name, sizeof(name));
    w_str(&w, "_acme-challenge.");
    w_str(&w, domain);
    w_cstr(&w);
    if (w.overflow)
        return ACME5G_ERR_FIELD_TOO_LONG;
    LOG_DEBUG(ctx, present ? "dns-01: publishing TXT " : "dns-01: removing TXT ", name);
    return ctx->port.dns_txt(ctx->port.user, name, value, present) == 0 ? ACME5G_OK
                                                                      : ACME5G_ERR_DNS_HOOK;
}
#else
/* Built without dns-01 (ACME5G_WITH_DNS01 0). */
static int flow_dns01_publish(acme5g_ctx *ctx, const char *domain, const char *keyauth,
                              int present)
{
    (void)ctx; (void)domain; (void)keyauth; (void)present;
    return ACME5G_ERR_DNS_HOOK;
}
#endif

static int flow_authz_expired(acme5g_ctx *ctx);

#if ACME5G_WITH_TKAUTH
/* --- tkauth-01 (RFC 9447, tkauth-type "atc"; TS 33.310 Annex J) --- */

#define TKAUTH_FP_LEN (7 + 32 * 3 - 1) /* "SHA256 " + 32 hex pairs with ':' */

/* The atc claim's binding to our account: "SHA256 " and the RFC 7638
 * thumbprint of the account key as upper-case hex pairs joined by ':'
 * (the fingerprint syntax of RFC 8225, which RFC 9447 points to). */
static void tkauth_fingerprint(const acme5g_ec_key *k, char out[TKAUTH_FP_LEN + 1])
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char h[32];
    size_t i;
    wbuf w;
    jwk_thumbprint_raw(k, h);
    w_init(&w, out, TKAUTH_FP_LEN + 1);
    w_str(&w, "SHA256 ");
    for (i = 0; i < 32; i++) {
        char pair[3];
        pair[0] = ':'; /* before every pair but the first */
        pair[1] = hex[h[i] >> 4];
        pair[2] = hex[h[i] & 15];
        w_mem(&w, i ? pair : pair + 1, i ? 3 : 2);
    }
    w_cstr(&w);
}

/* A Token Authority failure, said with the authority's URL in the problem
 * detail so that the user knows which server it was. */
static int tkauth_fail(acme5g_ctx *ctx, int err, const char *url, const char *why,
                       const char *more)
{
    wbuf w;
    memset(&ctx->problem, 0, sizeof(ctx->problem));
    ctx->problem.retry_after_s = -1;
    w_init(&w, ctx->problem.detail, sizeof(ctx->problem.detail));
    w_str(&w, "token authority ");
    w_str(&w, url);
    w_str(&w, ": ");
    w_str(&w, why);
    if (more && more[0]) {
        w_str(&w, ": ");
        w_str(&w, more);
    }
    w_cstr(&w); /* a piece that does not fit is left out whole */
    LOG_WARN(ctx, "tkauth-01: ", ctx->problem.detail);
    return err;
}

/* Ask the Token Authority for a token over its own TLS connection (its
 * anchors, our client certificate), as RFC 9448 5's token request does:
 * POST {"atc":{...}} -> {"token": JWT}.  The ACME connection is closed
 * meanwhile; its origin and nonce are kept so that the next ACME request
 * offers the session for resumption and needs no newNonce. */
static int tkauth_fetch(acme5g_ctx *ctx, const char *url, const char *ident, const char *fp)
{
    char host[sizeof(ctx->conn_host)], nonce[sizeof(ctx->nonce)], why[80];
    uint16_t port = ctx->conn_port;
    int err, n, tok;
    wbuf w;
    w_init(&w, ctx->request, sizeof(ctx->request));
    w_str(&w, "{\"atc\":{\"tktype\":\"NfInstanceId\",\"tkvalue\":\"");
    w_str(&w, ident); /* a UUID: checked by the caller */
    w_str(&w, "\",\"ca\":false,\"fingerprint\":\"");
    w_str(&w, fp);
    w_str(&w, "\"}}");
    if (w.overflow)
        return ACME5G_ERR_REQUEST_TOO_LARGE;
    memcpy(host, ctx->conn_host, sizeof(host));
    memcpy(nonce, ctx->nonce, sizeof(nonce));
    conn_close(ctx);
    ctx->conn_host[0] = 0; /* never resume the ACME session with another server */
    ctx->conn_authority = 1;
    LOG_INFO(ctx, "asking the token authority ", url);
    err = http_request_ct(ctx, "POST", url, ctx->request, w.len, "application/json");
    conn_close(ctx);
    ctx->conn_authority = 0;
    memcpy(ctx->conn_host, host, sizeof(host));
    ctx->conn_port = port;
    memcpy(ctx->nonce, nonce, sizeof(nonce));
    if (err)
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY, url, acme5g_strerror(err), NULL);
    n = ctx->http_content_type == CT_JSON ? json_parse(ctx) : -1;
    if (ctx->http_status != 200) {
        char msg[128] = "";
        if (n > 0)
            (void)json_str(ctx, json_get(ctx, 0, "message"), msg, sizeof(msg));
        w_init(&w, why, sizeof(why));
        w_str(&w, "refused with HTTP ");
        w_u64(&w, (uint64_t)ctx->http_status);
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY, url, w_cstr(&w), msg);
    }
    if (n <= 0 || (tok = json_get(ctx, 0, "token")) < 0)
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY, url, "the answer carries no token", NULL);
    if (json_str(ctx, tok, ctx->tkauth_token, sizeof(ctx->tkauth_token)))
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY_TOKEN, url,
                           "the token is not a string or too long", NULL);
    return ACME5G_OK;
}

/* A JSON string member equal to `want`. */
static int json_str_is(acme5g_ctx *ctx, int obj, const char *key, const char *want)
{
    char v[TKAUTH_FP_LEN + 1];
    return !json_str(ctx, json_get(ctx, obj, key), v, sizeof(v)) && !strcmp(v, want);
}

/* Check the token before it leaves: a JWT (three base64url parts) whose
 * payload has a jti, an exp still ahead, and an atc claim for this
 * identifier and this account key.  The signature is the CA's to verify:
 * we need not know the authority's key.  A token that fails any of this
 * would only be refused by the CA, after the authority spent a jti. */
static int tkauth_check(acme5g_ctx *ctx, const char *url, const char *ident, const char *fp,
                        int *expired)
{
    const char *tok = ctx->tkauth_token, *d1, *d2;
    size_t n = strlen(tok);
    uint64_t exp;
    long len;
    int atc, e;
    d1 = memchr(tok, '.', n);
    d2 = d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - tok)) : NULL;
    if (!d2 || !b64u_valid_token(tok, (size_t)(d1 - tok)) ||
        !b64u_valid_token(d1 + 1, (size_t)(d2 - d1 - 1)) ||
        !b64u_valid_token(d2 + 1, n - (size_t)(d2 + 1 - tok)))
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY_TOKEN, url, "the token is not a JWS", NULL);
    /* the payload, decoded into the body buffer (the answer is spent) */
    len = b64u_decode(d1 + 1, (size_t)(d2 - d1 - 1), ctx->body, ACME5G_BODY_MAX);
    ctx->body_len = len > 0 ? (size_t)len : 0;
    if (len <= 0 || json_parse(ctx) <= 0 || TOK(ctx)[0].type != JSMN_OBJECT)
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY_TOKEN, url,
                           "the token's payload is not a JSON object", NULL);
    e = json_get(ctx, 0, "exp");
    if (e < 0 || TOK(ctx)[e].type != JSMN_PRIMITIVE ||
        parse_uint((const char *)ctx->body + TOK(ctx)[e].start,
                   (size_t)(TOK(ctx)[e].end - TOK(ctx)[e].start), UINT64_C(1) << 40, &exp) ||
        json_get(ctx, 0, "jti") < 0)
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY_TOKEN, url, "the token has no exp or jti",
                           NULL);
    /* RFC 9447 4: exp keeps tokens fresh; one that has passed is never sent */
    if ((int64_t)exp <= ctx->port.now_s(ctx->port.user)) {
        if (expired)
            *expired = 1;
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY_TOKEN, url, "the token has expired", NULL);
    }
    atc = json_get(ctx, 0, "atc");
    if (atc < 0 || !json_str_is(ctx, atc, "tktype", "NfInstanceId"))
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY_TOKEN, url,
                           "the token has no atc claim for an NfInstanceId", NULL);
    if (!json_str_is(ctx, atc, "tkvalue", ident))
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY_TOKEN, url,
                           "the token is for another identifier than", ident);
    if (!json_str_is(ctx, atc, "fingerprint", fp))
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY_TOKEN, url,
                           "the token is bound to another account key than", fp);
    return ACME5G_OK;
}

/* A token from the port's authority_token, or else from the Token Authority
 * (the configured one, or the challenge's hint); *url names the source. */
static int tkauth_get(acme5g_ctx *ctx, const acme5g_enrol_params *p, const char *ident,
                      const char *fp, const char **url)
{
    *url = p->token_authority_url;
    if (!*url && ctx->port.authority_token) {
        int n = ctx->port.authority_token(ctx->port.user, "NfInstanceId", ident, fp,
                                          ctx->token_authority, ctx->tkauth_token,
                                          sizeof(ctx->tkauth_token));
        *url = "(port)";
        if (n <= 0 || (size_t)n >= sizeof(ctx->tkauth_token) ||
            strlen(ctx->tkauth_token) != (size_t)n)
            return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY, *url, "no token", NULL);
        return ACME5G_OK;
    }
    if (!*url)
        *url = ctx->token_authority; /* the challenge's hint */
    if (!(*url)[0])
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY, "(none)",
                           "no token authority configured or named by the challenge", NULL);
    return tkauth_fetch(ctx, *url, ident, fp);
}

/* Get a token for the NfInstanceId `ident` and POST it to the challenge. */
static int flow_tkauth_answer(acme5g_ctx *ctx, const char *ident, const acme5g_enrol_params *p)
{
    char fp[TKAUTH_FP_LEN + 1];
    const char *url = NULL;
    int err, attempt;
    wbuf w;
    size_t i;
    if (!uuid_valid(ident))
        return ACME5G_ERR_JSON_FIELD; /* it goes into a request: the server's echo must be a UUID */
    /* a token is asked for our own NF instance IDs only */
    for (i = 0; i < p->identifier_count; i++)
        if (p->identifiers[i].type == ACME5G_ID_NF_INSTANCE && mem_ieq(p->identifiers[i].value,
                                                                        ident, 37))
            break;
    if (i == p->identifier_count)
        return tkauth_fail(ctx, ACME5G_ERR_AUTHORITY_TOKEN, "(none)",
                           "the CA asks for a token for an NF instance ID we did not order",
                           ident);
    tkauth_fingerprint(&ctx->account_key, fp);
    for (attempt = 0;; attempt++) {
        int expired = 0;
        if ((err = tkauth_get(ctx, p, ident, fp, &url)) ||
            !(err = tkauth_check(ctx, url, ident, fp, &expired)))
            break;
        /* a token past its exp is never sent: ask once more for a fresh one */
        if (!expired || attempt > 0)
            break;
        LOG_WARN(ctx, "tkauth-01: the token has expired, asking for a fresh one", NULL);
    }
    if (err)
        return err;
    /* the authority may have taken longer than the authorization lives */
    if ((err = flow_authz_expired(ctx)))
        return err;
    jws_payload_begin(ctx, &w);
    w_str(&w, "{\"tkauth\":\"");
    w_str(&w, ctx->tkauth_token);
    w_str(&w, "\"}");
    w_b64_end(&w);
    wipe(ctx->tkauth_token, sizeof(ctx->tkauth_token));
    if (w.overflow)
        return ACME5G_ERR_REQUEST_TOO_LARGE;
    if ((err = flow_post(ctx, ctx->challenge_url, w.len, 0)))
        return err;
    return flow_check(ctx, 200, 200);
}
#else
static int flow_tkauth_answer(acme5g_ctx *ctx, const char *ident, const acme5g_enrol_params *p)
{
    (void)ctx; (void)ident; (void)p;
    return ACME5G_ERR_NO_CHALLENGE;
}
#endif

/* Solution #9: a challenge not completed before the authorization expires
 * ends this order (ACME5G_ERR_AUTHZ_INVALID); the caller restarts from
 * newOrder after the wait timer. */
static int flow_authz_expired(acme5g_ctx *ctx)
{
    if (!ctx->authz_expires_s || ctx->port.now_s(ctx->port.user) < ctx->authz_expires_s)
        return ACME5G_OK;
    memset(&ctx->problem, 0, sizeof(ctx->problem));
    ctx->problem.retry_after_s = -1;
    copy_cut(ctx->problem.detail, sizeof(ctx->problem.detail),
             "the challenge was not completed before the authorization expired", 64);
    return ACME5G_ERR_AUTHZ_INVALID;
}

/* The server refused a challenge answer (`err`, its problem kept): when
 * the authorization is no longer pending or valid (it expired meanwhile),
 * that ends the order as ACME5G_ERR_AUTHZ_INVALID, so that solution #9's
 * restart applies; otherwise `err` stands. */
static int flow_authz_gone(acme5g_ctx *ctx, const char *authz_url, int err)
{
    acme5g_problem kept = ctx->problem;
    int st = ST_UNKNOWN;
    if (!flow_post_as_get(ctx, authz_url) && ctx->http_status == 200 &&
        ctx->http_content_type == CT_JSON && json_parse(ctx) > 0)
        st = obj_status(ctx, 0);
    ctx->problem = kept;
    return st != ST_UNKNOWN && st != ST_PENDING && st != ST_VALID ? ACME5G_ERR_AUTHZ_INVALID : err;
}

/* Wait between authorization polls; a responder keeps serving meanwhile
 * (the validator may retry). */
static int flow_authz_wait(acme5g_ctx *ctx, unsigned attempt, const responder *r)
{
    uint32_t ms;
    int err = flow_poll_delay(ctx, attempt, &ms);
    if (!err)
        flow_respond(ctx, r, ms);
    return err;
}

/* The key authorization (RFC 8555 8.1): token "." thumbprint of the
 * account key. */
static int flow_key_authorization(acme5g_ctx *ctx, char *out, size_t cap)
{
    char thumb[44];
    wbuf w;
    jwk_thumbprint(&ctx->account_key, thumb);
    w_init(&w, out, cap);
    w_str(&w, ctx->token);
    w_str(&w, ".");
    w_str(&w, thumb);
    w_cstr(&w);
    return w.overflow ? ACME5G_ERR_FIELD_TOO_LONG : ACME5G_OK;
}

/* Bring one authorization to valid: fetch it, answer its challenge (http-01
 * served by the built-in responder, or dns-01 through the port), poll. */
static int flow_authorize(acme5g_ctx *ctx, const char *authz_url, int *listener,
                          const acme5g_enrol_params *p)
{
    char keyauth[128 + 1 + 44], ident[256];
    char url[ACME5G_URL_MAX];
    unsigned char alpn_der[ACME5G_WITH_TLSALPN01 ? 768 : 1]; /* no stack for it when left out */
    int status = ST_UNKNOWN, chall_status = ST_UNKNOWN, err, published = 0, tkauth = 0;
    int dns = p->challenge == ACME5G_CHALLENGE_DNS01;
    int tls = p->challenge == ACME5G_CHALLENGE_TLSALPN01;
    const char *type = challenge_names[p->challenge];
    unsigned attempt;
    responder r;
    wbuf w;

    /* the URL may live in ctx->authz_urls, which the next order parse
     * rewrites: keep a copy */
    memcpy(url, authz_url, sizeof(url));
    if ((err = flow_post_as_get(ctx, url)) || (err = flow_check(ctx, 200, 200)) ||
        (err = flow_require_json(ctx)) ||
        (err = obj_authz(ctx, type, ident, sizeof(ident), &status, &chall_status,
                              &tkauth)))
        return err;
    if (status == ST_VALID)
        return ACME5G_OK;
    if (status != ST_PENDING)
        return ACME5G_ERR_AUTHZ_INVALID;
    LOG_INFO(ctx, "authorizing ", ident);

    /* no listener: nothing to serve while polling (dns-01, tkauth-01) */
    memset(&r, 0, sizeof(r));
    r.listener = -1;
    r.keyauth = keyauth;
    keyauth[0] = 0;
    if (ACME5G_WITH_TKAUTH && tkauth) {
        /* the Authority Token is the proof: nothing to serve or publish */
        if (chall_status == ST_PENDING && (err = flow_tkauth_answer(ctx, ident, p)))
            return err == ACME5G_ERR_PROBLEM ? flow_authz_gone(ctx, url, err) : err;
        chall_status = ST_UNKNOWN; /* answered */
    } else if ((err = flow_key_authorization(ctx, keyauth, sizeof(keyauth)))) {
        return err;
    } else if (dns) {
        if ((err = flow_dns01_publish(ctx, ident, keyauth, 1)))
            return err;
        published = 1;
    } else {
        r.tls = tls;
        if (ACME5G_WITH_TLSALPN01 && tls) {
            /* the certificate key's slot is free until finalize */
            size_t der_len;
            if ((err = key_generate(ctx, &ctx->cert_key, ACME5G_KEY_P256)) ||
                (err = alpn_cert_build(ctx, &ctx->cert_key, ident, keyauth, alpn_der,
                                       sizeof(alpn_der), &der_len)))
                return err;
            r.cert.data = alpn_der;
            r.cert.data_len = der_len;
            r.key = &ctx->cert_key;
        }
        if (*listener < 0) {
            uint16_t port = tls ? (p->tls_port ? p->tls_port : 443)
                                : (p->http_port ? p->http_port : 80);
            if (!ctx->port.listen || !ctx->port.accept)
                return ACME5G_ERR_LISTEN;
            *listener = ctx->port.listen(ctx->port.user, port);
            if (*listener < 0)
                return ACME5G_ERR_LISTEN;
        }
        r.listener = *listener;
    }

    err = ACME5G_OK;
    if (chall_status == ST_PENDING) {
        jws_payload_begin(ctx, &w);
        w_str(&w, "{}");
        w_b64_end(&w);
        if (!(err = flow_post(ctx, ctx->challenge_url, w.len, 0)))
            err = flow_check(ctx, 200, 200);
    }
    /* RFC 8555 7.5.1: poll after the validation request was seen. */
    if (!err && r.listener >= 0)
        flow_respond(ctx, &r, 10000);
    for (attempt = 0; !err; attempt++) {
        if ((err = flow_post_as_get(ctx, url)) || (err = flow_check(ctx, 200, 200)) ||
            (err = flow_require_json(ctx)) ||
            (err = obj_authz(ctx, type, ident, sizeof(ident), &status, &chall_status,
                              &tkauth)))
            break;
        if (status == ST_VALID)
            break;
        if (status != ST_PENDING) {
            flow_challenge_problem(ctx);
            err = ACME5G_ERR_AUTHZ_INVALID;
            break;
        }
        if ((err = flow_authz_expired(ctx)))
            break;
        err = flow_authz_wait(ctx, attempt, &r);
    }
    if (published) {
        /* clean up whatever happened; a failed removal is only logged */
        if (flow_dns01_publish(ctx, ident, keyauth, 0) != ACME5G_OK)
            LOG_WARN(ctx, "dns-01: could not remove the TXT record for ", ident);
    }
    wipe(&ctx->cert_key, sizeof(ctx->cert_key));
    return err;
}

static int flow_finalize(acme5g_ctx *ctx, const acme5g_enrol_params *p, int *status)
{
    wbuf w;
    size_t csr_len;
    int err;
    char url[ACME5G_URL_MAX];

    /* The CSR is built in the body buffer: nothing there is live now.  A
     * CSR the caller brings (the shared client finalizing an NF's order)
     * is sent as it is. */
    if (p->csr_der) {
        if (p->csr_len > ACME5G_BODY_MAX)
            return ACME5G_ERR_REQUEST_TOO_LARGE;
        memcpy(ctx->body, p->csr_der, p->csr_len);
        csr_len = p->csr_len;
    } else {
        err = csr_build(&ctx->cert_key, p->cert_signer, p->identifiers, p->identifier_count,
                        ctx->body, ACME5G_BODY_MAX, &csr_len);
        if (err)
            return err;
    }
    jws_payload_begin(ctx, &w);
    w_str(&w, "{\"csr\":\"");
    w_b64u(&w, ctx->body, csr_len);
    w_str(&w, "\"}");
    w_b64_end(&w);
    if (w.overflow)
        return ACME5G_ERR_REQUEST_TOO_LARGE;
    memcpy(url, ctx->finalize_url, sizeof(url));
    if ((err = flow_post(ctx, url, w.len, 0)))
        return err;
    if (ctx->http_status == 403) {
        /* orderNotReady: a finalize resent after a lost connection may have
         * gone through already; the order poll tells. */
        obj_problem(ctx);
        if (problem_is(ctx, "orderNotReady")) {
            *status = ST_PENDING;
            return ACME5G_OK;
        }
        return ACME5G_ERR_PROBLEM;
    }
    if ((err = flow_check(ctx, 200, 200)) || (err = flow_require_json(ctx)))
        return err;
    return obj_order(ctx, status);
}

/* Check the downloaded chain's leaf: our key, every identifier. */
static int flow_check_leaf(acme5g_ctx *ctx, const acme5g_enrol_params *p)
{
    size_t off = 0, der_len = 0, i;
    x509_fields f;
    der_r point;
    /* the request buffer is free once the chain has arrived */
    if (pem_next((const char *)ctx->body, ctx->body_len, &off, "CERTIFICATE", ctx->request,
                 sizeof(ctx->request), &der_len) != 1 ||
        x509_parse(ctx->request, der_len, &f) || spki_ec_point(&f.spki, &point))
        return ACME5G_ERR_CERT;
    if ((size_t)(point.end - point.p) != ctx->cert_key.pk.qlen ||
        memcmp(point.p, ctx->cert_key.pk.q, ctx->cert_key.pk.qlen) || !f.have_san)
        return ACME5G_ERR_CERT_MISMATCH;
    for (i = 0; i < p->identifier_count; i++) {
        const acme5g_identifier *id = &p->identifiers[i];
        unsigned char ip[16];
        size_t l = 0;
        if (id->type == ACME5G_ID_URI) {
            /* not validated by ACME: a CA may leave it out (Pebble does) */
            if (!san_has(&f.san, 0x86, id->value, strlen(id->value)))
                LOG_WARN(ctx, "the CA left out the URI SAN ", id->value);
            continue;
        }
        if (IS_NF_INSTANCE(id)) {
            /* validated by the CA, so the leaf must name it (Annex J) */
            char urn[46];
            wbuf w;
            w_init(&w, urn, sizeof(urn));
            w_str(&w, "urn:uuid:");
            w_lower(&w, id->value);
            if (!san_has(&f.san, 0x86, urn, w.len))
                return ACME5G_ERR_CERT_MISMATCH;
            continue;
        }
        if (id->type == ACME5G_ID_IP)
            l = ip_parse(id->value, strlen(id->value), ip);
        if (id->type == ACME5G_ID_IP ? !san_has(&f.san, 0x87, ip, l)
                                     : !san_has(&f.san, 0x82, id->value, strlen(id->value)))
            return ACME5G_ERR_CERT_MISMATCH;
    }
    return ACME5G_OK;
}

/* The value of the first CN in a Name, or an empty span. */
static der_r dn_common_name(const der_r *dn)
{
    der_r s = *dn, set, atv, oid, val, none = { NULL, NULL };
    int tag;
    while (s.p < s.end) {
        if (der_expect(&s, 0x31, &set))
            return none;
        while (set.p < set.end) {
            if (der_expect(&set, 0x30, &atv) || der_expect(&atv, 0x06, &oid) ||
                der_next(&atv, &tag, &val))
                return none;
            if ((size_t)(oid.end - oid.p) == sizeof(oid_common_name) &&
                !memcmp(oid.p, oid_common_name, sizeof(oid_common_name)))
                return val;
        }
    }
    return none;
}

/* Is the issuer CN of the chain's topmost certificate `cn`?  (The root
 * that chain leads to, as certbot's --preferred-chain defines it.) */
static int chain_top_issuer_is(acme5g_ctx *ctx, const char *cn)
{
    size_t off = 0, der_len = 0;
    x509_fields f;
    der_r v;
    int found = 0;
    while (pem_next((const char *)ctx->body, ctx->body_len, &off, "CERTIFICATE", ctx->request,
                    sizeof(ctx->request), &der_len) == 1)
        found = 1;
    if (!found || x509_parse(ctx->request, der_len, &f))
        return 0;
    v = dn_common_name(&f.issuer);
    return v.p && (size_t)(v.end - v.p) == strlen(cn) && !memcmp(v.p, cn, strlen(cn));
}

/* POST-as-GET a certificate URL and check the leaf. */
static int flow_fetch_chain(acme5g_ctx *ctx, const acme5g_enrol_params *p, const char *cert_url)
{
    char url[ACME5G_URL_MAX];
    int err;
    memcpy(url, cert_url, sizeof(url));
    if ((err = flow_post_as_get(ctx, url)) || (err = flow_check(ctx, 200, 200)))
        return err;
    if (ctx->http_content_type != CT_PEM_CHAIN)
        return ACME5G_ERR_CONTENT_TYPE;
    return flow_check_leaf(ctx, p);
}

static int flow_store_pair(acme5g_ctx *ctx, const acme5g_enrol_params *p);
static void flow_forget_order(acme5g_ctx *ctx);

static int flow_download(acme5g_ctx *ctx, const acme5g_enrol_params *p)
{
    int err;
    if ((err = flow_fetch_chain(ctx, p, ctx->certificate_url)))
        return err;
    /* An alternate chain (RFC 8555 7.4.2) to the preferred root, if the
     * default one does not lead there; otherwise the default is kept. */
    if (p->preferred_chain && !chain_top_issuer_is(ctx, p->preferred_chain) && ctx->alt_count) {
        char alts[ACME5G_MAX_ALTERNATES][ACME5G_URL_MAX];
        size_t i, n = ctx->alt_count;
        int chosen = 0;
        memcpy(alts, ctx->alt_urls, sizeof(alts));
        for (i = 0; i < n && !chosen; i++) {
            if ((err = flow_fetch_chain(ctx, p, alts[i])))
                return err;
            chosen = chain_top_issuer_is(ctx, p->preferred_chain);
        }
        if (!chosen) {
            LOG_WARN(ctx, "no chain leads to ", p->preferred_chain);
            if ((err = flow_fetch_chain(ctx, p, ctx->certificate_url)))
                return err;
        } else {
            LOG_INFO(ctx, "alternate chain chosen: ", p->preferred_chain);
        }
    }
    /* The order is done: a run killed from here on must not fetch the
     * same certificate again (at worst it orders a new one). */
    flow_forget_order(ctx);
    return flow_store_pair(ctx, p);
}

/* Store the checked chain in ctx->body with its key.  Only now does the
 * new pair replace the old one, in three atomic writes so that a matching
 * pair exists at every instant: cert.key.new, then cert.pem, then cert.key
 * (acme5g_repair_pair() finishes the job after a cut between the last
 * two).  An external key is not ours to store: only the chain is written. */
static int flow_store_pair(acme5g_ctx *ctx, const acme5g_enrol_params *p)
{
    char key_pem[512];
    size_t key_len;
    int err = ACME5G_OK;
    if (p->cert_signer || p->csr_der) {
        if (ctx->port.store_write(ctx->port.user, ACME5G_STORE_CERT, ctx->body, ctx->body_len,
                                  0) != 0)
            return ACME5G_ERR_STORAGE_WRITE;
        LOG_INFO(ctx, "certificate stored (external key)", NULL);
        return ACME5G_OK;
    }
    key_len = key_to_pem(&ctx->cert_key, key_pem, sizeof(key_pem));
    if (key_len == 0)
        return ACME5G_ERR_CRYPTO;
    /* flow_cert_key() stored cert.key.new before finalize already */
    if ((!ctx->cert_key_stored &&
         ctx->port.store_write(ctx->port.user, ACME5G_STORE_CERT_KEY_NEW,
                               (const uint8_t *)key_pem, key_len, 1) != 0) ||
        ctx->port.store_write(ctx->port.user, ACME5G_STORE_CERT, ctx->body, ctx->body_len, 0) != 0 ||
        ctx->port.store_write(ctx->port.user, ACME5G_STORE_CERT_KEY, (const uint8_t *)key_pem,
                              key_len, 1) != 0)
        err = ACME5G_ERR_STORAGE_WRITE;
    wipe(key_pem, sizeof(key_pem));
    if (!err)
        LOG_INFO(ctx, "certificate stored", NULL);
    return err;
}

/* Does the stored key `name` hold the public key of the leaf in ctx->body? */
static int pair_key_matches(acme5g_ctx *ctx, const char *name, const der_r *point, char *pem,
                            size_t pem_cap, size_t *pem_len)
{
    acme5g_ec_key k;
    int match;
    if (ctx->port.store_read(ctx->port.user, name, (uint8_t *)pem, pem_cap - 1, pem_len) != 0 ||
        key_from_pem(ctx, &k, pem, *pem_len) != ACME5G_OK)
        return 0;
    match = (size_t)(point->end - point->p) == k.pk.qlen && !memcmp(point->p, k.pk.q, k.pk.qlen);
    wipe(&k, sizeof(k));
    return match;
}

/* See acme5g.h. */
int acme5g_repair_pair(acme5g_ctx *ctx)
{
    char pem[512], next[512];
    size_t len = 0, next_len = 0, off = 0, der_len = 0;
    x509_fields f;
    der_r point;
    int r, err = ACME5G_OK;
    /* Fast path: cert.key is written last, with the same bytes as
     * cert.key.new, so equal files mean the last replacement completed. */
    if (ctx->port.store_read(ctx->port.user, ACME5G_STORE_CERT_KEY, (uint8_t *)pem,
                             sizeof(pem) - 1, &len) == 0 &&
        ctx->port.store_read(ctx->port.user, ACME5G_STORE_CERT_KEY_NEW, (uint8_t *)next,
                             sizeof(next) - 1, &next_len) == 0 &&
        len == next_len && len > 0 && !memcmp(pem, next, len)) {
        wipe(pem, sizeof(pem));
        wipe(next, sizeof(next));
        return set_error(ctx, ACME5G_OK);
    }
    wipe(pem, sizeof(pem));
    wipe(next, sizeof(next));
    len = 0;
    r = ctx->port.store_read(ctx->port.user, ACME5G_STORE_CERT, ctx->body, ACME5G_BODY_MAX, &len);
    if (r == ACME5G_PORT_NOT_FOUND)
        return set_error(ctx, ACME5G_OK); /* nothing stored yet */
    if (r != 0)
        return set_error(ctx, ACME5G_ERR_STORAGE_READ);
    ctx->body_len = len;
    if (pem_next((const char *)ctx->body, len, &off, "CERTIFICATE", ctx->request,
                 sizeof(ctx->request), &der_len) != 1 ||
        x509_parse(ctx->request, der_len, &f) || spki_ec_point(&f.spki, &point))
        return set_error(ctx, ACME5G_ERR_CERT);
    if (!pair_key_matches(ctx, ACME5G_STORE_CERT_KEY, &point, pem, sizeof(pem), &len)) {
        if (!pair_key_matches(ctx, ACME5G_STORE_CERT_KEY_NEW, &point, pem, sizeof(pem), &len))
            err = ACME5G_ERR_CERT_MISMATCH;
        else if (ctx->port.store_write(ctx->port.user, ACME5G_STORE_CERT_KEY,
                                       (const uint8_t *)pem, len, 1) != 0)
            err = ACME5G_ERR_STORAGE_WRITE;
        else
            LOG_WARN(ctx, "cert.key repaired from cert.key.new (an earlier write was cut)", NULL);
    }
    wipe(pem, sizeof(pem));
    return set_error(ctx, err);
}

/* A URI SAN value: 1..255 printable ASCII bytes, no space, a scheme. */
static int uri_valid(const char *s)
{
    size_t n = strlen(s), i;
    if (n == 0 || n > 255 || !strchr(s, ':') || s[0] == ':')
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

static int flow_validate_params(const acme5g_enrol_params *p)
{
    size_t i, orderable = 0;
    url_parts u;
    if (!p || !p->directory_url || !p->identifiers || p->identifier_count == 0)
        return ACME5G_ERR_ARG;
    if (p->identifier_count > ACME5G_MAX_IDENTIFIERS)
        return ACME5G_ERR_TOO_MANY_NAMES;
    if (strlen(p->directory_url) >= ACME5G_URL_MAX)
        return ACME5G_ERR_URL_TOO_LONG;
    if (url_parse(p->directory_url, &u))
        return ACME5G_ERR_URL;
    for (i = 0; i < p->identifier_count; i++) {
        const acme5g_identifier *id = &p->identifiers[i];
        unsigned char ip[16];
        if (!id->value)
            return ACME5G_ERR_ARG;
        if (id->type == ACME5G_ID_DNS ? !dns_name_valid(id->value)
            : id->type == ACME5G_ID_IP ? ip_parse(id->value, strlen(id->value), ip) == 0
            : id->type == ACME5G_ID_URI ? !uri_valid(id->value)
            : IS_NF_INSTANCE(id) ? !uuid_valid(id->value)
                                        : 1)
            return ACME5G_ERR_NAME;
        if (id->type != ACME5G_ID_URI)
            orderable++;
    }
    if (orderable == 0)
        return ACME5G_ERR_NAME; /* a URI alone cannot be ordered */
    if (p->csr_der) {
        /* a CSR the caller brings must be well signed and ask for exactly
         * the identifiers of the order (RFC 8555 7.4) */
        acme5g_csr csr;
        int err = acme5g_csr_parse(p->csr_der, p->csr_len, &csr);
        if (err)
            return err;
        if (p->cert_signer ||
            !ids_same_set(csr.identifiers, csr.identifier_count, p->identifiers,
                          p->identifier_count))
            return ACME5G_ERR_CSR_NAMES;
    }
    if ((p->challenge != ACME5G_CHALLENGE_HTTP01 &&
         (p->challenge != ACME5G_CHALLENGE_DNS01 || !ACME5G_WITH_DNS01) &&
         (p->challenge != ACME5G_CHALLENGE_TLSALPN01 || !ACME5G_WITH_TLSALPN01)) ||
        (p->eab_kid && !ACME5G_WITH_EAB) ||
        !key_curve(p->account_key_type) || !key_curve(p->cert_key_type))
        return ACME5G_ERR_ARG;
    if (!p->eab_kid != !p->eab_hmac_key ||
        (p->eab_kid && (strlen(p->eab_kid) > 128 || strlen(p->eab_hmac_key) > 170)))
        return ACME5G_ERR_ARG;
    if (p->token_authority_url &&
        (strlen(p->token_authority_url) >= ACME5G_URL_MAX || url_parse(p->token_authority_url, &u)))
        return ACME5G_ERR_URL;
    if ((p->preferred_chain && strlen(p->preferred_chain) > 256) ||
        (p->contact && strlen(p->contact) > 256) || p->max_orders > 100 ||
        p->wait_timer_s > 86400)
        return ACME5G_ERR_ARG;
    return ACME5G_OK;
}

static int flow_seed(acme5g_ctx *ctx)
{
    unsigned char seed[48];
    int64_t now = ctx->port.now_s(ctx->port.user);
    if (entropy_get(ctx, seed, 32))
        return ACME5G_ERR_ENTROPY;
    memcpy(seed + 32, &now, sizeof(now));
    br_hmac_drbg_init(&ctx->drbg, &br_sha256_vtable, seed, 32 + sizeof(now));
    wipe(seed, sizeof(seed));
    ctx->drbg_seeded = 1;
    return ACME5G_OK;
}

/* The order a killed run left behind (ACME5G_STORE_ORDER_URL), if the
 * server still has it for the same identifiers and it is not invalid.
 * Returns 1 with the order parsed, else 0 (start a new order). */
static int flow_resume_order(acme5g_ctx *ctx, const acme5g_enrol_params *p, int *status)
{
    char url[ACME5G_URL_MAX];
    size_t len = 0;
    if (ctx->port.store_read(ctx->port.user, ACME5G_STORE_ORDER_URL, (uint8_t *)url,
                             sizeof(url) - 1, &len) != 0 || len == 0)
        return 0;
    url[len] = 0;
    if (strlen(url) != len || strncmp(url, "https://", 8) || flow_post_as_get(ctx, url) ||
        ctx->http_status != 200 || ctx->http_content_type != CT_JSON ||
        obj_order(ctx, status) || *status == ST_INVALID || !obj_order_matches(ctx, p)) {
        LOG_INFO(ctx, "the stored order cannot be resumed: ", url);
        memset(&ctx->problem, 0, sizeof(ctx->problem));
        return 0;
    }
    memcpy(ctx->order_url, url, sizeof(url));
    LOG_INFO(ctx, "resuming order ", url);
    return 1;
}

static void flow_forget_order(acme5g_ctx *ctx)
{
    if (ctx->port.store_write(ctx->port.user, ACME5G_STORE_ORDER_URL, (const uint8_t *)"", 0, 0))
        LOG_WARN(ctx, "could not clear the stored order URL", NULL);
}

/* A signer that never signs: the external CSR is already signed. */
static size_t csr_no_sign(void *user, const uint8_t *digest, size_t digest_len, uint8_t *sig,
                          size_t sig_cap)
{
    (void)user; (void)digest; (void)digest_len; (void)sig; (void)sig_cap;
    return 0;
}

/* The certificate key for finalize.  A fresh one is kept as
 * ACME5G_STORE_CERT_KEY_NEW before the server sees its CSR, so a resumed
 * order that was finalized by a killed run can still be completed. */
static int flow_cert_key(acme5g_ctx *ctx, const acme5g_enrol_params *p, int resumed_finalized)
{
    char pem[512];
    size_t len = 0;
    int err;
    ctx->cert_key_stored = 0;
    if (p->cert_signer)
        return key_external(&ctx->cert_key, p->cert_signer);
    if (p->csr_der) {
        /* the CSR's key: only its public half, for the leaf check */
        acme5g_csr csr;
        acme5g_signer pub;
        if ((err = acme5g_csr_parse(p->csr_der, p->csr_len, &csr)))
            return err;
        memset(&pub, 0, sizeof(pub));
        pub.type = csr.key_type;
        pub.public_key = csr.public_key;
        pub.public_key_len = csr.public_key_len;
        pub.sign = csr_no_sign;
        return key_external(&ctx->cert_key, &pub);
    }
    if (resumed_finalized) {
        /* any failure to load it is a key problem for this order */
        err = key_load(ctx, &ctx->cert_key, ACME5G_STORE_CERT_KEY_NEW);
        ctx->cert_key_stored = err == ACME5G_OK;
        return err ? ACME5G_ERR_KEY : ACME5G_OK;
    }
    if ((err = key_generate(ctx, &ctx->cert_key, p->cert_key_type)))
        return err;
    len = key_to_pem(&ctx->cert_key, pem, sizeof(pem));
    if (len == 0)
        err = ACME5G_ERR_CRYPTO;
    else if (ctx->port.store_write(ctx->port.user, ACME5G_STORE_CERT_KEY_NEW, (const uint8_t *)pem,
                                   len, 1) != 0)
        err = ACME5G_ERR_STORAGE_WRITE;
    else
        ctx->cert_key_stored = 1;
    wipe(pem, sizeof(pem));
    return err;
}

/* One order, from newOrder (or the resumed order) to the stored chain. */
static int flow_order(acme5g_ctx *ctx, const acme5g_enrol_params *p, int *listener)
{
    int err, status, resumed;
    size_t i;
    unsigned attempt;

    resumed = flow_resume_order(ctx, p, &status);
    if (!resumed) {
        if ((err = flow_new_order(ctx, p, &status)))
            return err;
        /* remembered so that a run killed from here on resumes this order */
        if (ctx->port.store_write(ctx->port.user, ACME5G_STORE_ORDER_URL,
                                  (const uint8_t *)ctx->order_url, strlen(ctx->order_url), 0))
            LOG_WARN(ctx, "could not store the order URL", NULL);
    }
    /* An order can be born ready: the server reused or pre-authorized
     * every authorization (RFC 8555 7.4.1, TR 33.776 solution #9). */
    if (status == ST_PENDING) {
        char urls[ACME5G_MAX_IDENTIFIERS][ACME5G_URL_MAX];
        size_t n = ctx->authz_count;
        memcpy(urls, ctx->authz_urls, sizeof(urls));
        for (i = 0; i < n; i++) {
            err = flow_authorize(ctx, urls[i], listener, p);
            if (err)
                return err;
        }
        status = ST_READY;
    } else if (!resumed) {
        LOG_INFO(ctx, "order is already authorized, no challenge needed", NULL);
    }
    if (status == ST_INVALID)
        return ACME5G_ERR_ORDER_INVALID;

    err = flow_cert_key(ctx, p, resumed && (status == ST_PROCESSING || status == ST_VALID));
    if (err)
        return err;
    for (attempt = 0;; attempt++) {
        if (status == ST_READY) {
            if ((err = flow_finalize(ctx, p, &status)))
                return err;
            if (status == ST_VALID)
                break;
            if (status == ST_INVALID)
                return ACME5G_ERR_ORDER_INVALID;
        } else if (status == ST_VALID) {
            break;
        } else if (status == ST_INVALID) {
            return ACME5G_ERR_ORDER_INVALID;
        } else if (status != ST_PROCESSING && status != ST_PENDING) {
            return ACME5G_ERR_STATUS;
        }
        /* processing (or pending after orderNotReady): poll the order */
        if ((err = flow_poll_wait(ctx, attempt)))
            return err;
        {
            char url[ACME5G_URL_MAX];
            memcpy(url, ctx->order_url, sizeof(url));
            if ((err = flow_post_as_get(ctx, url)) || (err = flow_check(ctx, 200, 200)) ||
                (err = flow_require_json(ctx)) || (err = obj_order(ctx, &status)))
                return err;
        }
        if (status == ST_PENDING)
            return ACME5G_ERR_AUTHZ_INVALID;
    }
    return flow_download(ctx, p);
}

/* The account of an earlier enrolment, without a request: its key and URL
 * from storage. */
static int flow_stored_account(acme5g_ctx *ctx)
{
    size_t len = 0;
    int r;
    r = ctx->port.store_read(ctx->port.user, ACME5G_STORE_ACCOUNT_URL, (uint8_t *)ctx->account_url,
                             sizeof(ctx->account_url) - 1, &len);
    if (r != 0)
        return r == ACME5G_PORT_NOT_FOUND ? ACME5G_ERR_NOT_FOUND : ACME5G_ERR_STORAGE_READ;
    ctx->account_url[len] = 0;
    if (len == 0 || strlen(ctx->account_url) != len || strncmp(ctx->account_url, "https://", 8))
        return ACME5G_ERR_STORAGE_READ;
    return key_load(ctx, &ctx->account_key, ACME5G_STORE_ACCOUNT_KEY);
}

/* Pre-authorization (RFC 8555 7.4.1): POST newAuthz for each identifier
 * and bring each authorization to valid before the order, which then
 * comes back ready.  Only when the directory offers newAuthz. */
static int flow_pre_authorize(acme5g_ctx *ctx, const acme5g_enrol_params *p, int *listener)
{
    size_t i;
    for (i = 0; i < p->identifier_count; i++) {
        const acme5g_identifier *id = &p->identifiers[i];
        char url[ACME5G_URL_MAX];
        wbuf w;
        int err;
        if (id->type == ACME5G_ID_URI)
            continue;
        jws_payload_begin(ctx, &w);
        w_str(&w, "{\"identifier\":");
        w_identifier(&w, id);
        w_str(&w, "}");
        w_b64_end(&w);
        if (w.overflow)
            return ACME5G_ERR_REQUEST_TOO_LARGE;
        if ((err = flow_post(ctx, ctx->dir_new_authz, w.len, 0)) ||
            (err = flow_check(ctx, 201, 200)))
            return err;
        if (!ctx->location[0])
            return ACME5G_ERR_JSON_FIELD;
        if (copy_fit(url, sizeof(url), ctx->location, strlen(ctx->location)))
            return ACME5G_ERR_URL_TOO_LONG;
        LOG_INFO(ctx, "pre-authorization: ", url);
        if ((err = flow_authorize(ctx, url, listener, p)))
            return err;
    }
    return ACME5G_OK;
}

/* Solution #9: a challenge not completed before its expiry (or any
 * authorization or order turning invalid) makes the client wait the wait
 * timer and restart from newOrder, up to max_orders orders. */
static int flow_enrol(acme5g_ctx *ctx, const acme5g_enrol_params *p, int *listener, int renew)
{
    int err;
    unsigned order, max_orders = p->max_orders ? p->max_orders : 1;

    if ((err = flow_seed(ctx)) || (err = flow_directory(ctx, p->directory_url)))
        return err;
    err = renew ? flow_stored_account(ctx) : flow_account(ctx, p);
    if (err)
        return err;
    ctx->replaces[0] = 0;
    if (renew && ctx->dir_renewal_info[0]) {
        size_t len = 0;
        if (ctx->port.store_read(ctx->port.user, ACME5G_STORE_CERT, ctx->body, ACME5G_BODY_MAX,
                                 &len) == 0) {
            ctx->body_len = len;
            if (ari_cert_id_of_body(ctx, ctx->replaces, sizeof(ctx->replaces)))
                ctx->replaces[0] = 0;
        }
    }
    if (p->pre_authorize && ctx->dir_new_authz[0] && (err = flow_pre_authorize(ctx, p, listener)))
        return err;
    for (order = 1;; order++) {
        err = flow_order(ctx, p, listener);
        /* done with this order, or it can never succeed: a killed run must
         * not resume it (other failures keep it for the next run) */
        if (err == ACME5G_OK || err == ACME5G_ERR_AUTHZ_INVALID ||
            err == ACME5G_ERR_ORDER_INVALID || err == ACME5G_ERR_CERT_MISMATCH)
            flow_forget_order(ctx);
        if ((err != ACME5G_ERR_AUTHZ_INVALID && err != ACME5G_ERR_ORDER_INVALID) ||
            order >= max_orders)
            return err;
        LOG_WARN(ctx, "order failed, restarting from newOrder after the wait timer: ",
                 ctx->problem.type[0] ? ctx->problem.type : acme5g_strerror(err));
        if ((uint64_t)p->wait_timer_s * 1000u >= time_left_ms(ctx)) {
            LOG_WARN(ctx, "no time left for the wait timer and another order", NULL);
            return err;
        }
        if (p->wait_timer_s)
            ctx->port.sleep_ms(ctx->port.user, p->wait_timer_s * 1000u);
    }
}

/* Every public operation starts and ends the same way: a fresh deadline and
 * no stale error or nonce; then the connection closed, keys, DRBG and the
 * signed request wiped, and the problem kept only when it explains the
 * error. */
static void flow_begin(acme5g_ctx *ctx, uint32_t timeout_s)
{
    ctx->last_tls_error = 0;
    memset(&ctx->problem, 0, sizeof(ctx->problem));
    ctx->deadline_ms = ctx->port.monotonic_ms(ctx->port.user) +
                       (uint64_t)(timeout_s ? timeout_s : 300) * 1000u;
    ctx->nonce[0] = 0;
    ctx->sock = -1;
    ctx->dir_url = NULL;
    ctx->dir_cached = 0;
}

static int flow_end(acme5g_ctx *ctx, int err, const char *what)
{
    conn_close(ctx);
    flow_nonce_keep(ctx);
    ctx->dir_url = NULL;
    ctx->nonce[0] = 0;
    ctx->conn_client_cert = 0;
#if ACME5G_WITH_TKAUTH
    wipe(ctx->tkauth_token, sizeof(ctx->tkauth_token));
#endif
    wipe(&ctx->account_key, sizeof(ctx->account_key));
    wipe(&ctx->cert_key, sizeof(ctx->cert_key));
    wipe(&ctx->drbg, sizeof(ctx->drbg));
    wipe(ctx->request, sizeof(ctx->request));
    ctx->drbg_seeded = 0;
    if (err != ACME5G_ERR_PROBLEM && err != ACME5G_ERR_AUTHZ_INVALID &&
        err != ACME5G_ERR_AUTHORITY && err != ACME5G_ERR_AUTHORITY_TOKEN)
        memset(&ctx->problem, 0, sizeof(ctx->problem));
    if (err)
        LOG_ERR(ctx, what, acme5g_strerror(err));
    return set_error(ctx, err);
}

/* --- Account lifecycle and revocation (RFC 8555 7.3.2, 7.3.5, 7.3.6, 7.6) --- */

/* Open a session with the stored account: directory, key, URL. */
static int flow_session(acme5g_ctx *ctx, const char *directory_url, uint32_t timeout_s)
{
    url_parts u;
    if (!directory_url || strlen(directory_url) >= ACME5G_URL_MAX ||
        url_parse(directory_url, &u))
        return ACME5G_ERR_URL;
    flow_begin(ctx, timeout_s);
    {
        int err;
        /* the stored nonce, but a fresh directory: keyChange's inner JWS
         * carries its URL, which a resend after a 404 could not change */
        if ((err = flow_seed(ctx)) || (err = flow_directory(ctx, directory_url)) ||
            (ctx->dir_cached && (err = flow_directory_fetch(ctx))) ||
            (err = flow_stored_account(ctx)))
            return err;
    }
    return ACME5G_OK;
}

/* POST a JSON payload (built by the caller into w, already begun) to the
 * account URL and expect 200. */
static int flow_account_post(acme5g_ctx *ctx, wbuf *w)
{
    char url[ACME5G_URL_MAX];
    int err;
    w_b64_end(w);
    if (w->overflow)
        return ACME5G_ERR_REQUEST_TOO_LARGE;
    memcpy(url, ctx->account_url, sizeof(url));
    if ((err = flow_post(ctx, url, w->len, 0)))
        return err;
    return flow_check(ctx, 200, 200);
}

/* See acme5g.h. */
int acme5g_account_deactivate(acme5g_ctx *ctx, const char *directory_url, uint32_t timeout_s)
{
    wbuf w;
    int err = flow_session(ctx, directory_url, timeout_s);
    if (!err) {
        jws_payload_begin(ctx, &w);
        w_str(&w, "{\"status\":\"deactivated\"}");
        err = flow_account_post(ctx, &w);
    }
    if (!err)
        LOG_INFO(ctx, "account deactivated: ", ctx->account_url);
    return flow_end(ctx, err, "operation failed: ");
}

/* See acme5g.h. */
int acme5g_account_update_contact(acme5g_ctx *ctx, const char *directory_url,
                                  uint32_t timeout_s, const char *contact)
{
    wbuf w;
    int err;
    if (contact && strlen(contact) > 256)
        return set_error(ctx, ACME5G_ERR_ARG);
    err = flow_session(ctx, directory_url, timeout_s);
    if (!err) {
        jws_payload_begin(ctx, &w);
        w_str(&w, "{\"contact\":[");
        if (contact)
            w_json_str(&w, contact);
        w_str(&w, "]}");
        err = flow_account_post(ctx, &w);
    }
    return flow_end(ctx, err, "operation failed: ");
}

/* See acme5g.h. */
int acme5g_account_rollover(acme5g_ctx *ctx, const char *directory_url, uint32_t timeout_s)
{
    acme5g_ec_key *new_key = &ctx->cert_key; /* free during this operation */
    char pem[512];
    size_t pem_len = 0, prot_len = 0, sig_len = 0;
    unsigned char h[48], sig[96];
    wbuf t, w;
    int err = flow_session(ctx, directory_url, timeout_s);

    if (!err && !ctx->dir_key_change[0])
        err = ACME5G_ERR_JSON_FIELD;
    /* the new key is of the same type as the old one */
    if (!err)
        err = key_generate(ctx, new_key, key_coord_len(&ctx->account_key) == 48
                                             ? ACME5G_KEY_P384 : ACME5G_KEY_P256);
    /* Keep the new key before the server learns it: if the answer is lost,
     * account.key.new still opens the account. */
    if (!err) {
        pem_len = key_to_pem(new_key, pem, sizeof(pem));
        if (pem_len == 0)
            err = ACME5G_ERR_CRYPTO;
        else if (ctx->port.store_write(ctx->port.user, ACME5G_STORE_ACCOUNT_KEY_NEW,
                                       (const uint8_t *)pem, pem_len, 1) != 0)
            err = ACME5G_ERR_STORAGE_WRITE;
    }
    if (!err) {
        /* inner JWS, signed by the new key, built in the body buffer (free
         * now): {"alg","jwk":new,"url"} . {"account","oldKey"} */
        w_init(&t, ctx->body, ACME5G_BODY_MAX);
        prot_len = w_inner_jws_begin(&t, jws_alg(new_key), NULL, new_key, ctx->dir_key_change);
        w_str(&t, "{\"account\":");
        w_json_str(&t, ctx->account_url);
        w_str(&t, ",\"oldKey\":");
        w_jwk(&t, &ctx->account_key);
        w_str(&t, "}");
        w_b64_end(&t);
        key_digest(new_key, ctx->body, t.len, "", 0, "", 0, h);
        err = t.overflow ? ACME5G_ERR_REQUEST_TOO_LARGE : jws_sign(new_key, h, sig, &sig_len);
    }
    if (!err) {
        char url[ACME5G_URL_MAX];
        jws_payload_begin(ctx, &w);
        w_flat_jws(&w, (const char *)ctx->body, prot_len, t.len, sig, sig_len);
        w_b64_end(&w);
        memcpy(url, ctx->dir_key_change, sizeof(url));
        if (w.overflow)
            err = ACME5G_ERR_REQUEST_TOO_LARGE;
        else if (!(err = flow_post(ctx, url, w.len, 0)))
            err = flow_check(ctx, 200, 200);
    }
    if (!err && ctx->port.store_write(ctx->port.user, ACME5G_STORE_ACCOUNT_KEY,
                                      (const uint8_t *)pem, pem_len, 1) != 0)
        err = ACME5G_ERR_STORAGE_WRITE;
    if (!err)
        LOG_INFO(ctx, "account key replaced for ", ctx->account_url);
    wipe(pem, sizeof(pem));
    return flow_end(ctx, err, "operation failed: ");
}

/* See acme5g.h. */
int acme5g_revoke(acme5g_ctx *ctx, const char *directory_url, uint32_t timeout_s, int reason,
                  int sign_with_cert_key)
{
    unsigned char der[2048];
    size_t der_len = 0, pem_len = 0, off = 0;
    wbuf w;
    int err;
    if (reason < -1 || reason > 10)
        return set_error(ctx, ACME5G_ERR_ARG);
    err = flow_session(ctx, directory_url, timeout_s);
    if (!err && !ctx->dir_revoke_cert[0])
        err = ACME5G_ERR_JSON_FIELD;
    if (!err) {
        int r = ctx->port.store_read(ctx->port.user, ACME5G_STORE_CERT, ctx->body,
                                     ACME5G_BODY_MAX, &pem_len);
        if (r != 0)
            err = r == ACME5G_PORT_NOT_FOUND ? ACME5G_ERR_NOT_FOUND : ACME5G_ERR_STORAGE_READ;
        else if (pem_next((const char *)ctx->body, pem_len, &off, "CERTIFICATE", der,
                          sizeof(der), &der_len) != 1)
            err = ACME5G_ERR_CERT;
    }
    /* signed by the certificate's own key: its JWK stands in the header
     * (RFC 8555 7.6), so it takes the account key's place for this request */
    if (!err && sign_with_cert_key)
        err = key_load(ctx, &ctx->account_key, ACME5G_STORE_CERT_KEY);
    if (!err) {
        char url[ACME5G_URL_MAX];
        jws_payload_begin(ctx, &w);
        w_str(&w, "{\"certificate\":\"");
        w_b64u(&w, der, der_len);
        w_str(&w, "\"");
        if (reason >= 0) {
            w_str(&w, ",\"reason\":");
            w_u64(&w, (uint64_t)reason);
        }
        w_str(&w, "}");
        w_b64_end(&w);
        memcpy(url, ctx->dir_revoke_cert, sizeof(url));
        if (w.overflow)
            err = ACME5G_ERR_REQUEST_TOO_LARGE;
        else if (!(err = flow_post(ctx, url, w.len, sign_with_cert_key)))
            err = flow_check(ctx, 200, 200);
    }
    if (!err)
        LOG_INFO(ctx, "certificate revoked", NULL);
    return flow_end(ctx, err, "operation failed: ");
}

/* See acme5g.h. */
int acme5g_init(acme5g_ctx *ctx, const acme5g_port *port)
{
    if (!ctx || !port)
        return ACME5G_ERR_ARG;
    memset(ctx, 0, sizeof(*ctx));
    ctx->sock = -1;
    if (!port->connect || !port->send || !port->recv || !port->close || !port->now_s ||
        !port->monotonic_ms || !port->sleep_ms || !port->entropy || !port->store_read ||
        !port->store_write)
        return set_error(ctx, ACME5G_ERR_ARG);
    ctx->port = *port;
    return ACME5G_OK;
}

/* DN callback of br_x509_decoder: append into the anchor buffer. */
static void ta_dn_append(void *c, const void *buf, size_t len)
{
    acme5g_ctx *ctx = (acme5g_ctx *)c;
    if (len > sizeof(ctx->ta_buf) - ctx->ta_used) {
        ctx->ta_used = sizeof(ctx->ta_buf) + 1; /* marks overflow */
        return;
    }
    memcpy(ctx->ta_buf + ctx->ta_used, buf, len);
    ctx->ta_used += len;
}

/* Copy an anchor's public key (EC or RSA) into ta_buf for *dst.
 * Returns ACME5G_OK, ACME5G_ERR_TRUST_ANCHORS_FULL or
 * ACME5G_ERR_TRUST_ANCHOR (another key type); the caller rolls ta_used
 * back on failure. */
static int ta_key_copy(acme5g_ctx *ctx, br_x509_pkey *dst, const br_x509_pkey *pk)
{
    size_t room = sizeof(ctx->ta_buf) - ctx->ta_used;
    if (pk->key_type == BR_KEYTYPE_EC) {
        size_t ql = pk->key.ec.qlen;
        if (ql > room)
            return ACME5G_ERR_TRUST_ANCHORS_FULL;
        memcpy(ctx->ta_buf + ctx->ta_used, pk->key.ec.q, ql);
        dst->key_type = BR_KEYTYPE_EC;
        dst->key.ec.curve = pk->key.ec.curve;
        dst->key.ec.q = ctx->ta_buf + ctx->ta_used;
        dst->key.ec.qlen = ql;
        ctx->ta_used += ql;
        return ACME5G_OK;
    }
    if (pk->key_type == BR_KEYTYPE_RSA) {
        size_t nl = pk->key.rsa.nlen, el = pk->key.rsa.elen;
        if (nl + el > room)
            return ACME5G_ERR_TRUST_ANCHORS_FULL;
        dst->key_type = BR_KEYTYPE_RSA;
        memcpy(ctx->ta_buf + ctx->ta_used, pk->key.rsa.n, nl);
        dst->key.rsa.n = ctx->ta_buf + ctx->ta_used;
        dst->key.rsa.nlen = nl;
        ctx->ta_used += nl;
        memcpy(ctx->ta_buf + ctx->ta_used, pk->key.rsa.e, el);
        dst->key.rsa.e = ctx->ta_buf + ctx->ta_used;
        dst->key.rsa.elen = el;
        ctx->ta_used += el;
        return ACME5G_OK;
    }
    return ACME5G_ERR_TRUST_ANCHOR;
}

/* Anchors for the ACME server fill tas[] from the front; those for the
 * Token Authority (tkauth-01) from the back, so each set is one array for
 * BearSSL and both share ACME5G_MAX_TRUST_ANCHORS. */
static int add_anchors(acme5g_ctx *ctx, const char *pem, size_t len, int authority)
{
    size_t off = 0, der_len;
    int added = 0, r;
    /* DER is decoded into the body buffer: no flow runs now. */
    while ((r = pem_next(pem, len, &off, "CERTIFICATE", ctx->body, ACME5G_BODY_MAX, &der_len)) == 1) {
        br_x509_decoder_context dc;
        br_x509_trust_anchor *ta;
        const br_x509_pkey *pk;
        size_t used0 = ctx->ta_used;
        unsigned char *dn;
        if (ctx->ta_count + ctx->authority_ta_count >= ACME5G_MAX_TRUST_ANCHORS)
            return set_error(ctx, ACME5G_ERR_TRUST_ANCHORS_FULL);
        int err;
        dn = ctx->ta_buf + ctx->ta_used;
        br_x509_decoder_init(&dc, ta_dn_append, ctx);
        br_x509_decoder_push(&dc, ctx->body, der_len);
        pk = br_x509_decoder_get_pkey(&dc);
        if (ctx->ta_used > sizeof(ctx->ta_buf)) {
            err = ACME5G_ERR_TRUST_ANCHORS_FULL;
        } else if (!pk || br_x509_decoder_last_error(&dc)) {
            err = ACME5G_ERR_TRUST_ANCHOR;
        } else {
            ta = &ctx->tas[authority ? ACME5G_MAX_TRUST_ANCHORS - 1 - ctx->authority_ta_count
                                     : ctx->ta_count];
            memset(ta, 0, sizeof(*ta));
            ta->dn.data = dn;
            ta->dn.len = ctx->ta_used - used0;
            /* a CA signs the server's chain; a non-CA anchor is trusted directly */
            ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
            err = ta_key_copy(ctx, &ta->pkey, pk);
        }
        if (err) {
            ctx->ta_used = used0; /* nothing of this certificate is kept */
            return set_error(ctx, err);
        }
        if (authority)
            ctx->authority_ta_count++;
        else
            ctx->ta_count++;
        added++;
    }
    if (r < 0 || added == 0)
        return set_error(ctx, ACME5G_ERR_TRUST_ANCHOR);
    return set_error(ctx, ACME5G_OK);
}

/* See acme5g.h. */
int acme5g_add_trust_anchors_pem(acme5g_ctx *ctx, const char *pem, size_t len)
{
    return add_anchors(ctx, pem, len, 0);
}

/* See acme5g.h. */
int acme5g_add_authority_anchors_pem(acme5g_ctx *ctx, const char *pem, size_t len)
{
    return add_anchors(ctx, pem, len, 1);
}

/* See acme5g.h. */
static int flow_run(acme5g_ctx *ctx, const acme5g_enrol_params *params, int renew)
{
    int err, listener = -1;

    ctx->last_tls_error = 0;
    memset(&ctx->problem, 0, sizeof(ctx->problem));
    err = flow_validate_params(params);
    if (err)
        return set_error(ctx, err);
    flow_begin(ctx, params->timeout_s);

    /* finish a pair replacement cut short, so the old pair is whole; a
     * mismatch the library did not cause is left to the new pair to fix */
    if (!params->cert_signer && !params->csr_der && acme5g_repair_pair(ctx) != ACME5G_OK)
        LOG_WARN(ctx, "the stored certificate and key do not match", NULL);
    err = flow_enrol(ctx, params, &listener, renew);

    if (listener >= 0)
        ctx->port.close(ctx->port.user, listener);
    return flow_end(ctx, err, "enrolment failed: ");
}

/* See acme5g.h. */
int acme5g_enrol(acme5g_ctx *ctx, const acme5g_enrol_params *params)
{
    return flow_run(ctx, params, 0);
}

/* See acme5g.h. */
int acme5g_renew(acme5g_ctx *ctx, const acme5g_enrol_params *params)
{
    return flow_run(ctx, params, 1);
}

/* See acme5g.h. */
int acme5g_renewal_info(acme5g_ctx *ctx, const char *directory_url, uint32_t timeout_s,
                        acme5g_renewal_window *window)
{
    char cert_id[160], url[ACME5G_URL_MAX];
    size_t len = 0;
    url_parts u;
    wbuf w;
    int err, r;

    memset(window, 0, sizeof(*window));
    window->retry_after_s = 21600;
    if (!directory_url || strlen(directory_url) >= ACME5G_URL_MAX || url_parse(directory_url, &u))
        return set_error(ctx, ACME5G_ERR_URL);
    flow_begin(ctx, timeout_s);
    err = flow_directory(ctx, directory_url);
    if (!err && !ctx->dir_renewal_info[0])
        err = ACME5G_ERR_NOT_FOUND; /* the server offers no ARI: the local policy decides */
    if (!err) {
        r = ctx->port.store_read(ctx->port.user, ACME5G_STORE_CERT, ctx->body, ACME5G_BODY_MAX,
                                 &len);
        ctx->body_len = len;
        err = r == ACME5G_PORT_NOT_FOUND ? ACME5G_ERR_NOT_FOUND
            : r != 0                     ? ACME5G_ERR_STORAGE_READ
                                         : ari_cert_id_of_body(ctx, cert_id, sizeof(cert_id));
    }
    if (!err) {
        /* an unauthenticated GET of renewalInfo "/" certID (4.1) */
        w_init(&w, url, sizeof(url));
        w_str(&w, ctx->dir_renewal_info);
        if (ctx->dir_renewal_info[strlen(ctx->dir_renewal_info) - 1] != '/')
            w_str(&w, "/");
        w_str(&w, cert_id);
        w_cstr(&w);
        err = w.overflow ? ACME5G_ERR_URL_TOO_LONG : http_request(ctx, "GET", url, NULL, 0);
    }
    if (!err && !(err = flow_check(ctx, 200, 200)) && !(err = flow_require_json(ctx)))
        err = obj_renewal_info(ctx, window);
    if (!err) {
        /* Retry-After: when to ask again, clamped to [1 min, 1 day] (4.3.2) */
        int32_t ra = ctx->retry_after_s;
        window->retry_after_s = ra < 0 ? 21600 : ra < 60 ? 60 : ra > 86400 ? 86400 : ra;
    }
    ctx->dir_url = NULL; /* the caller's string: not kept past the call */
    conn_close(ctx);
    return set_error(ctx, err);
}

/* See acme5g.h. */
int acme5g_ari_next(const acme5g_renewal_window *window, uint32_t random, int64_t *when_s)
{
    uint64_t span;
    if (window->end_s <= window->start_s)
        return ACME5G_ERR_ARG;
    span = (uint64_t)(window->end_s - window->start_s);
    /* a uniform time inside the window (RFC 9773 4.2); past means now */
    *when_s = window->start_s + (int64_t)((uint64_t)random % span);
    return ACME5G_OK;
}

/* ==========================================================================
 * 6. Renewal policy
 * ======================================================================== */

/* See acme5g.h. */
void acme5g_policy_default(acme5g_policy *policy)
{
    memset(policy, 0, sizeof(*policy));
    policy->renew_permille = 667;
    policy->retry_min_s = 60;
    policy->retry_max_s = 21600;
}

/* See acme5g.h. */
int acme5g_policy_next(const acme5g_policy *policy, int64_t not_before_s, int64_t not_after_s,
                       const acme5g_policy_state *state, int64_t now_s,
                       int64_t *when_s, acme5g_renew_reason *reason)
{
    int64_t lifetime = not_after_s - not_before_s, due, by_share;
    if (lifetime <= 0 || policy->renew_permille == 0 || policy->renew_permille > 1000 ||
        policy->retry_min_s == 0 || policy->retry_max_s < policy->retry_min_s)
        return ACME5G_ERR_ARG;
    by_share = not_before_s + lifetime / 1000 * (int64_t)policy->renew_permille +
               lifetime % 1000 * (int64_t)policy->renew_permille / 1000;
    due = by_share;
    *reason = ACME5G_REASON_LIFETIME;
    if (policy->renew_before_s && not_after_s - (int64_t)policy->renew_before_s < due) {
        due = not_after_s - (int64_t)policy->renew_before_s;
        *reason = ACME5G_REASON_BEFORE_EXPIRY;
    }
    if (policy->jitter_s)
        due -= (int64_t)(state ? state->jitter_seed % policy->jitter_s : 0);
    if (due < not_before_s)
        due = not_before_s;
    /* a clock more than a lifetime before notBefore contradicts the
     * certificate (no RTC, a reset clock): wait the policy's interval
     * counted from now, not until a date that clock cannot be trusted for */
    if (now_s < not_before_s && not_before_s - now_s > lifetime)
        due = now_s + (due - not_before_s);
    if (now_s >= not_after_s)
        *reason = ACME5G_REASON_EXPIRED;
    /* a failure time in the future was recorded by a clock that was ahead:
     * no backoff from it (else renewal stalls as long as the clock was off) */
    if (state && state->failures && state->last_failure_s && state->last_failure_s <= now_s) {
        uint64_t wait = policy->retry_min_s;
        uint32_t i;
        for (i = 1; i < state->failures && wait < policy->retry_max_s; i++)
            wait *= 2;
        if (wait > policy->retry_max_s)
            wait = policy->retry_max_s;
        if (state->last_failure_s + (int64_t)wait > due) {
            due = state->last_failure_s + (int64_t)wait;
            /* a certificate about to expire is retried at least at its end */
            if (due > not_after_s && now_s < not_after_s)
                due = not_after_s;
            if (due > now_s)
                *reason = ACME5G_REASON_BACKOFF;
        }
    }
    *when_s = due;
    return ACME5G_OK;
}

/* The backoff after state->failures failed attempts, counted from the
 * last failure (a failure time in the future is ignored: a clock that was
 * ahead).  Moves *when_s later, never past a valid certificate's notAfter. */
static void policy_backoff(const acme5g_policy *policy, const acme5g_policy_state *state,
                           int64_t not_after_s, int64_t now_s, int64_t *when_s,
                           acme5g_renew_reason *reason)
{
    uint64_t wait = policy->retry_min_s;
    uint32_t i;
    int64_t due;
    if (!state || !state->failures || !state->last_failure_s || state->last_failure_s > now_s)
        return;
    for (i = 1; i < state->failures && wait < policy->retry_max_s; i++)
        wait *= 2;
    if (wait > policy->retry_max_s)
        wait = policy->retry_max_s;
    due = state->last_failure_s + (int64_t)wait;
    if (due <= *when_s)
        return;
    if (not_after_s && due > not_after_s && now_s < not_after_s)
        due = not_after_s;
    if (due > *when_s) {
        *when_s = due;
        if (due > now_s)
            *reason = ACME5G_REASON_BACKOFF;
    }
}

/* See acme5g.h. */
int acme5g_renewal_decide(const acme5g_policy *policy, const acme5g_cert_summary *cert,
                          int revoked, const acme5g_renewal_window *ari,
                          const acme5g_policy_state *state, int64_t now_s, int64_t *when_s,
                          acme5g_renew_reason *reason)
{
    int64_t when;
    if (policy->retry_min_s == 0 || policy->retry_max_s < policy->retry_min_s)
        return -ACME5G_ERR_ARG;
    if (cert == NULL || revoked) {
        *when_s = now_s;
        *reason = cert == NULL ? ACME5G_REASON_NO_CERT : ACME5G_REASON_REVOKED;
        policy_backoff(policy, state, 0, now_s, when_s, reason);
        return *when_s <= now_s;
    }
    if (ari && now_s < cert->not_after_s &&
        acme5g_ari_next(ari, state ? state->jitter_seed : 0, &when) == ACME5G_OK) {
        /* the window may move: ask again after Retry-After first */
        if (when > now_s + ari->retry_after_s)
            when = now_s + ari->retry_after_s;
        *when_s = when;
        *reason = ACME5G_REASON_ARI;
        policy_backoff(policy, state, cert->not_after_s, now_s, when_s, reason);
        return *when_s <= now_s;
    }
    if (acme5g_policy_next(policy, cert->not_before_s, cert->not_after_s, state, now_s, when_s,
                           reason) != ACME5G_OK)
        return -ACME5G_ERR_ARG;
    return *when_s <= now_s;
}

/* ==========================================================================
 * 7. Shared client
 * ======================================================================== */

#if ACME5G_WITH_MTLS
/* DN callback for br_x509_decoder when we only need the key. */
static void dn_ignore(void *c, const void *buf, size_t len)
{
    (void)c; (void)buf; (void)len;
}

/* See acme5g.h. */
int acme5g_set_own_cert(acme5g_ctx *ctx, const char *chain_pem, size_t chain_len,
                        const char *key_pem, size_t key_len)
{
    size_t off = 0, start = 0, used = 0, der_len;
    int r;
    ctx->own_chain_count = 0;
    wipe(&ctx->own_key, sizeof(ctx->own_key));
    while ((r = pem_next(chain_pem, chain_len, &off, "CERTIFICATE", ctx->own_chain_buf + used,
                         sizeof(ctx->own_chain_buf) - used, &der_len)) == 1) {
        if (ctx->own_chain_count == COUNT(ctx->own_chain)) {
            ctx->own_chain_count = 0;
            return set_error(ctx, ACME5G_ERR_OWN_CHAIN_FULL);
        }
        if (ctx->own_chain_count == 0) {
            /* the issuer's key type: BearSSL needs it for ECDH suites */
            br_x509_decoder_context dc;
            br_x509_decoder_init(&dc, dn_ignore, NULL);
            br_x509_decoder_push(&dc, ctx->own_chain_buf, der_len);
            if (br_x509_decoder_last_error(&dc) || !br_x509_decoder_get_pkey(&dc))
                return set_error(ctx, ACME5G_ERR_CERT);
            ctx->own_issuer_key_type = br_x509_decoder_get_signer_key_type(&dc);
        }
        ctx->own_chain[ctx->own_chain_count].data = ctx->own_chain_buf + used;
        ctx->own_chain[ctx->own_chain_count].data_len = der_len;
        ctx->own_chain_count++;
        used += der_len;
        start = off;
    }
    if (r < 0 || ctx->own_chain_count == 0) {
        /* a well-formed certificate that did not fit, or a malformed one */
        int too_big = r < 0 && pem_next(chain_pem, chain_len, &start, "CERTIFICATE", NULL, 0,
                                         &der_len) == 1;
        ctx->own_chain_count = 0;
        return set_error(ctx, too_big ? ACME5G_ERR_OWN_CHAIN_FULL : ACME5G_ERR_CERT);
    }
    if (key_from_pem(ctx, &ctx->own_key, key_pem, key_len)) {
        ctx->own_chain_count = 0;
        return set_error(ctx, ACME5G_ERR_KEY);
    }
    return set_error(ctx, ACME5G_OK);
}

/* See acme5g.h. */
int acme5g_enrol_via(acme5g_ctx *ctx, const acme5g_enrol_params *p)
{
    size_t csr_len = 0;
    int err;

    ctx->last_tls_error = 0;
    memset(&ctx->problem, 0, sizeof(ctx->problem));
    if ((err = flow_validate_params(p)))
        return set_error(ctx, err);
    flow_begin(ctx, p->timeout_s);
    ctx->conn_client_cert = 1;
    if (!p->cert_signer && acme5g_repair_pair(ctx) != ACME5G_OK)
        LOG_WARN(ctx, "the stored certificate and key do not match", NULL);
    if (!(err = flow_seed(ctx)) && !(err = flow_cert_key(ctx, p, 0)))
        err = csr_build(&ctx->cert_key, p->cert_signer, p->identifiers, p->identifier_count,
                        ctx->request, sizeof(ctx->request), &csr_len);
    if (!err)
        err = http_request_ct(ctx, "POST", p->directory_url, ctx->request, csr_len,
                              "application/pkcs10");
    if (!err) {
        if (ctx->http_status != 200) {
            obj_problem(ctx);
            err = ctx->problem.type[0] ? ACME5G_ERR_PROBLEM : ACME5G_ERR_HTTP_STATUS;
        } else if (ctx->http_content_type != CT_PEM_CHAIN) {
            err = ACME5G_ERR_CONTENT_TYPE;
        } else if (!(err = flow_check_leaf(ctx, p))) {
            err = flow_store_pair(ctx, p);
        }
    }
    return flow_end(ctx, err, "enrolment through the shared client failed: ");
}
#else
/* Built without mutual TLS (ACME5G_WITH_MTLS 0): refused. */
int acme5g_set_own_cert(acme5g_ctx *ctx, const char *chain_pem, size_t chain_len,
                        const char *key_pem, size_t key_len)
{
    (void)chain_pem; (void)chain_len; (void)key_pem; (void)key_len;
    return set_error(ctx, ACME5G_ERR_ARG);
}

int acme5g_enrol_via(acme5g_ctx *ctx, const acme5g_enrol_params *p)
{
    (void)p;
    return set_error(ctx, ACME5G_ERR_ARG);
}
#endif

#if ACME5G_WITH_SHARED
/* How long the shared client waits for bytes after a request's body. */
#define SHR_TRAILING_MS 100

/* Run the server engine until its state has a bit of `want`, moving
 * records through the port under ctx->deadline_ms.  With `discard`,
 * received application data is thrown away on the way (before an answer:
 * the one-direction buffer cannot send while it holds any).  0 or -1 (why
 * in ctx->io_error or the engine's error). */
static int shr_pump(acme5g_ctx *ctx, unsigned want, int discard)
{
    br_ssl_engine_context *eng = &ctx->tls.server.eng;
    for (;;) {
        unsigned st = br_ssl_engine_current_state(eng);
        unsigned char *buf;
        size_t len;
        int r;
        if (st & BR_SSL_CLOSED)
            return -1;
        if (st & BR_SSL_SENDREC) {
            buf = br_ssl_engine_sendrec_buf(eng, &len);
            if ((r = io_port_write(ctx, buf, len)) < 0)
                return -1;
            br_ssl_engine_sendrec_ack(eng, (size_t)r);
            continue;
        }
        if (discard && (st & BR_SSL_RECVAPP)) {
            br_ssl_engine_recvapp_buf(eng, &len);
            br_ssl_engine_recvapp_ack(eng, len);
            continue;
        }
        if (st & want)
            return 0;
        if (!(st & BR_SSL_RECVREC))
            return -1;
        buf = br_ssl_engine_recvrec_buf(eng, &len);
        if ((r = io_port_read(ctx, buf, len)) < 0)
            return -1;
        br_ssl_engine_recvrec_ack(eng, (size_t)r);
    }
}

/* After the body: does the request end there?  Waits SHR_TRAILING_MS for
 * more bytes; line ends are dropped, anything else refuses the request. */
static int shr_request_ends(acme5g_ctx *ctx)
{
    br_ssl_engine_context *eng = &ctx->tls.server.eng;
    uint64_t deadline = ctx->deadline_ms,
             until = ctx->port.monotonic_ms(ctx->port.user) + SHR_TRAILING_MS;
    int err = ACME5G_OK;
    if (until < deadline)
        ctx->deadline_ms = until;
    while (!err) {
        size_t len, i;
        unsigned char *p;
        if (shr_pump(ctx, BR_SSL_RECVAPP, 0))
            break; /* nothing more in time, or the NF closed its side */
        p = br_ssl_engine_recvapp_buf(eng, &len);
        for (i = 0; i < len && !err; i++)
            if (p[i] != '\r' && p[i] != '\n')
                err = ACME5G_ERR_HTTP;
        br_ssl_engine_recvapp_ack(eng, len);
    }
    ctx->io_error = 0;
    ctx->deadline_ms = deadline;
    return err;
}

/* See acme5g.h. */
void acme5g_shared_set_handshake_timeout(acme5g_ctx *ctx, uint32_t timeout_ms)
{
    ctx->shared_handshake_ms = timeout_ms;
}

/* See acme5g.h. */
int acme5g_shared_accept(acme5g_ctx *ctx, int handle, uint32_t timeout_s,
                         acme5g_shared_request *req)
{
    static const unsigned char oid_uri[] = { 0, 6 }, oid_dns[] = { 0, 2 },
                               oid_cn[] = { 3, 0x55, 0x04, 0x03 };
    br_ssl_server_context *sc = &ctx->tls.server;
    unsigned char seed[32];
    http_framing fr;
    int64_t now = ctx->port.now_s(ctx->port.user);
    int err = ACME5G_OK, headers = 0, is_pkcs10 = 0, handshake_done = 0, i;
    uint64_t start_ms;
    long n;

    memset(req, 0, sizeof(*req));
    ctx->last_tls_error = 0;
    ctx->sock = -1;
    if (!ctx->own_chain_count || !ctx->ta_count)
        return set_error(ctx, ACME5G_ERR_ARG);
    if (now < 1577836800)
        return set_error(ctx, ACME5G_ERR_CLOCK);
    if (entropy_get(ctx, seed, sizeof(seed)))
        return set_error(ctx, ACME5G_ERR_ENTROPY);
    ctx->shared_io_ms = (timeout_s ? timeout_s : 10) * 1000u;
    start_ms = ctx->port.monotonic_ms(ctx->port.user);
    ctx->deadline_ms = start_ms + ctx->shared_io_ms;
    if (ctx->shared_handshake_ms && ctx->shared_handshake_ms < ctx->shared_io_ms)
        ctx->deadline_ms = start_ms + ctx->shared_handshake_ms;

    br_ssl_server_init_full_ec(sc, ctx->own_chain, ctx->own_chain_count,
                               ctx->own_issuer_key_type, &ctx->own_key.sk);
    br_ssl_engine_set_versions(&sc->eng, BR_TLS12, BR_TLS12);
    /* client authentication against the NF bootstrap CA(s) */
    br_x509_minimal_init_full(&ctx->x509, ctx->tas, ctx->ta_count);
    br_x509_minimal_set_time(&ctx->x509, (uint32_t)(now / 86400 + 719528), (uint32_t)(now % 86400));
    ctx->peer_names[0].oid = oid_uri;
    ctx->peer_names[1].oid = oid_dns;
    ctx->peer_names[2].oid = oid_cn;
    for (i = 0; i < 3; i++) {
        ctx->peer_names[i].buf = ctx->peer_name_buf[i];
        ctx->peer_names[i].len = sizeof(ctx->peer_name_buf[i]);
        ctx->peer_name_buf[i][0] = 0;
    }
    br_x509_minimal_set_name_elements(&ctx->x509, ctx->peer_names, 3);
    br_ssl_engine_set_x509(&sc->eng, &ctx->x509.vtable);
    br_ssl_server_set_trust_anchor_names_alt(sc, ctx->tas, ctx->ta_count);
    br_ssl_engine_set_default_ecdsa(&sc->eng);
    br_ssl_engine_set_buffer(&sc->eng, ctx->tls_buf, sizeof(ctx->tls_buf), 0);
    br_ssl_engine_inject_entropy(&sc->eng, seed, sizeof(seed));
    wipe(seed, sizeof(seed));
    if (!br_ssl_server_reset(sc))
        return set_error(ctx, ACME5G_ERR_TLS);
    ctx->sock = handle;
    ctx->io_error = 0;
    br_sslio_init(&ctx->io, &sc->eng, io_port_read, ctx, io_port_write, ctx);

    /* the handshake under its own (shorter) deadline, then the request */
    handshake_done = !shr_pump(ctx, BR_SSL_SENDAPP | BR_SSL_RECVAPP, 0);
    ctx->deadline_ms = start_ms + ctx->shared_io_ms;
    n = handshake_done ? http_line(ctx) : -(long)io_failure(ctx);
    if (n < 0)
        err = (int)-n;
    else if (n < 14 || memcmp(ctx->line, "POST /", 6) || !strstr(ctx->line, " HTTP/1."))
        err = ACME5G_ERR_HTTP;
    memset(&fr, 0, sizeof(fr));
    while (!err) {
        n = http_line(ctx);
        if (n < 0) {
            err = (int)-n;
            break;
        }
        if (n == 0)
            break;
        if (++headers > HTTP_MAX_HEADERS) {
            err = ACME5G_ERR_HTTP;
            break;
        }
        if (n > 13 && mem_ieq(ctx->line, "content-type:", 13)) {
            const char *v = ctx->line + 13;
            while (*v == ' ' || *v == '\t')
                v++;
            is_pkcs10 = strcspn(v, "; \t") == 18 && mem_ieq(v, "application/pkcs10", 18);
            continue;
        }
        err = http_header(ctx, &fr, (size_t)n);
    }
    if (!err && (!is_pkcs10 || fr.chunked || !fr.have_length || fr.length == 0))
        err = ACME5G_ERR_HTTP;
    if (!err && fr.length > sizeof(req->csr))
        err = ACME5G_ERR_BODY_TOO_LARGE;
    if (!err && io_read(ctx, req->csr, (size_t)fr.length))
        err = io_failure(ctx);
    if (!err)
        err = shr_request_ends(ctx);
    if (!err) {
        req->csr_len = (size_t)fr.length;
        for (i = 0; i < 3 && !req->identity[0]; i++)
            if (ctx->peer_names[i].status > 0)
                copy_cut(req->identity, sizeof(req->identity), ctx->peer_name_buf[i],
                         strlen(ctx->peer_name_buf[i]));
        if (!req->identity[0])
            err = ACME5G_ERR_TLS_UNTRUSTED; /* a certificate naming nobody */
    }
    if (err) {
        int br = br_ssl_engine_last_error(&sc->eng);
        if (!ctx->last_tls_error && br != BR_ERR_OK && br != BR_ERR_IO)
            ctx->last_tls_error = br;
        /* after a completed handshake the NF can still be told why */
        if (!handshake_done || ctx->last_tls_error ||
            br_ssl_engine_current_state(&sc->eng) == BR_SSL_CLOSED)
            ctx->sock = -1;
    }
    return set_error(ctx, err);
}

/* See acme5g.h. */
int acme5g_shared_respond(acme5g_ctx *ctx, int http_status, const char *chain_pem,
                          size_t chain_len, const char *problem_type, const char *detail)
{
    char head[160];
    wbuf w, b;
    int err = ACME5G_OK;
    if (ctx->sock < 0)
        return set_error(ctx, ACME5G_ERR_ARG);
    /* the NF waits as long as the ACME work took: its answer gets the
     * accept's time afresh */
    ctx->deadline_ms = ctx->port.monotonic_ms(ctx->port.user) +
                       (ctx->shared_io_ms ? ctx->shared_io_ms : 10000u);
    ctx->io_error = 0;
    /* a problem body is built in ctx->body (free: the request was read) */
    if (http_status != 200 || !chain_pem) {
        w_init(&b, ctx->body, ACME5G_BODY_MAX);
        w_str(&b, "{\"type\":\"urn:acme5g:error:");
        w_str(&b, problem_type ? problem_type : "serverInternal");
        w_str(&b, "\",\"detail\":");
        w_json_str(&b, detail ? detail : "");
        w_str(&b, "}");
        if (b.overflow)
            b.len = 0;
        chain_pem = (const char *)ctx->body;
        chain_len = b.len;
    }
    w_init(&w, head, sizeof(head));
    w_str(&w, "HTTP/1.1 ");
    w_u64(&w, (uint64_t)http_status);
    w_str(&w, http_status == 200 ? " OK\r\nContent-Type: application/pem-certificate-chain\r\n"
                                 : " Error\r\nContent-Type: application/problem+json\r\n");
    w_str(&w, "Content-Length: ");
    w_u64(&w, chain_len);
    w_str(&w, "\r\nConnection: close\r\n\r\n");
    /* whatever the NF sent after its request goes first: the one-direction
     * buffer cannot send while it holds received data */
    if (shr_pump(ctx, BR_SSL_SENDAPP, 1) || br_sslio_write_all(&ctx->io, head, w.len) < 0 ||
        br_sslio_write_all(&ctx->io, chain_pem, chain_len) < 0 || br_sslio_flush(&ctx->io) < 0)
        err = io_failure(ctx);
    else
        br_ssl_engine_close(&ctx->tls.server.eng); /* close_notify; no wait for the NF's */
    (void)br_sslio_flush(&ctx->io);
    ctx->sock = -1;
    return set_error(ctx, err);
}
#else
/* Built without the shared client (ACME5G_WITH_SHARED 0): refused. */
int acme5g_shared_accept(acme5g_ctx *ctx, int handle, uint32_t timeout_s,
                         acme5g_shared_request *req)
{
    (void)handle; (void)timeout_s;
    memset(req, 0, sizeof(*req));
    return set_error(ctx, ACME5G_ERR_ARG);
}

int acme5g_shared_respond(acme5g_ctx *ctx, int http_status, const char *chain_pem,
                          size_t chain_len, const char *problem_type, const char *detail)
{
    (void)http_status; (void)chain_pem; (void)chain_len; (void)problem_type; (void)detail;
    return set_error(ctx, ACME5G_ERR_ARG);
}
#endif

/* Issuer DN as "CN=..., O=..." for the attributes people read. */
static void w_dn(wbuf *w, const der_r *dn)
{
    static const struct { unsigned char oid; const char *name; } attrs[] = {
        { 3, "CN" }, { 6, "C" }, { 7, "L" }, { 8, "ST" }, { 10, "O" }, { 11, "OU" },
    };
    der_r s = *dn, set, atv, oid, val;
    int tag, first = 1;
    while (s.p < s.end) {
        if (der_expect(&s, 0x31, &set))
            return;
        while (set.p < set.end) {
            size_t i;
            const char *name = NULL;
            if (der_expect(&set, 0x30, &atv) || der_expect(&atv, 0x06, &oid) ||
                der_next(&atv, &tag, &val))
                return;
            if (oid.end - oid.p == 3 && oid.p[0] == 0x55 && oid.p[1] == 0x04)
                for (i = 0; i < COUNT(attrs); i++)
                    if (attrs[i].oid == oid.p[2])
                        name = attrs[i].name;
            if (!name)
                continue;
            if (!first)
                w_str(w, ", ");
            first = 0;
            w_str(w, name);
            w_str(w, "=");
            w_mem(w, val.p, (size_t)(val.end - val.p));
        }
    }
}

/* See acme5g.h. */
int acme5g_cert_info(const char *pem, size_t len, acme5g_cert_summary *info)
{
    unsigned char der[4096];
    size_t off = 0, der_len, count = 0;
    x509_fields f;
    wbuf w;
    der_r san;
    int tag, r;
    memset(info, 0, sizeof(*info));
    if (pem_next(pem, len, &off, "CERTIFICATE", der, sizeof(der), &der_len) != 1 ||
        x509_parse(der, der_len, &f))
        return ACME5G_ERR_CERT;
    count = 1;
    {
        size_t sl;
        while ((r = pem_next(pem, len, &off, "CERTIFICATE", NULL, 0, &sl)) == 1)
            count++;
        if (r < 0)
            return ACME5G_ERR_CERT;
    }
    info->chain_length = count;
    info->not_before_s = f.not_before_s;
    info->not_after_s = f.not_after_s;
    {
        /* the number, not its DER encoding: no leading 00 (as openssl shows it) */
        const unsigned char *sp = f.serial.p;
        while (f.serial.end - sp > 1 && sp[0] == 0)
            sp++;
        w_init(&w, info->serial_hex, sizeof(info->serial_hex));
        w_hex(&w, sp, (size_t)(f.serial.end - sp));
        w_cstr(&w);
    }
    w_init(&w, info->issuer, sizeof(info->issuer));
    w_dn(&w, &f.issuer);
    w_cstr(&w);
    /* names: whole entries only; "..." when the rest does not fit */
    w_init(&w, info->names, sizeof(info->names));
    san = f.san;
    while (f.have_san && san.p < san.end) {
        der_r gn;
        char entry[300];
        wbuf e;
        if (der_next(&san, &tag, &gn))
            break;
        if (tag != 0x82 && tag != 0x87 && tag != 0x86)
            continue;
        w_init(&e, entry, sizeof(entry));
        if (w.len)
            w_str(&e, ", ");
        if (tag == 0x87) {
            w_str(&e, "IP:");
            if (gn.end - gn.p == 4 || gn.end - gn.p == 16)
                w_ip(&e, gn.p, (size_t)(gn.end - gn.p));
        } else {
            w_str(&e, tag == 0x82 ? "DNS:" : "URI:");
            w_mem(&e, gn.p, (size_t)(gn.end - gn.p));
        }
        /* keep room for ", ..." and the NUL */
        if (e.overflow || e.len + 6 > w.cap - w.len) {
            w_str(&w, w.len ? ", ..." : "...");
            break;
        }
        w_mem(&w, entry, e.len);
    }
    w_cstr(&w);
    return ACME5G_OK;
}

/* See acme5g.h. */
int acme5g_last_error(const acme5g_ctx *ctx) { return ctx->last_error; }

/* See acme5g.h. */
int acme5g_last_tls_error(const acme5g_ctx *ctx) { return ctx->last_tls_error; }

/* See acme5g.h. */
const acme5g_problem *acme5g_last_problem(const acme5g_ctx *ctx) { return &ctx->problem; }

/* See acme5g.h. */
void acme5g_wipe(acme5g_ctx *ctx) { wipe(ctx, sizeof(*ctx)); }
