package xmlsafe

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
)

// The differential tests hold Parse to refParse, the former encoding/xml implementation
// kept in reference_test.go: for every input both must fail with the same fault code, or
// both succeed with trees that dump identically (dumpTree) and serialize identically.

// fuzzLimits are the limits of the fuzz targets: small enough for the limits to be hit.
var fuzzLimits = Limits{MaxBytes: 4096, MaxDepth: 8, MaxElements: 64, MaxAttrs: 8}

// dumpTree describes doc token by token: every field etree exposes (prefix, tag, attribute
// keys and values in order, namespace URIs as etree resolves them, text with its CDATA and
// white-space flags, comments, processing instructions), and checks the parent and index
// links. Two trees with the same dump are the same to every etree reader and to the
// canonicalizer of adapter/wssec.
func dumpTree(t testing.TB, doc *etree.Document) string {
	var b strings.Builder
	var walk func(e *etree.Element, depth int)
	walk = func(e *etree.Element, depth int) {
		ind := strings.Repeat("  ", depth)
		if e.Child == nil || e.Attr == nil {
			fmt.Fprintf(&b, "%snil Child or Attr slice (%v, %v)\n", ind, e.Child == nil, e.Attr == nil)
		}
		for i, tok := range e.Child {
			if tok.Parent() != e || tok.Index() != i {
				t.Errorf("token %d of <%s>: parent %p (want %p), index %d", i, e.FullTag(), tok.Parent(), e, tok.Index())
			}
			switch tok := tok.(type) {
			case *etree.Element:
				fmt.Fprintf(&b, "%sE %q %q ns=%q\n", ind, tok.Space, tok.Tag, tok.NamespaceURI())
				for j := range tok.Attr {
					a := &tok.Attr[j]
					if a.Element() != tok {
						t.Errorf("attribute %s of <%s> has element %p", a.FullKey(), tok.FullTag(), a.Element())
					}
					fmt.Fprintf(&b, "%s  @ %q %q = %q ns=%q\n", ind, a.Space, a.Key, a.Value, a.NamespaceURI())
				}
				walk(tok, depth+1)
				fmt.Fprintf(&b, "%s/E\n", ind)
			case *etree.CharData:
				fmt.Fprintf(&b, "%sT %q cdata=%v ws=%v\n", ind, tok.Data, tok.IsCData(), tok.IsWhitespace())
			case *etree.Comment:
				fmt.Fprintf(&b, "%sC %q\n", ind, tok.Data)
			case *etree.ProcInst:
				fmt.Fprintf(&b, "%sP %q %q\n", ind, tok.Target, tok.Inst)
			case *etree.Directive:
				fmt.Fprintf(&b, "%sD %q\n", ind, tok.Data)
			default:
				fmt.Fprintf(&b, "%s? %T\n", ind, tok)
			}
		}
	}
	walk(&doc.Element, 0)
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Errorf("write: %v", err)
	}
	fmt.Fprintf(&b, "serialized: %q\n", out)
	return b.String()
}

// errCode returns the fault code of err, "" for nil, and fails t if err is not a known
// *fault.Error.
func errCode(t testing.TB, who string, err error) fault.Code {
	if err == nil {
		return ""
	}
	var fe *fault.Error
	if !errors.As(err, &fe) || !fault.Known(fe.Code) {
		t.Fatalf("%s: error %v (%T) is not a known *fault.Error", who, err, err)
	}
	return fe.Code
}

// compare parses data with both implementations under lim and fails t on any difference.
func compare(t testing.TB, data []byte, lim Limits) {
	t.Helper()
	ref, refErr := refParse(data, lim)
	got, gotErr := Parse(data, lim)
	refCode, gotCode := errCode(t, "refParse", refErr), errCode(t, "Parse", gotErr)
	if refCode != gotCode {
		t.Fatalf("input %q (limits %+v):\n Parse: %v\n   ref: %v", clip(data), lim, gotErr, refErr)
	}
	if refErr != nil {
		return
	}
	if r, g := dumpTree(t, ref), dumpTree(t, got); r != g {
		t.Fatalf("input %q (limits %+v): trees differ\n Parse:\n%s\n   ref:\n%s", clip(data), lim, g, r)
	}
}

