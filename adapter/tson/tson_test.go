package tson

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/gcvp"
	"github.com/shepgate/shepgate/mocks/enis"
	"github.com/shepgate/shepgate/mocks/gbdfl"
	"github.com/shepgate/shepgate/mocks/scenario"
)

// TestStatementThroughCON is the regulation's ЦОН process from login to the result, over real
// HTTP with the real gateway, mocks, ГЦВП and signatures: a representative with a notarised
// power of attorney asks for СӘРСЕНБАЕВ's statement; ГБД ФЛ and ЕНИС confirm; the operator scans
// the documents, signs the document with operator-1's key and submits it; ГЦВП answers with the
// statement, which the operator reads and the consumer's cabinet receives.
func TestStatementThroughCON(t *testing.T) {
	bed.reset(t)
	op := bed.operator(t)
	n := statementApplication(sarsenbaev)
	rep := zhumagali
	n.Representative = &rep
	n.PowerOfAttorney = &PowerOfAttorney{Number: poaNumber, IssueDate: time.Now().AddDate(0, -2, 0).Format(time.DateOnly),
		NotaryName: "Нотариусова Гүлнар Серікқызы"}
	app := op.create(t, n)
	if app.Status != StatusDraft || len(app.Missing) != 3 || len(app.MissingKK) != 3 || len(app.MissingRU) != 3 || !strings.HasPrefix(app.RequestNumber, "CON-") {
		t.Fatalf("new application %+v", app)
	}

	// Before the checks, the document cannot be produced.
	op.do(t, http.MethodGet, "/applications/"+app.ID+"/document", nil, "").wantProblem(t, http.StatusConflict, string(CodeState))

	// Process 3, condition 1: ГБД ФЛ and ЕНИС through the gateway.
	ck := op.check(t, app.ID, CheckConsumer)
	if ck.Check.Result != ResultPassed || ck.Check.Person == nil || ck.Check.Person.LastName != "СӘРСЕНБАЕВ" || ck.Check.MessageID == "" {
		t.Fatalf("consumer check %+v", ck.Check)
	}
	ck = op.check(t, app.ID, CheckPowerOfAttorney)
	if ck.Check.Result != ResultPassed || ck.Check.PowerOfAttorney == nil || ck.Check.PowerOfAttorney.ValidUntil == "" ||
		!strings.HasPrefix(ck.Check.PowerOfAttorney.NotaryName, "Нотариусова") {
		t.Fatalf("power of attorney check %+v", ck.Check)
	}

	// Process 5: scans, with their SHA-256.
	var d1, d2 Document
	op.upload(t, app.ID, scan(KindIdentity, true), "удостоверение.pdf", pdfScan).json(t, http.StatusCreated, &d1)
	op.upload(t, app.ID, scan(KindPowerOfAttorney, false), `C:\scans\доверенность.png`, pngScan).json(t, http.StatusCreated, &d2)
	if d1.ContentType != "application/pdf" || d1.Size != int64(len(pdfScan)) || len(d1.SHA256) != 64 || !d1.PaperPresented {
		t.Errorf("scan 1 %+v", d1)
	}
	if d2.ContentType != "image/png" || d2.FileName != "доверенность.png" || d2.PaperPresented {
		t.Errorf("scan 2 %+v", d2)
	}
	var list struct{ Documents []Document }
	op.do(t, http.MethodGet, "/applications/"+app.ID+"/documents", nil, "").json(t, http.StatusOK, &list)
	if len(list.Documents) != 2 || list.Documents[1].SHA256 != d2.SHA256 {
		t.Fatalf("documents %+v", list.Documents)
	}
	scanBack := op.do(t, http.MethodGet, "/applications/"+app.ID+"/documents/"+d1.ID, nil, "")
	if scanBack.status != http.StatusOK || !bytes.Equal(scanBack.body, pdfScan) || scanBack.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("scan back: HTTP %d %q", scanBack.status, scanBack.header.Get("Content-Type"))
	}

	// The document to sign: channel CON, the operator, the consumer, the representative, the
	// power of attorney as ЕНИС confirmed it and the scans with their digests.
	doc := op.document(t, app.ID)
	var req gcvp.StatementRequest
	if err := envelope.UnmarshalDocument(doc.Root(), &req, fault.Internal); err != nil {
		t.Fatal(err)
	}
	if *req.Channel != gcvp.ChannelCON || req.OperatorId != TestOperatorLogin || string(*req.Iin) != iinSarsenbaev ||
		req.RequestNumber != app.RequestNumber || string(*req.Representative.Iin) != iinZhumagali ||
		req.PowerOfAttorney.Number != poaNumber || req.PowerOfAttorney.ValidUntil.ToGoTime().IsZero() || len(req.Document) != 2 ||
		string(*req.Document[0].Sha256) != d1.SHA256 || req.Document[1].Kind != KindPowerOfAttorney || !bool(*req.Document[0].PaperPresented) {
		t.Fatalf("document %+v", req)
	}
	// The same document on a second fetch (its requestDate is fixed).
	again, _ := op.document(t, app.ID).WriteToString()
	first, _ := doc.WriteToString()
	if again != first {
		t.Fatalf("the document changed between two fetches:\n%s\n%s", first, again)
	}

	// Signatures that are not the operator's on exactly this document are refused.
	submit := func(body []byte) *answer {
		return op.do(t, http.MethodPost, "/applications/"+app.ID+"/submit", body, "application/xml")
	}
	unsigned, _ := doc.WriteToBytes()
	submit(unsigned).wantProblem(t, http.StatusBadRequest, string(fault.SigMissing))
	submit(bed.sign(t, op.document(t, app.ID), pki.NameConsumerGood)).wantProblem(t, http.StatusForbidden, string(CodeSignerNotOperator))
	tampered := op.document(t, app.ID)
	tampered.FindElement("//periodTo").SetText("2024-06-30")
	p := submit(bed.sign(t, tampered, pki.NameOperator1)).wantProblem(t, http.StatusUnprocessableEntity, string(CodeDocumentMismatch))
	if !strings.Contains(p.Detail, "periodTo") {
		t.Errorf("mismatch detail %q does not name periodTo", p.Detail)
	}
	extra := op.document(t, app.ID)
	extra.Root().CreateElement("note").SetText("added")
	submit(bed.sign(t, extra, pki.NameOperator1)).wantProblem(t, http.StatusUnprocessableEntity, string(CodeDocumentMismatch))
	signed := bed.sign(t, op.document(t, app.ID), pki.NameOperator1)
	altered := bytes.Replace(signed, []byte(iinZhumagali), []byte("951103420445"), 1)
	submit(altered).wantProblem(t, http.StatusBadRequest, string(fault.SigDigestMismatch))
	op.do(t, http.MethodPost, "/applications/"+app.ID+"/submit", signed, "text/plain").wantProblem(t, http.StatusUnsupportedMediaType, string(CodeUnsupportedMedia))

	// The operator's signature on the document: an async REQUEST to ГЦВП.
	var sa SubmitAnswer
	submit(signed).json(t, http.StatusAccepted, &sa)
	if sa.RequestID == "" || sa.Application.Status != StatusSubmitted || sa.Application.Submission.Signer != "ШАҺМАРДАНОВ ШЫҢҒЫС" {
		t.Fatalf("submit %+v", sa)
	}
	submit(signed).wantProblem(t, http.StatusConflict, string(CodeState))
	op.upload(t, app.ID, scan(KindOther, true), "late.pdf", pdfScan).wantProblem(t, http.StatusConflict, string(CodeState))

	// Condition 2 / process 7: ГЦВП's statement comes back.
	var got *AppState
	eventually(t, "ГЦВП answers", func() bool {
		got = op.get(t, app.ID)
		return got.Status == StatusAnswered
	})
	rows, total := fixtureMovements(t, iinSarsenbaev, "2024-01-01", "2024-12-31")
	if r := got.Result; r.Kind != ResultStatement || len(r.DocumentNumber) != 14 || r.Rows != rows || r.TotalTiyn != total || r.Signer == "" {
		t.Fatalf("result %+v, want %d rows totalling %d tiyn", r, rows, total)
	}
	if got.Submission.MessageState == "" {
		t.Errorf("no message state recorded: %+v", got.Submission)
	}
	res := op.do(t, http.MethodGet, "/applications/"+app.ID+"/result", nil, "")
	if res.status != http.StatusOK || res.header.Get("Shep-Result-Kind") != ResultStatement {
		t.Fatalf("result: HTTP %d %s", res.status, res.body)
	}
	v := verifyGCVP(t, res.body)
	if v.Tag != "StatementResponse" {
		t.Fatalf("result document %s", v.Tag)
	}

	// The consumer's personal cabinet has it too.
	entries, err := bed.con.Cabinet().Results(context.Background(), iinSarsenbaev)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(entries, func(e CabinetEntry) bool { return e.RequestNumber == app.RequestNumber })
	if i < 0 || entries[i].Kind != ResultStatement || entries[i].Channel != "CON" || !bytes.Equal(entries[i].Document, res.body) {
		t.Fatalf("cabinet %+v", entries)
	}

	// ГЦВП recorded what the ЦОН presented, signed by the operator.
	rec, err := bed.store.StatementRequest(context.Background(), app.RequestNumber)
	if err != nil || rec.Channel != "CON" || rec.OperatorID != TestOperatorLogin || rec.RepresentativeIIN != iinZhumagali ||
		rec.PoANumber != poaNumber || len(rec.Documents) != 2 || rec.Documents[0].SHA256 != d1.SHA256 {
		t.Fatalf("ГЦВП's record %+v, %v", rec, err)
	}
}

