/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/faults.c -- fault injection through the port (issue 8), against a
 * real Pebble (tests/faults.sh starts it and runs this program).
 *
 * A port wrapping the POSIX port (port/acme5g_posix.c) counts the
 * operations of each kind -- connect, send, recv, entropy, store_write --
 * and fails the Nth one of a chosen kind (returns ACME5G_PORT_ERROR without
 * doing it), or, for storage, "cuts the power" right after the Nth write
 * completed (the child process _exit()s there).  A recorded run without a
 * fault gives the number of operations of each kind; then every N from 1
 * to that number is run, each in a child process, each from a copy of
 * the same starting state, and checked:
 *
 *   - the child neither crashed nor hung (alarm: the timeout + 10 s) and
 *     returned a clear error (or OK when the fault was absorbed, e.g. a
 *     reconnect);
 *   - after acme5g_repair_pair() (what a device does at boot), cert.pem
 *     and cert.key are a matching pair: the previous pair, or a new one
 *     (or none, when there was none before);
 *   - a rerun without the fault succeeds (every RERUN_EVERY-th point, and
 *     the last one; all of them with FAULTS_RERUN_ALL=1).
 *
 * Scenarios: "renew" (stored account and pair, Pebble reuses the
 * authorizations: newOrder, finalize, poll, download) and "enrol" (a fresh
 * state directory: account, http-01 challenge, order).
 *
 * Usage: build/faults DIRECTORY_URL CA_PEM HTTP_PORT WORKDIR [KINDS...]
 * KINDS default: write cut recv send connect entropy.  Prints "ok - ..."
 * per scenario and kind with the number of fault points, then
 * "N passed, N failed".
 */
#include "../acme5g.c"
#include "acme5g_posix.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { K_CONNECT, K_SEND, K_RECV, K_ENTROPY, K_WRITE, K_CUT, K_COUNT };
static const char *const kind_names[K_COUNT] = { "connect", "send", "recv", "entropy", "write",
                                                 "cut" };

static struct {
    acme5g_port real;
    int fault_kind;        /* -1: none */
    long fault_at;         /* 1-based index of the operation that fails */
    long count[K_COUNT];
    int fired;
} F;

static int fault_now(int kind)
{
    long n = ++F.count[kind];
    if (F.fault_kind == kind && n == F.fault_at) {
        F.fired = 1;
        return 1;
    }
    return 0;
}

static int fp_connect(void *u, const char *host, uint16_t port, uint32_t t)
{
    if (fault_now(K_CONNECT))
        return ACME5G_PORT_ERROR;
    return F.real.connect(u, host, port, t);
}

static int fp_send(void *u, int h, const uint8_t *b, size_t l, uint32_t t)
{
    if (fault_now(K_SEND))
        return ACME5G_PORT_ERROR;
    return F.real.send(u, h, b, l, t);
}

static int fp_recv(void *u, int h, uint8_t *b, size_t l, uint32_t t)
{
    if (fault_now(K_RECV))
        return ACME5G_PORT_ERROR;
    return F.real.recv(u, h, b, l, t);
}

static int fp_entropy(void *u, uint8_t *b, size_t l)
{
    if (fault_now(K_ENTROPY))
        return ACME5G_PORT_ERROR;
    return F.real.entropy(u, b, l);
}

static int fp_store_write(void *u, const char *name, const uint8_t *b, size_t l, int secret)
{
    int r;
    F.count[K_CUT]++;
    if (fault_now(K_WRITE))
        return ACME5G_PORT_ERROR;
    r = F.real.store_write(u, name, b, l, secret);
    if (F.fault_kind == K_CUT && F.count[K_CUT] == F.fault_at)
        _exit(200); /* power cut right after this write reached the disk */
    return r;
}

static acme5g_ctx ctx;

/* Every message at debug level is kept (scanned for key bytes). */
static char logbuf[1 << 18];
static size_t log_len;

static void fp_log(void *u, int level, const char *msg)
{
    size_t n = strlen(msg);
    if (getenv("FAULTS_LOG"))
        F.real.log(u, level, msg);
    if (n + 1 < sizeof(logbuf) - log_len) {
        memcpy(logbuf + log_len, msg, n);
        log_len += n;
        logbuf[log_len++] = '\n';
    }
}

