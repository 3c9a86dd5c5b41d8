// Package store is shepgate's durable state: the messageIds each receiver has seen (replay
// protection) and the ГЦВП side's records (persons, SIKs, benefit and pension decisions).
//
// Store is one interface with one SQL implementation. The SQL is kept portable (numbered $n
// placeholders, standard types, ON CONFLICT) so that PostgreSQL can join the embedded SQLite
// (modernc.org/sqlite, no cgo) for deployments on several machines.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrDuplicate is returned when a messageId was already recorded for the same receiver and sender.
var ErrDuplicate = errors.New("store: duplicate")

// Person is a person known to ГЦВП.
type Person struct {
	IIN        string
	LastName   string
	FirstName  string
	MiddleName string
	BirthDate  time.Time
	SIK        string // social individual code; empty when none is registered
}

// Decision is a benefit or pension decision recorded in ГЦВП's system.
type Decision struct {
	IIN            string
	PaymentKind    string // one of the payment kinds of services 1–8 (see adapter/provider)
	Outcome        string // ASSIGNED or REFUSED
	DecisionNumber string
	DecisionDate   time.Time
	AmountTiyn     int64 // money is never a float: integer tiyn (1/100 tenge)
	PeriodFrom     time.Time
	PeriodTo       time.Time // zero when open-ended
	ReasonKK       string    // refusal reason, when Outcome is REFUSED
	ReasonRU       string
}

// Store is everything shepgate keeps durably. Each area is its own interface, declared in its
// own file with its own migrations (see Migration), so that areas grow independently.
type Store interface {
	Replay
	Registry
	ServiceData
	Requests
	Queue
	PortalRequests

	// Ping checks that the store answers (readiness).
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// Replay holds the messageIds each receiver has seen.
type Replay interface {
	// RememberMessage records that receiver got messageID from sender at the given time. It
	// returns ErrDuplicate when the same (receiver, sender, messageID) was recorded before.
	RememberMessage(ctx context.Context, receiver, sender, messageID string, at time.Time) error
	// ForgetMessagesBefore deletes replay records older than t (they are outside the accepted
	// messageDate window, so a replay of them is refused by date anyway).
	ForgetMessagesBefore(ctx context.Context, t time.Time) (int64, error)
}

// Registry is ГЦВП's record of persons and their benefit and pension decisions.
type Registry interface {
	// PutPerson inserts or replaces a person.
	PutPerson(ctx context.Context, p Person) error
	// Person returns the person with the IIN, or ErrNotFound.
	Person(ctx context.Context, iin string) (Person, error)
	// PutDecision inserts or replaces the decision of (IIN, payment kind).
	PutDecision(ctx context.Context, d Decision) error
	// Decision returns the latest decision of the kind for the IIN, or ErrNotFound.
	Decision(ctx context.Context, iin, paymentKind string) (Decision, error)
}
