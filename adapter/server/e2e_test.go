package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/portal"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/gcvp"
	"github.com/shepgate/shepgate/wsdl"
)

// TestServiceThreeEndToEnd sends service 3 for every fixture person through portal → gateway →
// provider over loopback HTTP and checks the ГЦВП-signed answer against the fixture file.
func TestServiceThreeEndToEnd(t *testing.T) {
	s := start(t)
	f, err := fixtures.Read(fixturesPath)
	if err != nil {
		t.Fatal(err)
	}
	type tc struct{ name, iin, cert, service, want string }
	var cases []tc
	for _, p := range f.People {
		for svc, want := range p.Expect {
			cases = append(cases, tc{p.LastName, p.IIN, p.Certificate, svc, want})
		}
	}
	for _, a := range f.Absent {
		for svc, want := range a.Expect {
			cases = append(cases, tc{"absent " + a.IIN, a.IIN, a.Certificate, svc, want})
		}
	}
	if len(cases) < 8 {
		t.Fatalf("only %d fixture expectations", len(cases))
	}
	client := s.portal(t)
	gcvpCert := s.cert(t, pki.NameGCVP)
	for _, c := range cases {
		t.Run(c.name+"/"+c.service, func(t *testing.T) {
			doc, err := portalRequest(c.service, c.iin)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.signer(t, c.cert).SignElement(doc); err != nil {
				t.Fatal(err)
			}
			ans, err := client.Submit(context.Background(), c.service, doc)
			if err != nil {
				t.Fatalf("submit: %v", err)
			}
			if !ans.Signer.Equal(gcvpCert) {
				t.Fatalf("answer signed by %q, want ГЦВП", ans.Signer.Subject.CommonName)
			}
			// The document verifies on its own, as a consumer would check a saved result.
			v := &wssec.Verifier{Roots: s.PKI.Roots(), Intermediates: s.PKI.Intermediates()}
			if _, err := v.VerifyElement(ans.Document); err != nil {
				t.Fatalf("result does not verify on its own: %v", err)
			}
			if ans.SessionID == "" {
				t.Error("the gateway did not fill in sessionId")
			}
			switch c.want {
			case "ASSIGNED", "REFUSED":
				if ans.Info == nil {
					t.Fatalf("want a result, got refusal %+v", ans.Refusal)
				}
				if ans.Status.Code != "SCSS001" {
					t.Errorf("status %q, want SCSS001", ans.Status.Code)
				}
				if got := string(*ans.Info.Decision.Outcome); got != c.want {
					t.Errorf("outcome %s, want %s", got, c.want)
				}
				if string(*ans.Info.Iin) != c.iin || ans.Info.ServiceId != c.service {
					t.Errorf("answer for %s/%s, want %s/%s", *ans.Info.Iin, ans.Info.ServiceId, c.iin, c.service)
				}
				if ans.Info.Person == nil || ans.Info.Person.LastName != c.name {
					t.Errorf("person %+v, want %s", ans.Info.Person, c.name)
				}
			default:
				if ans.Refusal == nil {
					t.Fatalf("want refusal %s, got a result", c.want)
				}
				if ans.Refusal.Code != c.want || ans.Status.Code != c.want {
					t.Errorf("refusal %s (status %s), want %s", ans.Refusal.Code, ans.Status.Code, c.want)
				}
				tx := fault.TextOf(fault.Code(c.want))
				if ans.Refusal.MessageKk != tx.KK || ans.Refusal.MessageRu != tx.RU {
					t.Errorf("refusal texts %q / %q", ans.Refusal.MessageKk, ans.Refusal.MessageRu)
				}
			}
		})
	}
}

func portalRequest(service, iin string) (*etree.Element, error) {
	return portal.NewInfoRequest(service, iin, uuid.NewString(), time.Now())
}

