/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * acme5g -- a minimal, portable ACME (RFC 8555) client for 5G network
 * functions and embedded devices.  One translation unit: acme5g.c + this
 * header.  Dependencies: BearSSL (TLS 1.2, crypto, X.509) and jsmn (JSON).
 *
 * CONVENTIONS (shared by every function below)
 *
 *  - The caller allocates one `acme5g_ctx` (its size is fixed at compile
 *    time by the config macros below) and passes it to every call.  Its
 *    fields are private: read them only through the accessors.  There is
 *    nothing to free.  One context per thread; contexts are independent.
 *  - The library never allocates memory.  All buffers are in the context or
 *    passed by the caller as pointer + length (bytes, `size_t`).
 *  - Pointers must not be NULL unless a parameter says otherwise.
 *  - Strings are NUL-terminated UTF-8 unless a length is given.
 *  - Units are in the names: `_s` seconds, `_ms` milliseconds.
 *  - Functions return `ACME5G_OK` (0) or a positive `acme5g_err` code;
 *    `acme5g_strerror()` names it; `acme5g_last_problem()` gives the
 *    server's problem document when the code is ACME5G_ERR_PROBLEM.
 *  - Every blocking call has a total deadline (`timeout_s` of its
 *    parameters); each port call gets the time that remains.
 *  - Private keys never reach the log and are wiped from the context when a
 *    flow ends (acme5g_wipe() wipes everything).
 */
#ifndef ACME5G_H
#define ACME5G_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>

#ifdef ACME5G_USER_CONFIG
#include ACME5G_USER_CONFIG /* optional header with the overrides below */
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define ACME5G_VERSION "0.1.0"

/* ------------------------------------------------------------------------
 * Configuration macros.  Override with -D or in ACME5G_USER_CONFIG.
 * "RAM" is what one unit adds to sizeof(acme5g_ctx).
 * ---------------------------------------------------------------------- */

/* TLS record buffer (one half-duplex buffer).  Default BR_SSL_BUFSIZE_MONO
 * (16709 B), the only size safe against servers that send full 16 KB
 * records.  Smaller values only work with servers that keep records small;
 * a record that does not fit fails with ACME5G_ERR_TLS (BearSSL error 6).
 * RAM: 1 B per unit.  Range: 1024..BR_SSL_BUFSIZE_BIDI. */
#ifndef ACME5G_TLS_BUF_SIZE
#define ACME5G_TLS_BUF_SIZE BR_SSL_BUFSIZE_MONO
#endif

/* HTTP response body buffer: holds one JSON object or the PEM chain.
 * Pebble's chains are 2.2-4.5 KB.  Too small: ACME5G_ERR_BODY_TOO_LARGE.
 * Also holds the server's leaf certificate during a handshake to an IP
 * literal.  RAM: 1 B per unit.  Range: 1024..1048576. */
#ifndef ACME5G_BODY_MAX
#define ACME5G_BODY_MAX 8192
#endif

/* HTTP request buffer: the JWS body of one POST (finalize with its CSR is
 * the largest: ~1.2 KB for 4 names).  Too small:
 * ACME5G_ERR_REQUEST_TOO_LARGE.  RAM: 1 B per unit.  Range: 512..65536. */
#ifndef ACME5G_REQUEST_MAX
#define ACME5G_REQUEST_MAX 3072
#endif

/* Longest HTTP response header line (and request line of the http-01
 * responder).  Longer: ACME5G_ERR_HEADER_TOO_LONG.  RAM: 1 B per unit.
 * Range: 128..8192. */
#ifndef ACME5G_LINE_MAX
#define ACME5G_LINE_MAX 768
#endif

/* Longest URL kept (directory entries, account, order, authorizations,
 * challenge, certificate).  Longer: ACME5G_ERR_URL_TOO_LONG.
 * RAM: (9 + ACME5G_MAX_IDENTIFIERS) B per unit.  Range: 64..2048. */
#ifndef ACME5G_URL_MAX
#define ACME5G_URL_MAX 200
#endif

/* Identifiers (names) per certificate.  More: ACME5G_ERR_TOO_MANY_NAMES.
 * RAM: ACME5G_URL_MAX B per unit.  Range: 1..64. */
#ifndef ACME5G_MAX_IDENTIFIERS
#define ACME5G_MAX_IDENTIFIERS 4
#endif

/* JSON tokens for one response (an order with n names needs ~12 + n,
 * an authorization with 3 challenges ~40).  Too few:
 * ACME5G_ERR_JSON_TOO_BIG.  RAM: 16 B per unit.  Range: 32..4096. */
#ifndef ACME5G_JSON_TOKENS
#define ACME5G_JSON_TOKENS 96
#endif

/* Trust anchors (CA certificates) for the ACME server, and the bytes for
 * their names and keys.  Too small: ACME5G_ERR_TRUST_ANCHORS_FULL.
 * RAM: ~48 B per anchor, 1 B per unit of ACME5G_TA_BUF_SIZE.
 * Range: 1..64 anchors, 256..65536 bytes. */
#ifndef ACME5G_MAX_TRUST_ANCHORS
#define ACME5G_MAX_TRUST_ANCHORS 4
#endif
#ifndef ACME5G_TA_BUF_SIZE
#define ACME5G_TA_BUF_SIZE 1536
#endif

/* Alternate chains (Link rel="alternate", RFC 8555 7.4.2) kept from a
 * certificate download, for a preferred chain.  More are ignored.
 * RAM: ACME5G_URL_MAX B per unit.  Range: 1..8. */
#ifndef ACME5G_MAX_ALTERNATES
#define ACME5G_MAX_ALTERNATES 2
#endif

/* Our own certificate chain (DER bytes, up to 3 certificates): the client
 * certificate for mutual TLS (an NF talking to the shared client), or the
 * shared client's server certificate.  Too small:
 * ACME5G_ERR_OWN_CHAIN_FULL.  RAM: 1 B per unit.  Range: 1..16384. */
#ifndef ACME5G_OWN_CHAIN_MAX
#define ACME5G_OWN_CHAIN_MAX 2048
#endif

/* Largest CSR the shared client accepts from an NF.  RAM: none in the
 * context (it is in acme5g_shared_request).  Range: 256..65536. */
#ifndef ACME5G_SHARED_CSR_MAX
#define ACME5G_SHARED_CSR_MAX 2048
#endif

/* Problem document strings kept for the caller (longer ones are cut; a
 * type must stay whole to be recognised, e.g. badNonce).  RAM: 1 B per
 * unit.  Range: type 64..1024, detail 32..4096. */
#ifndef ACME5G_PROBLEM_TYPE_MAX
#define ACME5G_PROBLEM_TYPE_MAX 80
#endif
#ifndef ACME5G_PROBLEM_DETAIL_MAX
#define ACME5G_PROBLEM_DETAIL_MAX 256
#endif

/* TLS and crypto profile.  0 (default): BearSSL's fastest implementations,
 * AES-GCM, ChaCha20-Poly1305, SHA-256/384/512.  1: for firmware: ECDHE
 * with ECDSA or RSA servers, AES-128-GCM only, P-256 only, one
 * constant-time implementation of each primitive, so the image carries no
 * unused suite or curve.  No RAM cost either way. */
#ifndef ACME5G_TLS_MINIMAL
#define ACME5G_TLS_MINIMAL 0
#endif

/* 1: ECDHE-ECDSA suites only, no RSA signature verification in TLS or
 * X.509, so the image links no RSA code (1.1 KB less flash in the
 * examples/firmware image, Cortex-M4 -Os).  Trade-off: the ACME server's
 * certificate and every certificate of its chain up to the trust anchor
 * must be signed with ECDSA; an RSA one fails the handshake
 * (ACME5G_ERR_TLS).  0 (default): ECDHE-RSA as well.  No RAM cost either
 * way. */
#ifndef ACME5G_TLS_ECDSA_ONLY
#define ACME5G_TLS_ECDSA_ONLY 0
#endif

