package mutexbench_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/mutexbench"
)

// scaled returns base times each ratio: a candidate's rounds against a
// steady baseline.
func scaled(base float64, ratios ...float64) []float64 {
	out := make([]float64, len(ratios))
	for i, r := range ratios {
		out[i] = base * r
	}
	return out
}

func steady(n int) []float64 { return scaled(1e6, slices.Repeat([]float64{1}, n)...) }

func TestCompareRounds_WinsOrLosesOnlyBeyondTheNoise(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ratios []float64
		want   mutexbench.Verdict
	}{
		{"every round 10% faster", []float64{1.10, 1.10, 1.10, 1.10, 1.10}, mutexbench.Wins},
		{"every round 10% slower", []float64{0.90, 0.90, 0.90, 0.90, 0.90}, mutexbench.Loses},
		{"2% faster is inside the 3% floor", []float64{1.02, 1.02, 1.02, 1.02, 1.02}, mutexbench.Wash},
		{"one round at parity pulls the interval in", []float64{1.10, 1.10, 1.00, 1.10, 1.10}, mutexbench.Wash},
		{"interval just above 1.03", []float64{1.031, 1.04, 1.05, 1.04, 1.06}, mutexbench.Wins},
		{"interval reaching 1.03", []float64{1.03, 1.04, 1.05, 1.04, 1.06}, mutexbench.Wash},
		{"scattered rounds: median 1.2 but ±10% noise", []float64{1.2, 1.08, 1.32, 1.08, 1.32}, mutexbench.Wash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mutexbench.CompareRounds(steady(len(tc.ratios)), scaled(1e6, tc.ratios...))
			if c.Verdict != tc.want {
				t.Errorf("verdict %q, want %q: %v", c.Verdict, tc.want, c)
			}
		})
	}
}

