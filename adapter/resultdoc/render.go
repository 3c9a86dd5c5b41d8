package resultdoc

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/png"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/hooklift/gowsdl/soap"
	"github.com/skip2/go-qrcode"

	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/gcvp"
	"github.com/shepgate/shepgate/wsdl"
)

//go:embed fonts/DejaVuSans.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var fontBold []byte

// Namespace is the namespace of the ГЦВП business documents (generated/gcvp).
const Namespace = "urn:kz:shepgate:gcvp:v1"

// Options tune Render.
type Options struct {
	// Location is the time zone the issue time is printed in; nil prints it in the zone the
	// document carries (ГЦВП writes its local time with its offset).
	Location *time.Location
}

// Layout constants, in millimetres and points.
const (
	fontFamily   = "dejavu"
	margin       = 15.0
	marginLand   = 10.0
	bottomMargin = 16.0
	qrSize       = 40.0 // printed side of every barcode
	qrGap        = 5.0
	qrPixels     = 4 // image pixels per QR module
	labelWidth   = 70.0
)

// renderer draws one document.
type renderer struct {
	pdf     *fpdf.Fpdf
	opts    Options
	title   bi
	unique  string // the document's unique number, if it has one
	request string // the request number
	issued  time.Time
	hasTime bool
	setID   string
	left    float64
	width   float64
	pageH   float64
}

// Render draws the result document doc — a *gcvp.InfoResponse (services 1–8), a
// *gcvp.Refusal, a *gcvp.SikResponse (service 9) or a *gcvp.StatementResponse (service 10),
// or the same types by value — as a PDF on A4 in Kazakh and Russian, and puts signedXML, the
// ГЦВП-signed XML of the same document, in QR codes at its end (see Barcodes). doc must be
// what signedXML says: Render decodes signedXML and refuses a doc that differs from it, so
// the printed text and the barcodes cannot tell two stories. The statement is printed in
// landscape, the others in portrait.
func Render(doc any, signedXML []byte, opts Options) ([]byte, error) {
	signedDoc, err := Decode(signedXML)
	if err != nil {
		return nil, err
	}
	a, err := canonical(doc)
	if err != nil {
		return nil, err
	}
	b, err := canonical(signedDoc)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(a, b) {
		return nil, errors.New("resultdoc: the document to render differs from the signed XML")
	}
	return render(signedDoc, signedXML, opts)
}

// RenderSigned is Render of the document that signedXML holds (see Decode). It does not
// verify the signature: render what was verified.
func RenderSigned(signedXML []byte, opts Options) ([]byte, error) {
	doc, err := Decode(signedXML)
	if err != nil {
		return nil, err
	}
	return render(doc, signedXML, opts)
}

// Decode parses a signed ГЦВП document (safely, with xmlsafe's default limits) and decodes
// it into its generated type by the root element: *gcvp.InfoResponse, *gcvp.Refusal,
// *gcvp.SikResponse or *gcvp.StatementResponse.
func Decode(signedXML []byte) (any, error) {
	doc, err := xmlsafe.Parse(signedXML, xmlsafe.DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("resultdoc: parsing the signed document: %w", err)
	}
	root := doc.Root()
	if root.NamespaceURI() != Namespace {
		return nil, fmt.Errorf("resultdoc: root element {%s}%s is not a ГЦВП document", root.NamespaceURI(), root.Tag)
	}
	var v any
	switch root.Tag {
	case "InfoResponse":
		v = new(gcvp.InfoResponse)
	case "Refusal":
		v = new(gcvp.Refusal)
	case "SikResponse":
		v = new(gcvp.SikResponse)
	case "StatementResponse":
		v = new(gcvp.StatementResponse)
	default:
		return nil, fmt.Errorf("resultdoc: no result document form for %s", root.Tag)
	}
	if err := xml.Unmarshal(signedXML, v); err != nil {
		return nil, fmt.Errorf("resultdoc: decoding %s: %w", root.Tag, err)
	}
	return v, nil
}

