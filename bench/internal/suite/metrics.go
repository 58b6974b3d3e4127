package suite

import (
	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func init() { builders["metrics"] = metricsCases }

// UnitFamilies is the number of metric families a scrape returns.
const UnitFamilies = "families"

func metricsCases(Sizes) []Case {
	var cs []Case
	for _, impl := range w.MetricsImpls {
		cs = append(cs, Case{
			Study: "metrics", Bench: "Metrics", Sub: "scrape=all/impl=" + impl, Workload: "all", Impl: impl,
			Setup: func() (*Instance, error) {
				scrape, families, err := w.MetricsScrape(impl)
				if err != nil {
					return nil, err
				}
				return &Instance{
					Op:      scrape,
					Metrics: func() map[string]float64 { return map[string]float64{UnitFamilies: float64(families)} },
				}, nil
			},
		})
	}
	return cs
}
