package safechan

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"sync/atomic"
)

// Errors returned by the methods of [Chan].
var (
	// ErrClosed is returned by Send and TrySend once the Chan has been
	// closed, by Recv and TryRecv once it is closed and drained, and by
	// every call to Close after the first.
	ErrClosed = errors.New("safechan: channel closed")

	// ErrFull is returned by TrySend when the value cannot be accepted
	// without blocking: the buffer is full or, for an unbuffered Chan, no
	// receiver is waiting.
	ErrFull = errors.New("safechan: channel full")

	// ErrEmpty is returned by TryRecv when no value can be received without
	// blocking and the Chan is not closed and drained.
	ErrEmpty = errors.New("safechan: channel empty")

	// ErrNil is returned at once by the methods of a nil *Chan, where a nil
	// Go channel would block forever.
	ErrNil = errors.New("safechan: method called on nil *Chan")
)

// closedBit marks that Close has been called: in ring.tail for a buffered
// Chan, in Chan.state for an unbuffered one. It is the top bit, so that the
// bits below (a position, or a count of senders in flight) never reach it.
const closedBit = uint64(1) << 63

// A Chan is a FIFO channel of values of type T that any goroutine may close,
// any number of times, while other goroutines send and receive. Send never
// panics because of a concurrent Close; it returns [ErrClosed] instead, and
// Close never drops buffered values. The package documentation lists the
// guarantees, among them how Send, the receives and Close are ordered.
//
// A Chan must be created with [New]; a zero Chan is not usable and its
// methods panic. A Chan must not be copied after first use. Methods on a
// nil *Chan return [ErrNil] at once.
type Chan[T any] struct {
	// done is closed by the first Close. It wakes blocked senders and
	// receivers and is what Done returns.
	done chan struct{}

	// ring holds the values of a buffered Chan (capacity > 0).
	ring ring[T]

	// The fields below serve an unbuffered Chan only (see unbuffered.go).
	// ch is nil for a buffered Chan.
	ch       chan T
	chClosed chan struct{} // closed by finish, after ch
	state    atomic.Uint64 // closedBit | senders and closers in flight
	finished atomic.Bool   // elects the one goroutine that runs finish
}

// New returns a Chan with room for capacity buffered values. A capacity of
// 0 makes an unbuffered Chan: a Send completes only when a receiver takes
// the value. New panics if capacity is negative.
func New[T any](capacity int) *Chan[T] {
	if capacity < 0 {
		panic(fmt.Sprintf("safechan: safechan.New called with negative capacity %d", capacity))
	}
	c := &Chan[T]{done: make(chan struct{})}
	if capacity == 0 {
		c.ch = make(chan T)
		c.chClosed = make(chan struct{})
	} else {
		c.ring.init(capacity)
	}
	return c
}

// mustInit panics if c is a zero Chan rather than one made by New.
func (c *Chan[T]) mustInit(method string) {
	if c.done == nil {
		panic("safechan: " + method + " called on a zero Chan; make one with safechan.New")
	}
}

// Send sends v, blocking until the value is accepted, the Chan is closed or
// ctx is done. It returns nil if the value was accepted, [ErrClosed] if the
// Chan was closed first, and context.Cause(ctx) if ctx ended first. Send
// accepts the value whenever it finds room, even when ctx is already done:
// the context bounds the wait, not the send. On an unbuffered Chan the
// value is accepted only when a receiver takes it.
func (c *Chan[T]) Send(ctx context.Context, v T) error {
	if c == nil {
		return ErrNil
	}
	c.mustInit("Send")
	if c.ch != nil {
		return c.sendUnbuffered(ctx, v)
	}
	switch c.ring.trySend(v) {
	case done:
		return nil
	case closed:
		return ErrClosed
	}
	return c.sendWait(ctx, v)
}

