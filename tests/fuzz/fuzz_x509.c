/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * fuzz_x509 -- PEM, DER and X.509: pem_next (every banner), x509_parse and
 * what reads its fields (spki_ec_point, san_has, dn_common_name, w_dn,
 * ari_cert_id), acme5g_cert_info, key_from_pem (the stored key reader).
 * The input is tried as DER (and then wrapped into PEM so cert_info sees
 * the same certificate) and as PEM text.
 */
#include "../../acme5g.c"
#define FZ_NAME "fuzz_x509"
#include "fuzz.h"

static unsigned char pem_buf[3 * 4096];

static void der_checks(const unsigned char *der, size_t len)
{
    x509_fields f;
    der_r point, cn;
    char out[256], id[200];
    wbuf w;
    if (x509_parse(der, len, &f))
        return;
    /* every span stays inside the input */
    FZ_ASSERT(f.serial.p >= der && f.serial.end <= der + len && f.serial.p <= f.serial.end);
    FZ_ASSERT(f.issuer.p >= der && f.issuer.end <= der + len);
    FZ_ASSERT(f.spki.p >= der && f.spki.end <= der + len);
    if (f.have_san) {
        static const unsigned char ip4[4] = { 127, 0, 0, 1 };
        FZ_ASSERT(f.san.p >= der && f.san.end <= der + len);
        (void)san_has(&f.san, 0x82, "example.org", 11);
        (void)san_has(&f.san, 0x87, ip4, 4);
    }
    if (f.have_aki) {
        FZ_ASSERT(f.aki.p >= der && f.aki.end <= der + len);
        (void)ari_cert_id(f.aki.p, (size_t)(f.aki.end - f.aki.p), f.serial.p,
                          (size_t)(f.serial.end - f.serial.p), id, sizeof(id));
    }
    if (spki_ec_point(&f.spki, &point) == 0)
        FZ_ASSERT(point.p >= der && point.end <= der + len && point.p <= point.end);
    cn = dn_common_name(&f.issuer);
    FZ_ASSERT(!cn.p || (cn.p >= der && cn.end <= der + len));
    w_init(&w, out, sizeof(out));
    w_dn(&w, &f.issuer);
    w_cstr(&w);
    FZ_ASSERT(fz_terminated(out, sizeof(out)));
}

static void info_checks(const char *pem, size_t len)
{
    acme5g_cert_summary info;
    if (acme5g_cert_info(pem, len, &info) != ACME5G_OK)
        return;
    FZ_ASSERT(fz_terminated(info.names, sizeof(info.names)));
    FZ_ASSERT(fz_terminated(info.serial_hex, sizeof(info.serial_hex)));
    FZ_ASSERT(fz_terminated(info.issuer, sizeof(info.issuer)));
    FZ_ASSERT(info.chain_length >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char der[4096];
    acme5g_ctx *ctx = fz_ctx();
    acme5g_ec_key k;
    size_t off = 0, dl = 0, n;
    int r, guard = 0;

    /* as DER */
    der_checks(data, size);
    if (size <= 4096) {
        n = br_pem_encode(pem_buf, data, size, "CERTIFICATE", BR_PEM_LINE64);
        FZ_ASSERT(n < sizeof(pem_buf));
        info_checks((const char *)pem_buf, n);
    }

    /* as PEM */
    info_checks((const char *)data, size);
    while ((r = pem_next((const char *)data, size, &off, "CERTIFICATE|PRIVATE KEY|EC PRIVATE KEY",
                         der, sizeof(der), &dl)) == 1) {
        FZ_ASSERT(dl <= sizeof(der));
        FZ_ASSERT(off <= size);
        der_checks(der, dl);
        FZ_ASSERT(++guard < 100000);
    }
    FZ_ASSERT(r == 0 || r == -1);
    off = 0;
    while (pem_next((const char *)data, size, &off, "CERTIFICATE", NULL, 0, &dl) == 1)
        FZ_ASSERT(++guard < 200000);

    /* the stored-key reader */
    memset(&k, 0, sizeof(k));
    if (key_from_pem(ctx, &k, (const char *)data, size) == ACME5G_OK) {
        FZ_ASSERT(k.pk.qlen <= sizeof(k.pub));
        FZ_ASSERT(k.sk.xlen <= sizeof(k.priv));
    }
    return 0;
}
