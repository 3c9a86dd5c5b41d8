package enis

import (
	"bytes"
	"context"
	"errors"
	"io"
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
	"github.com/shepgate/shepgate/generated/enis"
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

// testbed is the gateway, the НУЦ mock and the ЕНИС mock on one loopback server.
type testbed struct {
	url    string
	pki    *pki.PKI
	mock   *ENIS
	reg    *scenario.Registry
	client *channel.Hop
	dir    *MemoryDirectory
}

var discard = slog.New(slog.DiscardHandler)

// start runs the testbed with poas in the directory.
func start(t *testing.T, poas ...PowerOfAttorney) *testbed {
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
		Routes:  []gateway.Route{{ServiceID: wsdl.ServiceEnisPowerOfAttorney, URL: base + SyncPath, ProviderCerts: []string{fp(pki.NameENIS)}}},
	}, gwHop, st)
	if err != nil {
		t.Fatal(err)
	}
	g.Register(e)

	dir := NewMemoryDirectory(poas...)
	reg := scenario.New(Spec(discard))
	m := New(Options{Hop: hop("enis", pki.NameENIS), Gateways: []string{fp(pki.NameGateway)}, Store: st,
		Directory: dir, Scenarios: reg})
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

// newRequest returns a PowerOfAttorneyRequest as ГЦВП sends it.
func newRequest(t *testing.T, number, principal, representative string) *etree.Element {
	t.Helper()
	p, r := enis.IIN(principal), enis.IIN(representative)
	doc, err := envelope.MarshalDocument(&enis.PowerOfAttorneyRequest{RequestNumber: uuid.NewString(), Number: number,
		PrincipalIin: &p, RepresentativeIin: &r, RequestDate: envelope.DateTime(time.Now())})
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
	resp   *enis.PowerOfAttorneyResponse
	signer string
}

// query sends a request through the gateway as ГЦВП and reads the answer; a fault is
// returned as the error (with its code).
func (tb *testbed) query(t *testing.T, doc *etree.Element) (*answer, error) {
	t.Helper()
	in, err := tb.client.Call(context.Background(), tb.url+gateway.SyncPath, syncRequest(t, wsdl.ServiceEnisPowerOfAttorney, doc))
	if err != nil {
		return nil, err
	}
	r, err := envelope.ReadSyncResponse(in.Body, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatalf("the gateway's answer is not a SendMessageResponse: %v", err)
	}
	a := &answer{status: r.Info.Status, data: r.Data, signer: in.Cert.Subject.CommonName}
	if r.Data != nil {
		var resp enis.PowerOfAttorneyResponse
		if err := envelope.UnmarshalDocument(r.Data, &resp, "DECODE"); err != nil {
			t.Fatalf("the answer's document is not a PowerOfAttorneyResponse: %v", err)
		}
		a.resp = &resp
	}
	return a, nil
}

// shepsyncInfo is a responseInfo for envelopes built by the tests.
func shepsyncInfo() shepsync.SyncMessageInfoResponse {
	return shepsync.SyncMessageInfoResponse{MessageId: uuid.NewString(), ResponseDate: envelope.DateTime(time.Now()),
		Status: &shepsync.StatusInfo{Code: StatusProcessed, Message: "Message has been processed successfully"}}
}

// docOf returns a document whose root is el.
func docOf(el *etree.Element) *etree.Document {
	d := etree.NewDocument()
	d.SetRoot(el)
	return d
}

func (tb *testbed) sign(t *testing.T, env *etree.Document, key string) []byte {
	t.Helper()
	k, c, err := tb.pki.KeyPair(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&wssec.Signer{Key: k, Cert: c}).SignEnvelope(env); err != nil {
		t.Fatal(err)
	}
	out, err := envelope.Serialize(env)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func post(t *testing.T, url string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, channel.ContentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}
