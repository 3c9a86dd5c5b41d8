package population

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shepgate/shepgate/adapter/iin"
)

// meta is what the generator knows about a person besides the Person itself.
type meta struct {
	firstKK string // first name, title case (a Kazakh name, or a Russian one for Russians)
	ruIdx   int    // index in russianMale for Russian men, -1 otherwise
	stem    string // male surname stem (…ов/…ев/…ин); "" when the surname is «father's name + ұлы/қызы»
	spouse  int    // -1 when none
	father  int
	mother  int
	kids    []int
	region  int
}

type employer struct {
	bin    string
	kk, ru string
}

type notary struct {
	name      FullName
	license   string
	chamberKK string
	chamberRU string
	registry  int
}

type gen struct {
	r        *rng
	size     int
	now      time.Time
	history  time.Time
	reserved map[string]bool
	people   []*Person
	meta     []*meta
	serials  map[string]int
	sik      map[string]bool
	emps     []employer
	notaries []notary
	docSeq   [4]int64
	deathSeq int64
	decSeq   map[string]int
}

// Generate builds a population. See the package comment for its determinism and rules.
func Generate(opts Options) *Population {
	now := DefaultNow
	if !opts.Now.IsZero() {
		now = day(opts.Now.UTC())
	}
	if opts.HistoryYears <= 0 {
		opts.HistoryYears = DefaultHistoryYears
	}
	opts.Now = now
	opts.Reserved = slices.Clone(opts.Reserved)
	size := max(opts.Size, 0)
	g := &gen{
		r:        newRNG(uint64(opts.Seed), 0x73686570676174e1), // "shepgat"
		size:     size,
		now:      now,
		history:  monthStart(now.AddDate(-opts.HistoryYears, 0, 0)),
		reserved: make(map[string]bool, len(opts.Reserved)),
		serials:  make(map[string]int, size),
		sik:      make(map[string]bool, size),
		decSeq:   make(map[string]int),
		people:   make([]*Person, 0, size),
		meta:     make([]*meta, 0, size),
	}
	for _, s := range opts.Reserved {
		g.reserved[s] = true
	}
	g.makeEmployers()
	g.makeNotaries()
	for len(g.people) < g.size {
		g.household()
	}
	for i := range g.people {
		g.death(i)
	}
	for i := range g.people {
		g.work(i)
	}
	for i := range g.people {
		g.decide(i)
	}
	for i := range g.people {
		g.registerSIK(i)
		g.document(i)
	}
	g.link()
	pop := &Population{opts: opts, now: now, history: g.history}
	pop.poas = g.powersOfAttorney()
	pop.persons = make([]Person, len(g.people))
	for i, p := range g.people {
		pop.persons[i] = *p
	}
	slices.SortFunc(pop.persons, func(a, b Person) int { return strings.Compare(a.IIN, b.IIN) })
	pop.index = make(map[string]int, len(pop.persons))
	for i := range pop.persons {
		pop.index[pop.persons[i].IIN] = i
	}
	pop.poaIdx = make(map[string]int, len(pop.poas))
	for i := range pop.poas {
		pop.poaIdx[pop.poas[i].Number] = i
	}
	return pop
}

func (g *gen) full() bool { return len(g.people) >= g.size }

func (g *gen) makeEmployers() {
	n := g.size/40 + 8
	seen := map[string]bool{}
	for len(g.emps) < n {
		w1, w2, lf := employerWords[g.r.intn(len(employerWords))], employerWords2[g.r.intn(len(employerWords2))], legalForms[g.r.intn(len(legalForms))]
		reg := time.Date(g.r.between(1995, 2020), time.Month(g.r.between(1, 12)), 1, 0, 0, 0, 0, time.UTC)
		bin, err := iin.MakeBIN(reg, g.r.intn(90000))
		if err != nil || seen[bin] || g.reserved[bin] {
			continue
		}
		seen[bin] = true
		kk := fmt.Sprintf("«%s %s» %s", w1.kk, w2.kk, lf.kk)
		ru := fmt.Sprintf("%s «%s %s»", lf.ru, w1.ru, w2.ru)
		g.emps = append(g.emps, employer{bin: bin, kk: kk, ru: ru})
	}
}

