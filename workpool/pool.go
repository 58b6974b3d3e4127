package workpool

import (
	"context"
	"math/bits"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gmpkit/gmpkit/steal"
)

// A Pool is a fixed set of workers that run tasks from per-worker queues and
// a global queue, stealing from each other when idle. See the package
// documentation for the design.
//
// Tasks enter a pool in three ways: [Pool.Submit] (fire and forget, from any
// goroutine), [Pool.Run] (a fork-join computation whose functions fork with
// [Worker.Join] and [Worker.Scope]), and [Worker.Spawn] (fire and forget from
// inside a task, onto the spawner's own queue).
//
// A successful Submit, TrySubmit or Spawn of a task synchronizes before the
// task starts, and the end of every task synchronizes before the return of
// a Wait, Close or Shutdown that waited for it.
//
// A Pool's workers run until Close (or a Shutdown that finishes) stops them;
// a Pool that is dropped without Close leaks its parked workers. All methods
// are safe for concurrent use. A Pool must be created with [New].
type Pool struct {
	cfg     config
	policy  steal.Policy
	mode    StealMode
	workers []*Worker
	steps   []uint32 // numbers coprime to len(workers): steal orders

	global steal.GlobalQueue[job]

	// The scheduler's shared words, each on its own cache line: they are
	// read by every Submit and every Join and written rarely.
	_         [64]byte
	npidle    atomic.Int32 // workers parked in findRunnable (on idle)
	_         [60]byte
	nspinning atomic.Int32 // workers looking for work without owning any
	_         [60]byte
	pending   atomic.Int64 // accepted pool tasks not yet known to be finished
	_         [56]byte
	// Submit writes tasks into a chunk, the batch that goes into the
	// global queue as one job when full. A worker that finds the global
	// queue empty takes the partly filled chunk (takePartial). See
	// chunk.go.
	subMu      sync.Mutex
	cur        *chunk       // guarded by subMu; nil or not full
	curN       atomic.Int32 // 1 if cur holds a task, for lock-free checks
	submitted  uint64       // guarded by subMu: Submit and TrySubmit calls accepted
	_          [60]byte
	expanded   atomic.Uint64 // submitted tasks whose chunk a worker has started to run
	runs       atomic.Uint64 // Run calls accepted
	rootsTaken atomic.Uint64 // Run roots taken from the global queue

	// hasWork has one bit per worker, set while the worker may have
	// queued work (see markWork): thieves of a large pool and a spinner's
	// last look before parking (anyWork) read it instead of every worker.
	hasWork []atomic.Uint64
	// claiming counts claimFrom calls in flight (see runChunk).
	claiming   atomic.Int32
	maxSpin    int32 // the most workers that may spin: GOMAXPROCS at New
	maxVictims int   // the most victims one steal pass probes in a large pool

	mu   sync.Mutex // sched.lock: guards idle and each Worker's idleAt
	idle []*Worker  // parked workers, newest last

	waitMu   sync.Mutex // guards cond's waits and panicErr
	cond     sync.Cond  // signalled when pending drops (see finish) or on close
	sleepers atomic.Int32
	panicErr *PanicError // first unhandled Submit panic since the last Wait

	closed    atomic.Bool // no new tasks
	stopped   atomic.Bool // closed and drained: workers exit
	closeOnce sync.Once
	stopOnce  sync.Once
	wg        sync.WaitGroup
}

// New returns a pool with its workers started and parked. The default is
// runtime.GOMAXPROCS(0) workers, LIFO own-queue order, and steal-half; see
// the With options. The caller must call [Pool.Close] (or a successful
// [Pool.Shutdown]) to stop the workers.
func New(opts ...Option) *Pool {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			panic("workpool: New called with a nil Option")
		}
		o.apply(&cfg)
	}
	p := &Pool{cfg: cfg, policy: cfg.policy, mode: cfg.mode}
	p.cond.L = &p.waitMu
	n := cfg.workers
	for s := 1; s <= n; s++ {
		if gcd(s, n) == 1 {
			p.steps = append(p.steps, uint32(s))
		}
	}
	procs := runtime.GOMAXPROCS(0)
	p.maxSpin = int32(procs)
	p.maxVictims = max(2*procs, minVictims)
	p.hasWork = make([]atomic.Uint64, (n+63)/64)
	p.workers = make([]*Worker, n)
	for i := range p.workers {
		w := &Worker{p: p, id: i, idleAt: -1, dq: steal.NewDeque[job](), wake: make(chan bool, 1), joinWake: make(chan struct{}, 1)}
		w.rng = uint64(i)*0x9e3779b97f4a7c15 + 0x2545f4914f6cdd1d
		p.workers[i] = w
	}
	p.wg.Add(n)
	for _, w := range p.workers {
		go func() {
			defer p.wg.Done()
			w.gid.Store(goid()) // before any task: see Pool.self
			labels := pprof.Labels("workpool", cfg.name, "worker", strconv.Itoa(w.id))
			pprof.Do(context.Background(), labels, func(context.Context) { w.loop() })
		}()
	}
	return p
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Name returns the name set with [WithName].
func (p *Pool) Name() string { return p.cfg.name }

