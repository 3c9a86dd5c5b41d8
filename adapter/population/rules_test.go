package population

import (
	"fmt"
	"testing"
	"time"

	"github.com/shepgate/shepgate/generated/gcvp"
)

// family gives the persons linked to p.
type family struct {
	pop     *Population
	parents []Person
	kids    []Person
}

func familyOf(pop *Population, p Person) family {
	f := family{pop: pop}
	for _, id := range []string{p.Father, p.Mother} {
		if q, ok := pop.Person(id); ok {
			f.parents = append(f.parents, q)
		}
	}
	for _, id := range p.Children {
		q, _ := pop.Person(id)
		f.kids = append(f.kids, q)
	}
	return f
}

// firstLoss is the earliest death of a parent (zero when none died).
func (f family) firstLoss() time.Time {
	var t time.Time
	for _, q := range f.parents {
		if !q.DeathDate.IsZero() && (t.IsZero() || q.DeathDate.Before(t)) {
			t = q.DeathDate
		}
	}
	return t
}

func asOf(pop *Population, d Decision) time.Time {
	if !d.PeriodTo.IsZero() && d.PeriodTo.Before(pop.Now()) {
		return d.PeriodTo
	}
	return pop.Now()
}

func expectAmount(d Decision, want int64) error {
	if d.AmountTiyn != want {
		return fmt.Errorf("amount %d tiyn, want %d", d.AmountTiyn, want)
	}
	return nil
}

func expectReason(d Decision, r Reason) error {
	if d.ReasonKK != r.KK || d.ReasonRU != r.RU {
		return fmt.Errorf("reason %q / %q, want %q / %q", d.ReasonKK, d.ReasonRU, r.KK, r.RU)
	}
	return nil
}

