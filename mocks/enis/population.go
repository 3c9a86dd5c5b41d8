package enis

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shepgate/shepgate/adapter/population"
)

// populationDirectory is the Directory of PopulationDirectory.
type populationDirectory struct {
	pop   *population.Population
	at    time.Time
	extra map[string]PowerOfAttorney
}

// PopulationDirectory returns a read-only Directory, safe for concurrent use, that answers
// from the powers of attorney of pop as ЕНИС would at the time at (zero: pop.Now()), each
// converted by FromPopulation. The extra powers of attorney take precedence over the
// population's for their numbers. A number that neither knows gives ErrNotFound (wrapped), as
// MemoryDirectory does. A nil pop answers only the extra powers of attorney.
func PopulationDirectory(pop *population.Population, at time.Time, extra ...PowerOfAttorney) Directory {
	if at.IsZero() && pop != nil {
		at = pop.Now()
	}
	d := &populationDirectory{pop: pop, at: at, extra: make(map[string]PowerOfAttorney, len(extra))}
	for _, a := range extra {
		d.extra[a.Number] = clonePoA(a)
	}
	return d
}

// PowerOfAttorney returns the extra power of attorney with the number, else the population's,
// else ErrNotFound.
func (d *populationDirectory) PowerOfAttorney(_ context.Context, number string) (PowerOfAttorney, error) {
	if a, ok := d.extra[number]; ok {
		return clonePoA(a), nil
	}
	if d.pop != nil {
		if a, ok := d.pop.PowerOfAttorney(number); ok {
			return FromPopulation(a, d.at), nil
		}
	}
	return PowerOfAttorney{}, fmt.Errorf("enis: number %q: %w", number, ErrNotFound)
}

// clonePoA copies what a points to, so that a caller cannot change the directory's copy.
func clonePoA(a PowerOfAttorney) PowerOfAttorney {
	if a.Principal != nil {
		n := *a.Principal
		a.Principal = &n
	}
	if a.Representative != nil {
		n := *a.Representative
		a.Representative = &n
	}
	a.Scope = slices.Clone(a.Scope)
	return a
}

// FromPopulation returns the population's power of attorney a as ЕНИС registers it at the
// time at: number, registry number, the principal's and the representative's IINs and
// Kazakh-form names, the notary (Kazakh-form name, licence, the chamber's Kazakh name), the
// issue date and validity dates, the scope (codes with Kazakh and Russian texts), and Revoked
// with the revocation date when a was revoked (or its principal died) on or before at — a
// revocation after at is not yet registered then.
func FromPopulation(a population.PowerOfAttorney, at time.Time) PowerOfAttorney {
	principal, representative := nameOf(a.Principal), nameOf(a.Representative)
	out := PowerOfAttorney{
		Number: a.Number, RegistryNumber: a.RegistryNumber,
		PrincipalIIN: a.PrincipalIIN, Principal: &principal,
		RepresentativeIIN: a.RepresentativeIIN, Representative: &representative,
		Notary:    Notary{Name: nameOf(a.Notary.Name), LicenseNumber: a.Notary.LicenseNumber, Chamber: a.Notary.ChamberKK},
		IssueDate: dateOf(a.IssueDate), ValidFrom: dateOf(a.ValidFrom), ValidUntil: dateOf(a.ValidUntil),
		Scope: make([]Power, len(a.Scope)),
	}
	for i, p := range a.Scope {
		out.Scope[i] = Power{Code: p.Code, TextKK: p.TextKK, TextRU: p.TextRU}
	}
	if a.Revoked && !a.RevocationDate.After(at) {
		out.Revoked, out.RevocationDate = true, dateOf(a.RevocationDate)
	}
	return out
}

func nameOf(n population.FullName) Name { return Name{Last: n.Last, First: n.First, Middle: n.Middle} }

// dateOf is DateOf, except that a zero t gives a zero Date.
func dateOf(t time.Time) Date {
	if t.IsZero() {
		return Date{}
	}
	return DateOf(t)
}
