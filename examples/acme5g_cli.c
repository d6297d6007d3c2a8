/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * acme5g: the command-line tool.  A thin user of acme5g.h and the POSIX
 * port: it parses options, reads files and prints results, and leaves
 * every ACME step to the library.
 *
 *   acme5g enrol --directory URL --ca PEMFILE --state DIR --name DNSNAME ...
 *   acme5g enrol --via URL --ca PEMFILE --client-cert PEM --client-key PEM
 *                --state DIR --name DNSNAME ...   (through a shared client)
 *   acme5g renew --state DIR [--force] ...
 *   acme5g run --state DIR [--deploy-hook CMD]   (the renewal daemon)
 *   acme5g status --state DIR
 *
 * Exit status, the same for every subcommand: 0 done, 1 failure (one line
 * on stderr), 2 usage error, 3 nothing to do (renew: not due; enrol:
 * already enrolled), 4 another acme5g holds the state directory, 5 the
 * certificate is stored but the deploy hook failed.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* gmtime_r, pselect, sigaction, setenv */
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/select.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acme5g.h"
#include "port/acme5g_posix.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_NOTHING 3 /* renew: not due; enrol: already enrolled */
#define CLI_EXIT_LOCKED 4  /* another acme5g holds the state directory */
#define CLI_EXIT_HOOK 5    /* certificate stored, but the deploy hook failed */

#define CLI_MAX_IDENTIFIERS 64    /* the top of ACME5G_MAX_IDENTIFIERS' range */
#define CLI_FILE_MAX (64 * 1024)  /* CA bundle or certificate chain */
#define CLI_PATH_MAX 4096

static const char cli_usage_text[] =
    "usage: acme5g enrol --directory URL --ca PEMFILE --state DIR --name DNSNAME\n"
    "                    [--name DNSNAME ...] [--ip ADDR ...] [--uri URI ...] [--http-port N]\n"
    "                    [--contact mailto:...] [--timeout SECONDS] [-v|-vv|-vvv]\n"
    "                    [--eab-kid KID --eab-hmac-key BASE64URL]\n"
    "                    [--challenge http-01|dns-01|tls-alpn-01] [--dns-hook CMD]\n"
    "                    [--tls-port N] [--pre-authorize] [--force]\n"
    "                    [--preferred-chain ISSUER-CN] [--key-type p256|p384]\n"
    "                    [--cert-key PEMFILE] [--deploy-hook CMD]\n"
    "                    [--nf-instance-id UUID [--ta-url URL --ta-cert PEMFILE\n"
    "                     --ta-key PEMFILE --ta-ca PEMFILE | --ta-hook CMD]]\n"
    "       acme5g enrol --via URL --ca PEMFILE --client-cert PEMFILE --client-key PEMFILE\n"
    "                    --state DIR --name DNSNAME [--name ...] [--ip ADDR ...]\n"
    "                    [--uri URI ...] [--key-type p256|p384] [--cert-key PEMFILE]\n"
    "                    [--timeout SECONDS] [--deploy-hook CMD] [-v...]\n"
    "       acme5g renew --state DIR [--force] [--wait-timer S] [--max-orders N]\n"
    "                    [--renew-fraction F] [--renew-before S] [--jitter S]\n"
    "                    [--deploy-hook CMD] [--save] [--metrics-file PATH] [-v...]\n"
    "       acme5g run --state DIR [--deploy-hook CMD] [renew's options but --force]\n"
    "       acme5g status --state DIR [--json | --prometheus]\n"
    "       acme5g revoke --state DIR [--reason N] [--with-cert-key]\n"
    "       acme5g account deactivate|rollover --state DIR\n"
    "       acme5g account contact --state DIR [--contact mailto:...]\n"
    "       acme5g --help | --version\n";

static const char cli_help_text[] =
    "\n"
    "enrol   obtain a certificate from an ACME (RFC 8555) server (http-01, dns-01,\n"
    "        tls-alpn-01 or tkauth-01); on an enrolled state only with --force\n"
    "  --directory URL    the server's directory, https://host[:port]/path\n"
    "  --ca PEMFILE       CA certificate(s) that sign the server's TLS certificate\n"
    "  --state DIR        keys and certificate live here (created with mode 0700)\n"
    "  --name DNSNAME     a DNS name for the certificate (repeatable)\n"
    "  --ip ADDR          an IPv4 or IPv6 address for the certificate (repeatable)\n"
    "  --uri URI          a URI SAN in the CSR, e.g. urn:uuid:<NF instance ID>; not an\n"
    "                     ACME identifier, so the CA may leave it out (repeatable)\n"
    "  --nf-instance-id UUID  the NF instance ID as an ACME identifier (NfInstanceId,\n"
    "                     TS 33.310 Annex J): validated with tkauth-01, in the\n"
    "                     certificate as URI SAN urn:uuid:UUID\n"
    "  --ta-url URL       tkauth-01: ask this Token Authority (OAM) for the Authority\n"
    "                     Token, over TLS with --ta-cert/--ta-key as our client\n"
    "                     certificate and --ta-ca as the CA of its server certificate\n"
    "  --ta-hook CMD      tkauth-01: run `sh -c CMD` instead, with ACME5G_TKAUTH_TYPE,\n"
    "                     _VALUE, _FINGERPRINT, _AUTHORITY set; it prints the token\n"
    "  --http-port N      port of the built-in http-01 responder (default 80)\n"
    "  --contact URL      account contact, e.g. mailto:ops@example.org\n"
    "  --timeout SECONDS  total time limit, 1..86400 (default 300)\n"
    "  --challenge TYPE   http-01 (default), dns-01 (--dns-hook) or tls-alpn-01\n"
    "                     (built-in TLS responder on --tls-port, default 443)\n"
    "  --dns-hook CMD     dns-01: run `CMD add NAME VALUE` to publish the TXT record\n"
    "                     and `CMD del NAME VALUE` to remove it; exit 0 = done\n"
    "  --key-type T       p256 (default) or p384, for new account and certificate keys\n"
    "  --pre-authorize    ask newAuthz for each name before the order, where the\n"
    "                     directory offers it (RFC 8555 7.4.1)\n"
    "  --cert-key FILE    use this existing certificate key (as a secure element\n"
    "                     would: the library only asks it for a signature)\n"
    "  --preferred-chain CN  keep the chain whose top certificate's issuer has this\n"
    "                     common name (alternate chains, RFC 8555 7.4.2)\n"
    "  --eab-kid KID      external account binding (RFC 8555 7.3.4): the key id\n"
    "  --eab-hmac-key K   and the MAC key (base64url) your CA gave you\n"
    "  -v, -vv, -vvv      log warnings, progress, debug details to stderr\n"
    "  --wait-timer S     after a failed challenge, wait S seconds and restart\n"
    "                     from newOrder (TR 33.776 solution #9; default 0)\n"
    "  --max-orders N     orders tried in all, 1..100 (default 3)\n"
    "  --renew-fraction F renew when this share of the lifetime passed (default 0.667)\n"
    "  --renew-before S   or S seconds before notAfter, whichever comes first\n"
    "  --jitter S         renew up to S seconds earlier, a different amount per device\n"
    "  --force            enrol: replace the certificate of an enrolled state;\n"
    "                     renew: renew now, whatever the policy says\n"
    "  --save             renew/run: store the options given once a renewal succeeded\n"
    "  --metrics-file P   renew/run: after every attempt, write status --prometheus to\n"
    "                     P atomically (for node_exporter's textfile collector)\n"
    ;
/* (two strings: C99 compilers need to support only 4095 bytes in one) */
static const char cli_help_text2[] =
    "  --via URL          obtain the certificate through a shared ACME client\n"
    "                     (https://host:port/path) instead of an ACME server: one\n"
    "                     POST of our CSR over mutual TLS; --ca then holds the CA of\n"
    "                     the shared client's TLS certificate\n"
    "  --client-cert FILE our client certificate (PEM, leaf first) for --via, e.g.\n"
    "  --client-key FILE  the bootstrap certificate, and its EC private key\n"
    "  --deploy-hook CMD  after a new certificate is stored, run `sh -c CMD` with\n"
    "                     ACME5G_STATE, ACME5G_CERT and ACME5G_KEY set (e.g. reload\n"
    "                     the NF's TLS server); exit 0 = done\n"
    "renew   renew the stored certificate with the stored account when the policy\n"
    "        says so (now with --force); settings not given are those of enrol;\n"
    "        options given apply to this run only, unless --save: then they are\n"
    "        stored (paths made absolute) once the renewal succeeded\n"
    "run     the renewal daemon: sleep until the policy's next renewal, renew, run\n"
    "        the deploy hook, go on; after a failure, retry with a growing backoff;\n"
    "        SIGTERM or SIGINT ends it (exit 0)\n"
    "status  describe the certificate stored in DIR and when it is due for renewal;\n"
    "        --json: one JSON object, --prometheus: Prometheus' text format\n"
    "revoke  revoke the stored certificate (RFC 5280 reason code N), signed by the\n"
    "        account key or, with --with-cert-key, by the certificate's key\n"
    "account deactivate the account, roll its key over, or replace its contacts\n"
    "exit status, the same for every command: 0 done; 1 failed; 2 usage error;\n"
    "  3 nothing to do (renew: not due; enrol: already enrolled); 4 another acme5g\n"
    "  holds the state directory (it is locked while a command writes it); 5 the\n"
    "  certificate is stored but the deploy hook failed\n";

/* Everything `enrol` and `status` take from the command line.  The strings
 * point into argv. */
typedef struct cli_options {
    const char *directory_url;
    const char *ca_file;
    const char *state_dir;
    const char *contact;
    acme5g_identifier identifiers[CLI_MAX_IDENTIFIERS];
    size_t identifier_count;
    unsigned long http_port; /* 0: the library's default */
    unsigned long tls_port;  /* 0: the library's default */
    unsigned long timeout_s; /* 0: the library's default */
    int verbose_count;       /* number of -v */
    int force;               /* renew: do not ask the policy */
    int save;                /* renew/run: store the options given (after a success) */
    int json, prometheus;    /* status: the output format */
    const char *metrics_file; /* renew/run: write the metrics there after each attempt */
    int pre_authorize;       /* newAuthz before the order, where offered */
    const char *eab_kid, *eab_hmac_key;
    const char *challenge;   /* "http-01" (default) or "dns-01" */
    const char *preferred_chain;
    const char *key_type;    /* "p256" (default) or "p384" */
    const char *cert_key;    /* existing certificate key (PEM file) */
    const char *dns_hook;    /* command run for dns-01 */
    const char *via;         /* shared ACME client URL (instead of directory_url) */
    const char *client_cert, *client_key; /* our TLS client credential, for via */
    const char *ta_url, *ta_cert, *ta_key, *ta_ca; /* tkauth-01: the Token Authority */
    const char *ta_hook;     /* tkauth-01: command printing a token */
    const char *deploy_hook; /* command run after a new certificate is stored */
    int have_wait_timer, have_max_orders, have_permille, have_before, have_jitter;
    unsigned long wait_timer_s, max_orders, renew_permille, renew_before_s, jitter_s;
} cli_options;

/* Large buffers are static: acme5g_ctx alone is tens of KB, too much for
 * small thread stacks. */
static acme5g_ctx cli_ctx;
static acme5g_posix cli_posix;
static char cli_file_buf[CLI_FILE_MAX];

static int cli_usage_error(const char *what, const char *arg)
{
    if (arg != NULL)
        fprintf(stderr, "acme5g: %s: %s\n", what, arg);
    else
        fprintf(stderr, "acme5g: %s\n", what);
    fputs(cli_usage_text, stderr);
    return CLI_EXIT_USAGE;
}

/* Whole-string decimal in [min, max].  strtoul alone would take " 12",
 * "-1" (as a huge value) and "12abc". */
static int cli_parse_number(const char *text, unsigned long min, unsigned long max,
                            unsigned long *out)
{
    unsigned long value;
    char *end;

    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    value = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

/* "0.667", "1", ".5" as thousandths in 1..1000. */
static int cli_parse_fraction(const char *text, unsigned long *permille)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(v >= 0.001 && v <= 1.0))
        return -1;
    *permille = (unsigned long)(v * 1000.0 + 0.5);
    return 0;
}

