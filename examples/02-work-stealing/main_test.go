package main

import (
	"fmt"
	"testing"

	"github.com/gmpkit/gmpkit/examples/internal/lessontest"
)

func TestMain(m *testing.M) { lessontest.Main(m, main) }

func TestLesson_FixedPoolDeadlocksGoroutinesAndJoinFinish(t *testing.T) {
	out := lessontest.Run(t, run, "")
	lessontest.Want(t, out,
		fmt.Sprintf("deadlock detected: %d of %d workers waiting", naiveWorkers, naiveWorkers),
		"fib(27) = 196418 with a goroutine per fork in ",
		"(correct: true)",
		"fib(22) = 17711 on 1 worker(s) in ",
		"fib(27) = 196418 on ",
		"gmpkit adds: forks cheaper than goroutines on a fixed set of workers: Join took ",
		"  LIFO: [7 6 5 4 3 2 1 0]",
		"  FIFO: [7 0 1 2 3 4 5 6]")
}

// The exercise naiveWorkers = 64: the trap still deadlocks, every one of the
// 64 workers waiting.
func TestSolution_64Workers_StillDeadlocks(t *testing.T) {
	out := lessontest.Run(t, run, "64-workers")
	lessontest.Want(t, out, "deadlock detected: 64 of 64 workers waiting")
}

// The exercise "Spawn twice and wait on a WaitGroup": one worker blocks in
// the wait and never runs what it waits for.
func TestSolution_SpawnWait_DeadlocksOnOneWorker(t *testing.T) {
	out := lessontest.Run(t, run, "spawn-wait")
	lessontest.Want(t, out, "deadlock detected: 1 of 1 workers waiting")
}
