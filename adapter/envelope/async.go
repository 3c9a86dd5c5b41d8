package envelope

import (
	"encoding/xml"
	"slices"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/shepasync"
)

// NSAsync is the namespace of the ШЭП AsyncChannel v10 operations' elements.
const NSAsync = "http://bip.bee.kz/AsyncChannel/v10/Types"

// Operations of the async channel (the local names of their request elements). The participant
// push interface (IAsyncChannelClient) receives the same sendMessage element.
const (
	OpSendMessage              = "sendMessage"
	OpGetMessages              = "getMessages"
	OpGetMessageStatus         = "getMessageStatus"
	OpSendDeliveryNotification = "sendDeliveryNotification"
)

// Message types of the async channel.
const (
	TypeRequest      = "REQUEST"
	TypeResponse     = "RESPONSE"
	TypeUpdate       = "UPDATE"
	TypeNotification = "NOTIFICATION"
)

var messageTypes = []string{TypeRequest, TypeResponse, TypeUpdate, TypeNotification}

// AsyncFaultElement is the detail element of a fault answering the async operation op.
func AsyncFaultElement(op string) xml.Name {
	return xml.Name{Space: NSAsync, Local: op + "Fault1_" + op + "Fault"}
}

// AsyncMessage is a message of the async channel: its metadata and its business document.
type AsyncMessage struct {
	Info shepasync.AsyncMessageInfo
	// Data is the business document of messageData/data; nil when there is none.
	Data *etree.Element
}

// MessageDate returns messageInfo/messageDate (zero when absent or malformed).
func (m *AsyncMessage) MessageDate() time.Time { return m.Info.MessageDate.ToGoTime() }

// SenderID returns messageInfo/sender/senderId.
func (m *AsyncMessage) SenderID() string {
	if m.Info.Sender == nil {
		return ""
	}
	return m.Info.Sender.SenderId
}

// AsyncOperation returns the async operation that a (verified) Body holds and its element.
func AsyncOperation(body *etree.Element) (string, *etree.Element, error) {
	p, err := Payload(body)
	if err != nil {
		return "", nil, err
	}
	if p.NamespaceURI() != NSAsync {
		return "", nil, fault.New(fault.MsgInvalid, "Body holds {%s}%s, not an async channel operation", p.NamespaceURI(), p.Tag)
	}
	switch p.Tag {
	case OpSendMessage, OpGetMessages, OpGetMessageStatus, OpSendDeliveryNotification:
		return p.Tag, p, nil
	}
	return "", nil, fault.New(fault.MsgInvalid, "unknown async operation %s", p.Tag)
}

// BuildAsyncSend returns an unsigned sendMessage envelope holding m.
func BuildAsyncSend(m *AsyncMessage) (*etree.Document, error) {
	info := m.Info
	payload, err := marshalPayload(&shepasync.SendMessage{Request: &shepasync.AsyncSendMessageRequest{
		MessageInfo: &info, MessageData: &shepasync.MessageData{},
	}})
	if err != nil {
		return nil, err
	}
	setData(payload, "messageData", m.Data)
	return New(payload), nil
}

