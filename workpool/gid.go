package workpool

import "runtime"

// goid returns the calling goroutine's id, parsed from the first line of
// its stack trace ("goroutine 18 [running]:"). It costs a traceback of the
// whole stack (about 2 µs from a shallow stack, 17 µs from 50 frames
// deep), so the pool calls it only where a call may block: once per worker
// at start, and in Wait, Close, Shutdown and Run, to tell that the caller
// is one of the pool's own workers (see Pool.self). Go offers no cheaper
// goroutine identity, and the pool needs none on the Submit and Join paths.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return 0
	}
	var id uint64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

// self returns the worker whose goroutine is the caller, or nil if the
// caller is not one of p's workers. Each worker stores its goroutine id
// before it runs anything, so a worker always finds itself; no other
// goroutine can share its id while it runs. If every worker is parked the
// caller cannot be one of them, and self skips the traceback.
func (p *Pool) self() *Worker {
	if p.npidle.Load() >= int32(len(p.workers)) {
		return nil
	}
	id := goid()
	if id == 0 {
		return nil
	}
	for _, w := range p.workers {
		if w.gid.Load() == id {
			return w
		}
	}
	return nil
}
