package ctxtree

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
)

// A Node is one named piece of work in a cancellation tree: a
// [context.Context] with a name, an optional time budget, and a record of how
// it ended. Create a root with [New] and children with [Node.Child] or
// [Node.ChildFraction]; pass [Node.Context] to the work; call [Node.Cancel]
// when the work ends, typically with defer, exactly as with the cancel
// function of [context.WithCancel].
//
// A Node is safe for concurrent use by multiple goroutines. A Node retains
// every child ever created under it, so that [Node.Snapshot] can show how
// each one ended; a tree is meant to live as long as one request or job, not
// as long as a process.
//
// Cancel is what stops a node's timer. As with the cancel function of
// [context.WithTimeout], failing to call it holds the node, its timer and
// its tree in memory until its deadline passes, even after an ancestor has
// ended; unlike there, a snapshot shows such a node as Leaked.
type Node struct {
	ctx    nodeCtx                 // what Context returns; embeds the standard library context
	cancel context.CancelCauseFunc // cancels the node's WithCancelCause layer with a cause
	parent *Node                   // nil for a root
	clock  func() time.Time        // nil: time.Now

	name     string
	budget   time.Duration // as requested (computed from fraction for ChildFraction)
	fraction float64       // 0 unless made by ChildFraction
	start    time.Time     // clock time at creation
	deadline time.Time     // clock time; zero if none
	clamped  bool          // the budget was larger than what the parent had left

	end CancelError   // the cause Cancel passes; written once under mu, before cancel
	dl  DeadlineError // the cause the node's deadline layer fires with, if it has one

	mu       sync.Mutex
	ended    bool // Cancel has been called
	children []*Node
	endAt    time.Time // clock time of the first Cancel
}

// nodeCtx is the context.Context a Node hands out. It embeds a standard
// library context (a cancelCtx from WithCancelCause, or the timerCtx
// WithDeadlineCause layers over it), so a context derived from it with the
// standard library registers as that context's child without a goroutine,
// and Err, Deadline and context.Cause are the standard library's own, with
// no translation.
type nodeCtx struct {
	context.Context
	n *Node
}

// nodeKey is the Value key under which a node's context carries the node.
type nodeKey struct{}

func (c *nodeCtx) Value(key any) any {
	if key == (nodeKey{}) {
		return c.n
	}
	return c.Context.Value(key)
}

func (c *nodeCtx) String() string {
	return "ctxtree.Node(" + quote(c.n.Path()) + ")"
}

// An Option configures a tree made by [New] or [Middleware].
type Option func(*config)

type config struct {
	clock func() time.Time
}

// WithClock makes the tree read the time from now instead of [time.Now]:
// the start, deadline, end, elapsed and remaining times that [Node.Snapshot]
// reports, and the overrun in a [DeadlineError], all come from it. Timers
// still run on real time; the clock only changes what is recorded and
// shown, which is what makes golden files of snapshots deterministic.
// Children inherit the clock of their root. WithClock panics if now is nil.
func WithClock(now func() time.Time) Option {
	if now == nil {
		panic("ctxtree: WithClock called with nil clock")
	}
	return func(c *config) { c.clock = now }
}

