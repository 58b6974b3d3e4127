package workloads

import (
	"context"
	"fmt"

	"github.com/gmpkit/gmpkit/workpool"
)

// Fork is what a fork-join workload needs of its implementation: Join
// runs a and b, possibly in parallel, and returns when both have returned;
// each half receives the J it must use for its own nested joins.
//
// The workloads are written once, generic in J, and instantiated twice:
// with *workpool.Worker, whose Join has exactly this shape, so that
// gmpkit's forks call Worker.Join as a user's code would, with no adapter
// closure in between; and with [Joiner], the interface every other
// implementation provides.
type Fork[J any] interface {
	Join(a, b func(J))
}

// Joiner is the fork-join primitive of the implementations other than
// gmpkit: Join runs a and b, possibly in parallel, and returns when both
// have returned. Each function receives the Joiner it must use for its
// own nested joins.
type Joiner interface {
	Join(a, b func(Joiner))
}

// Body is one fork-join computation in both instantiations: Worker for
// gmpkit (it forks with Worker.Join), Joiner for every other
// implementation. The constructors ([FibBody], [MergeSortBody],
// [NQueensBody], [TreeBody]) fill both from the one generic copy.
type Body struct {
	Worker func(w *workpool.Worker)
	Joiner func(j Joiner)
}

// Seq is the sequential Joiner: a, then b, on the calling goroutine.
type Seq struct{}

// Join runs a then b.
func (Seq) Join(a, b func(Joiner)) {
	a(Seq{})
	b(Seq{})
}

// Fib computes FibSeq(n) by forking both recursive calls through j while n
// is at least cutoff, and sequentially below it.
func Fib[J Fork[J]](j J, n, cutoff int) int {
	if n < cutoff || n < 2 {
		return FibSeq(n)
	}
	var x, y int
	j.Join(func(j J) { x = Fib(j, n-1, cutoff) }, func(j J) { y = Fib(j, n-2, cutoff) })
	return x + y
}

// FibWorker is Fib written for gmpkit's worker directly, as its users
// write it (see "Concrete copies" in the package doc).
func FibWorker(w *workpool.Worker, n, cutoff int) int {
	if n < cutoff || n < 2 {
		return FibSeq(n)
	}
	x, y := workpool.Join2(w,
		func(w *workpool.Worker) int { return FibWorker(w, n-1, cutoff) },
		func(w *workpool.Worker) int { return FibWorker(w, n-2, cutoff) })
	return x + y
}

// FibBody is Fib(n, cutoff), its result stored in *out.
func FibBody(n, cutoff int, out *int) Body {
	return Body{
		Worker: func(w *workpool.Worker) { *out = FibWorker(w, n, cutoff) },
		Joiner: func(j Joiner) { *out = Fib(j, n, cutoff) },
	}
}

// MergeSortCutoff is the slice length below which MergeSort sorts
// sequentially: 1<<13 ints (64 KiB, a slice and its scratch fit in a
// typical 256 KiB–1 MiB L2), so 1e6 ints fork about 128 leaves.
const MergeSortCutoff = 1 << 13

// MergeSort sorts a using tmp as scratch, forking the two halves through j
// and merging sequentially.
func MergeSort[J Fork[J]](j J, a, tmp []int) {
	if len(a) <= MergeSortCutoff {
		MergeSortSeq(a, tmp)
		return
	}
	m := len(a) / 2
	j.Join(func(j J) { MergeSort(j, a[:m], tmp[:m]) }, func(j J) { MergeSort(j, a[m:], tmp[m:]) })
	merge(a, m, tmp)
}

// MergeSortBody copies src into a and sorts it with MergeSort, using tmp.
func MergeSortBody(src, a, tmp []int) Body {
	return Body{
		Worker: func(w *workpool.Worker) { copy(a, src); MergeSort(w, a, tmp) },
		Joiner: func(j Joiner) { copy(a, src); MergeSort(j, a, tmp) },
	}
}

// NQueensForkDepth is how many rows NQueens places in parallel before it
// counts the rest sequentially: 3 rows of a 10×10 board fork a few hundred
// subtrees of roughly equal size.
const NQueensForkDepth = 3

// NQueens counts the solutions of the n-queens problem, forking over the
// candidate columns of the first NQueensForkDepth rows through j.
func NQueens[J Fork[J]](j J, n int) int {
	all := uint32(1)<<n - 1
	return queensPar(j, all, 0, 0, 0, 0)
}

// NQueensBody is NQueens(n), its result stored in *out.
func NQueensBody(n int, out *int) Body {
	return Body{
		Worker: func(w *workpool.Worker) { *out = NQueens(w, n) },
		Joiner: func(j Joiner) { *out = NQueens(j, n) },
	}
}

func queensPar[J Fork[J]](j J, all, cols, ld, rd uint32, row int) int {
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
func queensSplit[J Fork[J]](j J, all, cols, ld, rd uint32, row int, bits []uint32) int {
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
		func(j J) { x = queensSplit(j, all, cols, ld, rd, row, bits[:m]) },
		func(j J) { y = queensSplit(j, all, cols, ld, rd, row, bits[m:]) },
	)
	return x + y
}

// ForkRunner runs fork-join computations on one implementation.
type ForkRunner interface {
	// Do runs body and returns when it and every function it forked have
	// returned.
	Do(body Body) error
	// Close releases the runner's goroutines. Do must not be called after.
	Close()
}

// NewForkRunner returns the ForkRunner of impl: ImplSequential,
// ImplGoroutines, ImplErrgroup, ImplConc (which fork a goroutine per Join)
// or ImplGmpkit (a workpool of workers workers, entered with Pool.Run). The
// bounded peers are run by GuardedForkJoin instead.
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
		return &gmpkitFork{pool: workpool.New(workpool.WithWorkers(workers), workpool.WithName("bench-forkjoin"))}, nil
	}
	return nil, fmt.Errorf("workloads: no fork-join runner for %q", impl)
}

type plainFork struct{ j Joiner }

func (p plainFork) Do(b Body) error { b.Joiner(p.j); return nil }
func (plainFork) Close()            {}

type gmpkitFork struct{ pool *workpool.Pool }

func (f *gmpkitFork) Do(b Body) error {
	return f.pool.Run(context.Background(), func(w *workpool.Worker) error {
		b.Worker(w)
		return nil
	})
}

func (f *gmpkitFork) Close() { _ = f.pool.Close() }
