package tson

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/pki"
)

// The test operator that a first start creates (TestOperatorSeed): the operator-1 person of
// the test PKI, registered at ГЦВП as con-op-1 (testdata/people.json).
const (
	TestOperatorLogin    = "con-op-1"
	TestOperatorPassword = "con-op-1-test-password"
)

// Session policy.
const (
	// SessionCookie is the session cookie's name (HttpOnly, SameSite=Strict, Path /api/v1/con).
	SessionCookie = "shepgate_con_session"
	// CSRFHeader carries the session's CSRF token on every state-changing call but login.
	CSRFHeader = "X-CSRF-Token"
	// DefaultSessionIdle ends a session after this long without a call.
	DefaultSessionIdle = 30 * time.Minute
	// DefaultSessionMax ends a session this long after login, however busy.
	DefaultSessionMax = 12 * time.Hour
	// MaxFailedLogins within LoginLockout lock a login for LoginLockout.
	MaxFailedLogins = 5
	// LoginLockout is the window and the duration of a login lock.
	LoginLockout = 15 * time.Minute
	// bcryptCost is the cost of stored password hashes.
	bcryptCost = 12
)

// Operator is a ЦОН operator who may log in, as stored in DataDir/tson/operators.json
// (mode 0600; the password only as a bcrypt hash).
type Operator struct {
	// Login is also the operatorId of the requests the operator signs (ГЦВП knows it).
	Login        string `json:"login"`
	PasswordHash string `json:"passwordHash"`
	IIN          string `json:"iin"`
	LastName     string `json:"lastName"`
	FirstName    string `json:"firstName"`
	MiddleName   string `json:"middleName,omitempty"`
	// Certificates are the SHA-256 fingerprints (hex, of the DER) of the signing certificates
	// the operator may sign requests with; empty accepts any certificate carrying the
	// operator's IIN that chains to the trust roots.
	Certificates []string `json:"certificates,omitempty"`
	Active       bool     `json:"active"`
}

// OperatorSeed is an operator to create on first start (when operators.json does not exist),
// with the password in clear; only its bcrypt hash is stored.
type OperatorSeed struct {
	Operator
	Password string
}

// TestOperatorSeed returns the test operator: operator-1 of the test PKI, login
// TestOperatorLogin, password TestOperatorPassword, pinned to the operator-1 certificate.
func TestOperatorSeed(p *pki.PKI) (OperatorSeed, error) {
	e, ok := p.Entry(pki.NameOperator1)
	cert, okc := p.Cert(pki.NameOperator1)
	if !ok || !okc {
		return OperatorSeed{}, fmt.Errorf("tson: the test PKI has no %s entry", pki.NameOperator1)
	}
	certIIN, _ := iin.FromCertificate(cert)
	var last, first string
	for _, n := range cert.Subject.Names {
		switch {
		case n.Type.Equal([]int{2, 5, 4, 4}):
			last, _ = n.Value.(string)
		case n.Type.Equal([]int{2, 5, 4, 42}):
			first, _ = n.Value.(string)
		}
	}
	if certIIN == "" || certIIN != e.IIN {
		return OperatorSeed{}, fmt.Errorf("tson: the %s certificate carries IIN %q, the index %q", pki.NameOperator1, certIIN, e.IIN)
	}
	return OperatorSeed{Operator: Operator{Login: TestOperatorLogin, IIN: e.IIN, LastName: last, FirstName: first,
		Certificates: []string{channel.Fingerprint(cert)}, Active: true}, Password: TestOperatorPassword}, nil
}

// operators is the operator registry.
type operators struct {
	byLogin map[string]Operator
	// dummy is compared against when a login is unknown, so that the answer takes as long.
	dummy []byte
}

type operatorsFile struct {
	Operators []Operator `json:"operators"`
}

