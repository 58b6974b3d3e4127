package study

import (
	"context"
	"errors"
	"fmt"
	"maps"
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
	// OnResult, if set, is called after each case has finished, with its
	// results: one, or one per row of an External case.
	OnResult func([]Result)
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
		if notes := suite.Notes(name, cfg.Sizes); len(notes) > 0 {
			if rep.Notes == nil {
				rep.Notes = map[string][]string{}
			}
			rep.Notes[name] = notes
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
			var rs []Result
			var ok bool
			if c.External != nil {
				rs, ok = MeasureExternal(ctx, c)
			} else {
				var res Result
				res, ok = Measure(ctx, c, BudgetOf(cfg.Sizes))
				rs = []Result{res}
			}
			if !ok {
				break
			}
			results = append(results, rs...)
			if cfg.OnResult != nil {
				cfg.OnResult(rs)
			}
		}
		derive(results)
		rep.Results = append(rep.Results, results...)
		sr.Finished = finished(results)
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

// Budget is what Measure spends on a case.
type Budget struct {
	Benchtime time.Duration // per sample
	Count     int           // samples
	// SlowCount, if above 0, caps the samples of a case whose warm-up op
	// took longer than two Benchtimes (each of its samples is one op), the
	// warm-up counting as the first: quick mode takes one, so that a slow
	// peer costs one op, not four.
	SlowCount int
}

// BudgetOf is the budget of sizes s.
func BudgetOf(s suite.Sizes) Budget {
	return Budget{Benchtime: s.Benchtime, Count: s.Count, SlowCount: s.SlowCount}
}

// Measure runs one case: a probe once, or else one warm-up operation
// (whose result is verified) and then b.Count samples of about
// b.Benchtime (or the case's own Benchtime) each (fewer for a slow case,
// see Budget.SlowCount). It returns false, having run nothing, when ctx
// is already canceled, and false when ctx was canceled before a sample
// finished.
func Measure(ctx context.Context, c suite.Case, b Budget) (Result, bool) {
	if ctx.Err() != nil {
		return Result{}, false
	}
	benchtime, count := b.Benchtime, b.Count
	if c.Benchtime > 0 {
		benchtime = c.Benchtime
	}
	res := Result{Study: c.Study, Name: c.Name(), Bench: c.Bench, Workload: c.Workload, Impl: c.Impl, Params: c.Params, Base: c.Base}
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
	warm, err := timeOps(c, inst, 1)
	if err != nil {
		return fail(err)
	}
	if inst.Verify != nil {
		if err := inst.Verify(); err != nil {
			return fail(err)
		}
	}
	est := time.Duration(warm.Metrics[UnitNsPerOp])
	count = max(count, 1)
	if b.SlowCount > 0 && est > 2*benchtime {
		// A slow op is its own warm-up: what a first run costs more (a
		// pool starting, pages faulting in) is small beside it.
		res.Samples = append(res.Samples, warm)
		count = min(count, b.SlowCount) - 1
	}
	for range count {
		if ctx.Err() != nil {
			break
		}
		n := 1
		if est > 0 {
			n = int(min(max(int64(benchtime/est), 1), 1e9))
		}
		smp, err := timeOps(c, inst, n)
		if err != nil {
			return fail(err)
		}
		est = time.Duration(smp.Metrics[UnitNsPerOp])
		res.Samples = append(res.Samples, smp)
	}
	if len(res.Samples) == 0 {
		return res, false
	}
	res.Outcome = OutcomeOK
	return res, true
}

// timeOps takes one sample of c: n ops of inst after a runtime.GC, with
// MemStats read around them for B/op and allocs/op.
func timeOps(c suite.Case, inst *suite.Instance, n int) (Sample, error) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	for range n {
		if err := inst.Op(); err != nil {
			return Sample{}, err
		}
	}
	elapsed := time.Since(t0)
	runtime.ReadMemStats(&after)
	m := map[string]float64{
		UnitNsPerOp:     float64(elapsed) / float64(n),
		UnitBytesPerOp:  float64(after.TotalAlloc-before.TotalAlloc) / float64(n),
		UnitAllocsPerOp: float64(after.Mallocs-before.Mallocs) / float64(n),
	}
	if c.Units > 0 {
		m[UnitNsPerTask] = m[UnitNsPerOp] / float64(c.Units)
		m[UnitAllocsPerTask] = m[UnitAllocsPerOp] / float64(c.Units)
	}
	if inst.Metrics != nil {
		maps.Copy(m, inst.Metrics())
	}
	return Sample{N: n, Metrics: m}, nil
}

// MeasureExternal runs an External case (an anchor) once and returns one
// result per row it reported, each named as the Go case of the same
// workload is. A program that fails is one error result; a row whose
// check failed is an error row. It returns false when ctx was canceled
// before the program finished.
func MeasureExternal(ctx context.Context, c suite.Case) ([]Result, bool) {
	rows, err := c.External(ctx)
	if ctx.Err() != nil {
		return nil, false
	}
	if err != nil {
		return []Result{{Study: c.Study, Name: c.Name(), Bench: c.Bench, Workload: c.Workload, Impl: c.Impl,
			Outcome: OutcomeError, Detail: err.Error()}}, true
	}
	var out []Result
	for _, r := range rows {
		res := Result{Study: c.Study, Name: c.Bench + "/" + r.Sub, Bench: c.Bench, Workload: r.Workload,
			Impl: c.Impl, Params: r.Params, Outcome: OutcomeOK, External: true}
		if r.Err != nil {
			res.Outcome, res.Detail = OutcomeError, r.Err.Error()
		} else {
			m := map[string]float64{UnitNsPerOp: r.NsPerOp, UnitSpeedup: r.Speedup}
			maps.Copy(m, r.Metrics)
			res.Samples = []Sample{{N: r.N, Metrics: m}}
		}
		out = append(out, res)
	}
	return out, true
}

// finished counts the cases behind results: the rows of one External case
// count once, as the plan does.
func finished(results []Result) int {
	n := 0
	for i, r := range results {
		if !r.External || i == 0 || !results[i-1].External || results[i-1].Impl != r.Impl {
			n++
		}
	}
	return n
}

// derive adds each result's ratio to its baseline in the same run, sample
// by sample: the speedup over the sequential result of the same benchmark
// and workload, or, for a case with a Base, the base's ns/op over this
// one's (UnitVs). External results carry their own speedup, over their own
// language's sequential program, and are left as they are.
func derive(results []Result) {
	base := map[string]float64{}
	key := func(bench, workload, impl string) string { return bench + "\x00" + workload + "\x00" + impl }
	for _, r := range results {
		if v, ok := r.Mean(UnitNsPerOp); ok && r.Outcome == OutcomeOK && !r.External {
			base[key(r.Bench, r.Workload, r.Impl)] = v
		}
	}
	for _, r := range results {
		impl, unit := w.ImplSequential, UnitSpeedup
		if r.Base != "" {
			impl, unit = r.Base, UnitVs(r.Base)
		}
		b, ok := base[key(r.Bench, r.Workload, impl)]
		if !ok || r.Outcome != OutcomeOK || r.External {
			continue
		}
		for _, s := range r.Samples {
			if ns := s.Metrics[UnitNsPerOp]; ns > 0 {
				s.Metrics[unit] = b / ns
			}
		}
	}
}
