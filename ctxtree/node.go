package ctxtree

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
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
// Cancel, or the end of an ancestor, is what stops a node's timer. As with
// the cancel function of [context.WithTimeout], failing to call it keeps the
// timer, and through it the node and its tree, in memory until the deadline
// passes or an ancestor ends; unlike there, a snapshot shows such a node as
// Leaked.
type Node struct {
	ctx    nodeCtx                 // what Context returns; embeds the standard library context
	cancel context.CancelCauseFunc // cancels the node's WithCancelCause context with a cause
	parent *Node                   // nil for a root
	up     *above                  // a root's: what it was made from; nil for other nodes
	clock  func() time.Time        // nil: time.Now

	name     string
	budget   time.Duration // as requested (computed from fraction for ChildFraction)
	fraction float64       // 0 unless made by ChildFraction
	start    time.Time     // clock time at creation
	dlOff    time.Duration // deadline - start, by the clock, if hasDl
	skew     time.Duration // real time - clock time at creation; 0 without WithClock

	end CancelError   // the cause Cancel passes; written once under mu, before cancel
	dl  DeadlineError // the cause a timed node's deadline fires with

	// A timed node only (one whose own budget binds; see gate).
	timer   *time.Timer             // fires the node's deadline; set by arm, under the parent's mu
	onEnd   func()                  // cancels the context with the gate's Err and Cause
	carrier atomic.Pointer[carrier] // while firing the deadline: holds n.dl as a cause

	mu      sync.Mutex
	timed   bool          // the node's own budget binds: its context hangs from its gate
	clamped bool          // the budget was larger than the parent had left
	hasDl   bool          // the node has a deadline, own or inherited
	ended   bool          // Cancel has been called
	gone    bool          // the context is done and the children have been told
	why     uint8         // a timed node: why its gate reports its context done
	kids    int           // children, linked from first through next
	first   *Node         // the first child
	last    *Node         // the last child
	next    *Node         // the next sibling, written under the parent's mu
	endOff  time.Duration // clock time of the first Cancel - start
}

// above is what a root was made from.
type above struct {
	ctx     context.Context // New's parent
	unwatch func() bool     // stops watching ctx (see watch)
}

// deadline returns n's deadline by its clock, or the zero time if none.
func (n *Node) deadline() time.Time {
	if !n.hasDl {
		return time.Time{}
	}
	return n.start.Add(n.dlOff)
}

// pctx returns the context n was made from.
func (n *Node) pctx() context.Context {
	if n.parent != nil {
		return &n.parent.ctx
	}
	return n.up.ctx
}

// nodeCtx is the context.Context a Node hands out. It embeds a standard
// library context (a cancelCtx from WithCancelCause, derived from the
// parent's context or from the node's gate), so a context derived from it
// with the standard library registers as that context's child without a
// goroutine, and Err, Deadline and context.Cause are the standard library's
// own, with no translation.
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
type Option interface {
	apply(*config)
}

type config struct {
	clock func() time.Time
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

func newConfig(opts []Option) config {
	var cfg config
	for _, o := range opts {
		o.apply(&cfg)
	}
	return cfg
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
	return optionFunc(func(c *config) { c.clock = now })
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
	return newRoot(parent, newConfig(opts).clock, name, budget, budget > 0)
}

// newRoot builds the root of a new tree and watches parent for it.
func newRoot(parent context.Context, clock func() time.Time, name string, budget time.Duration, hasBudget bool) *Node {
	n := newNode(parent, nil, clock, name, budget, hasBudget, 0)
	n.watch()
	// Armed only now, so that a parent already done is the cause, not a
	// budget that ran out meanwhile.
	n.mu.Lock()
	if !n.gone {
		n.arm()
	}
	n.mu.Unlock()
	return n
}

// Child returns a new child of n named name, whose deadline is the earlier
// of n's deadline and now + budget. If the budget is more than n has left,
// the child is marked as clamped and inherits n's deadline. A budget of 0
// means none: the child has n's deadline, if any.
//
// A child made when n's context is done starts done, with that context's
// Err and cause, whatever its budget. Child panics if n is nil or budget is
// negative.
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
	if !n.hasDl {
		return n.attach(newNode(&n.ctx, n, n.clock, name, 0, false, fraction))
	}
	left := n.deadline().Sub(n.now())
	budget := time.Duration(0)
	if left > 0 {
		budget = time.Duration(math.Floor(float64(left) * fraction))
	}
	return n.attach(newNode(&n.ctx, n, n.clock, name, budget, true, fraction))
}

// attach links c as n's last child and arms its timer, under n's lock, so
// that a timer never fires in a node that its parent could not yet tell of
// its own end. A child of a node whose context is done starts done: if n's
// children have been told, or if n's context is done (through the standard
// library, ahead of ctxtree telling it), c is told here.
func (n *Node) attach(c *Node) *Node {
	n.mu.Lock()
	if n.last == nil {
		n.first = c
	} else {
		n.last.next = c
	}
	n.last = c
	n.kids++
	gone := n.gone || (c.timed && n.ctx.Context.Err() != nil)
	if !gone {
		c.arm()
	}
	n.mu.Unlock()
	if gone {
		c.parentDone(whyParent)
	}
	return c
}

