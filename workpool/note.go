package workpool

// noteHook, set only by tests, records scheduler events for diagnosing
// hangs.
var noteHook func(p *Pool, w *Worker, ev string, a, b int64)

func (p *Pool) note(w *Worker, ev string, a, b int64) {
	if h := noteHook; h != nil {
		h(p, w, ev, a, b)
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
