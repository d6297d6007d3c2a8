/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * acme5g POSIX port (see acme5g_posix.h and the port contract in acme5g.h).
 *
 * Sockets are non-blocking and every wait is a poll() against a deadline
 * taken from CLOCK_MONOTONIC, so EINTR and spurious wake-ups never stretch
 * a timeout.  Blobs are files in the state directory, replaced with the
 * write-temp / fsync / rename / fsync-directory sequence.
 *
 * Internal names start with px_.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* getrandom() and MSG_NOSIGNAL on glibc */
#endif
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* openat/renameat, O_CLOEXEC, clock_gettime */
#endif

#include "acme5g_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* getrandom() needs glibc 2.25; elsewhere /dev/urandom does the job. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 25))
#include <sys/random.h>
#define PX_HAVE_GETRANDOM 1
#endif

/* A peer that closed must give EPIPE, not kill the process with SIGPIPE. */
#ifdef MSG_NOSIGNAL
#define PX_SEND_FLAGS MSG_NOSIGNAL
#else
#define PX_SEND_FLAGS 0 /* macOS: SO_NOSIGPIPE is set on the socket instead */
#endif

#define PX_BACKLOG 16
#define PX_NAME_MAX 200 /* longest blob name; ".<name>.tmp.<pid>" must fit NAME_MAX */
#define PX_LOG_LINE 256

/* ------------------------------------------------------------------------
 * Logging and time
 * ---------------------------------------------------------------------- */

static void px_log_line(const acme5g_posix *p, int level, const char *msg)
{
    static const char *const level_names[] = {"error", "warning", "info", "debug"};

    if (level < 0)
        level = 0;
    if (level > 3)
        level = 3;
    if (level > p->verbosity)
        return;
    /* One call per line, so lines from several threads do not interleave. */
    fprintf(stderr, "acme5g: %s: %s\n", level_names[level], msg);
}

static void px_log(void *user, int level, const char *msg)
{
    px_log_line(user, level, msg);
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static void px_logf(const acme5g_posix *p, int level, const char *fmt, ...)
{
    char line[PX_LOG_LINE];
    va_list ap;

    if (level > p->verbosity)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap); /* a cut line is still useful */
    va_end(ap);
    px_log_line(p, level, line);
}

static uint64_t px_monotonic_ms(void *user)
{
    struct timespec ts;

    (void)user;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0; /* cannot happen for CLOCK_MONOTONIC on POSIX 2008 */
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int64_t px_now_s(void *user)
{
    (void)user;
    return (int64_t)time(NULL);
}

static void px_sleep_ms(void *user, uint32_t ms)
{
    struct timespec left;

    (void)user;
    left.tv_sec = (time_t)(ms / 1000u);
    left.tv_nsec = (long)(ms % 1000u) * 1000000L;
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ; /* a signal only shortens the sleep; finish the rest */
}

/* Deadline for a call that may wait `timeout_ms`. */
static uint64_t px_deadline(uint32_t timeout_ms)
{
    return px_monotonic_ms(NULL) + timeout_ms;
}

/* Wait until fd is ready for `events` or the deadline passes.
 * Returns 1 ready (errors and hang-ups count: the next call reports them),
 * 0 timed out, -1 error. */
static int px_wait(int fd, short events, uint64_t deadline_ms)
{
    for (;;) {
        uint64_t now_ms = px_monotonic_ms(NULL);
        uint64_t left_ms = deadline_ms > now_ms ? deadline_ms - now_ms : 0;
        struct pollfd pfd;
        int rc;

        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;
        rc = poll(&pfd, 1, left_ms > INT_MAX ? INT_MAX : (int)left_ms);
        if (rc > 0) {
            if (pfd.revents & POLLNVAL) {
                errno = EBADF;
                return -1;
            }
            return 1;
        }
        if (rc == 0) {
            if (px_monotonic_ms(NULL) >= deadline_ms)
                return 0;
            continue; /* the wait was capped at INT_MAX ms */
        }
        if (errno != EINTR)
            return -1;
    }
}

/* ------------------------------------------------------------------------
 * Network
 * ---------------------------------------------------------------------- */

/* Non-blocking (every wait goes through px_wait), not inherited by
 * children, and no SIGPIPE where MSG_NOSIGNAL is missing. */
static int px_setup_fd(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        return -1;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
        return -1;
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
    {
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) != 0)
            return -1;
    }
