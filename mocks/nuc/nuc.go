// Package nuc is a mock of the Kazakh National Certification Authority (НУЦ РК) over the test
// PKI of adapter/pki: an RFC 6960 OCSP responder, CRLs and CA certificates under /nuc/.
//
// Routes (Register):
//
//	POST /nuc/ocsp                 OCSP request in the body (application/ocsp-request)
//	GET  /nuc/ocsp/<base64 DER>    OCSP request in the URL (RFC 6960 appendix A.1)
//	GET  /nuc/crl/<ca>.crl         full CRL of CA <ca> (an entry name: intermediate, root, untrusted-root)
//	GET  /nuc/crl/<ca>-delta.crl   delta CRL of <ca> against the CRL number the mock started with
//	GET  /nuc/ca/<ca>.crt          DER certificate of CA <ca> (the CA issuers URL of the certificates)
//
// OCSP answers follow the index of the PKI (pki.json): a serial of a revoked entry is revoked
// with the revocation time and reason of the index, any other known serial is good, a serial
// that the index does not know is unknown. Requests about the issuing CA are signed by the
// delegated responder "ocsp" (its certificate is included); requests about a CA without a
// delegated responder (the roots) are signed by that CA itself. Requests naming a CA that is
// not in the PKI get the OCSP status unauthorized, undecodable ones malformedRequest. A nonce
// (1.3.6.1.5.5.7.48.1.2, 1..32 octets) in the request is echoed in the responseExtensions.
//
// Tests steer the mock at run time with the exported methods (all safe for concurrent use):
// SetStatus overrides the status of a serial, SetDown/SetCRLDown answer HTTP 503, SetLatency/
// SetCRLLatency delay answers, SetFault makes the responder misbehave in a chosen way, Stats
// counts requests.
package nuc

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/mocks/scenario"
)

// Defaults of Options.
const (
	DefaultValidity    = 10 * time.Minute
	DefaultCRLValidity = time.Hour
	// MaxRequestSize is the largest OCSP request body the mock reads.
	MaxRequestSize = 64 << 10
)

// Options configures the mock.
type Options struct {
	// Validity is nextUpdate-thisUpdate of OCSP answers; default DefaultValidity.
	Validity time.Duration
	// CRLValidity is nextUpdate-thisUpdate of CRLs; default DefaultCRLValidity.
	CRLValidity time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives request logs (Debug) and steering changes (Info); default slog.Default().
	Logger *slog.Logger
	// Scenarios steer the mock over the admin API and from scenario files (see Spec); nil
	// means an empty registry.
	Scenarios *scenario.Registry
}

// State is a certificate status as the mock reports it.
type State int

// States.
const (
	Good State = iota
	Revoked
	Unknown
)

