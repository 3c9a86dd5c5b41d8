package wssec

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
)

// sharedDir returns ../shared beside the repository root (the folder holding go.mod).
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package directory")
		}
		dir = parent
	}
}

func readShared(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedDir(t), rel))
	if err != nil {
		t.Fatalf("reading shared/%s: %v", rel, err)
	}
	return data
}

type keyPair struct {
	key  crypto.Signer
	cert *x509.Certificate
}

func (k keyPair) signer() *Signer { return &Signer{Key: k.key, Cert: k.cert} }

// testPKI is root → intermediate → leaves, plus a foreign root and its leaf.
type testPKI struct {
	root, inter, other                            keyPair
	rsaLeaf, ecLeaf, expired, future, weak, alien keyPair
	roots, inters                                 *x509.CertPool
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
	pkiErr  error
)

func rsaKey(bits int) crypto.Signer {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

func ecKey() crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

var serial int64

func issue(name string, key crypto.Signer, parent *keyPair, ca bool, from, to time.Time) keyPair {
	serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: name, Country: []string{"KZ"}},
		NotBefore:             from,
		NotAfter:              to,
		BasicConstraintsValid: true,
		IsCA:                  ca,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	if ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	issuerCert, issuerKey := tmpl, key
	if parent != nil {
		issuerCert, issuerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuerCert, key.Public(), issuerKey)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return keyPair{key, cert}
}

func getPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		now := time.Now()
		p := &testPKI{}
		p.root = issue("Test Root", rsaKey(2048), nil, true, now.Add(-48*time.Hour), now.Add(10*365*24*time.Hour))
		p.inter = issue("Test Intermediate", ecKey(), &p.root, true, now.Add(-24*time.Hour), now.Add(5*365*24*time.Hour))
		p.other = issue("Other Root", ecKey(), nil, true, now.Add(-24*time.Hour), now.Add(365*24*time.Hour))
		p.rsaLeaf = issue("RSA signer IIN880215300123", rsaKey(2048), &p.inter, false, now.Add(-time.Hour), now.Add(365*24*time.Hour))
		p.ecLeaf = issue("ECDSA signer", ecKey(), &p.inter, false, now.Add(-time.Hour), now.Add(365*24*time.Hour))
		p.expired = issue("Expired signer", ecKey(), &p.inter, false, now.Add(-10*24*time.Hour), now.Add(-time.Hour))
		p.future = issue("Future signer", ecKey(), &p.inter, false, now.Add(time.Hour), now.Add(48*time.Hour))
		p.weak = issue("Weak signer", rsaKey(1024), &p.inter, false, now.Add(-time.Hour), now.Add(48*time.Hour))
		p.alien = issue("Alien signer", ecKey(), &p.other, false, now.Add(-time.Hour), now.Add(48*time.Hour))
		p.roots = x509.NewCertPool()
		p.roots.AddCert(p.root.cert)
		p.inters = x509.NewCertPool()
		p.inters.AddCert(p.inter.cert)
		pkiVal = p
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiVal
}

func (p *testPKI) verifier() *Verifier {
	return &Verifier{Roots: p.roots, Intermediates: p.inters}
}

func writePEM(t testing.TB, path string, blocks ...*pem.Block) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, b := range blocks {
		if err := pem.Encode(f, b); err != nil {
			t.Fatal(err)
		}
	}
}

func certPEM(c *x509.Certificate) *pem.Block { return &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw} }

func keyPEM(t testing.TB, k crypto.Signer) *pem.Block {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return &pem.Block{Type: "PRIVATE KEY", Bytes: der}
}

func mustParse(t testing.TB, data []byte) *etree.Document {
	t.Helper()
	doc, err := xmlsafe.Parse(data, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatalf("xmlsafe.Parse: %v", err)
	}
	return doc
}

func serialize(t testing.TB, doc *etree.Document) []byte {
	t.Helper()
	setWriteSettings(doc)
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantCode fails unless err is a *fault.Error with code want.
func wantCode(t testing.TB, err error, want fault.Code) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want *fault.Error %s", err, err, want)
	}
	if fe.Code != want {
		t.Fatalf("code = %s (%v), want %s", fe.Code, err, want)
	}
}

// benchKey loads the bench corpus key (PKCS#8) and certificate.
func benchKey(t testing.TB) keyPair {
	t.Helper()
	kb, _ := pem.Decode(readShared(t, "bench-corpus/key.pem"))
	cb, _ := pem.Decode(readShared(t, "bench-corpus/cert.pem"))
	if kb == nil || cb == nil {
		t.Fatal("bench-corpus key.pem/cert.pem are not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return keyPair{k.(crypto.Signer), c}
}

func benchVerifier(t testing.TB) *Verifier {
	kp := benchKey(t)
	roots := x509.NewCertPool()
	roots.AddCert(kp.cert)
	return &Verifier{Roots: roots}
}
