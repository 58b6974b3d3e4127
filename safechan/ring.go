package safechan

import "sync/atomic"

// outcome is what a non-blocking attempt on a ring found.
type outcome uint8

const (
	done    outcome = iota // the value was sent or received
	full                   // trySend: no free slot
	empty                  // tryRecv: nothing sent and not closed
	pending                // tryRecv: a sender has claimed the next slot but not yet filled it
	closed                 // trySend: closed; tryRecv: closed and drained
)

// slot is one cell of the ring. seq tells whose turn the cell is, as in
// Dmitry Vyukov's bounded MPMC queue, but counted in half-steps so that a
// ring of one cell works too: seq == 2*pos means free for the sender at
// position pos; seq == 2*pos+1 means filled for the receiver at pos; the
// receiver frees it for the next lap with seq = 2*(pos+len(buf)). (With
// whole steps, "filled for pos" and "free for pos+1" are the same number
// when len(buf) is 1.)
type slot[T any] struct {
	seq atomic.Uint64
	val T
}

// ring is the buffer of a Chan with capacity > 0: a bounded lock-free
// multi-producer multi-consumer queue whose tail word also carries the
// closed bit, so that claiming a slot and checking for Close are one
// compare-and-swap.
type ring[T any] struct {
	buf  []slot[T]
	n    uint64 // len(buf), the capacity
	mask uint64 // n-1 when n is a power of two, so index avoids a division
	pow2 bool

	// recvWaiters and sendWaiters count the goroutines parked (or about
	// to park) on recvSig and sendSig. They are written only on the slow
	// path and read by every operation, so they share the read-mostly line.
	recvWaiters atomic.Int32
	sendWaiters atomic.Int32
	recvSig     chan struct{} // capacity 1: a pending wake-up for receivers
	sendSig     chan struct{} // capacity 1: a pending wake-up for senders

	_    [64]byte
	tail atomic.Uint64 // closedBit | the next position to fill
	_    [56]byte
	head atomic.Uint64 // the next position to empty
	_    [56]byte
}

func (r *ring[T]) init(capacity int) {
	r.buf = make([]slot[T], capacity)
	r.n = uint64(capacity)
	r.pow2 = capacity&(capacity-1) == 0
	r.mask = r.n - 1
	for i := range r.buf {
		r.buf[i].seq.Store(2 * uint64(i))
	}
	r.recvSig = make(chan struct{}, 1)
	r.sendSig = make(chan struct{}, 1)
}

func (r *ring[T]) index(pos uint64) uint64 {
	if r.pow2 {
		return pos & r.mask
	}
	return pos % r.n
}

// wake leaves a wake-up on sig unless one is already pending. One pending
// wake-up is enough: a parked goroutine that wakes and succeeds passes the
// wake-up on if others still wait (see sendWait), so none is lost.
func wake(sig chan struct{}) {
	select {
	case sig <- struct{}{}:
	default:
	}
}

// trySend claims the slot at the tail and fills it. The claim is a
// compare-and-swap of the whole tail word, closed bit included, so a Send
// cannot claim a slot once Close has set the bit.
func (r *ring[T]) trySend(v T) outcome {
	for {
		t := r.tail.Load()
		if t&closedBit != 0 {
			return closed
		}
		s := &r.buf[r.index(t)]
		seq := s.seq.Load()
		switch {
		case seq == 2*t:
			if r.tail.CompareAndSwap(t, t+1) {
				s.val = v
				s.seq.Store(2*t + 1)
				// The Store above and the Add of a parking receiver are
				// both sequentially consistent: either the receiver's
				// recheck sees the value or this Load sees the receiver.
				if r.recvWaiters.Load() != 0 {
					wake(r.recvSig)
				}
				return done
			}
		case seq < 2*t:
			return full // the slot still holds the value of the previous lap
		}
		// Another sender claimed t first: reload.
	}
}

// tryRecv claims the slot at the head and empties it.
func (r *ring[T]) tryRecv() (T, outcome) {
	var zero T
	for {
		h := r.head.Load()
		s := &r.buf[r.index(h)]
		seq := s.seq.Load()
		switch {
		case seq == 2*h+1:
			if r.head.CompareAndSwap(h, h+1) {
				v := s.val
				s.val = zero // do not keep the value alive for the GC
				s.seq.Store(2 * (h + r.n))
				if r.sendWaiters.Load() != 0 {
					wake(r.sendSig)
				}
				return v, done
			}
		case seq <= 2*h:
			// Position h is not filled. The tail, loaded after h, is at
			// least h; if it equals h the ring was empty at that moment.
			t := r.tail.Load()
			if t&^closedBit == h {
				if t&closedBit != 0 {
					return zero, closed
				}
				return zero, empty
			}
			return zero, pending
		}
		// Another receiver took h first: reload.
	}
}

// length returns the number of claimed, not yet emptied, slots.
func (r *ring[T]) length() int {
	h := r.head.Load()
	t := r.tail.Load() &^ closedBit // loaded after h, so t >= h
	return int(min(t-h, r.n))
}
