// Package certstatus checks whether a certificate of the Kazakh НУЦ is revoked, the way a real
// deployment must: OCSP first (RFC 6960, with a nonce), the CRL as the fallback, answers cached
// until their nextUpdate.
//
// The OCSP request is POSTed to the certificate's OCSP URL (authority information access) with
// a random 32-octet nonce (RFC 8954). The answer is accepted only when it is signed by the
// issuer itself or by a delegated responder whose certificate is issued by the issuer, carries
// the OCSPSigning extended key usage and is within its validity; when the responder ID names
// the signer; when it echoes the nonce; when its CertID names the certificate's serial, issuer
// name and issuer key; when its thisUpdate is not in the future (beyond Options.Skew) and its
// nextUpdate has not passed.
//
// When the OCSP responder cannot be used (network error, timeout, HTTP error, an OCSP error
// status such as tryLater, or an answer failing any check above) the checker downloads the CRL
// at the certificate's CRL distribution points, verifies it is a full CRL issued and signed by
// the issuer and current, and looks the serial up in it. A valid OCSP "unknown" answer is final:
// it is not a failure of the responder.
//
// Error codes (adapter/fault): a revoked certificate gives CertRevoked, an OCSP "unknown" gives
// CertStatusUnknown, and when neither OCSP nor the CRL gives an answer the Policy decides:
// HardFail returns CertStatusUnavailable, SoftFail returns a Good result with Degraded set and
// logs a warning. A check cut short by the caller's context is always CertStatusUnavailable.
package certstatus

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/shepgate/shepgate/adapter/fault"
)

// Defaults of Options.
const (
	DefaultTimeout = 5 * time.Second
	DefaultSkew    = 5 * time.Minute
	// MaxOCSPResponse and MaxCRL bound the bodies the checker reads.
	MaxOCSPResponse = 1 << 20
	MaxCRL          = 32 << 20
	// maxCache bounds the number of cached results before expired ones are swept.
	maxCache = 10000
)

// Status is the revocation status of a certificate.
type Status int

// Statuses. The zero Status means "not determined".
const (
	Good Status = iota + 1
	Revoked
	Unknown
)

// String returns good, revoked or unknown.
func (s Status) String() string {
	switch s {
	case Good:
		return "good"
	case Revoked:
		return "revoked"
	case Unknown:
		return "unknown"
	}
	return "undetermined"
}

// Reason is an RFC 5280 CRLReason code.
type Reason int

var reasonNames = map[Reason]string{
	0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged",
	4: "superseded", 5: "cessationOfOperation", 6: "certificateHold", 8: "removeFromCRL",
	9: "privilegeWithdrawn", 10: "aACompromise",
}

// String returns the RFC 5280 name of the reason, such as keyCompromise.
func (r Reason) String() string {
	if n, ok := reasonNames[r]; ok {
		return n
	}
	return fmt.Sprintf("reason(%d)", int(r))
}

// Policy decides what Check does when no status source answers.
type Policy int

const (
	// HardFail refuses the certificate with fault.CertStatusUnavailable (the default).
	HardFail Policy = iota
	// SoftFail accepts it: a Good Result with Degraded set, and a logged warning.
	SoftFail
)

// Sources of a Result.
const (
	SourceOCSP = "ocsp"
	SourceCRL  = "crl"
)

// Result is the outcome of a status check.
type Result struct {
	// Status is Good, Revoked or Unknown.
	Status Status
	// RevokedAt and Reason are set for Revoked.
	RevokedAt time.Time
	Reason    Reason
	// Source is SourceOCSP or SourceCRL; empty for a Degraded result.
	Source string
	// NextUpdate is when the source promises newer information; the result is cached until
	// then. Zero means the result is not cached.
	NextUpdate time.Time
	// Degraded is set when no source answered and Policy SoftFail let the certificate pass.
	Degraded bool
	// Cached is set when the result came from the cache.
	Cached bool
}

