package services

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"
	"github.com/hooklift/gowsdl/soap"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/gcvp"
	"github.com/shepgate/shepgate/wsdl"
)

const operatorID = "con-op-1" // operator-1 in testdata/people.json

func day(s string) soap.XSDDate {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return soap.CreateXsdDate(t, false)
}

// stmtRequest is a request for the fixtures' statement period (2024); on channel CON it names
// the fixture operator.
func stmtRequest(number, iinValue string, ch gcvp.Channel) *gcvp.StatementRequest {
	v := gcvp.IIN(iinValue)
	r := &gcvp.StatementRequest{RequestNumber: number, ServiceId: wsdl.ServicePensionFundStatement, Iin: &v,
		RequestDate: envelope.DateTime(testClock), PeriodFrom: day("2024-01-01"), PeriodTo: day("2024-12-31"), Channel: &ch}
	if ch == gcvp.ChannelCON {
		r.OperatorId = operatorID
	}
	return r
}

func stmtAnswer(t *testing.T, ans *Answer) *gcvp.StatementResponse {
	t.Helper()
	el := gcvpSigned(t, ans)
	var resp gcvp.StatementResponse
	if err := envelope.UnmarshalDocument(el, &resp, fault.Internal); err != nil {
		t.Fatalf("want a StatementResponse, got %s: %v", el.Tag, err)
	}
	if ans.StatusCode != StatusOK || ans.Refusal != "" {
		t.Errorf("status %s refusal %q", ans.StatusCode, ans.Refusal)
	}
	return &resp
}

var (
	portalFlow = []step{ok(StepStmtSignature), ok(StepStmtRequest), ok(StepStmtPortalCertStatus), ok(StepStmtPortalIINBinding),
		ok(StepStmtPortalRegister), ok(StepStmtPortalFindIIN), ok(StepStmtPortalFindSIK), ok(StepStmtPortalMovements),
		ok(StepStmtPortalAnswer)}
	conFlow = []step{ok(StepStmtSignature), ok(StepStmtRequest), ok(StepStmtCONCertStatus), ok(StepStmtCONOperator),
		ok(StepStmtCONRegister), ok(StepStmtCONFindIIN), ok(StepStmtCONFindSIK), ok(StepStmtCONMovements),
		ok(StepStmtCONAnswer)}
)

// flowUntil is the flow up to the step that refuses with the code.
func flowUntil(flow []step, at Step, code fault.Code) []step {
	var out []step
	for _, s := range flow {
		if s.Step == at {
			return append(out, refused(at, code))
		}
		out = append(out, s)
	}
	panic("no step " + string(at))
}

// TestStatementFixtureExpectations runs service 10 on both channels for every fixture
// expectation ("GCVP_PENSION_FUND_STATEMENT@CON": submitted at a ЦОН by the fixture operator).
func TestStatementFixtureExpectations(t *testing.T) {
	tf := readTxFixtures(t)
	if len(tf.Operators) == 0 {
		t.Fatal("no ЦОН operator in the fixture file")
	}
	type tc struct {
		name, iin, cert, want string
		ch                    gcvp.Channel
		rows                  int
	}
	var cases []tc
	add := func(name, iinValue, cert string, rows int, exp map[string]string) {
		if w, ok := exp[wsdl.ServicePensionFundStatement]; ok {
			cases = append(cases, tc{name, iinValue, cert, w, gcvp.ChannelPORTAL, rows})
		}
		if w, ok := exp[wsdl.ServicePensionFundStatement+"@CON"]; ok {
			cases = append(cases, tc{name + "@CON", iinValue, tf.Operators[0].Certificate, w, gcvp.ChannelCON, rows})
		}
	}
	for _, p := range tf.People {
		rows := 0
		for _, m := range p.Movements {
			if m.ReceiptDate >= tf.StatementPeriod.From && m.ReceiptDate <= tf.StatementPeriod.To {
				rows++
			}
		}
		add(p.LastName, p.IIN, p.Certificate, rows, p.ExpectTransactional)
	}
	for _, a := range tf.Absent {
		add("absent "+a.IIN, a.IIN, a.Certificate, 0, a.ExpectTransactional)
	}
	if len(cases) < 10 {
		t.Fatalf("only %d expectations for service 10", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			req := stmtRequest(uuid.NewString(), c.iin, c.ch)
			req.PeriodFrom, req.PeriodTo = day(tf.StatementPeriod.From), day(tf.StatementPeriod.To)
			req.OperatorId = ""
			if c.ch == gcvp.ChannelCON {
				req.OperatorId = tf.Operators[0].ID
			}
			ans, _, _ := submit(t, StatementService(f.deps), signed(t, c.cert, req))
			if c.want != "STATEMENT" {
				wantRefusal(t, ans, wsdl.ServicePensionFundStatement, fault.Code(c.want), "")
				return
			}
			resp := stmtAnswer(t, ans)
			if len(resp.Row) != c.rows || c.rows == 0 {
				t.Errorf("%d rows, want %d (and some)", len(resp.Row), c.rows)
			}
			if string(*resp.Iin) != c.iin || resp.Person.LastName+"@CON" != c.name && resp.Person.LastName != c.name {
				t.Errorf("statement of %s %s", *resp.Iin, resp.Person.LastName)
			}
		})
	}
}