/* Does argv[*i] name option `name`, as "--name value" or "--name=value"?
 * Returns 1 and sets *value (NULL when the value is missing), else 0. */
static int cli_option(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *arg = argv[*i];
    size_t name_len = strlen(name);

    if (strncmp(arg, name, name_len) != 0)
        return 0;
    if (arg[name_len] == '=') {
        *value = arg + name_len + 1;
        return 1;
    }
    if (arg[name_len] != '\0')
        return 0;
    *value = (*i + 1 < argc) ? argv[++*i] : NULL;
    return 1;
}

/* "-v", "-vv", "-vvv" (also repeated): how many v's, or 0 if not that. */
static int cli_verbose_flag(const char *arg)
{
    int count = 0;

    if (strcmp(arg, "--verbose") == 0)
        return 1;
    if (arg[0] != '-')
        return 0;
    while (arg[1 + count] == 'v')
        count++;
    return arg[1 + count] == '\0' ? count : 0;
}

static int cli_add_identifier(cli_options *opt, acme5g_id_type type, const char *value)
{
    if (opt->identifier_count == CLI_MAX_IDENTIFIERS)
        return -1;
    opt->identifiers[opt->identifier_count].type = type;
    opt->identifiers[opt->identifier_count].value = value;
    opt->identifier_count++;
    return 0;
}

/* Parse argv[first..] into *opt.  Returns 0 or CLI_EXIT_USAGE (after
 * printing why). */
static int cli_parse(int argc, char **argv, int first, cli_options *opt)
{
    int i;

    memset(opt, 0, sizeof *opt);
    for (i = first; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        int verbose = cli_verbose_flag(arg);

        if (verbose > 0) {
            opt->verbose_count += verbose;
            continue;
        }
        if (strcmp(arg, "--force") == 0) {
            opt->force = 1;
            continue;
        }
        if (strcmp(arg, "--save") == 0) {
            opt->save = 1;
            continue;
        }
        if (strcmp(arg, "--json") == 0 || strcmp(arg, "--prometheus") == 0) {
            *(arg[2] == 'j' ? &opt->json : &opt->prometheus) = 1;
            continue;
        }
        if (strcmp(arg, "--pre-authorize") == 0) {
            opt->pre_authorize = 1;
            continue;
        }
        if (cli_option(argc, argv, &i, "--directory", &value)) {
            opt->directory_url = value;
        } else if (cli_option(argc, argv, &i, "--ca", &value)) {
            opt->ca_file = value;
        } else if (cli_option(argc, argv, &i, "--state", &value)) {
            opt->state_dir = value;
        } else if (cli_option(argc, argv, &i, "--contact", &value)) {
            opt->contact = value;
        } else if (cli_option(argc, argv, &i, "--name", &value)) {
            if (value != NULL && cli_add_identifier(opt, ACME5G_ID_DNS, value) != 0)
                return cli_usage_error("too many --name/--ip (at most 64)", NULL);
        } else if (cli_option(argc, argv, &i, "--ip", &value)) {
            if (value != NULL && cli_add_identifier(opt, ACME5G_ID_IP, value) != 0)
                return cli_usage_error("too many --name/--ip (at most 64)", NULL);
        } else if (cli_option(argc, argv, &i, "--uri", &value)) {
            if (value != NULL && cli_add_identifier(opt, ACME5G_ID_URI, value) != 0)
                return cli_usage_error("too many --name/--ip/--uri (at most 64)", NULL);
        } else if (cli_option(argc, argv, &i, "--nf-instance-id", &value)) {
            if (value != NULL && cli_add_identifier(opt, ACME5G_ID_NF_INSTANCE, value) != 0)
                return cli_usage_error("too many identifiers (at most 64)", NULL);
        } else if (cli_option(argc, argv, &i, "--ta-url", &value)) {
            opt->ta_url = value;
        } else if (cli_option(argc, argv, &i, "--ta-cert", &value)) {
            opt->ta_cert = value;
        } else if (cli_option(argc, argv, &i, "--ta-key", &value)) {
            opt->ta_key = value;
        } else if (cli_option(argc, argv, &i, "--ta-ca", &value)) {
            opt->ta_ca = value;
        } else if (cli_option(argc, argv, &i, "--ta-hook", &value)) {
            opt->ta_hook = value;
        } else if (cli_option(argc, argv, &i, "--http-port", &value)) {
            if (value != NULL && cli_parse_number(value, 1, 65535, &opt->http_port) != 0)
                return cli_usage_error("--http-port must be 1..65535", value);
        } else if (cli_option(argc, argv, &i, "--tls-port", &value)) {
            if (value != NULL && cli_parse_number(value, 1, 65535, &opt->tls_port) != 0)
                return cli_usage_error("--tls-port must be 1..65535", value);
        } else if (cli_option(argc, argv, &i, "--timeout", &value)) {
            if (value != NULL && cli_parse_number(value, 1, 86400, &opt->timeout_s) != 0)
                return cli_usage_error("--timeout must be 1..86400 seconds", value);
        } else if (cli_option(argc, argv, &i, "--challenge", &value)) {
            opt->challenge = value;
            if (value != NULL && strcmp(value, "http-01") != 0 && strcmp(value, "dns-01") != 0 &&
                strcmp(value, "tls-alpn-01") != 0)
                return cli_usage_error("--challenge must be http-01, dns-01 or tls-alpn-01", value);
        } else if (cli_option(argc, argv, &i, "--key-type", &value)) {
            opt->key_type = value;
            if (value != NULL && strcmp(value, "p256") != 0 && strcmp(value, "p384") != 0)
                return cli_usage_error("--key-type must be p256 or p384", value);
        } else if (cli_option(argc, argv, &i, "--cert-key", &value)) {
            opt->cert_key = value;
        } else if (cli_option(argc, argv, &i, "--preferred-chain", &value)) {
            opt->preferred_chain = value;
        } else if (cli_option(argc, argv, &i, "--dns-hook", &value)) {
            opt->dns_hook = value;
        } else if (cli_option(argc, argv, &i, "--metrics-file", &value)) {
            opt->metrics_file = value;
        } else if (cli_option(argc, argv, &i, "--deploy-hook", &value)) {
            opt->deploy_hook = value;
        } else if (cli_option(argc, argv, &i, "--via", &value)) {
            opt->via = value;
        } else if (cli_option(argc, argv, &i, "--client-cert", &value)) {
            opt->client_cert = value;
        } else if (cli_option(argc, argv, &i, "--client-key", &value)) {
            opt->client_key = value;
        } else if (cli_option(argc, argv, &i, "--eab-kid", &value)) {
            opt->eab_kid = value;
        } else if (cli_option(argc, argv, &i, "--eab-hmac-key", &value)) {
            opt->eab_hmac_key = value;
        } else if (cli_option(argc, argv, &i, "--wait-timer", &value)) {
            opt->have_wait_timer = 1;
            if (value != NULL && cli_parse_number(value, 0, 86400, &opt->wait_timer_s) != 0)
                return cli_usage_error("--wait-timer must be 0..86400 seconds", value);
        } else if (cli_option(argc, argv, &i, "--max-orders", &value)) {
            opt->have_max_orders = 1;
            if (value != NULL && cli_parse_number(value, 1, 100, &opt->max_orders) != 0)
                return cli_usage_error("--max-orders must be 1..100", value);
        } else if (cli_option(argc, argv, &i, "--renew-fraction", &value)) {
            opt->have_permille = 1;
            if (value != NULL && cli_parse_fraction(value, &opt->renew_permille) != 0)
                return cli_usage_error("--renew-fraction must be 0.001..1", value);
        } else if (cli_option(argc, argv, &i, "--renew-before", &value)) {
            opt->have_before = 1;
            if (value != NULL && cli_parse_number(value, 0, 315360000, &opt->renew_before_s) != 0)
                return cli_usage_error("--renew-before must be 0..315360000 seconds", value);
        } else if (cli_option(argc, argv, &i, "--jitter", &value)) {
            opt->have_jitter = 1;
            if (value != NULL && cli_parse_number(value, 0, 31536000, &opt->jitter_s) != 0)
                return cli_usage_error("--jitter must be 0..31536000 seconds", value);
        } else {
            return cli_usage_error("unknown argument", arg);
        }
        if (value == NULL)
            return cli_usage_error("missing value for", arg);
    }
    return 0;
}

/* dir + "/" + name, without doubling a trailing slash. */
static int cli_join_path(char *out, size_t cap, const char *dir, const char *name)
{
    size_t dir_len = strlen(dir);
    const char *sep = (dir_len > 0 && dir[dir_len - 1] == '/') ? "" : "/";
    int n = snprintf(out, cap, "%s%s%s", dir, sep, name);

    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* The lock on a state directory: every command that writes the state
 * holds a write lock (fcntl, POSIX) on DIR/lock until it ends, so two
 * acme5g never write one state at once.  A second one exits at once with
 * CLI_EXIT_LOCKED, naming the holder's pid.  The lock goes with the
 * process (also when it is killed); the file stays. */
#define CLI_LOCK "lock"
static int cli_lock_fd = -1;
static int cli_lock_quiet; /* run's first look: no message when busy */

/* Under the lock no other acme5g writes the state: a temporary file the
 * port left (.NAME.tmp.PID, a write cut by a crash; some hold a key) is
 * stale, and goes. */
static void cli_remove_stale_temps(const char *state_dir)
{
    char path[CLI_PATH_MAX];
    struct dirent *e;
    DIR *d = opendir(state_dir);

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        const char *t = strstr(e->d_name, ".tmp.");
        if (e->d_name[0] != '.' || t == NULL || t == e->d_name || t[5] == '\0' ||
            strspn(t + 5, "0123456789") != strlen(t + 5))
            continue;
        if (cli_join_path(path, sizeof path, state_dir, e->d_name) == 0)
            (void)unlink(path);
    }
    closedir(d);
}

/* Returns 0 (held, or the directory does not exist: nothing to guard),
 * CLI_EXIT_LOCKED or CLI_EXIT_FAILURE (after printing why). */
static int cli_lock_state(const char *state_dir)
{
    char path[CLI_PATH_MAX];
    struct flock fl;
    int fd;

    if (cli_lock_fd >= 0)
        return 0; /* run's renewal: run holds it already */
    if (cli_join_path(path, sizeof path, state_dir, CLI_LOCK) != 0)
        return cli_usage_error("--state path too long", state_dir);
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT)
        return 0; /* no state directory: the command reports that itself */
    if (fd < 0) {
        fprintf(stderr, "acme5g: cannot lock the state directory %s: %s%s\n", state_dir,
                strerror(errno), errno == EACCES ? " (run as the state's owner)" : "");
        return CLI_EXIT_FAILURE;
    }
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &fl) == 0) {
        cli_lock_fd = fd;
        cli_remove_stale_temps(state_dir);
        return 0;
    }
    if (errno != EACCES && errno != EAGAIN) {
        fprintf(stderr, "acme5g: cannot lock %s: %s\n", path, strerror(errno));
        close(fd);
        return CLI_EXIT_FAILURE;
    }
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (cli_lock_quiet)
        ; /* the caller goes on without the lock */
    else if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
        fprintf(stderr, "acme5g: another acme5g (pid %ld) holds the state directory %s; "
                        "try again when it is done\n", (long)fl.l_pid, state_dir);
    else
        fprintf(stderr, "acme5g: another acme5g holds the state directory %s; try again "
                        "when it is done\n", state_dir);
    close(fd);
    return CLI_EXIT_LOCKED;
}

static void cli_unlock_state(void)
{
    if (cli_lock_fd >= 0)
        close(cli_lock_fd); /* closing releases the lock */
    cli_lock_fd = -1;
}

/* Server text may hold anything; keep the report on one line: control
 * characters become blanks or '?', trailing blanks go (in place). */
static void cli_clean(char *text)
{
    size_t len = strlen(text), i;

    while (len > 0 && ((unsigned char)text[len - 1] <= 0x20 || text[len - 1] == 0x7f))
        len--;
    text[len] = '\0';
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n' || c == '\r' || c == '\t')
            text[i] = ' ';
        else if (c < 0x20 || c == 0x7f)
            text[i] = '?';
    }
}

