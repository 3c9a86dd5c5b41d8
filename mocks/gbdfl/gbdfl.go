// Package gbdfl is a mock of ГБД ФЛ (the state database "Natural persons", ЖТ МДБ) as a
// provider behind the ШЭП gateway: it answers SendMessage with serviceId GBDFL_PERSON_BY_IIN,
// forwarded and signed by the gateway, with the person of the requested IIN in the ГБД ФЛ
// "Universal" response (generated/gbdfl, wsdl/gbdfl.wsdl). Every answer, faults included, is
// signed with the gbdfl key of the test PKI.
//
// Routes (Register):
//
//	POST /gbdfl/sync        SendMessage from the gateway
//	GET  /gbdfl/sync?wsdl   wsdl/gbdfl.wsdl with soap:address set to the URL it was fetched from
//
// # Request
//
// requestData/data carries a ГБД ФЛ Request (messageId, messageDate, senderCode, iin, kdpToken,
// publicKey). The mock reads it in both shapes: the published one, where data itself is the
// Request (its children are the Request's fields), and the document shape that
// adapter/envelope carries today, where data holds one element, the root.xsd element
// <request>. Only the search by IIN is served.
//
// # Answers
//
// responseInfo/status is SCSS001 for every answered request; the business result is in the
// Response's messageResult, the place the published schema has for it:
//
//	SCSS001      Сведения найдены          the person is in persons (lifeStatus 0 living or 1
//	                                       deceased, with deathDate)
//	NOT_FOUND    Сведения не найдены       a well-formed IIN that ГБД ФЛ does not know; no persons
//	IIN_INVALID  ИИН указан неверно        the IIN fails adapter/iin.Validate (length, digits,
//	                                       date of birth or check digit); no persons
//
// A request that cannot be served at all (the data is not a ГБД ФЛ Request, messageId,
// senderCode or iin is missing, serviceId is another) is a signed SOAP Fault: SVC_REQUEST_INVALID
// or MSG_UNKNOWN_SERVICE; so are the channel's own refusals (signature, certificate status,
// a signer other than the gateway, replay, messageDate out of the window).
//
// By default responseData/data holds one element, the root.xsd element <data> (a Response),
// which is what the gateway relays today; with Options.Inline, data itself is the Response as
// in the published schema (see the package's report on adapter/envelope).
//
// # Scenarios
//
// Keys are IINs (valid ones). Outcomes:
//
//	found           answer the person: Scenario.Data (a Person in JSON), else the directory's,
//	                else one synthesized from the IIN
//	not-found       NOT_FOUND even when the directory knows the IIN
//	deceased        the person (as for found) as deceased; the death date is the person's, else
//	                yesterday
//	malformed-data  SCSS001 with a person whose data break the schema: the iin has 11
//	                characters, surname is missing and birthDate is not a calendar date
//
// A scenario's Fault (latency, timeout, http-500, soap-fault with any code, malformed-xml,
// down, close) is injected once the request is authenticated and its IIN read; the registry's
// global fault is injected before the request is read.
package gbdfl

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"
	"github.com/hooklift/gowsdl/soap"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/gbdfl"
	"github.com/shepgate/shepgate/generated/shepsync"
	"github.com/shepgate/shepgate/mocks/scenario"
	"github.com/shepgate/shepgate/wsdl"
)

// SyncPath is where the mock listens for messages forwarded by the gateway.
const SyncPath = "/gbdfl/sync"

// MockName is the mock's name in scenario files and in the admin API.
const MockName = "gbdfl"

// StatusProcessed is responseInfo/status/code of every answered request.
const StatusProcessed = "SCSS001"

// Result codes of messageResult.
const (
	ResultFound      = "SCSS001"
	ResultNotFound   = "NOT_FOUND"
	ResultIINInvalid = "IIN_INVALID"
)

// Scenario outcomes.
const (
	OutcomeFound         = "found"
	OutcomeNotFound      = "not-found"
	OutcomeDeceased      = "deceased"
	OutcomeMalformedData = "malformed-data"
)

var results = map[string]gbdfl.MessageResult{
	ResultFound:      {Code: ResultFound, NameRu: "Сведения найдены", NameKz: "Мәліметтер табылды"},
	ResultNotFound:   {Code: ResultNotFound, NameRu: "Сведения не найдены", NameKz: "Мәліметтер табылмады"},
	ResultIINInvalid: {Code: ResultIINInvalid, NameRu: "ИИН указан неверно", NameKz: "ЖСН қате көрсетілген"},
}

// Self is how the mock names itself in Response/sender.
var Self = gbdfl.Participant{Code: "GBDFL", NameRu: "ГБД ФЛ", NameKz: "ЖТ МДБ"}