func (g *gen) makeNotaries() {
	n := g.size/400 + 3
	for i := 0; i < n; i++ {
		female := g.r.chance(600)
		name, _ := g.randomName(female, g.r.chance(750))
		reg := regions[g.r.weighted(regionWeights)]
		g.notaries = append(g.notaries, notary{name: name, license: fmt.Sprintf("%08d", 10000000+i*137+g.r.intn(137)),
			chamberKK: reg.chamberKK, chamberRU: reg.chamberRU, registry: g.r.between(1, 3000)})
	}
}

// randomName is a Kazakh-form name of a person outside the population (a notary).
func (g *gen) randomName(female, kazakh bool) (FullName, FullName) {
	m := &meta{ruIdx: -1}
	father := &meta{ruIdx: -1}
	if kazakh {
		father.firstKK = kazakhMale[g.r.intn(len(kazakhMale))]
		m.stem = kazakhSurnames[g.r.intn(len(kazakhSurnames))]
	} else {
		father.ruIdx = g.r.intn(len(russianMale))
		father.firstKK = russianMale[father.ruIdx].first
		m.stem = russianSurnames[g.r.intn(len(russianSurnames))]
	}
	p := &Person{Sex: iin.Male}
	if female {
		p.Sex = iin.Female
	}
	nat := NationalityRussian
	if kazakh {
		nat = NationalityKazakh
	}
	g.name(p, m, father, nat)
	return p.NameKK, p.NameRU
}

// name fills p's names: m is the person's meta (stem set by the caller), father the father's
// meta (only firstKK and ruIdx are read).
func (g *gen) name(p *Person, m, father *meta, nat Nationality) {
	female := p.Female()
	var kk, ru FullName
	if nat == NationalityKazakh {
		if female {
			m.firstKK = kazakhFemale[g.r.intn(len(kazakhFemale))]
		} else {
			m.firstKK = kazakhMale[g.r.intn(len(kazakhMale))]
		}
		kk.First, ru.First = m.firstKK, ToRussian(m.firstKK)
	} else {
		if female {
			m.firstKK = russianFemale[g.r.intn(len(russianFemale))]
		} else {
			m.ruIdx = g.r.intn(len(russianMale))
			m.firstKK = russianMale[m.ruIdx].first
		}
		kk.First, ru.First = m.firstKK, m.firstKK
	}
	// Patronymic.
	if father.ruIdx >= 0 {
		rn := russianMale[father.ruIdx]
		kk.Middle, ru.Middle = rn.patM, rn.patM
		if female {
			kk.Middle, ru.Middle = rn.patF, rn.patF
		}
	} else {
		kk.Middle = father.firstKK + suffix(female, "ұлы", "қызы")
		ru.Middle = russianPatronymic(ToRussian(father.firstKK), female)
	}
	// Surname.
	if m.stem != "" {
		kk.Last = m.stem + suffix(female, "", "а")
		ru.Last = ToRussian(kk.Last)
	} else {
		kk.Last = father.firstKK + suffix(female, "ұлы", "қызы")
		ru.Last = ToRussian(father.firstKK) + suffix(female, "улы", "кызы")
	}
	p.NameKK = upper(kk)
	p.NameRU = upper(ru)
	p.NameLatin = FullName{Last: ToLatin(ru.Last), First: ToLatin(ru.First)}
}

func suffix(female bool, male, fem string) string {
	if female {
		return fem
	}
	return male
}

func upper(n FullName) FullName {
	return FullName{Last: strings.ToUpper(n.Last), First: strings.ToUpper(n.First), Middle: strings.ToUpper(n.Middle)}
}

