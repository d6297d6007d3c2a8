/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * fw-store: the host's tool for the example firmware's flash store (the
 * store file, the backing file of the emulated NOR flash).  It reads and
 * writes the store through the bare-metal port's own slot code
 * (port/acme5g_baremetal.c) and the firmware's slot table
 * (examples/firmware/fw_slots.h), over the file loaded in RAM with NOR
 * semantics (erase by sector to 0xFF, programming only clears bits), so it
 * sees exactly what the device sees.
 *
 *   fw-store FILE provision --ca PEMFILE [--seed-from PATH]
 *       The factory step: write the ACME server's trust anchors (ca.pem,
 *       every time) and, only when the device has none yet, its entropy
 *       seed (rng.seed, 32 bytes from PATH, default /dev/urandom).  FILE
 *       is created, erased (all 0xFF, 0600), when missing.
 *   fw-store FILE export DIR
 *       Write the stored chain and certificate key to DIR/cert.pem and
 *       DIR/cert.key (0600); DIR is made when missing.  Exit 1 when none
 *       is stored or a slot has no valid copy.
 *   fw-store FILE info
 *       One line per slot: "NAME: valid copy N seq S len L; copy M STATE",
 *       "NAME: empty" or "NAME: corrupt (copy 0 STATE, copy 1 STATE)".
 *   fw-store FILE put NAME BLOBFILE
 *       Store a file's bytes in a slot (tests, restoring a backup).
 *   fw-store layout
 *       The table of fw_slots.h: "NAME OFFSET COPY_SIZE" per slot (hex),
 *       then "store SIZE SECTOR".
 *
 * Exit status: 0 done, 1 failed (one line on stderr says why), 2 usage.
 * The file is rewritten (through FILE.tmp and rename) only by provision
 * and put, and only when everything succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acme5g_baremetal.h"
#include "fw_slots.h"

static const char *store_path;
static uint8_t store[FW_STORE_SIZE];
static const acme5g_baremetal_slot slots[FW_SLOT_COUNT] = FW_SLOT_TABLE(0);

static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n--)
        *v++ = 0;
}

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "fw-store: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

/* ------------------------------------------------------------------------
 * The store file as a NOR flash
 * ---------------------------------------------------------------------- */

static int nor_read(void *user, uint32_t addr, uint8_t *buf, size_t len)
{
    (void)user;
    if (addr > FW_STORE_SIZE || len > FW_STORE_SIZE - addr)
        return -1;
    memcpy(buf, store + addr, len);
    return 0;
}

static int nor_erase(void *user, uint32_t addr)
{
    (void)user;
    if (addr % FW_STORE_SECTOR != 0 || addr >= FW_STORE_SIZE)
        return -1;
    memset(store + addr, 0xFF, FW_STORE_SECTOR);
    return 0;
}

static int nor_program(void *user, uint32_t addr, const uint8_t *buf, size_t len)
{
    size_t i;
    (void)user;
    if (addr > FW_STORE_SIZE || len > FW_STORE_SIZE - addr)
        return -1;
    for (i = 0; i < len; i++) {
        if ((buf[i] & (uint8_t)~store[addr + i]) != 0) {
            fprintf(stderr, "fw-store: programming 0x%05lx would set a bit (not erased)\n",
                    (unsigned long)(addr + i));
            return -1;
        }
        store[addr + i] &= buf[i];
    }
    return 0;
}

static const acme5g_baremetal_flash nor = {FW_STORE_SECTOR, nor_read, nor_erase, nor_program,
                                           FW_STORE_SIZE};

