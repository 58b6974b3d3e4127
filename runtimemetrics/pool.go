package runtimemetrics

import (
	"runtime/metrics"
	"strconv"

	"github.com/gmpkit/gmpkit/workpool"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// A PoolCollector exports a [workpool.Pool]'s Stats as Prometheus metrics,
// every series labelled pool="<name>" (the pool's [workpool.WithName]).
// Build one with [NewPoolCollector]. Give every pool registered in one
// registry a distinct name: two pools with the same name have the same
// descriptors, and the second registration fails.
//
// Each scrape calls Stats once, so the values of one scrape are those of
// one Stats call. A PoolCollector is safe for concurrent use; the metrics
// sent to Collect's channel are immutable and stay valid after Collect
// returns.
type PoolCollector struct {
	p        *workpool.Pool
	counters []workpool.CounterInfo
	pool     []*dto.LabelPair   // pool="<name>": the labels of every pool-wide series
	latency  histPlan           // workpool's latency buckets, as Prometheus buckets
	descs    []*prometheus.Desc // every Desc below, for Describe

	info    *prometheus.Desc
	gauges  [len(poolGauges)]*prometheus.Desc
	totals  []*prometheus.Desc // per counters
	hists   [len(poolHists)]*prometheus.Desc
	wQueued *prometheus.Desc   // nil without per-worker series
	wTotals []*prometheus.Desc // per counters; nil without per-worker series
}

// poolGauges are the pool-wide gauges besides _info.
var poolGauges = [...]struct {
	name, help string
	value      func(*workpool.Stats) float64
}{
	{"workers", "Workers (processors) of the pool.", func(s *workpool.Stats) float64 { return float64(s.Workers) }},
	{"idle_workers", "Workers parked now with nothing to do.", func(s *workpool.Stats) float64 { return float64(s.Idle) }},
	{"spinning_workers", "Workers looking for work to steal now.", func(s *workpool.Stats) float64 { return float64(s.Spinning) }},
	{"blocked_workers", "Workers in Blocking now, their processor handed to another worker.",
		func(s *workpool.Stats) float64 { return float64(s.Blocked) }},
	{"spare_workers", "Worker goroutines parked now without a processor.", func(s *workpool.Stats) float64 { return float64(s.Spares) }},
	{"queued_tasks", "Entries queued now: the global queue's tasks and every worker's queue entries.",
		func(s *workpool.Stats) float64 { return float64(s.Queued) }},
	{"global_queued_tasks", "Tasks queued now in the pool's global queue.", func(s *workpool.Stats) float64 { return float64(s.GlobalQueued) }},
	{"steal_success_ratio", "Successful steals divided by steal attempts; 0 before the first attempt.",
		func(s *workpool.Stats) float64 { return s.StealSuccessRate() }},
}

// poolHists are the pool's latency histograms.
var poolHists = [...]struct {
	name, help string
	value      func(*workpool.Stats) *metrics.Float64Histogram
}{
	{"queue_wait_seconds", "Time sampled submitted tasks waited from submission to start (workpool.WithLatencySampling).",
		func(s *workpool.Stats) *metrics.Float64Histogram { return s.QueueWait }},
	{"run_time_seconds", "Time sampled submitted tasks ran (workpool.WithLatencySampling).",
		func(s *workpool.Stats) *metrics.Float64Histogram { return s.RunTime }},
}

// poolCounterNames spells the Prometheus names of the counters whose
// workpool name alone would not say what they count; every other counter
// of [workpool.CounterInfos] is exported as <name>_total.
var poolCounterNames = map[string]string{
	"submitted": "tasks_submitted",
	"completed": "tasks_completed",
	"skipped":   "tasks_skipped",
	"panicked":  "tasks_panicked",
	"goexits":   "tasks_goexits",
	"inlined":   "tasks_inlined",
	"stolen":    "stolen_tasks",
}

func poolCounterName(name string) string {
	if n, ok := poolCounterNames[name]; ok {
		name = n
	}
	return name + "_total"
}

// NewPoolCollector returns a collector for p's Stats. Every field of
// [workpool.Stats] becomes a metric (the names below use the default
// namespace, gmpkit_workpool):
//
//	_info{policy}                        gauge, always 1: Policy
//	_workers                             gauge: Workers
//	_idle_workers, _spinning_workers     gauges: Idle, Spinning
//	_blocked_workers, _spare_workers     gauges: Blocked, Spares
//	_queued_tasks, _global_queued_tasks  gauges: Queued, GlobalQueued
//	_steal_success_ratio                 gauge: StealSuccessRate()
//	_<counter>_total                     counters: every field of Counts
//	_queue_wait_seconds                  histogram: QueueWait
//	_run_time_seconds                    histogram: RunTime
//	_worker_queued_tasks{worker}         gauge: PerWorker[i].Queued
//	_worker_<counter>_total{worker}      counters: every field of PerWorker[i].Counts
//
// The counters are those of [workpool.CounterInfos], with its help texts,
// named after it: steal_attempts becomes _steal_attempts_total; the task
// counts read _tasks_submitted_total (completed, skipped, panicked,
// goexits, inlined) and Stolen reads _stolen_tasks_total.
//
// The histograms keep workpool's buckets ([workpool.LatencyBuckets]); a
// bucket [lo, hi) becomes le=hi, and the sum is estimated from bucket
// midpoints, as [Histogram.Sum] says.
//
// The options that apply are [WithPoolNamespace] and [WithPerWorker].
// NewPoolCollector panics if p is nil or given another option.
func NewPoolCollector(p *workpool.Pool, opts ...Option) *PoolCollector {
	if p == nil {
		panic("runtimemetrics: NewPoolCollector called with nil *workpool.Pool")
	}
	cfg := newConfig("NewPoolCollector", forPool, opts)
	label, name := "pool", p.Name()
	c := &PoolCollector{
		p:        p,
		counters: workpool.CounterInfos(),
		pool:     []*dto.LabelPair{{Name: &label, Value: &name}},
		latency:  planHistogram(workpool.LatencyBuckets(), RuntimeBuckets(), false),
	}
	constLabels := prometheus.Labels{label: name}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		desc := prometheus.NewDesc(cfg.namespace+"_"+name, help, labels, constLabels)
		c.descs = append(c.descs, desc)
		return desc
	}
	c.info = d("info", "Constant 1, labelled with the pool's steal policy.", labelPolicy)
	for i, g := range poolGauges {
		c.gauges[i] = d(g.name, g.help)
	}
	for _, ci := range c.counters {
		c.totals = append(c.totals, d(poolCounterName(ci.Name), ci.Help))
	}
	for i, h := range poolHists {
		c.hists[i] = d(h.name, h.help)
	}
	if cfg.perWorker {
		c.wQueued = d("worker_queued_tasks",
			"Entries queued now in the worker's queue, its runnext slot and the batch it runs.", labelWorker)
		for _, ci := range c.counters {
			c.wTotals = append(c.wTotals, d("worker_"+poolCounterName(ci.Name), perWorkerHelp(ci.Help), labelWorker))
		}
	}
	return c
}

