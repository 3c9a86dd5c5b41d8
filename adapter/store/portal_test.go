package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestPortalRequestLifecycle(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r := PortalRequest{Number: "N1", IIN: "880512310210", ServiceID: "GCVP_PENSION_FUND_STATEMENT", Lang: "kk",
		PeriodFrom: "2024-01-01", PeriodTo: "2024-12-31", Draft: []byte("<d/>"), Created: t0}
	if err := s.CreatePortalRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePortalRequest(ctx, r); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second create: %v", err)
	}
	got, err := s.PortalRequest(ctx, "N1")
	if err != nil || got.Status != PortalDraft || got.PeriodTo != "2024-12-31" || got.Lang != "kk" || string(got.Draft) != "<d/>" ||
		!got.Created.Equal(t0) || !got.Submitted.IsZero() || got.Signed != nil {
		t.Fatalf("stored: %+v %v", got, err)
	}
	if _, err := s.PortalRequest(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	// Not answered: no survey, no completion.
	if err := s.SavePortalSurvey(ctx, "N1", 3, 3, t0); !errors.Is(err, ErrPortalState) {
		t.Fatalf("survey of a draft: %v", err)
	}
	if err := s.CompletePortalRequest(ctx, "N1", PortalAnswer{Status: PortalDone}, t0); !errors.Is(err, ErrPortalState) {
		t.Fatalf("complete a draft: %v", err)
	}
	// Claimed, refused by the gateway, released; claimed again and sent.
	if err := s.ClaimPortalRequest(ctx, "N1", []byte("<s/>"), t0, t0.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimPortalRequest(ctx, "N1", []byte("<s2/>"), t0, t0.Add(-time.Minute)); !errors.Is(err, ErrPortalState) {
		t.Fatalf("second claim: %v", err)
	}
	if err := s.ReleasePortalRequest(ctx, "N1", "ROUTE_UNAVAILABLE", t0); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.PortalRequest(ctx, "N1"); got.Status != PortalDraft || got.LastError != "ROUTE_UNAVAILABLE" || got.Signed != nil {
		t.Fatalf("released: %+v", got)
	}
	if err := s.ClaimPortalRequest(ctx, "N1", []byte("<s/>"), t0, t0.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	// A submission that died is taken over once its claim is stale.
	if err := s.ClaimPortalRequest(ctx, "N1", []byte("<s/>"), t0.Add(2*time.Minute), t0.Add(time.Minute)); err != nil {
		t.Fatalf("stale claim: %v", err)
	}
	t1 := t0.Add(3 * time.Minute)
	if err := s.MarkPortalRequestSent(ctx, "N1", "msg-1", t1); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkPortalRequestSent(ctx, "N1", "msg-2", t1); !errors.Is(err, ErrPortalState) {
		t.Fatalf("sent twice: %v", err)
	}
	if err := s.UpdatePortalRequestState(ctx, "N1", PortalInProgress, "DELIVERED", t1); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdatePortalRequestState(ctx, "N1", PortalDone, "DELIVERED", t1); err == nil {
		t.Fatal("UpdatePortalRequestState took a final status")
	}
	// Restart: the record survives.
	s.Close()
	s, err = OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err = s.PortalRequest(ctx, "N1")
	if err != nil || got.Status != PortalInProgress || got.MessageID != "msg-1" || got.MessageState != "DELIVERED" ||
		!got.Submitted.Equal(t1) || string(got.Signed) != "<s/>" {
		t.Fatalf("after restart: %+v %v", got, err)
	}
	t2 := t1.Add(time.Minute)
	a := PortalAnswer{Status: PortalRefused, Document: []byte("<Refusal/>"), Outcome: "SVC_NO_MOVEMENTS", RefusalCode: "SVC_NO_MOVEMENTS"}
	if err := s.CompletePortalRequest(ctx, "N1", a, t2); err != nil {
		t.Fatal(err)
	}
	if err := s.CompletePortalRequest(ctx, "N1", a, t2); !errors.Is(err, ErrPortalState) {
		t.Fatalf("completed twice: %v", err)
	}
	if err := s.UpdatePortalRequestState(ctx, "N1", PortalInProgress, "DELIVERED", t2); !errors.Is(err, ErrPortalState) {
		t.Fatalf("state of an answered request: %v", err)
	}
	got, _ = s.PortalRequest(ctx, "N1")
	if got.Status != PortalRefused || got.MessageState != "DELIVERED" || got.RefusalCode != "SVC_NO_MOVEMENTS" || !got.Answered.Equal(t2) {
		t.Fatalf("answered: %+v", got)
	}
	if err := s.SavePortalSurvey(ctx, "N1", 0, 3, t2); err == nil {
		t.Fatal("survey answer 0 accepted")
	}
	if err := s.SavePortalSurvey(ctx, "N1", 2, 3, t2); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePortalSurvey(ctx, "N1", 1, 1, t2); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second survey: %v", err)
	}
	got, _ = s.PortalRequest(ctx, "N1")
	if got.SurveyQ1 != 2 || got.SurveyQ2 != 3 || !got.Surveyed.Equal(t2) {
		t.Fatalf("survey: %+v", got)
	}
}

func TestPortalRequestsOf(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i, n := range []string{"A1", "A2", "A3"} {
		if err := s.CreatePortalRequest(ctx, PortalRequest{Number: n, IIN: "880512310210", ServiceID: "S", Draft: []byte("<d/>"),
			Created: t0.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreatePortalRequest(ctx, PortalRequest{Number: "B1", IIN: "951103420437", ServiceID: "S", Draft: []byte("<d/>"), Created: t0}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.PortalRequestsOf(ctx, "880512310210", 2)
	if err != nil || len(rs) != 2 || rs[0].Number != "A3" || rs[1].Number != "A2" {
		t.Fatalf("newest first, limited: %+v %v", rs, err)
	}
	if rs, _ := s.PortalRequestsOf(ctx, "000000000000", 10); len(rs) != 0 {
		t.Fatalf("someone else's: %+v", rs)
	}
}

// TestPortalClaimOnce: of many submissions of one draft at once, one claims it.
func TestPortalClaimOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	t0 := time.Now()
	if err := s.CreatePortalRequest(ctx, PortalRequest{Number: "C1", IIN: "880512310210", ServiceID: "S", Draft: []byte("<d/>"), Created: t0}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Go(func() {
			err := s.ClaimPortalRequest(ctx, "C1", []byte("<s/>"), t0, t0.Add(-time.Minute))
			if err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			} else if !errors.Is(err, ErrPortalState) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d claims won", won)
	}
}
