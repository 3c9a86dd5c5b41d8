package gbdfl

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/mocks/scenario"
	"github.com/shepgate/shepgate/wsdl"
)

// IINs of the tests (valid unless named otherwise).
const (
	iinLiving     = "860101301233"
	iinDeceased   = "550715301257"
	iinKnown      = "900202401249"
	iinUnknown    = "791130401265"
	iinBadCheck   = "860101301234"
	iinShort      = "8601013012"
	iinNonDigit   = "86010130123A"
	iinBadDate    = "861301301233"
	iinDataPerson = "620520401289"
)

var (
	alikhan = Person{
		IIN: iinLiving, Name: Name{Last: "СЕЙІТҚАЛИЕВ", First: "ӘЛИХАН", Middle: "НҰРЛАНҰЛЫ"},
		LatinName: Name{Last: "SEYITKALIYEV", First: "ALIKHAN"}, BirthDate: NewDate(1986, 1, 1), Sex: iin.Male,
		Nationality: &Kazakh, Citizenship: Kazakhstan, BirthPlace: Address{Country: Kazakhstan, City: "Астана"},
		Document: Document{Type: IDCard, Number: "045678901", Issued: NewDate(2016, 5, 10), Expires: NewDate(2026, 5, 9), Issuer: MVD},
		Address: Address{Country: Kazakhstan, Region: &Dict{"1971", "г. Астана", "Астана қ."}, City: "Астана",
			Street: "Мәңгілік Ел", Building: "8", Flat: "12", Since: NewDate(2015, 6, 1)},
	}
	petr = Person{
		IIN: iinDeceased, Name: Name{Last: "ИВАНОВ", First: "ПЁТР", Middle: "СЕРГЕЕВИЧ"}, LatinName: Name{Last: "IVANOV", First: "PETR"},
		BirthDate: NewDate(1955, 7, 15), Sex: iin.Male, Nationality: &Russian, Citizenship: Kazakhstan,
		Document: Document{Type: Passport, Number: "N1234567", Issued: NewDate(2014, 3, 1), Expires: NewDate(2024, 2, 29), Issuer: MVD},
		Address:  Address{Country: Kazakhstan, City: "Караганда", Street: "Бухар-Жырау", Building: "40", Since: NewDate(1990, 1, 1)},
		Deceased: true, DeathDate: NewDate(2023, 11, 2), DeathCertificate: "АЖ 0012345",
	}
	dinara = Person{
		IIN: iinKnown, Name: Name{Last: "АХМЕТОВА", First: "ДИНАРА", Middle: "ЕРЛАНҚЫЗЫ"}, BirthDate: NewDate(1990, 2, 2), Sex: iin.Female,
		Citizenship: Kazakhstan, Document: Document{Type: IDCard, Number: "051234567", Issued: NewDate(2020, 1, 1), Expires: NewDate(2030, 1, 1), Issuer: MVD},
		Address: Address{Country: Kazakhstan, City: "Алматы", Since: NewDate(2012, 9, 1)},
	}
)

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestThroughGateway drives every outcome and fault of the mock through the gateway, with ГЦВП's
// signed client, and checks the exact answer.
func TestThroughGateway(t *testing.T) {
	tb := start(t, false, alikhan, petr, dinara)
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	customPerson := alikhan
	customPerson.IIN, customPerson.Name = iinDataPerson, Name{Last: "ЖҰМАБАЕВА", First: "ӘСЕЛ"}
	customPerson.Sex, customPerson.BirthDate = iin.Female, NewDate(1962, 5, 20)

	type check func(t *testing.T, a *answer)
	result := func(code string) check {
		return func(t *testing.T, a *answer) {
			t.Helper()
			if a.status == nil || a.status.Code != StatusProcessed {
				t.Errorf("responseInfo/status %+v, want %s", a.status, StatusProcessed)
			}
			if a.resp == nil || a.resp.MessageResult == nil {
				t.Fatalf("no ГБД ФЛ Response in the answer")
			}
			if got := a.resp.MessageResult.Code; got != code {
				t.Fatalf("messageResult %s (%s), want %s", got, a.resp.MessageResult.NameRu, code)
			}
			want := results[code]
			if a.resp.MessageResult.NameRu != want.NameRu || a.resp.MessageResult.NameKz != want.NameKz {
				t.Errorf("messageResult texts %q / %q", a.resp.MessageResult.NameRu, a.resp.MessageResult.NameKz)
			}
			if a.resp.Sender == nil || a.resp.Sender.Code != "GBDFL" || a.resp.Receiver == nil || a.resp.Receiver.Code != "GCVP" {
				t.Errorf("sender %+v receiver %+v", a.resp.Sender, a.resp.Receiver)
			}
			if code != ResultFound && a.resp.Persons != nil {
				t.Errorf("%s with persons %+v", code, a.resp.Persons)
			}
		}
	}
	both := func(cs ...check) check {
		return func(t *testing.T, a *answer) {
			t.Helper()
			for _, c := range cs {
				c(t, a)
			}
		}
	}
	living := func(t *testing.T, a *answer) {
		t.Helper()
		p := a.resp.Persons.Person[0]
		if p.Iin != iinLiving || p.Surname != "СЕЙІТҚАЛИЕВ" || p.Name != "ӘЛИХАН" || p.Patronymic != "НҰРЛАНҰЛЫ" ||
			p.EngSurname != "SEYITKALIYEV" || p.EngFirstName != "ALIKHAN" {
			t.Errorf("names %+v", p)
		}
		if d := p.BirthDate.ToGoTime().Format(time.DateOnly); d != "1986-01-01" {
			t.Errorf("birthDate %s", d)
		}
		if p.Gender == nil || p.Gender.Code != "1" || p.Gender.NameKz != "Ер" || p.Citizenship == nil || p.Citizenship.Code != "398" ||
			p.Nationality == nil || p.Nationality.NameRu != "Казах" {
			t.Errorf("gender %+v citizenship %+v nationality %+v", p.Gender, p.Citizenship, p.Nationality)
		}
		if p.LifeStatus == nil || p.LifeStatus.Code != "0" || p.LifeStatus.NameRu != "Жив" || !p.DeathDate.ToGoTime().IsZero() {
			t.Errorf("lifeStatus %+v deathDate %v", p.LifeStatus, p.DeathDate)
		}
		if p.Documents == nil || len(p.Documents.Document) != 1 {
			t.Fatalf("documents %+v", p.Documents)
		}
		d := p.Documents.Document[0]
		if d.Number != "045678901" || d.Type_.Code != "002" || d.IssueOrganization.NameRu != "МВД РК" ||
			d.BeginDate.ToGoTime().Format(time.DateOnly) != "2016-05-10" || d.EndDate.ToGoTime().Format(time.DateOnly) != "2026-05-09" {
			t.Errorf("document %+v", d)
		}
		if a := p.RegAddress; a == nil || a.City != "Астана" || a.Street != "Мәңгілік Ел" || a.Building != "8" || a.Flat != "12" ||
			a.Region == nil || a.Region.NameKz != "Астана қ." || a.BeginDate.ToGoTime().Format(time.DateOnly) != "2015-06-01" {
			t.Errorf("regAddress %+v", p.RegAddress)
		}
	}
	deceased := func(iinWant, dateWant string) check {
		return func(t *testing.T, a *answer) {
			t.Helper()
			p := a.resp.Persons.Person[0]
			if p.Iin != iinWant || p.LifeStatus == nil || p.LifeStatus.Code != "1" || p.LifeStatus.NameRu != "Умер" {
				t.Errorf("person %s lifeStatus %+v, want deceased %s", p.Iin, p.LifeStatus, iinWant)
			}
			if d := p.DeathDate.ToGoTime().Format(time.DateOnly); d != dateWant {
				t.Errorf("deathDate %s, want %s", d, dateWant)
			}
		}
	}
	named := func(last, first string) check {
		return func(t *testing.T, a *answer) {
			t.Helper()
			if p := a.resp.Persons.Person[0]; p.Surname != last || p.Name != first {
				t.Errorf("person %s %s, want %s %s", p.Surname, p.Name, last, first)
			}
		}
	}

	cases := []struct {
		name     string
		iin      string
		scenario *scenario.Scenario
		global   *scenario.Fault
		want     check      // for an answer
		wantCode fault.Code // for a fault
		slow     time.Duration
	}{
		{name: "found", iin: iinLiving, want: both(result(ResultFound), living)},
		{name: "unknown IIN", iin: iinUnknown, want: result(ResultNotFound)},
		{name: "malformed IIN: check digit", iin: iinBadCheck, want: result(ResultIINInvalid)},
		{name: "malformed IIN: length", iin: iinShort, want: result(ResultIINInvalid)},
		{name: "malformed IIN: non-digit", iin: iinNonDigit, want: result(ResultIINInvalid)},
		{name: "malformed IIN: date of birth", iin: iinBadDate, want: result(ResultIINInvalid)},
		{name: "deceased in the directory", iin: iinDeceased, want: both(result(ResultFound), deceased(iinDeceased, "2023-11-02"), named("ИВАНОВ", "ПЁТР"))},
		{name: "scenario deceased", iin: iinLiving, scenario: &scenario.Scenario{Outcome: OutcomeDeceased},
			want: both(result(ResultFound), deceased(iinLiving, yesterday), named("СЕЙІТҚАЛИЕВ", "ӘЛИХАН"))},
		{name: "scenario not-found of a known person", iin: iinKnown, scenario: &scenario.Scenario{Outcome: OutcomeNotFound}, want: result(ResultNotFound)},
		{name: "scenario found with data", iin: iinDataPerson, scenario: &scenario.Scenario{Outcome: OutcomeFound, Data: mustJSON(t, customPerson)},
			want: both(result(ResultFound), named("ЖҰМАБАЕВА", "ӘСЕЛ"))},
		{name: "scenario found, synthesized", iin: iinUnknown, scenario: &scenario.Scenario{Outcome: OutcomeFound},
			want: both(result(ResultFound), named("ТЕСТОВА", "ТЕСТ"))},
		{name: "scenario malformed-data", iin: iinLiving, scenario: &scenario.Scenario{Outcome: OutcomeMalformedData}, want: func(t *testing.T, a *answer) {
			p := a.data.FindElement("./persons/person")
			if p == nil {
				t.Fatal("no person in the malformed answer")
			}
			if got := p.SelectElement("iin").Text(); got != iinLiving[:11] {
				t.Errorf("iin %q, want the truncated %q", got, iinLiving[:11])
			}
			if p.SelectElement("surname") != nil {
				t.Error("surname still present")
			}
			if got := p.SelectElement("birthDate").Text(); got != "1986-02-31" {
				t.Errorf("birthDate %q, want 1986-02-31", got)
			}
			if got := a.data.FindElement("./messageResult/code").Text(); got != ResultFound {
				t.Errorf("messageResult %s", got)
			}
		}},
		{name: "scenario soap-fault", iin: iinLiving, wantCode: "GBDFL_UNAVAILABLE",
			scenario: &scenario.Scenario{Fault: &scenario.Fault{Kind: scenario.KindSOAPFault, Code: "GBDFL_UNAVAILABLE", Detail: "maintenance"}}},
		{name: "scenario soap-fault with a shepgate code", iin: iinLiving, wantCode: fault.SvcIINNotFound,
			scenario: &scenario.Scenario{Fault: &scenario.Fault{Kind: scenario.KindSOAPFault, Code: string(fault.SvcIINNotFound)}}},
		{name: "scenario latency", iin: iinLiving, slow: 300 * time.Millisecond, want: both(result(ResultFound), living),
			scenario: &scenario.Scenario{Fault: &scenario.Fault{Kind: scenario.KindLatency, Delay: scenario.Duration(300 * time.Millisecond)}}},
		{name: "scenario latency with an outcome", iin: iinKnown, slow: 200 * time.Millisecond, want: result(ResultNotFound),
			scenario: &scenario.Scenario{Outcome: OutcomeNotFound, Fault: &scenario.Fault{Kind: scenario.KindLatency, Delay: scenario.Duration(200 * time.Millisecond)}}},
		{name: "scenario http-500", iin: iinLiving, wantCode: fault.RouteUnavailable,
			scenario: &scenario.Scenario{Fault: &scenario.Fault{Kind: scenario.KindHTTP500}}},
		{name: "scenario of another IIN does not apply", iin: iinLiving, want: both(result(ResultFound), living)},
		{name: "global latency", iin: iinUnknown, slow: 300 * time.Millisecond, want: result(ResultNotFound),
			global: &scenario.Fault{Kind: scenario.KindLatency, Delay: scenario.Duration(300 * time.Millisecond)}},
		{name: "global http-500", iin: iinLiving, wantCode: fault.RouteUnavailable, global: &scenario.Fault{Kind: scenario.KindHTTP500}},
		{name: "global down", iin: iinLiving, wantCode: fault.RouteUnavailable, global: &scenario.Fault{Kind: scenario.KindDown}},
		{name: "global connection close", iin: iinLiving, wantCode: fault.RouteUnavailable, global: &scenario.Fault{Kind: scenario.KindClose}},
		{name: "global timeout", iin: iinLiving, wantCode: fault.RouteUnavailable, global: &scenario.Fault{Kind: scenario.KindTimeout}},
		// The gateway reports an answer that is not XML with the XML parser's code; see the report
		// on adapter/gateway (a provider's broken answer is not the client's fault).
		{name: "global malformed-xml", iin: iinLiving, wantCode: fault.RouteBadAnswer, global: &scenario.Fault{Kind: scenario.KindMalformedXML}},
		{name: "global soap-fault", iin: iinUnknown, wantCode: "GBDFL_DOWN",
			global: &scenario.Fault{Kind: scenario.KindSOAPFault, Code: "GBDFL_DOWN", Detail: "all down"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb.reg.Reset()
			if c.name == "scenario of another IIN does not apply" {
				if _, err := tb.reg.Set(iinKnown, scenario.Scenario{Outcome: OutcomeNotFound}); err != nil {
					t.Fatal(err)
				}
			}
			if c.scenario != nil {
				if _, err := tb.reg.Set(c.iin, *c.scenario); err != nil {
					t.Fatal(err)
				}
			}
			if c.global != nil {
				if err := tb.reg.SetFault(*c.global); err != nil {
					t.Fatal(err)
				}
			}
			before := tb.reg.Stats()
			began := time.Now()
			a, err := tb.query(t, newRequest(t, c.iin))
			took := time.Since(began)
			if c.wantCode != "" {
				if err == nil {
					t.Fatalf("got an answer (%+v), want fault %s", a.status, c.wantCode)
				}
				if got := fault.CodeOf(err); got != c.wantCode {
					t.Fatalf("fault %s (%v), want %s", got, err, c.wantCode)
				}
			} else {
				if err != nil {
					t.Fatalf("query: %v", err)
				}
				if a.signer != tb.cert(t, pki.NameGateway).Subject.CommonName {
					t.Errorf("answer signed by %q, want the gateway", a.signer)
				}
				c.want(t, a)
			}
			if took < c.slow {
				t.Errorf("answered in %s, the injected latency is %s", took, c.slow)
			}
			var kind scenario.Kind
			switch {
			case c.global != nil:
				kind = c.global.Kind
			case c.scenario != nil && c.scenario.Fault != nil:
				kind = c.scenario.Fault.Kind
			}
			if kind != "" && tb.reg.Stats().Injected[kind] != before.Injected[kind]+1 {
				t.Errorf("the %s fault was not injected once: %v → %v", kind, before.Injected, tb.reg.Stats().Injected)
			}
			if c.global != nil && c.global.Kind == scenario.KindTimeout {
				// The gateway gave up; the mock notices and stops holding the request.
				waitFor(t, func() bool { return tb.reg.Stats().Abandoned > before.Abandoned })
			}
		})
	}
}

