package gbdfl

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

// ErrNotFound is returned by a Directory that does not know an IIN.
var ErrNotFound = errors.New("gbdfl: no person with this IIN")

// Directory is where the mock finds persons. The in-memory MemoryDirectory is one; a population
// generator can be another. Person returns ErrNotFound (possibly wrapped) for an unknown IIN;
// any other error is answered as an INTERNAL fault.
type Directory interface {
	Person(ctx context.Context, iin string) (Person, error)
}

// Date is a calendar date; JSON reads and writes it as "2006-01-02".
type Date struct{ time.Time }

// NewDate returns the date y-m-d (UTC midnight).
func NewDate(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

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
		return fmt.Errorf("a date is a string such as \"1986-01-31\", got %s", b)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Errorf("%q is not a date such as \"1986-01-31\"", s)
	}
	*d = Date{t}
	return nil
}

// Name is a person's last, first and middle (patronymic) names.
type Name struct {
	Last   string `json:"last"`
	First  string `json:"first"`
	Middle string `json:"middle,omitempty"`
}

// Dict is an entry of a ГБД ФЛ dictionary: a code with its Russian and Kazakh names.
type Dict struct {
	Code   string `json:"code"`
	NameRU string `json:"nameRu"`
	NameKK string `json:"nameKk"`
}

// Dictionary entries the mock uses by default.
var (
	Kazakhstan    = Dict{"398", "Казахстан", "Қазақстан"}
	Male          = Dict{"1", "Мужской", "Ер"}
	Female        = Dict{"2", "Женский", "Әйел"}
	Living        = Dict{"0", "Жив", "Тірі"}
	Dead          = Dict{"1", "Умер", "Қайтыс болған"}
	IDCard        = Dict{"002", "Удостоверение личности РК", "ҚР жеке куәлігі"}
	Passport      = Dict{"001", "Паспорт РК", "ҚР паспорты"}
	MVD           = Dict{"002", "МВД РК", "ҚР ІІМ"}
	DocumentValid = Dict{"00", "Документ действителен", "Құжат жарамды"}
	Kazakh        = Dict{"005", "Казах", "Қазақ"}
	Russian       = Dict{"001", "Русский", "Орыс"}
)

// Document is an identity document.
type Document struct {
	Type   Dict   `json:"type"`
	Number string `json:"number"`
	Series string `json:"series,omitempty"`
	// Issued and Expires are the issue and expiry dates.
	Issued  Date `json:"issued"`
	Expires Date `json:"expires"`
	// Issuer is the issuing organisation.
	Issuer Dict `json:"issuer"`
}

// Address is a registration address.
type Address struct {
	Country  Dict   `json:"country"`
	Region   *Dict  `json:"region,omitempty"`
	District *Dict  `json:"district,omitempty"`
	City     string `json:"city,omitempty"`
	Street   string `json:"street,omitempty"`
	Building string `json:"building,omitempty"`
	Corpus   string `json:"corpus,omitempty"`
	Flat     string `json:"flat,omitempty"`
	// Since is the date of registration at this address.
	Since Date `json:"since"`
}

// Person is a person as ГБД ФЛ registers them.
type Person struct {
	IIN string `json:"iin"`
	// Name is in Cyrillic as registered: Kazakh spelling (Ә, Ғ, Қ, Ң, Ө, Ұ, Ү, Һ, І) or
	// Russian spelling, as on the identity document.
	Name Name `json:"name"`
	// LatinName is the Latin transliteration of the identity document (engSurname,
	// engFirstName); Middle is not used.
	LatinName   Name       `json:"latinName"`
	BirthDate   Date       `json:"birthDate"`
	Sex         iin.Gender `json:"sex"`
	Nationality *Dict      `json:"nationality,omitempty"`
	Citizenship Dict       `json:"citizenship"`
	// BirthPlace is the country and city of birth.
	BirthPlace Address `json:"birthPlace"`
	// Document is the valid identity document.
	Document Document `json:"document"`
	// Address is the permanent registration address.
	Address Address `json:"address"`
	// Deceased and DeathDate: a deceased person has lifeStatus Dead and a death date.
	Deceased         bool   `json:"deceased,omitempty"`
	DeathDate        Date   `json:"deathDate"`
	DeathCertificate string `json:"deathCertificate,omitempty"`
}

// Validate reports what is wrong with p, or nil.
func (p Person) Validate() error {
	switch {
	case iin.Validate(p.IIN) != nil:
		return fmt.Errorf("iin: %w", iin.Validate(p.IIN))
	case strings.TrimSpace(p.Name.Last) == "" || strings.TrimSpace(p.Name.First) == "":
		return errors.New("name: last and first are required")
	case p.BirthDate.IsZero():
		return errors.New("birthDate: is required")
	case p.Sex != iin.Male && p.Sex != iin.Female:
		return fmt.Errorf("sex: must be %d (male) or %d (female), got %d", iin.Male, iin.Female, p.Sex)
	case p.Deceased && p.DeathDate.IsZero():
		return errors.New("deathDate: is required for a deceased person")
	case !p.Deceased && !p.DeathDate.IsZero():
		return errors.New("deathDate: is only for a deceased person")
	}
	return nil
}

// Synthesize returns a plausible person for a valid IIN (birth date and sex from the IIN,
// placeholder names, an identity document and an address in Astana).
func Synthesize(id string) (Person, error) {
	birth, err := iin.BirthDate(id)
	if err != nil {
		return Person{}, err
	}
	sex, _ := iin.Sex(id)
	p := Person{
		IIN: id, BirthDate: Date{birth}, Sex: sex, Nationality: &Kazakh, Citizenship: Kazakhstan,
		Name: Name{Last: "ТЕСТОВ", First: "ТЕСТ", Middle: "ТЕСТОВИЧ"}, LatinName: Name{Last: "TESTOV", First: "TEST"},
		BirthPlace: Address{Country: Kazakhstan, City: "Астана"},
		Document: Document{Type: IDCard, Number: "0" + id[4:12], Issuer: MVD,
			Issued: Date{birth.AddDate(16, 0, 0)}, Expires: Date{birth.AddDate(26, 0, -1)}},
		Address: Address{Country: Kazakhstan, City: "Астана", Street: "Мәңгілік Ел", Building: "8", Since: Date{birth.AddDate(18, 0, 0)}},
	}
	if sex == iin.Female {
		p.Name = Name{Last: "ТЕСТОВА", First: "ТЕСТ", Middle: "ТЕСТОВНА"}
		p.LatinName.Last = "TESTOVA"
	}
	return p, nil
}

// MemoryDirectory is an in-memory Directory, safe for concurrent use.
type MemoryDirectory struct {
	mu      sync.RWMutex
	persons map[string]Person
}

// NewMemoryDirectory returns a directory holding persons.
func NewMemoryDirectory(persons ...Person) *MemoryDirectory {
	d := &MemoryDirectory{persons: map[string]Person{}}
	for _, p := range persons {
		d.persons[p.IIN] = p
	}
	return d
}

// Put adds or replaces a person.
func (d *MemoryDirectory) Put(p Person) {
	d.mu.Lock()
	d.persons[p.IIN] = p
	d.mu.Unlock()
}

// Person returns the person with the IIN or ErrNotFound.
func (d *MemoryDirectory) Person(_ context.Context, id string) (Person, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	p, ok := d.persons[id]
	if !ok {
		return Person{}, fmt.Errorf("gbdfl: IIN %s: %w", id, ErrNotFound)
	}
	return p, nil
}
