package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/gmpkit/gmpkit/mutexbench"

	"github.com/gmpkit/gmpkit/bench/internal/study"
	"github.com/gmpkit/gmpkit/bench/internal/suite"
	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

// gmpkitImpls are the implementation names that are gmpkit's side of a
// comparison; every other impl of the same benchmark is a peer or baseline.
var gmpkitImpls = []string{w.ImplGmpkit, w.ImplGmpkitBlocking, w.ImplGmpkitPlain, w.ChanSafechan, w.CtxTree, w.MetricsGmpkit}

// IsGmpkit reports whether impl is gmpkit's side of a comparison.
func IsGmpkit(impl string) bool { return slices.Contains(gmpkitImpls, impl) }

// Charts draws every chart the report's results allow, in study order.
func Charts(rep *study.Report) ([]Chart, error) {
	var out []Chart
	add := func(file, title, caption string, svg []byte, err error) error {
		if err != nil {
			return fmt.Errorf("report: chart %s: %w", file, err)
		}
		out = append(out, Chart{File: file, Title: title, Caption: caption, SVG: svg})
		return nil
	}
	for _, st := range rep.Studies {
		rs := rep.ByStudy(st.Name)
		if len(rs) == 0 {
			continue
		}
		var err error
		switch st.Name {
		case "tasks":
			err = tasksCharts(rs, add)
		case "forkjoin":
			err = forkjoinCharts(rs, add)
		case "groups":
			err = groupsCharts(rs, add)
		case "steal":
			err = stealCharts(rs, add)
		case "locks":
			err = locksCharts(rs, add)
		case "chan":
			err = simpleChart(rs, "Chan", "chan.svg", "chan: 2 producers, 2 consumers, 64 slots", "ns per value (lower is better)", study.UnitNsPerTask, 1,
				"Cost per value moved, closing included: a raw channel, safechan, and the RWMutex-guarded wrapper.", add)
		case "ctx":
			err = simpleChart(rs, "Ctx", "ctx.svg", "ctx: build and cancel a tree of contexts", "µs per tree (lower is better)", study.UnitNsPerOp, 1e-3,
				"Build a tree with a time budget at every node, then cancel it from the root: stdlib context against ctxtree.", add)
		case "metrics":
			err = simpleChart(rs, "Metrics", "metrics.svg", "metrics: one scrape (Registry.Gather)", "µs per scrape (lower is better)", study.UnitNsPerOp, 1e-3,
				"client_golang's GoCollector (all runtime/metrics) against runtimemetrics.NewCollector.", add)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

type adder func(file, title, caption string, svg []byte, err error) error

func meanOr(r study.Result, unit string) float64 {
	if r.Outcome != study.OutcomeOK {
		return math.NaN()
	}
	v, ok := r.Mean(unit)
	if !ok {
		return math.NaN()
	}
	return v
}

func implsOf(rs []study.Result) []string {
	var out []string
	for _, r := range rs {
		if !slices.Contains(out, r.Impl) {
			out = append(out, r.Impl)
		}
	}
	return out
}

func tasksCharts(rs []study.Result, add adder) error {
	for _, spec := range []struct {
		bench, file, title, ylabel, unit string
		scale                            float64
		caption                          string
	}{
		{"TasksTiny", "tasks-tiny.svg", "tasks/tiny: per-task overhead", "ns per task (lower is better)", study.UnitNsPerTask, 1,
			"Wall time per ~100 ns task over a batch, the sequential loop as the floor: what each implementation adds per task."},
		{"TasksSleep", "tasks-sleep.svg", "tasks/sleep: a batch of sleeping tasks", "ms per batch (lower is better)", study.UnitNsPerOp, 1e-6,
			"The scenario of the ants and pond READMEs: many tasks of time.Sleep, bounded peers sized to the family's width (gmpkit: a pool of that many workers). " +
				"gmpkit-blocking is a pool of GOMAXPROCS workers whose tasks wrap the sleep in Pool.Blocking, with WithMaxBlocked at least the batch size so that the cap never limits it. " +
				BlockingSummary(rs)},
	} {
		var sel []study.Result
		for _, r := range rs {
			if r.Bench == spec.bench && (r.Bench != "TasksSleep" || r.Workload == "sleep") {
				sel = append(sel, r)
			}
		}
		if len(sel) == 0 {
			continue
		}
		cats := implsOf(sel)
		s := series{name: spec.unit}
		for _, r := range sel {
			s.values = append(s.values, meanOr(r, spec.unit)*spec.scale)
			s.notes = append(s.notes, r.Outcome)
		}
		svg, err := barChart(spec.title, spec.ylabel, cats, []series{s})
		if err := add(spec.file, spec.title, spec.caption, svg, err); err != nil {
			return err
		}
	}
	return nil
}

func stealCharts(rs []study.Result, add adder) error {
	policies := []string{"lifo", "fifo"}
	build := func(unit string) []series {
		s := series{name: "gmpkit", values: []float64{math.NaN(), math.NaN()}}
		for _, r := range rs {
			if k := slices.Index(policies, r.Params["policy"]); k >= 0 {
				s.values[k] = meanOr(r, unit)
			}
		}
		return []series{s}
	}
	cats := []string{"LIFO", "FIFO"}
	t1 := "steal: success rate of steal attempts"
	svg, err := barChart(t1, "successful steals / attempts", cats, build("steal-rate"))
	if err := add("steal-rate.svg", t1, "4 workers; every task is forked by one worker, so the other three get work only by stealing. Higher means thieves find work on the first try more often.", svg, err); err != nil {
		return err
	}
	t2 := "steal: variance of task completion times"
	svg, err = barChart(t2, "variance (ms²; lower is fairer)", cats, build("completion-var-ms2"))
	return add("steal-variance.svg", t2, "Variance of the tasks' completion times, measured from the first fork: lower means the tasks finish closer together, which is fairer to the oldest ones. LIFO owners run their newest task first; FIFO owners their oldest.", svg, err)
}

func locksCharts(rs []study.Result, add adder) error {
	var css []string
	for _, r := range rs {
		if !slices.Contains(css, r.Params["cs"]) {
			css = append(css, r.Params["cs"])
		}
	}
	for _, cs := range css {
		// The read ratios crowd near 100% (50, 90, 99, 100), so the x axis
		// places them evenly, by index, and labels them.
		var reads []float64
		for _, r := range rs {
			x, err := strconv.ParseFloat(r.Params["read"], 64)
			if err == nil && r.Params["cs"] == cs && !slices.Contains(reads, x) {
				reads = append(reads, x)
			}
		}
		slices.Sort(reads)
		byImpl := map[string]plotter.XYs{}
		var impls []string
		for _, r := range rs {
			if r.Params["cs"] != cs || r.Outcome != study.OutcomeOK {
				continue
			}
			x, err := strconv.ParseFloat(r.Params["read"], 64)
			if err != nil {
				continue
			}
			mops, ok := r.Mean(suite.UnitMops)
			if !ok || mops <= 0 {
				continue
			}
			if _, seen := byImpl[r.Impl]; !seen {
				impls = append(impls, r.Impl)
			}
			byImpl[r.Impl] = append(byImpl[r.Impl], plotter.XY{X: float64(slices.Index(reads, x)), Y: mops})
		}
		var ls []line
		for _, impl := range impls {
			xys := byImpl[impl]
			sort.Slice(xys, func(i, j int) bool { return xys[i].X < xys[j].X })
			ls = append(ls, line{name: impl, xys: xys})
		}
		var ticks []plot.Tick
		for i, r := range reads {
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: strconv.FormatFloat(r*100, 'f', -1, 64) + "%"})
		}
		var marks []mark
		caption := "GOMAXPROCS goroutines reading and writing one 1024-entry table behind each lock (mutexbench's workload, 50 ns of work between operations)."
		if read, ok := lockCrossover(rs, cs, reads); ok {
			label := fmt.Sprintf("RWMutex beats Mutex beyond the noise from %g%% reads", read*100)
			marks = append(marks, mark{x: float64(slices.Index(reads, read)), label: label})
			caption += " The dashed line marks the crossover: " + label + " (mutexbench's verdict rule: the 95% interval of the paired ratio clears parity ± the noise at every read ratio from there up)."
		} else {
			caption += " RWMutex never beat Mutex beyond the noise (mutexbench's verdict rule) at the top of this range: no crossover."
		}
		title := "locks: throughput across read ratios, critical section " + cs
		svg, err := lineChart(title, "share of reads", "million lock ops/s (higher is better)", ls, marks, ticks)
		if err := add("locks-cs-"+fileSafe(cs)+".svg", title, caption, svg, err); err != nil {
			return err
		}
	}
	return nil
}

// lockCrossover applies mutexbench's verdict rule (CompareRounds, the
// samples of the two locks paired in order) at each read ratio of
// critical section cs, and returns the lowest read ratio of the highest
// stretch that RWMutex wins, as mutexbench.Crossover reads its grid.
func lockCrossover(rs []study.Result, cs string, reads []float64) (float64, bool) {
	samples := func(impl string, read float64) []float64 {
		var v []float64
		for _, r := range rs {
			x, err := strconv.ParseFloat(r.Params["read"], 64)
			if err != nil || x != read || r.Impl != impl || r.Params["cs"] != cs || r.Outcome != study.OutcomeOK {
				continue
			}
			for _, s := range r.Samples {
				if m, ok := s.Metrics[suite.UnitMops]; ok {
					v = append(v, m)
				}
			}
		}
		return v
	}
	at, found := 0.0, false
	for i := len(reads) - 1; i >= 0; i-- {
		m, w := samples(LockMutex, reads[i]), samples(LockRWMutex, reads[i])
		n := min(len(m), len(w))
		if n == 0 || mutexbench.CompareRounds(m[:n], w[:n]).Verdict != mutexbench.Wins {
			if found {
				break
			}
			continue
		}
		at, found = reads[i], true
	}
	return at, found
}

// Lock implementation names the crossover compares.
const (
	LockMutex   = "mutex"
	LockRWMutex = "rwmutex"
)

// Crossover returns the first x at which b's y exceeds a's by more than
// margin (relative), linearly interpolated between the two sample points
// that straddle it. Both must be sorted by x and sampled at the same x
// values. A margin keeps run-to-run noise from being called a crossover.
func Crossover(a, b plotter.XYs, margin float64) (float64, bool) {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i].X != b[i].X {
			return 0, false
		}
		d := b[i].Y - a[i].Y*(1+margin)
		if d <= 0 {
			continue
		}
		if i == 0 {
			return a[0].X, true
		}
		d0 := b[i-1].Y - a[i-1].Y*(1+margin)
		t := d0 / (d0 - d) // d0 <= 0 < d
		return a[i-1].X + t*(a[i].X-a[i-1].X), true
	}
	return 0, false
}

