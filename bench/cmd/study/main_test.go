package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gmpkit/gmpkit/bench/internal/anchors"
	"github.com/gmpkit/gmpkit/bench/internal/study"
	"github.com/gmpkit/gmpkit/bench/internal/suite"
	"github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func TestMain(m *testing.M) {
	workloads.ReleasePeerGlobals()
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
		if tinyStudyDir != "" {
			os.RemoveAll(tinyStudyDir)
		}
	}))
}

// tinyStudyDir is the folder tinyStudy wrote, removed after the tests.
var tinyStudyDir string

// tinyStudy runs the whole study once per test binary at tiny sizes and
// returns its report folder; the end-to-end and Chromium tests share it.
var tinyStudy = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "gmpkit-study-test-")
	if err != nil {
		return "", err
	}
	tinyStudyDir = dir
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-tiny", "-no-progress", "-out", dir}, &out, &errb); code != exitOK {
		return dir, fmt.Errorf("study exited %d:\n%s\n%s", code, errb.String(), out.String())
	}
	return dir, nil
})

func reportDir(t *testing.T) string {
	t.Helper()
	dir, err := tinyStudy()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// svgTexts parses an SVG file as XML and returns its text elements.
func svgTexts(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var texts []string
	inText, root := false, ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s does not parse as XML: %v", filepath.Base(path), err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
			inText = tok.Name.Local == "text"
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText {
				texts = append(texts, string(tok))
			}
		}
	}
	if root != "svg" {
		t.Fatalf("%s: root element %q, want svg", filepath.Base(path), root)
	}
	return strings.Join(texts, "\n")
}

func TestStudy_TinyRunWritesEveryReportFile(t *testing.T) {
	dir := reportDir(t)
	for _, f := range []string{"index.html", "raw.txt", "results.json"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v (size %d)", f, err, sizeOf(st))
		}
	}
	series := map[string][]string{
		"tasks-tiny.svg":                {"sequential", "gmpkit", "goroutines", "errgroup", "ants", "ants-10k", "pond", "conc", "chanloop"},
		"tasks-sleep.svg":               {"gmpkit-blocking", "gmpkit", "goroutines", "ants-10k", "pond"},
		"forkjoin-speedup-workers1.svg": {"gmpkit", "goroutines", "errgroup", "conc", "uts", "loop-20k"},
		"forkjoin-speedup-workers2.svg": {"gmpkit", "goroutines", "errgroup", "conc", "ants", "pond", "uts", "loop-20k"},
		"groups-ns-per-task.svg":        {"errgroup", "errgroup-limit", "conc", "gmpkit"},
		"groups-after-error.svg":        {"errgroup", "errgroup-limit", "conc", "gmpkit"},
		"steal-rate.svg":                {"LIFO", "FIFO"},
		"steal-variance.svg":            {"LIFO", "FIFO"},
		"locks-cs-short.svg":            {"mutex", "rwmutex", "cow", "sharded", "rbmutex"},
		"locks-cs-long.svg":             {"mutex", "rwmutex", "cow", "sharded", "rbmutex"},
		"chan.svg":                      {"chan", "safechan", "rwmutex"},
		"ctx.svg":                       {"context", "ctxtree"},
		"metrics.svg":                   {"gocollector", "runtimemetrics"},
	}
	for file, names := range series {
		if !contains(suite.Studies(), strings.SplitN(strings.TrimSuffix(file, ".svg"), "-", 2)[0]) {
			continue // the study's package has not landed
		}
		texts := svgTexts(t, filepath.Join(dir, file))
		for _, n := range names {
			if !strings.Contains(texts, n) {
				t.Errorf("%s does not name the series %q", file, n)
			}
		}
	}

	rep := readReport(t, dir)
	if rep.Interrupted || rep.Mode != "tiny" || len(rep.Studies) != len(suite.Studies()) {
		t.Errorf("report: interrupted %v, mode %q, %d studies", rep.Interrupted, rep.Mode, len(rep.Studies))
	}
	for _, r := range rep.Results {
		if r.Outcome == study.OutcomeError {
			t.Errorf("%s failed: %s", r.Name, r.Detail)
		}
	}

	raw, err := os.ReadFile(filepath.Join(dir, "raw.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "Benchmark") {
			lines++
			if f := strings.Split(l, "\t"); len(f) < 3 || !strings.HasSuffix(f[2], " ns/op") {
				t.Errorf("raw.txt line is not in the benchmark format: %q", l)
			}
		}
	}
	if lines == 0 {
		t.Error("raw.txt has no benchmark lines")
	}

	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	m := study.ThisMachine()
	for _, want := range []string{m.CPU, m.GoVersion, "GOMAXPROCS", "<svg", "Headline"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("index.html lacks %q", want)
		}
	}
}

// readReport reads the results.json of the report in dir.
func readReport(t *testing.T, dir string) study.Report {
	t.Helper()
	var rep study.Report
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	return rep
}

func sizeOf(st os.FileInfo) int64 {
	if st == nil {
		return -1
	}
	return st.Size()
}

func TestStudy_BadFlagsPrintUsageAndExit2(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"-only", "tasks,bogus"},
		{"-full", "-tiny"},
		{"-count", "-1"},
		{"-benchtime", "soon"},
		{"extra-argument"},
		{"-out", ""},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
		if !strings.Contains(errb.String(), "usage: study") {
			t.Errorf("%q: no usage message on stderr: %q", args, errb.String())
		}
		if out.Len() != 0 {
			t.Errorf("%q: wrote to stdout: %q", args, out.String())
		}
	}
}

