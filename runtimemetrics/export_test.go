package runtimemetrics

import (
	"runtime/metrics"
	"time"
)

// NewFakeCollector returns a Collector over the given descriptions and
// histogram boundaries whose every read returns the given values and
// runtime bucket counts, stamped at: a fixed, fake sample for golden and
// exactness tests.
func NewFakeCollector(descs []metrics.Description, edges map[string][]float64,
	values map[string]float64, counts map[string][]uint64, at time.Time, opts ...Option) *Collector {
	s := buildSampler(newConfig("NewFakeCollector", forSampler, opts), descs, edges)
	s.fill = func(dst *Snapshot) {
		for i := range s.metrics {
			m := &s.metrics[i]
			if m.typ == typeHistogram {
				h := &s.hists[m.slot]
				copy(dst.raw[h.rawOff:h.rawOff+len(h.to)], counts[m.runtime])
				continue
			}
			dst.scalars[m.slot] = values[m.runtime]
		}
		dst.Time = at
	}
	return newCollector(s)
}
