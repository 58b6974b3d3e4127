// Lesson 1, GMP in motion: more goroutines than Ps, where the waiting ones
// wait, and how late a goroutine that wakes up gets to run.
//
//	go run ./examples/01-gmp-in-motion           # about 3 s
//	go run ./examples/01-gmp-in-motion -short    # about 1 s
//	go run ./examples/01-gmp-in-motion -trace gmp.trace && go tool trace gmp.trace
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
)

var traceFile = flag.String("trace", filepath.Join(os.TempDir(), "gmp-in-motion.trace"), "the runtime/trace file the last part writes")

var solutions = []lesson.Solution{
	{Name: "one-per-p", Change: "the schedtrace child runs 1 goroutine per P instead of 8"},
}

func main() {
	lesson.Lesson{Name: "lesson 1, GMP in motion", Run: run, Solutions: solutions,
		Children: map[string]func(){"burn": burn, "runnext": runnext}}.Main()
}

func run(ctx context.Context, l *lesson.L) error {
	procs := runtime.GOMAXPROCS(0)
	l.Printf("GOMAXPROCS=%d on %d CPUs: at most %d goroutine(s) run Go code at once\n", procs, runtime.NumCPU(), procs)
	if l.Is("one-per-p") { // the exercise changes the schedtrace part only
		return queues(ctx, l, procs)
	}
	if err := load(ctx, l, procs); err != nil {
		return err
	}
	if err := queues(ctx, l, procs); err != nil {
		return err
	}
	return picture(ctx, l, procs)
}

// step runs n CPU-bound goroutines for d (each calling runtime.Gosched after
// every unit if yield) while a probe, standing for a handler that waits for
// the network, sleeps 1 ms at a time; it returns the work done, the
// goroutines runnable halfway, how long runnable goroutines waited for a P
// (the runtime's /sched/latencies histogram) and how late the probe woke.
func step(ctx context.Context, d time.Duration, n int, yield bool) (work int64, runnable string, wait lesson.Hist, late lesson.Sample) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	before := lesson.ReadHist("/sched/latencies:seconds")
	var wg sync.WaitGroup
	var done atomic.Int64
	runnable = "-" // not read: the probe never ran in the first half, or Go is older than 1.26
	started := make(chan struct{})
	wg.Add(1 + n)
	go probe(ctx, d, &wg, started, &late, &runnable) // plain go statements, so a trace names each goroutine
	<-started
	for range n {
		go spinner(ctx, &wg, &done, yield)
	}
	wg.Wait()
	return done.Load(), runnable, lesson.Delta(before, lesson.ReadHist("/sched/latencies:seconds")), late
}

// spinner does units of work until ctx ends, yielding after each if asked.
func spinner(ctx context.Context, wg *sync.WaitGroup, done *atomic.Int64, yield bool) {
	defer wg.Done()
	for ctx.Err() == nil {
		lesson.Work(1)
		done.Add(1)
		if yield {
			runtime.Gosched()
		}
	}
}

// probe sleeps 1 ms at a time until ctx ends and records how late it woke;
// it also reads the runnable gauge in the first half, so main need not wake.
func probe(ctx context.Context, d time.Duration, wg *sync.WaitGroup, started chan struct{}, late *lesson.Sample, runnable *string) {
	defer wg.Done()
	close(started)
	for start := time.Now(); ctx.Err() == nil; {
		t0 := time.Now()
		time.Sleep(time.Millisecond)
		*late = append(*late, time.Since(t0)-time.Millisecond)
		if v, ok := lesson.ReadUint("/sched/goroutines/runnable:goroutines"); ok && time.Since(start) < d/2 {
			*runnable = strconv.FormatUint(v, 10)
		}
	}
}

// A row of the load table: n goroutines, yielding or not.
type row struct {
	label string
	n     int
	yield bool
}

