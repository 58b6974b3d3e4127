package workpool

import (
	"context"
	"sync"
	"sync/atomic"
)

type jobKind uint8

const (
	kindTask  jobKind = iota // a Pool.Submit task claimed from a group: fn
	kindSpawn                // Worker.Spawn: wfn; counted in pending
	kindJoin                 // Join's b: wfn; the joiner waits on state
	kindScope                // Scope.Go: wfn; the scope counts it
	kindRoot                 // Run's fn; counted in pending
	kindChunk                // up to chunkSize Pool.Submit tasks; each counted in pending
)

// Join job states.
const (
	jobPending  = iota
	jobDone     // the job has run (or was skipped); j.pe is set
	jobSleeping // the joiner parked on joinWake; the completer must wake it
)

// A job is the pool's task record, the g of the runtime's model. Join and
// Scope jobs and spawned tasks come from a worker's free list and go back to
// one, so that forking allocates nothing but the caller's closure.
type job struct {
	kind   jobKind
	state  atomic.Uint32 // kindJoin: jobPending, jobDone, jobSleeping
	fn     func()
	wfn    func(*Worker)
	run    *runState
	scope  *Scope
	chunk  *chunk      // kindChunk
	pe     *PanicError // kindJoin: b's panic, for the joiner
	joiner *Worker     // kindJoin: who to wake
	fb     join2Runner // kindJoin from Join2: b
	res    any         // kindJoin from Join2: fb's result
	next   *job        // free list
}

// runState is one Run call's tree.
type runState struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	// stop is set once the tree is cancelled: by fail at once, and by an
	// AfterFunc on ctx within a goroutine switch of ctx being done. Join
	// reads it twice per call, so it is a plain atomic load rather than
	// a receive on ctx.Done().
	stop atomic.Bool
	fn   func(*Worker) error
	done chan struct{}
	mu   sync.Mutex
	err  error
}

func (rs *runState) cancelled() bool { return rs.stop.Load() }

// fail records the tree's first error and cancels the tree with it.
func (rs *runState) fail(err error) {
	rs.mu.Lock()
	if rs.err == nil {
		rs.err = err
	}
	rs.mu.Unlock()
	rs.stop.Store(true)
	rs.cancel(err)
}

