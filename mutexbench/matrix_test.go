package mutexbench_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
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

func TestMatrix_OneRowPerLockPerCellInCellOrder(t *testing.T) {
	spec := tinySpec()
	rows, err := mutexbench.Matrix(context.Background(), spec, mutexbench.WithRounds(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != spec.Rows() || spec.Rows() != 32 {
		t.Fatalf("%d rows, want 32", len(rows))
	}
	i := 0
	for _, cs := range spec.CriticalSections {
		for _, g := range spec.Goroutines {
			for _, rp := range spec.ReadPercents {
				for j, l := range spec.Locks {
					r := rows[i]
					if r.Lock != l.Name || r.ReadPercent != rp || r.Goroutines != g || r.CS != cs.Name || r.ReadWorkNs != int64(cs.Read) ||
						r.Rounds != 2 || r.Ops != 2*200 || r.Violations != 0 || r.DataSize != 64 {
						t.Errorf("row %d = %+v, want lock %s read %v goroutines %d cs %s, 2 rounds of 200 ops, no violations", i, r, l.Name, rp, g, cs.Name)
					}
					if baseline := j == 0; baseline != (r.Baseline == "" && r.Verdict == "") || !baseline && r.Baseline != "mutex" {
						t.Errorf("row %d (%s): baseline %q, verdict %q", i, r.Lock, r.Baseline, r.Verdict)
					}
					i++
				}
			}
		}
	}
}

// TestMatrix_InterleavesCellsAndRotatesLocks checks the order of the
// runs: each round visits every cell, each cell is warmed up before its
// first round, and the lock that goes first rotates.
func TestMatrix_InterleavesCellsAndRotatesLocks(t *testing.T) {
	p := plant(func(float64, string, int) float64 { return 1 })
	spec := mutexbench.MatrixSpec{
		Locks:            []mutexbench.Lock{mutexbench.Mutex(), mutexbench.RWMutex(), mutexbench.CopyOnWrite()},
		ReadPercents:     []float64{50, 90},
		Goroutines:       []int{2},
		CriticalSections: []mutexbench.CriticalSection{mutexbench.ShortCS},
		Base:             mutexbench.Scenario{Duration: 8 * time.Millisecond},
	}
	if _, err := mutexbench.Matrix(context.Background(), spec, p.option(), mutexbench.WithRounds(2)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.calls {
		tag := c.lock + "@" + formatShare(c.pct)
		if c.duration == 2*time.Millisecond {
			tag = "warm:" + tag
		}
		got = append(got, tag)
	}
	want := strings.Fields(`
		warm:mutex@50 warm:rwmutex@50 warm:cow@50 mutex@50 rwmutex@50 cow@50
		warm:mutex@90 warm:rwmutex@90 warm:cow@90 mutex@90 rwmutex@90 cow@90
		rwmutex@50 cow@50 mutex@50
		rwmutex@90 cow@90 mutex@90`)
	if !slices.Equal(got, want) {
		t.Errorf("runs\n%v\nwant\n%v", got, want)
	}
}

// TestMatrix_VerdictsFollowTheRule plants a cell where RWMutex wins by 20%,
// copy-on-write loses, and a sharded lock is 2% faster: a wash.
func TestMatrix_VerdictsFollowTheRule(t *testing.T) {
	p := plant(func(pct float64, lock string, round int) float64 {
		return map[string]float64{"mutex": 1e6, "rwmutex": 1.2e6, "cow": 0.5e6, "sharded": 1.02e6}[lock]
	})
	spec := mutexbench.MatrixSpec{
		Locks: mutexbench.Locks(), ReadPercents: []float64{90}, Goroutines: []int{8},
		CriticalSections: []mutexbench.CriticalSection{mutexbench.LongCS},
	}
	rows, err := mutexbench.Matrix(context.Background(), spec, p.option())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]mutexbench.Verdict{"mutex": "", "rwmutex": mutexbench.Wins, "cow": mutexbench.Loses, "sharded": mutexbench.Wash}
	for _, r := range rows {
		if r.Verdict != want[r.Lock] || r.Rounds != 7 || r.Noise != 0.03 {
			t.Errorf("%s: verdict %q in %d rounds, noise %v; want %q in 7 rounds at the 3%% floor", r.Lock, r.Verdict, r.Rounds, r.Noise, want[r.Lock])
		}
	}
	if r := rows[1]; !near(r.Ratio, 1.2) || !near(r.RatioLow, 1.2) || !near(r.RatioHigh, 1.2) || r.OpsPerSec != 1.2e6 || !near(r.NsPerOp, 1e9/1.2e6) {
		t.Errorf("rwmutex row %+v: want a 1.2× ratio at 1.2M ops/s", r)
	}
	if got := mutexbench.Recommend(rows)[0]; got.Choice != "rwmutex" {
		t.Errorf("Recommend chose %q (%s)", got.Choice, got.Reason)
	}
}

func TestRow_RoundTripsThroughJSON(t *testing.T) {
	r := mutexbench.Result{
		Lock: "rwmutex", Scenario: mutexbench.Scenario{ReadPercent: 90, Goroutines: 8, GOMAXPROCS: 2, ReadWork: 20, DataSize: 1024},
		Ops: 10, Reads: 9, Writes: 1, Elapsed: time.Microsecond, Throughput: 1e7,
		ReadLatency: mutexbench.Latency{P50: 1, P99: 2, Max: 3, Samples: 9}, MaxWriterWait: 4, UnitCostNs: 1.25,
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
	if back != row || row.NsPerOp != 100 || row.ReadP99Ns != 2 || row.ReadSamples != 9 || row.CS != "short" || row.GOMAXPROCS != 2 || row.Rounds != 1 {
		t.Errorf("row %+v did not survive JSON (%s)", row, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"lock", "baseline", "read_percent", "goroutines", "cs", "rounds", "ops_per_sec", "ops_per_sec_low",
		"ratio", "ratio_low", "ratio_high", "noise", "verdict", "read_p99_ns", "read_samples", "max_writer_wait_ns", "mutex_wait_ns"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
}

func TestQuickMatrix_FitsTheTimeBudget(t *testing.T) {
	q := mutexbench.QuickMatrix()
	// 30 s on 2 cores, with room for setup: 7 rounds and a quarter-run
	// warm-up per row must stay under 20 s.
	if measured := time.Duration(float64(q.Rows()) * 7.25 * float64(q.Base.Duration)); q.Rows() == 0 || measured > 20*time.Second || q.Base.Ops != 0 {
		t.Errorf("QuickMatrix: %d rows × 7¼ runs × %v = %v of measurement, want at most 20 s", q.Rows(), q.Base.Duration, measured)
	}
	var names []string
	for _, l := range q.Locks {
		names = append(names, l.Name)
	}
	if !slices.Equal(names, []string{"mutex", "rwmutex", "cow", "sharded"}) {
		t.Errorf("QuickMatrix locks %v, want Mutex first", names)
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

// TestMatrix_StopsOnCancellation cancels during the second cell of the
// first round: only the first cell has a complete round.
func TestMatrix_StopsOnCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	spec := tinySpec()
	progress := mutexbench.WithProgress(func(done, total int) {
		if total != 32*7 {
			t.Errorf("progress total %d, want 224", total)
		}
		if done == 5 {
			cancel()
		}
	})
	rows, err := mutexbench.Matrix(ctx, spec, progress)
	if !errors.Is(err, context.Canceled) || len(rows) != 4 || rows[0].Rounds != 1 {
		t.Errorf("(%d rows, %v), want the first cell's 4 rows, of 1 round, and context.Canceled", len(rows), err)
	}
}