/* 1 (default): SHA-384 (and SHA-512) where a peer may use it: TLS
 * handshake signatures, certificates signed with ecdsa-with-SHA384 (e.g.
 * Let's Encrypt's ECDSA intermediates), P-384 keys (ES384), CSRs signed
 * with SHA-384/512.  0: SHA-256 only, which drops BearSSL's SHA-384/512
 * code (4.2 KB less flash in the examples/firmware image); the ACME
 * server's chain must then be signed with SHA-256 (else ACME5G_ERR_TLS).
 * 0 needs ACME5G_TLS_MINIMAL 1 (P-256 keys only).  No RAM cost either
 * way. */
#ifndef ACME5G_WITH_SHA384
#define ACME5G_WITH_SHA384 1
#endif

/* 1 (default): the tls-alpn-01 responder (RFC 8737), which links
 * BearSSL's server engine; 0 leaves it out of the image. */
#ifndef ACME5G_WITH_TLSALPN01
#define ACME5G_WITH_TLSALPN01 1
#endif

/* 1 (default): dns-01 through the port's dns_txt; 0 leaves it out. */
#ifndef ACME5G_WITH_DNS01
#define ACME5G_WITH_DNS01 1
#endif

/* 1 (default): external account binding (HMAC-SHA256, base64url decoding);
 * 0 leaves it out (eab_kid is then refused with ACME5G_ERR_ARG). */
#ifndef ACME5G_WITH_EAB
#define ACME5G_WITH_EAB 1
#endif

/* 1 (default): the 3GPP NF profile's Authority Token challenge tkauth-01
 * (RFC 9447, tkauth-type "atc"; TS 33.310 Annex J) for NfInstanceId
 * identifiers, with the token fetched from the Token Authority over mutual
 * TLS or through the port's authority_token.  0 leaves it out (NfInstanceId
 * identifiers can then not be ordered: ACME5G_ERR_ARG).
 * RAM: ACME5G_TKAUTH_TOKEN_MAX + ACME5G_URL_MAX + ~16 B. */
#ifndef ACME5G_WITH_TKAUTH
#define ACME5G_WITH_TKAUTH 1
#endif

/* 1 (default): mutual TLS with our own certificate: acme5g_set_own_cert(),
 * acme5g_enrol_via() (an NF enrolling through a shared client) and the
 * client certificate offered to the Token Authority.  0 leaves it out
 * (those two functions then return ACME5G_ERR_ARG; a Token Authority is
 * reached without a client certificate, or through the port's
 * authority_token).  RAM: ACME5G_OWN_CHAIN_MAX + ~340 B (64-bit host). */
#ifndef ACME5G_WITH_MTLS
#define ACME5G_WITH_MTLS 1
#endif

/* 1 (default when ACME5G_WITH_MTLS is 1): the shared client's server side,
 * acme5g_shared_accept() and acme5g_shared_respond() (and BearSSL's server
 * engine, unless ACME5G_WITH_TLSALPN01 links it anyway).  0 leaves it out
 * (both then return ACME5G_ERR_ARG).  Needs ACME5G_WITH_MTLS 1.
 * RAM: ~860 B (the NF's names from its certificate, 64-bit host). */
#ifndef ACME5G_WITH_SHARED
#define ACME5G_WITH_SHARED ACME5G_WITH_MTLS
#endif

/* Longest Authority Token (a compact JWT) accepted from the Token
 * Authority.  Longer: ACME5G_ERR_AUTHORITY_TOKEN.  RAM: 1 B per unit.
 * Range: 256..2048 (the JWS carrying it must fit ACME5G_REQUEST_MAX). */
#ifndef ACME5G_TKAUTH_TOKEN_MAX
#define ACME5G_TKAUTH_TOKEN_MAX 1024
#endif

/* badNonce retries per request (RFC 8555 6.5).  Range 0..100. */
#ifndef ACME5G_BADNONCE_RETRIES
#define ACME5G_BADNONCE_RETRIES 8
#endif

/* Highest log level compiled in: 0 error, 1 warning, 2 info, 3 debug.
 * Messages above it are compiled away (-1: all of them).  Range: -1..3. */
#ifndef ACME5G_LOG_LEVEL
#define ACME5G_LOG_LEVEL 3
#endif

#if !ACME5G_WITH_SHA384 && !ACME5G_TLS_MINIMAL
#error "ACME5G_WITH_SHA384 0 needs ACME5G_TLS_MINIMAL 1 (P-256 keys only)"
#endif
#if ACME5G_WITH_SHARED && !ACME5G_WITH_MTLS
#error "ACME5G_WITH_SHARED 1 needs ACME5G_WITH_MTLS 1"
#endif
/* The documented ranges, enforced (make check tries values outside them). */
#if ACME5G_TLS_BUF_SIZE < 1024 || ACME5G_TLS_BUF_SIZE > BR_SSL_BUFSIZE_BIDI
#error "ACME5G_TLS_BUF_SIZE out of range (1024..BR_SSL_BUFSIZE_BIDI)"
#endif
#if ACME5G_BODY_MAX < 1024 || ACME5G_BODY_MAX > 1048576
#error "ACME5G_BODY_MAX out of range (1024..1048576)"
#endif
#if ACME5G_REQUEST_MAX < 512 || ACME5G_REQUEST_MAX > 65536
#error "ACME5G_REQUEST_MAX out of range (512..65536)"
#endif
#if ACME5G_LINE_MAX < 128 || ACME5G_LINE_MAX > 8192
#error "ACME5G_LINE_MAX out of range (128..8192)"
#endif
#if ACME5G_URL_MAX < 64 || ACME5G_URL_MAX > 2048
#error "ACME5G_URL_MAX out of range (64..2048)"
#endif
#if ACME5G_MAX_IDENTIFIERS < 1 || ACME5G_MAX_IDENTIFIERS > 64
#error "ACME5G_MAX_IDENTIFIERS out of range (1..64)"
#endif
#if ACME5G_JSON_TOKENS < 32 || ACME5G_JSON_TOKENS > 4096
#error "ACME5G_JSON_TOKENS out of range (32..4096)"
#endif
#if ACME5G_MAX_TRUST_ANCHORS < 1 || ACME5G_MAX_TRUST_ANCHORS > 64
#error "ACME5G_MAX_TRUST_ANCHORS out of range (1..64)"
#endif
#if ACME5G_TA_BUF_SIZE < 256 || ACME5G_TA_BUF_SIZE > 65536
#error "ACME5G_TA_BUF_SIZE out of range (256..65536)"
#endif
#if ACME5G_MAX_ALTERNATES < 1 || ACME5G_MAX_ALTERNATES > 8
#error "ACME5G_MAX_ALTERNATES out of range (1..8)"
#endif
#if ACME5G_OWN_CHAIN_MAX < 1 || ACME5G_OWN_CHAIN_MAX > 16384
#error "ACME5G_OWN_CHAIN_MAX out of range (1..16384)"
#endif
#if ACME5G_SHARED_CSR_MAX < 256 || ACME5G_SHARED_CSR_MAX > 65536
#error "ACME5G_SHARED_CSR_MAX out of range (256..65536)"
#endif
#if ACME5G_PROBLEM_TYPE_MAX < 64 || ACME5G_PROBLEM_TYPE_MAX > 1024
#error "ACME5G_PROBLEM_TYPE_MAX out of range (64..1024)"
#endif
#if ACME5G_PROBLEM_DETAIL_MAX < 32 || ACME5G_PROBLEM_DETAIL_MAX > 4096
#error "ACME5G_PROBLEM_DETAIL_MAX out of range (32..4096)"
#endif
#if ACME5G_TKAUTH_TOKEN_MAX < 256 || ACME5G_TKAUTH_TOKEN_MAX > 2048
#error "ACME5G_TKAUTH_TOKEN_MAX out of range (256..2048)"
#endif
#if ACME5G_BADNONCE_RETRIES < 0 || ACME5G_BADNONCE_RETRIES > 100
#error "ACME5G_BADNONCE_RETRIES out of range (0..100)"
#endif
#if ACME5G_LOG_LEVEL < -1 || ACME5G_LOG_LEVEL > 3
#error "ACME5G_LOG_LEVEL out of range (-1..3)"
#endif
#if ACME5G_TLS_MINIMAL != 0 && ACME5G_TLS_MINIMAL != 1
#error "ACME5G_TLS_MINIMAL must be 0 or 1"
#endif
#if ACME5G_TLS_ECDSA_ONLY != 0 && ACME5G_TLS_ECDSA_ONLY != 1
#error "ACME5G_TLS_ECDSA_ONLY must be 0 or 1"
#endif
#if ACME5G_WITH_SHA384 != 0 && ACME5G_WITH_SHA384 != 1
#error "ACME5G_WITH_SHA384 must be 0 or 1"
#endif
#if ACME5G_WITH_TLSALPN01 != 0 && ACME5G_WITH_TLSALPN01 != 1
#error "ACME5G_WITH_TLSALPN01 must be 0 or 1"
#endif
#if ACME5G_WITH_DNS01 != 0 && ACME5G_WITH_DNS01 != 1
#error "ACME5G_WITH_DNS01 must be 0 or 1"
#endif
#if ACME5G_WITH_EAB != 0 && ACME5G_WITH_EAB != 1
#error "ACME5G_WITH_EAB must be 0 or 1"
#endif
#if ACME5G_WITH_TKAUTH != 0 && ACME5G_WITH_TKAUTH != 1
#error "ACME5G_WITH_TKAUTH must be 0 or 1"
#endif
#if ACME5G_WITH_MTLS != 0 && ACME5G_WITH_MTLS != 1
#error "ACME5G_WITH_MTLS must be 0 or 1"
#endif
#if ACME5G_WITH_SHARED != 0 && ACME5G_WITH_SHARED != 1
#error "ACME5G_WITH_SHARED must be 0 or 1"
#endif

