package runtimemetrics

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// A Collector is a prometheus.Collector for runtime/metrics. Build one with
// [NewCollector] and register it like any other collector:
//
//	prometheus.MustRegister(runtimemetrics.NewCollector())
//
// Scalars become counters (cumulative metrics, with a _total suffix) or
// gauges; histograms become Prometheus histograms in the configured
// [BucketLayout], with sums estimated as [Histogram.Sum] says. Every
// scrape also exports <namespace>_runtimemetrics_dropped_series, the number
// of series the cardinality guard ([WithMaxSeries]) left out.
//
// A Collector is safe for concurrent use; concurrent scrapes each get
// their own consistent sample. The metrics sent to Collect's channel are
// immutable and stay valid after Collect returns.
type Collector struct {
	s *Sampler
	// Per Sampler.metrics, then one more for the guard's gauge:
	descs  []*prometheus.Desc // shared within a folded family
	labels [][]*dto.LabelPair // nil unless folded; immutable, shared by every scrape
	kind   []metricType       // how it is exported
	kidx   []int              // index in the scrape's gauges, counters or hists
	unique []*prometheus.Desc // each Desc once, for Describe

	nGauges, nCounters int
}

// NewCollector returns a Collector for the runtime metrics that opts select
// (by default every metric of metrics.All except /godebug/ ones), read by a
// new [Sampler] that [Collector.Sampler] returns.
//
// It returns *Collector rather than prometheus.Collector so that the
// Sampler, and through it the JSON handler and expvar, can share its
// samples; *Collector is a prometheus.Collector.
func NewCollector(opts ...Option) *Collector {
	return newCollector(newSampler(newConfig("NewCollector", forSampler, opts)))
}

func newCollector(s *Sampler) *Collector {
	n := len(s.metrics) + 1
	c := &Collector{
		s:      s,
		descs:  make([]*prometheus.Desc, n),
		labels: make([][]*dto.LabelPair, n),
		kind:   make([]metricType, n),
		kidx:   make([]int, n),
	}
	families := map[string]*prometheus.Desc{}
	for i := range s.metrics {
		m := &s.metrics[i]
		c.kind[i] = m.typ
		switch m.typ {
		case typeGauge:
			c.kidx[i] = c.nGauges
			c.nGauges++
		case typeCounter:
			c.kidx[i] = c.nCounters
			c.nCounters++
		case typeHistogram:
			c.kidx[i] = m.slot
		}
		if m.label == "" {
			c.descs[i] = prometheus.NewDesc(m.name, m.help, nil, nil)
			c.unique = append(c.unique, c.descs[i])
			continue
		}
		d, ok := families[m.name]
		if !ok {
			d = prometheus.NewDesc(m.name, m.help, []string{m.label}, nil)
			families[m.name] = d
			c.unique = append(c.unique, d)
		}
		c.descs[i] = d
		// Shared by every scrape, as client_golang shares a Desc's constant
		// label pairs: nothing in the registry or encoder mutates them.
		c.labels[i] = []*dto.LabelPair{{Name: &m.label, Value: &m.labelValue}}
	}
	c.descs[n-1] = prometheus.NewDesc(s.droppedName,
		"Number of series the runtimemetrics cardinality guard (WithMaxSeries) left out; 0 when the whole selection fits.",
		nil, nil)
	c.unique = append(c.unique, c.descs[n-1])
	c.kind[n-1], c.kidx[n-1] = typeGauge, c.nGauges
	c.nGauges++
	return c
}

// Sampler returns the Sampler the Collector reads from.
func (c *Collector) Sampler() *Sampler { return c.s }

// Describe sends the descriptors of every metric the Collector exports.
// It implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.unique {
		ch <- d
	}
}

// Collect reads one sample and sends it as metrics. It implements
// prometheus.Collector.
//
// The cost is a fixed number of allocations per scrape, whatever the number
// of metrics and buckets: the sample and every dto object the metrics' Write
// methods hand out live in a few slabs allocated per scrape. Write itself
// allocates nothing; it points the passed *dto.Metric at objects prepared
// here, which nothing mutates afterwards.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	sc := c.scrape()
	for i := range sc.metrics {
		ch <- &sc.metrics[i]
	}
}

