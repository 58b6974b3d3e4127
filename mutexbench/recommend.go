package mutexbench

import (
	"fmt"
	"strings"
	"time"
)

// Thresholds of the decision table. RecommendMargin is how much more
// throughput a lock must show than the baseline (Mutex) to be recommended
// over it: less than that is within the run-to-run noise of a shared
// machine, and Mutex is the simpler lock, whose misuse (the upgrade trap) is
// impossible. StarvationThreshold is sync.Mutex's own starvation threshold
// (starvationThresholdNs in sync/mutex.go): a writer that waited longer was
// starved.
const (
	RecommendMargin     = 0.05
	StarvationThreshold = time.Millisecond
)

// A Recommendation is one row of the decision table: the lock to use for
// one cell of the matrix, why, and the figures the choice rests on.
type Recommendation struct {
	ReadPercent float64 `json:"read_percent"`
	Goroutines  int     `json:"goroutines"`
	GOMAXPROCS  int     `json:"gomaxprocs"`
	CS          string  `json:"cs"`
	Choice      string  `json:"choice"`  // the recommended lock's name
	Reason      string  `json:"reason"`  // why, in one sentence
	Figures     string  `json:"figures"` // every lock's throughput and its ratio to the baseline, and the chosen lock's tail
}

// A Table is a decision table, one Recommendation per measured cell.
type Table []Recommendation

// String renders the table in Markdown.
func (t Table) String() string {
	var b strings.Builder
	b.WriteString("| reads | goroutines | GOMAXPROCS | cs | use | why | figures |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, r := range t {
		fmt.Fprintf(&b, "| %g%% | %d | %d | %s | %s | %s | %s |\n",
			r.ReadPercent, r.Goroutines, r.GOMAXPROCS, r.CS, r.Choice, r.Reason, r.Figures)
	}
	return b.String()
}

// Recommend turns matrix rows into a decision table. Rows are grouped by
// cell (read ratio, goroutines, GOMAXPROCS, critical section), in the order
// cells first appear. In each cell the baseline is the "mutex" row (or the
// cell's first row if there is none), and:
//
//   - rows with Violations are never chosen (that lock is broken);
//   - the fastest lock is chosen only if its throughput beats the
//     baseline's by more than RecommendMargin, otherwise the baseline is;
//   - a chosen lock whose writers waited longer than StarvationThreshold,
//     or that copies the data on each write, says so in its Reason.
func Recommend(rows []Row) Table {
	type key struct {
		rp     float64
		g, gmp int
		cs     string
	}
	var order []key
	cells := map[key][]Row{}
	for _, r := range rows {
		k := key{r.ReadPercent, r.Goroutines, r.GOMAXPROCS, r.CS}
		if _, ok := cells[k]; !ok {
			order = append(order, k)
		}
		cells[k] = append(cells[k], r)
	}
	t := make(Table, 0, len(order))
	for _, k := range order {
		t = append(t, recommendCell(cells[k]))
	}
	return t
}

func recommendCell(rows []Row) Recommendation {
	base := rows[0]
	for _, r := range rows {
		if r.Lock == "mutex" {
			base = r
			break
		}
	}
	rec := Recommendation{ReadPercent: base.ReadPercent, Goroutines: base.Goroutines, GOMAXPROCS: base.GOMAXPROCS, CS: base.CS}

	var figs []string
	best := -1
	for i, r := range rows {
		f := fmt.Sprintf("%s %s", r.Lock, opsPerSec(r.OpsPerSec))
		if r.Lock != base.Lock && base.OpsPerSec > 0 {
			f += fmt.Sprintf(" (%.2f×)", r.OpsPerSec/base.OpsPerSec)
		}
		if r.Violations > 0 {
			f += fmt.Sprintf(" BROKEN: %d violations", r.Violations)
		} else if best < 0 || r.OpsPerSec > rows[best].OpsPerSec {
			best = i
		}
		figs = append(figs, f)
	}
	if best < 0 {
		rec.Choice = "none"
		rec.Reason = "every lock measured broke the invariant"
		rec.Figures = strings.Join(figs, "; ")
		return rec
	}
	top := rows[best]
	gain := 0.0
	if base.OpsPerSec > 0 {
		gain = top.OpsPerSec/base.OpsPerSec - 1
	}
	chosen := top
	switch {
	case base.Violations > 0:
		rec.Reason = fmt.Sprintf("fastest correct lock; the baseline %s broke the invariant", base.Lock)
	case top.Lock == base.Lock:
		rec.Reason = "fastest measured"
	case gain <= RecommendMargin:
		chosen = base
		rec.Reason = fmt.Sprintf("%s is only %+.0f%%, within the %.0f%% margin: take the simpler lock",
			top.Lock, gain*100, RecommendMargin*100)
	default:
		rec.Reason = fmt.Sprintf("%+.0f%% throughput over %s", gain*100, base.Lock)
	}
	rec.Choice = chosen.Lock
	if chosen.Lock == "cow" {
		rec.Reason += fmt.Sprintf("; each write copies all %d entries", chosen.DataSize)
	}
	wait := time.Duration(chosen.MaxWriterWaitNs)
	if wait > StarvationThreshold {
		rec.Reason += fmt.Sprintf("; writers starved (waited up to %v)", wait.Round(time.Microsecond))
	}
	tail := fmt.Sprintf("%s read p99 %v", chosen.Lock, time.Duration(chosen.ReadP99Ns))
	if chosen.WriteP99Ns > 0 || wait > 0 {
		tail += fmt.Sprintf(", write p99 %v, longest writer wait %v", time.Duration(chosen.WriteP99Ns), wait)
	} else {
		tail += ", no writes timed"
	}
	figs = append(figs, tail)
	rec.Figures = strings.Join(figs, "; ")
	return rec
}

func opsPerSec(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM ops/s", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk ops/s", v/1e3)
	}
	return fmt.Sprintf("%.0f ops/s", v)
}