#endif
    return 0;
}

/* HTTP requests and TLS records go out in a few writes each; Nagle would
 * hold the later ones until the peer ACKs. */
static void px_set_nodelay(int fd)
{
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void px_close_keep_errno(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
}

/* One connection attempt.  Returns the fd, or -1 with errno set
 * (ETIMEDOUT when the deadline passed). */
static int px_connect_one(const struct addrinfo *ai, uint64_t deadline_ms)
{
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);

    if (fd < 0)
        return -1;
    if (px_setup_fd(fd) != 0)
        goto fail;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        int so_error = 0;
        socklen_t so_len = sizeof so_error;
        int ready;

        /* EINTR: the connection goes on in the background, as EINPROGRESS. */
        if (errno != EINPROGRESS && errno != EINTR)
            goto fail;
        ready = px_wait(fd, POLLOUT, deadline_ms);
        if (ready == 0)
            errno = ETIMEDOUT;
        if (ready <= 0)
            goto fail;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) != 0)
            goto fail;
        if (so_error != 0) {
            errno = so_error;
            goto fail;
        }
    }
    px_set_nodelay(fd);
    return fd;
fail:
    px_close_keep_errno(fd);
    return -1;
}

static int px_connect(void *user, const char *host, uint16_t port, uint32_t timeout_ms)
{
    const acme5g_posix *p = user;
    uint64_t deadline_ms = px_deadline(timeout_ms);
    struct addrinfo hints, *list = NULL, *ai;
    char service[8];
    size_t addresses_left = 0;
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(service, sizeof service, "%u", (unsigned)port);
    /* getaddrinfo() has no timeout; the resolver's own limits apply. */
    rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0) {
        px_logf(p, 1, "resolve %s: %s", host, gai_strerror(rc));
        return ACME5G_PORT_ERROR;
    }
    for (ai = list; ai != NULL; ai = ai->ai_next)
        addresses_left++;

    for (ai = list; ai != NULL; ai = ai->ai_next, addresses_left--) {
        uint64_t now_ms = px_monotonic_ms(NULL);
        uint64_t left_ms = deadline_ms > now_ms ? deadline_ms - now_ms : 0;
        char addr[NI_MAXHOST];
        int fd;

        /* Share the time that remains, so that one black-holed address
         * (often an IPv6 one) cannot use up the whole timeout. */
        fd = px_connect_one(ai, now_ms + left_ms / addresses_left);
        if (fd >= 0) {
            freeaddrinfo(list);
            return fd;
        }
        if (p->verbosity >= 1) {
            int saved = errno;
            if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr, NULL, 0,
                            NI_NUMERICHOST) != 0)
                strcpy(addr, "?");
            px_logf(p, 1, "connect %s (%s) port %u: %s", host, addr, (unsigned)port,
                    strerror(saved));
        }
        if (left_ms == 0)
            break;
    }
    freeaddrinfo(list);
    return px_monotonic_ms(NULL) >= deadline_ms ? ACME5G_PORT_TIMEOUT : ACME5G_PORT_ERROR;
}

static int px_send(void *user, int handle, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    const acme5g_posix *p = user;
    uint64_t deadline_ms = px_deadline(timeout_ms);

    if (handle < 0)
        return ACME5G_PORT_ERROR; /* poll() would silently skip it */
    if (len > INT_MAX)
        len = INT_MAX; /* the count must fit the return value */
    for (;;) {
        int ready = px_wait(handle, POLLOUT, deadline_ms);
        ssize_t n;

        if (ready == 0)
            return 0;
        if (ready < 0)
            break;
        n = send(handle, buf, len, PX_SEND_FLAGS);
        if (n > 0)
            return (int)n;
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (n == 0)
            errno = EIO;
        break;
    }
    px_logf(p, 1, "send: %s", strerror(errno));
    return ACME5G_PORT_ERROR;
}

