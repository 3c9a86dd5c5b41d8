// Package pki creates and loads shepgate's test PKI: a stand-in for the Kazakh National
// Certification Authority (НУЦ РК) with a root, an issuing CA, a delegated OCSP responder, the
// certificates of the systems on the ШЭП path (ГЦВП, the portal, the gateway, ГБД ФЛ, ЕНИС, the
// ЦОН information system), a ЦОН operator, consumers in every state the checks must handle (good,
// revoked, expired, with a wrong IIN, from an untrusted CA) and an untrusted root.
//
// `shepgate pki init --dir DIR` calls Init; `make run` does so on first start. Init never
// overwrites an existing PKI: when DIR/pki.json exists it loads it.
//
// # Files
//
// Init writes into DIR:
//
//	<name>.crt.pem     the certificate of entry <name> (PEM "CERTIFICATE", mode 0644)
//	<name>.key.pem     its private key (PEM "PRIVATE KEY", PKCS#8, mode 0600)
//	roots.pem          the trusted root bundle: only "НУЦ РК (test)" (not untrusted-root)
//	intermediates.pem  the issuing CA certificates that chain to roots.pem
//	pki.json           the index described below, written last (its presence means complete)
//
// # pki.json
//
// pki.json is a JSON object (see Index and Entry):
//
//	{
//	  "version": 1,                         // format version, always 1
//	  "baseURL": "http://127.0.0.1:8080",   // address of the НУЦ mock baked into the URLs
//	  "created": "2025-01-01T00:00:00Z",    // the Now the PKI was made at (UTC)
//	  "roots": "roots.pem",
//	  "intermediates": "intermediates.pem",
//	  "entries": [                          // every certificate, CAs first
//	    {
//	      "name": "consumer-revoked",       // stable name, also the file name stem
//	      "certFile": "consumer-revoked.crt.pem",
//	      "keyFile": "consumer-revoked.key.pem",
//	      "role": "consumer",               // root-ca, issuing-ca, ocsp-responder, system, operator, consumer
//	      "owner": "СӘРСЕНБАЕВ НҰРЛАН",     // person (SURNAME NAME) or organisation (Kazakh name)
//	      "ownerRu": "...",                 // organisation name in Russian, when there is one
//	      "iin": "790227301...",            // the owner's real IIN (persons)
//	      "certIin": "...",                 // the IIN the certificate carries, only when it differs (wrong-iin)
//	      "bin": "...",                     // BIN of the organisation (systems; the employer of an operator)
//	      "algorithm": "RSA-2048",          // RSA-2048 or ECDSA-P256
//	      "serial": "5f0e...",              // certificate serial, lowercase hex without leading zeros
//	      "subject": "SERIALNUMBER=IIN...,CN=...",  // subject DN (RFC 2253 style, Go's pkix.Name.String)
//	      "issuer": "intermediate",         // entry name of the issuing CA (itself for a root)
//	      "issuerDn": "CN=...",             // issuer DN
//	      "notBefore": "...", "notAfter": "...",
//	      "status": "revoked",              // intended status: good, revoked, expired, wrong-iin, untrusted
//	      "revokedAt": "...",               // revoked only: revocation time (UTC, seconds)
//	      "reason": "keyCompromise"         // revoked only: RFC 5280 CRLReason name
//	    }
//	  ]
//	}
//
// # Certificates
//
// Names are stable; see the Name* constants. CAs are valid 10 years (now-5y..now+5y), leaves
// 2 years from now-1h, consumer-expired from now-3y to now-1y. Every certificate below the
// roots carries a CRL distribution point BaseURL+"/nuc/crl/<issuer>.crl", a FreshestCRL (delta
// CRL) point BaseURL+"/nuc/crl/<issuer>-delta.crl" and a CA issuers URL
// BaseURL+"/nuc/ca/<issuer>.crt"; every leaf except the OCSP responder (which has
// id-pkix-ocsp-nocheck) also carries the OCSP URL BaseURL+"/nuc/ocsp".
package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/shepgate/shepgate/adapter/iin"
)

