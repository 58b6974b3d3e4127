package workpool

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
)

// A Group is a set of tasks run on a pool's workers whose errors are
// collected, like golang.org/x/sync/errgroup's Group but without a
// goroutine per task. Its context is canceled the first time a function
// passed to Go returns a non-nil error or panics, or when Wait returns.
// Wait helps when it is called from inside one of the pool's tasks: that
// worker runs other tasks meanwhile, so groups nest without deadlock.
//
// A Group must be created with [Pool.NewGroup] and must not be copied.
type Group struct {
	p      *Pool
	ctx    context.Context
	cancel context.CancelCauseFunc

	n   atomic.Int64 // functions accepted and not yet finished
	err atomic.Pointer[error]

	limit atomic.Int32 // most functions running at once; 0 = no limit

	mu      sync.Mutex
	waiters []*latch  // Waits blocked until n is zero
	active  int       // functions submitted to the pool, not finished (under a limit)
	queue   []groupFn // functions waiting for room under the limit
}

type groupFn = func(ctx context.Context) error

// NewGroup returns a new Group of tasks on p, with a context derived from
// ctx. NewGroup panics if ctx is nil.
func (p *Pool) NewGroup(ctx context.Context) *Group {
	p.mustInit("Pool.NewGroup")
	if ctx == nil {
		panic("workpool: Pool.NewGroup called with a nil Context")
	}
	g := &Group{p: p}
	g.ctx, g.cancel = context.WithCancelCause(ctx)
	return g
}

// Context returns the group's context: canceled with the first error (or
// panic) of one of its functions, and when Wait returns.
func (g *Group) Context() context.Context { return g.ctx }

// SetLimit limits the number of the group's functions running at once to
// n; n < 0 means no limit. Functions beyond the limit wait in the group, in
// Go order, and start as others finish: Go never blocks. SetLimit must not
// be called while functions are waiting for room.
func (g *Group) SetLimit(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) != 0 {
		panic("workpool: Group.SetLimit called with " + strconv.Itoa(len(g.queue)) + " functions waiting for room")
	}
	g.limit.Store(int32(max(n, 0)))
}

// Go runs f(ctx) on one of the pool's workers, with the group's context,
// as part of the group. Called from inside one of the pool's tasks, it
// queues f on that worker's own queue; otherwise on the global queue, as
// Submit does (waiting for room under a WithMaxQueued bound). If the pool
// is closed, f does not run and Wait returns [ErrClosed]. A panic in f is
// the group's error as a *[PanicError]. Go panics if f is nil.
func (g *Group) Go(f func(ctx context.Context) error) {
	if f == nil {
		panic("workpool: Group.Go called with a nil function")
	}
	g.n.Add(1)
	if lim := int(g.limit.Load()); lim > 0 {
		g.mu.Lock()
		if g.active >= lim {
			g.queue = append(g.queue, f)
			g.mu.Unlock()
			return
		}
		g.active++
		g.mu.Unlock()
	}
	g.submit(f)
}

// TryGo is [Group.Go] that starts f only if the group is under its limit,
// and reports whether it did.
func (g *Group) TryGo(f func(ctx context.Context) error) bool {
	if f == nil {
		panic("workpool: Group.TryGo called with a nil function")
	}
	if lim := int(g.limit.Load()); lim > 0 {
		g.mu.Lock()
		if g.active >= lim {
			g.mu.Unlock()
			return false
		}
		g.active++
		g.mu.Unlock()
	}
	g.n.Add(1)
	g.submit(f)
	return true
}

// submit hands f to the pool: on the calling worker's own queue if the
// caller is one of its tasks, else through Submit's path. A task never
// waits for room under the bound (the room could be its own): its group's
// functions count towards the bound but are not refused, as Spawn's tasks.
func (g *Group) submit(f groupFn) {
	p := g.p
	t := submitted{gfn: f, grp: g}
	w := p.self()
	if w == nil {
		if err := p.accept(context.Background(), true); err != nil {
			g.finished(err, nil)
			return
		}
		p.enqueue(t)
		return
	}
	p.pending.Add(1)
	if p.closed.Load() {
		p.finish(1)
		g.finished(ErrClosed, nil)
		return
	}
	pr := w.proc
	if pr == nil { // a task going on without a proc (after Blocking)
		p.enqueue(t)
		return
	}
	j := pr.alloc()
	j.kind = kindTask
	j.task = t
	pr.fork(j)
}

