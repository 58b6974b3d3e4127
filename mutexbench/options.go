package mutexbench

import (
	"context"
	"fmt"
)

// A MeasureFunc measures one lock on one scenario. [Run] is the default;
// [WithMeasure] plants another, such as a cost model.
type MeasureFunc func(ctx context.Context, s Scenario, l Lock) (Result, error)

// An Option configures [Compare], [Matrix] or [Crossover]. An option that
// does not apply to a function is ignored by it.
type Option interface {
	apply(*config)
}

type config struct {
	baseline, candidate Lock
	rounds              int
	resolution          float64
	measure             MeasureFunc
	progress            func(done, total int)
	prog                *progress // counts the timed runs of every plan of one call
}

func newConfig(opts []Option) config {
	c := config{
		baseline:   Mutex(),
		candidate:  RWMutex(),
		rounds:     defaultRounds,
		resolution: defaultResolution,
		measure:    measureRun,
	}
	for _, o := range opts {
		o.apply(&c)
	}
	c.prog = &progress{fn: c.progress}
	return c
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithLocks compares candidate against baseline instead of RWMutex against
// Mutex, in [Compare] and [Crossover]. Matrix takes its locks from the
// MatrixSpec.
func WithLocks(baseline, candidate Lock) Option {
	return optionFunc(func(c *config) { c.baseline, c.candidate = baseline, candidate })
}

// WithRounds sets the number of timed rounds per cell (default 7). In each
// round every lock runs once, the locks taking turns, so that drift on the
// machine lands on all of them alike. With 5 rounds or fewer the
// confidence interval is the whole range of the rounds, so one disturbed
// round turns a win into a wash. WithRounds panics if n < 1.
func WithRounds(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("mutexbench: WithRounds called with n = %d, want at least 1", n))
	}
	return optionFunc(func(c *config) { c.rounds = n })
}

// WithResolution stops Crossover's bisection once the bracket is at most
// pct percentage points wide (default 1). It panics unless 0 < pct <= 100.
func WithResolution(pct float64) Option {
	if !(pct > 0 && pct <= 100) {
		panic(fmt.Sprintf("mutexbench: WithResolution called with %v, want 0 < pct <= 100", pct))
	}
	return optionFunc(func(c *config) { c.resolution = pct })
}

// WithMeasure replaces Run as the measurement, for example with a cost
// model, so that the statistics and the search can be checked without
// timing. fn is also called for each warm-up run; that result is
// discarded. WithMeasure panics if fn is nil.
func WithMeasure(fn MeasureFunc) Option {
	if fn == nil {
		panic("mutexbench: WithMeasure called with a nil MeasureFunc")
	}
	return optionFunc(func(c *config) { c.measure = fn })
}

// WithProgress calls fn after each timed run, from the calling goroutine,
// with the number of timed runs done and planned. Crossover's plan grows
// when it refines.
func WithProgress(fn func(done, total int)) Option {
	return optionFunc(func(c *config) { c.progress = fn })
}