/* The tool needs no network; the port's start-up check wants callbacks. */
static int no_open(void *u, const char *h, uint16_t p)
{
    (void)u, (void)h, (void)p;
    return ACME5G_PORT_ERROR;
}
static int no_state(void *u, int c)
{
    (void)u, (void)c;
    return -1;
}
static int no_write(void *u, int c, const uint8_t *b, size_t n)
{
    (void)u, (void)c, (void)b, (void)n;
    return ACME5G_PORT_ERROR;
}
static int no_read(void *u, int c, uint8_t *b, size_t n)
{
    (void)u, (void)c, (void)b, (void)n;
    return ACME5G_PORT_ERROR;
}
static void no_close(void *u, int c)
{
    (void)u, (void)c;
}
static uint32_t no_ticks(void *u)
{
    (void)u;
    return 0;
}
static const acme5g_baremetal_net no_net = {no_open, no_state, no_write, no_read, no_close,
                                            NULL, NULL, NULL};

static acme5g_baremetal bm;
static acme5g_port port;

/* Load FILE; when missing and `create`, start from an erased store. */
static int store_load(int create)
{
    FILE *f = fopen(store_path, "rb");
    size_t n;
    int extra;
    const char *what;
    int err;

    if (f == NULL) {
        if (errno != ENOENT || !create)
            return fail(store_path, strerror(errno));
        memset(store, 0xFF, sizeof store);
    } else {
        n = fread(store, 1, sizeof store, f);
        extra = fgetc(f);
        fclose(f);
        if (n != sizeof store || extra != EOF) {
            fprintf(stderr, "fw-store: %s: not a store file (a store is %u bytes)\n", store_path,
                    (unsigned)FW_STORE_SIZE);
            return 1;
        }
    }
    bm.net = &no_net;
    bm.ticks = no_ticks;
    bm.tick_hz = 1000;
    bm.flash = &nor;
    bm.slots = slots;
    bm.slot_count = FW_SLOT_COUNT;
    acme5g_baremetal_port(&bm, &port);
    err = acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_ENROL |
                                 ACME5G_BAREMETAL_NEEDS_ROLLOVER, &what);
    if (err) {
        fprintf(stderr, "fw-store: fw_slots.h: %s: %s\n", acme5g_baremetal_check_str(err), what);
        return 1;
    }
    return 0;
}

/* Write the store back: FILE.tmp (0600), then rename over FILE. */
static int store_save(void)
{
    char tmp[4096];
    int fd;
    ssize_t w;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", store_path) >= sizeof tmp)
        return fail(store_path, "path too long");
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return fail(tmp, strerror(errno));
    w = write(fd, store, sizeof store);
    if (w != (ssize_t)sizeof store || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        return fail(tmp, w < 0 ? strerror(errno) : "short write");
    }
    if (close(fd) != 0 || rename(tmp, store_path) != 0) {
        unlink(tmp);
        return fail(store_path, strerror(errno));
    }
    return 0;
}

/* Read a whole (small) file; its length, or -1 (message printed). */
static long file_read(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        fail(path, strerror(errno));
        return -1;
    }
    n = fread(buf, 1, cap, f);
    if (ferror(f) || (n == cap && fgetc(f) != EOF)) {
        fclose(f);
        fail(path, n == cap ? "too large for its slot" : "read error");
        return -1;
    }
    fclose(f);
    return (long)n;
}

static const char *copy_word(int state)
{
    switch (state) {
    case ACME5G_BAREMETAL_COPY_EMPTY:
        return "empty";
    case ACME5G_BAREMETAL_COPY_VALID:
        return "valid";
    case ACME5G_BAREMETAL_COPY_CORRUPT:
        return "corrupt";
    default:
        return "unreadable";
    }
}

/* Why slot `name` cannot be read, for a message. */
static const char *slot_trouble(const char *name)
{
    acme5g_baremetal_copy_state st[2];
    int r = acme5g_baremetal_slot_state(&bm, name, st);

    if (r == 0 || r == 1)
        return "readable";
    if (r == ACME5G_BAREMETAL_NO_VALID_COPY && st[0].state == ACME5G_BAREMETAL_COPY_EMPTY &&
        st[1].state == ACME5G_BAREMETAL_COPY_EMPTY)
        return "empty";
    return "corrupt (no valid copy)";
}

