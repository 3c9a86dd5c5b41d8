package tson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Application states.
const (
	// StatusDraft: entered; checks, scans, the document and the submission are ahead.
	StatusDraft = "DRAFT"
	// StatusRefused: a check refused (process 4: the data cannot be obtained); final.
	StatusRefused = "REFUSED"
	// StatusSubmitted: the operator-signed request went to ГЦВП; the answer is awaited.
	StatusSubmitted = "SUBMITTED"
	// StatusAnswered: ГЦВП answered with the statement or a refusal; final.
	StatusAnswered = "ANSWERED"
)

// Check kinds and results.
const (
	CheckConsumer        = "consumer"          // the consumer in ГБД ФЛ
	CheckPowerOfAttorney = "power-of-attorney" // the notarised power of attorney in ЕНИС

	ResultPassed  = "PASSED"  // the data exist and agree
	ResultRefused = "REFUSED" // process 4: the data cannot be obtained (Code says why)
	ResultError   = "ERROR"   // the check could not be made (the gateway or the system failed)
)

// Person is a consumer or a representative as the operator entered them.
type Person struct {
	IIN        string `json:"iin"`
	LastName   string `json:"lastName"`
	FirstName  string `json:"firstName"`
	MiddleName string `json:"middleName,omitempty"`
}

// PowerOfAttorney is a notarised power of attorney as entered (or as ЕНИС confirmed it).
type PowerOfAttorney struct {
	Number     string `json:"number"`
	IssueDate  string `json:"issueDate"`
	ValidUntil string `json:"validUntil,omitempty"`
	NotaryName string `json:"notaryName,omitempty"`
}

// Check is one check of an application through the gateway, as recorded.
type Check struct {
	Kind   string    `json:"kind"`
	At     time.Time `json:"at"`
	Result string    `json:"result"`
	// Code, MessageKK and MessageRU say why a check was refused or failed.
	Code      string `json:"code,omitempty"`
	MessageKK string `json:"messageKk,omitempty"`
	MessageRU string `json:"messageRu,omitempty"`
	Detail    string `json:"detail,omitempty"`
	// MessageID is the ШЭП messageId of the query; Took is how long the answer took.
	MessageID string        `json:"messageId,omitempty"`
	Took      time.Duration `json:"tookNs,omitempty"`
	// Person is what ГБД ФЛ answered (consumer check); PowerOfAttorney what ЕНИС confirmed.
	Person          *Person          `json:"person,omitempty"`
	PowerOfAttorney *PowerOfAttorney `json:"powerOfAttorney,omitempty"`
	// err is the full error of an ERROR check, for the log only.
	err error
}

// Document is a scanned document presented by the consumer.
type Document struct {
	ID             string    `json:"id"`
	Kind           string    `json:"kind"`
	PaperPresented bool      `json:"paperPresented"`
	FileName       string    `json:"fileName"`
	ContentType    string    `json:"contentType"`
	Size           int64     `json:"size"`
	SHA256         string    `json:"sha256"`
	UploadedAt     time.Time `json:"uploadedAt"`
}

// Submission is the operator-signed request sent to ГЦВП.
type Submission struct {
	// RequestID is the messageId the gateway gave the async REQUEST.
	RequestID   string    `json:"requestId"`
	SubmittedAt time.Time `json:"submittedAt"`
	Signer      string    `json:"signer"`
	SignerCert  string    `json:"signerCertificate"` // SHA-256 of the DER
	// MessageState is the channel's status of the REQUEST (ON_DELIVERY, DELIVERED, ...) when last
	// asked, at StateAt.
	MessageState string    `json:"messageState,omitempty"`
	StateAt      time.Time `json:"stateAt,omitzero"`
}

// Result is ГЦВП's answer.
type Result struct {
	// Kind is STATEMENT or REFUSAL.
	Kind       string    `json:"kind"`
	ReceivedAt time.Time `json:"receivedAt"`
	MessageID  string    `json:"messageId"`
	// Code, MessageKK, MessageRU: a refusal's code and texts.
	Code      string `json:"code,omitempty"`
	MessageKK string `json:"messageKk,omitempty"`
	MessageRU string `json:"messageRu,omitempty"`
	// DocumentNumber is the statement's unique number; Rows and TotalTiyn its content.
	DocumentNumber string `json:"documentNumber,omitempty"`
	Rows           int    `json:"rows,omitempty"`
	TotalTiyn      int64  `json:"totalTiyn,omitempty"`
	// Signer is the subject of ГЦВП's certificate that signed the document.
	Signer string `json:"signer"`
}

// Application is one consumer's request at a ЦОН, from entry to ГЦВП's answer.
type Application struct {
	ID string `json:"id"`
	// RequestNumber is the requestNumber of the StatementRequest (unique).
	RequestNumber   string           `json:"requestNumber"`
	Operator        string           `json:"operator"`
	Status          string           `json:"status"`
	Created         time.Time        `json:"created"`
	Updated         time.Time        `json:"updated"`
	Consumer        Person           `json:"consumer"`
	PeriodFrom      string           `json:"periodFrom"`
	PeriodTo        string           `json:"periodTo"`
	Lang            string           `json:"lang,omitempty"`
	Representative  *Person          `json:"representative,omitempty"`
	PowerOfAttorney *PowerOfAttorney `json:"powerOfAttorney,omitempty"`
	// Checks are every check made, in order.
	Checks    []Check    `json:"checks"`
	Documents []Document `json:"documents"`
	// PreparedAt is when the document to sign was first produced: its requestDate.
	PreparedAt time.Time   `json:"preparedAt,omitzero"`
	Submission *Submission `json:"submission,omitempty"`
	Result     *Result     `json:"result,omitempty"`
}

