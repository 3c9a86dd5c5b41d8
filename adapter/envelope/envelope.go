// Package envelope builds and reads the SOAP 1.1 envelopes of the ШЭП channels.
//
// The ШЭП v10 metadata (requestInfo, responseInfo, ErrorInfo) is marshalled and unmarshalled
// through the types that gowsdl generates from wsdl/ (package generated/shepsync). Two things
// gowsdl and encoding/xml cannot do are done here, on etree:
//   - the children of SendMessage/request are unqualified in the v10 contract, but encoding/xml
//     puts the namespace of SendMessage in a default xmlns that its children would inherit; the
//     payload element is therefore given a prefix;
//   - requestData/data and responseData/data are xsd:anyType, which gowsdl reduces to a string:
//     the business document is carried as an etree element, never re-encoded.
//
// Reading functions take the S:Body that the signature verifier returned (wssec.Verified.Element),
// so that only signed content is ever used.
package envelope

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/hooklift/gowsdl/soap"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/shepsync"
)

// Namespaces of the ШЭП v10 envelopes.
const (
	NSSOAP   = "http://schemas.xmlsoap.org/soap/envelope/"
	NSSync   = "http://bip.bee.kz/SyncChannel/v10/Types"
	NSCommon = "http://bip.bee.kz/common/v10/Types"
	NSWSSE   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	NSXSI    = "http://www.w3.org/2001/XMLSchema-instance"
)

// payloadPrefix is the prefix given to the namespace of the Body's payload element (as the real
// gateway does: <ns2:SendMessage xmlns:ns2="...">).
const payloadPrefix = "ns2"

// New returns a SOAP 1.1 envelope with an empty Header and a Body holding payload.
func New(payload *etree.Element) *etree.Document {
	doc := etree.NewDocument()
	env := doc.CreateElement("S:Envelope")
	env.CreateAttr("xmlns:S", NSSOAP)
	env.CreateElement("S:Header")
	body := env.CreateElement("S:Body")
	if payload != nil {
		body.AddChild(payload)
	}
	return doc
}

// Check verifies that doc is a SOAP 1.1 envelope with one Header at most, exactly one Body, and
// no mustUnderstand header other than wsse:Security. It returns the Body.
func Check(doc *etree.Document) (*etree.Element, error) {
	root := doc.Root()
	if root == nil || root.Tag != "Envelope" || root.NamespaceURI() != NSSOAP {
		return nil, fault.New(fault.EnvNotSOAP, "root element is not {%s}Envelope", NSSOAP)
	}
	var body *etree.Element
	headers := 0
	for _, el := range root.ChildElements() {
		if el.NamespaceURI() != NSSOAP {
			return nil, fault.New(fault.EnvNotSOAP, "unexpected element {%s}%s in Envelope", el.NamespaceURI(), el.Tag)
		}
		switch el.Tag {
		case "Header":
			if headers++; headers > 1 || body != nil {
				return nil, fault.New(fault.EnvNotSOAP, "misplaced or repeated Header")
			}
			for _, h := range el.ChildElements() {
				if mustUnderstand(h) && !(h.Tag == "Security" && h.NamespaceURI() == NSWSSE) {
					return nil, fault.New(fault.EnvUnknownHeader, "header {%s}%s", h.NamespaceURI(), h.Tag)
				}
			}
		case "Body":
			if body != nil {
				return nil, fault.New(fault.EnvNotSOAP, "more than one Body")
			}
			body = el
		default:
			return nil, fault.New(fault.EnvNotSOAP, "unexpected element %s in Envelope", el.Tag)
		}
	}
	if body == nil {
		return nil, fault.New(fault.EnvNoBody, "envelope has no Body")
	}
	return body, nil
}

func mustUnderstand(h *etree.Element) bool {
	for _, a := range h.Attr {
		if a.Key == "mustUnderstand" && a.NamespaceURI() == NSSOAP {
			return a.Value == "1" || a.Value == "true"
		}
	}
	return false
}

// Payload returns the single element child of body.
func Payload(body *etree.Element) (*etree.Element, error) {
	kids := body.ChildElements()
	if len(kids) != 1 {
		return nil, fault.New(fault.MsgInvalid, "Body must hold exactly one element, it holds %d", len(kids))
	}
	return kids[0], nil
}

