package runtimemetrics

import (
	"fmt"
	"regexp"
	"strings"
)

// An Option configures a [Sampler] (and so a [Collector]) or a
// [PoolCollector]; each option's documentation says which. Options are
// applied in order; a later option of the same kind replaces or extends an
// earlier one as its documentation says. A constructor given an option
// that configures something else panics rather than ignore it.
type Option interface {
	apply(*config)
}

// A target is what an option configures.
type target uint8

const (
	forSampler target = iota // NewSampler, NewCollector
	forPool                  // NewPoolCollector
)

func (t target) String() string {
	if t == forPool {
		return "a PoolCollector"
	}
	return "a Sampler or Collector"
}

// option is the one implementation of Option.
type option struct {
	name   string // the function that made it, for messages
	target target
	set    func(*config)
}

func (o option) apply(c *config) {
	if o.target != c.target {
		panic(fmt.Sprintf("runtimemetrics: %s called with %s, which configures %s", c.caller, o.name, o.target))
	}
	o.set(c)
}

// DefaultNamespace is the prefix of every metric name unless [WithNamespace]
// says otherwise. It differs from client_golang's "go" so that a [Collector]
// registers next to client_golang's Go collector, which
// prometheus.DefaultRegisterer already holds, without duplicate names.
const DefaultNamespace = "go_runtime"

// DefaultMaxSeries is the default bound of the cardinality guard
// ([WithMaxSeries]). The default selection with the default bucket layouts
// needs 168 series on Go 1.26; keeping every runtime bucket of every
// histogram ([RuntimeBuckets]) needs 1,182 and so trips the guard, which is
// what the guard is for.
const DefaultMaxSeries = 1000

// A Preset names a group of runtime metrics by the first element of their
// runtime/metrics name.
type Preset uint8

const (
	// GC selects /gc/...: cycles, heap allocations and frees, pauses, scan work.
	GC Preset = iota
	// Memory selects /memory/classes/...: where every mapped byte is.
	Memory
	// Scheduler selects /sched/...: goroutines by state, scheduling latency,
	// stop-the-world pauses, GOMAXPROCS and threads.
	Scheduler
	// CPU selects /cpu/classes/...: estimated CPU time by class (user, GC,
	// scavenger, idle).
	CPU
	// Sync selects /sync/...: time goroutines spent blocked on sync.Mutex and
	// sync.RWMutex.
	Sync
	// Cgo selects /cgo/...: calls from Go to C.
	Cgo
	// GoDebug selects /godebug/...: counts of non-default GODEBUG behaviour.
	// It is the only preset that the default selection leaves out.
	GoDebug
	numPresets
)

var presetPrefixes = [numPresets]string{
	GC:        "/gc/",
	Memory:    "/memory/",
	Scheduler: "/sched/",
	CPU:       "/cpu/",
	Sync:      "/sync/",
	Cgo:       "/cgo/",
	GoDebug:   "/godebug/",
}

var presetNames = [numPresets]string{"GC", "Memory", "Scheduler", "CPU", "Sync", "Cgo", "GoDebug"}

// String returns the preset's name, such as "Scheduler", or "Preset(n)" for
// an unknown value.
func (p Preset) String() string {
	if p < numPresets {
		return presetNames[p]
	}
	return fmt.Sprintf("Preset(%d)", uint8(p))
}

// Prefix returns the runtime/metrics name prefix that p selects, such as
// "/sched/", or "" for an unknown value.
func (p Preset) Prefix() string {
	if p < numPresets {
		return presetPrefixes[p]
	}
	return ""
}

type config struct {
	caller string // the constructor being configured, for messages
	target target

	// Sampler and Collector:
	presets   uint32 // bit set of Preset; 0 = everything but GoDebug
	allow     []*regexp.Regexp
	deny      []*regexp.Regexp
	godebug   bool
	layouts   map[string]BucketLayout
	maxSeries int

	namespace string // the prefix of every metric name, runtime or pool

	// PoolCollector:
	perWorker bool
}

// newConfig applies opts, given to the constructor caller, over the
// defaults of what it builds.
func newConfig(caller string, t target, opts []Option) *config {
	c := &config{caller: caller, target: t}
	switch t {
	case forSampler:
		c.namespace = DefaultNamespace
		c.maxSeries = DefaultMaxSeries
		c.layouts = map[string]BucketLayout{
			"seconds": DefaultSecondsBuckets(),
			"bytes":   DefaultBytesBuckets(),
		}
	case forPool:
		c.namespace = DefaultPoolNamespace
		c.perWorker = true
	}
	for _, o := range opts {
		if o == nil {
			panic("runtimemetrics: " + caller + " called with a nil Option")
		}
		o.apply(c)
	}
	return c
}

