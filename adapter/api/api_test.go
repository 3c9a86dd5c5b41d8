package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/api"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/resultdoc"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/wsdl"
)

const (
	good    = "880512310210" // ӘБІЛҰЛЫ ҚАНАТ, consumer-good: basic pension ASSIGNED, SIK DUPLICATE, statement
	ec      = "951103420437" // ЖҰМАҒАЛИЕВА ӘЙГЕРІМ, consumer-ec
	revoked = "790227333112" // СӘРСЕНБАЕВ НҰРЛАН, consumer-revoked: CERT_REVOKED
)

// signAs signs the document with a key of the test PKI, as the consumer's own software does.
func signAs(t *testing.T, name string, document []byte) []byte {
	t.Helper()
	key, cert, err := system.PKI.KeyPair(name)
	if err != nil {
		t.Fatal(err)
	}
	el, err := envelope.ParseElement(document, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&wssec.Signer{Key: key, Cert: cert}).SignElement(el); err != nil {
		t.Fatal(err)
	}
	out, err := envelope.SerializeElement(el)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func verifier() *wssec.Verifier {
	return &wssec.Verifier{Roots: system.PKI.Roots(), Intermediates: system.PKI.Intermediates()}
}

// TestFullFlow is the regulations' portal path for service 3: log in, fill in, sign (the test
// key), refresh until DONE, open, save as XML and PDF, answer the survey.
func TestFullFlow(t *testing.T) {
	a, _, base := mount(t)
	c := login(t, base, good)

	var svcs []api.ServiceView
	c.call("GET", "/api/v1/services", nil, http.StatusOK, &svcs)
	if len(svcs) != 10 || svcs[2].ID != wsdl.ServiceBasicPensionInfo || svcs[2].Number != 3 || svcs[2].NameKK == "" || svcs[2].NameRU == "" {
		t.Fatalf("services %+v", svcs)
	}
	d := c.draft(api.CreateRequest{ServiceID: wsdl.ServiceBasicPensionInfo, Lang: str("kk")})
	if d.Status != "DRAFT" || !strings.Contains(d.Document, "<iin>"+good+"</iin>") || !strings.Contains(d.Document, "<lang>kk</lang>") ||
		!strings.Contains(d.Document, "<requestNumber>"+d.RequestNumber+"</requestNumber>") {
		t.Fatalf("draft %+v", d)
	}
	var v api.RequestView
	c.call("GET", "/api/v1/requests/"+d.RequestNumber, nil, http.StatusOK, &v)
	if v.Status != "DRAFT" || v.SubmittedAt != nil || v.Deadline != nil || v.StatusKK == "" || v.StatusRU == "" || len(v.Steps) != 0 {
		t.Fatalf("draft view %+v", v)
	}
	// Not answered yet: no result, no survey.
	c.wantProblem("GET", "/api/v1/requests/"+d.RequestNumber+"/result", nil, true, http.StatusConflict, "API_REQUEST_STATE", "")
	c.wantProblem("POST", "/api/v1/requests/"+d.RequestNumber+"/survey", map[string]int{"q1": 3, "q2": 3}, true,
		http.StatusConflict, "API_REQUEST_STATE", "")

	c.call("POST", "/api/v1/requests/"+d.RequestNumber+"/test-signature", nil, http.StatusOK, &v)
	if v.Status != "SENT" && v.Status != "IN_PROGRESS" || v.MessageID == "" || v.SubmittedAt == nil {
		t.Fatalf("sent %+v", v)
	}
	// Signed and sent once: a second signature is refused.
	c.wantProblem("POST", "/api/v1/requests/"+d.RequestNumber+"/test-signature", nil, true, http.StatusConflict, "API_REQUEST_STATE", "")

	wantStatus, wantOutcome := expected(t, good, wsdl.ServiceBasicPensionInfo)
	if wantStatus != "DONE" {
		t.Fatalf("the fixtures no longer give %s a result of service 3 (%s); pick another", good, wantOutcome)
	}
	v = c.await(d.RequestNumber)
	if v.Status != "DONE" || v.Outcome != wantOutcome || v.IIN != good || v.ServiceNameKK == "" || v.ServiceNameRU == "" ||
		v.MessageState != "DELIVERED" || v.AnsweredAt == nil {
		t.Fatalf("done %+v", v)
	}
	if !v.Deadline.Equal(v.SubmittedAt.Add(api.NormDefault)) {
		t.Fatalf("deadline %v, submitted %v", v.Deadline, v.SubmittedAt)
	}
	if len(v.Steps) < 5 {
		t.Fatalf("steps %+v", v.Steps)
	}
	for _, s := range v.Steps {
		if s.NameKK == "" || s.NameRU == "" || s.Outcome != "ok" || s.EndedAt.Before(s.StartedAt) || s.DurationMS < 0 {
			t.Fatalf("step %+v", s)
		}
	}
	if last := v.Steps[len(v.Steps)-1]; last.Step != "A11_ANSWER" || last.NormMS == 0 {
		t.Fatalf("last step %+v", last)
	}

	var res api.ResultView
	c.call("GET", "/api/v1/requests/"+d.RequestNumber+"/result", nil, http.StatusOK, &res)
	dec, _ := res.Document["decision"].(map[string]any)
	if res.Kind != "InfoResponse" || res.Outcome != wantOutcome || res.Document["iin"] != good || dec["outcome"] != wantOutcome ||
		res.Document["requestNumber"] != d.RequestNumber {
		t.Fatalf("result %+v", res)
	}
	if _, ok := res.Document["Signature"]; ok {
		t.Fatal("the signature is in the result's JSON")
	}
	x := c.call("GET", "/api/v1/requests/"+d.RequestNumber+"/result.xml", nil, http.StatusOK, nil)
	if ct := x.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
		t.Fatalf("result.xml Content-Type %q", ct)
	}
	ver, err := verifier().VerifyBytes(x.body, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatalf("ГЦВП's signature on result.xml: %v", err)
	}
	if gcvp, _ := system.PKI.Cert(pki.NameGCVP); !ver.Cert.Equal(gcvp) {
		t.Fatalf("result.xml signed by %s", ver.Cert.Subject)
	}
	p := c.call("GET", "/api/v1/requests/"+d.RequestNumber+"/result.pdf", nil, http.StatusOK, nil)
	if p.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(p.body, []byte("%PDF-")) ||
		!strings.Contains(p.header.Get("Content-Disposition"), d.RequestNumber+".pdf") {
		t.Fatalf("result.pdf: %v %q", p.header, p.body[:min(len(p.body), 16)])
	}
	vp, err := resultdoc.VerifyPDF(p.body, verifier())
	if err != nil || !bytes.Equal(vp.XML, x.body) {
		t.Fatalf("the PDF's barcodes: %v", err)
	}

	var sv api.SurveyView
	c.call("POST", "/api/v1/requests/"+d.RequestNumber+"/survey", map[string]int{"q1": 3, "q2": 2}, http.StatusCreated, &sv)
	if sv.Q1 != 3 || sv.Q2 != 2 {
		t.Fatalf("survey %+v", sv)
	}
	c.wantProblem("POST", "/api/v1/requests/"+d.RequestNumber+"/survey", map[string]int{"q1": 1, "q2": 1}, true,
		http.StatusConflict, "API_SURVEY_ANSWERED", "")
	c.call("GET", "/api/v1/requests/"+d.RequestNumber, nil, http.StatusOK, &v)
	if v.Survey == nil || v.Survey.Q1 != 3 || v.Survey.Q2 != 2 || v.Status != "DONE" {
		t.Fatalf("after the survey %+v", v)
	}
	var list []api.RequestSummary
	c.call("GET", "/api/v1/requests", nil, http.StatusOK, &list)
	if !slices.ContainsFunc(list, func(s api.RequestSummary) bool {
		return s.RequestNumber == d.RequestNumber && s.Status == "DONE" && s.Deadline != nil
	}) {
		t.Fatalf("list %+v", list)
	}

	m := c.call("GET", "/metrics", nil, http.StatusOK, nil)
	for _, want := range []string{
		`shepgate_requests_total{outcome="done",service="GCVP_BASIC_PENSION_INFO"}`,
		`shepgate_requests_total{outcome="sent",service="GCVP_BASIC_PENSION_INFO"}`,
		`shepgate_http_requests_total{method="POST",route="/api/v1/requests/:number/test-signature",status="200"}`,
		`shepgate_http_requests_total{method="GET",route="/api/v1/requests/:number/result",status="409"}`,
		`shepgate_http_request_duration_seconds_bucket{method="GET",route="/api/v1/services"`,
	} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	c.send("GET", "/no/such/path/"+d.RequestNumber, nil, false)
	m = c.call("GET", "/metrics", nil, http.StatusOK, nil)
	if strings.Contains(string(m.body), d.RequestNumber) {
		t.Error("a path (not a route template) is a metrics label")
	}
	a.Metrics().ObserveStep(wsdl.ServiceBasicPensionInfo, "A8_FIND_IIN", "ok", 20*time.Millisecond)
	m = c.call("GET", "/metrics", nil, http.StatusOK, nil)
	if !strings.Contains(string(m.body), `shepgate_step_duration_seconds_count{outcome="ok",service="GCVP_BASIC_PENSION_INFO",step="A8_FIND_IIN"} 1`) {
		t.Error("the step histogram does not show the observed step")
	}
}

