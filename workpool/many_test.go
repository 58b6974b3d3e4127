package workpool_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/workpool"
)

// manyWorkers is the pool size of TestManyWorkers_BlockingTasksAllComplete:
// far more workers than CPUs, as a pool of blocking tasks needs.
func manyWorkers() int {
	if raceEnabled || testing.Short() {
		return 2000
	}
	return 10000
}

// TestManyWorkers_BlockingTasksAllComplete checks a pool of thousands of
// workers, where spinning is capped and steal passes are sampled: as many
// tasks as workers that block until all of them have started (so every
// worker must be woken and must find a task while the others block), then
// twice as many that sleep briefly. Every task runs exactly once, Wait and
// Close return, and no goroutine is left (TestMain's goleak). A fork-join
// tree on the same pool computes the right result.
func TestManyWorkers_BlockingTasksAllComplete(t *testing.T) {
	n := manyWorkers()
	p := workpool.New(workpool.WithWorkers(n))

	// Phase 1: a barrier of n tasks on n workers.
	var started atomic.Int64
	gate := make(chan struct{})
	ran := make([]atomic.Int32, 3*n)
	for i := 0; i < n; i++ {
		if err := p.Submit(func() {
			ran[i].Add(1)
			if started.Add(1) == int64(n) {
				close(gate)
			}
			<-gate
		}); err != nil {
			t.Fatalf("Submit %d: %v", i, err)
		}
	}
	// A guard against a hang, not a timing assertion: if some task never
	// starts while workers sit parked, the test fails instead of blocking.
	select {
	case <-gate:
	case <-time.After(2 * time.Minute):
		t.Fatalf("barrier: only %d of %d tasks started on %d workers", started.Load(), n, n)
	}

	// Phase 2: 2n tasks that block briefly in a sleep.
	for i := n; i < 3*n; i++ {
		if err := p.Submit(func() {
			ran[i].Add(1)
			time.Sleep(100 * time.Microsecond)
		}); err != nil {
			t.Fatalf("Submit %d: %v", i, err)
		}
	}
	if err := p.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	for i := range ran {
		if got := ran[i].Load(); got != 1 {
			t.Fatalf("task %d ran %d times, want 1", i, got)
		}
	}

	// Phase 3: fork-join across the sampled steal passes.
	var got int
	if err := p.Run(context.Background(), func(w *workpool.Worker) error {
		got = fibPool(w, 20, 6)
		return nil
	}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := fibSeq(20); got != want {
		t.Fatalf("fib(20) = %d, want %d", got, want)
	}
	st := p.Stats()
	if st.Completed != st.Submitted {
		t.Fatalf("Stats: completed %d of %d submitted", st.Completed, st.Submitted)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}
