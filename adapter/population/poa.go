package population

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Codes of the powers a power of attorney can grant.
const (
	PowerPensionStatement = "GCVP_STATEMENT"   // service 10: the statement of the depositor's funds
	PowerSIK              = "GCVP_SIK"         // service 9: the SIK (duplicate) certificate
	PowerBenefits         = "PENSION_BENEFITS" // pensions and benefits: apply and receive
	PowerGovernment       = "GOV_BODIES"       // represent the principal before state bodies
)

// Power is one power granted by a power of attorney.
type Power struct {
	Code   string `json:"code"`
	TextKK string `json:"textKk"`
	TextRU string `json:"textRu"`
}

// powers are the grantable powers, in code order used in a Scope.
var powers = []Power{
	{PowerPensionStatement, "Жинақтаушы зейнетақы қоры салымшысы қаражатының түсуі және қозғалысы туралы ақпарат алу",
		"Получение информации о поступлении и движении средств вкладчика накопительного пенсионного фонда"},
	{PowerSIK, "Әлеуметтік жеке кодты (телнұсқасын) алу", "Получение социального индивидуального кода (дубликата)"},
	{PowerBenefits, "Зейнетақы мен жәрдемақыларды ресімдеу және алу", "Оформление и получение пенсий и пособий"},
	{PowerGovernment, "Мемлекеттік органдарда мүддесін білдіру", "Представление интересов в государственных органах"},
}

// Notary is the notary who certified a power of attorney.
type Notary struct {
	Name          FullName `json:"name"` // Kazakh form
	NameRU        FullName `json:"nameRu"`
	LicenseNumber string   `json:"licenseNumber"`
	ChamberKK     string   `json:"chamberKk"`
	ChamberRU     string   `json:"chamberRu"`
}

// PowerOfAttorney is a notarised power of attorney, as ЕНИС holds it.
type PowerOfAttorney struct {
	Number            string    `json:"number"`
	RegistryNumber    string    `json:"registryNumber"` // in the notary's register of notarial acts
	PrincipalIIN      string    `json:"principalIin"`
	Principal         FullName  `json:"principal"` // Kazakh form
	RepresentativeIIN string    `json:"representativeIin"`
	Representative    FullName  `json:"representative"`
	Notary            Notary    `json:"notary"`
	IssueDate         time.Time `json:"issueDate"`
	ValidFrom         time.Time `json:"validFrom"`
	ValidUntil        time.Time `json:"validUntil,omitzero"` // zero: no end date stated
	Scope             []Power   `json:"scope"`
	// Revoked is set when the principal revoked it or died (a power of attorney ends with the
	// principal's death); RevocationDate is then the day it ended.
	Revoked        bool      `json:"revoked"`
	RevocationDate time.Time `json:"revocationDate,omitzero"`
}

// ValidAt reports whether the power of attorney is in force at t: within its dates and not
// revoked by then.
func (a PowerOfAttorney) ValidAt(t time.Time) bool {
	if t.Before(a.ValidFrom) || (!a.ValidUntil.IsZero() && t.After(a.ValidUntil)) {
		return false
	}
	return !a.Revoked || t.Before(a.RevocationDate)
}

// Covers reports whether the power of attorney grants the power with the code.
func (a PowerOfAttorney) Covers(code string) bool {
	return slices.ContainsFunc(a.Scope, func(p Power) bool { return p.Code == code })
}

func (a PowerOfAttorney) clone() PowerOfAttorney {
	a.Scope = slices.Clone(a.Scope)
	return a
}

// powersOfAttorney draws powers of attorney between adults: mostly elderly parents to their
// children, some between spouses, some to unrelated persons. Call after link.
func (g *gen) powersOfAttorney() []PowerOfAttorney {
	n := len(g.people) / 25
	if len(g.people) >= 2 {
		n = max(n, 1)
	}
	var out []PowerOfAttorney
	seq := 0
	for tries := 0; len(out) < n && tries < 40*n; tries++ {
		pi := g.r.intn(len(g.people))
		p, m := g.people[pi], g.meta[pi]
		ri := -1
		switch k := g.r.intn(10); {
		case k < 6 && len(m.kids) > 0:
			ri = m.kids[g.r.intn(len(m.kids))]
		case k < 8 && m.spouse >= 0:
			ri = m.spouse
		default:
			ri = g.r.intn(len(g.people))
		}
		if ri == pi {
			continue
		}
		r := g.people[ri]
		lo := maxTime(g.now.AddDate(-5, 0, 0), maxTime(p.BirthDate.AddDate(18, 0, 0), r.BirthDate.AddDate(18, 0, 0)))
		hi := minTime(g.end(p), g.end(r))
		if lo.After(hi) {
			continue
		}
		issue := g.r.dateBetween(lo, hi)
		nt := g.r.intn(len(g.notaries))
		g.notaries[nt].registry += g.r.between(1, 30)
		no := g.notaries[nt]
		seq += g.r.between(1, 50)
		a := PowerOfAttorney{
			Number:            fmt.Sprintf("%d-%07d", issue.Year(), seq),
			RegistryNumber:    strconv.Itoa(no.registry),
			PrincipalIIN:      p.IIN,
			Principal:         p.NameKK,
			RepresentativeIIN: r.IIN,
			Representative:    r.NameKK,
			Notary:            Notary{Name: no.name, NameRU: russianForm(no.name), LicenseNumber: no.license, ChamberKK: no.chamberKK, ChamberRU: no.chamberRU},
			IssueDate:         issue,
			ValidFrom:         issue,
		}
		if g.r.chance(700) {
			a.ValidUntil = issue.AddDate(g.r.between(1, 3), 0, -1)
		}
		for k, pw := range powers {
			if (k == 0 && g.r.chance(750)) || (k > 0 && g.r.chance(350)) {
				a.Scope = append(a.Scope, pw)
			}
		}
		if len(a.Scope) == 0 {
			a.Scope = append(a.Scope, powers[len(powers)-1])
		}
		endOf := g.now
		if !a.ValidUntil.IsZero() {
			endOf = minTime(endOf, a.ValidUntil)
		}
		if g.r.chance(80) && issue.Before(endOf) {
			a.Revoked, a.RevocationDate = true, g.r.dateBetween(issue.AddDate(0, 0, 1), endOf)
		}
		if dd := p.DeathDate; !dd.IsZero() && (a.ValidUntil.IsZero() || !dd.After(a.ValidUntil)) && (!a.Revoked || dd.Before(a.RevocationDate)) {
			a.Revoked, a.RevocationDate = true, dd
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y PowerOfAttorney) int { return strings.Compare(x.Number, y.Number) })
	return out
}

// russianForm is the Russian form of a Kazakh-form name (the Kazakh-only letters replaced; a
// «…ұлы/қызы» patronymic becomes «…ович/овна»).
func russianForm(n FullName) FullName {
	out := FullName{Last: ToRussian(n.Last), First: ToRussian(n.First), Middle: ToRussian(n.Middle)}
	for _, s := range []struct{ kk, male string }{{"ҰЛЫ", "ович"}, {"ҚЫЗЫ", "овна"}} {
		if father, ok := strings.CutSuffix(n.Middle, s.kk); ok {
			out.Middle = strings.ToUpper(russianPatronymic(strings.ToLower(ToRussian(father)), s.kk == "ҚЫЗЫ"))
		}
	}
	return out
}
