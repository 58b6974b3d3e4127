// Package runtimemetrics exports the Go runtime's own metrics
// (runtime/metrics) to Prometheus, expvar and JSON, from one sampler,
// with fine histograms and a cheap scrape; and it exports a
// [workpool.Pool]'s Stats to Prometheus.
//
//	c := runtimemetrics.NewCollector()                // every metric but /godebug/
//	prometheus.MustRegister(c)                        // next to client_golang's Go collector
//	http.Handle("/debug/runtimemetrics", c.Sampler().Handler())
//	prometheus.MustRegister(runtimemetrics.NewPoolCollector(pool))
//
// # The model
//
// A [Sampler] is built once from metrics.All: it selects metrics (presets,
// [WithAllow], [WithDeny], the cardinality guard), names them, and plans
// each histogram's Prometheus buckets. The plan can be made once because
// runtime/metrics promises that a histogram's boundaries never change while
// the process runs. [Sampler.Read] then calls metrics.Read into reused
// samples and copies the values into a [Snapshot]: scalars, and each
// histogram's raw runtime bucket counts, folded through the plan into
// Prometheus buckets with an estimated sum. Every output renders a
// Snapshot: the [Collector] as Prometheus metrics, [Sampler.Handler] as
// JSON with derived [SLIs], [Sampler.PublishExpvar] as an expvar.Var. So
// one sample shows the same numbers everywhere, and nothing ever calls
// runtime.ReadMemStats, which stops the world (golang/go#43555).
//
// # Invariants
//
//   - Bucket counts are exact. A [BucketLayout]'s requested bounds are moved
//     up to the runtime's own bucket boundaries, so every runtime bucket
//     falls wholly into one Prometheus bucket: the first whose le is at or
//     above the runtime bucket's upper edge. Counts are never interpolated,
//     split or moved down; the +Inf bucket equals the runtime's total.
//   - Sums are estimates, and say so: the runtime records none. Each
//     observation counts as the midpoint of its runtime bucket (see
//     [Histogram.Sum]); the error is at most half a runtime bucket per
//     observation, under 12.5% for time histograms.
//   - Names are client_golang's spelling under another namespace
//     ([DefaultNamespace], "go_runtime"), so the collector registers next to
//     the Go collector that prometheus.DefaultRegisterer already holds;
//     [WithNamespace]("go") gives exactly client_golang's names, for a
//     drop-in replacement. The one exception is deliberate: the /godebug/
//     counters (47 in Go 1.26, one per GODEBUG setting, no total among
//     them) fold into one family, <namespace>_godebug_non_default_behavior_events_total,
//     with a setting label, as Prometheus's naming guidelines ask; that is
//     one name to query, and 46 fewer families per scrape. Cumulative
//     scalars are counters ending in _total, other scalars gauges,
//     histograms histograms; promlint reports nothing. [Sampler.Mappings]
//     says, for every metric of metrics.All, its name (and labels) or why
//     it is left out.
//   - The series a collector can produce are bounded ([WithMaxSeries]); what
//     the bound leaves out is reported, never silently dropped.
//   - A scrape is consistent and immutable: the metrics one Collect sends
//     all come from one metrics.Read, and nothing mutates them afterwards,
//     so concurrent scrapes and late Write calls are safe.
//
// # Why a scrape is cheap
//
// client_golang's Go collector keeps a Gauge, Counter or histogram object
// per metric, updates each under its own synchronization, and lets each
// allocate its dto objects in Write; a histogram's Write allocates per
// bucket. Here Collect allocates one arena per scrape, a dozen slabs
// whatever the number of metrics or buckets, fills every dto.Gauge,
// dto.Counter, dto.Histogram and dto.Bucket in it, and sends pointers to
// prebuilt metric values whose Write only points the registry's *dto.Metric
// at them: no allocation per metric or bucket. Descriptors and bucket
// plans are computed once. What remains is the registry's own work (a
// dto.Metric and a dto.MetricFamily per family, sorting, consistency
// checks), which no collector can avoid.
//
// Alternatives not taken:
//   - Reusing one arena across scrapes (or pooling arenas): the registry may
//     call Write after Collect has returned, while another scrape runs, and
//     a consumer may never call Write at all, so there is no safe moment to
//     recycle. A fresh arena per scrape costs a dozen allocations.
//   - Interpolating counts to hit requested bounds exactly (1 ms rather than
//     the runtime's 1.048576 ms): it would invent observations. Snapping is
//     exact, and the le label tells the truth.
//   - Exact sums from companion metrics (/gc/heap/allocs:bytes for
//     /gc/heap/allocs-by-size:bytes, as client_golang does): they exist for
//     two histograms only, and count tiny allocations the histogram leaves
//     out. One estimator for all histograms is easier to state and test.
//   - Folding everything above 1 s into +Inf, as client_golang does: the
//     default seconds layout keeps 1.07 s, 10.7 s and 103 s buckets, where
//     scheduler stalls and long GC pauses show.
//
// # Where the constants come from
//
// The runtime's time histograms have 162 buckets (Go 1.26): 0 and
// 64 ns, then four sub-buckets per power of two of nanoseconds up to
// about 39 hours. Allocation-size histograms have one bucket per size class
// (68), with boundaries at size+1. [DefaultSecondsBuckets] (powers of ten,
// 100 ns to 100 s) keeps 10 of the 162; [DefaultBytesBuckets] (powers of
// two) keeps 13 of the 68. [DefaultMaxSeries] (1,000) is six times what
// the default selection needs (168 series on Go 1.26) and less than what
// keeping every runtime bucket needs (1,182), so the guard trips on the
// layout most likely to be a mistake.
//
// # Cost, measured
//
// Per scrape, against client_golang v1.24.1's
// collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll)),
// in the same run, with the default bucket layouts; go1.26, GOMAXPROCS 1,
// on a shared 2-core AMD EPYC (load average about 8). "same set" is every
// runtime metric, /godebug/ included, as MetricsAll; "default" is this
// package's default selection (/godebug/ off), the set a user gets without
// options. Medians of 10 runs:
//
//	                  client_golang    gmpkit, same set      gmpkit, default
//	Gather  allocs    1,800            637   (0.35x)         529 (0.29x)
//	        CPU       112 µs           65 µs (0.57x)         50 µs (0.44x)
//	promhttp allocs   2,200            920   (0.42x)         804 (0.37x)
//	        CPU       235 µs           153 µs (0.65x)        124 µs (0.53x)
//
// CPU is the process's user+system time per scrape (GC included, the
// cpu-ns/op metric), which the loaded machine disturbs far less than wall
// time; wall-time medians gave ratios between 0.2x and 0.65x from run to
// run. What is left is mostly client_golang's own work, per family and per
// series, in the registry and the text encoder: through promhttp the cost
// follows the size of the exposition (about 29 KB here against 53 KB),
// which is why HELP holds only the first sentence of each runtime
// description. A [Sampler.Read] of all 113 metrics into a reused Snapshot
// costs about 3.3 µs and 0 allocations, against 2.0 µs for the bare
// metrics.Read it wraps. Measured with:
//
//	go test -run XXX -bench 'Scrape|SamplerRead' -cpu 1 -count 10 -benchtime 400x ./runtimemetrics/
package runtimemetrics