static int log_has(const void *needle, size_t n)
{
    size_t i;
    for (i = 0; n && i + n <= log_len; i++)
        if (!memcmp(logbuf + i, needle, n))
            return 1;
    return 0;
}

/* Does the log hold the stored key `name` of `state`: its PEM lines, or
 * its scalar raw, in hex or in base64url?  -1 when the key is unreadable. */
static int log_has_key(const char *state, const char *name)
{
    static char pem[4096];
    char path[1024], text[200];
    size_t n = 0, i;
    acme5g_ec_key k;
    wbuf w;
    int found = 0;
    snprintf(path, sizeof(path), "%s/%s", state, name);
    if (acme5g_posix_read_file(path, pem, sizeof(pem), &n) != 0 ||
        key_from_pem(&ctx, &k, pem, n) != ACME5G_OK)
        return -1;
    for (i = 0; i < n;) {
        size_t e = i;
        while (e < n && pem[e] != '\n')
            e++;
        if (e - i >= 16 && pem[i] != '-')
            found |= log_has(pem + i, e - i);
        i = e + 1;
    }
    found |= log_has(k.sk.x, k.sk.xlen);
    w_init(&w, text, sizeof(text));
    w_hex(&w, k.sk.x, k.sk.xlen);
    found |= log_has(text, w.len);
    for (i = 0; i < w.len; i++)
        text[i] = (char)lower(text[i]);
    found |= log_has(text, w.len);
    w_init(&w, text, sizeof(text));
    w_b64u(&w, k.sk.x, k.sk.xlen);
    found |= log_has(text, w.len);
    wipe(&k, sizeof(k));
    wipe(pem, sizeof(pem));
    return found;
}

static acme5g_posix posix;
static const char *dir_url, *ca_file;
static uint16_t http_port;
static char ca_pem[16384];
static size_t ca_len;

#define TIMEOUT_S 60

/* One enrolment or renewal on `state`, with the fault set in F. */
static int run_flow(const char *state, int renew)
{
    static const acme5g_identifier ids[] = { { ACME5G_ID_DNS, "faults.example" } };
    acme5g_port port;
    acme5g_enrol_params p;
    int err;
    acme5g_posix_port(&posix, state, 3, &F.real);
    port = F.real;
    port.connect = fp_connect;
    port.send = fp_send;
    port.recv = fp_recv;
    port.entropy = fp_entropy;
    port.store_write = fp_store_write;
    port.log = fp_log;
    memset(F.count, 0, sizeof(F.count));
    F.fired = 0;
    if (acme5g_init(&ctx, &port) != ACME5G_OK ||
        acme5g_add_trust_anchors_pem(&ctx, ca_pem, ca_len) != ACME5G_OK)
        return ACME5G_ERR_ARG;
    memset(&p, 0, sizeof(p));
    p.directory_url = dir_url;
    p.identifiers = ids;
    p.identifier_count = 1;
    p.http_port = http_port;
    p.timeout_s = TIMEOUT_S;
    err = renew ? acme5g_renew(&ctx, &p) : acme5g_enrol(&ctx, &p);
    return err;
}

static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd);
}

static size_t slurp(const char *dir, const char *name, char *buf, size_t cap)
{
    char path[1024];
    size_t n = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (acme5g_posix_read_file(path, buf, cap, &n) != 0)
        return 0;
    return n;
}

/* The state's pair after acme5g_repair_pair(): 1 matching pair (its
 * cert.pem in chain), 0 no pair at all, -1 broken. */
static int pair_state(const char *state, char *chain, size_t cap, size_t *chain_len)
{
    static char keypem[4096];
    acme5g_port port;
    size_t kl, off = 0, dl = 0;
    x509_fields f;
    der_r point;
    acme5g_ec_key k;
    static unsigned char der[4096];
    int r;
    acme5g_posix_port(&posix, state, -1, &port);
    if (acme5g_init(&ctx, &port) != ACME5G_OK)
        return -1;
    r = acme5g_repair_pair(&ctx);
    *chain_len = slurp(state, ACME5G_STORE_CERT, chain, cap);
    kl = slurp(state, ACME5G_STORE_CERT_KEY, keypem, sizeof(keypem));
    if (*chain_len == 0 && kl == 0)
        return r == ACME5G_OK ? 0 : -1;
    if (r != ACME5G_OK || *chain_len == 0 || kl == 0)
        return -1;
    if (pem_next(chain, *chain_len, &off, "CERTIFICATE", der, sizeof(der), &dl) != 1 ||
        x509_parse(der, dl, &f) || spki_ec_point(&f.spki, &point) ||
        key_from_pem(&ctx, &k, keypem, kl) != ACME5G_OK)
        return -1;
    r = (size_t)(point.end - point.p) == k.pk.qlen && !memcmp(point.p, k.pk.q, k.pk.qlen);
    wipe(&k, sizeof(k));
    return r ? 1 : -1;
}

