/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * acme5g bare-metal port (see acme5g_baremetal.h and the port contract in
 * acme5g.h).  No OS header: only the C library's <string.h> and the
 * integrator's callbacks.
 *
 * Waiting: every blocking port call loops over the non-blocking callback,
 * net->poll() and bm->idle() until it succeeds or its deadline, measured
 * with the tick counter, passes.
 *
 * Slot layout, for each of the two copies:
 *     offset 0   magic "A5GS"           4 B
 *            4   sequence number        4 B, little-endian
 *            8   blob length            4 B
 *           12   CRC-32 of the blob     4 B (IEEE 802.3, as zlib)
 *           16   blob
 * A write erases the copy that does not hold the newest valid blob,
 * programs the blob, then the header with sequence + 1 (the header last,
 * magic first: until it is complete the copy reads as invalid, since a
 * partly programmed length is out of range and a partly programmed CRC
 * does not match), and reads it back.  Sequence numbers compare modulo
 * 2^32, so they may wrap.  A blob of length 0 is a valid, empty blob (an
 * empty order.url means "no order in progress"), not a missing one.
 *
 * Internal names start with bm_.
 */
#include "acme5g_baremetal.h"

#include <string.h>

#define BM_HDR 16u
#define BM_MAGIC 0x53473541u /* "A5GS" little-endian */
#define BM_CHUNK 64u         /* stack buffer for CRC and copies */
#define BM_SEED_MIN 32u      /* bytes of a stored seed */
#define BM_SEED_MAX 64u
#define BM_KEY_PEM 511u      /* the library's key PEM buffer, less its NUL */

/* Secrets are cleared through a volatile pointer: a store to memory that
 * is not read again is one the compiler may drop; this one it may not. */
static void bm_wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;

    while (n--)
        *v++ = 0;
}

/* ------------------------------------------------------------------------
 * Clock
 * ---------------------------------------------------------------------- */

uint64_t acme5g_baremetal_ms(acme5g_baremetal *bm)
{
    uint32_t t = bm->ticks(bm->user);
    uint64_t total;

    if (t < bm->last_ticks)
        bm->ticks_high += (uint64_t)1 << 32;
    bm->last_ticks = t;
    total = bm->ticks_high + t;
    /* total * 1000 would overflow 64 bits after 2^64 / 1000 ticks (7 years
     * of a 100 MHz counter): divide first, then scale the remainder. */
    return total / bm->tick_hz * 1000u + total % bm->tick_hz * 1000u / bm->tick_hz;
}

static uint64_t bm_monotonic_ms(void *user)
{
    return acme5g_baremetal_ms((acme5g_baremetal *)user);
}

void acme5g_baremetal_set_time(acme5g_baremetal *bm, int64_t unix_s)
{
    bm->wall_base_ms = acme5g_baremetal_ms(bm);
    bm->wall_base_s = unix_s;
}

static int64_t bm_now_s(void *user)
{
    acme5g_baremetal *bm = (acme5g_baremetal *)user;

    if (bm->wall_base_s == 0)
        return 0; /* not set: acme5g answers ACME5G_ERR_CLOCK */
    return bm->wall_base_s + (int64_t)((acme5g_baremetal_ms(bm) - bm->wall_base_ms) / 1000u);
}

/* One round of waiting: let the stack run, then idle. */
static void bm_wait_once(acme5g_baremetal *bm)
{
    if (bm->net != NULL && bm->net->poll != NULL)
        bm->net->poll(bm->user);
    if (bm->idle != NULL)
        bm->idle(bm->user);
}

static void bm_sleep_ms(void *user, uint32_t ms)
{
    acme5g_baremetal *bm = (acme5g_baremetal *)user;
    uint64_t end = acme5g_baremetal_ms(bm) + ms;

    /* The stack keeps running while we sleep: the http-01 responder's
     * peer and TCP timers need it. */
    while (acme5g_baremetal_ms(bm) < end)
        bm_wait_once(bm);
}

static void bm_log(void *user, int level, const char *msg)
{
    acme5g_baremetal *bm = (acme5g_baremetal *)user;

    if (bm->log != NULL)
        bm->log(bm->user, level, msg);
}