// Options configures a Checker.
type Options struct {
	// HTTP is the client for OCSP and CRL requests; default a client with DefaultTimeout.
	HTTP *http.Client
	// Policy is what to do when no source answers; default HardFail.
	Policy Policy
	// Now is the clock; default time.Now.
	Now func() time.Time
	// URLRewrite, when set, maps every OCSP and CRL URL of a certificate before it is used
	// (for example to reach the НУЦ through a proxy, or a mock in tests).
	URLRewrite func(string) string
	// Logger receives warnings on fallbacks and soft failures; default slog.Default().
	Logger *slog.Logger
	// Skew is the clock difference tolerated on thisUpdate and nextUpdate; default
	// DefaultSkew.
	Skew time.Duration
	// Hash is the CertID hash of OCSP requests; default SHA-1, which every responder supports
	// (the CertID hash does not protect anything: the response is signed).
	Hash crypto.Hash
}

// Checker checks certificate status. It is safe for concurrent use.
type Checker struct {
	http    *http.Client
	policy  Policy
	now     func() time.Time
	rewrite func(string) string
	log     *slog.Logger
	skew    time.Duration
	hash    crypto.Hash

	mu      sync.Mutex
	results map[string]Result
	crls    map[string]*x509.RevocationList
}

// New returns a Checker.
func New(opts Options) *Checker {
	c := &Checker{http: opts.HTTP, policy: opts.Policy, now: opts.Now, rewrite: opts.URLRewrite, log: opts.Logger,
		skew: opts.Skew, hash: opts.Hash, results: map[string]Result{}, crls: map[string]*x509.RevocationList{}}
	if c.http == nil {
		c.http = &http.Client{Timeout: DefaultTimeout}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.rewrite == nil {
		c.rewrite = func(s string) string { return s }
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.skew <= 0 {
		c.skew = DefaultSkew
	}
	if c.hash == 0 {
		c.hash = crypto.SHA1
	}
	return c
}

// FlushCache forgets every cached result and CRL.
func (c *Checker) FlushCache() {
	c.mu.Lock()
	c.results = map[string]Result{}
	c.crls = map[string]*x509.RevocationList{}
	c.mu.Unlock()
}

// Check returns the revocation status of cert, issued by issuer. The Result is meaningful
// whenever a source answered, also when err is not nil: err is a *fault.Error with code
// CertRevoked for a revoked certificate, CertStatusUnknown when the OCSP responder does not know
// it, CertStatusUnavailable when no source answered under HardFail (see the package comment).
func (c *Checker) Check(ctx context.Context, cert, issuer *x509.Certificate) (Result, error) {
	if cert == nil || issuer == nil || cert.SerialNumber == nil {
		return Result{}, fault.New(fault.CertMalformed, "certstatus: certificate or issuer missing")
	}
	serial := cert.SerialNumber.Text(16)
	key := cacheKey(issuer, cert.SerialNumber)
	if r, ok := c.cached(key); ok {
		r.Cached = true
		return r, resultError(r, serial)
	}

	var errs []error
	if len(cert.OCSPServer) > 0 {
		r, err := c.checkOCSP(ctx, cert, issuer)
		if err == nil {
			c.store(key, r)
			c.log.Debug("certstatus: ocsp answer", "serial", serial, "status", r.Status)
			return r, resultError(r, serial)
		}
		errs = append(errs, err)
		if len(cert.CRLDistributionPoints) > 0 {
			c.log.Warn("certstatus: OCSP failed, falling back to the CRL", "serial", serial, "err", err)
		}
	}
	if len(cert.CRLDistributionPoints) > 0 {
		r, err := c.checkCRL(ctx, cert, issuer)
		if err == nil {
			c.store(key, r)
			c.log.Debug("certstatus: crl answer", "serial", serial, "status", r.Status)
			return r, resultError(r, serial)
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		errs = append(errs, errors.New("certificate has neither an OCSP URL nor a CRL distribution point"))
	}
	cause := errors.Join(errs...)
	if ctx.Err() != nil { // the caller gave up: never let that pass as a soft failure
		return Result{}, fault.Wrap(fault.CertStatusUnavailable, cause, "status check of serial %s cancelled", serial)
	}
	if c.policy == SoftFail {
		c.log.Warn("certstatus: status unavailable, accepting the certificate (soft-fail, degraded)", "serial", serial, "err", cause)
		return Result{Status: Good, Degraded: true}, nil
	}
	return Result{}, fault.Wrap(fault.CertStatusUnavailable, cause, "status of serial %s could not be checked", serial)
}

// CheckChain checks every certificate of chain (leaf first, as x509.Certificate.Verify returns
// chains) against the next one, its issuer. The last certificate is the trust anchor and is not
// checked. It stops at the first error and returns the results gathered so far.
func (c *Checker) CheckChain(ctx context.Context, chain []*x509.Certificate) ([]Result, error) {
	var out []Result
	for i := 0; i+1 < len(chain); i++ {
		r, err := c.Check(ctx, chain[i], chain[i+1])
		out = append(out, r)
		if err != nil {
			return out, fmt.Errorf("certstatus: chain position %d: %w", i, err)
		}
	}
	return out, nil
}

func resultError(r Result, serial string) error {
	switch r.Status {
	case Revoked:
		return fault.New(fault.CertRevoked, "serial %s revoked at %s, reason %s (%s)", serial,
			r.RevokedAt.UTC().Format(time.RFC3339), r.Reason, r.Source)
	case Unknown:
		return fault.New(fault.CertStatusUnknown, "OCSP responder does not know serial %s", serial)
	}
	return nil
}

func cacheKey(issuer *x509.Certificate, serial *big.Int) string {
	h := sha256.New()
	h.Write(issuer.RawSubject)
	h.Write(issuer.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(h.Sum(nil)) + "/" + serial.Text(16)
}

func (c *Checker) cached(key string) (Result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.results[key]
	if !ok {
		return Result{}, false
	}
	if !c.now().Before(r.NextUpdate) {
		delete(c.results, key)
		return Result{}, false
	}
	return r, true
}

func (c *Checker) store(key string, r Result) {
	if r.NextUpdate.IsZero() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.results) >= maxCache {
		now := c.now()
		for k, v := range c.results {
			if !now.Before(v.NextUpdate) {
				delete(c.results, k)
			}
		}
		if len(c.results) >= maxCache {
			c.results = map[string]Result{}
		}
	}
	c.results[key] = r
}

// fetch GETs or POSTs url and returns the body of a 200 answer, at most limit bytes.
func (c *Checker) fetch(ctx context.Context, method, rawURL string, body []byte, limit int64) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("unusable URL %q", rawURL)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, rawURL, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/ocsp-request")
		req.Header.Set("Accept", "application/ocsp-response")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("%s %s: HTTP %d", method, rawURL, resp.StatusCode)
	}
	out, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", method, rawURL, err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("%s %s: body larger than %d bytes", method, rawURL, limit)
	}
	return out, nil
}

