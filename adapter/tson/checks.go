package tson

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hooklift/gowsdl/soap"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/generated/enis"
	"github.com/shepgate/shepgate/generated/gbdfl"
	"github.com/shepgate/shepgate/wsdl"
)

// ГБД ФЛ's answers (generated/gbdfl; mocks/gbdfl documents them).
const (
	gbdflFound      = "SCSS001"
	gbdflNotFound   = "NOT_FOUND"
	gbdflIINInvalid = "IIN_INVALID"
	// gbdflDeceased is the lifeStatus code of a deceased person in ГБД ФЛ's dictionary.
	gbdflDeceased = "1"
	// shepOK is the ШЭП status of a processed message.
	shepOK = "SCSS001"
)

// DefaultScopes are the ЕНИС power codes that cover obtaining the statement of service 10: the
// power for the statement itself (GCVP_STATEMENT), for information from ГЦВП in general
// (GCVP_INFO) and a general power of attorney (ALL).
var DefaultScopes = []string{"GCVP_STATEMENT", "GCVP_INFO", "ALL"}

// gbdflRequest is a ГБД ФЛ Request as the root.xsd element <request>, the document shape the
// gateway carries (mocks/gbdfl reads it).
type gbdflRequest struct {
	XMLName xml.Name `xml:"request"`
	gbdfl.Request
}

// CheckAnswer is the answer of a check endpoint: the check as recorded and the application.
type CheckAnswer struct {
	Check       Check     `json:"check"`
	Application *AppState `json:"application"`
}

func (c *CON) checkConsumer(ec echo.Context) error {
	return c.runCheck(ec, CheckConsumer, c.queryConsumer)
}

func (c *CON) checkPowerOfAttorney(ec echo.Context) error {
	return c.runCheck(ec, CheckPowerOfAttorney, c.queryPowerOfAttorney)
}

// runCheck makes a check of a DRAFT application and records it: PASSED, REFUSED (the
// application becomes REFUSED: process 4) or ERROR (the gateway or the system behind it failed:
// the operator may try again; answered as a 502 problem).
func (c *CON) runCheck(ec echo.Context, kind string, query func(context.Context, *Application) Check) error {
	op := operatorOf(ec)
	id := ec.Param("id")
	unlock := c.apps.lock(id)
	defer unlock()
	a, err := c.owned(id, op)
	if err != nil {
		return c.problem(ec, err)
	}
	if a.Status != StatusDraft {
		return c.problem(ec, newError(CodeState, "application %s is %s; checks are made on a DRAFT", a.ID, a.Status))
	}
	if kind == CheckPowerOfAttorney && a.PowerOfAttorney == nil {
		return c.problem(ec, newError(CodeState, "application %s has no notarised power of attorney to check", a.ID))
	}
	start := c.now()
	ck := query(ec.Request().Context(), a)
	ck.Kind, ck.At, ck.Took = kind, start, c.now().Sub(start)
	a.Checks = append(a.Checks, ck)
	if ck.Result == ResultRefused {
		a.Status = StatusRefused
	}
	a.Updated = c.now()
	if err := c.apps.put(a); err != nil {
		return c.problem(ec, err)
	}
	c.log.Info("check made", "operator", op.Login, "application", a.ID, "check", kind, "result", ck.Result, "code", ck.Code, "took", ck.Took)
	if ck.Result == ResultError {
		c.log.Warn("check failed", "application", a.ID, "check", kind, "code", ck.Code, "err", ck.err)
		return c.problem(ec, upstream(fault.New(fault.Code(ck.Code), "%s", ck.Detail)))
	}
	return ec.JSON(http.StatusOK, CheckAnswer{Check: ck, Application: c.state(a)})
}

// refused, failed and passed build check records.
func refused(code fault.Code, format string, args ...any) Check {
	t := TextOf(code)
	return Check{Result: ResultRefused, Code: string(code), MessageKK: t.KK, MessageRU: t.RU, Detail: fault.New(code, format, args...).Detail}
}

func failed(err error) Check {
	code := fault.CodeOf(err)
	t := TextOf(code)
	detail := t.EN
	var fe *fault.Error
	if errors.As(err, &fe) && code != fault.Internal {
		detail = fe.Detail
	}
	return Check{Result: ResultError, Code: string(code), MessageKK: t.KK, MessageRU: t.RU, Detail: detail, err: err}
}

