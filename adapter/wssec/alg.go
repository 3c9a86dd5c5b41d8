package wssec

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"sync"
)

// Algorithm URIs that shepgate knows by name.
const (
	// RSASHA256 is the SignatureMethod of RSA PKCS#1 v1.5 over SHA-256.
	RSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	// ECDSASHA256 is the SignatureMethod of ECDSA over SHA-256, its value r‖s.
	ECDSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
	// SHA256 is the DigestMethod of SHA-256.
	SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
	// ExcC14N is exclusive XML canonicalization 1.0 without comments.
	ExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
	// EnvelopedSignature is the enveloped-signature transform.
	EnvelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
)

// weak lists algorithm URIs refused as too weak, before any lookup in the registry.
var weak = map[string]bool{
	"http://www.w3.org/2000/09/xmldsig#sha1":            true,
	"http://www.w3.org/2000/09/xmldsig#rsa-sha1":        true,
	"http://www.w3.org/2000/09/xmldsig#dsa-sha1":        true,
	"http://www.w3.org/2000/09/xmldsig#hmac-sha1":       true,
	"http://www.w3.org/2001/04/xmldsig-more#rsa-md5":    true,
	"http://www.w3.org/2001/04/xmldsig-more#md5":        true,
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1": true,
	"http://www.w3.org/2001/04/xmldsig-more#hmac-md5":   true,
	"http://www.w3.org/2009/xmldsig11#dsa-sha256":       true,
	"http://www.w3.org/2001/04/xmldsig-more#sha224":     true,
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha224": true,
}

// Algorithm is a signature method: it signs and verifies the canonical SignedInfo. It is
// the seam behind which further methods (GOST R 34.10) can be added with RegisterAlgorithm.
type Algorithm interface {
	// URI returns the SignatureMethod Algorithm URI.
	URI() string
	// Sign signs the canonical form of a SignedInfo element and returns the raw
	// SignatureValue (before base64).
	Sign(key crypto.Signer, signedInfoC14N []byte) ([]byte, error)
	// Verify checks sig, a raw SignatureValue, over the canonical SignedInfo.
	Verify(pub crypto.PublicKey, signedInfoC14N, sig []byte) error
}

var registry = struct {
	sync.RWMutex
	algs    map[string]Algorithm
	digests map[string]func() hash.Hash
}{
	algs: map[string]Algorithm{
		RSASHA256:   rsaSHA256{},
		ECDSASHA256: ecdsaSHA256{},
	},
	digests: map[string]func() hash.Hash{
		SHA256: sha256.New,
		"http://www.w3.org/2001/04/xmldsig-more#sha384": sha512.New384,
		"http://www.w3.org/2001/04/xmlenc#sha512":       sha512.New,
	},
}

// RegisterAlgorithm makes a signature method known to every Verifier (and to Signers
// that name it), replacing one registered under the same URI. URIs of weak methods
// (rsa-sha1 and the like) stay refused whatever is registered.
func RegisterAlgorithm(a Algorithm) {
	registry.Lock()
	defer registry.Unlock()
	registry.algs[a.URI()] = a
}

// RegisterDigest makes a DigestMethod known, as GOST R 34.11 will need. Built in: SHA-256,
// SHA-384 and SHA-512.
func RegisterDigest(uri string, newHash func() hash.Hash) {
	registry.Lock()
	defer registry.Unlock()
	registry.digests[uri] = newHash
}

func lookupAlgorithm(uri string) (Algorithm, bool) {
	registry.RLock()
	defer registry.RUnlock()
	a, ok := registry.algs[uri]
	return a, ok
}

func lookupDigest(uri string) (func() hash.Hash, bool) {
	registry.RLock()
	defer registry.RUnlock()
	h, ok := registry.digests[uri]
	return h, ok
}

// errWrongKey is returned by the built-in algorithms for a key of the wrong type.
var errWrongKey = errors.New("wssec: key type does not match the signature method")

type rsaSHA256 struct{}

func (rsaSHA256) URI() string { return RSASHA256 }

func (rsaSHA256) Sign(key crypto.Signer, data []byte) ([]byte, error) {
	if _, ok := key.Public().(*rsa.PublicKey); !ok {
		return nil, errWrongKey
	}
	sum := sha256.Sum256(data)
	return key.Sign(rand.Reader, sum[:], crypto.SHA256)
}

func (rsaSHA256) Verify(pub crypto.PublicKey, data, sig []byte) error {
	k, ok := pub.(*rsa.PublicKey)
	if !ok {
		return errWrongKey
	}
	sum := sha256.Sum256(data)
	return rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig)
}

type ecdsaSHA256 struct{}

func (ecdsaSHA256) URI() string { return ECDSASHA256 }

// Sign returns r‖s, each left-padded to the byte size of the curve order, as XMLDSig
// requires (crypto.Signer gives ASN.1 DER).
func (ecdsaSHA256) Sign(key crypto.Signer, data []byte) ([]byte, error) {
	pub, ok := key.Public().(*ecdsa.PublicKey)
	if !ok {
		return nil, errWrongKey
	}
	sum := sha256.Sum256(data)
	der, err := key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("wssec: ECDSA signer returned a malformed signature: %v", err)
	}
	size := (pub.Curve.Params().N.BitLen() + 7) / 8
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

func (ecdsaSHA256) Verify(pub crypto.PublicKey, data, sig []byte) error {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return errWrongKey
	}
	size := (k.Curve.Params().N.BitLen() + 7) / 8
	if len(sig) != 2*size {
		return fmt.Errorf("ECDSA signature has %d bytes, want %d (r‖s)", len(sig), 2*size)
	}
	r := new(big.Int).SetBytes(sig[:size])
	s := new(big.Int).SetBytes(sig[size:])
	sum := sha256.Sum256(data)
	if !ecdsa.Verify(k, sum[:], r, s) {
		return errors.New("ECDSA signature does not verify")
	}
	return nil
}

// defaultAlgorithm picks the built-in signature method for a key.
func defaultAlgorithm(pub crypto.PublicKey) (Algorithm, bool) {
	switch pub.(type) {
	case *rsa.PublicKey:
		return rsaSHA256{}, true
	case *ecdsa.PublicKey:
		return ecdsaSHA256{}, true
	}
	return nil, false
}

// keyTooWeak reports why a public key is too weak, or "".
func keyTooWeak(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < 2048 {
			return fmt.Sprintf("RSA key of %d bits (minimum 2048)", n)
		}
	case *ecdsa.PublicKey:
		if n := k.Curve.Params().BitSize; n < 256 {
			return fmt.Sprintf("ECDSA key on a %d-bit curve (minimum 256)", n)
		}
	}
	return ""
}
