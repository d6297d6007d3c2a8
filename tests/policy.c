/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/policy.c -- table-driven tests of the renewal policy
 * (acme5g_policy_default, acme5g_policy_next) with a fake clock.  Public API
 * only: built against acme5g.h and linked with acme5g.c.
 *
 * Prints "ok - NAME" or "FAIL - NAME: why" per case, then
 * "N passed, N failed"; exits 1 when a case failed.
 */
#include <stdio.h>
#include <string.h>

#include "acme5g.h"

static int passed, failed;

static void result(int ok, const char *name, const char *why)
{
    if (ok) {
        printf("ok - %s\n", name);
        passed++;
    } else {
        printf("FAIL - %s: %s\n", name, why);
        failed++;
    }
}

/* A certificate issued at NB (2023-11-14T22:13:20Z) for 90 days. */
#define NB 1700000000LL
#define DAY 86400LL
#define LIFE (90 * DAY)
#define NA (NB + LIFE)
#define SHARE (NB + LIFE / 1000 * 667) /* the default 2/3: 5186592 s after NB */
#define H 3600LL

/* Policy fields: 0 in a table row means the default. */
typedef struct pcase {
    const char *name;
    uint32_t permille, before_s, jitter_s, retry_min_s, retry_max_s;
    int64_t nb, na;
    int no_state;        /* pass NULL for the state */
    uint32_t failures;
    int64_t last_failure;
    uint32_t seed;
    int64_t now;
    int want_rc;         /* 1 due, 0 later, or BAD (refused: ACME5G_ERR_ARG) */
    int64_t want_when;   /* checked when want_rc >= 0 */
    acme5g_renew_reason want_reason;
} pcase;

#define LIFETIME ACME5G_REASON_LIFETIME
#define BEFORE ACME5G_REASON_BEFORE_EXPIRY
#define EXPIRED ACME5G_REASON_EXPIRED
#define BACKOFF ACME5G_REASON_BACKOFF
#define BAD (-1)

/* acme5g_policy_next as a question: 1 due (the time is now or past), 0
 * later, BAD when refused with ACME5G_ERR_ARG (and *when untouched), or
 * -1000 - the code for any other answer. */
static int policy_due(const acme5g_policy *p, int64_t nb, int64_t na,
                      const acme5g_policy_state *st, int64_t now, int64_t *when,
                      acme5g_renew_reason *reason)
{
    int64_t before = *when;
    int rc = acme5g_policy_next(p, nb, na, st, now, when, reason);
    if (rc == ACME5G_OK)
        return *when <= now;
    return rc == ACME5G_ERR_ARG && *when == before ? BAD : -1000 - rc;
}

