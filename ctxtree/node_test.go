package ctxtree_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
	"golang.org/x/sync/errgroup"
)

const hour = time.Hour

func TestChild_DeadlineIsEarlierOfParentsAndBudget(t *testing.T) {
	clk := newFakeClock()
	root := ctxtree.New(context.Background(), "http", 200*hour, ctxtree.WithClock(clk.Now))
	defer root.Cancel(nil)
	clk.Advance(10 * time.Minute)

	short := root.Child("cache", 50*time.Minute)
	defer short.Cancel(nil)
	long := root.Child("db", 500*hour)
	defer long.Cancel(nil)

	s := root.Snapshot()
	rootDl := s.Deadline
	cache, db := s.Children[0], s.Children[1]
	if want := cache.Start.Add(50 * time.Minute); !cache.Deadline.Equal(want) || cache.Clamped {
		t.Errorf("cache: deadline %v clamped %v, want %v unclamped", cache.Deadline, cache.Clamped, want)
	}
	if !db.Deadline.Equal(rootDl) || !db.Clamped {
		t.Errorf("db: deadline %v clamped %v, want parent's %v and clamped", db.Deadline, db.Clamped, rootDl)
	}
	if db.Budget != 500*hour {
		t.Errorf("db: Budget = %v, want the requested 500h", db.Budget)
	}
	if !strings.Contains(s.String(), "budget 500h0m0s clamped to 199h50m0s") {
		t.Errorf("String does not show the clamping:\n%s", s)
	}
	// The context's deadline agrees: the clamped child has its parent's.
	rd, _ := root.Context().Deadline()
	dd, ok := long.Context().Deadline()
	if !ok || !dd.Equal(rd) {
		t.Errorf("clamped child's Context().Deadline() = %v, %v; want parent's %v", dd, ok, rd)
	}
	cd, _ := short.Context().Deadline()
	if !cd.Before(rd) {
		t.Errorf("short child's deadline %v is not before its parent's %v", cd, rd)
	}
}

func TestNew_ClampsToParentContextDeadline(t *testing.T) {
	parent, cancel := context.WithTimeout(context.Background(), hour)
	defer cancel()
	root := ctxtree.New(parent, "job", 2*hour)
	defer root.Cancel(nil)
	s := root.Snapshot()
	if !s.Clamped {
		t.Fatalf("root with budget beyond its parent context's deadline is not clamped")
	}
	pd, _ := parent.Deadline()
	rd, _ := root.Context().Deadline()
	if !rd.Equal(pd) {
		t.Errorf("root deadline %v, want parent context's %v", rd, pd)
	}
}

func TestChild_ZeroBudgetInheritsDeadline(t *testing.T) {
	root := ctxtree.New(context.Background(), "root", hour)
	defer root.Cancel(nil)
	c := root.Child("c", 0)
	defer c.Cancel(nil)
	s := c.Snapshot()
	if s.Clamped || s.Budget != 0 || !s.Deadline.Equal(root.Snapshot().Deadline) {
		t.Errorf("zero-budget child: %+v", s)
	}
	none := ctxtree.New(context.Background(), "none", 0)
	defer none.Cancel(nil)
	if _, ok := none.Context().Deadline(); ok {
		t.Errorf("root with zero budget and no parent deadline has a deadline")
	}
}

func TestChildFraction_IsFractionOfParentsRemaining(t *testing.T) {
	clk := newFakeClock()
	root := ctxtree.New(context.Background(), "http", 100*hour, ctxtree.WithClock(clk.Now))
	defer root.Cancel(nil)
	clk.Advance(20 * hour) // 80h left
	q := root.ChildFraction("cache", 0.25)
	defer q.Cancel(nil)
	all := root.ChildFraction("all", 1)
	defer all.Cancel(nil)

	s := q.Snapshot()
	if s.Budget != 20*hour || s.Fraction != 0.25 || s.Clamped {
		t.Errorf("quarter of 80h: budget %v fraction %v clamped %v", s.Budget, s.Fraction, s.Clamped)
	}
	if want := clk.Now().Add(20 * hour); !s.Deadline.Equal(want) {
		t.Errorf("deadline %v, want %v", s.Deadline, want)
	}
	if !strings.Contains(s.String(), "budget 20h0m0s (25% of parent's remaining)") {
		t.Errorf("String does not show the fraction:\n%s", s)
	}
	a := all.Snapshot()
	if a.Budget != 80*hour || !a.Deadline.Equal(root.Snapshot().Deadline) {
		t.Errorf("fraction 1: budget %v deadline %v", a.Budget, a.Deadline)
	}

	free := ctxtree.New(context.Background(), "free", 0)
	defer free.Cancel(nil)
	f := free.ChildFraction("half", 0.5)
	defer f.Cancel(nil)
	if _, ok := f.Context().Deadline(); ok {
		t.Errorf("fraction of a parent without deadline has a deadline")
	}
}

