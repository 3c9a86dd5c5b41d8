package wsdl

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/beevik/etree"
)

// Contract-test helpers. They shell out to xmllint (Debian package libxml2-utils; `make deps`
// installs it) and are meant for tests: they are not used on the request path.

const (
	nsSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	nsXSD    = "http://www.w3.org/2001/XMLSchema"
	nsWSDL   = "http://schemas.xmlsoap.org/wsdl/"
)

// ErrNoXmllint is returned when the xmllint tool is not installed.
var ErrNoXmllint = errors.New("xmllint not found: run `make deps` (installs the Debian package libxml2-utils)")

// ValidateReference validates a ШЭП message against the REFERENCE v10 schemas in
// shared/reference/shep-v10 (beside the repository root, found by walking up from the working
// directory to go.mod). schema is "sync" (SyncChannel v10) or "async" (AsyncChannel v10 and the
// participant interface IAsyncChannelClient).
//
// doc may be a whole SOAP 1.1 envelope (a leading BOM is allowed): the first element of the Body
// is validated, or for a SOAP Fault the first element of its detail (the ErrorInfo fault
// element). Otherwise doc's root element is validated. The element is extracted into a
// standalone document that keeps the namespace declarations in scope. On failure the error
// carries xmllint's messages.
func ValidateReference(doc []byte, schema string) error {
	var roots []string
	switch schema {
	case "sync":
		roots = []string{"http://bip.bee.kz/SyncChannel/v10/Types"}
	case "async":
		roots = []string{"http://bip.bee.kz/AsyncChannel/v10/Types", "http://bip.bee.kz/AsyncChannel/v10/Types/Client"}
	default:
		return fmt.Errorf("wsdl: unknown reference schema %q (want sync or async)", schema)
	}
	el, err := messageElement(doc)
	if err != nil {
		return err
	}
	xsd, err := referenceSchema(roots)
	if err != nil {
		return err
	}
	return xmllint(xsd, el)
}

// Validate validates doc against the inline schemas of one of shepgate's own WSDL documents
// (name as for Document: "shep-sync", "shep-async", "gcvp", "gbdfl", "enis"). doc is handled as
// in ValidateReference: a SOAP envelope's Body element (or Fault detail element), or doc's root.
func Validate(doc []byte, name string) error {
	el, err := messageElement(doc)
	if err != nil {
		return err
	}
	xsd, err := ownSchema(name)
	if err != nil {
		return err
	}
	return xmllint(xsd, el)
}

// messageElement returns the element to validate, serialised as a standalone document.
func messageElement(doc []byte) ([]byte, error) {
	d := etree.NewDocument()
	if err := d.ReadFromBytes(bytes.TrimPrefix(doc, []byte("\xef\xbb\xbf"))); err != nil {
		return nil, fmt.Errorf("wsdl: parse: %w", err)
	}
	el := d.Root()
	if el == nil {
		return nil, errors.New("wsdl: empty document")
	}
	if el.NamespaceURI() == nsSOAP11 && el.Tag == "Envelope" {
		var body *etree.Element
		for _, c := range el.ChildElements() {
			if c.NamespaceURI() == nsSOAP11 && c.Tag == "Body" {
				body = c
			}
		}
		if body == nil || len(body.ChildElements()) == 0 {
			return nil, errors.New("wsdl: SOAP envelope without a Body element")
		}
		el = body.ChildElements()[0]
		if el.NamespaceURI() == nsSOAP11 && el.Tag == "Fault" {
			detail := el.SelectElement("detail")
			if detail == nil || len(detail.ChildElements()) == 0 {
				return nil, errors.New("wsdl: SOAP Fault without a detail element")
			}
			el = detail.ChildElements()[0]
		}
	}
	return standalone(el)
}

// standalone copies el into a new document, declaring on it every namespace in scope.
func standalone(el *etree.Element) ([]byte, error) {
	cp := el.Copy()
	declared := map[string]bool{}
	for _, a := range cp.Attr {
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			declared[a.FullKey()] = true
		}
	}
	for p := el.Parent(); p != nil; p = p.Parent() {
		for _, a := range p.Attr {
			if (a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns")) && !declared[a.FullKey()] {
				declared[a.FullKey()] = true
				cp.CreateAttr(a.FullKey(), a.Value)
			}
		}
	}
	out := etree.NewDocument()
	out.SetRoot(cp)
	return out.WriteToBytes()
}

