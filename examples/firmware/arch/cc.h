/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * lwIP's compiler/platform header (lwip/arch.h includes "arch/cc.h") for
 * the acme5g firmware image: arm-none-eabi-gcc with newlib-nano on a
 * little-endian Cortex-M.  lwIP's defaults cover the integer types and the
 * byte order; this file only routes diagnostics and random numbers to the
 * board (board.h) instead of printf(), abort() and rand().
 *
 * A team porting to its own board keeps it unless it changes compiler; it
 * provides board_panic() and board_rand() (ideally from a TRNG) itself.
 */
#ifndef ACME5G_LWIP_ARCH_CC_H
#define ACME5G_LWIP_ARCH_CC_H

#include <stdint.h>

void board_panic(const char *msg);
uint32_t board_rand(void);

/* Random numbers: DNS transaction ids and source ports, DHCP xid, the
 * first TCP local port. */
#define LWIP_RAND() ((u32_t)board_rand())

/* No LWIP_DEBUG in this image; should someone turn it on, the messages
 * are dropped rather than pulling in printf. */
#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) board_panic(x)

/* Protocol headers are packed so that gcc never pads them. */
#define PACK_STRUCT_STRUCT __attribute__((packed))

/* The heap and pools as word-aligned arrays: no extra alignment bytes. */
#define LWIP_DECLARE_MEMORY_ALIGNED(name, size) \
    u8_t name[size] __attribute__((aligned(4)))

#endif /* ACME5G_LWIP_ARCH_CC_H */
