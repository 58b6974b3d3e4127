package main

import (
	"context"
	"errors"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/steal"
	"github.com/gmpkit/gmpkit/workpool"
)

// order shows which of its queued tasks one worker runs next.
func order(ctx context.Context, l *lesson.L) error {
	l.Section("Which task runs next: runnext, then the policy")
	l.Predict("one worker: a task spawns tasks 0 to 7 and returns; in what order do they run, LIFO and FIFO?")
	for _, policy := range []steal.Policy{steal.LIFO, steal.FIFO} {
		p := workpool.New(workpool.WithWorkers(1), workpool.WithPolicy(policy))
		var ran []int // one worker: the tasks run one at a time
		err := p.Run(ctx, func(w *workpool.Worker) error {
			for i := range 8 {
				if err := w.Spawn(func(*workpool.Worker) { ran = append(ran, i) }); err != nil {
					return err
				}
			}
			return nil
		})
		err = errors.Join(err, p.Wait(), p.Close())
		if err != nil {
			return err
		}
		l.Printf("  %v: %v\n", policy, ran)
	}
	l.Why("Spawn, like go, puts the task in runnext, so the newest runs first; the rest come from the",
		"deque, newest first (LIFO, depth-first: what fork-join wants) or oldest first (FIFO, fair).")
	return nil
}
