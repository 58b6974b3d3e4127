package mutexbench_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/mutexbench"
)

func crossover(t *testing.T, p *planted, opts ...mutexbench.Option) mutexbench.CrossoverResult {
	t.Helper()
	res, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{}, append([]mutexbench.Option{p.option()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func shares(res mutexbench.CrossoverResult) []float64 {
	var s []float64
	for _, p := range res.Probes {
		s = append(s, p.ReadPercent)
	}
	return s
}

// TestCrossover_ScansTheGridThenBisectsBetweenALossAndAWin plants the
// textbook costs: RWMutex loses at 50% and wins at 75% with confidence, so
// the search bisects between them to where its win exceeds the noise.
func TestCrossover_ScansTheGridThenBisectsBetweenALossAndAWin(t *testing.T) {
	p := ratioModel(costModel)
	res := crossover(t, p)
	if !res.Found || !(res.Low < beyondNoise && beyondNoise <= res.High) || res.High-res.Low > 1 || res.ReadPercent != res.High {
		t.Fatalf("crossover %v in [%v, %v] (found %v), want a bracket of at most 1 point around %v",
			res.ReadPercent, res.Low, res.High, res.Found, beyondNoise)
	}
	// The grid, then 62.5, 68.75, 71.875, 73.4375, 74.21875.
	want := []float64{0, 50, 62.5, 68.75, 71.875, 73.4375, 74.21875, 75, 90, 95, 99, 100}
	if got := shares(res); !slices.Equal(got, want) {
		t.Errorf("probes at %v, want %v (sorted by read share)", got, want)
	}
	if timed := len(p.timed()); timed != len(want)*2*7 {
		t.Errorf("%d timed runs, want 2 locks × 7 rounds × %d probes", timed, len(want))
	}
	if res.WithinNoise || !res.Monotone || res.Noise != 0.03 || res.Baseline != "mutex" || res.Candidate != "rwmutex" {
		t.Errorf("got %+v: want a sharp answer at the 3%% floor", res)
	}
	if want := "rwmutex beats mutex beyond the ±3% noise from 74.2% reads (1.03× [1.03–1.03] at 73.4%, 1.04× [1.04–1.04] at 74.2%)"; res.Note != want {
		t.Errorf("Note = %q\nwant   %q", res.Note, want)
	}
}

// TestCrossover_ScansTheGridInInterleavedRounds checks the order of the
// scan: round r visits every read share, and at each the two locks take
// turns going first.
func TestCrossover_ScansTheGridInInterleavedRounds(t *testing.T) {
	p := ratioModel(func(float64) float64 { return 2 }) // wins everywhere: no bisection
	crossover(t, p, mutexbench.WithRounds(2))
	var got []string
	for _, c := range p.timed() {
		got = append(got, c.lock[:1]+formatShare(c.pct))
	}
	want := "m0 r0 m50 r50 m75 r75 m90 r90 m95 r95 m99 r99 m100 r100 " +
		"r0 m0 r50 m50 r75 m75 r90 m90 r95 m95 r99 m99 r100 m100"
	if strings.Join(got, " ") != want {
		t.Errorf("timed runs\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
}

func formatShare(pct float64) string { return strconv.FormatFloat(pct, 'f', -1, 64) }

// TestCrossover_OneBadPointAt100DoesNotEndTheSearch disturbs the 100%
// point alone: the crossover below it is still found, and the note names
// the point that disagrees.
func TestCrossover_OneBadPointAt100DoesNotEndTheSearch(t *testing.T) {
	for name, at100 := range map[string]float64{"a loss": 0.5, "a wash": 1.0} {
		t.Run(name, func(t *testing.T) {
			res := crossover(t, ratioModel(func(pct float64) float64 {
				if pct == 100 {
					return at100
				}
				return costModel(pct)
			}))
			if !res.Found || !(res.Low < beyondNoise && beyondNoise <= res.High) || res.WithinNoise || res.Monotone {
				t.Errorf("got %+v, want the crossover near %v despite the point at 100%%", res, beyondNoise)
			}
			verdict := mutexbench.Loses
			if at100 == 1 {
				verdict = mutexbench.Wash
			}
			if !strings.Contains(res.Note, "only from 74.2% to 99% reads") ||
				!strings.Contains(res.Note, "above that it does not win: "+string(verdict)+" at 100%") || !strings.Contains(res.Note, "not monotone") {
				t.Errorf("Note = %q: want the 100%% point named", res.Note)
			}
		})
	}
}

// TestCrossover_AWashBetweenLossAndWinIsABand: when the verdict passes
// through a wash, there is nothing to bisect: either lock will do there.
func TestCrossover_AWashBetweenLossAndWinIsABand(t *testing.T) {
	ratio := map[float64]float64{0: 0.8, 50: 0.9, 75: 1.0, 90: 1.01, 95: 1.2, 99: 1.3, 100: 1.4}
	res := crossover(t, ratioModel(func(pct float64) float64 { return ratio[pct] }))
	if !res.Found || res.ReadPercent != 95 || res.Low != 90 || res.High != 95 {
		t.Errorf("got %+v, want found from 95%% (not winning at 90%%)", res)
	}
	if !res.WithinNoise || !res.Monotone || res.BandLow != 75 || res.BandHigh != 90 || len(res.Probes) != 7 {
		t.Errorf("got %+v, want the band 75–90%% and no bisection", res)
	}
	want := "rwmutex beats mutex beyond the ±3% noise from 95% reads (1.20× [1.20–1.20]); below that, from 75% to 90% reads the two are within the noise: either will do there"
	if res.Note != want {
		t.Errorf("Note = %q\nwant   %q", res.Note, want)
	}
}

func TestCrossover_NoneOnlyWhenNoGridPointWins(t *testing.T) {
	t.Run("loses everywhere", func(t *testing.T) {
		res := crossover(t, ratioModel(func(float64) float64 { return 0.7 }))
		if res.Found || res.WithinNoise || len(res.Probes) != 7 || !strings.HasPrefix(res.Note, "no crossover: ") ||
			!strings.Contains(res.Note, "at 100% reads it loses (0.70× [0.70–0.70])") {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("a wash at the top", func(t *testing.T) {
		res := crossover(t, ratioModel(func(pct float64) float64 { return map[bool]float64{true: 1, false: 0.8}[pct >= 95] }))
		if res.Found || !res.WithinNoise || res.BandLow != 95 || res.BandHigh != 100 ||
			!strings.Contains(res.Note, "no crossover beyond the ±3% noise") || !strings.Contains(res.Note, "from 95% to 100% reads") {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("one win in the middle", func(t *testing.T) {
		res := crossover(t, ratioModel(func(pct float64) float64 { return map[bool]float64{true: 1.5, false: 0.8}[pct == 90] }))
		if !res.Found || res.Monotone || res.ReadPercent > 90 || res.ReadPercent < 75 || !strings.Contains(res.Note, "only at 90% reads") ||
			!strings.Contains(res.Note, "above that it does not win: loses at 95%") {
			t.Errorf("got %+v, want a crossover below 90%% and the losses above it named", res)
		}
	})
}

func TestCrossover_CandidateWinsEverywhere(t *testing.T) {
	res := crossover(t, ratioModel(func(float64) float64 { return 1.5 }))
	if !res.Found || res.ReadPercent != 0 || res.Low != 0 || res.High != 0 || len(res.Probes) != 7 ||
		!strings.Contains(res.Note, "at every read share, even 0%") {
		t.Errorf("got %+v, want a win from 0%%", res)
	}
}

// TestCrossover_NoiseComesFromThePairedRatios scatters the candidate's
// rounds by ±10%: the noise must say so, and a 1.2× median is then a wash.
func TestCrossover_NoiseComesFromThePairedRatios(t *testing.T) {
	res := crossover(t, plant(func(pct float64, lock string, round int) float64 {
		if lock == "rwmutex" {
			return 1.2e6 * []float64{1, 0.9, 1.1, 0.9, 1.1, 1, 0.9, 1.1}[round+1]
		}
		return 1e6
	}))
	if !near(res.Noise, 0.1) || res.Found || !res.WithinNoise {
		t.Errorf("got %+v, want noise 10%% and no crossover beyond it", res)
	}
}

func TestCrossover_ResolutionSetsTheBracket(t *testing.T) {
	res := crossover(t, ratioModel(costModel), mutexbench.WithResolution(0.01), mutexbench.WithRounds(1))
	if res.High-res.Low > 0.01 || !(res.Low < beyondNoise && beyondNoise <= res.High+0.01) {
		t.Errorf("bracket [%v, %v], want 0.01 wide around %v", res.Low, res.High, beyondNoise)
	}
}

func TestCrossover_WithLocksNamesTheResult(t *testing.T) {
	p := plant(func(pct float64, lock string, round int) float64 {
		return map[string]float64{"mutex": 1, "cow": 2}[lock]
	})
	res := crossover(t, p, mutexbench.WithLocks(mutexbench.Mutex(), mutexbench.CopyOnWrite()))
	if res.Candidate != "cow" || res.Probes[0].Candidate != "cow" || !res.Found {
		t.Errorf("got %+v", res)
	}
}

func TestCrossover_ReportsProgress(t *testing.T) {
	var last, total int
	crossover(t, ratioModel(costModel), mutexbench.WithProgress(func(done, n int) { last, total = done, n }))
	if last != 12*2*7 || total != last {
		t.Errorf("progress ended at %d of %d, want 168 of 168", last, total)
	}
}

func TestCrossover_ReturnsMeasurementErrorsWithTheProbesSoFar(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	measure := func(ctx context.Context, s mutexbench.Scenario, l mutexbench.Lock) (mutexbench.Result, error) {
		if n++; n > 2+7*2*2 { // the warm-up, then two rounds of the grid
			return mutexbench.Result{}, boom
		}
		return mutexbench.Result{Throughput: 1}, nil
	}
	res, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{}, mutexbench.WithMeasure(measure))
	if !errors.Is(err, boom) || len(res.Probes) != 7 || res.Probes[0].Rounds != 2 {
		t.Errorf("err = %v, %d probes; want boom and the 7 grid probes of 2 rounds", err, len(res.Probes))
	}
}

func TestCrossover_HonoursContextWithRealRuns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := mutexbench.Crossover(ctx, mutexbench.Scenario{Ops: 100}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestCrossover_RejectsInvalidInput(t *testing.T) {
	if _, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{DataSize: -1}); !errors.Is(err, mutexbench.ErrInvalidScenario) {
		t.Errorf("bad scenario: err = %v", err)
	}
	nilNew := mutexbench.WithLocks(mutexbench.Mutex(), mutexbench.Lock{Name: "x"})
	if _, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{Ops: 10}, nilNew); !errors.Is(err, mutexbench.ErrInvalidScenario) {
		t.Errorf("lock without New: err = %v", err)
	}
}

// TestCrossover_RealLocksEndToEnd runs the real search on tiny runs: it
// checks that the result is consistent, not where the crossover is, which
// depends on the machine.
func TestCrossover_RealLocksEndToEnd(t *testing.T) {
	res, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{Goroutines: 2, Ops: 300, ReadWork: 50},
		mutexbench.WithRounds(2), mutexbench.WithResolution(25))
	if err != nil {
		t.Fatal(err)
	}
	if res.Baseline != "mutex" || res.Candidate != "rwmutex" || len(res.Probes) < 7 || res.Note == "" {
		t.Errorf("got %+v", res)
	}
	if !slices.IsSortedFunc(res.Probes, func(a, b mutexbench.Probe) int { return int(a.ReadPercent - b.ReadPercent) }) {
		t.Errorf("probes not sorted by read share: %v", shares(res))
	}
	if res.Found && !(res.Low <= res.ReadPercent && res.ReadPercent == res.High) {
		t.Errorf("inconsistent bracket: %v in [%v, %v]", res.ReadPercent, res.Low, res.High)
	}
}
