// Package channel is one signed SOAP-over-HTTP hop of the ШЭП: the part of every role (portal,
// gateway, ГЦВП provider) that reads, authenticates, signs and sends envelopes.
//
// Receive does, in this order and nothing else: bounded read → safe parse (xmlsafe) → SOAP
// structure (envelope.Check) → WS-Security signature with the chain to the trust roots (wssec) →
// the signer's certificate status at the НУЦ (certstatus) → the signer is a known peer. It hands on
// only the Body that the verifier returned. Call and Reply sign what they send.
package channel

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/certstatus"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
)

// ContentType is the media type of SOAP 1.1 messages.
const ContentType = "text/xml; charset=utf-8"

// StatusChecker checks the revocation status of a verified certificate chain (leaf first).
type StatusChecker interface {
	CheckChain(ctx context.Context, chain []*x509.Certificate) ([]certstatus.Result, error)
}

// Hop holds what one role needs to exchange signed envelopes.
type Hop struct {
	// Name identifies the role in logs and metrics ("portal", "gateway", "provider").
	Name string
	// Signer signs every envelope the hop sends, faults included.
	Signer *wssec.Signer
	// Verifier checks signatures and chains to the configured trust roots.
	Verifier *wssec.Verifier
	// Status checks certificates at the НУЦ; nil skips the check (only for tests of other parts).
	Status StatusChecker
	// Limits bound what is parsed.
	Limits xmlsafe.Limits
	// HTTP sends requests (Call). Nil means a client with keep-alive and a 30 s timeout.
	HTTP *http.Client
	// Logger receives one line per exchange; never message bodies or passwords.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Incoming is an authenticated envelope.
type Incoming struct {
	// Doc is the parsed envelope.
	Doc *etree.Document
	// Body is the S:Body that the signature covers: the only part to be used.
	Body *etree.Element
	// Cert is the signer's certificate; Chain runs from it to a trust root.
	Cert  *x509.Certificate
	Chain []*x509.Certificate
}

// Fingerprint returns the hex SHA-256 of a certificate's DER: how peers are pinned.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

func (h *Hop) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Hop) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// MaxBytes is the largest message the hop reads (Limits.MaxBytes, or xmlsafe's default).
func (h *Hop) MaxBytes() int {
	if h.Limits.MaxBytes > 0 {
		return h.Limits.MaxBytes
	}
	return xmlsafe.DefaultLimits.MaxBytes
}

// ReadBody reads at most limit bytes of r; more is an XML_TOO_LARGE fault.
func ReadBody(r io.Reader, limit int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("channel: read body: %w", err)
	}
	if len(b) > limit {
		return nil, fault.New(fault.XMLTooLarge, "message exceeds %d bytes", limit)
	}
	return b, nil
}

// Receive parses and authenticates raw as described in the package comment.
func (h *Hop) Receive(ctx context.Context, raw []byte) (*Incoming, error) {
	doc, err := xmlsafe.Parse(raw, h.Limits)
	if err != nil {
		return nil, err
	}
	if _, err := envelope.Check(doc); err != nil {
		return nil, err
	}
	v, err := h.Verifier.VerifyEnvelope(doc)
	if err != nil {
		return nil, err
	}
	if h.Status != nil {
		if _, err := h.Status.CheckChain(ctx, v.Chain); err != nil {
			return nil, err
		}
	}
	return &Incoming{Doc: doc, Body: v.Element, Cert: v.Cert, Chain: v.Chain}, nil
}

// Sign signs doc with the hop's key and serializes it.
func (h *Hop) Sign(doc *etree.Document) ([]byte, error) {
	if err := h.Signer.SignEnvelope(doc); err != nil {
		return nil, fmt.Errorf("channel %s: sign: %w", h.Name, err)
	}
	return envelope.Serialize(doc)
}

