// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the acme5g authors

// Command nf-probe is a minimal ACME client (standard library only) that
// proves the NF-profile Pebble's decisions independently of acme5g: it
// makes an account (P-256), orders one NfInstanceId, answers the tkauth-01
// challenge with a token it is given, gets from the Token Authority, or
// mints itself (the TA's key, -sign-key), and prints what the server says:
//
//	challenge 1: valid
//	challenge 2: invalid: urn:ietf:params:acme:error:unauthorized: token replayed ..
//
// Exit status 0 only when every challenge (and -finalize) succeeded.
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"acme5g.test/nf/token"
)

var (
	dirURL  = flag.String("dir", "", "ACME directory URL")
	caFile  = flag.String("ca", "", "CA (PEM) of the ACME server's TLS certificate")
	uuid    = flag.String("uuid", "", "NfInstanceId to order")
	uses    = flag.Int("uses", 1, "orders (each with a fresh authz) answered with a token; the token is reused unless it comes from the TA")
	newAuth = flag.Bool("new-authz", false, "create the authz with newAuthz first; the order must reuse it")

	tokFlag = flag.String("token", "", "the token to send")
	taURL   = flag.String("ta-url", "", "get the token from this Token Authority URL")
	taCert  = flag.String("ta-cert", "", "client certificate for the TA (empty: none)")
	taKey   = flag.String("ta-key", "", "client key for the TA")
	taCA    = flag.String("ta-ca", "", "CA (PEM) of the TA's server certificate")

	signKey   = flag.String("sign-key", "", "mint the token with this key (the TA's)")
	mintUUID  = flag.String("mint-uuid", "", "minted tkvalue (default: -uuid)")
	mintExp   = flag.Int("mint-exp", 300, "minted exp, seconds from now (negative: expired)")
	mintOther = flag.Bool("mint-other-key", false, "minted fingerprint is another account key's")
	mintJTI   = flag.String("mint-jti", "", "minted jti (default: random)")

	finalize = flag.Bool("finalize", false, "finalize (CSR with URI SAN -csr-uri) and fetch the certificate")
	csrURI   = flag.String("csr-uri", "", "URI SAN of the CSR (default: urn:uuid:<uuid>)")
	certOut  = flag.String("cert-out", "", "write the certificate chain (PEM) here")
	timeout  = flag.Duration("timeout", 10*time.Second, "how long to poll")

	answerAfter = flag.Duration("answer-after", 0, "wait this long before answering the challenge")
	tokenOut    = flag.String("token-out", "", "write the (last) token sent here")
	keyOut      = flag.String("account-key-out", "", "write the account key (PEM) here")
)

type problem struct {
	Type   string `json:"type"`
	Detail string `json:"detail"`
}

func (p *problem) String() string { return p.Type + ": " + p.Detail }

type client struct {
	http  *http.Client
	dir   map[string]interface{}
	key   *ecdsa.PrivateKey
	kid   string
	nonce string
}

func fail(format string, args ...interface{}) {
	fmt.Printf(format+"\n", args...)
	os.Exit(1)
}

func main() {
	flag.Parse()
	if *dirURL == "" || *uuid == "" {
		fail("usage: nf-probe -dir URL -ca FILE -uuid UUID [-token T | -ta-url .. | -sign-key ..] ...")
	}
	c := newClient()
	if *keyOut != "" {
		der, _ := x509.MarshalPKCS8PrivateKey(c.key)
		if err := os.WriteFile(*keyOut, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			fail("%s", err)
		}
	}
	if _, _, prob := c.post(c.url("newAccount"), map[string]bool{"termsOfServiceAgreed": true}); prob != nil {
		fail("newAccount refused: %s", prob)
	}
	ident := map[string]string{"type": "NfInstanceId", "value": *uuid}
	tok := *tokFlag
	if *signKey != "" {
		tok = mint(c)
	}
	ok := true
	var orderURL string
	for i := 1; i <= *uses; i++ {
		authzURL := ""
		if *newAuth {
			resp, _, prob := c.post(c.url("newAuthz"), map[string]interface{}{"identifier": ident})
			if prob != nil {
				fail("newAuthz refused: %s", prob)
			}
			authzURL = resp.Header.Get("Location")
		}
		resp, body, prob := c.post(c.url("newOrder"), map[string]interface{}{"identifiers": []interface{}{ident}})
		if prob != nil {
			fail("newOrder refused: %s", prob)
		}
		orderURL = resp.Header.Get("Location")
		var order struct{ Authorizations []string }
		_ = json.Unmarshal(body, &order)
		if len(order.Authorizations) != 1 {
			fail("order has %d authorizations", len(order.Authorizations))
		}
		if authzURL != "" && order.Authorizations[0] != authzURL {
			fail("the order does not reuse the newAuthz authorization")
		}
		authzURL = order.Authorizations[0]
		if *taURL != "" {
			tok = fromTA(c)
		}
		if *tokenOut != "" {
			if err := os.WriteFile(*tokenOut, []byte(tok+"\n"), 0o644); err != nil {
				fail("%s", err)
			}
		}
		if !c.answer(i, authzURL, tok) {
			ok = false
		}
	}
	if ok && *finalize {
		ok = c.finalize(orderURL)
	}
	if !ok {
		os.Exit(1)
	}
}

