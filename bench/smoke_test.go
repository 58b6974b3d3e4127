package bench_test

import (
	"flag"
	"testing"

	"github.com/gmpkit/gmpkit/bench/internal/suite"
)

// families are the benchmark functions' names without "Benchmark".
var families = []string{"TasksTiny", "TasksSleep", "ForkJoin", "Groups", "Steal", "Locks", "Chan", "Ctx", "Metrics"}

// TestBenchmarks_EveryFamilyRunsAtTinySizes drives each benchmark family
// through testing.Benchmark, one iteration per case, so that a broken case
// or a broken harness fails the tests rather than the next study.
func TestBenchmarks_EveryFamilyRunsAtTinySizes(t *testing.T) {
	if f := flag.Lookup("test.benchtime"); f != nil {
		old := f.Value.String()
		if err := f.Value.Set("1x"); err != nil {
			t.Fatal(err)
		}
		defer f.Value.Set(old)
	}
	for _, name := range families {
		if len(suite.Bench(name, suite.SizesFor(suite.Tiny))) == 0 {
			t.Errorf("family %s has no cases", name)
			continue
		}
		failed := false
		testing.Benchmark(func(b *testing.B) {
			runBenchSized(b, name, suite.SizesFor(suite.Tiny))
			failed = b.Failed()
		})
		if failed {
			t.Errorf("benchmark family %s failed", name)
		}
	}
}
