package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	"github.com/shepgate/shepgate/adapter/resultdoc"
	"github.com/shepgate/shepgate/adapter/server"
	"github.com/shepgate/shepgate/wsdl"
)

// TestResultPDFForEveryService requests each of the ten services for one fixture person with
// the CLI, and checks the PDF it saves: it opens as a PDF, holds the person's data and every
// Kazakh letter, and its barcodes decode to the ГЦВП-signed document, which `verify` accepts.
func TestResultPDFForEveryService(t *testing.T) {
	data := t.TempDir()
	s, err := server.Start(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: data, PopulationSize: 20,
		Fixtures: filepath.Join("..", "..", "testdata", "people.json"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	}()
	roots := filepath.Join(data, "pki", "roots.pem")
	out := t.TempDir()
	for _, svc := range wsdl.Services() {
		t.Run(svc.ID, func(t *testing.T) {
			args := []string{"client", "request", "--service", svc.ID, "--iin", "880512310210", "--server", s.URL, "--data", data, "--out", out}
			switch svc.ID {
			case wsdl.ServiceSikIssue:
				args = append(args, "--duplicate")
			case wsdl.ServicePensionFundStatement:
				args = append(args, "--from", "2024-01-01", "--to", "2024-12-31")
			}
			code, stdout, stderr := shepgate(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s %s", code, stdout, stderr)
			}
			var sum summary
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
				t.Fatal(err)
			}
			if sum.RefusalCode != "" || sum.Outcome == "" || sum.PDFFile == "" {
				t.Fatalf("summary %+v", sum)
			}
			raw, err := os.ReadFile(sum.PDFFile)
			if err != nil {
				t.Fatal(err)
			}
			text := pdfText(t, raw)
			want := []string{"ӘБІЛҰЛЫ", "ҚАНАТ", "ЗАҺИДҰЛЫ"}
			if svc.ID != wsdl.ServiceSikIssue { // the SIK certificate's form names the person by name and SIK only
				want = append(want, "880512310210")
			} else {
				want = append(want, "DV6MH41VHFEX4009")
			}
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("the PDF does not show %q", w)
				}
			}
			lower := strings.ToLower(text)
			for _, r := range "әғқңөұүһі" {
				if !strings.ContainsRune(lower, r) {
					t.Errorf("the PDF lacks the Kazakh letter %c", r)
				}
			}
			code, o, e := shepgate(t, "verify", "--roots", roots, sum.PDFFile)
			if code != 0 || !strings.Contains(o, "ЗТМО") {
				t.Fatalf("verify PDF: %d %s %s", code, o, e)
			}
			// A forged PDF — the same form over altered data, re-barcoded — is refused.
			signed, err := os.ReadFile(sum.ResultFile)
			if err != nil {
				t.Fatal(err)
			}
			forged, err := resultdoc.RenderSigned(bytes.Replace(signed, []byte("ҚАНАТ"), []byte("ҚАНАП"), 1), resultdoc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			forgedPath := filepath.Join(t.TempDir(), "forged.pdf")
			if err := os.WriteFile(forgedPath, forged, 0o644); err != nil {
				t.Fatal(err)
			}
			if code, _, e := shepgate(t, "verify", "--roots", roots, forgedPath); code != 1 || !strings.Contains(e, "SIG_DIGEST_MISMATCH") {
				t.Errorf("a forged PDF: exit %d, %s", code, e)
			}
		})
	}
}

func pdfText(t *testing.T, doc []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatalf("not a PDF: %v", err)
	}
	var b strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		p := r.Page(i)
		fonts := map[string]*pdf.Font{}
		for _, name := range p.Fonts() {
			f := p.Font(name)
			fonts[name] = &f
		}
		text, err := p.GetPlainText(fonts)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		b.WriteString(text)
	}
	return b.String()
}
