package gbdfl

import (
	"context"
	"encoding/xml"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/shepgate/shepgate/adapter/certstatus"
	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/gateway"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/gbdfl"
	"github.com/shepgate/shepgate/generated/shepsync"
	"github.com/shepgate/shepgate/mocks/nuc"
	"github.com/shepgate/shepgate/mocks/scenario"
	"github.com/shepgate/shepgate/wsdl"
)

// gatewayTimeout is how long the gateway waits for the mock; the timeout fault outlasts it.
const gatewayTimeout = 2 * time.Second

// senderID and password are ГЦВП's credentials at the gateway.
const (
	senderID = "GCVP"
	password = "gcvp-test-password"
)

// testbed is the gateway, the НУЦ mock and the ГБД ФЛ mock on one loopback server.
type testbed struct {
	url    string
	pki    *pki.PKI
	mock   *GBDFL
	reg    *scenario.Registry
	client *channel.Hop
	dir    *MemoryDirectory
}

var discard = slog.New(slog.DiscardHandler)

// start runs the testbed; inline selects Options.Inline.
func start(t *testing.T, inline bool, persons ...Person) *testbed {
	t.Helper()
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	p, err := pki.Init(pki.Options{Dir: t.TempDir(), BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "shepgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover())
	status := certstatus.New(certstatus.Options{Logger: discard})
	verifier := &wssec.Verifier{Roots: p.Roots(), Intermediates: p.Intermediates()}
	hop := func(role, key string) *channel.Hop {
		k, c, err := p.KeyPair(key)
		if err != nil {
			t.Fatal(err)
		}
		return &channel.Hop{Name: role, Signer: &wssec.Signer{Key: k, Cert: c}, Verifier: verifier, Status: status,
			Limits: xmlsafe.DefaultLimits, Logger: discard}
	}
	fp := func(name string) string {
		c, ok := p.Cert(name)
		if !ok {
			t.Fatalf("no certificate %s", name)
		}
		return channel.Fingerprint(c)
	}

	nuc.New(p, nuc.Options{Logger: discard}).Register(e)
	gwHop := hop("gateway", pki.NameGateway)
	gwHop.HTTP = &http.Client{Timeout: gatewayTimeout}
	g, err := gateway.New(gateway.Config{
		Senders: []gateway.Sender{{ID: senderID, Password: gateway.HashPassword(password), Certs: []string{fp(pki.NameGCVP)}}},
		Routes:  []gateway.Route{{ServiceID: wsdl.ServiceGbdflPersonByIIN, URL: base + SyncPath, ProviderCerts: []string{fp(pki.NameGBDFL)}}},
	}, gwHop, st)
	if err != nil {
		t.Fatal(err)
	}
	g.Register(e)

	dir := NewMemoryDirectory(persons...)
	reg := scenario.New(Spec(discard))
	m := New(Options{Hop: hop("gbdfl", pki.NameGBDFL), Gateways: []string{fp(pki.NameGateway)}, Store: st,
		Directory: dir, Scenarios: reg, Inline: inline})
	m.Register(e)

	srv := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return &testbed{url: base, pki: p, mock: m, reg: reg, client: hop("gcvp", pki.NameGCVP), dir: dir}
}

// requestDocument is a ГБД ФЛ Request as the root.xsd element <request>.
type requestDocument struct {
	XMLName xml.Name `xml:"request"`
	gbdfl.Request
}

// newRequest returns a ГБД ФЛ request for an IIN, as ГЦВП sends it.
func newRequest(t *testing.T, id string) *etree.Element {
	t.Helper()
	doc, err := envelope.MarshalDocument(&requestDocument{Request: gbdfl.Request{
		MessageId: uuid.NewString(), MessageDate: envelope.DateTime(time.Now()), SenderCode: "GCVP",
		Iin: id, KdpToken: "kdp-token", PublicKey: "public-key",
	}})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// syncRequest returns the unsigned SendMessage envelope carrying doc.
func syncRequest(t *testing.T, serviceID string, doc *etree.Element) *etree.Document {
	t.Helper()
	env, err := envelope.BuildSyncRequest(&envelope.SyncRequest{
		Info: shepsync.SyncMessageInfo{MessageId: uuid.NewString(), ServiceId: serviceID, MessageDate: envelope.DateTime(time.Now()),
			Sender: &shepsync.SenderInfo{SenderId: senderID, Password: password}},
		Data: doc,
	})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// answer is what came back through the gateway.
type answer struct {
	status *shepsync.StatusInfo
	data   *etree.Element // responseData/data's document
	resp   *gbdfl.Response
	signer string
}

// query sends a request for id through the gateway as ГЦВП and reads the answer; a fault is
// returned as the error (with its code).
func (tb *testbed) query(t *testing.T, doc *etree.Element) (*answer, error) {
	t.Helper()
	in, err := tb.client.Call(context.Background(), tb.url+gateway.SyncPath, syncRequest(t, wsdl.ServiceGbdflPersonByIIN, doc))
	if err != nil {
		return nil, err
	}
	r, err := envelope.ReadSyncResponse(in.Body, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatalf("the gateway's answer is not a SendMessageResponse: %v", err)
	}
	a := &answer{status: r.Info.Status, data: r.Data, signer: in.Cert.Subject.CommonName}
	if r.Data != nil {
		var resp gbdfl.Response
		if err := envelope.UnmarshalDocument(r.Data, &resp, "DECODE"); err == nil {
			a.resp = &resp
		}
	}
	return a, nil
}

// shepsyncInfo is a responseInfo for envelopes built by the tests.
func shepsyncInfo() shepsync.SyncMessageInfoResponse {
	return shepsync.SyncMessageInfoResponse{MessageId: uuid.NewString(), ResponseDate: envelope.DateTime(time.Now()),
		Status: &shepsync.StatusInfo{Code: StatusProcessed, Message: "Message has been processed successfully"}}
}
