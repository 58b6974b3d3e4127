package runtimemetrics_test

import (
	"math"
	"runtime/metrics"
	"time"

	"github.com/gmpkit/gmpkit/runtimemetrics"
)

// fakeTimeEdges mimics the runtime's time histogram boundaries: -Inf, 0,
// then four sub-buckets per octave from 64 ns to about 275 s, then +Inf.
func fakeTimeEdges() []float64 {
	e := []float64{math.Inf(-1), 0}
	for ns := int64(64); ns < 200e9; ns *= 2 {
		for q := int64(4); q < 8; q++ {
			e = append(e, float64(ns*q/4)/1e9)
		}
	}
	return append(e, math.Inf(1))
}

// fakeSizeEdges mimics the allocation-size boundaries: size class + 1.
var fakeSizeEdges = []float64{1, 9, 17, 25, 33, 49, 65, 129, 257, 513, 1025, 4097, 32769, math.Inf(1)}

const (
	fakeSched = "/sched/latencies:seconds"
	fakeSizes = "/gc/heap/allocs-by-size:bytes"
)

var fakeDescs = []metrics.Description{
	{Name: "/gc/cycles/total:gc-cycles", Description: "Count of all completed GC cycles.", Kind: metrics.KindUint64, Cumulative: true},
	{Name: "/gc/heap/goal:bytes", Description: "Heap size target for the end of the GC cycle.", Kind: metrics.KindUint64},
	{Name: fakeSizes, Description: "Distribution of heap allocations by approximate size.", Kind: metrics.KindFloat64Histogram, Cumulative: true},
	{Name: "/godebug/non-default-behavior/panicnil:events", Description: "Non-default panicnil uses.", Kind: metrics.KindUint64, Cumulative: true},
	{Name: "/godebug/non-default-behavior/tls10server:events", Description: "Non-default tls10server uses.", Kind: metrics.KindUint64, Cumulative: true},
	{Name: "/sched/goroutines:goroutines", Description: "Count of live goroutines.", Kind: metrics.KindUint64},
	{Name: fakeSched, Description: "Distribution of the time goroutines have spent runnable.", Kind: metrics.KindFloat64Histogram, Cumulative: true},
	{Name: "/sync/mutex/wait/total:seconds", Description: "Approximate cumulative time goroutines have spent blocked on a sync.Mutex.", Kind: metrics.KindFloat64, Cumulative: true},
	{Name: "/future/kind:things", Description: "A kind this package does not know.", Kind: metrics.KindBad},
}

var fakeValues = map[string]float64{
	"/gc/cycles/total:gc-cycles":                       42,
	"/gc/heap/goal:bytes":                              4 << 20,
	"/godebug/non-default-behavior/panicnil:events":    3,
	"/godebug/non-default-behavior/tls10server:events": 0,
	"/sched/goroutines:goroutines":                     17,
	"/sync/mutex/wait/total:seconds":                   1.5,
}

var fakeAt = time.Date(2100, 1, 2, 3, 4, 5, 0, time.UTC) // after any process start

// fakeCounts returns runtime bucket counts for the fake histograms: for the
// scheduler, 1 in [-Inf, 0), 100 in [64 ns, 80 ns), 50 in [1.024 µs,
// 1.28 µs), 5 in [1.048576 ms, ...), 2 in [2.147 s, ...) and 1 in the
// top, unbounded bucket.
func fakeCounts() map[string][]uint64 {
	te := fakeTimeEdges()
	sched := make([]uint64, len(te)-1)
	at := func(v float64) int { // runtime bucket holding v
		for i := 0; i < len(te)-1; i++ {
			if v >= te[i] && v < te[i+1] {
				return i
			}
		}
		panic(v)
	}
	sched[0] = 1
	sched[at(70e-9)] = 100
	sched[at(1.1e-6)] = 50
	sched[at(1.05e-3)] = 5
	sched[at(2.2)] = 2
	sched[len(sched)-1] = 1
	sizes := make([]uint64, len(fakeSizeEdges)-1)
	for i := range sizes {
		sizes[i] = uint64(10 * (i + 1))
	}
	return map[string][]uint64{fakeSched: sched, fakeSizes: sizes}
}

func newFake(opts ...runtimemetrics.Option) *runtimemetrics.Collector {
	return runtimemetrics.NewFakeCollector(fakeDescs,
		map[string][]float64{fakeSched: fakeTimeEdges(), fakeSizes: fakeSizeEdges},
		fakeValues, fakeCounts(), fakeAt, opts...)
}