// String returns good, revoked or unknown.
func (s State) String() string {
	switch s {
	case Good:
		return "good"
	case Revoked:
		return "revoked"
	case Unknown:
		return "unknown"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Status is the status of a serial set with SetStatus. RevokedAt and Reason (an RFC 5280
// CRLReason code) matter for Revoked only; a zero RevokedAt means the time of SetStatus.
type Status struct {
	State     State
	RevokedAt time.Time
	Reason    int
}

// Fault makes the OCSP responder misbehave, for tests of the clients' checks.
type Fault int

// Faults of the OCSP responder.
const (
	// FaultNone answers correctly.
	FaultNone Fault = iota
	// FaultDropNonce leaves the nonce out of the answer.
	FaultDropNonce
	// FaultWrongNonce answers with a different nonce.
	FaultWrongNonce
	// FaultWrongKey signs with a key that is not the responder certificate's.
	FaultWrongKey
	// FaultTryLater answers with the OCSP status tryLater.
	FaultTryLater
	// FaultGarbage answers HTTP 200 with bytes that are not an OCSP response.
	FaultGarbage
	// FaultStale answers with a nextUpdate in the past.
	FaultStale
	// FaultFuture answers with a thisUpdate an hour in the future.
	FaultFuture
)

var faultNames = []string{"none", "drop-nonce", "wrong-nonce", "wrong-key", "try-later", "garbage", "stale", "future"}

// String returns the fault's name, such as drop-nonce.
func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("fault(%d)", int(f))
}

// Stats counts the requests the mock received (including refused ones).
type Stats struct {
	OCSP int64
	CRL  int64
	CA   int64
}

// ca is a certification authority of the PKI and the key that signs OCSP answers about it.
type ca struct {
	name       string
	cert       *x509.Certificate
	key        crypto.Signer
	signer     crypto.Signer
	signerCert *x509.Certificate
	delegated  bool
}

// NUC is the mock. Create it with New.
type NUC struct {
	p    *pki.PKI
	opts Options
	log  *slog.Logger
	cas  []*ca

	mu          sync.Mutex
	overrides   map[string]Status
	down        bool
	crlDown     bool
	latency     time.Duration
	crlLatency  time.Duration
	fault       Fault
	wrongKey    crypto.Signer
	crlNumber   *big.Int
	baseNumber  *big.Int
	ocspCount   atomic.Int64
	crlCount    atomic.Int64
	caCertCount atomic.Int64
}

// New returns a mock serving the PKI p.
func New(p *pki.PKI, opts Options) *NUC {
	if opts.Validity <= 0 {
		opts.Validity = DefaultValidity
	}
	if opts.CRLValidity <= 0 {
		opts.CRLValidity = DefaultCRLValidity
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Scenarios == nil {
		opts.Scenarios = scenario.New(Spec(opts.Logger))
	}
	n := &NUC{p: p, opts: opts, log: opts.Logger.With("component", "nuc-mock"), overrides: map[string]Status{}}
	// The responder of a CA: an OCSP-role entry issued by it, else the CA itself.
	for _, e := range p.Entries() {
		if !e.Role.IsCA() {
			continue
		}
		key, cert, err := p.KeyPair(e.Name)
		if err != nil {
			continue // Load guarantees every entry has both
		}
		c := &ca{name: e.Name, cert: cert, key: key, signer: key, signerCert: cert}
		for _, r := range p.Entries() {
			if r.Role == pki.RoleOCSP && r.Issuer == e.Name {
				if rk, rc, err := p.KeyPair(r.Name); err == nil {
					c.signer, c.signerCert, c.delegated = rk, rc, true
				}
			}
		}
		n.cas = append(n.cas, c)
	}
	n.baseNumber = big.NewInt(opts.Now().Unix())
	n.crlNumber = new(big.Int).Set(n.baseNumber)
	return n
}

// Register mounts the mock's routes on e.
func (n *NUC) Register(e *echo.Echo) {
	e.POST("/nuc/ocsp", n.ocspPost)
	e.GET("/nuc/ocsp", n.ocspGet)
	e.GET("/nuc/ocsp/*", n.ocspGet)
	e.GET("/nuc/crl/:name", n.crl)
	e.GET("/nuc/ca/:name", n.caCert)
}

// SetStatus overrides the status of the certificate with the given serial (hex, case and
// colons ignored) in OCSP answers and, for serials of the PKI, in the CRLs of their issuer.
func (n *NUC) SetStatus(serialHex string, st Status) error {
	s, err := normSerial(serialHex)
	if err != nil {
		return err
	}
	if st.State == Revoked && st.RevokedAt.IsZero() {
		st.RevokedAt = n.opts.Now()
	}
	st.RevokedAt = st.RevokedAt.UTC().Truncate(time.Second)
	n.mu.Lock()
	n.overrides[s] = st
	n.mu.Unlock()
	n.log.Info("nuc: status set", "serial", s, "state", st.State, "reason", pki.ReasonName(st.Reason))
	return nil
}

// ResetStatus removes the override of a serial set with SetStatus.
func (n *NUC) ResetStatus(serialHex string) error {
	s, err := normSerial(serialHex)
	if err != nil {
		return err
	}
	n.mu.Lock()
	delete(n.overrides, s)
	n.mu.Unlock()
	return nil
}

// SetDown makes the OCSP responder answer HTTP 503 Service Unavailable (down) or work again.
func (n *NUC) SetDown(down bool) {
	n.mu.Lock()
	n.down = down
	n.mu.Unlock()
	n.log.Info("nuc: ocsp down", "down", down)
}

// SetCRLDown makes the CRL and CA certificate downloads answer HTTP 503 or work again.
func (n *NUC) SetCRLDown(down bool) {
	n.mu.Lock()
	n.crlDown = down
	n.mu.Unlock()
	n.log.Info("nuc: crl down", "down", down)
}

// SetLatency delays every OCSP answer by d (0 for none).
func (n *NUC) SetLatency(d time.Duration) {
	n.mu.Lock()
	n.latency = d
	n.mu.Unlock()
	n.log.Info("nuc: ocsp latency", "latency", d)
}

// SetCRLLatency delays every CRL and CA certificate answer by d (0 for none).
func (n *NUC) SetCRLLatency(d time.Duration) {
	n.mu.Lock()
	n.crlLatency = d
	n.mu.Unlock()
	n.log.Info("nuc: crl latency", "latency", d)
}

// SetFault makes the OCSP responder misbehave (FaultNone to stop).
func (n *NUC) SetFault(f Fault) {
	n.mu.Lock()
	n.fault = f
	n.mu.Unlock()
	n.log.Info("nuc: ocsp fault", "fault", f.String())
}

// Reset clears every override, fault, latency and outage.
func (n *NUC) Reset() {
	n.mu.Lock()
	n.overrides = map[string]Status{}
	n.down, n.crlDown, n.latency, n.crlLatency, n.fault = false, false, 0, 0, FaultNone
	n.mu.Unlock()
}

// Stats returns the request counters.
func (n *NUC) Stats() Stats {
	return Stats{OCSP: n.ocspCount.Load(), CRL: n.crlCount.Load(), CA: n.caCertCount.Load()}
}

func normSerial(s string) (string, error) {
	s = strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimPrefix(strings.ToLower(s), "0x")))
	v, ok := new(big.Int).SetString(s, 16)
	if !ok || v.Sign() < 0 {
		return "", fmt.Errorf("nuc: serial %q is not hex", s)
	}
	return v.Text(16), nil
}

// Scenarios returns the mock's scenario registry (per-certificate statuses, global faults).
func (n *NUC) Scenarios() *scenario.Registry { return n.opts.Scenarios }

// MockName is the mock's name in the admin API and in scenario files.
const MockName = "nuc"

// Scenario outcomes of a certificate (key: its serial number in lower-case hex).
const (
	OutcomeGood    = "good"
	OutcomeRevoked = "revoked"
	OutcomeUnknown = "unknown"
)

// RevokedData is the optional data of a revoked scenario.
type RevokedData struct {
	// Reason is an RFC 5280 CRLReason name such as keyCompromise (default unspecified).
	Reason string `json:"reason,omitempty"`
	// RevokedAt is the revocation time (RFC 3339; default: when the scenario is read).
	RevokedAt time.Time `json:"revokedAt,omitzero"`
}

var hexSerial = regexp.MustCompile(`^[0-9a-f]{1,64}$`)

// Spec describes the НУЦ mock to mocks/scenario: per-certificate outcomes keyed by serial, and
// the global faults of mocks/scenario (applied to OCSP, CRL and CA requests; a soap-fault makes
// the OCSP responder answer internalError). Per-certificate faults are not supported: use the
// global fault.
func Spec(log *slog.Logger) scenario.Spec {
	return scenario.Spec{
		Name: MockName,
		Outcomes: []scenario.Outcome{
			{Name: OutcomeGood, Description: "OCSP good, not on the CRL"},
			{Name: OutcomeRevoked, Description: "OCSP revoked (data: reason, revokedAt), on the CRL"},
			{Name: OutcomeUnknown, Description: "OCSP unknown"},
		},
		ValidateKey: func(key string) error {
			if !hexSerial.MatchString(key) {
				return errors.New("a certificate is named by its serial number in lower-case hex without leading zeros (pki.json's serial)")
			}
			return nil
		},
		ValidateData: func(outcome string, data json.RawMessage) error {
			if outcome != OutcomeRevoked {
				return fmt.Errorf("outcome %q takes no data", outcome)
			}
			var d RevokedData
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&d); err != nil {
				return fmt.Errorf("revoked data: %v", err)
			}
			if _, ok := pki.ReasonCode(d.Reason); d.Reason != "" && !ok {
				return fmt.Errorf("reason %q is not an RFC 5280 CRLReason name (keyCompromise, superseded, ...)", d.Reason)
			}
			return nil
		},
		Logger: log,
	}
}

