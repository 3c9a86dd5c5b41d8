package api

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/portal"
	"github.com/shepgate/shepgate/adapter/services"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/generated/shepasync"
	"github.com/shepgate/shepgate/wsdl"
)

// Kazakhstan is where the consumer's dates are: UTC+5 (the country's single time zone since
// 1 March 2024).
var Kazakhstan = time.FixedZone("UTC+5", 5*60*60)

// pensionSystemStart is the first day of the accumulative pension system: a statement period
// cannot begin before it (as ГЦВП checks).
var pensionSystemStart = time.Date(1998, time.January, 1, 0, 0, 0, 0, time.UTC)

// Regulation totals (see the package comment).
const (
	// NormDefault is the total time of services 1–8 and 10: "5–6 min", the upper bound.
	NormDefault = 6 * time.Minute
	// NormSik is service 9's: the sum of its success path's upper bounds (no total is stated).
	NormSik = 255 * time.Second
)

// NormOf is the regulation's total time of a service: the deadline is the sending time plus it.
func NormOf(serviceID string) time.Duration {
	if serviceID == wsdl.ServiceSikIssue {
		return NormSik
	}
	return NormDefault
}

// sendTimeout bounds one submission to the gateway, and staleClaim is when a submission that
// did not finish (the process died) no longer holds its draft.
const (
	sendTimeout = 30 * time.Second
	staleClaim  = 2 * time.Minute
	pollTimeout = 20 * time.Second
	maxJSONBody = 64 << 10
)

// ---- session ----

// LoginRequest is the body of POST /api/v1/session.
type LoginRequest struct {
	IIN      string `json:"iin"`
	Password string `json:"password"`
}

