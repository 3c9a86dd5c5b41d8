package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/server"
)

func shepgate(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, strings.NewReader(""), &o, &e)
	return code, o.String(), e.String()
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"sign"}, {"verify", "x.xml"}, {"pki"}, {"pki", "init"}, {"serve", "extra"}, {"client", "request"}} {
		if code, _, _ := shepgate(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

func TestPKIInitSignVerify(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	code, out, errs := shepgate(t, "pki", "init", "--dir", dir)
	if code != 0 {
		t.Fatalf("pki init: %d %s", code, errs)
	}
	if !strings.Contains(out, "consumer-revoked") || !strings.Contains(out, "revoked") {
		t.Fatalf("pki init output lacks the index:\n%s", out)
	}
	var idx pki.Index
	raw, err := os.ReadFile(filepath.Join(dir, "pki.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	statuses := map[pki.Status]bool{}
	for _, e := range idx.Entries {
		statuses[e.Status] = true
		for _, f := range []string{e.CertFile, e.KeyFile} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%s: %v", e.Name, err)
			}
		}
	}
	for _, s := range []pki.Status{pki.StatusGood, pki.StatusRevoked, pki.StatusExpired, pki.StatusWrongIIN, pki.StatusUntrusted} {
		if !statuses[s] {
			t.Errorf("pki.json has no %s certificate", s)
		}
	}

	in := filepath.Join(t.TempDir(), "doc.xml")
	os.WriteFile(in, []byte(`<doc xmlns="urn:x"><iin>880512310210</iin><name>ӘБІЛҰЛЫ</name></doc>`), 0o644)
	envIn := filepath.Join(t.TempDir(), "env.xml")
	os.WriteFile(envIn, []byte(`<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Header/><S:Body><p xmlns="urn:x">1</p></S:Body></S:Envelope>`), 0o644)
	roots := filepath.Join(dir, "roots.pem")
	for _, c := range []struct{ name, file, key string }{
		{"element RSA", in, "consumer-good"},
		{"element ECDSA", in, "consumer-ec"},
		{"envelope", envIn, "portal"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, signed, errs := shepgate(t, "sign", "--key", filepath.Join(dir, c.key+".key.pem"), "--cert", filepath.Join(dir, c.key+".crt.pem"), c.file)
			if code != 0 {
				t.Fatalf("sign: %d %s", code, errs)
			}
			out := filepath.Join(t.TempDir(), "signed.xml")
			os.WriteFile(out, []byte(signed), 0o644)
			if code, o, e := shepgate(t, "verify", "--roots", roots, out); code != 0 || !strings.HasPrefix(o, "OK") {
				t.Fatalf("verify: %d %s %s", code, o, e)
			}
			tampered := filepath.Join(t.TempDir(), "tampered.xml")
			os.WriteFile(tampered, []byte(strings.Replace(signed, ">1<", ">2<", 1)), 0o644)
			if c.file == in {
				os.WriteFile(tampered, []byte(strings.Replace(signed, "880512310210", "880512310211", 1)), 0o644)
			}
			if code, _, e := shepgate(t, "verify", "--roots", roots, tampered); code != 1 || !strings.Contains(e, "SIG_DIGEST_MISMATCH") {
				t.Fatalf("tampered: exit %d, %s", code, e)
			}
			other := filepath.Join(t.TempDir(), "other.pem")
			os.Link(filepath.Join(dir, "untrusted-root.crt.pem"), other)
			if code, _, e := shepgate(t, "verify", "--roots", other, "--intermediates", filepath.Join(dir, "intermediates.pem"), out); code != 1 || !strings.Contains(e, "CERT_UNTRUSTED") {
				t.Fatalf("other roots: exit %d, %s", code, e)
			}
		})
	}
	// A certificate that has expired is refused with its own reason.
	code, signed, _ := shepgate(t, "sign", "--key", filepath.Join(dir, "consumer-expired.key.pem"), "--cert", filepath.Join(dir, "consumer-expired.crt.pem"), in)
	if code != 0 {
		t.Fatal("sign with the expired key")
	}
	exp := filepath.Join(t.TempDir(), "expired.xml")
	os.WriteFile(exp, []byte(signed), 0o644)
	if code, _, e := shepgate(t, "verify", "--roots", roots, exp); code != 1 || !strings.Contains(e, "CERT_EXPIRED") {
		t.Fatalf("expired: exit %d, %s", code, e)
	}
}

// TestClientRequest plays the consumer against a running server, then verifies the saved result
// with the verify command.
func TestClientRequest(t *testing.T) {
	data := t.TempDir()
	s, err := server.Start(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: data,
		Fixtures: filepath.Join("..", "..", "testdata", "people.json"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	}()
	outDir := t.TempDir()
	cases := []struct{ channel, iin, as, outcome, refusal, lastStep string }{
		{"async", "880512310210", "", "ASSIGNED", "", "A11_ANSWER"},
		{"sync", "880512310210", "", "ASSIGNED", "", ""},
		{"async", "951103420437", "", "", "SVC_NO_PAYMENT_INFO", "A10_FIND_PAYMENT_INFO"},
		{"async", "790227333112", "", "", "CERT_REVOKED", "A6_CERT_STATUS"},
		{"sync", "880512310210", "consumer-ec", "", "CERT_IIN_MISMATCH", ""},
	}
	for _, c := range cases {
		args := []string{"client", "request", "--service", "GCVP_BASIC_PENSION_INFO", "--iin", c.iin, "--server", s.URL,
			"--data", data, "--out", outDir, "--channel", c.channel}
		if c.as != "" {
			args = append(args, "--as", c.as)
		}
		code, out, errs := shepgate(t, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d %s %s", c.iin, code, out, errs)
		}
		var sum summary
		if err := json.Unmarshal([]byte(out), &sum); err != nil {
			t.Fatalf("summary is not JSON: %v\n%s", err, out)
		}
		if sum.Outcome != c.outcome || sum.RefusalCode != c.refusal || sum.Channel != c.channel {
			t.Errorf("%s/%s: outcome %q refusal %q, want %q %q\n%s", c.channel, c.iin, sum.Outcome, sum.RefusalCode, c.outcome, c.refusal, out)
		}
		if c.lastStep != "" {
			if len(sum.Steps) == 0 || sum.Steps[len(sum.Steps)-1].Step != c.lastStep || sum.Steps[0].NameKK == "" || sum.Steps[0].NameRU == "" {
				t.Errorf("%s: steps %+v, want the last to be %s, with names", c.iin, sum.Steps, c.lastStep)
			}
		}
		if code, o, e := shepgate(t, "verify", "--roots", filepath.Join(data, "pki", "roots.pem"), sum.ResultFile); code != 0 || !strings.Contains(o, "ЗТМО") {
			t.Errorf("saved result does not verify as ГЦВП's: %d %s %s", code, o, e)
		}
	}
	if code, out, _ := shepgate(t, "client", "services"); code != 0 || !strings.Contains(out, "GCVP_BASIC_PENSION_INFO") {
		t.Fatalf("client services: %d\n%s", code, out)
	}
}

// TestMockCommand starts each mock alone, as a conformance tester does, and talks to it.
func TestMockCommand(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "shepgate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	pkiDir := filepath.Join(t.TempDir(), "pki")
	for _, c := range []struct{ kind, path, want string }{
		{"nuc", "/nuc/ca/root.crt", ""},
		{"gbdfl", "/gbdfl/sync?wsdl", "definitions"},
		{"enis", "/enis/sync?wsdl", "definitions"},
	} {
		t.Run(c.kind, func(t *testing.T) {
			addr := freeAddr(t)
			cmd := exec.Command(bin, "mock", c.kind, "--addr", addr, "--pki", pkiDir, "--data", t.TempDir(), "--test-mode")
			cmd.Dir = filepath.Join("..", "..")
			cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
			waitUp(t, addr)
			resp, err := http.Get("http://" + addr + c.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), c.want) {
				t.Fatalf("GET %s: %d %.200s", c.path, resp.StatusCode, body)
			}
			// The mock's admin API lists it.
			resp, err = http.Get("http://" + addr + "/admin/mocks/" + c.kind)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("admin API of %s: %d", c.kind, resp.StatusCode)
			}
		})
	}
}

