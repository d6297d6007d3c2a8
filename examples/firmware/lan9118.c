/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * Polled lwIP netif driver for the SMSC LAN9118 (see lan9118.h).
 *
 * The chip is a 32-bit register window with FIFOs: frames to send are
 * written to TX_DATA_FIFO as two command words (A: this buffer's size and
 * first/last-segment flags; B: a tag and the frame's length) followed by
 * the data, packed little-endian in 32-bit words; received frames are
 * announced in the RX status FIFO (one word per frame: its length with
 * the 4-byte FCS, and an error summary) and read from RX_DATA_FIFO, also
 * as whole words.  MAC settings sit behind an indirect window
 * (MAC_CSR_CMD / MAC_CSR_DATA).  Register offsets and bits: SMSC LAN9118
 * datasheet (rev. 1.5), section 5; checked against QEMU's model.
 *
 * A team porting to its own board replaces this file by its own MAC's
 * driver (see lan9118.h).
 */
#include <stdint.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#include "lan9118.h"

/* ---- registers --------------------------------------------------------- */

#define REG(off) (*(volatile uint32_t *)(LAN9118_BASE + (off)))

#define RX_DATA_FIFO   REG(0x00)
#define TX_DATA_FIFO   REG(0x20)
#define RX_STATUS_FIFO REG(0x40)
#define TX_STATUS_FIFO REG(0x48)
#define ID_REV         REG(0x50)
#define IRQ_CFG        REG(0x54)
#define INT_STS        REG(0x58)
#define INT_EN         REG(0x5c)
#define BYTE_TEST      REG(0x64)
#define RX_CFG         REG(0x6c)
#define TX_CFG         REG(0x70)
#define HW_CFG         REG(0x74)
#define RX_FIFO_INF    REG(0x7c)
#define TX_FIFO_INF    REG(0x80)
#define PMT_CTRL       REG(0x84)
#define MAC_CSR_CMD    REG(0xa4)
#define MAC_CSR_DATA   REG(0xa8)

#define BYTE_TEST_VALUE 0x87654321u
#define ID_REV_CHIP(v)  ((v) >> 16)        /* 0x0118 LAN9118, 0x9220 LAN9220 ... */

#define HW_CFG_SRST     0x00000001u        /* soft reset, self-clearing */
#define PMT_CTRL_READY  0x00000001u        /* device ready after reset */
#define TX_CFG_TX_ON    0x00000002u
#define TX_CFG_TXSAO    0x00000004u        /* TX status FIFO may overrun */

#define RX_FIFO_INF_RXSUSED(v) (((v) >> 16) & 0xffu) /* status words waiting */
#define TX_FIFO_INF_TDFREE(v)  ((v) & 0xffffu)       /* free TX data bytes */
#define TX_FIFO_INF_TSUSED(v)  (((v) >> 16) & 0xffu) /* TX status words */

#define RX_STS_LEN(v)   (((v) >> 16) & 0x3fffu)      /* frame + FCS, bytes */
#define RX_STS_ES       0x00008000u                  /* error summary */
#define TX_STS_ES       0x00008000u

#define TX_CMD_A_FIRST  0x00002000u
#define TX_CMD_A_LAST   0x00001000u

/* Indirect MAC registers */
#define MAC_CSR_BUSY    0x80000000u
#define MAC_CSR_READ    0x40000000u
#define MAC_CR          1u
#define MAC_ADDRH       2u
#define MAC_ADDRL       3u
#define MAC_CR_FDPX     0x00100000u                  /* full duplex */
#define MAC_CR_TXEN     0x00000008u
#define MAC_CR_RXEN     0x00000004u

#define FRAME_MAX       1514u        /* without FCS; no VLAN tags here */
#define POLL_FRAMES_MAX 16
#define SPIN_MAX        100000u      /* bounded waits on the chip */

static lan9118_stats stats;

/* ---- MAC CSR window -------------------------------------------------- */

static int mac_wait(void)
{
    uint32_t n;

    for (n = 0; n < SPIN_MAX; n++)
        if (!(MAC_CSR_CMD & MAC_CSR_BUSY))
            return 0;
    return -1;
}

static int mac_read(uint32_t reg, uint32_t *val)
{
    if (mac_wait() != 0)
        return -1;
    MAC_CSR_CMD = MAC_CSR_BUSY | MAC_CSR_READ | reg;
    if (mac_wait() != 0)
        return -1;
    *val = MAC_CSR_DATA;
    return 0;
}

static int mac_write(uint32_t reg, uint32_t val)
{
    if (mac_wait() != 0)
        return -1;
    MAC_CSR_DATA = val;
    MAC_CSR_CMD = MAC_CSR_BUSY | reg;
    return mac_wait();
}

/* ---- transmit ---------------------------------------------------------- */

/* Drop TX status words (with TXSAO set they may overrun anyway); count
 * the frames the chip reports as failed. */
static void tx_status_drain(void)
{
    uint32_t n = TX_FIFO_INF_TSUSED(TX_FIFO_INF);

    while (n--)
        if (TX_STATUS_FIFO & TX_STS_ES)
            stats.tx_drop++;
}

/* The whole frame as one buffer: command words, then the bytes of the
 * pbuf chain packed four to a word, little-endian, the last word padded. */
static err_t lan9118_linkoutput(struct netif *netif, struct pbuf *p)
{
    uint32_t len = p->tot_len, word = 0, n;
    unsigned int fill = 0;
    const struct pbuf *q;
    const uint8_t *b;
    uint16_t i;

    (void)netif;
    if (len > FRAME_MAX) {
        stats.tx_drop++;
        return ERR_BUF;
    }
    /* Room for the frame and both command words. */
    for (n = 0; TX_FIFO_INF_TDFREE(TX_FIFO_INF) < ((len + 3u) & ~3u) + 8u; n++) {
        if (n == SPIN_MAX) {
            stats.tx_drop++;
            return ERR_IF;
        }
    }
    TX_DATA_FIFO = TX_CMD_A_FIRST | TX_CMD_A_LAST | len;     /* offset 0 */
    TX_DATA_FIFO = (len << 16) | len;                       /* tag = length */
    for (q = p; q != NULL; q = q->next) {
        b = q->payload;
        for (i = 0; i < q->len; i++) {
            word |= (uint32_t)b[i] << (8u * fill);
            if (++fill == 4) {
                TX_DATA_FIFO = word;
                word = 0;
                fill = 0;
            }
        }
    }
    if (fill)
        TX_DATA_FIFO = word;
    stats.tx++;
    tx_status_drain();
    return ERR_OK;
}

/* ---- receive ----------------------------------------------------------- */

static void rx_discard(uint32_t words)
{
    while (words--)
        (void)RX_DATA_FIFO;
}

int lan9118_poll(struct netif *netif)
{
    uint32_t status, len, words, word = 0;
    unsigned int have = 0;
    struct pbuf *p, *q;
    uint8_t *b;
    uint16_t i;
    int done = 0;

    while (done < POLL_FRAMES_MAX && RX_FIFO_INF_RXSUSED(RX_FIFO_INF) > 0) {
        status = RX_STATUS_FIFO;
        len = RX_STS_LEN(status);  /* includes the 4-byte FCS */
        words = (len + 3u) / 4u;   /* RX_CFG: no offset, no end padding */
        if ((status & RX_STS_ES) || len < 14u + 4u || len > FRAME_MAX + 4u) {
            rx_discard(words);
            stats.rx_drop++;
            continue;
        }
        p = pbuf_alloc(PBUF_RAW, (u16_t)(len - 4u), PBUF_POOL);
        if (p == NULL) {
            rx_discard(words);
            stats.rx_drop++;
            continue;
        }
        /* Unpack words into the chain; whatever is left is the FCS. */
        for (q = p; q != NULL; q = q->next) {
            b = q->payload;
            for (i = 0; i < q->len; i++) {
                if (have == 0) {
                    word = RX_DATA_FIFO;
                    words--;
                    have = 4;
                }
                b[i] = (uint8_t)word;
                word >>= 8;
                have--;
            }
        }
        have = 0;
        rx_discard(words);
        if (netif->input(p, netif) != ERR_OK) {
            pbuf_free(p);
            stats.rx_drop++;
            continue;
        }
        stats.rx++;
        done++;
    }
    return done;
}

/* ---- init -------------------------------------------------------------- */

err_t lan9118_netif_init(struct netif *netif)
{
    uint32_t n, lo, hi;

    if (BYTE_TEST != BYTE_TEST_VALUE || ID_REV_CHIP(ID_REV) == 0)
        return ERR_IF;

    /* Soft reset; then wait until the chip says it is ready. */
    HW_CFG = HW_CFG_SRST;
    for (n = 0; (HW_CFG & HW_CFG_SRST) || !(PMT_CTRL & PMT_CTRL_READY); n++)
        if (n == SPIN_MAX)
            return ERR_IF;

    /* Polled: no interrupt line. */
    INT_EN = 0;
    IRQ_CFG = 0;
    INT_STS = 0xffffffffu;

    /* The MAC address the chip loaded from its EEPROM (QEMU: -nic mac=). */
    if (mac_read(MAC_ADDRL, &lo) != 0 || mac_read(MAC_ADDRH, &hi) != 0)
        return ERR_IF;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    netif->hwaddr[0] = (uint8_t)lo;
    netif->hwaddr[1] = (uint8_t)(lo >> 8);
    netif->hwaddr[2] = (uint8_t)(lo >> 16);
    netif->hwaddr[3] = (uint8_t)(lo >> 24);
    netif->hwaddr[4] = (uint8_t)hi;
    netif->hwaddr[5] = (uint8_t)(hi >> 8);

    /* RX: frames start at word 0 of the FIFO, no end padding (RX_CFG 0).
     * TX on, status FIFO allowed to overrun.  The MAC: full duplex,
     * accepting our address and broadcast (not promiscuous). */
    RX_CFG = 0;
    TX_CFG = TX_CFG_TX_ON | TX_CFG_TXSAO;
    if (mac_write(MAC_CR, MAC_CR_FDPX | MAC_CR_TXEN | MAC_CR_RXEN) != 0)
        return ERR_IF;

    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
                   NETIF_FLAG_LINK_UP;
    netif->output = etharp_output;
    netif->linkoutput = lan9118_linkoutput;
    return ERR_OK;
}

const lan9118_stats *lan9118_get_stats(void)
{
    return &stats;
}