// clip shortens an input for a failure message.
func clip(data []byte) []byte {
	if len(data) > 600 {
		return append(data[:600:600], "..."...)
	}
	return data
}

// craftedCases aim at every rule of the scanner and at the quirks of encoding/xml that
// the former implementation inherited and Parse keeps.
var craftedCases = []string{
	// Structure.
	`<a/>`, `<a></a>`, `<a><b/><c></c></a>`, `<a>t<b>u</b>v</a>`, ``, ` `, `<`, `<a`, `<a `, `<a/`,
	`<a/ >`, `<a / >`, `< a/>`, `<a >`, `<a></a >`, "<a></a\n\t>", `<a></ a>`, `<a></a b>`,
	`<a></a`, `<a></`, `</a>`, `<a/></a>`, `<a/><b/>`, `<a/>x`, `x<a/>`, `<a>`, `<a><b></a>`,
	`<a></b>`, `<a><b></b>`, "<a/>\n", "\n<a/>\n\t\r\n ", `<a/><!--c--><?p?>`, `<a/>&#32;`,
	`&#x20;<a/>`, `<a/>&#xA0;`, `<a/>&amp;`, `<![CDATA[ ]]><a/>`, `<a/><![CDATA[x]]>`,
	`<a/><![CDATA[]]>`, "<a/>\r\n", `<a/>]]>`, `<a/> ]]`,
	// Names.
	`<дом/>`, `<дом атр="1"/>`, `<a·/>`, `<·a/>`, `<à/>`, `<1a/>`, `<-a/>`, `<.a/>`, `<_a/>`,
	`<:a/>`, `<a:/>`, `<a:b:c/>`, `<a:b/>`, `<a xmlns:b="u"><b:c/></a>`, "<a\xff/>", "<\xd0/>",
	"<a\xd0\x94/>", `<a x:="1"/>`, `<a :x="1"/>`, `<a x:y:z="1"/>`, `<a 1="1"/>`, `<a x.y-z_w="1"/>`,
	"<a\x00/>", `<a\b/>`, `<p:a xmlns:p="u"></p:ab>`, `<p:a xmlns:p="u"></p:a:b>`, `<p:a xmlns:p="u"></p:a`,
	`<p:a xmlns:p="u"></p>`, `<p:a xmlns:p="u"></p:>`, `<p:a xmlns:p="u"></pp:a>`, `<p:a xmlns:p="u"></a>`,
	"<a></a\xd0\x94>", `<a></a.>`, `<ab></ab  >`, `<a></a/>`, `<a></a x>`, `<a><b></a></b>`, `<ab></a>`, `<a></ab>`, `<xml:a/>`, `<xmlns:a/>`, `<xmlns/>`,
	`<a xmlns:a="u"><a:a/></a>`, `<你好/>`, `<가/>`, `<a〡/>`,
	// Attributes.
	`<a x="1"y="2"/>`, `<a x = '1' />`, `<a x/>`, `<a x=>`, `<a x=1/>`, `<a x="1/>`, `<a x='1"/>`,
	`<a x="'"/>`, `<a x='"'/>`, `<a x="<"/>`, `<a x=">"/>`, `<a x="]]>"/>`, `<a x="&"/>`,
	`<a x="&amp;&lt;&gt;&apos;&quot;"/>`, `<a x="&#65;&#x42;&#x4b0;"/>`, "<a x=\"1\n2\r\n3\r4\t5\"/>",
	"<a x=\"&#10;&#13;&#9;\" y=\"a\"/>", "<a x=\">\" y=\"\t\"/>", "<a x=\"\r&#10;\"/>",
	"<a x=\"\r\n\r\n\"/>", `<a x="" y=''/>`, "<a x=\"\x00\"/>", "<a x=\"\xff\"/>", "<a x=\"\x7f\"/>",
	"<a x=\"кириллица\" y=\"\t\"/>", `<a x="1" x="2"/>`, `<a x="1" y="2" x="3"/>`,
	`<a xmlns:p="u" p:x="1" p:x="2"/>`, `<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`,
	`<a xmlns:p="u" xmlns:q="v" p:x="1" q:x="2" x="3"/>`, `<a xmlns:p="u" p:x="1" x="2"/>`,
	`<a xmlns="u" x="1"/>`, `<a xmlns:p="u" xmlns:p="v"/>`, `<a xmlns="u" xmlns="v"/>`,
	`<a xml:lang="kk" xml:lang="ru"/>`, `<a xml:lang="kk"/>`, `<a p:x="1"/>`, `<a xmlns:p="u"><b p:x="1"/></a>`,
	`<a><b xmlns:p="u"/><c p:x="1"/></a>`,
	// Namespace declarations.
	`<a xmlns:p=""/>`, `<a xmlns=""/>`, `<a xmlns="u"><b xmlns=""/></a>`, `<a xmlns:xml="urn:x"/>`,
	`<a xmlns:xml="http://www.w3.org/XML/1998/namespace"/>`, `<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>`,
	`<a xmlns:p="http://www.w3.org/2000/xmlns/"/>`, `<a xmlns="http://www.w3.org/2000/xmlns/"/>`,
	`<a xmlns="http://www.w3.org/XML/1998/namespace"/>`, `<a xmlns:xmlns="u"/>`, `<a xmlns:="u"/>`,
	`<p:a xmlns:p="u"/>`, `<p:a/>`, `<p:a xmlns:p="u"></p:a>`, `<p:a xmlns:p="u" xmlns:q="u"></q:a>`,
	`<p:a xmlns:p="u"><p:b xmlns:p="v"/></p:a>`, `<a xmlns:p="u" p:xmlns="1"/>`,
	`<S:E xmlns:S="urn:s" xmlns="urn:d"><S:B S:x="1" x="2"><c xml:lang="kk"/></S:B></S:E>`,
	// Text, references, line ends.
	`<a>&lt;&gt;&amp;&apos;&quot;</a>`, `<a>&#65;&#x41;&#x0041;&#00065;</a>`, `<a>&#xD800;</a>`,
	`<a>&#xDFFF;</a>`, `<a>&#x10FFFF;</a>`, `<a>&#x110000;</a>`, `<a>&#0;</a>`, `<a>&#x1;</a>`,
	`<a>&#xFFFE;</a>`, `<a>&#xFFFF;</a>`, `<a>&#xFFFD;</a>`, `<a>&#X41;</a>`, `<a>&#x;</a>`,
	`<a>&#;</a>`, `<a>&#65</a>`, `<a>&lt</a>`, `<a>&Lt;</a>`, `<a>&nbsp;</a>`, `<a>&;</a>`,
	`<a>& </a>`, `<a>&</a>`, `<a>&#</a>`, `<a>&#x</a>`, `<a>&#99999999999999999999999999;</a>`,
	`<a>&#x000000000000000000000041;</a>`, `<a>&#9;&#10;&#13;</a>`, "<a>&#13;\n</a>", "<a>a\rb</a>",
	"<a>a\r\nb</a>", "<a>a\r\r\nb</a>", "<a>\r</a>", "<a>\n\r</a>", "<a>]]></a>", "<a>]]</a>",
	"<a>]]&gt;</a>", "<a>]&#93;></a>", "<a>]</a>", "<a>]]]></a>", "<a>\x00</a>", "<a>\x0b</a>",
	"<a>\x7f</a>", "<a>\xc0\x80</a>", "<a>\xc2</a>", "<a>\xc2\x80</a>", "<a>\xed\xa0\x80</a>",
	"<a>\xef\xbf\xbe</a>", "<a>\xef\xbf\xbf</a>", "<a>\xef\xbf\xbd</a>", "<a>\xf4\x8f\xbf\xbf</a>",
	"<a>\xf4\x90\x80\x80</a>", "<a>\xf0\x9f\x98\x80</a>", "<a>\xe2\x80\xa8\xc2\x85</a>", "<a>\xd0",
	"<a>текст &amp; ещё\r\n</a>", "<a>x&amp;\ry\xff</a>", "<a>&amp;\x01</a>",
	// CDATA.
	`<a><![CDATA[<x>&]]></a>`, `<a><![CDATA[]]></a>`, "<a><![CDATA[a\r\nb\rc]]></a>", `<a><![CDATA[]]]]></a>`,
	`<a><![CDATA[x]]>y<![CDATA[z]]></a>`, `<a><![CDATA[x</a>`, `<a><![CDATA[x]]</a>`, `<a><![CDATA</a>`,
	`<a><![cdata[x]]></a>`, `<a><![ CDATA[x]]></a>`, `<a><![</a>`, "<a><![CDATA[\x00]]></a>",
	"<a><![CDATA[\xff]]></a>", "<a><![CDATA[\xef\xbf\xbe]]></a>", `<![CDATA[x]]><a/>`,
	// Comments.
	`<a><!----></a>`, `<a><!---></a>`, `<a><!-- a -- b --></a>`, `<a><!--a---></a>`, `<a><!--a- -></a>`,
	`<a><!--a-></a>`, `<a><!-</a>`, `<a><!-x--></a>`, `<a><!--`, `<a><!--x--`, "<a><!--\x00\xff--></a>",
	"<a><!--\r\n--></a>", `<!--c--><a/>`, `<a/><!--c-->`, `<!-- c --><a><?pi data?><!-- x --></a><!-- after -->`,
	// Processing instructions and the XML declaration.
	`<?xml version="1.0"?><a/>`, `<?xml version="1.0" encoding="UTF-8"?><a/>`, `<?xml version='1.0' encoding='utf-8'?><a/>`,
	`<?xml version="1.0" encoding="Utf-8"?><a/>`, `<?xml version="1.0" encoding="UTF8"?><a/>`,
	`<?xml version="1.0" encoding="windows-1251"?><a/>`, `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`,
	`<?xml version="1.1"?><a/>`, `<?xml version=1.1?><a/>`, `<?xml fooversion="2"?><a/>`, `<?xml encoding=""?><a/>`,
	`<?xml version="1.0" standalone="yes"?><a/>`, `<?xml?><a/>`, `<?xml ?><a/>`, `<?XML version="1.0"?><a/>`,
	`<?Xml?><a/>`, ` <?xml version="1.0"?><a/>`, `<!--c--><?xml version="1.0"?><a/>`, `<a/><?xml version="1.0"?>`,
	`<a><?xml version="1.0"?></a>`, `<?xml version="1.0"?><?xml version="1.0"?><a/>`, `<?xml-stylesheet href="s"?><a/>`,
	`<?xmlfoo?><a/>`, `<? x?><a/>`, `<?a?><a/>`, `<?p?i?><a/>`, `<?p x`, `<?p`, `<?`, `<?p?`, "<?p \x00\xff?><a/>",
	"<?p\r\n x\r\n?><a/>", `<?1p?><a/>`, `<?p:q:r?><a/>`, `<?пи?><a/>`, `<?p"x"?><a/>`, `<a><?p?></a>`,
	"\uFEFF<?xml version=\"1.0\"?><a/>", "\uFEFF\uFEFF<a/>", "\uFEFF<a/>", "\uFEFF", "\xef\xbb<a/>",
	// Directives.
	`<!DOCTYPE a><a/>`, `<!DOCTYPE a`, `<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`, `<!DOCTYPE a "x>y"><a/>`,
	`<!DOCTYPE a 'x>y><a/>`, `<!DOCTYPE a [<!ELEMENT a ANY>]>`, `<!DOCTYPE a [<!ELEMENT a ANY>]`, `<!DOCTYPE a <!-- > -->>`,
	`<!DOCTYPE a <!-- > -->`, `<!DOCTYPE a <!-- >`, `<!>`, `<!><a/>`, `<!X <>`, `<!X <>>`, `<!X <<>>>`, `<!A'>`, `<!A'>'>`,
	`<!"x>`, `<!"x>">`, `<!X <!>>`, `<!X <!->>`, `<!X >`, `<!`, `<a><!DOCTYPE a></a>`, `<a/><!DOCTYPE a>`,
	`<a x="1" x="2"><!DOCTYPE a>`, `<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>`, "<!X\x00>",
	`<!ENTITY x "y"><a/>`, `<![CDATA[x]]><!DOCTYPE a>`, `<a>&bad;<!DOCTYPE a>`,
}

