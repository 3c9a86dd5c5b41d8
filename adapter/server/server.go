// Package server assembles shepgate's roles into one process: the НУЦ mock, the ШЭП gateway and
// the ГЦВП provider on one echo server, with the test PKI, the store and the fixtures that
// `shepgate serve` uses by default. Each role stays its own package; this one only wires them,
// so that the path of a message is: portal client → gateway (/shep/sync) → provider (/gcvp/sync).
package server

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/shepgate/shepgate/adapter/api"
	"github.com/shepgate/shepgate/adapter/certstatus"
	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/gateway"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/population"
	"github.com/shepgate/shepgate/adapter/portal"
	"github.com/shepgate/shepgate/adapter/provider"
	"github.com/shepgate/shepgate/adapter/services"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/adapter/tson"
	"github.com/shepgate/shepgate/adapter/web"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/mocks/enis"
	"github.com/shepgate/shepgate/mocks/gbdfl"
	"github.com/shepgate/shepgate/mocks/nuc"
	"github.com/shepgate/shepgate/mocks/scenario"
	"github.com/shepgate/shepgate/wsdl"
)

// Roles that a process can run.
const (
	RoleNUC      = "nuc"
	RoleGateway  = "gateway"
	RoleProvider = "provider"
	RolePortal   = "portal"
	RoleGBDFL    = "gbdfl"
	RoleENIS     = "enis"
	RoleCON      = "tson"
)

// AllRoles is the default: everything in one process.
var AllRoles = []string{RoleNUC, RoleGBDFL, RoleENIS, RoleGateway, RoleProvider, RolePortal, RoleCON}

// DefaultPopulationSize is the synthetic population's size unless configured.
const DefaultPopulationSize = 1000

// Participants' senderIds at the gateway.
const (
	PortalSenderID = "EGOV_PORTAL"
	GCVPSenderID   = "GCVP"
)

