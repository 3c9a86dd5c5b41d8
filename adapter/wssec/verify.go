package wssec

import (
	"bytes"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"hash"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
)

// Verifier checks signatures and the certificates that made them.
type Verifier struct {
	// Roots are the trusted root certificates; a nil pool trusts nothing (the system pool
	// is never used). A certificate is never trusted for being embedded in a signature.
	Roots *x509.CertPool
	// Intermediates are untrusted certificates that may complete a chain. Certificates
	// embedded in KeyInfo next to the signer's are added to them.
	Intermediates *x509.CertPool
	// Now returns the time at which certificates must be valid; nil means time.Now.
	Now func() time.Time
	// ClockSkew is the tolerance on certificate validity periods; zero means 5 minutes,
	// a negative value none.
	ClockSkew time.Duration
}

// Verified is the outcome of a successful verification.
type Verified struct {
	// Element is exactly the element whose digest was checked: the envelope's S:Body, or
	// the element that carries an enveloped signature. Use it, and nothing found by another
	// path, as the signed content.
	Element *etree.Element
	// Cert is the signer's certificate.
	Cert *x509.Certificate
	// Chain is the verified chain: Chain[0] is Cert, Chain[1] its issuer, and so on up to a
	// root of Verifier.Roots.
	Chain []*x509.Certificate
}

// transform is one ds:Transform (or the CanonicalizationMethod).
type transform struct {
	uri      string
	prefixes []string // InclusiveNamespaces PrefixList
}

// signature is a parsed ds:Signature whose algorithms are all known and allowed.
type signature struct {
	el         *etree.Element
	signedInfo *etree.Element
	c14n       transform
	alg        Algorithm
	refURI     string
	transforms []transform
	newHash    func() hash.Hash
	digest     []byte
	value      []byte
	keyInfo    *etree.Element
}

// VerifyEnvelope verifies the WS-Security signature of a SOAP 1.1 envelope: the single
// ds:Signature in S:Header/wsse:Security must reference, by wsu:Id, the envelope's own
// S:Body, which is returned as Verified.Element.
//
// Checks run cheapest first — structure and algorithms, then the reference target, the
// certificate and its chain, the SignatureValue over SignedInfo, and only then the digest
// of the body — so that unsigned or untrusted input never costs a canonicalization of the
// body. Every error is a *fault.Error.
func (v *Verifier) VerifyEnvelope(doc *etree.Document) (*Verified, error) {
	if doc == nil || doc.Root() == nil {
		return nil, fault.New(fault.EnvNotSOAP, "empty document")
	}
	env := doc.Root()
	if !is(env, soapNS, "Envelope") {
		return nil, fault.New(fault.EnvNotSOAP, "root element is <%s>, not a SOAP 1.1 Envelope", env.FullTag())
	}
	headers := children(env, soapNS, "Header")
	if len(headers) == 0 {
		return nil, fault.New(fault.SigMissing, "envelope has no Header")
	}
	if len(headers) > 1 {
		return nil, fault.New(fault.SigMalformed, "envelope has %d Headers", len(headers))
	}
	secs := children(headers[0], wsseNS, "Security")
	if len(secs) == 0 {
		return nil, fault.New(fault.SigMissing, "no wsse:Security header")
	}
	if len(secs) > 1 {
		return nil, fault.New(fault.SigMalformed, "%d wsse:Security headers", len(secs))
	}
	sigs := children(secs[0], dsNS, "Signature")
	if len(sigs) == 0 {
		return nil, fault.New(fault.SigMissing, "no ds:Signature in wsse:Security")
	}
	if len(sigs) > 1 {
		return nil, fault.New(fault.SigMalformed, "%d ds:Signature elements in wsse:Security", len(sigs))
	}
	sig, err := parseSignature(sigs[0], []string{ExcC14N})
	if err != nil {
		return nil, err
	}

	// The reference must name the envelope's own Body, and nothing else may carry its Id.
	if len(sig.refURI) < 2 || sig.refURI[0] != '#' {
		return nil, fault.New(fault.SigWrapped, "Reference URI %q does not name the Body by Id", sig.refURI)
	}
	id := sig.refURI[1:]
	bodies := children(env, soapNS, "Body")
	switch len(bodies) {
	case 0:
		return nil, fault.New(fault.EnvNoBody, "envelope has no Body")
	case 1:
	default:
		return nil, fault.New(fault.SigWrapped, "envelope has %d Bodies", len(bodies))
	}
	body := bodies[0]
	if got := idOf(body); got != id {
		return nil, fault.New(fault.SigWrapped, "Reference URI %q does not name the envelope's Body (Id %q)", sig.refURI, got)
	}
	if n := countID(env, id); n != 1 {
		return nil, fault.New(fault.SigWrapped, "Id %q occurs %d times in the document", id, n)
	}
	return v.finish(sig, body, secs[0], nil)
}

