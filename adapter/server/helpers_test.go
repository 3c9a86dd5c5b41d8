package server

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/portal"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/shepsync"
	"github.com/shepgate/shepgate/wsdl"
)

// fixturesPath is the project's fixture file.
var fixturesPath = filepath.Join("..", "..", "testdata", "people.json")

// start runs the whole system on a free loopback port with its own data directory.
func start(t *testing.T, opts ...func(*Config)) *Server {
	t.Helper()
	cfg := Config{
		Addr:     "127.0.0.1:0",
		DataDir:  t.TempDir(),
		Fixtures: fixturesPath,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		// A small population keeps every start fast; the fixtures carry the expectations.
		PopulationSize: 50,
	}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}

func (s *Server) portal(t *testing.T) *portal.Client {
	t.Helper()
	c, err := s.PortalClient(s.URL + "/shep/sync")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signer returns a signer with a key of the test PKI.
func (s *Server) signer(t *testing.T, name string) *wssec.Signer {
	t.Helper()
	key, cert, err := s.PKI.KeyPair(name)
	if err != nil {
		t.Fatal(err)
	}
	return &wssec.Signer{Key: key, Cert: cert}
}

func (s *Server) cert(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	c, ok := s.PKI.Cert(name)
	if !ok {
		t.Fatalf("no certificate %s", name)
	}
	return c
}

// message is a sync request as the portal builds it, before the envelope is signed.
type message struct {
	serviceID, iin, consumer string
	senderID, password       string
	messageID                string
	date                     time.Time
}

// build returns the unsigned envelope of m, with the business document signed by m.consumer.
func (s *Server) build(t *testing.T, m message) *etree.Document {
	t.Helper()
	if m.messageID == "" {
		m.messageID = uuid.NewString()
	}
	if m.date.IsZero() {
		m.date = time.Now()
	}
	if m.senderID == "" {
		m.senderID, m.password = s.Credentials.SenderID, s.Credentials.Password
	}
	doc, err := portal.NewInfoRequest(m.serviceID, m.iin, uuid.NewString(), m.date)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.signer(t, m.consumer).SignElement(doc); err != nil {
		t.Fatal(err)
	}
	env, err := envelope.BuildSyncRequest(&envelope.SyncRequest{
		Info: shepsync.SyncMessageInfo{MessageId: m.messageID, ServiceId: m.serviceID, MessageDate: envelope.DateTime(m.date),
			Sender: &shepsync.SenderInfo{SenderId: m.senderID, Password: m.password}},
		Data: doc,
	})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// sign signs an envelope with a key of the test PKI and serializes it.
func (s *Server) sign(t *testing.T, env *etree.Document, key string) []byte {
	t.Helper()
	if err := s.signer(t, key).SignEnvelope(env); err != nil {
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

// readFault checks that raw is a fault envelope signed by the expected role and returns it.
func (s *Server) readFault(t *testing.T, raw []byte, signedBy string) *envelope.Fault {
	t.Helper()
	doc, err := xmlsafe.Parse(raw, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatalf("answer is not XML: %v\n%s", err, raw)
	}
	v := &wssec.Verifier{Roots: s.PKI.Roots(), Intermediates: s.PKI.Intermediates()}
	ver, err := v.VerifyEnvelope(doc)
	if err != nil {
		t.Fatalf("fault is not signed properly: %v\n%s", err, raw)
	}
	if !ver.Cert.Equal(s.cert(t, signedBy)) {
		t.Fatalf("fault signed by %q, want the %s key", ver.Cert.Subject.CommonName, signedBy)
	}
	f, ok := envelope.ReadFault(ver.Element)
	if !ok {
		t.Fatalf("answer is not a fault:\n%s", raw)
	}
	if err := wsdl.ValidateReference(raw, "sync"); err != nil {
		t.Errorf("fault does not validate against the reference v10 schema: %v", err)
	}
	return f
}

// alive fails the test when the server no longer answers.
func (s *Server) alive(t *testing.T) {
	t.Helper()
	resp, err := http.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatalf("server down: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
}

var _ crypto.Signer // keep crypto imported for helpers that take keys

// wrap performs the classic signature-wrapping attack on a signed envelope: the signed Body is
// moved into a header, and a forged Body takes its place.
func wrap(t *testing.T, signed []byte) []byte {
	t.Helper()
	doc, err := xmlsafe.Parse(signed, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	var header, body *etree.Element
	for _, c := range root.ChildElements() {
		switch c.Tag {
		case "Header":
			header = c
		case "Body":
			body = c
		}
	}
	forged := body.Copy()
	for _, a := range append([]etree.Attr(nil), forged.Attr...) {
		if a.Key == "Id" {
			forged.RemoveAttr(a.FullKey())
		}
	}
	for _, el := range forged.FindElements(".//iin") {
		el.SetText("951103420437")
	}
	root.RemoveChild(body)
	w := header.CreateElement("Wrapper")
	w.AddChild(body)
	root.AddChild(forged)
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readSample reads a real signed message of the reference material.
func readSample(name string) ([]byte, error) {
	dir, err := wsdl.ReferenceDir()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(dir, "shep-v10-samples", name))
}

func etreeBytes(t *testing.T, el *etree.Element) []byte {
	t.Helper()
	d := etree.NewDocument()
	d.SetRoot(el.Copy())
	out, err := d.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func parseDoc(t *testing.T, raw []byte) *etree.Document {
	t.Helper()
	d, err := xmlsafe.Parse(raw, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func postXML(t *testing.T, url string, body []byte) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

// hasCode reports whether a *fault.Error with the code is anywhere in err's chain.
func hasCode(err error, c fault.Code) bool {
	for err != nil {
		if fe, ok := err.(*fault.Error); ok && fe.Code == c {
			return true
		}
		err = errors.Unwrap(err)
	}
	return false
}

// eventually waits (at most 10 s) for cond, which other goroutines make true a moment later.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
