package mutexbench

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Crossover defaults. Three repeats is the fewest that give a median and a
// spread; a resolution of one percentage point takes seven bisection steps
// from [0, 100]. NoiseFloor is the smallest relative difference Crossover
// ever calls real: back-to-back 100 ms runs of the same lock on a shared
// 2-core machine differ by 2–5%. WideBand, in percentage points of read
// ratio, is the widest noise band Crossover still reports as a sharp answer.
const (
	DefaultRepeats    = 3
	DefaultResolution = 1.0
	NoiseFloor        = 0.03
	WideBand          = 10.0
)

// A MeasureFunc measures one lock on one scenario. Run is one; tests and
// models supply others.
type MeasureFunc func(ctx context.Context, s Scenario, l Lock) (Result, error)

// A CrossoverOption configures Crossover.
type CrossoverOption func(*crossoverConfig)

type crossoverConfig struct {
	baseline, candidate Lock
	repeats             int
	resolution          float64
	measure             MeasureFunc
}

// WithLocks compares candidate against baseline instead of RWMutex against
// Mutex.
func WithLocks(baseline, candidate Lock) CrossoverOption {
	return func(c *crossoverConfig) { c.baseline, c.candidate = baseline, candidate }
}

// WithRepeats measures each lock n times at each probed read ratio (default
// DefaultRepeats) and compares medians. It panics if n < 1.
func WithRepeats(n int) CrossoverOption {
	if n < 1 {
		panic(fmt.Sprintf("mutexbench: WithRepeats called with n = %d, want at least 1", n))
	}
	return func(c *crossoverConfig) { c.repeats = n }
}

// WithResolution stops the bisection once the bracket is at most pct
// percentage points wide (default DefaultResolution). It panics unless
// 0 < pct <= 100.
func WithResolution(pct float64) CrossoverOption {
	if !(pct > 0 && pct <= 100) {
		panic(fmt.Sprintf("mutexbench: WithResolution called with %v, want 0 < pct <= 100", pct))
	}
	return func(c *crossoverConfig) { c.resolution = pct }
}

// WithMeasure replaces Run as the measurement, for example with a cost
// model, so that the search itself can be checked without timing. It panics
// if fn is nil.
func WithMeasure(fn MeasureFunc) CrossoverOption {
	if fn == nil {
		panic("mutexbench: WithMeasure called with a nil MeasureFunc")
	}
	return func(c *crossoverConfig) { c.measure = fn }
}

// A Probe is one read ratio Crossover measured.
type Probe struct {
	ReadPercent float64 `json:"read_percent"`
	Baseline    float64 `json:"baseline_ops_per_sec"`  // median throughput of the baseline lock
	Candidate   float64 `json:"candidate_ops_per_sec"` // median throughput of the candidate lock
	Ratio       float64 `json:"ratio"`                 // Candidate / Baseline; above 1 the candidate wins
	Spread      float64 `json:"spread"`                // larger relative spread of the two locks' repeats (range or IQR over median)
}

// Wins reports whether the candidate beat the baseline at this probe.
func (p Probe) Wins() bool { return p.Ratio > 1 }

// CrossoverResult is what Crossover found.
type CrossoverResult struct {
	Baseline, Candidate string // lock names
	// Found reports whether the candidate wins at 100% reads. If not,
	// there is no crossover: the baseline wins everywhere.
	Found bool
	// ReadPercent is the lowest probed read ratio at which the candidate
	// wins, accurate to the resolution: the candidate lost at Low and won
	// at High == ReadPercent. If it already wins at 0% reads, all three are 0.
	ReadPercent, Low, High float64
	// Probes lists every measurement in the order taken.
	Probes []Probe
	// Noise is the threshold, relative, below which a difference was not
	// called real: the median of the probes' spreads, at least NoiseFloor.
	Noise float64
	// BandLow and BandHigh bound the read ratios over which, as far as the
	// probes show, the two locks were within Noise of each other: the
	// highest probe the candidate clearly lost and the lowest it clearly
	// won (0 or 100 when no probe was that clear).
	BandLow, BandHigh float64
	// WithinNoise reports that the answer is not sharp: the candidate's
	// win at 100% reads is itself within Noise, or the band is wider than
	// WideBand percentage points. The crossover is then a region where the
	// choice of lock hardly matters, not a point.
	WithinNoise bool
	// Note says in one or two sentences what was found and how far to
	// trust it.
	Note string
}

