package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shepgate/shepgate/adapter/iin"
)

var testNow = time.Date(2025, 3, 21, 9, 30, 0, 0, time.UTC)

func initPKI(t *testing.T, opts Options) *PKI {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	start := time.Now()
	p, err := Init(opts)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	t.Logf("Init took %v", time.Since(start))
	return p
}

func TestInitIdempotent(t *testing.T) {
	dir := t.TempDir()
	p1 := initPKI(t, Options{Dir: dir, Now: testNow})
	before := map[string][]byte{}
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(dir, f.Name()))
		before[f.Name()] = b
	}
	// A second Init with different options loads; nothing is rewritten.
	p2, err := Init(Options{Dir: dir, BaseURL: "http://elsewhere:1", Algorithm: ECDSAP256})
	if err != nil {
		t.Fatalf("second Init: %v", err)
	}
	files, _ = os.ReadDir(dir)
	if len(files) != len(before) {
		t.Fatalf("second Init changed the file count: %d → %d", len(before), len(files))
	}
	for name, b := range before {
		now, _ := os.ReadFile(filepath.Join(dir, name))
		if !bytes.Equal(now, b) {
			t.Errorf("second Init rewrote %s", name)
		}
	}
	if p2.BaseURL() != DefaultBaseURL {
		t.Errorf("BaseURL = %s after reload", p2.BaseURL())
	}
	for _, e := range p1.Entries() {
		c1, _ := p1.Cert(e.Name)
		c2, ok := p2.Cert(e.Name)
		if !ok || !bytes.Equal(c1.Raw, c2.Raw) {
			t.Errorf("%s differs after reload", e.Name)
		}
	}
	p3, err := Load(dir)
	if err != nil || len(p3.Entries()) != len(p1.Entries()) {
		t.Fatalf("Load: %v", err)
	}
}

func TestEntriesAndChains(t *testing.T) {
	p := initPKI(t, Options{Now: testNow, BaseURL: "http://nuc.test:9/"})
	want := []string{NameRoot, NameUntrustedRoot, NameIntermediate, NameOCSP, NameGCVP, NamePortal, NameGateway,
		NameGBDFL, NameENIS, NameOperator1, NameConsumerGood, NameConsumerEC, NameConsumerRevoked,
		NameConsumerExpired, NameConsumerWrongIIN, NameConsumerUntrust, NameCON}
	if got := len(p.Entries()); got != len(want) {
		t.Fatalf("%d entries, want %d", got, len(want))
	}
	roots, inters := p.Roots(), p.Intermediates()
	iins := map[string]string{}
	for _, name := range want {
		e, ok := p.Entry(name)
		if !ok {
			t.Fatalf("no entry %s", name)
		}
		signer, cert, err := p.KeyPair(name)
		if err != nil {
			t.Fatal(err)
		}
		if cert.SerialNumber.Text(16) != e.Serial {
			t.Errorf("%s: serial %s in index, %x in cert", name, e.Serial, cert.SerialNumber)
		}
		// The key signs and the certificate's key verifies.
		digest := sha256.Sum256([]byte(name))
		sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			t.Fatalf("%s: sign: %v", name, err)
		}
		switch pub := cert.PublicKey.(type) {
		case *rsa.PublicKey:
			if e.Algorithm != RSA2048 || pub.N.BitLen() != 2048 || rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) != nil {
				t.Errorf("%s: RSA key/alg mismatch (%s)", name, e.Algorithm)
			}
		case *ecdsa.PublicKey:
			if e.Algorithm != ECDSAP256 || !ecdsa.VerifyASN1(pub, digest[:], sig) {
				t.Errorf("%s: ECDSA key/alg mismatch (%s)", name, e.Algorithm)
			}
		}
		iss, ok := p.Issuer(cert)
		issEntry, _ := p.Entry(e.Issuer)
		if !ok || iss.SerialNumber.Text(16) != issEntry.Serial {
			t.Errorf("%s: Issuer() does not find %s", name, e.Issuer)
		}
		if e.Role.IsCA() != cert.IsCA {
			t.Errorf("%s: IsCA = %v", name, cert.IsCA)
		}
		// Chain verification: good ones chain to roots.pem, untrusted ones do not.
		_, verr := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: testNow,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		switch e.Status {
		case StatusGood, StatusRevoked, StatusWrongIIN:
			if verr != nil {
				t.Errorf("%s: does not verify: %v", name, verr)
			}
		case StatusExpired:
			if verr == nil || !strings.Contains(verr.Error(), "expired") {
				t.Errorf("%s: verify error %v, want expired", name, verr)
			}
			if !cert.NotAfter.Before(testNow) {
				t.Errorf("%s: NotAfter %v not in the past", name, cert.NotAfter)
			}
		case StatusUntrusted:
			if verr == nil {
				t.Errorf("%s: untrusted certificate verifies", name)
			}
		}
		if !e.Role.IsCA() {
			if e.Role != RoleOCSP && (len(cert.OCSPServer) != 1 || cert.OCSPServer[0] != "http://nuc.test:9/nuc/ocsp") {
				t.Errorf("%s: OCSP URL %v", name, cert.OCSPServer)
			}
			if len(cert.CRLDistributionPoints) != 1 || cert.CRLDistributionPoints[0] != "http://nuc.test:9/nuc/crl/"+e.Issuer+".crl" {
				t.Errorf("%s: CRL DP %v", name, cert.CRLDistributionPoints)
			}
			if len(cert.IssuingCertificateURL) != 1 || cert.IssuingCertificateURL[0] != "http://nuc.test:9/nuc/ca/"+e.Issuer+".crt" {
				t.Errorf("%s: CA issuers %v", name, cert.IssuingCertificateURL)
			}
			if !hasFreshest(cert, "http://nuc.test:9/nuc/crl/"+e.Issuer+"-delta.crl") {
				t.Errorf("%s: no FreshestCRL", name)
			}
			if e.Role != RoleOCSP && cert.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
				t.Errorf("%s: key usage %b", name, cert.KeyUsage)
			}
		}
		if e.Role == RoleConsumer || e.Role == RoleOperator {
			if !iin.Valid(e.IIN) {
				t.Errorf("%s: IIN %q in index is not valid", name, e.IIN)
			}
			if other, dup := iins[e.IIN]; dup {
				t.Errorf("%s and %s share IIN %s", name, other, e.IIN)
			}
			iins[e.IIN] = name
			if cert.Subject.CommonName != e.Owner || !utf8.ValidString(e.Owner) || len(cert.Subject.Country) != 1 || cert.Subject.Country[0] != "KZ" {
				t.Errorf("%s: subject %s, owner %s", name, cert.Subject, e.Owner)
			}
			var sn, gn string
			for _, n := range cert.Subject.Names {
				switch {
				case n.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 4}):
					sn, _ = n.Value.(string)
				case n.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 42}):
					gn, _ = n.Value.(string)
				}
			}
			if sn+" "+gn != e.Owner {
				t.Errorf("%s: SN=%q GN=%q, owner %q", name, sn, gn, e.Owner)
			}
		}
		if e.Role == RoleSystem && (!iin.ValidBIN(e.BIN) || cert.Subject.SerialNumber != "BIN"+e.BIN) {
			t.Errorf("%s: BIN %q, subject SERIALNUMBER %q", name, e.BIN, cert.Subject.SerialNumber)
		}
	}
	if e, _ := p.Entry(NameConsumerGood); e.Algorithm != RSA2048 {
		t.Errorf("consumer-good algorithm %s", e.Algorithm)
	}
	if e, _ := p.Entry(NameConsumerEC); e.Algorithm != ECDSAP256 {
		t.Errorf("consumer-ec algorithm %s", e.Algorithm)
	}
	root, _ := p.Cert(NameRoot)
	if root.Subject.CommonName != RootCN {
		t.Errorf("root CN %q", root.Subject.CommonName)
	}
	chain, err := p.Chain(NameConsumerGood)
	if err != nil || len(chain) != 3 || chain[2] != root {
		t.Errorf("Chain(consumer-good) = %d certs, %v", len(chain), err)
	}
}