// finished records the end of one of the group's functions, with its
// error or panic, starts a waiting function if the limit allows, and wakes
// Wait when it was the last.
func (g *Group) finished(err error, pe *PanicError) {
	if pe != nil {
		err = pe
	}
	if err != nil && g.err.CompareAndSwap(nil, &err) {
		g.cancel(err)
	}
	if g.limit.Load() > 0 {
		g.mu.Lock()
		var next groupFn
		if len(g.queue) > 0 {
			next = g.queue[0]
			g.queue[0] = nil
			g.queue = g.queue[1:]
		} else {
			g.active--
		}
		g.mu.Unlock()
		if next != nil {
			g.submit(next)
		}
	}
	if g.n.Add(-1) == 0 {
		g.mu.Lock()
		ws := g.waiters
		g.waiters = nil
		g.mu.Unlock()
		for _, l := range ws {
			l.set()
		}
	}
}

// Wait blocks until every function passed to Go has returned, then returns
// the first non-nil error (a panic as a *[PanicError]) and cancels the
// group's context. Called from inside one of the pool's tasks, Wait runs
// other work while it waits instead of blocking the worker.
func (g *Group) Wait() error {
	if g.n.Load() != 0 {
		w := g.p.self()
		waiter := w
		if w == nil || w.proc == nil {
			waiter = newWorker(g.p) // a plain goroutine: it only blocks
		}
		l := &latch{owner: waiter}
		g.mu.Lock()
		if g.n.Load() != 0 {
			g.waiters = append(g.waiters, l)
		} else {
			l.state.Store(latchDone) // nothing to wait for
		}
		g.mu.Unlock()
		if waiter == w {
			w.await(l)
		} else {
			waiter.awaitDetached(l)
		}
	}
	var err error
	if e := g.err.Load(); e != nil {
		err = *e
	}
	g.cancel(context.Canceled)
	return err
}

// A ResultGroup is a [Group] whose functions return a value: Wait returns
// the values in the order of the Go calls. It must be created with
// [NewResultGroup] and must not be copied.
type ResultGroup[T any] struct {
	g   *Group
	mu  sync.Mutex
	res []T
}

// NewResultGroup returns a new ResultGroup of tasks on p, with a context
// derived from ctx. It panics if p or ctx is nil.
func NewResultGroup[T any](p *Pool, ctx context.Context) *ResultGroup[T] {
	if p == nil {
		panic("workpool: NewResultGroup called with a nil Pool")
	}
	return &ResultGroup[T]{g: p.NewGroup(ctx)}
}

// Context returns the group's context (see [Group.Context]).
func (r *ResultGroup[T]) Context() context.Context { return r.g.ctx }

// SetLimit is [Group.SetLimit].
func (r *ResultGroup[T]) SetLimit(n int) { r.g.SetLimit(n) }

// Go runs f as [Group.Go] does and keeps its result, in the slot of this
// call: the i-th call's result is the i-th element of Wait's slice. A
// function that fails or panics leaves its slot at the zero value.
func (r *ResultGroup[T]) Go(f func(ctx context.Context) (T, error)) {
	if f == nil {
		panic("workpool: ResultGroup.Go called with a nil function")
	}
	r.mu.Lock()
	i := len(r.res)
	var zero T
	r.res = append(r.res, zero)
	r.mu.Unlock()
	r.g.Go(func(ctx context.Context) error {
		v, err := f(ctx)
		if err == nil {
			r.mu.Lock()
			r.res[i] = v
			r.mu.Unlock()
		}
		return err
	})
}

// Wait waits as [Group.Wait] does and returns the results in the order of
// the Go calls, with the first error.
func (r *ResultGroup[T]) Wait() ([]T, error) {
	err := r.g.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.res, err
}
