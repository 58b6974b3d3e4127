// Package mutexbench answers "Mutex or RWMutex?" by measuring, on the
// machine it runs on, instead of by folklore.
//
// [Run] measures one [Lock] ([Mutex], [RWMutex], [CopyOnWrite], [Sharded],
// or a user's own [Store]) on one [Scenario]: read share, critical-section
// length, goroutines. [Compare] measures two locks against each other and
// gives a [Verdict]; [Matrix] does so for a grid of scenarios; [Crossover]
// finds the read share from which RWMutex wins; [Recommend] turns matrix
// rows into a decision table whose rows show the figures they rest on. It
// imports only the standard library.
//
//	s := mutexbench.Scenario{ReadPercent: 90, ReadWork: 200 * time.Nanosecond}
//	c, err := mutexbench.Compare(ctx, s) // RWMutex against Mutex
//	if err != nil {
//		return err
//	}
//	fmt.Println(c) // e.g. 1.02× [0.97–1.06] rwmutex a wash (±3% noise)
//
// # Guarantees
//
// Every comparison follows one rule. Each lock is warmed up, then measured
// in rounds (7 by default, [WithRounds]) in which the locks take turns. The
// throughput ratio is taken within each round, and its median gets a 95%
// bootstrap confidence interval over the rounds. A lock wins, or loses,
// only when that interval lies wholly outside parity ± the noise: the
// spread of the paired ratios across rounds, pooled over the cells of one
// call, and never under 3%. Otherwise the verdict is a wash: either lock
// will do. Compare, Matrix, Recommend and Crossover all apply this rule, so
// they cannot contradict each other on the same figures.
//
// Run starts Scenario.Goroutines goroutines and returns only after all of
// them have returned; it restores GOMAXPROCS if the Scenario set it. The
// work inside and outside the lock is calibrated work over the data, never
// a sleep. Every write keeps Data.A+Data.B == 0 and every read checks it:
// Result.Violations is zero for a correct Store. Latency percentiles are
// exact over a uniform sample of timed operations, and say how many
// samples they rest on.
//
// # Costs
//
// A run lasts Scenario.Duration (100 ms by default), plus a quarter of it
// per lock and cell to warm up. Compare takes 2 × 7¼ runs; Crossover 7 × 2
// × 7¼ for its grid plus 2 × 7¼ per bisection step; QuickMatrix, 64 rows of
// 40 ms runs, about 22 s on 2 cores:
//
//	go run ./mutexbench/internal/stability -only matrix -runs 1
//
// Timing an operation costs two clock reads, about 40 ns, so a goroutine
// times one operation in Scenario.SampleEvery (8 by default).
//
// # Traps
//
//   - Upgrading a read lock deadlocks: a goroutine holding RLock that calls
//     Lock waits for itself. Release the read lock, take the write lock and
//     check the condition again (see Example_lockUpgradeTrap).
//   - A verdict holds for the machine, GOMAXPROCS and workload measured.
//     RWMutex pays off only when readers really overlap; on one P they
//     never do, and the crossover moves with the core count.
//   - A wash is an answer, not a failure: take Mutex, the simpler lock.
//   - Runs measure each other: run one measurement at a time, and nothing
//     else heavy in the process. Setting Scenario.GOMAXPROCS changes it for
//     the whole process during the run.
//
// The design, the alternatives not taken and measured figures are in
// DESIGN.md in this package's folder.
package mutexbench
