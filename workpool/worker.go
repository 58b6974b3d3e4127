package workpool

import (
	"context"
	"math/bits"
	"runtime"
	"runtime/trace"
	"sync/atomic"

	"github.com/gmpkit/gmpkit/steal"
)

// Constants of the scheduler. Where they come from the runtime, the
// runtime's reason carries over; see doc.go.
const (
	// globalCheckTicks: every 61st schedule a worker looks at the global
	// queue before its own (runtime/proc.go, schedule: schedtick%61). A
	// prime, so that it does not fall into step with a task pattern.
	globalCheckTicks = 61
	// stealTries is the number of passes over the victims (runtime's
	// stealTries); the last pass may also take a victim's runnext.
	stealTries = 4
	// maxGlobalBatch caps one grab from the global queue (the runtime caps
	// globrunqget at half its 256-slot ring).
	maxGlobalBatch = steal.RunQueueSize / 2
	// maxRunNextStreak bounds consecutive runnext pops while the local
	// queue holds work (steal.MaxRunNextStreak explains why a user-space
	// pool needs the cap that sysmon's preemption provides in the runtime).
	maxRunNextStreak = steal.MaxRunNextStreak
	// flushEvery: a worker credits finished pool tasks to the shared
	// pending count in batches of this many (and whenever it runs out of
	// work), so that tiny tasks do not bounce the count's cache line.
	flushEvery = 32
	// maxFree bounds a worker's free list of job records.
	maxFree = 1024
	// helpSpins is how many empty help passes a joiner makes, yielding
	// between them, before it parks until its stolen job is done.
	helpSpins = 8
	// minVictims is the least number of victims one steal pass of a large
	// pool probes (the bound is max(2×GOMAXPROCS, minVictims)): a pool of at
	// most that many workers is walked in full, as the runtime walks its
	// Ps. Beyond it, a pass samples marked workers only (stealSampled).
	minVictims = 32
)

// A Worker is one of a pool's workers, as seen by the function it is
// running: the M and P of the runtime's model, with its own queue. A
// *Worker is passed to the functions of a [Pool.Run] tree and of
// [Worker.Spawn] tasks; it must be used only by the function it was passed
// to, on that function's goroutine, and only until that function returns.
type Worker struct {
	p  *Pool
	id int
	dq *steal.Deque[job]
	// runnext is the task the worker runs next (the runtime's p.runnext):
	// Spawn puts its task here. Only the owner sets it; thieves may CAS it
	// to nil on their last pass.
	runnext atomic.Pointer[job]
	gid     atomic.Uint64 // the worker goroutine's id, set once at start
	// group is the chunk whose tasks the worker is running, published so
	// that thieves can claim its other tasks (see runChunk); nil if none.
	group atomic.Pointer[chunk]
	// hazard is the group this worker is claiming a task from, if any:
	// its owner must not recycle it meanwhile (see runChunk).
	hazard atomic.Pointer[chunk]

	// Owner-only state.
	cur      *runState // Run tree of the function being run; nil otherwise
	spinning bool
	marked   bool // w's bit in p.hasWork is set (only the owner sets or clears it)
	idleAt   int  // index in p.idle while parked there, else -1; guarded by p.mu
	tick     uint32
	streak   int
	rng      uint64
	free     *job
	nfree    int
	done     int64 // finished pool tasks not yet credited to p.pending
	st       counters

	wake     chan bool     // idle park; the value: you are now spinning
	joinWake chan struct{} // park in Join or Scope until a job is done

	pub [numCounters]atomic.Uint64 // st, published by flush for Stats
	_   [64]byte
}

// Counters kept by each worker; indexes into counters.
const (
	cSubmitted = iota
	cCompleted
	cPanicked
	cLocalPops
	cRunnextPops
	cGlobalPops
	cStealAttempts
	cSteals
	cStolen
	cParks
	cWakeups
	numCounters
)

type counters [numCounters]uint64

// ID returns the worker's index, from 0 to [Pool.Workers]-1.
func (w *Worker) ID() int { return w.id }

