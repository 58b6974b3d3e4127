package anchors

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Implementation names of the anchors, as after impl= in benchmark names.
const (
	ImplRayon = "rayon"
	ImplJava  = "java-fjp"
)

// RayonRegistry is where Debian's librust-rayon-dev puts the crates the
// Rayon anchor builds against.
const RayonRegistry = "/usr/share/cargo/registry"

// Params are what the anchors run, the Go study's sizes.
type Params struct {
	FibN       int
	Cutoffs    []int
	Tree       string // "B0,M,THRESHOLD,ROUNDS,SEED" (workloads.Tree.Args)
	LoopN      int
	LoopRounds int
	Threads    []int
	Reps       int // timed runs of each (workload, threads)
	Warmup     int // untimed runs before them
}

// args are p as the anchors take them.
func (p Params) args(warmup int) []string {
	list := func(xs []int) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = strconv.Itoa(x)
		}
		return strings.Join(s, ",")
	}
	return []string{
		"fib=" + strconv.Itoa(p.FibN), "cutoffs=" + list(p.Cutoffs), "tree=" + p.Tree,
		fmt.Sprintf("loop=%d,%d", p.LoopN, p.LoopRounds), "threads=" + list(p.Threads),
		"reps=" + strconv.Itoa(p.Reps), "warmup=" + strconv.Itoa(warmup),
	}
}

// Row is one line of an anchor's output: one workload at one thread count.
type Row struct {
	Impl      string
	Workload  string // "fib", "tree" or "loop"
	Cutoff    int    // fib's cutoff; 0 for the others
	Threads   int
	Reps      int
	SeqBest   float64 // ns: the language's own sequential program
	SeqMedian float64
	ParBest   float64 // ns: the parallel program on a pool of Threads
	ParMedian float64
	SeqResult string // what each computed: fib's value, "COUNT:CHECKSUM", the loop's XOR
	Result    string
}

// Anchor is one anchor program.
type Anchor struct {
	Impl string
	// need lists the commands the toolchain needs on PATH.
	need []string
	// files are the sources, relative to the anchor's folder.
	dir   string
	files []string
	// build builds in folder b and returns the command that runs the
	// program with the given arguments.
	build func(ctx context.Context, b string) (func(ctx context.Context, args []string) *exec.Cmd, error)
	// warmup is the untimed runs for p: Java's JIT wants more.
	warmup func(p Params) int
}

// All returns the anchors: Rayon, then Java's ForkJoinPool.
func All() []Anchor { return []Anchor{rayon, java} }

var rayon = Anchor{
	Impl: ImplRayon, need: []string{"cargo"}, dir: "rayon",
	files: []string{"Cargo.toml", ".cargo/config.toml", "src/main.rs"},
	build: func(ctx context.Context, b string) (func(context.Context, []string) *exec.Cmd, error) {
		// A lock file written by another cargo may be in a format this one
		// cannot read (cargo 1.83 moved to version 4); the registry
		// directory pins the versions anyway.
		_ = os.Remove(filepath.Join(b, "Cargo.lock"))
		target := filepath.Join(b, "target")
		if err := run(ctx, b, "cargo", "build", "--release", "--offline", "--quiet", "--target-dir", target); err != nil {
			return nil, err
		}
		bin := filepath.Join(target, "release", "gmpkit-anchor-rayon")
		return func(ctx context.Context, args []string) *exec.Cmd { return exec.CommandContext(ctx, bin, args...) }, nil
	},
	warmup: func(p Params) int { return p.Warmup },
}

var java = Anchor{
	Impl: ImplJava, need: []string{"javac", "java"}, dir: "java",
	files: []string{"Anchor.java"},
	build: func(ctx context.Context, b string) (func(context.Context, []string) *exec.Cmd, error) {
		classes := filepath.Join(b, "classes")
		if err := run(ctx, b, "javac", "-d", classes, "Anchor.java"); err != nil {
			return nil, err
		}
		return func(ctx context.Context, args []string) *exec.Cmd {
			// The tree is hundreds of levels deep, each a few fork-join
			// frames: a large stack for every thread, the pools' included.
			return exec.CommandContext(ctx, "java", append([]string{"-Xss64m", "-cp", classes, "Anchor"}, args...)...)
		}, nil
	},
	// The JIT compiles a method after thousands of calls and recompiles
	// it hotter later: one more untimed round than Rust needs.
	warmup: func(p Params) int { return p.Warmup + 1 },
}

