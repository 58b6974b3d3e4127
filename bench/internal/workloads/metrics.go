package workloads

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gmpkit/gmpkit/runtimemetrics"
)

// MetricsImpls lists the metrics family's implementations, the peer first.
var MetricsImpls = []string{MetricsGoCollector, MetricsGmpkit}

// MetricsScrape returns one scrape (Registry.Gather) of a registry holding
// only impl's collector of every runtime/metrics metric, and the number of
// metric families the first scrape returned.
func MetricsScrape(impl string) (scrape func() error, families int, err error) {
	reg := prometheus.NewRegistry()
	switch impl {
	case MetricsGoCollector:
		err = reg.Register(collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll)))
	case MetricsGmpkit:
		err = reg.Register(runtimemetrics.NewCollector())
	default:
		return nil, 0, fmt.Errorf("workloads: unknown metrics implementation %q", impl)
	}
	if err != nil {
		return nil, 0, err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return nil, 0, err
	}
	if len(mfs) == 0 {
		return nil, 0, fmt.Errorf("workloads: %s exported no metrics", impl)
	}
	return func() error { _, err := reg.Gather(); return err }, len(mfs), nil
}