// xmllint validates instance against the schema file xsd.
func xmllint(xsd string, instance []byte) error {
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		return ErrNoXmllint
	}
	f, err := os.CreateTemp("", "shepgate-instance-*.xml")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(instance); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	out, err := exec.Command(bin, "--noout", "--nonet", "--schema", xsd, f.Name()).CombinedOutput()
	if err != nil {
		msg := strings.ReplaceAll(strings.TrimSpace(string(out)), f.Name(), "instance")
		return fmt.Errorf("wsdl: schema validation failed: %s", msg)
	}
	return nil
}

// RepoRoot returns the repository root: the nearest directory at or above the working
// directory that holds go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("wsdl: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// ReferenceDir returns shared/reference, beside the repository root.
func ReferenceDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(filepath.Dir(root), "shared", "reference")
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("wsdl: reference contracts not found: %w", err)
	}
	return dir, nil
}

var (
	schemaMu    sync.Mutex
	schemaCache = map[string]string{}
)

var (
	reTargetNS = regexp.MustCompile(`targetNamespace="([^"]*)"`)
	reImport   = regexp.MustCompile(`<(\w+:)?import\b[^>]*>`)
	reNSAttr   = regexp.MustCompile(`\bnamespace="([^"]*)"`)
	reLocAttr  = regexp.MustCompile(`\s*\bschemaLocation="[^"]*"`)
)

// referenceSchema prepares (once per process) a copy of the reference v10 schemas that libxml2
// can compile, and returns a schema file importing the namespaces roots. libxml2 honours only the
// first xsd:import of a namespace and skips the others, while the reference imports one
// namespace from several files; the copy therefore points every import of a namespace to one
// per-namespace schema that includes all of the namespace's files.
func referenceSchema(roots []string) (string, error) {
	key := "ref:" + strings.Join(roots, " ")
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if p, ok := schemaCache[key]; ok {
		return p, nil
	}
	ref, err := ReferenceDir()
	if err != nil {
		return "", err
	}
	src := filepath.Join(ref, "shep-v10")
	files := map[string][]byte{}
	byNS := map[string][]string{}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".xsd") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		rel = filepath.ToSlash(rel)
		m := reTargetNS.FindSubmatch(b)
		if m == nil {
			return fmt.Errorf("wsdl: %s has no targetNamespace", rel)
		}
		files[rel] = b
		byNS[string(m[1])] = append(byNS[string(m[1])], rel)
		return nil
	})
	if err != nil {
		return "", err
	}
	nsFile := func(ns string) string {
		h := sha256.Sum256([]byte(ns))
		return "ns-" + hex.EncodeToString(h[:6]) + ".xsd"
	}
	out := map[string][]byte{}
	for rel, b := range files {
		depth := strings.Count(rel, "/")
		up := strings.Repeat("../", depth)
		out[rel] = reImport.ReplaceAllFunc(b, func(tag []byte) []byte {
			m := reNSAttr.FindSubmatch(tag)
			if m == nil {
				return tag
			}
			tag = reLocAttr.ReplaceAll(tag, nil)
			loc := fmt.Sprintf(` schemaLocation="%s%s"`, up, nsFile(string(m[1])))
			if bytes.HasSuffix(tag, []byte("/>")) {
				return append(append(tag[:len(tag)-2:len(tag)-2], loc...), "/>"...)
			}
			return append(append(tag[:len(tag)-1:len(tag)-1], loc...), '>')
		})
	}
	nss := make([]string, 0, len(byNS))
	for ns := range byNS {
		nss = append(nss, ns)
	}
	sort.Strings(nss)
	for _, ns := range nss {
		rels := byNS[ns]
		sort.Strings(rels)
		var s strings.Builder
		fmt.Fprintf(&s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xsd:schema xmlns:xsd=%q targetNamespace=%q>\n", nsXSD, ns)
		for _, r := range rels {
			fmt.Fprintf(&s, "  <xsd:include schemaLocation=%q/>\n", r)
		}
		s.WriteString("</xsd:schema>\n")
		out[nsFile(ns)] = []byte(s.String())
	}
	var main strings.Builder
	fmt.Fprintf(&main, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xsd:schema xmlns:xsd=%q>\n", nsXSD)
	for _, ns := range roots {
		fmt.Fprintf(&main, "  <xsd:import namespace=%q schemaLocation=%q/>\n", ns, nsFile(ns))
	}
	main.WriteString("</xsd:schema>\n")
	out["main.xsd"] = []byte(main.String())
	dir, err := writeSchemaSet("shepgate-refxsd", out)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "main.xsd")
	schemaCache[key] = p
	return p, nil
}

