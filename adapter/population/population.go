// Package population generates a deterministic synthetic population of Kazakhstan for ГЦВП's
// services and for the ГБД ФЛ and ЕНИС mocks: persons with valid IINs, Kazakh and Russian names,
// identity documents, registered addresses, family links, SIKs, benefit and pension decisions
// of the eight payment kinds of services 1–8, pension-contribution movements (the rows of the
// service 10 statement) and notarised powers of attorney.
//
// # Determinism
//
// Generate is a pure function of its Options: the same Seed, Size, Now, HistoryYears and
// Reserved give the same population, byte for byte (see WriteJSON and Digest), on every machine
// and run. The generator draws only raw 64-bit words from a seeded PCG (math/rand/v2) and
// derives every bounded number itself, so its output does not depend on how math/rand/v2 maps
// words to ranges; it never iterates a map; it never reads the wall clock (a zero Now means
// DefaultNow). Movements are generated on demand from a per-person PCG stream, so a person's
// movements do not depend on which other persons were asked for, or in which order.
//
// # Rules
//
// Decisions follow fixed rules (see the PaymentKind constants of generated/gcvp and the
// comments of decisions.go), so tests and conformance testers can predict an outcome from a
// person's attributes: pension ages 63 (men) and 61 (women); the basic pension by age; pension
// payments (the solidary pension) by age with work before 1998; the age benefit by age without
// work before 1998; the disability benefit by an established disability group; the survivor
// benefit for a child whose parent died before the child turned 18; the childbirth and child
// care benefit for the mother of a child born in the last five years; the special state
// benefit for hazardous work (10 years, from age 53 for men and 48 for women, until pension
// age); the state special benefit for mothers of four or more children. Amounts are integer
// tiyn computed from the generator's own subsistence minimum and calculation index tables.
//
// Names, codes and amounts are synthetic: the directories are shepgate's own and are not the
// official ГБД ФЛ, КАТО or legal figures.
package population

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"iter"
	"slices"
	"time"

	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/gcvp"
)

// DefaultNow is the reference date used when Options.Now is zero.
var DefaultNow = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// DefaultHistoryYears is the number of years of pension-fund movements before Now used when
// Options.HistoryYears is zero.
const DefaultHistoryYears = 5

// Pension ages and the age from which the special state benefit for hazardous work is paid.
const (
	PensionAgeMale          = 63 // pension age of men
	PensionAgeFemale        = 61 // pension age of women
	SpecialBenefitAgeMale   = 53 // special state benefit from this age, men
	SpecialBenefitAgeFemale = 48 // special state benefit from this age, women
	// SpecialBenefitHazardYears is the hazardous work needed for the special state benefit.
	SpecialBenefitHazardYears = 10
	// ManyChildren is the number of children that entitles a mother to the state special benefit.
	ManyChildren = 4
	// ChildbirthWindowYears is how far back from Now a birth gives the mother a childbirth and
	// child care benefit decision.
	ChildbirthWindowYears = 5
)

// Options configure Generate.
type Options struct {
	// Seed selects the population; different seeds give different populations.
	Seed int64
	// Size is the number of persons (≤ 0 gives an empty population).
	Size int
	// Now is the reference date: ages, deaths, decisions, documents and movements are as of
	// this day (UTC; the time of day is dropped). Zero means DefaultNow.
	Now time.Time
	// HistoryYears is how many years of pension-fund movements precede Now (0 means
	// DefaultHistoryYears).
	HistoryYears int
	// Reserved are IINs and SIKs the generator must not produce, e.g. those of
	// testdata/people.json, so that a population can be loaded into the same store.
	Reserved []string
}

// FullName is a surname, first name and patronymic (upper case, as ГБД ФЛ gives them).
type FullName struct {
	Last   string `json:"last"`
	First  string `json:"first"`
	Middle string `json:"middle,omitempty"`
}

// Place is a region and a town.
type Place struct {
	RegionCode string `json:"regionCode"`
	RegionKK   string `json:"regionKk"`
	RegionRU   string `json:"regionRu"`
	CityKK     string `json:"cityKk"`
	CityRU     string `json:"cityRu"`
}

