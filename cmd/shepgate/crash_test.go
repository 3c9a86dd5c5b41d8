package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/portal"
	"github.com/shepgate/shepgate/adapter/server"
	"github.com/shepgate/shepgate/adapter/services"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/wsdl"
)

// TestCrashMidRequestCompletesOnce runs the real binary, makes ГЦВП's process die in the middle
// of a request (right after step A8, before the answer exists), starts it again on the same
// store, and checks that the request is finished after the restart, and exactly once: one
// answer stored, one RESPONSE at the gateway, delivered once.
func TestCrashMidRequestCompletesOnce(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "shepgate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := t.TempDir()
	addr := freeAddr(t)
	base := []string{"serve", "--addr", addr, "--data", data, "--fixtures", filepath.Join("..", "..", "testdata", "people.json"), "--lease", "1s"}

	first := exec.Command(bin, append(base, "--test-mode", "--crash-after-step", string(services.StepFindIIN))...)
	logs := &strings.Builder{}
	first.Stdout, first.Stderr = io.Discard, logs
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	waitUp(t, addr)

	client := portalClient(t, data, addr)
	p, _ := pki.Load(filepath.Join(data, "pki"))
	key, cert, _ := p.KeyPair(pki.NameConsumerGood)
	doc, _ := portal.NewInfoRequest(wsdl.ServiceBasicPensionInfo, "880512310210", uuid.NewString(), time.Now())
	if err := (&wssec.Signer{Key: key, Cert: cert}).SignElement(doc); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id, err := client.SendAsync(ctx, wsdl.ServiceBasicPensionInfo, doc)
	if err != nil {
		t.Fatal(err)
	}
	err = first.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 70 {
		t.Fatalf("the first process did not crash at the hook: %v\n%s", err, logs)
	}

	second := exec.Command(bin, base...)
	second.Stdout, second.Stderr = io.Discard, io.Discard
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			second.Process.Signal(os.Interrupt)
			second.Wait()
		}
	}
	defer stop()
	waitUp(t, addr)
	ans, err := client.Await(ctx, wsdl.ServiceBasicPensionInfo, id, 100*time.Millisecond)
	if err != nil {
		t.Fatalf("no answer after the restart: %v", err)
	}
	if ans.Info == nil || string(*ans.Info.Decision.Outcome) != "ASSIGNED" {
		t.Fatalf("answer %+v %+v", ans.Info, ans.Refusal)
	}
	// Nothing more comes for the request.
	time.Sleep(300 * time.Millisecond)
	if again, err := client.Poll(ctx, wsdl.ServiceBasicPensionInfo, id); err != nil || again != nil {
		t.Fatalf("a second answer: %+v %v", again, err)
	}
	stop()

	st, err := store.OpenSQLite(ctx, filepath.Join(data, "shepgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := st.ServiceRequest(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != store.RequestAnswered || r.Attempts != 2 {
		t.Fatalf("request: state %s after %d attempts, want ANSWERED after 2", r.State, r.Attempts)
	}
	answers, err := st.Correlated(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 1 || answers[0].Type != envelope.TypeResponse || answers[0].State != store.StateDelivered || answers[0].ID != r.AnswerMessageID {
		t.Fatalf("answers at the gateway: %+v", answers)
	}
	steps, err := st.Steps(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var first1, second2 []string
	for _, s := range steps {
		if s.Attempt == 1 {
			first1 = append(first1, s.Step)
		} else {
			second2 = append(second2, s.Step)
		}
	}
	if len(first1) == 0 || first1[len(first1)-1] != string(services.StepFindIIN) {
		t.Fatalf("first attempt's steps %v, want them to stop at %s", first1, services.StepFindIIN)
	}
	if len(second2) == 0 || second2[len(second2)-1] != string(services.StepAnswer) {
		t.Fatalf("second attempt's steps %v, want them to end with %s", second2, services.StepAnswer)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitUp(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server on %s did not come up", addr)
}

func portalClient(t *testing.T, data, addr string) *portal.Client {
	t.Helper()
	p, err := pki.Load(filepath.Join(data, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := server.LoadCredentials(data)
	if err != nil {
		t.Fatal(err)
	}
	c, err := server.NewPortalClient(p, fmt.Sprintf("http://%s/shep/sync", addr), creds, xmlsafe.DefaultLimits, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