// TestConfiguration: every serve setting may come from a file or the environment, and a bad one
// is refused with its name and source.
func TestConfiguration(t *testing.T) {
	dir := t.TempDir()
	file := func(body string) string {
		p := filepath.Join(dir, fmt.Sprintf("c%d.json", len(body)))
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown key", []string{"--config", file(`{"adress": "x"}`)}, nil, `unknown setting "adress"`},
		{"bad duration in the file", []string{"--config", file(`{"lease": "soon"}`)}, nil, `setting "lease"`},
		{"bad policy in the file", []string{"--config", file(`{"status-policy": "lax"}`)}, nil, "status-policy"},
		{"not JSON", []string{"--config", file(`addr = 1`)}, nil, "not a JSON object"},
		{"bad environment", nil, map[string]string{"SHEPGATE_STATUS_TIMEOUT": "fast"}, "environment SHEPGATE_STATUS_TIMEOUT"},
		{"bad role from the environment", nil, map[string]string{"SHEPGATE_ROLES": "gateway,cache"}, `unknown role "cache"`},
		{"missing file", []string{"--config", filepath.Join(dir, "none.json")}, nil, "config:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, _, errs := shepgate(t, append([]string{"serve"}, c.args...)...)
			if code != 2 || !strings.Contains(errs, c.want) {
				t.Fatalf("exit %d, %q; want 2 and %q", code, errs, c.want)
			}
		})
	}
	// A good file and the environment together: the flag wins over both, the environment over
	// the file (checked on the parsed flags).
	fs := newFlags("serve", io.Discard)
	addr := fs.String("addr", "default", "")
	lease := fs.Duration("lease", time.Minute, "")
	env := map[string]string{"SHEPGATE_LEASE": "3m"}
	if err := configure(fs, []string{"--config", file(`{"addr": "from-file", "lease": "2m"}`)}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if *addr != "from-file" || *lease != 3*time.Minute {
		t.Fatalf("addr %q lease %s", *addr, *lease)
	}
	fs = newFlags("serve", io.Discard)
	addr = fs.String("addr", "default", "")
	if err := configure(fs, []string{"--config", file(`{"addr": "from-file"}`), "--addr", "from-flag"}, func(string) string { return "" }); err != nil || *addr != "from-flag" {
		t.Fatalf("flag over file: %q %v", *addr, err)
	}
}
