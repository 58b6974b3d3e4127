// Lesson 10, observability: a /metrics endpoint with runtimemetrics and the
// pool collector, plus /debug/pprof and /debug/runtimemetrics. The lesson
// scrapes itself once and prints the scheduler-latency p99.
//
//	go run ./examples/10-observability
//	go run ./examples/10-observability -short
//
// The trap: the one-line debug server, go http.Serve(ln, mux), started
// and never stopped. It works, so nobody notices that its accept loop and its
// keep-alive connections outlive the code that started them: goleak does.
// The fix serves the same endpoints from an http.Server that is shut down
// with a deadline, and exports what the scheduler is doing: every
// runtime/metrics metric (scheduler latency as a real Prometheus histogram)
// and a workpool's statistics, then reads its own /metrics and computes the
// p99 from the histogram's buckets.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/goleak"

	"github.com/gmpkit/gmpkit/runtimemetrics"
	"github.com/gmpkit/gmpkit/workpool"
)

func main() {
	short := flag.Bool("short", false, "less load before the scrape")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *short); err != nil {
		fmt.Fprintln(os.Stderr, "lesson 10:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, short bool) error {
	load := 500 * time.Millisecond
	if short {
		load = 50 * time.Millisecond
	}
	if err := trap(ctx, w); err != nil {
		return err
	}
	return fix(ctx, w, load)
}

// debugMux serves net/http/pprof on its own mux (not http.DefaultServeMux,
// which any imported package may also write to).
func debugMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// get fetches url with client and returns the body.
func get(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), nil
}

// goleakHeader matches the line goleak prints for each goroutine it reports.
var goleakHeader = regexp.MustCompile(`Goroutine \d+ in state ([^,]+), with (\S+) on top of the stack`)

// describeLeaks turns goleak's report into one line per goroutine: its
// state, the function it is blocked in and the function that started it.
func describeLeaks(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	chunks := strings.Split(err.Error(), "Goroutine ")
	for _, c := range chunks[1:] {
		m := goleakHeader.FindStringSubmatch("Goroutine " + c)
		if m == nil {
			continue
		}
		creator := "?"
		if _, after, ok := strings.Cut(c, "created by "); ok {
			creator, _, _ = strings.Cut(after, "\n")
			creator, _, _ = strings.Cut(creator, " in goroutine")
		}
		out = append(out, fmt.Sprintf("[%s] in %s, started by %s", m[1], m[2], creator))
	}
	return out
}

// startNaive is the trap: the debug server as it is usually started.
func startNaive() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go http.Serve(ln, debugMux()) //nolint:errcheck // the trap: nobody will ever stop or check it
	return ln, nil
}

func trap(ctx context.Context, w io.Writer) error {
	fmt.Fprintln(w, "== The trap: go http.Serve(ln, mux), never stopped ==")
	fmt.Fprintln(w, "predict: after one request, what is still running that nobody will stop?")
	baseline := goleak.IgnoreCurrent()
	transport := &http.Transport{}
	client := &http.Client{Transport: transport}
	ln, err := startNaive()
	if err != nil {
		return err
	}
	body, err := get(ctx, client, "http://"+ln.Addr().String()+"/debug/pprof/")
	// Clean up whatever happens: the lesson, unlike the trap, stops it.
	defer func() {
		transport.CloseIdleConnections()
		ln.Close()
	}()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "GET /debug/pprof/: %d bytes, the index of profiles\n", len(body))

	leak := goleak.Find(baseline)
	if leak == nil {
		return errors.New("trap: goleak found nothing")
	}
	n := strings.Count(leak.Error(), "Goroutine ")
	fmt.Fprintf(w, "goleak.Find: %d goroutines outlive the code that started them:\n", n)
	for _, g := range describeLeaks(leak) {
		fmt.Fprintf(w, "  %s\n", g)
	}
	fmt.Fprintln(w, "why: http.Serve runs until its listener closes, and each keep-alive connection")
	fmt.Fprintln(w, "     has a goroutine until the client hangs up; nothing here closes either. In a")
	fmt.Fprintln(w, "     test that is a leak per test; in a program it is a port that outlives its use.")
	fmt.Fprintln(w)

	transport.CloseIdleConnections()
	ln.Close()
	if err := goleak.Find(baseline); err != nil {
		return fmt.Errorf("trap: cleaning up left goroutines: %w", err)
	}
	return nil
}