// TestStatementPortal is table 1 end to end: the steps, the eleven columns of each row in
// order, the total in tiyn, the account header and the recorded request.
func TestStatementPortal(t *testing.T) {
	f := newFixture(t)
	ans, log, id := submit(t, StatementService(f.deps), signed(t, pki.NameConsumerGood, stmtRequest("S-1", iinGood, gcvp.ChannelPORTAL)))
	resp := stmtAnswer(t, ans)
	log.check(t, id, portalFlow)
	if resp.RequestNumber != "S-1" || resp.ServiceId != wsdl.ServicePensionFundStatement || len(resp.DocumentNumber) != 14 {
		t.Errorf("statement %s for %s, number %q", resp.RequestNumber, resp.ServiceId, resp.DocumentNumber)
	}
	if string(*resp.Account.Sik) != "DV6MH41VHFEX4009" || resp.Account.PeriodFrom.ToGoTime().Format(time.DateOnly) != "2024-01-01" ||
		resp.Account.PeriodTo.ToGoTime().Format(time.DateOnly) != "2024-12-31" {
		t.Errorf("account %+v", resp.Account)
	}
	if resp.Person.LastName != "ӘБІЛҰЛЫ" || resp.Person.MiddleName != "ЗАҺИДҰЛЫ" {
		t.Errorf("person %+v", resp.Person)
	}
	// The 2023 receipt is outside the period; five rows remain, by receipt date then КПП.
	var nums []string
	var sum int64
	for _, r := range resp.Row {
		nums = append(nums, r.Number)
		sum += int64(*r.AmountTiyn)
	}
	if !slices.Equal(nums, []string{"0031", "0214", "0409", "0410", "0622"}) {
		t.Fatalf("rows %v", nums)
	}
	if int64(*resp.TotalTiyn) != sum || sum != 4500000+4500000+4750000+2375000+4750000 {
		t.Errorf("total %d, rows sum to %d", *resp.TotalTiyn, sum)
	}
	r := resp.Row[3]
	got := []string{r.ReceiptDate.ToGoTime().Format(time.DateOnly), r.DispatchDate.ToGoTime().Format(time.DateOnly), r.Number,
		r.DocumentDate.ToGoTime().Format(time.DateOnly), r.Kpp, r.Sender, r.Rin, r.Recipient, "", r.Status, string(*r.Period)}
	want := []string{"2024-03-11", "2024-03-13", "0410", "2024-03-07", "012", "ТОО «Астана Құрылыс»", "050740012344",
		"АО «Единый накопительный пенсионный фонд»", "", "Зачислено", "2024-02"}
	if !slices.Equal(got, want) || *r.AmountTiyn != 2375000 {
		t.Errorf("row 4:\n got  %q %d\n want %q 2375000", got, *r.AmountTiyn, want)
	}
	if last := resp.Row[4]; last.DispatchDate.ToGoTime().Year() > 1 || last.Status != "В обработке" {
		t.Errorf("a movement not yet forwarded: %+v", last)
	}
	rec, err := f.store.StatementRequest(context.Background(), "S-1")
	if err != nil || rec.Channel != "PORTAL" || rec.SignerIIN != iinGood || rec.DocumentNumber != resp.DocumentNumber || rec.OperatorID != "" {
		t.Errorf("recorded %+v, %v", rec, err)
	}
	// The same request again: the same statement number.
	ans, _, _ = submit(t, StatementService(f.deps), signed(t, pki.NameConsumerGood, stmtRequest("S-1", iinGood, gcvp.ChannelPORTAL)))
	if again := stmtAnswer(t, ans); again.DocumentNumber != resp.DocumentNumber || len(again.Row) != len(resp.Row) {
		t.Errorf("a replay got statement %s, want %s", again.DocumentNumber, resp.DocumentNumber)
	}
}

