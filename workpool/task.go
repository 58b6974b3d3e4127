package workpool

import (
	"runtime"
	"runtime/debug"
)

// Running user functions.
//
// Every function the pool runs for its users runs inside a recover frame:
// a deferred function that calls recover only if the function did not
// return (a flag test on the common path). What it recovers becomes a
// *PanicError, reported where the kind of job says: to Run, to the joiner,
// to the scope, or to the panic handler. A recover that returns nil while
// the function did not return means runtime.Goexit: the goroutine is going
// away, whatever the frame does. The first frame to see it (goexiting)
// makes a PanicError matching ErrGoexit and hands the worker's proc to a
// fresh worker goroutine (detach), so that the pool keeps its size and the
// proc's queued work runs on; every frame of the dying goroutine then
// completes its own job as it would after a panic, without a proc (counts
// go to Pool.orphan), waits without helping for the forks it must wait for
// (awaitDetached), and re-asserts the Goexit. Nothing a dying goroutine
// does after the first frame runs user code, so a frame's completion
// cannot be cut short by another Goexit. (Re-asserting also turns a
// panic(nil) under GODEBUG=panicnil=1, which recover cannot tell from
// Goexit, into a Goexit, so both are handled alike.)

// run runs a job taken from a queue and completes it.
func (w *Worker) run(j *job) {
	prev := w.tree
	switch j.kind {
	case kindChunk, kindGroup:
		w.tree = nil
		w.runChunk(j.chunk, j.kind == kindGroup)
	case kindTask, kindSpawn:
		t := j.task
		w.proc.release(j)
		w.tree = nil
		w.runTask(&t)
	case kindFor:
		w.runPiece(j)
	default:
		w.runFork(j)
	}
	w.tree = prev
}

// runFork runs a job of a Run tree (a root, a Join's b, a Scope function)
// in a recover frame, and completes it.
func (w *Worker) runFork(j *job) {
	ok := false
	defer func() {
		if !ok {
			pe := w.recovered(recover())
			w.complete(j, pe)
			w.reassertGoexit()
		}
	}()
	w.start(j)
	ok = true
	w.complete(j, nil)
}

// start calls j's function, or skips it if its Run tree is cancelled (a
// skipped job keeps skipped set for complete).
func (w *Worker) start(j *job) {
	switch j.kind {
	case kindJoin:
		w.tree = j.tree
		if j.tree.cancelled() {
			j.skipped = true
			return
		}
		if j.b2 != nil {
			j.res = j.b2.callAny(w)
		} else {
			j.fork(w)
		}
	case kindScope:
		w.tree = j.tree
		if j.tree.cancelled() {
			j.skipped = true
			return
		}
		j.fork(w)
	case kindRoot:
		rs := j.tree
		w.tree = rs
		w.p.rootsTaken.Add(1)
		if rs.ctx.Err() != nil {
			j.skipped = true
			return
		}
		if err := rs.fn(w); err != nil {
			rs.fail(err)
		}
	default:
		panic("workpool: internal error: bad job kind")
	}
}

// complete finishes j after its function returned, panicked (pe) or was
// skipped, and reports the panic where j's kind says.
func (w *Worker) complete(j *job, pe *PanicError) {
	switch j.kind {
	case kindJoin:
		w.countRan(j)
		j.perr = pe
		j.latch.set() // the joiner may reuse j from here on
	case kindScope:
		s := j.scope
		w.countRan(j)
		if pr := w.proc; pr != nil {
			pr.release(j)
		}
		if pe != nil {
			s.perr.CompareAndSwap(nil, pe)
		}
		s.doneOne()
	case kindRoot:
		rs := j.tree
		w.countRan(j)
		if pe != nil {
			rs.fail(pe)
		}
		rs.finish()
		if !rs.inline {
			w.p.finish(1)
		}
	}
}

// runTask runs one submitted task: skips it if it came with a context
// that is done, samples its latency if it was stamped, reports its end to
// its group or its panic to the handler, and credits it.
func (w *Worker) runTask(t *submitted) {
	if t.ctx != nil && t.ctx.Err() != nil {
		w.taskSkipped()
		return
	}
	var start int64
	if t.stamp != 0 && w.proc != nil {
		start = w.proc.lat.started(t.stamp)
	}
	ok := false
	defer func() {
		if !ok {
			pe := w.recovered(recover())
			w.ranSampled(start)
			w.taskEnd(t, pe)
			w.reassertGoexit()
		}
	}()
	var err error
	switch {
	case t.fn != nil:
		t.fn()
	case t.wfn != nil:
		t.wfn(w)
	case t.cfn != nil:
		t.cfn(t.ctx)
	default:
		err = t.gfn(t.grp.ctx)
	}
	ok = true
	w.ranSampled(start)
	if t.grp != nil {
		t.grp.finished(err, nil)
	}
	w.taskDone()
}

