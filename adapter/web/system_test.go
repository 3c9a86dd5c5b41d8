package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/api"
	"github.com/shepgate/shepgate/adapter/gateway"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/server"
	"github.com/shepgate/shepgate/adapter/tson"
	"github.com/shepgate/shepgate/adapter/web"
	"github.com/shepgate/shepgate/adapter/wssec"
)

// fixturesPath is the fixture people (testdata/people.json, docs/fixtures.md).
var fixturesPath = filepath.Join("..", "..", "testdata", "people.json")

// system is a real shepgate started in the test: adapter/server.Start in test mode (НУЦ, ГБД ФЛ
// and ЕНИС mocks, the gateway, ГЦВП, the portal) and, in front of it on one origin, the web
// screens with every other path passed through to the server. When the server does not mount
// the consumer API (adapter/api) itself yet, it is mounted in front, on the server's store and
// portal client.
type system struct {
	srv *server.Server
	url string
	// apiHere: the consumer API is mounted in front (the server has none).
	apiHere bool
}

func startSystem(t *testing.T) *system {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("WEB_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := server.Start(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Fixtures: fixturesPath,
		TestMode: true, PopulationSize: 300, Logger: log})
	if err != nil {
		t.Fatalf("start the system: %v", err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	sys := &system{srv: srv}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	key, cert, err := srv.PKI.KeyPair(pki.NameOperator1)
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Options{TestMode: true, OperatorTestSigner: &wssec.Signer{Key: key, Cert: cert}, RootRedirect: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	w.Register(e)
	if !serves(t, srv.URL+api.BasePath+"/services") {
		client, err := srv.PortalClient(srv.URL + gateway.SyncPath)
		if err != nil {
			t.Fatal(err)
		}
		a, err := api.New(api.Options{Store: srv.Store, Gateway: client, TestMode: true, FixturesFile: fixturesPath, PKI: srv.PKI, Logger: log})
		if err != nil {
			t.Fatalf("consumer API: %v", err)
		}
		a.Register(e)
		sys.apiHere = true
	}
	target, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	e.Any("/*", echo.WrapHandler(proxy))
	// The operator API is the server's, even when the consumer API in front claims /api/v1/*.
	e.Any(tson.BasePath+"/*", echo.WrapHandler(proxy))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	sys.url = "http://" + ln.Addr().String()
	return sys
}

// serves reports whether the server answers GET u with 200 (or, for the session endpoints, with
// a problem of its own rather than a 404).
func serves(t *testing.T, u string) bool {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed
}

// chromiumPath is Debian's Chromium (package chromium), or $CHROMIUM.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("headless Chromium is needed for the web screens' tests and %s is missing: run `make deps` (it runs `apt-get install -y chromium`), or set CHROMIUM to its path", p)
	}
	return p
}

// newBrowser starts a fresh headless Chromium (its own profile) and returns a tab's context.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// screenshots is the folder the tests write their PNGs to: $SHEPGATE_SCREENSHOTS, or
// out/screenshots at the repository's root.
func screenshots(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SHEPGATE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "out", "screenshots")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshots folder: %v", err)
	}
	return dir
}

// shot writes a full-page PNG of the current screen.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(screenshots(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs actions, failing the test with what was being done and the page's alert.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v%s", what, err, pageAlert(ctx))
	}
}

// stepTimeout bounds one step of a screen (a click and the wait for what it shows), so that a
// screen that never shows what is awaited fails with what it says instead.
const stepTimeout = 45 * time.Second

// pageAlert is the screen's visible error message, if any, for failure messages.
func pageAlert(ctx context.Context) string {
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(qctx, chromedp.Evaluate[string](`(function(){var a=document.getElementById('alert');return a&&!a.hidden?a.textContent:''})()`))
	if err != nil || s == "" {
		return ""
	}
	return "\nthe screen says: " + s
}

// textOf is the visible text of the first element matching sel.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("read %s: %v%s", sel, err, pageAlert(ctx))
	}
	return strings.TrimSpace(s)
}

// waitText waits until sel's text satisfies ok (the screen fills itself from the API).
func waitText(t *testing.T, ctx context.Context, sel string, ok func(string) bool, what string) string {
	t.Helper()
	var s string
	for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(100 * time.Millisecond) {
		var err error
		s, err = chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(function(){var e=document.querySelector(%q);return e?e.textContent.trim():''})()`, sel)))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok(s) {
			return s
		}
	}
	t.Fatalf("%s: %s shows %q%s", what, sel, s, pageAlert(ctx))
	return ""
}

// download clicks sel and returns the file the browser saved.
func download(t *testing.T, ctx context.Context, sel string) ([]byte, string) {
	t.Helper()
	dir := t.TempDir()
	type done struct {
		guid, state string
	}
	names := make(chan string, 4)
	finished := make(chan done, 4)
	err := chromedp.ListenBrowser(ctx, func(ev any) {
		switch e := ev.(type) {
		case *browser.EventDownloadWillBegin:
			names <- e.SuggestedFilename
		case *browser.EventDownloadProgress:
			if e.State == browser.DownloadProgressStateCompleted || e.State == browser.DownloadProgressStateCanceled {
				finished <- done{e.GUID, string(e.State)}
			}
		}
	})
	if err != nil {
		t.Fatalf("listen for downloads: %v", err)
	}
	events := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	run(t, ctx, "click "+sel, chromedp.Click(sel, chromedp.NodeVisible))
	select {
	case d := <-finished:
		if d.state != string(browser.DownloadProgressStateCompleted) {
			t.Fatalf("the download of %s was %s", sel, d.state)
		}
		raw, err := os.ReadFile(filepath.Join(dir, d.guid))
		if err != nil {
			t.Fatalf("the downloaded file: %v", err)
		}
		name := ""
		select {
		case name = <-names:
		default:
		}
		return raw, name
	case <-ctx.Done():
		t.Fatalf("no download after clicking %s: %v", sel, errors.Unwrap(ctx.Err()))
	case <-time.After(60 * time.Second):
		t.Fatalf("no download after clicking %s within a minute", sel)
	}
	return nil, ""
}
