//go:build (!amd64 && !arm64) || purego

package workpool

import "runtime"

// gid returns the calling goroutine's id, parsed from the first line of its
// stack trace ("goroutine 18 [running]:"). On these platforms Go offers no
// cheaper goroutine identity; it costs a traceback, about 2 µs from a
// shallow stack.
func gid() uint64 {
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
