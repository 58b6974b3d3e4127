package main

import (
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"testing"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/examples/internal/lessontest"
)

func TestMain(m *testing.M) { lessontest.Main(m, main) }

// peaks returns the "blocked at once" column of the rows whose label starts
// with prefix.
func peak(t *testing.T, out, prefix string) int {
	t.Helper()
	m := lessontest.Match(t, out, `(?m)^  `+regexp.QuoteMeta(prefix)+`.*  \S+  +(\d+)\s*$`)
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestLesson_HandoffKeepsPsBusyAndBlockingKeepsThePoolUp(t *testing.T) {
	out := lessontest.Run(t, run, "")
	procs := runtime.GOMAXPROCS(0)
	lessontest.Want(t, out, "while 8 goroutines block in read(2)", "gmpkit adds: ")
	if _, ok := lesson.ReadUint("/sched/threads/total:threads"); ok {
		// Each blocked read holds a thread (idle ones are reused first, so
		// a warm process need not grow), besides sysmon's.
		m := lessontest.Match(t, out, `block in read\(2\)  +\S+  +(\d+) \(\+\d+\)  +\d+ \(\+(\d+)\)`)
		if threads, _ := strconv.Atoi(m[1]); threads < 8+1 || m[2] == "0" {
			t.Errorf("%s threads, goroutines in a syscall +%s while 8 block in read(2):\n%s", m[1], m[2], out)
		}
	}
	// The pool and the semaphore of GOMAXPROCS hold at most that many tasks
	// blocked; Blocking lets more wait than there are processors.
	if n := peak(t, out, fmt.Sprintf("workpool, %d worker(s)  ", procs)); n > procs {
		t.Errorf("the plain pool had %d tasks blocked at once, more than its %d workers", n, procs)
	}
	if n := peak(t, out, fmt.Sprintf("errgroup, SetLimit(%d) ", procs)); n > procs {
		t.Errorf("SetLimit(%d) let %d tasks block at once", procs, n)
	}
	if n := peak(t, out, "workpool, "+strconv.Itoa(procs)+" worker(s), Blocking"); n <= procs {
		t.Errorf("with Blocking only %d tasks blocked at once on %d workers:\n%s", n, procs, out)
	}
}

// The exercise WithMaxBlocked(4): at most 4 workers wait with their
// processor handed over, and each processor's own worker may wait too.
func TestSolution_MaxBlocked_CapsTheHandOffs(t *testing.T) {
	out := lessontest.Run(t, run, "max-blocked")
	procs := runtime.GOMAXPROCS(0)
	if n := peak(t, out, "workpool, "+strconv.Itoa(procs)+" worker(s), Blocking, WithMaxBlocked(4)"); n > 4+procs {
		t.Errorf("%d tasks blocked at once, want at most 4 handed off + %d holding a processor", n, procs)
	}
}