// IndexFile is the name of the index in a PKI directory.
const IndexFile = "pki.json"

// DefaultBaseURL is the address of the НУЦ mock used in certificate URLs by default.
const DefaultBaseURL = "http://127.0.0.1:8080"

// Stable entry names.
const (
	NameRoot             = "root"
	NameIntermediate     = "intermediate"
	NameOCSP             = "ocsp"
	NameUntrustedRoot    = "untrusted-root"
	NameGCVP             = "gcvp"
	NamePortal           = "portal"
	NameGateway          = "gateway"
	NameGBDFL            = "gbdfl"
	NameENIS             = "enis"
	NameCON              = "con" // the ЦОН information system (ИС ЦОН / ХҚКО АЖ), НАО «Правительство для граждан»
	NameOperator1        = "operator-1"
	NameConsumerGood     = "consumer-good"
	NameConsumerEC       = "consumer-ec"
	NameConsumerRevoked  = "consumer-revoked"
	NameConsumerExpired  = "consumer-expired"
	NameConsumerWrongIIN = "consumer-wrong-iin"
	NameConsumerUntrust  = "consumer-untrusted"
)

// RootCN is the common name of the trusted test root.
const RootCN = "НУЦ РК (test)"

// Role is what a certificate is for.
type Role string

// Roles of the entries.
const (
	RoleRootCA    Role = "root-ca"
	RoleIssuingCA Role = "issuing-ca"
	RoleOCSP      Role = "ocsp-responder"
	RoleSystem    Role = "system"
	RoleOperator  Role = "operator"
	RoleConsumer  Role = "consumer"
)

// IsCA reports whether the role is a certification authority.
func (r Role) IsCA() bool { return r == RoleRootCA || r == RoleIssuingCA }

// Status is the status a certificate is meant to have in tests.
type Status string

// Intended statuses.
const (
	StatusGood      Status = "good"
	StatusRevoked   Status = "revoked"
	StatusExpired   Status = "expired"
	StatusWrongIIN  Status = "wrong-iin"
	StatusUntrusted Status = "untrusted"
)

// Algorithm is a key algorithm.
type Algorithm string

// Supported key algorithms.
const (
	RSA2048   Algorithm = "RSA-2048"
	ECDSAP256 Algorithm = "ECDSA-P256"
)

// Options configures Init.
type Options struct {
	// Dir is the directory to create or load; it is created (0700) when missing.
	Dir string
	// BaseURL is the address of the НУЦ mock used in the certificates' OCSP, CRL and CA issuer
	// URLs; default DefaultBaseURL.
	BaseURL string
	// Now is the time the PKI is made at; zero means time.Now().
	Now time.Time
	// Algorithm is the key algorithm of every entry that does not pin one (consumer-good is
	// always RSA-2048, consumer-ec always ECDSA-P256); default RSA2048.
	Algorithm Algorithm
}

// Index is the content of pki.json.
type Index struct {
	Version       int       `json:"version"`
	BaseURL       string    `json:"baseURL"`
	Created       time.Time `json:"created"`
	Roots         string    `json:"roots"`
	Intermediates string    `json:"intermediates"`
	Entries       []Entry   `json:"entries"`
}

// Entry describes one certificate of the PKI; see the package documentation for the fields.
type Entry struct {
	Name      string    `json:"name"`
	CertFile  string    `json:"certFile"`
	KeyFile   string    `json:"keyFile"`
	Role      Role      `json:"role"`
	Owner     string    `json:"owner"`
	OwnerRU   string    `json:"ownerRu,omitempty"`
	IIN       string    `json:"iin,omitempty"`
	CertIIN   string    `json:"certIin,omitempty"`
	BIN       string    `json:"bin,omitempty"`
	Algorithm Algorithm `json:"algorithm"`
	Serial    string    `json:"serial"`
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	IssuerDN  string    `json:"issuerDn"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	Status    Status    `json:"status"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	Reason    string    `json:"reason,omitempty"`
}

