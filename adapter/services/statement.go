package services

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/hooklift/gowsdl/soap"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/gcvp"
	"github.com/shepgate/shepgate/wsdl"
)

// StatementStore is the part of ГЦВП's system that service 10 uses. Deps.Store must implement
// it (store.Store does).
type StatementStore interface {
	Store
	Movements(ctx context.Context, iin string, from, to time.Time) ([]store.Movement, error)
	Operator(ctx context.Context, id string) (store.Operator, error)
	RecordStatementRequest(ctx context.Context, r store.StatementRecord) (store.StatementRecord, error)
}

// Steps of regulation 10 (Order 485-ө-м, Appendix 2 → Appendix 10 of Order 140-ө): table 1
// (through the portal, "T1") and table 2 (through the ЦОН, "T2") of its Appendix 3. The first
// two steps come before the channel is known (it is read from the verified document) and are
// shared.
const (
	// StepStmtSignature is table 1 action 3 / table 2 action 7: the ЭЦП of the consumer (portal)
	// or of the ЦОН operator.
	StepStmtSignature Step = "R10_SIGNATURE_CHECK"
	// StepStmtRequest is the rest of that action: the request is well formed, its period valid.
	StepStmtRequest Step = "R10_REQUEST_CHECK"

	// StepStmtPortalCertStatus is table 1 actions 5–6: the consumer's certificate at the НУЦ.
	StepStmtPortalCertStatus Step = "R10_T1_A5_CERT_STATUS"
	// StepStmtPortalIINBinding is condition 1's identification check (table 1 action 6): the
	// IIN in the certificate is the IIN of the request.
	StepStmtPortalIINBinding Step = "R10_T1_A6_IIN_BINDING"
	// StepStmtPortalRegister records the request and gives the statement its number (the
	// receipt of table 1 action 3).
	StepStmtPortalRegister Step = "R10_T1_A3_REGISTER_REQUEST"
	// StepStmtPortalFindIIN is table 1 action 7: the IIN in the АИС.
	StepStmtPortalFindIIN Step = "R10_T1_A7_FIND_IIN"
	// StepStmtPortalFindSIK is table 1 action 8: the SIK.
	StepStmtPortalFindSIK Step = "R10_T1_A8_FIND_SIK"
	// StepStmtPortalMovements is table 1 action 9: receipts and movements for the period.
	StepStmtPortalMovements Step = "R10_T1_A9_FIND_MOVEMENTS"
	// StepStmtPortalAnswer is table 1 action 10: the statement, signed with ГЦВП's key.
	StepStmtPortalAnswer Step = "R10_T1_A10_ANSWER"

	// StepStmtCONCertStatus is the НУЦ check of the operator's certificate (table 2 action 7;
	// the НУЦ is a unit of the service, п. 11).
	StepStmtCONCertStatus Step = "R10_T2_A7_CERT_STATUS"
	// StepStmtCONOperator is table 2 action 7: the signer is a registered, active ЦОН operator
	// and the operatorId of the request is theirs.
	StepStmtCONOperator Step = "R10_T2_A7_OPERATOR_CHECK"
	// StepStmtCONRegister records what the ЦОН presented (table 2 action 6: consumer,
	// representative, notarised power of attorney, documents on paper and their scans).
	StepStmtCONRegister Step = "R10_T2_A7_REGISTER_REQUEST"
	// StepStmtCONFindIIN is the IIN part of table 2 action 9.
	StepStmtCONFindIIN Step = "R10_T2_A9_FIND_IIN"
	// StepStmtCONFindSIK is the SIK part of table 2 action 9.
	StepStmtCONFindSIK Step = "R10_T2_A9_FIND_SIK"
	// StepStmtCONMovements is table 2 action 9: receipts and movements for the period.
	StepStmtCONMovements Step = "R10_T2_A9_FIND_MOVEMENTS"
	// StepStmtCONAnswer is table 2 action 10: the statement, signed with ГЦВП's key, to the ИС ЦОН.
	StepStmtCONAnswer Step = "R10_T2_A10_ANSWER"
)