// loadOperators reads path, creating it from seeds when it does not exist.
func loadOperators(path string, seeds []OperatorSeed) (*operators, bool, error) {
	var f operatorsFile
	created := false
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, false, fmt.Errorf("tson: %s: %w", path, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		for _, s := range seeds {
			if s.Password == "" || len(s.Password) > maxPassword {
				return nil, false, fmt.Errorf("tson: operator %q: the password must have 1–%d bytes", s.Login, maxPassword)
			}
			h, err := bcrypt.GenerateFromPassword([]byte(s.Password), bcryptCost)
			if err != nil {
				return nil, false, fmt.Errorf("tson: hash the password of %q: %w", s.Login, err)
			}
			o := s.Operator
			o.PasswordHash = string(h)
			f.Operators = append(f.Operators, o)
		}
		out, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			return nil, false, fmt.Errorf("tson: encode operators: %w", err)
		}
		if err := writeFileAtomic(path, append(out, '\n'), 0o600); err != nil {
			return nil, false, err
		}
		created = true
	default:
		return nil, false, fmt.Errorf("tson: read operators: %w", err)
	}
	ops := &operators{byLogin: map[string]Operator{}}
	for _, o := range f.Operators {
		if o.Login == "" || len(o.Login) > maxLogin {
			return nil, false, fmt.Errorf("tson: %s: an operator needs a login of at most %d characters", path, maxLogin)
		}
		if _, dup := ops.byLogin[o.Login]; dup {
			return nil, false, fmt.Errorf("tson: %s: login %q appears twice", path, o.Login)
		}
		if _, err := bcrypt.Cost([]byte(o.PasswordHash)); err != nil {
			return nil, false, fmt.Errorf("tson: %s: operator %q: the password hash is not a bcrypt hash: %w", path, o.Login, err)
		}
		if err := iin.Validate(o.IIN); err != nil {
			return nil, false, fmt.Errorf("tson: %s: operator %q: %w", path, o.Login, err)
		}
		ops.byLogin[o.Login] = o
	}
	ops.dummy, _ = bcrypt.GenerateFromPassword([]byte("no such operator"), bcryptCost)
	return ops, created, nil
}

