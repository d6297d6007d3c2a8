/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/m4-linux.c -- run Cortex-M4 (Thumb-2) test programs under qemu-arm
 * user mode: the start-up and newlib system calls over raw Linux ARM EABI
 * system calls (svc 0, number in r7).  qemu 7.2's `-cpu cortex-m4` aborts
 * in user mode, so tests/unit-m4.sh runs the code with `-cpu cortex-a15`,
 * which executes the same Thumb-2 instructions.  Test harness only: files
 * work (the vectors), processes do not (popen/system fail with ENOSYS).
 *
 * Build: arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -fomit-frame-pointer
 *        -nostartfiles prog.c tests/m4-linux.c (full newlib, not nano).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#undef errno
extern int errno;

/* Linux ARM EABI system call numbers. */
#define NR_EXIT_GROUP 248
#define NR_READ 3
#define NR_WRITE 4
#define NR_OPEN 5
#define NR_CLOSE 6
#define NR_UNLINK 10
#define NR_LSEEK 19
#define NR_GETPID 20
#define NR_KILL 37
#define NR_GETTIMEOFDAY 78

static long m4l_sc(long n, long a, long b, long c)
{
    register long r0 __asm__("r0") = a;
    register long r1 __asm__("r1") = b;
    register long r2 __asm__("r2") = c;
    register long r7 __asm__("r7") = n;
    __asm__ volatile("svc 0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
    return r0;
}

static int m4l_ret(long r)
{
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return -1;
    }
    return (int)r;
}

static int m4l_nosys(void)
{
    errno = ENOSYS;
    return -1;
}

int _write(int fd, const void *buf, size_t n);
int _read(int fd, void *buf, size_t n);
int _close(int fd);
int _lseek(int fd, int off, int whence);
int _open(const char *path, int flags, int mode);
int _unlink(const char *path);
int _fstat(int fd, struct stat *st);
int _stat(const char *path, struct stat *st);
int _isatty(int fd);
int _getpid(void);
int _kill(int pid, int sig);
void _exit(int code);
int _gettimeofday(struct timeval *tv, void *tz);
int _fork(void);
int _wait(int *status);
int _execve(const char *path, char *const argv[], char *const envp[]);
int _link(const char *from, const char *to);
void *_sbrk(ptrdiff_t inc);
FILE *popen(const char *cmd, const char *mode);
int pclose(FILE *f);
void _init(void);
void _fini(void);
void _start(void);
int main(void);

int _write(int fd, const void *buf, size_t n) { return m4l_ret(m4l_sc(NR_WRITE, fd, (long)buf, (long)n)); }
int _read(int fd, void *buf, size_t n) { return m4l_ret(m4l_sc(NR_READ, fd, (long)buf, (long)n)); }
int _close(int fd) { return m4l_ret(m4l_sc(NR_CLOSE, fd, 0, 0)); }
int _lseek(int fd, int off, int whence) { return m4l_ret(m4l_sc(NR_LSEEK, fd, off, whence)); }
int _unlink(const char *path) { return m4l_ret(m4l_sc(NR_UNLINK, (long)path, 0, 0)); }
int _getpid(void) { return (int)m4l_sc(NR_GETPID, 0, 0, 0); }
int _kill(int pid, int sig) { return m4l_ret(m4l_sc(NR_KILL, pid, sig, 0)); }
int _isatty(int fd) { return fd < 3; }

/* newlib's O_* values are not Linux's. */
int _open(const char *path, int flags, int mode)
{
    int lf = flags & 3;
    if (flags & O_CREAT)
        lf |= 0100;
    if (flags & O_EXCL)
        lf |= 0200;
    if (flags & O_TRUNC)
        lf |= 01000;
    if (flags & O_APPEND)
        lf |= 02000;
    return m4l_ret(m4l_sc(NR_OPEN, (long)path, lf, mode));
}

/* stdio only asks whether a descriptor is a terminal; mkstemp whether
 * the directory exists. */
int _fstat(int fd, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_mode = fd < 3 ? S_IFCHR : S_IFREG;
    return 0;
}

int _stat(const char *path, struct stat *st)
{
    (void)path;
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFDIR;
    return 0;
}

int _gettimeofday(struct timeval *tv, void *tz)
{
    long t[2]; /* the 32-bit Linux timeval */
    (void)tz;
    if (m4l_ret(m4l_sc(NR_GETTIMEOFDAY, (long)t, 0, 0)) < 0)
        return -1;
    tv->tv_sec = t[0];
    tv->tv_usec = t[1];
    return 0;
}

void _exit(int code)
{
    for (;;)
        m4l_sc(NR_EXIT_GROUP, code, 0, 0);
}

int _fork(void) { return m4l_nosys(); }
int _wait(int *status) { (void)status; return m4l_nosys(); }
int _execve(const char *path, char *const argv[], char *const envp[])
{
    (void)path;
    (void)argv;
    (void)envp;
    return m4l_nosys();
}
int _link(const char *from, const char *to) { (void)from; (void)to; return m4l_nosys(); }
FILE *popen(const char *cmd, const char *mode)
{
    (void)cmd;
    (void)mode;
    errno = ENOSYS;
    return NULL;
}
int pclose(FILE *f) { (void)f; return -1; }

/* newlib's stdio buffers come from malloc: a static heap (the code under
 * test allocates nothing; the link of the firmware image checks that). */
static char m4l_heap[4u << 20];
static size_t m4l_heap_used;

void *_sbrk(ptrdiff_t inc)
{
    void *p;
    if (inc < 0 || m4l_heap_used + (size_t)inc > sizeof m4l_heap) {
        errno = ENOMEM;
        return (void *)-1;
    }
    p = m4l_heap + m4l_heap_used;
    m4l_heap_used += (size_t)inc;
    return p;
}

void _init(void) {}
void _fini(void) {}

/* Stack painting: the 64 KB below _start's frame get a pattern before the
 * tests and are scanned after them, so the run reports how deep the tests
 * (crypto, TLS handshakes, the flow) went on Cortex-M4 code. */
#define M4L_PAINT_BYTES (64 * 1024)
#define M4L_PAINT_GAP 512 /* left alone: painting and scanning need a little stack */

static __attribute__((noinline)) void m4l_paint(volatile unsigned char *lo,
                                                volatile unsigned char *hi)
{
    while (lo < hi)
        *lo++ = 0xA5;
}

static __attribute__((noinline)) long m4l_depth(volatile unsigned char *lo,
                                                volatile unsigned char *hi)
{
    volatile unsigned char *p = lo;
    while (p < hi && *p == 0xA5)
        p++;
    return (long)(hi - p);
}

/* The kernel (qemu) set up the stack; .data and .bss come from the ELF. */
void _start(void)
{
    volatile unsigned char *top = (volatile unsigned char *)__builtin_frame_address(0);
    volatile unsigned char *hi = top - M4L_PAINT_GAP, *lo = top - M4L_PAINT_BYTES;
    int rc;
    m4l_paint(lo, hi);
    rc = main();
    printf("# m4: peak stack of the tests: %ld bytes (painted, %d KB window)\n",
           m4l_depth(lo, hi) + M4L_PAINT_GAP, M4L_PAINT_BYTES / 1024);
    exit(rc);
}