/* ------------------------------------------------------------------------
 * Network: the callbacks, with deadlines
 * ---------------------------------------------------------------------- */

static int bm_connect(void *user, const char *host, uint16_t port, uint32_t timeout_ms)
{
    acme5g_baremetal *bm = (acme5g_baremetal *)user;
    uint64_t end = acme5g_baremetal_ms(bm) + timeout_ms;
    int conn;

    if (bm->net == NULL)
        return ACME5G_PORT_ERROR;
    conn = bm->net->open(bm->user, host, port);
    if (conn < 0)
        return ACME5G_PORT_ERROR;
    for (;;) {
        int st = bm->net->is_open(bm->user, conn);
        if (st > 0)
            return conn;
        if (st < 0 || acme5g_baremetal_ms(bm) >= end) {
            bm->net->close(bm->user, conn);
            return st < 0 ? ACME5G_PORT_ERROR : ACME5G_PORT_TIMEOUT;
        }
        bm_wait_once(bm);
    }
}

static int bm_send(void *user, int handle, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    acme5g_baremetal *bm = (acme5g_baremetal *)user;
    uint64_t end = acme5g_baremetal_ms(bm) + timeout_ms;

    for (;;) {
        int n = bm->net->write(bm->user, handle, buf, len);
        if (n != 0)
            return n > 0 && (size_t)n <= len ? n : ACME5G_PORT_ERROR;
        if (acme5g_baremetal_ms(bm) >= end)
            return 0;
        bm_wait_once(bm);
    }
}

static int bm_recv(void *user, int handle, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    acme5g_baremetal *bm = (acme5g_baremetal *)user;
    uint64_t end = acme5g_baremetal_ms(bm) + timeout_ms;

    for (;;) {
        int n = bm->net->read(bm->user, handle, buf, len);
        if (n > 0)
            return (size_t)n <= len ? n : ACME5G_PORT_ERROR;
        if (n == ACME5G_PORT_CLOSED)
            return n;
        if (n < 0)
            return ACME5G_PORT_ERROR;
        if (acme5g_baremetal_ms(bm) >= end)
            return 0;
        bm_wait_once(bm);
    }
}

static void bm_close(void *user, int handle)
{
    acme5g_baremetal *bm = (acme5g_baremetal *)user;

    bm->net->close(bm->user, handle);
}

static int bm_listen(void *user, uint16_t port)
{
    acme5g_baremetal *bm = (acme5g_baremetal *)user;
    int l;

    if (bm->net->listen == NULL)
        return ACME5G_PORT_ERROR;
    l = bm->net->listen(bm->user, port);
    return l < 0 ? ACME5G_PORT_ERROR : l;
}

static int bm_accept(void *user, int listener, uint32_t timeout_ms)
{
    acme5g_baremetal *bm = (acme5g_baremetal *)user;
    uint64_t end = acme5g_baremetal_ms(bm) + timeout_ms;

    if (bm->net->accept == NULL)
        return ACME5G_PORT_ERROR;
    for (;;) {
        int c = bm->net->accept(bm->user, listener);
        if (c >= 0)
            return c;
        if (c != ACME5G_PORT_TIMEOUT)
            return ACME5G_PORT_ERROR;
        if (acme5g_baremetal_ms(bm) >= end)
            return ACME5G_PORT_TIMEOUT;
        bm_wait_once(bm);
    }
}

/* ------------------------------------------------------------------------
 * Storage: two copies per slot, sequence number, CRC-32
 * ---------------------------------------------------------------------- */

static uint32_t bm_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    size_t i;
    int k;

    crc = ~crc;
    for (i = 0; i < n; i++) {
        crc ^= p[i];
        for (k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t bm_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void bm_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static int bm_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1u)) == 0;
}

/* A slot whose copies can be used without arithmetic going wrong. */
static int bm_slot_sane(const acme5g_baremetal *bm, const acme5g_baremetal_slot *s)
{
    uint32_t sec = bm->flash->sector_size;

    return bm_pow2(sec) && s->copy_size > BM_HDR && s->copy_size % sec == 0 &&
           s->addr % sec == 0 && (uint64_t)s->addr + 2u * (uint64_t)s->copy_size <= 0x100000000u;
}

