package workloads

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gmpkit/gmpkit/safechan"
)

// Channel implementations compared by the chan family.
const (
	ChanRaw      = "chan"     // a plain Go channel, closed by the one goroutine allowed to
	ChanSafechan = "safechan" // gmpkit's safechan.Chan
	ChanRWMutex  = "rwmutex"  // the wrapper people write by hand: RWMutex + closed flag
)

// ChanImpls lists the chan family's implementations, baseline first.
var ChanImpls = []string{ChanRaw, ChanSafechan, ChanRWMutex}

var errChanClosed = errors.New("workloads: channel closed")

// rwChan is the hand-written "safe close" wrapper: senders hold the read
// lock while they send, Close takes the write lock, so no send races a
// close. Its flaw, which safechan fixes, is that a sender blocked on a full
// channel holds the read lock and so blocks Close until a receiver drains.
type rwChan struct {
	mu     sync.RWMutex
	closed bool
	ch     chan int
}

func (c *rwChan) Send(v int) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return errChanClosed
	}
	c.ch <- v
	return nil
}

func (c *rwChan) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errChanClosed
	}
	c.closed = true
	close(c.ch)
	return nil
}

// RunChan moves the values 1..n from producers senders to consumers
// receivers through a channel of the given capacity built by impl, closes it
// once every producer has finished, and returns the sum of the received
// values, which is n(n+1)/2 when every value arrived exactly once.
func RunChan(impl string, producers, consumers, n, capacity int) (int, error) {
	if producers < 1 || consumers < 1 || n < 0 {
		return 0, fmt.Errorf("workloads: RunChan called with %d producers, %d consumers, n=%d", producers, consumers, n)
	}
	var send func(int) error
	var recv func() (int, bool)
	var closeFn func() error
	ctx := context.Background()
	switch impl {
	case ChanRaw:
		ch := make(chan int, capacity)
		send = func(v int) error { ch <- v; return nil }
		recv = func() (int, bool) { v, ok := <-ch; return v, ok }
		closeFn = func() error { close(ch); return nil }
	case ChanSafechan:
		ch := safechan.New[int](capacity)
		send = func(v int) error { return ch.Send(ctx, v) }
		recv = func() (int, bool) { v, err := ch.Recv(ctx); return v, err == nil }
		closeFn = ch.Close
	case ChanRWMutex:
		ch := &rwChan{ch: make(chan int, capacity)}
		send = ch.Send
		recv = func() (int, bool) { v, ok := <-ch.ch; return v, ok }
		closeFn = ch.Close
	default:
		return 0, fmt.Errorf("workloads: unknown channel implementation %q", impl)
	}
	var prod, cons sync.WaitGroup
	errs := make([]error, producers)
	for p := range producers {
		prod.Go(func() {
			for v := p + 1; v <= n; v += producers {
				if err := send(v); err != nil {
					errs[p] = err
					return
				}
			}
		})
	}
	sums := make([]int, consumers)
	for c := range consumers {
		cons.Go(func() {
			s := 0
			for {
				v, ok := recv()
				if !ok {
					sums[c] = s
					return
				}
				s += v
			}
		})
	}
	prod.Wait()
	cerr := closeFn()
	cons.Wait()
	total := 0
	for _, s := range sums {
		total += s
	}
	return total, errors.Join(append(errs, cerr)...)
}
