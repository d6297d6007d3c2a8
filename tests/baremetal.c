/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/baremetal.c -- host unit tests of port/acme5g_baremetal.c, which it
 * includes (static functions reachable), over a RAM-backed NOR flash, a
 * tick counter the test drives and scripted network callbacks.
 *
 * The fake flash enforces NOR semantics: erase by whole sectors to 0xFF,
 * programming only clears bits (a program that would have to set a bit is
 * counted as a violation and fails every test that caused it), and it can
 * lose power after a given number of programmed bytes or erased sectors
 * (every access fails from then on, until the test "reboots").
 *
 * Built with the example firmware's config (examples/firmware/
 * acme5g_config.h), so that its slot table (fw_slots.h) is checked with
 * the capacities the image needs.  BAREMETAL_ONLY=part runs only the tests
 * whose names contain it.  Prints ok/FAIL per test and "N passed, N failed".
 */
#include "../port/acme5g_baremetal.c"
#include "fw_slots.h"

#include <stdio.h>
#include <stdlib.h>

/* ==========================================================================
 * Checks
 * ======================================================================== */

static int test_failed, fail_lines, tests_passed, tests_failed;

static void check_fail(int line, const char *expr, long long a, long long b)
{
    test_failed = 1;
    if (++fail_lines <= 10)
        printf("FAIL tests/baremetal.c:%d: %s (%lld vs %lld)\n", line, expr, a, b);
}

