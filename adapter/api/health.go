package api

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
)

// Readiness is the body of GET /readyz: ready, and each check's "ok" or what is wrong.
type Readiness struct {
	Ready  bool              `json:"ready"`
	Checks map[string]string `json:"checks"`
	// NotReady names the checks that failed.
	NotReady []string `json:"notReady,omitempty"`
}

func (a *API) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz checks the store (Ping) and Options.ReadyChecks, each within 2 seconds: 200 when all
// pass, 503 naming those that did not.
func (a *API) readyz(c echo.Context) error {
	checks := map[string]func(context.Context) error{"store": a.store.Ping}
	for name, fn := range a.opts.ReadyChecks {
		checks[name] = fn
	}
	out := Readiness{Ready: true, Checks: map[string]string{}}
	for name, fn := range checks {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		err := fn(ctx)
		cancel()
		if err != nil {
			out.Ready = false
			out.Checks[name] = err.Error()
			out.NotReady = append(out.NotReady, name)
			continue
		}
		out.Checks[name] = "ok"
	}
	if !out.Ready {
		slices.Sort(out.NotReady)
		a.log.Warn("not ready", "checks", out.NotReady)
		return c.JSON(http.StatusServiceUnavailable, out)
	}
	return c.JSON(http.StatusOK, out)
}
