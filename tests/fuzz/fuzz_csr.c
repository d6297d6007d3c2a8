/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * fuzz_csr -- acme5g_csr_parse: the DER CSR an NF sends to the shared
 * client (outside bytes: parsed, then its signature verified).
 * Invariants: the identifiers fit and point into out->text, NUL-terminated.
 */
#include "../../acme5g.c"
#define FZ_NAME "fuzz_csr"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static acme5g_csr csr;
    size_t i;
    int err = acme5g_csr_parse(data, size, &csr);
    FZ_ASSERT(err >= 0 && err < ACME5G_ERR__COUNT);
    if (err)
        return 0;
    FZ_ASSERT(csr.public_key_len == 65 || csr.public_key_len == 97);
    FZ_ASSERT(csr.identifier_count <= ACME5G_MAX_IDENTIFIERS);
    for (i = 0; i < csr.identifier_count; i++) {
        const char *v = csr.identifiers[i].value;
        FZ_ASSERT(v >= csr.text && v < csr.text + sizeof(csr.text));
        FZ_ASSERT(fz_terminated(v, sizeof(csr.text) - (size_t)(v - csr.text)));
    }
    return 0;
}
