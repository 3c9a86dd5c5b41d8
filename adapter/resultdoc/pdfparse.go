package resultdoc

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// A minimal reader of the PDF objects that Render writes (go-pdf/fpdf output: a classic
// cross-reference table, direct objects, FlateDecode streams). It reads the file front to
// back, object by object, skipping stream data by its /Length, so it needs neither the
// cross-reference table nor the trailer, and never trusts an offset it did not find itself.

type pdfName string

type pdfRef struct{ num, gen int }

type pdfDict map[pdfName]any

// pdfObject is one "N G obj … endobj".
type pdfObject struct {
	num, gen   int
	start, end int // offsets of "N G obj" and just past "endobj"
	value      any // the object's value; a pdfDict for streams
	stream     []byte
}

// dict returns the object's dictionary, or nil.
func (o *pdfObject) dict() pdfDict {
	d, _ := o.value.(pdfDict)
	return d
}

var objHeader = regexp.MustCompile(`(\d{1,10})[ \t\r\n\f]+(\d{1,5})[ \t\r\n\f]+obj\b`)

const maxPDFDepth = 32

// scanObjects reads every indirect object of pdf in file order.
func scanObjects(pdf []byte) ([]pdfObject, error) {
	var objs []pdfObject
	pos := 0
	for {
		loc := objHeader.FindSubmatchIndex(pdf[pos:])
		if loc == nil {
			return objs, nil
		}
		start := pos + loc[0]
		num, _ := strconv.Atoi(string(pdf[pos+loc[2] : pos+loc[3]]))
		gen, _ := strconv.Atoi(string(pdf[pos+loc[4] : pos+loc[5]]))
		p := &parser{b: pdf, pos: pos + loc[1]}
		v, err := p.value(0)
		if err != nil {
			return nil, fmt.Errorf("object %d %d at offset %d: %w", num, gen, start, err)
		}
		obj := pdfObject{num: num, gen: gen, start: start, value: v}
		p.skipSpace()
		if p.keyword("stream") {
			d, ok := v.(pdfDict)
			if !ok {
				return nil, fmt.Errorf("object %d: stream without a dictionary", num)
			}
			// The keyword is followed by CRLF or LF.
			if p.pos < len(pdf) && pdf[p.pos] == '\r' {
				p.pos++
			}
			if p.pos >= len(pdf) || pdf[p.pos] != '\n' {
				return nil, fmt.Errorf("object %d: no end of line after stream", num)
			}
			p.pos++
			data, next, err := streamData(pdf, p.pos, d)
			if err != nil {
				return nil, fmt.Errorf("object %d: %w", num, err)
			}
			obj.stream = data
			p.pos = next
			p.skipSpace()
			if !p.keyword("endstream") {
				return nil, fmt.Errorf("object %d: stream not followed by endstream", num)
			}
			p.skipSpace()
		}
		if !p.keyword("endobj") {
			return nil, fmt.Errorf("object %d %d at offset %d: no endobj", num, gen, start)
		}
		obj.end = p.pos
		objs = append(objs, obj)
		pos = p.pos
	}
}

// streamData returns the data of a stream starting at off, and the offset just after it.
func streamData(pdf []byte, off int, d pdfDict) ([]byte, int, error) {
	if n, ok := d["Length"].(int); ok {
		if n < 0 || off+n > len(pdf) {
			return nil, 0, fmt.Errorf("stream /Length %d runs past the end of the file", n)
		}
		return pdf[off : off+n], off + n, nil
	}
	// An indirect /Length: the data ends at the end of line before "endstream".
	i := bytes.Index(pdf[off:], []byte("endstream"))
	if i < 0 {
		return nil, 0, errors.New("stream without endstream")
	}
	end := off + i
	if end > off && pdf[end-1] == '\n' {
		end--
	}
	if end > off && pdf[end-1] == '\r' {
		end--
	}
	return pdf[off:end], off + i, nil
}

// parser reads PDF values (ISO 32000-1 §7.3).
type parser struct {
	b   []byte
	pos int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

func (p *parser) skipSpace() {
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		switch {
		case isSpace(c):
			p.pos++
		case c == '%':
			for p.pos < len(p.b) && p.b[p.pos] != '\n' && p.b[p.pos] != '\r' {
				p.pos++
			}
		default:
			return
		}
	}
}