// sendWait is Send on a full ring: park until a receiver frees a slot,
// Close, or ctx.
//
// A sender that took a wake-up looks at the ring before it checks ctx, so
// the wake-up is never dropped: either the sender fills a free slot, and
// then passes the wake-up on, since one pending wake-up may stand for
// several free slots; or it finds the ring full again, the slot taken by
// another sender. Giving up on ctx without looking would leave a free slot
// beside a parked sender that nobody wakes.
func (c *Chan[T]) sendWait(ctx context.Context, v T) error {
	r := &c.ring
	d := ctx.Done()
	woken := false
	for {
		// Register, then look again: a receiver that frees a slot after
		// this Add sees it and leaves a wake-up on sendSig.
		r.sendWaiters.Add(1)
		o := r.trySend(v)
		if o == full {
			if d != nil && ctx.Err() != nil {
				r.sendWaiters.Add(-1)
				return context.Cause(ctx)
			}
			if c.park(ctx, d, r.sendSig, hookSendPark) {
				woken = true
			}
		}
		r.sendWaiters.Add(-1)
		if o != full {
			if woken && o == done && r.sendWaiters.Load() != 0 {
				wake(r.sendSig) // pass on the single pending wake-up
			}
			return sendResult(o)
		}
	}
}

// park waits for a wake-up on sig, for Close or for d, ctx's Done channel,
// and reports whether it took a wake-up. The caller has registered as a
// waiter. point is the hook point before parking; point+1 follows a
// wake-up.
func (c *Chan[T]) park(ctx context.Context, d <-chan struct{}, sig chan struct{}, point int) bool {
	hook(point, ctx)
	select {
	case <-sig:
		hook(point+1, ctx)
		return true
	case <-c.done:
	case <-d:
	}
	return false
}

func sendResult(o outcome) error {
	switch o {
	case done:
		return nil
	case closed:
		return ErrClosed
	}
	return ErrFull
}

// TrySend sends v if it can be accepted without blocking. It returns nil if
// the value was accepted, [ErrClosed] if the Chan is closed, and [ErrFull]
// if the buffer is full or, for an unbuffered Chan, no receiver is waiting.
func (c *Chan[T]) TrySend(v T) error {
	if c == nil {
		return ErrNil
	}
	c.mustInit("TrySend")
	if c.ch != nil {
		return c.trySendUnbuffered(v)
	}
	return sendResult(c.ring.trySend(v))
}

// Recv receives the next value, blocking until one is available, the Chan
// is closed and drained, or ctx is done. It returns the value and nil,
// [ErrClosed] once the Chan is closed and every accepted value has been
// received, or context.Cause(ctx) if ctx ended first. Recv returns a value
// whenever it finds one, even when ctx is already done. On error the value
// returned is the zero value of T.
func (c *Chan[T]) Recv(ctx context.Context) (T, error) {
	var zero T
	if c == nil {
		return zero, ErrNil
	}
	c.mustInit("Recv")
	if c.ch != nil {
		return c.recvUnbuffered(ctx)
	}
	v, o := c.ring.tryRecv()
	switch o {
	case done:
		return v, nil
	case closed:
		return zero, ErrClosed
	}
	return c.recvWait(ctx)
}

// recvWait is Recv on an empty ring: park until a sender fills a slot,
// Close, or ctx. Like sendWait, it looks at the ring after every wake-up
// before it checks ctx, so a wake-up it takes is never dropped.
func (c *Chan[T]) recvWait(ctx context.Context) (T, error) {
	var zero T
	r := &c.ring
	d := ctx.Done()
	woken := false
	for {
		// Register, then look again: a sender that fills a slot after
		// this Add sees it and leaves a wake-up on recvSig.
		r.recvWaiters.Add(1)
		v, o := r.tryRecv()
		if o == empty {
			if d != nil && ctx.Err() != nil {
				r.recvWaiters.Add(-1)
				return zero, context.Cause(ctx)
			}
			if c.park(ctx, d, r.recvSig, hookRecvPark) {
				woken = true
			}
		}
		r.recvWaiters.Add(-1)
		switch o {
		case done:
			if woken && r.recvWaiters.Load() != 0 {
				wake(r.recvSig) // pass on the single pending wake-up
			}
			return v, nil
		case closed:
			return zero, ErrClosed
		case pending:
			// A sender has claimed the next slot and is filling it,
			// without blocking: let it run, even after Close.
			runtime.Gosched()
		}
	}
}

