package scenario_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/mocks/scenario"
)

var discard = slog.New(slog.DiscardHandler)

// testSpec is a small mock: outcomes a and b, keys of digits only, data {"n": <1..9>}.
func testSpec(name string) scenario.Spec {
	return scenario.Spec{
		Name:     name,
		Outcomes: []scenario.Outcome{{Name: "a", Description: "first"}, {Name: "b", Description: "second"}},
		ValidateKey: func(k string) error {
			if strings.Trim(k, "0123456789") != "" {
				return errString("only digits are allowed")
			}
			return nil
		},
		ValidateData: func(_ string, data json.RawMessage) error {
			var v struct{ N int }
			if err := json.Unmarshal(data, &v); err != nil || v.N < 1 || v.N > 9 {
				return &scenario.ValidationError{Field: "n", Message: "must be 1..9"}
			}
			return nil
		},
		Logger: discard,
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func adminServer(t *testing.T, enabled bool, regs ...*scenario.Registry) string {
	t.Helper()
	a, err := scenario.NewAdmin(scenario.AdminOptions{Enabled: enabled, Logger: discard}, regs...)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HideBanner = true
	a.Register(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

type reply struct {
	status int
	ctype  string
	allow  string
	body   string
}

func do(t *testing.T, method, url, ctype, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Allow"), string(b)}
}

// problem checks an RFC 9457 answer and returns it.
func problem(t *testing.T, r reply, status int, code string) scenario.Problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("HTTP %d, want %d: %s", r.status, status, r.body)
	}
	if r.ctype != scenario.ProblemContentType {
		t.Errorf("Content-Type %q, want %s", r.ctype, scenario.ProblemContentType)
	}
	var p scenario.Problem
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("not a problem document: %v: %s", err, r.body)
	}
	if p.Code != code || p.Status != status || p.Type != scenario.ProblemType(code) || p.Title == "" || p.Detail == "" || p.Instance == "" {
		t.Fatalf("problem %+v, want code %s status %d with type, title, detail and instance", p, code, status)
	}
	return p
}

const jsonCT = "application/json"

// TestAdminValidation: every invalid request is an RFC 9457 problem with a stable code, the
// offending field and a detail that says what is wrong; nothing is stored.
func TestAdminValidation(t *testing.T) {
	reg := scenario.New(testSpec("m"))
	url := adminServer(t, true, reg) + scenario.AdminPrefix
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		code, field                     string
		detail                          []string // substrings of the detail
	}{
		{"unknown mock", "GET", "/nope/scenarios/1", "", "", 404, scenario.CodeMockNotFound, "", []string{`"nope"`, "mocks here: m"}},
		{"unknown scenario", "GET", "/m/scenarios/42", "", "", 404, scenario.CodeScenarioNotFound, "", []string{`key "42"`}},
		{"delete unknown scenario", "DELETE", "/m/scenarios/42", "", "", 404, scenario.CodeScenarioNotFound, "", []string{`"42"`}},
		{"no global fault", "GET", "/m/fault", "", "", 404, scenario.CodeFaultNotSet, "", []string{"no global fault"}},
		{"key refused by the mock", "PUT", "/m/scenarios/12a", jsonCT, `{"outcome":"a"}`, 400, scenario.CodeKeyInvalid, "", []string{"only digits"}},
		{"key too long", "PUT", "/m/scenarios/" + strings.Repeat("1", 129), jsonCT, `{"outcome":"a"}`, 400, scenario.CodeKeyInvalid, "", []string{"129 characters", "at most 128"}},
		{"key with a slash", "PUT", "/m/scenarios/1%2F2", jsonCT, `{"outcome":"a"}`, 400, scenario.CodeKeyInvalid, "", []string{"/ at position 2"}},
		{"wrong media type", "PUT", "/m/scenarios/1", "text/plain", `{"outcome":"a"}`, 415, scenario.CodeMediaType, "", []string{"application/json", "text/plain"}},
		{"not JSON", "PUT", "/m/scenarios/1", jsonCT, `{"outcome":`, 400, scenario.CodeBodyInvalid, "", []string{"JSON"}},
		{"empty body", "PUT", "/m/scenarios/1", jsonCT, ``, 400, scenario.CodeBodyInvalid, "", []string{"empty"}},
		{"unknown field", "PUT", "/m/scenarios/1", jsonCT, `{"outcom":"a"}`, 400, scenario.CodeBodyInvalid, "outcom", []string{"not a known field"}},
		{"wrong type", "PUT", "/m/scenarios/1", jsonCT, `{"outcome":5}`, 400, scenario.CodeBodyInvalid, "outcome", []string{"must be a string"}},
		{"bad duration", "PUT", "/m/scenarios/1", jsonCT, `{"fault":{"kind":"latency","delay":"soon"}}`, 400, scenario.CodeBodyInvalid, "", []string{`"soon" is not a duration`}},
		{"trailing data", "PUT", "/m/scenarios/1", jsonCT, `{"outcome":"a"} {}`, 400, scenario.CodeBodyInvalid, "", []string{"trailing"}},
		{"empty scenario", "PUT", "/m/scenarios/1", jsonCT, `{}`, 422, scenario.CodeScenarioInvalid, "", []string{"at least one of outcome, data and fault"}},
		{"unknown outcome", "PUT", "/m/scenarios/1", jsonCT, `{"outcome":"c"}`, 422, scenario.CodeScenarioInvalid, "outcome", []string{`"c" is not an outcome of m`, "one of a, b"}},
		{"unknown fault kind", "PUT", "/m/scenarios/1", jsonCT, `{"fault":{"kind":"explode"}}`, 422, scenario.CodeScenarioInvalid, "fault.kind", []string{`"explode" is not a fault kind`, "latency, timeout"}},
		{"fault without kind", "PUT", "/m/scenarios/1", jsonCT, `{"fault":{}}`, 422, scenario.CodeScenarioInvalid, "fault.kind", []string{"is required"}},
		{"latency without delay", "PUT", "/m/scenarios/1", jsonCT, `{"fault":{"kind":"latency"}}`, 422, scenario.CodeScenarioInvalid, "fault.delay", []string{"required for a latency fault"}},
		{"negative delay", "PUT", "/m/scenarios/1", jsonCT, `{"fault":{"kind":"down","delay":"-1s"}}`, 422, scenario.CodeScenarioInvalid, "fault.delay", []string{"between 0s and 5m0s", "-1s"}},
		{"soap-fault without code", "PUT", "/m/scenarios/1", jsonCT, `{"fault":{"kind":"soap-fault"}}`, 422, scenario.CodeScenarioInvalid, "fault.code", []string{"required for a soap-fault"}},
		{"soap-fault with a bad code", "PUT", "/m/scenarios/1", jsonCT, `{"fault":{"kind":"soap-fault","code":"bad code"}}`, 422, scenario.CodeScenarioInvalid, "fault.code", []string{`"bad code"`, "A-Z, 0-9 and _"}},
		{"code on another kind", "PUT", "/m/scenarios/1", jsonCT, `{"fault":{"kind":"down","code":"X_Y"}}`, 422, scenario.CodeScenarioInvalid, "fault.code", []string{"only for a soap-fault"}},
		{"hold on another kind", "PUT", "/m/scenarios/1", jsonCT, `{"fault":{"kind":"down","hold":"1s"}}`, 422, scenario.CodeScenarioInvalid, "fault.hold", []string{"only for a timeout"}},
		{"data refused by the mock", "PUT", "/m/scenarios/1", jsonCT, `{"outcome":"a","data":{"n":12}}`, 422, scenario.CodeScenarioInvalid, "data.n", []string{"must be 1..9"}},
		{"global fault invalid", "PUT", "/m/fault", jsonCT, `{"kind":"soap-fault"}`, 422, scenario.CodeFaultInvalid, "code", []string{"required for a soap-fault"}},
		{"global fault unknown field", "PUT", "/m/fault", jsonCT, `{"kind":"down","when":"now"}`, 400, scenario.CodeBodyInvalid, "when", []string{"not a known field"}},
		{"method not allowed on a scenario", "POST", "/m/scenarios/1", jsonCT, `{}`, 405, scenario.CodeMethodNotAllowed, "", []string{"POST is not allowed", "GET or PUT or DELETE"}},
		{"method not allowed on reset", "GET", "/m/reset", "", "", 405, scenario.CodeMethodNotAllowed, "", []string{"use POST"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, c.method, url+c.path, c.ctype, c.body)
			p := problem(t, r, c.status, c.code)
			if p.Field != c.field {
				t.Errorf("field %q, want %q", p.Field, c.field)
			}
			for _, s := range c.detail {
				if !strings.Contains(p.Detail, s) {
					t.Errorf("detail %q does not say %q", p.Detail, s)
				}
			}
			if c.status == 405 && r.allow == "" {
				t.Error("405 without an Allow header")
			}
			if len(reg.All()) != 0 {
				t.Errorf("an invalid request stored %v", reg.All())
			}
			if _, ok := reg.Fault(); ok {
				t.Error("an invalid request set a global fault")
			}
		})
	}
}

