package workpool

import (
	"math/bits"
	"sync/atomic"
)

// workBits has one bit per proc, set while the proc may have queued work
// (see proc.markWork). Thieves of a large pool and a spinner's last look
// before parking (anyWork) read it instead of every proc's queues. Resize
// may replace the words with a longer slice; a setter that raced with the
// replacement sets its bit again in the new words, and the replacer copies
// the old words after publishing the new ones, so no set bit is lost (a
// cleared bit may come back set, which is allowed: a set bit may be stale).
type workBits struct {
	words atomic.Pointer[[]atomic.Uint64]
}

func (b *workBits) init(n int) {
	ws := make([]atomic.Uint64, (n+63)/64)
	b.words.Store(&ws)
}

// grow makes room for n bits. The caller holds Pool.mu.
func (b *workBits) grow(n int) {
	old := b.words.Load()
	if len(*old)*64 >= n {
		return
	}
	ws := make([]atomic.Uint64, (n+63)/64)
	b.words.Store(&ws)
	for i := range *old {
		ws[i].Or((*old)[i].Load())
	}
}

func (b *workBits) set(i int) {
	ws := b.words.Load()
	(*ws)[i>>6].Or(1 << (i & 63))
	if ws2 := b.words.Load(); ws2 != ws {
		(*ws2)[i>>6].Or(1 << (i & 63))
	}
}

func (b *workBits) clear(i int) {
	ws := b.words.Load()
	(*ws)[i>>6].And(^(uint64(1) << (i & 63)))
}

// each calls f with the index of every set bit below n, from the bit at
// start on (wrapping around), until f returns false.
func (b *workBits) each(start, n int, f func(i int) bool) {
	ws := *b.words.Load()
	nw := (n + 63) / 64
	if nw > len(ws) {
		nw = len(ws)
	}
	if nw == 0 {
		return
	}
	wi, sb := (start>>6)%nw, uint(start&63)
	// nw+1 word visits: the start word is visited twice, first from bit sb
	// up, last below bit sb.
	for k := 0; k <= nw; k++ {
		set := ws[wi].Load()
		switch k {
		case 0:
			set &= ^uint64(0) << sb
		case nw:
			set &= uint64(1)<<sb - 1
		}
		for set != 0 {
			i := wi<<6 + bits.TrailingZeros64(set)
			set &= set - 1
			if i >= n {
				break
			}
			if !f(i) {
				return
			}
		}
		if wi++; wi == nw {
			wi = 0
		}
	}
}
