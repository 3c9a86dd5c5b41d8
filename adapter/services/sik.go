package services

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/gcvp"
	"github.com/shepgate/shepgate/wsdl"
)

// SikStore is the part of ГЦВП's system that service 9 uses. Deps.Store must implement it
// (store.Store does).
type SikStore interface {
	Store
	IssueSIK(ctx context.Context, in store.SIKIssue) (store.SIKCertificate, error)
	SIKCertificate(ctx context.Context, requestNumber string) (store.SIKCertificate, error)
}

// Steps of regulation 9 (Order 485-ө-м, Appendix 1 → Appendix 9 of Order 140-ө; the table of
// actions in its Appendix 3). The process list (processes 4–9, conditions 1–2) names the same
// checks; docs/regulations.md maps both to these constants.
const (
	// StepSikSignature is action 3: the provider receives the request and checks the ЭЦП.
	StepSikSignature Step = "R9_A3_SIGNATURE_CHECK"
	// StepSikRequest is the rest of action 3: the signed request is well formed.
	StepSikRequest Step = "R9_A3_REQUEST_CHECK"
	// StepSikCertStatus is actions 5–6: the certificate's actuality at the НУЦ.
	StepSikCertStatus Step = "R9_A5_CERT_STATUS"
	// StepSikIINBinding is the identification part of action 6 (condition 1): the IIN in the
	// certificate is the IIN of the request.
	StepSikIINBinding Step = "R9_A6_IIN_BINDING"
	// StepSikFindPerson is action 7 (process 7, condition 2): the person in the АИС and any
	// certificate already issued for the request number.
	StepSikFindPerson Step = "R9_A7_FIND_PERSON"
	// StepSikAssign is action 7 for a person without a SIK: a new SIK is assigned and its
	// certificate issued, in one transaction.
	StepSikAssign Step = "R9_A7_ASSIGN_SIK"
	// StepSikDuplicate is action 7 for a person with a SIK: a duplicate certificate is issued.
	StepSikDuplicate Step = "R9_A7_ISSUE_DUPLICATE"
	// StepSikAnswer is action 8 (process 9): the certificate by the approved form, signed with
	// ГЦВП's key.
	StepSikAnswer Step = "R9_A8_ANSWER"
)

var _ = describe(
	StepInfo{StepSikSignature, "Тұтынушының ЭЦҚ-сын тексеру", "Проверка ЭЦП потребителя", time.Minute},
	StepInfo{StepSikRequest, "Сұрау салуды тексеру", "Проверка запроса", 0},
	StepInfo{StepSikCertStatus, "ҰКО-да ЭЦҚ көкейкестігін тексеру", "Проверка актуальности ЭЦП в НУЦ", 90 * time.Second},
	StepInfo{StepSikIINBinding, "Сертификаттағы ЖСН-ді тексеру", "Сверка ИИН в сертификате", 15 * time.Second},
	StepInfo{StepSikFindPerson, "Тұлғаны «ЗТМО» ААЖ-да іздеу", "Поиск лица в АИС ГЦВП", 15 * time.Second},
	StepInfo{StepSikAssign, "ӘЖК беру және куәлікті қалыптастыру", "Присвоение СИК и формирование свидетельства", 15 * time.Second},
	StepInfo{StepSikDuplicate, "Куәліктің телнұсқасын беру", "Выдача дубликата свидетельства", 15 * time.Second},
	StepInfo{StepSikAnswer, "Куәлікті бекітілген нысан бойынша қалыптастыру және ЗТМО ЭЦҚ-сымен қол қою", "Формирование свидетельства по утверждённой форме и подписание ЭЦП ГЦВП", 20 * time.Second},
)

// The issuing office printed on SIK certificates (Куәлікті берген филиал/бөлімше).
const (
	IssuingOfficeKK = "«Зейнетақы төлеу жөніндегі мемлекеттік орталығы» РМҚК"
	IssuingOfficeRU = "РГКП «Государственный центр по выплате пенсий»"
)

// kzZone is the zone of ГЦВП's dates (issue dates, "today" for periods): Kazakhstan, UTC+5.
var kzZone = time.FixedZone("UTC+5", 5*60*60)

// SikIssueService is service 9: assignment of a SIK or issue of a duplicate certificate.
type SikIssueService struct {
	deps *Deps
}

// SikService returns service 9.
func SikService(d *Deps) Service { return &SikIssueService{deps: d} }

// ID implements Service.
func (s *SikIssueService) ID() string { return wsdl.ServiceSikIssue }