// TestAdminLifecycle sets, reads, replaces and deletes scenarios and the global fault, and
// checks every answer's body.
func TestAdminLifecycle(t *testing.T) {
	reg := scenario.New(testSpec("m"))
	other := scenario.New(testSpec("other"))
	base := adminServer(t, true, reg, other) + scenario.AdminPrefix
	type answer struct {
		Mock     string            `json:"mock"`
		Key      string            `json:"key"`
		Scenario scenario.Scenario `json:"scenario"`
	}
	decode := func(t *testing.T, r reply, status int, v any) {
		t.Helper()
		if r.status != status {
			t.Fatalf("HTTP %d, want %d: %s", r.status, status, r.body)
		}
		if status == http.StatusNoContent {
			if r.body != "" {
				t.Fatalf("204 with a body %q", r.body)
			}
			return
		}
		if !strings.HasPrefix(r.ctype, "application/json") {
			t.Errorf("Content-Type %q", r.ctype)
		}
		if err := json.Unmarshal([]byte(r.body), v); err != nil {
			t.Fatalf("%v: %s", err, r.body)
		}
	}

	var a answer
	decode(t, do(t, "PUT", base+"/m/scenarios/42", jsonCT, `{"outcome":"a","note":"first","data":{"n":3}}`), http.StatusCreated, &a)
	if a.Mock != "m" || a.Key != "42" || a.Scenario.Outcome != "a" || a.Scenario.Note != "first" || string(a.Scenario.Data) != `{"n":3}` {
		t.Fatalf("PUT answered %+v", a)
	}
	a = answer{}
	decode(t, do(t, "PUT", base+"/m/scenarios/42", "application/json; charset=utf-8", `{"fault":{"kind":"soap-fault","code":"X_DOWN","detail":"d","delay":"1.5s"}}`), http.StatusOK, &a)
	if a.Scenario.Outcome != "" || a.Scenario.Fault == nil || a.Scenario.Fault.Code != "X_DOWN" {
		t.Fatalf("replacing PUT answered %+v", a)
	}
	r := do(t, "GET", base+"/m/scenarios/42", "", "")
	if !strings.Contains(r.body, `"delay":"1.5s"`) || !strings.Contains(r.body, `"kind":"soap-fault"`) {
		t.Errorf("GET body %s does not carry the fault as set", r.body)
	}
	a = answer{}
	decode(t, r, http.StatusOK, &a)
	if a.Key != "42" || a.Scenario.Fault.Detail != "d" {
		t.Fatalf("GET answered %+v", a)
	}
	if s, ok := reg.Get("42"); !ok || s.Fault.Code != "X_DOWN" {
		t.Fatalf("registry holds %+v", s)
	}
	if _, ok := other.Get("42"); ok {
		t.Fatal("the scenario leaked to another mock")
	}

	// Keys with non-ASCII characters travel escaped in the path.
	cyr := scenario.New(scenario.Spec{Name: "cyr", Outcomes: []scenario.Outcome{{Name: "x"}}, Logger: discard})
	cbase := adminServer(t, true, cyr) + scenario.AdminPrefix
	decode(t, do(t, "PUT", cbase+"/cyr/scenarios/2024-%D0%9D%D0%94-001234", jsonCT, `{"outcome":"x"}`), http.StatusCreated, &a)
	if a.Key != "2024-НД-001234" {
		t.Fatalf("key %q", a.Key)
	}
	if _, ok := cyr.Get("2024-НД-001234"); !ok {
		t.Fatal("Cyrillic key not stored unescaped")
	}

	var list struct {
		Mock      string                       `json:"mock"`
		Scenarios map[string]scenario.Scenario `json:"scenarios"`
	}
	decode(t, do(t, "GET", base+"/m/scenarios", "", ""), http.StatusOK, &list)
	if list.Mock != "m" || len(list.Scenarios) != 1 || list.Scenarios["42"].Fault == nil {
		t.Fatalf("list %+v", list)
	}

	var f scenario.Fault
	decode(t, do(t, "PUT", base+"/m/fault", jsonCT, `{"kind":"timeout","hold":"30s"}`), http.StatusOK, &f)
	if f.Kind != scenario.KindTimeout || time.Duration(f.Hold) != 30*time.Second {
		t.Fatalf("fault %+v", f)
	}
	decode(t, do(t, "GET", base+"/m/fault", "", ""), http.StatusOK, &f)
	if got, ok := reg.Fault(); !ok || got.Kind != scenario.KindTimeout || f.Kind != scenario.KindTimeout {
		t.Fatalf("fault %+v / %+v", got, f)
	}

	var info struct {
		Name      string                       `json:"name"`
		Outcomes  []scenario.Outcome           `json:"outcomes"`
		Fault     *scenario.Fault              `json:"fault"`
		Scenarios map[string]scenario.Scenario `json:"scenarios"`
		Stats     *scenario.Stats              `json:"stats"`
	}
	decode(t, do(t, "GET", base+"/m", "", ""), http.StatusOK, &info)
	if info.Name != "m" || len(info.Outcomes) != 2 || info.Outcomes[1].Description != "second" || info.Fault == nil || len(info.Scenarios) != 1 || info.Stats == nil {
		t.Fatalf("mock info %+v", info)
	}
	var mocks struct {
		Mocks []struct {
			Name string `json:"name"`
		} `json:"mocks"`
	}
	decode(t, do(t, "GET", base, "", ""), http.StatusOK, &mocks)
	if len(mocks.Mocks) != 2 || mocks.Mocks[0].Name != "m" || mocks.Mocks[1].Name != "other" {
		t.Fatalf("mocks %+v", mocks)
	}

	decode(t, do(t, "DELETE", base+"/m/fault", "", ""), http.StatusNoContent, nil)
	decode(t, do(t, "DELETE", base+"/m/fault", "", ""), http.StatusNoContent, nil) // idempotent
	problem(t, do(t, "GET", base+"/m/fault", "", ""), http.StatusNotFound, scenario.CodeFaultNotSet)

	decode(t, do(t, "DELETE", base+"/m/scenarios/42", "", ""), http.StatusNoContent, nil)
	problem(t, do(t, "GET", base+"/m/scenarios/42", "", ""), http.StatusNotFound, scenario.CodeScenarioNotFound)

	decode(t, do(t, "PUT", base+"/m/scenarios/7", jsonCT, `{"outcome":"b"}`), http.StatusCreated, &a)
	decode(t, do(t, "PUT", base+"/m/fault", jsonCT, `{"kind":"down"}`), http.StatusOK, &f)
	decode(t, do(t, "POST", base+"/m/reset", "", ""), http.StatusNoContent, nil)
	if len(reg.All()) != 0 {
		t.Errorf("reset left %v", reg.All())
	}
	if _, ok := reg.Fault(); ok {
		t.Error("reset left the global fault")
	}
}

