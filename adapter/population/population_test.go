package population

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/store"
)

var update = flag.Bool("update", false, "rewrite testdata/digest.txt and testdata/sample.json")

var testNow = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// shared is one population of 6000 persons most tests read.
var shared = sync.OnceValue(func() *Population { return Generate(Options{Seed: 42, Size: 6000, Now: testNow}) })

func jsonOf(t *testing.T, pop *Population) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := pop.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDeterminism(t *testing.T) {
	base := Options{Seed: 7, Size: 1500, Now: testNow}
	ref := Generate(base)
	refJSON, refDigest := jsonOf(t, ref), ref.Digest()
	for _, tc := range []struct {
		name string
		opts Options
		same bool
	}{
		{"same options", base, true},
		{"same day, other time of day and zone", Options{Seed: 7, Size: 1500, Now: time.Date(2026, 1, 1, 17, 30, 0, 0, time.FixedZone("ALMT", 5*3600))}, true},
		{"other seed", Options{Seed: 8, Size: 1500, Now: testNow}, false},
		{"other size", Options{Seed: 7, Size: 1499, Now: testNow}, false},
		{"other date", Options{Seed: 7, Size: 1500, Now: testNow.AddDate(0, 0, 1)}, false},
		{"other history", Options{Seed: 7, Size: 1500, Now: testNow, HistoryYears: 3}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pop := Generate(tc.opts)
			if got := bytes.Equal(jsonOf(t, pop), refJSON) && pop.Digest() == refDigest; got != tc.same {
				t.Fatalf("equal to the reference = %v, want %v", got, tc.same)
			}
		})
	}
}

func TestZeroNowIsDefaultNow(t *testing.T) {
	a, b := Generate(Options{Seed: 3, Size: 200}), Generate(Options{Seed: 3, Size: 200, Now: DefaultNow})
	if a.Digest() != b.Digest() || !a.Now().Equal(DefaultNow) {
		t.Fatal("a zero Now does not mean DefaultNow")
	}
}

// TestDigestGolden pins the output for one set of options, so that a change of the generator
// (or of anything it depends on) that alters populations is noticed. Run with -update after an
// intended change.
func TestDigestGolden(t *testing.T) {
	got := Generate(Options{Seed: 1, Size: 400, Now: testNow}).Digest()
	const path = "testdata/digest.txt"
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != strings.TrimSpace(string(want)) {
		t.Fatalf("digest %s, want %s (run go test -update after an intended change)", got, want)
	}
}

// TestSampleGolden pins a small population byte for byte (testdata/sample.json doubles as a
// readable sample for conformance testers).
func TestSampleGolden(t *testing.T) {
	got := jsonOf(t, Generate(Options{Seed: 1, Size: 30, Now: testNow}))
	const path = "testdata/sample.json"
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("WriteJSON differs from testdata/sample.json (run go test -update after an intended change)")
	}
}

func TestMovementsIndependentOfCallOrder(t *testing.T) {
	pop := shared()
	ids := pop.IINs()
	first := map[string][]Movement{}
	for _, id := range ids[:200] {
		first[id] = pop.Movements(id, time.Time{}, time.Time{})
	}
	for i := 199; i >= 0; i-- {
		if got := pop.Movements(ids[i], time.Time{}, time.Time{}); !reflect.DeepEqual(got, first[ids[i]]) {
			t.Fatalf("%s: movements differ on a second call", ids[i])
		}
	}
}

func TestSizes(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 2, 3, 17, 250} {
		pop := Generate(Options{Seed: 5, Size: n, Now: testNow})
		if pop.Len() != max(n, 0) {
			t.Fatalf("Size %d: %d persons", n, pop.Len())
		}
		checkLinks(t, pop)
	}
}

