package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/shepgate/shepgate/adapter/certstatus"
	"github.com/shepgate/shepgate/adapter/server"
	"github.com/shepgate/shepgate/adapter/services"
)

// defaultFixtures is the fixture file used when it exists (make run starts in the repository).
const defaultFixtures = "testdata/people.json"

func cmdServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	data := fs.String("data", "./var", "data directory (store, test PKI, credentials)")
	roles := fs.String("roles", strings.Join(server.AllRoles, ","), "roles to run: "+strings.Join(server.AllRoles, ", "))
	testMode := fs.Bool("test-mode", false, "mount the mocks' admin API and allow test hooks (never in production)")
	scenarios := fs.String("scenarios", "", "mock scenario file to load at start (see mocks/scenario)")
	lease := fs.Duration("lease", time.Minute, "how long ГЦВП's worker holds a request before another may take it over (after a crash)")
	nucValidity := fs.Duration("nuc-validity", 10*time.Minute, "how long the НУЦ mock's OCSP answers and CRLs are valid, hence cached (set it short when steering the mock)")
	popSeed := fs.Int64("population-seed", 1, "seed of the synthetic population (ГЦВП's store, ГБД ФЛ, ЕНИС)")
	popSize := fs.Int("population-size", server.DefaultPopulationSize, "persons in the synthetic population (-1: none)")
	accounts := fs.String("accounts", "", "consumers' accounts file of the API (JSON with bcrypt hashes; see adapter/api)")
	secureCookies := fs.Bool("secure-cookies", false, "mark session cookies Secure (set it when served over HTTPS)")
	crashAfter := fs.String("crash-after-step", "", "test mode only: exit the process (status 70) right after ГЦВП records this step, to test recovery")
	fixtures := fs.String("fixtures", "", "fixture people to load into the ГЦВП store (default "+defaultFixtures+" when present)")
	publicURL := fs.String("public-url", "", "base URL others reach this process at (default http://ADDR)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	policy := fs.String("status-policy", "hard", "when the НУЦ cannot be reached (OCSP and CRL): hard refuses, soft accepts and logs a warning")
	statusTimeout := fs.Duration("status-timeout", 5*time.Second, "how long one OCSP or CRL fetch may take")
	if err := configure(fs, args, os.Getenv); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("serve takes no arguments, got %q", fs.Args())
	}
	if *crashAfter != "" && !*testMode {
		return usagef("--crash-after-step needs --test-mode")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usagef("log-level (--log-level, %s): %v", envName("log-level"), err)
	}
	var pol certstatus.Policy
	switch *policy {
	case "hard":
		pol = certstatus.HardFail
	case "soft":
		pol = certstatus.SoftFail
	default:
		return usagef("status-policy (--status-policy, %s) must be hard or soft, not %q", envName("status-policy"), *policy)
	}
	if *lease <= 0 || *statusTimeout <= 0 || *nucValidity <= 0 {
		return usagef("lease, status-timeout and nuc-validity must be positive durations")
	}
	for _, r := range strings.Split(*roles, ",") {
		if !slices.Contains(server.AllRoles, r) {
			return usagef("roles (--roles, %s): unknown role %q (known: %s)", envName("roles"), r, strings.Join(server.AllRoles, ", "))
		}
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	fx := *fixtures
	if fx == "" {
		if _, err := os.Stat(defaultFixtures); err == nil {
			fx = defaultFixtures
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := server.Config{
		Addr: *addr, DataDir: *data, Roles: strings.Split(*roles, ","), Fixtures: fx,
		PublicURL: *publicURL, Logger: log, StatusPolicy: pol, StatusTimeout: *statusTimeout,
		TestMode: *testMode, Scenarios: *scenarios, Lease: *lease, PopulationSeed: *popSeed, PopulationSize: *popSize,
		NUCValidity: *nucValidity, Accounts: *accounts, SecureCookies: *secureCookies,
	}
	if *crashAfter != "" {
		cfg.AfterStep = func(requestID string, step services.Step) {
			if string(step) == *crashAfter {
				log.Warn("test hook: crashing after step", "request", requestID, "step", step)
				os.Exit(70)
			}
		}
	}
	s, err := server.Start(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "shepgate is listening on %s\n", s.URL)
	fmt.Fprintf(stdout, "  gateway sync channel  POST %s/shep/sync   (WSDL: GET %s/shep/sync?wsdl)\n", s.URL, s.URL)
	fmt.Fprintf(stdout, "  ГЦВП provider         POST %s/gcvp/sync\n", s.URL)
	fmt.Fprintf(stdout, "  НУЦ mock              %s/nuc/ocsp, %s/nuc/crl/intermediate.crl\n", s.URL, s.URL)
	fmt.Fprintf(stdout, "  portal                POST %s/portal/services/{serviceId}/requests  (body: the consumer-signed request XML)\n", s.URL)
	fmt.Fprintf(stdout, "  consumer API          %s/api/v1 (OpenAPI: %s/api/v1/openapi.json)\n", s.URL, s.URL)
	fmt.Fprintf(stdout, "  ЦОН operator API      %s/api/v1/con\n", s.URL)
	fmt.Fprintf(stdout, "  metrics, readiness    GET  %s/metrics, %s/readyz\n", s.URL, s.URL)
	fmt.Fprintf(stdout, "  health                GET  %s/healthz\n", s.URL)
	fmt.Fprintf(stdout, "  test PKI              %s (index: pki.json)\n", s.PKI.Dir())
	if fx != "" {
		fmt.Fprintf(stdout, "  fixture people        %s\n", fx)
	}
	select {
	case <-ctx.Done():
	case err := <-s.Done():
		return fmt.Errorf("server stopped: %w", err)
	}
	log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.Shutdown(sctx)
}

func cmdMock(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("mock needs a kind: nuc, gbdfl or enis")
	}
	kind := args[0]
	switch kind {
	case server.RoleNUC, server.RoleGBDFL, server.RoleENIS:
	default:
		return usagef("unknown mock %q (known: nuc, gbdfl, enis)", kind)
	}
	fs := newFlags("mock "+kind, stderr)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	dir := fs.String("pki", "", "test PKI directory (default DATA/pki; created when missing, its certificates then point at this mock for OCSP/CRL)")
	data := fs.String("data", "./var/mock-"+kind, "data directory (replay records, the store the population is loaded into)")
	testMode := fs.Bool("test-mode", false, "mount the admin API /admin/mocks/"+kind+"/... to steer the mock")
	scenarios := fs.String("scenarios", "", "scenario file to load at start (see mocks/scenario)")
	policy := fs.String("status-policy", "hard", "certificate status of callers when the НУЦ cannot be reached: hard or soft")
	if err := configure(fs, args[1:], os.Getenv); err != nil {
		return err
	}
	pol := certstatus.HardFail
	if *policy == "soft" {
		pol = certstatus.SoftFail
	} else if *policy != "hard" {
		return usagef("--status-policy must be hard or soft")
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fx := ""
	if _, err := os.Stat(defaultFixtures); err == nil {
		fx = defaultFixtures
	}
	s, err := server.Start(ctx, server.Config{Addr: *addr, DataDir: *data, PKIDir: *dir, Roles: []string{kind},
		TestMode: *testMode, Scenarios: *scenarios, Fixtures: fx, StatusPolicy: pol, Logger: log})
	if err != nil {
		return err
	}
	switch kind {
	case server.RoleNUC:
		fmt.Fprintf(stdout, "НУЦ mock on %s: OCSP %s/nuc/ocsp, CRL %s/nuc/crl/<ca>.crl, CA %s/nuc/ca/<ca>.crt\n", s.URL, s.URL, s.URL, s.URL)
	case server.RoleGBDFL:
		fmt.Fprintf(stdout, "ГБД ФЛ mock on %s/gbdfl/sync (WSDL: ?wsdl); it answers the gateway of the PKI %s\n", s.URL, s.PKI.Dir())
	case server.RoleENIS:
		fmt.Fprintf(stdout, "ЕНИС mock on %s/enis/sync (WSDL: ?wsdl); it answers the gateway of the PKI %s\n", s.URL, s.PKI.Dir())
	}
	if *testMode {
		fmt.Fprintf(stdout, "admin API: %s/admin/mocks/%s\n", s.URL, kind)
	}
	select {
	case <-ctx.Done():
	case err := <-s.Done():
		return fmt.Errorf("mock stopped: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Shutdown(sctx)
}
