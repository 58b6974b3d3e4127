package workpool_test

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/gmpkit/gmpkit/workpool"
)

// stoppedCounts holds what the OnStopped hook found wrong, until a test
// takes it (takeStoppedErrors) or TestMain reports it.
var stoppedCounts struct {
	sync.Mutex
	errs []string
}

// TestMain checks, besides goleak, that every pool a test stops has Stats
// that add up at once: when Close or Shutdown has stopped the workers, every
// accepted task has finished or was skipped, so Submitted == Completed +
// Skipped, with the panicked among the completed.
func TestMain(m *testing.M) {
	workpool.OnStopped(func(p *workpool.Pool) {
		st := p.Stats()
		if st.Submitted != st.Completed+st.Skipped || st.Panicked > st.Completed {
			stoppedCounts.Lock()
			stoppedCounts.errs = append(stoppedCounts.errs, fmt.Sprintf(
				"Stats do not add up when Close returns: submitted %d, completed %d, skipped %d, panicked %d\n%v",
				st.Submitted, st.Completed, st.Skipped, st.Panicked, st))
			stoppedCounts.Unlock()
		}
	})
	goleak.VerifyTestMain(countsChecked{m})
}

// countsChecked runs the tests and then fails the binary if any pool
// stopped with Stats that did not add up; goleak checks for leaks after.
type countsChecked struct{ m *testing.M }

func (c countsChecked) Run() int {
	code := c.m.Run()
	if errs := takeStoppedErrors(); len(errs) > 0 {
		fmt.Fprintln(os.Stderr, "FAIL: pools stopped with Stats that do not add up:")
		for _, e := range errs {
			fmt.Fprintln(os.Stderr, e)
		}
		code = 1
	}
	return code
}

// takeStoppedErrors returns and clears what the OnStopped hook found.
func takeStoppedErrors() []string {
	stoppedCounts.Lock()
	defer stoppedCounts.Unlock()
	errs := stoppedCounts.errs
	stoppedCounts.errs = nil
	return errs
}
