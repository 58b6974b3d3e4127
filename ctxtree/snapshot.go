package ctxtree

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// State is how far a node's work has got, as [Node.Snapshot] reports it.
type State uint8

const (
	// Running: the node's context is not done.
	Running State = iota
	// Finished: Cancel(nil) ended the node; the work finished normally.
	Finished
	// Canceled: Cancel with a non-nil cause ended the node.
	Canceled
	// CanceledByAncestor: the context was done because an ancestor node, or
	// the context the root was made from, was canceled or ran out of time.
	// The cause names the ancestor.
	CanceledByAncestor
	// DeadlineExceeded: the node's own budget ran out; the cause is a
	// [*DeadlineError] naming it.
	DeadlineExceeded
)

var stateNames = [...]string{
	Running:            "running",
	Finished:           "finished",
	Canceled:           "canceled",
	CanceledByAncestor: "canceled by ancestor",
	DeadlineExceeded:   "deadline exceeded",
}

// String returns the state in words, such as "deadline exceeded".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// A Snapshot is a copy of a node and its descendants at one moment. Times
// are by the tree's clock (see [WithClock]).
type Snapshot struct {
	Name     string
	State    State
	Cause    error         // context.Cause of the node's context; nil while Running
	Budget   time.Duration // as requested (for ChildFraction, computed); 0: none
	Fraction float64       // the fraction given to ChildFraction; 0 otherwise
	Clamped  bool          // Budget was more than the parent had left
	Start    time.Time     // when the node was created
	Deadline time.Time     // own or inherited; zero if none
	End      time.Time     // when Cancel was first called; zero if it has not been
	Elapsed  time.Duration // from Start to End, or to the moment of the snapshot
	// Remaining is the time from the snapshot to Deadline while the node is
	// Running and has a deadline that has not passed, and 0 otherwise.
	Remaining time.Duration
	// Leaked reports that the node's parent has ended (its Cancel was
	// called) while the node's own Cancel has not been: the work was
	// abandoned without being told, or told and never confirmed. This is
	// what go vet's lostcancel check looks for statically. The node
	// Snapshot was called on is never marked, since its parent is not
	// part of the snapshot.
	Leaked   bool
	Children []Snapshot
}

// Snapshot returns a copy of the state of n and all its descendants.
//
// It may be called concurrently with Child, Cancel and deadlines firing,
// and the copy is consistent: a node reported CanceledByAncestor has
// ancestors reported done, and a node reported Leaked had not been ended
// when its parent's end was observed. Each node's lock is held only while
// its own fields are copied, so a snapshot never blocks the tree's work for
// long.
func (n *Node) Snapshot() Snapshot {
	return n.snapshot(n.now(), false)
}

// snapshot reads n's Cancel record and list of children before visiting
// them (pre-order) and n's context state after (post-order). Cancel records
// itself before it cancels, and a child's Cancel precedes its parent's in
// correct code, so the pre-order read never reports a spurious leak;
// cancellation spreads from parent to child, so the post-order read never
// reports a child canceled by an ancestor that looks alive.
func (n *Node) snapshot(now time.Time, parentEnded bool) Snapshot {
	n.mu.Lock()
	ended, endOff := n.ended, n.endOff
	first, kids := n.first, n.kids
	n.mu.Unlock()

	s := Snapshot{
		Name:     n.name,
		Budget:   n.budget,
		Fraction: n.fraction,
		Clamped:  n.clamped,
		Start:    n.start,
		Deadline: n.deadline(),
	}
	if kids > 0 {
		// The first kids children were linked before n.mu was released
		// above; a later child may be linking itself to the last of them
		// now, so that one's next is not read.
		s.Children = make([]Snapshot, kids)
		c := first
		for i := range kids {
			if i > 0 {
				c = c.next
			}
			s.Children[i] = c.snapshot(now, ended)
		}
	}

	if n.ctx.Context.Err() != nil {
		s.Cause = context.Cause(n.ctx.Context)
		s.State = CanceledByAncestor
		switch c := s.Cause.(type) {
		case *CancelError:
			if c == &n.end {
				s.State = Canceled
				if c.Finished() {
					s.State = Finished
				}
				if !ended {
					n.mu.Lock()
					ended, endOff = n.ended, n.endOff
					n.mu.Unlock()
				}
			}
		case *DeadlineError:
			if c.n == n {
				s.State = DeadlineExceeded
			}
		}
	}
	if ended {
		s.End = n.start.Add(endOff)
		s.Elapsed = endOff
	} else {
		s.Elapsed = now.Sub(n.start)
	}
	if s.State == Running && n.hasDl && s.Deadline.After(now) {
		s.Remaining = s.Deadline.Sub(now)
	}
	s.Leaked = parentEnded && !ended
	return s
}

