package crc16

import (
	"fmt"
	"testing"
)

func TestCheckValues(t *testing.T) {
	check := []byte("123456789")
	for _, tc := range []struct {
		t    *Table
		want uint16
	}{{EN13757, 0xC2B7}, {ARC, 0xBB3D}, {X25, 0x906E}} {
		if got := Checksum(check, tc.t); got != tc.want {
			t.Errorf("%s: check = %04X, want %04X", tc.t.Params().Name, got, tc.want)
		}
		if got := Checksum(nil, tc.t); got != tc.t.Empty() {
			t.Errorf("%s: empty = %04X, want %04X", tc.t.Params().Name, got, tc.t.Empty())
		}
	}
}

// Provenance: wmbusmeters src/testinternals.cc test_crc, via
// shared testdata wmbus/oms_examples.txt section 6.
func TestEN13757Vectors(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want uint16
	}{
		{[]byte{0x01, 0xFD, 0x1F, 0x01}, 0xCC22},
		{[]byte{0x01, 0xFD, 0x1F, 0x00}, 0xF147},
		{[]byte{0xEE, 0x44, 0x9A, 0xCE, 0x01, 0x00, 0x00, 0x80, 0x23, 0x07}, 0xAABC},
		{[]byte{0x78, 0x04, 0x13, 0xE8, 0x03, 0x00, 0x00}, 0x3671}, // ELL PayloadCRC, oms_examples section 5
	} {
		if got := Checksum(tc.in, EN13757); got != tc.want {
			t.Errorf("% X: got %04X want %04X", tc.in, got, tc.want)
		}
	}
}

func TestUpdateAndHash(t *testing.T) {
	data := []byte("The quick brown fox jumps over the lazy dog")
	for _, tab := range []*Table{EN13757, ARC, X25} {
		want := Checksum(data, tab)
		for split := 0; split <= len(data); split++ {
			got := Update(Update(tab.Empty(), tab, data[:split]), tab, data[split:])
			if got != want {
				t.Fatalf("%s split %d: %04X want %04X", tab.Params().Name, split, got, want)
			}
		}
		h := New(tab)
		h.Write(data[:7])
		h.Write(data[7:])
		sum := h.Sum(nil)
		if uint16(sum[0])<<8|uint16(sum[1]) != want || h.Size() != 2 || h.BlockSize() != 1 {
			t.Fatalf("%s: hash sum % X want %04X", tab.Params().Name, sum, want)
		}
		h.Reset()
		h.Write(data)
		if s := h.Sum([]byte{9}); len(s) != 3 || s[0] != 9 {
			t.Fatalf("Sum must append")
		}
	}
}

// The sliced update equals the byte-at-a-time one for every length and
// starting register.
func TestSlicedMatchesBytewise(t *testing.T) {
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte(i*131 + i>>3)
	}
	for _, tab := range []*Table{EN13757, ARC, X25} {
		for n := 0; n <= len(data); n++ {
			for _, reg := range []uint16{0, 0xFFFF, 0x1234} {
				if a, b := tab.update(reg, data[:n]), tab.updateBytewise(reg, data[:n]); a != b {
					t.Fatalf("%s n=%d reg=%04X: %04X != %04X", tab.Params().Name, n, reg, a, b)
				}
			}
		}
	}
}

func BenchmarkEN13757(b *testing.B) {
	data := make([]byte, 128)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Checksum(data, EN13757)
	}
}

func ExampleChecksum() {
	fmt.Printf("%04X\n", Checksum([]byte("123456789"), EN13757))
	// Output: C2B7
}
