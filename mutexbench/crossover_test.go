package mutexbench_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/mutexbench"
)

// fakeLock is a lock whose costs are known: a read costs read ns and a
// write costs write ns. Its Store is real (a Mutex), but Crossover never
// runs it: the cost model below measures it.
type fakeLock struct {
	name        string
	read, write float64 // ns per operation
}

func (f fakeLock) lock() mutexbench.Lock {
	return mutexbench.Lock{Name: f.name, New: mutexbench.Mutex().New}
}

// costModel returns a MeasureFunc that reports the throughput the fake
// locks' costs imply, times jitter(call) to model run-to-run noise.
func costModel(t *testing.T, jitter func(call int) float64, locks ...fakeLock) (mutexbench.MeasureFunc, *int) {
	calls := 0
	return func(ctx context.Context, s mutexbench.Scenario, l mutexbench.Lock) (mutexbench.Result, error) {
		if err := ctx.Err(); err != nil {
			return mutexbench.Result{}, err
		}
		calls++
		for _, f := range locks {
			if f.name == l.Name {
				r := s.ReadPercent / 100
				ns := r*f.read + (1-r)*f.write
				return mutexbench.Result{Lock: l.Name, Scenario: s, Throughput: 1e9 / ns * jitter(calls)}, nil
			}
		}
		t.Fatalf("cost model asked about unknown lock %q", l.Name)
		return mutexbench.Result{}, nil
	}, &calls
}

func noJitter(int) float64 { return 1 }

var (
	fakeMutex = fakeLock{"fake-mutex", 100, 100}
	// Reads at 60 ns, writes at 200 ns: 200 - 140·r = 100 at r = 5/7, the
	// planted crossover at 71.43% reads.
	fakeRW = fakeLock{"fake-rwmutex", 60, 200}
)

const planted = 500.0 / 7

func TestCrossover_FindsPlantedCrossover(t *testing.T) {
	measure, calls := costModel(t, noJitter, fakeMutex, fakeRW)
	res, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{},
		mutexbench.WithLocks(fakeMutex.lock(), fakeRW.lock()), mutexbench.WithMeasure(measure))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Found || !(res.Low < planted && planted <= res.High) || res.High-res.Low > mutexbench.DefaultResolution {
		t.Fatalf("crossover %v in [%v, %v] (found %v), want a bracket of at most %v around %.3f",
			res.ReadPercent, res.Low, res.High, res.Found, mutexbench.DefaultResolution, planted)
	}
	if res.ReadPercent != res.High || res.Baseline != "fake-mutex" || res.Candidate != "fake-rwmutex" {
		t.Errorf("result %+v: ReadPercent should be High and the names the fakes'", res)
	}
	// 100%, 0%, then 7 halvings to reach a 1-point bracket; 2 locks × 3 repeats each.
	if len(res.Probes) != 9 || *calls != 9*2*mutexbench.DefaultRepeats {
		t.Errorf("%d probes, %d measurements; want 9 and %d", len(res.Probes), *calls, 9*2*mutexbench.DefaultRepeats)
	}
	if res.WithinNoise || res.Noise != mutexbench.NoiseFloor || !(res.BandLow < planted && planted < res.BandHigh) {
		t.Errorf("a noiseless, steep crossing should be sharp: WithinNoise %v, Noise %v, band [%v, %v]",
			res.WithinNoise, res.Noise, res.BandLow, res.BandHigh)
	}
	if !strings.Contains(res.Note, "fake-rwmutex beats fake-mutex from") || !strings.Contains(res.Note, "sharp") {
		t.Errorf("Note = %q", res.Note)
	}
}

func TestCrossover_ResolutionSetsTheBracket(t *testing.T) {
	measure, _ := costModel(t, noJitter, fakeMutex, fakeRW)
	res, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{},
		mutexbench.WithLocks(fakeMutex.lock(), fakeRW.lock()), mutexbench.WithMeasure(measure),
		mutexbench.WithResolution(0.01), mutexbench.WithRepeats(1))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.ReadPercent-planted) > 0.01 {
		t.Errorf("crossover %v, want %.4f ± 0.01", res.ReadPercent, planted)
	}
}

func TestCrossover_NoCrossoverWhenCandidateAlwaysLoses(t *testing.T) {
	slow := fakeLock{"slow", 150, 300}
	measure, _ := costModel(t, noJitter, fakeMutex, slow)
	res, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{},
		mutexbench.WithLocks(fakeMutex.lock(), slow.lock()), mutexbench.WithMeasure(measure))
	if err != nil {
		t.Fatal(err)
	}
	if res.Found || res.WithinNoise || len(res.Probes) != 1 || !strings.HasPrefix(res.Note, "no crossover") {
		t.Errorf("got %+v, want no crossover after one probe at 100%%", res)
	}
}

func TestCrossover_CandidateWinsEverywhere(t *testing.T) {
	fast := fakeLock{"fast", 50, 80}
	measure, _ := costModel(t, noJitter, fakeMutex, fast)
	res, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{},
		mutexbench.WithLocks(fakeMutex.lock(), fast.lock()), mutexbench.WithMeasure(measure))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Found || res.ReadPercent != 0 || len(res.Probes) != 2 || !strings.Contains(res.Note, "every read ratio") {
		t.Errorf("got %+v, want a win from 0%% after two probes", res)
	}
}

