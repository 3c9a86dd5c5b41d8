package scenario_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shepgate/shepgate/mocks/enis"
	"github.com/shepgate/shepgate/mocks/gbdfl"
	"github.com/shepgate/shepgate/mocks/scenario"
)

// TestExampleFile loads testdata/scenarios.json into the real ГБД ФЛ and ЕНИС specifications.
func TestExampleFile(t *testing.T) {
	g, e := scenario.New(gbdfl.Spec(discard)), scenario.New(enis.Spec(discard))
	if err := scenario.LoadFile(filepath.Join("testdata", "scenarios.json"), g, e); err != nil {
		t.Fatal(err)
	}
	if f, ok := g.Fault(); !ok || f.Kind != scenario.KindLatency || time.Duration(f.Delay) != 50*time.Millisecond {
		t.Errorf("gbdfl fault %+v", f)
	}
	if s, ok := g.Get("860101301233"); !ok || s.Outcome != gbdfl.OutcomeDeceased {
		t.Errorf("gbdfl 860101301233: %+v", s)
	}
	if s, ok := g.Get("791130401265"); !ok || s.Fault == nil || s.Fault.Code != "GBDFL_UNAVAILABLE" {
		t.Errorf("gbdfl 791130401265: %+v", s)
	}
	if s, ok := e.Get("2024-НД-001234"); !ok || s.Outcome != enis.OutcomeRevoked {
		t.Errorf("enis 2024-НД-001234: %+v", s)
	}
	if len(g.All()) != 6 || len(e.All()) != 4 {
		t.Errorf("loaded %d and %d scenarios", len(g.All()), len(e.All()))
	}
	if _, ok := e.Fault(); ok {
		t.Error("enis got a global fault the file does not set")
	}
}

// TestFileErrors: an invalid file names the offending entry and changes nothing.
func TestFileErrors(t *testing.T) {
	cases := []struct {
		name, file string
		want       []string
	}{
		{"not JSON", `{"gbdfl":`, []string{"invalid JSON"}},
		{"null", `null`, []string{"holds null"}},
		{"unknown section", `{"nuc":{}}`, []string{`section "nuc" names no mock`, "enis, gbdfl"}},
		{"unknown field", `{"gbdfl":{"scenarioz":{}}}`, []string{"scenarioz", "not a known field"}},
		{"malformed IIN key", `{"gbdfl":{"scenarios":{"860101301234":{"outcome":"deceased"}}}}`, []string{`gbdfl.scenarios["860101301234"]`, "check digit"}},
		{"unknown outcome", `{"enis":{"scenarios":{"N-1":{"outcome":"deceased"}}}}`, []string{`enis.scenarios["N-1"].outcome`, `"deceased" is not an outcome of enis`}},
		{"bad global fault", `{"enis":{"fault":{"kind":"soap-fault"}}}`, []string{"enis.fault.code", "required"}},
		{"bad person data", `{"gbdfl":{"scenarios":{"860101301233":{"outcome":"found","data":{"iin":"860101301233"}}}}}`, []string{"data", "name: last and first are required"}},
		{"valid then invalid", `{"gbdfl":{"scenarios":{"860101301233":{"outcome":"deceased"}}},"enis":{"scenarios":{"N-1":{"outcome":"zzz"}}}}`, []string{`enis.scenarios["N-1"].outcome`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, e := scenario.New(gbdfl.Spec(discard)), scenario.New(enis.Spec(discard))
			if _, err := g.Set("480909301296", scenario.Scenario{Outcome: gbdfl.OutcomeNotFound}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "s.json")
			if err := os.WriteFile(path, []byte(c.file), 0o600); err != nil {
				t.Fatal(err)
			}
			err := scenario.LoadFile(path, g, e)
			if err == nil {
				t.Fatal("loaded an invalid file")
			}
			for _, s := range c.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if _, ok := g.Get("480909301296"); !ok || len(g.All()) != 1 || len(e.All()) != 0 {
				t.Errorf("an invalid file changed the registries: %v %v", g.All(), e.All())
			}
		})
	}
}