// Context returns the context of the [Pool.Run] call whose tree the
// current function belongs to. It is cancelled when Run's context is, when
// a function of the tree returns an error or panics, and when Run returns.
// Outside a Run tree (in a Spawn task) it returns context.Background().
func (w *Worker) Context() context.Context {
	if w.cur != nil {
		return w.cur.ctx
	}
	return context.Background()
}

// flush publishes the worker's counters and credits finished tasks.
func (w *Worker) flush() {
	for i := range w.st {
		if w.pub[i].Load() != w.st[i] {
			w.pub[i].Store(w.st[i])
		}
	}
	if w.done != 0 {
		k := w.done
		w.done = 0
		w.p.finish(k)
	}
}

func (w *Worker) rand() uint64 {
	// xorshift64*
	w.rng ^= w.rng >> 12
	w.rng ^= w.rng << 25
	w.rng ^= w.rng >> 27
	return w.rng * 2685821657736338717
}

func (w *Worker) alloc() *job {
	if j := w.free; j != nil {
		w.free = j.next
		j.next = nil
		w.nfree--
		return j
	}
	return new(job)
}

// release returns j to the free list. The caller must be the last to use j:
// for a Join job, the joiner after it saw j done; otherwise the worker that
// ran it.
func (w *Worker) release(j *job) {
	j.fn, j.wfn, j.run, j.scope, j.pe, j.joiner = nil, nil, nil, nil, nil, nil
	if j.fb != nil {
		j.fb, j.res = nil, nil
	}
	if j.state.Load() != jobPending { // a plain load; the Store is an xchg
		j.state.Store(jobPending)
	}
	if w.nfree >= maxFree {
		return
	}
	j.next = w.free
	w.free = j
	w.nfree++
}

// loop is the worker's schedule loop.
func (w *Worker) loop() {
	for {
		j := w.findRunnable()
		if j == nil {
			w.flush()
			return
		}
		w.execute(j)
	}
}

// findRunnable is the runtime's findRunnable, minus timers, netpoll and GC:
// it returns the next job to run, parking the worker while there is none,
// or nil once the pool has stopped.
func (w *Worker) findRunnable() *job {
	p := w.p
top:
	if p.stopped.Load() {
		if w.spinning {
			w.spinning = false
			p.nspinning.Add(-1)
		}
		return nil
	}
	w.tick++
	if w.tick%globalCheckTicks == 0 {
		w.flush()
		if p.globalNonEmpty() {
			if j := p.global.PopBatchDeque(w.dq, 1); j != nil {
				w.markWork()
				w.st[cGlobalPops]++
				return w.found(j)
			}
			if j := w.takePartial(); j != nil {
				return w.found(j)
			}
		}
	}
	if j := w.takeLocal(); j != nil {
		return w.found(j)
	}
	if j := w.takeGlobal(); j != nil {
		return w.found(j)
	}
	// The worker's own queues are empty, and only the worker adds to them:
	// its hasWork bit may go.
	w.unmarkWork()
	w.flush()
	// Steal, if this worker may spin: at most half of the busy workers
	// spin, so that an almost idle pool does not burn its cores looking,
	// and at most maxSpin (GOMAXPROCS at New), since spinners beyond the
	// CPUs cannot run anyway and only add to the work of the scheduler.
	if ns := p.nspinning.Load(); w.spinning || (2*ns < int32(len(p.workers))-p.npidle.Load() && ns < p.maxSpin) {
		if !w.spinning {
			w.spinning = true
			p.nspinning.Add(1)
		}
		// Between passes, look at the global queue again: a submission
		// that arrives meanwhile is cheaper to take than a steal.
		// (Yielding the P between passes, so that a submitter sharing it
		// gets to run, was tried: it cost more in scheduler round trips
		// than it gave back on the tiny-task benchmark.)
		for i := 0; i < stealTries; i++ {
			if j := w.stealPass(i == stealTries-1); j != nil {
				return w.found(j)
			}
			if p.globalNonEmpty() {
				goto top
			}
		}
	}
	// Nothing: go idle. The global queue is re-checked under the lock that
	// Close takes to stop the pool, so neither is missed.
	w.st[cParks]++
	w.flush() // before counting as idle: an idle pool's Stats are exact
	p.mu.Lock()
	if p.stopped.Load() || p.globalNonEmpty() {
		p.mu.Unlock()
		w.st[cParks]--
		goto top
	}
	w.idleAt = len(p.idle)
	p.idle = append(p.idle, w)
	p.npidle.Add(1)
	p.mu.Unlock()
	// The spinning worker that gives up must look again after it stops
	// counting as spinning: a Submit or Join that saw it spinning did not
	// wake anyone, and relied on it (runtime: "delicate dance").
	//
	// A worker that was not spinning must look again too. It checked the
	// global queue before it counted as idle, and Submit publishes a task
	// and then loads npidle without taking p.mu (the runtime's globrunqput
	// and stopm both hold sched.lock; we keep Submit off that lock). So
	// "parker loads curN, Submit stores curN, Submit loads npidle == 0,
	// parker adds itself to npidle" is a legal order in which nobody wakes
	// for the task: with a task blocked waiting for it, that was a
	// deadlock (TestSubmit_TasksOfOneBatchNeverWaitBehindABlockedOne found
	// it about once in a few hundred runs). Loading after publishing on
	// both sides closes it. A worker that finds work this way comes back as
	// a spinner, whatever the spin cap, so that it may steal what it saw.
	if w.spinning {
		w.spinning = false
		if p.nspinning.Add(-1) < 0 {
			panic("workpool: internal error: negative spinning count")
		}
	}
	if p.anyWork() && p.removeIdle(w) {
		w.st[cParks]--
		w.spinning = true
		p.nspinning.Add(1)
		goto top
	}
	w.spinning = <-w.wake
	w.st[cWakeups]++
	goto top
}