static const pcase cases[] = {
    /* lifetime share */
    { "default: fresh certificate, due at 2/3 of the lifetime",
      0, 0, 0, 0, 0, NB, NA, 0, 0, 0, 0, NB + 1, 0, SHARE, LIFETIME },
    { "default: one second before the share: not due",
      0, 0, 0, 0, 0, NB, NA, 0, 0, 0, 0, SHARE - 1, 0, SHARE, LIFETIME },
    { "default: at the share: due",
      0, 0, 0, 0, 0, NB, NA, 0, 0, 0, 0, SHARE, 1, SHARE, LIFETIME },
    { "default: after the share: due, time stays the share",
      0, 0, 0, 0, 0, NB, NA, 0, 0, 0, 0, SHARE + DAY, 1, SHARE, LIFETIME },
    { "share 0.5 of a 60 s certificate (59 s lifetime): 29 s, rounded down",
      500, 0, 0, 0, 0, NB, NB + 59, 0, 0, 0, 0, NB, 0, NB + 29, LIFETIME },
    { "share 0.667 of 1999 s: floor(1333.33) = 1333 s",
      667, 0, 0, 0, 0, NB, NB + 1999, 0, 0, 0, 0, NB, 0, NB + 1333, LIFETIME },
    { "share 1.0: due at notAfter",
      1000, 0, 0, 0, 0, NB, NA, 0, 0, 0, 0, NA - 1, 0, NA, LIFETIME },
    { "share 0.001 of 90 days: 7776 s",
      1, 0, 0, 0, 0, NB, NA, 0, 0, 0, 0, NB, 0, NB + 7776, LIFETIME },
    { "10-year certificate: no overflow",
      667, 0, 0, 0, 0, NB, NB + 3650 * DAY, 0, 0, 0, 0, NB, 0, NB + 3650 * DAY / 1000 * 667,
      LIFETIME },
    /* renew_before */
    { "renew_before 30 d comes before 2/3 of 90 d: it wins",
      0, 30 * DAY, 0, 0, 0, NB, NA, 0, 0, 0, 0, NB, 0, NA - 30 * DAY, BEFORE },
    { "renew_before 30 d: due at its time",
      0, 30 * DAY, 0, 0, 0, NB, NA, 0, 0, 0, 0, NA - 30 * DAY, 1, NA - 30 * DAY, BEFORE },
    { "renew_before 10 d comes after 2/3 of 90 d: the share wins",
      0, 10 * DAY, 0, 0, 0, NB, NA, 0, 0, 0, 0, NB, 0, SHARE, LIFETIME },
    { "renew_before longer than the lifetime: due from notBefore",
      0, 100 * DAY, 0, 0, 0, NB, NA, 0, 0, 0, 0, NB + 5, 1, NB, BEFORE },
    /* jitter */
    { "jitter 1 d, seed 1000: 1000 s earlier",
      0, 0, 86400, 0, 0, NB, NA, 0, 0, 0, 1000, NB, 0, SHARE - 1000, LIFETIME },
    { "jitter 1 d, seed 86399: the earliest, 86399 s earlier",
      0, 0, 86400, 0, 0, NB, NA, 0, 0, 0, 86399, NB, 0, SHARE - 86399, LIFETIME },
    { "jitter 1 d, seed 86400: seed mod jitter = 0",
      0, 0, 86400, 0, 0, NB, NA, 0, 0, 0, 86400, NB, 0, SHARE, LIFETIME },
    { "jitter 1 d, seed 2^32-1: 4294967295 mod 86400 = 23295 s earlier",
      0, 0, 86400, 0, 0, NB, NA, 0, 0, 0, 0xFFFFFFFFu, NB, 0, SHARE - 23295, LIFETIME },
    { "jitter with renew_before: applied to the earlier time",
      0, 30 * DAY, 86400, 0, 0, NB, NA, 0, 0, 0, 500, NB, 0, NA - 30 * DAY - 500, BEFORE },
    { "jitter larger than the share: never before notBefore",
      500, 0, 200, 0, 0, NB, NB + 59, 0, 0, 0, 150, NB - 10, 0, NB, LIFETIME },
    { "jitter without a state (NULL): no jitter",
      0, 0, 86400, 0, 0, NB, NA, 1, 0, 0, 0, NB, 0, SHARE, LIFETIME },
    { "jitter: due once the jittered time has come",
      0, 0, 86400, 0, 0, NB, NA, 0, 0, 0, 1000, SHARE - 1000, 1, SHARE - 1000, LIFETIME },
    /* backoff */
    { "backoff: 1 failure waits retry_min 60 s",
      0, 0, 0, 0, 0, NB, NA, 0, 1, SHARE + 10, 0, SHARE + 20, 0, SHARE + 70, BACKOFF },
    { "backoff: 1 failure, 60 s later: due",
      0, 0, 0, 0, 0, NB, NA, 0, 1, SHARE + 10, 0, SHARE + 70, 1, SHARE + 70, LIFETIME },
    { "backoff: 2 failures wait 120 s",
      0, 0, 0, 0, 0, NB, NA, 0, 2, SHARE + 10, 0, SHARE + 20, 0, SHARE + 130, BACKOFF },
    { "backoff: 3 failures wait 240 s",
      0, 0, 0, 0, 0, NB, NA, 0, 3, SHARE + 10, 0, SHARE + 20, 0, SHARE + 250, BACKOFF },
    { "backoff: 9 failures wait 60 * 2^8 = 15360 s",
      0, 0, 0, 0, 0, NB, NA, 0, 9, SHARE, 0, SHARE + 1, 0, SHARE + 15360, BACKOFF },
    { "backoff: 10 failures capped at retry_max 21600 s (not 30720)",
      0, 0, 0, 0, 0, NB, NA, 0, 10, SHARE, 0, SHARE + 1, 0, SHARE + 21600, BACKOFF },
    { "backoff: 2^32-1 failures: still the cap, no overflow",
      0, 0, 0, 0, 0, NB, NA, 0, 0xFFFFFFFFu, SHARE, 0, SHARE + 1, 0, SHARE + 21600, BACKOFF },
    { "backoff: custom 10..100 s, 4 failures: 80 s",
      0, 0, 0, 10, 100, NB, NA, 0, 4, SHARE, 0, SHARE + 1, 0, SHARE + 80, BACKOFF },
    { "backoff: custom 10..100 s, 5 failures: capped at 100 s",
      0, 0, 0, 10, 100, NB, NA, 0, 5, SHARE, 0, SHARE + 1, 0, SHARE + 100, BACKOFF },
    { "backoff: retry_min = retry_max: constant",
      0, 0, 0, 300, 300, NB, NA, 0, 7, SHARE, 0, SHARE + 1, 0, SHARE + 300, BACKOFF },
    { "backoff ended before the due time: the policy's time",
      0, 0, 0, 0, 0, NB, NA, 0, 1, NB + 100, 0, NB + 200, 0, SHARE, LIFETIME },
    { "failures without a failure time: no backoff",
      0, 0, 0, 0, 0, NB, NA, 0, 3, 0, 0, SHARE + 1, 1, SHARE, LIFETIME },
    { "backoff never pushed past notAfter while valid",
      0, 0, 0, 0, 0, NB, NA, 0, 20, NA - 100, 0, NA - 50, 0, NA, BACKOFF },
    /* expired certificate */
    { "expired: due, reason expired",
      0, 0, 0, 0, 0, NB, NA, 0, 0, 0, 0, NA, 1, SHARE, EXPIRED },
    { "expired long ago: due",
      0, 0, 0, 0, 0, NB, NA, 0, 0, 0, 0, NA + 365 * DAY, 1, SHARE, EXPIRED },
    { "expired, failed 5 s ago: backoff continues after notAfter",
      0, 0, 0, 0, 0, NB, NA, 0, 1, NA + 5, 0, NA + 10, 0, NA + 65, BACKOFF },
    { "expired, backoff over: due, reason expired",
      0, 0, 0, 0, 0, NB, NA, 0, 1, NA + 5, 0, NA + 65, 1, NA + 65, EXPIRED },
    /* clock before notBefore */
    { "clock before notBefore: not due, at the share",
      0, 0, 0, 0, 0, NB, NA, 0, 0, 0, 0, NB - H, 0, SHARE, LIFETIME },
    { "clock before notBefore, renew_before > lifetime: not due until notBefore",
      0, 100 * DAY, 0, 0, 0, NB, NA, 0, 0, 0, 0, NB - H, 0, NB, BEFORE },
    { "clock a lifetime + 1 s before notBefore: the share's interval from now",
      0, 0, 0, 0, 0, NB, NA, 0, 0, 0, 0, NB - LIFE - 1, 0, SHARE - LIFE - 1, LIFETIME },
    { "clock far in the past (1970): not due, waits the share's interval from now",
      0, 0, 0, 0, 0, NB, NA, 0, 0, 0, 0, 0, 0, SHARE - NB, LIFETIME },
    /* a wrong clock during a failed attempt (issue 16, defect 1) */
    { "failure recorded a year ahead, valid certificate: not pushed to notAfter",
      0, 0, 0, 0, 0, NB, NA, 0, 1, NA + 365 * DAY, 0, NB + 1, 0, SHARE, LIFETIME },
    { "failure recorded a year ahead, at the share: due now",
      0, 0, 0, 0, 0, NB, NA, 0, 1, NA + 365 * DAY, 0, SHARE + 1, 1, SHARE, LIFETIME },
    { "failure recorded a year ahead, 10 failures: still due at the share",
      0, 0, 0, 0, 0, NB, NA, 0, 10, SHARE + 365 * DAY, 0, SHARE, 1, SHARE, LIFETIME },
    { "failure recorded a year ahead, expired certificate: due now",
      0, 0, 0, 0, 0, NB, NA, 0, 1, NA + 365 * DAY, 0, NA + 10, 1, SHARE, EXPIRED },
    { "failure recorded 1 s ahead: ignored too",
      0, 0, 0, 0, 0, NB, NA, 0, 3, NA + 11, 0, NA + 10, 1, SHARE, EXPIRED },
    { "failure at now: backoff counted from now",
      0, 0, 0, 0, 0, NB, NA, 0, 1, NA + 10, 0, NA + 10, 0, NA + 70, BACKOFF },
    /* bad input */
    { "bad: renew_permille 1001", 1001, 0, 0, 0, 0, NB, NA, 0, 0, 0, 0, NB, BAD, 0, LIFETIME },
    { "bad: notAfter == notBefore", 0, 0, 0, 0, 0, NB, NB, 0, 0, 0, 0, NB, BAD, 0, LIFETIME },
    { "bad: notAfter before notBefore", 0, 0, 0, 0, 0, NA, NB, 0, 0, 0, 0, NB, BAD, 0, LIFETIME },
    { "bad: retry_max < retry_min", 0, 0, 0, 600, 60, NB, NA, 0, 0, 0, 0, NB, BAD, 0, LIFETIME },
};