// TestStatementCON is table 2: the operator signs for a representative with a notarised power
// of attorney; ГЦВП checks the operator and records what was presented.
func TestStatementCON(t *testing.T) {
	f := newFixture(t)
	req := stmtRequest("S-CON-1", iinRevoked, gcvp.ChannelCON)
	rep := gcvp.IIN(iinEC)
	req.Representative = &gcvp.Representative{Iin: &rep, LastName: "ЖҰМАҒАЛИЕВА", FirstName: "ӘЙГЕРІМ"}
	req.PowerOfAttorney = &gcvp.PowerOfAttorney{Number: "НД-2025-0042", IssueDate: day("2025-03-01"), ValidUntil: day("2026-03-01"),
		NotaryName: "Сейітова Г."}
	paper, scan := gcvp.Flag(true), gcvp.Sha256Hex("5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")
	req.Document = []*gcvp.SubmittedDocument{
		{Kind: "IDENTITY_DOCUMENT", PaperPresented: &paper, FileName: "id.pdf", Sha256: &scan},
		{Kind: "POWER_OF_ATTORNEY", PaperPresented: &paper},
	}
	ans, log, id := submit(t, StatementService(f.deps), signed(t, pki.NameOperator1, req))
	resp := stmtAnswer(t, ans)
	log.check(t, id, conFlow)
	if len(resp.Row) != 2 || string(*resp.Iin) != iinRevoked || int64(*resp.TotalTiyn) != 6240000 {
		t.Errorf("statement of %s: %d rows, total %d", *resp.Iin, len(resp.Row), *resp.TotalTiyn)
	}
	rec, err := f.store.StatementRequest(context.Background(), "S-CON-1")
	if err != nil {
		t.Fatal(err)
	}
	wantDocs := []store.PresentedDocument{{Kind: "IDENTITY_DOCUMENT", PaperPresented: true, FileName: "id.pdf", SHA256: string(scan)},
		{Kind: "POWER_OF_ATTORNEY", PaperPresented: true}}
	if rec.Channel != "CON" || rec.OperatorID != operatorID || rec.SignerIIN != iinOperator || rec.RepresentativeIIN != iinEC ||
		rec.RepresentativeName != "ЖҰМАҒАЛИЕВА ӘЙГЕРІМ" || rec.PoANumber != "НД-2025-0042" || rec.PoANotary != "Сейітова Г." ||
		rec.PoAIssueDate.Format(time.DateOnly) != "2025-03-01" || rec.PoAValidUntil.Format(time.DateOnly) != "2026-03-01" ||
		!slices.Equal(rec.Documents, wantDocs) || rec.DocumentNumber != resp.DocumentNumber {
		t.Errorf("recorded %+v", rec)
	}
}