// rules is, per payment kind, the check of an assigned and of a refused decision.
var rules = []struct {
	kind              gcvp.PaymentKind
	assigned, refused func(pop *Population, p Person, f family, d Decision) error
}{
	{
		kind: gcvp.PaymentKindBASIC_PENSION,
		assigned: func(pop *Population, p Person, f family, d Decision) error {
			if p.AgeAt(d.Date) < p.PensionAge() {
				return fmt.Errorf("assigned at %d", p.AgeAt(d.Date))
			}
			return expectAmount(d, SubsistenceMinimum(asOf(pop, d))*BasicPensionPercent(p.WorkYears)/100)
		},
		refused: func(pop *Population, p Person, f family, d Decision) error {
			if p.AgeAt(d.Date) >= p.PensionAge() {
				return fmt.Errorf("refused at %d", p.AgeAt(d.Date))
			}
			return expectReason(d, ReasonUnderPensionAge)
		},
	},
	{
		kind: gcvp.PaymentKindPENSION_PAYMENTS,
		assigned: func(pop *Population, p Person, f family, d Decision) error {
			if p.AgeAt(d.Date) < p.PensionAge() || p.WorkMonthsBefore1998 < 6 {
				return fmt.Errorf("assigned at %d with %d months before 1998", p.AgeAt(d.Date), p.WorkMonthsBefore1998)
			}
			if a, ok := p.Decision(gcvp.PaymentKindAGE_BENEFIT); ok && a.Outcome == gcvp.OutcomeASSIGNED {
				return fmt.Errorf("the age benefit is assigned too")
			}
			years := min(int64(p.WorkMonthsBefore1998/12), 25)
			return expectAmount(d, SubsistenceMinimum(asOf(pop, d))*(100+8*years)/100)
		},
		refused: func(pop *Population, p Person, f family, d Decision) error {
			if p.WorkMonthsBefore1998 >= 6 {
				return fmt.Errorf("refused with %d months before 1998", p.WorkMonthsBefore1998)
			}
			return expectReason(d, ReasonNoWorkBefore1998)
		},
	},
	{
		kind: gcvp.PaymentKindAGE_BENEFIT,
		assigned: func(pop *Population, p Person, f family, d Decision) error {
			if p.AgeAt(d.Date) < p.PensionAge() || p.WorkMonthsBefore1998 >= 6 {
				return fmt.Errorf("assigned at %d with %d months before 1998", p.AgeAt(d.Date), p.WorkMonthsBefore1998)
			}
			return expectAmount(d, SubsistenceMinimum(asOf(pop, d))*70/100)
		},
		refused: func(pop *Population, p Person, f family, d Decision) error {
			if p.WorkMonthsBefore1998 < 6 {
				return fmt.Errorf("refused without a right to pension payments")
			}
			return expectReason(d, ReasonReceivesPension)
		},
	},
	{
		kind: gcvp.PaymentKindDISABILITY_BENEFIT,
		assigned: func(pop *Population, p Person, f family, d Decision) error {
			if p.DisabilityGroup == 0 || !d.PeriodFrom.Equal(p.DisabledSince) || d.Date.Before(p.DisabledSince) {
				return fmt.Errorf("assigned to group %d since %s", p.DisabilityGroup, p.DisabledSince)
			}
			return expectAmount(d, SubsistenceMinimum(asOf(pop, d))*[]int64{200, 160, 110}[p.DisabilityGroup-1]/100)
		},
		refused: func(pop *Population, p Person, f family, d Decision) error {
			if p.DisabilityGroup != 0 || p.AgeAt(d.Date) < 18 {
				return fmt.Errorf("refused to group %d at %d", p.DisabilityGroup, p.AgeAt(d.Date))
			}
			return expectReason(d, ReasonNoDisability)
		},
	},
	{
		kind: gcvp.PaymentKindSURVIVOR_BENEFIT,
		assigned: func(pop *Population, p Person, f family, d Decision) error {
			loss := f.firstLoss()
			adult := p.BirthDate.AddDate(18, 0, 0)
			if loss.IsZero() || !loss.Before(adult) || !d.PeriodFrom.Equal(loss) || d.PeriodTo.IsZero() || !d.PeriodTo.Before(adult) {
				return fmt.Errorf("assigned: parent died %s, period %s..%s, 18 on %s", loss, d.PeriodFrom, d.PeriodTo, adult)
			}
			return expectAmount(d, SubsistenceMinimum(asOf(pop, d)))
		},
		refused: func(pop *Population, p Person, f family, d Decision) error {
			if loss := f.firstLoss(); loss.IsZero() || p.AgeAt(loss) < 18 {
				return fmt.Errorf("refused: parent died %s", loss)
			}
			return expectReason(d, ReasonAdultAtLoss)
		},
	},
	{
		kind: gcvp.PaymentKindCHILDBIRTH_CHILDCARE_BENEFIT,
		assigned: func(pop *Population, p Person, f family, d Decision) error {
			if !p.Female() || len(f.kids) == 0 {
				return fmt.Errorf("assigned to a man or a woman without children")
			}
			order := len(f.kids)
			c := f.kids[order-1]
			to := c.BirthDate.AddDate(1, 0, -1)
			if !p.DeathDate.IsZero() && monthEnd(p.DeathDate).Before(to) {
				to = monthEnd(p.DeathDate)
			}
			if !d.PeriodFrom.Equal(c.BirthDate) || !d.PeriodTo.Equal(to) || d.Date.Before(c.BirthDate) ||
				!d.Date.Before(c.BirthDate.AddDate(1, 0, 0)) || c.BirthDate.Before(pop.Now().AddDate(-ChildbirthWindowYears, 0, 0)) {
				return fmt.Errorf("assigned for the child born %s: %s..%s on %s", c.BirthDate, d.PeriodFrom, d.PeriodTo, d.Date)
			}
			return expectAmount(d, CalculationIndex(asOf(pop, d))*[]int64{576, 681, 785, 890}[min(order, 4)-1]/100)
		},
		refused: func(pop *Population, p Person, f family, d Decision) error {
			if !p.Female() || len(f.kids) == 0 || d.Date.Before(f.kids[len(f.kids)-1].BirthDate.AddDate(1, 0, 0)) {
				return fmt.Errorf("refused before the youngest child turned one")
			}
			return expectReason(d, ReasonChildOverOne)
		},
	},
	{
		kind: gcvp.PaymentKindSPECIAL_STATE_BENEFIT,
		assigned: func(pop *Population, p Person, f family, d Decision) error {
			age := map[bool]int{false: SpecialBenefitAgeMale, true: SpecialBenefitAgeFemale}[p.Female()]
			if p.HazardYears < SpecialBenefitHazardYears || p.AgeAt(d.Date) < age || d.PeriodTo.IsZero() ||
				!d.PeriodTo.Before(p.BirthDate.AddDate(p.PensionAge(), 0, 0)) {
				return fmt.Errorf("assigned with %d hazardous years at %d until %s", p.HazardYears, p.AgeAt(d.Date), d.PeriodTo)
			}
			return expectAmount(d, SubsistenceMinimum(asOf(pop, d))*int64(50+2*min(p.HazardYears, 25))/100)
		},
		refused: func(pop *Population, p Person, f family, d Decision) error {
			if p.HazardYears == 0 || p.HazardYears >= SpecialBenefitHazardYears {
				return fmt.Errorf("refused with %d hazardous years", p.HazardYears)
			}
			return expectReason(d, ReasonHazardTooShort)
		},
	},
	{
		kind: gcvp.PaymentKindSTATE_SPECIAL_BENEFIT,
		assigned: func(pop *Population, p Person, f family, d Decision) error {
			if !p.Female() || len(f.kids) < ManyChildren || d.Date.Before(f.kids[ManyChildren-1].BirthDate) {
				return fmt.Errorf("assigned to a mother of %d", len(f.kids))
			}
			return expectAmount(d, CalculationIndex(asOf(pop, d))*640/100)
		},
		refused: func(pop *Population, p Person, f family, d Decision) error {
			if !p.Female() || len(f.kids) >= ManyChildren {
				return fmt.Errorf("refused to a mother of %d", len(f.kids))
			}
			return expectReason(d, ReasonFewerThanFourKids)
		},
	},
}