// canonical marshals a document without its extension elements (Items, where the
// signature lands when decoding), to compare two documents.
func canonical(doc any) ([]byte, error) {
	var v any
	switch d := doc.(type) {
	case *gcvp.InfoResponse:
		if d == nil {
			return nil, errors.New("resultdoc: nil document")
		}
		c := *d
		c.Items = nil
		v = c
	case gcvp.InfoResponse:
		d.Items = nil
		v = d
	case *gcvp.Refusal:
		if d == nil {
			return nil, errors.New("resultdoc: nil document")
		}
		c := *d
		c.Items = nil
		v = c
	case gcvp.Refusal:
		d.Items = nil
		v = d
	case *gcvp.SikResponse:
		if d == nil {
			return nil, errors.New("resultdoc: nil document")
		}
		c := *d
		c.Items = nil
		v = c
	case gcvp.SikResponse:
		d.Items = nil
		v = d
	case *gcvp.StatementResponse:
		if d == nil {
			return nil, errors.New("resultdoc: nil document")
		}
		c := *d
		c.Items = nil
		v = c
	case gcvp.StatementResponse:
		d.Items = nil
		v = d
	default:
		return nil, fmt.Errorf("resultdoc: no result document form for %T", doc)
	}
	out, err := xml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("resultdoc: marshalling %T: %w", doc, err)
	}
	return out, nil
}

// render draws a decoded document (a pointer from Decode).
func render(doc any, signedXML []byte, opts Options) ([]byte, error) {
	payloads, err := Barcodes(signedXML)
	if err != nil {
		return nil, err
	}
	r := &renderer{opts: opts, setID: setID(signedXML)}
	var body func()
	switch d := doc.(type) {
	case *gcvp.InfoResponse:
		r.start(titleInfo, "", d.RequestNumber, d.IssuedAt, false)
		body = func() { r.info(d) }
	case *gcvp.Refusal:
		r.start(titleRefusal, "", d.RequestNumber, d.IssuedAt, false)
		body = func() { r.refusal(d) }
	case *gcvp.SikResponse:
		r.start(titleSIK, d.CertificateNumber, d.RequestNumber, d.IssuedAt, false)
		body = func() { r.sik(d) }
	case *gcvp.StatementResponse:
		r.start(titleStmt, d.DocumentNumber, d.RequestNumber, d.IssuedAt, true)
		body = func() { r.statement(d) }
	default:
		return nil, fmt.Errorf("resultdoc: no result document form for %T", doc)
	}
	r.pdf.AddPage()
	body()
	if err := r.barcodes(payloads); err != nil {
		return nil, err
	}
	if err := r.pdf.Error(); err != nil {
		return nil, fmt.Errorf("resultdoc: drawing the PDF: %w", err)
	}
	var out bytes.Buffer
	if err := r.pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("resultdoc: writing the PDF: %w", err)
	}
	return fixToUnicode(out.Bytes())
}

// start creates the PDF with fonts, metadata, header and footer.
func (r *renderer) start(title bi, unique, request string, issued soap.XSDDateTime, landscape bool) {
	orient, m := "P", margin
	if landscape {
		orient, m = "L", marginLand
	}
	pdf := fpdf.New(orient, "mm", "A4", "")
	r.pdf, r.title, r.unique, r.request = pdf, title, clean(unique), clean(request)
	r.issued, r.hasTime = dateTimeOf(issued, r.opts.Location)
	pdf.AddUTF8FontFromBytes(fontFamily, "", fontRegular)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", fontBold)
	pdf.SetMargins(m, m, m)
	pdf.SetAutoPageBreak(true, bottomMargin)
	pdf.AliasNbPages("")
	pdf.SetTitle(title.label(), true)
	pdf.SetAuthor(gcvpName.label(), true)
	pdf.SetSubject(title.label()+" "+r.unique+" "+r.request, true)
	pdf.SetCreator("shepgate", true)
	pdf.SetKeywords("SHEPGATE-QR1 "+r.setID, true)
	if r.hasTime {
		pdf.SetCreationDate(r.issued.UTC()) // fpdf writes no zone: readers take UTC
		pdf.SetModificationDate(r.issued.UTC())
	}
	w, h := pdf.GetPageSize()
	r.left, r.width, r.pageH = m, w-2*m, h
	pdf.SetHeaderFunc(r.header)
	pdf.SetFooterFunc(r.footer)
}