static int tests_passed, tests_failed;

static void result(int ok, const char *msg)
{
    printf("%s - %s\n", ok ? "ok" : "FAIL", msg);
    fflush(stdout);
    if (ok)
        tests_passed++;
    else
        tests_failed++;
}

/* Run the flow in a child; its exit status: the error code, 200 for a
 * cut, 201 for a hang, 202 for a crash. */
static int child_run(const char *state, int renew, int kind, long at)
{
    pid_t pid;
    int st;
    fflush(stdout);
    pid = fork();
    if (pid < 0)
        return 203;
    if (pid == 0) {
        F.fault_kind = kind;
        F.fault_at = at;
        alarm(TIMEOUT_S + 10);
        _exit(run_flow(state, renew));
    }
    if (waitpid(pid, &st, 0) != pid)
        return 203;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
        return 201;
    return 202;
}

static const char *work;

/* Every fault point of one kind for one scenario. */
static void sweep(const char *scenario, const char *start, int renew, int kind, long points)
{
    static char before[16384], after[16384];
    char state[1024], label[160];
    size_t bl = 0, al = 0;
    long n, bad = 0, reruns = 0, absorbed = 0, cut = 0;
    int rerun_all = getenv("FAULTS_RERUN_ALL") != NULL;
    long rerun_every = points > 40 ? points / 10 : 1;
    time_t t0 = time(NULL);
    char first_bad[200] = "";
    long hist[256];
    char codes[300] = "";
    size_t cl = 0;
    int c;

    memset(hist, 0, sizeof(hist));
    snprintf(state, sizeof(state), "%s/state", work);
    snprintf(label, sizeof(label), "%s: %s fault", scenario, kind_names[kind]);
    if (start)
        (void)pair_state(start, before, sizeof(before), &bl);
    for (n = 1; n <= points; n++) {
        int err, ps, rerun;
        sh("rm -rf '%s' && mkdir -m 700 '%s'", state, state);
        if (start)
            sh("cp -p '%s'/* '%s'/ 2>/dev/null; true", start, state);
        err = child_run(state, renew, kind, n);
        hist[err & 255]++;
        if (err == 200)
            cut++;
        else if (err == 0)
            absorbed++;
        ps = pair_state(state, after, sizeof(after), &al);
        /* the previous pair or a new one (none only when there was none
         * before and the run failed); success means a new pair */
        if (err == 201 || err == 202 || err == 203 || ps < 0 || (start && ps == 0) ||
            (err == 0 && (ps != 1 || (bl == al && !memcmp(before, after, al))))) {
            if (!bad++)
                snprintf(first_bad, sizeof(first_bad), "at %ld: exit %d (%s), pair state %d", n,
                         err, err < ACME5G_ERR__COUNT ? acme5g_strerror(err) : "hang/crash", ps);
            continue;
        }
        rerun = rerun_all || n % rerun_every == 0 || n == points;
        if (rerun) {
            int e2 = child_run(state, renew, -1, 0);
            reruns++;
            if (e2 != 0 || pair_state(state, after, sizeof(after), &al) != 1) {
                if (!bad++)
                    snprintf(first_bad, sizeof(first_bad),
                             "at %ld: the rerun without a fault ended with %d (%s)", n, e2,
                             e2 < ACME5G_ERR__COUNT ? acme5g_strerror(e2) : "hang/crash");
            }
        }
    }
    for (c = 0; c < 256; c++) {
        if (!hist[c] || cl + 40 > sizeof(codes))
            continue;
        cl += (size_t)snprintf(codes + cl, sizeof(codes) - cl, "%s%s %ld", cl ? ", " : "",
                               c == 0 ? "ok" : c == 200 ? "cut" : c < ACME5G_ERR__COUNT
                               ? acme5g_strerror(c) : "hang/crash", hist[c]);
    }
    printf("# %s: %s\n", label, codes);
    {
        char msg[600];
        snprintf(msg, sizeof(msg),
                 "%s: each of %ld fault points: no crash or hang, a clear error, a complete "
                 "pair after repair (%ld absorbed, %ld cuts, %ld reruns, %ld s)%s%s",
                 label, points, absorbed, cut, reruns, (long)(time(NULL) - t0),
                 bad ? "; first bad " : "", first_bad);
        result(bad == 0, msg);
    }
}

