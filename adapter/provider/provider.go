// Package provider is the ГЦВП role on the ШЭП sync channel: it accepts messages that the
// gateway forwards, authenticates the hop (the gateway's signature and pinned certificate),
// refuses replays and stale messages, hands the business document to the service named by
// serviceId (adapter/services) and answers with a signed envelope whose data is the ГЦВП-signed
// result or refusal. Transport errors and errors of ГЦВП itself are signed SOAP Faults.
package provider

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
	"github.com/shepgate/shepgate/adapter/services"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/shepsync"
)

// SyncPath is where the provider listens for messages forwarded by the gateway.
const SyncPath = "/gcvp/sync"

// Config is the provider's policy.
type Config struct {
	// Gateways are the fingerprints of the certificates that the gateway signs with; messages
	// signed by anything else are refused.
	Gateways []string
	// MaxAge and MaxFuture bound messageDate (defaults 5 minutes and 1 minute).
	MaxAge, MaxFuture time.Duration
}

// Provider is the ГЦВП role.
type Provider struct {
	hop      *channel.Hop
	store    store.Store
	cfg      Config
	services map[string]services.Service
	log      *slog.Logger
}

// New returns a Provider serving svcs.
func New(cfg Config, hop *channel.Hop, st store.Store, svcs ...services.Service) (*Provider, error) {
	if len(cfg.Gateways) == 0 {
		return nil, errors.New("provider: at least one gateway certificate is required")
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 5 * time.Minute
	}
	if cfg.MaxFuture <= 0 {
		cfg.MaxFuture = time.Minute
	}
	p := &Provider{hop: hop, store: st, cfg: cfg, services: map[string]services.Service{}, log: hop.Logger}
	if p.log == nil {
		p.log = slog.Default()
	}
	for _, s := range svcs {
		p.services[s.ID()] = s
	}
	return p, nil
}

// Register mounts the provider's endpoint on e.
func (p *Provider) Register(e *echo.Echo) {
	e.POST(SyncPath, p.handleSync)
}

func (p *Provider) handleSync(c echo.Context) error {
	ctx := c.Request().Context()
	raw, err := channel.ReadBody(c.Request().Body, p.hop.Limits.MaxBytes)
	var out []byte
	session := ""
	if err == nil {
		out, session, err = p.process(ctx, raw)
	}
	if err != nil {
		p.log.Info("request refused", "code", fault.CodeOf(err), "err", err)
		return c.Blob(http.StatusInternalServerError, channel.ContentType, p.hop.FaultEnvelope(err, session))
	}
	return c.Blob(http.StatusOK, channel.ContentType, out)
}

func (p *Provider) process(ctx context.Context, raw []byte) ([]byte, string, error) {
	in, err := p.hop.Receive(ctx, raw)
	if err != nil {
		return nil, "", err
	}
	if !slices.Contains(p.cfg.Gateways, channel.Fingerprint(in.Cert)) {
		return nil, "", fault.New(fault.CertSenderMismatch, "the envelope is signed by %q, not by the gateway", in.Cert.Subject.CommonName)
	}
	req, err := envelope.ReadSyncRequest(in.Body, p.hop.Limits)
	if err != nil {
		return nil, "", err
	}
	session := ""
	if req.Info.SessionId != nil {
		session = string(*req.Info.SessionId)
	}
	now := time.Now
	if p.hop.Now != nil {
		now = p.hop.Now
	}
	t := now()
	date := req.MessageDate()
	if date.Before(t.Add(-p.cfg.MaxAge)) || date.After(t.Add(p.cfg.MaxFuture)) {
		return nil, session, fault.New(fault.MsgDateSkew, "messageDate %s is outside [now-%s, now+%s]", date.Format(time.RFC3339), p.cfg.MaxAge, p.cfg.MaxFuture)
	}
	if err := p.store.RememberMessage(ctx, "provider", req.SenderID(), req.Info.MessageId, t); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return nil, session, fault.New(fault.MsgReplay, "messageId %q of sender %q", req.Info.MessageId, req.SenderID())
		}
		return nil, session, fmt.Errorf("provider: replay record: %w", err)
	}
	svc, ok := p.services[req.Info.ServiceId]
	if !ok {
		return nil, session, fault.New(fault.MsgUnknownService, "serviceId %q", req.Info.ServiceId)
	}
	if req.Data == nil {
		return nil, session, fault.New(fault.MsgInvalid, "requestData/data holds no document")
	}
	ans, err := svc.Handle(ctx, &services.Request{ServiceID: req.Info.ServiceId, MessageID: req.Info.MessageId, Document: req.Data})
	if err != nil {
		return nil, session, err
	}
	resp := &envelope.SyncResponse{
		Info: shepsync.SyncMessageInfoResponse{
			MessageId:     uuid.NewString(),
			CorrelationId: req.Info.MessageId,
			ResponseDate:  envelope.DateTime(now()),
			Status:        &shepsync.StatusInfo{Code: ans.StatusCode, Message: ans.StatusMessage},
		},
		Data: ans.Document,
	}
	doc, err := envelope.BuildSyncResponse(resp)
	if err != nil {
		return nil, session, err
	}
	out, err := p.hop.Sign(doc)
	if err != nil {
		return nil, session, err
	}
	p.log.Info("request answered", "session", session, "service", req.Info.ServiceId,
		"messageId", req.Info.MessageId, "status", ans.StatusCode)
	return out, session, nil
}