func TestEnding_FinishedReportsCancelErrorWrappingErrFinished(t *testing.T) {
	n := ctxtree.New(context.Background(), "job", 0)
	n.Cancel(nil)
	ctx := n.Context()
	<-ctx.Done()
	if ctx.Err() != context.Canceled {
		t.Errorf("Err = %v, want context.Canceled", ctx.Err())
	}
	cause := context.Cause(ctx)
	var ce *ctxtree.CancelError
	if !errors.As(cause, &ce) || ce.Node() != n || !ce.Finished() {
		t.Fatalf("Cause = %v, want a finished *CancelError for the node", cause)
	}
	if !errors.Is(cause, ctxtree.ErrFinished) || !errors.Is(cause, context.Canceled) {
		t.Errorf("Cause %v is not ErrFinished and context.Canceled", cause)
	}
	if got := cause.Error(); got != `ctxtree: "job" finished` {
		t.Errorf("Error() = %q", got)
	}
	if s := n.Snapshot(); s.State != ctxtree.Finished || s.End.IsZero() {
		t.Errorf("snapshot state %v end %v, want finished with an end time", s.State, s.End)
	}
}

func TestEnding_CancelWithCauseWrapsIt(t *testing.T) {
	errGone := errors.New("client went away")
	root := ctxtree.New(context.Background(), "http", 0)
	defer root.Cancel(nil)
	n := root.Child("search", 0)
	n.Cancel(errGone)
	n.Cancel(errors.New("second call is ignored"))
	cause := context.Cause(n.Context())
	if !errors.Is(cause, errGone) || !errors.Is(cause, context.Canceled) {
		t.Fatalf("Cause = %v, want it to wrap %v and context.Canceled", cause, errGone)
	}
	if got, want := cause.Error(), `ctxtree: "http/search" canceled: client went away`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if s := n.Snapshot(); s.State != ctxtree.Canceled {
		t.Errorf("state %v, want canceled", s.State)
	}
}

func TestEnding_OwnDeadlineNamesNodeAndOverrun(t *testing.T) {
	root := ctxtree.New(context.Background(), "http", hour)
	defer root.Cancel(nil)
	n := root.Child("db", time.Millisecond)
	defer n.Cancel(nil)
	ctx := n.Context()
	<-ctx.Done()
	if ctx.Err() != context.DeadlineExceeded {
		t.Errorf("Err = %v, want context.DeadlineExceeded", ctx.Err())
	}
	cause := context.Cause(ctx)
	if !errors.Is(cause, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, DeadlineExceeded) = false", cause)
	}
	var de *ctxtree.DeadlineError
	if !errors.As(cause, &de) || de.Node() != n || de.Budget() != time.Millisecond || de.Overrun() < 0 {
		t.Fatalf("Cause = %#v, want a *DeadlineError for db", cause)
	}
	want := `ctxtree: "http/db" exceeded its 1ms budget by ` + de.Overrun().String()
	if cause.Error() != want {
		t.Errorf("Error() = %q, want %q", cause.Error(), want)
	}
	if !de.Timeout() {
		t.Errorf("Timeout() = false")
	}
	n.Cancel(errors.New("late")) // does not replace the deadline cause
	if s := n.Snapshot(); s.State != ctxtree.DeadlineExceeded || s.Cause != cause || s.End.IsZero() {
		t.Errorf("after late Cancel: state %v cause %v end %v", s.State, s.Cause, s.End)
	}
	if root.Context().Err() != nil {
		t.Errorf("a child's deadline canceled its parent")
	}
}

