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
	// handedOff is set when the worker running the chunk as a group gave
	// its proc away mid-group (Blocking, Goexit): the group's rest went
	// back on the proc's deque as a kindGroup job, and the chunk is left
	// to the garbage collector.
	handedOff bool
	// Once the chunk is published as a group: gn is n, and next the index
	// of the next unclaimed task. Thieves read them without a hazard, so
	// they are atomic and may be stale (only a claim under a hazard counts).
	gn   atomic.Int32
	next atomic.Int32
	fns  [chunkSize]func()
	// extMask marks the tasks that carry more than a func(): a latency
	// stamp in stamps, or (with fn nil) a context or group task in ext.
	// Plain tasks touch only fns. ext is allocated at the chunk's first
	// such task and stays with the chunk when it is recycled, so a chunk
	// that is lost to the garbage collector (see handedOff) costs little.
	extMask uint32
	stamps  [chunkSize]int64
	ext     *[chunkSize]taskExt
}

type taskExt struct {
	cfn func(context.Context)
	ctx context.Context
	gfn func(context.Context) error
	grp *Group
}

var chunks = sync.Pool{New: func() any {
	c := new(chunk)
	c.j.kind = kindChunk
	c.j.chunk = c
	return c
}}

// add appends t; the chunk must not be full.
func (c *chunk) add(t submitted) {
	i := c.n
	c.n++
	c.fns[i] = t.fn
	if t.stamp != 0 {
		c.stamps[i] = t.stamp
		c.extMask |= 1 << i
	}
	if t.fn == nil {
		if c.ext == nil {
			c.ext = new([chunkSize]taskExt)
		}
		c.ext[i] = taskExt{cfn: t.cfn, ctx: t.ctx, gfn: t.gfn, grp: t.grp}
		c.extMask |= 1 << i
	}
}

// get returns task i.
func (c *chunk) get(i int) submitted {
	if c.extMask&(1<<i) == 0 {
		return submitted{fn: c.fns[i]}
	}
	t := submitted{fn: c.fns[i], stamp: c.stamps[i]}
	if t.fn == nil {
		e := &c.ext[i]
		t.cfn, t.ctx, t.gfn, t.grp = e.cfn, e.ctx, e.gfn, e.grp
	}
	return t
}

// clearFrom drops the tasks of c from index h on.
func (c *chunk) clearFrom(h int) {
	clear(c.fns[h:c.n])
	if c.extMask>>h != 0 {
		clear(c.stamps[h:c.n])
		if c.ext != nil {
			clear(c.ext[h:c.n])
		}
		c.extMask &= 1<<h - 1
	}
	c.n = h
}

// takePartial takes the chunk that Submit is filling, if it holds any task,
// and returns its job, for w to run.
func (w *Worker) takePartial() *job {
	p := w.p
	if p.fillingN.Load() == 0 {
		return nil
	}
	p.subMu.Lock()
	c := p.filling
	p.filling = nil
	p.fillingN.Store(0)
	p.subMu.Unlock()
	if c == nil {
		return nil
	}
	w.proc.st[cGlobalPops]++
	return &c.j
}

// runChunk runs the tasks of c. A chunk of more than chunkRun tasks is
// split first: its newer half moves to a fresh chunk that goes on the
// proc's own queue, where idle workers can steal it, until at most
// chunkRun tasks are left (each half is split again by whoever runs it).
// The group that is left is published as the proc's group, and its tasks
// are claimed one at a time with an atomic counter, by the owner in order
// and by thieves (claimFrom): so a task never waits behind a long or
// blocked one while a worker is idle, as with one deque entry per task,
// but a chunk of 32 costs three deque pushes and 32 counter increments
// instead of 32 job records, 31 pushes and 32 pops. A resumed chunk (the
// rest of a group whose runner gave its proc away) is run as a group
// as it is.
//
// A thief may still hold a group after its last task was claimed. It
// claims under a hazard pointer (its proc's hazard, checked against the
// victim's group after it is set), and the owner recycles a chunk only if,
// after unpublishing it, no proc's hazard names it; otherwise the garbage
// collector takes it.
func (w *Worker) runChunk(c *chunk, resumed bool) {
	p := w.p
	if !resumed {
		if !c.local {
			c.local = true
			p.expanded.Add(uint64(c.n))
		}
		for c.n > chunkRun {
			w.splitChunk(c, c.n/2)
		}
		if c.n == 1 {
			t := c.get(0)
			recycle(c)
			w.runTask(&t)
			return
		}
		c.gn.Store(int32(c.n))
	}
	pr := w.proc
	pr.groups = append(pr.groups, c)
	pr.group.Store(c)
	pr.markWork()
	p.wakep()
	traced := p.cfg.trace && trace.IsEnabled()
	n := int(c.gn.Load())
	for w.proc != nil { // without one (after Blocking), the rest is handed off
		i := int(c.next.Add(1)) - 1
		if i >= n {
			break
		}
		t := c.get(i)
		if traced {
			trace.WithRegion(context.Background(), "workpool.task", func() { w.runTask(&t) })
		} else {
			w.runTask(&t)
		}
	}
	w.endGroup(c)
}

