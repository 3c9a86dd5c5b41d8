package enis

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/mocks/scenario"
	"github.com/shepgate/shepgate/wsdl"
)

// IINs and numbers of the tests.
const (
	principal      = "860101301233"
	representative = "900202401249"
	stranger       = "791130401265"
	badIIN         = "860101301234"

	numValid   = "2024-НД-001234"
	numExpired = "2023-НД-000777"
	numRevoked = "2022-НД-000100"
	numUnknown = "2024-НД-999999"
)

func directory() []PowerOfAttorney {
	now := time.Now()
	base := PowerOfAttorney{
		RegistryNumber: "1-2345", PrincipalIIN: principal, Principal: &Name{Last: "Сейітқалиев", First: "Әлихан", Middle: "Нұрланұлы"},
		RepresentativeIIN: representative, Representative: &Name{Last: "Ахметова", First: "Динара"},
		Notary: DefaultNotary, Scope: []Power{GCVPInfo, {Code: "ALL", TextRU: "Генеральная доверенность"}},
	}
	valid := base
	valid.Number, valid.IssueDate, valid.ValidUntil = numValid, NewDate(2024, 1, 15), DateOf(now.AddDate(1, 0, 0))
	expired := base
	expired.Number, expired.IssueDate, expired.ValidUntil = numExpired, NewDate(2023, 1, 10), NewDate(2024, 1, 10)
	revoked := base
	revoked.Number, revoked.IssueDate, revoked.Revoked, revoked.RevocationDate = numRevoked, NewDate(2022, 3, 1), true, NewDate(2023, 5, 5)
	return []PowerOfAttorney{valid, expired, revoked}
}

