/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * acme5g over lwIP's raw TCP API (see acme5g_lwip.h).
 *
 * A connection number is an index into acme5g_lwip.conns.  lwIP calls us
 * back (connected, recv, err, accept, DNS found) from inside
 * acme5g_lwip_poll(); the callbacks only record what happened, and the
 * port's functions, called by acme5g_baremetal.c in its wait loops, read
 * the record.  Received pbufs are chained on the connection and given
 * back to lwIP (tcp_recved) as acme5g reads them, so the peer never sends
 * more than the window.
 *
 * Internal names start with lw_.
 */
#include "acme5g_lwip.h"

#include <string.h>

#include "lwip/init.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#if LWIP_DNS
#include "lwip/dns.h"
#endif

#if !LWIP_TCP || !LWIP_IPV4 || !NO_SYS
#error "acme5g_lwip needs lwIP with LWIP_TCP, LWIP_IPV4 and NO_SYS=1"
#endif

enum {
    LW_FREE = 0,
    LW_RESOLVING,    /* waiting for DNS */
    LW_DNS_ORPHAN,   /* closed while DNS was still asked: freed by its answer */
    LW_CONNECTING,   /* tcp_connect() sent */
    LW_OPEN,         /* established; reads and writes */
    LW_PEER_CLOSED,  /* FIN received: reads drain rx, then CLOSED */
    LW_FAILED,       /* refused, reset, timed out, DNS failed */
    LW_LISTENING
};

static acme5g_lwip_conn *lw_conn(acme5g_lwip *lw, int c)
{
    if (c < 0 || c >= ACME5G_LWIP_CONNS || lw->conns[c].state == LW_FREE ||
        lw->conns[c].state == LW_DNS_ORPHAN)
        return NULL;
    return &lw->conns[c];
}

static int lw_alloc(acme5g_lwip *lw)
{
    int i;

    for (i = 0; i < ACME5G_LWIP_CONNS; i++)
        if (lw->conns[i].state == LW_FREE) {
            memset(&lw->conns[i], 0, sizeof lw->conns[i]);
            return i;
        }
    return -1;
}

void acme5g_lwip_poll(acme5g_lwip *lw)
{
    if (lw->driver_poll != NULL)
        lw->driver_poll(lw->driver_user);
    sys_check_timeouts();
}

static void lw_poll(void *user)
{
    acme5g_lwip_poll((acme5g_lwip *)user);
}

/* ------------------------------------------------------------------------
 * lwIP's callbacks.  `arg` is the connection (acme5g_lwip_conn *).
 * ---------------------------------------------------------------------- */

static void lw_drop_rx(acme5g_lwip_conn *k)
{
    if (k->rx != NULL)
        pbuf_free(k->rx);
    k->rx = NULL;
}

/* The pcb is already freed by lwIP when this is called. */
static void lw_on_err(void *arg, err_t err)
{
    acme5g_lwip_conn *k = (acme5g_lwip_conn *)arg;

    (void)err;
    if (k == NULL)
        return;
    k->pcb = NULL;
    lw_drop_rx(k);
    k->state = LW_FAILED;
}

static err_t lw_on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    acme5g_lwip_conn *k = (acme5g_lwip_conn *)arg;

    (void)pcb;
    if (k == NULL) { /* closed on our side meanwhile */
        if (p != NULL)
            pbuf_free(p);
        return ERR_OK;
    }
    if (p == NULL) { /* the peer's FIN */
        if (k->state == LW_OPEN)
            k->state = LW_PEER_CLOSED;
        return ERR_OK;
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    if (k->rx == NULL)
        k->rx = p;
    else if ((uint32_t)k->rx->tot_len + p->tot_len > 0xFFFFu)
        return ERR_MEM; /* lwIP keeps p and offers it again later */
    else
        pbuf_cat(k->rx, p);
    return ERR_OK;
}

static err_t lw_on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    acme5g_lwip_conn *k = (acme5g_lwip_conn *)arg;

    (void)pcb;
    if (k != NULL && k->state == LW_CONNECTING)
        k->state = err == ERR_OK ? LW_OPEN : LW_FAILED;
    return ERR_OK;
}

static void lw_setup(acme5g_lwip_conn *k, struct tcp_pcb *pcb)
{
    k->pcb = pcb;
    tcp_arg(pcb, k);
    tcp_recv(pcb, lw_on_recv);
    tcp_err(pcb, lw_on_err);
}

