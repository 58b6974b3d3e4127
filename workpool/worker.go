package workpool

import (
	"context"
	"runtime"
	"runtime/pprof"
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
	// flushEvery: a proc credits finished pool tasks to the shared
	// pending count in batches of this many (and whenever it runs out of
	// work), so that tiny tasks do not bounce the count's cache line.
	flushEvery = 32
	// maxFree bounds a proc's free list of job records.
	maxFree = 1024
	// helpSpins is how many empty help passes a waiting worker makes,
	// yielding between them, before it parks; idleRounds how many more
	// steal passes an idle spinning worker makes, yielding between them,
	// while another worker is busy. A pass and a yield cost well under a
	// microsecond, a park and a wakeup several; so a worker waits a few
	// tens of microseconds for a fork before it parks (rayon spins 32
	// rounds before it sleeps).
	helpSpins  = 32
	idleRounds = 32
	// minVictims is the least number of victims one steal pass of a large
	// pool probes (the bound is max(2×GOMAXPROCS, minVictims)): a pool of at
	// most that many procs is walked in full, as the runtime walks its Ps.
	// Beyond it, a pass samples marked procs only (stealSampled).
	minVictims = 32
)

// A Worker is a worker goroutine of a pool, as seen by the function it is
// running: the M of the runtime's model, holding a processor with its own
// queue. A *Worker is passed to the functions of a [Pool.Run] tree and of
// [Worker.Spawn] tasks; it must be used only by the function it was passed
// to, on that function's goroutine, and only until that function returns.
type Worker struct {
	p    *Pool
	proc *proc         // the processor held, or nil (a spare, or in Blocking)
	tree *runState     // Run tree of the function being run; nil otherwise
	gid  atomic.Uint64 // goroutine identity (see gid), set at start, before any task

	spinning bool        // looking for work to steal, counted in nspinning
	exit     *PanicError // set once a runtime.Goexit is unwinding the goroutine

	// parkSeq is odd while the worker is parked: each park is an episode
	// with its own token (the odd value). A waker owns the wakeup of an
	// episode by moving parkSeq from its token to the next value, and then
	// sends exactly one wakeReason on wake (see park.go).
	parkSeq  atomic.Uint64
	wake     chan wakeReason
	idleAt   int   // index in Pool.idle while there, else -1; guarded by Pool.mu
	awaiting bool  // parked in await, holding its proc; guarded by Pool.mu
	spareAt  int   // index in Pool.spares while there, else -1; guarded by Pool.mu
	sparedAt int64 // nanotime when it parked as a spare; guarded by Pool.mu
	procless bool  // counted in Pool.nprocless; owner-only
	lastProc *proc // the proc handed over by Blocking, until it returns
}

// A wakeReason says why a parked worker was woken.
type wakeReason uint8

const (
	wakeNone  wakeReason = iota // no waker: the worker called off its own park
	wakeSpin                    // wakep: there may be work; the worker now spins
	wakeLatch                   // the latch it waits on was set
	wakeProc                    // it was given a proc
	wakeDrop                    // its proc was taken for another worker
	wakeStop                    // the pool has stopped
)

func newWorker(p *Pool) *Worker {
	return &Worker{p: p, idleAt: -1, spareAt: -1, wake: make(chan wakeReason, 1)}
}

// ID returns the index of the processor the worker holds, from 0 to
// [Pool.Workers]-1. A worker's processor may change across a call to
// [Worker.Blocking].
func (w *Worker) ID() int {
	if pr := w.proc; pr != nil {
		return pr.id
	}
	return -1
}

// Context returns the context of the [Pool.Run] call whose tree the
// current function belongs to. It is cancelled when Run's context is, when
// a function of the tree returns an error or panics, and when Run returns.
// Outside a Run tree (in a Spawn task) it returns context.Background().
func (w *Worker) Context() context.Context {
	if w.tree != nil {
		return w.tree.ctx
	}
	return context.Background()
}

// start starts a worker goroutine holding pr, or a spare if pr is nil.
// The caller has counted it in p.wg.
func (p *Pool) start(pr *proc) *Worker {
	w := newWorker(p)
	w.proc = pr
	if pr != nil {
		pr.owner.Store(w)
	}
	go w.main()
	return w
}

// main is a worker goroutine's body. Its pprof labels name the pool and
// the proc it started with ("spare" for one started without); the label
// sets are made once, so that starting a spare costs no allocation here.
func (w *Worker) main() {
	p := w.p
	defer p.wg.Done()
	defer p.forget(w)
	id := gid()
	w.gid.Store(id)
	p.msMu.Lock()
	if p.ms == nil {
		p.ms = make(map[uint64]*Worker)
	}
	p.ms[id] = w
	p.msMu.Unlock()
	labels := p.spareLabels
	if w.proc != nil {
		labels = w.proc.labels
	}
	pprof.SetGoroutineLabels(labels)
	w.loop()
}