static const char *reason_name(acme5g_renew_reason r)
{
    switch (r) {
    case ACME5G_REASON_LIFETIME: return "lifetime";
    case ACME5G_REASON_BEFORE_EXPIRY: return "before-expiry";
    case ACME5G_REASON_EXPIRED: return "expired";
    case ACME5G_REASON_BACKOFF: return "backoff";
    case ACME5G_REASON_ARI: return "ari";
    case ACME5G_REASON_REVOKED: return "revoked";
    case ACME5G_REASON_NO_CERT: return "no-cert";
    }
    return "?";
}

static void policy_of(const pcase *c, acme5g_policy *p)
{
    acme5g_policy_default(p);
    if (c->permille)
        p->renew_permille = c->permille;
    p->renew_before_s = c->before_s;
    p->jitter_s = c->jitter_s;
    if (c->retry_min_s)
        p->retry_min_s = c->retry_min_s;
    if (c->retry_max_s)
        p->retry_max_s = c->retry_max_s;
}

static void run_case(const pcase *c)
{
    acme5g_policy p;
    acme5g_policy_state st;
    int64_t when = -12345;
    acme5g_renew_reason reason = (acme5g_renew_reason)0;
    char why[256];
    int rc;

    policy_of(c, &p);
    memset(&st, 0, sizeof st);
    st.failures = c->failures;
    st.last_failure_s = c->last_failure;
    st.jitter_seed = c->seed;
    rc = policy_due(&p, c->nb, c->na, c->no_state ? NULL : &st, c->now, &when, &reason);
    if (rc != c->want_rc) {
        snprintf(why, sizeof why, "returned %d, expected %d", rc, c->want_rc);
        result(0, c->name, why);
    } else if (rc >= 0 && when != c->want_when) {
        snprintf(why, sizeof why, "time %+lld s from notBefore, expected %+lld",
                 (long long)(when - c->nb), (long long)(c->want_when - c->nb));
        result(0, c->name, why);
    } else if (rc >= 0 && reason != c->want_reason) {
        snprintf(why, sizeof why, "reason %s, expected %s", reason_name(reason),
                 reason_name(c->want_reason));
        result(0, c->name, why);
    } else {
        result(1, c->name, "");
    }
}