// TryRecv receives a value if one is available without blocking. It
// returns the value and nil, [ErrClosed] if the Chan is closed and drained,
// or [ErrEmpty] otherwise, including while the sender of the next value is
// still inside Send.
func (c *Chan[T]) TryRecv() (T, error) {
	var zero T
	if c == nil {
		return zero, ErrNil
	}
	c.mustInit("TryRecv")
	if c.ch != nil {
		return c.tryRecvUnbuffered()
	}
	v, o := c.ring.tryRecv()
	switch o {
	case done:
		return v, nil
	case closed:
		return zero, ErrClosed
	}
	return zero, ErrEmpty
}

// Close closes the Chan. It never panics and may be called any number of
// times, from any goroutine. The first call returns nil and later calls
// return [ErrClosed]. When any call returns, Done is closed, no Send that
// starts afterwards succeeds, blocked Sends return ErrClosed, and
// receivers, once they have drained the values accepted before Close, get
// ErrClosed. On an unbuffered Chan, Close also waits for the Sends in
// flight to return.
//
// Close does not wait for receivers: values already accepted stay buffered
// until they are received or taken by [Chan.Drain].
func (c *Chan[T]) Close() error {
	if c == nil {
		return ErrNil
	}
	c.mustInit("Close")
	if c.ch != nil {
		return c.closeUnbuffered()
	}
	// Setting the bit in the tail word makes every later claim of a slot
	// fail: trySend's compare-and-swap covers the whole word.
	if c.ring.tail.Or(closedBit)&closedBit == 0 {
		close(c.done)
		return nil
	}
	<-c.done
	return ErrClosed
}

// Done returns a channel that is closed once Close has been called: a Send
// that starts after Done is closed returns ErrClosed. Successive calls
// return the same channel. On a nil *Chan, Done returns a channel that is
// already closed, so that a select on it does not block forever.
func (c *Chan[T]) Done() <-chan struct{} {
	if c == nil {
		return closedDone
	}
	c.mustInit("Done")
	return c.done
}

// closedDone is what Done returns for a nil *Chan.
var closedDone = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// All returns an iterator over the values received from c. Each step
// blocks until a value arrives; the iteration ends once c is closed and
// drained, or when the loop body stops it. All starts no goroutine, so a
// loop that breaks early leaks nothing. On a nil *Chan the iteration yields
// nothing.
func (c *Chan[T]) All() iter.Seq[T] {
	return func(yield func(T) bool) {
		if c == nil {
			return
		}
		ctx := context.Background()
		for {
			v, err := c.Recv(ctx)
			if err != nil || !yield(v) {
				return
			}
		}
	}
}

// Drain waits until c is closed, then removes and returns the values still
// buffered, in FIFO order, without waiting for more. Receivers running at
// the same time may take some of them; every value goes to exactly one of
// Drain and the receivers. If ctx ends before Close has been called, Drain
// returns no values and context.Cause(ctx).
//
// Drain lets a consumer that shuts down hand the leftovers elsewhere:
//
//	c.Close()
//	rest, err := c.Drain(ctx)
func (c *Chan[T]) Drain(ctx context.Context) ([]T, error) {
	if c == nil {
		return nil, ErrNil
	}
	c.mustInit("Drain")
	finished := c.done
	if c.ch != nil {
		finished = c.chClosed
	}
	select {
	case <-finished:
	default:
		select {
		case <-finished:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	var rest []T
	if c.ch != nil {
		for v := range c.ch { // ch is closed: this never blocks
			rest = append(rest, v)
		}
		return rest, nil
	}
	for {
		v, o := c.ring.tryRecv()
		switch o {
		case done:
			rest = append(rest, v)
		case closed:
			return rest, nil
		default: // pending: a Send that claimed a slot before Close is filling it
			runtime.Gosched()
		}
	}
}

// Len returns the number of values buffered in c and not yet received. On
// an unbuffered or a nil *Chan it returns 0.
func (c *Chan[T]) Len() int {
	if c == nil || c.ch != nil || c.ring.buf == nil {
		return 0
	}
	return c.ring.length()
}

// Cap returns the capacity c was created with. On a nil *Chan it returns 0.
func (c *Chan[T]) Cap() int {
	if c == nil {
		return 0
	}
	return int(c.ring.n)
}
