/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * A polled lwIP netif driver for the SMSC LAN9118 Ethernet controller
 * (and its software-compatible LAN9220, as on the Arm MPS2 boards and in
 * QEMU's mps2-an385/an386/an500 machines).  No interrupts: the main loop
 * calls lan9118_poll(), which hands received frames to lwIP.
 *
 * Use (NO_SYS=1):
 *     static struct netif nif;
 *     lwip_init();
 *     netif_add(&nif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4,
 *               NULL, lan9118_netif_init, netif_input);
 *     netif_set_default(&nif);
 *     netif_set_up(&nif);
 *     dhcp_start(&nif);               // or netif_set_addr() for a static one
 *     for (;;) { lan9118_poll(&nif); sys_check_timeouts(); ... }
 *
 * The MAC address is the one in the chip's MAC CSRs (loaded from its
 * EEPROM; in QEMU, the -nic ...,mac= option).
 *
 * A team porting to its own board replaces this driver by the one for its
 * Ethernet MAC (e.g. the STM32 ETH DMA driver of its HAL); the contract
 * with lwIP is the same: an init function for netif_add() and a way to
 * feed received frames to netif->input.
 */
#ifndef ACME5G_LAN9118_H
#define ACME5G_LAN9118_H

#include <stdint.h>

#include "lwip/err.h"
#include "lwip/netif.h"

/* Where the chip is mapped: 0x40200000 on mps2-an386. */
#ifndef LAN9118_BASE
#define LAN9118_BASE 0x40200000u
#endif

/* netif_add()'s init function: checks the chip (BYTE_TEST, ID_REV),
 * soft-resets it, reads its MAC address, enables TX and RX, and fills the
 * netif (name "en", MTU 1500, Ethernet + ARP, link up).  ERR_IF when no
 * LAN9118 answers or it does not come out of reset. */
err_t lan9118_netif_init(struct netif *netif);

/* Hand every frame waiting in the RX FIFO to netif->input (at most 16 per
 * call); frames with errors, and those for which the pbuf pool is empty,
 * are dropped.  Returns the number of frames handed over. */
int lan9118_poll(struct netif *netif);

/* Counters: frames sent, received (handed to lwIP), and dropped (RX
 * errors, no pbuf, TX FIFO full, TX errors). */
typedef struct lan9118_stats {
    uint32_t tx, rx, rx_drop, tx_drop;
} lan9118_stats;
const lan9118_stats *lan9118_get_stats(void);

#endif /* ACME5G_LAN9118_H */