static void lw_start_connect(acme5g_lwip_conn *k, const ip_addr_t *addr)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);

    if (pcb == NULL) {
        k->state = LW_FAILED;
        return;
    }
    lw_setup(k, pcb);
    k->state = LW_CONNECTING;
    if (tcp_connect(pcb, addr, k->port, lw_on_connected) != ERR_OK) {
        tcp_arg(pcb, NULL);
        tcp_abort(pcb);
        k->pcb = NULL;
        k->state = LW_FAILED;
    }
}

#if LWIP_DNS
static void lw_on_dns(const char *name, const ip_addr_t *addr, void *arg)
{
    acme5g_lwip_conn *k = (acme5g_lwip_conn *)arg;

    (void)name;
    if (k->state == LW_DNS_ORPHAN) {
        k->state = LW_FREE;
        return;
    }
    if (k->state != LW_RESOLVING)
        return;
    if (addr == NULL)
        k->state = LW_FAILED;
    else
        lw_start_connect(k, addr);
}
#endif

static err_t lw_on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    acme5g_lwip_conn *l = (acme5g_lwip_conn *)arg;
    acme5g_lwip *lw;
    int i, li, queued = 0, slot;

    if (l == NULL || err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    /* From the listener's entry back to the table it lives in. */
    li = (int)l->listener - 1;
    lw = (acme5g_lwip *)(void *)((uint8_t *)(l - li) - offsetof(acme5g_lwip, conns));
    for (i = 0; i < ACME5G_LWIP_CONNS; i++)
        if (lw->conns[i].state != LW_FREE && lw->conns[i].listener == (uint8_t)(li + 1) &&
            lw->conns[i].pending)
            queued++;
    slot = queued < ACME5G_LWIP_BACKLOG ? lw_alloc(lw) : -1;
    if (slot < 0) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    lw_setup(&lw->conns[slot], pcb);
    lw->conns[slot].state = LW_OPEN;
    lw->conns[slot].listener = (uint8_t)(li + 1);
    lw->conns[slot].pending = 1;
    return ERR_OK;
}

/* ------------------------------------------------------------------------
 * The port's callbacks (acme5g_baremetal_net).  `user` is acme5g_lwip.
 * ---------------------------------------------------------------------- */

