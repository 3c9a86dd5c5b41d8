package resultdoc

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// fpdf writes, for every UTF-8 font, a ToUnicode CMap with the single range
// "<0000> <FFFF> <0000>": the character codes are the Unicode code points (Identity-H over a
// CIDToGIDMap indexed by code point). ISO 32000-1 §9.10.3 wants the two ends of a bfrange to
// differ only in their last byte, and readers that follow it (rsc.io/pdf and its forks)
// decode every Cyrillic letter as a Latin-1 one. fixToUnicode replaces those CMaps by a
// conforming one of 248 ranges <XX00> <XXFF> <XX00> (the surrogate block left out), which
// maps the same codes to the same characters, and rebuilds the cross-reference table.

// fpdfToUnicodeRange is the range that marks fpdf's identity CMap.
const fpdfToUnicodeRange = "1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange"

// conformingToUnicode is the replacement CMap.
var conformingToUnicode = func() string {
	var ranges []string
	for hi := 0; hi <= 0xFF; hi++ {
		if hi >= 0xD8 && hi <= 0xDF {
			continue // UTF-16 surrogates: never a character
		}
		ranges = append(ranges, fmt.Sprintf("<%02X00> <%02XFF> <%02X00>", hi, hi, hi))
	}
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(ranges) > 0 {
		n := min(len(ranges), 100) // at most 100 entries per block
		fmt.Fprintf(&b, "%d beginbfrange\n%s\nendbfrange\n", n, strings.Join(ranges[:n], "\n"))
		ranges = ranges[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")
	return b.String()
}()

// fixToUnicode rewrites fpdf's ToUnicode CMaps in pdf (see above) and its cross-reference
// table. A PDF without them is returned unchanged.
func fixToUnicode(pdf []byte) ([]byte, error) {
	objs, err := scanObjects(pdf)
	if err != nil {
		return nil, fmt.Errorf("resultdoc: re-reading the PDF: %w", err)
	}
	targets := map[int]bool{}
	for _, o := range objs {
		if ref, ok := o.dict()["ToUnicode"].(pdfRef); ok {
			targets[ref.num] = true
		}
	}
	type splice struct {
		start, end int
		text       []byte
	}
	var splices []splice
	for _, o := range objs {
		if !targets[o.num] || !bytes.Contains(o.stream, []byte(fpdfToUnicodeRange)) {
			continue
		}
		if _, compressed := o.dict()["Filter"]; compressed {
			continue
		}
		text := fmt.Sprintf("%d %d obj\n<</Length %d>>\nstream\n%s\nendstream\nendobj",
			o.num, o.gen, len(conformingToUnicode), conformingToUnicode)
		splices = append(splices, splice{o.start, o.end, []byte(text)})
	}
	if len(splices) == 0 {
		return pdf, nil
	}
	xref := bytes.LastIndex(pdf, []byte("\nxref"))
	trailer := bytes.LastIndex(pdf, []byte("trailer"))
	startxref := bytes.LastIndex(pdf, []byte("startxref"))
	if xref < 0 || trailer < xref || startxref < trailer {
		return nil, errors.New("resultdoc: the PDF has no classic cross-reference table")
	}
	xref++ // keep the line feed with the body
	var body bytes.Buffer
	last := 0
	for _, s := range splices {
		if s.end > xref {
			return nil, errors.New("resultdoc: a ToUnicode object after the cross-reference table")
		}
		body.Write(pdf[last:s.start])
		body.Write(s.text)
		last = s.end
	}
	body.Write(pdf[last:xref])
	out := body.Bytes()
	objs, err = scanObjects(out)
	if err != nil {
		return nil, fmt.Errorf("resultdoc: re-reading the rewritten PDF: %w", err)
	}
	offsets := map[int]int{}
	size := 1
	for _, o := range objs {
		offsets[o.num] = o.start
		size = max(size, o.num+1)
	}
	var x bytes.Buffer
	x.Write(out)
	newXref := x.Len()
	fmt.Fprintf(&x, "xref\n0 %d\n0000000000 65535 f \n", size)
	for n := 1; n < size; n++ {
		if off, ok := offsets[n]; ok {
			fmt.Fprintf(&x, "%010d 00000 n \n", off)
		} else {
			x.WriteString("0000000000 65535 f \n")
		}
	}
	x.Write(pdf[trailer:startxref])
	fmt.Fprintf(&x, "startxref\n%d\n%%%%EOF\n", newXref)
	return x.Bytes(), nil
}