// ---- OCSP ----

var (
	oidNonce        = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidDeltaCRL     = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidHash         = map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA1: {1, 3, 14, 3, 2, 26}, crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1}}
	errNonceMissing = errors.New("OCSP answer does not echo the nonce")
	errNonceChanged = errors.New("OCSP answer carries a different nonce")
)

// The ASN.1 of RFC 6960 that x/crypto/ocsp does not expose: request extensions, response
// extensions and the CertID hashes.
type certID struct {
	HashAlgorithm  pkix.AlgorithmIdentifier
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	SerialNumber   *big.Int
}

type singleRequest struct {
	CertID certID
}

type tbsRequest struct {
	Version     int `asn1:"explicit,tag:0,default:0,optional"`
	RequestList []singleRequest
	Extensions  []pkix.Extension `asn1:"explicit,tag:2,optional"`
}

type ocspRequest struct {
	TBS tbsRequest
}

type singleResponse struct {
	CertID     certID
	Status     asn1.RawValue
	ThisUpdate time.Time        `asn1:"generalized"`
	NextUpdate time.Time        `asn1:"generalized,explicit,tag:0,optional"`
	Extensions []pkix.Extension `asn1:"explicit,tag:1,optional"`
}

type responseData struct {
	Version     int `asn1:"optional,default:0,explicit,tag:0"`
	ResponderID asn1.RawValue
	ProducedAt  time.Time `asn1:"generalized"`
	Responses   []singleResponse
	Extensions  []pkix.Extension `asn1:"optional,explicit,tag:1"`
}