// ReasonCode returns the RFC 5280 CRLReason code of a revoked entry's Reason (0, unspecified,
// when Reason is empty or unknown).
func (e Entry) ReasonCode() int {
	c, _ := ReasonCode(e.Reason)
	return c
}

var reasonNames = []string{
	0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged",
	4: "superseded", 5: "cessationOfOperation", 6: "certificateHold", 8: "removeFromCRL",
	9: "privilegeWithdrawn", 10: "aACompromise",
}

// ReasonCode returns the RFC 5280 CRLReason code of a reason name such as "keyCompromise".
func ReasonCode(name string) (int, bool) {
	for c, n := range reasonNames {
		if n != "" && n == name {
			return c, true
		}
	}
	return 0, false
}

// ReasonName returns the RFC 5280 name of a CRLReason code, or "reason(<code>)".
func ReasonName(code int) string {
	if code >= 0 && code < len(reasonNames) && reasonNames[code] != "" {
		return reasonNames[code]
	}
	return fmt.Sprintf("reason(%d)", code)
}

// PKI is a loaded test PKI. It is read-only after Init or Load and safe for concurrent use.
type PKI struct {
	dir    string
	index  Index
	byName map[string]int
	certs  map[string]*x509.Certificate
	keys   map[string]crypto.Signer
	roots  *x509.CertPool
	inters *x509.CertPool
}

// Init creates the test PKI in opts.Dir, or loads it when opts.Dir/pki.json exists (an existing
// PKI is never overwritten, whatever the options say).
func Init(opts Options) (*PKI, error) {
	if opts.Dir == "" {
		return nil, errors.New("pki: Options.Dir is empty")
	}
	if _, err := os.Stat(filepath.Join(opts.Dir, IndexFile)); err == nil {
		return Load(opts.Dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("pki: stat index: %w", err)
	}
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	opts.Now = opts.Now.UTC().Truncate(time.Second)
	switch opts.Algorithm {
	case "":
		opts.Algorithm = RSA2048
	case RSA2048, ECDSAP256:
	default:
		return nil, fmt.Errorf("pki: unsupported algorithm %q", opts.Algorithm)
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: create dir: %w", err)
	}
	if err := generate(opts); err != nil {
		return nil, err
	}
	return Load(opts.Dir)
}

// Load reads the PKI in dir (pki.json and every file it names).
func Load(dir string) (*PKI, error) {
	raw, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		return nil, fmt.Errorf("pki: read index: %w", err)
	}
	p := &PKI{dir: dir, byName: map[string]int{}, certs: map[string]*x509.Certificate{}, keys: map[string]crypto.Signer{}}
	if err := json.Unmarshal(raw, &p.index); err != nil {
		return nil, fmt.Errorf("pki: parse %s: %w", IndexFile, err)
	}
	if p.index.Version != 1 {
		return nil, fmt.Errorf("pki: %s version %d is not supported", IndexFile, p.index.Version)
	}
	for i, e := range p.index.Entries {
		if _, dup := p.byName[e.Name]; dup || e.Name == "" {
			return nil, fmt.Errorf("pki: %s: empty or duplicate entry name %q", IndexFile, e.Name)
		}
		p.byName[e.Name] = i
		certs, err := readCerts(filepath.Join(dir, e.CertFile))
		if err != nil || len(certs) != 1 {
			return nil, fmt.Errorf("pki: entry %s: certificate: %w", e.Name, errors.Join(err, errors.New("want exactly one certificate")))
		}
		key, err := readKey(filepath.Join(dir, e.KeyFile))
		if err != nil {
			return nil, fmt.Errorf("pki: entry %s: key: %w", e.Name, err)
		}
		if pk, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pk.Equal(certs[0].PublicKey) {
			return nil, fmt.Errorf("pki: entry %s: key does not match the certificate", e.Name)
		}
		p.certs[e.Name] = certs[0]
		p.keys[e.Name] = key
	}
	p.roots, err = readPool(filepath.Join(dir, p.index.Roots))
	if err != nil {
		return nil, fmt.Errorf("pki: roots: %w", err)
	}
	p.inters, err = readPool(filepath.Join(dir, p.index.Intermediates))
	if err != nil {
		return nil, fmt.Errorf("pki: intermediates: %w", err)
	}
	return p, nil
}

