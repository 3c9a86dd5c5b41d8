// Package enis is a mock of ЕНИС (the unified notarial information system, БНАЖ) as a provider
// behind the ШЭП gateway: it answers SendMessage with serviceId ENIS_POWER_OF_ATTORNEY,
// forwarded and signed by the gateway, with the check of a notarised power of attorney
// (generated/enis, wsdl/enis.wsdl). Every answer, faults included, is signed with the enis key of
// the test PKI, and the PowerOfAttorneyResponse document itself carries an enveloped signature
// with the same key, so that it can be checked on its own.
//
// Routes (Register):
//
//	POST /enis/sync        SendMessage from the gateway
//	GET  /enis/sync?wsdl   wsdl/enis.wsdl with soap:address set to the URL it was fetched from
//
// # Answers
//
// requestData/data holds a PowerOfAttorneyRequest (requestNumber, number, principalIin,
// representativeIin, requestDate); responseData/data a PowerOfAttorneyResponse, with
// responseInfo/status SCSS001. The contract has one way to say "no": found=false, which the
// mock answers both when it does not know the number and when the principal or the
// representative is not the one of the power of attorney it knows. When found, the answer
// carries the power of attorney: notary, dates, scope, revoked (with its date) and valid (in
// force on the day of checkedAt: within validFrom..validUntil and not revoked).
//
// A request the contract cannot answer is a signed SOAP Fault: SVC_IIN_INVALID when
// principalIin or representativeIin is not a valid IIN (adapter/iin.Validate), SVC_REQUEST_INVALID
// when the document is not a PowerOfAttorneyRequest or lacks requestNumber or number,
// MSG_UNKNOWN_SERVICE for another serviceId, and the channel's own refusals.
//
// # Scenarios
//
// Keys are power of attorney numbers. Outcomes (Scenario.Data may be a PowerOfAttorney in JSON,
// used instead of the directory's; without either, one is synthesized from the request):
//
//	valid      found, in force: revoked false, validUntil (if past) moved a year ahead
//	expired    found, validUntil yesterday, valid false
//	revoked    found, revoked since yesterday (or its own revocationDate), valid false
//	not-found  found false, even when the directory knows the number
//	mismatch   found true with a power of attorney whose principal and representative are
//	           other people (an ЕНИС that answers by number only): the caller must compare
//
// A scenario's Fault is injected once the request is authenticated and its number read; the
// registry's global fault before the request is read.
package enis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hooklift/gowsdl/soap"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/enis"
	"github.com/shepgate/shepgate/generated/shepsync"
	"github.com/shepgate/shepgate/mocks/scenario"
	"github.com/shepgate/shepgate/wsdl"
)

// SyncPath is where the mock listens for messages forwarded by the gateway.
const SyncPath = "/enis/sync"

// MockName is the mock's name in scenario files and in the admin API.
const MockName = "enis"

// StatusProcessed is responseInfo/status/code of every answered request.
const StatusProcessed = "SCSS001"

// MaxNumberLength bounds a power of attorney number, in characters.
const MaxNumberLength = 64

// Scenario outcomes.
const (
	OutcomeValid    = "valid"
	OutcomeExpired  = "expired"
	OutcomeRevoked  = "revoked"
	OutcomeNotFound = "not-found"
	OutcomeMismatch = "mismatch"
)

// Spec returns the scenario specification of the mock (for scenario.New).
func Spec(log *slog.Logger) scenario.Spec {
	return scenario.Spec{
		Name: MockName,
		Outcomes: []scenario.Outcome{
			{Name: OutcomeValid, Description: "found and in force"},
			{Name: OutcomeExpired, Description: "found, validUntil yesterday, not valid"},
			{Name: OutcomeRevoked, Description: "found, revoked, not valid"},
			{Name: OutcomeNotFound, Description: "found false even if the directory knows the number"},
			{Name: OutcomeMismatch, Description: "found, but for another principal and representative"},
		},
		ValidateKey: func(key string) error {
			if n := len([]rune(key)); n > MaxNumberLength {
				return fmt.Errorf("a power of attorney number has at most %d characters, got %d", MaxNumberLength, n)
			}
			return nil
		},
		ValidateData: func(outcome string, data json.RawMessage) error {
			if outcome == OutcomeNotFound {
				return errors.New("not-found takes no data")
			}
			p, err := decodePoA(data)
			if err != nil {
				return err
			}
			return p.Validate()
		},
		Logger: log,
	}
}

