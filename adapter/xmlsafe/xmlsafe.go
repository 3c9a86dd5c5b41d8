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
//
// # Implementation
//
// Parse scans the bytes itself instead of going through encoding/xml, which it replaced
// for speed (encoding/xml reads byte by byte through an interface and allocates every name
// and token; it was 80-90% of the cost of verifying a large message). The scanner accepts
// and refuses exactly what the former encoding/xml-based implementation did, with the same
// fault codes, and builds the same tree: character data with line ends normalized to LF
// and references resolved, one CharData per text run and per CDATA section (CDATA sections
// become plain text), comments and processing instructions kept, prefixes kept as written.
// The differential tests in this package (diff_test.go) hold it to that, against the
// former implementation kept in reference_test.go.
//
// The strings of the returned tree (names, attribute values, text) share one copy of the
// input where they need no decoding, and the tree's nodes are allocated in blocks: a
// caller that keeps a small part of a large document alive keeps the whole of it.
package xmlsafe

import (
	"bytes"
	"strings"
	"unicode/utf8"

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

// attr is one attribute of the start tag being read.
type attr struct {
	qname string // as written, prefix included: the key given to etree
	space string // prefix, "" if none
	local string // local name
	value string // normalized value
	uri   string // namespace URI, once resolved
}

// parser holds the state of one Parse call.
type parser struct {
	src   string // the input without the byte order mark
	pos   int    // offset in src of the next token
	lim   Limits
	doc   *etree.Document
	stack []*etree.Element // open elements; stack[0] is the document
	ns    []binding        // namespace declarations in scope, innermost last
	marks []int            // len(ns) at each open element
	attrs []attr           // scratch: attributes of the current start tag
	buf   []byte           // scratch: decoded text or attribute value
	elems int
	roots int

	// The children of an open element are gathered in kids and given to it, in one slice
	// of the right size, when it closes; kidMarks[i] is where those of stack[i] start.
	kids     []etree.Token
	kidMarks []int

	// Blocks from which elements, text nodes, attribute and child slices are taken. The
	// slices are cut with their capacity equal to their length, so that appending to one
	// of them (etree's CreateAttr, AddChild) reallocates it instead of overwriting the next.
	elemBlock  []etree.Element
	textBlock  []etree.CharData
	attrBlock  []etree.Attr
	childBlock []etree.Token
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
	p := &parser{src: string(data), lim: lim, doc: etree.NewDocument()}
	p.stack = append(make([]*etree.Element, 0, 32), &p.doc.Element)
	p.ns = make([]binding, 0, 16)
	p.marks = make([]int, 0, 32)
	p.kids = make([]etree.Token, 0, 64)
	p.kidMarks = append(make([]int, 0, 32), 0)
	if err := p.run(); err != nil {
		return nil, err
	}
	return p.doc, nil
}

// malformed returns an XMLMalformed fault.
func malformed(format string, args ...any) error {
	return fault.New(fault.XMLMalformed, format, args...)
}

// syntax reports a well-formedness error found at offset i of the input.
func (p *parser) syntax(i int, msg string) error {
	i = min(i, len(p.src))
	return malformed("%s (line %d, byte %d)", msg, 1+strings.Count(p.src[:i], "\n"), i)
}

// eof reports input that ends inside a token.
func (p *parser) eof() error {
	return p.syntax(len(p.src), "unexpected end of input")
}

// run reads the tokens of the document one after the other until the end of the input
// or the first fault.
func (p *parser) run() error {
	s := p.src
	first := true
	for p.pos < len(s) {
		isFirst := first
		first = false
		if s[p.pos] != '<' {
			text, err := p.charData()
			if err != nil {
				return err
			}
			if err := p.text(text); err != nil {
				return err
			}
			continue
		}
		if p.pos+1 >= len(s) {
			return p.eof()
		}
		var err error
		switch s[p.pos+1] {
		case '/':
			err = p.endTag()
		case '?':
			err = p.procInst(isFirst)
		case '!':
			err = p.bang()
		default:
			err = p.startTag()
		}
		if err != nil {
			return err
		}
	}
	if len(p.stack) != 1 {
		return malformed("unexpected end of document inside <%s>", p.stack[len(p.stack)-1].FullTag())
	}
	if p.roots == 0 {
		return malformed("document has no root element")
	}
	p.adopt(&p.doc.Element)
	return nil
}

// text adds a text node (character data or a CDATA section) to the open element.
func (p *parser) text(text string) error {
	if len(p.stack) == 1 && !isSpace(text) {
		return malformed("text outside the root element")
	}
	if len(p.textBlock) == 0 {
		p.textBlock = make([]etree.CharData, blockSize(p.elems))
	}
	t := &p.textBlock[0]
	p.textBlock = p.textBlock[1:]
	t.Data = text
	p.kids = append(p.kids, t)
	return nil
}

// blockSize is the number of nodes to allocate at once once n elements have been read.
func blockSize(n int) int {
	return min(max(n, 16), 1024)
}

// adopt gives the open element e the children gathered since it opened.
func (p *parser) adopt(e *etree.Element) {
	m := p.kidMarks[len(p.kidMarks)-1]
	p.kidMarks = p.kidMarks[:len(p.kidMarks)-1]
	kids := p.kids[m:]
	if n := len(kids); n > 0 {
		if len(p.childBlock) < n {
			p.childBlock = make([]etree.Token, max(n, 4*blockSize(p.elems)))
		}
		e.Child = p.childBlock[:0:n]
		p.childBlock = p.childBlock[n:]
		for _, k := range kids {
			e.AddChild(k)
		}
		clear(kids)
	}
	p.kids = p.kids[:m]
}

// isSpace reports whether s is only XML white space (possibly nothing).
func isSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// skipSpace returns the offset of the first byte from i on that is not XML white space.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// nameEnd returns the end of the run of name bytes that starts at i: ASCII name
// characters and every byte from 0x80 up, whose validity validName checks.
func nameEnd(s string, i int) int {
	for i < len(s) && (s[i] >= utf8.RuneSelf || isNameByte(s[i])) {
		i++
	}
	return i
}

// nsname reads the name, possibly prefixed, that starts at i. As in encoding/xml, a name
// must be followed by at least one byte, and a name with a colon at either end is
// returned whole as the local name (the caller refuses it).
func (p *parser) nsname(i int) (qn, space, local string, end int, ok bool) {
	s := p.src
	end = nameEnd(s, i)
	if end == i || end >= len(s) {
		return "", "", "", end, false
	}
	qn = s[i:end]
	if !validName(qn) {
		return "", "", "", end, false
	}
	colon := strings.IndexByte(qn, ':')
	switch {
	case colon < 0:
		return qn, "", qn, end, true
	case strings.IndexByte(qn[colon+1:], ':') >= 0:
		return "", "", "", end, false
	case colon == 0 || colon == len(qn)-1:
		return qn, "", qn, end, true
	}
	return qn, qn[:colon], qn[colon+1:], end, true
}

// badName reports a local name that nsname returned whole because of a colon at an end.
func badName(local string) bool {
	return local == "" || strings.IndexByte(local, ':') >= 0
}

// qname writes a prefixed name back, for messages.
func qname(space, local string) string {
	if space == "" {
		return local
	}
	return space + ":" + local
}

// lookup returns the namespace URI bound to prefix in the current scope, and false if an
// explicit prefix is not bound.
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

// startTag reads the start tag at p.pos, then checks and adds its element.
func (p *parser) startTag() error {
	s := p.src
	_, space, local, i, ok := p.nsname(p.pos + 1)
	if !ok {
		return p.syntax(i, "expected element name after <")
	}
	attrs := p.attrs[:0]
	empty := false
	for {
		i = skipSpace(s, i)
		if i >= len(s) {
			return p.eof()
		}
		if c := s[i]; c == '/' {
			if i+1 >= len(s) {
				return p.eof()
			}
			if s[i+1] != '>' {
				return p.syntax(i, "expected /> in element")
			}
			i += 2
			empty = true
			break
		} else if c == '>' {
			i++
			break
		}
		aqn, aspace, alocal, j, ok := p.nsname(i)
		if !ok {
			return p.syntax(j, "expected attribute name in element")
		}
		j = skipSpace(s, j)
		if j >= len(s) {
			return p.eof()
		}
		if s[j] != '=' {
			return p.syntax(j, "attribute name without = in element")
		}
		j = skipSpace(s, j+1)
		if j >= len(s) {
			return p.eof()
		}
		if q := s[j]; q != '"' && q != '\'' {
			return p.syntax(j, "unquoted or missing attribute value in element")
		}
		value, end, err := p.attrValue(j+1, s[j])
		if err != nil {
			return err
		}
		i = end
		attrs = append(attrs, attr{qname: aqn, space: aspace, local: alocal, value: value})
	}
	p.attrs = attrs
	p.pos = i
	return p.startElement(space, local, attrs, empty)
}

// startElement checks an element whose start tag has been read, in the order of the
// former implementation so that an input with several faults gets the same code, and adds
// it to the tree.
func (p *parser) startElement(space, local string, attrs []attr, empty bool) error {
	depth := len(p.stack) // the new element's depth
	if depth > p.lim.MaxDepth {
		return fault.New(fault.XMLTooDeep, "element <%s> is at depth %d, the limit is %d", qname(space, local), depth, p.lim.MaxDepth)
	}
	p.elems++
	if p.elems > p.lim.MaxElements {
		return fault.New(fault.XMLTooMany, "more than %d elements", p.lim.MaxElements)
	}
	if len(attrs) > p.lim.MaxAttrs {
		return fault.New(fault.XMLTooMany, "element <%s> has %d attributes, the limit is %d", qname(space, local), len(attrs), p.lim.MaxAttrs)
	}
	if depth == 1 {
		p.roots++
		if p.roots > 1 {
			return malformed("more than one root element")
		}
	}
	if badName(local) || space == "xmlns" {
		return malformed("bad element name %q", qname(space, local))
	}

	// Namespace declarations first: they are in scope for the element's own name and
	// attributes.
	p.marks = append(p.marks, len(p.ns))
	for k := range attrs {
		a := &attrs[k]
		if badName(a.local) {
			return malformed("bad attribute name %q on <%s>", a.qname, qname(space, local))
		}
		switch {
		case a.space == "xmlns":
			prefix := a.local
			switch {
			case prefix == "xmlns":
				return malformed("the prefix xmlns cannot be declared")
			case prefix == "xml" && a.value != XMLNamespace:
				return malformed("the prefix xml cannot be rebound")
			case prefix != "xml" && a.value == XMLNamespace, a.value == xmlnsNamespace:
				return malformed("reserved namespace %q bound to %q", a.value, prefix)
			case a.value == "":
				return malformed("prefix %q undeclared (not allowed in XML 1.0)", prefix)
			}
			p.ns = append(p.ns, binding{prefix, a.value})
		case a.space == "" && a.local == "xmlns":
			if a.value == XMLNamespace || a.value == xmlnsNamespace {
				return malformed("reserved namespace %q as default", a.value)
			}
			p.ns = append(p.ns, binding{"", a.value})
		}
	}
	if _, ok := p.lookup(space); !ok {
		return malformed("undeclared prefix %q on <%s>", space, qname(space, local))
	}

	// Attributes: resolve prefixes, then refuse duplicates by qualified name and by
	// expanded name (namespace URI + local name).
	for k := range attrs {
		a := &attrs[k]
		switch {
		case a.space == "xmlns" || (a.space == "" && a.local == "xmlns"):
			a.uri = xmlnsNamespace
		case a.space != "":
			u, ok := p.lookup(a.space)
			if !ok {
				return malformed("undeclared prefix %q on attribute %q", a.space, a.qname)
			}
			a.uri = u
		default:
			a.uri = ""
		}
	}
	for i := 1; i < len(attrs); i++ {
		ai := &attrs[i]
		for j := 0; j < i; j++ {
			aj := &attrs[j]
			if ai.local != aj.local {
				continue
			}
			if ai.space == aj.space || (ai.space != "" && aj.space != "" && ai.uri == aj.uri) {
				return fault.New(fault.XMLDuplicateAttr, "element <%s> repeats attribute %q", qname(space, local), ai.qname)
			}
		}
	}

	// The element, as etree's CreateElement and CreateAttr would make it.
	if len(p.elemBlock) == 0 {
		p.elemBlock = make([]etree.Element, blockSize(p.elems))
	}
	el := &p.elemBlock[0]
	p.elemBlock = p.elemBlock[1:]
	el.Space, el.Tag = space, local
	el.Child = noChildren
	if n := len(attrs); n > 0 {
		if len(p.attrBlock) < n {
			p.attrBlock = make([]etree.Attr, max(n, 4*blockSize(p.elems)))
		}
		el.Attr = p.attrBlock[:0:n]
		p.attrBlock = p.attrBlock[n:]
		for k := range attrs {
			el.CreateAttr(attrs[k].qname, attrs[k].value)
		}
	} else {
		el.Attr = noAttrs
	}
	p.kids = append(p.kids, el)
	p.stack = append(p.stack, el)
	p.kidMarks = append(p.kidMarks, len(p.kids))
	if empty {
		p.pop()
	}
	return nil
}

// noChildren and noAttrs are the empty, non-nil slices that etree gives a new element;
// having no capacity, they are never written to.
var (
	noChildren = make([]etree.Token, 0)
	noAttrs    = make([]etree.Attr, 0)
)

// pop closes the innermost open element.
func (p *parser) pop() {
	p.adopt(p.stack[len(p.stack)-1])
	p.stack = p.stack[:len(p.stack)-1]
	p.ns = p.ns[:p.marks[len(p.marks)-1]]
	p.marks = p.marks[:len(p.marks)-1]
}

// endTag reads the end tag at p.pos and closes the element it ends.
func (p *parser) endTag() error {
	s := p.src
	if i, ok := p.endsTop(p.pos + 2); ok {
		// The usual case: the name of the open element, followed by a byte that
		// cannot continue a name; nsname would return just that.
		i = skipSpace(s, i)
		if i < len(s) && s[i] == '>' {
			p.pos = i + 1
			p.pop()
			return nil
		}
	}
	_, space, local, i, ok := p.nsname(p.pos + 2)
	if !ok {
		return p.syntax(i, "expected element name after </")
	}
	i = skipSpace(s, i)
	if i >= len(s) {
		return p.eof()
	}
	if s[i] != '>' {
		return p.syntax(i, "invalid characters in end tag")
	}
	p.pos = i + 1
	if len(p.stack) == 1 {
		return malformed("end tag </%s> without a start tag", qname(space, local))
	}
	top := p.stack[len(p.stack)-1]
	if top.Space != space || top.Tag != local {
		return malformed("end tag </%s> does not match <%s>", qname(space, local), top.FullTag())
	}
	p.pop()
	return nil
}

// endsTop reports whether the name of the innermost open element is written at i, and
// followed by a byte that cannot continue a name; if so it returns the offset after it.
func (p *parser) endsTop(i int) (int, bool) {
	if len(p.stack) == 1 {
		return i, false
	}
	s := p.src
	top := p.stack[len(p.stack)-1]
	if top.Space != "" {
		if !strings.HasPrefix(s[i:], top.Space) || i+len(top.Space) >= len(s) || s[i+len(top.Space)] != ':' {
			return i, false
		}
		i += len(top.Space) + 1
	}
	if !strings.HasPrefix(s[i:], top.Tag) {
		return i, false
	}
	i += len(top.Tag)
	if i >= len(s) || s[i] >= utf8.RuneSelf || isNameByte(s[i]) {
		return i, false
	}
	return i, true
}

// procInst reads the processing instruction at p.pos; first tells whether it is the first
// token of the document, the only place for the XML declaration.
func (p *parser) procInst(first bool) error {
	s := p.src
	i := p.pos + 2
	j := nameEnd(s, i)
	if j == i || j >= len(s) {
		return p.syntax(j, "expected target name after <?")
	}
	target := s[i:j]
	if !validName(target) {
		return p.syntax(i, "invalid XML name")
	}
	j = skipSpace(s, j)
	k := strings.Index(s[j:], "?>")
	if k < 0 {
		return p.eof()
	}
	inst := s[j : j+k]
	p.pos = j + k + 2
	if target == "xml" {
		if v := declParam("version", inst); v != "" && v != "1.0" {
			return malformed("unsupported XML version %q", v)
		}
		if enc := declParam("encoding", inst); enc != "" && !strings.EqualFold(enc, "utf-8") {
			return malformed("unsupported encoding %q, only UTF-8 is accepted", enc)
		}
	}
	if strings.EqualFold(target, "xml") && (!first || target != "xml") {
		return malformed("misplaced XML declaration")
	}
	p.kids = append(p.kids, etree.NewProcInst(target, inst))
	return nil
}

// declParam returns the value of the pseudo-attribute param in the XML declaration s, or
// "" if there is none; like encoding/xml's procInst, which it copies, it takes the first
// `param=` followed by a quote.
func declParam(param, s string) string {
	param = param + "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// bang reads the comment, CDATA section or directive at p.pos.
func (p *parser) bang() error {
	s := p.src
	i := p.pos + 2
	if i >= len(s) {
		return p.eof()
	}
	switch s[i] {
	case '-':
		if i+1 >= len(s) {
			return p.eof()
		}
		if s[i+1] != '-' {
			return p.syntax(i, "invalid sequence <!- not part of <!--")
		}
		j := i + 2
		k := strings.Index(s[j:], "--")
		if k < 0 || j+k+2 >= len(s) {
			return p.eof()
		}
		if s[j+k+2] != '>' {
			return p.syntax(j+k, `invalid sequence "--" not allowed in comments`)
		}
		p.pos = j + k + 3
		p.kids = append(p.kids, etree.NewComment(s[j:j+k]))
		return nil
	case '[':
		j := i + 1
		for n := 0; n < len("CDATA["); n++ {
			if j+n >= len(s) {
				return p.eof()
			}
			if s[j+n] != "CDATA["[n] {
				return p.syntax(j+n, "invalid <![ sequence")
			}
		}
		j += len("CDATA[")
		k := strings.Index(s[j:], "]]>")
		if k < 0 {
			return p.syntax(len(s), "unexpected end of input in CDATA section")
		}
		text, err := p.cdata(j, j+k)
		if err != nil {
			return err
		}
		p.pos = j + k + 3
		return p.text(text)
	}
	if !directiveEnds(s, i+1) {
		return p.eof()
	}
	return fault.New(fault.XMLDoctype, "directive <!%.20s...> refused", s[i:])
}

// directiveEnds reports whether the directive whose body continues at i (after "<!" and
// one more byte) is closed before the end of s, following encoding/xml's reading of
// directives: quoted '<' and '>' do not count, unquoted ones nest, and comments inside
// are skipped. A directive is refused either way; this decides only between XMLDoctype
// (closed) and XMLMalformed (not closed), as before.
func directiveEnds(s string, i int) bool {
	var inquote byte
	depth := 0
	for {
		if i >= len(s) {
			return false
		}
		b := s[i]
		i++
		if inquote == 0 && b == '>' && depth == 0 {
			return true
		}
	handle:
		switch {
		case b == inquote:
			inquote = 0
		case inquote != 0:
			// quoted: no special meaning
		case b == '\'' || b == '"':
			inquote = b
		case b == '>':
			depth--
		case b == '<':
			const open = "!--"
			for n := 0; n < len(open); n++ {
				if i >= len(s) {
					return false
				}
				b = s[i]
				i++
				if b != open[n] {
					depth++
					goto handle
				}
			}
			k := strings.Index(s[i:], "-->")
			if k < 0 {
				return false
			}
			i += k + 3
		}
	}
}

// plain marks the ASCII bytes that character data and attribute values may contain as
// they are: printable characters other than '<', '&' and ']', plus tab and line feed.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = true
	}
	t['<'], t['&'], t[']'] = false, false, false
	t['\t'], t['\n'] = true, true
	return t
}()

