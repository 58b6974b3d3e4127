// Command stability measures how stable mutexbench's answers are: it runs
// Crossover several times for the same scenarios, and QuickMatrix several
// times, and prints how often the verdicts agree.
//
//	go run ./mutexbench/internal/stability               # about 3 minutes on 2 cores
//	go run ./mutexbench/internal/stability -gomaxprocs 1 # readers never in parallel
//	go run ./mutexbench/internal/stability -only crossover -runs 3
//
// For each Crossover scenario it prints the runs' Found, WithinNoise and
// read share, and how many agree with the most common answer; for
// QuickMatrix, each run's wall time and, per cell, the verdicts, flagging
// cells where fewer than 4 of 5 runs agree. With -gomaxprocs 1 it also
// counts the verdicts that say RWMutex wins.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gmpkit/gmpkit/mutexbench"
)

func main() {
	runs := flag.Int("runs", 5, "repetitions of each measurement")
	procs := flag.Int("gomaxprocs", 0, "GOMAXPROCS for the measurements (0: leave as is)")
	only := flag.String("only", "", `"crossover" or "matrix" to run one half`)
	flag.Parse()
	if *procs > 0 {
		runtime.GOMAXPROCS(*procs)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Printf("GOMAXPROCS=%d, NumCPU=%d, %d runs each, %s\n", runtime.GOMAXPROCS(0), runtime.NumCPU(), *runs, runtime.Version())
	var err error
	if *only != "matrix" {
		err = crossovers(ctx, *runs)
	}
	if err == nil && *only != "crossover" {
		err = matrices(ctx, *runs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stability:", err)
		os.Exit(1)
	}
}

// crossovers runs Crossover on the two scenarios of the workshop's
// Mutex-or-RWMutex lesson (examples/10-mutex-or-rwmutex).
func crossovers(ctx context.Context, runs int) error {
	for _, cs := range []mutexbench.CriticalSection{mutexbench.ShortCS, mutexbench.LongCS} {
		base := mutexbench.Scenario{ReadWork: cs.Read, WriteWork: cs.Write, OutsideWork: 50 * time.Nanosecond, Duration: 40 * time.Millisecond}
		fmt.Printf("\nCrossover, critical section %s, %v per run:\n", cs.Name, base.Duration)
		var answers []string
		var shares []float64
		rwWins := 0
		for i := range runs {
			start := time.Now()
			res, err := mutexbench.Crossover(ctx, base)
			if err != nil {
				return err
			}
			a := fmt.Sprintf("found=%v withinNoise=%v", res.Found, res.WithinNoise)
			answers = append(answers, a)
			if res.Found {
				shares = append(shares, res.ReadPercent)
			}
			for _, p := range res.Probes {
				if p.Wins() {
					rwWins++
				}
			}
			fmt.Printf("  run %d (%4.1fs): %s read=%.1f%%  %s\n", i+1, time.Since(start).Seconds(), a, res.ReadPercent, verdicts(res))
			fmt.Printf("           note: %s\n", res.Note)
		}
		top, n := mode(answers)
		fmt.Printf("  agreement: %d of %d runs say %s", n, runs, top)
		if len(shares) > 0 {
			fmt.Printf("; read share from %.1f%% to %.1f%% (spread %.1f points)", slices.Min(shares), slices.Max(shares), slices.Max(shares)-slices.Min(shares))
		}
		fmt.Printf("; probes where rwmutex wins: %d\n", rwWins)
	}
	return nil
}

func verdicts(res mutexbench.CrossoverResult) string {
	var b strings.Builder
	for _, p := range res.Probes {
		fmt.Fprintf(&b, "%g:%s ", p.ReadPercent, short(p.Verdict))
	}
	return b.String()
}

func short(v mutexbench.Verdict) string {
	switch v {
	case mutexbench.Wins:
		return "W"
	case mutexbench.Loses:
		return "L"
	case mutexbench.Wash:
		return "="
	}
	return "-"
}

// matrices runs QuickMatrix and tallies each cell's verdicts.
func matrices(ctx context.Context, runs int) error {
	fmt.Println("\nQuickMatrix:")
	tally := map[string][]mutexbench.Verdict{}
	var keys []string
	for i := range runs {
		start := time.Now()
		rows, err := mutexbench.Matrix(ctx, mutexbench.QuickMatrix())
		if err != nil {
			return err
		}
		fmt.Printf("  run %d: %d rows in %.1fs, noise ±%.1f%%\n", i+1, len(rows), time.Since(start).Seconds(), rows[1].Noise*100)
		for _, r := range rows {
			if r.Verdict == "" {
				continue // the baseline
			}
			k := fmt.Sprintf("%-7s vs %s %5s cs, %d goroutines, %3g%% reads", r.Lock, r.Baseline, r.CS, r.Goroutines, r.ReadPercent)
			if _, ok := tally[k]; !ok {
				keys = append(keys, k)
			}
			tally[k] = append(tally[k], r.Verdict)
		}
	}
	weak, rwWins := 0, 0
	for _, k := range keys {
		var vs []string
		for _, v := range tally[k] {
			vs = append(vs, string(v))
			if v == mutexbench.Wins && strings.HasPrefix(k, "rwmutex") {
				rwWins++
			}
		}
		top, n := mode(vs)
		flag := ""
		if n < 4*runs/5 {
			flag, weak = "  <- fewer than 4 in 5 agree", weak+1
		}
		fmt.Printf("  %s: %d of %d %q%s\n", k, n, runs, top, flag)
	}
	fmt.Printf("  cells whose verdict agrees in fewer than 4 of 5 runs: %d of %d; rwmutex-wins verdicts: %d\n", weak, len(keys), rwWins)
	return nil
}

// mode returns the most common string and its count.
func mode(v []string) (string, int) {
	count := map[string]int{}
	best := ""
	for _, s := range v {
		count[s]++
		if count[s] > count[best] {
			best = s
		}
	}
	return best, count[best]
}