// SessionView is the answer of POST and GET /api/v1/session.
type SessionView struct {
	IIN       string    `json:"iin"`
	Name      string    `json:"name"`
	CSRFToken string    `json:"csrfToken"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (a *API) login(c echo.Context) error {
	var in LoginRequest
	if err := bindJSON(c, &in); err != nil {
		return a.fail(c, err)
	}
	if in.IIN == "" {
		return a.fail(c, invalid("iin", "iin is required: the consumer's 12-digit IIN"))
	}
	if err := iin.Validate(in.IIN); err != nil {
		return a.fail(c, invalid("iin", "iin is not a valid IIN: 12 digits with a valid check digit are expected"))
	}
	if in.Password == "" {
		return a.fail(c, invalid("password", "password is required"))
	}
	if len(in.Password) > 256 {
		return a.fail(c, invalid("password", "password is longer than 256 bytes"))
	}
	now := a.now()
	if wait := a.logins.locked(in.IIN, now); wait > 0 {
		secs := int(wait.Round(time.Second) / time.Second)
		return a.fail(c, &apiError{code: CodeLoginLocked, retryAfter: max(secs, 1),
			detail: fmt.Sprintf("too many failed logins for this IIN; try again in %d s", max(secs, 1))})
	}
	acc := a.accounts[in.IIN]
	if !checkPassword(acc, in.Password) {
		a.logins.fail(in.IIN, now)
		a.log.Info("login failed", "iin", in.IIN)
		return a.fail(c, newError(CodeLoginFailed, "unknown IIN or wrong password"))
	}
	a.logins.succeed(in.IIN)
	token, ss, err := a.sessions.create(acc, now)
	if err != nil {
		return a.fail(c, fmt.Errorf("api: new session: %w", err))
	}
	c.SetCookie(a.cookie(token))
	a.log.Info("login", "iin", acc.IIN)
	return c.JSON(http.StatusOK, sessionView(ss))
}

func sessionView(ss session) SessionView {
	return SessionView{IIN: ss.iin, Name: ss.name, CSRFToken: ss.csrf, ExpiresAt: ss.expires.UTC()}
}

func (a *API) whoami(c echo.Context) error { return c.JSON(http.StatusOK, sessionView(current(c))) }

func (a *API) logout(c echo.Context) error {
	if ck, err := c.Cookie(CookieName); err == nil {
		if ss, ok := a.sessions.touch(ck.Value, a.now()); ok {
			if !sameToken(c.Request().Header.Get(CSRFHeader), ss.csrf) {
				return a.fail(c, newError(CodeCSRF, "the "+CSRFHeader+" header must carry the session's csrfToken"))
			}
			a.sessions.end(ck.Value)
			a.log.Info("logout", "iin", ss.iin)
		}
	}
	c.SetCookie(a.cookie(""))
	return c.NoContent(http.StatusNoContent)
}

// ---- services ----

// ServiceView is one e-service of GET /api/v1/services.
type ServiceView struct {
	ID     string `json:"id"`
	Number int    `json:"number"`
	NameKK string `json:"nameKk"`
	NameRU string `json:"nameRu"`
}

func (a *API) listServices(c echo.Context) error {
	out := make([]ServiceView, 0, len(a.services))
	for _, s := range a.services {
		out = append(out, ServiceView{ID: s.ID, Number: s.Number, NameKK: s.NameKK, NameRU: s.NameRU})
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) service(id string) (wsdl.Service, bool) {
	for _, s := range a.services {
		if s.ID == id {
			return s, true
		}
	}
	return wsdl.Service{}, false
}

// ---- new request ----

// CreateRequest is the body of POST /api/v1/requests. The IIN is the session's.
type CreateRequest struct {
	ServiceID string `json:"serviceId"`
	// Lang is "kk" or "ru" (optional).
	Lang *string `json:"lang,omitempty"`
	// Duplicate is for service 9 only: a duplicate of the SIK certificate.
	Duplicate *bool `json:"duplicate,omitempty"`
	// PeriodFrom and PeriodTo (YYYY-MM-DD) are required for service 10 and only for it.
	PeriodFrom *string `json:"periodFrom,omitempty"`
	PeriodTo   *string `json:"periodTo,omitempty"`
}

// DraftView is the answer of POST /api/v1/requests: the document to sign.
type DraftView struct {
	RequestNumber string    `json:"requestNumber"`
	ServiceID     string    `json:"serviceId"`
	Status        string    `json:"status"`
	CreatedAt     time.Time `json:"createdAt"`
	// Document is the request document (XML) for the consumer to sign with an enveloped
	// signature and post to /api/v1/requests/{number}/signature.
	Document string `json:"document"`
}

func (a *API) createRequest(c echo.Context) error {
	var in CreateRequest
	if err := bindJSON(c, &in); err != nil {
		return a.fail(c, err)
	}
	r, err := a.validateCreate(in)
	if err != nil {
		return a.fail(c, err)
	}
	ss := current(c)
	now := a.now()
	r.IIN, r.Created = ss.iin, now
	for attempt := 0; ; attempt++ {
		if r.Number, err = newRequestNumber(now); err != nil {
			return a.fail(c, err)
		}
		if r.Draft, err = buildDraft(r, now); err != nil {
			return a.fail(c, err)
		}
		err = a.store.CreatePortalRequest(c.Request().Context(), r)
		if !errors.Is(err, store.ErrDuplicate) || attempt == 4 {
			break
		}
	}
	if err != nil {
		return a.fail(c, fmt.Errorf("api: create request: %w", err))
	}
	a.metrics.CountRequest(r.ServiceID, OutcomeCreated)
	a.log.Info("request drafted", "iin", r.IIN, "service", r.ServiceID, "number", r.Number)
	c.Response().Header().Set(echo.HeaderLocation, BasePath+"/requests/"+r.Number)
	return c.JSON(http.StatusCreated, DraftView{RequestNumber: r.Number, ServiceID: r.ServiceID, Status: store.PortalDraft,
		CreatedAt: now.UTC(), Document: string(r.Draft)})
}

func (a *API) validateCreate(in CreateRequest) (store.PortalRequest, error) {
	var r store.PortalRequest
	if in.ServiceID == "" {
		return r, invalid("serviceId", "serviceId is required: one of the ids of GET /api/v1/services")
	}
	if _, ok := a.service(in.ServiceID); !ok {
		return r, invalid("serviceId", fmt.Sprintf("serviceId %q is not an offered service (see GET /api/v1/services)", in.ServiceID))
	}
	r.ServiceID = in.ServiceID
	if in.Lang != nil {
		if *in.Lang != "kk" && *in.Lang != "ru" {
			return r, invalid("lang", fmt.Sprintf("lang %q must be \"kk\" or \"ru\"", *in.Lang))
		}
		r.Lang = *in.Lang
	}
	if in.Duplicate != nil {
		if in.ServiceID != wsdl.ServiceSikIssue {
			return r, invalid("duplicate", "duplicate is for service 9 ("+wsdl.ServiceSikIssue+") only")
		}
		r.Duplicate = *in.Duplicate
	}
	if in.ServiceID != wsdl.ServicePensionFundStatement {
		for field, v := range map[string]*string{"periodFrom": in.PeriodFrom, "periodTo": in.PeriodTo} {
			if v != nil {
				return r, invalid(field, field+" is for service 10 ("+wsdl.ServicePensionFundStatement+") only")
			}
		}
		return r, nil
	}
	from, err := dateField("periodFrom", in.PeriodFrom)
	if err != nil {
		return r, err
	}
	to, err := dateField("periodTo", in.PeriodTo)
	if err != nil {
		return r, err
	}
	today := a.now().In(Kazakhstan)
	todayDate := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case from.Before(pensionSystemStart):
		return r, invalid("periodFrom", "periodFrom "+from.Format(time.DateOnly)+" is before the accumulative pension system began (1998-01-01)")
	case from.After(to):
		return r, invalid("periodFrom", "periodFrom "+from.Format(time.DateOnly)+" is after periodTo "+to.Format(time.DateOnly))
	case to.After(todayDate):
		return r, invalid("periodTo", "periodTo "+to.Format(time.DateOnly)+" is in the future (today is "+todayDate.Format(time.DateOnly)+" in Kazakhstan)")
	}
	r.PeriodFrom, r.PeriodTo = from.Format(time.DateOnly), to.Format(time.DateOnly)
	return r, nil
}

func dateField(field string, v *string) (time.Time, error) {
	if v == nil || *v == "" {
		return time.Time{}, invalid(field, field+" is required for service 10: a date YYYY-MM-DD")
	}
	t, err := time.Parse(time.DateOnly, *v)
	if err != nil {
		return time.Time{}, invalid(field, fmt.Sprintf("%s %q is not a date YYYY-MM-DD", field, *v))
	}
	return t, nil
}

// newRequestNumber is the date and time in Kazakhstan (14 digits, as the regulations' sample
// unique number) and 6 random digits.
func newRequestNumber(now time.Time) (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("api: request number: %w", err)
	}
	return fmt.Sprintf("%s%06d", now.In(Kazakhstan).Format("20060102150405"), n.Int64()), nil
}

// buildDraft is the request document of r for the consumer to sign.
func buildDraft(r store.PortalRequest, now time.Time) ([]byte, error) {
	var el *etree.Element
	var err error
	switch r.ServiceID {
	case wsdl.ServiceSikIssue:
		el, err = portal.NewSikRequest(r.IIN, r.Number, r.Duplicate, now)
	case wsdl.ServicePensionFundStatement:
		from, _ := time.Parse(time.DateOnly, r.PeriodFrom)
		to, _ := time.Parse(time.DateOnly, r.PeriodTo)
		el, err = portal.NewStatementRequest(r.IIN, r.Number, from, to, now)
	default:
		el, err = portal.NewInfoRequest(r.ServiceID, r.IIN, r.Number, now)
	}
	if err != nil {
		return nil, fmt.Errorf("api: build the request document: %w", err)
	}
	if r.Lang != "" {
		// lang is the last element of every request document (before the signature).
		el.CreateElement("lang").SetText(r.Lang)
	}
	return envelope.SerializeElement(el)
}

// ---- signing and sending ----

func (a *API) submitSignature(c echo.Context) error {
	r, err := a.own(c)
	if err != nil {
		return a.fail(c, err)
	}
	if err := requireMedia(c, "application/xml", "text/xml"); err != nil {
		return a.fail(c, err)
	}
	raw, err := channel.ReadBody(c.Request().Body, a.opts.Limits.MaxBytes)
	if err != nil {
		return a.fail(c, err)
	}
	return a.send(c, r, raw)
}

func (a *API) testSignature(c echo.Context) error {
	r, err := a.own(c)
	if err != nil {
		return a.fail(c, err)
	}
	if r.Status != store.PortalDraft {
		return a.fail(c, stateError(r, "only a DRAFT request can be signed"))
	}
	name, ok := a.testCertOf(r.IIN)
	if !ok {
		return a.fail(c, newError(CodeNoTestKey, "the test PKI has no consumer certificate for IIN "+r.IIN))
	}
	key, cert, err := a.opts.PKI.KeyPair(name)
	if err != nil {
		return a.fail(c, fmt.Errorf("api: test key %s: %w", name, err))
	}
	el, err := envelope.ParseElement(r.Draft, a.opts.Limits)
	if err != nil {
		return a.fail(c, fmt.Errorf("api: the stored draft: %w", err))
	}
	if err := (&wssec.Signer{Key: key, Cert: cert}).SignElement(el); err != nil {
		return a.fail(c, err)
	}
	raw, err := envelope.SerializeElement(el)
	if err != nil {
		return a.fail(c, err)
	}
	a.log.Info("test signature", "number", r.Number, "certificate", name)
	return a.send(c, r, raw)
}

// testCertOf is the test-PKI entry that signs for the IIN: the fixture's certificate, or the
// consumer certificate issued to (or carrying) the IIN.
func (a *API) testCertOf(iinValue string) (string, bool) {
	if name, ok := a.testCerts[iinValue]; ok {
		return name, true
	}
	for _, by := range []func(pki.Entry) string{func(e pki.Entry) string { return e.IIN }, func(e pki.Entry) string { return e.CertIIN }} {
		for _, e := range a.opts.PKI.Entries() {
			if e.Role == pki.RoleConsumer && by(e) == iinValue {
				return e.Name, true
			}
		}
	}
	return "", false
}

// send checks the signed document against the draft, claims the draft and sends it to ГЦВП
// through the gateway; a refusal of the gateway gives the draft back.
func (a *API) send(c echo.Context, r store.PortalRequest, raw []byte) error {
	if r.Status != store.PortalDraft && r.Status != store.PortalSending {
		return a.fail(c, stateError(r, "only a DRAFT request can be signed"))
	}
	el, err := checkSigned(r.Draft, raw, a.opts.Limits)
	if err != nil {
		return a.fail(c, err)
	}
	unlock := a.lock(r.Number)
	defer unlock()
	// The submission finishes even if the consumer's connection drops: the gateway may have the
	// request already.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), sendTimeout)
	defer cancel()
	now := a.now()
	if err := a.store.ClaimPortalRequest(ctx, r.Number, raw, now, now.Add(-staleClaim)); err != nil {
		if errors.Is(err, store.ErrPortalState) {
			cur, _ := a.store.PortalRequest(ctx, r.Number)
			return a.fail(c, stateError(cur, "only a DRAFT request can be signed"))
		}
		return a.fail(c, err)
	}
	id, err := a.gw.SendAsync(ctx, r.ServiceID, el)
	if err != nil {
		code := fault.CodeOf(err)
		a.log.Warn("the gateway did not take the request", "number", r.Number, "service", r.ServiceID, "code", code, "err", err)
		if rerr := a.store.ReleasePortalRequest(ctx, r.Number, string(code), a.now()); rerr != nil {
			a.log.Error("cannot give the draft back", "number", r.Number, "err", rerr)
		}
		return a.fail(c, err)
	}
	if err := a.store.MarkPortalRequestSent(ctx, r.Number, id, a.now()); err != nil {
		return a.fail(c, fmt.Errorf("api: record request %s sent as %s: %w", r.Number, id, err))
	}
	a.metrics.CountRequest(r.ServiceID, OutcomeSent)
	a.log.Info("request sent", "number", r.Number, "service", r.ServiceID, "messageId", id)
	sent, err := a.store.PortalRequest(ctx, r.Number)
	if err != nil {
		return a.fail(c, err)
	}
	v, err := a.view(ctx, sent)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, v)
}

func stateError(r store.PortalRequest, what string) *apiError {
	if r.Status == store.PortalSending {
		return newError(CodeState, fmt.Sprintf("request %s is being sent by another submission: %s", r.Number, what))
	}
	return newError(CodeState, fmt.Sprintf("request %s is %s: %s", r.Number, r.Status, what))
}

// own returns the session consumer's request named in the path; another consumer's request is
// not found, as one that does not exist.
func (a *API) own(c echo.Context) (store.PortalRequest, error) {
	number := c.Param("number")
	r, err := a.store.PortalRequest(c.Request().Context(), number)
	if errors.Is(err, store.ErrNotFound) || (err == nil && r.IIN != current(c).iin) {
		return store.PortalRequest{}, notFound("you have no request " + number)
	}
	return r, err
}

// ---- status ----

// RequestView is the status screen of a request (GET /api/v1/requests/{number}).
type RequestView struct {
	IIN           string `json:"iin"`
	RequestNumber string `json:"requestNumber"`
	ServiceID     string `json:"serviceId"`
	ServiceNumber int    `json:"serviceNumber"`
	ServiceNameKK string `json:"serviceNameKk"`
	ServiceNameRU string `json:"serviceNameRu"`
	Lang          string `json:"lang,omitempty"`
	Duplicate     *bool  `json:"duplicate,omitempty"`
	PeriodFrom    string `json:"periodFrom,omitempty"`
	PeriodTo      string `json:"periodTo,omitempty"`
	// Status is DRAFT, SENT, IN_PROGRESS, DONE, REFUSED or FAILED; StatusKK/RU say it.
	Status   string `json:"status"`
	StatusKK string `json:"statusKk"`
	StatusRU string `json:"statusRu"`
	// MessageID and MessageState are the ШЭП channel's (ON_DELIVERY, DELIVERED,
	// NOT_DELIVERED, DELIVERY_STOPPED).
	MessageID    string     `json:"messageId,omitempty"`
	MessageState string     `json:"messageState,omitempty"`
	CreatedAt    time.Time  `json:"createdAt"`
	SubmittedAt  *time.Time `json:"submittedAt"`
	// Deadline is SubmittedAt plus the regulation's total time (NormOf).
	Deadline   *time.Time `json:"deadline"`
	AnsweredAt *time.Time `json:"answeredAt,omitempty"`
	// Outcome is ASSIGNED or REFUSED (the decision of services 1–8), ISSUED or DUPLICATE (9),
	// STATEMENT (10), or the refusal code.
	Outcome     string     `json:"outcome,omitempty"`
	Steps       []StepView `json:"steps"`
	RefusalCode string     `json:"refusalCode,omitempty"`
	RefusalKK   string     `json:"refusalKk,omitempty"`
	RefusalRU   string     `json:"refusalRu,omitempty"`
	// Survey holds the survey's answers once given.
	Survey *SurveyView `json:"survey,omitempty"`
	// LastError is why the last submission or refresh did not succeed (the request's state is
	// unchanged by it; refresh again later).
	LastError *ErrorView `json:"lastError,omitempty"`
}

// StepView is one step of ГЦВП's flow as it ran.
type StepView struct {
	Step       string    `json:"step"`
	Attempt    int       `json:"attempt"`
	NameKK     string    `json:"nameKk"`
	NameRU     string    `json:"nameRu"`
	StartedAt  time.Time `json:"startedAt"`
	EndedAt    time.Time `json:"endedAt"`
	DurationMS int64     `json:"durationMs"`
	NormMS     int64     `json:"normMs"`
	// Outcome is ok, refused or error; Code the refusal or error code.
	Outcome string `json:"outcome"`
	Code    string `json:"code,omitempty"`
}

// ErrorView is a code and its texts.
type ErrorView struct {
	Code    string `json:"code"`
	TitleKK string `json:"titleKk"`
	TitleRU string `json:"titleRu"`
}

// SurveyView is the survey's answers.
type SurveyView struct {
	Q1         int       `json:"q1"`
	Q2         int       `json:"q2"`
	AnsweredAt time.Time `json:"answeredAt"`
}

// statusTexts are the statuses in Kazakh and Russian.
var statusTexts = map[string][2]string{
	store.PortalDraft:      {"Жоба (қол қойылмаған)", "Черновик (не подписан)"},
	store.PortalSent:       {"Жіберілді", "Отправлен"},
	store.PortalInProgress: {"Өңделуде", "В обработке"},
	store.PortalDone:       {"Орындалды", "Исполнен"},
	store.PortalRefused:    {"Бас тартылды", "Отказано"},
	store.PortalFailed:     {"Қатемен аяқталды", "Завершён с ошибкой"},
}

// publicStatus hides the claim of a submission in flight: the request is still a draft.
func publicStatus(s string) string {
	if s == store.PortalSending {
		return store.PortalDraft
	}
	return s
}

func (a *API) getRequest(c echo.Context) error {
	r, err := a.own(c)
	if err != nil {
		return a.fail(c, err)
	}
	var refreshErr error
	if r.Status == store.PortalSent || r.Status == store.PortalInProgress {
		r, refreshErr = a.refresh(c.Request().Context(), r)
	}
	v, err := a.view(c.Request().Context(), r)
	if err != nil {
		return a.fail(c, err)
	}
	if refreshErr != nil {
		v.LastError = errorView(fault.CodeOf(refreshErr))
	}
	return c.JSON(http.StatusOK, v)
}

// refresh asks the gateway for the answer of a sent request and stores it when it has come;
// otherwise it records the channel's state of the message. An error leaves the request as it
// was (it is returned with the request as stored).
func (a *API) refresh(ctx context.Context, r store.PortalRequest) (store.PortalRequest, error) {
	unlock := a.lock(r.Number)
	defer unlock()
	// Another refresh may have fetched the answer while this one waited: the gateway hands an
	// answer out once, so never poll for an answered request.
	cur, err := a.store.PortalRequest(ctx, r.Number)
	if err != nil {
		return r, err
	}
	if cur.Status != store.PortalSent && cur.Status != store.PortalInProgress {
		return cur, nil
	}
	// The answer is stored even if the consumer goes away meanwhile.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pollTimeout)
	defer cancel()
	ans, err := a.gw.Poll(ctx, cur.ServiceID, cur.MessageID)
	if err != nil {
		a.log.Warn("poll for the answer", "number", cur.Number, "messageId", cur.MessageID, "code", fault.CodeOf(err), "err", err)
		return cur, err
	}
	now := a.now()
	if ans != nil {
		pa, err := answerOf(ans)
		if err != nil {
			return cur, err
		}
		switch err := a.store.CompletePortalRequest(ctx, cur.Number, pa, now); {
		case err == nil:
			outcome := OutcomeDone
			if pa.Status == store.PortalRefused {
				outcome = OutcomeRefused
			}
			a.metrics.CountRequest(cur.ServiceID, outcome)
			a.log.Info("answer received", "number", cur.Number, "status", pa.Status, "outcome", pa.Outcome)
		case !errors.Is(err, store.ErrPortalState):
			return cur, err
		}
		return a.store.PortalRequest(ctx, cur.Number)
	}
	st, err := a.gw.Status(ctx, cur.MessageID)
	if err != nil {
		a.log.Warn("message status", "number", cur.Number, "messageId", cur.MessageID, "code", fault.CodeOf(err), "err", err)
		return cur, err
	}
	state := ""
	if st.MessageState != nil {
		state = string(*st.MessageState)
	}
	switch state {
	case string(shepasync.MessageStateNOT_DELIVERED), string(shepasync.MessageStateDELIVERY_STOPPED):
		msg := state
		if st.Status != nil && st.Status.StatusMessage != "" {
			msg += ": " + st.Status.StatusMessage
		}
		err = a.store.CompletePortalRequest(ctx, cur.Number, store.PortalAnswer{Status: store.PortalFailed, MessageState: state,
			Error: string(fault.RouteUnavailable)}, now)
		if err == nil {
			a.metrics.CountRequest(cur.ServiceID, OutcomeFailed)
			a.log.Warn("request not delivered", "number", cur.Number, "state", msg)
		}
	case string(shepasync.MessageStateDELIVERED):
		err = a.store.UpdatePortalRequestState(ctx, cur.Number, store.PortalInProgress, state, now)
	case "":
	default:
		err = a.store.UpdatePortalRequestState(ctx, cur.Number, cur.Status, state, now)
	}
	if err != nil && !errors.Is(err, store.ErrPortalState) {
		return cur, err
	}
	return a.store.PortalRequest(ctx, cur.Number)
}

// answerOf summarises ГЦВП's verified answer for the record.
func answerOf(ans *portal.Answer) (store.PortalAnswer, error) {
	doc, err := envelope.SerializeElement(ans.Document)
	if err != nil {
		return store.PortalAnswer{}, err
	}
	pa := store.PortalAnswer{Status: store.PortalDone, MessageState: string(shepasync.MessageStateDELIVERED), Document: doc}
	switch {
	case ans.Refusal != nil:
		pa.Status, pa.Outcome, pa.RefusalCode = store.PortalRefused, ans.Refusal.Code, ans.Refusal.Code
	case ans.Info != nil:
		if ans.Info.Decision != nil && ans.Info.Decision.Outcome != nil {
			pa.Outcome = string(*ans.Info.Decision.Outcome)
		}
	case ans.Sik != nil:
		pa.Outcome = "ISSUED"
		if ans.Sik.Duplicate != nil && bool(*ans.Sik.Duplicate) {
			pa.Outcome = "DUPLICATE"
		}
	case ans.Statement != nil:
		pa.Outcome = "STATEMENT"
	}
	return pa, nil
}

func errorView(code fault.Code) *ErrorView {
	if info, ok := codes[code]; ok {
		return &ErrorView{Code: string(code), TitleKK: info.kk, TitleRU: info.ru}
	}
	t := fault.TextOf(code)
	return &ErrorView{Code: string(code), TitleKK: t.KK, TitleRU: t.RU}
}

// view is the status screen of r, with ГЦВП's recorded steps.
func (a *API) view(ctx context.Context, r store.PortalRequest) (*RequestView, error) {
	svc, _ := wsdl.ServiceByID(r.ServiceID)
	status := publicStatus(r.Status)
	st := statusTexts[status]
	v := &RequestView{IIN: r.IIN, RequestNumber: r.Number, ServiceID: r.ServiceID, ServiceNumber: svc.Number,
		ServiceNameKK: svc.NameKK, ServiceNameRU: svc.NameRU, Lang: r.Lang, PeriodFrom: r.PeriodFrom, PeriodTo: r.PeriodTo,
		Status: status, StatusKK: st[0], StatusRU: st[1], MessageID: r.MessageID, MessageState: r.MessageState,
		CreatedAt: r.Created.UTC(), Outcome: r.Outcome, Steps: []StepView{}}
	if r.ServiceID == wsdl.ServiceSikIssue {
		d := r.Duplicate
		v.Duplicate = &d
	}
	if !r.Submitted.IsZero() {
		sub, dl := r.Submitted.UTC(), r.Submitted.Add(NormOf(r.ServiceID)).UTC()
		v.SubmittedAt, v.Deadline = &sub, &dl
	}
	if !r.Answered.IsZero() {
		t := r.Answered.UTC()
		v.AnsweredAt = &t
	}
	if r.RefusalCode != "" {
		v.RefusalCode = r.RefusalCode
		v.RefusalKK, v.RefusalRU = refusalTexts(r)
	}
	if !r.Surveyed.IsZero() {
		v.Survey = &SurveyView{Q1: r.SurveyQ1, Q2: r.SurveyQ2, AnsweredAt: r.Surveyed.UTC()}
	}
	if r.LastError != "" {
		v.LastError = errorView(fault.Code(r.LastError))
	}
	if r.MessageID != "" {
		steps, err := a.store.Steps(ctx, r.MessageID)
		if err != nil {
			return nil, err
		}
		for _, s := range steps {
			info, _ := services.InfoOf(services.Step(s.Step))
			v.Steps = append(v.Steps, StepView{Step: s.Step, Attempt: s.Attempt, NameKK: info.NameKK, NameRU: info.NameRU,
				StartedAt: s.Started.UTC(), EndedAt: s.Ended.UTC(), DurationMS: s.Ended.Sub(s.Started).Milliseconds(),
				NormMS: s.NormMS, Outcome: s.Outcome, Code: s.Code})
		}
	}
	return v, nil
}

// refusalTexts are the refusal's texts as ГЦВП's document gives them, or the code's.
func refusalTexts(r store.PortalRequest) (string, string) {
	if doc, err := decodeAnswer(r.Answer); err == nil && doc.refusal != nil {
		return doc.refusal.MessageKk, doc.refusal.MessageRu
	}
	t := fault.TextOf(fault.Code(r.RefusalCode))
	return t.KK, t.RU
}

// ---- list ----

// RequestSummary is one line of GET /api/v1/requests.
type RequestSummary struct {
	RequestNumber string     `json:"requestNumber"`
	ServiceID     string     `json:"serviceId"`
	ServiceNumber int        `json:"serviceNumber"`
	ServiceNameKK string     `json:"serviceNameKk"`
	ServiceNameRU string     `json:"serviceNameRu"`
	Status        string     `json:"status"`
	StatusKK      string     `json:"statusKk"`
	StatusRU      string     `json:"statusRu"`
	Outcome       string     `json:"outcome,omitempty"`
	CreatedAt     time.Time  `json:"createdAt"`
	SubmittedAt   *time.Time `json:"submittedAt"`
	Deadline      *time.Time `json:"deadline"`
}

func (a *API) listRequests(c echo.Context) error {
	rs, err := a.store.PortalRequestsOf(c.Request().Context(), current(c).iin, DefaultListLimit)
	if err != nil {
		return a.fail(c, err)
	}
	out := make([]RequestSummary, 0, len(rs))
	for _, r := range rs {
		svc, _ := wsdl.ServiceByID(r.ServiceID)
		status := publicStatus(r.Status)
		st := statusTexts[status]
		s := RequestSummary{RequestNumber: r.Number, ServiceID: r.ServiceID, ServiceNumber: svc.Number, ServiceNameKK: svc.NameKK,
			ServiceNameRU: svc.NameRU, Status: status, StatusKK: st[0], StatusRU: st[1], Outcome: r.Outcome, CreatedAt: r.Created.UTC()}
		if !r.Submitted.IsZero() {
			sub, dl := r.Submitted.UTC(), r.Submitted.Add(NormOf(r.ServiceID)).UTC()
			s.SubmittedAt, s.Deadline = &sub, &dl
		}
		out = append(out, s)
	}
	return c.JSON(http.StatusOK, out)
}

// ---- survey ----

// SurveyRequest is the body of POST /api/v1/requests/{number}/survey: each answer 1 (not
// satisfied), 2 (partially satisfied) or 3 (satisfied).
type SurveyRequest struct {
	Q1 *int `json:"q1"`
	Q2 *int `json:"q2"`
}

func (a *API) survey(c echo.Context) error {
	r, err := a.own(c)
	if err != nil {
		return a.fail(c, err)
	}
	var in SurveyRequest
	if err := bindJSON(c, &in); err != nil {
		return a.fail(c, err)
	}
	for _, q := range []struct {
		field string
		v     *int
	}{{"q1", in.Q1}, {"q2", in.Q2}} {
		if q.v == nil {
			return a.fail(c, invalid(q.field, q.field+" is required: 1 (not satisfied), 2 (partially satisfied) or 3 (satisfied)"))
		}
		if *q.v < 1 || *q.v > 3 {
			return a.fail(c, invalid(q.field, fmt.Sprintf("%s is %d; it must be 1 (not satisfied), 2 (partially satisfied) or 3 (satisfied)", q.field, *q.v)))
		}
	}
	now := a.now()
	err = a.store.SavePortalSurvey(c.Request().Context(), r.Number, *in.Q1, *in.Q2, now)
	switch {
	case errors.Is(err, store.ErrDuplicate):
		return a.fail(c, newError(CodeSurveyAnswered, "the survey of request "+r.Number+" was answered already"))
	case errors.Is(err, store.ErrPortalState):
		return a.fail(c, stateError(r, "the survey is taken once the request is answered (DONE or REFUSED)"))
	case err != nil:
		return a.fail(c, err)
	}
	a.log.Info("survey answered", "number", r.Number, "q1", *in.Q1, "q2", *in.Q2)
	return c.JSON(http.StatusCreated, SurveyView{Q1: *in.Q1, Q2: *in.Q2, AnsweredAt: now.UTC()})
}

// SurveyQuestion is a question of the survey with its answers, in Kazakh and Russian.
type SurveyQuestion struct {
	ID      string         `json:"id"`
	TextKK  string         `json:"textKk"`
	TextRU  string         `json:"textRu"`
	Answers []SurveyAnswer `json:"answers"`
}

// SurveyAnswer is one answer option.
type SurveyAnswer struct {
	Value  int    `json:"value"`
	TextKK string `json:"textKk"`
	TextRU string `json:"textRu"`
}

// Questions is the survey of quality and accessibility of the regulations (Order 140-ө,
// Appendix 6; Order 485-ө-м, Appendix 5).
var Questions = []SurveyQuestion{
	{"q1", "Электрондық мемлекеттік қызметті көрсету үдерісінің сапасына және нәтижесіне қанағаттанасыз ба?",
		"Удовлетворены ли Вы качеством процесса и результатом оказания электронной государственной услуги?", answers},
	{"q2", "Электрондық мемлекеттік қызметті көрсету тәртібі туралы ақпараттың сапасына қанағаттанасыз ба?",
		"Удовлетворены ли Вы качеством информации о порядке оказания электронной государственной услуги?", answers},
}

var answers = []SurveyAnswer{
	{1, "қанағаттанған жоқпын", "не удовлетворен(а)"},
	{2, "ішінара қанағаттанамын", "частично удовлетворен(а)"},
	{3, "қанағаттанамын", "удовлетворен(а)"},
}

func (a *API) surveyQuestions(c echo.Context) error { return c.JSON(http.StatusOK, Questions) }

// ---- input ----

// bindJSON reads a JSON body of at most maxJSONBody bytes into v, refusing other media types,
// unknown fields and trailing data, with the field at fault.
func bindJSON(c echo.Context, v any) error {
	if err := requireMedia(c, "application/json"); err != nil {
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(c.Request().Body, maxJSONBody+1))
	if err != nil {
		return fmt.Errorf("api: read body: %w", err)
	}
	if len(raw) > maxJSONBody {
		return newError(CodeTooLarge, fmt.Sprintf("the JSON body exceeds %d bytes", maxJSONBody))
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return invalid(te.Field, fmt.Sprintf("%s must be a JSON %s", te.Field, jsonType(te.Type.String())))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return invalid(f, fmt.Sprintf("unknown field %q", f))
		case errors.Is(err, io.EOF):
			return invalid("", "the body is empty; a JSON object is expected")
		}
		return invalid("", "the body is not valid JSON: "+err.Error())
	}
	if dec.More() {
		return invalid("", "the body holds more than one JSON value")
	}
	return nil
}

func jsonType(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int64":
		return "integer"
	}
	return "value of another type"
}

// requireMedia refuses a body whose Content-Type is none of types.
func requireMedia(c echo.Context, types ...string) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		for _, t := range types {
			if mt == t {
				return nil
			}
		}
	}
	return newError(CodeMediaType, fmt.Sprintf("Content-Type %q; this endpoint takes %s", ct, strings.Join(types, " or ")))
}