static int px_recv(void *user, int handle, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    const acme5g_posix *p = user;
    uint64_t deadline_ms = px_deadline(timeout_ms);

    if (handle < 0)
        return ACME5G_PORT_ERROR;
    if (len > INT_MAX)
        len = INT_MAX;
    for (;;) {
        int ready = px_wait(handle, POLLIN, deadline_ms);
        ssize_t n;

        if (ready == 0)
            return 0;
        if (ready < 0)
            break;
        n = recv(handle, buf, len, 0);
        if (n > 0)
            return (int)n;
        if (n == 0)
            return ACME5G_PORT_CLOSED;
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
            continue;
        break;
    }
    px_logf(p, 1, "recv: %s", strerror(errno));
    return ACME5G_PORT_ERROR;
}

static void px_close(void *user, int handle)
{
    (void)user;
    if (handle >= 0)
        close(handle); /* not retried on EINTR: the fd is released anyway */
}

/* A listening socket of `family` on the wildcard address, or -1 with
 * errno set.  For AF_INET6 it also takes IPv4 (dual stack). */
static int px_listen_on(int family, uint16_t port)
{
    struct sockaddr_storage ss;
    socklen_t ss_len;
    int one = 1;
    int fd = socket(family, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        int zero = 0;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        sin6->sin6_addr = in6addr_any;
        ss_len = sizeof *sin6;
        /* The validator may come over IPv4 or IPv6 (it prefers AAAA). */
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) != 0) {
            errno = EAFNOSUPPORT; /* no dual stack here: let IPv4 take over */
            goto fail;
        }
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl(INADDR_ANY);
        ss_len = sizeof *sin;
    }
    /* Rebinding right after the previous challenge (TIME_WAIT) must work. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        goto fail;
    if (px_setup_fd(fd) != 0)
        goto fail;
    if (bind(fd, (struct sockaddr *)&ss, ss_len) != 0 || listen(fd, PX_BACKLOG) != 0)
        goto fail;
    return fd;
fail:
    px_close_keep_errno(fd);
    return -1;
}

static int px_listen(void *user, uint16_t port)
{
    const acme5g_posix *p = user;
    int fd = px_listen_on(AF_INET6, port);

    /* Fall back to IPv4 only when IPv6 itself is missing, not when the port
     * is taken: an IPv4-only responder would then hide the real problem. */
    if (fd < 0 && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT || errno == EADDRNOTAVAIL))
        fd = px_listen_on(AF_INET, port);
    if (fd < 0) {
        px_logf(p, 0, "listen on port %u: %s", (unsigned)port, strerror(errno));
        return ACME5G_PORT_ERROR;
    }
    return fd;
}

static int px_accept(void *user, int listener, uint32_t timeout_ms)
{
    const acme5g_posix *p = user;
    uint64_t deadline_ms = px_deadline(timeout_ms);

    if (listener < 0)
        return ACME5G_PORT_ERROR;
    for (;;) {
        int ready = px_wait(listener, POLLIN, deadline_ms);
        int fd;

        if (ready == 0)
            return ACME5G_PORT_TIMEOUT;
        if (ready < 0)
            break;
        fd = accept(listener, NULL, NULL);
        if (fd >= 0) {
            /* Accepted sockets do not inherit O_NONBLOCK on Linux. */
            if (px_setup_fd(fd) != 0) {
                px_close_keep_errno(fd);
                break;
            }
            px_set_nodelay(fd);
            return fd;
        }
        /* The client may have given up between poll() and accept(). */
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK ||
            errno == ECONNABORTED || errno == EPROTO)
            continue;
        break;
    }
    px_logf(p, 0, "accept: %s", strerror(errno));
    return ACME5G_PORT_ERROR;
}

/* ------------------------------------------------------------------------
 * Entropy
 * ---------------------------------------------------------------------- */

static int px_read_urandom(uint8_t *buf, size_t len)
{
    struct stat st;
    size_t got = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    /* A regular file planted in a chroot's /dev is not randomness. */
    if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) {
        close(fd);
        return -1;
    }
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n > 0)
            got += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else
            break;
    }
    close(fd);
    return got == len ? 0 : -1;
}

static int px_entropy(void *user, uint8_t *buf, size_t len)
{
    const acme5g_posix *p = user;

#ifdef PX_HAVE_GETRANDOM
    size_t got = 0;

    /* Blocks only until the kernel pool is first seeded, as it should. */
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n > 0)
            got += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else
            break; /* ENOSYS: kernel older than 3.17 */
    }
    if (got == len)
        return 0;
#endif
    if (px_read_urandom(buf, len) == 0)
        return 0;
    px_logf(p, 0, "entropy: no random source: %s", strerror(errno));
    return ACME5G_PORT_ERROR;
}

