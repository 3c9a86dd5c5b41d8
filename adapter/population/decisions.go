package population

import (
	"fmt"
	"time"

	"github.com/shepgate/shepgate/generated/gcvp"
)

// Kinds are the eight payment kinds of services 1–8, in service order.
var Kinds = []gcvp.PaymentKind{
	gcvp.PaymentKindCHILDBIRTH_CHILDCARE_BENEFIT,
	gcvp.PaymentKindPENSION_PAYMENTS,
	gcvp.PaymentKindBASIC_PENSION,
	gcvp.PaymentKindDISABILITY_BENEFIT,
	gcvp.PaymentKindSURVIVOR_BENEFIT,
	gcvp.PaymentKindAGE_BENEFIT,
	gcvp.PaymentKindSPECIAL_STATE_BENEFIT,
	gcvp.PaymentKindSTATE_SPECIAL_BENEFIT,
}

// decisionPrefix is the prefix of decision numbers by kind. Numbers are «prefix-YYYY-NNNNNN»
// with NNNNNN from 100001 up, so they never collide with testdata/people.json (below 100000).
var decisionPrefix = map[gcvp.PaymentKind]string{
	gcvp.PaymentKindCHILDBIRTH_CHILDCARE_BENEFIT: "БК",
	gcvp.PaymentKindPENSION_PAYMENTS:             "ЗТ",
	gcvp.PaymentKindBASIC_PENSION:                "БЗ",
	gcvp.PaymentKindDISABILITY_BENEFIT:           "МЖ",
	gcvp.PaymentKindSURVIVOR_BENEFIT:             "АЖ",
	gcvp.PaymentKindAGE_BENEFIT:                  "ЖЖ",
	gcvp.PaymentKindSPECIAL_STATE_BENEFIT:        "АМЖ",
	gcvp.PaymentKindSTATE_SPECIAL_BENEFIT:        "МАЖ",
}

// Reason is a refusal reason in both languages.
type Reason struct{ KK, RU string }

// The refusal reasons the generator uses, one per rule.
var (
	// ReasonUnderPensionAge refuses the basic pension before pension age.
	ReasonUnderPensionAge = Reason{"Зейнеткерлік жасқа толмаған", "Не достигнут пенсионный возраст"}
	// ReasonNoWorkBefore1998 refuses pension payments without six months of work before 1998.
	ReasonNoWorkBefore1998 = Reason{"1998 жылғы 1 қаңтардағы жағдай бойынша еңбек өтілі жоқ", "Отсутствует трудовой стаж по состоянию на 1 января 1998 года"}
	// ReasonReceivesPension refuses the age benefit to those entitled to pension payments.
	ReasonReceivesPension = Reason{"Зейнетақы төлемдерін алушы болып табылады", "Является получателем пенсионных выплат"}
	// ReasonNoDisability refuses the disability benefit without a disability group.
	ReasonNoDisability = Reason{"Мүгедектік белгіленбеген", "Инвалидность не установлена"}
	// ReasonAdultAtLoss refuses the survivor benefit when the parent died after the 18th birthday.
	ReasonAdultAtLoss = Reason{"Асыраушы қайтыс болған күні 18 жасқа толған", "На день смерти кормильца исполнилось 18 лет"}
	// ReasonChildOverOne refuses the child care benefit applied for after the first birthday.
	ReasonChildOverOne = Reason{"Өтініш берген күні бала бір жасқа толған", "На день обращения ребёнку исполнился один год"}
	// ReasonHazardTooShort refuses the special state benefit with under ten hazardous years.
	ReasonHazardTooShort = Reason{"Зиянды еңбек жағдайындағы жұмыс өтілі жеткіліксіз", "Недостаточно стажа работы во вредных условиях труда"}
	// ReasonFewerThanFourKids refuses the state special benefit to mothers of fewer than four.
	ReasonFewerThanFourKids = Reason{"Төрт және одан да көп бала тәрбиелемеген", "Не воспитала четырёх и более детей"}
)

var (
	basicPensionStart  = time.Date(2005, time.July, 1, 0, 0, 0, 0, time.UTC)
	stateSpecialStart  = time.Date(1999, time.January, 1, 0, 0, 0, 0, time.UTC)
	careRatePerCent    = []int64{576, 681, 785, 890} // monthly child-care benefit, per cent of МРП, by birth order
	disabilityPerCent  = []int64{200, 160, 110}      // disability benefit, per cent of ПМ, by group
	survivorPerCent    = int64(100)
	ageBenefitPerCent  = int64(70)
	stateSpecialPerMRP = int64(640) // per cent of МРП
)

// BasicPensionPercent returns the basic pension as a percentage of the subsistence minimum: 54%
// for up to 10 years of work, 2% more for each further year, at most 100%.
func BasicPensionPercent(workYears int) int64 {
	return int64(54 + 2*max(0, min(workYears, 33)-10))
}

