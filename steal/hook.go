package steal

// Test hooks. testHook is nil outside the package's own tests, which set it
// before starting any goroutine and clear it after all have stopped. They
// let the tests stop one goroutine at an exact point of an algorithm and
// replay a known bad interleaving. The cost outside tests is one load and a
// predicted branch, on thief paths and on Pop's multi-item path only.
const (
	hookStealBounds = iota // Deque.Steal: after reading top and bottom, before the ring
	hookStealRing          // Deque.Steal: after loading the ring, before reading the slot
	hookStealRead          // Deque.Steal: after reading the slot, before the CAS
	hookStealWon           // Deque.Steal: after a successful CAS, before returning
	hookRunqGrab           // RunQueue: after copying a batch, before the CAS on head
	hookPopMulti           // Deque.Pop: saw two or more items, before lowering bottom
)

var testHook func(point int)

func hook(point int) {
	if h := testHook; h != nil {
		h(point)
	}
}
