package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"
)

// dependency stands for the slow service behind the workers: while the gate
// is closed every call waits on it, as on a database that has stalled.
type dependency struct {
	gate  chan struct{}
	calls int // made once the gate opened; read after the pool drained
	mu    sync.Mutex
}

func newDependency() *dependency { return &dependency{gate: make(chan struct{})} }

// call waits for the gate, or for ctx.
func (d *dependency) call(ctx context.Context) (string, error) {
	select {
	case <-d.gate:
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
	d.mu.Lock()
	d.calls++
	d.mu.Unlock()
	return "fresh answer", nil
}

func (d *dependency) resume() { close(d.gate) }

// outcome is what one caller got.
type outcome struct {
	status     int
	retryAfter string
	fallback   string // why the answer is the fallback, "" if it is not
	timedOut   bool
	took       time.Duration
}

// call makes one request that waits at most wait, with header added.
func call(ctx context.Context, client *http.Client, url string, wait time.Duration, header http.Header) outcome {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return outcome{}
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	start := time.Now()
	resp, err := client.Do(req)
	o := outcome{took: time.Since(start)}
	if err != nil {
		o.timedOut = errors.Is(err, context.DeadlineExceeded)
		return o
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	o.status, o.retryAfter, o.fallback = resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("X-Fallback")
	return o
}

// tally counts a burst's outcomes by kind.
type tally struct {
	n, answered, refused, timedOut, other int
	fallbacks                             map[string]int // by reason
	retryAfter                            string
	slowestRefusal                        time.Duration
}

// burst sends n concurrent requests and counts what they got.
func burst(ctx context.Context, client *http.Client, url string, n int, wait time.Duration, header http.Header) tally {
	outs := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { outs[i] = call(ctx, client, url, wait, header) })
	}
	wg.Wait()
	t := tally{n: n, fallbacks: map[string]int{}}
	for _, o := range outs {
		switch {
		case o.timedOut:
			t.timedOut++
		case o.status == http.StatusOK && o.fallback != "":
			t.fallbacks[o.fallback]++
		case o.status == http.StatusOK:
			t.answered++
		case o.status == http.StatusServiceUnavailable:
			t.refused, t.retryAfter, t.slowestRefusal = t.refused+1, o.retryAfter, max(t.slowestRefusal, o.took)
		default:
			t.other++
		}
	}
	return t
}

func (t tally) String() string {
	s := fmt.Sprintf("%d callers: %d answered, %d refused with 503", t.n, t.answered, t.refused)
	if t.refused > 0 {
		s += fmt.Sprintf(" (Retry-After: %s, slowest %v)", t.retryAfter, t.slowestRefusal.Round(time.Millisecond))
	}
	for _, why := range slices.Sorted(maps.Keys(t.fallbacks)) {
		s += fmt.Sprintf(", %d fallback (%s)", t.fallbacks[why], why)
	}
	return s + fmt.Sprintf(", %d timed out", t.timedOut)
}

// serveOn serves h on loopback and returns its URL, a client and a stop.
func serveOn(h http.Handler, n int) (string, *http.Client, func()) {
	srv := httptest.NewServer(h)
	transport := &http.Transport{MaxIdleConnsPerHost: n}
	return srv.URL, &http.Client{Transport: transport}, func() { transport.CloseIdleConnections(); srv.Close() }
}

// waitBounded waits for wg, or 10 seconds.
func waitBounded(wg *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}