// Dir returns the PKI's directory.
func (p *PKI) Dir() string { return p.dir }

// BaseURL returns the НУЦ mock address baked into the certificates.
func (p *PKI) BaseURL() string { return p.index.BaseURL }

// Created returns the time the PKI was made at.
func (p *PKI) Created() time.Time { return p.index.Created }

// Index returns a copy of the index.
func (p *PKI) Index() Index {
	ix := p.index
	ix.Entries = p.Entries()
	return ix
}

// Entry returns the entry called name.
func (p *PKI) Entry(name string) (Entry, bool) {
	i, ok := p.byName[name]
	if !ok {
		return Entry{}, false
	}
	return p.index.Entries[i], true
}

// Entries returns every entry, CAs first, in the order of pki.json.
func (p *PKI) Entries() []Entry { return append([]Entry(nil), p.index.Entries...) }

// Revoked returns the entries whose intended status is revoked.
func (p *PKI) Revoked() []Entry {
	var out []Entry
	for _, e := range p.index.Entries {
		if e.Status == StatusRevoked {
			out = append(out, e)
		}
	}
	return out
}

// Cert returns the certificate of entry name.
func (p *PKI) Cert(name string) (*x509.Certificate, bool) {
	c, ok := p.certs[name]
	return c, ok
}

// KeyPair returns the private key and certificate of entry name.
func (p *PKI) KeyPair(name string) (crypto.Signer, *x509.Certificate, error) {
	c, ok := p.certs[name]
	if !ok {
		return nil, nil, fmt.Errorf("pki: no entry %q", name)
	}
	return p.keys[name], c, nil
}

// Roots returns a new pool holding the trusted root (roots.pem).
func (p *PKI) Roots() *x509.CertPool { return p.roots.Clone() }

// Intermediates returns a new pool holding the issuing CAs (intermediates.pem).
func (p *PKI) Intermediates() *x509.CertPool { return p.inters.Clone() }

// Issuer returns the CA certificate of this PKI that issued cert (cert itself for a root): the
// CA whose subject is cert's issuer and whose key verifies cert's signature.
func (p *PKI) Issuer(cert *x509.Certificate) (*x509.Certificate, bool) {
	for _, e := range p.index.Entries {
		if !e.Role.IsCA() {
			continue
		}
		ca := p.certs[e.Name]
		if bytes.Equal(cert.RawIssuer, ca.RawSubject) && cert.CheckSignatureFrom(ca) == nil {
			return ca, true
		}
	}
	return nil, false
}

// EntryOf returns the entry whose certificate is cert (same DER).
func (p *PKI) EntryOf(cert *x509.Certificate) (Entry, bool) {
	for _, e := range p.index.Entries {
		if bytes.Equal(p.certs[e.Name].Raw, cert.Raw) {
			return e, true
		}
	}
	return Entry{}, false
}

// Chain returns the chain of entry name from the leaf up to and including its self-signed root.
func (p *PKI) Chain(name string) ([]*x509.Certificate, error) {
	c, ok := p.certs[name]
	if !ok {
		return nil, fmt.Errorf("pki: no entry %q", name)
	}
	chain := []*x509.Certificate{c}
	for len(chain) <= len(p.index.Entries) {
		iss, ok := p.Issuer(c)
		if !ok {
			return nil, fmt.Errorf("pki: entry %q: no issuer for %s", name, c.Subject)
		}
		if iss == c {
			return chain, nil
		}
		chain = append(chain, iss)
		c = iss
	}
	return nil, fmt.Errorf("pki: entry %q: issuer loop", name)
}

