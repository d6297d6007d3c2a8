/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * fuzz_http -- the HTTP/1.1 response parser (http_response: status line,
 * headers incl. Link/Retry-After/Replay-Nonce/Location, chunked and
 * Content-Length bodies, body to close), fed through a fake byte source
 * instead of TLS.
 *
 * Seam: acme5g.c reads decrypted bytes only through
 * br_ssl_engine_recvapp_buf/_ack, br_sslio_read and
 * br_ssl_engine_last_error.  After <bearssl.h> is included, these four
 * names are redefined as macros to the fake below, so acme5g.c's own code
 * reads the fuzz input with no TLS engine.
 *
 * Input: byte 0 flags (bit 0: HEAD request), byte 1 & 7 = k, then k bytes
 * of read pattern (record sizes 1..64, cycled), then the server's bytes.
 * Up to 3 responses are read from one stream (keep-alive).  The stream is
 * parsed twice, in one piece and split by the pattern; every result must
 * be the same (a parser that depends on read boundaries is a bug).
 */
#include <stdlib.h>
#include <string.h>
#include <bearssl.h>

static struct fz_stream {
    const unsigned char *p;
    size_t len, off;        /* stream, position of the current record */
    size_t rec_left;        /* bytes left in the current record */
    const unsigned char *pattern;
    size_t npattern, pi;
} FS;

/* Start the next record; 0 at the end of the stream. */
static int fs_next_record(void)
{
    size_t n;
    if (FS.off >= FS.len)
        return 0;
    n = FS.npattern ? (size_t)(FS.pattern[FS.pi++ % FS.npattern] & 63) + 1 : FS.len;
    if (n > FS.len - FS.off)
        n = FS.len - FS.off;
    FS.rec_left = n;
    return 1;
}

static unsigned char *fs_recvapp_buf(const br_ssl_engine_context *e, size_t *len)
{
    (void)e;
    *len = FS.rec_left;
    return FS.rec_left ? (unsigned char *)(FS.p + FS.off) : NULL;
}

static void fs_recvapp_ack(br_ssl_engine_context *e, size_t n)
{
    (void)e;
    if (n == 0 || n > FS.rec_left)
        abort(); /* BearSSL's contract */
    FS.off += n;
    FS.rec_left -= n;
}

static int fs_sslio_read(br_sslio_context *io, void *dst, size_t n)
{
    size_t k;
    (void)io;
    if (n == 0)
        abort();
    if (FS.rec_left == 0 && !fs_next_record())
        return -1;
    k = n < FS.rec_left ? n : FS.rec_left;
    memcpy(dst, FS.p + FS.off, k);
    FS.off += k;
    FS.rec_left -= k;
    return (int)k;
}

static int fs_last_error(const br_ssl_engine_context *e)
{
    (void)e;
    return 0; /* the peer closed cleanly at the end of the input */
}

#define br_ssl_engine_recvapp_buf(e, l) fs_recvapp_buf(e, l)
#define br_ssl_engine_recvapp_ack(e, n) fs_recvapp_ack(e, n)
#define br_sslio_read(io, d, n) fs_sslio_read(io, d, n)
#define br_ssl_engine_last_error(e) fs_last_error(e)

#include "../../acme5g.c"
#define FZ_NAME "fuzz_http"
#include "fuzz.h"

typedef struct fz_result {
    int err[3], status[3], ct[3], close[3];
    int32_t retry[3];
    size_t body_len[3], alt_count[3];
    unsigned char body[3][ACME5G_BODY_MAX + 1];
    char nonce[3][96], location[3][ACME5G_URL_MAX], link_up[3][ACME5G_URL_MAX];
    int n;
} fz_result;

static fz_result R[2];

