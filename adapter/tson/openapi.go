package tson

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/shepgate/shepgate/adapter/fault"
)

// The OpenAPI description of the ЦОН API is plain map[string]any values (JSON objects), the
// form that (*api.API).MergeOpenAPI takes: adapter/api serves one openapi.json for the whole
// process, and this package does not import it (nor it this package).
//
// MergeOpenAPI merges paths and component schemas only, so the session cookie and the CSRF
// header are described as cookie and header parameters of every operation that needs them,
// not as security schemes (the document's "session" and "csrf" schemes are the consumer
// API's), and the error answers are inline responses with the ЦОН's ConProblem schema (which
// lists the invalid fields), not the consumer API's shared responses. Every schema's name
// starts with "Con" so that it cannot clash with the consumer API's.

// OpenAPI returns the OpenAPI 3.0 Path Items of every route that Register mounts (keyed by
// OpenAPI path, e.g. "/api/v1/con/applications/{id}") and the component schemas they refer to
// ("#/components/schemas/ConApplication", ...), with the role's configured limits. The values
// are JSON objects (map[string]any), ready for (*api.API).MergeOpenAPI.
func (c *CON) OpenAPI() (paths, schemas map[string]any) {
	paths = map[string]any{}
	for _, op := range c.operations() {
		p := openAPIPath(op.path)
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		item[strings.ToLower(op.method)] = op.object()
	}
	return paths, c.schemas()
}

var routeParam = regexp.MustCompile(`:([A-Za-z]+)`)

// openAPIPath turns an echo route (":id") into an OpenAPI path ("{id}"), as api.OpenAPIPath.
func openAPIPath(echoPath string) string { return routeParam.ReplaceAllString(echoPath, "{$1}") }

// apiOperation describes one route of Register.
type apiOperation struct {
	method, path string // as Register mounts it
	id, tag      string
	summary      string
	description  string
	// session: the route needs the session cookie, and the CSRF header unless it is a GET.
	session bool
	// body is the request body's content (nil: none).
	body map[string]any
	// ok is the success status, okContent and okHeaders its content and headers (nil: none).
	ok        int
	okContent map[string]any
	okHeaders map[string]any
	// errors are the problem answers: status → what they mean (codes, when).
	errors map[int]string
}

// paramText describes the path parameters.
var paramText = map[string]string{
	"id":  "the application's id (a UUID, from POST " + BasePath + "/applications); another operator's application is not found",
	"doc": "the scan's id (a UUID, from POST " + BasePath + "/applications/{id}/documents)",
}

func (op apiOperation) object() map[string]any {
	o := map[string]any{"operationId": op.id, "summary": op.summary, "tags": []string{op.tag}}
	if op.description != "" {
		o["description"] = op.description
	}
	var params []any
	for _, m := range routeParam.FindAllStringSubmatch(op.path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "description": paramText[m[1]],
			"schema": map[string]any{"type": "string", "format": "uuid"}})
	}
	if op.session {
		params = append(params, map[string]any{"name": SessionCookie, "in": "cookie", "required": true,
			"description": "the session, set by POST " + BasePath + "/login (HttpOnly, SameSite=Strict, Path " + BasePath +
				"); without a live session the answer is 401 CON_AUTH_REQUIRED",
			"schema": map[string]any{"type": "string"}})
		if op.method != http.MethodGet {
			params = append(params, map[string]any{"name": CSRFHeader, "in": "header", "required": true,
				"description": "the session's csrfToken (from login or GET " + BasePath + "/session); without it the answer is 403 CON_CSRF_INVALID",
				"schema":      map[string]any{"type": "string"}})
		}
	}
	if params != nil {
		o["parameters"] = params
	}
	if op.body != nil {
		o["requestBody"] = map[string]any{"required": true, "content": op.body}
	}
	okResp := map[string]any{"description": http.StatusText(op.ok)}
	if op.okContent != nil {
		okResp["content"] = op.okContent
	}
	if op.okHeaders != nil {
		okResp["headers"] = op.okHeaders
	}
	resp := map[string]any{fmt.Sprint(op.ok): okResp}
	errs := map[int]string{http.StatusInternalServerError: "INTERNAL: an unexpected error (logged; no detail)"}
	if op.session {
		errs[http.StatusUnauthorized] = codeText(CodeAuthRequired)
		if op.method != http.MethodGet {
			errs[http.StatusForbidden] = codeText(CodeCSRFInvalid)
		}
	}
	for st, text := range op.errors {
		if prev, ok := errs[st]; ok && !strings.Contains(text, prev) {
			text = prev + "; " + text
		}
		errs[st] = text
	}
	for st, text := range errs {
		r := map[string]any{"description": http.StatusText(st) + ": application/problem+json; " + text,
			"content": map[string]any{"application/problem+json": map[string]any{"schema": schemaRef("ConProblem")}}}
		if st == http.StatusTooManyRequests {
			r["headers"] = map[string]any{"Retry-After": map[string]any{"description": "seconds until the login may be tried again",
				"schema": map[string]any{"type": "integer"}}}
		}
		resp[fmt.Sprint(st)] = r
	}
	o["responses"] = resp
	return o
}

