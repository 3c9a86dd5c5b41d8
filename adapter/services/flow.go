package services

import (
	"context"

	"github.com/beevik/etree"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/iin"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/generated/gcvp"
)

// flow is one request on its way through a service's steps. Each step is recorded; a refusal
// ends the flow with the ГЦВП-signed Refusal of the regulations' action 4, an error of ГЦВП's
// own (Server class: the НУЦ unreachable, the store failing) ends it with that error, to be
// retried.
type flow struct {
	ctx       context.Context
	d         *Deps
	r         *Request
	serviceID string
	// number and iin name the request: the ШЭП messageId until the verified document is read.
	number, iin string
	answer      *Answer
	err         error
}

func (d *Deps) start(ctx context.Context, r *Request, serviceID string) *flow {
	return &flow{ctx: ctx, d: d, r: r, serviceID: serviceID, number: r.MessageID}
}

// step runs one step of the flow; false means the flow has ended (see end).
func (f *flow) step(s Step, fn func() error) bool {
	err := f.d.run(f.ctx, f.r, s, fn)
	if err == nil {
		return true
	}
	if fault.TextOf(fault.CodeOf(err)).Class == fault.Server {
		f.answer, f.err = nil, err
	} else {
		f.answer, f.err = f.d.refuse(f.serviceID, f.number, f.iin, s, err)
	}
	return false
}

// end returns how the flow ended.
func (f *flow) end() (*Answer, error) { return f.answer, f.err }

// verify is every flow's first step: the signer's ЭЦП on the document, checked to the trust
// roots. Nothing of the document is used before it.
func (f *flow) verify(s Step) (v *wssec.Verified, ok bool) {
	ok = f.step(s, func() (err error) {
		v, err = f.d.Consumers.VerifyElement(f.r.Document)
		return err
	})
	return v, ok
}

// identify takes the request's number and IIN from the verified document and checks what
// every request must carry: a number, this service's identifier and a valid IIN.
func (f *flow) identify(number string, iinValue *gcvp.IIN, serviceID string) error {
	if number != "" {
		f.number = number
	}
	if iinValue != nil {
		f.iin = string(*iinValue)
	}
	switch {
	case number == "":
		return fault.New(fault.SvcRequestInvalid, "requestNumber is required")
	case serviceID != f.serviceID:
		return fault.New(fault.SvcRequestInvalid, "the document is for service %q, the message for %q", serviceID, f.serviceID)
	}
	return iin.Validate(f.iin)
}

// certStatus checks the signer's certificate chain at the НУЦ (no step without a checker).
func (f *flow) certStatus(s Step, v *wssec.Verified) bool {
	if f.d.Status == nil {
		return true
	}
	return f.step(s, func() error {
		_, err := f.d.Status.CheckChain(f.ctx, v.Chain)
		return err
	})
}

// binding checks that the certificate that signed carries the request's IIN.
func (f *flow) binding(s Step, v *wssec.Verified) bool {
	return f.step(s, func() error {
		if certIIN, ok := iin.FromCertificate(v.Cert); !ok || certIIN != f.iin {
			return fault.New(fault.CertIINMismatch, "certificate IIN %q, request IIN %q", certIIN, f.iin)
		}
		return nil
	})
}

// answered is the flow's result: the ГЦВП-signed document.
func (f *flow) answered(el *etree.Element) *Answer {
	return &Answer{Document: el, StatusCode: StatusOK, StatusMessage: StatusOKMessage, RequestNumber: f.number, IIN: f.iin}
}