// ranSampled records the run time of a task sampled for latency that
// started at start (0 if it was not sampled), on the worker's proc if it
// still holds one.
func (w *Worker) ranSampled(start int64) {
	if start != 0 && w.proc != nil {
		w.proc.lat.ran(start)
	}
}

// taskEnd credits a submitted or spawned task that panicked,
// after handing its panic to its group or to the panic handler. The credit
// is deferred so that it happens even if the handler calls runtime.Goexit.
func (w *Worker) taskEnd(t *submitted, pe *PanicError) {
	defer w.taskDone()
	if t.grp != nil {
		t.grp.finished(nil, pe)
	} else if pe != nil {
		w.p.reportPanic(w, pe)
	}
}

// taskDone credits one finished task, on the proc or, for a worker
// without one, straight to the pool.
func (w *Worker) taskDone() {
	if pr := w.proc; pr != nil {
		pr.taskDone()
		return
	}
	w.p.orphan[cCompleted].Add(1)
	w.p.finish(1)
}

// countRan counts j as completed, or as skipped if its function did not
// run.
func (w *Worker) countRan(j *job) {
	if j.skipped {
		w.count(cSkipped)
	} else {
		w.count(cCompleted)
	}
}

// taskSkipped credits one submitted task that was not run.
func (w *Worker) taskSkipped() {
	if pr := w.proc; pr != nil {
		pr.taskSkipped()
		return
	}
	w.p.orphan[cSkipped].Add(1)
	w.p.finish(1)
}

// count adds one to counter c of w's proc, or of the pool for a worker
// without one.
func (w *Worker) count(c int) {
	if pr := w.proc; pr != nil {
		pr.st[c]++
		return
	}
	w.p.orphan[c].Add(1)
}

// recovered turns what a recover frame's recover returned into the
// *PanicError to report: a fresh one for a new panic (counted, and
// cancelling the current Run tree), the same one for a panic re-raised by
// Join or Scope, and the goroutine's ErrGoexit error if r is nil.
func (w *Worker) recovered(r any) *PanicError {
	if r == nil {
		return w.goexiting(true)
	}
	pe, fresh := newPanicError(r)
	if fresh {
		w.count(cPanicked)
	}
	if w.tree != nil {
		w.tree.fail(pe)
	}
	return pe
}

// goexiting returns the PanicError of the Goexit that is unwinding w's
// goroutine, making it and detaching w's proc the first time. A Goexit in
// a task counts as one of its panics (task); one in the panic handler
// does not.
func (w *Worker) goexiting(task bool) *PanicError {
	if w.exit == nil {
		w.exit = &PanicError{Value: ErrGoexit, Stack: debug.Stack(), pool: true}
		if task {
			w.count(cPanicked)
			w.count(cGoexits)
		}
		if w.tree != nil {
			w.tree.fail(w.exit)
		}
		w.detach()
	}
	return w.exit
}

// reassertGoexit continues the Goexit that is unwinding w's goroutine, if
// any (see the comment at the top of this file).
func (w *Worker) reassertGoexit() {
	if w.exit != nil {
		runtime.Goexit()
	}
}

// detach hands w's proc to a fresh worker goroutine: w's goroutine is
// ending. The groups of submitted tasks that w's frames were running go
// back on the proc's deque as jobs, since those frames will not finish
// them.
func (w *Worker) detach() {
	pr := w.proc
	if pr == nil {
		return
	}
	w.stopSpinning()
	pr.handOffGroups()
	pr.flush()
	w.proc = nil
	p := w.p
	p.mu.Lock()
	p.nms++
	p.mu.Unlock()
	p.wg.Add(1)
	p.start(pr)
}

// reportPanic gives pe, the panic of a submitted or spawned task, to the
// panic handler, or keeps it for the next Wait. A panic in the handler is
// recovered and dropped; a Goexit in it ends the worker as any Goexit does.
func (p *Pool) reportPanic(w *Worker, pe *PanicError) {
	h := p.cfg.onPanic
	if h == nil {
		p.waitMu.Lock()
		if p.panicErr == nil {
			p.panicErr = pe
		}
		p.waitMu.Unlock()
		return
	}
	ok := false
	defer func() {
		if !ok {
			if recover() == nil {
				w.goexiting(false)
				w.reassertGoexit()
			}
		}
	}()
	h(pe)
	ok = true
}
