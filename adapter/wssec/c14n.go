package wssec

import (
	"io"
	"strings"

	"github.com/beevik/etree"
)

// excC14N writes the exclusive XML canonicalization (without comments) of an etree
// subtree, in place: it never copies or mutates the tree and streams its output into w
// (typically a hash). Its output is byte-for-byte that of goxmldsig's
// MakeC14N10ExclusiveCanonicalizerWithPrefixList, which the tests check.
type excC14N struct {
	out       io.Writer
	buf       []byte
	err       error
	inclusive []string       // InclusiveNamespaces PrefixList; "" stands for #default
	skip      *etree.Element // the enveloped signature, left out of the output

	scope    []nsBinding // declarations in scope in the input, innermost last
	rendered []nsBinding // declarations rendered by output ancestors, innermost last
	attrs    []c14nAttr  // scratch
	decls    []nsBinding // scratch
}

type nsBinding struct{ prefix, uri string }

type c14nAttr struct {
	uri string
	a   *etree.Attr
}

const flushAt = 32 << 10

// parsePrefixList parses an InclusiveNamespaces PrefixList (NMTOKENS).
func parsePrefixList(list string) []string {
	f := strings.Fields(list)
	for i, p := range f {
		if p == "#default" {
			f[i] = ""
		}
	}
	return f
}

// canonicalize writes the canonical form of el into w. Namespace declarations of el's
// ancestors are taken into account; skip, if not nil, is omitted with its subtree.
func canonicalize(w io.Writer, el *etree.Element, inclusive []string, skip *etree.Element) error {
	c := &excC14N{out: w, inclusive: inclusive, skip: skip, buf: make([]byte, 0, flushAt+4096)}
	var anc []*etree.Element
	for p := el.Parent(); p != nil; p = p.Parent() {
		anc = append(anc, p)
	}
	for i := len(anc) - 1; i >= 0; i-- {
		c.pushScope(anc[i])
	}
	c.element(el)
	c.flush()
	return c.err
}

func (c *excC14N) flush() {
	if c.err == nil && len(c.buf) > 0 {
		_, c.err = c.out.Write(c.buf)
	}
	c.buf = c.buf[:0]
}

func (c *excC14N) pushScope(el *etree.Element) {
	for i := range el.Attr {
		a := &el.Attr[i]
		switch {
		case a.Space == "xmlns":
			c.scope = append(c.scope, nsBinding{a.Key, a.Value})
		case a.Space == "" && a.Key == "xmlns":
			c.scope = append(c.scope, nsBinding{"", a.Value})
		}
	}
}

func lookupNS(bs []nsBinding, prefix string) (string, bool) {
	for i := len(bs) - 1; i >= 0; i-- {
		if bs[i].prefix == prefix {
			return bs[i].uri, true
		}
	}
	return "", false
}

func (c *excC14N) lookup(prefix string) string {
	if prefix == "xml" {
		return xmlNS
	}
	u, _ := lookupNS(c.scope, prefix)
	return u
}

// wantDecl adds the declaration of prefix to c.decls when the output needs it here.
func (c *excC14N) wantDecl(prefix string) {
	if prefix == "xml" || prefix == "xmlns" {
		return
	}
	for _, d := range c.decls {
		if d.prefix == prefix {
			return
		}
	}
	uri, inScope := lookupNS(c.scope, prefix)
	if !inScope && prefix != "" {
		return
	}
	r, ok := lookupNS(c.rendered, prefix)
	if prefix == "" {
		if uri == r { // r is "" when no default was rendered
			return
		}
	} else if ok && r == uri {
		return
	}
	c.decls = append(c.decls, nsBinding{prefix, uri})
}

func (c *excC14N) element(el *etree.Element) {
	scopeMark, renderedMark := len(c.scope), len(c.rendered)
	c.pushScope(el)

	c.decls = c.decls[:0]
	c.wantDecl(el.Space)
	c.attrs = c.attrs[:0]
	for i := range el.Attr {
		a := &el.Attr[i]
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		uri := ""
		if a.Space != "" {
			c.wantDecl(a.Space)
			uri = c.lookup(a.Space)
		}
		c.attrs = append(c.attrs, c14nAttr{uri, a})
	}
	for _, p := range c.inclusive {
		if p == "" {
			if _, ok := lookupNS(c.scope, ""); !ok {
				continue
			}
		}
		c.wantDecl(p)
	}
	// Insertion sorts: both lists are short.
	for i := 1; i < len(c.decls); i++ {
		for j := i; j > 0 && c.decls[j].prefix < c.decls[j-1].prefix; j-- {
			c.decls[j], c.decls[j-1] = c.decls[j-1], c.decls[j]
		}
	}
	for i := 1; i < len(c.attrs); i++ {
		for j := i; j > 0 && attrLess(c.attrs[j], c.attrs[j-1]); j-- {
			c.attrs[j], c.attrs[j-1] = c.attrs[j-1], c.attrs[j]
		}
	}

	c.buf = append(c.buf, '<')
	c.buf = appendQName(c.buf, el.Space, el.Tag)
	for _, d := range c.decls {
		if d.prefix == "" {
			c.buf = append(c.buf, ` xmlns="`...)
		} else {
			c.buf = append(c.buf, " xmlns:"...)
			c.buf = append(c.buf, d.prefix...)
			c.buf = append(c.buf, `="`...)
		}
		c.buf = appendEscapedAttr(c.buf, d.uri)
		c.buf = append(c.buf, '"')
		c.rendered = append(c.rendered, d)
	}
	for _, a := range c.attrs {
		c.buf = append(c.buf, ' ')
		c.buf = appendQName(c.buf, a.a.Space, a.a.Key)
		c.buf = append(c.buf, `="`...)
		c.buf = appendEscapedAttr(c.buf, a.a.Value)
		c.buf = append(c.buf, '"')
	}
	c.buf = append(c.buf, '>')

	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			if t != c.skip {
				c.element(t)
			}
		case *etree.CharData:
			c.buf = appendEscapedText(c.buf, t.Data)
		case *etree.ProcInst:
			c.buf = append(c.buf, "<?"...)
			c.buf = append(c.buf, t.Target...)
			if t.Inst != "" {
				c.buf = append(c.buf, ' ')
				c.buf = append(c.buf, t.Inst...)
			}
			c.buf = append(c.buf, "?>"...)
		}
		if len(c.buf) >= flushAt {
			c.flush()
		}
	}

	c.buf = append(c.buf, "</"...)
	c.buf = appendQName(c.buf, el.Space, el.Tag)
	c.buf = append(c.buf, '>')
	c.scope = c.scope[:scopeMark]
	c.rendered = c.rendered[:renderedMark]
}

func attrLess(a, b c14nAttr) bool {
	if a.uri != b.uri {
		return a.uri < b.uri
	}
	return a.a.Key < b.a.Key
}

func appendQName(b []byte, space, local string) []byte {
	if space != "" {
		b = append(b, space...)
		b = append(b, ':')
	}
	return append(b, local...)
}

func appendEscapedText(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

func appendEscapedAttr(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '"':
			esc = "&quot;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}
