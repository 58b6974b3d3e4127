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
	"github.com/gmpkit/gmpkit/workpool"

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

// smallTree is StudyTree with a small root fan-out: a few thousand nodes.
var smallTree = w.Tree{B0: 20, M: w.StudyTree.M, Threshold: w.StudyTree.Threshold, Rounds: 4, Seed: w.StudyTree.Seed}

func TestForkJoin_EveryImplementationComputesTheSequentialResult(t *testing.T) {
	input := w.RandomInts(3*w.MergeSortCutoff + 17) // forks on every level above the leaves
	sorted := slices.Clone(input)
	slices.Sort(sorted)
	wantTree := smallTree.Seq()
	for _, impl := range forkImpls {
		t.Run(impl, func(t *testing.T) {
			r, err := w.NewForkRunner(impl, 4)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var fib, queens int
			var tree w.TreeSum
			a := make([]int, len(input))
			for _, b := range []w.Body{w.FibBody(18, 6, &fib), w.NQueensBody(7, &queens),
				w.MergeSortBody(input, a, make([]int, len(a))), w.TreeBody(smallTree, &tree)} {
				if err := r.Do(b); err != nil {
					t.Fatal(err)
				}
			}
			if fib != w.FibSeq(18) || queens != w.NQueensSeq(7) || !slices.Equal(a, sorted) || tree != wantTree {
				t.Errorf("fib %d (want %d), queens %d (want %d), sorted %v, tree %v (want %v)",
					fib, w.FibSeq(18), queens, w.NQueensSeq(7), slices.Equal(a, sorted), tree, wantTree)
			}
		})
	}
}

// The study tree's size and checksum are part of its definition: the Rust
// and Java anchors print the same, and the study checks them against Go's.
func TestTree_StudyTreeHasItsPublishedCountAndChecksum(t *testing.T) {
	if testing.Short() {
		t.Skip("visits 522 801 nodes")
	}
	got := w.StudyTree.Seq()
	if got.Count != w.StudyTreeNodes || got.Checksum != w.StudyTreeChecksum {
		t.Errorf("StudyTree.Seq() = %v, want %d:%d", got, uint64(w.StudyTreeNodes), uint64(w.StudyTreeChecksum))
	}
	if got.String() != "522801:12299782486361768033" || w.StudyTree.Args() != "3000,8,534723428,56,3" {
		t.Errorf("the anchors' forms: %s, %s", got, w.StudyTree.Args())
	}
}

func TestLooper_EveryImplementationFillsEveryIndex(t *testing.T) {
	const n, rounds = 10_007, 3
	want := make([]uint64, n)
	w.LoopSeq(want, rounds)
	for _, impl := range forkImpls {
		for _, workers := range []int{1, 3} {
			l, err := w.NewLooper(impl, workers)
			if err != nil {
				t.Fatal(err)
			}
			out := make([]uint64, n)
			if err := l.Fill(out, rounds); err != nil || !slices.Equal(out, want) {
				t.Errorf("%s/%d workers: err %v, equal %v", impl, workers, err, slices.Equal(out, want))
			}
			l.Close()
		}
	}
	if _, err := w.NewLooper("nope", 1); err == nil {
		t.Error("unknown implementation accepted")
	}
}

func TestRunner_RunsEveryTaskExactlyOnce(t *testing.T) {
	impls := []string{w.ImplSequential, w.ImplGmpkit, w.ImplGmpkitPlain, w.ImplGoroutines, w.ImplErrgroup,
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

// Tasks that block in Pool.Blocking on a pool of two workers all run,
// once each, while more of them sleep at once than there are workers.
func TestBlockingRunner_RunsEveryBlockingTaskOnce(t *testing.T) {
	r := w.NewGmpkitBlockingRunner(2, 64)
	defer r.Close()
	var n, asleep, most atomic.Int64
	task := func() {
		k := asleep.Add(1)
		for m := most.Load(); k > m && !most.CompareAndSwap(m, k); m = most.Load() {
		}
		time.Sleep(2 * time.Millisecond)
		asleep.Add(-1)
		n.Add(1)
	}
	for range 2 {
		if err := r.Run(40, task); err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() != 80 || most.Load() <= 2 {
		t.Errorf("ran %d tasks (want 80), at most %d asleep at once (want more than the 2 workers)", n.Load(), most.Load())
	}
}

func TestGrouper_EveryImplementationRunsCollectsAndFailsEarly(t *testing.T) {
	const n = 300
	ctx := context.Background()
	for _, impl := range w.GroupImpls {
		t.Run(impl, func(t *testing.T) {
			g, err := w.NewGrouper(impl)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			var ran atomic.Int64
			if err := g.Run(ctx, n, func(context.Context, int) error { ran.Add(1); return nil }); err != nil || ran.Load() != n {
				t.Errorf("Run: %v, %d tasks ran (want %d)", err, ran.Load(), n)
			}
			err = g.Run(ctx, n, func(ctx context.Context, i int) error {
				if i == 3 {
					return w.ErrEarly
				}
				return nil
			})
			if !errors.Is(err, w.ErrEarly) {
				t.Errorf("Run with a failing task returned %v", err)
			}
			got, err := g.Collect(ctx, n, func(_ context.Context, i int) (int, error) { return i * i, nil })
			if !w.GroupKeepsOrder(impl) {
				slices.Sort(got)
			}
			for i, v := range got {
				if v != i*i {
					t.Fatalf("Collect: result %d is %d, want %d", i, v, i*i)
				}
			}
			if err != nil || len(got) != n {
				t.Errorf("Collect: %v, %d results", err, len(got))
			}
		})
	}
	if _, err := w.NewGrouper("nope"); err == nil {
		t.Error("unknown implementation accepted")
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

// BenchmarkFibForms measures why gmpkit's fib has a concrete copy: the
// generic Fib instantiated with *workpool.Worker against FibWorker, at
// cutoff 2 on one worker, where the cost of a fork is most of the time.
func BenchmarkFibForms(b *testing.B) {
	p := workpool.New(workpool.WithWorkers(1))
	defer p.Close()
	for _, form := range []struct {
		name string
		fib  func(*workpool.Worker, int, int) int
	}{{"generic", w.Fib[*workpool.Worker]}, {"concrete", w.FibWorker}} {
		b.Run("form="+form.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = p.Run(context.Background(), func(wk *workpool.Worker) error {
					if form.fib(wk, 32, 2) != 2178309 {
						b.Fatal("wrong fib(32)")
					}
					return nil
				})
			}
		})
	}
}
