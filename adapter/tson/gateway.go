package tson

import (
	"context"
	"slices"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/generated/shepasync"
	"github.com/shepgate/shepgate/generated/shepsync"
)

// gatewayClient is the ЦОН's participant at the gateway: the exchanges of portal.Client
// (sync SendMessage, async sendMessage, getMessageStatus, getMessages) for answers that are not
// those of services 1–8. Every envelope is signed with the con key; every answer must be signed
// by the gateway.
type gatewayClient struct {
	hop                *channel.Hop
	syncURL, asyncURL  string
	senderID, password string
	gateways           []string
	now                func() time.Time
}

// call sends doc to a sync service and returns the answer.
func (g *gatewayClient) call(ctx context.Context, serviceID string, doc *etree.Element) (*envelope.SyncResponse, string, error) {
	id := uuid.NewString()
	env, err := envelope.BuildSyncRequest(&envelope.SyncRequest{
		Info: shepsync.SyncMessageInfo{MessageId: id, ServiceId: serviceID, MessageDate: envelope.DateTime(g.now()),
			Sender: &shepsync.SenderInfo{SenderId: g.senderID, Password: g.password}},
		Data: doc,
	})
	if err != nil {
		return nil, id, err
	}
	in, err := g.exchange(ctx, g.syncURL, env)
	if err != nil {
		return nil, id, err
	}
	resp, err := envelope.ReadSyncResponse(in.Body, g.hop.Limits)
	if err != nil {
		return nil, id, fault.Wrap(fault.RouteBadAnswer, err, "the answer to %s", serviceID)
	}
	return resp, id, nil
}

// send submits a signed document as an async REQUEST and returns the gateway's messageId.
func (g *gatewayClient) send(ctx context.Context, serviceID string, signed *etree.Element) (string, error) {
	doc, err := envelope.BuildAsyncSend(&envelope.AsyncMessage{
		Info: shepasync.AsyncMessageInfo{MessageId: uuid.NewString(), ServiceId: serviceID, MessageType: envelope.TypeRequest,
			MessageDate: envelope.DateTime(g.now()), Sender: &shepasync.SenderInfo{SenderId: g.senderID, Password: g.password}},
		Data: signed,
	})
	if err != nil {
		return "", err
	}
	in, err := g.exchange(ctx, g.asyncURL, doc)
	if err != nil {
		return "", err
	}
	ack, err := envelope.ReadAsyncSendResponse(in.Body)
	if err != nil {
		return "", fault.Wrap(fault.RouteBadAnswer, err, "the gateway's acknowledgement")
	}
	if ack.MessageId == "" {
		return "", fault.New(fault.RouteBadAnswer, "the gateway acknowledged the request without a messageId")
	}
	return ack.MessageId, nil
}

// status asks where a message is.
func (g *gatewayClient) status(ctx context.Context, messageID string) (*shepasync.AsyncGetMessageStatusResponse, error) {
	doc, err := envelope.BuildGetMessageStatus(shepasync.AsyncGetMessageStatusRequest{MessageId: messageID,
		RequestDate: envelope.DateTime(g.now()), Sender: &shepasync.SenderInfo{SenderId: g.senderID, Password: g.password}})
	if err != nil {
		return nil, err
	}
	in, err := g.exchange(ctx, g.asyncURL, doc)
	if err != nil {
		return nil, err
	}
	st, err := envelope.ReadGetMessageStatusResponse(in.Body)
	if err != nil {
		return nil, fault.Wrap(fault.RouteBadAnswer, err, "the gateway's message status")
	}
	return st, nil
}

// fetch takes the RESPONSE to a request if it has come (nil when not yet). The gateway counts
// what it hands out as delivered: the caller must keep it.
func (g *gatewayClient) fetch(ctx context.Context, serviceID, messageID string) (*envelope.AsyncMessage, error) {
	doc, err := envelope.BuildGetMessages(shepasync.AsyncGetMessagesRequest{CorrelationId: messageID, ServiceId: serviceID,
		RequestDate: envelope.DateTime(g.now()), Sender: &shepasync.SenderInfo{SenderId: g.senderID, Password: g.password}, Amount: 10})
	if err != nil {
		return nil, err
	}
	in, err := g.exchange(ctx, g.asyncURL, doc)
	if err != nil {
		return nil, err
	}
	_, msgs, err := envelope.ReadGetMessagesResponse(in.Body, g.hop.Limits)
	if err != nil {
		return nil, fault.Wrap(fault.RouteBadAnswer, err, "the gateway's messages")
	}
	for _, m := range msgs {
		if m.Info.MessageType == envelope.TypeResponse && m.Info.CorrelationId == messageID {
			return m, nil
		}
	}
	return nil, nil
}

// exchange signs doc, posts it and checks that the gateway answered.
func (g *gatewayClient) exchange(ctx context.Context, url string, doc *etree.Document) (*channel.Incoming, error) {
	in, err := g.hop.Call(ctx, url, doc)
	if in != nil && !slices.Contains(g.gateways, channel.Fingerprint(in.Cert)) {
		return nil, fault.Wrap(fault.RouteBadAnswer, fault.New(fault.CertSenderMismatch, "the answer is signed by %q, not by the gateway", in.Cert.Subject.CommonName), "gateway")
	}
	return in, err
}
