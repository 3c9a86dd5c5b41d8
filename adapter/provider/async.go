package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/services"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/shepasync"
)

// AsyncPath is the provider's IAsyncChannelClient endpoint: the gateway pushes REQUESTs here.
const AsyncPath = "/gcvp/async"

// DefaultDeadline is the regulations' total time for a request of services 1–8 (5–6 minutes).
const DefaultDeadline = 6 * time.Minute

// deadliner is a service that states its own total time norm.
type deadliner interface{ Deadline() time.Duration }

// handleAsync accepts a REQUEST pushed by the gateway: it is stored durably, acknowledged, and
// processed by the worker (RunWorker). A request pushed twice is stored once.
func (p *Provider) handleAsync(c echo.Context) error {
	ctx := c.Request().Context()
	raw, err := channel.ReadBody(c.Request().Body, p.hop.MaxBytes())
	var out []byte
	if err == nil {
		out, err = p.accept(ctx, raw)
	}
	if err != nil {
		p.log.Info("async request refused", "code", fault.CodeOf(err), "err", err)
		return c.Blob(http.StatusInternalServerError, channel.ContentType,
			p.hop.FaultEnvelopeFor(err, "", envelope.AsyncFaultElement(envelope.OpSendMessage)))
	}
	return c.Blob(http.StatusOK, channel.ContentType, out)
}

func (p *Provider) accept(ctx context.Context, raw []byte) ([]byte, error) {
	in, err := p.hop.Receive(ctx, raw)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(p.cfg.Gateways, channel.Fingerprint(in.Cert)) {
		return nil, fault.New(fault.CertSenderMismatch, "the envelope is signed by %q, not by the gateway", in.Cert.Subject.CommonName)
	}
	m, err := envelope.ReadAsyncSend(in.Body, p.hop.Limits)
	if err != nil {
		return nil, err
	}
	if m.Info.MessageType != envelope.TypeRequest || m.Info.MessageId == "" {
		return nil, fault.New(fault.MsgInvalid, "the provider takes REQUESTs with a messageId, not %s", m.Info.MessageType)
	}
	svc, ok := p.services[m.Info.ServiceId]
	if !ok {
		return nil, fault.New(fault.MsgUnknownService, "serviceId %q", m.Info.ServiceId)
	}
	if m.Data == nil {
		return nil, fault.New(fault.MsgInvalid, "messageData/data holds no document")
	}
	doc, err := envelope.SerializeElement(m.Data)
	if err != nil {
		return nil, err
	}
	now := p.now()
	deadline := DefaultDeadline
	if d, ok := svc.(deadliner); ok {
		deadline = d.Deadline()
	}
	_, err = p.store.AcceptRequest(ctx, store.ServiceRequest{
		ID: m.Info.MessageId, ServiceID: m.Info.ServiceId, Sender: m.SenderID(), Channel: channelOf(m.Data.Tag),
		Document: doc, Accepted: now, Deadline: now.Add(deadline),
	})
	switch {
	case errors.Is(err, store.ErrDuplicate):
		p.log.Info("async request pushed again", "messageId", m.Info.MessageId)
	case err != nil:
		return nil, err
	default:
		p.log.Info("async request accepted", "messageId", m.Info.MessageId, "service", m.Info.ServiceId)
		p.poke()
	}
	ack, err := envelope.BuildAsyncSendResponse(shepasync.AsyncSendMessageResponse{
		MessageId: m.Info.MessageId, CorrelationId: m.Info.CorrelationId, ResponseDate: envelope.DateTime(now), SessionId: m.Info.SessionId,
	})
	if err != nil {
		return nil, err
	}
	return p.hop.Sign(ack)
}

// channelOf tells the channel of a request from its document (the ЦОН channel's documents say
// so themselves; the portal's are the default).
func channelOf(tag string) string { return "PORTAL" }

func (p *Provider) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *Provider) now() time.Time {
	if p.hop.Now != nil {
		return p.hop.Now()
	}
	return time.Now()
}

// RunWorker processes accepted requests and hands their answers to the gateway until ctx ends.
// A request is claimed with a lease (Config.Lease): if the process dies mid-request, the request
// is claimed again when the lease runs out — after a restart, or by another machine — and its
// answer is stored and sent once.
func (p *Provider) RunWorker(ctx context.Context) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		for ctx.Err() == nil {
			r, ok, err := p.store.ClaimRequest(ctx, p.now(), p.cfg.Lease)
			if err != nil {
				p.log.Warn("worker: claim", "err", err)
				break
			}
			if !ok {
				break
			}
			// The item in hand is finished even when ctx ends (a graceful stop).
			item, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
			p.work(item, r)
			cancel()
		}
		p.answerPending(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-p.wake:
		}
	}
}

