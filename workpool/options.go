package workpool

import (
	"runtime"
	"strconv"

	"github.com/gmpkit/gmpkit/steal"
)

// An Option configures a [Pool] in [New].
type Option interface {
	apply(*config)
}

type config struct {
	workers     int
	policy      steal.Policy
	name        string
	onPanic     func(*PanicError)
	maxQueued   int
	maxBlocked  int
	sampleEvery int
	trace       bool
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithWorkers sets the number of workers, each owning one local queue. The
// default is runtime.GOMAXPROCS(0), the runtime's own number of Ps; more
// workers than Ps only adds switching. WithWorkers panics if n < 1.
func WithWorkers(n int) Option {
	if n < 1 {
		panic("workpool: WithWorkers called with " + strconv.Itoa(n) + " workers (want >= 1)")
	}
	return optionFunc(func(c *config) { c.workers = n })
}

// WithPolicy sets the order in which a worker takes tasks from its own
// queue: [steal.LIFO] (the default: newest first, depth-first, best for
// fork-join) or [steal.FIFO] (oldest first, fair to independent tasks).
// Thieves always take the oldest. WithPolicy panics on any other value.
func WithPolicy(p steal.Policy) Option {
	if p != steal.LIFO && p != steal.FIFO {
		panic("workpool: WithPolicy called with unknown " + p.String())
	}
	return optionFunc(func(c *config) { c.policy = p })
}

// WithName names the pool. The name is the value of the "workpool" pprof
// label on the pool's workers, [Stats.Name], and the pool label of metrics
// exported for it. The default is "workpool".
func WithName(name string) Option {
	return optionFunc(func(c *config) { c.name = name })
}

// WithPanicHandler sets the function that receives the panics of tasks
// submitted with [Pool.Submit], [Pool.TrySubmit] and [Worker.Spawn]. It is
// called on the worker that recovered the panic, before the task counts as
// finished; a panic in h itself is recovered and dropped. Without a handler
// the first such panic since the previous Wait is returned by [Pool.Wait]
// (or [Pool.Close]); every one is counted in [Stats.Panicked].
func WithPanicHandler(h func(*PanicError)) Option {
	return optionFunc(func(c *config) { c.onPanic = h })
}

// WithMaxQueued bounds the number of tasks submitted with [Pool.Submit],
// [Pool.TrySubmit] or [Pool.SubmitContext] (and Run calls) that have been
// accepted but have not yet finished. The bound is exact: at n unfinished
// tasks TrySubmit returns [ErrFull] and Submit blocks until one finishes
// (or the pool is closed, or SubmitContext's context ends), and no Submit
// waits while fewer than n are unfinished, whatever the workers are
// blocked in. Submit from inside one of the pool's tasks never blocks at
// the bound (it could wait for itself): it returns an error matching
// [ErrFull] and [ErrInsideTask]. Tasks spawned with [Worker.Spawn] count
// towards the bound but are never refused, for the same reason, so a pool
// whose tasks spawn may exceed it by what they spawn. n = 0 (the default)
// means no bound. WithMaxQueued panics if n < 0.
func WithMaxQueued(n int) Option {
	if n < 0 {
		panic("workpool: WithMaxQueued called with " + strconv.Itoa(n) + " (want >= 0)")
	}
	return optionFunc(func(c *config) { c.maxQueued = n })
}

// WithMaxBlocked sets the most workers that may be blocked in
// [Worker.Blocking] at once with their processor handed over, each a
// goroutine of the pool. A Blocking call beyond it runs its function
// keeping its processor, which then waits with it, as in a pool without
// Blocking. The default is 10,000, the runtime's own default limit on
// threads (runtime/debug.SetMaxThreads). WithMaxBlocked panics if n < 0.
func WithMaxBlocked(n int) Option {
	if n < 0 {
		panic("workpool: WithMaxBlocked called with " + strconv.Itoa(n) + " (want >= 0)")
	}
	return optionFunc(func(c *config) { c.maxBlocked = n })
}

// WithLatencySampling makes one in n submitted tasks (Submit, TrySubmit,
// SubmitContext) record its queue wait and run time in the histograms of
// [Stats.QueueWait] and [Stats.RunTime]. A sampled task costs two clock
// reads; the others nothing. The default is 64; n = 0 turns sampling off.
// WithLatencySampling panics if n < 0.
func WithLatencySampling(n int) Option {
	if n < 0 {
		panic("workpool: WithLatencySampling called with " + strconv.Itoa(n) + " (want >= 0)")
	}
	return optionFunc(func(c *config) { c.sampleEvery = n })
}

// WithTrace makes every task that a worker takes from a queue run inside a
// runtime/trace region named "workpool.task", so that `go tool trace` shows
// tasks on the worker goroutines. Functions that Join runs inline are part
// of their caller's region. Regions cost nothing while tracing is off.
func WithTrace(on bool) Option {
	return optionFunc(func(c *config) { c.trace = on })
}

func defaultConfig() config {
	return config{
		workers: runtime.GOMAXPROCS(0), policy: steal.LIFO, name: "workpool",
		maxBlocked: 10_000, sampleEvery: 64,
	}
}
