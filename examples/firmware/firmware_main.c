/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * The example firmware: a Cortex-M4 device that obtains and renews its
 * certificate with acme5g over lwIP.  It runs on QEMU's mps2-an386 board
 * (examples/firmware/qemu-run.sh) and is the image a firmware team starts
 * from: what it does here is what a product does, only the board's
 * stand-ins differ (see README, "Firmware").
 *
 * Boot:
 *   1. board: clock tick, UART, the flash store (board_*.c);
 *   2. the bare-metal port over the flash slots (fw_slots.h), checked
 *      before anything else: a missing slot is an error at once;
 *   3. wall clock (a product: RTC or SNTP; here the host's, by
 *      semihosting); entropy from the seed provisioned in flash;
 *   4. lwIP on the LAN9118: DHCP (or the static address given);
 *   5. acme5g: trust anchors from the provisioned "ca.pem" slot, the pair
 *      repaired after a power cut, then enrol, or renew when the policy
 *      (or the operator) says so;
 *   6. the stored pair is read back and checked; one line says what is
 *      stored, and the image ends with status 0 only then.
 *
 * Configuration comes on the command line (semihosting SYS_GET_CMDLINE),
 * words of key=value; a product has these in its provisioning data:
 *   dir=URL        the ACME directory (https://host[:port]/path)
 *   name=NAME      the DNS name to enrol (repeatable, up to two)
 *   host=NAME@A.B.C.D   static host table entry (repeatable, up to four)
 *   http=PORT      the http-01 responder's port (default 80)
 *   mode=enrol|renew|force   enrol (when nothing is stored), renew when
 *                  the policy says it is due, or renew now
 *   timeout=S      the whole ACME exchange (default 120)
 *   ip=A.B.C.D/N,GW   a static address instead of DHCP
 *   store=PATH     the flash's backing file (the board's stand-in)
 */
#include <stdint.h>
#include <string.h>

#include "acme5g.h"
#include "acme5g_baremetal.h"
#include "acme5g_lwip.h"
#include "board.h"
#include "fw_slots.h"
#include "lan9118.h"

#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define FW_MAX_NAMES 2
#define FW_MAX_HOSTS 4

/* ------------------------------------------------------------------------
 * Output: one line per event on the UART
 * ---------------------------------------------------------------------- */

static void fw_say(const char *a, const char *b, const char *c)
{
    board_puts(a);
    if (b != NULL)
        board_puts(b);
    if (c != NULL)
        board_puts(c);
    board_puts("\n");
}

static void fw_u32(char *out, uint32_t v)
{
    char tmp[11];
    int n = 0;

    do
        tmp[n++] = (char)('0' + v % 10u);
    while ((v /= 10u) != 0);
    while (n > 0)
        *out++ = tmp[--n];
    *out = '\0';
}

/* Unix seconds as "YYYY-MM-DDTHH:MM:SSZ" (days-from-civil, inverted). */
static void fw_date(char out[21], int64_t t)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t sec = t - days * 86400, z = days + 719468, era, doe, yoe, doy, mp, y, m, d;
    char *p = out;
    int i;
    int64_t parts[6];

    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    parts[0] = y + (m <= 2);
    parts[1] = m;
    parts[2] = d;
    parts[3] = sec / 3600;
    parts[4] = sec / 60 % 60;
    parts[5] = sec % 60;
    for (i = 0; i < 6; i++) {
        int64_t v = parts[i];
        if (i == 0) {
            *p++ = (char)('0' + v / 1000 % 10);
            *p++ = (char)('0' + v / 100 % 10);
        }
        *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        *p++ = "--T::Z"[i];
    }
    *p = '\0';
}

static void fw_log(void *user, int level, const char *msg)
{
    (void)user;
    board_puts(level == 0 ? "acme5g error: " : level == 1 ? "acme5g warning: " : "acme5g: ");
    board_puts(msg);
    board_puts("\n");
}

static acme5g_ctx fw_ctx; /* the whole client state: see make size */