// knownReceivers name the systems that query ГБД ФЛ, by senderCode.
var knownReceivers = map[string]gbdfl.Participant{
	"GCVP": {Code: "GCVP", NameRu: "ГЦВП", NameKz: "ЗТМО"},
}

// Spec returns the scenario specification of the mock (for scenario.New).
func Spec(log *slog.Logger) scenario.Spec {
	return scenario.Spec{
		Name: MockName,
		Outcomes: []scenario.Outcome{
			{Name: OutcomeFound, Description: "answer the person (data: a Person, else the directory's, else synthesized)"},
			{Name: OutcomeNotFound, Description: "messageResult NOT_FOUND even if the directory knows the IIN"},
			{Name: OutcomeDeceased, Description: "the person as deceased (death date from the person, else yesterday)"},
			{Name: OutcomeMalformedData, Description: "SCSS001 with a person whose data break the schema"},
		},
		ValidateKey: iin.Validate,
		ValidateData: func(outcome string, data json.RawMessage) error {
			if outcome == OutcomeNotFound {
				return errors.New("not-found takes no data")
			}
			p, err := decodePerson(data)
			if err != nil {
				return err
			}
			if outcome == OutcomeDeceased {
				// The outcome marks the person deceased; a death date in the data is optional.
				p.Deceased = !p.DeathDate.IsZero()
			}
			return p.Validate()
		},
		Logger: log,
	}
}

func decodePerson(data json.RawMessage) (Person, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var p Person
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("not a Person: %w", err)
	}
	return p, nil
}

// Options configure the mock.
type Options struct {
	// Hop signs with the gbdfl key and verifies the gateway (trust roots, НУЦ status).
	Hop *channel.Hop
	// Gateways are the fingerprints of the gateway's certificates (as provider.Config).
	Gateways []string
	// Store keeps the replay records (RememberMessage with receiver "gbdfl").
	Store store.Store
	// Directory finds persons; nil means an empty MemoryDirectory.
	Directory Directory
	// Scenarios steer the mock; nil means an empty registry of Spec.
	Scenarios *scenario.Registry
	// Inline writes responseData/data as the published schema has it (data is the Response)
	// instead of holding a <data> document element.
	Inline bool
	// MaxAge and MaxFuture bound messageDate (defaults 5 minutes and 1 minute).
	MaxAge, MaxFuture time.Duration
	// Logger; default Hop.Logger, else slog.Default().
	Logger *slog.Logger
}

// GBDFL is the mock.
type GBDFL struct {
	opts Options
	log  *slog.Logger
}

