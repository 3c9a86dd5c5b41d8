package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Queue is the gateway's durable queue of async-channel messages. Migrations 300–399.
type Queue interface {
	// Enqueue stores a new message. A message with a DedupKey that is already queued is not
	// stored again: Enqueue returns the queued one and ErrDuplicate.
	Enqueue(ctx context.Context, m QueuedMessage) (QueuedMessage, error)
	// QueuedMessage returns a message by its id, or ErrNotFound.
	QueuedMessage(ctx context.Context, id string) (QueuedMessage, error)
	// DueForPush returns up to limit messages in ON_DELIVERY to recipients that take pushes,
	// whose next attempt is due at now.
	DueForPush(ctx context.Context, now time.Time, limit int) ([]QueuedMessage, error)
	// Waiting returns up to limit messages in ON_DELIVERY for a recipient (its pull), filtered by
	// serviceID, correlationID and messageID when they are not empty, oldest first.
	Waiting(ctx context.Context, recipient, serviceID, correlationID, messageID string, limit int) ([]QueuedMessage, error)
	// Correlated returns every message correlated with a message id (its answers), oldest first.
	Correlated(ctx context.Context, correlationID string) ([]QueuedMessage, error)
	// SetDelivery records a delivery attempt's result: the new state, the next attempt time (for
	// ON_DELIVERY) and the last error ("" when none).
	SetDelivery(ctx context.Context, id, state string, next time.Time, lastError string, at time.Time) error
}

// Delivery states of the async channel (common/v10 MessageState).
const (
	StateOnDelivery      = "ON_DELIVERY"
	StateDelivered       = "DELIVERED"
	StateNotDelivered    = "NOT_DELIVERED"
	StateDeliveryStopped = "DELIVERY_STOPPED"
)

// QueuedMessage is a message the gateway accepted on the async channel.
type QueuedMessage struct {
	ID            string // assigned by the gateway
	CorrelationID string
	ServiceID     string
	Type          string // REQUEST, RESPONSE, UPDATE, NOTIFICATION
	Sender        string
	Recipient     string
	// Push tells whether the recipient takes pushes (else it pulls with getMessages).
	Push        bool
	SessionID   string
	MessageDate time.Time
	// Data is the business document, serialized as received (its signature intact).
	Data        []byte
	DedupKey    string
	State       string
	Attempts    int
	NextAttempt time.Time
	LastError   string
	Created     time.Time
	Updated     time.Time
}

var _ = register(
	Migration{300, `CREATE TABLE async_messages (
		id             TEXT PRIMARY KEY,
		correlation_id TEXT NOT NULL DEFAULT '',
		service_id     TEXT NOT NULL,
		message_type   TEXT NOT NULL,
		sender         TEXT NOT NULL,
		recipient      TEXT NOT NULL,
		push           INTEGER NOT NULL,
		session_id     TEXT NOT NULL DEFAULT '',
		message_date   BIGINT NOT NULL,
		data           TEXT NOT NULL,
		dedup_key      TEXT UNIQUE,
		state          TEXT NOT NULL,
		attempts       INTEGER NOT NULL DEFAULT 0,
		next_attempt   BIGINT NOT NULL,
		last_error     TEXT NOT NULL DEFAULT '',
		created_at     BIGINT NOT NULL,
		updated_at     BIGINT NOT NULL
	)`},
	Migration{301, `CREATE INDEX async_messages_due ON async_messages (state, push, next_attempt)`},
	Migration{302, `CREATE INDEX async_messages_recipient ON async_messages (recipient, state, created_at)`},
)

const queueColumns = `id, correlation_id, service_id, message_type, sender, recipient, push, session_id, message_date,
	data, COALESCE(dedup_key, ''), state, attempts, next_attempt, last_error, created_at, updated_at`

