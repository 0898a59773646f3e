package aesctr

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"testing"
)

// XOR equals the standard library's CTR for every length, including a
// counter that carries across bytes.
func TestMatchesStdlibCTR(t *testing.T) {
	b, _ := aes.NewCipher([]byte("0123456789abcdef"))
	icb := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0xFF, 0xFF, 0xFF, 0xFE}
	var s Stream
	for n := 0; n < 100; n++ {
		data := bytes.Repeat([]byte{0xA5}, n)
		want := make([]byte, n)
		cipher.NewCTR(b, icb[:]).XORKeyStream(want, data)
		s.XOR(b, &icb, data)
		if !bytes.Equal(data, want) {
			t.Fatalf("n=%d: % X want % X", n, data, want)
		}
	}
}

func TestNoAlloc(t *testing.T) {
	b, _ := aes.NewCipher(make([]byte, 16))
	var s Stream
	var icb [16]byte
	data := make([]byte, 64)
	if n := testing.AllocsPerRun(100, func() { s.XOR(b, &icb, data) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