// loop runs jobs while the worker holds a proc and waits as a spare while
// it holds none, until the pool stops (or, for a spare, until it has been
// idle too long).
func (w *Worker) loop() {
	for {
		if w.proc == nil {
			if !w.parkSpare() {
				return
			}
			continue
		}
		j := w.findRunnable()
		if j == nil {
			if w.proc == nil {
				continue // handed over; wait as a spare
			}
			w.proc.flush() // stopped: Stats are exact once Close returns
			return
		}
		w.execute(j)
	}
}

// findRunnable is the runtime's findRunnable, minus timers, netpoll and GC:
// it returns the next job to run, parking the worker while there is none.
// It returns nil once the pool has stopped, or once the worker has handed
// its proc over (to a worker returning from Blocking, or by Resize).
func (w *Worker) findRunnable() *job {
	p := w.p
	for {
		if p.stopped.Load() {
			w.stopSpinning()
			w.drainShells()
			return nil
		}
		if w.yieldProc() {
			return nil
		}
		if j := w.pollQueues(); j != nil {
			return w.found(j)
		}
		pr := w.proc
		// The proc's queues are empty, and only its owner adds to them:
		// its work bit may go.
		pr.unmarkWork()
		pr.flush()
		if j := w.trySteal(); j != nil {
			return w.found(j)
		}
		if p.globalNonEmpty() {
			continue
		}
		w.idle()
		if w.proc == nil {
			return nil // dropped: the proc went to a worker back from Blocking
		}
	}
}

// drainShells runs what is left on the proc's queues when the pool stops:
// nothing but the empty rest of a batch whose tasks were all claimed after
// it was handed off (every accepted task and every fork has finished by
// then), so that a stopped pool's queues are empty.
func (w *Worker) drainShells() {
	for j := w.takeLocal(); j != nil; j = w.takeLocal() {
		w.execute(j)
	}
}

// pollQueues looks at the proc's own queues and the global queue, with the
// global queue first on every 61st schedule.
func (w *Worker) pollQueues() *job {
	pr := w.proc
	pr.tick++
	if pr.tick%globalCheckTicks == 0 {
		pr.flush()
		if j := w.takeGlobal(1); j != nil {
			return j
		}
	}
	if j := w.takeLocal(); j != nil {
		return j
	}
	return w.takeGlobal(0)
}

// trySteal makes up to stealTries passes over the other procs, if this
// worker may spin: at most half of the busy workers spin, so that an almost
// idle pool does not burn its cores looking, and at most maxSpin
// (GOMAXPROCS at New), since spinners beyond the CPUs cannot run anyway.
// Between passes it stops if the global queue got work: a submission is
// cheaper to take than a steal.
func (w *Worker) trySteal() *job {
	p := w.p
	if !w.spinning {
		ns := p.nspinning.Load()
		if 2*ns >= p.nprocs.Load()-p.npidle.Load() || ns >= p.maxSpin {
			return nil
		}
		w.spinning = true
		p.nspinning.Add(1)
		p.note(w, "start-spinning", int64(ns), 0)
	}
	for i := 0; i < stealTries; i++ {
		if j := w.stealPass(i == stealTries-1); j != nil {
			return j
		}
		if p.globalNonEmpty() {
			return nil
		}
	}
	// While another worker is busy, its next fork may be a moment away:
	// look a while longer, yielding between passes, before parking, since
	// a wakeup costs far more than a fork (rayon's sleepy rounds).
	for i := 0; i < idleRounds && p.nprocs.Load()-p.npidle.Load() > 1; i++ {
		runtime.Gosched()
		if j := w.stealPass(true); j != nil {
			return j
		}
		if p.globalNonEmpty() {
			return nil
		}
	}
	return nil
}

// idle parks the worker with nothing to do until a waker wakes it, or
// returns at once if it finds a reason to look again.
func (w *Worker) idle() {
	pr := w.proc
	pr.st[cParks]++
	switch w.park(nil) {
	case wakeNone:
		pr.st[cParks]--
	case wakeSpin:
		pr.st[cWakeups]++
		w.spinning = true
	case wakeDrop:
		// The proc went to a worker back from Blocking: this worker is a
		// spare now. It may have been the spinner that a publisher relied
		// on to find new work, or have seen work on its last look, and it
		// can no longer take it: it passes the look on.
		w.p.wakep()
	default:
		pr.st[cWakeups]++
	}
}

// found ends spinning when a spinning worker finds work: the runtime's
// resetspinning. If it was the last spinner, it wakes another worker to
// spin, since there may be more work than this one job.
func (w *Worker) found(j *job) *job {
	if w.spinning {
		w.p.note(w, "found-spinning", 0, 0)
		w.spinning = false
		if w.p.nspinning.Add(-1) < 0 {
			panic("workpool: internal error: negative spinning count")
		}
		w.p.wakep()
	}
	return j
}