// Address is a registered (permanent residence) address.
type Address struct {
	Place
	StreetKK string    `json:"streetKk"`
	StreetRU string    `json:"streetRu"`
	Building string    `json:"building"`
	Flat     string    `json:"flat,omitempty"`
	Since    time.Time `json:"since"`
}

// Identity document types.
const (
	DocIDCard           = "ID_CARD"           // identity card of a citizen, from age 16
	DocPassport         = "PASSPORT"          // passport of a citizen, from age 16
	DocBirthCertificate = "BIRTH_CERTIFICATE" // citizens under 16
	DocResidencePermit  = "RESIDENCE_PERMIT"  // foreigners
)

// Document is an identity document.
type Document struct {
	Type       string    `json:"type"` // one of the Doc* constants
	TypeKK     string    `json:"typeKk"`
	TypeRU     string    `json:"typeRu"`
	Number     string    `json:"number"`
	IssueDate  time.Time `json:"issueDate"`
	ExpiryDate time.Time `json:"expiryDate,omitzero"` // zero: no expiry (birth certificates)
	IssuerKK   string    `json:"issuerKk"`
	IssuerRU   string    `json:"issuerRu"`
}

// ValidAt reports whether the document is issued and not expired at t. It does not know about
// the holder's death: see Person.DocumentValidAt.
func (d Document) ValidAt(t time.Time) bool {
	return !t.Before(d.IssueDate) && (d.ExpiryDate.IsZero() || t.Before(d.ExpiryDate))
}

// Certificate is a civil-registry certificate (a death certificate here).
type Certificate struct {
	Number   string    `json:"number"`
	Date     time.Time `json:"date"`
	IssuerKK string    `json:"issuerKk"`
	IssuerRU string    `json:"issuerRu"`
}

// Job is a spell of employment inside the movement history; each month of it gives a
// pension-contribution movement.
type Job struct {
	EmployerBIN string    `json:"employerBin"`
	EmployerKK  string    `json:"employerKk"`
	EmployerRU  string    `json:"employerRu"`
	From        time.Time `json:"from"`        // first day of the first month worked
	To          time.Time `json:"to,omitzero"` // last day of the last month worked; zero: still employed
	SalaryTiyn  int64     `json:"salaryTiyn"`  // monthly salary when the job started
	Hazardous   bool      `json:"hazardous"`   // occupational contributions (КНП 012) are paid too
}

// Decision is a benefit or pension decision of one of the eight payment kinds.
type Decision struct {
	Kind       gcvp.PaymentKind `json:"kind"`
	Outcome    gcvp.Outcome     `json:"outcome"`
	Number     string           `json:"number"`
	Date       time.Time        `json:"date"`
	AmountTiyn int64            `json:"amountTiyn"` // monthly amount as of Now or the period's end; 0 when refused
	PeriodFrom time.Time        `json:"periodFrom"`
	PeriodTo   time.Time        `json:"periodTo,omitzero"` // zero: open-ended
	ReasonKK   string           `json:"reasonKk,omitempty"`
	ReasonRU   string           `json:"reasonRu,omitempty"`
}

// Person is a synthetic person.
type Person struct {
	IIN       string     `json:"iin"`
	Sex       iin.Gender `json:"sex"` // as encoded in the IIN (JSON: 1 male, 2 female)
	BirthDate time.Time  `json:"birthDate"`
	// NameKK is the Kazakh form (with ә ғ қ ң ө ұ ү һ і where the name has them), as in the
	// ГЦВП store and ГБД ФЛ; NameRU the Russian form; NameLatin the transliteration of the
	// identity document (no patronymic).
	NameKK      FullName    `json:"nameKk"`
	NameRU      FullName    `json:"nameRu"`
	NameLatin   FullName    `json:"nameLatin"`
	Nationality Nationality `json:"nationality"`
	Citizenship Country     `json:"citizenship"`
	BirthPlace  Place       `json:"birthPlace"`
	Address     Address     `json:"address"`
	Document    Document    `json:"document"`
	// DeathDate is zero for a living person.
	DeathDate        time.Time    `json:"deathDate,omitzero"`
	DeathCertificate *Certificate `json:"deathCertificate,omitempty"`
	// SIK is empty when none is registered.
	SIK           string    `json:"sik,omitempty"`
	SIKRegistered time.Time `json:"sikRegistered,omitzero"`
	SIKIssued     time.Time `json:"sikIssued,omitzero"`
	SIKOfficeKK   string    `json:"sikOfficeKk,omitempty"`
	SIKOfficeRU   string    `json:"sikOfficeRu,omitempty"`
	// Family links by IIN; both sides of every link are in the population.
	Spouse   string   `json:"spouse,omitempty"`
	Father   string   `json:"father,omitempty"`
	Mother   string   `json:"mother,omitempty"`
	Children []string `json:"children,omitempty"` // oldest first
	// Attributes the decision rules read.
	WorkYears            int       `json:"workYears"`
	WorkMonthsBefore1998 int       `json:"workMonthsBefore1998"`
	HazardYears          int       `json:"hazardYears,omitempty"`
	DisabilityGroup      int       `json:"disabilityGroup,omitempty"` // 1–3; 0 none
	DisabledSince        time.Time `json:"disabledSince,omitzero"`
	Jobs                 []Job     `json:"jobs,omitempty"`
	// Decisions, at most one per payment kind, in the order of services 1–8.
	Decisions []Decision `json:"decisions,omitempty"`
}