// TestStatementRefusals covers the refusal branches of regulation 10 on both channels.
func TestStatementRefusals(t *testing.T) {
	portal := func(mod func(r *gcvp.StatementRequest)) func(t *testing.T) *etree.Element {
		return func(t *testing.T) *etree.Element {
			r := stmtRequest(uuid.NewString(), iinGood, gcvp.ChannelPORTAL)
			if mod != nil {
				mod(r)
			}
			return signed(t, pki.NameConsumerGood, r)
		}
	}
	con := func(cert, iinValue string, mod func(r *gcvp.StatementRequest)) func(t *testing.T) *etree.Element {
		return func(t *testing.T) *etree.Element {
			r := stmtRequest(uuid.NewString(), iinValue, gcvp.ChannelCON)
			if mod != nil {
				mod(r)
			}
			return signed(t, cert, r)
		}
	}
	rep := func(r *gcvp.StatementRequest) {
		v := gcvp.IIN(iinEC)
		r.Representative = &gcvp.Representative{Iin: &v, LastName: "ЖҰМАҒАЛИЕВА", FirstName: "ӘЙГЕРІМ"}
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, f *fixture)
		doc   func(t *testing.T) *etree.Element
		code  fault.Code
		at    Step
		flow  []step
	}{
		{"period reversed", nil, portal(func(r *gcvp.StatementRequest) { r.PeriodFrom, r.PeriodTo = r.PeriodTo, r.PeriodFrom }),
			fault.SvcPeriodInvalid, StepStmtRequest, portalFlow},
		{"period before 1998", nil, portal(func(r *gcvp.StatementRequest) { r.PeriodFrom = day("1997-12-31") }),
			fault.SvcPeriodInvalid, StepStmtRequest, portalFlow},
		{"period in the future", nil, portal(func(r *gcvp.StatementRequest) { r.PeriodTo = day("2025-06-17") }),
			fault.SvcPeriodInvalid, StepStmtRequest, portalFlow},
		{"no period", nil, portal(func(r *gcvp.StatementRequest) { r.PeriodFrom = soap.XSDDate{} }),
			fault.SvcPeriodInvalid, StepStmtRequest, portalFlow},
		{"no channel", nil, portal(func(r *gcvp.StatementRequest) { r.Channel = nil }),
			fault.SvcRequestInvalid, StepStmtRequest, portalFlow},
		{"portal with an operator", nil, portal(func(r *gcvp.StatementRequest) { r.OperatorId = operatorID }),
			fault.SvcRequestInvalid, StepStmtRequest, portalFlow},
		{"bad document digest", nil, portal(func(r *gcvp.StatementRequest) {
			h := gcvp.Sha256Hex("ABC")
			r.Document = []*gcvp.SubmittedDocument{{Kind: "SCAN", Sha256: &h}}
		}), fault.SvcRequestInvalid, StepStmtRequest, portalFlow},
		{"altered after signing", nil, func(t *testing.T) *etree.Element {
			el := portal(nil)(t)
			el.FindElement("./periodFrom").SetText("2020-01-01")
			return el
		}, fault.SigDigestMismatch, StepStmtSignature, portalFlow},
		{"revoked consumer", nil, func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerRevoked, stmtRequest("S-R", iinRevoked, gcvp.ChannelPORTAL))
		}, fault.CertRevoked, StepStmtPortalCertStatus, portalFlow},
		{"certificate of another IIN", nil, func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerEC, stmtRequest("S-B", iinGood, gcvp.ChannelPORTAL))
		}, fault.CertIINMismatch, StepStmtPortalIINBinding, portalFlow},
		{"IIN not found", nil, func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerWrongIIN, stmtRequest("S-N", iinAbsent, gcvp.ChannelPORTAL))
		}, fault.SvcIINNotFound, StepStmtPortalFindIIN, portalFlow},
		{"no SIK", nil, func(t *testing.T) *etree.Element {
			return signed(t, pki.NameOperator1, stmtRequest("S-K", iinOperator, gcvp.ChannelPORTAL))
		}, fault.SvcSIKNotRegistered, StepStmtPortalFindSIK, portalFlow},
		{"no movements in the period", nil, func(t *testing.T) *etree.Element {
			return signed(t, pki.NameConsumerEC, stmtRequest("S-M", iinEC, gcvp.ChannelPORTAL))
		}, fault.SvcNoMovements, StepStmtPortalMovements, portalFlow},
		{"request number reused", func(t *testing.T, f *fixture) {
			stmtAnswer(t, mustSubmit(t, StatementService(f.deps), signed(t, pki.NameConsumerGood, stmtRequest("S-U", iinGood, gcvp.ChannelPORTAL))))
		}, func(t *testing.T) *etree.Element {
			r := stmtRequest("S-U", iinGood, gcvp.ChannelPORTAL)
			r.PeriodFrom = day("2024-02-01")
			return signed(t, pki.NameConsumerGood, r)
		}, fault.SvcRequestNumberReused, StepStmtPortalRegister, portalFlow},

		{"CON without operatorId", nil, con(pki.NameOperator1, iinGood, func(r *gcvp.StatementRequest) { r.OperatorId = "" }),
			fault.SvcRequestInvalid, StepStmtRequest, conFlow},
		{"CON power of attorney without representative", nil, con(pki.NameOperator1, iinGood, func(r *gcvp.StatementRequest) {
			r.PowerOfAttorney = &gcvp.PowerOfAttorney{Number: "1", IssueDate: day("2025-01-01")}
		}), fault.SvcRequestInvalid, StepStmtRequest, conFlow},
		{"CON representative is the consumer", nil, con(pki.NameOperator1, iinEC, rep),
			fault.SvcRequestInvalid, StepStmtRequest, conFlow},
		{"CON expired power of attorney", nil, con(pki.NameOperator1, iinGood, func(r *gcvp.StatementRequest) {
			rep(r)
			r.PowerOfAttorney = &gcvp.PowerOfAttorney{Number: "1", IssueDate: day("2023-01-01"), ValidUntil: day("2024-01-01")}
		}), fault.SvcRequestInvalid, StepStmtRequest, conFlow},
		{"CON unknown operator", nil, con(pki.NameOperator1, iinGood, func(r *gcvp.StatementRequest) { r.OperatorId = "nobody" }),
			fault.SvcNotOperator, StepStmtCONOperator, conFlow},
		{"CON signed by a consumer", nil, con(pki.NameConsumerGood, iinGood, nil),
			fault.SvcNotOperator, StepStmtCONOperator, conFlow},
		{"CON inactive operator", func(t *testing.T, f *fixture) {
			o, _ := f.store.Operator(context.Background(), operatorID)
			o.Active = false
			if err := f.store.PutOperator(context.Background(), o); err != nil {
				t.Fatal(err)
			}
		}, con(pki.NameOperator1, iinGood, nil), fault.SvcNotOperator, StepStmtCONOperator, conFlow},
		{"CON operator of another employer", func(t *testing.T, f *fixture) {
			o, _ := f.store.Operator(context.Background(), operatorID)
			o.EmployerBIN = "050740012344"
			if err := f.store.PutOperator(context.Background(), o); err != nil {
				t.Fatal(err)
			}
		}, con(pki.NameOperator1, iinGood, nil), fault.SvcNotOperator, StepStmtCONOperator, conFlow},
		{"CON IIN not found", nil, con(pki.NameOperator1, iinAbsent, nil), fault.SvcIINNotFound, StepStmtCONFindIIN, conFlow},
		{"CON no SIK", nil, con(pki.NameOperator1, iinOperator, nil), fault.SvcSIKNotRegistered, StepStmtCONFindSIK, conFlow},
		{"CON no movements", nil, con(pki.NameOperator1, iinEC, nil), fault.SvcNoMovements, StepStmtCONMovements, conFlow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			if c.setup != nil {
				c.setup(t, f)
			}
			ans, log, id := submit(t, StatementService(f.deps), c.doc(t))
			wantRefusal(t, ans, wsdl.ServicePensionFundStatement, c.code, c.at)
			log.check(t, id, flowUntil(c.flow, c.at, c.code))
		})
	}
}

