/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * acme5g bare-metal port: the acme5g_port functions for a device without an
 * operating system.  It includes no OS header: everything platform-specific
 * comes from callbacks the integrator fills in.
 *
 *  - network: non-blocking TCP callbacks (open, write, read, close, and
 *    listen/accept for the http-01 responder) plus poll(), which drives the
 *    TCP/IP stack once.  This fits lwIP's raw API with NO_SYS=1 (poll runs
 *    ethernetif_input and sys_check_timeouts; read copies from the pbufs
 *    queued by the tcp_recv callback and calls tcp_recved) as well as a
 *    socket API with non-blocking sockets.  The port adds the deadlines:
 *    it loops over the callbacks and poll() until data, the peer or the
 *    timeout;
 *  - clock: a free-running 32-bit tick counter (SysTick, a timer) of known
 *    frequency, widened to 64-bit milliseconds, and a wall clock that the
 *    integrator sets (SNTP, GNSS, a cellular modem, a host) with
 *    acme5g_baremetal_set_time();
 *  - entropy: a hook to a TRNG, or, when there is none, a per-device secret
 *    seed provisioned in the slot ACME5G_BAREMETAL_SEED_SLOT; it is rolled
 *    forward in flash before first use after each boot;
 *  - storage: named slots on a flash-like device (erase sectors, program
 *    bytes).  Each slot holds two copies with a sequence number and CRC-32;
 *    a write goes to the older copy, so a power cut at any point leaves
 *    either the old or the new blob readable.
 *
 * Usage (see examples/firmware_main.c):
 *     static acme5g_baremetal bm;     // fill net, ticks, flash, slots...
 *     acme5g_port port;
 *     acme5g_baremetal_port(&bm, &port);
 *     acme5g_baremetal_set_time(&bm, unix_seconds_from_sntp);
 *     acme5g_init(&ctx, &port);
 */
#ifndef ACME5G_BAREMETAL_H
#define ACME5G_BAREMETAL_H

#include <stddef.h>
#include <stdint.h>
#include "acme5g.h" /* build with -I pointing at the library */

#ifdef __cplusplus
extern "C" {
#endif

/* Non-blocking TCP.  Every function gets acme5g_baremetal.user.
 * Connection numbers are small integers >= 0 chosen by the integrator. */
typedef struct acme5g_baremetal_net {
    /* Start connecting to host (DNS name or IP literal) and port; return a
     * connection number >= 0 at once (name lookup and handshake continue
     * in poll()), or ACME5G_PORT_ERROR. */
    int (*open)(void *user, const char *host, uint16_t port);
    /* 1 when established, 0 while still connecting, negative when failed. */
    int (*is_open)(void *user, int conn);
    /* Queue up to len bytes; return the count taken (0: no room now, try
     * after poll()), or ACME5G_PORT_ERROR.  Push them out (tcp_output). */
    int (*write)(void *user, int conn, const uint8_t *buf, size_t len);
    /* Copy up to len received bytes; return the count (0: nothing yet),
     * ACME5G_PORT_CLOSED after the peer's FIN once all data was read, or
     * ACME5G_PORT_ERROR. */
    int (*read)(void *user, int conn, uint8_t *buf, size_t len);
    /* Release a connection or a listener. */
    void (*close)(void *user, int conn);
    /* Listen on a TCP port (http-01 responder): a number >= 0 or
     * ACME5G_PORT_ERROR.  May be NULL (then no challenge can be answered). */
    int (*listen)(void *user, uint16_t port);
    /* A connection accepted on listener, or ACME5G_PORT_TIMEOUT when none
     * is waiting, or ACME5G_PORT_ERROR.  NULL when listen is. */
    int (*accept)(void *user, int listener);
    /* Run the stack once: receive frames, timers.  May be NULL when an
     * RTOS task does that. */
    void (*poll)(void *user);
} acme5g_baremetal_net;

/* A flash-like device: erased bytes read 0xFF, programming only clears
 * bits, erase works on whole sectors.  Functions return 0 or negative. */
typedef struct acme5g_baremetal_flash {
    uint32_t sector_size;   /* erase unit in bytes (a power of two) */
    int (*read)(void *user, uint32_t addr, uint8_t *buf, size_t len);
    int (*erase)(void *user, uint32_t addr);  /* the sector starting at addr */
    int (*program)(void *user, uint32_t addr, const uint8_t *buf, size_t len);
} acme5g_baremetal_flash;

/* A named slot: two copies of `copy_size` bytes each (a multiple of
 * sector_size), at addr and at addr + copy_size.  A blob may hold
 * copy_size - 16 bytes.  acme5g needs "account.key", "account.url",
 * "cert.key" (~250 B each) and "cert.pem" (the chain: 2-5 KB). */
typedef struct acme5g_baremetal_slot {
    const char *name;
    uint32_t addr;
    uint32_t copy_size;
} acme5g_baremetal_slot;

/* The slot for the entropy seed when there is no TRNG hook: 32 or more
 * secret random bytes, different on every device, written at production. */
#define ACME5G_BAREMETAL_SEED_SLOT "rng.seed"

/* The port's state, pointed to by acme5g_port.user.  The integrator sets
 * the public fields; the rest is private.  Must stay valid (and unmoved)
 * while a context uses the port. */
typedef struct acme5g_baremetal {
    void *user;                               /* passed to every callback */
    const acme5g_baremetal_net *net;
    uint32_t (*ticks)(void *user);            /* free-running counter, wraps */
    uint32_t tick_hz;                         /* its frequency, >= 1000 advised */
    /* Fill buf with len (<= 64) bytes from a TRNG; 0 or negative.  NULL:
     * use the seed slot instead (see ACME5G_BAREMETAL_SEED_SLOT). */
    int (*entropy)(void *user, uint8_t *buf, size_t len);
    const acme5g_baremetal_flash *flash;
    const acme5g_baremetal_slot *slots;
    size_t slot_count;
    void (*log)(void *user, int level, const char *msg); /* may be NULL */
    void (*idle)(void *user);                 /* while waiting (WFI); may be NULL */

    /* private */
    uint32_t last_ticks;
    uint64_t ticks_high;                      /* wraps of the counter << 32 */
    int64_t wall_base_s;                      /* 0: wall clock not set */
    uint64_t wall_base_ms;
    uint8_t seed[32];
    uint32_t seed_counter;
    int seed_state;                           /* 0 not loaded, 1 rolled, -1 failed */
} acme5g_baremetal;

/* Fill *port with the bare-metal functions and user = bm.  The fields of
 * *bm set by the integrator are kept; the private ones are cleared. */
void acme5g_baremetal_port(acme5g_baremetal *bm, acme5g_port *port);

/* Set the wall clock: `unix_s` is the current time in seconds since 1970
 * (UTC).  It then advances with the tick counter.  Until it is set,
 * now_s() returns 0 and acme5g refuses to connect (ACME5G_ERR_CLOCK). */
void acme5g_baremetal_set_time(acme5g_baremetal *bm, int64_t unix_s);

/* Milliseconds since the first call, from the tick counter.  Must be
 * called at least once per wrap of the counter (the library does so
 * whenever it waits; 49 days at 1 kHz). */
uint64_t acme5g_baremetal_ms(acme5g_baremetal *bm);

#ifdef __cplusplus
}
#endif

#endif /* ACME5G_BAREMETAL_H */
