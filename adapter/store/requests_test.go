package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestRequestLifecycle(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r := ServiceRequest{ID: "m1", ServiceID: "S", Sender: "P", Channel: "PORTAL", Document: []byte("<doc/>"), Accepted: t0, Deadline: t0.Add(6 * time.Minute)}
	if _, err := s.AcceptRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got, err := s.AcceptRequest(ctx, r); !errors.Is(err, ErrDuplicate) || got.ID != "m1" {
		t.Fatalf("second accept: %v", err)
	}
	c, ok, err := s.ClaimRequest(ctx, t0, time.Minute)
	if err != nil || !ok || c.ID != "m1" || c.Attempts != 1 {
		t.Fatalf("claim: %+v %v %v", c, ok, err)
	}
	// Leased: nobody else gets it until the lease runs out.
	if _, ok, _ := s.ClaimRequest(ctx, t0.Add(30*time.Second), time.Minute); ok {
		t.Fatal("claimed a leased request")
	}
	// The worker died: after the lease, the request is claimed again (the restart's case).
	s.Close()
	s2, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	c, ok, err = s2.ClaimRequest(ctx, t0.Add(61*time.Second), time.Minute)
	if err != nil || !ok || c.Attempts != 2 {
		t.Fatalf("reclaim after restart: %+v %v %v", c, ok, err)
	}
	a := RequestAnswer{Document: []byte("<answer/>"), StatusCode: "SCSS001", RequestNumber: "N-1", IIN: "880512310210"}
	if err := s2.CompleteRequest(ctx, "m1", a, t0.Add(62*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s2.CompleteRequest(ctx, "m1", RequestAnswer{Document: []byte("<other/>")}, t0.Add(63*time.Second)); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second completion: %v", err)
	}
	if _, ok, _ := s2.ClaimRequest(ctx, t0.Add(time.Hour), time.Minute); ok {
		t.Fatal("claimed a completed request")
	}
	un, err := s2.Unanswered(ctx, 10)
	if err != nil || len(un) != 1 || string(un[0].Answer.Document) != "<answer/>" {
		t.Fatalf("unanswered: %+v %v", un, err)
	}
	if err := s2.MarkAnswered(ctx, "m1", "g-1", t0.Add(64*time.Second)); err != nil {
		t.Fatal(err)
	}
	if un, _ := s2.Unanswered(ctx, 10); len(un) != 0 {
		t.Fatalf("still unanswered: %+v", un)
	}
	got, err := s2.ServiceRequestByNumber(ctx, "N-1")
	if err != nil || got.State != RequestAnswered || got.AnswerMessageID != "g-1" || got.IIN != "880512310210" {
		t.Fatalf("by number: %+v %v", got, err)
	}
	for i, st := range []string{"A3", "A8"} {
		if err := s2.AddStep(ctx, RequestStep{RequestID: "m1", Attempt: 2, Step: st, Started: t0.Add(time.Duration(i) * time.Second),
			Ended: t0.Add(time.Duration(i)*time.Second + time.Millisecond), Outcome: "ok", NormMS: 15000}); err != nil {
			t.Fatal(err)
		}
	}
	steps, err := s2.Steps(ctx, "m1")
	if err != nil || len(steps) != 2 || steps[0].Step != "A3" || steps[1].Step != "A8" || steps[1].NormMS != 15000 {
		t.Fatalf("steps %+v %v", steps, err)
	}
}

func TestClaimIsExclusive(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	t0 := time.Now()
	for _, id := range []string{"a", "b", "c"} {
		if _, err := s.AcceptRequest(ctx, ServiceRequest{ID: id, ServiceID: "S", Sender: "P", Accepted: t0, Deadline: t0}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r, ok, err := s.ClaimRequest(ctx, t0, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				seen[r.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 3 || seen["a"] != 1 || seen["b"] != 1 || seen["c"] != 1 {
		t.Fatalf("claims %v, want each request once", seen)
	}
}

func TestQueue(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	req := QueuedMessage{ID: "q1", ServiceID: "S", Type: "REQUEST", Sender: "P", Recipient: "G", Push: true, MessageDate: t0, Data: []byte("<d/>"), NextAttempt: t0, Created: t0}
	if _, err := s.Enqueue(ctx, req); err != nil {
		t.Fatal(err)
	}
	resp := QueuedMessage{ID: "q2", CorrelationID: "q1", ServiceID: "S", Type: "RESPONSE", Sender: "G", Recipient: "P", MessageDate: t0, Data: []byte("<a/>"), DedupKey: "G|q1|RESPONSE", Created: t0.Add(time.Second)}
	if _, err := s.Enqueue(ctx, resp); err != nil {
		t.Fatal(err)
	}
	again := resp
	again.ID = "q3"
	if got, err := s.Enqueue(ctx, again); !errors.Is(err, ErrDuplicate) || got.ID != "q2" {
		t.Fatalf("duplicate RESPONSE: %+v %v", got, err)
	}
	due, err := s.DueForPush(ctx, t0, 10)
	if err != nil || len(due) != 1 || due[0].ID != "q1" || string(due[0].Data) != "<d/>" {
		t.Fatalf("due: %+v %v", due, err)
	}
	if err := s.SetDelivery(ctx, "q1", StateOnDelivery, t0.Add(time.Minute), "connection refused", t0); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueForPush(ctx, t0.Add(time.Second), 10); len(due) != 0 {
		t.Fatalf("backoff ignored: %+v", due)
	}
	w, err := s.Waiting(ctx, "P", "S", "q1", "", 10)
	if err != nil || len(w) != 1 || w[0].ID != "q2" {
		t.Fatalf("waiting: %+v %v", w, err)
	}
	if err := s.SetDelivery(ctx, "q2", StateDelivered, time.Time{}, "", t0); err != nil {
		t.Fatal(err)
	}
	if w, _ := s.Waiting(ctx, "P", "", "", "", 10); len(w) != 0 {
		t.Fatalf("delivered message still waiting: %+v", w)
	}
	m, err := s.QueuedMessage(ctx, "q1")
	if err != nil || m.Attempts != 1 || m.LastError != "connection refused" {
		t.Fatalf("%+v %v", m, err)
	}
}