// TestConsumerSigned: the consumer signs the draft with their own software (here the test
// key outside the server) for services 9 and 10, and a revoked certificate is ГЦВП's refusal.
func TestConsumerSigned(t *testing.T) {
	_, _, base := mount(t)
	c := login(t, base, good)
	sikStatus, sikOutcome := expected(t, good, wsdl.ServiceSikIssue)
	stmtStatus, stmtOutcome := expected(t, good, wsdl.ServicePensionFundStatement)
	f, err := fixtures.Read(fixturesPath)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		body    api.CreateRequest
		cert    string
		status  string
		outcome string
	}{
		{api.CreateRequest{ServiceID: wsdl.ServiceSikIssue, Duplicate: boolean(sikOutcome == "DUPLICATE"), Lang: str("ru")},
			pki.NameConsumerGood, sikStatus, sikOutcome},
		{api.CreateRequest{ServiceID: wsdl.ServicePensionFundStatement, PeriodFrom: str(f.StatementPeriod.From), PeriodTo: str(f.StatementPeriod.To)},
			pki.NameConsumerGood, stmtStatus, stmtOutcome},
		// Someone else's valid signature: ГЦВП refuses (the IIN in the certificate is not the request's).
		{api.CreateRequest{ServiceID: wsdl.ServiceBasicPensionInfo}, pki.NameConsumerEC, "REFUSED", "CERT_IIN_MISMATCH"},
	}
	for _, tc := range cases {
		t.Run(tc.body.ServiceID+"/"+tc.cert, func(t *testing.T) {
			c.t = t
			d := c.draft(tc.body)
			var v api.RequestView
			c.call("POST", "/api/v1/requests/"+d.RequestNumber+"/signature", signAs(t, tc.cert, []byte(d.Document)), http.StatusOK, &v)
			if v.MessageID == "" {
				t.Fatalf("sent %+v", v)
			}
			v = c.await(d.RequestNumber)
			if v.Status != tc.status || v.Outcome != tc.outcome {
				t.Fatalf("answer %s %s, want %s %s (%+v)", v.Status, v.Outcome, tc.status, tc.outcome, v)
			}
			if tc.body.ServiceID == wsdl.ServiceSikIssue && !v.Deadline.Equal(v.SubmittedAt.Add(api.NormSik)) {
				t.Fatalf("service 9's deadline %v", v.Deadline)
			}
			if tc.status == "REFUSED" && (v.RefusalCode != tc.outcome || v.RefusalKK == "" || v.RefusalRU == "") {
				t.Fatalf("refusal %+v", v)
			}
			var res api.ResultView
			c.call("GET", "/api/v1/requests/"+d.RequestNumber+"/result", nil, http.StatusOK, &res)
			if res.Outcome != tc.outcome {
				t.Fatalf("result %+v", res)
			}
			if tc.outcome == "STATEMENT" {
				if rows, ok := res.Document["row"].([]any); !ok || len(rows) == 0 {
					t.Fatalf("statement rows %+v", res.Document)
				}
			}
			pdf := c.call("GET", "/api/v1/requests/"+d.RequestNumber+"/result.pdf", nil, http.StatusOK, nil)
			if _, err := resultdoc.VerifyPDF(pdf.body, verifier()); err != nil {
				t.Fatal(err)
			}
			// A refusal is an answer: the survey is open.
			c.call("POST", "/api/v1/requests/"+d.RequestNumber+"/survey", map[string]int{"q1": 1, "q2": 2}, http.StatusCreated, nil)
		})
	}
	// The revoked consumer's own test key: ГЦВП's refusal CERT_REVOKED.
	r := login(t, base, revoked)
	d := r.draft(api.CreateRequest{ServiceID: wsdl.ServiceBasicPensionInfo})
	r.call("POST", "/api/v1/requests/"+d.RequestNumber+"/test-signature", nil, http.StatusOK, nil)
	if st, code := expected(t, revoked, wsdl.ServiceBasicPensionInfo); st != "REFUSED" || code != "CERT_REVOKED" {
		t.Fatalf("the fixtures expect %s %s of the revoked consumer", st, code)
	}
	if v := r.await(d.RequestNumber); v.Status != "REFUSED" || v.RefusalCode != "CERT_REVOKED" {
		t.Fatalf("revoked: %+v", v)
	}
}