// ---- generation ----

type person struct {
	surname, given string
	birth          string // YYYY-MM-DD
	female         bool
	serial         int
}

type org struct {
	kk, ru string
	reg    string // YYYY-MM of registration, for the BIN
	serial int
}

var (
	orgGCVP    = org{"«Зейнетақы төлеу жөніндегі мемлекеттік орталығы» РМҚК", "РГКП «Государственный центр по выплате пенсий»", "1998-01", 1017}
	orgNIT     = org{"«Ұлттық ақпараттық технологиялар» АҚ", "АО «Национальные информационные технологии»", "2000-05", 2345}
	orgMinJus  = org{"Қазақстан Республикасы Әділет министрлігі", "Министерство юстиции Республики Казахстан", "1999-02", 3120}
	orgNotary  = org{"Республикалық нотариаттық палата", "Республиканская нотариальная палата", "2001-10", 4404}
	orgGovCorp = org{"«Азаматтарға арналған үкімет» мемлекеттік корпорациясы» КЕАҚ", "НАО «Государственная корпорация «Правительство для граждан»", "2016-03", 5071}
)

type spec struct {
	name   string
	role   Role
	issuer string
	alg    Algorithm
	status Status
	cn     string
	org    *org
	person *person
	// certPerson, when set, is whose IIN the certificate carries (wrong-iin).
	certPerson *person
}

func specs() []spec {
	return []spec{
		{name: NameRoot, role: RoleRootCA, issuer: NameRoot, status: StatusGood, cn: RootCN},
		{name: NameUntrustedRoot, role: RoleRootCA, issuer: NameUntrustedRoot, status: StatusUntrusted, cn: "Жалған куәландырушы орталық (untrusted test)"},
		{name: NameIntermediate, role: RoleIssuingCA, issuer: NameRoot, status: StatusGood, cn: "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (test)"},
		{name: NameOCSP, role: RoleOCSP, issuer: NameIntermediate, status: StatusGood, cn: "OCSP ҰКО (test)"},
		{name: NameGCVP, role: RoleSystem, issuer: NameIntermediate, status: StatusGood, cn: "«ЗТМО» ААЖ / АИС ГЦВП (test)", org: &orgGCVP},
		{name: NamePortal, role: RoleSystem, issuer: NameIntermediate, status: StatusGood, cn: "ЭҮП / ПЭП egov.kz (test)", org: &orgNIT},
		{name: NameGateway, role: RoleSystem, issuer: NameIntermediate, status: StatusGood, cn: "ШЭП (test)", org: &orgNIT},
		{name: NameGBDFL, role: RoleSystem, issuer: NameIntermediate, status: StatusGood, cn: "ЖТ МДҚ / ГБД ФЛ (test)", org: &orgMinJus},
		{name: NameENIS, role: RoleSystem, issuer: NameIntermediate, status: StatusGood, cn: "БНАЖ / ЕНИС (test)", org: &orgNotary},
		{name: NameCON, role: RoleSystem, issuer: NameIntermediate, status: StatusGood, cn: "ХҚКО АЖ / ИС ЦОН (test)", org: &orgGovCorp},
		{name: NameOperator1, role: RoleOperator, issuer: NameIntermediate, status: StatusGood, org: &orgGovCorp,
			person: &person{"ШАҺМАРДАНОВ", "ШЫҢҒЫС", "1984-04-04", false, 7070}},
		{name: NameConsumerGood, role: RoleConsumer, issuer: NameIntermediate, alg: RSA2048, status: StatusGood,
			person: &person{"ӘБІЛҰЛЫ", "ҚАНАТ", "1988-05-12", false, 1021}},
		{name: NameConsumerEC, role: RoleConsumer, issuer: NameIntermediate, alg: ECDSAP256, status: StatusGood,
			person: &person{"ЖҰМАҒАЛИЕВА", "ӘЙГЕРІМ", "1995-11-03", true, 2043}},
		{name: NameConsumerRevoked, role: RoleConsumer, issuer: NameIntermediate, status: StatusRevoked,
			person: &person{"СӘРСЕНБАЕВ", "НҰРЛАН", "1979-02-27", false, 3311}},
		{name: NameConsumerExpired, role: RoleConsumer, issuer: NameIntermediate, status: StatusExpired,
			person: &person{"ҚҰНАНБАЕВА", "ГҮЛНҰР", "1963-08-19", true, 412}},
		{name: NameConsumerWrongIIN, role: RoleConsumer, issuer: NameIntermediate, status: StatusWrongIIN,
			person:     &person{"ТӨЛЕГЕНОВ", "ЕРҒАЛИ", "2001-06-30", false, 5150},
			certPerson: &person{"ТӨЛЕГЕНОВ", "ЕРҒАЛИ", "1957-09-09", false, 777}},
		{name: NameConsumerUntrust, role: RoleConsumer, issuer: NameUntrustedRoot, status: StatusUntrusted,
			person: &person{"ШӘКІРОВА", "ҰЛЖАН", "1992-12-01", true, 6006}},
	}
}

