package steal

import (
	"runtime"
	"sync/atomic"
)

// RunQueueSize is the number of slots in a RunQueue's ring. It is the
// runtime's len(p.runq): large enough that a busy owner rarely overflows
// to the global queue, small enough (2 KiB of pointers) to keep per-owner.
const RunQueueSize = 256

// MaxRunNextStreak is how many items in a row Pop may return from runnext
// while the ring holds work. After that many, Pop takes the ring's head
// once and the count starts again.
//
// The runtime needs no such cap: an item taken from runnext inherits the
// current time slice, and sysmon preempts any goroutine (or ping-pong pair
// of goroutines handing runnext to each other) after 10ms. A user-space pool
// cannot preempt a task, so two tasks that keep readying each other through
// runnext would starve the ring forever. 64 keeps the locality win of
// runnext for chains of handoffs while bounding the wait of the ring's head
// to 64 runnext items.
const MaxRunNextStreak = 64

// An Overflow receives the items a full [RunQueue] moves out: half of its
// ring plus the item being pushed, in one call, oldest first. PushBatch must
// not retain batch. [GlobalQueue] implements Overflow.
type Overflow[T any] interface {
	PushBatch(batch []*T)
}

// A RunQueue is a run queue built like the Go runtime's per-P runq: a
// bounded ring of [RunQueueSize] slots into which only the owner puts (at the
// tail), from which the owner and thieves take (at the head, by CAS), and a
// one-item runnext slot that the owner fills with the item it wants to run
// next.
//
// The owner is the one goroutine that calls Push and Pop, and that is the
// dst of StealHalf or PopBatch; these must never run concurrently with each
// other. StealHalf and StealOne (on the victim), Len and Empty may be
// called by any goroutine at any time. A Push synchronizes before the Pop,
// StealHalf or StealOne that returns the pushed item. Every pushed item is
// returned exactly once, by one of them or in a batch given to an
// [Overflow].
//
// The zero value is an empty RunQueue ready to use. A RunQueue must not be
// copied after first use.
type RunQueue[T any] struct {
	head atomic.Uint32 // index of the oldest ring item; advanced only by CAS
	_    [60]byte      // keep the thieves' CAS target off the owner's line
	tail atomic.Uint32 // one past the newest ring item; stored only by the owner
	// runnext, if not nil, is taken by the owner before the ring. Only the
	// owner sets it to a non-nil value; thieves may CAS it to nil.
	runnext atomic.Pointer[T]
	streak  int // owner only: consecutive Pops served from runnext
	ring    [RunQueueSize]atomic.Pointer[T]
	batch   [RunQueueSize/2 + 1]*T // owner only: overflow batch buffer
}

// NewRunQueue returns an empty RunQueue.
func NewRunQueue[T any]() *RunQueue[T] {
	return new(RunQueue[T])
}

// Push adds v for the owner to run. If next is false, v goes to the tail of
// the ring. If next is true, v goes to runnext, and the item it replaces, if
// any, goes to the tail of the ring. If the ring is full, Push moves the
// oldest half of it (RunQueueSize/2 items) plus the item being added to g in
// a single PushBatch call, oldest first, as the runtime's runqputslow does.
//
// Only the owner may call Push. It panics if v is nil, or if the ring is
// full and g is nil.
func (q *RunQueue[T]) Push(v *T, next bool, g Overflow[T]) {
	if v == nil {
		panic("steal: RunQueue.Push of nil item")
	}
	if next {
		if g == nil && q.runnext.Load() != nil && q.room() == 0 {
			// Check before the Swap, so that the panic loses no item.
			panic("steal: RunQueue.Push called with a nil Overflow on a full ring")
		}
		// Thieves only ever CAS runnext to nil, so a Swap is the
		// runtime's retry loop in one instruction.
		old := q.runnext.Swap(v)
		if old == nil {
			return
		}
		v = old // kick the old runnext out to the ring
	}
	for {
		h := q.head.Load() // synchronize with consumers
		t := q.tail.Load()
		if t-h < RunQueueSize {
			q.ring[t%RunQueueSize].Store(v)
			q.tail.Store(t + 1) // publishes the slot
			return
		}
		if q.putSlow(v, h, t, g) {
			return
		}
		// A consumer advanced head: the ring is no longer full.
	}
}