// runeLen checks the multi-byte character that starts at s[i] (a byte from 0x80 up) and
// returns its length, or 0 if it is not valid UTF-8 or not an XML Char (U+FFFE, U+FFFF;
// surrogates are not valid UTF-8).
func runeLen(s string, i int) int {
	if c := s[i]; c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
		return 2 // U+0080 to U+07FF, all of them Chars
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
		return 0
	}
	return n
}

// badChar reports the character at s[i], which is not allowed where it is.
func (p *parser) badChar(i int) error {
	if s := p.src; s[i] >= utf8.RuneSelf {
		return p.syntax(i, "invalid UTF-8 or illegal character")
	}
	return p.syntax(i, "illegal character code "+strings.ToUpper(hex(p.src[i])))
}

// hex writes the ASCII byte c as U+00XX.
func hex(c byte) string {
	const digits = "0123456789abcdef"
	return "U+00" + string(digits[c>>4]) + string(digits[c&15])
}

// charData reads the text that starts at p.pos and ends before the next '<' or at the end
// of the input, returning it with line ends normalized and references resolved.
func (p *parser) charData() (string, error) {
	s := p.src
	start := p.pos
	i := start
	for i < len(s) {
		c := s[i]
		switch {
		case plain[c]:
			i++
		case c == '<':
			p.pos = i
			return s[start:i], nil
		case c >= utf8.RuneSelf:
			n := runeLen(s, i)
			if n == 0 {
				return "", p.badChar(i)
			}
			i += n
		case c == ']':
			if strings.HasPrefix(s[i:], "]]>") {
				return "", p.syntax(i, "unescaped ]]> not in CDATA section")
			}
			i++
		case c == '&' || c == '\r':
			return p.charDataSlow(start, i)
		default:
			return "", p.badChar(i)
		}
	}
	p.pos = i
	return s[start:], nil
}

