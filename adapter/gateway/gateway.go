// Package gateway is the ШЭП role: it receives a participant's signed message on the sync
// channel, authenticates the sender (senderId and password, and the certificate that signed the
// envelope), refuses replays and stale messages, routes by serviceId to the configured provider,
// and relays the provider's answer. Every refusal is a signed SOAP Fault with a stable code.
//
// The gateway re-signs what it forwards with its own key (it fills in sessionId and strips the
// sender's password, so the sender's signature could not survive), and it checks the provider's
// signature on the answer before relaying it. Business documents inside data pass untouched, with
// their own signatures.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/shepsync"
)

// SyncPath is where the gateway's sync channel listens.
const SyncPath = "/shep/sync"

// Sender is a participant registered at the gateway.
type Sender struct {
	// ID is the senderId of requestInfo/sender.
	ID string
	// Password is the hash of the sender's password (see HashPassword).
	Password string
	// Certs are the SHA-256 fingerprints of the certificates the sender signs with.
	Certs []string
	// PushURL is the participant's IAsyncChannelClient endpoint: async messages addressed to it
	// are pushed there. Empty means the participant pulls them with getMessages.
	PushURL string
}

// Route sends a serviceId to a provider.
type Route struct {
	ServiceID string
	// URL is the provider's sync endpoint.
	URL string
	// ProviderCerts are the fingerprints of the certificates the provider signs answers with.
	ProviderCerts []string
	// Recipient is the participant (a Sender's ID) that async REQUESTs of the service go to;
	// empty means the service is not offered on the async channel.
	Recipient string
}

// Config is the gateway's registry and policy.
type Config struct {
	Senders []Sender
	Routes  []Route
	// MaxAge bounds how old a messageDate may be (default 5 minutes); replay records are kept as
	// long, since an older message is refused by its date.
	MaxAge time.Duration
	// MaxFuture bounds how far in the future a messageDate may be (clock skew, default 1 minute).
	MaxFuture time.Duration
}

// Gateway is the ШЭП role.
type Gateway struct {
	hop     *channel.Hop
	store   store.Store
	senders map[string]Sender
	routes  map[string]Route
	maxAge  time.Duration
	maxFut  time.Duration
	log     *slog.Logger
	// wake tells the pusher that a message is waiting.
	wake chan struct{}
}

// New checks cfg and returns a Gateway.
func New(cfg Config, hop *channel.Hop, st store.Store) (*Gateway, error) {
	if hop == nil {
		return nil, errors.New("gateway: a hop is required")
	}
	g := &Gateway{hop: hop, store: st, senders: map[string]Sender{}, routes: map[string]Route{},
		maxAge: cfg.MaxAge, maxFut: cfg.MaxFuture, log: hop.Logger, wake: make(chan struct{}, 1)}
	if g.log == nil {
		g.log = slog.Default()
	}
	if g.maxAge <= 0 {
		g.maxAge = 5 * time.Minute
	}
	if g.maxFut <= 0 {
		g.maxFut = time.Minute
	}
	for _, s := range cfg.Senders {
		if s.ID == "" || s.Password == "" || len(s.Certs) == 0 {
			return nil, fmt.Errorf("gateway: sender %q needs an id, a password hash and at least one certificate", s.ID)
		}
		if _, err := parseHash(s.Password); err != nil {
			return nil, fmt.Errorf("gateway: sender %q: %w", s.ID, err)
		}
		g.senders[s.ID] = s
	}
	for _, r := range cfg.Routes {
		if r.ServiceID == "" || (r.URL == "" && r.Recipient == "") || (r.URL != "" && len(r.ProviderCerts) == 0) {
			return nil, fmt.Errorf("gateway: route %q needs a serviceId and a sync URL with the provider's certificates or an async recipient", r.ServiceID)
		}
		if r.Recipient != "" {
			if _, ok := g.senders[r.Recipient]; !ok {
				return nil, fmt.Errorf("gateway: route %q: recipient %q is not a registered participant", r.ServiceID, r.Recipient)
			}
		}
		g.routes[r.ServiceID] = r
	}
	return g, nil
}

// Register mounts the sync and async channels on e.
func (g *Gateway) Register(e *echo.Echo) {
	e.POST(SyncPath, g.handleSync)
	e.POST(AsyncPath, g.handleAsync)
}

func (g *Gateway) handleSync(c echo.Context) error {
	ctx := c.Request().Context()
	session := NewSessionID()
	raw, err := channel.ReadBody(c.Request().Body, g.hop.MaxBytes())
	var out []byte
	if err == nil {
		out, err = g.process(ctx, raw, session)
	}
	if err != nil {
		g.log.Info("sync refused", "session", session, "code", fault.CodeOf(err), "err", err)
		return c.Blob(http.StatusInternalServerError, channel.ContentType, g.hop.FaultEnvelope(err, session))
	}
	return c.Blob(http.StatusOK, channel.ContentType, out)
}

