// Lesson 10, Mutex or RWMutex: measure, don't guess.
//
//	go run ./examples/10-mutex-or-rwmutex          # about 10 s
//	go run ./examples/10-mutex-or-rwmutex -short   # about 1 s, coarse
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
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/mutexbench"
)

var solutions = []lesson.Solution{
	{Name: "sharded", Change: "add mutexbench.WithLocks(mutexbench.Mutex(), mutexbench.Sharded(0)) to the Crossover call"},
}

func main() {
	lesson.Lesson{Name: "lesson 10, Mutex or RWMutex", Run: run, Solutions: solutions}.Main()
}

// sizes are the knobs short mode turns down.
type sizes struct {
	runFor     time.Duration // one timed run of one lock
	rounds     int           // per lock and read share
	resolution float64       // bisection stops at this width, in percentage points
	sections   []mutexbench.CriticalSection
}

// cand names the lock compared against Mutex: RWMutex, or Sharded in the
// exercise.
var cand = "RWMutex"

func run(ctx context.Context, l *lesson.L) error {
	sz := lesson.Size(l, sizes{runFor: 40 * time.Millisecond, rounds: 7, resolution: 2,
		sections: []mutexbench.CriticalSection{mutexbench.ShortCS, mutexbench.LongCS}},
		sizes{runFor: 5 * time.Millisecond, rounds: 2, resolution: 12.5,
			sections: []mutexbench.CriticalSection{mutexbench.ShortCS}})
	opts := []mutexbench.Option{mutexbench.WithRounds(sz.rounds), mutexbench.WithResolution(sz.resolution)}
	cand = "RWMutex"
	if l.Is("sharded") {
		opts, cand = append(opts, mutexbench.WithLocks(mutexbench.Mutex(), mutexbench.Sharded(0))), "Sharded"
	}
	procs := runtime.GOMAXPROCS(0)
	l.Printf("GOMAXPROCS=%d, as many goroutines, %d rounds of %v per lock and read share\n", procs, sz.rounds, sz.runFor)
	wins := false
	for i, cs := range sz.sections {
		res, err := mutexbench.Crossover(ctx, mutexbench.Scenario{
			ReadWork: cs.Read, WriteWork: cs.Write, OutsideWork: 50 * time.Nanosecond, Duration: sz.runFor,
		}, opts...)
		if err != nil {
			return err
		}
		for _, p := range res.Probes {
			if p.Violations != 0 {
				return fmt.Errorf("a lock let a reader see a write in progress at %g%% reads", p.ReadPercent)
			}
			wins = wins || p.Verdict == mutexbench.Wins
		}
		if i == 0 {
			trap(l, res)
			l.Section("The fix: measure the whole curve with mutexbench.Crossover")
			l.Predict("from what share of reads does %s win here, for 20 ns and for 200 ns?", cand)
		}
		fix(l, cs, res)
	}
	l.Why("RWMutex lets readers overlap, but every RLock and RUnlock writes the one shared reader",
		"count, and each writer waits for the readers to drain. Which effect wins depends on the",
		"critical section, the cores, the mix of reads and writes, and how each lock queues its",
		"waiters. So the answer is a measurement, not a rule of thumb: where it is a wash, keep the Mutex.")
	if cand == "Sharded" {
		l.Printf("     Sharded gives each reader a counter of its own, and a writer takes every shard.\n")
	}
	if procs == 1 {
		l.Printf("     With one P readers never overlap, so %s cannot gain here.\n", cand)
		if wins {
			l.Printf("     The \"wins\" above is noise that cleared the band: run again.\n")
		}
	}
	l.Adds("warm-up, rounds in which the locks take turns, 95%% intervals and one verdict rule; the locks are sync's, and testing.B times them too (go test -bench Locks ./mutexbench).")
	return nil
}

// trap shows the quick check at 50, 90 and 99% reads, what three
// benchmarks would give. Its rows are the crossover's own probes at those
// shares, so the two halves cannot disagree.
func trap(l *lesson.L, res mutexbench.CrossoverResult) {
	l.Section("The trap: \"read-mostly, so RWMutex\"")
	l.Predict("at 90%% reads and a 20 ns critical section, how much faster is %s?", cand)
	l.Printf("  reads  %s ops/s  %s ops/s  ratio [95%% CI]         verdict (noise ±%.0f%%)\n", res.Baseline, res.Candidate, res.Noise*100)
	for _, p := range res.Probes {
		if p.ReadPercent == 50 || p.ReadPercent == 90 || p.ReadPercent == 99 {
			l.Printf("  %4g%%  %11s  %13s  %-22s  %s\n", p.ReadPercent,
				mops(p.BaselineOps.Median), mops(p.CandidateOps.Median), ratio(p), verdict(p.Verdict))
		}
	}
	l.Why("three read shares, one critical section, one core count: a quick check answers for what it",
		"measured and nothing else. \"Read-mostly\" alone decides nothing; the whole curve below shows",
		"where each verdict holds and where it flips.")
}

// fix draws the crossover's probes and says what it found.
func fix(l *lesson.L, cs mutexbench.CriticalSection, res mutexbench.CrossoverResult) {
	l.Printf("\ncritical section %s (read %v, write %v): %d probes; %s/%s, each # is 2.5%%\n",
		cs.Name, cs.Read, cs.Write, len(res.Probes), res.Candidate, res.Baseline)
	l.Printf("                [%-20s|%20s]\n", "   "+cand+" loses", cand+" wins    ")
	for _, p := range res.Probes {
		l.Printf("  %5.1f%% reads  %s %s %s\n", p.ReadPercent, bar(p.Ratio.Median), ratio(p), verdict(p.Verdict))
	}
	noise := fmt.Sprintf("noise ±%.0f%%", 100*res.Noise)
	switch {
	case !res.Found && res.WithinNoise:
		l.Printf("crossover: none beyond the noise; %s either will do (%s)\n", band(res), noise)
	case !res.Found:
		l.Printf("crossover: none: %s never wins beyond the noise (%s)\n", cand, noise)
	case !res.Monotone:
		l.Printf("crossover: not a single point: %s wins at some read shares only (%s)\n", cand, noise)
	case res.WithinNoise:
		l.Printf("crossover: %s wins from %g%% reads; %s either will do (%s)\n", cand, res.ReadPercent, band(res), noise)
	default:
		l.Printf("crossover: %s wins from %.1f%% reads (bracket %.1f–%.1f%%, %s)\n", cand, res.ReadPercent, res.Low, res.High, noise)
	}
	l.Printf("note: %s\n", res.Note)
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
		return cand + " wins"
	case mutexbench.Loses:
		return cand + " LOSES"
	}
	return "a wash"
}

func mops(v float64) string { return fmt.Sprintf("%.2fM", v/1e6) }

// bar draws ratio as a deviation from 1.0x, marked "|": each "#" is 2.5% of
// throughput, to the left where the candidate loses and to the right where
// it wins, clamped at ±50%.
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