// TestDeadlineError_OverrunIsFixedWhenTheDeadlineFires checks that the
// overrun is how late, by the tree's clock, the node's timer ended it, and
// that it stays so however late the error is first formatted. The clock
// answers each read with the next time of a script: New reads it once, and
// the next read is the timer function's, since nothing else reads the
// clock before the context is done.
func TestDeadlineError_OverrunIsFixedWhenTheDeadlineFires(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := newScriptClock(t0, t0.Add(time.Hour+7*time.Millisecond), t0.Add(5*time.Hour))
	root := ctxtree.New(context.Background(), "r", time.Millisecond, ctxtree.WithClock(clk.Now))
	defer root.Cancel(nil)
	<-root.Context().Done()

	cause := context.Cause(root.Context()) // first formatted at t0+5h
	var de *ctxtree.DeadlineError
	if !errors.As(cause, &de) {
		t.Fatalf("cause %v is not a *DeadlineError", cause)
	}
	if got, want := de.Overrun(), time.Hour+6*time.Millisecond; got != want {
		t.Errorf("Overrun = %v, want %v (the timer's lateness)", got, want)
	}
	if got, want := cause.Error(), `ctxtree: "r" exceeded its 1ms budget by 1h0m0.006s`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := root.Snapshot().Elapsed; got != 5*time.Hour {
		t.Errorf("Elapsed = %v, want 5h: the work took longer than the overrun", got)
	}
}

// TestDeadlineError_OverrunIsNeverNegative checks that a clock standing
// still, which reads the timer's firing as before the deadline, gives an
// overrun of 0.
func TestDeadlineError_OverrunIsNeverNegative(t *testing.T) {
	clk := newFakeClock()
	root := ctxtree.New(context.Background(), "r", 0, ctxtree.WithClock(clk.Now))
	defer root.Cancel(nil)
	n := root.Child("n", time.Millisecond)
	defer n.Cancel(nil)
	<-n.Context().Done()
	var de *ctxtree.DeadlineError
	if !errors.As(context.Cause(n.Context()), &de) || de.Overrun() != 0 {
		t.Errorf("cause %v, want a *DeadlineError with overrun 0", context.Cause(n.Context()))
	}
}

// TestDeadlineError_IsDeadlineExceededThroughWrapping checks the error
// chain: a DeadlineError, bare or wrapped, matches context.DeadlineExceeded
// under errors.Is, is found by errors.As, and is a timeout; it does not
// match context.Canceled.
func TestDeadlineError_IsDeadlineExceededThroughWrapping(t *testing.T) {
	root := ctxtree.New(context.Background(), "r", time.Millisecond)
	defer root.Cancel(nil)
	<-root.Context().Done()
	cause := context.Cause(root.Context())
	wrapped := fmt.Errorf("query: %w", cause)

	if errors.Unwrap(cause) != context.DeadlineExceeded {
		t.Errorf("Unwrap = %v, want context.DeadlineExceeded", errors.Unwrap(cause))
	}
	for _, err := range []error{cause, wrapped} {
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			t.Errorf("%v: Is DeadlineExceeded %v, Is Canceled %v; want true, false",
				err, errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled))
		}
		var de *ctxtree.DeadlineError
		if !errors.As(err, &de) || de.Node() != root {
			t.Errorf("%v: errors.As finds %v, want the root's *DeadlineError", err, de)
		}
		var timeout interface{ Timeout() bool }
		if !errors.As(err, &timeout) || !timeout.Timeout() {
			t.Errorf("%v is not a timeout", err)
		}
	}
}

func TestEnding_InheritedFromAncestorIsDistinguishable(t *testing.T) {
	errStop := errors.New("stop")
	root := ctxtree.New(context.Background(), "http", 0)
	mid := root.Child("mid", 0)
	leaf := mid.Child("leaf", 0)
	defer leaf.Cancel(nil)
	defer mid.Cancel(nil)
	root.Cancel(errStop)
	<-leaf.Context().Done()

	var ce *ctxtree.CancelError
	if !errors.As(context.Cause(leaf.Context()), &ce) || ce.Node() != root {
		t.Fatalf("leaf cause %v, want root's CancelError", context.Cause(leaf.Context()))
	}
	s := root.Snapshot()
	if s.State != ctxtree.Canceled {
		t.Errorf("root state %v", s.State)
	}
	for _, x := range []ctxtree.Snapshot{s.Children[0], s.Children[0].Children[0]} {
		if x.State != ctxtree.CanceledByAncestor || !errors.Is(x.Cause, errStop) {
			t.Errorf("%s: state %v cause %v, want canceled by ancestor with stop", x.Name, x.State, x.Cause)
		}
	}
}

