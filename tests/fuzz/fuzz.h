/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/fuzz/fuzz.h -- shared by the fuzz targets (tests/fuzz/fuzz_*.c).
 *
 * Each target includes ../../acme5g.c (so static parsers are reachable),
 * then this header, and defines LLVMFuzzerTestOneInput.  Two builds:
 *
 *   clang -fsanitize=fuzzer,address,undefined      libFuzzer (make fuzz)
 *   cc -DACME5G_FUZZ_REPLAY                        replay: runs every file
 *                                                  of the directories (or
 *                                                  files) given, prints
 *                                                  "ok - ..." and
 *                                                  "N passed, N failed"
 *
 * fz_ctx() gives a context with a port that does no I/O: fixed wall clock,
 * a monotonic clock advancing 1 ms per call, counter entropy, an empty
 * store.  Invariant checks call FZ_ASSERT, which aborts (libFuzzer and the
 * replay both report an abort as a crash).
 */
#ifndef ACME5G_FUZZ_H
#define ACME5G_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_NOW 1750000000 /* 2025-06-15: the vector certificates are valid */

#define FZ_ASSERT(c)                                                          \
    do {                                                                      \
        if (!(c)) {                                                           \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,       \
                    __LINE__, #c);                                            \
            abort();                                                          \
        }                                                                     \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fz_mono_now;
static int fz_connect(void *u, const char *h, uint16_t p, uint32_t t)
{ (void)u; (void)h; (void)p; (void)t; return ACME5G_PORT_ERROR; }
static int fz_send(void *u, int h, const uint8_t *b, size_t l, uint32_t t)
{ (void)u; (void)h; (void)b; (void)l; (void)t; return ACME5G_PORT_ERROR; }
static int fz_recv(void *u, int h, uint8_t *b, size_t l, uint32_t t)
{ (void)u; (void)h; (void)b; (void)l; (void)t; return ACME5G_PORT_ERROR; }
static void fz_close(void *u, int h) { (void)u; (void)h; }
static int64_t fz_now(void *u) { (void)u; return FZ_NOW; }
static uint64_t fz_mono(void *u) { (void)u; return ++fz_mono_now; }
static void fz_sleep(void *u, uint32_t ms) { (void)u; fz_mono_now += ms; }
static int fz_entropy(void *u, uint8_t *b, size_t l)
{
    size_t i;
    (void)u;
    for (i = 0; i < l; i++)
        b[i] = (uint8_t)(i * 7 + 1);
    return 0;
}
static int fz_store_read(void *u, const char *n, uint8_t *b, size_t c, size_t *l)
{ (void)u; (void)n; (void)b; (void)c; (void)l; return ACME5G_PORT_NOT_FOUND; }
static int fz_store_write(void *u, const char *n, const uint8_t *b, size_t l, int s)
{ (void)u; (void)n; (void)b; (void)l; (void)s; return ACME5G_PORT_ERROR; }

static acme5g_ctx fz_the_ctx;

/* A fresh context (static: it is ~40 KB) with the no-I/O port. */
static inline acme5g_ctx *fz_ctx(void)
{
    acme5g_port port;
    memset(&port, 0, sizeof(port));
    port.connect = fz_connect;
    port.send = fz_send;
    port.recv = fz_recv;
    port.close = fz_close;
    port.now_s = fz_now;
    port.monotonic_ms = fz_mono;
    port.sleep_ms = fz_sleep;
    port.entropy = fz_entropy;
    port.store_read = fz_store_read;
    port.store_write = fz_store_write;
    FZ_ASSERT(acme5g_init(&fz_the_ctx, &port) == ACME5G_OK);
    fz_the_ctx.deadline_ms = fz_mono_now + 1000000u;
    return &fz_the_ctx;
}

/* Is the C string NUL-terminated within cap bytes? */
static inline int fz_terminated(const char *s, size_t cap) { return memchr(s, 0, cap) != NULL; }

#ifdef ACME5G_FUZZ_REPLAY
#include <dirent.h>
#include <sys/stat.h>

#ifndef FZ_NAME
#define FZ_NAME "fuzz"
#endif

static int fz_run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;
    if (!f)
        return -1;
    if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fclose(f);
        return -1;
    }
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    if (getenv("FZ_VERBOSE"))
        fprintf(stderr, "  %s\n", path);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

static int fz_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay: each argument is a corpus directory or one input file. */
int main(int argc, char **argv)
{
    int i, pass = 0, fail = 0;
    for (i = 1; i < argc; i++) {
        struct stat st;
        size_t count = 0, errors = 0;
        if (stat(argv[i], &st) != 0) {
            printf("FAIL - %s: %s does not exist\n", FZ_NAME, argv[i]);
            fail++;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            char **names = NULL;
            size_t n = 0, cap = 0, k;
            while (d && (e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                    continue;
                if (n == cap) {
                    cap = cap ? cap * 2 : 64;
                    names = realloc(names, cap * sizeof(*names));
                    if (!names)
                        abort();
                }
                names[n] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2);
                if (!names[n])
                    abort();
                sprintf(names[n], "%s/%s", argv[i], e->d_name);
                n++;
            }
            if (d)
                closedir(d);
            if (n)
                qsort(names, n, sizeof(*names), fz_cmp);
            for (k = 0; k < n; k++) {
                if (fz_run_file(names[k]) != 0)
                    errors++;
                else
                    count++;
                free(names[k]);
            }
            free(names);
        } else {
            if (fz_run_file(argv[i]) != 0)
                errors++;
            else
                count++;
        }
        if (errors || count == 0) {
            printf("FAIL - %s: %s: %lu inputs replayed, %lu unreadable\n", FZ_NAME, argv[i],
                   (unsigned long)count, (unsigned long)errors);
            fail++;
        } else {
            printf("ok - %s replays %lu inputs from %s without a crash\n", FZ_NAME,
                   (unsigned long)count, argv[i]);
            pass++;
        }
    }
    printf("%d passed, %d failed\n", pass, fail);
    return fail ? 1 : 0;
}
#endif /* ACME5G_FUZZ_REPLAY */

#endif /* ACME5G_FUZZ_H */
