package anchors_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/gmpkit/gmpkit/bench/internal/anchors"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParse_ReadsOneRowPerLine(t *testing.T) {
	out := `anchor=rayon workload=tree cutoff=0 threads=2 reps=5 seq_best_ns=90 seq_median_ns=100 par_best_ns=45 par_median_ns=50 seq_result=7:9 result=7:9

anchor=rayon workload=fib cutoff=12 threads=1 reps=5 seq_best_ns=1 seq_median_ns=2 par_best_ns=3 par_median_ns=4 seq_result=55 result=55
`
	rows, err := anchors.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	want := anchors.Row{Impl: "rayon", Workload: "tree", Threads: 2, Reps: 5, SeqBest: 90, SeqMedian: 100,
		ParBest: 45, ParMedian: 50, SeqResult: "7:9", Result: "7:9"}
	if len(rows) != 2 || rows[0] != want || rows[1].Cutoff != 12 || rows[1].Result != "55" {
		t.Errorf("rows %+v", rows)
	}
}

func TestParse_RejectsWhatIsNotARow(t *testing.T) {
	for _, out := range []string{
		"",
		"hello",
		"anchor=rayon workload=fib threads=x reps=1 cutoff=2 seq_best_ns=1 seq_median_ns=1 par_best_ns=1 par_median_ns=1 result=1",
		"anchor=rayon workload=fib threads=1 reps=1 cutoff=2 seq_best_ns=1 seq_median_ns=1 par_best_ns=1 par_median_ns=1",
	} {
		if rows, err := anchors.Parse(strings.NewReader(out)); err == nil {
			t.Errorf("%q parsed as %+v", out, rows)
		}
	}
}

func TestSourceDir_FindsBothAnchors(t *testing.T) {
	dir, err := anchors.SourceDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"rayon/Cargo.toml", "rayon/.cargo/config.toml", "rayon/src/main.rs", "java/Anchor.java"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if len(anchors.All()) != 2 || anchors.All()[0].Impl != anchors.ImplRayon || anchors.All()[1].Impl != anchors.ImplJava {
		t.Errorf("anchors %v", anchors.All())
	}
}