func TestDecisionRules(t *testing.T) {
	pop := shared()
	now := pop.Now()
	seen := map[string]int{}
	numbers := map[string]bool{}
	for _, rule := range rules {
		t.Run(string(rule.kind), func(t *testing.T) {
			for p := range pop.All() {
				d, ok := p.Decision(rule.kind)
				if !ok {
					continue
				}
				seen[string(d.Kind)+"/"+string(d.Outcome)]++
				if err := commonChecks(now, p, d); err != nil {
					t.Fatalf("%s %s: %v (%+v)", p.IIN, d.Number, err, d)
				}
				if numbers[d.Number] {
					t.Fatalf("%s: decision number %s twice", p.IIN, d.Number)
				}
				numbers[d.Number] = true
				check := rule.assigned
				if d.Outcome == gcvp.OutcomeREFUSED {
					check = rule.refused
				}
				if err := check(pop, p, familyOf(pop, p), d); err != nil {
					t.Fatalf("%s %s %s: %v (%+v)", p.IIN, d.Kind, d.Outcome, err, d)
				}
			}
			for _, o := range []gcvp.Outcome{gcvp.OutcomeASSIGNED, gcvp.OutcomeREFUSED} {
				if seen[string(rule.kind)+"/"+string(o)] == 0 {
					t.Errorf("no %s decision", o)
				}
			}
		})
	}
	t.Logf("decisions: %v", seen)
}

func commonChecks(now time.Time, p Person, d Decision) error {
	m := decisionNum.FindStringSubmatch(d.Number)
	switch {
	case m == nil || m[1] != decisionPrefix[d.Kind] || m[2] != fmt.Sprint(d.Date.Year()) || m[3] <= "100000":
		return fmt.Errorf("number %q", d.Number)
	case d.Date.After(now) || d.Date.Before(p.BirthDate) || (!p.DeathDate.IsZero() && d.Date.After(p.DeathDate)):
		return fmt.Errorf("dated %s", d.Date)
	case d.PeriodFrom.IsZero() || (!d.PeriodTo.IsZero() && d.PeriodTo.Before(d.PeriodFrom)):
		return fmt.Errorf("period %s..%s", d.PeriodFrom, d.PeriodTo)
	case d.AmountTiyn < 0:
		return fmt.Errorf("negative amount")
	case p.SIK == "":
		return fmt.Errorf("no SIK")
	}
	switch d.Outcome {
	case gcvp.OutcomeASSIGNED:
		if d.AmountTiyn <= 0 || d.ReasonKK != "" || d.ReasonRU != "" {
			return fmt.Errorf("assigned with amount %d, reason %q", d.AmountTiyn, d.ReasonKK)
		}
		if !p.DeathDate.IsZero() && (d.PeriodTo.IsZero() || d.PeriodTo.After(monthEnd(p.DeathDate))) {
			return fmt.Errorf("paid after death (%s) until %s", p.DeathDate, d.PeriodTo)
		}
	case gcvp.OutcomeREFUSED:
		if d.AmountTiyn != 0 || d.ReasonKK == "" || d.ReasonRU == "" || !d.PeriodTo.IsZero() {
			return fmt.Errorf("refused with amount %d, reason %q, period end %s", d.AmountTiyn, d.ReasonKK, d.PeriodTo)
		}
	default:
		return fmt.Errorf("outcome %q", d.Outcome)
	}
	return nil
}

