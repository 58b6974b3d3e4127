package mutexbench_test

import (
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/mutexbench"
)

func row(lock string, read float64, ops float64) mutexbench.Row {
	return mutexbench.Row{Lock: lock, ReadPercent: read, Goroutines: 8, GOMAXPROCS: 2, CS: "long", OpsPerSec: ops, DataSize: 1024}
}

func TestRecommend_ChoosesPerCellAndShowsFigures(t *testing.T) {
	starved := row("rwmutex", 99, 6e6)
	starved.MaxWriterWaitNs = 3e6
	broken := row("sharded", 90, 9e6)
	broken.Violations = 7
	rows := []mutexbench.Row{
		// 50%: rwmutex is 3% faster, within the margin: take mutex.
		row("mutex", 50, 4e6), row("rwmutex", 50, 4.12e6), row("cow", 50, 1e6),
		// 90%: the fastest correct lock is cow; sharded is faster but broken.
		row("mutex", 90, 4e6), row("rwmutex", 90, 4.1e6), row("cow", 90, 6e6), broken,
		// 99%: rwmutex wins by 50%, but starved its writers.
		row("mutex", 99, 4e6), starved,
		// 100%: mutex is fastest.
		row("rwmutex", 100, 3e6), row("mutex", 100, 5e6),
	}
	tab := mutexbench.Recommend(rows)
	if len(tab) != 4 {
		t.Fatalf("%d recommendations, want 4:\n%v", len(tab), tab)
	}
	for i, want := range []struct {
		choice string
		reason string
		figs   []string
	}{
		{"mutex", "within the 5% margin", []string{"mutex 4.00M ops/s", "rwmutex 4.12M ops/s (1.03×)", "cow 1.00M ops/s (0.25×)"}},
		{"cow", "+50% throughput over mutex; each write copies all 1024 entries", []string{"cow 6.00M ops/s (1.50×)", "sharded 9.00M ops/s (2.25×) BROKEN: 7 violations"}},
		{"rwmutex", "writers starved (waited up to 3ms)", []string{"rwmutex 6.00M ops/s (1.50×)", "longest writer wait 3ms"}},
		{"mutex", "fastest measured", []string{"rwmutex 3.00M ops/s (0.60×)", "mutex 5.00M ops/s"}},
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

func TestRecommend_EveryLockBroken(t *testing.T) {
	r := row("mutex", 50, 1e6)
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
