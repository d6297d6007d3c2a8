/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * acme5g POSIX port: the acme5g_port functions for Linux and other POSIX
 * systems (BSD sockets with poll(), files in a state directory, getrandom()
 * or /dev/urandom, clock_gettime()).  Also two file helpers for the CLI.
 *
 * Usage:
 *     static acme5g_posix posix;
 *     acme5g_port port;
 *     acme5g_posix_port(&posix, "/var/lib/acme5g", 1, &port);
 *     acme5g_init(&ctx, &port);
 */
#ifndef ACME5G_POSIX_H
#define ACME5G_POSIX_H

#include <stddef.h>
#include "acme5g.h" /* build with -I pointing at the library */

#ifdef __cplusplus
extern "C" {
#endif

/* The port's state, pointed to by acme5g_port.user.  Owned by the caller;
 * must stay valid (and unmoved) while a context uses the port. */
typedef struct acme5g_posix {
    const char *state_dir; /* directory of the stored blobs; NULL: storage fails */
    int verbosity;         /* log levels <= this reach stderr; -1 silent .. 3 debug */
} acme5g_posix;

/* Fill *p and *port.  `state_dir` (may be NULL) is not copied: it must stay
 * valid as long as *p.  Every function of acme5g_port is set, log included. */
void acme5g_posix_port(acme5g_posix *p, const char *state_dir, int verbosity,
                       acme5g_port *port);

/* Read the whole file `path` into buf (capacity `cap`) and NUL-terminate it;
 * *len excludes the NUL.  Returns 0, ACME5G_PORT_NOT_FOUND,
 * ACME5G_PORT_TOO_LARGE (the file has cap bytes or more, so the NUL always
 * fits) or ACME5G_PORT_ERROR (errno tells why). */
int acme5g_posix_read_file(const char *path, char *buf, size_t cap, size_t *len);

/* Make sure `dir` is a usable state directory: create it with mode 0700 if
 * it is missing (the parent must exist), and refuse one that is not a
 * directory (ENOTDIR), is owned by another user or is group- or
 * world-writable (EPERM), since others could then swap the keys.  Returns
 * 0, or an errno value (also left in errno). */
int acme5g_posix_ensure_dir(const char *dir);

/* Run an operator command: `CMD ARG...` through /bin/sh -c (the args as
 * "$@", at most 11), in a process group of its own, its standard output
 * on our standard error.  At timeout_ms the whole group is killed
 * (SIGKILL).  While it runs, *pgid_out (when not NULL) holds its
 * process group id (0 otherwise), so that a signal handler can kill it.
 * Returns 0 when it exited 0, ACME5G_PORT_TIMEOUT when it was killed at
 * the deadline, else ACME5G_PORT_ERROR. */
int acme5g_posix_run_hook(const char *cmd, const char *const *args, size_t nargs,
                          uint32_t timeout_ms, volatile long *pgid_out);

/* The deadline of acme5g_posix_dns_hook(): 10 minutes (DNS propagation). */
#define ACME5G_POSIX_HOOK_TIMEOUT_MS 600000u

/* dns-01 through an operator command: runs `CMD add NAME VALUE` (present)
 * or `CMD del NAME VALUE` with acme5g_posix_run_hook(), killed at
 * ACME5G_POSIX_HOOK_TIMEOUT_MS.  Returns 0 when it exited 0, else
 * ACME5G_PORT_ERROR.  The shape of acme5g_port.dns_txt without the user
 * pointer. */
int acme5g_posix_dns_hook(const char *cmd, const char *name, const char *value, int present);

/* The same with a deadline (ms) and pgid_out as for acme5g_posix_run_hook(). */
int acme5g_posix_dns_hook_timeout(const char *cmd, const char *name, const char *value,
                                  int present, uint32_t timeout_ms, volatile long *pgid_out);

/* tkauth-01 through an operator command: runs CMD with /bin/sh and
 * ACME5G_TKAUTH_TYPE, ACME5G_TKAUTH_VALUE, ACME5G_TKAUTH_FINGERPRINT and
 * ACME5G_TKAUTH_AUTHORITY in its environment; its standard output (one
 * line, the Authority Token) goes to `token` (NUL-terminated, trailing
 * white space cut), its standard error to ours.  A command still running
 * after timeout_ms is killed.  Returns the token's length, or
 * ACME5G_PORT_ERROR (failed to run, exit status not 0, timed out, no
 * output, or `cap` bytes or more).  The shape of
 * acme5g_port.authority_token without the user pointer. */
int acme5g_posix_token_hook(const char *cmd, const char *type, const char *value,
                            const char *fingerprint, const char *authority, char *token,
                            size_t cap, uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* ACME5G_POSIX_H */
