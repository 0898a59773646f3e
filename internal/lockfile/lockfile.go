// Package lockfile keeps two processes from using one data directory: the
// first takes an exclusive lock on a file in it (flock, released by the
// kernel when the process ends, however it ends), a second one fails at
// once with an error that names the holder.
package lockfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrLocked is wrapped by Acquire's error when another process holds the
// lock.
var ErrLocked = errors.New("in use by another process")

// Lock is a held lock; Release frees it.
type Lock struct {
	f    *os.File
	path string
}

// Acquire takes the lock file at path (creating it and its directory),
// writing this process's id and start time into it for the error others
// get. It does not wait: a lock held elsewhere fails with ErrLocked.
func Acquire(path string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lock(f); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, errWouldBlock) {
			who := strings.TrimSpace(string(holder))
			if who == "" {
				who = "another process"
			}
			return nil, fmt.Errorf("%s: %w (%s)", path, ErrLocked, who)
		}
		return nil, fmt.Errorf("%s: lock: %w", path, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte("pid "+strconv.Itoa(os.Getpid())+", since "+time.Now().Format(time.RFC3339)+"\n"), 0)
	return &Lock{f: f, path: path}, nil
}

// Release frees the lock (the file stays). Safe to call on nil.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.f.Truncate(0)
	err := l.f.Close() // closing the descriptor drops the flock
	l.f = nil
	return err
}
