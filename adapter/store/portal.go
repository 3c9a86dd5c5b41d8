package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PortalRequests are the portal's records of its consumers' requests (adapter/api): who asked
// what, the document to sign, the ШЭП messageId it went out with, the answer and the survey.
// Migrations 400–499.
//
// A request moves DRAFT → SENDING (claimed by one submission; back to DRAFT when the gateway
// refuses it) → SENT (the gateway took it) → IN_PROGRESS (delivered to ГЦВП) → DONE (a result),
// REFUSED (ГЦВП's signed refusal) or FAILED (not delivered, or the answer could not be read).
// Every change is a compare-and-set on the status, so that two submissions of one draft, or two
// refreshes that race for one answer, change the record once.
type PortalRequests interface {
	// CreatePortalRequest stores a new DRAFT request; ErrDuplicate when the number is taken.
	CreatePortalRequest(ctx context.Context, r PortalRequest) error
	// PortalRequest returns a request by its number, or ErrNotFound.
	PortalRequest(ctx context.Context, number string) (PortalRequest, error)
	// PortalRequestsOf returns up to limit requests of a consumer, newest first.
	PortalRequestsOf(ctx context.Context, iin string, limit int) ([]PortalRequest, error)
	// ClaimPortalRequest moves a DRAFT request (or one left SENDING before staleBefore, by a
	// submission that died) to SENDING with the signed document. ErrPortalState when the
	// request is in another state, ErrNotFound when there is none.
	ClaimPortalRequest(ctx context.Context, number string, signed []byte, at, staleBefore time.Time) error
	// ReleasePortalRequest gives a SENDING request back to DRAFT (the gateway refused it) with
	// the reason; the signed document is forgotten.
	ReleasePortalRequest(ctx context.Context, number, lastError string, at time.Time) error
	// MarkPortalRequestSent records that the gateway took a SENDING request under messageID.
	MarkPortalRequestSent(ctx context.Context, number, messageID string, at time.Time) error
	// UpdatePortalRequestState records the channel's message state and the status that
	// follows from it (SENT or IN_PROGRESS) of a request not yet answered; ErrPortalState when
	// it is answered or not sent.
	UpdatePortalRequestState(ctx context.Context, number, status, messageState string, at time.Time) error
	// CompletePortalRequest stores the answer of a SENT or IN_PROGRESS request (status DONE,
	// REFUSED or FAILED); ErrPortalState when it is in another state (answered already).
	CompletePortalRequest(ctx context.Context, number string, a PortalAnswer, at time.Time) error
	// SavePortalSurvey records the two answers of the survey of a DONE or REFUSED request,
	// once: ErrDuplicate when it was answered, ErrPortalState when the request is not answered.
	SavePortalSurvey(ctx context.Context, number string, q1, q2 int, at time.Time) error
}

// ErrPortalState is returned when a portal request is not in a state that allows the change.
var ErrPortalState = errors.New("store: the portal request's state does not allow this")

// Portal request statuses.
const (
	// PortalDraft: made, its document not signed yet.
	PortalDraft = "DRAFT"
	// PortalSending: claimed by a submission that is sending it to the gateway.
	PortalSending = "SENDING"
	// PortalSent: the gateway took it (messageId known).
	PortalSent = "SENT"
	// PortalInProgress: the gateway delivered it to ГЦВП.
	PortalInProgress = "IN_PROGRESS"
	// PortalDone: ГЦВП's result has come.
	PortalDone = "DONE"
	// PortalRefused: ГЦВП's signed refusal has come.
	PortalRefused = "REFUSED"
	// PortalFailed: it could not be delivered.
	PortalFailed = "FAILED"
)

// PortalRequest is one consumer's request at the portal.
type PortalRequest struct {
	// Number is the request number (the document's requestNumber), unique.
	Number    string
	IIN       string
	ServiceID string
	// Lang is the consumer's language, "kk", "ru" or "" (not given).
	Lang string
	// Duplicate is service 9's choice; PeriodFrom and PeriodTo (YYYY-MM-DD) service 10's.
	Duplicate  bool
	PeriodFrom string
	PeriodTo   string
	// Draft is the request document to sign; Signed what the consumer signed, as received.
	Draft  []byte
	Signed []byte
	// MessageID is the ШЭП messageId the gateway gave the REQUEST.
	MessageID string
	Status    string
	// MessageState is the channel's last known state (ON_DELIVERY, DELIVERED, ...).
	MessageState string
	// Answer is ГЦВП's signed document as received; Outcome and RefusalCode summarise it.
	Answer      []byte
	Outcome     string
	RefusalCode string
	// LastError is why the last submission or refresh failed ("" when none did).
	LastError string
	// SurveyQ1 and SurveyQ2 are the survey's answers (1–3; 0 before it is answered).
	SurveyQ1, SurveyQ2 int
	Created            time.Time
	Submitted          time.Time // zero until SENT
	Answered           time.Time // zero until answered
	Surveyed           time.Time // zero until the survey is answered
	Updated            time.Time
}

