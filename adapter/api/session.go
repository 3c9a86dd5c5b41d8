package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// CookieName is the session cookie: HttpOnly, SameSite=Strict, Path=/.
const CookieName = "sg_session"

// CSRFHeader carries the session's CSRF token on every state-changing call.
const CSRFHeader = "X-CSRF-Token"

// session is a logged-in consumer. Sessions live in memory: a restart logs everyone out.
type session struct {
	iin, name string
	csrf      string
	expires   time.Time
}

// sessions holds the sessions by the SHA-256 of their cookie value (the value itself is never
// kept, so a memory dump does not hand sessions out).
type sessions struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[[32]byte]*session
	// swept is when expired sessions were last dropped (at most once a minute, on a login).
	swept time.Time
}

func newSessions(ttl time.Duration) *sessions {
	return &sessions{ttl: ttl, m: map[[32]byte]*session{}}
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// create starts a session and returns its cookie value and a copy of it.
func (s *sessions) create(acc *Account, now time.Time) (string, session, error) {
	token, err := randomToken()
	if err != nil {
		return "", session{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", session{}, err
	}
	ss := &session{iin: acc.IIN, name: acc.Name, csrf: csrf, expires: now.Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) > time.Minute {
		for k, v := range s.m {
			if !now.Before(v.expires) {
				delete(s.m, k)
			}
		}
		s.swept = now
	}
	s.m[sha256.Sum256([]byte(token))] = ss
	return token, *ss, nil
}

// touch returns the session of token and extends it by the idle timeout; ok is false when
// there is none or it has expired.
func (s *sessions) touch(token string, now time.Time) (session, bool) {
	if token == "" {
		return session{}, false
	}
	key := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[key]
	if !ok {
		return session{}, false
	}
	if !now.Before(ss.expires) {
		delete(s.m, key)
		return session{}, false
	}
	ss.expires = now.Add(s.ttl)
	return *ss, true
}

// end ends the session of token.
func (s *sessions) end(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, sha256.Sum256([]byte(token)))
}

// cookie is the session cookie with value v (empty: a cookie that deletes it).
func (a *API) cookie(v string) *http.Cookie {
	c := &http.Cookie{Name: CookieName, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: a.opts.SecureCookie}
	if v == "" {
		c.MaxAge = -1
	}
	return c
}

// sessionKey is where the authenticated session sits in echo's context.
const sessionKey = "shepgate.api.session"

// requireSession answers 401 without a live session and 403 when a state-changing call lacks
// the session's CSRF token.
func (a *API) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(CookieName)
		if err != nil {
			return a.fail(c, newError(CodeUnauthenticated, "no session cookie "+CookieName+"; log in with POST /api/v1/session"))
		}
		ss, ok := a.sessions.touch(ck.Value, a.now())
		if !ok {
			return a.fail(c, newError(CodeUnauthenticated, "the session has expired or ended; log in again"))
		}
		if !safeMethod(c.Request().Method) && !sameToken(c.Request().Header.Get(CSRFHeader), ss.csrf) {
			return a.fail(c, newError(CodeCSRF, "the "+CSRFHeader+" header must carry the session's csrfToken"))
		}
		c.Set(sessionKey, ss)
		return next(c)
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// current is the session that requireSession found.
func current(c echo.Context) session {
	ss, _ := c.Get(sessionKey).(session)
	return ss
}