// russianPatronymic derives a Russian patronymic from a non-Russian father's name in its
// Russian form: Ерлан → Ерланович/Ерлановна, Абылай → Абылаевич, Ергали → Ергалиевич.
func russianPatronymic(father string, female bool) string {
	switch {
	case strings.HasSuffix(father, "й"):
		return strings.TrimSuffix(father, "й") + suffix(female, "евич", "евна")
	case strings.HasSuffix(father, "и"):
		return father + suffix(female, "евич", "евна")
	}
	return father + suffix(female, "ович", "овна")
}

// newPerson adds a person born about birth; it returns -1 when the population is full.
// father and mother are indices or -1; stem is the surname stem ("" for ұлы/қызы surnames).
func (g *gen) newPerson(female bool, birth time.Time, nat Nationality, father, mother int, stem string, reg int) int {
	if g.full() {
		return -1
	}
	if birth.After(g.now) {
		birth = g.now
	}
	id, birth := g.makeIIN(birth, female)
	p := &Person{IIN: id, BirthDate: birth, Sex: iin.Male, Nationality: nat, Citizenship: CountryKZ}
	if female {
		p.Sex = iin.Female
	}
	m := &meta{ruIdx: -1, stem: stem, spouse: -1, father: father, mother: mother, region: reg}
	fm := &meta{ruIdx: -1}
	if father >= 0 {
		fm = g.meta[father]
	} else if nat == NationalityKazakh {
		fm.firstKK = kazakhMale[g.r.intn(len(kazakhMale))]
	} else {
		fm.ruIdx = g.r.intn(len(russianMale))
		fm.firstKK = russianMale[fm.ruIdx].first
	}
	g.name(p, m, fm, nat)
	rg := regions[reg]
	city := g.r.intn(len(rg.citiesKK))
	p.BirthPlace = Place{RegionCode: rg.code, RegionKK: rg.kk, RegionRU: rg.ru, CityKK: rg.citiesKK[city], CityRU: rg.ciRU[city]}
	i := len(g.people)
	g.people = append(g.people, p)
	g.meta = append(g.meta, m)
	if father >= 0 {
		g.meta[father].kids = append(g.meta[father].kids, i)
	}
	if mother >= 0 {
		g.meta[mother].kids = append(g.meta[mother].kids, i)
	}
	return i
}

// makeIIN returns an unused, unreserved IIN for a person born on birth (or, when the 10 000
// serials of that day and sex are all taken, on an earlier day, which is returned).
func (g *gen) makeIIN(birth time.Time, female bool) (string, time.Time) {
	for ; ; birth = birth.AddDate(0, 0, -1) {
		key := birth.Format("060102")
		if female {
			key += "F"
		}
		key += strconv.Itoa(birth.Year() / 100)
		next, ok := g.serials[key]
		if !ok {
			next = g.r.intn(3000)
		}
		for next <= 9999 {
			id, err := iin.Make(birth, female, next)
			if err != nil {
				next = 10000
				break
			}
			used, _ := strconv.Atoi(id[7:11])
			next = used + 1 + g.r.intn(16)
			if g.reserved[id] {
				continue
			}
			g.serials[key] = next
			return id, birth
		}
		g.serials[key] = next
	}
}

// address gives a new household address in region reg, lived at since since.
func (g *gen) address(reg int, since time.Time) Address {
	rg := regions[reg]
	c := g.r.intn(len(rg.citiesKK))
	st := streets[g.r.intn(len(streets))]
	a := Address{Place: Place{RegionCode: rg.code, RegionKK: rg.kk, RegionRU: rg.ru, CityKK: rg.citiesKK[c], CityRU: rg.ciRU[c]},
		StreetKK: st.kk, StreetRU: st.ru, Building: strconv.Itoa(g.r.between(1, 250)), Since: since}
	if g.r.chance(700) {
		a.Flat = strconv.Itoa(g.r.between(1, 180))
	}
	return a
}

