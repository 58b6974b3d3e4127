// Lesson 11, backpressure and fail-fast: a bounded pool behind an HTTP
// handler that answers 503 with Retry-After when full, a fast fallback when
// the caller's budget is already spent, and readiness from pool saturation.
//
//	go run ./examples/11-backpressure
//	go run ./examples/11-backpressure -short
//
// The trap: a handler that queues every request for a worker, on an
// unbounded queue. When the dependency behind the worker slows down, the
// queue absorbs the burst: every request is accepted, every caller times
// out waiting, and when the dependency recovers the worker spends its time
// on answers nobody is waiting for. The deadline on each call catches it
// (the lesson never hangs), and the numbers show the waste. The fix bounds
// the queue with workpool.WithMaxQueued and turns workpool.ErrFull into 503
// with Retry-After at once; a request whose budget (ctxtree's header) is
// already spent gets the fallback answer without touching the pool; and
// /readyz reports not ready while the pool is saturated, so a load balancer
// sends traffic elsewhere. These are the seed's rate-limiting, fallback and
// readiness ideas, built from the library's primitives.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
	"github.com/gmpkit/gmpkit/workpool"
)

func main() {
	short := flag.Bool("short", false, "a smaller burst")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *short); err != nil {
		fmt.Fprintln(os.Stderr, "lesson 11:", err)
		os.Exit(1)
	}
}

// clientBudget is how long each caller of the trap's burst waits for an
// answer: long enough that every caller reaches the handler even on a loaded
// machine, since the lesson counts them.
const clientBudget = 250 * time.Millisecond

// dependency stands for the slow service behind the worker: while the gate
// is closed every call waits on it, as on a database that has stalled.
type dependency struct {
	gate  chan struct{}
	calls atomic.Int64
}

func newDependency() *dependency { return &dependency{gate: make(chan struct{})} }

func (d *dependency) call() string {
	<-d.gate
	d.calls.Add(1)
	return "fresh answer"
}

func (d *dependency) resume() { close(d.gate) }

// outcome is what one caller of the burst got.
type outcome struct {
	status     int
	retryAfter string
	fallback   bool
	timedOut   bool
	took       time.Duration
}

// burst sends n concurrent requests to url, each with clientBudget, and
// returns what each got.
func burst(ctx context.Context, client *http.Client, url string, n int) []outcome {
	out := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			out[i] = call(ctx, client, url, clientBudget, nil)
		})
	}
	wg.Wait()
	return out
}

// call makes one request with the given budget; header, if not nil, is
// added to the request.
func call(ctx context.Context, client *http.Client, url string, budget time.Duration, header http.Header) outcome {
	cctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	start := time.Now()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, url, nil)
	if err != nil {
		return outcome{}
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := client.Do(req)
	o := outcome{took: time.Since(start)}
	if err != nil {
		o.timedOut = errors.Is(err, context.DeadlineExceeded)
		return o
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	o.status = resp.StatusCode
	o.retryAfter = resp.Header.Get("Retry-After")
	o.fallback = resp.Header.Get("X-Fallback") != ""
	return o
}

// summary counts outcomes by kind.
type summary struct {
	ok, fallback, unavailable, timedOut, other int
	retryAfter                                 string
	slowest                                    time.Duration
}

func summarize(outs []outcome) summary {
	var s summary
	for _, o := range outs {
		s.slowest = max(s.slowest, o.took)
		switch {
		case o.timedOut:
			s.timedOut++
		case o.status == http.StatusOK && o.fallback:
			s.fallback++
		case o.status == http.StatusOK:
			s.ok++
		case o.status == http.StatusServiceUnavailable:
			s.unavailable++
			s.retryAfter = o.retryAfter
		default:
			s.other++
		}
	}
	return s
}

func run(ctx context.Context, w io.Writer, short bool) error {
	n := 100
	if short {
		n = 20
	}
	if err := trap(ctx, w, n); err != nil {
		return err
	}
	return fix(ctx, w, n)
}

// unboundedQueue is the trap's queue: a slice that grows without limit,
// served by one worker.
type unboundedQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	jobs   []func()
	peak   int
	closed bool
	done   sync.WaitGroup
}

func newUnboundedQueue() *unboundedQueue {
	q := &unboundedQueue{}
	q.cond = sync.NewCond(&q.mu)
	q.done.Go(func() {
		for {
			q.mu.Lock()
			for len(q.jobs) == 0 && !q.closed {
				q.cond.Wait()
			}
			if len(q.jobs) == 0 {
				q.mu.Unlock()
				return
			}
			job := q.jobs[0]
			q.jobs = q.jobs[1:]
			q.mu.Unlock()
			job()
		}
	})
	return q
}

func (q *unboundedQueue) push(job func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, job)
	q.peak = max(q.peak, len(q.jobs))
	q.cond.Signal()
}

// close lets the worker finish the queue and waits for it.
func (q *unboundedQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
	q.done.Wait()
}

