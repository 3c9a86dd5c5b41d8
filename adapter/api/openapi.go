package api

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/fault"
)

// OpenAPI returns the OpenAPI 3.0 document of the API (served at GET /api/v1/openapi.json),
// with the paths and schemas that MergeOpenAPI added. Every route the API registers is in it,
// and nothing else of the API's.
func (a *API) OpenAPI() map[string]any {
	paths := a.ownPaths()
	schemas := schemas()
	a.extraMu.Lock()
	maps.Copy(paths, a.extraPaths)
	maps.Copy(schemas, a.extraSchemas)
	a.extraMu.Unlock()
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "shepgate portal API",
			"version": "1.0.0",
			"description": "The e-government portal's consumer API for the ГЦВП e-services (Orders 140-ө and 485-ө-м): " +
				"log in, draft a request, sign it, follow its status (GET again to refresh), open or save the result, answer the survey. " +
				"Errors are application/problem+json with a stable code and its texts in Kazakh and Russian.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas":   schemas,
			"responses": problemResponses(),
			"securitySchemes": map[string]any{
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": CookieName,
					"description": "Set by POST /api/v1/session: HttpOnly, SameSite=Strict; ends after the idle timeout."},
				"csrf": map[string]any{"type": "apiKey", "in": "header", "name": CSRFHeader,
					"description": "The session's csrfToken; required on every state-changing call."},
			},
		},
	}
}

// MergeOpenAPI adds other parts of the process's paths (keyed by OpenAPI path, e.g.
// "/api/v1/con/applications/{id}", each a Path Item object) and component schemas to the
// document, so that one openapi.json describes the whole API. Schemas are referred to as
// "#/components/schemas/NAME"; the shared "Problem" schema and the responses "BadRequest",
// "Unauthorized", "Forbidden", "NotFound", "Conflict", "UnsupportedMediaType", "BadGateway"
// may be referred to as well. A path or schema that exists already is an error.
func (a *API) MergeOpenAPI(paths, componentSchemas map[string]any) error {
	a.extraMu.Lock()
	defer a.extraMu.Unlock()
	own, ownSchemas := a.ownPaths(), schemas()
	for p := range paths {
		if _, ok := own[p]; ok {
			return fmt.Errorf("api: OpenAPI path %s is the API's own", p)
		}
		if _, ok := a.extraPaths[p]; ok {
			return fmt.Errorf("api: OpenAPI path %s was merged already", p)
		}
	}
	for s := range componentSchemas {
		if _, ok := ownSchemas[s]; ok {
			return fmt.Errorf("api: OpenAPI schema %s is the API's own", s)
		}
		if _, ok := a.extraSchemas[s]; ok {
			return fmt.Errorf("api: OpenAPI schema %s was merged already", s)
		}
	}
	if a.extraPaths == nil {
		a.extraPaths, a.extraSchemas = map[string]any{}, map[string]any{}
	}
	maps.Copy(a.extraPaths, paths)
	maps.Copy(a.extraSchemas, componentSchemas)
	return nil
}

func (a *API) openAPI(c echo.Context) error { return c.JSON(http.StatusOK, a.OpenAPI()) }

var paramRE = regexp.MustCompile(`:([A-Za-z]+)`)

// OpenAPIPath turns an echo route template into an OpenAPI path (":number" → "{number}").
func OpenAPIPath(echoPath string) string { return paramRE.ReplaceAllString(echoPath, "{$1}") }

