package steal

// Hooks and internals for the external test package.

const (
	HookStealBounds = hookStealBounds
	HookStealRing   = hookStealRing
	HookStealRead   = hookStealRead
	HookStealWon    = hookStealWon
	HookRunqGrab    = hookRunqGrab
	HookPopMulti    = hookPopMulti
)

// SetTestHook installs h (nil removes it). Tests that use it must not run
// in parallel with other tests.
func SetTestHook(h func(point int)) { testHook = h }

// DequeCap returns the number of slots in d's current ring.
func DequeCap[T any](d *Deque[T]) int { return len(d.ring.Load().slots) }

const DequeMinCap = dequeMinCap