// Enqueue implements Queue.
func (s *SQL) Enqueue(ctx context.Context, m QueuedMessage) (QueuedMessage, error) {
	if m.DedupKey != "" {
		old, err := s.queuedWhere(ctx, `dedup_key = $1`, m.DedupKey)
		if err == nil {
			return old, ErrDuplicate
		}
		if !errors.Is(err, ErrNotFound) {
			return QueuedMessage{}, err
		}
	}
	var dedup any
	if m.DedupKey != "" {
		dedup = m.DedupKey
	}
	if m.State == "" {
		m.State = StateOnDelivery
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO async_messages (`+
		`id, correlation_id, service_id, message_type, sender, recipient, push, session_id, message_date, data, dedup_key, state, attempts, next_attempt, last_error, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, '', $14, $14)`,
		m.ID, m.CorrelationID, m.ServiceID, m.Type, m.Sender, m.Recipient, boolInt(m.Push), m.SessionID,
		m.MessageDate.UnixMilli(), string(m.Data), dedup, m.State, m.NextAttempt.UnixMilli(), m.Created.UnixMilli())
	if err != nil {
		if m.DedupKey != "" {
			// A concurrent enqueue of the same message won the race.
			if old, qerr := s.queuedWhere(ctx, `dedup_key = $1`, m.DedupKey); qerr == nil {
				return old, ErrDuplicate
			}
		}
		return QueuedMessage{}, fmt.Errorf("store: enqueue: %w", err)
	}
	m.Updated = m.Created
	return m, nil
}

// QueuedMessage implements Queue.
func (s *SQL) QueuedMessage(ctx context.Context, id string) (QueuedMessage, error) {
	return s.queuedWhere(ctx, `id = $1`, id)
}

func (s *SQL) queuedWhere(ctx context.Context, where string, args ...any) (QueuedMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+queueColumns+` FROM async_messages WHERE `+where, args...)
	if err != nil {
		return QueuedMessage{}, fmt.Errorf("store: queued message: %w", err)
	}
	ms, err := scanQueued(rows)
	if err != nil {
		return QueuedMessage{}, err
	}
	if len(ms) == 0 {
		return QueuedMessage{}, ErrNotFound
	}
	return ms[0], nil
}

// DueForPush implements Queue.
func (s *SQL) DueForPush(ctx context.Context, now time.Time, limit int) ([]QueuedMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+queueColumns+` FROM async_messages
		WHERE state = $1 AND push = 1 AND next_attempt <= $2 ORDER BY next_attempt, created_at LIMIT $3`,
		StateOnDelivery, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due messages: %w", err)
	}
	return scanQueued(rows)
}

// Waiting implements Queue.
func (s *SQL) Waiting(ctx context.Context, recipient, serviceID, correlationID, messageID string, limit int) ([]QueuedMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+queueColumns+` FROM async_messages
		WHERE recipient = $1 AND state = $2 AND ($3 = '' OR service_id = $3) AND ($4 = '' OR correlation_id = $4) AND ($5 = '' OR id = $5)
		ORDER BY created_at, id LIMIT $6`, recipient, StateOnDelivery, serviceID, correlationID, messageID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: waiting messages: %w", err)
	}
	return scanQueued(rows)
}

// Correlated implements Queue.
func (s *SQL) Correlated(ctx context.Context, correlationID string) ([]QueuedMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+queueColumns+` FROM async_messages WHERE correlation_id = $1 ORDER BY created_at, id`, correlationID)
	if err != nil {
		return nil, fmt.Errorf("store: correlated messages: %w", err)
	}
	return scanQueued(rows)
}

// SetDelivery implements Queue.
func (s *SQL) SetDelivery(ctx context.Context, id, state string, next time.Time, lastError string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE async_messages SET state = $2, next_attempt = $3, last_error = $4,
		attempts = attempts + 1, updated_at = $5 WHERE id = $1`, id, state, next.UnixMilli(), lastError, at.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: set delivery: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

func scanQueued(rows *sql.Rows) ([]QueuedMessage, error) {
	defer rows.Close()
	var out []QueuedMessage
	for rows.Next() {
		var m QueuedMessage
		var push int
		var date, next, created, updated int64
		var data string
		if err := rows.Scan(&m.ID, &m.CorrelationID, &m.ServiceID, &m.Type, &m.Sender, &m.Recipient, &push, &m.SessionID, &date,
			&data, &m.DedupKey, &m.State, &m.Attempts, &next, &m.LastError, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: scan queued message: %w", err)
		}
		m.Push, m.Data = push == 1, []byte(data)
		m.MessageDate, m.NextAttempt = time.UnixMilli(date), time.UnixMilli(next)
		m.Created, m.Updated = time.UnixMilli(created), time.UnixMilli(updated)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: queued messages: %w", err)
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
