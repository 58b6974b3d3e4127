//go:build unix

package main

import (
	"syscall"
	"time"
)

// blockingRead blocks its goroutine's thread in read(2), a system call, for
// about d: it reads a pipe (a blocking file descriptor, not the network
// poller's) that a timer writes to after d.
func blockingRead(d time.Duration) error {
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		return err
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	wrote := make(chan error, 1)
	time.AfterFunc(d, func() {
		_, err := syscall.Write(fds[1], []byte{1})
		wrote <- err
	})
	_, err := syscall.Read(fds[0], make([]byte, 1))
	if werr := <-wrote; err == nil {
		err = werr
	}
	return err
}
