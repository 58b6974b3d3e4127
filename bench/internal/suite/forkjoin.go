package suite

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func init() { builders["forkjoin"] = forkjoinCases }

// ForkImpls are the parallel implementations of the fork-join family. Every
// workload also runs the sequential program (FibSeq, MergeSortSeq,
// NQueensSeq, Tree.Seq, LoopSeq) first, the floor that speedup divides; the
// bounded peers (w.GuardedPeers) are probed on the recursive workloads.
var ForkImpls = []string{w.ImplGmpkit, w.ImplGoroutines, w.ImplErrgroup, w.ImplConc}

// forkWorkload is one fork-join workload.
type forkWorkload struct {
	name     string
	impls    []string // parallel implementations
	workers  []int    // worker counts each of them runs at
	wideOnly []string // further implementations, run at the widest worker count only
	probes   bool     // probe the bounded peers (recursive workloads)
	// prepare returns the state of fresh ops: a fork-join body or a
	// parallel loop, the sequential program, and a check of the last result.
	prepare func() forkState
}

type forkState struct {
	body   w.Body               // the fork-join computation (recursive workloads)
	loop   func(w.Looper) error // the parallel loop (the loop workload)
	seq    func()
	verify func() error
}

// check returns a verify function comparing *got with want(), which is
// computed once, on first use: listing the cases costs nothing.
func check[T comparable](what string, got *T, want func() T) func() error {
	return func() error {
		if w := want(); *got != w {
			return fmt.Errorf("%s = %v, want %v", what, *got, w)
		}
		return nil
	}
}

// FibName, TreeName and LoopName are the fork-join workloads' names, which
// the anchors' rows take too.
func FibName(n, cutoff int) string { return fmt.Sprintf("fib%d-cutoff%d", n, cutoff) }

// TreeName is the unbalanced tree's workload name.
const TreeName = "uts"

// LoopName is the parallel loop's workload name: "loop-2M".
func LoopName(n int) string { return "loop-" + shortCount(n) }

func forkWorkloads(s Sizes) []forkWorkload {
	var ws []forkWorkload
	want := sync.OnceValue(func() int { return w.FibSeq(s.FibN) })
	fib := func(cutoff int, impls []string, workers []int, probes bool) forkWorkload {
		return forkWorkload{name: FibName(s.FibN, cutoff), impls: impls, workers: workers, probes: probes,
			prepare: func() forkState {
				var got int
				return forkState{body: w.FibBody(s.FibN, cutoff, &got), seq: func() { got = w.FibSeq(s.FibN) },
					verify: check(fmt.Sprintf("fib(%d)", s.FibN), &got, want)}
			}}
	}
	wide := []int{slices.Max(s.ForkWorkers)}
	for _, c := range s.FibCutoffs {
		ws = append(ws, fib(c, ForkImpls, s.ForkWorkers, true))
	}
	// The fine cutoffs fork millions of times: the goroutine-per-fork
	// peers take seconds an op there, so they run only in full mode and
	// at the widest worker count; and nothing is probed, since a bounded
	// pool deadlocks on the same recursion at the coarse cutoffs already.
	for _, c := range s.FibFine {
		fw := fib(c, []string{w.ImplGmpkit}, s.ForkWorkers, false)
		if s.FibFinePeers {
			fw.wideOnly = slices.DeleteFunc(slices.Clone(ForkImpls), func(impl string) bool { return impl == w.ImplGmpkit })
		}
		ws = append(ws, fw)
	}
	input := w.RandomInts(s.SortN)
	ws = append(ws, forkWorkload{name: "mergesort-" + countName(s.SortN), impls: ForkImpls, workers: wide, probes: true,
		prepare: func() forkState {
			a, tmp := make([]int, len(input)), make([]int, len(input))
			return forkState{
				body: w.MergeSortBody(input, a, tmp),
				seq:  func() { copy(a, input); w.MergeSortSeq(a, tmp) },
				verify: func() error {
					if !slices.IsSorted(a) {
						return fmt.Errorf("mergesort: result not sorted")
					}
					return nil
				}}
		}})
	wantQ := sync.OnceValue(func() int { return w.NQueensSeq(s.Queens) })
	ws = append(ws, forkWorkload{name: fmt.Sprintf("nqueens%d", s.Queens), impls: ForkImpls, workers: wide, probes: true,
		prepare: func() forkState {
			var got int
			return forkState{body: w.NQueensBody(s.Queens, &got), seq: func() { got = w.NQueensSeq(s.Queens) },
				verify: check(fmt.Sprintf("nqueens(%d)", s.Queens), &got, wantQ)}
		}})
	return append(ws, treeWorkload(s), loopWorkload(s))
}

func treeWorkload(s Sizes) forkWorkload {
	want := sync.OnceValue(s.Tree.Seq)
	return forkWorkload{name: TreeName, impls: ForkImpls, workers: s.ForkWorkers, probes: true,
		prepare: func() forkState {
			var got w.TreeSum
			return forkState{body: w.TreeBody(s.Tree, &got), seq: func() { got = s.Tree.Seq() },
				verify: check("tree", &got, want)}
		}}
}