func day(d interface{ ToGoTime() time.Time }) string {
	t := d.ToGoTime()
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// TestThroughGateway drives every outcome and fault of the mock through the gateway, with ГЦВП's
// signed client, and checks the exact answer.
func TestThroughGateway(t *testing.T) {
	tb := start(t, directory()...)
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	custom := Synthesize(numUnknown, principal, representative, time.Now())
	custom.Notary = Notary{Name: Name{Last: "Жұмабаев", First: "Ерлан"}, LicenseNumber: "0009876"}
	customJSON, err := json.Marshal(custom)
	if err != nil {
		t.Fatal(err)
	}

	type check func(t *testing.T, a *answer)
	notFound := func(t *testing.T, a *answer) {
		t.Helper()
		if a.resp.Found == nil || bool(*a.resp.Found) || a.resp.PowerOfAttorney != nil {
			t.Fatalf("found %v poa %+v, want not found", a.resp.Found, a.resp.PowerOfAttorney)
		}
	}
	found := func(number string, valid, revoked bool, until, revokedOn string) check {
		return func(t *testing.T, a *answer) {
			t.Helper()
			if a.resp.Found == nil || !bool(*a.resp.Found) || a.resp.PowerOfAttorney == nil {
				t.Fatalf("found %v, want a power of attorney", a.resp.Found)
			}
			p := a.resp.PowerOfAttorney
			if p.Number != number || p.Valid == nil || bool(*p.Valid) != valid || p.Revoked == nil || bool(*p.Revoked) != revoked {
				t.Errorf("number %s valid %v revoked %v, want %s %v %v", p.Number, p.Valid, p.Revoked, number, valid, revoked)
			}
			if got := day(&p.ValidUntil); got != until {
				t.Errorf("validUntil %q, want %q", got, until)
			}
			if got := day(&p.RevocationDate); got != revokedOn {
				t.Errorf("revocationDate %q, want %q", got, revokedOn)
			}
			if p.Notary == nil || p.Notary.Name == nil || p.IssueDate.ToGoTime().IsZero() || p.Scope == nil || len(p.Scope.Power) == 0 {
				t.Errorf("incomplete power of attorney %+v", p)
			}
		}
	}
	parties := func(wantPrincipal, wantRepresentative string) check {
		return func(t *testing.T, a *answer) {
			t.Helper()
			p := a.resp.PowerOfAttorney
			if string(*p.PrincipalIin) != wantPrincipal || string(*p.RepresentativeIin) != wantRepresentative {
				t.Errorf("parties %s → %s, want %s → %s", *p.PrincipalIin, *p.RepresentativeIin, wantPrincipal, wantRepresentative)
			}
		}
	}
	details := func(t *testing.T, a *answer) {
		t.Helper()
		p := a.resp.PowerOfAttorney
		if p.Notary.LicenseNumber != "0001234" || p.Notary.Name.LastName != "Нотариусова" || p.Notary.Chamber != DefaultNotary.Chamber ||
			p.RegistryNumber != "1-2345" || day(&p.IssueDate) != "2024-01-15" || p.Principal == nil || p.Principal.FirstName != "Әлихан" ||
			len(p.Scope.Power) != 2 || p.Scope.Power[0].Code != "GCVP_INFO" || p.Scope.Power[1].Code != "ALL" {
			t.Errorf("details %+v notary %+v scope %+v", p, p.Notary, p.Scope)
		}
	}
	mismatched := func(t *testing.T, a *answer) {
		t.Helper()
		p := a.resp.PowerOfAttorney
		for _, got := range []string{string(*p.PrincipalIin), string(*p.RepresentativeIin)} {
			if got == principal || got == representative {
				t.Errorf("mismatch answer names a requested party %s", got)
			}
		}
	}
	all := func(cs ...check) check {
		return func(t *testing.T, a *answer) {
			t.Helper()
			for _, c := range cs {
				c(t, a)
			}
		}
	}
	yearAhead := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)

	cases := []struct {
		name                string
		number, princ, repr string
		scenario            *scenario.Scenario
		global              *scenario.Fault
		want                check
		wantCode            fault.Code
		slow                time.Duration
	}{
		{name: "valid", number: numValid, want: all(found(numValid, true, false, yearAhead, ""), parties(principal, representative), details)},
		{name: "unknown number", number: numUnknown, want: notFound},
		{name: "principal mismatch", number: numValid, princ: stranger, want: notFound},
		{name: "representative mismatch", number: numValid, repr: stranger, want: notFound},
		{name: "expired", number: numExpired, want: found(numExpired, false, false, "2024-01-10", "")},
		{name: "revoked", number: numRevoked, want: found(numRevoked, false, true, "", "2023-05-05")},
		{name: "scenario expired", number: numValid, scenario: &scenario.Scenario{Outcome: OutcomeExpired},
			want: found(numValid, false, false, yesterday, "")},
		{name: "scenario revoked", number: numValid, scenario: &scenario.Scenario{Outcome: OutcomeRevoked},
			want: found(numValid, false, true, yearAhead, yesterday)},
		{name: "scenario not-found", number: numValid, scenario: &scenario.Scenario{Outcome: OutcomeNotFound}, want: notFound},
		{name: "scenario valid, synthesized", number: numUnknown, scenario: &scenario.Scenario{Outcome: OutcomeValid},
			want: all(found(numUnknown, true, false, time.Now().AddDate(0, -1, 0).AddDate(1, 0, 0).Format(time.DateOnly), ""), parties(principal, representative))},
		{name: "scenario valid of a revoked one", number: numRevoked, scenario: &scenario.Scenario{Outcome: OutcomeValid},
			want: found(numRevoked, true, false, "", "")},
		{name: "scenario mismatch", number: numValid, scenario: &scenario.Scenario{Outcome: OutcomeMismatch},
			want: all(found(numValid, true, false, yearAhead, ""), mismatched)},
		{name: "scenario with data", number: numUnknown, scenario: &scenario.Scenario{Outcome: OutcomeValid, Data: customJSON},
			want: func(t *testing.T, a *answer) {
				if n := a.resp.PowerOfAttorney.Notary; n.LicenseNumber != "0009876" || n.Name.LastName != "Жұмабаев" {
					t.Errorf("notary %+v", n)
				}
			}},
		{name: "malformed principal IIN", number: numValid, princ: badIIN, wantCode: fault.SvcIINInvalid},
		{name: "malformed representative IIN", number: numValid, repr: "12345", wantCode: fault.SvcIINInvalid},
		{name: "scenario soap-fault", number: numValid, wantCode: "ENIS_UNAVAILABLE",
			scenario: &scenario.Scenario{Fault: &scenario.Fault{Kind: scenario.KindSOAPFault, Code: "ENIS_UNAVAILABLE"}}},
		{name: "scenario latency", number: numValid, slow: 300 * time.Millisecond, want: found(numValid, true, false, yearAhead, ""),
			scenario: &scenario.Scenario{Fault: &scenario.Fault{Kind: scenario.KindLatency, Delay: scenario.Duration(300 * time.Millisecond)}}},
		{name: "scenario down", number: numValid, wantCode: fault.RouteUnavailable,
			scenario: &scenario.Scenario{Fault: &scenario.Fault{Kind: scenario.KindDown}}},
		{name: "global http-500", number: numValid, wantCode: fault.RouteUnavailable, global: &scenario.Fault{Kind: scenario.KindHTTP500}},
		{name: "global close", number: numValid, wantCode: fault.RouteUnavailable, global: &scenario.Fault{Kind: scenario.KindClose}},
		{name: "global malformed-xml", number: numValid, wantCode: fault.RouteBadAnswer, global: &scenario.Fault{Kind: scenario.KindMalformedXML}},
		{name: "global timeout", number: numValid, wantCode: fault.RouteUnavailable, global: &scenario.Fault{Kind: scenario.KindTimeout}},
		{name: "global soap-fault after a delay", number: numValid, wantCode: "ENIS_DOWN", slow: 200 * time.Millisecond,
			global: &scenario.Fault{Kind: scenario.KindSOAPFault, Code: "ENIS_DOWN", Delay: scenario.Duration(200 * time.Millisecond)}},
	}
	enisCert, _ := tb.pki.Cert(pki.NameENIS)
	gwCert, _ := tb.pki.Cert(pki.NameGateway)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb.reg.Reset()
			if c.scenario != nil {
				if _, err := tb.reg.Set(c.number, *c.scenario); err != nil {
					t.Fatal(err)
				}
			}
			if c.global != nil {
				if err := tb.reg.SetFault(*c.global); err != nil {
					t.Fatal(err)
				}
			}
			p, r := principal, representative
			if c.princ != "" {
				p = c.princ
			}
			if c.repr != "" {
				r = c.repr
			}
			before := tb.reg.Stats()
			began := time.Now()
			a, err := tb.query(t, newRequest(t, c.number, p, r))
			took := time.Since(began)
			if c.wantCode != "" {
				if got := fault.CodeOf(err); err == nil || got != c.wantCode {
					t.Fatalf("got %v, want fault %s", err, c.wantCode)
				}
			} else {
				if err != nil {
					t.Fatalf("query: %v", err)
				}
				if a.signer != gwCert.Subject.CommonName {
					t.Errorf("answer signed by %q, want the gateway", a.signer)
				}
				if a.status == nil || a.status.Code != StatusProcessed {
					t.Errorf("status %+v", a.status)
				}
				// The document carries ЕНИС's own signature and verifies on its own.
				v := &wssec.Verifier{Roots: tb.pki.Roots(), Intermediates: tb.pki.Intermediates()}
				ver, err := v.VerifyElement(a.data)
				if err != nil {
					t.Fatalf("the ЕНИС document does not verify on its own: %v", err)
				}
				if !ver.Cert.Equal(enisCert) {
					t.Errorf("document signed by %q, want ЕНИС", ver.Cert.Subject.CommonName)
				}
				if a.resp.CheckedAt.ToGoTime().IsZero() || a.resp.RequestNumber == "" {
					t.Errorf("checkedAt %v requestNumber %q", a.resp.CheckedAt, a.resp.RequestNumber)
				}
				c.want(t, a)
			}
			if took < c.slow {
				t.Errorf("answered in %s, the injected latency is %s", took, c.slow)
			}
			if c.global != nil && c.global.Kind == scenario.KindTimeout {
				waitFor(t, func() bool { return tb.reg.Stats().Abandoned > before.Abandoned })
			}
		})
	}
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