#define CHECK(c) do { if (!(c)) check_fail(__LINE__, #c, 0, 0); } while (0)
#define CHECK_INT(a, b) \
    do { \
        long long a_ = (long long)(a), b_ = (long long)(b); \
        if (a_ != b_) check_fail(__LINE__, #a " == " #b, a_, b_); \
    } while (0)
#define CHECK_STR(a, b) \
    do { \
        const char *a_ = (a), *b_ = (b); \
        if (a_ == NULL || strcmp(a_, b_) != 0) { \
            printf("# got \"%s\", want \"%s\"\n", a_ ? a_ : "(null)", b_); \
            check_fail(__LINE__, #a " == " #b, 0, 0); \
        } \
    } while (0)

/* ==========================================================================
 * The fake board: flash, ticks, network
 * ======================================================================== */

#define FL_SIZE FW_STORE_SIZE
#define FL_SECTOR FW_STORE_SECTOR

static uint8_t fl[FL_SIZE];
static int fl_violations;     /* programs that needed a 1 bit, bad erases */
static long fl_prog_budget;   /* bytes programmable before the power cut; -1: no cut */
static long fl_erase_budget;  /* sectors erasable before the power cut; -1: no cut */
static int fl_off;            /* the power is off: everything fails */
static long fl_read_fail_at;  /* fail the read covering this address; -1: never */
static unsigned long fl_programs, fl_erases;

static int fl_read(void *user, uint32_t addr, uint8_t *buf, size_t len)
{
    (void)user;
    if (fl_off || addr > FL_SIZE || len > FL_SIZE - addr)
        return -1;
    if (fl_read_fail_at >= 0 && (long)addr <= fl_read_fail_at &&
        fl_read_fail_at < (long)(addr + len))
        return -1;
    memcpy(buf, fl + addr, len);
    return 0;
}

static int fl_erase(void *user, uint32_t addr)
{
    (void)user;
    if (fl_off)
        return -1;
    if (addr % FL_SECTOR != 0 || addr >= FL_SIZE) {
        fl_violations++;
        return -1;
    }
    if (fl_erase_budget == 0) {
        fl_off = 1;
        return -1;
    }
    if (fl_erase_budget > 0)
        fl_erase_budget--;
    memset(fl + addr, 0xFF, FL_SECTOR);
    fl_erases++;
    return 0;
}

static int fl_program(void *user, uint32_t addr, const uint8_t *buf, size_t len)
{
    size_t i;
    (void)user;
    if (fl_off)
        return -1;
    if (addr > FL_SIZE || len > FL_SIZE - addr) {
        fl_violations++;
        return -1;
    }
    fl_programs++;
    for (i = 0; i < len; i++) {
        if (fl_prog_budget == 0) {
            fl_off = 1; /* cut after i bytes */
            return -1;
        }
        if (fl_prog_budget > 0)
            fl_prog_budget--;
        if ((buf[i] & (uint8_t)~fl[addr + i]) != 0) {
            fl_violations++; /* NOR cannot set a bit */
            return -1;
        }
        fl[addr + i] &= buf[i];
    }
    return 0;
}

static acme5g_baremetal_flash fl_dev = {FL_SECTOR, fl_read, fl_erase, fl_program, FL_SIZE};

/* The tick counter: advances by tk_step at every read. */
static uint32_t tk, tk_step;

static uint32_t tk_ticks(void *user)
{
    uint32_t t = tk;
    (void)user;
    tk += tk_step;
    return t;
}

/* Scripted network. */
static int net_open_ret, net_is_open_after, net_is_open_ret, net_io_after, net_io_ret;
static int net_polls, net_closed, net_idles, net_calls;

static void net_reset(void)
{
    net_open_ret = 3;
    net_is_open_after = -1; /* never */
    net_is_open_ret = 1;
    net_io_after = -1;
    net_io_ret = 0;
    net_polls = net_closed = net_idles = net_calls = 0;
}

static int net_open(void *user, const char *host, uint16_t port)
{
    (void)user;
    (void)host;
    (void)port;
    return net_open_ret;
}

/* 0 until net_is_open_after polls have run, then net_is_open_ret. */
static int net_is_open(void *user, int conn)
{
    (void)user;
    (void)conn;
    return net_is_open_after >= 0 && net_polls >= net_is_open_after ? net_is_open_ret : 0;
}

static int net_io(void)
{
    net_calls++;
    return net_io_after >= 0 && net_polls >= net_io_after ? net_io_ret : 0;
}

static int net_write(void *user, int conn, const uint8_t *buf, size_t len)
{
    (void)user;
    (void)conn;
    (void)buf;
    (void)len;
    return net_io();
}

static int net_read(void *user, int conn, uint8_t *buf, size_t len)
{
    (void)user;
    (void)conn;
    (void)buf;
    (void)len;
    return net_io();
}

static void net_close(void *user, int conn)
{
    (void)user;
    (void)conn;
    net_closed++;
}

static int net_listen(void *user, uint16_t port)
{
    (void)user;
    (void)port;
    return 7;
}

static int net_accept(void *user, int listener)
{
    (void)user;
    (void)listener;
    net_calls++;
    return net_io_after >= 0 && net_polls >= net_io_after ? net_io_ret : ACME5G_PORT_TIMEOUT;
}

static void net_poll(void *user)
{
    (void)user;
    net_polls++;
}

static void net_idle(void *user)
{
    (void)user;
    net_idles++;
}

static acme5g_baremetal_net fake_net = {net_open, net_is_open, net_write, net_read, net_close,
                                        net_listen, net_accept, net_poll};

static const acme5g_baremetal_slot fw_table[FW_SLOT_COUNT] = FW_SLOT_TABLE(0);

static acme5g_baremetal bm;
static acme5g_port port;

/* A boot: the port over the fake board, the power back on. */
static void boot(void)
{
    memset(&bm, 0, sizeof bm);
    bm.net = &fake_net;
    bm.ticks = tk_ticks;
    bm.tick_hz = 1000;
    bm.flash = &fl_dev;
    bm.slots = fw_table;
    bm.slot_count = FW_SLOT_COUNT;
    bm.idle = net_idle;
    fl_off = 0;
    fl_prog_budget = -1;
    fl_erase_budget = -1;
    fl_read_fail_at = -1;
    acme5g_baremetal_port(&bm, &port);
}

/* A fresh device: erased flash, counters cleared. */
static void fresh(void)
{
    memset(fl, 0xFF, sizeof fl);
    fl_violations = 0;
    fl_programs = fl_erases = 0;
    tk = 0;
    tk_step = 1;
    net_reset();
    fl_dev.sector_size = FL_SECTOR;
    fl_dev.size = FL_SIZE;
    boot();
}

static int put(const char *name, const void *blob, size_t len)
{
    return port.store_write(port.user, name, (const uint8_t *)blob, len, 0);
}

/* Read `name` into buf (NUL-terminated); its length, or the port's code. */
static long get(const char *name, char *buf, size_t cap)
{
    size_t len = 0;
    int r = port.store_read(port.user, name, (uint8_t *)buf, cap, &len);
    if (r != 0)
        return r;
    buf[len] = 0;
    return (long)len;
}

static const acme5g_baremetal_slot *slot_of(const char *name)
{
    int bad;
    return bm_slot(&bm, name, &bad);
}

/* Where copy `copy` of slot `name` starts in fl[]. */
static uint8_t *copy_at(const char *name, int copy)
{
    const acme5g_baremetal_slot *s = slot_of(name);
    return fl + s->addr + (uint32_t)copy * s->copy_size;
}

static void fill(char *buf, size_t len, unsigned seed)
{
    size_t i;
    for (i = 0; i < len; i++)
        buf[i] = (char)('A' + (seed * 7u + i * 13u) % 26u);
    buf[len] = 0;
}

/* ==========================================================================
 * Storage
 * ======================================================================== */

static void slot_round_trip_alternates_copies(void)
{
    char buf[200];
    acme5g_baremetal_copy_state st[2];
    fresh();
    CHECK_INT(get(ACME5G_STORE_ACCOUNT_URL, buf, sizeof buf), ACME5G_PORT_NOT_FOUND);
    CHECK_INT(acme5g_baremetal_slot_state(&bm, ACME5G_STORE_ACCOUNT_URL, st),
              ACME5G_BAREMETAL_NO_VALID_COPY);
    CHECK_INT(st[0].state, ACME5G_BAREMETAL_COPY_EMPTY);
    CHECK_INT(put(ACME5G_STORE_ACCOUNT_URL, "https://a/1", 11), 0);
    CHECK_INT(get(ACME5G_STORE_ACCOUNT_URL, buf, sizeof buf), 11);
    CHECK_STR(buf, "https://a/1");
    CHECK_INT(acme5g_baremetal_slot_state(&bm, ACME5G_STORE_ACCOUNT_URL, st), 0);
    CHECK_INT(st[0].state, ACME5G_BAREMETAL_COPY_VALID);
    CHECK_INT(st[0].seq, 1);
    CHECK_INT(st[0].len, 11);
    CHECK_INT(st[1].state, ACME5G_BAREMETAL_COPY_EMPTY);
    CHECK_INT(put(ACME5G_STORE_ACCOUNT_URL, "https://a/22", 12), 0);
    CHECK_INT(acme5g_baremetal_slot_state(&bm, ACME5G_STORE_ACCOUNT_URL, st), 1);
    CHECK_INT(st[1].seq, 2);
    CHECK_INT(put(ACME5G_STORE_ACCOUNT_URL, "https://a/333", 13), 0);
    CHECK_INT(acme5g_baremetal_slot_state(&bm, ACME5G_STORE_ACCOUNT_URL, st), 0);
    CHECK_INT(st[0].seq, 3);
    CHECK_INT(st[1].seq, 2);
    boot(); /* what a reboot reads */
    CHECK_INT(get(ACME5G_STORE_ACCOUNT_URL, buf, sizeof buf), 13);
    CHECK_STR(buf, "https://a/333");
    /* other slots untouched */
    CHECK_INT(get(ACME5G_STORE_ORDER_URL, buf, sizeof buf), ACME5G_PORT_NOT_FOUND);
    CHECK_INT(fl_violations, 0);
}

static void slot_empty_blob_is_not_missing(void)
{
    char buf[64];
    fresh();
    CHECK_INT(put(ACME5G_STORE_ORDER_URL, "https://o/1", 11), 0);
    CHECK_INT(put(ACME5G_STORE_ORDER_URL, "", 0), 0); /* "no order in progress" */
    CHECK_INT(get(ACME5G_STORE_ORDER_URL, buf, sizeof buf), 0);
    boot();
    CHECK_INT(get(ACME5G_STORE_ORDER_URL, buf, sizeof buf), 0);
    CHECK_INT(fl_violations, 0);
}

static void slot_limits_not_found_too_large(void)
{
    static char big[0x2001];
    char buf[16];
    const acme5g_baremetal_slot *s;
    uint32_t cap;
    size_t len;
    fresh();
    s = slot_of(ACME5G_STORE_CERT);
    cap = s->copy_size - BM_HDR;
    fill(big, cap, 1);
    /* unknown names: not found to read, refused to write */
    CHECK_INT(get("no.such", buf, sizeof buf), ACME5G_PORT_NOT_FOUND);
    CHECK_INT(put("no.such", "x", 1), ACME5G_PORT_ERROR);
    /* a blob one byte too large is refused and the old one stays */
    CHECK_INT(put(ACME5G_STORE_CERT, "old", 3), 0);
    CHECK_INT(put(ACME5G_STORE_CERT, big, cap + 1u), ACME5G_PORT_ERROR);
    CHECK_INT(get(ACME5G_STORE_CERT, buf, sizeof buf), 3);
    CHECK_STR(buf, "old");
    /* the largest blob fits */
    CHECK_INT(put(ACME5G_STORE_CERT, big, cap), 0);
    {
        static char back[0x2001];
        CHECK_INT(get(ACME5G_STORE_CERT, back, sizeof back), cap);
        CHECK(memcmp(back, big, cap) == 0);
        /* the reader's buffer: `cap` bytes or more is too large */
        CHECK_INT(port.store_read(port.user, ACME5G_STORE_CERT, (uint8_t *)back, cap, &len),
                  ACME5G_PORT_TOO_LARGE);
        CHECK_INT(port.store_read(port.user, ACME5G_STORE_CERT, (uint8_t *)back, cap + 1u, &len),
                  0);
    }
    CHECK_INT(get(ACME5G_STORE_CERT, buf, 4), ACME5G_PORT_TOO_LARGE);
    CHECK_INT(fl_violations, 0);
}

static void slot_corrupt_copy_falls_back(void)
{
    char buf[64];
    acme5g_baremetal_copy_state st[2];
    fresh();
    CHECK_INT(put(ACME5G_STORE_CERT_KEY, "first", 5), 0);
    CHECK_INT(put(ACME5G_STORE_CERT_KEY, "second", 6), 0); /* copy 1 */
    copy_at(ACME5G_STORE_CERT_KEY, 1)[BM_HDR + 2] ^= 0x01;  /* a bit of its blob */
    CHECK_INT(get(ACME5G_STORE_CERT_KEY, buf, sizeof buf), 5);
    CHECK_STR(buf, "first");
    CHECK_INT(acme5g_baremetal_slot_state(&bm, ACME5G_STORE_CERT_KEY, st), 0);
    CHECK_INT(st[1].state, ACME5G_BAREMETAL_COPY_CORRUPT);
    /* the next write goes over the corrupt copy, not over the good one */
    CHECK_INT(put(ACME5G_STORE_CERT_KEY, "third", 5), 0);
    CHECK_INT(acme5g_baremetal_slot_state(&bm, ACME5G_STORE_CERT_KEY, st), 1);
    CHECK_INT(st[0].state, ACME5G_BAREMETAL_COPY_VALID);
    CHECK_INT(st[1].seq, 2);
    CHECK_INT(get(ACME5G_STORE_CERT_KEY, buf, sizeof buf), 5);
    CHECK_STR(buf, "third");
    /* a header bit: the same */
    copy_at(ACME5G_STORE_CERT_KEY, 1)[9] ^= 0x40; /* length */
    CHECK_INT(get(ACME5G_STORE_CERT_KEY, buf, sizeof buf), 5);
    CHECK_STR(buf, "first");
    /* both bad: nothing readable (a torn first write must not brick) */
    copy_at(ACME5G_STORE_CERT_KEY, 0)[0] ^= 0x01; /* magic */
    CHECK_INT(get(ACME5G_STORE_CERT_KEY, buf, sizeof buf), ACME5G_PORT_NOT_FOUND);
    CHECK_INT(acme5g_baremetal_slot_state(&bm, ACME5G_STORE_CERT_KEY, st),
              ACME5G_BAREMETAL_NO_VALID_COPY);
    CHECK_INT(st[0].state, ACME5G_BAREMETAL_COPY_CORRUPT);
    CHECK_INT(st[1].state, ACME5G_BAREMETAL_COPY_CORRUPT);
    CHECK_INT(acme5g_baremetal_slot_state(&bm, "no.such", st), ACME5G_PORT_NOT_FOUND);
    /* a read error is an error, not "not found" */
    fl_read_fail_at = (long)slot_of(ACME5G_STORE_ACCOUNT_KEY)->addr + 4;
    CHECK_INT(get(ACME5G_STORE_ACCOUNT_KEY, buf, sizeof buf), ACME5G_PORT_ERROR);
    CHECK_INT(put(ACME5G_STORE_ACCOUNT_KEY, "k", 1), ACME5G_PORT_ERROR);
    CHECK_INT(acme5g_baremetal_slot_state(&bm, ACME5G_STORE_ACCOUNT_KEY, st), ACME5G_PORT_ERROR);
    CHECK_INT(st[0].state, ACME5G_BAREMETAL_COPY_UNREADABLE);
    CHECK_INT(st[1].state, ACME5G_BAREMETAL_COPY_EMPTY);
    CHECK_INT(fl_violations, 0);
}

/* Write a copy by hand: header with sequence `seq`, then the blob. */
static void craft_copy(const char *name, int copy, uint32_t seq, const char *blob)
{
    uint8_t *p = copy_at(name, copy);
    size_t len = strlen(blob);
    memset(p, 0xFF, slot_of(name)->copy_size);
    bm_put32(p, BM_MAGIC);
    bm_put32(p + 4, seq);
    bm_put32(p + 8, (uint32_t)len);
    bm_put32(p + 12, bm_crc32(0, (const uint8_t *)blob, len));
    memcpy(p + BM_HDR, blob, len);
}

static void slot_sequence_wraps(void)
{
    char buf[64];
    acme5g_baremetal_copy_state st[2];
    fresh();
    craft_copy(ACME5G_STORE_ACCOUNT_URL, 0, 0xFFFFFFFEu, "A");
    CHECK_INT(put(ACME5G_STORE_ACCOUNT_URL, "B", 1), 0);
    CHECK_INT(acme5g_baremetal_slot_state(&bm, ACME5G_STORE_ACCOUNT_URL, st), 1);
    CHECK_INT(st[1].seq, 0xFFFFFFFFu);
    CHECK_INT(put(ACME5G_STORE_ACCOUNT_URL, "C", 1), 0);
    CHECK_INT(acme5g_baremetal_slot_state(&bm, ACME5G_STORE_ACCOUNT_URL, st), 0);
    CHECK_INT(st[0].seq, 0);
    CHECK_INT(get(ACME5G_STORE_ACCOUNT_URL, buf, sizeof buf), 1);
    CHECK_STR(buf, "C");
    CHECK_INT(put(ACME5G_STORE_ACCOUNT_URL, "D", 1), 0);
    CHECK_INT(get(ACME5G_STORE_ACCOUNT_URL, buf, sizeof buf), 1);
    CHECK_STR(buf, "D");
    /* and a crafted pair across the wrap reads the newer */
    craft_copy(ACME5G_STORE_ORDER_URL, 0, 0xFFFFFFFFu, "old");
    craft_copy(ACME5G_STORE_ORDER_URL, 1, 0, "new");
    CHECK_INT(get(ACME5G_STORE_ORDER_URL, buf, sizeof buf), 3);
    CHECK_STR(buf, "new");
    CHECK_INT(fl_violations, 0);
}

/* Power cut after k programmed bytes, for every k over the blob and the
 * header of a write: afterwards the slot reads the old or the new blob,
 * never anything else, and the next write succeeds. */
static void slot_torn_program_every_byte(void)
{
    char old_blob[101], new_blob[101], buf[200];
    long k, total = 100 + BM_HDR, olds = 0, news = 0;
    int pass;
    fill(old_blob, 100, 2);
    fill(new_blob, 100, 3);
    for (pass = 0; pass < 2; pass++) { /* pass 1: the older copy held a blob too */
        for (k = 0; k <= total; k++) {
            long n;
            fresh();
            CHECK_INT(put(ACME5G_STORE_CERT, "ancient", 7), 0);
            if (pass == 1)
                CHECK_INT(put(ACME5G_STORE_CERT, "older", 5), 0);
            CHECK_INT(put(ACME5G_STORE_CERT, old_blob, 100), 0);
            fl_prog_budget = k;
            n = put(ACME5G_STORE_CERT, new_blob, 100);
            if (k < total)
                CHECK_INT(n, ACME5G_PORT_ERROR);
            boot();
            n = get(ACME5G_STORE_CERT, buf, sizeof buf);
            CHECK_INT(n, 100);
            if (strcmp(buf, old_blob) == 0)
                olds++;
            else if (strcmp(buf, new_blob) == 0)
                news++;
            else
                CHECK(!"the slot reads neither the old nor the new blob");
            if (k < total - 1)
                CHECK(strcmp(buf, old_blob) == 0); /* the header is not complete */
            if (k == total)
                CHECK(strcmp(buf, new_blob) == 0);
            CHECK_INT(put(ACME5G_STORE_CERT, "after", 5), 0);
            CHECK_INT(get(ACME5G_STORE_CERT, buf, sizeof buf), 5);
            CHECK_INT(fl_violations, 0);
        }
    }
    CHECK(olds > 0 && news > 0);
}

/* Power cut after e erased sectors, before anything is programmed. */
static void slot_cut_between_erase_and_program(void)
{
    static char old_blob[5001], new_blob[5001], buf[0x2001];
    long e;
    fill(old_blob, 5000, 4);
    fill(new_blob, 5000, 5);
    for (e = 0; e <= 4; e++) {
        fresh();
        CHECK_INT(put(ACME5G_STORE_CERT, "x", 1), 0);
        CHECK_INT(put(ACME5G_STORE_CERT, old_blob, 5000), 0);
        fl_erase_budget = e;
        fl_prog_budget = 0;
        CHECK_INT(put(ACME5G_STORE_CERT, new_blob, 5000), ACME5G_PORT_ERROR);
        boot();
        CHECK_INT(get(ACME5G_STORE_CERT, buf, sizeof buf), 5000);
        CHECK(strcmp(buf, old_blob) == 0);
        CHECK_INT(put(ACME5G_STORE_CERT, new_blob, 5000), 0);
        CHECK_INT(get(ACME5G_STORE_CERT, buf, sizeof buf), 5000);
        CHECK(strcmp(buf, new_blob) == 0);
        CHECK_INT(fl_violations, 0);
    }
}

/* The fake itself: a program over programmed bytes that needs a 1 bit
 * is caught (else the tests above could not fail on that). */
static void fake_flash_enforces_nor(void)
{
    uint8_t b = 0x0F;
    fresh();
    CHECK_INT(fl_program(NULL, 0, &b, 1), 0);
    b = 0x03; /* clears bits only: fine */
    CHECK_INT(fl_program(NULL, 0, &b, 1), 0);
    b = 0x10;
    CHECK_INT(fl_program(NULL, 0, &b, 1), -1);
    CHECK_INT(fl_violations, 1);
    CHECK_INT(fl_erase(NULL, 1), -1); /* not a sector start */
    CHECK_INT(fl_violations, 2);
}

/* ==========================================================================
 * Entropy from the seed slot
 * ======================================================================== */

static const uint8_t seed0[32] = {
    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00};

static int flash_holds(const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i + n <= FL_SIZE; i++)
        if (memcmp(fl + i, p, n) == 0)
            return 1;
    return 0;
}

static void seed_two_boots_never_repeat(void)
{
    uint8_t a[64], b[64], c[64], stored[65];
    size_t n;
    int i;
    fresh();
    tk_step = 0; /* the same tick count at every boot: the worst case */
    CHECK_INT(put(ACME5G_BAREMETAL_SEED_SLOT, seed0, sizeof seed0), 0);
    boot();
    CHECK_INT(port.entropy(port.user, a, sizeof a), 0);
    /* the stored seed changed, and the one read is gone from the flash */
    CHECK_INT(port.store_read(port.user, ACME5G_BAREMETAL_SEED_SLOT, stored, sizeof stored, &n), 0);
    CHECK_INT(n, 32);
    CHECK(memcmp(stored, seed0, 32) != 0);
    CHECK(!flash_holds(seed0, sizeof seed0));
    /* neither is the RAM seed nor any output in the flash */
    CHECK(!flash_holds(bm.seed, sizeof bm.seed));
    CHECK(!flash_holds(a, 32));
    /* later requests in the same boot differ too */
    CHECK_INT(port.entropy(port.user, b, sizeof b), 0);
    CHECK(memcmp(a, b, sizeof a) != 0);
    for (i = 0; i < 5; i++) {
        boot();
        CHECK_INT(port.entropy(port.user, c, sizeof c), 0);
        CHECK(memcmp(a, c, sizeof a) != 0 && memcmp(b, c, sizeof b) != 0);
        memcpy(a, c, sizeof a);
    }
    CHECK_INT(fl_violations, 0);
}

/* A power cut while the seed is rolled forward: no byte is output in that
 * boot, and the next boot's bytes differ from the last ones output. */
static void seed_rolled_before_any_output(void)
{
    uint8_t a[32], b[32], c[32];
    long k;
    for (k = 0; k < 32 + (long)BM_HDR; k += 5) {
        fresh();
        tk_step = 0;
        CHECK_INT(put(ACME5G_BAREMETAL_SEED_SLOT, seed0, sizeof seed0), 0);
        boot();
        CHECK_INT(port.entropy(port.user, a, sizeof a), 0);
        boot();
        fl_prog_budget = k; /* cut inside the successor's program */
        memset(b, 0xA5, sizeof b);
        CHECK_INT(port.entropy(port.user, b, sizeof b), ACME5G_PORT_ERROR);
        for (size_t i = 0; i < sizeof b; i++)
            CHECK_INT(b[i], 0xA5);
        CHECK_INT(port.entropy(port.user, b, sizeof b), ACME5G_PORT_ERROR); /* stays failed */
        boot();
        CHECK_INT(port.entropy(port.user, c, sizeof c), 0);
        CHECK(memcmp(a, c, sizeof a) != 0);
        CHECK_INT(fl_violations, 0);
    }
}

/* A power cut while the copy holding the old seed is erased: the
 * successor is stored already, the next boot uses it. */
static void seed_cut_while_retiring_the_old_copy(void)
{
    uint8_t a[32], b[32];
    fresh();
    tk_step = 0;
    CHECK_INT(put(ACME5G_BAREMETAL_SEED_SLOT, seed0, sizeof seed0), 0);
    boot();
    fl_erase_budget = 1; /* the successor's copy erased, then the cut */
    CHECK_INT(port.entropy(port.user, a, sizeof a), 0);
    CHECK(fl_off);
    boot();
    CHECK_INT(port.entropy(port.user, b, sizeof b), 0);
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK(!flash_holds(seed0, sizeof seed0)); /* erased by this boot's roll */
    CHECK_INT(fl_violations, 0);
}

static void seed_missing_or_short_is_an_error(void)
{
    static const acme5g_baremetal_slot no_seed[] = {{ACME5G_STORE_CERT, 0x1000u, 0x1000u}};
    uint8_t a[32];
    fresh();
    CHECK_INT(port.entropy(port.user, a, sizeof a), ACME5G_PORT_ERROR); /* never provisioned */
    CHECK_INT(put(ACME5G_BAREMETAL_SEED_SLOT, seed0, 31), 0);
    boot();
    CHECK_INT(port.entropy(port.user, a, sizeof a), ACME5G_PORT_ERROR); /* too short */
    bm.slots = no_seed;
    bm.slot_count = 1;
    acme5g_baremetal_port(&bm, &port);
    CHECK_INT(port.entropy(port.user, a, sizeof a), ACME5G_PORT_ERROR); /* no slot */
    CHECK_INT(fl_violations, 0);
}

static int trng_calls;
static int fake_trng(void *user, uint8_t *buf, size_t len)
{
    (void)user;
    memset(buf, 0x5A, len);
    return trng_calls++ == 0 ? 0 : -7;
}

static void entropy_hook_used_when_set(void)
{
    uint8_t a[16];
    fresh();
    bm.entropy = fake_trng;
    trng_calls = 0;
    CHECK_INT(port.entropy(port.user, a, sizeof a), 0);
    CHECK_INT(a[0], 0x5A);
    CHECK_INT(port.entropy(port.user, a, sizeof a), ACME5G_PORT_ERROR);
    CHECK_INT(fl_programs, 0); /* the seed slot untouched */
}

/* ==========================================================================
 * The start-up check
 * ======================================================================== */

static acme5g_baremetal_slot tbl[FW_SLOT_COUNT + 1];

static void tbl_use(size_t n)
{
    bm.slots = tbl;
    bm.slot_count = n;
}

static void check_accepts_the_firmware_table(void)
{
    const char *what = "unset";
    fresh();
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), 0);
    CHECK_INT(acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_ENROL |
                                              ACME5G_BAREMETAL_NEEDS_ROLLOVER |
                                              ACME5G_BAREMETAL_NEEDS_HTTP01, &what), 0);
    CHECK_INT(acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_ENROL, NULL), 0);
    CHECK_STR(acme5g_baremetal_check_str(0), "ok");
}

