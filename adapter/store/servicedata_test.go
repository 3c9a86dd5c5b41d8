package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"
)

var (
	sikDay   = time.Date(2025, 6, 16, 9, 0, 0, 0, time.FixedZone("UTC+5", 5*3600))
	noSIK    = Person{IIN: "840404370705", LastName: "ШАҺМАРДАНОВ", FirstName: "ШЫҢҒЫС", BirthDate: time.Date(1984, 4, 4, 0, 0, 0, 0, time.UTC)}
	withSIK  = Person{IIN: "880512310210", LastName: "ӘБІЛҰЛЫ", FirstName: "ҚАНАТ", BirthDate: time.Date(1988, 5, 12, 0, 0, 0, 0, time.UTC), SIK: "DV6MH41VHFEX4009"}
	numberRe = regexp.MustCompile(`^20250616\d{6}$`)
)

func candidates(prefix string) func(int) string {
	return func(i int) string { return fmt.Sprintf("%s%04d", prefix, i) }
}

func putPeople(t *testing.T, s *SQL, ps ...Person) {
	t.Helper()
	for _, p := range ps {
		if err := s.PutPerson(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIssueSIKAssignReplayDuplicate(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	putPeople(t, s, noSIK, withSIK)
	in := SIKIssue{RequestNumber: "R1", IIN: noSIK.IIN, NewSIK: candidates("NEWSIK000000"), At: sikDay, SignerCert: "ab"}
	c, err := s.IssueSIK(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if c.SIK != "NEWSIK0000000000" || c.Duplicate || !numberRe.MatchString(c.Number) ||
		c.RegisteredOn.Format(dateLayout) != "2025-06-16" || c.IssuedOn.Format(dateLayout) != "2025-06-16" || c.LastName != noSIK.LastName {
		t.Fatalf("certificate %+v", c)
	}
	if p, _ := s.Person(ctx, noSIK.IIN); p.SIK != c.SIK {
		t.Fatalf("person's SIK %q", p.SIK)
	}
	again, err := s.IssueSIK(ctx, in)
	if err != nil || again != c {
		t.Fatalf("replay: %+v, %v; want %+v", again, err, c)
	}
	if stored, err := s.SIKCertificate(ctx, "R1"); err != nil || stored != c {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	in.RequestNumber = "R2"
	dup, err := s.IssueSIK(ctx, in)
	if err != nil || !dup.Duplicate || dup.SIK != c.SIK || dup.Number == c.Number || dup.RegisteredOn != c.RegisteredOn {
		t.Fatalf("duplicate %+v, %v", dup, err)
	}
	in.IIN = withSIK.IIN
	if _, err := s.IssueSIK(ctx, in); !errors.Is(err, ErrConflict) {
		t.Fatalf("a request number of another IIN: %v", err)
	}
	if _, err := s.IssueSIK(ctx, SIKIssue{RequestNumber: "R3", IIN: "570909307778", NewSIK: candidates("X"), At: sikDay}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown IIN: %v", err)
	}
	certs, err := s.SIKCertificates(ctx, noSIK.IIN)
	if err != nil || len(certs) != 2 {
		t.Fatalf("%d certificates, %v", len(certs), err)
	}
}

func TestIssueSIKExistingAndRegistered(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	putPeople(t, s, noSIK, withSIK)
	// A SIK from before: a duplicate, registered on the day a loader gave.
	if err := s.RegisterSIK(ctx, withSIK.IIN, withSIK.SIK, time.Date(2006, 9, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	c, err := s.IssueSIK(ctx, SIKIssue{RequestNumber: "E1", IIN: withSIK.IIN, NewSIK: candidates("NEVER"), At: sikDay})
	if err != nil || !c.Duplicate || c.SIK != withSIK.SIK || c.RegisteredOn.Format(dateLayout) != "2006-09-01" {
		t.Fatalf("certificate %+v, %v", c, err)
	}
	// A duplicate asked where there is no SIK.
	if _, err := s.IssueSIK(ctx, SIKIssue{RequestNumber: "E2", IIN: noSIK.IIN, Duplicate: true, NewSIK: candidates("X"), At: sikDay}); !errors.Is(err, ErrNoSIK) {
		t.Fatalf("duplicate without a SIK: %v", err)
	}
	// A candidate that another person holds is skipped.
	taken := func(i int) string {
		if i == 0 {
			return withSIK.SIK
		}
		return "FREESIK000000001"
	}
	c, err = s.IssueSIK(ctx, SIKIssue{RequestNumber: "E3", IIN: noSIK.IIN, NewSIK: taken, At: sikDay})
	if err != nil || c.SIK != "FREESIK000000001" || c.Duplicate {
		t.Fatalf("certificate %+v, %v", c, err)
	}
	// A reload of the person forgets the SIK; the registry restores it: a SIK is permanent.
	putPeople(t, s, noSIK)
	c, err = s.IssueSIK(ctx, SIKIssue{RequestNumber: "E4", IIN: noSIK.IIN, NewSIK: candidates("OTHER"), At: sikDay})
	if err != nil || c.SIK != "FREESIK000000001" || !c.Duplicate {
		t.Fatalf("after a reload: %+v, %v", c, err)
	}
	if p, _ := s.Person(ctx, noSIK.IIN); p.SIK != c.SIK {
		t.Fatalf("person's SIK %q", p.SIK)
	}
	// Two persons cannot hold one SIK.
	other := noSIK
	other.IIN, other.SIK = "951103420437", c.SIK
	if err := s.PutPerson(ctx, other); err == nil {
		t.Fatal("a second person got the same SIK")
	}
}

func TestIssueSIKConcurrent(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	putPeople(t, s, noSIK)
	const n = 16
	certs := make([]SIKCertificate, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			certs[i], errs[i] = s.IssueSIK(ctx, SIKIssue{RequestNumber: fmt.Sprintf("C%d", i), IIN: noSIK.IIN,
				NewSIK: candidates(fmt.Sprintf("G%02d0000000", i)), At: sikDay})
		})
	}
	wg.Wait()
	siks, numbers, assigned := map[string]bool{}, map[string]bool{}, 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		siks[certs[i].SIK], numbers[certs[i].Number] = true, true
		if !certs[i].Duplicate {
			assigned++
		}
	}
	if len(siks) != 1 || assigned != 1 || len(numbers) != n {
		t.Fatalf("%d SIKs, %d assignments, %d certificate numbers", len(siks), assigned, len(numbers))
	}
}

func TestMovements(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	rows := []MovementRow{
		{ReceiptDate: "2024-02-09", DispatchDate: "2024-02-12", Number: "2", DocumentDate: "2024-02-08", KPP: "010", Sender: "S", RIN: "050740012344", Recipient: "ЕНПФ", AmountTiyn: 100, Status: "Зачислено", Period: "2024-01"},
		{ReceiptDate: "2024-01-10", Number: "1", DocumentDate: "2024-01-09", KPP: "010", Sender: "S", RIN: "050740012344", Recipient: "ЕНПФ", AmountTiyn: 200, Status: "В обработке", Period: "2023-12"},
		{ReceiptDate: "2024-02-09", DispatchDate: "2024-02-12", Number: "2", DocumentDate: "2024-02-08", KPP: "012", Sender: "S", RIN: "050740012344", Recipient: "ЕНПФ", AmountTiyn: 50, Status: "Зачислено", Period: "2024-01"},
		{ReceiptDate: "2023-12-01", Number: "0", DocumentDate: "2023-11-30", KPP: "010", Sender: "S", RIN: "050740012344", Recipient: "ЕНПФ", AmountTiyn: 1, Status: "Зачислено", Period: "2023-11"},
	}
	if err := SeedMovements(ctx, s, withSIK.IIN, rows); err != nil {
		t.Fatal(err)
	}
	// Put again with a new status: replaced, not added.
	rows[1].Status, rows[1].DispatchDate = "Зачислено", "2024-01-12"
	if err := SeedMovements(ctx, s, withSIK.IIN, rows[1:2]); err != nil {
		t.Fatal(err)
	}
	ms, err := s.Movements(ctx, withSIK.IIN, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 9, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, fmt.Sprint(m.Number, "/", m.KPP, "/", m.AmountTiyn, "/", m.Status, "/", m.DispatchDate.Format(dateLayout)))
	}
	want := []string{"1/010/200/Зачислено/2024-01-12", "2/010/100/Зачислено/2024-02-12", "2/012/50/Зачислено/2024-02-12"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("movements %v, want %v", got, want)
	}
	if ms, err := s.Movements(ctx, noSIK.IIN, time.Time{}, sikDay); err != nil || len(ms) != 0 {
		t.Fatalf("another IIN: %v, %v", ms, err)
	}
	if _, err := (MovementRow{ReceiptDate: "2024-01-01", DocumentDate: "2024-01-01", Period: "2024-13"}).Movement(withSIK.IIN); err == nil {
		t.Fatal("a period that is not YYYY-MM")
	}
}

func TestOperatorsAndStatementRequests(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	if _, err := s.Operator(ctx, "con-op-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing operator: %v", err)
	}
	o := Operator{ID: "con-op-1", IIN: noSIK.IIN, EmployerBIN: "160340050711", LastName: "ШАҺМАРДАНОВ", FirstName: "ШЫҢҒЫС", Active: true}
	if err := s.PutOperator(ctx, o); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Operator(ctx, o.ID); err != nil || got != o {
		t.Fatalf("operator %+v, %v", got, err)
	}
	r := StatementRecord{RequestNumber: "S1", IIN: withSIK.IIN, PeriodFrom: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		PeriodTo: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), Channel: "CON", OperatorID: o.ID, SignerIIN: o.IIN,
		RepresentativeIIN: "951103420437", RepresentativeName: "ЖҰМАҒАЛИЕВА ӘЙГЕРІМ", PoANumber: "N-1",
		PoAIssueDate: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), Documents: []PresentedDocument{{Kind: "ID", PaperPresented: true}},
		ReceivedAt: sikDay}
	got, err := s.RecordStatementRequest(ctx, r)
	if err != nil || !numberRe.MatchString(got.DocumentNumber) {
		t.Fatalf("recorded %+v, %v", got, err)
	}
	stored, err := s.StatementRequest(ctx, "S1")
	if err != nil || fmt.Sprint(stored) != fmt.Sprint(got) {
		t.Fatalf("stored\n %+v, %v\nwant\n %+v", stored, err, got)
	}
	if again, err := s.RecordStatementRequest(ctx, r); err != nil || again.DocumentNumber != got.DocumentNumber {
		t.Fatalf("replay %+v, %v", again, err)
	}
	r.PeriodFrom = r.PeriodFrom.AddDate(0, 1, 0)
	if _, err := s.RecordStatementRequest(ctx, r); !errors.Is(err, ErrConflict) {
		t.Fatalf("another request with the number: %v", err)
	}
	r.RequestNumber = "S2"
	next, err := s.RecordStatementRequest(ctx, r)
	if err != nil || next.DocumentNumber == got.DocumentNumber {
		t.Fatalf("second %+v, %v", next, err)
	}
}
