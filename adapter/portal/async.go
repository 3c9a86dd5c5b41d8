package portal

import (
	"context"
	"slices"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/generated/shepasync"
	"github.com/shepgate/shepgate/generated/shepsync"
)

// SendAsync submits a signed document to the service as a REQUEST on the async channel, as the
// portal does for the e-services, and returns the messageId the gateway gave it: the handle to
// the request's status and answer.
func (c *Client) SendAsync(ctx context.Context, serviceID string, signed *etree.Element) (string, error) {
	doc, err := envelope.BuildAsyncSend(&envelope.AsyncMessage{
		Info: shepasync.AsyncMessageInfo{ServiceId: serviceID, MessageType: envelope.TypeRequest, MessageDate: envelope.DateTime(c.now()),
			Sender: &shepasync.SenderInfo{SenderId: c.SenderID, Password: c.Password}},
		Data: signed,
	})
	if err != nil {
		return "", err
	}
	in, err := c.callGateway(ctx, doc)
	if err != nil {
		return "", err
	}
	ack, err := envelope.ReadAsyncSendResponse(in.Body)
	if err != nil {
		return "", err
	}
	return ack.MessageId, nil
}

// Status asks the gateway where a message is: ON_DELIVERY, DELIVERED, NOT_DELIVERED or
// DELIVERY_STOPPED (the channel's message status, which the status view follows).
func (c *Client) Status(ctx context.Context, messageID string) (*shepasync.AsyncGetMessageStatusResponse, error) {
	doc, err := envelope.BuildGetMessageStatus(shepasync.AsyncGetMessageStatusRequest{MessageId: messageID,
		RequestDate: envelope.DateTime(c.now()), Sender: &shepasync.SenderInfo{SenderId: c.SenderID, Password: c.Password}})
	if err != nil {
		return nil, err
	}
	in, err := c.callGateway(ctx, doc)
	if err != nil {
		return nil, err
	}
	return envelope.ReadGetMessageStatusResponse(in.Body)
}

// Poll fetches the answer to a request if it has come: (nil, nil) when it has not yet.
func (c *Client) Poll(ctx context.Context, serviceID, messageID string) (*Answer, error) {
	doc, err := envelope.BuildGetMessages(shepasync.AsyncGetMessagesRequest{CorrelationId: messageID, ServiceId: serviceID,
		RequestDate: envelope.DateTime(c.now()), Sender: &shepasync.SenderInfo{SenderId: c.SenderID, Password: c.Password}, Amount: 10})
	if err != nil {
		return nil, err
	}
	in, err := c.callGateway(ctx, doc)
	if err != nil {
		return nil, err
	}
	meta, msgs, err := envelope.ReadGetMessagesResponse(in.Body, c.Hop.Limits)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.Info.MessageType != envelope.TypeResponse {
			continue
		}
		resp := &envelope.SyncResponse{Data: m.Data, Info: shepsync.SyncMessageInfoResponse{MessageId: m.Info.MessageId,
			CorrelationId: m.Info.CorrelationId, Status: &shepsync.StatusInfo{}}}
		if meta.SessionId != nil {
			sid := shepsync.Guid(*meta.SessionId)
			resp.Info.SessionId = &sid
		}
		a, err := c.readAnswer(resp)
		if err != nil {
			return nil, err
		}
		// The async RESPONSE has no status element: the document tells the outcome.
		a.Status.Code, a.Status.Message = statusOf(a)
		return a, nil
	}
	return nil, nil
}

// Await polls for the answer every interval until it comes or ctx ends.
func (c *Client) Await(ctx context.Context, serviceID, messageID string, interval time.Duration) (*Answer, error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for i := 0; ; i++ {
		a, err := c.Poll(ctx, serviceID, messageID)
		if err != nil || a != nil {
			return a, err
		}
		if i%10 == 9 {
			// Now and then, ask whether the request could be delivered at all.
			st, err := c.Status(ctx, messageID)
			if err != nil {
				return nil, err
			}
			if s := *st.MessageState; s == shepasync.MessageStateNOT_DELIVERED || s == shepasync.MessageStateDELIVERY_STOPPED {
				msg := ""
				if st.Status != nil {
					msg = st.Status.StatusMessage
				}
				return nil, fault.New(fault.RouteUnavailable, "request %s was not delivered (%s): %s", messageID, s, msg)
			}
		}
		select {
		case <-ctx.Done():
			return nil, fault.Wrap(fault.RouteUnavailable, ctx.Err(), "no answer to %s yet", messageID)
		case <-t.C:
		}
	}
}

func statusOf(a *Answer) (string, string) {
	if a.Refusal != nil {
		return a.Refusal.Code, a.Refusal.MessageKk + " / " + a.Refusal.MessageRu
	}
	return "SCSS001", "Message has been processed successfully"
}

// callGateway signs doc, sends it to the gateway's async channel and checks it is the gateway
// that answered.
func (c *Client) callGateway(ctx context.Context, doc *etree.Document) (*channel.Incoming, error) {
	in, err := c.Hop.Call(ctx, c.AsyncURL, doc)
	if in != nil && !slices.Contains(c.Gateways, channel.Fingerprint(in.Cert)) {
		return nil, fault.Wrap(fault.RouteBadAnswer, fault.New(fault.CertSenderMismatch, "the answer is signed by %q, not by the gateway", in.Cert.Subject.CommonName), "gateway")
	}
	return in, err
}