var _ = describe(
	StepInfo{StepStmtSignature, "ЭЦҚ-ны тексеру", "Проверка ЭЦП", time.Minute},
	StepInfo{StepStmtRequest, "Сұрау салуды тексеру", "Проверка запроса", 0},

	StepInfo{StepStmtPortalCertStatus, "ҰКО-да ЭЦҚ өзектілігін тексеру", "Проверка актуальности ЭЦП в НУЦ", 90 * time.Second},
	StepInfo{StepStmtPortalIINBinding, "Сертификаттағы ЖСН-ді тексеру", "Сверка ИИН в сертификате", 15 * time.Second},
	StepInfo{StepStmtPortalRegister, "Сұрау салуды тіркеу", "Регистрация запроса", 0},
	StepInfo{StepStmtPortalFindIIN, "ЖСН-ді «ЗТМО» ААЖ-да іздеу", "Поиск ИИН в АИС ГЦВП", 15 * time.Second},
	StepInfo{StepStmtPortalFindSIK, "ӘЖК-ні іздеу", "Поиск СИК", 15 * time.Second},
	StepInfo{StepStmtPortalMovements, "Салымшы қаражатының түсуі және қозғалысы туралы ақпаратты іздеу", "Поиск информации о поступлении и движении средств вкладчика", 30 * time.Second},
	StepInfo{StepStmtPortalAnswer, "Анықтаманы қалыптастыру және ЗТМО ЭЦҚ-сымен қол қою", "Формирование справки и подписание ЭЦП ГЦВП", 20 * time.Second},

	StepInfo{StepStmtCONCertStatus, "ҰКО-да оператордың ЭЦҚ өзектілігін тексеру", "Проверка актуальности ЭЦП оператора в НУЦ", 0},
	StepInfo{StepStmtCONOperator, "ХҚКО операторын тексеру", "Проверка оператора ЦОН", 0},
	StepInfo{StepStmtCONRegister, "Ұсынылған құжаттарды тіркеу", "Регистрация представленных документов", 0},
	StepInfo{StepStmtCONFindIIN, "ЖСН-ді «ЗТМО» ААЖ-да іздеу", "Поиск ИИН в АИС ГЦВП", 0},
	StepInfo{StepStmtCONFindSIK, "ӘЖК-ні іздеу", "Поиск СИК", 0},
	StepInfo{StepStmtCONMovements, "Салымшы қаражатының түсуі және қозғалысы туралы ақпаратты іздеу", "Поиск информации о поступлении и движении средств вкладчика", 30 * time.Second},
	StepInfo{StepStmtCONAnswer, "Анықтаманы қалыптастыру, ЗТМО ЭЦҚ-сымен қол қою және ХҚКО АЖ-ға жіберу", "Формирование справки, подписание ЭЦП ГЦВП и отправка в ИС ЦОН", 10 * time.Second},
)

// pensionSystemStart is the first day of Kazakhstan's accumulative pension system (1 January
// 1998): a statement period cannot begin before it.
var pensionSystemStart = time.Date(1998, time.January, 1, 0, 0, 0, 0, time.UTC)

// PensionFundStatementService is service 10: information on receipts and movements of an
// accumulative pension fund contributor's funds, through the portal or a ЦОН.
type PensionFundStatementService struct {
	deps *Deps
}

// StatementService returns service 10.
func StatementService(d *Deps) Service { return &PensionFundStatementService{deps: d} }

// ID implements Service.
func (s *PensionFundStatementService) ID() string { return wsdl.ServicePensionFundStatement }

// stmtSteps are the steps of one channel.
type stmtSteps struct {
	certStatus, register, findIIN, findSIK, movements, answer Step
}

var (
	portalSteps = stmtSteps{StepStmtPortalCertStatus, StepStmtPortalRegister, StepStmtPortalFindIIN,
		StepStmtPortalFindSIK, StepStmtPortalMovements, StepStmtPortalAnswer}
	conSteps = stmtSteps{StepStmtCONCertStatus, StepStmtCONRegister, StepStmtCONFindIIN,
		StepStmtCONFindSIK, StepStmtCONMovements, StepStmtCONAnswer}
)

