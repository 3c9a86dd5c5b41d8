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
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/shepgate/shepgate/adapter/certstatus"
	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/fixtures"
	"github.com/shepgate/shepgate/adapter/gateway"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/portal"
	"github.com/shepgate/shepgate/adapter/provider"
	"github.com/shepgate/shepgate/adapter/services"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/mocks/nuc"
)

// Roles that a process can run.
const (
	RoleNUC      = "nuc"
	RoleGateway  = "gateway"
	RoleProvider = "provider"
	RolePortal   = "portal"
)

// AllRoles is the default: everything in one process.
var AllRoles = []string{RoleNUC, RoleGateway, RoleProvider, RolePortal}

// PortalSenderID is the senderId of the portal (ПЭП) at the gateway.
const PortalSenderID = "EGOV_PORTAL"

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
	// StatusPolicy is the НУЦ check policy; default certstatus.HardFail.
	StatusPolicy certstatus.Policy
	// StatusTimeout bounds one OCSP or CRL fetch; default certstatus.DefaultTimeout.
	StatusTimeout time.Duration
	// Limits bound every parsed message; zero fields take xmlsafe's defaults.
	Limits xmlsafe.Limits
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

	cfg  Config
	echo *echo.Echo
	// hops are the SOAP endpoints' hops by path, to answer transport-level errors with faults.
	hops map[string]*channel.Hop
	http *http.Server
	ln   net.Listener
	done chan error
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
	if err := s.setup(ctx); err != nil {
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
	if cfg.Fixtures != "" {
		f, err := fixtures.Read(cfg.Fixtures)
		if err != nil {
			return err
		}
		if err := f.Load(ctx, s.Store); err != nil {
			return err
		}
	}
	if s.Credentials, err = loadCredentials(filepath.Join(cfg.DataDir, "credentials.json")); err != nil {
		return err
	}

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
	status := certstatus.New(certstatus.Options{HTTP: statusHTTP, Policy: cfg.StatusPolicy, Logger: s.log, URLRewrite: s.rewrite(p.BaseURL())})
	has := func(r string) bool { return slices.Contains(cfg.Roles, r) }
	if has(RoleNUC) {
		s.NUC = nuc.New(p, nuc.Options{Logger: s.log})
		s.NUC.Register(e)
	}
	verifier := &wssec.Verifier{Roots: p.Roots(), Intermediates: p.Intermediates()}
	if has(RoleGateway) {
		hop, err := s.hop("gateway", pki.NameGateway, verifier, status)
		if err != nil {
			return err
		}
		portalCert, _ := p.Cert(pki.NamePortal)
		gcvpCert, _ := p.Cert(pki.NameGCVP)
		routes := []gateway.Route{}
		for _, svc := range services.InfoServices(nil) {
			routes = append(routes, gateway.Route{ServiceID: svc.ID(), URL: s.URL + provider.SyncPath,
				ProviderCerts: []string{channel.Fingerprint(gcvpCert)}})
		}
		g, err := gateway.New(gateway.Config{
			Senders: []gateway.Sender{{ID: s.Credentials.SenderID, Password: gateway.HashPassword(s.Credentials.Password),
				Certs: []string{channel.Fingerprint(portalCert)}}},
			Routes: routes,
		}, hop, s.Store)
		if err != nil {
			return err
		}
		g.Register(e)
		s.hops[gateway.SyncPath] = hop
	}
	if has(RoleProvider) {
		hop, err := s.hop("provider", pki.NameGCVP, verifier, status)
		if err != nil {
			return err
		}
		gwCert, _ := p.Cert(pki.NameGateway)
		deps := &services.Deps{Store: s.Store, Consumers: verifier, Status: status, Signer: hop.Signer, Logger: s.log}
		pr, err := provider.New(provider.Config{Gateways: []string{channel.Fingerprint(gwCert)}}, hop, s.Store,
			services.InfoServices(deps)...)
		if err != nil {
			return err
		}
		pr.Register(e)
		s.hops[provider.SyncPath] = hop
	}
	if has(RolePortal) {
		client, err := s.PortalClient(s.URL + gateway.SyncPath)
		if err != nil {
			return err
		}
		ids := []string{}
		for _, svc := range services.InfoServices(nil) {
			ids = append(ids, svc.ID())
		}
		(&portal.Handler{Client: client, Services: ids, Logger: s.log.With("role", "portal")}).Register(e)
	}
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	return nil
}

// handleError answers errors raised before a handler runs (the body limit, a wrong method) with
// a signed SOAP Fault on SOAP endpoints, and with echo's default answer elsewhere.
func (s *Server) handleError(err error, c echo.Context) {
	hop, ok := s.hops[c.Request().URL.Path]
	var he *echo.HTTPError
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
		GatewayURL: gw, SenderID: cr.SenderID, Password: cr.Password,
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

func loadCredentials(path string) (Credentials, error) {
	var c Credentials
	raw, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(raw, &c); err != nil {
			return c, fmt.Errorf("server: %s: %w", path, err)
		}
		return c, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return c, fmt.Errorf("server: credentials: %w", err)
	}
	c = Credentials{SenderID: PortalSenderID, Password: randomPassword()}
	raw, _ = json.MarshalIndent(c, "", "  ")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return c, fmt.Errorf("server: write credentials: %w", err)
	}
	return c, nil
}

// LoadCredentials reads the portal credentials that a process created in dataDir.
func LoadCredentials(dataDir string) (Credentials, error) {
	var c Credentials
	raw, err := os.ReadFile(filepath.Join(dataDir, "credentials.json"))
	if err != nil {
		return c, fmt.Errorf("credentials: %w (start `shepgate serve --data %s` once first)", err, dataDir)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("credentials: %w", err)
	}
	return c, nil
}

// Issuer returns a certificate's issuer from the PKI (for callers that check status).
func (s *Server) Issuer(c *x509.Certificate) (*x509.Certificate, bool) { return s.PKI.Issuer(c) }

func randomPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
