package workpool

// Blocking runs fn, a call that may block (I/O, a sleep, a lock, a channel
// receive), without holding up the pool: while fn runs, the worker's
// processor (its queue and its share of the work) is handed to a spare
// worker goroutine, started or woken on demand, which runs the pool's
// other tasks meanwhile. When fn returns, the worker takes a processor
// back (one that is idle at once, else the first that a worker gives up
// between tasks) and the task goes on. This is the runtime's hand-off of
// a P when its M enters a blocking system call (entersyscall, handoffp),
// and Java's ForkJoinPool.managedBlock.
//
// A hand-off costs about a goroutine switch on each side, so Blocking is
// for calls that block for microseconds or more; a quick call is cheaper
// made directly. With [WithMaxBlocked] workers already blocked, fn runs
// without a hand-off. Everything fn does happens before Blocking returns;
// a panic in fn propagates after the worker has a processor again. The
// worker's processor, and so [Worker.ID], may differ after the call.
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
func (p *Pool) handoff(w *Worker) bool {
	if int(p.nblock.Load()) >= p.cfg.maxSpares {
		return false
	}
	pr := w.proc
	pr.handOffGroups()
	pr.st[cHandoffs]++
	pr.flush()
	p.mu.Lock()
	if int(p.nblock.Load()) >= p.cfg.maxSpares {
		p.mu.Unlock()
		return false
	}
	p.nblock.Add(1)
	w.blockedAt = len(p.blocked)
	p.blocked = append(p.blocked, w)
	w.proc = nil
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

// unblock ends a Blocking call: w is no longer blocked, and gets a proc.
func (w *Worker) unblock() {
	p := w.p
	p.mu.Lock()
	unlist(&p.blocked, w, blockedIndex)
	p.nblock.Add(-1)
	p.mu.Unlock()
	w.acquireProc()
}

// blockedSelf returns the blocked worker whose goroutine has identity id.
func (p *Pool) blockedSelf(id uint64) *Worker {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.blocked {
		if w.gid.Load() == id {
			return w
		}
	}
	return nil
}

// acquireProc gets w, which holds no proc, a proc to go on with: an idle
// worker's at once (that worker becomes a spare), or else the first one a
// worker gives up at its next schedule (yieldProc).
func (w *Worker) acquireProc() {
	p := w.p
	p.mu.Lock()
	for len(p.idle) > 0 {
		v := p.idle[len(p.idle)-1]
		p.removeIdleLocked(v)
		if !v.claimListed() {
			continue // v is waking up anyway
		}
		pr := v.proc
		pr.handOffGroups() // v may be waiting in a fork with groups on pr
		v.proc = nil
		w.proc = pr
		pr.owner.Store(w)
		p.mu.Unlock()
		v.wake <- wakeDrop
		return
	}
	p.pwait = append(p.pwait, w)
	p.npwait.Add(1)
	w.parkBegin()
	p.mu.Unlock()
	if r := <-w.wake; r != wakeProc {
		panic("workpool: internal error: a worker waiting for a proc was woken without one")
	}
}

// yieldProc gives w's proc to a worker waiting for one, if any, or retires
// it if Resize asked, and reports whether w gave its proc away. It is
// called at a schedule, where none of w's frames is running.
func (w *Worker) yieldProc() bool {
	if w.proc.retiring.Load() {
		return w.retire()
	}
	return w.handToWaiter()
}

// handToWaiter gives w's proc to the first worker waiting for one (back
// from Blocking), if any, and reports whether it did. A worker with frames
// running may call it (one about to park in await): the groups its frames
// run go back on the proc's deque first.
func (w *Worker) handToWaiter() bool {
	p := w.p
	if p.npwait.Load() == 0 {
		return false
	}
	w.dropSpinning()
	pr := w.proc
	p.mu.Lock()
	if len(p.pwait) == 0 {
		p.mu.Unlock()
		return false
	}
	pr.handOffGroups()
	pr.flush()
	r := p.pwait[0]
	copy(p.pwait, p.pwait[1:])
	p.pwait[len(p.pwait)-1] = nil
	p.pwait = p.pwait[:len(p.pwait)-1]
	p.npwait.Add(-1)
	if !r.claimListed() {
		panic("workpool: internal error: a worker waiting for a proc was woken by another")
	}
	w.proc = nil
	r.proc = pr
	pr.owner.Store(r)
	p.mu.Unlock()
	r.wake <- wakeProc
	return true
}
