/*
 * tests/harness.h -- the test harness tests/unit.c and tests/hostile.c
 * share: checks, one line per test, the vector files.
 *
 * Each of them includes ../acme5g.c (so static functions are reachable),
 * then this header; everything here is static, one copy per program.
 * Before the include a file may define:
 *
 *   HARNESS_ONLY_ENV  an environment variable naming part of a test name:
 *                     RUN() runs only the tests whose names contain it
 */
#ifndef ACME5G_TESTS_HARNESS_H
#define ACME5G_TESTS_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==========================================================================
 * Checks
 * ======================================================================== */

static int test_failed;     /* the current test had a failed check */
static int test_fail_lines; /* failed checks printed for the current test */
static int tests_passed, tests_failed;
static const char *case_note; /* what the test ended with, for its ok line */

static void check_fail(const char *file, int line, const char *expr, const char *extra)
{
    test_failed = 1;
    if (++test_fail_lines > 12)
        return; /* a loop that fails everywhere says so a dozen times */
    printf("FAIL %s:%d: %s%s%s\n", file, line, expr, extra ? " " : "", extra ? extra : "");
}

#define CHECK(cond) \
    do { if (!(cond)) check_fail(__FILE__, __LINE__, #cond, NULL); } while (0)

/* Integers (error codes, lengths): prints both values. */
#define CHECK_INT(a, b) \
    do { \
        long long a_ = (long long)(a), b_ = (long long)(b); \
        if (a_ != b_) { \
            char m_[96]; \
            snprintf(m_, sizeof(m_), "(%lld vs %lld)", a_, b_); \
            check_fail(__FILE__, __LINE__, #a " == " #b, m_); \
        } \
    } while (0)

/* Error codes: prints both names. */
#define CHECK_ERR(a, b) \
    do { \
        int a_ = (a), b_ = (b); \
        if (a_ != b_) { \
            char m_[200]; \
            snprintf(m_, sizeof(m_), "(%d \"%s\" vs %d \"%s\")", a_, acme5g_strerror(a_), b_, \
                     acme5g_strerror(b_)); \
            check_fail(__FILE__, __LINE__, #a " == " #b, m_); \
        } \
    } while (0)

#define CHECK_STR(a, b) \
    do { \
        const char *a_ = (a), *b_ = (b); \
        if (strcmp(a_, b_)) { \
            char m_[400]; \
            snprintf(m_, sizeof(m_), "(\"%.180s\" vs \"%.180s\")", a_, b_); \
            check_fail(__FILE__, __LINE__, #a " == " #b, m_); \
        } \
    } while (0)

static void run_test(const char *name, void (*fn)(void))
{
    test_failed = 0;
    test_fail_lines = 0;
    case_note = NULL;
    fn();
    if (test_failed) {
        printf("FAIL - %s\n", name);
        tests_failed++;
    } else {
        printf("ok - %s%s%s\n", name, case_note ? ": " : "", case_note ? case_note : "");
        tests_passed++;
    }
    fflush(stdout);
}

#ifdef HARNESS_ONLY_ENV
#define RUN(fn) \
    do { \
        const char *only_ = getenv(HARNESS_ONLY_ENV); \
        if (!only_ || strstr(#fn, only_)) \
            run_test(#fn, fn); \
    } while (0)
#else
#define RUN(fn) run_test(#fn, fn)
#endif

/* ==========================================================================
 * Vectors (tests/vectors/, made by tests/vectors/gen.sh)
 * ======================================================================== */

static char vec_dir[512];

static void vec_init(void)
{
    const char *env = getenv("ACME5G_VECTORS");
    const char *slash;
    if (env && *env) {
        snprintf(vec_dir, sizeof(vec_dir), "%s", env);
        return;
    }
    /* next to this file, as the compiler saw it (tests/harness.h from the root) */
    slash = strrchr(__FILE__, '/');
    if (slash)
        snprintf(vec_dir, sizeof(vec_dir), "%.*s/vectors", (int)(slash - __FILE__), __FILE__);
    else
        snprintf(vec_dir, sizeof(vec_dir), "vectors");
}

/* Read a vector file, NUL-terminated; a missing file fails the test. */
static size_t vec_read(const char *name, char *buf, size_t cap)
{
    char path[700];
    FILE *f;
    size_t n;
    snprintf(path, sizeof(path), "%s/%s", vec_dir, name);
    f = fopen(path, "rb");
    if (!f) {
        check_fail(__FILE__, __LINE__, "vector file readable:", path);
        buf[0] = 0;
        return 0;
    }
    n = fread(buf, 1, cap - 1, f);
    if (!feof(f))
        check_fail(__FILE__, __LINE__, "vector file fits its buffer:", path);
    fclose(f);
    buf[n] = 0;
    return n;
}

#endif /* ACME5G_TESTS_HARNESS_H */
