package workpool

import (
	"context"
	"runtime/pprof"
	"strconv"
	"sync/atomic"

	"github.com/gmpkit/gmpkit/steal"
)

// A proc is a processor, the P of the runtime's model: the queues a worker
// goroutine (an M, see Worker) runs tasks from, its free list of job records
// and its counters. A pool has a fixed number of procs (changed only by
// Resize); each is held by at most one worker goroutine at a time, its
// owner, and only the owner touches the fields below marked owner-only.
// A proc changes hands when its owner blocks (Blocking), dies (Goexit) or
// retires it (Resize), and when a worker back from Blocking takes it back
// from the idle worker it went to.
type proc struct {
	pool *Pool
	id   int
	dq   *steal.Deque[job]
	// runnext is the job the owner runs next (the runtime's p.runnext):
	// Spawn puts its task here. Only the owner sets it; thieves may CAS it
	// to nil on their last pass.
	runnext atomic.Pointer[job]
	// group is the chunk of submitted tasks the owner is running, published
	// so that thieves can claim its other tasks (see runChunk); nil if none.
	group atomic.Pointer[chunk]
	// hazard is the group the owner is claiming a task from as a thief:
	// that group's owner must not recycle it meanwhile (see claimFrom).
	hazard atomic.Pointer[chunk]
	// owner is the worker goroutine holding the proc, or nil while it is
	// being handed over; read by Pool.self and Stats.
	owner atomic.Pointer[Worker]
	// labels are the pprof labels of a worker goroutine started with the
	// proc: the pool's name and the proc's index.
	labels context.Context
	// retiring is set by Resize when the proc is to be removed; its owner
	// hands its queued work to the others at its next schedule.
	retiring atomic.Bool
	// credit counts finished tasks not yet credited to Pool.pending, in a
	// pool with a WithMaxQueued bound: a Submit waiting for room collects
	// it itself (see Pool.collectCredit), so that a credit is never stuck
	// behind a task that blocks its owner.
	credit atomic.Int64

	// Owner-only state.
	marked bool // the proc's bit in Pool.hasWork is set
	tick   uint32
	streak int
	rng    uint64
	free   *job
	nfree  int
	done   int64    // finished tasks not yet credited (unbounded pools)
	groups []*chunk // groups run by frames of the owner, innermost last
	st     counters
	lat    latency // sampled queue-wait and run-time histograms

	pub [numCounters]atomic.Uint64 // st, published by flush for Stats
	_   [64]byte
}

func newProc(p *Pool, id int) *proc {
	pr := &proc{pool: p, id: id, dq: steal.NewDeque[job]()}
	pr.labels = pprof.WithLabels(context.Background(), pprof.Labels("workpool", p.cfg.name, "worker", strconv.Itoa(id)))
	pr.rng = uint64(id)*0x9e3779b97f4a7c15 + 0x2545f4914f6cdd1d
	return pr
}

func (pr *proc) rand() uint64 {
	// xorshift64*
	pr.rng ^= pr.rng >> 12
	pr.rng ^= pr.rng << 25
	pr.rng ^= pr.rng >> 27
	return pr.rng * 2685821657736338717
}

func (pr *proc) alloc() *job {
	if j := pr.free; j != nil {
		pr.free = j.next
		j.next = nil
		pr.nfree--
		return j
	}
	return new(job)
}

// release returns j to the free list. The caller must be the last to use j:
// for a Join job, the joiner after it saw j done; otherwise the goroutine
// that ran it.
func (pr *proc) release(j *job) {
	*j = job{}
	if pr.nfree >= maxFree {
		return
	}
	j.next = pr.free
	pr.free = j
	pr.nfree++
}

// flush publishes the proc's counters and credits finished tasks.
func (pr *proc) flush() {
	for i := range pr.st {
		if pr.pub[i].Load() != pr.st[i] {
			pr.pub[i].Store(pr.st[i])
		}
	}
	pr.creditDone()
}

