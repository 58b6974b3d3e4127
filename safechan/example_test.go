package safechan_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gmpkit/gmpkit/safechan"
)

// Fan-in with shutdown: several producers send into one Chan until the
// consumer has seen enough and closes it. Producers learn of the shutdown
// from Send's ErrClosed instead of a panic, and no accepted value is lost:
// what the consumer did not take is handed on by Drain.
func Example_fanInWithShutdown() {
	c := safechan.New[int](8)
	ctx := context.Background()

	var producers sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for p := range 3 {
		producers.Go(func() {
			for i := 0; ; i++ {
				if err := c.Send(ctx, p*1000+i); err != nil {
					if !errors.Is(err, safechan.ErrClosed) {
						panic(err)
					}
					return // shut down: stop producing
				}
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		})
	}

	received := 0
	for range c.All() {
		received++
		if received == 100 {
			c.Close() // any goroutine may close, while producers still send
		}
	}
	producers.Wait()
	// All ends once the Chan is closed and drained, so nothing is left over.
	rest, _ := c.Drain(ctx)
	fmt.Println("received at least 100:", received >= 100)
	fmt.Println("every accepted value received:", received+len(rest) == accepted)
	// Output:
	// received at least 100: true
	// every accepted value received: true
}

// A worker that stops on Close: it ranges over All, which ends once the
// Chan is closed and every value sent before Close has been received.
func Example_workerStopsOnClose() {
	jobs := safechan.New[int](4)
	done := make(chan int)
	go func() {
		sum := 0
		for j := range jobs.All() {
			sum += j
		}
		done <- sum // reached only after Close, with every job processed
	}()

	for j := 1; j <= 10; j++ {
		if err := jobs.Send(context.Background(), j); err != nil {
			panic(err)
		}
	}
	jobs.Close()
	fmt.Println("sum of jobs:", <-done)
	fmt.Println("send after close:", jobs.Send(context.Background(), 11))
	// Output:
	// sum of jobs: 55
	// send after close: safechan: channel closed
}

// A consumer that walks away: Recv returns the context's cause, and no
// goroutine is left waiting on the Chan.
func ExampleChan_Recv() {
	c := safechan.New[string](0)
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("consumer shutting down"))
	_, err := c.Recv(ctx)
	fmt.Println(err)
	// Output: consumer shutting down
}

// Close may be called any number of times, from any goroutine; only the
// first call returns nil.
func ExampleChan_Close() {
	c := safechan.New[int](1)
	fmt.Println(c.Close())
	fmt.Println(c.Close())
	// Output:
	// <nil>
	// safechan: channel closed
}

// Drain hands the values left in the buffer to someone else after Close.
func ExampleChan_Drain() {
	c := safechan.New[string](4)
	for _, s := range []string{"a", "b", "c"} {
		_ = c.TrySend(s)
	}
	c.Close()
	rest, err := c.Drain(context.Background())
	fmt.Println(rest, err)
	// Output: [a b c] <nil>
}

// Methods on a nil *Chan return ErrNil at once, where a nil Go channel
// would block forever.
func ExampleChan_nil() {
	var c *safechan.Chan[int]
	fmt.Println(c.Send(context.Background(), 1))
	// Output: safechan: method called on nil *Chan
}

// New makes a Chan with room for capacity values; capacity 0 makes an
// unbuffered one, whose Send waits for a receiver.
func ExampleNew() {
	c := safechan.New[string](2)
	fmt.Println(c.TrySend("a"), c.TrySend("b"), c.TrySend("c"))
	fmt.Println(c.Len(), c.Cap())

	u := safechan.New[string](0)
	fmt.Println(u.TrySend("a")) // no receiver is waiting
	// Output:
	// <nil> <nil> safechan: channel full
	// 2 2
	// safechan: channel full
}

// Send waits for room until its context ends, and fails at once after
// Close, instead of panicking as a send on a closed Go channel does.
func ExampleChan_Send() {
	c := safechan.New[int](1)
	ctx := context.Background()
	fmt.Println(c.Send(ctx, 1)) // there is room

	full, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	fmt.Println(c.Send(full, 2)) // full: waits until the deadline

	c.Close()
	fmt.Println(c.Send(ctx, 3))
	v, err := c.Recv(ctx)
	fmt.Println(v, err) // the value accepted before Close is still there
	// Output:
	// <nil>
	// context deadline exceeded
	// safechan: channel closed
	// 1 <nil>
}

// All ranges over the values until the Chan is closed and drained.
func ExampleChan_All() {
	c := safechan.New[int](2)
	go func() {
		for i := 1; i <= 3; i++ {
			if err := c.Send(context.Background(), i*i); err != nil {
				panic(err)
			}
		}
		c.Close()
	}()
	for v := range c.All() {
		fmt.Println(v)
	}
	// Output:
	// 1
	// 4
	// 9
}