// scenarioStatus returns the status a scenario sets for a serial, if any.
func (n *NUC) scenarioStatus(serial string) (Status, bool) {
	sc, ok := n.opts.Scenarios.Get(serial)
	if !ok {
		return Status{}, false
	}
	switch sc.Outcome {
	case OutcomeGood:
		return Status{State: Good}, true
	case OutcomeUnknown:
		return Status{State: Unknown}, true
	case OutcomeRevoked:
		st := Status{State: Revoked, RevokedAt: n.opts.Now()}
		var d RevokedData
		if len(sc.Data) > 0 && json.Unmarshal(sc.Data, &d) == nil {
			if !d.RevokedAt.IsZero() {
				st.RevokedAt = d.RevokedAt
			}
			st.Reason, _ = pki.ReasonCode(d.Reason)
		}
		return st, true
	}
	return Status{}, false
}

// wait applies the latency and outage of a service and the global scenario fault; it reports
// whether the request is to be answered (false after writing an answer or when the client went
// away).
func (n *NUC) wait(c echo.Context, crl bool) (bool, error) {
	if f, ok := n.opts.Scenarios.Fault(); ok {
		if n.opts.Scenarios.Inject(c.Response(), c.Request(), f) {
			return false, nil
		}
		if f.Kind == scenario.KindSOAPFault {
			if crl {
				return false, c.NoContent(http.StatusInternalServerError)
			}
			return false, n.send(c, errorResponse(statusInternalError))
		}
	}
	n.mu.Lock()
	lat, down := n.latency, n.down
	if crl {
		lat, down = n.crlLatency, n.crlDown
	}
	n.mu.Unlock()
	if lat > 0 {
		t := time.NewTimer(lat)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.Request().Context().Done():
			return false, nil
		}
	}
	if down {
		return false, c.NoContent(http.StatusServiceUnavailable)
	}
	return true, nil
}

