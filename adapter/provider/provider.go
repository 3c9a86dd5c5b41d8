// Package provider is the ГЦВП role on the ШЭП sync channel: it accepts messages that the
// gateway forwards, authenticates the hop (the gateway's signature and pinned certificate),
// refuses replays and stale messages, hands the business document to the service named by
// serviceId (adapter/services) and answers with a signed envelope whose data is the ГЦВП-signed
// result or refusal. Transport errors and errors of ГЦВП itself are signed SOAP Faults.
package provider

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
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
	// GatewayAsyncURL is the gateway's async channel, where answers go as RESPONSEs; SenderID
	// and Password are ГЦВП's credentials there. Empty: the provider serves the sync channel only.
	GatewayAsyncURL    string
	SenderID, Password string
	// Lease is how long a worker holds a request before another may take it over (default 1
	// minute): the time after which a request interrupted by a crash is processed again.
	Lease time.Duration
	// AfterStep, when set, is called after each recorded step (a test hook: `serve --test-mode`
	// uses it to crash the process mid-request).
	AfterStep func(requestID string, step services.Step)
	// OnStep and OnAnswer, when set, observe every recorded step and every answer (metrics).
	OnStep   func(serviceID string, rec services.StepRecord)
	OnAnswer func(serviceID, outcome string)
}

// Provider is the ГЦВП role.
type Provider struct {
	hop      *channel.Hop
	store    store.Store
	cfg      Config
	services map[string]services.Service
	log      *slog.Logger
	wake     chan struct{}
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
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	p := &Provider{hop: hop, store: st, cfg: cfg, services: map[string]services.Service{}, log: hop.Logger, wake: make(chan struct{}, 1)}
	if p.log == nil {
		p.log = slog.Default()
	}
	for _, s := range svcs {
		p.services[s.ID()] = s
	}
	return p, nil
}

// Register mounts the provider's endpoints on e: the sync channel and the async push endpoint.
func (p *Provider) Register(e *echo.Echo) {
	e.POST(SyncPath, p.handleSync)
	e.POST(AsyncPath, p.handleAsync)
}

func (p *Provider) handleSync(c echo.Context) error {
	ctx := c.Request().Context()
	raw, err := channel.ReadBody(c.Request().Body, p.hop.MaxBytes())
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
	req, session, err := (&channel.Behind{Hop: p.hop, Gateways: p.cfg.Gateways, Replay: p.store, Receiver: "provider",
		MaxAge: p.cfg.MaxAge, MaxFuture: p.cfg.MaxFuture}).Receive(ctx, raw)
	if err != nil {
		return nil, session, err
	}
	t := p.now()
	now := p.now
	svc, ok := p.services[req.Info.ServiceId]
	if !ok {
		return nil, session, fault.New(fault.MsgUnknownService, "serviceId %q", req.Info.ServiceId)
	}
	if req.Data == nil {
		return nil, session, fault.New(fault.MsgInvalid, "requestData/data holds no document")
	}
	doc, err := envelope.SerializeElement(req.Data)
	if err != nil {
		return nil, session, err
	}
	// The sync channel's requests are recorded like the async ones (audit trail, steps); the
	// record's ID is the sender's messageId, which the replay check made unique.
	id := "sync:" + req.SenderID() + ":" + req.Info.MessageId
	if _, err := p.store.AcceptRequest(ctx, store.ServiceRequest{ID: id, ServiceID: req.Info.ServiceId, Sender: req.SenderID(), Mode: store.ModeSync,
		Channel: channelOf(req.Data.Tag), Document: doc, Accepted: t, Deadline: t.Add(DefaultDeadline)}); err != nil {
		return nil, session, err
	}
	ans, err := svc.Handle(ctx, &services.Request{ServiceID: req.Info.ServiceId, MessageID: req.Info.MessageId, Document: req.Data,
		Steps: &stepSink{st: p.store, attempt: 1, after: p.cfg.AfterStep, id: id, serviceID: req.Info.ServiceId, observe: p.cfg.OnStep}})
	if err != nil {
		// The sender will retry with a new messageId; this record keeps the failure.
		_ = p.store.FinishSyncRequest(ctx, id, store.RequestAnswer{StatusCode: string(fault.CodeOf(err)), StatusMessage: err.Error()}, now())
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
	rdoc, err := envelope.BuildSyncResponse(resp)
	if err != nil {
		return nil, session, err
	}
	out, err := p.hop.Sign(rdoc)
	if err != nil {
		return nil, session, err
	}
	p.observeAnswer(req.Info.ServiceId, ans)
	if answer, err := envelope.SerializeElement(ans.Document); err == nil {
		if err := p.store.FinishSyncRequest(ctx, id, store.RequestAnswer{Document: answer, StatusCode: ans.StatusCode, StatusMessage: ans.StatusMessage,
			RefusalCode: string(ans.Refusal), RequestNumber: ans.RequestNumber, IIN: ans.IIN, MessageID: resp.Info.MessageId}, now()); err != nil {
			p.log.Warn("cannot record the answer", "request", id, "err", err)
		}
	}
	p.log.Info("request answered", "session", session, "service", req.Info.ServiceId,
		"messageId", req.Info.MessageId, "status", ans.StatusCode)
	return out, session, nil
}
