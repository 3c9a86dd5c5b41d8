package resultdoc

import (
	"bytes"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/gcvp"
)

// kazakhLetters are the nine letters of the Kazakh alphabet that Russian lacks.
const kazakhLetters = "әғқңөұүһі"

type kind struct {
	name   string
	doc    any
	pages  int
	golden string // testdata/<golden>.txt: lines the text must contain
}

func kinds() []kind {
	return []kind{
		{"info-assigned", infoAssigned(), 1, "info-assigned"},
		{"info-refused", infoRefused(), 1, "info-refused"},
		{"refusal", refusal(), 1, "refusal"},
		{"sik", sikResponse(), 1, "sik"},
		{"statement-30", statement(30), 3, "statement"},
	}
}

func TestRenderEveryKind(t *testing.T) {
	v := verifier(t)
	_, gcvpCert, err := thePKI(t).KeyPair(pki.NameGCVP)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds() {
		t.Run(k.name, func(t *testing.T) {
			signed := sign(t, k.doc)
			out, err := Render(k.doc, signed, Options{})
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if !bytes.HasPrefix(out, []byte("%PDF-")) {
				t.Fatalf("output starts %q", out[:min(len(out), 10)])
			}
			if dir := os.Getenv("RESULTDOC_OUT"); dir != "" {
				if err := os.WriteFile(filepath.Join(dir, k.name+".pdf"), out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			pages := pdfText(t, out)
			if len(pages) != k.pages {
				t.Errorf("%d pages, want %d", len(pages), k.pages)
			}
			all := strings.Join(pages, "\n")
			// Both languages, and every Kazakh letter (in one case or the other).
			containsAll(t, k.name, all, "Зейнетақы төлеу жөніндегі мемлекеттік орталығы",
				"Государственный центр по выплате пенсий", "SHEPGATE-QR1 n/N")
			for _, l := range kazakhLetters {
				if !strings.ContainsRune(all, l) && !strings.ContainsRune(all, []rune(strings.ToUpper(string(l)))[0]) {
					t.Errorf("no %q in the text", l)
				}
			}
			for i, p := range pages {
				containsAll(t, k.name, p, strings.ReplaceAll(pageOf(i+1), "{nb}", strconv.Itoa(len(pages))))
			}
			golden, err := os.ReadFile(filepath.Join("testdata", k.golden+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(golden)), "\n") {
				if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
					containsAll(t, k.name+" golden", all, line)
				}
			}

			// Offline verification: barcodes out of the PDF, reassembled, verified.
			payloads, err := ExtractBarcodes(out)
			if err != nil {
				t.Fatalf("ExtractBarcodes: %v", err)
			}
			want, _ := Barcodes(signed)
			if len(payloads) != len(want) {
				t.Fatalf("%d barcodes read back, %d written", len(payloads), len(want))
			}
			joined, err := Join(payloads)
			if err != nil {
				t.Fatalf("Join: %v", err)
			}
			if !bytes.Equal(joined, signed) {
				t.Fatal("reassembled XML differs from the signed XML")
			}
			ver, err := VerifyPDF(out, v)
			if err != nil {
				t.Fatalf("VerifyPDF: %v", err)
			}
			if !ver.Signature.Cert.Equal(gcvpCert) {
				t.Errorf("signed by %s, want ГЦВП", ver.Signature.Cert.Subject)
			}
			a, _ := canonical(k.doc)
			b, _ := canonical(ver.Document)
			if !bytes.Equal(a, b) {
				t.Error("VerifyPDF's document differs from the rendered one")
			}
			t.Logf("%s: %d bytes, %d page(s), %d barcode(s), signed XML %d bytes", k.name, len(out), len(pages), len(payloads), len(signed))
		})
	}
}

// Every Kazakh and Russian letter has a glyph in the embedded subset: the CIDToGIDMap maps
// its code point to a glyph other than .notdef.
func TestEveryLetterHasAGlyph(t *testing.T) {
	doc := sikResponse()
	doc.IssuingOfficeKk = "ӘҒҚҢӨҰҮҺІ әғқңөұүһі АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
	doc.IssuingOfficeRu = "№ «» – — ₸"
	signed := sign(t, doc)
	out, err := RenderSigned(signed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fonts := cidToGID(t, out)
	if len(fonts) != 2 || fonts["utf8dejavuB"] == nil {
		t.Fatalf("fonts %v, want utf8dejavu and utf8dejavuB", slices.Collect(maps.Keys(fonts)))
	}
	regular := fonts["utf8dejavu"]
	for _, r := range doc.IssuingOfficeKk + doc.IssuingOfficeRu {
		if r == ' ' {
			continue
		}
		if 2*int(r)+1 >= len(regular) || regular[2*r] == 0 && regular[2*r+1] == 0 {
			t.Errorf("%q (U+%04X) has no glyph in the embedded font", r, r)
		}
	}
	// Bold: the title and the person's names.
	bold := fonts["utf8dejavuB"]
	for _, r := range titleSIK.kk + doc.Person.MiddleName {
		if r != ' ' && bold[2*r] == 0 && bold[2*r+1] == 0 {
			t.Errorf("%q (U+%04X) has no glyph in the embedded bold font", r, r)
		}
	}
	// The ToUnicode maps are the conforming ones.
	if bytes.Contains(out, []byte(fpdfToUnicodeRange)) {
		t.Error("fpdf's one-range ToUnicode map is still in the PDF")
	}
	if !bytes.Contains(out, []byte("<0400> <04FF> <0400>")) {
		t.Error("no Cyrillic range in the ToUnicode map")
	}
	text := strings.Join(pdfText(t, out), "\n")
	containsAll(t, "letters", text, doc.IssuingOfficeKk, "₸")
}

func TestRenderRefusesADocumentThatIsNotTheSignedOne(t *testing.T) {
	doc := infoAssigned()
	signed := sign(t, doc)
	other := infoAssigned()
	*other.Decision.AmountTiyn = 999_999_99
	if _, err := Render(other, signed, Options{}); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("Render of another document: %v", err)
	}
	if _, err := Render(*doc, signed, Options{}); err != nil {
		t.Fatalf("Render of the same document by value: %v", err)
	}
	if _, err := Render(refusal(), signed, Options{}); err == nil {
		t.Fatal("Render of a Refusal with an InfoResponse's XML succeeded")
	}
	if _, err := Render("text", signed, Options{}); err == nil {
		t.Fatal("Render of a string succeeded")
	}
	if _, err := RenderSigned([]byte(`<x:Other xmlns:x="urn:other"/>`), Options{}); err == nil {
		t.Fatal("RenderSigned of a foreign document succeeded")
	}
	if _, err := RenderSigned([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><x/>`), Options{}); err == nil {
		t.Fatal("RenderSigned of a DOCTYPE succeeded")
	}
}

func TestLocationOption(t *testing.T) {
	doc := refusal()
	signed := sign(t, doc)
	out, err := Render(doc, signed, Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	containsAll(t, "UTC", strings.Join(pdfText(t, out), ""), "14.03.2025, 05:30:15 (UTC+00:00)")
	out, err = Render(doc, signed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	containsAll(t, "own zone", strings.Join(pdfText(t, out), ""), "14.03.2025, 10:30:15 (UTC+05:00)")
}

// Changing the signed content — and re-making the barcodes, as a forger would — still
// fails: the signature no longer matches.
func TestTamperedDocumentFailsVerification(t *testing.T) {
	doc := infoAssigned()
	signed := sign(t, doc)
	forged := bytes.Replace(signed, []byte("<amountTiyn>3216750</amountTiyn>"), []byte("<amountTiyn>9216750</amountTiyn>"), 1)
	if bytes.Equal(forged, signed) {
		t.Fatal("the amount is not in the signed XML as expected")
	}
	payloads, err := Barcodes(forged)
	if err != nil {
		t.Fatal(err)
	}
	joined, err := Join(payloads)
	if err != nil {
		t.Fatalf("Join of a consistent forged set: %v", err)
	}
	parsed, err := xmlsafe.Parse(joined, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	_, err = verifier(t).VerifyElement(parsed.Root())
	if err == nil {
		t.Fatal("a forged document verified")
	}
	if c := fault.CodeOf(err); c == "" {
		t.Errorf("error without a fault code: %v", err)
	}
	// The forged document rendered into a PDF fails VerifyPDF the same way.
	out, err := RenderSigned(forged, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyPDF(out, verifier(t)); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Fatalf("VerifyPDF of a forged PDF: %v", err)
	}

	// A chunk damaged in place (one character) is caught before the signature check.
	good, _ := Barcodes(signed)
	bad := cloneChunks(good)
	i := len(bad[0]) - 5
	bad[0][i] = nextBase45(bad[0][i])
	if _, err := Join(bad); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Join with a damaged chunk: %v, want ErrCorrupt", err)
	}
}

// A signature made by another key of the PKI (a consumer) verifies as a signature but is
// not ГЦВП's: VerifyPDF returns the certificate so that the caller can pin it.
func TestVerifyPDFReportsTheSigner(t *testing.T) {
	p := thePKI(t)
	doc := refusal()
	signed := sign(t, doc)
	out, err := Render(doc, signed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ver, err := VerifyPDF(out, verifier(t))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := p.EntryOf(ver.Signature.Cert); !ok || e.Name != pki.NameGCVP {
		t.Errorf("signer entry %v", e.Name)
	}
	if _, err := VerifyPDF(out, nil); err == nil {
		t.Error("VerifyPDF without a verifier succeeded")
	}
}

func TestStatementPagesRepeatTheHeadings(t *testing.T) {
	doc := statement(250)
	signed := sign(t, doc)
	out, err := Render(doc, signed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pages := pdfText(t, out)
	if len(pages) < 5 {
		t.Fatalf("%d pages for 250 rows", len(pages))
	}
	rowsSeen := 0
	for i, p := range pages {
		rows := strings.Count(p, "ПП-")
		rowsSeen += rows
		if rows > 0 {
			containsAll(t, "page "+strconv.Itoa(i+1), p, "Дата поступления", "Түскен күні", "Получатель", "Кезең")
		}
		if i > 0 {
			containsAll(t, "page "+strconv.Itoa(i+1), p, "Уникальный номер: 20250314000127")
		}
	}
	if rowsSeen != 250 {
		t.Errorf("%d rows printed, want 250", rowsSeen)
	}
	all := strings.Join(pages, "\n")
	containsAll(t, "statement", all, "ПП-000001", "ПП-000250", "Итого", "Барлығы",
		FormatTiyn(*doc.TotalTiyn)+" теңге / тенге", "равнозначен документу на бумажном носителе")
	if _, err := VerifyPDF(out, verifier(t)); err != nil {
		t.Fatalf("VerifyPDF: %v", err)
	}
}

func TestEmptyStatement(t *testing.T) {
	doc := statement(0)
	doc.TotalTiyn = ptr(gcvp.Tiyn(0))
	out, err := Render(doc, sign(t, doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	containsAll(t, "empty", strings.Join(pdfText(t, out), ""), "За указанный период оборотов нет", "0,00 теңге / тенге")
}

// A statement of 1000 rows renders, barcodes included, and its barcodes give back the signed
// XML (its speed is measured by BenchmarkRenderStatement1000, not asserted here).
func TestThousandRowStatement(t *testing.T) {
	doc := statement(1000)
	signed := sign(t, doc)
	out, err := Render(doc, signed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	payloads, err := ExtractBarcodes(out)
	if err != nil {
		t.Fatal(err)
	}
	joined, err := Join(payloads)
	if err != nil || !bytes.Equal(joined, signed) {
		t.Fatalf("round trip: %v", err)
	}
	t.Logf("1000 rows: signed XML %d bytes, PDF %d bytes, %d barcodes", len(signed), len(out), len(payloads))
}

func BenchmarkRenderStatement1000(b *testing.B) {
	doc := statement(1000)
	signed := sign(b, doc)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Render(doc, signed, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderInfo(b *testing.B) {
	doc := infoAssigned()
	signed := sign(b, doc)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Render(doc, signed, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPDFStatement1000(b *testing.B) {
	doc := statement(1000)
	out, err := Render(doc, sign(b, doc), Options{})
	if err != nil {
		b.Fatal(err)
	}
	v := verifier(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := VerifyPDF(out, v); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFormatTiyn(t *testing.T) {
	for _, c := range []struct {
		in   gcvp.Tiyn
		want string
	}{
		{0, "0,00"}, {5, "0,05"}, {-5, "-0,05"}, {100, "1,00"}, {99_999, "999,99"},
		{100_000, "1\u00A0000,00"}, {3_216_750, "32\u00A0167,50"}, {123_456_789, "1\u00A0234\u00A0567,89"},
		{-123_456_789, "-1\u00A0234\u00A0567,89"},
		{math.MaxInt64, "92\u00A0233\u00A0720\u00A0368\u00A0547\u00A0758,07"},
		{math.MinInt64, "-92\u00A0233\u00A0720\u00A0368\u00A0547\u00A0758,08"},
	} {
		if got := FormatTiyn(c.in); got != c.want {
			t.Errorf("FormatTiyn(%d) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestExtractBarcodesRefusesOtherInput(t *testing.T) {
	if _, err := ExtractBarcodes([]byte("hello")); err == nil {
		t.Error("not a PDF: no error")
	}
	if _, err := ExtractBarcodes([]byte("%PDF-1.4\n1 0 obj\n<</Type /Catalog>>\nendobj\n")); !errors.Is(err, ErrNoBarcodes) {
		t.Errorf("PDF without images: %v", err)
	}
	if _, err := ExtractBarcodes([]byte("%PDF-1.4\n1 0 obj\n<</Length 99999>>\nstream\nabc\nendstream\nendobj\n")); err == nil {
		t.Error("stream past the end: no error")
	}
	// An image that is not a QR code.
	pdfWithImage := []byte("%PDF-1.4\n1 0 obj\n<</Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 4>>\nstream\n\x00\xff\xff\x00\nendstream\nendobj\n")
	if _, err := ExtractBarcodes(pdfWithImage); err == nil || !strings.Contains(err.Error(), "object 1") {
		t.Errorf("non-QR image: %v", err)
	}
}

// The signed XML inside is exactly the document ГЦВП signed, even when it holds characters
// that c14n escapes.
func TestBarcodesKeepTheExactBytes(t *testing.T) {
	doc := refusal()
	doc.MessageRu = "Строка с \t табуляцией, \r возвратом и & < > \" ' символами"
	signed := sign(t, doc)
	out, err := Render(doc, signed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ver, err := VerifyPDF(out, verifier(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ver.XML, signed) {
		t.Fatal("bytes differ")
	}
	if got := ver.Document.(*gcvp.Refusal).MessageRu; got != doc.MessageRu {
		t.Errorf("MessageRu %q", got)
	}
	var el *etree.Element = ver.Signature.Element
	if el.Tag != "Refusal" {
		t.Errorf("verified element %s", el.Tag)
	}
}

// Values the font cannot show, control characters and unbreakable strings neither panic nor
// break the layout.
func TestHostileValues(t *testing.T) {
	doc := statement(3)
	doc.Person.LastName = "😀 ТЕСТ\x01\tОВ"
	doc.Row[0].Sender = strings.Repeat("Ж", 300)
	doc.Row[1].Recipient = "\u202E right-to-left override"
	doc.Row[2].Status = strings.Repeat("ұзын-мәртебе", 20)
	signed := sign(t, doc)
	out, err := Render(doc, signed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(pdfText(t, out), "")
	containsAll(t, "hostile", text, "\uFFFD ТЕСТ\uFFFD ОВ")
	if _, err := VerifyPDF(out, verifier(t)); err != nil {
		t.Fatal(err)
	}
}