// Config configures a process.
type Config struct {
	// Addr is the listen address; default 127.0.0.1:8080. Port 0 picks a free port.
	Addr string
	// DataDir holds the store, the test PKI and the credentials; default ./var.
	DataDir string
	// PKIDir is the test PKI; default DataDir/pki. It is created on first start.
	PKIDir string
	// PublicURL is the base URL others reach this process at (and that the test certificates
	// carry for the НУЦ mock); default http://<Addr>.
	PublicURL string
	// Roles to run; default AllRoles.
	Roles []string
	// Fixtures is a fixture file loaded into the ГЦВП store at start ("" loads none).
	Fixtures string
	// PopulationSeed and PopulationSize select the synthetic population (adapter/population)
	// that fills ГЦВП's store and the ГБД ФЛ and ЕНИС mocks beside the fixture people; size 0
	// means DefaultPopulationSize, a negative size none.
	PopulationSeed int64
	PopulationSize int
	// StatusPolicy is the НУЦ check policy; default certstatus.HardFail.
	StatusPolicy certstatus.Policy
	// StatusTimeout bounds one OCSP or CRL fetch; default certstatus.DefaultTimeout.
	StatusTimeout time.Duration
	// NUCValidity is how long the НУЦ mock's OCSP answers and CRLs are valid (their
	// nextUpdate), hence how long they are cached; default nuc.DefaultValidity. Testers who
	// steer the mock set it short so that a change is seen at once.
	NUCValidity time.Duration
	// Limits bound every parsed message; zero fields take xmlsafe's defaults.
	Limits xmlsafe.Limits
	// TestMode mounts the mocks' admin API (/admin/mocks/...) and allows test hooks. Off by
	// default: never in production.
	TestMode bool
	// Scenarios is a mock scenario file (mocks/scenario's format) loaded at start ("" none).
	Scenarios string
	// Lease is how long ГЦВП's worker holds a request before it may be taken over; default 1
	// minute (after a crash, a request is processed again when its lease runs out).
	Lease time.Duration
	// Accounts is the consumers' accounts file of the API (adapter/api); in test mode the fixture
	// people have accounts too.
	Accounts string
	// SecureCookies marks session cookies Secure (behind HTTPS).
	SecureCookies bool
	// gbdflDirectory and enisDirectory answer the mocks (set up from the fixtures and the
	// synthetic population).
	gbdflDirectory gbdfl.Directory
	enisDirectory  enis.Directory
	// AfterStep is a test hook called after every recorded step of ГЦВП's flows (TestMode only).
	AfterStep func(requestID string, step services.Step)
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Server is a running process.
type Server struct {
	// URL is the base URL of the process (PublicURL).
	URL string
	// PKI is the test PKI in use.
	PKI *pki.PKI
	// Store is the process's store.
	Store store.Store
	// NUC is the НУЦ mock when the role runs, nil otherwise.
	NUC *nuc.NUC
	// Credentials are the portal's credentials at the gateway.
	Credentials Credentials
	// GCVPCredentials are ГЦВП's credentials at the gateway (it answers on the async channel and
	// queries ГБД ФЛ and ЕНИС).
	GCVPCredentials Credentials
	// Population is the synthetic population behind ГЦВП's store and the mocks.
	Population *population.Population
	// API is the consumer API (with the portal role), nil otherwise.
	API *api.API
	// Metrics are the process's Prometheus metrics.
	Metrics *api.Metrics
	// CON is the ЦОН role (service 10's operator channel) when it runs, nil otherwise.
	CON *tson.CON
	// CONCredentials are the ЦОН system's credentials at the gateway.
	CONCredentials Credentials
	// GBDFL and ENIS are the mocks when their roles run, nil otherwise.
	GBDFL *gbdfl.GBDFL
	ENIS  *enis.ENIS

	cfg  Config
	echo *echo.Echo
	// hops are the SOAP endpoints' hops by path, to answer transport-level errors with faults.
	hops map[string]*channel.Hop
	http *http.Server
	ln   net.Listener
	done chan error
	// stopWork ends the background loops (async pusher, ГЦВП worker); workDone counts them.
	workCtx  context.Context
	stopWork context.CancelFunc
	workDone sync.WaitGroup
	// stopPurge ends the replay-record purge loop; purged is closed when it has ended.
	stopPurge, purged chan struct{}
	log               *slog.Logger
}

// Credentials are a sender's credentials at the gateway. They are created on first start and
// kept in DataDir/credentials.json (mode 0600); the gateway keeps only their hash.
type Credentials struct {
	SenderID string `json:"senderId"`
	Password string `json:"password"`
}

// Start starts a process and returns when it listens.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "var"
	}
	if cfg.PKIDir == "" {
		cfg.PKIDir = filepath.Join(cfg.DataDir, "pki")
	}
	if len(cfg.Roles) == 0 {
		cfg.Roles = AllRoles
	}
	for _, r := range cfg.Roles {
		if !slices.Contains(AllRoles, r) {
			return nil, fmt.Errorf("server: unknown role %q (want some of %s)", r, strings.Join(AllRoles, ", "))
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Limits.MaxBytes == 0 {
		cfg.Limits = xmlsafe.DefaultLimits
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("server: listen %s: %w", cfg.Addr, err)
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + ln.Addr().String()
	}
	s := &Server{URL: strings.TrimRight(cfg.PublicURL, "/"), cfg: cfg, ln: ln, log: cfg.Logger, done: make(chan error, 1)}
	workCtx, stopWork := context.WithCancel(context.Background())
	s.workCtx, s.stopWork = workCtx, stopWork
	if err := s.setup(ctx); err != nil {
		stopWork()
		s.workDone.Wait()
		ln.Close()
		if s.Store != nil {
			s.Store.Close()
		}
		return nil, err
	}
	s.http = &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	go func() { s.done <- s.http.Serve(ln) }()
	s.stopPurge = make(chan struct{})
	s.purged = make(chan struct{})
	go s.purgeLoop()
	return s, nil
}

func (s *Server) setup(ctx context.Context) error {
	cfg := s.cfg
	p, err := pki.Init(pki.Options{Dir: cfg.PKIDir, BaseURL: s.URL})
	if err != nil {
		return fmt.Errorf("server: test PKI: %w", err)
	}
	if p.BaseURL() != s.URL {
		s.log.Warn("the test PKI's certificates point at another НУЦ address; their OCSP/CRL URLs are rewritten",
			"pki", p.BaseURL(), "here", s.URL)
	}
	s.PKI = p
	if s.Store, err = store.OpenSQLite(ctx, filepath.Join(cfg.DataDir, "shepgate.db")); err != nil {
		return err
	}
	if err := s.loadPeople(ctx); err != nil {
		return err
	}
	creds, err := loadCredentials(filepath.Join(cfg.DataDir, "credentials.json"))
	if err != nil {
		return err
	}
	s.Credentials, s.GCVPCredentials, s.CONCredentials = creds[PortalSenderID], creds[GCVPSenderID], creds[tson.SenderID]

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover())
	e.Use(middleware.BodyLimit(fmt.Sprintf("%dB", cfg.Limits.MaxBytes)))
	e.HTTPErrorHandler = s.handleError
	s.echo = e
	s.hops = map[string]*channel.Hop{}
	registerWSDL(e)

	var statusHTTP *http.Client
	if cfg.StatusTimeout > 0 {
		statusHTTP = &http.Client{Timeout: cfg.StatusTimeout}
	}
	metrics := api.NewMetrics()
	s.Metrics = metrics
	status := certstatus.New(certstatus.Options{HTTP: statusHTTP, Policy: cfg.StatusPolicy, Logger: s.log, URLRewrite: s.rewrite(p.BaseURL())})
	has := func(r string) bool { return slices.Contains(cfg.Roles, r) }
	var regs []*scenario.Registry
	if has(RoleNUC) {
		s.NUC = nuc.New(p, nuc.Options{Logger: s.log, Validity: cfg.NUCValidity, CRLValidity: cfg.NUCValidity})
		s.NUC.Register(e)
		regs = append(regs, s.NUC.Scenarios())
	}
	verifier := &wssec.Verifier{Roots: p.Roots(), Intermediates: p.Intermediates()}
	gwCert, _ := p.Cert(pki.NameGateway)
	gateways := []string{channel.Fingerprint(gwCert)}
	if has(RoleGBDFL) {
		hop, err := s.hop("gbdfl", pki.NameGBDFL, verifier, status)
		if err != nil {
			return err
		}
		s.GBDFL = gbdfl.New(gbdfl.Options{Hop: hop, Gateways: gateways, Store: s.Store, Directory: s.cfg.gbdflDirectory, Logger: hop.Logger})
		s.GBDFL.Register(e)
		s.hops[gbdfl.SyncPath] = hop
		regs = append(regs, s.GBDFL.Scenarios())
	}
	if has(RoleENIS) {
		hop, err := s.hop("enis", pki.NameENIS, verifier, status)
		if err != nil {
			return err
		}
		s.ENIS = enis.New(enis.Options{Hop: hop, Gateways: gateways, Store: s.Store, Directory: s.cfg.enisDirectory, Logger: hop.Logger})
		s.ENIS.Register(e)
		s.hops[enis.SyncPath] = hop
		regs = append(regs, s.ENIS.Scenarios())
	}
	if cfg.Scenarios != "" {
		if err := scenario.LoadFile(cfg.Scenarios, regs...); err != nil {
			return fmt.Errorf("server: scenarios: %w", err)
		}
	}
	admin, err := scenario.NewAdmin(scenario.AdminOptions{Enabled: cfg.TestMode, Logger: s.log}, regs...)
	if err != nil {
		return err
	}
	admin.Register(e)
	if has(RoleGateway) {
		hop, err := s.hop("gateway", pki.NameGateway, verifier, status)
		if err != nil {
			return err
		}
		g, err := gateway.New(s.gatewayConfig(), hop, s.Store)
		if err != nil {
			return err
		}
		g.Register(e)
		s.hops[gateway.SyncPath] = hop
		s.hops[gateway.AsyncPath] = hop
		s.background(g.RunPusher)
	}
	if has(RoleProvider) {
		hop, err := s.hop("provider", pki.NameGCVP, verifier, status)
		if err != nil {
			return err
		}
		deps := &services.Deps{Store: s.Store, Consumers: verifier, Status: status, Signer: hop.Signer, Logger: s.log}
		pcfg := provider.Config{Gateways: gateways, GatewayAsyncURL: s.URL + gateway.AsyncPath,
			SenderID: s.GCVPCredentials.SenderID, Password: s.GCVPCredentials.Password, Lease: cfg.Lease,
			OnStep: metrics.ObserveStepRecord, OnAnswer: metrics.CountRequest}
		if cfg.TestMode {
			pcfg.AfterStep = cfg.AfterStep
		}
		pr, err := provider.New(pcfg, hop, s.Store, gcvpServices(deps)...)
		if err != nil {
			return err
		}
		pr.Register(e)
		s.hops[provider.SyncPath] = hop
		s.hops[provider.AsyncPath] = hop
		s.background(pr.RunWorker)
	}
	if has(RolePortal) {
		client, err := s.PortalClient(s.URL + gateway.SyncPath)
		if err != nil {
			return err
		}
		ids := []string{}
		for _, svc := range gcvpServices(nil) {
			ids = append(ids, svc.ID())
		}
		(&portal.Handler{Client: client, Services: ids, Logger: s.log.With("role", "portal")}).Register(e)
		a, err := api.New(api.Options{Store: s.Store, Gateway: client, Logger: s.log.With("role", "api"),
			TestMode: cfg.TestMode, FixturesFile: cfg.Fixtures, PKI: p, AccountsFile: cfg.Accounts,
			SecureCookie: cfg.SecureCookies, Limits: cfg.Limits, Metrics: metrics,
			ReadyChecks: map[string]func(context.Context) error{"store": s.Store.Ping}})
		if err != nil {
			return err
		}
		a.Register(e)
		s.API = a
		wopts := web.Options{TestMode: cfg.TestMode, RootRedirect: true, Logger: s.log.With("role", "web")}
		if cfg.TestMode {
			if key, cert, err := p.KeyPair(pki.NameOperator1); err == nil {
				wopts.OperatorTestSigner = &wssec.Signer{Key: key, Cert: cert}
			}
		}
		w, err := web.New(wopts)
		if err != nil {
			return err
		}
		w.Register(e)
	} else {
		e.GET("/metrics", echo.WrapHandler(metrics.Handler()))
	}
	if has(RoleCON) {
		hop, err := s.hop("tson", pki.NameCON, verifier, status)
		if err != nil {
			return err
		}
		seed, err := tson.TestOperatorSeed(p)
		if err != nil {
			return err
		}
		fp := func(name string) []string {
			c, _ := p.Cert(name)
			return []string{channel.Fingerprint(c)}
		}
		c, err := tson.New(tson.Options{DataDir: cfg.DataDir, Hop: hop,
			GatewaySyncURL: s.URL + gateway.SyncPath, GatewayAsyncURL: s.URL + gateway.AsyncPath,
			Password: s.CONCredentials.Password, Gateways: gateways,
			Providers: fp(pki.NameGCVP), ENIS: fp(pki.NameENIS),
			Seeds: []tson.OperatorSeed{seed}, Logger: s.log.With("role", "tson")})
		if err != nil {
			return err
		}
		c.Register(e)
		s.CON = c
	}
	if s.API != nil && s.CON != nil {
		// One openapi.json for the process: the consumer API's and the ЦОН API's routes.
		paths, schemas := s.CON.OpenAPI()
		if err := s.API.MergeOpenAPI(paths, schemas); err != nil {
			return err
		}
	}
	if !has(RolePortal) {
		e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	}
	return nil
}