// newNode builds a node. hasBudget distinguishes a zero budget that has
// already run out (from a header saying "0n", or a fraction of nothing)
// from no budget at all.
func newNode(parentCtx context.Context, parent *Node, clock func() time.Time, name string, budget time.Duration, hasBudget bool, fraction float64) *Node {
	n := &Node{parent: parent, clock: clock, name: name, budget: budget, fraction: fraction}
	if parent == nil {
		n.up = &above{ctx: parentCtx}
	}
	n.ctx.n = n
	n.end.n = n

	var now time.Time
	switch {
	case clock != nil:
		now = clock()
	case parent != nil:
		now = parent.now()
	default:
		now = time.Now()
	}
	real := now
	if clock != nil {
		real = time.Now()
		n.skew = real.Sub(now)
	}
	n.start = now

	// The parent's deadline, in the clock's terms.
	var pdl time.Time
	if parent != nil {
		pdl = parent.deadline()
	} else if d, ok := parentCtx.Deadline(); ok {
		pdl = now.Add(d.Sub(real))
	}

	if hasBudget {
		mine := now.Add(budget)
		if !pdl.IsZero() && !mine.Before(pdl) {
			// The parent runs out first (or at the same instant): its
			// deadline is the binding one, so this node needs no timer,
			// and the cause that fires names the node whose budget really
			// ran out.
			n.dlOff, n.hasDl = pdl.Sub(now), true
			n.clamped = mine.After(pdl)
		} else {
			n.dlOff, n.hasDl = budget, true
			n.timed = true
		}
	} else if !pdl.IsZero() {
		n.dlOff, n.hasDl = pdl.Sub(now), true
	}

	if !n.timed {
		// The node's context is a WithCancelCause context registered with
		// its parent's: the parent's ending reaches it inside the standard
		// library, and its own ending is Cancel's.
		n.ctx.Context, n.cancel = context.WithCancelCause(parentCtx)
		return n
	}
	// A timed node's WithCancelCause context hangs from its gate, which the
	// standard library sees as a parent with an AfterFunc method: the
	// registration costs two small allocations instead of the three of a
	// Done channel and a children map, and the function it registers
	// (n.onEnd) cancels the context with whatever the gate's Err and Cause
	// say: the parent's error and cause, or DeadlineExceeded and n.dl.
	n.dl.n = n
	n.ctx.Context, n.cancel = context.WithCancelCause((*gate)(n))
	return n
}

// arm starts a timed node's timer, or expires the node at once if its
// budget is zero. The caller holds the lock under which n's parent tells
// n of its end (the parent's, or n's own for a root), and has checked that
// it has not.
func (n *Node) arm() {
	switch {
	case !n.timed:
	case n.budget > 0:
		n.timer = time.AfterFunc(n.budget, n.expire)
	default:
		n.gone, n.why = true, whyDeadline
		n.fire()
	}
}

// now returns the time by n's clock. Without WithClock it is n's start
// plus the monotonic time since then: time.Since reads only the monotonic
// clock, where time.Now reads the wall clock too, at about twice the cost.
// So every time a tree without WithClock records is its root's time.Now
// plus a monotonic offset, which also keeps the times in one tree
// consistent with each other should the wall clock be stepped.
func (n *Node) now() time.Time {
	if n.clock != nil {
		return n.clock()
	}
	return n.start.Add(time.Since(n.start))
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
// to Cancel synchronizes before Snapshot reports n as ended, and when it
// returns, the contexts of n and of all its descendants are done.
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
	n.endOff = n.now().Sub(n.start)
	n.end.err = cause
	n.cancel(&n.end)
	if n.timer != nil {
		n.timer.Stop()
	}
	if !n.gone {
		n.gone = true
		n.tellChildren()
	}
	n.mu.Unlock()
	if n.up != nil && n.up.unwatch != nil {
		n.up.unwatch()
	}
}

// Why a timed node's gate reports its context done.
const (
	whyNone           = iota
	whyParent         // the parent's context is done: the gate reports its Err and cause
	whyParentCanceled // the same, and its Err is known to be context.Canceled
	whyParentDeadline // the same, and its Err is known to be context.DeadlineExceeded
	whyDeadline       // the node's own deadline passed: DeadlineExceeded and n.dl
)

// tellChildren tells n's children that n's context is done: a child's own
// context, registered with n's inside the standard library, is done already
// unless the child is timed, and then its gate is told here. Either way the
// child tells its own children in turn. n.mu is held, so the children are
// told before a concurrent Cancel of n returns, and n.gone is set.
//
// Every way a context of the tree can end starts in ctxtree's code (Cancel,
// a timer, a root's watch), and each tells the children, so every timed
// node in the subtree of an ending node is reached. Locks are taken parent
// before child, and n.mu is never taken while a standard library context's
// lock is held.
func (n *Node) tellChildren() {
	if n.first == nil {
		return
	}
	// A node's context is a standard library one, so its Err is one of
	// two; reading it once here saves each timed child reading it.
	why := uint8(whyParentCanceled)
	if n.ctx.Context.Err() == context.DeadlineExceeded {
		why = whyParentDeadline
	}
	for c := n.first; c != nil; c = c.next {
		c.parentDone(why)
	}
}

