// Command study runs gmpkit's side-by-side study on the machine it runs on
// and writes a report a workshop can project: tables on stdout, a progress
// bar with the study name and an ETA on stderr, and a folder (default
// ./gmpkit-report) with a self-contained index.html, the charts as .svg
// files, raw.txt for benchstat and results.json.
//
// Usage:
//
//	go run -C bench ./cmd/study [-full] [-only tasks,forkjoin,groups,steal,locks,chan,ctx,metrics] [-out dir]
//	                            [-benchtime d] [-count n] [-no-progress] [-tiny]
//
// The default, quick mode runs the issues' workload sizes with 3 samples of
// about 150 ms per case (one for a case whose op outlasts two) and takes
// about 90 s on 2 cores; -full takes 6 samples of about 250 ms (the fewest
// for which benchstat reports a 95% confidence interval), more read ratios
// in the lock study and the goroutine-per-fork peers at fib cutoff 2
// (about 6 minutes on 2 cores). -tiny shrinks every workload so that the
// tests can run the whole study in seconds; its figures mean nothing.
//
// Where cargo (with Debian's librust-rayon-dev sources) and a JDK are on
// PATH, the fork-join study also builds and runs the Rayon and Java
// anchors (bench/anchors) and reports them beside gmpkit; where they are
// not, it prints a note and leaves them out.
//
// # Behaviour
//
//   - Bad flags print the usage and exit with status 2, as the flag
//     package does.
//   - The -out folder is created and proven writable before any study
//     runs: a typo costs a second, not a study.
//   - Ctrl-C (SIGINT) or SIGTERM stops after the sample in progress; the
//     report is still written with every case that finished, marked
//     interrupted, and the exit status is 130.
//   - A case whose result fails its check (a wrong sum, a broken lock) is
//     an "error" in the report and makes the exit status 1.
//
// The study and the benchmarks (go test -bench . in the bench module) run
// the same cases from the same code (package internal/suite), so a figure
// of the report can be reproduced with benchstat either way.
package main