// Walk calls fn for s and each of its descendants, depth first, parents
// before children; depth is 0 for s. Walk stops early if fn returns false.
func (s Snapshot) Walk(fn func(depth int, node Snapshot) bool) {
	s.walk(0, fn)
}

func (s Snapshot) walk(depth int, fn func(int, Snapshot) bool) bool {
	if !fn(depth, s) {
		return false
	}
	for _, c := range s.Children {
		if !c.walk(depth+1, fn) {
			return false
		}
	}
	return true
}

// Leaks returns the number of nodes in s that are marked Leaked.
func (s Snapshot) Leaks() int {
	k := 0
	s.Walk(func(_ int, x Snapshot) bool {
		if x.Leaked {
			k++
		}
		return true
	})
	return k
}

// summary is the one-line description of a node shared by all renderings,
// without its name.
func (s Snapshot) summary() string {
	var b strings.Builder
	b.WriteString(s.State.String())
	switch {
	case s.Fraction > 0 && s.Budget == 0 && s.Deadline.IsZero():
		fmt.Fprintf(&b, ", %s of no budget", fraction(s.Fraction))
	case s.Fraction > 0:
		fmt.Fprintf(&b, ", budget %v (%s of parent's remaining)", s.Budget, fraction(s.Fraction))
	case s.Budget > 0 && s.Clamped:
		fmt.Fprintf(&b, ", budget %v clamped to %v", s.Budget, s.Deadline.Sub(s.Start))
	case s.Budget > 0:
		fmt.Fprintf(&b, ", budget %v", s.Budget)
	case !s.Deadline.IsZero():
		fmt.Fprintf(&b, ", inherited deadline in %v", s.Deadline.Sub(s.Start))
	default:
		b.WriteString(", no budget")
	}
	fmt.Fprintf(&b, ", elapsed %v", s.Elapsed)
	if s.Remaining > 0 {
		fmt.Fprintf(&b, ", remaining %v", s.Remaining)
	}
	if s.Leaked {
		b.WriteString(", LEAKED")
	}
	return b.String()
}

func fraction(f float64) string {
	return strconv.FormatFloat(f*100, 'g', 4, 64) + "%"
}

// String renders s as an indented tree for terminals and logs, one node per
// line:
//
//	"http" finished, budget 200ms, elapsed 120ms
//	├── "cache" deadline exceeded, budget 50ms, elapsed 50ms
//	│       cause: ctxtree: "http/cache" exceeded its 50ms budget by 0s
//	└── "db" running, budget 150ms, elapsed 120ms, remaining 30ms, LEAKED
func (s Snapshot) String() string {
	var b strings.Builder
	s.text(&b, "", "")
	return b.String()
}

func (s Snapshot) text(b *strings.Builder, first, rest string) {
	b.WriteString(first)
	b.WriteString(strconv.Quote(s.Name))
	b.WriteByte(' ')
	b.WriteString(s.summary())
	b.WriteByte('\n')
	if s.Cause != nil {
		pad := "    "
		if len(s.Children) > 0 {
			pad = "│   "
		}
		b.WriteString(rest)
		b.WriteString(pad)
		b.WriteString("cause: ")
		b.WriteString(oneLine(s.Cause.Error()))
		b.WriteByte('\n')
	}
	for i, c := range s.Children {
		if i == len(s.Children)-1 {
			c.text(b, rest+"└── ", rest+"    ")
		} else {
			c.text(b, rest+"├── ", rest+"│   ")
		}
	}
}

