/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * fuzz_json -- JSON and the ACME object readers: json_parse/json_get/
 * json_str, obj_directory, obj_order (+ obj_order_matches), obj_authz
 * (each challenge type), obj_problem, obj_renewal_info.  The input is a
 * response body (cut to ACME5G_BODY_MAX).
 *
 * Every document json_parse() accepts must be a well-formed token tree
 * (each object member a key string with one value, nothing past the
 * token count): jsmn 1.1.0 accepts {"a" "b" "c"}, and json_get() once
 * walked past the tokens and the context on it (fixed in 2c35b24; the
 * reproducers are in corpus/json/json-skip-past-tokens-*).
 */
#include "../../acme5g.c"
#define FZ_NAME "fuzz_json"
#include "fuzz.h"

static void set_body(acme5g_ctx *ctx, const uint8_t *data, size_t size)
{
    if (size > ACME5G_BODY_MAX)
        size = ACME5G_BODY_MAX;
    memcpy(ctx->body, data, size);
    ctx->body[size] = 0;
    ctx->body_len = size;
}

static void check_urls(acme5g_ctx *ctx)
{
    size_t i;
    FZ_ASSERT(fz_terminated(ctx->dir_new_nonce, ACME5G_URL_MAX));
    FZ_ASSERT(fz_terminated(ctx->dir_new_account, ACME5G_URL_MAX));
    FZ_ASSERT(fz_terminated(ctx->dir_new_order, ACME5G_URL_MAX));
    FZ_ASSERT(fz_terminated(ctx->dir_key_change, ACME5G_URL_MAX));
    FZ_ASSERT(fz_terminated(ctx->dir_revoke_cert, ACME5G_URL_MAX));
    FZ_ASSERT(fz_terminated(ctx->dir_renewal_info, ACME5G_URL_MAX));
    FZ_ASSERT(fz_terminated(ctx->finalize_url, ACME5G_URL_MAX));
    FZ_ASSERT(fz_terminated(ctx->certificate_url, ACME5G_URL_MAX));
    FZ_ASSERT(fz_terminated(ctx->challenge_url, ACME5G_URL_MAX));
    FZ_ASSERT(fz_terminated(ctx->token, sizeof(ctx->token)));
    FZ_ASSERT(ctx->authz_count <= ACME5G_MAX_IDENTIFIERS);
    for (i = 0; i < ctx->authz_count; i++)
        FZ_ASSERT(fz_terminated(ctx->authz_urls[i], ACME5G_URL_MAX));
}

/* Index after the subtree at i when every object member is a key string
 * with exactly one value and nothing runs past the n tokens; else -1. */
