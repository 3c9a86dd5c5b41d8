package enis

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shepgate/shepgate/adapter/population"
	genenis "github.com/shepgate/shepgate/generated/enis"
	"github.com/shepgate/shepgate/mocks/scenario"
)

// popNow is the reference date of the test population.
var popNow = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// testPopulation is a generated population with enough powers of attorney to have revoked ones.
var testPopulation = sync.OnceValue(func() *population.Population {
	return population.Generate(population.Options{Seed: 20260101, Size: 1000, Now: popNow})
})

// kazakhLetters are the letters of the Kazakh Cyrillic alphabet that Russian lacks.
const kazakhLetters = "ӘҒҚҢӨҰҮҺІәғқңөұүһі"

// dateIs reports whether d is the calendar date of t, or both are zero.
func dateIs(d Date, t time.Time) bool {
	if t.IsZero() {
		return d.IsZero()
	}
	return d == DateOf(t)
}

func nameIs(n *Name, want population.FullName) bool {
	return n != nil && *n == Name{Last: want.Last, First: want.First, Middle: want.Middle}
}

// checkPoA compares a converted power of attorney with the population's, field by field.
func checkPoA(t *testing.T, want population.PowerOfAttorney, got PowerOfAttorney, at time.Time) {
	t.Helper()
	no := want.Number
	fail := func(field string, g, w any) {
		t.Helper()
		t.Errorf("%s %s = %v, want %v", no, field, g, w)
	}
	if got.Number != want.Number || got.RegistryNumber != want.RegistryNumber {
		fail("numbers", [2]string{got.Number, got.RegistryNumber}, [2]string{want.Number, want.RegistryNumber})
	}
	if got.PrincipalIIN != want.PrincipalIIN || !nameIs(got.Principal, want.Principal) {
		fail("principal", got.PrincipalIIN+" "+strings.Join(names(got.Principal), " "), want.PrincipalIIN+" "+want.Principal.Last)
	}
	if got.RepresentativeIIN != want.RepresentativeIIN || !nameIs(got.Representative, want.Representative) {
		fail("representative", got.RepresentativeIIN+" "+strings.Join(names(got.Representative), " "), want.RepresentativeIIN+" "+want.Representative.Last)
	}
	n := want.Notary
	if !nameIs(&got.Notary.Name, n.Name) || got.Notary.LicenseNumber != n.LicenseNumber || got.Notary.Chamber != n.ChamberKK {
		fail("notary", got.Notary, n)
	}
	if !dateIs(got.IssueDate, want.IssueDate) || !dateIs(got.ValidFrom, want.ValidFrom) || !dateIs(got.ValidUntil, want.ValidUntil) {
		fail("dates", [3]Date{got.IssueDate, got.ValidFrom, got.ValidUntil}, [3]time.Time{want.IssueDate, want.ValidFrom, want.ValidUntil})
	}
	if len(got.Scope) != len(want.Scope) {
		fail("scope", got.Scope, want.Scope)
	} else {
		for i, p := range want.Scope {
			if got.Scope[i] != (Power{Code: p.Code, TextKK: p.TextKK, TextRU: p.TextRU}) {
				fail("scope", got.Scope[i], p)
			}
		}
	}
	revoked := want.Revoked && !want.RevocationDate.After(at)
	if got.Revoked != revoked || (revoked && !dateIs(got.RevocationDate, want.RevocationDate)) || (!revoked && !got.RevocationDate.IsZero()) {
		fail("revocation", [2]any{got.Revoked, got.RevocationDate}, [2]any{revoked, want.RevocationDate})
	}
	if err := got.Validate(); err != nil {
		t.Errorf("%s does not validate: %v", no, err)
	}
}

func names(n *Name) []string {
	if n == nil {
		return nil
	}
	return []string{n.Last, n.First, n.Middle}
}

func TestPopulationDirectoryAnswersEveryPoA(t *testing.T) {
	pop := testPopulation()
	poas := pop.PowersOfAttorney()
	if len(poas) == 0 {
		t.Fatal("the test population has no powers of attorney")
	}
	dir := PopulationDirectory(pop, time.Time{}) // zero: pop.Now()
	var revoked, kazakh int
	for _, want := range poas {
		got, err := dir.PowerOfAttorney(context.Background(), want.Number)
		if err != nil {
			t.Fatalf("%s: %v", want.Number, err)
		}
		checkPoA(t, want, got, popNow)
		if got.Revoked {
			revoked++
		}
		if strings.ContainsAny(strings.Join(names(got.Principal), "")+got.Notary.Name.Last+got.Notary.Chamber, kazakhLetters) {
			kazakh++
		}
		// ЕНИС's validity agrees with the population's, before, during and after.
		for _, d := range []time.Time{want.IssueDate.AddDate(0, 0, -1), want.IssueDate, popNow, want.ValidUntil,
			want.ValidUntil.AddDate(0, 0, 1), want.RevocationDate.AddDate(0, 0, -1), want.RevocationDate} {
			if d.IsZero() || d.Year() < 2000 || d.After(popNow) {
				continue
			}
			if g, w := got.ValidOn(d), want.ValidAt(d); g != w {
				t.Errorf("%s valid on %s = %v, the population says %v", want.Number, d.Format(time.DateOnly), g, w)
			}
		}
	}
	if revoked == 0 || kazakh == 0 {
		t.Fatalf("%d powers of attorney, %d revoked, %d with Kazakh letters; want some of each", len(poas), revoked, kazakh)
	}
}

