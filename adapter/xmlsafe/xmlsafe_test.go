package xmlsafe

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shepgate/shepgate/adapter/fault"
)

func TestParse(t *testing.T) {
	small := Limits{MaxBytes: 200, MaxDepth: 3, MaxElements: 5, MaxAttrs: 2}
	tests := []struct {
		name string
		in   string
		lim  Limits
		want fault.Code // "" = success
	}{
		{"simple", `<a><b x="1"/>text</a>`, Limits{}, ""},
		{"xml decl", `<?xml version="1.0" encoding="UTF-8"?><a/>`, Limits{}, ""},
		{"bom", "\uFEFF<?xml version=\"1.0\"?><a/>", Limits{}, ""},
		{"namespaces", `<S:E xmlns:S="urn:s" xmlns="urn:d"><S:B S:x="1" x="2"><c xml:lang="kk"/></S:B></S:E>`, Limits{}, ""},
		{"comments and PIs", `<!-- c --><a><?pi data?><!-- x --></a><!-- after -->`, Limits{}, ""},
		{"whitespace around root", "\n <a/>\n", Limits{}, ""},
		{"cdata", `<a><![CDATA[<x>&]]></a>`, Limits{}, ""},
		{"char refs", `<a b="&#xA;&lt;">&#x4B0;&amp;</a>`, Limits{}, ""},
		{"same local different ns", `<a xmlns:p="urn:1" xmlns:q="urn:2" p:x="1" q:x="2" x="3"/>`, Limits{}, ""},

		{"doctype", `<!DOCTYPE a><a/>`, Limits{}, fault.XMLDoctype},
		{"entity decl", `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`, Limits{}, fault.XMLDoctype},
		{"billion laughs", `<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>`, Limits{}, fault.XMLDoctype},
		{"external entity", `<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>`, Limits{}, fault.XMLDoctype},
		{"doctype after root", `<a/><!DOCTYPE a>`, Limits{}, fault.XMLDoctype},

		{"dup attr", `<a x="1" x="2"/>`, Limits{}, fault.XMLDuplicateAttr},
		{"dup prefixed attr", `<a xmlns:p="urn:1" p:x="1" p:x="2"/>`, Limits{}, fault.XMLDuplicateAttr},
		{"dup attr by namespace", `<a xmlns:p="urn:1" xmlns:q="urn:1" p:x="1" q:x="2"/>`, Limits{}, fault.XMLDuplicateAttr},
		{"dup xmlns", `<a xmlns:p="urn:1" xmlns:p="urn:2"/>`, Limits{}, fault.XMLDuplicateAttr},
		{"dup default xmlns", `<a xmlns="urn:1" xmlns="urn:2"/>`, Limits{}, fault.XMLDuplicateAttr},

		{"too large", `<a>` + strings.Repeat("x", 300) + `</a>`, small, fault.XMLTooLarge},
		{"too deep", `<a><b><c><d/></c></b></a>`, small, fault.XMLTooDeep},
		{"depth ok", `<a><b><c/></b></a>`, small, ""},
		{"too many elements", `<a><b/><b/><b/><b/><b/></a>`, small, fault.XMLTooMany},
		{"too many attrs", `<a x="1" y="2" z="3"/>`, small, fault.XMLTooMany},

		{"empty", ``, Limits{}, fault.XMLMalformed},
		{"only decl", `<?xml version="1.0"?>`, Limits{}, fault.XMLMalformed},
		{"unclosed", `<a><b></b>`, Limits{}, fault.XMLMalformed},
		{"mismatched", `<a></b>`, Limits{}, fault.XMLMalformed},
		{"mismatched prefix", `<p:a xmlns:p="u" xmlns:q="u"></q:a>`, Limits{}, fault.XMLMalformed},
		{"two roots", `<a/><b/>`, Limits{}, fault.XMLMalformed},
		{"trailing garbage", `<a/>garbage`, Limits{}, fault.XMLMalformed},
		{"trailing tag garbage", `<a/></a>`, Limits{}, fault.XMLMalformed},
		{"leading text", `x<a/>`, Limits{}, fault.XMLMalformed},
		{"undeclared element prefix", `<p:a/>`, Limits{}, fault.XMLMalformed},
		{"undeclared attr prefix", `<a p:x="1"/>`, Limits{}, fault.XMLMalformed},
		{"prefix out of scope", `<a><b xmlns:p="u"/><p:c/></a>`, Limits{}, fault.XMLMalformed},
		{"undeclaring prefix", `<a xmlns:p=""/>`, Limits{}, fault.XMLMalformed},
		{"rebinding xml", `<a xmlns:xml="urn:x"/>`, Limits{}, fault.XMLMalformed},
		{"unknown entity", `<a>&nbsp;</a>`, Limits{}, fault.XMLMalformed},
		{"bad char ref", `<a>&#0;</a>`, Limits{}, fault.XMLMalformed},
		{"late xml decl", `<a/><?xml version="1.0"?>`, Limits{}, fault.XMLMalformed},
		{"non-utf8 encoding", `<?xml version="1.0" encoding="windows-1251"?><a/>`, Limits{}, fault.XMLMalformed},
		{"bad utf8", "<a>\xff\xfe</a>", Limits{}, fault.XMLMalformed},
		{"lt in attr", `<a x="<"/>`, Limits{}, fault.XMLMalformed},
		{"unquoted attr", `<a x=1/>`, Limits{}, fault.XMLMalformed},
		{"double bom", "\uFEFF\uFEFF<a/>", Limits{}, fault.XMLMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse([]byte(tt.in), tt.lim)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if doc.Root() == nil {
					t.Fatal("no root")
				}
				return
			}
			var fe *fault.Error
			if !errors.As(err, &fe) {
				t.Fatalf("Parse error = %v (%T), want *fault.Error %s", err, err, tt.want)
			}
			if fe.Code != tt.want {
				t.Fatalf("Parse code = %s (%v), want %s", fe.Code, err, tt.want)
			}
		})
	}
}

