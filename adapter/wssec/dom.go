package wssec

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
)

// Namespaces and URIs of the wire format.
const (
	soapNS  = "http://schemas.xmlsoap.org/soap/envelope/"
	wsseNS  = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	wsuNS   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	dsNS    = "http://www.w3.org/2000/09/xmldsig#"
	excNS   = "http://www.w3.org/2001/10/xml-exc-c14n#"
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
	x509v3  = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
	base64B = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)

// is reports whether el has the local name local in namespace ns.
func is(el *etree.Element, ns, local string) bool {
	return el != nil && el.Tag == local && el.NamespaceURI() == ns
}

// children returns the child elements of el named ns:local.
func children(el *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	for _, t := range el.Child {
		if c, ok := t.(*etree.Element); ok && is(c, ns, local) {
			out = append(out, c)
		}
	}
	return out
}

// elementChildren returns el's child elements and fails if el has text other than white
// space: the structural elements of a signature carry no mixed content.
func elementChildren(el *etree.Element) ([]*etree.Element, error) {
	var out []*etree.Element
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			out = append(out, t)
		case *etree.CharData:
			if strings.TrimSpace(t.Data) != "" {
				return nil, fault.New(fault.SigMalformed, "unexpected text in <%s>", el.FullTag())
			}
		}
	}
	return out, nil
}

// idOf returns the Id of el: wsu:Id, or an unqualified Id, ID or id attribute.
func idOf(el *etree.Element) string {
	var plain string
	for i := range el.Attr {
		a := &el.Attr[i]
		switch {
		case a.Key == "Id" && a.Space != "" && a.NamespaceURI() == wsuNS:
			return a.Value
		case a.Space == "" && (a.Key == "Id" || a.Key == "ID" || a.Key == "id") && plain == "":
			plain = a.Value
		}
	}
	return plain
}

// isIDAttr reports whether a counts as an identifier for the wrapping checks: any
// attribute whose local name is Id, ID or id, in any namespace (wsu:Id, xml:id, ...).
func isIDAttr(a *etree.Attr) bool {
	return a.Space != "xmlns" && (a.Key == "Id" || a.Key == "ID" || a.Key == "id")
}

// countID counts the elements of the tree under root that carry id as an identifier.
func countID(root *etree.Element, id string) int {
	n := 0
	stack := []*etree.Element{root}
	for len(stack) > 0 {
		el := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for i := range el.Attr {
			if a := &el.Attr[i]; a.Value == id && isIDAttr(a) {
				n++
				break
			}
		}
		for _, t := range el.Child {
			if c, ok := t.(*etree.Element); ok {
				stack = append(stack, c)
			}
		}
	}
	return n
}

// top returns the outermost element above el (el itself if it has no parent element).
func top(el *etree.Element) *etree.Element {
	for {
		p := el.Parent()
		if p == nil || p.Tag == "" { // no parent, or the Document
			return el
		}
		el = p
	}
}

// prefixFor returns a prefix bound to uri in scope at el, honouring shadowing.
func prefixFor(el *etree.Element, uri string) (string, bool) {
	var seen []string
	for e := el; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			if a.Space != "xmlns" || containsStr(seen, a.Key) {
				continue
			}
			if a.Value == uri {
				return a.Key, true
			}
			seen = append(seen, a.Key)
		}
	}
	return "", false
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ensurePrefix returns a prefix bound to uri at el, declaring want on el if there is none
// (or a numbered variant of want if want is bound to something else there).
func ensurePrefix(el *etree.Element, uri, want string) string {
	if p, ok := prefixFor(el, uri); ok {
		return p
	}
	p := want
	for i := 1; ; i++ {
		if _, taken := prefixBound(el, p); !taken {
			break
		}
		p = fmt.Sprintf("%s%d", want, i)
	}
	el.CreateAttr("xmlns:"+p, uri)
	return p
}

func prefixBound(el *etree.Element, prefix string) (string, bool) {
	for e := el; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			if a.Space == "xmlns" && a.Key == prefix {
				return a.Value, true
			}
		}
	}
	return "", false
}

// decodeBase64 decodes base64 text that may be wrapped or indented.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
	return base64.StdEncoding.DecodeString(s)
}

// newID returns "id-" and a random UUID (version 4).
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("id-%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
