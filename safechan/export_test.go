package safechan

import "context"

// Hooks for the external test package.

const (
	HookSendPark  = hookSendPark
	HookSendWoken = hookSendWoken
	HookRecvPark  = hookRecvPark
	HookRecvWoken = hookRecvWoken
)

// SetTestHook installs h (nil removes it). Tests that use it must not run
// in parallel with other tests.
func SetTestHook(h func(point int, ctx context.Context)) { testHook = h }
