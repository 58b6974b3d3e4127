package workloads

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gmpkit/gmpkit/steal"
	"github.com/gmpkit/gmpkit/workpool"
)

// StealConfig is one run of the steal experiment: Tasks tasks forked from
// one worker of a pool of Workers workers, every HeavyEvery'th of them heavy.
// All tasks start in the forking worker's queue, so the other workers get
// work only by stealing it (half the victim's queue at a time); Policy
// decides which end the owner pops.
type StealConfig struct {
	Policy     steal.Policy
	Workers    int
	Tasks      int
	HeavyEvery int
	LightIters int // Spin rounds of a light task
	HeavyIters int // Spin rounds of a heavy task
}

// Name is the configuration as a benchmark name element, for example
// "policy=lifo".
func (c StealConfig) Name() string {
	return fmt.Sprintf("policy=%s", strings.ToLower(c.Policy.String()))
}

// StealResult is what one run of the steal experiment measured.
type StealResult struct {
	Wall          time.Duration // from the first fork to the last completion
	StealRate     float64       // Stats.StealSuccessRate: successful steals / attempts
	Steals        uint64
	StealAttempts uint64
	Stolen        uint64        // tasks moved by steals
	CompletionVar float64       // variance of the tasks' completion times, in ms²
	CompletionP99 time.Duration // 99th percentile of the completion times
}

// StealConfigs returns the experiment's configurations, LIFO and FIFO, in
// one shape: 4 workers and tasks tasks of which every third is heavy.
func StealConfigs(tasks, lightIters, heavyIters int) []StealConfig {
	var cs []StealConfig
	for _, p := range []steal.Policy{steal.LIFO, steal.FIFO} {
		cs = append(cs, StealConfig{Policy: p, Workers: 4, Tasks: tasks, HeavyEvery: 3, LightIters: lightIters, HeavyIters: heavyIters})
	}
	return cs
}

// RunSteal runs the steal experiment once on a fresh pool.
func RunSteal(c StealConfig) (StealResult, error) {
	if c.Workers < 1 || c.Tasks < 1 || c.HeavyEvery < 1 {
		return StealResult{}, fmt.Errorf("workloads: RunSteal called with %+v", c)
	}
	p := workpool.New(workpool.WithWorkers(c.Workers), workpool.WithPolicy(c.Policy),
		workpool.WithName("steal-"+c.Name()))
	defer p.Close()
	done := make([]time.Duration, c.Tasks)
	var start time.Time
	err := p.Run(context.Background(), func(w *workpool.Worker) error {
		start = time.Now()
		w.Scope(func(s *workpool.Scope) {
			for i := range c.Tasks {
				iters := c.LightIters
				if i%c.HeavyEvery == c.HeavyEvery-1 {
					iters = c.HeavyIters
				}
				s.Go(func(*workpool.Worker) {
					sink.Add(Spin(iters))
					done[i] = time.Since(start)
				})
			}
		})
		return nil
	})
	if err != nil {
		return StealResult{}, err
	}
	st := p.Stats()
	r := StealResult{
		Wall:          slices.Max(done),
		StealRate:     st.StealSuccessRate(),
		Steals:        st.Steals,
		StealAttempts: st.StealAttempts,
		Stolen:        st.Stolen,
	}
	r.CompletionVar, r.CompletionP99 = spread(done)
	return r, nil
}

// spread returns the variance (in ms²) and the 99th percentile of ds.
func spread(ds []time.Duration) (variance float64, p99 time.Duration) {
	var sum float64
	for _, d := range ds {
		sum += float64(d) / 1e6
	}
	mean := sum / float64(len(ds))
	for _, d := range ds {
		x := float64(d)/1e6 - mean
		variance += x * x
	}
	variance /= float64(len(ds))
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	idx := (len(sorted)*99+99)/100 - 1
	return variance, sorted[max(0, min(idx, len(sorted)-1))]
}