// found ends spinning when a spinning worker finds work: the runtime's
// resetspinning. If it was the last spinner, it wakes another worker to
// spin, since there may be more work than this one job.
func (w *Worker) found(j *job) *job {
	if w.spinning {
		w.spinning = false
		if w.p.nspinning.Add(-1) < 0 {
			panic("workpool: internal error: negative spinning count")
		}
		w.p.wakep()
	}
	return j
}

// takeLocal returns runnext (up to maxRunNextStreak in a row while the
// deque holds work) or the deque's next job in the pool's policy order.
func (w *Worker) takeLocal() *job {
	if nx := w.runnext.Load(); nx != nil && (w.streak < maxRunNextStreak || w.dq.Len() == 0) {
		if w.runnext.CompareAndSwap(nx, nil) {
			w.streak++
			w.st[cRunnextPops]++
			return nx
		}
	}
	w.streak = 0
	if j := w.dq.Take(w.p.policy); j != nil {
		w.st[cLocalPops]++
		return j
	}
	if nx := w.runnext.Load(); nx != nil && w.runnext.CompareAndSwap(nx, nil) {
		w.streak = 1
		w.st[cRunnextPops]++
		return nx
	}
	return nil
}

// takeGlobal is globrunqget: it takes a fair share of the global queue
// (len/workers + 1, at most maxGlobalBatch), runs one and queues the rest.
func (w *Worker) takeGlobal() *job {
	g := &w.p.global
	n := g.Len()
	if n == 0 {
		return w.takePartial()
	}
	n = min(n/len(w.p.workers)+1, maxGlobalBatch)
	j := g.PopBatchDeque(w.dq, n)
	if j != nil {
		if n > 1 {
			w.markWork()
		}
		w.st[cGlobalPops]++
		return j
	}
	return w.takePartial()
}

// markWork sets w's bit in p.hasWork. The owner calls it after every
// addition to its own deque, runnext slot or published group, and before it
// loads nspinning to decide whether to wake a worker: so a worker with
// queued work always has its bit set (see anyWork for why no wakeup is
// lost). It costs a test of an owner-only flag unless the bit was clear.
func (w *Worker) markWork() {
	if !w.marked {
		w.marked = true
		w.p.hasWork[w.id>>6].Or(1 << (w.id & 63))
	}
}

