package suite

import (
	"strconv"
	"time"

	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func init() { builders["tasks"] = tasksCases }

// TinyImpls are the implementations of tasks/tiny, the sequential floor first.
var TinyImpls = []string{w.ImplSequential, w.ImplGmpkit, w.ImplGoroutines, w.ImplErrgroup,
	w.ImplAnts, w.ImplAnts10k, w.ImplPond, w.ImplConc, w.ImplChanLoop}

// SleepImpls are the implementations of tasks/sleep, gmpkit-blocking first
// (the headline compares the others with it). The sequential loop and the
// GOMAXPROCS-sized ants pool are left out: with 10 ms tasks they take
// minutes, which says nothing the tiny family does not; gmpkit's plain
// GOMAXPROCS-worker pool, which cannot keep up either, runs a small batch
// of its own (SleepPlainImpls).
var SleepImpls = []string{w.ImplGmpkitBlocking, w.ImplGmpkit, w.ImplGoroutines, w.ImplErrgroup,
	w.ImplAnts10k, w.ImplPond, w.ImplConc, w.ImplChanLoop}

// SleepPlainImpls run the small sleep batch: a goroutine per task, the
// baseline, and gmpkit's plain pool of GOMAXPROCS workers.
var SleepPlainImpls = []string{w.ImplGoroutines, w.ImplGmpkitPlain}

func tasksCases(s Sizes) []Case {
	var cs []Case
	for _, impl := range TinyImpls {
		cs = append(cs, runnerCase("TasksTiny", "tiny", "impl="+impl, impl, Workers(), s.TinyTasks, w.TinyTask))
	}
	sleep := func() { time.Sleep(s.SleepFor) }
	for _, impl := range SleepImpls {
		cs = append(cs, runnerCase("TasksSleep", "sleep", "impl="+impl, impl, s.SleepWidth, s.SleepTasks, sleep))
	}
	// The small batch is its own workload, so that its rows are compared
	// with each other only.
	n := s.SleepPlainTasks
	for _, impl := range SleepPlainImpls {
		c := runnerCase("TasksSleep", "sleep-"+strconv.Itoa(n), "tasks="+strconv.Itoa(n)+"/impl="+impl, impl, Workers(), n, sleep)
		c.Params = map[string]string{"tasks": strconv.Itoa(n)}
		cs = append(cs, c)
	}
	return cs
}

// runnerCase runs n tasks per op on impl's Runner of the given width. The
// blocking pool has GOMAXPROCS workers whatever the width, and a cap on
// blocked workers (WithMaxBlocked) of at least n, so that the cap is never
// what limits it.
func runnerCase(bench, workload, sub, impl string, width, n int, task func()) Case {
	return Case{
		Study: "tasks", Bench: bench, Sub: sub, Workload: workload, Impl: impl, Units: n,
		Setup: func() (*Instance, error) {
			var r w.Runner
			var err error
			if impl == w.ImplGmpkitBlocking {
				r = w.NewGmpkitBlockingRunner(Workers(), max(n, 10_000))
			} else if r, err = w.NewRunner(impl, width); err != nil {
				return nil, err
			}
			return &Instance{Op: func() error { return r.Run(n, task) }, Close: r.Close}, nil
		},
	}
}
