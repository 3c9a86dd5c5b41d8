package tson

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shepgate/shepgate/adapter/iin"
)

// CabinetEntry is a result delivered to a consumer's personal cabinet on the portal ("the
// consumer receives the result … in the personal account", process 7).
type CabinetEntry struct {
	IIN           string `json:"iin"`
	RequestNumber string `json:"requestNumber"`
	ServiceID     string `json:"serviceId"`
	// Channel is where the request was made (CON).
	Channel string `json:"channel"`
	// Kind is STATEMENT or REFUSAL; Code a refusal's code.
	Kind           string    `json:"kind"`
	Code           string    `json:"code,omitempty"`
	DocumentNumber string    `json:"documentNumber,omitempty"`
	ReceivedAt     time.Time `json:"receivedAt"`
	// Document is the ГЦВП-signed XML, as received.
	Document []byte `json:"-"`
}

// Cabinet keeps results per consumer IIN. The consumer-facing side reads them with Results.
type Cabinet interface {
	// Deliver stores a result; delivering the same request number again replaces it.
	Deliver(ctx context.Context, e CabinetEntry) error
	// Results returns the consumer's results, oldest first (none: an empty list).
	Results(ctx context.Context, iin string) ([]CabinetEntry, error)
}

// FileCabinet is a Cabinet in a directory: <dir>/<IIN>/<requestNumber>.json and .xml. It is
// safe for concurrent use within one process.
type FileCabinet struct {
	dir string
	mu  sync.RWMutex
}

// NewFileCabinet returns a cabinet in dir, created when missing.
func NewFileCabinet(dir string) (*FileCabinet, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tson: cabinet directory: %w", err)
	}
	return &FileCabinet{dir: dir}, nil
}

var safeNumber = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

func (f *FileCabinet) paths(iinValue, number string) (string, string, error) {
	if !iin.Valid(iinValue) {
		return "", "", fmt.Errorf("tson: cabinet: %q is not a valid IIN", iinValue)
	}
	if !safeNumber.MatchString(number) || strings.HasPrefix(number, ".") {
		return "", "", fmt.Errorf("tson: cabinet: request number %q cannot name a file", number)
	}
	base := filepath.Join(f.dir, iinValue, number)
	return base + ".json", base + ".xml", nil
}

// Deliver implements Cabinet.
func (f *FileCabinet) Deliver(_ context.Context, e CabinetEntry) error {
	meta, doc, err := f.paths(e.IIN, e.RequestNumber)
	if err != nil {
		return err
	}
	raw, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("tson: cabinet: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := writeFileAtomic(doc, e.Document, 0o600); err != nil {
		return err
	}
	return writeFileAtomic(meta, raw, 0o600)
}

// Results implements Cabinet.
func (f *FileCabinet) Results(_ context.Context, iinValue string) ([]CabinetEntry, error) {
	if !iin.Valid(iinValue) {
		return nil, fmt.Errorf("tson: cabinet: %q is not a valid IIN", iinValue)
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	dir := filepath.Join(f.dir, iinValue)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []CabinetEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tson: cabinet: %w", err)
	}
	out := []CabinetEntry{}
	for _, de := range entries {
		if de.IsDir() || !strings.HasSuffix(de.Name(), ".json") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			return nil, fmt.Errorf("tson: cabinet: %w", err)
		}
		var e CabinetEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("tson: cabinet %s: %w", de.Name(), err)
		}
		if e.Document, err = os.ReadFile(filepath.Join(dir, strings.TrimSuffix(de.Name(), ".json")+".xml")); err != nil {
			return nil, fmt.Errorf("tson: cabinet: %w", err)
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b CabinetEntry) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	return out, nil
}
