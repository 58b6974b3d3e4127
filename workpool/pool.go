package workpool

import (
	"context"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gmpkit/gmpkit/steal"
)

// A Pool is a set of worker goroutines that run tasks from per-processor
// queues and a global queue, stealing from each other when idle. See the
// package documentation for the guarantees and costs.
//
// Tasks enter a pool in these ways: [Pool.Submit], [Pool.TrySubmit] and
// [Pool.SubmitContext] (fire and forget, from any goroutine), [Pool.Run]
// (a fork-join computation whose functions fork with [Worker.Join],
// [Worker.Scope] and [Worker.For]), [Pool.NewGroup] (tasks whose errors
// and results are collected), and [Worker.Spawn] (fire and forget from
// inside a task, onto the spawner's own queue).
//
// A successful Submit, TrySubmit, SubmitContext or Spawn of a task
// synchronizes before the task starts, and the end of every task
// synchronizes before the return of a Wait, Close or Shutdown that waited
// for it.
//
// A Pool's workers run until Close (or a Shutdown that finishes) stops them;
// a Pool that is dropped without Close leaks its parked workers. All methods
// are safe for concurrent use. A Pool must be created with [New]; the
// methods of a zero Pool panic.
type Pool struct {
	cfg    config
	policy steal.Policy

	set    atomic.Pointer[procSet] // the active procs
	nprocs atomic.Int32            // len(set.procs)
	work   workBits                // a bit per proc id: may have queued work

	global steal.GlobalQueue[job]

	// The scheduler's shared words, each on its own cache line: they are
	// read by every Submit and every published fork and written rarely.
	_         [64]byte
	npidle    atomic.Int32 // workers parked holding a proc (idle, or awaiting a fork)
	_         [60]byte
	nspinning atomic.Int32 // workers looking for work without owning any
	_         [60]byte
	pending   atomic.Int64 // accepted pool tasks not yet credited as finished
	_         [56]byte
	// Submit writes tasks into a chunk, the batch that goes into the
	// global queue as one job when full. A worker that finds the global
	// queue empty takes the partly filled chunk (takePartial). See
	// chunk.go.
	subMu       sync.Mutex
	filling     *chunk       // guarded by subMu; nil or not full
	fillingN    atomic.Int32 // 1 if filling holds a task, for lock-free checks
	submitted   uint64       // guarded by subMu: Submit, TrySubmit and SubmitContext calls accepted
	unsampled   int          // guarded by subMu: tasks until the next latency sample; below 0 for good when sampling is off
	_           [60]byte
	expanded    atomic.Uint64 // submitted tasks whose chunk a worker has started to run
	runs        atomic.Uint64 // Run calls accepted
	rootsTaken  atomic.Uint64 // Run roots taken from the global queue
	claiming    atomic.Int32  // claimFrom calls in flight (see runChunk)
	roomWaiters atomic.Int32  // Submits waiting for room under the bound

	maxSpin    int32 // the most workers that may spin: GOMAXPROCS at New
	maxVictims int   // the most victims one steal pass probes in a large pool

	mu      sync.Mutex  // sched.lock: guards the lists below, nms and set changes
	idle    []*Worker   // workers parked holding a proc, newest last
	spares  []*Worker   // workers parked without a proc
	trimmer *time.Timer // ends spares parked too long (trimSpares); nil if none is parked
	nms     int         // worker goroutines alive, spares included
	// ms holds every worker goroutine by identity, for Pool.self to find
	// one running a task without a proc (in Blocking, or after it);
	// nprocless counts those.
	msMu      sync.Mutex
	ms        map[uint64]*Worker // guarded by msMu
	nprocless atomic.Int32
	nblock    atomic.Int32 // workers in Blocking that handed their proc over

	waitMu   sync.Mutex // guards cond's waits and panicErr
	cond     sync.Cond  // signalled when pending drops (see finish) or on close
	sleepers atomic.Int32
	panicErr *PanicError // first unhandled Submit panic since the last Wait

	orphan [numCounters]atomic.Uint64 // counts from workers without a proc

	spareLabels context.Context // pprof labels of a worker started without a proc

	closed    atomic.Bool // no new tasks
	stopped   atomic.Bool // closed and drained: workers exit
	closeOnce sync.Once
	stopOnce  sync.Once
	wg        sync.WaitGroup // worker goroutines
}