// endGroup unpublishes c, whose tasks have all been claimed, and recycles
// it if no thief can still be claiming from it. If this frame's worker
// gave its proc away meanwhile (handOffGroups), c is no longer on its
// proc's group stack and there is nothing to unpublish; a handed-off chunk
// is never recycled, since another frame may still be claiming from it.
func (w *Worker) endGroup(c *chunk) {
	pr := w.proc
	if pr == nil {
		return
	}
	k := len(pr.groups)
	if k == 0 || pr.groups[k-1] != c {
		return
	}
	pr.groups[k-1] = nil
	pr.groups = pr.groups[:k-1]
	var prev *chunk
	if k := len(pr.groups); k > 0 {
		prev = pr.groups[k-1]
	}
	pr.group.Store(prev)
	if c.handedOff {
		return
	}
	// A thief counts itself in p.claiming before it sets its hazard and
	// re-checks the group, so if the count is zero after the group was
	// unpublished, no thief can still be claiming from c: the scan of
	// every hazard is needed only while some claim is in flight.
	if w.p.claiming.Load() != 0 {
		for _, v := range w.p.set.Load().byID {
			if v.hazard.Load() == c {
				return // a thief is claiming from c: leave it to the GC
			}
		}
	}
	recycle(c)
}

// handOffGroups puts the rest of every group that frames of the proc's
// owner are running back on the proc's deque, as kindGroup jobs, and
// unpublishes them: the owner is giving the proc away, and its frames will
// not come back to this proc to finish them. The caller owns pr.
func (pr *proc) handOffGroups() {
	if len(pr.groups) == 0 {
		return
	}
	for i, c := range pr.groups {
		c.handedOff = true
		c.j.kind = kindGroup
		pr.dq.Push(&c.j)
		pr.groups[i] = nil
	}
	pr.groups = pr.groups[:0]
	pr.group.Store(nil)
	pr.markWork()
}

// recycle resets c, which nobody else can reach, and pools it.
func recycle(c *chunk) {
	c.clearFrom(0)
	c.local = false
	c.gn.Store(0)
	c.next.Store(0)
	chunks.Put(c)
}

// claimFrom takes one unclaimed task of v's group for w, as a job record
// from w's free list, or returns nil.
func (w *Worker) claimFrom(v *proc) *job {
	g := v.group.Load()
	if g == nil || g.next.Load() >= g.gn.Load() {
		return nil
	}
	p := w.p
	pr := w.proc
	p.claiming.Add(1)
	pr.hazard.Store(g)
	if v.group.Load() != g { // unpublished meanwhile: maybe recycled
		pr.hazard.Store(nil)
		p.claiming.Add(-1)
		return nil
	}
	pr.st[cStealAttempts]++
	var j *job
	if i := g.next.Add(1) - 1; i < g.gn.Load() {
		j = pr.alloc()
		j.kind = kindTask
		j.task = g.get(int(i))
		pr.st[cSteals]++
		pr.st[cStolen]++
	}
	pr.hazard.Store(nil)
	p.claiming.Add(-1)
	return j
}

// splitChunk moves the tasks of c from index h on into a fresh chunk on the
// proc's own queue. c must not have been published as a group yet.
func (w *Worker) splitChunk(c *chunk, h int) {
	d := chunks.Get().(*chunk)
	d.local = true
	for i := h; i < c.n; i++ {
		d.add(c.get(i))
	}
	c.clearFrom(h)
	pr := w.proc
	pr.dq.Push(&d.j)
	pr.markWork()
}
