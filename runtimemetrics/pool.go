package runtimemetrics

import (
	"fmt"
	"strconv"

	"github.com/gmpkit/gmpkit/workpool"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultPoolNamespace is the prefix of a [PoolCollector]'s metric names
// unless [WithPoolNamespace] says otherwise.
const DefaultPoolNamespace = "gmpkit_workpool"

// A PoolOption configures a [PoolCollector].
type PoolOption interface {
	applyPool(*poolConfig)
}

type poolConfig struct {
	namespace string
	perWorker bool
}

type poolOptionFunc func(*poolConfig)

func (f poolOptionFunc) applyPool(c *poolConfig) { f(c) }

// WithPoolNamespace sets the prefix of the pool collector's metric names;
// the default is [DefaultPoolNamespace]. It panics if ns is not a valid
// Prometheus name.
func WithPoolNamespace(ns string) PoolOption {
	if !namespaceRE.MatchString(ns) {
		panic(fmt.Sprintf("runtimemetrics: WithPoolNamespace called with invalid namespace %q", ns))
	}
	return poolOptionFunc(func(c *poolConfig) { c.namespace = ns })
}

// WithPerWorker(false) leaves out the per-worker series (one set per
// worker, labelled worker="<id>"), keeping only the pool totals. They are on
// by default: a pool has as many workers as it was built with, so their
// number is bounded.
func WithPerWorker(on bool) PoolOption {
	return poolOptionFunc(func(c *poolConfig) { c.perWorker = on })
}

// A PoolCollector exports a [workpool.Pool]'s Stats as Prometheus metrics,
// every series labelled pool="<name>" (the pool's [workpool.WithName]).
// Build one with [NewPoolCollector]. Give every pool registered in one
// registry a distinct name: two pools with the same name have the same
// descriptors, and the second registration fails.
//
// Each scrape calls Stats once, so the values of one scrape are those of
// one Stats call. A PoolCollector is safe for concurrent use.
type PoolCollector struct {
	p         *workpool.Pool
	perWorker bool

	info                                          *prometheus.Desc
	workers, idle, spinning                       *prometheus.Desc
	queued, globalQueued, stealRatio              *prometheus.Desc
	submitted, completed, panicked                *prometheus.Desc
	localPops, runnextPops, globalPops            *prometheus.Desc
	stealAttempts, steals, stolen, parks, wakeups *prometheus.Desc

	wQueued, wSubmitted, wCompleted, wPanicked         *prometheus.Desc
	wLocalPops, wRunnextPops, wGlobalPops              *prometheus.Desc
	wStealAttempts, wSteals, wStolen, wParks, wWakeups *prometheus.Desc
}

// NewPoolCollector returns a collector for p's Stats. Every field of
// [workpool.Stats] becomes a metric (the names below use the default
// namespace, gmpkit_workpool):
//
//	_info{policy, steal_mode}           gauge, always 1: Policy and StealMode
//	_workers                            gauge: Workers
//	_idle_workers, _spinning_workers    gauges: Idle, Spinning
//	_tasks_submitted_total              counter: Submitted (and _completed, _panicked)
//	_local_pops_total                   counter: LocalPops (and _runnext_, _global_)
//	_steal_attempts_total               counter: StealAttempts
//	_steals_total                       counter: Steals, successful steals
//	_stolen_tasks_total                 counter: Stolen, tasks moved by steals
//	_steal_success_ratio                gauge: StealSuccessRate()
//	_parks_total, _wakeups_total        counters: Parks, Wakeups
//	_queued_tasks, _global_queued_tasks gauges: Queued, GlobalQueued
//	_worker_queued_tasks{worker}        gauge: PerWorker[i].Queued
//	_worker_<counter>_total{worker}     counters: every counter of PerWorker[i]
//
// It panics if p is nil.
func NewPoolCollector(p *workpool.Pool, opts ...PoolOption) *PoolCollector {
	if p == nil {
		panic("runtimemetrics: NewPoolCollector called with nil *workpool.Pool")
	}
	cfg := poolConfig{namespace: DefaultPoolNamespace, perWorker: true}
	for _, o := range opts {
		if o == nil {
			panic("runtimemetrics: nil PoolOption")
		}
		o.applyPool(&cfg)
	}
	pool := prometheus.Labels{"pool": p.Name()}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(cfg.namespace+"_"+name, help, labels, pool)
	}
	c := &PoolCollector{p: p, perWorker: cfg.perWorker}
	c.info = d("info", "Constant 1, labelled with the pool's steal policy and steal mode.", "policy", "steal_mode")
	c.workers = d("workers", "Number of workers of the pool.")
	c.idle = d("idle_workers", "Workers parked now with nothing to do.")
	c.spinning = d("spinning_workers", "Workers looking for work to steal now.")
	c.queued = d("queued_tasks", "Tasks queued now, in the global queue and every worker's local queue.")
	c.globalQueued = d("global_queued_tasks", "Tasks queued now in the pool's global queue.")
	c.stealRatio = d("steal_success_ratio", "Successful steals divided by steal attempts; 0 before the first attempt.")
	c.submitted = d("tasks_submitted_total", "Tasks accepted: Submit and TrySubmit, plus work forked by Join and Scope.")
	c.completed = d("tasks_completed_total", "Tasks that finished running, panicking ones included.")
	c.panicked = d("tasks_panicked_total", "Tasks that panicked.")
	c.localPops = d("local_pops_total", "Tasks workers took from their own local queue.")
	c.runnextPops = d("runnext_pops_total", "Tasks workers took from their runnext slot.")
	c.globalPops = d("global_pops_total", "Tasks workers took from the global queue.")
	c.stealAttempts = d("steal_attempts_total", "Attempts to steal from another worker's queue.")
	c.steals = d("steals_total", "Steal attempts that took at least one task.")
	c.stolen = d("stolen_tasks_total", "Tasks moved from one worker to another by steals.")
	c.parks = d("parks_total", "Times a worker parked for lack of work.")
	c.wakeups = d("wakeups_total", "Times a parked worker was woken.")
	if cfg.perWorker {
		c.wQueued = d("worker_queued_tasks", "Tasks queued now in the worker's local queue.", "worker")
		c.wSubmitted = d("worker_tasks_submitted_total", "Tasks submitted or forked by the worker.", "worker")
		c.wCompleted = d("worker_tasks_completed_total", "Tasks the worker finished running.", "worker")
		c.wPanicked = d("worker_tasks_panicked_total", "Tasks run by the worker that panicked.", "worker")
		c.wLocalPops = d("worker_local_pops_total", "Tasks the worker took from its own local queue.", "worker")
		c.wRunnextPops = d("worker_runnext_pops_total", "Tasks the worker took from its runnext slot.", "worker")
		c.wGlobalPops = d("worker_global_pops_total", "Tasks the worker took from the global queue.", "worker")
		c.wStealAttempts = d("worker_steal_attempts_total", "Attempts of the worker to steal from another worker.", "worker")
		c.wSteals = d("worker_steals_total", "Steal attempts of the worker that took at least one task.", "worker")
		c.wStolen = d("worker_stolen_tasks_total", "Tasks the worker took from other workers by stealing.", "worker")
		c.wParks = d("worker_parks_total", "Times the worker parked for lack of work.", "worker")
		c.wWakeups = d("worker_wakeups_total", "Times the worker was woken from parking.", "worker")
	}
	return c
}

