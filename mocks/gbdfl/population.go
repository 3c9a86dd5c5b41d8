package gbdfl

import (
	"context"
	"fmt"
	"time"

	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/population"
)

// documentTypes maps the identity document types of adapter/population to the codes of the
// mock's document type dictionary (IDCard and Passport; the other two are shepgate's own).
var documentTypes = map[string]string{
	population.DocPassport:         Passport.Code,
	population.DocIDCard:           IDCard.Code,
	population.DocResidencePermit:  "003",
	population.DocBirthCertificate: "004",
}

// issuers maps the Russian names of the issuing organisations of adapter/population to the
// codes of the mock's issuer dictionary (MVD; МЮ РК is shepgate's own). A civil registry
// office (ЗАГС) has no code.
var issuers = map[string]string{
	MVD.NameRU: MVD.Code,
	"МЮ РК":    "001",
}

// populationDirectory is the Directory of PopulationDirectory.
type populationDirectory struct {
	pop   *population.Population
	at    time.Time
	extra map[string]Person
}

// PopulationDirectory returns a read-only Directory, safe for concurrent use, that answers
// from pop as ГБД ФЛ would at the time at (zero: pop.Now()), each person converted by
// FromPopulation. The extra persons (the fixture people, see FromFixture) take precedence
// over the population's for their IINs. An IIN that neither knows gives ErrNotFound (wrapped),
// as MemoryDirectory does. A nil pop answers only the extra persons.
func PopulationDirectory(pop *population.Population, at time.Time, extra ...Person) Directory {
	if at.IsZero() && pop != nil {
		at = pop.Now()
	}
	d := &populationDirectory{pop: pop, at: at, extra: make(map[string]Person, len(extra))}
	for _, p := range extra {
		d.extra[p.IIN] = clonePerson(p)
	}
	return d
}

// Person returns the extra person with the IIN, else the population's, else ErrNotFound.
func (d *populationDirectory) Person(_ context.Context, id string) (Person, error) {
	if p, ok := d.extra[id]; ok {
		return clonePerson(p), nil
	}
	if d.pop != nil {
		if p, ok := d.pop.Person(id); ok {
			return FromPopulation(p, d.at), nil
		}
	}
	return Person{}, fmt.Errorf("gbdfl: IIN %s: %w", id, ErrNotFound)
}

// clonePerson copies the dictionary entries p points to, so that a caller cannot change the
// directory's copy.
func clonePerson(p Person) Person {
	if p.Nationality != nil {
		n := *p.Nationality
		p.Nationality = &n
	}
	for _, a := range []*Address{&p.BirthPlace, &p.Address} {
		if a.Region != nil {
			r := *a.Region
			a.Region = &r
		}
		if a.District != nil {
			r := *a.District
			a.District = &r
		}
	}
	return p
}

