// Package streamtest helps test bufio.SplitFunc framers the way serial
// ports feed them: in arbitrary chunks.
package streamtest

import (
	"bufio"
	"bytes"
	"io"
	"testing"
)

type chunks struct {
	b []byte
	n int
}

// Chunks returns a reader that hands out b at most n bytes per Read, as a
// serial port delivers a stream.
func Chunks(b []byte, n int) io.Reader { return &chunks{b: b, n: max(n, 1)} }

func (r *chunks) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b[:min(r.n, len(r.b))])
	r.b = r.b[n:]
	return n, nil
}

// Scan returns copies of every token split finds reading r (tokens up to
// 1 MiB) and fails tb if the scanner stops with an error.
func Scan(tb testing.TB, r io.Reader, split bufio.SplitFunc) [][]byte {
	tb.Helper()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	sc.Split(split)
	var out [][]byte
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}