// WithPresets restricts the selection to the metrics of the given presets
// (before [WithAllow] and [WithDeny] apply). Repeated uses add presets.
// Without any WithPresets the selection is every runtime metric except
// /godebug/ ones.
func WithPresets(presets ...Preset) Option {
	for _, p := range presets {
		if p >= numPresets {
			panic(fmt.Sprintf("runtimemetrics: WithPresets called with unknown preset %d", uint8(p)))
		}
	}
	return option{"WithPresets", forSampler, func(c *config) {
		for _, p := range presets {
			c.presets |= 1 << p
		}
	}}
}

// WithAllow adds every runtime metric whose runtime/metrics name (such as
// "/sched/latencies:seconds") matches re, whatever the presets say.
// [WithDeny] still wins over it.
func WithAllow(re *regexp.Regexp) Option {
	if re == nil {
		panic("runtimemetrics: WithAllow called with nil *regexp.Regexp")
	}
	return option{"WithAllow", forSampler, func(c *config) { c.allow = append(c.allow, re) }}
}

// WithDeny removes every runtime metric whose runtime/metrics name matches
// re. It wins over presets, [WithAllow] and [WithGoDebug].
func WithDeny(re *regexp.Regexp) Option {
	if re == nil {
		panic("runtimemetrics: WithDeny called with nil *regexp.Regexp")
	}
	return option{"WithDeny", forSampler, func(c *config) { c.deny = append(c.deny, re) }}
}

// WithGoDebug(true) adds the /godebug/ metrics, which the default selection
// leaves out: there are dozens of them (47 in Go 1.26), each counts uses of
// one non-default GODEBUG setting, and nearly all stay 0 forever.
func WithGoDebug(on bool) Option {
	return option{"WithGoDebug", forSampler, func(c *config) { c.godebug = on }}
}

// WithBuckets sets the bucket layout of every histogram whose runtime unit
// (the part of the runtime/metrics name after the colon, such as "seconds"
// or "bytes") is unit. The defaults are [DefaultSecondsBuckets] and
// [DefaultBytesBuckets]; histograms of any other unit keep every runtime
// bucket.
func WithBuckets(unit string, layout BucketLayout) Option {
	if unit == "" || strings.ContainsAny(unit, ":/") {
		panic(fmt.Sprintf("runtimemetrics: WithBuckets called with invalid unit %q", unit))
	}
	if layout.kind == layoutInvalid {
		panic("runtimemetrics: WithBuckets called with the zero BucketLayout")
	}
	return option{"WithBuckets", forSampler, func(c *config) { c.layouts[unit] = layout }}
}

var namespaceRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// WithNamespace sets the prefix of every metric name: "/sched/latencies:seconds"
// becomes "<namespace>_sched_latencies_seconds". The default is
// [DefaultNamespace]. WithNamespace("go") gives exactly the names
// client_golang's Go collector uses; such a collector cannot be registered
// in the same registry as client_golang's (the names clash), so use "go"
// only to replace it. An empty namespace drops the prefix.
func WithNamespace(ns string) Option {
	if ns != "" && !namespaceRE.MatchString(ns) {
		panic(fmt.Sprintf("runtimemetrics: WithNamespace called with invalid namespace %q", ns))
	}
	return option{"WithNamespace", forSampler, func(c *config) { c.namespace = ns }}
}

// WithMaxSeries bounds the number of series (a scalar metric is one series;
// a histogram is one per finite bucket plus +Inf, _sum and _count) that the
// selection may produce. Metrics are taken in runtime/metrics name order;
// one that would cross the bound is left out, and the total left out is
// reported by [Sampler.DroppedSeries], by [Sampler.Mappings] and by the
// collector's <namespace>_runtimemetrics_dropped_series gauge. The default
// is [DefaultMaxSeries]; n < 1 panics.
func WithMaxSeries(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("runtimemetrics: WithMaxSeries called with non-positive bound %d", n))
	}
	return option{"WithMaxSeries", forSampler, func(c *config) { c.maxSeries = n }}
}

// DefaultPoolNamespace is the prefix of a [PoolCollector]'s metric names
// unless [WithPoolNamespace] says otherwise.
const DefaultPoolNamespace = "gmpkit_workpool"

// WithPoolNamespace sets the prefix of a [PoolCollector]'s metric names;
// the default is [DefaultPoolNamespace]. It panics if ns is not a valid
// Prometheus name.
func WithPoolNamespace(ns string) Option {
	if !namespaceRE.MatchString(ns) {
		panic(fmt.Sprintf("runtimemetrics: WithPoolNamespace called with invalid namespace %q", ns))
	}
	return option{"WithPoolNamespace", forPool, func(c *config) { c.namespace = ns }}
}

// WithPerWorker(false) leaves out a [PoolCollector]'s per-worker series
// (one set per worker, labelled worker="<id>"), keeping only the pool
// totals. They are on by default: their number grows with the pool's
// workers, which the pool bounds.
func WithPerWorker(on bool) Option {
	return option{"WithPerWorker", forPool, func(c *config) { c.perWorker = on }}
}
