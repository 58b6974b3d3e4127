package mutexbench_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gmpkit/gmpkit/mutexbench"
)

// BenchmarkLocks runs every lock over the quick matrix, one sub-benchmark
// per lock and cell, named so that benchstat pivots by lock:
//
//	go test -run '^$' -bench Locks -count 6 ./mutexbench | benchstat -col /lock -
//
// The locks of one cell run back to back (the sub-benchmark is named
// "lock=.../read=..." in one b.Run, cell-major), so that the load of a shared
// machine drifting over minutes hits every lock alike instead of biasing
// whichever lock ran during a busy spell.
//
// b.N operations are spread over the cell's goroutines at the GOMAXPROCS
// set by -cpu. Besides ns/op (wall time per operation, all goroutines
// together) it reports read and write p99, the longest writer wait, and the
// runtime's mutex wait per operation.
func BenchmarkLocks(b *testing.B) {
	q := mutexbench.QuickMatrix()
	for _, cs := range q.CriticalSections {
		for _, g := range q.Goroutines {
			for _, rp := range q.ReadPercents {
				for _, l := range q.Locks {
					name := fmt.Sprintf("lock=%s/read=%g/goroutines=%d/cs=%s", l.Name, rp, g, cs.Name)
					b.Run(name, func(b *testing.B) {
						s := q.Base
						s.Duration = 0
						s.ReadPercent, s.Goroutines, s.ReadWork, s.WriteWork = rp, g, cs.Read, cs.Write
						benchRun(b, s, l)
					})
				}
			}
		}
	}
}

func benchRun(b *testing.B, s mutexbench.Scenario, l mutexbench.Lock) {
	b.ReportAllocs()
	s.Ops = b.N
	b.ResetTimer()
	r, err := mutexbench.Run(context.Background(), s, l)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if r.Violations != 0 {
		b.Fatalf("%s broke the invariant %d times", l.Name, r.Violations)
	}
	b.ReportMetric(float64(r.ReadLatency.P99), "read-p99-ns")
	b.ReportMetric(float64(r.WriteLatency.P99), "write-p99-ns")
	b.ReportMetric(float64(r.MaxWriterWait), "max-writer-wait-ns")
	b.ReportMetric(float64(r.MutexWait)/float64(b.N), "mutex-wait-ns/op")
}