static void check_names_each_missing_slot(void)
{
    static const char *const enrol[] = {
        ACME5G_STORE_ACCOUNT_KEY, ACME5G_STORE_ACCOUNT_URL, ACME5G_STORE_CERT_KEY,
        ACME5G_STORE_CERT_KEY_NEW, ACME5G_STORE_CERT, ACME5G_STORE_ORDER_URL,
        ACME5G_BAREMETAL_SEED_SLOT};
    const char *what;
    size_t i, j, n;
    fresh();
    for (i = 0; i < sizeof enrol / sizeof enrol[0]; i++) {
        for (j = n = 0; j < FW_SLOT_COUNT; j++)
            if (strcmp(fw_table[j].name, enrol[i]) != 0)
                tbl[n++] = fw_table[j];
        tbl_use(n);
        what = NULL;
        CHECK_INT(acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_ENROL, &what),
                  ACME5G_BAREMETAL_CHECK_MISSING);
        CHECK_STR(what, enrol[i]);
    }
    /* account.key.new only for the rollover */
    for (j = n = 0; j < FW_SLOT_COUNT; j++)
        if (strcmp(fw_table[j].name, ACME5G_STORE_ACCOUNT_KEY_NEW) != 0)
            tbl[n++] = fw_table[j];
    tbl_use(n);
    CHECK_INT(acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_ENROL, &what), 0);
    CHECK_INT(acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_ROLLOVER, &what),
              ACME5G_BAREMETAL_CHECK_MISSING);
    CHECK_STR(what, ACME5G_STORE_ACCOUNT_KEY_NEW);
    /* the seed slot only without a TRNG */
    for (j = n = 0; j < FW_SLOT_COUNT; j++)
        if (strcmp(fw_table[j].name, ACME5G_BAREMETAL_SEED_SLOT) != 0)
            tbl[n++] = fw_table[j];
    tbl_use(n);
    bm.entropy = fake_trng;
    CHECK_INT(acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_ENROL, &what), 0);
    CHECK(strstr(acme5g_baremetal_check_str(ACME5G_BAREMETAL_CHECK_MISSING), "missing") != NULL);
}

