package main

import (
	"context"
	"os"
	"runtime/trace"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
)

// picture writes a runtime/trace of a step with 2 goroutines per P.
func picture(ctx context.Context, l *lesson.L, procs int) error {
	l.Section("A picture: runtime/trace")
	f, err := os.Create(*traceFile)
	if err != nil {
		return err
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return err
	}
	step(ctx, lesson.Size(l, 200*time.Millisecond, 100*time.Millisecond), 2*procs, false)
	trace.Stop()
	if err := f.Close(); err != nil {
		return err
	}
	info, err := os.Stat(*traceFile)
	if err != nil {
		return err
	}
	l.Printf("wrote %s (%d KiB): %d goroutines per P and the probe\n  go tool trace %s\n", *traceFile, info.Size()/1024, 2, *traceFile)
	l.Why("in \"View trace by proc\" each P is a lane: goroutines hold it ~20ms each and leave it",
		"preempted; the probe's thin slices follow each switch. The guide says what else to look for.")
	return ctx.Err()
}
