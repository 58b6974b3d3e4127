package lesson

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ReadHist returns a copy of the runtime/metrics histogram name, or nil if
// the running Go does not have it.
func ReadHist(name string) *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	h := s[0].Value.Float64Histogram()
	return &metrics.Float64Histogram{Counts: append([]uint64(nil), h.Counts...), Buckets: h.Buckets}
}

// ReadUint returns the runtime/metrics counter or gauge name, and false if
// the running Go does not have it.
func ReadUint(name string) (uint64, bool) {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0, false
	}
	return s[0].Value.Uint64(), true
}

// A Hist is what a time histogram gained over a window: bucket counts and
// bounds in seconds.
type Hist struct {
	Counts  []uint64
	Buckets []float64 // len(Counts)+1 bounds
	N       uint64    // observations in the window
}

// Delta returns what after gained over before (before nil: since the start).
func Delta(before, after *metrics.Float64Histogram) Hist {
	if after == nil {
		return Hist{}
	}
	h := Hist{Counts: make([]uint64, len(after.Counts)), Buckets: after.Buckets}
	for i, c := range after.Counts {
		if before != nil {
			c -= before.Counts[i]
		}
		h.Counts[i] = c
		h.N += c
	}
	return h
}

// Quantile returns the upper bound of the bucket that holds the q-quantile:
// the value is at most that, to the histogram's resolution.
func (h Hist) Quantile(q float64) time.Duration {
	if h.N == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.N)))
	var cum uint64
	for i, c := range h.Counts {
		cum += c
		if cum >= max(rank, 1) {
			upper := h.Buckets[i+1]
			if math.IsInf(upper, 1) {
				upper = h.Buckets[i]
			}
			return time.Duration(upper * float64(time.Second))
		}
	}
	return 0
}

// String renders the p50 and p99 with the count: "p50 ≤1.28µs  p99 ≤67.1ms  (n=14)".
func (h Hist) String() string {
	if h.N == 0 {
		return "no samples"
	}
	return fmt.Sprintf("p50 ≤%s  p99 ≤%s  (n=%d)", Dur(h.Quantile(0.5)), Dur(h.Quantile(0.99)), h.N)
}

// Sub returns what h gained over before, a histogram with the same buckets
// read earlier.
func (h Hist) Sub(before Hist) Hist {
	out := Hist{Counts: make([]uint64, len(h.Counts)), Buckets: h.Buckets}
	for i, c := range h.Counts {
		if i < len(before.Counts) {
			c -= before.Counts[i]
		}
		out.Counts[i] = c
		out.N += c
	}
	return out
}

var bucketLine = regexp.MustCompile(`^(\w+)_bucket\{(?:.*,)?le="([^"]+)"(?:,.*)?\} (\S+)$`)

// ScrapeHist reads the histogram metric from a Prometheus text exposition
// (a GET /metrics body): its cumulative le buckets become a Hist.
func ScrapeHist(body, metric string) (Hist, error) {
	cum := map[float64]float64{}
	for _, line := range strings.Split(body, "\n") {
		m := bucketLine.FindStringSubmatch(line)
		if m == nil || m[1] != metric {
			continue
		}
		le, err1 := strconv.ParseFloat(m[2], 64)
		n, err2 := strconv.ParseFloat(m[3], 64)
		if err1 != nil || err2 != nil {
			return Hist{}, fmt.Errorf("bad bucket line %q", line)
		}
		cum[le] = n
	}
	if len(cum) == 0 {
		return Hist{}, fmt.Errorf("no %s_bucket lines in the scrape", metric)
	}
	les := slices.Sorted(maps.Keys(cum))
	h := Hist{Buckets: append([]float64{0}, les...)}
	prev := 0.0
	for _, le := range les {
		h.Counts = append(h.Counts, uint64(cum[le]-prev))
		h.N += uint64(cum[le] - prev)
		prev = cum[le]
	}
	return h, nil
}
