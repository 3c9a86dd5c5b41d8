package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ServiceData is the data of the transactional services 9 (SIK issuance) and 10 (pension-fund
// statement). Migrations 100–199.
//
// Service 9 writes: a SIK is permanent, so each IIN has at most one (sik_registry, primary key
// IIN, SIK unique; persons.sik mirrors it for services 1–8 and 10) and each accepted request
// number yields exactly one certificate (sik_certificates, request number unique). IssueSIK does
// all of it in one transaction, so the same request sent twice, or two requests racing for one
// IIN, never make two SIKs.
//
// Service 10 reads the contributor's transit-account movements and records every statement
// request with what was presented (channel, operator, representative, power of attorney,
// documents).
type ServiceData interface {
	// IssueSIK issues the SIK certificate that answers a service 9 request (see SIKIssue). It
	// returns ErrNotFound when ГЦВП does not know the IIN, ErrNoSIK when a duplicate is asked
	// for an IIN that has no SIK, and ErrConflict when the request number was used before for
	// another IIN. A request number seen before for the same IIN returns the stored certificate.
	IssueSIK(ctx context.Context, in SIKIssue) (SIKCertificate, error)
	// SIKCertificate returns the certificate issued for a request number, or ErrNotFound.
	SIKCertificate(ctx context.Context, requestNumber string) (SIKCertificate, error)
	// SIKCertificates returns the certificates issued for an IIN, oldest first.
	SIKCertificates(ctx context.Context, iin string) ([]SIKCertificate, error)
	// RegisterSIK records when an existing SIK was registered (SIKs assigned before ГЦВП
	// issued certificates electronically; fixture and migration loaders call it). It sets the
	// person's SIK too and fails when another IIN holds the SIK.
	RegisterSIK(ctx context.Context, iin, sik string, registeredOn time.Time) error

	// PutMovement inserts or replaces a transit-account movement (keyed by IIN, payment
	// document number and date, sender's РИН, КПП and period).
	PutMovement(ctx context.Context, m Movement) error
	// PutMovements stores many movements in one transaction (a whole history at once).
	PutMovements(ctx context.Context, ms []Movement) error
	// Movements returns the IIN's movements received from from to to (both inclusive, by
	// receipt date), sorted by receipt date, document date, КПП and number.
	Movements(ctx context.Context, iin string, from, to time.Time) ([]Movement, error)

	// PutOperator inserts or replaces a ЦОН operator allowed to submit service 10 requests.
	PutOperator(ctx context.Context, o Operator) error
	// Operator returns the operator with the login, or ErrNotFound.
	Operator(ctx context.Context, id string) (Operator, error)

	// RecordStatementRequest records a service 10 request and gives it its statement number
	// (DocumentNumber). A request number recorded before for the same IIN, channel and period
	// returns the stored record; for another request it returns ErrConflict.
	RecordStatementRequest(ctx context.Context, r StatementRecord) (StatementRecord, error)
	// StatementRequest returns the recorded statement request with the number, or ErrNotFound.
	StatementRequest(ctx context.Context, requestNumber string) (StatementRecord, error)
}

// ErrConflict is returned when a request number is reused for a different request.
var ErrConflict = errors.New("store: request number already used for another request")

// ErrNoSIK is returned when a duplicate SIK certificate is asked for an IIN without a SIK.
var ErrNoSIK = errors.New("store: no SIK is registered for the IIN")

// SIKIssue is what IssueSIK needs.
type SIKIssue struct {
	RequestNumber string
	IIN           string
	// Duplicate is the consumer's request for a duplicate: with no SIK registered it fails
	// with ErrNoSIK. Without it a SIK is assigned when there is none, and a duplicate is issued
	// when there is one (a SIK is permanent and is never assigned twice).
	Duplicate bool
	// NewSIK returns the candidate SIK for the attempt-th try (0, 1, …); a candidate that
	// another IIN holds is skipped.
	NewSIK func(attempt int) string
	// At is the time of issue; its date (in At's location) is the issue date.
	At time.Time
	// SignerCert is the SHA-256 fingerprint of the consumer's certificate (audit).
	SignerCert string
}

// SIKCertificate is an issued «Свидетельство о присвоении СИК» (or its duplicate). The person's
// name is kept as printed, so a replayed request gets the same certificate.
type SIKCertificate struct {
	Number        string // Бірегей нөмір / Уникальный номер: 14 digits, YYYYMMDD + sequence
	RequestNumber string
	IIN           string
	SIK           string
	Duplicate     bool
	LastName      string
	FirstName     string
	MiddleName    string
	BirthDate     time.Time
	RegisteredOn  time.Time // Тіркелген күні / Дата регистрации of the SIK
	IssuedOn      time.Time // Берілген күні / Дата выдачи of this certificate
	IssuedAt      time.Time
	SignerCert    string
}

// Movement is one row of the service 10 statement («Обороты по транзитным счетам вкладчика»):
// a pension contribution received by ГЦВП for the contributor and forwarded to the pension
// fund. The fields after IIN are the form's eleven columns, in order.
type Movement struct {
	IIN          string
	ReceiptDate  time.Time // 1 Дата поступления
	DispatchDate time.Time // 2 Дата отправки; zero while not yet forwarded
	Number       string    // 3 № of the payment document
	DocumentDate time.Time // 4 Дата документа
	KPP          string    // 5 КПП (the payment purpose code, e.g. 010)
	Sender       string    // 6 Отправитель: the employer or agent
	RIN          string    // 7 РИН: the sender's identification number
	Recipient    string    // 8 Получатель: the pension fund
	AmountTiyn   int64     // 9 Сумма, integer tiyn (never a float)
	Status       string    // 10 Статус
	Period       string    // 11 Период, YYYY-MM: the month the contribution is for
}

// MovementRow is a movement as fixture files write it (dates YYYY-MM-DD, amount in tiyn).
type MovementRow struct {
	ReceiptDate  string `json:"receiptDate"`
	DispatchDate string `json:"dispatchDate,omitempty"`
	Number       string `json:"number"`
	DocumentDate string `json:"documentDate"`
	KPP          string `json:"kpp"`
	Sender       string `json:"sender"`
	RIN          string `json:"rin"`
	Recipient    string `json:"recipient"`
	AmountTiyn   int64  `json:"amountTiyn"`
	Status       string `json:"status"`
	Period       string `json:"period"`
}

// Movement returns the row as the movement of the IIN.
func (r MovementRow) Movement(iin string) (Movement, error) {
	m := Movement{IIN: iin, Number: r.Number, KPP: r.KPP, Sender: r.Sender, RIN: r.RIN, Recipient: r.Recipient,
		AmountTiyn: r.AmountTiyn, Status: r.Status, Period: r.Period}
	var err error
	if m.ReceiptDate, err = parseDate(r.ReceiptDate); err != nil {
		return Movement{}, fmt.Errorf("store: movement %s of %s: receipt date: %w", r.Number, iin, err)
	}
	if m.DocumentDate, err = parseDate(r.DocumentDate); err != nil {
		return Movement{}, fmt.Errorf("store: movement %s of %s: document date: %w", r.Number, iin, err)
	}
	if r.DispatchDate != "" {
		if m.DispatchDate, err = parseDate(r.DispatchDate); err != nil {
			return Movement{}, fmt.Errorf("store: movement %s of %s: dispatch date: %w", r.Number, iin, err)
		}
	}
	if _, err := time.Parse("2006-01", r.Period); err != nil {
		return Movement{}, fmt.Errorf("store: movement %s of %s: period %q is not YYYY-MM: %w", r.Number, iin, r.Period, err)
	}
	return m, nil
}

// SeedMovements writes the fixture rows of one person (the fixture loader and tests call it).
func SeedMovements(ctx context.Context, sd ServiceData, iin string, rows []MovementRow) error {
	for _, r := range rows {
		m, err := r.Movement(iin)
		if err != nil {
			return err
		}
		if err := sd.PutMovement(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// Operator is a ЦОН operator known to ГЦВП: the login that the ЦОН puts in a request, the IIN
// their signing certificate must carry and the BIN of their employer (the certificate's
// "BIN…" organisational unit).
type Operator struct {
	ID          string `json:"operatorId"`
	IIN         string `json:"iin"`
	EmployerBIN string `json:"employerBin"`
	LastName    string `json:"lastName"`
	FirstName   string `json:"firstName"`
	Active      bool   `json:"active"`
}

// PresentedDocument is a document the consumer presented at the ЦОН (a paper mark and a scan)
// or attached on the portal; the scan itself travels out of band, the request carries its digest.
type PresentedDocument struct {
	Kind           string `json:"kind"`
	PaperPresented bool   `json:"paperPresented"`
	FileName       string `json:"fileName,omitempty"`
	SHA256         string `json:"sha256,omitempty"`
}

// StatementRecord is a service 10 request as ГЦВП received it.
type StatementRecord struct {
	RequestNumber string
	// DocumentNumber is the statement's unique number (14 digits), given by
	// RecordStatementRequest.
	DocumentNumber string
	IIN            string
	PeriodFrom     time.Time
	PeriodTo       time.Time
	Channel        string // PORTAL or CON
	OperatorID     string // CON: the operator's login
	SignerIIN      string // the IIN of the certificate that signed (consumer or operator)
	SignerCert     string // its SHA-256 fingerprint
	// Representative and power of attorney (CON; the PoA only when notarised).
	RepresentativeIIN  string
	RepresentativeName string
	PoANumber          string
	PoAIssueDate       time.Time
	PoAValidUntil      time.Time
	PoANotary          string
	Documents          []PresentedDocument
	ReceivedAt         time.Time
}

var _ = register(
	Migration{100, `CREATE TABLE sik_registry (
		iin            TEXT PRIMARY KEY,
		sik            TEXT NOT NULL UNIQUE,
		registered_on  TEXT NOT NULL,
		request_number TEXT NOT NULL DEFAULT ''
	)`},
	Migration{101, `CREATE TABLE sik_certificates (
		number         TEXT PRIMARY KEY,
		request_number TEXT NOT NULL UNIQUE,
		iin            TEXT NOT NULL,
		sik            TEXT NOT NULL,
		duplicate      INTEGER NOT NULL,
		last_name      TEXT NOT NULL,
		first_name     TEXT NOT NULL,
		middle_name    TEXT NOT NULL DEFAULT '',
		birth_date     TEXT NOT NULL,
		registered_on  TEXT NOT NULL,
		issued_on      TEXT NOT NULL,
		issued_at      BIGINT NOT NULL,
		signer_cert    TEXT NOT NULL DEFAULT ''
	)`},
	Migration{102, `CREATE INDEX sik_certificates_iin ON sik_certificates (iin, issued_at)`},
	// A SIK belongs to one person: the core persons table gets the uniqueness that the
	// regulation's "permanent individual code" implies (empty means none).
	Migration{103, `CREATE UNIQUE INDEX persons_sik_unique ON persons (sik) WHERE sik <> ''`},
	Migration{104, `CREATE TABLE service_counters (
		series TEXT PRIMARY KEY,
		value  BIGINT NOT NULL
	)`},
	Migration{105, `CREATE TABLE pension_movements (
		iin           TEXT NOT NULL,
		receipt_date  TEXT NOT NULL,
		dispatch_date TEXT NOT NULL DEFAULT '',
		number        TEXT NOT NULL,
		document_date TEXT NOT NULL,
		kpp           TEXT NOT NULL,
		sender        TEXT NOT NULL,
		rin           TEXT NOT NULL,
		recipient     TEXT NOT NULL,
		amount_tiyn   BIGINT NOT NULL,
		status        TEXT NOT NULL,
		period        TEXT NOT NULL,
		PRIMARY KEY (iin, number, document_date, rin, kpp, period)
	)`},
	Migration{106, `CREATE INDEX pension_movements_receipt ON pension_movements (iin, receipt_date)`},
	Migration{107, `CREATE TABLE con_operators (
		operator_id  TEXT PRIMARY KEY,
		iin          TEXT NOT NULL,
		employer_bin TEXT NOT NULL,
		last_name    TEXT NOT NULL DEFAULT '',
		first_name   TEXT NOT NULL DEFAULT '',
		active       INTEGER NOT NULL
	)`},
	Migration{108, `CREATE TABLE statement_requests (
		request_number      TEXT PRIMARY KEY,
		document_number     TEXT NOT NULL UNIQUE,
		iin                 TEXT NOT NULL,
		period_from         TEXT NOT NULL,
		period_to           TEXT NOT NULL,
		channel             TEXT NOT NULL,
		operator_id         TEXT NOT NULL DEFAULT '',
		signer_iin          TEXT NOT NULL DEFAULT '',
		signer_cert         TEXT NOT NULL DEFAULT '',
		representative_iin  TEXT NOT NULL DEFAULT '',
		representative_name TEXT NOT NULL DEFAULT '',
		poa_number          TEXT NOT NULL DEFAULT '',
		poa_issue_date      TEXT NOT NULL DEFAULT '',
		poa_valid_until     TEXT NOT NULL DEFAULT '',
		poa_notary          TEXT NOT NULL DEFAULT '',
		documents           TEXT NOT NULL DEFAULT '[]',
		received_at         BIGINT NOT NULL
	)`},
	Migration{109, `CREATE INDEX statement_requests_iin ON statement_requests (iin, received_at)`},
)

// maxSIKAttempts bounds the search for a free SIK candidate.
const maxSIKAttempts = 32

// nextNumber returns the next value of a counter series, inside tx.
func nextNumber(ctx context.Context, tx *sql.Tx, series string) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx,
		`INSERT INTO service_counters (series, value) VALUES ($1, 1)
		 ON CONFLICT (series) DO UPDATE SET value = service_counters.value + 1
		 RETURNING value`, series).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("store: counter %s: %w", series, err)
	}
	return v, nil
}

// documentNumber is a 14-digit unique number: the day (YYYYMMDD) and the day's sequence of the
// series, as on the regulation's sample (20090505384920).
func documentNumber(ctx context.Context, tx *sql.Tx, series string, day time.Time) (string, error) {
	d := day.Format("20060102")
	n, err := nextNumber(ctx, tx, series+":"+d)
	if err != nil {
		return "", err
	}
	if n > 999999 {
		return "", fmt.Errorf("store: %s: more than 999999 numbers on %s", series, d)
	}
	return fmt.Sprintf("%s%06d", d, n), nil
}

// IssueSIK implements ServiceData.
func (s *SQL) IssueSIK(ctx context.Context, in SIKIssue) (SIKCertificate, error) {
	if in.RequestNumber == "" || in.IIN == "" || in.NewSIK == nil {
		return SIKCertificate{}, errors.New("store: issue SIK: request number, IIN and NewSIK are required")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return SIKCertificate{}, fmt.Errorf("store: issue SIK: %w", err)
	}
	defer tx.Rollback()
	c, err := s.issueSIK(ctx, tx, in)
	if err != nil {
		return SIKCertificate{}, err
	}
	if err := tx.Commit(); err != nil {
		return SIKCertificate{}, fmt.Errorf("store: issue SIK: commit: %w", err)
	}
	return c, nil
}

func (s *SQL) issueSIK(ctx context.Context, tx *sql.Tx, in SIKIssue) (SIKCertificate, error) {
	// The same request again: the certificate it got.
	prev, err := scanSIKCertificate(tx.QueryRowContext(ctx, sikCertificateSelect+` WHERE request_number = $1`, in.RequestNumber))
	switch {
	case err == nil:
		if prev.IIN != in.IIN {
			return SIKCertificate{}, fmt.Errorf("%w: request %s was for another IIN", ErrConflict, in.RequestNumber)
		}
		return prev, nil
	case !errors.Is(err, ErrNotFound):
		return SIKCertificate{}, fmt.Errorf("store: issue SIK: %w", err)
	}

	var p Person
	var birth string
	err = tx.QueryRowContext(ctx,
		`SELECT iin, last_name, first_name, middle_name, birth_date, sik FROM persons WHERE iin = $1`, in.IIN).
		Scan(&p.IIN, &p.LastName, &p.FirstName, &p.MiddleName, &birth, &p.SIK)
	if errors.Is(err, sql.ErrNoRows) {
		return SIKCertificate{}, ErrNotFound
	}
	if err != nil {
		return SIKCertificate{}, fmt.Errorf("store: issue SIK: person: %w", err)
	}
	if p.BirthDate, err = parseDate(birth); err != nil {
		return SIKCertificate{}, fmt.Errorf("store: issue SIK: person %s: birth date: %w", in.IIN, err)
	}
	issuedOn := in.At.Format(dateLayout)

	// The registry's SIK of the IIN, if any.
	var regSIK, regOn string
	err = tx.QueryRowContext(ctx, `SELECT sik, registered_on FROM sik_registry WHERE iin = $1`, in.IIN).Scan(&regSIK, &regOn)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return SIKCertificate{}, fmt.Errorf("store: issue SIK: registry: %w", err)
	}
	duplicate := true
	switch {
	case p.SIK != "" && regSIK == "":
		// A SIK assigned before certificates were issued here: record it, registered today
		// unless a loader said when (RegisterSIK).
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO sik_registry (iin, sik, registered_on) VALUES ($1, $2, $3)`, in.IIN, p.SIK, issuedOn); err != nil {
			return SIKCertificate{}, fmt.Errorf("store: issue SIK: register existing SIK of %s: %w", in.IIN, err)
		}
		regSIK, regOn = p.SIK, issuedOn
	case p.SIK != "" && regSIK != p.SIK:
		return SIKCertificate{}, fmt.Errorf("store: issue SIK: person %s has SIK %s but the registry has %s", in.IIN, p.SIK, regSIK)
	case p.SIK == "" && regSIK != "":
		// The person record lost its SIK (a reload); the SIK is permanent: restore it.
		if _, err := tx.ExecContext(ctx, `UPDATE persons SET sik = $1 WHERE iin = $2`, regSIK, in.IIN); err != nil {
			return SIKCertificate{}, fmt.Errorf("store: issue SIK: restore SIK of %s: %w", in.IIN, err)
		}
	case p.SIK == "":
		if in.Duplicate {
			return SIKCertificate{}, ErrNoSIK
		}
		var assigned bool
		if regSIK, assigned, err = s.assignSIK(ctx, tx, in, issuedOn); err != nil {
			return SIKCertificate{}, err
		}
		if assigned {
			regOn, duplicate = issuedOn, false
		} else if err := tx.QueryRowContext(ctx, `SELECT registered_on FROM sik_registry WHERE iin = $1`, in.IIN).Scan(&regOn); err != nil {
			return SIKCertificate{}, fmt.Errorf("store: issue SIK: registry: %w", err)
		}
	}

	number, err := documentNumber(ctx, tx, "sik", in.At)
	if err != nil {
		return SIKCertificate{}, err
	}
	c := SIKCertificate{Number: number, RequestNumber: in.RequestNumber, IIN: in.IIN, SIK: regSIK, Duplicate: duplicate,
		LastName: p.LastName, FirstName: p.FirstName, MiddleName: p.MiddleName, BirthDate: p.BirthDate,
		IssuedAt: in.At.UTC().Truncate(time.Millisecond), SignerCert: in.SignerCert}
	if c.RegisteredOn, err = parseDate(regOn); err != nil {
		return SIKCertificate{}, fmt.Errorf("store: issue SIK: registration date of %s: %w", in.IIN, err)
	}
	if c.IssuedOn, err = parseDate(issuedOn); err != nil {
		return SIKCertificate{}, fmt.Errorf("store: issue SIK: issue date: %w", err)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO sik_certificates (number, request_number, iin, sik, duplicate, last_name, first_name, middle_name,
		 birth_date, registered_on, issued_on, issued_at, signer_cert)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		c.Number, c.RequestNumber, c.IIN, c.SIK, sikFlag(c.Duplicate), c.LastName, c.FirstName, c.MiddleName,
		c.BirthDate.Format(dateLayout), regOn, issuedOn, c.IssuedAt.UnixMilli(), c.SignerCert); err != nil {
		return SIKCertificate{}, fmt.Errorf("store: issue SIK: certificate: %w", err)
	}
	return c, nil
}

// assignSIK registers a new SIK for a person who has none and returns it with assigned true.
// The registry's primary key (IIN) and unique SIK make the assignment happen once whatever runs
// concurrently: when another transaction registered a SIK for the IIN first (possible on a
// database with concurrent writers), that SIK is returned with assigned false.
func (s *SQL) assignSIK(ctx context.Context, tx *sql.Tx, in SIKIssue, on string) (string, bool, error) {
	for attempt := 0; attempt < maxSIKAttempts; attempt++ {
		cand := in.NewSIK(attempt)
		var holders int
		if err := tx.QueryRowContext(ctx,
			`SELECT (SELECT COUNT(*) FROM sik_registry WHERE sik = $1) + (SELECT COUNT(*) FROM persons WHERE sik = $1)`, cand).
			Scan(&holders); err != nil {
			return "", false, fmt.Errorf("store: assign SIK: %w", err)
		}
		if holders > 0 {
			continue
		}
		res, err := tx.ExecContext(ctx,
			`INSERT INTO sik_registry (iin, sik, registered_on, request_number) VALUES ($1, $2, $3, $4)
			 ON CONFLICT (iin) DO NOTHING`, in.IIN, cand, on, in.RequestNumber)
		if err != nil {
			return "", false, fmt.Errorf("store: assign SIK: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return "", false, fmt.Errorf("store: assign SIK: %w", err)
		}
		var sik string
		if err := tx.QueryRowContext(ctx, `SELECT sik FROM sik_registry WHERE iin = $1`, in.IIN).Scan(&sik); err != nil {
			return "", false, fmt.Errorf("store: assign SIK: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE persons SET sik = $1 WHERE iin = $2 AND sik = ''`, sik, in.IIN); err != nil {
			return "", false, fmt.Errorf("store: assign SIK: person: %w", err)
		}
		return sik, n == 1, nil
	}
	return "", false, fmt.Errorf("store: assign SIK: no free SIK for %s in %d attempts", in.IIN, maxSIKAttempts)
}

