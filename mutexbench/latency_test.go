package mutexbench_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/mutexbench"
)

func TestLatencyOf_UniformDistribution(t *testing.T) {
	// 1..1000 µs, shuffled: the nearest-rank p50 is the 500th value, p99
	// the 990th.
	s := make([]time.Duration, 1000)
	for i := range s {
		s[i] = time.Duration(i+1) * time.Microsecond
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	orig := slices.Clone(s)
	got := mutexbench.LatencyOf(s)
	want := mutexbench.Latency{P50: 500 * time.Microsecond, P99: 990 * time.Microsecond, Max: 1000 * time.Microsecond, Samples: 1000}
	if got != want {
		t.Errorf("LatencyOf(1..1000µs) = %+v, want %+v", got, want)
	}
	if !slices.Equal(s, orig) {
		t.Error("LatencyOf modified its argument")
	}
}

func TestLatencyOf_HeavyTail(t *testing.T) {
	// 985 fast operations and 15 stalls: p99 falls among the stalls, p50
	// among the fast ones.
	var s []time.Duration
	for range 985 {
		s = append(s, 100*time.Nanosecond)
	}
	for i := range 15 {
		s = append(s, time.Duration(i+1)*time.Millisecond)
	}
	got := mutexbench.LatencyOf(s)
	// Rank 990 is the 5th stall, 5 ms.
	want := mutexbench.Latency{P50: 100 * time.Nanosecond, P99: 5 * time.Millisecond, Max: 15 * time.Millisecond, Samples: 1000}
	if got != want {
		t.Errorf("LatencyOf = %+v, want %+v", got, want)
	}
}

func TestLatencyOf_SmallAndEmpty(t *testing.T) {
	if got := mutexbench.LatencyOf(nil); got != (mutexbench.Latency{}) {
		t.Errorf("LatencyOf(nil) = %+v, want zero", got)
	}
	if got, want := mutexbench.LatencyOf([]time.Duration{7}), (mutexbench.Latency{P50: 7, P99: 7, Max: 7, Samples: 1}); got != want {
		t.Errorf("LatencyOf([7]) = %+v, want %+v", got, want)
	}
	if got := mutexbench.LatencyOf([]time.Duration{3, 1, 2, 4}); got.P50 != 2 || got.P99 != 4 || got.Max != 4 {
		t.Errorf("LatencyOf([3 1 2 4]) = %+v, want p50 2, p99 4, max 4", got)
	}
}

// TestLatencyOf_MatchesNearestRankDefinition checks random samples against
// the definition: the p-th percentile v is a sample, at least p% of samples
// are <= v, and fewer than p% are < v.
func TestLatencyOf_MatchesNearestRankDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		n := 1 + r.IntN(300)
		s := make([]time.Duration, n)
		for i := range s {
			s[i] = time.Duration(r.ExpFloat64() * 1000)
		}
		got := mutexbench.LatencyOf(s)
		for _, c := range []struct {
			p int
			v time.Duration
		}{{50, got.P50}, {99, got.P99}, {100, got.Max}} {
			le, lt := 0, 0
			for _, x := range s {
				if x <= c.v {
					le++
				}
				if x < c.v {
					lt++
				}
			}
			if le*100 < c.p*n || lt*100 >= c.p*n {
				t.Fatalf("n=%d p%d = %v: %d samples <= it, %d below it", n, c.p, c.v, le, lt)
			}
		}
	}
}

// FuzzLatencyOf checks LatencyOf against the nearest-rank definition on
// arbitrary samples.
func FuzzLatencyOf(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5})
	f.Add([]byte{255, 0, 0, 7})
	f.Add([]byte{9})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := make([]time.Duration, len(b))
		for i, v := range b {
			s[i] = time.Duration(v)
		}
		got := mutexbench.LatencyOf(s)
		if got.Samples != len(s) {
			t.Fatalf("Samples = %d, want %d", got.Samples, len(s))
		}
		if len(s) == 0 {
			return
		}
		if got.P50 > got.P99 || got.P99 > got.Max || got.Max != slices.Max(s) {
			t.Fatalf("LatencyOf(%v) = %+v: not ordered or wrong max", s, got)
		}
		n := len(s)
		for _, c := range []struct {
			p int
			v time.Duration
		}{{50, got.P50}, {99, got.P99}} {
			le, lt := 0, 0
			for _, x := range s {
				if x <= c.v {
					le++
				}
				if x < c.v {
					lt++
				}
			}
			if le*100 < c.p*n || lt*100 >= c.p*n {
				t.Fatalf("LatencyOf(%v): p%d = %v breaks nearest rank", s, c.p, c.v)
			}
		}
	})
}