// keyword consumes kw if it comes next as a whole token.
func (p *parser) keyword(kw string) bool {
	if !bytes.HasPrefix(p.b[p.pos:], []byte(kw)) {
		return false
	}
	end := p.pos + len(kw)
	if end < len(p.b) && !isSpace(p.b[end]) && !isDelim(p.b[end]) {
		return false
	}
	p.pos = end
	return true
}

func (p *parser) value(depth int) (any, error) {
	if depth > maxPDFDepth {
		return nil, errors.New("values nested too deeply")
	}
	p.skipSpace()
	if p.pos >= len(p.b) {
		return nil, errors.New("unexpected end of file")
	}
	switch c := p.b[p.pos]; {
	case c == '<' && p.pos+1 < len(p.b) && p.b[p.pos+1] == '<':
		p.pos += 2
		d := pdfDict{}
		for {
			p.skipSpace()
			if bytes.HasPrefix(p.b[p.pos:], []byte(">>")) {
				p.pos += 2
				return d, nil
			}
			k, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			name, ok := k.(pdfName)
			if !ok {
				return nil, fmt.Errorf("dictionary key %v is not a name", k)
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			d[name] = v
		}
	case c == '[':
		p.pos++
		var a []any
		for {
			p.skipSpace()
			if p.pos < len(p.b) && p.b[p.pos] == ']' {
				p.pos++
				return a, nil
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case c == '/':
		p.pos++
		var name []byte
		for p.pos < len(p.b) && !isSpace(p.b[p.pos]) && !isDelim(p.b[p.pos]) {
			if p.b[p.pos] == '#' && p.pos+2 < len(p.b) {
				if v, err := strconv.ParseUint(string(p.b[p.pos+1:p.pos+3]), 16, 8); err == nil {
					name = append(name, byte(v))
					p.pos += 3
					continue
				}
			}
			name = append(name, p.b[p.pos])
			p.pos++
		}
		return pdfName(name), nil
	case c == '(':
		return p.literal()
	case c == '<':
		end := bytes.IndexByte(p.b[p.pos:], '>')
		if end < 0 {
			return nil, errors.New("unterminated hex string")
		}
		var hex []byte
		for _, h := range p.b[p.pos+1 : p.pos+end] {
			if !isSpace(h) {
				hex = append(hex, h)
			}
		}
		p.pos += end + 1
		if len(hex)%2 == 1 {
			hex = append(hex, '0')
		}
		out := make([]byte, len(hex)/2)
		for i := range out {
			v, err := strconv.ParseUint(string(hex[2*i:2*i+2]), 16, 8)
			if err != nil {
				return nil, fmt.Errorf("bad hex string: %w", err)
			}
			out[i] = byte(v)
		}
		return string(out), nil
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		for _, kw := range []struct {
			s string
			v any
		}{{"true", true}, {"false", false}, {"null", nil}} {
			if p.keyword(kw.s) {
				return kw.v, nil
			}
		}
		return nil, fmt.Errorf("unexpected %q at offset %d", c, p.pos)
	}
}

// number reads a number, or a reference "num gen R".
func (p *parser) number() (any, error) {
	tok := p.token()
	if n, err := strconv.Atoi(tok); err == nil {
		// Look ahead for "gen R".
		save := p.pos
		p.skipSpace()
		gen := p.token()
		if g, err := strconv.Atoi(gen); err == nil && g >= 0 {
			p.skipSpace()
			if p.keyword("R") {
				return pdfRef{num: n, gen: g}, nil
			}
		}
		p.pos = save
		return n, nil
	}
	f, err := strconv.ParseFloat(tok, 64)
	if err != nil {
		return nil, fmt.Errorf("bad number %q", tok)
	}
	return f, nil
}

func (p *parser) token() string {
	start := p.pos
	for p.pos < len(p.b) && !isSpace(p.b[p.pos]) && !isDelim(p.b[p.pos]) {
		p.pos++
	}
	return string(p.b[start:p.pos])
}

// literal reads a (string) with nested parentheses and escapes.
func (p *parser) literal() (any, error) {
	p.pos++ // (
	var out []byte
	depth := 1
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		p.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return string(out), nil
			}
		case '\\':
			if p.pos >= len(p.b) {
				return nil, errors.New("unterminated string")
			}
			e := p.b[p.pos]
			p.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if p.pos < len(p.b) && p.b[p.pos] == '\n' {
					p.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && p.pos < len(p.b) && p.b[p.pos] >= '0' && p.b[p.pos] <= '7'; k++ {
						v = v*8 + int(p.b[p.pos]-'0')
						p.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return nil, errors.New("unterminated string")
}
