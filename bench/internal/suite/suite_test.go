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
				if c.Study != st || (c.Setup == nil) == (c.Probe == nil) {
					t.Errorf("%s: %s: study %q, setup %v, probe %v", mode, c.Name(), c.Study, c.Setup != nil, c.Probe != nil)
				}
			}
		}
	}
}

func TestSizesFor_QuickUsesTheIssueSizes(t *testing.T) {
	s := suite.SizesFor(suite.Quick)
	if s.TinyTasks != 100_000 || s.FibN != 32 || !slices.Equal(s.FibCutoffs, []int{20, 12}) ||
		!slices.Equal(s.FibGmpkit, []int{2}) || s.SortN != 1_000_000 || s.Queens != 10 || s.StealTasks != 1000 {
		t.Errorf("quick sizes %+v differ from the issue's", s)
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
