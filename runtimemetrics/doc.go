// Package runtimemetrics exports the Go runtime's own metrics
// (runtime/metrics) to Prometheus, expvar and JSON, all read by one
// [Sampler]; and it exports a [workpool.Pool]'s Stats to Prometheus.
//
//	c := runtimemetrics.NewCollector() // every runtime metric but /godebug/
//	prometheus.MustRegister(c, runtimemetrics.NewPoolCollector(pool))
//	http.Handle("/debug/runtimemetrics", c.Sampler().Handler()) // the same samples, as JSON
//
// Without a Collector, [Handler] and [PublishExpvar] serve the runtime's
// metrics with the default options.
//
// # Guarantees
//
//   - One sample, every output: a [Collector], [Sampler.Handler] and
//     [Sampler.PublishExpvar] render the same [Snapshot], with the same
//     names, bucket layouts and sums. Nothing calls runtime.ReadMemStats,
//     which stops the world.
//   - Bucket counts are exact. Requested bounds move up to the runtime's
//     own bucket boundaries ([BucketLayout]), so each runtime bucket falls
//     wholly into one Prometheus bucket: counts are never interpolated or
//     split, and +Inf equals the runtime's total.
//   - Sums are estimates, as [Histogram.Sum] says: the runtime records none.
//   - A [PoolCollector] exports every field of workpool.Stats, read by one
//     Stats call per scrape: each counter of workpool.CounterInfos, with its
//     help, for the pool and per worker; the gauges; and the sampled queue
//     wait and run time as histograms in workpool's own buckets, their sums
//     estimated as for runtime histograms.
//   - Names are client_golang's spelling under [DefaultNamespace], so a
//     Collector registers next to client_golang's Go collector;
//     [WithNamespace]("go") gives client_golang's names exactly. The
//     /godebug/ counters fold into one family with a setting label. promlint
//     reports nothing, and [Sampler.Mappings] says, for every runtime
//     metric, its name or why it is left out.
//   - The series a Collector produces are bounded ([WithMaxSeries]); what
//     the bound leaves out is reported, never dropped silently.
//   - A scrape is consistent and immutable: the metrics one Collect sends
//     come from one metrics.Read and are never changed afterwards, so
//     concurrent scrapes and late Write calls are safe.
//
// # Costs
//
// A Registry.Gather of a Collector over every runtime metric allocates
// about a third of what client_golang's Go collector over the same metrics
// allocates, and takes about 60% of its CPU time; the Collector's own share
// is a dozen allocations per scrape, whatever the number of metrics and
// buckets. [Sampler.Read] into a reused Snapshot allocates nothing and
// takes about 1.5 times the bare metrics.Read it wraps. A Gather of a
// [PoolCollector] costs under 1 µs per series (282 for 16 workers), nearly
// all of it the registry's; the collector adds a dozen allocations to those
// of Stats. Measured with:
//
//	go test -run '^$' -bench 'Scrape|SamplerRead' -cpu 1 -count 10 ./runtimemetrics/
//
// # Traps
//
//   - The le labels are the runtime's boundaries, not the requested bounds:
//     a bound requested as 1 ms is exported as le="0.001048576". Query the
//     bounds the exposition shows.
//   - [RuntimeBuckets] for every time histogram needs more series than
//     [DefaultMaxSeries]: the guard leaves whole metrics out, and
//     <namespace>_runtimemetrics_dropped_series counts them. Raise
//     [WithMaxSeries] with it.
//   - A Collector built with WithNamespace("go") cannot be registered next
//     to client_golang's Go collector, which prometheus.DefaultRegisterer
//     holds: use it only to replace that collector.
//   - An [Option] configures a Sampler (and so a Collector) or a
//     PoolCollector, as its doc says; the other constructors panic on it.
//   - A pool's histograms count sampled tasks only (one in
//     workpool.WithLatencySampling's n): their _count is not a task count.
//   - [Handler] reads a Sampler of its own, not a Collector's: to serve the
//     samples a Collector exports, serve c.Sampler().Handler().
//   - A handler's SLIs cover the window since its previous request, so two
//     pollers of one handler each see shorter windows.
//   - The slices a [Snapshot]'s accessors return alias it: the next Read
//     into it overwrites them.
package runtimemetrics