func (r *renderer) font(bold bool, size float64) {
	style := ""
	if bold {
		style = "B"
	}
	r.pdf.SetFont(fontFamily, style, size)
}

func (r *renderer) gray(level int) { r.pdf.SetTextColor(level, level, level) }

// text writes lines (already split) at x, y with line height lh.
func (r *renderer) text(x, y, w, lh float64, lines []string, align string) {
	for i, l := range lines {
		r.pdf.SetXY(x, y+float64(i)*lh)
		r.pdf.CellFormat(w, lh, l, "", 0, align, false, 0, "")
	}
}

func (r *renderer) split(s string, w float64) []string {
	lines := r.pdf.SplitText(clean(s), w)
	if len(lines) == 0 {
		return []string{""}
	}
	return lines
}

// ensure starts a new page when h millimetres do not fit on this one.
func (r *renderer) ensure(h float64) {
	if r.pdf.GetY()+h > r.pageH-bottomMargin {
		r.pdf.AddPage()
	}
}

// header draws the full header on the first page and a one-line reminder on the others.
func (r *renderer) header() {
	pdf := r.pdf
	top := 10.0
	if pdf.PageNo() > 1 {
		r.font(false, 7)
		r.gray(90)
		number := ""
		if r.unique != "" {
			number = lblUniqueNumber.label() + ": " + r.unique
		} else if r.request != "" {
			number = lblRequestNumber.label() + ": " + r.request
		}
		numberW := min(pdf.GetStringWidth(number)+3, r.width/2)
		titleW := r.width - numberW
		r.text(r.left, top, titleW, 4, r.split(gcvpShort.label()+" · "+r.title.label(), titleW)[:1], "L")
		r.text(r.left+titleW, top, numberW, 4, []string{number}, "R")
		pdf.SetDrawColor(160, 160, 160)
		pdf.Line(r.left, top+5, r.left+r.width, top+5)
		pdf.SetY(top + 8)
		r.gray(0)
		return
	}
	leftW := r.width * 0.58
	rightX, rightW := r.left+r.width*0.62, r.width*0.38
	r.font(true, 8.5)
	kk := r.split(gcvpName.kk, leftW)
	r.text(r.left, top, leftW, 3.8, kk, "L")
	r.font(false, 8)
	ru := r.split(gcvpName.ru, leftW)
	y := top + float64(len(kk))*3.8 + 0.8
	r.text(r.left, y, leftW, 3.6, ru, "L")
	leftBottom := y + float64(len(ru))*3.6

	ry := top
	entry := func(l bi, v string) {
		if v == "" {
			return
		}
		r.font(false, 6.5)
		r.gray(90)
		r.text(rightX, ry, rightW, 3, []string{l.label()}, "L")
		r.font(true, 9)
		r.gray(0)
		lines := r.split(v, rightW)
		r.text(rightX, ry+3, rightW, 4, lines, "L")
		ry += 3 + 4*float64(len(lines)) + 0.8
	}
	entry(lblUniqueNumber, r.unique)
	entry(lblRequestNumber, r.request)
	if r.hasTime {
		entry(bi{lblIssueDate.label() + ", " + lblTime.kk, lblTime.ru}, r.issued.Format("02.01.2006, 15:04:05 (UTC-07:00)"))
	}
	bottom := max(leftBottom, ry) + 1.5
	pdf.SetDrawColor(60, 60, 60)
	pdf.SetLineWidth(0.4)
	pdf.Line(r.left, bottom, r.left+r.width, bottom)
	pdf.SetLineWidth(0.2)
	pdf.SetY(bottom + 5)
}

