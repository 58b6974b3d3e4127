//go:build !unix

package main

import (
	"os"
	"time"
)

// blockingRead blocks its goroutine's thread in a read of a pipe for about
// d. (On Windows a pipe read is a blocking system call.)
func blockingRead(d time.Duration) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	defer w.Close()
	wrote := make(chan error, 1)
	time.AfterFunc(d, func() {
		_, err := w.Write([]byte{1})
		wrote <- err
	})
	_, err = r.Read(make([]byte, 1))
	if werr := <-wrote; err == nil {
		err = werr
	}
	return err
}
