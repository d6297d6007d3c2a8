/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/bench/spread.c -- `make bench`: when a fleet renews.  10,000
 * simulated NFs get their certificates in the same second; each draws its
 * own 32-bit jitter seed once (as `acme5g enrol` does from the OS's
 * random source; here a seeded splitmix64, so the figures are
 * reproducible), and asks acme5g_policy_next() when to renew under the
 * default policy (2/3 of the lifetime) with a jitter window of J seconds.
 * Prints, per lifetime and jitter, the renewal times after issuance (min,
 * percentiles, max) and the peak load on the CA: the most NFs that start
 * their renewal in the same second and in the same minute.
 *
 *   build/spread [NFS [SEED]]     (defaults: 10000, 1)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme5g.h"

#define T0 1767225600LL /* 2026-01-01T00:00:00Z: every certificate's notBefore */
#define DAY 86400LL

static uint64_t rng_state;

static uint64_t splitmix64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Seconds as "59d 23:59:59" (or "23:59:59" under a day). */
static const char *dhms(int64_t s, char *buf, size_t cap)
{
    if (s >= DAY)
        snprintf(buf, cap, "%lldd %02lld:%02lld:%02lld", (long long)(s / DAY),
                 (long long)(s % DAY / 3600), (long long)(s % 3600 / 60), (long long)(s % 60));
    else
        snprintf(buf, cap, "%02lld:%02lld:%02lld", (long long)(s / 3600),
                 (long long)(s % 3600 / 60), (long long)(s % 60));
    return buf;
}

/* The largest number of equal values of t / width in a sorted array. */
static size_t peak(const int64_t *t, size_t n, int64_t width)
{
    size_t i, run = 0, best = 0;
    for (i = 0; i < n; i++) {
        run = (i > 0 && t[i] / width == t[i - 1] / width) ? run + 1 : 1;
        if (run > best)
            best = run;
    }
    return best;
}

static int row(const char *life_text, int64_t lifetime, const char *jitter_text,
               uint32_t jitter_s, size_t nfs, int64_t *t)
{
    static const double pct[] = { 1, 5, 50, 95, 99 };
    acme5g_policy policy;
    size_t i;
    char b[32];

    acme5g_policy_default(&policy);
    policy.jitter_s = jitter_s;
    for (i = 0; i < nfs; i++) {
        acme5g_policy_state st;
        acme5g_renew_reason reason;
        int64_t when;
        memset(&st, 0, sizeof st);
        st.jitter_seed = (uint32_t)(splitmix64() >> 32);
        if (acme5g_policy_next(&policy, T0, T0 + lifetime, &st, T0, &when, &reason) != ACME5G_OK) {
            fprintf(stderr, "spread: acme5g_policy_next refused the policy\n");
            return -1;
        }
        t[i] = when - T0;
    }
    qsort(t, nfs, sizeof t[0], cmp64);
    printf("%-9s %-13s %13s", life_text, jitter_text, dhms(t[0], b, sizeof b));
    for (i = 0; i < sizeof pct / sizeof pct[0]; i++) {
        size_t k = (size_t)(pct[i] / 100.0 * (double)(nfs - 1) + 0.5);
        printf(" %13s", dhms(t[k], b, sizeof b));
    }
    printf(" %13s %7lu %7lu\n", dhms(t[nfs - 1], b, sizeof b), (unsigned long)peak(t, nfs, 1),
           (unsigned long)peak(t, nfs, 60));
    return 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *life_text;
        int64_t lifetime;
        const char *jitter_text;
        uint32_t jitter_s;
    } rows[] = {
        { "90 d", 90 * DAY, "0 (default)", 0 },
        { "90 d", 90 * DAY, "1 h", 3600 },
        { "90 d", 90 * DAY, "1 d", 86400 },
        { "90 d", 90 * DAY, "9 d (10 %)", 9 * 86400 },
        { "7 d", 7 * DAY, "0 (default)", 0 },
        { "7 d", 7 * DAY, "1 h", 3600 },
        { "7 d", 7 * DAY, "16.8 h (10 %)", 60480 },
        { "24 h", DAY, "0 (default)", 0 },
        { "24 h", DAY, "1 h", 3600 },
        { "24 h", DAY, "2.4 h (10 %)", 8640 },
    };
    size_t nfs = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000, i;
    int64_t *t;

    rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    if (nfs < 2 || nfs > 10000000) {
        fprintf(stderr, "usage: spread [NFS (2..10000000) [SEED]]\n");
        return 2;
    }
    t = malloc(nfs * sizeof *t);
    if (t == NULL)
        return 1;
    printf("Renewal times of %lu NFs whose certificates were issued in the same second, under\n"
           "the default policy (renew at 2/3 of the lifetime) with a jitter window J: time\n"
           "after issuance; peak = most NFs starting their renewal in one second / minute.\n"
           "Jitter seeds: splitmix64, seed %llu.\n\n",
           (unsigned long)nfs, (unsigned long long)rng_state);
    printf("%-9s %-13s %13s %13s %13s %13s %13s %13s %13s %7s %7s\n", "lifetime", "jitter J",
           "min", "p1", "p5", "p50", "p95", "p99", "max", "peak/s", "peak/min");
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (row(rows[i].life_text, rows[i].lifetime, rows[i].jitter_text, rows[i].jitter_s, nfs,
                t) != 0) {
            free(t);
            return 1;
        }
    free(t);
    return 0;
}
