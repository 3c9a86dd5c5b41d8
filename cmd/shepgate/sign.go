package main

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/resultdoc"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
)

func cmdSign(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("sign", stderr)
	keyFile := fs.String("key", "", "private key, PEM (PKCS#8, PKCS#1 or SEC 1) (required)")
	certFile := fs.String("cert", "", "the key's certificate, PEM (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *keyFile == "" || *certFile == "" || fs.NArg() != 1 {
		return usagef("sign needs --key FILE --cert FILE and one input file (- for standard input)")
	}
	key, err := loadKey(*keyFile)
	if err != nil {
		return err
	}
	certs, err := loadCerts(*certFile)
	if err != nil {
		return err
	}
	in, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		return err
	}
	s := &wssec.Signer{Key: key, Cert: certs[0]}
	out, err := s.SignBytes(in, xmlsafe.DefaultLimits)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	_, err = stdout.Write(out)
	return err
}

func cmdVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("verify", stderr)
	rootsFile := fs.String("roots", "", "trusted root certificates, PEM (required)")
	interFile := fs.String("intermediates", "", "intermediate CA certificates, PEM (default: intermediates.pem beside --roots, when present)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *rootsFile == "" || fs.NArg() != 1 {
		return usagef("verify needs --roots FILE and one input file (- for standard input)")
	}
	v, err := verifier(*rootsFile, *interFile)
	if err != nil {
		return err
	}
	in, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		return err
	}
	if bytes.HasPrefix(in, []byte("%PDF-")) {
		// A result document: its barcodes carry the signed XML.
		ver, err := resultdoc.VerifyPDF(in, v)
		if err != nil {
			return verifyFailed("the PDF's barcodes", err)
		}
		fmt.Fprintf(stdout, "OK PDF barcodes hold %s signed by %s\n", ver.Signature.Element.Tag, describe(ver.Signature))
		return nil
	}
	doc, err := xmlsafe.Parse(in, xmlsafe.DefaultLimits)
	if err != nil {
		return verifyFailed("the input", err)
	}
	var docs []*etree.Element
	if root := doc.Root(); root.Tag == "Envelope" && root.NamespaceURI() == envelope.NSSOAP {
		ver, err := v.VerifyEnvelope(doc)
		if err != nil {
			return verifyFailed("the envelope", err)
		}
		fmt.Fprintf(stdout, "OK envelope signed by %s\n", describe(ver))
		// Business documents in data carry their own signatures: check those too.
		for _, data := range ver.Element.FindElements(".//data/*") {
			if hasSignature(data) {
				docs = append(docs, data)
			}
		}
	} else {
		docs = append(docs, root)
	}
	for _, el := range docs {
		ver, err := v.VerifyElement(el)
		if err != nil {
			return verifyFailed("document "+el.Tag, err)
		}
		fmt.Fprintf(stdout, "OK document %s signed by %s\n", el.Tag, describe(ver))
	}
	return nil
}

func hasSignature(el *etree.Element) bool {
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == "http://www.w3.org/2000/09/xmldsig#" {
			return true
		}
	}
	return false
}

func verifyFailed(what string, err error) error {
	return fmt.Errorf("FAIL %s: %s (%s)", what, fault.CodeOf(err), err)
}

func describe(v *wssec.Verified) string {
	names := make([]string, len(v.Chain))
	for i, c := range v.Chain {
		names[i] = c.Subject.CommonName
	}
	return fmt.Sprintf("%q (serial %X), chain: %s", v.Cert.Subject.CommonName, v.Cert.SerialNumber, strings.Join(names, " → "))
}

func verifier(rootsFile, interFile string) (*wssec.Verifier, error) {
	roots, err := loadCerts(rootsFile)
	if err != nil {
		return nil, err
	}
	v := &wssec.Verifier{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool()}
	for _, c := range roots {
		v.Roots.AddCert(c)
	}
	if interFile == "" {
		guess := filepath.Join(filepath.Dir(rootsFile), "intermediates.pem")
		if _, err := os.Stat(guess); err == nil {
			interFile = guess
		}
	}
	if interFile != "" {
		inters, err := loadCerts(interFile)
		if err != nil {
			return nil, err
		}
		for _, c := range inters {
			v.Intermediates.AddCert(c)
		}
	}
	return v, nil
}

func loadCerts(path string) ([]*x509.Certificate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificates: %s: %w", path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("certificates: %s holds no PEM CERTIFICATE", path)
	}
	return out, nil
}

func loadKey(path string) (crypto.Signer, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	b, _ := pem.Decode(raw)
	if b == nil {
		return nil, fmt.Errorf("key: %s is not PEM", path)
	}
	var k any
	switch b.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		return nil, fmt.Errorf("key: %s holds a %q block, want a private key", path, b.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("key: %s: %w", path, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("key: not a signing key")
	}
	return s, nil
}
