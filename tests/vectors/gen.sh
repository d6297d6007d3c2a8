#!/bin/sh
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the acme5g authors
# Regenerate the known answers in this directory with independent tools
# (openssl, python3 standard library).  Run from anywhere; the committed
# files are what tests/unit.c reads.  Keys and certificates are fresh on
# every run, so the expected values are recomputed alongside them.
set -eu
cd "$(dirname "$0")"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# --- base64url (RFC 4648 section 10 cases, then random data) -------------
python3 - >b64u.txt <<'PY'
import base64, os
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b'=').decode()
print("# hex-of-input base64url-without-padding ('-' = empty)")
for s in [b"", b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"]:
    print(s.hex() or "-", b64u(s) or "-")
for n in list(range(1, 70)) + [255, 256, 257, 1000]:
    b = os.urandom(n)
    print(b.hex(), b64u(b))
PY

# --- EC keys --------------------------------------------------------------
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out ec-p256-pkcs8.pem
openssl ec -in ec-p256-pkcs8.pem -out ec-p256-sec1.pem 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out ec-p384-pkcs8.pem
openssl ecparam -name secp521r1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out ec-p521-pkcs8.pem
# the uncompressed public point is the last 65 bytes of the SPKI DER
openssl ec -in ec-p256-pkcs8.pem -pubout -outform DER 2>/dev/null | tail -c 65 >"$TMP/pub.bin"
python3 - "$TMP/pub.bin" >ec-p256-jwk.txt <<'PY'
import base64, hashlib, sys
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b'=').decode()
q = open(sys.argv[1], 'rb').read()
assert len(q) == 65 and q[0] == 4
jwk = '{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}' % (b64u(q[1:33]), b64u(q[33:]))
print("pub", q.hex())
print("jwk", jwk)
print("thumbprint", b64u(hashlib.sha256(jwk.encode()).digest()))
PY
openssl ec -in ec-p384-pkcs8.pem -pubout -outform DER 2>/dev/null | tail -c 97 >"$TMP/pub384.bin"
python3 - "$TMP/pub384.bin" >ec-p384-jwk.txt <<'PY'
import base64, hashlib, sys
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b'=').decode()
q = open(sys.argv[1], 'rb').read()
assert len(q) == 97 and q[0] == 4
jwk = '{"crv":"P-384","kty":"EC","x":"%s","y":"%s"}' % (b64u(q[1:49]), b64u(q[49:]))
print("pub", q.hex())
print("jwk", jwk)
print("thumbprint", b64u(hashlib.sha256(jwk.encode()).digest()))
PY

