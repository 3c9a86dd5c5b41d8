package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shepgate/shepgate/adapter/services"
)

// Metrics are the Prometheus metrics that GET /metrics exposes. The API counts its requests
// and HTTP calls itself; other parts of the process report through the methods (ObserveStep for
// ГЦВП's recorded steps). A nil *Metrics ignores every call.
//
//	shepgate_requests_total{service,outcome}             portal requests: created, sent, done,
//	                                                      refused, failed
//	shepgate_http_requests_total{route,method,status}    HTTP requests by route template
//	shepgate_http_request_duration_seconds{route,method}
//	shepgate_step_duration_seconds{service,step,outcome}  the regulations' steps as they ran
//
// plus the Go runtime's and the process's collectors.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	http     *prometheus.CounterVec
	httpDur  *prometheus.HistogramVec
	steps    *prometheus.HistogramVec
}

// Outcomes of shepgate_requests_total.
const (
	// OutcomeCreated counts drafts.
	OutcomeCreated = "created"
	// OutcomeSent counts requests the gateway took.
	OutcomeSent = "sent"
	// OutcomeDone counts results (DONE).
	OutcomeDone = "done"
	// OutcomeRefused counts ГЦВП's refusals (REFUSED).
	OutcomeRefused = "refused"
	// OutcomeFailed counts requests that could not be delivered (FAILED).
	OutcomeFailed = "failed"
)

// NewMetrics returns the metrics on a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shepgate_requests_total",
			Help: "Portal requests by service and outcome (created, sent, done, refused, failed)."}, []string{"service", "outcome"}),
		http: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shepgate_http_requests_total",
			Help: "HTTP requests by route template, method and status."}, []string{"route", "method", "status"}),
		httpDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "shepgate_http_request_duration_seconds",
			Help: "HTTP request durations by route template and method.", Buckets: prometheus.DefBuckets}, []string{"route", "method"}),
		steps: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "shepgate_step_duration_seconds",
			Help:    "Durations of the regulations' steps by service, step and outcome (ok, refused, error).",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5, 15, 30, 60, 90, 180, 360}}, []string{"service", "step", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.http, m.httpDur, m.steps,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the metrics' registry, for other parts of the process to register their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// CountRequest counts a portal request of the service reaching an outcome (Outcome*).
func (m *Metrics) CountRequest(serviceID, outcome string) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(serviceID, outcome).Inc()
}

// ObserveStep records one step of a regulation's flow: the service, the step's name
// (services.Step), its outcome (services.Outcome*) and how long it took.
func (m *Metrics) ObserveStep(serviceID, step, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.steps.WithLabelValues(serviceID, step, outcome).Observe(d.Seconds())
}

// ObserveStepRecord is ObserveStep of a step as adapter/services records it.
func (m *Metrics) ObserveStepRecord(serviceID string, rec services.StepRecord) {
	m.ObserveStep(serviceID, string(rec.Step), rec.Outcome, rec.Ended.Sub(rec.Started))
}

// ObserveHTTP records one HTTP request; route is the route template (e.g.
// /api/v1/requests/:number), never the path itself, so that the labels stay few.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.http.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpDur.WithLabelValues(route, method).Observe(d.Seconds())
}

// Middleware counts every request that passes through it by route template and status. A
// handler's error is handed to echo's error handler here, so that the status counted is the
// one answered.
func (m *Metrics) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			m.ObserveHTTP(route, c.Request().Method, c.Response().Status, time.Since(start))
			return nil
		}
	}
}
