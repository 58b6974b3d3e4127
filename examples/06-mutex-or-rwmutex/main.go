// Lesson 6, Mutex or RWMutex: measure, don't guess.
//
//	go run ./examples/06-mutex-or-rwmutex          # about 10 s
//	go run ./examples/06-mutex-or-rwmutex -short   # about 1 s, coarse
//
// The trap: "the data is read-mostly, so RWMutex". An RWMutex read lock is
// not free: every RLock and RUnlock is an atomic add on one shared counter,
// so readers on different cores still fight over a cache line. The lesson
// shows the usual quick check (both locks at 50, 90 and 99% reads), then
// the whole curve from mutexbench.Crossover, for a short and a long
// critical section. Both come from the same interleaved rounds, and every
// verdict follows one rule: a lock wins only when the 95% confidence
// interval of its paired ratio lies outside parity ± the measured noise.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"

	"github.com/gmpkit/gmpkit/mutexbench"
)

func main() {
	short := flag.Bool("short", false, "two rounds of 5 ms runs and a coarse bisection: about a second, noisy")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *short); err != nil {
		fmt.Fprintln(os.Stderr, "lesson 6:", err)
		os.Exit(1)
	}
}

// sizes are the knobs short mode turns down.
type sizes struct {
	runFor     time.Duration // one timed run of one lock
	rounds     int           // per lock and read share
	resolution float64       // bisection stops at this width, in percentage points
	sections   []mutexbench.CriticalSection
}

func run(ctx context.Context, w io.Writer, short bool) error {
	sz := sizes{runFor: 40 * time.Millisecond, rounds: 7, resolution: 2,
		sections: []mutexbench.CriticalSection{mutexbench.ShortCS, mutexbench.LongCS}}
	if short {
		sz = sizes{runFor: 5 * time.Millisecond, rounds: 2, resolution: 12.5,
			sections: []mutexbench.CriticalSection{mutexbench.ShortCS}}
	}
	fmt.Fprintf(w, "GOMAXPROCS=%d, as many goroutines, %d rounds of %v per lock and read share\n\n",
		runtime.GOMAXPROCS(0), sz.rounds, sz.runFor)
	for i, cs := range sz.sections {
		res, err := mutexbench.Crossover(ctx, mutexbench.Scenario{
			ReadWork: cs.Read, WriteWork: cs.Write, OutsideWork: 50 * time.Nanosecond, Duration: sz.runFor,
		}, mutexbench.WithRounds(sz.rounds), mutexbench.WithResolution(sz.resolution))
		if err != nil {
			return err
		}
		for _, p := range res.Probes {
			if p.Violations != 0 {
				return fmt.Errorf("a lock let a reader see a write in progress at %g%% reads", p.ReadPercent)
			}
		}
		if i == 0 {
			trap(w, res)
			fmt.Fprintln(w, "== The fix: measure the whole curve with mutexbench.Crossover ==")
			fmt.Fprintln(w, "predict: from what share of reads does RWMutex win here, for 20 ns and for 200 ns?")
		}
		fix(w, cs, res)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "why: RWMutex lets readers overlap, but every RLock and RUnlock writes the one shared")
	fmt.Fprintln(w, "     reader count, and each writer waits for the readers to drain. Which effect wins")
	fmt.Fprintln(w, "     depends on the critical section, the cores, the mix of reads and writes, and how")
	fmt.Fprintln(w, "     each lock queues its waiters; with one P readers never overlap at all. So the")
	fmt.Fprintln(w, "     answer is a measurement, not a rule of thumb: where it is a wash, keep the Mutex.")
	return nil
}

