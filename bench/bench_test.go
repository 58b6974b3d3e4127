package bench_test

import (
	"errors"
	"flag"
	"testing"

	"go.uber.org/goleak"

	"github.com/gmpkit/gmpkit/bench/internal/suite"
	"github.com/gmpkit/gmpkit/bench/internal/workloads"
)

var sizesFlag = flag.String("gmpkit.sizes", "quick", "workload sizes of the benchmarks: tiny, quick (the study's default sizes) or full")

func TestMain(m *testing.M) {
	// ants starts a default pool from its init; nothing here uses it.
	workloads.ReleasePeerGlobals()
	goleak.VerifyTestMain(m)
}

func sizes(b *testing.B) suite.Sizes {
	for _, m := range []suite.Mode{suite.Tiny, suite.Quick, suite.Full} {
		if m.String() == *sizesFlag {
			return suite.SizesFor(m)
		}
	}
	b.Fatalf("-gmpkit.sizes=%q: want tiny, quick or full", *sizesFlag)
	return suite.Sizes{}
}

// BenchmarkTasksTiny runs 100k tasks of about 100 ns per op on every
// implementation, the sequential loop first (ns/task, speedup).
func BenchmarkTasksTiny(b *testing.B) { runBench(b, "TasksTiny") }

// BenchmarkTasksSleep runs many tasks of time.Sleep(10ms) per op, the
// scenario of the ants and pond READMEs, gmpkit's pool of GOMAXPROCS
// workers with Pool.Blocking included; and a small batch on the plain
// GOMAXPROCS-worker pool, which cannot keep up, against a goroutine per
// task.
func BenchmarkTasksSleep(b *testing.B) { runBench(b, "TasksSleep") }

// BenchmarkForkJoin runs fib(32) at cutoffs 20, 12 and 2 (2: gmpkit only
// unless -gmpkit.sizes=full), the unbalanced tree and the 2M-iteration
// loop at 1 and 2 workers, a merge sort of 1e6 ints and nqueens(10) at 2,
// on every fork-join implementation; the bounded ants and pond pools are
// guarded runs that skip with "deadlocks" when every worker waits on a
// queued child. The Rayon and Java anchors are outside programs that
// cmd/study runs; here they skip.
func BenchmarkForkJoin(b *testing.B) { runBench(b, "ForkJoin") }

// BenchmarkGroups runs 10k tasks of ~1 µs per op through gmpkit's Group
// and ResultGroup, errgroup (with and without SetLimit) and conc's context
// pools: all tasks returning nil, one failing early, and collecting every
// result (ns/task, vs-errgroup).
func BenchmarkGroups(b *testing.B) { runBench(b, "Groups") }

// BenchmarkSteal runs the steal experiment (4 workers, 1000 tasks, every
// third heavy) over LIFO and FIFO (thieves take half).
func BenchmarkSteal(b *testing.B) { runBench(b, "Steal") }

// BenchmarkLocks runs mutexbench's schemes and xsync.RBMutex across read
// ratios and critical-section lengths (Mops/s).
func BenchmarkLocks(b *testing.B) { runBench(b, "Locks") }

// BenchmarkChan moves values through a raw channel, safechan and the
// RWMutex-guarded wrapper with 2 producers and 2 consumers.
func BenchmarkChan(b *testing.B) { runBench(b, "Chan") }

// BenchmarkCtx builds and cancels a tree of contexts with the stdlib and
// with ctxtree.
func BenchmarkCtx(b *testing.B) { runBench(b, "Ctx") }

// BenchmarkMetrics times one scrape of client_golang's GoCollector and of
// runtimemetrics' collector.
func BenchmarkMetrics(b *testing.B) { runBench(b, "Metrics") }

// runBench runs every case of one benchmark family as a sub-benchmark,
// named so that benchstat -col /impl pivots. The baseline of a workload
// (the sequential case, or the case's Base) runs first, and the others
// report their ratio to it: speedup, or vs-<base>.
func runBench(b *testing.B, name string) { runBenchSized(b, name, sizes(b)) }

func runBenchSized(b *testing.B, name string, s suite.Sizes) {
	cases := suite.Bench(name, s)
	if len(cases) == 0 {
		b.Skipf("no %s cases: the packages they measure have not landed", name)
	}
	base := map[string]float64{}
	for _, c := range cases {
		b.Run(c.Sub, func(b *testing.B) {
			b.ReportAllocs()
			if c.External != nil {
				b.Skipf("%s is an outside program: go run ./cmd/study -only forkjoin runs it", c.Impl)
			}
			if c.Probe != nil {
				for b.Loop() {
					if _, err := c.Probe(); errors.Is(err, workloads.ErrDeadlock) {
						b.Skipf("%s: %v", c.Impl, err)
					} else if err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			inst, err := c.Setup()
			if err != nil {
				b.Fatal(err)
			}
			if inst.Close != nil {
				defer inst.Close()
			}
			for b.Loop() {
				if err := inst.Op(); err != nil {
					b.Fatal(err)
				}
			}
			if inst.Verify != nil {
				if err := inst.Verify(); err != nil {
					b.Fatal(err)
				}
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if c.Units > 0 {
				b.ReportMetric(ns/float64(c.Units), "ns/task")
			}
			if inst.Metrics != nil {
				for unit, v := range inst.Metrics() {
					b.ReportMetric(v, unit)
				}
			}
			base[c.Workload+"\x00"+c.Impl] = ns
			ref, unit := workloads.ImplSequential, "speedup"
			if c.Base != "" {
				ref, unit = c.Base, "vs-"+c.Base
			}
			if v, ok := base[c.Workload+"\x00"+ref]; ok && c.Impl != ref {
				b.ReportMetric(v/ns, unit)
			}
		})
	}
}