/* The slot `name`; NULL when there is none.  *bad is set when there is
 * one but its geometry is unusable (acme5g_baremetal_check says why). */
static const acme5g_baremetal_slot *bm_slot(const acme5g_baremetal *bm, const char *name,
                                            int *bad)
{
    size_t i;

    *bad = 0;
    if (bm->flash == NULL || bm->slots == NULL)
        return NULL;
    for (i = 0; i < bm->slot_count; i++)
        if (bm->slots[i].name != NULL && strcmp(bm->slots[i].name, name) == 0) {
            *bad = !bm_slot_sane(bm, &bm->slots[i]);
            return &bm->slots[i];
        }
    return NULL;
}

/* Check one copy: 1 valid (sequence and length out), 0 invalid, -1 read
 * error.  The CRC is computed over the flash contents in small chunks. */
static int bm_copy_check(const acme5g_baremetal *bm, const acme5g_baremetal_slot *s, int copy,
                         uint32_t *seq, uint32_t *len)
{
    uint8_t chunk[BM_CHUNK];
    uint32_t addr = s->addr + (uint32_t)copy * s->copy_size;
    uint32_t n, done, crc = 0;

    if (bm->flash->read(bm->user, addr, chunk, BM_HDR) != 0)
        return -1;
    if (bm_get32(chunk) != BM_MAGIC)
        return 0;
    *seq = bm_get32(chunk + 4);
    *len = bm_get32(chunk + 8);
    if (*len > s->copy_size - BM_HDR)
        return 0;
    n = bm_get32(chunk + 12); /* the stored CRC */
    for (done = 0; done < *len; done += BM_CHUNK) {
        uint32_t part = *len - done < BM_CHUNK ? *len - done : BM_CHUNK;
        if (bm->flash->read(bm->user, addr + BM_HDR + done, chunk, part) != 0)
            return -1;
        crc = bm_crc32(crc, chunk, part);
    }
    return crc == n;
}

/* The copy holding the newest valid blob: 0 or 1, or -1 when neither is
 * valid, -2 on a read error.  Sequence numbers compare modulo 2^32. */
static int bm_newest(const acme5g_baremetal *bm, const acme5g_baremetal_slot *s,
                     uint32_t *seq, uint32_t *len)
{
    uint32_t sq[2] = {0, 0}, ln[2] = {0, 0};
    int ok0 = bm_copy_check(bm, s, 0, &sq[0], &ln[0]);
    int ok1 = bm_copy_check(bm, s, 1, &sq[1], &ln[1]);
    int pick;

    if (ok0 < 0 || ok1 < 0)
        return -2;
    if (!ok0 && !ok1)
        return -1;
    if (ok0 && ok1)
        pick = (int32_t)(sq[1] - sq[0]) > 0 ? 1 : 0;
    else
        pick = ok1 ? 1 : 0;
    *seq = sq[pick];
    *len = ln[pick];
    return pick;
}

static int bm_slot_read(acme5g_baremetal *bm, const char *name, uint8_t *buf, size_t cap,
                        size_t *len)
{
    int bad;
    const acme5g_baremetal_slot *s = bm_slot(bm, name, &bad);
    uint8_t hdr[BM_HDR];
    uint32_t seq, n, addr;
    int copy;

    if (s == NULL)
        return ACME5G_PORT_NOT_FOUND;
    if (bad)
        return ACME5G_PORT_ERROR;
    copy = bm_newest(bm, s, &seq, &n);
    if (copy == -1)
        return ACME5G_PORT_NOT_FOUND;
    if (copy < 0)
        return ACME5G_PORT_ERROR;
    if (n >= cap)
        return ACME5G_PORT_TOO_LARGE; /* one byte stays free for a NUL */
    addr = s->addr + (uint32_t)copy * s->copy_size;
    if (bm->flash->read(bm->user, addr + BM_HDR, buf, n) != 0 ||
        bm->flash->read(bm->user, addr, hdr, BM_HDR) != 0)
        return ACME5G_PORT_ERROR;
    /* Check what we return, not only what we checked before. */
    if (bm_crc32(0, buf, n) != bm_get32(hdr + 12))
        return ACME5G_PORT_ERROR;
    *len = n;
    return 0;
}

