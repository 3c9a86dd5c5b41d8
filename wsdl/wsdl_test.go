package wsdl_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/wsdl"
)

const xsdNS = "http://www.w3.org/2001/XMLSchema"

// particle describes one element declaration of a content model, for comparison.
type particle struct{ name, typ, min, max, nillable string }

func (p particle) String() string {
	return fmt.Sprintf("%s:%s[%s..%s]nil=%s", p.name, p.typ, p.min, p.max, p.nillable)
}

func local(q string) string {
	if i := strings.LastIndex(q, ":"); i >= 0 {
		return q[i+1:]
	}
	return q
}

// describe renders a complexType or a global element's anonymous type as a comparable string.
// An anonymous type that only extends a base with nothing is described as the base (our fault
// elements are declared that way), so that it compares equal to type="base".
func describe(el *etree.Element) string {
	if t := el.SelectAttrValue("type", ""); t != "" {
		return "type " + local(t)
	}
	ct := el
	if el.Tag == "element" {
		ct = el.SelectElement("complexType")
		if ct == nil {
			return "simple"
		}
	}
	if cc := ct.SelectElement("complexContent"); cc != nil {
		if ext := cc.SelectElement("extension"); ext != nil && len(ext.ChildElements()) == 0 {
			return "type " + local(ext.SelectAttrValue("base", ""))
		}
	}
	var parts []string
	seq := ct.SelectElement("sequence")
	if seq == nil {
		return "empty"
	}
	for _, e := range seq.ChildElements() {
		if e.Tag != "element" {
			parts = append(parts, e.Tag)
			continue
		}
		typ := local(e.SelectAttrValue("type", ""))
		if typ == "" {
			if st := e.SelectElement("simpleType"); st != nil {
				var enums []string
				for _, en := range st.FindElements("./restriction/enumeration") {
					enums = append(enums, en.SelectAttrValue("value", ""))
				}
				typ = "enum(" + strings.Join(enums, "|") + ")"
				for _, f := range st.FindElements("./restriction/*") {
					if f.Tag != "enumeration" {
						typ += " " + f.Tag + "=" + f.SelectAttrValue("value", "")
					}
				}
			} else {
				typ = "anonymous"
			}
		}
		parts = append(parts, particle{e.SelectAttrValue("name", ""), typ,
			e.SelectAttrValue("minOccurs", "1"), e.SelectAttrValue("maxOccurs", "1"), e.SelectAttrValue("nillable", "false")}.String())
	}
	return strings.Join(parts, ", ")
}

// declarations maps "{ns}kind:name" to its description for every global element, complexType
// and simpleType (restriction facets) of the given schema elements.
func declarations(schemas []*etree.Element) map[string]string {
	out := map[string]string{}
	for _, s := range schemas {
		ns := s.SelectAttrValue("targetNamespace", "")
		for _, d := range s.ChildElements() {
			name := d.SelectAttrValue("name", "")
			if name == "" {
				continue
			}
			key := "{" + ns + "}" + d.Tag + ":" + name
			switch d.Tag {
			case "element", "complexType":
				out[key] = describe(d)
			case "simpleType":
				var facets []string
				for _, f := range d.FindElements("./restriction/*") {
					facets = append(facets, f.Tag+"="+f.SelectAttrValue("value", ""))
				}
				out[key] = local(d.FindElement("./restriction").SelectAttrValue("base", "")) + " " + strings.Join(facets, " ")
			}
		}
	}
	return out
}

