package wssec

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
)

// Signer signs envelopes and business documents with one key and its certificate.
type Signer struct {
	// Key is the private key; its type chooses the signature method (RSA → rsa-sha256,
	// ECDSA → ecdsa-sha256) unless Algorithm is set.
	Key crypto.Signer
	// Cert is Key's certificate, embedded in KeyInfo.
	Cert *x509.Certificate
	// Algorithm, if not nil, overrides the method chosen from the key type (for instance a
	// GOST method registered with RegisterAlgorithm).
	Algorithm Algorithm
}

func (s *Signer) algorithm() (Algorithm, error) {
	if s == nil || s.Key == nil || s.Cert == nil {
		return nil, fault.New(fault.Internal, "wssec: Signer needs a Key and a Cert")
	}
	if s.Algorithm != nil {
		return s.Algorithm, nil
	}
	alg, ok := defaultAlgorithm(s.Key.Public())
	if !ok {
		return nil, fault.New(fault.SigAlgUnsupported, "no signature method for a %T key", s.Key.Public())
	}
	return alg, nil
}

// SignEnvelope signs a SOAP 1.1 envelope (the document's root) the way the ШЭП gateway
// expects: it creates S:Header and wsse:Security (S:mustUnderstand="1") if they are
// missing, gives S:Body a wsu:Id ("id-" and a random UUID) if it has none, and puts in
// wsse:Security one ds:Signature whose single Reference digests the Body with exclusive
// c14n and SHA-256, with the certificate as an X509v3 KeyIdentifier. A signature already
// in wsse:Security is replaced (re-signing on forward).
//
// It also sets doc.WriteSettings so that serializing the document keeps the canonical
// form intact (tabs, line feeds and carriage returns in values are written as references).
func (s *Signer) SignEnvelope(doc *etree.Document) error {
	alg, err := s.algorithm()
	if err != nil {
		return err
	}
	if doc == nil || doc.Root() == nil || !is(doc.Root(), soapNS, "Envelope") {
		return fault.New(fault.EnvNotSOAP, "root element is not a SOAP 1.1 Envelope")
	}
	env := doc.Root()
	bodies := children(env, soapNS, "Body")
	if len(bodies) != 1 {
		return fault.New(fault.EnvNoBody, "envelope has %d Bodies, want 1", len(bodies))
	}
	body := bodies[0]
	headers := children(env, soapNS, "Header")
	var header *etree.Element
	switch len(headers) {
	case 0:
		header = etree.NewElement("Header")
		header.Space = env.Space
		env.InsertChildAt(body.Index(), header)
	case 1:
		header = headers[0]
	default:
		return fault.New(fault.SigMalformed, "envelope has %d Headers", len(headers))
	}
	var sec *etree.Element
	switch secs := children(header, wsseNS, "Security"); len(secs) {
	case 0:
		sec = header.CreateElement("Security")
		sec.Space = ensurePrefix(sec, wsseNS, "wsse")
		soap := ensurePrefix(sec, soapNS, "S")
		sec.CreateAttr(soap+":mustUnderstand", "1")
	case 1:
		sec = secs[0]
		for _, old := range children(sec, dsNS, "Signature") {
			sec.RemoveChild(old)
		}
	default:
		return fault.New(fault.SigMalformed, "%d wsse:Security headers", len(secs))
	}

	id := idOf(body)
	if id == "" {
		id = newID()
		body.CreateAttr(ensurePrefix(body, wsuNS, "wsu")+":Id", id)
	}
	if n := countID(env, id); n != 1 {
		return fault.New(fault.SigWrapped, "Body Id %q occurs %d times in the document", id, n)
	}

	sigEl := sec.CreateElement("ds:Signature")
	sigEl.CreateAttr("xmlns:ds", dsNS)
	if err := s.sign(alg, sigEl, body, "#"+id, []string{ExcC14N}, nil); err != nil {
		sec.RemoveChild(sigEl)
		return err
	}
	str := sigEl.CreateElement("ds:KeyInfo").CreateElement("SecurityTokenReference")
	str.Space = ensurePrefix(str, wsseNS, "wsse")
	ki := str.CreateElement(str.Space + ":KeyIdentifier")
	ki.CreateAttr("EncodingType", base64B)
	ki.CreateAttr("ValueType", x509v3)
	ki.SetText(base64.StdEncoding.EncodeToString(s.Cert.Raw))
	setWriteSettings(doc)
	return nil
}