func TestIINs(t *testing.T) {
	pop := shared()
	seen := map[string]bool{}
	prev := ""
	n := 0
	for p := range pop.All() {
		n++
		if err := iin.Validate(p.IIN); err != nil {
			t.Fatalf("%s: %v", p.IIN, err)
		}
		if seen[p.IIN] {
			t.Fatalf("%s twice", p.IIN)
		}
		seen[p.IIN] = true
		if p.IIN <= prev {
			t.Fatalf("iteration not in IIN order: %s after %s", p.IIN, prev)
		}
		prev = p.IIN
		if sex, _ := iin.Sex(p.IIN); sex != p.Sex {
			t.Fatalf("%s: sex %v, IIN says %v", p.IIN, p.Sex, sex)
		}
		if b, _ := iin.BirthDate(p.IIN); !b.Equal(p.BirthDate) {
			t.Fatalf("%s: birth %s, IIN says %s", p.IIN, p.BirthDate, b)
		}
		if p.BirthDate.After(pop.Now()) || p.AgeAt(pop.Now()) > 100 {
			t.Fatalf("%s: birth date %s", p.IIN, p.BirthDate)
		}
		if got, ok := pop.Person(p.IIN); !ok || !reflect.DeepEqual(got, p) {
			t.Fatalf("%s: Person does not give the iterated person", p.IIN)
		}
	}
	if n != pop.Len() || n != 6000 {
		t.Fatalf("%d persons iterated, Len %d", n, pop.Len())
	}
	if _, ok := pop.Person("000000000000"); ok {
		t.Fatal("an unknown IIN was found")
	}
}

func TestReserved(t *testing.T) {
	f, err := fixtures.Read("../../testdata/people.json")
	if err != nil {
		t.Fatal(err)
	}
	free := Generate(Options{Seed: 11, Size: 1000, Now: testNow})
	var reserved []string
	for _, p := range f.People {
		reserved = append(reserved, p.IIN, p.SIK)
	}
	for _, a := range f.Absent {
		reserved = append(reserved, a.IIN)
	}
	for i := 0; i < free.Len(); i += 10 {
		p := free.At(i)
		reserved = append(reserved, p.IIN)
		if p.SIK != "" {
			reserved = append(reserved, p.SIK)
		}
	}
	pop := Generate(Options{Seed: 11, Size: 1000, Now: testNow, Reserved: reserved})
	for p := range pop.All() {
		if slices.Contains(reserved, p.IIN) || (p.SIK != "" && slices.Contains(reserved, p.SIK)) {
			t.Fatalf("%s (SIK %s) is reserved", p.IIN, p.SIK)
		}
	}
	if pop.Len() != 1000 {
		t.Fatalf("%d persons", pop.Len())
	}
}

func checkLinks(t *testing.T, pop *Population) {
	t.Helper()
	get := func(who, id string) Person {
		p, ok := pop.Person(id)
		if !ok {
			t.Fatalf("%s: linked IIN %s is not in the population", who, id)
		}
		return p
	}
	for p := range pop.All() {
		if p.Spouse != "" {
			s := get(p.IIN, p.Spouse)
			if s.Spouse != p.IIN || s.Sex == p.Sex || s.IIN == p.IIN {
				t.Fatalf("%s: spouse %s does not link back (or same sex)", p.IIN, s.IIN)
			}
		}
		for _, link := range []struct {
			id  string
			sex iin.Gender
		}{{p.Father, iin.Male}, {p.Mother, iin.Female}} {
			if link.id == "" {
				continue
			}
			par := get(p.IIN, link.id)
			if par.Sex != link.sex || !slices.Contains(par.Children, p.IIN) {
				t.Fatalf("%s: parent %s does not list the child (or wrong sex)", p.IIN, par.IIN)
			}
			if a := AgeAt(par.BirthDate, p.BirthDate); a < 18 || a > map[iin.Gender]int{iin.Male: 60, iin.Female: 45}[link.sex] {
				t.Fatalf("%s: parent %s was %d at the birth", p.IIN, par.IIN, a)
			}
			if !par.DeathDate.IsZero() && par.DeathDate.Before(p.BirthDate) {
				t.Fatalf("%s: parent %s died before the birth", p.IIN, par.IIN)
			}
		}
		if p.Father != "" && p.Mother != "" {
			if f := get(p.IIN, p.Father); f.Spouse != p.Mother {
				t.Fatalf("%s: parents are not spouses", p.IIN)
			}
		}
		for i, c := range p.Children {
			ch := get(p.IIN, c)
			if (p.Female() && ch.Mother != p.IIN) || (!p.Female() && ch.Father != p.IIN) {
				t.Fatalf("%s: child %s does not link back", p.IIN, c)
			}
			if i > 0 && !get(p.IIN, p.Children[i-1]).BirthDate.Before(ch.BirthDate) {
				t.Fatalf("%s: children not oldest first", p.IIN)
			}
		}
	}
}