// TestSignatureChecks: what comes back must be exactly the draft, signed once, enveloped.
func TestSignatureChecks(t *testing.T) {
	_, _, base := mount(t)
	c := login(t, base, good)
	d := c.draft(api.CreateRequest{ServiceID: wsdl.ServiceAgeBenefitInfo})
	other := c.draft(api.CreateRequest{ServiceID: wsdl.ServiceAgeBenefitInfo})
	path := "/api/v1/requests/" + d.RequestNumber + "/signature"

	// Another IIN in the signed document.
	forged := strings.Replace(d.Document, "<iin>"+good+"</iin>", "<iin>"+ec+"</iin>", 1)
	p := c.wantProblem("POST", path, signAs(t, pki.NameConsumerGood, []byte(forged)), true, http.StatusBadRequest, "API_DOCUMENT_MISMATCH", "")
	if !strings.Contains(p.Detail, "iin") {
		t.Fatalf("the mismatch does not say where: %s", p.Detail)
	}
	// Another request's draft, validly signed.
	c.wantProblem("POST", path, signAs(t, pki.NameConsumerGood, []byte(other.Document)), true, http.StatusBadRequest, "API_DOCUMENT_MISMATCH", "")
	// An extra element.
	extra := strings.Replace(d.Document, "</requestDate>", "</requestDate><note>x</note>", 1)
	c.wantProblem("POST", path, signAs(t, pki.NameConsumerGood, []byte(extra)), true, http.StatusBadRequest, "API_DOCUMENT_MISMATCH", "")
	// Unsigned.
	c.wantProblem("POST", path, []byte(d.Document), true, http.StatusBadRequest, "SIG_MISSING", "")
	// Signed twice.
	once := signAs(t, pki.NameConsumerGood, []byte(d.Document))
	twice := signTwice(t, once)
	c.wantProblem("POST", path, twice, true, http.StatusBadRequest, "SIG_MALFORMED", "")
	// Not XML, a DOCTYPE, the wrong media type.
	c.wantProblem("POST", path, []byte("not xml"), true, http.StatusBadRequest, "XML_MALFORMED", "")
	c.wantProblem("POST", path, []byte(`<!DOCTYPE x [<!ENTITY a "b">]><x/>`), true, http.StatusBadRequest, "XML_DOCTYPE", "")
	c.wantProblem("POST", path, map[string]string{"document": d.Document}, true, http.StatusUnsupportedMediaType, "API_UNSUPPORTED_MEDIA_TYPE", "")
	// Whitespace between elements does not change the content: a signing tool that indents the
	// document before it signs is accepted.
	pretty := signAs(t, pki.NameConsumerGood, reindent(t, []byte(d.Document)))
	var v api.RequestView
	c.call("POST", path, pretty, http.StatusOK, &v)
	if v.Status != "SENT" && v.Status != "IN_PROGRESS" {
		t.Fatalf("indented signed document: %+v", v)
	}
	c.wantProblem("POST", path, once, true, http.StatusConflict, "API_REQUEST_STATE", "")
	st, out := expected(t, good, wsdl.ServiceAgeBenefitInfo)
	if v = c.await(d.RequestNumber); v.Status != st || v.Outcome != out {
		t.Fatalf("indented signed document's answer: %+v", v)
	}
}

