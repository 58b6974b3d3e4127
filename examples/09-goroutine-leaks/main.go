// Lesson 9, goroutine leaks: a leak found by goleak, then fixed with
// context cancellation.
//
//	go run ./examples/09-goroutine-leaks          # about 3 s
//	go run ./examples/09-goroutine-leaks -short   # about 1 s
//
// The trap is the "first answer wins" fan-out: ask every replica, return the
// first reply. The replicas that answer later send on an unbuffered channel
// nobody reads any more, so each call leaves goroutines blocked in
// [chan send] forever. Nothing crashes; the goroutine count only grows.
// goleak.Find catches them. The fix gives every replica the caller's
// context and makes each send a select on ctx.Done(): the caller cancels on
// return, the losers give up, and goleak finds nothing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strings"
	"time"

	"go.uber.org/goleak"
)

func main() {
	short := flag.Bool("short", false, "smaller sizes: finishes in about a second")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *short); err != nil {
		fmt.Fprintln(os.Stderr, "lesson 9:", err)
		os.Exit(1)
	}
}

// replicas is how many replicas each search asks.
const replicas = 3

// replica answers query after a delay that grows with its index, so replica
// 0 usually wins; which one wins does not matter to the lesson.
func replica(i int, query string) string {
	time.Sleep(time.Duration(i+1) * time.Millisecond)
	return fmt.Sprintf("%s: answer from replica %d", query, i)
}

// leakyFirst is the trap: it returns the first answer, and the replicas
// that answer later block forever sending on results. It also returns
// results, only so that the lesson can drain it and clean up after showing
// the leak; real code of this shape has no such handle.
func leakyFirst(query string) (string, chan string) {
	results := make(chan string) // unbuffered: a send waits for a receiver
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

// goleakHeader matches the line goleak prints for each goroutine it reports.
var goleakHeader = regexp.MustCompile(`Goroutine (\d+) in state ([^,]+), with (\S+) on top of the stack`)

// leakReport summarizes a goleak error: how many goroutines, in which
// states, and the lesson's function each one was started by.
func leakReport(err error) (n int, states map[string]int, creators map[string]int) {
	states, creators = map[string]int{}, map[string]int{}
	if err == nil {
		return 0, states, creators
	}
	text := err.Error()
	for _, m := range goleakHeader.FindAllStringSubmatch(text, -1) {
		n++
		states[m[2]]++
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if fn, ok := strings.CutPrefix(line, "created by "); ok {
			fn, _, _ = strings.Cut(fn, " in goroutine")
			creators[shortName(fn)]++
		}
	}
	return n, states, creators
}

// shortName trims the import path from a function name.
func shortName(fn string) string {
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		fn = fn[i+1:]
	}
	if _, after, ok := strings.Cut(fn, "."); ok && strings.HasPrefix(fn, "09-goroutine-leaks") {
		return "main." + after
	}
	return fn
}

// stackBytes reads the memory the runtime holds for goroutine stacks.
func stackBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

func run(ctx context.Context, w io.Writer, short bool) error {
	calls := 1000
	if short {
		calls = 20
	}
	// Goroutines that exist now are not leaks of this lesson.
	baseline := goleak.IgnoreCurrent()
	g0, s0 := runtime.NumGoroutine(), stackBytes()

	fmt.Fprintf(w, "== The trap: first answer wins, %d replicas, %d calls ==\n", replicas, calls)
	fmt.Fprintln(w, "predict: how many goroutines are left when every call has returned?")
	var pending []chan string
	// Clean up, whatever happens next: receive the answers nobody wanted,
	// so every blocked sender finishes. Bounded by a deadline, never a hang.
	cleaned := false
	cleanUp := func() error {
		if cleaned {
			return nil
		}
		cleaned = true
		cleanCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		for _, results := range pending {
			for range replicas - 1 {
				select {
				case <-results:
				case <-cleanCtx.Done():
					return fmt.Errorf("cleaning up the trap: %w", context.Cause(cleanCtx))
				}
			}
		}
		return nil
	}
	defer func() { _ = cleanUp() }()
	for i := range calls {
		answer, results := leakyFirst(fmt.Sprintf("q%d", i))
		pending = append(pending, results)
		if i == 0 {
			fmt.Fprintf(w, "first call returned %q\n", answer)
		}
	}
	g1, s1 := runtime.NumGoroutine(), stackBytes()
	leakErr := goleak.Find(baseline)
	n, states, creators := leakReport(leakErr)
	fmt.Fprintf(w, "goroutines: %d before, %d after (+%d); stack memory +%d KiB\n", g0, g1, g1-g0, (int64(s1)-int64(s0))/1024)
	fmt.Fprintf(w, "goleak.Find: %d leaked goroutines\n", n)
	for state, k := range states {
		fmt.Fprintf(w, "  %d in [%s]\n", k, state)
	}
	for fn, k := range creators {
		fmt.Fprintf(w, "  %d created by %s\n", k, fn)
	}
	if n == 0 {
		return errors.New("the trap did not leak: goleak found nothing")
	}

	if err := cleanUp(); err != nil {
		return err
	}
	if err := goleak.Find(baseline); err != nil {
		return fmt.Errorf("cleaning up the trap left goroutines: %w", err)
	}
	fmt.Fprintln(w, "(the lesson drained the leaked senders; real code has no handle to do that)")
	fmt.Fprintln(w)

	fmt.Fprintln(w, "== The fix: the replicas watch the caller's context ==")
	fmt.Fprintln(w, "predict: what does goleak find now?")
	for i := range calls {
		answer, err := first(ctx, fmt.Sprintf("q%d", i))
		if err != nil {
			return err
		}
		if i == 0 {
			fmt.Fprintf(w, "first call returned %q\n", answer)
		}
	}
	// The losers exit once they see the cancellation; goleak.Find retries
	// for a moment before it reports, so it does not race them.
	fixErr := goleak.Find(baseline)
	n2, _, _ := leakReport(fixErr)
	fmt.Fprintf(w, "goroutines: %d before, %d after; goleak.Find: %d leaked goroutines\n", g0, runtime.NumGoroutine(), n2)
	if fixErr != nil {
		return fmt.Errorf("the fix leaked: %w", fixErr)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "why: a goroutine blocked on a channel nobody will touch again is never collected; the\n")
	fmt.Fprintf(w, "     trap leaked %d per call (%d in all). Every goroutine you start needs a way to\n", replicas-1, n)
	fmt.Fprintln(w, "     stop: a context it watches, a buffered channel with room for every send, or a")
	fmt.Fprintln(w, "     close it waits for. goleak.VerifyTestMain in every test package catches the rest.")
	return nil
}
