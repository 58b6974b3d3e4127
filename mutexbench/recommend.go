package mutexbench

import (
	"fmt"
	"strings"
	"time"
)

// starvationThreshold is sync.Mutex's own (starvationThresholdNs in
// sync/mutex.go): a writer that waited longer was starved.
const starvationThreshold = time.Millisecond

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

// Recommend turns the rows of [Matrix] into a decision table. Rows are
// grouped by cell (read share, goroutines, GOMAXPROCS, critical section),
// in the order cells first appear. In each cell the baseline is the lock
// the other rows were compared with, and:
//
//   - rows with Violations are never chosen (that lock is broken);
//   - a lock is chosen over the baseline only if its Verdict is Wins: the
//     interval of its paired ratio lies wholly above parity plus the noise,
//     the rule of [Compare]; among several, the one with the highest ratio;
//   - otherwise the baseline is chosen, the simpler lock, whose misuse
//     (the upgrade trap) is impossible;
//   - a chosen lock whose writers waited longer than 1 ms (sync.Mutex's
//     starvation threshold), or that copies the data on each write, says
//     so in its Reason.
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

// baselineOf returns the row the others in the cell were compared with, or
// the first row.
func baselineOf(rows []Row) Row {
	for _, r := range rows {
		if r.Baseline != "" {
			for _, b := range rows {
				if b.Lock == r.Baseline {
					return b
				}
			}
		}
	}
	return rows[0]
}

func recommendCell(rows []Row) Recommendation {
	base := baselineOf(rows)
	rec := Recommendation{ReadPercent: base.ReadPercent, Goroutines: base.Goroutines, GOMAXPROCS: base.GOMAXPROCS, CS: base.CS}
	var figs []string
	fastest, winner := -1, -1
	for i, r := range rows {
		f := fmt.Sprintf("%s %s", r.Lock, opsPerSec(r.OpsPerSec))
		if r.Lock != base.Lock {
			f += fmt.Sprintf(" (%.2f× [%.2f–%.2f] %s)", r.Ratio, r.RatioLow, r.RatioHigh, r.Verdict)
		}
		if r.Violations > 0 {
			f += fmt.Sprintf(" BROKEN: %d violations", r.Violations)
		} else {
			if fastest < 0 || r.OpsPerSec > rows[fastest].OpsPerSec {
				fastest = i
			}
			if r.Lock != base.Lock && r.Verdict == Wins && (winner < 0 || r.Ratio > rows[winner].Ratio) {
				winner = i
			}
		}
		figs = append(figs, f)
	}
	var chosen Row
	switch {
	case fastest < 0:
		rec.Choice, rec.Reason, rec.Figures = "none", "every lock measured broke the invariant", strings.Join(figs, "; ")
		return rec
	case base.Violations > 0:
		chosen = rows[fastest]
		rec.Reason = fmt.Sprintf("fastest correct lock; the baseline %s broke the invariant", base.Lock)
	case winner >= 0:
		chosen = rows[winner]
		rec.Reason = fmt.Sprintf("%+.0f%% throughput over %s, beyond the ±%.0f%% noise",
			(chosen.Ratio-1)*100, base.Lock, chosen.Noise*100)
	default:
		chosen = base
		rec.Reason = fmt.Sprintf("no lock beats %s beyond the ±%.0f%% noise: take the simpler lock", base.Lock, noiseOf(rows)*100)
	}
	rec.Choice = chosen.Lock
	rec.Reason += caveats(chosen)
	rec.Figures = strings.Join(append(figs, tail(chosen)), "; ")
	return rec
}

// noiseOf returns the noise the cell's verdicts allowed for.
func noiseOf(rows []Row) float64 {
	for _, r := range rows {
		if r.Noise > 0 {
			return r.Noise
		}
	}
	return noiseFloor
}

// caveats names what a chosen lock costs beyond its throughput.
func caveats(r Row) string {
	var s string
	if r.Lock == "cow" {
		s += fmt.Sprintf("; each write copies all %d entries", r.DataSize)
	}
	if wait := time.Duration(r.MaxWriterWaitNs); wait > starvationThreshold {
		s += fmt.Sprintf("; writers starved (waited up to %v)", wait.Round(time.Microsecond))
	}
	return s
}

// tail renders a lock's latency percentiles with the samples behind them.
func tail(r Row) string {
	s := fmt.Sprintf("%s read p99 %v of %d samples", r.Lock, time.Duration(r.ReadP99Ns), r.ReadSamples)
	if r.WriteSamples == 0 && r.MaxWriterWaitNs == 0 {
		return s + ", no writes timed"
	}
	return s + fmt.Sprintf(", write p99 %v of %d samples, longest writer wait %v",
		time.Duration(r.WriteP99Ns), r.WriteSamples, time.Duration(r.MaxWriterWaitNs))
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
