package workpool

import "sync"

// chunkSize is the number of submitted tasks batched into one global queue
// entry. A chunk of 32 func values is four cache lines: a worker that takes
// it moves 32 tasks between cores for the price of a few cache misses and
// one lock, where a queue of one record per task would move a line per task.
// Small enough that a partly filled chunk is rarely worth waiting for (and
// it never is: idle workers take partial chunks, see takePartial).
const chunkSize = 32

// A chunk is a batch of tasks submitted from outside the pool, in
// submission order. It carries its own job record, so that queueing it in
// the global queue allocates nothing.
type chunk struct {
	j   job
	n   int
	fns [chunkSize]func()
}

var chunks = sync.Pool{New: func() any {
	c := new(chunk)
	c.j.kind = kindChunk
	c.j.chunk = c
	return c
}}

// takePartial takes the chunk that Submit is filling, if it holds any task,
// and returns its first task to run, the rest being queued on w.
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
	j := w.expand(c)
	if j != nil {
		w.st[cGlobalPops]++
	}
	return j
}

// expand turns the tasks of c into job records from w's free list, queues
// all but the first on w's own queue, oldest first, where idle workers can
// steal them, recycles c, and returns the first.
func (w *Worker) expand(c *chunk) *job {
	var first *job
	for i := 0; i < c.n; i++ {
		j := w.alloc()
		j.kind = kindTask
		j.fn = c.fns[i]
		c.fns[i] = nil
		if first == nil {
			first = j
		} else {
			w.dq.Push(j)
		}
	}
	w.p.expanded.Add(uint64(c.n))
	c.n = 0
	chunks.Put(c)
	return first
}