// handleError answers errors raised before a handler runs (the body limit, a wrong method) with
// a signed SOAP Fault on SOAP endpoints, and with echo's default answer elsewhere.
func (s *Server) handleError(err error, c echo.Context) {
	hop, ok := s.hops[c.Request().URL.Path]
	var he *echo.HTTPError
	if !ok && !c.Response().Committed && errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge &&
		strings.HasPrefix(c.Request().URL.Path, "/api/") {
		// The JSON APIs answer problem+json, even for what the body limit refused before them.
		t := fault.TextOf(fault.XMLTooLarge)
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		_ = c.JSON(http.StatusRequestEntityTooLarge, portal.Problem{Type: "urn:shepgate:fault:" + string(fault.XMLTooLarge),
			Title: t.EN, Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("the body exceeds %d bytes", s.cfg.Limits.MaxBytes),
			Code: string(fault.XMLTooLarge), TitleKK: t.KK, TitleRU: t.RU})
		return
	}
	if !ok || c.Response().Committed || !errors.As(err, &he) {
		s.echo.DefaultHTTPErrorHandler(err, c)
		return
	}
	var fe error
	switch he.Code {
	case http.StatusRequestEntityTooLarge:
		fe = fault.New(fault.XMLTooLarge, "message exceeds %d bytes", s.cfg.Limits.MaxBytes)
	default:
		fe = fault.New(fault.EnvNotSOAP, "HTTP %d: %v", he.Code, he.Message)
	}
	_ = c.Blob(http.StatusInternalServerError, channel.ContentType, hop.FaultEnvelope(fe, ""))
}

