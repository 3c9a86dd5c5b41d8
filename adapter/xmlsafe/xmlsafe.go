// Package xmlsafe parses untrusted XML into an etree document in a single pass, refusing
// input that is dangerous or ambiguous for a signature layer.
//
// Parse refuses, each with its own fault code:
//
//   - any DOCTYPE, ENTITY or other <!...> directive (fault.XMLDoctype): entities are never
//     expanded, and a DTD could redefine attribute types or default values behind a
//     signature's back;
//   - an element carrying the same attribute twice, by qualified name or by namespace URI and
//     local name after prefix resolution (fault.XMLDuplicateAttr);
//   - input larger than Limits.MaxBytes (fault.XMLTooLarge), nested deeper than
//     Limits.MaxDepth (fault.XMLTooDeep), or with more than Limits.MaxElements elements or
//     more than Limits.MaxAttrs attributes on one element (fault.XMLTooMany);
//   - anything not well-formed, including trailing garbage, several root elements, text
//     outside the root, mismatched end tags, undeclared namespace prefixes and encodings
//     other than UTF-8 (fault.XMLMalformed).
//
// A leading UTF-8 byte order mark is tolerated. Attribute values are normalized as the XML
// specification requires (literal tab, carriage return and line feed become spaces; those
// written as character references are kept), so that canonical forms computed over the tree
// agree with those of libxml2 and Apache Santuario.
package xmlsafe

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
)

// Limits bounds the resources that one document may claim. A zero or negative field takes
// the value of the same field of DefaultLimits.
type Limits struct {
	MaxBytes    int // input size in bytes, the byte order mark included
	MaxDepth    int // element nesting; the root element is at depth 1
	MaxElements int // elements in the whole document
	MaxAttrs    int // attributes on one element, namespace declarations included
}

// DefaultLimits suit ШЭП messages: 16 MiB, depth 64, 500 000 elements, 64 attributes per
// element.
var DefaultLimits = Limits{
	MaxBytes:    16 << 20,
	MaxDepth:    64,
	MaxElements: 500_000,
	MaxAttrs:    64,
}

// XMLNamespace is the namespace bound by definition to the prefix "xml".
const XMLNamespace = "http://www.w3.org/XML/1998/namespace"

const xmlnsNamespace = "http://www.w3.org/2000/xmlns/"

var bom = []byte{0xEF, 0xBB, 0xBF}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultLimits.MaxElements
	}
	if l.MaxAttrs <= 0 {
		l.MaxAttrs = DefaultLimits.MaxAttrs
	}
	return l
}

// binding is one namespace declaration in scope.
type binding struct{ prefix, uri string }

// parser holds the state of one Parse call.
type parser struct {
	data  []byte // input without the byte order mark
	lim   Limits
	dec   *xml.Decoder
	doc   *etree.Document
	stack []*etree.Element // open elements; stack[0] is the document
	ns    []binding        // namespace declarations in scope, innermost last
	marks []int            // len(ns) at each open element
	uris  []string         // scratch: namespace URI of each attribute of the current element
	elems int
	roots int
}

// Parse parses data into an etree document under the given limits. Every error it returns
// is a *fault.Error with one of the XML_* codes.
//
// The document's elements and attributes keep their prefixes (etree's Space fields) exactly
// as written, and every prefix used is declared.
func Parse(data []byte, lim Limits) (*etree.Document, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return nil, fault.New(fault.XMLTooLarge, "document has %d bytes, the limit is %d", len(data), lim.MaxBytes)
	}
	data = bytes.TrimPrefix(data, bom)
	p := &parser{data: data, lim: lim, doc: etree.NewDocument()}
	p.dec = xml.NewDecoder(bytes.NewReader(data))
	p.dec.Strict = true
	p.stack = append(make([]*etree.Element, 0, 32), &p.doc.Element)
	p.ns = make([]binding, 0, 16)
	p.marks = make([]int, 0, 32)
	if err := p.run(); err != nil {
		return nil, err
	}
	return p.doc, nil
}

func malformed(format string, args ...any) error {
	return fault.New(fault.XMLMalformed, format, args...)
}

