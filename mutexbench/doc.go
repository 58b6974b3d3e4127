// Package mutexbench answers "Mutex or RWMutex?" by measuring, on the
// machine it runs on, in seconds, rather than by folklore.
//
// The folklore says "RWMutex for read-heavy data". On a 2-core machine with
// a 1024-entry table and about 200 ns of work in the critical section,
// RWMutex is no faster than Mutex at 50% or 90% reads and wins, if at all,
// only close to 100% (see Measured figures below). RWMutex's reader count
// is one contended cache line (golang/go#17973), so it pays off only when
// readers really overlap: long critical sections, many cores, few writes.
// This package makes that map for a given workload: [Run] measures one lock
// on one [Scenario], [Matrix] measures a grid of them, [Crossover] finds by
// bisection the read ratio from which RWMutex wins, and [Recommend] turns
// rows into a decision table whose every row shows the figures it rests on.
// It imports only the standard library.
//
// # The model
//
// A lock scheme is compared as a [Store]: guarded [Data] with Read(fn) and
// Write(fn). The interface sits one level above a lock on purpose. A
// Lock/Unlock/RLock/RUnlock interface cannot express copy-on-write, whose
// readers take no lock and whose writers publish a new copy, nor
// xsync.RBMutex, whose RLock returns a token that RUnlock must be given;
// Read(fn)/Write(fn) expresses both, and any user's scheme, as a [Lock]
// value built outside this package. The built-ins are [Mutex] (reads take
// the write lock; the baseline), [RWMutex], [CopyOnWrite] (an
// atomic.Pointer swapped by serialized writers) and [Sharded] (padded
// per-shard RWMutexes: a reader takes one shard, a writer all of them).
//
// A run starts Scenario.Goroutines goroutines, releases them together, and
// each repeats: draw read or write from its own SplitMix64 stream in the
// ratio Scenario.ReadPercent; do the read or write under the Store; do
// Scenario.OutsideWork outside it. Critical-section work is calibrated work
// over the protected table (a dependent multiply-xor chain that loads, and
// for writes stores, one entry per unit; [UnitCost] reports a unit's
// measured cost), never time.Sleep, which parks the goroutine and measures
// the scheduler's timer instead of the lock.
//
// Throughput is operations over the wall-clock time from release to the
// last goroutine's return. Latency is timed on one operation in
// Scenario.SampleEvery per goroutine (default 8): two clock reads cost about
// 40 ns, which would double a 20 ns critical section if every operation
// paid them. Each goroutine keeps a uniform reservoir of its samples
// (Vitter's algorithm R, 32768 per kind per run in all), and percentiles
// are exact nearest-rank values over the merged reservoirs. A timed write
// also records when its function started, so Result.MaxWriterWait is the
// longest wait to acquire: above 1 ms, sync.Mutex has switched to
// starvation mode. Result.MutexWait is the run's delta of the runtime's
// /sync/mutex/wait/total:seconds: time the process's goroutines spent
// blocked (not spinning) on sync or runtime locks.
//
// # Invariants
//
// Every write moves one unit from Data.B to Data.A, so A+B == 0 outside a
// Write and A counts applied writes. Every read checks A+B == 0 around its
// work, and at the end of a run A must equal the writes done; any breach is
// counted in Result.Violations, which is zero for a correct Store. Run
// returns only after every goroutine it started has returned, and restores
// GOMAXPROCS if the Scenario set it.
//
// # Crossover and recommendation
//
// [Crossover] measures both locks (alternately, three times each, comparing
// medians) at 100% and 0% reads, then halves the bracket [lost, won] to one
// percentage point: 9 probes instead of the 101 of a sweep. It assumes the
// candidate's advantage grows with the read ratio, which is what RWMutex's
// design predicts, and says so when the probes disagree. Because this kind
// of measurement is noisy, every answer carries the typical run-to-run
// spread seen (the median over probes of each probe's range, or
// interquartile range from five repeats on, never less than [NoiseFloor],
// 3%), the band of read ratios over which
// the two locks were within it, and WithinNoise when that band is wider than
// [WideBand] points or the candidate's best win is itself noise. Its
// measurement can be replaced ([WithMeasure]) by a cost model, which is how
// its tests check the search without depending on timing.
//
// [Recommend] picks, per matrix cell, the fastest lock that kept the
// invariant, but only if it beats Mutex by more than [RecommendMargin] (5%,
// about the run-to-run spread of a shared machine): below that, the simpler
// lock wins, the one that cannot fall into the upgrade trap. Copy-on-write
// and starving writers are named in the row's reason.
//
// # The lock-upgrade trap
//
// A goroutine holding RLock that calls Lock deadlocks: Lock waits for all
// readers to leave, itself included. sync.RWMutex has no upgrade; release
// the read lock, take the write lock, and re-check the condition.
// Example_lockUpgradeTrap shows the deadlock, detects it with a timeout,
// and releases it without leaving a goroutine behind.
//
// # Alternatives not taken
//
//   - Benchmarks only (testing.B): the study and users need the figures as
//     data at run time, so the measurement is a library call and
//     BenchmarkLocks is a thin wrapper over Run.
//   - An HDR-style histogram for latencies: bounded memory at any run
//     length, but approximate percentiles and a bucket layout to justify; a
//     reservoir gives exact percentiles of a uniform sample in 256 KiB.
//   - Choosing a shard by goroutine: Go exposes no goroutine or P id, and a
//     shared round-robin counter would be the very contended cache line
//     sharding avoids; readers pick a shard with math/rand/v2, which draws
//     from a per-thread generator without contention.
//   - Timing every write to catch the longest wait exactly: at 50% writes it
//     would cost more than short critical sections; set SampleEvery to 1 for
//     that.
//
// # Constants
//
// [DefaultDataSize] (1024 entries) is the table of the measurement that
// opened this package's issue; [LongCS] (200 ns) is its critical section
// and [ShortCS] (20 ns) a map lookup's worth. [StarvationThreshold] is
// sync.Mutex's own starvationThresholdNs. Shards are padded to 128 bytes,
// the runtime's cache-line pad on amd64, where the adjacent-line prefetcher
// pairs 64-byte lines.
//
// # Measured figures
//
// On the project's shared 2-core AMD EPYC VM (Go 1.26, GOMAXPROCS 2),
// while other jobs kept its load average between 6 and 10, so every figure
// is approximate:
//
//	go test -run '^$' -bench Locks -benchtime 0.2s -count 6 ./mutexbench |
//		benchstat -col /lock -row /goroutines,/cs,/read -filter '.unit:sec/op' -
//
// Wall time per operation, long critical section (200 ns), 50 ns outside,
// 1024 entries; in brackets the ratio to Mutex, "~" where benchstat saw no
// significant difference (p > 0.05):
//
//	goroutines reads  mutex   rwmutex        cow             sharded
//	2           50%   280 ns  281 ns (~)     3409 ns (12×)   300 ns (~)
//	2           90%   286 ns  286 ns (~)      972 ns (3.4×)  284 ns (0.97×)
//	2           99%   281 ns  277 ns (~)      309 ns (~)     281 ns (~)
//	2          100%   287 ns  260 ns (0.91×)  226 ns (0.79×) 271 ns (~)
//	8           50%   300 ns  301 ns (~)     2558 ns (8.5×)  335 ns (1.12×)
//	8           90%   312 ns  312 ns (~)      752 ns (2.4×)  315 ns (~)
//	8           99%   338 ns  295 ns (~)      322 ns (~)     315 ns (0.93×)
//	8          100%   326 ns  271 ns (0.83×)  133 ns (0.41×) 187 ns (0.57×)
//
// With the short critical section (20 ns) the run-to-run spread (±50% and
// more) hid every difference except copy-on-write's cost at 50% and 90%
// reads (8–16× and 3–9× Mutex's time). Crossover, with Duration 100 ms,
// OutsideWork 50 ns and WithRepeats(7), put RWMutex's crossover at 95.3%
// reads (short, 2 goroutines), 94.5% (short, 8), only at 100% (long, 2;
// +8%) and at 64% (long, 8), and flagged all four WithinNoise: on two
// cores RWMutex is at best a few percent faster than Mutex below 100%
// reads, and copy-on-write wins only when writes are rare. The quick matrix
// took 9.9 s.
package mutexbench
