package dlms

import (
	"bytes"
	"errors"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

// e450Blocks returns the three general-block-transfer APDUs of the
// Landis+Gyr E450 sample, one per HDLC frame (the first after the LLC).
func e450Blocks(t testing.TB) [][]byte {
	b := read(t, "esphome-libs_dlms_parser__hdlc_landis_gyr_e450.bin")
	var out [][]byte
	for len(b) > 0 {
		f, n, err := ParseHDLC(b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f.APDU)
		b = b[n:]
	}
	return out
}

func TestGBTE450(t *testing.T) {
	blocks := e450Blocks(t)
	if len(blocks) != 3 {
		t.Fatal(len(blocks))
	}
	want := []struct {
		ctrl byte
		num  uint16
		n    int
	}{{0x40, 1, 119}, {0x40, 2, 122}, {0xC0, 3, 31}}
	var a GBTAssembler
	for i, b := range blocks {
		g, err := ParseGBT(b)
		if err != nil || g.Control != want[i].ctrl || g.Number != want[i].num || g.Ack != 0 || len(g.Data) != want[i].n ||
			g.Len != len(b) || g.Streaming != true || g.Last != (i == 2) || g.Window != 0 {
			t.Fatalf("block %d: %+v %v", i, g, err)
		}
		if g.Layer().Fields[2].Value != string(rune('1'+i)) {
			t.Fatal(g.Layer())
		}
		apdu, done, err := a.Add(&g)
		if err != nil || done != (i == 2) {
			t.Fatalf("block %d: %v %v", i, done, err)
		}
		if done {
			e, err := ParseCiphered(apdu)
			if len(apdu) != 272 || err != nil || e.Len != 272 || e.FC != 0x00177BCA || a.Blocks() != 3 {
				t.Fatalf("%d %v %+v", len(apdu), err, e)
			}
		}
	}
}

func TestGBTAssemblerErrors(t *testing.T) {
	inner := bytes.Repeat([]byte{0xAB}, 250)
	var gb [][]byte
	for i := range 5 {
		gb = append(gb, AppendGBT(nil, uint16(i+1), i == 4, true, 0, inner[i*50:(i+1)*50]))
	}
	parse := func(b []byte) *GBTBlock {
		g, err := ParseGBT(b)
		if err != nil {
			t.Fatal(err)
		}
		return &g
	}
	var a GBTAssembler
	var out []byte
	for i, b := range gb {
		var done bool
		var err error
		out, done, err = a.Add(parse(b))
		if err != nil || done != (i == 4) {
			t.Fatal(i, err)
		}
	}
	if !bytes.Equal(out, inner) {
		t.Fatal("round trip")
	}
	// Duplicate: ignored, the transfer goes on.
	a.Add(parse(gb[0]))
	a.Add(parse(gb[1]))
	if _, _, err := a.Add(parse(gb[1])); !errors.Is(err, codec.ErrMalformed) || a.Pending() != 2 {
		t.Fatal(err, a.Pending())
	}
	// Gap: dropped.
	if _, _, err := a.Add(parse(gb[3])); !errors.Is(err, codec.ErrMalformed) || a.Pending() != 0 || a.Dropped() != 1 {
		t.Fatal(err)
	}
	// A block without its predecessors.
	if _, _, err := a.Add(parse(gb[2])); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	// Block 1 while a transfer is pending: the old one is dropped.
	a.Add(parse(gb[0]))
	a.Add(parse(gb[1]))
	a.Add(parse(gb[0]))
	if a.Dropped() != 2 || a.Pending() != 1 {
		t.Fatal(a.Dropped(), a.Pending())
	}
	// Limits.
	a = GBTAssembler{MaxBlocks: 3}
	for i := range 3 {
		a.Add(parse(gb[i]))
	}
	if _, _, err := a.Add(parse(gb[3])); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatal(err)
	}
	a = GBTAssembler{MaxSize: 120}
	a.Add(parse(gb[0]))
	a.Add(parse(gb[1]))
	if _, _, err := a.Add(parse(gb[2])); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatal(err)
	}
	// A single last block passes through without a copy.
	a = GBTAssembler{}
	one := AppendGBT(nil, 1, true, false, 0, inner)
	g := parse(one)
	if out, done, err := a.Add(g); !done || err != nil || &out[0] != &g.Data[0] {
		t.Fatal(err)
	}
	// Block numbers run out.
	a = GBTAssembler{MaxBlocks: 1 << 20, MaxSize: 1 << 20}
	a.next = 0xFFFF
	if _, _, err := a.Add(parse(AppendGBT(nil, 0xFFFF, false, false, 0, inner[:1]))); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatal(err)
	}
}

func TestParseGBTErrors(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		want error
	}{
		{"", codec.ErrTruncated},
		{"e1400001000000", codec.ErrMalformed},
		{"e040000100", codec.ErrTruncated},
		{"e04000010000", codec.ErrTruncated},
		{"e040000100000501", codec.ErrTruncated},
		{"e0400001000085ffffffffff", codec.ErrMalformed},
		{"e04000000000020102", codec.ErrMalformed}, // block 0
	} {
		_, err := ParseGBT(unhex(t, tc.hex))
		var ce *codec.Error
		if !errors.Is(err, tc.want) || !errors.As(err, &ce) || ce.Layer != "gbt" {
			t.Errorf("%s: %v, want %v", tc.hex, err, tc.want)
		}
	}
}
