// Package tson is the ЦОН channel of service 10 (Order 485-ө-м, regulation 10, п. 7 and table 2
// of its Appendix 3): the backend of the public-service-centre operator's workstation (АРМ ИС
// ЦОН / ХҚКО АЖ АЖО) as a JSON API under /api/v1/con/, and the ЦОН information system's
// participant "CON" at the ШЭП gateway.
//
// The steps follow the regulation's ЦОН process:
//
//	process 1 / table 2 action 1   POST /login, POST /logout: the operator logs in with login and
//	                               password (bcrypt hashes in DataDir/tson/operators.json); a
//	                               session is an HttpOnly cookie plus a CSRF token that every
//	                               state-changing call carries in X-CSRF-Token
//	process 2 / action 2           POST /applications: the consumer, the period and — when a
//	                               representative acts under a notarised power of attorney —
//	                               its data (a power of attorney certified otherwise is not
//	                               entered: its scan is attached instead)
//	process 3, condition 1,        POST /applications/{id}/checks/consumer: ГБД ФЛ through the
//	actions 3–5                    gateway (GBDFL_PERSON_BY_IIN);
//	                               POST /applications/{id}/checks/power-of-attorney: ЕНИС
//	                               (ENIS_POWER_OF_ATTORNEY)
//	process 4                      a check that fails is recorded as REFUSED with its code and
//	                               the message that the data cannot be obtained (answered 200
//	                               with the recorded check); the application becomes REFUSED.
//	                               A check that cannot be made (ГБД ФЛ or ЕНИС down, the gateway
//	                               refusing) is recorded as ERROR and answered as a 502 problem:
//	                               not the consumer's fault, the operator tries again
//	process 5 / action 6           POST /applications/{id}/documents (multipart scans, SHA-256),
//	                               GET /applications/{id}/document (the StatementRequest to sign,
//	                               channel CON), POST /applications/{id}/submit (the signed
//	                               document: verified to be the operator's signature on exactly
//	                               that document, then sent to ГЦВП as an async REQUEST)
//	condition 2, processes 6–7,    GET /applications/{id}: the channel's status of the request
//	actions 7–11                   and ГЦВП's answer when it has come (fetched with getMessages);
//	                               GET /applications/{id}/result: the ГЦВП-signed statement or
//	                               refusal, also delivered to the consumer's personal cabinet
//	                               (Cabinet)
//
// Every error is application/problem+json with a stable code (problem.go; adapter/fault's codes
// for signatures, certificates and the gateway) and its Kazakh and Russian texts; validation
// errors list every invalid field.
//
// # Interpretations (the regulation is silent)
//
//   - The consumer is identified by IIN, last, first and middle names; the names must be ГБД
//     ФЛ's (case and Ё/Е aside). A deceased consumer is refused.
//   - A representative is identified by IIN and names. The power of attorney is entered with
//     number, issue date, validity and notary; ЕНИС must know it, for this principal and this
//     representative, in force today, not revoked, with a power among Options.Scopes. The
//     document sent to ГЦВП carries the power of attorney as ЕНИС confirmed it.
//   - A representative without a notarised power of attorney needs a scan of kind
//     POWER_OF_ATTORNEY; every application needs at least one scan.
//   - The operator's signature must chain to the trust roots, carry the operator's IIN, be made
//     with one of the operator's registered certificates (when any are registered) and pass the
//     НУЦ status check.
//
// # State
//
// Applications are JSON files under DataDir/tson/applications (written atomically and synced),
// with each application's scans and signed documents in a directory beside its file; results
// reach the consumer's cabinet under DataDir/tson/cabinet. Sessions and login-failure counters
// are in memory: a restart logs every operator out. The gateway hands an answer out once
// (getMessages marks it delivered): it is written to disk before the API answers.
package tson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/wssec"
)

// BasePath is the API's prefix.
const BasePath = "/api/v1/con"

// SenderID is the ЦОН information system's participant at the gateway (Options.SenderID's
// default).
const SenderID = "CON"

// Defaults of Options.
const (
	DefaultMaxScanBytes     = 10 << 20
	DefaultMaxDocumentBytes = 1 << 20
	DefaultMaxDocuments     = 20
	maxJSONBytes            = 64 << 10
)