/* ------------------------------------------------------------------------
 * Errors.  0 is success; codes are grouped by layer.  Every function
 * returns one of these (never a negative number).  The comment next to a
 * code is its acme5g_strerror() message, word for word (tests/unit.c
 * checks both agree); "raise X" names the config macro to raise.
 * ---------------------------------------------------------------------- */
typedef enum acme5g_err {
    ACME5G_OK = 0,                 /* success */
    /* caller and limits (1..29) */
    ACME5G_ERR_ARG = 1,            /* bad argument or settings */
    ACME5G_ERR_TIMEOUT,            /* timed out (total deadline passed) */
    ACME5G_ERR_URL,                /* malformed or non-https URL */
    ACME5G_ERR_URL_TOO_LONG,       /* URL too long (raise ACME5G_URL_MAX) */
    ACME5G_ERR_TOO_MANY_NAMES,     /* too many identifiers (raise ACME5G_MAX_IDENTIFIERS) */
    ACME5G_ERR_REQUEST_TOO_LARGE,  /* request too large (raise ACME5G_REQUEST_MAX) */
    ACME5G_ERR_BODY_TOO_LARGE,     /* response body too large (raise ACME5G_BODY_MAX) */
    ACME5G_ERR_HEADER_TOO_LONG,    /* response header line too long (raise ACME5G_LINE_MAX) */
    ACME5G_ERR_JSON_TOO_BIG,       /* JSON document too big (raise ACME5G_JSON_TOKENS) */
    ACME5G_ERR_TRUST_ANCHORS_FULL, /* trust anchor storage full (raise ACME5G_MAX_TRUST_ANCHORS or
                                      ACME5G_TA_BUF_SIZE) */
    ACME5G_ERR_FIELD_TOO_LONG,     /* server string too long for its field */
    ACME5G_ERR_NAME,               /* identifier is not a valid DNS name, IP address or UUID */
    ACME5G_ERR_OWN_CHAIN_FULL,     /* own certificate chain too large (at most 3 certificates;
                                      raise ACME5G_OWN_CHAIN_MAX) */
    /* port (30..49) */
    ACME5G_ERR_CONNECT = 30,       /* connection failed */
    ACME5G_ERR_NET,                /* network send/receive failed */
    ACME5G_ERR_NET_CLOSED,         /* connection closed by the peer too early */
    ACME5G_ERR_LISTEN,             /* http-01 responder could not listen */
    ACME5G_ERR_ENTROPY,            /* entropy source failed */
    ACME5G_ERR_STORAGE_READ,       /* stored data unreadable */
    ACME5G_ERR_STORAGE_WRITE,      /* could not write stored data */
    ACME5G_ERR_CLOCK,              /* wall clock not set (before 2020) */
    ACME5G_ERR_NOT_FOUND,          /* no stored data */
    ACME5G_ERR_DNS_HOOK,           /* dns-01 hook failed or missing */
    /* TLS (50..69); acme5g_last_tls_error() gives BearSSL's code */
    ACME5G_ERR_TLS = 50,           /* TLS failure */
    ACME5G_ERR_TLS_UNTRUSTED,      /* TLS: server certificate not trusted (chain not signed by the
                                      trust anchors) */
    ACME5G_ERR_TLS_NAME,           /* TLS: server certificate does not match the host */
    ACME5G_ERR_TLS_TIME,           /* TLS: server certificate expired or not yet valid */
    ACME5G_ERR_TRUST_ANCHOR,       /* trust anchor PEM unusable */
    /* HTTP (70..89) */
    ACME5G_ERR_HTTP = 70,          /* malformed HTTP response */
    ACME5G_ERR_HTTP_STATUS,        /* unexpected HTTP status without a problem document */
    ACME5G_ERR_CONTENT_TYPE,       /* unexpected Content-Type */
    /* JSON (90..109) */
    ACME5G_ERR_JSON = 90,          /* malformed JSON */
    ACME5G_ERR_JSON_FIELD,         /* JSON field missing or of the wrong type */
    /* ACME (110..149) */
    ACME5G_ERR_PROBLEM = 110,      /* ACME server error */
    ACME5G_ERR_NO_NONCE,           /* no Replay-Nonce from the server */
    ACME5G_ERR_BAD_NONCE_LIMIT,    /* badNonce more than ACME5G_BADNONCE_RETRIES times */
    ACME5G_ERR_ORDER_INVALID,      /* order is invalid */
    ACME5G_ERR_AUTHZ_INVALID,      /* authorization failed */
    ACME5G_ERR_STATUS,             /* unknown or unexpected ACME status */
    ACME5G_ERR_NO_CHALLENGE,       /* no challenge type we can answer */
    ACME5G_ERR_CERT_MISMATCH,      /* issued certificate lacks our names or key */
    ACME5G_ERR_EAB_REQUIRED,       /* the server requires external account binding (EAB) */
    ACME5G_ERR_AUTHORITY,          /* the Token Authority refused or answered badly */
    ACME5G_ERR_AUTHORITY_TOKEN,    /* the Authority Token is malformed, expired, or not for this
                                      identifier and account key */
    /* keys and certificates (150..169) */
    ACME5G_ERR_KEY = 150,          /* stored key unreadable or of the wrong type */
    ACME5G_ERR_CERT,               /* certificate unparsable */
    ACME5G_ERR_CRYPTO,             /* key generation or signing failed */
    ACME5G_ERR_CSR,                /* CSR malformed or of an unsupported kind */
    ACME5G_ERR_CSR_SIGNATURE,      /* CSR signature does not verify */
    ACME5G_ERR_CSR_NAMES,          /* CSR names differ from the request or are not allowed */
    ACME5G_ERR__COUNT
} acme5g_err;

/* Name of an error code as a constant string (never NULL). */
const char *acme5g_strerror(int err);

