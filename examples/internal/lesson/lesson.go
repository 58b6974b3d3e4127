// Package lesson is the plumbing the workshop's lessons share, so that each
// lesson's main.go shows its trap and its fix and little else.
//
// A lesson is a [Lesson] value whose Main parses the flags every lesson
// takes (-short, -solution, -list, -watchdog), runs the lesson with a
// context that the first Ctrl-C cancels, and makes sure the program ends: a
// second Ctrl-C, a lesson that ignores its context for [Grace] after the
// first, or the watchdog, each end it with a message and a summary of the
// goroutines still running, never a raw dump. The rest of the package
// formats what lessons print: durations rounded to three digits,
// percentiles with the number of samples they rest on, tables, summaries of
// goroutine dumps and goleak reports, SCHED lines of GODEBUG=schedtrace.
package lesson

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"
)

// A Lesson is one workshop lesson.
type Lesson struct {
	// Name prefixes the lesson's error messages: "lesson 4, the nil channel".
	Name string
	// Run runs the lesson, writing to l.W. It returns an error when one of
	// the lesson's own checks fails, or when ctx ends.
	Run func(ctx context.Context, l *L) error
	// Solutions are the exercises whose changed code the lesson can run,
	// selected with -solution.
	Solutions []Solution
	// Children are modes in which the program runs when it re-executes
	// itself with RunChild: a child's function runs instead of the lesson.
	Children map[string]func()
}

// A Solution is an exercise of the guide whose changed code the lesson runs
// with -solution Name.
type Solution struct {
	Name   string // the value of -solution
	Change string // the change the exercise asks for, as the guide words it
}

// Grace is how long a lesson has to stop after the first Ctrl-C before the
// program ends without it.
const Grace = 3 * time.Second

// ErrInterrupted is the cause of a lesson's context after a Ctrl-C.
var ErrInterrupted = errors.New("interrupted by Ctrl-C")

// Main runs the lesson as a program and exits.
func (ls Lesson) Main() {
	if name := os.Getenv(ChildEnv); name != "" {
		child, ok := ls.Children[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "%s: no child mode %q\n", ls.Name, name)
			os.Exit(2)
		}
		child()
		os.Exit(0)
	}
	short := flag.Bool("short", false, "smaller sizes, as the tests run them: about a second")
	solution := flag.String("solution", "", "run the changed code of an exercise (see -list)")
	list := flag.Bool("list", false, "list the exercises this lesson can run with -solution, and exit")
	watchdog := flag.Duration("watchdog", 2*time.Minute, "end the lesson with a goroutine summary if it runs longer than this")
	flag.Parse()
	if *list || (*solution != "" && !slices.ContainsFunc(ls.Solutions, func(s Solution) bool { return s.Name == *solution })) {
		if !*list {
			fmt.Fprintf(os.Stderr, "%s: no solution %q; the lesson has:\n", ls.Name, *solution)
		}
		for _, s := range ls.Solutions {
			fmt.Fprintf(os.Stderr, "  -solution %-16s %s\n", s.Name, s.Change)
		}
		if len(ls.Solutions) == 0 {
			fmt.Fprintln(os.Stderr, "  (none: its exercises change the environment, not the code)")
		}
		if *list {
			os.Exit(0)
		}
		os.Exit(2)
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan struct{})
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM) // before the lesson prints anything
	go ls.interrupts(sig, cancel, done)
	dog := time.AfterFunc(*watchdog, func() {
		quit(2, fmt.Sprintf("watchdog: %s is still running after %v: ending it", ls.Name, *watchdog))
	})
	l := &L{W: os.Stdout, Short: *short, Solution: *solution}
	if *solution != "" {
		l.Printf("(running the solution %q)\n\n", *solution)
	}
	err := ls.Run(ctx, l)
	dog.Stop()
	close(done)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", ls.Name, err)
		os.Exit(1)
	}
}

// interrupts turns the first Ctrl-C into a cancellation of the lesson's
// context and ends the program at the second, or after Grace.
func (ls Lesson) interrupts(sig chan os.Signal, cancel context.CancelCauseFunc, done <-chan struct{}) {
	defer signal.Stop(sig)
	select {
	case <-done:
		return
	case <-sig:
	}
	fmt.Fprintf(os.Stderr, "\n%s: interrupted; stopping (Ctrl-C again quits at once)\n", ls.Name)
	cancel(ErrInterrupted)
	select {
	case <-done:
	case <-sig:
		quit(130, "second Ctrl-C: quitting")
	case <-time.After(Grace):
		quit(130, fmt.Sprintf("%s did not stop within %v of Ctrl-C: something in it ignores its context; quitting", ls.Name, Grace))
	}
}

// quit ends the program with a message and a summary of its goroutines.
func quit(code int, msg string) {
	fmt.Fprintf(os.Stderr, "\n%s\n%s", msg, Goroutines())
	os.Exit(code)
}

// L is what a lesson writes to, and how it was asked to run.
type L struct {
	W        io.Writer
	Short    bool   // -short: smaller sizes
	Solution string // -solution: the exercise to run, "" for the lesson itself
	sections int
}

// Printf writes to the lesson's output.
func (l *L) Printf(format string, a ...any) { fmt.Fprintf(l.W, format, a...) }

// Section starts a part of the lesson: a blank line (but before the first),
// then "== title ==".
func (l *L) Section(format string, a ...any) {
	if l.sections > 0 {
		fmt.Fprintln(l.W)
	}
	l.sections++
	fmt.Fprintf(l.W, "== %s ==\n", fmt.Sprintf(format, a...))
}

// Predict asks the room a question before the answer is printed.
func (l *L) Predict(format string, a ...any) {
	fmt.Fprintf(l.W, "predict: %s\n", fmt.Sprintf(format, a...))
}

// Why explains what was just shown: the first line after "why: ", the others
// indented under it.
func (l *L) Why(lines ...string) {
	for i, line := range lines {
		prefix := "     "
		if i == 0 {
			prefix = "why: "
		}
		fmt.Fprintf(l.W, "%s%s\n", prefix, line)
	}
}

// Adds says in one line what gmpkit adds beyond the standard library's fix,
// or that it adds nothing for this case.
func (l *L) Adds(format string, a ...any) {
	fmt.Fprintf(l.W, "gmpkit adds: %s\n", fmt.Sprintf(format, a...))
}

// Is reports whether the lesson runs the named exercise's solution.
func (l *L) Is(solution string) bool { return l.Solution == solution }

// Size returns full, or short when the lesson runs with -short.
func Size[T any](l *L, full, short T) T {
	if l.Short {
		return short
	}
	return full
}