// decisions being built for one person, indexed like Kinds.
type draft [8]*Decision

func kindIndex(k gcvp.PaymentKind) int {
	for i, x := range Kinds {
		if x == k {
			return i
		}
	}
	panic("population: unknown payment kind " + string(k))
}

// put records a decision dated date (refused with reason when reason is non-nil). It drops
// decisions dated after Now or after the person's death; amount is computed by amountAt from
// the date the amount is reported for.
func (g *gen) put(d *draft, p *Person, kind gcvp.PaymentKind, date, from, to time.Time, reason *Reason, amountAt func(time.Time) int64) {
	if date.After(g.now) || date.After(g.end(p)) || date.Before(p.BirthDate) {
		return
	}
	if !to.IsZero() && to.Before(from) {
		return
	}
	key := fmt.Sprintf("%s-%d", decisionPrefix[kind], date.Year())
	g.decSeq[key]++
	dec := &Decision{Kind: kind, Number: fmt.Sprintf("%s-%06d", key, 100000+g.decSeq[key]), Date: date, PeriodFrom: from, PeriodTo: to}
	if reason != nil {
		dec.Outcome = gcvp.OutcomeREFUSED
		dec.ReasonKK, dec.ReasonRU = reason.KK, reason.RU
		dec.PeriodTo = time.Time{}
	} else {
		dec.Outcome = gcvp.OutcomeASSIGNED
		asOf := g.now
		if !to.IsZero() && to.Before(asOf) {
			asOf = to
		}
		dec.AmountTiyn = amountAt(asOf)
	}
	d[kindIndex(kind)] = dec
}

// paidUntil is the end of a payment that stops with the person's death: the last day of the
// month of death, or zero for the living.
func paidUntil(p *Person) time.Time {
	if p.DeathDate.IsZero() {
		return time.Time{}
	}
	return monthEnd(p.DeathDate)
}

func (g *gen) jitter(t time.Time, lo, hi int) time.Time { return t.AddDate(0, 0, g.r.between(lo, hi)) }

