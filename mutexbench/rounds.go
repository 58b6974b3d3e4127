package mutexbench

import (
	"context"
	"runtime"
	"time"
)

// The engine behind Compare, Matrix and Crossover. A plan is a set of cells
// (scenarios) and locks; it is measured in rounds. Round r visits every
// cell, and in each cell runs every lock once, starting with lock r mod k,
// so that the locks take turns going first and a slow drift of the machine,
// or a burst of load, is spread over all cells and locks instead of landing
// on one. A cell's locks are warmed up just before its first round.

// maxWarmUp bounds a warm-up run, which is a quarter of a timed run: long
// enough to fault in the data, grow the goroutines' stacks and let the CPU
// leave a low-power state, which the first run of a process otherwise pays.
const maxWarmUp = 25 * time.Millisecond

// measureRun is the default MeasureFunc: Run after a garbage collection, so
// that no run pays for the garbage of the one before.
func measureRun(ctx context.Context, s Scenario, l Lock) (Result, error) {
	runtime.GC()
	return Run(ctx, s, l)
}

// progress counts timed runs across the plans of one call.
type progress struct {
	fn          func(done, total int)
	done, total int
}

func (p *progress) tick() {
	p.done++
	if p.fn != nil {
		p.fn(p.done, p.total)
	}
}

type plan struct {
	cells    []Scenario // normalized
	locks    []Lock     // locks[0] is the baseline
	rounds   int
	measure  MeasureFunc
	progress *progress
}

// newPlan validates cells and locks and returns a plan whose timed runs
// count in c's progress.
func newPlan(c config, cells []Scenario, locks []Lock) (*plan, error) {
	for _, l := range locks {
		if err := checkLock(l); err != nil {
			return nil, err
		}
	}
	p := &plan{locks: locks, rounds: c.rounds, measure: c.measure, progress: c.prog}
	for _, s := range cells {
		n, err := s.normalized()
		if err != nil {
			return nil, err
		}
		p.cells = append(p.cells, n)
	}
	p.progress.total += len(p.cells) * len(locks) * p.rounds
	return p, nil
}

// tally holds a plan's results: res[cell][lock][round].
type tally struct {
	names []string // the locks' names
	res   [][][]Result
}

// run measures the plan. On an error it returns the rounds done so far.
func (p *plan) run(ctx context.Context) (*tally, error) {
	t := &tally{res: make([][][]Result, len(p.cells))}
	for _, l := range p.locks {
		t.names = append(t.names, l.Name)
	}
	for i := range t.res {
		t.res[i] = make([][]Result, len(p.locks))
	}
	for r := range p.rounds {
		for i := range p.cells {
			if r == 0 {
				if err := p.warmUp(ctx, i); err != nil {
					return t, err
				}
			}
			if err := p.round(ctx, t, i, r); err != nil {
				return t, err
			}
		}
	}
	return t, nil
}

func (p *plan) warmUp(ctx context.Context, cell int) error {
	s := p.cells[cell]
	if s.Ops > 0 {
		s.Ops = max(1, s.Ops/4)
	}
	if s.Duration > 0 {
		s.Duration = min(s.Duration/4, maxWarmUp)
	}
	for _, l := range p.locks {
		if _, err := p.measure(ctx, s, l); err != nil {
			return err
		}
	}
	return nil
}

// round runs every lock once on one cell, starting with lock r mod k.
func (p *plan) round(ctx context.Context, t *tally, cell, r int) error {
	k := len(p.locks)
	for j := range k {
		l := (r + j) % k
		res, err := p.measure(ctx, p.cells[cell], p.locks[l])
		if err != nil {
			return err
		}
		if res.Lock == "" { // a planted measure may leave them out
			res.Lock, res.Scenario = p.locks[l].Name, p.cells[cell]
		}
		t.res[cell][l] = append(t.res[cell][l], res)
		p.progress.tick()
	}
	return nil
}

// paired returns how many complete rounds cell has: rounds in which every
// lock was measured.
func (t *tally) paired(cell int) int {
	n := -1
	for _, rs := range t.res[cell] {
		if n < 0 || len(rs) < n {
			n = len(rs)
		}
	}
	return max(n, 0)
}

// throughputs returns lock's throughput in each complete round of cell.
func (t *tally) throughputs(cell, lock int) []float64 {
	rs := t.res[cell][lock][:t.paired(cell)]
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = r.Throughput
	}
	return v
}

// noise pools the run-to-run noise of the paired ratios over every
// candidate of every cell.
func (t *tally) noise() float64 {
	var series [][]float64
	for i := range t.res {
		for l := 1; l < len(t.res[i]); l++ {
			series = append(series, ratios(t.throughputs(i, 0), t.throughputs(i, l)))
		}
	}
	return pooledNoise(series...)
}

// compare compares lock l with the baseline (lock 0) in cell.
func (t *tally) compare(cell, l int, noise float64) Comparison {
	c := compareRounds(t.throughputs(cell, 0), t.throughputs(cell, l), noise)
	c.Baseline, c.Candidate = t.names[0], t.names[l]
	for _, lock := range []int{0, l} {
		for _, r := range t.res[cell][lock][:c.Rounds] {
			c.Violations += r.Violations
		}
	}
	return c
}
