package xmlsafe

// This file keeps the encoding/xml implementation of Parse that the byte-level scanner
// replaced, unchanged but for the ref prefix on its identifiers, as the reference of the
// differential tests (diff_test.go): refParse must agree with Parse on the tree and on the
// fault code of every input.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
)

// refBinding is one namespace declaration in scope.
type refBinding struct{ prefix, uri string }

// refParser holds the state of one Parse call.
type refParser struct {
	data  []byte // input without the byte order mark
	lim   Limits
	dec   *xml.Decoder
	doc   *etree.Document
	stack []*etree.Element // open elements; stack[0] is the document
	ns    []refBinding     // namespace declarations in scope, innermost last
	marks []int            // len(ns) at each open element
	uris  []string         // scratch: namespace URI of each attribute of the current element
	elems int
	roots int
}

// refParse is the former Parse: it parses data into an etree document under the given
// limits. Every error it returns is a *fault.Error with one of the XML_* codes.
//
// The document's elements and attributes keep their prefixes (etree's Space fields) exactly
// as written, and every prefix used is declared.
func refParse(data []byte, lim Limits) (*etree.Document, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return nil, fault.New(fault.XMLTooLarge, "document has %d bytes, the limit is %d", len(data), lim.MaxBytes)
	}
	data = bytes.TrimPrefix(data, bom)
	p := &refParser{data: data, lim: lim, doc: etree.NewDocument()}
	p.dec = xml.NewDecoder(bytes.NewReader(data))
	p.dec.Strict = true
	p.stack = append(make([]*etree.Element, 0, 32), &p.doc.Element)
	p.ns = make([]refBinding, 0, 16)
	p.marks = make([]int, 0, 32)
	if err := p.run(); err != nil {
		return nil, err
	}
	return p.doc, nil
}

func (p *refParser) run() error {
	first := true
	for {
		start := p.dec.InputOffset()
		tok, err := p.dec.RawToken()
		if err == io.EOF {
			if len(p.stack) != 1 {
				return malformed("unexpected end of document inside <%s>", p.stack[len(p.stack)-1].FullTag())
			}
			if p.roots == 0 {
				return malformed("document has no root element")
			}
			return nil
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return fault.Wrap(fault.XMLMalformed, err, "line %d", se.Line)
			}
			return fault.Wrap(fault.XMLMalformed, err, "at byte %d", start)
		}
		isFirst := first
		first = false
		top := p.stack[len(p.stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.startElement(t, top, start); err != nil {
				return err
			}
		case xml.EndElement:
			if len(p.stack) == 1 {
				return malformed("end tag </%s> without a start tag", refQName(t.Name))
			}
			if top.Space != t.Name.Space || top.Tag != t.Name.Local {
				return malformed("end tag </%s> does not match <%s>", refQName(t.Name), top.FullTag())
			}
			p.stack = p.stack[:len(p.stack)-1]
			p.ns = p.ns[:p.marks[len(p.marks)-1]]
			p.marks = p.marks[:len(p.marks)-1]
		case xml.CharData:
			if len(p.stack) == 1 {
				if !refIsSpace(t) {
					return malformed("text outside the root element")
				}
			}
			top.CreateText(string(t))
		case xml.Comment:
			top.CreateComment(string(t))
		case xml.ProcInst:
			if strings.EqualFold(t.Target, "xml") {
				if !isFirst || t.Target != "xml" {
					return malformed("misplaced XML declaration")
				}
				p.doc.CreateProcInst(t.Target, string(t.Inst))
				continue
			}
			top.CreateProcInst(t.Target, string(t.Inst))
		case xml.Directive:
			return fault.New(fault.XMLDoctype, "directive <!%.20s...> refused", string(t))
		default:
			return malformed("unexpected token %T", tok)
		}
	}
}

func refQName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func refIsSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func refBadName(n xml.Name) bool {
	return n.Local == "" || strings.IndexByte(n.Local, ':') >= 0
}

func (p *refParser) lookup(prefix string) (string, bool) {
	if prefix == "xml" {
		return XMLNamespace, true
	}
	for i := len(p.ns) - 1; i >= 0; i-- {
		if p.ns[i].prefix == prefix {
			return p.ns[i].uri, true
		}
	}
	return "", prefix == ""
}

