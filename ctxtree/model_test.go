package ctxtree_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
	"go.uber.org/goleak"
)

var (
	modelSeed = flag.Int64("seed", 0, "TestModel: replay the one sequence with this seed")
	modelSoak = flag.Duration("soak", 0, "TestModel: run random sequences for this long")
)

// TestModel_CauseNamesFirstEndingOnPathAndNothingOutlivesTree drives random
// sequences of New, Child, ChildFraction, Cancel, standard library
// contexts derived from nodes, roots made from other trees' contexts and
// from contexts the standard library cannot see into, budgets that expire,
// racing cancels and snapshots, and checks every context against a model:
//
//   - Each ending is an event with a window of time in which it took
//     effect: a cancel function's from its call to its return, a timer's
//     from its deadline on. A context's cause is that of the first event on
//     its path from the top: the model accepts exactly the events that no
//     other event on the path surely preceded (its window ended before
//     theirs began), and the one observed must be among them, with the Err
//     that matches it and the Deadline the model computed.
//   - An event from above a root reaches the nodes that have a timer of
//     their own, and those below them, a moment later (from a goroutine),
//     as ctxtree documents; so does every event through a context the
//     standard library cannot see into, and that one reports only its Err
//     as cause. The model leaves such an event's window open at the end.
//   - A context that is done and not by an event of its own has its
//     parent's cause; a cause never changes; a context still running has
//     no event on its path that surely happened; a child or a derived
//     context of a done context starts done.
//   - Snapshots agree: states, causes, ends within their Cancel's window,
//     leaks, deadlines, clamping and budgets; renderings have a line per
//     node. A concurrent snapshotter checks each snapshot is consistent.
//   - After every root is canceled, every context is done, no node's timer
//     is armed, and no goroutine is left.
//
// On failure the sequence's seed is printed; -seed replays its operations
// (timers may fire in a different order). -soak runs sequences for a time.
func TestModel_CauseNamesFirstEndingOnPathAndNothingOutlivesTree(t *testing.T) {
	seqs, steps := 24, 40
	if raceEnabled {
		seqs, steps = 6, 30
	}
	var total modelCounts
	run := func(seed int64) bool {
		m := newModel(t, seed, steps)
		m.run()
		total.add(&m.counts)
		return !m.failed.Load()
	}
	switch {
	case *modelSeed != 0:
		run(*modelSeed)
	case *modelSoak > 0:
		end := time.Now().Add(*modelSoak)
		for seed := time.Now().UnixNano(); time.Now().Before(end) && run(seed); seed++ {
		}
	default:
		first := time.Now().UnixNano()
		for i := range seqs {
			if !run(first + int64(i)) {
				break
			}
		}
	}
	t.Logf("model: %s", &total)
}

// modelCounts says what a run covered.
type modelCounts struct {
	sequences, nodes, timed, derived, roots, foreign, crossTree int
	cancels, races, fired, inherited, snapshots                 int
	bgSnapshots                                                 atomic.Int64
}

func (c *modelCounts) add(o *modelCounts) {
	c.sequences++
	c.nodes += o.nodes
	c.timed += o.timed
	c.derived += o.derived
	c.roots += o.roots
	c.foreign += o.foreign
	c.crossTree += o.crossTree
	c.cancels += o.cancels
	c.races += o.races
	c.fired += o.fired
	c.inherited += o.inherited
	c.snapshots += o.snapshots
	c.bgSnapshots.Add(o.bgSnapshots.Load())
}

func (c *modelCounts) String() string {
	return fmt.Sprintf("%d sequences; %d nodes (%d timed, %d roots: %d from foreign contexts, %d from other trees), "+
		"%d derived contexts; %d cancels, %d races; %d nodes ended by their own deadline, %d by an ancestor; "+
		"%d snapshots checked against the model, %d concurrent",
		c.sequences, c.nodes, c.timed, c.roots, c.foreign, c.crossTree, c.derived, c.cancels, c.races,
		c.fired, c.inherited, c.snapshots, c.bgSnapshots.Load())
}

// entKind is what made a context of the model.
type entKind uint8

const (
	kindBase    entKind = iota // a root's parent made with the standard library
	kindForeign                // a context the standard library cannot see into
	kindNode                   // a ctxtree node's context
	kindDerived                // made from a node's context with the standard library
)

