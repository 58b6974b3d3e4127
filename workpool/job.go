package workpool

import (
	"context"
	"sync/atomic"
)

type jobKind uint8

const (
	kindChunk jobKind = iota // up to chunkSize submitted tasks, each counted in pending
	kindGroup                // the rest of a group whose owner handed its proc over
	kindTask                 // one submitted task claimed from a group: task
	kindSpawn                // Worker.Spawn: task.wfn; counted in pending
	kindJoin                 // Join's b: fork (or b2 for Join2); the joiner awaits the latch
	kindScope                // Scope.Go: fork; the scope counts it
	kindRoot                 // Run's function; counted in pending
	kindFor                  // a piece [lo, hi) of a For or ForRange loop
)

// A job is the pool's task record, the g of the runtime's model. Records
// come from a proc's free list and go back to one, so that forking
// allocates nothing but the caller's closure.
type job struct {
	kind    jobKind
	skipped bool  // the function was not run: its Run tree was cancelled
	latch   latch // kindJoin: set once b has run or was skipped

	task   submitted     // kindTask
	fork   func(*Worker) // kindSpawn, kindJoin, kindScope: the function
	b2     join2Runner   // kindJoin from Join2: b, whose result goes to res
	res    any           // kindJoin from Join2: b's result, if b ran from the queue
	tree   *runState     // the Run tree the function belongs to, or nil
	scope  *Scope        // kindScope
	loop   *loop         // kindFor
	lo     int           // kindFor
	hi     int           // kindFor
	splits int           // kindFor: the splitter's count (see Worker.split)
	by     *Worker       // kindFor: who offered the piece
	chunk  *chunk        // kindChunk, kindGroup
	perr   *PanicError   // kindJoin: b's panic, for the joiner
	next   *job          // free list
}

// A submitted is one task from Submit, TrySubmit or SubmitContext, as a
// chunk stores it.
type submitted struct {
	fn    func()                      // Submit, TrySubmit
	wfn   func(*Worker)               // Worker.Spawn
	cfn   func(context.Context)       // SubmitContext, with ctx
	ctx   context.Context             // SubmitContext: skip the task if done first
	gfn   func(context.Context) error // Group.Go, with grp
	grp   *Group
	stamp int64 // nanotime at Submit if the task is sampled for latency, else 0
}

// A latch is a one-shot completion flag with one waiter, the worker that
// created it: Join waits on its job's latch, Scope and For on their own.
// The waiter helps while it waits and may park; the setter wakes it if it
// parked, and only that park: the state word holds the token of the park
// it registered in (see Worker.park), so a latch set late never wakes its
// owner out of some later park.
type latch struct {
	state atomic.Uint64 // latchPending, latchDone, or tok<<2 | latchSleeping
	owner *Worker       // set before the latch is published; never changes
}

const (
	latchPending  = 0
	latchDone     = 1
	latchSleeping = 2 // low bits of a state whose high bits are the owner's park token
)

func (l *latch) done() bool { return l.state.Load() == latchDone }

// sleep registers the owner's park tok in l, unless l is set; it reports
// whether it did.
func (l *latch) sleep(tok uint64) bool {
	for {
		s := l.state.Load()
		if s == latchDone {
			return false
		}
		if l.state.CompareAndSwap(s, tok<<2|latchSleeping) {
			return true
		}
	}
}

// set marks the latch done and wakes its owner if it parked on it. After
// the Swap the owner may reuse the latch's memory, so the owner is read
// first.
func (l *latch) set() {
	o := l.owner
	if s := l.state.Swap(latchDone); s&3 == latchSleeping {
		o.wakeTok(s>>2, wakeLatch)
	}
}

// runState is one Run call's tree.
type runState struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	// stop is set once the tree is cancelled: by fail at once, and by an
	// AfterFunc on ctx within a goroutine switch of ctx being done. Join
	// reads it, so it is a plain atomic load rather than a receive on
	// ctx.Done().
	stop      atomic.Bool
	stopWatch func() bool
	fn        func(*Worker) error
	inline    bool // run by Run called from a task: not counted in pending
	done      chan struct{}
	err       atomic.Pointer[error]
}

func newRunState(ctx context.Context, fn func(*Worker) error) *runState {
	rs := &runState{fn: fn, done: make(chan struct{})}
	rs.ctx, rs.cancel = context.WithCancelCause(ctx)
	rs.stopWatch = context.AfterFunc(rs.ctx, func() { rs.stop.Store(true) })
	return rs
}

func (rs *runState) cancelled() bool { return rs != nil && rs.stop.Load() }

// fail records the tree's first error and cancels the tree with it.
func (rs *runState) fail(err error) {
	rs.err.CompareAndSwap(nil, &err)
	rs.stop.Store(true)
	rs.cancel(err)
}

// result is the first error recorded, or nil.
func (rs *runState) result() error {
	if e := rs.err.Load(); e != nil {
		return *e
	}
	return nil
}

// finish completes the tree: the result is the first error recorded or,
// if Run's context ended first, its cause. Run's caller returns it.
func (rs *runState) finish() {
	if rs.err.Load() == nil && rs.ctx.Err() != nil {
		err := context.Cause(rs.ctx)
		rs.err.CompareAndSwap(nil, &err)
	}
	close(rs.done)
}

// end releases the tree's context; the tree's result is final.
func (rs *runState) end() {
	rs.stopWatch()
	rs.cancel(context.Canceled)
}
