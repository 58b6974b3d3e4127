package main

import "github.com/gmpkit/gmpkit/examples/internal/lesson"

// toolKeepDrained is tool with a = nil deleted (the exercise keep-drained):
// a closed channel is always ready, so its case fires forever with (0, false)
// and the loop never ends. It spins until Ctrl-C or the watchdog ends the
// lesson.
func toolKeepDrained(l *lesson.L) error {
	l.Section("The exercise: the merge without a = nil")
	a, b := count(0, 3), count(10, 2)
	spins := 0
	for a != nil || b != nil {
		select {
		case _, ok := <-a:
			if !ok {
				spins++ // a = nil was here
				if spins == 1_000_000 {
					l.Printf("a million receives from the closed channel, each (0, false), and counting: press Ctrl-C\n")
				}
				continue
			}
		case _, ok := <-b:
			if !ok {
				b = nil
				continue
			}
		}
	}
	return nil
}