func (tb *testbed) cert(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	c, ok := tb.pki.Cert(name)
	if !ok {
		t.Fatalf("no certificate %s", name)
	}
	return c
}

// waitFor polls cond for up to 10 s (an event, not a timing assertion).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRequestRefusals: a request the mock cannot serve is a signed fault, relayed by the gateway.
func TestRequestRefusals(t *testing.T) {
	tb := start(t, false, alikhan)
	noIIN := newRequest(t, "")
	notRequest := etree.NewElement("something")
	notRequest.CreateElement("else").SetText("x")
	cases := []struct {
		name string
		doc  *etree.Element
		want fault.Code
	}{
		{"no iin", noIIN, fault.SvcRequestInvalid},
		{"no data", nil, fault.SvcRequestInvalid},
		{"not a ГБД ФЛ request", notRequest, fault.SvcRequestInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tb.query(t, c.doc)
			if got := fault.CodeOf(err); got != c.want {
				t.Fatalf("fault %s (%v), want %s", got, err, c.want)
			}
		})
	}
}

// TestDirectRefusals posts to the mock directly: only the gateway may call it, once per
// messageId, for its own service.
func TestDirectRefusals(t *testing.T) {
	tb := start(t, false, alikhan)
	signed := func(key, service string) []byte {
		env := syncRequest(t, service, newRequest(t, iinLiving))
		return tb.sign(t, env, key)
	}
	fromGateway := signed(pki.NameGateway, wsdl.ServiceGbdflPersonByIIN)
	if st, body := post(t, tb.url+SyncPath, fromGateway); st != http.StatusOK {
		t.Fatalf("message signed by the gateway: HTTP %d\n%s", st, body)
	}
	cases := []struct {
		name string
		body []byte
		want fault.Code
	}{
		{"not from the gateway", signed(pki.NameGCVP, wsdl.ServiceGbdflPersonByIIN), fault.CertSenderMismatch},
		{"replayed messageId", fromGateway, fault.MsgReplay},
		{"another service", signed(pki.NameGateway, wsdl.ServiceEnisPowerOfAttorney), fault.MsgUnknownService},
		{"revoked signer", signed(pki.NameConsumerRevoked, wsdl.ServiceGbdflPersonByIIN), fault.CertRevoked},
		{"not XML", []byte("hello"), fault.XMLMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, raw := post(t, tb.url+SyncPath, c.body)
			if st != http.StatusInternalServerError {
				t.Errorf("HTTP %d, want 500 with a SOAP fault", st)
			}
			if f := tb.readFault(t, raw); f.Code() != c.want {
				t.Fatalf("fault %s (%s), want %s", f.Code(), f.Info.ErrorData, c.want)
			}
		})
	}
}