// work runs one claimed request through its service.
func (p *Provider) work(ctx context.Context, r store.ServiceRequest) {
	svc, ok := p.services[r.ServiceID]
	var ans *services.Answer
	var err error
	if !ok {
		err = fault.New(fault.MsgUnknownService, "serviceId %q is no longer served", r.ServiceID)
	} else {
		doc, perr := envelope.ParseElement(r.Document, p.hop.Limits)
		if perr != nil {
			err = perr
		} else {
			ans, err = svc.Handle(ctx, &services.Request{ServiceID: r.ServiceID, MessageID: r.ID, Document: doc,
				Steps: &stepSink{st: p.store, attempt: r.Attempts, after: p.cfg.AfterStep, serviceID: r.ServiceID, observe: p.cfg.OnStep}})
		}
	}
	now := p.now()
	if err != nil {
		wait := min(time.Duration(1<<min(r.Attempts, 6))*time.Second, time.Minute)
		p.log.Warn("request failed, will retry", "request", r.ID, "attempt", r.Attempts, "retryIn", wait, "code", fault.CodeOf(err), "err", err)
		if rerr := p.store.RetryRequest(ctx, r.ID, now.Add(wait), err.Error()); rerr != nil {
			p.log.Warn("worker: retry", "request", r.ID, "err", rerr)
		}
		return
	}
	out, err := envelope.SerializeElement(ans.Document)
	if err == nil {
		err = p.store.CompleteRequest(ctx, r.ID, store.RequestAnswer{Document: out, StatusCode: ans.StatusCode,
			StatusMessage: ans.StatusMessage, RefusalCode: string(ans.Refusal), RequestNumber: ans.RequestNumber, IIN: ans.IIN}, now)
	}
	switch {
	case errors.Is(err, store.ErrDuplicate):
		p.log.Info("request was already completed", "request", r.ID)
	case err != nil:
		p.log.Warn("worker: complete", "request", r.ID, "err", err)
	default:
		p.log.Info("request completed", "request", r.ID, "service", r.ServiceID, "status", ans.StatusCode, "attempt", r.Attempts)
		p.observeAnswer(r.ServiceID, ans)
	}
}

// answerPending sends the stored answers that have not reached the gateway yet.
func (p *Provider) answerPending(ctx context.Context) {
	if p.cfg.GatewayAsyncURL == "" {
		return
	}
	pending, err := p.store.Unanswered(ctx, 16)
	if err != nil {
		p.log.Warn("worker: unanswered", "err", err)
		return
	}
	for _, r := range pending {
		if ctx.Err() != nil {
			return
		}
		id, err := p.sendAnswer(ctx, r)
		if err != nil {
			p.log.Warn("answer not handed to the gateway yet", "request", r.ID, "err", err)
			return // the gateway is likely down: try again on the next round
		}
		if err := p.store.MarkAnswered(ctx, r.ID, id, p.now()); err != nil {
			p.log.Warn("worker: mark answered", "request", r.ID, "err", err)
		}
	}
}

// sendAnswer sends a request's answer as a RESPONSE correlated with the request.
func (p *Provider) sendAnswer(ctx context.Context, r store.ServiceRequest) (string, error) {
	doc, err := envelope.ParseElement(r.Answer.Document, p.hop.Limits)
	if err != nil {
		return "", fmt.Errorf("provider: stored answer of %s: %w", r.ID, err)
	}
	env, err := envelope.BuildAsyncSend(&envelope.AsyncMessage{
		Info: shepasync.AsyncMessageInfo{CorrelationId: r.ID, ServiceId: r.ServiceID, MessageType: envelope.TypeResponse,
			MessageDate: envelope.DateTime(p.now()), Sender: &shepasync.SenderInfo{SenderId: p.cfg.SenderID, Password: p.cfg.Password}},
		Data: doc,
	})
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	in, err := p.hop.Call(ctx, p.cfg.GatewayAsyncURL, env)
	if in != nil && !slices.Contains(p.cfg.Gateways, channel.Fingerprint(in.Cert)) {
		return "", fault.Wrap(fault.RouteBadAnswer, fault.New(fault.CertSenderMismatch, "acknowledged by %q", in.Cert.Subject.CommonName), "gateway")
	}
	if err != nil {
		return "", err
	}
	ack, err := envelope.ReadAsyncSendResponse(in.Body)
	if err != nil {
		return "", err
	}
	return ack.MessageId, nil
}

// stepSink records a request's steps in the store.
type stepSink struct {
	st      store.Store
	attempt int
	after   func(requestID string, step services.Step)
	// id, when set, is the request's record ID (else the ID the service reports).
	id string
	// serviceID and observe report the step to metrics (observe may be nil).
	serviceID string
	observe   func(serviceID string, rec services.StepRecord)
}

// observeAnswer reports an answer's outcome to metrics: OK or the refusal code.
func (p *Provider) observeAnswer(serviceID string, ans *services.Answer) {
	if p.cfg.OnAnswer == nil {
		return
	}
	outcome := "OK"
	if ans.Refusal != "" {
		outcome = string(ans.Refusal)
	}
	p.cfg.OnAnswer(serviceID, outcome)
}

// RecordStep implements services.StepSink.
func (s *stepSink) RecordStep(ctx context.Context, requestID string, rec services.StepRecord) error {
	if s.id != "" {
		requestID = s.id
	}
	err := s.st.AddStep(ctx, store.RequestStep{RequestID: requestID, Attempt: s.attempt, Step: string(rec.Step),
		Started: rec.Started, Ended: rec.Ended, Outcome: rec.Outcome, Code: string(rec.Code), NormMS: rec.Norm.Milliseconds()})
	if s.observe != nil {
		s.observe(s.serviceID, rec)
	}
	if s.after != nil {
		s.after(requestID, rec.Step)
	}
	return err
}
