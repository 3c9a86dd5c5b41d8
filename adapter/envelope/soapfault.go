package envelope

import (
	"encoding/xml"
	"errors"
	"time"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/generated/shepsync"
)

// Fault is a SOAP 1.1 Fault of the ШЭП channels, with the v10 ErrorInfo in its detail.
type Fault struct {
	// FaultCode is "Client" or "Server" (in the SOAP envelope namespace).
	FaultCode string
	// String is the faultstring: the code's message in Kazakh and Russian.
	String string
	// Info is the ErrorInfo of the detail: errorCode is the stable shepgate code.
	Info shepsync.ErrorInfo
	// Element is the qualified name of the detail's element; zero means the sync channel's
	// SendMessageFault1_SendMessageFault. Each operation of the async channel has its own.
	Element xml.Name
}

// Code returns the stable code of the fault.
func (f *Fault) Code() fault.Code { return fault.Code(f.Info.ErrorCode) }

// Err returns the fault as a *fault.Error.
func (f *Fault) Err() error {
	return &fault.Error{Code: f.Code(), Detail: f.Info.ErrorData}
}

// Message returns the user-facing text of a code in Kazakh and Russian.
func Message(c fault.Code) string {
	t := fault.TextOf(c)
	return t.KK + " / " + t.RU
}

// FaultFrom describes err as a SOAP fault. Errors without a code become INTERNAL, and their text
// is not disclosed (it may hold details of our internals).
func FaultFrom(err error, now time.Time, sessionID string) *Fault {
	code := fault.CodeOf(err)
	detail := ""
	var fe *fault.Error
	if errors.As(err, &fe) {
		detail = fe.Detail
	}
	fc := "Client"
	if fault.TextOf(code).Class == fault.Server {
		fc = "Server"
	}
	f := &Fault{FaultCode: fc, String: Message(code), Info: shepsync.ErrorInfo{
		ErrorCode:    string(code),
		ErrorMessage: Message(code),
		ErrorData:    detail,
		ErrorDate:    DateTime(now),
	}}
	if sessionID != "" {
		g := shepsync.Guid(sessionID)
		f.Info.SessionId = &g
	}
	return f
}

// BuildFault returns an unsigned envelope whose Body holds f.
func BuildFault(f *Fault) (*etree.Document, error) {
	info := f.Info
	detailInfo, err := marshalPayload(&shepsync.SendMessageFault1_SendMessageFault{ErrorInfo: &info})
	if err != nil {
		return nil, err
	}
	if f.Element.Local != "" {
		detailInfo.Tag = f.Element.Local
		detailInfo.RemoveAttr("xmlns:" + payloadPrefix)
		detailInfo.CreateAttr("xmlns:"+payloadPrefix, f.Element.Space)
	}
	fe := etree.NewElement("S:Fault")
	fe.CreateElement("faultcode").SetText("S:" + f.FaultCode)
	fe.CreateElement("faultstring").SetText(f.String)
	fe.CreateElement("detail").AddChild(detailInfo)
	return New(fe), nil
}

// ReadFault returns the Fault held in a Body, if there is one.
func ReadFault(body *etree.Element) (*Fault, bool) {
	var fe *etree.Element
	for _, c := range body.ChildElements() {
		if c.Tag == "Fault" && c.NamespaceURI() == NSSOAP {
			fe = c
		}
	}
	if fe == nil {
		return nil, false
	}
	f := &Fault{FaultCode: "Server"}
	if c := child(fe, "faultcode"); c != nil {
		fc := c.Text()
		if i := lastColon(fc); i >= 0 {
			fc = fc[i+1:]
		}
		f.FaultCode = fc
	}
	if c := child(fe, "faultstring"); c != nil {
		f.String = c.Text()
	}
	if d := child(fe, "detail"); d != nil {
		if kids := d.ChildElements(); len(kids) == 1 {
			f.Element = xml.Name{Space: kids[0].NamespaceURI(), Local: kids[0].Tag}
			if err := unmarshalPayload(kids[0], &f.Info); err != nil {
				f.Info.ErrorCode = string(fault.MsgInvalid)
			}
		}
	}
	if f.Info.ErrorCode == "" {
		// A fault from a system that does not send ErrorInfo: keep its text.
		f.Info.ErrorCode = string(fault.Internal)
		f.Info.ErrorData = f.String
	}
	return f, true
}

func lastColon(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			return i
		}
	}
	return -1
}
