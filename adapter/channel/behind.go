package channel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/store"
)

// Replay records the messageIds a receiver has seen (store.Replay).
type Replay interface {
	RememberMessage(ctx context.Context, receiver, sender, messageID string, at time.Time) error
}

// Behind is what every provider behind the gateway checks of a sync message the gateway
// forwards (ГЦВП, the ГБД ФЛ and ЕНИС mocks): the hop's checks, that the gateway signed it,
// the ШЭП metadata, the messageDate window and that the messageId was not seen before.
type Behind struct {
	Hop *Hop
	// Gateways are the fingerprints of the gateway's certificates.
	Gateways []string
	// Replay keeps the messageIds seen by Receiver.
	Replay   Replay
	Receiver string
	// MaxAge and MaxFuture bound messageDate (defaults 5 minutes and 1 minute).
	MaxAge, MaxFuture time.Duration
	// Prepare, when set, adjusts the verified Body before it is read (a provider whose contract
	// shapes data differently).
	Prepare func(body *etree.Element)
}

// Receive authenticates a forwarded SendMessage and returns it with its ШЭП session.
func (b *Behind) Receive(ctx context.Context, raw []byte) (*envelope.SyncRequest, string, error) {
	in, err := b.Hop.Receive(ctx, raw)
	if err != nil {
		return nil, "", err
	}
	if !slices.Contains(b.Gateways, Fingerprint(in.Cert)) {
		return nil, "", fault.New(fault.CertSenderMismatch, "the envelope is signed by %q, not by the gateway", in.Cert.Subject.CommonName)
	}
	if b.Prepare != nil {
		b.Prepare(in.Body)
	}
	req, err := envelope.ReadSyncRequest(in.Body, b.Hop.Limits)
	if err != nil {
		return nil, "", err
	}
	session := ""
	if req.Info.SessionId != nil {
		session = string(*req.Info.SessionId)
	}
	maxAge, maxFuture := b.MaxAge, b.MaxFuture
	if maxAge <= 0 {
		maxAge = 5 * time.Minute
	}
	if maxFuture <= 0 {
		maxFuture = time.Minute
	}
	t := b.Hop.now()
	if date := req.MessageDate(); date.Before(t.Add(-maxAge)) || date.After(t.Add(maxFuture)) {
		return req, session, fault.New(fault.MsgDateSkew, "messageDate %s is outside [now-%s, now+%s]", date.Format(time.RFC3339), maxAge, maxFuture)
	}
	if err := b.Replay.RememberMessage(ctx, b.Receiver, req.SenderID(), req.Info.MessageId, t); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return req, session, fault.New(fault.MsgReplay, "messageId %q of sender %q", req.Info.MessageId, req.SenderID())
		}
		return req, session, fmt.Errorf("%s: replay record: %w", b.Receiver, err)
	}
	return req, session, nil
}