/* ------------------------------------------------------------------------
 * Storage
 * ---------------------------------------------------------------------- */

/* A blob name is one plain file name.  A leading '.' is refused too: the
 * temporary files are hidden ones, and "." / ".." are not blobs. */
static int px_name_ok(const char *name)
{
    return name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL &&
           strlen(name) <= PX_NAME_MAX;
}

/* Read fd to the end into buf and NUL-terminate.  Blobs of cap bytes or
 * more are refused, which keeps room for the NUL.  The fstat() check only
 * fails big files early: a pipe or a growing file is caught while reading. */
static int px_read_fd(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    struct stat st;
    size_t total = 0;

    *len = 0;
    if (fstat(fd, &st) != 0)
        return ACME5G_PORT_ERROR;
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size >= (uintmax_t)cap)
        return ACME5G_PORT_TOO_LARGE;
    while (total < cap) {
        ssize_t n = read(fd, buf + total, cap - total);
        if (n > 0)
            total += (size_t)n;
        else if (n == 0)
            break;
        else if (errno != EINTR)
            return ACME5G_PORT_ERROR;
    }
    if (total >= cap)
        return ACME5G_PORT_TOO_LARGE;
    buf[total] = 0;
    *len = total;
    return 0;
}

static int px_open_state_dir(const acme5g_posix *p)
{
    if (p->state_dir == NULL) {
        errno = EINVAL;
        return -1;
    }
    return open(p->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int px_store_read(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    const acme5g_posix *p = user;
    int dir_fd, fd, rc;

    *len = 0;
    if (!px_name_ok(name)) {
        px_logf(p, 0, "storage: bad blob name \"%s\"", name);
        return ACME5G_PORT_ERROR;
    }
    /* A missing state directory is a setup error, not a missing blob. */
    dir_fd = px_open_state_dir(p);
    if (dir_fd < 0) {
        px_logf(p, 0, "storage: state directory %s: %s",
                p->state_dir ? p->state_dir : "(none)", strerror(errno));
        return ACME5G_PORT_ERROR;
    }
    fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
    px_close_keep_errno(dir_fd);
    if (fd < 0) {
        if (errno == ENOENT)
            return ACME5G_PORT_NOT_FOUND;
        px_logf(p, 0, "storage: open %s: %s", name, strerror(errno));
        return ACME5G_PORT_ERROR;
    }
    rc = px_read_fd(fd, buf, cap, len);
    if (rc == ACME5G_PORT_ERROR)
        px_logf(p, 0, "storage: read %s: %s", name, strerror(errno));
    close(fd);
    return rc;
}

static int px_write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            if (n == 0)
                errno = EIO;
            return -1;
        }
    }
    return 0;
}

/* Atomic replace: after a crash or power loss the blob is either the old
 * or the new one, never a mix.  The temporary file is created with its
 * final mode, so a secret is never readable by others, not even briefly.
 * The library's caches (directory, nonce) are renamed into place without
 * the two fsyncs: a lost or torn one costs two requests at most (the
 * library checks what it reads back). */