func decodePoA(data json.RawMessage) (PowerOfAttorney, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var p PowerOfAttorney
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("not a PowerOfAttorney: %w", err)
	}
	return p, nil
}

// Options configure the mock.
type Options struct {
	// Hop signs with the enis key and verifies the gateway (trust roots, НУЦ status).
	Hop *channel.Hop
	// Gateways are the fingerprints of the gateway's certificates (as provider.Config).
	Gateways []string
	// Store keeps the replay records (RememberMessage with receiver "enis").
	Store store.Store
	// Directory finds powers of attorney; nil means an empty MemoryDirectory.
	Directory Directory
	// Scenarios steer the mock; nil means an empty registry of Spec.
	Scenarios *scenario.Registry
	// MaxAge and MaxFuture bound messageDate (defaults 5 minutes and 1 minute).
	MaxAge, MaxFuture time.Duration
	// Logger; default Hop.Logger, else slog.Default().
	Logger *slog.Logger
}

// ENIS is the mock.
type ENIS struct {
	opts Options
	log  *slog.Logger
}

// New returns the mock. It panics when Hop, Gateways or Store is missing (a wiring error).
func New(opts Options) *ENIS {
	if opts.Hop == nil || len(opts.Gateways) == 0 || opts.Store == nil {
		panic("enis: Options need a Hop, the Gateways' fingerprints and a Store")
	}
	if opts.Logger == nil {
		opts.Logger = opts.Hop.Logger
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Directory == nil {
		opts.Directory = NewMemoryDirectory()
	}
	if opts.Scenarios == nil {
		opts.Scenarios = scenario.New(Spec(opts.Logger))
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 5 * time.Minute
	}
	if opts.MaxFuture <= 0 {
		opts.MaxFuture = time.Minute
	}
	return &ENIS{opts: opts, log: opts.Logger.With("role", "enis-mock")}
}

// Scenarios returns the mock's scenario registry.
func (m *ENIS) Scenarios() *scenario.Registry { return m.opts.Scenarios }

// Register mounts the mock's routes on e.
func (m *ENIS) Register(e *echo.Echo) {
	e.POST(SyncPath, m.handleSync)
	e.GET(SyncPath, echo.WrapHandler(wsdl.Handler(MockName)))
}

type exchange struct {
	session string
	info    shepsync.SyncMessageInfo
	req     enis.PowerOfAttorneyRequest
}

func (m *ENIS) handleSync(c echo.Context) error {
	var x exchange
	return scenario.SOAP{Registry: m.opts.Scenarios, Hop: m.opts.Hop, Log: m.log}.Serve(c,
		func(ctx context.Context, raw []byte) (string, string, error) {
			var err error
			x, err = m.receive(ctx, raw)
			return x.req.Number, x.session, err
		},
		func(ctx context.Context, sc scenario.Scenario) ([]byte, error) {
			out, found, err := m.answer(ctx, x, sc)
			if err == nil {
				m.log.Info("request answered", "session", x.session, "messageId", x.info.MessageId, "found", found, "outcome", sc.Outcome)
			}
			return out, err
		})
}

func (m *ENIS) now() time.Time {
	if m.opts.Hop.Now != nil {
		return m.opts.Hop.Now()
	}
	return time.Now()
}

// receive authenticates the envelope and reads the request.
func (m *ENIS) receive(ctx context.Context, raw []byte) (exchange, error) {
	var x exchange
	req, session, err := (&channel.Behind{Hop: m.opts.Hop, Gateways: m.opts.Gateways, Replay: m.opts.Store, Receiver: MockName,
		MaxAge: m.opts.MaxAge, MaxFuture: m.opts.MaxFuture}).Receive(ctx, raw)
	x.session = session
	if req != nil {
		x.info = req.Info
	}
	if err != nil {
		return x, err
	}
	if req.Info.ServiceId != wsdl.ServiceEnisPowerOfAttorney {
		return x, fault.New(fault.MsgUnknownService, "serviceId %q; ЕНИС serves %s", req.Info.ServiceId, wsdl.ServiceEnisPowerOfAttorney)
	}
	if req.Data == nil {
		return x, fault.New(fault.SvcRequestInvalid, "requestData/data holds no PowerOfAttorneyRequest")
	}
	if req.Data.Tag != "PowerOfAttorneyRequest" || req.Data.NamespaceURI() != nsENIS {
		return x, fault.New(fault.SvcRequestInvalid, "requestData/data holds {%s}%s, want {%s}PowerOfAttorneyRequest", req.Data.NamespaceURI(), req.Data.Tag, nsENIS)
	}
	if err := envelope.UnmarshalDocument(req.Data, &x.req, fault.SvcRequestInvalid); err != nil {
		return x, err
	}
	switch {
	case strings.TrimSpace(x.req.RequestNumber) == "":
		return x, fault.New(fault.SvcRequestInvalid, "PowerOfAttorneyRequest has no requestNumber")
	case strings.TrimSpace(x.req.Number) == "":
		return x, fault.New(fault.SvcRequestInvalid, "PowerOfAttorneyRequest has no number")
	case len([]rune(x.req.Number)) > MaxNumberLength:
		return x, fault.New(fault.SvcRequestInvalid, "number has more than %d characters", MaxNumberLength)
	}
	if err := iin.Validate(iinOf(x.req.PrincipalIin)); err != nil {
		return x, fault.Wrap(fault.SvcIINInvalid, err, "principalIin")
	}
	if err := iin.Validate(iinOf(x.req.RepresentativeIin)); err != nil {
		return x, fault.Wrap(fault.SvcIINInvalid, err, "representativeIin")
	}
	return x, nil
}

const nsENIS = "urn:kz:shepgate:enis:v1"

func iinOf(p *enis.IIN) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// answer builds and signs the answer to x under scenario sc.
func (m *ENIS) answer(ctx context.Context, x exchange, sc scenario.Scenario) ([]byte, bool, error) {
	now := m.now()
	poa, found, err := m.lookup(ctx, x, sc, now)
	if err != nil {
		return nil, false, err
	}
	f := enis.Flag(found)
	resp := &enis.PowerOfAttorneyResponse{RequestNumber: x.req.RequestNumber, Found: &f, CheckedAt: envelope.DateTime(now)}
	if found {
		resp.PowerOfAttorney = toWire(poa, now)
	}
	doc, err := envelope.MarshalDocument(resp)
	if err != nil {
		return nil, false, err
	}
	if err := m.opts.Hop.Signer.SignElement(doc); err != nil {
		return nil, false, fmt.Errorf("enis: sign the response document: %w", err)
	}
	env, err := envelope.BuildSyncResponse(&envelope.SyncResponse{
		Info: shepsync.SyncMessageInfoResponse{
			MessageId: uuid.NewString(), CorrelationId: x.info.MessageId, ResponseDate: envelope.DateTime(now),
			Status: &shepsync.StatusInfo{Code: StatusProcessed, Message: "Message has been processed successfully"},
		},
		Data: doc,
	})
	if err != nil {
		return nil, false, err
	}
	out, err := m.opts.Hop.Sign(env)
	if err != nil {
		return nil, false, err
	}
	return out, found, nil
}

// lookup decides what to answer for the request under a scenario.
func (m *ENIS) lookup(ctx context.Context, x exchange, sc scenario.Scenario, now time.Time) (PowerOfAttorney, bool, error) {
	principal, representative := iinOf(x.req.PrincipalIin), iinOf(x.req.RepresentativeIin)
	if sc.Outcome == OutcomeNotFound {
		return PowerOfAttorney{}, false, nil
	}
	var p PowerOfAttorney
	var err error
	if len(sc.Data) > 0 {
		if p, err = decodePoA(sc.Data); err != nil {
			return p, false, fmt.Errorf("enis: scenario data of %q: %w", x.req.Number, err)
		}
	} else {
		p, err = m.opts.Directory.PowerOfAttorney(ctx, x.req.Number)
		if errors.Is(err, ErrNotFound) {
			if sc.Outcome == "" {
				return p, false, nil
			}
			p, err = Synthesize(x.req.Number, principal, representative, now), nil
		}
		if err != nil {
			return p, false, fmt.Errorf("enis: directory lookup of %q: %w", x.req.Number, err)
		}
	}
	yesterday := DateOf(now.AddDate(0, 0, -1))
	switch sc.Outcome {
	case "":
		if p.PrincipalIIN != principal || p.RepresentativeIIN != representative {
			return p, false, nil
		}
	case OutcomeValid:
		p.PrincipalIIN, p.RepresentativeIIN = principal, representative
		p.Revoked, p.RevocationDate = false, Date{}
		if !p.ValidUntil.IsZero() && p.ValidUntil.Before(DateOf(now).Time) {
			p.ValidUntil = DateOf(now.AddDate(1, 0, 0))
		}
	case OutcomeExpired:
		p.PrincipalIIN, p.RepresentativeIIN = principal, representative
		p.ValidUntil = yesterday
		if !p.IssueDate.Before(yesterday.Time) {
			p.IssueDate = DateOf(now.AddDate(-1, 0, -1))
		}
		if !p.ValidFrom.IsZero() && p.ValidFrom.After(yesterday.Time) {
			p.ValidFrom = p.IssueDate
		}
	case OutcomeRevoked:
		p.PrincipalIIN, p.RepresentativeIIN = principal, representative
		if !p.Revoked || p.RevocationDate.IsZero() || p.RevocationDate.After(now) {
			p.Revoked, p.RevocationDate = true, yesterday
		}
	case OutcomeMismatch:
		if p.PrincipalIIN == principal || p.PrincipalIIN == representative {
			p.PrincipalIIN = otherIIN(principal, representative)
		}
		if p.RepresentativeIIN == principal || p.RepresentativeIIN == representative || p.RepresentativeIIN == p.PrincipalIIN {
			p.RepresentativeIIN = otherIIN(principal, representative, p.PrincipalIIN)
		}
	}
	return p, true, nil
}

// otherIIN returns a valid IIN that is none of exclude.
func otherIIN(exclude ...string) string {
	birth := time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC)
	for serial := 1; serial < 10000; serial++ {
		s, err := iin.Make(birth, false, serial)
		if err == nil && !slices.Contains(exclude, s) {
			return s
		}
	}
	return "700101300018"
}

