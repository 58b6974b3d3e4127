// Lesson 1, GMP in motion: watch the scheduler's G, M and P move as load
// rises.
//
//	go run ./examples/01-gmp-in-motion          # a few seconds
//	go run ./examples/01-gmp-in-motion -short   # about 1 s
//
// The lesson has three parts.
//
//  1. The trap: "more goroutines, more speed". The same CPU-bound work runs
//     split over P, 4P, 16P and 64P goroutines (P = GOMAXPROCS) while
//     runtime/metrics reports goroutine states and the scheduler-latency
//     histogram, and a probe goroutine measures how late its 1 ms timer
//     fires. Wall time does not improve beyond P goroutines; runnable
//     goroutines and scheduling latency climb. Every step is bounded by a
//     context deadline, so a slow machine cuts the step short instead of
//     hanging the lesson. The fix, the last row, runs the same work on P
//     workers of a gmpkit workpool, which keeps the waiting work in its
//     queues instead of the scheduler's.
//  2. The picture: the program re-executes itself with
//     GODEBUG=schedtrace=100 under load and explains every field of a SCHED
//     line the runtime prints.
//  3. The goroutine dump: an HTTP server on 127.0.0.1:0 serves
//     /debug/pprof/goroutine?debug=2 while a few goroutines wait in known
//     places; the lesson reads the dump and counts goroutines per state.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/gmpkit/gmpkit/workpool"
)

// childEnv selects the child mode: when set to "1" the program only burns
// CPU for schedtraceRun so the runtime's schedtrace has something to show.
const childEnv = "GMPKIT_LESSON1_SCHEDTRACE_CHILD"

// schedtraceRun is how long the child runs; with schedtrace=100 it prints a
// SCHED line about every 100 ms, so this gives at least three.
const schedtraceRun = 350 * time.Millisecond

