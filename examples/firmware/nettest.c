/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * nettest: the board's own test image (build/cross/nettest-m4.elf, run by
 * tests/firmware-board.sh).  It proves the layers under the acme5g
 * firmware before acme5g runs on them: start-up, clock and console
 * (board_mps2.c), the host stand-ins (semihost.c: wall clock, command
 * line, exit status, the NOR flash in a host file), the LAN9118 driver
 * and lwIP (DHCP, ARP, TCP out and in).
 *
 * Configuration: words KEY=VALUE on the semihosting command line
 * (-semihosting-config enable=on,arg=nettest,arg=KEY=VALUE,...):
 *   exit=N        print the banner and exit with status N at once
 *   flash=PATH    the flash's backing file (BOARD_FLASH_SIZE bytes)
 *   phase=write   NOR rules checked on sectors 0 and 1, a pattern
 *                 written to sector 2
 *   phase=check   the pattern of sector 2 read back (a second boot)
 *   net=dhcp|static  bring the network up: DHCP, or 10.0.2.15/24 via
 *                 10.0.2.2 (DHCP falls back to that after 5 s)
 *   echo=PORT     connect to 10.0.2.100:PORT, send a line, expect it back
 *   bulk=N        then send N pattern bytes and check the N echoed back
 *   listen=PORT   accept one connection on PORT, answer an HTTP request
 *   hang=1        after the flash phase, wait forever (to be killed)
 * Every check prints "nettest: ok - ..." or "nettest: FAIL - ..."; the
 * image exits with 0 when none failed, 1 otherwise.
 *
 * Not part of a product: a team porting to its own board may keep it as
 * its board bring-up test, with its own driver and flash under it.
 */
#include <stdint.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#include "board.h"
#include "lan9118.h"

static char cmdline[256];
static int failed, passed;
static struct netif nif;

static void say(const char *s)
{
    board_puts("nettest: ");
    board_puts(s);
}

static void check(int ok, const char *what)
{
    say(ok ? "ok - " : "FAIL - ");
    board_puts(what);
    board_putc('\n');
    if (ok)
        passed++;
    else
        failed++;
}

static uint32_t arg_u32(const char *key, uint32_t dflt)
{
    char v[12];
    uint32_t n = 0;
    int i;

    if (board_arg(cmdline, key, v, sizeof(v)) <= 0)
        return dflt;
    for (i = 0; v[i]; i++) {
        if (v[i] < '0' || v[i] > '9')
            return dflt;
        n = n * 10u + (uint32_t)(v[i] - '0');
    }
    return n;
}

/* ---- flash ------------------------------------------------------------- */

#define PATTERN_ADDR (2u * BOARD_FLASH_SECTOR + 100u)
#define PATTERN_LEN  1000u

static uint8_t pattern_byte(uint32_t i)
{
    return (uint8_t)(i * 7u + 3u);
}

static int flash_is(uint32_t addr, size_t len, int value)
{
    uint8_t buf[64];
    size_t n, i;

    while (len > 0) {
        n = len < sizeof(buf) ? len : sizeof(buf);
        if (board_flash_read(addr, buf, n) != 0)
            return 0;
        for (i = 0; i < n; i++)
            if (value < 0 ? buf[i] != pattern_byte(addr + (uint32_t)i - PATTERN_ADDR)
                          : buf[i] != (uint8_t)value)
                return 0;
        addr += (uint32_t)n;
        len -= n;
    }
    return 1;
}