static int cli_report_read_error(const char *what, const char *path, int rc)
{
    if (rc == ACME5G_PORT_NOT_FOUND)
        fprintf(stderr, "acme5g: %s %s does not exist\n", what, path);
    else if (rc == ACME5G_PORT_TOO_LARGE)
        fprintf(stderr, "acme5g: %s %s is larger than %d bytes\n", what, path, CLI_FILE_MAX - 1);
    else
        fprintf(stderr, "acme5g: %s %s: %s\n", what, path, strerror(errno));
    return CLI_EXIT_FAILURE;
}

/* The rest of the one-line failure report of enrol and renew. */
/* The report of a failed call as one line of text (no newline), into
 * out: also kept as `last-error` for status and the metrics. */
static void cli_failure_text(int err, char *out, size_t cap)
{
    const acme5g_problem *problem = acme5g_last_problem(&cli_ctx);
    int tls_error = acme5g_last_tls_error(&cli_ctx);
    size_t len;

    snprintf(out, cap, "%s", acme5g_strerror(err));
    if (problem->http_status != 0 || problem->type[0] || problem->detail[0]) {
        len = strlen(out);
        if (problem->http_status != 0)
            snprintf(out + len, cap - len, " (HTTP %d %s%s%s", problem->http_status,
                     problem->type, problem->type[0] ? ": " : "", problem->detail);
        else
            snprintf(out + len, cap - len, " (%s%s%s", problem->type,
                     problem->type[0] ? ": " : "", problem->detail);
        cli_clean(out + len);
        len = strlen(out);
        if (problem->retry_after_s >= 0)
            snprintf(out + len, cap - len, "; retry after %ld s", (long)problem->retry_after_s);
        len = strlen(out);
        snprintf(out + len, cap - len, ")");
    }
    len = strlen(out);
    if (tls_error != 0)
        snprintf(out + len, cap - len, " (BearSSL error %d)", tls_error);
}

static char cli_last_error[512];

static void cli_report_failure(int err)
{
    cli_failure_text(err, cli_last_error, sizeof cli_last_error);
    fprintf(stderr, "%s\n", cli_last_error);
}

/* The settings of enrol, kept in the state directory as "key=value" lines
 * so that renew (and later the daemon) can run with --state alone. */
#define CLI_SETTINGS "settings"
static char cli_settings_buf[16 * 1024];
static char cli_ca_path[CLI_PATH_MAX];
static char cli_client_cert_path[CLI_PATH_MAX], cli_client_key_path[CLI_PATH_MAX];

typedef struct cli_renew_state {
    acme5g_policy_state policy;
    int64_t last_success_s;  /* the last attempt that stored a certificate; 0 = none */
    const char *last_error;  /* the last failure's report line; NULL = none */
} cli_renew_state;

/* Fill what opt lacks from the stored settings (strings point into buf).
 * Returns 0, or -1 when there are none. */
static int cli_load_settings_into(cli_options *opt, cli_renew_state *rs, char *buf, size_t cap)
{
    char path[CLI_PATH_MAX];
    size_t len;
    char *line, *next;
    int have_ids = opt->identifier_count > 0;

    memset(rs, 0, sizeof *rs);
    if (cli_join_path(path, sizeof path, opt->state_dir, CLI_SETTINGS) != 0 ||
        acme5g_posix_read_file(path, buf, cap, &len) != 0)
        return -1;
    for (line = buf; line && *line; line = next) {
        char *eq, *value;
        unsigned long n = 0;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        value = eq + 1;
        if (strcmp(line, "directory") == 0 && !opt->directory_url && !opt->via)
            opt->directory_url = value;
        else if (strcmp(line, "ca") == 0 && !opt->ca_file)
            opt->ca_file = value;
        else if (strcmp(line, "contact") == 0 && !opt->contact)
            opt->contact = value;
        else if (strcmp(line, "challenge") == 0 && !opt->challenge)
            opt->challenge = value;
        else if (strcmp(line, "dns-hook") == 0 && !opt->dns_hook)
            opt->dns_hook = value;
        else if (strcmp(line, "via") == 0 && !opt->via && !opt->directory_url)
            opt->via = value;
        else if (strcmp(line, "client-cert") == 0 && !opt->client_cert)
            opt->client_cert = value;
        else if (strcmp(line, "client-key") == 0 && !opt->client_key)
            opt->client_key = value;
        else if (strcmp(line, "deploy-hook") == 0 && !opt->deploy_hook)
            opt->deploy_hook = value;
        else if (strcmp(line, "preferred-chain") == 0 && !opt->preferred_chain)
            opt->preferred_chain = value;
        else if (strcmp(line, "key-type") == 0 && !opt->key_type)
            opt->key_type = value;
        else if (strcmp(line, "pre-authorize") == 0 && !strcmp(value, "1"))
            opt->pre_authorize = 1;
        else if (strcmp(line, "cert-key") == 0 && !opt->cert_key)
            opt->cert_key = value;
        else if (strcmp(line, "name") == 0 && !have_ids)
            (void)cli_add_identifier(opt, ACME5G_ID_DNS, value);
        else if (strcmp(line, "ip") == 0 && !have_ids)
            (void)cli_add_identifier(opt, ACME5G_ID_IP, value);
        else if (strcmp(line, "uri") == 0 && !have_ids)
            (void)cli_add_identifier(opt, ACME5G_ID_URI, value);
        else if (strcmp(line, "nf-instance-id") == 0 && !have_ids)
            (void)cli_add_identifier(opt, ACME5G_ID_NF_INSTANCE, value);
        else if (strcmp(line, "ta-url") == 0 && !opt->ta_url && !opt->ta_hook)
            opt->ta_url = value;
        else if (strcmp(line, "ta-cert") == 0 && !opt->ta_cert && !opt->ta_hook)
            opt->ta_cert = value;
        else if (strcmp(line, "ta-key") == 0 && !opt->ta_key && !opt->ta_hook)
            opt->ta_key = value;
        else if (strcmp(line, "ta-ca") == 0 && !opt->ta_ca && !opt->ta_hook)
            opt->ta_ca = value;
        else if (strcmp(line, "ta-hook") == 0 && !opt->ta_hook && !opt->ta_url)
            opt->ta_hook = value;
        else if (strcmp(line, "last-error") == 0)
            rs->last_error = value;
        else if (cli_parse_number(value, 0, 4294967295ul, &n) != 0) /* jitter-seed: any uint32 */
            continue;
        else if (strcmp(line, "http-port") == 0 && !opt->http_port && n <= 65535)
            opt->http_port = n;
        else if (strcmp(line, "tls-port") == 0 && !opt->tls_port && n <= 65535)
            opt->tls_port = n;
        else if (strcmp(line, "wait-timer") == 0 && !opt->have_wait_timer && n <= 86400)
            opt->wait_timer_s = n, opt->have_wait_timer = 1;
        else if (strcmp(line, "max-orders") == 0 && !opt->have_max_orders && n >= 1 && n <= 100)
            opt->max_orders = n, opt->have_max_orders = 1;
        else if (strcmp(line, "renew-permille") == 0 && !opt->have_permille && n >= 1 && n <= 1000)
            opt->renew_permille = n, opt->have_permille = 1;
        else if (strcmp(line, "renew-before") == 0 && !opt->have_before)
            opt->renew_before_s = n, opt->have_before = 1;
        else if (strcmp(line, "jitter") == 0 && !opt->have_jitter)
            opt->jitter_s = n, opt->have_jitter = 1;
        else if (strcmp(line, "jitter-seed") == 0)
            rs->policy.jitter_seed = (uint32_t)n;
        else if (strcmp(line, "failures") == 0)
            rs->policy.failures = (uint32_t)n;
        else if (strcmp(line, "last-failure") == 0)
            rs->policy.last_failure_s = (int64_t)n;
        else if (strcmp(line, "last-success") == 0)
            rs->last_success_s = (int64_t)n;
    }
    return 0;
}

static int cli_load_settings(cli_options *opt, cli_renew_state *rs)
{
    return cli_load_settings_into(opt, rs, cli_settings_buf, sizeof cli_settings_buf);
}

/* Why the settings of DIR could not be loaded: absent (not enrolled), or
 * not readable (permissions: another user's state).  Returns
 * CLI_EXIT_FAILURE. */
static int cli_no_settings(const char *state_dir)
{
    char path[CLI_PATH_MAX];
    size_t len;
    int rc;

    if (cli_join_path(path, sizeof path, state_dir, CLI_SETTINGS) != 0)
        return cli_usage_error("--state path too long", state_dir);
    rc = acme5g_posix_read_file(path, cli_settings_buf, sizeof cli_settings_buf, &len);
    if (rc == ACME5G_PORT_NOT_FOUND)
        fprintf(stderr, "acme5g: no settings in %s: run enrol first\n", state_dir);
    else if (rc == ACME5G_PORT_TOO_LARGE)
        fprintf(stderr, "acme5g: settings %s: larger than %lu bytes\n", path,
                (unsigned long)sizeof cli_settings_buf - 1);
    else
        fprintf(stderr, "acme5g: cannot read the settings %s: %s\n", path,
                rc != 0 ? strerror(errno) : "unreadable");
    return CLI_EXIT_FAILURE;
}

/* Write the settings (and the renewal state) atomically through the port. */
static int cli_save_settings(const acme5g_port *port, const cli_options *opt,
                             const cli_renew_state *rs)
{
    static char out[16 * 1024];
    size_t len = 0, i;
    int n;
#define CLI_PUT(...)                                                            \
    do {                                                                        \
        n = snprintf(out + len, sizeof out - len, __VA_ARGS__);                 \
        if (n < 0 || (size_t)n >= sizeof out - len)                             \
            return -1;                                                          \
        len += (size_t)n;                                                       \
    } while (0)
    if (opt->via)
        CLI_PUT("via=%s\nclient-cert=%s\nclient-key=%s\n", opt->via, opt->client_cert,
                opt->client_key);
    else
        CLI_PUT("directory=%s\n", opt->directory_url);
    CLI_PUT("ca=%s\nhttp-port=%lu\ntls-port=%lu\n", opt->ca_file, opt->http_port,
            opt->tls_port);
    if (opt->contact)
        CLI_PUT("contact=%s\n", opt->contact);
    if (opt->challenge)
        CLI_PUT("challenge=%s\n", opt->challenge);
    if (opt->dns_hook)
        CLI_PUT("dns-hook=%s\n", opt->dns_hook);
    if (opt->deploy_hook && opt->deploy_hook[0])
        CLI_PUT("deploy-hook=%s\n", opt->deploy_hook);
    if (opt->preferred_chain)
        CLI_PUT("preferred-chain=%s\n", opt->preferred_chain);
    if (opt->key_type)
        CLI_PUT("key-type=%s\n", opt->key_type);
    if (opt->pre_authorize)
        CLI_PUT("pre-authorize=1\n");
    if (opt->cert_key)
        CLI_PUT("cert-key=%s\n", opt->cert_key);
    if (opt->ta_url)
        CLI_PUT("ta-url=%s\nta-cert=%s\nta-key=%s\nta-ca=%s\n", opt->ta_url, opt->ta_cert,
                opt->ta_key, opt->ta_ca);
    if (opt->ta_hook)
        CLI_PUT("ta-hook=%s\n", opt->ta_hook);
    for (i = 0; i < opt->identifier_count; i++)
        CLI_PUT("%s=%s\n",
                opt->identifiers[i].type == ACME5G_ID_IP            ? "ip"
                : opt->identifiers[i].type == ACME5G_ID_URI         ? "uri"
                : opt->identifiers[i].type == ACME5G_ID_NF_INSTANCE ? "nf-instance-id"
                                                                    : "name",
                opt->identifiers[i].value);
    CLI_PUT("wait-timer=%lu\nmax-orders=%lu\nrenew-permille=%lu\nrenew-before=%lu\njitter=%lu\n",
            opt->wait_timer_s, opt->max_orders, opt->renew_permille, opt->renew_before_s,
            opt->jitter_s);
    CLI_PUT("jitter-seed=%lu\nfailures=%lu\nlast-failure=%lld\n",
            (unsigned long)rs->policy.jitter_seed, (unsigned long)rs->policy.failures,
            (long long)rs->policy.last_failure_s);
    if (rs->last_success_s)
        CLI_PUT("last-success=%lld\n", (long long)rs->last_success_s);
    if (rs->last_error && rs->last_error[0])
        CLI_PUT("last-error=%s\n", rs->last_error);
#undef CLI_PUT
    for (i = 0; i < len; i++)
        if (out[i] == '\r')
            return -1;
    return port->store_write(port->user, CLI_SETTINGS, (const uint8_t *)out, len, 0) == 0 ? 0 : -1;
}

