# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# acme5g -- GNU make.
#
#   make            build/acme5g (the CLI: examples/ + acme5g.c + POSIX port)
#   make test       everything (tests/run.sh); ends with "N passed, N failed"
#   make demo       enrol a certificate from a throwaway Pebble, show it
#   make check      strict C99 with gcc and clang, no heap, symbol prefix,
#                   SPDX lines, C++ (g++, clang++)
#   make static     build/acme5g-static
#   make firmware   the example Cortex-M4 image (QEMU mps2-an386, lwIP) and build/fw-store
#   make musl       build/acme5g-musl: the CLI static with musl, -Os, stripped
#   make size       code and context sizes (host, Cortex-M4 if available)
#   make bench | fuzz | clean
#
# Override CC, CLANG, CFLAGS, LDFLAGS, LDLIBS on the command line.  Missing
# Debian packages are installed by tests/install-deps.sh (NO_DEPS=1: never).

CC      ?= cc
GCC     ?= gcc
CLANG   ?= clang
CFLAGS  ?= -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -g \
           -ffunction-sections -fdata-sections
LDFLAGS ?= -Wl,--gc-sections
LDLIBS  ?= -lbearssl
# Only the port, the examples and the tests get the POSIX feature macros;
# acme5g.c must build without them (make check).
APPFLAGS = -I. -Iport -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=all
# Fixed flags for make check, whatever CFLAGS says.
STRICT   = -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -g \
           -ffunction-sections -fdata-sections
# The smallest config values: every "too small" path runs in build/unit-min.
MINCONF  = -DACME5G_BODY_MAX=1024 -DACME5G_REQUEST_MAX=512 \
           -DACME5G_JSON_TOKENS=32 -DACME5G_URL_MAX=64 -DACME5G_LINE_MAX=128 \
           -DACME5G_MAX_IDENTIFIERS=1 -DACME5G_UNIT_MIN=1
# Cortex-M4 profile for make size (BearSSL + jsmn headers only, newlib).
M4_CC    ?= arm-none-eabi-gcc
M4_SIZE  ?= arm-none-eabi-size
M4FLAGS  ?= -std=c99 -Wall -Wextra -Wpedantic -Os -mcpu=cortex-m4 -mthumb \
            -ffunction-sections -fdata-sections -DBR_USE_UNIX_TIME=0
# The smallest TLS profile (make check compiles it, make size measures it).
SMALL_TLS = -DACME5G_TLS_MINIMAL=1 -DACME5G_TLS_ECDSA_ONLY=1 -DACME5G_WITH_SHA384=0
HEAP_FUNCS = malloc|calloc|realloc|reallocarray|free|strdup|strndup|aligned_alloc|posix_memalign|memalign|valloc

