package safechan

import "context"

// Test hooks. testHook is nil outside the package's own tests, which set it
// before starting any goroutine and clear it after all have stopped. It
// lets a test stop a goroutine at an exact point of the parking protocol
// and replay a known interleaving; ctx is the caller's, so that a test can
// tell its goroutines apart. The cost outside tests is one load and a
// predicted branch, on the parking path only.
// Each woken point follows its park point, as park expects.
const (
	hookSendPark  = iota // sendWait: registered, ring full, about to park
	hookSendWoken        // sendWait: took a wake-up from sendSig, before looking again
	hookRecvPark         // recvWait: registered, ring empty, about to park
	hookRecvWoken        // recvWait: took a wake-up from recvSig, before looking again
)

var testHook func(point int, ctx context.Context)

func hook(point int, ctx context.Context) {
	if h := testHook; h != nil {
		h(point, ctx)
	}
}
