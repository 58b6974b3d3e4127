package suite

import (
	"fmt"
	"slices"
	"time"

	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func init() { builders["forkjoin"] = forkjoinCases }

// ForkImpls are the implementations of the fork-join family, the
// sequential floor first: the plain sequential program (FibSeq,
// MergeSortSeq, NQueensSeq), which the parallel versions split at the
// workload's cutoff. The bounded peers (w.GuardedPeers) are probed.
var ForkImpls = []string{w.ImplSequential, w.ImplGmpkit, w.ImplGoroutines, w.ImplErrgroup, w.ImplConc}

// forkWorkload is one fork-join workload: a fresh computation per op.
type forkWorkload struct {
	name  string
	impls []string
	// prepare returns the op body written against a Joiner, the plain
	// sequential program it parallelises (the floor: no Joiner, no
	// closures, the same leaves), and a check of the last result of either.
	prepare func() (run func(w.Joiner), seq func(), verify func() error)
}

func forkWorkloads(s Sizes) []forkWorkload {
	var ws []forkWorkload
	want := w.FibSeq(s.FibN)
	fib := func(cutoff int, impls []string) forkWorkload {
		return forkWorkload{
			name: fmt.Sprintf("fib%d-cutoff%d", s.FibN, cutoff), impls: impls,
			prepare: func() (func(w.Joiner), func(), func() error) {
				var got int
				return func(j w.Joiner) { got = w.Fib(j, s.FibN, cutoff) },
					func() { got = w.FibSeq(s.FibN) },
					func() error {
						if got != want {
							return fmt.Errorf("fib(%d) = %d, want %d", s.FibN, got, want)
						}
						return nil
					}
			},
		}
	}
	for _, c := range s.FibCutoffs {
		ws = append(ws, fib(c, ForkImpls))
	}
	for _, c := range s.FibGmpkit {
		ws = append(ws, fib(c, []string{w.ImplSequential, w.ImplGmpkit}))
	}
	input := w.RandomInts(s.SortN)
	ws = append(ws, forkWorkload{
		name: fmt.Sprintf("mergesort-%s", countName(s.SortN)), impls: ForkImpls,
		prepare: func() (func(w.Joiner), func(), func() error) {
			a, tmp := make([]int, len(input)), make([]int, len(input))
			return func(j w.Joiner) {
					copy(a, input)
					w.MergeSort(j, a, tmp)
				}, func() {
					copy(a, input)
					w.MergeSortSeq(a, tmp)
				}, func() error {
					if !slices.IsSorted(a) {
						return fmt.Errorf("mergesort: result not sorted")
					}
					return nil
				}
		},
	})
	wantQ := w.NQueensSeq(s.Queens)
	ws = append(ws, forkWorkload{
		name: fmt.Sprintf("nqueens%d", s.Queens), impls: ForkImpls,
		prepare: func() (func(w.Joiner), func(), func() error) {
			var got int
			return func(j w.Joiner) { got = w.NQueens(j, s.Queens) },
				func() { got = w.NQueensSeq(s.Queens) },
				func() error {
					if got != wantQ {
						return fmt.Errorf("nqueens(%d) = %d, want %d", s.Queens, got, wantQ)
					}
					return nil
				}
		},
	})
	return ws
}

func forkjoinCases(s Sizes) []Case {
	var cs []Case
	for _, fw := range forkWorkloads(s) {
		for _, impl := range fw.impls {
			cs = append(cs, Case{
				Study: "forkjoin", Bench: "ForkJoin", Sub: "workload=" + fw.name + "/impl=" + impl,
				Workload: fw.name, Impl: impl,
				Setup: func() (*Instance, error) {
					run, seq, verify := fw.prepare()
					if impl == w.ImplSequential {
						return &Instance{Op: func() error { seq(); return nil }, Verify: verify}, nil
					}
					r, err := w.NewForkRunner(impl, Workers())
					if err != nil {
						return nil, err
					}
					return &Instance{Op: func() error { return r.Do(run) }, Verify: verify, Close: r.Close}, nil
				},
			})
		}
		if !slices.Equal(fw.impls, ForkImpls) {
			continue // gmpkit-only workloads have no probes
		}
		for _, impl := range w.GuardedPeers {
			cs = append(cs, Case{
				Study: "forkjoin", Bench: "ForkJoin", Sub: "workload=" + fw.name + "/impl=" + impl,
				Workload: fw.name, Impl: impl,
				Probe: func() (time.Duration, error) {
					run, _, verify := fw.prepare()
					d, err := w.GuardedForkJoin(impl, Workers(), s.ProbeTimeout, run)
					if err == nil {
						err = verify()
					}
					return d, err
				},
			})
		}
	}
	return cs
}

// countName writes n as the issue does: 1e6, 20000.
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

func pow10(e int) int {
	p := 1
	for range e {
		p *= 10
	}
	return p
}