// charDataSlow continues charData from i, the first reference or carriage return of the
// text that starts at start, decoding into a new string.
func (p *parser) charDataSlow(start, i int) (string, error) {
	s := p.src
	b := append(p.buf[:0], s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case plain[c]:
			b = append(b, c)
			i++
		case c == '<':
			p.buf = b
			p.pos = i
			return string(b), nil
		case c == '&':
			r, end, ok := ref(s, i)
			if !ok {
				return "", p.syntax(i, "invalid character entity")
			}
			b = utf8.AppendRune(b, r)
			i = end
		case c == '\r':
			b = append(b, '\n')
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case c >= utf8.RuneSelf:
			n := runeLen(s, i)
			if n == 0 {
				return "", p.badChar(i)
			}
			b = append(b, s[i:i+n]...)
			i += n
		case c == ']':
			if strings.HasPrefix(s[i:], "]]>") {
				return "", p.syntax(i, "unescaped ]]> not in CDATA section")
			}
			b = append(b, c)
			i++
		default:
			return "", p.badChar(i)
		}
	}
	p.buf = b
	p.pos = i
	return string(b), nil
}

// cdata checks the content s[start:end] of a CDATA section and returns it with line ends
// normalized.
func (p *parser) cdata(start, end int) (string, error) {
	s := p.src
	cr := false
	for i := start; i < end; {
		c := s[i]
		switch {
		case plain[c] || c == '<' || c == '&' || c == ']':
			i++
		case c >= utf8.RuneSelf:
			n := runeLen(s, i)
			if n == 0 {
				return "", p.badChar(i)
			}
			i += n
		case c == '\r':
			cr = true
			i++
		default:
			return "", p.badChar(i)
		}
	}
	if !cr {
		return s[start:end], nil
	}
	b := p.buf[:0]
	for i := start; i < end; i++ {
		if c := s[i]; c != '\r' {
			b = append(b, c)
			continue
		}
		b = append(b, '\n')
		if i+1 < end && s[i+1] == '\n' {
			i++
		}
	}
	p.buf = b
	return string(b), nil
}