// household adds a founding couple (or a single adult) with their descendants.
func (g *gen) household() {
	nat := NationalityKazakh
	if g.r.chance(220) {
		nat = NationalityRussian
	}
	age := 20 + g.r.intn(50)
	if g.r.chance(260) {
		age = 70 + g.r.intn(23)
	}
	female := g.r.chance(120) // a single woman heads a few households
	birth := g.now.AddDate(-age, 0, -g.r.intn(365))
	reg := g.r.weighted(regionWeights)
	stem := g.stem(nat)
	head := g.newPerson(female, birth, nat, -1, -1, stem, reg)
	if head < 0 {
		return
	}
	if g.r.chance(30) {
		g.people[head].Citizenship = foreign(nat, g.r)
	}
	since := g.r.dateBetween(maxTime(birth.AddDate(18, 0, 0), g.now.AddDate(-25, 0, 0)), g.now)
	g.people[head].Address = g.address(reg, since)
	if female {
		return
	}
	g.family(head, 0)
}

func foreign(nat Nationality, r *rng) Country {
	if nat == NationalityRussian {
		return CountryRU
	}
	if r.chance(500) {
		return CountryUZ
	}
	return CountryKG
}

func (g *gen) stem(nat Nationality) string {
	if nat == NationalityRussian {
		return russianSurnames[g.r.intn(len(russianSurnames))]
	}
	if g.r.chance(200) {
		return ""
	}
	return kazakhSurnames[g.r.intn(len(kazakhSurnames))]
}

// family marries the man or woman at i (with probability) to a new person from outside and adds
// their children; adult children may start families of their own.
func (g *gen) family(i, depth int) {
	p := g.people[i]
	if p.AgeAt(g.now) < 21 || !g.r.chance(850) {
		return
	}
	female := p.Female()
	nat := p.Nationality
	if g.r.chance(80) {
		nat = otherNationality(nat)
	}
	// The partner is a few years younger (a wife) or older (a husband).
	offset := g.r.between(-2*365, 7*365)
	if female {
		offset = -offset
	}
	pb := p.BirthDate.AddDate(0, 0, offset)
	if lim := g.now.AddDate(-19, 0, 0); pb.After(lim) {
		pb = lim
	}
	sp := g.newPerson(!female, pb, nat, -1, -1, g.stem(nat), g.meta[i].region)
	if sp < 0 {
		return
	}
	husband, wife := i, sp
	if female {
		husband, wife = sp, i
	}
	g.meta[husband].spouse, g.meta[wife].spouse = wife, husband
	// The wife often takes the husband's surname (when it is an …ов/…ев one).
	hm := g.meta[husband]
	if hm.stem != "" && g.r.chance(650) {
		w := g.people[wife]
		w.NameKK.Last = strings.ToUpper(hm.stem + "а")
		w.NameRU.Last = ToRussian(w.NameKK.Last)
		w.NameLatin.Last = ToLatin(w.NameRU.Last)
	}
	spp := g.people[sp]
	spp.Address = p.Address
	spp.Address.Since = minTime(maxTime(spp.Address.Since, spp.BirthDate.AddDate(18, 0, 0)), g.now)
	g.children(husband, wife, depth)
}

func otherNationality(n Nationality) Nationality {
	if n == NationalityKazakh {
		return NationalityRussian
	}
	return NationalityKazakh
}

