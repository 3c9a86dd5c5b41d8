package envelope

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/wsdl"
)

// BenchmarkReadSyncRequest measures the envelope parse: safe parse, SOAP structure and the
// SendMessage metadata through the generated types, on the bench corpus (../shared/bench-corpus).
func BenchmarkReadSyncRequest(b *testing.B) {
	root, err := wsdl.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"small", "medium", "large"} {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(root), "shared", "bench-corpus", name+".signed.xml"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				doc, err := xmlsafe.Parse(data, xmlsafe.DefaultLimits)
				if err != nil {
					b.Fatal(err)
				}
				body, err := Check(doc)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ReadSyncRequest(body, xmlsafe.DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
