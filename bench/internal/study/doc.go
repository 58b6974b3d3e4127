// Package study runs the cases of the selected studies and collects their
// measurements into a [Report], the one data structure that cmd/study
// prints as tables and that package report writes out as raw.txt,
// results.json, SVG charts and index.html.
//
// # Measurement
//
// [Measure] runs a case as testing.B would, without testing.B (which
// cannot be driven with a cancelable context from a command): one warm-up
// operation, whose result is verified and whose time predicts how many
// operations fit in the benchtime; then Count samples, each after a
// runtime.GC, each timing N operations and reading runtime.MemStats before
// and after for B/op and allocs/op. Every sample becomes one line of
// raw.txt, so benchstat sees Count runs per case and reports a confidence
// interval.
//
// Derived figures: ns/task and allocs/task divide ns/op and allocs/op by
// the case's tasks per op; speedup divides the sequential case's mean
// ns/op by each sample's, and vs-<base> the mean ns/op of the case's Base
// implementation (vs-errgroup in the groups study), for cases of the same
// benchmark and workload measured in the same run. An External case (an
// anchor) runs once and yields a result per row, which carries its own
// speedup over its own language's sequential program.
//
// # Interruption
//
// Cancellation (Ctrl-C in cmd/study) is checked before every case and
// every sample. A case with at least one finished sample is kept, one
// without is dropped, later studies are marked "not run", and the report
// is marked Interrupted, so that what finished is still written.
package study
