/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * acme5g-shared: the shared ACME client of TR 33.776 ("ACME for client-side
 * NF certificates"), a daemon for NFs that cannot answer an ACME challenge.
 *
 *   acme5g-shared --listen PORT --cert PEM --key PEM --nf-ca PEM --policy FILE
 *                 --directory URL --ca PEM --state DIR
 *                 [--challenge dns-01 --dns-hook CMD] [--nf-timeout S]
 *                 [--handshake-timeout S] [--timeout S] [--max-children N]
 *                 [--max-per-source N] [-v...]
 *
 * NFs connect with mutual TLS (a client certificate from the operator's
 * bootstrap CA, --nf-ca) and POST their own CSR (see acme5g.h, "Shared ACME
 * client").  The policy file says which names each NF identity may get:
 *
 *   # identity (URI SAN, else DNS SAN, else CN)   allowed names
 *   urn:uuid:4ace9d34-2c69-4f99-92d5-a73a3fe8e23b  amf1.5gc.example 10.0.0.5
 *
 * Each NF gets its own ACME account, kept in DIR/nf-<hash of identity>/.
 * Every connection is served by a child process with its own timeouts, so
 * a slow or hostile NF holds up nobody else: the TLS handshake must end
 * within --handshake-timeout (3 s), the request within --nf-timeout, and
 * one source address holds at most --max-per-source children (8); more
 * connections from it are closed at once.  A thin user of acme5g.h and
 * the POSIX port: the protocol and the checks live in the library.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "acme5g.h"
#include "port/acme5g_posix.h"

#define SHARED_FILE_MAX (64 * 1024)
#define SHARED_PATH_MAX 4096

typedef struct shared_options {
    unsigned long listen_port;
    const char *cert, *key, *nf_ca, *policy, *directory, *ca, *state;
    const char *challenge, *dns_hook;
    unsigned long nf_timeout_s, handshake_timeout_s, timeout_s, max_children, max_per_source;
    int verbosity;
} shared_options;

static shared_options opt;
static volatile sig_atomic_t stop_requested;
static acme5g_ctx nf_ctx;   /* the NF-facing TLS server */
static acme5g_ctx acme_ctx; /* the ACME client, for this NF's order */
static acme5g_posix nf_posix, acme_posix;
static char policy_text[SHARED_FILE_MAX];
static char file_buf[SHARED_FILE_MAX];
static acme5g_shared_request request;
static acme5g_csr csr;

/* The children and the address each one serves (per-source limits). */
typedef struct shared_slot {
    pid_t pid; /* 0: free */
    unsigned char addr[16];
    size_t addr_len;
} shared_slot;
static shared_slot slots[1024];

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int usage(const char *why)
{
    fprintf(stderr, "acme5g-shared: %s\n"
                    "usage: acme5g-shared --listen PORT --cert PEM --key PEM --nf-ca PEM "
                    "--policy FILE\n"
                    "                     --directory URL --ca PEM --state DIR\n"
                    "                     [--challenge dns-01 --dns-hook CMD] [--nf-timeout S]\n"
                    "                     [--handshake-timeout S] [--timeout S] "
                    "[--max-children N]\n"
                    "                     [--max-per-source N] [-v...]\n",
            why);
    return 2;
}

static int number(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;
    if (!text || text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* The allowed names of `identity` in the policy: a pointer to the rest of
 * its line (names separated by blanks), or NULL. */
static const char *policy_lookup(const char *identity, size_t *len)
{
    const char *line = policy_text;
    size_t il = strlen(identity);
    while (*line) {
        const char *end = line + strcspn(line, "\n");
        const char *p = line + strspn(line, " \t");
        if (*p != '#' && (size_t)(end - p) > il && !strncmp(p, identity, il) &&
            (p[il] == ' ' || p[il] == '\t')) {
            *len = (size_t)(end - (p + il));
            return p + il;
        }
        line = *end ? end + 1 : end;
    }
    return NULL;
}

/* Is `value` among the blank-separated names? (DNS names without case.) */
static int policy_allows(const char *names, size_t len, const char *value)
{
    size_t vl = strlen(value), i = 0;
    while (i < len) {
        size_t start, n, k;
        while (i < len && (names[i] == ' ' || names[i] == '\t'))
            i++;
        start = i;
        while (i < len && names[i] != ' ' && names[i] != '\t')
            i++;
        n = i - start;
        if (n == vl && n > 0) {
            for (k = 0; k < n; k++) {
                char a = names[start + k], b = value[k];
                if (a >= 'A' && a <= 'Z')
                    a = (char)(a + 32);
                if (b >= 'A' && b <= 'Z')
                    b = (char)(b + 32);
                if (a != b)
                    break;
            }
            if (k == n)
                return 1;
        }
    }
    return 0;
}

/* DIR/nf-<first 16 bytes of SHA-256(identity), hex>: one account per NF. */
static int nf_state_dir(const char *identity, char *out, size_t cap)
{
    static const char hx[] = "0123456789abcdef";
    unsigned char h[32];
    char hex[33];
    br_sha256_context sc;
    int i, n;
    br_sha256_init(&sc);
    br_sha256_update(&sc, identity, strlen(identity));
    br_sha256_out(&sc, h);
    for (i = 0; i < 16; i++) {
        hex[2 * i] = hx[h[i] >> 4];
        hex[2 * i + 1] = hx[h[i] & 15];
    }
    hex[32] = 0;
    n = snprintf(out, cap, "%s/nf-%s", opt.state, hex);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

static void log_line(const char *identity, const char *what, const char *detail)
{
    if (opt.verbosity >= 1)
        fprintf(stderr, "acme5g-shared: [%ld] %s: %s%s%s\n", (long)getpid(),
                identity[0] ? identity : "-", what, detail ? ": " : "", detail ? detail : "");
}

/* dns-01 in a child.  Every TXT record is noted before its "add" runs and
 * forgotten after its "del": whatever is still noted when the order ends,
 * or when the child is told to stop (SIGTERM), is deleted then.  Each hook
 * runs in its own process group under a deadline: "add" the time left of
 * --timeout, "del" DEL_HOOK_MS whatever happened before. */
#define DEL_HOOK_MS 30000u
typedef struct txt_record {
    volatile sig_atomic_t live;
    char name[300];
    char value[128];
} txt_record;
static const char *dns_hook_cmd;
static char dns_hook_script[4096 + 16]; /* for the signal handler: CMD "$@" */
static txt_record published[ACME5G_MAX_IDENTIFIERS];
static volatile long hook_pgid; /* the running hook's process group, or 0 */
static uint64_t acme_deadline_ms;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int dns_txt(void *user, const char *name, const char *value, int present)
{
    size_t i;
    int r;
    (void)user;
    if (present) {
        uint64_t now = mono_ms();
        for (i = 0; i < ACME5G_MAX_IDENTIFIERS; i++)
            if (!published[i].live && strlen(name) < sizeof published[i].name &&
                strlen(value) < sizeof published[i].value) {
                strcpy(published[i].name, name);
                strcpy(published[i].value, value);
                published[i].live = 1;
                break;
            }
        if (i == ACME5G_MAX_IDENTIFIERS || now >= acme_deadline_ms)
            return ACME5G_PORT_ERROR;
        return acme5g_posix_dns_hook_timeout(dns_hook_cmd, name, value, 1,
                                             (uint32_t)(acme_deadline_ms - now), &hook_pgid);
    }
    r = acme5g_posix_dns_hook_timeout(dns_hook_cmd, name, value, 0, DEL_HOOK_MS, &hook_pgid);
    for (i = 0; i < ACME5G_MAX_IDENTIFIERS; i++)
        if (published[i].live && !strcmp(published[i].name, name) &&
            !strcmp(published[i].value, value))
            published[i].live = 0;
    return r;
}

/* The order is over: delete what is still published. */
static void dns_cleanup(void)
{
    size_t i;
    for (i = 0; i < ACME5G_MAX_IDENTIFIERS; i++)
        if (published[i].live)
            dns_txt(NULL, published[i].name, published[i].value, 0);
}

/* SIGTERM in a child: kill the running hook, delete what is published
 * (fork, exec and wait only: async-signal-safe), and end. */
static void child_on_term(int sig)
{
    long pg = hook_pgid;
    size_t i;
    (void)sig;
    if (pg > 0)
        kill(-(pid_t)pg, SIGKILL);
    for (i = 0; dns_hook_cmd && i < ACME5G_MAX_IDENTIFIERS; i++) {
        pid_t pid;
        int status, waited_ms = 0;
        if (!published[i].live)
            continue;
        pid = fork();
        if (pid == 0) {
            char *argv[] = { "sh", "-c", dns_hook_script, "acme5g-hook", "del",
                             published[i].name, published[i].value, NULL };
            setpgid(0, 0);
            dup2(2, 1);
            execv("/bin/sh", argv);
            _exit(127);
        }
        while (pid > 0 && waitpid(pid, &status, WNOHANG) == 0) {
            struct timespec ts = { 0, 50 * 1000000L };
            if ((waited_ms += 50) > (int)DEL_HOOK_MS) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
            }
            nanosleep(&ts, NULL);
        }
    }
    _exit(1);
}

/* One writer per NF: an exclusive flock on DIR/lock, held until this
 * child exits.  A second request for the same NF waits for the first, at
 * most `timeout_s`.  0, or -1 (busy past the deadline, or no lock file). */
static int nf_lock(const char *dir, unsigned long timeout_s)
{
    char path[SHARED_PATH_MAX + 8];
    unsigned long waited_ms = 0;
    int fd;
    if (snprintf(path, sizeof path, "%s/lock", dir) >= (int)sizeof path)
        return -1;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if ((errno != EWOULDBLOCK && errno != EINTR) || waited_ms >= timeout_s * 1000ul) {
            close(fd);
            return -1;
        }
        {
            struct timespec ts = { 0, 50 * 1000000L };
            nanosleep(&ts, NULL);
        }
        waited_ms += 50;
    }
    return 0; /* fd stays open: the lock ends with the process */
}

/* Close so that the answer survives: unread request bytes would make the
 * kernel reset the connection and drop what we sent.  Bounded: 1 s, 256 KB. */
static void drain_and_close(acme5g_port *port, int fd)
{
    uint8_t buf[4096];
    size_t total = 0;
    shutdown(fd, SHUT_WR);
    while (total < 262144) {
        int r = port->recv(port->user, fd, buf, sizeof buf, 1000);
        if (r <= 0)
            break;
        total += (size_t)r;
    }
    port->close(port->user, fd);
}

/* One NF, in a child process: accept, check, order, answer. */
static int serve_nf(int fd, const char *nf_ca, size_t nf_ca_len, const char *own_cert,
                    size_t own_cert_len, const char *own_key, size_t own_key_len)
{
    acme5g_port port;
    acme5g_enrol_params p;
    char dir[SHARED_PATH_MAX], cert_path[SHARED_PATH_MAX + 16], msg[512];
    const char *allowed;
    size_t allowed_len, i, ca_len, chain_len;
    int err;

    acme5g_posix_port(&nf_posix, NULL, opt.verbosity - 1, &port);
    if (acme5g_init(&nf_ctx, &port) || acme5g_add_trust_anchors_pem(&nf_ctx, nf_ca, nf_ca_len) ||
        acme5g_set_own_cert(&nf_ctx, own_cert, own_cert_len, own_key, own_key_len))
        return 1;
    acme5g_shared_set_handshake_timeout(&nf_ctx, (uint32_t)(opt.handshake_timeout_s * 1000u));
    err = acme5g_shared_accept(&nf_ctx, fd, (uint32_t)opt.nf_timeout_s, &request);
    if (err) {
        int tls = acme5g_last_tls_error(&nf_ctx);
        int too_large = err == ACME5G_ERR_BODY_TOO_LARGE || err == ACME5G_ERR_HEADER_TOO_LONG;
        if (tls)
            snprintf(msg, sizeof msg, "TLS handshake failed: no client certificate from the "
                                      "bootstrap CA, or another TLS error (BearSSL %d)", tls);
        else if (too_large)
            snprintf(msg, sizeof msg, "request too large (a CSR has at most %d bytes)",
                     ACME5G_SHARED_CSR_MAX);
        else if (err == ACME5G_ERR_TIMEOUT || err == ACME5G_ERR_NET_CLOSED || err == ACME5G_ERR_NET)
            snprintf(msg, sizeof msg, "the NF completed no TLS handshake within "
                                      "--handshake-timeout, or sent no complete request");
        else if (err == ACME5G_ERR_HTTP)
            snprintf(msg, sizeof msg, "malformed request: not one POST of application/pkcs10 "
                                      "with a Content-Length, or bytes after its body");
        else
            snprintf(msg, sizeof msg, "malformed request: %s", acme5g_strerror(err));
        log_line("", "refused", msg);
        /* once the handshake is done the NF can be told why (the library
         * refuses to answer when it is not) */
        if (!tls)
            acme5g_shared_respond(&nf_ctx, too_large ? 413 : 400, NULL, 0, "malformed", msg);
        return 1;
    }
    allowed = policy_lookup(request.identity, &allowed_len);
    if (!allowed) {
        log_line(request.identity, "refused", "identity not in the policy");
        return acme5g_shared_respond(&nf_ctx, 403, NULL, 0, "unauthorized",
                                     "this NF identity is not in the shared client's policy"),
               1;
    }
    err = acme5g_csr_parse(request.csr, request.csr_len, &csr);
    if (err) {
        log_line(request.identity, "refused", acme5g_strerror(err));
        return acme5g_shared_respond(&nf_ctx, 400, NULL, 0, "badCSR", acme5g_strerror(err)), 1;
    }
    for (i = 0; i < csr.identifier_count; i++) {
        const char *v = csr.identifiers[i].value;
        /* an NF may carry its own identity as a URI SAN; anything else must be allowed */
        if (!(csr.identifiers[i].type == ACME5G_ID_URI && !strcmp(v, request.identity)) &&
            !policy_allows(allowed, allowed_len, v)) {
            snprintf(msg, sizeof msg, "%s is not allowed for %s", v, request.identity);
            log_line(request.identity, "refused", msg);
            return acme5g_shared_respond(&nf_ctx, 403, NULL, 0, "forbidden", msg), 1;
        }
    }

    /* the ACME order, under this NF's own account */
    if (nf_state_dir(request.identity, dir, sizeof dir) || acme5g_posix_ensure_dir(dir)) {
        log_line(request.identity, "failed", "state directory");
        return acme5g_shared_respond(&nf_ctx, 500, NULL, 0, "serverInternal",
                                     "state directory"), 1;
    }
    if (nf_lock(dir, opt.timeout_s)) {
        log_line(request.identity, "refused", "another request for this NF is still running");
        return acme5g_shared_respond(&nf_ctx, 503, NULL, 0, "busy",
                                     "another request for this NF is still running"), 1;
    }
    acme5g_posix_port(&acme_posix, dir, opt.verbosity - 1, &port);
    if (opt.dns_hook) {
        port.dns_txt = dns_txt;
        acme_deadline_ms = mono_ms() + opt.timeout_s * 1000u;
    }
    if (acme5g_posix_read_file(opt.ca, file_buf, sizeof file_buf, &ca_len) ||
        acme5g_init(&acme_ctx, &port) || acme5g_add_trust_anchors_pem(&acme_ctx, file_buf, ca_len))
        return acme5g_shared_respond(&nf_ctx, 500, NULL, 0, "serverInternal", "ACME CA"), 1;
    memset(&p, 0, sizeof p);
    p.directory_url = opt.directory;
    p.identifiers = csr.identifiers;
    p.identifier_count = csr.identifier_count;
    p.csr_der = request.csr;
    p.csr_len = request.csr_len;
    p.timeout_s = (uint32_t)opt.timeout_s;
    p.challenge = ACME5G_CHALLENGE_DNS01;
    if (!opt.dns_hook)
        p.challenge = ACME5G_CHALLENGE_HTTP01; /* only pre-authorized orders can succeed */
    err = acme5g_enrol(&acme_ctx, &p);
    dns_cleanup();
    if (err) {
        const acme5g_problem *pr = acme5g_last_problem(&acme_ctx);
        snprintf(msg, sizeof msg, "%s%s%s%s%s", acme5g_strerror(err), pr->type[0] ? " (" : "",
                 pr->type, pr->type[0] ? ") " : "", pr->detail);
        log_line(request.identity, "ACME failed", msg);
        return acme5g_shared_respond(&nf_ctx, 502, NULL, 0, "acme", msg), 1;
    }
    snprintf(cert_path, sizeof cert_path, "%s/%s", dir, ACME5G_STORE_CERT);
    if (acme5g_posix_read_file(cert_path, file_buf, sizeof file_buf, &chain_len))
        return acme5g_shared_respond(&nf_ctx, 500, NULL, 0, "serverInternal", "chain"), 1;
    log_line(request.identity, "issued", csr.identifiers[0].value);
    return acme5g_shared_respond(&nf_ctx, 200, file_buf, chain_len, NULL, NULL) ? 1 : 0;
}

static int parse_args(int argc, char **argv)
{
    int i;
    memset(&opt, 0, sizeof opt);
    opt.nf_timeout_s = 10;
    opt.handshake_timeout_s = 3;
    opt.timeout_s = 120;
    opt.max_children = 16;
    opt.max_per_source = 8;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] == '-' && a[1] == 'v' && strspn(a + 1, "v") == strlen(a + 1)) {
            opt.verbosity += (int)strlen(a + 1);
            continue;
        }
        if (!v)
            return usage("missing value");
        i++;
        if (!strcmp(a, "--listen")) {
            if (number(v, 1, 65535, &opt.listen_port))
                return usage("--listen must be a port 1..65535");
        } else if (!strcmp(a, "--cert")) opt.cert = v;
        else if (!strcmp(a, "--key")) opt.key = v;
        else if (!strcmp(a, "--nf-ca")) opt.nf_ca = v;
        else if (!strcmp(a, "--policy")) opt.policy = v;
        else if (!strcmp(a, "--directory")) opt.directory = v;
        else if (!strcmp(a, "--ca")) opt.ca = v;
        else if (!strcmp(a, "--state")) opt.state = v;
        else if (!strcmp(a, "--challenge")) opt.challenge = v;
        else if (!strcmp(a, "--dns-hook")) opt.dns_hook = v;
        else if (!strcmp(a, "--nf-timeout")) {
            if (number(v, 1, 3600, &opt.nf_timeout_s))
                return usage("--nf-timeout must be 1..3600");
        } else if (!strcmp(a, "--handshake-timeout")) {
            if (number(v, 1, 3600, &opt.handshake_timeout_s))
                return usage("--handshake-timeout must be 1..3600");
        } else if (!strcmp(a, "--max-per-source")) {
            if (number(v, 1, 1024, &opt.max_per_source))
                return usage("--max-per-source must be 1..1024");
        } else if (!strcmp(a, "--timeout")) {
            if (number(v, 1, 86400, &opt.timeout_s))
                return usage("--timeout must be 1..86400");
        } else if (!strcmp(a, "--max-children")) {
            if (number(v, 1, 1024, &opt.max_children))
                return usage("--max-children must be 1..1024");
        } else {
            return usage("unknown argument");
        }
    }
    if (!opt.listen_port || !opt.cert || !opt.key || !opt.nf_ca || !opt.policy ||
        !opt.directory || !opt.ca || !opt.state)
        return usage("--listen, --cert, --key, --nf-ca, --policy, --directory, --ca and "
                     "--state are required");
    if (opt.challenge && strcmp(opt.challenge, "dns-01"))
        return usage("--challenge must be dns-01 (NFs cannot answer the others)");
    if (opt.challenge && !opt.dns_hook)
        return usage("--challenge dns-01 needs --dns-hook");
    return 0;
}

