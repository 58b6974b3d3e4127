package mutexbench_test

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/mutexbench"
)

// cancelAfter wraps a lock so that its store cancels the run's context
// after n operations, making cancellation deterministic in op count rather
// than in time.
func cancelAfter(l mutexbench.Lock, n int64, cancel func()) mutexbench.Lock {
	return mutexbench.Lock{Name: l.Name, New: func(d *mutexbench.Data) mutexbench.Store {
		return &cancellingStore{Store: l.New(d), left: n, cancel: cancel}
	}}
}

type cancellingStore struct {
	mutexbench.Store
	left   int64
	cancel func()
}

func (s *cancellingStore) tick() {
	if atomic.AddInt64(&s.left, -1) == 0 {
		s.cancel()
	}
}
func (s *cancellingStore) Read(fn func(*mutexbench.Data))  { s.Store.Read(fn); s.tick() }
func (s *cancellingStore) Write(fn func(*mutexbench.Data)) { s.Store.Write(fn); s.tick() }

func TestRun_HonoursContextCancellation(t *testing.T) {
	cause := errors.New("operator pulled the plug")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	l := cancelAfter(mutexbench.RWMutex(), 1000, func() { cancel(cause) })
	// An hour-long run: only the cancellation can end it.
	r, err := mutexbench.Run(ctx, mutexbench.Scenario{ReadPercent: 90, Goroutines: 4, Duration: time.Hour}, l)
	if !errors.Is(err, cause) {
		t.Fatalf("Run returned %v, want the cancellation cause %v", err, cause)
	}
	if r.Ops < 1000 || r.Violations != 0 {
		t.Errorf("partial result: Ops = %d (want at least the 1000 before cancellation), Violations = %d", r.Ops, r.Violations)
	}
}

func TestRun_AlreadyCancelledContextRunsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := mutexbench.Run(ctx, mutexbench.Scenario{Ops: 1000}, mutexbench.Mutex())
	if !errors.Is(err, context.Canceled) || r.Ops != 0 {
		t.Errorf("Run = (Ops %d, %v), want (0, context.Canceled)", r.Ops, err)
	}
}

func TestRun_StopsAfterExactlyOps(t *testing.T) {
	for _, g := range []int{1, 3, 8} {
		r, err := mutexbench.Run(context.Background(), mutexbench.Scenario{ReadPercent: 50, Goroutines: g, Ops: 1001}, mutexbench.Mutex())
		if err != nil {
			t.Fatal(err)
		}
		if r.Ops != 1001 || r.Reads+r.Writes != 1001 || r.Scenario.Goroutines != g {
			t.Errorf("goroutines %d: Ops = %d, Reads+Writes = %d, want 1001", g, r.Ops, r.Reads+r.Writes)
		}
		if r.Throughput <= 0 || r.Elapsed <= 0 {
			t.Errorf("goroutines %d: Throughput = %v, Elapsed = %v, want positive", g, r.Throughput, r.Elapsed)
		}
	}
}

func TestRun_StopsAfterDuration(t *testing.T) {
	r, err := mutexbench.Run(context.Background(), mutexbench.Scenario{ReadPercent: 90, Goroutines: 2, Duration: 5 * time.Millisecond}, mutexbench.RWMutex())
	if err != nil || r.Ops == 0 {
		t.Errorf("Run = (Ops %d, %v), want some operations and no error", r.Ops, err)
	}
}

func TestRun_ReadPercentSetsTheMix(t *testing.T) {
	for _, tc := range []struct {
		pct    float64
		lo, hi float64 // accepted read fraction
	}{
		{0, 0, 0}, {100, 1, 1}, {90, 0.87, 0.93}, {50, 0.47, 0.53}, {99.5, 0.99, 1},
	} {
		r, err := mutexbench.Run(context.Background(), mutexbench.Scenario{ReadPercent: tc.pct, Goroutines: 2, Ops: 20000}, mutexbench.Mutex())
		if err != nil {
			t.Fatal(err)
		}
		f := float64(r.Reads) / float64(r.Ops)
		if f < tc.lo || f > tc.hi {
			t.Errorf("ReadPercent %v: read fraction %.4f, want within [%v, %v]", tc.pct, f, tc.lo, tc.hi)
		}
		if tc.pct == 100 && (r.WriteLatency.Samples != 0 || r.MaxWriterWait != 0) {
			t.Errorf("ReadPercent 100: write samples %d, writer wait %v; want none", r.WriteLatency.Samples, r.MaxWriterWait)
		}
	}
}

