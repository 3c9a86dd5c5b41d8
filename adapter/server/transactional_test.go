package server

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/portal"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/wsdl"
)

// request builds and signs the document of a service for a fixture expectation.
func (s *Server) transactional(t *testing.T, service, iinValue, cert, number string, f *fixtures.File) *etree.Element {
	t.Helper()
	var doc *etree.Element
	var err error
	switch service {
	case wsdl.ServiceSikIssue:
		doc, err = portal.NewSikRequest(iinValue, number, false, time.Now())
	case wsdl.ServicePensionFundStatement:
		from, _ := time.Parse(time.DateOnly, f.StatementPeriod.From)
		to, _ := time.Parse(time.DateOnly, f.StatementPeriod.To)
		doc, err = portal.NewStatementRequest(iinValue, number, from, to, time.Now())
	default:
		t.Fatalf("no builder for %s", service)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := s.signer(t, cert).SignElement(doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestTransactionalServicesEndToEnd submits services 9 and 10 on the portal channel for every
// fixture expectation (the ЦОН channel's are in adapter/con), over the async channel, each on a
// fresh system (service 9 changes ГЦВП's register).
func TestTransactionalServicesEndToEnd(t *testing.T) {
	f, err := fixtures.Read(fixturesPath)
	if err != nil {
		t.Fatal(err)
	}
	type tc struct{ name, iin, cert, service, want string }
	var cases []tc
	for _, p := range f.People {
		for svc, want := range p.ExpectTransactional {
			if !strings.Contains(svc, "@") {
				cases = append(cases, tc{p.LastName, p.IIN, p.Certificate, svc, want})
			}
		}
	}
	for _, a := range f.Absent {
		for svc, want := range a.ExpectTransactional {
			if !strings.Contains(svc, "@") {
				cases = append(cases, tc{"absent " + a.IIN, a.IIN, a.Certificate, svc, want})
			}
		}
	}
	if len(cases) < 10 {
		t.Fatalf("only %d expectations for services 9 and 10", len(cases))
	}
	s := start(t)
	client := s.portal(t)
	gcvp := s.cert(t, pki.NameGCVP)
	// Service 9 first for everyone but the ISSUED case, which changes the register: it runs last.
	ordered := make([]tc, 0, len(cases))
	var last []tc
	for _, c := range cases {
		if c.want == "ISSUED" {
			last = append(last, c)
		} else {
			ordered = append(ordered, c)
		}
	}
	for _, c := range append(ordered, last...) {
		t.Run(c.name+"/"+c.service, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			number := uuid.NewString()
			id, err := client.SendAsync(ctx, c.service, s.transactional(t, c.service, c.iin, c.cert, number, f))
			if err != nil {
				t.Fatal(err)
			}
			ans, err := client.Await(ctx, c.service, id, 50*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if !ans.Signer.Equal(gcvp) {
				t.Fatalf("signed by %q", ans.Signer.Subject.CommonName)
			}
			switch c.want {
			case "ISSUED", "DUPLICATE":
				if ans.Sik == nil || ans.Sik.Sik == nil || len(string(*ans.Sik.Sik)) != 16 {
					t.Fatalf("want a SIK certificate, got %+v %+v", ans.Sik, ans.Refusal)
				}
				if dup := ans.Sik.Duplicate != nil && bool(*ans.Sik.Duplicate); dup != (c.want == "DUPLICATE") {
					t.Fatalf("duplicate=%v, want %s", dup, c.want)
				}
				if ans.Sik.RequestNumber != number || string(*ans.Sik.Iin) != c.iin {
					t.Fatalf("certificate for %s/%s", ans.Sik.RequestNumber, *ans.Sik.Iin)
				}
			case "STATEMENT":
				if ans.Statement == nil || len(ans.Statement.Row) == 0 || ans.Statement.TotalTiyn == nil {
					t.Fatalf("want a statement with rows, got %+v %+v", ans.Statement, ans.Refusal)
				}
				var sum int64
				for _, r := range ans.Statement.Row {
					sum += int64(*r.AmountTiyn)
				}
				if sum != int64(*ans.Statement.TotalTiyn) {
					t.Fatalf("rows add up to %d, total says %d", sum, *ans.Statement.TotalTiyn)
				}
			default:
				if ans.Refusal == nil || ans.Refusal.Code != c.want {
					t.Fatalf("want refusal %s, got %+v %+v %+v", c.want, ans.Sik, ans.Statement, ans.Refusal)
				}
			}
			var r store.ServiceRequest
			eventually(t, "ГЦВП records the request answered", func() bool {
				r, err = s.Store.ServiceRequest(ctx, id)
				return err == nil && r.State == store.RequestAnswered
			})
			steps, _ := s.Store.Steps(ctx, id)
			if len(steps) == 0 {
				t.Fatal("no steps recorded")
			}
			if last := steps[len(steps)-1]; (c.want == "ISSUED" || c.want == "DUPLICATE" || c.want == "STATEMENT") != (last.Outcome == "ok") ||
				(last.Outcome != "ok" && last.Code != c.want) {
				t.Fatalf("last step %+v for %s", last, c.want)
			}
		})
	}
}

// TestSIKIssuedOnceUnderConcurrency: the same service 9 request sent several times at once, and
// again later, creates one SIK and one certificate.
func TestSIKIssuedOnceUnderConcurrency(t *testing.T) {
	f, _ := fixtures.Read(fixturesPath)
	s := start(t)
	client := s.portal(t)
	const iinValue = "840404370705" // no SIK yet
	number := uuid.NewString()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var siks, certs []string
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := client.SendAsync(ctx, wsdl.ServiceSikIssue, s.transactional(t, wsdl.ServiceSikIssue, iinValue, pki.NameOperator1, number, f))
			if err != nil {
				t.Error(err)
				return
			}
			ans, err := client.Await(ctx, wsdl.ServiceSikIssue, id, 50*time.Millisecond)
			if err != nil || ans.Sik == nil {
				t.Errorf("%+v %v", ans, err)
				return
			}
			mu.Lock()
			siks = append(siks, string(*ans.Sik.Sik))
			certs = append(certs, ans.Sik.CertificateNumber)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(siks) != 4 {
		t.Fatalf("answers: %v", siks)
	}
	for i := range siks {
		if siks[i] != siks[0] || certs[i] != certs[0] {
			t.Fatalf("one request gave different SIKs or certificates: %v %v", siks, certs)
		}
	}
	p, err := s.Store.Person(ctx, iinValue)
	if err != nil || p.SIK != siks[0] {
		t.Fatalf("register: %+v %v", p, err)
	}
}

// TestTransactionalRefusalsEndToEnd covers the refusal branches of services 9 and 10 that no
// fixture person stands for: they depend on what the request says, not on who asks.
func TestTransactionalRefusalsEndToEnd(t *testing.T) {
	s := start(t)
	client := s.portal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ask := func(t *testing.T, service string, doc *etree.Element, cert string) string {
		t.Helper()
		if err := s.signer(t, cert).SignElement(doc); err != nil {
			t.Fatal(err)
		}
		id, err := client.SendAsync(ctx, service, doc)
		if err != nil {
			t.Fatal(err)
		}
		ans, err := client.Await(ctx, service, id, 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if ans.Refusal == nil {
			return "RESULT"
		}
		return ans.Refusal.Code
	}
	t.Run("service 10, period the wrong way round", func(t *testing.T) {
		doc, _ := portal.NewStatementRequest("880512310210", uuid.NewString(), time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Now())
		if got := ask(t, wsdl.ServicePensionFundStatement, doc, pki.NameConsumerGood); got != "SVC_PERIOD_INVALID" {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("service 10, period in the future", func(t *testing.T) {
		now := time.Now()
		doc, _ := portal.NewStatementRequest("880512310210", uuid.NewString(), now.AddDate(1, 0, 0), now.AddDate(2, 0, 0), now)
		if got := ask(t, wsdl.ServicePensionFundStatement, doc, pki.NameConsumerGood); got != "SVC_PERIOD_INVALID" {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("service 9, a request number used for another person", func(t *testing.T) {
		number := uuid.NewString()
		doc, _ := portal.NewSikRequest("880512310210", number, true, time.Now())
		if got := ask(t, wsdl.ServiceSikIssue, doc, pki.NameConsumerGood); got != "RESULT" {
			t.Fatalf("first use: %s", got)
		}
		doc, _ = portal.NewSikRequest("951103420437", number, true, time.Now())
		if got := ask(t, wsdl.ServiceSikIssue, doc, pki.NameConsumerEC); got != "SVC_REQUEST_NUMBER_REUSED" {
			t.Fatalf("reuse: %s", got)
		}
	})
	t.Run("a document for another service", func(t *testing.T) {
		doc, _ := portal.NewSikRequest("880512310210", uuid.NewString(), true, time.Now())
		if got := ask(t, wsdl.ServicePensionFundStatement, doc, pki.NameConsumerGood); got != "SVC_REQUEST_INVALID" {
			t.Fatalf("got %s", got)
		}
		info, _ := portal.NewInfoRequest(wsdl.ServiceAgeBenefitInfo, "880512310210", uuid.NewString(), time.Now())
		if got := ask(t, wsdl.ServiceBasicPensionInfo, info, pki.NameConsumerGood); got != "SVC_REQUEST_INVALID" {
			t.Fatalf("services 1–8: got %s", got)
		}
	})
	t.Run("a malformed IIN", func(t *testing.T) {
		info, _ := portal.NewInfoRequest(wsdl.ServiceBasicPensionInfo, "880512310211", uuid.NewString(), time.Now())
		if got := ask(t, wsdl.ServiceBasicPensionInfo, info, pki.NameConsumerGood); got != "SVC_IIN_INVALID" {
			t.Fatalf("got %s", got)
		}
	})
}