// Available returns nil if the anchor can be built here, or why not.
func (a Anchor) Available() error {
	for _, c := range a.need {
		if _, err := exec.LookPath(c); err != nil {
			return fmt.Errorf("%s not on PATH", c)
		}
	}
	if a.Impl == ImplRayon {
		if m, _ := filepath.Glob(filepath.Join(RayonRegistry, "rayon-[0-9]*")); len(m) == 0 {
			return fmt.Errorf("no Rayon in %s (apt-get install librust-rayon-dev)", RayonRegistry)
		}
	}
	if _, err := SourceDir(); err != nil {
		return err
	}
	return nil
}

// Run builds the anchor (or reuses its build) and runs it once with p.
func (a Anchor) Run(ctx context.Context, p Params) ([]Row, error) {
	b, err := a.stage()
	if err != nil {
		return nil, err
	}
	cmd, err := a.build(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("%s: build: %w", a.Impl, err)
	}
	c := cmd(ctx, p.args(a.warmup(p)))
	var out, stderr bytes.Buffer
	c.Stdout, c.Stderr = &out, &stderr
	if err := c.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, fmt.Errorf("%s: %v: %w\n%s", a.Impl, c.Args, err, stderr.Bytes())
	}
	rows, err := Parse(&out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.Impl, err)
	}
	return rows, nil
}

// SourceDir returns the folder that holds the anchors' sources,
// bench/anchors: found from this source file's path when the binary was
// built from a checkout, else by looking up from the working directory.
func SourceDir() (string, error) {
	var tries []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		tries = append(tries, filepath.Join(filepath.Dir(file), "..", "..", "anchors"))
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			tries = append(tries, filepath.Join(d, "anchors"), filepath.Join(d, "bench", "anchors"))
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	for _, t := range tries {
		if _, err := os.Stat(filepath.Join(t, "rayon", "Cargo.toml")); err == nil {
			return filepath.Clean(t), nil
		}
	}
	return "", errors.New("anchor sources (bench/anchors) not found")
}

// stage copies the anchor's sources into its build folder, leaving files
// that are unchanged untouched so that the build tools see no change.
func (a Anchor) stage() (string, error) {
	src, err := SourceDir()
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	b := filepath.Join(cache, "gmpkit-bench-anchors", a.dir)
	for _, f := range a.files {
		data, err := os.ReadFile(filepath.Join(src, a.dir, f))
		if err != nil {
			return "", err
		}
		dst := filepath.Join(b, f)
		if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return "", err
		}
	}
	return b, nil
}

// run runs a build command in dir, its output kept for the error.
func run(ctx context.Context, dir, name string, args ...string) error {
	c := exec.CommandContext(ctx, name, args...)
	c.Dir = dir
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.Bytes())
	}
	return nil
}

// Parse reads an anchor's output: one line of space-separated key=value
// per (workload, threads); other lines are an error.
func Parse(r io.Reader) ([]Row, error) {
	var rows []Row
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		row, err := parseLine(line)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, errors.New("no output")
	}
	return rows, sc.Err()
}

func parseLine(line string) (Row, error) {
	kv := map[string]string{}
	for _, f := range strings.Fields(line) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return Row{}, fmt.Errorf("output line %q: %q is not key=value", line, f)
		}
		kv[k] = v
	}
	var errs []error
	num := func(k string) float64 {
		v, err := strconv.ParseFloat(kv[k], 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
		}
		return v
	}
	r := Row{Impl: kv["anchor"], Workload: kv["workload"], SeqResult: kv["seq_result"], Result: kv["result"],
		Cutoff: int(num("cutoff")), Threads: int(num("threads")), Reps: int(num("reps")),
		SeqBest: num("seq_best_ns"), SeqMedian: num("seq_median_ns"), ParBest: num("par_best_ns"), ParMedian: num("par_median_ns")}
	if r.Impl == "" || r.Workload == "" || r.Result == "" {
		errs = append(errs, errors.New("anchor, workload or result missing"))
	}
	if err := errors.Join(errs...); err != nil {
		return Row{}, fmt.Errorf("output line %q: %w", line, err)
	}
	return r, nil
}
