package population

import (
	"math/bits"
	"math/rand/v2"
	"time"
)

// rng draws from a seeded PCG. Only the PCG's 64-bit words are used; every bounded value is
// derived here, so the output does not depend on math/rand/v2's range-reduction algorithms.
type rng struct{ src *rand.PCG }

func newRNG(seed1, seed2 uint64) *rng { return &rng{src: rand.NewPCG(seed1, seed2)} }

// intn returns a number in [0, n); n ≤ 0 gives 0.
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	hi, _ := bits.Mul64(r.src.Uint64(), uint64(n))
	return int(hi)
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.intn(hi-lo+1)
}

// chance is true with probability perMille/1000.
func (r *rng) chance(perMille int) bool { return r.intn(1000) < perMille }

// weighted returns an index of w with probability proportional to its weight.
func (r *rng) weighted(w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := r.intn(total)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

// dateBetween returns a day in [lo, hi] (lo when hi is before lo).
func (r *rng) dateBetween(lo, hi time.Time) time.Time {
	days := daysBetween(lo, hi)
	if days <= 0 {
		return lo
	}
	return lo.AddDate(0, 0, r.intn(days+1))
}

func daysBetween(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// monthEnd is the last day of t's month.
func monthEnd(t time.Time) time.Time { return monthStart(t).AddDate(0, 1, -1) }

// nextMonth is the first day of the month after t's.
func nextMonth(t time.Time) time.Time { return monthStart(t).AddDate(0, 1, 0) }

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// fnv64 is FNV-1a, used to derive a per-person stream from an IIN.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
