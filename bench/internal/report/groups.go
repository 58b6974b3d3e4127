package report

import (
	"fmt"
	"strings"

	"github.com/gmpkit/gmpkit/bench/internal/study"
	"github.com/gmpkit/gmpkit/bench/internal/suite"
	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

// groupsCharts draws the groups family: cost and allocations per task on
// every workload, and how long Wait takes to return after the first error.
func groupsCharts(rs []study.Result, add adder) error {
	all := func(string) bool { return false }
	cats, ss := pivot(rs, study.UnitNsPerTask, 1, all)
	t := "groups: cost per task"
	svg, err := barChart(t, "ns per task (lower is better)", cats, ss)
	if err := add("groups-ns-per-task.svg", t, "Wall time per task of ~1 µs over a batch: tiny (every task returns nil), fail-early (the hundredth task fails at once and every task first checks the group's context), results (each task returns a value, collected by the group). errgroup with and without SetLimit(GOMAXPROCS), conc's context pools (WithCancelOnError, WithFirstError; the result pool returns results in completion order), gmpkit's Group and ResultGroup on a pool of GOMAXPROCS workers.", svg, err); err != nil {
		return err
	}
	cats, ss = pivot(rs, study.UnitAllocsPerTask, 1, all)
	t = "groups: allocations per task"
	svg, err = barChart(t, "allocations per task (lower is better)", cats, ss)
	if err := add("groups-allocs-per-task.svg", t, "Heap allocations per task, the group and its bookkeeping included.", svg, err); err != nil {
		return err
	}
	var fail []study.Result
	for _, r := range rs {
		if strings.HasPrefix(r.Workload, "fail-early") {
			fail = append(fail, r)
		}
	}
	if len(fail) == 0 {
		return nil
	}
	cats, ss = pivot(fail, suite.UnitAfterError, 1e-3, all)
	t = "groups: from the first error to Wait's return"
	svg, err = barChart(t, "µs (lower is better)", cats, ss)
	return add("groups-after-error.svg", t, "Time from the failing task's return to the return of Wait, which must wait for the tasks already running and skip or drain the rest; ran/op in the table counts the tasks that did their work anyway.", svg, err)
}

// BlockingSummary says in words how gmpkit's pools did on sleeping tasks:
// the Blocking pool of GOMAXPROCS workers against a goroutine per task on
// the full batch, and the plain pool of GOMAXPROCS workers against a
// goroutine per task on its small batch.
func BlockingSummary(rs []study.Result) string {
	ns := func(workload, impl string) (float64, bool) {
		for _, r := range rs {
			if r.Bench == "TasksSleep" && r.Workload == workload && r.Impl == impl && r.Outcome == study.OutcomeOK {
				return r.Mean(study.UnitNsPerOp)
			}
		}
		return 0, false
	}
	var out []string
	b, okB := ns("sleep", w.ImplGmpkitBlocking)
	g, okG := ns("sleep", w.ImplGoroutines)
	if okB && okG {
		out = append(out, fmt.Sprintf("gmpkit-blocking ran the batch in %s, a goroutine per task in %s: %.2f× a goroutine per task's speed.",
			FormatNs(b), FormatNs(g), g/b))
	}
	for _, r := range rs {
		if r.Impl != w.ImplGmpkitPlain || r.Outcome != study.OutcomeOK {
			continue
		}
		p, _ := r.Mean(study.UnitNsPerOp)
		if g, ok := ns(r.Workload, w.ImplGoroutines); ok {
			out = append(out, fmt.Sprintf("A plain pool of GOMAXPROCS workers cannot keep up: shown apart, on a batch of only %s tasks (%s), it took %s where a goroutine per task took %s (%.2f×).",
				r.Params["tasks"], r.Name, FormatNs(p), FormatNs(g), g/p))
		}
	}
	return strings.Join(out, " ")
}
