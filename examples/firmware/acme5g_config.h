/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * acme5g settings for the example firmware (examples/firmware), named by
 * -DACME5G_USER_CONFIG='"acme5g_config.h"'.  What each costs is written in
 * acme5g.h; `make size` prints the resulting sizeof(acme5g_ctx).
 */
#ifndef ACME5G_FIRMWARE_CONFIG_H
#define ACME5G_FIRMWARE_CONFIG_H

/* One TLS profile: ECDHE-ECDSA/RSA, AES-128-GCM, P-256, i31 code. */
#define ACME5G_TLS_MINIMAL 1
/* http-01 (and dns-01 through a hook) only: the tls-alpn-01 responder
 * would link BearSSL's TLS server engine (~28 KB of flash). */
#define ACME5G_WITH_TLSALPN01 0

/* Keep the full 16709 B record buffer: ACME servers do not negotiate
 * max_fragment_length and send 16 KB records when they like. */

/* One device, one or two names. */
#define ACME5G_MAX_IDENTIFIERS 2
#define ACME5G_URL_MAX 160
/* The issued chain (leaf + intermediate, ~2.5-5 KB PEM) is the largest body. */
#define ACME5G_BODY_MAX 6144
#define ACME5G_REQUEST_MAX 2048
#define ACME5G_LINE_MAX 512
#define ACME5G_JSON_TOKENS 64
/* The operator's CA: one or two anchors. */
#define ACME5G_MAX_TRUST_ANCHORS 2
#define ACME5G_TA_BUF_SIZE 1024
/* Errors and warnings only: the info/debug strings are compiled away. */
#define ACME5G_LOG_LEVEL 1
/* no mutual TLS, no alternate chains, no EAB in this example */
#define ACME5G_OWN_CHAIN_MAX 1
#define ACME5G_WITH_MTLS 0 /* and so no shared client: ~1.2 KB less context */
#define ACME5G_MAX_ALTERNATES 1
#define ACME5G_WITH_EAB 0
/* NfInstanceId and tkauth-01 need a client certificate for the Token
 * Authority (or a token hook): left out here */
#define ACME5G_WITH_TKAUTH 0

#endif
