package nuc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/ocsp"

	"github.com/shepgate/shepgate/adapter/pki"
)

type fixture struct {
	p   *pki.PKI
	n   *NUC
	srv *httptest.Server
	now time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := echo.New()
	e.HideBanner = true
	srv := httptest.NewUnstartedServer(e)
	base := "http://" + srv.Listener.Addr().String()
	now := time.Now().UTC().Truncate(time.Second)
	p, err := pki.Init(pki.Options{Dir: t.TempDir(), BaseURL: base, Now: now, Algorithm: pki.ECDSAP256})
	if err != nil {
		t.Fatal(err)
	}
	n := New(p, Options{Logger: slog.New(slog.DiscardHandler)})
	n.Register(e)
	srv.Start()
	t.Cleanup(srv.Close)
	return &fixture{p: p, n: n, srv: srv, now: now}
}

// request builds an OCSP request for entry name, with nonce when it is not nil.
func (f *fixture) request(t *testing.T, name string, nonce []byte) ([]byte, *x509.Certificate, *x509.Certificate) {
	t.Helper()
	cert, _ := f.p.Cert(name)
	issuer, ok := f.p.Issuer(cert)
	if !ok {
		t.Fatalf("no issuer of %s", name)
	}
	return withNonce(t, cert, issuer, nonce), cert, issuer
}

