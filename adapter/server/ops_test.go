package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/wsdl"
)

// TestOperations: liveness, readiness and the Prometheus metrics of a running system, after a
// request went through ГЦВП.
func TestOperations(t *testing.T) {
	s := start(t)
	doc, _ := portalRequest(wsdl.ServiceBasicPensionInfo, "880512310210")
	s.signer(t, pki.NameConsumerGood).SignElement(doc)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := s.portal(t)
	id, err := client.SendAsync(ctx, wsdl.ServiceBasicPensionInfo, doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Await(ctx, wsdl.ServiceBasicPensionInfo, id, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := get("/healthz"); st != 200 {
		t.Fatalf("healthz %d", st)
	}
	if st, body := get("/readyz"); st != 200 || !strings.Contains(body, "store") {
		t.Fatalf("readyz %d %s", st, body)
	}
	st, body := get("/metrics")
	for _, want := range []string{
		`shepgate_requests_total{outcome="OK",service="GCVP_BASIC_PENSION_INFO"}`,
		`shepgate_step_duration_seconds_count{outcome="ok",service="GCVP_BASIC_PENSION_INFO",step="A11_ANSWER"}`,
		`shepgate_http_requests_total{`,
	} {
		if st != 200 || !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestAPIBodyLimitIsAProblem: a body over the limit on the JSON APIs is refused as
// application/problem+json, like every other bad input there.
func TestAPIBodyLimitIsAProblem(t *testing.T) {
	s := start(t, func(c *Config) { c.Limits.MaxBytes = 64 << 10 })
	big := strings.NewReader(strings.Repeat("x", 70<<10))
	resp, err := http.Post(s.URL+"/api/v1/session", "application/json", big)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(string(body), `"code":"XML_TOO_LARGE"`) {
		t.Fatalf("HTTP %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
