package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// AdminPrefix is where the admin API is mounted.
const AdminPrefix = "/admin/mocks"

// ProblemContentType is the media type of the admin API's error answers (RFC 9457).
const ProblemContentType = "application/problem+json"

// MaxAdminBody bounds the body of an admin request.
const MaxAdminBody = 64 << 10

// Stable codes of the admin API's problem answers.
const (
	CodeMockNotFound     = "MOCK_NOT_FOUND"
	CodeScenarioNotFound = "MOCK_SCENARIO_NOT_FOUND"
	CodeFaultNotSet      = "MOCK_FAULT_NOT_SET"
	CodeKeyInvalid       = "MOCK_KEY_INVALID"
	CodeBodyInvalid      = "MOCK_BODY_INVALID"
	CodeScenarioInvalid  = "MOCK_SCENARIO_INVALID"
	CodeFaultInvalid     = "MOCK_FAULT_INVALID"
	CodeMediaType        = "MOCK_UNSUPPORTED_MEDIA_TYPE"
	CodeBodyTooLarge     = "MOCK_BODY_TOO_LARGE"
	CodeMethodNotAllowed = "MOCK_METHOD_NOT_ALLOWED"
)

var problemTitles = map[string]string{
	CodeMockNotFound:     "No such mock",
	CodeScenarioNotFound: "No scenario for this key",
	CodeFaultNotSet:      "No global fault is set",
	CodeKeyInvalid:       "Invalid scenario key",
	CodeBodyInvalid:      "Request body is not valid JSON for this resource",
	CodeScenarioInvalid:  "Invalid scenario",
	CodeFaultInvalid:     "Invalid fault",
	CodeMediaType:        "Unsupported media type",
	CodeBodyTooLarge:     "Request body too large",
	CodeMethodNotAllowed: "Method not allowed",
}

// Problem is an RFC 9457 problem detail with shepgate's stable code (and, for validation
// errors, the JSON path of the offending field).
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
}

// ProblemType returns the type URI of a code: urn:shepgate:problem:<code in lower case, - for _>.
func ProblemType(code string) string {
	return "urn:shepgate:problem:" + strings.ToLower(strings.ReplaceAll(code, "_", "-"))
}