static int bm_slot_write(acme5g_baremetal *bm, const char *name, const uint8_t *buf, size_t len)
{
    int bad;
    const acme5g_baremetal_slot *s = bm_slot(bm, name, &bad);
    const acme5g_baremetal_flash *f = bm->flash;
    uint8_t hdr[BM_HDR];
    uint32_t seq = 0, old_len, addr, off, got_seq, got_len;
    int newest;

    if (s == NULL || bad || len > s->copy_size - BM_HDR)
        return ACME5G_PORT_ERROR;
    newest = bm_newest(bm, s, &seq, &old_len);
    if (newest == -2)
        return ACME5G_PORT_ERROR;
    if (newest == -1)
        seq = 0;
    /* Write over the other copy: the newest stays intact until the new
     * header is complete. */
    addr = s->addr + (uint32_t)(newest == 0 ? 1 : 0) * s->copy_size;
    for (off = 0; off < s->copy_size; off += f->sector_size)
        if (f->erase(bm->user, addr + off) != 0)
            return ACME5G_PORT_ERROR;
    if (len > 0 && f->program(bm->user, addr + BM_HDR, buf, len) != 0)
        return ACME5G_PORT_ERROR;
    bm_put32(hdr, BM_MAGIC);
    bm_put32(hdr + 4, seq + 1u);
    bm_put32(hdr + 8, (uint32_t)len);
    bm_put32(hdr + 12, bm_crc32(0, buf, len));
    if (f->program(bm->user, addr, hdr, BM_HDR) != 0)
        return ACME5G_PORT_ERROR;
    /* Read back: a worn sector must not pass for a good write. */
    if (bm_newest(bm, s, &got_seq, &got_len) != (newest == 0 ? 1 : 0) ||
        got_seq != seq + 1u || got_len != len)
        return ACME5G_PORT_ERROR;
    return 0;
}

int acme5g_baremetal_slot_state(const acme5g_baremetal *bm, const char *name,
                                acme5g_baremetal_copy_state copies[2])
{
    int bad, copy, newest = ACME5G_BAREMETAL_NO_VALID_COPY;
    const acme5g_baremetal_slot *s = bm_slot(bm, name, &bad);

    if (s == NULL)
        return ACME5G_PORT_NOT_FOUND;
    if (bad)
        return ACME5G_PORT_ERROR;
    for (copy = 0; copy < 2; copy++) {
        acme5g_baremetal_copy_state *c = &copies[copy];
        uint8_t hdr[BM_HDR];
        size_t i;
        int ok;

        c->seq = 0;
        c->len = 0;
        if (bm->flash->read(bm->user, s->addr + (uint32_t)copy * s->copy_size, hdr, BM_HDR) != 0) {
            c->state = ACME5G_BAREMETAL_COPY_UNREADABLE;
            continue;
        }
        for (i = 0; i < BM_HDR && hdr[i] == 0xFFu; i++)
            ;
        ok = bm_copy_check(bm, s, copy, &c->seq, &c->len);
        c->state = ok > 0 ? ACME5G_BAREMETAL_COPY_VALID
                 : ok < 0 ? ACME5G_BAREMETAL_COPY_UNREADABLE
                 : i == BM_HDR ? ACME5G_BAREMETAL_COPY_EMPTY : ACME5G_BAREMETAL_COPY_CORRUPT;
        if (ok <= 0)
            c->seq = c->len = 0;
    }
    if (copies[0].state == ACME5G_BAREMETAL_COPY_UNREADABLE ||
        copies[1].state == ACME5G_BAREMETAL_COPY_UNREADABLE)
        return ACME5G_PORT_ERROR;
    if (copies[0].state == ACME5G_BAREMETAL_COPY_VALID)
        newest = 0;
    if (copies[1].state == ACME5G_BAREMETAL_COPY_VALID &&
        (newest != 0 || (int32_t)(copies[1].seq - copies[0].seq) > 0))
        newest = 1;
    return newest;
}