/* Defaults for the renewal settings the command line did not give. */
static void cli_default_renewal(cli_options *opt)
{
    acme5g_policy def;
    acme5g_policy_default(&def);
    if (!opt->have_max_orders)
        opt->max_orders = 3;
    if (!opt->have_permille)
        opt->renew_permille = def.renew_permille;
}

static void cli_policy(const cli_options *opt, acme5g_policy *p)
{
    acme5g_policy_default(p);
    p->renew_permille = (uint32_t)opt->renew_permille;
    p->renew_before_s = (uint32_t)opt->renew_before_s;
    p->jitter_s = (uint32_t)opt->jitter_s;
}

static void cli_format_time(int64_t unix_s, char *out, size_t cap);
static void cli_write_metrics(const char *state_dir, const char *path);

static const char *cli_reason_text(acme5g_renew_reason reason)
{
    switch (reason) {
    case ACME5G_REASON_LIFETIME: return "share of the lifetime";
    case ACME5G_REASON_BEFORE_EXPIRY: return "time before expiry";
    case ACME5G_REASON_EXPIRED: return "certificate expired";
    case ACME5G_REASON_BACKOFF: return "waiting after a failed attempt";
    case ACME5G_REASON_ARI: return "the server's renewal window (ARI)";
    case ACME5G_REASON_REVOKED: return "certificate revoked";
    case ACME5G_REASON_NO_CERT: return "no usable certificate";
    }
    return "?";
}

/* When revoke recorded that the stored certificate was revoked: the time,
 * or 0.  The mark belongs to the serial it revoked ("serial=" line); a
 * note without one (older versions) counts for a certificate issued
 * before the revocation. */
static long long cli_revoked_at(const char *state_dir, const acme5g_cert_summary *info,
                                int *reason)
{
    char path[CLI_PATH_MAX], note[256];
    const char *serial;
    size_t len, n;
    long long when = 0;
    if (cli_join_path(path, sizeof path, state_dir, "cert.revoked") != 0 ||
        acme5g_posix_read_file(path, note, sizeof note - 1, &len) != 0)
        return 0;
    note[len] = '\0';
    if (sscanf(note, "reason=%d\ntime=%lld", reason, &when) != 2)
        return 0;
    serial = strstr(note, "\nserial=");
    if (serial == NULL)
        return when < info->not_before_s ? 0 : when;
    serial += strlen("\nserial=");
    n = strcspn(serial, "\n");
    return n == strlen(info->serial_hex) && strncmp(serial, info->serial_hex, n) == 0 ? when : 0;
}

/* Ask the library's renewal decision (acme5g_renewal_decide) about the
 * stored certificate: the policy, the revoked mark, the failures, and with
 * `ari` the server's renewal window (RFC 9773) where the directory offers
 * it (cli_ctx must hold the trust anchors then).  Returns 1 (due), 0 (not
 * due), -1 (no usable certificate: due as *when says); *when and
 * *reason_out are set in every case. */
static int cli_renewal_due(const cli_options *opt, const cli_renew_state *rs, int64_t now,
                           int64_t *when, acme5g_renew_reason *reason_out, int ari)
{
    static char pem[CLI_FILE_MAX];
    char path[CLI_PATH_MAX];
    acme5g_cert_summary info;
    acme5g_renewal_window window;
    const acme5g_renewal_window *w = NULL;
    acme5g_policy policy;
    size_t len;
    int have, revoked = 0, reason, r;

    have = cli_join_path(path, sizeof path, opt->state_dir, ACME5G_STORE_CERT) == 0 &&
           acme5g_posix_read_file(path, pem, sizeof pem, &len) == 0 &&
           acme5g_cert_info(pem, len, &info) == ACME5G_OK;
    if (have)
        revoked = cli_revoked_at(opt->state_dir, &info, &reason) != 0;
    if (ari && have && !revoked && now < info.not_after_s && opt->directory_url && !opt->via &&
        acme5g_renewal_info(&cli_ctx, opt->directory_url, 30, &window) == ACME5G_OK)
        w = &window; /* else no ARI answer: the local policy decides */
    cli_policy(opt, &policy);
    r = acme5g_renewal_decide(&policy, have ? &info : NULL, revoked, w, &rs->policy, now, when,
                              reason_out);
    if (r < 0 || !have) {
        if (r < 0) {
            *when = now;
            *reason_out = ACME5G_REASON_NO_CERT;
        }
        return -1;
    }
    return r;
}

/* In a forked child before exec: the default signal mask and actions
 * (run blocks SIGTERM and SIGINT outside its sleep). */
