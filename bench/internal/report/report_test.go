package report_test

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"gonum.org/v1/plot/plotter"

	"github.com/gmpkit/gmpkit/bench/internal/report"
	"github.com/gmpkit/gmpkit/bench/internal/study"
	"github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func TestMain(m *testing.M) {
	// ants, imported through the workloads' names, starts a default pool
	// from its init; nothing here uses it.
	workloads.ReleasePeerGlobals()
	goleak.VerifyTestMain(m)
}

func TestCrossover_InterpolatesWhereTheCandidateFirstWins(t *testing.T) {
	xs := func(ys ...float64) plotter.XYs {
		out := make(plotter.XYs, len(ys))
		for i, y := range ys {
			out[i] = plotter.XY{X: float64(i) / 4, Y: y}
		}
		return out
	}
	tests := []struct {
		name   string
		a, b   plotter.XYs
		margin float64
		want   float64
		wantOK bool
	}{
		{"crosses between 0.25 and 0.5", xs(10, 10, 10, 10), xs(5, 8, 12, 20), 0, 0.25 + 0.25*2.0/4.0, true},
		{"wins from the start", xs(1, 1), xs(2, 2), 0, 0, true},
		{"never wins", xs(5, 5, 5), xs(1, 2, 5), 0, 0, false},
		{"within the margin", xs(10, 10), xs(10.2, 10.4), 0.05, 0, false},
		{"mismatched x", plotter.XYs{{X: 0, Y: 1}}, plotter.XYs{{X: 1, Y: 2}}, 0, 0, false},
	}
	for _, tc := range tests {
		got, ok := report.Crossover(tc.a, tc.b, tc.margin)
		if ok != tc.wantOK || (ok && abs(got-tc.want) > 1e-9) {
			t.Errorf("%s: Crossover = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.wantOK)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func sample(ns float64, extra map[string]float64) study.Sample {
	m := map[string]float64{study.UnitNsPerOp: ns, study.UnitBytesPerOp: 16, study.UnitAllocsPerOp: 1}
	for k, v := range extra {
		m[k] = v
	}
	return study.Sample{N: 10, Metrics: m}
}

// fakeReport has results of every study the charts draw, with the names
// the real suite uses.
func fakeReport() *study.Report {
	rep := &study.Report{Mode: "tiny", Started: time.Unix(0, 0), Benchtime: "1ms", Count: 1,
		Machine: study.Machine{CPU: "Test CPU", Cores: 2, GOMAXPROCS: 2, GoVersion: "go1.25", GOOS: "linux", GOARCH: "amd64"}}
	add := func(r study.Result) { rep.Results = append(rep.Results, r) }
	for i, impl := range []string{"sequential", "gmpkit", "goroutines"} {
		add(study.Result{Study: "tasks", Bench: "TasksTiny", Name: "TasksTiny/impl=" + impl, Workload: "tiny", Impl: impl,
			Outcome: study.OutcomeOK, Samples: []study.Sample{sample(1000*float64(i+1), map[string]float64{study.UnitNsPerTask: 100 * float64(i+1)})}})
	}
	add(study.Result{Study: "forkjoin", Bench: "ForkJoin", Name: "ForkJoin/workload=fib/impl=sequential", Workload: "fib", Impl: "sequential",
		Outcome: study.OutcomeOK, Samples: []study.Sample{sample(1000, map[string]float64{study.UnitSpeedup: 1})}})
	for _, n := range []string{"1", "2"} {
		for i, impl := range []string{"gmpkit", "errgroup", "rayon"} {
			ns := 1000 / (1 + float64(i))
			add(study.Result{Study: "forkjoin", Bench: "ForkJoin", Name: "ForkJoin/workload=fib/workers=" + n + "/impl=" + impl,
				Workload: "fib", Impl: impl, Params: map[string]string{"workers": n}, External: impl == "rayon", Outcome: study.OutcomeOK,
				Samples: []study.Sample{sample(ns, map[string]float64{study.UnitSpeedup: 1000 / ns, "seq-ns/op": 400})}})
		}
	}
	add(study.Result{Study: "forkjoin", Bench: "ForkJoin", Name: "ForkJoin/workload=fib/workers=2/impl=ants", Workload: "fib", Impl: "ants",
		Params: map[string]string{"workers": "2"}, Outcome: study.OutcomeDeadlock, Detail: "every worker waits"})
	for _, wl := range []string{"tiny-10k", "fail-early-10k"} {
		for i, impl := range []string{"errgroup", "conc", "gmpkit"} {
			add(study.Result{Study: "groups", Bench: "Groups", Name: "Groups/workload=" + wl + "/impl=" + impl, Workload: wl, Impl: impl,
				Base: "errgroup", Outcome: study.OutcomeOK, Samples: []study.Sample{sample(1e6/float64(i+1), map[string]float64{
					study.UnitNsPerTask: 100 / float64(i+1), study.UnitAllocsPerTask: 2, "after-error-ns": 5000, "vs-errgroup": float64(i + 1)})}})
		}
	}
	for _, p := range []string{"lifo", "fifo"} {
		add(study.Result{Study: "steal", Bench: "Steal", Name: "Steal/policy=" + p + "/impl=gmpkit", Impl: "gmpkit",
			Workload: p, Params: map[string]string{"policy": p}, Outcome: study.OutcomeOK,
			Samples: []study.Sample{sample(5000, map[string]float64{"steal-rate": 0.5, "completion-var-ms2": 2})}})
	}
	for _, read := range []string{"0.5", "0.9", "1"} {
		for i, lock := range []string{"mutex", "rwmutex", "rbmutex"} {
			ns := 100.0
			if lock != "mutex" && read != "0.5" {
				ns = 50 / float64(i)
			}
			add(study.Result{Study: "locks", Bench: "Locks", Name: "Locks/cs=short/read=" + read + "/impl=" + lock, Impl: lock,
				Workload: "cs=short/read=" + read, Params: map[string]string{"cs": "short", "read": read}, Outcome: study.OutcomeOK,
				Samples: []study.Sample{sample(ns*100, map[string]float64{study.UnitNsPerTask: ns, "Mops/s": 1e3 / ns})}})
		}
	}
	for _, st := range []string{"tasks", "forkjoin", "groups", "steal", "locks"} {
		rep.Studies = append(rep.Studies, study.StudyRun{Name: st, Status: "done"})
	}
	return rep
}

// svgTexts parses an SVG document as XML and returns the content of its
// text elements.
func svgTexts(t *testing.T, svg []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var texts []string
	inText := false
	sawSVG := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse as XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
			sawSVG = sawSVG || tok.Name.Local == "svg"
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText {
				texts = append(texts, strings.TrimSpace(string(tok)))
			}
		}
	}
	if !sawSVG {
		t.Fatal("no svg element")
	}
	return texts
}

func TestCharts_AreSVGNamingEverySeries(t *testing.T) {
	charts, err := report.Charts(fakeReport())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"tasks-tiny.svg":                {"sequential", "gmpkit", "goroutines"},
		"forkjoin-speedup-workers1.svg": {"gmpkit", "errgroup", "rayon"},
		"forkjoin-speedup-workers2.svg": {"gmpkit", "errgroup", "rayon", "ants", "deadlocks"},
		"groups-ns-per-task.svg":        {"errgroup", "conc", "gmpkit", "tiny-10k", "fail-early-10k"},
		"groups-allocs-per-task.svg":    {"errgroup", "conc", "gmpkit"},
		"groups-after-error.svg":        {"errgroup", "conc", "gmpkit"},
		"steal-rate.svg":                {"LIFO", "FIFO"},
		"steal-variance.svg":            {"LIFO", "FIFO"},
		"locks-cs-short.svg":            {"mutex", "rwmutex", "rbmutex", "RWMutex beats Mutex", "50%", "100%"},
	}
	got := map[string][]string{}
	for _, c := range charts {
		got[c.File] = svgTexts(t, c.SVG)
	}
	for file, names := range want {
		texts, ok := got[file]
		if !ok {
			t.Errorf("no chart %s (have %v)", file, keys(got))
			continue
		}
		joined := strings.Join(texts, "\n")
		for _, n := range names {
			if !strings.Contains(joined, n) {
				t.Errorf("%s does not name %q; its texts: %q", file, n, texts)
			}
		}
	}
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// benchLine is the Go benchmark format's result line: name with the
// GOMAXPROCS suffix, iterations, then value-unit pairs.
var benchLine = regexp.MustCompile(`^Benchmark[^\s]+-2\t\s*\d+(\t-?[0-9.]+ [^\s]+)+$`)

func TestWriteRaw_WritesTheGoBenchmarkFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteRaw(&buf, fakeReport()); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	sc := bufio.NewScanner(strings.NewReader(text))
	lines, header := 0, 0
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Benchmark"):
			if !benchLine.MatchString(line) {
				t.Errorf("not a benchmark line: %q", line)
			}
			if !strings.Contains(line, " ns/op") {
				t.Errorf("no ns/op: %q", line)
			}
			lines++
		case strings.HasPrefix(line, "goos: "), strings.HasPrefix(line, "goarch: "), strings.HasPrefix(line, "cpu: "), strings.HasPrefix(line, "pkg: "):
			header++
		}
	}
	if lines != 3+7+6+2+9 { // every ok result has one sample; the deadlock is a comment
		t.Errorf("%d benchmark lines, want 27", lines)
	}
	if header != 4 {
		t.Errorf("%d header lines, want 4", header)
	}
	if !strings.Contains(text, "# BenchmarkForkJoin/workload=fib/workers=2/impl=ants-2: deadlocks") {
		t.Error("the deadlocked probe is not recorded")
	}
}

