package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/wsdl"
)

func adminCall(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// TestSteerNUCOverHTTP steers the НУЦ mock as a conformance tester does, with curl-like calls to
// the admin API, and checks what shepgate then reports for a consumer.
func TestSteerNUCOverHTTP(t *testing.T) {
	s := start(t, func(c *Config) { c.TestMode = true; c.NUCValidity = time.Second })
	serial := s.cert(t, pki.NameConsumerGood).SerialNumber.Text(16)
	admin := s.URL + "/admin/mocks/nuc"
	ask := func() (string, error) {
		doc, _ := portalRequest(wsdl.ServiceBasicPensionInfo, "880512310210")
		s.signer(t, pki.NameConsumerGood).SignElement(doc)
		ans, err := s.portal(t).Submit(context.Background(), wsdl.ServiceBasicPensionInfo, doc)
		if err != nil {
			return "", err
		}
		if ans.Refusal != nil {
			return ans.Refusal.Code, nil
		}
		return string(*ans.Info.Decision.Outcome), nil
	}
	if st, body := adminCall(t, http.MethodPut, admin+"/scenarios/"+serial, `{"outcome":"revoked","data":{"reason":"keyCompromise"}}`); st/100 != 2 {
		t.Fatalf("PUT scenario: %d %v", st, body)
	}
	if got, err := ask(); err != nil || got != string(fault.CertRevoked) {
		t.Fatalf("revoked by scenario: %s %v", got, err)
	}
	if st, body := adminCall(t, http.MethodGet, admin+"/scenarios/"+serial, ""); st != 200 || body["scenario"].(map[string]any)["outcome"] != "revoked" {
		t.Fatalf("GET scenario: %d %v", st, body)
	}
	// A bad serial is refused with a problem that says why.
	if st, body := adminCall(t, http.MethodPut, admin+"/scenarios/XYZ", `{"outcome":"revoked"}`); st != 400 || body["code"] == nil || body["detail"] == nil {
		t.Fatalf("bad key: %d %v", st, body)
	}
	if st, body := adminCall(t, http.MethodPut, admin+"/scenarios/"+serial, `{"outcome":"revoked","data":{"reason":"tired"}}`); st != 422 || body["code"] != "MOCK_SCENARIO_INVALID" {
		t.Fatalf("bad reason: %d %v", st, body)
	}
	// Answers are cached until their nextUpdate (a second here): then the change is seen.
	if st, _ := adminCall(t, http.MethodPut, admin+"/scenarios/"+serial, `{"outcome":"unknown"}`); st/100 != 2 {
		t.Fatal("PUT unknown")
	}
	time.Sleep(1100 * time.Millisecond)
	if got, err := ask(); err != nil || got != string(fault.CertStatusUnknown) {
		t.Fatalf("unknown by scenario: %s %v", got, err)
	}
	if st, _ := adminCall(t, http.MethodDelete, admin+"/scenarios/"+serial, ""); st/100 != 2 {
		t.Fatal("DELETE scenario")
	}
	time.Sleep(1100 * time.Millisecond)
	if got, err := ask(); err != nil || got != "ASSIGNED" {
		t.Fatalf("after the scenario is gone: %s %v", got, err)
	}
}

// TestAdminOffOutsideTestMode: without test mode the admin API does not exist.
func TestAdminOffOutsideTestMode(t *testing.T) {
	s := start(t)
	if st, _ := adminCall(t, http.MethodPut, s.URL+"/admin/mocks/nuc/fault", `{"kind":"down"}`); st != http.StatusNotFound {
		t.Fatalf("admin API answered %d outside test mode", st)
	}
}