// rewrite maps the НУЦ URLs that the certificates carry to this process's address when the PKI
// was made for another one (a deployment would map them to its НУЦ proxy the same way).
func (s *Server) rewrite(pkiBase string) func(string) string {
	if pkiBase == s.URL || !slices.Contains(s.cfg.Roles, RoleNUC) {
		return nil
	}
	return func(u string) string {
		if strings.HasPrefix(u, pkiBase) {
			return s.URL + strings.TrimPrefix(u, pkiBase)
		}
		return u
	}
}

func (s *Server) hop(role, keyName string, v *wssec.Verifier, status channel.StatusChecker) (*channel.Hop, error) {
	key, cert, err := s.PKI.KeyPair(keyName)
	if err != nil {
		return nil, fmt.Errorf("server: %s key: %w", role, err)
	}
	return &channel.Hop{Name: role, Signer: &wssec.Signer{Key: key, Cert: cert}, Verifier: v, Status: status,
		Limits: s.cfg.Limits, Logger: s.log.With("role", role)}, nil
}

// PortalClient returns a portal client signed with the test PKI's portal key, sending to gw (the
// gateway's sync URL).
func (s *Server) PortalClient(gw string) (*portal.Client, error) {
	return NewPortalClient(s.PKI, gw, s.Credentials, s.cfg.Limits, s.log)
}