// Options configure the ЦОН role.
type Options struct {
	// DataDir holds the role's state (DataDir/tson/...). Required.
	DataDir string
	// Hop signs with the con key of the PKI and verifies the gateway's answers (trust roots and
	// НУЦ status). Required.
	Hop *channel.Hop
	// GatewaySyncURL and GatewayAsyncURL are the gateway's channels (…/shep/sync, …/shep/async).
	GatewaySyncURL, GatewayAsyncURL string
	// SenderID (default "CON") and Password are the ЦОН's credentials at the gateway.
	SenderID, Password string
	// Gateways are the fingerprints of the gateway's certificates; Providers ГЦВП's (results);
	// ENIS ЕНИС's (its signed answers). Required.
	Gateways, Providers, ENIS []string
	// Status checks the operator's certificate at the НУЦ; nil uses Hop.Status.
	Status channel.StatusChecker
	// Seeds are the operators created when DataDir/tson/operators.json does not exist yet.
	Seeds []OperatorSeed
	// Cabinet receives results for the consumer's personal cabinet; nil: a FileCabinet under
	// DataDir/tson/cabinet.
	Cabinet Cabinet
	// Scopes are the ЕНИС power codes that cover the service; default DefaultScopes.
	Scopes []string
	// SessionIdle and SessionMax bound sessions; defaults DefaultSessionIdle, DefaultSessionMax.
	SessionIdle, SessionMax time.Duration
	// SecureCookies marks the session cookie Secure (set it behind HTTPS).
	SecureCookies bool
	// MaxScanBytes bounds one scan (default 10 MiB), MaxDocuments the scans of an application
	// (default 20), MaxDocumentBytes the signed document (default 1 MiB).
	MaxScanBytes     int64
	MaxDocuments     int
	MaxDocumentBytes int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger; default Hop.Logger, else slog.Default().
	Logger *slog.Logger
}

// CON is the ЦОН role.
type CON struct {
	opts      Options
	gw        *gatewayClient
	verifier  *wssec.Verifier
	status    channel.StatusChecker
	operators *operators
	sessions  *sessions
	apps      *appStore
	cabinet   Cabinet
	log       *slog.Logger
}