func TestCalendarDate(t *testing.T) {
	if !calendarDate(soap.XSDDate{}).IsZero() {
		t.Error("an absent date is not zero")
	}
	if got := calendarDate(day("2024-02-29")); got != time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC) {
		t.Errorf("got %v", got)
	}
	// 23:30 UTC on 15 June is already 16 June in Kazakhstan.
	if got := calendarDay(time.Date(2025, 6, 15, 23, 30, 0, 0, time.UTC)); got.Day() != 16 {
		t.Errorf("got %v", got)
	}
}

// TestDocumentsValidate checks the requests and every kind of answer of services 9 and 10
// against gcvp.wsdl's schema, signatures included.
func TestDocumentsValidate(t *testing.T) {
	f := newFixture(t)
	conReq := stmtRequest("V-3", iinGood, gcvp.ChannelCON)
	rep, paper := gcvp.IIN(iinEC), gcvp.Flag(true)
	conReq.Representative = &gcvp.Representative{Iin: &rep, LastName: "ЖҰМАҒАЛИЕВА", FirstName: "ӘЙГЕРІМ"}
	conReq.PowerOfAttorney = &gcvp.PowerOfAttorney{Number: "N-1", IssueDate: day("2025-03-01")}
	conReq.Document = []*gcvp.SubmittedDocument{{Kind: "IDENTITY_DOCUMENT", PaperPresented: &paper}}
	docs := []struct {
		svc Service
		doc *etree.Element
	}{
		{SikService(f.deps), signed(t, pki.NameConsumerGood, sikRequest("V-1", iinGood, false))},
		{SikService(f.deps), signed(t, pki.NameOperator1, sikRequest("V-1b", iinOperator, false))},
		{StatementService(f.deps), signed(t, pki.NameConsumerGood, stmtRequest("V-2", iinGood, gcvp.ChannelPORTAL))},
		{StatementService(f.deps), signed(t, pki.NameOperator1, conReq)},
		{StatementService(f.deps), signed(t, pki.NameConsumerEC, stmtRequest("V-4", iinEC, gcvp.ChannelPORTAL))},
	}
	for i, d := range docs {
		if err := validateGCVP(d.doc); err != nil {
			t.Errorf("request %d: %v", i, err)
		}
		ans := mustSubmit(t, d.svc, d.doc)
		if err := validateGCVP(ans.Document); err != nil {
			t.Errorf("answer %d (%s): %v", i, ans.Document.Tag, err)
		}
	}
}

func validateGCVP(el *etree.Element) error {
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	raw, err := doc.WriteToBytes()
	if err != nil {
		return err
	}
	return wsdl.Validate(raw, "gcvp")
}
