package workpool_test

import (
	"bytes"
	"context"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/workpool"
)

func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Skipf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestIdle_ParkedPoolBurnsNoCPU measures the process's CPU time over a
// 200 ms window in which an 8-worker pool has nothing to do. Spinning
// workers would burn 200 ms per core; parked ones burn nothing. The bound,
// 20 ms, leaves room for the runtime's own background work (GC, sysmon) and
// the race detector.
func TestIdle_ParkedPoolBurnsNoCPU(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(8))
	defer closePool(t, p)
	// Work first, so the workers have spun up and gone idle again.
	for i := 0; i < 1000; i++ {
		_ = p.Submit(func() { sink.Add(spin(100)) })
	}
	_ = p.Wait()
	quiesce(p) // every worker parked
	before := cpuTime(t)
	time.Sleep(200 * time.Millisecond)
	used := cpuTime(t) - before
	t.Logf("CPU over a 200ms idle window: %v; %s", used, p.Stats())
	if used > 20*time.Millisecond {
		t.Fatalf("idle pool used %v of CPU in 200ms, want near zero", used)
	}
	if st := p.Stats(); st.Idle != 8 || st.Spinning != 0 {
		t.Fatalf("after idling: %d idle, %d spinning; want 8 and 0", st.Idle, st.Spinning)
	}
}

func TestStats_CountsPopsStealsParksAndPrintsOneLine(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2), workpool.WithName("stats"))
	defer closePool(t, p)
	for i := 0; i < 1000; i++ {
		_ = p.Submit(func() { sink.Add(spin(200)) })
	}
	_ = p.Wait()
	var got int
	_ = p.Run(context.Background(), func(w *workpool.Worker) error { got = fibPool(w, 20, 8); return nil })
	_ = got
	_ = p.Wait()
	st := quiesce(p)
	forks := uint64(joins(20, 8))
	if st.Submitted != 1001+forks || st.Completed != st.Submitted {
		t.Errorf("submitted %d completed %d, want %d", st.Submitted, st.Completed, 1001+forks)
	}
	if st.GlobalPops == 0 || st.LocalPops == 0 {
		t.Errorf("pops: global %d local %d, want both > 0", st.GlobalPops, st.LocalPops)
	}
	if st.Parks == 0 {
		t.Errorf("no parks counted")
	}
	if st.Steals > st.StealAttempts || st.Stolen < st.Steals {
		t.Errorf("steals %d attempts %d stolen %d", st.Steals, st.StealAttempts, st.Stolen)
	}
	if r := st.StealSuccessRate(); r < 0 || r > 1 {
		t.Errorf("StealSuccessRate = %v", r)
	}
	var sum uint64
	for _, w := range st.PerWorker {
		sum += w.Completed
	}
	if sum+1001 != st.Completed+1001-0 && sum != st.Completed {
		t.Errorf("per-worker completed sum %d != %d", sum, st.Completed)
	}
	s := st.String()
	for _, want := range []string{"workpool stats:", "workers=2", "policy=LIFO", "runqueues=[0 0]", "completed=", "steals="} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %q, missing %q", s, want)
		}
	}
	if strings.Contains(s, "\n") {
		t.Errorf("String() is not one line: %q", s)
	}
	if (workpool.Stats{}).StealSuccessRate() != 0 {
		t.Error("StealSuccessRate with no attempts != 0")
	}
}

func TestWorkers_CarryPprofLabelsWithPoolNameAndWorkerID(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2), workpool.WithName("labelled"))
	defer closePool(t, p)
	for p.Stats().Idle != 2 { // both workers started and parked
		time.Sleep(time.Millisecond)
	}
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"workpool":"labelled"`, `"worker":"0"`, `"worker":"1"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("goroutine profile lacks label %s:\n%s", want, buf.String())
		}
	}
}

func TestWithTrace_TasksAppearAsRegions(t *testing.T) {
	if trace.IsEnabled() {
		t.Skip("tracing already on")
	}
	p := workpool.New(workpool.WithWorkers(2), workpool.WithTrace(true))
	defer closePool(t, p)
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Skipf("trace.Start: %v", err)
	}
	for i := 0; i < 10; i++ {
		_ = p.Submit(func() {})
	}
	_ = p.Wait()
	trace.Stop()
	if !bytes.Contains(buf.Bytes(), []byte("workpool.task")) {
		t.Fatal("trace has no workpool.task region")
	}
}