// limitCases are checked under small limits, where the order of the checks decides the
// fault code.
var limitCases = []string{
	`<a><b><c><d/></c></b></a>`, `<a><b><c/></b></a>`, `<a><b/><b/><b/><b/><b/></a>`, `<a><b/><b/><b/></a>`,
	`<a x="1" y="2" z="3"/>`, `<a x="1" y="2"/>`, `<a/><b/>`, `<a><b><c><d x="1" x="2"/></c></b></a>`,
	`<a><b/><b/><b/><b/><b x="1" x="2" y="3"/></a>`, `<a x="1" x="2" y="3"/>`, `<a><b><c><p:d/></c></b></a>`,
	`<a/><b/><c/><d/><e/><f/>`, `<a><b><c><d><e/></d></c></b></a>`, `<a>` + strings.Repeat("x", 300) + `</a>`,
	"\uFEFF<a>" + strings.Repeat("x", 191) + "</a>", "\uFEFF<a>" + strings.Repeat("x", 190) + "</a>",
}

var smallLimits = Limits{MaxBytes: 200, MaxDepth: 3, MaxElements: 5, MaxAttrs: 2}

// TestDiffCrafted compares the two implementations on the crafted cases, under the
// default, the small and the fuzz limits.
func TestDiffCrafted(t *testing.T) {
	for _, lim := range []Limits{{}, smallLimits, fuzzLimits} {
		for _, c := range craftedCases {
			compare(t, []byte(c), lim)
		}
		for _, c := range limitCases {
			compare(t, []byte(c), lim)
		}
	}
}