// table runs each row's step and prints the results; it returns each row's
// work and the p50 of its probe.
func table(ctx context.Context, l *lesson.L, d time.Duration, rows ...row) (work []float64, late []time.Duration, err error) {
	t := lesson.NewTable(l.W, "load, "+lesson.Dur(d)+" each", "work", "runnable", "runnable ones waited", "the probe woke late by")
	for _, r := range rows {
		if r.n == 0 {
			t.Row(r.label, "-", "-", "-", "needs 2 Ps or more")
			work, late = append(work, 0), append(late, 0)
			continue
		}
		w, runnable, wait, probe := step(ctx, d, r.n, r.yield)
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		work, late = append(work, float64(w)), append(late, probe.Quantile(0.5))
		t.Row(r.label, lesson.Count(w), runnable, wait, probe.Percentiles())
	}
	return work, late, t.Flush()
}

// load is the trap (more goroutines, more work?) and the fix (let the
// scheduler in), one table row per load.
func load(ctx context.Context, l *lesson.L, procs int) error {
	d := lesson.Size(l, 300*time.Millisecond, 100*time.Millisecond)
	l.Section("The trap: more goroutines, more work?")
	l.Predict("%d, %d, %d CPU-bound goroutines for %s: do the most do more work? How late does a goroutine sleeping 1ms wake?",
		procs, 4*procs, 16*procs, lesson.Dur(d))
	work, late, err := table(ctx, l, d, row{fmt.Sprintf("%d goroutines, 1 per P", procs), procs, false},
		row{fmt.Sprintf("%d goroutines, 4 per P", 4*procs), 4 * procs, false},
		row{fmt.Sprintf("%d goroutines, 16 per P", 16*procs), 16 * procs, false})
	if err != nil {
		return err
	}
	l.Why(fmt.Sprintf("only %d P(s) run Go code: 16 per P did %.2fx the work of 1 per P, and the rest waited,", procs, work[2]/work[0]),
		fmt.Sprintf("runnable. The probe woke %s late (p50) even at 1 per P: a CPU-bound goroutine leaves", lesson.Dur(late[0])),
		"its P only when preempted, and only then does the P run its timers. sysmon preempts a",
		"goroutine it has seen running for 10ms (forcePreemptNS), but once idle it checks only every",
		"10ms: it sees the slice start at one check and preempts at the next, so a P switches about",
		"every 20ms.")
	if lesson.Race {
		l.Printf("     (built with -race, the runtime skips runnext at random: the probe may wait far longer)\n")
	} else if late[0] < 5*time.Millisecond || work[2]/work[0] > 1.25 {
		l.Printf("     (not so this time: other programs took CPU from this one during a row; run again)\n")
	}

	l.Section("The fix: leave a P free, or yield")
	l.Predict("the same probe with one P left idle, and with goroutines that call runtime.Gosched after each unit")
	fixed, _, err := table(ctx, l, d, row{fmt.Sprintf("%d goroutine(s), one P left free", procs-1), procs - 1, false},
		row{fmt.Sprintf("%d goroutines, 4 per P, Gosched", 4*procs), 4 * procs, true})
	if err != nil {
		return err
	}
	cost := "not measured"
	if procs > 1 {
		cost = fmt.Sprintf("here %.2fx", fixed[0]/work[0])
	}
	l.Why("an idle P runs the overdue timer at once; runtime.Gosched puts the goroutine at the back of",
		"the global queue and runs the scheduler, timers first, so the probe runs next from runnext.",
		fmt.Sprintf("The cost: a scheduler call per unit of work (%.2fx the work of 1 per P here); on idle cores", fixed[1]/work[0]),
		fmt.Sprintf("a P left free costs 1/P of the work (%s), and with one P there is none to leave.", cost))
	if procs > runtime.NumCPU() {
		l.Printf("     Here GOMAXPROCS=%d > %d CPUs: the OS time-slices the Ms too, so the p90 stays high.\n", procs, runtime.NumCPU())
	}
	l.Adds("nothing: both fixes are the runtime's own. (A pool of P workers does not help: its workers go from task to task without entering the scheduler.)")
	return nil
}
