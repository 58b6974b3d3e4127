// Lesson 3, closing while sending: "send on closed channel" panics; with
// safechan a Close races a hundred senders, and every accepted value is
// received.
//
//	go run ./examples/03-close-while-sending
//	go run ./examples/03-close-while-sending -short
//
// The trap: Go's rule is "only the sender closes", because a send on a
// closed channel panics and so does a second close. With many senders and a
// shutdown path that closes, the rule is easy to break. The lesson breaks it
// on purpose, a hundred senders against one close and a second closer,
// catches every panic with recover, and counts them. The fix uses
// safechan.Chan: Close may race the senders and be called twice, nothing
// panics, and the books balance: every value whose Send returned nil is
// received exactly once, and the others were rejected with ErrClosed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gmpkit/gmpkit/safechan"
)

func main() {
	short := flag.Bool("short", false, "fewer rounds")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *short); err != nil {
		fmt.Fprintln(os.Stderr, "lesson 3:", err)
		os.Exit(1)
	}
}

// senders is the number of goroutines that send concurrently.
const senders = 100

func run(ctx context.Context, w io.Writer, short bool) error {
	rounds := 200
	if short {
		rounds = 20
	}
	if err := trap(ctx, w); err != nil {
		return err
	}
	return fix(ctx, w, rounds)
}

// trap has a receiver take the values of the first half of the senders and
// then close a plain channel, as a shutdown path does, while the second half
// still have a value to send; a second shutdown path closes it again. Every
// panic is recovered and counted.
//
// The late senders start only after the close (the gate below orders them
// after it), so the panic is deterministic and the race detector stays
// quiet. A sender already blocked in its send when close runs panics the same
// way, but that is also a data race: under -race the detector reports it, a
// second way to catch this trap.
func trap(ctx context.Context, w io.Writer) error {
	fmt.Fprintf(w, "== The trap: close a plain channel while %d goroutines send ==\n", senders)
	fmt.Fprintln(w, "predict: how many senders panic? what does the second close do?")
	ch := make(chan int) // unbuffered: a sender waits until the receiver takes its value
	var panics atomic.Int64
	var firstPanic atomic.Value
	send := func(v int) {
		defer func() {
			if r := recover(); r != nil {
				panics.Add(1)
				firstPanic.CompareAndSwap(nil, fmt.Sprint(r))
			}
		}()
		ch <- v
	}
	var wg sync.WaitGroup
	for i := range senders / 2 { // the early senders
		wg.Go(func() { send(i) })
	}
	late := make(chan struct{})
	for i := senders / 2; i < senders; i++ { // the late senders
		wg.Go(func() {
			<-late
			send(i)
		})
	}

	// Receive the early half, then close: the shutdown path.
	received := 0
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for received < senders/2 {
		select {
		case <-ch:
			received++
		case <-tctx.Done():
			return fmt.Errorf("trap: senders stalled: %w", context.Cause(tctx))
		}
	}
	close(ch)
	close(late) // the late senders send now, after the close
	secondClose := func() (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		close(ch) // the shutdown path runs twice
		return "no panic"
	}()
	wg.Wait()
	fmt.Fprintf(w, "received %d values, then closed; %d senders panicked: %q\n", received, panics.Load(), firstPanic.Load())
	fmt.Fprintf(w, "second close: %q\n", secondClose)
	if panics.Load() == 0 {
		return errors.New("trap: no sender panicked")
	}
	fmt.Fprintln(w, "why: a send on a closed channel panics, and so does a second close; without")
	fmt.Fprintln(w, "     recover one of them kills the whole process. A sender blocked in its send")
	fmt.Fprintln(w, "     when close runs panics too, and -race reports that close as a data race.")
	fmt.Fprintln(w)
	return nil
}

// fix races senders Sends against two Closes on a safechan.Chan, rounds
// times, and checks conservation: accepted == received, and accepted +
// rejected == sent.
func fix(ctx context.Context, w io.Writer, rounds int) error {
	fmt.Fprintf(w, "== The fix: safechan.Chan, Close racing %d senders, %d rounds ==\n", senders, rounds)
	fmt.Fprintln(w, "predict: how many values are lost between the senders and the receiver?")
	var totalAccepted, totalRejected, totalReceived, doubleCloses int64
	for round := range rounds {
		c := safechan.New[int](senders / 10)
		var accepted, rejected atomic.Int64
		var other error
		var mu sync.Mutex
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range senders {
			wg.Go(func() {
				<-start
				switch err := c.Send(ctx, i); {
				case err == nil:
					accepted.Add(1)
				case errors.Is(err, safechan.ErrClosed):
					rejected.Add(1)
				default:
					mu.Lock()
					other = err
					mu.Unlock()
				}
			})
		}
		// Two closers race the senders; the one that loses gets ErrClosed.
		closeErrs := make(chan error, 2)
		for range 2 {
			wg.Go(func() {
				<-start
				for range round % 8 { // vary how far the senders get first
					runtime.Gosched()
				}
				closeErrs <- c.Close()
			})
		}
		// The receiver drains until the channel is closed and empty.
		var got int64
		recvDone := make(chan error, 1)
		go func() {
			for {
				_, err := c.Recv(ctx)
				if err != nil {
					if errors.Is(err, safechan.ErrClosed) {
						err = nil
					}
					recvDone <- err
					return
				}
				got++
			}
		}()
		close(start)
		wg.Wait()
		if err := <-recvDone; err != nil {
			return fmt.Errorf("fix: receiver: %w", err)
		}
		if other != nil {
			return fmt.Errorf("fix: Send returned %w", other)
		}
		e1, e2 := <-closeErrs, <-closeErrs
		if (e1 == nil) == (e2 == nil) || !(errors.Is(e1, safechan.ErrClosed) || errors.Is(e2, safechan.ErrClosed)) {
			return fmt.Errorf("fix: two Closes returned %v and %v, want nil and ErrClosed", e1, e2)
		}
		doubleCloses++
		if got != accepted.Load() || accepted.Load()+rejected.Load() != senders {
			return fmt.Errorf("fix: round %d: accepted %d, rejected %d, received %d", round, accepted.Load(), rejected.Load(), got)
		}
		totalAccepted += accepted.Load()
		totalRejected += rejected.Load()
		totalReceived += got
	}
	fmt.Fprintf(w, "sent %d  accepted %d  rejected with ErrClosed %d  received %d  lost %d  panics 0\n",
		int64(rounds)*senders, totalAccepted, totalRejected, totalReceived, totalAccepted-totalReceived)
	fmt.Fprintf(w, "second Close returned ErrClosed in %d of %d rounds\n", doubleCloses, rounds)
	fmt.Fprintln(w, "why: safechan counts the Sends in flight, and closes its inner channel only once")
	fmt.Fprintln(w, "     Close has been called and none remain; a Send that loses the race sees Close's")
	fmt.Fprintln(w, "     signal instead of a closed channel. Every value is received or refused, and its")
	fmt.Fprintln(w, "     sender knows which.")
	return nil
}