func TestRun_SampleEveryOneTimesEveryOperation(t *testing.T) {
	r, err := mutexbench.Run(context.Background(), mutexbench.Scenario{ReadPercent: 50, Goroutines: 1, Ops: 500, SampleEvery: 1, WriteWork: 100}, mutexbench.Mutex())
	if err != nil {
		t.Fatal(err)
	}
	if got := r.ReadLatency.Samples + r.WriteLatency.Samples; got != 500 {
		t.Errorf("samples = %d, want 500", got)
	}
	if r.ReadLatency.P50 > r.ReadLatency.P99 || r.ReadLatency.P99 > r.ReadLatency.Max {
		t.Errorf("read latency %+v is not ordered p50 <= p99 <= max", r.ReadLatency)
	}
	if r.MaxWriterWait > r.WriteLatency.Max {
		t.Errorf("writer wait %v exceeds the longest write %v", r.MaxWriterWait, r.WriteLatency.Max)
	}
}

func TestRun_SetsAndRestoresGOMAXPROCS(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	r, err := mutexbench.Run(context.Background(), mutexbench.Scenario{GOMAXPROCS: 3, Ops: 100}, mutexbench.Mutex())
	if err != nil {
		t.Fatal(err)
	}
	if r.Scenario.GOMAXPROCS != 3 || r.Scenario.Goroutines != 3 {
		t.Errorf("run saw GOMAXPROCS %d, Goroutines %d; want 3 and 3", r.Scenario.GOMAXPROCS, r.Scenario.Goroutines)
	}
	if after := runtime.GOMAXPROCS(0); after != before {
		t.Errorf("GOMAXPROCS after the run = %d, want it restored to %d", after, before)
	}
}

func TestRun_FillsDefaults(t *testing.T) {
	r, err := mutexbench.Run(context.Background(), mutexbench.Scenario{Ops: 10}, mutexbench.Mutex())
	if err != nil {
		t.Fatal(err)
	}
	s := r.Scenario
	if s.DataSize != 1024 || s.SampleEvery != 8 || s.Duration != 0 || s.Goroutines != runtime.GOMAXPROCS(0) {
		t.Errorf("defaults not filled: %+v", s)
	}
	if r.Lock != "mutex" || r.UnitCostNs <= 0 || r.UnitCostNs != mutexbench.UnitCost() {
		t.Errorf("Lock = %q, UnitCostNs = %v; want mutex and the calibrated %v", r.Lock, r.UnitCostNs, mutexbench.UnitCost())
	}
}

func TestRun_RejectsInvalidInput(t *testing.T) {
	nilStore := mutexbench.Lock{Name: "nil", New: func(*mutexbench.Data) mutexbench.Store { return nil }}
	for _, tc := range []struct {
		name string
		s    mutexbench.Scenario
		l    mutexbench.Lock
	}{
		{"ReadPercent above 100", mutexbench.Scenario{ReadPercent: 101}, mutexbench.Mutex()},
		{"ReadPercent negative", mutexbench.Scenario{ReadPercent: -1}, mutexbench.Mutex()},
		{"ReadPercent NaN", mutexbench.Scenario{ReadPercent: math.NaN()}, mutexbench.Mutex()},
		{"Goroutines", mutexbench.Scenario{Goroutines: -1}, mutexbench.Mutex()},
		{"GOMAXPROCS", mutexbench.Scenario{GOMAXPROCS: -2}, mutexbench.Mutex()},
		{"ReadWork", mutexbench.Scenario{ReadWork: -1}, mutexbench.Mutex()},
		{"WriteWork", mutexbench.Scenario{WriteWork: -1}, mutexbench.Mutex()},
		{"OutsideWork", mutexbench.Scenario{OutsideWork: -1}, mutexbench.Mutex()},
		{"DataSize", mutexbench.Scenario{DataSize: -1}, mutexbench.Mutex()},
		{"Duration", mutexbench.Scenario{Duration: -1}, mutexbench.Mutex()},
		{"Ops", mutexbench.Scenario{Ops: -1}, mutexbench.Mutex()},
		{"SampleEvery", mutexbench.Scenario{SampleEvery: -1}, mutexbench.Mutex()},
		{"nil New", mutexbench.Scenario{}, mutexbench.Lock{Name: "x"}},
		{"empty Name", mutexbench.Scenario{}, mutexbench.Lock{New: mutexbench.Mutex().New}},
		{"New returns nil", mutexbench.Scenario{Ops: 1}, nilStore},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mutexbench.Run(context.Background(), tc.s, tc.l)
			if !errors.Is(err, mutexbench.ErrInvalidScenario) {
				t.Errorf("Run returned %v, want an error wrapping ErrInvalidScenario", err)
			}
		})
	}
}