// TestInlineShape: with Options.Inline the mock reads and writes data as the published ГБД ФЛ
// schema has it, and its answer validates against gbdfl.wsdl and the reference ШЭП schema.
func TestInlineShape(t *testing.T) {
	tb := start(t, true, alikhan)
	env := syncRequest(t, wsdl.ServiceGbdflPersonByIIN, nil)
	slot := env.FindElement("//requestData/data")
	for _, k := range newRequest(t, iinLiving).ChildElements() {
		slot.AddChild(k)
	}
	req := tb.sign(t, env, pki.NameGateway)
	if err := wsdl.Validate(req, "gbdfl"); err != nil {
		t.Fatalf("the test's inline request is not valid for gbdfl.wsdl: %v\n%s", err, req)
	}
	st, raw := post(t, tb.url+SyncPath, req)
	if st != http.StatusOK {
		t.Fatalf("HTTP %d\n%s", st, raw)
	}
	if err := wsdl.Validate(raw, "gbdfl"); err != nil {
		t.Errorf("inline answer is not valid for gbdfl.wsdl: %v\n%s", err, raw)
	}
	if err := wsdl.ValidateReference(raw, "sync"); err != nil {
		t.Errorf("inline answer is not valid for the reference v10 schema: %v", err)
	}
	ver := tb.verify(t, raw, pki.NameGBDFL)
	data := ver.Element.FindElement(".//responseData/data")
	if data == nil || data.SelectElement("messageResult") == nil {
		t.Fatalf("data is not the Response itself:\n%s", raw)
	}
	if got := data.FindElement("./messageResult/code").Text(); got != ResultFound {
		t.Errorf("messageResult %s", got)
	}
	if got := data.FindElement("./persons/person/iin").Text(); got != iinLiving {
		t.Errorf("person %s", got)
	}
}

