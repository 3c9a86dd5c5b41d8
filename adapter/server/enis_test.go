package server

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/generated/enis"
	"github.com/shepgate/shepgate/generated/shepsync"
	"github.com/shepgate/shepgate/wsdl"
)

// TestFixturePowersOfAttorneyInENIS asks ЕНИС, through the gateway as ГЦВП does, about every
// power of attorney of the fixtures: the valid one is valid, the expired and the revoked ones
// are not, the absent one is not found.
func TestFixturePowersOfAttorneyInENIS(t *testing.T) {
	s := start(t)
	f, err := fixtures.Read(fixturesPath)
	if err != nil {
		t.Fatal(err)
	}
	key, cert, _ := s.PKI.KeyPair(pki.NameGCVP)
	hop := &channel.Hop{Name: "gcvp", Signer: &wssec.Signer{Key: key, Cert: cert},
		Verifier: &wssec.Verifier{Roots: s.PKI.Roots(), Intermediates: s.PKI.Intermediates()}}
	ask := func(t *testing.T, number, principal, representative string) *enis.PowerOfAttorneyResponse {
		t.Helper()
		p, r := enis.IIN(principal), enis.IIN(representative)
		doc, err := envelope.MarshalDocument(&enis.PowerOfAttorneyRequest{RequestNumber: uuid.NewString(), Number: number,
			PrincipalIin: &p, RepresentativeIin: &r, RequestDate: envelope.DateTime(time.Now())})
		if err != nil {
			t.Fatal(err)
		}
		env, err := envelope.BuildSyncRequest(&envelope.SyncRequest{Info: shepsync.SyncMessageInfo{MessageId: uuid.NewString(),
			ServiceId: wsdl.ServiceEnisPowerOfAttorney, MessageDate: envelope.DateTime(time.Now()),
			Sender: &shepsync.SenderInfo{SenderId: s.GCVPCredentials.SenderID, Password: s.GCVPCredentials.Password}}, Data: doc})
		if err != nil {
			t.Fatal(err)
		}
		in, err := hop.Call(context.Background(), s.URL+"/shep/sync", env)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := envelope.ReadSyncResponse(in.Body, hop.Limits)
		if err != nil {
			t.Fatal(err)
		}
		var out enis.PowerOfAttorneyResponse
		if err := envelope.UnmarshalDocument(resp.Data, &out, "MSG_INVALID"); err != nil {
			t.Fatal(err)
		}
		return &out
	}
	want := map[string]struct{ valid, revoked bool }{
		"2024-НД-000101": {valid: true},
		"2022-НД-000055": {},
		"2024-НД-000202": {revoked: true},
	}
	if len(f.PowersOfAttorney) != len(want) {
		t.Fatalf("%d fixture powers of attorney, the test knows %d", len(f.PowersOfAttorney), len(want))
	}
	for _, raw := range f.PowersOfAttorney {
		var a struct {
			Number            string `json:"number"`
			PrincipalIIN      string `json:"principalIin"`
			RepresentativeIIN string `json:"representativeIin"`
		}
		json.Unmarshal(raw, &a)
		t.Run(a.Number, func(t *testing.T) {
			got := ask(t, a.Number, a.PrincipalIIN, a.RepresentativeIIN)
			w := want[a.Number]
			if got.Found == nil || !bool(*got.Found) || got.PowerOfAttorney == nil {
				t.Fatalf("not found: %+v", got)
			}
			if v := got.PowerOfAttorney.Valid != nil && bool(*got.PowerOfAttorney.Valid); v != w.valid {
				t.Errorf("valid = %v, want %v", v, w.valid)
			}
			if r := got.PowerOfAttorney.Revoked != nil && bool(*got.PowerOfAttorney.Revoked); r != w.revoked {
				t.Errorf("revoked = %v, want %v", r, w.revoked)
			}
		})
	}
	for _, a := range f.AbsentPowersOfAttorney {
		if got := ask(t, a.Number, a.PrincipalIIN, a.RepresentativeIIN); got.Found == nil || bool(*got.Found) {
			t.Errorf("%s: found %+v, want not found", a.Number, got.Found)
		}
	}
}
