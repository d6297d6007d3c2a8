/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * The host's stand-ins for the acme5g firmware image, through Arm
 * semihosting (`bkpt 0xab` with an operation in r0 and a parameter block
 * in r1; QEMU serves it when started with -semihosting or
 * -semihosting-config enable=on).  API in board.h:
 *
 *  - wall clock: SYS_TIME (seconds since 1970 from the host's clock), where
 *    a product has an RTC or SNTP; SYS_ELAPSED/SYS_TICKFREQ, the host's
 *    monotonic clock, only to test the board's own;
 *  - configuration: SYS_GET_CMDLINE, the runner's arguments;
 *  - exit status: SYS_EXIT_EXTENDED, so that QEMU's exit status is the
 *    image's verdict;
 *  - a NOR flash of BOARD_FLASH_SIZE bytes kept in a host file (SYS_OPEN,
 *    SYS_SEEK, SYS_READ, SYS_WRITE, SYS_FLEN), where a product has its
 *    flash controller.  It keeps NOR rules so that the bare-metal port's
 *    two-copy + CRC storage is exercised for real: an erase sets a whole
 *    4 KB sector to 0xFF; a program can only clear bits (new = old & data).
 *    Nothing is cached: reads go to the file, and each erase or program
 *    is written through, one host write per 256-byte page (the program
 *    page of common serial NOR parts) before the call returns.  A QEMU
 *    killed in the middle of a call therefore leaves whole pages done and
 *    the rest untouched, like a power cut during a real page program.
 *
 * A team porting to its own board does not use this file: it implements
 * board_flash_* over its flash controller (or fills acme5g_baremetal_flash
 * directly), and gets the time from its RTC/SNTP.  Semihosting halts a
 * real Cortex-M without a debugger attached: never ship it.
 */
#include <stdint.h>
#include <string.h>

#include "acme5g_baremetal.h"
#include "board.h"

/* ---- semihosting calls (Arm "Semihosting for AArch32 and AArch64") ------ */

#define SYS_OPEN          0x01
#define SYS_CLOSE         0x02
#define SYS_WRITE         0x05
#define SYS_READ          0x06
#define SYS_SEEK          0x0A
#define SYS_FLEN          0x0C
#define SYS_TIME          0x11
#define SYS_GET_CMDLINE   0x15
#define SYS_EXIT          0x18
#define SYS_EXIT_EXTENDED 0x20
#define SYS_ELAPSED       0x30
#define SYS_TICKFREQ      0x31
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

#define SH_MODE_RPLUS_B 3 /* fopen mode "r+b": read/write, no truncation */

static int32_t sh_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;

    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

int64_t board_wall_time(void)
{
    int32_t t = sh_call(SYS_TIME, 0);

    return t == -1 ? -1 : (int64_t)(uint32_t)t; /* unsigned: good to 2106 */
}

/* (SYS_CLOCK would be the QEMU process's CPU time: no use here.) */
int64_t board_host_ms(void)
{
    uint32_t blk[2];
    int32_t hz = sh_call(SYS_TICKFREQ, 0);

    if (hz <= 0 || sh_call(SYS_ELAPSED, blk) != 0)
        return -1;
    return (int64_t)((((uint64_t)blk[1] << 32) | blk[0]) / ((uint32_t)hz / 1000u));
}

int board_cmdline(char *buf, size_t size)
{
    uint32_t blk[2];

    if (size < 2)
        return -1;
    blk[0] = (uint32_t)(uintptr_t)buf;
    blk[1] = (uint32_t)size;
    if (sh_call(SYS_GET_CMDLINE, blk) != 0 || blk[1] >= size)
        return -1;
    buf[blk[1]] = '\0';
    return (int)blk[1];
}

int board_arg(const char *cmdline, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key), n;
    const char *p = cmdline;

    while (*p) {
        while (*p == ' ')
            p++;
        n = 0;
        while (p[n] && p[n] != ' ')
            n++;
        if (n > klen && memcmp(p, key, klen) == 0 && p[klen] == '=') {
            if (n - klen - 1 >= size)
                return -1;
            memcpy(out, p + klen + 1, n - klen - 1);
            out[n - klen - 1] = '\0';
            return (int)(n - klen - 1);
        }
        p += n;
    }
    return -1;
}