// lastCheck returns the latest check of a kind.
func (a *Application) lastCheck(kind string) (Check, bool) {
	for i := len(a.Checks) - 1; i >= 0; i-- {
		if a.Checks[i].Kind == kind {
			return a.Checks[i], true
		}
	}
	return Check{}, false
}

// need is one thing an application lacks, in English, Kazakh and Russian.
type need struct{ en, kk, ru string }

var (
	needConsumer = need{"the consumer check in ГБД ФЛ has not passed",
		"Тұтынушы ЖТ МДБ-да тексерілмеген", "Потребитель не проверен в ГБД ФЛ"}
	needPoA = need{"the power of attorney check in ЕНИС has not passed",
		"Сенімхат БНАЖ-да тексерілмеген", "Доверенность не проверена в ЕНИС"}
	needPoAScan = need{"a representative without a notarised power of attorney needs the scan of the power of attorney",
		"Нотариат куәландырмаған сенімхаттың сканерленген көшірмесі қажет", "Нужен скан доверенности, не удостоверенной нотариально"}
	needScan = need{"no document has been scanned", "Бірде-бір құжат сканерленбеген", "Ни один документ не отсканирован"}
)

// missing lists what the application lacks before its document can be produced and signed.
func (a *Application) missing() []need {
	var out []need
	if c, ok := a.lastCheck(CheckConsumer); !ok || c.Result != ResultPassed {
		out = append(out, needConsumer)
	}
	if a.PowerOfAttorney != nil {
		if c, ok := a.lastCheck(CheckPowerOfAttorney); !ok || c.Result != ResultPassed {
			out = append(out, needPoA)
		}
	} else if a.Representative != nil && !slices.ContainsFunc(a.Documents, func(d Document) bool { return d.Kind == KindPowerOfAttorney }) {
		out = append(out, needPoAScan)
	}
	if len(a.Documents) == 0 {
		out = append(out, needScan)
	}
	return out
}

// confirmedPoA is the power of attorney as ЕНИС confirmed it, else as entered.
func (a *Application) confirmedPoA() *PowerOfAttorney {
	if c, ok := a.lastCheck(CheckPowerOfAttorney); ok && c.Result == ResultPassed && c.PowerOfAttorney != nil {
		return c.PowerOfAttorney
	}
	return a.PowerOfAttorney
}

// appStore keeps applications as JSON files, one per application, under dir, with a copy in
// memory; each write replaces the file atomically and is synced. Scans and signed documents
// live beside them in a directory per application.
type appStore struct {
	dir  string
	mu   sync.RWMutex
	apps map[string]*Application
	// locks serialise the steps of one application (a check or a poll holds its lock over the
	// network call, so the same answer is never fetched twice).
	locks sync.Map
}

func openAppStore(dir string) (*appStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tson: applications directory: %w", err)
	}
	s := &appStore{dir: dir, apps: map[string]*Application{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("tson: read applications: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("tson: read application: %w", err)
		}
		var a Application
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, fmt.Errorf("tson: application %s: %w", e.Name(), err)
		}
		s.apps[a.ID] = &a
	}
	return s, nil
}

// lock locks application id's steps; the returned func unlocks.
func (s *appStore) lock(id string) func() {
	m, _ := s.locks.LoadOrStore(id, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// get returns a copy of the application.
func (s *appStore) get(id string) (*Application, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.apps[id]
	if !ok {
		return nil, false
	}
	return clone(a), true
}

// list returns copies of an operator's applications, newest first.
func (s *appStore) list(operator string) []*Application {
	s.mu.RLock()
	var out []*Application
	for _, a := range s.apps {
		if a.Operator == operator {
			out = append(out, clone(a))
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Application) int { return b.Created.Compare(a.Created) })
	return out
}

// put writes the application (file first, then memory).
func (s *appStore) put(a *Application) error {
	raw, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return fmt.Errorf("tson: encode application: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(s.dir, a.ID+".json"), raw, 0o600); err != nil {
		return err
	}
	s.mu.Lock()
	s.apps[a.ID] = clone(a)
	s.mu.Unlock()
	return nil
}

// files is the directory of an application's scans and signed documents.
func (s *appStore) files(id string) string { return filepath.Join(s.dir, id) }

func clone(a *Application) *Application {
	raw, _ := json.Marshal(a)
	var c Application
	_ = json.Unmarshal(raw, &c)
	return &c
}

// writeFileAtomic writes data to path through a synced temporary file and a rename.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("tson: write %s: %w", filepath.Base(path), err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("tson: write %s: %w", filepath.Base(path), err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr, os.Chmod(tmp, perm)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("tson: write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("tson: write %s: %w", filepath.Base(path), err)
	}
	return nil
}
