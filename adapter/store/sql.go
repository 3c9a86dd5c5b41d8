package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	_ "modernc.org/sqlite" // the embedded default driver, pure Go
)

// coreMigrations create the replay records and ГЦВП's persons and decisions. Other files of
// this package register their own migrations with register, in their own version range, so that
// areas of the store can grow independently; every migration runs once, in version order.
var coreMigrations = []Migration{
	{1, `CREATE TABLE seen_messages (
		receiver   TEXT NOT NULL,
		sender     TEXT NOT NULL,
		message_id TEXT NOT NULL,
		seen_at    BIGINT NOT NULL,
		PRIMARY KEY (receiver, sender, message_id)
	)`},
	{2, `CREATE INDEX seen_messages_at ON seen_messages (seen_at)`},
	{3, `CREATE TABLE persons (
		iin         TEXT PRIMARY KEY,
		last_name   TEXT NOT NULL,
		first_name  TEXT NOT NULL,
		middle_name TEXT NOT NULL DEFAULT '',
		birth_date  TEXT NOT NULL,
		sik         TEXT NOT NULL DEFAULT ''
	)`},
	{4, `CREATE TABLE decisions (
		iin             TEXT NOT NULL,
		payment_kind    TEXT NOT NULL,
		outcome         TEXT NOT NULL,
		decision_number TEXT NOT NULL,
		decision_date   TEXT NOT NULL,
		amount_tiyn     BIGINT NOT NULL,
		period_from     TEXT NOT NULL,
		period_to       TEXT NOT NULL DEFAULT '',
		reason_kk       TEXT NOT NULL DEFAULT '',
		reason_ru       TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (iin, payment_kind)
	)`},
}

// Migration is one schema change. Versions 1–99 are the core's (this file), 100–199 ГЦВП's
// services (persons' SIKs, pension-fund movements), 200–299 the service requests and their steps,
// 300–399 the gateway's async queue.
type Migration struct {
	Version int
	SQL     string
}

var migrations = append([]Migration(nil), coreMigrations...)

// register adds migrations of another area of the store (called from package-level vars).
func register(ms ...Migration) bool {
	migrations = append(migrations, ms...)
	return true
}

const dateLayout = "2006-01-02"

// SQL is the Store on database/sql.
type SQL struct {
	db *sql.DB
}

// OpenSQLite opens (creating if needed) the embedded store at path and migrates it.
func OpenSQLite(ctx context.Context, path string) (*SQL, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: create directory: %w", err)
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// SQLite allows one writer; a single connection avoids SQLITE_BUSY between our own goroutines.
	db.SetMaxOpenConns(1)
	s := &SQL{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *SQL) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	applied := map[int]bool{}
	rows, err := s.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("store: migrate: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	ms := append([]Migration(nil), migrations...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if i > 0 && ms[i-1].Version == m.Version {
			return fmt.Errorf("store: two migrations have version %d", m.Version)
		}
		if applied[m.Version] {
			continue
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %d: %w", m.Version, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %d: %w", m.Version, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migration %d: %w", m.Version, err)
		}
	}
	return nil
}

// RememberMessage implements Store.
func (s *SQL) RememberMessage(ctx context.Context, receiver, sender, messageID string, at time.Time) error {
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO seen_messages (receiver, sender, message_id, seen_at) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (receiver, sender, message_id) DO NOTHING`,
		receiver, sender, messageID, at.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: remember message: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: remember message: %w", err)
	}
	if n == 0 {
		return ErrDuplicate
	}
	return nil
}

// ForgetMessagesBefore implements Store.
func (s *SQL) ForgetMessagesBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM seen_messages WHERE seen_at < $1`, t.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: forget messages: %w", err)
	}
	return res.RowsAffected()
}

// PutPerson implements Store.
func (s *SQL) PutPerson(ctx context.Context, p Person) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO persons (iin, last_name, first_name, middle_name, birth_date, sik) VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (iin) DO UPDATE SET last_name = excluded.last_name, first_name = excluded.first_name,
		 middle_name = excluded.middle_name, birth_date = excluded.birth_date, sik = excluded.sik`,
		p.IIN, p.LastName, p.FirstName, p.MiddleName, p.BirthDate.Format(dateLayout), p.SIK)
	if err != nil {
		return fmt.Errorf("store: put person: %w", err)
	}
	return nil
}

// Person implements Store.
func (s *SQL) Person(ctx context.Context, iin string) (Person, error) {
	var p Person
	var birth string
	err := s.db.QueryRowContext(ctx,
		`SELECT iin, last_name, first_name, middle_name, birth_date, sik FROM persons WHERE iin = $1`, iin).
		Scan(&p.IIN, &p.LastName, &p.FirstName, &p.MiddleName, &birth, &p.SIK)
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, ErrNotFound
	}
	if err != nil {
		return Person{}, fmt.Errorf("store: person: %w", err)
	}
	if p.BirthDate, err = parseDate(birth); err != nil {
		return Person{}, fmt.Errorf("store: person %s: birth date: %w", iin, err)
	}
	return p, nil
}

// PutDecision implements Store.
func (s *SQL) PutDecision(ctx context.Context, d Decision) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO decisions (iin, payment_kind, outcome, decision_number, decision_date, amount_tiyn, period_from, period_to, reason_kk, reason_ru)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		 ON CONFLICT (iin, payment_kind) DO UPDATE SET outcome = excluded.outcome, decision_number = excluded.decision_number,
		 decision_date = excluded.decision_date, amount_tiyn = excluded.amount_tiyn, period_from = excluded.period_from,
		 period_to = excluded.period_to, reason_kk = excluded.reason_kk, reason_ru = excluded.reason_ru`,
		d.IIN, d.PaymentKind, d.Outcome, d.DecisionNumber, d.DecisionDate.Format(dateLayout), d.AmountTiyn,
		d.PeriodFrom.Format(dateLayout), formatOptionalDate(d.PeriodTo), d.ReasonKK, d.ReasonRU)
	if err != nil {
		return fmt.Errorf("store: put decision: %w", err)
	}
	return nil
}

// Decision implements Store.
func (s *SQL) Decision(ctx context.Context, iin, paymentKind string) (Decision, error) {
	var d Decision
	var date, from, to string
	err := s.db.QueryRowContext(ctx,
		`SELECT iin, payment_kind, outcome, decision_number, decision_date, amount_tiyn, period_from, period_to, reason_kk, reason_ru
		 FROM decisions WHERE iin = $1 AND payment_kind = $2`, iin, paymentKind).
		Scan(&d.IIN, &d.PaymentKind, &d.Outcome, &d.DecisionNumber, &date, &d.AmountTiyn, &from, &to, &d.ReasonKK, &d.ReasonRU)
	if errors.Is(err, sql.ErrNoRows) {
		return Decision{}, ErrNotFound
	}
	if err != nil {
		return Decision{}, fmt.Errorf("store: decision: %w", err)
	}
	if d.DecisionDate, err = parseDate(date); err != nil {
		return Decision{}, fmt.Errorf("store: decision date: %w", err)
	}
	if d.PeriodFrom, err = parseDate(from); err != nil {
		return Decision{}, fmt.Errorf("store: decision period: %w", err)
	}
	if to != "" {
		if d.PeriodTo, err = parseDate(to); err != nil {
			return Decision{}, fmt.Errorf("store: decision period: %w", err)
		}
	}
	return d, nil
}

// Ping implements Store.
func (s *SQL) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close implements Store.
func (s *SQL) Close() error { return s.db.Close() }

func parseDate(s string) (time.Time, error) { return time.Parse(dateLayout, s) }

func formatOptionalDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}
