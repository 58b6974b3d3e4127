package report

import (
	"fmt"
	"math"
	"slices"

	"github.com/gmpkit/gmpkit/bench/internal/study"
	"github.com/gmpkit/gmpkit/bench/internal/suite"
	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

// Languages of the side-by-side table's sequential columns, by the impl
// whose rows carry that language's sequential time.
var seqLangs = []struct{ impl, lang string }{{w.ImplSequential, "Go"}, {"rayon", "Rust"}, {"java-fjp", "Java"}}

// pivot returns the workloads of rs (the categories, in run order) and one
// series per implementation (in run order, without those skip names) of
// unit times scale; a result that did not finish labels its bar with its
// outcome instead.
func pivot(rs []study.Result, unit string, scale float64, skip func(impl string) bool) ([]string, []series) {
	var cats []string
	for _, r := range rs {
		if !slices.Contains(cats, r.Workload) {
			cats = append(cats, r.Workload)
		}
	}
	var ss []series
	for _, impl := range implsOf(rs) {
		if skip(impl) {
			continue
		}
		s := series{name: impl, values: make([]float64, len(cats)), notes: make([]string, len(cats))}
		for k := range s.values {
			s.values[k] = math.NaN()
		}
		for _, r := range rs {
			if r.Impl == impl {
				k := slices.Index(cats, r.Workload)
				s.values[k] = meanOr(r, unit) * scale
				if r.Outcome != study.OutcomeOK {
					s.notes[k] = r.Outcome
				}
			}
		}
		ss = append(ss, s)
	}
	return cats, ss
}

// forkjoinCharts draws one speedup chart per worker count.
func forkjoinCharts(rs []study.Result, add adder) error {
	for _, workers := range workerCounts(rs) {
		var sel []study.Result
		for _, r := range rs {
			if r.Params["workers"] == workers {
				sel = append(sel, r)
			}
		}
		cats, ss := pivot(sel, study.UnitSpeedup, 1, func(string) bool { return false })
		title := fmt.Sprintf("fork-join, %s workers: speedup over the sequential program", workers)
		svg, err := barChart(title, "speedup (higher is better)", cats, ss)
		caption := "The sequential program's time (FibSeq, MergeSortSeq, NQueensSeq, Tree.Seq, LoopSeq) divided by each implementation's time for the same result. " +
			"Go rows run with GOMAXPROCS " + workers + ", and gmpkit's pool has " + workers + " workers. " +
			"rayon and java-fjp are the same workloads in Rust (rayon::join, par_iter_mut) and Java (ForkJoinPool, invokeAll, a parallel IntStream) on pools of " + workers + " threads, " +
			"each divided into its own language's sequential program. Bounded ants and pond pools are run guarded: \"deadlocks\" means every worker was waiting for a queued child when the guard fired."
		if err := add("forkjoin-speedup-workers"+workers+".svg", title, caption, svg, err); err != nil {
			return err
		}
	}
	return nil
}

// workerCounts lists the worker counts of rs, in run order.
func workerCounts(rs []study.Result) []string {
	var out []string
	for _, r := range rs {
		if n := r.Params["workers"]; n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// Side is the fork-join study's side-by-side table: one row per workload
// and worker count, one column per parallel implementation (gmpkit, the Go
// peers, the anchors), each cell the implementation's speedup over its own
// language's sequential program and its time per op; then each language's
// sequential time.
type Side struct {
	Impls []string
	Langs []string // the sequential columns: Go, Rust, Java (those present)
	Rows  []SideRow
}

// SideRow is one workload at one worker count.
type SideRow struct {
	Workload, Workers string
	Cells             []SideCell // by Side.Impls
	Seq               []float64  // ns, by Side.Langs; NaN where absent
}

// SideCell is one implementation's figures; Note replaces them ("deadlocks").
type SideCell struct {
	Speedup, Ns float64 // NaN when the implementation did not run here
	Note        string
}

// SideBySide builds the fork-join table from rep's forkjoin results.
func SideBySide(rep *study.Report) Side {
	rs := rep.ByStudy("forkjoin")
	var side Side
	for _, impl := range implsOf(rs) {
		if impl != w.ImplSequential {
			side.Impls = append(side.Impls, impl)
		}
	}
	for _, l := range seqLangs {
		if slices.Contains(implsOf(rs), l.impl) {
			side.Langs = append(side.Langs, l.lang)
		}
	}
	for _, r := range rs {
		workers := r.Params["workers"]
		if workers == "" || slices.ContainsFunc(side.Rows, func(s SideRow) bool { return s.Workload == r.Workload && s.Workers == workers }) {
			continue
		}
		row := SideRow{Workload: r.Workload, Workers: workers}
		for _, impl := range side.Impls {
			row.Cells = append(row.Cells, sideCell(rs, r.Workload, workers, impl))
		}
		for _, l := range seqLangs {
			if slices.Contains(implsOf(rs), l.impl) {
				row.Seq = append(row.Seq, seqTime(rs, r.Workload, workers, l.impl))
			}
		}
		side.Rows = append(side.Rows, row)
	}
	return side
}

func sideCell(rs []study.Result, workload, workers, impl string) SideCell {
	c := SideCell{Speedup: math.NaN(), Ns: math.NaN()}
	for _, r := range rs {
		if r.Workload == workload && r.Params["workers"] == workers && r.Impl == impl {
			if r.Outcome != study.OutcomeOK {
				c.Note = r.Outcome
			}
			c.Speedup, c.Ns = meanOr(r, study.UnitSpeedup), meanOr(r, study.UnitNsPerOp)
		}
	}
	return c
}

// seqTime is the sequential time of a language on a workload: Go's
// sequential case, or an anchor's own sequential figure at that worker
// count.
func seqTime(rs []study.Result, workload, workers, impl string) float64 {
	for _, r := range rs {
		if r.Workload != workload || r.Impl != impl {
			continue
		}
		if impl == w.ImplSequential {
			return meanOr(r, study.UnitNsPerOp)
		}
		if r.Params["workers"] == workers {
			return meanOr(r, suite.UnitSeqNs)
		}
	}
	return math.NaN()
}

// FormatSpeedup writes a side-by-side cell: "1.85× (5.41 ms)", its note,
// or "–" where the implementation did not run.
func FormatSpeedup(c SideCell) string {
	switch {
	case c.Note != "":
		return c.Note
	case math.IsNaN(c.Speedup):
		return "–"
	}
	return fmt.Sprintf("%.2f× (%s)", c.Speedup, FormatNs(c.Ns))
}