func (w *Worker) stopSpinning() {
	if w.spinning {
		w.p.note(w, "stop-spinning", int64(w.p.nspinning.Load()), 0)
		w.spinning = false
		if w.p.nspinning.Add(-1) < 0 {
			panic("workpool: internal error: negative spinning count")
		}
	}
}

// dropSpinning stops a spinning worker that goes on to something other
// than looking for work (its own task, or handing its proc over): it was
// woken because work may be queued, so it passes the look on to another
// parked worker, as the runtime's resetspinning does.
func (w *Worker) dropSpinning() {
	if w.spinning {
		w.stopSpinning()
		w.p.wakep()
	}
}

// takeLocal returns runnext (up to maxRunNextStreak in a row while the
// deque holds work) or the deque's next job in the pool's policy order.
func (w *Worker) takeLocal() *job {
	pr := w.proc
	if nx := pr.runnext.Load(); nx != nil && (pr.streak < maxRunNextStreak || pr.dq.Len() == 0) {
		if pr.runnext.CompareAndSwap(nx, nil) {
			pr.streak++
			pr.st[cRunnextPops]++
			return nx
		}
	}
	pr.streak = 0
	var j *job
	if w.p.policy == steal.FIFO {
		j = pr.dq.PopOldest()
	} else {
		j = pr.dq.Pop()
	}
	if j != nil {
		pr.st[cLocalPops]++
		return j
	}
	if nx := pr.runnext.Load(); nx != nil && pr.runnext.CompareAndSwap(nx, nil) {
		pr.streak = 1
		pr.st[cRunnextPops]++
		return nx
	}
	return nil
}

// takeGlobal is globrunqget: it takes a fair share of the global queue
// (len/procs + 1, at most maxGlobalBatch, or at most limit if limit > 0),
// runs one and queues the rest; if the queue is empty it takes the chunk
// that Submit is filling.
func (w *Worker) takeGlobal(limit int) *job {
	pr := w.proc
	g := &w.p.global
	if n := g.Len(); n > 0 {
		n = min(n/int(w.p.nprocs.Load())+1, maxGlobalBatch)
		if limit > 0 {
			n = min(n, limit)
		}
		if j := g.PopBatch(pr.dq, n); j != nil {
			if n > 1 {
				pr.markWork()
			}
			pr.st[cGlobalPops]++
			return j
		}
	}
	return w.takePartial()
}

// findHelp is what a worker waiting in Join, Scope or For looks for: its
// own queue, then the global queue, then one pass of stealing.
func (w *Worker) findHelp() *job {
	if j := w.takeLocal(); j != nil {
		return j
	}
	if j := w.takeGlobal(0); j != nil {
		return j
	}
	return w.stealPass(true)
}

// execute runs a job taken from a queue.
func (w *Worker) execute(j *job) {
	if w.p.cfg.trace && j.kind != kindChunk && j.kind != kindGroup && trace.IsEnabled() { // runChunk makes a region per task
		trace.WithRegion(context.Background(), "workpool.task", func() { w.run(j) })
		return
	}
	w.run(j)
}

// await runs other work until l is set, parking when there is none. A
// worker waiting in Join, Scope or For so never blocks while work exists;
// parked, it is idle: forks are published for it and wakep may wake it to
// help.
func (w *Worker) await(l *latch) {
	if w.proc == nil {
		w.awaitDetached(l)
		return
	}
	spins := 0
	for !l.done() {
		if w.proc == nil { // a job it ran went on without a proc (Blocking)
			w.awaitDetached(l)
			return
		}
		if j := w.findHelp(); j != nil {
			w.found(j)
			w.execute(j)
			spins = 0
			continue
		}
		if spins < helpSpins {
			spins++
			runtime.Gosched()
			continue
		}
		pr := w.proc
		pr.st[cParks]++
		switch w.park(l) {
		case wakeNone:
			pr.st[cParks]--
		case wakeSpin:
			pr.st[cWakeups]++
			w.spinning = true
		case wakeDrop:
			// The proc went to the worker it came from, back from
			// Blocking; pass on the look for work this worker may have
			// owed (see idle), and go on without a proc.
			w.p.wakep()
			w.awaitDetached(l)
			return
		default:
			pr.st[cWakeups]++
		}
		spins = 0
	}
	w.dropSpinning()
}

// awaitDetached waits for l without a proc: the worker is unwinding a
// runtime.Goexit, its proc already handed to a fresh worker. It runs
// nothing: whoever holds the work that sets l runs it.
func (w *Worker) awaitDetached(l *latch) {
	for !l.done() {
		tok := w.parkBegin()
		if !l.sleep(tok) && w.claim(tok) {
			return // set meanwhile, and nobody else took the wakeup
		}
		<-w.wake
	}
}