static void run(const unsigned char *stream, size_t len, const unsigned char *pat, size_t npat,
                int is_head, fz_result *r)
{
    acme5g_ctx *ctx = fz_ctx();
    int i;
    memset(&FS, 0, sizeof(FS));
    FS.p = stream;
    FS.len = len;
    FS.pattern = pat;
    FS.npattern = npat;
    memset(r, 0, sizeof(*r));
    for (i = 0; i < 3; i++) {
        http_framing fr;
        int err;
        http_response_clear(ctx);
        err = http_response(ctx, is_head, &fr);
        /* invariants whatever the input */
        FZ_ASSERT(ctx->body_len <= ACME5G_BODY_MAX);
        FZ_ASSERT(ctx->body[ctx->body_len] == 0);
        FZ_ASSERT(fz_terminated(ctx->nonce, sizeof(ctx->nonce)));
        FZ_ASSERT(fz_terminated(ctx->location, sizeof(ctx->location)));
        FZ_ASSERT(fz_terminated(ctx->link_up, sizeof(ctx->link_up)));
        FZ_ASSERT(ctx->alt_count <= ACME5G_MAX_ALTERNATES);
        FZ_ASSERT(ctx->retry_after_s >= -1 && ctx->retry_after_s <= 86400 * 7);
        FZ_ASSERT(b64u_valid_token(ctx->nonce, strlen(ctx->nonce)) || !ctx->nonce[0]);
        FZ_ASSERT(err >= 0 && err < ACME5G_ERR__COUNT);
        FZ_ASSERT(FS.off <= FS.len);
        r->err[i] = err;
        r->status[i] = ctx->http_status;
        r->ct[i] = ctx->http_content_type;
        r->close[i] = err ? 0 : fr.close;
        r->retry[i] = ctx->retry_after_s;
        r->body_len[i] = ctx->body_len;
        r->alt_count[i] = ctx->alt_count;
        memcpy(r->body[i], ctx->body, ctx->body_len);
        memcpy(r->nonce[i], ctx->nonce, sizeof(ctx->nonce));
        memcpy(r->location[i], ctx->location, sizeof(ctx->location));
        memcpy(r->link_up[i], ctx->link_up, sizeof(ctx->link_up));
        r->n = i + 1;
#ifdef ACME5G_FUZZ_REPLAY
        if (getenv("FZ_VERBOSE"))
            fprintf(stderr, "    response %d: %s, status %d, type %d, body %lu, nonce \"%s\", "
                    "location \"%s\", up \"%s\", alternates %lu, retry %ld\n", i,
                    acme5g_strerror(err), ctx->http_status, ctx->http_content_type,
                    (unsigned long)ctx->body_len, ctx->nonce, ctx->location, ctx->link_up,
                    (unsigned long)ctx->alt_count, (long)ctx->retry_after_s);
#endif
        if (err || fr.close || FS.off >= FS.len)
            break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t k;
    int is_head, i;
    if (size < 2)
        return 0;
    is_head = data[0] & 1;
    k = data[1] & 7;
    if (size < 2 + k)
        return 0;
    run(data + 2 + k, size - 2 - k, NULL, 0, is_head, &R[0]);
    if (k) {
        run(data + 2 + k, size - 2 - k, data + 2, k, is_head, &R[1]);
        /* the read boundaries change nothing */
        FZ_ASSERT(R[0].n == R[1].n);
        for (i = 0; i < R[0].n; i++) {
            FZ_ASSERT(R[0].err[i] == R[1].err[i]);
            FZ_ASSERT(R[0].status[i] == R[1].status[i]);
            FZ_ASSERT(R[0].ct[i] == R[1].ct[i]);
            FZ_ASSERT(R[0].close[i] == R[1].close[i]);
            FZ_ASSERT(R[0].retry[i] == R[1].retry[i]);
            FZ_ASSERT(R[0].body_len[i] == R[1].body_len[i]);
            FZ_ASSERT(!memcmp(R[0].body[i], R[1].body[i], R[0].body_len[i]));
            FZ_ASSERT(!strcmp(R[0].nonce[i], R[1].nonce[i]));
            FZ_ASSERT(!strcmp(R[0].location[i], R[1].location[i]));
            FZ_ASSERT(!strcmp(R[0].link_up[i], R[1].link_up[i]));
            FZ_ASSERT(R[0].alt_count[i] == R[1].alt_count[i]);
        }
    }
    return 0;
}
