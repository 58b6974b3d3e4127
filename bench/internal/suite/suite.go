package suite

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

// Mode selects the sizes of the workloads.
type Mode int

const (
	// Tiny sizes make every case finish in milliseconds; the tests run
	// the whole study with them. Their figures mean nothing.
	Tiny Mode = iota
	// Quick is the default study: the documented workload sizes, short runs.
	Quick
	// Full is the real performance study: the same sizes, longer runs
	// and more repetitions.
	Full
)

// String returns "tiny", "quick" or "full".
func (m Mode) String() string {
	switch m {
	case Tiny:
		return "tiny"
	case Quick:
		return "quick"
	case Full:
		return "full"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Sizes are the knobs of every workload.
type Sizes struct {
	Mode Mode

	TinyTasks int // tasks per op in tasks/tiny (100k of ~100 ns)

	SleepTasks int           // tasks per op in tasks/sleep
	SleepFor   time.Duration // each sleep task's sleep (ants' and pond's READMEs: 10 ms)
	SleepWidth int           // pool size of the bounded peers in tasks/sleep

	SleepPlainTasks int // tasks per op of the plain GOMAXPROCS-worker pool in tasks/sleep

	FibN         int   // fib(FibN) (32)
	FibCutoffs   []int // cutoffs every implementation runs (20, 12)
	FibFine      []int // fine cutoffs (2): gmpkit and the anchors always,
	FibFinePeers bool  // and the goroutine-per-fork peers at the widest worker count when set (full mode)
	SortN        int   // ints sorted by mergesort (1e6)
	Queens       int   // board size of nqueens (10)
	Tree         w.Tree
	LoopN        int // iterations of the parallel loop (2M)
	LoopRounds   int // Mix rounds of its body (w.LoopRounds, ~15 ns)
	// ForkWorkers are the worker counts of the fork-join workloads (the
	// issue: 1 and 2); mergesort and nqueens run at the largest only.
	ForkWorkers []int

	// AnchorReps and AnchorWarmup are the timed and untimed runs of each
	// (workload, threads) in the Rayon and Java anchors.
	AnchorReps, AnchorWarmup int

	GroupTasks int // tasks per op in the groups family (10k)

	ProbeTimeout time.Duration // guard of the deadlock probes of bounded peers

	StealTasks int // tasks per steal experiment (1000)
	StealLight int // Spin rounds of a light steal task
	StealHeavy int // Spin rounds of a heavy steal task (every third)

	ChanValues int // values moved per chan op

	CtxFanout, CtxDepth int // shape of the context tree built per ctx op

	LockOps       int             // operations per goroutine per lock op
	LockCS        []time.Duration // critical-section lengths, one chart each
	LockReadRatio []float64       // read ratios across the lock charts' x axis

	// Benchtime is how long the study runs each case per sample, and Count
	// how many samples it takes (benchstat wants at least 3 to report a
	// confidence interval).
	Benchtime time.Duration
	Count     int
	// ManyBenchtime is the time per sample of the cases of the forkjoin
	// and groups studies, which are many: shorter than Benchtime in quick
	// mode (100 ms) so that the study stays quick; Benchtime otherwise.
	ManyBenchtime time.Duration
	// SlowCount, if above 0, caps the samples of a case whose op takes
	// longer than two Benchtimes, its warm-up counting as the first (quick
	// mode: 1, so that the slowest peers cost one op, not four; full: 3).
	SlowCount int
}

// SizesFor returns the sizes of a mode.
func SizesFor(m Mode) Sizes {
	s := Sizes{
		Mode:       m,
		TinyTasks:  100_000,
		SleepTasks: 5_000, SleepFor: 10 * time.Millisecond, SleepWidth: 10_000, SleepPlainTasks: 20,
		FibN: 32, FibCutoffs: []int{20, 12}, FibFine: []int{2},
		SortN: 1_000_000, Queens: 10, Tree: w.StudyTree, LoopN: 2_000_000, LoopRounds: w.LoopRounds,
		ForkWorkers: []int{1, 2}, AnchorReps: 3, AnchorWarmup: 2,
		GroupTasks:   10_000,
		ProbeTimeout: 250 * time.Millisecond,
		StealTasks:   1000, StealLight: 800, StealHeavy: 16_000,
		ChanValues: 100_000,
		CtxFanout:  4, CtxDepth: 3,
		LockOps:       20_000,
		LockCS:        []time.Duration{0, 500 * time.Nanosecond, 5 * time.Microsecond},
		LockReadRatio: []float64{0.5, 0.9, 0.99, 1},
		Benchtime:     150 * time.Millisecond, Count: 3, SlowCount: 1, ManyBenchtime: 100 * time.Millisecond,
	}
	switch m {
	case Tiny:
		s.TinyTasks = 500
		s.SleepTasks, s.SleepFor, s.SleepWidth, s.SleepPlainTasks = 40, time.Millisecond, 20, 4
		s.FibN, s.FibCutoffs = 16, []int{10, 6}
		s.SortN, s.Queens = 20_000, 6
		s.Tree.B0, s.Tree.Rounds = 20, 4
		s.LoopN = 20_000
		s.AnchorReps, s.AnchorWarmup = 1, 0
		s.GroupTasks = 200
		s.ProbeTimeout = 50 * time.Millisecond
		s.StealTasks, s.StealLight, s.StealHeavy = 30, 20, 200
		s.ChanValues = 300
		s.CtxFanout, s.CtxDepth = 2, 2
		s.LockOps = 20
		s.LockCS = []time.Duration{0, 500 * time.Nanosecond}
		s.LockReadRatio = []float64{0.5, 1}
		s.Benchtime, s.Count = time.Millisecond, 1
		s.ManyBenchtime = s.Benchtime
	case Full:
		s.SleepTasks, s.SleepPlainTasks = 20_000, 40
		s.FibFinePeers = true
		s.AnchorReps, s.AnchorWarmup = 7, 3
		s.ProbeTimeout = 2 * time.Second
		s.LockReadRatio = []float64{0, 0.5, 0.75, 0.9, 0.95, 0.99, 1}
		s.Benchtime, s.Count = 250*time.Millisecond, 6 // benchstat wants 6 samples for a 95% interval
		// A case whose op outlasts two samples (the goroutine-per-fork
		// peers on the tree and at fib cutoff 2, seconds an op) takes 3.
		s.SlowCount, s.ManyBenchtime = 3, s.Benchtime
	}
	return s
}

// Workers is the worker count of the pools: GOMAXPROCS, as every pool
// that takes a default uses.
func Workers() int { return runtime.GOMAXPROCS(0) }

// Case is one benchmark: one implementation on one workload.
type Case struct {
	Study    string // the cmd/study study it belongs to: "tasks", "forkjoin", ...
	Bench    string // the benchmark function's name without "Benchmark": "TasksTiny"
	Sub      string // the sub-benchmark path: "workload=fib32-cutoff20/impl=gmpkit"
	Workload string // cases with the same Bench and Workload are compared
	Impl     string // the implementation, as after impl=
	Units    int    // tasks per op when ns/task is reported, else 0

	// Params are the case's parameters besides impl, as in its name
	// ("cs" → "500ns", "read" → "0.9"); the report's charts read them.
	Params map[string]string

	// Setup builds what the case's operations share (a pool, an input).
	Setup func() (*Instance, error)

	// Probe, when set, replaces Setup: the case is a guarded run whose
	// outcome (a time, or workloads.ErrDeadlock) is reported as is.
	Probe func() (time.Duration, error)

	// External, when set, replaces Setup and Probe: the case runs an
	// outside program once (an anchor in another language), which times
	// and checks several workloads itself and reports one Row each.
	External func(ctx context.Context) ([]Row, error)

	// Benchtime, if set, replaces the sizes' Benchtime for this case.
	Benchtime time.Duration

	// Base, if set, is the implementation whose time the case's ratio
	// divides, in the same run ("errgroup"); by default it is the
	// sequential case of the same workload, and the ratio is the speedup.
	Base string
}

// Row is one result of an External case, named as a Go case of the same
// workload and parameters is.
type Row struct {
	Sub      string // "workload=uts/workers=2/impl=rayon"
	Workload string
	Params   map[string]string
	N        int                // timed runs behind the figures
	NsPerOp  float64            // the program's own figure (its median run)
	Speedup  float64            // over the program's own sequential version
	Metrics  map[string]float64 // further figures, by unit
	Err      error              // set when the row's result failed its check
}

// Name is the case's full benchmark name without the GOMAXPROCS suffix:
// "ForkJoin/workload=fib32-cutoff20/impl=gmpkit".
func (c Case) Name() string { return c.Bench + "/" + c.Sub }

// Instance is a set-up case.
type Instance struct {
	// Op runs the workload once.
	Op func() error
	// Verify, if set, checks the result of the last Op.
	Verify func() error
	// Metrics, if set, returns the means since its last call of the
	// case's own per-op metrics, keyed by unit ("steal-rate").
	Metrics func() map[string]float64
	// Close, if set, releases what Setup built.
	Close func()
}

// studyOrder is the order cmd/study runs the studies in.
var studyOrder = []string{"tasks", "forkjoin", "groups", "steal", "locks", "chan", "ctx", "metrics"}

// Studies lists the study names in the order cmd/study runs them.
func Studies() []string {
	var out []string
	for _, name := range studyOrder {
		if builders[name] != nil {
			out = append(out, name)
		}
	}
	return out
}

// builders maps a study to the function listing its cases.
var builders = map[string]func(Sizes) []Case{}

// Cases returns the cases of the named study for the given sizes.
func Cases(study string, s Sizes) ([]Case, error) {
	b, ok := builders[study]
	if !ok {
		return nil, fmt.Errorf("suite: unknown study %q (have %s)", study, strings.Join(Studies(), ", "))
	}
	return b(s), nil
}

// Bench returns every case of every study whose Bench is name.
func Bench(name string, s Sizes) []Case {
	var out []Case
	for _, st := range Studies() {
		cs, err := Cases(st, s)
		if err != nil {
			panic(err)
		}
		for _, c := range cs {
			if c.Bench == name {
				out = append(out, c)
			}
		}
	}
	return out
}

// ParseOnly parses a comma-separated list of study names; empty means all.
func ParseOnly(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return Studies(), nil
	}
	var out []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(Studies(), name) {
			return nil, fmt.Errorf("unknown study %q (have %s)", name, strings.Join(Studies(), ", "))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}
