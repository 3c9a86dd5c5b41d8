package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Requests are the service requests that ГЦВП accepted and their recorded steps.
// Migrations 200–299.
//
// A request moves ACCEPTED → DONE (its answer is stored) → ANSWERED (the answer was handed to the
// gateway). Processing is claimed with a lease: a worker that dies mid-request loses its lease
// and another claims the request again, so a request accepted before a crash is finished after
// the restart; the answer is stored once (Complete only moves a request that is not DONE yet).
type Requests interface {
	// AcceptRequest stores a new request; a request with the same ID is not stored twice
	// (ErrDuplicate, with the stored one).
	AcceptRequest(ctx context.Context, r ServiceRequest) (ServiceRequest, error)
	// ServiceRequest returns a request by its ID, or ErrNotFound.
	ServiceRequest(ctx context.Context, id string) (ServiceRequest, error)
	// ServiceRequestByNumber returns a request by its business request number, or ErrNotFound.
	ServiceRequestByNumber(ctx context.Context, number string) (ServiceRequest, error)
	// ClaimRequest takes the oldest ACCEPTED request whose lease has run out and whose next
	// attempt is due, leases it until now+lease and counts the attempt. ok is false when there is
	// none.
	ClaimRequest(ctx context.Context, now time.Time, lease time.Duration) (r ServiceRequest, ok bool, err error)
	// RetryRequest gives a claimed request back, to be tried again at next.
	RetryRequest(ctx context.Context, id string, next time.Time, lastError string) error
	// CompleteRequest stores the answer of an ACCEPTED request and makes it DONE; it returns
	// ErrDuplicate (and changes nothing) when the request was already completed.
	CompleteRequest(ctx context.Context, id string, a RequestAnswer, at time.Time) error
	// Unanswered returns up to limit DONE requests whose answer has not reached the gateway.
	Unanswered(ctx context.Context, limit int) ([]ServiceRequest, error)
	// MarkAnswered records that the answer reached the gateway (with its messageId there).
	MarkAnswered(ctx context.Context, id, answerMessageID string, at time.Time) error
	// FinishSyncRequest records the answer of a sync-channel request, already sent (ANSWERED),
	// or its failure (FAILED, when a.Document is empty).
	FinishSyncRequest(ctx context.Context, id string, a RequestAnswer, at time.Time) error
	// AddStep records one step of a request's flow.
	AddStep(ctx context.Context, s RequestStep) error
	// Steps returns a request's steps in the order they ended.
	Steps(ctx context.Context, id string) ([]RequestStep, error)
}

// Request states.
const (
	RequestAccepted = "ACCEPTED"
	RequestDone     = "DONE"
	RequestAnswered = "ANSWERED"
	RequestFailed   = "FAILED"
)

// Request modes: how the answer travels.
const (
	ModeAsync = "async" // the worker processes it and answers with a RESPONSE
	ModeSync  = "sync"  // the sync channel's handler answers it in the HTTP exchange
)

// ServiceRequest is a request ГЦВП accepted.
type ServiceRequest struct {
	// ID is the ШЭП messageId of the REQUEST (assigned by the gateway).
	ID        string
	ServiceID string
	Sender    string
	// Mode is ModeAsync (default) or ModeSync; only async requests are claimed by the worker.
	Mode    string
	Channel string // PORTAL or CON
	// Document is the business document as received (signed), serialized.
	Document []byte
	// RequestNumber and IIN are known once the document's signature is verified.
	RequestNumber string
	IIN           string
	State         string
	Attempts      int
	NextAttempt   time.Time
	LeaseUntil    time.Time
	LastError     string
	Accepted      time.Time
	Deadline      time.Time
	Answer        RequestAnswer
	// AnswerMessageID is the messageId of the RESPONSE at the gateway.
	AnswerMessageID string
	Updated         time.Time
}

// RequestAnswer is the answer of a request.
type RequestAnswer struct {
	// Document is the ГЦВП-signed result or refusal, serialized.
	Document      []byte
	StatusCode    string
	StatusMessage string
	RefusalCode   string
	RequestNumber string
	IIN           string
	Completed     time.Time
	// MessageID is the messageId the answer went out with (sync requests).
	MessageID string
}