func main() {
	if os.Getenv(childEnv) == "1" {
		childMain()
		return
	}
	short := flag.Bool("short", false, "smaller sizes: finishes in about a second")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *short); err != nil {
		fmt.Fprintln(os.Stderr, "lesson 1:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, short bool) error {
	fmt.Fprintf(w, "GOMAXPROCS=%d NumCPU=%d\n\n", runtime.GOMAXPROCS(0), runtime.NumCPU())
	if err := loadSteps(ctx, w, short); err != nil {
		return err
	}
	if err := schedtrace(ctx, w); err != nil {
		return err
	}
	return goroutineDump(ctx, w)
}

// ---------------------------------------------------------------------------
// Part 1: goroutine states and scheduler latency while load rises.

// Metric names. The per-state goroutine counts arrived in Go 1.26; on older
// runtimes they are reported as "n/a".
const (
	mGoroutines = "/sched/goroutines:goroutines"
	mRunnable   = "/sched/goroutines/runnable:goroutines"
	mRunning    = "/sched/goroutines/running:goroutines"
	mWaiting    = "/sched/goroutines/waiting:goroutines"
	mLatencies  = "/sched/latencies:seconds"
)

// sampler reads the metrics the lesson shows; names the running Go does not
// know are skipped.
type sampler struct {
	samples []metrics.Sample
	index   map[string]int
}

func newSampler() *sampler {
	known := map[string]bool{}
	for _, d := range metrics.All() {
		known[d.Name] = true
	}
	s := &sampler{index: map[string]int{}}
	for _, name := range []string{mGoroutines, mRunnable, mRunning, mWaiting, mLatencies} {
		if known[name] {
			s.index[name] = len(s.samples)
			s.samples = append(s.samples, metrics.Sample{Name: name})
		}
	}
	return s
}

func (s *sampler) read() { metrics.Read(s.samples) }

// gauge returns the named counter as text, or "n/a" when the runtime lacks it.
func (s *sampler) gauge(name string) string {
	i, ok := s.index[name]
	if !ok || s.samples[i].Value.Kind() != metrics.KindUint64 {
		return "n/a"
	}
	return strconv.FormatUint(s.samples[i].Value.Uint64(), 10)
}

// latencies returns a copy of the scheduler-latency histogram.
func (s *sampler) latencies() *metrics.Float64Histogram {
	i, ok := s.index[mLatencies]
	if !ok {
		return nil
	}
	h := s.samples[i].Value.Float64Histogram()
	return &metrics.Float64Histogram{Counts: append([]uint64(nil), h.Counts...), Buckets: h.Buckets}
}

// quantile returns the q-quantile of the samples that after gained over
// before, as the upper bound of the bucket holding it (the histogram's
// resolution), and the number of samples.
func quantile(before, after *metrics.Float64Histogram, q float64) (time.Duration, uint64) {
	if before == nil || after == nil {
		return 0, 0
	}
	var total uint64
	delta := make([]uint64, len(after.Counts))
	for i := range after.Counts {
		delta[i] = after.Counts[i] - before.Counts[i]
		total += delta[i]
	}
	if total == 0 {
		return 0, 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var cum uint64
	for i, c := range delta {
		cum += c
		if cum >= rank {
			upper := after.Buckets[i+1]
			if math.IsInf(upper, 1) {
				upper = after.Buckets[i]
			}
			return time.Duration(upper * float64(time.Second)), total
		}
	}
	return 0, total
}

// spin burns CPU for one unit of work without touching shared memory.
func spin(units int) uint64 {
	x := uint64(88172645463325252)
	for range units * 100000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// stepResult is one row of the load table.
type stepResult struct {
	label                               string
	goroutines, running, runnable, wait string
	p50, p99                            time.Duration
	latencySamples                      uint64
	probeLate                           time.Duration
	wall                                time.Duration
	done, total                         int
}

// loadSteps runs the same amount of work split over more and more
// goroutines, then on P workers, and prints what the scheduler saw.
func loadSteps(ctx context.Context, w io.Writer, short bool) error {
	procs := runtime.GOMAXPROCS(0)
	units := 4096 // about 0.4 s of CPU per step
	if short {
		units = 512
	}
	fmt.Fprintf(w, "== Part 1: the same work (%d units) split over more goroutines ==\n", units)
	fmt.Fprintln(w, "predict: does wall time fall as goroutines rise? what happens to runnable and latency?")

	var rows []stepResult
	for _, mult := range []int{1, 4, 16, 64} {
		n := procs * mult
		r, err := step(ctx, fmt.Sprintf("%d goroutines (%dP)", n, mult), units, n, false)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	fix, err := step(ctx, fmt.Sprintf("fix: workpool, %d workers", procs), units, procs, true)
	if err != nil {
		return err
	}
	rows = append(rows, fix)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "load\tgoroutines\trunning\trunnable\twaiting\tsched p50\tsched p99\tprobe 1ms timer late\twall\tdone")
	for _, r := range rows {
		p50, p99 := "-", "-" // no goroutine was scheduled during the step
		if r.latencySamples > 0 {
			p50, p99 = r.p50.String(), r.p99.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%v\t%v\t%d/%d\n",
			r.label, r.goroutines, r.running, r.runnable, r.wait, p50, p99,
			r.probeLate.Round(time.Microsecond), r.wall.Round(time.Millisecond), r.done, r.total)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	last := rows[len(rows)-2]
	fmt.Fprintf(w, "why: only %d P(s) run Go code; with %s the extra ones sit runnable in run queues.\n", procs, last.label)
	fmt.Fprintln(w, "     Wall time does not fall, but a goroutine that wakes up (the probe: think of it as")
	fmt.Fprintln(w, "     your HTTP handler) queues behind them. The fix keeps P goroutines busy and the rest")
	fmt.Fprintln(w, "     of the work in a queue, where it costs the scheduler nothing: sched p99 falls back.")
	fmt.Fprintln(w, "     The probe can still wait up to ~10 ms while every P is busy: that is the time slice")
	fmt.Fprintln(w, "     after which sysmon preempts a running goroutine (forcePreemptNS in runtime/proc.go).")
	fmt.Fprintln(w)
	return nil
}

// step does units of work on n goroutines (or n workers reading a queue when
// pooled) and samples the scheduler meanwhile. The step is cut short when
// its deadline passes, so the lesson never hangs on a slow machine.
func step(parent context.Context, label string, units, n int, pooled bool) (stepResult, error) {
	ctx, cancel := context.WithTimeout(parent, 20*time.Second)
	defer cancel()

	s := newSampler()
	s.read()
	before := s.latencies()

	// The probe sleeps 1 ms at a time and records how late it wakes.
	var probeWG sync.WaitGroup
	var worstLate atomic.Int64
	probeStop := make(chan struct{})
	probeWG.Go(func() {
		for {
			select {
			case <-probeStop:
				return
			default:
			}
			t0 := time.Now()
			time.Sleep(time.Millisecond)
			late := time.Since(t0) - time.Millisecond
			if int64(late) > worstLate.Load() {
				worstLate.Store(int64(late))
			}
		}
	})

	var done atomic.Int64
	var sink atomic.Uint64
	var mid sampledAt
	start := time.Now()
	var wg sync.WaitGroup
	if pooled {
		// The fix: n workers (P of them) and a queue; the work waits in the
		// queue, not in the scheduler's run queues.
		pool := workpool.New(workpool.WithWorkers(n), workpool.WithName("lesson1"))
		for range units {
			if err := pool.Submit(func() {
				if ctx.Err() != nil {
					return
				}
				sink.Add(spin(1))
				if done.Add(1) == int64(units/2) {
					mid.take(s)
				}
			}); err != nil {
				return stepResult{}, err
			}
		}
		if err := pool.Close(); err != nil { // runs every accepted task, then stops the workers
			return stepResult{}, err
		}
	} else {
		for i := range n {
			share := units / n
			if i < units%n {
				share++
			}
			wg.Go(func() {
				for range share {
					if ctx.Err() != nil {
						return
					}
					sink.Add(spin(1))
					if done.Add(1) == int64(units/2) {
						mid.take(s)
					}
				}
			})
		}
	}
	wg.Wait()
	wall := time.Since(start)
	close(probeStop)
	probeWG.Wait()
	s.read()
	after := s.latencies()

	if err := parent.Err(); err != nil {
		return stepResult{}, err
	}
	p50, samples := quantile(before, after, 0.50)
	p99, _ := quantile(before, after, 0.99)
	r := stepResult{
		label: label, p50: p50, p99: p99, latencySamples: samples,
		probeLate: time.Duration(worstLate.Load()), wall: wall,
		done: int(done.Load()), total: units,
		goroutines: "n/a", running: "n/a", runnable: "n/a", wait: "n/a",
	}
	if g := mid.get(); g != nil {
		r.goroutines, r.running, r.runnable, r.wait = g[0], g[1], g[2], g[3]
	}
	return r, nil
}

// sampledAt holds the goroutine gauges read once, halfway through a step,
// when the load is at its height.
type sampledAt struct {
	mu     sync.Mutex
	gauges []string
}

func (m *sampledAt) take(s *sampler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Each goroutine needs its own Sample slice: metrics.Read writes into it.
	own := &sampler{samples: append([]metrics.Sample(nil), s.samples...), index: s.index}
	own.read()
	m.gauges = []string{own.gauge(mGoroutines), own.gauge(mRunning), own.gauge(mRunnable), own.gauge(mWaiting)}
}

func (m *sampledAt) get() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gauges
}

// ---------------------------------------------------------------------------
// Part 2: GODEBUG=schedtrace, explained field by field.

// childMain is the child mode: keep every P busy, and more, so the SCHED
// lines show non-empty run queues.
func childMain() {
	var stop atomic.Bool
	var wg sync.WaitGroup
	var sink atomic.Uint64
	for range 8 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for !stop.Load() {
				sink.Add(spin(1))
			}
		})
	}
	time.Sleep(schedtraceRun)
	stop.Store(true)
	wg.Wait()
	fmt.Fprintln(os.Stderr, "child done", sink.Load()%2)
}