static int px_store_write(void *user, const char *name, const uint8_t *buf, size_t len,
                          int secret)
{
    const acme5g_posix *p = user;
    const int cache = !strcmp(name, ACME5G_STORE_DIRECTORY) || !strcmp(name, ACME5G_STORE_NONCE);
    char tmp_name[PX_NAME_MAX + 32];
    const int flags = O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC;
    const mode_t mode = secret ? 0600 : 0644;
    const char *step;
    int dir_fd, fd = -1;

    if (!px_name_ok(name)) {
        px_logf(p, 0, "storage: bad blob name \"%s\"", name);
        return ACME5G_PORT_ERROR;
    }
    /* One name per blob and process (.NAME.tmp.PID), so that a second
     * writer never replaces or deletes the first one's temporary; a write
     * cut by a crash leaves its temporary behind. */
    snprintf(tmp_name, sizeof tmp_name, ".%s.tmp.%ld", name, (long)getpid());
    dir_fd = px_open_state_dir(p);
    if (dir_fd < 0) {
        px_logf(p, 0, "storage: state directory %s: %s",
                p->state_dir ? p->state_dir : "(none)", strerror(errno));
        return ACME5G_PORT_ERROR;
    }
    fd = openat(dir_fd, tmp_name, flags, mode);
    if (fd < 0 && errno == EEXIST) {
        /* Left by a crashed run.  O_EXCL stays: a symlink planted there is
         * removed, never followed. */
        unlinkat(dir_fd, tmp_name, 0);
        fd = openat(dir_fd, tmp_name, flags, mode);
    }
    if (fd < 0) {
        step = "create";
        goto fail;
    }
    step = "write";
    if (px_write_all(fd, buf, len) != 0)
        goto fail_unlink;
    step = "fsync";
    if (!cache && fsync(fd) != 0)
        goto fail_unlink;
    step = "close";
    if (close(fd) != 0) {
        fd = -1;
        goto fail_unlink;
    }
    fd = -1;
    step = "rename";
    if (renameat(dir_fd, tmp_name, dir_fd, name) != 0)
        goto fail_unlink;
    /* The rename itself is durable only once the directory is synced.
     * EINVAL: the file system cannot sync directories; nothing to do. */
    step = "fsync directory";
    if (!cache && fsync(dir_fd) != 0 && errno != EINVAL)
        goto fail;
    close(dir_fd);
    return 0;

fail_unlink:
    if (fd >= 0)
        px_close_keep_errno(fd);
    {
        int saved = errno;
        unlinkat(dir_fd, tmp_name, 0);
        errno = saved;
    }
fail:
    px_logf(p, 0, "storage: %s %s: %s", step, name, strerror(errno));
    close(dir_fd);
    return ACME5G_PORT_ERROR;
}

/* ------------------------------------------------------------------------
 * Public functions (acme5g_posix.h)
 * ---------------------------------------------------------------------- */

void acme5g_posix_port(acme5g_posix *p, const char *state_dir, int verbosity,
                       acme5g_port *port)
{
    memset(p, 0, sizeof *p);
    p->state_dir = state_dir;
    p->verbosity = verbosity;

    memset(port, 0, sizeof *port);
    port->user = p;
    port->connect = px_connect;
    port->send = px_send;
    port->recv = px_recv;
    port->close = px_close;
    port->listen = px_listen;
    port->accept = px_accept;
    port->now_s = px_now_s;
    port->monotonic_ms = px_monotonic_ms;
    port->sleep_ms = px_sleep_ms;
    port->entropy = px_entropy;
    port->store_read = px_store_read;
    port->store_write = px_store_write;
    port->log = px_log;
}

int acme5g_posix_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc;

    *len = 0;
    if (fd < 0)
        return errno == ENOENT ? ACME5G_PORT_NOT_FOUND : ACME5G_PORT_ERROR;
    rc = px_read_fd(fd, (uint8_t *)buf, cap, len);
    px_close_keep_errno(fd);
    return rc;
}

int acme5g_posix_ensure_dir(const char *dir)
{
    struct stat st;

    if (dir == NULL || dir[0] == '\0') {
        errno = EINVAL;
        return errno;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return errno;
    if (stat(dir, &st) != 0)
        return errno;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return errno;
    }
    if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        errno = EPERM;
        return errno;
    }
    return 0;
}

/* In a hook's child: default signals, none blocked (the caller may have
 * blocked or caught some for itself). */
static void hook_child_signals(void)
{
    sigset_t none;
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* See acme5g_posix.h. */
int acme5g_posix_run_hook(const char *cmd, const char *const *args, size_t nargs,
                          uint32_t timeout_ms, volatile long *pgid_out)
{
    const char *argv[16];
    char script[4096 + 16];
    uint64_t deadline_ms = px_deadline(timeout_ms);
    int n, status = 0, timed_out = 0;
    size_t i;
    pid_t pid;

    n = snprintf(script, sizeof script, "%s \"$@\"", cmd);
    if (n < 0 || (size_t)n >= sizeof script || nargs > sizeof argv / sizeof argv[0] - 5)
        return ACME5G_PORT_ERROR;
    argv[0] = "sh";
    argv[1] = "-c";
    argv[2] = script;
    argv[3] = "acme5g-hook";
    for (i = 0; i < nargs; i++)
        argv[4 + i] = args[i];
    argv[4 + nargs] = NULL;
    fflush(stdout);
    pid = fork();
    if (pid < 0)
        return ACME5G_PORT_ERROR;
    if (pid == 0) {
        /* its own process group, so that a deadline kills what it started;
         * stderr as its stdout: the caller's stdout carries its own result */
        hook_child_signals();
        setpgid(0, 0);
        dup2(2, 1);
        execv("/bin/sh", (char *const *)argv);
        _exit(127);
    }
    setpgid(pid, pid); /* as the child does: no race with a kill below */
    if (pgid_out)
        *pgid_out = (long)pid;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            status = -1;
            break;
        }
        if (px_monotonic_ms(NULL) >= deadline_ms) {
            timed_out = 1;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        px_sleep_ms(NULL, 20);
    }
    if (pgid_out)
        *pgid_out = 0;
    if (timed_out)
        return ACME5G_PORT_TIMEOUT;
    return (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) ? 0
                                                                        : ACME5G_PORT_ERROR;
}