// TestWireCompatibility checks the envelopes that shepgate really sends and answers against the
// reference ШЭП v10 schemas.
func TestWireCompatibility(t *testing.T) {
	s := start(t)
	req := s.sign(t, s.build(t, message{serviceID: wsdl.ServiceBasicPensionInfo, iin: "880512310210", consumer: pki.NameConsumerGood}), pki.NamePortal)
	if err := wsdl.ValidateReference(req, "sync"); err != nil {
		t.Fatalf("request: %v\n%s", err, req)
	}
	status, resp := post(t, s.URL+"/shep/sync", req)
	if status != http.StatusOK {
		t.Fatalf("HTTP %d\n%s", status, resp)
	}
	if err := wsdl.ValidateReference(resp, "sync"); err != nil {
		t.Fatalf("response: %v\n%s", err, resp)
	}
	// The business documents validate against our own ГЦВП schema.
	doc, err := xmlsafe.Parse(resp, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	data := doc.FindElement("//responseData/data/*")
	if data == nil {
		t.Fatalf("no document in the answer:\n%s", resp)
	}
	out := etree.NewDocument()
	out.SetRoot(data.Copy())
	raw, _ := out.WriteToBytes()
	if err := wsdl.Validate(raw, "gcvp"); err != nil {
		t.Fatalf("InfoResponse does not validate against gcvp.wsdl: %v\n%s", err, raw)
	}
}

// TestGatewayRejects sends broken messages to the gateway: each gets its own fault code in a
// fault signed by the gateway, and the server stays up.
func TestGatewayRejects(t *testing.T) {
	s := start(t)
	gw := s.URL + "/shep/sync"
	svc := wsdl.ServiceBasicPensionInfo
	good := func() message {
		return message{serviceID: svc, iin: "880512310210", consumer: pki.NameConsumerGood}
	}
	replayed := s.sign(t, s.build(t, good()), pki.NamePortal)
	if st, body := post(t, gw, replayed); st != http.StatusOK {
		t.Fatalf("first send: HTTP %d\n%s", st, body)
	}
	gost, err := readSample("request.xml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		body func() []byte
		want fault.Code
	}{
		{"tampered body", func() []byte {
			raw := s.sign(t, s.build(t, good()), pki.NamePortal)
			return []byte(strings.Replace(string(raw), "<serviceId>"+svc, "<serviceId>"+wsdl.ServiceAgeBenefitInfo, 1))
		}, fault.SigDigestMismatch},
		{"wrapped signature", func() []byte { return wrap(t, s.sign(t, s.build(t, good()), pki.NamePortal)) }, fault.SigWrapped},
		{"wrong sender password", func() []byte {
			m := good()
			m.senderID, m.password = s.Credentials.SenderID, "not-the-password"
			return s.sign(t, s.build(t, m), pki.NamePortal)
		}, fault.AuthBadPassword},
		{"unknown sender", func() []byte {
			m := good()
			m.senderID, m.password = "SOMEONE", "x"
			return s.sign(t, s.build(t, m), pki.NamePortal)
		}, fault.AuthUnknownSender},
		{"expired certificate", func() []byte { return s.sign(t, s.build(t, good()), pki.NameConsumerExpired) }, fault.CertExpired},
		{"revoked certificate", func() []byte { return s.sign(t, s.build(t, good()), pki.NameConsumerRevoked) }, fault.CertRevoked},
		{"untrusted certificate", func() []byte { return s.sign(t, s.build(t, good()), pki.NameConsumerUntrust) }, fault.CertUntrusted},
		{"certificate of another party", func() []byte { return s.sign(t, s.build(t, good()), pki.NameConsumerWrongIIN) }, fault.CertSenderMismatch},
		{"replayed messageId", func() []byte { return replayed }, fault.MsgReplay},
		{"stale messageDate", func() []byte {
			m := good()
			m.date = time.Now().Add(-time.Hour)
			return s.sign(t, s.build(t, m), pki.NamePortal)
		}, fault.MsgDateSkew},
		{"unknown serviceId", func() []byte {
			m := good()
			m.serviceID = "NO_SUCH_SERVICE"
			return s.sign(t, s.build(t, m), pki.NamePortal)
		}, fault.MsgUnknownService},
		{"unsigned", func() []byte {
			raw, _ := envelope.Serialize(s.build(t, good()))
			return raw
		}, fault.SigMissing},
		{"GOST-signed sample", func() []byte { return gost }, fault.SigAlgUnsupported},
		{"DOCTYPE", func() []byte {
			return []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body/></S:Envelope>`)
		}, fault.XMLDoctype},
		{"duplicate attribute", func() []byte {
			return []byte(`<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body a="1" a="2"/></S:Envelope>`)
		}, fault.XMLDuplicateAttr},
		{"not XML", func() []byte { return []byte("hello") }, fault.XMLMalformed},
		{"not SOAP", func() []byte { return []byte(`<a/>`) }, fault.EnvNotSOAP},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, raw := post(t, gw, c.body())
			if status != http.StatusInternalServerError {
				t.Errorf("HTTP %d, want 500 for a SOAP fault", status)
			}
			f := s.readFault(t, raw, pki.NameGateway)
			if f.Code() != c.want {
				t.Fatalf("fault %s (%s), want %s", f.Code(), f.Info.ErrorData, c.want)
			}
			if f.Info.SessionId == nil {
				t.Error("fault has no sessionId")
			}
			if !strings.Contains(f.String, fault.TextOf(c.want).KK) || !strings.Contains(f.String, fault.TextOf(c.want).RU) {
				t.Errorf("faultstring %q lacks the Kazakh and Russian texts", f.String)
			}
			s.alive(t)
		})
	}
	t.Run("too large", func(t *testing.T) {
		big := make([]byte, xmlsafe.DefaultLimits.MaxBytes+10)
		for i := range big {
			big[i] = ' '
		}
		status, raw := post(t, gw, big)
		if status != http.StatusInternalServerError {
			t.Fatalf("HTTP %d, want 500 with a SOAP fault", status)
		}
		if f := s.readFault(t, raw, pki.NameGateway); f.Code() != fault.XMLTooLarge {
			t.Fatalf("fault %s, want %s", f.Code(), fault.XMLTooLarge)
		}
		s.alive(t)
	})
}

// TestProviderRejects sends messages straight to the provider, skipping the gateway.
func TestProviderRejects(t *testing.T) {
	s := start(t)
	pr := s.URL + "/gcvp/sync"
	good := func() message {
		return message{serviceID: wsdl.ServiceBasicPensionInfo, iin: "880512310210", consumer: pki.NameConsumerGood}
	}
	fromGateway := s.sign(t, s.build(t, good()), pki.NameGateway)
	if st, body := post(t, pr, fromGateway); st != http.StatusOK {
		t.Fatalf("message signed by the gateway: HTTP %d\n%s", st, body)
	}
	cases := []struct {
		name string
		body []byte
		want fault.Code
	}{
		{"not from the gateway", s.sign(t, s.build(t, good()), pki.NamePortal), fault.CertSenderMismatch},
		{"tampered body", []byte(strings.Replace(string(s.sign(t, s.build(t, good()), pki.NameGateway)), "880512310210", "951103420437", 1)), fault.SigDigestMismatch},
		{"wrapped signature", wrap(t, s.sign(t, s.build(t, good()), pki.NameGateway)), fault.SigWrapped},
		{"expired certificate", s.sign(t, s.build(t, good()), pki.NameConsumerExpired), fault.CertExpired},
		{"revoked certificate", s.sign(t, s.build(t, good()), pki.NameConsumerRevoked), fault.CertRevoked},
		{"untrusted certificate", s.sign(t, s.build(t, good()), pki.NameConsumerUntrust), fault.CertUntrusted},
		{"replayed messageId", fromGateway, fault.MsgReplay},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, raw := post(t, pr, c.body)
			if status != http.StatusInternalServerError {
				t.Errorf("HTTP %d, want 500", status)
			}
			if f := s.readFault(t, raw, pki.NameGCVP); f.Code() != c.want {
				t.Fatalf("fault %s (%s), want %s", f.Code(), f.Info.ErrorData, c.want)
			}
			s.alive(t)
		})
	}
}

// TestNUCDown: with the НУЦ unreachable (OCSP and CRL), the hard-fail policy refuses with
// CERT_STATUS_UNAVAILABLE, a Server fault that tells the caller to try again.
func TestNUCDown(t *testing.T) {
	s := start(t)
	s.NUC.SetDown(true)
	s.NUC.SetCRLDown(true)
	client := s.portal(t)
	doc, err := portalRequest(wsdl.ServiceBasicPensionInfo, "880512310210")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.signer(t, pki.NameConsumerGood).SignElement(doc); err != nil {
		t.Fatal(err)
	}
	_, err = client.Submit(context.Background(), wsdl.ServiceBasicPensionInfo, doc)
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.CertStatusUnavailable {
		t.Fatalf("got %v, want %s", err, fault.CertStatusUnavailable)
	}
	// Back up: the same request (new messageId) succeeds.
	s.NUC.SetDown(false)
	s.NUC.SetCRLDown(false)
	doc, _ = portalRequest(wsdl.ServiceBasicPensionInfo, "880512310210")
	if err := s.signer(t, pki.NameConsumerGood).SignElement(doc); err != nil {
		t.Fatal(err)
	}
	ans, err := client.Submit(context.Background(), wsdl.ServiceBasicPensionInfo, doc)
	if err != nil || ans.Info == nil || *ans.Info.Decision.Outcome != gcvp.OutcomeASSIGNED {
		t.Fatalf("after recovery: %+v, %v", ans, err)
	}
}

// TestWSDLServed checks GET <endpoint>?wsdl on every SOAP endpoint.
func TestWSDLServed(t *testing.T) {
	s := start(t)
	for _, path := range []string{"/shep/sync", "/gcvp/sync"} {
		resp, err := http.Get(s.URL + path + "?wsdl")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body, n := b, len(b)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body[:n]), `location="`+s.URL+path+`"`) {
			t.Fatalf("%s?wsdl: HTTP %d, soap:address not rewritten", path, resp.StatusCode)
		}
		if !strings.Contains(string(body[:n]), "SendMessage") {
			t.Fatalf("%s?wsdl is not the sync channel contract", path)
		}
	}
}

// TestProviderFailureHidesTopology: when the provider cannot be reached or answers garbage, the
// sender learns the code and the service, never the provider's address or the transport error.
func TestProviderFailureHidesTopology(t *testing.T) {
	s := start(t, func(c *Config) { c.Roles = []string{RoleNUC, RoleGateway, RolePortal} }) // no ГЦВП
	status, raw := post(t, s.URL+"/shep/sync", s.sign(t, s.build(t, message{serviceID: wsdl.ServiceBasicPensionInfo, iin: "880512310210", consumer: pki.NameConsumerGood}), pki.NamePortal))
	if status != http.StatusInternalServerError {
		t.Fatalf("HTTP %d", status)
	}
	f := s.readFault(t, raw, pki.NameGateway)
	if c := f.Code(); c != fault.RouteBadAnswer && c != fault.RouteUnavailable {
		t.Fatalf("fault %s", c)
	}
	if strings.Contains(string(raw), "/gcvp/") || strings.Contains(f.Info.ErrorData, "127.0.0.1") || !strings.Contains(f.Info.ErrorData, wsdl.ServiceBasicPensionInfo) {
		t.Fatalf("the fault tells too much or too little: %q", f.Info.ErrorData)
	}
}