// VerifyElement verifies the enveloped signature of el: a ds:Signature that is el's last
// child element, whose single Reference has URI "" (el itself) or "#" and el's Id, with
// the transforms enveloped-signature and exclusive c14n. Verified.Element is el.
// Every error is a *fault.Error.
func (v *Verifier) VerifyElement(el *etree.Element) (*Verified, error) {
	if el == nil {
		return nil, fault.New(fault.SigMissing, "no element")
	}
	sigs := children(el, dsNS, "Signature")
	if len(sigs) == 0 {
		return nil, fault.New(fault.SigMissing, "<%s> carries no enveloped ds:Signature", el.FullTag())
	}
	if len(sigs) > 1 {
		return nil, fault.New(fault.SigMalformed, "<%s> carries %d ds:Signature elements", el.FullTag(), len(sigs))
	}
	kids := el.ChildElements()
	if kids[len(kids)-1] != sigs[0] {
		return nil, fault.New(fault.SigMalformed, "enveloped ds:Signature is not the last child of <%s>", el.FullTag())
	}
	sig, err := parseSignature(sigs[0], []string{EnvelopedSignature, ExcC14N})
	if err != nil {
		return nil, err
	}
	switch {
	case sig.refURI == "":
	case sig.refURI[0] == '#' && sig.refURI[1:] != "" && sig.refURI[1:] == idOf(el):
		if n := countID(top(el), sig.refURI[1:]); n != 1 {
			return nil, fault.New(fault.SigWrapped, "Id %q occurs %d times in the document", sig.refURI[1:], n)
		}
	default:
		return nil, fault.New(fault.SigWrapped, "Reference URI %q does not name <%s>", sig.refURI, el.FullTag())
	}
	return v.finish(sig, el, nil, sigs[0])
}

// finish checks key, certificate chain, signature value and digest, in that order.
func (v *Verifier) finish(sig *signature, target, security, skip *etree.Element) (*Verified, error) {
	leaf, extra, err := keyInfoCerts(sig.keyInfo, security)
	if err != nil {
		return nil, err
	}
	if why := keyTooWeak(leaf.PublicKey); why != "" {
		return nil, fault.New(fault.SigAlgWeak, "%s", why)
	}
	chain, err := v.verifyCert(leaf, extra)
	if err != nil {
		return nil, err
	}

	var si bytes.Buffer
	if err := canonicalize(&si, sig.signedInfo, sig.c14n.prefixes, nil); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "canonicalizing SignedInfo")
	}
	if err := sig.alg.Verify(leaf.PublicKey, si.Bytes(), sig.value); err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			return nil, fe
		}
		return nil, fault.Wrap(fault.SigInvalid, err, "SignatureValue")
	}

	h := sig.newHash()
	if err := canonicalize(h, target, sig.transforms[len(sig.transforms)-1].prefixes, skip); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "canonicalizing <%s>", target.FullTag())
	}
	if subtle.ConstantTimeCompare(h.Sum(nil), sig.digest) != 1 {
		return nil, fault.New(fault.SigDigestMismatch, "digest of <%s> does not match", target.FullTag())
	}
	return &Verified{Element: target, Cert: leaf, Chain: chain}, nil
}

