package envelope

import (
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/shepsync"
)

// SyncRequest is a SendMessage of the sync channel: the ШЭП metadata and the business document.
type SyncRequest struct {
	Info shepsync.SyncMessageInfo
	// Data is the business document carried in requestData/data; nil when there is none.
	Data *etree.Element
}

// SyncResponse is a SendMessageResponse of the sync channel.
type SyncResponse struct {
	Info shepsync.SyncMessageInfoResponse
	Data *etree.Element
}

// MessageDate returns requestInfo/messageDate as a time (zero when absent or malformed).
func (r *SyncRequest) MessageDate() time.Time { return r.Info.MessageDate.ToGoTime() }

// SenderID returns requestInfo/sender/senderId ("" when absent).
func (r *SyncRequest) SenderID() string {
	if r.Info.Sender == nil {
		return ""
	}
	return r.Info.Sender.SenderId
}

// BuildSyncRequest returns an unsigned envelope holding r.
func BuildSyncRequest(r *SyncRequest) (*etree.Document, error) {
	info := r.Info
	payload, err := marshalPayload(&shepsync.SendMessage{Request: &shepsync.SyncSendMessageRequest{
		RequestInfo: &info,
		RequestData: &shepsync.RequestData{},
	}})
	if err != nil {
		return nil, err
	}
	setData(payload, "requestData", r.Data)
	return New(payload), nil
}

// ReadSyncRequest reads a SendMessage from a (verified) Body and checks the fields that the v10
// contract requires.
func ReadSyncRequest(body *etree.Element, lim xmlsafe.Limits) (*SyncRequest, error) {
	p, err := Payload(body)
	if err != nil {
		return nil, err
	}
	if p.Tag != "SendMessage" || p.NamespaceURI() != NSSync {
		return nil, fault.New(fault.MsgInvalid, "Body holds {%s}%s, want {%s}SendMessage", p.NamespaceURI(), p.Tag, NSSync)
	}
	var sm shepsync.SendMessage
	if err := withoutData(p, "requestData", func() error { return unmarshalPayload(p, &sm) }); err != nil {
		return nil, err
	}
	if sm.Request == nil || sm.Request.RequestInfo == nil {
		return nil, fault.New(fault.MsgInvalid, "SendMessage has no request/requestInfo")
	}
	r := &SyncRequest{Info: *sm.Request.RequestInfo}
	switch {
	case r.Info.MessageId == "":
		return nil, fault.New(fault.MsgInvalid, "requestInfo/messageId is required")
	case r.Info.ServiceId == "":
		return nil, fault.New(fault.MsgInvalid, "requestInfo/serviceId is required")
	case r.MessageDate().IsZero():
		return nil, fault.New(fault.MsgInvalid, "requestInfo/messageDate is required and must be an xsd:dateTime")
	case r.SenderID() == "":
		return nil, fault.New(fault.MsgInvalid, "requestInfo/sender/senderId is required")
	}
	req := child(p, "request")
	rd := child(req, "requestData")
	if rd == nil {
		return nil, fault.New(fault.MsgInvalid, "request/requestData is required")
	}
	if r.Data, err = readData(child(rd, "data"), lim); err != nil {
		return nil, err
	}
	return r, nil
}

// BuildSyncResponse returns an unsigned envelope holding r.
func BuildSyncResponse(r *SyncResponse) (*etree.Document, error) {
	info := r.Info
	payload, err := marshalPayload(&shepsync.SendMessageResponse{Response: &shepsync.SyncSendMessageResponse{
		ResponseInfo: &info,
		ResponseData: &shepsync.ResponseData{},
	}})
	if err != nil {
		return nil, err
	}
	setData(payload, "responseData", r.Data)
	return New(payload), nil
}

// ReadSyncResponse reads a SendMessageResponse from a (verified) Body. A SOAP Fault in the Body
// is returned as a *fault.Error carrying the fault's code (see ReadFault).
func ReadSyncResponse(body *etree.Element, lim xmlsafe.Limits) (*SyncResponse, error) {
	if f, ok := ReadFault(body); ok {
		return nil, f.Err()
	}
	p, err := Payload(body)
	if err != nil {
		return nil, err
	}
	if p.Tag != "SendMessageResponse" || p.NamespaceURI() != NSSync {
		return nil, fault.New(fault.MsgInvalid, "Body holds {%s}%s, want {%s}SendMessageResponse", p.NamespaceURI(), p.Tag, NSSync)
	}
	var sm shepsync.SendMessageResponse
	if err := withoutData(p, "responseData", func() error { return unmarshalPayload(p, &sm) }); err != nil {
		return nil, err
	}
	if sm.Response == nil || sm.Response.ResponseInfo == nil || sm.Response.ResponseInfo.Status == nil {
		return nil, fault.New(fault.MsgInvalid, "SendMessageResponse has no response/responseInfo/status")
	}
	r := &SyncResponse{Info: *sm.Response.ResponseInfo}
	resp := child(p, "response")
	if rd := child(resp, "responseData"); rd != nil {
		if r.Data, err = readData(child(rd, "data"), lim); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// withoutData runs fn while the data element below payload/*/container is detached, so that the
// metadata is decoded without serializing and re-reading the business document (which may be
// megabytes); the element is put back where it was.
func withoutData(payload *etree.Element, container string, fn func() error) error {
	var data *etree.Element
	if kids := payload.ChildElements(); len(kids) == 1 {
		if cont := child(kids[0], container); cont != nil {
			data = child(cont, "data")
		}
	}
	d := detach([]*etree.Element{data})
	defer d.restore()
	return fn()
}
