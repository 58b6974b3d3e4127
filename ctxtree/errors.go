package ctxtree

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// ErrFinished is the cause a [*CancelError] wraps when [Node.Cancel] was
// called with a nil cause: the work finished normally.
var ErrFinished = errors.New("ctxtree: finished")

// A DeadlineError is the cause of a node's context when the node's own
// budget ran out. It names the node, the budget, and how late the node's
// timer fired. It unwraps to [context.DeadlineExceeded], so
// errors.Is(err, context.DeadlineExceeded) reports true for it and for any
// error that wraps it, and errors.As with a *DeadlineError target finds
// it. Its Timeout method reports true, as the standard library's deadline
// error's does.
//
// A node whose budget was clamped to its parent's never reports its own
// DeadlineError: its parent's budget is the one that runs out, and the
// parent's DeadlineError is the cause the node reports.
//
// A DeadlineError lives inside its node and is handed out only by pointer;
// it must not be copied.
type DeadlineError struct {
	n    *Node
	over time.Duration // written once when the deadline fires, before the error is handed out
}

// Node returns the node whose budget ran out.
func (e *DeadlineError) Node() *Node { return e.n }

// Budget returns the budget that ran out.
func (e *DeadlineError) Budget() time.Duration { return e.n.budget }

// Deadline returns the deadline that passed, by the tree's clock.
func (e *DeadlineError) Deadline() time.Time { return e.n.deadline() }

// Overrun returns how late, by the tree's clock, the node's deadline fired:
// the time at which ctxtree's timer function ended the node, minus the
// deadline, and never negative. It is fixed when the deadline fires and so
// does not include the time the work took to notice; that is in the
// Elapsed of the node's [Snapshot].
func (e *DeadlineError) Overrun() time.Duration { return e.over }

// Error returns a message such as
//
//	ctxtree: "http/db" exceeded its 150ms budget by 42µs
func (e *DeadlineError) Error() string {
	return "ctxtree: " + quote(e.n.Path()) + " exceeded its " + e.n.budget.String() +
		" budget by " + e.over.String()
}

// Unwrap returns [context.DeadlineExceeded].
func (e *DeadlineError) Unwrap() error { return context.DeadlineExceeded }

// Timeout reports true: a DeadlineError is a timeout, as net.Error means it.
func (e *DeadlineError) Timeout() bool { return true }

// A CancelError is the cause of a node's context when [Node.Cancel] ended
// it. It names the node and wraps the cause passed to Cancel, or
// [ErrFinished] if that was nil. errors.Is(err, context.Canceled) reports
// true for it, matching what the context's Err method returns.
//
// The descendants of a canceled node report the same CancelError, so
// comparing its Node with the node at hand tells cancellation by the node
// itself from cancellation inherited from an ancestor.
type CancelError struct {
	n   *Node
	err error
}

// Node returns the node whose Cancel method was called.
func (e *CancelError) Node() *Node { return e.n }

// Finished reports whether Cancel was called with a nil cause.
func (e *CancelError) Finished() bool { return e.err == ErrFinished }

// Error returns a message such as
//
//	ctxtree: "http/db" finished
//	ctxtree: "http/db" canceled: client went away
func (e *CancelError) Error() string {
	if e.err == ErrFinished {
		return "ctxtree: " + quote(e.n.Path()) + " finished"
	}
	return "ctxtree: " + quote(e.n.Path()) + " canceled: " + e.err.Error()
}

// Is reports whether target is [context.Canceled].
func (e *CancelError) Is(target error) bool { return target == context.Canceled }

// Unwrap returns the cause passed to Cancel, or [ErrFinished].
func (e *CancelError) Unwrap() error { return e.err }

func quote(s string) string { return strconv.Quote(s) }