func TestParseTree(t *testing.T) {
	doc, err := Parse([]byte(`<S:E xmlns:S="urn:s" xmlns:w="urn:w"><S:B w:Id="x" a="1">hi<!--c--><c/>tail</S:B></S:E>`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	if root.Space != "S" || root.Tag != "E" || root.NamespaceURI() != "urn:s" {
		t.Fatalf("root = %s:%s (%s)", root.Space, root.Tag, root.NamespaceURI())
	}
	b := root.ChildElements()[0]
	if got := b.SelectAttr("w:Id"); got == nil || got.Value != "x" || got.NamespaceURI() != "urn:w" {
		t.Fatalf("w:Id = %+v", got)
	}
	if b.Text() != "hi" || len(b.Child) != 4 {
		t.Fatalf("children = %d, text %q", len(b.Child), b.Text())
	}
	out, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	if want := `<S:E xmlns:S="urn:s" xmlns:w="urn:w"><S:B w:Id="x" a="1">hi<!--c--><c/>tail</S:B></S:E>`; out != want {
		t.Fatalf("round trip:\n got %s\nwant %s", out, want)
	}
}

func TestAttrNormalization(t *testing.T) {
	doc, err := Parse([]byte("<a x=\"1\n2\r\n3\t4&#xA;5&#9;&amp;&lt;\" y='p\rq'/>"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	if got, want := root.SelectAttrValue("x", ""), "1 2 3 4\n5\t&<"; got != want {
		t.Errorf("x = %q, want %q", got, want)
	}
	if got, want := root.SelectAttrValue("y", ""), "p q"; got != want {
		t.Errorf("y = %q, want %q", got, want)
	}
}

func TestParseSamples(t *testing.T) {
	for _, p := range []string{
		"../../../shared/reference/shep-v10-samples/request.xml",
		"../../../shared/reference/shep-v10-samples/response.xml",
		"../../../shared/bench-corpus/medium.signed.xml",
	} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("sample: %v", err)
		}
		if _, err := Parse(data, DefaultLimits); err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<a/>`,
		`<?xml version="1.0"?><S:E xmlns:S="urn:s"><S:B x="1">t</S:B></S:E>`,
		`<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`,
		`<a x="1" x="2"/>`,
		`<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`,
		"\uFEFF<a b=\"\n&#xA;\"><![CDATA[x]]><!--c--><?p i?></a>",
		`<a><b></a>`,
		`<a/><b/>`,
	} {
		f.Add([]byte(s))
	}
	lim := Limits{MaxBytes: 4096, MaxDepth: 8, MaxElements: 64, MaxAttrs: 8}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data, lim)
		if err != nil {
			var fe *fault.Error
			if !errors.As(err, &fe) || !fault.Known(fe.Code) {
				t.Fatalf("error %v (%T) is not a known *fault.Error", err, err)
			}
			return
		}
		if doc.Root() == nil {
			t.Fatal("success without a root")
		}
		if _, err := doc.WriteToBytes(); err != nil {
			t.Fatalf("write: %v", err)
		}
	})
}

// TestParseTreeIsIndependent checks that the nodes Parse allocates in blocks do not share
// storage: growing one element's attributes or children leaves its neighbours alone.
func TestParseTreeIsIndependent(t *testing.T) {
	const in = `<a><b x="1" y="2"/><c z="3">t</c><d/></a>`
	doc, err := Parse([]byte(in), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	kids := doc.Root().ChildElements()
	b, c, d := kids[0], kids[1], kids[2]
	b.CreateAttr("w", "4")
	b.CreateElement("e").CreateText("u")
	c.CreateText("v")
	c.CreateAttr("q", "5")
	d.CreateAttr("r", "6")
	doc.Root().CreateComment("end")
	b.RemoveAttr("x")
	c.RemoveChildAt(0)
	out, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	if want := `<a><b y="2" w="4"><e>u</e></b><c z="3" q="5">v</c><d r="6"/><!--end--></a>`; out != want {
		t.Fatalf("after edits:\n got %s\nwant %s", out, want)
	}
}