// schedFieldDoc explains the fields of a SCHED line, in the order the
// runtime prints them (runtime/proc.go, schedtrace).
var schedFieldDoc = map[string]string{
	"SCHED":           "time since the program started",
	"gomaxprocs":      "number of Ps: at most this many goroutines run Go code at once",
	"idleprocs":       "Ps with nothing to run (gomaxprocs - idleprocs are busy)",
	"threads":         "Ms: OS threads the runtime has created (running, idle, in syscalls, sysmon)",
	"spinningthreads": "Ms without work that are actively looking for some (stealing) before they sleep",
	"needspinning":    "1 when new work appeared and the runtime wants an extra M to start spinning",
	"idlethreads":     "Ms parked with no P, waiting to be woken",
	"runqueue":        "goroutines in the global run queue",
	"[ ]":             "one number per P: goroutines waiting in that P's local run queue (up to 256 each)",
	"schedticks":      "one number per P: how many times that P's scheduler has picked a goroutine",
}

var schedLine = regexp.MustCompile(`^SCHED (\S+): (.*)$`)

// schedField is one field of a SCHED line.
type schedField struct{ key, value string }

// parseSched splits "SCHED 100ms: gomaxprocs=2 ... runqueue=0 [ 1 2 ]
// schedticks=[ 3 4 ]" into fields; a bracketed list that follows a field
// without "=" gets the key "[ ]".
func parseSched(line string) (elapsed string, fields []schedField, ok bool) {
	m := schedLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return "", nil, false
	}
	toks := strings.Fields(m[2])
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		key, val, hasEq := strings.Cut(tok, "=")
		if !hasEq {
			key, val = "", tok
		}
		if val == "[" { // a bracketed list: gather to "]"
			var list []string
			for i++; i < len(toks) && toks[i] != "]"; i++ {
				list = append(list, toks[i])
			}
			val = "[" + strings.Join(list, " ") + "]"
			if key == "" {
				key = "[ ]"
			}
		}
		if key == "" {
			key = tok
		}
		fields = append(fields, schedField{key, val})
	}
	return m[1], fields, true
}

