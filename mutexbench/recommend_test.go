package mutexbench_test

import (
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/mutexbench"
)

// row is a matrix row as Matrix returns it: lock against mutex with the
// given paired ratio interval, judged at the 3% floor.
func row(lock string, read, ops, lo, hi float64) mutexbench.Row {
	r := mutexbench.Row{Lock: lock, ReadPercent: read, Goroutines: 8, GOMAXPROCS: 2, CS: "long", OpsPerSec: ops, DataSize: 1024,
		Rounds: 5, Ratio: ops / 4e6, RatioLow: lo, RatioHigh: hi, Noise: 0.03, ReadSamples: 5000}
	if lock != "mutex" {
		r.Baseline, r.Verdict = "mutex", mutexbench.Wash
		switch {
		case lo > 1.03:
			r.Verdict = mutexbench.Wins
		case hi < 0.97:
			r.Verdict = mutexbench.Loses
		}
	}
	return r
}

func TestRecommend_ChoosesOnlyConfidentWinners(t *testing.T) {
	starved := row("rwmutex", 99, 6e6, 1.4, 1.6)
	starved.MaxWriterWaitNs = 3e6
	broken := row("sharded", 90, 9e6, 2.2, 2.3)
	broken.Violations = 7
	rows := []mutexbench.Row{
		// 50%: rwmutex is 10% faster in the median, but its interval reaches parity: a wash.
		row("mutex", 50, 4e6, 1, 1), row("rwmutex", 50, 4.4e6, 0.99, 1.2), row("cow", 50, 1e6, 0.2, 0.3),
		// 90%: cow wins beyond the noise; sharded is faster but broken.
		row("mutex", 90, 4e6, 1, 1), row("rwmutex", 90, 4.1e6, 1.01, 1.04), row("cow", 90, 6e6, 1.4, 1.6), broken,
		// 99%: rwmutex wins by 50%, but starved its writers.
		row("mutex", 99, 4e6, 1, 1), starved,
		// 100%: rwmutex loses.
		row("rwmutex", 100, 3e6, 0.7, 0.8), row("mutex", 100, 4e6, 1, 1),
	}
	tab := mutexbench.Recommend(rows)
	if len(tab) != 4 {
		t.Fatalf("%d recommendations, want 4:\n%v", len(tab), tab)
	}
	for i, want := range []struct {
		choice, reason string
		figs           []string
	}{
		{"mutex", "no lock beats mutex beyond the ±3% noise: take the simpler lock",
			[]string{"mutex 4.00M ops/s", "rwmutex 4.40M ops/s (1.10× [0.99–1.20] a wash)", "cow 1.00M ops/s (0.25× [0.20–0.30] loses)"}},
		{"cow", "+50% throughput over mutex, beyond the ±3% noise; each write copies all 1024 entries",
			[]string{"cow 6.00M ops/s (1.50× [1.40–1.60] wins)", "sharded 9.00M ops/s (2.25× [2.20–2.30] wins) BROKEN: 7 violations"}},
		{"rwmutex", "writers starved (waited up to 3ms)", []string{"longest writer wait 3ms", "read p99 0s of 5000 samples"}},
		{"mutex", "no lock beats mutex", []string{"rwmutex 3.00M ops/s (0.75× [0.70–0.80] loses)", "mutex 4.00M ops/s"}},
	} {
		r := tab[i]
		if r.Choice != want.choice || !strings.Contains(r.Reason, want.reason) {
			t.Errorf("row %d: choice %q, reason %q; want %q, containing %q", i, r.Choice, r.Reason, want.choice, want.reason)
		}
		for _, f := range want.figs {
			if !strings.Contains(r.Figures, f) {
				t.Errorf("row %d: figures %q lack %q", i, r.Figures, f)
			}
		}
		if r.Goroutines != 8 || r.CS != "long" || r.GOMAXPROCS != 2 {
			t.Errorf("row %d: cell %+v lost its coordinates", i, r)
		}
	}
	md := tab.String()
	if strings.Count(md, "\n") != 6 || !strings.HasPrefix(md, "| reads | goroutines |") || !strings.Contains(md, "| 99% | 8 | 2 | long | rwmutex |") {
		t.Errorf("Markdown:\n%s", md)
	}
}

func TestRecommend_BrokenBaselineFallsBackToTheFastestCorrectLock(t *testing.T) {
	base := row("mutex", 50, 4e6, 1, 1)
	base.Violations = 1
	tab := mutexbench.Recommend([]mutexbench.Row{base, row("rwmutex", 50, 3e6, 0.7, 0.8)})
	if tab[0].Choice != "rwmutex" || !strings.Contains(tab[0].Reason, "the baseline mutex broke the invariant") {
		t.Errorf("got %+v", tab[0])
	}
}

func TestRecommend_EveryLockBroken(t *testing.T) {
	r := row("mutex", 50, 1e6, 1, 1)
	r.Violations = 1
	tab := mutexbench.Recommend([]mutexbench.Row{r})
	if len(tab) != 1 || tab[0].Choice != "none" {
		t.Errorf("got %+v, want choice none", tab)
	}
}

func TestRecommend_Empty(t *testing.T) {
	if tab := mutexbench.Recommend(nil); len(tab) != 0 {
		t.Errorf("Recommend(nil) = %v", tab)
	}
}
