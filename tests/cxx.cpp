/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 the acme5g authors */
/*
 * tests/cxx.cpp -- acme5g from C++ (tests/cxx.sh builds it with g++ and
 * clang++, -std=c++11, and links it with acme5g.c and the POSIX port
 * and port/acme5g_baremetal.c compiled as C).  It proves that acme5g.h and
 * both port headers can be included by C++ and that their functions link
 * with C names: init with the POSIX port and with the bare-metal one,
 * strerror, the renewal policy, a CSR parse, a certificate summary and the
 * accessors.
 *
 *   build/cxx-g++ CSR.der CERT.pem STATE_DIR
 */
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "acme5g.h"
#include "acme5g_baremetal.h"
#include "acme5g_posix.h"

namespace {

int passed = 0, failed = 0;

void check(bool ok, const std::string &what)
{
    std::printf("%s - %s\n", ok ? "ok" : "FAIL", what.c_str());
    (ok ? passed : failed)++;
}

std::vector<char> slurp(const char *path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<char>(std::istreambuf_iterator<char>(in),
                             std::istreambuf_iterator<char>());
}

acme5g_ctx ctx; /* large: static storage, as a firmware would */

uint32_t ticks(void *) { return 1234; }

} // namespace

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s CSR.der CERT.pem STATE_DIR\n", argv[0]);
        return 2;
    }

    acme5g_posix posix;
    acme5g_port port;
    acme5g_posix_port(&posix, argv[3], -1, &port);
    check(acme5g_init(&ctx, &port) == ACME5G_OK, "acme5g_init with the POSIX port");
    check(acme5g_last_error(&ctx) == ACME5G_OK, "acme5g_last_error after init is ACME5G_OK");
    check(acme5g_last_problem(&ctx) != nullptr, "acme5g_last_problem returns the record");

    acme5g_port none;
    std::memset(&none, 0, sizeof(none));
    check(acme5g_init(&ctx, &none) == ACME5G_ERR_ARG, "acme5g_init refuses a port without functions");

    static acme5g_baremetal bm;
    acme5g_port bm_port;
    bm.ticks = ticks;
    bm.tick_hz = 1000;
    acme5g_baremetal_port(&bm, &bm_port);
    acme5g_baremetal_set_time(&bm, 1800000000);
    check(bm_port.user == &bm && acme5g_init(&ctx, &bm_port) == ACME5G_OK &&
              bm_port.now_s(bm_port.user) == 1800000000,
          "acme5g_init with the bare-metal port, its wall clock set");

    std::string msg = acme5g_strerror(ACME5G_ERR_ARG);
    check(!msg.empty(), "acme5g_strerror(ACME5G_ERR_ARG): \"" + msg + "\"");

    acme5g_policy policy;
    acme5g_policy_default(&policy);
    acme5g_policy_state state = acme5g_policy_state();
    int64_t when = 0;
    acme5g_renew_reason reason = ACME5G_REASON_LIFETIME;
    const int64_t nb = 1700000000, na = nb + 90 * 86400;
    int rc = acme5g_policy_next(&policy, nb, na, &state, nb + 86400, &when, &reason);
    check(rc == ACME5G_OK && when > nb + 86400 && when < na,
          "acme5g_policy_next: not due one day into 90 days");
    rc = acme5g_policy_next(&policy, nb, na, &state, na + 1, &when, &reason);
    check(rc == ACME5G_OK && when <= na + 1 && reason == ACME5G_REASON_EXPIRED,
          "acme5g_policy_next: due after notAfter");
    rc = acme5g_policy_next(&policy, na, nb, &state, nb, &when, &reason);
    check(rc == ACME5G_ERR_ARG, "acme5g_policy_next: refuses notAfter before notBefore");

    std::vector<char> der = slurp(argv[1]);
    static acme5g_csr csr;
    rc = der.empty() ? -1
        : acme5g_csr_parse(reinterpret_cast<const uint8_t *>(der.data()), der.size(), &csr);
    check(rc == ACME5G_OK && csr.identifier_count > 0,
          "acme5g_csr_parse: " + std::to_string(csr.identifier_count) + " names");

    std::vector<char> pem = slurp(argv[2]);
    acme5g_cert_summary info;
    rc = pem.empty() ? -1 : acme5g_cert_info(pem.data(), pem.size(), &info);
    check(rc == ACME5G_OK && info.not_after_s > info.not_before_s,
          std::string("acme5g_cert_info: ") + (rc == ACME5G_OK ? info.names : "-"));

    acme5g_wipe(&ctx);
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