// Workers returns the number of workers.
func (p *Pool) Workers() int { return len(p.workers) }

// Submit queues task to run once on one of the pool's workers and returns
// nil, or returns [ErrClosed] without queueing it if the pool is closed. With
// a [WithMaxQueued] bound, Submit blocks while the bound is reached; called
// from inside one of the pool's own tasks it does not block there, since
// the room it waits for could be its own caller's, and returns an error
// that matches both [ErrFull] and [ErrInsideTask]. Tasks
// submitted from any goroutine go to the global queue: Go offers no cheap way
// to tell that the caller is itself a task, so a task that wants its child
// on its own worker's queue uses [Worker.Spawn]. A panic in task goes to the
// [WithPanicHandler] handler. Submit panics if task is nil.
func (p *Pool) Submit(task func()) error {
	if task == nil {
		panic("workpool: Pool.Submit called with a nil task")
	}
	return p.submit(task, true)
}

// TrySubmit is like [Pool.Submit] but never blocks: at the [WithMaxQueued]
// bound it returns [ErrFull] and does not queue the task. Without a bound it
// is the same as Submit. TrySubmit panics if task is nil.
func (p *Pool) TrySubmit(task func()) error {
	if task == nil {
		panic("workpool: Pool.TrySubmit called with a nil task")
	}
	return p.submit(task, false)
}

func (p *Pool) submit(task func(), block bool) error {
	if err := p.accept(context.Background(), block); err != nil {
		return err
	}
	p.subMu.Lock()
	c := p.cur
	if c == nil {
		c = chunks.Get().(*chunk)
		p.cur = c
	}
	c.fns[c.n] = task
	c.n++
	p.submitted++
	switch c.n {
	case chunkSize:
		p.cur = nil
		p.curN.Store(0)
		p.global.Push(&c.j)
	case 1:
		p.curN.Store(1) // one store per chunk, not per task
	}
	p.subMu.Unlock()
	p.wakep()
	return nil
}

// accept counts one more pending task, or reports why it cannot. The count
// comes before the closed check: a Close that does not see the task's count
// happens after the check, which then sees closed. So a task is either
// refused or waited for by Close, never queued behind a stopped pool.
//
// A blocking accept waits for room, unless ctx ends first (Submit passes
// context.Background: no bound on the wait) or the caller is one of the pool's own tasks, which
// could be waiting for itself: then it returns at once, with the context's
// cause or a fullInsideTaskError, having counted nothing.
func (p *Pool) accept(ctx context.Context, block bool) error {
	if max := int64(p.cfg.maxQueued); max > 0 {
		for {
			n := p.pending.Load()
			if n < max {
				if p.pending.CompareAndSwap(n, n+1) {
					break
				}
				continue
			}
			if p.closed.Load() {
				return ErrClosed
			}
			if !block {
				return ErrFull
			}
			if p.self() != nil {
				return fullInsideTaskError{}
			}
			if err := p.waitRoom(ctx, max); err != nil {
				return err
			}
		}
	} else {
		p.pending.Add(1)
	}
	if p.closed.Load() {
		p.finish(1)
		return ErrClosed
	}
	return nil
}

// waitRoom blocks until fewer than max tasks are pending, the pool is
// closed, or ctx ends, and returns the context's cause in the last case.
func (p *Pool) waitRoom(ctx context.Context, max int64) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() {
			p.waitMu.Lock()
			p.cond.Broadcast()
			p.waitMu.Unlock()
		})
		defer stop()
	}
	p.waitMu.Lock()
	defer p.waitMu.Unlock()
	p.sleepers.Add(1)
	defer p.sleepers.Add(-1)
	for p.pending.Load() >= max && !p.closed.Load() {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		p.cond.Wait()
	}
	return nil
}

