/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * fuzz_ta -- acme5g_add_trust_anchors_pem (CA bundles given by the
 * operator): PEM, BearSSL's X.509 decoder, the anchor store.  Invariants:
 * the anchor buffer is never overrun and every anchor points into it.
 */
#include "../../acme5g.c"
#define FZ_NAME "fuzz_ta"
#include "fuzz.h"

static int inside(const acme5g_ctx *ctx, const unsigned char *p, size_t n)
{
    return p >= ctx->ta_buf && n <= sizeof(ctx->ta_buf) &&
           (size_t)(p - ctx->ta_buf) <= sizeof(ctx->ta_buf) - n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    acme5g_ctx *ctx = fz_ctx();
    size_t i;
    int err = acme5g_add_trust_anchors_pem(ctx, (const char *)data, size);
    FZ_ASSERT(err == ACME5G_OK || err == ACME5G_ERR_TRUST_ANCHOR ||
              err == ACME5G_ERR_TRUST_ANCHORS_FULL);
    FZ_ASSERT(ctx->ta_count <= ACME5G_MAX_TRUST_ANCHORS);
    FZ_ASSERT(ctx->ta_used <= sizeof(ctx->ta_buf));
    FZ_ASSERT(err != ACME5G_OK || ctx->ta_count > 0);
    for (i = 0; i < ctx->ta_count; i++) {
        const br_x509_trust_anchor *ta = &ctx->tas[i];
        FZ_ASSERT(inside(ctx, ta->dn.data, ta->dn.len));
        if (ta->pkey.key_type == BR_KEYTYPE_EC) {
            FZ_ASSERT(inside(ctx, ta->pkey.key.ec.q, ta->pkey.key.ec.qlen));
        } else {
            FZ_ASSERT(ta->pkey.key_type == BR_KEYTYPE_RSA);
            FZ_ASSERT(inside(ctx, ta->pkey.key.rsa.n, ta->pkey.key.rsa.nlen));
            FZ_ASSERT(inside(ctx, ta->pkey.key.rsa.e, ta->pkey.key.rsa.elen));
        }
    }
    return 0;
}
