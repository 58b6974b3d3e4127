package workpool

import "time"

// Parking.
//
// A worker with nothing to do parks: it puts itself on Pool.idle (counted
// in npidle), begins a park episode (parkBegin: parkSeq becomes odd, the
// episode's token), and receives on its wake channel. Workers waiting in
// Join, Scope or For that find nothing to help with park the same way,
// holding their proc, with their token registered in the latch they wait
// for: they are idle too, so forks are published for them and wakep may
// wake them to help. A waker owns the wakeup of an episode by moving
// parkSeq from the episode's token to the next value (claim), and only the
// owner sends, exactly one wakeReason: so a worker is never woken twice for
// one park, whoever races to wake it (wakep, a latch's setter, Close, a
// proc hand-over), and a latch set late cannot wake a later park.
//
// Workers without a proc (spares) park on Pool.spares the same way. A
// waker that finds a worker on a list, under p.mu, claims the episode that
// put it there: a worker leaves a list (under p.mu) before it begins
// another episode.

// parkBegin begins a park episode and returns its token.
func (w *Worker) parkBegin() uint64 { return w.parkSeq.Add(1) }

// claim takes the wakeup of w's park episode tok, and reports whether the
// caller owns it: then it must send w exactly one wakeReason (or, if the
// caller is w itself, not wait).
func (w *Worker) claim(tok uint64) bool {
	return tok&1 == 1 && w.parkSeq.CompareAndSwap(tok, tok+1)
}

// claimListed claims the episode of a worker found on one of the pool's
// lists under p.mu.
func (w *Worker) claimListed() bool { return w.claim(w.parkSeq.Load()) }

// spareIdle is how long a spare waits for a proc before it exits (give or
// take spareIdle: see trimSpares).
const spareIdle = 10 * time.Second

// park parks w, holding its proc, until a waker wakes it, and returns why.
// If l is not nil, l's setter wakes w too. Park returns wakeNone at once,
// without sleeping, if it finds a reason to look again: the pool stopped,
// l is set, or some queue holds work. Before it returns wakeNone for
// queued work, it counts w as spinning again.
func (w *Worker) park(l *latch) wakeReason {
	p := w.p
	w.proc.flush() // before counting as idle: an idle pool's Stats are exact
	p.mu.Lock()
	if p.stopped.Load() || (l == nil && p.globalNonEmpty()) {
		p.mu.Unlock()
		return wakeNone
	}
	w.idleAt = len(p.idle)
	w.awaiting = l != nil
	p.idle = append(p.idle, w)
	p.npidle.Add(1)
	tok := w.parkBegin()
	p.note(w, "park", int64(len(p.idle)), b2i(w.spinning))
	p.mu.Unlock()
	// The spinning worker that gives up must look again after it stops
	// counting as spinning: a fork or Submit that saw it spinning woke
	// nobody and relied on it (the runtime's "delicate dance"). A worker
	// that was not spinning must look again too: a Submit publishes its
	// task and then loads npidle without taking p.mu, so "parker checks
	// the queues, Submit publishes, Submit sees npidle == 0, parker counts
	// itself idle" would otherwise strand the task. Loading after
	// publishing on both sides closes it.
	w.stopSpinning()
	if l != nil && !l.sleep(tok) {
		return w.unpark(tok, false)
	}
	if p.anyWork() {
		p.note(w, "park-recheck-work", 0, 0)
		return w.unpark(tok, true)
	}
	r := <-w.wake
	p.note(w, "woken", int64(r), 0)
	return r
}

// unpark calls off park episode tok: if no waker took it meanwhile, w takes
// itself off the idle list and returns wakeNone (as a spinner if spin is
// set); otherwise it returns what the waker sends.
func (w *Worker) unpark(tok uint64, spin bool) wakeReason {
	if !w.claim(tok) {
		r := <-w.wake
		if spin && r != wakeSpin {
			// w saw work, but the waker that took the park has other
			// plans for it (a hand-over, a retirement): pass the look on.
			w.p.wakep()
		}
		return r
	}
	w.p.removeIdle(w)
	if spin {
		w.spinning = true
		w.p.nspinning.Add(1)
	}
	return wakeNone
}

// wakeTok wakes w out of park episode tok with reason r, unless that
// episode has ended or another waker took it.
func (w *Worker) wakeTok(tok uint64, r wakeReason) {
	if w.claim(tok) {
		w.p.removeIdle(w)
		w.wake <- r
	}
}

// removeIdle takes w off the idle list if it is still there, in O(1): w
// knows its index, and the last entry moves into its place.
func (p *Pool) removeIdle(w *Worker) {
	p.mu.Lock()
	p.removeIdleLocked(w)
	p.mu.Unlock()
}

func (p *Pool) removeIdleLocked(w *Worker) {
	if unlist(&p.idle, w, idleIndex) {
		p.npidle.Add(-1)
	}
}

func idleIndex(w *Worker) *int  { return &w.idleAt }
func spareIndex(w *Worker) *int { return &w.spareAt }