// operation describes one route.
type operation struct {
	summary     string
	description string
	body        map[string]any // request body, nil for none
	ok          int
	okContent   map[string]any // content of the success answer, nil for none
	errors      []int
	tag         string
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// operations are the API's routes' descriptions, by "METHOD path" of the route table.
func (a *API) operations() map[string]operation {
	arr := func(name string) map[string]any { return map[string]any{"type": "array", "items": ref(name)} }
	binary := map[string]any{"type": "string", "format": "binary"}
	ops := map[string]operation{
		"POST " + BasePath + "/session": {summary: "Log in", tag: "session",
			description: "Checks the IIN and password (bcrypt) and sets the session cookie " + CookieName +
				". Failed logins are limited per IIN (429 API_LOGIN_LOCKED with Retry-After).",
			body: jsonContent(ref("LoginRequest")), ok: 200, okContent: jsonContent(ref("Session")), errors: []int{400, 401, 415, 429}},
		"GET " + BasePath + "/session": {summary: "The session's consumer and CSRF token", tag: "session",
			ok: 200, okContent: jsonContent(ref("Session")), errors: []int{401}},
		"DELETE " + BasePath + "/session": {summary: "Log out", tag: "session",
			description: "Ends the session (with its CSRF token) and deletes the cookie; without a session, just deletes the cookie.",
			ok:          204, errors: []int{403}},
		"GET " + BasePath + "/services": {summary: "The ten ГЦВП e-services", tag: "services", ok: 200, okContent: jsonContent(arr("Service"))},
		"GET " + BasePath + "/survey": {summary: "The survey's questions and answers (Kazakh and Russian)", tag: "services",
			ok: 200, okContent: jsonContent(arr("SurveyQuestion"))},
		"POST " + BasePath + "/requests": {summary: "Draft a request (fill in)", tag: "requests",
			description: "Makes a DRAFT request for the session's IIN and returns the document to sign. duplicate is for service 9, " +
				"periodFrom and periodTo (required) for service 10.",
			body: jsonContent(ref("CreateRequest")), ok: 201, okContent: jsonContent(ref("Draft")), errors: []int{400, 401, 403, 415}},
		"GET " + BasePath + "/requests": {summary: "The consumer's requests, newest first", tag: "requests",
			ok: 200, okContent: jsonContent(arr("RequestSummary")), errors: []int{401}},
		"GET " + BasePath + "/requests/:number": {summary: "Status of a request (refresh)", tag: "requests",
			description: "The status screen: IIN, request number, service, status, deadline and ГЦВП's steps. While the request is " +
				"SENT or IN_PROGRESS, each call asks the gateway for the answer and stores it («Мәртебені жаңарту»).",
			ok: 200, okContent: jsonContent(ref("Request")), errors: []int{401, 404}},
		"POST " + BasePath + "/requests/:number/signature": {summary: "Send the signed request (sign)", tag: "requests",
			description: "The body is the draft document with one enveloped XMLDSig signature. It must be exactly the draft " +
				"(API_DOCUMENT_MISMATCH otherwise); it is sent to ГЦВП through the gateway and the request becomes SENT.",
			body: map[string]any{"application/xml": map[string]any{"schema": map[string]any{"type": "string"}}},
			ok:   200, okContent: jsonContent(ref("Request")), errors: []int{400, 401, 403, 404, 409, 413, 415, 502}},
		"GET " + BasePath + "/requests/:number/result": {summary: "The answer as JSON (open)", tag: "results",
			ok: 200, okContent: jsonContent(ref("Result")), errors: []int{401, 404, 409}},
		"GET " + BasePath + "/requests/:number/result.xml": {summary: "The ГЦВП-signed answer as received", tag: "results",
			ok: 200, okContent: map[string]any{"application/xml": map[string]any{"schema": map[string]any{"type": "string"}}}, errors: []int{401, 404, 409}},
		"GET " + BasePath + "/requests/:number/result.pdf": {summary: "The answer as PDF (save)", tag: "results",
			description: "The approved form in Kazakh and Russian (times in Kazakhstan, UTC+5), carrying the signed XML in QR codes.",
			ok:          200, okContent: map[string]any{"application/pdf": map[string]any{"schema": binary}}, errors: []int{401, 404, 409}},
		"POST " + BasePath + "/requests/:number/survey": {summary: "Answer the survey", tag: "results",
			description: "Once per answered (DONE or REFUSED) request; each answer 1 (not satisfied), 2 (partially), 3 (satisfied).",
			body:        jsonContent(ref("SurveyRequest")), ok: 201, okContent: jsonContent(ref("Survey")), errors: []int{400, 401, 403, 404, 409, 415}},
		"POST " + BasePath + "/requests/:number/test-signature": {summary: "Test mode: sign with the test PKI and send", tag: "test",
			description: "Signs the draft with the test-PKI key of the session's consumer and sends it, as the signature endpoint does. " +
				"Exists in test mode only.",
			ok: 200, okContent: jsonContent(ref("Request")), errors: []int{401, 403, 404, 409, 502}},
		"GET " + BasePath + "/openapi.json": {summary: "This document", tag: "meta", ok: 200,
			okContent: jsonContent(map[string]any{"type": "object"})},
		"GET /healthz": {summary: "Liveness", tag: "meta", ok: 200, okContent: jsonContent(map[string]any{"type": "object"})},
		"GET /readyz": {summary: "Readiness: the store and the configured checks", tag: "meta", ok: 200,
			okContent: jsonContent(ref("Readiness")), errors: []int{503}},
		"GET /metrics": {summary: "Prometheus metrics", tag: "meta", ok: 200,
			okContent: map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}},
	}
	return ops
}