var (
	oidSurname      = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidGivenName    = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidOCSPNoCheck  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	oidFreshestCRL  = asn1.ObjectIdentifier{2, 5, 29, 46}
	asn1NULL        = []byte{0x05, 0x00}
	revokedReason   = "keyCompromise"
	revokedAgo      = 30 * time.Minute
	leafBackdate    = time.Hour
	caHalfValidity  = 5 // years either side of now
	leafValidityYrs = 2
)

func (p *person) iin() (string, error) {
	b, err := time.Parse(time.DateOnly, p.birth)
	if err != nil {
		return "", fmt.Errorf("pki: birth date of %s: %w", p.surname, err)
	}
	return iin.Make(b, p.female, p.serial)
}

func (o *org) bin() (string, error) {
	r, err := time.Parse("2006-01", o.reg)
	if err != nil {
		return "", fmt.Errorf("pki: registration of %s: %w", o.ru, err)
	}
	return iin.MakeBIN(r, o.serial)
}

type generated struct {
	spec  spec
	entry Entry
	key   crypto.Signer
	cert  *x509.Certificate
}

func newKey(alg Algorithm) (crypto.Signer, error) {
	switch alg {
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, fmt.Errorf("unsupported algorithm %q", alg)
}

func randomSerial() (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[0] &= 0x7f
	b[0] |= 0x10 // positive, 16 octets, never a leading zero
	return new(big.Int).SetBytes(b), nil
}

type distributionPointName struct {
	FullName []asn1.RawValue `asn1:"optional,tag:0"`
}

type distributionPoint struct {
	DistributionPoint distributionPointName `asn1:"optional,tag:0"`
}

// freshestCRL encodes the FreshestCRL extension (RFC 5280 4.2.1.15) pointing at url.
func freshestCRL(url string) (pkix.Extension, error) {
	v, err := asn1.Marshal([]distributionPoint{{DistributionPoint: distributionPointName{
		FullName: []asn1.RawValue{{Tag: 6, Class: asn1.ClassContextSpecific, Bytes: []byte(url)}},
	}}})
	if err != nil {
		return pkix.Extension{}, err
	}
	return pkix.Extension{Id: oidFreshestCRL, Value: v}, nil
}

func generate(opts Options) error {
	now := opts.Now
	list := specs()
	gens := make([]*generated, len(list))
	byName := map[string]*generated{}

	// Keys first, in parallel: RSA key generation is the whole cost of Init.
	var wg sync.WaitGroup
	errs := make([]error, len(list))
	for i, s := range list {
		alg := s.alg
		if alg == "" {
			alg = opts.Algorithm
		}
		g := &generated{spec: s, entry: Entry{Name: s.name, Role: s.role, Status: s.status, Algorithm: alg, Issuer: s.issuer,
			CertFile: s.name + ".crt.pem", KeyFile: s.name + ".key.pem"}}
		gens[i] = g
		byName[s.name] = g
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := newKey(alg)
			if err != nil {
				errs[i] = fmt.Errorf("pki: key of %s: %w", s.name, err)
			}
			g.key = k
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}

	for _, g := range gens {
		if err := g.issue(opts, now, byName); err != nil {
			return err
		}
	}

	// Files, then the index last.
	var roots, inters bytes.Buffer
	for _, g := range gens {
		certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: g.cert.Raw})
		der, err := x509.MarshalPKCS8PrivateKey(g.key)
		if err != nil {
			return fmt.Errorf("pki: marshal key of %s: %w", g.spec.name, err)
		}
		if err := writeFile(filepath.Join(opts.Dir, g.entry.CertFile), certPEM, 0o644); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(opts.Dir, g.entry.KeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return err
		}
		switch {
		case g.spec.role == RoleRootCA && g.spec.status != StatusUntrusted:
			roots.Write(certPEM)
		case g.spec.role == RoleIssuingCA:
			inters.Write(certPEM)
		}
	}
	ix := Index{Version: 1, BaseURL: opts.BaseURL, Created: now, Roots: "roots.pem", Intermediates: "intermediates.pem"}
	for _, g := range gens {
		ix.Entries = append(ix.Entries, g.entry)
	}
	if err := writeFile(filepath.Join(opts.Dir, ix.Roots), roots.Bytes(), 0o644); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(opts.Dir, ix.Intermediates), inters.Bytes(), 0o644); err != nil {
		return err
	}
	js, err := json.MarshalIndent(ix, "", "  ")
	if err != nil {
		return fmt.Errorf("pki: marshal index: %w", err)
	}
	return writeFile(filepath.Join(opts.Dir, IndexFile), append(js, '\n'), 0o644)
}