// sumList adds the numbers of "[1 2 3]".
func sumList(v string) int {
	total := 0
	for _, f := range strings.Fields(strings.Trim(v, "[]")) {
		n, _ := strconv.Atoi(f)
		total += n
	}
	return total
}

// schedtrace re-executes this binary in child mode with
// GODEBUG=schedtrace=100 and explains the busiest SCHED line it prints.
func schedtrace(parent context.Context, w io.Writer) error {
	fmt.Fprintln(w, "== Part 2: GODEBUG=schedtrace=100, line by line ==")
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("schedtrace: %w", err)
	}
	ctx, cancel := context.WithTimeout(parent, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	godebug := "schedtrace=100"
	if prev := os.Getenv("GODEBUG"); prev != "" {
		godebug = prev + "," + godebug
	}
	cmd.Env = append(os.Environ(), childEnv+"=1", "GODEBUG="+godebug,
		"GOMAXPROCS="+strconv.Itoa(runtime.GOMAXPROCS(0)))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("schedtrace child: %w (stderr: %q)", err, stderr.String())
	}

	var best string
	bestQueued := -1
	lines := 0
	for _, line := range strings.Split(stderr.String(), "\n") {
		_, fields, ok := parseSched(line)
		if !ok {
			continue
		}
		lines++
		queued := 0
		for _, f := range fields {
			switch f.key {
			case "runqueue":
				n, _ := strconv.Atoi(f.value)
				queued += n
			case "[ ]":
				queued += sumList(f.value)
			}
		}
		if queued > bestQueued {
			best, bestQueued = strings.TrimSpace(line), queued
		}
	}
	if best == "" {
		return errors.New("schedtrace: the child printed no SCHED line")
	}
	fmt.Fprintf(w, "the child printed %d SCHED lines; the busiest (%d goroutines queued) is:\n\n  %s\n\n", lines, bestQueued, best)
	elapsed, fields, _ := parseSched(best)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  SCHED %s\t%s\n", elapsed, schedFieldDoc["SCHED"])
	for _, f := range fields {
		doc, ok := schedFieldDoc[f.key]
		if !ok {
			doc = "not explained here: see schedtrace in runtime/proc.go for this Go version"
		}
		name := f.key + "=" + f.value
		if f.key == "[ ]" {
			name = f.value
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, doc)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "why: the child runs 8 CPU-bound goroutines per P, so every P is busy (idleprocs=0)")
	fmt.Fprintln(w, "     and the rest wait in the local run queues: G waiting for a P, P owned by an M.")
	fmt.Fprintln(w)
	return nil
}

