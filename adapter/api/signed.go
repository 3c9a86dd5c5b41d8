package api

import (
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
)

const dsNS = "http://www.w3.org/2000/09/xmldsig#"

// checkSigned checks that signed is the draft with one enveloped XMLDSig signature added as a
// child of its root, and nothing else changed: the same elements in the same namespaces and
// order, the same attributes and the same text (whitespace between elements and comments
// aside, as canonicalization does; prefixes may differ). It returns the signed root element
// to send. The signature's value, certificate and IIN are ГЦВП's to check.
func checkSigned(draft, signed []byte, lim xmlsafe.Limits) (*etree.Element, error) {
	doc, err := xmlsafe.Parse(signed, lim)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if root == nil {
		return nil, fault.New(fault.XMLMalformed, "the body holds no XML element")
	}
	var sigs []*etree.Element
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		for _, ch := range el.ChildElements() {
			if ch.NamespaceURI() == dsNS && ch.Tag == "Signature" {
				sigs = append(sigs, ch)
				continue
			}
			walk(ch)
		}
	}
	walk(root)
	switch {
	case len(sigs) == 0:
		return nil, fault.New(fault.SigMissing, "the document carries no ds:Signature")
	case len(sigs) > 1:
		return nil, fault.New(fault.SigMalformed, "the document carries %d signatures; sign it once", len(sigs))
	case sigs[0].Parent() != root:
		return nil, fault.New(fault.SigMalformed, "the signature must be a child of <%s> (enveloped)", root.Tag)
	}
	if err := checkEnveloped(sigs[0], root); err != nil {
		return nil, err
	}
	d, err := xmlsafe.Parse(draft, lim)
	if err != nil {
		return nil, fmt.Errorf("api: the stored draft: %w", err)
	}
	bare := root.Copy()
	for _, ch := range bare.ChildElements() {
		if ch.NamespaceURI() == dsNS && ch.Tag == "Signature" {
			bare.RemoveChild(ch)
		}
	}
	if where := differs(d.Root(), bare, "/"+d.Root().Tag); where != "" {
		return nil, &apiError{code: CodeDocumentMismatch, detail: "the signed document is not the request's draft: " + where}
	}
	doc.RemoveChild(root)
	return root, nil
}

// checkEnveloped checks that the signature has one reference, to the whole document, with the
// enveloped-signature transform.
func checkEnveloped(sig, root *etree.Element) error {
	var refs []*etree.Element
	for _, si := range sig.ChildElements() {
		if si.NamespaceURI() == dsNS && si.Tag == "SignedInfo" {
			for _, r := range si.ChildElements() {
				if r.NamespaceURI() == dsNS && r.Tag == "Reference" {
					refs = append(refs, r)
				}
			}
		}
	}
	if len(refs) != 1 {
		return fault.New(fault.SigMalformed, "the signature must have one Reference, it has %d", len(refs))
	}
	uri := refs[0].SelectAttrValue("URI", "")
	if id := root.SelectAttrValue("Id", ""); uri != "" && (id == "" || uri != "#"+id) {
		return fault.New(fault.SigWrapped, "the signature's Reference %q is not the whole document", uri)
	}
	var transforms []string
	for _, ts := range refs[0].ChildElements() {
		if ts.NamespaceURI() == dsNS && ts.Tag == "Transforms" {
			for _, t := range ts.ChildElements() {
				transforms = append(transforms, t.SelectAttrValue("Algorithm", ""))
			}
		}
	}
	if !slices.Contains(transforms, wssec.EnvelopedSignature) {
		return fault.New(fault.SigMalformed, "the signature is not enveloped (no %s transform)", wssec.EnvelopedSignature)
	}
	return nil
}

// differs returns where a and b first differ, "" when they have the same content.
func differs(a, b *etree.Element, path string) string {
	if a.NamespaceURI() != b.NamespaceURI() || a.Tag != b.Tag {
		return fmt.Sprintf("%s: element {%s}%s instead of {%s}%s", path, b.NamespaceURI(), b.Tag, a.NamespaceURI(), a.Tag)
	}
	if aa, ba := attrsOf(a), attrsOf(b); !slices.Equal(aa, ba) {
		return fmt.Sprintf("%s: attributes %v instead of %v", path, ba, aa)
	}
	ac, bc := a.ChildElements(), b.ChildElements()
	if len(ac) == 0 && len(bc) == 0 {
		if textOf(a) != textOf(b) {
			return fmt.Sprintf("%s: text %q instead of %q", path, textOf(b), textOf(a))
		}
		return ""
	}
	if t := strings.TrimSpace(textOf(b)); t != "" {
		return fmt.Sprintf("%s: text %q between elements", path, t)
	}
	for i := range max(len(ac), len(bc)) {
		switch {
		case i >= len(ac):
			return fmt.Sprintf("%s: an extra element <%s>", path, bc[i].Tag)
		case i >= len(bc):
			return fmt.Sprintf("%s: element <%s> is missing", path, ac[i].Tag)
		}
		if w := differs(ac[i], bc[i], path+"/"+ac[i].Tag); w != "" {
			return w
		}
	}
	return ""
}

// attrsOf lists an element's attributes other than namespace declarations, as
// "{namespace}name=value", sorted.
func attrsOf(el *etree.Element) []string {
	var out []string
	for i := range el.Attr {
		at := &el.Attr[i]
		if at.Space == "xmlns" || (at.Space == "" && at.Key == "xmlns") {
			continue
		}
		out = append(out, "{"+at.NamespaceURI()+"}"+at.Key+"="+at.Value)
	}
	slices.Sort(out)
	return out
}

// textOf is the element's own character data (CDATA included), concatenated.
func textOf(el *etree.Element) string {
	var sb strings.Builder
	for _, t := range el.Child {
		if cd, ok := t.(*etree.CharData); ok {
			sb.WriteString(cd.Data)
		}
	}
	return sb.String()
}