func TestFamilyLinks(t *testing.T) {
	pop := shared()
	checkLinks(t, pop)
	var spouses, parents, kids int
	for p := range pop.All() {
		if p.Spouse != "" {
			spouses++
		}
		if p.Father != "" {
			parents++
		}
		kids += len(p.Children)
	}
	if spouses == 0 || parents == 0 || kids == 0 {
		t.Fatalf("spouses %d, persons with a father %d, children links %d", spouses, parents, kids)
	}
}

var (
	sikPattern  = regexp.MustCompile(`^[0-9A-Z]{16}$`)
	kazakhOnly  = regexp.MustCompile(`[ӘҒҚҢӨҰҮҺІәғқңөұүһі]`)
	upperCyr    = regexp.MustCompile(`^[А-ЯЁӘҒҚҢӨҰҮҺІ-]+$`)
	latinUpper  = regexp.MustCompile(`^[A-Z-]+$`)
	yearMonth   = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)
	decisionNum = regexp.MustCompile(`^(БК|ЗТ|БЗ|МЖ|АЖ|ЖЖ|АМЖ|МАЖ)-(\d{4})-(\d{6})$`)
)

func TestPersonsAttributes(t *testing.T) {
	pop := shared()
	now := pop.Now()
	siks := map[string]bool{}
	withoutSIK, kazakhLetters, deceased, foreign := 0, 0, 0, 0
	docTypes := map[string]int{}
	var letters strings.Builder
	for p := range pop.All() {
		if p.SIK == "" {
			withoutSIK++
			if len(p.Decisions) > 0 || len(p.Jobs) > 0 {
				t.Fatalf("%s: decisions or jobs without a SIK", p.IIN)
			}
		} else {
			if !sikPattern.MatchString(p.SIK) || siks[p.SIK] {
				t.Fatalf("%s: SIK %q malformed or not unique", p.IIN, p.SIK)
			}
			siks[p.SIK] = true
			if p.SIKRegistered.Before(p.BirthDate) || p.SIKRegistered.After(now) || p.SIKIssued.Before(p.SIKRegistered) || p.SIKOfficeKK == "" || p.SIKOfficeRU == "" {
				t.Fatalf("%s: SIK registration %s / issue %s", p.IIN, p.SIKRegistered, p.SIKIssued)
			}
			for _, d := range p.Decisions {
				if d.Date.Before(p.SIKRegistered) {
					t.Fatalf("%s: decision %s before the SIK was registered", p.IIN, d.Number)
				}
			}
			if len(p.Jobs) > 0 && p.Jobs[0].From.Before(p.SIKRegistered) {
				t.Fatalf("%s: job before the SIK was registered", p.IIN)
			}
		}
		for _, n := range []FullName{p.NameKK, p.NameRU} {
			for _, s := range []string{n.Last, n.First, n.Middle} {
				if !upperCyr.MatchString(s) {
					t.Fatalf("%s: name part %q", p.IIN, s)
				}
			}
		}
		if kazakhOnly.MatchString(p.NameRU.Last + p.NameRU.First + p.NameRU.Middle) {
			t.Fatalf("%s: Russian form %v has Kazakh letters", p.IIN, p.NameRU)
		}
		if ToRussian(p.NameKK.First) != p.NameRU.First || ToRussian(p.NameKK.Last) != p.NameRU.Last {
			t.Fatalf("%s: %v is not the Russian form of %v", p.IIN, p.NameRU, p.NameKK)
		}
		if !latinUpper.MatchString(p.NameLatin.Last) || !latinUpper.MatchString(p.NameLatin.First) {
			t.Fatalf("%s: Latin name %v", p.IIN, p.NameLatin)
		}
		if kazakhOnly.MatchString(p.NameKK.Last + p.NameKK.First + p.NameKK.Middle) {
			kazakhLetters++
			letters.WriteString(p.NameKK.Last + p.NameKK.First + p.NameKK.Middle)
		}
		if p.Address.RegionKK == "" || p.Address.CityRU == "" || p.Address.StreetKK == "" || p.Address.StreetRU == "" || p.Address.Building == "" || p.Address.Since.Before(p.BirthDate) || p.Address.Since.After(now) {
			t.Fatalf("%s: address %+v", p.IIN, p.Address)
		}
		if p.BirthPlace.RegionCode == "" || p.Citizenship.Code == "" || p.Nationality.Code == "" {
			t.Fatalf("%s: birth place, citizenship or nationality missing", p.IIN)
		}
		if p.Citizenship != CountryKZ {
			foreign++
		}
		d := p.Document
		docTypes[d.Type]++
		end := now
		if !p.DeathDate.IsZero() {
			deceased++
			end = p.DeathDate
			if p.DeathDate.Before(p.BirthDate) || !p.DeathDate.Before(now) || p.DeathCertificate == nil || p.DeathCertificate.Date.Before(p.DeathDate) {
				t.Fatalf("%s: death %s, certificate %+v", p.IIN, p.DeathDate, p.DeathCertificate)
			}
		}
		if d.Number == "" || d.TypeKK == "" || d.TypeRU == "" || d.IssuerKK == "" || d.IssuerRU == "" ||
			d.IssueDate.Before(p.BirthDate) || d.IssueDate.After(end) || (!d.ExpiryDate.IsZero() && !d.ExpiryDate.After(d.IssueDate)) {
			t.Fatalf("%s: document %+v", p.IIN, d)
		}
		switch {
		case p.Citizenship != CountryKZ:
			if d.Type != DocResidencePermit {
				t.Fatalf("%s: a foreigner with %s", p.IIN, d.Type)
			}
		case p.AgeAt(end) < 16:
			if d.Type != DocBirthCertificate {
				t.Fatalf("%s: a child with %s", p.IIN, d.Type)
			}
		default:
			if d.Type != DocIDCard && d.Type != DocPassport {
				t.Fatalf("%s: an adult with %s", p.IIN, d.Type)
			}
		}
	}
	for _, r := range "ӘҒҚҢӨҰҮҺІ" {
		if !strings.ContainsRune(letters.String(), r) {
			t.Errorf("no Kazakh-form name has %c", r)
		}
	}
	if withoutSIK == 0 || len(siks) == 0 || kazakhLetters < pop.Len()/2 || deceased == 0 || foreign == 0 || len(docTypes) != 4 {
		t.Fatalf("without SIK %d, with %d, Kazakh letters %d, deceased %d, foreign %d, document types %v",
			withoutSIK, len(siks), kazakhLetters, deceased, foreign, docTypes)
	}
}