// attrValue reads the attribute value that starts at i and is closed by the quote q,
// returning it normalized (XML 1.0 §3.3.3 for CDATA attributes: every literal white-space
// character, a line end counting as one, becomes a space; references are resolved and
// the characters they stand for kept) and the offset after the closing quote.
func (p *parser) attrValue(i int, q byte) (string, int, error) {
	s := p.src
	start := i
	for i < len(s) {
		c := s[i]
		switch {
		case c == q:
			return s[start:i], i + 1, nil
		case plain[c] && c != '\t' && c != '\n' || c == ']':
			i++
		case c >= utf8.RuneSelf:
			n := runeLen(s, i)
			if n == 0 {
				return "", i, p.badChar(i)
			}
			i += n
		case c == '<':
			return "", i, p.syntax(i, "unescaped < inside quoted string")
		case c == '&' || c == '\t' || c == '\n' || c == '\r':
			return p.attrValueSlow(start, i, q)
		default:
			return "", i, p.badChar(i)
		}
	}
	return "", i, p.eof()
}

// attrValueSlow continues attrValue from i, the first reference or white-space character
// other than a space, decoding into a new string.
func (p *parser) attrValueSlow(start, i int, q byte) (string, int, error) {
	s := p.src
	b := append(p.buf[:0], s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == q:
			p.buf = b
			return string(b), i + 1, nil
		case c == '\t' || c == '\n':
			b = append(b, ' ')
			i++
		case c == '\r':
			b = append(b, ' ')
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case plain[c] || c == ']':
			b = append(b, c)
			i++
		case c >= utf8.RuneSelf:
			n := runeLen(s, i)
			if n == 0 {
				return "", i, p.badChar(i)
			}
			b = append(b, s[i:i+n]...)
			i += n
		case c == '<':
			return "", i, p.syntax(i, "unescaped < inside quoted string")
		case c == '&':
			r, end, ok := ref(s, i)
			if !ok {
				return "", i, p.syntax(i, "invalid character entity")
			}
			b = utf8.AppendRune(b, r)
			i = end
		default:
			return "", i, p.badChar(i)
		}
	}
	return "", i, p.eof()
}

