package gbdfl

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/population"
	"github.com/shepgate/shepgate/mocks/scenario"
)

// popNow is the reference date of the test population.
var popNow = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// testPopulation is a small generated population with deceased persons and Kazakh names.
var testPopulation = sync.OnceValue(func() *population.Population {
	return population.Generate(population.Options{Seed: 20260101, Size: 400, Now: popNow})
})

// kazakhLetters are the letters of the Kazakh Cyrillic alphabet that Russian lacks.
const kazakhLetters = "ӘҒҚҢӨҰҮҺІәғқңөұүһі"

func day(t time.Time) Date {
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

func TestPopulationDirectoryAnswersEveryPerson(t *testing.T) {
	pop := testPopulation()
	dir := PopulationDirectory(pop, time.Time{}) // zero: pop.Now()
	ctx := context.Background()
	var deceased, kazakh int
	for want := range pop.All() {
		got, err := dir.Person(ctx, want.IIN)
		if err != nil {
			t.Fatalf("%s: %v", want.IIN, err)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("%s: the converted person does not validate: %v", want.IIN, err)
		}
		checkPerson(t, want, got, popNow)
		if got.Deceased {
			deceased++
		}
		if strings.ContainsAny(got.Name.Last+got.Name.First+got.Name.Middle, kazakhLetters) {
			kazakh++
		}
	}
	if deceased == 0 || kazakh == 0 {
		t.Fatalf("the test population has %d deceased persons and %d with Kazakh letters; want some of each", deceased, kazakh)
	}
}

// checkPerson compares a converted person with the population's, field by field.
func checkPerson(t *testing.T, want population.Person, got Person, at time.Time) {
	t.Helper()
	id := want.IIN
	eq := func(field string, g, w any) {
		t.Helper()
		if g != w {
			t.Errorf("%s %s = %v, want %v", id, field, g, w)
		}
	}
	eq("iin", got.IIN, want.IIN)
	eq("name", got.Name, Name{Last: want.NameKK.Last, First: want.NameKK.First, Middle: want.NameKK.Middle})
	eq("latin name", got.LatinName, Name{Last: want.NameLatin.Last, First: want.NameLatin.First})
	eq("birth date", got.BirthDate, day(want.BirthDate))
	eq("sex", got.Sex, want.Sex)
	if got.Nationality == nil {
		t.Errorf("%s: no nationality", id)
	} else {
		eq("nationality", *got.Nationality, Dict{want.Nationality.Code, want.Nationality.NameRU, want.Nationality.NameKK})
	}
	eq("citizenship", got.Citizenship, Dict{want.Citizenship.Code, want.Citizenship.NameRU, want.Citizenship.NameKK})
	eq("birth place country", got.BirthPlace.Country, Kazakhstan)
	eq("birth place city", got.BirthPlace.City, want.BirthPlace.CityKK)
	if r := got.BirthPlace.Region; r == nil || *r != (Dict{want.BirthPlace.RegionCode, want.BirthPlace.RegionRU, want.BirthPlace.RegionKK}) {
		t.Errorf("%s birth place region = %v, want %s", id, r, want.BirthPlace.RegionRU)
	}
	a := got.Address
	eq("address country", a.Country, Kazakhstan)
	if r := a.Region; r == nil || *r != (Dict{want.Address.RegionCode, want.Address.RegionRU, want.Address.RegionKK}) {
		t.Errorf("%s address region = %v, want %s", id, r, want.Address.RegionRU)
	}
	eq("address city", a.City, want.Address.CityKK)
	eq("address street", a.Street, want.Address.StreetKK)
	eq("address building", a.Building, want.Address.Building)
	eq("address flat", a.Flat, want.Address.Flat)
	eq("address since", a.Since, day(want.Address.Since))
	d, wd := got.Document, want.Document
	eq("document number", d.Number, wd.Number)
	eq("document type names", [2]string{d.Type.NameRU, d.Type.NameKK}, [2]string{wd.TypeRU, wd.TypeKK})
	eq("document type code", d.Type.Code, documentTypes[wd.Type])
	eq("document issued", d.Issued, day(wd.IssueDate))
	if wd.ExpiryDate.IsZero() {
		eq("document expires", d.Expires.IsZero(), true)
	} else {
		eq("document expires", d.Expires, day(wd.ExpiryDate))
	}
	eq("document issuer", [2]string{d.Issuer.NameRU, d.Issuer.NameKK}, [2]string{wd.IssuerRU, wd.IssuerKK})
	dead := want.Deceased(at)
	eq("deceased", got.Deceased, dead)
	if dead {
		eq("death date", got.DeathDate, day(want.DeathDate))
		if want.DeathCertificate != nil {
			eq("death certificate", got.DeathCertificate, want.DeathCertificate.Number)
		}
	} else {
		eq("death date", got.DeathDate.IsZero(), true)
		eq("death certificate", got.DeathCertificate, "")
	}
}

func TestPopulationDirectoryDeathAsOfAt(t *testing.T) {
	pop := testPopulation()
	var dead population.Person
	for p := range pop.All() {
		if p.Deceased(popNow) && p.DeathCertificate != nil {
			dead = p
			break
		}
	}
	if dead.IIN == "" {
		t.Fatal("the test population has no deceased person with a death certificate")
	}
	ctx := context.Background()
	got, err := PopulationDirectory(pop, popNow).Person(ctx, dead.IIN)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Deceased || got.DeathDate != day(dead.DeathDate) || got.DeathCertificate != dead.DeathCertificate.Number {
		t.Fatalf("at %s: deceased %v %v %q, want true %v %q", popNow.Format(time.DateOnly), got.Deceased, got.DeathDate,
			got.DeathCertificate, day(dead.DeathDate), dead.DeathCertificate.Number)
	}
	// The day before the death the person is alive.
	before := dead.DeathDate.AddDate(0, 0, -1)
	got, err = PopulationDirectory(pop, before).Person(ctx, dead.IIN)
	if err != nil {
		t.Fatal(err)
	}
	if got.Deceased || !got.DeathDate.IsZero() || got.DeathCertificate != "" {
		t.Fatalf("at %s (the day before the death): deceased %v %v %q, want a living person", before.Format(time.DateOnly),
			got.Deceased, got.DeathDate, got.DeathCertificate)
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
}

// unknownIIN returns a valid IIN that pop does not hold.
func unknownIIN(t *testing.T, pop *population.Population) string {
	t.Helper()
	for serial := 1; serial < 1000; serial++ {
		id, err := iin.Make(time.Date(1970, 3, 8, 0, 0, 0, 0, time.UTC), false, serial)
		if err != nil {
			continue
		}
		if _, ok := pop.Person(id); !ok {
			return id
		}
	}
	t.Fatal("no unknown IIN")
	return ""
}

func TestPopulationDirectoryUnknownIIN(t *testing.T) {
	pop := testPopulation()
	id := unknownIIN(t, pop)
	_, err := PopulationDirectory(pop, popNow).Person(context.Background(), id)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown IIN %s: err = %v, want ErrNotFound", id, err)
	}
	// The mock answers it NOT_FOUND (no scenario), as for MemoryDirectory.
	g := &GBDFL{opts: Options{Directory: PopulationDirectory(pop, popNow)}, log: slog.Default()}
	result, person, err := g.lookup(context.Background(), id, scenario.Scenario{})
	if err != nil || result != ResultNotFound || person != nil {
		t.Fatalf("lookup of an unknown IIN = %s %v %v, want NOT_FOUND", result, person, err)
	}
	// A nil population knows nobody.
	if _, err := PopulationDirectory(nil, popNow).Person(context.Background(), pop.At(0).IIN); !errors.Is(err, ErrNotFound) {
		t.Fatalf("nil population: err = %v, want ErrNotFound", err)
	}
}

func TestPopulationDirectoryExtraTakesPrecedence(t *testing.T) {
	pop := testPopulation()
	ctx := context.Background()
	known := pop.At(0)
	override, err := Synthesize(known.IIN)
	if err != nil {
		t.Fatal(err)
	}
	override.Name = Name{Last: "ҚҰРМАНҒАЗЫ", First: "ӘЛІҢҮӨҺ", Middle: "ҒАЛЫМҰЛЫ"}
	other, err := Synthesize(unknownIIN(t, pop))
	if err != nil {
		t.Fatal(err)
	}
	dir := PopulationDirectory(pop, popNow, override, other)
	got, err := dir.Person(ctx, known.IIN)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != override.Name {
		t.Fatalf("name = %v, want the extra person's %v", got.Name, override.Name)
	}
	if _, err := dir.Person(ctx, other.IIN); err != nil {
		t.Fatalf("an extra person outside the population: %v", err)
	}
	// The directory keeps its own copy.
	got.Nationality.NameKK = "changed"
	again, _ := dir.Person(ctx, known.IIN)
	if again.Nationality.NameKK != Kazakh.NameKK {
		t.Fatalf("a caller's change reached the directory: %q", again.Nationality.NameKK)
	}
	// The others still come from the population.
	second := pop.At(1)
	got, err = dir.Person(ctx, second.IIN)
	if err != nil {
		t.Fatal(err)
	}
	checkPerson(t, second, got, popNow)
}

// TestPopulationWireKeepsKazakhLetters follows a person with Kazakh letters through the mock's
// lookup to the generated ГБД ФЛ type.
func TestPopulationWireKeepsKazakhLetters(t *testing.T) {
	pop := testPopulation()
	var want population.Person
	for p := range pop.All() {
		if strings.ContainsAny(p.NameKK.Last, kazakhLetters) && strings.ContainsAny(p.Address.StreetKK+p.Address.CityKK, kazakhLetters) {
			want = p
			break
		}
	}
	if want.IIN == "" {
		t.Fatal("no person with Kazakh letters in the surname and the address")
	}
	g := &GBDFL{opts: Options{Directory: PopulationDirectory(pop, popNow)}, log: slog.Default()}
	result, w, err := g.lookup(context.Background(), want.IIN, scenario.Scenario{})
	if err != nil || result != ResultFound {
		t.Fatalf("lookup = %s %v", result, err)
	}
	if w.Surname != want.NameKK.Last || w.Name != want.NameKK.First || w.Patronymic != want.NameKK.Middle {
		t.Errorf("wire name %q %q %q, want %q %q %q", w.Surname, w.Name, w.Patronymic, want.NameKK.Last, want.NameKK.First, want.NameKK.Middle)
	}
	if w.RegAddress.Street != want.Address.StreetKK || w.RegAddress.City != want.Address.CityKK {
		t.Errorf("wire address %q %q, want %q %q", w.RegAddress.City, w.RegAddress.Street, want.Address.CityKK, want.Address.StreetKK)
	}
	if w.RegAddress.Region == nil || w.RegAddress.Region.NameKz != want.Address.RegionKK {
		t.Errorf("wire region %v, want %q", w.RegAddress.Region, want.Address.RegionKK)
	}
	if w.EngSurname != want.NameLatin.Last || w.EngFirstName != want.NameLatin.First {
		t.Errorf("wire Latin name %q %q, want %q %q", w.EngSurname, w.EngFirstName, want.NameLatin.Last, want.NameLatin.First)
	}
}

func readFixtures(t *testing.T) *fixtures.File {
	t.Helper()
	f, err := fixtures.Read("../../testdata/people.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.People) == 0 {
		t.Fatal("no fixture people")
	}
	return f
}

func TestFromFixture(t *testing.T) {
	f := readFixtures(t)
	pop := testPopulation()
	var extra []Person
	for _, fp := range f.People {
		p, err := FromFixture(fp)
		if err != nil {
			t.Fatalf("%s: %v", fp.IIN, err)
		}
		if p.IIN != fp.IIN || p.Name != (Name{fp.LastName, fp.FirstName, fp.MiddleName}) {
			t.Errorf("%s: %s %v, want the fixture's names %s %s %s", fp.IIN, p.IIN, p.Name, fp.LastName, fp.FirstName, fp.MiddleName)
		}
		if p.BirthDate.Format(time.DateOnly) != fp.BirthDate {
			t.Errorf("%s: birth date %s, want %s", fp.IIN, p.BirthDate.Format(time.DateOnly), fp.BirthDate)
		}
		if sex, _ := iin.Sex(fp.IIN); p.Sex != sex {
			t.Errorf("%s: sex %v, want %v", fp.IIN, p.Sex, sex)
		}
		for _, s := range []string{p.LatinName.Last, p.LatinName.First} {
			if s == "" || strings.IndexFunc(s, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
				t.Errorf("%s: Latin name %v is not upper-case Latin", fp.IIN, p.LatinName)
			}
		}
		if p.LatinName.Last != population.ToLatin(fp.LastName) {
			t.Errorf("%s: Latin surname %q, want %q", fp.IIN, p.LatinName.Last, population.ToLatin(fp.LastName))
		}
		if d := p.Document; population.AgeAt(p.BirthDate.Time, population.DefaultNow) >= 16 &&
			(population.DefaultNow.Before(d.Issued.Time) || population.DefaultNow.After(d.Expires.Time)) {
			t.Errorf("%s: document %s–%s not in force on %s", fp.IIN, d.Issued.Format(time.DateOnly),
				d.Expires.Format(time.DateOnly), population.DefaultNow.Format(time.DateOnly))
		}
		if p.Deceased {
			t.Errorf("%s: a fixture person is deceased", fp.IIN)
		}
		extra = append(extra, p)
	}
	dir := PopulationDirectory(pop, popNow, extra...)
	for _, want := range extra {
		got, err := dir.Person(context.Background(), want.IIN)
		if err != nil || got.Name != want.Name {
			t.Errorf("%s: %v %v, want the fixture person", want.IIN, got.Name, err)
		}
	}
	if _, err := FromFixture(fixtures.Person{IIN: "123", LastName: "Х", FirstName: "Х"}); err == nil {
		t.Error("a malformed IIN is accepted")
	}
	bad := f.People[0]
	bad.BirthDate = "12.05.1988"
	if _, err := FromFixture(bad); err == nil {
		t.Error("a malformed birth date is accepted")
	}
	bad = f.People[0]
	bad.LastName = " "
	if _, err := FromFixture(bad); err == nil {
		t.Error("a fixture person without a surname is accepted")
	}
}