// queryConsumer asks ГБД ФЛ for the consumer (process 3, condition 1): the IIN must be known,
// the person alive, their data readable and the names entered theirs.
func (c *CON) queryConsumer(ctx context.Context, a *Application) Check {
	doc, err := envelope.MarshalDocument(&gbdflRequest{Request: gbdfl.Request{
		MessageId: uuid.NewString(), MessageDate: envelope.DateTime(c.now()), SenderCode: c.opts.SenderID, Iin: a.Consumer.IIN,
	}})
	if err != nil {
		return failed(err)
	}
	resp, msgID, err := c.gw.call(ctx, wsdl.ServiceGbdflPersonByIIN, doc)
	if err != nil {
		ck := failed(err)
		ck.MessageID = msgID
		return ck
	}
	ck := c.consumerResult(a, resp)
	ck.MessageID = msgID
	return ck
}

func (c *CON) consumerResult(a *Application, resp *envelope.SyncResponse) Check {
	if st := resp.Info.Status; st == nil || st.Code != shepOK {
		return failed(fault.New(fault.RouteBadAnswer, "ГБД ФЛ answered with status %+v", st))
	}
	if resp.Data == nil {
		return refused(CodeConsumerDataInvalid, "ГБД ФЛ's answer holds no Response")
	}
	var r gbdfl.Response
	if err := envelope.UnmarshalDocument(resp.Data, &r, CodeConsumerDataInvalid); err != nil {
		return refused(CodeConsumerDataInvalid, "ГБД ФЛ's Response does not decode: %v", errors.Unwrap(err))
	}
	if r.MessageResult == nil {
		return refused(CodeConsumerDataInvalid, "ГБД ФЛ's Response has no messageResult")
	}
	switch r.MessageResult.Code {
	case gbdflFound:
	case gbdflNotFound:
		return refused(CodeConsumerNotFound, "IIN %s: %s", a.Consumer.IIN, r.MessageResult.NameRu)
	case gbdflIINInvalid:
		return refused(fault.SvcIINInvalid, "ГБД ФЛ: IIN %s: %s", a.Consumer.IIN, r.MessageResult.NameRu)
	default:
		return failed(fault.New(fault.RouteBadAnswer, "ГБД ФЛ's messageResult %q (%s)", r.MessageResult.Code, r.MessageResult.NameRu))
	}
	if r.Persons == nil || len(r.Persons.Person) != 1 || r.Persons.Person[0] == nil {
		return refused(CodeConsumerDataInvalid, "ГБД ФЛ found the IIN but answered %d persons", countPersons(r.Persons))
	}
	p := r.Persons.Person[0]
	got := &Person{IIN: p.Iin, LastName: p.Surname, FirstName: p.Name, MiddleName: p.Patronymic}
	switch {
	case p.Iin != a.Consumer.IIN:
		ck := refused(CodeConsumerDataInvalid, "ГБД ФЛ answered IIN %q for %s", p.Iin, a.Consumer.IIN)
		ck.Person = got
		return ck
	case strings.TrimSpace(p.Surname) == "" || strings.TrimSpace(p.Name) == "":
		ck := refused(CodeConsumerDataInvalid, "ГБД ФЛ's person has no surname or name")
		ck.Person = got
		return ck
	case calendar(p.BirthDate).IsZero():
		ck := refused(CodeConsumerDataInvalid, "ГБД ФЛ's person has no birth date")
		ck.Person = got
		return ck
	}
	if (p.LifeStatus != nil && p.LifeStatus.Code == gbdflDeceased) || !calendar(p.DeathDate).IsZero() {
		ck := refused(CodeConsumerDeceased, "ГБД ФЛ: deceased on %s", calendar(p.DeathDate).Format(time.DateOnly))
		ck.Person = got
		return ck
	}
	var diff []string
	if !sameName(a.Consumer.LastName, p.Surname) {
		diff = append(diff, "last name")
	}
	if !sameName(a.Consumer.FirstName, p.Name) {
		diff = append(diff, "first name")
	}
	if a.Consumer.MiddleName != "" && !sameName(a.Consumer.MiddleName, p.Patronymic) {
		diff = append(diff, "middle name")
	}
	if len(diff) > 0 {
		ck := refused(CodeConsumerMismatch, "the %s entered differ from ГБД ФЛ's", strings.Join(diff, ", "))
		ck.Person = got
		return ck
	}
	return Check{Result: ResultPassed, Person: got}
}

func countPersons(p *gbdfl.Persons) int {
	if p == nil {
		return 0
	}
	return len(p.Person)
}

// sameName compares names as a person reads them: case, surrounding and repeated spaces and
// Ё/Е aside.
func sameName(a, b string) bool {
	norm := func(s string) string {
		s = strings.Join(strings.Fields(strings.ToUpper(s)), " ")
		return strings.ReplaceAll(s, "Ё", "Е")
	}
	return norm(a) == norm(b)
}

