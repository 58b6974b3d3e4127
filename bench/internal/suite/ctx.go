package suite

import (
	"fmt"

	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func init() { builders["ctx"] = ctxCases }

func ctxCases(s Sizes) []Case {
	var cs []Case
	nodes := 0
	for d, width := 0, 1; d <= s.CtxDepth; d, width = d+1, width*s.CtxFanout {
		nodes += width
	}
	workload := fmt.Sprintf("fanout%d-depth%d", s.CtxFanout, s.CtxDepth)
	for _, impl := range w.CtxImpls {
		cs = append(cs, Case{
			Study: "ctx", Bench: "Ctx", Sub: "tree=" + workload + "/impl=" + impl, Workload: workload, Impl: impl,
			Units: nodes,
			Setup: func() (*Instance, error) {
				op, err := w.CtxTreeOp(impl, s.CtxFanout, s.CtxDepth)
				if err != nil {
					return nil, err
				}
				return &Instance{Op: op}, nil
			},
		})
	}
	return cs
}
