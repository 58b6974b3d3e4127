package workpool

import (
	"errors"
	"strconv"
)

// Resize changes the number of processors (see [Pool.Workers]) to n while
// the pool runs. Growing starts their workers at once. Shrinking marks the
// surplus processors: each one's worker finishes the task it is running,
// moves the processor's queued tasks to the global queue, where the other
// workers take them, and leaves; nothing is lost and nothing runs twice.
// Workers() reports n as soon as Resize returns; the surplus workers leave
// as they reach their next task boundary. Resize returns [ErrClosed] if the
// pool is closed and an error if n < 1.
func (p *Pool) Resize(n int) error {
	p.mustInit("Pool.Resize")
	if n < 1 {
		return errors.New("workpool: Pool.Resize called with " + strconv.Itoa(n) + " workers (want >= 1)")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Load() {
		return ErrClosed
	}
	s := p.set.Load()
	keep := 0 // active procs not retiring
	for _, pr := range s.procs {
		if !pr.retiring.Load() {
			keep++
		}
	}
	switch {
	case n > keep:
		p.growLocked(s, n-keep)
	case n < keep:
		p.shrinkLocked(s, keep-n)
	}
	p.nprocs.Store(int32(n))
	return nil
}

// growLocked adds k procs: first by calling off retirements still pending,
// then by reusing retired procs, then by making new ones.
func (p *Pool) growLocked(s *procSet, k int) {
	for _, pr := range s.procs {
		if k > 0 && pr.retiring.Load() {
			pr.retiring.Store(false)
			k--
		}
	}
	if k == 0 {
		return
	}
	active := make(map[*proc]bool, len(s.procs))
	for _, pr := range s.procs {
		active[pr] = true
	}
	procs := append([]*proc(nil), s.procs...)
	byID := s.byID
	var started []*proc
	for _, pr := range byID {
		if k > 0 && !active[pr] {
			procs = append(procs, pr)
			started = append(started, pr)
			k--
		}
	}
	for ; k > 0; k-- {
		pr := newProc(p, len(byID))
		byID = append(byID[:len(byID):len(byID)], pr)
		procs = append(procs, pr)
		started = append(started, pr)
	}
	p.work.grow(len(byID))
	p.set.Store(newProcSet(procs, byID))
	p.nms += len(started)
	p.wg.Add(len(started))
	for _, pr := range started {
		p.start(pr)
	}
}

// shrinkLocked marks the k newest active procs as retiring and wakes their
// workers if they are parked, so that they retire at once.
func (p *Pool) shrinkLocked(s *procSet, k int) {
	for i := len(s.procs) - 1; i >= 0 && k > 0; i-- {
		pr := s.procs[i]
		if pr.retiring.Load() {
			continue
		}
		pr.retiring.Store(true)
		k--
		if w := pr.owner.Load(); w != nil && w.idleAt >= 0 && !w.awaiting {
			p.removeIdleLocked(w)
			if w.claimListed() {
				w.wake <- wakeNone
			}
		}
	}
}

// retire hands the queued work of w's proc, which Resize marked, to the
// global queue, takes the proc out of the active set, and leaves w without
// a proc (a spare). It is called at a schedule, where none of w's frames is
// running, and reports whether the proc was retired.
func (w *Worker) retire() bool {
	p := w.p
	pr := w.proc
	w.dropSpinning()
	moved := 0
	for j := pr.dq.PopOldest(); j != nil; j = pr.dq.PopOldest() {
		p.global.Push(j)
		moved++
	}
	if nx := pr.runnext.Swap(nil); nx != nil {
		p.global.Push(nx)
		moved++
	}
	pr.unmarkWork()
	pr.flush()
	p.mu.Lock()
	if !pr.retiring.Load() { // Resize grew the pool again meanwhile
		p.mu.Unlock()
		if moved > 0 {
			p.wakep()
		}
		return false
	}
	s := p.set.Load()
	procs := make([]*proc, 0, len(s.procs)-1)
	for _, x := range s.procs {
		if x != pr {
			procs = append(procs, x)
		}
	}
	p.set.Store(newProcSet(procs, s.byID))
	pr.retiring.Store(false)
	pr.owner.Store(nil)
	w.proc = nil
	p.mu.Unlock()
	p.note(w, "retired", int64(moved), 0)
	p.wakep() // the work moved, or that this worker would have looked for
	return true
}
