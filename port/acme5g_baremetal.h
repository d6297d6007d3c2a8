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
 * Usage (examples/firmware/firmware_main.c is a whole image; the network
 * callbacks over lwIP's raw API are port/acme5g_lwip.c, the slot table of
 * that image is examples/firmware/fw_slots.h):
 *     static acme5g_baremetal bm;     // fill net, ticks, flash, slots...
 *     acme5g_port port;
 *     const char *what;
 *     acme5g_baremetal_port(&bm, &port);
 *     if (acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_ENROL, &what))
 *         ...print what and stop: a slot or a callback is missing...
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
    /* The device's size: every slot lies below this address.  0: not
     * checked (acme5g_baremetal_check). */
    uint32_t size;
} acme5g_baremetal_flash;

/* A named slot: two copies of `copy_size` bytes each (a multiple of
 * sector_size), at addr (sector-aligned) and at addr + copy_size.  A blob
 * may hold copy_size - 16 bytes.  The names acme5g stores are the
 * ACME5G_STORE_* macros of acme5g.h; the capacity each one needs is listed
 * at acme5g_baremetal_check() below.  An application may add slots of its
 * own (e.g. its trust anchors) and read them with port.store_read(). */
typedef struct acme5g_baremetal_slot {
    const char *name;
    uint32_t addr;
    uint32_t copy_size;
} acme5g_baremetal_slot;

/* The slot for the entropy seed when there is no TRNG hook: 32 to 64
 * secret random bytes, different on every device, written at production.
 * At the first entropy request after each boot the port derives its RAM
 * seed from the stored one, stores a successor (also derived from the
 * stored seed, never from the RAM seed), and only then outputs anything;
 * the copy holding the seed it read is erased afterwards.  A device that
 * boots twice never repeats its random bytes, and neither a RAM dump nor
 * the flash afterwards tells what an earlier boot drew. */
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

/* Milliseconds from the tick counter: its value plus 2^32 for each wrap
 * seen since acme5g_baremetal_port(), divided by tick_hz.  Must be
 * called at least once per wrap of the counter (the library does so
 * whenever it waits; 49 days at 1 kHz).  Exact for any tick_hz, and no
 * overflow in the lifetime of a device. */
uint64_t acme5g_baremetal_ms(acme5g_baremetal *bm);

/* Check the set-up, at boot, before any flow: so that a slot the flow
 * writes after the challenges cannot turn out to be missing only then.
 * Call it after acme5g_baremetal_port(); it reads nothing from the flash
 * and calls no callback.
 *
 * `needs` is an OR of the flows the firmware runs:
 *   ACME5G_BAREMETAL_NEEDS_ENROL     acme5g_enrol() and renewals: the slots
 *       "account.key", "cert.key" and "cert.key.new" (each >= 511 B),
 *       "account.url" and "order.url" (>= ACME5G_URL_MAX - 1 B), "cert.pem"
 *       (the chain, >= ACME5G_BODY_MAX B);
 *   ACME5G_BAREMETAL_NEEDS_ROLLOVER  acme5g_account_rollover(): also
 *       "account.key.new" (>= 511 B), "account.key" and "account.url";
 *   ACME5G_BAREMETAL_NEEDS_HTTP01    the built-in http-01 responder: the
 *       net->listen and net->accept callbacks.
 * 0 checks only what every use needs: net with open, is_open, write,
 * read and close; ticks and tick_hz > 0; flash with a power-of-two
 * sector_size, read, erase and program; every slot named, at a
 * sector-aligned address, copy_size a multiple of sector_size and more than
 * the 16 B header, both copies below flash->size (when it is set), no two
 * slots overlapping or sharing a name; and the slot
 * ACME5G_BAREMETAL_SEED_SLOT (>= 64 B) when bm->entropy is NULL.
 * The capacities are those of the ACME5G_* config this file is compiled
 * with: compile the port with the library's config.
 *
 * Returns 0 when all is well, else one of the ACME5G_BAREMETAL_CHECK_*
 * codes below with *what (may be NULL) set to a constant string naming
 * the culprit: a slot name (from the table or the one missing) or a field
 * ("net->listen", "tick_hz", "flash->sector_size", ...).  The first problem
 * found is reported.  acme5g_baremetal_check_str() describes a code, so a
 * firmware prints one line: "<description>: <what>". */
#define ACME5G_BAREMETAL_NEEDS_ENROL 1u
#define ACME5G_BAREMETAL_NEEDS_ROLLOVER 2u
#define ACME5G_BAREMETAL_NEEDS_HTTP01 4u

#define ACME5G_BAREMETAL_CHECK_FIELD (-1)     /* a callback or field unset or invalid */
#define ACME5G_BAREMETAL_CHECK_MISSING (-2)   /* a slot the flow needs is not in the table */
#define ACME5G_BAREMETAL_CHECK_SMALL (-3)     /* a slot too small for what is stored there */
#define ACME5G_BAREMETAL_CHECK_LAYOUT (-4)    /* a slot misaligned, off the device, unnamed */
#define ACME5G_BAREMETAL_CHECK_OVERLAP (-5)   /* a slot overlapping another (or same name) */

int acme5g_baremetal_check(const acme5g_baremetal *bm, unsigned needs, const char **what);

/* The state of one copy of a slot, for diagnostics (a boot log, a
 * production test, the host tool build/fw-store). */
#define ACME5G_BAREMETAL_COPY_EMPTY 0      /* no header: erased, or a write cut before it */
#define ACME5G_BAREMETAL_COPY_VALID 1      /* header and CRC good */
#define ACME5G_BAREMETAL_COPY_CORRUPT 2    /* a bad header (e.g. a write cut while it was
                                              programmed) or a bad CRC */
#define ACME5G_BAREMETAL_COPY_UNREADABLE 3 /* flash->read failed */
typedef struct acme5g_baremetal_copy_state {
    int state;     /* ACME5G_BAREMETAL_COPY_* */
    uint32_t seq;  /* sequence number, when valid */
    uint32_t len;  /* blob length, when valid */
} acme5g_baremetal_copy_state;

/* Read the two copies of slot `name` (flash->read only) into copies[0]
 * and copies[1].  Returns the copy store_read() would return (0 or 1),
 * ACME5G_BAREMETAL_NO_VALID_COPY when neither is valid (store_read()
 * answers ACME5G_PORT_NOT_FOUND), ACME5G_PORT_NOT_FOUND when the table has
 * no such slot, or ACME5G_PORT_ERROR when its geometry is invalid or a
 * read fails (copies[] then says which). */
#define ACME5G_BAREMETAL_NO_VALID_COPY 2
int acme5g_baremetal_slot_state(const acme5g_baremetal *bm, const char *name,
                                acme5g_baremetal_copy_state copies[2]);

/* A constant description of a code of acme5g_baremetal_check() (e.g.
 * "storage slot missing"); "ok" for 0. */
const char *acme5g_baremetal_check_str(int code);

#ifdef __cplusplus
}
#endif

#endif /* ACME5G_BAREMETAL_H */
