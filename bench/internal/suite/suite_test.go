package suite_test

import (
	"regexp"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/gmpkit/gmpkit/bench/internal/suite"
	"github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func TestMain(m *testing.M) {
	workloads.ReleasePeerGlobals()
	goleak.VerifyTestMain(m)
}

// element is one name element benchstat splits on: key=value, no spaces.
var element = regexp.MustCompile(`^[a-z]+=[A-Za-z0-9.\-]+$`)

func TestCases_NamesAreUniqueAndPivotOnImpl(t *testing.T) {
	for _, mode := range []suite.Mode{suite.Tiny, suite.Quick, suite.Full} {
		seen := map[string]bool{}
		for _, st := range suite.Studies() {
			cs, err := suite.Cases(st, suite.SizesFor(mode))
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) == 0 {
				t.Errorf("%s: study %s has no cases", mode, st)
			}
			for _, c := range cs {
				if seen[c.Name()] {
					t.Errorf("%s: duplicate case %s", mode, c.Name())
				}
				seen[c.Name()] = true
				elems := regexp.MustCompile("/").Split(c.Sub, -1)
				for _, e := range elems {
					if !element.MatchString(e) {
						t.Errorf("%s: %s: element %q is not key=value", mode, c.Name(), e)
					}
				}
				if last := elems[len(elems)-1]; last != "impl="+c.Impl {
					t.Errorf("%s: %s does not end in impl=%s", mode, c.Name(), c.Impl)
				}
				if kinds := btoi(c.Setup != nil) + btoi(c.Probe != nil) + btoi(c.External != nil); c.Study != st || kinds != 1 {
					t.Errorf("%s: %s: study %q, setup %v, probe %v, external %v", mode, c.Name(), c.Study, c.Setup != nil, c.Probe != nil, c.External != nil)
				}
			}
		}
	}
}

func TestSizesFor_QuickUsesTheDocumentedSizes(t *testing.T) {
	s := suite.SizesFor(suite.Quick)
	if s.TinyTasks != 100_000 || s.FibN != 32 || !slices.Equal(s.FibCutoffs, []int{20, 12}) ||
		!slices.Equal(s.FibFine, []int{2}) || s.SortN != 1_000_000 || s.Queens != 10 || s.StealTasks != 1000 ||
		s.Tree != workloads.StudyTree || s.LoopN != 2_000_000 || !slices.Equal(s.ForkWorkers, []int{1, 2}) ||
		s.GroupTasks != 10_000 {
		t.Errorf("quick sizes %+v differ from the documented ones", s)
	}
	if f := suite.SizesFor(suite.Full); f.Count < s.Count || f.Benchtime <= s.Benchtime {
		t.Errorf("full mode (%d × %v) is not longer than quick (%d × %v)", f.Count, f.Benchtime, s.Count, s.Benchtime)
	}
}

func TestParseOnly_AcceptsKnownStudiesOnly(t *testing.T) {
	all, err := suite.ParseOnly("")
	if err != nil || !slices.Equal(all, suite.Studies()) {
		t.Errorf(`ParseOnly("") = %v, %v`, all, err)
	}
	got, err := suite.ParseOnly(" locks,chan ,locks")
	if err != nil || !slices.Equal(got, []string{"locks", "chan"}) {
		t.Errorf("ParseOnly = %v, %v; want [locks chan]", got, err)
	}
	if _, err := suite.ParseOnly("locks,bogus"); err == nil {
		t.Error("unknown study accepted")
	}
	if _, err := suite.Cases("bogus", suite.SizesFor(suite.Tiny)); err == nil {
		t.Error("Cases accepted an unknown study")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The fork-join workloads the anchors also run are measured at 1 and 2
// workers, every implementation, named workload=.../workers=N/impl=...;
// the sequential floor has no worker count.
func TestForkJoin_AnchoredWorkloadsRunAtOneAndTwoWorkers(t *testing.T) {
	s := suite.SizesFor(suite.Quick)
	cs, err := suite.Cases("forkjoin", s)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range cs {
		names[c.Sub] = true
	}
	for _, wl := range []string{suite.FibName(32, 20), suite.FibName(32, 12), suite.TreeName, suite.LoopName(2_000_000)} {
		if !names["workload="+wl+"/impl=sequential"] {
			t.Errorf("%s has no sequential case", wl)
		}
		for _, n := range []string{"1", "2"} {
			for _, impl := range suite.ForkImpls {
				if sub := "workload=" + wl + "/workers=" + n + "/impl=" + impl; !names[sub] {
					t.Errorf("missing %s", sub)
				}
			}
		}
	}
	for _, n := range []string{"1", "2"} {
		if sub := "workload=" + suite.FibName(32, 2) + "/workers=" + n + "/impl=gmpkit"; !names[sub] {
			t.Errorf("missing %s", sub)
		}
	}
	for _, impl := range workloads.GuardedPeers {
		if sub := "workload=uts/workers=2/impl=" + impl; !names[sub] {
			t.Errorf("missing the deadlock probe %s", sub)
		}
	}
	full, _ := suite.Cases("forkjoin", suite.SizesFor(suite.Full))
	if !slices.ContainsFunc(full, func(c suite.Case) bool {
		return c.Sub == "workload="+suite.FibName(32, 2)+"/workers=2/impl=goroutines"
	}) {
		t.Error("full mode does not run the goroutine peers at cutoff 2")
	}
	if names["workload="+suite.FibName(32, 2)+"/workers=2/impl=goroutines"] {
		t.Error("quick mode runs the goroutine peers at cutoff 2 (seconds an op)")
	}
}
