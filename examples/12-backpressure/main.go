// Lesson 12, backpressure and fail-fast: a burst against a stalled dependency,
// on an unbounded queue, a semaphore, and a bounded pool that knows budgets.
//
//	go run ./examples/12-backpressure
//	go run ./examples/12-backpressure -short
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/workpool"
)

var solutions = []lesson.Solution{
	{Name: "max-queued-50", Change: "maxQueued = 50"},
	{Name: "no-skip", Change: "remove the ctx.Err() check at the top of the job"},
	{Name: "budget-5ms", Change: "serverBudget = 5 * time.Millisecond"},
}

func main() {
	lesson.Lesson{Name: "lesson 12, backpressure", Run: run, Solutions: solutions}.Main()
}

const (
	clientWait = 250 * time.Millisecond // how long the trap's callers wait
	minBudget  = 10 * time.Millisecond  // less than this left: the fallback at once
	grace      = 100 * time.Millisecond // a caller waits its budget and this much more
	retryAfter = 1                      // seconds, in Retry-After
)

var (
	maxQueued    = 4                     // the bound: accepted but not finished
	serverBudget = 80 * time.Millisecond // what each caller of the burst says it will wait
)

func run(ctx context.Context, l *lesson.L) error {
	n := lesson.Size(l, 100, 20)
	defer func(q int, b time.Duration) { maxQueued, serverBudget = q, b }(maxQueued, serverBudget)
	switch l.Solution {
	case "max-queued-50":
		maxQueued = 50
	case "budget-5ms":
		serverBudget = 5 * time.Millisecond
	case "": // the exercises change the fix only
		if err := trap(ctx, l, n); err != nil {
			return err
		}
		if err := semaphore(ctx, l, n); err != nil {
			return err
		}
	}
	return fix(ctx, l, n)
}

func trap(ctx context.Context, l *lesson.L, n int) error {
	l.Section("The trap: an unbounded queue behind the handler, %d callers, the dependency stalled", n)
	l.Predict("how many callers get an answer? how much work is done anyway?")
	dep, jobs := newDependency(), make(chan func(), 1<<16) // room for any burst: unbounded, in effect
	var worker sync.WaitGroup
	worker.Go(func() {
		for job := range jobs {
			job()
		}
	})
	var peak lesson.Peak
	var wasted atomic.Int64
	var left sync.WaitGroup // handlers that have not yet seen their caller leave
	left.Add(n)
	url, client, stop := serveOn(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answer, gone := make(chan string, 1), make(chan struct{})
		peak.In()
		jobs <- func() {
			peak.Out()
			a, _ := dep.call(context.Background())
			select {
			case <-gone:
				wasted.Add(1) // the caller has left: this answer goes nowhere
			default:
			}
			answer <- a
		}
		select {
		case a := <-answer:
			fmt.Fprintln(w, a)
		case <-r.Context().Done():
			close(gone)
			left.Done()
		}
	}), n)
	t := burst(ctx, client, url, n, clientWait, nil)
	waitBounded(&left) // the server notices each hang-up on its own time
	dep.resume()       // the dependency comes back, after every caller has left
	close(jobs)
	worker.Wait()
	stop()
	l.Printf("%s after %v each; the queue peaked at %d\n", t, clientWait, peak.Max())
	l.Printf("then the dependency recovered and the worker made %d calls, %d of them for callers who had left\n", dep.calls, wasted.Load())
	if t.timedOut != n {
		return fmt.Errorf("trap: %d of %d callers timed out, want all", t.timedOut, n)
	}
	l.Why("an unbounded queue turns overload into latency: nobody is refused, so everybody waits and",
		"times out, and a caller who retries lands behind its own first attempt. The work done after",
		"the recovery is pure waste.")
	return nil
}

func semaphore(ctx context.Context, l *lesson.L, n int) error {
	l.Section("Standard library first: a semaphore of %d, and r.Context()", maxQueued)
	l.Predict("the same burst, each caller waiting %v: how many are refused, how many answered?", serverBudget+grace)
	dep, sem := newDependency(), make(chan struct{}, maxQueued)
	url, client, stop := serveOn(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
		default: // full: say so at once
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		if a, err := dep.call(r.Context()); err == nil {
			fmt.Fprintln(w, a)
		} // else the caller has gone: nobody to answer
	}), n)
	defer func() { dep.resume(); stop() }()
	t := burst(ctx, client, url, n, serverBudget+grace, nil)
	l.Printf("%s after %v\n", t, serverBudget+grace)
	l.Why("the bound refuses the excess at once, with Retry-After; the accepted callers wait until they",
		"give up, since the server cannot know how long each will wait.")
	return nil
}

// api is the fix: a pool of one worker bounded at maxQueued behind the
// handler, which knows each caller's budget from ctxtree.Middleware.
type api struct {
	pool                *workpool.Pool
	dep                 *dependency
	ranForGone, skipped atomic.Int64 // what became of the accepted jobs
	noSkip              bool         // the exercise no-skip
}

// serveWork answers /work: the fallback at once if the budget is (nearly)
// spent, 503 with Retry-After if the pool is full, else the fresh answer, or
// the fallback if the budget runs out while the job waits.
func (a *api) serveWork(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if dl, ok := ctx.Deadline(); ctx.Err() != nil || (ok && time.Until(dl) < minBudget) {
		fallback(w, "budget spent on arrival")
		return
	}
	answer := make(chan string, 1)
	err := a.pool.TrySubmit(func() {
		if ctx.Err() != nil && !a.noSkip { // the caller has had its fallback: skip the work
			a.skipped.Add(1)
			return
		}
		v, _ := a.dep.call(context.Background()) // a call that, like many drivers, ignores ctx
		if ctx.Err() != nil {
			a.ranForGone.Add(1)
		}
		answer <- v
	})
	if errors.Is(err, workpool.ErrFull) || errors.Is(err, workpool.ErrClosed) {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		http.Error(w, "busy: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	select {
	case v := <-answer:
		fmt.Fprintln(w, v)
	case <-ctx.Done():
		fallback(w, "budget ran out while queued")
	}
}

// fallback answers at once with a stale but useful answer, marked so.
func fallback(w http.ResponseWriter, why string) {
	w.Header().Set("X-Fallback", why)
	fmt.Fprintln(w, "cached answer")
}

// serveReady answers /readyz: 503 while the pool is saturated, so that a
// load balancer sends new traffic elsewhere. (Liveness stays separate.)
func (a *api) serveReady(w http.ResponseWriter, _ *http.Request) {
	st := a.pool.Stats()
	inFlight := int(st.Submitted - st.Completed - st.Skipped)
	if inFlight >= maxQueued {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		http.Error(w, fmt.Sprintf("not ready: %d of %d in flight", inFlight, maxQueued), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintf(w, "ready: %d of %d in flight\n", inFlight, maxQueued)
}
