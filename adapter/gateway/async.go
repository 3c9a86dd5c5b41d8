package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/generated/shepasync"
)

// AsyncPath is where the gateway's async channel listens.
const AsyncPath = "/shep/async"

// Delivery policy of the async channel.
const (
	// MaxGetMessages bounds how many messages one getMessages returns.
	MaxGetMessages = 100
	// DeliveryTTL is how long the gateway keeps trying to push a message before it stops.
	DeliveryTTL = 24 * time.Hour
	// maxBackoff caps the wait between two push attempts.
	maxBackoff = time.Minute
)

// The status of a message at the gateway, in getMessageStatus's status/statusCode.
const (
	statusAccepted  = "SCSS001"
	statusDelivered = "SCSS002"
	statusFailed    = "ERRR001"
)

func (g *Gateway) handleAsync(c echo.Context) error {
	ctx := c.Request().Context()
	session := NewSessionID()
	op := envelope.OpSendMessage
	raw, err := channel.ReadBody(c.Request().Body, g.hop.MaxBytes())
	var out []byte
	if err == nil {
		op, out, err = g.processAsync(ctx, raw, session)
	}
	if err != nil {
		g.log.Info("async refused", "session", session, "operation", op, "code", fault.CodeOf(err), "err", err)
		return c.Blob(http.StatusInternalServerError, channel.ContentType,
			g.hop.FaultEnvelopeFor(err, session, envelope.AsyncFaultElement(op)))
	}
	return c.Blob(http.StatusOK, channel.ContentType, out)
}

func (g *Gateway) processAsync(ctx context.Context, raw []byte, session string) (string, []byte, error) {
	in, err := g.hop.Receive(ctx, raw)
	if err != nil {
		return envelope.OpSendMessage, nil, err
	}
	op, _, err := envelope.AsyncOperation(in.Body)
	if err != nil {
		return envelope.OpSendMessage, nil, err
	}
	var doc *etree.Document
	switch op {
	case envelope.OpSendMessage:
		doc, err = g.asyncSend(ctx, in, session)
	case envelope.OpGetMessages:
		doc, err = g.asyncGet(ctx, in, session)
	case envelope.OpGetMessageStatus:
		doc, err = g.asyncStatus(ctx, in, session)
	case envelope.OpSendDeliveryNotification:
		doc, err = g.asyncNotify(ctx, in, session)
	}
	if err != nil {
		return op, nil, err
	}
	out, err := g.hop.Sign(doc)
	return op, out, err
}

// asyncSend accepts a message: a REQUEST is routed by serviceId to the service's recipient, any
// other type goes back to the sender of the REQUEST it correlates with. The gateway assigns the
// messageId. A participant answering the same REQUEST twice (say, after a crash) gets the first
// answer's messageId back, and the answer is queued once.
func (g *Gateway) asyncSend(ctx context.Context, in *channel.Incoming, session string) (*etree.Document, error) {
	m, err := envelope.ReadAsyncSend(in.Body, g.hop.Limits)
	if err != nil {
		return nil, err
	}
	sender, err := g.authenticate(m.SenderID(), m.Info.Sender.Password, in)
	if err != nil {
		return nil, err
	}
	now := g.now()
	if err := g.checkDate(m.MessageDate(), now); err != nil {
		return nil, err
	}
	if m.Info.MessageId != "" {
		if err := g.store.RememberMessage(ctx, "gateway-async", sender.ID, m.Info.MessageId, now); err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				return nil, fault.New(fault.MsgReplay, "messageId %q of sender %q", m.Info.MessageId, sender.ID)
			}
			return nil, fmt.Errorf("gateway: replay record: %w", err)
		}
	}
	q := store.QueuedMessage{
		ID: uuid.NewString(), CorrelationID: m.Info.CorrelationId, ServiceID: m.Info.ServiceId, Type: m.Info.MessageType,
		Sender: sender.ID, SessionID: session, MessageDate: m.MessageDate(), NextAttempt: now, Created: now,
	}
	if m.Info.MessageType == envelope.TypeRequest {
		route, ok := g.routes[m.Info.ServiceId]
		if !ok || route.Recipient == "" {
			return nil, fault.New(fault.MsgUnknownService, "serviceId %q is not offered on the async channel", m.Info.ServiceId)
		}
		q.Recipient = route.Recipient
	} else {
		orig, err := g.store.QueuedMessage(ctx, m.Info.CorrelationId)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (orig.Type != envelope.TypeRequest || orig.Recipient != sender.ID)) {
			return nil, fault.New(fault.MsgInvalid, "correlationId %q names no REQUEST addressed to %q", m.Info.CorrelationId, sender.ID)
		}
		if err != nil {
			return nil, err
		}
		q.Recipient, q.ServiceID = orig.Sender, orig.ServiceID
		if m.Info.MessageType == envelope.TypeResponse {
			q.DedupKey = sender.ID + "|" + orig.ID + "|" + envelope.TypeResponse
		}
	}
	if m.Data != nil {
		if q.Data, err = envelope.SerializeElement(m.Data); err != nil {
			return nil, err
		}
	}
	q.Push = g.senders[q.Recipient].PushURL != ""
	stored, err := g.store.Enqueue(ctx, q)
	if err != nil && !errors.Is(err, store.ErrDuplicate) {
		return nil, err
	}
	if err == nil {
		g.log.Info("async accepted", "session", session, "sender", sender.ID, "recipient", q.Recipient,
			"service", q.ServiceID, "type", q.Type, "messageId", q.ID, "correlationId", q.CorrelationID)
		g.poke()
	}
	sid := shepasync.Guid(session)
	return envelope.BuildAsyncSendResponse(shepasync.AsyncSendMessageResponse{
		MessageId: stored.ID, CorrelationId: stored.CorrelationID, ResponseDate: envelope.DateTime(now), SessionId: &sid,
	})
}