static void check_layout_overlap_size(void)
{
    const char *what;
    size_t i;
    fresh();
    memcpy(tbl, fw_table, sizeof fw_table);
    tbl_use(FW_SLOT_COUNT);
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), 0);
    /* overlap: order.url's second copy on ca.pem's first sector */
    tbl[6].addr = 13u * FL_SECTOR;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_OVERLAP);
    CHECK_STR(what, FW_SLOT_CA);
    memcpy(tbl, fw_table, sizeof fw_table);
    tbl[FW_SLOT_COUNT] = tbl[2]; /* the same name twice, elsewhere */
    tbl[FW_SLOT_COUNT].addr = FW_STORE_USED; /* the free space */
    tbl_use(FW_SLOT_COUNT + 1);
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_OVERLAP);
    CHECK_STR(what, ACME5G_STORE_ACCOUNT_URL);
    tbl_use(FW_SLOT_COUNT);
    /* misaligned, not a sector multiple, too small for a header, off the end */
    tbl[3].addr += 4u;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_LAYOUT);
    CHECK_STR(what, ACME5G_STORE_ACCOUNT_KEY_NEW);
    memcpy(tbl, fw_table, sizeof fw_table);
    tbl[3].copy_size = FL_SECTOR + FL_SECTOR / 2u;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_LAYOUT);
    tbl[3].copy_size = 0;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_LAYOUT);
    memcpy(tbl, fw_table, sizeof fw_table);
    tbl[8].addr = FL_SIZE - FW_COPY_CERT; /* cert.pem: its second copy past the end */
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_LAYOUT);
    CHECK_STR(what, ACME5G_STORE_CERT);
    fl_dev.size = 0; /* size unknown: not checked */
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), 0);
    fl_dev.size = FL_SIZE;
    tbl[8].addr = 0u - FW_COPY_CERT; /* past 4 GB: refused even so */
    fl_dev.size = 0;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_LAYOUT);
    fl_dev.size = FL_SIZE;
    /* cert.pem smaller than the chain the library may store */
    memcpy(tbl, fw_table, sizeof fw_table);
    tbl[8].copy_size = FL_SECTOR * ((ACME5G_BODY_MAX + BM_HDR) / FL_SECTOR); /* < BODY_MAX */
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), 0);
    CHECK_INT(acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_ENROL, &what),
              ACME5G_BAREMETAL_CHECK_SMALL);
    CHECK_STR(what, ACME5G_STORE_CERT);
    /* an unnamed slot */
    memcpy(tbl, fw_table, sizeof fw_table);
    tbl[1].name = NULL;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_LAYOUT);
    /* and the port itself refuses a slot with a bad geometry at run time */
    memcpy(tbl, fw_table, sizeof fw_table);
    tbl[2].copy_size = 8u; /* account.url: smaller than the header */
    CHECK_INT(put(ACME5G_STORE_ACCOUNT_URL, "u", 1), ACME5G_PORT_ERROR);
    {
        char buf[8];
        CHECK_INT(get(ACME5G_STORE_ACCOUNT_URL, buf, sizeof buf), ACME5G_PORT_ERROR);
    }
    for (i = 0; i < 5; i++)
        CHECK(acme5g_baremetal_check_str(-(int)i - 1) != NULL);
    CHECK_INT(fl_violations, 0);
}

