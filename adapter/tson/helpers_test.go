package tson

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/shepgate/shepgate/adapter/certstatus"
	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/gateway"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/provider"
	"github.com/shepgate/shepgate/adapter/services"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/mocks/enis"
	"github.com/shepgate/shepgate/mocks/gbdfl"
	"github.com/shepgate/shepgate/mocks/nuc"
	"github.com/shepgate/shepgate/mocks/scenario"
	"github.com/shepgate/shepgate/wsdl"
)

// Credentials of the testbed's participants at the gateway.
const (
	conPassword  = "con-test-password"
	gcvpPassword = "gcvp-test-password"
	// lockLogin is a second operator, used to lock a login without locking the test operator.
	lockLogin    = "con-op-lock"
	lockPassword = "lock-test-password"
	// maxScan is the testbed's scan size limit.
	maxScan = 64 << 10
)

// Fixture people (testdata/people.json) and the power of attorney ЕНИС knows between them.
const (
	iinSarsenbaev = "790227333112" // ЦОН statement: STATEMENT
	iinZhumagali  = "951103420437" // the representative
	iinShakh      = "840404370705" // no SIK: ГЦВП refuses SVC_SIK_NOT_REGISTERED (also the operator)
	poaNumber     = "НД-2025-0042"
)

var fixturesPath = filepath.Join("..", "..", "testdata", "people.json")

// clock is the ЦОН's clock: real time plus an offset the tests move (session expiry).
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time      { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) add(d time.Duration) { c.offset.Add(int64(d)) }
func (c *clock) reset()              { c.offset.Store(0) }

// testbed is the whole path on one loopback server: the НУЦ mock, the gateway, ГБД ФЛ and ЕНИС
// mocks, ГЦВП (service 10 with its async worker) and the ЦОН role, wired as adapter/server does.
type testbed struct {
	url     string
	dataDir string
	pki     *pki.PKI
	store   store.Store
	gbdfl   *scenario.Registry
	enis    *scenario.Registry
	con     *CON
	opts    Options
	clock   *clock
	shut    func()
}

var bed *testbed

func TestMain(m *testing.M) {
	var err error
	bed, err = startTestbed()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testbed:", err)
		os.Exit(1)
	}
	code := m.Run()
	bed.shut()
	os.Exit(code)
}