// children adds the children of a couple: born to the mother aged 19–44, at least a year apart.
func (g *gen) children(father, mother, depth int) {
	fp, mp := g.people[father], g.people[mother]
	weights := []int{8, 14, 24, 26, 16, 8, 4} // Kazakh families: 0–6 children
	if fp.Nationality == NationalityRussian {
		weights = []int{12, 34, 36, 13, 4, 1, 0}
	}
	n := g.r.weighted(weights)
	t := maxTime(mp.BirthDate, fp.BirthDate.AddDate(1, 0, 0)).AddDate(19+g.r.intn(7), 0, g.r.intn(365))
	if wed := fp.Address.Since; t.Before(wed) && g.r.chance(500) {
		t = wed.AddDate(0, 0, g.r.intn(400))
	}
	fm := g.meta[father]
	stem := fm.stem
	var kids []int
	for k := 0; k < n; k++ {
		if t.After(g.now) || AgeAt(mp.BirthDate, t) > 44 {
			break
		}
		c := g.newPerson(g.r.chance(490), t, fp.Nationality, father, mother, stem, fm.region)
		if c < 0 {
			return
		}
		cp := g.people[c]
		cp.Address = fp.Address
		if cp.Address.Since.Before(cp.BirthDate) {
			cp.Address.Since = cp.BirthDate
		}
		kids = append(kids, c)
		t = t.AddDate(1+g.r.intn(3), 0, g.r.intn(300))
	}
	for _, c := range kids {
		cp := g.people[c]
		if cp.AgeAt(g.now) < 22 {
			continue
		}
		reg := g.meta[c].region
		if g.r.chance(300) {
			reg = g.r.weighted(regionWeights)
			g.meta[c].region = reg
		}
		if g.r.chance(700) {
			since := g.r.dateBetween(cp.BirthDate.AddDate(18, 0, 0), g.now)
			cp.Address = g.address(reg, since)
		}
		if depth < 2 {
			g.family(c, depth+1)
		}
	}
}

// death decides whether a person has died, and when: never before the birth of their youngest
// child, and within the last 12 years.
func (g *gen) death(i int) {
	p := g.people[i]
	age := p.AgeAt(g.now)
	var pm int
	switch {
	case age >= 85:
		pm = 450
	case age >= 75:
		pm = 250
	case age >= 65:
		pm = 120
	case age >= 50:
		pm = 50
	case age >= 18:
		pm = 25
	default:
		pm = 3
	}
	if !g.r.chance(pm) {
		return
	}
	lo := maxTime(p.BirthDate.AddDate(0, 0, 1), g.now.AddDate(-12, 0, 0))
	for _, k := range g.meta[i].kids {
		lo = maxTime(lo, g.people[k].BirthDate)
	}
	hi := g.now.AddDate(0, 0, -1)
	if lo.After(hi) {
		return
	}
	p.DeathDate = g.r.dateBetween(lo, hi)
	g.deathSeq++
	cert := minTime(p.DeathDate.AddDate(0, 0, g.r.between(1, 10)), g.now)
	c := p.Address.Place
	p.DeathCertificate = &Certificate{Number: fmt.Sprintf("%010d", 3000000000+g.deathSeq*7919%1000000000), Date: cert,
		IssuerKK: c.CityKK + " қ. АХАЖ бөлімі", IssuerRU: "Отдел ЗАГС г. " + c.CityRU}
}

// end is the last day a person is alive, as far as the population goes (Now for the living).
func (g *gen) end(p *Person) time.Time {
	if p.DeathDate.IsZero() {
		return g.now
	}
	return p.DeathDate
}

var start1998 = time.Date(1998, time.January, 1, 0, 0, 0, 0, time.UTC)

