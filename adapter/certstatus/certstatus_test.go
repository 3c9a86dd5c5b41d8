package certstatus_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/ocsp"

	"github.com/shepgate/shepgate/adapter/certstatus"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/mocks/nuc"
)

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	p    *pki.PKI
	n    *nuc.NUC
	srv  *httptest.Server
	logs *syncBuffer
}

// newFixture starts the НУЦ mock on a loopback listener and makes a PKI whose URLs point at it.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := echo.New()
	e.HideBanner = true
	srv := httptest.NewUnstartedServer(e)
	p, err := pki.Init(pki.Options{Dir: t.TempDir(), BaseURL: "http://" + srv.Listener.Addr().String(), Algorithm: pki.ECDSAP256})
	if err != nil {
		t.Fatal(err)
	}
	n := nuc.New(p, nuc.Options{Logger: slog.New(slog.DiscardHandler)})
	n.Register(e)
	srv.Start()
	t.Cleanup(srv.Close)
	return &fixture{p: p, n: n, srv: srv, logs: &syncBuffer{}}
}

func (f *fixture) checker(opts certstatus.Options) *certstatus.Checker {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return certstatus.New(opts)
}

func (f *fixture) pair(t *testing.T, name string) (*x509.Certificate, *x509.Certificate) {
	t.Helper()
	c, ok := f.p.Cert(name)
	if !ok {
		t.Fatalf("no entry %s", name)
	}
	iss, ok := f.p.Issuer(c)
	if !ok {
		t.Fatalf("no issuer of %s", name)
	}
	return c, iss
}

// issue makes a certificate under CA caName of the PKI that the index does not know.
func (f *fixture) issue(t *testing.T, caName string, mod func(*x509.Certificate)) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	caKey, caCert, err := f.p.KeyPair(caName)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := f.p.Cert(pki.NameConsumerGood)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "stranger"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:   x509.KeyUsageDigitalSignature,
		OCSPServer: good.OCSPServer, CRLDistributionPoints: good.CRLDistributionPoints,
	}
	if mod != nil {
		mod(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, key
}

func TestCheck(t *testing.T) {
	f := newFixture(t)
	revEntry, _ := f.p.Entry(pki.NameConsumerRevoked)
	goodEntry, _ := f.p.Entry(pki.NameConsumerGood)
	stranger, _ := f.issue(t, pki.NameIntermediate, nil)
	inter, _ := f.p.Cert(pki.NameIntermediate)
	tests := []struct {
		name      string
		cert      string
		custom    *x509.Certificate
		setup     func()
		status    certstatus.Status
		code      fault.Code
		reason    certstatus.Reason
		revokedAt time.Time
	}{
		{name: "good RSA", cert: pki.NameConsumerGood, status: certstatus.Good},
		{name: "good ECDSA", cert: pki.NameConsumerEC, status: certstatus.Good},
		{name: "system gateway", cert: pki.NameGateway, status: certstatus.Good},
		{name: "operator", cert: pki.NameOperator1, status: certstatus.Good},
		{name: "expired is not revoked", cert: pki.NameConsumerExpired, status: certstatus.Good},
		{name: "untrusted CA answers for itself", cert: pki.NameConsumerUntrust, status: certstatus.Good},
		{name: "revoked with reason", cert: pki.NameConsumerRevoked, status: certstatus.Revoked, code: fault.CertRevoked,
			reason: 1, revokedAt: revEntry.RevokedAt},
		{name: "revoked at run time", cert: pki.NameConsumerGood, status: certstatus.Revoked, code: fault.CertRevoked, reason: 4,
			revokedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
			setup: func() {
				f.n.SetStatus(goodEntry.Serial, nuc.Status{State: nuc.Revoked, Reason: 4, RevokedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)})
			}},
		{name: "unknown set at run time", cert: pki.NameConsumerGood, status: certstatus.Unknown, code: fault.CertStatusUnknown,
			setup: func() { f.n.SetStatus(goodEntry.Serial, nuc.Status{State: nuc.Unknown}) }},
		{name: "unknown serial", custom: stranger, status: certstatus.Unknown, code: fault.CertStatusUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.n.Reset()
			if tt.setup != nil {
				tt.setup()
			}
			var cert, issuer *x509.Certificate
			if tt.custom != nil {
				cert, issuer = tt.custom, inter
			} else {
				cert, issuer = f.pair(t, tt.cert)
			}
			r, err := f.checker(certstatus.Options{}).Check(context.Background(), cert, issuer)
			if tt.code == "" && err != nil {
				t.Fatalf("Check: %v", err)
			}
			if tt.code != "" && fault.CodeOf(err) != tt.code {
				t.Fatalf("Check error %v, want code %s", err, tt.code)
			}
			if r.Status != tt.status || r.Source != certstatus.SourceOCSP || r.Degraded || r.Cached {
				t.Errorf("result %+v, want %s from ocsp", r, tt.status)
			}
			if r.NextUpdate.Sub(time.Now()) < 5*time.Minute {
				t.Errorf("nextUpdate %v", r.NextUpdate)
			}
			if tt.status == certstatus.Revoked {
				if r.Reason != tt.reason || !r.RevokedAt.Equal(tt.revokedAt) {
					t.Errorf("revoked %v %s, want %v %s", r.RevokedAt, r.Reason, tt.revokedAt, tt.reason)
				}
				if !strings.Contains(err.Error(), tt.reason.String()) || !strings.Contains(err.Error(), tt.revokedAt.Format(time.RFC3339)) {
					t.Errorf("error detail %q lacks time or reason", err)
				}
			}
		})
	}
	if _, err := f.checker(certstatus.Options{}).Check(context.Background(), nil, inter); fault.CodeOf(err) != fault.CertMalformed {
		t.Errorf("nil certificate: %v", err)
	}
}

