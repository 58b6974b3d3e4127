package workloads

import (
	"sync/atomic"
)

// sink keeps the compiler from deleting kernels whose results nobody reads.
var sink atomic.Uint64

// Spin runs iters rounds of a xorshift generator and returns its state. It is
// the body of the tiny task: a dependent chain of shifts and xors that the
// compiler cannot vectorise or fold, so its cost is linear in iters and close
// to one nanosecond per round on a current x86-64 core.
func Spin(iters int) uint64 {
	x := uint64(iters)*0x9e3779b97f4a7c15 | 1
	for i := 0; i < iters; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// TinyIters is the number of Spin rounds in a tiny task, a task of about
// 100 ns: 80 rounds took 100–105 ns on the 2-core AMD
// EPYC box (go test -bench Spin, 100 rounds measured 127–130 ns).
const TinyIters = 80

// TinyTask is the tiny task: Spin(TinyIters), its result published to a sink.
func TinyTask() { sink.Add(Spin(TinyIters)) }

// FibSeq returns the n'th Fibonacci number by the doubly recursive
// definition; it is the sequential floor of the fib fork-join workload.
func FibSeq(n int) int {
	if n < 2 {
		return n
	}
	return FibSeq(n-1) + FibSeq(n-2)
}

// NQueensSeq counts the placements of n non-attacking queens on an n×n board,
// by the usual bitmask backtracking; NQueensSeq(10) is 724.
func NQueensSeq(n int) int {
	all := uint32(1)<<n - 1
	return queens(all, 0, 0, 0)
}

// queens counts completions of a partial placement: cols, ld and rd are the
// columns and diagonals already attacked on the next row.
func queens(all, cols, ld, rd uint32) int {
	if cols == all {
		return 1
	}
	count := 0
	free := all &^ (cols | ld | rd)
	for free != 0 {
		bit := free & -free
		free ^= bit
		count += queens(all, cols|bit, (ld|bit)<<1&all, (rd|bit)>>1)
	}
	return count
}

// MergeSortSeq sorts a in place, using tmp (len(tmp) >= len(a)) as scratch.
func MergeSortSeq(a, tmp []int) {
	if len(a) <= insertionCutoff {
		insertionSort(a)
		return
	}
	m := len(a) / 2
	MergeSortSeq(a[:m], tmp[:m])
	MergeSortSeq(a[m:], tmp[m:])
	merge(a, m, tmp)
}

// insertionCutoff is where merge sort hands over to insertion sort; 24 is in
// the range (16–32) that sort.Stable and most textbooks use.
const insertionCutoff = 24

func insertionSort(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// merge merges the sorted halves a[:m] and a[m:] through tmp.
func merge(a []int, m int, tmp []int) {
	copy(tmp, a[:m])
	i, j, k := 0, m, 0
	for i < m && j < len(a) {
		if tmp[i] <= a[j] {
			a[k] = tmp[i]
			i++
		} else {
			a[k] = a[j]
			j++
		}
		k++
	}
	copy(a[k:], tmp[i:m])
}

// RandomInts returns n pseudo-random ints from a fixed seed, so that every
// implementation sorts the same input.
func RandomInts(n int) []int {
	a := make([]int, n)
	x := uint64(0x2545f4914f6cdd1d)
	for i := range a {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		a[i] = int(x >> 1)
	}
	return a
}

// Golden is splitmix64's increment, 2^64 divided by the golden ratio (Steele,
// Lea and Flood, "Fast splittable pseudorandom number generators", 2014).
// The tree also multiplies a child's index by it to spread the index's bits.
const Golden = 0x9E3779B97F4A7C15

// Mix is one round of splitmix64: add Golden, then its output mix. The tree
// and loop workloads are built from it because it is cheap (two multiplies
// and three shift-xors, about 1.8 ns a round in a dependent chain), and
// written identically in Go, Rust and Java (wrapping arithmetic on 64 bits),
// so that the anchors compute the same values bit for bit.
func Mix(z uint64) uint64 {
	z += Golden
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Hash runs rounds dependent rounds of Mix on s: a tree node's work and the
// loop's body.
func Hash(s uint64, rounds int) uint64 {
	for range rounds {
		s = Mix(s)
	}
	return s
}