const sikCertificateSelect = `SELECT number, request_number, iin, sik, duplicate, last_name, first_name, middle_name,
	birth_date, registered_on, issued_on, issued_at, signer_cert FROM sik_certificates`

type rowScanner interface{ Scan(dest ...any) error }

func scanSIKCertificate(row rowScanner) (SIKCertificate, error) {
	var c SIKCertificate
	var dup int
	var birth, reg, issued string
	var at int64
	err := row.Scan(&c.Number, &c.RequestNumber, &c.IIN, &c.SIK, &dup, &c.LastName, &c.FirstName, &c.MiddleName,
		&birth, &reg, &issued, &at, &c.SignerCert)
	if errors.Is(err, sql.ErrNoRows) {
		return SIKCertificate{}, ErrNotFound
	}
	if err != nil {
		return SIKCertificate{}, fmt.Errorf("store: SIK certificate: %w", err)
	}
	c.Duplicate = dup != 0
	c.IssuedAt = time.UnixMilli(at).UTC()
	if c.BirthDate, err = parseDate(birth); err != nil {
		return SIKCertificate{}, fmt.Errorf("store: SIK certificate %s: birth date: %w", c.Number, err)
	}
	if c.RegisteredOn, err = parseDate(reg); err != nil {
		return SIKCertificate{}, fmt.Errorf("store: SIK certificate %s: registration date: %w", c.Number, err)
	}
	if c.IssuedOn, err = parseDate(issued); err != nil {
		return SIKCertificate{}, fmt.Errorf("store: SIK certificate %s: issue date: %w", c.Number, err)
	}
	return c, nil
}