// NewPortalClient returns a portal client with the test PKI's portal key.
func NewPortalClient(p *pki.PKI, gw string, cr Credentials, lim xmlsafe.Limits, log *slog.Logger) (*portal.Client, error) {
	key, cert, err := p.KeyPair(pki.NamePortal)
	if err != nil {
		return nil, fmt.Errorf("server: portal key: %w", err)
	}
	if lim.MaxBytes == 0 {
		lim = xmlsafe.DefaultLimits
	}
	v := &wssec.Verifier{Roots: p.Roots(), Intermediates: p.Intermediates()}
	gwCert, _ := p.Cert(pki.NameGateway)
	gcvpCert, _ := p.Cert(pki.NameGCVP)
	return &portal.Client{
		Hop:        &channel.Hop{Name: "portal", Signer: &wssec.Signer{Key: key, Cert: cert}, Verifier: v, Limits: lim, Logger: log},
		GatewayURL: gw, AsyncURL: strings.TrimSuffix(gw, gateway.SyncPath) + gateway.AsyncPath, SenderID: cr.SenderID, Password: cr.Password,
		Gateways: []string{channel.Fingerprint(gwCert)}, Results: v, Providers: []string{channel.Fingerprint(gcvpCert)},
	}, nil
}

// ReplayWindow is how long replay records are kept: twice the accepted messageDate age, so a
// message old enough to lose its record is refused by its date.
const ReplayWindow = 10 * time.Minute