func withNonce(t *testing.T, cert, issuer *x509.Certificate, nonce []byte) []byte {
	t.Helper()
	der, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	if nonce == nil {
		return der
	}
	var r ocspRequest
	if _, err := asn1.Unmarshal(der, &r); err != nil {
		t.Fatal(err)
	}
	v, _ := asn1.Marshal(nonce)
	r.TBS.Extensions = []pkix.Extension{{Id: oidNonce, Value: v}}
	out, err := asn1.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fixture) post(t *testing.T, body []byte) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(f.srv.URL+"/nuc/ocsp", "application/ocsp-request", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (f *fixture) get(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// nonceOf returns the nonce in the responseExtensions of a DER OCSP response.
func nonceOf(t *testing.T, der []byte) []byte {
	t.Helper()
	var or ocspResponse
	if _, err := asn1.Unmarshal(der, &or); err != nil {
		t.Fatal(err)
	}
	var br basicResponse
	if _, err := asn1.Unmarshal(or.Bytes.Response, &br); err != nil {
		t.Fatal(err)
	}
	var rd responseData
	if _, err := asn1.Unmarshal(br.TBS.FullBytes, &rd); err != nil {
		t.Fatal(err)
	}
	for _, ext := range rd.Extensions {
		if ext.Id.Equal(oidNonce) {
			var v []byte
			if _, err := asn1.Unmarshal(ext.Value, &v); err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	return nil
}

func TestOCSPStatuses(t *testing.T) {
	f := newFixture(t)
	rev, _ := f.p.Entry(pki.NameConsumerRevoked)
	tests := []struct {
		name    string
		status  int
		revoked bool
	}{
		{pki.NameConsumerGood, ocsp.Good, false},
		{pki.NameConsumerEC, ocsp.Good, false},
		{pki.NameGateway, ocsp.Good, false},
		{pki.NameConsumerRevoked, ocsp.Revoked, true},
		{pki.NameConsumerExpired, ocsp.Good, false},
		{pki.NameConsumerUntrust, ocsp.Good, false}, // answered by untrusted-root itself
		{pki.NameIntermediate, ocsp.Good, false},    // answered by the root itself
	}
	for _, tt := range tests {
		for _, method := range []string{"POST", "GET"} {
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				nonce := []byte("0123456789abcdef" + tt.name)[:16]
				req, cert, issuer := f.request(t, tt.name, nonce)
				var resp *http.Response
				var body []byte
				if method == "POST" {
					resp, body = f.post(t, req)
				} else {
					resp, body = f.get(t, "/nuc/ocsp/"+url.PathEscape(base64.StdEncoding.EncodeToString(req)))
				}
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/ocsp-response" {
					t.Fatalf("HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				r, err := ocsp.ParseResponseForCert(body, cert, issuer)
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				if r.Status != tt.status {
					t.Errorf("status %d, want %d", r.Status, tt.status)
				}
				if tt.revoked && (!r.RevokedAt.Equal(rev.RevokedAt) || r.RevocationReason != ocsp.KeyCompromise) {
					t.Errorf("revoked at %v reason %d, want %v keyCompromise", r.RevokedAt, r.RevocationReason, rev.RevokedAt)
				}
				if d := r.NextUpdate.Sub(r.ThisUpdate); d != DefaultValidity {
					t.Errorf("nextUpdate-thisUpdate = %v", d)
				}
				if got := nonceOf(t, body); !bytes.Equal(got, nonce) {
					t.Errorf("nonce %x, want %x", got, nonce)
				}
				if issuer.Subject.CommonName == "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (test)" {
					oc, _ := f.p.Cert(pki.NameOCSP)
					if r.Certificate == nil || !bytes.Equal(r.Certificate.Raw, oc.Raw) {
						t.Error("delegated responder certificate not included")
					}
				} else if r.Certificate != nil {
					t.Error("a CA answering itself included a certificate")
				}
			})
		}
	}
}

func TestOCSPUnknownUnauthorizedMalformed(t *testing.T) {
	f := newFixture(t)
	good, _ := f.p.Cert(pki.NameConsumerGood)
	inter, _ := f.p.Cert(pki.NameIntermediate)

	// A serial the index does not know: unknown.
	stranger := *good
	stranger.SerialNumber = big.NewInt(424242)
	_, body := f.post(t, withNonce(t, &stranger, inter, nil))
	if r, err := ocsp.ParseResponseForCert(body, &stranger, inter); err != nil || r.Status != ocsp.Unknown {
		t.Errorf("unknown serial: %v, %v", r, err)
	}
	if nonceOf(t, body) != nil {
		t.Error("nonce in an answer to a request without one")
	}

	// A CA that is not in the PKI: unauthorized.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other CA"}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: f.now, NotAfter: f.now.Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	other, _ := x509.ParseCertificate(der)
	_, body = f.post(t, withNonce(t, good, other, nil))
	if _, err := ocsp.ParseResponse(body, nil); err == nil || err.(ocsp.ResponseError).Status != ocsp.Unauthorized {
		t.Errorf("foreign CA: %v", err)
	}

	long := bytes.Repeat([]byte{7}, 40)
	malformed := map[string]func() (*http.Response, []byte){
		"garbage POST":     func() (*http.Response, []byte) { return f.post(t, []byte("hello")) },
		"empty POST":       func() (*http.Response, []byte) { return f.post(t, nil) },
		"trailing data":    func() (*http.Response, []byte) { return f.post(t, append(withNonce(t, good, inter, nil), 0)) },
		"bad base64 GET":   func() (*http.Response, []byte) { return f.get(t, "/nuc/ocsp/!!!notbase64") },
		"empty GET":        func() (*http.Response, []byte) { return f.get(t, "/nuc/ocsp") },
		"GET of garbage":   func() (*http.Response, []byte) { return f.get(t, "/nuc/ocsp/aGVsbG8=") },
		"too large":        func() (*http.Response, []byte) { return f.post(t, make([]byte, MaxRequestSize+10)) },
		"nonce not octets": func() (*http.Response, []byte) { return f.post(t, badNonce(t, good, inter)) },
	}
	for name, do := range malformed {
		t.Run(name, func(t *testing.T) {
			resp, body := do()
			if resp.StatusCode != 200 {
				t.Fatalf("HTTP %d", resp.StatusCode)
			}
			if _, err := ocsp.ParseResponse(body, nil); err == nil || err.(ocsp.ResponseError).Status != ocsp.Malformed {
				t.Errorf("got %v, want malformedRequest", err)
			}
		})
	}
	// Nonces longer than 32 octets are ignored (RFC 8954), not refused.
	_, body = f.post(t, withNonce(t, good, inter, long))
	if r, err := ocsp.ParseResponseForCert(body, good, inter); err != nil || r.Status != ocsp.Good || nonceOf(t, body) != nil {
		t.Errorf("long nonce: %v", err)
	}
}

func badNonce(t *testing.T, cert, issuer *x509.Certificate) []byte {
	der, _ := ocsp.CreateRequest(cert, issuer, nil)
	var r ocspRequest
	if _, err := asn1.Unmarshal(der, &r); err != nil {
		t.Fatal(err)
	}
	r.TBS.Extensions = []pkix.Extension{{Id: oidNonce, Value: []byte{0x02, 0x01, 0x05}}} // an INTEGER
	out, _ := asn1.Marshal(r)
	return out
}

func TestSteering(t *testing.T) {
	f := newFixture(t)
	req, cert, issuer := f.request(t, pki.NameConsumerGood, []byte("nonce-nonce-nonce"))
	e, _ := f.p.Entry(pki.NameConsumerGood)

	// Revoke at run time; the upper-case, colon form of the serial is accepted.
	at := f.now.Add(-time.Minute)
	colon := ""
	for i, c := range []byte(e.Serial) {
		if i > 0 && i%2 == 0 {
			colon += ":"
		}
		colon += string(c - 32*byte(btoi(c >= 'a')))
	}
	if err := f.n.SetStatus(colon, Status{State: Revoked, RevokedAt: at, Reason: ocsp.Superseded}); err != nil {
		t.Fatal(err)
	}
	_, body := f.post(t, req)
	r, err := ocsp.ParseResponseForCert(body, cert, issuer)
	if err != nil || r.Status != ocsp.Revoked || r.RevocationReason != ocsp.Superseded || !r.RevokedAt.Equal(at) {
		t.Fatalf("after SetStatus revoked: %+v %v", r, err)
	}
	if err := f.n.SetStatus("zz", Status{}); err == nil {
		t.Error("SetStatus accepted a non-hex serial")
	}

	// Unrevoke the index-revoked consumer and check both CRLs.
	rev, _ := f.p.Entry(pki.NameConsumerRevoked)
	if err := f.n.SetStatus(rev.Serial, Status{State: Good}); err != nil {
		t.Fatal(err)
	}
	crl := f.crl(t, "intermediate.crl", issuer)
	if got := serials(crl); len(got) != 1 || got[e.Serial] != ocsp.Superseded {
		t.Errorf("full CRL with overrides: %v", got)
	}
	delta := f.crl(t, "intermediate-delta.crl", issuer)
	if got := serials(delta); len(got) != 2 || got[e.Serial] != ocsp.Superseded || got[rev.Serial] != ocsp.RemoveFromCRL {
		t.Errorf("delta CRL: %v", got)
	}
	var deltaInd bool
	for _, ext := range delta.Extensions {
		deltaInd = deltaInd || (ext.Id.Equal(oidDeltaCRL) && ext.Critical)
	}
	if !deltaInd || delta.Number.Cmp(crl.Number) <= 0 {
		t.Errorf("delta CRL indicator %v, numbers %v %v", deltaInd, crl.Number, delta.Number)
	}
	if err := f.n.ResetStatus(e.Serial); err != nil {
		t.Fatal(err)
	}
	f.n.Reset()
	if got := serials(f.crl(t, "intermediate.crl", issuer)); len(got) != 1 || got[rev.Serial] != ocsp.KeyCompromise {
		t.Errorf("full CRL after Reset: %v", got)
	}

	// Unknown for a known serial.
	if err := f.n.SetStatus(e.Serial, Status{State: Unknown}); err != nil {
		t.Fatal(err)
	}
	_, body = f.post(t, req)
	if r, err := ocsp.ParseResponseForCert(body, cert, issuer); err != nil || r.Status != ocsp.Unknown {
		t.Errorf("after SetStatus unknown: %v", err)
	}
	f.n.Reset()

	// Outages and latency.
	f.n.SetDown(true)
	if resp, _ := f.post(t, req); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("down: HTTP %d", resp.StatusCode)
	}
	if resp, _ := f.get(t, "/nuc/crl/intermediate.crl"); resp.StatusCode != 200 {
		t.Errorf("CRL while OCSP down: HTTP %d", resp.StatusCode)
	}
	f.n.SetDown(false)
	f.n.SetCRLDown(true)
	if resp, _ := f.get(t, "/nuc/crl/intermediate.crl"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("CRL down: HTTP %d", resp.StatusCode)
	}
	f.n.SetCRLDown(false)
	f.n.SetLatency(150 * time.Millisecond)
	start := time.Now()
	if resp, _ := f.post(t, req); resp.StatusCode != 200 || time.Since(start) < 150*time.Millisecond {
		t.Errorf("latency: HTTP %d after %v", resp.StatusCode, time.Since(start))
	}
	f.n.SetLatency(0)

	st := f.n.Stats()
	if st.OCSP != 4 || st.CRL != 5 {
		t.Errorf("stats %+v", st)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (f *fixture) crl(t *testing.T, name string, issuer *x509.Certificate) *x509.RevocationList {
	t.Helper()
	resp, body := f.get(t, "/nuc/crl/"+name)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pkix-crl" {
		t.Fatalf("%s: HTTP %d", name, resp.StatusCode)
	}
	crl, err := x509.ParseRevocationList(body)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		t.Fatalf("%s: signature: %v", name, err)
	}
	if d := crl.NextUpdate.Sub(crl.ThisUpdate); d != DefaultCRLValidity {
		t.Errorf("%s: validity %v", name, d)
	}
	return crl
}

func serials(crl *x509.RevocationList) map[string]int {
	out := map[string]int{}
	for _, e := range crl.RevokedCertificateEntries {
		out[e.SerialNumber.Text(16)] = e.ReasonCode
	}
	return out
}

func TestCRLsAndCACerts(t *testing.T) {
	f := newFixture(t)
	inter, _ := f.p.Cert(pki.NameIntermediate)
	root, _ := f.p.Cert(pki.NameRoot)
	untrusted, _ := f.p.Cert(pki.NameUntrustedRoot)
	rev, _ := f.p.Entry(pki.NameConsumerRevoked)

	crl := f.crl(t, "intermediate.crl", inter)
	if len(crl.RevokedCertificateEntries) != 1 {
		t.Fatalf("intermediate.crl lists %d", len(crl.RevokedCertificateEntries))
	}
	got := crl.RevokedCertificateEntries[0]
	if got.SerialNumber.Text(16) != rev.Serial || !got.RevocationTime.Equal(rev.RevokedAt) || got.ReasonCode != 1 {
		t.Errorf("entry %x %v %d", got.SerialNumber, got.RevocationTime, got.ReasonCode)
	}
	if c := f.crl(t, "root.crl", root); len(c.RevokedCertificateEntries) != 0 {
		t.Error("root.crl not empty")
	}
	f.crl(t, "untrusted-root.crl", untrusted)
	if d := f.crl(t, "intermediate-delta.crl", inter); len(d.RevokedCertificateEntries) != 0 {
		t.Error("delta CRL without changes not empty")
	}
	for _, p := range []string{"/nuc/crl/nope.crl", "/nuc/crl/intermediate.pem", "/nuc/ca/nope.crt", "/nuc/ca/root.pem"} {
		if resp, _ := f.get(t, p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: HTTP %d", p, resp.StatusCode)
		}
	}
	resp, body := f.get(t, "/nuc/ca/intermediate.crt")
	if resp.StatusCode != 200 || !bytes.Equal(body, inter.Raw) {
		t.Errorf("CA cert: HTTP %d", resp.StatusCode)
	}
	// The URL in the certificates points at this very route.
	good, _ := f.p.Cert(pki.NameConsumerGood)
	r2, err := http.Get(good.CRLDistributionPoints[0])
	if err != nil || r2.StatusCode != 200 {
		t.Errorf("CRL DP of consumer-good: %v", err)
	} else {
		r2.Body.Close()
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t)
	nonce := []byte("fault-nonce-0001")
	req, cert, issuer := f.request(t, pki.NameConsumerGood, nonce)
	check := map[Fault]func(body []byte) bool{
		FaultDropNonce: func(b []byte) bool { return nonceOf(t, b) == nil },
		FaultWrongNonce: func(b []byte) bool {
			n := nonceOf(t, b)
			return n != nil && !bytes.Equal(n, nonce)
		},
		FaultWrongKey: func(b []byte) bool {
			_, err := ocsp.ParseResponseForCert(b, cert, issuer)
			return err != nil
		},
		FaultTryLater: func(b []byte) bool {
			_, err := ocsp.ParseResponse(b, nil)
			re, ok := err.(ocsp.ResponseError)
			return ok && re.Status == ocsp.TryLater
		},
		FaultGarbage: func(b []byte) bool { _, err := ocsp.ParseResponse(b, nil); return err != nil },
		FaultStale: func(b []byte) bool {
			r, err := ocsp.ParseResponseForCert(b, cert, issuer)
			return err == nil && r.NextUpdate.Before(time.Now())
		},
		FaultFuture: func(b []byte) bool {
			r, err := ocsp.ParseResponseForCert(b, cert, issuer)
			return err == nil && r.ThisUpdate.After(time.Now().Add(30*time.Minute))
		},
	}
	for fault, ok := range check {
		f.n.SetFault(fault)
		_, body := f.post(t, req)
		if !ok(body) {
			t.Errorf("fault %d not applied", fault)
		}
	}
	f.n.SetFault(FaultNone)
	_, body := f.post(t, req)
	if _, err := ocsp.ParseResponseForCert(body, cert, issuer); err != nil || !bytes.Equal(nonceOf(t, body), nonce) {
		t.Errorf("after FaultNone: %v", err)
	}
}
