package runtimemetrics

import (
	"fmt"
	"math"
	"slices"
)

// A BucketLayout says which bucket upper bounds a runtime histogram gets
// when it becomes a Prometheus histogram. Build one with [PowersOf],
// [FactorBuckets], [ExplicitBuckets] or [RuntimeBuckets]; the zero value is
// invalid.
//
// The runtime's histograms have fixed, fine buckets (162 for time
// histograms, 68 for allocation sizes). A layout never splits one: each
// requested bound is moved up to the nearest runtime bucket boundary at or
// above it, and bounds that land on the same boundary merge. Bucket counts
// are therefore exact sums of runtime buckets, never interpolated, and the
// le labels are the runtime's boundaries (for seconds, the Go 1.26 runtime's
// nearest boundary above 1 ms is 1.048576 ms). For the bytes unit the
// runtime's boundaries are size+1 (a bucket [lo, hi) holds integer sizes
// lo..hi-1), so le is hi-1: powers of two then come out exact, 8, 16, 32.
// Requested bounds above the runtime's largest finite boundary are dropped;
// everything above the largest kept bound is in the +Inf bucket.
type BucketLayout struct {
	kind   layoutKind
	bounds []float64 // requested, ascending (explicit and generated)
}

// MaxLayoutBounds bounds the number of bounds a generated layout may
// request, so that a factor barely above 1 is an error rather than a very
// long loop. Runtime histograms have at most a few hundred buckets, so no
// useful layout comes near it.
const MaxLayoutBounds = 10000

type layoutKind uint8

const (
	layoutInvalid layoutKind = iota
	layoutRuntime
	layoutBounds
)

// RuntimeBuckets keeps every one of the runtime's own buckets: the finest
// resolution a runtime histogram has, and the most series. The result is a
// classic Prometheus histogram, one series per bucket, not a Prometheus
// native histogram. Kept for every time histogram, the runtime's buckets
// need more series than [DefaultMaxSeries] allows.
func RuntimeBuckets() BucketLayout { return BucketLayout{kind: layoutRuntime} }

// PowersOf requests the bounds base^k, for every integer k, that lie in
// [lo, hi]. PowersOf(10, 1e-7, 100) is the default for seconds, and
// PowersOf(2, 1, 1<<15) covers every allocation size class. It panics if
// base <= 1, lo <= 0, hi < lo, any argument is not finite, or the range
// holds more than [MaxLayoutBounds] powers.
func PowersOf(base, lo, hi float64) BucketLayout {
	if !(base > 1) || !(lo > 0) || !(hi >= lo) || math.IsInf(base, 0) || math.IsInf(hi, 0) {
		panic(fmt.Sprintf("runtimemetrics: PowersOf called with base %v, lo %v, hi %v (want base > 1, 0 < lo <= hi, all finite)", base, lo, hi))
	}
	if n := math.Log(hi/lo)/math.Log(base) + 1; n > MaxLayoutBounds {
		panic(fmt.Sprintf("runtimemetrics: PowersOf called with base %v, lo %v, hi %v: about %.0f bounds, more than MaxLayoutBounds (%d)", base, lo, hi, n, MaxLayoutBounds))
	}
	k := math.Floor(math.Log(lo)/math.Log(base)) - 1
	var b []float64
	for ; ; k++ {
		v := math.Pow(base, k)
		if v > hi*(1+1e-12) {
			break
		}
		if v >= lo*(1-1e-12) {
			b = append(b, v)
		}
	}
	if len(b) == 0 {
		panic(fmt.Sprintf("runtimemetrics: PowersOf called with base %v, lo %v, hi %v: no power of base in [lo, hi]", base, lo, hi))
	}
	return BucketLayout{kind: layoutBounds, bounds: b}
}

// FactorBuckets requests the bounds start, start*factor, start*factor², ...
// up to and including hi. It panics if start <= 0, factor <= 1, hi < start,
// any argument is not finite, or that makes more than [MaxLayoutBounds]
// bounds.
func FactorBuckets(start, factor, hi float64) BucketLayout {
	if !(start > 0) || !(factor > 1) || !(hi >= start) || math.IsInf(factor, 0) || math.IsInf(hi, 0) {
		panic(fmt.Sprintf("runtimemetrics: FactorBuckets called with start %v, factor %v, hi %v (want start > 0, factor > 1, hi >= start, all finite)", start, factor, hi))
	}
	if n := math.Log(hi/start)/math.Log(factor) + 1; n > MaxLayoutBounds {
		panic(fmt.Sprintf("runtimemetrics: FactorBuckets called with start %v, factor %v, hi %v: about %.0f bounds, more than MaxLayoutBounds (%d)", start, factor, hi, n, MaxLayoutBounds))
	}
	var b []float64
	for v := start; v <= hi*(1+1e-12); v *= factor {
		b = append(b, v)
	}
	return BucketLayout{kind: layoutBounds, bounds: b}
}

// ExplicitBuckets requests exactly the given bounds. It panics unless there
// are 1 to [MaxLayoutBounds] bounds, finite and strictly ascending.
func ExplicitBuckets(bounds ...float64) BucketLayout {
	if len(bounds) == 0 || len(bounds) > MaxLayoutBounds {
		panic(fmt.Sprintf("runtimemetrics: ExplicitBuckets called with %d bounds (want 1 to MaxLayoutBounds)", len(bounds)))
	}
	for i, v := range bounds {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			panic(fmt.Sprintf("runtimemetrics: ExplicitBuckets called with non-finite bound %v at index %d", v, i))
		}
		if i > 0 && !(v > bounds[i-1]) {
			panic(fmt.Sprintf("runtimemetrics: ExplicitBuckets called with bound %v at index %d not above %v", v, i, bounds[i-1]))
		}
	}
	return BucketLayout{kind: layoutBounds, bounds: slices.Clone(bounds)}
}