// A responder that misbehaves or is unreachable is not trusted; the CRL answers instead, and
// when the CRL is unreachable too the reason shows in the error.
func TestOCSPFailureFallsBackToCRL(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		setup func()
		cause string
	}{
		{"responder down (503)", func() { f.n.SetDown(true) }, "HTTP 503"},
		{"nonce dropped", func() { f.n.SetFault(nuc.FaultDropNonce) }, "does not echo the nonce"},
		{"nonce changed", func() { f.n.SetFault(nuc.FaultWrongNonce) }, "different nonce"},
		{"signed by a wrong key", func() { f.n.SetFault(nuc.FaultWrongKey) }, "signature"},
		{"tryLater", func() { f.n.SetFault(nuc.FaultTryLater) }, "try later"},
		{"garbage", func() { f.n.SetFault(nuc.FaultGarbage) }, "unparsable"},
		{"stale answer", func() { f.n.SetFault(nuc.FaultStale) }, "stale"},
		{"thisUpdate in the future", func() { f.n.SetFault(nuc.FaultFuture) }, "future"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.n.Reset()
			tt.setup()
			ctx := context.Background()

			cert, issuer := f.pair(t, pki.NameConsumerRevoked)
			r, err := f.checker(certstatus.Options{}).Check(ctx, cert, issuer)
			rev, _ := f.p.Entry(pki.NameConsumerRevoked)
			if fault.CodeOf(err) != fault.CertRevoked || r.Source != certstatus.SourceCRL || r.Status != certstatus.Revoked ||
				r.Reason != 1 || !r.RevokedAt.Equal(rev.RevokedAt) {
				t.Errorf("revoked via CRL: %+v, %v", r, err)
			}
			cert, issuer = f.pair(t, pki.NameConsumerGood)
			r, err = f.checker(certstatus.Options{}).Check(ctx, cert, issuer)
			if err != nil || r.Source != certstatus.SourceCRL || r.Status != certstatus.Good {
				t.Errorf("good via CRL: %+v, %v", r, err)
			}

			f.n.SetCRLDown(true)
			_, err = f.checker(certstatus.Options{}).Check(ctx, cert, issuer)
			if fault.CodeOf(err) != fault.CertStatusUnavailable || !strings.Contains(err.Error(), tt.cause) {
				t.Errorf("both unusable: %v, want %s mentioning %q", err, fault.CertStatusUnavailable, tt.cause)
			}
		})
	}
	if !strings.Contains(f.logs.String(), "falling back to the CRL") {
		t.Error("no fallback warning logged")
	}
}

