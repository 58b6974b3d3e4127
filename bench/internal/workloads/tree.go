package workloads

import (
	"fmt"

	"github.com/gmpkit/gmpkit/workpool"
)

// Tree is the unbalanced tree workload, the binomial shape of the
// Unbalanced Tree Search benchmark (Olivier et al., "UTS: An Unbalanced
// Tree Search Benchmark", LCPC 2006): the root has B0 children; every other
// node has M children with probability q = Threshold/2^32, else none. With
// q·M just below 1 the expected size is 1 + B0/(1 - q·M), but a subtree's
// size is wildly uneven and unknowable before it is explored, so a static
// split cannot balance it: only stealing does.
//
// A node's state determines everything about it: its work is
// h = Hash(state, Rounds); it has children when h>>32 < Threshold; child i's
// state is Mix(h ^ (i+1)·Golden). The tree's result is its node count and
// the XOR of every node's h, which no order of visiting changes. The same
// definition is written in bench/anchors/rayon and bench/anchors/java,
// which print the same count and checksum.
type Tree struct {
	B0        int    // children of the root
	M         int    // children of a non-root node that has any
	Threshold uint64 // a non-root node has M children when h>>32 < Threshold
	Rounds    int    // rounds of Mix in a node's work
	Seed      uint64 // the root's state
}

// StudyTree is the study's tree: q = 534723428/2^32 ≈ 0.1245, so q·M ≈
// 0.996; its 522 801 nodes reach 357 levels deep. 56 rounds of Mix make
// a node cost about 190 ns, so that the whole tree takes about 100 ms
// sequentially on the 2-core AMD EPYC box. The seed was picked, among the
// first eight, for a size near 500k.
var StudyTree = Tree{B0: 3000, M: 8, Threshold: 534_723_428, Rounds: 56, Seed: 3}

// The study tree's node count and checksum, as Go, Rust and Java compute them.
const (
	StudyTreeNodes    = 522_801
	StudyTreeChecksum = 12299782486361768033
)

// TreeSum is a tree's result: how many nodes it has, and the XOR of every
// node's hash.
type TreeSum struct{ Count, Checksum uint64 }

func (s TreeSum) add(o TreeSum) TreeSum {
	return TreeSum{s.Count + o.Count, s.Checksum ^ o.Checksum}
}

// String is "COUNT:CHECKSUM", as the anchors print it.
func (s TreeSum) String() string { return fmt.Sprintf("%d:%d", s.Count, s.Checksum) }

// Args is the tree as the anchors take it: "B0,M,THRESHOLD,ROUNDS,SEED".
func (t Tree) Args() string {
	return fmt.Sprintf("%d,%d,%d,%d,%d", t.B0, t.M, t.Threshold, t.Rounds, t.Seed)
}

func (t *Tree) children(h uint64, root bool) int {
	switch {
	case root:
		return t.B0
	case h>>32 < t.Threshold:
		return t.M
	}
	return 0
}

func childState(h uint64, i int) uint64 { return Mix(h ^ uint64(i+1)*Golden) }

// Seq visits the tree depth first on the calling goroutine: the floor.
func (t Tree) Seq() TreeSum { return t.seq(t.Seed, true) }

func (t *Tree) seq(state uint64, root bool) TreeSum {
	h := Hash(state, t.Rounds)
	s := TreeSum{1, h}
	for i := range t.children(h, root) {
		s = s.add(t.seq(childState(h, i), false))
	}
	return s
}

// TreePar visits the tree forking through j: a node's children are split
// by halving the index range and joining the halves, as Rayon's join and
// Java's invokeAll do.
func TreePar[J Fork[J]](j J, t *Tree) TreeSum { return treeNode(j, t, t.Seed, true) }

func treeNode[J Fork[J]](j J, t *Tree, state uint64, root bool) TreeSum {
	h := Hash(state, t.Rounds)
	if n := t.children(h, root); n > 0 {
		return treeRange(j, t, h, 0, n).add(TreeSum{1, h})
	}
	return TreeSum{1, h}
}

// treeRange visits children lo..hi (at least one) of the node whose hash
// is h.
func treeRange[J Fork[J]](j J, t *Tree, h uint64, lo, hi int) TreeSum {
	if hi-lo == 1 {
		return treeNode(j, t, childState(h, lo), false)
	}
	var a, b TreeSum
	mid := lo + (hi-lo)/2
	j.Join(func(j J) { a = treeRange(j, t, h, lo, mid) }, func(j J) { b = treeRange(j, t, h, mid, hi) })
	return a.add(b)
}

// treeNodeW and treeRangeW are treeNode and treeRange written for gmpkit's
// worker directly, as its users write them (see "Concrete copies" in the
// package doc).
func treeNodeW(w *workpool.Worker, t *Tree, state uint64, root bool) TreeSum {
	h := Hash(state, t.Rounds)
	if n := t.children(h, root); n > 0 {
		return treeRangeW(w, t, h, 0, n).add(TreeSum{1, h})
	}
	return TreeSum{1, h}
}

func treeRangeW(w *workpool.Worker, t *Tree, h uint64, lo, hi int) TreeSum {
	if hi-lo == 1 {
		return treeNodeW(w, t, childState(h, lo), false)
	}
	mid := lo + (hi-lo)/2
	a, b := workpool.Join2(w,
		func(w *workpool.Worker) TreeSum { return treeRangeW(w, t, h, lo, mid) },
		func(w *workpool.Worker) TreeSum { return treeRangeW(w, t, h, mid, hi) })
	return a.add(b)
}

// TreeBody is TreePar(t), its result stored in *out.
func TreeBody(t Tree, out *TreeSum) Body {
	return Body{
		Worker: func(w *workpool.Worker) { *out = treeNodeW(w, &t, t.Seed, true) },
		Joiner: func(j Joiner) { *out = TreePar(j, &t) },
	}
}