// ---- OCSP ----

// OCSP response statuses (RFC 6960 4.2.1).
const (
	statusSuccessful       = 0
	statusMalformedRequest = 1
	statusInternalError    = 2
	statusTryLater         = 3
	statusUnauthorized     = 6
)

var (
	oidNonce           = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidBasicResponse   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidDeltaCRL        = asn1.ObjectIdentifier{2, 5, 29, 27}
	hashByOID          = map[string]func() hash.Hash{
		"1.3.14.3.2.26":          sha1.New,
		"2.16.840.1.101.3.4.2.1": sha256.New,
		"2.16.840.1.101.3.4.2.2": sha512.New384,
		"2.16.840.1.101.3.4.2.3": sha512.New,
	}
)

type certID struct {
	HashAlgorithm  pkix.AlgorithmIdentifier
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	SerialNumber   *big.Int
}

type request struct {
	Raw        asn1.RawContent
	CertID     asn1.RawValue
	Extensions []pkix.Extension `asn1:"explicit,tag:0,optional"`
}

type tbsRequest struct {
	Version       int           `asn1:"explicit,tag:0,default:0,optional"`
	RequestorName asn1.RawValue `asn1:"explicit,tag:1,optional"`
	RequestList   []request
	Extensions    []pkix.Extension `asn1:"explicit,tag:2,optional"`
}

type ocspRequest struct {
	TBS       tbsRequest
	Signature asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

type revokedInfo struct {
	RevocationTime time.Time       `asn1:"generalized"`
	Reason         asn1.Enumerated `asn1:"explicit,tag:0,optional"`
}

type singleResponse struct {
	CertID     asn1.RawValue
	Good       asn1.Flag   `asn1:"tag:0,optional"`
	Revoked    revokedInfo `asn1:"tag:1,optional"`
	Unknown    asn1.Flag   `asn1:"tag:2,optional"`
	ThisUpdate time.Time   `asn1:"generalized"`
	NextUpdate time.Time   `asn1:"generalized,explicit,tag:0,optional"`
}

type responseData struct {
	Version     int `asn1:"optional,default:0,explicit,tag:0"`
	ResponderID asn1.RawValue
	ProducedAt  time.Time `asn1:"generalized"`
	Responses   []singleResponse
	Extensions  []pkix.Extension `asn1:"optional,explicit,tag:1"`
}

type basicResponse struct {
	TBS                asn1.RawValue
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

func (n *NUC) ocspPost(c echo.Context) error {
	n.ocspCount.Add(1)
	// Read the body before waiting: net/http notices a client that went away (and cancels the
	// request context) only once the body has been read.
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, MaxRequestSize+1))
	if ok, werr := n.wait(c, false); !ok {
		return werr
	}
	if err != nil || len(body) > MaxRequestSize {
		n.log.Debug("nuc: ocsp request body unreadable or too large", "err", err, "size", len(body))
		return n.send(c, errorResponse(statusMalformedRequest))
	}
	return n.send(c, n.Respond(body))
}

