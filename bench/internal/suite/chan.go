package suite

import (
	"fmt"

	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func init() { builders["chan"] = chanCases }

// chanShape is the chan family's shape: 2 producers and 2 consumers on a
// channel of 64 slots, a common fan-in/fan-out size.
const chanProducers, chanConsumers, chanCapacity = 2, 2, 64

func chanCases(s Sizes) []Case {
	var cs []Case
	n := s.ChanValues
	want := n * (n + 1) / 2
	for _, impl := range w.ChanImpls {
		cs = append(cs, Case{
			Study: "chan", Bench: "Chan", Sub: "impl=" + impl, Workload: "mpmc", Impl: impl, Units: n,
			Setup: func() (*Instance, error) {
				var got int
				return &Instance{
					Op: func() error {
						var err error
						got, err = w.RunChan(impl, chanProducers, chanConsumers, n, chanCapacity)
						return err
					},
					Verify: func() error {
						if got != want {
							return fmt.Errorf("chan %s: received sum %d, want %d", impl, got, want)
						}
						return nil
					},
				}, nil
			},
		})
	}
	return cs
}
