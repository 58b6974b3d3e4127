package steal

import (
	"sync/atomic"
	"unsafe"
)

// dequeMinCap is the capacity of a new Deque's ring. It is a power of two so
// that an index maps to a slot with a mask; 32 slots (256 bytes of pointers)
// hold the queue of a typical fork-join worker without growing.
const dequeMinCap = 32

// A Deque is a Chase–Lev work-stealing deque of non-nil *T: an unbounded
// double-ended queue with one owner, who pushes and pops at the bottom, and
// any number of thieves, who steal from the top.
//
// The owner is the one goroutine that calls Push, Pop and PopOldest, and
// that is the dst of [Deque.StealHalf] or [GlobalQueue.PopBatch]; these
// calls must never run concurrently with each other, and a new owner must
// be handed the deque through a happens-before edge (a mutex, a channel).
// Steal, StealHalf (on the victim) and Len may be called by any goroutine
// at any time.
//
// A Push synchronizes before the Pop, PopOldest or Steal that returns the
// pushed item, so whoever takes an item sees every write the owner made
// before pushing it. Every pushed item is returned by exactly one Pop,
// PopOldest, Steal or StealHalf.
//
// The ring grows (doubling) when full and never shrinks. The zero value is
// an empty Deque ready to use. A Deque must not be copied after first use.
type Deque[T any] struct {
	// top is the index of the oldest item; it only increases, and only by a
	// successful CAS (thieves, PopOldest, and Pop of the last item).
	top atomic.Int64
	// thieves counts the thieves inside Steal or StealHalf past their
	// first look at the deque. While it is zero, no thief can be reading
	// the slot Push writes, so Push writes it with a plain store.
	thieves atomic.Int32
	_       [52]byte // keep the thieves' words off the owner's cache line
	// bottom is one past the newest item; only the owner stores it.
	bottom atomic.Int64
	// ring is the current ring; only the owner replaces it, when growing.
	ring atomic.Pointer[dequeRing[T]]
}

// dequeRing is a power-of-two array of slots, indexed by index & mask.
//
// Only the owner writes slots, and it reads them with plain loads. Thieves
// read them with atomic loads, so the owner's write must be atomic
// whenever a thief may be reading that slot: a stale thief that read top
// long ago may read a slot the owner is overwriting with index top+cap
// (it then fails its CAS on top and drops what it read). A ring being
// filled by grow is not yet visible to anyone.
type dequeRing[T any] struct {
	mask  int64
	slots []unsafe.Pointer // *T
}

func newDequeRing[T any](capacity int64) *dequeRing[T] {
	return &dequeRing[T]{mask: capacity - 1, slots: make([]unsafe.Pointer, capacity)}
}

// get is the owner's read of index i.
func (r *dequeRing[T]) get(i int64) *T { return (*T)(r.slots[i&r.mask]) }

// load is a thief's read of index i.
func (r *dequeRing[T]) load(i int64) *T {
	return (*T)(atomic.LoadPointer(&r.slots[i&r.mask]))
}

// put is the owner's write of index i when no thief can be reading it.
func (r *dequeRing[T]) put(i int64, v *T) { r.slots[i&r.mask] = unsafe.Pointer(v) }

// publish is the owner's write of index i when a thief may be reading it.
func (r *dequeRing[T]) publish(i int64, v *T) {
	atomic.StorePointer(&r.slots[i&r.mask], unsafe.Pointer(v))
}

// NewDeque returns an empty Deque with its first ring allocated.
func NewDeque[T any]() *Deque[T] {
	d := new(Deque[T])
	d.ring.Store(newDequeRing[T](dequeMinCap))
	return d
}

// Push adds v at the bottom, growing the ring if it is full. Only the owner
// may call Push. It panics if v is nil, since nil is how the taking methods
// say "empty".
func (d *Deque[T]) Push(v *T) {
	if v == nil {
		panic("steal: Deque.Push of nil item")
	}
	b := d.bottom.Load()
	t := d.top.Load()
	r := d.ring.Load()
	if r == nil || b-t >= r.mask { // one slot is kept free, as in Chase–Lev
		r = d.grow(r, t, b)
	}
	// A thief counted after this load reads top after it, so it reads a
	// top of at least t and never index b's slot (b-t < len(ring)-1), or
	// it sees the bottom stored below and, with it, this write.
	if d.thieves.Load() == 0 {
		r.put(b, v)
	} else {
		r.publish(b, v)
	}
	// Paper: release store. A thief that loads this bottom also sees the
	// slot above and any ring stored by grow.
	d.bottom.Store(b + 1)
}

// grow copies the live items [t, b) into a ring twice as large and
// publishes it. The old ring is never written again, so a thief that loaded
// it still reads the right value for any index it can win by CAS; the
// garbage collector frees it once no thief holds it.
func (d *Deque[T]) grow(old *dequeRing[T], t, b int64) *dequeRing[T] {
	var r *dequeRing[T]
	if old == nil { // the zero Deque's first Push
		r = newDequeRing[T](dequeMinCap)
	} else {
		r = newDequeRing[T](2 * (old.mask + 1))
		for i := t; i < b; i++ {
			r.slots[i&r.mask] = old.slots[i&old.mask]
		}
	}
	// Paper: release store of the ring pointer. It happens before the
	// store of bottom in Push, which is what thieves synchronize with.
	d.ring.Store(r)
	return r
}

