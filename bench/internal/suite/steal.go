package suite

import (
	"strings"

	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func init() { builders["steal"] = stealCases }

// Units of the steal family's own metrics.
const (
	UnitStealRate     = "steal-rate"
	UnitCompletionVar = "completion-var-ms2"
	UnitCompletionP99 = "completion-p99-ms"
	UnitWall          = "wall-ms"
)

func stealCases(s Sizes) []Case {
	var cs []Case
	for _, cfg := range w.StealConfigs(s.StealTasks, s.StealLight, s.StealHeavy) {
		cs = append(cs, Case{
			Study: "steal", Bench: "Steal", Sub: cfg.Name() + "/impl=" + w.ImplGmpkit,
			Workload: cfg.Name(), Impl: w.ImplGmpkit, Units: cfg.Tasks,
			Params: map[string]string{"policy": strings.ToLower(cfg.Policy.String())},
			Setup: func() (*Instance, error) {
				var n float64
				var sum w.StealResult
				return &Instance{
					Op: func() error {
						r, err := w.RunSteal(cfg)
						if err != nil {
							return err
						}
						n++
						sum.StealRate += r.StealRate
						sum.CompletionVar += r.CompletionVar
						sum.CompletionP99 += r.CompletionP99
						sum.Wall += r.Wall
						return nil
					},
					Metrics: func() map[string]float64 {
						if n == 0 {
							return nil
						}
						m := map[string]float64{
							UnitStealRate:     sum.StealRate / n,
							UnitCompletionVar: sum.CompletionVar / n,
							UnitCompletionP99: float64(sum.CompletionP99) / n / 1e6,
							UnitWall:          float64(sum.Wall) / n / 1e6,
						}
						n, sum = 0, w.StealResult{}
						return m
					},
				}, nil
			},
		})
	}
	return cs
}