/* ------------------------------------------------------------------------
 * The port: what a platform provides.  `port/acme5g_posix.c` is the
 * POSIX implementation; write one per target with the same shape.
 *
 * Contract:
 *  - All functions receive `user` as given in the struct.
 *  - Network functions block for at most `timeout_ms`.  The library never
 *    passes a length of 0.
 *  - connect(): open a TCP connection to host (DNS name or IPv4/IPv6
 *    literal, without brackets) and port.  Returns a handle >= 0, or
 *    (name resolution may not be boundable on every platform)
 *    ACME5G_PORT_TIMEOUT / ACME5G_PORT_ERROR.
 *  - send(): returns bytes sent (> 0), 0 when timed out, or
 *    ACME5G_PORT_ERROR.  recv(): returns bytes received (> 0), 0 when
 *    timed out, ACME5G_PORT_CLOSED when the peer closed, ACME5G_PORT_ERROR.
 *    0 never means "closed".
 *  - close(): releases a handle from connect(), listen() or accept().
 *  - listen(): open a TCP listening socket on `port` on all local addresses
 *    (IPv4 and IPv6) for the http-01 responder; handle >= 0 or
 *    ACME5G_PORT_ERROR.  accept(): wait for one connection; handle >= 0,
 *    ACME5G_PORT_TIMEOUT or ACME5G_PORT_ERROR.  May be NULL when no
 *    built-in responder is used.
 *  - now_s(): wall-clock time, seconds since 1970 (UTC); used for X.509
 *    validity and scheduling.  monotonic_ms(): a clock that never jumps.
 *    sleep_ms(): block for that long.
 *  - entropy(): fill buf with `len` (<= 64) bytes from a true random
 *    source; 0 on success, ACME5G_PORT_ERROR otherwise.
 *  - store_read(): read the blob `name` (a plain file name such as
 *    "account.key") into buf (capacity `cap`), set *len; 0,
 *    ACME5G_PORT_NOT_FOUND, ACME5G_PORT_TOO_LARGE (the blob has `cap` bytes
 *    or more: one byte stays free for a terminating NUL) or
 *    ACME5G_PORT_ERROR.
 *    store_write(): replace the blob atomically (all or nothing even on
 *    power loss); `secret` != 0 means only the owner may read it.
 *    0 or ACME5G_PORT_ERROR.
 *  - log(): one message, no trailing newline; level 0 error .. 3 debug.
 *    May be NULL.
 *  - dns_txt(): for dns-01, publish (present = 1) or remove (present = 0)
 *    the TXT record `name` (e.g. "_acme-challenge.nf1.example", no
 *    trailing dot) with `value`; return 0 once it is visible to the CA's
 *    resolvers, else ACME5G_PORT_ERROR.  May be NULL when dns-01 is not
 *    used.
 *  - authority_token(): for tkauth-01 (ACME5G_WITH_TKAUTH), where the
 *    platform gets Authority Tokens its own way (e.g. from its OAM agent):
 *    write a token for the identifier `type`/`value` bound to the account
 *    key `fingerprint` ("SHA256 AB:CD:...") to `token` (capacity `cap`,
 *    NUL-terminated), `authority` being the challenge's token-authority
 *    hint ("" when none); return its length, or ACME5G_PORT_ERROR.  May be
 *    NULL: the library then asks the Token Authority itself
 *    (acme5g_enrol_params.token_authority_url).  The library checks the
 *    token before using it.
 * ---------------------------------------------------------------------- */
#define ACME5G_PORT_ERROR (-1)
#define ACME5G_PORT_CLOSED (-2)
#define ACME5G_PORT_TIMEOUT (-3)
#define ACME5G_PORT_NOT_FOUND (-4)
#define ACME5G_PORT_TOO_LARGE (-5)

typedef struct acme5g_port {
    void *user;
    int (*connect)(void *user, const char *host, uint16_t port, uint32_t timeout_ms);
    int (*send)(void *user, int handle, const uint8_t *buf, size_t len, uint32_t timeout_ms);
    int (*recv)(void *user, int handle, uint8_t *buf, size_t len, uint32_t timeout_ms);
    void (*close)(void *user, int handle);
    int (*listen)(void *user, uint16_t port);
    int (*accept)(void *user, int listener, uint32_t timeout_ms);
    int64_t (*now_s)(void *user);
    uint64_t (*monotonic_ms)(void *user);
    void (*sleep_ms)(void *user, uint32_t ms);
    int (*entropy)(void *user, uint8_t *buf, size_t len);
    int (*store_read)(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len);
    int (*store_write)(void *user, const char *name, const uint8_t *buf, size_t len, int secret);
    void (*log)(void *user, int level, const char *msg);
    int (*dns_txt)(void *user, const char *name, const char *value, int present);
    int (*authority_token)(void *user, const char *type, const char *value,
                           const char *fingerprint, const char *authority, char *token,
                           size_t cap);
} acme5g_port;

/* Names of the blobs the library reads and writes through the port. */
#define ACME5G_STORE_ACCOUNT_KEY "account.key" /* PKCS#8 PEM, secret */
#define ACME5G_STORE_ACCOUNT_URL "account.url" /* the account's URL (kid) */
#define ACME5G_STORE_ACCOUNT_KEY_NEW "account.key.new" /* the next account key, during a rollover */
#define ACME5G_STORE_CERT_KEY "cert.key"       /* PKCS#8 PEM, secret */
#define ACME5G_STORE_CERT_KEY_NEW "cert.key.new" /* the next key, while a pair is replaced */
#define ACME5G_STORE_CERT "cert.pem"           /* PEM chain, leaf first */
#define ACME5G_STORE_ORDER_URL "order.url"     /* the order in progress (empty: none) */
/* A cache, best effort: the directory URL, a newline, the directory's
 * JSON as the server sent it (at most ACME5G_BODY_MAX bytes in all); and
 * the last Replay-Nonce a flow got and did not use.  With both, a flow
 * against the same directory URL starts with its first POST (a renewal:
 * newOrder, finalize, one poll, the certificate).  A blob that cannot be
 * read or written (a firmware port with no slot for it) only costs the
 * GET directory and HEAD newNonce it would have saved; the flow goes on.
 * What is read back is checked, so a port may write these two without
 * flushing them to stable storage (the POSIX port does). */
#define ACME5G_STORE_DIRECTORY "directory.cache"
#define ACME5G_STORE_NONCE "nonce"

/* ------------------------------------------------------------------------
 * Public data types.
 * ---------------------------------------------------------------------- */

/* Identifier types (RFC 8555 7.1.4, RFC 8738). */
typedef enum acme5g_id_type {
    ACME5G_ID_DNS = 1, /* DNS name: SAN dNSName */
    ACME5G_ID_IP = 2,  /* IPv4 or IPv6 address text: SAN iPAddress */
    ACME5G_ID_URI = 3, /* any URI: a SAN uniformResourceIdentifier in the CSR
                          only.  RFC 8555 has no such identifier type, so it
                          is not in the order; a CA may leave it out (Pebble
                          2.4 does), and the issued leaf is not required to
                          carry it. */
    ACME5G_ID_NF_INSTANCE = 4 /* the NF instance ID (TS 29.571), a UUID such
                          as "4ace9d34-2c69-4f99-92d5-a73a3fe8e23b" (either
                          case; sent lower-case): the ACME identifier
                          "NfInstanceId" of TS 33.310 Annex J, validated by
                          tkauth-01, and the SAN uniformResourceIdentifier
                          "urn:uuid:<uuid>", which the leaf must carry. */
} acme5g_id_type;

typedef struct acme5g_identifier {
    acme5g_id_type type;
    const char *value;
} acme5g_identifier;

/* EC key types for the account and the certificate. */
typedef enum acme5g_key_type {
    ACME5G_KEY_P256 = 0, /* default; JWS ES256 */
    ACME5G_KEY_P384 = 1  /* JWS ES384; not in the ACME5G_TLS_MINIMAL profile */
} acme5g_key_type;

/* A certificate key kept outside the library (e.g. in a secure element):
 * its public key and a callback that signs for it.  The library builds the
 * CSR and asks for one signature; the private key never reaches it. */
typedef struct acme5g_signer {
    acme5g_key_type type;           /* P-256 or P-384 */
    const uint8_t *public_key;      /* uncompressed point 04||X||Y: 65 or 97 bytes */
    size_t public_key_len;
    /* Sign `digest` (SHA-256 for P-256, SHA-384 for P-384, digest_len
     * bytes); write a DER ECDSA signature (at most sig_cap = 112 bytes)
     * to sig; return its length, or 0 on failure. */
    size_t (*sign)(void *user, const uint8_t *digest, size_t digest_len, uint8_t *sig,
                   size_t sig_cap);
    void *user;
} acme5g_signer;

