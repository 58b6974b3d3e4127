package runtimemetrics

import (
	"fmt"
	"math"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A Sampler reads a fixed selection of runtime/metrics into reused buffers.
// It is the single source of every output of this package: a [Collector]
// renders its [Snapshot]s as Prometheus metrics, [Sampler.Handler] as JSON
// and [Sampler.PublishExpvar] as an expvar.Var, with the same names, the
// same bucket layouts and the same sum estimates, so the three never
// disagree about one sample.
//
// The selection, the names and the histogram plans are computed once, in
// [NewSampler]; runtime/metrics guarantees that a histogram's boundaries
// never change while the process runs. After that, [Sampler.Read] into a
// reused [Snapshot] allocates nothing.
//
// A Sampler is safe for concurrent use. Reads are serialized by an internal
// mutex: each [Sampler.Read] returns after its values were read, and a Read
// that returns before another begins sees values no newer than that one's.
type Sampler struct {
	mu      sync.Mutex
	samples []metrics.Sample    // guarded by mu; samples[i] is metrics[i]
	fill    func(dst *Snapshot) // test hook replacing metrics.Read; nil in production

	namespace     string
	metrics       []metricInfo // exported metrics, in runtime name order
	hists         []histInfo
	index         map[string]int // runtime name -> index in metrics
	nScalar       int
	nRaw          int // runtime buckets of all histograms
	nBuckets      int // Prometheus buckets (with +Inf) of all histograms
	series        int
	droppedSeries int
	maxSeries     int
	mappings      []Mapping
	droppedName   string // name of the guard's gauge
}

type metricInfo struct {
	runtime, name, help, unit string
	typ                       metricType
	slot                      int // index in Snapshot.scalars, or in Sampler.hists
	// label is set for metrics folded into a family with one label (see
	// foldedFamily): its name and this metric's value.
	label, labelValue string
}

// A foldedFamily turns a homogeneous set of runtime metrics into one
// Prometheus family with a label, as the Prometheus naming guidelines ask
// ("use labels to differentiate the characteristics of the thing being
// measured"). The one such set is /godebug/non-default-behavior/<setting>:events:
// counters that differ only by the GODEBUG setting they count, with no
// total among them.
type foldedFamily struct {
	prefix, suffix string // runtime name = prefix + label value + suffix
	runtime        string // the runtime name the family's Prometheus name is spelled from
	label, help    string
}

var folded = []foldedFamily{{
	prefix:  "/godebug/non-default-behavior/",
	suffix:  ":events",
	runtime: "/godebug/non-default-behavior:events",
	label:   "setting",
	help: "Number of non-default behaviors executed because of a non-default GODEBUG setting, by setting " +
		"(runtime/metrics /godebug/non-default-behavior/<setting>:events).",
}}

// foldedOf returns the family the runtime metric name folds into, and its
// label value.
func foldedOf(name string) (*foldedFamily, string) {
	for i := range folded {
		f := &folded[i]
		if v, ok := strings.CutPrefix(name, f.prefix); ok {
			if v, ok := strings.CutSuffix(v, f.suffix); ok && v != "" && !strings.Contains(v, "/") {
				return f, v
			}
		}
	}
	return nil, ""
}

type histInfo struct {
	histPlan
	metric int // index in Sampler.metrics
	rawOff int // offset in Snapshot.raw; len(to) entries
	bOff   int // offset in Snapshot.counts; len(le)+1 entries
}

// A Mapping says what became of one runtime metric: its Prometheus name and
// type, or why it was left out.
type Mapping struct {
	Runtime  string // runtime/metrics name, such as "/sched/latencies:seconds"
	Name     string // Prometheus name, such as "go_runtime_sched_latencies_seconds"; "" if excluded
	Labels   string // the series' labels within Name, such as `setting="panicnil"`; usually
	Type     string // "counter", "gauge" or "histogram"; "" if the kind is unsupported
	Excluded string // why the metric is left out; "" if it is exported
}

// NewSampler returns a Sampler for the runtime metrics that opts select
// (by default every metric of metrics.All except /godebug/ ones).
func NewSampler(opts ...Option) *Sampler {
	return newSampler(newConfig("NewSampler", forSampler, opts))
}

// newSampler builds a Sampler of the running Go's metrics.
func newSampler(cfg *config) *Sampler {
	descs := metrics.All()
	// Read each histogram once for its boundaries.
	var hs []metrics.Sample
	for _, d := range descs {
		if d.Kind == metrics.KindFloat64Histogram {
			hs = append(hs, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(hs)
	edges := make(map[string][]float64, len(hs))
	for _, s := range hs {
		if s.Value.Kind() == metrics.KindFloat64Histogram {
			edges[s.Name] = slices.Clone(s.Value.Float64Histogram().Buckets)
		}
	}
	return buildSampler(cfg, descs, edges)
}

// buildSampler builds a Sampler from the runtime's metric descriptions and
// its histograms' bucket boundaries. Metrics are taken in runtime name
// order, so that the cardinality guard leaves out the same ones every time.
func buildSampler(cfg *config, descs []metrics.Description, edges map[string][]float64) *Sampler {
	b := newSamplerBuilder(cfg, edges)
	descs = slices.Clone(descs)
	slices.SortFunc(descs, func(x, y metrics.Description) int { return strings.Compare(x.Name, y.Name) })
	for i := range descs {
		b.add(&descs[i])
	}
	return b.s
}

// A samplerBuilder builds a Sampler one runtime metric at a time.
type samplerBuilder struct {
	cfg   *config
	edges map[string][]float64 // runtime name -> histogram boundaries
	s     *Sampler
	taken map[string]string // Prometheus name -> what it belongs to, for messages
}

func newSamplerBuilder(cfg *config, edges map[string][]float64) *samplerBuilder {
	s := &Sampler{
		namespace:   cfg.namespace,
		index:       make(map[string]int),
		maxSeries:   cfg.maxSeries,
		droppedName: "runtimemetrics_dropped_series",
	}
	if cfg.namespace != "" {
		s.droppedName = cfg.namespace + "_" + s.droppedName
	}
	return &samplerBuilder{
		cfg:   cfg,
		edges: edges,
		s:     s,
		taken: map[string]string{s.droppedName: "this package's cardinality-guard gauge"},
	}
}

// A candidate is one runtime metric as it would be exported.
type candidate struct {
	d          *metrics.Description
	m          Mapping
	typ        metricType
	name, unit string
	valid      bool          // name is a valid Prometheus name
	fam        *foldedFamily // nil unless the metric folds into a labelled family
	labelValue string
	owner      string // what the name is recorded as belonging to
	plan       histPlan
	series     int
}

// add decides what becomes of the runtime metric d, exports it if it may,
// and records the decision in the Sampler's mappings.
func (b *samplerBuilder) add(d *metrics.Description) {
	c, why := b.describe(d)
	if why == "" {
		why = b.excluded(&c)
	}
	if why == "" && b.s.series+c.series > b.cfg.maxSeries {
		why = fmt.Sprintf("cardinality guard: its %d series would pass WithMaxSeries(%d)", c.series, b.cfg.maxSeries)
		b.s.droppedSeries += c.series
	}
	if why == "" {
		b.accept(&c)
	}
	c.m.Excluded = why
	b.s.mappings = append(b.s.mappings, c.m)
}

// describe works out how d would be exported: its type, name, labels and,
// for a histogram, its bucket plan. It returns why d cannot be exported at
// all, or "".
func (b *samplerBuilder) describe(d *metrics.Description) (candidate, string) {
	c := candidate{d: d, m: Mapping{Runtime: d.Name}, series: 1}
	typ, ok := typeOf(d)
	if !ok {
		return c, fmt.Sprintf("unsupported runtime/metrics kind %d", d.Kind)
	}
	c.typ, c.m.Type = typ, typ.String()
	c.spell(b.cfg.namespace)
	if typ != typeHistogram {
		return c, ""
	}
	e := b.edges[d.Name]
	if len(e) < 2 {
		return c, "histogram without bucket boundaries"
	}
	layout, ok := b.cfg.layouts[c.unit]
	if !ok {
		layout = RuntimeBuckets()
	}
	c.plan = planHistogram(e, layout, c.unit == "bytes")
	c.series = c.plan.series()
	return c, ""
}

// spell sets c's Prometheus name and unit and, when it folds into a
// labelled family (histograms never do), the family and its label.
func (c *candidate) spell(namespace string) {
	spelled := c.d.Name
	c.owner = c.d.Name
	if fam, v := foldedOf(c.d.Name); fam != nil && c.typ != typeHistogram {
		c.fam, c.labelValue = fam, v
		spelled = fam.runtime
		c.owner = "the " + fam.runtime + " family"
		c.m.Labels = fam.label + "=" + strconv.Quote(v)
	}
	c.name, c.unit, c.valid = promName(namespace, spelled, c.typ)
}

// excluded returns why c is left out (not selected, or its name is invalid
// or taken), or "" when nothing but the cardinality guard stands in its way.
func (b *samplerBuilder) excluded(c *candidate) string {
	if why := b.cfg.unselected(c.d.Name); why != "" {
		return why
	}
	if !c.valid {
		return fmt.Sprintf("%q is not a valid Prometheus metric name", c.name)
	}
	if owner := b.taken[c.name]; owner != "" && owner != c.owner {
		return fmt.Sprintf("name %q is already taken by %s", c.name, owner)
	}
	if c.typ == typeHistogram {
		for _, suf := range histogramSuffixes {
			if b.taken[c.name+suf] != "" {
				return fmt.Sprintf("histogram %q would collide with an existing _bucket, _count or _sum name", c.name)
			}
		}
	}
	return ""
}

// histogramSuffixes are the names a Prometheus histogram's series add to
// its family name.
var histogramSuffixes = [...]string{"_bucket", "_count", "_sum"}

// accept exports c: it claims c's names and gives it its slots in the
// Sampler and its Snapshots.
func (b *samplerBuilder) accept(c *candidate) {
	s := b.s
	c.m.Name = c.name
	b.taken[c.name] = c.owner
	s.series += c.series
	mi := metricInfo{
		runtime: c.d.Name,
		name:    c.name,
		help:    summary(c.d.Description) + " (runtime/metrics " + c.d.Name + ")",
		unit:    c.unit,
		typ:     c.typ,
	}
	if c.fam != nil {
		mi.help, mi.label, mi.labelValue = c.fam.help, c.fam.label, c.labelValue
	}
	if c.typ == typeHistogram {
		for _, suf := range histogramSuffixes {
			b.taken[c.name+suf] = c.d.Name
		}
		mi.slot = len(s.hists)
		s.hists = append(s.hists, histInfo{histPlan: c.plan, metric: len(s.metrics), rawOff: s.nRaw, bOff: s.nBuckets})
		s.nRaw += len(c.plan.to)
		s.nBuckets += len(c.plan.le) + 1
	} else {
		mi.slot = s.nScalar
		s.nScalar++
	}
	s.index[c.d.Name] = len(s.metrics)
	s.metrics = append(s.metrics, mi)
	s.samples = append(s.samples, metrics.Sample{Name: c.d.Name})
}

// unselected returns why the configuration leaves out the runtime metric
// name, or "" when it selects it. WithDeny wins over everything; WithGoDebug
// and WithAllow add to what the presets select.
func (c *config) unselected(name string) string {
	for _, re := range c.deny {
		if re.MatchString(name) {
			return fmt.Sprintf("denied by WithDeny(%q)", re.String())
		}
	}
	if c.godebug && strings.HasPrefix(name, presetPrefixes[GoDebug]) {
		return ""
	}
	for _, re := range c.allow {
		if re.MatchString(name) {
			return ""
		}
	}
	if c.presets == 0 {
		if strings.HasPrefix(name, presetPrefixes[GoDebug]) {
			return "/godebug/ metrics are off by default (WithGoDebug(true) adds them)"
		}
		return ""
	}
	for p := Preset(0); p < numPresets; p++ {
		if c.presets&(1<<p) != 0 && strings.HasPrefix(name, presetPrefixes[p]) {
			return ""
		}
	}
	return "not in the presets chosen by WithPresets"
}

// summary returns the first sentence of a runtime metric's description
// (two, when the first is a stub such as "Deprecated."), for HELP. The
// runtime's descriptions run to several sentences; the first says what the
// metric is, and the runtime/metrics name that follows it in HELP leads to
// the rest. Full descriptions would double the size of the text exposition,
// and encoding time follows size.
func summary(desc string) string {
	end := 0
	for end < len(desc) {
		i := strings.Index(desc[end:], ". ")
		if i < 0 {
			return desc
		}
		end += i + 1
		if end >= 20 {
			break
		}
		end++ // skip the space; the sentence was a stub
	}
	return desc[:end]
}

// Mappings returns what became of every runtime metric the Sampler was
// built from (metrics.All of the running Go), in runtime name order: each
// is exported under a name, or excluded with a reason.
func (s *Sampler) Mappings() []Mapping { return slices.Clone(s.mappings) }

// Series returns the number of Prometheus series the selection produces.
func (s *Sampler) Series() int { return s.series }

// DroppedSeries returns the number of series the cardinality guard
// ([WithMaxSeries]) left out; 0 means the whole selection fits.
func (s *Sampler) DroppedSeries() int { return s.droppedSeries }

// Read fills dst with the current values of the Sampler's metrics. When dst
// was last filled by the same Sampler, Read reuses its buffers and
// allocates nothing. dst must not be used by other goroutines during Read;
// slices returned by dst's accessors before Read are overwritten.
func (s *Sampler) Read(dst *Snapshot) { s.read(dst, true) }

// read is Read; withRaw false leaves out the runtime bucket counts (which
// only Quantile needs) and folds histograms straight from the samples, for
// the collector's per-scrape snapshots.
func (s *Sampler) read(dst *Snapshot, withRaw bool) {
	dst.init(s, withRaw || s.fill != nil)
	s.mu.Lock()
	if s.fill != nil {
		s.fill(dst)
	} else {
		metrics.Read(s.samples)
		for i := range s.metrics {
			m := &s.metrics[i]
			v := &s.samples[i].Value
			switch v.Kind() {
			case metrics.KindUint64:
				dst.scalars[m.slot] = float64(v.Uint64())
			case metrics.KindFloat64:
				dst.scalars[m.slot] = v.Float64()
			case metrics.KindFloat64Histogram:
				h := &s.hists[m.slot]
				counts := v.Float64Histogram().Counts
				if dst.raw != nil {
					copy(dst.raw[h.rawOff:h.rawOff+len(h.to)], counts)
				} else {
					dst.fold(m.slot, counts)
				}
			}
		}
		dst.Time = time.Now()
	}
	s.mu.Unlock()
	if dst.raw != nil {
		for k := range s.hists {
			h := &s.hists[k]
			dst.fold(k, dst.raw[h.rawOff:h.rawOff+len(h.to)])
		}
	}
}

// A Snapshot holds the values of one [Sampler.Read]. Its accessors return
// values in the Sampler's layouts: the numbers a [Collector] exports for the
// same read. The zero Snapshot is ready to be passed to Read. A Snapshot
// must not be read while a Read into it is in progress.
type Snapshot struct {
	// Time is when the values were read.
	Time time.Time

	s       *Sampler
	scalars []float64
	raw     []uint64 // runtime buckets, per histogram at histInfo.rawOff
	counts  []uint64 // Prometheus buckets (not cumulative), at histInfo.bOff
	hcount  []uint64
	hsum    []float64
}

func (sn *Snapshot) init(s *Sampler, withRaw bool) {
	if sn.s == s && (sn.raw != nil || !withRaw) {
		return
	}
	sn.s = s
	sn.scalars = make([]float64, s.nScalar)
	sn.raw = nil
	if withRaw {
		sn.raw = make([]uint64, s.nRaw)
	}
	sn.counts = make([]uint64, s.nBuckets)
	sn.hcount = make([]uint64, len(s.hists))
	sn.hsum = make([]float64, len(s.hists))
}

// fold folds histogram k's runtime bucket counts into its Prometheus
// buckets and estimates its sum.
func (sn *Snapshot) fold(k int, raw []uint64) {
	h := &sn.s.hists[k]
	sn.hcount[k], sn.hsum[k] = h.fold(sn.counts[h.bOff:h.bOff+len(h.le)+1], raw)
}

// A Histogram is one runtime histogram in a Sampler's bucket layout.
type Histogram struct {
	// UpperBounds are the finite bucket upper bounds (Prometheus's le),
	// strictly ascending.
	UpperBounds []float64
	// Counts[i] is the number of observations in bucket i, not cumulative:
	// above UpperBounds[i-1] and at most UpperBounds[i]; the last entry,
	// Counts[len(UpperBounds)], counts everything above the largest bound.
	Counts []uint64
	// Count is the total number of observations, the sum of Counts.
	Count uint64
	// Sum estimates the sum of all observations; the runtime does not
	// record it. Each observation counts as the midpoint of the runtime
	// bucket it fell in ([lo, hi) counts as (lo+hi)/2; for bytes, whose
	// observations are integers, as (lo+hi-1)/2); an observation in an
	// unbounded runtime bucket counts as the bucket's finite edge. The
	// error is at most half a runtime bucket per observation: under 12.5%
	// for time histograms, whose runtime buckets are a quarter-octave wide.
	Sum float64
}

// Value returns the value of the scalar runtime metric name, such as
// "/sched/goroutines:goroutines", and whether the Sampler reads it.
func (sn *Snapshot) Value(name string) (float64, bool) {
	if sn.s == nil {
		return 0, false
	}
	i, ok := sn.s.index[name]
	if !ok || sn.s.metrics[i].typ == typeHistogram {
		return 0, false
	}
	return sn.scalars[sn.s.metrics[i].slot], true
}

// Histogram returns the runtime histogram name, such as
// "/sched/latencies:seconds", in the Sampler's bucket layout, and whether
// the Sampler reads it. The slices alias the Snapshot: the next Read into
// it overwrites them.
func (sn *Snapshot) Histogram(name string) (Histogram, bool) {
	if sn.s == nil {
		return Histogram{}, false
	}
	i, ok := sn.s.index[name]
	if !ok || sn.s.metrics[i].typ != typeHistogram {
		return Histogram{}, false
	}
	k := sn.s.metrics[i].slot
	h := &sn.s.hists[k]
	return Histogram{
		UpperBounds: h.le,
		Counts:      sn.counts[h.bOff : h.bOff+len(h.le)+1],
		Count:       sn.hcount[k],
		Sum:         sn.hsum[k],
	}, true
}

// Quantile estimates the q-quantile (0 <= q <= 1) of the runtime histogram
// name over the observations made after since was read (over the life of
// the process when since is nil), the way Prometheus's histogram_quantile
// does: linear interpolation within a bucket. It works on the runtime's own
// buckets, not on the Sampler's coarser layout, so its error is bounded by
// one runtime bucket (a quarter octave for time histograms). It returns NaN
// when there are no observations, and ok false when the Sampler does not
// read name or since comes from another Sampler. It panics if q is outside
// [0, 1].
func (sn *Snapshot) Quantile(name string, q float64, since *Snapshot) (v float64, ok bool) {
	if !(q >= 0 && q <= 1) {
		panic(fmt.Sprintf("runtimemetrics: Quantile called with q %v (want 0 <= q <= 1)", q))
	}
	if sn.s == nil || sn.raw == nil || (since != nil && (since.s != sn.s || since.raw == nil)) {
		return 0, false
	}
	i, ok := sn.s.index[name]
	if !ok || sn.s.metrics[i].typ != typeHistogram {
		return 0, false
	}
	h := &sn.s.hists[sn.s.metrics[i].slot]
	cur := sn.raw[h.rawOff : h.rawOff+len(h.to)]
	var prev []uint64
	if since != nil {
		prev = since.raw[h.rawOff : h.rawOff+len(h.to)]
	}
	delta := func(i int) uint64 {
		if prev == nil || prev[i] > cur[i] {
			return cur[i]
		}
		return cur[i] - prev[i]
	}
	var total uint64
	for i := range cur {
		total += delta(i)
	}
	if total == 0 {
		return math.NaN(), true
	}
	rank := q * float64(total)
	var cum float64
	for i := range cur {
		c := float64(delta(i))
		if c == 0 {
			continue
		}
		if cum+c >= rank {
			lo, hi := h.edges[i], h.edges[i+1]
			switch {
			case math.IsInf(lo, -1):
				return hi, true
			case math.IsInf(hi, 1):
				return lo, true
			}
			return lo + (hi-lo)*(rank-cum)/c, true
		}
		cum += c
	}
	return h.edges[len(h.edges)-1], true // unreachable: cum reaches total
}