// footer draws "page N of M" and the barcode set's identifier.
func (r *renderer) footer() {
	pdf := r.pdf
	y := r.pageH - 12
	pdf.SetDrawColor(160, 160, 160)
	pdf.Line(r.left, y, r.left+r.width, y)
	r.font(false, 7)
	r.gray(90)
	pdf.SetXY(r.left, y+1.5)
	pdf.CellFormat(r.width/3, 4, "ID "+r.setID, "", 0, "L", false, 0, "")
	pdf.SetXY(r.left, y+1.5)
	pdf.CellFormat(r.width, 4, pageOf(pdf.PageNo()), "", 0, "C", false, 0, "")
	r.gray(0)
}

// title draws the document's title, centred.
func (r *renderer) heading(t bi, extra string) {
	r.font(true, 12.5)
	kk := r.split(t.kk, r.width)
	r.ensure(float64(len(kk))*6 + 12)
	y := r.pdf.GetY()
	r.text(r.left, y, r.width, 6, kk, "C")
	y += float64(len(kk)) * 6
	r.font(false, 11)
	ru := r.split(t.ru, r.width)
	r.text(r.left, y, r.width, 5.5, ru, "C")
	y += float64(len(ru))*5.5 + 1
	if extra != "" {
		r.font(true, 11)
		r.pdf.SetTextColor(150, 20, 20)
		r.text(r.left, y, r.width, 6, []string{extra}, "C")
		r.gray(0)
		y += 6
	}
	r.pdf.SetY(y + 4)
}

// field draws one "label | value" row; the label is bilingual, the value may hold lines.
func (r *renderer) field(l bi, value string, bold bool) {
	if value == "" {
		value = "—"
	}
	vw := r.width - labelWidth
	r.font(false, 7.5)
	ll := r.split(l.kk+" /\n"+l.ru, labelWidth)
	if l.kk == l.ru {
		ll = r.split(l.kk, labelWidth)
	}
	r.font(bold, 10)
	vl := r.split(value, vw)
	h := max(float64(len(ll))*3.4, float64(len(vl))*4.6) + 2.4
	r.ensure(h)
	y := r.pdf.GetY()
	r.font(false, 7.5)
	r.gray(90)
	r.text(r.left, y+1.2, labelWidth, 3.4, ll, "L")
	r.gray(0)
	r.font(bold, 10)
	r.text(r.left+labelWidth, y+1.2, vw, 4.6, vl, "L")
	r.pdf.SetDrawColor(215, 215, 215)
	r.pdf.Line(r.left, y+h, r.left+r.width, y+h)
	r.pdf.SetY(y + h)
}

// paragraph draws small text across the page.
func (r *renderer) paragraph(s string, size float64, level int) {
	r.font(false, size)
	lh := size * 0.45
	lines := r.split(s, r.width)
	r.ensure(float64(len(lines)) * lh)
	r.gray(level)
	y := r.pdf.GetY()
	r.text(r.left, y, r.width, lh, lines, "L")
	r.gray(0)
	r.pdf.SetY(y + float64(len(lines))*lh + 1.5)
}

func (r *renderer) serviceName(id string) string {
	if s, ok := wsdl.ServiceByID(id); ok {
		return fmt.Sprintf("%d. %s\n%s", s.Number, s.NameKK, s.NameRU)
	}
	return id
}