/* Challenge types the library answers. */
typedef enum acme5g_challenge {
    ACME5G_CHALLENGE_HTTP01 = 0, /* built-in responder through port listen/accept */
    ACME5G_CHALLENGE_DNS01 = 1,  /* TXT record through port dns_txt */
    ACME5G_CHALLENGE_TLSALPN01 = 2 /* built-in TLS responder (RFC 8737), port listen/accept */
} acme5g_challenge;

/* What acme5g_enrol() needs.  All pointers are owned by the caller and
 * must stay valid during the call only. */
typedef struct acme5g_enrol_params {
    const char *directory_url;               /* https://host[:port]/path */
    const acme5g_identifier *identifiers;    /* 1..ACME5G_MAX_IDENTIFIERS */
    size_t identifier_count;
    const char *contact;                     /* "mailto:..." or NULL */
    acme5g_challenge challenge;              /* default (0): http-01 */
    uint16_t http_port;                      /* http-01 responder port; 0 = 80 */
    uint16_t tls_port;                       /* tls-alpn-01 responder port; 0 = 443 */
    uint32_t timeout_s;                      /* total deadline; 0 = 300 */
    /* TR 33.776 solution #9: when an authorization or the order fails
     * (challenge not completed before expiry, validation failed), wait
     * wait_timer_s (0..86400) and restart from newOrder, up to max_orders
     * orders in all (0 = 1, at most 100). */
    uint32_t wait_timer_s;
    unsigned max_orders;
    /* External account binding (RFC 8555 7.3.4), for CAs that tie accounts
     * to a pre-provisioned credential: the key identifier and the MAC key
     * as the CA gave it (base64url text, up to 128 bytes decoded).  Both
     * NULL, or both set.  Used only when the account is created. */
    const char *eab_kid;
    const char *eab_hmac_key;
    /* Key types: the account key's is used only when the account key is
     * created; the certificate key is fresh for every order. */
    acme5g_key_type account_key_type;
    acme5g_key_type cert_key_type;
    /* An external certificate key instead of a fresh one per order (NULL:
     * generate).  Then only the chain is stored (ACME5G_STORE_CERT); the
     * key stays where it is. */
    const acme5g_signer *cert_signer;
    /* Where the directory offers newAuthz (RFC 8555 7.4.1): ask for every
     * authorization before the order (pre-authorization, TR 33.776 #9).
     * Ignored when the directory has no newAuthz. */
    int pre_authorize;
    /* A DER CSR signed elsewhere (the shared client finalizing for an NF):
     * sent as it is at finalize; it must verify and carry exactly
     * `identifiers`.  Only the chain is stored then.  NULL: build one. */
    const uint8_t *csr_der;
    size_t csr_len;
    /* Keep the chain whose topmost certificate was issued by a CA with this
     * common name, among the default and the alternate chains; the default
     * when none matches.  NULL: the default chain. */
    const char *preferred_chain;
    /* tkauth-01 (NfInstanceId identifiers): the Token Authority's token
     * endpoint, https://host[:port]/path, asked over TLS verified against
     * the anchors of acme5g_add_authority_anchors_pem() and with the client
     * certificate of acme5g_set_own_cert() (OAM's credential for this NF).
     * NULL: the port's authority_token when set, else the challenge's
     * token-authority hint. */
    const char *token_authority_url;
} acme5g_enrol_params;

/* The last problem document (RFC 7807) the server sent.  A challenge's
 * error (carried inside a 200 authorization) has type and detail but
 * http_status 0; no problem at all: everything empty and 0. */
typedef struct acme5g_problem {
    int http_status;                          /* 0 when there is none */
    char type[ACME5G_PROBLEM_TYPE_MAX];       /* e.g. "urn:ietf:params:acme:error:badCSR" */
    char detail[ACME5G_PROBLEM_DETAIL_MAX];
    int32_t retry_after_s;                    /* the response's Retry-After (seconds
                                                 or HTTP date, as a delay); -1 none */
} acme5g_problem;

/* Facts about a certificate, filled by acme5g_cert_info().  Strings are
 * NUL-terminated and cut (with "...") when longer than their field. */
typedef struct acme5g_cert_summary {
    char names[512];       /* SAN entries, comma-separated ("DNS:a, IP:1.2.3.4") */
    char serial_hex[80];   /* serial number, upper-case hex */
    char issuer[256];      /* issuer DN, e.g. "CN=Pebble Intermediate CA 1a2b3c" */
    int64_t not_before_s;  /* Unix seconds */
    int64_t not_after_s;   /* Unix seconds */
    size_t chain_length;   /* certificates in the PEM */
} acme5g_cert_summary;

/* ------------------------------------------------------------------------
 * The context.  Declared in full so that sizeof() is known; every field is
 * private.
 * ---------------------------------------------------------------------- */
typedef struct acme5g_ec_key {
    br_ec_private_key sk;
    br_ec_public_key pk;
    unsigned char priv[BR_EC_KBUF_PRIV_MAX_SIZE];
    unsigned char pub[BR_EC_KBUF_PUB_MAX_SIZE];
    int loaded;
} acme5g_ec_key;

typedef struct acme5g_ctx {
    acme5g_port port;
    int last_error;
    int last_tls_error;
    acme5g_problem problem;
    uint64_t deadline_ms;

    /* section 2: connection to the ACME server */
    /* the tls-alpn-01 responder runs while the client connection is
     * closed, so the two engines share memory */
    union {
        br_ssl_client_context client;
        br_ssl_server_context server;
    } tls;
    br_x509_minimal_context x509;
    const br_x509_class *x509_vtable;   /* our wrapper around x509 */
    br_sslio_context io;
    br_ssl_session_parameters session;
    int have_session;
    int sock;                            /* -1 when not connected */
    int conn_requests;                   /* requests sent on this connection */
    char conn_host[128];
    uint16_t conn_port;
    int conn_ip_literal;                 /* verify iPAddress SAN ourselves */
    uint8_t conn_ip[16];
    size_t conn_ip_len;
    size_t leaf_len;                     /* leaf captured in body during handshake */
    int leaf_index;
    int io_error;                        /* why the last port call failed */
    unsigned char tls_buf[ACME5G_TLS_BUF_SIZE];
    br_x509_trust_anchor tas[ACME5G_MAX_TRUST_ANCHORS];
    size_t ta_count;                     /* ACME server anchors: tas[0..ta_count) */
    size_t authority_ta_count;           /* Token Authority anchors: the last ones */
    int conn_authority;                  /* this connection is to the Token Authority */
    int conn_client_cert;                /* offer our certificate (acme5g_enrol_via) */
    unsigned char ta_buf[ACME5G_TA_BUF_SIZE];
    size_t ta_used;
    br_hmac_drbg_context drbg;
    int drbg_seeded;
    int cert_key_stored;                 /* cert_key is in ACME5G_STORE_CERT_KEY_NEW */
    int64_t authz_expires_s;             /* "expires" of the last authorization; 0 none */
    int eab_required;                    /* directory meta.externalAccountRequired */

    /* the last HTTP response */
    int http_status;
    int http_content_type;
    char nonce[96];
    char location[ACME5G_URL_MAX];
    char link_up[ACME5G_URL_MAX];
    char alt_urls[ACME5G_MAX_ALTERNATES + 1][ACME5G_URL_MAX];
    size_t alt_count;
    int32_t retry_after_s;               /* -1 when absent */
    char line[ACME5G_LINE_MAX];
    unsigned char body[ACME5G_BODY_MAX + 1];
    size_t body_len;
    unsigned char request[ACME5G_REQUEST_MAX];
    int json_tokens[ACME5G_JSON_TOKENS * 4]; /* jsmntok_t storage */

    /* section 4: ACME objects */
    char dir_new_nonce[ACME5G_URL_MAX];
    char dir_new_account[ACME5G_URL_MAX];
    char dir_new_order[ACME5G_URL_MAX];
    char dir_key_change[ACME5G_URL_MAX];
    char dir_revoke_cert[ACME5G_URL_MAX];
    char dir_renewal_info[ACME5G_URL_MAX];
    char dir_new_authz[ACME5G_URL_MAX];
    const char *dir_url;                 /* the caller's directory URL, during a call */
    int dir_cached;                      /* the directory came from ACME5G_STORE_DIRECTORY */
    char replaces[160];                  /* ARI certID of the renewed certificate */
    char account_url[ACME5G_URL_MAX];
    char order_url[ACME5G_URL_MAX];
    char finalize_url[ACME5G_URL_MAX];
    char certificate_url[ACME5G_URL_MAX];
    char challenge_url[ACME5G_URL_MAX];
    char authz_urls[ACME5G_MAX_IDENTIFIERS][ACME5G_URL_MAX];
    size_t authz_count;
    char token[128];
#if ACME5G_WITH_TKAUTH
    char tkauth_token[ACME5G_TKAUTH_TOKEN_MAX];  /* the Authority Token being sent */
    char token_authority[ACME5G_URL_MAX];        /* the challenge's token-authority hint */
#endif
    acme5g_ec_key account_key;
    acme5g_ec_key cert_key;

    /* section 7: our own certificate for mutual TLS */
#if ACME5G_WITH_MTLS
    unsigned char own_chain_buf[ACME5G_OWN_CHAIN_MAX];
    br_x509_certificate own_chain[3];
    size_t own_chain_count;
    unsigned own_issuer_key_type;
    acme5g_ec_key own_key;
#endif
#if ACME5G_WITH_SHARED
    br_name_element peer_names[3];       /* shared client: the NF's URI, DNS, CN */
    char peer_name_buf[3][256];
#endif
    uint32_t shared_handshake_ms;        /* 0: the whole accept timeout */
    uint32_t shared_io_ms;               /* the accept timeout, again for the answer */
} acme5g_ctx;

