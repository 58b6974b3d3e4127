package workloads_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gmpkit/gmpkit/mutexbench"

	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func TestMain(m *testing.M) {
	w.ReleasePeerGlobals()
	goleak.VerifyTestMain(m)
}

func TestKernels_ComputeKnownValues(t *testing.T) {
	if got := w.FibSeq(20); got != 6765 {
		t.Errorf("FibSeq(20) = %d, want 6765", got)
	}
	for n, want := range map[int]int{4: 2, 6: 4, 8: 92} {
		if got := w.NQueensSeq(n); got != want {
			t.Errorf("NQueensSeq(%d) = %d, want %d", n, got, want)
		}
	}
	a := w.RandomInts(5000)
	want := slices.Clone(a)
	slices.Sort(want)
	w.MergeSortSeq(a, make([]int, len(a)))
	if !slices.Equal(a, want) {
		t.Error("MergeSortSeq did not sort")
	}
	if w.Spin(10) == w.Spin(11) {
		t.Error("Spin ignores its argument")
	}
}

var forkImpls = []string{w.ImplSequential, w.ImplGmpkit, w.ImplGoroutines, w.ImplErrgroup, w.ImplConc}

func TestForkJoin_EveryImplementationComputesTheSequentialResult(t *testing.T) {
	input := w.RandomInts(3*w.MergeSortCutoff + 17) // forks on every level above the leaves
	sorted := slices.Clone(input)
	slices.Sort(sorted)
	for _, impl := range forkImpls {
		t.Run(impl, func(t *testing.T) {
			r, err := w.NewForkRunner(impl, 4)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var fib, queens int
			a := slices.Clone(input)
			err = r.Do(func(j w.Joiner) {
				fib = w.Fib(j, 18, 6)
				queens = w.NQueens(j, 7)
				w.MergeSort(j, a, make([]int, len(a)))
			})
			if err != nil {
				t.Fatal(err)
			}
			if fib != w.FibSeq(18) || queens != w.NQueensSeq(7) || !slices.Equal(a, sorted) {
				t.Errorf("fib %d (want %d), queens %d (want %d), sorted %v", fib, w.FibSeq(18), queens, w.NQueensSeq(7), slices.Equal(a, sorted))
			}
		})
	}
}

func TestRunner_RunsEveryTaskExactlyOnce(t *testing.T) {
	impls := []string{w.ImplSequential, w.ImplGmpkit, w.ImplGoroutines, w.ImplErrgroup,
		w.ImplAnts, w.ImplAnts10k, w.ImplPond, w.ImplConc, w.ImplChanLoop}
	for _, impl := range impls {
		t.Run(impl, func(t *testing.T) {
			r, err := w.NewRunner(impl, 3)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var n atomic.Int64
			for range 3 { // a runner is reused across ops
				if err := r.Run(500, func() { n.Add(1) }); err != nil {
					t.Fatal(err)
				}
			}
			if got := n.Load(); got != 1500 {
				t.Errorf("ran %d tasks, want 1500", got)
			}
		})
	}
}

func TestNewRunner_RejectsBadInput(t *testing.T) {
	if _, err := w.NewRunner("nope", 1); err == nil {
		t.Error("unknown implementation accepted")
	}
	if _, err := w.NewRunner(w.ImplAnts, 0); err == nil {
		t.Error("width 0 accepted")
	}
}

// With one worker, a nested wait on ants or pond can never finish: the
// worker runs a parent that waits for a child only that worker could run.
// The guarded run must say so and leave no goroutine behind.
func TestGuardedForkJoin_PoolOfOneDeadlocksAndIsReclaimed(t *testing.T) {
	for _, impl := range w.GuardedPeers {
		t.Run(impl, func(t *testing.T) {
			_, err := w.GuardedForkJoin(impl, 1, 20*time.Millisecond, func(j w.Joiner) { w.Fib(j, 14, 4) })
			if !errors.Is(err, w.ErrDeadlock) {
				t.Fatalf("err = %v, want ErrDeadlock", err)
			}
			goleak.VerifyNone(t)
		})
	}
}

func TestGuardedForkJoin_FlatWorkFinishes(t *testing.T) {
	for _, impl := range w.GuardedPeers {
		t.Run(impl, func(t *testing.T) {
			got := 0
			// One Join whose halves are leaves needs one worker at most.
			_, err := w.GuardedForkJoin(impl, 1, time.Minute, func(j w.Joiner) { got = w.Fib(j, 10, 10) })
			if err != nil || got != 55 {
				t.Fatalf("got %d, %v; want 55, nil", got, err)
			}
			goleak.VerifyNone(t)
		})
	}
	if _, err := w.GuardedForkJoin("conc", 1, time.Second, func(w.Joiner) {}); err == nil {
		t.Error("an unbounded implementation was accepted as a guarded peer")
	}
}

func TestRunChan_EveryValueReceivedExactlyOnce(t *testing.T) {
	const n = 2000
	for _, impl := range w.ChanImpls {
		t.Run(impl, func(t *testing.T) {
			sum, err := w.RunChan(impl, 3, 2, n, 4)
			if err != nil {
				t.Fatal(err)
			}
			if sum != n*(n+1)/2 {
				t.Errorf("sum = %d, want %d", sum, n*(n+1)/2)
			}
		})
	}
	if _, err := w.RunChan("nope", 1, 1, 1, 1); err == nil {
		t.Error("unknown implementation accepted")
	}
}

func TestCtxTreeOp_CancelsEveryLeafFromTheRoot(t *testing.T) {
	for _, impl := range w.CtxImpls {
		op, err := w.CtxTreeOp(impl, 3, 2)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := op(); err != nil {
				t.Errorf("%s: %v", impl, err)
			}
		}
	}
	if _, err := w.CtxTreeOp(w.CtxTree, 0, 1); err == nil {
		t.Error("fanout 0 accepted")
	}
}

func TestRBMutex_KeepsMutualExclusionUnderMutexbench(t *testing.T) {
	s := mutexbench.Scenario{ReadPercent: 70, Goroutines: 4, Ops: 4000, Duration: time.Minute,
		ReadWork: 50 * time.Nanosecond, WriteWork: 50 * time.Nanosecond}
	r, err := mutexbench.Run(context.Background(), s, w.RBMutex())
	if err != nil {
		t.Fatal(err)
	}
	if r.Violations != 0 || r.Writes == 0 || r.Reads == 0 {
		t.Errorf("violations %d, reads %d, writes %d", r.Violations, r.Reads, r.Writes)
	}
	names := map[string]bool{}
	for _, l := range w.LockSchemes() {
		names[l.Name] = true
	}
	for _, want := range []string{"mutex", "rwmutex", "rbmutex"} {
		if !names[want] {
			t.Errorf("LockSchemes lacks %q", want)
		}
	}
}
