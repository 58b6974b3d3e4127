package workpool

import (
	"context"
	"sync/atomic"
)

// A loop is one For or ForRange call: what its pieces share. It is the
// call's only allocation; a piece offered to thieves is a job record
// holding [lo, hi).
type loop struct {
	each  func(w *Worker, i int)      // For's body, or nil
	body  func(w *Worker, lo, hi int) // ForRange's body, or nil
	tree  *runState
	n     atomic.Int64 // pieces queued or running, plus one for the caller
	latch latch        // set when n reaches zero
	stop  atomic.Bool  // a piece panicked: start nothing new
	perr  atomic.Pointer[PanicError]
}

// For calls body(w, i) exactly once for every i in [lo, hi), possibly in
// parallel, and returns when every call has returned. Everything the calls
// did happens before For returns. The range is split on demand: into about
// two pieces per worker while nobody is idle, and further when a worker
// takes a piece, so each call runs on some worker with no allocation of its
// own; a For allocates a fixed few objects, whatever the range. An empty
// range (hi <= lo) calls nothing.
//
// Panics, cancellation and helping follow [Worker.Join]: the first panic
// stops the pieces not yet started, and For panics with it as a
// *[PanicError] once the others have finished; in a cancelled Run tree no
// new piece starts. For panics if body is nil.
func (w *Worker) For(lo, hi int, body func(w *Worker, i int)) {
	if body == nil {
		panic("workpool: Worker.For called with a nil body")
	}
	w.forLoop(&loop{each: body}, lo, hi)
}

// ForRange is [Worker.For] for a body that takes a range: it calls
// body(w, lo', hi') with disjoint, non-empty subranges that together cover
// [lo, hi) exactly. Subranges are split on demand, as For's are: whole when
// no other worker could take a part, about two per worker while nobody is
// idle, smaller as workers take pieces. ForRange panics if body is nil.
func (w *Worker) ForRange(lo, hi int, body func(w *Worker, lo, hi int)) {
	if body == nil {
		panic("workpool: Worker.ForRange called with a nil body")
	}
	w.forLoop(&loop{body: body}, lo, hi)
}

// For runs [Worker.For] over [lo, hi) as a [Pool.Run] tree: it returns
// Run's error, or the body's first panic as a *[PanicError].
func (p *Pool) For(ctx context.Context, lo, hi int, body func(w *Worker, i int)) error {
	if body == nil {
		panic("workpool: Pool.For called with a nil body")
	}
	return p.Run(ctx, func(w *Worker) error {
		w.For(lo, hi, body)
		return nil
	})
}

func (w *Worker) forLoop(d *loop, lo, hi int) {
	if hi <= lo {
		return
	}
	d.tree = w.tree
	if d.tree.cancelled() {
		return
	}
	pr := w.proc
	if pr == nil || w.p.nprocs.Load() < 2 {
		d.call(w, lo, hi) // nobody could take a piece
		return
	}
	d.n.Store(1)
	d.latch.owner = w
	ok := false
	defer func() {
		if !ok && w.exit != nil { // a Goexit on this goroutine: the pieces finish first
			d.doneOne()
			w.awaitDetached(&d.latch)
		}
	}()
	w.split(d, lo, hi, int(w.p.nprocs.Load()), false)
	d.doneOne()
	w.await(&d.latch)
	ok = true
	if pe := d.perr.Load(); pe != nil {
		panic(pe)
	}
}

// split runs [lo, hi) of d, splitting it as Rayon's adaptive splitter does:
// a range is halved while it has splits left (halving them), and a piece
// that another worker took resets its splits to the number of workers.
// Each right half is offered to thieves if one could take it (as Join
// offers b), and otherwise runs after the left half on this worker.
func (w *Worker) split(d *loop, lo, hi, splits int, stolen bool) {
	for {
		if d.stopped() {
			return
		}
		if hi-lo < 2 || !trySplit(&splits, stolen, int(w.p.nprocs.Load())) {
			w.leaf(d, lo, hi)
			return
		}
		stolen = false
		mid := lo + (hi-lo)/2
		pr := w.proc
		if pr == nil || !pr.canFork() {
			w.split(d, lo, mid, splits, false) // the left half, then the right
			lo = mid
			continue
		}
		j := pr.alloc()
		j.kind = kindFor
		j.loop, j.lo, j.hi, j.splits, j.by = d, mid, hi, splits, w
		d.n.Add(1)
		pr.fork(j)
		hi = mid
	}
}

// trySplit is Rayon's Splitter::try_split.
func trySplit(splits *int, stolen bool, workers int) bool {
	switch {
	case stolen:
		*splits = max(workers, *splits/2)
		return true
	case *splits > 0:
		*splits /= 2
		return true
	}
	return false
}

// leaf runs d's body over [lo, hi) on w, recording a panic in d. A Goexit
// goes on unwinding after the panic is recorded.
func (w *Worker) leaf(d *loop, lo, hi int) {
	ok := false
	defer func() {
		if !ok {
			pe := w.recovered(recover())
			d.fail(pe)
			if w.exit != nil {
				w.reassertGoexit()
			}
		}
	}()
	d.call(w, lo, hi)
	ok = true
}

// runPiece runs a piece [j.lo, j.hi) taken from a queue.
func (w *Worker) runPiece(j *job) {
	d, lo, hi, splits, stolen := j.loop, j.lo, j.hi, j.splits, j.by != w
	w.proc.release(j)
	if d.stopped() {
		w.count(cSkipped)
		d.doneOne()
		return
	}
	prev := w.tree
	w.tree = d.tree
	defer func() {
		w.tree = prev
		w.count(cCompleted)
		d.doneOne()
	}()
	w.split(d, lo, hi, splits, stolen)
}

func (d *loop) call(w *Worker, lo, hi int) {
	if d.body != nil {
		d.body(w, lo, hi)
		return
	}
	for i := lo; i < hi; i++ {
		d.each(w, i)
	}
}

func (d *loop) stopped() bool { return d.stop.Load() || d.tree.cancelled() }

func (d *loop) fail(pe *PanicError) {
	d.perr.CompareAndSwap(nil, pe)
	d.stop.Store(true)
}

func (d *loop) doneOne() {
	if d.n.Add(-1) == 0 {
		d.latch.set()
	}
}