func loopWorkload(s Sizes) forkWorkload {
	want := sync.OnceValue(func() uint64 { return LoopChecksum(s.LoopN, s.LoopRounds) })
	return forkWorkload{name: LoopName(s.LoopN), impls: ForkImpls, workers: s.ForkWorkers,
		prepare: func() forkState {
			out := make([]uint64, s.LoopN)
			var got uint64
			return forkState{
				loop: func(l w.Looper) error {
					clear(out)
					err := l.Fill(out, s.LoopRounds)
					got = w.XOR(out)
					return err
				},
				seq:    func() { w.LoopSeq(out, s.LoopRounds); got = w.XOR(out) },
				verify: check("loop checksum", &got, want)}
		}}
}

func forkjoinCases(s Sizes) []Case {
	cs := forkjoinGoCases(s)
	for i := range cs {
		cs[i].Benchtime = s.ManyBenchtime
	}
	return append(cs, anchorCases(s)...)
}

func forkjoinGoCases(s Sizes) []Case {
	var cs []Case
	for _, fw := range forkWorkloads(s) {
		cs = append(cs, Case{
			Study: "forkjoin", Bench: "ForkJoin", Sub: "workload=" + fw.name + "/impl=" + w.ImplSequential,
			Workload: fw.name, Impl: w.ImplSequential,
			Setup: func() (*Instance, error) {
				st := fw.prepare()
				return &Instance{Op: func() error { st.seq(); return nil }, Verify: st.verify}, nil
			},
		})
		for _, n := range fw.workers {
			for _, impl := range fw.impls {
				cs = append(cs, forkCase(fw, impl, n))
			}
		}
		wide := slices.Max(fw.workers)
		for _, impl := range fw.wideOnly {
			cs = append(cs, forkCase(fw, impl, wide))
		}
		if fw.probes {
			for _, impl := range w.GuardedPeers {
				cs = append(cs, probeCase(fw, impl, wide, s.ProbeTimeout))
			}
		}
	}
	return cs
}

// forkSub is a parallel fork-join case's name below ForkJoin/.
func forkSub(workload string, workers int, impl string) string {
	return "workload=" + workload + "/workers=" + strconv.Itoa(workers) + "/impl=" + impl
}

// forkCase runs fw on impl with workers workers: GOMAXPROCS is set to
// workers while the case runs (the only knob of the goroutine-per-fork
// peers), and gmpkit's pool has workers workers.
func forkCase(fw forkWorkload, impl string, workers int) Case {
	return Case{
		Study: "forkjoin", Bench: "ForkJoin", Sub: forkSub(fw.name, workers, impl),
		Workload: fw.name, Impl: impl, Params: map[string]string{"workers": strconv.Itoa(workers)},
		Setup: func() (*Instance, error) {
			st := fw.prepare()
			restore := setProcs(workers)
			if st.loop != nil {
				l, err := w.NewLooper(impl, workers)
				if err != nil {
					restore()
					return nil, err
				}
				return &Instance{Op: func() error { return st.loop(l) }, Verify: st.verify,
					Close: func() { l.Close(); restore() }}, nil
			}
			r, err := w.NewForkRunner(impl, workers)
			if err != nil {
				restore()
				return nil, err
			}
			return &Instance{Op: func() error { return r.Do(st.body) }, Verify: st.verify,
				Close: func() { r.Close(); restore() }}, nil
		},
	}
}

func probeCase(fw forkWorkload, impl string, workers int, timeout time.Duration) Case {
	return Case{
		Study: "forkjoin", Bench: "ForkJoin", Sub: forkSub(fw.name, workers, impl),
		Workload: fw.name, Impl: impl, Params: map[string]string{"workers": strconv.Itoa(workers)},
		Probe: func() (time.Duration, error) {
			st := fw.prepare()
			defer setProcs(workers)()
			d, err := w.GuardedForkJoin(impl, workers, timeout, st.body.Joiner)
			if err == nil {
				err = st.verify()
			}
			return d, err
		},
	}
}

// LoopChecksum is the loop's expected checksum: XOR of Hash(i, rounds) for
// i in [0, n).
func LoopChecksum(n, rounds int) uint64 {
	var x uint64
	for i := range n {
		x ^= w.Hash(uint64(i), rounds)
	}
	return x
}

// setProcs sets GOMAXPROCS to n and returns the function that restores it.
func setProcs(n int) func() {
	prev := runtime.GOMAXPROCS(n)
	return func() { runtime.GOMAXPROCS(prev) }
}

// countName writes n compactly: 1e6, 20000.
func countName(n int) string {
	e := 0
	for m := n; m >= 10 && m%10 == 0; m /= 10 {
		e++
	}
	if e >= 3 && n == pow10(e) {
		return fmt.Sprintf("1e%d", e)
	}
	return fmt.Sprint(n)
}

// shortCount writes n with a k or M suffix where it divides: 2M, 20k.
func shortCount(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

func pow10(e int) int {
	p := 1
	for range e {
		p *= 10
	}
	return p
}