// Design notes
//
// The model. A Sampler is built once from metrics.All: it selects metrics
// (presets, WithAllow, WithDeny, the cardinality guard), names them, and
// plans each histogram's Prometheus buckets. The plan can be made once
// because runtime/metrics promises that a histogram's boundaries never
// change while the process runs. Sampler.Read calls metrics.Read into
// reused samples and copies the values into a Snapshot: scalars, and each
// histogram's runtime bucket counts folded through the plan into Prometheus
// buckets, with an estimated sum. Every output renders a Snapshot, which is
// why they never disagree. runtime/metrics reads without stopping the
// world, unlike runtime.ReadMemStats (golang/go#43555), which expvar's own
// "memstats" calls.
//
// Bucket mapping. A runtime bucket [lo, hi) goes to the first chosen
// boundary at or above hi, so no count is split or moved down. For bytes,
// whose observations are integers and whose runtime boundaries are
// size+1, le is reported as hi-1, so powers of two come out exact. The
// fuzz test FuzzPlanHistogram checks the mapping on arbitrary boundaries.
//
// Why a scrape is cheap. client_golang's Go collector keeps a Gauge,
// Counter or histogram object per metric, updates each under its own
// synchronization, and lets each allocate its dto objects in Write; a
// histogram's Write allocates per bucket. Here Collect allocates one arena
// per scrape (a dozen slabs, whatever the number of metrics or buckets),
// fills every dto.Gauge, dto.Counter, dto.Histogram and dto.Bucket in it,
// and sends pointers to prebuilt metric values whose Write only points the
// registry's *dto.Metric at them. Descriptors and bucket plans are computed
// once. What remains is the registry's own work (a dto.Metric and a
// dto.MetricFamily per family, sorting, consistency checks) and, through
// promhttp, the text encoder's, which follows the size of the exposition:
// that is why HELP holds only the first sentence of each runtime
// description, and why the /godebug/ counters fold into one family.
//
// Alternatives not taken:
//   - Reusing one arena across scrapes, or pooling arenas: the registry may
//     call Write after Collect has returned, while another scrape runs, and
//     a consumer may never call Write at all, so there is no safe moment to
//     recycle. A fresh arena per scrape costs a dozen allocations.
//   - Interpolating counts to hit requested bounds exactly (1 ms rather
//     than the runtime's 1.048576 ms): it would invent observations.
//     Snapping is exact, and the le label tells the truth.
//   - Exact sums from companion metrics (/gc/heap/allocs:bytes for
//     /gc/heap/allocs-by-size:bytes, as client_golang does): they exist for
//     two histograms only, and count tiny allocations the histogram leaves
//     out. One estimator for all histograms is easier to state and test.
//   - Folding everything above 1 s into +Inf, as client_golang does: the
//     default seconds layout keeps finite buckets above 1 s, where
//     scheduler stalls and long GC pauses show.
//   - One metric family per /godebug/ setting, as client_golang has: the
//     settings differ only by name, with no total among them, and
//     Prometheus's naming guidelines ask for a label in that case. One
//     family is one name to query (sum by (setting) works) and dozens fewer
//     families per scrape.
//   - NewCollector returning prometheus.Collector: it returns *Collector,
//     which is one, so that its Sampler (and through it the JSON handler
//     and expvar) can share its samples.
//   - A Default() accessor for the Sampler behind Handler and PublishExpvar:
//     those two are the one way to serve the default selection; a program
//     that wants the Sampler itself builds one with NewSampler.
//
// The pool collector. PoolCollector follows the same pattern: its Descs are
// built once, from workpool.CounterInfos and two small tables (gauges,
// histograms), so a counter added to workpool is exported without a change
// here; a scrape calls Stats once and points prebuilt metrics at a per-scrape
// arena. poolCounterNames keeps the names dashboards already query
// (tasks_completed_total rather than completed_total). The latency
// histograms go through the same histPlan as runtime histograms, with
// RuntimeBuckets: workpool's 1-2-5 buckets are already coarse.
//
// Where the constants come from: the runtime's histogram shapes are in
// BucketLayout's doc, the default layouts' reasons in DefaultSecondsBuckets
// and DefaultBytesBuckets, and the guard's bound in DefaultMaxSeries.