// A procSet is the set of active procs and the steal orders over them.
// Resize replaces it; it is never changed once published.
type procSet struct {
	procs []*proc  // the active procs
	byID  []*proc  // every proc made so far, indexed by id
	steps []uint32 // numbers coprime to len(procs): steal orders
}

func newProcSet(procs, byID []*proc) *procSet {
	s := &procSet{procs: procs, byID: byID}
	n := len(procs)
	for k := 1; k <= n; k++ {
		if gcd(k, n) == 1 {
			s.steps = append(s.steps, uint32(k))
		}
	}
	return s
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
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
	p := &Pool{cfg: cfg, policy: cfg.policy, unsampled: cfg.sampleEvery}
	p.cond.L = &p.waitMu
	p.spareLabels = pprof.WithLabels(context.Background(), pprof.Labels("workpool", cfg.name, "worker", "spare"))
	procs := runtime.GOMAXPROCS(0)
	p.maxSpin = int32(procs)
	p.maxVictims = max(2*procs, minVictims)
	n := cfg.workers
	p.work.init(n)
	all := make([]*proc, n)
	for i := range all {
		all[i] = newProc(p, i)
	}
	p.set.Store(newProcSet(all, all))
	p.nprocs.Store(int32(n))
	p.nms = n
	p.wg.Add(n)
	for _, pr := range all {
		p.start(pr)
	}
	return p
}

// mustInit panics if p was not made by New.
func (p *Pool) mustInit(method string) {
	if p == nil || p.set.Load() == nil {
		panic("workpool: " + method + " called on a Pool not made by workpool.New")
	}
}

// Name returns the name set with [WithName].
func (p *Pool) Name() string {
	p.mustInit("Pool.Name")
	return p.cfg.name
}

// Workers returns the number of processors: the workers that run tasks at
// once, not counting workers blocked in [Worker.Blocking]. It changes only
// with [Pool.Resize].
func (p *Pool) Workers() int {
	p.mustInit("Pool.Workers")
	return int(p.nprocs.Load())
}

// Submit queues task to run once on one of the pool's workers and returns
// nil, or returns [ErrClosed] without queueing it if the pool is closed.
// With a [WithMaxQueued] bound, Submit blocks while the bound is reached;
// called from inside one of the pool's own tasks it does not block there,
// since the room it waits for could be its own caller's, and returns an
// error that matches both [ErrFull] and [ErrInsideTask]. A panic in task
// goes to the [WithPanicHandler] handler. Submit panics if task is nil.
func (p *Pool) Submit(task func()) error {
	p.mustInit("Pool.Submit")
	if task == nil {
		panic("workpool: Pool.Submit called with a nil task")
	}
	if err := p.accept(context.Background(), true); err != nil {
		return err
	}
	p.enqueue(submitted{fn: task})
	return nil
}

// TrySubmit is like [Pool.Submit] but never blocks: at the [WithMaxQueued]
// bound it returns [ErrFull] and does not queue the task. Without a bound it
// is the same as Submit. TrySubmit panics if task is nil.
func (p *Pool) TrySubmit(task func()) error {
	p.mustInit("Pool.TrySubmit")
	if task == nil {
		panic("workpool: Pool.TrySubmit called with a nil task")
	}
	if err := p.accept(context.Background(), false); err != nil {
		return err
	}
	p.enqueue(submitted{fn: task})
	return nil
}