// creditDone credits the finished tasks counted in done or credit.
func (pr *proc) creditDone() {
	if k := pr.done; k != 0 {
		pr.done = 0
		pr.pool.finish(k)
	}
	if pr.credit.Load() != 0 {
		if k := pr.credit.Swap(0); k != 0 {
			pr.pool.finish(k)
		}
	}
}

// taskSkipped credits one submitted task that was not run.
func (pr *proc) taskSkipped() {
	pr.st[cSkipped]++
	pr.st[cCompleted]--
	pr.taskDone()
}

// taskDone counts one finished pool task (submitted or spawned). Credits
// are batched so that tiny tasks do not bounce Pool.pending's cache line;
// in a pool with a bound they go through credit, which a waiting Submit
// can collect, and are flushed at once while one waits.
func (pr *proc) taskDone() {
	pr.st[cCompleted]++
	p := pr.pool
	if p.cfg.maxQueued > 0 {
		pr.credit.Add(1)
		if p.roomWaiters.Load() != 0 {
			if k := pr.credit.Swap(0); k != 0 {
				p.finish(k)
			}
		}
		return
	}
	pr.done++
	if pr.done >= flushEvery {
		k := pr.done
		pr.done = 0
		p.finish(k)
	}
}

// markWork sets the proc's bit in Pool.hasWork. The owner calls it after
// every addition to its deque, runnext slot or published group, and before
// it loads nspinning to decide whether to wake a worker: so a proc with
// queued work always has its bit set (see anyWork for why no wakeup is
// lost). It costs a test of an owner-only flag unless the bit was clear.
func (pr *proc) markWork() {
	if !pr.marked {
		pr.marked = true
		pr.pool.work.set(pr.id)
	}
}

// unmarkWork clears the proc's bit. The owner calls it only when its deque,
// runnext slot and group are empty; since only the owner adds to them,
// they stay empty until its next markWork.
func (pr *proc) unmarkWork() {
	if pr.marked {
		pr.marked = false
		pr.pool.work.clear(pr.id)
	}
}

// queued returns the number of entries in the proc's queues: deque entries
// (a batch of submitted tasks counts one), runnext, and unclaimed tasks of
// the group being run.
func (pr *proc) queued() int {
	q := pr.dq.Len()
	if pr.runnext.Load() != nil {
		q++
	}
	if g := pr.group.Load(); g != nil {
		q += int(max(g.gn.Load()-g.next.Load(), 0))
	}
	return q
}

// hasWork reports whether the proc's queues look as if they held work
// another worker could take.
func (pr *proc) hasWork() bool {
	if pr.dq.Len() > 0 || pr.runnext.Load() != nil {
		return true
	}
	g := pr.group.Load()
	return g != nil && g.next.Load() < g.gn.Load()
}

// canFork reports whether a fork should be published for thieves: only
// when another proc exists and either some worker is idle or spinning, or
// this proc has fewer than minStealable forks published (lazy binary
// splitting; see Join). It costs a few loads of lines that are rarely
// written, and inlines.
func (pr *proc) canFork() bool {
	p := pr.pool
	return p.nprocs.Load() > 1 && (p.npidle.Load()|p.nspinning.Load() != 0 || pr.dq.Len() < minStealable)
}

// minStealable is how many forks a busy worker keeps published for
// thieves. One is enough for balanced trees: a thief takes the oldest, the
// largest. But the inlined forks above it are then out of reach, and in a
// very unbalanced tree (a binomial Unbalanced Tree Search) what a thief
// finds is often small: two cut the steals of that tree by half and its
// time on 2 workers by about 7%, where four cost fib(32) at cutoff 12 5%.
const minStealable = 2

// fork publishes j, a forked function, on the proc's deque where idle
// workers can steal it: push, mark the proc as having work, count it, and
// wake a parked worker if nobody is spinning to find it.
func (pr *proc) fork(j *job) {
	pr.dq.Push(j)
	pr.markWork()
	pr.st[cSubmitted]++
	pr.pool.wakep()
}
