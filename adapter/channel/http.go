package channel

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"time"
)

// defaultClient keeps connections alive (gowsdl's client forces Connection: close, which about
// doubles the cost of a call) and bounds every phase of a call.
var defaultClient = &http.Client{
	Timeout: 30 * time.Second,
	Transport: &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	},
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
