package study

import (
	"bufio"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Outcomes of a case.
const (
	OutcomeOK       = "ok"
	OutcomeDeadlock = "deadlocks" // a guarded probe that did not finish: workloads.ErrDeadlock
	OutcomeError    = "error"
)

// Units the study derives from every case.
const (
	UnitNsPerOp     = "ns/op"
	UnitBytesPerOp  = "B/op"
	UnitAllocsPerOp = "allocs/op"
	UnitNsPerTask   = "ns/task" // ns/op divided by the case's tasks per op
	UnitSpeedup     = "speedup" // the sequential case's ns/op divided by this one's

	UnitAllocsPerTask = "allocs/task" // allocs/op divided by the case's tasks per op
)

// UnitVs is the unit of a ratio to a baseline implementation other than
// the sequential program: "vs-errgroup" is errgroup's ns/op divided by
// this case's, in the same run (above 1: faster than errgroup).
func UnitVs(base string) string { return "vs-" + base }

// Sample is one timed run of a case: N operations.
type Sample struct {
	N       int                `json:"n"`
	Metrics map[string]float64 `json:"metrics"` // by unit: ns/op, B/op, allocs/op, ns/task, ...
}

// Result is everything measured about one case.
type Result struct {
	Study    string            `json:"study"`
	Name     string            `json:"name"` // BenchFamily/param=value/impl=name, without "Benchmark"
	Bench    string            `json:"bench"`
	Workload string            `json:"workload"`
	Impl     string            `json:"impl"`
	Params   map[string]string `json:"params,omitempty"`
	Base     string            `json:"base,omitempty"`     // the baseline of its ratio, if not the sequential case
	External bool              `json:"external,omitempty"` // measured by an outside program (an anchor)
	Outcome  string            `json:"outcome"`
	Detail   string            `json:"detail,omitempty"` // the error or the deadlock's explanation
	ProbeNs  float64           `json:"probe_ns,omitempty"`
	Samples  []Sample          `json:"samples,omitempty"`
}

// Mean returns the mean of unit over the result's samples, and whether any
// sample has it.
func (r Result) Mean(unit string) (float64, bool) {
	var sum float64
	n := 0
	for _, s := range r.Samples {
		if v, ok := s.Metrics[unit]; ok {
			sum += v
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// Units returns the units the result's samples carry, ns/op first, then in
// the order benchmark output uses: ns/op, the case's own, B/op, allocs/op.
func (r Result) Units() []string {
	set := map[string]bool{}
	for _, s := range r.Samples {
		for u := range s.Metrics {
			set[u] = true
		}
	}
	var own []string
	for u := range set {
		if u != UnitNsPerOp && u != UnitBytesPerOp && u != UnitAllocsPerOp {
			own = append(own, u)
		}
	}
	slices.Sort(own)
	var out []string
	if set[UnitNsPerOp] {
		out = append(out, UnitNsPerOp)
	}
	out = append(out, own...)
	for _, u := range []string{UnitBytesPerOp, UnitAllocsPerOp} {
		if set[u] {
			out = append(out, u)
		}
	}
	return out
}

// StudyRun says how one study went.
type StudyRun struct {
	Name       string        `json:"name"`
	Status     string        `json:"status"` // "done", "interrupted" or "not run"
	Cases      int           `json:"cases"`
	Finished   int           `json:"finished"`
	Duration   time.Duration `json:"duration_ns"`
	DurationHu string        `json:"duration"`
}

// Machine describes where the study ran.
type Machine struct {
	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
}

// Report is a whole study's outcome.
type Report struct {
	Mode        string              `json:"mode"`
	Started     time.Time           `json:"started"`
	Duration    time.Duration       `json:"duration_ns"`
	Interrupted bool                `json:"interrupted"`
	Machine     Machine             `json:"machine"`
	Benchtime   string              `json:"benchtime"`
	Count       int                 `json:"count"`
	Studies     []StudyRun          `json:"studies"`
	Notes       map[string][]string `json:"notes,omitempty"` // by study: what was left out and why
	Results     []Result            `json:"results"`
}

// ByStudy returns the results of one study, in run order.
func (r *Report) ByStudy(study string) []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Study == study {
			out = append(out, res)
		}
	}
	return out
}

// ThisMachine describes the running machine: the CPU model from
// /proc/cpuinfo where there is one, the core count, GOMAXPROCS and the Go
// version.
func ThisMachine() Machine {
	return Machine{
		CPU:        cpuModel(),
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
	}
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown (" + runtime.GOARCH + ")"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "model name", "Model", "cpu model", "Processor":
			if v := strings.TrimSpace(val); v != "" {
				return v
			}
		}
	}
	return "unknown (" + runtime.GOARCH + ")"
}