func (n *NUC) ocspGet(c echo.Context) error {
	n.ocspCount.Add(1)
	if ok, err := n.wait(c, false); !ok {
		return err
	}
	enc := strings.TrimPrefix(strings.TrimPrefix(c.Request().URL.EscapedPath(), "/nuc/ocsp"), "/")
	enc, err := url.PathUnescape(enc)
	if err != nil || enc == "" {
		return n.send(c, errorResponse(statusMalformedRequest))
	}
	var der []byte
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if der, err = e.DecodeString(enc); err == nil {
			break
		}
	}
	if err != nil || len(der) > MaxRequestSize {
		n.log.Debug("nuc: ocsp GET request is not base64", "err", err)
		return n.send(c, errorResponse(statusMalformedRequest))
	}
	return n.send(c, n.Respond(der))
}

func (n *NUC) send(c echo.Context, resp []byte) error {
	return c.Blob(http.StatusOK, "application/ocsp-response", resp)
}

func errorResponse(status int) []byte {
	b, err := asn1.Marshal(ocspResponse{Status: asn1.Enumerated(status)})
	if err != nil { // cannot happen: a SEQUENCE of one ENUMERATED
		return []byte{0x30, 0x03, 0x0a, 0x01, byte(status)}
	}
	return b
}

// Respond returns the DER OCSP response to the DER OCSP request req, as the HTTP routes do
// (without their latency and outage).
func (n *NUC) Respond(req []byte) []byte {
	n.mu.Lock()
	fault := n.fault
	n.mu.Unlock()
	switch fault {
	case FaultTryLater:
		return errorResponse(statusTryLater)
	case FaultGarbage:
		return []byte("this is not an OCSP response")
	}
	var r ocspRequest
	rest, err := asn1.Unmarshal(req, &r)
	if err != nil || len(rest) > 0 || len(r.TBS.RequestList) == 0 {
		n.log.Debug("nuc: malformed ocsp request", "err", err, "trailing", len(rest))
		return errorResponse(statusMalformedRequest)
	}
	var nonce *pkix.Extension
	for i, ext := range r.TBS.Extensions {
		if ext.Id.Equal(oidNonce) {
			var v []byte
			if rest, err := asn1.Unmarshal(ext.Value, &v); err != nil || len(rest) > 0 || len(v) == 0 {
				n.log.Debug("nuc: malformed nonce", "err", err)
				return errorResponse(statusMalformedRequest)
			}
			if len(v) <= 32 { // RFC 8954: longer nonces may be ignored
				nonce = &r.TBS.Extensions[i]
			}
		} else if ext.Critical {
			n.log.Debug("nuc: unsupported critical request extension", "oid", ext.Id.String())
			return errorResponse(statusMalformedRequest)
		}
	}

	now := n.opts.Now().UTC().Truncate(time.Second)
	var issuer *ca
	singles := make([]singleResponse, 0, len(r.TBS.RequestList))
	for _, one := range r.TBS.RequestList {
		var id certID
		if rest, err := asn1.Unmarshal(one.CertID.FullBytes, &id); err != nil || len(rest) > 0 || id.SerialNumber == nil {
			return errorResponse(statusMalformedRequest)
		}
		c := n.caOf(id)
		if c == nil || (issuer != nil && c != issuer) {
			n.log.Debug("nuc: ocsp request for a CA this responder does not serve", "serial", id.SerialNumber.Text(16))
			return errorResponse(statusUnauthorized)
		}
		issuer = c
		st := n.status(c, id.SerialNumber)
		sr := singleResponse{CertID: asn1.RawValue{FullBytes: one.CertID.FullBytes}, ThisUpdate: now, NextUpdate: now.Add(n.opts.Validity)}
		switch st.State {
		case Good:
			sr.Good = true
		case Revoked:
			sr.Revoked = revokedInfo{RevocationTime: st.RevokedAt.UTC(), Reason: asn1.Enumerated(st.Reason)}
		default:
			sr.Unknown = true
		}
		switch fault {
		case FaultStale:
			sr.ThisUpdate, sr.NextUpdate = now.Add(-2*n.opts.Validity), now.Add(-n.opts.Validity)
		case FaultFuture:
			sr.ThisUpdate, sr.NextUpdate = now.Add(time.Hour), now.Add(time.Hour+n.opts.Validity)
		}
		singles = append(singles, sr)
		n.log.Debug("nuc: ocsp answer", "ca", c.name, "serial", id.SerialNumber.Text(16), "state", st.State)
	}

	rd := responseData{
		ResponderID: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: issuer.signerCert.RawSubject},
		ProducedAt:  now,
		Responses:   singles,
	}
	if nonce != nil {
		switch fault {
		case FaultDropNonce:
		case FaultWrongNonce:
			v, _ := asn1.Marshal([]byte("not the nonce you sent"))
			rd.Extensions = []pkix.Extension{{Id: oidNonce, Value: v}}
		default:
			rd.Extensions = []pkix.Extension{{Id: oidNonce, Value: nonce.Value}}
		}
	}
	signer := issuer.signer
	if fault == FaultWrongKey {
		if signer, err = n.wrongSigner(signer); err != nil {
			n.log.Error("nuc: wrong key", "err", err)
			return errorResponse(statusInternalError)
		}
	}
	out, err := sign(rd, signer, issuer)
	if err != nil {
		n.log.Error("nuc: sign ocsp response", "err", err)
		return errorResponse(statusInternalError)
	}
	return out
}