// purgeLoop deletes replay records that the messageDate window already covers, every minute.
func (s *Server) purgeLoop() {
	defer close(s.purged)
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-s.stopPurge:
			return
		case now := <-tick.C:
			n, err := s.Store.ForgetMessagesBefore(context.Background(), now.Add(-ReplayWindow))
			if err != nil {
				s.log.Warn("purge replay records", "err", err)
			} else if n > 0 {
				s.log.Debug("purged replay records", "count", n)
			}
		}
	}
}

// Shutdown stops accepting, finishes in-flight requests (until ctx ends) and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	close(s.stopPurge)
	<-s.purged
	// The background loops finish the item in hand and stop; then the HTTP server finishes the
	// requests in flight.
	s.stopWork()
	s.workDone.Wait()
	err := s.http.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if cerr := s.Store.Close(); err == nil {
		err = cerr
	}
	return err
}

// Done returns a channel that receives the serve loop's error when it stops.
func (s *Server) Done() <-chan error { return s.done }

// loadCredentials reads the participants' credentials (portal, ГЦВП), creating what is missing.
func loadCredentials(path string) (map[string]Credentials, error) {
	creds := map[string]Credentials{}
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &creds); err != nil {
			return nil, fmt.Errorf("server: %s: %w", path, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("server: credentials: %w", err)
	}
	changed := false
	for _, id := range []string{PortalSenderID, GCVPSenderID, tson.SenderID} {
		if c := creds[id]; c.SenderID == "" || c.Password == "" {
			creds[id] = Credentials{SenderID: id, Password: randomPassword()}
			changed = true
		}
	}
	if changed {
		raw, _ = json.MarshalIndent(creds, "", "  ")
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return nil, fmt.Errorf("server: write credentials: %w", err)
		}
	}
	return creds, nil
}

// LoadCredentials reads the portal's credentials that a process created in dataDir.
func LoadCredentials(dataDir string) (Credentials, error) {
	path := filepath.Join(dataDir, "credentials.json")
	if _, err := os.Stat(path); err != nil {
		return Credentials{}, fmt.Errorf("credentials: %w (start `shepgate serve --data %s` once first)", err, dataDir)
	}
	creds, err := loadCredentials(path)
	if err != nil {
		return Credentials{}, err
	}
	return creds[PortalSenderID], nil
}

