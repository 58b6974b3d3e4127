package workpool

// stealPass makes one pass over the other procs, stealing from the first
// with work. The last of findRunnable's stealTries passes may take a
// victim's runnext.
//
// A pool of at most maxVictims procs is walked in full in a random order
// (a random start and a random step coprime to the number of procs, the
// runtime's randomOrder). A larger pool is walked through its work bitmap
// from a random position, visiting only procs whose bit is set and at most
// maxVictims of them: a pass costs O(procs/64) word loads and a bounded
// number of victim probes, not O(procs) probes.
func (w *Worker) stealPass(last bool) *job {
	s := w.p.set.Load()
	n := uint32(len(s.procs))
	if n <= 1 {
		return nil
	}
	if n > uint32(w.p.maxVictims) {
		return w.stealSampled(s, last)
	}
	pr := w.proc
	r := pr.rand()
	pos := uint32(r) % n
	step := s.steps[uint32(r>>32)%uint32(len(s.steps))]
	for k := uint32(0); k < n; k++ {
		v := s.procs[pos]
		pos = (pos + step) % n
		if v == pr {
			continue
		}
		if j := w.stealFrom(v, last); j != nil {
			return j
		}
	}
	return nil
}

// stealSampled is stealPass for a pool of more than maxVictims procs.
func (w *Worker) stealSampled(s *procSet, last bool) *job {
	pr := w.proc
	budget := w.p.maxVictims
	var got *job
	w.p.work.each(int(pr.rand()%uint64(len(s.byID))), len(s.byID), func(i int) bool {
		v := s.byID[i]
		if v == pr || v.retiring.Load() {
			return true
		}
		if got = w.stealFrom(v, last); got != nil {
			return false
		}
		budget--
		return budget > 0
	})
	return got
}

// stealFrom tries to take work from victim v: half its deque (the
// runtime's runqsteal: the thief runs the oldest and keeps the rest, so a
// burst spreads in log2(workers) steals), else a task of the group it is
// running, else, if takeNext, its runnext.
func (w *Worker) stealFrom(v *proc, takeNext bool) *job {
	pr := w.proc
	if v.dq.Len() > 0 {
		pr.st[cStealAttempts]++
		if j, n := v.dq.StealHalf(pr.dq); j != nil {
			if n > 1 {
				pr.markWork()
			}
			pr.st[cSteals]++
			pr.st[cStolen] += uint64(n)
			return j
		}
	}
	if j := w.claimFrom(v); j != nil {
		return j
	}
	if takeNext {
		if nx := v.runnext.Load(); nx != nil {
			pr.st[cStealAttempts]++
			if v.runnext.CompareAndSwap(nx, nil) {
				pr.st[cSteals]++
				pr.st[cStolen]++
				return nx
			}
		}
	}
	return nil
}
