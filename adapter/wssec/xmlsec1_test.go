package wssec

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// xmlsec1 returns the path of the xmlsec1 tool; the cross-check is part of the suite, so
// a missing tool fails the test rather than skipping it.
func xmlsec1(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("xmlsec1")
	if err != nil {
		t.Fatal("xmlsec1 is not installed: run `make deps` (Debian package xmlsec1)")
	}
	return path
}

func runXmlsec1(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(xmlsec1(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("xmlsec1 %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

const envelopeTemplate = `<?xml version="1.0" encoding="UTF-8"?>
<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Header><wsse:Security xmlns:wsse="` + wsseNS + `" S:mustUnderstand="1"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="` + ExcC14N + `"/><ds:SignatureMethod Algorithm="ALG"/><ds:Reference URI="#id-1"><ds:Transforms><ds:Transform Algorithm="` + ExcC14N + `"/></ds:Transforms><ds:DigestMethod Algorithm="` + SHA256 + `"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><wsse:SecurityTokenReference><wsse:KeyIdentifier EncodingType="` + base64B + `" ValueType="` + x509v3 + `">CERT</wsse:KeyIdentifier></wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature></wsse:Security></S:Header><S:Body xmlns:wsu="` + wsuNS + `" wsu:Id="id-1"><m:Data xmlns:m="urn:m" xmlns="urn:d"><a x="1&#xA;2">Сығанақ &amp; &lt;&gt;</a><b xmlns=""/></m:Data></S:Body></S:Envelope>`

const documentTemplate = `<?xml version="1.0" encoding="UTF-8"?>
<st:statement xmlns:st="urn:st" xmlns="urn:d"><st:iin>880215300123</st:iin><item xml:lang="kk">Сығанақ</item><e xmlns=""/><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="` + ExcC14N + `"/><ds:SignatureMethod Algorithm="ALG"/><ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="` + EnvelopedSignature + `"/><ds:Transform Algorithm="` + ExcC14N + `"/></ds:Transforms><ds:DigestMethod Algorithm="` + SHA256 + `"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate>CERT</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature></st:statement>`

// TestXmlsec1VerifiesOurs has xmlsec1 (libxmlsec1/OpenSSL) verify what we sign.
func TestXmlsec1VerifiesOurs(t *testing.T) {
	p := getPKI(t)
	dir := t.TempDir()
	root, inter := filepath.Join(dir, "root.pem"), filepath.Join(dir, "inter.pem")
	writePEM(t, root, certPEM(p.root.cert))
	writePEM(t, inter, certPEM(p.inter.cert))
	for _, tc := range []struct {
		name string
		kp   keyPair
	}{{"rsa", p.rsaLeaf}, {"ecdsa", p.ecLeaf}} {
		leaf := filepath.Join(dir, tc.name+"-leaf.pem")
		writePEM(t, leaf, certPEM(tc.kp.cert))
		t.Run(tc.name+"/envelope", func(t *testing.T) {
			doc := mustParse(t, []byte(envelopeTemplate))
			sec := doc.FindElement("//Security")
			sec.RemoveChildAt(0)
			if err := tc.kp.signer().SignEnvelope(doc); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, tc.name+"-envelope.xml")
			if err := os.WriteFile(file, serialize(t, doc), 0o644); err != nil {
				t.Fatal(err)
			}
			// xmlsec1 does not resolve a wsse:KeyIdentifier: give it the certificate.
			runXmlsec1(t, "--verify", "--pubkey-cert-pem", leaf, "--id-attr:Id", "Body", file)
		})
		t.Run(tc.name+"/element", func(t *testing.T) {
			in := documentTemplate[strings.Index(documentTemplate, "<st:"):]
			in = in[:strings.Index(in, "<ds:Signature")] + "</st:statement>"
			doc := mustParse(t, []byte(in))
			if err := tc.kp.signer().SignElement(doc.Root()); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, tc.name+"-document.xml")
			if err := os.WriteFile(file, serialize(t, doc), 0o644); err != nil {
				t.Fatal(err)
			}
			runXmlsec1(t, "--verify", "--trusted-pem", root, "--untrusted-pem", inter, file)
		})
	}
}

// TestVerifyXmlsec1Signed verifies what xmlsec1 signs, RSA and ECDSA, both forms.
func TestVerifyXmlsec1Signed(t *testing.T) {
	p := getPKI(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name, alg string
		kp        keyPair
	}{{"rsa", RSASHA256, p.rsaLeaf}, {"ecdsa", ECDSASHA256, p.ecLeaf}} {
		key := filepath.Join(dir, tc.name+"-key.pem")
		writePEM(t, key, keyPEM(t, tc.kp.key))
		cert := base64.StdEncoding.EncodeToString(tc.kp.cert.Raw)
		for _, form := range []struct{ name, tmpl string }{{"envelope", envelopeTemplate}, {"element", documentTemplate}} {
			t.Run(tc.name+"/"+form.name, func(t *testing.T) {
				tmpl := strings.NewReplacer("ALG", tc.alg, "CERT", cert).Replace(form.tmpl)
				in, out := filepath.Join(dir, tc.name+form.name+".tmpl.xml"), filepath.Join(dir, tc.name+form.name+".xml")
				if err := os.WriteFile(in, []byte(tmpl), 0o644); err != nil {
					t.Fatal(err)
				}
				runXmlsec1(t, "--sign", "--privkey-pem", key, "--id-attr:Id", "Body", "--output", out, in)
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				doc := mustParse(t, data)
				if form.name == "envelope" {
					_, err = p.verifier().VerifyEnvelope(doc)
				} else {
					_, err = p.verifier().VerifyElement(doc.Root())
				}
				if err != nil {
					t.Fatalf("verifying xmlsec1's signature: %v\n%s", err, data)
				}
			})
		}
	}
}