// TestInject carries out every fault kind on a plain HTTP server and checks what a client sees.
func TestInject(t *testing.T) {
	reg := scenario.New(testSpec("m"))
	var fault scenario.Fault
	var answeredNormally bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		if reg.Inject(w, r, fault) {
			return
		}
		answeredNormally = true
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	client := &http.Client{Timeout: time.Second}
	cases := []struct {
		fault   scenario.Fault
		status  int    // 0: a transport error
		body    string // prefix of the body
		normal  bool   // the handler answered after Inject
		atLeast time.Duration
	}{
		{scenario.Fault{Kind: scenario.KindLatency, Delay: scenario.Duration(100 * time.Millisecond)}, http.StatusTeapot, "", true, 100 * time.Millisecond},
		{scenario.Fault{Kind: scenario.KindSOAPFault, Code: "X_Y"}, http.StatusTeapot, "", true, 0},
		{scenario.Fault{Kind: scenario.KindHTTP500}, http.StatusInternalServerError, "mock: injected HTTP 500", false, 0},
		{scenario.Fault{Kind: scenario.KindMalformedXML}, http.StatusOK, `<?xml version="1.0"`, false, 0},
		{scenario.Fault{Kind: scenario.KindDown, Delay: scenario.Duration(50 * time.Millisecond)}, http.StatusServiceUnavailable, "", false, 50 * time.Millisecond},
		{scenario.Fault{Kind: scenario.KindClose}, 0, "", false, 0},
		{scenario.Fault{Kind: scenario.KindTimeout}, 0, "", false, time.Second},
		{scenario.Fault{Kind: scenario.KindTimeout, Hold: scenario.Duration(10 * time.Millisecond)}, http.StatusGatewayTimeout, "mock: timeout fault", false, 10 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(string(c.fault.Kind), func(t *testing.T) {
			if err := c.fault.Validate(); err != nil {
				t.Fatal(err)
			}
			fault, answeredNormally = c.fault, false
			before := reg.Stats()
			began := time.Now()
			resp, err := client.Post(srv.URL, "text/xml", strings.NewReader("<x/>"))
			took := time.Since(began)
			if c.status == 0 {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("HTTP %d, want a transport error", resp.StatusCode)
				}
				var ne net.Error
				if c.fault.Kind == scenario.KindTimeout && !(errors.As(err, &ne) && ne.Timeout()) && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("error %v, want a client timeout", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != c.status || !strings.HasPrefix(string(b), c.body) {
					t.Fatalf("HTTP %d %q, want %d %q", resp.StatusCode, b, c.status, c.body)
				}
			}
			if answeredNormally != c.normal {
				t.Errorf("handler went on: %v, want %v", answeredNormally, c.normal)
			}
			if took < c.atLeast {
				t.Errorf("answered in %s, want at least %s", took, c.atLeast)
			}
			if reg.Stats().Injected[c.fault.Kind] != before.Injected[c.fault.Kind]+1 {
				t.Errorf("injections of %s not counted", c.fault.Kind)
			}
			if c.fault.Kind == scenario.KindTimeout && c.status == 0 {
				deadline := time.Now().Add(10 * time.Second)
				for reg.Stats().Abandoned == before.Abandoned {
					if time.Now().After(deadline) {
						t.Fatal("the held request was not abandoned when the client gave up")
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
		})
	}
}

// TestRegistry covers Set/Get/Delete, copies and the global fault directly.
func TestRegistry(t *testing.T) {
	reg := scenario.New(testSpec("m"))
	s := scenario.Scenario{Outcome: "a", Data: []byte(`{"n":1}`), Fault: &scenario.Fault{Kind: scenario.KindDown}}
	created, err := reg.Set("1", s)
	if err != nil || !created {
		t.Fatalf("Set: %v %v", created, err)
	}
	s.Data[6], s.Fault.Kind = '9', scenario.KindClose // the registry keeps its own copy
	got, _ := reg.Get("1")
	if string(got.Data) != `{"n":1}` || got.Fault.Kind != scenario.KindDown {
		t.Fatalf("stored scenario changed through the caller's copy: %+v", got)
	}
	got.Fault.Kind = scenario.KindClose
	if again, _ := reg.Get("1"); again.Fault.Kind != scenario.KindDown {
		t.Fatal("stored scenario changed through a Get copy")
	}
	if created, err := reg.Set("1", scenario.Scenario{Outcome: "b"}); err != nil || created {
		t.Fatalf("replace: %v %v", created, err)
	}
	if !reg.Delete("1") || reg.Delete("1") {
		t.Fatal("Delete")
	}
	if err := reg.SetFault(scenario.Fault{Kind: "nope"}); err == nil {
		t.Fatal("invalid fault accepted")
	}
	if err := reg.SetFault(scenario.Fault{Kind: scenario.KindHTTP500}); err != nil {
		t.Fatal(err)
	}
	if !reg.ClearFault() || reg.ClearFault() {
		t.Fatal("ClearFault")
	}
}