// An ent is one context of the model, with what the model knows of it.
type ent struct {
	kind   entKind
	name   string // a node's name, or how the context was made
	path   string // a node's Path
	parent *ent   // nil for a base made from context.Background
	ctx    context.Context
	node   *ctxtree.Node // kindNode
	owner  *ctxtree.Node // the node From must find; nil if none
	kids   []*ent        // a node's child nodes, in order

	cancel      func() // its own cancel function (node: Cancel(given)); nil if none
	cancelErr   error  // what Err reports after its own cancel
	cancelCause error  // the cause its own cancel gives; nil for a node
	given       error  // a node: the cause passed to Cancel
	canceled    bool   // its cancel function or Cancel has been called
	cancelWin   [2]time.Time
	events      []*event // its own endings

	timed   bool // it has a timer of its own
	dl      time.Time
	hasDl   bool
	snap    ctxtree.Snapshot // a node's snapshot when it was made
	doneBy  time.Time        // zero until it is seen done
	err     error
	cause   error
	counted bool
}

// An event is one ending of a context of the model: its cancel function or
// its timer. It took effect at some moment from lo to hi, or from lo on if
// late (a timer may fire any time after its deadline).
type event struct {
	owner  *ent
	fire   bool
	lo, hi time.Time
	late   bool
}

// A view is an event as a context below its owner sees it.
type view struct {
	*event
	open   bool // no upper bound: late, or it reaches the context from a goroutine
	masked bool // it passed a foreign context: the cause is only the Err
}

func (v view) errWant() error {
	if v.fire {
		return context.DeadlineExceeded
	}
	return v.owner.cancelErr
}

type model struct {
	t      *testing.T
	seed   int64
	rng    *rand.Rand
	steps  int
	start  time.Time
	ents   []*ent
	nodes  []*ent
	trace  []string
	failed atomic.Bool
	counts modelCounts

	mu    sync.Mutex // guards roots and trace, read by the snapshotter
	roots []*ent
}

func newModel(t *testing.T, seed int64, steps int) *model {
	return &model{t: t, seed: seed, rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed)), steps: steps, start: time.Now()}
}

func (m *model) logf(format string, args ...any) {
	line := fmt.Sprintf("%8.3fms ", m.ms(time.Now())) + fmt.Sprintf(format, args...)
	m.mu.Lock()
	m.trace = append(m.trace, line)
	m.mu.Unlock()
}

func (m *model) ms(at time.Time) float64 { return float64(at.Sub(m.start)) / 1e6 }

// failf reports the first failure of a sequence with its seed and the
// operations so far; it may be called from any goroutine.
func (m *model) failf(format string, args ...any) {
	if !m.failed.CompareAndSwap(false, true) {
		return
	}
	m.mu.Lock()
	tail := m.trace[max(0, len(m.trace)-60):]
	m.mu.Unlock()
	m.t.Errorf("seed %d (replay: go test ./ctxtree/ -run TestModel -seed %d): %s\noperations:\n  %s",
		m.seed, m.seed, fmt.Sprintf(format, args...), strings.Join(tail, "\n  "))
}

// run plays one sequence and then ends every tree.
func (m *model) run() {
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() { m.snapshotter(stop) })
	stopSnapshotter := sync.OnceFunc(func() { close(stop); bg.Wait() })
	defer m.cleanup()
	defer stopSnapshotter()
	m.newTree()
	for range m.steps {
		if m.failed.Load() {
			break
		}
		m.step()
		m.observeAll()
	}
	if !m.failed.Load() {
		m.finish(stopSnapshotter)
	}
}

func (m *model) step() {
	switch r := m.rng.IntN(100); {
	case r < 30 && len(m.ents) < 70:
		m.newChild(m.pickNode())
	case r < 40 && len(m.ents) < 70:
		m.derive(m.pickNode())
	case r < 45 && len(m.roots) < 4:
		m.newTree()
	case r < 63:
		m.cancelNode(m.pickNode())
	case r < 70:
		m.cancelOther()
	case r < 75:
		m.race()
	case r < 90:
		d := time.Duration(m.rng.IntN(3000)) * time.Microsecond
		m.logf("sleep %v", d)
		time.Sleep(d)
	default:
		m.snapshot(m.pickNode())
	}
}

func (m *model) pickNode() *ent { return m.nodes[m.rng.IntN(len(m.nodes))] }

// budget draws a budget: none, short (fires during the sequence), long,
// or within 200µs of what the parent has left (a tie with it, or just on
// either side).
func (m *model) budget(pdl time.Time, hasDl bool) time.Duration {
	switch r := m.rng.IntN(10); {
	case r < 3:
		return 0
	case r < 6:
		return time.Duration(1+m.rng.IntN(6000)) * time.Microsecond
	case r < 8 || !hasDl:
		return time.Hour
	default:
		if d := time.Until(pdl) + time.Duration(m.rng.IntN(400)-200)*time.Microsecond; d > 0 {
			return d
		}
		return 1
	}
}

func (m *model) add(x *ent) *ent {
	m.ents = append(m.ents, x)
	if x.kind == kindNode {
		m.nodes = append(m.nodes, x)
	}
	return x
}

