/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * fuzz_dates -- x509_time (UTCTime and GeneralizedTime), http_date
 * (Retry-After), rfc3339_parse (ARI windows).  Byte 0 picks the tag for
 * x509_time; every parser sees the rest.  A UTCTime that parses and names
 * a real calendar second (no leap second, no 29 February outside leap
 * years) must come back unchanged from utc_time.
 */
#include "../../acme5g.c"
#define FZ_NAME "fuzz_dates"
#include "fuzz.h"

static int leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t t;
    int tag;
    if (size < 1)
        return 0;
    tag = (data[0] & 1) ? 0x18 : 0x17;
    data++;
    size--;
    if (x509_time(tag, data, size, &t) == 0) {
        FZ_ASSERT(t > -62167219200 - 86400 && t < 253402300800 + 86400); /* years 0..9999 */
        if (tag == 0x17) {
            unsigned yy = (unsigned)(data[0] - '0') * 10 + (unsigned)(data[1] - '0');
            unsigned y = yy + (yy < 50 ? 2000 : 1900);
            int feb29 = data[2] == '0' && data[3] == '2' && data[4] == '2' && data[5] == '9';
            int sec60 = data[10] == '6';
            char back[13];
            if (!sec60 && (!feb29 || leap(y))) {
                utc_time(t, back);
                FZ_ASSERT(!memcmp(back, data, 13));
            }
        }
    }
    if (http_date((const char *)data, size, &t) == 0)
        FZ_ASSERT(t > -62167219200 - 86400 && t < 253402300800 + 86400);
    if (rfc3339_parse((const char *)data, size, &t) == 0)
        FZ_ASSERT(t > -62167219200 - 2 * 86400 && t < 253402300800 + 2 * 86400);
    return 0;
}