/* ------------------------------------------------------------------------
 * Functions.
 * ---------------------------------------------------------------------- */

/* Initialise a context.
 *
 * Copies `port` into the context (the struct may be discarded after the
 * call; `port->user` must stay valid while the context is used) and
 * clears everything else.  Makes no port call.
 *
 * Returns ACME5G_OK, or ACME5G_ERR_ARG when a required port function
 * (connect, send, recv, close, now_s, monotonic_ms, sleep_ms, entropy,
 * store_read, store_write) is NULL. */
int acme5g_init(acme5g_ctx *ctx, const acme5g_port *port);

/* Add the CA certificates in `pem` (one or more "CERTIFICATE" blocks) as
 * trust anchors for the ACME server's TLS certificate.
 *
 * The bytes are decoded and copied; `pem` may be freed after the call.
 * Without at least one anchor no connection can be made: TLS server
 * verification cannot be turned off.
 *
 * Returns ACME5G_OK, ACME5G_ERR_TRUST_ANCHOR (no certificate found, or one
 * that is not a CA or has an unsupported key), or
 * ACME5G_ERR_TRUST_ANCHORS_FULL (raise ACME5G_MAX_TRUST_ANCHORS or
 * ACME5G_TA_BUF_SIZE).  Anchors added before a failure stay. */
int acme5g_add_trust_anchors_pem(acme5g_ctx *ctx, const char *pem, size_t len);

/* Add the CA certificates in `pem` as trust anchors for the Token
 * Authority (tkauth-01, acme5g_enrol_params.token_authority_url): kept
 * apart from the ACME server's, so neither server can pose as the other.
 * Both sets share ACME5G_MAX_TRUST_ANCHORS and ACME5G_TA_BUF_SIZE.
 * Returns as acme5g_add_trust_anchors_pem(). */
int acme5g_add_authority_anchors_pem(acme5g_ctx *ctx, const char *pem, size_t len);

/* Obtain a certificate (RFC 8555 enrolment, TR 33.776 solution #5).
 *
 * Steps and HTTP requests, all over one TLS connection kept alive (a new
 * connection only if the server closes it): GET directory (none when
 * ACME5G_STORE_DIRECTORY holds it for this URL: then the nonce kept in
 * ACME5G_STORE_NONCE is used first, and a 404 from one of its URLs fetches
 * the directory again, once); HEAD newNonce (once, when no nonce is held;
 * the one left unused at the end is stored); POST newAccount with the account key
 * (loaded from ACME5G_STORE_ACCOUNT_KEY, or generated with the port's
 * entropy and stored) -- an account already registered for the key is
 * reused; POST newOrder; for each authorization that is not yet valid:
 * POST-as-GET it, serve the http-01 key authorization on `http_port`
 * through port->listen/accept, POST the challenge and poll the
 * authorization; POST finalize with a CSR for a fresh EC P-256
 * certificate key; poll the order; POST-as-GET the certificate.  The
 * chain's leaf must carry every identifier and the CSR's public key; only
 * then are ACME5G_STORE_CERT_KEY and ACME5G_STORE_CERT written (the old
 * pair stays in place on any failure).  badNonce is retried with the fresh
 * nonce up to ACME5G_BADNONCE_RETRIES times.  Polls honour Retry-After
 * (seconds or HTTP date) and otherwise wait 10 ms first, then 50 ms and
 * twice as long each time up to 5 s (10, 50, 100, 200 ... 3200, 5000,
 * 5000 ms); a wait that would end past the deadline ends the call with
 * ACME5G_ERR_TIMEOUT.  After a challenge is answered the built-in
 * responder serves the validator's requests and the first poll follows
 * 20 ms after the last one.
 *
 * Port functions used: all but log are needed; listen/accept only when an
 * authorization needs a challenge.
 *
 * An NfInstanceId identifier (ACME5G_ID_NF_INSTANCE) is authorized with
 * tkauth-01 (RFC 9447, "atc"): the library gets an Authority Token bound
 * to the account key's fingerprint -- from the port's authority_token, or
 * by one HTTPS POST to the Token Authority (TS 33.310 Annex J's OAM) with
 * our client certificate, on a connection of its own (the ACME connection
 * is closed meanwhile and reopened after) -- checks it (a JWT for this
 * identifier and key, not expired) and answers the challenge with it.
 *
 * Returns ACME5G_OK or an error code; on ACME5G_ERR_PROBLEM the server's
 * problem document is in acme5g_last_problem().  On any return, private
 * keys are wiped from the context and the connection is closed.
 *
 * Blocks for at most params->timeout_s in total.  Stack, BearSSL's
 * included and port calls excluded: 7352 B measured by painting on x86-64
 * at -O2 (make bench); on Cortex-M4 (-Os, ACME5G_TLS_MINIMAL) about 7.7 KB,
 * 6.7 KB without tls-alpn-01 (make size: painted crypto and TLS paths plus
 * the flow's frames). */
int acme5g_enrol(acme5g_ctx *ctx, const acme5g_enrol_params *params);

/* Make the stored certificate and key a matching pair again after a cut.
 *
 * acme5g_enrol() and acme5g_renew() replace a pair in three atomic writes
 * (cert.key.new, cert.pem, cert.key) so that a matching pair exists at
 * every instant.  After a power cut between the last two, cert.pem matches
 * cert.key.new: this copies it to cert.key.  Call it at boot before
 * loading the pair; enrol and renew call it first.  Port calls:
 * store_read, store_write.  Returns ACME5G_OK (also when nothing is
 * stored), ACME5G_ERR_CERT_MISMATCH (no stored key matches cert.pem),
 * ACME5G_ERR_CERT, ACME5G_ERR_STORAGE_READ or _WRITE. */
int acme5g_repair_pair(acme5g_ctx *ctx);