/* ------------------------------------------------------------------------
 * Subcommands
 * ---------------------------------------------------------------------- */

static int slot_cap(const char *name)
{
    size_t i;
    for (i = 0; i < FW_SLOT_COUNT; i++)
        if (strcmp(slots[i].name, name) == 0)
            return (int)(slots[i].copy_size - 16u);
    return -1;
}

static int cmd_provision(const char *ca_path, const char *seed_path)
{
    static uint8_t ca[FW_STORE_SIZE];
    uint8_t seed[32], probe[65];
    size_t n;
    long len;
    int r;

    if (store_load(1))
        return 1;
    len = file_read(ca_path, ca, (size_t)slot_cap(FW_SLOT_CA));
    if (len < 0)
        return 1;
    ca[len] = 0;
    if (strstr((const char *)ca, "-----BEGIN CERTIFICATE-----") == NULL)
        return fail(ca_path, "no PEM certificate in it");
    if (port.store_write(port.user, FW_SLOT_CA, ca, (size_t)len, 0) != 0)
        return fail(store_path, "cannot write the slot " FW_SLOT_CA);
    r = port.store_read(port.user, ACME5G_BAREMETAL_SEED_SLOT, probe, sizeof probe, &n);
    wipe(probe, sizeof probe);
    if (r == ACME5G_PORT_NOT_FOUND) {
        FILE *f = fopen(seed_path, "rb");
        if (f == NULL)
            return fail(seed_path, strerror(errno));
        n = fread(seed, 1, sizeof seed, f);
        fclose(f);
        if (n != sizeof seed) {
            wipe(seed, sizeof seed);
            return fail(seed_path, "fewer than 32 bytes");
        }
        r = port.store_write(port.user, ACME5G_BAREMETAL_SEED_SLOT, seed, sizeof seed, 1);
        wipe(seed, sizeof seed);
        if (r != 0)
            return fail(store_path, "cannot write the slot " ACME5G_BAREMETAL_SEED_SLOT);
        printf("fw-store: %s: seed written, trust anchors written (%ld bytes)\n", store_path,
               len);
    } else if (r == 0) {
        printf("fw-store: %s: seed kept (written at production), trust anchors written "
               "(%ld bytes)\n", store_path, len);
    } else {
        return fail(store_path, "the slot " ACME5G_BAREMETAL_SEED_SLOT " cannot be read");
    }
    return store_save();
}

static int export_one(const char *dir, const char *name, mode_t mode, uint8_t *buf, size_t cap)
{
    char path[4096];
    size_t len = 0;
    int r = port.store_read(port.user, name, buf, cap, &len), fd;
    ssize_t w;

    if (r == ACME5G_PORT_NOT_FOUND) {
        fprintf(stderr, "fw-store: %s: nothing to export: %s is %s\n", store_path, name,
                slot_trouble(name));
        return 1;
    }
    if (r != 0 || len == 0) {
        fprintf(stderr, "fw-store: %s: %s cannot be read (%s)\n", store_path, name,
                r == 0 ? "empty blob" : slot_trouble(name));
        return 1;
    }
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return fail(dir, "path too long");
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || fchmod(fd, mode) != 0) {
        if (fd >= 0)
            close(fd);
        return fail(path, strerror(errno));
    }
    w = write(fd, buf, len);
    if (close(fd) != 0 || w != (ssize_t)len)
        return fail(path, "write error");
    return 0;
}

static int cmd_export(const char *dir)
{
    static uint8_t chain[FW_STORE_SIZE];
    uint8_t key[4096];
    int err;

    if (store_load(0))
        return 1;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return fail(dir, strerror(errno));
    err = export_one(dir, ACME5G_STORE_CERT, 0600, chain, sizeof chain) ||
          export_one(dir, ACME5G_STORE_CERT_KEY, 0600, key, sizeof key);
    wipe(key, sizeof key);
    if (!err)
        printf("fw-store: %s: exported %s/%s and %s/%s\n", store_path, dir, ACME5G_STORE_CERT,
               dir, ACME5G_STORE_CERT_KEY);
    return err;
}

