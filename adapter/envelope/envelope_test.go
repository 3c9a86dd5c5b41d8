package envelope

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/generated/shepsync"
	"github.com/shepgate/shepgate/wsdl"
)

func parse(t *testing.T, s string) *etree.Document {
	t.Helper()
	doc, err := xmlsafe.Parse([]byte(s), xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func reread(t *testing.T, doc *etree.Document) *etree.Element {
	t.Helper()
	raw, err := Serialize(doc)
	if err != nil {
		t.Fatal(err)
	}
	body, err := Check(parse(t, string(raw)))
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	return body
}

func TestSyncRequestRoundTrip(t *testing.T) {
	data := etree.NewElement("g:Doc")
	data.CreateAttr("xmlns:g", "urn:test")
	data.CreateElement("g:iin").SetText("880512310210")
	when := time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("+05", 5*3600))
	doc, err := BuildSyncRequest(&SyncRequest{
		Info: shepsync.SyncMessageInfo{MessageId: "m-1", ServiceId: "S", MessageDate: DateTime(when),
			Sender: &shepsync.SenderInfo{SenderId: "P", Password: "secret"}},
		Data: data,
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := Serialize(doc)
	// The v10 contract's children of SendMessage are unqualified.
	if !strings.Contains(string(raw), `<ns2:SendMessage xmlns:ns2="`+NSSync+`"><request><requestInfo>`) {
		t.Fatalf("children are not unqualified:\n%s", raw)
	}
	if err := wsdl.ValidateReference(raw, "sync"); err != nil {
		t.Fatalf("reference schema: %v", err)
	}
	r, err := ReadSyncRequest(reread(t, doc), xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if r.Info.MessageId != "m-1" || r.SenderID() != "P" || r.Info.Sender.Password != "secret" || !r.MessageDate().Equal(when) {
		t.Fatalf("info %+v", r.Info)
	}
	if r.Data == nil || r.Data.Tag != "Doc" || r.Data.NamespaceURI() != "urn:test" || r.Data.FindElement("iin").Text() != "880512310210" {
		t.Fatalf("data %v", r.Data)
	}
}

func TestReadRealSample(t *testing.T) {
	root, err := wsdl.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(root), "shared", "reference", "shep-v10-samples", "request.xml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := xmlsafe.Parse(raw, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	body, err := Check(doc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ReadSyncRequest(body, xmlsafe.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if r.Info.ServiceId != "TEST_SERVICE_ID" || r.Info.MessageId != "7ea6369f-18c5-4633-ad73-19de35883e0b" {
		t.Fatalf("info %+v", r.Info)
	}
	// data is an xsi:type="xs:string" holding escaped XML: it is read as a document.
	if r.Data == nil || r.Data.Tag != "request" || r.Data.FindElement("uin").Text() != "999999999999" {
		t.Fatalf("data %v", r.Data)
	}
}

func TestReadSyncRequestRefuses(t *testing.T) {
	const head = `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:SendMessage xmlns:ns2="http://bip.bee.kz/SyncChannel/v10/Types"><request>`
	const tail = `<requestData><data/></requestData></request></ns2:SendMessage></S:Body></S:Envelope>`
	info := func(id, date string) string {
		return `<requestInfo>` + id + `<serviceId>S</serviceId><messageDate>` + date + `</messageDate><sender><senderId>P</senderId></sender></requestInfo>`
	}
	cases := []struct{ name, xml string }{
		{"no messageId", head + info("", "2026-11-23T10:00:00Z") + tail},
		{"bad messageDate", head + info("<messageId>1</messageId>", "yesterday") + tail},
		{"no requestData", head + info("<messageId>1</messageId>", "2026-11-23T10:00:00Z") + `</request></ns2:SendMessage></S:Body></S:Envelope>`},
		{"wrong payload", `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><x/></S:Body></S:Envelope>`},
		{"two payloads", `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><x/><y/></S:Body></S:Envelope>`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body, err := Check(parse(t, c.xml))
			if err != nil {
				t.Fatal(err)
			}
			_, err = ReadSyncRequest(body, xmlsafe.DefaultLimits)
			if fault.CodeOf(err) != fault.MsgInvalid {
				t.Fatalf("got %v, want %s", err, fault.MsgInvalid)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name, xml string
		want      fault.Code
	}{
		{"not an envelope", `<Envelope/>`, fault.EnvNotSOAP},
		{"SOAP 1.2", `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>`, fault.EnvNotSOAP},
		{"no body", `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Header/></S:Envelope>`, fault.EnvNoBody},
		{"two bodies", `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body/><S:Body/></S:Envelope>`, fault.EnvNotSOAP},
		{"header after body", `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body/><S:Header/></S:Envelope>`, fault.EnvNotSOAP},
		{"unknown mustUnderstand", `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Header><x:T xmlns:x="urn:x" S:mustUnderstand="1"/></S:Header><S:Body/></S:Envelope>`, fault.EnvUnknownHeader},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Check(parse(t, c.xml)); fault.CodeOf(err) != c.want {
				t.Fatalf("got %v, want %s", err, c.want)
			}
		})
	}
	ok := `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Header><x:T xmlns:x="urn:x" S:mustUnderstand="0"/></S:Header><S:Body/></S:Envelope>`
	if _, err := Check(parse(t, ok)); err != nil {
		t.Fatalf("optional header refused: %v", err)
	}
}

func TestFaultRoundTrip(t *testing.T) {
	for _, c := range []struct {
		err       error
		code      fault.Code
		faultcode string
		data      string
	}{
		{fault.New(fault.MsgReplay, "messageId %q", "m-1"), fault.MsgReplay, "Client", `messageId "m-1"`},
		{fault.Wrap(fault.RouteUnavailable, errors.New("dial tcp: refused"), "POST x"), fault.RouteUnavailable, "Server", "POST x"},
		{errors.New("database password is hunter2"), fault.Internal, "Server", ""},
	} {
		f := FaultFrom(c.err, time.Now(), "{00000000-0000-4000-8000-000000000000}")
		doc, err := BuildFault(f)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := Serialize(doc)
		if err := wsdl.ValidateReference(raw, "sync"); err != nil {
			t.Fatalf("fault does not validate: %v\n%s", err, raw)
		}
		if strings.Contains(string(raw), "hunter2") {
			t.Fatal("an internal error's text leaked into the fault")
		}
		got, ok := ReadFault(reread(t, doc))
		if !ok {
			t.Fatal("not read as a fault")
		}
		if got.Code() != c.code || got.FaultCode != c.faultcode || got.Info.ErrorData != c.data || got.Info.SessionId == nil {
			t.Fatalf("got %+v", got)
		}
		if tx := fault.TextOf(c.code); !strings.Contains(got.String, tx.KK) || !strings.Contains(got.String, tx.RU) {
			t.Fatalf("faultstring %q", got.String)
		}
	}
}