// ownSchema extracts the inline schemas of one of our WSDL documents into files (imports by
// namespace get a schemaLocation; namespace declarations of wsdl:definitions are copied onto each
// schema) and returns a schema file that imports them all.
func ownSchema(name string) (string, error) {
	key := "own:" + name
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if p, ok := schemaCache[key]; ok {
		return p, nil
	}
	b, ok := Document(name)
	if !ok {
		return "", fmt.Errorf("wsdl: unknown document %q", name)
	}
	d := etree.NewDocument()
	if err := d.ReadFromBytes(b); err != nil {
		return "", err
	}
	defs := d.Root()
	types := defs.SelectElement("types")
	if types == nil {
		return "", fmt.Errorf("wsdl: %s has no wsdl:types", name)
	}
	var schemas []*etree.Element
	nsFile := map[string]string{}
	for _, s := range types.ChildElements() {
		if s.NamespaceURI() != nsXSD || s.Tag != "schema" {
			continue
		}
		ns := s.SelectAttrValue("targetNamespace", "")
		if _, dup := nsFile[ns]; dup {
			return "", fmt.Errorf("wsdl: %s has two inline schemas for namespace %q", name, ns)
		}
		nsFile[ns] = fmt.Sprintf("schema%d.xsd", len(schemas))
		schemas = append(schemas, s)
	}
	out := map[string][]byte{}
	var main strings.Builder
	fmt.Fprintf(&main, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xsd:schema xmlns:xsd=%q>\n", nsXSD)
	for _, s := range schemas {
		ns := s.SelectAttrValue("targetNamespace", "")
		cp := s.Copy()
		for _, a := range defs.Attr {
			if a.Space == "xmlns" && cp.SelectAttr("xmlns:"+a.Key) == nil {
				cp.CreateAttr("xmlns:"+a.Key, a.Value)
			}
		}
		for _, imp := range cp.ChildElements() {
			if imp.Tag != "import" {
				continue
			}
			if f, ok := nsFile[imp.SelectAttrValue("namespace", "")]; ok && imp.SelectAttr("schemaLocation") == nil {
				imp.CreateAttr("schemaLocation", f)
			}
		}
		sd := etree.NewDocument()
		sd.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
		sd.SetRoot(cp)
		sb, err := sd.WriteToBytes()
		if err != nil {
			return "", err
		}
		out[nsFile[ns]] = sb
		if ns != "" {
			fmt.Fprintf(&main, "  <xsd:import namespace=%q schemaLocation=%q/>\n", ns, nsFile[ns])
		} else {
			fmt.Fprintf(&main, "  <xsd:import schemaLocation=%q/>\n", nsFile[ns])
		}
	}
	main.WriteString("</xsd:schema>\n")
	out["main.xsd"] = []byte(main.String())
	dir, err := writeSchemaSet("shepgate-"+name+"-xsd", out)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "main.xsd")
	schemaCache[key] = p
	return p, nil
}

// writeSchemaSet writes files into a content-addressed directory under the temporary directory
// and returns it; an existing complete set is reused, so repeated test runs leave one copy.
func writeSchemaSet(prefix string, files map[string][]byte) (string, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	dir := filepath.Join(os.TempDir(), prefix+"-"+hex.EncodeToString(h.Sum(nil)[:8]))
	if _, err := os.Stat(filepath.Join(dir, "main.xsd")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), prefix+"-tmp-")
	if err != nil {
		return "", err
	}
	for _, n := range names {
		p := filepath.Join(tmp, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			os.RemoveAll(tmp)
			return "", err
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			os.RemoveAll(tmp)
			return "", err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, statErr := os.Stat(filepath.Join(dir, "main.xsd")); statErr == nil {
			return dir, nil // another process won the race
		}
		return "", err
	}
	return dir, nil
}
