package workpool

import (
	"context"
	"runtime/trace"
	"sync"
	"sync/atomic"
)

// chunkSize is the number of submitted tasks batched into one global queue
// entry. A chunk of 32 func values is four cache lines: a worker that takes
// it moves 32 tasks between cores for the price of a few cache misses and
// one lock, where a queue of one record per task would move a line per task.
// Small enough that a partly filled chunk is rarely worth waiting for (and
// it never is: idle workers take partial chunks, see takePartial).
const chunkSize = 32

// chunkRun is the most tasks a worker keeps of a chunk as one group (see
// runChunk) rather than splitting it onto its deque. Measured on the
// tiny-task benchmark: 8 was a little faster than 4, and a group's tasks
// stay stealable one at a time, so its size costs no parallelism.
const chunkRun = 8

// A chunk is a batch of tasks submitted from outside the pool, in
// submission order. It carries its own job record, so that queueing it in
// the global queue allocates nothing, and chunks are recycled (see
// runChunk for when that is safe).
type chunk struct {
	j     job
	n     int  // tasks in fns; owner-only
	local bool // split from a chunk already counted in Pool.expanded
	// Once the chunk is published as a group: gn is n, and next the index
	// of the next unclaimed task. Thieves read them without a hazard, so
	// they are atomic and may be stale (only a claim under a hazard counts).
	gn   atomic.Int32
	next atomic.Int32
	fns  [chunkSize]func()
}

var chunks = sync.Pool{New: func() any {
	c := new(chunk)
	c.j.kind = kindChunk
	c.j.chunk = c
	return c
}}

// takePartial takes the chunk that Submit is filling, if it holds any task,
// and returns its job, for w to run.
func (w *Worker) takePartial() *job {
	p := w.p
	if p.curN.Load() == 0 {
		return nil
	}
	p.subMu.Lock()
	c := p.cur
	p.cur = nil
	p.curN.Store(0)
	p.subMu.Unlock()
	if c == nil {
		return nil
	}
	w.st[cGlobalPops]++
	return &c.j
}

// runChunk runs the tasks of c. A chunk of more than chunkRun tasks is
// split first: its newer half moves to a fresh chunk that goes on w's own
// queue, where idle workers can steal it, until at most chunkRun tasks are
// left (each half is split again by whoever runs it). The group that is
// left is published in w.group, and its tasks are claimed one at a time
// with an atomic counter, by w in order and by thieves (claimFrom): so a
// task never waits behind a long or blocked one while a worker is idle,
// as with one deque entry per task, but a chunk of 32 costs three deque
// pushes and 32 counter increments instead of 32 job records, 31 pushes
// and 32 pops.
//
// A thief may still hold a group after its last task was claimed. It
// claims under a hazard pointer (w.hazard, checked against the victim's
// group after it is set), and the owner recycles a chunk only if, after
// unpublishing it, no worker's hazard names it; otherwise the garbage
// collector takes it.
func (w *Worker) runChunk(c *chunk) {
	p := w.p
	if !c.local {
		c.local = true
		p.expanded.Add(uint64(c.n))
	}
	for c.n > chunkRun {
		w.splitChunk(c, c.n/2)
	}
	traced := p.cfg.trace && trace.IsEnabled()
	w.cur = nil
	if c.n == 1 {
		fn := c.fns[0]
		recycle(c)
		w.runChunkTask(fn, traced)
		return
	}
	n := c.n
	c.gn.Store(int32(n))
	prev := w.group.Load()
	w.group.Store(c)
	w.markWork()
	p.wakep()
	for {
		i := int(c.next.Add(1)) - 1
		if i >= n {
			break
		}
		w.runChunkTask(c.fns[i], traced)
	}
	w.group.Store(prev)
	// A thief counts itself in p.claiming before it sets its hazard and
	// re-checks the group, so if the count is zero after the group was
	// unpublished, no thief can still be claiming from c: the O(workers)
	// scan is needed only while some claim is in flight.
	if p.claiming.Load() != 0 {
		for _, v := range p.workers {
			if v.hazard.Load() == c {
				return // a thief is claiming from c: leave it to the GC
			}
		}
	}
	recycle(c)
}

// recycle resets c, which nobody else can reach, and pools it.
func recycle(c *chunk) {
	clear(c.fns[:c.n])
	c.n = 0
	c.local = false
	c.gn.Store(0)
	c.next.Store(0)
	chunks.Put(c)
}

// runChunkTask runs one submitted task.
func (w *Worker) runChunkTask(fn func(), traced bool) {
	var pe *PanicError
	if traced {
		trace.WithRegion(context.Background(), "workpool.task", func() { pe = w.callTask(fn) })
	} else {
		pe = w.callTask(fn)
	}
	if pe != nil {
		w.p.recordPanic(pe)
	}
	w.taskDone()
}

// claimFrom takes one unclaimed task of v's group for w, as a job record
// from w's free list, or returns nil.
func (w *Worker) claimFrom(v *Worker) *job {
	g := v.group.Load()
	if g == nil || g.next.Load() >= g.gn.Load() {
		return nil
	}
	p := w.p
	p.claiming.Add(1)
	w.hazard.Store(g)
	if v.group.Load() != g { // unpublished meanwhile: maybe recycled
		w.hazard.Store(nil)
		p.claiming.Add(-1)
		return nil
	}
	w.st[cStealAttempts]++
	var j *job
	if i := g.next.Add(1) - 1; i < g.gn.Load() {
		j = w.alloc()
		j.kind = kindTask
		j.fn = g.fns[i]
		w.st[cSteals]++
		w.st[cStolen]++
	}
	w.hazard.Store(nil)
	p.claiming.Add(-1)
	return j
}

// splitChunk moves the tasks of c from index h on into a fresh chunk on w's
// own queue. c must not have been published as a group yet.
func (w *Worker) splitChunk(c *chunk, h int) {
	d := chunks.Get().(*chunk)
	d.local = true
	d.n = copy(d.fns[:], c.fns[h:c.n])
	clear(c.fns[h:c.n])
	c.n = h
	w.dq.Push(&d.j)
	w.markWork()
}
