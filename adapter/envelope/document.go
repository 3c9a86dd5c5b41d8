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