/* The one line that says why the image failed, then the end. */
static void fw_fail(const char *what, int err)
{
    const acme5g_problem *pb = acme5g_last_problem(&fw_ctx);
    char num[12];

    board_puts("FAILED: ");
    board_puts(what);
    if (err != 0) {
        board_puts(": ");
        board_puts(acme5g_strerror(err));
        if (pb->type[0] != '\0' || pb->detail[0] != '\0') {
            board_puts(" (");
            if (pb->http_status != 0) {
                fw_u32(num, (uint32_t)pb->http_status);
                board_puts("HTTP ");
                board_puts(num);
                board_puts(" ");
            }
            board_puts(pb->type);
            board_puts(pb->type[0] != '\0' && pb->detail[0] != '\0' ? ": " : "");
            board_puts(pb->detail);
            board_puts(")");
        }
        if (acme5g_last_tls_error(&fw_ctx) != 0) {
            fw_u32(num, (uint32_t)acme5g_last_tls_error(&fw_ctx));
            board_puts(" (BearSSL error ");
            board_puts(num);
            board_puts(")");
        }
    }
    board_puts("\n");
    acme5g_wipe(&fw_ctx);
    board_exit(1);
}

/* ------------------------------------------------------------------------
 * The configuration (a product reads it from its provisioning data)
 * ---------------------------------------------------------------------- */

typedef struct fw_config {
    const char *dir;
    acme5g_identifier names[FW_MAX_NAMES];
    size_t name_count;
    acme5g_lwip_host hosts[FW_MAX_HOSTS];
    size_t host_count;
    uint16_t http_port;
    const char *mode;
    uint32_t timeout_s;
    const char *store;
    int have_ip;
    ip4_addr_t ip, mask, gw;
} fw_config;

static char fw_cmdline[1024];

static int fw_u16(const char *s, uint16_t *out)
{
    uint32_t v = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || (v = v * 10u + (uint32_t)(*s - '0')) > 65535u)
            return -1;
    }
    *out = (uint16_t)v;
    return 0;
}

/* "A.B.C.D/N,GW" */
static int fw_parse_ip(char *v, fw_config *c)
{
    char *slash = strchr(v, '/'), *comma = strchr(v, ',');
    uint16_t bits;

    if (slash == NULL || comma == NULL || comma < slash)
        return -1;
    *slash = '\0';
    *comma = '\0';
    if (!ip4addr_aton(v, &c->ip) || fw_u16(slash + 1, &bits) != 0 || bits > 32 ||
        !ip4addr_aton(comma + 1, &c->gw))
        return -1;
    ip4_addr_set_u32(&c->mask, lwip_htonl(bits == 0 ? 0 : 0xFFFFFFFFu << (32 - bits)));
    c->have_ip = 1;
    return 0;
}

static int fw_parse(char *line, fw_config *c)
{
    char *w = line;

    memset(c, 0, sizeof *c);
    c->http_port = 80;
    c->mode = "enrol";
    c->timeout_s = 120;
    /* The first word is the image's name (QEMU puts the -kernel path). */
    while (*w != '\0' && *w != ' ')
        w++;
    while (*w != '\0') {
        char *key, *val, *end;
        uint16_t n;

        while (*w == ' ')
            w++;
        if (*w == '\0')
            break;
        key = w;
        while (*w != '\0' && *w != ' ')
            w++;
        end = w;
        if (*w != '\0')
            w++;
        *end = '\0';
        val = strchr(key, '=');
        if (val == NULL)
            return -1;
        *val++ = '\0';
        if (strcmp(key, "dir") == 0)
            c->dir = val;
        else if (strcmp(key, "name") == 0 && c->name_count < FW_MAX_NAMES) {
            c->names[c->name_count].type = ACME5G_ID_DNS;
            c->names[c->name_count++].value = val;
        } else if (strcmp(key, "host") == 0 && c->host_count < FW_MAX_HOSTS) {
            char *at = strchr(val, '@');
            if (at == NULL)
                return -1;
            *at = '\0';
            c->hosts[c->host_count].name = val;
            if (!ip4addr_aton(at + 1, &c->hosts[c->host_count].addr))
                return -1;
            c->host_count++;
        } else if (strcmp(key, "http") == 0 && fw_u16(val, &n) == 0 && n != 0)
            c->http_port = n;
        else if (strcmp(key, "timeout") == 0 && fw_u16(val, &n) == 0 && n != 0)
            c->timeout_s = n;
        else if (strcmp(key, "mode") == 0 &&
                 (strcmp(val, "enrol") == 0 || strcmp(val, "renew") == 0 ||
                  strcmp(val, "force") == 0))
            c->mode = val;
        else if (strcmp(key, "store") == 0)
            c->store = val;
        else if (strcmp(key, "ip") == 0 && fw_parse_ip(val, c) == 0)
            ;
        else
            return -1;
    }
    return c->dir != NULL && c->name_count > 0 && c->store != NULL ? 0 : -1;
}

/* ------------------------------------------------------------------------
 * The port: tick, idle, flash slots, lwIP
 * ---------------------------------------------------------------------- */

