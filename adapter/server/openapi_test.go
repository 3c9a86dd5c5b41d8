package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/api"
	"github.com/shepgate/shepgate/adapter/tson"
)

// conClient calls the running system as a ЦОН operator's browser: a cookie jar and, once
// logged in, the session's CSRF token.
type conClient struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

// conAnswer is an HTTP answer.
type conAnswer struct {
	status      int
	contentType string
	body        []byte
}

func (c *conClient) do(method, path string, body []byte, contentType string) conAnswer {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.csrf != "" {
		req.Header.Set(tson.CSRFHeader, c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return conAnswer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: raw}
}

func (c *conClient) json(method, path string, v, out any) int {
	c.t.Helper()
	raw, _ := json.Marshal(v)
	a := c.do(method, path, raw, "application/json")
	if err := json.Unmarshal(a.body, out); err != nil {
		c.t.Fatalf("%s %s: HTTP %d, not JSON: %s", method, path, a.status, a.body)
	}
	return a.status
}

// openAPIDoc is the part of openapi.json the test reads.
type openAPIDoc struct {
	OpenAPI string                                           `json:"openapi"`
	Paths   map[string]map[string]map[string]json.RawMessage `json:"paths"`
	Comps   struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

// TestOpenAPIDocumentsCON checks /api/v1/openapi.json of the whole system as `serve` wires it:
// valid JSON of OpenAPI 3.x with the consumer API's and the ЦОН API's paths; every ЦОН route of
// the running server is documented; without a session every documented ЦОН operation but login
// answers a 401 problem; and with a session, an application and a scan, every documented ЦОН
// path and method is routed (neither 404 nor 405 — unknown routes under /api/v1/con answer
// 404 CON_NOT_FOUND) and answers with one of its documented statuses.
func TestOpenAPIDocumentsCON(t *testing.T) {
	s := start(t)
	resp, err := http.Get(s.URL + api.BasePath + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !json.Valid(raw) {
		t.Fatalf("HTTP %d, valid JSON %v: %.300s", resp.StatusCode, json.Valid(raw), raw)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	if doc.Paths[api.BasePath+"/session"]["post"] == nil || doc.Comps.Schemas["Problem"] == nil {
		t.Fatal("the consumer API's own paths or schemas are missing")
	}
	for _, name := range []string{"ConApplication", "ConProblem", "ConNewApplication"} {
		if doc.Comps.Schemas[name] == nil {
			t.Errorf("schema %s is missing", name)
		}
	}

	// Every ЦОН route of the running server is documented.
	type operation struct{ method, path string }
	var ops []operation
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, tson.BasePath+"/") {
			continue
		}
		for method, op := range item {
			ops = append(ops, operation{strings.ToUpper(method), path})
			if op["summary"] == nil || op["responses"] == nil {
				t.Errorf("%s %s: no summary or responses", method, path)
			}
		}
	}
	if len(ops) == 0 {
		t.Fatal("no ЦОН paths documented")
	}
	routes := 0
	for _, r := range s.echo.Routes() {
		if !strings.HasPrefix(r.Path, tson.BasePath+"/") || r.Method == echo.RouteNotFound || strings.HasSuffix(r.Path, "/*") {
			continue // the fallbacks that answer unknown routes with problems
		}
		routes++
		if doc.Paths[api.OpenAPIPath(r.Path)][strings.ToLower(r.Method)] == nil {
			t.Errorf("route %s %s is not documented", r.Method, r.Path)
		}
	}
	if routes != len(ops) {
		t.Errorf("%d ЦОН routes, %d documented operations", routes, len(ops))
	}
	// Logout last: it ends the session the other calls use.
	slices.SortFunc(ops, func(a, b operation) int {
		if (a.path == tson.BasePath+"/logout") != (b.path == tson.BasePath+"/logout") {
			if a.path == tson.BasePath+"/logout" {
				return 1
			}
			return -1
		}
		return strings.Compare(a.path+" "+a.method, b.path+" "+b.method)
	})
	documented := func(op operation, status int) bool {
		var responses map[string]json.RawMessage
		_ = json.Unmarshal(doc.Paths[op.path][strings.ToLower(op.method)]["responses"], &responses)
		return responses[fmt.Sprint(status)] != nil
	}
	fill := func(path, id, docID string) string {
		return strings.NewReplacer("{id}", id, "{doc}", docID).Replace(path)
	}

	// Without a session: 401 problems (login: its own answer to an empty body).
	anon := &conClient{t: t, base: s.URL, http: &http.Client{}}
	for _, op := range ops {
		a := anon.do(op.method, fill(op.path, uuid.NewString(), uuid.NewString()), nil, "")
		if a.status == http.StatusNotFound || a.status == http.StatusMethodNotAllowed || !documented(op, a.status) {
			t.Errorf("no session: %s %s answers %d (undocumented or unrouted): %s", op.method, op.path, a.status, a.body)
		}
		if !strings.HasPrefix(a.contentType, "application/problem+json") {
			t.Errorf("no session: %s %s answers %s, not a problem", op.method, op.path, a.contentType)
		}
		if op.path != tson.BasePath+"/login" && (a.status != http.StatusUnauthorized || !bytes.Contains(a.body, []byte(tson.CodeAuthRequired))) {
			t.Errorf("no session: %s %s answers %d: %s", op.method, op.path, a.status, a.body)
		}
	}

	// With a session, an application and a scan: every documented operation is routed.
	jar, _ := cookiejar.New(nil)
	c := &conClient{t: t, base: s.URL, http: &http.Client{Jar: jar}}
	var sess tson.SessionInfo
	if st := c.json(http.MethodPost, tson.BasePath+"/login", map[string]string{"login": tson.TestOperatorLogin, "password": tson.TestOperatorPassword}, &sess); st != http.StatusOK {
		t.Fatalf("login: %d", st)
	}
	c.csrf = sess.CSRFToken
	var app tson.AppState
	if st := c.json(http.MethodPost, tson.BasePath+"/applications", tson.NewApplication{
		Consumer:   tson.Person{IIN: "790227333112", LastName: "СӘРСЕНБАЕВ", FirstName: "НҰРЛАН"},
		PeriodFrom: "2024-01-01", PeriodTo: "2024-12-31"}, &app); st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("kind", tson.KindIdentity)
	_ = w.WriteField("paperPresented", "true")
	part, _ := w.CreateFormFile("file", "id.pdf")
	_, _ = part.Write([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
	_ = w.Close()
	up := c.do(http.MethodPost, tson.BasePath+"/applications/"+app.ID+"/documents", buf.Bytes(), w.FormDataContentType())
	var scan tson.Document
	if err := json.Unmarshal(up.body, &scan); up.status != http.StatusCreated || err != nil {
		t.Fatalf("upload: %d %s", up.status, up.body)
	}
	// The check tells routed from unrouted: an undocumented method answers 404.
	if a := c.do(http.MethodDelete, tson.BasePath+"/session", nil, ""); a.status != http.StatusNotFound {
		t.Fatalf("DELETE %s/session answers %d, want the fallback's 404", tson.BasePath, a.status)
	}
	for _, op := range ops {
		a := c.do(op.method, fill(op.path, app.ID, scan.ID), nil, "")
		if a.status == http.StatusNotFound || a.status == http.StatusMethodNotAllowed {
			t.Errorf("%s %s is documented but answers %d: %s", op.method, op.path, a.status, a.body)
		} else if !documented(op, a.status) {
			t.Errorf("%s %s answers %d, which is not documented: %s", op.method, op.path, a.status, a.body)
		}
	}
}