// AdminOptions configure the admin API.
type AdminOptions struct {
	// Enabled mounts the API. It is off by default: the caller decides (for example on in test
	// mode, off otherwise). When off, Register mounts nothing and the routes answer 404.
	Enabled bool
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Admin is the admin HTTP API over some registries:
//
//	GET    /admin/mocks                         mocks and their outcomes
//	GET    /admin/mocks/<mock>                  outcomes, global fault, scenarios, statistics
//	GET    /admin/mocks/<mock>/scenarios        every scenario by key
//	PUT    /admin/mocks/<mock>/scenarios/<key>  set (201 when new, 200 when replaced) a Scenario
//	GET    /admin/mocks/<mock>/scenarios/<key>  the scenario (404 MOCK_SCENARIO_NOT_FOUND)
//	DELETE /admin/mocks/<mock>/scenarios/<key>  204, or 404 MOCK_SCENARIO_NOT_FOUND
//	GET    /admin/mocks/<mock>/fault            the global fault (404 MOCK_FAULT_NOT_SET)
//	PUT    /admin/mocks/<mock>/fault            set the global Fault (200)
//	DELETE /admin/mocks/<mock>/fault            clear it (204, also when none was set)
//	POST   /admin/mocks/<mock>/reset            drop every scenario and the global fault (204)
//
// Bodies are JSON (Content-Type application/json) in the shapes of Scenario and Fault; unknown
// fields are refused. Errors are application/problem+json Problems with a stable code.
type Admin struct {
	opts AdminOptions
	log  *slog.Logger
	regs map[string]*Registry
}

// NewAdmin returns the admin API over regs; two registries with one name are an error.
func NewAdmin(opts AdminOptions, regs ...*Registry) (*Admin, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	a := &Admin{opts: opts, log: opts.Logger.With("component", "mock-admin"), regs: map[string]*Registry{}}
	for _, r := range regs {
		if _, dup := a.regs[r.Name()]; dup {
			return nil, fmt.Errorf("scenario: two registries are named %q", r.Name())
		}
		a.regs[r.Name()] = r
	}
	return a, nil
}

// Enabled reports whether Register mounts the API.
func (a *Admin) Enabled() bool { return a.opts.Enabled }

// Register mounts the API on e when it is enabled, and does nothing otherwise.
func (a *Admin) Register(e *echo.Echo) {
	if !a.opts.Enabled {
		a.log.Debug("mock admin API disabled")
		return
	}
	g := e.Group(AdminPrefix)
	g.Any("", a.list)
	g.Any("/:mock", a.mock)
	g.Any("/:mock/scenarios", a.scenarios)
	g.Any("/:mock/scenarios/:key", a.scenario)
	g.Any("/:mock/fault", a.fault)
	g.Any("/:mock/reset", a.reset)
	a.log.Info("mock admin API enabled", "prefix", AdminPrefix, "mocks", slices.Sorted(maps.Keys(a.regs)))
}

type mockInfo struct {
	Name      string              `json:"name"`
	Outcomes  []Outcome           `json:"outcomes"`
	Fault     *Fault              `json:"fault,omitempty"`
	Scenarios map[string]Scenario `json:"scenarios,omitempty"`
	Stats     *Stats              `json:"stats,omitempty"`
}

// scenarioAnswer is the answer to a scenario PUT or GET.
type scenarioAnswer struct {
	Mock     string   `json:"mock"`
	Key      string   `json:"key"`
	Scenario Scenario `json:"scenario"`
}

func (a *Admin) list(c echo.Context) error {
	if !allow(c, http.MethodGet) {
		return a.notAllowed(c, http.MethodGet)
	}
	out := struct {
		Mocks []mockInfo `json:"mocks"`
	}{Mocks: []mockInfo{}}
	for _, name := range slices.Sorted(maps.Keys(a.regs)) {
		out.Mocks = append(out.Mocks, mockInfo{Name: name, Outcomes: a.regs[name].Outcomes()})
	}
	return c.JSON(http.StatusOK, out)
}

func (a *Admin) mock(c echo.Context) error {
	r, err := a.registry(c)
	if r == nil {
		return err
	}
	if !allow(c, http.MethodGet) {
		return a.notAllowed(c, http.MethodGet)
	}
	info := mockInfo{Name: r.Name(), Outcomes: r.Outcomes(), Scenarios: r.All()}
	if f, ok := r.Fault(); ok {
		info.Fault = &f
	}
	st := r.Stats()
	info.Stats = &st
	return c.JSON(http.StatusOK, info)
}

func (a *Admin) scenarios(c echo.Context) error {
	r, err := a.registry(c)
	if r == nil {
		return err
	}
	if !allow(c, http.MethodGet) {
		return a.notAllowed(c, http.MethodGet)
	}
	return c.JSON(http.StatusOK, struct {
		Mock      string              `json:"mock"`
		Scenarios map[string]Scenario `json:"scenarios"`
	}{r.Name(), r.All()})
}

func (a *Admin) scenario(c echo.Context) error {
	r, err := a.registry(c)
	if r == nil {
		return err
	}
	key, err := pathParam(c, "key")
	if err != nil {
		return a.problem(c, http.StatusBadRequest, CodeKeyInvalid, err.Error(), "")
	}
	switch c.Request().Method {
	case http.MethodGet:
		s, ok := r.Get(key)
		if !ok {
			return a.problem(c, http.StatusNotFound, CodeScenarioNotFound, fmt.Sprintf("%s has no scenario for key %q", r.Name(), key), "")
		}
		return c.JSON(http.StatusOK, scenarioAnswer{r.Name(), key, s})
	case http.MethodPut:
		if err := r.ValidateKey(key); err != nil {
			return a.problem(c, http.StatusBadRequest, CodeKeyInvalid, err.Error(), "")
		}
		var s Scenario
		if ok, err := a.decode(c, &s); !ok {
			return err
		}
		created, err := r.Set(key, s)
		if err != nil {
			return a.invalid(c, CodeScenarioInvalid, err)
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		stored, _ := r.Get(key)
		return c.JSON(status, scenarioAnswer{r.Name(), key, stored})
	case http.MethodDelete:
		if !r.Delete(key) {
			return a.problem(c, http.StatusNotFound, CodeScenarioNotFound, fmt.Sprintf("%s has no scenario for key %q", r.Name(), key), "")
		}
		return c.NoContent(http.StatusNoContent)
	}
	return a.notAllowed(c, http.MethodGet, http.MethodPut, http.MethodDelete)
}

func (a *Admin) fault(c echo.Context) error {
	r, err := a.registry(c)
	if r == nil {
		return err
	}
	switch c.Request().Method {
	case http.MethodGet:
		f, ok := r.Fault()
		if !ok {
			return a.problem(c, http.StatusNotFound, CodeFaultNotSet, r.Name()+" has no global fault", "")
		}
		return c.JSON(http.StatusOK, f)
	case http.MethodPut:
		var f Fault
		if ok, err := a.decode(c, &f); !ok {
			return err
		}
		if err := r.SetFault(f); err != nil {
			return a.invalid(c, CodeFaultInvalid, err)
		}
		return c.JSON(http.StatusOK, f)
	case http.MethodDelete:
		r.ClearFault()
		return c.NoContent(http.StatusNoContent)
	}
	return a.notAllowed(c, http.MethodGet, http.MethodPut, http.MethodDelete)
}

func (a *Admin) reset(c echo.Context) error {
	r, err := a.registry(c)
	if r == nil {
		return err
	}
	if !allow(c, http.MethodPost) {
		return a.notAllowed(c, http.MethodPost)
	}
	r.Reset()
	return c.NoContent(http.StatusNoContent)
}

// registry returns the registry named in the path, or nil after answering 404.
func (a *Admin) registry(c echo.Context) (*Registry, error) {
	name, err := pathParam(c, "mock")
	if err == nil {
		if r, ok := a.regs[name]; ok {
			return r, nil
		}
	}
	return nil, a.problem(c, http.StatusNotFound, CodeMockNotFound,
		fmt.Sprintf("no mock named %q; mocks here: %s", c.Param("mock"), strings.Join(slices.Sorted(maps.Keys(a.regs)), ", ")), "")
}

// pathParam returns a path parameter, unescaped (echo leaves it escaped when the request's
// path has escapes that differ from the default encoding, such as %2F).
func pathParam(c echo.Context, name string) (string, error) {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return v, nil
	}
	u, err := url.PathUnescape(v)
	if err != nil {
		return "", fmt.Errorf("path segment %q is not properly escaped", v)
	}
	return u, nil
}

// decode reads a JSON body into v; on failure it answers and returns false.
func (a *Admin) decode(c echo.Context, v any) (bool, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		return false, a.problem(c, http.StatusUnsupportedMediaType, CodeMediaType,
			fmt.Sprintf("Content-Type must be application/json, got %q", ct), "")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, MaxAdminBody+1))
	if err != nil {
		return false, a.problem(c, http.StatusBadRequest, CodeBodyInvalid, "cannot read the body: "+err.Error(), "")
	}
	if len(body) > MaxAdminBody {
		return false, a.problem(c, http.StatusRequestEntityTooLarge, CodeBodyTooLarge,
			fmt.Sprintf("the body exceeds %d bytes", MaxAdminBody), "")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		err = describeJSONError(err)
		field := ""
		var ve *ValidationError
		if errors.As(err, &ve) {
			field = ve.Field
		}
		return false, a.problem(c, http.StatusBadRequest, CodeBodyInvalid, err.Error(), field)
	}
	if dec.More() {
		return false, a.problem(c, http.StatusBadRequest, CodeBodyInvalid, "trailing data after the JSON object", "")
	}
	return true, nil
}