// SIKCertificate implements ServiceData.
func (s *SQL) SIKCertificate(ctx context.Context, requestNumber string) (SIKCertificate, error) {
	return scanSIKCertificate(s.db.QueryRowContext(ctx, sikCertificateSelect+` WHERE request_number = $1`, requestNumber))
}

// SIKCertificates implements ServiceData.
func (s *SQL) SIKCertificates(ctx context.Context, iin string) ([]SIKCertificate, error) {
	rows, err := s.db.QueryContext(ctx, sikCertificateSelect+` WHERE iin = $1 ORDER BY issued_at, number`, iin)
	if err != nil {
		return nil, fmt.Errorf("store: SIK certificates: %w", err)
	}
	defer rows.Close()
	var out []SIKCertificate
	for rows.Next() {
		c, err := scanSIKCertificate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: SIK certificates: %w", err)
	}
	return out, nil
}

// RegisterSIK implements ServiceData.
func (s *SQL) RegisterSIK(ctx context.Context, iin, sik string, registeredOn time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: register SIK: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO sik_registry (iin, sik, registered_on) VALUES ($1, $2, $3)
		 ON CONFLICT (iin) DO UPDATE SET sik = excluded.sik, registered_on = excluded.registered_on`,
		iin, sik, registeredOn.Format(dateLayout)); err != nil {
		return fmt.Errorf("store: register SIK %s of %s: %w", sik, iin, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE persons SET sik = $1 WHERE iin = $2`, sik, iin); err != nil {
		return fmt.Errorf("store: register SIK %s of %s: person: %w", sik, iin, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: register SIK: commit: %w", err)
	}
	return nil
}