static int bm_store_read(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    return bm_slot_read((acme5g_baremetal *)user, name, buf, cap, len);
}

static int bm_store_write(void *user, const char *name, const uint8_t *buf, size_t len,
                          int secret)
{
    /* No file permissions here: keep the slots in flash covered by the
     * MCU's read-out protection. */
    (void)secret;
    return bm_slot_write((acme5g_baremetal *)user, name, buf, len);
}

/* ------------------------------------------------------------------------
 * Entropy: the TRNG hook, or a provisioned seed rolled forward in flash
 * ---------------------------------------------------------------------- */

/* out = SHA-256(key || label || counter || ticks).  The tick count adds
 * little and costs nothing. */
static void bm_hash(uint8_t out[32], uint8_t label, const uint8_t *key, size_t key_len,
                    uint32_t counter, uint32_t ticks)
{
    br_sha256_context h;
    uint8_t tail[9];

    tail[0] = label;
    bm_put32(tail + 1, counter);
    bm_put32(tail + 5, ticks);
    br_sha256_init(&h);
    br_sha256_update(&h, key, key_len);
    br_sha256_update(&h, tail, sizeof tail);
    br_sha256_out(&h, out);
    bm_wipe(&h, sizeof h);
}

/* Erase the copy of slot `name` that does not hold the newest blob (done
 * with the seed slot: the seed this boot read must not stay in flash). */
static int bm_slot_retire(acme5g_baremetal *bm, const char *name)
{
    int bad;
    const acme5g_baremetal_slot *s = bm_slot(bm, name, &bad);
    uint32_t seq, len, addr, off;
    int newest;

    if (s == NULL || bad)
        return -1;
    newest = bm_newest(bm, s, &seq, &len);
    if (newest < 0)
        return -1;
    addr = s->addr + (uint32_t)(newest == 0 ? 1 : 0) * s->copy_size;
    for (off = 0; off < s->copy_size; off += bm->flash->sector_size)
        if (bm->flash->erase(bm->user, addr + off) != 0)
            return -1;
    return 0;
}

/* Once per boot: derive this boot's RAM seed and the next boot's stored
 * seed, both from the stored one (so the RAM seed does not tell the next
 * boot's), store the next one, and only then let anything be output: a
 * reset never replays the same bytes.  Then erase the copy holding the
 * seed just read. */
static int bm_seed_load(acme5g_baremetal *bm)
{
    uint8_t stored[BM_SEED_MAX + 1], next[32];
    size_t n = 0;
    uint32_t t = bm->ticks(bm->user);
    int err = 0;

    if (bm_slot_read(bm, ACME5G_BAREMETAL_SEED_SLOT, stored, sizeof stored, &n) != 0 ||
        n < BM_SEED_MIN) {
        bm_log(bm, 0, "no entropy: the seed slot " ACME5G_BAREMETAL_SEED_SLOT
                      " is missing, empty or unreadable");
        err = -1;
    }
    if (!err) {
        bm_hash(bm->seed, 0x01, stored, n, 0, t);
        bm_hash(next, 0x02, stored, n, 0, t);
        if (bm_slot_write(bm, ACME5G_BAREMETAL_SEED_SLOT, next, sizeof next) != 0) {
            bm_log(bm, 0, "no entropy: the seed slot " ACME5G_BAREMETAL_SEED_SLOT
                          " cannot be rolled forward");
            err = -1;
        }
    }
    if (!err && bm_slot_retire(bm, ACME5G_BAREMETAL_SEED_SLOT) != 0)
        bm_log(bm, 1, "the old copy of " ACME5G_BAREMETAL_SEED_SLOT " could not be erased");
    bm_wipe(stored, sizeof stored);
    bm_wipe(next, sizeof next);
    if (err)
        bm_wipe(bm->seed, sizeof bm->seed);
    return err;
}