// perWorkerHelp turns a counter's help, such as "Tasks that ran.", into
// its per-worker series' help: "Per worker: tasks that ran."
func perWorkerHelp(help string) string {
	if len(help) > 1 && 'A' <= help[0] && help[0] <= 'Z' && 'a' <= help[1] && help[1] <= 'z' {
		help = string(help[0]+'a'-'A') + help[1:]
	}
	return "Per worker: " + help
}

// The variable label names, shared by every scrape's label pairs.
var labelPolicy, labelWorker = "policy", "worker"

// Describe implements prometheus.Collector.
func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect calls the pool's Stats once and sends every field as a metric.
// It implements prometheus.Collector.
//
// The metrics and the dto objects their Write methods hand out live in a
// dozen slabs allocated per scrape, whatever the number of workers.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	sc := c.scrape()
	for i := range sc.metrics {
		ch <- &sc.metrics[i]
	}
}

// A poolScrape is the arena of one Collect.
type poolScrape struct {
	st       workpool.Stats
	metrics  []poolMetric
	vals     []float64 // per gauge and counter
	gauges   []dto.Gauge
	counters []dto.Counter
	hists    [len(poolHists)]dto.Histogram
	hcount   [len(poolHists)]uint64
	hsum     [len(poolHists)]float64
	slabs    bucketSlabs

	policy     string
	policyPair dto.LabelPair
	infoLabels [2]*dto.LabelPair // sorted by name: policy, pool
}

// poolMetric is one series of a scrape; it implements prometheus.Metric.
type poolMetric struct {
	desc    *prometheus.Desc
	labels  []*dto.LabelPair
	gauge   *dto.Gauge
	counter *dto.Counter
	hist    *dto.Histogram
}