// FromPopulation returns the population person p as ГБД ФЛ registers them at the time at:
// the Kazakh-form names (NameKK, as registered, with ә ғ қ ң ө ұ ү һ і), the Latin names of the
// identity document, birth date, sex, nationality, citizenship, birth place and registered
// address (Kazakh names of towns and streets; regions as dictionary entries in both
// languages), the identity document, and — when p died on or before at — Deceased, the death
// date and the death certificate's number. Document types and issuers get the dictionary
// codes of this package where it has them; their names are the population's.
func FromPopulation(p population.Person, at time.Time) Person {
	nat := Dict{Code: p.Nationality.Code, NameRU: p.Nationality.NameRU, NameKK: p.Nationality.NameKK}
	g := Person{
		IIN:         p.IIN,
		Name:        Name{Last: p.NameKK.Last, First: p.NameKK.First, Middle: p.NameKK.Middle},
		LatinName:   Name{Last: p.NameLatin.Last, First: p.NameLatin.First},
		BirthDate:   dateOf(p.BirthDate),
		Sex:         p.Sex,
		Nationality: &nat,
		Citizenship: Dict{Code: p.Citizenship.Code, NameRU: p.Citizenship.NameRU, NameKK: p.Citizenship.NameKK},
		// The population's birth places are all in Kazakhstan.
		BirthPlace: Address{Country: Kazakhstan, Region: region(p.BirthPlace), City: p.BirthPlace.CityKK},
		Address: Address{Country: Kazakhstan, Region: region(p.Address.Place), City: p.Address.CityKK,
			Street: p.Address.StreetKK, Building: p.Address.Building, Flat: p.Address.Flat, Since: dateOf(p.Address.Since)},
	}
	d := p.Document
	code, ok := documentTypes[d.Type]
	if !ok {
		code = d.Type
	}
	g.Document = Document{Type: Dict{Code: code, NameRU: d.TypeRU, NameKK: d.TypeKK}, Number: d.Number,
		Issued: dateOf(d.IssueDate), Expires: dateOf(d.ExpiryDate),
		Issuer: Dict{Code: issuers[d.IssuerRU], NameRU: d.IssuerRU, NameKK: d.IssuerKK}}
	if p.Deceased(at) {
		g.Deceased, g.DeathDate = true, dateOf(p.DeathDate)
		if c := p.DeathCertificate; c != nil {
			g.DeathCertificate = c.Number
		}
	}
	return g
}

// region returns the region of a place as a dictionary entry, or nil when it has none.
func region(pl population.Place) *Dict {
	if pl.RegionCode == "" && pl.RegionRU == "" && pl.RegionKK == "" {
		return nil
	}
	return &Dict{Code: pl.RegionCode, NameRU: pl.RegionRU, NameKK: pl.RegionKK}
}

// dateOf returns the calendar date of t (in t's location); a zero t gives a zero Date.
func dateOf(t time.Time) Date {
	if t.IsZero() {
		return Date{}
	}
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

// FromFixture returns the ГБД ФЛ person of a fixture person: the fixture's IIN, names (in the
// Kazakh form the fixture gives them, with their Latin transliteration by
// population.ToLatin) and birth date (the IIN's when the fixture has none); sex from the IIN;
// the other fields as Synthesize makes them, with the dates rebased on the birth date and the
// ID card renewed every ten years so that the one shown is in force on population.DefaultNow
// (for a person 16 or older then). It fails when the IIN or the birth date is malformed or the
// result does not Validate.
func FromFixture(f fixtures.Person) (Person, error) {
	if err := iin.Validate(f.IIN); err != nil {
		return Person{}, fmt.Errorf("gbdfl: fixture person %s: %w", f.IIN, err)
	}
	p, err := Synthesize(f.IIN)
	if err != nil {
		return Person{}, fmt.Errorf("gbdfl: fixture person %s: %w", f.IIN, err)
	}
	birth := p.BirthDate.Time
	if f.BirthDate != "" {
		if birth, err = time.Parse(time.DateOnly, f.BirthDate); err != nil {
			return Person{}, fmt.Errorf("gbdfl: fixture person %s: birth date: %w", f.IIN, err)
		}
	}
	p.Name = Name{Last: f.LastName, First: f.FirstName, Middle: f.MiddleName}
	p.LatinName = Name{Last: population.ToLatin(f.LastName), First: population.ToLatin(f.FirstName)}
	p.BirthDate = Date{birth}
	issued := birth.AddDate(16, 0, 0)
	for !issued.AddDate(10, 0, 0).After(population.DefaultNow) {
		issued = issued.AddDate(10, 0, 0)
	}
	p.Document.Issued, p.Document.Expires = Date{issued}, Date{issued.AddDate(10, 0, -1)}
	p.Address.Since = Date{birth.AddDate(18, 0, 0)}
	if err := p.Validate(); err != nil {
		return Person{}, fmt.Errorf("gbdfl: fixture person %s: %w", f.IIN, err)
	}
	return p, nil
}