// PortalAnswer is the end of a portal request.
type PortalAnswer struct {
	// Status is PortalDone, PortalRefused or PortalFailed.
	Status       string
	MessageState string
	Document     []byte
	Outcome      string
	RefusalCode  string
	// Error is why the request failed (PortalFailed).
	Error string
}

var _ = register(
	Migration{400, `CREATE TABLE portal_requests (
		request_number TEXT PRIMARY KEY,
		iin            TEXT NOT NULL,
		service_id     TEXT NOT NULL,
		lang           TEXT NOT NULL DEFAULT '',
		duplicate      INTEGER NOT NULL DEFAULT 0,
		period_from    TEXT NOT NULL DEFAULT '',
		period_to      TEXT NOT NULL DEFAULT '',
		draft          TEXT NOT NULL,
		signed         TEXT NOT NULL DEFAULT '',
		message_id     TEXT NOT NULL DEFAULT '',
		status         TEXT NOT NULL,
		message_state  TEXT NOT NULL DEFAULT '',
		answer         TEXT NOT NULL DEFAULT '',
		outcome        TEXT NOT NULL DEFAULT '',
		refusal_code   TEXT NOT NULL DEFAULT '',
		last_error     TEXT NOT NULL DEFAULT '',
		survey_q1      INTEGER NOT NULL DEFAULT 0,
		survey_q2      INTEGER NOT NULL DEFAULT 0,
		created_at     BIGINT NOT NULL,
		submitted_at   BIGINT NOT NULL DEFAULT 0,
		answered_at    BIGINT NOT NULL DEFAULT 0,
		surveyed_at    BIGINT NOT NULL DEFAULT 0,
		updated_at     BIGINT NOT NULL
	)`},
	Migration{401, `CREATE INDEX portal_requests_iin ON portal_requests (iin, created_at)`},
	Migration{402, `CREATE INDEX portal_requests_message ON portal_requests (message_id)`},
)

const portalColumns = `request_number, iin, service_id, lang, duplicate, period_from, period_to, draft, signed, message_id,
	status, message_state, answer, outcome, refusal_code, last_error, survey_q1, survey_q2, created_at, submitted_at,
	answered_at, surveyed_at, updated_at`

// CreatePortalRequest implements PortalRequests.
func (s *SQL) CreatePortalRequest(ctx context.Context, r PortalRequest) error {
	dup := 0
	if r.Duplicate {
		dup = 1
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO portal_requests (request_number, iin, service_id, lang, duplicate,
		period_from, period_to, draft, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT (request_number) DO NOTHING`,
		r.Number, r.IIN, r.ServiceID, r.Lang, dup, r.PeriodFrom, r.PeriodTo, string(r.Draft), PortalDraft, r.Created.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: create portal request: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: create portal request: %w", err)
	}
	if n == 0 {
		return ErrDuplicate
	}
	return nil
}

// PortalRequest implements PortalRequests.
func (s *SQL) PortalRequest(ctx context.Context, number string) (PortalRequest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+portalColumns+` FROM portal_requests WHERE request_number = $1`, number)
	if err != nil {
		return PortalRequest{}, fmt.Errorf("store: portal request: %w", err)
	}
	rs, err := scanPortalRequests(rows)
	if err != nil {
		return PortalRequest{}, err
	}
	if len(rs) == 0 {
		return PortalRequest{}, ErrNotFound
	}
	return rs[0], nil
}

// PortalRequestsOf implements PortalRequests.
func (s *SQL) PortalRequestsOf(ctx context.Context, iin string, limit int) ([]PortalRequest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+portalColumns+` FROM portal_requests WHERE iin = $1
		ORDER BY created_at DESC, request_number DESC LIMIT $2`, iin, limit)
	if err != nil {
		return nil, fmt.Errorf("store: portal requests: %w", err)
	}
	return scanPortalRequests(rows)
}

// ClaimPortalRequest implements PortalRequests.
func (s *SQL) ClaimPortalRequest(ctx context.Context, number string, signed []byte, at, staleBefore time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE portal_requests SET status = $2, signed = $3, updated_at = $4
		WHERE request_number = $1 AND (status = $5 OR (status = $2 AND updated_at < $6))`,
		number, PortalSending, string(signed), at.UnixMilli(), PortalDraft, staleBefore.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: claim portal request: %w", err)
	}
	return s.portalChanged(ctx, res, number)
}

// ReleasePortalRequest implements PortalRequests.
func (s *SQL) ReleasePortalRequest(ctx context.Context, number, lastError string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE portal_requests SET status = $2, signed = '', last_error = $3, updated_at = $4
		WHERE request_number = $1 AND status = $5`, number, PortalDraft, lastError, at.UnixMilli(), PortalSending)
	if err != nil {
		return fmt.Errorf("store: release portal request: %w", err)
	}
	return s.portalChanged(ctx, res, number)
}

// MarkPortalRequestSent implements PortalRequests.
func (s *SQL) MarkPortalRequestSent(ctx context.Context, number, messageID string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE portal_requests SET status = $2, message_id = $3, message_state = $4,
		submitted_at = $5, last_error = '', updated_at = $5 WHERE request_number = $1 AND status = $6`,
		number, PortalSent, messageID, "ON_DELIVERY", at.UnixMilli(), PortalSending)
	if err != nil {
		return fmt.Errorf("store: mark portal request sent: %w", err)
	}
	return s.portalChanged(ctx, res, number)
}