// newTree makes a root from a base: Background, a WithCancelCause or
// WithTimeout context, a foreign context over a WithCancelCause one, or a
// context of another tree.
func (m *model) newTree() {
	var base *ent
	var inTrees []*ent
	for _, x := range m.ents {
		if x.kind >= kindNode {
			inTrees = append(inTrees, x)
		}
	}
	switch r := m.rng.IntN(10); {
	case r < 2:
		base = m.add(&ent{kind: kindBase, name: "Background", ctx: context.Background()})
	case r < 4 || (r >= 8 && len(inTrees) == 0):
		base = m.newCancelBase()
	case r < 6:
		d := time.Duration(1+m.rng.IntN(8000)) * time.Microsecond
		t0 := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), d)
		base = m.add(&ent{kind: kindBase, name: "WithTimeout(" + d.String() + ")", ctx: ctx, cancel: cancel, cancelErr: context.Canceled})
		base.cancelCause = context.Canceled
		m.setDeadline(base, nil, t0, time.Now(), d)
	case r < 8:
		b := m.newCancelBase()
		base = m.add(&ent{kind: kindForeign, name: "foreign", parent: b, ctx: foreign{b.ctx}})
		base.dl, base.hasDl = b.dl, b.hasDl
		m.counts.foreign++
	default:
		base = inTrees[m.rng.IntN(len(inTrees))]
		m.counts.crossTree++
	}
	pdl, hasDl := base.ctx.Deadline()
	b := m.budget(pdl, hasDl)
	name := fmt.Sprintf("r%d", len(m.ents))
	wasDone := base.ctx.Err() != nil
	t0 := time.Now()
	n := ctxtree.New(base.ctx, name, b)
	t1 := time.Now()
	m.logf("New(%s, %s, %v)", base.name, name, b)
	x := m.newNode(base, n, [2]time.Time{t0, t1}, b, b > 0, 0, wasDone)
	m.mu.Lock()
	m.roots = append(m.roots, x)
	m.mu.Unlock()
	m.counts.roots++
}

func (m *model) newCancelBase() *ent {
	ctx, cancel := context.WithCancelCause(context.Background())
	x := &ent{kind: kindBase, name: fmt.Sprintf("base%d", len(m.ents)), ctx: ctx, cancelErr: context.Canceled}
	x.cancelCause = errors.New(x.name + " gone")
	x.cancel = func() { cancel(x.cancelCause) }
	return m.add(x)
}

// foreign is a context of a kind the standard library cannot see into: it
// hides every value, so the standard library follows it with a goroutine
// and context.Cause reports only its Err.
type foreign struct{ context.Context }

func (foreign) Value(any) any { return nil }

// newChild makes a child of p with Child or ChildFraction.
func (m *model) newChild(p *ent) {
	pdl, hasDl := p.ctx.Deadline()
	name := fmt.Sprintf("n%d", len(m.ents))
	wasDone := p.ctx.Err() != nil
	var n *ctxtree.Node
	var b time.Duration
	var f float64
	t0 := time.Now()
	if m.rng.IntN(5) == 0 {
		f = []float64{0.25, 0.5, 1, 1e-9}[m.rng.IntN(4)]
		n = p.node.ChildFraction(name, f)
		m.logf("%s.ChildFraction(%s, %v)", p.name, name, f)
	} else {
		b = m.budget(pdl, hasDl)
		n = p.node.Child(name, b)
		m.logf("%s.Child(%s, %v)", p.name, name, b)
	}
	t1 := time.Now()
	has := b > 0 || (f > 0 && hasDl)
	x := m.newNode(p, n, [2]time.Time{t0, t1}, b, has, f, wasDone)
	p.kids = append(p.kids, x)
}