// TestAdminDisabled: when not enabled, nothing is mounted and every route is echo's 404.
func TestAdminDisabled(t *testing.T) {
	reg := scenario.New(testSpec("m"))
	base := adminServer(t, false, reg) + scenario.AdminPrefix
	for _, c := range []struct{ method, path, body string }{
		{"GET", "", ""},
		{"GET", "/m", ""},
		{"PUT", "/m/scenarios/1", `{"outcome":"a"}`},
		{"GET", "/m/scenarios/1", ""},
		{"DELETE", "/m/scenarios/1", ""},
		{"PUT", "/m/fault", `{"kind":"down"}`},
		{"DELETE", "/m/fault", ""},
		{"POST", "/m/reset", ""},
	} {
		r := do(t, c.method, base+c.path, jsonCT, c.body)
		if r.status != http.StatusNotFound {
			t.Errorf("%s %s: HTTP %d, want 404", c.method, c.path, r.status)
		}
		var body struct{ Message string }
		if err := json.Unmarshal([]byte(r.body), &body); err != nil || body.Message != "Not Found" {
			t.Errorf("%s %s: body %q, want echo's Not Found", c.method, c.path, r.body)
		}
	}
	if len(reg.All()) != 0 {
		t.Errorf("a disabled API changed the registry: %v", reg.All())
	}
}

// TestNewAdminDuplicate: two registries with one name are refused.
func TestNewAdminDuplicate(t *testing.T) {
	_, err := scenario.NewAdmin(scenario.AdminOptions{}, scenario.New(testSpec("m")), scenario.New(testSpec("m")))
	if err == nil || !strings.Contains(err.Error(), `two registries are named "m"`) {
		t.Fatalf("got %v", err)
	}
}
