package envelope

import (
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/shepasync"
	"github.com/shepgate/shepgate/wsdl"
)

func doc(text string) *etree.Element {
	el := etree.NewElement("g:Doc")
	el.CreateAttr("xmlns:g", "urn:test")
	el.SetText(text)
	return el
}

func validAsync(t *testing.T, d *etree.Document) *etree.Element {
	t.Helper()
	raw, err := Serialize(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := wsdl.ValidateReference(raw, "async"); err != nil {
		t.Fatalf("reference async schema: %v\n%s", err, raw)
	}
	return reread(t, d)
}

func TestAsyncSendRoundTrip(t *testing.T) {
	when := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	d, err := BuildAsyncSend(&AsyncMessage{
		Info: shepasync.AsyncMessageInfo{MessageId: "m", CorrelationId: "c", ServiceId: "S", MessageType: TypeResponse,
			MessageDate: DateTime(when), Sender: &shepasync.SenderInfo{SenderId: "GCVP", Password: "p"}},
		Data: doc("answer"),
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadAsyncSend(validAsync(t, d), xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if m.Info.CorrelationId != "c" || m.Info.MessageType != TypeResponse || m.SenderID() != "GCVP" || !m.MessageDate().Equal(when) {
		t.Fatalf("info %+v", m.Info)
	}
	if m.Data == nil || m.Data.Text() != "answer" || m.Data.NamespaceURI() != "urn:test" {
		t.Fatalf("data %v", m.Data)
	}
	// A RESPONSE without correlationId, an unknown type: MSG_INVALID.
	for _, info := range []shepasync.AsyncMessageInfo{
		{ServiceId: "S", MessageType: TypeResponse, MessageDate: DateTime(when), Sender: &shepasync.SenderInfo{SenderId: "x"}},
		{ServiceId: "S", MessageType: "PING", MessageDate: DateTime(when), Sender: &shepasync.SenderInfo{SenderId: "x"}},
	} {
		d, _ := BuildAsyncSend(&AsyncMessage{Info: info})
		if _, err := ReadAsyncSend(reread(t, d), xmlsafe.DefaultLimits); fault.CodeOf(err) != fault.MsgInvalid {
			t.Errorf("%+v: got %v", info, err)
		}
	}
}

func TestGetMessagesRoundTrip(t *testing.T) {
	when := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	d, err := BuildGetMessages(shepasync.AsyncGetMessagesRequest{CorrelationId: "c", RequestDate: DateTime(when), ServiceId: "S",
		Sender: &shepasync.SenderInfo{SenderId: "P", Password: "pw"}, Amount: 5})
	if err != nil {
		t.Fatal(err)
	}
	req, err := ReadGetMessages(validAsync(t, d))
	if err != nil || req.CorrelationId != "c" || req.Amount != 5 || req.Sender.Password != "pw" {
		t.Fatalf("%+v %v", req, err)
	}
	sid := shepasync.Guid("{00000000-0000-4000-8000-000000000001}")
	msgs := []*AsyncMessage{
		{Info: shepasync.AsyncMessageInfo{MessageId: "1", CorrelationId: "c", ServiceId: "S", MessageType: TypeUpdate, MessageDate: DateTime(when), Sender: &shepasync.SenderInfo{SenderId: "G"}}, Data: doc("first")},
		{Info: shepasync.AsyncMessageInfo{MessageId: "2", CorrelationId: "c", ServiceId: "S", MessageType: TypeResponse, MessageDate: DateTime(when), Sender: &shepasync.SenderInfo{SenderId: "G"}}, Data: doc("second")},
	}
	d, err = BuildGetMessagesResponse(shepasync.AsyncGetMessagesResponse{ResponseDate: DateTime(when), SessionId: &sid}, msgs)
	if err != nil {
		t.Fatal(err)
	}
	_, got, err := ReadGetMessagesResponse(validAsync(t, d), xmlsafe.DefaultLimits)
	if err != nil || len(got) != 2 {
		t.Fatalf("%v %v", got, err)
	}
	if got[0].Info.MessageId != "1" || got[0].Data.Text() != "first" || got[1].Info.MessageType != TypeResponse || got[1].Data.Text() != "second" {
		t.Fatalf("messages %+v %+v", got[0], got[1])
	}
}

func TestGetMessageStatusAndFaults(t *testing.T) {
	when := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	d, _ := BuildGetMessageStatus(shepasync.AsyncGetMessageStatusRequest{MessageId: "m", RequestDate: DateTime(when), Sender: &shepasync.SenderInfo{SenderId: "P"}})
	if r, err := ReadGetMessageStatus(validAsync(t, d)); err != nil || r.MessageId != "m" {
		t.Fatalf("%+v %v", r, err)
	}
	st := shepasync.MessageStateDELIVERED
	d, _ = BuildGetMessageStatusResponse(shepasync.AsyncGetMessageStatusResponse{MessageState: &st, ResponseDate: DateTime(when),
		Status: &shepasync.MessageStatusInfo{StatusCode: "SCSS001", StatusMessage: "ok", StatusDate: DateTime(when)}})
	if r, err := ReadGetMessageStatusResponse(validAsync(t, d)); err != nil || *r.MessageState != st {
		t.Fatalf("%+v %v", r, err)
	}
	f := FaultFrom(fault.New(fault.AuthBadPassword, "x"), when, "")
	f.Element = AsyncFaultElement(OpGetMessages)
	d, err := BuildFault(f)
	if err != nil {
		t.Fatal(err)
	}
	body := validAsync(t, d)
	if _, err := ReadGetMessages(body); fault.CodeOf(err) != fault.AuthBadPassword {
		t.Fatalf("fault read as %v", err)
	}
}