// RequestStep is one recorded step of a request.
type RequestStep struct {
	RequestID string
	Attempt   int
	Step      string
	Started   time.Time
	Ended     time.Time
	Outcome   string
	Code      string
	NormMS    int64
}

var _ = register(
	Migration{200, `CREATE TABLE service_requests (
		id                TEXT PRIMARY KEY,
		service_id        TEXT NOT NULL,
		sender            TEXT NOT NULL,
		channel           TEXT NOT NULL DEFAULT '',
		document          TEXT NOT NULL,
		request_number    TEXT NOT NULL DEFAULT '',
		iin               TEXT NOT NULL DEFAULT '',
		state             TEXT NOT NULL,
		attempts          INTEGER NOT NULL DEFAULT 0,
		next_attempt      BIGINT NOT NULL,
		lease_until       BIGINT NOT NULL DEFAULT 0,
		last_error        TEXT NOT NULL DEFAULT '',
		accepted_at       BIGINT NOT NULL,
		deadline_at       BIGINT NOT NULL,
		answer            TEXT NOT NULL DEFAULT '',
		status_code       TEXT NOT NULL DEFAULT '',
		status_message    TEXT NOT NULL DEFAULT '',
		refusal_code      TEXT NOT NULL DEFAULT '',
		completed_at      BIGINT NOT NULL DEFAULT 0,
		answer_message_id TEXT NOT NULL DEFAULT '',
		updated_at        BIGINT NOT NULL
	)`},
	Migration{201, `CREATE INDEX service_requests_claim ON service_requests (state, next_attempt, lease_until)`},
	Migration{202, `CREATE INDEX service_requests_number ON service_requests (request_number)`},
	Migration{203, `CREATE TABLE request_steps (
		request_id TEXT NOT NULL,
		attempt    INTEGER NOT NULL,
		step       TEXT NOT NULL,
		started_at BIGINT NOT NULL,
		ended_at   BIGINT NOT NULL,
		outcome    TEXT NOT NULL,
		code       TEXT NOT NULL DEFAULT '',
		norm_ms    BIGINT NOT NULL DEFAULT 0
	)`},
	Migration{204, `CREATE INDEX request_steps_request ON request_steps (request_id, ended_at)`},
	Migration{205, `ALTER TABLE service_requests ADD COLUMN mode TEXT NOT NULL DEFAULT 'async'`},
)

const requestColumns = `id, service_id, sender, channel, document, request_number, iin, state, attempts, next_attempt,
	lease_until, last_error, accepted_at, deadline_at, answer, status_code, status_message, refusal_code, completed_at,
	answer_message_id, updated_at, mode`

