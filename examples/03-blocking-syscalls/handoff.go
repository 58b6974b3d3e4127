package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
)

// compute runs units of work split over procs goroutines and returns the
// wall time.
func compute(procs, units int) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	for range procs {
		wg.Go(func() { lesson.Work(units / procs) })
	}
	wg.Wait()
	return time.Since(start)
}

// gauges reads the threads and the goroutines in a system call (Go 1.26).
func gauges() (threads, inSyscall uint64, ok bool) {
	threads, ok = lesson.ReadUint("/sched/threads/total:threads")
	inSyscall, _ = lesson.ReadUint("/sched/goroutines/not-in-go:goroutines")
	return threads, inSyscall, ok
}

// handoff computes alone, then while readers goroutines block in read(2).
func handoff(ctx context.Context, l *lesson.L, procs int) error {
	const readers = 8
	units := lesson.Size(l, 6000, 2000)
	l.Section("The runtime: a goroutine blocked in a system call gives up its P")
	l.Predict("%d goroutine(s) compute while %d others block in read(2): does the computation slow down? How many threads?", procs, readers)
	alone := compute(procs, units)
	threads0, sys0, ok := gauges()
	var wg sync.WaitGroup
	errs := make([]error, readers)
	for i := range readers { // each blocks long enough to outlast the second compute
		wg.Go(func() { errs[i] = blockingRead(3*alone + 100*time.Millisecond) })
	}
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if _, sys, ok := gauges(); !ok || sys >= sys0+readers {
			break // all in the kernel (or Go older than 1.26: the second has passed)
		}
	}
	during := compute(procs, units)
	threads1, sys1, _ := gauges()
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("blocking read: %w", err)
	}
	t := lesson.NewTable(l.W, fmt.Sprintf("%s units of compute on %d goroutine(s)", lesson.Count(units), procs), "took", "threads", "goroutines in a syscall")
	t.Row("alone", lesson.Dur(alone), threads0, sys0)
	t.Row(fmt.Sprintf("while %d goroutines block in read(2)", readers), lesson.Dur(during),
		fmt.Sprintf("%d (+%d)", threads1, int64(threads1)-int64(threads0)), fmt.Sprintf("%d (+%d)", sys1, int64(sys1)-int64(sys0)))
	if err := t.Flush(); err != nil {
		return err
	}
	if !ok {
		l.Printf("  (the threads and syscall gauges need Go 1.26)\n")
	}
	l.Why("a goroutine in a system call keeps its M (a thread) in the kernel, but not its P: sysmon",
		"sees a P stuck in a syscall for over 20µs while work waits, and hands it to another M",
		fmt.Sprintf("(handoffp), started if none is idle. The Ps kept computing (%.2fx the time alone), and", float64(during)/float64(alone)),
		"each blocked call held a thread of its own (idle threads are reused before new ones are made):",
		"GOMAXPROCS bounds Go code, not threads.")
	if during > 3*alone/2 {
		l.Printf("     (slower this time: other programs took the CPU; run again)\n")
	}
	return ctx.Err()
}