// TestDocumentShapeValid: the default answer (data holds the root.xsd <data> element) is valid
// for the reference ШЭП schema, and its document for the published ГБД ФЛ schema's types.
func TestDocumentShapeValid(t *testing.T) {
	tb := start(t, false, alikhan, petr)
	for _, id := range []string{iinLiving, iinDeceased, iinUnknown, iinBadCheck} {
		st, raw := post(t, tb.url+SyncPath, tb.sign(t, syncRequest(t, wsdl.ServiceGbdflPersonByIIN, newRequest(t, id)), pki.NameGateway))
		if st != http.StatusOK {
			t.Fatalf("%s: HTTP %d\n%s", id, st, raw)
		}
		if err := wsdl.ValidateReference(raw, "sync"); err != nil {
			t.Errorf("%s: not valid for the reference v10 schema: %v", id, err)
		}
		ver := tb.verify(t, raw, pki.NameGBDFL)
		doc := ver.Element.FindElement(".//responseData/data/data")
		if doc == nil {
			t.Fatalf("%s: no <data> document:\n%s", id, raw)
		}
		// Carried inline, the same Response is valid for gbdfl.wsdl.
		inline := syncResponseInline(t, doc)
		if err := wsdl.Validate(inline, "gbdfl"); err != nil {
			t.Errorf("%s: Response not valid for gbdfl.wsdl: %v\n%s", id, err, inline)
		}
	}
}

