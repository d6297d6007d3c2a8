/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * A minimal firmware for a generic Cortex-M4 that enrols with acme5g
 * through the bare-metal port.  It compiles and links (make cross) and
 * shows what an integrator writes: the vector table and reset code, a
 * SysTick millisecond counter, the network and flash callbacks, the storage
 * slots, and the call to acme5g_enrol().  The network and flash functions
 * are where a real product calls its TCP/IP stack (e.g. lwIP's raw API)
 * and its flash controller driver: here they are stubs, so the image does
 * not run usefully, but its size is that of a real one.
 *
 * Build: see `make cross` (arm-none-eabi-gcc, newlib-nano, nosys, the
 * linker script cortex-m4.ld next to this file).
 */
#include <stdint.h>
#include <string.h>

#include "acme5g.h"
#include "acme5g_baremetal.h"

/* ------------------------------------------------------------------------
 * Clock: SysTick at 1 kHz
 * ---------------------------------------------------------------------- */

#define FW_CPU_HZ 16000000u /* the reset clock of many parts; set yours */
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static volatile uint32_t fw_ms;

void fw_systick(void);
void fw_systick(void)
{
    fw_ms++;
}

static uint32_t fw_ticks(void *user)
{
    (void)user;
    return fw_ms;
}

static void fw_idle(void *user)
{
    (void)user;
    __asm__ volatile("wfi"); /* SysTick wakes us every millisecond */
}

/* ------------------------------------------------------------------------
 * Network: the TCP stack's glue (stubs here).  With lwIP's raw API and
 * NO_SYS=1: open = dns_gethostbyname + tcp_new + tcp_connect; is_open from
 * the connected/err callbacks; write = tcp_write(TCP_WRITE_FLAG_COPY) up to
 * tcp_sndbuf() + tcp_output; read copies from the pbuf chain queued by the
 * tcp_recv callback and calls tcp_recved; poll = ethernetif_input +
 * sys_check_timeouts.
 * ---------------------------------------------------------------------- */

static int fw_tcp_open(void *user, const char *host, uint16_t port)
{
    (void)user;
    (void)host;
    (void)port;
    return ACME5G_PORT_ERROR; /* no network driver in this example */
}

static int fw_tcp_is_open(void *user, int conn)
{
    (void)user;
    (void)conn;
    return -1;
}

static int fw_tcp_write(void *user, int conn, const uint8_t *buf, size_t len)
{
    (void)user;
    (void)conn;
    (void)buf;
    (void)len;
    return ACME5G_PORT_ERROR;
}

static int fw_tcp_read(void *user, int conn, uint8_t *buf, size_t len)
{
    (void)user;
    (void)conn;
    (void)buf;
    (void)len;
    return ACME5G_PORT_ERROR;
}

static void fw_tcp_close(void *user, int conn)
{
    (void)user;
    (void)conn;
}

static int fw_tcp_listen(void *user, uint16_t port)
{
    (void)user;
    (void)port;
    return ACME5G_PORT_ERROR;
}

static int fw_tcp_accept(void *user, int listener)
{
    (void)user;
    (void)listener;
    return ACME5G_PORT_TIMEOUT;
}

static void fw_net_poll(void *user)
{
    (void)user;
}

static const acme5g_baremetal_net fw_net = {
    fw_tcp_open, fw_tcp_is_open, fw_tcp_write, fw_tcp_read, fw_tcp_close,
    fw_tcp_listen, fw_tcp_accept, fw_net_poll
};

/* ------------------------------------------------------------------------
 * Flash: the last 64 KB of a 512 KB part, 2 KB sectors.  Reading is a
 * copy from the memory-mapped flash; erase and program belong to the
 * chip's flash controller driver (stubs here).
 * ---------------------------------------------------------------------- */

#define FW_STORE_BASE 0x08070000u
#define FW_SECTOR 2048u

static int fw_flash_read(void *user, uint32_t addr, uint8_t *buf, size_t len)
{
    (void)user;
    memcpy(buf, (const void *)(uintptr_t)addr, len);
    return 0;
}

static int fw_flash_erase(void *user, uint32_t addr)
{
    (void)user;
    (void)addr;
    return -1; /* unlock, erase the sector at addr, wait, lock */
}

static int fw_flash_program(void *user, uint32_t addr, const uint8_t *buf, size_t len)
{
    (void)user;
    (void)addr;
    (void)buf;
    (void)len;
    return -1; /* unlock, program in the chip's unit (word/double word), lock */
}

static const acme5g_baremetal_flash fw_flash = {
    FW_SECTOR, fw_flash_read, fw_flash_erase, fw_flash_program
};

/* Two copies per slot; cert.pem holds the whole chain. */
static const acme5g_baremetal_slot fw_slots[] = {
    {ACME5G_STORE_ACCOUNT_KEY, FW_STORE_BASE + 0x0000u, FW_SECTOR},
    {ACME5G_STORE_ACCOUNT_URL, FW_STORE_BASE + 0x1000u, FW_SECTOR},
    {ACME5G_STORE_CERT_KEY, FW_STORE_BASE + 0x2000u, FW_SECTOR},
    {ACME5G_BAREMETAL_SEED_SLOT, FW_STORE_BASE + 0x3000u, FW_SECTOR},
    {ACME5G_STORE_CERT, FW_STORE_BASE + 0x4000u, 4 * FW_SECTOR},
};

/* ------------------------------------------------------------------------
 * The application
 * ---------------------------------------------------------------------- */

/* The operator CA that signed the ACME server's certificate (PEM).
 * Provisioned with the firmware; replace this placeholder. */
static const char fw_ca_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "(the operator's CA certificate)\n"
    "-----END CERTIFICATE-----\n";

static acme5g_ctx fw_ctx;   /* the whole client state: see make size */
static acme5g_baremetal fw_bm;

int main(void);
int main(void)
{
    static const acme5g_identifier ids[] = {{ACME5G_ID_DNS, "nf1.5gc.example"}};
    acme5g_enrol_params p;
    acme5g_port port;
    int err;

    SYST_RVR = FW_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */

    fw_bm.net = &fw_net;
    fw_bm.ticks = fw_ticks;
    fw_bm.tick_hz = 1000;
    fw_bm.entropy = NULL; /* no TRNG: the provisioned seed slot is used */
    fw_bm.flash = &fw_flash;
    fw_bm.slots = fw_slots;
    fw_bm.slot_count = sizeof fw_slots / sizeof fw_slots[0];
    fw_bm.idle = fw_idle;
    acme5g_baremetal_port(&fw_bm, &port);
    /* From SNTP, GNSS or the modem before enrolling; here a fixed date. */
    acme5g_baremetal_set_time(&fw_bm, 1767225600); /* 2026-01-01 */

    err = acme5g_init(&fw_ctx, &port);
    if (!err)
        err = acme5g_add_trust_anchors_pem(&fw_ctx, fw_ca_pem, sizeof fw_ca_pem - 1);
    if (!err) {
        memset(&p, 0, sizeof p);
        p.directory_url = "https://ca.5gc.example/acme/directory";
        p.identifiers = ids;
        p.identifier_count = 1;
        p.http_port = 80;
        p.timeout_s = 300;
        err = acme5g_enrol(&fw_ctx, &p);
    }
    for (;;)
        fw_idle(NULL); /* a product would retry per acme5g_policy_next() */
    return err;
}

/* ------------------------------------------------------------------------
 * Start-up: vector table and reset handler (normally the vendor's startup
 * file and CMSIS do this)
 * ---------------------------------------------------------------------- */

extern uint32_t _data_load, _data_start, _data_end, _bss_start, _bss_end, _stack_top;

void fw_reset(void);
void fw_reset(void)
{
    uint32_t *src = &_data_load, *dst = &_data_start;

    while (dst < &_data_end)
        *dst++ = *src++;
    for (dst = &_bss_start; dst < &_bss_end;)
        *dst++ = 0;
    (void)main();
    for (;;)
        ;
}

static void fw_fault(void)
{
    for (;;)
        ;
}

/* Initial SP, reset, NMI, HardFault .. SysTick (15 entries + SP). */
__attribute__((section(".isr_vector"), used))
static void (*const fw_vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&_stack_top,
    fw_reset, fw_fault, fw_fault, fw_fault, fw_fault, fw_fault, 0, 0, 0, 0,
    fw_fault, fw_fault, 0, fw_fault, fw_systick,
};