// wrongSigner returns a key of the same type as like that no certificate vouches for.
func (n *NUC) wrongSigner(like crypto.Signer) (crypto.Signer, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, rsaLike := like.Public().(*rsa.PublicKey)
	if n.wrongKey != nil {
		if _, isRSA := n.wrongKey.Public().(*rsa.PublicKey); isRSA == rsaLike {
			return n.wrongKey, nil
		}
	}
	var err error
	if rsaLike {
		n.wrongKey, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		n.wrongKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return n.wrongKey, err
}

func sign(rd responseData, key crypto.Signer, c *ca) ([]byte, error) {
	tbs, err := asn1.Marshal(rd)
	if err != nil {
		return nil, fmt.Errorf("marshal response data: %w", err)
	}
	var alg pkix.AlgorithmIdentifier
	switch key.Public().(type) {
	case *rsa.PublicKey:
		alg = pkix.AlgorithmIdentifier{Algorithm: oidSHA256WithRSA, Parameters: asn1.NullRawValue}
	case *ecdsa.PublicKey:
		alg = pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}
	default:
		return nil, fmt.Errorf("unsupported responder key %T", key.Public())
	}
	digest := sha256.Sum256(tbs)
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign response data: %w", err)
	}
	br := basicResponse{TBS: asn1.RawValue{FullBytes: tbs}, SignatureAlgorithm: alg, Signature: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}}
	if c.delegated {
		br.Certificates = []asn1.RawValue{{FullBytes: c.signerCert.Raw}}
	}
	basic, err := asn1.Marshal(br)
	if err != nil {
		return nil, fmt.Errorf("marshal basic response: %w", err)
	}
	return asn1.Marshal(ocspResponse{Status: statusSuccessful, Bytes: responseBytes{ResponseType: oidBasicResponse, Response: basic}})
}

// caOf returns the CA whose name and key hash match id, or nil.
func (n *NUC) caOf(id certID) *ca {
	newHash, ok := hashByOID[id.HashAlgorithm.Algorithm.String()]
	if !ok {
		return nil
	}
	for _, c := range n.cas {
		var spki struct {
			Algorithm pkix.AlgorithmIdentifier
			PublicKey asn1.BitString
		}
		if _, err := asn1.Unmarshal(c.cert.RawSubjectPublicKeyInfo, &spki); err != nil {
			continue
		}
		h := newHash()
		h.Write(c.cert.RawSubject)
		nameHash := h.Sum(nil)
		h = newHash()
		h.Write(spki.PublicKey.RightAlign())
		if bytes.Equal(nameHash, id.IssuerNameHash) && bytes.Equal(h.Sum(nil), id.IssuerKeyHash) {
			return c
		}
	}
	return nil
}

// status returns the current status of serial under CA c: an override, else the index.
func (n *NUC) status(c *ca, serial *big.Int) Status {
	s := serial.Text(16)
	if st, ok := n.scenarioStatus(s); ok {
		return st
	}
	n.mu.Lock()
	st, ok := n.overrides[s]
	n.mu.Unlock()
	if ok {
		return st
	}
	for _, e := range n.p.Entries() {
		if e.Serial != s || e.Issuer != c.name || e.Name == c.name {
			continue
		}
		if e.Status == pki.StatusRevoked {
			return Status{State: Revoked, RevokedAt: e.RevokedAt, Reason: e.ReasonCode()}
		}
		return Status{State: Good}
	}
	return Status{State: Unknown}
}