// SubmitContext is like [Pool.Submit] for a task that takes a context. A
// wait for room at the [WithMaxQueued] bound ends when ctx is done, and
// SubmitContext then returns context.Cause(ctx) without queueing the task,
// as it does at once if ctx is already done. A queued task whose ctx is
// done before it starts is not run: it counts as finished for Wait, and in
// [Stats.Skipped]. A task that starts gets ctx. SubmitContext panics if
// ctx or task is nil.
func (p *Pool) SubmitContext(ctx context.Context, task func(ctx context.Context)) error {
	p.mustInit("Pool.SubmitContext")
	if ctx == nil {
		panic("workpool: Pool.SubmitContext called with a nil Context")
	}
	if task == nil {
		panic("workpool: Pool.SubmitContext called with a nil task")
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if err := p.accept(ctx, true); err != nil {
		return err
	}
	p.enqueue(submitted{cfn: task, ctx: ctx})
	return nil
}

// enqueue adds an accepted task to the chunk being filled, which goes to
// the global queue when full, and wakes a worker if none is looking.
func (p *Pool) enqueue(t submitted) {
	p.subMu.Lock()
	c := p.filling
	if c == nil {
		c = chunks.Get().(*chunk)
		p.filling = c
	}
	p.submitted++
	if p.unsampled--; p.unsampled == 0 { // a countdown: no division per task
		p.unsampled = p.cfg.sampleEvery
		t.stamp = nanotime()
	}
	c.add(t)
	switch c.n {
	case chunkSize:
		p.filling = nil
		p.fillingN.Store(0)
		p.global.Push(&c.j)
	case 1:
		p.fillingN.Store(1) // one store per chunk, not per task
	}
	p.subMu.Unlock()
	p.wakep()
}

// accept counts one more pending task, or reports why it cannot. The count
// comes before the closed check: a Close that does not see the task's count
// happens after the check, which then sees closed. So a task is either
// refused or waited for by Close, never queued behind a stopped pool.
//
// Under a bound, a blocking accept waits for room until ctx ends, unless
// the caller is one of the pool's own tasks, which could be waiting for
// itself: then it returns at once with a fullInsideTaskError, having
// counted nothing.
func (p *Pool) accept(ctx context.Context, block bool) error {
	if max := int64(p.cfg.maxQueued); max > 0 {
		for !p.tryReserve(max) {
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

// tryReserve counts one more pending task if fewer than max are pending,
// first collecting the finished tasks that procs have not yet credited.
func (p *Pool) tryReserve(max int64) bool {
	for collected := false; ; {
		n := p.pending.Load()
		if n < max {
			if p.pending.CompareAndSwap(n, n+1) {
				return true
			}
			continue
		}
		if collected {
			return false
		}
		p.collectCredit(false)
		collected = true
	}
}

// collectCredit credits to pending the finished tasks that the procs have
// counted but not yet credited, so that the bound is exact: a proc whose
// worker is blocked in a task cannot hold back room. See waitRoom for why
// no credit escapes a waiter. With locked set the caller holds waitMu, and
// the waiters on cond are woken directly.
func (p *Pool) collectCredit(locked bool) {
	var k int64
	for _, pr := range p.set.Load().procs {
		if pr.credit.Load() != 0 {
			k += pr.credit.Swap(0)
		}
	}
	if k == 0 {
		return
	}
	if !locked {
		p.finish(k)
		return
	}
	if left := p.pending.Add(-k); left < 0 {
		panic("workpool: internal error: pending count went negative")
	}
	p.cond.Broadcast()
}

// waitRoom blocks until fewer than max tasks are pending, the pool is
// closed, or ctx ends, and returns the context's cause in the last case.
//
// Why no wakeup is lost: a waiter counts itself in roomWaiters before it
// collects the procs' credit, and a proc adds to its credit before it
// loads roomWaiters; so either the waiter's collection sees the credit, or
// the proc sees the waiter and credits at once, which broadcasts under
// waitMu, held by the waiter from before its collection until it waits.
func (p *Pool) waitRoom(ctx context.Context, max int64) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, p.broadcast)
		defer stop()
	}
	p.waitMu.Lock()
	defer p.waitMu.Unlock()
	p.sleepers.Add(1)
	p.roomWaiters.Add(1)
	defer p.roomWaiters.Add(-1)
	defer p.sleepers.Add(-1)
	for {
		p.collectCredit(true)
		if p.pending.Load() < max || p.closed.Load() {
			return nil
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		p.cond.Wait()
	}
}

// broadcast wakes every goroutine waiting on p.cond.
func (p *Pool) broadcast() {
	p.waitMu.Lock()
	p.cond.Broadcast()
	p.waitMu.Unlock()
}

// finish credits k finished pending tasks and wakes Wait, Close and blocked
// Submits when they may proceed. Its Add comes before its load of sleepers,
// and a sleeper's Add to sleepers comes before its load of pending, so one of
// the two sees the other.
func (p *Pool) finish(k int64) {
	left := p.pending.Add(-k)
	if left < 0 {
		panic("workpool: internal error: pending count went negative")
	}
	if p.sleepers.Load() == 0 {
		return
	}
	if left == 0 || p.roomWaiters.Load() != 0 {
		p.broadcast()
	}
}

// Wait blocks until every task accepted before the call (by Submit,
// TrySubmit, SubmitContext, Spawn, a Group, or a Run in progress) has
// finished, and every task those tasks spawned. The end of each such task
// synchronizes before Wait returns. Wait returns the first panic, as a
// *[PanicError], of a submitted task that ran since the previous Wait
// without a [WithPanicHandler] handler to go to; otherwise nil. Called from
// inside one of the pool's own tasks, where it would wait for itself, Wait
// returns an error matching [ErrInsideTask] at once.
func (p *Pool) Wait() error {
	p.mustInit("Pool.Wait")
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
	p.mustInit("Pool.Close")
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
	p.mustInit("Pool.Shutdown")
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
		p.broadcast() // blocked Submits return ErrClosed
	})
	left, err := p.drain(ctx)
	if left != 0 {
		return &ShutdownError{Left: int(left), Err: context.Cause(ctx)}
	}
	p.stopOnce.Do(func() {
		p.mu.Lock()
		p.stopped.Store(true)
		p.stopWorkersLocked()
		p.mu.Unlock()
	})
	p.wg.Wait()
	if testHookStopped != nil {
		testHookStopped(p)
	}
	return err
}