static int cmd_info(void)
{
    size_t i;

    if (store_load(0))
        return 1;
    /* A write cut before its first header completed reads "corrupt" too:
     * not an error of the tool. */
    for (i = 0; i < FW_SLOT_COUNT; i++) {
        acme5g_baremetal_copy_state st[2];
        int r = acme5g_baremetal_slot_state(&bm, slots[i].name, st);
        if (r == 0 || r == 1)
            printf("%s: valid copy %d seq %lu len %lu; copy %d %s\n", slots[i].name, r,
                   (unsigned long)st[r].seq, (unsigned long)st[r].len, 1 - r,
                   copy_word(st[1 - r].state));
        else if (r == ACME5G_BAREMETAL_NO_VALID_COPY &&
                 st[0].state == ACME5G_BAREMETAL_COPY_EMPTY &&
                 st[1].state == ACME5G_BAREMETAL_COPY_EMPTY)
            printf("%s: empty\n", slots[i].name);
        else
            printf("%s: corrupt (copy 0 %s, copy 1 %s)\n", slots[i].name,
                   copy_word(st[0].state), copy_word(st[1].state));
    }
    return 0;
}

static int cmd_put(const char *name, const char *blob_path)
{
    static uint8_t blob[FW_STORE_SIZE];
    int cap = slot_cap(name);
    long len;

    if (cap < 0)
        return fail(name, "no such slot (fw-store FILE info lists them)");
    if (store_load(1))
        return 1;
    len = file_read(blob_path, blob, (size_t)cap + 1u);
    if (len < 0)
        return 1;
    if (len > cap)
        return fail(blob_path, "too large for its slot");
    len = port.store_write(port.user, name, blob, (size_t)len, 1);
    wipe(blob, sizeof blob);
    if (len != 0)
        return fail(store_path, "cannot write the slot");
    return store_save();
}

static int usage(void)
{
    fprintf(stderr,
            "usage: fw-store FILE provision --ca PEMFILE [--seed-from PATH]\n"
            "       fw-store FILE export DIR\n"
            "       fw-store FILE info\n"
            "       fw-store FILE put NAME BLOBFILE\n"
            "       fw-store layout\n");
    return 2;
}

static int cmd_layout(void)
{
    size_t i;
    for (i = 0; i < FW_SLOT_COUNT; i++)
        printf("%s 0x%05lx 0x%05lx\n", slots[i].name, (unsigned long)slots[i].addr,
               (unsigned long)slots[i].copy_size);
    printf("store 0x%05lx 0x%05lx\n", (unsigned long)FW_STORE_SIZE,
           (unsigned long)FW_STORE_SECTOR);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd;

    if (argc == 2 && strcmp(argv[1], "layout") == 0)
        return cmd_layout();
    if (argc < 3)
        return usage();
    store_path = argv[1];
    cmd = argv[2];
    if (strcmp(cmd, "provision") == 0) {
        const char *ca = NULL, *seed = "/dev/urandom";
        int i;
        for (i = 3; i < argc; i++) {
            if (strcmp(argv[i], "--ca") == 0 && i + 1 < argc)
                ca = argv[++i];
            else if (strcmp(argv[i], "--seed-from") == 0 && i + 1 < argc)
                seed = argv[++i];
            else
                return usage();
        }
        return ca == NULL ? usage() : cmd_provision(ca, seed);
    }
    if (strcmp(cmd, "export") == 0 && argc == 4)
        return cmd_export(argv[3]);
    if (strcmp(cmd, "info") == 0 && argc == 3)
        return cmd_info();
    if (strcmp(cmd, "put") == 0 && argc == 5)
        return cmd_put(argv[3], argv[4]);
    return usage();
}