func (p *parser) run() error {
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
				return malformed("end tag </%s> without a start tag", qname(t.Name))
			}
			if top.Space != t.Name.Space || top.Tag != t.Name.Local {
				return malformed("end tag </%s> does not match <%s>", qname(t.Name), top.FullTag())
			}
			p.stack = p.stack[:len(p.stack)-1]
			p.ns = p.ns[:p.marks[len(p.marks)-1]]
			p.marks = p.marks[:len(p.marks)-1]
		case xml.CharData:
			if len(p.stack) == 1 {
				if !isSpace(t) {
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

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func badName(n xml.Name) bool {
	return n.Local == "" || strings.IndexByte(n.Local, ':') >= 0
}

func (p *parser) lookup(prefix string) (string, bool) {
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

func (p *parser) startElement(t xml.StartElement, parent *etree.Element, start int64) error {
	depth := len(p.stack) // the new element's depth
	if depth > p.lim.MaxDepth {
		return fault.New(fault.XMLTooDeep, "element <%s> is at depth %d, the limit is %d", qname(t.Name), depth, p.lim.MaxDepth)
	}
	p.elems++
	if p.elems > p.lim.MaxElements {
		return fault.New(fault.XMLTooMany, "more than %d elements", p.lim.MaxElements)
	}
	if len(t.Attr) > p.lim.MaxAttrs {
		return fault.New(fault.XMLTooMany, "element <%s> has %d attributes, the limit is %d", qname(t.Name), len(t.Attr), p.lim.MaxAttrs)
	}
	if depth == 1 {
		p.roots++
		if p.roots > 1 {
			return malformed("more than one root element")
		}
	}
	if badName(t.Name) || t.Name.Space == "xmlns" {
		return malformed("bad element name %q", qname(t.Name))
	}

	// Namespace declarations first: they are in scope for the element's own name and
	// attributes.
	p.marks = append(p.marks, len(p.ns))
	needsNorm := false
	for _, a := range t.Attr {
		if badName(a.Name) {
			return malformed("bad attribute name %q on <%s>", qname(a.Name), qname(t.Name))
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
			p.ns = append(p.ns, binding{prefix, a.Value})
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			if a.Value == XMLNamespace || a.Value == xmlnsNamespace {
				return malformed("reserved namespace %q as default", a.Value)
			}
			p.ns = append(p.ns, binding{"", a.Value})
		}
	}
	if _, ok := p.lookup(t.Name.Space); !ok {
		return malformed("undeclared prefix %q on <%s>", t.Name.Space, qname(t.Name))
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
				return malformed("undeclared prefix %q on attribute %q", a.Name.Space, qname(a.Name))
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
				return fault.New(fault.XMLDuplicateAttr, "element <%s> repeats attribute %q", qname(t.Name), qname(ai))
			}
		}
	}

	if needsNorm {
		if err := normalizeAttrs(p.data[start:p.dec.InputOffset()], t.Attr); err != nil {
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

// normalizeAttrs recomputes the values of attrs from the raw start tag raw, applying the
// attribute-value normalization of XML 1.0 §3.3.3 for CDATA attributes: every literal
// white-space character (a line end counting as one) becomes a space, while characters
// written as references are kept. encoding/xml does not distinguish the two.
func normalizeAttrs(raw []byte, attrs []xml.Attr) error {
	i := 1 // after '<'
	for i < len(raw) && !isWS(raw[i]) && raw[i] != '>' && raw[i] != '/' {
		i++
	}
	for n := range attrs {
		for i < len(raw) && isWS(raw[i]) {
			i++
		}
		for i < len(raw) && raw[i] != '=' && !isWS(raw[i]) {
			i++
		}
		for i < len(raw) && (isWS(raw[i]) || raw[i] == '=') {
			i++
		}
		if i >= len(raw) || (raw[i] != '"' && raw[i] != '\'') {
			return malformed("cannot read attribute %q", qname(attrs[n].Name))
		}
		q := raw[i]
		i++
		end := bytes.IndexByte(raw[i:], q)
		if end < 0 {
			return malformed("unterminated attribute %q", qname(attrs[n].Name))
		}
		v, err := normalizeValue(raw[i : i+end])
		if err != nil {
			return err
		}
		attrs[n].Value = v
		i += end + 1
	}
	return nil
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

var namedRefs = map[string]string{"lt": "<", "gt": ">", "amp": "&", "apos": "'", "quot": `"`}

func normalizeValue(raw []byte) (string, error) {
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
			if r, ok := namedRefs[name]; ok {
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
