// Package portal is the client side of the ШЭП sync channel as the e-government portal (ПЭП)
// uses it: it builds the business request that the consumer signs, wraps it in a SendMessage
// signed with the portal's system key, sends it to the gateway, and checks the answer — the
// gateway's signature on the envelope and ГЦВП's signature on the document inside.
package portal

import (
	"context"
	"crypto/x509"
	"slices"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"
	"github.com/hooklift/gowsdl/soap"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/generated/gcvp"
	"github.com/shepgate/shepgate/generated/shepsync"
	"github.com/shepgate/shepgate/wsdl"
)

// Client sends service requests to the gateway.
type Client struct {
	// Hop signs with the portal's system key and verifies the gateway's answers.
	Hop *channel.Hop
	// GatewayURL is the gateway's sync channel, e.g. http://127.0.0.1:8080/shep/sync.
	GatewayURL string
	// AsyncURL is the gateway's async channel, e.g. http://127.0.0.1:8080/shep/async.
	AsyncURL string
	// SenderID and Password are the portal's credentials at the gateway.
	SenderID, Password string
	// Gateways are the fingerprints of the gateway's certificates.
	Gateways []string
	// Results verifies ГЦВП's signature on the business document of an answer.
	Results *wssec.Verifier
	// Providers are the fingerprints of ГЦВП's certificates.
	Providers []string
}

// Answer is what came back for one request.
type Answer struct {
	MessageID string
	SessionID string
	Status    shepsync.StatusInfo
	// Document is ГЦВП's signed document, verified; Signer signed it.
	Document *etree.Element
	Signer   *x509.Certificate
	// One of these is set, after the document's kind: a result of services 1–8, a SIK
	// certificate (9), a statement (10), or a refusal.
	Info      *gcvp.InfoResponse
	Sik       *gcvp.SikResponse
	Statement *gcvp.StatementResponse
	Refusal   *gcvp.Refusal
}

// NewSikRequest returns the unsigned request document of service 9 (a new SIK, or a duplicate
// of its certificate when the consumer has one).
func NewSikRequest(iinValue, requestNumber string, duplicate bool, at time.Time) (*etree.Element, error) {
	v, dup := gcvp.IIN(iinValue), gcvp.Flag(duplicate)
	return envelope.MarshalDocument(&gcvp.SikRequest{RequestNumber: requestNumber, ServiceId: wsdl.ServiceSikIssue, Iin: &v,
		RequestDate: envelope.DateTime(at), Duplicate: &dup})
}

// NewStatementRequest returns the unsigned request document of service 10 on the portal channel
// for the period [from, to].
func NewStatementRequest(iinValue, requestNumber string, from, to, at time.Time) (*etree.Element, error) {
	v, ch := gcvp.IIN(iinValue), gcvp.ChannelPORTAL
	return envelope.MarshalDocument(&gcvp.StatementRequest{RequestNumber: requestNumber, ServiceId: wsdl.ServicePensionFundStatement,
		Iin: &v, RequestDate: envelope.DateTime(at), PeriodFrom: soap.CreateXsdDate(from, false), PeriodTo: soap.CreateXsdDate(to, false), Channel: &ch})
}

// NewInfoRequest returns the unsigned request document of services 1–8 for the consumer's IIN.
func NewInfoRequest(serviceID, iinValue, requestNumber string, at time.Time) (*etree.Element, error) {
	v := gcvp.IIN(iinValue)
	return envelope.MarshalDocument(&gcvp.InfoRequest{
		RequestNumber: requestNumber,
		ServiceId:     serviceID,
		Iin:           &v,
		RequestDate:   envelope.DateTime(at),
	})
}

// Envelope returns the signed SendMessage envelope that carries a signed document to the
// service, ready to be posted to the gateway (Submit does both).
func (c *Client) Envelope(serviceID string, signed *etree.Element) ([]byte, error) {
	msg := &envelope.SyncRequest{
		Info: shepsync.SyncMessageInfo{
			MessageId:   uuid.NewString(),
			ServiceId:   serviceID,
			MessageDate: envelope.DateTime(c.now()),
			Sender:      &shepsync.SenderInfo{SenderId: c.SenderID, Password: c.Password},
		},
		Data: signed,
	}
	doc, err := envelope.BuildSyncRequest(msg)
	if err != nil {
		return nil, err
	}
	return c.Hop.Sign(doc)
}

// Submit sends a document that the consumer has signed to the service and returns the verified
// answer. A SOAP Fault from the gateway or the provider is returned as a *fault.Error.
func (c *Client) Submit(ctx context.Context, serviceID string, signed *etree.Element) (*Answer, error) {
	out, err := c.Envelope(serviceID, signed)
	if err != nil {
		return nil, err
	}
	in, err := c.Hop.Post(ctx, c.GatewayURL, out)
	if in != nil && !slices.Contains(c.Gateways, channel.Fingerprint(in.Cert)) {
		return nil, fault.Wrap(fault.RouteBadAnswer, fault.New(fault.CertSenderMismatch, "the answer is signed by %q, not by the gateway", in.Cert.Subject.CommonName), "gateway")
	}
	if err != nil {
		return nil, err
	}
	resp, err := envelope.ReadSyncResponse(in.Body, c.Hop.Limits)
	if err != nil {
		return nil, err
	}
	return c.readAnswer(resp)
}

func (c *Client) readAnswer(resp *envelope.SyncResponse) (*Answer, error) {
	a := &Answer{MessageID: resp.Info.MessageId, Status: *resp.Info.Status}
	if resp.Info.SessionId != nil {
		a.SessionID = string(*resp.Info.SessionId)
	}
	if resp.Data == nil {
		return nil, fault.New(fault.MsgInvalid, "the answer carries no document")
	}
	v, err := c.Results.VerifyElement(resp.Data)
	if err != nil {
		return nil, fault.Wrap(fault.RouteBadAnswer, err, "ГЦВП's signature on the answer")
	}
	if !slices.Contains(c.Providers, channel.Fingerprint(v.Cert)) {
		return nil, fault.Wrap(fault.RouteBadAnswer, fault.New(fault.CertSenderMismatch, "the answer's document is signed by %q, not by ГЦВП", v.Cert.Subject.CommonName), "document")
	}
	a.Document, a.Signer = v.Element, v.Cert
	switch v.Element.Tag {
	case "InfoResponse":
		a.Info = new(gcvp.InfoResponse)
		err = envelope.UnmarshalDocument(v.Element, a.Info, fault.MsgInvalid)
	case "SikResponse":
		a.Sik = new(gcvp.SikResponse)
		err = envelope.UnmarshalDocument(v.Element, a.Sik, fault.MsgInvalid)
	case "StatementResponse":
		a.Statement = new(gcvp.StatementResponse)
		err = envelope.UnmarshalDocument(v.Element, a.Statement, fault.MsgInvalid)
	case "Refusal":
		a.Refusal = new(gcvp.Refusal)
		err = envelope.UnmarshalDocument(v.Element, a.Refusal, fault.MsgInvalid)
	default:
		err = fault.New(fault.MsgInvalid, "unexpected answer document %s", v.Element.Tag)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (c *Client) now() time.Time {
	if c.Hop.Now != nil {
		return c.Hop.Now()
	}
	return time.Now()
}