// parseSignature reads a ds:Signature strictly and checks its algorithms; want lists the
// Transform URIs the single Reference must have, in order.
func parseSignature(el *etree.Element, want []string) (*signature, error) {
	malformed := func(format string, args ...any) (*signature, error) {
		return nil, fault.New(fault.SigMalformed, format, args...)
	}
	kids, err := elementChildren(el)
	if err != nil {
		return nil, err
	}
	if len(kids) < 2 || !is(kids[0], dsNS, "SignedInfo") || !is(kids[1], dsNS, "SignatureValue") {
		return malformed("ds:Signature must start with SignedInfo and SignatureValue")
	}
	sig := &signature{el: el, signedInfo: kids[0]}
	for _, k := range kids[2:] {
		switch {
		case is(k, dsNS, "KeyInfo") && sig.keyInfo == nil:
			sig.keyInfo = k
		case is(k, dsNS, "Object"):
		default:
			return malformed("unexpected <%s> in ds:Signature", k.FullTag())
		}
	}

	si, err := elementChildren(sig.signedInfo)
	if err != nil {
		return nil, err
	}
	if len(si) < 2 || !is(si[0], dsNS, "CanonicalizationMethod") || !is(si[1], dsNS, "SignatureMethod") {
		return malformed("SignedInfo must start with CanonicalizationMethod and SignatureMethod")
	}
	if sig.c14n, err = readTransform(si[0], true); err != nil {
		return nil, err
	}
	if sig.alg, err = readSignatureMethod(si[1]); err != nil {
		return nil, err
	}
	refs := si[2:]
	for _, r := range refs {
		if !is(r, dsNS, "Reference") {
			return malformed("unexpected <%s> in SignedInfo", r.FullTag())
		}
	}
	if len(refs) != 1 {
		return malformed("SignedInfo has %d References, want exactly 1", len(refs))
	}
	if err := sig.readReference(refs[0], want); err != nil {
		return nil, err
	}

	if len(sig.keyInfo.NotNil().Child) == 0 {
		return malformed("ds:Signature has no KeyInfo")
	}
	if sig.value, err = decodeBase64(kids[1].Text()); err != nil || len(sig.value) == 0 {
		return malformed("SignatureValue is not base64")
	}
	return sig, nil
}

func readSignatureMethod(el *etree.Element) (Algorithm, error) {
	uri := el.SelectAttrValue("Algorithm", "")
	if weak[uri] {
		return nil, fault.New(fault.SigAlgWeak, "signature method %s", uri)
	}
	alg, ok := lookupAlgorithm(uri)
	if !ok {
		return nil, fault.New(fault.SigAlgUnsupported, "signature method %q", uri)
	}
	if kids, err := elementChildren(el); err != nil || len(kids) != 0 {
		return nil, fault.New(fault.SigMalformed, "SignatureMethod has parameters")
	}
	return alg, nil
}

// readTransform reads a CanonicalizationMethod or Transform. Only exclusive c14n (with an
// optional InclusiveNamespaces PrefixList) and, for Transforms, enveloped-signature exist.
func readTransform(el *etree.Element, isC14N bool) (transform, error) {
	t := transform{uri: el.SelectAttrValue("Algorithm", "")}
	kids, err := elementChildren(el)
	if err != nil {
		return t, err
	}
	switch {
	case t.uri == ExcC14N:
		for _, k := range kids {
			if !is(k, excNS, "InclusiveNamespaces") || t.prefixes != nil {
				return t, fault.New(fault.SigMalformed, "unexpected <%s> in <%s>", k.FullTag(), el.FullTag())
			}
			t.prefixes = parsePrefixList(k.SelectAttrValue("PrefixList", ""))
		}
		return t, nil
	case t.uri == EnvelopedSignature && !isC14N && len(kids) == 0:
		return t, nil
	case isC14N:
		return t, fault.New(fault.SigAlgUnsupported, "canonicalization method %q", t.uri)
	default:
		return t, fault.New(fault.SigMalformed, "unexpected transform %q", t.uri)
	}
}

