package mutexbench

import (
	"context"
	"fmt"
	"time"
)

// A CriticalSection is a named pair of critical-section lengths, one axis
// of a matrix.
type CriticalSection struct {
	Name        string // "short", "long": used in rows and benchmark names
	Read, Write time.Duration
}

// Critical-section lengths of the quick matrix: ShortCS is a map lookup's
// worth, where the lock's own cost dominates; LongCS is ten times that.
var (
	ShortCS = CriticalSection{Name: "short", Read: 20 * time.Nanosecond, Write: 20 * time.Nanosecond}
	LongCS  = CriticalSection{Name: "long", Read: 200 * time.Nanosecond, Write: 200 * time.Nanosecond}
)

// A MatrixSpec is the grid Matrix measures: every lock at every combination
// of read share, goroutine count and critical-section length. The first
// lock is the baseline the others are compared with. Fields of Base other
// than ReadPercent, Goroutines, ReadWork and WriteWork apply to every cell.
type MatrixSpec struct {
	Locks            []Lock
	ReadPercents     []float64
	Goroutines       []int
	CriticalSections []CriticalSection
	Base             Scenario
}

// Rows returns the number of rows Matrix returns for the spec: one per lock
// per cell.
func (m MatrixSpec) Rows() int {
	return len(m.Locks) * len(m.ReadPercents) * len(m.Goroutines) * len(m.CriticalSections)
}

// QuickMatrix returns the default matrix: the four built-in locks, Mutex
// first, at 50, 90, 99 and 100% reads, 2 and 8 goroutines, short and long
// critical sections, 50 ns of work outside the lock, 40 ms per run: 64
// rows, 7 rounds each, about 22 s on 2 cores. Change Base.Duration or
// WithRounds to trade time for precision.
func QuickMatrix() MatrixSpec {
	return MatrixSpec{
		Locks:            Locks(),
		ReadPercents:     []float64{50, 90, 99, 100},
		Goroutines:       []int{2, 8},
		CriticalSections: []CriticalSection{ShortCS, LongCS},
		Base:             Scenario{OutsideWork: 50 * time.Nanosecond, Duration: 40 * time.Millisecond},
	}
}

// A Row is one lock in one cell of a matrix, flattened for JSON, CSV and
// charts. Durations are in nanoseconds. Counts and times (Ops, ElapsedNs,
// MutexWaitNs, Violations) add up every timed round; throughputs and
// latency percentiles are medians over the rounds.
type Row struct {
	Lock          string  `json:"lock"`
	Baseline      string  `json:"baseline"` // the lock this row is compared with
	ReadPercent   float64 `json:"read_percent"`
	Goroutines    int     `json:"goroutines"`
	GOMAXPROCS    int     `json:"gomaxprocs"`
	CS            string  `json:"cs"`
	ReadWorkNs    int64   `json:"read_work_ns"`
	WriteWorkNs   int64   `json:"write_work_ns"`
	OutsideWorkNs int64   `json:"outside_work_ns"`
	DataSize      int     `json:"data_size"`
	Rounds        int     `json:"rounds"`

	Ops       uint64  `json:"ops"`
	Reads     uint64  `json:"reads"`
	Writes    uint64  `json:"writes"`
	ElapsedNs int64   `json:"elapsed_ns"`
	OpsPerSec float64 `json:"ops_per_sec"` // median over rounds
	// OpsPerSecLow and OpsPerSecHigh bound the median's 95% interval.
	OpsPerSecLow  float64 `json:"ops_per_sec_low"`
	OpsPerSecHigh float64 `json:"ops_per_sec_high"`
	NsPerOp       float64 `json:"ns_per_op"` // 1e9 / OpsPerSec

	// Ratio is this lock's throughput over the baseline's, paired within
	// each round: the median and its 95% interval. Verdict applies the
	// rule of [Compare] to it, allowing for Noise, the run-to-run noise
	// pooled over the whole matrix. The baseline's own row has Ratio 1, no
	// Baseline and no Verdict.
	Ratio     float64 `json:"ratio"`
	RatioLow  float64 `json:"ratio_low"`
	RatioHigh float64 `json:"ratio_high"`
	Noise     float64 `json:"noise"`
	Verdict   Verdict `json:"verdict"`

	// Latency percentiles are medians over the rounds of each round's
	// percentile; Max is the largest; Samples counts the timed operations
	// behind them, all rounds together.
	ReadP50Ns    int64 `json:"read_p50_ns"`
	ReadP99Ns    int64 `json:"read_p99_ns"`
	ReadMaxNs    int64 `json:"read_max_ns"`
	ReadSamples  int   `json:"read_samples"`
	WriteP50Ns   int64 `json:"write_p50_ns"`
	WriteP99Ns   int64 `json:"write_p99_ns"`
	WriteMaxNs   int64 `json:"write_max_ns"`
	WriteSamples int   `json:"write_samples"`

	MaxWriterWaitNs int64   `json:"max_writer_wait_ns"`
	MutexWaitNs     int64   `json:"mutex_wait_ns"`
	Violations      uint64  `json:"violations"`
	UnitCostNs      float64 `json:"unit_cost_ns"`
}

// Row flattens r, a single run, into a Row of one round whose critical
// section is labelled cs.
func (r Result) Row(cs string) Row {
	return rowOf(cs, []Result{r}, Comparison{})
}

