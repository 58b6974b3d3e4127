package workpool

import "context"

// Run runs fn on one of the pool's workers and returns when fn, and every
// function it forked with [Worker.Join], [Worker.Scope] and [Worker.For],
// has returned. The functions of the tree run on the pool's workers; the
// caller of Run only waits.
//
// Run returns the first of: the first non-nil error returned by fn; the
// first panic in any function of the tree, as a *[PanicError] (a
// runtime.Goexit is one too, matching [ErrGoexit]); or, if ctx was
// cancelled before the tree finished, context.Cause(ctx). The first error
// or panic cancels [Worker.Context] for the whole tree. Once the tree is
// cancelled, Join, Scope.Go and For run nothing new (the functions already
// running finish), so a cancelled computation winds down quickly; its
// partial results must not be used. Run waits for the functions that are
// running: a function that blocks without watching [Worker.Context] holds
// Run up, whatever ctx says. Run returns [ErrClosed] if the pool is
// closed, and context.Cause(ctx) without running fn if ctx is done before
// fn starts.
//
// Run may be called from any goroutine. Called from inside one of the same
// pool's tasks, Run does not queue fn and wait, which would block a worker
// and could deadlock the pool: it calls fn at once on the calling worker,
// as the root of a new tree, and returns as above. The forks of that tree
// are stealable as usual, and the worker helps while it waits for them, so
// nested Runs work at any width, even with one worker.
func (p *Pool) Run(ctx context.Context, fn func(w *Worker) error) error {
	p.mustInit("Pool.Run")
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
	rs := newRunState(ctx, fn)
	p.runs.Add(1) // before the push: a worker may finish the root at once
	p.global.Push(&job{kind: kindRoot, tree: rs})
	p.note(nil, "run-push", int64(p.npidle.Load()), int64(p.nspinning.Load()))
	p.wakep()
	<-rs.done
	rs.end()
	return rs.result()
}

// runInline is Run called from a task running on w: it runs fn as the root
// of a new tree on w itself. It needs no pending count of its own, as the
// task that called it is counted (or belongs to a tree whose root is) until
// it returns.
func (w *Worker) runInline(ctx context.Context, fn func(*Worker) error) error {
	if w.p.closed.Load() {
		return ErrClosed
	}
	w.p.runs.Add(1)
	rs := newRunState(ctx, fn)
	rs.inline = true
	defer rs.end()
	w.run(&job{kind: kindRoot, tree: rs})
	return rs.result()
}

// Join runs a and b, possibly in parallel, and returns when both have
// returned. It runs a at once on the calling worker; b runs after a on the
// same worker unless another worker took it meanwhile. Everything a and b
// did happens before Join returns.
//
// Join offers b to other workers only when one could take it: when the
// pool has another worker and either this worker's queue holds fewer than
// two offered forks or some worker is idle or looking for work. Otherwise
// b simply runs after a, at the cost of a function call. If b was taken,
// the worker runs other queued work (its own, the global queue's, or
// stolen) until b is done, and parks only when there is none. So Join never blocks a worker
// while work exists, and nested Joins that wait only for their own forks
// cannot deadlock, even with one worker.
//
// The trap: a must not wait for b (or b for a), since b may run on the
// same worker after a, or may not be offered at all. With one worker
// Join(func(*Worker) { <-ch }, func(*Worker) { ch <- 1 }) hangs, and with
// more it may; Run's context does not end it. Communicate through results,
// or make the wait watch [Worker.Context].
//
// If a panics, Join does not start b unless another worker took it, waits
// for b if it did, and then panics with a's *[PanicError], which carries
// the original value and stack up to Run. A panic in b propagates the same
// way once a has returned. If the Run tree is cancelled, Join runs nothing
// new. Join panics if a or b is nil.
func (w *Worker) Join(a, b func(w *Worker)) {
	if a == nil || b == nil {
		panic("workpool: Worker.Join called with a nil function")
	}
	t := w.tree
	if t.cancelled() {
		return
	}
	if pr := w.proc; pr == nil || !pr.canFork() {
		a(w)
		if !t.cancelled() {
			w.countInline()
			b(w)
		}
		return
	}
	j := w.newFork(kindJoin, b)
	w.proc.fork(j)
	pa := w.callFork(a, &j.latch)
	how, pb, _ := w.joinRest(j, pa)
	if pa != nil {
		panic(pa)
	}
	if how == joinInline {
		b(w)
	}
	if pb != nil {
		panic(pb)
	}
}