func (c *PoolCollector) descs() []*prometheus.Desc {
	ds := []*prometheus.Desc{c.info, c.workers, c.idle, c.spinning, c.queued, c.globalQueued, c.stealRatio,
		c.submitted, c.completed, c.panicked, c.localPops, c.runnextPops, c.globalPops,
		c.stealAttempts, c.steals, c.stolen, c.parks, c.wakeups}
	if c.perWorker {
		ds = append(ds, c.wQueued, c.wSubmitted, c.wCompleted, c.wPanicked, c.wLocalPops, c.wRunnextPops, c.wGlobalPops,
			c.wStealAttempts, c.wSteals, c.wStolen, c.wParks, c.wWakeups)
	}
	return ds
}

// Describe implements prometheus.Collector.
func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs() {
		ch <- d
	}
}

// Collect calls the pool's Stats once and sends every field as a metric.
// It implements prometheus.Collector.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.p.Stats()
	g := func(d *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
	}
	n := func(d *prometheus.Desc, v uint64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), lv...)
	}
	g(c.info, 1, st.Policy.String(), st.StealMode.String())
	g(c.workers, float64(st.Workers))
	g(c.idle, float64(st.Idle))
	g(c.spinning, float64(st.Spinning))
	g(c.queued, float64(st.Queued))
	g(c.globalQueued, float64(st.GlobalQueued))
	g(c.stealRatio, st.StealSuccessRate())
	n(c.submitted, st.Submitted)
	n(c.completed, st.Completed)
	n(c.panicked, st.Panicked)
	n(c.localPops, st.LocalPops)
	n(c.runnextPops, st.RunnextPops)
	n(c.globalPops, st.GlobalPops)
	n(c.stealAttempts, st.StealAttempts)
	n(c.steals, st.Steals)
	n(c.stolen, st.Stolen)
	n(c.parks, st.Parks)
	n(c.wakeups, st.Wakeups)
	if !c.perWorker {
		return
	}
	for i := range st.PerWorker {
		w := &st.PerWorker[i]
		id := strconv.Itoa(w.ID)
		g(c.wQueued, float64(w.Queued), id)
		n(c.wSubmitted, w.Submitted, id)
		n(c.wCompleted, w.Completed, id)
		n(c.wPanicked, w.Panicked, id)
		n(c.wLocalPops, w.LocalPops, id)
		n(c.wRunnextPops, w.RunnextPops, id)
		n(c.wGlobalPops, w.GlobalPops, id)
		n(c.wStealAttempts, w.StealAttempts, id)
		n(c.wSteals, w.Steals, id)
		n(c.wStolen, w.Stolen, id)
		n(c.wParks, w.Parks, id)
		n(c.wWakeups, w.Wakeups, id)
	}
}
