// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the acme5g authors

// Package token holds what the NF test fixtures share: ES256 compact JWS
// signing, EC P-256 keys from PEM, and the RFC 7638 JWK thumbprint in the
// "SHA256 AB:CD:.." form of an Authority Token's atc.fingerprint.
package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
)

var b64 = base64.RawURLEncoding.EncodeToString

// ReadKey reads an EC P-256 private key (PKCS#8 or SEC 1 PEM).
func ReadKey(file string) (*ecdsa.PrivateKey, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", file)
	}
	var key interface{}
	if key, err = x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		key, err = x509.ParseECPrivateKey(block.Bytes)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if err != nil || !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%s: not an EC P-256 private key", file)
	}
	return ec, nil
}

// NewKey makes an EC P-256 key.
func NewKey() *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return key
}

// JWK is the canonical (RFC 7638) JSON of a P-256 public key.
func JWK(pub *ecdsa.PublicKey) string {
	x, y := make([]byte, 32), make([]byte, 32)
	pub.X.FillBytes(x)
	pub.Y.FillBytes(y)
	return fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, b64(x), b64(y))
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of the key.
func Thumbprint(pub *ecdsa.PublicKey) []byte {
	sum := sha256.Sum256([]byte(JWK(pub)))
	return sum[:]
}

// Fingerprint is "SHA256 " + the thumbprint as upper-case hex pairs joined by ':'.
func Fingerprint(pub *ecdsa.PublicKey) string {
	pairs := []string{}
	for _, b := range Thumbprint(pub) {
		pairs = append(pairs, fmt.Sprintf("%02X", b))
	}
	return "SHA256 " + strings.Join(pairs, ":")
}

// Sign returns the compact JWS of payload (marshalled to JSON unless it
// is already []byte) with the protected header, ES256: the signature is
// R||S, 32 bytes each.
func Sign(key *ecdsa.PrivateKey, header string, payload interface{}) (string, error) {
	body, ok := payload.([]byte)
	if !ok {
		var err error
		if body, err = json.Marshal(payload); err != nil {
			return "", err
		}
	}
	input := b64([]byte(header)) + "." + b64(body)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64(sig), nil
}

// Claims of an Authority Token for an NfInstanceId.
type Atc struct {
	Tktype      string `json:"tktype"`
	Tkvalue     string `json:"tkvalue"`
	CA          bool   `json:"ca"`
	Fingerprint string `json:"fingerprint"`
}

type Claims struct {
	Iss string `json:"iss"`
	Exp int64  `json:"exp"`
	Jti string `json:"jti"`
	Atc Atc    `json:"atc"`
}

// NewJTI is a random 128-bit hex string.
func NewJTI() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return fmt.Sprintf("%x", b)
}

// Authority signs an Authority Token (header {"alg":"ES256","typ":"JWT"}).
func Authority(key *ecdsa.PrivateKey, claims Claims) (string, error) {
	return Sign(key, `{"alg":"ES256","typ":"JWT"}`, claims)
}