static uint32_t fw_ticks(void *user)
{
    (void)user;
    return board_ms();
}

static void fw_idle(void *user)
{
    (void)user;
    board_idle(); /* wfi: the 1 ms tick wakes us */
}

static struct netif fw_netif;

static void fw_eth_poll(void *user)
{
    (void)lan9118_poll((struct netif *)user);
}

static acme5g_lwip fw_lw;
static acme5g_baremetal fw_bm;

static void fw_net_up(const fw_config *c)
{
    uint32_t start = board_ms();

    lwip_init();
    if (netif_add(&fw_netif, c->have_ip ? &c->ip : IP4_ADDR_ANY4,
                  c->have_ip ? &c->mask : IP4_ADDR_ANY4, c->have_ip ? &c->gw : IP4_ADDR_ANY4,
                  NULL, lan9118_netif_init, netif_input) == NULL)
        fw_fail("network: no LAN9118 found", 0);
    netif_set_default(&fw_netif);
    netif_set_up(&fw_netif);
    netif_set_link_up(&fw_netif);
    if (!c->have_ip && dhcp_start(&fw_netif) != ERR_OK)
        fw_fail("network: DHCP could not start", 0);
    while (ip4_addr_isany_val(*netif_ip4_addr(&fw_netif))) {
        if (board_ms() - start > 10000u)
            fw_fail("network: no address from DHCP within 10 s", 0);
        acme5g_lwip_poll(&fw_lw);
        board_idle();
    }
    board_puts("network: ");
    board_puts(ip4addr_ntoa(netif_ip4_addr(&fw_netif)));
    board_puts(c->have_ip ? " (static)\n" : " (DHCP)\n");
}

/* ------------------------------------------------------------------------
 * The application
 * ---------------------------------------------------------------------- */

/* Read a slot through the port (NUL-terminated); its length or -1. */
static long fw_slot_text(acme5g_port *port, const char *name, char *buf, size_t cap)
{
    size_t n = 0;

    if (port->store_read(port->user, name, (uint8_t *)buf, cap, &n) != 0)
        return -1;
    buf[n] = '\0';
    return (long)n;
}

/* One text buffer for what is read from flash: the trust anchors (until
 * acme5g has decoded them), the stored chain for the policy and for the
 * final check. */
static char fw_pem[ACME5G_BODY_MAX + 1];

/* Check the stored pair (key matches leaf) and say what is stored. */
static void fw_report(acme5g_port *port)
{
    acme5g_cert_summary info;
    char date[21];
    long n;
    int err;

    err = acme5g_repair_pair(&fw_ctx);
    if (err != ACME5G_OK)
        fw_fail("stored certificate and key do not match", err);
    n = fw_slot_text(port, ACME5G_STORE_CERT, fw_pem, sizeof fw_pem);
    if (n <= 0)
        fw_fail("no certificate stored", 0);
    err = acme5g_cert_info(fw_pem, (size_t)n, &info);
    if (err != ACME5G_OK)
        fw_fail("stored certificate unreadable", err);
    fw_date(date, info.not_after_s);
    board_puts("stored certificate: serial ");
    board_puts(info.serial_hex);
    board_puts(", ");
    board_puts(info.names);
    board_puts(", not after ");
    board_puts(date);
    board_puts("\n");
    n = fw_slot_text(port, ACME5G_STORE_ACCOUNT_URL, fw_pem, sizeof fw_pem);
    if (n > 0)
        fw_say("account: ", fw_pem, NULL);
}

/* The renewal policy on the stored certificate: 1 due, 0 not yet. */
static int fw_due(acme5g_port *port, int64_t now)
{
    acme5g_cert_summary info;
    acme5g_policy policy;
    acme5g_policy_state state;
    acme5g_renew_reason reason;
    int64_t when;
    char date[21];
    long n = fw_slot_text(port, ACME5G_STORE_CERT, fw_pem, sizeof fw_pem);

    if (n <= 0 || acme5g_cert_info(fw_pem, (size_t)n, &info) != ACME5G_OK)
        return 1; /* nothing usable stored: enrol */
    acme5g_policy_default(&policy);
    memset(&state, 0, sizeof state);
    if (acme5g_policy_next(&policy, info.not_before_s, info.not_after_s, &state, now, &when,
                           &reason) == 1)
        return 1;
    fw_date(date, when);
    fw_say("renewal not due before ", date, NULL);
    return 0;
}

static fw_config fw_cfg;
static const acme5g_baremetal_slot fw_slots[FW_SLOT_COUNT] = FW_SLOT_TABLE(0);

