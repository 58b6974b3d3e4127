// Lesson 6, goroutine leaks: "first answer wins" leaves the losers blocked
// forever; goleak finds them; a context the losers watch fixes it.
//
//	go run ./examples/06-goroutine-leaks          # about 2 s
//	go run ./examples/06-goroutine-leaks -short   # under a second
package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"go.uber.org/goleak"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
)

var solutions = []lesson.Solution{
	{Name: "buffered", Change: "make the trap's channel buffered: make(chan string, replicas)"},
	{Name: "no-cancel", Change: "drop defer cancel() in first"},
}

func main() {
	lesson.Lesson{Name: "lesson 6, goroutine leaks", Run: run, Solutions: solutions}.Main()
}

// replicas is how many replicas each search asks.
const replicas = 3

// replica answers query after a delay that grows with its index, so replica
// 0 usually wins; which one wins does not matter.
func replica(i int, query string) string {
	time.Sleep(time.Duration(i+1) * time.Millisecond)
	return fmt.Sprintf("%s: answer from replica %d", query, i)
}

// leakyFirst is the trap: it returns the first answer, and the replicas that
// answer later block forever sending on results. It also returns results,
// only so that the lesson can drain it after showing the leak; real code of
// this shape has no such handle.
func leakyFirst(query string, capacity int) (string, chan string) {
	results := make(chan string, capacity) // unbuffered: a send waits for a receiver
	for i := range replicas {
		go func() { results <- replica(i, query) }()
	}
	return <-results, results
}

// first is the fix: every replica sends in a select that also watches ctx,
// and first cancels ctx on return, so the losers stop waiting.
func first(ctx context.Context, query string) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // releases every replica still waiting to send
	return firstWith(ctx, query)
}

// firstWith asks every replica and returns the first answer; each replica
// gives up its send once ctx is done.
func firstWith(ctx context.Context, query string) (string, error) {
	results := make(chan string)
	for i := range replicas {
		go func() {
			answer := replica(i, query)
			select {
			case results <- answer:
			case <-ctx.Done():
			}
		}()
	}
	select {
	case r := <-results:
		return r, nil
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

// stackBytes reads the memory the runtime holds for goroutine stacks.
func stackBytes() uint64 {
	v, _ := lesson.ReadUint("/memory/classes/heap/stacks:bytes")
	return v
}

// drain receives the answers nobody wanted, so that every blocked loser of
// the trap finishes; bounded, never a hang.
func drain(pending []chan string) {
	timeout := time.After(10 * time.Second)
	for _, results := range pending {
		for range replicas - 1 {
			select {
			case <-results:
			case <-timeout:
				return
			}
		}
	}
}

func run(ctx context.Context, l *lesson.L) error {
	calls := lesson.Size(l, 1000, 20)
	baseline := goleak.IgnoreCurrent() // goroutines that exist now are not this lesson's leaks
	g0, s0 := runtime.NumGoroutine(), stackBytes()

	l.Section("The trap: first answer wins, %d replicas, %d calls", replicas, calls)
	l.Predict("how many goroutines are left when every call has returned?")
	capacity := 0
	if l.Is("buffered") {
		capacity = replicas
	}
	var pending []chan string
	defer func() { drain(pending) }() // the lesson cleans up after the trap, whatever happens
	for i := range calls {
		_, results := leakyFirst(fmt.Sprintf("q%d", i), capacity)
		pending = append(pending, results)
	}
	g1, s1 := runtime.NumGoroutine(), stackBytes()
	leaks := lesson.Leaks(goleak.Find(baseline))
	l.Printf("goroutines: %d before, %d after (+%d); stack memory +%d KiB\n", g0, g1, g1-g0, (int64(s1)-int64(s0))/1024)
	l.Printf("goleak.Find: %s", leaks)
	if leaks.Total == 0 {
		return errors.New("the trap did not leak: goleak found nothing")
	}
	drain(pending)
	pending = nil
	if err := goleak.Find(baseline); err != nil {
		return fmt.Errorf("cleaning up the trap left goroutines:\n%s", lesson.Leaks(err))
	}
	l.Printf("(the lesson drained the losers' sends; real code has no handle to do that)\n")
	l.Why(fmt.Sprintf("a goroutine blocked on a channel nobody will touch again is never collected: %d per call.", replicas-1))

	l.Section("The fix: the replicas watch the caller's context")
	l.Predict("what does goleak find now?")
	fctx, cancelAll := context.WithCancel(ctx)
	defer cancelAll() // ends what an exercise leaks, so the lesson itself leaves nothing behind
	for i := range calls {
		q := fmt.Sprintf("q%d", i)
		var err error
		if l.Is("no-cancel") {
			_, err = firstNoCancel(fctx, q)
		} else {
			_, err = first(fctx, q)
		}
		if err != nil {
			return err
		}
	}
	leaks = lesson.Leaks(goleak.Find(baseline)) // goleak retries a moment, so the losers can exit
	l.Printf("goroutines: %d before, %d after; goleak.Find: %s", g0, runtime.NumGoroutine(), leaks)
	if leaks.Total != 0 {
		cancelAll()
		return fmt.Errorf("the fix leaked %d goroutines", leaks.Total)
	}
	l.Why("every goroutine needs a way to stop: a context it watches, a buffered channel with room for",
		"every send, or a close it waits for. goleak.VerifyTestMain in every test package catches the rest.")
	l.Adds("nothing: a context and a select are the fix, and goleak (go.uber.org/goleak) finds the leaks.")
	return nil
}