int main(int argc, char **argv)
{
    char start_enrolled[1024], state[1024];
    long counts_enrol[K_COUNT], counts_renew[K_COUNT];
    int kinds[K_COUNT], nk = 0, i, err;
    FILE *f;

    if (argc < 5) {
        fprintf(stderr, "usage: %s DIRECTORY_URL CA_PEM HTTP_PORT WORKDIR [KINDS...]\n", argv[0]);
        return 2;
    }
    dir_url = argv[1];
    ca_file = argv[2];
    http_port = (uint16_t)atoi(argv[3]);
    work = argv[4];
    f = fopen(ca_file, "rb");
    if (!f)
        return 2;
    ca_len = fread(ca_pem, 1, sizeof(ca_pem) - 1, f);
    fclose(f);
    for (i = 5; i < argc; i++) {
        int k;
        for (k = 0; k < K_COUNT; k++)
            if (!strcmp(argv[i], kind_names[k]))
                kinds[nk++] = k;
    }
    if (nk == 0) {
        static const int def[] = { K_WRITE, K_CUT, K_RECV, K_SEND, K_CONNECT, K_ENTROPY };
        for (i = 0; i < (int)COUNT(def); i++)
            kinds[nk++] = def[i];
    }

    /* the recorded runs: an enrolment from nothing, then a renewal */
    snprintf(start_enrolled, sizeof(start_enrolled), "%s/enrolled", work);
    snprintf(state, sizeof(state), "%s/state", work);
    sh("rm -rf '%s' && mkdir -m 700 '%s'", start_enrolled, start_enrolled);
    F.fault_kind = -1;
    err = run_flow(start_enrolled, 0);
    memcpy(counts_enrol, F.count, sizeof(counts_enrol));
    result(err == 0, "recorded enrolment against Pebble");
    if (err) {
        printf("# enrolment: %s\n", acme5g_strerror(err));
        printf("%d passed, %d failed\n", tests_passed, tests_failed);
        return 1;
    }
    sh("rm -rf '%s' && cp -rp '%s' '%s'", state, start_enrolled, state);
    err = run_flow(state, 1);
    memcpy(counts_renew, F.count, sizeof(counts_renew));
    result(err == 0, "recorded renewal against Pebble");
    result(log_len > 500 && log_has_key(state, ACME5G_STORE_ACCOUNT_KEY) == 0 &&
               log_has_key(state, ACME5G_STORE_CERT_KEY) == 0 &&
               log_has_key(start_enrolled, ACME5G_STORE_CERT_KEY) == 0,
           "the account key and both certificate keys never appear in the debug log of an "
           "enrolment and a renewal (PEM lines, raw, hex, base64url)");
    printf("# operations: enrolment connect %ld send %ld recv %ld entropy %ld write %ld; "
           "renewal connect %ld send %ld recv %ld entropy %ld write %ld\n",
           counts_enrol[K_CONNECT], counts_enrol[K_SEND], counts_enrol[K_RECV],
           counts_enrol[K_ENTROPY], counts_enrol[K_WRITE], counts_renew[K_CONNECT],
           counts_renew[K_SEND], counts_renew[K_RECV], counts_renew[K_ENTROPY],
           counts_renew[K_WRITE]);
    fflush(stdout);

    for (i = 0; i < nk; i++) {
        int k = kinds[i];
        long pts = counts_renew[k == K_CUT ? K_WRITE : k];
        sweep("renewal", start_enrolled, 1, k, pts);
    }
    for (i = 0; i < nk; i++) {
        int k = kinds[i];
        long pts = counts_enrol[k == K_CUT ? K_WRITE : k];
        if (getenv("FAULTS_QUICK") && k != K_WRITE && k != K_CUT)
            continue;
        sweep("enrolment", NULL, 0, k, pts);
    }
    printf("%d passed, %d failed\n", tests_passed, tests_failed);
    return tests_failed ? 1 : 0;
}
