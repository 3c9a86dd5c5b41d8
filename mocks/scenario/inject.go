package scenario

import (
	"context"
	"net/http"
	"time"
)

// MalformedXML is the body of a malformed-xml answer: a SOAP envelope cut off mid-element.
const MalformedXML = `<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:SendMessageResponse xmlns:ns2="http://bip.bee.kz/SyncChannel/v10/Types"><response><responseInfo><messageId>`

// Inject carries out f on an exchange whose request body has already been read (net/http only
// notices a client that went away, and cancels the request context, once the body is read).
//
// It returns true when the exchange is over: an answer was written (http-500, malformed-xml,
// down, timeout), the connection was closed (close), or the client went away during a wait
// (then nothing is written). It returns false for latency, after the delay, and for
// soap-fault, after its delay: the caller then answers normally or with its signed fault.
func (r *Registry) Inject(w http.ResponseWriter, req *http.Request, f Fault) bool {
	ctx := req.Context()
	r.count(f.Kind)
	r.log.Debug("fault injected", "kind", f.Kind, "delay", time.Duration(f.Delay), "path", req.URL.Path)
	if !r.wait(ctx, time.Duration(f.Delay)) {
		return true
	}
	switch f.Kind {
	case KindTimeout:
		hold := time.Duration(f.Hold)
		if hold <= 0 {
			hold = DefaultHold
		}
		if !r.wait(ctx, hold) {
			return true
		}
		http.Error(w, "mock: timeout fault: held the request for "+hold.String(), http.StatusGatewayTimeout)
		return true
	case KindHTTP500:
		http.Error(w, "mock: injected HTTP 500", http.StatusInternalServerError)
		return true
	case KindMalformedXML:
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(MalformedXML))
		return true
	case KindDown:
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	case KindClose:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			// HTTP/2 or a writer that cannot be hijacked: abort the handler, which makes net/http
			// reset the stream or close the connection without a complete answer.
			r.log.Debug("cannot hijack, aborting the handler", "err", err)
			panic(http.ErrAbortHandler)
		}
		_ = conn.Close()
		return true
	}
	return false
}

// wait sleeps for d and reports false when ctx ended first (counted as abandoned).
func (r *Registry) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil || r.abandon()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return r.abandon()
	}
}

func (r *Registry) abandon() bool {
	r.abandoned.Add(1)
	r.log.Debug("client went away during an injected fault")
	return false
}
