package mutexbench

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Statistics over rounds. A round yields one throughput per lock; the
// figures reported are medians, so that one round stalled by the operating
// system moves them by one rank, not by its size.

// bootstrapResamples is the number of resamples behind a confidence
// interval: 2000 puts the 2.5% and 97.5% quantiles 50 resamples from the
// ends, enough that the interval does not wobble with the seed.
const bootstrapResamples = 2000

// An Estimate is a median over rounds and its 95% confidence interval,
// from a percentile bootstrap over the rounds.
type Estimate struct {
	Median float64 `json:"median"`
	Low    float64 `json:"low"`
	High   float64 `json:"high"`
}

// estimate returns the median of v and its bootstrap interval. The
// resampling is seeded by len(v), so the same rounds always give the same
// interval. With 5 rounds the interval is their range; with 7, it leaves
// out the lowest and the highest.
func estimate(v []float64) Estimate {
	n := len(v)
	switch n {
	case 0:
		return Estimate{}
	case 1:
		return Estimate{v[0], v[0], v[0]}
	}
	rng := rand.New(rand.NewPCG(0x6d75746578, uint64(n)))
	meds := make([]float64, bootstrapResamples)
	buf := make([]float64, n)
	for b := range meds {
		for i := range buf {
			buf[i] = v[rng.IntN(n)]
		}
		meds[b] = medianInPlace(buf)
	}
	slices.Sort(meds)
	lo := meds[(bootstrapResamples*25+999)/1000-1]  // nearest rank of the 2.5% quantile
	hi := meds[(bootstrapResamples*975+999)/1000-1] // and of the 97.5% quantile
	return Estimate{Median: median(v), Low: lo, High: hi}
}

func median(v []float64) float64 {
	return medianInPlace(slices.Clone(v))
}

// medianInPlace sorts v and returns its median; 0 for no values.
func medianInPlace(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// relativeMAD is the median absolute deviation of v over its median: how
// far, relatively, a typical round strays from the middle one. It is 0 for
// fewer than two values or a zero median.
func relativeMAD(v []float64) float64 {
	m := median(v)
	if len(v) < 2 || m == 0 {
		return 0
	}
	dev := make([]float64, len(v))
	for i, x := range v {
		dev[i] = math.Abs(x - m)
	}
	return medianInPlace(dev) / m
}

// pooledNoise is the run-to-run noise of a measurement: the median, over
// series of paired ratios (one per candidate and cell), of their relative
// MAD, never less than noiseFloor. Ratios, not throughputs, because a drift
// of the machine that slows both locks of a round alike is no noise to a
// comparison; pooling over cells makes the threshold a property of the
// machine during the measurement, the same for every verdict drawn from it.
func pooledNoise(series ...[]float64) float64 {
	spreads := make([]float64, 0, len(series))
	for _, s := range series {
		spreads = append(spreads, relativeMAD(s))
	}
	return max(noiseFloor, median(spreads))
}

// ratios returns candidate[i]/baseline[i] for each round. A round in which
// the baseline did nothing counts as an infinite win for a candidate that
// did something, and as parity when neither did.
func ratios(baseline, candidate []float64) []float64 {
	r := make([]float64, len(baseline))
	for i, b := range baseline {
		switch {
		case b > 0:
			r[i] = candidate[i] / b
		case candidate[i] > 0:
			r[i] = math.Inf(1)
		default:
			r[i] = 1
		}
	}
	return r
}