// info draws the result of services 1–8.
func (r *renderer) info(d *gcvp.InfoResponse) {
	r.heading(titleInfo, "")
	r.field(lblService, r.serviceName(d.ServiceId), false)
	r.field(lblIIN, deref(d.Iin), true)
	if p := d.Person; p != nil {
		r.field(lblFullName, fullName(p.LastName, p.FirstName, p.MiddleName), true)
	}
	r.field(lblSIK, deref(d.Sik), true)
	dec := d.Decision
	if dec == nil {
		return
	}
	if dec.PaymentKind != nil {
		kind, ok := paymentKinds[*dec.PaymentKind]
		if !ok {
			kind = bi{string(*dec.PaymentKind), string(*dec.PaymentKind)}
		}
		r.field(lblPaymentKind, kind.lines(), false)
	}
	refused := dec.Outcome != nil && *dec.Outcome == gcvp.OutcomeREFUSED
	switch {
	case dec.Outcome == nil:
	case *dec.Outcome == gcvp.OutcomeASSIGNED:
		r.field(lblDecision, outcomeAssigned.label(), true)
	case refused:
		r.field(lblDecision, outcomeRefused.label(), true)
	default:
		r.field(lblDecision, string(*dec.Outcome), true)
	}
	r.field(lblDecisionNo, dec.DecisionNumber, false)
	r.field(lblDecisionDate, dateText(dec.DecisionDate), false)
	if !refused {
		amount := ""
		if dec.AmountTiyn != nil {
			amount = FormatTiyn(*dec.AmountTiyn) + " " + tenge.label()
		}
		r.field(lblAmount, amount, true)
		r.field(lblPeriod, periodText(dec.PeriodFrom, dec.PeriodTo), false)
	}
	if refused || dec.RefusalReasonKk != "" || dec.RefusalReasonRu != "" {
		r.field(lblRefusalReason, bi{dec.RefusalReasonKk, dec.RefusalReasonRu}.lines(), false)
	}
}

// refusal draws a ГЦВП-signed refusal.
func (r *renderer) refusal(d *gcvp.Refusal) {
	r.heading(titleRefusal, "")
	r.field(lblService, r.serviceName(d.ServiceId), false)
	r.field(lblIIN, deref(d.Iin), true)
	r.field(lblErrorCode, d.Code, true)
	r.field(lblErrorText, bi{d.MessageKk, d.MessageRu}.lines(), false)
	step := d.Step
	if s, ok := steps[d.Step]; ok {
		step = s.lines() + "\n(" + d.Step + ")"
	}
	r.field(lblStep, step, false)
}

// sik draws the SIK certificate by the form of Order 485-ө-м (App. 4 to regulation 9).
func (r *renderer) sik(d *gcvp.SikResponse) {
	r.paragraph(lblPortalFormed.lines(), 7.5, 90)
	extra := ""
	if d.Duplicate != nil && bool(*d.Duplicate) {
		extra = lblDuplicate.label()
	}
	r.heading(titleSIK, extra)
	// The code itself, large, as on the form.
	r.font(true, 20)
	r.ensure(14)
	y := r.pdf.GetY()
	r.text(r.left, y, r.width, 10, []string{clean(deref(d.Sik))}, "C")
	r.pdf.SetY(y + 14)
	p := d.Person
	if p == nil {
		p = &gcvp.SikPerson{}
	}
	r.field(lblLastName, p.LastName, true)
	r.field(lblFirstName, p.FirstName, true)
	r.field(lblMiddleName, p.MiddleName, true)
	r.field(lblBirthDate, dateText(p.BirthDate), true)
	r.field(lblIssuingOffice, bi{d.IssuingOfficeKk, d.IssuingOfficeRu}.lines(), false)
	r.field(lblRegistered, dateText(d.RegistrationDate), true)
	r.field(lblIssueDate, dateText(d.IssueDate), true)
}

// statement draws the statement of service 10 by the form of Order 485-ө-м (App. 4 to
// regulation 10): header fields, then the eleven columns, repeated on every page.
func (r *renderer) statement(d *gcvp.StatementResponse) {
	r.heading(titleStmt, "")
	if r.hasTime {
		r.field(lblReceiptDate, r.issued.Format("02.01.2006, 15:04:05"), false)
	}
	name := ""
	if p := d.Person; p != nil {
		name = fullName(p.LastName, p.FirstName, p.MiddleName)
	}
	r.field(lblFIO, name, true)
	r.field(lblIIN, deref(d.Iin), true)
	var acc gcvp.StatementAccount
	if d.Account != nil {
		acc = *d.Account
	}
	r.field(lblSIK, deref(acc.Sik), true)
	r.field(lblSNIS, acc.Snis, false)
	r.field(lblStmtPeriod, periodText(acc.PeriodFrom, acc.PeriodTo), false)

	r.pdf.Ln(3)
	r.font(true, 10)
	r.ensure(30)
	y := r.pdf.GetY()
	r.text(r.left, y, r.width, 5, []string{sectionTurns.label()}, "L")
	r.pdf.SetY(y + 7)
	t := newTable(r)
	t.head()
	for i, row := range d.Row {
		if row == nil {
			continue
		}
		amount := ""
		if row.AmountTiyn != nil {
			amount = FormatTiyn(*row.AmountTiyn)
		}
		t.row(i%2 == 1, []string{
			dateText(row.ReceiptDate), dateText(row.DispatchDate), row.Number,
			dateText(row.DocumentDate), row.Kpp, row.Sender, row.Rin, row.Recipient,
			amount, row.Status, yearMonthText(row.Period),
		})
	}
	if len(d.Row) == 0 {
		r.font(false, 8)
		r.ensure(7)
		y := r.pdf.GetY()
		r.pdf.SetXY(r.left, y)
		r.pdf.CellFormat(r.width, 7, lblNoRows.label(), "1", 0, "C", false, 0, "")
		r.pdf.SetY(y + 7)
	}
	total := ""
	if d.TotalTiyn != nil {
		total = FormatTiyn(*d.TotalTiyn) + " " + tenge.label()
	}
	r.pdf.Ln(2)
	r.field(lblTotal, total, true)
	r.pdf.Ln(3)
	r.paragraph(legalClause.kk, 7.5, 40)
	r.paragraph(legalClause.ru, 7.5, 40)
}

// table draws the statement's table.
type table struct {
	r      *renderer
	widths []float64
	aligns []string
}

// Column widths for landscape A4 (277 mm), in the order of stmtColumns.
var stmtWidths = []float64{19, 19, 24, 19, 14, 50, 24, 50, 26, 17, 15}

func newTable(r *renderer) *table {
	w := make([]float64, len(stmtWidths))
	var sum float64
	for _, v := range stmtWidths {
		sum += v
	}
	for i, v := range stmtWidths {
		w[i] = v * r.width / sum
	}
	return &table{r: r, widths: w, aligns: []string{"C", "C", "L", "C", "C", "L", "L", "L", "R", "C", "C"}}
}

const (
	rowLine  = 3.3
	headLine = 3.0
)

// head draws the column headings (kk above ru) on a grey band.
func (t *table) head() {
	r := t.r
	r.font(true, 6.5)
	lines := make([][]string, len(t.widths))
	n := 1
	for i, c := range stmtColumns {
		lines[i] = r.split(c.lines(), t.widths[i])
		n = max(n, len(lines[i]))
	}
	h := float64(n)*headLine + 2
	r.ensure(h + rowLine + 2)
	y := r.pdf.GetY()
	x := r.left
	r.pdf.SetFillColor(225, 228, 235)
	r.pdf.SetDrawColor(150, 150, 150)
	for i, w := range t.widths {
		r.pdf.Rect(x, y, w, h, "FD")
		r.text(x, y+1+float64(n-len(lines[i]))*headLine/2, w, headLine, lines[i], "C")
		x += w
	}
	r.pdf.SetY(y + h)
}