// corpusFiles are the bench corpus and the real ШЭП samples.
func corpusFiles(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	for _, pattern := range []string{
		"../../../shared/bench-corpus/*.xml",
		"../../../shared/reference/shep-v10-samples/*.xml",
	} {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			files[filepath.Base(filepath.Dir(p))+"/"+filepath.Base(p)] = data
		}
	}
	if len(files) < 8 {
		t.Fatalf("corpus: found %d files, want the 6 bench-corpus files and the 2 samples", len(files))
	}
	return files
}

// TestDiffCorpus compares the two implementations on the bench corpus and the ШЭП
// samples, as they are and rewritten with CR LF line ends, attribute values starting with
// white space and references, and a byte order mark.
func TestDiffCorpus(t *testing.T) {
	for name, data := range corpusFiles(t) {
		t.Run(name, func(t *testing.T) {
			compare(t, data, DefaultLimits)
			// The same document with CR LF line ends, tabs and character references in
			// attribute values: what other systems send.
			crlf := bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
			compare(t, crlf, DefaultLimits)
			compare(t, bytes.ReplaceAll(data, []byte(`="`), []byte("=\"\t&#9;&#x4B0;\r\n")), DefaultLimits)
			compare(t, append(append([]byte{}, bom...), data...), DefaultLimits)
		})
	}
}

