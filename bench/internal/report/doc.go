// Package report writes a study's report folder: index.html, one .svg file
// per chart, raw.txt in the Go benchmark format for benchstat, and
// results.json for people who plot their own.
//
// # Design
//
// index.html is self-contained: inline CSS, the charts inlined as SVG
// elements, no script, no image, font or stylesheet fetched, so that it
// opens offline, can be mailed and renders the same in a projector's
// browser. Charts are drawn with gonum.org/v1/plot onto its SVG canvas
// (vg/vgsvg, fonts not embedded: the text falls back to the browser's
// sans-serif); nothing here writes SVG by hand. Colours are the Okabe–Ito
// palette, which stays distinguishable for the common forms of colour
// blindness and in greyscale print.
//
// The lock charts mark the crossover, the lowest read ratio of the highest
// stretch at which RWMutex beats Mutex by mutexbench's verdict rule
// (mutexbench.CompareRounds on the two locks' samples), as
// mutexbench.Crossover reads its grid; its bisection would be sharper but
// costs dozens of runs per chart.
//
// The headline table ([Headline]) divides each peer's time per op by
// gmpkit's on the same workload (and worker count) in the same run: above
// 1× gmpkit is faster. It leaves out the Rayon and Java anchors, whose
// times measure another compiler as well as another scheduler; the
// fork-join section's side-by-side table ([SideBySide]) compares every
// implementation, anchors included, by its speedup over its own
// language's sequential program instead.
package report