// loadPeople fills ГЦВП's store and the mocks' registers with the fixture people and the
// synthetic population (the population never reuses a fixture IIN or SIK).
func (s *Server) loadPeople(ctx context.Context) error {
	var extra []gbdfl.Person
	var poas []enis.PowerOfAttorney
	var reserved []string
	if s.cfg.Fixtures != "" {
		f, err := fixtures.Read(s.cfg.Fixtures)
		if err != nil {
			return err
		}
		if err := f.Load(ctx, s.Store); err != nil {
			return err
		}
		for _, fp := range f.People {
			p, err := gbdfl.FromFixture(fp)
			if err != nil {
				return fmt.Errorf("server: fixture %s in ГБД ФЛ: %w", fp.IIN, err)
			}
			extra = append(extra, p)
			reserved = append(reserved, fp.IIN, fp.SIK)
		}
		for _, a := range f.Absent {
			reserved = append(reserved, a.IIN)
		}
		for i, raw := range f.PowersOfAttorney {
			var a struct {
				enis.PowerOfAttorney
				Note string `json:"note"`
			}
			if err := json.Unmarshal(raw, &a); err != nil {
				return fmt.Errorf("server: fixtures: power of attorney %d: %w", i+1, err)
			}
			if err := a.PowerOfAttorney.Validate(); err != nil {
				return fmt.Errorf("server: fixtures: power of attorney %s: %w", a.Number, err)
			}
			poas = append(poas, a.PowerOfAttorney)
		}
	}
	size := s.cfg.PopulationSize
	if size == 0 {
		size = DefaultPopulationSize
	}
	seed := s.cfg.PopulationSeed
	if seed == 0 {
		seed = 1
	}
	pop := population.Generate(population.Options{Seed: seed, Size: max(size, 0), Reserved: reserved})
	// Loaded once, like the fixtures: what the services did since (a SIK issued) survives.
	loaded := false
	if pop.Len() > 0 {
		if _, err := s.Store.Person(ctx, pop.At(0).IIN); err == nil {
			loaded = true
		}
	}
	if !loaded {
		if err := pop.Load(ctx, s.Store); err != nil {
			return fmt.Errorf("server: population: %w", err)
		}
	}
	s.Population = pop
	s.cfg.gbdflDirectory = gbdfl.PopulationDirectory(pop, time.Time{}, extra...)
	s.cfg.enisDirectory = enis.PopulationDirectory(pop, time.Time{}, poas...)
	return nil
}

// background runs fn until Shutdown.
func (s *Server) background(fn func(context.Context)) {
	s.workDone.Add(1)
	go func() {
		defer s.workDone.Done()
		fn(s.workCtx)
	}()
}

// gatewayConfig registers the participants and routes the services.
func (s *Server) gatewayConfig() gateway.Config {
	fp := func(name string) []string {
		c, _ := s.PKI.Cert(name)
		return []string{channel.Fingerprint(c)}
	}
	cfg := gateway.Config{Senders: []gateway.Sender{
		{ID: s.Credentials.SenderID, Password: gateway.HashPassword(s.Credentials.Password), Certs: fp(pki.NamePortal)},
		{ID: s.GCVPCredentials.SenderID, Password: gateway.HashPassword(s.GCVPCredentials.Password), Certs: fp(pki.NameGCVP),
			PushURL: s.URL + provider.AsyncPath},
		// The ЦОН pulls its answers with getMessages.
		{ID: s.CONCredentials.SenderID, Password: gateway.HashPassword(s.CONCredentials.Password), Certs: fp(pki.NameCON)},
	}}
	for _, svc := range gcvpServices(nil) {
		cfg.Routes = append(cfg.Routes, gateway.Route{ServiceID: svc.ID(), URL: s.URL + provider.SyncPath,
			ProviderCerts: fp(pki.NameGCVP), Recipient: s.GCVPCredentials.SenderID})
	}
	cfg.Routes = append(cfg.Routes,
		gateway.Route{ServiceID: wsdl.ServiceGbdflPersonByIIN, URL: s.URL + gbdfl.SyncPath, ProviderCerts: fp(pki.NameGBDFL)},
		gateway.Route{ServiceID: wsdl.ServiceEnisPowerOfAttorney, URL: s.URL + enis.SyncPath, ProviderCerts: fp(pki.NameENIS)},
	)
	return cfg
}

// gcvpServices are the ГЦВП services this process offers.
func gcvpServices(d *services.Deps) []services.Service {
	return append(services.InfoServices(d), services.SikService(d), services.StatementService(d))
}

// Issuer returns a certificate's issuer from the PKI (for callers that check status).
func (s *Server) Issuer(c *x509.Certificate) (*x509.Certificate, bool) { return s.PKI.Issuer(c) }

func randomPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