static void check_fields(void)
{
    acme5g_baremetal_net n2 = fake_net;
    acme5g_baremetal_flash f2 = fl_dev;
    const char *what;
    fresh();
    bm.net = NULL;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_FIELD);
    CHECK_STR(what, "net");
    bm.net = &n2;
    n2.read = NULL;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_FIELD);
    CHECK_STR(what, "net->read");
    n2 = fake_net;
    n2.accept = NULL;
    CHECK_INT(acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_ENROL, &what), 0);
    CHECK_INT(acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_HTTP01, &what),
              ACME5G_BAREMETAL_CHECK_FIELD);
    CHECK_STR(what, "net->accept");
    n2 = fake_net;
    bm.tick_hz = 0;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_FIELD);
    CHECK_STR(what, "tick_hz");
    bm.tick_hz = 1000;
    bm.ticks = NULL;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_FIELD);
    CHECK_STR(what, "ticks");
    bm.ticks = tk_ticks;
    bm.flash = &f2;
    f2.sector_size = 3000;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_FIELD);
    CHECK_STR(what, "flash->sector_size");
    f2 = fl_dev;
    f2.program = NULL;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_FIELD);
    CHECK_STR(what, "flash->program");
    bm.flash = NULL;
    CHECK_INT(acme5g_baremetal_check(&bm, 0, &what), ACME5G_BAREMETAL_CHECK_FIELD);
    CHECK_STR(what, "flash");
}

