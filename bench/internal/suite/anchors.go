package suite

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gmpkit/gmpkit/bench/internal/anchors"
	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

// Units of the anchors' own metrics.
const (
	UnitSeqNs  = "seq-ns/op"  // median time of the anchor language's own sequential program
	UnitBestNs = "best-ns/op" // best of the anchor's timed runs (ns/op is their median)
)

// anchorParams are the anchors' workloads at the study's sizes: every fib
// cutoff, the tree, the loop, at the fork-join worker counts.
func anchorParams(s Sizes) anchors.Params {
	return anchors.Params{
		FibN: s.FibN, Cutoffs: append(append([]int(nil), s.FibCutoffs...), s.FibFine...),
		Tree: s.Tree.Args(), LoopN: s.LoopN, LoopRounds: s.LoopRounds,
		Threads: s.ForkWorkers, Reps: s.AnchorReps, Warmup: s.AnchorWarmup,
	}
}

// anchorCases returns one External case per anchor whose toolchain is
// here; AnchorNotes says why the others are left out.
func anchorCases(s Sizes) []Case {
	var cs []Case
	for _, a := range anchors.All() {
		if a.Available() != nil {
			continue
		}
		cs = append(cs, Case{
			Study: "forkjoin", Bench: "ForkJoin", Sub: "workload=anchors/impl=" + a.Impl,
			Workload: "anchors", Impl: a.Impl,
			External: func(ctx context.Context) ([]Row, error) { return anchorRows(ctx, a, s) },
		})
	}
	return cs
}

// Notes returns what the named study leaves out at sizes s and why, one
// line each: the anchors whose toolchain is missing, the fine fib cutoffs
// that the goroutine-per-fork peers run only in full mode.
func Notes(study string, s Sizes) []string {
	if study != "forkjoin" {
		return nil
	}
	var notes, missing []string
	for _, a := range anchors.All() {
		if err := a.Available(); err != nil {
			missing = append(missing, fmt.Sprintf("%s (%v)", a.Impl, err))
		}
	}
	if len(missing) > 0 {
		notes = append(notes, "anchors left out: "+strings.Join(missing, ", ")+
			"; apt-get install cargo librust-rayon-dev default-jdk-headless to run them.")
	}
	if len(s.FibFine) > 0 && !s.FibFinePeers {
		cut := strings.Trim(fmt.Sprint(s.FibFine), "[]")
		notes = append(notes, fmt.Sprintf("fib cutoff %s: gmpkit and the anchors only; the goroutine-per-fork peers (seconds an op) run there, at %d workers, with -full.",
			cut, slices.Max(s.ForkWorkers)))
	}
	return notes
}

// anchorRows runs anchor a and turns its output into rows named as the Go
// cases of the same workloads, each checked against Go's result.
func anchorRows(ctx context.Context, a anchors.Anchor, s Sizes) ([]Row, error) {
	rows, err := a.Run(ctx, anchorParams(s))
	if err != nil {
		return nil, err
	}
	want := map[string]string{
		"fib":  strconv.Itoa(w.FibSeq(s.FibN)),
		"tree": s.Tree.Seq().String(),
		"loop": strconv.FormatUint(LoopChecksum(s.LoopN, s.LoopRounds), 10),
	}
	var out []Row
	for _, r := range rows {
		name := map[string]string{"fib": FibName(s.FibN, r.Cutoff), "tree": TreeName, "loop": LoopName(s.LoopN)}[r.Workload]
		if name == "" || r.ParMedian <= 0 || r.Impl != a.Impl {
			return nil, fmt.Errorf("%s: unexpected row %+v", a.Impl, r)
		}
		row := Row{
			Sub: forkSub(name, r.Threads, a.Impl), Workload: name, N: r.Reps,
			Params:  map[string]string{"workers": strconv.Itoa(r.Threads)},
			NsPerOp: r.ParMedian, Speedup: r.SeqMedian / r.ParMedian,
			Metrics: map[string]float64{UnitSeqNs: r.SeqMedian, UnitBestNs: r.ParBest},
		}
		if r.Result != want[r.Workload] || r.SeqResult != want[r.Workload] {
			row.Err = fmt.Errorf("%s %s: computed %s (sequential %s), Go computes %s",
				a.Impl, name, r.Result, r.SeqResult, want[r.Workload])
		}
		out = append(out, row)
	}
	return out, nil
}
