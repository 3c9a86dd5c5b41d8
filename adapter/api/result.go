package api

import (
	"fmt"
	"net/http"

	"github.com/beevik/etree"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/resultdoc"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/gcvp"
)

// ResultView is the answer of a request as JSON (GET /api/v1/requests/{number}/result): what
// the «ашу» (open) button shows.
type ResultView struct {
	RequestNumber string `json:"requestNumber"`
	ServiceID     string `json:"serviceId"`
	Status        string `json:"status"`
	// Kind is the document: InfoResponse (services 1–8), SikResponse (9), StatementResponse
	// (10) or Refusal.
	Kind string `json:"kind"`
	// Outcome is as in RequestView.
	Outcome     string `json:"outcome"`
	RefusalCode string `json:"refusalCode,omitempty"`
	RefusalKK   string `json:"refusalKk,omitempty"`
	RefusalRU   string `json:"refusalRu,omitempty"`
	// Document holds the document's fields by their XML names (the signature left out):
	// nested elements are objects, "row" and "document" are always arrays, attributes are
	// "@name", texts are strings as ГЦВП wrote them (amounts in tiyn, dates ISO 8601).
	Document map[string]any `json:"document"`
}

// decoded is a stored answer, decoded.
type decoded struct {
	root    *etree.Element
	refusal *gcvp.Refusal
}

func decodeAnswer(raw []byte) (*decoded, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("api: no answer stored")
	}
	doc, err := xmlsafe.Parse(raw, xmlsafe.DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("api: the stored answer: %w", err)
	}
	d := &decoded{root: doc.Root()}
	if d.root.Tag == "Refusal" {
		v, err := resultdoc.Decode(raw)
		if err != nil {
			return nil, fmt.Errorf("api: the stored refusal: %w", err)
		}
		d.refusal, _ = v.(*gcvp.Refusal)
	}
	return d, nil
}

// answered returns the session consumer's request if it is answered (DONE or REFUSED).
func (a *API) answered(c echo.Context) (store.PortalRequest, error) {
	r, err := a.own(c)
	if err != nil {
		return r, err
	}
	if r.Status != store.PortalDone && r.Status != store.PortalRefused {
		return r, stateError(r, "the result is there once the request is DONE or REFUSED; refresh its status first")
	}
	return r, nil
}

func (a *API) resultJSON(c echo.Context) error {
	r, err := a.answered(c)
	if err != nil {
		return a.fail(c, err)
	}
	d, err := decodeAnswer(r.Answer)
	if err != nil {
		return a.fail(c, err)
	}
	v := ResultView{RequestNumber: r.Number, ServiceID: r.ServiceID, Status: r.Status, Kind: d.root.Tag, Outcome: r.Outcome,
		RefusalCode: r.RefusalCode, Document: toJSON(d.root)}
	if r.RefusalCode != "" {
		v.RefusalKK, v.RefusalRU = refusalTexts(r)
	}
	return c.JSON(http.StatusOK, v)
}

func (a *API) resultXML(c echo.Context) error {
	r, err := a.answered(c)
	if err != nil {
		return a.fail(c, err)
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+r.Number+`.xml"`)
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", r.Answer)
}

func (a *API) resultPDF(c echo.Context) error {
	r, err := a.answered(c)
	if err != nil {
		return a.fail(c, err)
	}
	pdf, err := resultdoc.RenderSigned(r.Answer, resultdoc.Options{Location: Kazakhstan})
	if err != nil {
		return a.fail(c, fmt.Errorf("api: render the result of %s: %w", r.Number, err))
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+r.Number+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

// listElements are the elements that may repeat (maxOccurs="unbounded" in gcvp.wsdl): always
// arrays in JSON.
var listElements = map[string]bool{"row": true, "document": true}

// toJSON turns an element's content into a JSON object, leaving the signature out.
func toJSON(el *etree.Element) map[string]any {
	out := map[string]any{}
	for _, at := range el.Attr {
		if at.Space == "xmlns" || (at.Space == "" && at.Key == "xmlns") {
			continue
		}
		out["@"+at.Key] = at.Value
	}
	children := el.ChildElements()
	if len(children) == 0 && textOf(el) != "" {
		out["#text"] = textOf(el)
	}
	for _, ch := range children {
		if ch.NamespaceURI() == dsNS {
			continue
		}
		var v any
		if m := toJSON(ch); len(m) == 0 || (len(m) == 1 && m["#text"] != nil) {
			v = textOf(ch) // a simple element: its text
		} else {
			v = m
		}
		switch prev, seen := out[ch.Tag]; {
		case listElements[ch.Tag] && !seen:
			out[ch.Tag] = []any{v}
		case !seen:
			out[ch.Tag] = v
		default:
			if list, ok := prev.([]any); ok {
				out[ch.Tag] = append(list, v)
			} else {
				out[ch.Tag] = []any{prev, v}
			}
		}
	}
	return out
}
