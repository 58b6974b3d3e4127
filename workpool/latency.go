package workpool

import (
	"math"
	"runtime/metrics"
	"sort"
	"sync/atomic"
	"time"
)

// latencyEdges are the bucket boundaries of the latency histograms, in
// seconds: 0, then 1-2-5 steps from 100 ns to 50 s, then +Inf. Fixed, so
// that histograms from different pools and scrapes add up.
var latencyEdges = func() []float64 {
	edges := []float64{0}
	for exp := 7; exp >= -1; exp-- { // 1e-7 ... 1e1, as exact decimals
		scale := math.Pow10(exp)
		edges = append(edges, 1/scale, 2/scale, 5/scale)
	}
	return append(edges, math.Inf(1))
}()

// nLatency is the number of buckets.
var nLatency = len(latencyEdges) - 1

// LatencyBuckets returns the bucket boundaries, in seconds, of the
// histograms in [Stats.QueueWait] and [Stats.RunTime].
func LatencyBuckets() []float64 { return append([]float64(nil), latencyEdges...) }

const maxLatencyBuckets = 32

// latency holds a proc's sampled queue-wait and run-time histograms. The
// owner adds to them; Stats reads them.
type latency struct {
	wait [maxLatencyBuckets]atomic.Uint64
	run  [maxLatencyBuckets]atomic.Uint64
}

type latencyCounts [maxLatencyBuckets]uint64

var epoch = time.Now()

// nanotime returns the monotonic time since the package was loaded, plus
// one, so that a stamp is never zero.
func nanotime() int64 { return int64(time.Since(epoch)) + 1 }

func latencyBucket(d int64) int {
	s := float64(d) / 1e9
	return sort.SearchFloat64s(latencyEdges[1:], math.Nextafter(s, math.Inf(1)))
}

// started records the queue wait of a task stamped at submission and
// returns its start time.
func (l *latency) started(stamp int64) int64 {
	now := nanotime()
	l.wait[latencyBucket(now-stamp)].Add(1)
	return now
}

// ran records the run time of a task started at start.
func (l *latency) ran(start int64) {
	l.run[latencyBucket(nanotime()-start)].Add(1)
}

func (l *latency) addTo(wait, run *latencyCounts) {
	for i := 0; i < nLatency; i++ {
		wait[i] += l.wait[i].Load()
		run[i] += l.run[i].Load()
	}
}

func (c *latencyCounts) histogram() *metrics.Float64Histogram {
	return &metrics.Float64Histogram{
		Counts:  append([]uint64(nil), c[:nLatency]...),
		Buckets: LatencyBuckets(),
	}
}
