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
		panic(err)
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
		panic(err)
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

// Crossover's search can be driven by a cost model instead of real runs.
// Here RWMutex reads cost 60 ns and writes 200 ns against a Mutex's 100 ns
// for both, so RWMutex wins from 5/7 ≈ 71.4% reads. With real runs, leave
// out WithMeasure.
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
		panic(err)
	}
	fmt.Printf("found %v: from %.1f%% reads (bracket %.1f–%.1f)\n", res.Found, res.ReadPercent, res.Low, res.High)
	fmt.Println(res.Note)
	// Output:
	// found true: from 71.9% reads (bracket 71.1–71.9)
	// rwmutex beats mutex from 71.9% reads (0.995× at 71.1%, 1.006× at 71.9%); sharp: the two are within the ±3% run-to-run noise between 68.8% and 75.0% reads, where either will do
}

func ExampleRecommend() {
	rows := []mutexbench.Row{
		// Usually these come from Matrix; here, figures of the kind it returns.
		{Lock: "mutex", ReadPercent: 90, Goroutines: 8, GOMAXPROCS: 2, CS: "long", OpsPerSec: 4.4e6,
			ReadP99Ns: 250, WriteP99Ns: 330, MaxWriterWaitNs: 920e3},
		{Lock: "rwmutex", ReadPercent: 90, Goroutines: 8, GOMAXPROCS: 2, CS: "long", OpsPerSec: 4.3e6,
			ReadP99Ns: 1170, WriteP99Ns: 437e3, MaxWriterWaitNs: 6e6},
		{Lock: "mutex", ReadPercent: 100, Goroutines: 8, GOMAXPROCS: 2, CS: "long", OpsPerSec: 4.4e6,
			ReadP99Ns: 250},
		{Lock: "rwmutex", ReadPercent: 100, Goroutines: 8, GOMAXPROCS: 2, CS: "long", OpsPerSec: 7.9e6,
			ReadP99Ns: 240},
	}
	for _, r := range mutexbench.Recommend(rows) {
		fmt.Printf("%g%% reads: %s (%s) rests on: %s\n", r.ReadPercent, r.Choice, r.Reason, r.Figures)
	}
	// Output:
	// 90% reads: mutex (fastest measured) rests on: mutex 4.40M ops/s; rwmutex 4.30M ops/s (0.98×); mutex read p99 250ns, write p99 330ns, longest writer wait 920µs
	// 100% reads: rwmutex (+80% throughput over mutex) rests on: mutex 4.40M ops/s; rwmutex 7.90M ops/s (1.80×); rwmutex read p99 240ns, no writes timed
}

func ExampleMatrix() {
	spec := mutexbench.QuickMatrix() // the default: under 20 s on 2 cores
	// A smaller grid for the example.
	spec.ReadPercents = []float64{90, 100}
	spec.Goroutines = []int{4}
	spec.Base = mutexbench.Scenario{Ops: 2000}
	rows, err := mutexbench.Matrix(context.Background(), spec)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(rows), "rows; first:", rows[0].Lock, rows[0].ReadPercent, rows[0].Goroutines, rows[0].CS)
	// Each Row marshals to flat JSON for charts; Recommend(rows) makes the
	// decision table.
	// Output: 16 rows; first: mutex 90 4 short
}
