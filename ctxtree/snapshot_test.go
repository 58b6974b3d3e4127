package ctxtree_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenTree builds the same tree every time, with every state and the
// markings a snapshot can show, on a fake clock.
func goldenTree(t *testing.T) (*ctxtree.Node, func()) {
	t.Helper()
	clk := newFakeClock()
	root := ctxtree.New(context.Background(), "http", hour, ctxtree.WithClock(clk.Now))
	clk.Advance(2 * time.Minute)
	auth := root.Child("auth", 10*time.Minute)
	clk.Advance(3 * time.Minute)
	auth.Cancel(nil)

	// The cache's budget runs out for real while the clock stands still,
	// so its overrun, by the clock, is 0.
	cache := root.Child("cache", time.Millisecond)
	<-cache.Context().Done()
	clk.Advance(4 * time.Minute)
	cache.Cancel(nil)

	db := root.Child("db", 2*hour) // clamped
	render := root.ChildFraction(`render "html"`, 0.25)

	search := root.Child("search", 0)
	shard := search.Child("shard-1", 30*time.Minute)
	clk.Advance(5 * time.Minute)
	search.Cancel(errors.New("client went away"))

	log := root.Child("log", 0)
	audit := log.Child("audit", 0) // never canceled: leaked when log ends
	clk.Advance(6 * time.Minute)
	log.Cancel(nil)
	clk.Advance(7 * time.Minute)
	return root, func() {
		shard.Cancel(nil)
		audit.Cancel(nil)
		render.Cancel(nil)
		db.Cancel(nil)
		root.Cancel(nil)
	}
}