static int bm_entropy(void *user, uint8_t *buf, size_t len)
{
    acme5g_baremetal *bm = (acme5g_baremetal *)user;
    uint8_t block[32];
    size_t done, part;

    if (bm->entropy != NULL)
        return bm->entropy(bm->user, buf, len) == 0 ? 0 : ACME5G_PORT_ERROR;
    if (bm->seed_state == 0)
        bm->seed_state = bm_seed_load(bm) == 0 ? 1 : -1;
    if (bm->seed_state < 0)
        return ACME5G_PORT_ERROR;
    for (done = 0; done < len; done += part) {
        uint32_t t = bm->ticks(bm->user);
        part = len - done < sizeof block ? len - done : sizeof block;
        bm_hash(block, 0x03, bm->seed, sizeof bm->seed, bm->seed_counter, t);
        memcpy(buf + done, block, part);
        /* forward secrecy: the seed that made these bytes is gone */
        bm_hash(bm->seed, 0x04, bm->seed, sizeof bm->seed, bm->seed_counter, t);
        bm->seed_counter++;
    }
    bm_wipe(block, sizeof block);
    return 0;
}

/* ------------------------------------------------------------------------
 * The start-up check
 * ---------------------------------------------------------------------- */

/* The slots each flow writes, with the largest blob it stores there. */
static const struct bm_need {
    const char *name;
    uint32_t min_blob;
    unsigned needs;
} bm_needs[] = {
    {ACME5G_STORE_ACCOUNT_KEY, BM_KEY_PEM,
     ACME5G_BAREMETAL_NEEDS_ENROL | ACME5G_BAREMETAL_NEEDS_ROLLOVER},
    {ACME5G_STORE_ACCOUNT_URL, ACME5G_URL_MAX - 1u,
     ACME5G_BAREMETAL_NEEDS_ENROL | ACME5G_BAREMETAL_NEEDS_ROLLOVER},
    {ACME5G_STORE_ACCOUNT_KEY_NEW, BM_KEY_PEM, ACME5G_BAREMETAL_NEEDS_ROLLOVER},
    {ACME5G_STORE_CERT_KEY, BM_KEY_PEM, ACME5G_BAREMETAL_NEEDS_ENROL},
    {ACME5G_STORE_CERT_KEY_NEW, BM_KEY_PEM, ACME5G_BAREMETAL_NEEDS_ENROL},
    {ACME5G_STORE_CERT, ACME5G_BODY_MAX, ACME5G_BAREMETAL_NEEDS_ENROL},
    {ACME5G_STORE_ORDER_URL, ACME5G_URL_MAX - 1u, ACME5G_BAREMETAL_NEEDS_ENROL},
};

/* The slot `name` is in the table with room for min_blob bytes. */
static int bm_check_slot(const acme5g_baremetal *bm, const char *name, uint32_t min_blob,
                         const char **what)
{
    int bad;
    const acme5g_baremetal_slot *s = bm_slot(bm, name, &bad);

    *what = name;
    if (s == NULL)
        return ACME5G_BAREMETAL_CHECK_MISSING;
    if (s->copy_size - BM_HDR < min_blob)
        return ACME5G_BAREMETAL_CHECK_SMALL;
    return 0;
}

static int bm_check_slots(const acme5g_baremetal *bm, unsigned needs, const char **what)
{
    const acme5g_baremetal_flash *f = bm->flash;
    size_t i, j;
    int err;

    if (bm->slot_count > 0 && bm->slots == NULL) {
        *what = "slots";
        return ACME5G_BAREMETAL_CHECK_FIELD;
    }
    for (i = 0; i < bm->slot_count; i++) {
        const acme5g_baremetal_slot *s = &bm->slots[i];
        uint64_t end = (uint64_t)s->addr + 2u * (uint64_t)s->copy_size;
        if (s->name == NULL || s->name[0] == 0) {
            *what = "a slot without a name";
            return ACME5G_BAREMETAL_CHECK_LAYOUT;
        }
        *what = s->name;
        if (!bm_slot_sane(bm, s) || (f->size != 0 && end > f->size))
            return ACME5G_BAREMETAL_CHECK_LAYOUT;
        for (j = 0; j < i; j++) {
            const acme5g_baremetal_slot *o = &bm->slots[j];
            uint64_t o_end = (uint64_t)o->addr + 2u * (uint64_t)o->copy_size;
            if ((o->name != NULL && strcmp(o->name, s->name) == 0) ||
                (s->addr < o_end && o->addr < end))
                return ACME5G_BAREMETAL_CHECK_OVERLAP;
        }
    }
    if (bm->entropy == NULL &&
        (err = bm_check_slot(bm, ACME5G_BAREMETAL_SEED_SLOT, BM_SEED_MAX, what)) != 0)
        return err;
    for (i = 0; i < sizeof bm_needs / sizeof bm_needs[0]; i++)
        if ((bm_needs[i].needs & needs) != 0 &&
            (err = bm_check_slot(bm, bm_needs[i].name, bm_needs[i].min_blob, what)) != 0)
            return err;
    return 0;
}