/* See acme5g_posix.h. */
int acme5g_posix_dns_hook_timeout(const char *cmd, const char *name, const char *value,
                                  int present, uint32_t timeout_ms, volatile long *pgid_out)
{
    const char *args[3];
    args[0] = present ? "add" : "del";
    args[1] = name;
    args[2] = value;
    return acme5g_posix_run_hook(cmd, args, 3, timeout_ms, pgid_out) == 0 ? 0
                                                                           : ACME5G_PORT_ERROR;
}

/* See acme5g_posix.h. */
int acme5g_posix_dns_hook(const char *cmd, const char *name, const char *value, int present)
{
    return acme5g_posix_dns_hook_timeout(cmd, name, value, present,
                                         ACME5G_POSIX_HOOK_TIMEOUT_MS, NULL);
}

/* See acme5g_posix.h. */
int acme5g_posix_token_hook(const char *cmd, const char *type, const char *value,
                            const char *fingerprint, const char *authority, char *token,
                            size_t cap, uint32_t timeout_ms)
{
    uint64_t deadline_ms = px_deadline(timeout_ms);
    size_t len = 0;
    int fds[2], status, failed = 0;
    pid_t pid;

    if (cap < 2 || pipe(fds) != 0)
        return ACME5G_PORT_ERROR;
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return ACME5G_PORT_ERROR;
    }
    if (pid == 0) {
        hook_child_signals();
        close(fds[0]);
        /* its own process group, so that a timeout kills what it started */
        setpgid(0, 0);
        if (dup2(fds[1], 1) < 0 || close(fds[1]) != 0 ||
            setenv("ACME5G_TKAUTH_TYPE", type, 1) != 0 ||
            setenv("ACME5G_TKAUTH_VALUE", value, 1) != 0 ||
            setenv("ACME5G_TKAUTH_FINGERPRINT", fingerprint, 1) != 0 ||
            setenv("ACME5G_TKAUTH_AUTHORITY", authority, 1) != 0)
            _exit(126);
        execl("/bin/sh", "sh", "-c", cmd, "acme5g-ta-hook", (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid); /* as the child does: no race with a kill below */
    close(fds[1]);
    for (;;) {
        struct pollfd pfd;
        uint64_t now_ms = px_monotonic_ms(NULL);
        ssize_t n;
        if (now_ms >= deadline_ms) {
            failed = 1;
            break;
        }
        pfd.fd = fds[0];
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll(&pfd, 1, (int)(deadline_ms - now_ms)) < 0) {
            if (errno == EINTR)
                continue;
            failed = 1;
            break;
        }
        if (pfd.revents == 0)
            continue;
        n = read(fds[0], token + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* end of output */
        len += (size_t)n;
        if (len >= cap - 1) {
            failed = 1; /* no room for all of it */
            break;
        }
    }
    close(fds[0]);
    /* the output has ended; the command gets what is left of the time to
     * exit, then it and its process group are killed */
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            memset(token, 0, cap);
            return ACME5G_PORT_ERROR;
        }
        if (failed || px_monotonic_ms(NULL) >= deadline_ms) {
            failed = 1;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        px_sleep_ms(NULL, 10);
    }
    while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r' ||
                       token[len - 1] == ' ' || token[len - 1] == '\t'))
        len--;
    token[len] = 0;
    if (failed || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0) {
        memset(token, 0, cap);
        return ACME5G_PORT_ERROR;
    }
    return (int)len;
}