// unlist takes w off *list in O(1), if it is there: w keeps its index in
// the field at returns, and the last entry moves into its place. The
// caller holds p.mu.
func unlist(list *[]*Worker, w *Worker, at func(*Worker) *int) bool {
	i := *at(w)
	if i < 0 {
		return false
	}
	l := *list
	last := len(l) - 1
	x := l[last]
	l[i] = x
	*at(x) = i
	l[last] = nil
	*list = l[:last]
	*at(w) = -1
	return true
}

// wakep is the runtime's wakep: if no worker is spinning, it makes one
// parked worker spinning and wakes it. A spinning worker that finds work
// calls wakep in turn (found), so a burst of work wakes workers one at a
// time, as fast as they find something, and never more than needed.
//
// Every place that publishes work calls wakep after publishing. Its common
// case (nobody parked, or somebody already spinning) is two atomic loads;
// only a wakeup pays for the call to wakepSlow.
func (p *Pool) wakep() {
	if p.npidle.Load() == 0 || p.nspinning.Load() != 0 {
		return
	}
	p.wakepSlow()
}

// wakepSlow makes one parked worker spinning and wakes it, unless another
// worker started spinning or the last parked one was woken meanwhile.
func (p *Pool) wakepSlow() {
	if !p.nspinning.CompareAndSwap(0, 1) {
		p.note(nil, "wakep-cas-fail", int64(p.nspinning.Load()), 0)
		return
	}
	for {
		p.mu.Lock()
		n := len(p.idle)
		if n == 0 || p.stopped.Load() {
			// Give the count back under the lock, as the runtime's wakep
			// does: a worker that parks after this looks at the queues
			// after its own lock section, so it sees any work whose
			// publisher saw this count and woke nobody.
			p.nspinning.Add(-1)
			p.note(nil, "wakep-none", int64(n), 0)
			p.mu.Unlock()
			return
		}
		w := p.idle[n-1]
		p.removeIdleLocked(w)
		won := w.claimListed()
		p.note(w, "wakep-claim", b2i(won), 0)
		p.mu.Unlock()
		if won {
			w.wake <- wakeSpin // it owns the spinning count taken above
			return
		}
		// w was calling off its park, or another waker took it: try the
		// next one.
	}
}

// parkSpare parks a worker that holds no proc until it is given one, and
// reports whether it was. It returns false, and the worker exits, when the
// pool stops or when the spare has been parked for spareIdle (see
// trimSpares).
func (w *Worker) parkSpare() bool {
	p := w.p
	p.unlistProcless(w) // its task, if any, has ended
	now := nanotime()   // read outside the lock that every hand-off takes
	p.mu.Lock()
	if p.stopped.Load() {
		p.mu.Unlock()
		return false
	}
	w.spareAt = len(p.spares)
	w.sparedAt = now
	p.spares = append(p.spares, w)
	w.parkBegin()
	if p.trimmer == nil {
		p.trimmer = time.AfterFunc(spareIdle, p.trimSpares)
	}
	p.mu.Unlock()
	r := <-w.wake
	return r == wakeProc && w.proc != nil
}

// trimSpares ends the spares that have been parked for spareIdle, and
// comes back in spareIdle while any spare is left: one timer per pool,
// not one per spare.
func (p *Pool) trimSpares() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped.Load() {
		return
	}
	cutoff := nanotime() - int64(spareIdle)
	for i := 0; i < len(p.spares); {
		s := p.spares[i]
		if s.sparedAt > cutoff {
			i++
			continue
		}
		p.removeSpareLocked(s) // the last spare moves into i
		if s.claimListed() {
			s.wake <- wakeStop
		}
	}
	if len(p.spares) > 0 {
		p.trimmer.Reset(spareIdle)
	} else {
		p.trimmer = nil
	}
}

// forget drops w, a worker goroutine that is exiting, from the pool's
// bookkeeping.
func (p *Pool) forget(w *Worker) {
	p.unlistProcless(w)
	p.msMu.Lock()
	delete(p.ms, w.gid.Load())
	p.msMu.Unlock()
	p.mu.Lock()
	p.nms--
	p.mu.Unlock()
}

func (p *Pool) removeSpareLocked(w *Worker) { unlist(&p.spares, w, spareIndex) }

// stopWorkers wakes every parked worker with wakeStop. The caller has set
// stopped under p.mu, so no worker parks after this.
func (p *Pool) stopWorkersLocked() {
	if p.trimmer != nil {
		p.trimmer.Stop()
		p.trimmer = nil
	}
	for len(p.idle) > 0 {
		w := p.idle[len(p.idle)-1]
		p.removeIdleLocked(w)
		if w.claimListed() {
			w.wake <- wakeStop
		}
	}
	for len(p.spares) > 0 {
		w := p.spares[len(p.spares)-1]
		p.removeSpareLocked(w)
		if w.claimListed() {
			w.wake <- wakeStop
		}
	}
}
