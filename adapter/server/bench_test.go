package server

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/portal"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/wsdl"
)

// BenchmarkRoundTrip measures one full service-3 request over loopback HTTP: the consumer signs
// the document, the portal signs the envelope, the gateway verifies, checks and re-signs, the
// provider verifies both signatures and answers with a ГЦВП-signed result, the gateway verifies
// and re-signs, the portal verifies both. Certificate status answers are cached, as in service.
func BenchmarkRoundTrip(b *testing.B) {
	s, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", DataDir: b.TempDir(), Fixtures: fixturesPath, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	client, err := s.PortalClient(s.URL + "/shep/sync")
	if err != nil {
		b.Fatal(err)
	}
	key, cert, err := s.PKI.KeyPair(pki.NameConsumerGood)
	if err != nil {
		b.Fatal(err)
	}
	signer := &wssec.Signer{Key: key, Cert: cert}
	b.ReportAllocs()
	for b.Loop() {
		doc, err := portal.NewInfoRequest(wsdl.ServiceBasicPensionInfo, "880512310210", uuid.NewString(), time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if err := signer.SignElement(doc); err != nil {
			b.Fatal(err)
		}
		ans, err := client.Submit(context.Background(), wsdl.ServiceBasicPensionInfo, doc)
		if err != nil || ans.Info == nil {
			b.Fatalf("%+v %v", ans, err)
		}
	}
}
