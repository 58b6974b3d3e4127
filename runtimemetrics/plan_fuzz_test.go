package runtimemetrics

import (
	"math"
	"testing"
)

// FuzzPlanHistogram checks, for arbitrary runtime boundaries and layouts,
// the properties the Prometheus conversion rests on: every runtime bucket
// lands in exactly one Prometheus bucket, the first whose bound is at or
// above the runtime bucket's upper edge (so counts are never split or
// moved down); bounds are finite, strictly ascending runtime boundaries;
// and folding preserves the total.
func FuzzPlanHistogram(f *testing.F) {
	f.Add(uint8(160), true, true, 64e-9, 1.19, uint8(0), 10.0, 1e-7, 100.0, false)
	f.Add(uint8(68), false, true, 1.0, 8.0, uint8(0), 2.0, 1.0, 1e18, true)
	f.Add(uint8(20), true, false, 0.0, 1.0, uint8(1), 1.5, 2.0, 40.0, false)
	f.Add(uint8(5), false, false, -3.0, 2.0, uint8(2), -1.0, 0.5, 3.0, false)
	f.Add(uint8(1), false, true, 1.0, 1.0, uint8(3), 0.0, 0.0, 0.0, true)
	f.Fuzz(func(t *testing.T, n uint8, lowInf, highInf bool, start, step float64, kind uint8, a, b, c float64, integer bool) {
		edges, ok := fuzzEdges(n, lowInf, highInf, start, step)
		if !ok {
			return
		}
		layout, ok := fuzzLayout(kind, a, b, c)
		if !ok {
			return
		}
		checkPlan(t, edges, planHistogram(edges, layout, integer), integer)
	})
}

// fuzzEdges builds n+1 ascending finite boundaries from start, the k'th gap
// k*step, with -Inf and +Inf around them as asked; ok is false when the
// inputs make no such boundaries.
func fuzzEdges(n uint8, lowInf, highInf bool, start, step float64) (edges []float64, ok bool) {
	if n == 0 || !(step > 0) || math.IsInf(step, 0) || math.IsNaN(start) || math.IsInf(start, 0) {
		return nil, false
	}
	if lowInf {
		edges = append(edges, math.Inf(-1))
	}
	v := start
	for i := 0; i <= int(n); i++ {
		edges = append(edges, v)
		next := v + step*float64(i+1)
		if !(next > v) || math.IsInf(next, 0) {
			return nil, false
		}
		v = next
	}
	if highInf {
		edges = append(edges, math.Inf(1))
	}
	return edges, true
}

// fuzzLayout builds a layout of the given kind from a, b and c; ok is false
// when the constructor rejects them (it panics on bad input).
func fuzzLayout(kind uint8, a, b, c float64) (layout BucketLayout, ok bool) {
	defer func() {
		if recover() != nil {
			layout, ok = BucketLayout{}, false
		}
	}()
	switch kind % 4 {
	case 0:
		return PowersOf(a, b, c), true
	case 1:
		return FactorBuckets(b, a, c), true
	case 2:
		return ExplicitBuckets(a, b, c), true
	}
	return RuntimeBuckets(), true
}

// checkPlan checks p, planned from edges, for the properties
// FuzzPlanHistogram states.
func checkPlan(t *testing.T, edges []float64, p histPlan, integer bool) {
	t.Helper()
	report := func(e float64) float64 {
		if integer {
			return e - 1
		}
		return e
	}
	isEdge := map[float64]bool{}
	for _, e := range edges {
		isEdge[report(e)] = true
	}
	for j, le := range p.le {
		if math.IsInf(le, 0) || math.IsNaN(le) || (j > 0 && !(le > p.le[j-1])) || !isEdge[le] {
			t.Fatalf("le[%d] = %v in %v: not a finite, ascending runtime boundary", j, le, p.le)
		}
	}
	if len(p.to) != len(edges)-1 {
		t.Fatalf("%d runtime buckets mapped, want %d", len(p.to), len(edges)-1)
	}
	var total, folded uint64
	counts := make([]uint64, len(p.le)+1)
	for i, j := range p.to {
		if int(j) > len(p.le) || (i > 0 && j < p.to[i-1]) {
			t.Fatalf("to[%d] = %d out of order or range (%d bounds)", i, j, len(p.le))
		}
		hi := report(edges[i+1])
		if int(j) < len(p.le) && !(hi <= p.le[j]) {
			t.Fatalf("runtime bucket %d (upper edge %v) in le=%v: moved down", i, hi, p.le[j])
		}
		if j > 0 && !(p.le[j-1] < hi) {
			t.Fatalf("runtime bucket %d (upper edge %v) in bucket %d, but le=%v already holds it", i, hi, j, p.le[j-1])
		}
		c := uint64(i%7 + 1)
		total += c
		counts[j] += c
	}
	for _, c := range counts {
		folded += c
	}
	if folded != total {
		t.Fatalf("folded %d, total %d", folded, total)
	}
}