// PutMovement implements ServiceData.
func (s *SQL) PutMovement(ctx context.Context, m Movement) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO pension_movements (iin, receipt_date, dispatch_date, number, document_date, kpp, sender, rin,
		 recipient, amount_tiyn, status, period) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		 ON CONFLICT (iin, number, document_date, rin, kpp, period) DO UPDATE SET receipt_date = excluded.receipt_date,
		 dispatch_date = excluded.dispatch_date, sender = excluded.sender, recipient = excluded.recipient,
		 amount_tiyn = excluded.amount_tiyn, status = excluded.status`,
		m.IIN, m.ReceiptDate.Format(dateLayout), formatOptionalDate(m.DispatchDate), m.Number,
		m.DocumentDate.Format(dateLayout), m.KPP, m.Sender, m.RIN, m.Recipient, m.AmountTiyn, m.Status, m.Period)
	if err != nil {
		return fmt.Errorf("store: put movement %s of %s: %w", m.Number, m.IIN, err)
	}
	return nil
}

// PutMovements implements ServiceData.
func (s *SQL) PutMovements(ctx context.Context, ms []Movement) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: put movements: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO pension_movements (iin, receipt_date, dispatch_date, number, document_date, kpp, sender, rin,
		 recipient, amount_tiyn, status, period) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		 ON CONFLICT (iin, number, document_date, rin, kpp, period) DO UPDATE SET receipt_date = excluded.receipt_date,
		 dispatch_date = excluded.dispatch_date, sender = excluded.sender, recipient = excluded.recipient,
		 amount_tiyn = excluded.amount_tiyn, status = excluded.status`)
	if err != nil {
		return fmt.Errorf("store: put movements: %w", err)
	}
	defer stmt.Close()
	for _, m := range ms {
		if _, err := stmt.ExecContext(ctx, m.IIN, m.ReceiptDate.Format(dateLayout), formatOptionalDate(m.DispatchDate), m.Number,
			m.DocumentDate.Format(dateLayout), m.KPP, m.Sender, m.RIN, m.Recipient, m.AmountTiyn, m.Status, m.Period); err != nil {
			return fmt.Errorf("store: put movement %s of %s: %w", m.Number, m.IIN, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: put movements: %w", err)
	}
	return nil
}

// Movements implements ServiceData.
func (s *SQL) Movements(ctx context.Context, iin string, from, to time.Time) ([]Movement, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT iin, receipt_date, dispatch_date, number, document_date, kpp, sender, rin, recipient, amount_tiyn, status, period
		 FROM pension_movements WHERE iin = $1 AND receipt_date >= $2 AND receipt_date <= $3
		 ORDER BY receipt_date, document_date, kpp, number, period`,
		iin, from.Format(dateLayout), to.Format(dateLayout))
	if err != nil {
		return nil, fmt.Errorf("store: movements of %s: %w", iin, err)
	}
	defer rows.Close()
	var out []Movement
	for rows.Next() {
		var m Movement
		var receipt, dispatch, doc string
		if err := rows.Scan(&m.IIN, &receipt, &dispatch, &m.Number, &doc, &m.KPP, &m.Sender, &m.RIN, &m.Recipient,
			&m.AmountTiyn, &m.Status, &m.Period); err != nil {
			return nil, fmt.Errorf("store: movements of %s: %w", iin, err)
		}
		if m.ReceiptDate, err = parseDate(receipt); err != nil {
			return nil, fmt.Errorf("store: movement %s of %s: receipt date: %w", m.Number, iin, err)
		}
		if m.DocumentDate, err = parseDate(doc); err != nil {
			return nil, fmt.Errorf("store: movement %s of %s: document date: %w", m.Number, iin, err)
		}
		if dispatch != "" {
			if m.DispatchDate, err = parseDate(dispatch); err != nil {
				return nil, fmt.Errorf("store: movement %s of %s: dispatch date: %w", m.Number, iin, err)
			}
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: movements of %s: %w", iin, err)
	}
	return out, nil
}

// PutOperator implements ServiceData.
func (s *SQL) PutOperator(ctx context.Context, o Operator) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO con_operators (operator_id, iin, employer_bin, last_name, first_name, active) VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (operator_id) DO UPDATE SET iin = excluded.iin, employer_bin = excluded.employer_bin,
		 last_name = excluded.last_name, first_name = excluded.first_name, active = excluded.active`,
		o.ID, o.IIN, o.EmployerBIN, o.LastName, o.FirstName, sikFlag(o.Active))
	if err != nil {
		return fmt.Errorf("store: put operator %s: %w", o.ID, err)
	}
	return nil
}