// unmarkWork clears w's bit in p.hasWork. The owner calls it only when its
// deque, runnext slot and group are empty; since only the owner adds to
// them, they stay empty until its next markWork.
func (w *Worker) unmarkWork() {
	if w.marked {
		w.marked = false
		w.p.hasWork[w.id>>6].And(^(uint64(1) << (w.id & 63)))
	}
}

// stealPass makes one pass over the other workers, stealing from the first
// with work. The last of findRunnable's stealTries passes may take a
// victim's runnext.
//
// A pool of at most maxVictims workers is walked in full in a random order
// (a random start and a random step coprime to the number of workers, the
// runtime's randomOrder). A larger pool is walked through its hasWork
// bitmap from a random position, visiting only workers whose bit is set and
// at most maxVictims of them: a pass costs O(workers/64) word loads and a
// bounded number of victim probes, not O(workers) probes.
func (w *Worker) stealPass(last bool) *job {
	p := w.p
	n := uint32(len(p.workers))
	if n == 1 {
		return nil
	}
	if n > uint32(p.maxVictims) {
		return w.stealSampled(last)
	}
	r := w.rand()
	pos := uint32(r) % n
	step := p.steps[uint32(r>>32)%uint32(len(p.steps))]
	for k := uint32(0); k < n; k++ {
		v := p.workers[pos]
		pos = (pos + step) % n
		if v == w {
			continue
		}
		if j := w.stealFrom(v, last); j != nil {
			return j
		}
	}
	return nil
}

// stealSampled is stealPass for a pool of more than maxVictims workers.
func (w *Worker) stealSampled(last bool) *job {
	p := w.p
	words := p.hasWork
	nw := len(words)
	start := int(w.rand() % uint64(len(p.workers)))
	wi, sb := start>>6, uint(start&63)
	budget := p.maxVictims
	// nw+1 word visits: the start word is visited twice, first from bit sb
	// up, last below bit sb.
	for k := 0; k <= nw; k++ {
		set := words[wi].Load()
		switch k {
		case 0:
			set &= ^uint64(0) << sb
		case nw:
			set &= uint64(1)<<sb - 1
		}
		for set != 0 {
			b := bits.TrailingZeros64(set)
			set &= set - 1
			v := p.workers[wi<<6+b]
			if v == w {
				continue
			}
			if j := w.stealFrom(v, last); j != nil {
				return j
			}
			if budget--; budget == 0 {
				return nil
			}
		}
		if wi++; wi == nw {
			wi = 0
		}
	}
	return nil
}

func (w *Worker) stealFrom(v *Worker, takeNext bool) *job {
	if v.dq.Len() > 0 {
		w.st[cStealAttempts]++
		if w.p.mode == StealOne {
			if j := v.dq.Steal(); j != nil {
				w.st[cSteals]++
				w.st[cStolen]++
				return j
			}
		} else if j, n := v.dq.StealHalf(w.dq); j != nil {
			if n > 1 {
				w.markWork()
			}
			w.st[cSteals]++
			w.st[cStolen] += uint64(n)
			return j
		}
	}
	if j := w.claimFrom(v); j != nil {
		return j
	}
	if takeNext {
		if nx := v.runnext.Load(); nx != nil {
			w.st[cStealAttempts]++
			if v.runnext.CompareAndSwap(nx, nil) {
				w.st[cSteals]++
				w.st[cStolen]++
				return nx
			}
		}
	}
	return nil
}

// findHelp is what a worker waiting in Join or Scope looks for: its own
// queue, then the global queue, then one pass of stealing.
func (w *Worker) findHelp() *job {
	if j := w.takeLocal(); j != nil {
		return j
	}
	if j := w.takeGlobal(); j != nil {
		return j
	}
	return w.stealPass(true)
}

// execute runs a job taken from a queue.
func (w *Worker) execute(j *job) {
	if w.p.cfg.trace && j.kind != kindChunk && trace.IsEnabled() { // runChunk makes a region per task
		trace.WithRegion(context.Background(), "workpool.task", func() { w.run(j) })
		return
	}
	w.run(j)
}

