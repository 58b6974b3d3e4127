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

// Critical-section lengths of the quick matrix. Long is the "about 200 ns
// of work" of the measurement that opened issue 6; short is a map lookup's
// worth, where the lock's own cost dominates.
var (
	ShortCS = CriticalSection{Name: "short", Read: 20 * time.Nanosecond, Write: 20 * time.Nanosecond}
	LongCS  = CriticalSection{Name: "long", Read: 200 * time.Nanosecond, Write: 200 * time.Nanosecond}
)

// A MatrixSpec is the grid Matrix measures: every lock at every combination
// of read ratio, goroutine count and critical-section length. Fields of Base
// other than ReadPercent, Goroutines, ReadWork and WriteWork apply to every
// cell.
type MatrixSpec struct {
	Locks            []Lock
	ReadPercents     []float64
	Goroutines       []int
	CriticalSections []CriticalSection
	Base             Scenario
	// Progress, if not nil, is called after each run, from the goroutine
	// that called Matrix, with the number of runs done and in all.
	Progress func(done, total int, r Row)
}

// Runs returns the number of runs the spec describes.
func (m MatrixSpec) Runs() int {
	return len(m.Locks) * len(m.ReadPercents) * len(m.Goroutines) * len(m.CriticalSections)
}

// QuickMatrix returns the default matrix: the four built-in locks at 50, 90,
// 99 and 100% reads, 2 and 8 goroutines, short and long critical sections,
// 50 ns of work outside the lock, 150 ms per run: 64 runs, 9.6 s of
// measurement plus setup, under 20 s on 2 cores. Change Base.Duration to
// trade time for precision.
func QuickMatrix() MatrixSpec {
	return MatrixSpec{
		Locks:            Locks(),
		ReadPercents:     []float64{50, 90, 99, 100},
		Goroutines:       []int{2, 8},
		CriticalSections: []CriticalSection{ShortCS, LongCS},
		Base:             Scenario{OutsideWork: 50 * time.Nanosecond, Duration: 150 * time.Millisecond},
	}
}

// A Row is one run of a matrix, flattened for JSON, CSV and charts.
// Durations are in nanoseconds.
type Row struct {
	Lock          string  `json:"lock"`
	ReadPercent   float64 `json:"read_percent"`
	Goroutines    int     `json:"goroutines"`
	GOMAXPROCS    int     `json:"gomaxprocs"`
	CS            string  `json:"cs"`
	ReadWorkNs    int64   `json:"read_work_ns"`
	WriteWorkNs   int64   `json:"write_work_ns"`
	OutsideWorkNs int64   `json:"outside_work_ns"`
	DataSize      int     `json:"data_size"`

	Ops        uint64  `json:"ops"`
	Reads      uint64  `json:"reads"`
	Writes     uint64  `json:"writes"`
	ElapsedNs  int64   `json:"elapsed_ns"`
	OpsPerSec  float64 `json:"ops_per_sec"`
	NsPerOp    float64 `json:"ns_per_op"`
	ReadP50Ns  int64   `json:"read_p50_ns"`
	ReadP99Ns  int64   `json:"read_p99_ns"`
	ReadMaxNs  int64   `json:"read_max_ns"`
	WriteP50Ns int64   `json:"write_p50_ns"`
	WriteP99Ns int64   `json:"write_p99_ns"`
	WriteMaxNs int64   `json:"write_max_ns"`

	MaxWriterWaitNs int64   `json:"max_writer_wait_ns"`
	MutexWaitNs     int64   `json:"mutex_wait_ns"`
	Violations      uint64  `json:"violations"`
	UnitCostNs      float64 `json:"unit_cost_ns"`
}

// Row flattens r into a Row whose critical section is labelled cs.
func (r Result) Row(cs string) Row {
	s := r.Scenario
	return Row{
		Lock: r.Lock, ReadPercent: s.ReadPercent, Goroutines: s.Goroutines, GOMAXPROCS: s.GOMAXPROCS,
		CS: cs, ReadWorkNs: int64(s.ReadWork), WriteWorkNs: int64(s.WriteWork),
		OutsideWorkNs: int64(s.OutsideWork), DataSize: s.DataSize,
		Ops: r.Ops, Reads: r.Reads, Writes: r.Writes, ElapsedNs: int64(r.Elapsed),
		OpsPerSec: r.Throughput, NsPerOp: r.NsPerOp(),
		ReadP50Ns: int64(r.ReadLatency.P50), ReadP99Ns: int64(r.ReadLatency.P99), ReadMaxNs: int64(r.ReadLatency.Max),
		WriteP50Ns: int64(r.WriteLatency.P50), WriteP99Ns: int64(r.WriteLatency.P99), WriteMaxNs: int64(r.WriteLatency.Max),
		MaxWriterWaitNs: int64(r.MaxWriterWait), MutexWaitNs: int64(r.MutexWait),
		Violations: r.Violations, UnitCostNs: r.UnitCostNs,
	}
}

// Matrix runs every cell of spec and returns one Row per run, ordered by
// critical section, goroutines, read ratio, then lock in spec order. The
// locks of one cell run back to back, so that a slow drift of the machine
// affects them alike.
//
// Matrix returns the rows done so far and context.Cause(ctx) if ctx is done
// first, and an error wrapping ErrInvalidScenario, before running anything,
// if the spec is empty or any cell or lock is invalid.
func Matrix(ctx context.Context, spec MatrixSpec) ([]Row, error) {
	total := spec.Runs()
	if total == 0 {
		return nil, fmt.Errorf("%w: MatrixSpec has an empty axis (%d locks, %d read ratios, %d goroutine counts, %d critical sections)",
			ErrInvalidScenario, len(spec.Locks), len(spec.ReadPercents), len(spec.Goroutines), len(spec.CriticalSections))
	}
	var cells []Scenario
	var labels []string
	for _, cs := range spec.CriticalSections {
		for _, g := range spec.Goroutines {
			for _, rp := range spec.ReadPercents {
				s := spec.Base
				s.ReadPercent, s.Goroutines, s.ReadWork, s.WriteWork = rp, g, cs.Read, cs.Write
				if _, err := s.normalized(); err != nil {
					return nil, err
				}
				if g == 0 {
					return nil, fmt.Errorf("%w: MatrixSpec.Goroutines holds 0", ErrInvalidScenario)
				}
				cells = append(cells, s)
				labels = append(labels, cs.Name)
			}
		}
	}
	for _, l := range spec.Locks {
		if err := checkLock(l); err != nil {
			return nil, err
		}
	}
	rows := make([]Row, 0, total)
	for i, s := range cells {
		for _, l := range spec.Locks {
			r, err := Run(ctx, s, l)
			if err != nil {
				return rows, err
			}
			rows = append(rows, r.Row(labels[i]))
			if spec.Progress != nil {
				spec.Progress(len(rows), total, rows[len(rows)-1])
			}
		}
	}
	return rows, nil
}