// AcceptRequest implements Requests.
func (s *SQL) AcceptRequest(ctx context.Context, r ServiceRequest) (ServiceRequest, error) {
	if r.Mode == "" {
		r.Mode = ModeAsync
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO service_requests (id, service_id, sender, channel, document, state,
		next_attempt, accepted_at, deadline_at, updated_at, mode)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $7, $9) ON CONFLICT (id) DO NOTHING`,
		r.ID, r.ServiceID, r.Sender, r.Channel, string(r.Document), RequestAccepted, r.Accepted.UnixMilli(), r.Deadline.UnixMilli(), r.Mode)
	if err != nil {
		return ServiceRequest{}, fmt.Errorf("store: accept request: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return ServiceRequest{}, fmt.Errorf("store: accept request: %w", err)
	}
	stored, err := s.ServiceRequest(ctx, r.ID)
	if err != nil {
		return ServiceRequest{}, err
	}
	if n == 0 {
		return stored, ErrDuplicate
	}
	return stored, nil
}

// ServiceRequest implements Requests.
func (s *SQL) ServiceRequest(ctx context.Context, id string) (ServiceRequest, error) {
	return s.requestWhere(ctx, `id = $1`, id)
}

// ServiceRequestByNumber implements Requests.
func (s *SQL) ServiceRequestByNumber(ctx context.Context, number string) (ServiceRequest, error) {
	if number == "" {
		return ServiceRequest{}, ErrNotFound
	}
	return s.requestWhere(ctx, `request_number = $1`, number)
}

func (s *SQL) requestWhere(ctx context.Context, where string, args ...any) (ServiceRequest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+requestColumns+` FROM service_requests WHERE `+where+` ORDER BY accepted_at LIMIT 1`, args...)
	if err != nil {
		return ServiceRequest{}, fmt.Errorf("store: request: %w", err)
	}
	rs, err := scanRequests(rows)
	if err != nil {
		return ServiceRequest{}, err
	}
	if len(rs) == 0 {
		return ServiceRequest{}, ErrNotFound
	}
	return rs[0], nil
}

// ClaimRequest implements Requests.
func (s *SQL) ClaimRequest(ctx context.Context, now time.Time, lease time.Duration) (ServiceRequest, bool, error) {
	for range 3 {
		var id string
		var oldLease int64
		err := s.db.QueryRowContext(ctx, `SELECT id, lease_until FROM service_requests
			WHERE state = $1 AND mode = $3 AND next_attempt <= $2 AND lease_until <= $2 ORDER BY next_attempt, accepted_at LIMIT 1`,
			RequestAccepted, now.UnixMilli(), ModeAsync).Scan(&id, &oldLease)
		if errors.Is(err, sql.ErrNoRows) {
			return ServiceRequest{}, false, nil
		}
		if err != nil {
			return ServiceRequest{}, false, fmt.Errorf("store: claim request: %w", err)
		}
		// Compare-and-set on the lease, so that two workers (or two machines) never both win.
		res, err := s.db.ExecContext(ctx, `UPDATE service_requests SET lease_until = $3, attempts = attempts + 1, updated_at = $4
			WHERE id = $1 AND state = $5 AND lease_until = $2`,
			id, oldLease, now.Add(lease).UnixMilli(), now.UnixMilli(), RequestAccepted)
		if err != nil {
			return ServiceRequest{}, false, fmt.Errorf("store: claim request: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			r, err := s.ServiceRequest(ctx, id)
			return r, err == nil, err
		}
	}
	return ServiceRequest{}, false, nil
}

// RetryRequest implements Requests.
func (s *SQL) RetryRequest(ctx context.Context, id string, next time.Time, lastError string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE service_requests SET next_attempt = $2, lease_until = 0, last_error = $3, updated_at = $4
		WHERE id = $1 AND state = $5`, id, next.UnixMilli(), lastError, time.Now().UnixMilli(), RequestAccepted)
	if err != nil {
		return fmt.Errorf("store: retry request: %w", err)
	}
	return nil
}

// CompleteRequest implements Requests.
func (s *SQL) CompleteRequest(ctx context.Context, id string, a RequestAnswer, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE service_requests SET state = $2, answer = $3, status_code = $4, status_message = $5,
		refusal_code = $6, request_number = $7, iin = $8, completed_at = $9, lease_until = 0, updated_at = $9
		WHERE id = $1 AND state = $10`,
		id, RequestDone, string(a.Document), a.StatusCode, a.StatusMessage, a.RefusalCode, a.RequestNumber, a.IIN, at.UnixMilli(), RequestAccepted)
	if err != nil {
		return fmt.Errorf("store: complete request: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.ServiceRequest(ctx, id); err != nil {
			return err
		}
		return ErrDuplicate
	}
	return nil
}

// Unanswered implements Requests.
func (s *SQL) Unanswered(ctx context.Context, limit int) ([]ServiceRequest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+requestColumns+` FROM service_requests WHERE state = $1 AND mode = $3 ORDER BY completed_at LIMIT $2`,
		RequestDone, limit, ModeAsync)
	if err != nil {
		return nil, fmt.Errorf("store: unanswered requests: %w", err)
	}
	return scanRequests(rows)
}

// MarkAnswered implements Requests.
func (s *SQL) MarkAnswered(ctx context.Context, id, answerMessageID string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE service_requests SET state = $2, answer_message_id = $3, updated_at = $4
		WHERE id = $1 AND state = $5`, id, RequestAnswered, answerMessageID, at.UnixMilli(), RequestDone)
	if err != nil {
		return fmt.Errorf("store: mark answered: %w", err)
	}
	return nil
}

