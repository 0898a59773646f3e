package streamtest

import (
	"bufio"
	"bytes"
	"testing"
)

func TestChunksAndScan(t *testing.T) {
	data := []byte("one\ntwo\nthree\n")
	for _, n := range []int{0, 1, 3, 100} {
		got := Scan(t, Chunks(data, n), bufio.ScanLines)
		if len(got) != 3 || !bytes.Equal(got[2], []byte("three")) {
			t.Fatalf("chunk %d: %q", n, got)
		}
	}
}
