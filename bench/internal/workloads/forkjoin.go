package workloads

import "fmt"

// Joiner is a fork-join primitive: Join runs a and b, possibly in parallel,
// and returns when both have returned. Each function receives the Joiner it
// must use for its own nested joins (gmpkit passes the worker that runs it).
//
// The fork-join workloads are written once against Joiner, so every
// implementation runs the same recursion and the same sequential leaves.
type Joiner interface {
	Join(a, b func(Joiner))
}

// Seq is the sequential Joiner: a, then b, on the calling goroutine. It is
// the floor against which fork-join speedup is reported.
type Seq struct{}

// Join runs a then b.
func (Seq) Join(a, b func(Joiner)) {
	a(Seq{})
	b(Seq{})
}

// Fib computes FibSeq(n) by forking both recursive calls through j while n
// is at least cutoff, and sequentially below it.
func Fib(j Joiner, n, cutoff int) int {
	if n < cutoff || n < 2 {
		return FibSeq(n)
	}
	var x, y int
	j.Join(func(j Joiner) { x = Fib(j, n-1, cutoff) }, func(j Joiner) { y = Fib(j, n-2, cutoff) })
	return x + y
}

// MergeSortCutoff is the slice length below which MergeSort sorts
// sequentially: 1<<13 ints (64 KiB, a slice and its scratch fit in a
// typical 256 KiB–1 MiB L2), so 1e6 ints fork about 128 leaves.
const MergeSortCutoff = 1 << 13

// MergeSort sorts a using tmp as scratch, forking the two halves through j
// and merging sequentially.
func MergeSort(j Joiner, a, tmp []int) {
	if len(a) <= MergeSortCutoff {
		MergeSortSeq(a, tmp)
		return
	}
	m := len(a) / 2
	j.Join(func(j Joiner) { MergeSort(j, a[:m], tmp[:m]) }, func(j Joiner) { MergeSort(j, a[m:], tmp[m:]) })
	merge(a, m, tmp)
}

// NQueensForkDepth is how many rows NQueens places in parallel before it
// counts the rest sequentially: 3 rows of a 10×10 board fork a few hundred
// subtrees of roughly equal size.
const NQueensForkDepth = 3

// NQueens counts the solutions of the n-queens problem, forking over the
// candidate columns of the first NQueensForkDepth rows through j.
func NQueens(j Joiner, n int) int {
	all := uint32(1)<<n - 1
	return queensPar(j, all, 0, 0, 0, 0)
}

func queensPar(j Joiner, all, cols, ld, rd uint32, row int) int {
	if row >= NQueensForkDepth || cols == all {
		return queens(all, cols, ld, rd)
	}
	var bits []uint32
	for free := all &^ (cols | ld | rd); free != 0; free &= free - 1 {
		bits = append(bits, free&-free)
	}
	return queensSplit(j, all, cols, ld, rd, row, bits)
}

// queensSplit forks the candidate columns bits by halving, so that a
// binary Join covers an n-ary fan-out.
func queensSplit(j Joiner, all, cols, ld, rd uint32, row int, bits []uint32) int {
	switch len(bits) {
	case 0:
		return 0
	case 1:
		bit := bits[0]
		return queensPar(j, all, cols|bit, (ld|bit)<<1&all, (rd|bit)>>1, row+1)
	}
	m := len(bits) / 2
	var x, y int
	j.Join(
		func(j Joiner) { x = queensSplit(j, all, cols, ld, rd, row, bits[:m]) },
		func(j Joiner) { y = queensSplit(j, all, cols, ld, rd, row, bits[m:]) },
	)
	return x + y
}

// ForkRunner runs fork-join computations on one implementation.
type ForkRunner interface {
	// Do calls fn with a Joiner of the implementation and returns when fn
	// and every task it forked have returned.
	Do(fn func(Joiner)) error
	// Close releases the runner's goroutines. Do must not be called after.
	Close()
}

// NewForkRunner returns the ForkRunner of impl: ImplSequential,
// ImplGoroutines, ImplErrgroup, ImplConc (which fork a goroutine per Join)
// or ImplGmpkit (a workpool of workers workers). The bounded peers are run
// by GuardedForkJoin instead.
func NewForkRunner(impl string, workers int) (ForkRunner, error) {
	switch impl {
	case ImplSequential:
		return plainFork{Seq{}}, nil
	case ImplGoroutines:
		return plainFork{GoJoiner{}}, nil
	case ImplErrgroup:
		return plainFork{ErrgroupJoiner{}}, nil
	case ImplConc:
		return plainFork{ConcJoiner{}}, nil
	case ImplGmpkit:
		return NewGmpkitForkRunner(workers), nil
	}
	return nil, fmt.Errorf("workloads: no fork-join runner for %q", impl)
}

type plainFork struct{ j Joiner }

func (p plainFork) Do(fn func(Joiner)) error { fn(p.j); return nil }
func (plainFork) Close()                     {}