static int lw_name_eq(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static int lw_open(void *user, const char *host, uint16_t port)
{
    acme5g_lwip *lw = (acme5g_lwip *)user;
    ip_addr_t addr;
    size_t i;
    int c = lw_alloc(lw);

    if (c < 0 || host == NULL || port == 0)
        return ACME5G_PORT_ERROR;
    lw->conns[c].port = port;
    /* The table first: it may map an address too (a test network). */
    for (i = 0; lw->hosts != NULL && i < lw->host_count; i++)
        if (lw_name_eq(lw->hosts[i].name, host)) {
            ip_addr_copy_from_ip4(addr, lw->hosts[i].addr);
            lw_start_connect(&lw->conns[c], &addr);
            return c;
        }
    if (ip4addr_aton(host, ip_2_ip4(&addr))) {
        IP_SET_TYPE_VAL(addr, IPADDR_TYPE_V4);
        lw_start_connect(&lw->conns[c], &addr);
        return c;
    }
#if LWIP_DNS
    lw->conns[c].state = LW_RESOLVING;
    switch (dns_gethostbyname(host, &addr, lw_on_dns, &lw->conns[c])) {
    case ERR_OK: /* cached */
        lw_start_connect(&lw->conns[c], &addr);
        break;
    case ERR_INPROGRESS:
        break;
    default:
        lw->conns[c].state = LW_FAILED;
        break;
    }
    return c;
#else
    lw->conns[c].state = LW_FAILED; /* no DNS and not in the host table */
    return c;
#endif
}

static int lw_is_open(void *user, int conn)
{
    acme5g_lwip_conn *k = lw_conn((acme5g_lwip *)user, conn);

    if (k == NULL || k->state == LW_FAILED || k->state == LW_LISTENING)
        return -1;
    return k->state == LW_OPEN || k->state == LW_PEER_CLOSED ? 1 : 0;
}

static int lw_write(void *user, int conn, const uint8_t *buf, size_t len)
{
    acme5g_lwip_conn *k = lw_conn((acme5g_lwip *)user, conn);
    size_t n;

    if (k == NULL || k->pcb == NULL || (k->state != LW_OPEN && k->state != LW_PEER_CLOSED))
        return ACME5G_PORT_ERROR;
    n = tcp_sndbuf(k->pcb);
    if (n > len)
        n = len;
    if (n > 0x7FFFu)
        n = 0x7FFFu;
    /* tcp_write() copies into new segments; when it is out of memory or
     * of queue entries, try a smaller piece, then wait for ACKs. */
    while (n > 0 && tcp_write(k->pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
        n = n > 536 ? n / 2 : 0;
    if (tcp_output(k->pcb) != ERR_OK && n == 0)
        return 0;
    return (int)n;
}

static int lw_read(void *user, int conn, uint8_t *buf, size_t len)
{
    acme5g_lwip_conn *k = lw_conn((acme5g_lwip *)user, conn);
    u16_t n;

    if (k == NULL || k->state == LW_LISTENING)
        return ACME5G_PORT_ERROR;
    if (k->rx == NULL) {
        if (k->state == LW_PEER_CLOSED)
            return ACME5G_PORT_CLOSED;
        return k->state == LW_OPEN ? 0 : ACME5G_PORT_ERROR;
    }
    n = (u16_t)(len < k->rx->tot_len ? len : k->rx->tot_len);
    n = pbuf_copy_partial(k->rx, buf, n, 0);
    k->rx = pbuf_free_header(k->rx, n);
    if (k->pcb != NULL)
        tcp_recved(k->pcb, n);
    return (int)n;
}

static void lw_close(void *user, int conn)
{
    acme5g_lwip *lw = (acme5g_lwip *)user;
    acme5g_lwip_conn *k = lw_conn(lw, conn);
    int i;

    if (k == NULL)
        return;
    if (k->state == LW_LISTENING) /* and what it accepted but nobody took */
        for (i = 0; i < ACME5G_LWIP_CONNS; i++)
            if (lw->conns[i].state != LW_FREE && lw->conns[i].state != LW_LISTENING &&
                lw->conns[i].listener == (uint8_t)(conn + 1) && lw->conns[i].pending)
                lw_close(user, i);
    lw_drop_rx(k);
    if (k->pcb != NULL) {
        tcp_arg(k->pcb, NULL);
        if (k->state != LW_LISTENING) {
            tcp_recv(k->pcb, NULL);
            tcp_err(k->pcb, NULL);
        }
        if (tcp_close(k->pcb) != ERR_OK)
            tcp_abort(k->pcb); /* out of memory for the FIN: reset */
        k->pcb = NULL;
    }
    k->state = k->state == LW_RESOLVING ? LW_DNS_ORPHAN : LW_FREE;
}

static int lw_listen(void *user, uint16_t port)
{
    acme5g_lwip *lw = (acme5g_lwip *)user;
    struct tcp_pcb *pcb, *lpcb;
    int c = lw_alloc(lw);

    if (c < 0)
        return ACME5G_PORT_ERROR;
    pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL)
        return ACME5G_PORT_ERROR;
    if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
        tcp_abort(pcb);
        return ACME5G_PORT_ERROR;
    }
    lpcb = tcp_listen_with_backlog(pcb, ACME5G_LWIP_BACKLOG);
    if (lpcb == NULL) {
        tcp_abort(pcb);
        return ACME5G_PORT_ERROR;
    }
    lw->conns[c].pcb = lpcb;
    lw->conns[c].state = LW_LISTENING;
    lw->conns[c].listener = (uint8_t)(c + 1);
    tcp_arg(lpcb, &lw->conns[c]);
    tcp_accept(lpcb, lw_on_accept);
    return c;
}

static int lw_accept(void *user, int listener)
{
    acme5g_lwip *lw = (acme5g_lwip *)user;
    acme5g_lwip_conn *l = lw_conn(lw, listener);
    int i;

    if (l == NULL || l->state != LW_LISTENING)
        return ACME5G_PORT_ERROR;
    for (i = 0; i < ACME5G_LWIP_CONNS; i++) {
        acme5g_lwip_conn *k = &lw->conns[i];
        if (k->state != LW_FREE && k->listener == (uint8_t)(listener + 1) && k->pending) {
            k->pending = 0;
            return i;
        }
    }
    return ACME5G_PORT_TIMEOUT;
}

const acme5g_baremetal_net acme5g_lwip_net = {
    lw_open, lw_is_open, lw_write, lw_read, lw_close, lw_listen, lw_accept, lw_poll
};
