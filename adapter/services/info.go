package services

import (
	"context"
	"errors"
	"time"

	"github.com/hooklift/gowsdl/soap"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/gcvp"
	"github.com/shepgate/shepgate/wsdl"
)

// Store is the part of ГЦВП's system that the services read.
type Store interface {
	Person(ctx context.Context, iin string) (store.Person, error)
	Decision(ctx context.Context, iin, paymentKind string) (store.Decision, error)
}

// Step names a step of a regulation's flow; refusals say at which step they were made.
type Step string

// Steps of regulations 1–8 (Appendix 3, table of actions; see the package comment).
const (
	StepSignature  Step = "A3_SIGNATURE_CHECK"
	StepRequest    Step = "A3_REQUEST_CHECK"
	StepCertStatus Step = "A6_CERT_STATUS"
	StepIINBinding Step = "A7_IIN_BINDING"
	StepFindIIN    Step = "A8_FIND_IIN"
	StepFindSIK    Step = "A9_FIND_SIK"
	StepFindInfo   Step = "A10_FIND_PAYMENT_INFO"
	StepAnswer     Step = "A11_ANSWER"
)

// infoKinds maps services 1–8 to the kind of payment they report on.
var infoKinds = []struct {
	id   string
	kind gcvp.PaymentKind
}{
	{wsdl.ServiceChildbirthChildcareBenefitInfo, gcvp.PaymentKindCHILDBIRTH_CHILDCARE_BENEFIT},
	{wsdl.ServicePensionPaymentsInfo, gcvp.PaymentKindPENSION_PAYMENTS},
	{wsdl.ServiceBasicPensionInfo, gcvp.PaymentKindBASIC_PENSION},
	{wsdl.ServiceDisabilityBenefitInfo, gcvp.PaymentKindDISABILITY_BENEFIT},
	{wsdl.ServiceSurvivorBenefitInfo, gcvp.PaymentKindSURVIVOR_BENEFIT},
	{wsdl.ServiceAgeBenefitInfo, gcvp.PaymentKindAGE_BENEFIT},
	{wsdl.ServiceSpecialStateBenefitInfo, gcvp.PaymentKindSPECIAL_STATE_BENEFIT},
	{wsdl.ServiceStateSpecialBenefitInfo, gcvp.PaymentKindSTATE_SPECIAL_BENEFIT},
}

// InfoService is the flow of regulations 1–8 for one kind of payment.
type InfoService struct {
	id   string
	kind gcvp.PaymentKind
	deps *Deps
}

// InfoServices returns services 1–8.
func InfoServices(d *Deps) []Service {
	out := make([]Service, 0, len(infoKinds))
	for _, k := range infoKinds {
		out = append(out, &InfoService{id: k.id, kind: k.kind, deps: d})
	}
	return out
}

// PaymentKindOf returns the payment kind reported by an information service (1–8).
func PaymentKindOf(serviceID string) (gcvp.PaymentKind, bool) {
	for _, k := range infoKinds {
		if k.id == serviceID {
			return k.kind, true
		}
	}
	return "", false
}

// ID implements Service.
func (s *InfoService) ID() string { return s.id }