// ---- CRLs and CA certificates ----

func (n *NUC) findCA(name string) *ca {
	for _, c := range n.cas {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (n *NUC) crl(c echo.Context) error {
	n.crlCount.Add(1)
	if ok, err := n.wait(c, true); !ok {
		return err
	}
	name, ok := strings.CutSuffix(c.Param("name"), ".crl")
	if !ok {
		return c.NoContent(http.StatusNotFound)
	}
	base, delta := strings.CutSuffix(name, "-delta")
	issuer := n.findCA(base)
	if issuer == nil {
		return c.NoContent(http.StatusNotFound)
	}
	der, err := n.CRL(issuer.name, delta)
	if err != nil {
		n.log.Error("nuc: make crl", "ca", issuer.name, "err", err)
		return c.NoContent(http.StatusInternalServerError)
	}
	return c.Blob(http.StatusOK, "application/pkix-crl", der)
}

// CRL returns a freshly signed DER CRL of CA caName (an entry name): the full CRL listing every
// revoked certificate it issued, or with delta a delta CRL against the CRL number the mock
// started with, listing the changes made with SetStatus since (unrevocations as removeFromCRL).
func (n *NUC) CRL(caName string, delta bool) ([]byte, error) {
	issuer := n.findCA(caName)
	if issuer == nil {
		return nil, fmt.Errorf("nuc: no CA %q", caName)
	}
	now := n.opts.Now().UTC().Truncate(time.Second)
	n.mu.Lock()
	overrides := make(map[string]Status, len(n.overrides))
	for k, v := range n.overrides {
		overrides[k] = v
	}
	n.mu.Unlock()
	for k := range n.opts.Scenarios.All() {
		if st, ok := n.scenarioStatus(k); ok {
			overrides[k] = st
		}
	}
	n.mu.Lock()
	next := big.NewInt(now.Unix())
	if next.Cmp(n.crlNumber) <= 0 {
		next.Add(n.crlNumber, big.NewInt(1))
	}
	n.crlNumber = next
	number := new(big.Int).Set(next)
	baseNumber := new(big.Int).Set(n.baseNumber)
	n.mu.Unlock()

	tmpl := &x509.RevocationList{Number: number, ThisUpdate: now, NextUpdate: now.Add(n.opts.CRLValidity)}
	for _, e := range n.p.Entries() {
		if e.Issuer != issuer.name || e.Name == issuer.name {
			continue
		}
		serial, ok := new(big.Int).SetString(e.Serial, 16)
		if !ok {
			return nil, fmt.Errorf("nuc: entry %s: bad serial %q", e.Name, e.Serial)
		}
		inIndex := e.Status == pki.StatusRevoked
		ov, overridden := overrides[e.Serial]
		revokedNow := inIndex
		if overridden {
			revokedNow = ov.State == Revoked
		}
		entry := x509.RevocationListEntry{SerialNumber: serial, RevocationTime: e.RevokedAt, ReasonCode: e.ReasonCode()}
		if overridden && ov.State == Revoked {
			entry.RevocationTime, entry.ReasonCode = ov.RevokedAt, ov.Reason
		}
		switch {
		case !delta && revokedNow:
			tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, entry)
		case delta && revokedNow && (!inIndex || overridden):
			tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, entry)
		case delta && inIndex && !revokedNow:
			entry.RevocationTime, entry.ReasonCode = now, 8 // removeFromCRL
			tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, entry)
		}
	}
	if delta {
		v, err := asn1.Marshal(baseNumber)
		if err != nil {
			return nil, fmt.Errorf("nuc: delta CRL indicator: %w", err)
		}
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidDeltaCRL, Critical: true, Value: v}}
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer.cert, issuer.key)
	if err != nil {
		return nil, fmt.Errorf("nuc: sign CRL of %s: %w", issuer.name, err)
	}
	return der, nil
}

func (n *NUC) caCert(c echo.Context) error {
	n.caCertCount.Add(1)
	if ok, err := n.wait(c, true); !ok {
		return err
	}
	name, ok := strings.CutSuffix(c.Param("name"), ".crt")
	issuer := n.findCA(name)
	if !ok || issuer == nil {
		return c.NoContent(http.StatusNotFound)
	}
	return c.Blob(http.StatusOK, "application/pkix-cert", issuer.cert.Raw)
}