func TestBothDownPolicy(t *testing.T) {
	f := newFixture(t)
	f.n.SetDown(true)
	f.n.SetCRLDown(true)
	cert, issuer := f.pair(t, pki.NameConsumerRevoked)

	r, err := f.checker(certstatus.Options{Policy: certstatus.HardFail}).Check(context.Background(), cert, issuer)
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.CertStatusUnavailable || r.Status != 0 {
		t.Fatalf("hard-fail: %+v, %v", r, err)
	}
	if fault.TextOf(fe.Code).Class != fault.Server {
		t.Error("unavailable is not a server-class fault")
	}

	r, err = f.checker(certstatus.Options{Policy: certstatus.SoftFail}).Check(context.Background(), cert, issuer)
	if err != nil || r.Status != certstatus.Good || !r.Degraded || r.Source != "" {
		t.Fatalf("soft-fail: %+v, %v", r, err)
	}
	if logs := f.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "soft-fail") {
		t.Errorf("no soft-fail warning in logs:\n%s", logs)
	}
	// A degraded answer is not cached: once the НУЦ is back, the truth is found.
	f.n.SetDown(false)
	f.n.SetCRLDown(false)
	c := f.checker(certstatus.Options{Policy: certstatus.SoftFail})
	if r, err := c.Check(context.Background(), cert, issuer); fault.CodeOf(err) != fault.CertRevoked || r.Degraded {
		t.Errorf("after recovery: %+v, %v", r, err)
	}
}