func newClient() *client {
	pool := x509.NewCertPool()
	if pemData, err := os.ReadFile(*caFile); err != nil || !pool.AppendCertsFromPEM(pemData) {
		fail("cannot read the CA %s", *caFile)
	}
	c := &client{
		http: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool}}},
		key: token.NewKey(),
	}
	resp, err := c.http.Get(*dirURL)
	if err != nil {
		fail("directory: %s", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&c.dir); err != nil {
		fail("directory: %s", err)
	}
	return c
}

func (c *client) url(name string) string {
	u, _ := c.dir[name].(string)
	if u == "" {
		fail("directory has no %q", name)
	}
	return u
}

// post sends a JWS (payload nil: POST-as-GET), retrying on badNonce.
func (c *client) post(url string, payload interface{}) (*http.Response, []byte, *problem) {
	body := []byte{}
	if payload != nil {
		body, _ = json.Marshal(payload)
	}
	for try := 0; ; try++ {
		if c.nonce == "" {
			resp, err := c.http.Head(c.url("newNonce"))
			if err != nil {
				fail("newNonce: %s", err)
			}
			resp.Body.Close()
			c.nonce = resp.Header.Get("Replay-Nonce")
		}
		auth := `"jwk":` + token.JWK(&c.key.PublicKey)
		if c.kid != "" {
			auth = fmt.Sprintf(`"kid":%q`, c.kid)
		}
		header := fmt.Sprintf(`{"alg":"ES256","nonce":%q,"url":%q,%s}`, c.nonce, url, auth)
		jws, err := token.Sign(c.key, header, body)
		if err != nil {
			fail("sign: %s", err)
		}
		p := strings.Split(jws, ".")
		flat, _ := json.Marshal(map[string]string{"protected": p[0], "payload": p[1], "signature": p[2]})
		resp, err := c.http.Post(url, "application/jose+json", bytes.NewReader(flat))
		if err != nil {
			fail("POST %s: %s", url, err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.nonce = resp.Header.Get("Replay-Nonce")
		if resp.StatusCode < 300 {
			if c.kid == "" {
				c.kid = resp.Header.Get("Location") // newAccount
			}
			return resp, data, nil
		}
		prob := &problem{}
		_ = json.Unmarshal(data, prob)
		if prob.Type != "urn:ietf:params:acme:error:badNonce" || try >= 5 {
			return resp, data, prob
		}
	}
}

type authz struct {
	Status     string
	Challenges []struct {
		Type           string
		URL            string
		Status         string
		TkauthType     string   `json:"tkauth-type"`
		TokenAuthority string   `json:"token-authority"`
		Error          *problem `json:"error"`
	}
}

func (c *client) getAuthz(u string) authz {
	var a authz
	_, body, prob := c.post(u, nil)
	if prob != nil {
		fail("authorization: %s", prob)
	}
	_ = json.Unmarshal(body, &a)
	return a
}

// answer POSTs the token to the authz's tkauth-01 challenge and reports.
func (c *client) answer(i int, authzURL, tok string) bool {
	a := c.getAuthz(authzURL)
	if a.Status == "valid" {
		fmt.Printf("challenge %d: valid (authorization valid without challenge)\n", i)
		return true
	}
	if len(a.Challenges) != 1 || a.Challenges[0].Type != "tkauth-01" {
		fail("authorization does not offer exactly one tkauth-01 challenge")
	}
	ch := a.Challenges[0]
	fmt.Printf("challenge %d: tkauth-type %s, token-authority %s\n", i, ch.TkauthType, ch.TokenAuthority)
	time.Sleep(*answerAfter)
	if _, _, prob := c.post(ch.URL, map[string]string{"tkauth": tok}); prob != nil {
		fmt.Printf("challenge %d: refused: %s\n", i, prob)
		fmt.Printf("authorization %d: %s\n", i, c.getAuthz(authzURL).Status)
		return false
	}
	for end := time.Now().Add(*timeout); a.Status == "pending" && time.Now().Before(end); {
		time.Sleep(200 * time.Millisecond)
		a = c.getAuthz(authzURL)
	}
	for _, ch := range a.Challenges {
		if ch.Error != nil {
			fmt.Printf("challenge %d: %s: %s\n", i, ch.Status, ch.Error)
		} else {
			fmt.Printf("challenge %d: %s\n", i, ch.Status)
		}
	}
	fmt.Printf("authorization %d: %s\n", i, a.Status)
	return a.Status == "valid"
}

func mint(c *client) string {
	key, err := token.ReadKey(*signKey)
	if err != nil {
		fail("%s", err)
	}
	claims := token.Claims{Iss: "nf-probe", Exp: time.Now().Unix() + int64(*mintExp), Jti: *mintJTI,
		Atc: token.Atc{Tktype: "NfInstanceId", Tkvalue: *mintUUID, Fingerprint: token.Fingerprint(&c.key.PublicKey)}}
	if claims.Jti == "" {
		claims.Jti = token.NewJTI()
	}
	if claims.Atc.Tkvalue == "" {
		claims.Atc.Tkvalue = *uuid
	}
	if *mintOther {
		claims.Atc.Fingerprint = token.Fingerprint(&token.NewKey().PublicKey)
	}
	tok, err := token.Authority(key, claims)
	if err != nil {
		fail("mint: %s", err)
	}
	return tok
}

// fromTA asks the Token Authority for a token (mutual TLS).
func fromTA(c *client) string {
	cfg := &tls.Config{RootCAs: x509.NewCertPool()}
	if pemData, err := os.ReadFile(*taCA); err != nil || !cfg.RootCAs.AppendCertsFromPEM(pemData) {
		fail("cannot read the TA CA %s", *taCA)
	}
	if *taCert != "" {
		cert, err := tls.LoadX509KeyPair(*taCert, *taKey)
		if err != nil {
			fail("TA client certificate: %s", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	req, _ := json.Marshal(map[string]token.Atc{"atc": {Tktype: "NfInstanceId", Tkvalue: *uuid,
		Fingerprint: token.Fingerprint(&c.key.PublicKey)}})
	hc := &http.Client{Timeout: *timeout, Transport: &http.Transport{TLSClientConfig: cfg}}
	resp, err := hc.Post(*taURL, "application/json", bytes.NewReader(req))
	if err != nil {
		fail("TA request failed: %s", err)
	}
	defer resp.Body.Close()
	var reply struct{ Status, Token, Message string }
	_ = json.NewDecoder(resp.Body).Decode(&reply)
	if resp.StatusCode != http.StatusOK {
		fail("TA refused: %d %s", resp.StatusCode, reply.Message)
	}
	return reply.Token
}

// finalize sends a CSR for the URI SAN, polls the order, saves the chain.
func (c *client) finalize(orderURL string) bool {
	uri := *csrURI
	if uri == "" {
		uri = "urn:uuid:" + *uuid
	}
	u, err := url.Parse(uri)
	if err != nil {
		fail("-csr-uri: %s", err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{URIs: []*url.URL{u}}, token.NewKey())
	if err != nil {
		fail("CSR: %s", err)
	}
	var order struct{ Status, Finalize, Certificate string }
	_, body, _ := c.post(orderURL, nil)
	_ = json.Unmarshal(body, &order)
	if _, _, prob := c.post(order.Finalize, map[string]string{"csr": base64.RawURLEncoding.EncodeToString(der)}); prob != nil {
		fmt.Printf("finalize: refused: %s\n", prob)
		return false
	}
	for end := time.Now().Add(*timeout); order.Status != "valid" && order.Status != "invalid" && time.Now().Before(end); {
		time.Sleep(200 * time.Millisecond)
		_, body, _ = c.post(orderURL, nil)
		_ = json.Unmarshal(body, &order)
	}
	fmt.Printf("order: %s\n", order.Status)
	if order.Status != "valid" {
		return false
	}
	_, chain, prob := c.post(order.Certificate, nil)
	if prob != nil {
		fmt.Printf("certificate: %s\n", prob)
		return false
	}
	if block, _ := pem.Decode(chain); block == nil {
		fmt.Println("certificate: not PEM")
		return false
	}
	if *certOut != "" {
		if err := os.WriteFile(*certOut, chain, 0o644); err != nil {
			fail("%s", err)
		}
	}
	fmt.Println("certificate: issued")
	return true
}