func (sig *signature) readReference(ref *etree.Element, want []string) error {
	uri := ref.SelectAttr("URI")
	if uri == nil {
		return fault.New(fault.SigMalformed, "Reference has no URI")
	}
	sig.refURI = uri.Value
	kids, err := elementChildren(ref)
	if err != nil {
		return err
	}
	var transforms *etree.Element
	if len(kids) > 0 && is(kids[0], dsNS, "Transforms") {
		transforms, kids = kids[0], kids[1:]
	}
	if len(kids) != 2 || !is(kids[0], dsNS, "DigestMethod") || !is(kids[1], dsNS, "DigestValue") {
		return fault.New(fault.SigMalformed, "Reference must hold Transforms, DigestMethod and DigestValue")
	}
	duri := kids[0].SelectAttrValue("Algorithm", "")
	if weak[duri] {
		return fault.New(fault.SigAlgWeak, "digest method %s", duri)
	}
	newHash, ok := lookupDigest(duri)
	if !ok {
		return fault.New(fault.SigAlgUnsupported, "digest method %q", duri)
	}
	sig.newHash = newHash

	if transforms == nil {
		return fault.New(fault.SigMalformed, "Reference has no Transforms")
	}
	ts, err := elementChildren(transforms)
	if err != nil {
		return err
	}
	if len(ts) != len(want) {
		return fault.New(fault.SigMalformed, "Reference has %d Transforms, want %d", len(ts), len(want))
	}
	for i, tel := range ts {
		if !is(tel, dsNS, "Transform") {
			return fault.New(fault.SigMalformed, "unexpected <%s> in Transforms", tel.FullTag())
		}
		t, err := readTransform(tel, false)
		if err != nil {
			return err
		}
		if t.uri != want[i] {
			return fault.New(fault.SigMalformed, "Transform %d is %q, want %q", i+1, t.uri, want[i])
		}
		sig.transforms = append(sig.transforms, t)
	}

	if sig.digest, err = decodeBase64(kids[1].Text()); err != nil {
		return fault.Wrap(fault.SigMalformed, err, "DigestValue is not base64")
	}
	if len(sig.digest) != newHash().Size() {
		return fault.New(fault.SigMalformed, "DigestValue has %d bytes", len(sig.digest))
	}
	return nil
}

// keyInfoCerts returns the signer's certificate named by KeyInfo and any further
// certificates found beside it. It understands wsse:SecurityTokenReference with an X509v3
// KeyIdentifier or a Reference to a wsse:BinarySecurityToken of security, and
// ds:X509Data/ds:X509Certificate (the first one being the signer's).
func keyInfoCerts(keyInfo, security *etree.Element) (*x509.Certificate, []*x509.Certificate, error) {
	kids, err := elementChildren(keyInfo)
	if err != nil {
		return nil, nil, err
	}
	var ders [][]byte
	for _, k := range kids {
		switch {
		case is(k, wsseNS, "SecurityTokenReference"):
			der, err := tokenReference(k, security)
			if err != nil {
				return nil, nil, err
			}
			ders = append(ders, der)
		case is(k, dsNS, "X509Data"):
			for _, c := range children(k, dsNS, "X509Certificate") {
				der, err := decodeBase64(c.Text())
				if err != nil {
					return nil, nil, fault.Wrap(fault.SigMalformed, err, "X509Certificate is not base64")
				}
				ders = append(ders, der)
			}
		}
	}
	if len(ders) == 0 {
		return nil, nil, fault.New(fault.SigMalformed, "KeyInfo names no X.509 certificate")
	}
	certs := make([]*x509.Certificate, len(ders))
	for i, der := range ders {
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return nil, nil, fault.Wrap(fault.CertMalformed, err, "certificate %d in KeyInfo", i+1)
		}
	}
	return certs[0], certs[1:], nil
}

