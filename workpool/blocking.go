package workpool

// Blocking runs fn, a call that may block (I/O, a sleep, a lock, a channel
// receive), without holding up the pool: before fn runs, the worker's
// processor (its queue and its share of the work) is handed to a spare
// worker goroutine, woken or started, which runs the pool's other tasks
// meanwhile. This is the runtime's hand-off of a P when its M enters a
// blocking system call (entersyscall, handoffp), and ForkJoinPool's
// managed blocking.
//
// When fn returns, the task goes on at once: on its processor again if that
// is idle, and otherwise without one, like ForkJoinPool's compensation
// threads. Without a processor, the rest of the task runs its forks inline
// and the pool may briefly run more tasks than it has processors; when the
// task ends, the goroutine waits as a spare for a later hand-off (it
// exits after about ten seconds without one). So the code after Blocking
// should be short; a long computation on what fn returned belongs in a task
// of its own.
//
// A hand-off costs about a goroutine switch, so Blocking is for calls that
// block for microseconds or more. With [WithMaxBlocked] workers already
// blocked, fn runs without a hand-off, and the processor waits with it.
// Everything fn does happens before Blocking returns; a panic in fn
// propagates as from a plain call. [Worker.ID] may differ after the call.
// Blocking panics if fn is nil.
func (w *Worker) Blocking(fn func()) {
	if fn == nil {
		panic("workpool: Worker.Blocking called with a nil function")
	}
	if w.proc == nil || !w.p.handoff(w) {
		fn()
		return
	}
	defer w.unblock()
	fn()
}

// Blocking is [Worker.Blocking] for a task that has no *Worker, such as a
// func() given to [Pool.Submit]: it finds the calling worker itself. Called
// from any other goroutine, it just runs fn. Blocking panics if fn is nil.
func (p *Pool) Blocking(fn func()) {
	p.mustInit("Pool.Blocking")
	if fn == nil {
		panic("workpool: Pool.Blocking called with a nil function")
	}
	if w := p.self(); w != nil {
		w.Blocking(fn)
		return
	}
	fn()
}

// handoff gives w's proc to a spare worker goroutine, or a new one, unless
// WithMaxBlocked workers are blocked already; it reports whether it did.
// w counts as running without a proc (see Pool.self) until its task ends.
func (p *Pool) handoff(w *Worker) bool {
	if int(p.nblock.Load()) >= p.cfg.maxBlocked {
		return false
	}
	pr := w.proc
	if int(p.nblock.Add(1)) > p.cfg.maxBlocked {
		p.nblock.Add(-1)
		return false
	}
	// The proc's state goes with it, counters and credits included: its
	// next owner publishes them. Only the batches w's frames run must be
	// handed off, as those frames will not come back to this proc.
	pr.handOffGroups()
	pr.st[cHandoffs]++
	p.listProcless(w)
	w.proc = nil
	w.lastProc = pr
	p.mu.Lock()
	spare := p.takeSpareLocked()
	if spare == nil {
		p.nms++
		p.wg.Add(1)
	} else {
		spare.proc = pr
		pr.owner.Store(spare)
	}
	p.mu.Unlock()
	if spare == nil {
		p.start(pr)
	} else {
		spare.wake <- wakeProc
	}
	return true
}

// takeSpareLocked takes a parked spare off the list and owns its wakeup,
// or returns nil if there is none.
func (p *Pool) takeSpareLocked() *Worker {
	for len(p.spares) > 0 {
		s := p.spares[len(p.spares)-1]
		p.removeSpareLocked(s)
		if s.claimListed() {
			return s
		}
		// It timed out meanwhile and is exiting.
	}
	return nil
}

// unblock ends a Blocking call. w takes back the proc it handed over if
// the worker holding it is parked with nothing to do (that worker becomes
// a spare); otherwise w goes on without one.
func (w *Worker) unblock() {
	p := w.p
	pr := w.lastProc
	w.lastProc = nil
	p.nblock.Add(-1)
	if s := pr.owner.Load(); s == nil || s.parkSeq.Load()&1 == 0 {
		return // busy (or retired): go on without a proc
	}
	p.mu.Lock()
	var v *Worker
	if s := pr.owner.Load(); s != nil && s.idleAt >= 0 && !s.awaiting && !pr.retiring.Load() && s.claimListed() {
		v = s
		p.removeIdleLocked(v)
		v.proc = nil
		w.proc = pr
		pr.owner.Store(w)
	}
	p.mu.Unlock()
	if v != nil {
		p.unlistProcless(w)
		v.wake <- wakeDrop
	}
}

// listProcless counts w as running a task without a proc, so that
// Pool.self looks for it in the registry of worker goroutines.
func (p *Pool) listProcless(w *Worker) {
	if !w.procless {
		w.procless = true
		p.nprocless.Add(1)
	}
}

// unlistProcless stops counting w, which holds a proc again or has ended
// its task. Only w's own goroutine calls it.
func (p *Pool) unlistProcless(w *Worker) {
	if w.procless {
		w.procless = false
		p.nprocless.Add(-1)
	}
}

// workerByGID returns the worker goroutine whose identity is id, if any.
func (p *Pool) workerByGID(id uint64) *Worker {
	p.msMu.Lock()
	defer p.msMu.Unlock()
	return p.ms[id]
}

// yieldProc retires w's proc if Resize asked, and reports whether it did.
// It is called at a schedule, where none of w's frames is running.
func (w *Worker) yieldProc() bool {
	return w.proc.retiring.Load() && w.retire()
}