// ReadAsyncSend reads a sendMessage from a (verified) Body and checks what the v10 contract
// requires: serviceId, a known messageType, messageDate, sender, and a correlationId for every
// type but REQUEST. messageId is the gateway's to assign and may be empty.
func ReadAsyncSend(body *etree.Element, lim xmlsafe.Limits) (*AsyncMessage, error) {
	op, p, err := AsyncOperation(body)
	if err != nil {
		return nil, err
	}
	if op != OpSendMessage {
		return nil, fault.New(fault.MsgInvalid, "Body holds %s, want sendMessage", op)
	}
	var sm shepasync.SendMessage
	if err := withoutData(p, "messageData", func() error { return unmarshalPayload(p, &sm) }); err != nil {
		return nil, err
	}
	if sm.Request == nil || sm.Request.MessageInfo == nil {
		return nil, fault.New(fault.MsgInvalid, "sendMessage has no request/messageInfo")
	}
	m := &AsyncMessage{Info: *sm.Request.MessageInfo}
	switch {
	case m.Info.ServiceId == "":
		return nil, fault.New(fault.MsgInvalid, "messageInfo/serviceId is required")
	case !slices.Contains(messageTypes, m.Info.MessageType):
		return nil, fault.New(fault.MsgInvalid, "messageInfo/messageType %q is not one of %v", m.Info.MessageType, messageTypes)
	case m.Info.MessageType != TypeRequest && m.Info.CorrelationId == "":
		return nil, fault.New(fault.MsgInvalid, "messageInfo/correlationId is required for a %s", m.Info.MessageType)
	case m.MessageDate().IsZero():
		return nil, fault.New(fault.MsgInvalid, "messageInfo/messageDate is required and must be an xsd:dateTime")
	case m.SenderID() == "":
		return nil, fault.New(fault.MsgInvalid, "messageInfo/sender/senderId is required")
	}
	req := child(p, "request")
	if md := child(req, "messageData"); md != nil {
		if m.Data, err = readData(child(md, "data"), lim); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// BuildAsyncSendResponse returns an unsigned sendMessageResponse envelope.
func BuildAsyncSendResponse(r shepasync.AsyncSendMessageResponse) (*etree.Document, error) {
	payload, err := marshalPayload(&shepasync.SendMessageResponse{Response: &r})
	if err != nil {
		return nil, err
	}
	return New(payload), nil
}

// ReadAsyncSendResponse reads a sendMessageResponse; a Fault is returned as its *fault.Error.
func ReadAsyncSendResponse(body *etree.Element) (*shepasync.AsyncSendMessageResponse, error) {
	var v shepasync.SendMessageResponse
	if err := readPayload(body, "sendMessageResponse", &v); err != nil {
		return nil, err
	}
	if v.Response == nil || v.Response.MessageId == "" {
		return nil, fault.New(fault.MsgInvalid, "sendMessageResponse has no response/messageId")
	}
	return v.Response, nil
}

// BuildGetMessages returns an unsigned getMessages envelope.
func BuildGetMessages(r shepasync.AsyncGetMessagesRequest) (*etree.Document, error) {
	payload, err := marshalPayload(&shepasync.GetMessages{Request: &r})
	if err != nil {
		return nil, err
	}
	return New(payload), nil
}

// ReadGetMessages reads a getMessages request.
func ReadGetMessages(body *etree.Element) (*shepasync.AsyncGetMessagesRequest, error) {
	var v shepasync.GetMessages
	if err := readPayload(body, OpGetMessages, &v); err != nil {
		return nil, err
	}
	if v.Request == nil || v.Request.Sender == nil || v.Request.Sender.SenderId == "" {
		return nil, fault.New(fault.MsgInvalid, "getMessages needs request/sender/senderId")
	}
	return v.Request, nil
}

// BuildGetMessagesResponse returns an unsigned getMessagesResponse envelope holding msgs.
func BuildGetMessagesResponse(meta shepasync.AsyncGetMessagesResponse, msgs []*AsyncMessage) (*etree.Document, error) {
	meta.Messages = nil
	for _, m := range msgs {
		info := m.Info
		meta.Messages = append(meta.Messages, &shepasync.AsyncMessage{MessageInfo: &info, MessageData: &shepasync.MessageData{}})
	}
	payload, err := marshalPayload(&shepasync.GetMessagesResponse{Response: &meta})
	if err != nil {
		return nil, err
	}
	resp := child(payload, "response")
	i := 0
	for _, el := range resp.ChildElements() {
		if el.Tag != "messages" {
			continue
		}
		md := child(el, "messageData")
		data := child(md, "data")
		for _, c := range data.Child {
			data.RemoveChild(c)
		}
		if d := msgs[i].Data; d != nil {
			if p := d.Parent(); p != nil {
				p.RemoveChild(d)
			}
			data.AddChild(d)
		}
		i++
	}
	return New(payload), nil
}

// ReadGetMessagesResponse reads a getMessagesResponse and its messages with their documents.
func ReadGetMessagesResponse(body *etree.Element, lim xmlsafe.Limits) (*shepasync.AsyncGetMessagesResponse, []*AsyncMessage, error) {
	if f, ok := ReadFault(body); ok {
		return nil, nil, f.Err()
	}
	op, p, err := payloadIn(body, NSAsync)
	if err != nil {
		return nil, nil, err
	}
	if op != "getMessagesResponse" {
		return nil, nil, fault.New(fault.MsgInvalid, "Body holds %s, want getMessagesResponse", op)
	}
	resp := child(p, "response")
	if resp == nil {
		return nil, nil, fault.New(fault.MsgInvalid, "getMessagesResponse has no response")
	}
	// Decode the metadata without the documents, then read each document as an element.
	var datas []*etree.Element
	for _, el := range resp.ChildElements() {
		if el.Tag == "messages" {
			var d *etree.Element
			if md := child(el, "messageData"); md != nil {
				d = child(md, "data")
			}
			datas = append(datas, d)
		}
	}
	detached := detach(datas)
	var v shepasync.GetMessagesResponse
	err = unmarshalPayload(p, &v)
	detached.restore()
	if err != nil {
		return nil, nil, err
	}
	if v.Response == nil || len(v.Response.Messages) != len(datas) {
		return nil, nil, fault.New(fault.MsgInvalid, "getMessagesResponse does not decode")
	}
	var msgs []*AsyncMessage
	for i, m := range v.Response.Messages {
		if m.MessageInfo == nil {
			return nil, nil, fault.New(fault.MsgInvalid, "message %d has no messageInfo", i+1)
		}
		am := &AsyncMessage{Info: *m.MessageInfo}
		if am.Data, err = readData(datas[i], lim); err != nil {
			return nil, nil, err
		}
		msgs = append(msgs, am)
	}
	return v.Response, msgs, nil
}

// BuildGetMessageStatus returns an unsigned getMessageStatus envelope.
func BuildGetMessageStatus(r shepasync.AsyncGetMessageStatusRequest) (*etree.Document, error) {
	payload, err := marshalPayload(&shepasync.GetMessageStatus{Request: &r})
	if err != nil {
		return nil, err
	}
	return New(payload), nil
}

// ReadGetMessageStatus reads a getMessageStatus request.
func ReadGetMessageStatus(body *etree.Element) (*shepasync.AsyncGetMessageStatusRequest, error) {
	var v shepasync.GetMessageStatus
	if err := readPayload(body, OpGetMessageStatus, &v); err != nil {
		return nil, err
	}
	if v.Request == nil || v.Request.MessageId == "" || v.Request.Sender == nil || v.Request.Sender.SenderId == "" {
		return nil, fault.New(fault.MsgInvalid, "getMessageStatus needs request/messageId and request/sender/senderId")
	}
	return v.Request, nil
}

// BuildGetMessageStatusResponse returns an unsigned getMessageStatusResponse envelope.
func BuildGetMessageStatusResponse(r shepasync.AsyncGetMessageStatusResponse) (*etree.Document, error) {
	payload, err := marshalPayload(&shepasync.GetMessageStatusResponse{Response: &r})
	if err != nil {
		return nil, err
	}
	return New(payload), nil
}

// ReadGetMessageStatusResponse reads a getMessageStatusResponse.
func ReadGetMessageStatusResponse(body *etree.Element) (*shepasync.AsyncGetMessageStatusResponse, error) {
	var v shepasync.GetMessageStatusResponse
	if err := readPayload(body, "getMessageStatusResponse", &v); err != nil {
		return nil, err
	}
	if v.Response == nil || v.Response.MessageState == nil {
		return nil, fault.New(fault.MsgInvalid, "getMessageStatusResponse has no messageState")
	}
	return v.Response, nil
}

// BuildDeliveryNotification returns an unsigned sendDeliveryNotification envelope.
func BuildDeliveryNotification(r shepasync.AsyncSendDeliveryNotificationRequest) (*etree.Document, error) {
	payload, err := marshalPayload(&shepasync.SendDeliveryNotification{Request: &r})
	if err != nil {
		return nil, err
	}
	return New(payload), nil
}

// ReadDeliveryNotification reads a sendDeliveryNotification request.
func ReadDeliveryNotification(body *etree.Element) (*shepasync.AsyncSendDeliveryNotificationRequest, error) {
	var v shepasync.SendDeliveryNotification
	if err := readPayload(body, OpSendDeliveryNotification, &v); err != nil {
		return nil, err
	}
	if v.Request == nil || v.Request.Notification == nil || v.Request.Notification.MessageId == "" ||
		v.Request.Notification.DeliveryStatus == nil || v.Request.Sender == nil || v.Request.Sender.SenderId == "" {
		return nil, fault.New(fault.MsgInvalid, "sendDeliveryNotification needs notification/messageId, deliveryStatus and sender")
	}
	return v.Request, nil
}

// BuildDeliveryNotificationResponse returns an unsigned sendDeliveryNotificationResponse envelope.
func BuildDeliveryNotificationResponse(r shepasync.AsyncSendDeliveryNotificationResponse) (*etree.Document, error) {
	payload, err := marshalPayload(&shepasync.SendDeliveryNotificationResponse{Response: &r})
	if err != nil {
		return nil, err
	}
	return New(payload), nil
}

// readPayload decodes the async element local (in NSAsync) of a Body into v; a Fault is
// returned as its *fault.Error.
func readPayload(body *etree.Element, local string, v any) error {
	if f, ok := ReadFault(body); ok {
		return f.Err()
	}
	op, p, err := payloadIn(body, NSAsync)
	if err != nil {
		return err
	}
	if op != local {
		return fault.New(fault.MsgInvalid, "Body holds %s, want %s", op, local)
	}
	return unmarshalPayload(p, v)
}

func payloadIn(body *etree.Element, ns string) (string, *etree.Element, error) {
	p, err := Payload(body)
	if err != nil {
		return "", nil, err
	}
	if p.NamespaceURI() != ns {
		return "", nil, fault.New(fault.MsgInvalid, "Body holds {%s}%s, want an element of %s", p.NamespaceURI(), p.Tag, ns)
	}
	return p.Tag, p, nil
}

// detachment remembers elements taken out of their parents, to put them back.
type detachment []struct {
	parent *etree.Element
	index  int
	el     *etree.Element
}

// detach takes the (non-nil) elements out of their parents, last first.
func detach(els []*etree.Element) detachment {
	var d detachment
	for i := len(els) - 1; i >= 0; i-- {
		el := els[i]
		if el == nil || el.Parent() == nil {
			continue
		}
		p, idx := el.Parent(), el.Index()
		p.RemoveChildAt(idx)
		d = append(d, struct {
			parent *etree.Element
			index  int
			el     *etree.Element
		}{p, idx, el})
	}
	return d
}

// restore puts the elements back where they were.
func (d detachment) restore() {
	for i := len(d) - 1; i >= 0; i-- {
		d[i].parent.InsertChildAt(d[i].index, d[i].el)
	}
}
