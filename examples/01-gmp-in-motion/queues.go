package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
)

// burn is the schedtrace child: BURN_PER_P CPU-bound goroutines per P for
// 300 ms, between two marks on stderr, where the SCHED lines go too. Each
// goroutine reads the clock itself: a timer would wake a goroutine (and with
// it the queues) while they burn.
func burn() {
	perP, _ := strconv.Atoi(os.Getenv("BURN_PER_P"))
	end := time.Now().Add(300 * time.Millisecond)
	var wg sync.WaitGroup
	for range perP * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(end) {
				lesson.Work(1)
			}
		})
	}
	fmt.Fprintln(os.Stderr, burnStart)
	wg.Wait()
	fmt.Fprintln(os.Stderr, burnEnd)
}

const burnStart, burnEnd = "burn: start", "burn: end"

// runnext is a child run with one P: it starts 5 goroutines and prints the
// order in which they ran.
func runnext() {
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() { mu.Lock(); order = append(order, strconv.Itoa(i)); mu.Unlock() })
	}
	wg.Wait()
	fmt.Print(strings.Join(order, " "))
}

// schedDoc explains the fields of a SCHED line (runtime/proc.go, schedtrace).
var schedDoc = map[string]string{
	"gomaxprocs":      "Ps: at most this many goroutines run Go code at once",
	"idleprocs":       "Ps with nothing to run",
	"threads":         "Ms (OS threads): one per busy P, sysmon (runs without a P), idle Ms kept for later, Ms in syscalls",
	"spinningthreads": "Ms with a P but no goroutine, looking for one to steal",
	"needspinning":    "1: work appeared while no M was spinning, so one should start",
	"idlethreads":     "Ms parked with no P",
	"runqueue":        "the global run queue: preempted goroutines, and overflow of full local queues",
	"[ ]":             "each P's local run queue (up to 256; its runnext slot is not counted)",
	"schedticks":      "how many times each P's scheduler has picked a goroutine",
}

// queues shows where runnable goroutines wait: a SCHED line explained, and
// the runnext slot.
func queues(ctx context.Context, l *lesson.L, procs int) error {
	perP := 8
	if l.Is("one-per-p") {
		perP = 1
	}
	l.Section("Where the runnable goroutines wait: GODEBUG=schedtrace=50")
	l.Predict("%d CPU-bound goroutines on %d P(s): in which queue do the ones not running wait?", perP*procs, procs)
	_, stderr, err := lesson.RunChild(ctx, "burn", "GODEBUG=schedtrace=50", "GOMAXPROCS="+strconv.Itoa(procs), "BURN_PER_P="+strconv.Itoa(perP))
	if err != nil {
		return err
	}
	_, during, _ := strings.Cut(stderr, burnStart)
	during, _, _ = strings.Cut(during, burnEnd)
	lines := lesson.SchedLines(during) // while the goroutines burn, not at start-up or exit
	if len(lines) == 0 {
		return errors.New("the schedtrace child printed no SCHED line while it burned")
	}
	t := lesson.NewTable(l.W, "time", "global queue", "local queues", "threads", "idle Ps")
	maxGlobal, maxQueued := 0, 0
	for _, s := range lines {
		global, local := s.Queued()
		maxGlobal, maxQueued = max(maxGlobal, global), max(maxQueued, global+local)
		t.Row(s.Elapsed, global, local, s.Int("threads"), s.Int("idleprocs"))
	}
	if err := t.Flush(); err != nil {
		return err
	}
	last := lines[len(lines)-1]
	l.Printf("the last line, field by field:\n  %s\n", last.Line)
	t = lesson.NewTable(l.W, "field", "meaning")
	for _, f := range last.Fields {
		doc, ok := schedDoc[f.Key]
		if !ok {
			return fmt.Errorf("SCHED field %q is not explained: see schedtrace in runtime/proc.go", f.Key)
		}
		t.Row(strings.TrimPrefix(f.Key+"="+f.Value, "[ ]="), doc)
	}
	if err := t.Flush(); err != nil {
		return err
	}
	l.Printf("at most %d goroutines queued at once, %d of them in the global queue\n", maxQueued, maxGlobal)
	l.Why("new goroutines start in the local queue of the P that made them (idle Ps steal half); one",
		"preempted at the end of its slice goes to the back of the global queue, and a P whose local",
		"queue is empty takes a batch from there (len/GOMAXPROCS+1, at most half its ring). threads=",
		"counts Ms: one per busy P, plus sysmon and spares; goroutines cost no thread while they wait.")

	order, _, err := lesson.RunChild(ctx, "runnext", "GOMAXPROCS=1")
	if err != nil {
		return err
	}
	l.Printf("\none P; goroutines started in the order 0 1 2 3 4 ran in the order %s\n", order)
	l.Why("go puts the new goroutine in the P's runnext slot and moves the one there to the back of",
		"the local queue; the scheduler takes runnext first, then the local queue in order.")
	if lesson.Race {
		l.Printf("     (built with -race, the runtime skips runnext at random to shake out races: the order varies)\n")
	}
	return nil
}