/* Bad policies built from the defaults: fields a table row cannot zero. */
static void bad_policies(void)
{
    static const struct { const char *name; int field; } bad[] = {
        { "bad: renew_permille 0", 0 },
        { "bad: retry_min_s 0", 1 },
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        acme5g_policy p;
        acme5g_policy_state st;
        int64_t when = 0;
        acme5g_renew_reason reason = ACME5G_REASON_LIFETIME;
        int rc;
        acme5g_policy_default(&p);
        memset(&st, 0, sizeof st);
        if (bad[i].field == 0)
            p.renew_permille = 0;
        else
            p.retry_min_s = 0;
        rc = acme5g_policy_next(&p, NB, NA, &st, NB, &when, &reason);
        result(rc == ACME5G_ERR_ARG && when == 0, bad[i].name,
               "not refused with ACME5G_ERR_ARG, or the time set");
    }
}

static void defaults(void)
{
    acme5g_policy p;
    memset(&p, 0xA5, sizeof p);
    acme5g_policy_default(&p);
    result(p.renew_permille == 667 && p.renew_before_s == 0 && p.jitter_s == 0 &&
               p.retry_min_s == 60 && p.retry_max_s == 21600,
           "defaults: 2/3 of the lifetime, no renew_before, no jitter, retry 60 s .. 6 h",
           "acme5g_policy_default differs");
}