func TestEnding_AncestorDeadlineNamesAncestor(t *testing.T) {
	root := ctxtree.New(context.Background(), "http", time.Millisecond)
	defer root.Cancel(nil)
	clamped := root.Child("db", hour)
	defer clamped.Cancel(nil)
	<-clamped.Context().Done()
	if err := clamped.Context().Err(); err != context.DeadlineExceeded {
		t.Errorf("clamped child Err = %v, want DeadlineExceeded", err)
	}
	var de *ctxtree.DeadlineError
	if !errors.As(context.Cause(clamped.Context()), &de) || de.Node() != root {
		t.Fatalf("cause %v, want root's DeadlineError", context.Cause(clamped.Context()))
	}
	s := root.Snapshot()
	if s.State != ctxtree.DeadlineExceeded || s.Children[0].State != ctxtree.CanceledByAncestor {
		t.Errorf("states root %v child %v", s.State, s.Children[0].State)
	}
	// A context derived with the standard library reports the same cause.
	type key struct{}
	derived, cancel := context.WithCancel(context.WithValue(clamped.Context(), key{}, 1))
	defer cancel()
	if !errors.Is(context.Cause(derived), context.DeadlineExceeded) {
		t.Errorf("derived cause %v", context.Cause(derived))
	}
}

func TestEnding_ParentContextCancelIsInherited(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	root := ctxtree.New(parent, "job", hour)
	defer root.Cancel(nil)
	cancel()
	<-root.Context().Done()
	s := root.Snapshot()
	if s.State != ctxtree.CanceledByAncestor || s.Cause != context.Canceled {
		t.Errorf("state %v cause %v", s.State, s.Cause)
	}
}

func TestChild_OfEndedNodeStartsCanceled(t *testing.T) {
	root := ctxtree.New(context.Background(), "r", 0)
	root.Cancel(nil)
	c := root.Child("late", hour)
	defer c.Cancel(nil)
	if c.Context().Err() == nil {
		t.Fatal("child of an ended node is running")
	}
}

// TestChild_OfEndedNodeHasParentsCauseWhateverItsBudget checks that a
// child made after its parent ended reports the parent's cause, even with
// a budget so short that its timer, were it armed before the child is
// linked to its parent, would fire first.
func TestChild_OfEndedNodeHasParentsCauseWhateverItsBudget(t *testing.T) {
	root := ctxtree.New(context.Background(), "r", 0)
	root.Cancel(errors.New("stop"))
	want := context.Cause(root.Context())
	for i := range 300 {
		c := root.Child("c", time.Duration(1+i%3)) // 1ns to 3ns: timed
		cause := context.Cause(c.Context())
		c.Cancel(nil)
		if cause != want {
			t.Fatalf("round %d: child's cause %v, want its parent's %v", i, cause, want)
		}
	}
}

// TestChild_OfNodeEndedThroughStandardLibraryStartsDone checks a child
// made in the moment after the context a root was made from ends: the
// standard library has ended the root's context already, and ctxtree tells
// the rest of the tree from a goroutine; a timed child made in between
// starts done, with the root's cause, all the same.
func TestChild_OfNodeEndedThroughStandardLibraryStartsDone(t *testing.T) {
	errGone := errors.New("client went away")
	for i := range 300 {
		base, cancel := context.WithCancelCause(context.Background())
		root := ctxtree.New(base, "r", 0)
		cancel(errGone)
		c := root.Child("c", hour)
		err, cause := c.Context().Err(), context.Cause(c.Context())
		c.Cancel(nil)
		root.Cancel(nil)
		if err != context.Canceled || cause != errGone {
			t.Fatalf("round %d: child made after its root's context ended: Err %v, Cause %v; want %v, %v",
				i, err, cause, context.Canceled, errGone)
		}
	}
}

// TestChild_BudgetEqualToParentsRemainingNeedsNoTimer checks the boundary
// of clamping: a budget equal to what the parent has left is neither
// clamped nor timed (the parent's timer fires for both); a nanosecond less
// is the child's own and timed; a nanosecond more is clamped.
func TestChild_BudgetEqualToParentsRemainingNeedsNoTimer(t *testing.T) {
	clk := newFakeClock()
	root := ctxtree.New(context.Background(), "r", hour, ctxtree.WithClock(clk.Now))
	defer root.Cancel(nil)
	clk.Advance(time.Minute)
	for _, tc := range []struct {
		budget         time.Duration
		clamped, timed bool
	}{
		{59 * time.Minute, false, false},
		{59*time.Minute - 1, false, true},
		{59*time.Minute + 1, true, false},
	} {
		c := root.Child("c", tc.budget)
		s := c.Snapshot()
		if s.Clamped != tc.clamped || ctxtree.Timed(c) != tc.timed {
			t.Errorf("budget %v: clamped %v, timed %v; want %v, %v", tc.budget, s.Clamped, ctxtree.Timed(c), tc.clamped, tc.timed)
		}
		c.Cancel(nil)
	}
}

