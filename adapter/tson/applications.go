package tson

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// NewApplication is the body of POST /applications (process 2).
type NewApplication struct {
	Consumer   Person `json:"consumer"`
	PeriodFrom string `json:"periodFrom"`
	PeriodTo   string `json:"periodTo"`
	// Lang is the language of the result, kk or ru (optional).
	Lang string `json:"lang,omitempty"`
	// Representative acts for the consumer; PowerOfAttorney is entered only when it is
	// notarised.
	Representative  *Person          `json:"representative,omitempty"`
	PowerOfAttorney *PowerOfAttorney `json:"powerOfAttorney,omitempty"`
}

// AppState is an application as the API shows it: the record, plus what it still needs
// before its document can be signed.
type AppState struct {
	*Application
	// Missing lists what is missing before the document can be produced (DRAFT only), in
	// English; MissingKK and MissingRU the same in Kazakh and Russian.
	Missing   []string `json:"missing,omitempty"`
	MissingKK []string `json:"missingKk,omitempty"`
	MissingRU []string `json:"missingRu,omitempty"`
	// ChannelError says why the status could not be refreshed from the gateway just now.
	ChannelError *Problem `json:"channelError,omitempty"`
}

func (c *CON) state(a *Application) *AppState {
	s := &AppState{Application: a}
	if a.Status == StatusDraft {
		for _, n := range a.missing() {
			s.Missing, s.MissingKK, s.MissingRU = append(s.Missing, n.en), append(s.MissingKK, n.kk), append(s.MissingRU, n.ru)
		}
	}
	return s
}

// validate checks a new application and returns it normalised.
func (n *NewApplication) validate(now time.Time) error {
	var v validator
	trim := func(p *Person) {
		p.IIN, p.LastName, p.FirstName, p.MiddleName = strings.TrimSpace(p.IIN), strings.TrimSpace(p.LastName),
			strings.TrimSpace(p.FirstName), strings.TrimSpace(p.MiddleName)
	}
	person := func(prefix string, p *Person) {
		trim(p)
		v.iin(prefix+".iin", p.IIN)
		v.name(prefix+".lastName", p.LastName, true)
		v.name(prefix+".firstName", p.FirstName, true)
		v.name(prefix+".middleName", p.MiddleName, false)
	}
	person("consumer", &n.Consumer)
	from, okFrom := v.date("periodFrom", n.PeriodFrom, true)
	to, okTo := v.date("periodTo", n.PeriodTo, true)
	if okFrom && !from.IsZero() && from.Before(PensionSystemStart) {
		v.add("periodFrom", fmt.Sprintf("%s is before the accumulative pension system began (%s)", n.PeriodFrom, PensionSystemStart.Format(time.DateOnly)),
			"Кезең 1998-01-01-ден бұрын басталмауы тиіс", "Период не может начинаться ранее 1998-01-01")
	}
	if okTo && !to.IsZero() {
		v.notFuture("periodTo", to, now)
	}
	if okFrom && okTo && !from.IsZero() && !to.IsZero() && from.After(to) {
		v.add("periodTo", fmt.Sprintf("%s is before periodFrom %s", n.PeriodTo, n.PeriodFrom),
			"Кезеңнің соңы басынан бұрын болмауы тиіс", "Конец периода не может быть раньше его начала")
	}
	switch n.Lang {
	case "", "kk", "ru":
	default:
		v.add("lang", fmt.Sprintf("%q is not kk or ru", n.Lang), "Тіл kk немесе ru болуы тиіс", "Язык должен быть kk или ru")
	}
	if r := n.Representative; r != nil {
		person("representative", r)
		if r.IIN != "" && r.IIN == n.Consumer.IIN {
			v.add("representative.iin", "is the consumer's IIN", "Өкіл тұтынушының өзі болмауы тиіс", "Представитель не может быть самим потребителем")
		}
	}
	if p := n.PowerOfAttorney; p != nil {
		p.Number, p.NotaryName = strings.TrimSpace(p.Number), strings.TrimSpace(p.NotaryName)
		if n.Representative == nil {
			v.add("powerOfAttorney", "is given without a representative",
				"Сенімхат өкілсіз көрсетілген", "Доверенность указана без представителя")
		}
		v.text("powerOfAttorney.number", p.Number, true, maxPoANumber)
		v.text("powerOfAttorney.notaryName", p.NotaryName, true, maxNotary)
		issued, okI := v.date("powerOfAttorney.issueDate", p.IssueDate, true)
		until, okU := v.date("powerOfAttorney.validUntil", p.ValidUntil, false)
		if okI && !issued.IsZero() {
			v.notFuture("powerOfAttorney.issueDate", issued, now)
		}
		if okI && okU && !issued.IsZero() && !until.IsZero() && until.Before(issued) {
			v.add("powerOfAttorney.validUntil", "is before the issue date",
				"Сенімхаттың мерзімі берілген күнінен бұрын аяқталмауы тиіс", "Срок действия не может истекать раньше даты выдачи")
		} else if okU && !until.IsZero() && until.Before(today(now)) {
			v.add("powerOfAttorney.validUntil", fmt.Sprintf("the power of attorney expired on %s", p.ValidUntil),
				"Сенімхаттың қолданылу мерзімі өткен", "Срок действия доверенности истёк")
		}
	}
	return v.err()
}