func startTestbed() (*testbed, error) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("TSON_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	dir, err := os.MkdirTemp("", "tson-test-*")
	if err != nil {
		return nil, err
	}
	p, err := pki.Init(pki.Options{Dir: filepath.Join(dir, "pki"), BaseURL: base})
	if err != nil {
		return nil, err
	}
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "shepgate.db"))
	if err != nil {
		return nil, err
	}
	f, err := fixtures.Read(fixturesPath)
	if err != nil {
		return nil, err
	}
	if err := f.Load(ctx, st); err != nil {
		return nil, err
	}
	var people []gbdfl.Person
	for _, fp := range f.People {
		gp, err := gbdfl.FromFixture(fp)
		if err != nil {
			return nil, err
		}
		people = append(people, gp)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover())
	status := certstatus.New(certstatus.Options{Logger: log})
	verifier := &wssec.Verifier{Roots: p.Roots(), Intermediates: p.Intermediates()}
	hop := func(role, key string) (*channel.Hop, error) {
		k, c, err := p.KeyPair(key)
		if err != nil {
			return nil, err
		}
		return &channel.Hop{Name: role, Signer: &wssec.Signer{Key: k, Cert: c}, Verifier: verifier, Status: status,
			Limits: xmlsafe.DefaultLimits, Logger: log.With("role", role)}, nil
	}
	fp := func(name string) []string {
		c, _ := p.Cert(name)
		return []string{channel.Fingerprint(c)}
	}
	nuc.New(p, nuc.Options{Logger: log}).Register(e)

	gbdflHop, err := hop("gbdfl", pki.NameGBDFL)
	if err != nil {
		return nil, err
	}
	gbdflReg := scenario.New(gbdfl.Spec(log))
	gbdfl.New(gbdfl.Options{Hop: gbdflHop, Gateways: fp(pki.NameGateway), Store: st, Directory: gbdfl.NewMemoryDirectory(people...),
		Scenarios: gbdflReg}).Register(e)

	enisHop, err := hop("enis", pki.NameENIS)
	if err != nil {
		return nil, err
	}
	issued := enis.DateOf(time.Now().AddDate(0, -2, 0))
	poa := enis.PowerOfAttorney{Number: poaNumber, RegistryNumber: "1-4242", PrincipalIIN: iinSarsenbaev,
		Principal: &enis.Name{Last: "СӘРСЕНБАЕВ", First: "НҰРЛАН"}, RepresentativeIIN: iinZhumagali,
		Representative: &enis.Name{Last: "ЖҰМАҒАЛИЕВА", First: "ӘЙГЕРІМ"}, Notary: enis.DefaultNotary,
		IssueDate: issued, ValidUntil: enis.DateOf(issued.AddDate(1, 0, 0)),
		Scope: []enis.Power{{Code: "GCVP_STATEMENT", TextRU: "Получение информации о поступлении и движении средств вкладчика"}}}
	enisReg := scenario.New(enis.Spec(log))
	enis.New(enis.Options{Hop: enisHop, Gateways: fp(pki.NameGateway), Store: st, Directory: enis.NewMemoryDirectory(poa),
		Scenarios: enisReg}).Register(e)

	gwHop, err := hop("gateway", pki.NameGateway)
	if err != nil {
		return nil, err
	}
	gwHop.HTTP = &http.Client{Timeout: 5 * time.Second}
	g, err := gateway.New(gateway.Config{
		Senders: []gateway.Sender{
			{ID: SenderID, Password: gateway.HashPassword(conPassword), Certs: fp(pki.NameCON)},
			{ID: "GCVP", Password: gateway.HashPassword(gcvpPassword), Certs: fp(pki.NameGCVP), PushURL: base + provider.AsyncPath},
		},
		Routes: []gateway.Route{
			{ServiceID: wsdl.ServiceGbdflPersonByIIN, URL: base + gbdfl.SyncPath, ProviderCerts: fp(pki.NameGBDFL)},
			{ServiceID: wsdl.ServiceEnisPowerOfAttorney, URL: base + enis.SyncPath, ProviderCerts: fp(pki.NameENIS)},
			{ServiceID: wsdl.ServicePensionFundStatement, URL: base + provider.SyncPath, ProviderCerts: fp(pki.NameGCVP), Recipient: "GCVP"},
		},
	}, gwHop, st)
	if err != nil {
		return nil, err
	}
	g.Register(e)

	gcvpHop, err := hop("provider", pki.NameGCVP)
	if err != nil {
		return nil, err
	}
	deps := &services.Deps{Store: st, Consumers: verifier, Status: status, Signer: gcvpHop.Signer, Logger: log}
	pr, err := provider.New(provider.Config{Gateways: fp(pki.NameGateway), GatewayAsyncURL: base + gateway.AsyncPath,
		SenderID: "GCVP", Password: gcvpPassword}, gcvpHop, st, services.StatementService(deps))
	if err != nil {
		return nil, err
	}
	pr.Register(e)

	conHop, err := hop("con", pki.NameCON)
	if err != nil {
		return nil, err
	}
	seed, err := TestOperatorSeed(p)
	if err != nil {
		return nil, err
	}
	lock := OperatorSeed{Operator: Operator{Login: lockLogin, IIN: "921201460067", LastName: "ШӘКІРОВА", FirstName: "ҰЛЖАН", Active: true},
		Password: lockPassword}
	clk := &clock{}
	opts := Options{DataDir: dir, Hop: conHop, GatewaySyncURL: base + gateway.SyncPath, GatewayAsyncURL: base + gateway.AsyncPath,
		Password: conPassword, Gateways: fp(pki.NameGateway), Providers: fp(pki.NameGCVP), ENIS: fp(pki.NameENIS),
		Seeds: []OperatorSeed{seed, lock}, MaxScanBytes: maxScan, Now: clk.now, Logger: log}
	c, err := New(opts)
	if err != nil {
		return nil, err
	}
	c.Register(e)

	work, stop := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { g.RunPusher(work); done <- struct{}{} }()
	go func() { pr.RunWorker(work); done <- struct{}{} }()
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return &testbed{url: base, dataDir: dir, pki: p, store: st, gbdfl: gbdflReg, enis: enisReg, con: c, opts: opts, clock: clk,
		shut: func() {
			stop()
			<-done
			<-done
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
			<-served
			st.Close()
			os.RemoveAll(dir)
		}}, nil
}

// reset clears the mocks' scenarios and the ЦОН's clock.
func (tb *testbed) reset(t *testing.T) {
	t.Helper()
	tb.gbdfl.Reset()
	tb.enis.Reset()
	tb.clock.reset()
	t.Cleanup(func() {
		tb.gbdfl.Reset()
		tb.enis.Reset()
		tb.clock.reset()
	})
}

// client is an operator's browser: a cookie jar and the CSRF token of its session.
type client struct {
	tb   *testbed
	http *http.Client
	csrf string
}

func (tb *testbed) client(t *testing.T) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{tb: tb, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// operator returns a client logged in as the test operator.
func (tb *testbed) operator(t *testing.T) *client {
	t.Helper()
	c := tb.client(t)
	c.login(t, TestOperatorLogin, TestOperatorPassword)
	return c
}

// answer is an HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a *answer) problem(t *testing.T) Problem {
	t.Helper()
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("HTTP %d, content type %q, want a problem: %s", a.status, ct, a.body)
	}
	var p Problem
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatalf("problem: %v: %s", err, a.body)
	}
	if p.Status != a.status || p.Code == "" || p.TitleKK == "" || p.TitleRU == "" || p.Type != "urn:shepgate:fault:"+p.Code {
		t.Errorf("problem %+v (HTTP %d) is incomplete", p, a.status)
	}
	return p
}