// latencyMetric is the Prometheus name runtimemetrics gives
// /sched/latencies:seconds under its default namespace.
const latencyMetric = "go_runtime_sched_latencies_seconds"

// newMux builds the fixed server's routes: /metrics from a registry holding
// the runtime collector and the pool collector, /debug/runtimemetrics as
// JSON from the same sampler, and /debug/pprof.
func newMux(pool *workpool.Pool) (*http.ServeMux, error) {
	// Finer seconds buckets than the default powers of ten, so the p99 below
	// is read to within a factor of two.
	rc := runtimemetrics.NewCollector(runtimemetrics.WithBuckets("seconds", runtimemetrics.FactorBuckets(1e-6, 2, 10)))
	reg := prometheus.NewRegistry()
	if err := reg.Register(rc); err != nil {
		return nil, err
	}
	if err := reg.Register(runtimemetrics.NewPoolCollector(pool)); err != nil {
		return nil, err
	}
	mux := debugMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	mux.Handle("/debug/runtimemetrics", rc.Sampler().Handler())
	return mux, nil
}

// makeLoad keeps more CPU-bound goroutines than Ps busy for d, and runs
// tasks on pool meanwhile, so that the scheduler-latency histogram and the
// pool's counters have something to show.
func makeLoad(ctx context.Context, pool *workpool.Pool, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	var sink atomic.Uint64
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for ctx.Err() == nil {
				sink.Add(spin(10000))
			}
		})
	}
	for ctx.Err() == nil {
		for range 100 {
			if err := pool.Submit(func() { sink.Add(spin(1000)) }); err != nil {
				cancel()
				wg.Wait()
				return err
			}
		}
		if err := pool.Wait(); err != nil {
			cancel()
			wg.Wait()
			return err
		}
	}
	wg.Wait()
	return nil
}

// spin does CPU work without touching shared memory.
func spin(n int) uint64 {
	x := uint64(n) | 1
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// bucketLine matches one cumulative bucket of a histogram in the text
// exposition format: name_bucket{le="0.001"} 42.
var bucketLine = regexp.MustCompile(`^(\w+)_bucket\{(?:.*,)?le="([^"]+)"(?:,.*)?\} (\S+)$`)

// cumulative is one histogram from a scrape: upper bound -> cumulative count.
type cumulative map[float64]float64

// histogramFromScrape reads the cumulative buckets of metric from a
// /metrics body in the text exposition format.
func histogramFromScrape(body, metric string) (cumulative, error) {
	h := cumulative{}
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		m := bucketLine.FindStringSubmatch(sc.Text())
		if m == nil || m[1] != metric {
			continue
		}
		le, err1 := strconv.ParseFloat(m[2], 64)
		cum, err2 := strconv.ParseFloat(m[3], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad bucket line %q", sc.Text())
		}
		h[le] = cum
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("no %s_bucket lines in the scrape", metric)
	}
	return h, nil
}

// quantile returns the upper bound of the bucket of after-minus-before that
// holds quantile q, and the number of observations in the difference: what
// PromQL's histogram_quantile(q, increase(m_bucket[window])) reads, without
// its interpolation inside the bucket. A nil before means since the start.
func quantile(before, after cumulative, q float64) (upper, count float64) {
	les := make([]float64, 0, len(after))
	for le := range after {
		les = append(les, le)
	}
	sort.Float64s(les)
	delta := func(le float64) float64 { return after[le] - before[le] } // a nil map reads 0
	count = delta(les[len(les)-1])                                      // +Inf holds every observation
	if count <= 0 {
		return 0, 0
	}
	for i, le := range les {
		if delta(le) >= q*count {
			if math.IsInf(le, 1) && i > 0 {
				return les[i-1], count // above the largest finite bound
			}
			return le, count
		}
	}
	return les[len(les)-1], count
}

// linesWith returns the lines of body that start with prefix.
func linesWith(body, prefix string) []string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, prefix) {
			out = append(out, line)
		}
	}
	return out
}