// newNode records a node made from parent in the window made, and checks
// what it reports against what the model computes: start, budget,
// deadline, clamping, whether it has a timer of its own.
func (m *model) newNode(parent *ent, n *ctxtree.Node, made [2]time.Time, b time.Duration, has bool, f float64, parentWasDone bool) *ent {
	x := m.add(&ent{kind: kindNode, name: n.Name(), path: n.Path(), parent: parent, ctx: n.Context(), node: n, owner: n, cancelErr: context.Canceled})
	x.cancel = func() { n.Cancel(x.given) }
	m.counts.nodes++
	if parentWasDone && x.ctx.Err() == nil {
		m.failf("%s: made from a done context, but its own is not done", x.name)
	}
	s := n.Snapshot()
	x.snap = s
	if s.Start.Before(made[0]) || s.Start.After(made[1]) {
		m.failf("%s: Start %.3fms outside the call [%.3f, %.3f]ms", x.name, m.ms(s.Start), m.ms(made[0]), m.ms(made[1]))
	}
	pdl, phas := parent.ctx.Deadline()
	if f > 0 {
		lo, hi := fractionOf(pdl.Sub(made[1]), f), fractionOf(pdl.Sub(made[0]), f)
		if !phas {
			lo, hi = 0, 0
		}
		if s.Budget < lo || s.Budget > hi || s.Fraction != f {
			m.failf("%s: ChildFraction(%v): budget %v, want %v to %v", x.name, f, s.Budget, lo, hi)
		}
		b = s.Budget
	} else if s.Budget != b {
		m.failf("%s: Budget %v, want %v", x.name, s.Budget, b)
	}
	clamped := false
	x.dl, x.hasDl = pdl, phas
	if has {
		mine := s.Start.Add(b)
		if phas && !mine.Before(pdl) {
			clamped = mine.After(pdl)
		} else {
			x.dl, x.hasDl, x.timed = mine, true, true
		}
	}
	if s.Clamped != clamped || ctxtree.Timed(n) != x.timed {
		m.failf("%s: Clamped %v, has a timer %v; want %v, %v (start+budget %.3fms, parent's deadline %.3fms)",
			x.name, s.Clamped, ctxtree.Timed(n), clamped, x.timed, m.ms(s.Start.Add(b)), m.ms(pdl))
	}
	if x.timed {
		x.events = append(x.events, &event{owner: x, fire: true, lo: x.dl, late: true})
		m.counts.timed++
	}
	m.checkDeadline(x)
	if !s.Deadline.Equal(x.dl) || (s.Deadline.IsZero() == x.hasDl) {
		m.failf("%s: snapshot Deadline %.3fms, want %.3fms", x.name, m.ms(s.Deadline), m.ms(x.dl))
	}
	return x
}

func fractionOf(left time.Duration, f float64) time.Duration {
	if left <= 0 {
		return 0
	}
	return time.Duration(math.Floor(float64(left) * f))
}

// derive makes a context from p's with the standard library.
func (m *model) derive(p *ent) {
	x := &ent{kind: kindDerived, parent: p, owner: p.node, cancelErr: context.Canceled, cancelCause: context.Canceled}
	wasDone := p.ctx.Err() != nil
	t0 := time.Now()
	var d time.Duration
	switch m.rng.IntN(5) {
	case 0:
		x.name = "WithCancel"
		x.ctx, x.cancel = context.WithCancel(p.ctx)
	case 1:
		x.name, x.ctx = "WithValue", context.WithValue(p.ctx, modelKey{}, p.name)
	case 2:
		x.name = "WithValue+WithCancel"
		x.ctx, x.cancel = context.WithCancel(context.WithValue(p.ctx, modelKey{}, p.name))
	case 3:
		d = time.Duration(1+m.rng.IntN(6000)) * time.Microsecond
		if m.rng.IntN(2) == 0 {
			d = time.Hour
		}
		x.name = "WithTimeout(" + d.String() + ")"
		x.ctx, x.cancel = context.WithTimeout(p.ctx, d)
	default:
		x.name = "WithCancelCause"
		ctx, cancel := context.WithCancelCause(p.ctx)
		x.cancelCause = fmt.Errorf("derived%d gone", len(m.ents))
		x.ctx, x.cancel = ctx, func() { cancel(x.cancelCause) }
	}
	t1 := time.Now()
	x.name = fmt.Sprintf("d%d=%s(%s)", len(m.ents), x.name, p.name)
	m.logf("derive %s", x.name)
	m.add(x)
	m.counts.derived++
	if wasDone && x.ctx.Err() == nil {
		m.failf("%s: made from a done context, but is not done", x.name)
	}
	m.setDeadline(x, p, t0, t1, d)
}

type modelKey struct{}

// setDeadline works out the deadline of x, made from p in [t0, t1] with
// timeout d (0: none), as context.WithDeadline does: the parent's if it is
// no later, and then no timer of its own. A tie with the parent's deadline
// is possible only if the parent's lies in the window; then either timer
// may fire first, and the model says so by giving x a timer too.
func (m *model) setDeadline(x, p *ent, t0, t1 time.Time, d time.Duration) {
	if p != nil {
		x.dl, x.hasDl = p.ctx.Deadline()
	}
	if d > 0 {
		got, _ := x.ctx.Deadline()
		switch {
		case x.hasDl && got.Equal(x.dl):
			x.timed = !x.dl.Before(t0.Add(d)) && !x.dl.After(t1.Add(d))
		case got.Before(t0.Add(d)) || got.After(t1.Add(d)) || (x.hasDl && got.After(x.dl)):
			m.failf("%s: Deadline %.3fms, want in [%.3f, %.3f]ms and no later than the parent's",
				x.name, m.ms(got), m.ms(t0.Add(d)), m.ms(t1.Add(d)))
		default:
			x.dl, x.hasDl, x.timed = got, true, true
		}
		if x.timed {
			x.events = append(x.events, &event{owner: x, fire: true, lo: x.dl, late: true})
		}
	}
	m.checkDeadline(x)
}