func TestCompareRounds_NoiseIsTheSpreadOfThePairedRatios(t *testing.T) {
	// Round-to-round drift that slows both locks alike is not noise.
	drift := []float64{1, 2, 3, 4, 5}
	c := mutexbench.CompareRounds(scaled(1e6, drift...), scaled(1.2e6, drift...))
	if c.Noise != 0.03 || c.Verdict != mutexbench.Wins || !slices.Equal(roundAll(c.Ratios), slices.Repeat([]float64{1.2}, 5)) {
		t.Errorf("common drift: %v, ratios %v; want the 3%% floor, 1.2 in every round, a win", c, c.Ratios)
	}

	// Ratios of 1.2 ± 0.12: their median absolute deviation is 0.12, 10%
	// of the median.
	c = mutexbench.CompareRounds(steady(5), scaled(1e6, 1.2, 1.08, 1.32, 1.08, 1.32))
	if !near(c.Noise, 0.10) {
		t.Errorf("noise %v, want 0.10", c.Noise)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func roundAll(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(int(x*1e6+0.5)) / 1e6
	}
	return out
}

// TestCompareRounds_BootstrapIntervalOfTheMedian pins the percentile
// bootstrap against the exact distribution of a resampled median: with n
// rounds, the median of a resample is at most the j-th smallest round with
// probability P(Binomial(n, j/n) > n/2). For n = 5 that is 5.8% already at
// j = 1, so the 95% interval is the whole range; for n = 7 it is 1.0% at
// j = 1 and 10.8% at j = 2; for n = 11, 0.7% at j = 2 and 5.1% at j = 3.
func TestCompareRounds_BootstrapIntervalOfTheMedian(t *testing.T) {
	for _, tc := range []struct {
		n, lo, hi int // the interval's ranks, 1-based
	}{{5, 1, 5}, {7, 2, 6}, {11, 3, 9}} {
		ratios := make([]float64, tc.n)
		for i := range ratios {
			ratios[i] = 1 + float64(i)/100 // ranks 1..n: 1.00, 1.01, ...
		}
		rand.New(rand.NewPCG(1, uint64(tc.n))).Shuffle(tc.n, func(i, j int) { ratios[i], ratios[j] = ratios[j], ratios[i] })
		c := mutexbench.CompareRounds(steady(tc.n), scaled(1e6, ratios...))
		want := mutexbench.Estimate{Median: 1 + float64(tc.n-1)/200, Low: 1 + float64(tc.lo-1)/100, High: 1 + float64(tc.hi-1)/100}
		if !near(c.Ratio.Median, want.Median) || !near(c.Ratio.Low, want.Low) || !near(c.Ratio.High, want.High) {
			t.Errorf("n=%d: ratio %+v, want %+v", tc.n, c.Ratio, want)
		}
		if again := mutexbench.CompareRounds(steady(tc.n), scaled(1e6, ratios...)); again.Ratio != c.Ratio {
			t.Errorf("n=%d: the same rounds gave %+v, then %+v", tc.n, c.Ratio, again.Ratio)
		}
	}
}

func TestCompareRounds_OneRoundHasNoSpread(t *testing.T) {
	c := mutexbench.CompareRounds([]float64{1e6}, []float64{1.5e6})
	if c.Ratio != (mutexbench.Estimate{Median: 1.5, Low: 1.5, High: 1.5}) || c.Verdict != mutexbench.Wins {
		t.Errorf("one round: %v", c)
	}
}

func TestCompare_WarmsUpEachLockThenTheLocksTakeTurns(t *testing.T) {
	p := ratioModel(func(float64) float64 { return 1.2 })
	c, err := mutexbench.Compare(context.Background(), mutexbench.Scenario{ReadPercent: 90, Duration: 40 * time.Millisecond}, p.option())
	if err != nil {
		t.Fatal(err)
	}
	m, rw := call{"mutex", 90, 40 * time.Millisecond}, call{"rwmutex", 90, 40 * time.Millisecond}
	want := []call{{"mutex", 90, 10 * time.Millisecond}, {"rwmutex", 90, 10 * time.Millisecond}} // warm-up: a quarter of a run
	for range 3 {
		want = append(want, m, rw, rw, m)
	}
	want = append(want, m, rw) // 7 rounds by default
	if !slices.Equal(p.calls, want) {
		t.Errorf("calls\n%v\nwant\n%v", p.calls, want)
	}
	if got := c.String(); c.Rounds != 7 || c.Baseline != "mutex" || got != "1.20× [1.20–1.20] rwmutex wins (±3% noise)" {
		t.Errorf("%d rounds, baseline %q: %s", c.Rounds, c.Baseline, got)
	}
}

func TestCompare_OneStalledRoundMovesTheMedianByOneRankOnly(t *testing.T) {
	// In round 2 the baseline is descheduled and does 2% of its work.
	p := plant(func(pct float64, lock string, round int) float64 {
		if lock == "mutex" && round == 2 {
			return 2e4
		}
		if lock == "rwmutex" {
			return 1.2e6
		}
		return 1e6
	})
	c, err := mutexbench.Compare(context.Background(), mutexbench.Scenario{}, p.option(), mutexbench.WithRounds(7))
	if err != nil {
		t.Fatal(err)
	}
	if !near(c.Ratio.Median, 1.2) || c.BaselineOps.Median != 1e6 || c.Verdict != mutexbench.Wins || len(c.Ratios) != 7 {
		t.Errorf("%v, baseline %+v, ratios %v: want a 1.2× win over 1e6 ops/s in 7 rounds", c, c.BaselineOps, c.Ratios)
	}
}

func TestCompare_WithLocksAndErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := mutexbench.Compare(context.Background(), mutexbench.Scenario{},
		mutexbench.WithMeasure(func(context.Context, mutexbench.Scenario, mutexbench.Lock) (mutexbench.Result, error) {
			return mutexbench.Result{}, boom
		}))
	if !errors.Is(err, boom) {
		t.Errorf("measurement error: got %v", err)
	}
	if _, err := mutexbench.Compare(context.Background(), mutexbench.Scenario{ReadPercent: 101}); !errors.Is(err, mutexbench.ErrInvalidScenario) {
		t.Errorf("ReadPercent 101: got %v", err)
	}
	nilNew := mutexbench.WithLocks(mutexbench.Mutex(), mutexbench.Lock{Name: "x"})
	if _, err := mutexbench.Compare(context.Background(), mutexbench.Scenario{}, nilNew); !errors.Is(err, mutexbench.ErrInvalidScenario) {
		t.Errorf("lock without New: got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := mutexbench.Compare(ctx, mutexbench.Scenario{Ops: 100}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

// TestCompare_RealLocksEndToEnd runs real, tiny rounds: it checks the
// shape of the answer, not which lock wins, which depends on the machine.
func TestCompare_RealLocksEndToEnd(t *testing.T) {
	c, err := mutexbench.Compare(context.Background(), mutexbench.Scenario{ReadPercent: 90, Goroutines: 2, Ops: 500},
		mutexbench.WithLocks(mutexbench.Mutex(), mutexbench.CopyOnWrite()), mutexbench.WithRounds(3))
	if err != nil {
		t.Fatal(err)
	}
	ordered := c.Ratio.Low <= c.Ratio.Median && c.Ratio.Median <= c.Ratio.High
	known := c.Verdict == mutexbench.Wins || c.Verdict == mutexbench.Loses || c.Verdict == mutexbench.Wash
	if c.Candidate != "cow" || len(c.Ratios) != 3 || !ordered || !known || c.Noise < 0.03 {
		t.Errorf("got %v (ratios %v)", c, c.Ratios)
	}
}