// putSlow moves half the full ring plus v to g. It reports false if a
// consumer took from the ring meanwhile, in which case the caller retries.
func (q *RunQueue[T]) putSlow(v *T, h, t uint32, g Overflow[T]) bool {
	const n = RunQueueSize / 2
	if t-h != RunQueueSize {
		panic("steal: RunQueue.Push: internal error: ring not full")
	}
	for i := uint32(0); i < n; i++ {
		q.batch[i] = q.ring[(h+i)%RunQueueSize].Load()
	}
	if g == nil {
		panic("steal: RunQueue.Push called with a nil Overflow on a full ring")
	}
	if !q.head.CompareAndSwap(h, h+n) { // commits the consume
		clear(q.batch[:])
		return false
	}
	q.batch[n] = v
	g.PushBatch(q.batch[:])
	clear(q.batch[:]) // do not keep items alive
	return true
}

// Pop removes and returns the next item for the owner: runnext if set
// (fromNext is true), else the ring's head. After [MaxRunNextStreak]
// consecutive items from runnext, Pop takes the ring's head first if the
// ring is not empty. Pop returns nil only if both are empty: it never
// reports a false empty. Only the owner may call Pop.
func (q *RunQueue[T]) Pop() (v *T, fromNext bool) {
	if q.streak < MaxRunNextStreak || q.ringEmpty() {
		// If runnext is non-nil and the CAS fails, a thief took it;
		// only the owner sets it non-nil, so there is no need to retry.
		if next := q.runnext.Load(); next != nil && q.runnext.CompareAndSwap(next, nil) {
			q.streak++
			return next, true
		}
	}
	q.streak = 0
	for {
		h := q.head.Load() // synchronize with other consumers
		t := q.tail.Load()
		if t == h {
			// The ring is empty. If the streak cap skipped runnext
			// above, runnext may still hold an item: take it rather
			// than report a false empty.
			if next := q.runnext.Load(); next != nil && q.runnext.CompareAndSwap(next, nil) {
				q.streak = 1
				return next, true
			}
			return nil, false
		}
		v := q.ring[h%RunQueueSize].Load()
		if q.head.CompareAndSwap(h, h+1) { // commits the consume
			return v, false
		}
	}
}

func (q *RunQueue[T]) ringEmpty() bool {
	return q.tail.Load() == q.head.Load()
}

// room returns how many more items the owner can put in the ring without
// overflow. Only the owner may call it; thieves can only increase it.
func (q *RunQueue[T]) room() int {
	return RunQueueSize - int(q.tail.Load()-q.head.Load())
}

// grab is the runtime's runqgrab: it copies half of q's ring items, rounded
// up and at most limit, into dst's ring starting at index start, and
// commits by one CAS on q's head. If q's ring is empty and stealNext is
// set, it takes q's runnext instead. It returns the number of items copied.
func (q *RunQueue[T]) grab(dst *[RunQueueSize]atomic.Pointer[T], start uint32, limit uint32, stealNext bool) uint32 {
	yielded := false
	for {
		h := q.head.Load() // synchronize with other consumers
		t := q.tail.Load() // synchronize with the producer
		n := t - h
		n -= n / 2
		if n == 0 {
			if !stealNext {
				return 0
			}
			next := q.runnext.Load()
			if next == nil {
				return 0
			}
			// The runtime sleeps 3µs here when the victim P is running,
			// to let it run the runnext it has probably just readied
			// rather than thrash it between Ps. A user-space sleep costs
			// tens of µs; instead the thief yields its P once and
			// steals runnext only if the owner has not taken it.
			if !yielded {
				yielded = true
				runtime.Gosched()
				continue
			}
			if !q.runnext.CompareAndSwap(next, nil) {
				continue
			}
			dst[start%RunQueueSize].Store(next)
			return 1
		}
		if n > RunQueueSize/2 { // read inconsistent h and t
			continue
		}
		n = min(n, limit)
		for i := uint32(0); i < n; i++ {
			dst[(start+i)%RunQueueSize].Store(q.ring[(h+i)%RunQueueSize].Load())
		}
		hook(hookRunqGrab)
		if q.head.CompareAndSwap(h, h+n) { // commits the consume
			return n
		}
	}
}