func fix(ctx context.Context, w io.Writer, load time.Duration) error {
	fmt.Fprintln(w, "== The fix: an http.Server that is shut down, exporting the scheduler ==")
	fmt.Fprintln(w, "predict: under load, how long does a runnable goroutine wait for a P at the 99th percentile?")
	baseline := goleak.IgnoreCurrent()
	pool := workpool.New(workpool.WithName("lesson10"))
	poolClosed := false
	defer func() {
		if !poolClosed {
			_ = pool.Close()
		}
	}()
	mux, err := newMux(pool)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	transport := &http.Transport{}
	client := &http.Client{Transport: transport}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx) // stop accepting, close idle connections, wait for active ones
		transport.CloseIdleConnections()
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
		return err
	}
	defer func() { _ = stop() }()

	// Scrape before and after the load, as Prometheus would every interval.
	base := "http://" + ln.Addr().String()
	first, err := get(ctx, client, base+"/metrics")
	if err != nil {
		return err
	}
	before, err := histogramFromScrape(first, latencyMetric)
	if err != nil {
		return err
	}
	if err := makeLoad(ctx, pool, load); err != nil {
		return err
	}
	metrics, err := get(ctx, client, base+"/metrics")
	if err != nil {
		return err
	}
	after, err := histogramFromScrape(metrics, latencyMetric)
	if err != nil {
		return err
	}
	lifeP99, lifeCount := quantile(nil, after, 0.99)
	p99, count := quantile(before, after, 0.99)
	series := 0
	for _, line := range strings.Split(metrics, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			series++
		}
	}
	fmt.Fprintf(w, "GET /metrics: %d series, %d bytes\n", series, len(metrics))
	fmt.Fprintf(w, "scheduler-latency p99 over the %v load window <= %v (%.0f observations of %s)\n",
		load, time.Duration(p99*float64(time.Second)), count, latencyMetric)
	fmt.Fprintf(w, "scheduler-latency p99 over the process's life so far <= %v (%.0f observations)\n",
		time.Duration(lifeP99*float64(time.Second)), lifeCount)
	for _, line := range linesWith(metrics, "gmpkit_workpool_tasks_") {
		fmt.Fprintf(w, "  %s\n", line)
	}
	for _, line := range linesWith(metrics, "gmpkit_workpool_steal_success_ratio") {
		fmt.Fprintf(w, "  %s\n", line)
	}

	js, err := get(ctx, client, base+"/debug/runtimemetrics")
	if err != nil {
		return err
	}
	var snap struct {
		Metrics    map[string]any `json:"metrics"`
		Histograms map[string]any `json:"histograms"`
	}
	if err := json.Unmarshal([]byte(js), &snap); err != nil {
		return fmt.Errorf("/debug/runtimemetrics: %w", err)
	}
	fmt.Fprintf(w, "GET /debug/runtimemetrics: JSON with %d metrics and %d histograms; /sched/goroutines:goroutines = %v\n",
		len(snap.Metrics), len(snap.Histograms), snap.Metrics["/sched/goroutines:goroutines"])
	idx, err := get(ctx, client, base+"/debug/pprof/")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "GET /debug/pprof/: %d bytes, lists goroutine profile: %v\n", len(idx), strings.Contains(idx, "goroutine"))

	if err := stop(); err != nil {
		return err
	}
	poolClosed = true
	if err := pool.Close(); err != nil {
		return err
	}
	leak := goleak.Find(baseline)
	fmt.Fprintf(w, "after Shutdown and pool.Close, goleak.Find: %d goroutines left\n", len(describeLeaks(leak)))
	if leak != nil {
		return fmt.Errorf("fix: %w", leak)
	}
	fmt.Fprintln(w, "why: the runtime records a sample of runnable goroutines' waits in a cumulative")
	fmt.Fprintln(w, "     histogram; exported as real buckets, the p99 of its increase over a window")
	fmt.Fprintln(w, "     (histogram_quantile over increase(...[5m]) in PromQL) is the number to alert")
	fmt.Fprintln(w, "     on when CPU-bound work crowds out request handlers; the lifetime p99 hides a")
	fmt.Fprintln(w, "     bad minute under hours of idle. Shutdown ends the server's goroutines, so")
	fmt.Fprintln(w, "     goleak stays quiet and a test can start as many servers as it likes.")
	return nil
}
