package workpool

import "time"

// Parking.
//
// A worker with nothing to do parks: it puts itself on Pool.idle (counted
// in npidle), sets its sleep word to 1, and receives on its wake channel.
// Workers waiting in Join, Scope or For that find nothing to help with park
// the same way, holding their proc, with the latch they wait for marked
// latchSleeping: they are idle too, so forks are published for them and
// wakep may wake them to help. A waker owns a wakeup by changing the sleep
// word from 1 to 0, and only the owner sends, exactly one wakeReason: so a
// worker is never woken twice for one park, whoever races to wake it
// (wakep, a latch's setter, Close, a proc hand-over).
//
// Workers without a proc (spares) park on Pool.spares, and workers back
// from Blocking that wait for a proc on Pool.pwait, the same way.

// spareIdle is how long a spare waits for a proc before it exits.
const spareIdle = 10 * time.Second

// park parks w, holding its proc, until a waker wakes it, and returns why.
// If l is not nil, l's setter wakes w too. Park returns wakeNone at once,
// without sleeping, if it finds a reason to look again: the pool stopped,
// l is set, some queue holds work, or a worker waits for a proc. Before it
// returns wakeNone for queued work, it counts w as spinning again.
func (w *Worker) park(l *latch) wakeReason {
	p := w.p
	w.proc.flush() // before counting as idle: an idle pool's Stats are exact
	p.mu.Lock()
	if p.stopped.Load() || (l == nil && (p.globalNonEmpty() || p.npwait.Load() != 0)) {
		p.mu.Unlock()
		return wakeNone
	}
	w.idleAt = len(p.idle)
	w.awaiting = l != nil
	p.idle = append(p.idle, w)
	p.npidle.Add(1)
	w.sleep.Store(1)
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
	if l != nil {
		l.state.CompareAndSwap(latchPending, latchSleeping)
		if l.done() {
			return w.unpark(false)
		}
	}
	if p.anyWork() || (l == nil && p.npwait.Load() != 0) {
		return w.unpark(true)
	}
	return <-w.wake
}

// unpark calls off a park: if no waker took w meanwhile, w takes itself
// off the idle list and returns wakeNone (as a spinner if spin is set);
// otherwise it returns what the waker sends.
func (w *Worker) unpark(spin bool) wakeReason {
	if !w.sleep.CompareAndSwap(1, 0) {
		return <-w.wake
	}
	w.p.removeIdle(w)
	if spin {
		w.spinning = true
		w.p.nspinning.Add(1)
	}
	return wakeNone
}

// wakeFor wakes w with reason r if w is parked and no other waker has
// taken the wakeup.
func (w *Worker) wakeFor(r wakeReason) {
	if w.sleep.CompareAndSwap(1, 0) {
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
	i := w.idleAt
	if i < 0 {
		return
	}
	last := len(p.idle) - 1
	x := p.idle[last]
	p.idle[i] = x
	x.idleAt = i
	p.idle[last] = nil
	p.idle = p.idle[:last]
	w.idleAt = -1
	p.npidle.Add(-1)
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
			p.mu.Unlock()
			return
		}
		w := p.idle[n-1]
		p.removeIdleLocked(w)
		won := w.sleep.CompareAndSwap(1, 0)
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
// reports whether it was. It returns false when the pool stops or when the
// spare has waited spareIdle: the worker then exits.
func (w *Worker) parkSpare() bool {
	p := w.p
	p.mu.Lock()
	if p.stopped.Load() {
		p.mu.Unlock()
		return false
	}
	w.spareAt = len(p.spares)
	p.spares = append(p.spares, w)
	w.sleep.Store(1)
	p.mu.Unlock()
	t := time.NewTimer(spareIdle)
	defer t.Stop()
	var r wakeReason
	select {
	case r = <-w.wake:
	case <-t.C:
		p.mu.Lock()
		if w.sleep.CompareAndSwap(1, 0) {
			p.removeSpareLocked(w)
			p.nms--
			p.mu.Unlock()
			return false
		}
		p.mu.Unlock()
		r = <-w.wake
	}
	return r == wakeProc && w.proc != nil
}

func (p *Pool) removeSpareLocked(w *Worker) {
	i := w.spareAt
	if i < 0 {
		return
	}
	last := len(p.spares) - 1
	x := p.spares[last]
	p.spares[i] = x
	x.spareAt = i
	p.spares[last] = nil
	p.spares = p.spares[:last]
	w.spareAt = -1
}

// stopWorkers wakes every parked worker with wakeStop. The caller has set
// stopped under p.mu, so no worker parks after this.
func (p *Pool) stopWorkersLocked() {
	for len(p.idle) > 0 {
		w := p.idle[len(p.idle)-1]
		p.removeIdleLocked(w)
		if w.sleep.CompareAndSwap(1, 0) {
			w.wake <- wakeStop
		}
	}
	for len(p.spares) > 0 {
		w := p.spares[len(p.spares)-1]
		p.removeSpareLocked(w)
		if w.sleep.CompareAndSwap(1, 0) {
			w.wake <- wakeStop
		}
	}
}
