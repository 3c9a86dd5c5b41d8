// Package wsdl holds shepgate's own WSDL documents (embedded, served at GET <endpoint>?wsdl),
// the ШЭП service identifiers of the ГЦВП e-services, and contract-test helpers that validate
// messages against the reference ШЭП v10 schemas.
//
// Every WSDL is self-contained: its schemas are inline and import each other by namespace only,
// so a client needs nothing but the one document. The Go bindings in generated/ are produced
// from these files by generate.sh (gowsdl v0.5.0).
package wsdl

import (
	"embed"
	"io/fs"
	"net/http"
	"regexp"
)

//go:embed *.wsdl
var files embed.FS

// FS is the read-only file system of the WSDL documents, named <name>.wsdl.
var FS fs.FS = files

// Names lists the documents Document serves, in a stable order.
var Names = []string{"shep-sync", "shep-async", "gcvp", "gbdfl", "enis"}

// Document returns the WSDL document called name ("shep-sync", "shep-async", "gcvp",
// "gbdfl", "enis"; a trailing ".wsdl" is accepted) and whether it exists. The slice is a
// fresh copy the caller may keep or modify.
func Document(name string) ([]byte, bool) {
	base := name
	if len(base) > 5 && base[len(base)-5:] == ".wsdl" {
		base = base[:len(base)-5]
	}
	for _, n := range Names {
		if n == base {
			b, err := files.ReadFile(n + ".wsdl")
			if err != nil {
				return nil, false
			}
			return b, true
		}
	}
	return nil, false
}

// soapAddress finds the soap:address of a WSDL.
var soapAddress = regexp.MustCompile(`(<soap:address\s+location=")[^"]*(")`)

// Handler answers GET <endpoint>?wsdl with the document called name, its soap:address set to
// the URL it was fetched from; a GET without ?wsdl is told to POST an envelope.
func Handler(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.URL.Query()["wsdl"]; !ok {
			http.Error(w, "POST a SOAP 1.1 envelope here, or GET ?wsdl for the contract", http.StatusMethodNotAllowed)
			return
		}
		doc, ok := Document(name)
		if !ok {
			http.Error(w, "no WSDL", http.StatusNotFound)
			return
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		url := scheme + "://" + r.Host + r.URL.Path
		doc = soapAddress.ReplaceAll(doc, []byte("${1}"+url+"${2}"))
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write(doc)
	}
}