// finish credits k finished pending tasks and wakes Wait, Close and blocked
// Submits when they may proceed. Its Add comes before its load of sleepers,
// and a sleeper's Add to sleepers comes before its load of pending, so one of
// the two sees the other (see Wait).
func (p *Pool) finish(k int64) {
	left := p.pending.Add(-k)
	if left < 0 {
		panic("workpool: internal error: pending count went negative")
	}
	if p.sleepers.Load() == 0 {
		return
	}
	if left == 0 || p.cfg.maxQueued > 0 {
		p.waitMu.Lock()
		p.cond.Broadcast()
		p.waitMu.Unlock()
	}
}

// Wait blocks until every task accepted before the call (by Submit,
// TrySubmit, Spawn, or a Run in progress) has finished, and every task those
// tasks spawned. The end of each such task synchronizes before Wait returns.
// Wait returns the first panic, as a *[PanicError], of a submitted task that
// ran since the previous Wait without a [WithPanicHandler] handler to go to;
// otherwise nil. Called from inside one of the pool's own tasks, where it
// would wait for itself, Wait returns an error matching [ErrInsideTask] at
// once.
func (p *Pool) Wait() error {
	if p.self() != nil {
		return &insideTaskError{"Pool.Wait"}
	}
	p.waitMu.Lock()
	defer p.waitMu.Unlock()
	p.sleepers.Add(1)
	for p.pending.Load() != 0 {
		p.cond.Wait()
	}
	p.sleepers.Add(-1)
	return p.takePanicLocked()
}

func (p *Pool) takePanicLocked() error {
	if pe := p.panicErr; pe != nil {
		p.panicErr = nil
		return pe
	}
	return nil
}

// Close stops the pool from accepting tasks, waits for every accepted task
// to finish, and stops the workers. Submits that race with Close either are
// accepted and run, or return [ErrClosed]; none is dropped. Close returns
// what [Pool.Wait] would. Close is idempotent: later calls wait the same
// way and return nil. Called from inside one of the pool's own tasks, where
// it would wait for itself, Close does nothing and returns an error
// matching [ErrInsideTask].
func (p *Pool) Close() error {
	if p.self() != nil {
		return &insideTaskError{"Pool.Close"}
	}
	return p.shutdown(context.Background())
}

// Shutdown is [Pool.Close] bounded by ctx. If every accepted task finishes
// before ctx is done, Shutdown stops the workers and returns what Close
// would. Otherwise it returns a *[ShutdownError] that says how many tasks
// were left and wraps context.Cause(ctx); those tasks are not dropped but
// keep running, and the workers keep running until a later Close. Called
// from inside one of the pool's own tasks, Shutdown does nothing and returns
// an error matching [ErrInsideTask].
func (p *Pool) Shutdown(ctx context.Context) error {
	if ctx == nil {
		panic("workpool: Pool.Shutdown called with a nil Context")
	}
	if p.self() != nil {
		return &insideTaskError{"Pool.Shutdown"}
	}
	return p.shutdown(ctx)
}

func (p *Pool) shutdown(ctx context.Context) error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.waitMu.Lock()
		p.cond.Broadcast() // blocked Submits return ErrClosed
		p.waitMu.Unlock()
	})
	stop := context.AfterFunc(ctx, func() {
		p.waitMu.Lock()
		p.cond.Broadcast()
		p.waitMu.Unlock()
	})
	p.waitMu.Lock()
	p.sleepers.Add(1)
	drained := false
	for {
		if p.pending.Load() == 0 {
			drained = true
			break
		}
		if ctx.Err() != nil {
			break
		}
		p.cond.Wait()
	}
	p.sleepers.Add(-1)
	// Once closed is set and pending has been seen at zero, every later
	// count is a Submit, Spawn or Run on its way to ErrClosed (accept counts
	// before it checks closed), not an accepted task: the pool is drained.
	var left int64
	if !drained {
		left = p.pending.Load()
	}
	var err error
	if left == 0 {
		err = p.takePanicLocked()
	}
	p.waitMu.Unlock()
	stop()
	if left != 0 {
		return &ShutdownError{Left: int(left), Err: context.Cause(ctx)}
	}
	p.stopOnce.Do(func() {
		p.mu.Lock()
		p.stopped.Store(true)
		for _, w := range p.idle {
			w.idleAt = -1
			w.wake <- false
		}
		p.npidle.Add(-int32(len(p.idle)))
		p.idle = nil
		p.mu.Unlock()
	})
	p.wg.Wait()
	return err
}