func TestSlowResponderFallsBack(t *testing.T) {
	f := newFixture(t)
	f.n.SetLatency(3 * time.Second)
	cert, issuer := f.pair(t, pki.NameConsumerGood)
	c := f.checker(certstatus.Options{HTTP: &http.Client{Timeout: 300 * time.Millisecond}})
	start := time.Now()
	r, err := c.Check(context.Background(), cert, issuer)
	if err != nil || r.Source != certstatus.SourceCRL || r.Status != certstatus.Good {
		t.Fatalf("slow responder: %+v, %v", r, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Check took %v with a 300ms client timeout", d)
	}
	// The caller's context bounds the whole check too.
	f.n.SetCRLLatency(3 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = f.checker(certstatus.Options{}).Check(ctx, cert, issuer)
	if fault.CodeOf(err) != fault.CertStatusUnavailable {
		t.Errorf("cancelled context: %v", err)
	}
	// Soft-fail does not turn a caller's cancellation into a pass.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	r, err = f.checker(certstatus.Options{Policy: certstatus.SoftFail}).Check(ctx2, cert, issuer)
	if fault.CodeOf(err) != fault.CertStatusUnavailable || r.Degraded {
		t.Errorf("cancelled context, soft-fail: %+v, %v", r, err)
	}
}

func TestCache(t *testing.T) {
	f := newFixture(t)
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	c := f.checker(certstatus.Options{Now: now})
	ctx := context.Background()
	good, gi := f.pair(t, pki.NameConsumerGood)
	rev, ri := f.pair(t, pki.NameConsumerRevoked)

	for i := 0; i < 3; i++ {
		r, err := c.Check(ctx, good, gi)
		if err != nil || r.Status != certstatus.Good || r.Cached != (i > 0) {
			t.Fatalf("good #%d: %+v, %v", i, r, err)
		}
		r, err = c.Check(ctx, rev, ri)
		if fault.CodeOf(err) != fault.CertRevoked || r.Status != certstatus.Revoked || r.Cached != (i > 0) {
			t.Fatalf("revoked #%d: %+v, %v", i, r, err)
		}
	}
	if got := f.n.Stats().OCSP; got != 2 {
		t.Fatalf("responder got %d requests for 6 checks of 2 certificates, want 2", got)
	}
	// The cache holds until nextUpdate (10 minutes): a status change shows only after it.
	f.n.SetStatus(good.SerialNumber.Text(16), nuc.Status{State: nuc.Revoked, Reason: 1})
	if _, err := c.Check(ctx, good, gi); err != nil {
		t.Fatalf("cached good: %v", err)
	}
	offset.Store(int64(11 * time.Minute))
	if _, err := c.Check(ctx, good, gi); fault.CodeOf(err) != fault.CertRevoked {
		t.Fatalf("after nextUpdate: %v", err)
	}
	if got := f.n.Stats().OCSP; got != 3 {
		t.Errorf("responder got %d requests, want 3", got)
	}
	c.FlushCache()
	offset.Store(0)

	// CRLs are cached too: with the responder down, many serials cost one download.
	f.n.Reset()
	f.n.SetDown(true)
	before := f.n.Stats().CRL
	for _, name := range []string{pki.NameConsumerGood, pki.NameConsumerEC, pki.NameGateway, pki.NameConsumerRevoked} {
		cert, issuer := f.pair(t, name)
		if r, _ := c.Check(ctx, cert, issuer); r.Source != certstatus.SourceCRL {
			t.Errorf("%s: source %q", name, r.Source)
		}
	}
	if got := f.n.Stats().CRL - before; got != 1 {
		t.Errorf("%d CRL downloads for 4 certificates, want 1", got)
	}
}

func TestCheckChain(t *testing.T) {
	f := newFixture(t)
	c := f.checker(certstatus.Options{})
	chain, err := f.p.Chain(pki.NameConsumerGood)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := c.CheckChain(context.Background(), chain)
	if err != nil || len(rs) != 2 {
		t.Fatalf("CheckChain: %d results, %v", len(rs), err)
	}
	// The leaf is answered by OCSP; the intermediate has only root.crl.
	if rs[0].Source != certstatus.SourceOCSP || rs[1].Source != certstatus.SourceCRL || rs[1].Status != certstatus.Good {
		t.Errorf("results %+v", rs)
	}
	chain, _ = f.p.Chain(pki.NameConsumerRevoked)
	rs, err = c.CheckChain(context.Background(), chain)
	if fault.CodeOf(err) != fault.CertRevoked || len(rs) != 1 {
		t.Errorf("revoked chain: %d results, %v", len(rs), err)
	}
}

// responder is an OCSP responder built on x/crypto/ocsp (which puts the nonce into the
// singleExtensions) signing with whatever key and certificate a test chooses.
type responder struct {
	issuer   *x509.Certificate // for the CertID
	respCert *x509.Certificate // responder ID and embedded certificate (nil: not embedded, ID from issuer)
	key      crypto.Signer
}

func (rs *responder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	var raw struct {
		TBS struct {
			Version     int `asn1:"explicit,tag:0,default:0,optional"`
			RequestList []asn1.RawValue
			Extensions  []pkix.Extension `asn1:"explicit,tag:2,optional"`
		}
	}
	asn1.Unmarshal(body, &raw)
	now := time.Now().UTC().Truncate(time.Second)
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(time.Minute),
		ExtraExtensions: raw.TBS.Extensions, Certificate: rs.respCert}
	rc := rs.respCert
	if rc == nil {
		rc = rs.issuer
	}
	der, err := ocsp.CreateResponse(rs.issuer, rc, tmpl, rs.key)
	if err != nil {
		w.WriteHeader(500)
		return
	}
	w.Write(der)
}

func TestResponderAuthorization(t *testing.T) {
	f := newFixture(t)
	inter, _ := f.p.Cert(pki.NameIntermediate)
	root, _ := f.p.Cert(pki.NameRoot)
	interKey, _, _ := f.p.KeyPair(pki.NameIntermediate)
	ocspKey, ocspCert, _ := f.p.KeyPair(pki.NameOCSP)
	goodKey, goodCert, _ := f.p.KeyPair(pki.NameConsumerGood)
	ocspEKU := func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning} }
	foreign, foreignKey := f.issue(t, pki.NameUntrustedRoot, ocspEKU)
	expired, expiredKey := f.issue(t, pki.NameIntermediate, func(c *x509.Certificate) {
		ocspEKU(c)
		c.NotBefore, c.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
	})
	tests := []struct {
		name  string
		rs    *responder
		cause string // "" means accepted
	}{
		{"delegated responder", &responder{inter, ocspCert, ocspKey}, ""},
		{"issuer itself", &responder{inter, nil, interKey}, ""},
		{"issuer itself, certificate embedded", &responder{inter, inter, interKey}, ""},
		{"leaf without OCSPSigning", &responder{inter, goodCert, goodKey}, "OCSPSigning"},
		{"responder of another CA", &responder{inter, foreign, foreignKey}, "not issued by the issuer"},
		{"expired responder", &responder{inter, expired, expiredKey}, "validity"},
		{"CertID of another issuer", &responder{root, ocspCert, ocspKey}, "another issuer"},
		{"claims the issuer, signed by another key", &responder{inter, nil, ocspKey}, "not signed by the issuer"},
	}
	cert, issuer := f.pair(t, pki.NameConsumerGood)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.rs)
			defer srv.Close()
			c := f.checker(certstatus.Options{URLRewrite: func(u string) string {
				if strings.HasSuffix(u, "/nuc/ocsp") {
					return srv.URL
				}
				return "http://127.0.0.1:1/unreachable.crl"
			}})
			r, err := c.Check(context.Background(), cert, issuer)
			if tt.cause == "" {
				if err != nil || r.Status != certstatus.Good || r.Source != certstatus.SourceOCSP {
					t.Errorf("refused: %+v, %v", r, err)
				}
				return
			}
			if fault.CodeOf(err) != fault.CertStatusUnavailable || !strings.Contains(err.Error(), tt.cause) {
				t.Errorf("got %v, want refusal mentioning %q", err, tt.cause)
			}
		})
	}
}

