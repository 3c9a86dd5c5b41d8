package population

import (
	"time"

	"github.com/hooklift/gowsdl/soap"

	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/enis"
	"github.com/shepgate/shepgate/generated/gbdfl"
	"github.com/shepgate/shepgate/generated/gcvp"
)

// Conversions to the store and to the generated types of the ГЦВП, ГБД ФЛ and ЕНИС contracts.
// Names are given in their Kazakh form (as in the store and testdata/people.json); free-text
// places (city, street, chamber) in Kazakh too; directory entries carry both languages.

// StorePerson returns the person as the ГЦВП store keeps it.
func (p Person) StorePerson() store.Person {
	return store.Person{IIN: p.IIN, LastName: p.NameKK.Last, FirstName: p.NameKK.First, MiddleName: p.NameKK.Middle,
		BirthDate: p.BirthDate, SIK: p.SIK}
}

// StoreDecisions returns the person's decisions as the ГЦВП store keeps them.
func (p Person) StoreDecisions() []store.Decision {
	out := make([]store.Decision, 0, len(p.Decisions))
	for _, d := range p.Decisions {
		out = append(out, store.Decision{IIN: p.IIN, PaymentKind: string(d.Kind), Outcome: string(d.Outcome),
			DecisionNumber: d.Number, DecisionDate: d.Date, AmountTiyn: d.AmountTiyn, PeriodFrom: d.PeriodFrom,
			PeriodTo: d.PeriodTo, ReasonKK: d.ReasonKK, ReasonRU: d.ReasonRU})
	}
	return out
}

// GCVPName returns the person's name for ГЦВП documents.
func (p Person) GCVPName() *gcvp.PersonName {
	return &gcvp.PersonName{LastName: p.NameKK.Last, FirstName: p.NameKK.First, MiddleName: p.NameKK.Middle}
}

// StatementRow returns the movement as a row of the service 10 statement.
func (m Movement) StatementRow() *gcvp.StatementRow {
	amount, period := gcvp.Tiyn(m.AmountTiyn), gcvp.YearMonth(m.Period)
	return &gcvp.StatementRow{ReceiptDate: xsdDate(m.ReceiptDate), DispatchDate: xsdDate(m.DispatchDate), Number: m.Number,
		DocumentDate: xsdDate(m.DocumentDate), Kpp: m.KPP, Sender: m.Sender, Rin: m.RIN, Recipient: m.Recipient,
		AmountTiyn: &amount, Status: m.Status, Period: &period}
}

// StatementRows returns the movements as statement rows with their total (Итого).
func StatementRows(ms []Movement) ([]*gcvp.StatementRow, gcvp.Tiyn) {
	rows := make([]*gcvp.StatementRow, len(ms))
	for i, m := range ms {
		rows[i] = m.StatementRow()
	}
	return rows, gcvp.Tiyn(TotalTiyn(ms))
}

// Document status codes in GBDFL answers.
const (
	DocStatusValid    = "00" // valid
	DocStatusExpired  = "01" // expired
	DocStatusDeceased = "02" // the holder died
)