func (m *model) checkDeadline(x *ent) {
	got, ok := x.ctx.Deadline()
	if ok != x.hasDl || !got.Equal(x.dl) {
		m.failf("%s: Deadline() = %.3fms, %v; want %.3fms, %v", x.name, m.ms(got), ok, m.ms(x.dl), x.hasDl)
	}
	if From := ctxtree.From(x.ctx); From != x.owner {
		m.failf("%s: From = %v, want %v", x.name, From, x.owner)
	}
}

// cancelNode calls x's Cancel, with a cause or nil; a second call must
// change nothing.
func (m *model) cancelNode(x *ent) {
	if x.canceled {
		m.logf("%s.Cancel again: no effect", x.name)
		x.node.Cancel(errors.New("ignored"))
		return
	}
	if m.rng.IntN(2) == 0 {
		x.given = errors.New("stop " + x.name)
	}
	m.logf("%s.Cancel(%v)", x.name, x.given)
	m.cancelAll([]*ent{x})
}

// cancelOther calls the cancel function of a base or derived context.
func (m *model) cancelOther() {
	var can []*ent
	for _, x := range m.ents {
		if x.kind != kindNode && x.cancel != nil && !x.canceled {
			can = append(can, x)
		}
	}
	if len(can) > 0 {
		x := can[m.rng.IntN(len(can))]
		m.logf("cancel %s", x.name)
		m.cancelAll([]*ent{x})
	}
}

// race calls two or three cancel functions at once, each on a goroutine of
// its own: every one of them may take effect first.
func (m *model) race() {
	var can []*ent
	for _, x := range m.ents {
		if x.cancel != nil && !x.canceled {
			can = append(can, x)
		}
	}
	m.rng.Shuffle(len(can), func(i, j int) { can[i], can[j] = can[j], can[i] })
	can = can[:min(len(can), 2+m.rng.IntN(2))]
	var names []string
	for _, x := range can {
		if x.kind == kindNode && m.rng.IntN(2) == 0 {
			x.given = errors.New("stop " + x.name)
		}
		names = append(names, x.name)
	}
	m.logf("race: cancel %s at once", strings.Join(names, ", "))
	m.cancelAll(can)
	m.counts.races++
}

// cancelAll calls the cancel functions of xs, at once if there are
// several, and records the window in which each took effect.
func (m *model) cancelAll(xs []*ent) {
	t0 := time.Now()
	if len(xs) == 1 {
		xs[0].cancel()
	} else {
		var wg sync.WaitGroup
		for _, x := range xs {
			wg.Go(x.cancel)
		}
		wg.Wait()
	}
	t1 := time.Now()
	for _, x := range xs {
		x.canceled, x.cancelWin = true, [2]time.Time{t0, t1}
		x.events = append(x.events, &event{owner: x, lo: t0, hi: t1})
		m.counts.cancels++
	}
}

// views returns the events on x's path from the top, as x sees them.
func (m *model) views(x *ent) []view {
	var vs []view
	open, masked, timed := false, false, false
	for y := x; y != nil; y = y.parent {
		timed = timed || (y.kind == kindNode && y.timed)
		for _, e := range y.events {
			vs = append(vs, view{e, open || e.late, masked})
		}
		switch {
		case y.kind == kindForeign:
			// The standard library follows it from a goroutine, and
			// context.Cause finds no cause behind it; its own Err is
			// its parent's at once.
			masked, open = true, open || y != x
		case y.kind == kindNode && y.node.Parent() == nil:
			// Timed nodes hear of an ending above their root from a
			// goroutine (context.AfterFunc), and so does what hangs from
			// them.
			open = open || timed
		}
	}
	return vs
}

// matches reports whether an ending by v gives x exactly err and cause.
func (v view) matches(err, cause error) bool {
	if err != v.errWant() {
		return false
	}
	o := v.owner
	switch {
	case v.masked:
		return cause == v.errWant()
	case o.kind == kindNode && v.fire:
		de, ok := cause.(*ctxtree.DeadlineError)
		return ok && de.Node() == o.node
	case o.kind == kindNode:
		ce, ok := cause.(*ctxtree.CancelError)
		return ok && ce.Node() == o.node
	case v.fire:
		return cause == context.DeadlineExceeded
	}
	return cause == o.cancelCause
}

func (m *model) observeAll() {
	for _, x := range m.ents {
		m.observe(x)
	}
}