func (w *Worker) run(j *job) {
	prev := w.cur
	switch j.kind {
	case kindChunk:
		w.runChunk(j.chunk)
	case kindTask:
		fn := j.fn
		w.release(j)
		w.cur = nil
		if pe := w.callTask(fn); pe != nil {
			w.p.recordPanic(pe)
		}
		w.taskDone()
	case kindSpawn:
		fn := j.wfn
		w.release(j)
		w.cur = nil
		if pe := w.call(fn); pe != nil {
			w.p.recordPanic(pe)
		}
		w.taskDone()
	case kindJoin:
		rs := j.run
		w.cur = rs
		if rs == nil || !rs.cancelled() {
			if j.fb != nil {
				j.pe = w.callJoin2(j)
			} else {
				j.pe = w.call(j.wfn)
			}
		}
		w.st[cCompleted]++
		joiner := j.joiner
		// After this Swap the joiner may recycle j: touch only joiner.
		if j.state.Swap(jobDone) == jobSleeping {
			joiner.joinWake <- struct{}{}
		}
	case kindScope:
		s, fn := j.scope, j.wfn
		w.release(j)
		w.cur = s.run
		if s.run == nil || !s.run.cancelled() {
			if pe := w.call(fn); pe != nil {
				s.pe.CompareAndSwap(nil, pe)
			}
		}
		w.st[cCompleted]++
		s.doneOne()
	case kindRoot:
		w.p.rootsTaken.Add(1)
		rs := j.run
		w.cur = rs
		w.runRoot(rs)
		w.st[cCompleted]++
		w.p.finish(1)
	default:
		panic("workpool: internal error: bad job kind")
	}
	w.cur = prev
}

func (w *Worker) taskDone() {
	w.st[cCompleted]++
	w.done++
	if w.done >= flushEvery {
		k := w.done
		w.done = 0
		w.p.finish(k)
	}
}

// callTask runs a submitted task, recovering a panic.
//
// The deferred function calls recover only if fn did not return, so that
// the common path pays for a flag test instead of a runtime call.
func (w *Worker) callTask(fn func()) (pe *PanicError) {
	ok := false
	defer func() {
		if !ok {
			if r := recover(); r != nil {
				pe = w.panicked(r)
			}
		}
	}()
	fn()
	ok = true
	return nil
}

// call runs fn(w), recovering a panic. In a Run tree a panic also cancels
// the tree, so that its siblings stop forking.
// Like callTask, it calls recover only when fn did not return.
func (w *Worker) call(fn func(*Worker)) (pe *PanicError) {
	ok := false
	defer func() {
		if !ok {
			if r := recover(); r != nil {
				pe = w.panicked(r)
			}
		}
	}()
	fn(w)
	ok = true
	return nil
}

// callJoin2 runs a Join2's b from the queue, recovering a panic, and keeps
// its result in j for the joiner.
func (w *Worker) callJoin2(j *job) (pe *PanicError) {
	ok := false
	defer func() {
		if !ok {
			if r := recover(); r != nil {
				pe = w.panicked(r)
			}
		}
	}()
	j.res = j.fb.callAny(w)
	ok = true
	return nil
}

func (w *Worker) panicked(r any) *PanicError {
	pe, fresh := newPanicError(r)
	if fresh {
		w.st[cPanicked]++
	}
	if w.cur != nil {
		w.cur.fail(pe)
	}
	return pe
}

// parkJoin blocks until a completer sends on joinWake.
func (w *Worker) parkJoin() {
	// A worker parked in a join holds no queued work once its queues are
	// empty: clear its hasWork bit, so that the sampled steal passes of a
	// large pool do not spend their budget on it.
	if w.dq.Len() == 0 && w.runnext.Load() == nil && w.group.Load() == nil {
		w.unmarkWork()
	}
	w.st[cParks]++
	w.flush()
	<-w.joinWake
	w.st[cWakeups]++
}

// yield gives up the processor between empty help passes.
func yield() { runtime.Gosched() }