func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// stateClass names the Mermaid class and the DOT colour of a state.
var stateStyle = [...]struct{ class, fill string }{
	Running:            {"running", "#dbeafe"},
	Finished:           {"finished", "#dcfce7"},
	Canceled:           {"canceled", "#fef9c3"},
	CanceledByAncestor: {"inherited", "#e5e7eb"},
	DeadlineExceeded:   {"deadline", "#fee2e2"},
}

func (s State) style() (class, fill string) {
	if int(s) < len(stateStyle) {
		return stateStyle[s].class, stateStyle[s].fill
	}
	return "running", "#ffffff"
}

// Mermaid renders s as a Mermaid flowchart ("graph TD"), one box per node
// coloured by state; leaked nodes get a thick red border. Paste it into a
// Markdown file on GitHub or into mermaid.live to see it.
func (s Snapshot) Mermaid() string {
	var b strings.Builder
	b.WriteString("graph TD\n")
	var edges, classes strings.Builder
	id := 0
	var visit func(s Snapshot)
	visit = func(s Snapshot) {
		me := id
		id++
		label := mermaidEscape(s.Name) + "<br/>" + mermaidEscape(s.summary())
		if s.Cause != nil {
			label += "<br/>" + mermaidEscape(s.Cause.Error())
		}
		fmt.Fprintf(&b, "    n%d[\"%s\"]\n", me, label)
		class, _ := s.State.style()
		if s.Leaked {
			class += ",leaked"
		}
		fmt.Fprintf(&classes, "    class n%d %s\n", me, class)
		for _, c := range s.Children {
			fmt.Fprintf(&edges, "    n%d --> n%d\n", me, id)
			visit(c)
		}
	}
	visit(s)
	b.WriteString(edges.String())
	b.WriteString(classes.String())
	for st := Running; st <= DeadlineExceeded; st++ {
		class, fill := st.style()
		fmt.Fprintf(&b, "    classDef %s fill:%s,stroke:#374151\n", class, fill)
	}
	b.WriteString("    classDef leaked stroke:#dc2626,stroke-width:3px\n")
	return b.String()
}

// mermaidEscape makes s safe inside a quoted Mermaid label, using Mermaid's
// #name; entity codes.
func mermaidEscape(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		switch r {
		case '"':
			b.WriteString("#quot;")
		case '#':
			b.WriteString("#35;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '&':
			b.WriteString("#amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DOT renders s as a Graphviz digraph, one box per node filled by state;
// leaked nodes get a thick red border. Render it with dot -Tsvg.
func (s Snapshot) DOT() string {
	var b strings.Builder
	b.WriteString("digraph ctxtree {\n")
	b.WriteString("    node [shape=box, style=filled, fontname=\"Helvetica\"];\n")
	var edges strings.Builder
	id := 0
	var visit func(s Snapshot)
	visit = func(s Snapshot) {
		me := id
		id++
		label := dotEscape(s.Name) + "\\n" + dotEscape(s.summary())
		if s.Cause != nil {
			label += "\\n" + dotEscape(s.Cause.Error())
		}
		_, fill := s.State.style()
		extra := ""
		if s.Leaked {
			extra = ", color=\"#dc2626\", penwidth=3"
		}
		fmt.Fprintf(&b, "    n%d [label=\"%s\", fillcolor=\"%s\"%s];\n", me, label, fill, extra)
		for _, c := range s.Children {
			fmt.Fprintf(&edges, "    n%d -> n%d;\n", me, id)
			visit(c)
		}
	}
	visit(s)
	b.WriteString(edges.String())
	b.WriteString("}\n")
	return b.String()
}

// dotEscape makes s safe inside a double-quoted DOT string.
func dotEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}
