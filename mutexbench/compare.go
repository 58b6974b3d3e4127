package mutexbench

import (
	"context"
	"fmt"
)

// Tuning of the verdict rule. noiseFloor is the smallest noise a verdict
// ever assumes: back-to-back runs of the same lock on a quiet 2-core
// machine differ by about 3%, and a measurement with few rounds can
// underestimate its own spread. defaultRounds is 7 because that is the
// fewest rounds whose 95% interval leaves out the lowest and the highest
// round (with 5, the interval is their range), so that one round disturbed
// by the machine does not decide a verdict.
const (
	noiseFloor    = 0.03
	defaultRounds = 7
)

// A Verdict is the outcome of comparing a candidate lock with a baseline.
type Verdict string

// The verdicts. A lock wins or loses only when the 95% confidence interval
// of its paired throughput ratio lies wholly outside parity ± the noise;
// otherwise the comparison is a wash.
const (
	Wins  Verdict = "wins"
	Loses Verdict = "loses"
	Wash  Verdict = "a wash"
)

// verdict is the one rule every comparison in this package uses.
func verdict(ratio Estimate, noise float64) Verdict {
	switch {
	case ratio.Low > 1+noise:
		return Wins
	case ratio.High < 1-noise:
		return Loses
	}
	return Wash
}

// A Comparison is a candidate lock measured against a baseline in
// interleaved rounds.
type Comparison struct {
	Baseline  string `json:"baseline"`  // lock names
	Candidate string `json:"candidate"` //
	Rounds    int    `json:"rounds"`
	// BaselineOps and CandidateOps are each lock's throughput in
	// operations per second: the median over rounds and its interval.
	BaselineOps  Estimate `json:"baseline_ops_per_sec"`
	CandidateOps Estimate `json:"candidate_ops_per_sec"`
	// Ratios holds candidate ÷ baseline throughput within each round, in
	// round order; Ratio is their median and its interval. Above 1 the
	// candidate is faster.
	Ratios []float64 `json:"ratios"`
	Ratio  Estimate  `json:"ratio"`
	// Noise is the relative run-to-run noise the verdict allowed for.
	Noise   float64 `json:"noise"`
	Verdict Verdict `json:"verdict"`
	// Violations adds up both locks' Result.Violations over the rounds:
	// nonzero means a lock is broken, whatever its speed.
	Violations uint64 `json:"violations"`
}

// String renders c as "1.15× [1.07–1.20] rwmutex wins (±3% noise)".
func (c Comparison) String() string {
	return fmt.Sprintf("%.2f× [%.2f–%.2f] %s %s (±%.0f%% noise)",
		c.Ratio.Median, c.Ratio.Low, c.Ratio.High, c.Candidate, c.Verdict, c.Noise*100)
}

// CompareRounds applies the verdict rule to throughputs already measured
// in rounds: baseline[i] and candidate[i] must come from the same round.
// The noise is the relative median absolute deviation of the paired
// ratios, at least 3%. It panics if the slices differ in
// length.
func CompareRounds(baseline, candidate []float64) Comparison {
	if len(baseline) != len(candidate) {
		panic(fmt.Sprintf("mutexbench: CompareRounds called with %d baseline and %d candidate rounds",
			len(baseline), len(candidate)))
	}
	return compareRounds(baseline, candidate, pooledNoise(ratios(baseline, candidate)))
}

func compareRounds(baseline, candidate []float64, noise float64) Comparison {
	r := ratios(baseline, candidate)
	c := Comparison{
		Rounds:       len(r),
		BaselineOps:  estimate(baseline),
		CandidateOps: estimate(candidate),
		Ratios:       r,
		Ratio:        estimate(r),
		Noise:        noise,
	}
	c.Verdict = verdict(c.Ratio, noise)
	return c
}

// Compare measures RWMutex against Mutex (or the locks given by WithLocks)
// on s: one warm-up run each, then 7 rounds (WithRounds) in which the two
// take turns, and the verdict on the ratio paired within each round. It
// takes 2 × (rounds + ¼) × s.Duration.
//
// Compare returns an error wrapping ErrInvalidScenario for bad input, and
// context.Cause(ctx) if ctx is done first.
func Compare(ctx context.Context, s Scenario, opts ...Option) (Comparison, error) {
	c := newConfig(opts)
	p, err := newPlan(c, []Scenario{s}, []Lock{c.baseline, c.candidate})
	if err != nil {
		return Comparison{}, err
	}
	t, err := p.run(ctx)
	if err != nil {
		return Comparison{}, err
	}
	return t.compare(0, 1, t.noise()), nil
}
