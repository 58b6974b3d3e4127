// Lesson 4, the nil channel: a select on a nil channel never fires; the one
// good use of that; and a nil *safechan.Chan that answers ErrNil instead.
//
//	go run ./examples/04-nil-channel
//	go run ./examples/04-nil-channel -short
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/safechan"
)

var solutions = []lesson.Solution{
	{Name: "no-timeout", Change: "remove the case <-tctx.Done() from the consumer's select"},
	{Name: "keep-drained", Change: "in tool, delete a = nil"},
}

func main() {
	lesson.Lesson{Name: "lesson 4, the nil channel", Run: run, Solutions: solutions}.Main()
}

func run(ctx context.Context, l *lesson.L) error {
	if l.Is("keep-drained") {
		return toolKeepDrained(l)
	}
	if err := trap(ctx, l, lesson.Size(l, 200*time.Millisecond, 50*time.Millisecond)); err != nil {
		return err
	}
	if err := tool(l); err != nil {
		return err
	}
	return fix(ctx, l)
}

// pipeline is the bug in its natural habitat: results was declared, and the
// constructor that should have made it forgot.
type pipeline struct {
	results chan int
}

// newPipeline is the standard library's fix: a constructor that makes the
// channel, so no pipeline has a nil one.
func newPipeline() *pipeline { return &pipeline{results: make(chan int)} }

// exchange sends 42 from a producer to a consumer through p.results, each
// in a select that also watches a deadline, and says what the consumer got.
func exchange(ctx context.Context, l *lesson.L, p *pipeline, wait time.Duration) (got string, sent bool) {
	tctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	producer := make(chan bool, 1)
	go func() {
		select {
		case p.results <- 42:
			producer <- true
		case <-tctx.Done():
			producer <- false
		}
	}()
	if l.Is("no-timeout") { // the exercise: nothing but the channel to wait for
		v := <-p.results
		return fmt.Sprint(v), <-producer
	}
	start := time.Now()
	select { // the consumer
	case v := <-p.results:
		got = fmt.Sprintf("received %d", v)
	case <-tctx.Done():
		got = "nothing: the timeout fired after " + lesson.Dur(time.Since(start).Round(time.Millisecond))
	}
	return got, <-producer
}

func trap(ctx context.Context, l *lesson.L, wait time.Duration) error {
	l.Section("The trap: a select on a nil channel")
	l.Predict("the producer sends 42 and the consumer receives it, or not?")
	p := &pipeline{} // results is nil: nobody called make
	got, sent := exchange(ctx, l, p, wait)
	l.Printf("channel is nil: %v; consumer got %s; producer's send happened: %v\n", p.results == nil, got, sent)
	if sent {
		return errors.New("trap: a send on a nil channel completed")
	}
	l.Why("a nil channel is never ready, so its select case never fires; without the timeout both",
		"goroutines wait forever, and the runtime only notices (\"all goroutines are asleep\") when",
		"no goroutine at all can run, which in a server is never.")

	l.Section("Standard library first: a constructor that makes the channel")
	got, sent = exchange(ctx, l, newPipeline(), wait)
	l.Printf("channel is nil: false; consumer got %s; producer's send happened: %v\n", got, sent)
	if !sent {
		return errors.New("trap: the made channel did not deliver")
	}
	l.Why("a struct with a channel needs a constructor, and every caller must use it.")
	return nil
}

// tool shows the one good use of a nil channel: merge sets a drained input
// to nil so its case stops firing, and stops when both are nil.
func tool(l *lesson.L) error {
	l.Section("The tool: nil disables a case on purpose")
	a, b := count(0, 3), count(10, 2)
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
	l.Printf("merged %d values (sum %d) from two inputs; each drained input was set to nil\n", n, sum)
	if n != 5 || sum != 0+1+2+10+11 {
		return fmt.Errorf("tool: merged %d values with sum %d", n, sum)
	}
	return nil
}

// count returns a channel that yields from, from+1, ... (n values) and is
// then closed.
func count(from, n int) chan int {
	c := make(chan int)
	go func() {
		defer close(c)
		for i := range n {
			c <- from + i
		}
	}()
	return c
}

// safePipeline is the same struct with a *safechan.Chan: forgetting New
// leaves it nil, and every method says so at once.
type safePipeline struct {
	results *safechan.Chan[int]
}

func fix(ctx context.Context, l *lesson.L) error {
	l.Section("The fix: a nil *safechan.Chan returns ErrNil")
	l.Predict("how long does Send on a nil *safechan.Chan block?")
	p := &safePipeline{} // the same mistake: results was never made
	start := time.Now()
	sendErr := p.results.Send(ctx, 42) // ctx has no deadline: it must not block
	_, recvErr := p.results.Recv(ctx)
	trySendErr := p.results.TrySend(42)
	closeErr := p.results.Close()
	elapsed := time.Since(start)
	for _, c := range []struct {
		call string
		err  error
	}{{"Send", sendErr}, {"Recv", recvErr}, {"TrySend", trySendErr}, {"Close", closeErr}} {
		l.Printf("%-8s -> %v (errors.Is ErrNil: %v)\n", c.call, c.err, errors.Is(c.err, safechan.ErrNil))
		if !errors.Is(c.err, safechan.ErrNil) {
			return fmt.Errorf("fix: %s on a nil *Chan returned %v, want ErrNil", c.call, c.err)
		}
	}
	l.Printf("all four calls together took %s: an error to handle, not a goroutine to lose\n", lesson.Dur(elapsed))
	l.Why("a nil pointer is a value safechan can check; a nil channel is a value the language",
		"defines as \"block forever\", so only a timeout can notice it.")
	l.Adds("a mistake that fails at once, loudly; where every channel comes from a constructor, nothing.")
	return nil
}