// Pop removes and returns the newest item, or nil if the deque is empty.
// Only the owner may call Pop. Pop never reports a false empty: a nil result
// means every item pushed so far has been taken.
func (d *Deque[T]) Pop() *T {
	b := d.bottom.Load()
	t := d.top.Load()
	switch {
	case t >= b:
		// Empty, and it stays empty until the owner pushes: only the owner
		// increases bottom, and top never decreases.
		return nil
	case t == b-1:
		// One item: the newest is also the oldest, so take it from the top
		// with the thieves' own CAS. Losing means a thief took it and the
		// deque is now empty.
		return d.takeTop(d.ring.Load(), t)
	}
	// At least two items were there: claim the newest by publishing the
	// smaller bottom first, as in the paper.
	hook(hookPopMulti)
	b--
	r := d.ring.Load()
	d.bottom.Store(b)
	// Paper: full (store-load) fence here, between publishing the smaller
	// bottom and reading top. Without it a thief and the owner can both
	// take the last item.
	t = d.top.Load()
	if t < b { // index b is out of every thief's reach
		return r.get(b)
	}
	var v *T
	if t == b {
		// Thieves took the others meanwhile and this is the last item:
		// race them for it with the same CAS they use.
		v = d.takeTop(r, t)
	}
	d.bottom.Store(b + 1) // restore: the deque is empty, top == b+1
	return v
}

// takeTop is the owner's take of index t, the oldest item, from r: it
// returns the item, or nil if a thief took it first.
func (d *Deque[T]) takeTop(r *dequeRing[T], t int64) *T {
	v := r.get(t)
	if d.top.CompareAndSwap(t, t+1) {
		return v
	}
	return nil
}

// PopOldest removes and returns the oldest item, or nil if the deque is
// empty. Only the owner may call PopOldest. It takes the item with the same
// CAS on top that thieves use and retries when a thief wins, so a nil result
// means the deque was empty, never that a race was lost.
func (d *Deque[T]) PopOldest() *T {
	for {
		t := d.top.Load()
		if t >= d.bottom.Load() {
			return nil
		}
		if v := d.takeTop(d.ring.Load(), t); v != nil {
			return v
		}
	}
}

// Steal removes and returns the oldest item. It returns nil when the deque
// is empty or when it lost a race for the item to the owner or another
// thief; a caller that must not miss work retries or checks Len. Any
// goroutine may call Steal.
func (d *Deque[T]) Steal() *T {
	if d.top.Load() >= d.bottom.Load() {
		return nil // empty: nothing to announce
	}
	d.thieves.Add(1)
	v := d.steal()
	d.thieves.Add(-1)
	return v
}

// steal is Steal for a thief counted in d.thieves.
func (d *Deque[T]) steal() *T {
	// top is loaded after the thief was counted: so either the owner saw
	// the count and publishes with an atomic store, or this top is recent
	// enough that index t's slot is not the one the owner writes.
	t := d.top.Load()
	// Paper: full fence here, between reading top and reading bottom, so
	// that a thief never sees an item the owner's Pop has already claimed.
	b := d.bottom.Load()
	if t >= b {
		return nil
	}
	hook(hookStealBounds)
	// The ring is loaded after bottom: a thief that sees a bottom published
	// after a grow must read the new ring (paper: consume load).
	r := d.ring.Load()
	hook(hookStealRing)
	v := r.load(t)
	hook(hookStealRead)
	// The slot is read before the CAS. After a successful CAS the slot
	// belongs to the owner, who may overwrite it at once with index t+cap.
	if !d.top.CompareAndSwap(t, t+1) {
		return nil
	}
	hook(hookStealWon)
	return v
}

// StealHalf moves up to half of d's items, rounded up, from the top of d to
// the thief: it returns the oldest to be run now and pushes the others, in
// order, onto dst; n is the number taken in total (0 means first is nil).
// The caller must own dst, which must not be d.
//
// The items are taken one CAS at a time, re-reading bottom before each,
// and StealHalf stops at the first lost race: unlike [RunQueue.StealHalf],
// a batch claimed by one CAS would be unsound here, since Pop takes items
// from the bottom without a CAS while more than one is left.
func (d *Deque[T]) StealHalf(dst *Deque[T]) (first *T, n int) {
	if dst == d {
		panic("steal: Deque.StealHalf with dst equal to the victim")
	}
	t := d.top.Load()
	b := d.bottom.Load()
	want := b - t
	want -= want / 2
	if want <= 0 {
		return nil, 0
	}
	d.thieves.Add(1)
	defer d.thieves.Add(-1)
	for ; want > 0; want-- {
		v := d.steal()
		if v == nil {
			break
		}
		if first == nil {
			first = v
		} else {
			dst.Push(v)
		}
		n++
	}
	return first, n
}

// Len returns the number of items in the deque. Under concurrent use the
// result may be stale as soon as it is returned, but it is never negative,
// and a Len of zero read by the owner means the deque is empty.
func (d *Deque[T]) Len() int {
	b := d.bottom.Load()
	t := d.top.Load()
	if b <= t {
		return 0
	}
	return int(b - t)
}
