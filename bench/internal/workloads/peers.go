package workloads

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	"github.com/sourcegraph/conc"
	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"
)

// Implementation names, as they appear after impl= in benchmark names, so
// that benchstat -col /impl pivots on them.
const (
	ImplGmpkit     = "gmpkit"
	ImplSequential = "sequential"
	ImplGoroutines = "goroutines" // go statement per task + sync.WaitGroup
	ImplErrgroup   = "errgroup"   // golang.org/x/sync/errgroup
	ImplAnts       = "ants"       // panjf2000/ants/v2, pool of GOMAXPROCS (or the family's width)
	ImplAnts10k    = "ants-10k"   // panjf2000/ants/v2, pool of 10 000
	ImplPond       = "pond"       // alitto/pond/v2
	ImplConc       = "conc"       // sourcegraph/conc
	ImplChanLoop   = "chanloop"   // hand-written channel-fed worker loop
)

// ReleasePeerGlobals stops the goroutines that peers start at package
// initialisation (ants runs a default pool with a purge and a clock
// goroutine from init). Programs and tests that check for leaked goroutines
// call it first; nothing in this module uses the default pools.
func ReleasePeerGlobals() { ants.Release() }

// Runner runs batches of independent tasks on one implementation.
type Runner interface {
	// Run calls task n times, possibly in parallel, and returns after every
	// call has returned.
	Run(n int, task func()) error
	// Close releases the runner's goroutines. Run must not be called after.
	Close()
}

// NewRunner returns the Runner for a peer implementation. width bounds the
// implementations that take a bound (errgroup's limit, pool sizes, worker
// counts); ImplAnts10k always uses 10 000 and ImplGoroutines is unbounded.
// ImplGmpkit and ImplGmpkitPlain are a workpool of width workers;
// ImplGmpkitBlocking is built by NewGmpkitBlockingRunner.
func NewRunner(impl string, width int) (Runner, error) {
	if width < 1 {
		return nil, fmt.Errorf("workloads: NewRunner called with width %d", width)
	}
	switch impl {
	case ImplSequential:
		return seqRunner{}, nil
	case ImplGoroutines:
		return goRunner{}, nil
	case ImplErrgroup:
		return errgroupRunner{limit: width}, nil
	case ImplAnts, ImplAnts10k:
		if impl == ImplAnts10k {
			width = 10_000
		}
		p, err := ants.NewPool(width)
		if err != nil {
			return nil, err
		}
		return &antsRunner{pool: p}, nil
	case ImplPond:
		return &pondRunner{pool: pond.NewPool(width)}, nil
	case ImplConc:
		return concRunner{max: width}, nil
	case ImplChanLoop:
		return newChanLoop(width), nil
	case ImplGmpkit, ImplGmpkitPlain:
		return NewGmpkitRunner(width), nil
	}
	return nil, fmt.Errorf("workloads: unknown implementation %q", impl)
}

type seqRunner struct{}

func (seqRunner) Run(n int, task func()) error {
	for range n {
		task()
	}
	return nil
}
func (seqRunner) Close() {}

type goRunner struct{}

func (goRunner) Run(n int, task func()) error {
	var wg sync.WaitGroup
	wg.Add(n)
	f := func() { task(); wg.Done() }
	for range n {
		go f()
	}
	wg.Wait()
	return nil
}
func (goRunner) Close() {}

type errgroupRunner struct{ limit int }

func (r errgroupRunner) Run(n int, task func()) error {
	var g errgroup.Group
	g.SetLimit(r.limit)
	f := func() error { task(); return nil }
	for range n {
		g.Go(f)
	}
	return g.Wait()
}
func (errgroupRunner) Close() {}

type antsRunner struct{ pool *ants.Pool }

func (r *antsRunner) Run(n int, task func()) error {
	var wg sync.WaitGroup
	wg.Add(n)
	f := func() { task(); wg.Done() }
	var err error
	for i := range n {
		if err = r.pool.Submit(f); err != nil {
			wg.Add(-(n - i))
			break
		}
	}
	wg.Wait()
	return err
}
func (r *antsRunner) Close() { _ = r.pool.ReleaseTimeout(time.Minute) }

type pondRunner struct{ pool pond.Pool }

func (r *pondRunner) Run(n int, task func()) error {
	var wg sync.WaitGroup
	wg.Add(n)
	f := func() { task(); wg.Done() }
	var err error
	for i := range n {
		if err = r.pool.Go(f); err != nil {
			wg.Add(-(n - i))
			break
		}
	}
	wg.Wait()
	return err
}
func (r *pondRunner) Close() { r.pool.StopAndWait() }

type concRunner struct{ max int }

func (r concRunner) Run(n int, task func()) error {
	p := concpool.New().WithMaxGoroutines(r.max)
	for range n {
		p.Go(task)
	}
	p.Wait()
	return nil
}
func (concRunner) Close() {}

// chanLoop is the hand-written pool people write first: a fixed set of
// goroutines ranging over a channel of tasks.
type chanLoop struct {
	tasks chan func()
	done  sync.WaitGroup
}

func newChanLoop(workers int) *chanLoop {
	// A buffer of one slot per worker keeps senders from handing off every
	// task synchronously, as most hand-written loops do.
	c := &chanLoop{tasks: make(chan func(), workers)}
	for range workers {
		c.done.Go(func() {
			for f := range c.tasks {
				f()
			}
		})
	}
	return c
}

