package api

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/pki"
)

// Account is a consumer's account at the portal: an IIN, the name shown after login and a
// bcrypt hash of the password (never the password itself).
type Account struct {
	IIN          string `json:"iin"`
	Name         string `json:"name"`
	PasswordHash string `json:"passwordHash"`
}

// AccountsFile is the format of Options.AccountsFile:
//
//	{"accounts": [
//	  {"iin": "880512310210", "name": "ӘБІЛҰЛЫ ҚАНАТ", "passwordHash": "$2a$10$..."}
//	]}
//
// passwordHash is a bcrypt hash (cost 10 or more is advised), as made by
// `htpasswd -nbBC 10 "" PASSWORD | cut -d: -f2` or golang.org/x/crypto/bcrypt; every IIN must
// have valid check digits and appear once.
type AccountsFile struct {
	Accounts []Account `json:"accounts"`
}

// TestPassword is the password of a fixture person's account in test mode: "test-" and the IIN.
func TestPassword(iinValue string) string { return "test-" + iinValue }

// ReadAccounts reads and checks an accounts file.
func ReadAccounts(path string) ([]Account, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("api: accounts: %w", err)
	}
	var f AccountsFile
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("api: accounts %s: %w", path, err)
	}
	if err := checkAccounts(f.Accounts); err != nil {
		return nil, fmt.Errorf("api: accounts %s: %w", path, err)
	}
	return f.Accounts, nil
}

func checkAccounts(as []Account) error {
	seen := map[string]bool{}
	for i, a := range as {
		if err := iin.Validate(a.IIN); err != nil {
			return fmt.Errorf("account %d: iin %q: %w", i+1, a.IIN, err)
		}
		if seen[a.IIN] {
			return fmt.Errorf("account %d: iin %s appears twice", i+1, a.IIN)
		}
		seen[a.IIN] = true
		if _, err := bcrypt.Cost([]byte(a.PasswordHash)); err != nil {
			return fmt.Errorf("account %d (%s): passwordHash is not a bcrypt hash: %w", i+1, a.IIN, err)
		}
	}
	return nil
}

// testAccounts makes the accounts of the fixture people (and of the IINs unknown to ГЦВП that
// the fixtures list) with TestPassword. The hashes use bcrypt's minimum cost: these passwords
// are public anyway, and test mode starts fast.
func testAccounts(path string, p *pki.PKI) ([]Account, map[string]string, error) {
	f, err := fixtures.Read(path)
	if err != nil {
		return nil, nil, fmt.Errorf("api: test accounts: %w", err)
	}
	certs := map[string]string{}
	var out []Account
	add := func(iinValue, name, cert string) error {
		h, err := bcrypt.GenerateFromPassword([]byte(TestPassword(iinValue)), bcrypt.MinCost)
		if err != nil {
			return fmt.Errorf("api: test account %s: %w", iinValue, err)
		}
		out = append(out, Account{IIN: iinValue, Name: name, PasswordHash: string(h)})
		certs[iinValue] = cert
		return nil
	}
	for _, fp := range f.People {
		if err := add(fp.IIN, strings.Join(nonEmpty(fp.LastName, fp.FirstName, fp.MiddleName), " "), fp.Certificate); err != nil {
			return nil, nil, err
		}
	}
	for _, a := range f.Absent {
		name := a.IIN
		if p != nil {
			if e, ok := p.Entry(a.Certificate); ok && e.CertIIN == a.IIN && e.Owner != "" {
				name = e.Owner
			}
		}
		if err := add(a.IIN, name, a.Certificate); err != nil {
			return nil, nil, err
		}
	}
	return out, certs, nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// dummyHash is compared against when the IIN has no account, so that a login takes as long
// whether the account exists or not.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such account"), bcrypt.DefaultCost)
	return h
})

// checkPassword reports whether password is the account's; acc may be nil.
func checkPassword(acc *Account, password string) bool {
	if acc == nil {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(acc.PasswordHash), []byte(password)) == nil
}

// limiter counts failed logins per IIN: after max failures within window, the IIN is locked
// until the oldest of them leaves the window.
type limiter struct {
	mu       sync.Mutex
	max      int
	window   time.Duration
	failures map[string][]time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, failures: map[string][]time.Time{}}
}

// locked returns how long the IIN stays locked (0: it is not).
func (l *limiter) locked(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs := l.recent(key, now)
	if len(fs) < l.max {
		return 0
	}
	return fs[len(fs)-l.max].Add(l.window).Sub(now)
}

// fail records a failed login.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures[key] = append(l.recent(key, now), now)
	if len(l.failures) > 100_000 {
		for k := range l.failures {
			if len(l.recent(k, now)) == 0 {
				delete(l.failures, k)
			}
		}
	}
}

// succeed forgets the IIN's failures.
func (l *limiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

// recent drops failures outside the window; l.mu is held.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	fs := l.failures[key]
	i := 0
	for i < len(fs) && !fs[i].After(now.Add(-l.window)) {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.failures, key)
	} else {
		l.failures[key] = fs
	}
	return fs
}

// sameToken compares two tokens in constant time.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
