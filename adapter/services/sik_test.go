package services

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/certstatus"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/generated/gcvp"
	"github.com/shepgate/shepgate/mocks/nuc"
	"github.com/shepgate/shepgate/wsdl"
)

// The test PKI and the НУЦ mock are made once for the package (RSA keys are slow to make); each
// test gets its own store, loaded with the fixture file.
var testEnv struct {
	pki    *pki.PKI
	status *certstatus.Checker
	nucURL string
}

const fixturePath = "../../testdata/people.json"

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "shepgate-services-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	e := echo.New()
	srv := httptest.NewServer(e)
	defer srv.Close()
	p, err := pki.Init(pki.Options{Dir: filepath.Join(dir, "pki"), BaseURL: srv.URL})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	nuc.New(p, nuc.Options{Logger: quiet}).Register(e)
	testEnv.pki, testEnv.nucURL = p, srv.URL
	testEnv.status = certstatus.New(certstatus.Options{Logger: quiet})
	return m.Run()
}

// txFixtures are the parts of testdata/people.json that services 9 and 10 use (see
// docs/fixtures.md): SIK registration dates, movements, ЦОН operators and expectations.
type txFixtures struct {
	StatementPeriod struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"statementPeriod"`
	Operators []struct {
		store.Operator
		Certificate string `json:"certificate"`
	} `json:"operators"`
	People []struct {
		IIN                 string              `json:"iin"`
		LastName            string              `json:"lastName"`
		SIK                 string              `json:"sik"`
		Certificate         string              `json:"certificate"`
		SIKRegisteredOn     string              `json:"sikRegisteredOn"`
		Movements           []store.MovementRow `json:"movements"`
		ExpectTransactional map[string]string   `json:"expectTransactional"`
	} `json:"people"`
	Absent []struct {
		IIN                 string            `json:"iin"`
		Certificate         string            `json:"certificate"`
		ExpectTransactional map[string]string `json:"expectTransactional"`
	} `json:"absent"`
}

func readTxFixtures(t *testing.T) *txFixtures {
	t.Helper()
	raw, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	var tf txFixtures
	if err := json.Unmarshal(raw, &tf); err != nil {
		t.Fatal(err)
	}
	return &tf
}

// loadTxFixtures is what adapter/fixtures' Load is to do for services 9 and 10: record the
// registration dates of the fixture SIKs, the movements and the ЦОН operators.
func loadTxFixtures(ctx context.Context, st store.Store, tf *txFixtures) error {
	for _, p := range tf.People {
		if p.SIK != "" && p.SIKRegisteredOn != "" {
			on, err := time.Parse(time.DateOnly, p.SIKRegisteredOn)
			if err != nil {
				return fmt.Errorf("fixtures: %s: sikRegisteredOn: %w", p.IIN, err)
			}
			if err := st.RegisterSIK(ctx, p.IIN, p.SIK, on); err != nil {
				return err
			}
		}
		if err := store.SeedMovements(ctx, st, p.IIN, p.Movements); err != nil {
			return err
		}
	}
	for _, o := range tf.Operators {
		if err := st.PutOperator(ctx, o.Operator); err != nil {
			return err
		}
	}
	return nil
}

// testClock is the services' clock in tests: after the fixtures' statement period.
var testClock = time.Date(2025, time.June, 16, 4, 30, 0, 0, time.UTC)

type fixture struct {
	deps  *Deps
	store *store.SQL
	tx    *txFixtures
}

// newFixture opens a fresh store with the fixture people, with the НУЦ checked through the mock.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "shepgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f, err := fixtures.Read(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	tf := readTxFixtures(t)
	if err := loadTxFixtures(ctx, st, tf); err != nil {
		t.Fatal(err)
	}
	key, cert, err := testEnv.pki.KeyPair(pki.NameGCVP)
	if err != nil {
		t.Fatal(err)
	}
	deps := &Deps{
		Store:     st,
		Consumers: &wssec.Verifier{Roots: testEnv.pki.Roots(), Intermediates: testEnv.pki.Intermediates()},
		Status:    testEnv.status,
		Signer:    &wssec.Signer{Key: key, Cert: cert},
		Now:       func() time.Time { return testClock },
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return &fixture{deps: deps, store: st, tx: tf}
}

// stepLog is a StepSink that keeps the records.
type stepLog struct {
	mu   sync.Mutex
	recs []StepRecord
	ids  []string
}

func (l *stepLog) RecordStep(_ context.Context, id string, rec StepRecord) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs, l.ids = append(l.recs, rec), append(l.ids, id)
	return nil
}

// step is an expected step record.
type step struct {
	Step    Step
	Outcome string
	Code    fault.Code
}

func ok(s Step) step { return step{s, OutcomeOK, ""} }

func refused(s Step, c fault.Code) step { return step{s, OutcomeRefused, c} }

func (l *stepLog) check(t *testing.T, requestID string, want []step) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var got []step
	for i, r := range l.recs {
		got = append(got, step{r.Step, r.Outcome, r.Code})
		if l.ids[i] != requestID {
			t.Errorf("step %s recorded for %q, want %q", r.Step, l.ids[i], requestID)
		}
		if r.Ended.Before(r.Started) {
			t.Errorf("step %s ends before it starts", r.Step)
		}
		if info, ok := InfoOf(r.Step); !ok || info.NameKK == "" || info.NameRU == "" || r.Norm != info.Norm {
			t.Errorf("step %s is not described (%+v) or its norm %v is not the described one", r.Step, info, r.Norm)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("steps:\n got  %v\n want %v", got, want)
	}
}

// signed marshals a request document and signs it with the key of a test-PKI entry.
func signed(t *testing.T, certName string, v any) *etree.Element {
	t.Helper()
	el, err := envelope.MarshalDocument(v)
	if err != nil {
		t.Fatal(err)
	}
	key, cert, err := testEnv.pki.KeyPair(certName)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&wssec.Signer{Key: key, Cert: cert}).SignElement(el); err != nil {
		t.Fatal(err)
	}
	return el
}

// submit hands a document to a service as the provider does, recording the steps.
func submit(t *testing.T, svc Service, doc *etree.Element) (*Answer, *stepLog, string) {
	t.Helper()
	log := &stepLog{}
	id := uuid.NewString()
	ans, err := svc.Handle(context.Background(), &Request{ServiceID: svc.ID(), MessageID: id, Document: doc, Steps: log})
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	return ans, log, id
}

// gcvpSigned checks that the answer is signed by ГЦВП (on its own, as a saved document is
// checked) and returns the signed element.
func gcvpSigned(t *testing.T, ans *Answer) *etree.Element {
	t.Helper()
	v, err := (&wssec.Verifier{Roots: testEnv.pki.Roots(), Intermediates: testEnv.pki.Intermediates()}).VerifyElement(ans.Document)
	if err != nil {
		t.Fatalf("the answer does not verify: %v", err)
	}
	gcvpCert, _ := testEnv.pki.Cert(pki.NameGCVP)
	if !v.Cert.Equal(gcvpCert) {
		t.Fatalf("the answer is signed by %q, want ГЦВП", v.Cert.Subject.CommonName)
	}
	return v.Element
}

// wantRefusal checks a ГЦВП-signed refusal with the code, made at the step.
func wantRefusal(t *testing.T, ans *Answer, serviceID string, code fault.Code, at Step) *gcvp.Refusal {
	t.Helper()
	el := gcvpSigned(t, ans)
	var ref gcvp.Refusal
	if err := envelope.UnmarshalDocument(el, &ref, fault.Internal); err != nil {
		t.Fatalf("want a Refusal %s: %v", code, err)
	}
	tx := fault.TextOf(code)
	switch {
	case ref.Code != string(code) || ans.Refusal != code || ans.StatusCode != string(code):
		t.Errorf("refusal %s (answer %s, status %s), want %s", ref.Code, ans.Refusal, ans.StatusCode, code)
	case at != "" && ref.Step != string(at):
		t.Errorf("refused at %s, want %s", ref.Step, at)
	case ref.MessageKk != tx.KK || ref.MessageRu != tx.RU:
		t.Errorf("refusal texts %q / %q", ref.MessageKk, ref.MessageRu)
	case ref.ServiceId != serviceID:
		t.Errorf("refusal for service %q", ref.ServiceId)
	}
	return &ref
}

func sikRequest(number, iinValue string, duplicate bool) *gcvp.SikRequest {
	v, dup := gcvp.IIN(iinValue), gcvp.Flag(duplicate)
	return &gcvp.SikRequest{RequestNumber: number, ServiceId: wsdl.ServiceSikIssue, Iin: &v,
		RequestDate: envelope.DateTime(testClock), Duplicate: &dup}
}

func sikAnswer(t *testing.T, ans *Answer) *gcvp.SikResponse {
	t.Helper()
	el := gcvpSigned(t, ans)
	var resp gcvp.SikResponse
	if err := envelope.UnmarshalDocument(el, &resp, fault.Internal); err != nil {
		t.Fatalf("want a SikResponse: %v", err)
	}
	if ans.StatusCode != StatusOK || ans.Refusal != "" {
		t.Errorf("status %s refusal %q", ans.StatusCode, ans.Refusal)
	}
	return &resp
}

const (
	iinGood     = "880512310210" // ӘБІЛҰЛЫ, consumer-good, SIK DV6MH41VHFEX4009
	iinEC       = "951103420437" // ЖҰМАҒАЛИЕВА, consumer-ec, SIK, movements only in 2023
	iinRevoked  = "790227333112" // СӘРСЕНБАЕВ, consumer-revoked, movements in 2024
	iinOperator = "840404370705" // ШАҺМАРДАНОВ, operator-1, no SIK
	iinAbsent   = "570909307778" // unknown to ГЦВП, carried by consumer-wrong-iin
)

var sikPattern = regexp.MustCompile(`^[0-9A-Z]{16}$`)

// TestSikFixtureExpectations runs service 9 for every fixture expectation, each on a fresh
// store (a first issuance changes the store).
func TestSikFixtureExpectations(t *testing.T) {
	tf := readTxFixtures(t)
	type tc struct{ name, iin, cert, sik, registered, want string }
	var cases []tc
	for _, p := range tf.People {
		if w, ok := p.ExpectTransactional[wsdl.ServiceSikIssue]; ok {
			cases = append(cases, tc{p.LastName, p.IIN, p.Certificate, p.SIK, p.SIKRegisteredOn, w})
		}
	}
	for _, a := range tf.Absent {
		if w, ok := a.ExpectTransactional[wsdl.ServiceSikIssue]; ok {
			cases = append(cases, tc{"absent " + a.IIN, a.IIN, a.Certificate, "", "", w})
		}
	}
	if len(cases) < 8 {
		t.Fatalf("only %d expectations for service 9", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			ans, _, _ := submit(t, SikService(f.deps), signed(t, c.cert, sikRequest(uuid.NewString(), c.iin, false)))
			switch c.want {
			case "ISSUED", "DUPLICATE":
				resp := sikAnswer(t, ans)
				if got := bool(*resp.Duplicate); got != (c.want == "DUPLICATE") {
					t.Errorf("duplicate %v, want %s", got, c.want)
				}
				wantSIK := c.sik
				if c.want == "ISSUED" {
					wantSIK = GenerateSIK(c.iin, 0)
				}
				if string(*resp.Sik) != wantSIK || string(*resp.Iin) != c.iin || resp.Person.LastName != c.name {
					t.Errorf("certificate %s for %s %s, want %s for %s %s", *resp.Sik, *resp.Iin, resp.Person.LastName, wantSIK, c.iin, c.name)
				}
				wantReg := testClock.In(kzZone).Format(time.DateOnly)
				if c.registered != "" {
					wantReg = c.registered
				}
				if got := resp.RegistrationDate.ToGoTime().Format(time.DateOnly); got != wantReg {
					t.Errorf("registration date %s, want %s", got, wantReg)
				}
			default:
				wantRefusal(t, ans, wsdl.ServiceSikIssue, fault.Code(c.want), "")
			}
		})
	}
}

// TestSikAssign is the first issuance: the steps of the regulation in order, a new SIK that
// services 1–8 and 10 then see, and the certificate's content.
func TestSikAssign(t *testing.T) {
	f := newFixture(t)
	number := "SIK-" + uuid.NewString()
	ans, log, id := submit(t, SikService(f.deps), signed(t, pki.NameOperator1, sikRequest(number, iinOperator, false)))
	resp := sikAnswer(t, ans)
	log.check(t, id, []step{ok(StepSikSignature), ok(StepSikRequest), ok(StepSikCertStatus), ok(StepSikIINBinding),
		ok(StepSikFindPerson), ok(StepSikAssign), ok(StepSikAnswer)})
	sik := string(*resp.Sik)
	if !sikPattern.MatchString(sik) || sik != GenerateSIK(iinOperator, 0) {
		t.Errorf("SIK %q", sik)
	}
	if bool(*resp.Duplicate) || resp.RequestNumber != number || resp.ServiceId != wsdl.ServiceSikIssue {
		t.Errorf("certificate %+v", resp)
	}
	if !regexp.MustCompile(`^2025061[56]\d{6}$`).MatchString(resp.CertificateNumber) {
		t.Errorf("certificate number %q, want the issue day and a sequence", resp.CertificateNumber)
	}
	if resp.Person.FirstName != "ШЫҢҒЫС" || resp.Person.BirthDate.ToGoTime().Format(time.DateOnly) != "1984-04-04" {
		t.Errorf("person %+v", resp.Person)
	}
	if resp.IssueDate.ToGoTime().Format(time.DateOnly) != "2025-06-16" || resp.IssuingOfficeRu != IssuingOfficeRU {
		t.Errorf("issue date %v, office %q", resp.IssueDate.ToGoTime(), resp.IssuingOfficeRu)
	}
	p, err := f.store.Person(context.Background(), iinOperator)
	if err != nil || p.SIK != sik {
		t.Fatalf("the person's SIK is %q (%v), want %s", p.SIK, err, sik)
	}
}

// TestSikReplayAndDuplicate: the same request twice gets the same certificate and one SIK;
// another request of the same person gets a duplicate with the same SIK.
func TestSikReplayAndDuplicate(t *testing.T) {
	f := newFixture(t)
	svc := SikService(f.deps)
	doc := signed(t, pki.NameOperator1, sikRequest("R-1", iinOperator, false))
	first := sikAnswer(t, mustSubmit(t, svc, doc.Copy()))
	ans, log, id := submit(t, svc, doc.Copy())
	again := sikAnswer(t, ans)
	log.check(t, id, []step{ok(StepSikSignature), ok(StepSikRequest), ok(StepSikCertStatus), ok(StepSikIINBinding),
		ok(StepSikFindPerson), ok(StepSikAssign), ok(StepSikAnswer)})
	if fmt.Sprint(*first.Sik, first.CertificateNumber, first.IssuedAt.ToGoTime(), *first.Duplicate) !=
		fmt.Sprint(*again.Sik, again.CertificateNumber, again.IssuedAt.ToGoTime(), *again.Duplicate) {
		t.Errorf("a replay got another certificate:\n%+v\n%+v", first, again)
	}
	ans, log, id = submit(t, svc, signed(t, pki.NameOperator1, sikRequest("R-2", iinOperator, false)))
	dup := sikAnswer(t, ans)
	log.check(t, id, []step{ok(StepSikSignature), ok(StepSikRequest), ok(StepSikCertStatus), ok(StepSikIINBinding),
		ok(StepSikFindPerson), ok(StepSikDuplicate), ok(StepSikAnswer)})
	if !bool(*dup.Duplicate) || *dup.Sik != *first.Sik || dup.CertificateNumber == first.CertificateNumber {
		t.Errorf("duplicate %+v after %+v", dup, first)
	}
	if dup.RegistrationDate.ToGoTime() != first.RegistrationDate.ToGoTime() {
		t.Errorf("the duplicate's registration date %v, want %v", dup.RegistrationDate.ToGoTime(), first.RegistrationDate.ToGoTime())
	}
	certs, err := f.store.SIKCertificates(context.Background(), iinOperator)
	if err != nil || len(certs) != 2 || certs[0].Duplicate || !certs[1].Duplicate {
		t.Fatalf("certificates %+v, %v", certs, err)
	}
}

func mustSubmit(t *testing.T, svc Service, doc *etree.Element) *Answer {
	t.Helper()
	ans, _, _ := submit(t, svc, doc)
	return ans
}

// TestSikConcurrent: different requests for one IIN at once make one SIK; exactly one of
// them is the assignment, the others duplicates of it.
func TestSikConcurrent(t *testing.T) {
	f := newFixture(t)
	svc := SikService(f.deps)
	const n = 8
	docs := make([]*etree.Element, n)
	for i := range docs {
		docs[i] = signed(t, pki.NameOperator1, sikRequest(fmt.Sprintf("C-%d", i), iinOperator, false))
	}
	answers := make([]*Answer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range docs {
		wg.Go(func() {
			answers[i], errs[i] = svc.Handle(context.Background(), &Request{ServiceID: svc.ID(), MessageID: uuid.NewString(), Document: docs[i]})
		})
	}
	wg.Wait()
	siks, assigned := map[string]bool{}, 0
	for i, ans := range answers {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		resp := sikAnswer(t, ans)
		siks[string(*resp.Sik)] = true
		if !bool(*resp.Duplicate) {
			assigned++
		}
	}
	if len(siks) != 1 || assigned != 1 {
		t.Fatalf("%d SIKs, %d assignments; want one of each", len(siks), assigned)
	}
}

// statusDown is a НУЦ that cannot be reached.
type statusDown struct{}

func (statusDown) CheckChain(context.Context, []*x509.Certificate) ([]certstatus.Result, error) {
	return nil, fault.New(fault.CertStatusUnavailable, "НУЦ down (test)")
}

// TestSikRefusals covers every refusal branch of regulation 9 with its code and step.
func TestSikRefusals(t *testing.T) {
	common := []step{ok(StepSikSignature), ok(StepSikRequest), ok(StepSikCertStatus), ok(StepSikIINBinding)}
	tamper := func(el *etree.Element) *etree.Element {
		el.FindElement("./iin").SetText(iinEC)
		return el
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, f *fixture)
		doc   func(t *testing.T) *etree.Element
		code  fault.Code
		at    Step
		steps []step
	}{
		{name: "altered after signing", doc: func(t *testing.T) *etree.Element {
			return tamper(signed(t, pki.NameConsumerGood, sikRequest("X-1", iinGood, false)))
		}, code: fault.SigDigestMismatch, at: StepSikSignature},
		{name: "unsigned", doc: func(t *testing.T) *etree.Element {
			el, _ := envelope.MarshalDocument(sikRequest("X-2", iinGood, false))
			return el
		}, code: fault.SigMissing, at: StepSikSignature},
		{name: "untrusted CA", doc: func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerUntrust, sikRequest("X-3", "921201460067", false))
		}, code: fault.CertUntrusted, at: StepSikSignature},
		{name: "expired certificate", doc: func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerExpired, sikRequest("X-4", "630819404121", false))
		}, code: fault.CertExpired, at: StepSikSignature},
		{name: "another service's document", doc: func(t *testing.T) *etree.Element {
			r := sikRequest("X-5", iinGood, false)
			r.ServiceId = wsdl.ServiceBasicPensionInfo
			return signed(t, pki.NameConsumerGood, r)
		}, code: fault.SvcRequestInvalid, at: StepSikRequest},
		{name: "a statement request", doc: func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerGood, stmtRequest("X-6", iinGood, gcvp.ChannelPORTAL))
		}, code: fault.SvcRequestInvalid, at: StepSikRequest},
		{name: "no request number", doc: func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerGood, sikRequest("", iinGood, false))
		}, code: fault.SvcRequestInvalid, at: StepSikRequest},
		{name: "malformed IIN", doc: func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerGood, sikRequest("X-7", "880512310211", false))
		}, code: fault.SvcIINInvalid, at: StepSikRequest},
		{name: "revoked certificate", doc: func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerRevoked, sikRequest("X-8", iinRevoked, false))
		}, code: fault.CertRevoked, at: StepSikCertStatus},
		{name: "certificate of another IIN", doc: func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerWrongIIN, sikRequest("X-9", "010630551507", false))
		}, code: fault.CertIINMismatch, at: StepSikIINBinding},
		{name: "IIN unknown to ГЦВП", doc: func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerWrongIIN, sikRequest("X-10", iinAbsent, false))
		}, code: fault.SvcIINNotFound, at: StepSikFindPerson, steps: append(slices.Clone(common), refused(StepSikFindPerson, fault.SvcIINNotFound))},
		{name: "duplicate of no SIK", doc: func(t *testing.T) *etree.Element {
			return signed(t, pki.NameOperator1, sikRequest("X-11", iinOperator, true))
		}, code: fault.SvcSIKNotRegistered, at: StepSikDuplicate,
			steps: append(slices.Clone(common), ok(StepSikFindPerson), refused(StepSikDuplicate, fault.SvcSIKNotRegistered))},
		{name: "request number of another person", setup: func(t *testing.T, f *fixture) {
			sikAnswer(t, mustSubmit(t, SikService(f.deps), signed(t, pki.NameConsumerGood, sikRequest("X-12", iinGood, false))))
		}, doc: func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerEC, sikRequest("X-12", iinEC, false))
		}, code: fault.SvcRequestNumberReused, at: StepSikFindPerson,
			steps: append(slices.Clone(common), refused(StepSikFindPerson, fault.SvcRequestNumberReused))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			if c.setup != nil {
				c.setup(t, f)
			}
			ans, log, id := submit(t, SikService(f.deps), c.doc(t))
			wantRefusal(t, ans, wsdl.ServiceSikIssue, c.code, c.at)
			want := c.steps
			if want == nil {
				for _, s := range common {
					if s.Step == c.at {
						want = append(want, refused(c.at, c.code))
						break
					}
					want = append(want, s)
				}
			}
			log.check(t, id, want)
		})
	}
}

// TestSikStatusUnavailable: an unreachable НУЦ is not the consumer's fault: no refusal, an
// error (the provider answers with a Server fault) and the step recorded as an error.
func TestSikStatusUnavailable(t *testing.T) {
	f := newFixture(t)
	f.deps.Status = statusDown{}
	log := &stepLog{}
	ans, err := SikService(f.deps).Handle(context.Background(), &Request{MessageID: "m-1", Steps: log,
		Document: signed(t, pki.NameConsumerGood, sikRequest("U-1", iinGood, false))})
	if ans != nil || fault.CodeOf(err) != fault.CertStatusUnavailable {
		t.Fatalf("answer %+v, error %v; want CERT_STATUS_UNAVAILABLE", ans, err)
	}
	log.check(t, "m-1", []step{ok(StepSikSignature), ok(StepSikRequest), {StepSikCertStatus, OutcomeError, fault.CertStatusUnavailable}})
	if _, err := f.store.SIKCertificate(context.Background(), "U-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a certificate was issued: %v", err)
	}
}

func TestGenerateSIK(t *testing.T) {
	seen := map[string]bool{}
	for i := range 100 {
		s := GenerateSIK(iinOperator, i)
		if !sikPattern.MatchString(s) || seen[s] {
			t.Fatalf("attempt %d: %q", i, s)
		}
		seen[s] = true
	}
	if GenerateSIK(iinOperator, 3) != GenerateSIK(iinOperator, 3) || GenerateSIK(iinOperator, 0) == GenerateSIK(iinGood, 0) {
		t.Error("GenerateSIK is not a function of (IIN, attempt)")
	}
}

func TestServiceIDsAndSteps(t *testing.T) {
	if SikService(nil).ID() != wsdl.ServiceSikIssue || StatementService(nil).ID() != wsdl.ServicePensionFundStatement {
		t.Fatal("service identifiers")
	}
	for _, s := range []Step{StepSikSignature, StepSikRequest, StepSikCertStatus, StepSikIINBinding, StepSikFindPerson,
		StepSikAssign, StepSikDuplicate, StepSikAnswer} {
		if _, ok := InfoOf(s); !ok {
			t.Errorf("%s is not described", s)
		}
	}
}