// authenticate checks a login and password; every failure is the same error.
func (o *operators) authenticate(login, password string) (Operator, error) {
	op, ok := o.byLogin[login]
	hash := o.dummy
	if ok {
		hash = []byte(op.PasswordHash)
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	if !ok || err != nil || !op.Active {
		return Operator{}, newError(CodeLoginFailed, "login %q: unknown, wrong password or inactive", login)
	}
	return op, nil
}

// session is a logged-in operator.
type session struct {
	login   string
	csrf    string
	started time.Time
	seen    time.Time
}

// sessions are kept in memory, by the SHA-256 of their token (a restart ends them all).
type sessions struct {
	mu       sync.Mutex
	byHash   map[[32]byte]*session
	failures map[string][]time.Time
	idle     time.Duration
	max      time.Duration
}

func newSessions(idle, max time.Duration) *sessions {
	return &sessions{byHash: map[[32]byte]*session{}, failures: map[string][]time.Time{}, idle: idle, max: max}
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// locked reports how long login stays locked: it had MaxFailedLogins failures within
// LoginLockout (0: not locked).
func (s *sessions) locked(login string, now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	recent := slices.DeleteFunc(s.failures[login], func(t time.Time) bool { return now.Sub(t) > LoginLockout })
	s.failures[login] = recent
	if len(recent) == 0 {
		delete(s.failures, login)
	}
	if len(recent) < MaxFailedLogins {
		return 0
	}
	return recent[len(recent)-MaxFailedLogins].Add(LoginLockout).Sub(now)
}

func (s *sessions) failed(login string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) > 10000 { // bound the memory an attacker can fill with made-up logins
		clear(s.failures)
	}
	s.failures[login] = append(s.failures[login], now)
}

// start opens a session and returns its token.
func (s *sessions) start(login string, now time.Time) (string, *session) {
	token := randomToken()
	ss := &session{login: login, csrf: randomToken(), started: now, seen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.failures, login)
	for h, old := range s.byHash { // drop expired sessions now and then
		if s.expired(old, now) {
			delete(s.byHash, h)
		}
	}
	s.byHash[sha256.Sum256([]byte(token))] = ss
	return token, ss
}

func (s *sessions) expired(ss *session, now time.Time) bool {
	return now.Sub(ss.seen) > s.idle || now.Sub(ss.started) > s.max
}

// lookup returns the live session of token and marks it used.
func (s *sessions) lookup(token string, now time.Time) (*session, bool) {
	if token == "" {
		return nil, false
	}
	h := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byHash[h]
	if !ok {
		return nil, false
	}
	if s.expired(ss, now) {
		delete(s.byHash, h)
		return nil, false
	}
	ss.seen = now
	cp := *ss
	return &cp, true
}

func (s *sessions) end(token string) {
	h := sha256.Sum256([]byte(token))
	s.mu.Lock()
	delete(s.byHash, h)
	s.mu.Unlock()
}

// loginRequest is the body of POST /login.
type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// SessionInfo is the answer to login and GET /session.
type SessionInfo struct {
	Operator  OperatorInfo `json:"operator"`
	CSRFToken string       `json:"csrfToken"`
	ExpiresAt time.Time    `json:"expiresAt"`
}

// OperatorInfo is what the API tells about an operator.
type OperatorInfo struct {
	Login      string `json:"login"`
	IIN        string `json:"iin"`
	LastName   string `json:"lastName"`
	FirstName  string `json:"firstName"`
	MiddleName string `json:"middleName,omitempty"`
}

func infoOf(o Operator) OperatorInfo {
	return OperatorInfo{Login: o.Login, IIN: o.IIN, LastName: o.LastName, FirstName: o.FirstName, MiddleName: o.MiddleName}
}

func (c *CON) login(ec echo.Context) error {
	var req loginRequest
	if err := c.decodeJSON(ec, &req); err != nil {
		return c.problem(ec, err)
	}
	var v validator
	v.text("login", req.Login, true, maxLogin)
	if req.Password == "" {
		v.required("password")
	} else if len(req.Password) > maxPassword {
		v.add("password", fmt.Sprintf("has more than %d bytes", maxPassword),
			fmt.Sprintf("%d байттан аспауы тиіс", maxPassword), fmt.Sprintf("Не более %d байт", maxPassword))
	}
	if err := v.err(); err != nil {
		return c.problem(ec, err)
	}
	now := c.now()
	if wait := c.sessions.locked(req.Login, now); wait > 0 {
		ec.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return c.problem(ec, newError(CodeLoginLocked, "login %q: %d failed logins within %s", req.Login, MaxFailedLogins, LoginLockout))
	}
	op, err := c.operators.authenticate(req.Login, req.Password)
	if err != nil {
		c.sessions.failed(req.Login, now)
		return c.problem(ec, err)
	}
	token, ss := c.sessions.start(op.Login, now)
	ec.SetCookie(&http.Cookie{Name: SessionCookie, Value: token, Path: BasePath, HttpOnly: true, Secure: c.opts.SecureCookies,
		SameSite: http.SameSiteStrictMode})
	c.log.Info("operator logged in", "operator", op.Login)
	return ec.JSON(http.StatusOK, SessionInfo{Operator: infoOf(op), CSRFToken: ss.csrf, ExpiresAt: c.expiry(ss)})
}

func (c *CON) expiry(ss *session) time.Time {
	return minTime(ss.seen.Add(c.sessions.idle), ss.started.Add(c.sessions.max))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (c *CON) logout(ec echo.Context) error {
	if ck, err := ec.Cookie(SessionCookie); err == nil {
		c.sessions.end(ck.Value)
	}
	ec.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: BasePath, HttpOnly: true, Secure: c.opts.SecureCookies,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	c.log.Info("operator logged out", "operator", operatorOf(ec).Login)
	return ec.NoContent(http.StatusNoContent)
}

func (c *CON) session(ec echo.Context) error {
	ss := ec.Get(ctxSession).(*session)
	return ec.JSON(http.StatusOK, SessionInfo{Operator: infoOf(operatorOf(ec)), CSRFToken: ss.csrf, ExpiresAt: c.expiry(ss)})
}

// Context keys.
const (
	ctxSession  = "con.session"
	ctxOperator = "con.operator"
)

func operatorOf(ec echo.Context) Operator {
	o, _ := ec.Get(ctxOperator).(Operator)
	return o
}

// requireSession lets a call through with a live session of an active operator, and a
// state-changing call only with the session's CSRF token.
func (c *CON) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ec echo.Context) error {
		ck, err := ec.Cookie(SessionCookie)
		if err != nil {
			return c.problem(ec, newError(CodeAuthRequired, "no session cookie"))
		}
		ss, ok := c.sessions.lookup(ck.Value, c.now())
		if !ok {
			return c.problem(ec, newError(CodeAuthRequired, "the session has expired or ended"))
		}
		op, ok := c.operators.byLogin[ss.login]
		if !ok || !op.Active {
			c.sessions.end(ck.Value)
			return c.problem(ec, newError(CodeAuthRequired, "operator %q is no longer active", ss.login))
		}
		switch ec.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			got := ec.Request().Header.Get(CSRFHeader)
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ss.csrf)) != 1 {
				return c.problem(ec, newError(CodeCSRFInvalid, "the %s header is missing or wrong", CSRFHeader))
			}
		}
		ec.Set(ctxSession, ss)
		ec.Set(ctxOperator, op)
		return next(ec)
	}
}

// problem answers err as a problem.
func (c *CON) problem(ec echo.Context, err error) error { return writeProblem(ec, c.log, err) }
