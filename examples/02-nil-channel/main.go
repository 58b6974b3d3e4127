// Lesson 2, the nil channel: a select on a nil channel never fires;
// safechan returns ErrNil instead.
//
//	go run ./examples/02-nil-channel
//	go run ./examples/02-nil-channel -short
//
// The trap: a struct field or a variable of type chan T that nobody made is
// nil, and a send or receive on a nil channel blocks forever. Inside a
// select it is worse: the case is silently disabled, so the select waits on
// its other cases and nothing says why. The lesson shows it happening, bounded
// by a timeout, then the one place where a nil channel is a tool (turning off
// a drained input of a merge), and then the fix: a nil *safechan.Chan
// answers ErrNil at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/gmpkit/gmpkit/safechan"
)

func main() {
	short := flag.Bool("short", false, "shorter timeouts")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *short); err != nil {
		fmt.Fprintln(os.Stderr, "lesson 2:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, short bool) error {
	wait := 200 * time.Millisecond
	if short {
		wait = 50 * time.Millisecond
	}
	if err := trap(ctx, w, wait); err != nil {
		return err
	}
	if err := tool(w); err != nil {
		return err
	}
	return fix(ctx, w)
}

// pipeline is the bug in its natural habitat: results was declared, and the
// constructor that should have made it forgot.
type pipeline struct {
	results chan int
}

// trap sends and receives on a nil channel, each in a select that also
// watches a deadline, and reports which case fired.
func trap(ctx context.Context, w io.Writer, wait time.Duration) error {
	fmt.Fprintln(w, "== The trap: a select on a nil channel ==")
	fmt.Fprintln(w, "predict: the producer sends 42 and the consumer receives it, or not?")
	p := &pipeline{} // results is nil: nobody called make
	tctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()

	sent := make(chan bool, 1)
	go func() { // the producer
		select {
		case p.results <- 42:
			sent <- true
		case <-tctx.Done():
			sent <- false
		}
	}()
	start := time.Now()
	var got string
	select { // the consumer
	case v := <-p.results:
		got = fmt.Sprintf("received %d", v)
	case <-tctx.Done():
		got = "nothing: the timeout fired"
	}
	producerSent := <-sent
	fmt.Fprintf(w, "channel is nil: %v\n", p.results == nil)
	fmt.Fprintf(w, "consumer got %s after %v; producer's send happened: %v\n",
		got, time.Since(start).Round(time.Millisecond), producerSent)
	if producerSent {
		return errors.New("trap: a send on a nil channel completed")
	}
	fmt.Fprintln(w, "why: a nil channel is never ready, so its select case never fires; without the")
	fmt.Fprintln(w, "     timeout both goroutines wait forever, and the runtime only notices (\"all")
	fmt.Fprintln(w, "     goroutines are asleep\") when no other goroutine at all can run.")
	fmt.Fprintln(w)
	return nil
}

// tool shows the one good use of a nil channel: merge sets a drained input
// to nil so its case stops firing, and stops when both are nil.
func tool(w io.Writer) error {
	fmt.Fprintln(w, "== The tool: nil disables a case on purpose ==")
	a, b := make(chan int), make(chan int)
	go func() {
		defer close(a)
		for i := range 3 {
			a <- i
		}
	}()
	go func() {
		defer close(b)
		for i := range 2 {
			b <- 10 + i
		}
	}()
	sum, n := 0, 0
	for a != nil || b != nil {
		select {
		case v, ok := <-a:
			if !ok {
				a = nil // drained: never select it again
				continue
			}
			sum, n = sum+v, n+1
		case v, ok := <-b:
			if !ok {
				b = nil
				continue
			}
			sum, n = sum+v, n+1
		}
	}
	fmt.Fprintf(w, "merged %d values (sum %d) from two inputs; each drained input was set to nil\n", n, sum)
	if n != 5 || sum != 0+1+2+10+11 {
		return fmt.Errorf("tool: merged %d values with sum %d", n, sum)
	}
	fmt.Fprintln(w)
	return nil
}

// safePipeline is the same struct with a *safechan.Chan: forgetting New
// leaves it nil, and every method says so at once.
type safePipeline struct {
	results *safechan.Chan[int]
}

// fix repeats the trap with a nil *safechan.Chan: Send, Recv, TrySend and
// Close return ErrNil immediately, with no timeout needed.
func fix(ctx context.Context, w io.Writer) error {
	fmt.Fprintln(w, "== The fix: safechan returns ErrNil ==")
	fmt.Fprintln(w, "predict: how long does Send on a nil *safechan.Chan block?")
	p := &safePipeline{} // the same mistake: results was never made
	start := time.Now()
	sendErr := p.results.Send(ctx, 42) // no timeout on ctx: it must not block
	_, recvErr := p.results.Recv(ctx)
	trySendErr := p.results.TrySend(42)
	closeErr := p.results.Close()
	elapsed := time.Since(start)
	for _, c := range []struct {
		call string
		err  error
	}{{"Send", sendErr}, {"Recv", recvErr}, {"TrySend", trySendErr}, {"Close", closeErr}} {
		fmt.Fprintf(w, "%-8s -> %v (errors.Is ErrNil: %v)\n", c.call, c.err, errors.Is(c.err, safechan.ErrNil))
		if !errors.Is(c.err, safechan.ErrNil) {
			return fmt.Errorf("fix: %s on a nil *Chan returned %v, want ErrNil", c.call, c.err)
		}
	}
	fmt.Fprintf(w, "all four calls together took %v: an error to handle, not a goroutine to lose\n", elapsed.Round(time.Microsecond))
	fmt.Fprintln(w, "why: a nil pointer is a value safechan can check; a nil channel is a value the")
	fmt.Fprintln(w, "     language defines as \"block forever\", so only a timeout can notice it.")
	return nil
}