func TestFrom_FindsNearestNodeThroughWrappers(t *testing.T) {
	root := ctxtree.New(context.Background(), "root", 0)
	defer root.Cancel(nil)
	child := root.Child("child", 0)
	defer child.Cancel(nil)

	type key struct{}
	v := context.WithValue(child.Context(), key{}, "x")
	c, cancel := context.WithCancel(v)
	defer cancel()
	d, cancel2 := context.WithTimeout(c, hour)
	defer cancel2()
	w := context.WithoutCancel(d)
	cc, cancel3 := context.WithCancelCause(w)
	defer cancel3(nil)

	for name, ctx := range map[string]context.Context{
		"node": child.Context(), "WithValue": v, "WithCancel": c,
		"WithTimeout": d, "WithoutCancel": w, "WithCancelCause": cc,
	} {
		if got := ctxtree.From(ctx); got != child {
			t.Errorf("%s: From = %v, want child", name, got)
		}
	}
	if got := ctxtree.From(root.Context()); got != root {
		t.Errorf("From(root) = %v", got)
	}
	if got := ctxtree.From(context.Background()); got != nil {
		t.Errorf("From(Background) = %v, want nil", got)
	}
	// A root made from a node's context starts a new tree, found first.
	sub := ctxtree.New(c, "sub", 0)
	defer sub.Cancel(nil)
	if got := ctxtree.From(sub.Context()); got != sub {
		t.Errorf("From(sub) = %v", got)
	}
}

func TestContext_AllocatesNothing(t *testing.T) {
	n := ctxtree.New(context.Background(), "n", hour)
	defer n.Cancel(nil)
	var sink context.Context
	if a := testing.AllocsPerRun(100, func() { sink = n.Context() }); a != 0 {
		t.Errorf("Context allocates %v times", a)
	}
	if sink != n.Context() {
		t.Errorf("Context returns different values")
	}
}

func TestPanics_NameFunctionAndValue(t *testing.T) {
	root := ctxtree.New(context.Background(), "r", 0)
	defer root.Cancel(nil)
	var nilNode *ctxtree.Node
	for _, tc := range []struct {
		want string
		fn   func()
	}{
		{"ctxtree: New called with nil parent", func() {
			var nilCtx context.Context // a nil Context is the misuse under test
			ctxtree.New(nilCtx, "x", 0)
		}},
		{"ctxtree: New called with negative budget -1s", func() { ctxtree.New(context.Background(), "x", -time.Second) }},
		{"ctxtree: Child called with negative budget -1ns", func() { root.Child("x", -1) }},
		{"ctxtree: Child called on nil *Node", func() { nilNode.Child("x", 0) }},
		{"ctxtree: ChildFraction called with fraction 1.5, want 0 < fraction <= 1", func() { root.ChildFraction("x", 1.5) }},
		{"ctxtree: ChildFraction called with fraction 0, want 0 < fraction <= 1", func() { root.ChildFraction("x", 0) }},
		{"ctxtree: WithClock called with nil clock", func() { ctxtree.WithClock(nil) }},
	} {
		func() {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("panic %v, want %q", r, tc.want)
				}
			}()
			tc.fn()
		}()
	}
}

// derivedContexts returns contexts derived from parent with the standard
// library and errgroup, the ways ordinary code (net/http, gRPC, errgroup)
// derives them. The timeouts are long, so that they never fire first.
func derivedContexts(t *testing.T, parent context.Context) map[string]context.Context {
	t.Helper()
	type key struct{}
	withCancel, c1 := context.WithCancel(parent)
	t.Cleanup(c1)
	withValue := context.WithValue(parent, key{}, 1)
	valueCancel, c2 := context.WithCancel(context.WithValue(parent, key{}, 2))
	t.Cleanup(c2)
	withTimeout, c3 := context.WithTimeout(parent, hour)
	t.Cleanup(c3)
	withCause, c4 := context.WithCancelCause(parent)
	t.Cleanup(func() { c4(nil) })
	g, group := errgroup.WithContext(parent)
	t.Cleanup(func() { _ = g.Wait() })
	return map[string]context.Context{
		"WithCancel":           withCancel,
		"WithValue":            withValue,
		"WithValue+WithCancel": valueCancel,
		"WithTimeout":          withTimeout,
		"WithCancelCause":      withCause,
		"errgroup.WithContext": group,
	}
}