// observe reads x's Err and Cause and checks them against the model.
func (m *model) observe(x *ent) {
	t0 := time.Now()
	err := x.ctx.Err()
	cause := context.Cause(x.ctx)
	t1 := time.Now()
	views := m.views(x)
	if err == nil {
		if !x.doneBy.IsZero() {
			m.failf("%s: running, after it was seen done with %v", x.name, x.cause)
		}
		for _, v := range views {
			if !v.open && v.hi.Before(t0) {
				m.failf("%s: still running at %.3fms, although %s ended it by %.3fms", x.name, m.ms(t0), m.describe(v), m.ms(v.hi))
			}
		}
		return
	}
	if !x.doneBy.IsZero() {
		if err != x.err || cause != x.cause {
			m.failf("%s: Err %v, Cause %v; it was %v, %v", x.name, err, cause, x.err, x.cause)
		}
		return
	}
	x.doneBy, x.err, x.cause = t1, err, cause
	m.checkCause(x, views)
	if m.failed.Load() {
		return
	}
	own := m.checkInherited(x)
	if x.kind == kindNode && !x.counted {
		x.counted = true
		if !own {
			m.counts.inherited++
		} else if _, ok := cause.(*ctxtree.DeadlineError); ok {
			m.counts.fired++
		}
		if own {
			m.checkNodeCause(x)
		}
	}
}

// checkCause checks that x's cause is that of an event on its path which
// began before x was seen done and which no other event surely preceded.
func (m *model) checkCause(x *ent, views []view) {
	var cands []string
	for _, v := range views {
		if v.lo.After(x.doneBy) || surelyAfterAnother(v, views) {
			continue
		}
		if v.matches(x.err, x.cause) {
			return
		}
		cands = append(cands, m.describe(v))
	}
	m.failf("%s: done by %.3fms with Err %v, Cause %v; the model allows only: %s",
		x.name, m.ms(x.doneBy), x.err, x.cause, strings.Join(cands, "; "))
}

// surelyAfterAnother reports whether some other event on the path surely
// took effect before v could.
func surelyAfterAnother(v view, views []view) bool {
	for _, w := range views {
		if w.event != v.event && !w.open && w.hi.Before(v.lo) {
			return true
		}
	}
	return false
}

func (m *model) describe(v view) string {
	what := "cancel"
	if v.fire {
		what = "deadline"
	}
	hi := "open"
	if !v.open {
		hi = fmt.Sprintf("%.3fms", m.ms(v.hi))
	}
	return fmt.Sprintf("%s of %s [%.3fms, %s] masked=%v", what, v.owner.name, m.ms(v.lo), hi, v.masked)
}

// checkInherited checks that x, if not ended by an event of its own, has
// its parent's Err and cause (a foreign context: its parent's Err as
// cause), and reports whether the ending was x's own.
func (m *model) checkInherited(x *ent) bool {
	for _, e := range x.events {
		if (view{event: e}).matches(x.err, x.cause) {
			return true
		}
	}
	p := x.parent
	if p == nil {
		m.failf("%s: done with %v, but it has no ending of its own and no parent", x.name, x.cause)
		return false
	}
	perr, pcause := p.ctx.Err(), context.Cause(p.ctx)
	if x.kind == kindForeign {
		pcause = perr
	}
	if perr == nil || x.err != perr || x.cause != pcause {
		m.failf("%s: Err %v, Cause %v, not its own; its parent %s has %v, %v", x.name, x.err, x.cause, p.name, perr, pcause)
	}
	return false
}

// checkNodeCause checks what a node's own cause says.
func (m *model) checkNodeCause(x *ent) {
	switch c := x.cause.(type) {
	case *ctxtree.CancelError:
		want := "ctxtree: " + fmt.Sprintf("%q", x.path) + " finished"
		if x.given != nil {
			want = "ctxtree: " + fmt.Sprintf("%q", x.path) + " canceled: " + x.given.Error()
		}
		if c.Error() != want || c.Finished() != (x.given == nil) || !errors.Is(c, context.Canceled) ||
			(x.given != nil && !errors.Is(c, x.given)) {
			m.failf("%s: cause %q (finished %v), want %q", x.name, c.Error(), c.Finished(), want)
		}
	case *ctxtree.DeadlineError:
		want := fmt.Sprintf("ctxtree: %q exceeded its %v budget by %v", x.path, x.snap.Budget, c.Overrun())
		if c.Error() != want || c.Overrun() < 0 || !c.Deadline().Equal(x.dl) || !errors.Is(c, context.DeadlineExceeded) {
			m.failf("%s: cause %q, overrun %v, deadline %.3fms; want %q, deadline %.3fms",
				x.name, c.Error(), c.Overrun(), m.ms(c.Deadline()), want, m.ms(x.dl))
		}
	}
}