/* Jitter bounds over many seeds: the time is always in
 * [share - (jitter - 1), share] (and not before notBefore), every offset
 * in that range is reachable, and the time does not depend on `now`. */
static void jitter_bounds(void)
{
    const uint32_t jitter = 3600;
    acme5g_policy p;
    acme5g_policy_state st;
    static unsigned char hit[3600];
    uint32_t seed, x = 2463534242u, i, missing = 0;
    int ok = 1;
    char why[200] = "";

    acme5g_policy_default(&p);
    p.jitter_s = jitter;
    memset(&st, 0, sizeof st);
    for (i = 0; i < 200000 && ok; i++) {
        int64_t when = 0, when2 = 0;
        acme5g_renew_reason r = ACME5G_REASON_LIFETIME;
        /* xorshift32 seeds, and the first 3600 seeds */
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        seed = i < jitter ? i : x;
        st.jitter_seed = seed;
        if (policy_due(&p, NB, NA, &st, NB, &when, &r) != 0 ||
            policy_due(&p, NB, NA, &st, SHARE + DAY, &when2, &r) != 1) {
            snprintf(why, sizeof why, "seed %u: wrong return", (unsigned)seed);
            ok = 0;
        } else if (when > SHARE || when < SHARE - (int64_t)(jitter - 1) || when != when2) {
            snprintf(why, sizeof why, "seed %u: %+lld s from the share", (unsigned)seed,
                     (long long)(when - SHARE));
            ok = 0;
        } else {
            hit[SHARE - when] = 1;
        }
    }
    for (i = 0; i < jitter; i++)
        missing += !hit[i];
    if (ok && missing) {
        snprintf(why, sizeof why, "%u offsets in [0, %u) never chosen", (unsigned)missing,
                 (unsigned)jitter);
        ok = 0;
    }
    result(ok, "jitter bounds: 200000 seeds, all in [share - 3599 s, share], every offset used",
           why);
}

/* A fake clock walking through a certificate's life, one failure every
 * attempt until a success: the time moves forward and the gaps double up
 * to the cap. */
static void backoff_walk(void)
{
    acme5g_policy p;
    acme5g_policy_state st;
    int64_t now = SHARE, when = 0, prev_gap = 0;
    acme5g_renew_reason r = ACME5G_REASON_LIFETIME;
    int ok = 1, n;
    char why[200] = "";

    acme5g_policy_default(&p);
    memset(&st, 0, sizeof st);
    for (n = 0; n < 12 && ok; n++) {
        int rc = policy_due(&p, NB, NA, &st, now, &when, &r);
        if (rc != 1) {
            snprintf(why, sizeof why, "attempt %d at %+lld s: not due", n + 1,
                     (long long)(now - SHARE));
            ok = 0;
            break;
        }
        /* the attempt fails */
        st.failures++;
        st.last_failure_s = now;
        rc = policy_due(&p, NB, NA, &st, now, &when, &r);
        {
            int64_t gap = when - now, want = 60LL << n;
            if (want > 21600)
                want = 21600;
            if (rc != 0 || r != ACME5G_REASON_BACKOFF || gap != want || gap < prev_gap) {
                snprintf(why, sizeof why, "after failure %d: gap %lld s, expected %lld",
                         n + 1, (long long)gap, (long long)want);
                ok = 0;
            }
            prev_gap = gap;
        }
        now = when;
    }
    result(ok, "backoff walk: 12 failed attempts, gaps 60, 120, ... 15360, 21600, 21600 s", why);
}

/* acme5g_renewal_decide: the whole decision (certificate or none, the
 * revoked mark, an ARI window, failures). */
typedef struct dcase {
    const char *name;
    int no_cert, revoked, ari;  /* ari: use the window [ari_start, ari_end) */
    int64_t ari_start, ari_end;
    int32_t retry_after;
    uint32_t failures;
    int64_t last_failure;
    uint32_t seed;
    int64_t now;
    int want_rc;
    int64_t want_when;
    acme5g_renew_reason want_reason;
} dcase;

#define REVOKED ACME5G_REASON_REVOKED
#define NOCERT ACME5G_REASON_NO_CERT
#define ARI ACME5G_REASON_ARI

