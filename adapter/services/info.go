package services

import (
	"context"
	"errors"
	"time"

	"github.com/beevik/etree"
	"github.com/hooklift/gowsdl/soap"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
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

var _ = describe(
	StepInfo{StepSignature, "Тұтынушының ЭЦҚ-сын тексеру", "Проверка ЭЦП потребителя", time.Minute},
	StepInfo{StepRequest, "Сұрау салуды тексеру", "Проверка запроса", 0},
	StepInfo{StepCertStatus, "ҰКО-да ЭЦҚ өзектілігін тексеру", "Проверка актуальности ЭЦП в НУЦ", 90 * time.Second},
	StepInfo{StepIINBinding, "Сертификаттағы ЖСН-ді тексеру", "Сверка ИИН в сертификате", 15 * time.Second},
	StepInfo{StepFindIIN, "ЖСН-ді «ЗТМО» ААЖ-да іздеу", "Поиск ИИН в АИС ГЦВП", 15 * time.Second},
	StepInfo{StepFindSIK, "ӘЖК-ні іздеу", "Поиск СИК", 15 * time.Second},
	StepInfo{StepFindInfo, "Төлемдер туралы ақпаратты іздеу", "Поиск сведений о выплатах", 30 * time.Second},
	StepInfo{StepAnswer, "Жауапты қалыптастыру және ЗТМО ЭЦҚ-сымен қол қою", "Формирование ответа и подписание ЭЦП ГЦВП", 20 * time.Second},
)

// Handle implements Service. Each step is recorded (Request.Steps) with its time; a refusal ends
// the flow with the ГЦВП-signed Refusal of action 4.
func (s *InfoService) Handle(ctx context.Context, r *Request) (*Answer, error) {
	d := s.deps
	f := d.start(ctx, r, s.id)
	v, ok := f.verify(StepSignature)
	if !ok {
		return f.end()
	}
	var req gcvp.InfoRequest
	if !f.step(StepRequest, func() error {
		if err := envelope.UnmarshalDocument(v.Element, &req, fault.SvcRequestInvalid); err != nil {
			return err
		}
		return f.identify(req.RequestNumber, req.Iin, req.ServiceId)
	}) || !f.certStatus(StepCertStatus, v) || !f.binding(StepIINBinding, v) {
		return f.end()
	}
	// Action 8: the IIN in ГЦВП's system; 9: the SIK; 10: the information on the payment.
	var p store.Person
	var dec store.Decision
	if !f.step(StepFindIIN, func() (err error) {
		p, err = d.Store.Person(ctx, f.iin)
		if errors.Is(err, store.ErrNotFound) {
			return fault.New(fault.SvcIINNotFound, "IIN %s", f.iin)
		}
		return err
	}) || !f.step(StepFindSIK, func() error {
		if p.SIK == "" {
			return fault.New(fault.SvcSIKNotRegistered, "IIN %s", f.iin)
		}
		return nil
	}) || !f.step(StepFindInfo, func() (err error) {
		dec, err = d.Store.Decision(ctx, f.iin, string(s.kind))
		if errors.Is(err, store.ErrNotFound) {
			return fault.New(fault.SvcNoPaymentInfo, "IIN %s, %s", f.iin, s.kind)
		}
		return err
	}) {
		return f.end()
	}
	// Action 11: the answer by the approved form, signed by ГЦВП.
	var el *etree.Element
	if !f.step(StepAnswer, func() (err error) {
		el, err = d.sign(s.response(f.number, f.iin, p, dec))
		return err
	}) {
		return f.end()
	}
	d.logger().Info("service answered", "service", s.id, "request", f.number, "outcome", dec.Outcome)
	return f.answered(el), nil
}

// response is the answer of action 11, by the approved form.
func (s *InfoService) response(number, reqIIN string, p store.Person, dec store.Decision) *gcvp.InfoResponse {
	iinv, sik := gcvp.IIN(reqIIN), gcvp.SIK(p.SIK)
	kind, outcome, amount := s.kind, gcvp.Outcome(dec.Outcome), gcvp.Tiyn(dec.AmountTiyn)
	return &gcvp.InfoResponse{
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
		IssuedAt: dateTime(s.deps.now()),
	}
}

func dateTime(t time.Time) soap.XSDDateTime { return soap.CreateXsdDateTime(t, true) }

// date is an xsd:date without a zone; a zero time stays empty (the element is omitted).
func date(t time.Time) soap.XSDDate {
	if t.IsZero() {
		return soap.XSDDate{}
	}
	return soap.CreateXsdDate(t, false)
}