func TestToRussianAndLatin(t *testing.T) {
	for _, tc := range []struct{ kk, ru, lat string }{
		{"ӘЙГЕРІМ", "АЙГЕРИМ", "AIGERIM"},
		{"ЖҰМАҒАЛИЕВА", "ЖУМАГАЛИЕВА", "ZHUMAGALIEVA"},
		{"ШАҺИЗАДА", "ШАХИЗАДА", "SHAKHIZADA"},
		{"ҚҰНАНБАЕВА", "КУНАНБАЕВА", "KUNANBAEVA"},
		{"ТӨЛЕГЕНОВ", "ТОЛЕГЕНОВ", "TOLEGENOV"},
		{"ҮСЕНОВ", "УСЕНОВ", "USENOV"},
		{"ЖАҢАӨЗЕН", "ЖАНАОЗЕН", "ZHANAOZEN"},
		{"СЕРГЕЙ", "СЕРГЕЙ", "SERGEI"},
	} {
		if got := ToRussian(tc.kk); got != tc.ru {
			t.Errorf("ToRussian(%s) = %s, want %s", tc.kk, got, tc.ru)
		}
		if got := ToLatin(tc.kk); got != tc.lat {
			t.Errorf("ToLatin(%s) = %s, want %s", tc.kk, got, tc.lat)
		}
	}
	for _, tc := range []struct {
		father string
		female bool
		want   string
	}{
		{"Ерлан", false, "Ерланович"}, {"Ерлан", true, "Ерлановна"}, {"Абылай", false, "Абылаевич"},
		{"Ергали", true, "Ергалиевна"},
	} {
		if got := russianPatronymic(tc.father, tc.female); got != tc.want {
			t.Errorf("russianPatronymic(%s, %v) = %s, want %s", tc.father, tc.female, got, tc.want)
		}
	}
}

