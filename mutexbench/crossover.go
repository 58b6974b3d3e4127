package mutexbench

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// crossoverGrid is the read shares Crossover scans before it refines. It
// crowds near 100% because that is where RWMutex's advantage, if any,
// appears; 0% tells whether the candidate is simply faster.
var crossoverGrid = []float64{0, 50, 75, 90, 95, 99, 100}

// defaultResolution is the bracket width, in percentage points, at which
// the refinement stops: at most 6 bisections between two grid points.
const defaultResolution = 1.0

// A Probe is one read share Crossover measured and its comparison.
type Probe struct {
	ReadPercent float64 `json:"read_percent"`
	Comparison
}

// Wins reports whether the candidate beat the baseline at this probe
// beyond the noise.
func (p Probe) Wins() bool { return p.Verdict == Wins }

// String renders p as "90% reads: 1.15× [1.07–1.20] rwmutex wins (±3% noise)".
func (p Probe) String() string { return fmt.Sprintf("%g%% reads: %v", p.ReadPercent, p.Comparison) }

// CrossoverResult is what Crossover found.
type CrossoverResult struct {
	Baseline, Candidate string // lock names
	// Found reports whether the candidate beat the baseline beyond the
	// noise at some read share.
	Found bool
	// ReadPercent is the lowest read share from which the candidate wins:
	// the bottom of the highest stretch of probes it won. It did not win
	// at Low, the probe below, and won at High == ReadPercent. If it wins
	// at 0% reads, all three are 0; if nothing was found, all are 0.
	ReadPercent, Low, High float64
	// Probes lists every measurement, sorted by read share.
	Probes []Probe
	// Noise is the relative run-to-run noise every verdict allowed for,
	// pooled over the grid's probes.
	Noise float64
	// WithinNoise reports that the verdict changes inside the noise: below
	// the crossover (or, with none found, up to 100% reads) lies a stretch
	// of probes where the two locks are a wash, from BandLow to BandHigh
	// percent reads. Either lock will do there. Without it both are 0.
	WithinNoise       bool
	BandLow, BandHigh float64
	// Monotone reports that the verdicts never fall as the read share
	// grows: the candidate wins at every probe from ReadPercent up, and at
	// none below its band or bracket. When false, Note names the probes
	// that disagree: the answer is a stretch of read shares, not a point.
	Monotone bool
	// Note says in one or two sentences what was found and how far to
	// trust it.
	Note string
}

// Crossover finds the read share from which RWMutex (or the candidate
// given by WithLocks) outperforms Mutex (the baseline) in throughput for
// base on this machine. base.ReadPercent is ignored; every other field is
// kept.
//
// It first scans a fixed grid of read shares (0, 50, 75, 90, 95, 99 and
// 100%) in interleaved rounds, as [Matrix] does, and gives each a verdict
// by the rule of [Compare], with the noise pooled over the grid. Where the
// verdict changes with confidence between two neighbouring grid points,
// from a loss to a win, it bisects between them to the resolution
// (WithResolution, default 1 point). Where the change passes through a
// wash, it reports the band instead: either lock will do there. A point
// that disagrees with its neighbours, such as a loss at 100% above wins at
// 95 and 99%, does not end the search; Note names it. With defaults it
// takes 7 × 2 × 7¼ runs of base.Duration, plus 2 × 7¼ per bisection step.
//
// Crossover returns an error wrapping ErrInvalidScenario for bad input. If
// ctx is done first, it returns context.Cause(ctx) with the probes
// measured in at least one complete round.
func Crossover(ctx context.Context, base Scenario, opts ...Option) (CrossoverResult, error) {
	x := &search{cfg: newConfig(opts), base: base}
	if err := x.scan(ctx); err != nil {
		return x.partial(), err
	}
	if lo, hi, ok := x.confidentChange(); ok {
		if err := x.refine(ctx, lo, hi); err != nil {
			return x.partial(), err
		}
	}
	return x.summarize(), nil
}