// asyncGet hands a participant the messages waiting for it (its pull) and counts them delivered.
func (g *Gateway) asyncGet(ctx context.Context, in *channel.Incoming, session string) (*etree.Document, error) {
	req, err := envelope.ReadGetMessages(in.Body)
	if err != nil {
		return nil, err
	}
	sender, err := g.authenticate(req.Sender.SenderId, req.Sender.Password, in)
	if err != nil {
		return nil, err
	}
	limit := int(req.Amount)
	if limit <= 0 || limit > MaxGetMessages {
		limit = MaxGetMessages
	}
	waiting, err := g.store.Waiting(ctx, sender.ID, req.ServiceId, req.CorrelationId, req.MessageId, limit)
	if err != nil {
		return nil, err
	}
	now := g.now()
	msgs := make([]*envelope.AsyncMessage, 0, len(waiting))
	for _, q := range waiting {
		m, err := g.asyncMessage(q)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	sid := shepasync.Guid(session)
	doc, err := envelope.BuildGetMessagesResponse(shepasync.AsyncGetMessagesResponse{ResponseDate: envelope.DateTime(now), SessionId: &sid}, msgs)
	if err != nil {
		return nil, err
	}
	for _, q := range waiting {
		if err := g.store.SetDelivery(ctx, q.ID, store.StateDelivered, time.Time{}, "", now); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// asyncMessage rebuilds a queued message for delivery.
func (g *Gateway) asyncMessage(q store.QueuedMessage) (*envelope.AsyncMessage, error) {
	sid := shepasync.Guid(q.SessionID)
	m := &envelope.AsyncMessage{Info: shepasync.AsyncMessageInfo{
		MessageId: q.ID, CorrelationId: q.CorrelationID, ServiceId: q.ServiceID, MessageType: q.Type,
		MessageDate: envelope.DateTime(q.MessageDate), Sender: &shepasync.SenderInfo{SenderId: q.Sender},
	}}
	if q.SessionID != "" {
		m.Info.SessionId = &sid
	}
	if len(q.Data) > 0 {
		el, err := envelope.ParseElement(q.Data, g.hop.Limits)
		if err != nil {
			return nil, fmt.Errorf("gateway: queued message %s: %w", q.ID, err)
		}
		m.Data = el
	}
	return m, nil
}

// asyncStatus tells the sender or the recipient of a message where it is.
func (g *Gateway) asyncStatus(ctx context.Context, in *channel.Incoming, session string) (*etree.Document, error) {
	req, err := envelope.ReadGetMessageStatus(in.Body)
	if err != nil {
		return nil, err
	}
	sender, err := g.authenticate(req.Sender.SenderId, req.Sender.Password, in)
	if err != nil {
		return nil, err
	}
	q, err := g.store.QueuedMessage(ctx, req.MessageId)
	if errors.Is(err, store.ErrNotFound) || (err == nil && q.Sender != sender.ID && q.Recipient != sender.ID) {
		return nil, fault.New(fault.MsgInvalid, "no message %q of or for %q", req.MessageId, sender.ID)
	}
	if err != nil {
		return nil, err
	}
	state := shepasync.MessageState(q.State)
	code, msg := statusAccepted, "Message is being delivered"
	switch q.State {
	case store.StateDelivered:
		code, msg = statusDelivered, "Message has been delivered"
	case store.StateNotDelivered, store.StateDeliveryStopped:
		code, msg = statusFailed, "Message was not delivered: "+q.LastError
	}
	return envelope.BuildGetMessageStatusResponse(shepasync.AsyncGetMessageStatusResponse{
		MessageState: &state,
		Status:       &shepasync.MessageStatusInfo{StatusCode: code, StatusMessage: truncate(msg, 250), StatusDate: envelope.DateTime(q.Updated)},
		ResponseDate: envelope.DateTime(g.now()),
		SessionId:    session,
	})
}

// asyncNotify records a recipient's delivery notification.
func (g *Gateway) asyncNotify(ctx context.Context, in *channel.Incoming, session string) (*etree.Document, error) {
	req, err := envelope.ReadDeliveryNotification(in.Body)
	if err != nil {
		return nil, err
	}
	sender, err := g.authenticate(req.Sender.SenderId, req.Sender.Password, in)
	if err != nil {
		return nil, err
	}
	n := req.Notification
	q, err := g.store.QueuedMessage(ctx, n.MessageId)
	if errors.Is(err, store.ErrNotFound) || (err == nil && q.Recipient != sender.ID) {
		return nil, fault.New(fault.MsgInvalid, "no message %q for %q", n.MessageId, sender.ID)
	}
	if err != nil {
		return nil, err
	}
	state := store.StateDelivered
	if s := n.DeliveryStatus.ReceiveStatus; s != "" && s != "DELIVERED" && s != "OK" {
		state = store.StateNotDelivered
	}
	now := g.now()
	if err := g.store.SetDelivery(ctx, q.ID, state, time.Time{}, "", now); err != nil {
		return nil, err
	}
	sid := shepasync.Guid(session)
	return envelope.BuildDeliveryNotificationResponse(shepasync.AsyncSendDeliveryNotificationResponse{
		NotificationId: uuid.NewString(), ResponseDate: envelope.DateTime(now), SessionId: &sid,
	})
}

// poke wakes the pusher without blocking.
func (g *Gateway) poke() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// RunPusher pushes queued messages to the participants that take pushes until ctx ends. A
// failed push is retried with a growing wait (up to a minute) for DeliveryTTL; a recipient that
// refuses the message as wrong (a Client fault) makes it NOT_DELIVERED at once.
func (g *Gateway) RunPusher(ctx context.Context) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-g.wake:
		}
		g.pushDue(ctx)
	}
}