// fixtureMovements counts a fixture person's movements received in a period, and their sum.
func fixtureMovements(t *testing.T, iinValue, from, to string) (int, int64) {
	t.Helper()
	f, err := fixtures.Read(fixturesPath)
	if err != nil {
		t.Fatal(err)
	}
	n, sum := 0, int64(0)
	for _, p := range f.People {
		for _, m := range p.Movements {
			if p.IIN == iinValue && m.ReceiptDate >= from && m.ReceiptDate <= to {
				n, sum = n+1, sum+m.AmountTiyn
			}
		}
	}
	if n == 0 {
		t.Fatalf("no fixture movements of %s in %s..%s", iinValue, from, to)
	}
	return n, sum
}

// verifyGCVP checks ГЦВП's signature on a result document.
func verifyGCVP(t *testing.T, raw []byte) *etree.Element {
	t.Helper()
	v, err := (&wssec.Verifier{Roots: bed.pki.Roots(), Intermediates: bed.pki.Intermediates()}).VerifyBytes(raw, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatalf("result signature: %v", err)
	}
	gcvpCert, _ := bed.pki.Cert(pki.NameGCVP)
	if channel.Fingerprint(v.Cert) != channel.Fingerprint(gcvpCert) {
		t.Fatalf("result signed by %s", v.Cert.Subject.CommonName)
	}
	return v.Element
}