// search is one Crossover in progress.
type search struct {
	cfg     config
	base    Scenario
	noise   float64
	grid    []Probe // in grid order
	refined []Probe // in the order taken
	low     Probe   // the bracket refine left: the candidate did not win at low
	high    Probe   // and won at high
}

// measure measures the two locks at the given read shares in interleaved
// rounds and returns a probe for each share with a complete round, judged
// with noise, or with the noise pooled over these probes if noise is 0.
func (x *search) measure(ctx context.Context, shares []float64, noise float64) ([]Probe, float64, error) {
	cells := make([]Scenario, len(shares))
	for i, pct := range shares {
		cells[i] = x.base
		cells[i].ReadPercent = pct
	}
	p, err := newPlan(x.cfg, cells, []Lock{x.cfg.baseline, x.cfg.candidate})
	if err != nil {
		return nil, 0, err
	}
	t, runErr := p.run(ctx)
	if noise == 0 {
		noise = t.noise()
	}
	var probes []Probe
	for i, pct := range shares {
		if t.paired(i) > 0 {
			probes = append(probes, Probe{ReadPercent: pct, Comparison: t.compare(i, 1, noise)})
		}
	}
	return probes, noise, runErr
}

// scan measures the grid.
func (x *search) scan(ctx context.Context) error {
	var err error
	x.grid, x.noise, err = x.measure(ctx, crossoverGrid, 0)
	return err
}

// topWins returns the indexes in x.grid of the highest stretch of wins:
// from lo up to hi. ok is false when the candidate won nowhere.
func (x *search) topWins() (lo, hi int, ok bool) {
	hi = -1
	for i := len(x.grid) - 1; i >= 0; i-- {
		if x.grid[i].Wins() {
			hi = i
			break
		}
	}
	if hi < 0 {
		return 0, 0, false
	}
	lo = hi
	for lo > 0 && x.grid[lo-1].Wins() {
		lo--
	}
	return lo, hi, true
}

// confidentChange returns the two neighbouring grid probes between which
// the verdict changes from a loss to a win, below the top stretch of wins.
func (x *search) confidentChange() (lo, hi Probe, ok bool) {
	w, _, found := x.topWins()
	if !found || w == 0 || x.grid[w-1].Verdict != Loses {
		return Probe{}, Probe{}, false
	}
	return x.grid[w-1], x.grid[w], true
}

// refine bisects between lo, a loss, and hi, a win, until the bracket is
// no wider than the resolution. A wash counts as not a win.
func (x *search) refine(ctx context.Context, lo, hi Probe) error {
	x.low, x.high = lo, hi
	for x.high.ReadPercent-x.low.ReadPercent > x.cfg.resolution {
		mid := (x.low.ReadPercent + x.high.ReadPercent) / 2
		probes, _, err := x.measure(ctx, []float64{mid}, x.noise)
		x.refined = append(x.refined, probes...)
		if err != nil {
			return err
		}
		if probes[0].Wins() {
			x.high = probes[0]
		} else {
			x.low = probes[0]
		}
	}
	return nil
}

