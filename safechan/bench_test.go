package safechan_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/gmpkit/gmpkit/safechan"
)

// rwChan is the wrapper people write by hand to close a channel while
// others send: an RWMutex held for reading across each send, a closed flag,
// and a select on done so that Close can wake blocked senders before it
// takes the write lock. It is correct, and the benchmarks compare Chan
// against it.
type rwChan[T any] struct {
	mu     sync.RWMutex
	closed bool
	ch     chan T
	done   chan struct{}
	once   sync.Once
}

func newRWChan[T any](capacity int) *rwChan[T] {
	return &rwChan[T]{ch: make(chan T, capacity), done: make(chan struct{})}
}

func (w *rwChan[T]) Send(ctx context.Context, v T) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return safechan.ErrClosed
	}
	select {
	case w.ch <- v:
		return nil
	case <-w.done:
		return safechan.ErrClosed
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (w *rwChan[T]) Recv(ctx context.Context) (T, error) {
	select {
	case v, ok := <-w.ch:
		if !ok {
			var zero T
			return zero, safechan.ErrClosed
		}
		return v, nil
	case <-ctx.Done():
		var zero T
		return zero, context.Cause(ctx)
	}
}

func (w *rwChan[T]) Close() error {
	err := safechan.ErrClosed
	w.once.Do(func() {
		close(w.done)
		w.mu.Lock()
		w.closed = true
		close(w.ch)
		w.mu.Unlock()
		err = nil
	})
	return err
}

// share splits n operations among k goroutines; goroutine i does share(n, k, i).
func share(n, k, i int) int {
	s := n / k
	if i < n%k {
		s++
	}
	return s
}

// runPairs runs pairs sending goroutines and as many receiving ones, which
// together move b.N values, and reports the time per value moved: wall
// clock (ns/op) and the CPU time of the whole process (cpu-ns/op), which
// other processes do not inflate.
func runPairs(b *testing.B, pairs int, send, recv func(n int)) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	var wg sync.WaitGroup
	for i := range pairs {
		n := share(b.N, pairs, i)
		wg.Go(func() { send(n) })
		wg.Go(func() { recv(n) })
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkSendRecv moves b.N ints through a channel with 1, 2 and 8 senders
// and as many receivers, buffered (capacity 1024, and 1, where senders and
// receivers park on nearly every value) and unbuffered, for the raw Go
// channel (which cannot be closed while senders are active), safechan.Chan,
// and the hand-written RWMutex wrapper. ns/op is the time per value moved.
// The loops are written out for each implementation, so that they call its
// methods directly rather than through an interface or a func value.
//
//	go test -run '^$' -bench SendRecv -count 6 ./safechan/ | benchstat -col /impl -
func BenchmarkSendRecv(b *testing.B) {
	ctx := context.Background()
	for _, capacity := range []int{1024, 1, 0} {
		for _, pairs := range []int{1, 2, 8} {
			name := fmt.Sprintf("cap=%d/pairs=%dx%d", capacity, pairs, pairs)
			b.Run("impl=chan/"+name, func(b *testing.B) {
				ch := make(chan int, capacity)
				runPairs(b, pairs,
					func(n int) {
						for i := range n {
							ch <- i
						}
					},
					func(n int) {
						for range n {
							<-ch
						}
					})
			})
			b.Run("impl=safechan/"+name, func(b *testing.B) {
				c := safechan.New[int](capacity)
				runPairs(b, pairs,
					func(n int) {
						for i := range n {
							if err := c.Send(ctx, i); err != nil {
								panic(err)
							}
						}
					},
					func(n int) {
						for range n {
							if _, err := c.Recv(ctx); err != nil {
								panic(err)
							}
						}
					})
				c.Close()
			})
			b.Run("impl=rwmutex/"+name, func(b *testing.B) {
				c := newRWChan[int](capacity)
				runPairs(b, pairs,
					func(n int) {
						for i := range n {
							if err := c.Send(ctx, i); err != nil {
								panic(err)
							}
						}
					},
					func(n int) {
						for range n {
							if _, err := c.Recv(ctx); err != nil {
								panic(err)
							}
						}
					})
				c.Close()
			})
		}
	}
}
