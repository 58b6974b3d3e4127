// Lesson 11, observability: a debug server that is never stopped, then one
// that is, serving /metrics with the scheduler's latency histogram and a
// pool's counters. The lesson scrapes itself around a burst of load.
//
//	go run ./examples/11-observability
//	go run ./examples/11-observability -short
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/goleak"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/runtimemetrics"
	"github.com/gmpkit/gmpkit/workpool"
)

var solutions = []lesson.Solution{
	{Name: "close-listener", Change: "in the trap, close the listener before asking goleak"},
}

func main() {
	lesson.Lesson{Name: "lesson 11, observability", Run: run, Solutions: solutions}.Main()
}

func run(ctx context.Context, l *lesson.L) error {
	l.Section("The trap: go http.Serve(ln, mux), never stopped")
	l.Predict("after one request, what is still running that nobody will stop?")
	baseline := goleak.IgnoreCurrent()
	transport := &http.Transport{}
	client := &http.Client{Transport: transport}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, debugMux()) //nolint:errcheck // the trap: nobody will ever stop or check it
	_, err = get(ctx, client, "http://"+ln.Addr().String()+"/debug/pprof/")
	if l.Is("close-listener") {
		ln.Close() // the exercise: Serve returns; is that enough?
	}
	leaks := lesson.Leaks(goleak.Find(baseline))
	transport.CloseIdleConnections() // the lesson cleans up; the trap never would
	ln.Close()
	if err != nil {
		return err
	}
	l.Printf("goleak.Find: %s", leaks)
	if leaks.Total == 0 {
		return errors.New("trap: goleak found nothing")
	}
	if err := goleak.Find(baseline); err != nil {
		return fmt.Errorf("trap: cleaning up left goroutines:\n%s", lesson.Leaks(err))
	}
	if l.Is("close-listener") {
		l.Why("closing the listener ended Serve's accept loop, but a keep-alive connection keeps its",
			"goroutines until the client hangs up or the server shuts it down. In a test, a leak per test.")
	} else {
		l.Why("http.Serve runs until its listener closes, and each keep-alive connection has a goroutine",
			"until the client hangs up; nothing here closes either. In a test that is a leak per test.")
	}

	l.Section("Standard library first: an http.Server, shut down with a deadline")
	base, stop, err := serve(debugMux(), transport)
	if err == nil {
		_, err = get(ctx, client, base+"/debug/pprof/")
	}
	if err = errors.Join(err, stop()); err != nil {
		return err
	}
	leaks = lesson.Leaks(goleak.Find(baseline))
	l.Printf("one request, then Shutdown; goleak.Find: %s", leaks)
	if leaks.Total != 0 {
		return errors.New("the server left goroutines")
	}
	l.Why("Shutdown stops accepting, closes idle connections and waits for active ones, so goleak stays",
		"quiet and a test can start as many servers as it likes. gmpkit adds nothing to that part.")

	l.Section("The fix's server, exporting the scheduler: p99 over a window, and over the life")
	pool := workpool.New(workpool.WithName("lesson11"))
	mux, err := newMux(pool)
	if err == nil {
		if base, stop, err = serve(mux, transport); err == nil {
			err = errors.Join(scrape(ctx, l, client, base, pool), stop())
		}
	}
	if err = errors.Join(err, pool.Close()); err != nil {
		return err
	}
	if err := goleak.Find(baseline); err != nil {
		return fmt.Errorf("the server or the pool left goroutines:\n%s", lesson.Leaks(err))
	}
	return nil
}

// newMux serves /metrics from a registry holding the runtime collector and
// the pool collector, /debug/runtimemetrics as JSON from the same sampler,
// and /debug/pprof.
func newMux(pool *workpool.Pool) (*http.ServeMux, error) {
	// Buckets a factor of 2 apart, from 1µs: the p99 is read to within 2x.
	rc := runtimemetrics.NewCollector(runtimemetrics.WithBuckets("seconds", runtimemetrics.FactorBuckets(1e-6, 2, 10)))
	reg := prometheus.NewRegistry()
	if err := errors.Join(reg.Register(rc), reg.Register(runtimemetrics.NewPoolCollector(pool))); err != nil {
		return nil, err
	}
	mux := debugMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	mux.Handle("/debug/runtimemetrics", rc.Sampler().Handler())
	return mux, nil
}

// latencyMetric is what runtimemetrics calls /sched/latencies:seconds.
const latencyMetric = "go_runtime_sched_latencies_seconds"

// scrape reads /metrics after a quiet hour and again after a burst of load,
// and compares the p99 of the scheduler latency over the load with the one
// over the process's life.
func scrape(ctx context.Context, l *lesson.L, client *http.Client, base string, pool *workpool.Pool) error {
	load := lesson.Size(l, 500*time.Millisecond, 100*time.Millisecond)
	l.Predict("under %s of load, how long does a runnable goroutine wait for a P at the 99th percentile? And over the process's life?", lesson.Dur(load))
	quietHour(lesson.Size(l, 100_000, 20_000))
	first, err := get(ctx, client, base+"/metrics")
	if err != nil {
		return err
	}
	direct := lesson.ReadHist("/sched/latencies:seconds")
	if err := makeLoad(ctx, pool, load); err != nil {
		return err
	}
	body, err := get(ctx, client, base+"/metrics")
	if err != nil {
		return err
	}
	window := lesson.Delta(direct, lesson.ReadHist("/sched/latencies:seconds"))
	before, err1 := lesson.ScrapeHist(first, latencyMetric)
	after, err2 := lesson.ScrapeHist(body, latencyMetric)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	life, win := after, after.Sub(before)
	share := 100 * float64(win.N) / float64(max(life.N, 1))
	l.Printf("GET /metrics: %d bytes; %s, p99 over:\n", len(body), latencyMetric)
	l.Printf("  the %s load window   ≤%s  (n=%d)\n", lesson.Dur(load), lesson.Dur(win.Quantile(0.99)), win.N)
	l.Printf("  the process's life      ≤%s  (n=%s; the window is %.1f%% of them)\n", lesson.Dur(life.Quantile(0.99)), lesson.Count(life.N), share)
	l.Printf("  the window, read with runtime/metrics directly (its finer buckets): %s\n", window)
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "gmpkit_workpool_tasks_completed_total") {
			l.Printf("  %s\n", line)
		}
	}
	js, err := get(ctx, client, base+"/debug/runtimemetrics")
	var snap struct {
		Metrics map[string]any `json:"metrics"`
	}
	if err = errors.Join(err, json.Unmarshal([]byte(js), &snap)); err != nil {
		return fmt.Errorf("/debug/runtimemetrics: %w", err)
	}
	l.Printf("GET /debug/runtimemetrics: JSON with %d metrics, from the same sampler\n", len(snap.Metrics))
	relation := "the same as"
	if lp, wp := life.Quantile(0.99), win.Quantile(0.99); lp < wp {
		relation = "below"
	} else if lp > wp {
		relation = "above"
	}
	l.Why(fmt.Sprintf("the lifetime p99 is %s the window's: the window is %.1f%% of the samples, and a", relation, share),
		"p99 over the life averages a bad minute away under the quiet hours. Alert on the window:",
		"histogram_quantile(0.99, rate(...[5m])) in PromQL.")
	l.Adds("the runtime's histogram as a Prometheus histogram with buckets you choose, and the pool's counters; runtime/metrics gives your own code the same numbers (above).")
	return nil
}