// Operator implements ServiceData.
func (s *SQL) Operator(ctx context.Context, id string) (Operator, error) {
	var o Operator
	var active int
	err := s.db.QueryRowContext(ctx,
		`SELECT operator_id, iin, employer_bin, last_name, first_name, active FROM con_operators WHERE operator_id = $1`, id).
		Scan(&o.ID, &o.IIN, &o.EmployerBIN, &o.LastName, &o.FirstName, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return Operator{}, ErrNotFound
	}
	if err != nil {
		return Operator{}, fmt.Errorf("store: operator %s: %w", id, err)
	}
	o.Active = active != 0
	return o, nil
}

// RecordStatementRequest implements ServiceData.
func (s *SQL) RecordStatementRequest(ctx context.Context, r StatementRecord) (StatementRecord, error) {
	if r.RequestNumber == "" {
		return StatementRecord{}, errors.New("store: record statement request: no request number")
	}
	docs, err := json.Marshal(r.Documents)
	if err != nil {
		return StatementRecord{}, fmt.Errorf("store: record statement request: documents: %w", err)
	}
	if r.Documents == nil {
		docs = []byte("[]")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return StatementRecord{}, fmt.Errorf("store: record statement request: %w", err)
	}
	defer tx.Rollback()
	prev, err := scanStatementRecord(tx.QueryRowContext(ctx, statementSelect+` WHERE request_number = $1`, r.RequestNumber))
	switch {
	case err == nil:
		if prev.IIN != r.IIN || prev.Channel != r.Channel || prev.PeriodFrom.Format(dateLayout) != r.PeriodFrom.Format(dateLayout) ||
			prev.PeriodTo.Format(dateLayout) != r.PeriodTo.Format(dateLayout) {
			return StatementRecord{}, fmt.Errorf("%w: statement request %s", ErrConflict, r.RequestNumber)
		}
		return prev, nil
	case !errors.Is(err, ErrNotFound):
		return StatementRecord{}, err
	}
	if r.DocumentNumber, err = documentNumber(ctx, tx, "statement", r.ReceivedAt); err != nil {
		return StatementRecord{}, err
	}
	r.ReceivedAt = r.ReceivedAt.UTC().Truncate(time.Millisecond)
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO statement_requests (request_number, document_number, iin, period_from, period_to, channel, operator_id,
		 signer_iin, signer_cert, representative_iin, representative_name, poa_number, poa_issue_date, poa_valid_until,
		 poa_notary, documents, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		r.RequestNumber, r.DocumentNumber, r.IIN, r.PeriodFrom.Format(dateLayout), r.PeriodTo.Format(dateLayout), r.Channel,
		r.OperatorID, r.SignerIIN, r.SignerCert, r.RepresentativeIIN, r.RepresentativeName, r.PoANumber,
		formatOptionalDate(r.PoAIssueDate), formatOptionalDate(r.PoAValidUntil), r.PoANotary, string(docs),
		r.ReceivedAt.UnixMilli()); err != nil {
		return StatementRecord{}, fmt.Errorf("store: record statement request %s: %w", r.RequestNumber, err)
	}
	if err := tx.Commit(); err != nil {
		return StatementRecord{}, fmt.Errorf("store: record statement request: commit: %w", err)
	}
	return r, nil
}