/* The peer's address as bytes (an IPv4-mapped IPv6 address as IPv4);
 * 0 bytes when unknown. */
static size_t peer_addr(int fd, unsigned char out[16])
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
        return 0;
    if (ss.ss_family == AF_INET) {
        memcpy(out, &((struct sockaddr_in *)&ss)->sin_addr, 4);
        return 4;
    }
    if (ss.ss_family == AF_INET6) {
        const unsigned char *a = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
        static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (!memcmp(a, mapped, 12)) {
            memcpy(out, a + 12, 4);
            return 4;
        }
        memcpy(out, a, 16);
        return 16;
    }
    return 0;
}

/* How many children serve this address now. */
static unsigned long source_count(const unsigned char *addr, size_t len)
{
    unsigned long i, n = 0;
    for (i = 0; i < opt.max_children; i++)
        if (slots[i].pid && slots[i].addr_len == len && !memcmp(slots[i].addr, addr, len))
            n++;
    return n;
}

static void slot_free(pid_t pid)
{
    unsigned long i;
    for (i = 0; i < opt.max_children; i++)
        if (slots[i].pid == pid)
            slots[i].pid = 0;
}

static void slot_take(pid_t pid, const unsigned char *addr, size_t len)
{
    unsigned long i;
    for (i = 0; i < opt.max_children; i++)
        if (!slots[i].pid) {
            slots[i].pid = pid;
            memcpy(slots[i].addr, addr, len);
            slots[i].addr_len = len;
            return;
        }
}