func TestWriteHTML_IsSelfContained(t *testing.T) {
	rep := fakeReport()
	charts, err := report.Charts(rep)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, rep, charts); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "<?xml"} {
		if strings.Contains(page, bad) {
			t.Errorf("index.html contains %q", bad)
		}
	}
	// The only URLs are XML namespace names, which are never fetched.
	for _, m := range regexp.MustCompile(`https?://[^"'\s<]+`).FindAllString(page, -1) {
		if m != "http://www.w3.org/2000/svg" && m != "http://www.w3.org/1999/xlink" {
			t.Errorf("index.html refers to %s", m)
		}
	}
	for _, want := range []string{"Test CPU", "GOMAXPROCS", "go1.25", "<svg", "deadlocks", "Headline", "Side by side", "sequential Rust"} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n != len(charts) {
		t.Errorf("%d inline SVGs, want %d", n, len(charts))
	}
}

func TestHeadline_RatiosArePeerTimeOverGmpkitTime(t *testing.T) {
	rows := report.Headline(fakeReport())
	var tiny *report.HeadRow
	for i := range rows {
		if rows[i].Bench == "TasksTiny" {
			tiny = &rows[i]
		}
	}
	if tiny == nil {
		t.Fatalf("no TasksTiny row in %+v", rows)
	}
	for _, c := range tiny.Cells {
		switch c.Peer {
		case "sequential":
			if abs(c.Ratio-0.5) > 1e-9 {
				t.Errorf("sequential ratio %v, want 0.5", c.Ratio)
			}
		case "goroutines":
			if abs(c.Ratio-1.5) > 1e-9 {
				t.Errorf("goroutines ratio %v, want 1.5", c.Ratio)
			}
		}
	}
	if got := report.FormatRatio(report.HeadCell{Note: "deadlocks"}); got != "deadlocks" {
		t.Errorf("FormatRatio(deadlocks) = %q", got)
	}
}