// FinishSyncRequest implements Requests.
func (s *SQL) FinishSyncRequest(ctx context.Context, id string, a RequestAnswer, at time.Time) error {
	state := RequestAnswered
	if len(a.Document) == 0 {
		state = RequestFailed
	}
	_, err := s.db.ExecContext(ctx, `UPDATE service_requests SET state = $2, answer = $3, status_code = $4, status_message = $5,
		refusal_code = $6, request_number = $7, iin = $8, completed_at = $9, answer_message_id = $10, updated_at = $9
		WHERE id = $1 AND state = $11 AND mode = $12`,
		id, state, string(a.Document), a.StatusCode, a.StatusMessage, a.RefusalCode, a.RequestNumber, a.IIN, at.UnixMilli(),
		a.MessageID, RequestAccepted, ModeSync)
	if err != nil {
		return fmt.Errorf("store: finish sync request: %w", err)
	}
	return nil
}

// AddStep implements Requests.
func (s *SQL) AddStep(ctx context.Context, st RequestStep) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO request_steps (request_id, attempt, step, started_at, ended_at, outcome, code, norm_ms)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, st.RequestID, st.Attempt, st.Step, st.Started.UnixMicro(), st.Ended.UnixMicro(),
		st.Outcome, st.Code, st.NormMS)
	if err != nil {
		return fmt.Errorf("store: add step: %w", err)
	}
	return nil
}

// Steps implements Requests.
func (s *SQL) Steps(ctx context.Context, id string) ([]RequestStep, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT request_id, attempt, step, started_at, ended_at, outcome, code, norm_ms
		FROM request_steps WHERE request_id = $1 ORDER BY attempt, ended_at, started_at`, id)
	if err != nil {
		return nil, fmt.Errorf("store: steps: %w", err)
	}
	defer rows.Close()
	var out []RequestStep
	for rows.Next() {
		var st RequestStep
		var started, ended int64
		if err := rows.Scan(&st.RequestID, &st.Attempt, &st.Step, &started, &ended, &st.Outcome, &st.Code, &st.NormMS); err != nil {
			return nil, fmt.Errorf("store: scan step: %w", err)
		}
		st.Started, st.Ended = time.UnixMicro(started), time.UnixMicro(ended)
		out = append(out, st)
	}
	return out, rows.Err()
}

func scanRequests(rows *sql.Rows) ([]ServiceRequest, error) {
	defer rows.Close()
	var out []ServiceRequest
	for rows.Next() {
		var r ServiceRequest
		var doc, answer string
		var next, lease, accepted, deadline, completed, updated int64
		if err := rows.Scan(&r.ID, &r.ServiceID, &r.Sender, &r.Channel, &doc, &r.RequestNumber, &r.IIN, &r.State, &r.Attempts,
			&next, &lease, &r.LastError, &accepted, &deadline, &answer, &r.Answer.StatusCode, &r.Answer.StatusMessage,
			&r.Answer.RefusalCode, &completed, &r.AnswerMessageID, &updated, &r.Mode); err != nil {
			return nil, fmt.Errorf("store: scan request: %w", err)
		}
		r.Document, r.Answer.Document = []byte(doc), []byte(answer)
		r.NextAttempt, r.LeaseUntil = time.UnixMilli(next), time.UnixMilli(lease)
		r.Accepted, r.Deadline, r.Updated = time.UnixMilli(accepted), time.UnixMilli(deadline), time.UnixMilli(updated)
		if completed != 0 {
			r.Answer.Completed = time.UnixMilli(completed)
		}
		r.Answer.RequestNumber, r.Answer.IIN = r.RequestNumber, r.IIN
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: requests: %w", err)
	}
	return out, nil
}