// GBDFL returns the person as the ГБД ФЛ answers about them at t: life status, death
// certificate and document status are as of t.
func (p Person) GBDFL(at time.Time) *gbdfl.Person {
	g := &gbdfl.Person{
		Iin: p.IIN, Surname: p.NameKK.Last, Name: p.NameKK.First, Patronymic: p.NameKK.Middle,
		EngSurname: p.NameLatin.Last, EngFirstName: p.NameLatin.First, BirthDate: xsdDate(p.BirthDate),
		Gender:      &gbdfl.Gender{Code: "1", NameRu: "Мужской", NameKz: "Ер"},
		Nationality: &gbdfl.Nationality{Code: p.Nationality.Code, NameRu: p.Nationality.NameRU, NameKz: p.Nationality.NameKK},
		Citizenship: &gbdfl.Country{Code: p.Citizenship.Code, NameRu: p.Citizenship.NameRU, NameKz: p.Citizenship.NameKK},
		LifeStatus:  &gbdfl.PersonStatus{Code: "1", NameRu: "Жив", NameKz: "Тірі"},
		BirthPlace: &gbdfl.BirthPlace{Country: kz(), City: p.BirthPlace.CityKK,
			Region: &gbdfl.Region{Code: p.BirthPlace.RegionCode, NameRu: p.BirthPlace.RegionRU, NameKz: p.BirthPlace.RegionKK}},
		RegAddress: &gbdfl.RegAddress{Country: kz(), City: p.Address.CityKK, Street: p.Address.StreetKK,
			Region:   &gbdfl.Region{Code: p.Address.RegionCode, NameRu: p.Address.RegionRU, NameKz: p.Address.RegionKK},
			Building: p.Address.Building, Flat: p.Address.Flat, BeginDate: xsdDate(p.Address.Since)},
	}
	if p.Sex == iin.Female {
		g.Gender = &gbdfl.Gender{Code: "2", NameRu: "Женский", NameKz: "Әйел"}
	}
	dead := p.Deceased(at)
	if dead {
		g.DeathDate = xsdDate(p.DeathDate)
		g.LifeStatus = &gbdfl.PersonStatus{Code: "2", NameRu: "Умер", NameKz: "Қайтыс болған"}
		if c := p.DeathCertificate; c != nil {
			g.DeathCertificate = &gbdfl.Certificate{Number: c.Number, BeginDate: xsdDate(c.Date), IssueOrganisation: c.IssuerKK}
		}
	}
	d := p.Document
	doc := &gbdfl.Document{
		Type_:  &gbdfl.DocumentType{Code: d.Type, NameRu: d.TypeRU, NameKz: d.TypeKK},
		Number: d.Number, BeginDate: xsdDate(d.IssueDate), EndDate: xsdDate(d.ExpiryDate),
		IssueOrganization: &gbdfl.DocumentOrganization{NameRu: d.IssuerRU, NameKz: d.IssuerKK},
		Status:            &gbdfl.DocumentInvalidity{Code: DocStatusValid, NameRu: "Документ действителен", NameKz: "Құжат жарамды"},
		Surname:           p.NameKK.Last, Name: p.NameKK.First, Patronymic: p.NameKK.Middle, BirthDate: xsdDate(p.BirthDate),
	}
	switch {
	case dead:
		doc.Status = &gbdfl.DocumentInvalidity{Code: DocStatusDeceased, NameRu: "Владелец документа умер", NameKz: "Құжат иесі қайтыс болған"}
		doc.InvalidityDate = xsdDate(p.DeathDate)
	case !d.ValidAt(at):
		doc.Status = &gbdfl.DocumentInvalidity{Code: DocStatusExpired, NameRu: "Истёк срок действия", NameKz: "Қолданылу мерзімі өткен"}
		doc.InvalidityDate = xsdDate(d.ExpiryDate)
	}
	g.Documents = &gbdfl.Documents{Document: []*gbdfl.Document{doc}}
	if d.Type == DocBirthCertificate {
		g.BirthCertificate = &gbdfl.Certificate{Number: d.Number, BeginDate: xsdDate(d.IssueDate), IssueOrganisation: d.IssuerKK}
	}
	return g
}

func kz() *gbdfl.Country {
	return &gbdfl.Country{Code: CountryKZ.Code, NameRu: CountryKZ.NameRU, NameKz: CountryKZ.NameKK}
}

// ENIS returns the power of attorney as the ЕНИС answers about it at checkedAt (Valid is
// ValidAt(checkedAt)).
func (a PowerOfAttorney) ENIS(checkedAt time.Time) *enis.PowerOfAttorney {
	principal, representative := enis.IIN(a.PrincipalIIN), enis.IIN(a.RepresentativeIIN)
	revoked, valid := enis.Flag(a.Revoked), enis.Flag(a.ValidAt(checkedAt))
	scope := &enis.Scope{}
	for _, p := range a.Scope {
		scope.Power = append(scope.Power, &enis.Power{Code: p.Code, TextKk: p.TextKK, TextRu: p.TextRU})
	}
	return &enis.PowerOfAttorney{
		Number: a.Number, RegistryNumber: a.RegistryNumber,
		PrincipalIin: &principal, Principal: enisName(a.Principal),
		RepresentativeIin: &representative, Representative: enisName(a.Representative),
		Notary:    &enis.Notary{Name: enisName(a.Notary.Name), LicenseNumber: a.Notary.LicenseNumber, Chamber: a.Notary.ChamberKK},
		IssueDate: xsdDate(a.IssueDate), ValidFrom: xsdDate(a.ValidFrom), ValidUntil: xsdDate(a.ValidUntil),
		Scope: scope, Revoked: &revoked, RevocationDate: xsdDate(a.RevocationDate), Valid: &valid,
	}
}

// GCVP returns the power-of-attorney data a service 10 request carries.
func (a PowerOfAttorney) GCVP() *gcvp.PowerOfAttorney {
	n := a.Notary.Name
	return &gcvp.PowerOfAttorney{Number: a.Number, IssueDate: xsdDate(a.IssueDate), ValidUntil: xsdDate(a.ValidUntil),
		NotaryName: n.Last + " " + n.First + " " + n.Middle}
}

func enisName(n FullName) *enis.PersonName {
	return &enis.PersonName{LastName: n.Last, FirstName: n.First, MiddleName: n.Middle}
}

// xsdDate is an xsd:date without a zone; a zero time stays empty (the element is omitted).
func xsdDate(t time.Time) soap.XSDDate {
	if t.IsZero() {
		return soap.XSDDate{}
	}
	return soap.CreateXsdDate(t, false)
}