// Desc implements prometheus.Metric.
func (m *poolMetric) Desc() *prometheus.Desc { return m.desc }

// Write implements prometheus.Metric. It points out at the scrape's
// immutable dto objects and allocates nothing.
func (m *poolMetric) Write(out *dto.Metric) error {
	out.Label, out.Gauge, out.Counter, out.Histogram = m.labels, m.gauge, m.counter, m.hist
	return nil
}

func (c *PoolCollector) scrape() *poolScrape {
	sc := &poolScrape{st: c.p.Stats()}
	st := &sc.st
	workers := st.PerWorker
	if c.wQueued == nil {
		workers = nil
	}
	ng := 1 + len(poolGauges) + len(workers)
	nc := len(c.totals) + len(workers)*len(c.wTotals)
	sc.metrics = make([]poolMetric, 0, ng+nc+len(poolHists))
	sc.vals = make([]float64, 0, ng+nc)
	sc.gauges = make([]dto.Gauge, 0, ng)
	sc.counters = make([]dto.Counter, 0, nc)

	sc.policy = st.Policy.String()
	sc.policyPair = dto.LabelPair{Name: &labelPolicy, Value: &sc.policy}
	sc.infoLabels = [2]*dto.LabelPair{&sc.policyPair, c.pool[0]}
	sc.add(c.info, sc.infoLabels[:], 1, false)
	for i, g := range poolGauges {
		sc.add(c.gauges[i], c.pool, g.value(st), false)
	}
	for i, ci := range c.counters {
		sc.add(c.totals[i], c.pool, float64(ci.Value(&st.Counts)), true)
	}
	c.addHistograms(sc)
	c.addWorkers(sc, workers)
	return sc
}

// add appends a gauge or counter of value v to the scrape. The slabs were
// made with room for every one, so no pointer into them ever moves.
func (sc *poolScrape) add(d *prometheus.Desc, labels []*dto.LabelPair, v float64, counter bool) {
	sc.vals = append(sc.vals, v)
	m := poolMetric{desc: d, labels: labels}
	if counter {
		sc.counters = sc.counters[:len(sc.counters)+1]
		m.counter = &sc.counters[len(sc.counters)-1]
		m.counter.Value = &sc.vals[len(sc.vals)-1]
	} else {
		sc.gauges = sc.gauges[:len(sc.gauges)+1]
		m.gauge = &sc.gauges[len(sc.gauges)-1]
		m.gauge.Value = &sc.vals[len(sc.vals)-1]
	}
	sc.metrics = append(sc.metrics, m)
}

// addHistograms folds the latency histograms of the scrape's Stats into
// Prometheus buckets, with the sum estimated as for runtime histograms.
func (c *PoolCollector) addHistograms(sc *poolScrape) {
	n := len(c.latency.le) + 1
	counts := make([]uint64, len(poolHists)*n)
	sc.slabs = newBucketSlabs(len(poolHists) * len(c.latency.le))
	for k, h := range poolHists {
		var raw []uint64
		if fh := h.value(&sc.st); fh != nil {
			raw = fh.Counts
		}
		cs := counts[k*n : (k+1)*n]
		sc.hcount[k], sc.hsum[k] = c.latency.fold(cs, raw)
		sc.slabs.fill(&sc.hists[k], c.latency.le, cs, &sc.hcount[k], &sc.hsum[k])
		sc.metrics = append(sc.metrics, poolMetric{desc: c.hists[k], labels: c.pool, hist: &sc.hists[k]})
	}
}

// addWorkers adds the per-worker series of workers, labelled pool and
// worker (in that order: label pairs are sorted by name).
func (c *PoolCollector) addWorkers(sc *poolScrape, workers []workpool.WorkerStats) {
	ids := make([]string, len(workers))
	pairs := make([]dto.LabelPair, len(workers))
	labels := make([]*dto.LabelPair, 2*len(workers))
	for i := range workers {
		w := &workers[i]
		ids[i] = strconv.Itoa(w.ID)
		pairs[i] = dto.LabelPair{Name: &labelWorker, Value: &ids[i]}
		ls := labels[2*i : 2*i+2 : 2*i+2]
		ls[0], ls[1] = c.pool[0], &pairs[i]
		sc.add(c.wQueued, ls, float64(w.Queued), false)
		for k, ci := range c.counters {
			sc.add(c.wTotals[k], ls, float64(ci.Value(&w.Counts)), true)
		}
	}
}
