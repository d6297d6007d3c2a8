/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * lwIP 2.1 options for the acme5g firmware image (examples/firmware):
 * bare metal (NO_SYS=1), raw API only, IPv4 with TCP, UDP for DHCP and
 * DNS, ARP over Ethernet.  Everything else is off.  lwIP's own defaults
 * are in its src/include/lwip/opt.h; only what differs is set here.
 *
 * Memory budget: the whole enrolling image aims at 64 KB of RAM, of which
 * acme5g's context takes ~40 KB, so lwIP gets ~12 KB: the heap (MEM_SIZE),
 * the receive pool (PBUF_POOL_SIZE x PBUF_POOL_BUFSIZE) and the fixed pools
 * for PCBs, segments and timers.  `make size` prints what it really is.
 *
 * A team porting to its own board keeps this file as it is unless its
 * driver needs something else (e.g. ETH_PAD_SIZE 2 for a DMA that wants
 * the IP header aligned, or checksum offload: CHECKSUM_GEN_* 0).  Raise
 * TCP_MSS / TCP_WND for throughput when RAM allows.
 */
#ifndef ACME5G_LWIPOPTS_H
#define ACME5G_LWIPOPTS_H

/* ---- system: no OS, one thread, lwIP driven by polling ---------------- */
#define NO_SYS                  1   /* no threads, no semaphores: the main
                                       loop calls lan9118_poll() and
                                       sys_check_timeouts() */
#define SYS_LIGHTWEIGHT_PROT    0   /* nothing runs lwIP from an interrupt */
#define LWIP_TIMERS             1   /* sys_check_timeouts(); sys_now() is the
                                       board's millisecond tick (board.c) */
#define LWIP_SOCKET             0   /* raw API only */
#define LWIP_NETCONN            0
#define LWIP_NETIF_API          0

/* ---- memory ------------------------------------------------------------ */
#define MEM_ALIGNMENT           4   /* Cortex-M4: word alignment */
#define MEM_LIBC_MALLOC         0   /* lwIP's own heap, no malloc */
#define MEMP_MEM_MALLOC         0
/* The heap holds what tcp_write copies (up to TCP_SND_BUF, as MSS-sized
 * PBUF_RAM segments with headers), outgoing DHCP/DNS/ARP frames and the
 * DNS table.  4 x (536 + 54 + 16) B of TCP data plus a few small frames
 * fits well in 6 KB. */
#define MEM_SIZE                (6 * 1024)
/* Receive frames go into a chain of pool buffers: 8 x 592 B = 4.7 KB,
 * enough for a full receive window (TCP_WND) plus ARP/DHCP frames. */
#define PBUF_POOL_SIZE          8
#define MEMP_NUM_PBUF           8   /* PBUF_ROM/REF: only for non-copied
                                       tcp_write data; acme5g copies */
#define MEMP_NUM_UDP_PCB        2   /* DHCP client, DNS client */
#define MEMP_NUM_TCP_PCB        4   /* the ACME server (one at a time, plus
                                       closing ones in TIME_WAIT) and the
                                       http-01 validator's connections */
#define MEMP_NUM_TCP_PCB_LISTEN 2   /* the http-01 responder (port 80) */
#define MEMP_NUM_TCP_SEG        16  /* >= TCP_SND_QUEUELEN */
#define MEMP_NUM_LOCALHOSTLIST  2   /* dns_local_addhost() entries */

/* ---- IP -------------------------------------------------------------- */
#define LWIP_IPV4               1
#define LWIP_IPV6               0
#define LWIP_ARP                1
#define ARP_TABLE_SIZE          4   /* gateway, DNS server, a peer or two */
#define ARP_QUEUEING            0   /* keep only the last frame per unresolved
                                       address (TCP retransmits anyway) */
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define IP_FORWARD              0
#define IP_REASSEMBLY           0   /* nobody sends us fragments on a LAN
                                       with MSS-sized segments */
#define IP_FRAG                 0   /* TCP segments always fit the MTU */
#define LWIP_ICMP               1   /* echo replies and port-unreachable
                                       handling: ~1 KB, useful when bringing
                                       a board up (ping) */
#define LWIP_RAW                0
#define LWIP_IGMP               0
#define LWIP_AUTOIP             0
#define LWIP_SINGLE_NETIF       1   /* one Ethernet port: smaller routing */
#define LWIP_HAVE_LOOPIF        0
#define LWIP_NETIF_LOOPBACK     0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_NETIF_HOSTNAME     0
#define LWIP_STATS              0
#define LWIP_NOASSERT_ON_ERROR  0

/* ---- UDP, DHCP, DNS -------------------------------------------------- */
#define LWIP_UDP                1
#define LWIP_DHCP               1   /* address from the network (QEMU's user
                                       networking has a DHCP server) */
#define DHCP_DOES_ARP_CHECK     0   /* no 0.5-1 s ARP probe of the offered
                                       address before using it */
#define LWIP_DHCP_GET_NTP_SRV   0
#define LWIP_DNS                1   /* names of ACME servers */
#define DNS_TABLE_SIZE          2   /* cache: the ACME server, one more */
#define DNS_MAX_NAME_LENGTH     128 /* host names of ACME directory URLs */
#define DNS_MAX_SERVERS         2
/* A static host table that the application fills at run time with
 * dns_local_addhost(): used where no DNS server is reachable (QEMU with
 * restrict=on) or a name must map to a fixed address. */
#define DNS_LOCAL_HOSTLIST      1
#define DNS_LOCAL_HOSTLIST_IS_DYNAMIC 1

/* ---- TCP --------------------------------------------------------------- */
#define LWIP_TCP                1
/* 536 B segments (the IPv4 default MSS): every receive buffer is 592 B
 * instead of 1516 B, which is what keeps the pool small.  Throughput is
 * not what an enrolment needs (a few KB each way). */
#define TCP_MSS                 536
#define TCP_WND                 (4 * TCP_MSS)   /* 2144 B receive window */
#define TCP_SND_BUF             (4 * TCP_MSS)   /* 2144 B queued for sending */
#define TCP_SND_QUEUELEN        ((4 * (TCP_SND_BUF) + (TCP_MSS - 1)) / (TCP_MSS))
#define TCP_QUEUE_OOSEQ         0   /* out-of-order segments are dropped and
                                       retransmitted: no extra pbufs held */
#define TCP_LISTEN_BACKLOG      0
#define LWIP_TCP_KEEPALIVE      0
#define LWIP_TCP_TIMESTAMPS     0
#define LWIP_WND_SCALE          0
#define LWIP_TCP_SACK_OUT       0
/* Random first local port (LWIP_RAND): after a reboot a new connection
 * must not reuse the 4-tuple of one the peer still has open. */
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1

/* ---- checksums: lwIP's defaults (computed in software) ------------------ */

/* ---- debugging: off; asserts compiled out for the size figures (remove
 * LWIP_NOASSERT to get lwIP's asserts through board_panic()) ------------- */
#define LWIP_NOASSERT           1

#endif /* ACME5G_LWIPOPTS_H */