// Handle implements Service.
func (s *InfoService) Handle(ctx context.Context, r *Request) (*Answer, error) {
	d := s.deps
	// Action 3: the consumer's ЭЦҚ. Until the signature is verified nothing of the document is
	// used: a refusal at this step names the request by the ШЭП messageId.
	v, err := d.Consumers.VerifyElement(r.Document)
	if err != nil {
		return d.refuse(s.id, r.MessageID, "", StepSignature, err)
	}
	var req gcvp.InfoRequest
	if err := envelope.UnmarshalDocument(v.Element, &req, fault.SvcRequestInvalid); err != nil {
		return d.refuse(s.id, r.MessageID, "", StepRequest, err)
	}
	number := req.RequestNumber
	if number == "" {
		number = r.MessageID
	}
	reqIIN := ""
	if req.Iin != nil {
		reqIIN = string(*req.Iin)
	}
	switch {
	case req.RequestNumber == "":
		return d.refuse(s.id, number, reqIIN, StepRequest, fault.New(fault.SvcRequestInvalid, "requestNumber is required"))
	case req.ServiceId != s.id:
		return d.refuse(s.id, number, reqIIN, StepRequest, fault.New(fault.SvcRequestInvalid, "the document is for service %q, the message for %q", req.ServiceId, s.id))
	}
	if err := iin.Validate(reqIIN); err != nil {
		return d.refuse(s.id, number, reqIIN, StepRequest, err)
	}
	// Actions 6–7: the certificate's actuality at the НУЦ. An unreachable НУЦ is not the
	// consumer's fault: it is an error (a Server fault, try again), not a refusal.
	if d.Status != nil {
		if _, err := d.Status.CheckChain(ctx, v.Chain); err != nil {
			if fault.TextOf(fault.CodeOf(err)).Class == fault.Server {
				return nil, err
			}
			return d.refuse(s.id, number, reqIIN, StepCertStatus, err)
		}
	}
	if certIIN, ok := iin.FromCertificate(v.Cert); !ok || certIIN != reqIIN {
		return d.refuse(s.id, number, reqIIN, StepIINBinding,
			fault.New(fault.CertIINMismatch, "certificate IIN %q, request IIN %q", certIIN, reqIIN))
	}
	// Action 8: the IIN in ГЦВП's system.
	p, err := d.Store.Person(ctx, reqIIN)
	if errors.Is(err, store.ErrNotFound) {
		return d.refuse(s.id, number, reqIIN, StepFindIIN, fault.New(fault.SvcIINNotFound, "IIN %s", reqIIN))
	}
	if err != nil {
		return nil, err
	}
	// Action 9: the SIK.
	if p.SIK == "" {
		return d.refuse(s.id, number, reqIIN, StepFindSIK, fault.New(fault.SvcSIKNotRegistered, "IIN %s", reqIIN))
	}
	// Action 10: the information on the payment.
	dec, err := d.Store.Decision(ctx, reqIIN, string(s.kind))
	if errors.Is(err, store.ErrNotFound) {
		return d.refuse(s.id, number, reqIIN, StepFindInfo, fault.New(fault.SvcNoPaymentInfo, "IIN %s, %s", reqIIN, s.kind))
	}
	if err != nil {
		return nil, err
	}
	// Action 11: the answer by the approved form, signed by ГЦВП.
	iinv, sik := gcvp.IIN(reqIIN), gcvp.SIK(p.SIK)
	kind, outcome, amount := s.kind, gcvp.Outcome(dec.Outcome), gcvp.Tiyn(dec.AmountTiyn)
	resp := &gcvp.InfoResponse{
		RequestNumber: number,
		ServiceId:     s.id,
		Iin:           &iinv,
		Person:        &gcvp.PersonName{LastName: p.LastName, FirstName: p.FirstName, MiddleName: p.MiddleName},
		Sik:           &sik,
		Decision: &gcvp.Decision{
			PaymentKind:     &kind,
			Outcome:         &outcome,
			DecisionNumber:  dec.DecisionNumber,
			DecisionDate:    date(dec.DecisionDate),
			AmountTiyn:      &amount,
			PeriodFrom:      date(dec.PeriodFrom),
			PeriodTo:        date(dec.PeriodTo),
			RefusalReasonKk: dec.ReasonKK,
			RefusalReasonRu: dec.ReasonRU,
		},
		IssuedAt: dateTime(d.now()),
	}
	el, err := d.sign(resp)
	if err != nil {
		return nil, err
	}
	d.logger().Info("service answered", "service", s.id, "request", number, "outcome", dec.Outcome)
	return &Answer{Document: el, StatusCode: StatusOK, StatusMessage: StatusOKMessage}, nil
}

func dateTime(t time.Time) soap.XSDDateTime { return soap.CreateXsdDateTime(t, true) }

// date is an xsd:date without a zone; a zero time stays empty (the element is omitted).
func date(t time.Time) soap.XSDDate {
	if t.IsZero() {
		return soap.XSDDate{}
	}
	return soap.CreateXsdDate(t, false)
}