// UpdatePortalRequestState implements PortalRequests.
func (s *SQL) UpdatePortalRequestState(ctx context.Context, number, status, messageState string, at time.Time) error {
	if status != PortalSent && status != PortalInProgress {
		return fmt.Errorf("store: update portal request: status %q is not %s or %s", status, PortalSent, PortalInProgress)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE portal_requests SET status = $2, message_state = $3, last_error = '', updated_at = $4
		WHERE request_number = $1 AND status IN ($5, $6)`,
		number, status, messageState, at.UnixMilli(), PortalSent, PortalInProgress)
	if err != nil {
		return fmt.Errorf("store: update portal request: %w", err)
	}
	return s.portalChanged(ctx, res, number)
}

// CompletePortalRequest implements PortalRequests.
func (s *SQL) CompletePortalRequest(ctx context.Context, number string, a PortalAnswer, at time.Time) error {
	switch a.Status {
	case PortalDone, PortalRefused, PortalFailed:
	default:
		return fmt.Errorf("store: complete portal request: status %q is not DONE, REFUSED or FAILED", a.Status)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE portal_requests SET status = $2,
		message_state = CASE WHEN $3 = '' THEN message_state ELSE $3 END,
		answer = $4, outcome = $5, refusal_code = $6, last_error = $7, answered_at = $8, updated_at = $8
		WHERE request_number = $1 AND status IN ($9, $10)`,
		number, a.Status, a.MessageState, string(a.Document), a.Outcome, a.RefusalCode, a.Error, at.UnixMilli(),
		PortalSent, PortalInProgress)
	if err != nil {
		return fmt.Errorf("store: complete portal request: %w", err)
	}
	return s.portalChanged(ctx, res, number)
}

// SavePortalSurvey implements PortalRequests.
func (s *SQL) SavePortalSurvey(ctx context.Context, number string, q1, q2 int, at time.Time) error {
	if q1 < 1 || q1 > 3 || q2 < 1 || q2 > 3 {
		return fmt.Errorf("store: survey answers %d, %d are not 1–3", q1, q2)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE portal_requests SET survey_q1 = $2, survey_q2 = $3, surveyed_at = $4, updated_at = $4
		WHERE request_number = $1 AND status IN ($5, $6) AND surveyed_at = 0`,
		number, q1, q2, at.UnixMilli(), PortalDone, PortalRefused)
	if err != nil {
		return fmt.Errorf("store: save survey: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: save survey: %w", err)
	} else if n == 1 {
		return nil
	}
	r, err := s.PortalRequest(ctx, number)
	if err != nil {
		return err
	}
	if !r.Surveyed.IsZero() {
		return ErrDuplicate
	}
	return ErrPortalState
}

// portalChanged tells a compare-and-set that changed nothing apart: ErrNotFound when there is
// no such request, ErrPortalState when its state did not allow the change.
func (s *SQL) portalChanged(ctx context.Context, res sql.Result, number string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: portal request %s: %w", number, err)
	}
	if n == 1 {
		return nil
	}
	if _, err := s.PortalRequest(ctx, number); err != nil {
		return err
	}
	return ErrPortalState
}

func scanPortalRequests(rows *sql.Rows) ([]PortalRequest, error) {
	defer rows.Close()
	var out []PortalRequest
	for rows.Next() {
		var r PortalRequest
		var dup int
		var draft, signed, answer string
		var created, submitted, answered, surveyed, updated int64
		if err := rows.Scan(&r.Number, &r.IIN, &r.ServiceID, &r.Lang, &dup, &r.PeriodFrom, &r.PeriodTo, &draft, &signed,
			&r.MessageID, &r.Status, &r.MessageState, &answer, &r.Outcome, &r.RefusalCode, &r.LastError, &r.SurveyQ1,
			&r.SurveyQ2, &created, &submitted, &answered, &surveyed, &updated); err != nil {
			return nil, fmt.Errorf("store: scan portal request: %w", err)
		}
		r.Duplicate = dup != 0
		r.Draft, r.Answer = []byte(draft), []byte(answer)
		if signed != "" {
			r.Signed = []byte(signed)
		}
		r.Created, r.Updated = time.UnixMilli(created), time.UnixMilli(updated)
		r.Submitted, r.Answered, r.Surveyed = optionalMilli(submitted), optionalMilli(answered), optionalMilli(surveyed)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: portal requests: %w", err)
	}
	return out, nil
}

func optionalMilli(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}