void board_exit(int status)
{
    uint32_t blk[2];

    blk[0] = ADP_STOPPED_APPLICATION_EXIT;
    blk[1] = (uint32_t)status & 0xffu;
    sh_call(SYS_EXIT_EXTENDED, blk);
    /* A host without the extension: the plain call (0 or 1 only). */
    sh_call(SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                                            : 0x20023u /* RunTimeErrorUnknown */));
    for (;;)
        __asm__ volatile("wfi");
}

/* ---- NOR flash in a host file ------------------------------------------ */

#define FLASH_PAGE 256u

static int32_t flash_fd = -1;
static uint32_t flash_erase_count, flash_program_count;
static uint8_t flash_page[FLASH_PAGE]; /* one page of read-modify-write */

static int flash_io(uint32_t op, uint32_t addr, const void *buf, size_t len)
{
    uint32_t blk[3];

    blk[0] = (uint32_t)flash_fd;
    blk[1] = addr;
    if (sh_call(SYS_SEEK, blk) != 0)
        return -1;
    blk[1] = (uint32_t)(uintptr_t)buf;
    blk[2] = (uint32_t)len;
    return sh_call(op, blk) == 0 ? 0 : -1; /* both return the bytes NOT done */
}

static int flash_range(uint32_t addr, size_t len)
{
    return flash_fd >= 0 && addr <= BOARD_FLASH_SIZE && len <= BOARD_FLASH_SIZE - addr;
}

int board_flash_open(const char *path)
{
    uint32_t blk[3];
    int32_t fd;

    if (flash_fd >= 0) {
        blk[0] = (uint32_t)flash_fd;
        sh_call(SYS_CLOSE, blk);
        flash_fd = -1;
    }
    blk[0] = (uint32_t)(uintptr_t)path;
    blk[1] = SH_MODE_RPLUS_B;
    blk[2] = (uint32_t)strlen(path);
    fd = sh_call(SYS_OPEN, blk);
    if (fd < 0)
        return -1;
    blk[0] = (uint32_t)fd;
    if (sh_call(SYS_FLEN, blk) < (int32_t)BOARD_FLASH_SIZE) {
        sh_call(SYS_CLOSE, blk);
        return -1;
    }
    flash_fd = fd;
    return 0;
}

int board_flash_read(uint32_t addr, uint8_t *buf, size_t len)
{
    if (!flash_range(addr, len))
        return -1;
    return len == 0 ? 0 : flash_io(SYS_READ, addr, buf, len);
}

int board_flash_erase(uint32_t addr)
{
    uint32_t off;

    if (addr % BOARD_FLASH_SECTOR != 0 || !flash_range(addr, BOARD_FLASH_SECTOR))
        return -1;
    memset(flash_page, 0xff, sizeof(flash_page));
    for (off = 0; off < BOARD_FLASH_SECTOR; off += FLASH_PAGE)
        if (flash_io(SYS_WRITE, addr + off, flash_page, FLASH_PAGE) != 0)
            return -1;
    flash_erase_count++;
    return 0;
}

int board_flash_program(uint32_t addr, const uint8_t *buf, size_t len)
{
    size_t n, i;

    if (!flash_range(addr, len))
        return -1;
    while (len > 0) {
        /* up to the end of the current page */
        n = FLASH_PAGE - addr % FLASH_PAGE;
        if (n > len)
            n = len;
        if (flash_io(SYS_READ, addr, flash_page, n) != 0)
            return -1;
        for (i = 0; i < n; i++)
            flash_page[i] &= buf[i]; /* NOR: bits only go from 1 to 0 */
        if (flash_io(SYS_WRITE, addr, flash_page, n) != 0)
            return -1;
        addr += (uint32_t)n;
        buf += n;
        len -= n;
    }
    flash_program_count++;
    return 0;
}

uint32_t board_flash_erases(void)
{
    return flash_erase_count;
}

uint32_t board_flash_programs(void)
{
    return flash_program_count;
}

/* ---- the same flash for port/acme5g_baremetal.c ------------------------ */

static int bm_flash_read(void *user, uint32_t addr, uint8_t *buf, size_t len)
{
    (void)user;
    return board_flash_read(addr, buf, len);
}

static int bm_flash_erase(void *user, uint32_t addr)
{
    (void)user;
    return board_flash_erase(addr);
}

static int bm_flash_program(void *user, uint32_t addr, const uint8_t *buf, size_t len)
{
    (void)user;
    return board_flash_program(addr, buf, len);
}

const struct acme5g_baremetal_flash board_bm_flash = {
    .sector_size = BOARD_FLASH_SECTOR,
    .read = bm_flash_read,
    .erase = bm_flash_erase,
    .program = bm_flash_program,
};
