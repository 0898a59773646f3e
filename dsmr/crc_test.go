package dsmr

import (
	"math/rand/v2"
	"testing"

	"github.com/meterwire/meterwire/crc16"
)

func TestChecksumMatchesCRC16(t *testing.T) {
	if got := checksum([]byte("123456789")); got != 0xBB3D {
		t.Fatalf("check value %04X, want BB3D", got)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	b := make([]byte, 2000)
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	for n := range len(b) {
		if got, want := checksum(b[:n]), crc16.Checksum(b[:n], crc16.ARC); got != want {
			t.Fatalf("length %d: %04X, crc16.ARC %04X", n, got, want)
		}
	}
}