func tokenReference(str, security *etree.Element) ([]byte, error) {
	kids, err := elementChildren(str)
	if err != nil {
		return nil, err
	}
	if len(kids) != 1 {
		return nil, fault.New(fault.SigMalformed, "SecurityTokenReference must hold one reference")
	}
	k := kids[0]
	checkTypes := func(el *etree.Element) error {
		if vt := el.SelectAttrValue("ValueType", ""); vt != x509v3 {
			return fault.New(fault.SigMalformed, "%s ValueType %q is not X509v3", el.Tag, vt)
		}
		if et := el.SelectAttrValue("EncodingType", base64B); et != base64B {
			return fault.New(fault.SigMalformed, "%s EncodingType %q is not Base64Binary", el.Tag, et)
		}
		return nil
	}
	var tok *etree.Element
	switch {
	case is(k, wsseNS, "KeyIdentifier"):
		tok = k
	case is(k, wsseNS, "Reference") && security != nil:
		uri := k.SelectAttrValue("URI", "")
		if len(uri) < 2 || uri[0] != '#' {
			return nil, fault.New(fault.SigMalformed, "token Reference URI %q", uri)
		}
		for _, b := range children(security, wsseNS, "BinarySecurityToken") {
			if idOf(b) == uri[1:] {
				if tok != nil {
					return nil, fault.New(fault.SigWrapped, "token Id %q is not unique", uri[1:])
				}
				tok = b
			}
		}
		if tok == nil {
			return nil, fault.New(fault.SigMalformed, "no BinarySecurityToken with Id %q", uri[1:])
		}
	default:
		return nil, fault.New(fault.SigMalformed, "unsupported key reference <%s>", k.FullTag())
	}
	if err := checkTypes(tok); err != nil {
		return nil, err
	}
	der, err := decodeBase64(tok.Text())
	if err != nil {
		return nil, fault.Wrap(fault.SigMalformed, err, "%s is not base64", tok.Tag)
	}
	return der, nil
}

// verifyCert checks the validity period of leaf (with ClockSkew) and its chain to Roots.
func (v *Verifier) verifyCert(leaf *x509.Certificate, extra []*x509.Certificate) ([]*x509.Certificate, error) {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	skew := v.ClockSkew
	switch {
	case skew == 0:
		skew = 5 * time.Minute
	case skew < 0:
		skew = 0
	}
	if now.After(leaf.NotAfter.Add(skew)) {
		return nil, fault.New(fault.CertExpired, "certificate %q expired at %s", leaf.Subject.CommonName, leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if now.Before(leaf.NotBefore.Add(-skew)) {
		return nil, fault.New(fault.CertNotYetValid, "certificate %q is valid from %s", leaf.Subject.CommonName, leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	if v.Roots == nil {
		return nil, fault.New(fault.CertUntrusted, "no trusted roots configured")
	}
	// Within the skew, check the chain at the nearest instant of the leaf's validity.
	at := now
	if at.Before(leaf.NotBefore) {
		at = leaf.NotBefore
	}
	if at.After(leaf.NotAfter) {
		at = leaf.NotAfter
	}
	inter := v.Intermediates
	if len(extra) > 0 {
		if inter == nil {
			inter = x509.NewCertPool()
		} else {
			inter = inter.Clone()
		}
		for _, c := range extra {
			inter.AddCert(c)
		}
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         v.Roots,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		var cie x509.CertificateInvalidError
		if errors.As(err, &cie) && cie.Reason == x509.Expired {
			if cie.Cert != nil && at.Before(cie.Cert.NotBefore) {
				return nil, fault.Wrap(fault.CertNotYetValid, err, "certificate chain")
			}
			return nil, fault.Wrap(fault.CertExpired, err, "certificate chain")
		}
		return nil, fault.Wrap(fault.CertUntrusted, err, "certificate %q", leaf.Subject.CommonName)
	}
	return chains[0], nil
}