// checkDerived checks that every context in ctxs reports exactly err from
// Err, the error want from context.Cause, and deadline from Deadline (all
// but a WithTimeout context, when the node has no deadline).
func checkDerived(t *testing.T, ctxs map[string]context.Context, err, want error, deadline time.Time, hasDeadline bool) {
	t.Helper()
	for name, ctx := range ctxs {
		select {
		case <-ctx.Done():
		case <-time.After(time.Minute):
			t.Fatalf("%s: not done a minute after its node ended", name)
		}
		if got := ctx.Err(); got != err {
			t.Errorf("%s: Err() = %v, want %v", name, got, err)
		}
		if !errors.Is(ctx.Err(), err) {
			t.Errorf("%s: errors.Is(Err(), %v) = false", name, err)
		}
		if got := context.Cause(ctx); got != want {
			t.Errorf("%s: context.Cause = %v, want %v", name, got, want)
		}
		if !hasDeadline && strings.HasSuffix(name, "WithTimeout") {
			continue // it has its own deadline
		}
		if d, ok := ctx.Deadline(); ok != hasDeadline || !d.Equal(deadline) {
			t.Errorf("%s: Deadline() = %v, %v; want %v, %v", name, d, ok, deadline, hasDeadline)
		}
	}
}

// TestDerivedContext_OwnDeadlineIsDeadlineExceededWithNodesCause checks what
// gRPC and net/http rely on: when a node's own budget runs out, every
// context derived from it with the standard library, before or after the
// deadline fired, reports context.DeadlineExceeded from Err (not
// context.Canceled), the node's *DeadlineError from context.Cause, and the
// node's deadline from Deadline; so do the node's own context and the
// contexts of its descendant nodes.
func TestDerivedContext_OwnDeadlineIsDeadlineExceededWithNodesCause(t *testing.T) {
	before := time.Now()
	root := ctxtree.New(context.Background(), "http", 0)
	defer root.Cancel(nil)
	n := root.Child("db", 20*time.Millisecond)
	after := time.Now()
	defer n.Cancel(nil)
	child := n.Child("query", 0)
	defer child.Cancel(nil)
	clamped := n.Child("retry", hour)
	defer clamped.Cancel(nil)

	dl, ok := n.Context().Deadline()
	if !ok || dl.Before(before.Add(20*time.Millisecond)) || dl.After(after.Add(20*time.Millisecond)) {
		t.Fatalf("node Deadline() = %v, %v; want now + 20ms", dl, ok)
	}
	early := derivedContexts(t, n.Context())
	fromChild := derivedContexts(t, child.Context())
	<-n.Context().Done()
	cause := context.Cause(n.Context())
	var de *ctxtree.DeadlineError
	if !errors.As(cause, &de) || de.Node() != n {
		t.Fatalf("node cause %v, want db's *DeadlineError", cause)
	}
	late := derivedContexts(t, n.Context()) // made after the deadline fired
	nodes := map[string]context.Context{"node": n.Context(), "child node": child.Context(), "clamped child node": clamped.Context()}
	for _, ctxs := range []map[string]context.Context{nodes, early, late, fromChild} {
		checkDerived(t, ctxs, context.DeadlineExceeded, cause, dl, true)
	}
	if root.Context().Err() != nil {
		t.Errorf("the child's deadline ended the root: %v", context.Cause(root.Context()))
	}
	// Cancel after the deadline changes nothing a derived context reports.
	n.Cancel(errors.New("late"))
	checkDerived(t, early, context.DeadlineExceeded, cause, dl, true)
}