// TestDiffMutations compares the two implementations on systematic corruptions of the
// smaller corpus files: truncations, and bytes that matter to the scanner written over or
// inserted at spread offsets. By default every third offset gets one of the bytes in turn
// (every eleventh with -short); XMLSAFE_DIFF_FULL=1 tries every byte at every offset, which
// takes a few minutes.
func TestDiffMutations(t *testing.T) {
	files := corpusFiles(t)
	bytesIn := []byte{'<', '>', '&', '"', '\'', '/', '!', '?', ':', '=', ']', '\r', '\t', 0, 0xFF, 0xD0, ' ', 'x', '-', ';', '#', '['}
	full := os.Getenv("XMLSAFE_DIFF_FULL") == "1"
	step := 3
	if testing.Short() {
		step = 11
	}
	if full {
		step = 1
	}
	for _, name := range []string{"bench-corpus/small.xml", "bench-corpus/small.signed.xml", "shep-v10-samples/request.xml", "shep-v10-samples/response.xml"} {
		data := files[name]
		t.Run(name, func(t *testing.T) {
			for n := 0; n <= len(data); n += step {
				compare(t, data[:n], DefaultLimits)
			}
			for i := 0; i < len(data); i += step {
				in := []byte{bytesIn[(i/step)%len(bytesIn)]}
				if full {
					in = bytesIn
				}
				for _, c := range in {
					m := bytes.Clone(data)
					m[i] = c
					compare(t, m, DefaultLimits)
					ins := append(append(append(make([]byte, 0, len(data)+1), data[:i]...), c), data[i:]...)
					compare(t, ins, DefaultLimits)
				}
			}
		})
	}
}