func TestStudy_UnwritableOutFailsBeforeAnyStudy(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := parse([]string{"-tiny", "-no-progress", "-out", filepath.Join(file, "report")}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	o.onCase = func() { cases++ }
	var out, errb bytes.Buffer
	if code := runStudy(context.Background(), o, &out, &errb); code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	if cases != 0 {
		t.Errorf("%d cases ran before the error", cases)
	}
	if !strings.Contains(errb.String(), "-out") || !strings.Contains(errb.String(), "report folder") {
		t.Errorf("unclear error: %q", errb.String())
	}
}

func TestStudy_InterruptStopsAndWritesWhatFinished(t *testing.T) {
	dir := t.TempDir()
	o, err := parse([]string{"-tiny", "-no-progress", "-only", "chan,ctx", "-out", dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := 0
	o.onCase = func() {
		started++
		if started == 3 { // as Ctrl-C would, while the third case starts
			cancel()
		}
	}
	var out, errb bytes.Buffer
	if code := runStudy(ctx, o, &out, &errb); code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitInterrupted, errb.String())
	}
	rep := readReport(t, dir)
	if !rep.Interrupted || len(rep.Results) != 2 {
		t.Errorf("interrupted %v with %d results, want true with the 2 that finished", rep.Interrupted, len(rep.Results))
	}
	if got := []string{rep.Studies[0].Status, rep.Studies[1].Status}; got[0] != "interrupted" || got[1] != "not run" {
		t.Errorf("study statuses %v, want [interrupted not run]", got)
	}
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil || !bytes.Contains(page, []byte("Interrupted")) {
		t.Errorf("index.html does not say it was interrupted (%v)", err)
	}
}

// TestStudy_AnchorsAddRayonAndJavaRows checks that, where cargo (with
// Debian's Rayon sources) and a JDK are installed, the fork-join study
// builds and runs the anchors and reports a checked row for each workload
// and worker count, next to gmpkit's.
func TestStudy_AnchorsAddRayonAndJavaRows(t *testing.T) {
	for _, a := range anchors.All() {
		if err := a.Available(); err != nil {
			if os.Getenv("GMPKIT_REQUIRE_ANCHORS") == "1" {
				t.Fatalf("GMPKIT_REQUIRE_ANCHORS=1 but the %s anchor cannot run: %v", a.Impl, err)
			}
			t.Skipf("%s anchor cannot run (%v); set GMPKIT_REQUIRE_ANCHORS=1 to make this a failure", a.Impl, err)
		}
	}
	dir := reportDir(t)
	rep := readReport(t, dir)
	got := map[string]study.Result{}
	for _, r := range rep.Results {
		got[r.Name] = r
	}
	s := suite.SizesFor(suite.Tiny)
	for _, impl := range []string{anchors.ImplRayon, anchors.ImplJava, workloads.ImplGmpkit} {
		for _, wl := range []string{suite.FibName(s.FibN, 10), suite.FibName(s.FibN, 2), suite.TreeName, suite.LoopName(s.LoopN)} {
			for _, n := range []string{"1", "2"} {
				name := "ForkJoin/workload=" + wl + "/workers=" + n + "/impl=" + impl
				r, ok := got[name]
				if sp, has := r.Mean(study.UnitSpeedup); !ok || r.Outcome != study.OutcomeOK || !has || sp <= 0 {
					t.Errorf("%s: present %v, outcome %q (%s), speedup %v", name, ok, r.Outcome, r.Detail, sp)
				}
			}
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sequential Rust", "sequential Java", ">rayon<", ">java-fjp<"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("index.html lacks %q", want)
		}
	}
}

// TestReport_RendersInChromium renders index.html with Debian's headless
// Chromium and checks the screenshot is a page with charts, not a blank.
func TestReport_RendersInChromium(t *testing.T) {
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("GMPKIT_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("GMPKIT_REQUIRE_CHROMIUM=1 but %s is missing: apt-get install chromium", chromium)
		}
		t.Skipf("%s not installed (apt-get install chromium); set GMPKIT_REQUIRE_CHROMIUM=1 to make this a failure", chromium)
	}
	dir := reportDir(t)
	// Chromium's helper processes may still be writing into the profile
	// folder as it exits, so it is removed on a best-effort basis rather
	// than by t.TempDir, whose cleanup failure would fail the test.
	profile, err := os.MkdirTemp("", "gmpkit-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(profile)
	shot := filepath.Join(profile, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--screenshot="+shot, "--window-size=1280,2000",
		"file://"+filepath.Join(dir, "index.html"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	colours, ink := census(img)
	b := img.Bounds()
	if b.Dx() < 1000 || b.Dy() < 1000 {
		t.Errorf("screenshot is %v, want 1280×2000", b.Size())
	}
	// A blank or error page has a handful of colours and almost no ink;
	// the report has anti-aliased text and several chart colours.
	if colours < 64 {
		t.Errorf("screenshot has %d distinct colours, want at least 64: blank page?", colours)
	}
	if frac := float64(ink) / float64(b.Dx()*b.Dy()); frac < 0.03 {
		t.Errorf("only %.1f%% of the screenshot is not white: blank page?", frac*100)
	}
}

// census counts an image's distinct colours and its non-white pixels.
func census(img image.Image) (colours, ink int) {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if r>>8 < 240 || g>>8 < 240 || bl>>8 < 240 {
				ink++
			}
		}
	}
	return len(seen), ink
}