// rowOf aggregates a lock's rounds in one cell; cmp is its comparison with
// the cell's baseline, zero for the baseline itself.
func rowOf(cs string, rs []Result, cmp Comparison) Row {
	s := rs[0].Scenario
	row := Row{
		Lock: rs[0].Lock, Baseline: cmp.Baseline, ReadPercent: s.ReadPercent, Goroutines: s.Goroutines,
		GOMAXPROCS: s.GOMAXPROCS, CS: cs, ReadWorkNs: int64(s.ReadWork), WriteWorkNs: int64(s.WriteWork),
		OutsideWorkNs: int64(s.OutsideWork), DataSize: s.DataSize, Rounds: len(rs),
		Ratio: cmp.Ratio.Median, RatioLow: cmp.Ratio.Low, RatioHigh: cmp.Ratio.High,
		Noise: cmp.Noise, Verdict: cmp.Verdict, UnitCostNs: rs[0].UnitCostNs,
	}
	var ops []float64
	var rp50, rp99, wp50, wp99 []float64
	for _, r := range rs {
		row.Ops, row.Reads, row.Writes = row.Ops+r.Ops, row.Reads+r.Reads, row.Writes+r.Writes
		row.ElapsedNs += int64(r.Elapsed)
		row.MutexWaitNs += int64(r.MutexWait)
		row.Violations += r.Violations
		row.MaxWriterWaitNs = max(row.MaxWriterWaitNs, int64(r.MaxWriterWait))
		row.ReadMaxNs = max(row.ReadMaxNs, int64(r.ReadLatency.Max))
		row.WriteMaxNs = max(row.WriteMaxNs, int64(r.WriteLatency.Max))
		row.ReadSamples += r.ReadLatency.Samples
		row.WriteSamples += r.WriteLatency.Samples
		ops = append(ops, r.Throughput)
		rp50, rp99 = append(rp50, float64(r.ReadLatency.P50)), append(rp99, float64(r.ReadLatency.P99))
		wp50, wp99 = append(wp50, float64(r.WriteLatency.P50)), append(wp99, float64(r.WriteLatency.P99))
	}
	e := estimate(ops)
	row.OpsPerSec, row.OpsPerSecLow, row.OpsPerSecHigh = e.Median, e.Low, e.High
	if e.Median > 0 {
		row.NsPerOp = 1e9 / e.Median
	}
	row.ReadP50Ns, row.ReadP99Ns = int64(median(rp50)), int64(median(rp99))
	row.WriteP50Ns, row.WriteP99Ns = int64(median(wp50)), int64(median(wp99))
	return row
}

// Matrix measures every cell of spec in interleaved rounds (see [Compare]:
// a warm-up, then 7 rounds, WithRounds to change) and returns one Row per
// lock per cell, ordered by critical section, goroutines, read share, then
// lock in spec order. Each row carries its comparison with the first lock.
// Rounds visit every cell in turn, so a spell of load on the machine is
// spread over the matrix instead of landing on one cell.
//
// Matrix returns an error wrapping ErrInvalidScenario, before running
// anything, if the spec is empty or any cell or lock is invalid. If ctx is
// done first, it returns context.Cause(ctx) and the rows of the cells
// measured in at least one complete round, each saying how many.
func Matrix(ctx context.Context, spec MatrixSpec, opts ...Option) ([]Row, error) {
	cells, labels, err := spec.cells()
	if err != nil {
		return nil, err
	}
	p, err := newPlan(newConfig(opts), cells, spec.Locks)
	if err != nil {
		return nil, err
	}
	t, err := p.run(ctx)
	return t.rows(labels), err
}

// cells lists the spec's scenarios in row order, with their critical
// sections' names.
func (m MatrixSpec) cells() ([]Scenario, []string, error) {
	if m.Rows() == 0 {
		return nil, nil, fmt.Errorf("%w: MatrixSpec has an empty axis (%d locks, %d read shares, %d goroutine counts, %d critical sections)",
			ErrInvalidScenario, len(m.Locks), len(m.ReadPercents), len(m.Goroutines), len(m.CriticalSections))
	}
	var cells []Scenario
	var labels []string
	for _, cs := range m.CriticalSections {
		for _, g := range m.Goroutines {
			if g == 0 {
				return nil, nil, fmt.Errorf("%w: MatrixSpec.Goroutines holds 0", ErrInvalidScenario)
			}
			for _, rp := range m.ReadPercents {
				s := m.Base
				s.ReadPercent, s.Goroutines, s.ReadWork, s.WriteWork = rp, g, cs.Read, cs.Write
				cells = append(cells, s)
				labels = append(labels, cs.Name)
			}
		}
	}
	return cells, labels, nil
}

// rows turns a tally into matrix rows, leaving out cells without a
// complete round.
func (t *tally) rows(labels []string) []Row {
	noise := t.noise()
	var rows []Row
	for i := range t.res {
		n := t.paired(i)
		if n == 0 {
			continue
		}
		for l := range t.res[i] {
			cmp := Comparison{Ratio: Estimate{1, 1, 1}, Noise: noise} // the baseline against itself
			if l > 0 {
				cmp = t.compare(i, l, noise)
			}
			rows = append(rows, rowOf(labels[i], t.res[i][l][:n], cmp))
		}
	}
	return rows
}