// prepare creates an application for the consumer, passes its consumer check, adds a scan and
// returns its operator-signed document.
func prepare(t *testing.T, op *client, consumer Person) (*AppState, []byte) {
	t.Helper()
	app := op.create(t, statementApplication(consumer))
	if ck := op.check(t, app.ID, CheckConsumer); ck.Check.Result != ResultPassed {
		t.Fatalf("consumer check %+v", ck.Check)
	}
	op.upload(t, app.ID, scan(KindIdentity, true), "id.jpg", jpegScan).json(t, http.StatusCreated, &Document{})
	return app, bed.sign(t, op.document(t, app.ID), pki.NameOperator1)
}

// TestGCVPRefusalReachesOperatorAndCabinet: ГЦВП's signed refusal (no SIK) is the result the
// operator and the cabinet get.
func TestGCVPRefusalReachesOperatorAndCabinet(t *testing.T) {
	bed.reset(t)
	op := bed.operator(t)
	app, signed := prepare(t, op, shakh)
	op.do(t, http.MethodPost, "/applications/"+app.ID+"/submit", signed, "application/xml").json(t, http.StatusAccepted, &SubmitAnswer{})
	var got *AppState
	eventually(t, "ГЦВП answers", func() bool {
		got = op.get(t, app.ID)
		return got.Status == StatusAnswered
	})
	if r := got.Result; r.Kind != ResultRefusal || r.Code != string(fault.SvcSIKNotRegistered) || r.MessageRU == "" || r.MessageKK == "" {
		t.Fatalf("result %+v", r)
	}
	res := op.do(t, http.MethodGet, "/applications/"+app.ID+"/result", nil, "")
	if v := verifyGCVP(t, res.body); v.Tag != "Refusal" {
		t.Fatalf("result %s", v.Tag)
	}
	entries, err := bed.con.Cabinet().Results(context.Background(), iinShakh)
	if err != nil || !slices.ContainsFunc(entries, func(e CabinetEntry) bool {
		return e.RequestNumber == app.RequestNumber && e.Kind == ResultRefusal && e.Code == string(fault.SvcSIKNotRegistered)
	}) {
		t.Fatalf("cabinet %+v %v", entries, err)
	}
}