static void flash_write_phase(void)
{
    uint8_t b[300], r[300];
    uint32_t i;

    check(board_flash_erase(0) == 0 && flash_is(0, BOARD_FLASH_SECTOR, 0xff),
          "flash: an erase sets the sector to 0xFF");
    b[0] = 0x00;
    b[1] = 0xff;
    check(board_flash_program(10, b, 1) == 0 && board_flash_program(10, b + 1, 1) == 0 &&
              flash_is(10, 1, 0x00),
          "flash: programming 0x00 then 0xFF leaves 0x00");
    b[0] = 0xf0;
    b[1] = 0x0f;
    check(board_flash_program(11, b, 1) == 0 && board_flash_program(11, b + 1, 1) == 0 &&
              flash_is(11, 1, 0x00),
          "flash: programming 0xF0 then 0x0F leaves 0x00 (bits only cleared)");
    check(flash_is(0, 10, 0xff) && flash_is(12, BOARD_FLASH_SECTOR - 12, 0xff),
          "flash: programming leaves the other bytes erased");
    for (i = 0; i < sizeof(b); i++)
        b[i] = (uint8_t)(0xa5 ^ i);
    check(board_flash_erase(BOARD_FLASH_SECTOR) == 0 &&
              board_flash_program(BOARD_FLASH_SECTOR + 200, b, sizeof(b)) == 0 &&
              board_flash_read(BOARD_FLASH_SECTOR + 200, r, sizeof(r)) == 0 &&
              memcmp(b, r, sizeof(b)) == 0,
          "flash: 300 bytes across a page boundary read back");
    check(board_flash_erase(0) == 0 && flash_is(0, BOARD_FLASH_SECTOR, 0xff),
          "flash: a second erase clears the programmed bytes");
    check(board_flash_erase(100) != 0 && board_flash_erase(BOARD_FLASH_SIZE) != 0 &&
              board_flash_program(BOARD_FLASH_SIZE - 1, b, 2) != 0 &&
              board_flash_read(BOARD_FLASH_SIZE, r, 1) != 0,
          "flash: unaligned erase and out-of-range access refused");

    check(board_flash_erase(2u * BOARD_FLASH_SECTOR) == 0, "flash: erase sector 2");
    for (i = 0; i < PATTERN_LEN; i += sizeof(b)) {
        uint32_t n = PATTERN_LEN - i < sizeof(b) ? PATTERN_LEN - i : sizeof(b), j;

        for (j = 0; j < n; j++)
            b[j] = pattern_byte(i + j);
        if (board_flash_program(PATTERN_ADDR + i, b, n) != 0)
            break;
    }
    check(i >= PATTERN_LEN && flash_is(PATTERN_ADDR, PATTERN_LEN, -1),
          "flash: pattern written to sector 2");
}

static void flash_check_phase(void)
{
    check(flash_is(PATTERN_ADDR, PATTERN_LEN, -1) &&
              flash_is(2u * BOARD_FLASH_SECTOR, 100, 0xff),
          "flash: the pattern of the first boot is there after a reboot");
}

/* ---- network ---------------------------------------------------------- */

/* Run the stack once; sleep a tick when nothing came in. */
static void net_run(void)
{
    if (lan9118_poll(&nif) == 0)
        board_idle();
    sys_check_timeouts();
}

static int net_wait(volatile int *flag, uint32_t ms)
{
    uint32_t start = board_ms();

    while (!*flag && board_ms() - start < ms)
        net_run();
    return *flag;
}

static void put_ip(const ip4_addr_t *a)
{
    uint32_t v = lwip_ntohl(ip4_addr_get_u32(a));

    board_put_u32(v >> 24);
    board_putc('.');
    board_put_u32((v >> 16) & 255u);
    board_putc('.');
    board_put_u32((v >> 8) & 255u);
    board_putc('.');
    board_put_u32(v & 255u);
}

static int net_up(int use_dhcp)
{
    ip4_addr_t ip, mask, gw;
    uint32_t start;
    int got = 0;

    lwip_init();
    if (netif_add(&nif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, NULL,
                  lan9118_netif_init, netif_input) == NULL) {
        check(0, "LAN9118 found and initialised");
        return -1;
    }
    check(1, "LAN9118 found and initialised");
    board_rand_mix(nif.hwaddr, 6);
    say("mac ");
    for (start = 0; start < 6; start++) {
        board_put_hex(nif.hwaddr[start], 2);
        if (start < 5)
            board_putc(':');
    }
    board_putc('\n');
    netif_set_default(&nif);
    netif_set_up(&nif);

    if (use_dhcp) {
        dhcp_start(&nif);
        start = board_ms();
        while (!dhcp_supplied_address(&nif) && board_ms() - start < 5000u)
            net_run();
        got = dhcp_supplied_address(&nif);
        if (!got)
            dhcp_stop(&nif);
    }
    if (!got) {
        IP4_ADDR(&ip, 10, 0, 2, 15);
        IP4_ADDR(&mask, 255, 255, 255, 0);
        IP4_ADDR(&gw, 10, 0, 2, 2);
        netif_set_addr(&nif, &ip, &mask, &gw);
    }
    say("ip ");
    put_ip(netif_ip4_addr(&nif));
    board_puts(got ? " (dhcp)" : " (static)");
    board_puts(" gw ");
    put_ip(netif_ip4_gw(&nif));
    board_putc('\n');
    if (use_dhcp)
        check(got, "DHCP lease from the network");
    return 0;
}

/* -- echo client: a line, then optionally a bulk transfer -- */

static const char echo_line[] = "hello from acme5g nettest\n";
static char echo_buf[64];
static size_t echo_len;
static volatile int echo_connected, echo_done, echo_err;
static uint32_t bulk_total, bulk_rx, bulk_bad;
static volatile int bulk_done;