// invalid answers 422 with a validation error.
func (a *Admin) invalid(c echo.Context, code string, err error) error {
	field := ""
	var ve *ValidationError
	if errors.As(err, &ve) {
		field = ve.Field
	}
	return a.problem(c, http.StatusUnprocessableEntity, code, err.Error(), field)
}

func (a *Admin) notAllowed(c echo.Context, methods ...string) error {
	c.Response().Header().Set("Allow", strings.Join(methods, ", "))
	return a.problem(c, http.StatusMethodNotAllowed, CodeMethodNotAllowed,
		fmt.Sprintf("%s is not allowed here; use %s", c.Request().Method, strings.Join(methods, " or ")), "")
}

func (a *Admin) problem(c echo.Context, status int, code, detail, field string) error {
	p := Problem{Type: ProblemType(code), Title: problemTitles[code], Status: status, Detail: detail,
		Instance: c.Request().URL.Path, Code: code, Field: field}
	a.log.Info("admin request refused", "method", c.Request().Method, "path", c.Request().URL.Path, "code", code, "detail", detail)
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("scenario: encode problem: %w", err)
	}
	return c.Blob(status, ProblemContentType, b)
}

func allow(c echo.Context, methods ...string) bool {
	m := c.Request().Method
	return slices.Contains(methods, m) || (m == http.MethodHead && slices.Contains(methods, http.MethodGet))
}