func trap(ctx context.Context, w io.Writer, n int) error {
	fmt.Fprintf(w, "== The trap: an unbounded queue behind the handler, %d callers, the dependency stalled ==\n", n)
	fmt.Fprintln(w, "predict: how many callers get an answer? how much work is done anyway?")
	dep := newDependency()
	q := newUnboundedQueue()
	var accepted, wasted atomic.Int64
	var gaveUp sync.WaitGroup // handlers that have not yet seen their caller leave
	gaveUp.Add(n)
	handler := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		answer := make(chan string, 1)
		var gone atomic.Bool
		accepted.Add(1)
		q.push(func() {
			a := dep.call()
			if gone.Load() {
				wasted.Add(1) // the caller is gone: this answer goes nowhere
			}
			answer <- a
		})
		select {
		case a := <-answer:
			fmt.Fprintln(rw, a)
		case <-r.Context().Done():
			gone.Store(true)
			gaveUp.Done()
		}
	})
	srv := httptest.NewServer(handler)
	transport := &http.Transport{MaxIdleConnsPerHost: n}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}

	s := summarize(burst(ctx, client, srv.URL, n))
	if s.timedOut == n {
		// The server notices each disconnect on its own time; wait, bounded,
		// until every handler has, before the dependency comes back.
		allGone := make(chan struct{})
		go func() { gaveUp.Wait(); close(allGone) }()
		select {
		case <-allGone:
		case <-time.After(10 * time.Second):
			dep.resume()
			<-allGone
			return errors.New("trap: the server did not notice its callers leave")
		}
	}
	dep.resume() // the dependency comes back, after every caller has left
	q.close()
	srv.Close()

	fmt.Fprintf(w, "accepted %d of %d; answered %d; timed out %d after %v each; queue peaked at %d (+1 in the worker)\n",
		accepted.Load(), n, s.ok, s.timedOut, clientBudget, q.peak)
	fmt.Fprintf(w, "then the dependency recovered and the worker made %d calls, %d of them for callers who had left\n",
		dep.calls.Load(), wasted.Load())
	if s.timedOut != n {
		return fmt.Errorf("trap: %d of %d callers timed out, want all", s.timedOut, n)
	}
	fmt.Fprintln(w, "why: an unbounded queue turns overload into latency: nobody is refused, so")
	fmt.Fprintln(w, "     everybody waits and times out; a caller who retries lands behind its own")
	fmt.Fprintln(w, "     first attempt. The work done after recovery is pure waste.")
	fmt.Fprintln(w)
	return nil
}

// The fix's knobs.
const (
	maxQueued    = 4                     // the pool's bound: accepted but not finished
	serverBudget = 80 * time.Millisecond // what each caller of the burst tells the server it will wait
	minBudget    = 10 * time.Millisecond // less than this left: answer with the fallback at once
	retryAfter   = 1                     // seconds, in Retry-After
	callerWaits  = 5 * time.Second       // the caller's own timeout, only a guard
)

// api is the fixed service: a bounded pool behind the handler.
type api struct {
	pool *workpool.Pool
	dep  *dependency
	// What happened to the accepted jobs, for the lesson's report.
	ranForGone, skipped atomic.Int64
}

// serveWork answers /work: the fallback at once if the budget is (nearly)
// spent, 503 with Retry-After if the pool is full, otherwise the fresh
// answer, or the fallback if the budget runs out while waiting.
func (a *api) serveWork(rw http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if dl, ok := ctx.Deadline(); ctx.Err() != nil || (ok && time.Until(dl) < minBudget) {
		fallback(rw, "budget spent on arrival")
		return
	}
	answer := make(chan string, 1)
	err := a.pool.TrySubmit(func() {
		if ctx.Err() != nil { // the caller has had its answer (the fallback): skip
			a.skipped.Add(1)
			return
		}
		v := a.dep.call()
		if ctx.Err() != nil {
			a.ranForGone.Add(1)
		}
		answer <- v
	})
	switch {
	case errors.Is(err, workpool.ErrFull), errors.Is(err, workpool.ErrClosed):
		rw.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		http.Error(rw, "busy: "+err.Error(), http.StatusServiceUnavailable)
		return
	case err != nil:
		http.Error(rw, err.Error(), http.StatusInternalServerError)
		return
	}
	select {
	case v := <-answer:
		fmt.Fprintln(rw, v)
	case <-ctx.Done():
		fallback(rw, "budget ran out while queued")
	}
}

// fallback answers at once with a stale but useful answer, marked so.
func fallback(rw http.ResponseWriter, why string) {
	rw.Header().Set("X-Fallback", why)
	fmt.Fprintln(rw, "cached answer")
}

// saturation reads the pool's statistics: tasks accepted and not finished.
// Completed is credited in batches, so this errs on the side of "busy".
func (a *api) saturation() (inFlight int, saturated bool) {
	st := a.pool.Stats()
	inFlight = int(st.Submitted - st.Completed)
	return inFlight, inFlight >= maxQueued
}