func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		case r == 'µ':
			return 'u'
		}
		return '_'
	}, s)
}

func simpleChart(rs []study.Result, bench, file, title, ylabel, unit string, scale float64, caption string, add adder) error {
	var sel []study.Result
	for _, r := range rs {
		if r.Bench == bench {
			sel = append(sel, r)
		}
	}
	if len(sel) == 0 {
		return nil
	}
	s := series{name: unit}
	for _, r := range sel {
		s.values = append(s.values, meanOr(r, unit)*scale)
		s.notes = append(s.notes, r.Outcome)
	}
	svg, err := barChart(title, ylabel, implsOf(sel), []series{s})
	return add(file, title, caption, svg, err)
}

// HeadCell is one peer's figure in a headline row.
type HeadCell struct {
	Peer  string
	Ratio float64 // the peer's time / gmpkit's time: > 1 means gmpkit is faster
	Note  string  // set instead of Ratio: "deadlocks", "error"
}

// HeadRow compares gmpkit with every peer on one workload (at one worker
// count, where the workload has several).
type HeadRow struct {
	Bench, Workload, Workers, Gmpkit string
	GmpkitNs                         float64
	Cells                            []HeadCell
}

// Label is the row's workload as the tables show it: "uts, 2 workers".
func (r HeadRow) Label() string {
	switch r.Workers {
	case "":
		return r.Workload
	case "1":
		return r.Workload + ", 1 worker"
	}
	return r.Workload + ", " + r.Workers + " workers"
}