func referenceSchemas(t *testing.T, sub string) []*etree.Element {
	t.Helper()
	ref, err := wsdl.ReferenceDir()
	if err != nil {
		t.Fatal(err)
	}
	var out []*etree.Element
	err = filepath.WalkDir(filepath.Join(ref, sub), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".xsd") {
			return err
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromFile(p); err != nil {
			return err
		}
		out = append(out, doc.Root())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ownSchemas(t *testing.T, name string) []*etree.Element {
	t.Helper()
	b, ok := wsdl.Document(name)
	if !ok {
		t.Fatalf("no document %s", name)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		t.Fatal(err)
	}
	var out []*etree.Element
	for _, s := range doc.Root().SelectElement("types").ChildElements() {
		if s.NamespaceURI() == xsdNS && s.Tag == "schema" {
			out = append(out, s)
		}
	}
	return out
}

// TestWireCompatible checks that every declaration our ШЭП WSDLs make in a ШЭП namespace is
// identical (element names, types, order, cardinality, nillability, facets) to the reference's,
// and that every reference global element of the channel is declared.
func TestWireCompatible(t *testing.T) {
	ref := declarations(referenceSchemas(t, "shep-v10"))
	for _, c := range []struct {
		name     string
		required []string
	}{
		{"shep-sync", []string{"{http://bip.bee.kz/SyncChannel/v10/Types}element:"}},
		{"shep-async", []string{"{http://bip.bee.kz/AsyncChannel/v10/Types}element:"}},
		{"gbdfl", nil},
	} {
		own := declarations(ownSchemas(t, c.name))
		n := 0
		for k, v := range own {
			if !strings.Contains(k, "bip.bee.kz") {
				continue
			}
			r, ok := ref[k]
			if !ok {
				t.Errorf("%s: %s is not in the reference", c.name, k)
				continue
			}
			if c.name == "gbdfl" && (strings.HasSuffix(k, "complexType:RequestData") || strings.HasSuffix(k, "complexType:ResponseData")) {
				continue // data typed as in the published ГБД ФЛ schema8/9
			}
			if r != v {
				t.Errorf("%s: %s differs\n ours: %s\n  ref: %s", c.name, k, v, r)
			}
			n++
		}
		for k := range ref {
			for _, prefix := range c.required {
				if strings.HasPrefix(k, prefix) {
					if _, ok := own[k]; !ok {
						t.Errorf("%s: reference %s missing", c.name, k)
					}
				}
			}
		}
		if n < 10 {
			t.Errorf("%s: only %d declarations compared", c.name, n)
		}
	}
	// The participant interface's own elements (the Client duplicates of sendMessage* are unused
	// by the published IAsyncChannelClient.wsdl and left out).
	own := declarations(ownSchemas(t, "shep-async"))
	for _, e := range []string{"changeMassageStatusNotification", "changeMassageStatusNotificationResponse", "changeMassageStatusNotificationFault1_changeMassageStatusNotificationFault"} {
		if _, ok := own["{http://bip.bee.kz/AsyncChannel/v10/Types/Client}element:"+e]; !ok {
			t.Errorf("shep-async: Client element %s missing", e)
		}
	}
}

// TestGBDFLModelledOnReference checks that every type gbdfl.wsdl declares in a ГБД ФЛ namespace
// matches the published one, except the named wrappers and the documented Person subset.
func TestGBDFLModelledOnReference(t *testing.T) {
	ref := declarations(referenceSchemas(t, "gbdfl"))
	own := declarations(ownSchemas(t, "gbdfl"))
	n := 0
	for k, v := range own {
		if !strings.Contains(k, "persistence.interactive.nat") {
			continue
		}
		r, ok := ref[k]
		switch {
		case strings.HasSuffix(k, ":Persons") || strings.HasSuffix(k, ":Documents") || strings.HasSuffix(k, ":Addresses"):
			continue // named wrappers of the published anonymous types
		case !ok:
			t.Errorf("%s not in the published ГБД ФЛ schemas", k)
		case strings.HasSuffix(k, "complexType:Person") || strings.HasSuffix(k, "complexType:Response"):
			for _, p := range strings.Split(v, ", ") {
				name := p[:strings.Index(p, ":")]
				if !strings.Contains(r, name+":") {
					t.Errorf("%s: %s not in the published type", k, p)
				}
			}
		case r != v:
			t.Errorf("%s differs\n ours: %s\n  ref: %s", k, v, r)
		}
		n++
	}
	if n < 20 {
		t.Errorf("only %d declarations compared", n)
	}
}

// TestCommonTypesIdentical checks that types repeated across our self-contained WSDLs agree.
func TestCommonTypesIdentical(t *testing.T) {
	seen := map[string]string{}
	from := map[string]string{}
	for _, name := range []string{"shep-sync", "shep-async", "gbdfl"} {
		for k, v := range declarations(ownSchemas(t, name)) {
			if !strings.Contains(k, "bip.bee.kz") || strings.HasSuffix(k, "RequestData") || strings.HasSuffix(k, "ResponseData") {
				continue
			}
			if prev, ok := seen[k]; ok && prev != v {
				t.Errorf("%s differs between %s and %s", k, from[k], name)
			}
			seen[k], from[k] = v, name
		}
	}
}

// TestDocumentsSelfContained checks that every served WSDL parses, references nothing outside
// itself and has a binding and a service.
func TestDocumentsSelfContained(t *testing.T) {
	for _, name := range wsdl.Names {
		b, ok := wsdl.Document(name)
		if !ok || len(b) == 0 {
			t.Fatalf("Document(%q) missing", name)
		}
		if b2, ok := wsdl.Document(name + ".wsdl"); !ok || string(b2) != string(b) {
			t.Errorf("Document(%q.wsdl) differs", name)
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, el := range doc.FindElements("//*") {
			if el.SelectAttr("schemaLocation") != nil || el.Tag == "include" || (el.Tag == "import" && el.NamespaceURI() != xsdNS) {
				t.Errorf("%s: external reference %s", name, el.FullTag())
			}
		}
		root := doc.Root()
		for _, tag := range []string{"types", "portType", "binding", "service"} {
			if root.SelectElement(tag) == nil {
				t.Errorf("%s: no wsdl:%s", name, tag)
			}
		}
		for _, op := range root.FindElements("./binding/operation/operation") {
			if v := op.SelectAttrValue("soapAction", "x"); v != "" {
				t.Errorf("%s: soapAction %q, want empty", name, v)
			}
		}
	}
	if _, ok := wsdl.Document("nope"); ok {
		t.Error("unknown document served")
	}
}

func TestServices(t *testing.T) {
	gcvpDoc, _ := wsdl.Document("gcvp")
	list := wsdl.Services()
	if len(list) != 10 {
		t.Fatalf("%d services", len(list))
	}
	ids := map[string]bool{}
	for i, s := range list {
		if s.Number != i+1 || s.ID == "" || s.NameKK == "" || s.NameRU == "" || ids[s.ID] {
			t.Errorf("service %+v", s)
		}
		ids[s.ID] = true
		if !strings.HasPrefix(s.ID, "GCVP_") || !strings.Contains(string(gcvpDoc), fmt.Sprintf("%2d %s", s.Number, s.ID)) {
			t.Errorf("service %d %s not documented in gcvp.wsdl", s.Number, s.ID)
		}
		if got, ok := wsdl.ServiceByID(s.ID); !ok || got != s {
			t.Errorf("ServiceByID(%s) = %+v", s.ID, got)
		}
	}
	list[0].ID = "changed"
	if wsdl.Services()[0].ID == "changed" {
		t.Error("Services shares its backing array")
	}
	for _, id := range []string{wsdl.ServiceGbdflPersonByIIN, wsdl.ServiceEnisPowerOfAttorney} {
		if s, ok := wsdl.ServiceByID(id); !ok || s.Number != 0 || !strings.Contains(string(gcvpDoc), id) {
			t.Errorf("external %s: %+v", id, s)
		}
	}
	if len(wsdl.ExternalServices()) != 2 {
		t.Error("external services")
	}
	if _, ok := wsdl.ServiceByID("nope"); ok {
		t.Error("unknown id found")
	}
}

// TestGeneratedCarriesNoPaths checks that generated/ does not embed an output or machine path.
func TestGeneratedCarriesNoPaths(t *testing.T) {
	root, err := wsdl.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"shepsync", "shepasync", "gcvp", "gbdfl", "enis"} {
		b, err := os.ReadFile(filepath.Join(root, "generated", pkg, pkg+".go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{root, os.TempDir() + "/", "/home/", "/work/"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("generated/%s/%s.go contains %q", pkg, pkg, bad)
			}
		}
	}
}