// New checks opts, opens the role's state in DataDir/tson (creating operators.json from
// opts.Seeds on first start) and returns the role.
func New(opts Options) (*CON, error) {
	switch {
	case opts.DataDir == "":
		return nil, errors.New("tson: Options.DataDir is required")
	case opts.Hop == nil || opts.Hop.Signer == nil || opts.Hop.Verifier == nil:
		return nil, errors.New("tson: Options.Hop with a signer (the con key) and a verifier is required")
	case opts.GatewaySyncURL == "" || opts.GatewayAsyncURL == "":
		return nil, errors.New("tson: the gateway's sync and async URLs are required")
	case opts.Password == "":
		return nil, errors.New("tson: the ЦОН's password at the gateway is required")
	case len(opts.Gateways) == 0 || len(opts.Providers) == 0 || len(opts.ENIS) == 0:
		return nil, errors.New("tson: the fingerprints of the gateway, ГЦВП and ЕНИС are required")
	}
	if opts.SenderID == "" {
		opts.SenderID = SenderID
	}
	if opts.Status == nil {
		opts.Status = opts.Hop.Status
	}
	if len(opts.Scopes) == 0 {
		opts.Scopes = DefaultScopes
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = DefaultSessionIdle
	}
	if opts.SessionMax <= 0 {
		opts.SessionMax = DefaultSessionMax
	}
	if opts.MaxScanBytes <= 0 {
		opts.MaxScanBytes = DefaultMaxScanBytes
	}
	if opts.MaxDocuments <= 0 {
		opts.MaxDocuments = DefaultMaxDocuments
	}
	if opts.MaxDocumentBytes <= 0 {
		opts.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	if opts.Logger == nil {
		opts.Logger = opts.Hop.Logger
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c := &CON{opts: opts, verifier: opts.Hop.Verifier, status: opts.Status, log: opts.Logger.With("role", "con"),
		sessions: newSessions(opts.SessionIdle, opts.SessionMax)}
	c.gw = &gatewayClient{hop: opts.Hop, syncURL: opts.GatewaySyncURL, asyncURL: opts.GatewayAsyncURL,
		senderID: opts.SenderID, password: opts.Password, gateways: opts.Gateways, now: c.now}
	dir := filepath.Join(opts.DataDir, "tson")
	ops, created, err := loadOperators(filepath.Join(dir, "operators.json"), opts.Seeds)
	if err != nil {
		return nil, err
	}
	if created {
		for _, s := range opts.Seeds {
			if s.Password == TestOperatorPassword {
				c.log.Warn("operator created with the documented test password; change it outside tests", "operator", s.Login)
			}
		}
	}
	c.operators = ops
	if c.apps, err = openAppStore(filepath.Join(dir, "applications")); err != nil {
		return nil, err
	}
	c.cabinet = opts.Cabinet
	if c.cabinet == nil {
		if c.cabinet, err = NewFileCabinet(filepath.Join(dir, "cabinet")); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Cabinet returns the cabinet that results are delivered to.
func (c *CON) Cabinet() Cabinet { return c.cabinet }

// Register mounts the API on e under BasePath.
func (c *CON) Register(e *echo.Echo) {
	e.POST(BasePath+"/login", c.login)
	g := e.Group(BasePath, c.requireSession)
	g.POST("/logout", c.logout)
	g.GET("/session", c.session)
	g.POST("/applications", c.createApplication)
	g.GET("/applications", c.listApplications)
	g.GET("/applications/:id", c.getApplication)
	g.POST("/applications/:id/checks/consumer", c.checkConsumer)
	g.POST("/applications/:id/checks/power-of-attorney", c.checkPowerOfAttorney)
	g.POST("/applications/:id/documents", c.uploadDocument)
	g.GET("/applications/:id/documents", c.listDocuments)
	g.GET("/applications/:id/documents/:doc", c.getDocumentScan)
	g.GET("/applications/:id/document", c.getStatementDocument)
	g.POST("/applications/:id/submit", c.submit)
	g.GET("/applications/:id/result", c.getResult)
	notFound := func(ec echo.Context) error {
		return c.problem(ec, newError(CodeNotFound, "no %s %s", ec.Request().Method, ec.Request().URL.Path))
	}
	g.Any("/*", notFound)
}

func (c *CON) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

// decodeJSON reads a JSON body of at most maxJSONBytes into v, refusing unknown fields.
func (c *CON) decodeJSON(ec echo.Context, v any) error {
	mt, _, _ := mime.ParseMediaType(ec.Request().Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEApplicationJSON {
		return newError(CodeUnsupportedMedia, "the body must be application/json, not %q", mt)
	}
	dec := json.NewDecoder(http.MaxBytesReader(ec.Response(), ec.Request().Body, maxJSONBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var v validator
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		var me *http.MaxBytesError
		switch {
		case errors.As(err, &me):
			v.add("", fmt.Sprintf("the body exceeds %d bytes", maxJSONBytes), "Сұрау салу тым үлкен", "Запрос слишком велик")
		case errors.As(err, &te):
			v.add(te.Field, fmt.Sprintf("must be a JSON %s, not %s", te.Type.Kind(), te.Value), "Өріс түрі қате", "Неверный тип поля")
		case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			v.add("", "the body is not well-formed JSON: "+err.Error(), "JSON дұрыс құрылмаған", "JSON сформирован неверно")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			v.add(f, "is not a field of this request", "Бұл сұрау салуда мұндай өріс жоқ", "Такого поля в запросе нет")
		default:
			v.add("", "the body cannot be read: "+err.Error(), "Сұрау салуды оқу мүмкін емес", "Запрос не читается")
		}
		return v.err()
	}
	if dec.More() {
		var v validator
		v.add("", "the body holds more than one JSON value", "Бір ғана JSON мәні болуы тиіс", "Допустимо только одно значение JSON")
		return v.err()
	}
	return nil
}

// statusOfOperatorCert checks the operator's certificate chain at the НУЦ when a checker is
// configured.
func (c *CON) statusOfOperatorCert(ec echo.Context, v *wssec.Verified) error {
	if c.status == nil {
		return nil
	}
	_, err := c.status.CheckChain(ec.Request().Context(), v.Chain)
	return err
}