// TestNoFloats walks the exported types: money and everything else is integer or string.
func TestNoFloats(t *testing.T) {
	var walk func(reflect.Type, string)
	seen := map[reflect.Type]bool{}
	walk = func(ty reflect.Type, path string) {
		if seen[ty] {
			return
		}
		seen[ty] = true
		switch ty.Kind() {
		case reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
			t.Errorf("%s is a %s", path, ty)
		case reflect.Struct:
			if ty == reflect.TypeOf(time.Time{}) {
				return
			}
			for i := 0; i < ty.NumField(); i++ {
				walk(ty.Field(i).Type, path+"."+ty.Field(i).Name)
			}
		case reflect.Slice, reflect.Pointer:
			walk(ty.Elem(), path)
		}
	}
	for _, v := range []any{Person{}, Movement{}, PowerOfAttorney{}, Decision{}} {
		walk(reflect.TypeOf(v), reflect.TypeOf(v).Name())
	}
}

func TestMovements(t *testing.T) {
	pop := shared()
	now, hist := pop.Now(), pop.History()
	withRows := 0
	for p := range pop.All() {
		all := pop.Movements(p.IIN, time.Time{}, time.Time{})
		if len(p.Jobs) == 0 && len(all) > 0 {
			t.Fatalf("%s: movements without jobs", p.IIN)
		}
		if len(all) > 0 {
			withRows++
		}
		for i, m := range all {
			if i > 0 && m.ReceiptDate.Before(all[i-1].ReceiptDate) {
				t.Fatalf("%s: movements not sorted", p.IIN)
			}
			per, err := time.Parse("2006-01", m.Period)
			if err != nil || !yearMonth.MatchString(m.Period) {
				t.Fatalf("%s: period %q", p.IIN, m.Period)
			}
			if m.AmountTiyn <= 0 || m.ReceiptDate.After(now) || m.ReceiptDate.Before(hist) || per.Before(hist) ||
				!m.DocumentDate.After(monthEnd(per)) || m.ReceiptDate.Before(m.DocumentDate) ||
				(m.Status == StatusProcessing) != m.DispatchDate.IsZero() ||
				(!m.DispatchDate.IsZero() && (m.DispatchDate.Before(m.ReceiptDate) || m.DispatchDate.After(now))) ||
				m.Number == "" || (m.KPP != KPPMandatory && m.KPP != KPPOccupational) || m.Sender == "" ||
				!iin.ValidBIN(m.RIN) || m.Recipient != PensionFund {
				t.Fatalf("%s: movement %+v", p.IIN, m)
			}
		}
		if len(all) == 0 {
			continue
		}
		// Windows: every row inside, and consecutive windows partition the history.
		for _, w := range []struct{ from, to time.Time }{
			{hist, now}, {time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)},
			{all[0].ReceiptDate, all[0].ReceiptDate}, {now.AddDate(0, -3, 0), time.Time{}},
		} {
			to := w.to
			if to.IsZero() {
				to = now
			}
			for _, m := range pop.Movements(p.IIN, w.from, w.to) {
				if m.ReceiptDate.Before(w.from) || m.ReceiptDate.After(to) {
					t.Fatalf("%s: %s outside %s..%s", p.IIN, m.ReceiptDate, w.from, to)
				}
			}
		}
		split := time.Date(2023, 6, 15, 0, 0, 0, 0, time.UTC)
		a, b := pop.Movements(p.IIN, time.Time{}, split), pop.Movements(p.IIN, split.AddDate(0, 0, 1), time.Time{})
		if len(a)+len(b) != len(all) || TotalTiyn(a)+TotalTiyn(b) != TotalTiyn(all) {
			t.Fatalf("%s: windows do not partition the history", p.IIN)
		}
	}
	if withRows < pop.Len()/4 {
		t.Fatalf("only %d persons have movements", withRows)
	}
	if pop.Movements("000000000000", time.Time{}, time.Time{}) != nil {
		t.Fatal("movements of an unknown IIN")
	}
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir()+"/x.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := fixtures.Read("../../testdata/people.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	var reserved []string
	for _, p := range f.People {
		reserved = append(reserved, p.IIN, p.SIK)
	}
	pop := Generate(Options{Seed: 9, Size: 400, Now: testNow, Reserved: reserved})
	if err := pop.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	decisions := 0
	for p := range pop.All() {
		got, err := st.Person(ctx, p.IIN)
		if err != nil {
			t.Fatalf("%s: %v", p.IIN, err)
		}
		want := p.StorePerson()
		if got.IIN != want.IIN || got.LastName != want.LastName || got.FirstName != want.FirstName ||
			got.MiddleName != want.MiddleName || !got.BirthDate.Equal(want.BirthDate) || got.SIK != want.SIK {
			t.Fatalf("%s: read back %+v, want %+v", p.IIN, got, want)
		}
		for _, want := range p.StoreDecisions() {
			decisions++
			got, err := st.Decision(ctx, p.IIN, want.PaymentKind)
			if err != nil {
				t.Fatalf("%s %s: %v", p.IIN, want.PaymentKind, err)
			}
			if got.Outcome != want.Outcome || got.DecisionNumber != want.DecisionNumber || !got.DecisionDate.Equal(want.DecisionDate) ||
				got.AmountTiyn != want.AmountTiyn || !got.PeriodFrom.Equal(want.PeriodFrom) || !got.PeriodTo.Equal(want.PeriodTo) ||
				got.ReasonKK != want.ReasonKK || got.ReasonRU != want.ReasonRU {
				t.Fatalf("%s: read back %+v, want %+v", p.IIN, got, want)
			}
		}
		for _, k := range Kinds {
			if _, ok := p.Decision(k); !ok {
				if _, err := st.Decision(ctx, p.IIN, string(k)); err != store.ErrNotFound {
					t.Fatalf("%s %s: %v, want ErrNotFound", p.IIN, k, err)
				}
			}
		}
	}
	if decisions == 0 {
		t.Fatal("no decisions loaded")
	}
	// The fixtures are untouched.
	for _, fp := range f.People {
		got, err := st.Person(ctx, fp.IIN)
		if err != nil || got.LastName != fp.LastName || got.SIK != fp.SIK {
			t.Fatalf("fixture %s: %+v, %v", fp.IIN, got, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := pop.Load(cctx, st); err == nil {
		t.Fatal("Load ignores a cancelled context")
	}
}

func TestPowersOfAttorney(t *testing.T) {
	pop := shared()
	now := pop.Now()
	poas := pop.PowersOfAttorney()
	if len(poas) < pop.Len()/30 {
		t.Fatalf("%d powers of attorney", len(poas))
	}
	var revoked, open, statement, deathEnded int
	for i, a := range poas {
		if i > 0 && poas[i-1].Number >= a.Number {
			t.Fatal("not in order of number")
		}
		pr, ok1 := pop.Person(a.PrincipalIIN)
		rp, ok2 := pop.Person(a.RepresentativeIIN)
		if !ok1 || !ok2 || pr.IIN == rp.IIN || a.Principal != pr.NameKK || a.Representative != rp.NameKK {
			t.Fatalf("%s: principal or representative %+v", a.Number, a)
		}
		for _, p := range []Person{pr, rp} {
			if p.AgeAt(a.IssueDate) < 18 || p.Deceased(a.IssueDate.AddDate(0, 0, -1)) {
				t.Fatalf("%s: %s is under age or dead at issue", a.Number, p.IIN)
			}
		}
		if a.IssueDate.After(now) || !a.ValidFrom.Equal(a.IssueDate) || (!a.ValidUntil.IsZero() && a.ValidUntil.Before(a.IssueDate)) ||
			a.Notary.Name.Last == "" || a.Notary.LicenseNumber == "" || a.Notary.ChamberKK == "" || a.RegistryNumber == "" || len(a.Scope) == 0 {
			t.Fatalf("%s: %+v", a.Number, a)
		}
		if a.Revoked {
			revoked++
			if a.RevocationDate.Before(a.IssueDate) || a.RevocationDate.After(now) || a.ValidAt(a.RevocationDate) {
				t.Fatalf("%s: revocation %s", a.Number, a.RevocationDate)
			}
			if a.RevocationDate.Equal(pr.DeathDate) {
				deathEnded++
			}
		}
		if !pr.DeathDate.IsZero() && a.ValidAt(pr.DeathDate) {
			t.Fatalf("%s: valid on the principal's death", a.Number)
		}
		if a.ValidUntil.IsZero() {
			open++
		}
		if a.Covers(PowerPensionStatement) {
			statement++
		}
		if !a.ValidAt(a.IssueDate) && !(a.Revoked && a.RevocationDate.Equal(a.IssueDate)) {
			t.Fatalf("%s: not valid on its issue date", a.Number)
		}
		if a.ValidAt(a.IssueDate.AddDate(0, 0, -1)) {
			t.Fatalf("%s: valid before issue", a.Number)
		}
		if got, ok := pop.FindPowerOfAttorney(a.Number, a.PrincipalIIN, a.RepresentativeIIN); !ok || !reflect.DeepEqual(got, a) {
			t.Fatalf("%s: not found", a.Number)
		}
		if _, ok := pop.FindPowerOfAttorney(a.Number, a.RepresentativeIIN, a.PrincipalIIN); ok {
			t.Fatalf("%s: found with principal and representative swapped", a.Number)
		}
		e := a.ENIS(now)
		if e.Number != a.Number || string(*e.PrincipalIin) != a.PrincipalIIN || bool(*e.Valid) != a.ValidAt(now) || bool(*e.Revoked) != a.Revoked || len(e.Scope.Power) != len(a.Scope) {
			t.Fatalf("%s: ENIS form %+v", a.Number, e)
		}
		if _, err := xml.Marshal(e); err != nil {
			t.Fatal(err)
		}
	}
	if revoked == 0 || open == 0 || statement == 0 || deathEnded == 0 {
		t.Fatalf("revoked %d (by death %d), open-ended %d, with the statement power %d", revoked, deathEnded, open, statement)
	}
}

func TestConversions(t *testing.T) {
	pop := shared()
	now := pop.Now()
	checked := map[string]bool{}
	marshalled := 0
	for p := range pop.All() {
		g := p.GBDFL(now)
		if g.Iin != p.IIN || g.Surname != p.NameKK.Last || g.EngSurname != p.NameLatin.Last || g.Documents == nil || len(g.Documents.Document) != 1 {
			t.Fatalf("%s: %+v", p.IIN, g)
		}
		wantGender := map[bool]string{false: "1", true: "2"}[p.Female()]
		if g.Gender.Code != wantGender || (g.LifeStatus.Code == "2") != p.Deceased(now) || (g.DeathCertificate != nil) != p.Deceased(now) {
			t.Fatalf("%s: gender %s / life status %s", p.IIN, g.Gender.Code, g.LifeStatus.Code)
		}
		status := g.Documents.Document[0].Status.Code
		switch {
		case p.Deceased(now):
			checked["deceased"] = true
			if status != DocStatusDeceased {
				t.Fatalf("%s: document status %s of a deceased", p.IIN, status)
			}
			if before := p.GBDFL(p.DeathDate.AddDate(0, 0, -1)); before.LifeStatus.Code != "1" {
				t.Fatalf("%s: dead before the death date", p.IIN)
			}
		case !p.Document.ValidAt(now):
			checked["expired"] = true
			if status != DocStatusExpired {
				t.Fatalf("%s: document status %s of an expired document", p.IIN, status)
			}
		default:
			checked["valid"] = true
			if status != DocStatusValid {
				t.Fatalf("%s: document status %s", p.IIN, status)
			}
		}
		if len(checked) == 3 && p.SIK != "" && marshalled < 50 {
			marshalled++
			if _, err := xml.Marshal(g); err != nil {
				t.Fatal(err)
			}
			ms := pop.Movements(p.IIN, time.Time{}, time.Time{})
			rows, total := StatementRows(ms)
			if len(rows) != len(ms) || int64(total) != TotalTiyn(ms) {
				t.Fatal("statement rows")
			}
			for i, r := range rows {
				if r.Number != ms[i].Number || int64(*r.AmountTiyn) != ms[i].AmountTiyn || string(*r.Period) != ms[i].Period {
					t.Fatalf("row %+v of %+v", r, ms[i])
				}
				if _, err := xml.Marshal(r); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if len(checked) != 3 {
		t.Fatalf("document statuses seen: %v", checked)
	}
}