func (c *chanLoop) Run(n int, task func()) error {
	var wg sync.WaitGroup
	wg.Add(n)
	f := func() { task(); wg.Done() }
	for range n {
		c.tasks <- f
	}
	wg.Wait()
	return nil
}

func (c *chanLoop) Close() {
	close(c.tasks)
	c.done.Wait()
}

// GoJoiner forks b on a new goroutine and joins with a sync.WaitGroup.
type GoJoiner struct{}

// Join runs b on a new goroutine and a on the caller's, then waits for b.
func (GoJoiner) Join(a, b func(Joiner)) {
	var wg sync.WaitGroup
	wg.Go(func() { b(GoJoiner{}) })
	a(GoJoiner{})
	wg.Wait()
}

// ErrgroupJoiner forks b through an errgroup.Group without a limit: with a
// limit, nested Go calls block once the limit is reached by waiting parents.
type ErrgroupJoiner struct{}

// Join runs b through g.Go and a on the caller's goroutine, then g.Wait.
func (ErrgroupJoiner) Join(a, b func(Joiner)) {
	var g errgroup.Group
	g.Go(func() error { b(ErrgroupJoiner{}); return nil })
	a(ErrgroupJoiner{})
	_ = g.Wait()
}

// ConcJoiner forks b through a conc.WaitGroup (which also catches panics).
type ConcJoiner struct{}

// Join runs b through wg.Go and a on the caller's goroutine, then wg.Wait.
func (ConcJoiner) Join(a, b func(Joiner)) {
	var wg conc.WaitGroup
	wg.Go(func() { b(ConcJoiner{}) })
	a(ConcJoiner{})
	wg.Wait()
}

// boundedJoiner forks b as a task of a bounded pool and waits for it. When
// every worker of the pool is a parent waiting for a queued child, nothing
// runs again: the nested-wait deadlock. abort, once closed, releases every
// waiter and turns every later Join into a no-op, so that a guarded run can
// abandon the computation and reclaim the pool's goroutines.
//
// An abandoned child must not run after its parent has returned (it would
// write the parent's result concurrently with the parent's read), so each
// fork has a state: the child claims it to start, the aborting parent
// claims it to cancel, and a parent that lost the race to a running child
// waits for that child, which finishes because every Join below it is
// aborted too.
type boundedJoiner struct {
	submit func(func()) error
	abort  <-chan struct{}
}

// States of a fork in boundedJoiner.
const (
	forkQueued int32 = iota
	forkRunning
	forkCanceled
)

func (j *boundedJoiner) Join(a, b func(Joiner)) {
	select {
	case <-j.abort:
		return
	default:
	}
	done := make(chan struct{})
	var state atomic.Int32
	child := func() {
		defer close(done)
		if state.CompareAndSwap(forkQueued, forkRunning) {
			b(j)
		}
	}
	if err := j.submit(child); err != nil {
		return // pool released by the guard: b never runs
	}
	a(j)
	select {
	case <-done:
	case <-j.abort:
		if !state.CompareAndSwap(forkQueued, forkCanceled) {
			<-done // b is running; it ends once its own Joins see abort
		}
	}
}

// ErrDeadlock reports that a guarded run did not finish within its timeout
// on a workload that cannot finish: a bounded pool whose workers all wait on
// queued children.
var ErrDeadlock = errors.New("deadlocks: every pool worker waits for a queued child (nested wait on a bounded pool)")

// GuardedPeers lists the bounded peers that GuardedForkJoin probes.
var GuardedPeers = []string{ImplAnts, ImplPond}

// GuardedForkJoin runs fn on a fork-join Joiner built on a bounded pool of
// size workers (impl is ImplAnts or ImplPond; both block or queue a nested
// submit instead of running it). It returns the elapsed time, or
// ErrDeadlock if fn has not returned after timeout. Either way the pool is
// released and every goroutine it started has exited when
// GuardedForkJoin returns.
func GuardedForkJoin(impl string, workers int, timeout time.Duration, fn func(Joiner)) (time.Duration, error) {
	abort := make(chan struct{})
	var submit func(func()) error
	var release func()
	switch impl {
	case ImplAnts:
		p, err := ants.NewPool(workers)
		if err != nil {
			return 0, err
		}
		submit = p.Submit
		// Release wakes submitters blocked in Submit (they get
		// ErrPoolClosed); ReleaseTimeout then waits for every worker.
		release = func() { _ = p.ReleaseTimeout(time.Minute) }
	case ImplPond:
		p := pond.NewPool(workers)
		submit = p.Go
		// Queued children run after abort, see it and return at once.
		release = p.StopAndWait
	default:
		return 0, fmt.Errorf("workloads: GuardedForkJoin: %q is not a bounded peer", impl)
	}
	j := &boundedJoiner{submit: submit, abort: abort}
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		fn(j)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-finished:
		elapsed := time.Since(start)
		release()
		return elapsed, nil
	case <-timer.C:
	}
	close(abort)
	release()
	<-finished
	return 0, ErrDeadlock
}

// Implementation names of the ctx and metrics families.
const (
	CtxStdlib          = "context"        // context.WithTimeout / WithCancelCause
	CtxTree            = "ctxtree"        // gmpkit's ctxtree
	MetricsGoCollector = "gocollector"    // client_golang collectors.NewGoCollector, all runtime/metrics
	MetricsGmpkit      = "runtimemetrics" // gmpkit's runtimemetrics.NewCollector
)
