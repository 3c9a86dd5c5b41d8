package services

import (
	"context"
	"time"

	"github.com/shepgate/shepgate/adapter/fault"
)

// StepRecord is one step of a regulation's flow as it happened to one request.
type StepRecord struct {
	Step    Step
	Started time.Time
	Ended   time.Time
	// Outcome is "ok", "refused" (the flow ends with a refusal) or "error" (the request could
	// not be processed now and will be retried).
	Outcome string
	// Code is the refusal or error code when Outcome is not "ok".
	Code fault.Code
	// Norm is the regulation's time norm of the step (0 when the regulation gives none).
	Norm time.Duration
}

// Step outcomes.
const (
	OutcomeOK      = "ok"
	OutcomeRefused = "refused"
	OutcomeError   = "error"
)

// StepSink receives a request's steps as they end (adapter/store keeps them; nil records none).
type StepSink interface {
	RecordStep(ctx context.Context, requestID string, rec StepRecord) error
}

// StepInfo describes a step for people: its names in Kazakh and Russian and its time norm.
type StepInfo struct {
	Step   Step
	NameKK string
	NameRU string
	// Norm is the upper bound of the regulation's execution time for the action.
	Norm time.Duration
}

var stepInfo = map[Step]StepInfo{}

// describe registers the people-facing description of steps (each flow's file does it).
func describe(infos ...StepInfo) bool {
	for _, i := range infos {
		stepInfo[i.Step] = i
	}
	return true
}

// InfoOf returns the description of a step (its name in both languages and its norm).
func InfoOf(s Step) (StepInfo, bool) {
	i, ok := stepInfo[s]
	return i, ok
}

// run records one step around fn. A fault.Error of the Client class means the step refused;
// any other error means the step failed and the request is to be retried.
func (d *Deps) run(ctx context.Context, r *Request, step Step, fn func() error) error {
	rec := StepRecord{Step: step, Started: d.now(), Outcome: OutcomeOK, Norm: stepInfo[step].Norm}
	err := fn()
	rec.Ended = d.now()
	if err != nil {
		rec.Code = fault.CodeOf(err)
		rec.Outcome = OutcomeError
		if fault.TextOf(rec.Code).Class == fault.Client && rec.Code != fault.Internal {
			rec.Outcome = OutcomeRefused
		}
	}
	if r.Steps != nil {
		if serr := r.Steps.RecordStep(ctx, r.MessageID, rec); serr != nil {
			d.logger().Warn("cannot record a step", "request", r.MessageID, "step", step, "err", serr)
		}
	}
	return err
}