// TestDerivedContext_InheritedDeadlineIsDeadlineExceededWithAncestorsCause
// checks the same when the budget that runs out is an ancestor's: contexts
// derived from a clamped child, from a child without a budget and from a
// grandchild report context.DeadlineExceeded, the ancestor's
// *DeadlineError and the ancestor's deadline.
func TestDerivedContext_InheritedDeadlineIsDeadlineExceededWithAncestorsCause(t *testing.T) {
	root := ctxtree.New(context.Background(), "http", 20*time.Millisecond)
	defer root.Cancel(nil)
	clamped := root.Child("db", hour)
	defer clamped.Cancel(nil)
	free := root.Child("render", 0)
	defer free.Cancel(nil)
	grand := free.Child("template", 0)
	defer grand.Cancel(nil)
	dl, _ := root.Context().Deadline()

	ctxs := map[string]context.Context{}
	for prefix, n := range map[string]*ctxtree.Node{"clamped/": clamped, "no budget/": free, "grandchild/": grand} {
		ctxs[prefix+"node"] = n.Context()
		for name, ctx := range derivedContexts(t, n.Context()) {
			ctxs[prefix+name] = ctx
		}
	}
	<-root.Context().Done()
	cause := context.Cause(root.Context())
	var de *ctxtree.DeadlineError
	if !errors.As(cause, &de) || de.Node() != root {
		t.Fatalf("root cause %v, want the root's *DeadlineError", cause)
	}
	checkDerived(t, ctxs, context.DeadlineExceeded, cause, dl, true)
	s := root.Snapshot()
	for _, c := range s.Children {
		if c.State != ctxtree.CanceledByAncestor || c.Cause != cause {
			t.Errorf("%s: state %v cause %v, want canceled by ancestor with the root's cause", c.Name, c.State, c.Cause)
		}
	}
}

// TestDerivedContext_CancelIsCanceledWithCancelError checks that Cancel,
// with a cause or with nil, gives every derived context context.Canceled
// from Err and the node's *CancelError from context.Cause, whether or not
// the node has a timer of its own, and that a descendant node's derived
// contexts get the ancestor's CancelError.
func TestDerivedContext_CancelIsCanceledWithCancelError(t *testing.T) {
	errGone := errors.New("client went away")
	for _, tc := range []struct {
		name   string
		budget time.Duration
		cause  error
	}{
		{"budget/cause", hour, errGone},
		{"budget/finished", hour, nil},
		{"no budget/cause", 0, errGone},
		{"no budget/finished", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := ctxtree.New(context.Background(), "http", 0)
			defer root.Cancel(nil)
			n := root.Child("search", tc.budget)
			child := n.Child("shard", 0)
			defer child.Cancel(nil)
			dl, hasDl := n.Context().Deadline()
			if hasDl != (tc.budget > 0) {
				t.Fatalf("Deadline() ok = %v with budget %v", hasDl, tc.budget)
			}
			ctxs := derivedContexts(t, n.Context())
			for name, ctx := range derivedContexts(t, child.Context()) {
				ctxs["child/"+name] = ctx
			}
			ctxs["node"], ctxs["child node"] = n.Context(), child.Context()

			n.Cancel(tc.cause)
			cause := context.Cause(n.Context())
			var ce *ctxtree.CancelError
			if !errors.As(cause, &ce) || ce.Node() != n || ce.Finished() != (tc.cause == nil) {
				t.Fatalf("cause %v, want search's *CancelError", cause)
			}
			if tc.cause != nil && !errors.Is(cause, errGone) {
				t.Errorf("cause %v does not wrap %v", cause, errGone)
			}
			checkDerived(t, ctxs, context.Canceled, cause, dl, hasDl)
			if root.Context().Err() != nil {
				t.Errorf("canceling a child ended the root")
			}
		})
	}
}

// TestDerivedContext_RootParentEndReachesTimedNodes checks that when the
// context a root was made from ends, every node below it, including nodes
// with budgets of their own (which ctxtree, not the standard library, tells),
// and every context derived from them, reports the parent's error and
// cause, whether the root itself has a budget or not.
func TestDerivedContext_RootParentEndReachesTimedNodes(t *testing.T) {
	errGone := errors.New("client went away")
	for _, rootBudget := range []time.Duration{0, 2 * hour} {
		t.Run("root budget "+rootBudget.String(), func(t *testing.T) {
			parent, cancel := context.WithCancelCause(context.Background())
			root := ctxtree.New(parent, "http", rootBudget)
			defer root.Cancel(nil)
			timed := root.Child("db", hour)
			defer timed.Cancel(nil)
			free := timed.Child("query", 0)
			defer free.Cancel(nil)
			deep := free.Child("shard", time.Minute)
			defer deep.Cancel(nil)

			ctxs := map[string]context.Context{}
			for prefix, n := range map[string]*ctxtree.Node{"root/": root, "timed/": timed, "free/": free, "deep/": deep} {
				ctxs[prefix+"node"] = n.Context()
				for name, ctx := range derivedContexts(t, n.Context()) {
					ctxs[prefix+name] = ctx
				}
			}
			cancel(errGone)
			for name, ctx := range ctxs {
				select {
				case <-ctx.Done():
				case <-time.After(time.Minute):
					t.Fatalf("%s: not done a minute after the root's parent ended", name)
				}
				if ctx.Err() != context.Canceled || context.Cause(ctx) != errGone {
					t.Errorf("%s: Err %v, Cause %v; want %v, %v", name, ctx.Err(), context.Cause(ctx), context.Canceled, errGone)
				}
			}
			// Nodes made afterwards start done, with the same cause.
			late := deep.Child("late", time.Second)
			defer late.Cancel(nil)
			if late.Context().Err() != context.Canceled || context.Cause(late.Context()) != errGone {
				t.Errorf("late child: Err %v, Cause %v", late.Context().Err(), context.Cause(late.Context()))
			}
		})
	}
}

