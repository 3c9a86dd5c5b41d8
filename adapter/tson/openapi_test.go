package tson

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// refRE finds the schemas that a JSON document refers to.
var refRE = regexp.MustCompile(`"\$ref":"#/components/schemas/([^"]+)"`)

// TestOpenAPIDescribesRegister checks the OpenAPI description against Register: every route
// it mounts is described and nothing else, every operation has an id (unique), a summary and
// responses, every operation behind the session takes the cookie (and the CSRF header unless
// it is a GET), and every $ref names one of the returned schemas.
func TestOpenAPIDescribesRegister(t *testing.T) {
	paths, schemas := bed.con.OpenAPI()
	e := echo.New()
	bed.con.Register(e)
	routes := map[string]bool{}
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound || strings.HasSuffix(r.Path, "/*") {
			continue // the fallbacks that answer unknown routes with problems
		}
		routes[r.Method+" "+openAPIPath(r.Path)] = true
	}
	raw, err := json.Marshal(map[string]any{"paths": paths, "schemas": schemas})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Summary     string `json:"summary"`
			Parameters  []struct {
				Name, In string
				Required bool
			} `json:"parameters"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, BasePath+"/") {
			t.Errorf("path %s is not under %s", path, BasePath)
		}
		for method, op := range item {
			key := strings.ToUpper(method) + " " + path
			if !routes[key] {
				t.Errorf("%s is described but not mounted", key)
			}
			delete(routes, key)
			if op.OperationID == "" || ids[op.OperationID] || op.Summary == "" || len(op.Responses) < 2 {
				t.Errorf("%s: operationId %q (duplicate: %v), summary %q, %d responses", key, op.OperationID, ids[op.OperationID],
					op.Summary, len(op.Responses))
			}
			ids[op.OperationID] = true
			has := map[string]bool{}
			for _, p := range op.Parameters {
				if p.Required {
					has[p.In+" "+p.Name] = true
				}
			}
			login := path == BasePath+"/login"
			if !login && (!has["cookie "+SessionCookie] || (method != "get") != has["header "+CSRFHeader] || op.Responses["401"] == nil) {
				t.Errorf("%s: the session cookie, the CSRF header or 401 is not described: %+v", key, op.Parameters)
			}
			if strings.Contains(path, "{id}") && !has["path id"] {
				t.Errorf("%s: no path parameter id", key)
			}
		}
	}
	for r := range routes {
		t.Errorf("route %s is not described", r)
	}
	for _, m := range refRE.FindAllStringSubmatch(string(raw), -1) {
		if _, ok := schemas[m[1]]; !ok {
			t.Errorf("$ref to %s, which is not among the schemas", m[1])
		}
	}
	for name := range schemas {
		if !strings.HasPrefix(name, "Con") {
			t.Errorf("schema %s may clash with the consumer API's", name)
		}
	}
	if !strings.Contains(string(raw), `"multipart/form-data"`) || !strings.Contains(string(raw), `"application/problem+json"`) {
		t.Error("the upload or the problems are not described")
	}
	if _, ok := doc.Paths[BasePath+"/applications/{id}/submit"]["post"].Responses["422"]; !ok {
		t.Errorf("submit: no 422 (%s)", CodeDocumentMismatch)
	}
}