// process authenticates, routes and relays one message; it returns the signed answer.
func (g *Gateway) process(ctx context.Context, raw []byte, session string) ([]byte, error) {
	in, err := g.hop.Receive(ctx, raw)
	if err != nil {
		return nil, err
	}
	req, err := envelope.ReadSyncRequest(in.Body, g.hop.Limits)
	if err != nil {
		return nil, err
	}
	sender, err := g.authenticate(req.SenderID(), req.Info.Sender.Password, in)
	if err != nil {
		return nil, err
	}
	t := g.now()
	if err := g.checkDate(req.MessageDate(), t); err != nil {
		return nil, err
	}
	if err := g.store.RememberMessage(ctx, "gateway", sender.ID, req.Info.MessageId, t); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return nil, fault.New(fault.MsgReplay, "messageId %q of sender %q", req.Info.MessageId, sender.ID)
		}
		return nil, fmt.Errorf("gateway: replay record: %w", err)
	}
	route, ok := g.routes[req.Info.ServiceId]
	if !ok || route.URL == "" {
		return nil, fault.New(fault.MsgUnknownService, "serviceId %q is not offered on the sync channel", req.Info.ServiceId)
	}

	fwd := *req
	fwd.Info.Sender = &shepsync.SenderInfo{SenderId: sender.ID} // the password stays here
	sid := shepsync.Guid(session)
	fwd.Info.SessionId = &sid
	doc, err := envelope.BuildSyncRequest(&fwd)
	if err != nil {
		return nil, err
	}
	ans, err := g.hop.Call(ctx, route.URL, doc)
	if ans != nil && !slices.Contains(route.ProviderCerts, channel.Fingerprint(ans.Cert)) {
		return nil, fault.Wrap(fault.RouteBadAnswer, fault.New(fault.CertSenderMismatch, "answer for %q is signed by %q, not by the provider", route.ServiceID, ans.Cert.Subject.CommonName), "provider")
	}
	if err != nil {
		return nil, g.fromProvider(route.ServiceID, session, err)
	}
	resp, err := envelope.ReadSyncResponse(ans.Body, g.hop.Limits)
	if err != nil {
		return nil, err
	}
	resp.Info.SessionId = &sid
	rdoc, err := envelope.BuildSyncResponse(resp)
	if err != nil {
		return nil, err
	}
	g.log.Info("sync relayed", "session", session, "sender", sender.ID,
		"service", route.ServiceID, "messageId", req.Info.MessageId, "status", resp.Info.Status.Code)
	return g.hop.Sign(rdoc)
}

// fromProvider is what the sender is told of a failed call to a provider: the provider's own
// fault as it is (its code and detail are the provider's answer), but for an unreachable or
// garbled provider only the code and the service — the provider's address and the transport's
// error stay in the gateway's log.
func (g *Gateway) fromProvider(serviceID, session string, err error) error {
	code := fault.CodeOf(err)
	if code != fault.RouteUnavailable && code != fault.RouteBadAnswer {
		return err
	}
	g.log.Warn("provider failed", "service", serviceID, "session", session, "code", code, "err", err)
	return fault.New(code, "the provider of %s", serviceID)
}

// authenticate checks a sender's id and password and that the envelope's signer is one of its
// certificates.
func (g *Gateway) authenticate(id, password string, in *channel.Incoming) (Sender, error) {
	sender, ok := g.senders[id]
	if !ok {
		return Sender{}, fault.New(fault.AuthUnknownSender, "senderId %q is not registered", id)
	}
	if !CheckPassword(sender.Password, password) {
		return Sender{}, fault.New(fault.AuthBadPassword, "senderId %q", sender.ID)
	}
	if !slices.Contains(sender.Certs, channel.Fingerprint(in.Cert)) {
		return Sender{}, fault.New(fault.CertSenderMismatch, "the envelope is signed by %q, not by a certificate of sender %q", in.Cert.Subject.CommonName, sender.ID)
	}
	return sender, nil
}

// checkDate bounds a messageDate to [now-MaxAge, now+MaxFuture].
func (g *Gateway) checkDate(date, now time.Time) error {
	if date.Before(now.Add(-g.maxAge)) || date.After(now.Add(g.maxFut)) {
		return fault.New(fault.MsgDateSkew, "messageDate %s is outside [now-%s, now+%s]", date.Format(time.RFC3339), g.maxAge, g.maxFut)
	}
	return nil
}

func (g *Gateway) now() time.Time {
	if g.hop.Now != nil {
		return g.hop.Now()
	}
	return time.Now()
}

// NewSessionID returns a ШЭП session identifier: a random UUID in braces (common/v10 guid).
func NewSessionID() string { return "{" + uuid.NewString() + "}" }
