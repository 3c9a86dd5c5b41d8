// Package api is the portal's JSON API for consumers (the e-government portal's side of Orders
// 140-ө and 485-ө-м): the screens of the regulations (§3.3 of the digests: fill in, send, sign,
// status with IIN, request number, service type, status, deadline and «Мәртебені жаңарту»,
// open, save as PDF) and the survey of quality and accessibility (§3.8), as HTTP under
// /api/v1, beside /healthz, /readyz and /metrics.
//
//	POST   /api/v1/session                       log in: {iin, password} → cookie sg_session
//	GET    /api/v1/session                       who is logged in, and the CSRF token
//	DELETE /api/v1/session                       log out
//	GET    /api/v1/services                      the ten ГЦВП e-services (public)
//	POST   /api/v1/requests                      a DRAFT request and its document to sign
//	GET    /api/v1/requests                      the consumer's requests
//	GET    /api/v1/requests/{number}             the status view; polls the gateway ("refresh")
//	POST   /api/v1/requests/{number}/signature   the signed document (XML) → sent to ГЦВП
//	POST   /api/v1/requests/{number}/test-signature   test mode: signed with the test PKI's key
//	GET    /api/v1/requests/{number}/result      the answer as JSON (.xml: ГЦВП-signed, .pdf)
//	POST   /api/v1/requests/{number}/survey      {q1, q2}, each 1–3, once per answered request
//	GET    /api/v1/openapi.json                  OpenAPI 3.0 description of all of it
//
// # Security
//
// A session is an HttpOnly, SameSite=Strict cookie holding 256 random bits; the server keeps its
// SHA-256 only, in memory, and ends it after Options.SessionTTL without a call. Every
// state-changing call carries the session's csrfToken in X-CSRF-Token; JSON bodies must be
// application/json (a cross-site form cannot send one). Passwords are bcrypt hashes; failed
// logins are limited per IIN (Options.LoginAttempts in Options.LoginWindow, then 429 with
// Retry-After), and a login for an IIN without an account takes as long as one with. The
// consumer's IIN is the session's, never the body's; another consumer's request is answered
// 404, as if it did not exist. The consumer's private key never reaches the portal: the
// consumer signs the draft and the API checks that what came back is that very draft with one
// enveloped signature (ГЦВП verifies the signature, the certificate and the IIN in it).
//
// # Interpretations
//
//   - Status: DRAFT (made, not signed), SENT (the gateway took it), IN_PROGRESS (delivered to
//     ГЦВП), DONE (a result), REFUSED (ГЦВП's signed refusal, regulation action 4), FAILED (the
//     gateway could not deliver it, or its answer was not authentic). A draft whose submission
//     is in flight is shown as DRAFT.
//   - Deadline: sent time plus the regulation's total time, 6 minutes for services 1–8 and 10
//     (the upper bound of "5–6 min"); regulation 9 states none, and the sum of the upper bounds
//     of its success path (255 s) is used.
//   - The survey is taken once the request is answered, DONE or REFUSED: a refusal is the
//     service's result too, and the survey asks about the process and its result.
//   - The gateway hands an answer out once: it is stored before the status view answers. A
//     refresh that cannot reach the gateway leaves the request as it was and says why in
//     lastError.
//
// # Accounts
//
// Consumers log in with IIN and password. Accounts come from Options.Accounts and from a JSON
// file of bcrypt hashes (Options.AccountsFile, format at AccountsFile). In test mode every
// fixture person of Options.FixturesFile (and every IIN the fixtures list as unknown to ГЦВП)
// has an account with the password "test-" and the IIN (TestPassword), e.g. 880512310210 /
// test-880512310210, and POST /api/v1/requests/{number}/test-signature signs with the
// fixture's test-PKI certificate.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/portal"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/shepasync"
	"github.com/shepgate/shepgate/wsdl"
)

// BasePath is the API's prefix.
const BasePath = "/api/v1"

// Defaults of Options.
const (
	// DefaultSessionTTL is how long a session lives without a call.
	DefaultSessionTTL = 30 * time.Minute
	// DefaultLoginAttempts is how many failed logins of one IIN DefaultLoginWindow allows.
	DefaultLoginAttempts = 5
	// DefaultLoginWindow is the window failed logins are counted in.
	DefaultLoginWindow = 15 * time.Minute
	// DefaultListLimit is how many requests GET /api/v1/requests returns at most.
	DefaultListLimit = 100
)

// Store is what the API keeps and reads: its own records (store.PortalRequests), ГЦВП's
// recorded steps of a request (by its ШЭП messageId) and readiness. store.Store is one.
type Store interface {
	store.PortalRequests
	Steps(ctx context.Context, id string) ([]store.RequestStep, error)
	Ping(ctx context.Context) error
}