// stateOf is the state a snapshot must report for x, which is done.
func (m *model) stateOf(x *ent) ctxtree.State {
	switch c := x.cause.(type) {
	case *ctxtree.CancelError:
		if c.Node() == x.node && c.Finished() {
			return ctxtree.Finished
		} else if c.Node() == x.node {
			return ctxtree.Canceled
		}
	case *ctxtree.DeadlineError:
		if c.Node() == x.node {
			return ctxtree.DeadlineExceeded
		}
	}
	return ctxtree.CanceledByAncestor
}

func (m *model) snapshot(x *ent) {
	m.logf("%s.Snapshot", x.name)
	t0 := time.Now()
	s := x.node.Snapshot()
	t1 := time.Now()
	m.counts.snapshots++
	m.checkSnapshot(x, s, t0, t1, true)
	checkRenderings(m, s)
}

// checkSnapshot checks a snapshot of x taken in [t0, t1] against the model.
func (m *model) checkSnapshot(x *ent, s ctxtree.Snapshot, t0, t1 time.Time, top bool) {
	w := x.snap
	if s.Name != x.name || s.Budget != w.Budget || s.Fraction != w.Fraction || s.Clamped != w.Clamped ||
		!s.Start.Equal(w.Start) || !s.Deadline.Equal(w.Deadline) {
		m.failf("%s: snapshot %+v, want the fields it was made with %+v", x.name, s, w)
	}
	if s.Cause == nil {
		if s.State != ctxtree.Running || (!x.doneBy.IsZero() && x.doneBy.Before(t0)) {
			m.failf("%s: snapshot says %v without a cause; seen done by %.3fms", x.name, s.State, m.ms(x.doneBy))
		}
		for _, v := range m.views(x) {
			if !v.open && v.hi.Before(t0) {
				m.failf("%s: snapshot says running, although %s ended it", x.name, m.describe(v))
			}
		}
	} else if m.observe(x); x.doneBy.IsZero() || s.Cause != x.cause || s.State != m.stateOf(x) {
		m.failf("%s: snapshot says %v with %v; the context says %v (done: %v)", x.name, s.State, s.Cause, x.cause, !x.doneBy.IsZero())
	}
	m.checkSnapshotTimes(x, s, t0, t1, top)
	if len(s.Children) != len(x.kids) {
		m.failf("%s: snapshot has %d children, want %d", x.name, len(s.Children), len(x.kids))
		return
	}
	for i, c := range s.Children {
		m.checkSnapshot(x.kids[i], c, t0, t1, false)
	}
}

// checkSnapshotTimes checks End, Elapsed, Remaining and Leaked.
func (m *model) checkSnapshotTimes(x *ent, s ctxtree.Snapshot, t0, t1 time.Time, top bool) {
	if x.canceled == s.End.IsZero() || (x.canceled && (s.End.Before(x.cancelWin[0]) || s.End.After(x.cancelWin[1]))) {
		m.failf("%s: End %.3fms, want within its Cancel [%.3f, %.3f]ms (called: %v)",
			x.name, m.ms(s.End), m.ms(x.cancelWin[0]), m.ms(x.cancelWin[1]), x.canceled)
	}
	if x.canceled && s.Elapsed != s.End.Sub(s.Start) || !x.canceled && (s.Elapsed < t0.Sub(s.Start) || s.Elapsed > t1.Sub(s.Start)) {
		m.failf("%s: Elapsed %v", x.name, s.Elapsed)
	}
	lo, hi := time.Duration(0), time.Duration(0)
	if s.State == ctxtree.Running && x.hasDl {
		lo, hi = max(0, x.dl.Sub(t1)), max(0, x.dl.Sub(t0))
	}
	if s.Remaining < lo || s.Remaining > hi {
		m.failf("%s: Remaining %v, want %v to %v", x.name, s.Remaining, lo, hi)
	}
	if leaked := !top && x.parent.canceled && !x.canceled; s.Leaked != leaked {
		m.failf("%s: Leaked %v, want %v", x.name, s.Leaked, leaked)
	}
}

// checkRenderings checks that String has a line per node and per cause,
// with the nodes in order, and that Mermaid and DOT have a box per node and
// an edge per child.
func checkRenderings(m *model, s ctxtree.Snapshot) {
	var names []string
	causes := 0
	s.Walk(func(_ int, x ctxtree.Snapshot) bool {
		names = append(names, fmt.Sprintf("%q ", x.Name))
		if x.Cause != nil {
			causes++
		}
		return true
	})
	lines := strings.Split(strings.TrimSuffix(s.String(), "\n"), "\n")
	i := 0
	for _, l := range lines {
		if i < len(names) && strings.Contains(l, names[i]) {
			i++
		}
	}
	n := len(names)
	mmd, dot := s.Mermaid(), s.DOT()
	if len(lines) != n+causes || i != n ||
		strings.Count(mmd, `["`) != n || strings.Count(mmd, " --> ") != n-1 ||
		strings.Count(dot, " [label=") != n || strings.Count(dot, " -> ") != n-1 {
		m.failf("renderings of %d nodes with %d causes:\n%s\n%s\n%s", n, causes, s.String(), mmd, dot)
	}
}

