// Lesson 5, closing while sending: "send on closed channel" panics; the
// standard idioms avoid it; safechan lets any goroutine close, any number
// of times.
//
//	go run ./examples/05-close-while-sending
//	go run ./examples/05-close-while-sending -short
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/safechan"
)

var solutions = []lesson.Solution{
	{Name: "blocked-senders", Change: "close(late) before close(ch), with a 10ms sleep between"},
	{Name: "unbuffered", Change: "safechan.New[int](0) in the fix"},
}

func main() {
	lesson.Lesson{Name: "lesson 5, closing while sending", Run: run, Solutions: solutions}.Main()
}

// senders is the number of goroutines that send concurrently.
const senders = 100

func run(ctx context.Context, l *lesson.L) error {
	rounds := lesson.Size(l, 200, 20)
	if err := trap(ctx, l); err != nil || l.Is("blocked-senders") {
		return err
	}
	l.Section("Standard library first: a stop channel, sync.Once, one closer after a WaitGroup")
	l.Predict("%d senders, two shutdown paths racing them, %d rounds: how many panics, how many values lost?", senders, rounds)
	if err := book(ctx, l, rounds, idioms); err != nil {
		return err
	}
	l.Why("only the sender side may close, so nobody closes while anyone sends: the shutdown paths",
		"close a stop channel (once, thanks to sync.Once), each sender selects on it, and a single",
		"closer closes the data channel after the WaitGroup says every sender has returned.")

	l.Section("The fix: safechan.Chan, Close from anywhere")
	capacity := senders / 10
	if l.Is("unbuffered") {
		capacity = 0
	}
	if err := book(ctx, l, rounds, withSafechan(capacity)); err != nil {
		return err
	}
	l.Why("safechan counts the Sends in flight and closes its inner channel only once Close was called",
		"and none remain; a Send that loses the race returns ErrClosed, so its sender knows.")
	l.Adds("Close from any goroutine, any number of times, with no stop channel, Once or WaitGroup to thread through every sender; the idioms above, done right, lose nothing either.")
	return nil
}

// trap has a receiver take the values of the first half of the senders,
// then close a plain channel while the second half still send, and close it
// again. Every panic is recovered and counted.
func trap(ctx context.Context, l *lesson.L) error {
	l.Section("The trap: close a plain channel while %d goroutines send", senders)
	l.Predict("how many senders panic? what does the second close do?")
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
	late := make(chan struct{})
	for i := range senders {
		wg.Go(func() {
			if i >= senders/2 { // the late senders send once the gate opens
				<-late
			}
			send(i)
		})
	}
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for received := 0; received < senders/2; received++ { // the early half, then the shutdown path
		select {
		case <-ch:
		case <-tctx.Done():
			return fmt.Errorf("trap: senders stalled: %w", context.Cause(tctx))
		}
	}
	if l.Is("blocked-senders") { // the exercise: the late senders are blocked in ch <- v when close runs
		close(late)
		time.Sleep(10 * time.Millisecond)
		close(ch)
	} else {
		close(ch)
		close(late) // the late senders send after the close: ordered, so -race stays quiet
	}
	secondClose := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		close(ch) // the shutdown path runs twice
		return ""
	}()
	wg.Wait()
	l.Printf("received %d values, then closed; %d senders panicked: %q\n", senders/2, panics.Load(), firstPanic.Load())
	l.Printf("second close: %q\n", secondClose)
	if panics.Load() == 0 {
		return errors.New("trap: no sender panicked")
	}
	l.Why("a send on a closed channel panics, and so does a second close; without recover either one",
		"kills the process. A sender blocked in its send when close runs panics the same way, and",
		"under -race that close is reported as a data race.")
	return nil
}

// idioms is a round of the standard library's fix.
func idioms(ctx context.Context, gosched int) (accepted, refused, received int64, second string, err error) {
	ch, stop := make(chan int, senders/10), make(chan struct{})
	var once sync.Once
	var acc, ref atomic.Int64
	got := make(chan int64)
	go func() {
		n := int64(0)
		for range ch {
			n++
		}
		got <- n
	}() // the receiver, until ch is closed
	second = race(gosched, func(i int) {
		select {
		case ch <- i:
			acc.Add(1)
		case <-stop:
			ref.Add(1)
		}
	}, func() error { // a shutdown path
		first := false
		once.Do(func() { close(stop); first = true })
		if !first {
			return errors.New("nothing: sync.Once had already closed stop")
		}
		return nil
	})
	close(ch) // the single closer: race returned, so every sender has
	return acc.Load(), ref.Load(), <-got, second, nil
}

// withSafechan returns a round of the fix on a channel of the given capacity.
func withSafechan(capacity int) round {
	return func(ctx context.Context, gosched int) (accepted, refused, received int64, second string, err error) {
		c := safechan.New[int](capacity)
		var acc, ref atomic.Int64
		got := make(chan int64)
		go func() {
			n := int64(0)
			for range c.All() {
				n++
			}
			got <- n
		}() // until closed and drained
		second = race(gosched, func(i int) {
			switch err := c.Send(ctx, i); {
			case err == nil:
				acc.Add(1)
			case errors.Is(err, safechan.ErrClosed):
				ref.Add(1)
			}
		}, c.Close) // both shutdown paths close; neither panics
		return acc.Load(), ref.Load(), <-got, second, nil
	}
}