// serveReady answers /readyz: 503 while the pool is saturated, so that a
// load balancer sends new traffic to another instance.
func (a *api) serveReady(rw http.ResponseWriter, _ *http.Request) {
	n, saturated := a.saturation()
	if saturated {
		rw.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		http.Error(rw, fmt.Sprintf("not ready: %d of %d in flight", n, maxQueued), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintf(rw, "ready: %d of %d in flight\n", n, maxQueued)
}

// getStatus fetches url and returns the status code and the trimmed body.
func getStatus(ctx context.Context, client *http.Client, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(bytes.TrimSpace(body)), err
}

func fix(ctx context.Context, w io.Writer, n int) error {
	fmt.Fprintf(w, "== The fix: a pool bounded at %d, 503 when full, a fallback when the budget is spent ==\n", maxQueued)
	fmt.Fprintln(w, "predict: of the same burst, how many are accepted, refused, answered from the fallback?")
	a := &api{
		pool: workpool.New(workpool.WithWorkers(1), workpool.WithMaxQueued(maxQueued), workpool.WithName("api")),
		dep:  newDependency(),
	}
	resumed := false
	defer func() {
		if !resumed {
			a.dep.resume()
		}
		_ = a.pool.Close()
	}()
	mux := http.NewServeMux()
	mux.Handle("/work", ctxtree.Middleware("work", http.HandlerFunc(a.serveWork)))
	mux.HandleFunc("/readyz", a.serveReady)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	transport := &http.Transport{MaxIdleConnsPerHost: n}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}

	// The burst: every caller says it will wait serverBudget.
	budget := http.Header{ctxtree.Header: {ctxtree.FormatTimeout(serverBudget)}}
	outs := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { outs[i] = call(ctx, client, srv.URL+"/work", callerWaits, budget) })
	}
	wg.Wait()
	s := summarize(outs)
	var slowestRefusal time.Duration
	for _, o := range outs {
		if o.status == http.StatusServiceUnavailable {
			slowestRefusal = max(slowestRefusal, o.took)
		}
	}
	fmt.Fprintf(w, "burst of %d, dependency stalled: %d refused with 503 (Retry-After: %s, slowest refusal %v), %d fallback answers after their %v budget, %d timed out\n",
		n, s.unavailable, s.retryAfter, slowestRefusal.Round(time.Millisecond), s.fallback, serverBudget, s.timedOut)

	code, body, err := getStatus(ctx, client, srv.URL+"/readyz")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "GET /readyz while saturated: %d %s\n", code, body)
	if code != http.StatusServiceUnavailable {
		return fmt.Errorf("fix: /readyz answered %d while the pool was saturated", code)
	}

	a.dep.resume()
	resumed = true
	if err := a.pool.Wait(); err != nil {
		return err
	}
	// The workers credit finished tasks when they go idle; ask again until
	// the pool reports it, bounded.
	for deadline := time.Now().Add(10 * time.Second); ; {
		code, body, err = getStatus(ctx, client, srv.URL+"/readyz")
		if err != nil {
			return err
		}
		if code == http.StatusOK || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Fprintf(w, "dependency recovered: %d accepted job(s) skipped because their caller had the fallback, %d ran for a caller who had left\n",
		a.skipped.Load(), a.ranForGone.Load())
	fmt.Fprintf(w, "GET /readyz once drained: %d %s\n", code, body)

	before := a.pool.Stats().Submitted
	spent := call(ctx, client, srv.URL+"/work", callerWaits, http.Header{ctxtree.Header: {"0n"}})
	untouched := a.pool.Stats().Submitted == before
	fresh := call(ctx, client, srv.URL+"/work", callerWaits, http.Header{ctxtree.Header: {ctxtree.FormatTimeout(time.Second)}})
	fmt.Fprintf(w, "a request whose budget is already spent (%s: 0n): %d, fallback %v, pool untouched: %v\n",
		ctxtree.Header, spent.status, spent.fallback, untouched)
	fmt.Fprintf(w, "a request with a 1s budget: %d, fallback %v\n", fresh.status, fresh.fallback)

	switch {
	case s.unavailable != n-maxQueued || s.fallback != maxQueued || s.retryAfter != strconv.Itoa(retryAfter):
		return fmt.Errorf("fix: want %d refusals with Retry-After and %d fallbacks, got %+v", n-maxQueued, maxQueued, s)
	case code != http.StatusOK:
		return fmt.Errorf("fix: /readyz answered %d once the pool drained", code)
	case !spent.fallback || !untouched || fresh.status != http.StatusOK || fresh.fallback:
		return fmt.Errorf("fix: spent budget gave %+v, fresh gave %+v", spent, fresh)
	}
	fmt.Fprintln(w, "why: the bound turns overload into an instant, honest \"no\" the caller can act on")
	fmt.Fprintln(w, "     (retry elsewhere, later); the budget says when an answer is no longer worth")
	fmt.Fprintln(w, "     computing; readiness tells the load balancer before callers find out.")
	return nil
}