// signTwice adds a second signature inside the document.
func signTwice(t *testing.T, signed []byte) []byte {
	t.Helper()
	el, err := envelope.ParseElement(signed, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	key, cert, _ := system.PKI.KeyPair(pki.NameConsumerGood)
	inner := el.SelectElement("iin")
	if err := (&wssec.Signer{Key: key, Cert: cert}).SignElement(inner); err != nil {
		t.Fatal(err)
	}
	out, err := envelope.SerializeElement(el)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// reindent pretty-prints a document (whitespace between elements only).
func reindent(t *testing.T, signed []byte) []byte {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(signed); err != nil {
		t.Fatal(err)
	}
	doc.Indent(2)
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAuth: sessions, CSRF, rate limits, another consumer's requests.
func TestAuth(t *testing.T) {
	_, _, base := mount(t, func(o *api.Options) { o.LoginAttempts = 3 })
	anon := newClient(t, base)
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/session"}, {"GET", "/api/v1/requests"}, {"POST", "/api/v1/requests"}, {"GET", "/api/v1/requests/1"},
		{"POST", "/api/v1/requests/1/signature"}, {"POST", "/api/v1/requests/1/test-signature"}, {"GET", "/api/v1/requests/1/result"},
		{"GET", "/api/v1/requests/1/result.xml"}, {"GET", "/api/v1/requests/1/result.pdf"}, {"POST", "/api/v1/requests/1/survey"},
	} {
		anon.wantProblem(r.method, r.path, nil, true, http.StatusUnauthorized, "API_UNAUTHENTICATED", "")
	}
	// Public.
	anon.call("GET", "/api/v1/services", nil, http.StatusOK, nil)
	anon.call("GET", "/api/v1/survey", nil, http.StatusOK, nil)
	anon.call("DELETE", "/api/v1/session", nil, http.StatusNoContent, nil)

	// Login: input, wrong password, the limit per IIN (even the right password is refused then).
	anon.wantProblem("POST", "/api/v1/session", map[string]string{"password": "x"}, false, http.StatusBadRequest, "API_VALIDATION", "iin")
	anon.wantProblem("POST", "/api/v1/session", map[string]string{"iin": "880512310211", "password": "x"}, false, http.StatusBadRequest, "API_VALIDATION", "iin")
	anon.wantProblem("POST", "/api/v1/session", map[string]string{"iin": good}, false, http.StatusBadRequest, "API_VALIDATION", "password")
	anon.wantProblem("POST", "/api/v1/session", map[string]any{"iin": 880512310210, "password": "x"}, false, http.StatusBadRequest, "API_VALIDATION", "iin")
	for range 3 {
		anon.wantProblem("POST", "/api/v1/session", api.LoginRequest{IIN: ec, Password: "wrong"}, false, http.StatusUnauthorized, "API_LOGIN_FAILED", "")
	}
	r := anon.send("POST", "/api/v1/session", api.LoginRequest{IIN: ec, Password: api.TestPassword(ec)}, false)
	if p := r.problem(t); r.status != http.StatusTooManyRequests || p.Code != "API_LOGIN_LOCKED" || r.header.Get("Retry-After") == "" {
		t.Fatalf("locked login: %d %+v %v", r.status, p, r.header)
	}
	// Another IIN is not locked; an IIN without an account fails like a wrong password.
	nobody, err := iin.Make(time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), false, 9999)
	if err != nil {
		t.Fatal(err)
	}
	anon.wantProblem("POST", "/api/v1/session", api.LoginRequest{IIN: nobody, Password: "nope"}, false, http.StatusUnauthorized, "API_LOGIN_FAILED", "")
	c := login(t, base, good)
	ck := sessionCookie(t, c, base)
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie %+v", ck)
	}

	// CSRF: every state-changing call.
	d := c.draft(api.CreateRequest{ServiceID: wsdl.ServiceBasicPensionInfo})
	c.wantProblem("POST", "/api/v1/requests", api.CreateRequest{ServiceID: wsdl.ServiceBasicPensionInfo}, false, http.StatusForbidden, "API_CSRF", "")
	saved := c.csrf
	c.csrf = "forged"
	c.wantProblem("POST", "/api/v1/requests/"+d.RequestNumber+"/test-signature", nil, true, http.StatusForbidden, "API_CSRF", "")
	c.wantProblem("POST", "/api/v1/requests/"+d.RequestNumber+"/signature", []byte("<x/>"), true, http.StatusForbidden, "API_CSRF", "")
	c.wantProblem("POST", "/api/v1/requests/"+d.RequestNumber+"/survey", map[string]int{"q1": 1, "q2": 1}, true, http.StatusForbidden, "API_CSRF", "")
	c.wantProblem("DELETE", "/api/v1/session", nil, true, http.StatusForbidden, "API_CSRF", "")
	c.csrf = saved
	var s api.SessionView
	c.call("GET", "/api/v1/session", nil, http.StatusOK, &s)
	if s.CSRFToken != saved || s.IIN != good {
		t.Fatalf("session %+v", s)
	}

	// Another consumer's request does not exist for them.
	o := login(t, base, revoked)
	n := "/api/v1/requests/" + d.RequestNumber
	o.wantProblem("GET", n, nil, true, http.StatusNotFound, "API_NOT_FOUND", "")
	o.wantProblem("POST", n+"/signature", signAs(t, pki.NameConsumerRevoked, []byte(d.Document)), true, http.StatusNotFound, "API_NOT_FOUND", "")
	o.wantProblem("POST", n+"/test-signature", nil, true, http.StatusNotFound, "API_NOT_FOUND", "")
	for _, suffix := range []string{"/result", "/result.xml", "/result.pdf"} {
		o.wantProblem("GET", n+suffix, nil, true, http.StatusNotFound, "API_NOT_FOUND", "")
	}
	o.wantProblem("POST", n+"/survey", map[string]int{"q1": 1, "q2": 1}, true, http.StatusNotFound, "API_NOT_FOUND", "")
	var theirs []api.RequestSummary
	o.call("GET", "/api/v1/requests", nil, http.StatusOK, &theirs)
	if slices.ContainsFunc(theirs, func(r api.RequestSummary) bool { return r.RequestNumber == d.RequestNumber }) {
		t.Fatal("another consumer lists the request")
	}
	c.wantProblem("GET", "/api/v1/requests/00000000000000000000", nil, true, http.StatusNotFound, "API_NOT_FOUND", "")

	// Logout ends the session.
	c.call("DELETE", "/api/v1/session", nil, http.StatusNoContent, nil)
	c.wantProblem("GET", "/api/v1/requests", nil, true, http.StatusUnauthorized, "API_UNAUTHENTICATED", "")
}