// Handle implements Service: table 1 for channel PORTAL (the consumer signs; the IIN of the
// certificate must be the request's), table 2 for channel CON (the ЦОН operator signs; the ЦОН
// has checked the consumer in ГБД ФЛ and the power of attorney in ЕНИС before submitting, so
// ГЦВП checks the operator and records what was presented). Every refusal is the ГЦВП-signed
// Refusal of table 1 action 4 / table 2 action 8.
func (s *PensionFundStatementService) Handle(ctx context.Context, r *Request) (*Answer, error) {
	d := s.deps
	id := s.ID()
	st := d.Store
	f := d.start(ctx, r, id)
	v, ok := f.verify(StepStmtSignature)
	if !ok {
		return f.end()
	}
	var req gcvp.StatementRequest
	var from, to time.Time
	if !f.step(StepStmtRequest, func() (err error) {
		if err := envelope.UnmarshalDocument(v.Element, &req, fault.SvcRequestInvalid); err != nil {
			return err
		}
		if err := f.identify(req.RequestNumber, req.Iin, req.ServiceId); err != nil {
			return err
		}
		from, to, err = s.checkRequest(&req, f.iin)
		return err
	}) {
		return f.end()
	}
	con := *req.Channel == gcvp.ChannelCON
	steps := portalSteps
	if con {
		steps = conSteps
	}
	if !f.certStatus(steps.certStatus, v) {
		return f.end()
	}
	signerIIN, _ := iin.FromCertificate(v.Cert)
	if con {
		if !f.step(StepStmtCONOperator, func() error { return checkOperator(ctx, st, req.OperatorId, v.Cert) }) {
			return f.end()
		}
	} else if !f.binding(StepStmtPortalIINBinding, v) {
		return f.end()
	}
	var rec store.StatementRecord
	var p store.Person
	var ms []store.Movement
	if !f.step(steps.register, func() (err error) {
		rec, err = st.RecordStatementRequest(ctx, statementRecord(&req, f.iin, from, to, signerIIN, fingerprint(v.Cert), d.now()))
		if errors.Is(err, store.ErrConflict) {
			return fault.Wrap(fault.SvcRequestNumberReused, err, "request %s", f.number)
		}
		if err != nil {
			return fmt.Errorf("services: register statement request: %w", err)
		}
		return nil
	}) || !f.step(steps.findIIN, func() (err error) {
		p, err = st.Person(ctx, f.iin)
		if errors.Is(err, store.ErrNotFound) {
			return fault.New(fault.SvcIINNotFound, "IIN %s", f.iin)
		}
		if err != nil {
			return fmt.Errorf("services: find IIN: %w", err)
		}
		return nil
	}) || !f.step(steps.findSIK, func() error {
		if p.SIK == "" {
			return fault.New(fault.SvcSIKNotRegistered, "IIN %s", f.iin)
		}
		return nil
	}) || !f.step(steps.movements, func() (err error) {
		ms, err = st.Movements(ctx, f.iin, from, to)
		if err != nil {
			return fmt.Errorf("services: find movements: %w", err)
		}
		if len(ms) == 0 {
			return fault.New(fault.SvcNoMovements, "IIN %s, %s..%s", f.iin, from.Format(time.DateOnly), to.Format(time.DateOnly))
		}
		return nil
	}) {
		return f.end()
	}
	var el *etree.Element
	if !f.step(steps.answer, func() (err error) {
		el, err = d.sign(statementResponse(id, f.number, rec.DocumentNumber, p, from, to, ms, d.now()))
		return err
	}) {
		return f.end()
	}
	d.logger().Info("service answered", "service", id, "request", f.number, "channel", *req.Channel,
		"document", rec.DocumentNumber, "rows", len(ms))
	return f.answered(el), nil
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkRequest checks the rest of the verified request (after flow.identify) and returns its
// period.
func (s *PensionFundStatementService) checkRequest(req *gcvp.StatementRequest, reqIIN string) (from, to time.Time, err error) {
	if req.Channel == nil || (*req.Channel != gcvp.ChannelPORTAL && *req.Channel != gcvp.ChannelCON) {
		return from, to, fault.New(fault.SvcRequestInvalid, "channel must be PORTAL or CON")
	}
	if *req.Channel == gcvp.ChannelPORTAL {
		if req.OperatorId != "" || req.Representative != nil || req.PowerOfAttorney != nil {
			return from, to, fault.New(fault.SvcRequestInvalid, "operator, representative and power of attorney are for channel CON only")
		}
	} else if err := s.checkCON(req, reqIIN); err != nil {
		return from, to, err
	}
	for i, doc := range req.Document {
		if doc == nil || strings.TrimSpace(doc.Kind) == "" {
			return from, to, fault.New(fault.SvcRequestInvalid, "document %d has no kind", i+1)
		}
		if doc.Sha256 != nil && !sha256Hex.MatchString(string(*doc.Sha256)) {
			return from, to, fault.New(fault.SvcRequestInvalid, "document %d: sha256 is not 64 lower-case hex digits", i+1)
		}
	}
	from, to = calendarDate(req.PeriodFrom), calendarDate(req.PeriodTo)
	today := calendarDay(s.deps.now())
	switch {
	case from.IsZero() || to.IsZero():
		return from, to, fault.New(fault.SvcPeriodInvalid, "periodFrom and periodTo are required dates")
	case from.After(to):
		return from, to, fault.New(fault.SvcPeriodInvalid, "periodFrom %s is after periodTo %s", from.Format(time.DateOnly), to.Format(time.DateOnly))
	case from.Before(pensionSystemStart):
		return from, to, fault.New(fault.SvcPeriodInvalid, "periodFrom %s is before the accumulative pension system began (%s)",
			from.Format(time.DateOnly), pensionSystemStart.Format(time.DateOnly))
	case to.After(today):
		return from, to, fault.New(fault.SvcPeriodInvalid, "periodTo %s is in the future (today is %s)", to.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	return from, to, nil
}

// checkCON checks the ЦОН part of a request: the operator's login, the representative and the
// notarised power of attorney.
func (s *PensionFundStatementService) checkCON(req *gcvp.StatementRequest, reqIIN string) error {
	if strings.TrimSpace(req.OperatorId) == "" {
		return fault.New(fault.SvcRequestInvalid, "operatorId is required on channel CON")
	}
	if rep := req.Representative; rep != nil {
		if rep.Iin == nil {
			return fault.New(fault.SvcRequestInvalid, "the representative's IIN is required")
		}
		if err := iin.Validate(string(*rep.Iin)); err != nil {
			return fault.Wrap(fault.SvcRequestInvalid, err, "representative")
		}
		if string(*rep.Iin) == reqIIN {
			return fault.New(fault.SvcRequestInvalid, "the representative is the consumer")
		}
		if strings.TrimSpace(rep.LastName) == "" || strings.TrimSpace(rep.FirstName) == "" {
			return fault.New(fault.SvcRequestInvalid, "the representative's last and first names are required")
		}
	}
	if poa := req.PowerOfAttorney; poa != nil {
		if req.Representative == nil {
			return fault.New(fault.SvcRequestInvalid, "a power of attorney without a representative")
		}
		if strings.TrimSpace(poa.Number) == "" || calendarDate(poa.IssueDate).IsZero() {
			return fault.New(fault.SvcRequestInvalid, "the power of attorney's number and issue date are required")
		}
		if until := calendarDate(poa.ValidUntil); !until.IsZero() && until.Before(calendarDay(s.deps.now())) {
			return fault.New(fault.SvcRequestInvalid, "the power of attorney expired on %s", until.Format(time.DateOnly))
		}
	}
	return nil
}

// checkOperator checks that the certificate that signed a CON request is that of the registered,
// active operator named by operatorId: the IIN it carries is the operator's, and it was issued
// to an employee of the operator's employer (its "BIN…" organisational unit).
func checkOperator(ctx context.Context, st StatementStore, operatorID string, cert *x509.Certificate) error {
	o, err := st.Operator(ctx, operatorID)
	if errors.Is(err, store.ErrNotFound) {
		return fault.New(fault.SvcNotOperator, "operator %q is not registered", operatorID)
	}
	if err != nil {
		return fmt.Errorf("services: find operator: %w", err)
	}
	if !o.Active {
		return fault.New(fault.SvcNotOperator, "operator %q is not active", operatorID)
	}
	certIIN, _ := iin.FromCertificate(cert)
	if certIIN == "" || certIIN != o.IIN {
		return fault.New(fault.SvcNotOperator, "the certificate (IIN %q) is not operator %q's", certIIN, operatorID)
	}
	if bin := employerBIN(cert); bin != o.EmployerBIN {
		return fault.New(fault.SvcNotOperator, "the certificate's employer BIN %q is not operator %q's (%s)", bin, operatorID, o.EmployerBIN)
	}
	return nil
}

// employerBIN returns the BIN of the organisation an employee's certificate was issued for:
// the subject's organisational unit "BIN" followed by 12 digits; "" when there is none.
func employerBIN(cert *x509.Certificate) string {
	for _, ou := range cert.Subject.OrganizationalUnit {
		ou = strings.TrimSpace(ou)
		if len(ou) == 15 && strings.EqualFold(ou[:3], "BIN") && iin.ValidBIN(ou[3:]) {
			return ou[3:]
		}
	}
	return ""
}

// statementRecord is what ГЦВП records of a request.
func statementRecord(req *gcvp.StatementRequest, reqIIN string, from, to time.Time, signerIIN, signerCert string, at time.Time) store.StatementRecord {
	rec := store.StatementRecord{RequestNumber: req.RequestNumber, IIN: reqIIN, PeriodFrom: from, PeriodTo: to,
		Channel: string(*req.Channel), OperatorID: req.OperatorId, SignerIIN: signerIIN, SignerCert: signerCert, ReceivedAt: at}
	if rep := req.Representative; rep != nil {
		rec.RepresentativeIIN = string(*rep.Iin)
		rec.RepresentativeName = strings.TrimSpace(strings.Join([]string{rep.LastName, rep.FirstName, rep.MiddleName}, " "))
	}
	if poa := req.PowerOfAttorney; poa != nil {
		rec.PoANumber, rec.PoANotary = poa.Number, poa.NotaryName
		rec.PoAIssueDate, rec.PoAValidUntil = calendarDate(poa.IssueDate), calendarDate(poa.ValidUntil)
	}
	for _, doc := range req.Document {
		pd := store.PresentedDocument{Kind: doc.Kind, PaperPresented: bool(flag(doc.PaperPresented)), FileName: doc.FileName}
		if doc.Sha256 != nil {
			pd.SHA256 = string(*doc.Sha256)
		}
		rec.Documents = append(rec.Documents, pd)
	}
	return rec
}

// statementResponse is the е-справка of table 1 action 10 / table 2 action 10 (App. 4 of
// regulation 10): the account header and the eleven columns of each movement, with the total.
func statementResponse(serviceID, number, documentNumber string, p store.Person, from, to time.Time, ms []store.Movement, at time.Time) *gcvp.StatementResponse {
	iinv, sik := gcvp.IIN(p.IIN), gcvp.SIK(p.SIK)
	var total int64
	rows := make([]*gcvp.StatementRow, len(ms))
	for i, m := range ms {
		amount, period := gcvp.Tiyn(m.AmountTiyn), gcvp.YearMonth(m.Period)
		rows[i] = &gcvp.StatementRow{ReceiptDate: date(m.ReceiptDate), DispatchDate: date(m.DispatchDate), Number: m.Number,
			DocumentDate: date(m.DocumentDate), Kpp: m.KPP, Sender: m.Sender, Rin: m.RIN, Recipient: m.Recipient,
			AmountTiyn: &amount, Status: m.Status, Period: &period}
		total += m.AmountTiyn
	}
	t := gcvp.Tiyn(total)
	return &gcvp.StatementResponse{
		RequestNumber:  number,
		ServiceId:      serviceID,
		Iin:            &iinv,
		DocumentNumber: documentNumber,
		Person:         &gcvp.PersonName{LastName: p.LastName, FirstName: p.FirstName, MiddleName: p.MiddleName},
		Account:        &gcvp.StatementAccount{Sik: &sik, PeriodFrom: date(from), PeriodTo: date(to)},
		Row:            rows,
		TotalTiyn:      &t,
		IssuedAt:       dateTime(at),
	}
}

// calendarDate is the calendar day of an xs:date (its zone, if any, ignored) at midnight UTC;
// zero when the date is absent or did not parse.
func calendarDate(x soap.XSDDate) time.Time {
	t := x.ToGoTime()
	if t.IsZero() || t.Year() <= 1 {
		return time.Time{}
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// calendarDay is the day of t in Kazakhstan, at midnight UTC.
func calendarDay(t time.Time) time.Time {
	t = t.In(kzZone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
