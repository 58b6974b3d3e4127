package mutexbench_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/mutexbench"
)

func tinySpec() mutexbench.MatrixSpec {
	return mutexbench.MatrixSpec{
		Locks:            mutexbench.Locks(),
		ReadPercents:     []float64{50, 100},
		Goroutines:       []int{1, 3},
		CriticalSections: []mutexbench.CriticalSection{mutexbench.ShortCS, mutexbench.LongCS},
		Base:             mutexbench.Scenario{Ops: 200, DataSize: 64},
	}
}

func TestMatrix_OneRowPerRunInCellOrder(t *testing.T) {
	spec := tinySpec()
	var progress []int
	spec.Progress = func(done, total int, r mutexbench.Row) {
		if total != 32 {
			t.Errorf("Progress total = %d, want 32", total)
		}
		progress = append(progress, done)
	}
	rows, err := mutexbench.Matrix(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != spec.Runs() || spec.Runs() != 32 || len(progress) != 32 || progress[31] != 32 {
		t.Fatalf("%d rows, %d progress calls, want 32", len(rows), len(progress))
	}
	i := 0
	for _, cs := range spec.CriticalSections {
		for _, g := range spec.Goroutines {
			for _, rp := range spec.ReadPercents {
				for _, l := range spec.Locks {
					r := rows[i]
					if r.Lock != l.Name || r.ReadPercent != rp || r.Goroutines != g || r.CS != cs.Name ||
						r.ReadWorkNs != int64(cs.Read) || r.Ops != 200 || r.Violations != 0 || r.DataSize != 64 {
						t.Errorf("row %d = %+v, want lock %s read %v goroutines %d cs %s, 200 ops, no violations", i, r, l.Name, rp, g, cs.Name)
					}
					i++
				}
			}
		}
	}
}

func TestRow_RoundTripsThroughJSON(t *testing.T) {
	r := mutexbench.Result{
		Lock: "rwmutex", Scenario: mutexbench.Scenario{ReadPercent: 90, Goroutines: 8, GOMAXPROCS: 2, ReadWork: 20, DataSize: 1024},
		Ops: 10, Reads: 9, Writes: 1, Elapsed: time.Microsecond, Throughput: 1e7,
		ReadLatency: mutexbench.Latency{P50: 1, P99: 2, Max: 3}, MaxWriterWait: 4, UnitCostNs: 1.25,
	}
	row := r.Row("short")
	b, err := json.Marshal(row)
	if err != nil {
		t.Fatal(err)
	}
	var back mutexbench.Row
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != row || row.NsPerOp != 100 || row.ReadP99Ns != 2 || row.CS != "short" || row.GOMAXPROCS != 2 {
		t.Errorf("row %+v did not survive JSON (%s)", row, b)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"lock", "read_percent", "goroutines", "cs", "ops_per_sec", "read_p99_ns", "max_writer_wait_ns", "mutex_wait_ns"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
}

func TestQuickMatrix_FitsTheTimeBudget(t *testing.T) {
	q := mutexbench.QuickMatrix()
	// 20 s on 2 cores, with room for setup: the measured time alone must
	// stay under 12 s.
	if measured := time.Duration(q.Runs()) * q.Base.Duration; q.Runs() == 0 || measured > 12*time.Second || q.Base.Ops != 0 {
		t.Errorf("QuickMatrix: %d runs × %v = %v of measurement, want at most 12 s", q.Runs(), q.Base.Duration, measured)
	}
	names := map[string]bool{}
	for _, l := range q.Locks {
		names[l.Name] = true
	}
	for _, n := range []string{"mutex", "rwmutex", "cow", "sharded"} {
		if !names[n] {
			t.Errorf("QuickMatrix lacks lock %q", n)
		}
	}
}

func TestMatrix_RejectsEmptyOrInvalidSpec(t *testing.T) {
	empty := tinySpec()
	empty.Goroutines = nil
	zeroG := tinySpec()
	zeroG.Goroutines = []int{0}
	badPct := tinySpec()
	badPct.ReadPercents = []float64{50, 150}
	badLock := tinySpec()
	badLock.Locks = append(badLock.Locks, mutexbench.Lock{Name: "nil"})
	for name, spec := range map[string]mutexbench.MatrixSpec{"empty": empty, "zero goroutines": zeroG, "read 150%": badPct, "nil New": badLock} {
		rows, err := mutexbench.Matrix(context.Background(), spec)
		if !errors.Is(err, mutexbench.ErrInvalidScenario) || len(rows) != 0 {
			t.Errorf("%s: (%d rows, %v), want no rows and ErrInvalidScenario", name, len(rows), err)
		}
	}
}

func TestMatrix_StopsOnCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	spec := tinySpec()
	spec.Progress = func(done, total int, r mutexbench.Row) {
		if done == 5 {
			cancel()
		}
	}
	rows, err := mutexbench.Matrix(ctx, spec)
	if !errors.Is(err, context.Canceled) || len(rows) != 5 {
		t.Errorf("(%d rows, %v), want the 5 rows done before cancellation and context.Canceled", len(rows), err)
	}
}