static uint8_t bulk_byte(uint32_t i)
{
    return (uint8_t)(i * 131u + (i >> 9));
}

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct pbuf *q;
    const uint8_t *b;
    uint16_t i;

    (void)arg;
    (void)err;
    if (p == NULL) { /* peer closed */
        echo_done = 1;
        bulk_done = 1;
        return ERR_OK;
    }
    tcp_recved(pcb, p->tot_len);
    if (!echo_done) {
        echo_len += pbuf_copy_partial(p, echo_buf + echo_len,
                                      (u16_t)(sizeof(echo_buf) - 1 - echo_len), 0);
        if (echo_len == sizeof(echo_buf) - 1 || memchr(echo_buf, '\n', echo_len))
            echo_done = 1;
    } else {
        /* bulk: every byte checked against the pattern sent */
        for (q = p; q != NULL; q = q->next) {
            b = q->payload;
            for (i = 0; i < q->len; i++, bulk_rx++)
                if (bulk_rx >= bulk_total || b[i] != bulk_byte(bulk_rx))
                    bulk_bad++;
        }
        if (bulk_rx >= bulk_total)
            bulk_done = 1;
    }
    pbuf_free(p);
    return ERR_OK;
}

static err_t echo_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK)
        return err;
    echo_connected = 1;
    if (tcp_write(pcb, echo_line, sizeof(echo_line) - 1, TCP_WRITE_FLAG_COPY) != ERR_OK)
        echo_err = 1;
    tcp_output(pcb);
    return ERR_OK;
}

static void echo_error(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    echo_err = 1; /* the pcb is already freed */
    echo_done = 1;
    bulk_done = 1;
}

/* Send bulk_total pattern bytes as the send buffer allows while the echo
 * comes back: exercises the window, the pool and the driver both ways. */
static void bulk_test(struct tcp_pcb *pcb)
{
    uint8_t chunk[256];
    uint32_t sent = 0, n, j, start = board_ms(), t;

    while (!bulk_done && !echo_err && board_ms() - start < 20000u) {
        n = bulk_total - sent;
        if (n > sizeof(chunk))
            n = sizeof(chunk);
        if (n > tcp_sndbuf(pcb))
            n = tcp_sndbuf(pcb);
        if (n > 0 && tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN - 1) {
            for (j = 0; j < n; j++)
                chunk[j] = bulk_byte(sent + j);
            if (tcp_write(pcb, chunk, (u16_t)n, TCP_WRITE_FLAG_COPY) == ERR_OK) {
                sent += n;
                tcp_output(pcb);
                continue;
            }
        }
        net_run();
    }
    t = board_ms() - start;
    say("bulk: ");
    board_put_u32(sent);
    board_puts(" bytes sent, ");
    board_put_u32(bulk_rx);
    board_puts(" echoed in ");
    board_put_u32(t);
    board_puts(" ms\n");
    check(!echo_err && bulk_rx == bulk_total && bulk_bad == 0,
          "bulk transfer echoed intact");
}

static void echo_test(uint16_t port, uint32_t bulk)
{
    struct tcp_pcb *pcb = tcp_new();
    ip4_addr_t host;

    IP4_ADDR(&host, 10, 0, 2, 100);
    if (pcb == NULL) {
        check(0, "tcp_new");
        return;
    }
    tcp_recv(pcb, echo_recv);
    tcp_err(pcb, echo_error);
    if (tcp_connect(pcb, &host, port, echo_connected_cb) != ERR_OK) {
        check(0, "tcp_connect to 10.0.2.100");
        tcp_abort(pcb);
        return;
    }
    net_wait(&echo_done, 10000u);
    check(echo_connected, "TCP connection to 10.0.2.100 (guestfwd)");
    echo_buf[echo_len] = '\0';
    say("echo: ");
    board_puts(echo_buf);
    if (echo_len == 0 || echo_buf[echo_len - 1] != '\n')
        board_putc('\n');
    check(!echo_err && echo_len == sizeof(echo_line) - 1 &&
              memcmp(echo_buf, echo_line, echo_len) == 0,
          "the line came back from the host's echo server");
    if (bulk > 0 && !echo_err) {
        bulk_total = bulk;
        bulk_test(pcb);
    }
    if (!echo_err) {
        tcp_recv(pcb, NULL);
        tcp_err(pcb, NULL);
        if (tcp_close(pcb) != ERR_OK)
            tcp_abort(pcb);
    }
}

/* -- one inbound connection (hostfwd) -- */

static const char http_answer[] =
    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n"
    "Connection: close\r\n\r\nhello from the M4 !\n";
static char req_buf[512];
static size_t req_len;
static volatile int srv_done, srv_accepted;