// Crossover finds, by bisection over Scenario.ReadPercent, the read ratio
// from which RWMutex (or the candidate given by WithLocks) outperforms Mutex
// (the baseline) in throughput for base on this machine. base.ReadPercent is
// ignored; every other field is kept.
//
// It measures both locks at 100% and 0% reads, then halves the bracket
// [lost, won] until it is no wider than the resolution, measuring each lock
// the configured number of times, alternately, per probe, and comparing
// medians. Bisection assumes the candidate's advantage grows with the read
// ratio; where the probes contradict that, Note says so. With defaults it
// takes 9 probes × 2 locks × 3 repeats runs of base.Duration.
//
// The result's Note says what was found and how sharp it is: the band of
// read ratios where the two locks are within the run-to-run noise of each
// other, and WithinNoise when that band is wide or the candidate's best win
// is itself noise.
//
// Crossover returns the probes taken so far and context.Cause(ctx) if ctx
// is done first, and an error wrapping ErrInvalidScenario for bad input.
func Crossover(ctx context.Context, base Scenario, opts ...CrossoverOption) (CrossoverResult, error) {
	c := crossoverConfig{
		baseline:   Mutex(),
		candidate:  RWMutex(),
		repeats:    DefaultRepeats,
		resolution: DefaultResolution,
		measure:    Run,
	}
	for _, o := range opts {
		o(&c)
	}
	if err := checkLock(c.baseline); err != nil {
		return CrossoverResult{}, err
	}
	if err := checkLock(c.candidate); err != nil {
		return CrossoverResult{}, err
	}
	base.ReadPercent = 0
	if _, err := base.normalized(); err != nil {
		return CrossoverResult{}, err
	}
	res := CrossoverResult{Baseline: c.baseline.Name, Candidate: c.candidate.Name, Noise: NoiseFloor}
	var spreads []float64
	probe := func(pct float64) (Probe, error) {
		s := base
		s.ReadPercent = pct
		var b, k []float64
		for range c.repeats {
			rb, err := c.measure(ctx, s, c.baseline)
			if err != nil {
				return Probe{}, err
			}
			rk, err := c.measure(ctx, s, c.candidate)
			if err != nil {
				return Probe{}, err
			}
			b, k = append(b, rb.Throughput), append(k, rk.Throughput)
		}
		p := Probe{ReadPercent: pct, Baseline: median(b), Candidate: median(k)}
		if p.Baseline > 0 {
			p.Ratio = p.Candidate / p.Baseline
		} else if p.Candidate > 0 {
			p.Ratio = math.Inf(1)
		}
		p.Spread = max(spread(b), spread(k))
		res.Probes = append(res.Probes, p)
		spreads = append(spreads, p.Spread)
		res.Noise = max(NoiseFloor, median(spreads))
		return p, nil
	}

	top, err := probe(100)
	if err != nil {
		return res, err
	}
	if !top.Wins() {
		res.Note = fmt.Sprintf("no crossover: %s does not beat %s even at 100%% reads (%.2f× its throughput)",
			res.Candidate, res.Baseline, top.Ratio)
		res.finish()
		return res, nil
	}
	res.Found = true
	bottom, err := probe(0)
	if err != nil {
		return res, err
	}
	if bottom.Wins() {
		res.Note = fmt.Sprintf("%s beats %s at every read ratio, even 0%% (%.2f× its throughput)",
			res.Candidate, res.Baseline, bottom.Ratio)
		res.finish()
		return res, nil
	}
	lo, hi := bottom, top
	nonMonotone := false
	for hi.ReadPercent-lo.ReadPercent > c.resolution {
		mid, err := probe((lo.ReadPercent + hi.ReadPercent) / 2)
		if err != nil {
			return res, err
		}
		if mid.Wins() {
			hi = mid
		} else {
			lo = mid
		}
		if mid.Ratio > top.Ratio*(1+res.Noise) {
			nonMonotone = true // better here than at 100% reads: the curve is not monotone
		}
	}
	res.ReadPercent, res.Low, res.High = hi.ReadPercent, lo.ReadPercent, hi.ReadPercent
	res.Note = fmt.Sprintf("%s beats %s from %.1f%% reads (%.3f× at %.1f%%, %.3f× at %.1f%%)",
		res.Candidate, res.Baseline, res.ReadPercent, lo.Ratio, lo.ReadPercent, hi.Ratio, hi.ReadPercent)
	res.finish()
	if nonMonotone {
		res.Note += "; the advantage is not monotone in the read ratio, so bisection may have found one of several crossings"
	}
	return res, nil
}

// finish computes the noise band and WithinNoise from the probes and adds
// the confidence sentence to Note.
func (r *CrossoverResult) finish() {
	r.BandLow, r.BandHigh = 0, 100
	top := false
	for _, p := range r.Probes {
		switch {
		case p.Ratio < 1-r.Noise:
			r.BandLow = max(r.BandLow, p.ReadPercent)
		case p.Ratio > 1+r.Noise:
			r.BandHigh = min(r.BandHigh, p.ReadPercent)
			top = top || p.ReadPercent == 100
		}
	}
	if r.BandHigh < r.BandLow { // noise made the probes contradict each other
		r.BandLow, r.BandHigh = r.BandHigh, r.BandLow
	}
	if r.Found && !top {
		r.WithinNoise = true
		r.Note += fmt.Sprintf("; low confidence: even at 100%% reads the win is within the ±%.0f%% run-to-run noise", r.Noise*100)
		return
	}
	if !r.Found {
		if p := r.Probes[0]; p.Ratio >= 1-r.Noise {
			r.WithinNoise = true
			r.Note += fmt.Sprintf("; but at 100%% reads the two are within the ±%.0f%% run-to-run noise, so either will do there", r.Noise*100)
		}
		return
	}
	r.WithinNoise = r.BandHigh-r.BandLow > WideBand
	confidence := "sharp"
	if r.WithinNoise {
		confidence = "low confidence"
	}
	r.Note += fmt.Sprintf("; %s: the two are within the ±%.0f%% run-to-run noise between %.1f%% and %.1f%% reads, where either will do",
		confidence, r.Noise*100, r.BandLow, r.BandHigh)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// spread is the relative run-to-run spread of v: the range over the median
// for fewer than 5 values, the interquartile range over the median from 5
// on, so that one run stalled by the operating system does not pass for
// the machine's noise.
func spread(v []float64) float64 {
	m := median(v)
	if m == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n < 5 {
		return (s[n-1] - s[0]) / m
	}
	return (s[(3*n)/4] - s[n/4]) / m
}