// Headline compares, workload by workload, gmpkit's time per op with each
// peer's (and the baseline's) in the same run. A peer without a worker
// count (the sequential program) is compared with every worker count of
// its workload. The anchors (Rayon, Java) are left out: a ratio of times
// across languages measures the compilers as much as the schedulers; the
// fork-join section compares their speedups instead.
func Headline(rep *study.Report) []HeadRow {
	var rows []HeadRow
	idx := map[string]int{}
	key := func(r study.Result) string { return r.Bench + "\x00" + r.Workload + "\x00" + r.Params["workers"] }
	for _, r := range rep.Results {
		if !IsGmpkit(r.Impl) || r.Outcome != study.OutcomeOK || r.Bench == "Locks" {
			continue
		}
		ns, ok := r.Mean(study.UnitNsPerOp)
		if _, dup := idx[key(r)]; !ok || ns <= 0 || dup {
			continue
		}
		idx[key(r)] = len(rows)
		rows = append(rows, HeadRow{Bench: r.Bench, Workload: r.Workload, Workers: r.Params["workers"], Gmpkit: r.Impl, GmpkitNs: ns})
	}
	for _, r := range rep.Results {
		if IsGmpkit(r.Impl) || r.External {
			continue
		}
		for i := range rows {
			row := &rows[i]
			if row.Bench != r.Bench || row.Workload != r.Workload || (r.Params["workers"] != "" && r.Params["workers"] != row.Workers) {
				continue
			}
			c := HeadCell{Peer: r.Impl}
			if r.Outcome != study.OutcomeOK {
				c.Note = r.Outcome
			} else if ns, ok := r.Mean(study.UnitNsPerOp); ok {
				c.Ratio = ns / row.GmpkitNs
			} else {
				continue
			}
			row.Cells = append(row.Cells, c)
		}
	}
	var out []HeadRow
	for _, row := range rows {
		if len(row.Cells) > 0 {
			out = append(out, row)
		}
	}
	return out
}

// FormatRatio writes a ratio as the tables show it: "2.3×".
func FormatRatio(c HeadCell) string {
	if c.Note != "" {
		return c.Note
	}
	switch {
	case c.Ratio >= 10:
		return fmt.Sprintf("%.0f×", c.Ratio)
	case c.Ratio >= 1:
		return fmt.Sprintf("%.2g×", c.Ratio)
	default:
		return fmt.Sprintf("%.2f×", c.Ratio)
	}
}

// FormatNs writes a duration in ns with a readable unit.
func FormatNs(ns float64) string {
	if math.IsNaN(ns) {
		return "–"
	}
	d := time.Duration(ns)
	switch {
	case ns < 1000:
		return strconv.FormatFloat(ns, 'f', 1, 64) + " ns"
	case d < time.Millisecond:
		return strconv.FormatFloat(ns/1e3, 'f', 2, 64) + " µs"
	case d < time.Second:
		return strconv.FormatFloat(ns/1e6, 'f', 2, 64) + " ms"
	}
	return strconv.FormatFloat(ns/1e9, 'f', 2, 64) + " s"
}