func (g *Gateway) pushDue(ctx context.Context) {
	due, err := g.store.DueForPush(ctx, g.now(), 16)
	if err != nil {
		g.log.Warn("async pusher", "err", err)
		return
	}
	for _, q := range due {
		if ctx.Err() != nil {
			return
		}
		g.push(ctx, q)
	}
}

func (g *Gateway) push(ctx context.Context, q store.QueuedMessage) {
	now := g.now()
	recipient := g.senders[q.Recipient]
	err := g.deliver(ctx, q, recipient)
	state, next, lastErr := store.StateDelivered, time.Time{}, ""
	if err != nil {
		lastErr = string(fault.CodeOf(err)) // the whole error is in the log; the sender sees the code only
		code := fault.CodeOf(err)
		switch {
		case fault.TextOf(code).Class == fault.Client && code != fault.Internal:
			state = store.StateNotDelivered
		case now.Sub(q.Created) > DeliveryTTL:
			state = store.StateDeliveryStopped
		default:
			state = store.StateOnDelivery
			wait := time.Duration(1<<min(q.Attempts, 6)) * time.Second
			next = now.Add(min(wait, maxBackoff))
		}
		g.log.Warn("async push failed", "messageId", q.ID, "recipient", q.Recipient, "attempt", q.Attempts+1, "state", state, "err", err)
	} else {
		g.log.Info("async delivered", "messageId", q.ID, "recipient", q.Recipient, "type", q.Type)
	}
	if serr := g.store.SetDelivery(ctx, q.ID, state, next, lastErr, now); serr != nil {
		g.log.Warn("async pusher", "messageId", q.ID, "err", serr)
	}
}

// deliver pushes one message to its recipient's IAsyncChannelClient endpoint and checks the
// acknowledgement.
func (g *Gateway) deliver(ctx context.Context, q store.QueuedMessage, recipient Sender) error {
	m, err := g.asyncMessage(q)
	if err != nil {
		return err
	}
	doc, err := envelope.BuildAsyncSend(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ans, err := g.hop.Call(ctx, recipient.PushURL, doc)
	if ans != nil && !slices.Contains(recipient.Certs, channel.Fingerprint(ans.Cert)) {
		return fault.Wrap(fault.RouteBadAnswer, fault.New(fault.CertSenderMismatch, "the acknowledgement is signed by %q, not by %q", ans.Cert.Subject.CommonName, recipient.ID), "push")
	}
	if err != nil {
		return err
	}
	if _, err := envelope.ReadAsyncSendResponse(ans.Body); err != nil {
		return err
	}
	return nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