func hasFreshest(c *x509.Certificate, url string) bool {
	for _, ext := range c.Extensions {
		if ext.Id.Equal(oidFreshestCRL) {
			var dps []distributionPoint
			if _, err := asn1.Unmarshal(ext.Value, &dps); err != nil || len(dps) != 1 || len(dps[0].DistributionPoint.FullName) != 1 {
				return false
			}
			return string(dps[0].DistributionPoint.FullName[0].Bytes) == url
		}
	}
	return false
}

func TestSpecialEntries(t *testing.T) {
	p := initPKI(t, Options{Now: testNow, Algorithm: ECDSAP256})

	// wrong-iin: the certificate carries a valid IIN that is not the owner's.
	e, _ := p.Entry(NameConsumerWrongIIN)
	c, _ := p.Cert(NameConsumerWrongIIN)
	got, ok := iin.FromCertificate(c)
	if !ok || !iin.Valid(got) || got == e.IIN || got != e.CertIIN {
		t.Errorf("wrong-iin: cert IIN %q, index IIN %q, certIin %q", got, e.IIN, e.CertIIN)
	}
	for _, name := range []string{NameConsumerGood, NameConsumerEC, NameOperator1, NameConsumerRevoked} {
		e, _ := p.Entry(name)
		c, _ := p.Cert(name)
		if got, ok := iin.FromCertificate(c); !ok || got != e.IIN || e.CertIIN != "" {
			t.Errorf("%s: cert IIN %q, index %q", name, got, e.IIN)
		}
	}

	rev := p.Revoked()
	if len(rev) != 1 || rev[0].Name != NameConsumerRevoked || rev[0].Reason != "keyCompromise" || rev[0].ReasonCode() != 1 ||
		rev[0].RevokedAt.IsZero() || !rev[0].RevokedAt.Before(testNow) || rev[0].RevokedAt.Before(rev[0].NotBefore) {
		t.Errorf("Revoked() = %+v", rev)
	}

	ocspCert, _ := p.Cert(NameOCSP)
	inter, _ := p.Cert(NameIntermediate)
	if len(ocspCert.ExtKeyUsage) != 1 || ocspCert.ExtKeyUsage[0] != x509.ExtKeyUsageOCSPSigning || ocspCert.CheckSignatureFrom(inter) != nil {
		t.Error("ocsp: not an OCSP signing certificate issued by the intermediate")
	}
	var nocheck bool
	for _, ext := range ocspCert.Extensions {
		nocheck = nocheck || ext.Id.Equal(oidOCSPNoCheck)
	}
	if !nocheck || len(ocspCert.OCSPServer) != 0 {
		t.Errorf("ocsp: nocheck %v, OCSP URLs %v", nocheck, ocspCert.OCSPServer)
	}

	untrusted, _ := p.Cert(NameUntrustedRoot)
	if p.Roots().Equal(x509.NewCertPool()) {
		t.Error("Roots() empty")
	}
	if _, err := untrusted.Verify(x509.VerifyOptions{Roots: p.Roots(), CurrentTime: testNow}); err == nil {
		t.Error("untrusted-root verifies against roots.pem")
	}
	gcvp, _ := p.Entry(NameGCVP)
	if !strings.Contains(gcvp.Owner, "Зейнетақы төлеу жөніндегі мемлекеттік орталығы") || !strings.Contains(gcvp.OwnerRU, "Государственный центр по выплате пенсий") {
		t.Errorf("gcvp owner %q / %q", gcvp.Owner, gcvp.OwnerRU)
	}

	if _, _, err := p.KeyPair("nope"); err == nil {
		t.Error("KeyPair of unknown name succeeded")
	}
}

func TestFilesAndIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	p := initPKI(t, Options{Dir: dir, Now: testNow, Algorithm: ECDSAP256})
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, %v", st.Mode(), err)
	}
	for _, e := range p.Entries() {
		st, err := os.Stat(filepath.Join(dir, e.KeyFile))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: key mode %v, %v", e.Name, st.Mode().Perm(), err)
		}
		st, err = os.Stat(filepath.Join(dir, e.CertFile))
		if err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: cert mode %v, %v", e.Name, st.Mode().Perm(), err)
		}
		if e.CertFile != e.Name+".crt.pem" || e.KeyFile != e.Name+".key.pem" {
			t.Errorf("%s: files %s %s", e.Name, e.CertFile, e.KeyFile)
		}
	}
	roots, err := readCerts(filepath.Join(dir, "roots.pem"))
	if err != nil || len(roots) != 1 || roots[0].Subject.CommonName != RootCN {
		t.Errorf("roots.pem: %d certs, %v", len(roots), err)
	}
	inters, err := readCerts(filepath.Join(dir, "intermediates.pem"))
	if err != nil || len(inters) != 1 {
		t.Errorf("intermediates.pem: %d certs, %v", len(inters), err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	var generic struct {
		Version int              `json:"version"`
		Entries []map[string]any `json:"entries"`
	}
	if err := json.Unmarshal(raw, &generic); err != nil || generic.Version != 1 {
		t.Fatalf("pki.json: %v", err)
	}
	for _, e := range generic.Entries {
		for _, k := range []string{"name", "certFile", "keyFile", "role", "owner", "algorithm", "serial", "issuer", "issuerDn", "status"} {
			if s, _ := e[k].(string); s == "" {
				t.Errorf("entry %v: field %s missing", e["name"], k)
			}
		}
		_, hasRev := e["revokedAt"]
		if (e["status"] == "revoked") != hasRev {
			t.Errorf("entry %v: revokedAt present=%v", e["name"], hasRev)
		}
	}
	if !strings.Contains(string(raw), "ӘБІЛҰЛЫ ҚАНАТ") {
		t.Error("pki.json does not hold the Kazakh owner names verbatim")
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("Load of an empty dir succeeded")
	}
	if _, err := Init(Options{}); err == nil {
		t.Error("Init without Dir succeeded")
	}
	if _, err := Init(Options{Dir: t.TempDir(), Algorithm: "DSA"}); err == nil {
		t.Error("Init with an unknown algorithm succeeded")
	}
	dir := t.TempDir()
	initPKI(t, Options{Dir: dir, Algorithm: ECDSAP256})
	// A key that does not match its certificate is refused.
	gk, _ := os.ReadFile(filepath.Join(dir, "gateway.key.pem"))
	if err := os.WriteFile(filepath.Join(dir, "portal.key.pem"), gk, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("Load with a swapped key: %v", err)
	}
}

func TestReasons(t *testing.T) {
	if c, ok := ReasonCode("keyCompromise"); !ok || c != 1 {
		t.Error("keyCompromise")
	}
	if _, ok := ReasonCode("nope"); ok {
		t.Error("unknown reason accepted")
	}
	if ReasonName(6) != "certificateHold" || ReasonName(7) != "reason(7)" {
		t.Error("ReasonName")
	}
}