// TestAnswersValid: the mock's answers are valid for enis.wsdl (the document) and the reference
// ШЭП v10 schema (the envelope), and it refuses a message not signed by the gateway.
func TestAnswersValid(t *testing.T) {
	tb := start(t, directory()...)
	for _, number := range []string{numValid, numRevoked, numUnknown} {
		env := syncRequest(t, wsdl.ServiceEnisPowerOfAttorney, newRequest(t, number, principal, representative))
		st, raw := post(t, tb.url+SyncPath, tb.sign(t, env, pki.NameGateway))
		if st != http.StatusOK {
			t.Fatalf("%s: HTTP %d\n%s", number, st, raw)
		}
		if err := wsdl.ValidateReference(raw, "sync"); err != nil {
			t.Errorf("%s: envelope not valid for the reference v10 schema: %v", number, err)
		}
		doc, err := xmlsafe.Parse(raw, xmlsafe.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		el := doc.FindElement("//responseData/data/*")
		if el == nil {
			t.Fatalf("%s: no document:\n%s", number, raw)
		}
		out := el.Copy()
		standalone, err := envelope.Serialize(docOf(out))
		if err != nil {
			t.Fatal(err)
		}
		if err := wsdl.Validate(standalone, "enis"); err != nil {
			t.Errorf("%s: document not valid for enis.wsdl: %v\n%s", number, err, standalone)
		}
	}
	env := syncRequest(t, wsdl.ServiceEnisPowerOfAttorney, newRequest(t, numValid, principal, representative))
	st, raw := post(t, tb.url+SyncPath, tb.sign(t, env, pki.NameGCVP))
	if st != http.StatusInternalServerError || !bytes.Contains(raw, []byte(string(fault.CertSenderMismatch))) {
		t.Fatalf("message not from the gateway: HTTP %d\n%s", st, raw)
	}
}

// TestWSDLServed checks GET /enis/sync?wsdl.
func TestWSDLServed(t *testing.T) {
	tb := start(t)
	resp, err := http.Get(tb.url + SyncPath + "?wsdl")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `location="`+tb.url+SyncPath+`"`) || !strings.Contains(string(b), "PowerOfAttorneyRequest") {
		t.Fatalf("HTTP %d, soap:address not rewritten or not the ЕНИС contract", resp.StatusCode)
	}
}
