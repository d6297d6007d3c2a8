/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * acme5g over lwIP: the network callbacks of the bare-metal port
 * (acme5g_baremetal_net, see acme5g_baremetal.h) on lwIP's raw TCP API
 * with NO_SYS=1.  Take it as it is: it knows nothing of the board.  What
 * the board gives is a netif that is up and a function that feeds the
 * frames it received into lwIP (the driver's poll).
 *
 *     static acme5g_lwip lw;              // zeroed: static storage
 *     static acme5g_baremetal bm;
 *     lw.driver_poll = my_eth_poll;       // netif input of received frames
 *     lw.hosts = my_hosts;                // optional static host table
 *     bm.user = &lw;                      // every callback gets it
 *     bm.net = &acme5g_lwip_net;
 *
 * Names: the static host table (acme5g_lwip.hosts) is searched first (it
 * may map an address literal too: a test network); else a dotted IPv4
 * literal is used as it is; else, when lwIP is built with LWIP_DNS, the name is resolved with dns_gethostbyname() (the
 * DNS server comes from DHCP or dns_setserver()).
 *
 * Limits: ACME5G_LWIP_CONNS connections and listeners at once (the ACME
 * connection, the http-01 listener and the validator's connections: a
 * CA's validator may open several).  Received data waits in lwIP's pbufs
 * until acme5g reads it; the TCP window (TCP_WND) bounds it.  Needs lwIP's
 * TCP (LWIP_TCP), IPv4 and, for listeners, LWIP_TCP with
 * TCP_LISTEN_BACKLOG optional.  Every function runs in the one thread
 * that also runs lwIP (NO_SYS=1: no locking).
 */
#ifndef ACME5G_LWIP_H
#define ACME5G_LWIP_H

#include <stddef.h>
#include <stdint.h>

#include "acme5g_baremetal.h"
#include "lwip/ip_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ACME5G_LWIP_CONNS
#define ACME5G_LWIP_CONNS 6
#endif
/* Connections accepted on a listener and not yet taken by accept(). */
#ifndef ACME5G_LWIP_BACKLOG
#define ACME5G_LWIP_BACKLOG 4
#endif

/* One entry of the static host table: a name and its IPv4 address. */
typedef struct acme5g_lwip_host {
    const char *name;      /* compared without regard to case */
    ip4_addr_t addr;
} acme5g_lwip_host;

/* One connection or listener (private). */
typedef struct acme5g_lwip_conn {
    struct tcp_pcb *pcb;
    struct pbuf *rx;       /* received, not yet read */
    uint16_t port;         /* to connect to once the name is resolved */
    uint8_t state;
    uint8_t listener;      /* index + 1 of the listener it came from; 0 none */
    uint8_t pending;       /* accepted by lwIP, not yet taken by accept() */
} acme5g_lwip_conn;

typedef struct acme5g_lwip {
    /* Set by the integrator. */
    void (*driver_poll)(void *driver_user); /* feed received frames to lwIP; may be NULL */
    void *driver_user;
    const acme5g_lwip_host *hosts;           /* may be NULL */
    size_t host_count;

    /* private */
    acme5g_lwip_conn conns[ACME5G_LWIP_CONNS];
} acme5g_lwip;

/* The callbacks: acme5g_baremetal.net = &acme5g_lwip_net, with
 * acme5g_baremetal.user pointing at an acme5g_lwip. */
extern const acme5g_baremetal_net acme5g_lwip_net;

/* Run lwIP once: the driver's poll, then lwIP's timers.  The same as the
 * port's poll; call it from your own loops (DHCP, waiting for a link). */
void acme5g_lwip_poll(acme5g_lwip *lw);

#ifdef __cplusplus
}
#endif

#endif /* ACME5G_LWIP_H */
