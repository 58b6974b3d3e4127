package suite

import (
	"time"

	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func init() { builders["tasks"] = tasksCases }

// TinyImpls are the implementations of tasks/tiny, the sequential floor first.
var TinyImpls = []string{w.ImplSequential, w.ImplGmpkit, w.ImplGoroutines, w.ImplErrgroup,
	w.ImplAnts, w.ImplAnts10k, w.ImplPond, w.ImplConc, w.ImplChanLoop}

// SleepImpls are the implementations of tasks/sleep. The sequential loop
// and the GOMAXPROCS-sized ants pool are left out: with 10 ms tasks they
// take minutes, which says nothing the tiny family does not.
var SleepImpls = []string{w.ImplGmpkit, w.ImplGoroutines, w.ImplErrgroup,
	w.ImplAnts10k, w.ImplPond, w.ImplConc, w.ImplChanLoop}

func tasksCases(s Sizes) []Case {
	var cs []Case
	for _, impl := range TinyImpls {
		cs = append(cs, runnerCase("TasksTiny", "tiny", impl, Workers(), s.TinyTasks, w.TinyTask))
	}
	sleep := func() { time.Sleep(s.SleepFor) }
	for _, impl := range SleepImpls {
		cs = append(cs, runnerCase("TasksSleep", "sleep", impl, s.SleepWidth, s.SleepTasks, sleep))
	}
	return cs
}

func runnerCase(bench, workload, impl string, width, n int, task func()) Case {
	return Case{
		Study: "tasks", Bench: bench, Sub: "impl=" + impl, Workload: workload, Impl: impl, Units: n,
		Setup: func() (*Instance, error) {
			r, err := w.NewRunner(impl, width)
			if err != nil {
				return nil, err
			}
			return &Instance{Op: func() error { return r.Run(n, task) }, Close: r.Close}, nil
		},
	}
}
