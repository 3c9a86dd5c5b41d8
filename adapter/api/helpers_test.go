package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/api"
	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/server"
)

// fixturesPath is the project's fixture file.
var fixturesPath = filepath.Join("..", "..", "testdata", "people.json")

// system is the whole shepgate process (НУЦ, gateway, ГЦВП, portal client) that every test's
// API talks to, started once.
var system *server.Server

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "shepgate-api-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	system, err = server.Start(context.Background(), server.Config{
		Addr: "127.0.0.1:0", DataDir: dir, Fixtures: fixturesPath, PopulationSize: 20,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	if err := system.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "shutdown:", err)
		code = 1
	}
	cancel()
	os.RemoveAll(dir)
	os.Exit(code)
}

// mount serves a new API over the system on its own loopback listener, in test mode with the
// fixture people's accounts unless opts says otherwise.
func mount(t *testing.T, opts ...func(*api.Options)) (*api.API, *echo.Echo, string) {
	t.Helper()
	gw, err := system.PortalClient(system.URL + "/shep/sync")
	if err != nil {
		t.Fatal(err)
	}
	o := api.Options{Store: system.Store, Gateway: gw, TestMode: true, FixturesFile: fixturesPath, PKI: system.PKI,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range opts {
		f(&o)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	a, err := api.Mount(e, o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return a, e, srv.URL
}

// client is a browser: a cookie jar and the session's CSRF token.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
	iin  string
}

func newClient(t *testing.T, base string) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 60 * time.Second}}
}

// login logs a fixture person in with the test password.
func login(t *testing.T, base, iinValue string) *client {
	t.Helper()
	c := newClient(t, base)
	var s api.SessionView
	c.call("POST", "/api/v1/session", api.LoginRequest{IIN: iinValue, Password: api.TestPassword(iinValue)}, http.StatusOK, &s)
	if s.IIN != iinValue || s.CSRFToken == "" || s.Name == "" {
		t.Fatalf("session %+v", s)
	}
	c.csrf, c.iin = s.CSRFToken, iinValue
	return c
}

// response is an HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// problem decodes the answer as a problem, checking its media type.
func (r response) problem(t *testing.T) api.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type %q, want application/problem+json (status %d, %s)", ct, r.status, r.body)
	}
	var p api.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem %s: %v", r.body, err)
	}
	if p.Status != r.status || p.Code == "" || p.TitleKK == "" || p.TitleRU == "" || p.Title == "" {
		t.Fatalf("incomplete problem %+v for HTTP %d", p, r.status)
	}
	return p
}

// send makes a request; body is JSON unless it is []byte (sent as XML). The CSRF token goes
// along unless csrf is false.
func (c *client) send(method, path string, body any, csrf bool) response {
	c.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ct = bytes.NewReader(b), "application/xml; charset=utf-8"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd, ct = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if csrf && c.csrf != "" {
		req.Header.Set(api.CSRFHeader, c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, out}
}

// call makes a request with the CSRF token, wants the status and decodes the JSON answer into
// out (when not nil).
func (c *client) call(method, path string, body any, want int, out any) response {
	c.t.Helper()
	r := c.send(method, path, body, true)
	if r.status != want {
		c.t.Fatalf("%s %s: HTTP %d, want %d: %s", method, path, r.status, want, r.body)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, r.body)
		}
	}
	return r
}

// wantProblem makes a request and wants a problem with the status, code and (if not "") field.
func (c *client) wantProblem(method, path string, body any, csrf bool, status int, code, field string) api.Problem {
	c.t.Helper()
	r := c.send(method, path, body, csrf)
	if r.status != status {
		c.t.Fatalf("%s %s: HTTP %d, want %d: %s", method, path, r.status, status, r.body)
	}
	p := r.problem(c.t)
	if p.Code != code || p.Field != field {
		c.t.Fatalf("%s %s: problem %s (field %q), want %s (field %q): %s", method, path, p.Code, p.Field, code, field, p.Detail)
	}
	if p.Detail == "" {
		c.t.Fatalf("%s %s: problem %s says nothing of what is wrong", method, path, p.Code)
	}
	return p
}

// draft makes a request.
func (c *client) draft(body api.CreateRequest) api.DraftView {
	c.t.Helper()
	var d api.DraftView
	c.call("POST", "/api/v1/requests", body, http.StatusCreated, &d)
	return d
}

// await refreshes the request's status until it is answered (or FAILED), within a minute.
func (c *client) await(number string) api.RequestView {
	c.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var v api.RequestView
		c.call("GET", "/api/v1/requests/"+number, nil, http.StatusOK, &v)
		switch v.Status {
		case "DONE", "REFUSED", "FAILED":
			return v
		case "SENT", "IN_PROGRESS":
		default:
			c.t.Fatalf("request %s is %s while awaiting its answer", number, v.Status)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("request %s still %s (%s) after a minute", number, v.Status, v.MessageState)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func str(s string) *string { return &s }

func boolean(b bool) *bool { return &b }

// expected is the fixtures' expectation of a service for a person: the status and outcome the
// API must show (ASSIGNED, REFUSED, ISSUED, DUPLICATE, STATEMENT → DONE; a code → REFUSED).
func expected(t *testing.T, iinValue, serviceID string) (status, outcome string) {
	t.Helper()
	f, err := fixtures.Read(fixturesPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.People {
		if p.IIN != iinValue {
			continue
		}
		want, ok := p.Expect[serviceID]
		if !ok {
			want, ok = p.ExpectTransactional[serviceID]
		}
		if !ok {
			t.Fatalf("the fixtures expect nothing of %s for %s", serviceID, iinValue)
		}
		switch want {
		case "ASSIGNED", "REFUSED", "ISSUED", "DUPLICATE", "STATEMENT":
			return "DONE", want
		}
		return "REFUSED", want
	}
	t.Fatalf("no fixture person %s", iinValue)
	return "", ""
}
