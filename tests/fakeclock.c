/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/fakeclock.c -- an LD_PRELOAD shim that moves the wall clock of one
 * process by ACME5G_FAKE_OFFSET seconds (may be negative), for the tests of
 * a wrong clock (issue 16).  The POSIX port reads the wall clock with
 * time(); clock_gettime(CLOCK_REALTIME) and gettimeofday() are moved too.
 * The monotonic clock is left alone.  Built by tests/integration.sh:
 *
 *   cc -shared -fPIC -o fakeclock.so tests/fakeclock.c -ldl
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long fake_offset(void)
{
    const char *s = getenv("ACME5G_FAKE_OFFSET");
    return s ? strtol(s, NULL, 10) : 0;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    int (*real)(clockid_t, struct timespec *);
    int rc;

    *(void **)&real = dlsym(RTLD_NEXT, "clock_gettime");
    if (real == NULL)
        return -1;
    rc = real(id, ts);
    if (rc == 0 && id == CLOCK_REALTIME)
        ts->tv_sec += fake_offset();
    return rc;
}

time_t time(time_t *out)
{
    struct timespec ts;
    time_t now = (time_t)-1;

    if (clock_gettime(CLOCK_REALTIME, &ts) == 0)
        now = ts.tv_sec;
    if (out != NULL)
        *out = now;
    return now;
}

int gettimeofday(struct timeval *tv, void *tz)
{
    struct timespec ts;

    (void)tz;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -1;
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = (suseconds_t)(ts.tv_nsec / 1000);
    return 0;
}