func sessionCookie(t *testing.T, c *client, base string) *http.Cookie {
	t.Helper()
	r, err := http.NewRequest("POST", base+"/api/v1/session", strings.NewReader(`{"iin":"`+c.iin+`","password":"`+api.TestPassword(c.iin)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == api.CookieName {
			return ck
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// TestValidation: every input is checked, with the field at fault.
func TestValidation(t *testing.T) {
	_, _, base := mount(t)
	c := login(t, base, good)
	stmt := wsdl.ServicePensionFundStatement
	tomorrow := time.Now().In(api.Kazakhstan).AddDate(0, 0, 2).Format(time.DateOnly)
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{}, "serviceId"},
		{api.CreateRequest{ServiceID: "NO_SUCH_SERVICE"}, "serviceId"},
		{api.CreateRequest{ServiceID: wsdl.ServiceGbdflPersonByIIN}, "serviceId"},
		{map[string]any{"serviceId": 3}, "serviceId"},
		{api.CreateRequest{ServiceID: wsdl.ServiceBasicPensionInfo, Lang: str("en")}, "lang"},
		{api.CreateRequest{ServiceID: wsdl.ServiceBasicPensionInfo, Duplicate: boolean(true)}, "duplicate"},
		{api.CreateRequest{ServiceID: wsdl.ServiceBasicPensionInfo, PeriodFrom: str("2024-01-01")}, "periodFrom"},
		{api.CreateRequest{ServiceID: wsdl.ServiceSikIssue, PeriodTo: str("2024-01-01")}, "periodTo"},
		{map[string]any{"serviceId": wsdl.ServiceBasicPensionInfo, "iin": ec}, "iin"},
		{api.CreateRequest{ServiceID: stmt}, "periodFrom"},
		{api.CreateRequest{ServiceID: stmt, PeriodFrom: str("2024-01-01")}, "periodTo"},
		{api.CreateRequest{ServiceID: stmt, PeriodFrom: str("01.01.2024"), PeriodTo: str("2024-12-31")}, "periodFrom"},
		{api.CreateRequest{ServiceID: stmt, PeriodFrom: str("2024-01-01"), PeriodTo: str("2024-02-30")}, "periodTo"},
		{api.CreateRequest{ServiceID: stmt, PeriodFrom: str("2024-12-31"), PeriodTo: str("2024-01-01")}, "periodFrom"},
		{api.CreateRequest{ServiceID: stmt, PeriodFrom: str("1997-12-31"), PeriodTo: str("2024-01-01")}, "periodFrom"},
		{api.CreateRequest{ServiceID: stmt, PeriodFrom: str("2024-01-01"), PeriodTo: str(tomorrow)}, "periodTo"},
	} {
		c.wantProblem("POST", "/api/v1/requests", tc.body, true, http.StatusBadRequest, "API_VALIDATION", tc.field)
	}
	// Bodies: not JSON, two values, the wrong media type, too large.
	r := c.sendRaw("POST", "/api/v1/requests", "application/json", "{")
	if p := r.problem(t); p.Code != "API_VALIDATION" {
		t.Fatalf("broken JSON: %+v", p)
	}
	r = c.sendRaw("POST", "/api/v1/requests", "application/json", `{"serviceId":"GCVP_BASIC_PENSION_INFO"} {}`)
	if p := r.problem(t); p.Code != "API_VALIDATION" {
		t.Fatalf("two values: %+v", p)
	}
	r = c.sendRaw("POST", "/api/v1/requests", "text/plain", `{"serviceId":"GCVP_BASIC_PENSION_INFO"}`)
	if p := r.problem(t); r.status != http.StatusUnsupportedMediaType || p.Code != "API_UNSUPPORTED_MEDIA_TYPE" {
		t.Fatalf("text/plain: %d %+v", r.status, p)
	}
	r = c.sendRaw("POST", "/api/v1/requests", "application/json", `{"serviceId":"`+strings.Repeat("x", 70<<10)+`"}`)
	if p := r.problem(t); r.status != http.StatusRequestEntityTooLarge || p.Code != "API_BODY_TOO_LARGE" {
		t.Fatalf("large: %d %+v", r.status, p)
	}
	// The survey's answers.
	d := c.draft(api.CreateRequest{ServiceID: wsdl.ServiceBasicPensionInfo})
	s := "/api/v1/requests/" + d.RequestNumber + "/survey"
	c.wantProblem("POST", s, map[string]int{"q2": 1}, true, http.StatusBadRequest, "API_VALIDATION", "q1")
	c.wantProblem("POST", s, map[string]int{"q1": 4, "q2": 1}, true, http.StatusBadRequest, "API_VALIDATION", "q1")
	c.wantProblem("POST", s, map[string]int{"q1": 1, "q2": 0}, true, http.StatusBadRequest, "API_VALIDATION", "q2")
	c.wantProblem("POST", s, map[string]any{"q1": "3", "q2": 1}, true, http.StatusBadRequest, "API_VALIDATION", "q1")
	// Routes that do not exist, methods a route does not take.
	c.wantProblem("GET", "/api/v1/nothing", nil, true, http.StatusNotFound, "API_NOT_FOUND", "")
	c.wantProblem("PUT", "/api/v1/requests/"+d.RequestNumber, nil, true, http.StatusMethodNotAllowed, "API_METHOD_NOT_ALLOWED", "")
}

func (c *client) sendRaw(method, path, contentType, body string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(api.CSRFHeader, c.csrf)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return response{resp.StatusCode, resp.Header, buf.Bytes()}
}

// TestProductionMode: accounts from a file of bcrypt hashes; no test-signature endpoint.
func TestProductionMode(t *testing.T) {
	_, _, base := mount(t, func(o *api.Options) {
		o.TestMode, o.FixturesFile, o.PKI = false, "", nil
		o.AccountsFile = filepath.Join("testdata", "accounts.json")
	})
	anon := newClient(t, base)
	anon.wantProblem("POST", "/api/v1/session", api.LoginRequest{IIN: good, Password: api.TestPassword(good)}, false,
		http.StatusUnauthorized, "API_LOGIN_FAILED", "")
	c := newClient(t, base)
	var s api.SessionView
	// testdata/accounts.json: the password is "Құпия-сөз-2026".
	c.call("POST", "/api/v1/session", api.LoginRequest{IIN: good, Password: "Құпия-сөз-2026"}, http.StatusOK, &s)
	c.csrf = s.CSRFToken
	if s.Name != "ӘБІЛҰЛЫ ҚАНАТ" {
		t.Fatalf("session %+v", s)
	}
	d := c.draft(api.CreateRequest{ServiceID: wsdl.ServiceBasicPensionInfo})
	c.wantProblem("POST", "/api/v1/requests/"+d.RequestNumber+"/test-signature", nil, true, http.StatusNotFound, "API_NOT_FOUND", "")
	var spec map[string]any
	c.call("GET", "/api/v1/openapi.json", nil, http.StatusOK, &spec)
	if _, ok := spec["paths"].(map[string]any)["/api/v1/requests/{number}/test-signature"]; ok {
		t.Fatal("test-signature is documented outside test mode")
	}
	// Bad accounts files are refused at start.
	dir := t.TempDir()
	for name, content := range map[string]string{
		"bad-iin.json":  `{"accounts":[{"iin":"880512310211","name":"x","passwordHash":"$2a$10$7t/xcD37LotjSd1.KYvo3.XZqsX3uGeCxF.28zjn5QGTzc1i0Dkcm"}]}`,
		"plain.json":    `{"accounts":[{"iin":"880512310210","name":"x","passwordHash":"secret"}]}`,
		"unknown.json":  `{"accounts":[{"iin":"880512310210","password":"secret"}]}`,
		"twice.json":    `{"accounts":[{"iin":"880512310210","name":"x","passwordHash":"$2a$10$7t/xcD37LotjSd1.KYvo3.XZqsX3uGeCxF.28zjn5QGTzc1i0Dkcm"},{"iin":"880512310210","name":"y","passwordHash":"$2a$10$7t/xcD37LotjSd1.KYvo3.XZqsX3uGeCxF.28zjn5QGTzc1i0Dkcm"}]}`,
		"not-json.json": `accounts`,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := api.ReadAccounts(path); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// TestSessionExpiry: a session ends after the idle timeout; each call extends it.
func TestSessionExpiry(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	_, _, base := mount(t, func(o *api.Options) {
		o.SessionTTL = time.Minute
		o.Now = func() time.Time { return time.Unix(0, now.Load()) }
	})
	c := login(t, base, good)
	for range 3 {
		now.Add(int64(50 * time.Second))
		c.call("GET", "/api/v1/session", nil, http.StatusOK, nil)
	}
	now.Add(int64(61 * time.Second))
	c.wantProblem("GET", "/api/v1/session", nil, true, http.StatusUnauthorized, "API_UNAUTHENTICATED", "")
}

// TestHealth: liveness, readiness with the store and a failing check.
func TestHealth(t *testing.T) {
	_, _, base := mount(t)
	c := newClient(t, base)
	c.call("GET", "/healthz", nil, http.StatusOK, nil)
	var rd api.Readiness
	c.call("GET", "/readyz", nil, http.StatusOK, &rd)
	if !rd.Ready || rd.Checks["store"] != "ok" {
		t.Fatalf("ready %+v", rd)
	}
	_, _, base = mount(t, func(o *api.Options) {
		o.ReadyChecks = map[string]func(context.Context) error{"gateway": func(context.Context) error { return errors.New("gateway unreachable") }}
	})
	c = newClient(t, base)
	c.call("GET", "/readyz", nil, http.StatusServiceUnavailable, &rd)
	if rd.Ready || !slices.Equal(rd.NotReady, []string{"gateway"}) || rd.Checks["store"] != "ok" || rd.Checks["gateway"] != "gateway unreachable" {
		t.Fatalf("not ready %+v", rd)
	}
}

// TestOpenAPI checks the document against the running server: every documented path and
// method is routed (not 404/405), every registered route is documented, and merged paths
// appear.
func TestOpenAPI(t *testing.T) {
	a, e, base := mount(t)
	c := login(t, base, good)
	d := c.draft(api.CreateRequest{ServiceID: wsdl.ServiceBasicPensionInfo})
	var spec struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	c.call("GET", "/api/v1/openapi.json", nil, http.StatusOK, &spec)
	if !strings.HasPrefix(spec.OpenAPI, "3.0") {
		t.Fatalf("openapi %q", spec.OpenAPI)
	}
	documented := map[string]bool{}
	for path, item := range spec.Paths {
		for method, op := range item {
			documented[strings.ToUpper(method)+" "+path] = true
			if op["summary"] == "" || op["responses"] == nil {
				t.Errorf("%s %s: no summary or responses", method, path)
			}
			if strings.ToUpper(method) == "DELETE" && path == "/api/v1/session" {
				continue // would end the session the other calls use; TestAuth calls it
			}
			r := c.send(strings.ToUpper(method), strings.ReplaceAll(path, "{number}", d.RequestNumber), nil, true)
			if r.status == http.StatusNotFound || r.status == http.StatusMethodNotAllowed {
				t.Errorf("%s %s is documented but answers %d: %s", method, path, r.status, r.body)
			}
		}
	}
	for _, r := range e.Routes() {
		if r.Path == api.BasePath+"/*" {
			continue // the fallback that answers unknown routes with problems
		}
		if !documented[r.Method+" "+api.OpenAPIPath(r.Path)] {
			t.Errorf("route %s %s is not documented", r.Method, r.Path)
		}
	}
	// Other parts of the process add their paths.
	con := map[string]any{"/api/v1/con/applications": map[string]any{"get": map[string]any{"summary": "ЦОН applications",
		"responses": map[string]any{"200": map[string]any{"description": "OK"}}}}}
	if err := a.MergeOpenAPI(con, map[string]any{"Application": map[string]any{"type": "object"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.MergeOpenAPI(con, nil); err == nil {
		t.Fatal("a path merged twice")
	}
	if err := a.MergeOpenAPI(map[string]any{"/api/v1/services": map[string]any{}}, nil); err == nil {
		t.Fatal("an own path overwritten")
	}
	var merged map[string]any
	c.call("GET", "/api/v1/openapi.json", nil, http.StatusOK, &merged)
	raw, _ := json.Marshal(merged)
	if !strings.Contains(string(raw), "/api/v1/con/applications") || !strings.Contains(string(raw), `"Application"`) {
		t.Fatal("merged paths are not in the document")
	}
}

// TestConcurrency: of simultaneous submissions of one draft, one sends it; simultaneous
// refreshes store the answer once and all end DONE.
func TestConcurrency(t *testing.T) {
	_, _, base := mount(t)
	c := login(t, base, ec)
	d := c.draft(api.CreateRequest{ServiceID: wsdl.ServiceBasicPensionInfo})
	path := "/api/v1/requests/" + d.RequestNumber
	statuses := make(chan int, 6)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() { statuses <- c.send("POST", path+"/test-signature", nil, true).status })
	}
	wg.Wait()
	close(statuses)
	ok := 0
	for st := range statuses {
		switch st {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
		default:
			t.Errorf("submission answered %d", st)
		}
	}
	if ok != 1 {
		t.Fatalf("%d submissions sent the draft", ok)
	}
	wantStatus, wantOutcome := expected(t, ec, wsdl.ServiceBasicPensionInfo)
	results := make(chan api.RequestView, 4)
	for range 4 {
		wg.Go(func() { results <- c.await(d.RequestNumber) })
	}
	wg.Wait()
	close(results)
	for v := range results {
		if v.Status != wantStatus || v.Outcome != wantOutcome {
			t.Fatalf("answer %+v", v)
		}
	}
	c.call("GET", path+"/result.xml", nil, http.StatusOK, nil)
}