// TestConsumerCheckRefusals steers ГБД ФЛ into each answer that process 4 refuses, and checks
// the exact code, the recorded check and the REFUSED application.
func TestConsumerCheckRefusals(t *testing.T) {
	cases := []struct {
		name     string
		consumer Person
		scenario *scenario.Scenario
		code     string
	}{
		{"not found", sarsenbaev, &scenario.Scenario{Outcome: gbdfl.OutcomeNotFound}, string(CodeConsumerNotFound)},
		{"unknown IIN", Person{IIN: "791130401265", LastName: "БЕЛГІСІЗ", FirstName: "АДАМ"}, nil, string(CodeConsumerNotFound)},
		{"deceased", sarsenbaev, &scenario.Scenario{Outcome: gbdfl.OutcomeDeceased}, string(CodeConsumerDeceased)},
		{"malformed data", sarsenbaev, &scenario.Scenario{Outcome: gbdfl.OutcomeMalformedData}, string(CodeConsumerDataInvalid)},
		{"names differ", Person{IIN: iinSarsenbaev, LastName: "САРСЕНБАЕВ", FirstName: "НУРЛАН"}, nil, string(CodeConsumerMismatch)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bed.reset(t)
			if c.scenario != nil {
				if _, err := bed.gbdfl.Set(c.consumer.IIN, *c.scenario); err != nil {
					t.Fatal(err)
				}
			}
			op := bed.operator(t)
			app := op.create(t, statementApplication(c.consumer))
			ck := op.check(t, app.ID, CheckConsumer)
			if ck.Check.Result != ResultRefused || ck.Check.Code != c.code || ck.Check.MessageKK == "" || ck.Check.MessageRU == "" ||
				ck.Check.At.IsZero() || ck.Check.Kind != CheckConsumer {
				t.Fatalf("check %+v, want refused %s", ck.Check, c.code)
			}
			if ck.Application.Status != StatusRefused {
				t.Fatalf("application %s", ck.Application.Status)
			}
			// A refused application is final.
			op.do(t, http.MethodPost, "/applications/"+app.ID+"/checks/consumer", nil, "").wantProblem(t, http.StatusConflict, string(CodeState))
			if got := op.get(t, app.ID); len(got.Checks) != 1 || got.Checks[0].Code != c.code {
				t.Fatalf("recorded checks %+v", got.Checks)
			}
		})
	}
}

// TestConsumerCheckGBDFLDown: ГБД ФЛ unavailable is not a refusal: the check is recorded as
// ERROR, the answer is a 502 problem, and the operator can try again.
func TestConsumerCheckGBDFLDown(t *testing.T) {
	for kind, code := range map[scenario.Kind]fault.Code{scenario.KindDown: fault.RouteUnavailable,
		scenario.KindHTTP500: fault.RouteUnavailable, scenario.KindMalformedXML: fault.RouteBadAnswer,
		scenario.KindClose: fault.RouteUnavailable} {
		t.Run(string(kind), func(t *testing.T) {
			bed.reset(t)
			if err := bed.gbdfl.SetFault(scenario.Fault{Kind: kind}); err != nil {
				t.Fatal(err)
			}
			op := bed.operator(t)
			app := op.create(t, statementApplication(sarsenbaev))
			p := op.do(t, http.MethodPost, "/applications/"+app.ID+"/checks/consumer", nil, "").wantProblem(t, http.StatusBadGateway, string(code))
			got := op.get(t, app.ID)
			if got.Status != StatusDraft || len(got.Checks) != 1 || got.Checks[0].Result != ResultError || got.Checks[0].Code != p.Code {
				t.Fatalf("application %+v", got)
			}
			bed.gbdfl.ClearFault()
			if ck := op.check(t, app.ID, CheckConsumer); ck.Check.Result != ResultPassed || len(ck.Application.Checks) != 2 {
				t.Fatalf("retry %+v", ck)
			}
		})
	}
}