// ownPaths are the Path Items of the registered routes.
func (a *API) ownPaths() map[string]any {
	ops := a.operations()
	paths := map[string]any{}
	for _, r := range a.routes {
		op, ok := ops[r.method+" "+r.path]
		if !ok {
			op = operation{summary: r.method + " " + r.path, ok: 200}
		}
		o := map[string]any{"summary": op.summary, "operationId": operationID(r.method, r.path), "tags": []string{op.tag}}
		if op.description != "" {
			o["description"] = op.description
		}
		if op.body != nil {
			o["requestBody"] = map[string]any{"required": true, "content": op.body}
		}
		var params []any
		for _, m := range paramRE.FindAllStringSubmatch(r.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if r.session && !safeMethod(r.method) {
			o["security"] = []any{map[string]any{"session": []string{}, "csrf": []string{}}}
		} else if r.session {
			o["security"] = []any{map[string]any{"session": []string{}}}
		}
		if params != nil {
			o["parameters"] = params
		}
		resp := map[string]any{}
		okResp := map[string]any{"description": http.StatusText(op.ok)}
		if op.okContent != nil {
			okResp["content"] = op.okContent
		}
		resp[fmt.Sprint(op.ok)] = okResp
		for _, st := range op.errors {
			resp[fmt.Sprint(st)] = map[string]any{"$ref": "#/components/responses/" + responseName(st)}
		}
		o["responses"] = resp
		p := OpenAPIPath(r.path)
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		item[strings.ToLower(r.method)] = o
	}
	return paths
}

func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, seg := range splitPath(path) {
		seg = strings.NewReplacer(":", "by-", ".", "-").Replace(seg)
		for _, part := range strings.Split(seg, "-") {
			if part != "" {
				b.WriteString(strings.ToUpper(part[:1]) + part[1:])
			}
		}
	}
	return b.String()
}

var responseNames = map[int]string{400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
	413: "TooLarge", 415: "UnsupportedMediaType", 429: "TooManyRequests", 502: "BadGateway", 503: "NotReady"}

func responseName(status int) string { return responseNames[status] }

