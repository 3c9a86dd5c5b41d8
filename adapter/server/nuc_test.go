package server

import (
	"context"
	"testing"
	"time"

	"github.com/shepgate/shepgate/adapter/certstatus"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/generated/gcvp"
	"github.com/shepgate/shepgate/mocks/nuc"
	"github.com/shepgate/shepgate/wsdl"
)

// TestProviderWhenNUCMisbehaves drives service 3 while the НУЦ mock is steered into each of its
// troubles, and checks what shepgate reports. Every case runs on a fresh system, so that no
// status answer is cached from an earlier case.
func TestProviderWhenNUCMisbehaves(t *testing.T) {
	cases := []struct {
		name   string
		policy certstatus.Policy
		steer  func(t *testing.T, s *Server)
		want   fault.Code // "" means the result ASSIGNED
	}{
		{"healthy", certstatus.HardFail, func(*testing.T, *Server) {}, ""},
		{"OCSP down, CRL answers", certstatus.HardFail, func(_ *testing.T, s *Server) { s.NUC.SetDown(true) }, ""},
		{"OCSP slower than the client waits, CRL answers", certstatus.HardFail, func(_ *testing.T, s *Server) { s.NUC.SetLatency(3 * time.Second) }, ""},
		{"OCSP says try later, CRL answers", certstatus.HardFail, func(_ *testing.T, s *Server) { s.NUC.SetFault(nuc.FaultTryLater) }, ""},
		{"OCSP signed with a wrong key, CRL answers", certstatus.HardFail, func(_ *testing.T, s *Server) { s.NUC.SetFault(nuc.FaultWrongKey) }, ""},
		{"OCSP and CRL down, hard-fail", certstatus.HardFail, func(_ *testing.T, s *Server) { s.NUC.SetDown(true); s.NUC.SetCRLDown(true) }, fault.CertStatusUnavailable},
		{"OCSP and CRL down, soft-fail", certstatus.SoftFail, func(_ *testing.T, s *Server) { s.NUC.SetDown(true); s.NUC.SetCRLDown(true) }, ""},
		{"OCSP answers unknown for the consumer", certstatus.HardFail, func(t *testing.T, s *Server) {
			if err := s.NUC.SetStatus(s.cert(t, pki.NameConsumerGood).SerialNumber.Text(16), nuc.Status{State: nuc.Unknown}); err != nil {
				t.Fatal(err)
			}
		}, fault.CertStatusUnknown},
		{"consumer revoked at run time", certstatus.HardFail, func(t *testing.T, s *Server) {
			if err := s.NUC.SetStatus(s.cert(t, pki.NameConsumerGood).SerialNumber.Text(16), nuc.Status{State: nuc.Revoked, Reason: 1}); err != nil {
				t.Fatal(err)
			}
		}, fault.CertRevoked},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := start(t, func(cfg *Config) {
				cfg.StatusPolicy = c.policy
				cfg.StatusTimeout = 500 * time.Millisecond
			})
			c.steer(t, s)
			doc, err := portalRequest(wsdl.ServiceBasicPensionInfo, "880512310210")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.signer(t, pki.NameConsumerGood).SignElement(doc); err != nil {
				t.Fatal(err)
			}
			ans, err := s.portal(t).Submit(context.Background(), wsdl.ServiceBasicPensionInfo, doc)
			switch {
			case c.want == "":
				if err != nil || ans.Info == nil || *ans.Info.Decision.Outcome != gcvp.OutcomeASSIGNED {
					t.Fatalf("want the result ASSIGNED, got %+v, %v", ans, err)
				}
			case err != nil:
				if fault.CodeOf(err) != c.want {
					t.Fatalf("fault %v, want %s", err, c.want)
				}
			default:
				if ans.Refusal == nil || ans.Refusal.Code != string(c.want) {
					t.Fatalf("answer %+v, want refusal %s", ans, c.want)
				}
			}
			s.alive(t)
		})
	}
}