// parentDone is called when n's parent's context is done: it ends a timed
// node's context with the parent's error and cause and stops its timer,
// and tells n's children.
func (n *Node) parentDone(why uint8) {
	n.mu.Lock()
	if !n.gone {
		n.gone = true
		if n.timed && n.why == whyNone {
			n.why = why
			if n.timer != nil {
				n.timer.Stop()
			}
			n.onEnd()
		}
		n.tellChildren()
	}
	n.mu.Unlock()
}

// expire is a timed node's timer function: it ends the node's context with
// context.DeadlineExceeded and n.dl as the cause, as a timerCtx's timer
// would, and tells n's children.
func (n *Node) expire() {
	n.mu.Lock()
	if !n.gone {
		n.gone = true
		if n.why == whyNone {
			n.why = whyDeadline
			n.fire()
		}
	}
	n.mu.Unlock()
}

// fire ends n's context because its deadline passed; n.mu is held. It
// fixes the overrun first: onEnd hands n.dl out, and the cancelCtx's lock
// orders this write before every read. context.Cause(gate) finds its cause
// through the gate's Value method, in the nearest standard library
// cancelCtx; the carrier is one, already canceled with n.dl.
func (n *Node) fire() {
	if over := n.now().Sub(n.deadline()); over > 0 {
		n.dl.over = over
	}
	c, cancel := context.WithCancelCause(context.Background())
	cancel(&n.dl)
	n.carrier.Store(&carrier{c})
	n.onEnd()
	n.carrier.Store(nil)
	n.tellChildren()
}

// watch makes a root tell the tree when the context it was made from is
// done. The standard library tells the root's context itself, and through
// it every untimed node, synchronously; timed nodes hang from gates that
// only ctxtree's code reaches, so a root also registers context.AfterFunc,
// which tells them from a goroutine of its own, a moment later. Cancel
// removes the registration, so a tree that ends first costs no goroutine.
func (n *Node) watch() {
	done := n.up.ctx.Done()
	if done == nil {
		return // never canceled
	}
	select {
	case <-done:
		n.rootParentDone()
	default:
		n.up.unwatch = context.AfterFunc(n.up.ctx, n.rootParentDone)
	}
}

func (n *Node) rootParentDone() {
	if !n.timed {
		// Registered with pctx inside the standard library, the context
		// is done once pctx is, or about to be if pctx is a context of
		// another kind, which the standard library follows with a
		// goroutine of its own.
		<-n.ctx.Done()
	}
	n.parentDone(whyParent)
}

// A carrier holds a canceled standard library context whose cause is a
// timed node's DeadlineError.
type carrier struct{ ctx context.Context }

// A gate is the parent, as the standard library sees it, of a timed node's
// WithCancelCause context. It has an AfterFunc method, so the standard
// library registers its function with the gate (in n.onEnd) instead of
// with a context, and runs it when ctxtree says: when the node's own
// deadline passes, or when its parent's context is done. That function
// cancels the node's context with the gate's Err and context.Cause, which
// the gate makes exactly what a context.WithDeadlineCause context would
// have: context.DeadlineExceeded with n.dl when the deadline passed, the
// parent's error and cause when the parent ended. Values, including the
// one context.Cause looks for, come from the parent's context, or from the
// carrier while the deadline fires.
type gate Node

// gateDone is the gate's Done channel. It is never closed: the standard
// library must neither see the gate done nor find the parent's cancelCtx
// behind it, and learns of the gate's end only through its AfterFunc.
var gateDone = make(chan struct{})

// Deadline returns the node's own deadline in real time. Without WithClock
// it is the very value (monotonic reading included) that
// context.WithTimeout would have computed: creation time + budget.
func (g *gate) Deadline() (time.Time, bool) {
	return g.start.Add(g.dlOff + g.skew), true
}

func (g *gate) Done() <-chan struct{} { return gateDone }

// Err is called only by the function in onEnd, after why was set.
func (g *gate) Err() error {
	switch g.why {
	case whyDeadline, whyParentDeadline:
		return context.DeadlineExceeded
	case whyParentCanceled:
		return context.Canceled
	case whyParent:
		if err := (*Node)(g).pctx().Err(); err != nil {
			return err
		}
		return context.Canceled // pctx is of a kind that has not caught up
	}
	return nil
}

func (g *gate) Value(key any) any {
	if c := g.carrier.Load(); c != nil {
		if v := c.ctx.Value(key); v != nil {
			return v
		}
	}
	return (*Node)(g).pctx().Value(key)
}

// AfterFunc keeps f, which the standard library registers while it makes
// the node's context, before the node can be reached; parentDone and
// fire call it. Its stop function does nothing: it is called only when
// Cancel has canceled the context, after which f does nothing either.
func (g *gate) AfterFunc(f func()) func() bool {
	g.onEnd = f
	return stopNothing
}

func stopNothing() bool { return false }

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
