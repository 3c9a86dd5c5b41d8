package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/wsdl"
)

func newEcho(t *testing.T, opts Options) *echo.Echo {
	t.Helper()
	w, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	w.Register(e)
	return e
}

func get(t *testing.T, e *echo.Echo, path string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// Every label used by a template or the script is in the catalogue, in both languages.
func TestCatalogueCoversEveryLabel(t *testing.T) {
	if err := checkCatalogue(); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	tmplKey := regexp.MustCompile(`\{\{t "([^"]+)"\}\}`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(templateFS, path)
		for _, m := range tmplKey.FindAllStringSubmatch(string(raw), -1) {
			used[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	js, err := fs.ReadFile(staticFS, "static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\bt\('([a-zA-Z0-9.]+)'\)`).FindAllStringSubmatch(string(js), -1) {
		used[m[1]] = true
	}
	// Keys built from values: statuses, check results, result and document kinds.
	for _, prefix := range []string{"st.", "cst.", "chk.", "kind.", "doc."} {
		found := false
		for k := range messages {
			found = found || strings.HasPrefix(k, prefix)
		}
		if !found {
			t.Errorf("no labels %s*", prefix)
		}
	}
	for _, s := range []string{"DRAFT", "SENT", "IN_PROGRESS", "DONE", "REFUSED", "FAILED"} {
		used["st."+s] = true
	}
	for _, s := range []string{"DRAFT", "REFUSED", "SUBMITTED", "ANSWERED"} {
		used["cst."+s] = true
	}
	for _, k := range docKinds {
		used["doc."+k] = true
	}
	if len(used) < 100 {
		t.Fatalf("found only %d labels in use; is the scan broken?", len(used))
	}
	for k := range used {
		if _, ok := messages[k]; !ok {
			t.Errorf("label %q is used but not in the catalogue", k)
		}
	}
}

// The survey's texts are the regulations' (Order 140-ө Appendix 6; Order 485-ө-м App. 5).
func TestSurveyTexts(t *testing.T) {
	want := map[string][2]string{
		"survey.q1": {"Электрондық мемлекеттік қызметті көрсету үдерісінің сапасына және нәтижесіне қанағаттанасыз ба?",
			"Удовлетворены ли Вы качеством процесса и результатом оказания электронной государственной услуги?"},
		"survey.q1.9": {"Электрондық мемлекеттік қызметті көрсету үдерісінің сапасына және нәтижесіне қанағаттанасыз ба?",
			"Удовлетворены ли Вы качеством процесса оказания электронной государственной услуги?"},
		"survey.q2": {"Электрондық мемлекеттік қызметті көрсету тәртібі туралы ақпараттың сапасына қанағаттанасыз ба?",
			"Удовлетворены ли Вы качеством информации о порядке оказания электронной государственной услуги?"},
		"survey.a1": {"қанағаттанған жоқпын", "не удовлетворен"},
		"survey.a2": {"ішінара қанағаттанамын", "частично удовлетворен"},
		"survey.a3": {"қанағаттанамын", "удовлетворен"},
	}
	for k, w := range want {
		if T(LangKK, k) != w[0] || T(LangRU, k) != w[1] {
			t.Errorf("%s = %q / %q, want %q / %q", k, T(LangKK, k), T(LangRU, k), w[0], w[1])
		}
	}
}

// Every screen renders in both languages, Kazakh by default, with the language switch, the
// security headers and no resource from elsewhere.
func TestScreensRender(t *testing.T) {
	e := newEcho(t, Options{TestMode: true})
	svc := wsdl.Services()
	paths := []string{"/web/", "/web/services", "/web/requests", "/web/requests/R-1", "/web/requests/R-1/sign",
		"/web/requests/R-1/result", "/web/requests/R-1/survey", "/web/con/", "/web/con/applications", "/web/con/applications/x"}
	for _, s := range svc {
		paths = append(paths, "/web/services/"+s.ID)
	}
	external := regexp.MustCompile(`(src|href)="(https?:)?//`)
	for _, p := range paths {
		for _, lang := range []string{"", LangKK, LangRU} {
			u := p
			if lang != "" {
				u += "?lang=" + lang
			}
			rec := get(t, e, u)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", u, rec.Code, rec.Body)
			}
			body := rec.Body.String()
			want := lang
			if want == "" {
				want = LangKK
			}
			if !strings.Contains(body, `<html lang="`+want+`">`) {
				t.Errorf("GET %s is not in %s", u, want)
			}
			if !strings.Contains(body, `id="lang-kk"`) || !strings.Contains(body, `id="lang-ru"`) {
				t.Errorf("GET %s has no language switch", u)
			}
			if external.MatchString(body) {
				t.Errorf("GET %s loads something from elsewhere", u)
			}
			if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'self'") {
				t.Errorf("GET %s: no Content-Security-Policy", u)
			}
			if strings.Contains(body, "{{") || regexp.MustCompile(`>[a-z]+\.[a-zA-Z.]+<`).MatchString(body) {
				t.Errorf("GET %s shows a raw label key", u)
			}
		}
	}
	// The chosen language is kept in a cookie.
	rec := get(t, e, "/web/services?lang=ru")
	var lc *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == LangCookie {
			lc = c
		}
	}
	if lc == nil || lc.Value != LangRU {
		t.Fatal("the language is not kept")
	}
	if body := get(t, e, "/web/services", lc).Body.String(); !strings.Contains(body, `<html lang="ru">`) || !strings.Contains(body, svc[9].NameRU) {
		t.Error("the kept language is not used")
	}
	if rec := get(t, e, "/web/services/NO_SUCH_SERVICE"); rec.Code != http.StatusNotFound {
		t.Errorf("an unknown service: %d", rec.Code)
	}
}

// The request form carries service 9's duplicate flag and service 10's period, and no other.
func TestRequestFormFields(t *testing.T) {
	e := newEcho(t, Options{})
	for _, s := range wsdl.Services() {
		body := get(t, e, "/web/services/"+s.ID).Body.String()
		if dup := strings.Contains(body, `id="duplicate"`); dup != (s.Number == 9) {
			t.Errorf("service %d: duplicate flag %v", s.Number, dup)
		}
		if per := strings.Contains(body, `id="period-from"`); per != (s.Number == 10) {
			t.Errorf("service %d: period %v", s.Number, per)
		}
		if !strings.Contains(body, `id="req-iin" readonly`) {
			t.Errorf("service %d: the IIN is not read-only", s.Number)
		}
	}
}

// Outside test mode there is no test signature: the consumer pastes the signed XML, and the
// operator's test signer is not mounted even when given.
func TestTestModeOnly(t *testing.T) {
	p, err := pki.Init(pki.Options{Dir: t.TempDir(), BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	key, cert, err := p.KeyPair(pki.NameOperator1)
	if err != nil {
		t.Fatal(err)
	}
	signer := &wssec.Signer{Key: key, Cert: cert}
	post := func(e *echo.Echo, ct, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/web/con/test-sign", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	prod := newEcho(t, Options{OperatorTestSigner: signer})
	if rec := post(prod, "application/xml", "<a/>"); rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("production: test signer answered %d", rec.Code)
	}
	body := get(t, prod, "/web/requests/R-1/sign").Body.String()
	if strings.Contains(body, `id="sign-test"`) || !strings.Contains(body, `id="signed-xml"`) {
		t.Error("production sign screen: a test button, or no place for the signed XML")
	}
	test := newEcho(t, Options{TestMode: true, OperatorTestSigner: signer})
	if rec := post(test, "application/xml", `<doc><x>1</x></doc>`); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "SignatureValue") {
		t.Errorf("test mode: %d %s", rec.Code, rec.Body)
	}
	if rec := post(test, "text/plain", `<doc/>`); rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("a text/plain body: %d", rec.Code)
	}
	if rec := post(test, "application/xml", `<!DOCTYPE x [<!ENTITY a "b">]><doc>&a;</doc>`); rec.Code != http.StatusBadRequest ||
		!strings.Contains(rec.Header().Get("Content-Type"), "problem+json") {
		t.Errorf("a DOCTYPE: %d %s", rec.Code, rec.Body)
	}
}

func TestStaticFiles(t *testing.T) {
	e := newEcho(t, Options{})
	for path, ct := range map[string]string{"/web/static/app.css": "text/css", "/web/static/app.js": "javascript"} {
		rec := get(t, e, path)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), ct) {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	for _, path := range []string{"/web/static/nope.js", "/web/static/../web.go", "/web/static/"} {
		if rec := get(t, e, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
	}
}