// testHookStopped, if set (only by tests), is called each time a Close or
// Shutdown returns with the pool's workers stopped.
var testHookStopped func(*Pool)

// drain waits until no task is pending or ctx is done, and returns how
// many tasks were left and, if none, the panic Wait would return.
//
// Once closed is set and pending has been seen at zero, every later count
// is a Submit, Spawn or Run on its way to ErrClosed (accept counts before
// it checks closed), not an accepted task: the pool is drained.
func (p *Pool) drain(ctx context.Context) (int64, error) {
	stop := context.AfterFunc(ctx, p.broadcast)
	defer stop()
	p.waitMu.Lock()
	defer p.waitMu.Unlock()
	p.sleepers.Add(1)
	defer p.sleepers.Add(-1)
	for p.pending.Load() != 0 {
		if ctx.Err() != nil {
			return p.pending.Load(), nil
		}
		p.cond.Wait()
	}
	return 0, p.takePanicLocked()
}

// self returns the worker whose goroutine is the caller, or nil if the
// caller is not one of p's workers running a task, with a proc or without.
// It costs a goroutine identity (see gid) and a scan of the procs.
func (p *Pool) self() *Worker {
	if p.npidle.Load() >= p.nprocs.Load() && p.nprocless.Load() == 0 {
		return nil // every worker is parked: the caller is none of them
	}
	id := gid()
	if id == 0 {
		return nil
	}
	for _, pr := range p.set.Load().procs {
		if w := pr.owner.Load(); w != nil && w.gid.Load() == id {
			return w
		}
	}
	if p.nprocless.Load() != 0 {
		return p.workerByGID(id)
	}
	return nil
}

// globalNonEmpty reports whether the global queue or the partial chunk
// looks non-empty.
func (p *Pool) globalNonEmpty() bool {
	return p.global.Len() > 0 || p.fillingN.Load() > 0
}

// anyWork reports whether some queue looks non-empty. It is a parking
// worker's last look, and it costs O(procs/64) word loads plus a look at
// each proc whose work bit is set, not a look at every proc.
//
// Why no wakeup is lost. A worker that adds to its proc's queues publishes
// the work (the push, then markWork's Or, both sequentially consistent
// atomics) and then loads npidle and nspinning, and calls wakep if nobody
// spins. The worker that parks publishes itself idle (npidle, under p.mu),
// then stops counting as spinning, and then calls anyWork, which loads the
// bitmap and then the queues of the marked procs. In the single order of
// these atomics, either the adder's loads come after the parker's stores,
// so it sees the parker idle and not spinning and wakes a worker; or the
// parker's loads come after the adder's push and Or, so anyWork sees the
// bit and the queued work and the parker looks again. A bit is cleared
// only by its proc's owner when its queues are empty (unmarkWork), and
// only the owner adds to them, so a clear bit never hides work. Submit and
// Run push to the global queue, which anyWork reads directly.
func (p *Pool) anyWork() bool {
	if p.globalNonEmpty() {
		return true
	}
	s := p.set.Load()
	found := false
	p.work.each(0, len(s.byID), func(i int) bool {
		found = s.byID[i].hasWork()
		return !found
	})
	return found
}