// A peer without a worker count (the sequential program) is compared with
// gmpkit at every worker count; an anchor in another language is not
// compared by time at all.
func TestHeadline_MatchesWorkerCountsAndLeavesOutTheAnchors(t *testing.T) {
	var fib []report.HeadRow
	for _, r := range report.Headline(fakeReport()) {
		if r.Bench == "ForkJoin" {
			fib = append(fib, r)
		}
	}
	if len(fib) != 2 || fib[0].Label() != "fib, 1 worker" || fib[1].Label() != "fib, 2 workers" {
		t.Fatalf("fork-join headline rows %+v", fib)
	}
	for _, r := range fib {
		var peers []string
		for _, c := range r.Cells {
			peers = append(peers, c.Peer)
		}
		want := []string{"sequential", "errgroup"}
		if r.Workers == "2" {
			want = append(want, "ants")
		}
		if strings.Join(peers, ",") != strings.Join(want, ",") {
			t.Errorf("%s: peers %v, want %v", r.Label(), peers, want)
		}
	}
}

func TestSideBySide_ShowsEveryImplementationsOwnSpeedup(t *testing.T) {
	side := report.SideBySide(fakeReport())
	if strings.Join(side.Impls, ",") != "gmpkit,errgroup,rayon,ants" || strings.Join(side.Langs, ",") != "Go,Rust" {
		t.Fatalf("columns %v, languages %v", side.Impls, side.Langs)
	}
	if len(side.Rows) != 2 {
		t.Fatalf("%d rows, want one per worker count", len(side.Rows))
	}
	r := side.Rows[1]
	if got := report.FormatSpeedup(r.Cells[2]); got != "3.00× (333.3 ns)" {
		t.Errorf("rayon cell %q", got)
	}
	if r.Cells[3].Note != "deadlocks" || r.Seq[0] != 1000 || r.Seq[1] != 400 {
		t.Errorf("ants %+v, sequential times %v (want Go 1000, Rust 400)", r.Cells[3], r.Seq)
	}
}