// New returns the root of a new tree named name, derived from parent.
//
// If budget is positive, the root's deadline is the earlier of now + budget
// and parent's deadline; if the budget is the later of the two, the root is
// marked as clamped and inherits parent's deadline. A budget of 0 means none:
// the root has parent's deadline, if any. New panics if parent is nil or
// budget is negative.
//
// New always starts a new tree, even if parent carries a node; use
// From(parent).Child to extend an existing tree.
func New(parent context.Context, name string, budget time.Duration, opts ...Option) *Node {
	if parent == nil {
		panic("ctxtree: New called with nil parent")
	}
	if budget < 0 {
		panic(fmt.Sprintf("ctxtree: New called with negative budget %v", budget))
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	return newNode(parent, nil, cfg.clock, name, budget, budget > 0, 0)
}

// Child returns a new child of n named name, whose deadline is the earlier
// of n's deadline and now + budget. If the budget is more than n has left,
// the child is marked as clamped and inherits n's deadline. A budget of 0
// means none: the child has n's deadline, if any.
//
// A child made after n has ended starts out canceled. Child panics if n is
// nil or budget is negative.
func (n *Node) Child(name string, budget time.Duration) *Node {
	if n == nil {
		panic("ctxtree: Child called on nil *Node")
	}
	if budget < 0 {
		panic(fmt.Sprintf("ctxtree: Child called with negative budget %v", budget))
	}
	return n.attach(newNode(&n.ctx, n, n.clock, name, budget, budget > 0, 0))
}

// ChildFraction returns a new child of n named name whose budget is
// fraction of the time n has left, so ChildFraction("cache", 0.25) gives the
// child a quarter of what remains. If n has no deadline, neither has the
// child. If n's deadline has already passed, the child starts with a zero
// budget and ends as soon as n's deadline fires.
//
// ChildFraction panics if n is nil or fraction is not in (0, 1].
func (n *Node) ChildFraction(name string, fraction float64) *Node {
	if n == nil {
		panic("ctxtree: ChildFraction called on nil *Node")
	}
	if !(fraction > 0 && fraction <= 1) {
		panic(fmt.Sprintf("ctxtree: ChildFraction called with fraction %v, want 0 < fraction <= 1", fraction))
	}
	if n.deadline.IsZero() {
		return n.attach(newNode(&n.ctx, n, n.clock, name, 0, false, fraction))
	}
	left := n.deadline.Sub(n.now())
	budget := time.Duration(0)
	if left > 0 {
		budget = time.Duration(math.Floor(float64(left) * fraction))
	}
	return n.attach(newNode(&n.ctx, n, n.clock, name, budget, true, fraction))
}

func (n *Node) attach(c *Node) *Node {
	n.mu.Lock()
	n.children = append(n.children, c)
	n.mu.Unlock()
	return c
}

// newNode builds a node. hasBudget distinguishes a zero budget that has
// already run out (from a header saying "0n", or a fraction of nothing)
// from no budget at all.
func newNode(parentCtx context.Context, parent *Node, clock func() time.Time, name string, budget time.Duration, hasBudget bool, fraction float64) *Node {
	n := &Node{parent: parent, clock: clock, name: name, budget: budget, fraction: fraction}
	n.ctx.n = n
	n.end.n = n

	now := n.now()
	real := now
	if clock != nil {
		real = time.Now()
	}
	n.start = now

	// The parent's deadline, in the clock's terms.
	var pdl time.Time
	if parent != nil {
		pdl = parent.deadline
	} else if d, ok := parentCtx.Deadline(); ok {
		pdl = now.Add(d.Sub(real))
	}

	own := false // the node's budget is the binding one: it needs a deadline layer
	if hasBudget {
		mine := now.Add(budget)
		if !pdl.IsZero() && !mine.Before(pdl) {
			// The parent runs out first (or at the same instant): its
			// deadline is the binding one, so this node needs no timer,
			// and the cause that fires names the node whose budget really
			// ran out.
			n.deadline = pdl
			n.clamped = mine.After(pdl)
		} else {
			n.deadline = mine
			own = true
		}
	} else {
		n.deadline = pdl
	}

	// The WithCancelCause layer takes Cancel's cause. A node whose own
	// budget binds gets a WithDeadlineCause layer over it, whose timer
	// cancels with context.DeadlineExceeded and n.dl; it is the layer the
	// node hands out, so that every context derived from it, by ctxtree or
	// by the standard library, reports exactly what a context.WithTimeout
	// would.
	n.ctx.Context, n.cancel = context.WithCancelCause(parentCtx)
	if own {
		n.dl.n = n
		var stop context.CancelFunc
		n.ctx.Context, stop = context.WithDeadlineCause(n.ctx.Context, real.Add(budget), &n.dl)
		// Not kept: Cancel cancels the layer below, and the cancellation
		// spreads to this layer, stopping its timer and unlinking it, so
		// calling stop after that would only repeat the work (about a
		// tenth of Cancel's cost).
		_ = stop
	}
	return n
}

func (n *Node) now() time.Time {
	if n.clock != nil {
		return n.clock()
	}
	return time.Now()
}

// Context returns the context of the work n stands for. It is canceled when
// n is canceled, when n's deadline passes, or when its parent's context is
// done, whichever happens first; [context.Cause] then reports why (see
// [DeadlineError] and [CancelError]). Context allocates nothing and always
// returns the same value.
func (n *Node) Context() context.Context {
	return &n.ctx
}

// Cancel ends n: it cancels n's context and the contexts of all its
// descendants, and stops n's timer. A nil cause means the work finished
// normally; a non-nil cause means it was abandoned for that reason. Either
// way context.Cause of n's context then reports a [*CancelError] naming n
// and wrapping cause (or [ErrFinished]) — unless the context was already
// done, in which case the earlier cause stays.
//
// Only the first call has an effect; later calls do nothing. The first call
// to Cancel synchronizes before Snapshot reports n as ended.
func (n *Node) Cancel(cause error) {
	if cause == nil {
		cause = ErrFinished
	}
	n.mu.Lock()
	if n.ended {
		n.mu.Unlock()
		return
	}
	n.ended = true
	n.endAt = n.now()
	n.end.err = cause
	n.mu.Unlock()
	n.cancel(&n.end)
}

// Name returns the name n was created with.
func (n *Node) Name() string { return n.name }

// Parent returns n's parent node, or nil if n is a root.
func (n *Node) Parent() *Node { return n.parent }

// Path returns the names from the root down to n, joined by "/".
func (n *Node) Path() string {
	if n.parent == nil {
		return n.name
	}
	var names []string
	for m := n; m != nil; m = m.parent {
		names = append(names, m.name)
	}
	var b strings.Builder
	for i := len(names) - 1; i >= 0; i-- {
		b.WriteString(names[i])
		if i > 0 {
			b.WriteByte('/')
		}
	}
	return b.String()
}

// From returns the node carried by ctx: the nearest node whose context ctx
// is or is derived from, including through [context.WithValue],
// [context.WithCancel] and the other standard library wrappers. From
// returns nil if ctx carries no node.
func From(ctx context.Context) *Node {
	if ctx == nil {
		return nil
	}
	n, _ := ctx.Value(nodeKey{}).(*Node)
	return n
}
