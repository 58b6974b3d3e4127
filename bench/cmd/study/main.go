package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/gmpkit/gmpkit/bench/internal/report"
	"github.com/gmpkit/gmpkit/bench/internal/study"
	"github.com/gmpkit/gmpkit/bench/internal/suite"
	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes of run.
const (
	exitOK          = 0
	exitFailure     = 1   // the report could not be written, or a case failed
	exitUsage       = 2   // bad flags, as the flag package does
	exitInterrupted = 130 // stopped by a signal; the report holds what finished
)

// options are the parsed flags.
type options struct {
	sizes  suite.Sizes
	only   []string
	out    string
	noBar  bool
	onCase func() // test hook: called before each case
}

func parse(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("study", flag.ContinueOnError)
	fs.SetOutput(stderr)
	full := fs.Bool("full", false, "run the full study: more and longer samples (a few minutes on 2 cores)")
	tiny := fs.Bool("tiny", false, "tiny workload sizes, for smoke tests only: the figures mean nothing")
	only := fs.String("only", "", "comma-separated studies to run (default all): "+strings.Join(suite.Studies(), ","))
	out := fs.String("out", "gmpkit-report", "folder to write the report into")
	benchtime := fs.Duration("benchtime", 0, "time per sample of each case (default: 150ms quick, 100ms for forkjoin and groups; 250ms full)")
	count := fs.Int("count", 0, "samples per case (default: 3 quick, 6 full)")
	noBar := fs.Bool("no-progress", false, "do not draw the progress bar on stderr")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `usage: study [flags]

study runs gmpkit's side-by-side study against its peers and writes a report
folder (index.html with inline charts, the charts as .svg, raw.txt for
benchstat, results.json).

flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fail := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "study: "+format+"\n", a...)
		fs.Usage()
		return errBadFlags
	}
	if fs.NArg() > 0 {
		return nil, fail("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *full && *tiny {
		return nil, fail("-full and -tiny cannot be combined")
	}
	if *benchtime < 0 {
		return nil, fail("-benchtime must not be negative, got %v", *benchtime)
	}
	if *count < 0 {
		return nil, fail("-count must not be negative, got %d", *count)
	}
	if *out == "" {
		return nil, fail("-out must name a folder")
	}
	studies, err := suite.ParseOnly(*only)
	if err != nil {
		return nil, fail("-only: %v", err)
	}
	mode := suite.Quick
	switch {
	case *full:
		mode = suite.Full
	case *tiny:
		mode = suite.Tiny
	}
	o := &options{sizes: suite.SizesFor(mode), only: studies, out: *out, noBar: *noBar}
	if *benchtime > 0 {
		o.sizes.Benchtime, o.sizes.ManyBenchtime = *benchtime, *benchtime
	}
	if *count > 0 {
		o.sizes.Count = *count
	}
	return o, nil
}

var errBadFlags = errors.New("bad flags")

// run is the whole command, minus the signal wiring, so that tests can
// drive it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	return runStudy(ctx, o, stdout, stderr)
}

func runStudy(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	if err := report.CheckWritable(o.out); err != nil {
		fmt.Fprintf(stderr, "study: -out %s: %v\n", o.out, err)
		return exitFailure
	}
	// ants starts a default pool from its init; nothing here uses it.
	w.ReleasePeerGlobals()

	cfg := study.Config{Studies: o.only, Sizes: o.sizes}
	_, total, err := study.Plan(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "study: %v\n", err)
		return exitFailure
	}
	var bar *progressbar.ProgressBar
	if !o.noBar {
		bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("starting"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetWidth(28),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
		)
	}
	fmt.Fprintf(stdout, "gmpkit study: %s mode, %d cases in %s; samples per case: %d of ~%v; report in %s\n",
		o.sizes.Mode, total, strings.Join(o.only, ","), o.sizes.Count, o.sizes.Benchtime, o.out)
	for _, name := range o.only {
		for _, n := range suite.Notes(name, o.sizes) {
			fmt.Fprintf(stdout, "note: %s: %s\n", name, n)
		}
	}
	cfg.OnCase = func(name string, c suite.Case) {
		if o.onCase != nil {
			o.onCase()
		}
		if bar != nil {
			bar.Describe(fmt.Sprintf("%-8s %s", name, c.Sub))
		}
	}
	failed := 0
	cfg.OnResult = func(rs []study.Result) {
		for _, r := range rs {
			if r.Outcome == study.OutcomeError {
				failed++
			}
		}
		if bar != nil {
			_ = bar.Add(1)
		}
	}
	rep, err := study.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "study: %v\n", err)
		return exitFailure
	}
	if bar != nil && rep.Interrupted {
		_ = bar.Exit()
		fmt.Fprintln(stderr)
	}
	printTables(stdout, rep)
	files, err := report.Write(o.out, rep)
	if err != nil {
		fmt.Fprintf(stderr, "study: writing the report: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "\nwrote %d files; open %s\n", len(files), indexOf(files))
	switch {
	case rep.Interrupted:
		fmt.Fprintf(stderr, "study: interrupted; the report holds the %d cases that finished\n", len(rep.Results))
		return exitInterrupted
	case failed > 0:
		fmt.Fprintf(stderr, "study: %d cases failed; see the outcome column\n", failed)
		return exitFailure
	}
	return exitOK
}

func indexOf(files []string) string {
	for _, f := range files {
		if strings.HasSuffix(f, "index.html") {
			return f
		}
	}
	return "(no index.html)"
}

// printTables prints one table per study and the headline table.
func printTables(out io.Writer, rep *study.Report) {
	for _, st := range rep.Studies {
		rs := rep.ByStudy(st.Name)
		fmt.Fprintf(out, "\n== %s (%s, %d/%d cases, %v)\n", st.Name, st.Status, st.Finished, st.Cases, st.Duration)
		if len(rs) == 0 {
			continue
		}
		var units []string
		for _, r := range rs {
			for _, u := range r.Units() {
				if u != study.UnitBytesPerOp && !contains(units, u) {
					units = append(units, u)
				}
			}
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "benchmark\t%s\toutcome\t\n", strings.Join(units, "\t"))
		for _, r := range rs {
			fmt.Fprintf(tw, "%s\t", r.Name)
			for _, u := range units {
				v, ok := r.Mean(u)
				switch {
				case !ok:
					fmt.Fprint(tw, "\t")
				case u == study.UnitNsPerOp || u == study.UnitNsPerTask:
					fmt.Fprintf(tw, "%s\t", report.FormatNs(v))
				default:
					fmt.Fprintf(tw, "%.3g\t", v)
				}
			}
			fmt.Fprintf(tw, "%s\t\n", r.Outcome)
		}
		tw.Flush()
		switch st.Name {
		case "tasks":
			if sum := report.BlockingSummary(rs); sum != "" {
				fmt.Fprintf(out, "sleep: %s\n", sum)
			}
		case "forkjoin":
			printSide(out, report.SideBySide(rep))
		}
	}
	rows := report.Headline(rep)
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(out, "\n== headline: peer time / gmpkit time (above 1x: gmpkit faster)\n")
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s/%s\t%s %s\t", r.Bench, r.Label(), r.Gmpkit, report.FormatNs(r.GmpkitNs))
		for _, c := range r.Cells {
			fmt.Fprintf(tw, "%s %s\t", c.Peer, report.FormatRatio(c))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// printSide prints the fork-join side-by-side table: each implementation's
// speedup over its own language's sequential program, and its time.
func printSide(out io.Writer, side report.Side) {
	if len(side.Rows) == 0 {
		return
	}
	fmt.Fprintf(out, "\n== forkjoin side by side: speedup over the same language's sequential program (time per op)\n")
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "workload\tworkers\t%s\t", strings.Join(side.Impls, "\t"))
	for _, l := range side.Langs {
		fmt.Fprintf(tw, "seq %s\t", l)
	}
	fmt.Fprintln(tw)
	for _, r := range side.Rows {
		fmt.Fprintf(tw, "%s\t%s\t", r.Workload, r.Workers)
		for _, c := range r.Cells {
			fmt.Fprintf(tw, "%s\t", report.FormatSpeedup(c))
		}
		for _, ns := range r.Seq {
			fmt.Fprintf(tw, "%s\t", report.FormatNs(ns))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