// toWire converts a power of attorney into the generated type, valid at now.
func toWire(p PowerOfAttorney, now time.Time) *enis.PowerOfAttorney {
	principal, representative := enis.IIN(p.PrincipalIIN), enis.IIN(p.RepresentativeIIN)
	revoked, valid := enis.Flag(p.Revoked), enis.Flag(p.ValidOn(now))
	w := &enis.PowerOfAttorney{
		Number: p.Number, RegistryNumber: p.RegistryNumber,
		PrincipalIin: &principal, RepresentativeIin: &representative,
		Notary:    &enis.Notary{Name: name(&p.Notary.Name), LicenseNumber: p.Notary.LicenseNumber, Chamber: p.Notary.Chamber},
		IssueDate: date(p.IssueDate), ValidFrom: date(p.ValidFrom), ValidUntil: date(p.ValidUntil),
		Scope:   &enis.Scope{},
		Revoked: &revoked, RevocationDate: date(p.RevocationDate), Valid: &valid,
		Principal: name(p.Principal), Representative: name(p.Representative),
	}
	for _, pw := range p.Scope {
		w.Scope.Power = append(w.Scope.Power, &enis.Power{Code: pw.Code, TextKk: pw.TextKK, TextRu: pw.TextRU})
	}
	return w
}

func name(n *Name) *enis.PersonName {
	if n == nil {
		return nil
	}
	return &enis.PersonName{LastName: n.Last, FirstName: n.First, MiddleName: n.Middle}
}

func date(d Date) soap.XSDDate {
	if d.IsZero() {
		return soap.XSDDate{}
	}
	return soap.CreateXsdDate(d.Time, false)
}