// issue fills g.cert and the certificate fields of g.entry; the issuer must be issued already.
func (g *generated) issue(opts Options, now time.Time, byName map[string]*generated) error {
	s := g.spec
	serial, err := randomSerial()
	if err != nil {
		return fmt.Errorf("pki: serial of %s: %w", s.name, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		BasicConstraintsValid: true,
	}
	subj := pkix.Name{Country: []string{"KZ"}}
	if s.org != nil {
		bin, err := s.org.bin()
		if err != nil {
			return err
		}
		g.entry.BIN = bin
		g.entry.Owner, g.entry.OwnerRU = s.org.kk, s.org.ru
		subj.Organization = []string{s.org.kk}
	}
	switch {
	case s.person != nil:
		id, err := s.person.iin()
		if err != nil {
			return err
		}
		g.entry.IIN = id
		certID := id
		if s.certPerson != nil {
			if certID, err = s.certPerson.iin(); err != nil {
				return err
			}
			g.entry.CertIIN = certID
		}
		g.entry.Owner = s.person.surname + " " + s.person.given
		subj.CommonName = g.entry.Owner
		subj.SerialNumber = "IIN" + certID
		subj.ExtraNames = []pkix.AttributeTypeAndValue{
			{Type: oidSurname, Value: s.person.surname},
			{Type: oidGivenName, Value: s.person.given},
		}
		if s.org != nil {
			g.entry.OwnerRU = ""
			subj.OrganizationalUnit = []string{"BIN" + g.entry.BIN}
		}
	case s.org != nil:
		subj.CommonName = s.cn
		subj.SerialNumber = "BIN" + g.entry.BIN
	default:
		subj.CommonName = s.cn
		subj.Organization = []string{"Ұлттық куәландырушы орталық (test)"}
		if s.status == StatusUntrusted {
			subj.Organization = []string{"Белгісіз ұйым (untrusted test)"}
		}
		g.entry.Owner = subj.Organization[0]
	}
	tmpl.Subject = subj

	if s.role.IsCA() {
		tmpl.IsCA = true
		tmpl.NotBefore = now.AddDate(-caHalfValidity, 0, 0)
		tmpl.NotAfter = now.AddDate(caHalfValidity, 0, 0)
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
		if s.role == RoleRootCA {
			tmpl.MaxPathLen = 1
		} else {
			tmpl.MaxPathLen, tmpl.MaxPathLenZero = 0, true
		}
	} else {
		tmpl.NotBefore = now.Add(-leafBackdate)
		tmpl.NotAfter = tmpl.NotBefore.AddDate(leafValidityYrs, 0, 0)
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		if s.status == StatusExpired {
			tmpl.NotBefore = now.AddDate(-3, 0, 0)
			tmpl.NotAfter = now.AddDate(-1, 0, 0)
		}
	}
	if s.role == RoleOCSP {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidOCSPNoCheck, Value: asn1NULL})
	}
	if s.issuer != s.name { // below a root: where to find status and the issuer
		tmpl.CRLDistributionPoints = []string{opts.BaseURL + "/nuc/crl/" + s.issuer + ".crl"}
		tmpl.IssuingCertificateURL = []string{opts.BaseURL + "/nuc/ca/" + s.issuer + ".crt"}
		fresh, err := freshestCRL(opts.BaseURL + "/nuc/crl/" + s.issuer + "-delta.crl")
		if err != nil {
			return fmt.Errorf("pki: FreshestCRL of %s: %w", s.name, err)
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, fresh)
		if !s.role.IsCA() && s.role != RoleOCSP {
			tmpl.OCSPServer = []string{opts.BaseURL + "/nuc/ocsp"}
		}
	}

	if tmpl.SubjectKeyId, err = keyID(g.key.Public()); err != nil {
		return fmt.Errorf("pki: key id of %s: %w", s.name, err)
	}

	parent, parentKey := tmpl, g.key
	if s.issuer != s.name {
		iss, ok := byName[s.issuer]
		if !ok || iss.cert == nil {
			return fmt.Errorf("pki: issuer %s of %s is not issued yet", s.issuer, s.name)
		}
		parent, parentKey = iss.cert, iss.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, g.key.Public(), parentKey)
	if err != nil {
		return fmt.Errorf("pki: issue %s: %w", s.name, err)
	}
	if g.cert, err = x509.ParseCertificate(der); err != nil {
		return fmt.Errorf("pki: parse issued %s: %w", s.name, err)
	}
	g.entry.Serial = g.cert.SerialNumber.Text(16)
	g.entry.Subject = g.cert.Subject.String()
	g.entry.IssuerDN = g.cert.Issuer.String()
	g.entry.NotBefore = g.cert.NotBefore.UTC()
	g.entry.NotAfter = g.cert.NotAfter.UTC()
	if s.status == StatusRevoked {
		g.entry.RevokedAt = now.Add(-revokedAgo)
		g.entry.Reason = revokedReason
	}
	return nil
}

// keyID returns the RFC 5280 method-1 key identifier: SHA-1 of the subjectPublicKey bits.
func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha1.Sum(spki.PublicKey.RightAlign())
	return sum[:], nil
}

// writeFile writes data to path atomically (temporary file and rename) with mode perm.
func writeFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("pki: write %s: %w", filepath.Base(path), err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp, perm)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("pki: write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("pki: write %s: %w", filepath.Base(path), err)
	}
	return nil
}

func readCerts(path string) ([]*x509.Certificate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
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
			return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		out = append(out, c)
	}
	return out, nil
}

func readPool(path string) (*x509.CertPool, error) {
	certs, err := readCerts(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

func readKey(path string) (crypto.Signer, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(raw)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PRIVATE KEY PEM block", filepath.Base(path))
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: key type %T cannot sign", filepath.Base(path), k)
	}
	return s, nil
}