// TestDecisionCoverage checks the converse of the rules where they leave no choice: everyone
// entitled, with time to have decided, has the decision.
func TestDecisionCoverage(t *testing.T) {
	pop := shared()
	now := pop.Now()
	var pensioners, basic int
	for p := range pop.All() {
		end := now
		if !p.DeathDate.IsZero() {
			end = p.DeathDate
		}
		f := familyOf(pop, p)
		if loss := f.firstLoss(); !loss.IsZero() && loss.Before(p.BirthDate.AddDate(18, 0, 0)) && !loss.AddDate(0, 0, 60).After(end) {
			if d, ok := p.Decision(gcvp.PaymentKindSURVIVOR_BENEFIT); !ok || d.Outcome != gcvp.OutcomeASSIGNED {
				t.Errorf("%s: parent died %s, no survivor benefit", p.IIN, loss)
			}
		}
		if p.DisabilityGroup > 0 && !p.DisabledSince.AddDate(0, 0, 40).After(end) {
			if d, ok := p.Decision(gcvp.PaymentKindDISABILITY_BENEFIT); !ok || d.Outcome != gcvp.OutcomeASSIGNED {
				t.Errorf("%s: disability group %d, no disability benefit", p.IIN, p.DisabilityGroup)
			}
		}
		if p.Female() && len(f.kids) >= ManyChildren && !f.kids[ManyChildren-1].BirthDate.AddDate(3, 1, 0).After(end) &&
			!f.kids[ManyChildren-1].BirthDate.Before(stateSpecialStart) {
			if d, ok := p.Decision(gcvp.PaymentKindSTATE_SPECIAL_BENEFIT); !ok || d.Outcome != gcvp.OutcomeASSIGNED {
				t.Errorf("%s: mother of %d, no state special benefit", p.IIN, len(f.kids))
			}
		}
		if p.AgeAt(end) >= p.PensionAge()+1 && p.BirthDate.AddDate(p.PensionAge(), 2, 0).Before(end) {
			pensioners++
			if d, ok := p.Decision(gcvp.PaymentKindBASIC_PENSION); ok && d.Outcome == gcvp.OutcomeASSIGNED {
				basic++
			}
		}
	}
	if pensioners == 0 || basic*100 < pensioners*93 {
		t.Errorf("%d of %d pensioners have the basic pension", basic, pensioners)
	}
}

// TestInvariantsAcrossOptions runs the link, rule and movement checks over other seeds, dates
// and history lengths.
func TestInvariantsAcrossOptions(t *testing.T) {
	for _, o := range []Options{
		{Seed: 1, Size: 2500},
		{Seed: -3, Size: 2500, Now: time.Date(2016, 2, 29, 0, 0, 0, 0, time.UTC)},
		{Seed: 1 << 40, Size: 2500, Now: time.Date(2031, 12, 31, 0, 0, 0, 0, time.UTC), HistoryYears: 9},
	} {
		t.Run(fmt.Sprintf("seed %d now %s", o.Seed, o.Now.Format(time.DateOnly)), func(t *testing.T) {
			pop := Generate(o)
			checkLinks(t, pop)
			for p := range pop.All() {
				for _, d := range p.Decisions {
					if err := commonChecks(pop.Now(), p, d); err != nil {
						t.Fatalf("%s %s: %v", p.IIN, d.Number, err)
					}
					for _, r := range rules {
						if r.kind != d.Kind {
							continue
						}
						check := r.assigned
						if d.Outcome == gcvp.OutcomeREFUSED {
							check = r.refused
						}
						if err := check(pop, p, familyOf(pop, p), d); err != nil {
							t.Fatalf("%s %s %s: %v", p.IIN, d.Kind, d.Outcome, err)
						}
					}
				}
				ms := pop.Movements(p.IIN, time.Time{}, time.Time{})
				for i, m := range ms {
					if (i > 0 && m.ReceiptDate.Before(ms[i-1].ReceiptDate)) || m.ReceiptDate.Before(pop.History()) || m.ReceiptDate.After(pop.Now()) || m.AmountTiyn <= 0 {
						t.Fatalf("%s: movement %+v", p.IIN, m)
					}
				}
			}
		})
	}
}