// A scrape is the arena of one Collect: a dozen slabs, whatever the number
// of metrics and buckets.
type scrape struct {
	c        *Collector
	snap     Snapshot
	metrics  []rmMetric // per Collector.descs
	gauges   []dto.Gauge
	counters []dto.Counter
	hists    []dto.Histogram
	slabs    bucketSlabs
	dropped  float64
}

// bucketSlabs hold the dto buckets of every histogram of one scrape: three
// slabs, whatever the number of histograms and buckets.
type bucketSlabs struct {
	buckets []dto.Bucket
	bptrs   []*dto.Bucket
	cum     []uint64
}

func newBucketSlabs(n int) bucketSlabs {
	return bucketSlabs{make([]dto.Bucket, n), make([]*dto.Bucket, n), make([]uint64, n)}
}

// fill points dh at count, sum and the cumulative buckets of counts (per
// bucket, not cumulative; entries past len(le), the +Inf bucket, are not
// needed), taking len(le) buckets from the slabs. le is shared, not copied:
// it must never change, as a plan's bounds never do.
func (bs *bucketSlabs) fill(dh *dto.Histogram, le []float64, counts []uint64, count *uint64, sum *float64) {
	n := len(le)
	buckets, bptrs, cum := bs.buckets[:n:n], bs.bptrs[:n:n], bs.cum[:n:n]
	bs.buckets, bs.bptrs, bs.cum = bs.buckets[n:], bs.bptrs[n:], bs.cum[n:]
	var c uint64
	for j := range n {
		c += counts[j]
		cum[j] = c
		buckets[j].CumulativeCount = &cum[j]
		buckets[j].UpperBound = &le[j]
		bptrs[j] = &buckets[j]
	}
	dh.SampleCount, dh.SampleSum, dh.Bucket = count, sum, bptrs
}

// rmMetric is metric i of a scrape; it implements prometheus.Metric. It is
// 16 bytes: everything else is found through the scrape and the Collector.
type rmMetric struct {
	sc *scrape
	i  int
}

// Desc implements prometheus.Metric.
func (m *rmMetric) Desc() *prometheus.Desc { return m.sc.c.descs[m.i] }

// Write implements prometheus.Metric. It points out at the scrape's
// immutable dto objects and allocates nothing.
func (m *rmMetric) Write(out *dto.Metric) error {
	c, k := m.sc.c, m.sc.c.kidx[m.i]
	out.Label, out.Gauge, out.Counter, out.Histogram = c.labels[m.i], nil, nil, nil
	switch c.kind[m.i] {
	case typeGauge:
		out.Gauge = &m.sc.gauges[k]
	case typeCounter:
		out.Counter = &m.sc.counters[k]
	case typeHistogram:
		out.Histogram = &m.sc.hists[k]
	}
	return nil
}

func (c *Collector) scrape() *scrape {
	s := c.s
	sc := &scrape{c: c}
	s.read(&sc.snap, false)
	nLE := s.nBuckets - len(s.hists)
	sc.metrics = make([]rmMetric, len(c.descs))
	sc.gauges = make([]dto.Gauge, c.nGauges)
	sc.counters = make([]dto.Counter, c.nCounters)
	sc.hists = make([]dto.Histogram, len(s.hists))
	sc.slabs = newBucketSlabs(nLE)
	for i := range s.metrics {
		mi := &s.metrics[i]
		sc.metrics[i] = rmMetric{sc, i}
		k := c.kidx[i]
		switch mi.typ {
		case typeGauge:
			sc.gauges[k].Value = &sc.snap.scalars[mi.slot]
		case typeCounter:
			sc.counters[k].Value = &sc.snap.scalars[mi.slot]
		case typeHistogram:
			h := &s.hists[mi.slot]
			counts := sc.snap.counts[h.bOff : h.bOff+len(h.le)+1]
			sc.slabs.fill(&sc.hists[k], h.le, counts, &sc.snap.hcount[mi.slot], &sc.snap.hsum[mi.slot])
		}
	}
	last := len(s.metrics)
	sc.metrics[last] = rmMetric{sc, last}
	sc.dropped = float64(s.droppedSeries)
	sc.gauges[c.kidx[last]].Value = &sc.dropped
	return sc
}
