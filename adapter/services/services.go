// Package services holds the ГЦВП e-services of orders 140-ө and 485-ө-м: each takes the
// business document that the provider received (with the consumer's enveloped signature) and
// returns the ГЦВП-signed result or refusal.
//
// Services 1–8 are one template — they report a decision already recorded in ГЦВП's system —
// and are one flow here (InfoService) parameterised by the kind of payment. Its steps are named
// after the regulation's table of actions (Appendix 3 of each regulation):
//
//	action 3   check the consumer's ЭЦҚ (signature, certificate chain, validity)
//	action 6–7 check the certificate's actuality at the НУЦ (OCSP, CRL)
//	           the IIN in the certificate must be the IIN of the request
//	action 8   find the IIN in ГЦВП's system
//	action 9   find the SIK
//	action 10  find the information on the payment
//	action 11  form the answer by the approved form, signed with ГЦВП's key
//	action 4   any failure above: a refusal with an error code, signed with ГЦВП's key
package services

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/certstatus"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/generated/gcvp"
)

// StatusOK is the ШЭП status code of a message processed successfully (as seen in real traffic).
const StatusOK = "SCSS001"

// StatusOKMessage is the text that goes with StatusOK.
const StatusOKMessage = "Message has been processed successfully"

// Request is a business request handed to a service by the provider.
type Request struct {
	ServiceID string
	// MessageID is the ШЭП messageId, authenticated by the hop's signature.
	MessageID string
	// Document is the business document from requestData/data (not yet verified).
	Document *etree.Element
	// Steps receives the steps of the flow as they end; nil records none.
	Steps StepSink
}

// Answer is a service's result: a ГЦВП-signed document and the channel status that goes with it.
type Answer struct {
	Document      *etree.Element
	StatusCode    string
	StatusMessage string
	// Refusal is the refusal code when the document is a Refusal, "" for a result.
	Refusal fault.Code
	// RequestNumber and IIN identify the request once its document was verified ("" before).
	RequestNumber string
	IIN           string
}

// Service is one e-service.
type Service interface {
	// ID is the service identifier on the gateway (wsdl.Service*).
	ID() string
	// Handle processes one request. Refusals that the regulation foresees are Answers; an error
	// means the request could not be processed now (the provider answers with a SOAP Fault).
	Handle(ctx context.Context, r *Request) (*Answer, error)
}

// ServiceStore is everything of ГЦВП's system that the services use.
type ServiceStore interface {
	SikStore
	StatementStore
}

// CertStatus checks certificates at the НУЦ (adapter/certstatus).
type CertStatus interface {
	CheckChain(ctx context.Context, chain []*x509.Certificate) ([]certstatus.Result, error)
}

// Deps are what the services use.
type Deps struct {
	// Store is ГЦВП's system: its registers (services 1–8), SIKs (9) and pension-fund
	// movements (10).
	Store ServiceStore
	// Consumers verifies consumers' (and operators') signatures to the trust roots.
	Consumers *wssec.Verifier
	// Status checks certificate actuality at the НУЦ.
	Status CertStatus
	// Signer is ГЦВП's signing key for results and refusals.
	Signer *wssec.Signer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deps) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}

// sign marshals v (a generated gcvp document) and signs it with ГЦВП's key.
func (d *Deps) sign(v any) (*etree.Element, error) {
	el, err := envelope.MarshalDocument(v)
	if err != nil {
		return nil, err
	}
	if err := d.Signer.SignElement(el); err != nil {
		return nil, fmt.Errorf("services: sign %T: %w", v, err)
	}
	return el, nil
}

// refuse builds the ГЦВП-signed Refusal of action 4.
func (d *Deps) refuse(serviceID, requestNumber, iinValue string, step Step, err error) (*Answer, error) {
	code := fault.CodeOf(err)
	t := fault.TextOf(code)
	ref := &gcvp.Refusal{
		RequestNumber: requestNumber,
		ServiceId:     serviceID,
		Code:          string(code),
		MessageKk:     t.KK,
		MessageRu:     t.RU,
		Step:          string(step),
		IssuedAt:      dateTime(d.now()),
	}
	if iinValue != "" {
		v := gcvp.IIN(iinValue)
		ref.Iin = &v
	}
	el, serr := d.sign(ref)
	if serr != nil {
		return nil, serr
	}
	d.logger().Info("service refused", "service", serviceID, "request", requestNumber, "step", step, "code", code, "err", err)
	return &Answer{Document: el, StatusCode: string(code), StatusMessage: truncate(t.KK+" / "+t.RU, 250), Refusal: code,
		RequestNumber: requestNumber, IIN: iinValue}, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