// ---------------------------------------------------------------------------
// Part 3: a goroutine dump from /debug/pprof/goroutine?debug=2.

var goroutineHeader = regexp.MustCompile(`^goroutine (\d+) \[([^\]]+)\]:`)

// goroutineDump serves net/http/pprof on 127.0.0.1:0, parks goroutines in
// known states, reads the dump over HTTP and counts goroutines per state.
func goroutineDump(ctx context.Context, w io.Writer) error {
	fmt.Fprintln(w, "== Part 3: a goroutine dump from /debug/pprof/goroutine?debug=2 ==")
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		<-served
	}()

	// Park goroutines in four well-known states; release them on return.
	release := make(chan struct{})
	var parked sync.WaitGroup
	var mu sync.Mutex
	var lockedRuns int // guarded by mu
	mu.Lock()
	var gate sync.WaitGroup
	gate.Add(1)
	parked.Go(func() { <-release }) // [chan receive]
	parked.Go(func() {
		select {
		case <-release:
		case <-ctx.Done():
		}
	}) // [select]
	parked.Go(func() { // [sync.Mutex.Lock]
		mu.Lock()
		defer mu.Unlock()
		lockedRuns++
	})
	parked.Go(func() { gate.Wait() }) // [sync.WaitGroup.Wait]
	defer func() {
		close(release)
		mu.Unlock()
		gate.Done()
		parked.Wait()
	}()

	// Give the four goroutines a moment to block; the dump is read until all
	// four states are seen, bounded by a deadline.
	want := []string{"chan receive", "select", "sync.Mutex.Lock", "sync.WaitGroup.Wait"}
	url := "http://" + ln.Addr().String() + "/debug/pprof/goroutine?debug=2"
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var dump string
	var states map[string]int
	for {
		dump, err = fetch(dctx, url)
		if err != nil {
			return err
		}
		states = map[string]int{}
		for _, line := range strings.Split(dump, "\n") {
			if m := goroutineHeader.FindStringSubmatch(line); m != nil {
				state, _, _ := strings.Cut(m[2], ",") // "chan receive, 2 minutes" -> "chan receive"
				states[state]++
			}
		}
		missing := 0
		for _, s := range want {
			if states[s] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		select {
		case <-dctx.Done():
			return fmt.Errorf("goroutine dump: parked goroutines not seen: %w", context.Cause(dctx))
		case <-time.After(10 * time.Millisecond):
		}
	}

	keys := make([]string, 0, len(states))
	total := 0
	for k, n := range states {
		keys = append(keys, k)
		total += n
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "GET %s: %d goroutines\n", strings.Replace(url, ln.Addr().String(), "127.0.0.1:<port>", 1), total)
	for _, k := range keys {
		fmt.Fprintf(w, "  %3d [%s]\n", states[k], k)
	}
	fmt.Fprintln(w, "one entry, trimmed to this program's frames:")
	fmt.Fprintln(w, indent(firstStackWith(dump, "chan receive", ".goroutineDump"), "  "))
	fmt.Fprintln(w, "why: the bracket is the wait reason: what the G is blocked on, so nothing runs it")
	fmt.Fprintln(w, "     until that event. A leak shows up here as a count that only grows.")
	return nil
}

func fetch(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
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

// firstStackWith returns the header and this program's frames of the first
// goroutine in dump whose state is state and which runs a function whose name
// contains fn.
func firstStackWith(dump, state, fn string) string {
	for _, g := range strings.Split(dump, "\n\n") {
		lines := strings.Split(strings.TrimSpace(g), "\n")
		m := goroutineHeader.FindStringSubmatch(lines[0])
		if m == nil || !strings.HasPrefix(m[2], state) {
			continue
		}
		out := []string{lines[0]}
		found := false
		for i := 1; i+1 < len(lines); i += 2 {
			// Under go test the package is named by its import path, not "main".
			if strings.HasPrefix(lines[i], "main.") || strings.Contains(lines[i], "01-gmp-in-motion.") {
				out = append(out, lines[i], lines[i+1])
				found = found || strings.Contains(lines[i], fn)
			}
		}
		if found {
			return strings.Join(out, "\n")
		}
	}
	return "(not found)"
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
