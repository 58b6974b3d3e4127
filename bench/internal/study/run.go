package study

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/gmpkit/gmpkit/bench/internal/suite"
	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

// Config says what to run.
type Config struct {
	Studies []string    // names from suite.Studies, in run order
	Sizes   suite.Sizes // workload sizes, Benchtime and Count

	// OnCase, if set, is called before each case runs.
	OnCase func(study string, c suite.Case)
	// OnResult, if set, is called after each case has finished.
	OnResult func(Result)
}

// Plan lists the cases Run will run, by study.
func Plan(cfg Config) (map[string][]suite.Case, int, error) {
	plan := map[string][]suite.Case{}
	total := 0
	for _, name := range cfg.Studies {
		cs, err := suite.Cases(name, cfg.Sizes)
		if err != nil {
			return nil, 0, err
		}
		plan[name] = cs
		total += len(cs)
	}
	return plan, total, nil
}

// Run runs the configured studies in order and returns their report. When
// ctx is canceled, Run stops after the sample in progress, keeps every case
// that had finished at least one sample, marks the report Interrupted and
// returns it; the error is non-nil only when the configuration is wrong.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	plan, _, err := Plan(cfg)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Mode:      cfg.Sizes.Mode.String(),
		Started:   time.Now(),
		Machine:   ThisMachine(),
		Benchtime: cfg.Sizes.Benchtime.String(),
		Count:     cfg.Sizes.Count,
	}
	for _, name := range cfg.Studies {
		cs := plan[name]
		sr := StudyRun{Name: name, Cases: len(cs), Status: "not run"}
		if ctx.Err() != nil {
			rep.Studies = append(rep.Studies, sr)
			continue
		}
		start := time.Now()
		var results []Result
		for _, c := range cs {
			if ctx.Err() != nil {
				break
			}
			if cfg.OnCase != nil {
				cfg.OnCase(name, c)
			}
			res, ok := Measure(ctx, c, cfg.Sizes.Benchtime, cfg.Sizes.Count)
			if !ok {
				break
			}
			results = append(results, res)
			if cfg.OnResult != nil {
				cfg.OnResult(res)
			}
		}
		derive(results)
		rep.Results = append(rep.Results, results...)
		sr.Finished = len(results)
		sr.Duration = time.Since(start).Round(time.Millisecond)
		sr.DurationHu = sr.Duration.String()
		sr.Status = "done"
		if sr.Finished < sr.Cases {
			sr.Status = "interrupted"
		}
		rep.Studies = append(rep.Studies, sr)
	}
	rep.Interrupted = ctx.Err() != nil
	rep.Duration = time.Since(rep.Started).Round(time.Millisecond)
	return rep, nil
}

// Measure runs one case: a probe once, or else one warm-up operation
// (whose result is verified) and then count samples of about benchtime
// each. It returns false when ctx was canceled before a sample finished.
func Measure(ctx context.Context, c suite.Case, benchtime time.Duration, count int) (Result, bool) {
	res := Result{Study: c.Study, Name: c.Name(), Bench: c.Bench, Workload: c.Workload, Impl: c.Impl, Params: c.Params}
	if c.Probe != nil {
		d, err := c.Probe()
		switch {
		case errors.Is(err, w.ErrDeadlock):
			res.Outcome = OutcomeDeadlock
			res.Detail = fmt.Sprintf("bounded pool of %d workers; no progress within the guard: %v", suite.Workers(), err)
		case err != nil:
			res.Outcome, res.Detail = OutcomeError, err.Error()
		default:
			res.Outcome = OutcomeOK
			res.ProbeNs = float64(d)
			res.Samples = []Sample{{N: 1, Metrics: map[string]float64{UnitNsPerOp: float64(d)}}}
		}
		return res, true
	}
	fail := func(err error) (Result, bool) {
		res.Outcome, res.Detail = OutcomeError, err.Error()
		return res, true
	}
	inst, err := c.Setup()
	if err != nil {
		return fail(err)
	}
	if inst.Close != nil {
		defer inst.Close()
	}
	start := time.Now()
	if err := inst.Op(); err != nil {
		return fail(err)
	}
	est := time.Since(start)
	if inst.Verify != nil {
		if err := inst.Verify(); err != nil {
			return fail(err)
		}
	}
	if inst.Metrics != nil {
		inst.Metrics() // drop the warm-up's
	}
	for range max(count, 1) {
		if ctx.Err() != nil {
			break
		}
		n := 1
		if est > 0 {
			n = int(min(max(int64(benchtime/est), 1), 1e9))
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		t0 := time.Now()
		for range n {
			if err := inst.Op(); err != nil {
				return fail(err)
			}
		}
		elapsed := time.Since(t0)
		runtime.ReadMemStats(&after)
		est = elapsed / time.Duration(n)
		m := map[string]float64{
			UnitNsPerOp:     float64(elapsed) / float64(n),
			UnitBytesPerOp:  float64(after.TotalAlloc-before.TotalAlloc) / float64(n),
			UnitAllocsPerOp: float64(after.Mallocs-before.Mallocs) / float64(n),
		}
		if c.Units > 0 {
			m[UnitNsPerTask] = m[UnitNsPerOp] / float64(c.Units)
		}
		if inst.Metrics != nil {
			for k, v := range inst.Metrics() {
				m[k] = v
			}
		}
		res.Samples = append(res.Samples, Sample{N: n, Metrics: m})
	}
	if len(res.Samples) == 0 {
		return res, false
	}
	res.Outcome = OutcomeOK
	return res, true
}

// derive adds the speedup of every result over the sequential result of
// the same benchmark and workload, sample by sample.
func derive(results []Result) {
	seq := map[string]float64{}
	for _, r := range results {
		if r.Impl == w.ImplSequential && r.Outcome == OutcomeOK {
			if v, ok := r.Mean(UnitNsPerOp); ok {
				seq[r.Bench+"\x00"+r.Workload] = v
			}
		}
	}
	for _, r := range results {
		base, ok := seq[r.Bench+"\x00"+r.Workload]
		if !ok || r.Outcome != OutcomeOK {
			continue
		}
		for _, s := range r.Samples {
			if ns := s.Metrics[UnitNsPerOp]; ns > 0 {
				s.Metrics[UnitSpeedup] = base / ns
			}
		}
	}
}
