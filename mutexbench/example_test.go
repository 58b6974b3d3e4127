package mutexbench_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gmpkit/gmpkit/mutexbench"
)

// The lock-upgrade trap: a goroutine holding a read lock calls Lock to
// "upgrade" it. Lock waits for every reader to leave, the caller included,
// so it never returns. Here the upgrade runs on a watched goroutine, so the
// example can see the deadlock with a timeout instead of hanging, then
// release it and leave no goroutine behind.
func Example_lockUpgradeTrap() {
	var mu sync.RWMutex
	mu.RLock() // a reader discovers it must modify the data...

	upgraded := make(chan struct{})
	go func() {
		mu.Lock() // ...and upgrades: this waits for the RLock above, forever
		close(upgraded)
		mu.Unlock()
	}()
	select {
	case <-upgraded:
		fmt.Println("upgrade went through")
	case <-time.After(50 * time.Millisecond):
		fmt.Println("deadlock: Lock still waiting for our own RLock after 50ms")
	}
	// TryLock shows the same without waiting: a write lock is unavailable
	// while any read lock, ours included, is held.
	fmt.Println("TryLock while read-locked:", mu.TryLock())

	mu.RUnlock() // the watchdog releases the read lock: the blocked Lock gets through
	<-upgraded   // and its goroutine exits

	// The fix: release the read lock, take the write lock, and check the
	// condition again, since another writer may have run in between.
	mu.Lock()
	fmt.Println("fixed: RUnlock, Lock, re-check, modify")
	mu.Unlock()
	// Output:
	// deadlock: Lock still waiting for our own RLock after 50ms
	// TryLock while read-locked: false
	// fixed: RUnlock, Lock, re-check, modify
}

func ExampleRun() {
	s := mutexbench.Scenario{
		ReadPercent: 90,
		Goroutines:  4,
		ReadWork:    200 * time.Nanosecond, // calibrated work over the data, not a sleep
		WriteWork:   200 * time.Nanosecond,
		Ops:         10000, // or Duration: 100 * time.Millisecond
	}
	r, err := mutexbench.Run(context.Background(), s, mutexbench.RWMutex())
	if err != nil {
		fmt.Println("run:", err)
		return
	}
	fmt.Println(r.Lock, r.Ops, "ops, violations:", r.Violations)
	// r.Throughput, r.ReadLatency.P99, r.MaxWriterWait and r.MutexWait
	// hold the measurements.
	// Output: rwmutex 10000 ops, violations: 0
}

// A user's own scheme is a Lock whose New returns a Store. This one guards
// the data with a one-slot channel used as a mutex.
func ExampleLock() {
	chanLock := mutexbench.Lock{Name: "chan", New: func(d *mutexbench.Data) mutexbench.Store {
		return &chanStore{sem: make(chan struct{}, 1), d: d}
	}}
	r, err := mutexbench.Run(context.Background(), mutexbench.Scenario{ReadPercent: 50, Goroutines: 3, Ops: 3000}, chanLock)
	if err != nil {
		fmt.Println("run:", err)
		return
	}
	fmt.Println(r.Lock, r.Ops, "ops, violations:", r.Violations)
	// Output: chan 3000 ops, violations: 0
}

type chanStore struct {
	sem chan struct{}
	d   *mutexbench.Data
}

func (s *chanStore) Read(fn func(*mutexbench.Data))  { s.sem <- struct{}{}; fn(s.d); <-s.sem }
func (s *chanStore) Write(fn func(*mutexbench.Data)) { s.sem <- struct{}{}; fn(s.d); <-s.sem }

// Compare measures two locks in interleaved rounds and judges the ratio.
// Which lock wins depends on the machine, so this example prints no fixed
// output.
func ExampleCompare() {
	s := mutexbench.Scenario{ReadPercent: 99, ReadWork: 200 * time.Nanosecond, Duration: 50 * time.Millisecond}
	c, err := mutexbench.Compare(context.Background(), s) // RWMutex against Mutex
	if err != nil {
		fmt.Println("compare:", err)
		return
	}
	fmt.Println(c) // e.g. 1.41× [1.33–1.43] rwmutex wins (±3% noise)
	if c.Verdict == mutexbench.Wash {
		fmt.Println("either will do: take Mutex, the simpler lock")
	}
}

// CompareRounds applies the verdict rule to throughputs measured
// elsewhere, one pair per round. Here the candidate is 8–12% faster in
// every round: the interval lies above parity plus the noise.
func ExampleCompareRounds() {
	baseline := []float64{4.0e6, 4.1e6, 3.9e6, 4.0e6, 4.2e6}
	candidate := []float64{4.4e6, 4.5e6, 4.3e6, 4.4e6, 4.6e6}
	c := mutexbench.CompareRounds(baseline, candidate)
	fmt.Println(c.Verdict, c.Ratio.Median > 1, c.Noise)
	// Output: wins true 0.03
}