// work sets seniority, hazardous work, disability and the jobs inside the movement history.
func (g *gen) work(i int) {
	p := g.people[i]
	end := g.end(p)
	adult := p.BirthDate.AddDate(18, 0, 0)
	if adult.After(end) {
		return
	}
	idle := g.r.chance(30)
	if p.Female() {
		idle = g.r.chance(70)
	}
	frac := g.r.between(40, 100)
	if !idle {
		avail := min(AgeAt(p.BirthDate, end), p.PensionAge()) - 18
		p.WorkYears = max(avail*frac/100, 0)
		if adult.Before(start1998) {
			months := int(start1998.Sub(adult).Hours() / 24 / 30)
			p.WorkMonthsBefore1998 = months * frac / 100
		}
		pm := 60
		if p.Female() {
			pm = 15
		}
		if p.AgeAt(g.now) >= 35 && g.r.chance(pm) {
			p.HazardYears = min(g.r.between(5, 25), p.WorkYears)
		}
	}
	if g.r.chance(30) {
		p.DisabilityGroup = 1 + g.r.weighted([]int{15, 45, 40})
		p.DisabledSince = g.r.dateBetween(maxTime(adult, g.now.AddDate(-15, 0, 0)), end)
	}
	if idle || !g.r.chance(800) {
		return
	}
	from := maxTime(g.history, monthStart(adult.AddDate(0, 1, 0)))
	stop := end
	if retire := p.BirthDate.AddDate(p.PensionAge(), 0, 0); retire.Before(stop) && !g.r.chance(200) {
		stop = retire
	}
	last := monthStart(stop).AddDate(0, 0, -1) // the last full month worked
	hazardous := p.HazardYears > 0
	for from.Before(last) && len(p.Jobs) < 3 {
		e := g.emps[g.r.intn(len(g.emps))]
		salary := int64(85000+g.r.intn(300000)) * 100
		if g.r.chance(100) {
			salary = int64(400000+g.r.intn(1100000)) * 100
		}
		j := Job{EmployerBIN: e.bin, EmployerKK: e.kk, EmployerRU: e.ru, From: from, SalaryTiyn: salary, Hazardous: hazardous}
		months := g.r.between(6, 72)
		to := from.AddDate(0, months, -1)
		if !to.Before(last) {
			if stop.Equal(g.now) {
				to = time.Time{} // still employed
			} else {
				to = last
			}
		}
		p.Jobs = append(p.Jobs, j)
		if to.IsZero() {
			break
		}
		p.Jobs[len(p.Jobs)-1].To = to
		from = to.AddDate(0, 0, 1).AddDate(0, g.r.between(0, 6), 0) // the first of a month
	}
}

// registerSIK gives a SIK to everyone with a decision or a job, and to most adults.
func (g *gen) registerSIK(i int) {
	p := g.people[i]
	need := time.Time{}
	for _, d := range p.Decisions {
		if need.IsZero() || d.Date.Before(need) {
			need = d.Date
		}
	}
	if len(p.Jobs) > 0 && (need.IsZero() || p.Jobs[0].From.Before(need)) {
		need = p.Jobs[0].From
	}
	if need.IsZero() {
		pm := 150
		if p.AgeAt(g.end(p)) >= 18 {
			pm = 900
		}
		if !g.r.chance(pm) {
			return
		}
	}
	reg := maxTime(start1998.AddDate(0, 0, g.r.intn(7*365)), p.BirthDate.AddDate(16, 0, g.r.intn(6*365)))
	if p.AgeAt(g.now) < 16 {
		reg = p.BirthDate.AddDate(0, 0, g.r.between(10, 400))
	}
	if !need.IsZero() && !reg.Before(need) {
		reg = need.AddDate(0, 0, -g.r.between(1, 60))
	}
	if reg.After(g.end(p)) {
		reg = g.r.dateBetween(minTime(p.BirthDate.AddDate(16, 0, 0), g.end(p)), g.end(p))
	}
	reg = maxTime(reg, p.BirthDate)
	p.SIKRegistered = reg
	p.SIKIssued = reg
	if g.r.chance(150) {
		p.SIKIssued = g.r.dateBetween(reg, g.end(p)) // a duplicate was issued later
	}
	rg := regions[g.meta[i].region]
	p.SIKOfficeKK = "«Зейнетақы төлеу жөніндегі мемлекеттік орталығы» РМҚК " + rg.byKK + " филиалы"
	p.SIKOfficeRU = "Филиал РГКП «Государственный центр по выплате пенсий» " + rg.byRU
	for {
		var b [16]byte
		const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		for k := range b {
			b[k] = alphabet[g.r.intn(len(alphabet))]
		}
		s := string(b[:])
		if !g.sik[s] && !g.reserved[s] {
			g.sik[s] = true
			p.SIK = s
			return
		}
	}
}

