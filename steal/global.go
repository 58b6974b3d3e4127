package steal

import (
	"strconv"
	"sync"
	"sync/atomic"
)

// A GlobalQueue is an unbounded FIFO guarded by a mutex: the run queue of
// last resort that [RunQueue.Push] overflows into and that idle owners
// refill from, like the runtime's sched.runq. It implements [Overflow].
//
// The zero value is an empty queue ready to use. A GlobalQueue must not be
// copied after first use. All methods are safe for concurrent use.
//
// A Push or PushBatch synchronizes before the Pop or PopBatch call that
// returns the items it added.
type GlobalQueue[T any] struct {
	mu   sync.Mutex
	buf  []*T // ring buffer; len(buf) is zero or a power of two
	head int  // index in buf of the oldest item
	n    atomic.Int64
}

// Push adds v at the tail. It panics if v is nil.
func (g *GlobalQueue[T]) Push(v *T) {
	if v == nil {
		panic("steal: GlobalQueue.Push of nil item")
	}
	g.mu.Lock()
	g.reserve(1)
	n := int(g.n.Load())
	g.buf[(g.head+n)&(len(g.buf)-1)] = v
	g.n.Store(int64(n + 1))
	g.mu.Unlock()
}

// PushBatch adds the items of batch at the tail, in order, under one lock
// acquisition. It does not retain batch. It panics if any item is nil, in
// which case none of the items is added.
func (g *GlobalQueue[T]) PushBatch(batch []*T) {
	for i, v := range batch {
		if v == nil {
			panic("steal: GlobalQueue.PushBatch of nil item at index " + strconv.Itoa(i))
		}
	}
	if len(batch) == 0 {
		return
	}
	g.mu.Lock()
	g.reserve(len(batch))
	n := int(g.n.Load())
	mask := len(g.buf) - 1
	for i, v := range batch {
		g.buf[(g.head+n+i)&mask] = v
	}
	g.n.Store(int64(n + len(batch)))
	g.mu.Unlock()
}

// Pop removes and returns the oldest item, or nil if the queue is empty.
func (g *GlobalQueue[T]) Pop() *T {
	if g.n.Load() == 0 {
		return nil
	}
	g.mu.Lock()
	v := g.popLocked()
	g.mu.Unlock()
	return v
}

// A LocalQueue is a queue that one owner goroutine takes from first: a
// [*Deque] or a [*RunQueue]. [GlobalQueue.PopBatch] refills one. Only this
// package implements LocalQueue.
type LocalQueue[T any] interface {
	// refill moves up to n items from g, whose lock is held, to the tail.
	refill(g *GlobalQueue[T], n int)
}

// PopBatch is the runtime's globrunqget: it removes up to max items, the
// oldest first, returns the oldest to be run now and puts the others, in
// order, at the tail of dst. It returns nil if the queue is empty. A
// RunQueue takes no more than its ring has room for, so it never
// overflows.
//
// Only the owner of dst may call PopBatch. To share the global queue fairly
// among w owners, pass max = g.Len()/w + 1, as the runtime does with
// GOMAXPROCS. PopBatch panics if max < 1.
func (g *GlobalQueue[T]) PopBatch(dst LocalQueue[T], max int) *T {
	if max < 1 {
		panic("steal: GlobalQueue.PopBatch called with max " + strconv.Itoa(max) + " (want >= 1)")
	}
	if g.n.Load() == 0 {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	first := g.popLocked()
	if first != nil {
		dst.refill(g, min(max-1, int(g.n.Load())))
	}
	return first
}

func (d *Deque[T]) refill(g *GlobalQueue[T], n int) {
	for range n {
		d.Push(g.popLocked())
	}
}

func (q *RunQueue[T]) refill(g *GlobalQueue[T], n int) {
	n = min(n, q.room())
	if n <= 0 {
		return
	}
	t := q.tail.Load()
	for i := range uint32(n) {
		q.ring[(t+i)%RunQueueSize].Store(g.popLocked())
	}
	q.tail.Store(t + uint32(n)) // publishes the slots to thieves
}

// Len returns the number of items in the queue. It reads an atomic counter
// and takes no lock, so it is cheap enough for a spinning worker's check,
// and may be stale by the time it returns.
func (g *GlobalQueue[T]) Len() int {
	return int(g.n.Load())
}

// popLocked removes the oldest item; g.mu must be held.
func (g *GlobalQueue[T]) popLocked() *T {
	n := g.n.Load()
	if n == 0 {
		return nil
	}
	v := g.buf[g.head]
	g.buf[g.head] = nil // let the item be collected once it has run
	g.head = (g.head + 1) & (len(g.buf) - 1)
	g.n.Store(n - 1)
	return v
}

// reserve makes room for k more items; g.mu must be held.
func (g *GlobalQueue[T]) reserve(k int) {
	n := int(g.n.Load())
	if n+k <= len(g.buf) {
		return
	}
	size := max(len(g.buf), 16)
	for size < n+k {
		size *= 2
	}
	buf := make([]*T, size)
	if n > 0 {
		mask := len(g.buf) - 1
		for i := 0; i < n; i++ {
			buf[i] = g.buf[(g.head+i)&mask]
		}
	}
	g.buf = buf
	g.head = 0
}
