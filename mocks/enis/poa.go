package enis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/shepgate/shepgate/adapter/iin"
)

// ErrNotFound is returned by a Directory that does not know a power of attorney number.
var ErrNotFound = errors.New("enis: no power of attorney with this number")

// Directory is where the mock finds powers of attorney. PowerOfAttorney returns ErrNotFound
// (possibly wrapped) for an unknown number; any other error is answered as an INTERNAL fault.
type Directory interface {
	PowerOfAttorney(ctx context.Context, number string) (PowerOfAttorney, error)
}

// Date is a calendar date; JSON reads and writes it as "2006-01-02".
type Date struct{ time.Time }

// NewDate returns the date y-m-d (UTC midnight).
func NewDate(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

// MarshalJSON writes the date as "2006-01-02", or null when it is zero.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.Format(time.DateOnly))
}

// UnmarshalJSON reads "2006-01-02" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date is a string such as \"2024-01-15\", got %s", b)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Errorf("%q is not a date such as \"2024-01-15\"", s)
	}
	*d = Date{t}
	return nil
}

// Name is a person's last, first and middle names.
type Name struct {
	Last   string `json:"last"`
	First  string `json:"first"`
	Middle string `json:"middle,omitempty"`
}

// Notary is the notary who certified a power of attorney.
type Notary struct {
	Name          Name   `json:"name"`
	LicenseNumber string `json:"licenseNumber"`
	// Chamber is the regional notarial chamber.
	Chamber string `json:"chamber,omitempty"`
}

// Power is one power granted; code ALL is a general power of attorney.
type Power struct {
	Code   string `json:"code"`
	TextKK string `json:"textKk,omitempty"`
	TextRU string `json:"textRu,omitempty"`
}

// PowerOfAttorney is a notarised power of attorney as ЕНИС registers it.
type PowerOfAttorney struct {
	Number            string `json:"number"`
	RegistryNumber    string `json:"registryNumber,omitempty"`
	PrincipalIIN      string `json:"principalIin"`
	Principal         *Name  `json:"principal,omitempty"`
	RepresentativeIIN string `json:"representativeIin"`
	Representative    *Name  `json:"representative,omitempty"`
	Notary            Notary `json:"notary"`
	IssueDate         Date   `json:"issueDate"`
	// ValidFrom is the start of validity (zero: from IssueDate).
	ValidFrom Date `json:"validFrom"`
	// ValidUntil is the end of validity, inclusive (zero: no end date stated).
	ValidUntil     Date    `json:"validUntil"`
	Scope          []Power `json:"scope"`
	Revoked        bool    `json:"revoked,omitempty"`
	RevocationDate Date    `json:"revocationDate"`
}

// ValidOn reports whether the power of attorney is in force on the calendar day of t: within
// its dates and not revoked (a revocation takes effect on its date).
func (p PowerOfAttorney) ValidOn(t time.Time) bool {
	day := DateOf(t).Time
	from := p.ValidFrom
	if from.IsZero() {
		from = p.IssueDate
	}
	if day.Before(from.Time) {
		return false
	}
	if !p.ValidUntil.IsZero() && day.After(p.ValidUntil.Time) {
		return false
	}
	if p.Revoked && (p.RevocationDate.IsZero() || !day.Before(p.RevocationDate.Time)) {
		return false
	}
	return true
}

// Validate reports what is wrong with p, or nil.
func (p PowerOfAttorney) Validate() error {
	switch {
	case strings.TrimSpace(p.Number) == "":
		return errors.New("number: is required")
	case iin.Validate(p.PrincipalIIN) != nil:
		return fmt.Errorf("principalIin: %w", iin.Validate(p.PrincipalIIN))
	case iin.Validate(p.RepresentativeIIN) != nil:
		return fmt.Errorf("representativeIin: %w", iin.Validate(p.RepresentativeIIN))
	case p.PrincipalIIN == p.RepresentativeIIN:
		return errors.New("representativeIin: must differ from principalIin")
	case p.Notary.Name.Last == "" || p.Notary.Name.First == "" || p.Notary.LicenseNumber == "":
		return errors.New("notary: name.last, name.first and licenseNumber are required")
	case p.IssueDate.IsZero():
		return errors.New("issueDate: is required")
	case !p.ValidUntil.IsZero() && p.ValidUntil.Before(p.IssueDate.Time):
		return errors.New("validUntil: is before issueDate")
	case len(p.Scope) == 0:
		return errors.New("scope: at least one power is required")
	case !p.Revoked && !p.RevocationDate.IsZero():
		return errors.New("revocationDate: is only for a revoked power of attorney")
	}
	for i, pw := range p.Scope {
		if pw.Code == "" {
			return fmt.Errorf("scope[%d].code: is required", i)
		}
	}
	return nil
}

// DefaultNotary certifies synthesized powers of attorney.
var DefaultNotary = Notary{Name: Name{Last: "Нотариусова", First: "Гүлнар", Middle: "Серікқызы"},
	LicenseNumber: "0001234", Chamber: "Нотариальная палата г. Астаны"}

// GCVPInfo is the power to obtain information from ГЦВП (service 10).
var GCVPInfo = Power{Code: "GCVP_INFO", TextKK: "ЗТМО-дан мәліметтер алу", TextRU: "Получение сведений в ГЦВП"}

// Synthesize returns a power of attorney with the given number between principal and
// representative, certified by DefaultNotary a month before now and valid for a year.
func Synthesize(number, principal, representative string, now time.Time) PowerOfAttorney {
	issued := DateOf(now.AddDate(0, -1, 0))
	return PowerOfAttorney{Number: number, RegistryNumber: "1-" + fmt.Sprint(now.Unix()%100000),
		PrincipalIIN: principal, RepresentativeIIN: representative, Notary: DefaultNotary,
		IssueDate: issued, ValidUntil: DateOf(issued.AddDate(1, 0, 0)), Scope: []Power{GCVPInfo}}
}

// MemoryDirectory is an in-memory Directory, safe for concurrent use.
type MemoryDirectory struct {
	mu  sync.RWMutex
	poa map[string]PowerOfAttorney
}

// NewMemoryDirectory returns a directory holding powers of attorney.
func NewMemoryDirectory(poas ...PowerOfAttorney) *MemoryDirectory {
	d := &MemoryDirectory{poa: map[string]PowerOfAttorney{}}
	for _, p := range poas {
		d.poa[p.Number] = p
	}
	return d
}

// Put adds or replaces a power of attorney.
func (d *MemoryDirectory) Put(p PowerOfAttorney) {
	d.mu.Lock()
	d.poa[p.Number] = p
	d.mu.Unlock()
}

// PowerOfAttorney returns the power of attorney with the number or ErrNotFound.
func (d *MemoryDirectory) PowerOfAttorney(_ context.Context, number string) (PowerOfAttorney, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	p, ok := d.poa[number]
	if !ok {
		return PowerOfAttorney{}, fmt.Errorf("enis: number %q: %w", number, ErrNotFound)
	}
	return p, nil
}
