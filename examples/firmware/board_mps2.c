/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * Start-up, clock and console of QEMU's `mps2-an386` board (Cortex-M4 at
 * 25 MHz) for the acme5g firmware image; the API is in board.h.
 *
 *  - the vector table (section .isr_vector, placed at 0x00000000 by
 *    mps2-an386.ld) and the reset handler: paint the stack, copy .data,
 *    zero .bss, call main(), exit with its status;
 *  - SysTick at 1 kHz from the core clock: board_ms() and lwIP's sys_now();
 *  - CMSDK UART0 at 0x40004000 as the console (TX only, polled);
 *  - a small non-cryptographic random generator for lwIP.
 *
 * A team porting to its own board replaces this file with its vendor's
 * start-up code and HAL (clock tree, UART, a TRNG for board_rand) and
 * keeps the function names of board.h, or changes the callers.
 */
#include <stdint.h>
#include <string.h>

#include "board.h"

/* ---- memory map (ARM AN386, QEMU hw/arm/mps2.c) ------------------------ */

#define UART0_BASE 0x40004000u
#define UART_DATA    (*(volatile uint32_t *)(UART0_BASE + 0x00))
#define UART_STATE   (*(volatile uint32_t *)(UART0_BASE + 0x04)) /* bit 0: TX full */
#define UART_CTRL    (*(volatile uint32_t *)(UART0_BASE + 0x08)) /* bit 0: TX enable */
#define UART_BAUDDIV (*(volatile uint32_t *)(UART0_BASE + 0x10))

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_CSR_ENABLE  1u
#define SYST_CSR_TICKINT 2u
#define SYST_CSR_CORECLK 4u

/* From the linker script. */
extern uint32_t _data_load[], _data_start[], _data_end[];
extern uint32_t _bss_start[], _bss_end[];
extern uint32_t _stack_bottom[], _stack_top[];

int main(void);

#define STACK_PAINT 0xC5C5C5C5u

/* ---- clock ------------------------------------------------------------ */

static volatile uint32_t board_ticks;

static void board_systick(void)
{
    board_ticks++;
}

uint32_t board_ms(void)
{
    return board_ticks; /* one aligned word: read atomically */
}

/* lwIP's clock (NO_SYS=1): milliseconds, wrapping. */
uint32_t sys_now(void);
uint32_t sys_now(void)
{
    return board_ticks;
}

void board_idle(void)
{
    __asm__ volatile("wfi"); /* SysTick wakes us within 1 ms */
}

void board_delay_ms(uint32_t ms)
{
    uint32_t start = board_ms();

    while (board_ms() - start < ms)
        board_idle();
}

/* ---- console ---------------------------------------------------------- */

void board_putc(char c)
{
    while (UART_STATE & 1u)
        ;
    UART_DATA = (uint8_t)c;
}

void board_write(const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        board_putc(buf[i]);
}

void board_puts(const char *s)
{
    while (*s)
        board_putc(*s++);
}

void board_put_u32(uint32_t v)
{
    char buf[10];
    int n = 0;

    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        board_putc(buf[--n]);
}

void board_put_hex(uint32_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";

    while (digits-- > 0)
        board_putc(hex[(v >> (4 * digits)) & 15u]);
}

/* ---- random (not for keys) -------------------------------------------- */

static uint32_t board_rng = 0x6d2b79f5u;

void board_rand_mix(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    size_t i;

    for (i = 0; i < len; i++)
        board_rng = (board_rng ^ p[i]) * 0x01000193u; /* FNV-1a step */
    if (board_rng == 0)
        board_rng = 1;
}

uint32_t board_rand(void)
{
    uint32_t x = board_rng ^ (board_ticks * 0x9e3779b9u);

    /* xorshift32 */
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    if (x == 0)
        x = 0x6d2b79f5u;
    board_rng = x;
    return x;
}

/* ---- faults and stack ----------------------------------------------- */

void board_panic(const char *msg)
{
    board_puts("panic: ");
    board_puts(msg ? msg : "?");
    board_putc('\n');
    board_exit(70);
}

/* The stacked PC of a hard fault (frame: r0-r3, r12, lr, pc, xpsr). */
void board_fault(const uint32_t *frame);
void board_fault(const uint32_t *frame)
{
    board_puts("panic: hard fault at pc 0x");
    board_put_hex(frame[6], 8);
    board_puts(" lr 0x");
    board_put_hex(frame[5], 8);
    board_putc('\n');
    board_exit(71);
}

__attribute__((naked)) static void board_hardfault(void)
{
    __asm__ volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "b board_fault\n");
}

static void board_unexpected(void)
{
    board_panic("unexpected exception");
}

size_t board_stack_size(void)
{
    return (size_t)((uintptr_t)_stack_top - (uintptr_t)_stack_bottom);
}

size_t board_stack_peak(void)
{
    const uint32_t *p = _stack_bottom;

    while (p < _stack_top && *p == STACK_PAINT)
        p++;
    return (size_t)((uintptr_t)_stack_top - (uintptr_t)p);
}

/* ---- reset ------------------------------------------------------------ */

void board_init(void)
{
    int64_t t;

    UART_BAUDDIV = BOARD_CPU_HZ / 115200u; /* QEMU wants >= 16 */
    UART_CTRL = 1u;                        /* TX enable */

    SYST_RVR = BOARD_CPU_HZ / 1000u - 1u;  /* 1 kHz */
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CORECLK;

    t = board_wall_time();
    board_rand_mix(&t, sizeof(t));
}

__attribute__((noreturn)) void board_reset(void);
__attribute__((noreturn)) void board_reset(void)
{
    uint32_t *p, *end;
    uint32_t sp;

    /* Paint the stack below us (leave 64 bytes for this frame). */
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    end = (uint32_t *)(uintptr_t)(sp - 64u);
    for (p = _stack_bottom; p < end; p++)
        *p = STACK_PAINT;

    memcpy(_data_start, _data_load,
           (size_t)((uintptr_t)_data_end - (uintptr_t)_data_start));
    memset(_bss_start, 0, (size_t)((uintptr_t)_bss_end - (uintptr_t)_bss_start));

    board_exit(main());
}

/* Cortex-M4 exceptions 0-15; no external interrupt is enabled (the
 * network is polled), so the table stops at SysTick. */
typedef void (*board_vector)(void);

__attribute__((section(".isr_vector"), used))
static const board_vector board_vectors[16] = {
    (board_vector)(uintptr_t)_stack_top, /* initial SP: the linker's symbol */
    board_reset,
    board_unexpected, /* NMI */
    board_hardfault,
    board_unexpected, /* MemManage */
    board_unexpected, /* BusFault */
    board_unexpected, /* UsageFault */
    0, 0, 0, 0,
    board_unexpected, /* SVCall */
    board_unexpected, /* DebugMonitor */
    0,
    board_unexpected, /* PendSV */
    board_systick,
};