static const dcase dcases[] = {
    { "decide: no certificate: due now", 1, 0, 0, 0, 0, 0, 0, 0, 0, NB, 1, NB, NOCERT },
    { "decide: no certificate, 2 failures, last 10 s ago: backoff 120 s",
      1, 0, 0, 0, 0, 0, 2, NB - 10, 0, NB, 0, NB + 110, BACKOFF },
    { "decide: no certificate, failure time a year ahead: due now (wrong clock ignored)",
      1, 0, 0, 0, 0, 0, 5, NB + 365 * DAY, 0, NB, 1, NB, NOCERT },
    { "decide: revoked: due now", 0, 1, 0, 0, 0, 0, 0, 0, 0, NB + 1, 1, NB + 1, REVOKED },
    { "decide: revoked, 1 failure 5 s ago: backoff 60 s",
      0, 1, 0, 0, 0, 0, 1, NB + 10, 0, NB + 15, 0, NB + 70, BACKOFF },
    { "decide: no ARI: the local policy", 0, 0, 0, 0, 0, 0, 0, 0, 0, NB + 1, 0, SHARE, LIFETIME },
    { "decide: ARI window later: asked again after Retry-After",
      0, 0, 1, NB + 30 * DAY, NB + 31 * DAY, 21600, 0, 0, 0, NB + DAY, 0, NB + DAY + 21600, ARI },
    { "decide: ARI window soon: seed 100 picks start + 100",
      0, 0, 1, NB + DAY + 1000, NB + DAY + 5000, 21600, 0, 0, 100, NB + DAY, 0,
      NB + DAY + 1100, ARI },
    { "decide: ARI window now: due",
      0, 0, 1, NB + DAY - 10, NB + DAY + 10, 21600, 0, 0, 0, NB + DAY, 1, NB + DAY - 10, ARI },
    { "decide: ARI window now, 1 failure 5 s ago: backoff",
      0, 0, 1, NB + DAY - 10, NB + DAY + 10, 21600, 1, NB + DAY - 5, 0, NB + DAY, 0,
      NB + DAY + 55, BACKOFF },
    { "decide: ARI after notAfter is ignored: expired",
      0, 0, 1, NA + DAY, NA + 2 * DAY, 21600, 0, 0, 0, NA + 1, 1, SHARE, EXPIRED },
    { "decide: empty ARI window: the local policy",
      0, 0, 1, NB + DAY, NB + DAY, 21600, 0, 0, 0, NB + 1, 0, SHARE, LIFETIME },
};

static void decide_cases(void)
{
    size_t i;
    for (i = 0; i < sizeof dcases / sizeof dcases[0]; i++) {
        const dcase *c = &dcases[i];
        acme5g_policy p;
        acme5g_policy_state st;
        acme5g_cert_summary cert;
        acme5g_renewal_window w;
        int64_t when = -1;
        acme5g_renew_reason reason = (acme5g_renew_reason)0;
        char why[256];
        int rc;
        acme5g_policy_default(&p);
        memset(&st, 0, sizeof st);
        st.failures = c->failures;
        st.last_failure_s = c->last_failure;
        st.jitter_seed = c->seed;
        memset(&cert, 0, sizeof cert);
        cert.not_before_s = NB;
        cert.not_after_s = NA;
        memset(&w, 0, sizeof w);
        w.start_s = c->ari_start;
        w.end_s = c->ari_end;
        w.retry_after_s = c->retry_after;
        rc = acme5g_renewal_decide(&p, c->no_cert ? NULL : &cert, c->revoked, c->ari ? &w : NULL,
                                   &st, c->now, &when, &reason);
        if (rc != c->want_rc)
            snprintf(why, sizeof why, "returned %d, expected %d", rc, c->want_rc);
        else if (when != c->want_when)
            snprintf(why, sizeof why, "time %+lld s from now, expected %+lld",
                     (long long)(when - c->now), (long long)(c->want_when - c->now));
        else if (reason != c->want_reason)
            snprintf(why, sizeof why, "reason %s, expected %s", reason_name(reason),
                     reason_name(c->want_reason));
        else
            why[0] = '\0';
        result(why[0] == '\0', c->name, why);
    }
}

int main(void)
{
    size_t i;
    defaults();
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
    bad_policies();
    jitter_bounds();
    backoff_walk();
    decide_cases();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