// ref resolves the reference that starts with the '&' at s[i]: one of the five predefined
// entities or a character reference (&#N; or &#xH;, lower-case x only) to an XML Char. It
// returns the character and the offset after the ';'. As in encoding/xml, a reference to
// a surrogate stands for U+FFFD.
func ref(s string, i int) (r rune, end int, ok bool) {
	j := i + 1
	if j < len(s) && s[j] == '#' {
		j++
		base := uint32(10)
		if j < len(s) && s[j] == 'x' {
			base = 16
			j++
		}
		start := j
		var v uint32
		big := false
		for ; j < len(s); j++ {
			d := digit(s[j], base)
			if d >= base {
				break
			}
			if !big {
				v = v*base + d
				big = v > utf8.MaxRune
			}
		}
		if j >= len(s) || s[j] != ';' || j == start || big {
			return 0, 0, false
		}
		r = rune(v)
		if 0xD800 <= r && r <= 0xDFFF {
			r = utf8.RuneError
		}
		if !isChar(r) {
			return 0, 0, false
		}
		return r, j + 1, true
	}
	k := nameEnd(s, j)
	if k >= len(s) || s[k] != ';' {
		return 0, 0, false
	}
	switch s[j:k] {
	case "lt":
		r = '<'
	case "gt":
		r = '>'
	case "amp":
		r = '&'
	case "apos":
		r = '\''
	case "quot":
		r = '"'
	default:
		return 0, 0, false
	}
	return r, k + 1, true
}

// digit returns the value of the digit c in base 10 or 16, or base if c is none.
func digit(c byte, base uint32) uint32 {
	switch {
	case '0' <= c && c <= '9':
		return uint32(c - '0')
	case base == 16 && 'a' <= c && c <= 'f':
		return uint32(c-'a') + 10
	case base == 16 && 'A' <= c && c <= 'F':
		return uint32(c-'A') + 10
	}
	return base
}

// isChar reports whether r is in the Char production of XML 1.0 §2.2.
func isChar(r rune) bool {
	return r == 0x09 ||
		r == 0x0A ||
		r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