// SignElement gives el an enveloped signature, appended as its last child: one Reference
// with URI "" (el itself), the transforms enveloped-signature and exclusive c14n, SHA-256,
// and the certificate in KeyInfo/X509Data/X509Certificate. An element that already
// carries a ds:Signature child is refused.
//
// When serializing el's document, use WriteSettings with CanonicalText and
// CanonicalAttrVal (as SignEnvelope sets them) so that values holding tabs, line feeds or
// carriage returns survive a round trip.
func (s *Signer) SignElement(el *etree.Element) error {
	alg, err := s.algorithm()
	if err != nil {
		return err
	}
	if el == nil {
		return fault.New(fault.Internal, "wssec: SignElement of nil")
	}
	if len(children(el, dsNS, "Signature")) > 0 {
		return fault.New(fault.SigMalformed, "<%s> already carries a ds:Signature", el.FullTag())
	}
	sigEl := etree.NewElement("ds:Signature")
	sigEl.CreateAttr("xmlns:ds", dsNS)
	el.AddChild(sigEl)
	if err := s.sign(alg, sigEl, el, "", []string{EnvelopedSignature, ExcC14N}, sigEl); err != nil {
		el.RemoveChild(sigEl)
		return err
	}
	sigEl.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").
		SetText(base64.StdEncoding.EncodeToString(s.Cert.Raw))
	return nil
}

// sign fills sigEl (attached to the tree) with SignedInfo and SignatureValue over target.
func (s *Signer) sign(alg Algorithm, sigEl, target *etree.Element, uri string, transforms []string, skip *etree.Element) error {
	newHash, _ := lookupDigest(SHA256)
	h := newHash()
	if err := canonicalize(h, target, nil, skip); err != nil {
		return fault.Wrap(fault.Internal, err, "canonicalizing <%s>", target.FullTag())
	}
	si := sigEl.CreateElement("ds:SignedInfo")
	si.CreateElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", ExcC14N)
	si.CreateElement("ds:SignatureMethod").CreateAttr("Algorithm", alg.URI())
	ref := si.CreateElement("ds:Reference")
	ref.CreateAttr("URI", uri)
	ts := ref.CreateElement("ds:Transforms")
	for _, t := range transforms {
		ts.CreateElement("ds:Transform").CreateAttr("Algorithm", t)
	}
	ref.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", SHA256)
	ref.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(h.Sum(nil)))

	var c bytes.Buffer
	if err := canonicalize(&c, si, nil, nil); err != nil {
		return fault.Wrap(fault.Internal, err, "canonicalizing SignedInfo")
	}
	value, err := alg.Sign(s.Key, c.Bytes())
	if err != nil {
		return fault.Wrap(fault.Internal, err, "signing with %s", alg.URI())
	}
	sigEl.CreateElement("ds:SignatureValue").SetText(base64.StdEncoding.EncodeToString(value))
	return nil
}

func setWriteSettings(doc *etree.Document) {
	doc.WriteSettings.CanonicalText = true
	doc.WriteSettings.CanonicalAttrVal = true
}

// SignBytes parses data with xmlsafe.Parse under lim, signs it — SignEnvelope when the
// root is a SOAP 1.1 Envelope, SignElement of the root otherwise — and serializes it.
func (s *Signer) SignBytes(data []byte, lim xmlsafe.Limits) ([]byte, error) {
	doc, err := xmlsafe.Parse(data, lim)
	if err != nil {
		return nil, err
	}
	if is(doc.Root(), soapNS, "Envelope") {
		err = s.SignEnvelope(doc)
	} else {
		err = s.SignElement(doc.Root())
	}
	if err != nil {
		return nil, err
	}
	setWriteSettings(doc)
	out, err := doc.WriteToBytes()
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "serializing")
	}
	return out, nil
}

// VerifyBytes parses data with xmlsafe.Parse under lim and verifies it — VerifyEnvelope
// when the root is a SOAP 1.1 Envelope, VerifyElement of the root otherwise.
func (v *Verifier) VerifyBytes(data []byte, lim xmlsafe.Limits) (*Verified, error) {
	doc, err := xmlsafe.Parse(data, lim)
	if err != nil {
		return nil, err
	}
	if is(doc.Root(), soapNS, "Envelope") {
		return v.VerifyEnvelope(doc)
	}
	return v.VerifyElement(doc.Root())
}