// TestPowerOfAttorneyRefusals steers ЕНИС into each answer that refuses the power of attorney.
func TestPowerOfAttorneyRefusals(t *testing.T) {
	poaOf := func(number string) *PowerOfAttorney {
		return &PowerOfAttorney{Number: number, IssueDate: time.Now().AddDate(0, -1, 0).Format(time.DateOnly), NotaryName: "Нотариусова Г. С."}
	}
	narrow, _ := json.Marshal(enis.PowerOfAttorney{Number: "НД-SCOPE", PrincipalIIN: iinSarsenbaev, RepresentativeIIN: iinZhumagali,
		Notary: enis.DefaultNotary, IssueDate: enis.DateOf(time.Now().AddDate(0, -1, 0)),
		Scope: []enis.Power{{Code: "GCVP_SIK", TextRU: "Получение СИК"}}})
	cases := []struct {
		name, number string
		scenario     *scenario.Scenario
		rep          Person
		code         string
	}{
		{"unknown number", "НД-NOPE", nil, zhumagali, string(CodePoANotFound)},
		{"not found", poaNumber, &scenario.Scenario{Outcome: enis.OutcomeNotFound}, zhumagali, string(CodePoANotFound)},
		{"expired", "НД-EXPIRED", &scenario.Scenario{Outcome: enis.OutcomeExpired}, zhumagali, string(CodePoAExpired)},
		{"revoked", "НД-REVOKED", &scenario.Scenario{Outcome: enis.OutcomeRevoked}, zhumagali, string(CodePoARevoked)},
		{"mismatch", "НД-OTHER", &scenario.Scenario{Outcome: enis.OutcomeMismatch}, zhumagali, string(CodePoAMismatch)},
		{"scope", "НД-SCOPE", &scenario.Scenario{Outcome: enis.OutcomeValid, Data: narrow}, zhumagali, string(CodePoAScope)},
		// ЕНИС's own directory: the power of attorney is to ЖҰМАҒАЛИЕВА, not to this person.
		{"other representative", poaNumber, nil, shakh, string(CodePoANotFound)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bed.reset(t)
			if c.scenario != nil {
				if _, err := bed.enis.Set(c.number, *c.scenario); err != nil {
					t.Fatal(err)
				}
			}
			op := bed.operator(t)
			n := statementApplication(sarsenbaev)
			rep := c.rep
			n.Representative, n.PowerOfAttorney = &rep, poaOf(c.number)
			app := op.create(t, n)
			ck := op.check(t, app.ID, CheckPowerOfAttorney)
			if ck.Check.Result != ResultRefused || ck.Check.Code != c.code || ck.Check.MessageRU == "" || ck.Application.Status != StatusRefused {
				t.Fatalf("check %+v (application %s), want refused %s", ck.Check, ck.Application.Status, c.code)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		bed.reset(t)
		if _, err := bed.enis.Set("НД-VALID", scenario.Scenario{Outcome: enis.OutcomeValid}); err != nil {
			t.Fatal(err)
		}
		op := bed.operator(t)
		n := statementApplication(sarsenbaev)
		rep := zhumagali
		n.Representative, n.PowerOfAttorney = &rep, poaOf("НД-VALID")
		app := op.create(t, n)
		if ck := op.check(t, app.ID, CheckPowerOfAttorney); ck.Check.Result != ResultPassed {
			t.Fatalf("check %+v", ck.Check)
		}
	})
	t.Run("ЕНИС down", func(t *testing.T) {
		bed.reset(t)
		if err := bed.enis.SetFault(scenario.Fault{Kind: scenario.KindDown}); err != nil {
			t.Fatal(err)
		}
		op := bed.operator(t)
		n := statementApplication(sarsenbaev)
		rep := zhumagali
		n.Representative, n.PowerOfAttorney = &rep, poaOf(poaNumber)
		app := op.create(t, n)
		op.do(t, http.MethodPost, "/applications/"+app.ID+"/checks/power-of-attorney", nil, "").wantProblem(t, http.StatusBadGateway, string(fault.RouteUnavailable))
		if got := op.get(t, app.ID); got.Status != StatusDraft || got.Checks[0].Result != ResultError {
			t.Fatalf("application %+v", got)
		}
	})
	t.Run("no power of attorney", func(t *testing.T) {
		bed.reset(t)
		op := bed.operator(t)
		n := statementApplication(sarsenbaev)
		rep := zhumagali
		n.Representative = &rep
		app := op.create(t, n)
		op.do(t, http.MethodPost, "/applications/"+app.ID+"/checks/power-of-attorney", nil, "").wantProblem(t, http.StatusConflict, string(CodeState))
		// A power of attorney certified otherwise: its scan is needed before the document.
		op.check(t, app.ID, CheckConsumer)
		op.upload(t, app.ID, scan(KindIdentity, true), "id.pdf", pdfScan).json(t, http.StatusCreated, &Document{})
		p := op.do(t, http.MethodGet, "/applications/"+app.ID+"/document", nil, "").wantProblem(t, http.StatusConflict, string(CodeState))
		if !strings.Contains(p.Detail, "scan of the power of attorney") {
			t.Errorf("detail %q", p.Detail)
		}
		op.upload(t, app.ID, scan(KindPowerOfAttorney, true), "poa.pdf", pdfScan).json(t, http.StatusCreated, &Document{})
		if doc := op.document(t, app.ID); doc.FindElement("//powerOfAttorney") != nil || doc.FindElement("//representative") == nil {
			t.Fatal("the document of a representative without a notarised power of attorney")
		}
	})
}

// TestSessions: login, wrong passwords, the lock, CSRF, logout and expiry.
func TestSessions(t *testing.T) {
	bed.reset(t)
	anon := bed.client(t)
	anon.do(t, http.MethodGet, "/applications", nil, "").wantProblem(t, http.StatusUnauthorized, string(CodeAuthRequired))
	anon.do(t, http.MethodPost, "/applications", statementApplication(sarsenbaev), "").wantProblem(t, http.StatusUnauthorized, string(CodeAuthRequired))
	anon.login(t, TestOperatorLogin, "wrong").wantProblem(t, http.StatusUnauthorized, string(CodeLoginFailed))
	anon.login(t, "nobody", "wrong").wantProblem(t, http.StatusUnauthorized, string(CodeLoginFailed))
	p := anon.login(t, "", "").wantProblem(t, http.StatusBadRequest, string(CodeInputInvalid))
	if len(p.Errors) != 2 || p.Errors[0].Field != "login" || p.Errors[1].Field != "password" || p.Errors[0].MessageRU == "" {
		t.Errorf("errors %+v", p.Errors)
	}
	anon.do(t, http.MethodPost, "/login", "login=x&password=y", "application/x-www-form-urlencoded").
		wantProblem(t, http.StatusUnsupportedMediaType, string(CodeUnsupportedMedia))

	// Five failures lock the login, even with the right password.
	lock := bed.client(t)
	for range MaxFailedLogins {
		lock.login(t, lockLogin, "wrong").wantProblem(t, http.StatusUnauthorized, string(CodeLoginFailed))
	}
	locked := lock.login(t, lockLogin, lockPassword)
	locked.wantProblem(t, http.StatusTooManyRequests, string(CodeLoginLocked))
	if ra := locked.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	bed.clock.add(LoginLockout + time.Second)
	if a := lock.login(t, lockLogin, lockPassword); a.status != http.StatusOK {
		t.Fatalf("after the lockout: HTTP %d %s", a.status, a.body)
	}
	bed.clock.reset()

	op := bed.client(t)
	a := op.login(t, TestOperatorLogin, TestOperatorPassword)
	if a.status != http.StatusOK {
		t.Fatalf("login: HTTP %d %s", a.status, a.body)
	}
	var ck *http.Cookie
	for _, c := range (&http.Response{Header: a.header}).Cookies() {
		if c.Name == SessionCookie {
			ck = c
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != BasePath || len(ck.Value) < 40 {
		t.Fatalf("session cookie %+v", ck)
	}
	var s SessionInfo
	op.do(t, http.MethodGet, "/session", nil, "").json(t, http.StatusOK, &s)
	if s.Operator.Login != TestOperatorLogin || s.Operator.IIN != iinShakh || s.CSRFToken != op.csrf {
		t.Fatalf("session %+v", s)
	}

	// CSRF: missing or wrong token on a state-changing call.
	token := op.csrf
	op.csrf = ""
	op.do(t, http.MethodPost, "/applications", statementApplication(sarsenbaev), "").wantProblem(t, http.StatusForbidden, string(CodeCSRFInvalid))
	op.csrf = "x" + token[1:]
	op.do(t, http.MethodPost, "/applications", statementApplication(sarsenbaev), "").wantProblem(t, http.StatusForbidden, string(CodeCSRFInvalid))
	op.csrf = token
	app := op.create(t, statementApplication(sarsenbaev))

	// Another operator does not see it.
	var list struct{ Applications []*AppState }
	lock.do(t, http.MethodGet, "/applications", nil, "").json(t, http.StatusOK, &list)
	if slices.ContainsFunc(list.Applications, func(a *AppState) bool { return a.ID == app.ID }) {
		t.Fatal("another operator lists the application")
	}
	lock.do(t, http.MethodGet, "/applications/"+app.ID, nil, "").wantProblem(t, http.StatusNotFound, string(CodeNotFound))
	op.do(t, http.MethodGet, "/applications/not-an-id", nil, "").wantProblem(t, http.StatusNotFound, string(CodeNotFound))
	op.do(t, http.MethodGet, "/no/such/route", nil, "").wantProblem(t, http.StatusNotFound, string(CodeNotFound))

	// Idle expiry.
	bed.clock.add(DefaultSessionIdle + time.Minute)
	op.do(t, http.MethodGet, "/applications/"+app.ID, nil, "").wantProblem(t, http.StatusUnauthorized, string(CodeAuthRequired))
	bed.clock.reset()

	// Logout ends the session.
	op2 := bed.operator(t)
	if a := op2.do(t, http.MethodPost, "/logout", nil, ""); a.status != http.StatusNoContent {
		t.Fatalf("logout: HTTP %d %s", a.status, a.body)
	}
	op2.do(t, http.MethodGet, "/applications", nil, "").wantProblem(t, http.StatusUnauthorized, string(CodeAuthRequired))
}

// TestValidation: every invalid field is named, with kk/ru messages.
func TestValidation(t *testing.T) {
	bed.reset(t)
	op := bed.operator(t)
	tomorrow := time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	cases := []struct {
		name   string
		body   any
		fields []string
	}{
		{"empty", map[string]any{}, []string{"consumer.iin", "consumer.lastName", "consumer.firstName", "periodFrom", "periodTo"}},
		{"bad IIN and names", NewApplication{Consumer: Person{IIN: "790227333113", LastName: "С<script>", FirstName: "Н1"},
			PeriodFrom: "2024-01-01", PeriodTo: "2024-12-31"}, []string{"consumer.iin", "consumer.lastName", "consumer.firstName"}},
		{"period reversed", NewApplication{Consumer: sarsenbaev, PeriodFrom: "2024-12-31", PeriodTo: "2024-01-01"}, []string{"periodTo"}},
		{"period in the future and too early", NewApplication{Consumer: sarsenbaev, PeriodFrom: "1990-01-01", PeriodTo: tomorrow},
			[]string{"periodFrom", "periodTo"}},
		{"not dates", NewApplication{Consumer: sarsenbaev, PeriodFrom: "01.01.2024", PeriodTo: "2024-13-01"}, []string{"periodFrom", "periodTo"}},
		{"language", NewApplication{Consumer: sarsenbaev, PeriodFrom: "2024-01-01", PeriodTo: "2024-12-31", Lang: "en"}, []string{"lang"}},
		{"representative is the consumer", NewApplication{Consumer: sarsenbaev, PeriodFrom: "2024-01-01", PeriodTo: "2024-12-31",
			Representative: &sarsenbaev}, []string{"representative.iin"}},
		{"power of attorney without representative", NewApplication{Consumer: sarsenbaev, PeriodFrom: "2024-01-01", PeriodTo: "2024-12-31",
			PowerOfAttorney: &PowerOfAttorney{Number: "1", IssueDate: "2024-01-01", NotaryName: "N"}}, []string{"powerOfAttorney"}},
		{"power of attorney incomplete", NewApplication{Consumer: sarsenbaev, PeriodFrom: "2024-01-01", PeriodTo: "2024-12-31",
			Representative: &zhumagali, PowerOfAttorney: &PowerOfAttorney{ValidUntil: "2020-01-01"}},
			[]string{"powerOfAttorney.number", "powerOfAttorney.notaryName", "powerOfAttorney.issueDate", "powerOfAttorney.validUntil"}},
		{"unknown field", map[string]any{"consumer": sarsenbaev, "periodFrom": "2024-01-01", "periodTo": "2024-12-31", "sik": "X"}, []string{"sik"}},
		{"wrong type", map[string]any{"consumer": map[string]any{"iin": 790227333112}}, []string{"consumer.iin"}},
		{"not JSON", []byte("{"), []string{""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct := ""
			if _, ok := c.body.([]byte); ok {
				ct = "application/json"
			}
			p := op.do(t, http.MethodPost, "/applications", c.body, ct).wantProblem(t, http.StatusBadRequest, string(CodeInputInvalid))
			var got []string
			for _, f := range p.Errors {
				got = append(got, f.Field)
				if f.Message == "" || f.MessageKK == "" || f.MessageRU == "" {
					t.Errorf("field error %+v lacks a message", f)
				}
			}
			if !slices.Equal(got, c.fields) {
				t.Fatalf("fields %q, want %q (%s)", got, c.fields, p.Errors)
			}
		})
	}
}

// TestScanUploads: types, size, fields.
func TestScanUploads(t *testing.T) {
	bed.reset(t)
	op := bed.operator(t)
	app := op.create(t, statementApplication(sarsenbaev))
	up := func(fields map[string]string, name string, content []byte) *answer {
		return op.upload(t, app.ID, fields, name, content)
	}
	up(scan(KindIdentity, true), "a.txt", []byte("plain text")).wantProblem(t, http.StatusUnsupportedMediaType, string(CodeScanType))
	up(scan(KindIdentity, true), "big.pdf", append([]byte("%PDF-"), make([]byte, maxScan)...)).wantProblem(t, http.StatusRequestEntityTooLarge, string(CodeScanTooLarge))
	p := up(map[string]string{"kind": "PASSPORT", "paperPresented": "yes"}, "a.pdf", pdfScan).wantProblem(t, http.StatusBadRequest, string(CodeInputInvalid))
	if len(p.Errors) != 2 || p.Errors[0].Field != "kind" || p.Errors[1].Field != "paperPresented" {
		t.Fatalf("errors %+v", p.Errors)
	}
	p = up(map[string]string{}, "", nil).wantProblem(t, http.StatusBadRequest, string(CodeInputInvalid))
	if len(p.Errors) != 3 {
		t.Fatalf("errors %+v", p.Errors)
	}
	up(scan(KindIdentity, true), "empty.pdf", []byte{}).wantProblem(t, http.StatusBadRequest, string(CodeInputInvalid))
	op.do(t, http.MethodPost, "/applications/"+app.ID+"/documents", `{"kind":"X"}`, "application/json").
		wantProblem(t, http.StatusUnsupportedMediaType, string(CodeUnsupportedMedia))
	if got := op.get(t, app.ID); len(got.Documents) != 0 {
		t.Fatalf("refused uploads were kept: %+v", got.Documents)
	}
	entries, _ := os.ReadDir(bed.con.apps.files(app.ID))
	if len(entries) != 0 {
		t.Fatalf("refused uploads left files: %v", entries)
	}
	var d Document
	up(scan(KindOther, false), "../../etc/passwd.jpg", jpegScan).json(t, http.StatusCreated, &d)
	if d.FileName != "passwd.jpg" || d.ContentType != "image/jpeg" {
		t.Fatalf("document %+v", d)
	}
	if _, err := os.Stat(filepath.Join(bed.con.apps.files(app.ID), "scan-"+d.ID+".jpg")); err != nil {
		t.Fatal(err)
	}
}

// TestRestart: applications survive a new instance over the same data directory; the operators
// file is not recreated; sessions do not survive.
func TestRestart(t *testing.T) {
	bed.reset(t)
	op := bed.operator(t)
	app := op.create(t, statementApplication(sarsenbaev))
	op.check(t, app.ID, CheckConsumer)
	opts := bed.opts
	opts.Seeds = nil
	c2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := c2.apps.get(app.ID)
	if !ok || got.Status != StatusDraft || len(got.Checks) != 1 || got.Checks[0].Result != ResultPassed {
		t.Fatalf("after restart %+v %v", got, ok)
	}
	if _, ok := c2.operators.byLogin[TestOperatorLogin]; !ok {
		t.Fatal("the operators file lost the test operator")
	}
	if len(c2.sessions.byHash) != 0 {
		t.Fatal("sessions survived")
	}
	raw, err := os.ReadFile(filepath.Join(bed.dataDir, "tson", "operators.json"))
	if err != nil || bytes.Contains(raw, []byte(TestOperatorPassword)) || !bytes.Contains(raw, []byte(`"$2a$`)) {
		t.Fatalf("operators.json holds the password in clear or no bcrypt hash: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(bed.dataDir, "tson", "operators.json")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("operators.json mode %v", fi.Mode())
	}
}

// TestDiff: the content comparison ignores prefixes and formatting, nothing else.
func TestDiff(t *testing.T) {
	parse := func(s string) *etree.Element {
		doc, err := xmlsafe.Parse([]byte(s), xmlsafe.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		return doc.Root()
	}
	want := parse(`<a xmlns="urn:x"><b k="1">v</b><c/></a>`)
	sig := `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>`
	same := []string{
		`<p:a xmlns:p="urn:x"><p:b k="1">v</p:b><p:c></p:c>` + sig + `</p:a>`,
		"<a xmlns=\"urn:x\">\n  <b k=\"1\">v</b>\n  <c/>\n  <!-- note -->" + sig + "</a>",
	}
	for _, s := range same {
		if d := diff(parse(s), want, "/a", true); d != "" {
			t.Errorf("%s: %s", s, d)
		}
	}
	differ := []string{
		`<a xmlns="urn:x"><b k="1">v</b><c/></a>`,                   // no signature
		`<a xmlns="urn:x"><b k="1">v</b><c/>` + sig + sig + `</a>`,  // two
		`<a xmlns="urn:y"><b k="1">v</b><c/>` + sig + `</a>`,        // namespace
		`<a xmlns="urn:x"><b k="2">v</b><c/>` + sig + `</a>`,        // attribute value
		`<a xmlns="urn:x"><b k="1" j="2">v</b><c/>` + sig + `</a>`,  // extra attribute
		`<a xmlns="urn:x"><b k="1">v </b><c/>` + sig + `</a>`,       // text
		`<a xmlns="urn:x"><c/><b k="1">v</b>` + sig + `</a>`,        // order
		`<a xmlns="urn:x"><b k="1">v</b><c/><d/>` + sig + `</a>`,    // extra element
		`<a xmlns="urn:x"><b k="1">v</b>` + sig + `</a>`,            // missing element
		`<a xmlns="urn:x"><b k="1">v</b><c>text</c>` + sig + `</a>`, // text in an empty element
	}
	for _, s := range differ {
		if d := diff(parse(s), want, "/a", true); d == "" {
			t.Errorf("%s: no difference found", s)
		}
	}
}
