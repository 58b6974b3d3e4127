package main

import (
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/examples/internal/lessontest"
)

func TestMain(m *testing.M) { lessontest.Main(m, main) }

func TestRun_TrapAndFixShowTheSameFigures(t *testing.T) {
	sameFigures(t, lessontest.Run(t, run, ""), "RWMutex")
}

// The exercise GOMAXPROCS=1: readers never overlap; the lesson says so, and
// its two halves still agree.
func TestExercise_OneP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	out := lessontest.Run(t, run, "")
	sameFigures(t, out, "RWMutex")
	lessontest.Want(t, out, "With one P readers never overlap, so RWMutex cannot gain here.")
}

// The exercise "sharded": the same curve, Sharded against Mutex.
func TestSolution_Sharded_ComparesShardedWithMutex(t *testing.T) {
	out := lessontest.Run(t, run, "sharded")
	sameFigures(t, out, "Sharded")
	lessontest.Want(t, out, "sharded/mutex, each # is 2.5%")
}

// sameFigures checks the lesson's structure, never its timing: the trap
// table has its three rows with an interval and a verdict each, every one of
// which the fix's curve shows at the same read share, and the fix ends in a
// crossover line and a note.
func sameFigures(t *testing.T, got, cand string) {
	t.Helper()
	trapEnd := strings.Index(got, "== The fix")
	if trapEnd < 0 {
		t.Fatalf("no fix section:\n%s", got)
	}
	row := regexp.MustCompile(`(?m)^\s+(\d+)%\s+\S+M\s+\S+M\s+(\d+\.\d\dx \[\d+\.\d\d–\d+\.\d\d\])\s+(` + cand + ` wins|` + cand + ` LOSES|a wash)$`)
	rows := row.FindAllStringSubmatch(got[:trapEnd], -1)
	if len(rows) != 3 || rows[0][1] != "50" || rows[1][1] != "90" || rows[2][1] != "99" {
		t.Fatalf("trap table rows %q, want 50, 90 and 99%% with an interval and a verdict:\n%s", rows, got)
	}
	for _, r := range rows {
		probe := r[1] + ".0% reads  ["
		i := strings.Index(got[trapEnd:], probe)
		if i < 0 {
			t.Errorf("the fix has no probe at %s%%:\n%s", r[1], got)
			continue
		}
		line, _, _ := strings.Cut(got[trapEnd+i:], "\n")
		if !strings.HasSuffix(line, r[2]+" "+r[3]) {
			t.Errorf("trap says %s %s at %s%%, the fix says %q", r[2], r[3], r[1], line)
		}
	}
	for _, want := range []string{"critical section short", "\ncrossover: ", "\nnote: "} {
		if !strings.Contains(got[trapEnd:], want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "% reads  ["); n < 7 {
		t.Errorf("want the 7 grid probes drawn, got %d:\n%s", n, got)
	}
}

func TestBar_DrawsDeviationFromATie(t *testing.T) {
	for _, c := range []struct {
		ratio float64
		want  string
	}{
		{1, "[                    |                    ]"},
		{0.95, "[                  ##|                    ]"},
		{1.05, "[                    |##                  ]"},
		{0.1, "[####################|                    ]"},
		{5, "[                    |####################]"},
	} {
		if got := bar(c.ratio); got != c.want {
			t.Errorf("bar(%v) = %q, want %q", c.ratio, got, c.want)
		}
	}
}
