// Package scenario is the shared scenario control of shepgate's mocks (ГБД ФЛ, ЕНИС, and any
// mock that adopts it later): a thread-safe Registry of per-key scenarios, a global fault
// injection, a JSON file format to preload both, and an admin HTTP API to change them at run
// time (see Admin).
//
// # Scenarios and faults
//
// A Registry belongs to one mock (its Spec.Name, such as "gbdfl"). It holds:
//
//   - per-key scenarios: the key is whatever the mock looks things up by (an IIN, a power of
//     attorney number, a certificate serial). A Scenario names an outcome that the mock knows
//     (Spec.Outcomes: "not-found", "deceased", "revoked", ...), may carry mock-specific data
//     (Scenario.Data, checked by Spec.ValidateData) and may carry a Fault that the mock injects
//     when it meets the key;
//   - one global Fault that the mock injects into every request before reading it.
//
// A Fault is one of the kinds below; Delay, when set, is waited first (for every kind) and the
// wait ends early when the client goes away:
//
//	latency        delay, then answer normally (Delay is required)
//	timeout        hold the request until the client gives up (its context is cancelled) or
//	               for Hold (default DefaultHold, longer than any sane client timeout), then 504
//	http-500       HTTP 500 with a text/plain body (not SOAP)
//	soap-fault     the mock's own signed SOAP Fault with Code (and Detail as errorData)
//	malformed-xml  HTTP 200, text/xml, a truncated XML document
//	down           HTTP 503 Service Unavailable, empty body (a responder that is down)
//	close          the connection is closed without any answer
//
// Registry.Inject carries out the HTTP-level kinds; for soap-fault (and for latency, after the
// wait) it returns and the mock answers itself, because only the mock can sign its fault.
//
// # File format
//
// LoadFile reads one JSON object with a section per mock; a section may set the global fault
// and any number of scenarios. Durations are Go duration strings ("250ms", "2s"). Unknown fields
// are errors. Example (testdata/scenarios.json holds a complete one):
//
//	{
//	  "gbdfl": {
//	    "fault": {"kind": "latency", "delay": "100ms"},
//	    "scenarios": {
//	      "860101300123": {"outcome": "deceased", "note": "died last year"},
//	      "900202400321": {"fault": {"kind": "soap-fault", "code": "GBDFL_UNAVAILABLE", "detail": "maintenance"}}
//	    }
//	  },
//	  "enis": {
//	    "scenarios": {"2024-НД-001234": {"outcome": "revoked"}}
//	  }
//	}
//
// A file is checked as a whole before anything is applied: one invalid entry changes nothing.
package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind is the kind of a Fault.
type Kind string

// Fault kinds (see the package comment).
const (
	KindLatency      Kind = "latency"
	KindTimeout      Kind = "timeout"
	KindHTTP500      Kind = "http-500"
	KindSOAPFault    Kind = "soap-fault"
	KindMalformedXML Kind = "malformed-xml"
	KindDown         Kind = "down"
	KindClose        Kind = "close"
)

// Kinds lists every fault kind, in the order of the package comment.
var Kinds = []Kind{KindLatency, KindTimeout, KindHTTP500, KindSOAPFault, KindMalformedXML, KindDown, KindClose}

// Limits of what a scenario may hold.
const (
	// DefaultHold is how long a timeout fault holds a request whose client does not give up.
	DefaultHold = 10 * time.Minute
	// MaxDelay bounds Fault.Delay.
	MaxDelay = 5 * time.Minute
	// MaxKeyLength bounds a key, in characters.
	MaxKeyLength = 128
	// MaxNoteLength bounds Scenario.Note and Fault.Detail, in characters.
	MaxNoteLength = 500
	// MaxDataSize bounds Scenario.Data, in bytes.
	MaxDataSize = 32 << 10
)