type basicResponse struct {
	TBS                responseData
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          asn1.BitString
	Certificates       []asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

type responseBytes struct {
	ResponseType asn1.ObjectIdentifier
	Response     []byte
}

type ocspResponse struct {
	Status asn1.Enumerated
	Bytes  responseBytes `asn1:"optional,explicit,tag:0"`
}

// issuerHashes returns the CertID hashes of issuer under h.
func issuerHashes(issuer *x509.Certificate, h crypto.Hash) (nameHash, keyHash []byte, err error) {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, nil, fmt.Errorf("issuer public key: %w", err)
	}
	if !h.Available() {
		return nil, nil, fmt.Errorf("hash %v not available", h)
	}
	hh := h.New()
	hh.Write(issuer.RawSubject)
	nameHash = hh.Sum(nil)
	hh = h.New()
	hh.Write(spki.PublicKey.RightAlign())
	return nameHash, hh.Sum(nil), nil
}

// buildRequest returns a DER OCSP request for cert with a fresh nonce, and the nonce.
func (c *Checker) buildRequest(cert, issuer *x509.Certificate) ([]byte, []byte, error) {
	oid, ok := oidHash[c.hash]
	if !ok {
		return nil, nil, fmt.Errorf("unsupported CertID hash %v", c.hash)
	}
	nameHash, keyHash, err := issuerHashes(issuer, c.hash)
	if err != nil {
		return nil, nil, err
	}
	nonce := make([]byte, 32)
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, fmt.Errorf("nonce: %w", err)
	}
	nonceValue, err := asn1.Marshal(nonce)
	if err != nil {
		return nil, nil, fmt.Errorf("nonce: %w", err)
	}
	req := ocspRequest{TBS: tbsRequest{
		RequestList: []singleRequest{{CertID: certID{
			HashAlgorithm:  pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue},
			IssuerNameHash: nameHash, IssuerKeyHash: keyHash, SerialNumber: cert.SerialNumber,
		}}},
		Extensions: []pkix.Extension{{Id: oidNonce, Value: nonceValue}},
	}}
	der, err := asn1.Marshal(req)
	if err != nil {
		return nil, nil, fmt.Errorf("marshal OCSP request: %w", err)
	}
	return der, nonce, nil
}

func (c *Checker) checkOCSP(ctx context.Context, cert, issuer *x509.Certificate) (Result, error) {
	var errs []error
	for _, u := range cert.OCSPServer {
		u = c.rewrite(u)
		req, nonce, err := c.buildRequest(cert, issuer)
		if err != nil {
			return Result{}, fmt.Errorf("ocsp: %w", err)
		}
		body, err := c.fetch(ctx, http.MethodPost, u, req, MaxOCSPResponse)
		if err != nil {
			errs = append(errs, fmt.Errorf("ocsp: %w", err))
			continue
		}
		r, err := c.verifyOCSP(body, cert, issuer, nonce)
		if err != nil {
			errs = append(errs, fmt.Errorf("ocsp %s: %w", u, err))
			continue
		}
		return r, nil
	}
	return Result{}, errors.Join(errs...)
}

