// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the acme5g authors

// Command nf-ta is the Token Authority test fixture of acme5g's NF profile
// (README.md, "NF profile", the token request): an HTTPS server that requires a client
// certificate chaining to -client-ca and issues an Authority Token (ES256
// JWT, RFC 9447 "atc") only for the UUID of that certificate's URI SAN
// urn:uuid:<uuid>.
//
//	POST <any path> {"atc":{"tktype":"NfInstanceId","tkvalue":"<uuid>","ca":false,"fingerprint":"SHA256 .."}}
//	-> 200 {"status":"success","token":"<JWT>"}
//	-> 403/400 {"status":"error","message":".."}
//
// -mode makes it misbehave on purpose; -log writes one line per request.
// Standard library only.
package main

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"acme5g.test/nf/token"
)

var (
	listen     = flag.String("listen", "127.0.0.1:0", "address to listen on (port 0: any free port, see -port-file)")
	portFile   = flag.String("port-file", "", "write the port listened on to this file once ready")
	certFile   = flag.String("cert", "", "server certificate (PEM)")
	keyFile    = flag.String("key", "", "server key (PEM)")
	clientCA   = flag.String("client-ca", "", "CA (PEM) client certificates must chain to")
	signKey    = flag.String("sign-key", "", "EC P-256 private key (PEM) that signs the tokens")
	iss        = flag.String("iss", "https://ta.invalid/at/token", "iss claim of the tokens")
	ttl        = flag.Int("ttl", 300, "token lifetime, seconds")
	mode       = flag.String("mode", "normal", "normal|expired|wrong-uuid|wrong-fingerprint|garbage|replay|reject")
	stall      = flag.Int("stall", 0, "seconds to wait before answering")
	stallFirst = flag.Int("stall-first", 0, "stall only the first N requests (0: all)")
	logFile    = flag.String("log", "", "append one line per request: time, client cert URI, outcome")
)

type server struct {
	key       *ecdsa.PrivateKey
	mu        sync.Mutex
	requests  int
	firstTok  string // mode replay: the token every response repeats
	logWriter *os.File
}

func main() {
	flag.Parse()
	switch *mode {
	case "normal", "expired", "wrong-uuid", "wrong-fingerprint", "garbage", "replay", "reject":
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
	key, err := token.ReadKey(*signKey)
	if err != nil {
		log.Fatal(err)
	}
	s := &server{key: key}
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			log.Fatal(err)
		}
		s.logWriter = f
	}
	caPEM, err := os.ReadFile(*clientCA)
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		log.Fatalf("%s: no certificate", *clientCA)
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	if *portFile != "" {
		port := ln.Addr().(*net.TCPAddr).Port
		if err := os.WriteFile(*portFile, []byte(fmt.Sprintf("%d\n", port)), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	srv := &http.Server{
		Handler: s,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    pool,
		},
	}
	log.Printf("nf-ta: listening on %s, mode %s", ln.Addr(), *mode)
	log.Fatal(srv.ServeTLS(ln, "", ""))
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	n := s.requests
	s.mu.Unlock()
	if *stall > 0 && (*stallFirst == 0 || n <= *stallFirst) {
		time.Sleep(time.Duration(*stall) * time.Second)
	}
	uuid := ""
	if len(r.TLS.PeerCertificates) > 0 {
		for _, u := range r.TLS.PeerCertificates[0].URIs {
			if u.Scheme == "urn" && strings.HasPrefix(u.Opaque, "uuid:") {
				uuid = strings.TrimPrefix(u.Opaque, "uuid:")
			}
		}
	}
	status, reply, outcome := s.answer(r, uuid)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(reply)
	if s.logWriter != nil {
		client := "-"
		if uuid != "" {
			client = "urn:uuid:" + uuid
		}
		s.mu.Lock()
		fmt.Fprintf(s.logWriter, "%s %s %d %s\n", time.Now().UTC().Format(time.RFC3339), client, status, outcome)
		s.mu.Unlock()
	}
}

func refusal(status int, msg string) (int, interface{}, string) {
	return status, map[string]string{"status": "error", "message": msg}, msg
}

func (s *server) answer(r *http.Request, uuid string) (int, interface{}, string) {
	if *mode == "reject" {
		return refusal(http.StatusForbidden, "rejected (mode reject)")
	}
	if uuid == "" {
		return refusal(http.StatusForbidden, "client certificate has no URI SAN urn:uuid:")
	}
	var req struct {
		Atc *token.Atc `json:"atc"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil || req.Atc == nil ||
		req.Atc.Tktype != "NfInstanceId" || req.Atc.Fingerprint == "" {
		return refusal(http.StatusBadRequest, "malformed token request")
	}
	if req.Atc.Tkvalue != uuid {
		return refusal(http.StatusForbidden, "certificate not allowed UUID "+req.Atc.Tkvalue)
	}
	claims := *req.Atc
	claims.CA = false
	exp := time.Now().Unix() + int64(*ttl)
	switch *mode {
	case "expired":
		exp = time.Now().Unix() - 60
	case "wrong-uuid":
		claims.Tkvalue = "00000000-0000-4000-8000-000000000000"
	case "wrong-fingerprint":
		claims.Fingerprint = "SHA256 " + strings.Repeat("00:", 31) + "00"
	case "garbage":
		return http.StatusOK, map[string]string{"status": "success", "token": "garbage.not-a.jwt"}, "garbage"
	}
	tok, err := token.Authority(s.key, token.Claims{Iss: *iss, Exp: exp, Jti: token.NewJTI(), Atc: claims})
	if err != nil {
		return refusal(http.StatusInternalServerError, err.Error())
	}
	if *mode == "replay" {
		s.mu.Lock()
		if s.firstTok == "" {
			s.firstTok = tok
		}
		tok = s.firstTok
		s.mu.Unlock()
	}
	return http.StatusOK, map[string]string{"status": "success", "token": tok}, "token for " + uuid
}