// codePattern is what a SOAP fault code may look like: the style of shepgate's stable codes.
var codePattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,63}$`)

// Duration is a time.Duration that reads and writes JSON as a Go duration string ("250ms").
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string such as "1.5s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"250ms\" or \"2s\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"250ms\" or \"2s\"", s)
	}
	*d = Duration(v)
	return nil
}

// Fault is an injected misbehaviour.
type Fault struct {
	// Kind is what happens.
	Kind Kind `json:"kind"`
	// Delay is waited before anything else; required for latency, optional for the others.
	Delay Duration `json:"delay,omitempty"`
	// Code is the errorCode of a soap-fault (upper case, digits and _, such as GBDFL_UNAVAILABLE).
	Code string `json:"code,omitempty"`
	// Detail is the errorData of a soap-fault.
	Detail string `json:"detail,omitempty"`
	// Hold is how long a timeout holds the request (default DefaultHold).
	Hold Duration `json:"hold,omitempty"`
}

// Scenario is what a mock does for one key.
type Scenario struct {
	// Outcome is one of the mock's Spec.Outcomes ("" keeps the mock's normal behaviour).
	Outcome string `json:"outcome,omitempty"`
	// Data is mock-specific data (for example a person or a power of attorney to answer with).
	Data json.RawMessage `json:"data,omitempty"`
	// Fault is injected when the mock meets the key.
	Fault *Fault `json:"fault,omitempty"`
	// Note is free text for people reading scenario files.
	Note string `json:"note,omitempty"`
}

// ValidationError says what is wrong with a scenario, a fault or a key. Field is a JSON path
// such as "fault.code" ("" for the key or the whole value).
type ValidationError struct {
	Field   string
	Message string
}

// Error returns "field: message", or the message alone for the key or the whole value.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// prefixed returns err with field prefixed to its path.
func prefixed(prefix string, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		f := prefix
		if ve.Field != "" {
			f += "." + ve.Field
		}
		return &ValidationError{Field: f, Message: ve.Message}
	}
	return err
}

// Validate reports what is wrong with f, or nil.
func (f Fault) Validate() error {
	if f.Kind == "" {
		return invalid("kind", "is required; one of %s", kindList())
	}
	if !slices.Contains(Kinds, f.Kind) {
		return invalid("kind", "%q is not a fault kind; one of %s", f.Kind, kindList())
	}
	if f.Delay < 0 || time.Duration(f.Delay) > MaxDelay {
		return invalid("delay", "must be between 0s and %s, got %s", MaxDelay, time.Duration(f.Delay))
	}
	if f.Kind == KindLatency && f.Delay == 0 {
		return invalid("delay", "is required for a latency fault and must be more than 0s")
	}
	if f.Kind == KindSOAPFault {
		if f.Code == "" {
			return invalid("code", "is required for a soap-fault (such as GBDFL_UNAVAILABLE)")
		}
		if !codePattern.MatchString(f.Code) {
			return invalid("code", "%q must be 2-64 characters of A-Z, 0-9 and _, starting with a letter", f.Code)
		}
	} else {
		if f.Code != "" {
			return invalid("code", "is only for a soap-fault, not for %s", f.Kind)
		}
		if f.Detail != "" {
			return invalid("detail", "is only for a soap-fault, not for %s", f.Kind)
		}
	}
	if n := utf8.RuneCountInString(f.Detail); n > MaxNoteLength {
		return invalid("detail", "has %d characters, at most %d are allowed", n, MaxNoteLength)
	}
	if f.Hold != 0 && f.Kind != KindTimeout {
		return invalid("hold", "is only for a timeout, not for %s", f.Kind)
	}
	if f.Hold < 0 {
		return invalid("hold", "must not be negative, got %s", time.Duration(f.Hold))
	}
	return nil
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Outcome describes an outcome that a mock knows.
type Outcome struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Spec describes the mock that owns a Registry.
type Spec struct {
	// Name is the mock's name in the admin API and in scenario files, such as "gbdfl".
	Name string
	// Outcomes are the outcomes that scenarios may name.
	Outcomes []Outcome
	// ValidateKey, when set, checks a key beyond the generic rules (1..MaxKeyLength printable
	// characters). Its error message is shown to the caller as is.
	ValidateKey func(key string) error
	// ValidateData, when set, checks Scenario.Data (never called with empty data). Its error
	// message is shown to the caller as is; a *ValidationError's Field is put below "data".
	ValidateData func(outcome string, data json.RawMessage) error
	// Logger receives changes (Info) and injections (Debug); default slog.Default().
	Logger *slog.Logger
}

// Stats counts what a Registry did.
type Stats struct {
	// Injected counts faults carried out by Inject, by kind.
	Injected map[Kind]int64 `json:"injected"`
	// Abandoned counts injections cut short because the client went away.
	Abandoned int64 `json:"abandoned"`
}

// Registry holds the scenarios and the global fault of one mock. It is safe for concurrent use.
type Registry struct {
	spec Spec
	log  *slog.Logger

	mu        sync.RWMutex
	scenarios map[string]Scenario
	fault     *Fault

	injected  sync.Map // Kind → *atomic.Int64
	abandoned atomic.Int64
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// New returns an empty Registry for the mock described by spec. It panics when spec.Name is not
// 1-32 characters of a-z, 0-9 and - (a programming error).
func New(spec Spec) *Registry {
	if !namePattern.MatchString(spec.Name) {
		panic(fmt.Sprintf("scenario: mock name %q must be 1-32 characters of a-z, 0-9 and -", spec.Name))
	}
	if spec.Logger == nil {
		spec.Logger = slog.Default()
	}
	return &Registry{spec: spec, log: spec.Logger.With("component", "mock-scenarios", "mock", spec.Name),
		scenarios: map[string]Scenario{}}
}

// Name returns the mock's name.
func (r *Registry) Name() string { return r.spec.Name }

// Outcomes returns the outcomes the mock knows.
func (r *Registry) Outcomes() []Outcome { return slices.Clone(r.spec.Outcomes) }

// ValidateKey reports what is wrong with a key, or nil.
func (r *Registry) ValidateKey(key string) error {
	n := utf8.RuneCountInString(key)
	switch {
	case n == 0:
		return invalid("", "the key is empty")
	case n > MaxKeyLength:
		return invalid("", "the key has %d characters, at most %d are allowed", n, MaxKeyLength)
	case !utf8.ValidString(key):
		return invalid("", "the key is not valid UTF-8")
	}
	for i, c := range []rune(key) {
		if unicode.IsControl(c) || unicode.IsSpace(c) || c == '/' {
			return invalid("", "the key has a space, control character or / at position %d", i+1)
		}
	}
	if r.spec.ValidateKey != nil {
		if err := r.spec.ValidateKey(key); err != nil {
			return invalid("", "the key is not valid for %s: %s", r.spec.Name, err.Error())
		}
	}
	return nil
}

// Validate reports what is wrong with s, or nil.
func (r *Registry) Validate(s Scenario) error {
	if s.Outcome == "" && s.Fault == nil && len(s.Data) == 0 {
		return invalid("", "a scenario needs at least one of outcome, data and fault")
	}
	if s.Outcome != "" && !slices.ContainsFunc(r.spec.Outcomes, func(o Outcome) bool { return o.Name == s.Outcome }) {
		return invalid("outcome", "%q is not an outcome of %s; one of %s", s.Outcome, r.spec.Name, r.outcomeList())
	}
	if len(s.Data) > 0 {
		if len(s.Data) > MaxDataSize {
			return invalid("data", "is %d bytes, at most %d are allowed", len(s.Data), MaxDataSize)
		}
		if r.spec.ValidateData == nil {
			return invalid("data", "%s takes no data", r.spec.Name)
		}
		if err := r.spec.ValidateData(s.Outcome, s.Data); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				return prefixed("data", err)
			}
			return invalid("data", "%s", err.Error())
		}
	}
	if s.Fault != nil {
		if err := s.Fault.Validate(); err != nil {
			return prefixed("fault", err)
		}
	}
	if n := utf8.RuneCountInString(s.Note); n > MaxNoteLength {
		return invalid("note", "has %d characters, at most %d are allowed", n, MaxNoteLength)
	}
	return nil
}

func (r *Registry) outcomeList() string {
	s := make([]string, len(r.spec.Outcomes))
	for i, o := range r.spec.Outcomes {
		s[i] = o.Name
	}
	return strings.Join(s, ", ")
}

// Set validates s and stores it for key; created is false when it replaced a scenario.
func (r *Registry) Set(key string, s Scenario) (created bool, err error) {
	if err := r.ValidateKey(key); err != nil {
		return false, err
	}
	if err := r.Validate(s); err != nil {
		return false, err
	}
	s = clone(s)
	r.mu.Lock()
	_, existed := r.scenarios[key]
	r.scenarios[key] = s
	r.mu.Unlock()
	r.log.Info("scenario set", "key", key, "outcome", s.Outcome, "fault", faultKind(s.Fault))
	return !existed, nil
}

// Get returns the scenario of key.
func (r *Registry) Get(key string) (Scenario, bool) {
	r.mu.RLock()
	s, ok := r.scenarios[key]
	r.mu.RUnlock()
	return clone(s), ok
}

// Delete removes the scenario of key and reports whether there was one.
func (r *Registry) Delete(key string) bool {
	r.mu.Lock()
	_, ok := r.scenarios[key]
	delete(r.scenarios, key)
	r.mu.Unlock()
	if ok {
		r.log.Info("scenario deleted", "key", key)
	}
	return ok
}

// All returns a copy of every scenario by key.
func (r *Registry) All() map[string]Scenario {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make(map[string]Scenario, len(r.scenarios))
	for k, s := range r.scenarios {
		out[k] = clone(s)
	}
	return out
}

// SetFault validates f and makes it the global fault.
func (r *Registry) SetFault(f Fault) error {
	if err := f.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	r.fault = &f
	r.mu.Unlock()
	r.log.Info("global fault set", "kind", f.Kind, "delay", time.Duration(f.Delay), "code", f.Code)
	return nil
}

// Fault returns the global fault, if one is set.
func (r *Registry) Fault() (Fault, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.fault == nil {
		return Fault{}, false
	}
	return *r.fault, true
}

// ClearFault removes the global fault and reports whether one was set.
func (r *Registry) ClearFault() bool {
	r.mu.Lock()
	ok := r.fault != nil
	r.fault = nil
	r.mu.Unlock()
	if ok {
		r.log.Info("global fault cleared")
	}
	return ok
}

// Reset removes every scenario and the global fault (the statistics are kept).
func (r *Registry) Reset() {
	r.mu.Lock()
	r.scenarios = map[string]Scenario{}
	r.fault = nil
	r.mu.Unlock()
	r.log.Info("scenarios reset")
}

// Stats returns the injection counters.
func (r *Registry) Stats() Stats {
	st := Stats{Injected: map[Kind]int64{}, Abandoned: r.abandoned.Load()}
	r.injected.Range(func(k, v any) bool {
		st.Injected[k.(Kind)] = v.(*atomic.Int64).Load()
		return true
	})
	return st
}

func (r *Registry) count(k Kind) {
	v, _ := r.injected.LoadOrStore(k, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func clone(s Scenario) Scenario {
	if s.Data != nil {
		s.Data = bytes.Clone(s.Data)
	}
	if s.Fault != nil {
		f := *s.Fault
		s.Fault = &f
	}
	return s
}

func faultKind(f *Fault) string {
	if f == nil {
		return ""
	}
	return string(f.Kind)
}

// Section is the part of a scenario file that belongs to one mock.
type Section struct {
	Fault     *Fault              `json:"fault,omitempty"`
	Scenarios map[string]Scenario `json:"scenarios,omitempty"`
}

// File is a scenario file: a Section per mock name.
type File map[string]Section

// ReadFile reads and decodes a scenario file (see the package comment) without checking it
// against any mock.
func ReadFile(path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	defer f.Close()
	file, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("scenario: %s: %w", path, err)
	}
	return file, nil
}

// Decode decodes a scenario file, refusing unknown fields and trailing data.
func Decode(rd io.Reader) (File, error) {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	var file File
	if err := dec.Decode(&file); err != nil {
		return nil, describeJSONError(err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	if file == nil {
		return nil, errors.New("the file holds null, want an object with a section per mock")
	}
	return file, nil
}

// Apply checks every section of file against its registry and, when all are valid, replaces
// the scenarios and global fault of every registry named in the file (registries the file does
// not name are left alone). A section naming no given registry is an error.
func (file File) Apply(regs ...*Registry) error {
	byName := map[string]*Registry{}
	for _, r := range regs {
		byName[r.Name()] = r
	}
	for _, name := range slices.Sorted(maps.Keys(file)) {
		r, ok := byName[name]
		if !ok {
			return fmt.Errorf("scenario: section %q names no mock; mocks here: %s", name, strings.Join(slices.Sorted(maps.Keys(byName)), ", "))
		}
		sec := file[name]
		if sec.Fault != nil {
			if err := sec.Fault.Validate(); err != nil {
				return fmt.Errorf("scenario: %w", prefixed(name+".fault", err))
			}
		}
		for _, key := range slices.Sorted(maps.Keys(sec.Scenarios)) {
			if err := r.ValidateKey(key); err != nil {
				return fmt.Errorf("scenario: %s.scenarios[%q]: %w", name, key, err)
			}
			if err := r.Validate(sec.Scenarios[key]); err != nil {
				return fmt.Errorf("scenario: %w", prefixed(fmt.Sprintf("%s.scenarios[%q]", name, key), err))
			}
		}
	}
	for name, sec := range file {
		r := byName[name]
		r.mu.Lock()
		r.scenarios = make(map[string]Scenario, len(sec.Scenarios))
		for k, s := range sec.Scenarios {
			r.scenarios[k] = clone(s)
		}
		r.fault = nil
		if sec.Fault != nil {
			f := *sec.Fault
			r.fault = &f
		}
		r.mu.Unlock()
		r.log.Info("scenarios loaded", "scenarios", len(sec.Scenarios), "fault", faultKind(sec.Fault))
	}
	return nil
}

// LoadFile reads a scenario file and applies it to regs (see File.Apply).
func LoadFile(path string, regs ...*Registry) error {
	file, err := ReadFile(path)
	if err != nil {
		return err
	}
	if err := file.Apply(regs...); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// describeJSONError turns encoding/json errors into messages that say where the problem is.
func describeJSONError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d: %w", se.Offset, err)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the document"
		}
		return &ValidationError{Field: te.Field, Message: fmt.Sprintf("%s must be %s, got a JSON %s", field, jsonKind(te.Type.String()), te.Value)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: the document ends before it is complete")
	case errors.Is(err, io.EOF):
		return errors.New("the body is empty, want a JSON object")
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return invalid(strings.Trim(msg, `"`), "is not a known field")
	}
	return err
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "map[") || strings.Contains(goType, "Scenario") || strings.Contains(goType, "Fault") || strings.Contains(goType, "Section"):
		return "an object"
	case goType == "string" || strings.HasSuffix(goType, "Kind"):
		return "a string"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	}
	return "a " + goType
}
