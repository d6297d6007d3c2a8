/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * The board under the acme5g firmware image: what the application (and
 * lwIP, through sys_now() and arch/cc.h) may call.  This implementation
 * is for QEMU's `mps2-an386` machine (Arm MPS2 board, AN386 FPGA image:
 * Cortex-M4 at 25 MHz, CMSDK UART0, SMSC LAN9118 Ethernet):
 *
 *   board_mps2.c    start-up (vector table, reset, .data/.bss), SysTick
 *                   millisecond clock, UART0 console, idle, stack painting;
 *   semihost.c      the stand-ins that come from the host through Arm
 *                   semihosting: wall clock, configuration (command line),
 *                   exit status, and a NOR flash kept in a host file;
 *   lan9118.c       the Ethernet driver (lwIP netif), see lan9118.h;
 *   mps2-an386.ld   the memory map.
 *
 * A team porting to its own board writes these functions for it: the
 * clock and console from its HAL, board_flash_* over its flash
 * controller (same NOR rules: erase a sector to 0xFF, programming only
 * clears bits), board_wall_time() from its RTC or SNTP, board_rand() from
 * its TRNG, its own Ethernet driver; board_cmdline() and board_exit()
 * have no equivalent on a device (configuration comes from flash, and a
 * device does not exit).
 */
#ifndef ACME5G_BOARD_H
#define ACME5G_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* ---- start-up and clock (board_mps2.c) ------------------------------- */

/* Core clock of mps2-an386 (QEMU's SYSCLK): SysTick counts it. */
#define BOARD_CPU_HZ 25000000u

/* Start the millisecond tick and the console.  Call first in main(). */
void board_init(void);

/* Milliseconds since board_init(), from SysTick at 1 kHz; wraps after 49
 * days.  lwIP's sys_now() returns the same value. */
uint32_t board_ms(void);

/* Sleep until the next interrupt (at most 1 ms: the tick). */
void board_idle(void);

/* Busy-wait (with board_idle) for ms milliseconds. */
void board_delay_ms(uint32_t ms);

/* A pseudo-random 32-bit number for lwIP (ports, DNS ids, DHCP xid): an
 * xorshift generator mixed with the tick and seeded from the wall clock.
 * NOT for keys: acme5g takes its entropy from the provisioned seed slot. */
uint32_t board_rand(void);

/* Mix bytes into board_rand()'s state (e.g. the MAC address). */
void board_rand_mix(const void *buf, size_t len);

/* lwIP assertion or fatal error: print msg, exit with status 70. */
void board_panic(const char *msg);

/* Stack use: the reset handler fills the stack with a pattern; this
 * returns the most bytes ever used so far, and the stack's size. */
size_t board_stack_peak(void);
size_t board_stack_size(void);

/* ---- console: CMSDK UART0 (board_mps2.c) ------------------------------ */

void board_putc(char c);                 /* bytes go out as they are */
void board_puts(const char *s);          /* no newline added */
void board_put_u32(uint32_t v);          /* decimal */
void board_put_hex(uint32_t v, int digits);
void board_write(const char *buf, size_t len);

/* ---- host stand-ins through semihosting (semihost.c) ----------------- */

/* Seconds since 1970 (UTC) from the host's clock (SYS_TIME), or -1. */
int64_t board_wall_time(void);

/* Milliseconds since QEMU started, from the host's monotonic clock
 * (SYS_ELAPSED / SYS_TICKFREQ), or -1: to test the board's own clock. */
int64_t board_host_ms(void);

/* The command line the runner gave QEMU (SYS_GET_CMDLINE): with
 * `-semihosting-config enable=on,arg=A,arg=B` it is "A B"; without arg=,
 * QEMU makes it from `-kernel FILE -append "..."` as "FILE ...".  Copies
 * a NUL-terminated string into buf; returns its length or -1. */
int board_cmdline(char *buf, size_t size);

/* Find KEY=value in a command line (words separated by spaces): copies
 * value (NUL-terminated) into out; returns its length, or -1 when the key
 * is absent or the value does not fit. */
int board_arg(const char *cmdline, const char *key, char *out, size_t size);

/* End the program: QEMU exits with `status` (0..255) as its own exit
 * status (SYS_EXIT_EXTENDED).  Does not return. */
void board_exit(int status) __attribute__((noreturn));

/* ---- NOR flash emulation over a host file (semihost.c) ---------------- */

#define BOARD_FLASH_SECTOR 2048u           /* erase unit (fw_slots.h: FW_STORE_SECTOR) */
#define BOARD_FLASH_SIZE   (64u * 1024u)   /* 32 sectors */

/* Open the backing file `path` on the host (read/write, not truncated; it
 * must exist, BOARD_FLASH_SIZE bytes, 0xFF when new: the runner makes
 * it).  Returns 0, or -1 when it cannot be opened or is too short. */
int board_flash_open(const char *path);

/* All three return 0 or -1 (not open, out of range, host I/O error).
 * Every erase and program is written through to the file before it
 * returns: a killed QEMU leaves the file as of the last completed call. */
int board_flash_read(uint32_t addr, uint8_t *buf, size_t len);
int board_flash_erase(uint32_t addr);    /* sector at addr (aligned): 0xFF */
int board_flash_program(uint32_t addr, const uint8_t *buf, size_t len);
                                         /* new = old & buf: clears bits only */

/* The same device for the bare-metal port (port/acme5g_baremetal.h):
 * sector_size BOARD_FLASH_SECTOR, read/erase/program above, user unused. */
struct acme5g_baremetal_flash;
extern const struct acme5g_baremetal_flash board_bm_flash;

/* Counters for figures and tests: erases and programs done. */
uint32_t board_flash_erases(void);
uint32_t board_flash_programs(void);

#endif /* ACME5G_BOARD_H */