# --- a test CA, a leaf with known names/serial/dates, a TLS server cert ---
mkdir -p "$TMP/ca/newcerts"
: >"$TMP/ca/index.txt"
cat >"$TMP/ca.cnf" <<CNF
[ ca ]
default_ca = testca
[ testca ]
dir = $TMP/ca
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir/newcerts
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
countryName = optional
organizationName = optional
commonName = optional
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:a.example, DNS:b.example, IP:192.0.2.1, IP:2001:db8::1
[ v3_tls ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
CNF
openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem
openssl req -new -key ca-key.pem -subj "/C=XX/O=acme5g/CN=acme5g Test CA" -out "$TMP/ca.csr"
echo 01 >"$TMP/ca/serial"
openssl ca -batch -config "$TMP/ca.cnf" -selfsign -keyfile ca-key.pem -in "$TMP/ca.csr" \
    -extensions v3_ca -startdate 20240101000000Z -enddate 20491231235959Z -notext -out ca.pem \
    2>/dev/null

openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/leaf-key.pem"
openssl req -new -key "$TMP/leaf-key.pem" -subj "/CN=a.example" -out "$TMP/leaf.csr"
echo 1A2B3C4D5E6F7788 >"$TMP/ca/serial"
openssl ca -batch -config "$TMP/ca.cnf" -cert ca.pem -keyfile ca-key.pem -in "$TMP/leaf.csr" \
    -extensions v3_leaf -startdate 20250101000000Z -enddate 20500101000000Z -notext \
    -out cert.pem 2>/dev/null
cat cert.pem ca.pem >chain.pem

openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out localhost-key.pem
openssl req -new -key localhost-key.pem -subj "/CN=localhost" -out "$TMP/tls.csr"
echo 02 >"$TMP/ca/serial"
openssl ca -batch -config "$TMP/ca.cnf" -cert ca.pem -keyfile ca-key.pem -in "$TMP/tls.csr" \
    -extensions v3_tls -startdate 20250101000000Z -enddate 20491231235959Z -notext \
    -out localhost.pem 2>/dev/null

# a leaf whose SAN list is longer than acme5g_cert_summary.names (512) and
# whose serial has the top bit set (DER adds a 00 byte)
gen_many() {
    sans=$(python3 -c 'print(", ".join("DNS:host-%02d.a-rather-long-domain-name.example" % i for i in range(30)))')
    printf '[ v3_many ]\nbasicConstraints = critical, CA:FALSE\nsubjectAltName = %s\n' "$sans" >>"$TMP/ca.cnf"
    openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/many-key.pem"
    openssl req -new -key "$TMP/many-key.pem" -subj "/CN=host-00.a-rather-long-domain-name.example" \
        -out "$TMP/many.csr"
    echo 8A2B3C4D5E6F7788 >"$TMP/ca/serial"
    openssl ca -batch -config "$TMP/ca.cnf" -cert ca.pem -keyfile ca-key.pem -in "$TMP/many.csr" \
        -extensions v3_many -startdate 20250101000000Z -enddate 20350101000000Z -notext \
        -out cert-many-sans.pem 2>/dev/null
    {
        openssl x509 -in cert-many-sans.pem -noout -serial | sed 's/^serial=/serial /'
        openssl x509 -in cert-many-sans.pem -noout -ext subjectAltName | tail -n +2 |
            sed 's/^ */names /'
    } >cert-many-sans-expected.txt
}
gen_many

# --- what openssl says about cert.pem -------------------------------------
openssl x509 -in cert.pem -noout -pubkey | openssl ec -pubin -outform DER 2>/dev/null | tail -c 65 >"$TMP/cpub.bin"
{
    openssl x509 -in cert.pem -noout -serial
    openssl x509 -in cert.pem -noout -dates
    openssl x509 -in cert.pem -noout -issuer -nameopt RFC2253
    openssl x509 -in cert.pem -noout -ext subjectAltName | tail -n +2
} >"$TMP/facts.txt"
python3 - "$TMP/facts.txt" "$TMP/cpub.bin" >cert-expected.txt <<'PY'
import calendar, ipaddress, sys, time
facts = open(sys.argv[1]).read().splitlines()
kv = dict(l.split('=', 1) for l in facts if '=' in l and not l.startswith(' '))
def epoch(s): return calendar.timegm(time.strptime(s, "%b %d %H:%M:%S %Y %Z"))
san = [l.strip() for l in facts if l.startswith(' ')][0]
names = ", ".join(x.strip().replace("IP Address:", "IP:") for x in san.split(","))
# RFC2253 lists the RDNs last-first; acme5g prints them in DER order
issuer = ", ".join(reversed(kv["issuer"].split(",")))
print("serial", kv["serial"])
print("not_before", epoch(kv["notBefore"]))
print("not_after", epoch(kv["notAfter"]))
print("issuer", issuer)
print("names_openssl", names)
# the same list with IPv6 in RFC 5952 text (python's ipaddress)
import ipaddress
def canon(x):
    return "IP:" + ipaddress.ip_address(x[3:]).compressed if x.startswith("IP:") else x
print("names", ", ".join(canon(x) for x in names.split(", ")))
print("spki_point", open(sys.argv[2], 'rb').read().hex())
PY
rm -f "$TMP"/*.pem
echo "vectors regenerated"
