package population

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Movement is a row of the service 10 statement («Обороты по транзитным счетам вкладчика»):
// a pension contribution received by ГЦВП and forwarded to the pension fund. The fields are the
// form's eleven columns, in order.
type Movement struct {
	ReceiptDate  time.Time `json:"receiptDate"`           // 1 Дата поступления
	DispatchDate time.Time `json:"dispatchDate,omitzero"` // 2 Дата отправки; zero while in processing
	Number       string    `json:"number"`                // 3 № of the payment document
	DocumentDate time.Time `json:"documentDate"`          // 4 Дата документа
	KPP          string    `json:"kpp"`                   // 5 КПП: the payment purpose code (КНП), 010 or 012
	Sender       string    `json:"sender"`                // 6 Отправитель: the employer
	RIN          string    `json:"rin"`                   // 7 РИН: the sender's BIN
	Recipient    string    `json:"recipient"`             // 8 Получатель: the pension fund
	AmountTiyn   int64     `json:"amountTiyn"`            // 9 Сумма
	Status       string    `json:"status"`                // 10 Статус: one of the Status* constants
	Period       string    `json:"period"`                // 11 Период, YYYY-MM: the month the contribution is for
}

// Payment purpose codes and statuses of movements.
const (
	KPPMandatory    = "010" // mandatory pension contributions (ОПВ), 10% of the salary
	KPPOccupational = "012" // mandatory occupational contributions (ОППВ), 5%, for hazardous work

	StatusCredited   = "Зачислено"   // forwarded to the fund and credited
	StatusReturned   = "Возвращено"  // returned to the sender (wrong details)
	StatusProcessing = "В обработке" // received, not yet forwarded
)

// PensionFund is the recipient of every movement.
const PensionFund = "АО «Единый накопительный пенсионный фонд»"

// Movements returns the person's pension-contribution movements received from from to to
// (inclusive, by receipt date), sorted by receipt date, then document date, КПП and number. A
// zero from means the start of the history, a zero to means Now. It returns nil for an unknown
// IIN or a person without a SIK. The rows are generated on demand from a stream of the person's
// own, so they are the same whatever was asked before.
func (pop *Population) Movements(iinStr string, from, to time.Time) []Movement {
	i, ok := pop.index[iinStr]
	if !ok || pop.persons[i].SIK == "" {
		return nil
	}
	if to.IsZero() {
		to = pop.now
	}
	from, to = day(from.UTC()), day(to.UTC())
	all := pop.movements(&pop.persons[i])
	out := all[:0]
	for _, m := range all {
		if !m.ReceiptDate.Before(from) && !m.ReceiptDate.After(to) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return slices.Clip(out)
}

// History returns the first day of the movement history.
func (pop *Population) History() time.Time { return pop.history }

func (pop *Population) movements(p *Person) []Movement {
	r := newRNG(uint64(pop.opts.Seed)^0x6d6f76656d656e74, fnv64(p.IIN))
	var out []Movement
	for _, j := range p.Jobs {
		last := j.To
		if last.IsZero() {
			last = pop.now
		}
		for m := j.From; !m.After(last); m = m.AddDate(0, 1, 0) {
			doc := nextMonth(m).AddDate(0, 0, r.intn(25))
			receipt := doc.AddDate(0, 0, r.intn(3))
			dispatch := receipt.AddDate(0, 0, 1+r.intn(3))
			number := strconv.Itoa(1 + r.intn(99999))
			returned := r.chance(8)
			if receipt.After(pop.now) {
				continue
			}
			salary := j.SalaryTiyn * int64(100+7*(m.Year()-j.From.Year())) / 100
			row := Movement{ReceiptDate: receipt, DispatchDate: dispatch, Number: number, DocumentDate: doc,
				KPP: KPPMandatory, Sender: j.EmployerRU, RIN: j.EmployerBIN, Recipient: PensionFund,
				AmountTiyn: salary / 10, Status: StatusCredited, Period: m.Format("2006-01")}
			switch {
			case dispatch.After(pop.now):
				row.DispatchDate, row.Status = time.Time{}, StatusProcessing
			case returned:
				row.Status = StatusReturned
			}
			out = append(out, row)
			if j.Hazardous {
				row.KPP, row.AmountTiyn = KPPOccupational, salary*5/100
				out = append(out, row)
			}
		}
	}
	slices.SortFunc(out, func(a, b Movement) int {
		return cmp.Or(a.ReceiptDate.Compare(b.ReceiptDate), a.DocumentDate.Compare(b.DocumentDate),
			cmp.Compare(a.KPP, b.KPP), cmp.Compare(len(a.Number), len(b.Number)), cmp.Compare(a.Number, b.Number),
			cmp.Compare(a.Period, b.Period))
	})
	return out
}

// TotalTiyn returns the sum of the movements' amounts (the statement's «Итого»).
func TotalTiyn(ms []Movement) int64 {
	var t int64
	for _, m := range ms {
		t += m.AmountTiyn
	}
	return t
}
