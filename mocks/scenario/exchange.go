package scenario

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/fault"
)

// SOAP runs the SOAP exchanges of a mock behind the gateway with the mock's faults: the global
// fault before the request is read, a key's own fault once the request names the key. A
// soap-fault becomes the mock's own signed SOAP Fault with the scenario's code; every refusal
// is a signed fault too.
type SOAP struct {
	Registry *Registry
	Hop      *channel.Hop
	Log      *slog.Logger
}

// Serve answers one exchange. receive authenticates and reads the request and returns the key
// its scenario is under and the ШЭП session; answer returns the signed answer for the key's
// scenario (the zero Scenario when none is set).
func (s SOAP) Serve(c echo.Context,
	receive func(ctx context.Context, raw []byte) (key, session string, err error),
	answer func(ctx context.Context, sc Scenario) ([]byte, error),
) error {
	ctx := c.Request().Context()
	raw, err := channel.ReadBody(c.Request().Body, s.Hop.MaxBytes())
	if f, ok := s.Registry.Fault(); ok {
		if handled, ferr := s.inject(c, f, ""); handled {
			return ferr
		}
	}
	if err != nil {
		return s.refuse(c, err, "")
	}
	key, session, err := receive(ctx, raw)
	if err != nil {
		return s.refuse(c, err, session)
	}
	sc, _ := s.Registry.Get(key)
	if sc.Fault != nil {
		if handled, ferr := s.inject(c, *sc.Fault, session); handled {
			return ferr
		}
	}
	out, err := answer(ctx, sc)
	if err != nil {
		return s.refuse(c, err, session)
	}
	return c.Blob(http.StatusOK, channel.ContentType, out)
}

// inject carries out a fault; handled reports whether the exchange is over.
func (s SOAP) inject(c echo.Context, f Fault, session string) (handled bool, err error) {
	if s.Registry.Inject(c.Response(), c.Request(), f) {
		return true, nil
	}
	if f.Kind == KindSOAPFault {
		return true, s.refuse(c, fault.New(fault.Code(f.Code), "%s", f.Detail), session)
	}
	return false, nil
}

func (s SOAP) refuse(c echo.Context, err error, session string) error {
	s.Log.Info("request refused", "session", session, "code", fault.CodeOf(err), "err", err)
	return c.Blob(http.StatusInternalServerError, channel.ContentType, s.Hop.FaultEnvelope(err, session))
}