// Crossover's search can be driven by a cost model instead of real runs.
// Here RWMutex reads cost 60 ns and writes 200 ns against a Mutex's 100 ns
// for both: they break even at 5/7 ≈ 71.4% reads, and RWMutex is faster
// beyond the 3% noise floor from about 73.5%. With real runs, leave out
// WithMeasure.
func ExampleCrossover() {
	model := func(ctx context.Context, s mutexbench.Scenario, l mutexbench.Lock) (mutexbench.Result, error) {
		r := s.ReadPercent / 100
		ns := 100.0
		if l.Name == "rwmutex" {
			ns = 60*r + 200*(1-r)
		}
		return mutexbench.Result{Throughput: 1e9 / ns}, nil
	}
	res, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{Goroutines: 8},
		mutexbench.WithMeasure(model))
	if err != nil {
		fmt.Println("crossover:", err)
		return
	}
	for _, p := range res.Probes {
		fmt.Printf("%6.2f%% reads: %.2f× %s\n", p.ReadPercent, p.Ratio.Median, p.Verdict)
	}
	fmt.Println(res.Note)
	// Output:
	//   0.00% reads: 0.50× loses
	//  50.00% reads: 0.77× loses
	//  62.50% reads: 0.89× loses
	//  68.75% reads: 0.96× loses
	//  71.88% reads: 1.01× a wash
	//  73.44% reads: 1.03× a wash
	//  74.22% reads: 1.04× wins
	//  75.00% reads: 1.05× wins
	//  90.00% reads: 1.35× wins
	//  95.00% reads: 1.49× wins
	//  99.00% reads: 1.63× wins
	// 100.00% reads: 1.67× wins
	// rwmutex beats mutex beyond the ±3% noise from 74.2% reads (1.03× [1.03–1.03] at 73.4%, 1.04× [1.04–1.04] at 74.2%)
}

func ExampleRecommend() {
	rows := []mutexbench.Row{
		// Usually these come from Matrix; here, figures of the kind it returns.
		{Lock: "mutex", ReadPercent: 90, Goroutines: 8, GOMAXPROCS: 2, CS: "long", OpsPerSec: 4.4e6,
			ReadP99Ns: 250, ReadSamples: 9000, WriteP99Ns: 330, WriteSamples: 1000, MaxWriterWaitNs: 920e3},
		{Lock: "rwmutex", Baseline: "mutex", ReadPercent: 90, Goroutines: 8, GOMAXPROCS: 2, CS: "long", OpsPerSec: 4.6e6,
			Ratio: 1.05, RatioLow: 0.98, RatioHigh: 1.09, Noise: 0.03, Verdict: mutexbench.Wash},
		{Lock: "mutex", ReadPercent: 100, Goroutines: 8, GOMAXPROCS: 2, CS: "long", OpsPerSec: 4.4e6,
			ReadP99Ns: 250, ReadSamples: 10000},
		{Lock: "rwmutex", Baseline: "mutex", ReadPercent: 100, Goroutines: 8, GOMAXPROCS: 2, CS: "long", OpsPerSec: 7.9e6,
			Ratio: 1.80, RatioLow: 1.71, RatioHigh: 1.86, Noise: 0.03, Verdict: mutexbench.Wins, ReadP99Ns: 240, ReadSamples: 10000},
	}
	for _, r := range mutexbench.Recommend(rows) {
		fmt.Printf("%g%% reads: %s (%s)\n  rests on: %s\n", r.ReadPercent, r.Choice, r.Reason, r.Figures)
	}
	// Output:
	// 90% reads: mutex (no lock beats mutex beyond the ±3% noise: take the simpler lock)
	//   rests on: mutex 4.40M ops/s; rwmutex 4.60M ops/s (1.05× [0.98–1.09] a wash); mutex read p99 250ns of 9000 samples, write p99 330ns of 1000 samples, longest writer wait 920µs
	// 100% reads: rwmutex (+80% throughput over mutex, beyond the ±3% noise)
	//   rests on: mutex 4.40M ops/s; rwmutex 7.90M ops/s (1.80× [1.71–1.86] wins); rwmutex read p99 240ns of 10000 samples, no writes timed
}

func ExampleMatrix() {
	spec := mutexbench.QuickMatrix() // the default: about 21 s on 2 cores
	// A smaller grid for the example.
	spec.ReadPercents = []float64{90, 100}
	spec.Goroutines = []int{4}
	spec.Base = mutexbench.Scenario{Ops: 2000}
	rows, err := mutexbench.Matrix(context.Background(), spec, mutexbench.WithRounds(3))
	if err != nil {
		fmt.Println("matrix:", err)
		return
	}
	r := rows[1]
	fmt.Println(len(rows), "rows; second:", r.Lock, "against", r.Baseline, "at", r.ReadPercent, "% reads,", r.Rounds, "rounds")
	// Each Row marshals to flat JSON for charts; Recommend(rows) makes the
	// decision table.
	// Output: 16 rows; second: rwmutex against mutex at 90 % reads, 3 rounds
}