func (p *refParser) startElement(t xml.StartElement, parent *etree.Element, start int64) error {
	depth := len(p.stack) // the new element's depth
	if depth > p.lim.MaxDepth {
		return fault.New(fault.XMLTooDeep, "element <%s> is at depth %d, the limit is %d", refQName(t.Name), depth, p.lim.MaxDepth)
	}
	p.elems++
	if p.elems > p.lim.MaxElements {
		return fault.New(fault.XMLTooMany, "more than %d elements", p.lim.MaxElements)
	}
	if len(t.Attr) > p.lim.MaxAttrs {
		return fault.New(fault.XMLTooMany, "element <%s> has %d attributes, the limit is %d", refQName(t.Name), len(t.Attr), p.lim.MaxAttrs)
	}
	if depth == 1 {
		p.roots++
		if p.roots > 1 {
			return malformed("more than one root element")
		}
	}
	if refBadName(t.Name) || t.Name.Space == "xmlns" {
		return malformed("bad element name %q", refQName(t.Name))
	}

	// Namespace declarations first: they are in scope for the element's own name and
	// attributes.
	p.marks = append(p.marks, len(p.ns))
	needsNorm := false
	for _, a := range t.Attr {
		if refBadName(a.Name) {
			return malformed("bad attribute name %q on <%s>", refQName(a.Name), refQName(t.Name))
		}
		if strings.ContainsAny(a.Value, "\t\n\r") {
			needsNorm = true
		}
		switch {
		case a.Name.Space == "xmlns":
			prefix := a.Name.Local
			switch {
			case prefix == "xmlns":
				return malformed("the prefix xmlns cannot be declared")
			case prefix == "xml" && a.Value != XMLNamespace:
				return malformed("the prefix xml cannot be rebound")
			case prefix != "xml" && a.Value == XMLNamespace, a.Value == xmlnsNamespace:
				return malformed("reserved namespace %q bound to %q", a.Value, prefix)
			case a.Value == "":
				return malformed("prefix %q undeclared (not allowed in XML 1.0)", prefix)
			}
			p.ns = append(p.ns, refBinding{prefix, a.Value})
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			if a.Value == XMLNamespace || a.Value == xmlnsNamespace {
				return malformed("reserved namespace %q as default", a.Value)
			}
			p.ns = append(p.ns, refBinding{"", a.Value})
		}
	}
	if _, ok := p.lookup(t.Name.Space); !ok {
		return malformed("undeclared prefix %q on <%s>", t.Name.Space, refQName(t.Name))
	}

	// Attributes: resolve prefixes, then refuse duplicates by qualified name and by
	// expanded name (namespace URI + local name).
	p.uris = p.uris[:0]
	for _, a := range t.Attr {
		uri := ""
		switch {
		case a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns"):
			uri = xmlnsNamespace
		case a.Name.Space != "":
			u, ok := p.lookup(a.Name.Space)
			if !ok {
				return malformed("undeclared prefix %q on attribute %q", a.Name.Space, refQName(a.Name))
			}
			uri = u
		}
		p.uris = append(p.uris, uri)
	}
	for i := 1; i < len(t.Attr); i++ {
		ai := t.Attr[i].Name
		for j := 0; j < i; j++ {
			aj := t.Attr[j].Name
			if ai.Local != aj.Local {
				continue
			}
			if ai.Space == aj.Space || (ai.Space != "" && aj.Space != "" && p.uris[i] == p.uris[j]) {
				return fault.New(fault.XMLDuplicateAttr, "element <%s> repeats attribute %q", refQName(t.Name), refQName(ai))
			}
		}
	}

	if needsNorm {
		if err := refNormalizeAttrs(p.data[start:p.dec.InputOffset()], t.Attr); err != nil {
			return err
		}
	}

	el := parent.CreateElement(t.Name.Local)
	el.Space = t.Name.Space
	if len(t.Attr) > 0 {
		el.Attr = make([]etree.Attr, 0, len(t.Attr))
	}
	for _, a := range t.Attr {
		key := a.Name.Local
		if a.Name.Space != "" {
			key = a.Name.Space + ":" + key
		}
		el.CreateAttr(key, a.Value)
	}
	p.stack = append(p.stack, el)
	return nil
}

// refNormalizeAttrs recomputes the values of attrs from the raw start tag raw, applying the
// attribute-value normalization of XML 1.0 §3.3.3 for CDATA attributes: every literal
// white-space character (a line end counting as one) becomes a space, while characters
// written as references are kept. encoding/xml does not distinguish the two.
func refNormalizeAttrs(raw []byte, attrs []xml.Attr) error {
	i := 1 // after '<'
	for i < len(raw) && !refIsWS(raw[i]) && raw[i] != '>' && raw[i] != '/' {
		i++
	}
	for n := range attrs {
		for i < len(raw) && refIsWS(raw[i]) {
			i++
		}
		for i < len(raw) && raw[i] != '=' && !refIsWS(raw[i]) {
			i++
		}
		for i < len(raw) && (refIsWS(raw[i]) || raw[i] == '=') {
			i++
		}
		if i >= len(raw) || (raw[i] != '"' && raw[i] != '\'') {
			return malformed("cannot read attribute %q", refQName(attrs[n].Name))
		}
		q := raw[i]
		i++
		end := bytes.IndexByte(raw[i:], q)
		if end < 0 {
			return malformed("unterminated attribute %q", refQName(attrs[n].Name))
		}
		v, err := refNormalizeValue(raw[i : i+end])
		if err != nil {
			return err
		}
		attrs[n].Value = v
		i += end + 1
	}
	return nil
}

func refIsWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

var refNamedRefs = map[string]string{"lt": "<", "gt": ">", "amp": "&", "apos": "'", "quot": `"`}

func refNormalizeValue(raw []byte) (string, error) {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '\r':
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			b.WriteByte(' ')
		case '\n', '\t':
			b.WriteByte(' ')
		case '&':
			end := bytes.IndexByte(raw[i:], ';')
			if end < 0 {
				return "", malformed("unterminated reference in attribute value")
			}
			name := string(raw[i+1 : i+end])
			i += end
			if r, ok := refNamedRefs[name]; ok {
				b.WriteString(r)
				continue
			}
			if len(name) < 2 || name[0] != '#' {
				return "", malformed("unknown entity &%s;", name)
			}
			var s string
			if err := xml.Unmarshal([]byte("<a>&"+name+";</a>"), &s); err != nil {
				return "", fault.Wrap(fault.XMLMalformed, err, "bad character reference &%s;", name)
			}
			b.WriteString(s)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