int main(void);
int main(void)
{
    acme5g_enrol_params p;
    acme5g_port port;
    const char *what = NULL;
    uint32_t t0;
    long n;
    int err, stored;

    board_init();
    fw_say("acme5g firmware example (mps2-an386, lwIP ", LWIP_VERSION_STRING, ")");
    if (board_cmdline(fw_cmdline, sizeof fw_cmdline) < 0 || fw_parse(fw_cmdline, &fw_cfg) != 0)
        fw_fail("configuration: need dir=URL name=NAME store=PATH (see firmware_main.c)", 0);
    if (board_flash_open(fw_cfg.store) != 0)
        fw_fail("flash: the store file cannot be opened", 0);

    /* The port, checked before any network traffic. */
    fw_lw.driver_poll = fw_eth_poll;
    fw_lw.driver_user = &fw_netif;
    fw_lw.hosts = fw_cfg.hosts;
    fw_lw.host_count = fw_cfg.host_count;
    fw_bm.user = &fw_lw;
    fw_bm.net = &acme5g_lwip_net;
    fw_bm.ticks = fw_ticks;
    fw_bm.tick_hz = 1000;
    fw_bm.entropy = NULL; /* no TRNG on this board: the provisioned seed */
    fw_bm.flash = &board_bm_flash;
    fw_bm.slots = fw_slots;
    fw_bm.slot_count = FW_SLOT_COUNT;
    fw_bm.log = fw_log;
    fw_bm.idle = fw_idle;
    acme5g_baremetal_port(&fw_bm, &port);
    err = acme5g_baremetal_check(&fw_bm, ACME5G_BAREMETAL_NEEDS_ENROL |
                                 ACME5G_BAREMETAL_NEEDS_HTTP01, &what);
    if (err != 0) {
        board_puts("FAILED: storage set-up: ");
        board_puts(acme5g_baremetal_check_str(err));
        fw_say(": ", what != NULL ? what : "?", " (fw_slots.h)");
        board_exit(1);
    }
    acme5g_baremetal_set_time(&fw_bm, board_wall_time());

    err = acme5g_init(&fw_ctx, &port);
    if (err != ACME5G_OK)
        fw_fail("init", err);
    n = fw_slot_text(&port, FW_SLOT_CA, fw_pem, sizeof fw_pem);
    if (n <= 0)
        fw_fail("no trust anchor provisioned (slot " FW_SLOT_CA ")", 0);
    err = acme5g_add_trust_anchors_pem(&fw_ctx, fw_pem, (size_t)n);
    if (err != ACME5G_OK)
        fw_fail("trust anchor", err);
    /* After a power cut between the writes of a new pair. */
    err = acme5g_repair_pair(&fw_ctx);
    if (err != ACME5G_OK)
        fw_fail("repairing the stored pair", err);
    n = fw_slot_text(&port, ACME5G_STORE_CERT, fw_pem, sizeof fw_pem);
    stored = n > 0;

    if (stored && strcmp(fw_cfg.mode, "enrol") == 0) {
        fw_say("already enrolled", NULL, NULL);
    } else if (stored && strcmp(fw_cfg.mode, "renew") == 0 && !fw_due(&port, board_wall_time())) {
        /* nothing to do */
    } else {
        fw_net_up(&fw_cfg);
        memset(&p, 0, sizeof p);
        p.directory_url = fw_cfg.dir;
        p.identifiers = fw_cfg.names;
        p.identifier_count = fw_cfg.name_count;
        p.http_port = fw_cfg.http_port;
        p.timeout_s = fw_cfg.timeout_s;
        t0 = board_ms();
        if (stored) {
            fw_say("renewing", NULL, NULL);
            err = acme5g_renew(&fw_ctx, &p);
            if (err == ACME5G_ERR_NOT_FOUND) /* a certificate but no account */
                err = acme5g_enrol(&fw_ctx, &p);
        } else {
            fw_say("enrolling", NULL, NULL);
            err = acme5g_enrol(&fw_ctx, &p);
        }
        if (err != ACME5G_OK)
            fw_fail(stored ? "renewal" : "enrolment", err);
        {
            char ms[12];
            fw_u32(ms, board_ms() - t0);
            fw_say(stored ? "renewed in " : "enrolled in ", ms, " ms");
        }
    }
    fw_report(&port);
    board_puts("stack: peak ");
    board_put_u32((uint32_t)board_stack_peak());
    board_puts(" B of ");
    board_put_u32((uint32_t)board_stack_size());
    board_puts(" B\n");
    acme5g_wipe(&fw_ctx);
    board_exit(0);
    return 0;
}