// partial is the result of a search cut short: the probes so far.
func (x *search) partial() CrossoverResult {
	r := CrossoverResult{Baseline: x.cfg.baseline.Name, Candidate: x.cfg.candidate.Name, Noise: x.noise}
	r.Probes = slices.Concat(x.grid, x.refined)
	slices.SortStableFunc(r.Probes, func(a, b Probe) int { return compareFloat(a.ReadPercent, b.ReadPercent) })
	return r
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// summarize reads the answer off the grid and the refinement.
func (x *search) summarize() CrossoverResult {
	r := x.partial()
	w, top, found := x.topWins()
	if !found {
		r.Monotone, r.Note = true, x.noneFound(&r)
		return r
	}
	r.Found = true
	var note strings.Builder
	fmt.Fprintf(&note, "%s beats %s beyond the ±%.0f%% noise ", r.Candidate, r.Baseline, x.noise*100)
	switch {
	case w == 0:
		fmt.Fprintf(&note, "%s (%s)", x.span(0, top, "at every read share, even 0%"), figures(x.grid[0]))
	case x.grid[w-1].Verdict == Loses:
		r.ReadPercent, r.Low, r.High = x.high.ReadPercent, x.low.ReadPercent, x.high.ReadPercent
		fmt.Fprintf(&note, "%s (%s at %.1f%%, %s at %.1f%%)", x.span(r.ReadPercent, top, ""),
			figures(x.low), r.Low, figures(x.high), r.High)
	default:
		r.ReadPercent, r.Low, r.High = x.grid[w].ReadPercent, x.grid[w-1].ReadPercent, x.grid[w].ReadPercent
		x.setBand(&r, w-1)
		fmt.Fprintf(&note, "%s (%s); below that, %s", x.span(r.ReadPercent, top, ""), figures(x.grid[w]), eitherWillDo(r))
	}
	r.Monotone = !x.irregular(&note, w, top)
	r.Note = note.String()
	return r
}

// span words the stretch of read shares won, from the crossover to grid
// index top; whole, if not empty, replaces it when it runs from 0 to 100%.
func (x *search) span(from float64, top int, whole string) string {
	last := len(x.grid) - 1
	switch to := x.grid[top].ReadPercent; {
	case top == last && from == 0 && whole != "":
		return whole
	case top == last:
		return fmt.Sprintf("from %.3g%% reads", from)
	case from == to:
		return fmt.Sprintf("only at %.3g%% reads", from)
	default:
		return fmt.Sprintf("only from %.3g%% to %.3g%% reads", from, to)
	}
}

// noneFound words a search in which the candidate won nowhere.
func (x *search) noneFound(r *CrossoverResult) string {
	last := x.grid[len(x.grid)-1]
	if last.Verdict == Wash {
		x.setBand(r, len(x.grid)-1)
		return fmt.Sprintf("no crossover beyond the ±%.0f%% noise: %s does not beat %s at any read share; %s",
			x.noise*100, r.Candidate, r.Baseline, eitherWillDo(*r))
	}
	return fmt.Sprintf("no crossover: %s does not beat %s at any read share, and at %g%% reads it %s (%s)",
		r.Candidate, r.Baseline, last.ReadPercent, last.Verdict, figures(last))
}

// setBand sets the band to the stretch of washes that ends at grid index
// i.
func (x *search) setBand(r *CrossoverResult, i int) {
	lo := i
	for lo > 0 && x.grid[lo-1].Verdict == Wash {
		lo--
	}
	r.WithinNoise, r.BandLow, r.BandHigh = true, x.grid[lo].ReadPercent, x.grid[i].ReadPercent
}

func eitherWillDo(r CrossoverResult) string {
	if r.BandLow == r.BandHigh {
		return fmt.Sprintf("at %g%% reads the two are within the noise: either will do there", r.BandLow)
	}
	return fmt.Sprintf("from %g%% to %g%% reads the two are within the noise: either will do there", r.BandLow, r.BandHigh)
}

// irregular adds to note the grid points that disagree with a verdict that
// grows with the read share: the points above the top stretch of wins
// [w, top], which it did not win, and wins below it. It reports whether
// there were any.
func (x *search) irregular(note *strings.Builder, w, top int) (odd bool) {
	if above := x.grid[top+1:]; len(above) > 0 {
		odd = true
		note.WriteString("; above that it does not win: ")
		for i, p := range above {
			if i > 0 {
				note.WriteString(", ")
			}
			fmt.Fprintf(note, "%s at %g%% (%s)", p.Verdict, p.ReadPercent, figures(p))
		}
		note.WriteString(", so the advantage is not monotone in the read share, or those points were disturbed")
	}
	for _, p := range x.grid[:max(w-1, 0)] {
		if p.Wins() {
			odd = true
			fmt.Fprintf(note, "; it also wins at %g%% reads (%s)", p.ReadPercent, figures(p))
		}
	}
	return odd
}

// figures renders a probe's ratio and interval: "1.15× [1.07–1.20]".
func figures(p Probe) string {
	return fmt.Sprintf("%.2f× [%.2f–%.2f]", p.Ratio.Median, p.Ratio.Low, p.Ratio.High)
}