// codeText is a code with its English text, e.g. "CON_NOT_FOUND (not found)".
func codeText(codes ...fault.Code) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = fmt.Sprintf("%s (%s)", c, TextOf(c).EN)
	}
	return strings.Join(out, ", ")
}

func schemaRef(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func jsonBody(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

func xmlBody(desc string) map[string]any {
	return map[string]any{"application/xml": map[string]any{"schema": map[string]any{"type": "string", "description": desc}}}
}

// refusalCodes are the codes of a check's refusals (answered 200 with the check recorded).
func refusalCodes(kind string) string {
	prefix := map[string]string{CheckConsumer: "CON_CONSUMER_", CheckPowerOfAttorney: "CON_POA_"}[kind]
	var cs []string
	for code, info := range codes {
		if info.status == http.StatusOK && strings.HasPrefix(string(code), prefix) {
			cs = append(cs, string(code))
		}
	}
	if kind == CheckConsumer {
		cs = append(cs, string(fault.SvcIINInvalid))
	}
	sort.Strings(cs)
	return strings.Join(cs, ", ")
}

// operations are the routes of Register, described.
func (c *CON) operations() []apiOperation {
	const upstreamText = "the check could not be made: the gateway, ГБД ФЛ or ЕНИС failed (ROUTE_UNAVAILABLE, ROUTE_BAD_ANSWER, ...); " +
		"it is recorded as ERROR and the operator may try again"
	notFound := map[int]string{http.StatusNotFound: codeText(CodeNotFound)}
	app := "/applications/:id"
	binary := map[string]any{"type": "string", "format": "binary"}
	return []apiOperation{
		{method: http.MethodPost, path: BasePath + "/login", id: "conLogin", tag: "con-session", summary: "Operator login (process 1)",
			description: fmt.Sprintf("Checks the operator's login and password (bcrypt) and sets the session cookie %s; the answer's "+
				"csrfToken goes in %s on every state-changing call. A session ends after %s without a call or %s after login. "+
				"%d failed logins within %s lock the login for %s (429 with Retry-After).",
				SessionCookie, CSRFHeader, c.opts.SessionIdle, c.opts.SessionMax, MaxFailedLogins, LoginLockout, LoginLockout),
			body: jsonBody(schemaRef("ConLoginRequest")), ok: http.StatusOK, okContent: jsonBody(schemaRef("ConSession")),
			okHeaders: map[string]any{"Set-Cookie": map[string]any{"description": SessionCookie + "=…; Path=" + BasePath + "; HttpOnly; SameSite=Strict",
				"schema": map[string]any{"type": "string"}}},
			errors: map[int]string{http.StatusBadRequest: codeText(CodeInputInvalid), http.StatusUnauthorized: codeText(CodeLoginFailed),
				http.StatusUnsupportedMediaType: codeText(CodeUnsupportedMedia), http.StatusTooManyRequests: codeText(CodeLoginLocked)}},
		{method: http.MethodPost, path: BasePath + "/logout", id: "conLogout", tag: "con-session", summary: "Operator logout",
			description: "Ends the session and deletes the cookie.", session: true, ok: http.StatusNoContent,
			okHeaders: map[string]any{"Set-Cookie": map[string]any{"description": "deletes " + SessionCookie + " (Max-Age=0)",
				"schema": map[string]any{"type": "string"}}}},
		{method: http.MethodGet, path: BasePath + "/session", id: "conSession", tag: "con-session",
			summary: "The session's operator and CSRF token", session: true, ok: http.StatusOK, okContent: jsonBody(schemaRef("ConSession"))},
		{method: http.MethodPost, path: BasePath + "/applications", id: "conCreateApplication", tag: "con-applications",
			summary: "Enter an application (process 2)",
			description: "The consumer, the statement's period (not before 1998-01-01, not after today in UTC+5) and, when a " +
				"representative acts, the representative; the power of attorney is entered only when it is notarised (otherwise " +
				"its scan is attached). Every invalid field is listed in the problem's errors. The application starts as DRAFT.",
			session: true, body: jsonBody(schemaRef("ConNewApplication")), ok: http.StatusCreated, okContent: jsonBody(schemaRef("ConApplication")),
			okHeaders: map[string]any{"Location": map[string]any{"description": "the application's URL", "schema": map[string]any{"type": "string"}}},
			errors:    map[int]string{http.StatusBadRequest: codeText(CodeInputInvalid), http.StatusUnsupportedMediaType: codeText(CodeUnsupportedMedia)}},
		{method: http.MethodGet, path: BasePath + "/applications", id: "conListApplications", tag: "con-applications",
			summary: "The operator's applications, newest first", session: true, ok: http.StatusOK,
			okContent: jsonBody(schemaRef("ConApplicationList"))},
		{method: http.MethodGet, path: BasePath + app, id: "conGetApplication", tag: "con-applications",
			summary: "An application and its status (processes 6–7)",
			description: "A SUBMITTED application is first brought up to date from the gateway: the channel's status of the request " +
				"and ГЦВП's answer when it has come (the application becomes ANSWERED and the result reaches the consumer's " +
				"cabinet). When the gateway cannot be asked, the application is answered as stored with channelError.",
			session: true, ok: http.StatusOK, okContent: jsonBody(schemaRef("ConApplication")), errors: notFound},
		{method: http.MethodPost, path: BasePath + app + "/checks/consumer", id: "conCheckConsumer", tag: "con-checks",
			summary: "Check the consumer in ГБД ФЛ (process 3)",
			description: "Asks ГБД ФЛ through the gateway (GBDFL_PERSON_BY_IIN): the IIN must be known, the person alive, the data " +
				"complete and the names entered theirs (case and Ё/Е aside). A refusal (process 4: " + refusalCodes(CheckConsumer) +
				") is answered 200 with the recorded check, and the application becomes REFUSED.",
			session: true, ok: http.StatusOK, okContent: jsonBody(schemaRef("ConCheckAnswer")),
			errors: map[int]string{http.StatusNotFound: codeText(CodeNotFound), http.StatusConflict: codeText(CodeState) + ": not a DRAFT",
				http.StatusBadGateway: upstreamText}},
		{method: http.MethodPost, path: BasePath + app + "/checks/power-of-attorney", id: "conCheckPowerOfAttorney", tag: "con-checks",
			summary: "Check the notarised power of attorney in ЕНИС (process 3)",
			description: "Asks ЕНИС through the gateway (ENIS_POWER_OF_ATTORNEY) for the power of attorney entered: ЕНИС must know " +
				"it for this consumer and this representative, in force today, not revoked, granting one of the powers " +
				strings.Join(c.opts.Scopes, ", ") + ". A refusal (process 4: " + refusalCodes(CheckPowerOfAttorney) +
				") is answered 200 with the recorded check, and the application becomes REFUSED.",
			session: true, ok: http.StatusOK, okContent: jsonBody(schemaRef("ConCheckAnswer")),
			errors: map[int]string{http.StatusNotFound: codeText(CodeNotFound),
				http.StatusConflict:   codeText(CodeState) + ": not a DRAFT, or no notarised power of attorney was entered",
				http.StatusBadGateway: upstreamText}},
		{method: http.MethodPost, path: BasePath + app + "/documents", id: "conUploadDocument", tag: "con-documents",
			summary: "Attach a scan of a presented document (process 5)",
			description: fmt.Sprintf("One scan per call: a PDF, PNG or JPEG file (recognised by its first bytes) of at most %d bytes; "+
				"at most %d scans per application. Its SHA-256 goes into the document the operator signs. Every application "+
				"needs a scan; a representative without a notarised power of attorney needs one of kind %s.",
				c.opts.MaxScanBytes, c.opts.MaxDocuments, KindPowerOfAttorney),
			session: true,
			body: map[string]any{"multipart/form-data": map[string]any{
				"schema": map[string]any{"type": "object", "required": []string{"kind", "paperPresented", "file"},
					"additionalProperties": false, "properties": map[string]any{
						"kind":           map[string]any{"type": "string", "enum": Kinds, "description": "what the document is"},
						"paperPresented": map[string]any{"type": "string", "enum": []string{"true", "false"}, "description": "whether the consumer presented the paper original"},
						"file": map[string]any{"type": "string", "format": "binary", "maxLength": c.opts.MaxScanBytes,
							"description": "the scan; its file name (base name, at most 255 characters) is kept"},
					}},
				"encoding": map[string]any{"file": map[string]any{"contentType": "application/pdf, image/png, image/jpeg"}},
			}},
			ok: http.StatusCreated, okContent: jsonBody(schemaRef("ConDocument")),
			errors: map[int]string{http.StatusBadRequest: codeText(CodeInputInvalid) + ": a part missing, unknown or invalid",
				http.StatusNotFound: codeText(CodeNotFound), http.StatusConflict: codeText(CodeState) + ": not a DRAFT, or the most scans already",
				http.StatusRequestEntityTooLarge: codeText(CodeScanTooLarge),
				http.StatusUnsupportedMediaType:  codeText(CodeUnsupportedMedia) + " (not multipart/form-data), " + codeText(CodeScanType)}},
		{method: http.MethodGet, path: BasePath + app + "/documents", id: "conListDocuments", tag: "con-documents",
			summary: "The application's scans", session: true, ok: http.StatusOK, okContent: jsonBody(schemaRef("ConDocumentList")), errors: notFound},
		{method: http.MethodGet, path: BasePath + app + "/documents/:doc", id: "conGetDocumentScan", tag: "con-documents",
			summary: "A scan as uploaded", session: true, ok: http.StatusOK,
			okContent: map[string]any{"application/pdf": map[string]any{"schema": binary}, "image/png": map[string]any{"schema": binary},
				"image/jpeg": map[string]any{"schema": binary}},
			okHeaders: map[string]any{"Content-Disposition": map[string]any{"description": "attachment; filename=… (the uploaded file name)",
				"schema": map[string]any{"type": "string"}}},
			errors: map[int]string{http.StatusNotFound: codeText(CodeNotFound) + ": no such application or scan"}},
		{method: http.MethodGet, path: BasePath + app + "/document", id: "conGetStatementDocument", tag: "con-submission",
			summary: "The document to sign (process 5)",
			description: "The StatementRequest of channel CON (consumer, period, representative, the power of attorney as ЕНИС " +
				"confirmed it, the scans with their SHA-256, operatorId the operator's login), to be signed with one enveloped " +
				"XMLDSig signature by the operator's certificate. The first call fixes its requestDate; later calls answer the " +
				"same document while the application does not change.",
			session: true, ok: http.StatusOK, okContent: xmlBody("the gcvp StatementRequest, unsigned"),
			okHeaders: map[string]any{"Shep-Request-Number": map[string]any{"description": "the document's requestNumber",
				"schema": map[string]any{"type": "string"}}},
			errors: map[int]string{http.StatusNotFound: codeText(CodeNotFound),
				http.StatusConflict: codeText(CodeState) + ": not a DRAFT, or not ready (the application's missing says what it lacks)"}},
		{method: http.MethodPost, path: BasePath + app + "/submit", id: "conSubmit", tag: "con-submission",
			summary: "Submit the signed document to ГЦВП (process 5)",
			description: fmt.Sprintf("The body is the document of GET …/document with one enveloped XMLDSig signature (at most %d "+
				"bytes). The signature must verify, chain to the trust roots, carry the operator's IIN, be made with one of the "+
				"operator's registered certificates and pass the НУЦ status check; the signed content must be exactly the "+
				"application's document. It is then sent to ГЦВП through the gateway as an async REQUEST and the application "+
				"becomes SUBMITTED; GET the application to follow it.", c.opts.MaxDocumentBytes),
			session: true,
			body: map[string]any{
				"application/xml": map[string]any{"schema": map[string]any{"type": "string", "description": "the signed StatementRequest"}},
				"text/xml":        map[string]any{"schema": map[string]any{"type": "string", "description": "the signed StatementRequest"}},
			},
			ok: http.StatusAccepted, okContent: jsonBody(schemaRef("ConSubmitAnswer")),
			errors: map[int]string{
				http.StatusBadRequest: "the document or its signature is invalid: XML_* (malformed, too large, ...), SIG_* (missing, " +
					"invalid, wrapped, ...), CERT_* (untrusted, expired, revoked, ...)",
				http.StatusForbidden:            codeText(CodeSignerNotOperator),
				http.StatusNotFound:             codeText(CodeNotFound),
				http.StatusConflict:             codeText(CodeState) + ": already submitted, not ready, or its document was never fetched",
				http.StatusUnsupportedMediaType: codeText(CodeUnsupportedMedia) + ": not application/xml or text/xml",
				http.StatusUnprocessableEntity:  codeText(CodeDocumentMismatch),
				http.StatusBadGateway:           "the gateway or the НУЦ failed (ROUTE_UNAVAILABLE, ROUTE_BAD_ANSWER, CERT_STATUS_UNAVAILABLE, ...); nothing was sent",
			}},
		{method: http.MethodGet, path: BasePath + app + "/result", id: "conGetResult", tag: "con-submission",
			summary: "ГЦВП's signed answer (processes 6–7)",
			description: "The statement (StatementResponse) or the refusal (Refusal) as ГЦВП signed it; the same answer reaches the " +
				"consumer's personal cabinet. GET the application first to fetch an answer that has come.",
			session: true, ok: http.StatusOK, okContent: xmlBody("the ГЦВП-signed StatementResponse or Refusal"),
			okHeaders: map[string]any{"Shep-Result-Kind": map[string]any{"description": "what the answer is",
				"schema": map[string]any{"type": "string", "enum": []string{ResultStatement, ResultRefusal}}}},
			errors: map[int]string{http.StatusNotFound: codeText(CodeNotFound), http.StatusConflict: codeText(CodeState) + ": no answer yet"}},
	}
}

// schemas are the component schemas of the ЦОН API.
func (c *CON) schemas() map[string]any {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	maxStr := func(max int, desc string) map[string]any {
		return map[string]any{"type": "string", "maxLength": max, "description": desc}
	}
	date := func(desc string) map[string]any {
		return map[string]any{"type": "string", "format": "date", "description": desc}
	}
	dateTime := func(desc string) map[string]any {
		return map[string]any{"type": "string", "format": "date-time", "description": desc}
	}
	enum := func(desc string, values ...string) map[string]any {
		return map[string]any{"type": "string", "enum": values, "description": desc}
	}
	integer := func(desc string) map[string]any {
		return map[string]any{"type": "integer", "format": "int64", "description": desc}
	}
	obj := func(required []string, props map[string]any) map[string]any {
		o := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			o["required"] = required
		}
		return o
	}
	closed := func(required []string, props map[string]any) map[string]any {
		o := obj(required, props)
		o["additionalProperties"] = false
		return o
	}
	arr := func(items map[string]any, desc string) map[string]any {
		return map[string]any{"type": "array", "items": items, "description": desc}
	}
	strings3 := func(desc string) map[string]any { return arr(map[string]any{"type": "string"}, desc) }
	iinSchema := map[string]any{"type": "string", "pattern": "^[0-9]{12}$", "description": "IIN: 12 digits with the date of birth and the check digit"}
	name := func(desc string) map[string]any {
		return maxStr(maxName, desc+": letters (Cyrillic, Kazakh, Latin), spaces, hyphens and apostrophes")
	}
	return map[string]any{
		"ConProblem": obj([]string{"type", "title", "status", "code", "titleKk", "titleRu"}, map[string]any{
			"type":    str("urn:shepgate:fault:CODE"),
			"title":   str("the code's text in English"),
			"status":  map[string]any{"type": "integer", "description": "the HTTP status"},
			"detail":  str("what is wrong, in English"),
			"code":    str("the stable code: CON_* of the ЦОН API, or adapter/fault's (SIG_*, CERT_*, XML_*, ROUTE_*, SVC_*, INTERNAL)"),
			"titleKk": str("the code's text in Kazakh"),
			"titleRu": str("the code's text in Russian"),
			"errors":  arr(schemaRef("ConFieldError"), string(CodeInputInvalid)+": every invalid field"),
		}),
		"ConFieldError": obj([]string{"field", "message", "messageKk", "messageRu"}, map[string]any{
			"field":     str("the field's JSON path (consumer.iin, powerOfAttorney.issueDate, ...) or the form part; empty for the whole body"),
			"message":   str("what is wrong, in English, with details"),
			"messageKk": str("what is wrong, in Kazakh"),
			"messageRu": str("what is wrong, in Russian"),
		}),
		"ConLoginRequest": closed([]string{"login", "password"}, map[string]any{
			"login":    maxStr(maxLogin, "the operator's login"),
			"password": str(fmt.Sprintf("at most %d bytes", maxPassword)),
		}),
		"ConOperator": obj([]string{"login", "iin", "lastName", "firstName"}, map[string]any{
			"login": str("also the operatorId of the requests the operator signs"), "iin": iinSchema,
			"lastName": str(""), "firstName": str(""), "middleName": str(""),
		}),
		"ConSession": obj([]string{"operator", "csrfToken", "expiresAt"}, map[string]any{
			"operator":  schemaRef("ConOperator"),
			"csrfToken": str("send it as " + CSRFHeader + " on every state-changing call"),
			"expiresAt": dateTime("the session ends then unless a call extends it (never later than the session's maximum)"),
		}),
		"ConPerson": closed([]string{"iin", "lastName", "firstName"}, map[string]any{
			"iin": iinSchema, "lastName": name("last name"), "firstName": name("first name"), "middleName": name("middle name (optional)"),
		}),
		"ConPowerOfAttorney": closed([]string{"number", "issueDate"}, map[string]any{
			"number":     maxStr(maxPoANumber, "the notarial power of attorney's number"),
			"issueDate":  date("not in the future"),
			"validUntil": date("optional; not before the issue date, not past"),
			"notaryName": maxStr(maxNotary, "the notary; required when entered (ЕНИС's answer may lack it)"),
		}),
		"ConNewApplication": closed([]string{"consumer", "periodFrom", "periodTo"}, map[string]any{
			"consumer":        schemaRef("ConPerson"),
			"periodFrom":      date("the statement's period: not before 1998-01-01"),
			"periodTo":        date("not before periodFrom, not after today (UTC+5)"),
			"lang":            enum("the result's language (optional)", "kk", "ru"),
			"representative":  schemaRef("ConPerson"),
			"powerOfAttorney": schemaRef("ConPowerOfAttorney"),
		}),
		"ConCheck": obj([]string{"kind", "at", "result"}, map[string]any{
			"kind":            enum("what was checked", CheckConsumer, CheckPowerOfAttorney),
			"at":              dateTime("when the check was made"),
			"result":          enum("PASSED: the data exist and agree; REFUSED: the data cannot be obtained (process 4); ERROR: the check could not be made", ResultPassed, ResultRefused, ResultError),
			"code":            str("why the check was refused or failed"),
			"messageKk":       str("the code's text in Kazakh"),
			"messageRu":       str("the code's text in Russian"),
			"detail":          str("what was found, in English"),
			"messageId":       str("the ШЭП messageId of the query"),
			"tookNs":          integer("how long the answer took, in nanoseconds"),
			"person":          schemaRef("ConPerson"),
			"powerOfAttorney": schemaRef("ConPowerOfAttorney"),
		}),
		"ConDocument": obj([]string{"id", "kind", "paperPresented", "fileName", "contentType", "size", "sha256", "uploadedAt"}, map[string]any{
			"id":             map[string]any{"type": "string", "format": "uuid"},
			"kind":           enum("what the document is", Kinds...),
			"paperPresented": map[string]any{"type": "boolean", "description": "the consumer presented the paper original"},
			"fileName":       str("the uploaded file's base name"),
			"contentType":    enum("recognised from the file's first bytes", "application/pdf", "image/png", "image/jpeg"),
			"size":           integer("bytes"),
			"sha256":         map[string]any{"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256 of the file, hex"},
			"uploadedAt":     dateTime(""),
		}),
		"ConSubmission": obj([]string{"requestId", "submittedAt", "signer", "signerCertificate"}, map[string]any{
			"requestId":         str("the messageId the gateway gave the async REQUEST"),
			"submittedAt":       dateTime(""),
			"signer":            str("the signing certificate's subject CN"),
			"signerCertificate": str("SHA-256 of the signing certificate's DER, hex"),
			"messageState":      enum("the channel's status of the REQUEST when last asked", "ON_DELIVERY", "DELIVERED", "NOT_DELIVERED", "DELIVERY_STOPPED"),
			"stateAt":           dateTime("when messageState was last asked"),
		}),
		"ConResult": obj([]string{"kind", "receivedAt", "messageId", "signer"}, map[string]any{
			"kind":           enum("the statement or a refusal", ResultStatement, ResultRefusal),
			"receivedAt":     dateTime(""),
			"messageId":      str("the answer's ШЭП messageId"),
			"code":           str("the refusal's code"),
			"messageKk":      str("the refusal's text in Kazakh"),
			"messageRu":      str("the refusal's text in Russian"),
			"documentNumber": str("the statement's unique number"),
			"rows":           integer("the statement's rows"),
			"totalTiyn":      integer("the statement's total, in tiyn"),
			"signer":         str("the subject of ГЦВП's signing certificate"),
		}),
		"ConApplication": obj([]string{"id", "requestNumber", "operator", "status", "created", "updated", "consumer", "periodFrom", "periodTo",
			"checks", "documents"}, map[string]any{
			"id":            map[string]any{"type": "string", "format": "uuid"},
			"requestNumber": str("the StatementRequest's requestNumber (CON-{id})"),
			"operator":      str("the login of the operator who entered it"),
			"status": enum("DRAFT: checks, scans, the document and the submission are ahead; REFUSED: a check refused (final); "+
				"SUBMITTED: sent to ГЦВП, the answer is awaited; ANSWERED: ГЦВП answered (final)",
				StatusDraft, StatusRefused, StatusSubmitted, StatusAnswered),
			"created": dateTime(""), "updated": dateTime(""),
			"consumer":        schemaRef("ConPerson"),
			"periodFrom":      date(""),
			"periodTo":        date(""),
			"lang":            enum("", "kk", "ru"),
			"representative":  schemaRef("ConPerson"),
			"powerOfAttorney": schemaRef("ConPowerOfAttorney"),
			"checks":          arr(schemaRef("ConCheck"), "every check made, in order"),
			"documents":       arr(schemaRef("ConDocument"), "the scans"),
			"preparedAt":      dateTime("when the document to sign was first produced: its requestDate"),
			"submission":      schemaRef("ConSubmission"),
			"result":          schemaRef("ConResult"),
			"missing":         strings3("DRAFT only: what the application lacks before its document can be signed, in English"),
			"missingKk":       strings3("the same in Kazakh"),
			"missingRu":       strings3("the same in Russian"),
			"channelError":    schemaRef("ConProblem"),
		}),
		"ConApplicationList": obj([]string{"applications"}, map[string]any{
			"applications": arr(schemaRef("ConApplication"), "newest first"),
		}),
		"ConDocumentList": obj([]string{"documents"}, map[string]any{
			"documents": arr(schemaRef("ConDocument"), "in the order of upload"),
		}),
		"ConCheckAnswer": obj([]string{"check", "application"}, map[string]any{
			"check": schemaRef("ConCheck"), "application": schemaRef("ConApplication"),
		}),
		"ConSubmitAnswer": obj([]string{"requestId", "application"}, map[string]any{
			"requestId":   str("the messageId the gateway gave the async REQUEST"),
			"application": schemaRef("ConApplication"),
		}),
	}
}