// verifyOCSP checks a DER OCSP response about cert (see the package comment) and returns its
// result.
func (c *Checker) verifyOCSP(der []byte, cert, issuer *x509.Certificate, nonce []byte) (Result, error) {
	resp, err := ocsp.ParseResponseForCert(der, cert, nil)
	if err != nil {
		var re ocsp.ResponseError
		if errors.As(err, &re) {
			return Result{}, fmt.Errorf("responder answered %s", re.Status)
		}
		return Result{}, fmt.Errorf("unparsable answer: %w", err)
	}
	now := c.now()

	// Who signed it. With an embedded certificate, x/crypto/ocsp has verified the signature
	// with that certificate's key; without, nothing is verified yet.
	signer := issuer
	switch {
	case resp.Certificate == nil:
		if err := resp.CheckSignatureFrom(issuer); err != nil {
			return Result{}, fmt.Errorf("answer is not signed by the issuer: %w", err)
		}
	case bytes.Equal(resp.Certificate.Raw, issuer.Raw):
	default:
		rc := resp.Certificate
		signer = rc
		if err := rc.CheckSignatureFrom(issuer); err != nil {
			return Result{}, fmt.Errorf("responder certificate %q is not issued by the issuer: %w", rc.Subject.CommonName, err)
		}
		if !hasEKU(rc, x509.ExtKeyUsageOCSPSigning) {
			return Result{}, fmt.Errorf("responder certificate %q lacks the OCSPSigning extended key usage", rc.Subject.CommonName)
		}
		if now.Add(c.skew).Before(rc.NotBefore) || now.Add(-c.skew).After(rc.NotAfter) {
			return Result{}, fmt.Errorf("responder certificate %q is outside its validity", rc.Subject.CommonName)
		}
	}
	if err := checkResponderID(resp, signer); err != nil {
		return Result{}, err
	}

	// CertID and nonce, from our own parse of the (now authenticated) structure.
	var or ocspResponse
	if _, err := asn1.Unmarshal(der, &or); err != nil {
		return Result{}, fmt.Errorf("unparsable answer: %w", err)
	}
	var br basicResponse
	if _, err := asn1.Unmarshal(or.Bytes.Response, &br); err != nil {
		return Result{}, fmt.Errorf("unparsable basic response: %w", err)
	}
	var single *singleResponse
	for i := range br.TBS.Responses {
		if br.TBS.Responses[i].CertID.SerialNumber != nil && br.TBS.Responses[i].CertID.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			single = &br.TBS.Responses[i]
			break
		}
	}
	if single == nil {
		return Result{}, errors.New("answer has no status for the serial")
	}
	nameHash, keyHash, err := issuerHashes(issuer, resp.IssuerHash)
	if err != nil {
		return Result{}, err
	}
	if !bytes.Equal(single.CertID.IssuerNameHash, nameHash) || !bytes.Equal(single.CertID.IssuerKeyHash, keyHash) {
		return Result{}, errors.New("answer's CertID names another issuer")
	}
	got, found := findNonce(br.TBS.Extensions)
	if !found {
		got, found = findNonce(single.Extensions) // responders built on x/crypto/ocsp put it there
	}
	switch {
	case !found:
		return Result{}, errNonceMissing
	case !bytes.Equal(got, nonce):
		return Result{}, errNonceChanged
	}

	if resp.ThisUpdate.After(now.Add(c.skew)) {
		return Result{}, fmt.Errorf("answer's thisUpdate %s is in the future", resp.ThisUpdate.UTC().Format(time.RFC3339))
	}
	if !resp.NextUpdate.IsZero() && now.After(resp.NextUpdate.Add(c.skew)) {
		return Result{}, fmt.Errorf("answer is stale: nextUpdate %s has passed", resp.NextUpdate.UTC().Format(time.RFC3339))
	}

	r := Result{Source: SourceOCSP, NextUpdate: resp.NextUpdate}
	switch resp.Status {
	case ocsp.Good:
		r.Status = Good
	case ocsp.Revoked:
		r.Status, r.RevokedAt, r.Reason = Revoked, resp.RevokedAt, Reason(resp.RevocationReason)
	default:
		r.Status = Unknown
	}
	return r, nil
}