// Handle implements Service. The steps are recorded (Request.Steps); every refusal is the
// ГЦВП-signed Refusal of action 4. The same request number always gets the same certificate
// and an IIN gets one SIK whatever runs concurrently (store.ServiceData.IssueSIK).
//
// The step recorded for action 7 is chosen by what is known when the person is found
// (R9_A7_ASSIGN_SIK for a person without a SIK, R9_A7_ISSUE_DUPLICATE otherwise, or the branch
// of the certificate a replayed request got); the answer's duplicate flag is authoritative when
// a concurrent request assigned the SIK in between.
func (s *SikIssueService) Handle(ctx context.Context, r *Request) (*Answer, error) {
	d := s.deps
	id := s.ID()
	st := d.Store
	f := d.start(ctx, r, id)
	v, ok := f.verify(StepSikSignature)
	if !ok {
		return f.end()
	}
	var req gcvp.SikRequest
	if !f.step(StepSikRequest, func() error {
		if err := envelope.UnmarshalDocument(v.Element, &req, fault.SvcRequestInvalid); err != nil {
			return err
		}
		return f.identify(req.RequestNumber, req.Iin, req.ServiceId)
	}) || !f.certStatus(StepSikCertStatus, v) || !f.binding(StepSikIINBinding, v) {
		return f.end()
	}
	var p store.Person
	var prev store.SIKCertificate
	replay := false
	if !f.step(StepSikFindPerson, func() (err error) {
		p, err = st.Person(ctx, f.iin)
		if errors.Is(err, store.ErrNotFound) {
			return fault.New(fault.SvcIINNotFound, "IIN %s", f.iin)
		}
		if err != nil {
			return fmt.Errorf("services: find person: %w", err)
		}
		prev, err = st.SIKCertificate(ctx, f.number)
		switch {
		case err == nil && prev.IIN != f.iin:
			return fault.New(fault.SvcRequestNumberReused, "request %s was for another IIN", f.number)
		case err == nil:
			replay = true
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("services: find earlier certificate: %w", err)
		}
		return nil
	}) {
		return f.end()
	}
	issueStep := StepSikAssign
	if (replay && prev.Duplicate) || (!replay && (p.SIK != "" || bool(flag(req.Duplicate)))) {
		issueStep = StepSikDuplicate
	}
	var c store.SIKCertificate
	if !f.step(issueStep, func() (err error) {
		c, err = st.IssueSIK(ctx, store.SIKIssue{RequestNumber: f.number, IIN: f.iin, Duplicate: bool(flag(req.Duplicate)),
			NewSIK: func(attempt int) string { return GenerateSIK(f.iin, attempt) }, At: d.now().In(kzZone),
			SignerCert: fingerprint(v.Cert)})
		switch {
		case errors.Is(err, store.ErrNotFound):
			return fault.New(fault.SvcIINNotFound, "IIN %s", f.iin)
		case errors.Is(err, store.ErrNoSIK):
			return fault.New(fault.SvcSIKNotRegistered, "a duplicate was asked for IIN %s, which has no SIK", f.iin)
		case errors.Is(err, store.ErrConflict):
			return fault.Wrap(fault.SvcRequestNumberReused, err, "request %s", f.number)
		case err != nil:
			return fmt.Errorf("services: issue SIK certificate: %w", err)
		}
		return nil
	}) {
		return f.end()
	}
	var el *etree.Element
	if !f.step(StepSikAnswer, func() (err error) {
		el, err = d.sign(sikResponse(id, c))
		return err
	}) {
		return f.end()
	}
	d.logger().Info("service answered", "service", id, "request", f.number, "certificate", c.Number, "duplicate", c.Duplicate, "replay", replay)
	return f.answered(el), nil
}

// sikResponse is the certificate of action 8 by the approved form (App. 4 of regulation 9).
// Everything in it comes from the stored certificate, so a replay gets the same document.
func sikResponse(serviceID string, c store.SIKCertificate) *gcvp.SikResponse {
	iinv, sik, dup := gcvp.IIN(c.IIN), gcvp.SIK(c.SIK), gcvp.Flag(c.Duplicate)
	return &gcvp.SikResponse{
		RequestNumber: c.RequestNumber,
		ServiceId:     serviceID,
		Iin:           &iinv,
		Sik:           &sik,
		Person: &gcvp.SikPerson{LastName: c.LastName, FirstName: c.FirstName, MiddleName: c.MiddleName,
			BirthDate: date(c.BirthDate)},
		Duplicate:         &dup,
		CertificateNumber: c.Number,
		RegistrationDate:  date(c.RegisteredOn),
		IssueDate:         date(c.IssuedOn),
		IssuingOfficeKk:   IssuingOfficeKK,
		IssuingOfficeRu:   IssuingOfficeRU,
		IssuedAt:          dateTime(c.IssuedAt),
	}
}

// sikAlphabet is the SIK's character set (the regulation's sample DV6MH41VHFEX4009).
const sikAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// GenerateSIK returns the attempt-th candidate SIK of an IIN: 16 characters of [0-9A-Z] drawn
// from SHA-256("shepgate/sik/v1", IIN, attempt). The same IIN and attempt always give the
// same candidate, so tests can predict a new SIK; the store skips candidates held by another
// IIN and the SIK's uniqueness is enforced there.
func GenerateSIK(iinValue string, attempt int) string {
	h := sha256.New()
	h.Write([]byte("shepgate/sik/v1\x00" + iinValue + "\x00"))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(attempt))
	h.Write(n[:])
	sum := h.Sum(nil)
	out := make([]byte, 16)
	for i := range out {
		// Two bytes per character keep the bias of the reduction below 0.1%.
		out[i] = sikAlphabet[int(binary.BigEndian.Uint16(sum[2*i:]))%len(sikAlphabet)]
	}
	return string(out)
}

// flag reads an optional xs:boolean (absent is false).
func flag(f *gcvp.Flag) gcvp.Flag {
	if f == nil {
		return false
	}
	return *f
}

// fingerprint is the SHA-256 of a certificate's DER, lower-case hex (as the gateway pins them).
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}