// fuzzCorpus returns the committed seed corpus of both fuzz targets and, if the go
// command tells where, the corpus that fuzzing has gathered in the build cache.
func fuzzCorpus(t testing.TB) [][]byte {
	dirs := []string{"testdata/fuzz/FuzzParse", "testdata/fuzz/FuzzDiffParse"}
	if out, err := exec.Command("go", "env", "GOCACHE").Output(); err == nil {
		cache := strings.TrimSpace(string(out))
		for _, target := range []string{"FuzzParse", "FuzzDiffParse"} {
			dirs = append(dirs, filepath.Join(cache, "fuzz", "github.com/shepgate/shepgate/adapter/xmlsafe", target))
		}
	}
	var inputs [][]byte
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			data, err := readCorpusFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Errorf("%s: %v", e.Name(), err)
				continue
			}
			inputs = append(inputs, data)
		}
	}
	return inputs
}

// readCorpusFile reads a file of the go test fuzz v1 format holding one []byte value.
func readCorpusFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() || sc.Text() != "go test fuzz v1" {
		return nil, fmt.Errorf("not a go test fuzz v1 file")
	}
	if !sc.Scan() {
		return nil, fmt.Errorf("no value")
	}
	line := sc.Text()
	if !strings.HasPrefix(line, "[]byte(") || !strings.HasSuffix(line, ")") {
		return nil, fmt.Errorf("not a []byte value: %.40s", line)
	}
	s, err := strconv.Unquote(line[len("[]byte(") : len(line)-1])
	return []byte(s), err
}

// TestDiffFuzzCorpus compares the two implementations on the fuzz corpus of FuzzParse and
// FuzzDiffParse.
func TestDiffFuzzCorpus(t *testing.T) {
	inputs := fuzzCorpus(t)
	t.Logf("%d fuzz corpus entries", len(inputs))
	for _, data := range inputs {
		compare(t, data, fuzzLimits)
		compare(t, data, DefaultLimits)
	}
}

// FuzzDiffParse compares Parse with the former implementation on generated inputs.
func FuzzDiffParse(f *testing.F) {
	for _, c := range craftedCases {
		f.Add([]byte(c))
	}
	for _, c := range limitCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compare(t, data, fuzzLimits)
		compare(t, data, DefaultLimits)
	})
}

// BenchmarkParse measures Parse on the signed corpus files, next to BenchmarkParseReference.
func BenchmarkParse(b *testing.B) { benchParse(b, Parse) }

// BenchmarkParseReference measures the former encoding/xml implementation.
func BenchmarkParseReference(b *testing.B) { benchParse(b, refParse) }

// benchParse runs parse on the signed files of the bench corpus.
func benchParse(b *testing.B, parse func([]byte, Limits) (*etree.Document, error)) {
	files := corpusFiles(b)
	for _, name := range []string{"small", "medium", "large"} {
		data := files["bench-corpus/"+name+".signed.xml"]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parse(data, DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