// TestCrossover_FlatCurveIsReportedWithinNoise plants a crossover at 50% on
// a curve that never leaves ±2% of parity: the answer must say it is noise.
func TestCrossover_FlatCurveIsReportedWithinNoise(t *testing.T) {
	flat := fakeLock{"flat", 98, 102}
	measure, _ := costModel(t, noJitter, fakeMutex, flat)
	res, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{},
		mutexbench.WithLocks(fakeMutex.lock(), flat.lock()), mutexbench.WithMeasure(measure))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Found || math.Abs(res.ReadPercent-50) > 1 {
		t.Errorf("crossover %v, want 50 ± 1", res.ReadPercent)
	}
	if !res.WithinNoise || !strings.Contains(res.Note, "low confidence") {
		t.Errorf("WithinNoise = %v, Note = %q; want a low-confidence note", res.WithinNoise, res.Note)
	}
}

// TestCrossover_NoiseComesFromRepeats feeds ±10% jitter between repeats:
// the reported noise must reflect it, and the medians must still bracket
// the planted point, since the jitter is symmetric per lock.
func TestCrossover_NoiseComesFromRepeats(t *testing.T) {
	jitter := func(call int) float64 { return []float64{1, 1, 0.9, 0.9, 1.1, 1.1}[(call-1)%6] }
	measure, _ := costModel(t, jitter, fakeMutex, fakeRW)
	res, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{},
		mutexbench.WithLocks(fakeMutex.lock(), fakeRW.lock()), mutexbench.WithMeasure(measure))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.Noise-0.2) > 1e-9 {
		t.Errorf("Noise = %v, want the 20%% spread of the repeats", res.Noise)
	}
	if !(res.Low < planted && planted <= res.High) {
		t.Errorf("bracket [%v, %v] misses the planted %.3f", res.Low, res.High, planted)
	}
	if !res.WithinNoise {
		t.Errorf("with ±10%% noise the band is wide; WithinNoise = false, band [%v, %v]", res.BandLow, res.BandHigh)
	}
}

func TestCrossover_ReturnsMeasurementErrors(t *testing.T) {
	boom := errors.New("boom")
	measure := func(ctx context.Context, s mutexbench.Scenario, l mutexbench.Lock) (mutexbench.Result, error) {
		return mutexbench.Result{}, boom
	}
	_, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{}, mutexbench.WithMeasure(measure))
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
}

func TestCrossover_HonoursContextWithRealRuns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := mutexbench.Crossover(ctx, mutexbench.Scenario{Ops: 100})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestCrossover_RejectsInvalidInput(t *testing.T) {
	for name, opts := range map[string][]mutexbench.CrossoverOption{
		"bad scenario": nil,
		"nil lock":     {mutexbench.WithLocks(mutexbench.Mutex(), mutexbench.Lock{Name: "x"})},
	} {
		s := mutexbench.Scenario{Ops: 10}
		if name == "bad scenario" {
			s.DataSize = -1
		}
		if _, err := mutexbench.Crossover(context.Background(), s, opts...); !errors.Is(err, mutexbench.ErrInvalidScenario) {
			t.Errorf("%s: err = %v, want ErrInvalidScenario", name, err)
		}
	}
}

// TestCrossover_RealLocksEndToEnd runs the real search on tiny runs: it
// checks that the result is consistent, not where the crossover is, which
// depends on the machine.
func TestCrossover_RealLocksEndToEnd(t *testing.T) {
	res, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{Goroutines: 2, Ops: 300, ReadWork: 50},
		mutexbench.WithRepeats(1), mutexbench.WithResolution(25))
	if err != nil {
		t.Fatal(err)
	}
	if res.Baseline != "mutex" || res.Candidate != "rwmutex" || len(res.Probes) == 0 || res.Note == "" {
		t.Errorf("got %+v", res)
	}
	if res.Found && !(res.Low <= res.ReadPercent && res.ReadPercent == res.High && res.High-res.Low <= 25) {
		t.Errorf("inconsistent bracket: %v in [%v, %v]", res.ReadPercent, res.Low, res.High)
	}
}

// TestCrossover_OneStalledRunIsNotNoise stalls a single measurement to 2% of
// its throughput, as a run the operating system descheduled would be: with
// seven repeats the medians and the interquartile spread ignore it.
func TestCrossover_OneStalledRunIsNotNoise(t *testing.T) {
	jitter := func(call int) float64 {
		if call == 13 {
			return 0.02
		}
		return 1
	}
	measure, _ := costModel(t, jitter, fakeMutex, fakeRW)
	res, err := mutexbench.Crossover(context.Background(), mutexbench.Scenario{},
		mutexbench.WithLocks(fakeMutex.lock(), fakeRW.lock()), mutexbench.WithMeasure(measure), mutexbench.WithRepeats(7))
	if err != nil {
		t.Fatal(err)
	}
	if res.Noise != mutexbench.NoiseFloor || res.WithinNoise || !(res.Low < planted && planted <= res.High) {
		t.Errorf("Noise %v, WithinNoise %v, bracket [%v, %v]; want the floor, sharp, around %.3f",
			res.Noise, res.WithinNoise, res.Low, res.High, planted)
	}
}
