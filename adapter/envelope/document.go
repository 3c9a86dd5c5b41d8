package envelope

import (
	"encoding/xml"
	"fmt"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
)

// MarshalDocument encodes a generated business document (whose schema is qualified, like
// generated/gcvp) as a detached etree element, ready to be signed and carried in data.
func MarshalDocument(v any) (*etree.Element, error) {
	raw, err := xml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("envelope: marshal %T: %w", v, err)
	}
	doc, err := xmlsafe.Parse(raw, xmlsafe.DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("envelope: reparse %T: %w", v, err)
	}
	root := doc.Root()
	doc.RemoveChild(root)
	return root, nil
}

// UnmarshalDocument decodes a (verified) business document into a generated type. A document
// that does not decode is a fault with the given code.
func UnmarshalDocument(el *etree.Element, v any, code fault.Code) error {
	if err := unmarshalPayload(el, v); err != nil {
		return fault.Wrap(code, err, "cannot decode %s", el.Tag)
	}
	return nil
}

// SerializeElement writes el as a standalone document, declaring on it the namespaces it
// inherits from its ancestors (exclusive canonicalization ignores declarations an element does
// not use, so an enveloped signature inside stays valid).
func SerializeElement(el *etree.Element) ([]byte, error) {
	doc := etree.NewDocument()
	cp := el.Copy()
	doc.SetRoot(cp)
	declared := map[string]bool{}
	for _, a := range cp.Attr {
		if a.Space == "xmlns" {
			declared[a.Key] = true
		} else if a.Space == "" && a.Key == "xmlns" {
			declared[""] = true
		}
	}
	for p := el.Parent(); p != nil; p = p.Parent() {
		for _, a := range p.Attr {
			switch {
			case a.Space == "xmlns" && !declared[a.Key]:
				cp.CreateAttr("xmlns:"+a.Key, a.Value)
				declared[a.Key] = true
			case a.Space == "" && a.Key == "xmlns" && !declared[""]:
				cp.CreateAttr("xmlns", a.Value)
				declared[""] = true
			}
		}
	}
	out, err := doc.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("envelope: serialize %s: %w", el.Tag, err)
	}
	return out, nil
}

// ParseElement reads a document written by SerializeElement back into an element.
func ParseElement(raw []byte, lim xmlsafe.Limits) (*etree.Element, error) {
	doc, err := xmlsafe.Parse(raw, lim)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	doc.RemoveChild(root)
	return root, nil
}
