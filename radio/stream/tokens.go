package stream

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by Tokens.Next and Conn.Receive after Close.
var ErrClosed = errors.New("stream: closed")

// ErrTimeout is returned by Tokens.Next when its timeout passes before a
// token arrives.
var ErrTimeout = errors.New("stream: timeout")

// DefaultMaxToken bounds a token when NewTokens is given no limit.
const DefaultMaxToken = 64 << 10

// Tokens splits what a reader delivers into tokens (lines, frames) in a
// goroutine of its own, so that a caller can wait for the next token with
// a timeout and Close can abandon a reader whose Read does not return
// (stdin). The goroutine stops reading while tokens wait to be taken
// (backpressure), and ends when the reader fails or reaches its end, or
// after Close when its current Read returns (close the underlying port to
// make that happen).
//
// Bytes the split function cannot make a token of within the size limit
// are discarded (counted by Discarded) instead of ending the stream with
// bufio.ErrTooLong: a device that sends noise without line endings must not
// stop the input.
type Tokens struct {
	ch        chan []byte
	done      chan struct{}
	once      sync.Once
	err       error // set before ch is closed
	discarded atomic.Int64
}

// NewTokens starts splitting r with split. Tokens longer than maxSize
// bytes (DefaultMaxToken when maxSize <= 0) cannot be made.
func NewTokens(r io.Reader, split bufio.SplitFunc, maxSize int) *Tokens {
	if maxSize <= 0 {
		maxSize = DefaultMaxToken
	}
	t := &Tokens{ch: make(chan []byte, 4), done: make(chan struct{})}
	go t.run(r, split, maxSize)
	return t
}

func (t *Tokens) run(r io.Reader, split bufio.SplitFunc, maxSize int) {
	defer close(t.ch)
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, min(4096, maxSize)), maxSize)
	s.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		adv, tok, err := split(data, atEOF)
		if adv == 0 && tok == nil && err == nil && len(data) >= maxSize {
			// The buffer is full and the split function wants more: the
			// token cannot be made. Drop what is buffered and resync.
			t.discarded.Add(int64(len(data)))
			return len(data), nil, nil
		}
		return adv, tok, err
	})
	for s.Scan() {
		tok := bytes.Clone(s.Bytes())
		if tok == nil {
			tok = []byte{}
		}
		select {
		case t.ch <- tok:
		case <-t.done:
			t.err = ErrClosed
			return
		}
	}
	t.err = s.Err()
	if t.err == nil {
		t.err = io.EOF
	}
}

// Next returns the next token (a copy the caller owns). It waits at most
// timeout (forever when timeout <= 0) and then returns ErrTimeout. When the
// reader has failed it returns the reader's error (io.EOF at the end of
// the input), every time it is called; after Close it returns ErrClosed.
func (t *Tokens) Next(timeout time.Duration) ([]byte, error) {
	select {
	case <-t.done:
		return nil, ErrClosed
	default:
	}
	var expired <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}
	select {
	case tok, ok := <-t.ch:
		if !ok {
			return nil, t.err
		}
		return tok, nil
	case <-t.done:
		return nil, ErrClosed
	case <-expired:
		return nil, ErrTimeout
	}
}

// Close makes Next return ErrClosed and tells the goroutine to stop. It
// does not close the reader.
func (t *Tokens) Close() {
	t.once.Do(func() { close(t.done) })
}

// Discarded is the number of bytes dropped because no token could be made
// of them within the size limit.
func (t *Tokens) Discarded() int64 { return t.discarded.Load() }