int acme5g_baremetal_check(const acme5g_baremetal *bm, unsigned needs, const char **what)
{
    const acme5g_baremetal_net *n = bm->net;
    const acme5g_baremetal_flash *f = bm->flash;
    const char *dummy;

    if (what == NULL)
        what = &dummy;
    *what = "net";
    if (n == NULL)
        return ACME5G_BAREMETAL_CHECK_FIELD;
    *what = n->open == NULL ? "net->open" : n->is_open == NULL ? "net->is_open"
          : n->write == NULL ? "net->write" : n->read == NULL ? "net->read"
          : n->close == NULL ? "net->close" : NULL;
    if (*what == NULL && (needs & ACME5G_BAREMETAL_NEEDS_HTTP01) != 0)
        *what = n->listen == NULL ? "net->listen" : n->accept == NULL ? "net->accept" : NULL;
    if (*what == NULL)
        *what = bm->ticks == NULL ? "ticks" : bm->tick_hz == 0 ? "tick_hz"
              : f == NULL ? "flash" : !bm_pow2(f->sector_size) ? "flash->sector_size"
              : f->read == NULL ? "flash->read" : f->erase == NULL ? "flash->erase"
              : f->program == NULL ? "flash->program" : NULL;
    if (*what != NULL)
        return ACME5G_BAREMETAL_CHECK_FIELD;
    return bm_check_slots(bm, needs, what);
}

const char *acme5g_baremetal_check_str(int code)
{
    switch (code) {
    case 0:
        return "ok";
    case ACME5G_BAREMETAL_CHECK_FIELD:
        return "bare-metal port: callback or field not set or invalid";
    case ACME5G_BAREMETAL_CHECK_MISSING:
        return "bare-metal port: storage slot missing";
    case ACME5G_BAREMETAL_CHECK_SMALL:
        return "bare-metal port: storage slot too small";
    case ACME5G_BAREMETAL_CHECK_LAYOUT:
        return "bare-metal port: storage slot misplaced (sector alignment, size, device end)";
    case ACME5G_BAREMETAL_CHECK_OVERLAP:
        return "bare-metal port: storage slots overlap or share a name";
    default:
        return "bare-metal port: unknown check code";
    }
}

/* ------------------------------------------------------------------------
 * The port
 * ---------------------------------------------------------------------- */

void acme5g_baremetal_port(acme5g_baremetal *bm, acme5g_port *port)
{
    bm->last_ticks = 0;
    bm->ticks_high = 0;
    bm->wall_base_s = 0;
    bm->wall_base_ms = 0;
    bm_wipe(bm->seed, sizeof bm->seed);
    bm->seed_counter = 0;
    bm->seed_state = 0;

    memset(port, 0, sizeof *port);
    port->user = bm;
    port->connect = bm_connect;
    port->send = bm_send;
    port->recv = bm_recv;
    port->close = bm_close;
    if (bm->net != NULL && bm->net->listen != NULL && bm->net->accept != NULL) {
        port->listen = bm_listen;
        port->accept = bm_accept;
    }
    port->now_s = bm_now_s;
    port->monotonic_ms = bm_monotonic_ms;
    port->sleep_ms = bm_sleep_ms;
    port->entropy = bm_entropy;
    port->store_read = bm_store_read;
    port->store_write = bm_store_write;
    port->log = bm_log;
}
