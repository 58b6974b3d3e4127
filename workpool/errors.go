package workpool

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
)

// ErrClosed is returned by [Pool.Submit], [Pool.TrySubmit], [Worker.Spawn]
// and [Pool.Run] once [Pool.Close] or [Pool.Shutdown] has been called. A task
// for which ErrClosed was returned was not accepted and never runs.
var ErrClosed = errors.New("workpool: pool closed")

// ErrFull is returned by [Pool.TrySubmit] when the bound set with
// [WithMaxQueued] has been reached. The task was not accepted.
var ErrFull = errors.New("workpool: queue full")

// ErrInsideTask is returned by [Pool.Wait], [Pool.Close] and
// [Pool.Shutdown] when they are called from inside one of the same pool's
// tasks (a submitted, spawned or Run task): the call would wait for the
// task that made it, and so would never return. The returned error names
// the method and matches ErrInsideTask with errors.Is; the call did nothing
// (Close and Shutdown did not close the pool). A task that needs the
// results of its children forks with [Worker.Join] or [Worker.Scope], or
// calls [Pool.Run], which runs its function inline when called from a task.
var ErrInsideTask = errors.New("workpool: called from inside one of the pool's own tasks, would wait for itself")

// insideTaskError is the ErrInsideTask of one method.
type insideTaskError struct{ method string }

func (e *insideTaskError) Error() string {
	return "workpool: " + e.method + " called from inside one of the pool's own tasks would wait for itself"
}

func (e *insideTaskError) Is(target error) bool { return target == ErrInsideTask }

// fullInsideTaskError is what a blocking Submit returns when the
// [WithMaxQueued] bound is reached and the caller is one of the pool's own
// tasks: waiting for room could wait for the caller itself (with one worker
// it always would), so it neither blocks nor queues. It matches both
// [ErrFull] and [ErrInsideTask].
type fullInsideTaskError struct{}

func (fullInsideTaskError) Error() string {
	return "workpool: Submit called from inside one of the pool's own tasks at the WithMaxQueued bound; waiting for room could wait for itself"
}

func (fullInsideTaskError) Is(target error) bool { return target == ErrFull || target == ErrInsideTask }

// ErrGoexit is the Value of the *[PanicError] reported for a task that
// called runtime.Goexit (as t.FailNow and log.Fatal-style helpers do in
// tests): errors.Is(err, ErrGoexit) holds for it. Such a task counts as
// finished; its worker goroutine ends, and a fresh one takes over its
// processor and queue, so the pool keeps its size and loses no work. A
// function that was waiting in Join, Scope or For on the same goroutine
// (it was running the task while it helped) ends with it, and is reported
// the same way.
var ErrGoexit = errors.New("workpool: task called runtime.Goexit")

// A PanicError is a panic recovered from a task: the value passed to panic
// and the stack of the goroutine that panicked, captured where it panicked.
//
// [Pool.Run] returns a *PanicError when a function of its tree panics; a
// panic in a task submitted with [Pool.Submit] or [Worker.Spawn] is given to
// the handler set with [WithPanicHandler], or, without one, returned by the
// next [Pool.Wait] or [Pool.Close].
type PanicError struct {
	Value any
	Stack []byte
	pool  bool // made by the pool: re-raised by Join, Scope and For as it is
}

// Error returns the panic value followed by the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("workpool: task panicked: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value if it is an error, so that errors.Is and
// errors.As see through a panic(err); otherwise it returns nil.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// newPanicError wraps a recovered value. A *PanicError that the pool made
// (re-raised by Join, Scope or For on its way up a Run tree) is returned as
// is, keeping the stack of the original panic; fresh reports whether r was
// a new panic rather than a re-raise. A *PanicError a task made itself is a
// new panic like any other value.
func newPanicError(r any) (pe *PanicError, fresh bool) {
	if pe, ok := r.(*PanicError); ok && pe.pool {
		return pe, false
	}
	return &PanicError{Value: r, Stack: debug.Stack(), pool: true}, true
}

// A ShutdownError is returned by [Pool.Shutdown] when its context is done
// before every accepted task has finished. Nothing is dropped: the tasks
// that were left keep running on the pool's workers, and a later
// [Pool.Close] waits for them and stops the workers.
type ShutdownError struct {
	Left int   // accepted tasks not yet finished when Shutdown gave up
	Err  error // context.Cause of Shutdown's context
}

// Error says how many tasks were left and why Shutdown stopped waiting.
func (e *ShutdownError) Error() string {
	msg := "workpool: shutdown gave up with " + strconv.Itoa(e.Left) +
		" accepted tasks unfinished (they keep running; Close waits for them)"
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the context's cause, so errors.Is(err,
// context.DeadlineExceeded) holds for an expired deadline.
func (e *ShutdownError) Unwrap() error { return e.Err }