// StatementRequest implements ServiceData.
func (s *SQL) StatementRequest(ctx context.Context, requestNumber string) (StatementRecord, error) {
	return scanStatementRecord(s.db.QueryRowContext(ctx, statementSelect+` WHERE request_number = $1`, requestNumber))
}

const statementSelect = `SELECT request_number, document_number, iin, period_from, period_to, channel, operator_id,
	signer_iin, signer_cert, representative_iin, representative_name, poa_number, poa_issue_date, poa_valid_until,
	poa_notary, documents, received_at FROM statement_requests`

func scanStatementRecord(row rowScanner) (StatementRecord, error) {
	var r StatementRecord
	var from, to, poaIssue, poaUntil, docs string
	var at int64
	err := row.Scan(&r.RequestNumber, &r.DocumentNumber, &r.IIN, &from, &to, &r.Channel, &r.OperatorID, &r.SignerIIN,
		&r.SignerCert, &r.RepresentativeIIN, &r.RepresentativeName, &r.PoANumber, &poaIssue, &poaUntil, &r.PoANotary,
		&docs, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return StatementRecord{}, ErrNotFound
	}
	if err != nil {
		return StatementRecord{}, fmt.Errorf("store: statement request: %w", err)
	}
	r.ReceivedAt = time.UnixMilli(at).UTC()
	if r.PeriodFrom, err = parseDate(from); err != nil {
		return StatementRecord{}, fmt.Errorf("store: statement request %s: period: %w", r.RequestNumber, err)
	}
	if r.PeriodTo, err = parseDate(to); err != nil {
		return StatementRecord{}, fmt.Errorf("store: statement request %s: period: %w", r.RequestNumber, err)
	}
	for _, d := range []struct {
		s string
		t *time.Time
	}{{poaIssue, &r.PoAIssueDate}, {poaUntil, &r.PoAValidUntil}} {
		if d.s != "" {
			if *d.t, err = parseDate(d.s); err != nil {
				return StatementRecord{}, fmt.Errorf("store: statement request %s: power of attorney: %w", r.RequestNumber, err)
			}
		}
	}
	if err := json.Unmarshal([]byte(docs), &r.Documents); err != nil {
		return StatementRecord{}, fmt.Errorf("store: statement request %s: documents: %w", r.RequestNumber, err)
	}
	if len(r.Documents) == 0 {
		r.Documents = nil
	}
	return r, nil
}

// sikFlag stores a bool as 0/1 (portable between SQLite and PostgreSQL INTEGER columns).
func sikFlag(b bool) int {
	if b {
		return 1
	}
	return 0
}
