package server

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/tson"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
)

// operatorSession is a ЦОН operator's browser: a cookie jar and the CSRF token.
type operatorSession struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

func (o *operatorSession) call(method, path string, body []byte, contentType string, out any) int {
	o.t.Helper()
	req, _ := http.NewRequest(method, o.base+tson.BasePath+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if o.csrf != "" {
		req.Header.Set(tson.CSRFHeader, o.csrf)
	}
	resp, err := o.http.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if b, ok := out.(*[]byte); ok {
			*b = raw
		} else if err := json.Unmarshal(raw, out); err != nil {
			o.t.Fatalf("%s %s: HTTP %d, not JSON: %s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode
}

func (o *operatorSession) json(method, path string, v, out any) int {
	raw, _ := json.Marshal(v)
	return o.call(method, path, raw, "application/json", out)
}

// TestCONChannelWithFixtures walks the ЦОН operator's path of service 10 through the whole
// system as `serve` wires it — the ЦОН role, the gateway, the ГБД ФЛ and ЕНИС mocks, ГЦВП — for
// a representative with each of the fixtures' powers of attorney.
func TestCONChannelWithFixtures(t *testing.T) {
	s := start(t)
	jar, _ := cookiejar.New(nil)
	op := &operatorSession{t: t, base: s.URL, http: &http.Client{Jar: jar}}
	var sess struct {
		CSRFToken string `json:"csrfToken"`
	}
	if st := op.json(http.MethodPost, "/login", map[string]string{"login": tson.TestOperatorLogin, "password": tson.TestOperatorPassword}, &sess); st != 200 {
		t.Fatalf("login: %d", st)
	}
	op.csrf = sess.CSRFToken
	abl := tson.Person{IIN: "880512310210", LastName: "ӘБІЛҰЛЫ", FirstName: "ҚАНАТ", MiddleName: "ЗАҺИДҰЛЫ"}
	cases := []struct {
		name      string
		consumer  tson.Person
		poa       tson.PowerOfAttorney
		want      string // the PoA check's refusal code, or STATEMENT for the whole path
		wantCheck string
	}{
		{"valid power of attorney", tson.Person{IIN: "790227333112", LastName: "СӘРСЕНБАЕВ", FirstName: "НҰРЛАН"},
			tson.PowerOfAttorney{Number: "2024-НД-000101", IssueDate: "2024-01-10", ValidUntil: "2027-01-09"}, "STATEMENT", "PASSED"},
		{"revoked power of attorney", tson.Person{IIN: "630819404121", LastName: "ҚҰНАНБАЕВА", FirstName: "ГҮЛНҰР"},
			tson.PowerOfAttorney{Number: "2024-НД-000202", IssueDate: "2024-05-20", ValidUntil: "2028-05-19"}, "CON_POA_REVOKED", "REFUSED"},
		{"no such power of attorney", tson.Person{IIN: "790227333112", LastName: "СӘРСЕНБАЕВ", FirstName: "НҰРЛАН"},
			tson.PowerOfAttorney{Number: "2025-НД-999999", IssueDate: "2025-01-01"}, "CON_POA_NOT_FOUND", "REFUSED"},
	}
	notary := "ЖАҚСЫЛЫҚОВА ГҮЛМИРА СЕРІКҚЫЗЫ"
	for _, c := range cases {
		c.poa.NotaryName = notary
		t.Run(c.name, func(t *testing.T) {
			op.t = t
			var app tson.AppState
			rep := abl
			if c.consumer.IIN == "630819404121" {
				rep = tson.Person{IIN: "921201460067", LastName: "ШӘКІРОВА", FirstName: "ҰЛЖАН"}
			}
			if st := op.json(http.MethodPost, "/applications", tson.NewApplication{Consumer: c.consumer, PeriodFrom: "2024-01-01", PeriodTo: "2024-12-31",
				Representative: &rep, PowerOfAttorney: &c.poa}, &app); st != http.StatusCreated {
				t.Fatalf("create: %d", st)
			}
			var ca tson.CheckAnswer
			if st := op.call(http.MethodPost, "/applications/"+app.ID+"/checks/consumer", nil, "", &ca); st != 200 || ca.Check.Result != "PASSED" {
				t.Fatalf("consumer check: %d %+v", st, ca.Check)
			}
			if st := op.call(http.MethodPost, "/applications/"+app.ID+"/checks/power-of-attorney", nil, "", &ca); st != 200 || ca.Check.Result != c.wantCheck {
				t.Fatalf("power-of-attorney check: %d %+v", st, ca.Check)
			}
			if c.want != "STATEMENT" {
				if ca.Check.Code != c.want || ca.Application.Status != tson.StatusRefused || ca.Check.MessageKK == "" || ca.Check.MessageRU == "" {
					t.Fatalf("refusal %+v, application %s", ca.Check, ca.Application.Status)
				}
				return
			}
			got := op.submitWithScan(s, app.ID)
			if got.Result.Kind != "STATEMENT" || got.Result.Rows == 0 || got.Status != tson.StatusAnswered {
				t.Fatalf("result %+v, status %s", got.Result, got.Status)
			}
		})
	}
	t.Run("an expired power of attorney is refused as entered", func(t *testing.T) {
		op.t = t
		var p map[string]any
		st := op.json(http.MethodPost, "/applications", tson.NewApplication{Consumer: tson.Person{IIN: "951103420437", LastName: "ЖҰМАҒАЛИЕВА", FirstName: "ӘЙГЕРІМ"},
			PeriodFrom: "2024-01-01", PeriodTo: "2024-12-31", Representative: &abl,
			PowerOfAttorney: &tson.PowerOfAttorney{Number: "2022-НД-000055", IssueDate: "2022-03-01", ValidUntil: "2023-03-01", NotaryName: notary}}, &p)
		if st != http.StatusBadRequest || p["code"] != "CON_INPUT_INVALID" || !bytes.Contains(mustJSON(p["errors"]), []byte("powerOfAttorney.validUntil")) {
			t.Fatalf("%d %v", st, p)
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestCONStatementForPopulationPerson: a person of the synthetic population (no certificate of
// their own) gets their statement at the ЦОН, from the movements the population loaded.
func TestCONStatementForPopulationPerson(t *testing.T) {
	s := start(t)
	var person tson.Person
	for p := range s.Population.All() {
		if p.SIK != "" && p.DeathDate.IsZero() && len(s.Population.Movements(p.IIN, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC))) > 0 {
			person = tson.Person{IIN: p.IIN, LastName: p.NameKK.Last, FirstName: p.NameKK.First, MiddleName: p.NameKK.Middle}
			break
		}
	}
	if person.IIN == "" {
		t.Fatal("the population has nobody with 2024 movements")
	}
	jar, _ := cookiejar.New(nil)
	op := &operatorSession{t: t, base: s.URL, http: &http.Client{Jar: jar}}
	var sess struct {
		CSRFToken string `json:"csrfToken"`
	}
	if st := op.json(http.MethodPost, "/login", map[string]string{"login": tson.TestOperatorLogin, "password": tson.TestOperatorPassword}, &sess); st != 200 {
		t.Fatalf("login: %d", st)
	}
	op.csrf = sess.CSRFToken
	var app tson.AppState
	if st := op.json(http.MethodPost, "/applications", tson.NewApplication{Consumer: person, PeriodFrom: "2024-01-01", PeriodTo: "2024-12-31"}, &app); st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	var ca tson.CheckAnswer
	if st := op.call(http.MethodPost, "/applications/"+app.ID+"/checks/consumer", nil, "", &ca); st != 200 || ca.Check.Result != "PASSED" {
		t.Fatalf("consumer check in ГБД ФЛ: %d %+v", st, ca.Check)
	}
	got := op.submitWithScan(s, app.ID)
	if got.Result.Kind != "STATEMENT" || got.Result.Rows == 0 {
		t.Fatalf("result %+v", got.Result)
	}
}

// submitWithScan attaches a scan, signs the document with the operator's test key, submits it
// and waits for ГЦВП's answer.
func (o *operatorSession) submitWithScan(s *Server, id string) tson.AppState {
	t := o.t
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("kind", "IDENTITY_DOCUMENT")
	w.WriteField("paperPresented", "true")
	part, _ := w.CreateFormFile("file", "id.pdf")
	part.Write([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
	w.Close()
	if st := o.call(http.MethodPost, "/applications/"+id+"/documents", buf.Bytes(), w.FormDataContentType(), nil); st/100 != 2 {
		t.Fatalf("upload: %d", st)
	}
	var raw []byte
	if st := o.call(http.MethodGet, "/applications/"+id+"/document", nil, "", &raw); st != 200 {
		t.Fatalf("document: %d %s", st, raw)
	}
	doc, err := xmlsafe.Parse(raw, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	key, cert, _ := s.PKI.KeyPair(pki.NameOperator1)
	if err := (&wssec.Signer{Key: key, Cert: cert}).SignElement(doc.Root()); err != nil {
		t.Fatal(err)
	}
	signed, _ := doc.WriteToBytes()
	if st := o.call(http.MethodPost, "/applications/"+id+"/submit", signed, "application/xml", nil); st != http.StatusAccepted {
		t.Fatalf("submit: %d", st)
	}
	var got tson.AppState
	eventually(t, "ГЦВП's answer reaches the operator", func() bool {
		o.call(http.MethodGet, "/applications/"+id, nil, "", &got)
		return got.Result != nil
	})
	return got
}