/* Renew a certificate with the account of an earlier enrolment.
 *
 * As acme5g_enrol(), but the account is not looked up: its key and URL
 * are read from storage (ACME5G_STORE_ACCOUNT_KEY, ACME5G_STORE_ACCOUNT_URL)
 * and no newAccount request is made.  When the server already holds valid
 * authorizations for every identifier (pre-authorized, or reused from an
 * earlier validation) the order is born `ready` and the requests are:
 * [GET directory, HEAD newNonce,] POST newOrder, POST finalize, poll the
 * order, POST-as-GET the certificate -- the first two only when the
 * directory and nonce cache (ACME5G_STORE_DIRECTORY, _NONCE) has nothing
 * usable; a stale stored nonce costs no more (badNonce brings a fresh
 * one, and newOrder is sent again).  The stored certificate and key are
 * replaced only after the new chain was downloaded and checked.
 *
 * Returns as acme5g_enrol(); ACME5G_ERR_NOT_FOUND when there is no stored
 * account. */
int acme5g_renew(acme5g_ctx *ctx, const acme5g_enrol_params *params);

/* Account lifecycle and revocation.  Each works on the stored account
 * (ACME5G_STORE_ACCOUNT_KEY and _URL, from an earlier acme5g_enrol()):
 * GET directory (always fetched: keyChange signs its URL), HEAD newNonce
 * (none when the stored nonce is usable), then one POST; one TLS connection; at most
 * timeout_s seconds (0 = 300).  Each returns ACME5G_OK, ACME5G_ERR_NOT_FOUND
 * (nothing stored), ACME5G_ERR_PROBLEM (see acme5g_last_problem()) or
 * another code; keys are wiped from the context on return. */

/* Deactivate the account (RFC 8555 7.3.6): the server refuses it from
 * then on.  The stored files are left as they are. */
int acme5g_account_deactivate(acme5g_ctx *ctx, const char *directory_url, uint32_t timeout_s);

/* Replace the account's contact list with `contact` ("mailto:...", or NULL
 * for none) (RFC 8555 7.3.2). */
int acme5g_account_update_contact(acme5g_ctx *ctx, const char *directory_url,
                                  uint32_t timeout_s, const char *contact);

/* Roll the account over to a fresh key (RFC 8555 7.3.5).  The new key is
 * stored as "account.key.new" before the keyChange request, and replaces
 * ACME5G_STORE_ACCOUNT_KEY once the server accepted it: if the answer is
 * lost, the server holds one of the two stored keys. */
int acme5g_account_rollover(acme5g_ctx *ctx, const char *directory_url, uint32_t timeout_s);

/* Revoke the stored certificate's leaf (RFC 8555 7.6) with `reason` (an
 * RFC 5280 CRLReason code 0..10, or -1 for none), signed by the account
 * key, or by the certificate's own key when sign_with_cert_key != 0.
 * Stack: ~2.5 KB (the leaf's DER, at most 2048 bytes). */
int acme5g_revoke(acme5g_ctx *ctx, const char *directory_url, uint32_t timeout_s, int reason,
                  int sign_with_cert_key);

/* A parsed, verified PKCS#10 CSR (EC P-256/P-384 keys, ECDSA signatures). */
typedef struct acme5g_csr {
    acme5g_key_type key_type;
    uint8_t public_key[97];        /* 04||X||Y */
    size_t public_key_len;
    acme5g_identifier identifiers[ACME5G_MAX_IDENTIFIERS]; /* values point into text */
    size_t identifier_count;
    char text[ACME5G_MAX_IDENTIFIERS * 256];
} acme5g_csr;

/* Parse a DER CSR and verify its signature with the key it carries.
 * Pure: no context, no port.  Fills *out with the key and the SAN
 * entries (dNSName, iPAddress as RFC 5952 text, URI).  Returns ACME5G_OK,
 * ACME5G_ERR_CSR (malformed, not EC P-256/P-384, no ECDSA signature),
 * ACME5G_ERR_CSR_SIGNATURE, ACME5G_ERR_CSR_NAMES (no SAN, or a kind of
 * name other than DNS/IP/URI) or ACME5G_ERR_TOO_MANY_NAMES. */
int acme5g_csr_parse(const uint8_t *der, size_t len, acme5g_csr *out);

/* ------------------------------------------------------------------------
 * Shared ACME client (TR 33.776, "ACME for client-side NF certificates").
 *
 * An NF that cannot answer a challenge sends its own CSR to a shared ACME
 * client in the core network over mutually authenticated TLS; the shared
 * client checks the NF's identity against its policy, runs the ACME order
 * (its own account per NF, dns-01 or pre-authorization) and finalizes with
 * the NF's CSR.  The NF keeps its private key.
 *
 * Protocol (HTTP/1.1 over TLS 1.2 with client certificates):
 *   POST <path> with Content-Type: application/pkcs10 and the DER CSR.
 *   200 application/pem-certificate-chain: the chain, leaf first.
 *   4xx/5xx application/problem+json {"type","detail"}: types
 *   "urn:acme5g:error:unauthorized" (no or unknown client certificate),
 *   ":forbidden" (a name the policy does not allow), ":badCSR" (bad
 *   signature or names), ":acme" (the ACME server refused; detail says
 *   why), ":malformed".
 * ---------------------------------------------------------------------- */

/* Set our own certificate and key: presented as the client certificate on
 * every TLS connection this context makes (mutual TLS), or as the server
 * certificate by acme5g_shared_accept().  `chain_pem` holds the leaf first
 * (at most 3 certificates, ACME5G_OWN_CHAIN_MAX bytes of DER); `key_pem`
 * an EC P-256/P-384 private key (PKCS#8 or SEC1).  Both are copied.
 * Returns ACME5G_OK, ACME5G_ERR_CERT, ACME5G_ERR_KEY or
 * ACME5G_ERR_OWN_CHAIN_FULL (more than 3 certificates, or more DER bytes
 * than ACME5G_OWN_CHAIN_MAX). */
int acme5g_set_own_cert(acme5g_ctx *ctx, const char *chain_pem, size_t chain_len,
                        const char *key_pem, size_t key_len);

/* NF side: obtain a certificate through a shared client.
 *
 * params->directory_url is the shared client's URL; identifiers,
 * cert_key_type / cert_signer, timeout_s as for acme5g_enrol() (the ACME
 * fields are not used).  One TLS connection (with the certificate from
 * acme5g_set_own_cert()), one POST of the CSR; the chain's leaf is checked
 * (our key, every DNS/IP identifier) and the pair stored as by
 * acme5g_enrol().  Returns ACME5G_OK, ACME5G_ERR_PROBLEM (the shared
 * client's refusal in acme5g_last_problem()) or another code. */
int acme5g_enrol_via(acme5g_ctx *ctx, const acme5g_enrol_params *params);

/* Shared client side: one NF's request. */
typedef struct acme5g_shared_request {
    char identity[256];        /* the NF's certificate: first URI SAN, else
                                  first DNS SAN, else subject CN */
    uint8_t csr[ACME5G_SHARED_CSR_MAX];
    size_t csr_len;
} acme5g_shared_request;

/* Shared client side: accept one NF on the connected socket `handle`.
 *
 * Runs a TLS 1.2 server handshake with our certificate
 * (acme5g_set_own_cert()), requiring a client certificate that chains to
 * this context's trust anchors (the operator's bootstrap CA, added with
 * acme5g_add_trust_anchors_pem()); reads one request.  Everything within
 * timeout_s.  On ACME5G_OK the connection stays open for
 * acme5g_shared_respond().  The request must end with its body: after it,
 * 100 ms are given to more bytes; blank
 * line ends (CR, LF) are ignored, anything else (a body longer than its
 * Content-Length, a pipelined second request) is ACME5G_ERR_HTTP.
 * Errors: ACME5G_ERR_TLS* (no or untrusted
 * client certificate: BearSSL code in acme5g_last_tls_error()),
 * ACME5G_ERR_HTTP (not a POST of application/pkcs10 with a length),
 * ACME5G_ERR_BODY_TOO_LARGE (CSR over ACME5G_SHARED_CSR_MAX), timeouts.
 * The caller closes `handle`. */
int acme5g_shared_accept(acme5g_ctx *ctx, int handle, uint32_t timeout_s,
                         acme5g_shared_request *request);

/* Shared client side: bound the TLS handshake of every later
 * acme5g_shared_accept() on this context to `timeout_ms` (0: the accept's
 * whole timeout, the default), so that a connection that never
 * authenticates is dropped early.  The request must then be complete within
 * the accept's timeout, counted from the accept's start. */