// trap shows the quick check at 50, 90 and 99% reads. Its rows are the
// crossover's own probes at those shares, so the two halves cannot
// disagree.
func trap(w io.Writer, res mutexbench.CrossoverResult) {
	fmt.Fprintln(w, "== The trap: \"read-mostly, so RWMutex\" ==")
	fmt.Fprintln(w, "predict: at 90% reads and a 20 ns critical section, how much faster is RWMutex?")
	fmt.Fprintf(w, "  reads  mutex ops/s  rwmutex ops/s  rwmutex/mutex [95%% CI]  verdict (noise ±%.0f%%)\n", res.Noise*100)
	for _, p := range res.Probes {
		if p.ReadPercent == 50 || p.ReadPercent == 90 || p.ReadPercent == 99 {
			fmt.Fprintf(w, "  %4g%%  %11s  %13s  %-22s  %s\n", p.ReadPercent,
				mops(p.BaselineOps.Median), mops(p.CandidateOps.Median), ratio(p), verdict(p.Verdict))
		}
	}
	fmt.Fprintln(w, "why: three read shares, one critical section, one core count: a quick check answers")
	fmt.Fprintln(w, "     for what it measured and nothing else. \"Read-mostly\" alone decides nothing;")
	fmt.Fprintln(w, "     the whole curve below shows where each verdict holds and where it flips.")
	fmt.Fprintln(w)
}

// fix draws the crossover's probes and says what it found.
func fix(w io.Writer, cs mutexbench.CriticalSection, res mutexbench.CrossoverResult) {
	fmt.Fprintf(w, "\ncritical section %s (read %v, write %v): %d probes; rwmutex/mutex, each # is 2.5%%\n",
		cs.Name, cs.Read, cs.Write, len(res.Probes))
	fmt.Fprintf(w, "                %s\n", "[   RWMutex loses    |    RWMutex wins    ]")
	for _, p := range res.Probes {
		fmt.Fprintf(w, "  %5.1f%% reads  %s %s %s\n", p.ReadPercent, bar(p.Ratio.Median), ratio(p), verdict(p.Verdict))
	}
	noise := fmt.Sprintf("noise ±%.0f%%", 100*res.Noise)
	switch {
	case !res.Found && res.WithinNoise:
		fmt.Fprintf(w, "crossover: none beyond the noise; %s either will do (%s)\n", band(res), noise)
	case !res.Found:
		fmt.Fprintf(w, "crossover: none: RWMutex never wins beyond the noise (%s)\n", noise)
	case !res.Monotone:
		fmt.Fprintf(w, "crossover: not a single point: RWMutex wins at some read shares only (%s)\n", noise)
	case res.WithinNoise:
		fmt.Fprintf(w, "crossover: RWMutex wins from %g%% reads; %s either will do (%s)\n", res.ReadPercent, band(res), noise)
	default:
		fmt.Fprintf(w, "crossover: RWMutex wins from %.1f%% reads (bracket %.1f–%.1f%%, %s)\n", res.ReadPercent, res.Low, res.High, noise)
	}
	fmt.Fprintf(w, "note: %s\n", res.Note)
}

func band(res mutexbench.CrossoverResult) string {
	if res.BandLow == res.BandHigh {
		return fmt.Sprintf("at %g%% reads", res.BandLow)
	}
	return fmt.Sprintf("from %g%% to %g%% reads", res.BandLow, res.BandHigh)
}

func ratio(p mutexbench.Probe) string {
	return fmt.Sprintf("%.2fx [%.2f–%.2f]", p.Ratio.Median, p.Ratio.Low, p.Ratio.High)
}

func verdict(v mutexbench.Verdict) string {
	switch v {
	case mutexbench.Wins:
		return "RWMutex wins"
	case mutexbench.Loses:
		return "RWMutex LOSES"
	}
	return "a wash"
}

func mops(v float64) string { return fmt.Sprintf("%.2fM", v/1e6) }

// bar draws ratio as a deviation from 1.0x, marked "|": each "#" is 2.5% of
// throughput, to the left where RWMutex loses and to the right where it
// wins, clamped at ±50%.
func bar(ratio float64) string {
	const half, step = 20, 0.025
	d := int(math.Round((ratio - 1) / step))
	d = max(-half, min(d, half))
	cells := []byte(strings.Repeat(" ", 2*half+1))
	cells[half] = '|'
	for i := min(half+d, half+1); i <= max(half+d, half-1); i++ {
		if i != half {
			cells[i] = '#'
		}
	}
	return "[" + string(cells) + "]"
}
