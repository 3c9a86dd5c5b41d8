package wssec

import (
	"testing"

	"github.com/shepgate/shepgate/adapter/xmlsafe"
)

var corpus = []string{"small", "medium", "large"}

// BenchmarkSign measures parse, SignEnvelope and serialize of the unsigned corpus files.
func BenchmarkSign(b *testing.B) {
	s := benchKey(b).signer()
	for _, name := range corpus {
		data := readShared(b, "bench-corpus/"+name+".xml")
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.SignBytes(data, xmlsafe.DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify measures parse and VerifyEnvelope of the xmlsec1-signed corpus files.
func BenchmarkVerify(b *testing.B) {
	v := benchVerifier(b)
	for _, name := range corpus {
		data := readShared(b, "bench-corpus/"+name+".signed.xml")
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.VerifyBytes(data, xmlsafe.DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParse measures xmlsafe.Parse alone, the floor of both of the above.
func BenchmarkParse(b *testing.B) {
	for _, name := range corpus {
		data := readShared(b, "bench-corpus/"+name+".signed.xml")
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := xmlsafe.Parse(data, xmlsafe.DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
