package resultdoc

import (
	"bytes"
	"compress/zlib"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hooklift/gowsdl/soap"
	"github.com/ledongthuc/pdf"

	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/gcvp"
	"github.com/shepgate/shepgate/wsdl"
)

var (
	pkiOnce sync.Once
	testPKI *pki.PKI
	pkiErr  error
	pkiDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pkiDir != "" {
		os.RemoveAll(pkiDir)
	}
	os.Exit(code)
}

// thePKI is the test PKI, made once for the package's tests.
func thePKI(t testing.TB) *pki.PKI {
	t.Helper()
	pkiOnce.Do(func() {
		pkiDir, pkiErr = os.MkdirTemp("", "resultdoc-pki-")
		if pkiErr == nil {
			testPKI, pkiErr = pki.Init(pki.Options{Dir: pkiDir})
		}
	})
	if pkiErr != nil {
		t.Fatalf("pki: %v", pkiErr)
	}
	return testPKI
}

// sign marshals doc and signs it with ГЦВП's key, as adapter/services does.
func sign(t testing.TB, doc any) []byte {
	t.Helper()
	p := thePKI(t)
	key, cert, err := p.KeyPair(pki.NameGCVP)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := xml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	out, err := (&wssec.Signer{Key: key, Cert: cert}).SignBytes(raw, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func verifier(t testing.TB) *wssec.Verifier {
	p := thePKI(t)
	return &wssec.Verifier{Roots: p.Roots(), Intermediates: p.Intermediates()}
}

var almaty = time.FixedZone("UTC+5", 5*3600)

func ptr[T any](v T) *T { return &v }

func date(y int, m time.Month, d int) soap.XSDDate {
	return soap.CreateXsdDate(time.Date(y, m, d, 0, 0, 0, 0, time.UTC), false)
}

func issued() soap.XSDDateTime {
	return soap.CreateXsdDateTime(time.Date(2025, 3, 14, 10, 30, 15, 0, almaty), true)
}

// Fixture people: their names hold Kazakh letters, the reasons and offices the lower-case
// ones that the labels do not.
func infoAssigned() *gcvp.InfoResponse {
	return &gcvp.InfoResponse{
		RequestNumber: "REQ-2025-000123",
		ServiceId:     wsdl.ServiceBasicPensionInfo,
		Iin:           ptr(gcvp.IIN("560315400123")),
		Person:        &gcvp.PersonName{LastName: "ҚҰРМАНҒАЛИЕВА", FirstName: "ЖИҺАН", MiddleName: "ӨМІРҚЫЗЫ"},
		Sik:           ptr(gcvp.SIK("DV6MH41VHFEX4009")),
		Decision: &gcvp.Decision{
			PaymentKind:    ptr(gcvp.PaymentKindBASIC_PENSION),
			Outcome:        ptr(gcvp.OutcomeASSIGNED),
			DecisionNumber: "Ш-2024/7781",
			DecisionDate:   date(2024, 12, 20),
			AmountTiyn:     ptr(gcvp.Tiyn(3_216_750)),
			PeriodFrom:     date(2025, 1, 1),
		},
		IssuedAt: issued(),
	}
}

func infoRefused() *gcvp.InfoResponse {
	return &gcvp.InfoResponse{
		RequestNumber: "REQ-2025-000124",
		ServiceId:     wsdl.ServiceDisabilityBenefitInfo,
		Iin:           ptr(gcvp.IIN("791108300456")),
		Person:        &gcvp.PersonName{LastName: "ҮСЕНОВ", FirstName: "ӘЛІШЕР", MiddleName: "ҢҰРЛАНҰЛЫ"},
		Sik:           ptr(gcvp.SIK("KX2PQ71ZZA0B1234")),
		Decision: &gcvp.Decision{
			PaymentKind:     ptr(gcvp.PaymentKindDISABILITY_BENEFIT),
			Outcome:         ptr(gcvp.OutcomeREFUSED),
			DecisionNumber:  "Б-2025/0042",
			DecisionDate:    date(2025, 2, 3),
			AmountTiyn:      ptr(gcvp.Tiyn(0)),
			RefusalReasonKk: "Мүгедектік тобы белгіленбеген; шаһар бөлімшесінің қорытындысы жоқ",
			RefusalReasonRu: "Группа инвалидности не установлена; нет заключения городского отделения",
		},
		IssuedAt: issued(),
	}
}

func refusal() *gcvp.Refusal {
	return &gcvp.Refusal{
		RequestNumber: "REQ-2025-000125",
		ServiceId:     wsdl.ServiceAgeBenefitInfo,
		Iin:           ptr(gcvp.IIN("850101300789")),
		Code:          "SVC_IIN_NOT_FOUND",
		MessageKk:     "ЖСН «ЗТМО» ААЖ-да табылмады (шаһар бөлімшесіне жүгініңіз)",
		MessageRu:     "ИИН не найден в АИС «ГЦВП»",
		Step:          "A8_FIND_IIN",
		IssuedAt:      issued(),
	}
}

func sikResponse() *gcvp.SikResponse {
	return &gcvp.SikResponse{
		RequestNumber:     "REQ-2025-000126",
		ServiceId:         wsdl.ServiceSikIssue,
		Iin:               ptr(gcvp.IIN("760324400321")),
		Sik:               ptr(gcvp.SIK("DV6MH41VHFEX4009")),
		Person:            &gcvp.SikPerson{LastName: "БАПАХОВА", FirstName: "АИДА", MiddleName: "ҒАЛИХАНОВНА", BirthDate: date(1976, 3, 24)},
		Duplicate:         ptr(gcvp.Flag(true)),
		CertificateNumber: "20090505384920",
		RegistrationDate:  date(2000, 2, 1),
		IssueDate:         date(2025, 3, 14),
		IssuingOfficeKk:   "«ЗТМО» РМҚК Алматы шаһары бойынша филиалы, Әуезов ауданының бөлімшесі",
		IssuingOfficeRu:   "Филиал РГКП «ГЦВП» по городу Алматы, Ауэзовское районное отделение",
		IssuedAt:          issued(),
	}
}

func statement(rows int) *gcvp.StatementResponse {
	s := &gcvp.StatementResponse{
		RequestNumber:  "REQ-2025-000127",
		ServiceId:      wsdl.ServicePensionFundStatement,
		Iin:            ptr(gcvp.IIN("900215300654")),
		DocumentNumber: "20250314000127",
		Person:         &gcvp.PersonName{LastName: "ӘБІЛҚАЙЫРОВ", FirstName: "НҰРСҰЛТАН", MiddleName: "ҒАЛЫМҰЛЫ"},
		Account: &gcvp.StatementAccount{
			Sik: ptr(gcvp.SIK("QW7ER81TYU0P5678")), Snis: "СН-00451",
			PeriodFrom: date(2017, 1, 1), PeriodTo: date(2024, 12, 31),
		},
		IssuedAt: issued(),
	}
	var total gcvp.Tiyn
	for i := range rows {
		amount := gcvp.Tiyn(1_500_000 + int64(i%37)*12_345)
		if i%50 == 49 {
			amount = -amount / 10 // a return
		}
		total += amount
		m := time.Month(i%12 + 1)
		y := 2017 + i/12%8
		s.Row = append(s.Row, &gcvp.StatementRow{
			ReceiptDate:  date(y, m, 10),
			DispatchDate: date(y, m, 12),
			Number:       fmt.Sprintf("ПП-%06d", i+1),
			DocumentDate: date(y, m, 9),
			Kpp:          "010",
			Sender:       fmt.Sprintf("«Шаһар Өнеркәсіп-Құрылыс Үйі» ЖШС №%d", i%7+1),
			Rin:          fmt.Sprintf("R%07d", 31000+i),
			Recipient:    "«БЖЗҚ» АҚ / АО «ЕНПФ»",
			AmountTiyn:   ptr(amount),
			Status:       "Өңделді",
			Period:       ptr(gcvp.YearMonth(fmt.Sprintf("%04d-%02d", y, m))),
		})
	}
	s.TotalTiyn = &total
	return s
}

// pdfText reads every page's text with github.com/ledongthuc/pdf, an independent reader.
func pdfText(t testing.TB, doc []byte) []string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatalf("ledongthuc/pdf cannot open the PDF: %v", err)
	}
	fonts := map[string]*pdf.Font{}
	var pages []string
	for i := 1; i <= r.NumPage(); i++ {
		p := r.Page(i)
		for _, name := range p.Fonts() {
			if _, ok := fonts[name]; !ok {
				f := p.Font(name)
				fonts[name] = &f
			}
		}
		text, err := p.GetPlainText(fonts)
		if err != nil {
			t.Fatalf("page %d text: %v", i, err)
		}
		pages = append(pages, text)
	}
	return pages
}

// cidToGID returns the inflated CIDToGIDMap of every CID font, by its BaseFont name.
func cidToGID(t *testing.T, doc []byte) map[string][]byte {
	t.Helper()
	objs, err := scanObjects(doc)
	if err != nil {
		t.Fatal(err)
	}
	byNum := map[int]pdfObject{}
	for _, o := range objs {
		byNum[o.num] = o
	}
	maps := map[string][]byte{}
	for _, o := range objs {
		ref, ok := o.dict()["CIDToGIDMap"].(pdfRef)
		if !ok {
			continue
		}
		zr, err := zlib.NewReader(bytes.NewReader(byNum[ref.num].stream))
		if err != nil {
			t.Fatal(err)
		}
		m, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := o.dict()["BaseFont"].(pdfName)
		maps[string(name)] = m
	}
	return maps
}

// containsAll checks that text holds every want, whitespace (line breaks included) compared
// as single spaces: where a line wraps is the layout's business.
func containsAll(t *testing.T, what, text string, want ...string) {
	t.Helper()
	text = strings.Join(strings.Fields(text), " ")
	for _, w := range want {
		if !strings.Contains(text, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("%s: text lacks %q", what, w)
		}
	}
}