// Female reports whether the person is a woman.
func (p Person) Female() bool { return p.Sex == iin.Female }

// Deceased reports whether the person died on or before t.
func (p Person) Deceased(t time.Time) bool { return !p.DeathDate.IsZero() && !p.DeathDate.After(t) }

// AgeAt returns the person's age in full years at t.
func (p Person) AgeAt(t time.Time) int { return AgeAt(p.BirthDate, t) }

// PensionAge returns the person's pension age.
func (p Person) PensionAge() int { return PensionAge(p.Sex) }

// DocumentValidAt reports whether the identity document is valid at t: issued, not expired and
// its holder alive.
func (p Person) DocumentValidAt(t time.Time) bool { return p.Document.ValidAt(t) && !p.Deceased(t) }

// Decision returns the person's decision of the kind.
func (p Person) Decision(kind gcvp.PaymentKind) (Decision, bool) {
	for _, d := range p.Decisions {
		if d.Kind == kind {
			return d, true
		}
	}
	return Decision{}, false
}

func (p Person) clone() Person {
	p.Children = slices.Clone(p.Children)
	p.Jobs = slices.Clone(p.Jobs)
	p.Decisions = slices.Clone(p.Decisions)
	if p.DeathCertificate != nil {
		c := *p.DeathCertificate
		p.DeathCertificate = &c
	}
	return p
}

// AgeAt returns the age in full years at t of a person born on birth: the person reaches age n
// on birth.AddDate(n, 0, 0) (so 29 February birthdays fall on 1 March).
func AgeAt(birth, t time.Time) int {
	n := t.Year() - birth.Year()
	if birth.AddDate(n, 0, 0).After(t) {
		n--
	}
	return n
}

// PensionAge returns the pension age for the sex.
func PensionAge(sex iin.Gender) int {
	if sex == iin.Female {
		return PensionAgeFemale
	}
	return PensionAgeMale
}

// Population is a generated population. It is read-only and safe for concurrent use.
type Population struct {
	opts    Options
	now     time.Time
	persons []Person       // sorted by IIN
	index   map[string]int // IIN → position in persons
	poas    []PowerOfAttorney
	poaIdx  map[string]int // number → position in poas
	history time.Time      // first day of the movement history
}

// Now returns the population's reference date.
func (pop *Population) Now() time.Time { return pop.now }

// Options returns the options the population was generated with (Now and HistoryYears
// resolved).
func (pop *Population) Options() Options {
	o := pop.opts
	o.Reserved = slices.Clone(o.Reserved)
	return o
}

// Len returns the number of persons.
func (pop *Population) Len() int { return len(pop.persons) }

// At returns the i-th person in IIN order (0 ≤ i < Len).
func (pop *Population) At(i int) Person { return pop.persons[i].clone() }

// All iterates over the persons in ascending IIN order.
func (pop *Population) All() iter.Seq[Person] {
	return func(yield func(Person) bool) {
		for i := range pop.persons {
			if !yield(pop.persons[i].clone()) {
				return
			}
		}
	}
}