void acme5g_shared_set_handshake_timeout(acme5g_ctx *ctx, uint32_t timeout_ms);

/* Shared client side: answer the accepted NF and end the TLS session.
 * The answer gets the accept's timeout_s afresh (the ACME work between
 * accept and respond does not eat into it).  Request bytes the NF sent
 * after its request (read or not) are discarded first, so the answer can
 * always be written.
 * With a chain (PEM) and status 200, or a problem: status 4xx/5xx, type
 * (a token appended to "urn:acme5g:error:") and detail (escaped here). */
int acme5g_shared_respond(acme5g_ctx *ctx, int http_status, const char *chain_pem,
                          size_t chain_len, const char *problem_type, const char *detail);

/* ------------------------------------------------------------------------
 * Renewal policy (TR 33.776 solution #9): pure functions, no I/O, so
 * firmware can sleep until the next action and tests can drive them with
 * a fake clock.
 * ---------------------------------------------------------------------- */
typedef struct acme5g_policy {
    uint32_t renew_permille;  /* renew when this share (1..1000) of the lifetime
                                 has passed; default 667 (2/3) */
    uint32_t renew_before_s;  /* or this long before notAfter, whichever
                                 comes first; 0 = not used */
    uint32_t jitter_s;        /* renew up to this much earlier, a different
                                 amount per device (spreads a fleet); default 0 */
    uint32_t retry_min_s;     /* first wait after a failed attempt; default 60 */
    uint32_t retry_max_s;     /* longest wait between attempts; default 21600 */
} acme5g_policy;

/* What the caller keeps between decisions (in its own storage). */
typedef struct acme5g_policy_state {
    int64_t last_failure_s;   /* time of the last failed attempt; 0 = none */
    uint32_t failures;        /* failed attempts since the last success */
    uint32_t jitter_seed;     /* a random number drawn once per device */
} acme5g_policy_state;

typedef enum acme5g_renew_reason {
    ACME5G_REASON_LIFETIME = 1,    /* the configured share of the lifetime */
    ACME5G_REASON_BEFORE_EXPIRY,   /* renew_before_s before notAfter */
    ACME5G_REASON_EXPIRED,         /* the certificate has expired */
    ACME5G_REASON_BACKOFF,         /* spacing after a failed attempt */
    ACME5G_REASON_ARI,             /* the server's renewal window (RFC 9773); set by
                                      callers that use acme5g_ari_next() */
    ACME5G_REASON_REVOKED,         /* the certificate was revoked (acme5g_renewal_decide) */
    ACME5G_REASON_NO_CERT          /* no usable certificate is stored (idem) */
} acme5g_renew_reason;

/* The policy's defaults (see the fields). */
void acme5g_policy_default(acme5g_policy *policy);

/* When to renew a certificate valid from not_before_s to not_after_s.
 *
 * Sets *when_s to the time of the next attempt (<= now_s means "now") and
 * *reason to what set that time.  The due time is the earlier of the lifetime share and
 * renew_before_s, moved earlier by (jitter_seed mod jitter_s), never
 * before notBefore.  After failures, attempts are spaced by retry_min_s
 * doubling per failure up to retry_max_s, but never pushed past notAfter.
 * A last_failure_s after now_s (recorded while the clock was ahead) is
 * ignored, and a clock more than a lifetime before notBefore waits the
 * policy's interval (due - notBefore) counted from now: a wrong clock
 * never stalls renewal.
 *
 * Returns ACME5G_OK (the renewal is due when *when_s <= now_s), or
 * ACME5G_ERR_ARG when the dates or the policy make no sense (nothing set). */
int acme5g_policy_next(const acme5g_policy *policy, int64_t not_before_s, int64_t not_after_s,
                       const acme5g_policy_state *state, int64_t now_s,
                       int64_t *when_s, acme5g_renew_reason *reason);

/* ACME Renewal Information (RFC 9773), where the directory offers
 * `renewalInfo`: the server's suggested renewal window for the stored
 * certificate. */
typedef struct acme5g_renewal_window {
    int64_t start_s, end_s;        /* Unix seconds; end > start */
    int32_t retry_after_s;         /* ask again after this long (60..86400; 21600 when
                                      the server gave none) */
    char explanation_url[ACME5G_URL_MAX]; /* may be empty */
} acme5g_renewal_window;

/* The whole renewal decision, for a CLI and for firmware alike: pure, no
 * I/O.  cert: the stored certificate (only its dates are used), or NULL
 * when none is stored or it cannot be parsed.  revoked: the caller revoked
 * it.  ari: the server's window for it (acme5g_renewal_info()), or NULL.
 *
 *   - no certificate, or a revoked one: due now (ACME5G_REASON_NO_CERT,
 *     _REVOKED);
 *   - an ARI window while the certificate is valid: a time inside it drawn
 *     with state->jitter_seed (acme5g_ari_next()), but no later than now +
 *     ari->retry_after_s (ask again then) (ACME5G_REASON_ARI);
 *   - else acme5g_policy_next().
 * After failures the next attempt waits the backoff counted from the last
 * failure (never from a failure time in the future: a wrong clock never
 * stalls renewal), and a still valid certificate is retried at its notAfter
 * at the latest.
 *
 * Sets *when_s (<= now_s: now) and *reason; returns 1 when due now, 0 when
 * later, -ACME5G_ERR_ARG for a bad policy or dates. */
int acme5g_renewal_decide(const acme5g_policy *policy, const acme5g_cert_summary *cert,
                          int revoked, const acme5g_renewal_window *ari,
                          const acme5g_policy_state *state, int64_t now_s, int64_t *when_s,
                          acme5g_renew_reason *reason);

/* Fetch the renewal window for the stored certificate (ACME5G_STORE_CERT).
 *
 * GET directory, then an unauthenticated GET of renewalInfo/<certID>
 * (certID = base64url(AKI keyIdentifier) "." base64url(serial)).  No
 * account is needed.  acme5g_renew() also sends that certID as
 * `replaces` in its newOrder whenever the directory offers renewalInfo.
 *
 * Returns ACME5G_OK with *window filled; ACME5G_ERR_NOT_FOUND when the
 * directory has no renewalInfo (the local policy alone decides) or nothing
 * is stored; ACME5G_ERR_CERT when the certificate has no AKI keyIdentifier;
 * ACME5G_ERR_JSON_FIELD for a window whose end is not after its start
 * (RFC 9773: treat as no answer); ACME5G_ERR_PROBLEM / _HTTP_STATUS when the
 * server refuses (then retry after window->retry_after_s, 6 h). */
int acme5g_renewal_info(acme5g_ctx *ctx, const char *directory_url, uint32_t timeout_s,
                        acme5g_renewal_window *window);

/* When to renew inside an ARI window: start + (random mod (end - start)),
 * a uniform time for a uniform `random` (draw it once per window).  Sets
 * *when_s (due when it is now or past) and returns ACME5G_OK, or
 * ACME5G_ERR_ARG for an empty window. */
int acme5g_ari_next(const acme5g_renewal_window *window, uint32_t random, int64_t *when_s);

/* Parse a PEM certificate chain (leaf first) and describe its leaf.
 * Pure: no port call, no context.  Returns ACME5G_OK or ACME5G_ERR_CERT. */
int acme5g_cert_info(const char *pem, size_t len, acme5g_cert_summary *info);

/* The last error of a call on this context (as returned). */
int acme5g_last_error(const acme5g_ctx *ctx);

/* BearSSL's error code (BR_ERR_*) when the last error was a TLS one, else 0. */
int acme5g_last_tls_error(const acme5g_ctx *ctx);

/* The last problem document (see acme5g_problem); type[0] == 0 when the
 * last error did not come with one.  Valid until the next call. */
const acme5g_problem *acme5g_last_problem(const acme5g_ctx *ctx);

/* Wipe the whole context (keys included); acme5g_init() is needed again. */
void acme5g_wipe(acme5g_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* ACME5G_H */