// FaultEnvelope returns the signed fault envelope that describes err. The fault carries the
// error's stable code; an error without a code is logged here and answered as INTERNAL without
// its text.
func (h *Hop) FaultEnvelope(err error, sessionID string) []byte {
	return h.FaultEnvelopeFor(err, sessionID, xml.Name{})
}

// FaultEnvelopeFor is FaultEnvelope with the detail element of a given operation (see
// envelope.AsyncFaultElement); a zero name is the sync channel's.
func (h *Hop) FaultEnvelopeFor(err error, sessionID string, element xml.Name) []byte {
	if fault.CodeOf(err) == fault.Internal {
		h.logger().Error("internal error", "role", h.Name, "err", err)
	}
	f := envelope.FaultFrom(err, h.now(), sessionID)
	f.Element = element
	doc, berr := envelope.BuildFault(f)
	if berr == nil {
		if out, serr := h.Sign(doc); serr == nil {
			return out
		} else {
			berr = serr
		}
	}
	// Signing a fault cannot fail with a working key; if it does, still answer with a fault.
	h.logger().Error("cannot build signed fault", "role", h.Name, "err", berr)
	doc, _ = envelope.BuildFault(f)
	out, _ := envelope.Serialize(doc)
	return out
}

// Call signs doc, POSTs it to url and authenticates the answer. An authentic SOAP Fault answer
// is returned as a *fault.Error with the fault's code (as sent by the peer), with the Incoming;
// an unreachable peer is ROUTE_UNAVAILABLE, an answer that is not authentic ROUTE_BAD_ANSWER.
func (h *Hop) Call(ctx context.Context, url string, doc *etree.Document) (*Incoming, error) {
	out, err := h.Sign(doc)
	if err != nil {
		return nil, err
	}
	return h.Post(ctx, url, out)
}

// Post sends an already signed envelope and authenticates the answer.
func (h *Hop) Post(ctx context.Context, url string, out []byte) (*Incoming, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytesReader(out))
	if err != nil {
		return nil, fmt.Errorf("channel %s: request: %w", h.Name, err)
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("SOAPAction", `""`)
	client := h.HTTP
	if client == nil {
		client = defaultClient
	}
	start := h.now()
	resp, err := client.Do(req)
	if err != nil {
		return nil, fault.Wrap(fault.RouteUnavailable, err, "POST %s", url)
	}
	defer resp.Body.Close()
	raw, err := ReadBody(resp.Body, h.MaxBytes())
	if err != nil {
		return nil, err
	}
	in, err := h.Receive(ctx, raw)
	if err != nil {
		// An answer that is not an authentic envelope is the peer's failure, not the caller's:
		// ROUTE_BAD_ANSWER, with the cause (and the peer's fault code, if it sent a readable
		// fault) in the chain.
		if doc, perr := xmlsafe.Parse(raw, h.Limits); perr == nil {
			if body, cerr := envelope.Check(doc); cerr == nil {
				if f, ok := envelope.ReadFault(body); ok {
					return nil, fault.Wrap(fault.RouteBadAnswer, f.Err(), "unauthenticated fault from %s (HTTP %d): %v", url, resp.StatusCode, err)
				}
			}
		}
		if resp.StatusCode >= 500 {
			return nil, fault.Wrap(fault.RouteUnavailable, err, "%s answered HTTP %d", url, resp.StatusCode)
		}
		return nil, fault.Wrap(fault.RouteBadAnswer, err, "answer from %s (HTTP %d)", url, resp.StatusCode)
	}
	if f, ok := envelope.ReadFault(in.Body); ok {
		return in, f.Err()
	}
	h.logger().Debug("call", "role", h.Name, "url", url, "status", resp.StatusCode, "took", h.now().Sub(start))
	return in, nil
}

// IsFault reports whether err came from a SOAP Fault or a local refusal with a code.
func IsFault(err error) bool {
	var fe *fault.Error
	return errors.As(err, &fe)
}
