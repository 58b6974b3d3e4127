// Package anchors builds and runs the study's cross-language anchors: the
// fork-join study's fib, unbalanced tree and parallel loop written with
// Rayon (bench/anchors/rayon) and with Java's ForkJoinPool
// (bench/anchors/java), so that gmpkit's fork-join figures stand next to
// the two work-stealing schedulers they are modeled on, measured in the
// same run on the same machine.
//
// # The model
//
// An [Anchor] is one program in one language. [Anchor.Available] says
// whether its toolchain is here (cargo and Debian's Rayon source registry;
// javac and java); [Anchor.Run] builds it (cached, offline) and runs it
// once with the study's [Params], and parses its output into [Row]s, one
// per workload and thread count. Each row carries the program's own
// sequential time: a language is compared with itself (speedup over its
// own sequential program), since a cross-language ratio of times measures
// compilers as much as schedulers.
//
// # Invariants
//
//   - Nothing is fetched: cargo builds with --offline against
//     /usr/share/cargo/registry (apt-get install librust-rayon-dev), which
//     the project's .cargo/config.toml names.
//   - Nothing is written into the repository: sources are copied to a
//     build folder under the user's cache directory (os.UserCacheDir),
//     where the Cargo.lock, the target folder and the Java classes live;
//     a build is reused while the sources are unchanged.
//   - Every row's results (fib's value, the tree's count and checksum,
//     the loop's checksum) are the caller's to check against Go's; a row
//     that disagrees is an error, never a figure.
//
// # Alternatives not taken
//
// The anchors could be run once per workload and thread count, as the Go
// cases are; a JVM then pays its start-up and JIT warm-up every time. One
// run per language, which warms up before it times, costs seconds instead.
package anchors
