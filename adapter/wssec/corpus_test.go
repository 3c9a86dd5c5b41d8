package wssec

import (
	"testing"

	"github.com/shepgate/shepgate/adapter/fault"
)

func TestVerifyBenchCorpus(t *testing.T) {
	v := benchVerifier(t)
	for _, name := range []string{"small", "medium", "large"} {
		t.Run(name, func(t *testing.T) {
			doc := mustParse(t, readShared(t, "bench-corpus/"+name+".signed.xml"))
			got, err := v.VerifyEnvelope(doc)
			if err != nil {
				t.Fatalf("VerifyEnvelope: %v", err)
			}
			if got.Element.Tag != "Body" || got.Element.Parent() != doc.Root() {
				t.Fatalf("Verified.Element = <%s>", got.Element.FullTag())
			}
			if len(got.Chain) != 1 || !got.Chain[0].Equal(got.Cert) {
				t.Fatalf("chain of %d", len(got.Chain))
			}
		})
	}
}

func TestGOSTSampleUnsupported(t *testing.T) {
	doc := mustParse(t, readShared(t, "reference/shep-v10-samples/request.xml"))
	_, err := benchVerifier(t).VerifyEnvelope(doc)
	wantCode(t, err, fault.SigAlgUnsupported)
}