// wantProblem checks that a is a problem with the status and code.
func (a *answer) wantProblem(t *testing.T, status int, code string) Problem {
	t.Helper()
	if a.status != status {
		t.Fatalf("HTTP %d, want %d: %s", a.status, status, a.body)
	}
	p := a.problem(t)
	if p.Code != code {
		t.Fatalf("code %s, want %s: %s", p.Code, code, a.body)
	}
	return p
}

func (a *answer) json(t *testing.T, status int, v any) {
	t.Helper()
	if a.status != status {
		t.Fatalf("HTTP %d, want %d: %s", a.status, status, a.body)
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("decode: %v: %s", err, a.body)
	}
}

// do sends a request; a non-nil body of type []byte is sent with contentType, anything else as
// JSON. State-changing calls carry the CSRF token when the client has one.
func (c *client) do(t *testing.T, method, path string, body any, contentType string) *answer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, contentType = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, c.tb.url+BasePath+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.csrf != "" && method != http.MethodGet {
		req.Header.Set(CSRFHeader, c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: raw}
}

func (c *client) login(t *testing.T, login, password string) *answer {
	t.Helper()
	a := c.do(t, http.MethodPost, "/login", map[string]string{"login": login, "password": password}, "")
	if a.status == http.StatusOK {
		var s SessionInfo
		a.json(t, http.StatusOK, &s)
		c.csrf = s.CSRFToken
	}
	return a
}

// create creates an application and returns it.
func (c *client) create(t *testing.T, n NewApplication) *AppState {
	t.Helper()
	var s AppState
	c.do(t, http.MethodPost, "/applications", n, "").json(t, http.StatusCreated, &s)
	return &s
}

func (c *client) get(t *testing.T, id string) *AppState {
	t.Helper()
	var s AppState
	c.do(t, http.MethodGet, "/applications/"+id, nil, "").json(t, http.StatusOK, &s)
	return &s
}

// check runs a check that must answer 200 and returns its record.
func (c *client) check(t *testing.T, id, kind string) CheckAnswer {
	t.Helper()
	var ca CheckAnswer
	c.do(t, http.MethodPost, "/applications/"+id+"/checks/"+kind, nil, "").json(t, http.StatusOK, &ca)
	return ca
}

// upload sends a scan.
func (c *client) upload(t *testing.T, id string, fields map[string]string, fileName string, content []byte) *answer {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if content != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, fileName))
		h.Set("Content-Type", "application/octet-stream")
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(content)
	}
	w.Close()
	return c.do(t, http.MethodPost, "/applications/"+id+"/documents", buf.Bytes(), w.FormDataContentType())
}

// Minimal files of each accepted type.
var (
	pdfScan  = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	pngScan  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	jpegScan = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
)

func scan(kind string, paper bool) map[string]string {
	return map[string]string{"kind": kind, "paperPresented": fmt.Sprint(paper)}
}

// document fetches the application's document to sign.
func (c *client) document(t *testing.T, id string) *etree.Document {
	t.Helper()
	a := c.do(t, http.MethodGet, "/applications/"+id+"/document", nil, "")
	if a.status != http.StatusOK {
		t.Fatalf("document: HTTP %d: %s", a.status, a.body)
	}
	doc, err := xmlsafe.Parse(a.body, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// sign signs the document with a key of the test PKI, as the operator's workstation does.
func (tb *testbed) sign(t *testing.T, doc *etree.Document, key string) []byte {
	t.Helper()
	k, cert, err := tb.pki.KeyPair(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&wssec.Signer{Key: k, Cert: cert}).SignElement(doc.Root()); err != nil {
		t.Fatal(err)
	}
	doc.WriteSettings.CanonicalText, doc.WriteSettings.CanonicalAttrVal = true, true
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// eventually polls cond until it holds or 20 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// statementPeriod is the fixtures' statement period.
func statementApplication(consumer Person) NewApplication {
	return NewApplication{Consumer: consumer, PeriodFrom: "2024-01-01", PeriodTo: "2024-12-31"}
}

var (
	sarsenbaev = Person{IIN: iinSarsenbaev, LastName: "СӘРСЕНБАЕВ", FirstName: "НҰРЛАН"}
	zhumagali  = Person{IIN: iinZhumagali, LastName: "ЖҰМАҒАЛИЕВА", FirstName: "ӘЙГЕРІМ"}
	shakh      = Person{IIN: iinShakh, LastName: "ШАҺМАРДАНОВ", FirstName: "ШЫҢҒЫС"}
)