static void cli_child_signals(void)
{
    sigset_t none;
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Wait for a child; its exit status, or -1 when it did not exit normally
 * (killed by a signal) or cannot be waited for. */
static int cli_wait_child(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* dns-01 through an operator command: `CMD add NAME VALUE` before the
 * validation and `CMD del NAME VALUE` after it; exit status 0 = done. */
static const char *cli_dns_hook_cmd;

static int cli_dns_txt(void *user, const char *name, const char *value, int present)
{
    (void)user;
    return acme5g_posix_dns_hook(cli_dns_hook_cmd, name, value, present);
}

/* tkauth-01 through an operator command (--ta-hook): it prints the token. */
static const char *cli_ta_hook_cmd;
static uint32_t cli_ta_hook_timeout_ms = 60000; /* and at most --timeout */

static int cli_authority_token(void *user, const char *type, const char *value,
                               const char *fingerprint, const char *authority, char *token,
                               size_t cap)
{
    (void)user;
    return acme5g_posix_token_hook(cli_ta_hook_cmd, type, value, fingerprint, authority, token,
                                   cap, cli_ta_hook_timeout_ms);
}

/* --deploy-hook: `sh -c CMD` once a new certificate is stored, with
 * ACME5G_STATE (the state directory), ACME5G_CERT (the chain) and
 * ACME5G_KEY (its key) in the environment.  Returns the exit status (0 =
 * done), or -1 when it could not run or was killed. */
static int cli_deploy_hook(const cli_options *opt)
{
    char cert[CLI_PATH_MAX], key[CLI_PATH_MAX];
    pid_t pid;

    if (cli_join_path(cert, sizeof cert, opt->state_dir, ACME5G_STORE_CERT) != 0 ||
        cli_join_path(key, sizeof key, opt->state_dir, ACME5G_STORE_CERT_KEY) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        cli_child_signals();
        if (setenv("ACME5G_STATE", opt->state_dir, 1) != 0 ||
            setenv("ACME5G_CERT", cert, 1) != 0 ||
            setenv("ACME5G_KEY", opt->cert_key ? opt->cert_key : key, 1) != 0)
            _exit(126);
        dup2(2, 1);
        execl("/bin/sh", "sh", "-c", opt->deploy_hook, (char *)NULL);
        _exit(127);
    }
    return cli_wait_child(pid);
}

/* --cert-key FILE: an existing certificate key, standing in for a secure
 * element.  The library gets only its public key and a sign callback. */
static struct {
    br_ec_private_key sk;
    unsigned char priv[BR_EC_KBUF_PRIV_MAX_SIZE];
    unsigned char pub[BR_EC_KBUF_PUB_MAX_SIZE];
    unsigned char der[512];
    size_t der_len;
} cli_ext_key;

static void cli_pem_append(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    if (len <= sizeof cli_ext_key.der - cli_ext_key.der_len) {
        memcpy(cli_ext_key.der + cli_ext_key.der_len, data, len);
        cli_ext_key.der_len += len;
    } else {
        cli_ext_key.der_len = sizeof cli_ext_key.der + 1;
    }
}

static size_t cli_ext_sign(void *user, const uint8_t *digest, size_t digest_len, uint8_t *sig,
                           size_t sig_cap)
{
    (void)user;
    if (sig_cap < 112)
        return 0;
    return br_ecdsa_i31_sign_asn1(br_ec_get_default(),
                                  digest_len == 48 ? &br_sha384_vtable : &br_sha256_vtable,
                                  digest, &cli_ext_key.sk, sig);
}

/* Load FILE into *signer; 0 or -1 (after printing why). */
static int cli_load_cert_key(const char *path, acme5g_signer *signer)
{
    static char pem[8192];
    br_pem_decoder_context pc;
    br_skey_decoder_context dc;
    const br_ec_private_key *sk;
    size_t len, off = 0, pub_len;
    int rc = acme5g_posix_read_file(path, pem, sizeof pem, &len), in_key = 0, done = 0;

    if (rc != 0) {
        cli_report_read_error("certificate key", path, rc);
        return -1;
    }
    br_pem_decoder_init(&pc);
    cli_ext_key.der_len = 0;
    while (off < len && !done) {
        off += br_pem_decoder_push(&pc, pem + off, len - off);
        switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ:
            in_key = strstr(br_pem_decoder_name(&pc), "PRIVATE KEY") != NULL;
            br_pem_decoder_setdest(&pc, in_key ? cli_pem_append : NULL, NULL);
            break;
        case BR_PEM_END_OBJ:
            done = in_key;
            break;
        case BR_PEM_ERROR:
            off = len;
            break;
        }
    }
    memset(pem, 0, sizeof pem);
    br_skey_decoder_init(&dc);
    if (done && cli_ext_key.der_len <= sizeof cli_ext_key.der)
        br_skey_decoder_push(&dc, cli_ext_key.der, cli_ext_key.der_len);
    memset(cli_ext_key.der, 0, sizeof cli_ext_key.der);
    sk = done ? br_skey_decoder_get_ec(&dc) : NULL;
    if (sk == NULL || br_skey_decoder_last_error(&dc) != 0 ||
        (sk->curve != BR_EC_secp256r1 && sk->curve != BR_EC_secp384r1) ||
        sk->xlen > sizeof cli_ext_key.priv) {
        fprintf(stderr, "acme5g: certificate key %s: not an EC P-256/P-384 private key\n", path);
        return -1;
    }
    memcpy(cli_ext_key.priv, sk->x, sk->xlen);
    cli_ext_key.sk.curve = sk->curve;
    cli_ext_key.sk.x = cli_ext_key.priv;
    cli_ext_key.sk.xlen = sk->xlen;
    memset(&dc, 0, sizeof dc);
    {
        br_ec_public_key pk;
        pub_len = br_ec_compute_pub(br_ec_get_default(), &pk, cli_ext_key.pub, &cli_ext_key.sk);
    }
    if (pub_len == 0)
        return -1;
    memset(signer, 0, sizeof *signer);
    signer->type = cli_ext_key.sk.curve == BR_EC_secp384r1 ? ACME5G_KEY_P384 : ACME5G_KEY_P256;
    signer->public_key = cli_ext_key.pub;
    signer->public_key_len = pub_len;
    signer->sign = cli_ext_sign;
    return 0;
}

/* --client-cert/--client-key (for --via) or --ta-cert/--ta-key into the
 * context: our certificate for mutual TLS with the shared client or the
 * Token Authority.  0 or -1 (after printing why). */
static int cli_load_client_cert(const char *cert_path, const char *key_path)
{
    static char key_pem[8192];
    size_t cert_len, key_len;
    int rc;

    rc = acme5g_posix_read_file(cert_path, cli_file_buf, sizeof cli_file_buf, &cert_len);
    if (rc != 0) {
        cli_report_read_error("client certificate", cert_path, rc);
        return -1;
    }
    rc = acme5g_posix_read_file(key_path, key_pem, sizeof key_pem, &key_len);
    if (rc != 0) {
        cli_report_read_error("client key", key_path, rc);
        return -1;
    }
    rc = acme5g_set_own_cert(&cli_ctx, cli_file_buf, cert_len, key_pem, key_len);
    memset(key_pem, 0, sizeof key_pem);
    if (rc == ACME5G_ERR_KEY)
        fprintf(stderr, "acme5g: client key %s: not an EC P-256/P-384 private key\n",
                key_path);
    else if (rc != ACME5G_OK)
        fprintf(stderr, "acme5g: client certificate %s: %s\n", cert_path,
                acme5g_strerror(rc));
    return rc == ACME5G_OK ? 0 : -1;
}

/* --ta-url's credentials: the Token Authority's CA and our client
 * certificate for it.  0 or -1 (after printing why). */
static int cli_load_token_authority(const cli_options *opt)
{
    size_t len;
    int rc = acme5g_posix_read_file(opt->ta_ca, cli_file_buf, sizeof cli_file_buf, &len);
    if (rc != 0) {
        cli_report_read_error("token authority CA file", opt->ta_ca, rc);
        return -1;
    }
    rc = acme5g_add_authority_anchors_pem(&cli_ctx, cli_file_buf, len);
    if (rc != ACME5G_OK) {
        fprintf(stderr, "acme5g: token authority CA file %s: %s\n", opt->ta_ca,
                acme5g_strerror(rc));
        return -1;
    }
    return cli_load_client_cert(opt->ta_cert, opt->ta_key);
}

/* The rest of the one-line failure report of enrol/renew --via: the shared
 * client's problem document as for ACME (cli_report_failure), or what a
 * refused handshake most likely means.  A BearSSL server that rejects the
 * client certificate may just close the connection, without an alert. */
static void cli_report_via_failure(int err)
{
    int tls_error = acme5g_last_tls_error(&cli_ctx);

    cli_failure_text(err, cli_last_error, sizeof cli_last_error);
    if (err >= ACME5G_ERR_TLS && err < ACME5G_ERR_HTTP && tls_error >= BR_ERR_RECV_FATAL_ALERT &&
        tls_error < BR_ERR_RECV_FATAL_ALERT + 256) {
        fprintf(stderr, "the shared client refused the TLS handshake with alert %d: our client "
                        "certificate is missing or not issued by its bootstrap CA (BearSSL "
                        "error %d)\n",
                tls_error - BR_ERR_RECV_FATAL_ALERT, tls_error);
        return;
    }
    if ((err == ACME5G_ERR_NET_CLOSED || err == ACME5G_ERR_NET) && tls_error == 0) {
        fprintf(stderr, "%s: the shared client closed the connection without an answer; most "
                        "likely it refused our client certificate (not issued by its "
                        "bootstrap CA)\n",
                acme5g_strerror(err));
        return;
    }
    cli_report_failure(err);
}

/* cert.key.new, a second copy of the certificate key, is needed only
 * while a pair is being replaced (acme5g_repair_pair) and as the key of an
 * order a killed run finalized (the next run resumes it): remove it once
 * the library said the pair is complete -- after a success, or after a
 * repair when no order is pending (order.url absent or empty; after_repair). */
static void cli_drop_key_copy(const char *state_dir, int after_repair)
{
    char path[CLI_PATH_MAX], url[16];
    size_t len = 0;

    if (after_repair) {
        int rc = cli_join_path(path, sizeof path, state_dir, ACME5G_STORE_ORDER_URL) != 0
                     ? ACME5G_PORT_ERROR
                     : acme5g_posix_read_file(path, url, sizeof url, &len);
        if (rc != ACME5G_PORT_NOT_FOUND && (rc != 0 || len != 0))
            return; /* an order may still need the key (or order.url is unreadable) */
    }
    if (cli_join_path(path, sizeof path, state_dir, ACME5G_STORE_CERT_KEY_NEW) == 0 &&
        unlink(path) != 0 && errno != ENOENT)
        fprintf(stderr, "acme5g: warning: cannot remove %s: %s\n", path, strerror(errno));
}

/* enrol on a state that holds settings: refused with CLI_EXIT_NOTHING
 * while its certificate is valid (not expired, not revoked) unless
 * --force; otherwise what the command line does not replace is kept (the
 * deploy hook, the renewal policy, the jitter seed, the contact).
 * Returns 0 or an exit status (after printing why); *kept_seed is 1 when
 * the stored jitter seed is in rs. */
static int cli_enrol_prior(cli_options *opt, cli_renew_state *rs, int *kept_seed)
{
    static char prior_buf[sizeof cli_settings_buf];
    static char pem[CLI_FILE_MAX];
    char path[CLI_PATH_MAX], until[48];
    cli_options prior;
    cli_renew_state prior_rs;
    acme5g_cert_summary info;
    size_t len;
    int reason;

    *kept_seed = 0;
    memset(&prior, 0, sizeof prior);
    prior.state_dir = opt->state_dir;
    if (cli_load_settings_into(&prior, &prior_rs, prior_buf, sizeof prior_buf) != 0)
        return 0; /* a new state */
    if (!opt->force && cli_join_path(path, sizeof path, opt->state_dir, ACME5G_STORE_CERT) == 0 &&
        acme5g_posix_read_file(path, pem, sizeof pem, &len) == 0 &&
        acme5g_cert_info(pem, len, &info) == ACME5G_OK && (int64_t)time(NULL) < info.not_after_s &&
        !cli_revoked_at(opt->state_dir, &info, &reason)) {
        cli_format_time(info.not_after_s, until, sizeof until);
        printf("acme5g: %s is enrolled (%s, valid until %s): use renew, or enrol --force to "
               "replace it\n", opt->state_dir, info.names, until);
        return CLI_EXIT_NOTHING;
    }
    if (!opt->deploy_hook)
        opt->deploy_hook = prior.deploy_hook;
    if (!opt->contact)
        opt->contact = prior.contact;
    if (!opt->have_jitter && prior.have_jitter)
        opt->jitter_s = prior.jitter_s, opt->have_jitter = 1;
    if (!opt->have_permille && prior.have_permille)
        opt->renew_permille = prior.renew_permille, opt->have_permille = 1;
    if (!opt->have_before && prior.have_before)
        opt->renew_before_s = prior.renew_before_s, opt->have_before = 1;
    if (!opt->have_wait_timer && prior.have_wait_timer)
        opt->wait_timer_s = prior.wait_timer_s, opt->have_wait_timer = 1;
    if (!opt->have_max_orders && prior.have_max_orders)
        opt->max_orders = prior.max_orders, opt->have_max_orders = 1;
    rs->policy.jitter_seed = prior_rs.policy.jitter_seed;
    *kept_seed = 1;
    return 0;
}

/* enrol and renew: the same steps, renew with the stored account.
 * CLI_RENEW_NOW is run's renewal: renew as with --force, and a failed
 * deploy hook is reported but does not make the renewal fail. */
#define CLI_ENROL 0
#define CLI_RENEW 1
#define CLI_RENEW_NOW 2
static int cli_obtain(int argc, char **argv, int mode)
{
    int renew = mode != CLI_ENROL;
    const char *verb = renew ? "renew" : "enrol";
    cli_options opt, stored;
    cli_renew_state rs, stored_rs;
    acme5g_port port;
    acme5g_enrol_params params;
    char cert_path[CLI_PATH_MAX];
    size_t ca_len;
    int rc, have_stored = 0, store_paths, kept_seed = 0;
    static char stored_buf[sizeof cli_settings_buf];

    rc = cli_parse(argc, argv, 2, &opt);
    if (rc != 0)
        return rc;
    memset(&rs, 0, sizeof rs);
    if (renew) {
        if (opt.state_dir == NULL)
            return cli_usage_error("renew needs --state", NULL);
        if ((rc = cli_lock_state(opt.state_dir)) != 0)
            return rc;
        if (cli_load_settings(&opt, &rs) != 0)
            return cli_no_settings(opt.state_dir);
        /* the stored settings alone: what is saved unless --save */
        memset(&stored, 0, sizeof stored);
        stored.state_dir = opt.state_dir;
        have_stored = cli_load_settings_into(&stored, &stored_rs, stored_buf,
                                             sizeof stored_buf) == 0;
        if (have_stored)
            cli_default_renewal(&stored);
    }
    store_paths = !renew || opt.save;
    cli_default_renewal(&opt);
    if (opt.via != NULL && opt.directory_url != NULL)
        return cli_usage_error("--via and --directory exclude each other", NULL);
    if (opt.via == NULL && (opt.client_cert != NULL || opt.client_key != NULL))
        return cli_usage_error("--client-cert and --client-key go with --via", NULL);
    if (opt.via != NULL && (opt.client_cert == NULL || opt.client_key == NULL))
        return cli_usage_error("--via needs --client-cert and --client-key", NULL);
    if (opt.via != NULL && opt.eab_kid != NULL)
        return cli_usage_error("--eab-kid goes to an ACME server, not with --via", NULL);
    if ((opt.directory_url == NULL && opt.via == NULL) || opt.ca_file == NULL ||
        opt.state_dir == NULL)
        return cli_usage_error("enrol needs --directory (or --via), --ca and --state", NULL);
    if (opt.identifier_count == 0)
        return cli_usage_error("enrol needs at least one --name or --ip", NULL);
    if (!opt.eab_kid != !opt.eab_hmac_key)
        return cli_usage_error("--eab-kid and --eab-hmac-key go together", NULL);
    if (opt.challenge && strcmp(opt.challenge, "dns-01") == 0 && !opt.dns_hook)
        return cli_usage_error("--challenge dns-01 needs --dns-hook CMD", NULL);
    if (opt.ta_url && opt.ta_hook)
        return cli_usage_error("--ta-url and --ta-hook exclude each other", NULL);
    if (opt.ta_url && (!opt.ta_cert || !opt.ta_key || !opt.ta_ca))
        return cli_usage_error("--ta-url needs --ta-cert, --ta-key and --ta-ca", NULL);
    if (!opt.ta_url && (opt.ta_cert || opt.ta_key || opt.ta_ca))
        return cli_usage_error("--ta-cert, --ta-key and --ta-ca go with --ta-url", NULL);
    if (opt.via == NULL && !opt.ta_url && !opt.ta_hook) {
        size_t k;
        for (k = 0; k < opt.identifier_count; k++)
            if (opt.identifiers[k].type == ACME5G_ID_NF_INSTANCE)
                return cli_usage_error("--nf-instance-id needs --ta-url (with --ta-cert, "
                                       "--ta-key, --ta-ca) or --ta-hook", NULL);
    }
    if (opt.via != NULL && (opt.ta_url || opt.ta_hook))
        return cli_usage_error("--ta-url/--ta-hook go to an ACME server, not with --via", NULL);
    if (cli_join_path(cert_path, sizeof cert_path, opt.state_dir, ACME5G_STORE_CERT) != 0)
        return cli_usage_error("--state path too long", opt.state_dir);

    rc = acme5g_posix_ensure_dir(opt.state_dir);
    if (rc == EPERM) {
        fprintf(stderr, "acme5g: state directory %s must be owned by you and not "
                        "writable by group or others\n", opt.state_dir);
        return CLI_EXIT_FAILURE;
    }
    if (rc != 0) {
        fprintf(stderr, "acme5g: state directory %s: %s\n", opt.state_dir, strerror(rc));
        return CLI_EXIT_FAILURE;
    }
    if ((rc = cli_lock_state(opt.state_dir)) != 0)
        return rc;
    if (!renew && (rc = cli_enrol_prior(&opt, &rs, &kept_seed)) != 0)
        return rc;
    rc = acme5g_posix_read_file(opt.ca_file, cli_file_buf, sizeof cli_file_buf, &ca_len);
    if (rc != 0)
        return cli_report_read_error("CA file", opt.ca_file, rc);
    /* renew may run from another directory: the stored paths are absolute */
    if (store_paths && realpath(opt.ca_file, cli_ca_path) != NULL)
        opt.ca_file = cli_ca_path;
    if (store_paths && opt.via != NULL && realpath(opt.client_cert, cli_client_cert_path) != NULL)
        opt.client_cert = cli_client_cert_path;
    if (store_paths && opt.via != NULL && realpath(opt.client_key, cli_client_key_path) != NULL)
        opt.client_key = cli_client_key_path;
    if (store_paths && opt.cert_key != NULL) {
        static char cert_key_path[CLI_PATH_MAX];
        if (realpath(opt.cert_key, cert_key_path) != NULL)
            opt.cert_key = cert_key_path;
    }
    if (store_paths && opt.ta_url != NULL) {
        static char ta_paths[3][CLI_PATH_MAX];
        if (realpath(opt.ta_cert, ta_paths[0]) != NULL)
            opt.ta_cert = ta_paths[0];
        if (realpath(opt.ta_key, ta_paths[1]) != NULL)
            opt.ta_key = ta_paths[1];
        if (realpath(opt.ta_ca, ta_paths[2]) != NULL)
            opt.ta_ca = ta_paths[2];
    }

    /* No -v: silent port, so a failure prints only the one report line. */
    acme5g_posix_port(&cli_posix, opt.state_dir,
                      opt.verbose_count == 0 ? -1 : (opt.verbose_count > 3 ? 3 : opt.verbose_count),
                      &port);
    if (opt.dns_hook) {
        cli_dns_hook_cmd = opt.dns_hook;
        port.dns_txt = cli_dns_txt;
    }
    if (opt.ta_hook) {
        cli_ta_hook_cmd = opt.ta_hook;
        port.authority_token = cli_authority_token;
        if (opt.timeout_s && opt.timeout_s * 1000ul < cli_ta_hook_timeout_ms)
            cli_ta_hook_timeout_ms = (uint32_t)(opt.timeout_s * 1000ul);
    }
    rc = acme5g_init(&cli_ctx, &port);
    if (rc != ACME5G_OK) {
        fprintf(stderr, "acme5g: init failed: %s\n", acme5g_strerror(rc));
        return CLI_EXIT_FAILURE;
    }
    rc = acme5g_add_trust_anchors_pem(&cli_ctx, cli_file_buf, ca_len);
    if (rc != ACME5G_OK) {
        fprintf(stderr, "acme5g: CA file %s: %s\n", opt.ca_file, acme5g_strerror(rc));
        acme5g_wipe(&cli_ctx);
        return CLI_EXIT_FAILURE;
    }
    if (opt.via != NULL && cli_load_client_cert(opt.client_cert, opt.client_key) != 0) {
        acme5g_wipe(&cli_ctx);
        return CLI_EXIT_FAILURE;
    }
    if (opt.ta_url != NULL && cli_load_token_authority(&opt) != 0) {
        acme5g_wipe(&cli_ctx);
        return CLI_EXIT_FAILURE;
    }

    /* a pair replacement cut short by a crash is finished first */
    if (!opt.cert_key && acme5g_repair_pair(&cli_ctx) != ACME5G_OK)
        fprintf(stderr, "acme5g: warning: %s: the stored certificate and key do not match\n",
                opt.state_dir);
    else if (!opt.cert_key)
        cli_drop_key_copy(opt.state_dir, 1);
    if (mode == CLI_RENEW && !opt.force) {
        int64_t when = 0;
        acme5g_renew_reason reason = ACME5G_REASON_LIFETIME;
        char when_text[48];
        if (cli_renewal_due(&opt, &rs, (int64_t)time(NULL), &when, &reason, 1) == 0) {
            cli_format_time(when, when_text, sizeof when_text);
            printf("acme5g: renewal not due until %s (%s)\n", when_text, cli_reason_text(reason));
            acme5g_wipe(&cli_ctx);
            if (opt.metrics_file)
                cli_write_metrics(opt.state_dir, opt.metrics_file);
            return CLI_EXIT_NOTHING;
        }
    }

    memset(&params, 0, sizeof params);
    if (opt.cert_key) {
        static acme5g_signer signer;
        if (cli_load_cert_key(opt.cert_key, &signer) != 0) {
            acme5g_wipe(&cli_ctx);
            return CLI_EXIT_FAILURE;
        }
        params.cert_signer = &signer;
    }
    params.directory_url = opt.via != NULL ? opt.via : opt.directory_url;
    params.identifiers = opt.identifiers;
    params.identifier_count = opt.identifier_count;
    params.contact = opt.contact;
    params.http_port = (uint16_t)opt.http_port;
    params.timeout_s = (uint32_t)opt.timeout_s;
    params.wait_timer_s = (uint32_t)opt.wait_timer_s;
    params.max_orders = (unsigned)opt.max_orders;
    params.challenge = !opt.challenge ? ACME5G_CHALLENGE_HTTP01
                       : strcmp(opt.challenge, "dns-01") == 0 ? ACME5G_CHALLENGE_DNS01
                       : strcmp(opt.challenge, "tls-alpn-01") == 0 ? ACME5G_CHALLENGE_TLSALPN01
                       : ACME5G_CHALLENGE_HTTP01;
    params.tls_port = (uint16_t)opt.tls_port;
    params.preferred_chain = opt.preferred_chain;
    params.pre_authorize = opt.pre_authorize;
    params.account_key_type = params.cert_key_type =
        (opt.key_type && strcmp(opt.key_type, "p384") == 0) ? ACME5G_KEY_P384 : ACME5G_KEY_P256;
    params.eab_kid = opt.eab_kid;
    params.eab_hmac_key = opt.eab_hmac_key;
    params.token_authority_url = opt.ta_url;

    if (opt.via != NULL)
        rc = acme5g_enrol_via(&cli_ctx, &params); /* a renewal too: the same request */
    else
        rc = renew ? acme5g_renew(&cli_ctx, &params) : acme5g_enrol(&cli_ctx, &params);
    if (rc != ACME5G_OK) {
        fprintf(stderr, "acme5g: %s failed: ", verb);
        if (opt.via != NULL)
            cli_report_via_failure(rc);
        else
            cli_report_failure(rc);
        rs.policy.failures++;
        rs.policy.last_failure_s = (int64_t)time(NULL);
        rs.last_error = cli_last_error;
    } else {
        if (!opt.cert_key)
            cli_drop_key_copy(opt.state_dir, 0); /* the new pair is complete */
        printf("acme5g: certificate for %s stored in %s\n", opt.identifiers[0].value, cert_path);
        rs.policy.failures = 0;
        rs.last_success_s = (int64_t)time(NULL);
    }
    if (!renew && !kept_seed) {
        uint8_t seed[4];
        if (port.entropy(port.user, seed, sizeof seed) == 0)
            rs.policy.jitter_seed = ((uint32_t)seed[0] << 24) | ((uint32_t)seed[1] << 16) |
                                    ((uint32_t)seed[2] << 8) | seed[3];
    }
    /* enrol keeps its settings once it succeeded; renew records each
     * attempt's result with the stored settings, and the options given
     * only with --save after a success (one-off options stay one-off) */
    {
        const cli_options *to_save = NULL;
        if (rc == ACME5G_OK && (!renew || opt.save))
            to_save = &opt;
        else if (renew)
            to_save = have_stored ? &stored : NULL;
        if ((renew || rc == ACME5G_OK) &&
            (to_save == NULL || cli_save_settings(&port, to_save, &rs) != 0)) {
            fprintf(stderr, "acme5g: could not store the settings in %s\n", opt.state_dir);
            if (rc == ACME5G_OK)
                rc = ACME5G_ERR_STORAGE_WRITE;
        }
    }
    acme5g_wipe(&cli_ctx);
    if (opt.metrics_file)
        cli_write_metrics(opt.state_dir, opt.metrics_file);
    /* the new pair is in place: let the NF pick it up */
    if (rc == ACME5G_OK && opt.deploy_hook && opt.deploy_hook[0]) {
        int st = cli_deploy_hook(&opt);
        if (st != 0) {
            if (st < 0)
                fprintf(stderr, "acme5g: deploy hook could not run or was killed; ");
            else
                fprintf(stderr, "acme5g: deploy hook exited %d; ", st);
            fprintf(stderr, "the new certificate is stored in %s\n", cert_path);
            if (mode != CLI_RENEW_NOW)
                return CLI_EXIT_HOOK;
        }
    }
    return rc == ACME5G_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

/* account deactivate|rollover|contact, and revoke: one request on the
 * stored account, with the directory and CA of the stored settings. */
static int cli_account_op(int argc, char **argv, const char *op)
{
    cli_options opt;
    cli_renew_state rs;
    acme5g_port port;
    size_t ca_len;
    int rc, first = strcmp(op, "revoke") == 0 ? 2 : 3;
    int reason = -1, with_cert_key = 0, i;
    acme5g_cert_summary revoked;
    char *args[64];
    int nargs = 0;

    /* revoke's own flags, then the common ones */
    for (i = 0; i < argc && nargs < 64; i++) {
        unsigned long n;
        if (i >= first && strcmp(argv[i], "--with-cert-key") == 0) {
            with_cert_key = 1;
        } else if (i >= first && strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
            if (cli_parse_number(argv[++i], 0, 10, &n) != 0)
                return cli_usage_error("--reason must be 0..10", argv[i]);
            reason = (int)n;
        } else {
            args[nargs++] = argv[i];
        }
    }
    rc = cli_parse(nargs, args, first, &opt);
    if (rc != 0)
        return rc;
    if (opt.state_dir == NULL)
        return cli_usage_error("needs --state", NULL);
    if ((rc = cli_lock_state(opt.state_dir)) != 0)
        return rc;
    if (cli_load_settings(&opt, &rs) == 0 && opt.via != NULL && !opt.directory_url) {
        fprintf(stderr, "acme5g: %s was enrolled through the shared client %s, which holds "
                        "the ACME account: %s it there\n", opt.state_dir, opt.via, op);
        return CLI_EXIT_FAILURE;
    }
    if (!opt.directory_url || !opt.ca_file)
        return cli_no_settings(opt.state_dir);
    rc = acme5g_posix_read_file(opt.ca_file, cli_file_buf, sizeof cli_file_buf, &ca_len);
    if (rc != 0)
        return cli_report_read_error("CA file", opt.ca_file, rc);
    acme5g_posix_port(&cli_posix, opt.state_dir,
                      opt.verbose_count == 0 ? -1 : (opt.verbose_count > 3 ? 3 : opt.verbose_count),
                      &port);
    if ((rc = acme5g_init(&cli_ctx, &port)) != ACME5G_OK ||
        (rc = acme5g_add_trust_anchors_pem(&cli_ctx, cli_file_buf, ca_len)) != ACME5G_OK) {
        fprintf(stderr, "acme5g: %s\n", acme5g_strerror(rc));
        return CLI_EXIT_FAILURE;
    }
    if (strcmp(op, "revoke") == 0) {
        /* the serial the revocation mark will belong to */
        static char pem[CLI_FILE_MAX];
        char path[CLI_PATH_MAX];
        size_t len;
        if (cli_join_path(path, sizeof path, opt.state_dir, ACME5G_STORE_CERT) != 0 ||
            acme5g_posix_read_file(path, pem, sizeof pem, &len) != 0 ||
            acme5g_cert_info(pem, len, &revoked) != ACME5G_OK)
            revoked.serial_hex[0] = '\0';
    }
    if (strcmp(op, "deactivate") == 0)
        rc = acme5g_account_deactivate(&cli_ctx, opt.directory_url, (uint32_t)opt.timeout_s);
    else if (strcmp(op, "rollover") == 0)
        rc = acme5g_account_rollover(&cli_ctx, opt.directory_url, (uint32_t)opt.timeout_s);
    else if (strcmp(op, "contact") == 0)
        rc = acme5g_account_update_contact(&cli_ctx, opt.directory_url, (uint32_t)opt.timeout_s,
                                           opt.contact);
    else
        rc = acme5g_revoke(&cli_ctx, opt.directory_url, (uint32_t)opt.timeout_s, reason,
                           with_cert_key);
    if (rc != ACME5G_OK) {
        fprintf(stderr, "acme5g: %s failed: ", op);
        cli_report_failure(rc);
    } else if (strcmp(op, "revoke") == 0) {
        /* status reports it from this note */
        char note[160];
        int n = snprintf(note, sizeof note, "reason=%d\ntime=%lld\nserial=%s\n", reason,
                         (long long)time(NULL), revoked.serial_hex);
        if (port.store_write(port.user, "cert.revoked", (const uint8_t *)note, (size_t)n, 0) != 0)
            fprintf(stderr, "acme5g: could not record the revocation in %s\n", opt.state_dir);
        printf("acme5g: certificate in %s revoked\n", opt.state_dir);
    } else {
        printf("acme5g: account %s: done\n", op);
    }
    acme5g_wipe(&cli_ctx);
    memset(&cli_ext_key, 0, sizeof cli_ext_key);
    return rc == ACME5G_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

/* Unix seconds as RFC 3339 UTC, e.g. 2026-11-23T21:00:00Z. */
static void cli_format_time(int64_t unix_s, char *out, size_t cap)
{
    time_t t = (time_t)unix_s;
    struct tm tm;

    if ((int64_t)t != unix_s || gmtime_r(&t, &tm) == NULL ||
        strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, cap, "%lld (unix seconds)", (long long)unix_s);
}

/* Everything status reports about a state directory, gathered once for
 * the three formats (text, JSON, Prometheus). */
typedef struct cli_state_info {
    int have_cert;                /* cert.pem parsed */
    acme5g_cert_summary cert;
    long long revoked_at;         /* 0: not revoked */
    int revoked_reason;           /* -1: none given */
    int have_settings;
    cli_renew_state rs;
    int have_due;                 /* the policy answered */
    int64_t now, when;
    const char *reason;           /* a token: lifetime, before-expiry, expired, ... */
    const char *reason_text;      /* as the text status says it */
} cli_state_info;

static const char *cli_reason_token(acme5g_renew_reason reason)
{
    switch (reason) {
    case ACME5G_REASON_LIFETIME: return "lifetime";
    case ACME5G_REASON_BEFORE_EXPIRY: return "before-expiry";
    case ACME5G_REASON_EXPIRED: return "expired";
    case ACME5G_REASON_BACKOFF: return "backoff";
    case ACME5G_REASON_ARI: return "ari";
    case ACME5G_REASON_REVOKED: return "revoked";
    case ACME5G_REASON_NO_CERT: return "no-certificate";
    }
    return "unknown";
}

/* Fill *si from DIR (offline: the local policy, no ARI).  Returns 0, or
 * the port's read error for cert.pem (ACME5G_PORT_NOT_FOUND: none). */
static int cli_gather(const char *state_dir, cli_state_info *si)
{
    static char pem[CLI_FILE_MAX];
    static char buf[sizeof cli_settings_buf];
    char path[CLI_PATH_MAX];
    cli_options o;
    acme5g_renew_reason reason = ACME5G_REASON_LIFETIME;
    size_t len;
    int rc;

    memset(si, 0, sizeof *si);
    si->revoked_reason = -1;
    si->now = (int64_t)time(NULL);
    si->reason = "no-certificate";
    si->reason_text = "no usable certificate";
    memset(&o, 0, sizeof o);
    o.state_dir = state_dir;
    si->have_settings = cli_load_settings_into(&o, &si->rs, buf, sizeof buf) == 0;
    if (cli_join_path(path, sizeof path, state_dir, ACME5G_STORE_CERT) != 0)
        return ACME5G_PORT_ERROR;
    rc = acme5g_posix_read_file(path, pem, sizeof pem, &len);
    if (rc != 0)
        return rc;
    if (acme5g_cert_info(pem, len, &si->cert) != ACME5G_OK)
        return 0; /* have_cert stays 0 */
    si->have_cert = 1;
    si->revoked_at = cli_revoked_at(state_dir, &si->cert, &si->revoked_reason);
    if (si->have_settings) {
        cli_default_renewal(&o);
        if (cli_renewal_due(&o, &si->rs, si->now, &si->when, &reason, 0) >= 0) {
            si->have_due = 1;
            si->reason = cli_reason_token(reason);
            si->reason_text = cli_reason_text(reason);
        }
    }
    return 0;
}

/* A JSON string (RFC 8259 escapes), or null for NULL. */
static void cli_json_str(FILE *out, const char *text)
{
    if (text == NULL) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (; *text; text++) {
        unsigned char c = (unsigned char)*text;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* An RFC 3339 time as a JSON string, or null for 0. */
static void cli_json_time(FILE *out, int64_t unix_s)
{
    char text[48];
    if (unix_s == 0) {
        fputs("null", out);
        return;
    }
    cli_format_time(unix_s, text, sizeof text);
    cli_json_str(out, text);
}

static void cli_print_json(FILE *out, const cli_state_info *si)
{
    const char *p = si->cert.names;

    fputs("{\"names\":[", out);
    while (si->have_cert && *p) {
        char name[sizeof si->cert.names];
        size_t n = strcspn(p, ",");
        memcpy(name, p, n);
        name[n] = '\0';
        cli_json_str(out, name);
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
        if (*p)
            fputc(',', out);
    }
    fputs("],\"serial\":", out);
    cli_json_str(out, si->have_cert ? si->cert.serial_hex : NULL);
    fputs(",\"issuer\":", out);
    cli_json_str(out, si->have_cert ? si->cert.issuer : NULL);
    fputs(",\"not_before\":", out);
    cli_json_time(out, si->have_cert ? si->cert.not_before_s : 0);
    fputs(",\"not_after\":", out);
    cli_json_time(out, si->have_cert ? si->cert.not_after_s : 0);
    fputs(",\"next_renewal\":", out);
    if (si->have_due)
        cli_json_time(out, si->when);
    else
        fputs("null", out); /* no certificate: "due" says it is due now */
    fputs(",\"renewal_reason\":", out);
    cli_json_str(out, si->reason);
    fprintf(out, ",\"due\":%s", !si->have_due || si->when <= si->now ? "true" : "false");
    fprintf(out, ",\"revoked\":%s", si->revoked_at ? "true" : "false");
    fprintf(out, ",\"failures\":%lu", (unsigned long)si->rs.policy.failures);
    fputs(",\"last_success\":", out);
    cli_json_time(out, si->rs.last_success_s);
    fputs(",\"last_failure\":", out);
    cli_json_time(out, si->rs.policy.last_failure_s);
    fputs(",\"last_error\":", out);
    cli_json_str(out, si->rs.last_error && si->rs.last_error[0] ? si->rs.last_error : NULL);
    fputs("}\n", out);
}

/* A Prometheus label value: \\, \" and \n escaped (text format 0.0.4). */
static void cli_prom_label(FILE *out, const char *text)
{
    for (; *text; text++) {
        if (*text == '\\' || *text == '"')
            fprintf(out, "\\%c", *text);
        else if (*text == '\n')
            fputs("\\n", out);
        else
            fputc(*text, out);
    }
}

static void cli_prom_metric(FILE *out, const char *name, const char *help, const char *state,
                            long long value)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n%s{state=\"", name, help, name, name);
    cli_prom_label(out, state);
    fprintf(out, "\"} %lld\n", value);
}

static void cli_print_prometheus(FILE *out, const char *state, const cli_state_info *si)
{
    cli_prom_metric(out, "acme5g_certificate_present",
                    "1 when the state holds a parsable certificate", state, si->have_cert);
    if (si->have_cert) {
        fputs("# HELP acme5g_certificate_info the stored certificate (value 1)\n"
              "# TYPE acme5g_certificate_info gauge\nacme5g_certificate_info{state=\"", out);
        cli_prom_label(out, state);
        fputs("\",serial=\"", out);
        cli_prom_label(out, si->cert.serial_hex);
        fputs("\",issuer=\"", out);
        cli_prom_label(out, si->cert.issuer);
        fputs("\",names=\"", out);
        cli_prom_label(out, si->cert.names);
        fputs("\"} 1\n", out);
        cli_prom_metric(out, "acme5g_certificate_not_before_seconds",
                        "notBefore of the stored certificate (Unix seconds)", state,
                        (long long)si->cert.not_before_s);
        cli_prom_metric(out, "acme5g_certificate_not_after_seconds",
                        "notAfter of the stored certificate (Unix seconds)", state,
                        (long long)si->cert.not_after_s);
        cli_prom_metric(out, "acme5g_certificate_revoked",
                        "1 when acme5g revoked the stored certificate", state, si->revoked_at != 0);
    }
    if (si->have_due) {
        fputs("# HELP acme5g_renewal_next_seconds when the next renewal is due (Unix seconds)\n"
              "# TYPE acme5g_renewal_next_seconds gauge\nacme5g_renewal_next_seconds{state=\"",
              out);
        cli_prom_label(out, state);
        fprintf(out, "\",reason=\"%s\"} %lld\n", si->reason, (long long)si->when);
    }
    cli_prom_metric(out, "acme5g_renewal_failures", "failed attempts since the last success",
                    state, (long long)si->rs.policy.failures);
    if (si->rs.last_success_s)
        cli_prom_metric(out, "acme5g_last_success_seconds",
                        "the last attempt that stored a certificate (Unix seconds)", state,
                        (long long)si->rs.last_success_s);
    if (si->rs.policy.last_failure_s)
        cli_prom_metric(out, "acme5g_last_failure_seconds",
                        "the last failed attempt (Unix seconds)", state,
                        (long long)si->rs.policy.last_failure_s);
}

/* --metrics-file PATH: the Prometheus text, written to PATH.tmp.PID,
 * fsync'd and renamed over PATH (node_exporter's textfile collector never
 * reads a part).  A failure is a warning: the renewal's result stands. */
static void cli_write_metrics(const char *state_dir, const char *path)
{
    char tmp[CLI_PATH_MAX];
    cli_state_info si;
    FILE *out;
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()), ok;

    if (n < 0 || (size_t)n >= sizeof tmp) {
        fprintf(stderr, "acme5g: warning: --metrics-file path too long\n");
        return;
    }
    (void)cli_gather(state_dir, &si);
    out = fopen(tmp, "w");
    if (out == NULL) {
        fprintf(stderr, "acme5g: warning: metrics file %s: %s\n", tmp, strerror(errno));
        return;
    }
    cli_print_prometheus(out, state_dir, &si);
    ok = fflush(out) == 0 && fsync(fileno(out)) == 0;
    ok = fclose(out) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "acme5g: warning: metrics file %s: %s\n", path, strerror(errno));
        (void)unlink(tmp);
    }
}

static int cli_status(int argc, char **argv)
{
    cli_options opt;
    cli_state_info si;
    char cert_path[CLI_PATH_MAX];
    char not_before[48], not_after[48];
    int rc;

    rc = cli_parse(argc, argv, 2, &opt);
    if (rc != 0)
        return rc;
    if (opt.state_dir == NULL)
        return cli_usage_error("status needs --state", NULL);
    if (opt.directory_url != NULL || opt.ca_file != NULL || opt.contact != NULL ||
        opt.identifier_count != 0 || opt.http_port != 0 || opt.timeout_s != 0)
        return cli_usage_error("status takes only --state (and --json or --prometheus)", NULL);
    if (opt.json && opt.prometheus)
        return cli_usage_error("--json and --prometheus exclude each other", NULL);
    if (cli_join_path(cert_path, sizeof cert_path, opt.state_dir, ACME5G_STORE_CERT) != 0)
        return cli_usage_error("--state path too long", opt.state_dir);

    rc = cli_gather(opt.state_dir, &si);
    if (opt.json || opt.prometheus) {
        /* machine-readable even without a certificate: monitoring wants to know */
        if (opt.json)
            cli_print_json(stdout, &si);
        else
            cli_print_prometheus(stdout, opt.state_dir, &si);
        return si.have_cert ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    }
    if (rc == ACME5G_PORT_NOT_FOUND) {
        fprintf(stderr, "acme5g: no certificate in %s\n", opt.state_dir);
        return CLI_EXIT_FAILURE;
    }
    if (rc != 0)
        return cli_report_read_error("certificate", cert_path, rc);
    if (!si.have_cert) {
        fprintf(stderr, "acme5g: certificate %s: %s\n", cert_path,
                acme5g_strerror(ACME5G_ERR_CERT));
        return CLI_EXIT_FAILURE;
    }

    cli_format_time(si.cert.not_before_s, not_before, sizeof not_before);
    cli_format_time(si.cert.not_after_s, not_after, sizeof not_after);
    printf("names:      %s\n", si.cert.names);
    printf("serial:     %s\n", si.cert.serial_hex);
    printf("not before: %s\n", not_before);
    printf("not after:  %s\n", not_after);
    printf("issuer:     %s\n", si.cert.issuer);
    printf("chain:      %lu certificate%s\n", (unsigned long)si.cert.chain_length,
           si.cert.chain_length == 1 ? "" : "s");
    if (si.revoked_at) {
        char when_text[48];
        cli_format_time((int64_t)si.revoked_at, when_text, sizeof when_text);
        if (si.revoked_reason >= 0)
            printf("revoked:    %s (reason %d)\n", when_text, si.revoked_reason);
        else
            printf("revoked:    %s\n", when_text);
    }
    if (si.have_due) {
        char when_text[48];
        cli_format_time(si.when, when_text, sizeof when_text);
        printf("renewal:    %s %s (%s)\n", si.when <= si.now ? "due now, since" : "due at",
               when_text, si.reason_text);
    }
    if (si.rs.policy.failures) {
        char when_text[48];
        cli_format_time(si.rs.policy.last_failure_s, when_text, sizeof when_text);
        printf("failures:   %lu, the last at %s: %s\n", (unsigned long)si.rs.policy.failures,
               when_text, si.rs.last_error ? si.rs.last_error : "?");
    }
    return CLI_EXIT_OK;
}

/* run: the renewal daemon.  SIGTERM and SIGINT are blocked except while
 * it sleeps (pselect unblocks them atomically), so a signal never cuts a
 * renewal short and is never lost between the check and the sleep. */
#define CLI_RUN_MAX_SLEEP_S 600 /* re-read the clock and the state at least this often */
static volatile sig_atomic_t cli_stop_signal;

static void cli_on_signal(int sig)
{
    cli_stop_signal = sig;
}

/* The wait after `failures` failed attempts in a row: the policy's
 * retry_min_s doubling per failure, at most retry_max_s. */
static int64_t cli_backoff_s(uint32_t failures)
{
    acme5g_policy p;
    int64_t wait;
    uint32_t i;

    acme5g_policy_default(&p);
    wait = p.retry_min_s;
    for (i = 1; i < failures && wait < (int64_t)p.retry_max_s; i++)
        wait *= 2;
    return wait > (int64_t)p.retry_max_s ? (int64_t)p.retry_max_s : wait;
}

/* Finish a pair replacement cut short by a crash (acme5g_repair_pair). */
static void cli_repair(const cli_options *opt)
{
    acme5g_port port;

    if (opt->cert_key)
        return;
    acme5g_posix_port(&cli_posix, opt->state_dir,
                      opt->verbose_count == 0 ? -1 : (opt->verbose_count > 3 ? 3 : opt->verbose_count),
                      &port);
    if (acme5g_init(&cli_ctx, &port) == ACME5G_OK) {
        if (acme5g_repair_pair(&cli_ctx) != ACME5G_OK)
            fprintf(stderr, "acme5g: warning: %s: the stored certificate and key do not match\n",
                    opt->state_dir);
        else
            cli_drop_key_copy(opt->state_dir, 1);
    }
    acme5g_wipe(&cli_ctx);
}

/* What run says of the stored certificate after a failed renewal: in use
 * only while it is valid.  Uses buf for the text. */
static const char *cli_stored_cert_state(const char *state_dir, int64_t now, char *buf,
                                         size_t cap)
{
    static char pem[CLI_FILE_MAX];
    static char line[160];
    char path[CLI_PATH_MAX];
    acme5g_cert_summary info;
    size_t len;
    int reason;

    if (cli_join_path(path, sizeof path, state_dir, ACME5G_STORE_CERT) != 0 ||
        acme5g_posix_read_file(path, pem, sizeof pem, &len) != 0 ||
        acme5g_cert_info(pem, len, &info) != ACME5G_OK)
        return "no usable certificate is stored";
    cli_format_time(info.not_after_s, buf, cap);
    if (cli_revoked_at(state_dir, &info, &reason))
        snprintf(line, sizeof line, "the stored certificate is revoked (it expires at %s)", buf);
    else if (now >= info.not_after_s)
        snprintf(line, sizeof line, "the stored certificate expired at %s: no valid "
                                    "certificate until a renewal succeeds", buf);
    else
        snprintf(line, sizeof line, "the stored certificate stays in use (valid until %s)", buf);
    return line;
}

/* run's decision: the policy, and ARI through a context made for the
 * question (the renewal itself makes its own). */
static int cli_run_renewal_due(const cli_options *opt, const cli_renew_state *rs, int64_t now,
                               int64_t *when, acme5g_renew_reason *reason)
{
    acme5g_port port;
    size_t ca_len;
    int ari = 0, due;
    acme5g_posix_port(&cli_posix, opt->state_dir,
                      opt->verbose_count == 0 ? -1 : (opt->verbose_count > 3 ? 3 : opt->verbose_count),
                      &port);
    if (opt->ca_file && !opt->via &&
        acme5g_posix_read_file(opt->ca_file, cli_file_buf, sizeof cli_file_buf, &ca_len) == 0 &&
        acme5g_init(&cli_ctx, &port) == ACME5G_OK &&
        acme5g_add_trust_anchors_pem(&cli_ctx, cli_file_buf, ca_len) == ACME5G_OK)
        ari = 1;
    due = cli_renewal_due(opt, rs, now, when, reason, ari);
    acme5g_wipe(&cli_ctx);
    return due;
}

static int cli_run(int argc, char **argv)
{
    cli_options opt;
    cli_renew_state rs;
    struct sigaction sa;
    sigset_t block, sleep_mask;
    int64_t earliest = 0, shown = -1;
    uint32_t failures = 0;
    unsigned long renewals = 0;
    char text[48];
    int rc;

    rc = cli_parse(argc, argv, 2, &opt);
    if (rc != 0)
        return rc;
    if (opt.state_dir == NULL)
        return cli_usage_error("run needs --state", NULL);
    if (opt.force)
        return cli_usage_error("run takes no --force (use renew --force)", NULL);
    if (cli_load_settings(&opt, &rs) != 0)
        return cli_no_settings(opt.state_dir);

    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    if (sigprocmask(SIG_BLOCK, &block, &sleep_mask) != 0) {
        fprintf(stderr, "acme5g: run: sigprocmask: %s\n", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    sigdelset(&sleep_mask, SIGTERM);
    sigdelset(&sleep_mask, SIGINT);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cli_on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0) {
        fprintf(stderr, "acme5g: run: sigaction: %s\n", strerror(errno));
        return CLI_EXIT_FAILURE;
    }

    printf("acme5g: run: watching %s (pid %ld)\n", opt.state_dir, (long)getpid());
    cli_lock_quiet = 1;
    rc = cli_lock_state(opt.state_dir);
    cli_lock_quiet = 0;
    if (rc == CLI_EXIT_FAILURE)
        return rc;
    if (rc == 0)
        cli_repair(&opt); /* else the holder repairs */
    cli_unlock_state();
    if (opt.metrics_file)
        cli_write_metrics(opt.state_dir, opt.metrics_file);
    while (!cli_stop_signal) {
        int64_t now = (int64_t)time(NULL), when = now;
        acme5g_renew_reason reason = ACME5G_REASON_LIFETIME;
        const char *why;
        int due;

        /* the settings hold the last attempt's result: read them afresh */
        if (cli_parse(argc, argv, 2, &opt) != 0 || cli_load_settings(&opt, &rs) != 0) {
            fprintf(stderr, "acme5g: run: the settings in %s are gone\n", opt.state_dir);
            return CLI_EXIT_FAILURE;
        }
        cli_default_renewal(&opt);
        due = cli_run_renewal_due(&opt, &rs, now, &when, &reason);
        why = cli_reason_text(reason);
        if (due < 0) {
            /* no usable certificate: renew at once, then back off (the
             * library's decision set when) */
            why = "no usable certificate";
        }
        /* the clock went back since `earliest` was set: count from now */
        if (earliest > now + cli_backoff_s(failures ? failures : 1))
            earliest = now + cli_backoff_s(failures ? failures : 1);
        if (when < earliest) {
            /* failures the settings do not show (the attempt did not get
             * that far), or a new certificate due at once */
            when = earliest;
            why = failures ? "waiting after a failed attempt"
                           : "the new certificate is due at once: check the policy";
        }
        if (when > now) {
            struct timespec ts;
            if (when != shown) {
                cli_format_time(when, text, sizeof text);
                printf("acme5g: run: next renewal at %s (%s)\n", text, why);
                shown = when;
            }
            fflush(stdout);
            ts.tv_sec = (time_t)(when - now > CLI_RUN_MAX_SLEEP_S ? CLI_RUN_MAX_SLEEP_S
                                                                   : when - now);
            ts.tv_nsec = 0;
            /* returns at the time, or early with EINTR on SIGTERM/SIGINT */
            (void)pselect(0, NULL, NULL, NULL, &ts, &sleep_mask);
            continue;
        }
        {
            /* a signal that came while blocked: stop before starting anew */
            sigset_t pending;
            if (sigpending(&pending) == 0 &&
                (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1)) {
                (void)pselect(0, NULL, NULL, NULL, NULL, &sleep_mask); /* delivers it */
                continue;
            }
        }
        printf("acme5g: run: renewing (%s)\n", why);
        fflush(stdout);
        rc = cli_obtain(argc, argv, CLI_RENEW_NOW);
        cli_unlock_state();
        fflush(stdout);
        now = (int64_t)time(NULL);
        if (rc == CLI_EXIT_USAGE)
            return rc;
        if (rc == CLI_EXIT_LOCKED) {
            /* another acme5g is at work on the state: look again later */
            earliest = now + cli_backoff_s(1);
            printf("acme5g: run: the state is busy; checking again in %lld s\n",
                   (long long)cli_backoff_s(1));
        } else if (rc == CLI_EXIT_OK) {
            renewals++;
            failures = 0;
            /* a policy that finds the new certificate due at once would
             * renew in a loop: space such renewals by the retry time */
            earliest = now + cli_backoff_s(1);
            if (cli_parse(argc, argv, 2, &opt) == 0 && cli_load_settings(&opt, &rs) == 0) {
                cli_default_renewal(&opt);
                if (cli_renewal_due(&opt, &rs, now, &when, &reason, 0) == 0)
                    earliest = 0;
            }
        } else {
            failures++;
            earliest = now + cli_backoff_s(failures);
            printf("acme5g: run: renewal failed (%lu in a row); %s\n", (unsigned long)failures,
                   cli_stored_cert_state(opt.state_dir, now, text, sizeof text));
        }
        shown = -1;
    }
    printf("acme5g: run: stopped by %s after %lu renewal%s\n",
           cli_stop_signal == SIGINT ? "SIGINT" : "SIGTERM", renewals, renewals == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    int rc;

    if (argc < 2)
        return cli_usage_error("missing command", NULL);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(cli_usage_text, stdout);
        fputs(cli_help_text, stdout);
        fputs(cli_help_text2, stdout);
        return CLI_EXIT_OK;
    }
    {
        /* acme5g enrol --help, acme5g renew --help ...: the same help */
        int i;
        for (i = 2; i < argc; i++)
            if (strcmp(argv[i], "--help") == 0) {
                fputs(cli_usage_text, stdout);
                fputs(cli_help_text, stdout);
                fputs(cli_help_text2, stdout);
                return CLI_EXIT_OK;
            }
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("acme5g %s\n", ACME5G_VERSION);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "enrol") == 0)
        rc = cli_obtain(argc, argv, CLI_ENROL);
    else if (strcmp(argv[1], "renew") == 0)
        rc = cli_obtain(argc, argv, CLI_RENEW);
    else if (strcmp(argv[1], "run") == 0)
        rc = cli_run(argc, argv);
    else if (strcmp(argv[1], "status") == 0)
        rc = cli_status(argc, argv);
    else if (strcmp(argv[1], "revoke") == 0)
        rc = cli_account_op(argc, argv, "revoke");
    else if (strcmp(argv[1], "account") == 0 && argc > 2 &&
             (strcmp(argv[2], "deactivate") == 0 || strcmp(argv[2], "rollover") == 0 ||
              strcmp(argv[2], "contact") == 0))
        rc = cli_account_op(argc, argv, argv[2]);
    else
        return cli_usage_error("unknown command", argv[1]);

    /* A failed write to stdout (full disk, closed pipe) is a failure too. */
    if (fflush(stdout) != 0 && rc == CLI_EXIT_OK) {
        fprintf(stderr, "acme5g: write error: %s\n", strerror(errno));
        rc = CLI_EXIT_FAILURE;
    }
    return rc;
}
