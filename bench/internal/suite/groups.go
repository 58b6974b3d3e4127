package suite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func init() { builders["groups"] = groupsCases }

// Units of the groups family's own metrics.
const (
	UnitRan        = "ran/op"         // fail-early: tasks that did their work before the group was canceled
	UnitAfterError = "after-error-ns" // fail-early: from the failing task's return to Wait's
)

// groupWorkload is one workload of the groups family: setup returns the op
// of one implementation's Grouper, its check and its own metrics.
type groupWorkload struct {
	name  string
	setup func(g w.Grouper, impl string) *Instance
}

func groupWorkloads(n int) []groupWorkload {
	ctx := context.Background()
	return []groupWorkload{
		{"tiny-" + shortCount(n), func(g w.Grouper, _ string) *Instance {
			marks, ops := make([]int32, n), int32(0)
			task := func(_ context.Context, i int) error { w.GroupWork(); marks[i]++; return nil }
			return &Instance{
				Op: func() error { ops++; return g.Run(ctx, n, task) },
				Verify: func() error {
					if i := slices.IndexFunc(marks, func(m int32) bool { return m != ops }); i >= 0 {
						return fmt.Errorf("task %d ran %d times in %d ops", i, marks[i], ops)
					}
					return nil
				},
			}
		}},
		{"fail-early-" + shortCount(n), failEarly(n)},
		{"results-" + shortCount(n), func(g w.Grouper, impl string) *Instance {
			var got []int
			task := func(_ context.Context, i int) (int, error) { w.GroupWork(); return i, nil }
			return &Instance{
				Op: func() (err error) { got, err = g.Collect(ctx, n, task); return err },
				Verify: func() error {
					if !w.GroupKeepsOrder(impl) {
						got = slices.Sorted(slices.Values(got))
					}
					if len(got) != n {
						return fmt.Errorf("%d results, want %d", len(got), n)
					}
					for i, v := range got {
						if v != i {
							return fmt.Errorf("result %d is %d: not in Go order", i, v)
						}
					}
					return nil
				},
			}
		}},
	}
}

// failEarly is the fail-early workload: task n/100 fails at once, and every
// task first checks the group's context, as a well-behaved task does, so
// that the error's cancellation stops the rest.
func failEarly(n int) func(w.Grouper, string) *Instance {
	return func(g w.Grouper, _ string) *Instance {
		start := time.Now()
		var failedAt, after, ran atomic.Int64
		ops := 0
		task := func(ctx context.Context, i int) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if i == n/100 {
				failedAt.Store(int64(time.Since(start)))
				return w.ErrEarly
			}
			w.GroupWork()
			ran.Add(1)
			return nil
		}
		return &Instance{
			Op: func() error {
				err := g.Run(context.Background(), n, task)
				after.Add(int64(time.Since(start)) - failedAt.Load())
				ops++
				if !errors.Is(err, w.ErrEarly) {
					return fmt.Errorf("the group's Wait returned %v, want the failing task's error", err)
				}
				return nil
			},
			Metrics: func() map[string]float64 {
				k := float64(max(ops, 1))
				m := map[string]float64{UnitRan: float64(ran.Swap(0)) / k, UnitAfterError: float64(after.Swap(0)) / k}
				ops = 0
				return m
			},
		}
	}
}

func groupsCases(s Sizes) []Case {
	var cs []Case
	for _, gw := range groupWorkloads(s.GroupTasks) {
		for _, impl := range w.GroupImpls {
			cs = append(cs, Case{
				Study: "groups", Bench: "Groups", Sub: "workload=" + gw.name + "/impl=" + impl,
				Workload: gw.name, Impl: impl, Units: s.GroupTasks, Base: w.ImplErrgroup, Benchtime: s.ManyBenchtime,
				Setup: func() (*Instance, error) {
					g, err := w.NewGrouper(impl)
					if err != nil {
						return nil, err
					}
					inst := gw.setup(g, impl)
					inst.Close = g.Close
					return inst, nil
				},
			})
		}
	}
	return cs
}