// marshalPayload encodes v with encoding/xml and returns it as an etree element whose namespace
// is bound to a prefix, so that its unqualified children stay unqualified.
func marshalPayload(v any) (*etree.Element, error) {
	raw, err := xml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("envelope: marshal %T: %w", v, err)
	}
	d := etree.NewDocument()
	if err := d.ReadFromBytes(raw); err != nil {
		return nil, fmt.Errorf("envelope: reparse %T: %w", v, err)
	}
	root := d.Root()
	ns := root.SelectAttrValue("xmlns", "")
	root.RemoveAttr("xmlns")
	root.Space = payloadPrefix
	root.CreateAttr("xmlns:"+payloadPrefix, ns)
	// Children that re-declared the default namespace as empty keep no attribute.
	for _, el := range root.FindElements(".//*") {
		if a := el.SelectAttr("xmlns"); a != nil && a.Value == "" {
			el.RemoveAttr("xmlns")
		}
	}
	root.Parent().RemoveChild(root)
	return root, nil
}

// unmarshalPayload decodes el (and its subtree) into v with encoding/xml.
func unmarshalPayload(el *etree.Element, v any) error {
	d := etree.NewDocument()
	d.SetRoot(el.Copy())
	// Namespace declarations on ancestors are needed to resolve prefixes used inside.
	for p := el.Parent(); p != nil; p = p.Parent() {
		for _, a := range p.Attr {
			if a.Space == "xmlns" && d.Root().SelectAttr("xmlns:"+a.Key) == nil {
				d.Root().CreateAttr("xmlns:"+a.Key, a.Value)
			}
		}
	}
	raw, err := d.WriteToBytes()
	if err != nil {
		return fmt.Errorf("envelope: serialize %s: %w", el.Tag, err)
	}
	if err := xml.Unmarshal(raw, v); err != nil {
		return fault.Wrap(fault.MsgInvalid, err, "cannot decode %s", el.Tag)
	}
	return nil
}

// child returns the first child element with the local name tag and no namespace (the v10
// contract's children are unqualified).
func child(el *etree.Element, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == "" {
			return c
		}
	}
	return nil
}

// setData puts doc as the only child of the data element found at path below root.
func setData(root *etree.Element, container string, doc *etree.Element) {
	req := root.ChildElements()[0] // request or response
	cont := child(req, container)
	if cont == nil {
		cont = req.CreateElement(container)
	}
	data := child(cont, "data")
	if data == nil {
		data = cont.CreateElement("data")
	}
	for _, c := range data.Child {
		data.RemoveChild(c)
	}
	if doc != nil {
		if p := doc.Parent(); p != nil {
			p.RemoveChild(doc)
		}
		data.AddChild(doc)
	}
}

// readData returns the business document held in a data element: its single child element, or —
// as the real gateway samples do — an xsi:type="xs:string" text holding an escaped XML document.
func readData(data *etree.Element, lim xmlsafe.Limits) (*etree.Element, error) {
	if data == nil {
		return nil, nil
	}
	kids := data.ChildElements()
	switch {
	case len(kids) == 1:
		return kids[0], nil
	case len(kids) > 1:
		return nil, fault.New(fault.MsgInvalid, "data holds %d elements, want one", len(kids))
	}
	text := strings.TrimSpace(data.Text())
	if text == "" {
		return nil, nil
	}
	inner, err := xmlsafe.Parse([]byte(text), lim)
	if err != nil {
		return nil, fmt.Errorf("envelope: data text: %w", err)
	}
	return inner.Root(), nil
}

// DateTime converts a time into the generated xsd:dateTime type, with its zone.
func DateTime(t time.Time) soap.XSDDateTime { return soap.CreateXsdDateTime(t, true) }

// Serialize writes doc compactly (no indentation, which would change signed content).
func Serialize(doc *etree.Document) ([]byte, error) {
	var buf bytes.Buffer
	doc.WriteSettings.CanonicalEndTags = false
	if _, err := doc.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("envelope: serialize: %w", err)
	}
	return buf.Bytes(), nil
}

// ensure the generated package stays referenced even if callers only use helpers.
var _ shepsync.SendMessage