func problemResponses() map[string]any {
	out := map[string]any{}
	for st, name := range responseNames {
		var cs []string
		for c, info := range codes {
			if info.status == st {
				cs = append(cs, string(c))
			}
		}
		switch st {
		case 400:
			cs = append(cs, "XML_*", "SIG_*", "MSG_*", "CERT_*")
		case 502:
			cs = append(cs, string(fault.RouteUnavailable), string(fault.RouteBadAnswer), "...")
		}
		sort.Strings(cs)
		desc := http.StatusText(st) + ": application/problem+json; codes " + strings.Join(cs, ", ")
		schema := ref("Problem")
		if st == 503 {
			schema = ref("Readiness")
		}
		ct := "application/problem+json"
		if st == 503 {
			ct = "application/json"
		}
		out[name] = map[string]any{"description": desc, "content": map[string]any{ct: map[string]any{"schema": schema}}}
	}
	return out
}

// schemas are the API's component schemas.
func schemas() map[string]any {
	s := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	dt := func(desc string) map[string]any {
		return map[string]any{"type": "string", "format": "date-time", "description": desc}
	}
	ndt := func(desc string) map[string]any {
		return map[string]any{"type": "string", "format": "date-time", "nullable": true, "description": desc}
	}
	integer := func(desc string) map[string]any { return map[string]any{"type": "integer", "description": desc} }
	obj := func(required []string, props map[string]any) map[string]any {
		o := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			o["required"] = required
		}
		return o
	}
	statusEnum := map[string]any{"type": "string", "enum": []string{"DRAFT", "SENT", "IN_PROGRESS", "DONE", "REFUSED", "FAILED"}}
	answer := map[string]any{"type": "integer", "enum": []int{1, 2, 3}, "description": "1 not satisfied, 2 partially satisfied, 3 satisfied"}
	return map[string]any{
		"Problem": obj([]string{"type", "title", "status", "code", "titleKk", "titleRu"}, map[string]any{
			"type": s("urn:shepgate:api:CODE or urn:shepgate:fault:CODE"), "title": s("the code's text in English"),
			"status": integer("HTTP status"), "detail": s("what is wrong, in English"), "code": s("stable code"),
			"titleKk": s("the code's text in Kazakh"), "titleRu": s("the code's text in Russian"),
			"field": s("the invalid input field (API_VALIDATION)")}),
		"LoginRequest": obj([]string{"iin", "password"}, map[string]any{
			"iin": map[string]any{"type": "string", "pattern": "^[0-9]{12}$"}, "password": s("")}),
		"Session": obj([]string{"iin", "name", "csrfToken", "expiresAt"}, map[string]any{
			"iin": s(""), "name": s("the consumer's name"), "csrfToken": s("send it as " + CSRFHeader + " on every state-changing call"),
			"expiresAt": dt("the session ends then unless a call extends it")}),
		"Service": obj([]string{"id", "number", "nameKk", "nameRu"}, map[string]any{
			"id": s("ШЭП serviceId"), "number": integer("number in item 1 of Order 140-ө (1–10)"), "nameKk": s(""), "nameRu": s("")}),
		"SurveyQuestion": obj([]string{"id", "textKk", "textRu", "answers"}, map[string]any{
			"id": s("q1 or q2"), "textKk": s(""), "textRu": s(""),
			"answers": map[string]any{"type": "array", "items": obj([]string{"value", "textKk", "textRu"},
				map[string]any{"value": answer, "textKk": s(""), "textRu": s("")})}}),
		"CreateRequest": map[string]any{"type": "object", "additionalProperties": false, "required": []string{"serviceId"},
			"properties": map[string]any{
				"serviceId":  s("one of GET /api/v1/services"),
				"lang":       map[string]any{"type": "string", "enum": []string{"kk", "ru"}},
				"duplicate":  map[string]any{"type": "boolean", "description": "service 9 only: a duplicate of the SIK certificate"},
				"periodFrom": map[string]any{"type": "string", "format": "date", "description": "service 10 only (required): not before 1998-01-01"},
				"periodTo":   map[string]any{"type": "string", "format": "date", "description": "service 10 only (required): not after today (UTC+5)"},
			}},
		"Draft": obj([]string{"requestNumber", "serviceId", "status", "createdAt", "document"}, map[string]any{
			"requestNumber": s(""), "serviceId": s(""), "status": statusEnum, "createdAt": dt(""),
			"document": s("the request document (XML) to sign with an enveloped signature")}),
		"Step": obj([]string{"step", "nameKk", "nameRu", "startedAt", "endedAt", "durationMs", "normMs", "outcome"}, map[string]any{
			"step": s("the regulation's step"), "attempt": integer("ГЦВП's attempt"), "nameKk": s(""), "nameRu": s(""),
			"startedAt": dt(""), "endedAt": dt(""), "durationMs": integer(""), "normMs": integer("the regulation's norm (0: none)"),
			"outcome": map[string]any{"type": "string", "enum": []string{"ok", "refused", "error"}}, "code": s("refusal or error code")}),
		"Error":  obj([]string{"code", "titleKk", "titleRu"}, map[string]any{"code": s(""), "titleKk": s(""), "titleRu": s("")}),
		"Survey": obj([]string{"q1", "q2", "answeredAt"}, map[string]any{"q1": answer, "q2": answer, "answeredAt": dt("")}),
		"SurveyRequest": map[string]any{"type": "object", "additionalProperties": false, "required": []string{"q1", "q2"},
			"properties": map[string]any{"q1": answer, "q2": answer}},
		"Request": obj([]string{"iin", "requestNumber", "serviceId", "serviceNameKk", "serviceNameRu", "status", "statusKk", "statusRu",
			"createdAt", "submittedAt", "deadline", "steps"}, map[string]any{
			"iin": s(""), "requestNumber": s(""), "serviceId": s(""), "serviceNumber": integer(""), "serviceNameKk": s(""), "serviceNameRu": s(""),
			"lang": s(""), "duplicate": map[string]any{"type": "boolean"}, "periodFrom": s(""), "periodTo": s(""),
			"status": statusEnum, "statusKk": s(""), "statusRu": s(""),
			"messageId":    s("the ШЭП messageId"),
			"messageState": map[string]any{"type": "string", "enum": []string{"ON_DELIVERY", "DELIVERED", "NOT_DELIVERED", "DELIVERY_STOPPED"}},
			"createdAt":    dt(""), "submittedAt": ndt("null until sent"), "deadline": ndt("submittedAt + the regulation's total time"),
			"answeredAt": dt(""), "outcome": s("ASSIGNED, REFUSED (services 1–8), ISSUED, DUPLICATE (9), STATEMENT (10) or the refusal code"),
			"steps":       map[string]any{"type": "array", "items": ref("Step")},
			"refusalCode": s(""), "refusalKk": s(""), "refusalRu": s(""),
			"survey": ref("Survey"), "lastError": ref("Error")}),
		"RequestSummary": obj([]string{"requestNumber", "serviceId", "status", "createdAt"}, map[string]any{
			"requestNumber": s(""), "serviceId": s(""), "serviceNumber": integer(""), "serviceNameKk": s(""), "serviceNameRu": s(""),
			"status": statusEnum, "statusKk": s(""), "statusRu": s(""), "outcome": s(""),
			"createdAt": dt(""), "submittedAt": ndt(""), "deadline": ndt("")}),
		"Result": obj([]string{"requestNumber", "serviceId", "status", "kind", "outcome", "document"}, map[string]any{
			"requestNumber": s(""), "serviceId": s(""), "status": statusEnum,
			"kind":    map[string]any{"type": "string", "enum": []string{"InfoResponse", "SikResponse", "StatementResponse", "Refusal"}},
			"outcome": s(""), "refusalCode": s(""), "refusalKk": s(""), "refusalRu": s(""),
			"document": map[string]any{"type": "object", "additionalProperties": true,
				"description": "the document's fields by their XML names; row and document are arrays"}}),
		"Readiness": obj([]string{"ready", "checks"}, map[string]any{
			"ready": map[string]any{"type": "boolean"}, "checks": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
			"notReady": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}),
	}
}