func TestCRLChecks(t *testing.T) {
	f := newFixture(t)
	f.n.SetDown(true)
	cert, issuer := f.pair(t, pki.NameConsumerGood)

	// A CRL with the issuer's name but signed by another key.
	fakeKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	fakeCA := &x509.Certificate{SerialNumber: big.NewInt(9), RawSubject: issuer.RawSubject, Subject: issuer.Subject, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCRLSign | x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), SubjectKeyId: issuer.SubjectKeyId}
	fakeDER, _ := x509.CreateCertificate(rand.Reader, fakeCA, fakeCA, fakeKey.Public(), fakeKey)
	fakeCert, _ := x509.ParseCertificate(fakeDER)
	forged, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now(),
		NextUpdate: time.Now().Add(time.Hour)}, fakeCert, fakeKey)
	if err != nil {
		t.Fatal(err)
	}
	forgedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(forged) }))
	defer forgedSrv.Close()

	tests := []struct {
		name    string
		rewrite func(string) string
		offset  time.Duration
		cause   string
	}{
		{"another CA's CRL", func(u string) string { return strings.Replace(u, "intermediate.crl", "untrusted-root.crl", 1) }, 0, "not by the certificate's issuer"},
		{"delta CRL", func(u string) string { return strings.Replace(u, "intermediate.crl", "intermediate-delta.crl", 1) }, 0, "delta"},
		{"forged signature", func(u string) string {
			if strings.HasSuffix(u, ".crl") {
				return forgedSrv.URL
			}
			return u
		}, 0, "signature"},
		{"stale CRL", nil, 2 * time.Hour, "stale"},
		{"CRL from the future", nil, -2 * time.Hour, "future"},
		{"missing CRL", func(u string) string { return strings.Replace(u, "intermediate.crl", "nope.crl", 1) }, 0, "HTTP 404"},
		{"not a URL we fetch", func(u string) string { return "ldap://nuc/crl" }, 0, "unusable URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.checker(certstatus.Options{URLRewrite: tt.rewrite, Now: func() time.Time { return time.Now().Add(tt.offset) }})
			_, err := c.Check(context.Background(), cert, issuer)
			if fault.CodeOf(err) != fault.CertStatusUnavailable || !strings.Contains(err.Error(), tt.cause) {
				t.Errorf("got %v, want refusal mentioning %q", err, tt.cause)
			}
		})
	}
}

func TestMalformedRequestToMock(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Post(f.srv.URL+"/nuc/ocsp", "application/ocsp-request", strings.NewReader("not DER"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var re ocsp.ResponseError
	if _, err := ocsp.ParseResponse(body, nil); resp.StatusCode != 200 || !errors.As(err, &re) || re.Status != ocsp.Malformed {
		t.Errorf("HTTP %d, %v; want malformedRequest", resp.StatusCode, err)
	}
}

// An all-RSA PKI (the default of pki.Init): RSA OCSP and CRL signatures end to end.
func TestRSAPKI(t *testing.T) {
	e := echo.New()
	srv := httptest.NewUnstartedServer(e)
	p, err := pki.Init(pki.Options{Dir: t.TempDir(), BaseURL: "http://" + srv.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	n := nuc.New(p, nuc.Options{Logger: slog.New(slog.DiscardHandler)})
	n.Register(e)
	srv.Start()
	defer srv.Close()
	c := certstatus.New(certstatus.Options{Logger: slog.New(slog.DiscardHandler)})
	for _, ocspDown := range []bool{false, true} {
		n.SetDown(ocspDown)
		c.FlushCache()
		source := map[bool]string{false: certstatus.SourceOCSP, true: certstatus.SourceCRL}[ocspDown]
		for name, code := range map[string]fault.Code{pki.NameConsumerGood: "", pki.NameGCVP: "", pki.NameConsumerRevoked: fault.CertRevoked} {
			chain, err := p.Chain(name)
			if err != nil {
				t.Fatal(err)
			}
			r, err := c.Check(context.Background(), chain[0], chain[1])
			if (code == "" && err != nil) || (code != "" && fault.CodeOf(err) != code) || r.Source != source {
				t.Errorf("%s (OCSP down %v): %+v, %v", name, ocspDown, r, err)
			}
		}
	}
}