/* ==========================================================================
 * Clock and network deadlines
 * ======================================================================== */

static void ms_widens_across_the_wrap(void)
{
    fresh();
    tk_step = 0;
    bm.tick_hz = 32768; /* a 32 kHz RTC counter */
    tk = 0xFFFFFF00u;
    CHECK_INT(acme5g_baremetal_ms(&bm), 0xFFFFFF00ull * 1000u / 32768u);
    tk = 0x100u; /* wrapped */
    CHECK_INT(acme5g_baremetal_ms(&bm), 0x100000100ull * 1000u / 32768u);
    tk = 0x200u;
    CHECK_INT(acme5g_baremetal_ms(&bm), 0x100000200ull * 1000u / 32768u);
    tk = 0x10u; /* and again */
    CHECK_INT(acme5g_baremetal_ms(&bm), 0x200000010ull * 1000u / 32768u);
}

static void ms_exact_for_fast_counters(void)
{
    fresh();
    tk_step = 0;
    /* 2^20 Hz, 2^40 + 3 s of ticks: total * 1000 overflows 64 bits */
    bm.tick_hz = 1u << 20;
    bm.ticks_high = (uint64_t)1 << 60;
    bm.last_ticks = 0;
    tk = 3u << 20;
    CHECK(acme5g_baremetal_ms(&bm) == (((uint64_t)1 << 40) + 3u) * 1000u);
    /* fractions: 168 MHz, 1.5 s */
    fresh();
    tk_step = 0;
    bm.tick_hz = 168000000u;
    tk = 252000000u;
    CHECK_INT(acme5g_baremetal_ms(&bm), 1500);
}