// DefaultSecondsBuckets is the layout of time histograms unless
// [WithBuckets] says otherwise: powers of ten from 100 ns to 100 s, which
// after snapping to the runtime's boundaries gives 10 finite buckets, from
// le=1.28e-07 to le=103.08, three of them above 1 s (about 1.07 s, 10.7 s
// and 103 s). client_golang's Go collector stops at 1 s and puts every
// longer wait in +Inf, which hides exactly the scheduler stalls and GC
// pauses one wants to see.
func DefaultSecondsBuckets() BucketLayout { return PowersOf(10, 1e-7, 100) }

// DefaultBytesBuckets is the layout of size histograms unless
// [WithBuckets] says otherwise: every power of two, which is also what
// client_golang uses (8 B to 32 KiB: 13 finite buckets with Go 1.26's size
// classes).
func DefaultBytesBuckets() BucketLayout { return PowersOf(2, 1, 1<<62) }

// String describes the layout, such as "runtime" or "bounds[1e-08 ... 100]".
func (l BucketLayout) String() string {
	switch l.kind {
	case layoutRuntime:
		return "runtime"
	case layoutBounds:
		if len(l.bounds) <= 3 {
			return fmt.Sprintf("bounds%v", l.bounds)
		}
		return fmt.Sprintf("bounds[%v ... %v] (%d)", l.bounds[0], l.bounds[len(l.bounds)-1], len(l.bounds))
	}
	return "invalid"
}

// histPlan is how one runtime histogram maps onto Prometheus buckets. It is
// computed once: runtime/metrics guarantees a histogram's boundaries never
// change for the life of the process.
type histPlan struct {
	edges []float64 // runtime boundaries, len = runtime buckets + 1
	le    []float64 // reported upper bounds, finite, strictly ascending
	to    []int32   // runtime bucket i -> Prometheus bucket j; j == len(le) is +Inf
	mid   []float64 // sum estimator: the value each observation of runtime bucket i counts as
}

// planHistogram maps the runtime boundaries edges (ascending, possibly
// starting at -Inf and ending at +Inf) onto layout. integer says that the
// observations are integers, so a bucket [lo, hi) is reported as le=hi-1.
func planHistogram(edges []float64, layout BucketLayout, integer bool) histPlan {
	n := len(edges) - 1 // runtime buckets
	p := histPlan{edges: edges, to: make([]int32, n), mid: make([]float64, n)}
	report := func(hi float64) float64 {
		if integer {
			return hi - 1
		}
		return hi
	}
	chosen := chooseEdges(edges, layout, report)
	p.le = make([]float64, len(chosen))
	for j, k := range chosen {
		p.le[j] = report(edges[k])
	}
	// Runtime bucket i is [edges[i], edges[i+1]); it belongs to the first
	// chosen edge at or above its upper edge.
	j := 0
	for i := 0; i < n; i++ {
		for j < len(chosen) && chosen[j] < i+1 {
			j++
		}
		p.to[i] = int32(j)
		p.mid[i] = midpoint(edges[i], edges[i+1], integer)
	}
	return p
}

// chooseEdges returns the indices, ascending, of the runtime boundaries that
// become upper bounds under layout: for each requested bound, the smallest
// finite boundary (after the first) whose reported value is at or above it.
func chooseEdges(edges []float64, layout BucketLayout, report func(float64) float64) []int {
	var cand []int // indices into edges
	for k := 1; k < len(edges); k++ {
		if !math.IsInf(edges[k], 0) {
			cand = append(cand, k)
		}
	}
	if layout.kind == layoutRuntime {
		return cand
	}
	var chosen []int
	ci := 0
	for _, want := range layout.bounds {
		// Allow for rounding in generated bounds such as math.Pow(10, -3).
		for ci < len(cand) && report(edges[cand[ci]]) < want-math.Abs(want)*1e-9 {
			ci++
		}
		if ci == len(cand) {
			break
		}
		if len(chosen) == 0 || chosen[len(chosen)-1] != cand[ci] {
			chosen = append(chosen, cand[ci])
		}
	}
	return chosen
}

// midpoint is the value each observation of the runtime bucket [lo, hi)
// counts as in the sum estimate: the middle of the bucket (of the integers
// lo..hi-1 when integer is set), or its finite edge when it is unbounded.
func midpoint(lo, hi float64, integer bool) float64 {
	switch {
	case math.IsInf(lo, -1) && math.IsInf(hi, 1):
		return 0
	case math.IsInf(lo, -1):
		return hi
	case math.IsInf(hi, 1):
		return lo
	case integer:
		return lo + (hi-1-lo)/2
	}
	return lo + (hi-lo)/2
}

// fold sets dst (len(p.le)+1 entries: the Prometheus buckets, not
// cumulative, the last one +Inf) from raw, the count of each runtime
// bucket, and returns the total count and the sum estimated by p.mid.
func (p *histPlan) fold(dst, raw []uint64) (n uint64, sum float64) {
	clear(dst)
	if len(raw) > len(p.to) {
		raw = raw[:len(p.to)] // cannot happen: the runtime's buckets are fixed
	}
	for i, c := range raw {
		if c == 0 {
			continue
		}
		dst[p.to[i]] += c
		n += c
		sum += float64(c) * p.mid[i]
	}
	return n, sum
}

// series is the number of series the plan produces: one per finite bucket,
// +Inf, _sum and _count.
func (p *histPlan) series() int { return len(p.le) + 3 }