// document gives the person an identity document: a birth certificate under 16, otherwise an
// ID card (or passport) renewed every ten years, or a residence permit for a foreigner.
func (g *gen) document(i int) {
	p := g.people[i]
	end := g.end(p)
	c := p.Address.Place
	switch {
	case p.Citizenship != CountryKZ:
		g.docSeq[3] += int64(g.r.between(1, 40))
		issue := g.r.dateBetween(maxTime(p.BirthDate.AddDate(18, 0, 0), end.AddDate(-9, 0, 0)), end)
		p.Document = Document{Type: DocResidencePermit, TypeKK: "Шетелдіктің Қазақстан Республикасында тұруға ықтиярхаты",
			TypeRU: "Вид на жительство иностранца в Республике Казахстан", Number: fmt.Sprintf("F%08d", 1000000+g.docSeq[3]),
			IssueDate: issue, ExpiryDate: issue.AddDate(10, 0, 0), IssuerKK: "ҚР ІІМ", IssuerRU: "МВД РК"}
	case p.AgeAt(end) < 16:
		g.docSeq[2] += int64(g.r.between(1, 40))
		p.Document = Document{Type: DocBirthCertificate, TypeKK: "Туу туралы куәлік", TypeRU: "Свидетельство о рождении",
			Number: fmt.Sprintf("%07d", 1000000+g.docSeq[2]), IssueDate: minTime(p.BirthDate.AddDate(0, 0, g.r.between(3, 30)), end),
			IssuerKK: c.CityKK + " қ. АХАЖ бөлімі", IssuerRU: "Отдел ЗАГС г. " + c.CityRU}
	default:
		issue := p.BirthDate.AddDate(16, 0, g.r.intn(90))
		if y := g.now.AddDate(-30, 0, 0); issue.Before(y) {
			issue = issue.AddDate((daysBetween(issue, y)/3653)*10, 0, 0)
		}
		for !issue.AddDate(10, 0, 0).After(end) && !g.r.chance(25) {
			issue = issue.AddDate(10, 0, g.r.intn(60))
		}
		issue = minTime(issue, end)
		kind, kk, ru, num := DocIDCard, "Қазақстан Республикасы азаматының жеке куәлігі", "Удостоверение личности гражданина Республики Казахстан", ""
		if g.r.chance(150) {
			g.docSeq[1] += int64(g.r.between(1, 40))
			kind, kk, ru, num = DocPassport, "Қазақстан Республикасы азаматының паспорты", "Паспорт гражданина Республики Казахстан", fmt.Sprintf("N%08d", 10000000+g.docSeq[1])
		} else {
			g.docSeq[0] += int64(g.r.between(1, 40))
			num = fmt.Sprintf("%09d", 10000000+g.docSeq[0])
		}
		ikk, iru := "ҚР ІІМ", "МВД РК"
		if !issue.Before(time.Date(2012, 5, 1, 0, 0, 0, 0, time.UTC)) && issue.Before(time.Date(2019, 7, 1, 0, 0, 0, 0, time.UTC)) {
			ikk, iru = "ҚР ӘМ", "МЮ РК"
		}
		p.Document = Document{Type: kind, TypeKK: kk, TypeRU: ru, Number: num, IssueDate: issue,
			ExpiryDate: issue.AddDate(10, 0, 0), IssuerKK: ikk, IssuerRU: iru}
	}
}

// link turns the generator's indices into IINs.
func (g *gen) link() {
	for i, m := range g.meta {
		p := g.people[i]
		if m.spouse >= 0 {
			p.Spouse = g.people[m.spouse].IIN
		}
		if m.father >= 0 {
			p.Father = g.people[m.father].IIN
		}
		if m.mother >= 0 {
			p.Mother = g.people[m.mother].IIN
		}
		for _, k := range m.kids {
			p.Children = append(p.Children, g.people[k].IIN)
		}
	}
}
