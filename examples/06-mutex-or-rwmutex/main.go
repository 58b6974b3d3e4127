// Lesson 6, Mutex or RWMutex: the crossover on your machine, measured with
// mutexbench, in under 20 seconds.
//
//	go run ./examples/06-mutex-or-rwmutex          # 10 to 15 s
//	go run ./examples/06-mutex-or-rwmutex -short   # about 1 s, coarse
//
// The trap: "the data is read-mostly, so RWMutex". An RWMutex read lock is
// not free: every RLock and RUnlock is an atomic add on one shared counter,
// so readers on different cores still fight over a cache line, and with a
// short critical section that costs as much as the Mutex it replaced. The
// lesson first measures both locks at a few read ratios, the way the
// decision is usually made, and shows the ratio: often no win at all. The
// fix is to measure instead of guess: mutexbench.Crossover bisects the read
// ratio at which RWMutex starts to win on this machine, for a short and a
// long critical section, and says how sharp the answer is.
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
	"text/tabwriter"
	"time"

	"github.com/gmpkit/gmpkit/mutexbench"
)

func main() {
	short := flag.Bool("short", false, "short runs and a coarse bisection: about a second, noisy")
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
	runFor     time.Duration // one measurement
	repeats    int           // per lock per probe
	resolution float64       // bisection stops at this width, in percentage points
	sections   []mutexbench.CriticalSection
}

func run(ctx context.Context, w io.Writer, short bool) error {
	sz := sizes{runFor: 100 * time.Millisecond, repeats: 3, resolution: 2,
		sections: []mutexbench.CriticalSection{mutexbench.ShortCS, mutexbench.LongCS}}
	if short {
		sz = sizes{runFor: 10 * time.Millisecond, repeats: 1, resolution: 12.5,
			sections: []mutexbench.CriticalSection{mutexbench.ShortCS}}
	}
	fmt.Fprintf(w, "GOMAXPROCS=%d, one work unit costs %.2f ns on this machine\n\n", runtime.GOMAXPROCS(0), mutexbench.UnitCost())
	if err := trap(ctx, w, sz); err != nil {
		return err
	}
	return fix(ctx, w, sz)
}

// scenario is the workload of both halves: GOMAXPROCS goroutines, the given
// critical section, a little work outside the lock.
func scenario(cs mutexbench.CriticalSection, readPercent float64, d time.Duration) mutexbench.Scenario {
	return mutexbench.Scenario{
		ReadPercent: readPercent,
		ReadWork:    cs.Read,
		WriteWork:   cs.Write,
		OutsideWork: 50 * time.Nanosecond,
		Duration:    d,
	}
}

// trap measures both locks once at three read ratios with a short critical
// section, as a quick "it's read-mostly" check would.
func trap(ctx context.Context, w io.Writer, sz sizes) error {
	fmt.Fprintln(w, "== The trap: \"read-mostly, so RWMutex\" ==")
	fmt.Fprintln(w, "predict: at 90% reads and a 20 ns critical section, how much faster is RWMutex?")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "reads\tmutex ops/s\trwmutex ops/s\trwmutex/mutex\tverdict\t")
	for _, reads := range []float64{50, 90, 99} {
		s := scenario(mutexbench.ShortCS, reads, sz.runFor)
		m, err := mutexbench.Run(ctx, s, mutexbench.Mutex())
		if err != nil {
			return err
		}
		rw, err := mutexbench.Run(ctx, s, mutexbench.RWMutex())
		if err != nil {
			return err
		}
		if m.Violations+rw.Violations != 0 {
			return fmt.Errorf("trap: a lock let a reader see a write in progress (%d, %d)", m.Violations, rw.Violations)
		}
		ratio := rw.Throughput / m.Throughput
		verdict := "RWMutex wins"
		switch {
		case ratio < 1-mutexbench.NoiseFloor:
			verdict = "RWMutex LOSES"
		case ratio < 1+mutexbench.RecommendMargin:
			verdict = "a wash"
		}
		fmt.Fprintf(tw, "%.0f%%\t%.3g\t%.3g\t%.2fx\t%s\t\n", reads, m.Throughput, rw.Throughput, ratio, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "why: RLock and RUnlock each do an atomic add on the same readerCount word, so")
	fmt.Fprintln(w, "     readers on different cores still bounce one cache line between them; with a")
	fmt.Fprintln(w, "     short critical section that traffic is most of the cost, as with a Mutex.")
	fmt.Fprintln(w, "     (One run per cell on a shared machine: noisy. The fix measures properly.)")
	fmt.Fprintln(w)
	return nil
}

// fix finds the crossover for each critical section and draws the probes.
func fix(ctx context.Context, w io.Writer, sz sizes) error {
	fmt.Fprintln(w, "== The fix: find the crossover with mutexbench.Crossover ==")
	fmt.Fprintln(w, "predict: from what share of reads does RWMutex win here, for 20 ns and for 200 ns?")
	for _, cs := range sz.sections {
		base := scenario(cs, 0, sz.runFor)
		res, err := mutexbench.Crossover(ctx, base,
			mutexbench.WithRepeats(sz.repeats), mutexbench.WithResolution(sz.resolution))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\ncritical section %s (read %v, write %v): %d probes; rwmutex/mutex, each # is 2.5%%\n",
			cs.Name, cs.Read, cs.Write, len(res.Probes))
		fmt.Fprintf(w, "                %s\n", "[   RWMutex loses    |    RWMutex wins    ]")
		for _, p := range res.Probes {
			fmt.Fprintf(w, "  %5.1f%% reads  %s %.2fx\n", p.ReadPercent, bar(p.Ratio), p.Ratio)
		}
		if res.Found {
			fmt.Fprintf(w, "crossover: RWMutex wins from %.1f%% reads (bracket %.1f–%.1f%%, noise %.0f%%, within noise: %v)\n",
				res.ReadPercent, res.Low, res.High, 100*res.Noise, res.WithinNoise)
		} else {
			fmt.Fprintf(w, "crossover: none: Mutex wins even at 100%% reads (noise %.0f%%)\n", 100*res.Noise)
		}
		fmt.Fprintf(w, "note: %s\n", res.Note)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "why: RWMutex pays off only when readers overlap for long enough to amortize the")
	fmt.Fprintln(w, "     shared counter: long critical sections, many cores, very few writers. The")
	fmt.Fprintln(w, "     crossover moves with the machine, GOMAXPROCS and the critical section, which")
	fmt.Fprintln(w, "     is why the answer is a measurement here, not a rule of thumb.")
	return nil
}

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