// Gateway is the portal's side of the ШЭП async channel (*portal.Client is one).
type Gateway interface {
	SendAsync(ctx context.Context, serviceID string, signed *etree.Element) (string, error)
	Poll(ctx context.Context, serviceID, messageID string) (*portal.Answer, error)
	Status(ctx context.Context, messageID string) (*shepasync.AsyncGetMessageStatusResponse, error)
}

// Options configure the API.
type Options struct {
	// Store keeps the portal's records; required.
	Store Store
	// Gateway sends requests and fetches answers; required (a *portal.Client).
	Gateway Gateway
	// Accounts are the consumers' accounts, and AccountsFile a file of more (AccountsFile's
	// format). In TestMode, the fixture people of FixturesFile get accounts as well, with
	// TestPassword.
	Accounts     []Account
	AccountsFile string
	// TestMode creates the fixture people's accounts and mounts the test-signature endpoint,
	// which signs with the test PKI's keys (PKI). Never in production.
	TestMode     bool
	FixturesFile string
	PKI          *pki.PKI
	// Services are the serviceIds offered; default all ten of wsdl.Services().
	Services []string
	// SessionTTL is how long a session lives without a call; default DefaultSessionTTL.
	SessionTTL time.Duration
	// LoginAttempts failed logins of one IIN within LoginWindow lock it until the oldest
	// leaves the window; defaults DefaultLoginAttempts and DefaultLoginWindow.
	LoginAttempts int
	LoginWindow   time.Duration
	// SecureCookie sets the cookie's Secure attribute: set it whenever the API is reached over
	// HTTPS (always in production).
	SecureCookie bool
	// Limits bound a signed document's size and shape; zero fields take xmlsafe's defaults.
	Limits xmlsafe.Limits
	// Metrics are served at /metrics; nil makes new ones (API.Metrics returns them).
	Metrics *Metrics
	// ReadyChecks are checked by /readyz besides the store, by name.
	ReadyChecks map[string]func(context.Context) error
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// API is the consumer API. Register mounts it on an echo server.
type API struct {
	opts     Options
	store    Store
	gw       Gateway
	accounts map[string]*Account
	// testCerts names the test-PKI entry each fixture IIN signs with (TestMode).
	testCerts map[string]string
	services  []wsdl.Service
	sessions  *sessions
	logins    *limiter
	metrics   *Metrics
	log       *slog.Logger
	// locks serialise refreshes and submissions of one request within this process (the store's
	// compare-and-set keeps them right across processes).
	locks [64]sync.Mutex
	// extra are OpenAPI paths and schemas merged in by MergeOpenAPI.
	extraMu      sync.Mutex
	extraPaths   map[string]any
	extraSchemas map[string]any
	routes       []route
}

// New checks the options and prepares the API.
func New(opts Options) (*API, error) {
	if opts.Store == nil {
		return nil, errors.New("api: Options.Store is required")
	}
	if opts.Gateway == nil {
		return nil, errors.New("api: Options.Gateway is required")
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	if opts.LoginAttempts <= 0 {
		opts.LoginAttempts = DefaultLoginAttempts
	}
	if opts.LoginWindow <= 0 {
		opts.LoginWindow = DefaultLoginWindow
	}
	if opts.Limits.MaxBytes == 0 {
		opts.Limits = xmlsafe.DefaultLimits
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics()
	}
	a := &API{opts: opts, store: opts.Store, gw: opts.Gateway, accounts: map[string]*Account{}, testCerts: map[string]string{},
		sessions: newSessions(opts.SessionTTL), logins: newLimiter(opts.LoginAttempts, opts.LoginWindow),
		metrics: opts.Metrics, log: opts.Logger.With("role", "api")}
	offered := opts.Services
	for _, s := range wsdl.Services() {
		if len(offered) == 0 || slices.Contains(offered, s.ID) {
			a.services = append(a.services, s)
		}
	}
	for _, id := range offered {
		if !slices.ContainsFunc(a.services, func(s wsdl.Service) bool { return s.ID == id }) {
			return nil, fmt.Errorf("api: Options.Services: %q is not a ГЦВП e-service", id)
		}
	}
	accounts := append([]Account(nil), opts.Accounts...)
	if opts.AccountsFile != "" {
		more, err := ReadAccounts(opts.AccountsFile)
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, more...)
	}
	if opts.TestMode {
		if opts.PKI == nil {
			return nil, errors.New("api: test mode needs Options.PKI (the test PKI signs for the consumers)")
		}
		if opts.FixturesFile != "" {
			test, certs, err := testAccounts(opts.FixturesFile, opts.PKI)
			if err != nil {
				return nil, err
			}
			for _, t := range test {
				if !slices.ContainsFunc(accounts, func(x Account) bool { return x.IIN == t.IIN }) {
					accounts = append(accounts, t)
				}
			}
			a.testCerts = certs
		}
	}
	if err := checkAccounts(accounts); err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	for i := range accounts {
		a.accounts[accounts[i].IIN] = &accounts[i]
	}
	a.routes = a.routeTable()
	a.log.Info("consumer API ready", "accounts", len(a.accounts), "services", len(a.services), "testMode", opts.TestMode)
	return a, nil
}

// Mount makes the API and registers it on e.
func Mount(e *echo.Echo, opts Options) (*API, error) {
	a, err := New(opts)
	if err != nil {
		return nil, err
	}
	a.Register(e)
	return a, nil
}

// Metrics are the API's metrics (for other parts of the process to report to).
func (a *API) Metrics() *Metrics { return a.metrics }

// route is one registered route.
type route struct {
	method, path string
	handler      echo.HandlerFunc
	// session: the route needs a session (and, unless GET, the CSRF token).
	session bool
}

func (a *API) routeTable() []route {
	rs := []route{
		{http.MethodPost, BasePath + "/session", a.login, false},
		{http.MethodGet, BasePath + "/session", a.whoami, true},
		{http.MethodDelete, BasePath + "/session", a.logout, false},
		{http.MethodGet, BasePath + "/services", a.listServices, false},
		{http.MethodGet, BasePath + "/survey", a.surveyQuestions, false},
		{http.MethodPost, BasePath + "/requests", a.createRequest, true},
		{http.MethodGet, BasePath + "/requests", a.listRequests, true},
		{http.MethodGet, BasePath + "/requests/:number", a.getRequest, true},
		{http.MethodPost, BasePath + "/requests/:number/signature", a.submitSignature, true},
		{http.MethodGet, BasePath + "/requests/:number/result", a.resultJSON, true},
		{http.MethodGet, BasePath + "/requests/:number/result.xml", a.resultXML, true},
		{http.MethodGet, BasePath + "/requests/:number/result.pdf", a.resultPDF, true},
		{http.MethodPost, BasePath + "/requests/:number/survey", a.survey, true},
		{http.MethodGet, BasePath + "/openapi.json", a.openAPI, false},
		{http.MethodGet, "/healthz", a.healthz, false},
		{http.MethodGet, "/readyz", a.readyz, false},
		{http.MethodGet, "/metrics", echo.WrapHandler(a.metrics.Handler()), false},
	}
	if a.opts.TestMode {
		rs = append(rs, route{http.MethodPost, BasePath + "/requests/:number/test-signature", a.testSignature, true})
	}
	return rs
}

// Register mounts the API's routes on e, and the HTTP metrics middleware on the whole of e
// (every route of the process is counted by its template). Unknown paths and methods under
// /api/v1 are answered with problems (API_NOT_FOUND, API_METHOD_NOT_ALLOWED).
func (a *API) Register(e *echo.Echo) {
	e.Use(a.metrics.Middleware())
	for _, r := range a.routes {
		h := r.handler
		if r.session {
			h = a.requireSession(h)
		}
		e.Add(r.method, r.path, h)
	}
	// Anything else under /api/v1 is a problem, not echo's plain-text error.
	miss := func(c echo.Context) error {
		for _, r := range a.routes {
			if matches(r.path, c.Request().URL.Path) {
				return a.fail(c, newError(CodeMethod, c.Request().Method+" is not allowed on "+r.path))
			}
		}
		return a.fail(c, notFound("no route "+c.Request().URL.Path))
	}
	e.Any(BasePath+"/*", miss)
}

// matches reports whether path fits the route template (":x" matches one segment).
func matches(template, path string) bool {
	ts, ps := splitPath(template), splitPath(path)
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if len(ts[i]) > 0 && ts[i][0] == ':' {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if ts[i] != ps[i] {
			return false
		}
	}
	return true
}

// fail answers err as a problem (handlers return its result).
func (a *API) fail(c echo.Context, err error) error { return writeProblem(c, a.log, err) }

func (a *API) now() time.Time {
	if a.opts.Now != nil {
		return a.opts.Now()
	}
	return time.Now()
}

// lock serialises work on one request number in this process.
func (a *API) lock(number string) func() {
	var h uint32 = 2166136261
	for i := 0; i < len(number); i++ {
		h = (h ^ uint32(number[i])) * 16777619
	}
	m := &a.locks[h%uint32(len(a.locks))]
	m.Lock()
	return m.Unlock
}

func splitPath(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }
