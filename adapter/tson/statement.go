package tson

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/hooklift/gowsdl/soap"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/gcvp"
	"github.com/shepgate/shepgate/generated/shepasync"
	"github.com/shepgate/shepgate/wsdl"
)

// Result kinds.
const (
	ResultStatement = "STATEMENT"
	ResultRefusal   = "REFUSAL"
)

// Files beside an application's record.
const (
	signedRequestFile = "request-signed.xml"
	resultFile        = "result.xml"
)

const dsigNS = "http://www.w3.org/2000/09/xmldsig#"

// statementDocument is the application's StatementRequest (channel CON), the same for the same
// application state: what the operator signs, and what the signed document is compared with.
func (c *CON) statementDocument(a *Application, op Operator) (*etree.Element, error) {
	consumer, ch := gcvp.IIN(a.Consumer.IIN), gcvp.ChannelCON
	req := &gcvp.StatementRequest{
		RequestNumber: a.RequestNumber,
		ServiceId:     wsdl.ServicePensionFundStatement,
		Iin:           &consumer,
		RequestDate:   envelope.DateTime(a.PreparedAt),
		PeriodFrom:    xsdDate(a.PeriodFrom),
		PeriodTo:      xsdDate(a.PeriodTo),
		Channel:       &ch,
		OperatorId:    op.Login,
	}
	if r := a.Representative; r != nil {
		rep := gcvp.IIN(r.IIN)
		req.Representative = &gcvp.Representative{Iin: &rep, LastName: r.LastName, FirstName: r.FirstName, MiddleName: r.MiddleName}
	}
	if p := a.confirmedPoA(); p != nil {
		req.PowerOfAttorney = &gcvp.PowerOfAttorney{Number: p.Number, IssueDate: xsdDate(p.IssueDate), ValidUntil: xsdDate(p.ValidUntil),
			NotaryName: p.NotaryName}
	}
	for _, d := range a.Documents {
		paper, sum := gcvp.Flag(d.PaperPresented), gcvp.Sha256Hex(d.SHA256)
		req.Document = append(req.Document, &gcvp.SubmittedDocument{Kind: d.Kind, PaperPresented: &paper, FileName: d.FileName, Sha256: &sum})
	}
	if a.Lang != "" {
		l := gcvp.Lang(a.Lang)
		req.Lang = &l
	}
	return envelope.MarshalDocument(req)
}

func xsdDate(s string) soap.XSDDate {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return soap.XSDDate{}
	}
	return soap.CreateXsdDate(t, false)
}

// ready checks that the application's document can be produced: a DRAFT with nothing missing.
func ready(a *Application) error {
	if a.Status != StatusDraft {
		return newError(CodeState, "application %s is %s", a.ID, a.Status)
	}
	if m := a.missing(); len(m) > 0 {
		en := make([]string, len(m))
		for i, n := range m {
			en[i] = n.en
		}
		return newError(CodeState, "application %s is not ready: %s", a.ID, strings.Join(en, "; "))
	}
	return nil
}

// getStatementDocument returns the StatementRequest for the operator to sign (process 5). The
// first call fixes its requestDate.
func (c *CON) getStatementDocument(ec echo.Context) error {
	op := operatorOf(ec)
	id := ec.Param("id")
	unlock := c.apps.lock(id)
	defer unlock()
	a, err := c.owned(id, op)
	if err != nil {
		return c.problem(ec, err)
	}
	if err := ready(a); err != nil {
		return c.problem(ec, err)
	}
	if a.PreparedAt.IsZero() {
		a.PreparedAt, a.Updated = c.now().UTC().Truncate(time.Second), c.now()
		if err := c.apps.put(a); err != nil {
			return c.problem(ec, err)
		}
	}
	el, err := c.statementDocument(a, op)
	if err != nil {
		return c.problem(ec, err)
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	doc.SetRoot(el)
	doc.WriteSettings.CanonicalText, doc.WriteSettings.CanonicalAttrVal = true, true
	out, err := doc.WriteToBytes()
	if err != nil {
		return c.problem(ec, fmt.Errorf("tson: serialize the document: %w", err))
	}
	ec.Response().Header().Set("Shep-Request-Number", a.RequestNumber)
	return ec.Blob(http.StatusOK, "application/xml; charset=utf-8", out)
}

// SubmitAnswer is the answer of POST /submit.
type SubmitAnswer struct {
	RequestID   string    `json:"requestId"`
	Application *AppState `json:"application"`
}

// submit takes the operator-signed document, checks that it is the logged-in operator's
// signature on exactly the application's document, and sends it to ГЦВП as an async REQUEST.
func (c *CON) submit(ec echo.Context) error {
	op := operatorOf(ec)
	id := ec.Param("id")
	unlock := c.apps.lock(id)
	defer unlock()
	a, err := c.owned(id, op)
	if err != nil {
		return c.problem(ec, err)
	}
	if a.Status == StatusSubmitted || a.Status == StatusAnswered {
		return c.problem(ec, newError(CodeState, "application %s was already submitted as request %s", a.ID, a.Submission.RequestID))
	}
	if err := ready(a); err != nil {
		return c.problem(ec, err)
	}
	if a.PreparedAt.IsZero() {
		return c.problem(ec, newError(CodeState, "application %s: fetch its document (GET …/document) and sign that", a.ID))
	}
	mt, _, _ := mime.ParseMediaType(ec.Request().Header.Get(echo.HeaderContentType))
	if mt != "application/xml" && mt != "text/xml" {
		return c.problem(ec, newError(CodeUnsupportedMedia, "the body must be the signed XML document (application/xml), not %q", mt))
	}
	raw, err := channel.ReadBody(ec.Request().Body, c.opts.MaxDocumentBytes)
	if err != nil {
		return c.problem(ec, err)
	}
	lim := xmlsafe.Limits{MaxBytes: c.opts.MaxDocumentBytes, MaxDepth: 16, MaxElements: 5000, MaxAttrs: 16}
	doc, err := xmlsafe.Parse(raw, lim)
	if err != nil {
		return c.problem(ec, err)
	}
	v, err := c.verifier.VerifyElement(doc.Root())
	if err != nil {
		return c.problem(ec, err)
	}
	signerIIN, _ := iin.FromCertificate(v.Cert)
	fp := channel.Fingerprint(v.Cert)
	if signerIIN != op.IIN || (len(op.Certificates) > 0 && !slices.Contains(op.Certificates, fp)) {
		return c.problem(ec, newError(CodeSignerNotOperator, "signed by %q (IIN %q), not by operator %s's registered certificate",
			v.Cert.Subject.CommonName, signerIIN, op.Login))
	}
	if err := c.statusOfOperatorCert(ec, v); err != nil {
		return c.problem(ec, err)
	}
	want, err := c.statementDocument(a, op)
	if err != nil {
		return c.problem(ec, err)
	}
	if d := diff(v.Element, want, "/"+want.Tag, true); d != "" {
		return c.problem(ec, newError(CodeDocumentMismatch, "%s", d))
	}
	if err := writeFileAtomic(filepath.Join(c.apps.files(a.ID), signedRequestFile), raw, 0o600); err != nil {
		return c.problem(ec, err)
	}
	reqID, err := c.gw.send(ec.Request().Context(), wsdl.ServicePensionFundStatement, v.Element)
	if err != nil {
		return c.problem(ec, upstream(err))
	}
	now := c.now()
	a.Status, a.Updated = StatusSubmitted, now
	a.Submission = &Submission{RequestID: reqID, SubmittedAt: now, Signer: v.Cert.Subject.CommonName, SignerCert: fp}
	if err := c.apps.put(a); err != nil {
		c.log.Error("submitted, but the application could not be saved", "application", a.ID, "request", reqID, "err", err)
		return c.problem(ec, err)
	}
	c.log.Info("request submitted", "operator", op.Login, "application", a.ID, "request", reqID, "requestNumber", a.RequestNumber)
	return ec.JSON(http.StatusAccepted, SubmitAnswer{RequestID: reqID, Application: c.state(a)})
}

// diff returns "" when a (with its enveloped ds:Signature, when sig) has the content of b, else
// where they first differ. Namespace prefixes and declarations, comments and whitespace-only
// text between elements do not count; names, namespaces, attributes, text and the order of
// elements do.
func diff(a, b *etree.Element, path string, sig bool) string {
	if a.NamespaceURI() != b.NamespaceURI() || a.Tag != b.Tag {
		return fmt.Sprintf("%s: element {%s}%s, want {%s}%s", path, a.NamespaceURI(), a.Tag, b.NamespaceURI(), b.Tag)
	}
	if d := diffAttrs(a, b); d != "" {
		return path + ": " + d
	}
	if ta, tb := text(a), text(b); ta != tb {
		return fmt.Sprintf("%s: text %q, want %q", path, ta, tb)
	}
	ka, kb := a.ChildElements(), b.ChildElements()
	if sig {
		n := len(ka)
		ka = slices.DeleteFunc(ka, func(e *etree.Element) bool { return e.Tag == "Signature" && e.NamespaceURI() == dsigNS })
		if n-len(ka) != 1 {
			return fmt.Sprintf("%s: %d ds:Signature elements, want the one enveloped signature", path, n-len(ka))
		}
	}
	for i := range max(len(ka), len(kb)) {
		switch {
		case i >= len(ka):
			return fmt.Sprintf("%s: element %s is missing", path, kb[i].Tag)
		case i >= len(kb):
			return fmt.Sprintf("%s: unexpected element %s", path, ka[i].Tag)
		}
		if d := diff(ka[i], kb[i], fmt.Sprintf("%s/%s[%d]", path, kb[i].Tag, i+1), false); d != "" {
			return d
		}
	}
	return ""
}

func diffAttrs(a, b *etree.Element) string {
	type key struct{ ns, name string }
	attrs := func(e *etree.Element) map[key]string {
		m := map[key]string{}
		for i := range e.Attr {
			at := &e.Attr[i]
			if at.Space == "xmlns" || (at.Space == "" && at.Key == "xmlns") {
				continue
			}
			m[key{at.NamespaceURI(), at.Key}] = at.Value
		}
		return m
	}
	ma, mb := attrs(a), attrs(b)
	for k, v := range mb {
		if got, ok := ma[k]; !ok || got != v {
			return fmt.Sprintf("attribute %s is %q, want %q", k.name, got, v)
		}
	}
	for k, v := range ma {
		if _, ok := mb[k]; !ok {
			return fmt.Sprintf("unexpected attribute %s=%q", k.name, v)
		}
	}
	return ""
}

// text is an element's own character data; whitespace alone counts as none.
func text(e *etree.Element) string {
	var sb strings.Builder
	for _, t := range e.Child {
		if cd, ok := t.(*etree.CharData); ok {
			sb.WriteString(cd.Data)
		}
	}
	if strings.TrimSpace(sb.String()) == "" {
		return ""
	}
	return sb.String()
}

// refresh brings a SUBMITTED application up to date from the gateway: the channel's status of
// the request and, when it has come, ГЦВП's answer (verified, kept, delivered to the cabinet).
// The caller holds the application's lock.
func (c *CON) refresh(ctx context.Context, id string) (*Application, error) {
	a, ok := c.apps.get(id)
	if !ok || a.Status != StatusSubmitted {
		return a, nil
	}
	reqID := a.Submission.RequestID
	st, serr := c.gw.status(ctx, reqID)
	if serr == nil && st.MessageState != nil && string(*st.MessageState) != a.Submission.MessageState {
		a.Submission.MessageState, a.Submission.StateAt = string(*st.MessageState), c.now()
	}
	m, err := c.gw.fetch(ctx, wsdl.ServicePensionFundStatement, reqID)
	if err != nil {
		return a, err
	}
	if m == nil {
		if serr != nil {
			return a, serr
		}
		if st.MessageState != nil && (*st.MessageState == shepasync.MessageStateNOT_DELIVERED || *st.MessageState == shepasync.MessageStateDELIVERY_STOPPED) {
			c.log.Warn("request not delivered", "application", id, "request", reqID, "state", *st.MessageState)
		}
		return a, c.apps.put(a)
	}
	res, signed, err := c.readAnswer(a, m)
	if err != nil {
		// The gateway has handed the answer out: keep what came for investigation.
		if raw, serr := envelope.SerializeElement(orEmpty(m.Data)); serr == nil {
			_ = writeFileAtomic(filepath.Join(c.apps.files(id), "answer-rejected-"+m.Info.MessageId+".xml"), raw, 0o600)
		}
		c.log.Error("ГЦВП's answer rejected", "application", id, "request", reqID, "answer", m.Info.MessageId, "err", err)
		return a, err
	}
	if err := writeFileAtomic(filepath.Join(c.apps.files(id), resultFile), signed, 0o600); err != nil {
		return a, err
	}
	now := c.now()
	a.Result, a.Status, a.Updated = res, StatusAnswered, now
	if err := c.apps.put(a); err != nil {
		return a, err
	}
	entry := CabinetEntry{IIN: a.Consumer.IIN, RequestNumber: a.RequestNumber, ServiceID: wsdl.ServicePensionFundStatement,
		Channel: string(gcvp.ChannelCON), Kind: res.Kind, Code: res.Code, DocumentNumber: res.DocumentNumber, ReceivedAt: now, Document: signed}
	if err := c.cabinet.Deliver(ctx, entry); err != nil {
		// The result is kept with the application; the cabinet can be filled again from it.
		c.log.Error("result not delivered to the cabinet", "application", id, "iin", a.Consumer.IIN, "err", err)
	}
	c.log.Info("answer received", "application", id, "request", reqID, "kind", res.Kind, "code", res.Code, "document", res.DocumentNumber)
	return a, nil
}

func orEmpty(e *etree.Element) *etree.Element {
	if e == nil {
		return etree.NewElement("empty")
	}
	return e
}

// readAnswer verifies ГЦВП's signed answer to the application and reads it.
func (c *CON) readAnswer(a *Application, m *envelope.AsyncMessage) (*Result, []byte, error) {
	if m.Data == nil {
		return nil, nil, fault.New(fault.RouteBadAnswer, "ГЦВП's RESPONSE holds no document")
	}
	v, err := c.verifier.VerifyElement(m.Data)
	if err != nil {
		return nil, nil, fault.Wrap(fault.RouteBadAnswer, err, "ГЦВП's signature on the answer")
	}
	if !slices.Contains(c.opts.Providers, channel.Fingerprint(v.Cert)) {
		return nil, nil, fault.Wrap(fault.RouteBadAnswer, fault.New(fault.CertSenderMismatch, "the answer is signed by %q, not by ГЦВП", v.Cert.Subject.CommonName), "document")
	}
	res := &Result{ReceivedAt: c.now(), MessageID: m.Info.MessageId, Signer: v.Cert.Subject.CommonName}
	var number, iinValue string
	switch v.Element.Tag {
	case "StatementResponse":
		var r gcvp.StatementResponse
		if err := envelope.UnmarshalDocument(v.Element, &r, fault.RouteBadAnswer); err != nil {
			return nil, nil, err
		}
		number, res.Kind, res.DocumentNumber, res.Rows = r.RequestNumber, ResultStatement, r.DocumentNumber, len(r.Row)
		if r.Iin != nil {
			iinValue = string(*r.Iin)
		}
		if r.TotalTiyn != nil {
			res.TotalTiyn = int64(*r.TotalTiyn)
		}
	case "Refusal":
		var r gcvp.Refusal
		if err := envelope.UnmarshalDocument(v.Element, &r, fault.RouteBadAnswer); err != nil {
			return nil, nil, err
		}
		number, res.Kind, res.Code, res.MessageKK, res.MessageRU = r.RequestNumber, ResultRefusal, r.Code, r.MessageKk, r.MessageRu
		if r.Iin != nil {
			iinValue = string(*r.Iin)
		}
	default:
		return nil, nil, fault.New(fault.RouteBadAnswer, "unexpected answer document %s", v.Element.Tag)
	}
	if number != a.RequestNumber || (iinValue != "" && iinValue != a.Consumer.IIN) {
		return nil, nil, fault.New(fault.RouteBadAnswer, "the answer is for request %q of IIN %q, not %q of %s", number, iinValue, a.RequestNumber, a.Consumer.IIN)
	}
	signed, err := envelope.SerializeElement(v.Element)
	if err != nil {
		return nil, nil, err
	}
	return res, signed, nil
}

// getResult returns ГЦВП's signed answer.
func (c *CON) getResult(ec echo.Context) error {
	a, err := c.owned(ec.Param("id"), operatorOf(ec))
	if err != nil {
		return c.problem(ec, err)
	}
	if a.Result == nil {
		return c.problem(ec, newError(CodeState, "application %s is %s: no answer from ГЦВП yet", a.ID, a.Status))
	}
	raw, err := os.ReadFile(filepath.Join(c.apps.files(a.ID), resultFile))
	if err != nil {
		return c.problem(ec, fmt.Errorf("tson: read the result: %w", err))
	}
	ec.Response().Header().Set("Shep-Result-Kind", a.Result.Kind)
	return ec.Blob(http.StatusOK, "application/xml; charset=utf-8", raw)
}