func (c *CON) createApplication(ec echo.Context) error {
	op := operatorOf(ec)
	var n NewApplication
	if err := c.decodeJSON(ec, &n); err != nil {
		return c.problem(ec, err)
	}
	now := c.now()
	if err := n.validate(now); err != nil {
		return c.problem(ec, err)
	}
	id := uuid.NewString()
	a := &Application{ID: id, RequestNumber: "CON-" + id, Operator: op.Login, Status: StatusDraft, Created: now, Updated: now,
		Consumer: n.Consumer, PeriodFrom: n.PeriodFrom, PeriodTo: n.PeriodTo, Lang: n.Lang,
		Representative: n.Representative, PowerOfAttorney: n.PowerOfAttorney, Checks: []Check{}, Documents: []Document{}}
	if err := c.apps.put(a); err != nil {
		return c.problem(ec, err)
	}
	c.log.Info("application created", "operator", op.Login, "application", id, "representative", a.Representative != nil,
		"powerOfAttorney", a.PowerOfAttorney != nil)
	ec.Response().Header().Set(echo.HeaderLocation, BasePath+"/applications/"+id)
	return ec.JSON(http.StatusCreated, c.state(a))
}

func (c *CON) listApplications(ec echo.Context) error {
	apps := c.apps.list(operatorOf(ec).Login)
	out := make([]*AppState, len(apps))
	for i, a := range apps {
		out[i] = c.state(a)
	}
	return ec.JSON(http.StatusOK, map[string]any{"applications": out})
}

// owned returns the operator's application id (another operator's is not found).
func (c *CON) owned(id string, op Operator) (*Application, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, newError(CodeNotFound, "%q is not an application id", id)
	}
	a, ok := c.apps.get(id)
	if !ok || a.Operator != op.Login {
		return nil, newError(CodeNotFound, "no application %s", id)
	}
	return a, nil
}

// getApplication shows an application; a SUBMITTED one is first brought up to date from the
// gateway (its message status, and ГЦВП's answer if it has come).
func (c *CON) getApplication(ec echo.Context) error {
	op := operatorOf(ec)
	id := ec.Param("id")
	a, err := c.owned(id, op)
	if err != nil {
		return c.problem(ec, err)
	}
	var chErr *Problem
	if a.Status == StatusSubmitted {
		unlock := c.apps.lock(id)
		a, err = c.refresh(ec.Request().Context(), id)
		unlock()
		if err != nil {
			p := problemOf(upstream(err))
			chErr = &p
			c.log.Warn("status refresh failed", "application", id, "code", p.Code, "err", err)
			if a == nil {
				a, _ = c.apps.get(id)
			}
		}
	}
	s := c.state(a)
	s.ChannelError = chErr
	return ec.JSON(http.StatusOK, s)
}