// TestWSDLServed checks GET /gbdfl/sync?wsdl.
func TestWSDLServed(t *testing.T) {
	tb := start(t, false)
	resp, err := http.Get(tb.url + SyncPath + "?wsdl")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `location="`+tb.url+SyncPath+`"`) || !strings.Contains(string(b), "GbdflPersonByIIN") {
		t.Fatalf("HTTP %d, soap:address not rewritten or not the ГБД ФЛ contract", resp.StatusCode)
	}
}

func syncResponseInline(t *testing.T, doc *etree.Element) []byte {
	t.Helper()
	env, err := envelope.BuildSyncResponse(&envelope.SyncResponse{Info: shepsyncInfo()})
	if err != nil {
		t.Fatal(err)
	}
	slot := env.FindElement("//responseData/data")
	for _, k := range doc.Copy().ChildElements() {
		slot.AddChild(k)
	}
	out, err := envelope.Serialize(env)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (tb *testbed) sign(t *testing.T, env *etree.Document, key string) []byte {
	t.Helper()
	k, c, err := tb.pki.KeyPair(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&wssec.Signer{Key: k, Cert: c}).SignEnvelope(env); err != nil {
		t.Fatal(err)
	}
	out, err := envelope.Serialize(env)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (tb *testbed) verify(t *testing.T, raw []byte, signer string) *wssec.Verified {
	t.Helper()
	doc, err := xmlsafe.Parse(raw, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatalf("not XML: %v\n%s", err, raw)
	}
	v := &wssec.Verifier{Roots: tb.pki.Roots(), Intermediates: tb.pki.Intermediates()}
	ver, err := v.VerifyEnvelope(doc)
	if err != nil {
		t.Fatalf("not signed properly: %v\n%s", err, raw)
	}
	if !ver.Cert.Equal(tb.cert(t, signer)) {
		t.Fatalf("signed by %q, want %s", ver.Cert.Subject.CommonName, signer)
	}
	return ver
}

func (tb *testbed) readFault(t *testing.T, raw []byte) *envelope.Fault {
	t.Helper()
	ver := tb.verify(t, raw, pki.NameGBDFL)
	f, ok := envelope.ReadFault(ver.Element)
	if !ok {
		t.Fatalf("not a fault:\n%s", raw)
	}
	return f
}

func post(t *testing.T, url string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "text/xml; charset=utf-8", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}