// row draws one row; when it does not fit, it goes on a new page under repeated headings.
func (t *table) row(shade bool, cells []string) {
	r := t.r
	r.font(false, 7)
	lines := make([][]string, len(cells))
	n := 1
	for i, c := range cells {
		if t.aligns[i] == "R" || t.aligns[i] == "C" {
			lines[i] = []string{clean(c)} // amounts and dates never wrap
		} else {
			lines[i] = r.split(c, t.widths[i])
		}
		n = max(n, len(lines[i]))
	}
	h := float64(n)*rowLine + 1.4
	if r.pdf.GetY()+h > r.pageH-bottomMargin {
		r.pdf.AddPage()
		t.head()
		r.font(false, 7)
	}
	y := r.pdf.GetY()
	x := r.left
	r.pdf.SetDrawColor(190, 190, 190)
	if shade {
		r.pdf.SetFillColor(246, 247, 250)
	} else {
		r.pdf.SetFillColor(255, 255, 255)
	}
	for i, w := range t.widths {
		r.pdf.Rect(x, y, w, h, "FD")
		r.text(x, y+0.7, w, rowLine, lines[i], t.aligns[i])
		x += w
	}
	r.pdf.SetY(y + h)
}

// barcodes draws the caption and the grid of QR codes.
func (r *renderer) barcodes(payloads [][]byte) error {
	pdf := r.pdf
	pdf.Ln(4)
	r.ensure(30 + qrSize)
	y := pdf.GetY()
	pdf.SetDrawColor(60, 60, 60)
	pdf.Line(r.left, y, r.left+r.width, y)
	pdf.SetY(y + 2)
	r.font(true, 9)
	r.text(r.left, pdf.GetY(), r.width, 4.5, []string{barcodeHeading.label()}, "L")
	pdf.SetY(pdf.GetY() + 5.5)
	r.paragraph(barcodeNote.kk, 7, 40)
	r.paragraph(barcodeNote.ru, 7, 40)
	r.paragraph(barcodeHowTo.kk, 7, 40)
	r.paragraph(barcodeHowTo.ru, 7, 40)
	pdf.Ln(1)

	cols := max(1, int((r.width+qrGap)/(qrSize+qrGap)))
	gap := 0.0
	if cols > 1 {
		gap = (r.width - float64(cols)*qrSize) / float64(cols-1)
	}
	cell := qrSize + 5
	for i, p := range payloads {
		img, err := qrPNG(p)
		if err != nil {
			return fmt.Errorf("resultdoc: barcode %d/%d: %w", i+1, len(payloads), err)
		}
		name := fmt.Sprintf("qr-%04d", i+1)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(img))
		col := i % cols
		if col == 0 {
			r.ensure(cell)
			y = pdf.GetY()
			pdf.SetY(y + cell)
		}
		x := r.left + float64(col)*(qrSize+gap)
		pdf.ImageOptions(name, x, y, qrSize, qrSize, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		r.font(false, 7)
		r.gray(60)
		pdf.SetXY(x, y+qrSize)
		pdf.CellFormat(qrSize, 4, fmt.Sprintf("%d / %d", i+1, len(payloads)), "", 0, "C", false, 0, "")
		r.gray(0)
		pdf.SetY(y + cell)
	}
	return nil
}

// qrPNG draws one payload as a QR code at error-correction level M with its 4-module quiet
// zone, qrPixels pixels a module, as an 8-bit grey PNG.
func qrPNG(payload []byte) ([]byte, error) {
	q, err := qrcode.New(string(payload), qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("QR encoding: %w", err)
	}
	bm := q.Bitmap()
	n := len(bm)
	img := image.NewGray(image.Rect(0, 0, n*qrPixels, n*qrPixels))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y, row := range bm {
		for x, black := range row {
			if !black {
				continue
			}
			for dy := range qrPixels {
				off := (y*qrPixels+dy)*img.Stride + x*qrPixels
				for dx := range qrPixels {
					img.Pix[off+dx] = 0
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("PNG encoding: %w", err)
	}
	return buf.Bytes(), nil
}