// StealHalf is the runtime's runqsteal: it moves half of the items in q's
// ring, rounded up, into dst's ring with a single CAS on q's head, and
// returns one of them (the newest taken) to be run now; the others become
// visible to dst's thieves. If q's ring is empty and stealNext is true, it
// may take q's runnext instead, after yielding the processor once so that
// q's owner gets the chance to run it first. It returns nil if it took
// nothing.
//
// The caller must own dst, which must not be q. If dst's ring lacks room
// for the batch, StealHalf takes only as many as fit; if it has no room at
// all, StealHalf behaves like StealOne.
func (q *RunQueue[T]) StealHalf(dst *RunQueue[T], stealNext bool) *T {
	if dst == q {
		panic("steal: RunQueue.StealHalf with dst equal to the victim")
	}
	room := dst.room()
	if room == 0 {
		return q.StealOne(stealNext)
	}
	t := dst.tail.Load()
	// The batch is written into dst's free slots [t, t+room) before the
	// CAS; the last slot taken is returned instead of published, but it is
	// still written, so it must be free too.
	n := q.grab(&dst.ring, t, uint32(room), stealNext)
	if n == 0 {
		return nil
	}
	n--
	v := dst.ring[(t+n)%RunQueueSize].Load()
	if n > 0 {
		dst.tail.Store(t + n) // publishes the batch to dst's consumers
	}
	return v
}

// StealOne removes and returns the oldest item of q's ring, or, if the ring
// is empty and stealNext is true, q's runnext (after yielding once, as
// StealHalf does). It returns nil if it took nothing; unlike
// [Deque.Steal] it retries lost races while the ring holds items. Any
// goroutine may call StealOne.
func (q *RunQueue[T]) StealOne(stealNext bool) *T {
	yielded := false
	for {
		h := q.head.Load()
		t := q.tail.Load()
		if n := t - h; n > RunQueueSize {
			continue // read inconsistent h and t
		} else if n > 0 {
			v := q.ring[h%RunQueueSize].Load()
			if q.head.CompareAndSwap(h, h+1) { // commits the consume
				return v
			}
			continue
		}
		if !stealNext {
			return nil
		}
		next := q.runnext.Load()
		if next == nil {
			return nil
		}
		if !yielded { // see grab
			yielded = true
			runtime.Gosched()
			continue
		}
		if q.runnext.CompareAndSwap(next, nil) {
			return next
		}
	}
}

// Len returns the number of items in the ring plus one if runnext is set.
// Under concurrent use it may be stale as soon as it is returned.
func (q *RunQueue[T]) Len() int {
	for {
		h := q.head.Load()
		t := q.tail.Load()
		if n := t - h; n <= RunQueueSize {
			if q.runnext.Load() != nil {
				n++
			}
			return int(n)
		}
		// h was read before a consumer and the owner moved both.
	}
}

// Empty reports whether the ring and runnext are both empty. Like Len, its
// answer may be stale under concurrent use; for the owner, Empty never
// reports true while the queue holds items.
func (q *RunQueue[T]) Empty() bool {
	return q.runnext.Load() == nil && q.ringEmpty()
}
