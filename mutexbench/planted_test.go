package mutexbench_test

import (
	"context"
	"sync"
	"time"

	"github.com/gmpkit/gmpkit/mutexbench"
)

// planted is a MeasureFunc whose throughputs are chosen by the test, so
// that the statistics and the search are checked without timing. ops gets
// the read share, the lock's name and the round (-1 for the warm-up, then
// 0, 1, ... per lock and read share).
type planted struct {
	ops func(pct float64, lock string, round int) float64

	mu    sync.Mutex
	calls []call
	seen  map[call]int
}

type call struct {
	lock     string
	pct      float64
	duration time.Duration // 0 in seen's keys
}

func plant(ops func(pct float64, lock string, round int) float64) *planted {
	return &planted{ops: ops, seen: map[call]int{}}
}

func (p *planted) measure(ctx context.Context, s mutexbench.Scenario, l mutexbench.Lock) (mutexbench.Result, error) {
	if err := ctx.Err(); err != nil {
		return mutexbench.Result{}, context.Cause(ctx)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	k := call{lock: l.Name, pct: s.ReadPercent}
	round := p.seen[k] - 1
	p.seen[k]++
	p.calls = append(p.calls, call{l.Name, s.ReadPercent, s.Duration})
	return mutexbench.Result{Lock: l.Name, Scenario: s, Ops: 1, Throughput: p.ops(s.ReadPercent, l.Name, round)}, nil
}

func (p *planted) option() mutexbench.Option { return mutexbench.WithMeasure(p.measure) }

// timed returns the calls that were not warm-ups.
func (p *planted) timed() []call {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []call
	first := map[call]bool{}
	for _, c := range p.calls {
		k := call{lock: c.lock, pct: c.pct}
		if first[k] {
			out = append(out, c)
		}
		first[k] = true
	}
	return out
}

// ratioModel plants a candidate ("rwmutex") whose throughput is ratio(pct)
// times the baseline's ("mutex"), 1e6 ops/s.
func ratioModel(ratio func(pct float64) float64) *planted {
	return plant(func(pct float64, lock string, round int) float64 {
		if lock == "rwmutex" {
			return 1e6 * ratio(pct)
		}
		return 1e6
	})
}

// costModel plants the lock costs of a textbook crossover: Mutex costs
// 100 ns per operation; RWMutex reads cost 60 ns and writes 200 ns. They
// break even at 5/7 ≈ 71.4% reads, and RWMutex is 3% faster (the noise
// floor) from 73.5% reads on.
func costModel(pct float64) float64 {
	r := pct / 100
	return 100 / (60*r + 200*(1-r))
}

const beyondNoise = 73.51 // where costModel crosses 1.03