// decide applies the rules of the package comment to person i.
func (g *gen) decide(i int) {
	p, m := g.people[i], g.meta[i]
	end := g.end(p)
	var d draft
	pct := func(base func(time.Time) int64, perCent int64) func(time.Time) int64 {
		return func(t time.Time) int64 { return base(t) * perCent / 100 }
	}

	// Services 2, 3 and 6: pension age.
	retire := p.BirthDate.AddDate(p.PensionAge(), 0, 0)
	if !retire.After(end) {
		if g.r.chance(970) {
			date := g.jitter(maxTime(retire, basicPensionStart), 0, 45)
			g.put(&d, p, gcvp.PaymentKindBASIC_PENSION, date, nextMonth(date), paidUntil(p), nil,
				pct(SubsistenceMinimum, BasicPensionPercent(p.WorkYears)))
		}
		if p.WorkMonthsBefore1998 >= 6 {
			if g.r.chance(950) {
				date := g.jitter(maxTime(retire, start1998), 0, 45)
				years := min(int64(p.WorkMonthsBefore1998/12), 25)
				g.put(&d, p, gcvp.PaymentKindPENSION_PAYMENTS, date, nextMonth(date), paidUntil(p), nil,
					pct(SubsistenceMinimum, 100+8*years))
			}
			if g.r.chance(30) {
				date := g.jitter(maxTime(retire, start1998), 30, 400)
				g.put(&d, p, gcvp.PaymentKindAGE_BENEFIT, date, date, time.Time{}, &ReasonReceivesPension, nil)
			}
		} else {
			if g.r.chance(950) {
				date := g.jitter(maxTime(retire, start1998), 0, 45)
				g.put(&d, p, gcvp.PaymentKindAGE_BENEFIT, date, nextMonth(date), paidUntil(p), nil,
					pct(SubsistenceMinimum, ageBenefitPerCent))
			}
			if g.r.chance(400) {
				date := g.jitter(maxTime(retire, start1998), 0, 45)
				g.put(&d, p, gcvp.PaymentKindPENSION_PAYMENTS, date, date, time.Time{}, &ReasonNoWorkBefore1998, nil)
			}
		}
	} else if p.DeathDate.IsZero() && retire.AddDate(-3, 0, 0).Before(g.now) && g.r.chance(100) {
		// Applied for the basic pension too early.
		date := g.r.dateBetween(maxTime(retire.AddDate(-3, 0, 0), g.now.AddDate(-2, 0, 0)), g.now)
		g.put(&d, p, gcvp.PaymentKindBASIC_PENSION, date, date, time.Time{}, &ReasonUnderPensionAge, nil)
	}

	// Service 4: disability.
	if p.DisabilityGroup > 0 {
		date := g.jitter(p.DisabledSince, 5, 40)
		g.put(&d, p, gcvp.PaymentKindDISABILITY_BENEFIT, date, p.DisabledSince, paidUntil(p), nil,
			pct(SubsistenceMinimum, disabilityPerCent[p.DisabilityGroup-1]))
	} else if adult := p.BirthDate.AddDate(18, 0, 0); !adult.After(end) && g.r.chance(10) {
		date := g.r.dateBetween(maxTime(adult, g.now.AddDate(-10, 0, 0)), end)
		g.put(&d, p, gcvp.PaymentKindDISABILITY_BENEFIT, date, date, time.Time{}, &ReasonNoDisability, nil)
	}

	// Service 5: loss of a parent.
	var loss time.Time
	for _, par := range []int{m.father, m.mother} {
		if par >= 0 {
			if dd := g.people[par].DeathDate; !dd.IsZero() && (loss.IsZero() || dd.Before(loss)) {
				loss = dd
			}
		}
	}
	if !loss.IsZero() && !loss.After(end) {
		adult := p.BirthDate.AddDate(18, 0, 0)
		if loss.Before(adult) {
			to := adult.AddDate(0, 0, -1)
			if !p.DeathDate.IsZero() && p.DeathDate.Before(to) {
				to = p.DeathDate
			}
			g.put(&d, p, gcvp.PaymentKindSURVIVOR_BENEFIT, g.jitter(loss, 10, 60), loss, to, nil,
				pct(SubsistenceMinimum, survivorPerCent))
		} else if loss.Before(p.BirthDate.AddDate(23, 0, 0)) && g.r.chance(300) {
			date := g.jitter(loss, 10, 90)
			g.put(&d, p, gcvp.PaymentKindSURVIVOR_BENEFIT, date, date, time.Time{}, &ReasonAdultAtLoss, nil)
		}
	}

	// Service 1: the mother of a child born in the last five years.
	if p.Female() && len(m.kids) > 0 {
		order := len(m.kids)
		birth := g.people[m.kids[order-1]].BirthDate
		if !birth.Before(g.now.AddDate(-ChildbirthWindowYears, 0, 0)) {
			late := g.jitter(birth.AddDate(1, 0, 0), 10, 200)
			if g.r.chance(100) && !late.After(g.now) && !late.After(end) {
				g.put(&d, p, gcvp.PaymentKindCHILDBIRTH_CHILDCARE_BENEFIT, late, late, time.Time{}, &ReasonChildOverOne, nil)
			} else {
				rate := careRatePerCent[min(order, len(careRatePerCent))-1]
				to := birth.AddDate(1, 0, -1)
				if u := paidUntil(p); !u.IsZero() && u.Before(to) {
					to = u
				}
				g.put(&d, p, gcvp.PaymentKindCHILDBIRTH_CHILDCARE_BENEFIT, g.jitter(birth, 5, 40), birth, to, nil,
					pct(CalculationIndex, rate))
			}
		}
	}

	// Service 7: hazardous work, from the special age until pension age.
	if p.HazardYears > 0 {
		age := SpecialBenefitAgeMale
		if p.Female() {
			age = SpecialBenefitAgeFemale
		}
		from := p.BirthDate.AddDate(age, 0, 0)
		if !from.After(end) {
			if p.HazardYears >= SpecialBenefitHazardYears {
				date := g.jitter(from, 5, 40)
				to := retire.AddDate(0, 0, -1)
				if u := paidUntil(p); !u.IsZero() && u.Before(to) {
					to = u
				}
				g.put(&d, p, gcvp.PaymentKindSPECIAL_STATE_BENEFIT, date, nextMonth(date), to, nil,
					pct(SubsistenceMinimum, int64(50+2*min(p.HazardYears, 25))))
			} else if g.r.chance(500) {
				date := g.jitter(from, 5, 200)
				g.put(&d, p, gcvp.PaymentKindSPECIAL_STATE_BENEFIT, date, date, time.Time{}, &ReasonHazardTooShort, nil)
			}
		}
	}

	// Service 8: mothers of four or more children.
	if p.Female() && len(m.kids) >= ManyChildren {
		fourth := g.people[m.kids[ManyChildren-1]].BirthDate
		date := g.jitter(maxTime(fourth, stateSpecialStart), 30, 3*365)
		g.put(&d, p, gcvp.PaymentKindSTATE_SPECIAL_BENEFIT, date, nextMonth(date), paidUntil(p), nil,
			pct(CalculationIndex, stateSpecialPerMRP))
	} else if p.Female() && len(m.kids) == ManyChildren-1 && g.r.chance(200) {
		third := g.people[m.kids[ManyChildren-2]].BirthDate
		date := g.jitter(maxTime(third, stateSpecialStart), 30, 5*365)
		g.put(&d, p, gcvp.PaymentKindSTATE_SPECIAL_BENEFIT, date, date, time.Time{}, &ReasonFewerThanFourKids, nil)
	}

	for _, x := range d {
		if x != nil {
			p.Decisions = append(p.Decisions, *x)
		}
	}
}