static err_t srv_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL) {
        tcp_recv(pcb, NULL);
        if (tcp_close(pcb) != ERR_OK)
            tcp_abort(pcb);
        srv_done = 1;
        return ERR_OK;
    }
    req_len += pbuf_copy_partial(p, req_buf + req_len,
                                 (u16_t)(sizeof(req_buf) - 1 - req_len), 0);
    req_buf[req_len] = '\0';
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    if (strstr(req_buf, "\r\n\r\n") != NULL || req_len == sizeof(req_buf) - 1) {
        tcp_write(pcb, http_answer, sizeof(http_answer) - 1, 0); /* static: no copy */
        tcp_recv(pcb, NULL);
        if (tcp_close(pcb) != ERR_OK) /* sends what is queued, then FIN */
            tcp_abort(pcb);
        srv_done = 1;
        return ERR_OK;
    }
    return ERR_OK;
}

static err_t srv_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    if (srv_accepted) { /* one is all we serve */
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    srv_accepted = 1;
    tcp_recv(pcb, srv_recv);
    return ERR_OK;
}

static void listen_test(uint16_t port)
{
    struct tcp_pcb *pcb = tcp_new(), *lpcb;
    uint32_t start;

    if (pcb == NULL || tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK ||
        (lpcb = tcp_listen(pcb)) == NULL) {
        check(0, "listen");
        return;
    }
    tcp_accept(lpcb, srv_accept);
    say("listening on port ");
    board_put_u32(port);
    board_putc('\n');
    net_wait(&srv_done, 30000u);
    check(srv_accepted, "an inbound connection accepted (hostfwd)");
    check(srv_done && strncmp(req_buf, "GET ", 4) == 0, "an HTTP request read and answered");
    /* let the answer and the FIN go out */
    start = board_ms();
    while (board_ms() - start < 300u)
        net_run();
    tcp_close(lpcb);
}

int main(void)
{
    char v[96];
    int64_t t;
    int64_t host;
    uint32_t ms;
    const lan9118_stats *st;

    board_init();
    if (board_cmdline(cmdline, sizeof(cmdline)) < 0)
        cmdline[0] = '\0';
    say("boot; command line: ");
    board_puts(cmdline);
    board_putc('\n');
    if (board_arg(cmdline, "exit", v, sizeof(v)) > 0)
        board_exit((int)arg_u32("exit", 99));

    t = board_wall_time();
    say("wall clock ");
    board_put_u32((uint32_t)t);
    board_puts(" s since 1970\n");
    check(t > 1700000000 && t < 4000000000, "wall clock from the host (SYS_TIME)");
    host = board_host_ms();
    ms = board_ms();
    board_delay_ms(300);
    ms = board_ms() - ms;
    host = board_host_ms() - host;
    say("300 ms of SysTick took ");
    board_put_u32((uint32_t)host);
    board_puts(" ms of host time\n");
    check(ms >= 300u && ms < 310u && host >= 250 && host <= 1000,
          "SysTick counts milliseconds at the host's pace");

    if (board_arg(cmdline, "flash", v, sizeof(v)) > 0) {
        check(board_flash_open(v) == 0, "flash: backing file opened");
        if (board_arg(cmdline, "phase", v, sizeof(v)) > 0 && strcmp(v, "write") == 0)
            flash_write_phase();
        else
            flash_check_phase();
        if (board_arg(cmdline, "hang", v, sizeof(v)) > 0) {
            say("hanging\n"); /* the test kills QEMU now */
            for (;;)
                board_idle();
        }
    }

    if (board_arg(cmdline, "net", v, sizeof(v)) > 0 &&
        net_up(strcmp(v, "static") != 0) == 0) {
        if (arg_u32("echo", 0) != 0)
            echo_test((uint16_t)arg_u32("echo", 0), arg_u32("bulk", 0));
        if (arg_u32("listen", 0) != 0)
            listen_test((uint16_t)arg_u32("listen", 0));
        st = lan9118_get_stats();
        say("frames tx ");
        board_put_u32(st->tx);
        board_puts(" rx ");
        board_put_u32(st->rx);
        board_puts(" dropped ");
        board_put_u32(st->rx_drop + st->tx_drop);
        board_putc('\n');
    }

    say("stack peak ");
    board_put_u32((uint32_t)board_stack_peak());
    board_puts(" of ");
    board_put_u32((uint32_t)board_stack_size());
    board_puts(" bytes\n");
    say("done: ");
    board_put_u32((uint32_t)passed);
    board_puts(" passed, ");
    board_put_u32((uint32_t)failed);
    board_puts(" failed\n");
    return failed ? 1 : 0;
}
