package suite

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/gmpkit/gmpkit/mutexbench"

	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func init() { builders["locks"] = locksCases }

// UnitMops is the locks family's throughput metric, as mutexbench measured
// it: million lock operations per second across all goroutines.
const UnitMops = "Mops/s"

// lockCSs are the critical-section lengths of the locks charts:
// mutexbench's short (20 ns, a map lookup) and long (200 ns) sections.
var lockCSs = []mutexbench.CriticalSection{mutexbench.ShortCS, mutexbench.LongCS}

func locksCases(s Sizes) []Case {
	var cs []Case
	for _, sec := range lockCSs {
		for _, read := range s.LockReadRatio {
			pct := read * 100
			for _, lock := range w.LockSchemes() {
				sc := mutexbench.Scenario{
					ReadPercent: pct,
					ReadWork:    sec.Read, WriteWork: sec.Write,
					OutsideWork: 50 * time.Nanosecond, // QuickMatrix's
					Ops:         s.LockOps,
					Duration:    time.Minute, // Ops ends the run
				}
				readName := strconv.FormatFloat(read, 'f', -1, 64)
				cs = append(cs, Case{
					Study: "locks", Bench: "Locks",
					Sub:      fmt.Sprintf("cs=%s/read=%s/impl=%s", sec.Name, readName, lock.Name),
					Workload: fmt.Sprintf("cs=%s/read=%s", sec.Name, readName), Impl: lock.Name, Units: s.LockOps,
					Params: map[string]string{"cs": sec.Name, "read": readName},
					Setup: func() (*Instance, error) {
						var last mutexbench.Result
						var sum, n float64
						return &Instance{
							Op: func() error {
								r, err := mutexbench.Run(context.Background(), sc, lock)
								if err != nil {
									return err
								}
								last = r
								sum += r.Throughput
								n++
								return nil
							},
							Verify: func() error {
								if last.Violations != 0 {
									return fmt.Errorf("locks: %s broke mutual exclusion %d times", lock.Name, last.Violations)
								}
								return nil
							},
							Metrics: func() map[string]float64 {
								if n == 0 {
									return nil
								}
								m := map[string]float64{UnitMops: sum / n / 1e6}
								sum, n = 0, 0
								return m
							},
						}, nil
					},
				})
			}
		}
	}
	return cs
}
