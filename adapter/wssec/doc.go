// Package wssec signs and verifies the WS-Security (SOAP 1.1) and enveloped XMLDSig
// signatures of the ШЭП channels, on etree trees parsed by adapter/xmlsafe.
//
// It uses neither goxmldsig's ValidationContext nor its canonicalizers at run time: its own
// exclusive-c14n writer streams the canonical form of a subtree straight into the digest,
// in place, without copying the tree (tests check that it is byte-for-byte goxmldsig's
// output). This closes goxmldsig's gaps: a Signature in the SOAP Header that references
// the Body by wsu:Id, exactly one Reference, certificate chains to a root pool instead of
// pinned certificates, no element-count cap, an algorithm allow-list (SHA-1 refused),
// and ECDSA values as r‖s.
//
// # Wire format
//
// SignEnvelope puts one ds:Signature into S:Header/wsse:Security (S:mustUnderstand="1"):
// exclusive c14n, rsa-sha256 or ecdsa-sha256, a single Reference URI="#<wsu:Id of S:Body>"
// with one exc-c14n Transform and SHA-256, and the signer's certificate as a
// wsse:SecurityTokenReference/wsse:KeyIdentifier of ValueType X509v3. SignElement gives a
// business document an enveloped signature (Reference URI="", transforms
// enveloped-signature and exc-c14n, X509Data/X509Certificate) as its last child.
//
// # Verification
//
// VerifyEnvelope and VerifyElement return the element that was actually digested, so
// that callers never read signed content by another path (signature wrapping). Errors
// are *fault.Error values; the checks run cheapest first, the digest of the body last.
//
// # Performance
//
// BENCHMARKS
package wssec
