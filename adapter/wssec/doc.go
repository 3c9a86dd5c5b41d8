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
// Measured with `go test -run '^$' -bench . -benchmem ./adapter/wssec/` on the
// bench-corpus (2-core AMD EPYC dev machine; sign = parse, sign, serialize; verify =
// parse, verify, chain check), next to the naive goxmldsig+etree figures of the corpus
// README:
//
//	ops/s    sign (naive)   verify (naive)   parse alone   allocs/op sign|verify
//	small     860   (764)    6 600  (3 424)     8 600          727 | 750
//	medium    304   (139)      507    (152)       446       22 416 | 20 357
//	large      19     (8)       23      (8)        25      438 534 | 396 570
//
// Small signing is bound by Go's RSA-2048 private-key operation (~1.1 ms). Everywhere
// else xmlsafe.Parse (encoding/xml plus building the etree tree) is 80-90% of the time;
// canonicalization and digest of the 1 MB body take about 5 ms. A faster parser is the
// next lever, not this package.
package wssec
