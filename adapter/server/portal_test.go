package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/portal"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/wsdl"
)

// TestPortalRole drives the portal role over HTTP as a consumer's browser would: it posts the
// document the consumer signed and gets ГЦВП's signed document back, or a problem+json refusal.
func TestPortalRole(t *testing.T) {
	s := start(t)
	url := s.URL + "/portal/services/" + wsdl.ServiceBasicPensionInfo + "/requests"
	signed := func(iin, cert string) []byte {
		doc, err := portalRequest(wsdl.ServiceBasicPensionInfo, iin)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.signer(t, cert).SignElement(doc); err != nil {
			t.Fatal(err)
		}
		out := etreeBytes(t, doc)
		return out
	}
	t.Run("result", func(t *testing.T) {
		resp, body := postXML(t, url, signed("880512310210", pki.NameConsumerGood))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Shep-Status-Code") != "SCSS001" || resp.Header.Get("Shep-Session-Id") == "" {
			t.Fatalf("HTTP %d %v\n%s", resp.StatusCode, resp.Header, body)
		}
		v := &wssec.Verifier{Roots: s.PKI.Roots(), Intermediates: s.PKI.Intermediates()}
		ver, err := v.VerifyBytes(body, xmlsafe.DefaultLimits)
		if err != nil || !ver.Cert.Equal(s.cert(t, pki.NameGCVP)) || ver.Element.Tag != "InfoResponse" {
			t.Fatalf("answer is not ГЦВП's signed InfoResponse: %v\n%s", err, body)
		}
	})
	t.Run("signed refusal", func(t *testing.T) {
		resp, body := postXML(t, url, signed("790227333112", pki.NameConsumerRevoked))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Shep-Status-Code") != string(fault.CertRevoked) || !bytes.Contains(body, []byte("<code>CERT_REVOKED</code>")) {
			t.Fatalf("HTTP %d %v\n%s", resp.StatusCode, resp.Header, body)
		}
	})
	problems := []struct {
		name   string
		url    string
		body   []byte
		status int
		code   fault.Code
	}{
		{"unknown service", s.URL + "/portal/services/NOPE/requests", signed("880512310210", pki.NameConsumerGood), 400, fault.MsgUnknownService},
		{"not XML", url, []byte("{}"), 400, fault.XMLMalformed},
		{"DOCTYPE", url, []byte(`<!DOCTYPE a><a/>`), 400, fault.XMLDoctype},
	}
	for _, c := range problems {
		t.Run(c.name, func(t *testing.T) {
			resp, body := postXML(t, c.url, c.body)
			if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("HTTP %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			var p portal.Problem
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if p.Code != string(c.code) || p.TitleKK == "" || p.TitleRU == "" || p.Status != c.status {
				t.Fatalf("problem %+v", p)
			}
		})
	}
}

// TestPortalRejectsForgedAnswers puts an attacker between the portal and the gateway: the
// portal must refuse answers that were altered, signed by someone else, or carry a document that
// ГЦВП did not sign.
func TestPortalRejectsForgedAnswers(t *testing.T) {
	s := start(t)
	// A genuine answer of the real gateway, captured.
	req := s.sign(t, s.build(t, message{serviceID: wsdl.ServiceBasicPensionInfo, iin: "880512310210", consumer: pki.NameConsumerGood}), pki.NamePortal)
	status, genuine := post(t, s.URL+"/shep/sync", req)
	if status != http.StatusOK {
		t.Fatalf("HTTP %d", status)
	}
	resign := func(raw []byte, docKey, envKey string) []byte {
		doc, err := xmlsafe.Parse(raw, xmlsafe.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		if docKey != "" {
			el := doc.FindElement("//responseData/data/*")
			for _, c := range el.ChildElements() {
				if c.Tag == "Signature" {
					el.RemoveChild(c)
				}
			}
			if err := s.signer(t, docKey).SignElement(el); err != nil {
				t.Fatal(err)
			}
		}
		out, err := envelope.Serialize(doc)
		if err != nil {
			t.Fatal(err)
		}
		return s.sign(t, parseDoc(t, out), envKey)
	}
	cases := []struct {
		name   string
		answer []byte
		want   fault.Code
	}{
		{"altered answer", []byte(strings.Replace(string(genuine), "ASSIGNED", "REFUSED", 1)), fault.SigDigestMismatch},
		{"answer signed by the provider, not the gateway", resign(genuine, "", pki.NameGCVP), fault.CertSenderMismatch},
		{"document signed by the gateway, not ГЦВП", resign(genuine, pki.NameGateway, pki.NameGateway), fault.CertSenderMismatch},
		{"document altered and re-signed by a consumer", resign([]byte(strings.Replace(string(genuine), "ASSIGNED", "REFUSED", 1)), pki.NameConsumerGood, pki.NameGateway), fault.CertSenderMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mitm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "text/xml")
				w.Write(c.answer)
			}))
			defer mitm.Close()
			client := s.portal(t)
			client.GatewayURL = mitm.URL
			doc, _ := portalRequest(wsdl.ServiceBasicPensionInfo, "880512310210")
			s.signer(t, pki.NameConsumerGood).SignElement(doc)
			ans, err := client.Submit(context.Background(), wsdl.ServiceBasicPensionInfo, doc)
			// The answer is the peer's failure (ROUTE_BAD_ANSWER), with the cause in the chain.
			if fault.CodeOf(err) != fault.RouteBadAnswer || !hasCode(err, c.want) {
				t.Fatalf("got %+v, %v; want %s caused by %s", ans, err, fault.RouteBadAnswer, c.want)
			}
		})
	}
}