static int tree_end(const jsmntok_t *t, int n, int i, int depth)
{
    int k, j;
    if (i >= n || depth > 64)
        return -1;
    j = i + 1;
    if (t[i].type == JSMN_OBJECT) {
        for (k = 0; k < t[i].size; k++) {
            if (j >= n || t[j].type != JSMN_STRING || t[j].size != 1)
                return -1;
            if ((j = tree_end(t, n, j + 1, depth + 1)) < 0)
                return -1;
        }
    } else if (t[i].type == JSMN_ARRAY) {
        for (k = 0; k < t[i].size; k++)
            if ((j = tree_end(t, n, j, depth + 1)) < 0)
                return -1;
    } else if (t[i].size != 0) {
        return -1;
    }
    return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = { "http-01", "dns-01", "tls-alpn-01" };
    static const acme5g_identifier ids[] = {
        { ACME5G_ID_DNS, "example.org" }, { ACME5G_ID_IP, "192.0.2.1" },
        { ACME5G_ID_IP, "2001:db8::1" }, { ACME5G_ID_URI, "urn:uuid:x" },
    };
    acme5g_ctx *ctx = fz_ctx();
    acme5g_enrol_params p;
    acme5g_renewal_window win;
    char ident[256], small[8], big[ACME5G_BODY_MAX + 1];
    int n, i, st, cst, tka, err;
    size_t t;

    /* every string token through json_str, with a small and a large slot */
    set_body(ctx, data, size);
    n = json_parse(ctx);
    FZ_ASSERT(n <= ACME5G_JSON_TOKENS);
    for (i = 0; i < n; i++) {
        const jsmntok_t *tk = &TOK(ctx)[i];
        FZ_ASSERT(tk->start >= 0 && tk->end >= tk->start && (size_t)tk->end <= ctx->body_len);
        if (tk->type != JSMN_STRING)
            continue;
        err = json_str(ctx, i, small, sizeof(small));
        FZ_ASSERT(err || strlen(small) < sizeof(small));
        err = json_str(ctx, i, big, sizeof(big));
        /* unescaping never grows a string */
        FZ_ASSERT(err || strlen(big) <= (size_t)(tk->end - tk->start));
        FZ_ASSERT(err != ACME5G_ERR_FIELD_TOO_LONG);
    }
    if (n > 0) {
        FZ_ASSERT(tree_end(TOK(ctx), n, 0, 0) == n);
        FZ_ASSERT(json_skip(TOK(ctx), 0) == n);
    }

    set_body(ctx, data, size);
    err = obj_directory(ctx);
    FZ_ASSERT(err >= 0 && err < ACME5G_ERR__COUNT);
    check_urls(ctx);

    set_body(ctx, data, size);
    err = obj_order(ctx, &st);
    FZ_ASSERT(err >= 0 && err < ACME5G_ERR__COUNT);
    check_urls(ctx);
    memset(&p, 0, sizeof(p));
    p.identifiers = ids;
    p.identifier_count = 4;
    set_body(ctx, data, size);
    if (json_parse(ctx) > 0)
        (void)obj_order_matches(ctx, &p);

    for (t = 0; t < COUNT(types); t++) {
        set_body(ctx, data, size);
        err = obj_authz(ctx, types[t], ident, sizeof(ident), &st, &cst, &tka);
        FZ_ASSERT(err >= 0 && err < ACME5G_ERR__COUNT);
        FZ_ASSERT(fz_terminated(ident, sizeof(ident)) || err);
        check_urls(ctx);
        if (!err && st == ST_PENDING && !tka)
            FZ_ASSERT(b64u_valid_token(ctx->token, strlen(ctx->token)));
    }

    set_body(ctx, data, size);
    ctx->http_status = 400;
    ctx->retry_after_s = -1;
    obj_problem(ctx);
    FZ_ASSERT(fz_terminated(ctx->problem.type, sizeof(ctx->problem.type)));
    FZ_ASSERT(fz_terminated(ctx->problem.detail, sizeof(ctx->problem.detail)));
    (void)problem_is(ctx, "badNonce");

#if ACME5G_WITH_TKAUTH
    /* the Token Authority's answer as a token: refused or accepted, cleanly */
    {
        size_t m = size < sizeof(ctx->tkauth_token) ? size : sizeof(ctx->tkauth_token) - 1;
        memcpy(ctx->tkauth_token, data, m);
        ctx->tkauth_token[m] = 0;
        err = tkauth_check(ctx, "https://ta/", "4ace9d34-2c69-4f99-92d5-a73a3fe8e23b",
                           "SHA256 AA:BB", NULL);
        FZ_ASSERT(err == ACME5G_OK || err == ACME5G_ERR_AUTHORITY_TOKEN);
        FZ_ASSERT(fz_terminated(ctx->problem.detail, sizeof(ctx->problem.detail)));
    }
#endif

    set_body(ctx, data, size);
    err = obj_renewal_info(ctx, &win);
    FZ_ASSERT(err || win.end_s > win.start_s);
    FZ_ASSERT(err || fz_terminated(win.explanation_url, sizeof(win.explanation_url)));
    return 0;
}