func checkResponderID(resp *ocsp.Response, signer *x509.Certificate) error {
	if resp.RawResponderName != nil {
		if !bytes.Equal(resp.RawResponderName, signer.RawSubject) {
			return errors.New("answer's responder ID does not name its signer")
		}
		return nil
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(signer.RawSubjectPublicKeyInfo, &spki); err != nil {
		return fmt.Errorf("signer public key: %w", err)
	}
	sum := sha1.Sum(spki.PublicKey.RightAlign())
	if !bytes.Equal(resp.ResponderKeyHash, sum[:]) {
		return errors.New("answer's responder key hash does not match its signer")
	}
	return nil
}

func findNonce(exts []pkix.Extension) ([]byte, bool) {
	for _, ext := range exts {
		if ext.Id.Equal(oidNonce) {
			var v []byte
			if rest, err := asn1.Unmarshal(ext.Value, &v); err == nil && len(rest) == 0 {
				return v, true
			}
			return ext.Value, true // a raw nonce; compared as is
		}
	}
	return nil, false
}

func hasEKU(c *x509.Certificate, want x509.ExtKeyUsage) bool {
	for _, u := range c.ExtKeyUsage {
		if u == want {
			return true
		}
	}
	return false
}

// ---- CRL ----

func (c *Checker) checkCRL(ctx context.Context, cert, issuer *x509.Certificate) (Result, error) {
	var errs []error
	for _, u := range cert.CRLDistributionPoints {
		u = c.rewrite(u)
		crl, err := c.crl(ctx, u, issuer)
		if err != nil {
			errs = append(errs, fmt.Errorf("crl %s: %w", u, err))
			continue
		}
		r := Result{Status: Good, Source: SourceCRL, NextUpdate: crl.NextUpdate}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber != nil && e.SerialNumber.Cmp(cert.SerialNumber) == 0 && e.ReasonCode != 8 { // 8: removeFromCRL
				r.Status, r.RevokedAt, r.Reason = Revoked, e.RevocationTime, Reason(e.ReasonCode)
				break
			}
		}
		return r, nil
	}
	return Result{}, errors.Join(errs...)
}

// crl returns the current, verified full CRL of issuer at u, from the cache or downloaded.
func (c *Checker) crl(ctx context.Context, u string, issuer *x509.Certificate) (*x509.RevocationList, error) {
	key := u + "|" + cacheKey(issuer, big.NewInt(0))
	now := c.now()
	c.mu.Lock()
	cached, ok := c.crls[key]
	c.mu.Unlock()
	if ok && !now.After(cached.NextUpdate) {
		return cached, nil
	}
	der, err := c.fetch(ctx, http.MethodGet, u, nil, MaxCRL)
	if err != nil {
		return nil, err
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("unparsable CRL: %w", err)
	}
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return nil, fmt.Errorf("CRL is issued by %q, not by the certificate's issuer", crl.Issuer.CommonName)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, fmt.Errorf("CRL signature: %w", err)
	}
	for _, ext := range crl.Extensions {
		if ext.Id.Equal(oidDeltaCRL) {
			return nil, errors.New("a delta CRL is not a full CRL")
		}
		if ext.Critical {
			return nil, fmt.Errorf("CRL has an unsupported critical extension %s", ext.Id)
		}
	}
	if crl.ThisUpdate.After(now.Add(c.skew)) {
		return nil, fmt.Errorf("CRL thisUpdate %s is in the future", crl.ThisUpdate.UTC().Format(time.RFC3339))
	}
	if crl.NextUpdate.IsZero() || now.After(crl.NextUpdate.Add(c.skew)) {
		return nil, fmt.Errorf("CRL is stale: nextUpdate %s", crl.NextUpdate.UTC().Format(time.RFC3339))
	}
	c.mu.Lock()
	if len(c.crls) >= maxCache {
		c.crls = map[string]*x509.RevocationList{}
	}
	c.crls[key] = crl
	c.mu.Unlock()
	return crl, nil
}
