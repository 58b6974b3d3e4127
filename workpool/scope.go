package workpool

import "sync/atomic"

// A Scope is an n-ary fork created by [Worker.Scope]: every function passed
// to [Scope.Go] has returned by the time Scope returns.
type Scope struct {
	w      *Worker
	tree   *runState
	n      atomic.Int64 // functions started with Go and not yet finished, plus one until fn returns
	latch  latch        // set when n reaches zero
	perr   atomic.Pointer[PanicError]
	closed bool
}

// Scope calls fn with a new [Scope] and returns when fn and every function
// started with s.Go have returned. While it waits, the worker runs the
// scope's queued functions itself, or other queued work, and parks only
// when there is none, as [Worker.Join] does. Everything those functions did
// happens before Scope returns. If any of them panicked, Scope panics with
// the first *[PanicError] after all have returned (fn's own panic first).
//
// The trap is Join's: a function of the scope must not wait for another
// one (or fn for one of them) other than by returning, since they may run
// one after the other on one worker.
func (w *Worker) Scope(fn func(s *Scope)) {
	if fn == nil {
		panic("workpool: Worker.Scope called with a nil function")
	}
	s := &Scope{w: w, tree: w.tree}
	s.n.Store(1)
	s.latch.owner = w
	bodyDone, ok := false, false
	defer func() {
		if !ok && w.exit != nil { // a Goexit unwinds through the scope: its functions finish first
			if !bodyDone {
				s.closed = true
				s.doneOne()
			}
			w.awaitDetached(&s.latch)
		}
	}()
	pe := w.callFork(func(*Worker) { fn(s) }, nil)
	s.closed, bodyDone = true, true
	s.doneOne()
	w.await(&s.latch)
	ok = true
	if pe == nil {
		pe = s.perr.Load()
	}
	if pe != nil {
		panic(pe)
	}
}

// Go queues fn to run on some worker as part of the scope. Go must be
// called by the function passed to [Worker.Scope], on its goroutine, and
// before it returns: fn runs with its own *Worker and forks further with
// that Worker's Join, Scope or For, not with s. If the Run tree is
// cancelled, Go queues nothing. Go panics if fn is nil or if the scope has
// ended.
func (s *Scope) Go(fn func(w *Worker)) {
	if fn == nil {
		panic("workpool: Scope.Go called with a nil function")
	}
	if s.closed {
		panic("workpool: Scope.Go called after the scope's function returned")
	}
	if s.tree.cancelled() {
		return
	}
	w := s.w
	if w.proc == nil { // unwinding a Goexit: nothing may be queued
		fn(w)
		return
	}
	s.n.Add(1)
	j := w.newFork(kindScope, fn)
	j.scope = s
	w.proc.fork(j)
}

// doneOne is called once per finished function of the scope, and once when
// the scope's own function returns; the last one sets the latch.
func (s *Scope) doneOne() {
	if s.n.Add(-1) == 0 {
		s.latch.set()
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
	pr := w.proc
	if pr == nil { // unwinding a Goexit: queue it globally
		p.orphan[cSubmitted].Add(1)
		p.global.Push(&job{kind: kindSpawn, task: submitted{wfn: task}})
		p.wakep()
		return nil
	}
	j := pr.alloc()
	j.kind = kindSpawn
	j.task.wfn = task
	if old := pr.runnext.Swap(j); old != nil {
		pr.dq.Push(old)
	}
	pr.markWork()
	pr.st[cSubmitted]++
	p.wakep()
	return nil
}