func TestPopulationDirectoryRevokedAsOfAt(t *testing.T) {
	pop := testPopulation()
	var want population.PowerOfAttorney
	for _, a := range pop.PowersOfAttorney() {
		if a.Revoked {
			want = a
			break
		}
	}
	if want.Number == "" {
		t.Fatal("the test population has no revoked power of attorney")
	}
	ctx := context.Background()
	got, err := PopulationDirectory(pop, popNow).PowerOfAttorney(ctx, want.Number)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Revoked || got.RevocationDate != DateOf(want.RevocationDate) || got.ValidOn(popNow) {
		t.Fatalf("%s: revoked %v on %v, valid %v; want revoked on %s", want.Number, got.Revoked, got.RevocationDate,
			got.ValidOn(popNow), want.RevocationDate.Format(time.DateOnly))
	}
	// Before its revocation date ЕНИС has no revocation registered.
	before := want.RevocationDate.AddDate(0, 0, -1)
	got, err = PopulationDirectory(pop, before).PowerOfAttorney(ctx, want.Number)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revoked || !got.RevocationDate.IsZero() {
		t.Fatalf("%s at %s: revoked %v on %v, want not revoked yet", want.Number, before.Format(time.DateOnly), got.Revoked, got.RevocationDate)
	}
	checkPoA(t, want, got, before)
}

func TestPopulationDirectoryUnknownNumber(t *testing.T) {
	pop := testPopulation()
	_, err := PopulationDirectory(pop, popNow).PowerOfAttorney(context.Background(), "1999-0000000")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown number: err = %v, want ErrNotFound", err)
	}
	if _, err := PopulationDirectory(nil, popNow).PowerOfAttorney(context.Background(), pop.PowersOfAttorney()[0].Number); !errors.Is(err, ErrNotFound) {
		t.Fatalf("nil population: err = %v, want ErrNotFound", err)
	}
}

func TestPopulationDirectoryExtraTakesPrecedence(t *testing.T) {
	pop := testPopulation()
	ctx := context.Background()
	poas := pop.PowersOfAttorney()
	known := poas[0]
	override := Synthesize(known.Number, known.PrincipalIIN, known.RepresentativeIIN, popNow)
	override.Principal = &Name{Last: "ҚҰРМАНҒАЗЫ", First: "ӘЛІҢҮӨҺ"}
	other := Synthesize("EXTRA-1", known.PrincipalIIN, known.RepresentativeIIN, popNow)
	dir := PopulationDirectory(pop, popNow, override, other)
	got, err := dir.PowerOfAttorney(ctx, known.Number)
	if err != nil {
		t.Fatal(err)
	}
	if got.Principal == nil || *got.Principal != *override.Principal || got.Notary != DefaultNotary {
		t.Fatalf("got %v by %v, want the extra power of attorney", got.Principal, got.Notary.Name)
	}
	// The directory keeps its own copy.
	got.Principal.Last, got.Scope[0].Code = "changed", "changed"
	again, _ := dir.PowerOfAttorney(ctx, known.Number)
	if again.Principal.Last != override.Principal.Last || again.Scope[0].Code != GCVPInfo.Code {
		t.Fatalf("a caller's change reached the directory: %v %v", again.Principal, again.Scope)
	}
	if _, err := dir.PowerOfAttorney(ctx, other.Number); err != nil {
		t.Fatalf("an extra power of attorney outside the population: %v", err)
	}
	if len(poas) > 1 {
		got, err := dir.PowerOfAttorney(ctx, poas[1].Number)
		if err != nil {
			t.Fatal(err)
		}
		checkPoA(t, poas[1], got, popNow)
	}
}

// TestPopulationLookup follows a population's power of attorney through the mock's lookup (no
// scenario): found for its principal and representative, not found for others, and the wire
// form keeps the Kazakh letters.
func TestPopulationLookup(t *testing.T) {
	pop := testPopulation()
	var want population.PowerOfAttorney
	for _, a := range pop.PowersOfAttorney() {
		if strings.ContainsAny(a.Principal.Last+a.Notary.Name.Last, kazakhLetters) {
			want = a
			break
		}
	}
	if want.Number == "" {
		t.Fatal("no power of attorney with Kazakh letters in the names")
	}
	m := &ENIS{opts: Options{Directory: PopulationDirectory(pop, popNow)}}
	req := func(principal, representative string) exchange {
		p, r := genenis.IIN(principal), genenis.IIN(representative)
		return exchange{req: genenis.PowerOfAttorneyRequest{Number: want.Number, PrincipalIin: &p, RepresentativeIin: &r}}
	}
	got, found, err := m.lookup(context.Background(), req(want.PrincipalIIN, want.RepresentativeIIN), scenario.Scenario{}, popNow)
	if err != nil || !found {
		t.Fatalf("lookup = %v %v, want found", found, err)
	}
	w := toWire(got, popNow)
	if w.Principal.LastName != want.Principal.Last || w.Representative.FirstName != want.Representative.First ||
		w.Notary.Name.LastName != want.Notary.Name.Last || w.Notary.Chamber != want.Notary.ChamberKK {
		t.Errorf("wire names %v %v %v, want %v %v %v", w.Principal, w.Representative, w.Notary.Name,
			want.Principal, want.Representative, want.Notary.Name)
	}
	if w.Scope.Power[0].TextKk != want.Scope[0].TextKK {
		t.Errorf("wire scope text %q, want %q", w.Scope.Power[0].TextKk, want.Scope[0].TextKK)
	}
	if _, found, err := m.lookup(context.Background(), req(want.RepresentativeIIN, want.PrincipalIIN), scenario.Scenario{}, popNow); err != nil || found {
		t.Fatalf("lookup with the IINs swapped = %v %v, want not found", found, err)
	}
}
