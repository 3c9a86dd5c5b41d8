package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func open(t *testing.T) (*SQL, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shepgate.db")
	s, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestRememberMessageRefusesReplayAndSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	now := time.Now()
	if err := s.RememberMessage(ctx, "gateway", "portal", "m1", now); err != nil {
		t.Fatalf("first: %v", err)
	}
	if err := s.RememberMessage(ctx, "gateway", "portal", "m1", now); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("replay: got %v, want ErrDuplicate", err)
	}
	// The same messageId from another sender, or at another receiver, is a different message.
	if err := s.RememberMessage(ctx, "gateway", "other", "m1", now); err != nil {
		t.Fatalf("other sender: %v", err)
	}
	if err := s.RememberMessage(ctx, "provider", "portal", "m1", now); err != nil {
		t.Fatalf("other receiver: %v", err)
	}
	s.Close()
	s2, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.RememberMessage(ctx, "gateway", "portal", "m1", now); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("replay after reopen: got %v, want ErrDuplicate", err)
	}
	n, err := s2.ForgetMessagesBefore(ctx, now.Add(time.Second))
	if err != nil || n != 3 {
		t.Fatalf("forget: n=%d err=%v, want 3", n, err)
	}
	if err := s2.RememberMessage(ctx, "gateway", "portal", "m1", now); err != nil {
		t.Fatalf("after forget: %v", err)
	}
}

func TestPersonsAndDecisions(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	if _, err := s.Person(ctx, "000000000000"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing person: %v", err)
	}
	p := Person{IIN: "850101300017", LastName: "ӘБІЛҰЛЫ", FirstName: "ҚАНАТ", BirthDate: time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC), SIK: "SIK1"}
	if err := s.PutPerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.SIK = "SIK2"
	if err := s.PutPerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := s.Person(ctx, p.IIN)
	if err != nil || got != p {
		t.Fatalf("person: got %+v, %v; want %+v", got, err, p)
	}
	d := Decision{IIN: p.IIN, PaymentKind: "BASIC_PENSION", Outcome: "ASSIGNED", DecisionNumber: "D-1",
		DecisionDate: time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC), AmountTiyn: 1_234_567,
		PeriodFrom: time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)}
	if err := s.PutDecision(ctx, d); err != nil {
		t.Fatal(err)
	}
	gd, err := s.Decision(ctx, p.IIN, "BASIC_PENSION")
	if err != nil || gd != d {
		t.Fatalf("decision: got %+v, %v; want %+v", gd, err, d)
	}
	if _, err := s.Decision(ctx, p.IIN, "DISABILITY"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing decision: %v", err)
	}
}