// New returns the mock. It panics when Hop, Gateways or Store is missing (a wiring error).
func New(opts Options) *GBDFL {
	if opts.Hop == nil || len(opts.Gateways) == 0 || opts.Store == nil {
		panic("gbdfl: Options need a Hop, the Gateways' fingerprints and a Store")
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
	return &GBDFL{opts: opts, log: opts.Logger.With("role", "gbdfl-mock")}
}

// Scenarios returns the mock's scenario registry.
func (g *GBDFL) Scenarios() *scenario.Registry { return g.opts.Scenarios }

// Register mounts the mock's routes on e.
func (g *GBDFL) Register(e *echo.Echo) {
	e.POST(SyncPath, g.handleSync)
	e.GET(SyncPath, echo.WrapHandler(wsdl.Handler(MockName)))
}

// exchange is one request being answered.
type exchange struct {
	session string
	info    shepsync.SyncMessageInfo
	req     gbdfl.Request
}

func (g *GBDFL) handleSync(c echo.Context) error {
	var x exchange
	return scenario.SOAP{Registry: g.opts.Scenarios, Hop: g.opts.Hop, Log: g.log}.Serve(c,
		func(ctx context.Context, raw []byte) (string, string, error) {
			var err error
			x, err = g.receive(ctx, raw)
			return x.req.Iin, x.session, err
		},
		func(ctx context.Context, sc scenario.Scenario) ([]byte, error) {
			out, result, err := g.answer(ctx, x, sc)
			if err == nil {
				g.log.Info("request answered", "session", x.session, "messageId", x.info.MessageId, "result", result, "outcome", sc.Outcome)
			}
			return out, err
		})
}

// receive authenticates the envelope and reads the ГБД ФЛ request.
func (g *GBDFL) receive(ctx context.Context, raw []byte) (exchange, error) {
	var x exchange
	req, session, err := (&channel.Behind{Hop: g.opts.Hop, Gateways: g.opts.Gateways, Replay: g.opts.Store, Receiver: MockName,
		MaxAge: g.opts.MaxAge, MaxFuture: g.opts.MaxFuture, Prepare: inlineToDocument}).Receive(ctx, raw)
	x.session = session
	if req != nil {
		x.info = req.Info
	}
	if err != nil {
		return x, err
	}
	if req.Info.ServiceId != wsdl.ServiceGbdflPersonByIIN {
		return x, fault.New(fault.MsgUnknownService, "serviceId %q; ГБД ФЛ serves %s", req.Info.ServiceId, wsdl.ServiceGbdflPersonByIIN)
	}
	if req.Data == nil {
		return x, fault.New(fault.SvcRequestInvalid, "requestData/data holds no ГБД ФЛ Request")
	}
	if err := envelope.UnmarshalDocument(req.Data, &x.req, fault.SvcRequestInvalid); err != nil {
		return x, err
	}
	switch {
	case strings.TrimSpace(x.req.MessageId) == "":
		return x, fault.New(fault.SvcRequestInvalid, "the ГБД ФЛ Request has no messageId")
	case strings.TrimSpace(x.req.SenderCode) == "":
		return x, fault.New(fault.SvcRequestInvalid, "the ГБД ФЛ Request has no senderCode")
	case x.req.Iin == "":
		return x, fault.New(fault.SvcRequestInvalid, "the ГБД ФЛ Request has no iin; only the search by IIN is served")
	}
	return x, nil
}

// inlineToDocument turns the published shape of requestData/data (data is the Request) into
// the document shape (data holds one <request>), in the verified Body.
func inlineToDocument(body *etree.Element) {
	data := body.FindElement("./*/request/requestData/data")
	if data == nil {
		return
	}
	kids := data.ChildElements()
	if len(kids) < 2 {
		return
	}
	wrapper := etree.NewElement("request")
	for _, k := range kids {
		data.RemoveChild(k)
		wrapper.AddChild(k)
	}
	data.AddChild(wrapper)
}

func (g *GBDFL) now() time.Time {
	if g.opts.Hop.Now != nil {
		return g.opts.Hop.Now()
	}
	return time.Now()
}

// answer builds and signs the answer to x under scenario sc.
func (g *GBDFL) answer(ctx context.Context, x exchange, sc scenario.Scenario) ([]byte, string, error) {
	result, person, err := g.lookup(ctx, x.req.Iin, sc)
	if err != nil {
		return nil, "", err
	}
	receiver, ok := knownReceivers[x.req.SenderCode]
	if !ok {
		receiver = gbdfl.Participant{Code: x.req.SenderCode, NameRu: x.req.SenderCode, NameKz: x.req.SenderCode}
	}
	now := g.now()
	mr := results[result]
	resp := gbdfl.Response{
		MessageId: uuid.NewString(), MessageDate: envelope.DateTime(now), RequestId: x.req.MessageId,
		Sender: &Self, Receiver: &receiver, MessageResult: &mr,
	}
	if person != nil {
		resp.Persons = &gbdfl.Persons{Person: []*gbdfl.Person{person}}
	}
	doc, err := envelope.MarshalDocument(&responseDocument{Response: resp})
	if err != nil {
		return nil, "", err
	}
	if sc.Outcome == OutcomeMalformedData {
		corrupt(doc)
	}
	var data *etree.Element
	if !g.opts.Inline {
		data = doc
	}
	env, err := envelope.BuildSyncResponse(&envelope.SyncResponse{
		Info: shepsync.SyncMessageInfoResponse{
			MessageId: uuid.NewString(), CorrelationId: x.info.MessageId, ResponseDate: envelope.DateTime(now),
			Status: &shepsync.StatusInfo{Code: StatusProcessed, Message: "Message has been processed successfully"},
		},
		Data: data,
	})
	if err != nil {
		return nil, "", err
	}
	if g.opts.Inline {
		slot := env.FindElement("//responseData/data")
		if slot == nil {
			return nil, "", errors.New("gbdfl: built response has no responseData/data")
		}
		for _, k := range doc.ChildElements() {
			doc.RemoveChild(k)
			slot.AddChild(k)
		}
	}
	out, err := g.opts.Hop.Sign(env)
	if err != nil {
		return nil, "", err
	}
	return out, result, nil
}

// responseDocument is a Response as the root.xsd element <data>.
type responseDocument struct {
	XMLName xml.Name `xml:"data"`
	gbdfl.Response
}

// lookup decides the result for an IIN under a scenario.
func (g *GBDFL) lookup(ctx context.Context, id string, sc scenario.Scenario) (string, *gbdfl.Person, error) {
	if err := iin.Validate(id); err != nil {
		g.log.Debug("malformed IIN", "err", err)
		return ResultIINInvalid, nil, nil
	}
	if sc.Outcome == OutcomeNotFound {
		return ResultNotFound, nil, nil
	}
	var p Person
	var err error
	switch {
	case len(sc.Data) > 0:
		if p, err = decodePerson(sc.Data); err != nil {
			return "", nil, fmt.Errorf("gbdfl: scenario data of %s: %w", id, err)
		}
	default:
		p, err = g.opts.Directory.Person(ctx, id)
		if errors.Is(err, ErrNotFound) {
			if sc.Outcome == "" {
				return ResultNotFound, nil, nil
			}
			p, err = Synthesize(id)
		}
		if err != nil {
			return "", nil, fmt.Errorf("gbdfl: directory lookup of %s: %w", id, err)
		}
	}
	if sc.Outcome == OutcomeDeceased && !p.Deceased {
		p.Deceased = true
		if p.DeathDate.IsZero() {
			y, m, d := g.now().AddDate(0, 0, -1).Date()
			p.DeathDate = NewDate(y, m, d)
		}
	}
	return ResultFound, toWire(p), nil
}

// toWire converts a Person into the generated ГБД ФЛ type.
func toWire(p Person) *gbdfl.Person {
	gender := Male
	if p.Sex == iin.Female {
		gender = Female
	}
	w := &gbdfl.Person{
		Iin: p.IIN, Surname: p.Name.Last, Name: p.Name.First, Patronymic: p.Name.Middle,
		EngFirstName: p.LatinName.First, EngSurname: p.LatinName.Last,
		BirthDate:   date(p.BirthDate),
		Gender:      &gbdfl.Gender{Code: gender.Code, NameRu: gender.NameRU, NameKz: gender.NameKK},
		Citizenship: country(p.Citizenship),
		LifeStatus:  &gbdfl.PersonStatus{Code: Living.Code, NameRu: Living.NameRU, NameKz: Living.NameKK},
		BirthPlace:  &gbdfl.BirthPlace{Country: country(p.BirthPlace.Country), City: p.BirthPlace.City},
		RegAddress: &gbdfl.RegAddress{Country: country(p.Address.Country), City: p.Address.City,
			Street: p.Address.Street, Building: p.Address.Building, Corpus: p.Address.Corpus, Flat: p.Address.Flat,
			BeginDate: date(p.Address.Since)},
	}
	if p.Nationality != nil {
		w.Nationality = &gbdfl.Nationality{Code: p.Nationality.Code, NameRu: p.Nationality.NameRU, NameKz: p.Nationality.NameKK}
	}
	if r := p.Address.Region; r != nil {
		w.RegAddress.Region = &gbdfl.Region{Code: r.Code, NameRu: r.NameRU, NameKz: r.NameKK}
	}
	if d := p.Address.District; d != nil {
		w.RegAddress.District = &gbdfl.District{Code: d.Code, NameRu: d.NameRU, NameKz: d.NameKK}
	}
	if p.Deceased {
		w.LifeStatus = &gbdfl.PersonStatus{Code: Dead.Code, NameRu: Dead.NameRU, NameKz: Dead.NameKK}
		w.DeathDate = date(p.DeathDate)
		if p.DeathCertificate != "" {
			w.DeathCertificate = &gbdfl.Certificate{Number: p.DeathCertificate, BeginDate: date(p.DeathDate)}
		}
	}
	if doc := p.Document; doc.Number != "" {
		w.Documents = &gbdfl.Documents{Document: []*gbdfl.Document{{
			Type_:  &gbdfl.DocumentType{Code: doc.Type.Code, NameRu: doc.Type.NameRU, NameKz: doc.Type.NameKK},
			Number: doc.Number, Series: doc.Series, BeginDate: date(doc.Issued), EndDate: date(doc.Expires),
			IssueOrganization: &gbdfl.DocumentOrganization{Code: doc.Issuer.Code, NameRu: doc.Issuer.NameRU, NameKz: doc.Issuer.NameKK},
			Status:            &gbdfl.DocumentInvalidity{Code: DocumentValid.Code, NameRu: DocumentValid.NameRU, NameKz: DocumentValid.NameKK},
			Surname:           p.Name.Last, Name: p.Name.First, Patronymic: p.Name.Middle, BirthDate: date(p.BirthDate),
		}}}
	}
	return w
}

func country(d Dict) *gbdfl.Country {
	if d.Code == "" {
		return nil
	}
	return &gbdfl.Country{Code: d.Code, NameRu: d.NameRU, NameKz: d.NameKK}
}

func date(d Date) soap.XSDDate {
	if d.IsZero() {
		return soap.XSDDate{}
	}
	return soap.CreateXsdDate(d.Time, false)
}

// corrupt breaks the person of a built Response document (malformed-data).
func corrupt(doc *etree.Element) {
	p := doc.FindElement("./persons/person")
	if p == nil {
		return
	}
	if el := p.SelectElement("iin"); el != nil {
		el.SetText(el.Text()[:len(el.Text())-1])
	}
	if el := p.SelectElement("surname"); el != nil {
		p.RemoveChild(el)
	}
	if el := p.SelectElement("birthDate"); el != nil {
		el.SetText(el.Text()[:4] + "-02-31")
	}
}