// TestCancel_ReturnsWithWholeSubtreeDone checks that when Cancel returns,
// the contexts of every descendant, timed or not, and of every context
// derived from them are done, as when a standard library cancel function
// returns.
func TestCancel_ReturnsWithWholeSubtreeDone(t *testing.T) {
	root := ctxtree.New(context.Background(), "root", 0)
	var all []context.Context
	var grow func(n *ctxtree.Node, depth int)
	grow = func(n *ctxtree.Node, depth int) {
		all = append(all, n.Context())
		d, stop := context.WithCancel(n.Context())
		t.Cleanup(stop)
		all = append(all, d)
		if depth == 3 {
			return
		}
		for i := range 3 {
			c := n.Child("c", time.Duration(i)*hour) // 0: untimed; 1h, 2h: timed
			t.Cleanup(func() { c.Cancel(nil) })
			grow(c, depth+1)
		}
	}
	grow(root, 0)
	root.Cancel(errors.New("stop"))
	for i, ctx := range all {
		if ctx.Err() != context.Canceled {
			t.Fatalf("context %d: Err %v right after Cancel returned", i, ctx.Err())
		}
		var ce *ctxtree.CancelError
		if !errors.As(context.Cause(ctx), &ce) || ce.Node() != root {
			t.Fatalf("context %d: Cause %v, want the root's", i, context.Cause(ctx))
		}
	}
}

// TestEndings_RacingEndsAgreeInEveryDerivedContext races a node's own
// deadline, its Cancel and its parent's Cancel, and checks that whichever
// wins, the node's context and the contexts derived from it and from its
// children all report the same cause, with the Err that matches it.
func TestEndings_RacingEndsAgreeInEveryDerivedContext(t *testing.T) {
	rounds := 300
	if raceEnabled {
		rounds = 60
	}
	for i := range rounds {
		root := ctxtree.New(context.Background(), "root", 0)
		n := root.Child("n", time.Duration(i%5)*20*time.Microsecond+1)
		kid := n.Child("kid", 0)
		timedKid := n.Child("timed", time.Duration(i%7)*10*time.Microsecond+1)
		ctxs := []context.Context{n.Context(), kid.Context(), timedKid.Context()}
		for _, c := range []*ctxtree.Node{n, kid, timedKid} {
			d, stop := context.WithCancel(c.Context())
			defer stop()
			ctxs = append(ctxs, d)
		}
		var wg sync.WaitGroup
		wg.Go(func() { n.Cancel(errors.New("own")) })
		wg.Go(func() { root.Cancel(nil) })
		wg.Wait()
		want := context.Cause(n.Context())
		for j, ctx := range ctxs {
			<-ctx.Done()
			cause := context.Cause(ctx)
			if j != 2 && j != 5 && cause != want {
				t.Fatalf("round %d, context %d: cause %v, want n's %v", i, j, cause, want)
			}
			var de *ctxtree.DeadlineError
			wantErr := context.Canceled
			if errors.As(cause, &de) {
				wantErr = context.DeadlineExceeded
			}
			if ctx.Err() != wantErr {
				t.Fatalf("round %d, context %d: Err %v with cause %v", i, j, ctx.Err(), cause)
			}
		}
		if got := context.Cause(ctxs[5]); got != context.Cause(ctxs[2]) {
			t.Fatalf("round %d: derived from timed kid: cause %v, kid's %v", i, got, context.Cause(ctxs[2]))
		}
		timedKid.Cancel(nil)
		kid.Cancel(nil)
	}
}