static void wall_clock_follows_ticks(void)
{
    fresh();
    tk_step = 0;
    CHECK_INT(port.now_s(port.user), 0); /* not set */
    tk = 5000;
    acme5g_baremetal_set_time(&bm, 1767225600);
    CHECK_INT(port.now_s(port.user), 1767225600);
    tk = 5000 + 61999;
    CHECK_INT(port.now_s(port.user), 1767225600 + 61);
    CHECK_INT(port.monotonic_ms(port.user), 66999);
}

static void connect_deadline_and_states(void)
{
    uint64_t t0;
    fresh();
    tk_step = 7; /* 7 ms per read of the counter */
    t0 = acme5g_baremetal_ms(&bm);
    CHECK_INT(port.connect(port.user, "ca", 443, 500), ACME5G_PORT_TIMEOUT);
    CHECK(acme5g_baremetal_ms(&bm) - t0 >= 500);
    CHECK(acme5g_baremetal_ms(&bm) - t0 < 540);
    CHECK_INT(net_closed, 1);
    CHECK(net_polls > 10 && net_idles == net_polls); /* the stack ran while waiting */
    net_reset();
    net_is_open_after = 3;
    CHECK_INT(port.connect(port.user, "ca", 443, 500), 3);
    CHECK_INT(net_closed, 0);
    net_reset();
    net_is_open_after = 2;
    net_is_open_ret = -1;
    CHECK_INT(port.connect(port.user, "ca", 443, 500), ACME5G_PORT_ERROR);
    CHECK_INT(net_closed, 1);
    net_reset();
    net_open_ret = -5;
    CHECK_INT(port.connect(port.user, "ca", 443, 500), ACME5G_PORT_ERROR);
    net_reset();
    CHECK_INT(port.connect(port.user, "ca", 443, 0), ACME5G_PORT_TIMEOUT);
}

