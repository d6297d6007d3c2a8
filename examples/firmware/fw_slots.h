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
 * flash): each slot holds two copies of whole sectors, so with 4 KB
 * sectors the nine slots below (18 + 4 + 8 sectors' worth) would need
 * 80 KB.  The flash emulation must erase FW_STORE_SECTOR bytes.
 *
 *   offset  slot              copies   blob up to
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

#define FW_STORE_SIZE 0x10000u  /* 64 KB */
#define FW_STORE_SECTOR 0x800u  /* 2 KB erase unit; erased bytes read 0xFF */

/* The application's own slot: the PEM trust anchors for the ACME server,
 * written by `fw-store FILE provision --ca PEMFILE`. */
#define FW_SLOT_CA "ca.pem"

#define FW_SLOT_COUNT 9
#define FW_SLOT_TABLE(base)                                              \
    {                                                                    \
        {ACME5G_BAREMETAL_SEED_SLOT, (base) + 0x0000u, 0x0800u},         \
        {ACME5G_STORE_ACCOUNT_KEY, (base) + 0x1000u, 0x0800u},           \
        {ACME5G_STORE_ACCOUNT_URL, (base) + 0x2000u, 0x0800u},           \
        {ACME5G_STORE_ACCOUNT_KEY_NEW, (base) + 0x3000u, 0x0800u},       \
        {ACME5G_STORE_CERT_KEY, (base) + 0x4000u, 0x0800u},              \
        {ACME5G_STORE_CERT_KEY_NEW, (base) + 0x5000u, 0x0800u},          \
        {ACME5G_STORE_ORDER_URL, (base) + 0x6000u, 0x0800u},             \
        {FW_SLOT_CA, (base) + 0x7000u, 0x1000u},                         \
        {ACME5G_STORE_CERT, (base) + 0x9000u, 0x2000u},                  \
    }
/* e.g. static const acme5g_baremetal_slot fw_slots[FW_SLOT_COUNT] =
 *          FW_SLOT_TABLE(0); */

#endif
