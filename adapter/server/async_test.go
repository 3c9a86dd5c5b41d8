package server

import (
	"context"
	"testing"
	"time"

	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/services"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/shepasync"
	"github.com/shepgate/shepgate/wsdl"
)

// TestAsyncChannelEndToEnd submits every fixture expectation of services 1–8 as the portal does:
// a REQUEST on the async channel; the gateway pushes it to ГЦВП, whose worker processes it step
// by step and answers with a RESPONSE correlated with the request; the portal fetches it.
func TestAsyncChannelEndToEnd(t *testing.T) {
	s := start(t)
	f, err := fixtures.Read(fixturesPath)
	if err != nil {
		t.Fatal(err)
	}
	client := s.portal(t)
	gcvpCert := s.cert(t, pki.NameGCVP)
	for _, p := range f.People {
		for svc, want := range p.Expect {
			if _, ok := services.PaymentKindOf(svc); !ok {
				continue
			}
			t.Run(p.LastName+"/"+svc, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				doc, err := portalRequest(svc, p.IIN)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.signer(t, p.Certificate).SignElement(doc); err != nil {
					t.Fatal(err)
				}
				id, err := client.SendAsync(ctx, svc, doc)
				if err != nil {
					t.Fatal(err)
				}
				ans, err := client.Await(ctx, svc, id, 50*time.Millisecond)
				if err != nil {
					t.Fatal(err)
				}
				if !ans.Signer.Equal(gcvpCert) {
					t.Fatalf("answer signed by %q", ans.Signer.Subject.CommonName)
				}
				switch want {
				case "ASSIGNED", "REFUSED":
					if ans.Info == nil || string(*ans.Info.Decision.Outcome) != want {
						t.Fatalf("want %s, got %+v %+v", want, ans.Info, ans.Refusal)
					}
				default:
					if ans.Refusal == nil || ans.Refusal.Code != want {
						t.Fatalf("want refusal %s, got %+v %+v", want, ans.Info, ans.Refusal)
					}
				}
				// The request was delivered, and ГЦВП recorded it with every step it took. (The
				// gateway and ГЦВП record delivery a moment after the answer may have arrived.)
				eventually(t, "the request is DELIVERED", func() bool {
					st, err := client.Status(ctx, id)
					return err == nil && *st.MessageState == shepasync.MessageStateDELIVERED
				})
				var r store.ServiceRequest
				eventually(t, "ГЦВП records the request ANSWERED", func() bool {
					r, err = s.Store.ServiceRequest(ctx, id)
					return err == nil && r.State == store.RequestAnswered
				})
				if r.Attempts != 1 || r.Answer.StatusCode == "" || r.AnswerMessageID == "" {
					t.Fatalf("request record: attempts %d, status %q, answer %q", r.Attempts, r.Answer.StatusCode, r.AnswerMessageID)
				}
				steps, err := s.Store.Steps(ctx, id)
				if err != nil || len(steps) == 0 {
					t.Fatalf("steps %+v %v", steps, err)
				}
				last := steps[len(steps)-1]
				if want == "ASSIGNED" || want == "REFUSED" {
					if last.Step != string(services.StepAnswer) || last.Outcome != services.OutcomeOK {
						t.Fatalf("last step %+v", last)
					}
				} else if last.Outcome != services.OutcomeRefused || last.Code != want {
					t.Fatalf("last step %+v, want refused with %s", last, want)
				}
				for _, st := range steps {
					if st.Ended.Before(st.Started) {
						t.Fatalf("step %+v ends before it starts", st)
					}
				}
			})
		}
	}
}

// TestAsyncRejects: the async channel refuses what the sync channel refuses, with the fault of
// the operation.
func TestAsyncRejects(t *testing.T) {
	s := start(t)
	client := s.portal(t)
	ctx := context.Background()
	doc, _ := portalRequest(wsdl.ServiceBasicPensionInfo, "880512310210")
	s.signer(t, pki.NameConsumerGood).SignElement(doc)
	client.Password = "wrong"
	if _, err := client.SendAsync(ctx, wsdl.ServiceBasicPensionInfo, doc); !hasCode(err, "AUTH_BAD_PASSWORD") {
		t.Fatalf("wrong password: %v", err)
	}
	client = s.portal(t)
	if _, err := client.SendAsync(ctx, "NO_SUCH_SERVICE", doc); !hasCode(err, "MSG_UNKNOWN_SERVICE") {
		t.Fatalf("unknown service: %v", err)
	}
	if _, err := client.Status(ctx, "00000000-0000-4000-8000-000000000000"); !hasCode(err, "MSG_INVALID") {
		t.Fatalf("status of an unknown message: %v", err)
	}
	if a, err := client.Poll(ctx, wsdl.ServiceBasicPensionInfo, "00000000-0000-4000-8000-000000000000"); err != nil || a != nil {
		t.Fatalf("poll of an unknown request: %+v %v", a, err)
	}
}