static void recv_send_accept_deadlines(void)
{
    uint8_t buf[16];
    uint64_t t0;
    fresh();
    tk_step = 3;
    t0 = acme5g_baremetal_ms(&bm);
    CHECK_INT(port.recv(port.user, 3, buf, sizeof buf, 300), 0); /* timed out */
    CHECK(acme5g_baremetal_ms(&bm) - t0 >= 300 && acme5g_baremetal_ms(&bm) - t0 < 320);
    net_reset();
    net_io_after = 4;
    net_io_ret = 5;
    CHECK_INT(port.recv(port.user, 3, buf, sizeof buf, 300), 5);
    CHECK_INT(net_polls, 4);
    net_reset();
    net_io_after = 0;
    net_io_ret = ACME5G_PORT_CLOSED;
    CHECK_INT(port.recv(port.user, 3, buf, sizeof buf, 300), ACME5G_PORT_CLOSED);
    net_io_ret = -9;
    CHECK_INT(port.recv(port.user, 3, buf, sizeof buf, 300), ACME5G_PORT_ERROR);
    net_io_ret = 17; /* more than asked: a broken callback */
    CHECK_INT(port.recv(port.user, 3, buf, sizeof buf, 300), ACME5G_PORT_ERROR);
    net_reset();
    t0 = acme5g_baremetal_ms(&bm);
    CHECK_INT(port.send(port.user, 3, buf, sizeof buf, 200), 0);
    CHECK(acme5g_baremetal_ms(&bm) - t0 >= 200);
    net_io_after = 2;
    net_io_ret = 9;
    CHECK_INT(port.send(port.user, 3, buf, sizeof buf, 200), 9);
    net_io_ret = 17;
    CHECK_INT(port.send(port.user, 3, buf, sizeof buf, 200), ACME5G_PORT_ERROR);
    net_reset();
    CHECK_INT(port.listen(port.user, 80), 7);
    t0 = acme5g_baremetal_ms(&bm);
    CHECK_INT(port.accept(port.user, 7, 100), ACME5G_PORT_TIMEOUT);
    CHECK(acme5g_baremetal_ms(&bm) - t0 >= 100);
    net_io_after = 1;
    net_io_ret = 4;
    CHECK_INT(port.accept(port.user, 7, 100), 4);
    net_io_ret = -1;
    CHECK_INT(port.accept(port.user, 7, 100), ACME5G_PORT_ERROR);
    /* sleeping keeps the stack running */
    net_reset();
    t0 = acme5g_baremetal_ms(&bm);
    port.sleep_ms(port.user, 50);
    CHECK(acme5g_baremetal_ms(&bm) - t0 >= 50);
    CHECK(net_polls > 0);
}

static void deadline_across_the_counter_wrap(void)
{
    fresh();
    tk_step = 10;
    tk = 0xFFFFFFFFu - 100u; /* wraps 10 ticks into the wait */
    (void)acme5g_baremetal_ms(&bm);
    CHECK_INT(port.recv(port.user, 3, (uint8_t[4]){0}, 4, 1000), 0);
    CHECK(net_polls >= 95 && net_polls <= 102); /* ~1000 ms of 10 ms steps, not 0, not forever */
}

/* ==========================================================================
 * main
 * ======================================================================== */

static void run(const char *name, void (*fn)(void))
{
    const char *only = getenv("BAREMETAL_ONLY");
    if (only && !strstr(name, only))
        return;
    test_failed = 0;
    fail_lines = 0;
    fn();
    printf("%s - %s\n", test_failed ? "FAIL" : "ok", name);
    if (test_failed)
        tests_failed++;
    else
        tests_passed++;
    fflush(stdout);
}

#define RUN(fn) run(#fn, fn)

int main(void)
{
    RUN(fake_flash_enforces_nor);
    RUN(slot_round_trip_alternates_copies);
    RUN(slot_empty_blob_is_not_missing);
    RUN(slot_limits_not_found_too_large);
    RUN(slot_corrupt_copy_falls_back);
    RUN(slot_sequence_wraps);
    RUN(slot_torn_program_every_byte);
    RUN(slot_cut_between_erase_and_program);
    RUN(seed_two_boots_never_repeat);
    RUN(seed_rolled_before_any_output);
    RUN(seed_cut_while_retiring_the_old_copy);
    RUN(seed_missing_or_short_is_an_error);
    RUN(entropy_hook_used_when_set);
    RUN(check_accepts_the_firmware_table);
    RUN(check_names_each_missing_slot);
    RUN(check_layout_overlap_size);
    RUN(check_fields);
    RUN(ms_widens_across_the_wrap);
    RUN(ms_exact_for_fast_counters);
    RUN(wall_clock_follows_ticks);
    RUN(connect_deadline_and_states);
    RUN(recv_send_accept_deadlines);
    RUN(deadline_across_the_counter_wrap);
    printf("%d passed, %d failed\n", tests_passed, tests_failed);
    return tests_failed ? 1 : 0;
}