func TestSnapshot_RenderingsMatchGoldenFiles(t *testing.T) {
	root, done := goldenTree(t)
	defer done()
	s := root.Snapshot()
	for _, tc := range []struct {
		file string
		got  string
	}{
		{"tree.txt.golden", s.String()},
		{"tree.mmd.golden", s.Mermaid()},
		{"tree.dot.golden", s.DOT()},
	} {
		path := filepath.Join("testdata", tc.file)
		if *update {
			if err := os.WriteFile(path, []byte(tc.got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run Golden -update to create it)", err)
		}
		if tc.got != string(want) {
			t.Errorf("%s differs from the rendering; got:\n%s\nwant:\n%s", path, tc.got, want)
		}
	}
}

func TestSnapshot_ReportsEveryField(t *testing.T) {
	root, done := goldenTree(t)
	defer done()
	s := root.Snapshot()
	byName := map[string]ctxtree.Snapshot{}
	s.Walk(func(_ int, x ctxtree.Snapshot) bool { byName[x.Name] = x; return true })

	want := map[string]ctxtree.State{
		"http": ctxtree.Running, "auth": ctxtree.Finished, "cache": ctxtree.DeadlineExceeded,
		"db": ctxtree.Running, `render "html"`: ctxtree.Running, "search": ctxtree.Canceled,
		"shard-1": ctxtree.CanceledByAncestor, "log": ctxtree.Finished, "audit": ctxtree.CanceledByAncestor,
	}
	for name, st := range want {
		if byName[name].State != st {
			t.Errorf("%s: state %v, want %v", name, byName[name].State, st)
		}
	}
	h := byName["http"]
	if h.Elapsed != 27*time.Minute || h.Remaining != 33*time.Minute || h.Cause != nil || !h.End.IsZero() {
		t.Errorf("http: %+v", h)
	}
	a := byName["auth"]
	if a.Elapsed != 3*time.Minute || a.End.Sub(a.Start) != 3*time.Minute || a.Remaining != 0 {
		t.Errorf("auth: elapsed %v end-start %v remaining %v", a.Elapsed, a.End.Sub(a.Start), a.Remaining)
	}
	if c := byName["cache"]; c.Deadline.Sub(c.Start) != time.Millisecond || c.Elapsed != 4*time.Minute {
		t.Errorf("cache: %+v", c)
	}
	if r := byName[`render "html"`]; r.Budget != 12*time.Minute+45*time.Second || r.Fraction != 0.25 {
		t.Errorf("render: budget %v fraction %v, want a quarter of 51m", r.Budget, r.Fraction)
	}
	if !byName["db"].Clamped || !byName["audit"].Leaked || !byName["shard-1"].Leaked || byName["db"].Leaked {
		t.Errorf("db clamped %v leaked %v, audit leaked %v, shard-1 leaked %v",
			byName["db"].Clamped, byName["db"].Leaked, byName["audit"].Leaked, byName["shard-1"].Leaked)
	}
	if s.Leaks() != 2 {
		t.Errorf("Leaks() = %d, want 2 (shard-1 and audit)", s.Leaks())
	}
}

func TestLeak_MarkedOnlyWhileParentEndedAndChildNot(t *testing.T) {
	root := ctxtree.New(context.Background(), "root", 0)
	defer root.Cancel(nil)
	parent := root.Child("parent", 0)
	good := parent.Child("good", 0)
	lost := parent.Child("lost", 0)
	if n := root.Snapshot().Leaks(); n != 0 {
		t.Fatalf("%d leaks while everything runs", n)
	}
	good.Cancel(nil)
	parent.Cancel(nil)
	s := root.Snapshot().Children[0]
	if s.Children[0].Leaked || !s.Children[1].Leaked {
		t.Errorf("good leaked %v, lost leaked %v; want false, true", s.Children[0].Leaked, s.Children[1].Leaked)
	}
	lost.Cancel(nil)
	if n := root.Snapshot().Leaks(); n != 0 {
		t.Errorf("%d leaks after the lost child was canceled", n)
	}
}

// TestSnapshot_ConsistentUnderConcurrentCancel takes snapshots while
// workers build, cancel and let deadlines fire in a tree, and checks in every
// snapshot that a node canceled by an ancestor has a parent that is done, and
// that no node is marked leaked (every worker cancels children before their
// parent).
func TestSnapshot_ConsistentUnderConcurrentCancel(t *testing.T) {
	rounds, width := 20, 8
	if raceEnabled {
		rounds, width = 6, 5
	}
	for range rounds {
		root := ctxtree.New(context.Background(), "root", 0)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		var snapWG sync.WaitGroup
		snapWG.Go(func() {
			for {
				checkConsistent(t, root.Snapshot())
				select {
				case <-stop:
					return
				default:
				}
			}
		})
		for i := range width {
			wg.Go(func() {
				mid := root.Child("mid", time.Duration(i%3)*time.Millisecond)
				var inner sync.WaitGroup
				for j := range width {
					leaf := mid.Child("leaf", time.Duration(j%4)*500*time.Microsecond)
					inner.Go(func() {
						defer leaf.Cancel(nil)
						if j%2 == 0 {
							leaf.Cancel(errors.New("abandoned"))
						}
						select {
						case <-leaf.Context().Done():
						case <-time.After(time.Duration(j) * 100 * time.Microsecond):
						}
					})
				}
				inner.Wait()
				mid.Cancel(nil)
			})
		}
		wg.Wait()
		root.Cancel(nil)
		close(stop)
		snapWG.Wait()

		final := root.Snapshot()
		checkConsistent(t, final)
		final.Walk(func(_ int, x ctxtree.Snapshot) bool {
			if x.State == ctxtree.Running || x.End.IsZero() {
				t.Errorf("after the run %q is %v with end %v", x.Name, x.State, x.End)
			}
			return true
		})
		if n := countNodes(final); n != 1+width+width*width {
			t.Errorf("final snapshot has %d nodes, want %d", n, 1+width+width*width)
		}
	}
}

func checkConsistent(t *testing.T, s ctxtree.Snapshot) {
	t.Helper()
	var visit func(x ctxtree.Snapshot)
	visit = func(x ctxtree.Snapshot) {
		if x.Leaked {
			t.Errorf("%q marked leaked although every child ends before its parent", x.Name)
		}
		if (x.State == ctxtree.Running) != (x.Cause == nil) {
			t.Errorf("%q: state %v with cause %v", x.Name, x.State, x.Cause)
		}
		for _, c := range x.Children {
			if c.State == ctxtree.CanceledByAncestor && x.State == ctxtree.Running {
				t.Errorf("%q canceled by ancestor while its parent %q is running", c.Name, x.Name)
			}
			visit(c)
		}
	}
	visit(s)
}

func countNodes(s ctxtree.Snapshot) int {
	n := 0
	s.Walk(func(int, ctxtree.Snapshot) bool { n++; return true })
	return n
}

func TestRenderings_EscapeHostileNames(t *testing.T) {
	root := ctxtree.New(context.Background(), "a\nb\"c<d>#&\\", 0)
	defer root.Cancel(nil)
	child := root.Child("]\"] --> x", 0)
	defer child.Cancel(nil)
	s := root.Snapshot()

	dot := s.DOT()
	if n := strings.Count(dot, "\n"); n != 6 { // header, node style, 2 nodes, 1 edge, }
		t.Errorf("DOT has %d lines, want 6:\n%s", n, dot)
	}
	if !strings.Contains(dot, `label="a\nb\"c<d>#&\\\n`) {
		t.Errorf("DOT label not escaped:\n%s", dot)
	}
	mmd := s.Mermaid()
	if !strings.Contains(mmd, `n0["a b#quot;c#lt;d#gt;#35;#amp;\<br/>`) ||
		!strings.Contains(mmd, `n1["]#quot;] --#gt; x<br/>`) {
		t.Errorf("Mermaid label not escaped:\n%s", mmd)
	}
	if txt := s.String(); strings.Count(txt, "\n") != 2 || !strings.Contains(txt, `"a\nb\"c<d>#&\\"`) {
		t.Errorf("String not one line per node:\n%s", txt)
	}
}