LIB     = acme5g.c
HDRS    = acme5g.h $(wildcard port/*.h)
PORT    = port/acme5g_posix.c
CLI     = examples/acme5g_cli.c
CLI_SRC = $(CLI) $(LIB) $(PORT)

export CC CLANG

.PHONY: all static check test demo size bench fuzz clean deps deps-build

all: build/acme5g build/acme5g-shared

build:
	@mkdir -p build

# Install the build dependencies only when they are missing.
deps-build:
	@if [ -z "$(NO_DEPS)" ] && { [ ! -f /usr/include/bearssl.h ] || \
	    [ ! -f /usr/include/jsmn.h ] || \
	    ! command -v $(firstword $(CC)) >/dev/null 2>&1; }; then \
	    tests/install-deps.sh build; fi

deps:
	tests/install-deps.sh test

build/acme5g: $(CLI_SRC) $(HDRS) | build deps-build
	$(CC) $(CFLAGS) $(APPFLAGS) $(LDFLAGS) -o $@ $(CLI_SRC) $(LDLIBS)

# The shared ACME client daemon (TR 33.776): examples/acme5g_shared.c.
SHARED_SRC = examples/acme5g_shared.c $(LIB) $(PORT)

build/acme5g-shared: $(SHARED_SRC) $(HDRS) | build deps-build
	$(CC) $(CFLAGS) $(APPFLAGS) $(LDFLAGS) -o $@ $(SHARED_SRC) $(LDLIBS)

static: build/acme5g-static

build/acme5g-static: $(CLI_SRC) $(HDRS) | build deps-build
	$(CC) $(CFLAGS) $(APPFLAGS) $(LDFLAGS) -static -o $@ $(CLI_SRC) $(LDLIBS)

# The static CLI for NF images: musl-gcc (Debian's musl-tools) and BearSSL
# built from Debian's source with it (tests/cross-deps.sh musl, cached in
# build/cross), -Os, stripped.  Name resolution is musl's: /etc/hosts, then
# DNS over UDP to the /etc/resolv.conf servers; no NSS, no mDNS.
MUSL_CC    ?= musl-gcc
MUSL_STAMP  = build/cross/musl.stamp
BR_MUSL     = build/cross/bearssl-musl/libbearssl.a
.PHONY: musl
musl: build/acme5g-musl

$(MUSL_STAMP): tests/cross-deps.sh | build
	@mkdir -p build/cross
	@if [ -z "$(NO_DEPS)" ] && ! command -v $(MUSL_CC) >/dev/null 2>&1; then \
	    tests/cross-deps.sh packages; fi
	@MUSL_CC=$(MUSL_CC) tests/cross-deps.sh musl
	@touch $@

build/acme5g-musl: $(CLI_SRC) $(HDRS) $(MUSL_STAMP)
	$(MUSL_CC) -std=c99 -Wall -Wextra -Wpedantic -Werror -Os -ffunction-sections \
	    -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables \
	    -isystem build/cross/inc $(APPFLAGS) -static -Wl,--gc-sections \
	    -Wl,-z,noseparate-code -Wl,--build-id=none -s -o $@ $(CLI_SRC) $(BR_MUSL)

build/acme5g-asan: $(CLI_SRC) $(HDRS) | build deps-build
	$(CLANG) $(CFLAGS) $(SANITIZE) $(APPFLAGS) $(LDFLAGS) -o $@ $(CLI_SRC) $(LDLIBS)

# tests/unit.c includes ../acme5g.c itself, and tests/harness.h.
UNIT_DEPS = tests/unit.c $(LIB) $(HDRS) $(wildcard tests/*.h)

build/unit: $(UNIT_DEPS) | build deps-build
	$(CC) $(CFLAGS) $(APPFLAGS) $(LDFLAGS) -o $@ tests/unit.c $(LDLIBS)

build/unit-min: $(UNIT_DEPS) | build deps-build
	$(CC) $(CFLAGS) $(MINCONF) $(APPFLAGS) $(LDFLAGS) -o $@ tests/unit.c $(LDLIBS)

build/unit-asan: $(UNIT_DEPS) | build deps-build
	$(CLANG) $(CFLAGS) $(SANITIZE) $(APPFLAGS) $(LDFLAGS) -o $@ tests/unit.c $(LDLIBS)

# The renewal policy's table-driven tests: public API only, linked with
# acme5g.c; built with the sanitizers (the policy is int64 arithmetic).
build/policy: tests/policy.c $(LIB) acme5g.h | build deps-build
	$(CLANG) $(CFLAGS) $(SANITIZE) -I. $(LDFLAGS) -o $@ tests/policy.c $(LIB) $(LDLIBS)

# make bench: renewal times of a fleet under the policy.
build/spread: tests/bench/spread.c $(LIB) acme5g.h | build deps-build
	$(CC) $(CFLAGS) -I. $(LDFLAGS) -o $@ tests/bench/spread.c $(LIB) $(LDLIBS)

# make bench: the peak stack of one enrolment, painted (tests/stack-enrol.c).
build/stack-enrol: tests/stack-enrol.c $(LIB) $(HDRS) $(PORT) | build deps-build
	$(CC) $(CFLAGS) $(APPFLAGS) $(LDFLAGS) -Wl,-z,now -pthread -o $@ tests/stack-enrol.c $(LIB) $(PORT) \
	    $(LDLIBS)

build/acme5g.o: $(LIB) acme5g.h | build deps-build
	$(GCC) $(STRICT) -c $(LIB) -o $@

# acme5g from C++: tests/cxx.cpp with g++ and clang++ (make check runs it).
.PHONY: cxx
cxx: | build deps-build
	@GCC="$(GCC)" tests/cxx.sh

# The library's promises, checked on the object file: strict C99 with gcc
# and clang without POSIX macros, a self-contained header, no heap function
# referenced, and no defined external symbol without the acme5g_ prefix;
# the config ranges (tests/config-ranges.sh), the feature switches of
# mutual TLS and the shared client (tests/features.sh), the licence lines
# (tests/spdx.sh) and the C++ use (tests/cxx.sh).
check: | build deps-build
	@pass=0; fail=0; \
	res() { if [ "$$1" = 0 ]; then echo "ok - $$2"; pass=$$((pass + 1)); \
	        else echo "FAIL - $$2"; fail=$$((fail + 1)); fi; }; \
	rm -f build/acme5g.o build/acme5g-clang.o build/acme5g-min.o build/acme5g-small.o; \
	$(GCC) $(STRICT) -c $(LIB) -o build/acme5g.o; \
	res $$? "acme5g.c compiles with $(GCC) -std=c99 -Wpedantic -Werror, no POSIX macros"; \
	$(CLANG) $(STRICT) -c $(LIB) -o build/acme5g-clang.o; \
	res $$? "acme5g.c compiles with $(CLANG) -std=c99 -Wpedantic -Werror, no POSIX macros"; \
	$(GCC) $(STRICT) $(MINCONF) -c $(LIB) -o build/acme5g-min.o; \
	res $$? "acme5g.c compiles with the minimal config values"; \
	$(GCC) $(STRICT) $(SMALL_TLS) -c $(LIB) -o build/acme5g-small.o && \
	    $(CLANG) $(STRICT) -DACME5G_TLS_ECDSA_ONLY=1 -c $(LIB) -o build/acme5g-small.o; \
	res $$? "acme5g.c compiles with ACME5G_TLS_ECDSA_ONLY and ACME5G_WITH_SHA384=0"; \
	ok=0; for f in ACME5G_WITH_TLSALPN01 ACME5G_WITH_DNS01 ACME5G_WITH_EAB ACME5G_WITH_TKAUTH; do \
	    $(GCC) $(STRICT) -D$$f=0 -c $(LIB) -o build/acme5g-feature.o || ok=1; done; \
	rm -f build/acme5g-feature.o; \
	res $$ok "acme5g.c compiles with each optional feature left out alone"; \
	printf '%s\n' '#include "acme5g.h"' 'int acme5g_header_alone(void);' \
	    >build/header-alone.c; \
	$(GCC) $(STRICT) -I. -c build/header-alone.c -o build/header-alone.o; \
	res $$? "acme5g.h compiles on its own"; \
	for o in build/acme5g.o build/acme5g-clang.o; do \
	    if [ ! -f $$o ]; then res 1 "$$o: no object, no symbol checks"; continue; fi; \
	    heap=$$(nm -u $$o | awk '{ print $$NF }' | grep -Ex '$(HEAP_FUNCS)' | tr '\n' ' '); \
	    [ -z "$$heap" ]; res $$? "$$o references no heap function$${heap:+ (has: $$heap)}"; \
	    bad=$$(nm -g --defined-only $$o | awk 'NF >= 3 { print $$3 }' | \
	        grep -v '^acme5g_' | tr '\n' ' '); \
	    [ -z "$$bad" ]; res $$? "$$o defines only acme5g_* external symbols$${bad:+ (also: $$bad)}"; \
	    n=$$(nm -g --defined-only $$o | grep -c ' acme5g_'); \
	    [ "$$n" -gt 0 ]; res $$? "$$o defines the public functions ($$n acme5g_* symbols)"; \
	done; \
	GCC="$(GCC)" tests/config-ranges.sh >build/config-ranges.log 2>&1; st=$$?; \
	grep -E '^(  |FAIL)' build/config-ranges.log; \
	res $$st "config macros: values outside the documented ranges stop the build, both ends compile (tests/config-ranges.sh)"; \
	GCC="$(GCC)" CLANG="$(CLANG)" tests/features.sh >build/features.log 2>&1; st=$$?; \
	grep -E '^(  |FAIL)' build/features.log; \
	res $$st "ACME5G_WITH_SHARED 0 / ACME5G_WITH_MTLS 0: compile, drop their code and RAM, refuse with ACME5G_ERR_ARG (tests/features.sh)"; \
	tests/spdx.sh >build/spdx.log 2>&1; st=$$?; grep -E '^(  |FAIL)' build/spdx.log; \
	res $$st "LICENSE, and the SPDX pair atop every source file, header and script (tests/spdx.sh)"; \
	GCC="$(GCC)" tests/cxx.sh >build/cxx.log 2>&1; st=$$?; grep '^FAIL' build/cxx.log; \
	res $$st "C++: a g++ and a clang++ -std=c++11 program uses the API, linked with the C objects (tests/cxx.sh)"; \
	echo "$$pass passed, $$fail failed"; [ $$fail = 0 ]

test:
	+@MAKE="$(MAKE)" tests/run.sh

demo:
	@tests/install-deps.sh demo
	@$(MAKE) --no-print-directory all
	@tests/demo.sh

size: build/acme5g.o
	@echo "== host, $(GCC) -O2: build/acme5g.o"; size build/acme5g.o
	@$(GCC) $(STRICT) -Os -c $(LIB) -o build/acme5g-os.o && \
	    echo "== host, $(GCC) -Os: build/acme5g-os.o" && size build/acme5g-os.o
	@printf '%s\n' '#include <stdio.h>' '#include "acme5g.h"' \
	    'int main(void) { printf("%lu\n", (unsigned long)sizeof(acme5g_ctx)); return 0; }' \
	    >build/ctxsize.c
	@$(CC) $(CFLAGS) $(APPFLAGS) -o build/ctxsize build/ctxsize.c && \
	    echo "== sizeof(acme5g_ctx), default config: $$(build/ctxsize) B"
	@$(CC) $(CFLAGS) $(MINCONF) $(APPFLAGS) -o build/ctxsize-min build/ctxsize.c && \
	    echo "== sizeof(acme5g_ctx), minimal config (build/unit-min): $$(build/ctxsize-min) B"
	@$(CC) $(CFLAGS) -DACME5G_WITH_SHARED=0 $(APPFLAGS) -o build/ctxsize-noshared build/ctxsize.c && \
	    echo "== sizeof(acme5g_ctx), ACME5G_WITH_SHARED 0 (no shared client): $$(build/ctxsize-noshared) B"
	@$(CC) $(CFLAGS) -DACME5G_WITH_MTLS=0 $(APPFLAGS) -o build/ctxsize-nomtls build/ctxsize.c && \
	    echo "== sizeof(acme5g_ctx), ACME5G_WITH_MTLS 0 (no mutual TLS, no shared client): $$(build/ctxsize-nomtls) B"
	@if command -v $(M4_CC) >/dev/null 2>&1; then \
	    rm -rf build/bearssl-inc && mkdir -p build/bearssl-inc/bearssl && \
	    cp /usr/include/bearssl.h /usr/include/jsmn.h build/bearssl-inc/ && \
	    cp /usr/include/bearssl/*.h build/bearssl-inc/bearssl/ && \
	    if $(M4_CC) $(M4FLAGS) -isystem build/bearssl-inc -c $(LIB) -o build/acme5g-m4.o; then \
	        echo "== Cortex-M4, $(M4_CC) -mthumb -Os: build/acme5g-m4.o"; \
	        $(M4_SIZE) build/acme5g-m4.o; \
	    else echo "note: acme5g.c does not compile for Cortex-M4 (see above)"; fi; \
	else echo "note: $(M4_CC) not installed: no Cortex-M4 size"; fi
	@if [ -z "$(NO_DEPS)" ] || command -v $(M4_CC) >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory size-cross; fi
	@if { [ -z "$(NO_DEPS)" ] || command -v $(MUSL_CC) >/dev/null 2>&1; } && \
	    $(MAKE) --no-print-directory -s build/acme5g-musl >/dev/null; then \
	    echo "== build/acme5g-musl (the CLI static with musl, -Os, stripped): $$(stat -c %s build/acme5g-musl) B"; \
	else echo "note: no musl CLI (make musl needs musl-tools)"; fi

bench: all
	@rc=0; bash tests/bench.sh || rc=1; \
	bash tests/bench-shared.sh || rc=1; bash tests/nf/bench.sh || rc=1; exit $$rc

fuzz:
	@bash tests/fuzz.sh

clean:
	rm -rf build

# ---------------------------------------------------------------------------
# Cross builds: make cross (and make size-cross, which make size runs).
# tests/cross-deps.sh installs the tool chains and qemu-user, and builds
# BearSSL from Debian's source package into build/cross (once; cached).
# build/cross/inc holds only the BearSSL headers and jsmn.h: the host's
# /usr/include is never on a cross compiler's path.
#
#   build/cross/acme5g-aarch64     the CLI for aarch64 Linux, static
#   build/cross/acme5g-m4.o        acme5g.c for Cortex-M4 -Os, TLS minimal
#   build/cross/firmware-m4.elf    examples/firmware: acme5g + BearSSL + jsmn
#                                  + port/acme5g_baremetal.c, newlib-nano
CROSS_DIR    = build/cross
CROSS_STAMP  = $(CROSS_DIR)/deps.stamp
CROSS_INC    = -isystem $(CROSS_DIR)/inc
AARCH64_CC  ?= aarch64-linux-gnu-gcc
AARCH64_CFLAGS ?= -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 \
                  -ffunction-sections -fdata-sections
BR_AARCH64   = $(CROSS_DIR)/bearssl-aarch64/libbearssl.a
BR_M4        = $(CROSS_DIR)/bearssl-m4/libbearssl.a
M4_MINIMAL   = -DACME5G_TLS_MINIMAL=1
FW_DIR       = examples/firmware
FW_CONF      = -I$(FW_DIR) -DACME5G_USER_CONFIG='"acme5g_config.h"'
FW_OBJS      = $(CROSS_DIR)/fw/acme5g.o $(CROSS_DIR)/fw/acme5g_baremetal.o \
               $(CROSS_DIR)/fw/acme5g_lwip.o $(CROSS_DIR)/fw/firmware_main.o

.PHONY: cross cross-deps size-cross

cross: $(CROSS_DIR)/acme5g-aarch64 $(CROSS_DIR)/acme5g-m4.o $(CROSS_DIR)/firmware-m4.elf

cross-deps: $(CROSS_STAMP)

$(CROSS_STAMP): tests/cross-deps.sh | deps-build
	@mkdir -p $(CROSS_DIR)
	@if [ -n "$(NO_DEPS)" ]; then tests/cross-deps.sh bearssl; \
	else tests/cross-deps.sh all; fi
	@touch $@

$(CROSS_DIR)/acme5g-aarch64: $(CLI_SRC) $(HDRS) $(CROSS_STAMP)
	$(AARCH64_CC) $(AARCH64_CFLAGS) $(CROSS_INC) $(APPFLAGS) -static -Wl,--gc-sections \
	    -o $@ $(CLI_SRC) $(BR_AARCH64)

$(CROSS_DIR)/acme5g-m4.o: $(LIB) acme5g.h $(CROSS_STAMP)
	$(M4_CC) $(M4FLAGS) -Werror $(M4_MINIMAL) $(CROSS_INC) -c $(LIB) -o $@

$(CROSS_DIR)/fw/acme5g.o: $(LIB) acme5g.h $(FW_DIR)/acme5g_config.h $(CROSS_STAMP)
	@mkdir -p $(CROSS_DIR)/fw
	$(M4_CC) $(M4FLAGS) -Werror $(FW_CONF) $(CROSS_INC) -c $(LIB) -o $@

$(CROSS_DIR)/fw/acme5g_baremetal.o: port/acme5g_baremetal.c port/acme5g_baremetal.h acme5g.h \
    $(FW_DIR)/acme5g_config.h $(CROSS_STAMP)
	@mkdir -p $(CROSS_DIR)/fw
	$(M4_CC) $(M4FLAGS) -Werror $(FW_CONF) -I. $(CROSS_INC) -c port/acme5g_baremetal.c -o $@

# Cortex-M4 figures: acme5g.o, the image by component (linker map),
# sizeof(acme5g_ctx) per config.  make size runs it when the cross tool
# chain can be had (NO_DEPS=1 and no arm-none-eabi-gcc: skipped).
size-cross: cross
	@M4_CC="$(M4_CC)" M4_SIZE="$(M4_SIZE)" M4FLAGS="$(M4FLAGS)" MINCONF="$(MINCONF)" \
	    BOARD_LDFLAGS="$(BOARD_LDFLAGS)" BOARD_INC="$(BOARD_INC)" SMALL_TLS="$(SMALL_TLS)" \
	    tests/size-cross.sh

# ---------------------------------------------------------------------------
# The emulated board: QEMU mps2-an386 (Cortex-M4, LAN9118).
# lwIP 2.1.3 from Debian's source package (tests/cross-deps.sh lwip, into
# build/cross/src, linked as build/cross/lwip) is built with
# examples/firmware/lwipopts.h into build/cross/lwip-m4/liblwip.a; the
# board support (start-up, clock, UART, semihosting stand-ins, NOR flash
# in a host file) and the LAN9118 driver are BOARD_OBJS; the board's test
# image build/cross/nettest-m4.elf is run by tests/firmware-board.sh.
# An image on this board links: its objects + $(BOARD_OBJS) + $(LWIP_LIB)
# with $(BOARD_LDFLAGS); its sources compile with $(BOARD_INC).
M4_AR       ?= arm-none-eabi-ar
LWIP_STAMP   = $(CROSS_DIR)/lwip.stamp
LWIP_DIR     = $(CROSS_DIR)/lwip/src
LWIP_LIB     = $(CROSS_DIR)/lwip-m4/liblwip.a
LWIP_SRCS    = core/def.c core/dns.c core/inet_chksum.c core/init.c core/ip.c \
               core/mem.c core/memp.c core/netif.c core/pbuf.c core/tcp.c \
               core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c \
               core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c \
               core/ipv4/ip4.c core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c \
               netif/ethernet.c
LWIP_OBJS    = $(patsubst %.c,$(CROSS_DIR)/lwip-m4/obj/%.o,$(LWIP_SRCS))
LWIP_CFLAGS  = -std=c99 -Os -mcpu=cortex-m4 -mthumb -ffunction-sections -fdata-sections
LWIP_HDRS    = $(FW_DIR)/lwipopts.h $(FW_DIR)/arch/cc.h
BOARD_INC    = -I$(FW_DIR) -I. -Iport -isystem $(LWIP_DIR)/include $(CROSS_INC)
BOARD_HDRS   = $(FW_DIR)/board.h $(FW_DIR)/lan9118.h $(LWIP_HDRS)
BOARD_OBJS   = $(CROSS_DIR)/board/board_mps2.o $(CROSS_DIR)/board/semihost.o \
               $(CROSS_DIR)/board/lan9118.o
BOARD_LD     = $(FW_DIR)/mps2-an386.ld
BOARD_LDFLAGS = -T $(BOARD_LD) -nostartfiles --specs=nano.specs --specs=nosys.specs \
               -Wl,--gc-sections

.PHONY: lwip board-cross

board-cross: $(CROSS_DIR)/nettest-m4.elf

lwip: $(LWIP_LIB)

$(LWIP_STAMP): tests/cross-deps.sh | deps-build $(CROSS_STAMP)
	@mkdir -p $(CROSS_DIR)
	tests/cross-deps.sh lwip
	@touch $@

# lwIP's sources come with the stamp (apt-get source).
$(LWIP_DIR)/%.c $(LWIP_DIR)/include/%.h: | $(LWIP_STAMP)
	@test -f $@ || { echo "$@ missing: rm $(LWIP_STAMP) and make again" >&2; exit 1; }

$(CROSS_DIR)/lwip-m4/obj/%.o: $(LWIP_DIR)/%.c $(LWIP_HDRS) | $(LWIP_STAMP)
	@mkdir -p $(@D)
	$(M4_CC) $(LWIP_CFLAGS) -I$(FW_DIR) -I$(LWIP_DIR)/include -c $< -o $@

$(LWIP_LIB): $(LWIP_OBJS)
	@rm -f $@
	$(M4_AR) rcs $@ $(LWIP_OBJS)

$(CROSS_DIR)/board/%.o: $(FW_DIR)/%.c $(BOARD_HDRS) port/acme5g_baremetal.h acme5g.h \
    $(CROSS_STAMP) | $(LWIP_STAMP)
	@mkdir -p $(@D)
	$(M4_CC) $(M4FLAGS) -Werror $(BOARD_INC) -c $< -o $@

$(CROSS_DIR)/nettest-m4.elf: $(CROSS_DIR)/board/nettest.o $(BOARD_OBJS) $(LWIP_LIB) $(BOARD_LD)
	$(M4_CC) $(M4FLAGS) $(BOARD_LDFLAGS) -Wl,-Map=$(CROSS_DIR)/nettest-m4.map \
	    -o $@ $(CROSS_DIR)/board/nettest.o $(BOARD_OBJS) $(LWIP_LIB)

# The example firmware (examples/firmware/firmware_main.c): acme5g with the
# example's config, the bare-metal port, its lwIP transport, the board and
# lwIP.  `make firmware` builds it and the host tool for its flash store;
# examples/firmware/qemu-run.sh boots it, tests/firmware.sh tests it.
.PHONY: firmware
firmware: $(CROSS_DIR)/firmware-m4.elf build/fw-store

$(CROSS_DIR)/fw/acme5g_lwip.o: port/acme5g_lwip.c port/acme5g_lwip.h port/acme5g_baremetal.h \
    acme5g.h $(FW_DIR)/acme5g_config.h $(LWIP_HDRS) $(CROSS_STAMP) | $(LWIP_STAMP)
	@mkdir -p $(@D)
	$(M4_CC) $(M4FLAGS) -Werror $(FW_CONF) $(BOARD_INC) -c port/acme5g_lwip.c -o $@

$(CROSS_DIR)/fw/firmware_main.o: $(FW_DIR)/firmware_main.c port/acme5g_baremetal.h \
    port/acme5g_lwip.h acme5g.h $(FW_DIR)/acme5g_config.h $(FW_DIR)/fw_slots.h $(BOARD_HDRS) \
    $(CROSS_STAMP) | $(LWIP_STAMP)
	@mkdir -p $(@D)
	$(M4_CC) $(M4FLAGS) -Werror $(FW_CONF) $(BOARD_INC) -c $(FW_DIR)/firmware_main.c -o $@

$(CROSS_DIR)/firmware-m4.elf: $(FW_OBJS) $(BOARD_OBJS) $(LWIP_LIB) $(BOARD_LD)
	$(M4_CC) $(M4FLAGS) $(BOARD_LDFLAGS) -Wl,-Map=$(CROSS_DIR)/firmware-m4.map \
	    -o $@ $(FW_OBJS) $(BOARD_OBJS) $(LWIP_LIB) $(BR_M4)

# ---------------------------------------------------------------------------
# Hostile input: fuzz targets as replay programs (gcc, ASan and
# UBSan) that make test runs over tests/fuzz/corpus/ (tests/fuzz-replay.sh;
# make fuzz builds them with libFuzzer instead, tests/fuzz.sh), and the
# hostile-server tests (tests/hostile.c).
FUZZ_DEPS = tests/fuzz/fuzz.h $(LIB) $(HDRS)

build/fuzz/replay-%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) | build deps-build
	@mkdir -p build/fuzz
	$(GCC) $(STRICT) -O1 $(SANITIZE) -DACME5G_FUZZ_REPLAY $(APPFLAGS) -o $@ $< $(LDLIBS)

build/hostile: tests/hostile.c tests/harness.h $(LIB) $(HDRS) | build deps-build
	$(CC) $(CFLAGS) $(APPFLAGS) $(LDFLAGS) -o $@ tests/hostile.c $(LDLIBS)

build/hostile-asan: tests/hostile.c tests/harness.h $(LIB) $(HDRS) | build deps-build
	$(CLANG) $(CFLAGS) $(SANITIZE) $(APPFLAGS) $(LDFLAGS) -o $@ tests/hostile.c $(LDLIBS)

# Fault injection through the port against Pebble (tests/faults.sh).
build/faults: tests/faults.c $(LIB) $(HDRS) $(PORT) | build deps-build
	$(CC) $(CFLAGS) $(APPFLAGS) $(LDFLAGS) -o $@ tests/faults.c $(PORT) $(LDLIBS)

# make bench: enrolment and renewal over a slow link (tests/slowlink.c).
build/slowlink: tests/slowlink.c $(LIB) $(HDRS) $(PORT) | build deps-build
	$(CC) $(CFLAGS) $(APPFLAGS) $(LDFLAGS) -o $@ tests/slowlink.c $(LIB) $(PORT) $(LDLIBS)

# Security hygiene of the POSIX port (tests/hygiene.sh).
build/hygiene: tests/hygiene.c $(HDRS) $(PORT) | build deps-build
	$(CC) $(CFLAGS) $(APPFLAGS) $(LDFLAGS) -o $@ tests/hygiene.c $(PORT) $(LDLIBS)

# The bare-metal port over a RAM-backed NOR flash (tests/baremetal.c, which
# includes port/acme5g_baremetal.c), with the example firmware's config and
# slot table; and the host tool for the firmware's flash store, built with
# the same config and the same port code (examples/firmware/fw_store.c).
BM_DEPS = port/acme5g_baremetal.c port/acme5g_baremetal.h acme5g.h \
          examples/firmware/fw_slots.h examples/firmware/acme5g_config.h
BM_FLAGS = -I. -Iport -Iexamples/firmware -DACME5G_USER_CONFIG='"acme5g_config.h"'

build/baremetal: tests/baremetal.c $(BM_DEPS) | build deps-build
	$(CC) $(CFLAGS) $(BM_FLAGS) $(LDFLAGS) -o $@ tests/baremetal.c $(LDLIBS)

build/baremetal-asan: tests/baremetal.c $(BM_DEPS) | build deps-build
	$(CLANG) $(CFLAGS) $(SANITIZE) $(BM_FLAGS) $(LDFLAGS) -o $@ tests/baremetal.c $(LDLIBS)

# The same port code under acme5g's real flows against Pebble, with the
# POSIX port's network and clock (tests/baremetal.sh runs it).
build/baremetal-enrol: tests/baremetal-enrol.c $(BM_DEPS) $(LIB) $(PORT) port/acme5g_posix.h \
    | build deps-build
	$(CC) $(CFLAGS) $(BM_FLAGS) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(LDFLAGS) -o $@ \
	    tests/baremetal-enrol.c $(PORT) $(LDLIBS)

build/fw-store: examples/firmware/fw_store.c $(BM_DEPS) | build deps-build
	$(CC) $(CFLAGS) $(BM_FLAGS) -D_POSIX_C_SOURCE=200809L $(LDFLAGS) -o $@ \
	    examples/firmware/fw_store.c port/acme5g_baremetal.c $(LDLIBS)

# Static analysis (make test runs it too): cppcheck, clang-tidy.
.PHONY: lint
lint:
	@tests/lint.sh