// calendar is an xs:date's calendar day at midnight UTC (zero when absent).
func calendar(d soap.XSDDate) time.Time {
	t := d.ToGoTime()
	if t.IsZero() || t.Year() <= 1 {
		return time.Time{}
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// queryPowerOfAttorney asks ЕНИС for the notarised power of attorney (process 3, condition 1):
// found, signed by ЕНИС, of this consumer to this representative, in force and covering the
// service.
func (c *CON) queryPowerOfAttorney(ctx context.Context, a *Application) Check {
	principal, representative := enis.IIN(a.Consumer.IIN), enis.IIN(a.Representative.IIN)
	doc, err := envelope.MarshalDocument(&enis.PowerOfAttorneyRequest{RequestNumber: a.RequestNumber + "/" + uuid.NewString()[:8],
		Number: a.PowerOfAttorney.Number, PrincipalIin: &principal, RepresentativeIin: &representative, RequestDate: envelope.DateTime(c.now())})
	if err != nil {
		return failed(err)
	}
	resp, msgID, err := c.gw.call(ctx, wsdl.ServiceEnisPowerOfAttorney, doc)
	if err != nil {
		ck := failed(err)
		ck.MessageID = msgID
		return ck
	}
	ck := c.poaResult(a, resp)
	ck.MessageID = msgID
	return ck
}

func (c *CON) poaResult(a *Application, resp *envelope.SyncResponse) Check {
	if st := resp.Info.Status; st == nil || st.Code != shepOK {
		return failed(fault.New(fault.RouteBadAnswer, "ЕНИС answered with status %+v", st))
	}
	if resp.Data == nil {
		return failed(fault.New(fault.RouteBadAnswer, "ЕНИС's answer holds no document"))
	}
	v, err := c.verifier.VerifyElement(resp.Data)
	if err != nil {
		return failed(fault.Wrap(fault.RouteBadAnswer, err, "ЕНИС's signature on its answer"))
	}
	if !slices.Contains(c.opts.ENIS, channel.Fingerprint(v.Cert)) {
		return failed(fault.New(fault.RouteBadAnswer, "ЕНИС's answer is signed by %q, not by ЕНИС", v.Cert.Subject.CommonName))
	}
	var r enis.PowerOfAttorneyResponse
	if err := envelope.UnmarshalDocument(v.Element, &r, fault.RouteBadAnswer); err != nil {
		return failed(err)
	}
	want := a.PowerOfAttorney
	if r.Found == nil || !bool(*r.Found) || r.PowerOfAttorney == nil {
		return refused(CodePoANotFound, "ЕНИС has no power of attorney %q of %s to %s", want.Number, a.Consumer.IIN, a.Representative.IIN)
	}
	p := r.PowerOfAttorney
	got := &PowerOfAttorney{Number: p.Number, IssueDate: dateString(p.IssueDate), ValidUntil: dateString(p.ValidUntil)}
	if p.Notary != nil && p.Notary.Name != nil {
		got.NotaryName = strings.TrimSpace(strings.Join([]string{p.Notary.Name.LastName, p.Notary.Name.FirstName, p.Notary.Name.MiddleName}, " "))
	}
	with := func(ck Check) Check { ck.PowerOfAttorney = got; return ck }
	day := today(c.now())
	switch {
	case p.Number != want.Number:
		return with(refused(CodePoAMismatch, "ЕНИС answered power of attorney %q for %q", p.Number, want.Number))
	case iinOf(p.PrincipalIin) != a.Consumer.IIN:
		return with(refused(CodePoAMismatch, "the principal is %s, not the consumer %s", iinOf(p.PrincipalIin), a.Consumer.IIN))
	case iinOf(p.RepresentativeIin) != a.Representative.IIN:
		return with(refused(CodePoAMismatch, "the representative is %s, not %s", iinOf(p.RepresentativeIin), a.Representative.IIN))
	case p.Revoked != nil && bool(*p.Revoked):
		return with(refused(CodePoARevoked, "revoked on %s", dateString(p.RevocationDate)))
	case !calendar(p.ValidUntil).IsZero() && calendar(p.ValidUntil).Before(day):
		return with(refused(CodePoAExpired, "valid until %s", dateString(p.ValidUntil)))
	case p.Valid == nil || !bool(*p.Valid):
		return with(refused(CodePoANotValid, "ЕНИС says it is not in force (valid from %s)", dateString(p.ValidFrom)))
	}
	var powers []string
	if p.Scope != nil {
		for _, pw := range p.Scope.Power {
			if pw != nil {
				powers = append(powers, pw.Code)
			}
		}
	}
	if !slices.ContainsFunc(powers, func(code string) bool { return slices.Contains(c.opts.Scopes, code) }) {
		return with(refused(CodePoAScope, "it grants %v; one of %v is needed", powers, c.opts.Scopes))
	}
	return with(Check{Result: ResultPassed})
}

func iinOf(p *enis.IIN) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

func dateString(d soap.XSDDate) string {
	if t := calendar(d); !t.IsZero() {
		return t.Format(time.DateOnly)
	}
	return ""
}
