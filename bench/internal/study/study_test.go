package study_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gmpkit/gmpkit/bench/internal/study"
	"github.com/gmpkit/gmpkit/bench/internal/suite"
	"github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func TestMain(m *testing.M) {
	workloads.ReleasePeerGlobals()
	goleak.VerifyTestMain(m)
}

func counting(ops *int, verifyErr error) suite.Case {
	return suite.Case{Study: "x", Bench: "X", Sub: "impl=fake", Impl: "fake", Units: 10,
		Setup: func() (*suite.Instance, error) {
			return &suite.Instance{
				Op:      func() error { *ops++; return nil },
				Verify:  func() error { return verifyErr },
				Metrics: func() map[string]float64 { return map[string]float64{"widgets": 3} },
			}, nil
		}}
}

func TestMeasure_TakesCountSamplesAfterAVerifiedWarmUp(t *testing.T) {
	ops := 0
	res, ok := study.Measure(context.Background(), counting(&ops, nil), study.Budget{Benchtime: time.Millisecond, Count: 3})
	if !ok || res.Outcome != study.OutcomeOK || len(res.Samples) != 3 {
		t.Fatalf("ok %v, outcome %q, %d samples", ok, res.Outcome, len(res.Samples))
	}
	total := 1 // the warm-up
	for _, s := range res.Samples {
		total += s.N
		for _, u := range []string{study.UnitNsPerOp, study.UnitNsPerTask, study.UnitAllocsPerOp, "widgets"} {
			if _, ok := s.Metrics[u]; !ok {
				t.Errorf("sample lacks %s", u)
			}
		}
		if got, want := s.Metrics[study.UnitNsPerTask], s.Metrics[study.UnitNsPerOp]/10; got != want {
			t.Errorf("ns/task %v, want ns/op/10 = %v", got, want)
		}
	}
	if total != ops {
		t.Errorf("samples account for %d ops, %d ran", total, ops)
	}
}

func TestMeasure_TakesFewerSamplesOfASlowCase(t *testing.T) {
	ops := 0
	c := counting(&ops, nil)
	setup := c.Setup
	c.Setup = func() (*suite.Instance, error) {
		inst, err := setup()
		op := inst.Op
		inst.Op = func() error { time.Sleep(3 * time.Millisecond); return op() }
		return inst, err
	}
	res, ok := study.Measure(context.Background(), c, study.Budget{Benchtime: time.Millisecond, Count: 3, SlowCount: 1})
	if !ok || len(res.Samples) != 1 || ops != 1 {
		t.Errorf("ok %v, %d samples, %d ops; want the warm-up op as the one sample", ok, len(res.Samples), ops)
	}
}

func TestMeasure_ReportsAFailedVerificationAsAnError(t *testing.T) {
	ops := 0
	res, ok := study.Measure(context.Background(), counting(&ops, errors.New("wrong sum")), study.Budget{Benchtime: time.Millisecond, Count: 3})
	if !ok || res.Outcome != study.OutcomeError || res.Detail != "wrong sum" || len(res.Samples) != 0 {
		t.Errorf("ok %v, outcome %q, detail %q, %d samples", ok, res.Outcome, res.Detail, len(res.Samples))
	}
}

func TestMeasure_ReportsADeadlockedProbe(t *testing.T) {
	c := suite.Case{Study: "x", Bench: "X", Sub: "impl=ants", Impl: "ants",
		Probe: func() (time.Duration, error) { return 0, workloads.ErrDeadlock }}
	res, ok := study.Measure(context.Background(), c, study.Budget{Benchtime: time.Millisecond, Count: 3})
	if !ok || res.Outcome != study.OutcomeDeadlock || len(res.Samples) != 0 {
		t.Errorf("ok %v, outcome %q, %d samples", ok, res.Outcome, len(res.Samples))
	}
}

func TestRun_AddsSpeedupOverTheSequentialCase(t *testing.T) {
	rep, err := study.Run(context.Background(), study.Config{Studies: []string{"ctx"}, Sizes: suite.SizesFor(suite.Tiny)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Studies) != 1 || rep.Studies[0].Status != "done" || rep.Interrupted {
		t.Fatalf("studies %+v, interrupted %v", rep.Studies, rep.Interrupted)
	}
	if rep.Machine.GOMAXPROCS < 1 || rep.Machine.GoVersion == "" || rep.Machine.CPU == "" {
		t.Errorf("machine %+v", rep.Machine)
	}
	// The ctx family has no sequential case: no speedup.
	for _, r := range rep.Results {
		if _, ok := r.Mean(study.UnitSpeedup); ok {
			t.Errorf("%s has a speedup without a sequential case", r.Name)
		}
	}
	rep, err = study.Run(context.Background(), study.Config{Studies: []string{"tasks"}, Sizes: suite.SizesFor(suite.Tiny)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Bench != "TasksTiny" {
			continue
		}
		v, ok := r.Mean(study.UnitSpeedup)
		if !ok || v <= 0 {
			t.Errorf("%s: speedup %v, %v", r.Name, v, ok)
		}
		if r.Impl == workloads.ImplSequential && v != 1 {
			t.Errorf("sequential speedup over itself is %v", v)
		}
	}
}

func TestRun_CanceledBeforeStartMarksEveryStudyNotRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := study.Run(ctx, study.Config{Studies: []string{"chan", "ctx"}, Sizes: suite.SizesFor(suite.Tiny)})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted || len(rep.Results) != 0 {
		t.Errorf("interrupted %v with %d results", rep.Interrupted, len(rep.Results))
	}
	for _, s := range rep.Studies {
		if s.Status != "not run" {
			t.Errorf("%s: status %q", s.Name, s.Status)
		}
	}
	if _, err := study.Run(context.Background(), study.Config{Studies: []string{"bogus"}}); err == nil {
		t.Error("unknown study accepted")
	}
}

func ExampleResult_Mean() {
	r := study.Result{Samples: []study.Sample{
		{N: 10, Metrics: map[string]float64{study.UnitNsPerOp: 100}},
		{N: 10, Metrics: map[string]float64{study.UnitNsPerOp: 300}},
	}}
	v, ok := r.Mean(study.UnitNsPerOp)
	fmt.Println(v, ok)
	// Output: 200 true
}
