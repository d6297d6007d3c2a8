/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/hygiene.c -- security hygiene of the POSIX port (issue 8), run by
 * tests/hygiene.sh (which also traces it with strace):
 *
 *   build/hygiene write DIR   store a secret blob (cert.key) and a public
 *                             one (cert.pem) in DIR through the port
 *   build/hygiene check       the state directory checks: one that is
 *                             group- or world-writable is refused, a
 *                             missing one is created 0700
 */
#include "acme5g.h"
#include "acme5g_posix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int passed, failed;

static void result(int ok, const char *what)
{
    printf("%s - %s\n", ok ? "ok" : "FAIL", what);
    if (ok)
        passed++;
    else
        failed++;
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static int do_write(const char *dir)
{
    static const char key[] = "-----BEGIN PRIVATE KEY-----\nnot a real key\n-----END PRIVATE KEY-----\n";
    static const char pem[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    acme5g_posix px;
    acme5g_port port;
    char path[1024];
    acme5g_posix_port(&px, dir, -1, &port);
    if (port.store_write(port.user, ACME5G_STORE_CERT_KEY, (const uint8_t *)key, sizeof(key) - 1, 1) ||
        port.store_write(port.user, ACME5G_STORE_CERT, (const uint8_t *)pem, sizeof(pem) - 1, 0))
        return 1;
    snprintf(path, sizeof(path), "%s/%s", dir, ACME5G_STORE_CERT_KEY);
    printf("%s %o\n", ACME5G_STORE_CERT_KEY, (unsigned)mode_of(path));
    snprintf(path, sizeof(path), "%s/%s", dir, ACME5G_STORE_CERT);
    printf("%s %o\n", ACME5G_STORE_CERT, (unsigned)mode_of(path));
    return 0;
}

static int do_check(void)
{
    char base[] = "/tmp/acme5g-hygiene.XXXXXX", d[256];
    static const struct { mode_t mode; int want; const char *what; } cases[] = {
        { 0700, 0, "a 0700 state directory is accepted" },
        { 0750, 0, "a 0750 state directory is accepted" },
        { 0770, EPERM, "a group-writable (0770) state directory is refused" },
        { 0702, EPERM, "a world-writable (0702) state directory is refused" },
        { 01777, EPERM, "a sticky world-writable (1777) state directory is refused" },
    };
    size_t i;
    if (!mkdtemp(base))
        return 1;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int r;
        snprintf(d, sizeof(d), "%s/d%lu", base, (unsigned long)i);
        if (mkdir(d, 0700) || chmod(d, cases[i].mode)) {
            result(0, cases[i].what);
            continue;
        }
        r = acme5g_posix_ensure_dir(d);
        result(r == cases[i].want, cases[i].what);
    }
    snprintf(d, sizeof(d), "%s/new", base);
    umask(0);
    result(acme5g_posix_ensure_dir(d) == 0 && mode_of(d) == 0700,
           "a missing state directory is created 0700 (even with umask 000)");
    snprintf(d, sizeof(d), "%s/file", base);
    {
        FILE *f = fopen(d, "w");
        if (f)
            fclose(f);
    }
    result(acme5g_posix_ensure_dir(d) == ENOTDIR, "a state path that is a file is refused");
    {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
        if (system(cmd) != 0)
            return 1;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "write"))
        return do_write(argv[2]);
    if (argc == 2 && !strcmp(argv[1], "check"))
        return do_check();
    fprintf(stderr, "usage: %s write DIR | check\n", argv[0]);
    return 2;
}