// wakep is the runtime's wakep: if no worker is spinning, it makes one
// parked worker spinning and wakes it. A spinning worker that finds work
// calls wakep in turn (resetSpinning), so a burst of work wakes workers one
// at a time, as fast as they find something, and never more than needed.
//
// Every place that publishes work calls wakep after publishing. Its common
// case (nobody parked, or somebody already spinning) is two atomic loads,
// inlined into the caller; only a wakeup pays for the call to wakepSlow.
func (p *Pool) wakep() {
	if p.npidle.Load() == 0 || p.nspinning.Load() != 0 {
		return
	}
	p.wakepSlow()
}

// wakepSlow makes one parked worker spinning and wakes it, unless another
// worker started spinning or the last parked one was woken meanwhile.
func (p *Pool) wakepSlow() {
	if p.npidle.Load() == 0 {
		return
	}
	if p.nspinning.Load() != 0 || !p.nspinning.CompareAndSwap(0, 1) {
		return
	}
	p.mu.Lock()
	n := len(p.idle)
	if n == 0 || p.stopped.Load() {
		p.mu.Unlock()
		p.nspinning.Add(-1)
		return
	}
	w := p.idle[n-1]
	w.idleAt = -1
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	p.npidle.Add(-1)
	p.mu.Unlock()
	w.wake <- true // it owns the spinning count taken above
}

// removeIdle takes w off the idle list if it is still there, in O(1): w
// knows its index, and the last entry moves into its place.
func (p *Pool) removeIdle(w *Worker) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := w.idleAt
	if i < 0 {
		return false
	}
	last := len(p.idle) - 1
	x := p.idle[last]
	p.idle[i] = x
	x.idleAt = i
	p.idle[last] = nil
	p.idle = p.idle[:last]
	w.idleAt = -1
	p.npidle.Add(-1)
	return true
}

// globalNonEmpty reports whether the global queue or the partial chunk
// looks non-empty.
func (p *Pool) globalNonEmpty() bool {
	return p.global.Len() > 0 || p.curN.Load() > 0
}

// anyWork reports whether some queue looks non-empty. It is a spinning
// worker's last look before it parks, and it costs O(workers/64) word loads
// plus a look at each worker whose hasWork bit is set, not a look at every
// worker.
//
// Why no wakeup is lost. A worker that adds to its own queues publishes
// the work (the push, then markWork's Or, both sequentially consistent
// atomics) and then loads npidle and nspinning, and calls wakep if nobody
// spins. The spinner that gives up publishes itself idle (npidle, under
// p.mu), then stops counting as spinning (nspinning.Add), and then calls
// anyWork, which loads the bitmap and then the queues of the marked
// workers. In the single order of these atomics, either the adder's load
// of nspinning comes after the spinner's Add, so it sees the spinner idle
// and not spinning and wakes a worker; or the spinner's loads come after
// the adder's push and Or, so anyWork sees the bit and the queued work and
// the spinner goes back to look. A bit is cleared only by its owner when
// its queues are empty (unmarkWork), and only the owner adds to them, so a
// clear bit never hides work. Submit and Run push to the global queue,
// which anyWork reads directly.
func (p *Pool) anyWork() bool {
	if p.globalNonEmpty() {
		return true
	}
	for wi := range p.hasWork {
		set := p.hasWork[wi].Load()
		for set != 0 {
			b := bits.TrailingZeros64(set)
			set &= set - 1
			v := p.workers[wi<<6+b]
			if v.dq.Len() > 0 || v.runnext.Load() != nil {
				return true
			}
			if g := v.group.Load(); g != nil && g.next.Load() < g.gn.Load() {
				return true
			}
		}
	}
	return false
}

func (p *Pool) recordPanic(pe *PanicError) {
	if h := p.cfg.onPanic; h != nil {
		func() {
			defer func() { _ = recover() }() // a panicking handler must not kill the worker
			h(pe)
		}()
		return
	}
	p.waitMu.Lock()
	if p.panicErr == nil {
		p.panicErr = pe
	}
	p.waitMu.Unlock()
}
