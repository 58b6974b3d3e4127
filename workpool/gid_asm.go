//go:build (amd64 || arm64) && !purego

package workpool

// curg returns the address of the calling goroutine's runtime g, read from
// the register or thread-local slot where the runtime keeps it (see
// gid_amd64.s and gid_arm64.s). Only the value's identity is used: a g is
// never freed, and no two live goroutines share one.
func curg() uintptr

// gid returns a token that identifies the calling goroutine among the live
// ones, in a few nanoseconds. A token may be reused once its goroutine has
// exited; the pool compares it only with the tokens of its own live
// goroutines.
func gid() uint64 { return uint64(curg()) }