// IINs returns every IIN in ascending order.
func (pop *Population) IINs() []string {
	out := make([]string, len(pop.persons))
	for i := range pop.persons {
		out[i] = pop.persons[i].IIN
	}
	return out
}

// Person returns the person with the IIN.
func (pop *Population) Person(iinStr string) (Person, bool) {
	i, ok := pop.index[iinStr]
	if !ok {
		return Person{}, false
	}
	return pop.persons[i].clone(), true
}

// PowersOfAttorney returns the notarised powers of attorney in order of number.
func (pop *Population) PowersOfAttorney() []PowerOfAttorney {
	out := make([]PowerOfAttorney, len(pop.poas))
	for i, a := range pop.poas {
		out[i] = a.clone()
	}
	return out
}

// PowerOfAttorney returns the power of attorney with the number.
func (pop *Population) PowerOfAttorney(number string) (PowerOfAttorney, bool) {
	i, ok := pop.poaIdx[number]
	if !ok {
		return PowerOfAttorney{}, false
	}
	return pop.poas[i].clone(), true
}

// FindPowerOfAttorney returns the power of attorney with the number given by the principal to
// the representative, as the ЕНИС mock looks it up; ok is false when there is none.
func (pop *Population) FindPowerOfAttorney(number, principalIIN, representativeIIN string) (PowerOfAttorney, bool) {
	a, ok := pop.PowerOfAttorney(number)
	if !ok || a.PrincipalIIN != principalIIN || a.RepresentativeIIN != representativeIIN {
		return PowerOfAttorney{}, false
	}
	return a, true
}

// Load writes every person into st, in IIN order, each followed by its decisions and — when
// the person has a SIK — its SIK registration and its pension-fund movements (one transaction
// a person).
func (pop *Population) Load(ctx context.Context, st store.Store) error {
	for i := range pop.persons {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := &pop.persons[i]
		if err := st.PutPerson(ctx, p.StorePerson()); err != nil {
			return err
		}
		for _, d := range p.StoreDecisions() {
			if err := st.PutDecision(ctx, d); err != nil {
				return err
			}
		}
		if p.SIK == "" {
			continue
		}
		// Service 9 issues duplicates from the SIK register; service 10 reads the movements.
		if err := st.RegisterSIK(ctx, p.IIN, p.SIK, p.SIKRegistered); err != nil {
			return err
		}
		ms := pop.movements(p)
		rows := make([]store.Movement, 0, len(ms))
		for _, m := range ms {
			rows = append(rows, store.Movement{IIN: p.IIN, ReceiptDate: m.ReceiptDate, DispatchDate: m.DispatchDate, Number: m.Number,
				DocumentDate: m.DocumentDate, KPP: m.KPP, Sender: m.Sender, RIN: m.RIN, Recipient: m.Recipient,
				AmountTiyn: m.AmountTiyn, Status: m.Status, Period: m.Period})
		}
		if err := st.PutMovements(ctx, rows); err != nil {
			return err
		}
	}
	return nil
}

// dump is the serialised form of a population.
type dump struct {
	Seed             int64             `json:"seed"`
	Size             int               `json:"size"`
	Now              time.Time         `json:"now"`
	HistoryYears     int               `json:"historyYears"`
	Persons          []Person          `json:"persons"`
	PowersOfAttorney []PowerOfAttorney `json:"powersOfAttorney"`
}

// WriteJSON writes the population (persons in IIN order and powers of attorney; not the
// movements, which are generated on demand) as indented JSON. Equal options give equal bytes.
func (pop *Population) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	return enc.Encode(dump{Seed: pop.opts.Seed, Size: pop.opts.Size, Now: pop.now, HistoryYears: pop.opts.HistoryYears,
		Persons: pop.persons, PowersOfAttorney: pop.poas})
}

// Digest returns the SHA-256 (hex) of WriteJSON's output followed by every person's full
// movement history: a fingerprint of everything the population holds.
func (pop *Population) Digest() string {
	h := sha256.New()
	if err := pop.WriteJSON(h); err != nil {
		panic(err) // a hash.Hash never fails to write and every value here marshals
	}
	enc := json.NewEncoder(h)
	for i := range pop.persons {
		if err := enc.Encode(pop.Movements(pop.persons[i].IIN, time.Time{}, pop.now)); err != nil {
			panic(err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
