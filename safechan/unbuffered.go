package safechan

import "context"

// The unbuffered mode (capacity 0) keeps a Go channel, because a rendezvous
// (a Send completes only when a receiver takes the value) is what the
// runtime's channels do best: the sender hands the value straight to a
// parked receiver. The whole problem is then to close that channel without
// a sender panicking. Senders register in state before touching ch; Close
// sets closedBit, which turns away later senders, closes done, which wakes
// the registered ones, and the last goroutine to leave closes ch, when no
// sender can still be inside a send on it.

// enter registers a sender or closer as in flight and reports whether the
// Chan was still open when it did. A caller that entered must call leave.
func (c *Chan[T]) enter() bool {
	return c.state.Add(1)&closedBit == 0
}

// leave ends what enter began. The caller that leaves the Chan closed with
// nobody in flight closes ch.
func (c *Chan[T]) leave() {
	if c.state.Add(^uint64(0)) == closedBit {
		c.finish()
	}
}

// finish closes ch once no sender is in flight. Several goroutines may see
// the count reach zero after Close (a late sender enters and leaves after
// the last real one); finished lets exactly one of them close ch.
func (c *Chan[T]) finish() {
	if c.finished.CompareAndSwap(false, true) {
		close(c.ch)
		close(c.chClosed)
	}
}

func (c *Chan[T]) sendUnbuffered(ctx context.Context, v T) error {
	if !c.enter() {
		c.leave()
		return ErrClosed
	}
	defer c.leave()
	select {
	case c.ch <- v: // a receiver was waiting
		return nil
	default:
	}
	// When Close has begun and a receiver arrives at the same moment,
	// either case may win; both outcomes take effect before Close returns,
	// since Close waits for this Send to leave.
	select {
	case c.ch <- v:
		return nil
	case <-c.done:
		return ErrClosed
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (c *Chan[T]) trySendUnbuffered(v T) error {
	if !c.enter() {
		c.leave()
		return ErrClosed
	}
	defer c.leave()
	select {
	case c.ch <- v:
		return nil
	default:
		return ErrFull
	}
}

func (c *Chan[T]) recvUnbuffered(ctx context.Context) (T, error) {
	var zero T
	d := ctx.Done()
	if d == nil {
		if v, ok := <-c.ch; ok {
			return v, nil
		}
		return zero, ErrClosed
	}
	select {
	case v, ok := <-c.ch:
		if ok {
			return v, nil
		}
		return zero, ErrClosed
	default:
	}
	select {
	case v, ok := <-c.ch:
		if ok {
			return v, nil
		}
		return zero, ErrClosed
	case <-d:
		return zero, context.Cause(ctx)
	}
}

func (c *Chan[T]) tryRecvUnbuffered() (T, error) {
	var zero T
	select {
	case v, ok := <-c.ch:
		if ok {
			return v, nil
		}
		return zero, ErrClosed
	default:
		return zero, ErrEmpty
	}
}

func (c *Chan[T]) closeUnbuffered() error {
	c.enter() // so that ch cannot be closed before done is
	first := c.state.Or(closedBit)&closedBit == 0
	if first {
		close(c.done)
	}
	c.leave()
	<-c.chClosed
	if first {
		return nil
	}
	return ErrClosed
}