// snapshotter takes snapshots of random trees while the sequence runs and
// checks each is consistent in itself.
func (m *model) snapshotter(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(200 * time.Microsecond):
		}
		m.mu.Lock()
		roots := m.roots
		m.mu.Unlock()
		if len(roots) > 0 {
			checkConsistentState(m, roots[rand.IntN(len(roots))].node.Snapshot())
			m.counts.bgSnapshots.Add(1)
		}
	}
}

// checkConsistentState checks that each node's state matches its cause,
// and that a node canceled by an ancestor has its parent's cause.
func checkConsistentState(m *model, s ctxtree.Snapshot) {
	want := ctxtree.CanceledByAncestor
	switch c := s.Cause.(type) {
	case nil:
		want = ctxtree.Running
	case *ctxtree.CancelError:
		if c.Node().Name() == s.Name && c.Finished() {
			want = ctxtree.Finished
		} else if c.Node().Name() == s.Name {
			want = ctxtree.Canceled
		}
	case *ctxtree.DeadlineError:
		if c.Node().Name() == s.Name {
			want = ctxtree.DeadlineExceeded
		}
	}
	if s.State != want {
		m.failf("concurrent snapshot: %s is %v with cause %v, want %v", s.Name, s.State, s.Cause, want)
	}
	for _, c := range s.Children {
		if c.State == ctxtree.CanceledByAncestor && (s.State == ctxtree.Running || c.Cause != s.Cause) {
			m.failf("concurrent snapshot: %s canceled by ancestor with %v, its parent %s is %v with %v",
				c.Name, c.Cause, s.Name, s.State, s.Cause)
		}
		checkConsistentState(m, c)
	}
}

// finish cancels every root and checks that every node and derived context
// is done at once, that no node's timer is still armed, that no goroutine
// is left once the snapshotter has stopped, and the final snapshots.
func (m *model) finish(stopSnapshotter func()) {
	if m.rng.IntN(2) == 0 {
		m.logf("sleep 7ms: let short budgets run out")
		time.Sleep(7 * time.Millisecond)
		m.observeAll()
	}
	m.settle()
	roots := append([]*ent(nil), m.roots...)
	m.rng.Shuffle(len(roots), func(i, j int) { roots[i], roots[j] = roots[j], roots[i] })
	for _, r := range roots {
		if !r.canceled {
			m.logf("%s.Cancel(nil): end the tree", r.name)
			m.cancelAll([]*ent{r})
		}
		for _, x := range m.ents {
			if x.kind >= kindNode && rootOf(x) == r && x.ctx.Err() == nil {
				m.failf("%s: running after its root %s was canceled", x.name, r.name)
			}
		}
	}
	m.observeAll()
	for _, x := range m.nodes {
		if ctxtree.StopArmedTimer(x.node) {
			m.failf("%s: its timer is still armed after its tree ended", x.name)
		}
	}
	stopSnapshotter()
	if err := goleak.Find(); err != nil {
		m.failf("goroutines outlive the trees: %v", err)
	}
	for _, r := range m.roots {
		t0 := time.Now()
		s := r.node.Snapshot()
		m.checkSnapshot(r, s, t0, time.Now(), true)
	}
}

// settle waits until every context that an event on its path must end
// has ended: a cancel that reaches it from a goroutine, or a deadline that
// has passed. It fails after a generous bound, which only a lost ending
// reaches.
func (m *model) settle() {
	const bound = 10 * time.Second
	now := time.Now()
	for _, x := range m.ents {
		for _, v := range m.views(x) {
			if v.lo.After(now) {
				continue
			}
			for end := time.Now().Add(bound); x.ctx.Err() == nil; time.Sleep(100 * time.Microsecond) {
				if time.Now().After(end) {
					m.failf("%s: still running %v after %s", x.name, bound, m.describe(v))
					return
				}
			}
			break
		}
	}
	m.observeAll()
}

// rootOf returns the root of the tree x belongs to, or nil for a base.
func rootOf(x *ent) *ent {
	for y := x; y != nil && y.kind >= kindNode; y = y.parent {
		if y.kind == kindNode && y.node.Parent() == nil {
			return y
		}
	}
	return nil
}

// cleanup calls every cancel function not yet called.
func (m *model) cleanup() {
	for _, x := range m.ents {
		if x.cancel != nil && !x.canceled {
			x.cancel()
		}
	}
}