// Run runs fn on one of the pool's workers and returns when fn, and every
// function it forked with [Worker.Join] and [Worker.Scope], has returned.
// The functions of the tree run on the pool's workers; the caller of Run
// only waits.
//
// Run returns the first of: the first non-nil error returned by fn; the
// first panic in any function of the tree, as a *[PanicError]; or, if ctx
// was cancelled before the tree finished, context.Cause(ctx). The first
// error or panic cancels [Worker.Context] for the whole tree. Once the tree
// is cancelled, Join and Scope.Go run nothing new (the functions already
// running finish), so a cancelled computation winds down quickly; its
// partial results must not be used. Run returns [ErrClosed] if the pool is
// closed, and context.Cause(ctx) without running fn if ctx is already done.
//
// Run may be called from any goroutine. Called from inside one of the same
// pool's tasks (a submitted or spawned task, or a function of another Run
// tree), Run does not queue fn and wait, which would block a worker and
// could deadlock the pool: it calls fn at once on the calling worker, which
// is already one of the pool's workers, and returns as above, with the same
// error, panic and cancellation rules. The forks of that inner tree are
// stealable as usual, and the worker helps while it waits for them, so
// nested Runs work at any width, even with one worker.
func (p *Pool) Run(ctx context.Context, fn func(w *Worker) error) error {
	if ctx == nil {
		panic("workpool: Pool.Run called with a nil Context")
	}
	if fn == nil {
		panic("workpool: Pool.Run called with a nil function")
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if w := p.self(); w != nil {
		return w.runInline(ctx, fn)
	}
	if err := p.accept(ctx, true); err != nil {
		return err
	}
	rs := &runState{fn: fn, done: make(chan struct{})}
	rs.ctx, rs.cancel = context.WithCancelCause(ctx)
	stopWatch := context.AfterFunc(rs.ctx, func() { rs.stop.Store(true) })
	p.global.Push(&job{kind: kindRoot, run: rs})
	p.runs.Add(1)
	p.wakep()
	<-rs.done
	stopWatch()
	rs.cancel(context.Canceled)
	return rs.err
}

// runInline is Run called from a task running on w: it runs fn as the root
// of a new tree on w itself. It needs no pending count of its own, as the
// task that called it is counted (or belongs to a tree whose root is) until
// it returns.
func (w *Worker) runInline(ctx context.Context, fn func(*Worker) error) error {
	p := w.p
	if p.closed.Load() {
		return ErrClosed
	}
	p.runs.Add(1)
	p.rootsTaken.Add(1)
	rs := &runState{fn: fn, done: make(chan struct{})}
	rs.ctx, rs.cancel = context.WithCancelCause(ctx)
	stopWatch := context.AfterFunc(rs.ctx, func() { rs.stop.Store(true) })
	prev := w.cur
	w.cur = rs
	w.runRoot(rs)
	w.cur = prev
	w.st[cCompleted]++
	stopWatch()
	rs.cancel(context.Canceled)
	return rs.err
}

// runRoot runs a Run's fn on w and completes the Run.
func (w *Worker) runRoot(rs *runState) {
	var err error
	pe := w.call(func(w *Worker) { err = rs.fn(w) })
	rs.mu.Lock()
	switch {
	case rs.err != nil: // first panic (or error) recorded by fail
	case pe != nil:
		rs.err = pe
	case err != nil:
		rs.err = err
	case rs.ctx.Err() != nil:
		rs.err = context.Cause(rs.ctx)
	}
	rs.mu.Unlock()
	close(rs.done)
}

// Join runs a and b, possibly in parallel, and returns when both have
// returned. It runs a at once on the calling worker and leaves b in the
// worker's queue, where an idle worker may steal it. If b was not stolen,
// Join runs it inline after a; if it was, the worker runs other queued work
// (its own, the global queue's, or stolen) until b is done, and parks only
// when there is none. So Join never blocks a worker while work exists, and
// nested Joins cannot deadlock, even with one worker. Everything a and b
// did happens before Join returns.
//
// If a panics, Join does not start b if b was not stolen, waits for b if it
// was, and then panics with a's *[PanicError], which carries the original
// value and stack up to Run. A panic in b propagates the same way once a
// has returned. If the Run tree is cancelled, Join runs nothing new.
//
// The cost of a Join whose b is not stolen is a push and a pop on the
// worker's own queue, with no allocation but the caller's closures (see the
// package documentation for the measured figure); for functions that return
// values, [Join2] is cheaper still. Join panics if a or b is nil.
func (w *Worker) Join(a, b func(w *Worker)) {
	if a == nil || b == nil {
		panic("workpool: Worker.Join called with a nil function")
	}
	rs := w.cur
	if rs != nil && rs.cancelled() {
		return
	}
	j := w.alloc()
	j.kind = kindJoin
	j.wfn = b
	j.run = rs
	j.joiner = w
	w.fork(j)
	pa := w.call(a)
	x := w.dq.Pop()
	if x == j {
		// b was not stolen. Run it inline, without a recover frame of its
		// own: a was done and nothing of this Join is left in any queue,
		// so a panic in b may simply unwind through Join, as it would
		// through a plain call; the next recover frame up still sees the
		// panicking stack.
		w.st[cLocalPops]++
		w.release(j)
		if pa != nil {
			panic(pa)
		}
		if rs == nil || !rs.cancelled() {
			b(w)
		}
		w.st[cCompleted]++
		return
	}
	pb := w.joinSlow(j, x)
	w.release(j)
	if pa != nil {
		panic(pa)
	}
	if pb != nil {
		panic(pb)
	}
}

// joinSlow finishes a Join whose pop did not return its job j: x is what
// the pop returned instead (nil or newer work left above j).
func (w *Worker) joinSlow(j, x *job) *PanicError {
	for x != nil {
		if x == j {
			w.st[cLocalPops]++
			w.run(j) // inline; marks j done
			return j.pe
		}
		w.st[cLocalPops]++
		w.execute(x)
		if j.state.Load() == jobDone {
			return j.pe
		}
		x = w.dq.Pop()
	}
	// j was stolen: help until it is done.
	spins := 0
	for j.state.Load() != jobDone {
		if x := w.findHelp(); x != nil {
			w.execute(x)
			spins = 0
			continue
		}
		if spins < helpSpins {
			spins++
			yield()
			continue
		}
		if j.state.CompareAndSwap(jobPending, jobSleeping) {
			w.parkJoin()
		}
	}
	return j.pe
}

// Join2 runs a and b as [Worker.Join] does and returns their results:
// a's inline, b's inline too unless b was stolen, with the same panic,
// cancellation and happens-before rules (a skipped function's result is
// the zero value). It is the cheaper form of a Join that returns values:
// b's result is written straight into Join2's own result when b runs
// inline, and only a stolen b boxes its result in the pool's recycled job
// record. So a Join2 allocates nothing but the caller's closure for b,
// where a Join that writes results into the caller's variables also moves
// the variable that b writes to the heap.
func Join2[A, B any](w *Worker, a func(*Worker) A, b func(*Worker) B) (ra A, rb B) {
	if a == nil || b == nil {
		panic("workpool: Join2 called with a nil function")
	}
	rs := w.cur
	if rs != nil && rs.cancelled() {
		return ra, rb
	}
	j := w.alloc()
	j.kind = kindJoin
	j.fb = join2Fn[B](b)
	j.run = rs
	j.joiner = w
	w.fork(j)
	pa := call1(w, a, &ra)
	x := w.dq.Pop()
	if x == j {
		// Not stolen: as in Join, b runs without a recover frame.
		w.st[cLocalPops]++
		w.release(j)
		if pa != nil {
			panic(pa)
		}
		if rs == nil || !rs.cancelled() {
			rb = b(w)
		}
		w.st[cCompleted]++
		return ra, rb
	}
	pb := w.joinSlow(j, x)
	if v, ok := j.res.(B); ok {
		rb = v
	}
	w.release(j)
	if pa != nil {
		panic(pa)
	}
	if pb != nil {
		panic(pb)
	}
	return ra, rb
}

// A join2Fn is a Join2's b as a job record holds it: a func value in an
// interface, which costs no allocation. Its method runs b and boxes the
// result; it runs only when b runs from the queue (stolen, or taken back
// after other work), never on Join2's inline path.
type join2Fn[B any] func(*Worker) B

func (f join2Fn[B]) callAny(w *Worker) any { return f(w) }

// A join2Runner is a join2Fn of any result type.
type join2Runner interface{ callAny(w *Worker) any }

// call1 is [Worker.call] for a function with a result, stored in *out.
func call1[A any](w *Worker, fn func(*Worker) A, out *A) (pe *PanicError) {
	ok := false
	defer func() {
		if !ok {
			if r := recover(); r != nil {
				pe = w.panicked(r)
			}
		}
	}()
	*out = fn(w)
	ok = true
	return nil
}

// A Scope is an n-ary fork created by [Worker.Scope]: every function passed
// to [Scope.Go] has returned by the time Scope returns.
type Scope struct {
	w       *Worker
	run     *runState
	n       atomic.Int64 // functions started with Go and not yet finished
	sleeper atomic.Pointer[Worker]
	pe      atomic.Pointer[PanicError]
	closed  bool
}

// Scope calls fn with a new [Scope] and returns when fn and every function
// started with s.Go have returned. While it waits, the worker runs the
// scope's queued functions itself, or other queued work, and parks only
// when there is none, as [Worker.Join] does. Everything those functions did
// happens before Scope returns. If any of them panicked, Scope panics with
// the first *[PanicError] after all have returned (fn's own panic first).
func (w *Worker) Scope(fn func(s *Scope)) {
	if fn == nil {
		panic("workpool: Worker.Scope called with a nil function")
	}
	s := &Scope{w: w, run: w.cur}
	pe := w.call(func(*Worker) { fn(s) })
	s.closed = true
	w.waitScope(s)
	if pe == nil {
		pe = s.pe.Load()
	}
	if pe != nil {
		panic(pe)
	}
}

// Go queues fn to run on some worker as part of the scope. Go must be
// called by the function passed to [Worker.Scope], on its goroutine, and
// before it returns: fn runs with its own *Worker and forks further with
// that Worker's Join or Scope, not with s. If the Run tree is cancelled, Go
// queues nothing. Go panics if fn is nil or if the scope has ended.
func (s *Scope) Go(fn func(w *Worker)) {
	if fn == nil {
		panic("workpool: Scope.Go called with a nil function")
	}
	if s.closed {
		panic("workpool: Scope.Go called after the scope's function returned")
	}
	if s.run != nil && s.run.cancelled() {
		return
	}
	w := s.w
	j := w.alloc()
	j.kind = kindScope
	j.wfn = fn
	j.run = s.run
	j.scope = s
	s.n.Add(1)
	w.fork(j)
}

// doneOne is called once per finished function of the scope. The last one
// wakes the scope's waiter if it parked.
func (s *Scope) doneOne() {
	if s.n.Add(-1) == 0 {
		if sl := s.sleeper.Swap(nil); sl != nil {
			sl.joinWake <- struct{}{}
		}
	}
}

func (w *Worker) waitScope(s *Scope) {
	spins := 0
	for s.n.Load() != 0 {
		// The scope's own functions are at the bottom of this worker's
		// queue, newest first: take them back depth-first.
		if x := w.dq.Pop(); x != nil {
			w.st[cLocalPops]++
			w.execute(x)
			spins = 0
			continue
		}
		if x := w.findHelp(); x != nil {
			w.execute(x)
			spins = 0
			continue
		}
		if spins < helpSpins {
			spins++
			yield()
			continue
		}
		s.sleeper.Store(w)
		if s.n.Load() == 0 && s.sleeper.CompareAndSwap(w, nil) {
			return
		}
		// Either n is not zero (the last doneOne will Swap us out and
		// wake us) or a doneOne already took us and is waking us.
		w.parkJoin()
	}
}

// Spawn queues task to run once on the pool as a fire-and-forget task, like
// [Pool.Submit], but on this worker's own queue: task goes into the
// worker's runnext slot and runs next, unless an idle worker steals it
// first (the runtime's newproc). The task is counted by [Pool.Wait] and its
// panics go to the [WithPanicHandler] handler; it is not part of the Run
// tree that spawned it and its Context is context.Background(). Spawn
// returns [ErrClosed] without queueing task if the pool is closed. It panics
// if task is nil.
func (w *Worker) Spawn(task func(w *Worker)) error {
	if task == nil {
		panic("workpool: Worker.Spawn called with a nil task")
	}
	p := w.p
	p.pending.Add(1)
	if p.closed.Load() {
		p.finish(1)
		return ErrClosed
	}
	j := w.alloc()
	j.kind = kindSpawn
	j.wfn = task
	if old := w.runnext.Swap(j); old != nil {
		w.dq.Push(old)
	}
	w.markWork()
	w.st[cSubmitted]++
	p.wakep()
	return nil
}

// fork publishes j, a forked function of w's, on w's own deque where idle
// workers can steal it: push, mark w as having work, count it, and wake a
// parked worker if nobody is spinning to find it.
func (w *Worker) fork(j *job) {
	w.dq.Push(j)
	w.markWork()
	w.st[cSubmitted]++
	w.p.wakep()
}