int main(int argc, char **argv)
{
    static char nf_ca[SHARED_FILE_MAX], own_cert[SHARED_FILE_MAX], own_key[8192];
    size_t nf_ca_len, own_cert_len, own_key_len, policy_len;
    acme5g_posix listen_posix;
    acme5g_port port;
    unsigned long children = 0;
    struct sigaction sa;
    int listener, rc;

    if ((rc = parse_args(argc, argv)) != 0)
        return rc;
    if (acme5g_posix_read_file(opt.nf_ca, nf_ca, sizeof nf_ca, &nf_ca_len) ||
        acme5g_posix_read_file(opt.cert, own_cert, sizeof own_cert, &own_cert_len) ||
        acme5g_posix_read_file(opt.key, own_key, sizeof own_key, &own_key_len) ||
        acme5g_posix_read_file(opt.policy, policy_text, sizeof policy_text, &policy_len)) {
        fprintf(stderr, "acme5g-shared: cannot read --nf-ca, --cert, --key or --policy: %s\n",
                strerror(errno));
        return 1;
    }
    if (opt.dns_hook) {
        int n = snprintf(dns_hook_script, sizeof dns_hook_script, "%s \"$@\"", opt.dns_hook);
        if (n < 0 || (size_t)n >= sizeof dns_hook_script)
            return usage("--dns-hook too long");
        dns_hook_cmd = opt.dns_hook;
    }
    if (acme5g_posix_ensure_dir(opt.state)) {
        fprintf(stderr, "acme5g-shared: state directory %s unusable\n", opt.state);
        return 1;
    }
    /* check the credentials once, before serving anybody */
    acme5g_posix_port(&listen_posix, NULL, opt.verbosity - 1, &port);
    if (acme5g_init(&nf_ctx, &port) ||
        acme5g_add_trust_anchors_pem(&nf_ctx, nf_ca, nf_ca_len) ||
        acme5g_set_own_cert(&nf_ctx, own_cert, own_cert_len, own_key, own_key_len)) {
        fprintf(stderr, "acme5g-shared: --nf-ca, --cert or --key: %s\n",
                acme5g_strerror(acme5g_last_error(&nf_ctx)));
        return 1;
    }
    acme5g_wipe(&nf_ctx);
    listener = port.listen(port.user, (uint16_t)opt.listen_port);
    if (listener < 0) {
        fprintf(stderr, "acme5g-shared: cannot listen on port %lu\n", opt.listen_port);
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    fprintf(stderr, "acme5g-shared: listening on port %lu\n", opt.listen_port);

    while (!stop_requested) {
        int fd, status;
        unsigned char addr[16];
        size_t addr_len;
        pid_t pid;
        /* reap finished children; at the limit, wait for one */
        while ((pid = waitpid(-1, &status, children >= opt.max_children ? 0 : WNOHANG)) > 0) {
            slot_free(pid);
            children--;
        }
        if (children >= opt.max_children)
            continue;
        fd = port.accept(port.user, listener, 500);
        if (fd < 0)
            continue;
        addr_len = peer_addr(fd, addr);
        if (source_count(addr, addr_len) >= opt.max_per_source) {
            if (opt.verbosity >= 1) {
                char text[INET6_ADDRSTRLEN] = "?";
                inet_ntop(addr_len == 16 ? AF_INET6 : AF_INET, addr, text, sizeof text);
                fprintf(stderr, "acme5g-shared: refused: %s already has %lu connections "
                                "(--max-per-source)\n", text, opt.max_per_source);
            }
            port.close(port.user, fd);
            continue;
        }
        pid = fork();
        if (pid == 0) {
            sa.sa_handler = child_on_term;
            sigaction(SIGTERM, &sa, NULL);
            sigaction(SIGINT, &sa, NULL);
            port.close(port.user, listener);
            rc = serve_nf(fd, nf_ca, nf_ca_len, own_cert, own_cert_len, own_key, own_key_len);
            drain_and_close(&port, fd);
            acme5g_wipe(&nf_ctx);
            acme5g_wipe(&acme_ctx);
            _exit(rc);
        }
        port.close(port.user, fd);
        if (pid > 0) {
            slot_take(pid, addr, addr_len);
            children++;
        }
    }
    port.close(port.user, listener);
    while (wait(NULL) > 0)
        ;
    fprintf(stderr, "acme5g-shared: stopped\n");
    return 0;
}