// Join2 runs a and b as [Worker.Join] does and returns their results:
// a's, and b's unless b was skipped (a panicked, or the tree was
// cancelled), with the same panic, cancellation and happens-before rules.
// A skipped function's result is the zero value. b's result is returned
// straight from its call when b runs after a on the same worker; only a
// b that another worker took boxes its result. So a Join2 allocates only
// the caller's closure for b, where a Join that writes results into the
// caller's variables also moves the variable b writes to the heap.
func Join2[A, B any](w *Worker, a func(*Worker) A, b func(*Worker) B) (ra A, rb B) {
	if a == nil || b == nil {
		panic("workpool: Join2 called with a nil function")
	}
	t := w.tree
	if t.cancelled() {
		return ra, rb
	}
	if pr := w.proc; pr == nil || !pr.canFork() {
		ra = a(w)
		if !t.cancelled() {
			w.countInline()
			rb = b(w)
		}
		return ra, rb
	}
	j := w.newFork(kindJoin, nil)
	j.b2 = join2Fn[B](b)
	w.proc.fork(j)
	pa := w.callFork(func(w *Worker) { ra = a(w) }, &j.latch)
	how, pb, res := w.joinRest(j, pa)
	if pa != nil {
		panic(pa)
	}
	switch how {
	case joinInline:
		rb = b(w)
	case joinRan:
		if v, ok := res.(B); ok {
			rb = v
		}
	}
	if pb != nil {
		panic(pb)
	}
	return ra, rb
}

// A join2Fn is a Join2's b as a job record holds it: a func value in an
// interface, which costs no allocation. Its method runs b and boxes the
// result; it runs only when b runs from the queue, never on Join2's inline
// path.
type join2Fn[B any] func(*Worker) B

func (f join2Fn[B]) callAny(w *Worker) any { return f(w) }

// A join2Runner is a join2Fn of any result type.
type join2Runner interface{ callAny(w *Worker) any }

// countInline counts a fork that runs inline without having been offered.
// Stats counts it as submitted and completed too (see Counts.fold).
func (w *Worker) countInline() {
	if pr := w.proc; pr != nil {
		pr.st[cInlined]++
	}
}

// newFork takes a job record for a function forked by the current
// function of w, to be published with w.proc.fork once filled in.
func (w *Worker) newFork(kind jobKind, fn func(*Worker)) *job {
	j := w.proc.alloc()
	j.kind = kind
	j.fork = fn
	j.tree = w.tree
	j.latch.owner = w
	return j
}

// callFork runs fn(w) in a recover frame and returns its panic. If fn
// calls runtime.Goexit, it waits for l, if not nil, before the goroutine
// goes on unwinding: the fork behind l must finish before the frame that
// forked it is gone.
func (w *Worker) callFork(fn func(*Worker), l *latch) (pe *PanicError) {
	ok := false
	defer func() {
		if !ok {
			pe = w.recovered(recover())
			if w.exit != nil {
				if l != nil {
					w.awaitDetached(l)
				}
				w.reassertGoexit()
			}
		}
	}()
	fn(w)
	ok = true
	return nil
}

// How a published Join's b ran, as joinRest reports it.
const (
	joinInline  = iota // b was not taken: the caller runs it now, inline
	joinSkipped        // b was not taken and must not run: a panicked, or the tree is cancelled
	joinRan            // b ran from the queue, here or on another worker
)

// joinRest finishes a published Join after a returned or panicked (pa):
// it takes b's record j back if nobody took it, and reports whether the
// caller runs b inline or skips it; otherwise it runs other work until b
// is done and returns joinRan with b's panic and, for Join2, its boxed
// result. Either way j is released.
func (w *Worker) joinRest(j *job, pa *PanicError) (how int, pb *PanicError, res any) {
	pr := w.proc
	if pr == nil { // a went on without a proc (Blocking): whoever holds j runs it
		w.awaitDetached(&j.latch)
		return joinRan, j.perr, j.res
	}
	x := pr.dq.Pop()
	if x == j {
		// Not taken: b runs inline after a, without a recover frame of its
		// own. a has returned and nothing of this Join is left in any
		// queue, so a panic in b may simply unwind through Join, as through
		// a plain call; the next recover frame up still sees its stack.
		pr.st[cLocalPops]++
		skip := pa != nil || j.tree.cancelled()
		pr.release(j)
		if skip {
			pr.st[cSkipped]++
			return joinSkipped, nil, nil
		}
		pr.st[cCompleted]++
		return joinInline, nil, nil
	}
	w.joinSlow(j, x)
	pb, res = j.perr, j.res
	if pr := w.proc; pr != nil {
		pr.release(j)
	}
	return joinRan, pb, res
}

// joinSlow finishes a Join whose pop did not return its record j: x is what
// the pop returned instead (nil, or newer work left above j). It runs what
// is above j on its own deque, then helps until j is done.
func (w *Worker) joinSlow(j, x *job) {
	ok := false
	defer func() {
		if !ok && w.exit != nil { // a Goexit in work this worker helped with
			w.awaitDetached(&j.latch)
		}
	}()
	for x != nil {
		w.proc.st[cLocalPops]++
		w.execute(x) // if x == j, this runs b and sets the latch
		if j.latch.done() {
			ok = true
			return
		}
		if w.proc == nil { // x went on without a proc (Blocking)
			break
		}
		x = w.proc.dq.Pop()
	}
	w.await(&j.latch)
	ok = true
}
