/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * The example firmware's flash store: its size, its erase unit and its slot
 * table, shared by the image (examples/firmware/) and the host tool that
 * provisions and reads the store file (examples/firmware/fw_store.c,
 * build/fw-store), so that both see the same layout.
 *
 * Addresses are offsets from the store's base: the firmware adds the base
 * address its flash driver expects, FW_SLOT_TABLE(base).  On the emulated
 * board the flash device's addresses start at 0 (base 0), and its backing
 * file on the host is the store file, FW_STORE_SIZE bytes.
 *
 * The erase unit is 2 KB (the page of many Cortex-M4 parts' internal
 * flash; the flash emulation must erase FW_STORE_SECTOR bytes).  Each slot
 * holds two copies of whole sectors, so with 4 KB sectors the nine slots
 * below need 80 KB: build with -DFW_STORE_SECTOR=0x1000u
 * -DFW_STORE_SIZE=0x20000u then (the offsets follow the sector size).
 *
 *   offset (2 KB sectors)      copies   blob up to
 *   0x0000  rng.seed          2 x 2 KB   2032 B   (written at production)
 *   0x1000  account.key       2 x 2 KB   2032 B
 *   0x2000  account.url       2 x 2 KB   2032 B
 *   0x3000  account.key.new   2 x 2 KB   2032 B   (account key rollover)
 *   0x4000  cert.key          2 x 2 KB   2032 B
 *   0x5000  cert.key.new      2 x 2 KB   2032 B
 *   0x6000  order.url         2 x 2 KB   2032 B
 *   0x7000  ca.pem            2 x 4 KB   4080 B   (trust anchors, provisioned)
 *   0x9000  cert.pem          2 x 8 KB   8176 B   (the chain)
 *   0xD000  free, 12 KB
 *
 * acme5g_baremetal_check(&bm, ACME5G_BAREMETAL_NEEDS_ENROL |
 * ACME5G_BAREMETAL_NEEDS_ROLLOVER | ..., &what) accepts this table with
 * the firmware's acme5g_config.h (cert.pem >= ACME5G_BODY_MAX).
 */
#ifndef FW_SLOTS_H
#define FW_SLOTS_H

#include "acme5g_baremetal.h"

#ifndef FW_STORE_SIZE
#define FW_STORE_SIZE 0x10000u  /* 64 KB */
#endif
#ifndef FW_STORE_SECTOR
#define FW_STORE_SECTOR 0x800u  /* 2 KB erase unit; erased bytes read 0xFF */
#endif

/* The application's own slot: the PEM trust anchors for the ACME server,
 * written by `fw-store FILE provision --ca PEMFILE`. */
#define FW_SLOT_CA "ca.pem"

/* Copy sizes: one sector for the small blobs, 4 KB for the trust anchors,
 * 8 KB for the chain (or a sector, when sectors are larger). */
#define FW_COPY_SMALL FW_STORE_SECTOR
#define FW_COPY_CA (FW_STORE_SECTOR > 0x1000u ? FW_STORE_SECTOR : 0x1000u)
#define FW_COPY_CERT (FW_STORE_SECTOR > 0x2000u ? FW_STORE_SECTOR : 0x2000u)
#define FW_OFF_CA (14u * FW_STORE_SECTOR)
#define FW_OFF_CERT (FW_OFF_CA + 2u * FW_COPY_CA)
#define FW_STORE_USED (FW_OFF_CERT + 2u * FW_COPY_CERT)
#if FW_STORE_USED > FW_STORE_SIZE
#error "fw_slots.h: the slots do not fit in FW_STORE_SIZE with this FW_STORE_SECTOR"
#endif

#define FW_SLOT_COUNT 9
#define FW_SLOT_TABLE(base)                                                          \
    {                                                                                \
        {ACME5G_BAREMETAL_SEED_SLOT, (base) + 0u * FW_STORE_SECTOR, FW_COPY_SMALL},  \
        {ACME5G_STORE_ACCOUNT_KEY, (base) + 2u * FW_STORE_SECTOR, FW_COPY_SMALL},    \
        {ACME5G_STORE_ACCOUNT_URL, (base) + 4u * FW_STORE_SECTOR, FW_COPY_SMALL},    \
        {ACME5G_STORE_ACCOUNT_KEY_NEW, (base) + 6u * FW_STORE_SECTOR, FW_COPY_SMALL}, \
        {ACME5G_STORE_CERT_KEY, (base) + 8u * FW_STORE_SECTOR, FW_COPY_SMALL},       \
        {ACME5G_STORE_CERT_KEY_NEW, (base) + 10u * FW_STORE_SECTOR, FW_COPY_SMALL},  \
        {ACME5G_STORE_ORDER_URL, (base) + 12u * FW_STORE_SECTOR, FW_COPY_SMALL},     \
        {FW_SLOT_CA, (base) + FW_OFF_CA, FW_COPY_CA},                                \
        {ACME5G_STORE_CERT, (base) + FW_OFF_CERT, FW_COPY_CERT},                     \
    }
/* e.g. static const acme5g_baremetal_slot fw_slots[FW_SLOT_COUNT] =
 *          FW_SLOT_TABLE(0); */

#endif
