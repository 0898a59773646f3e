package mbus

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// OMS Vol.2 Annex N.2.2 (via tudborg/exmbus tests; shared corpus
// wmbus/oms_examples.txt): a wired RSP-UD long frame, checksum 0x89.
const omsN22 = "6820206808FD7278563412931533032A0000000C1427048502046D32371F1502FD1700008916"

func TestParseLong(t *testing.T) {
	b := unhex(t, omsN22)
	f, n, err := ParseFrame(append(b, 0xE5))
	if err != nil || n != len(b) {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if f.Kind != KindLong || f.C != 0x08 || f.A != 0xFD || f.CI != 0x72 || f.Checksum != 0x89 || len(f.Data) != 29 || f.DataOffset != 7 {
		t.Fatalf("%+v", f)
	}
	again, err := AppendLong(nil, f.C, f.A, f.CI, f.Data)
	if err != nil || !bytes.Equal(again, b) {
		t.Fatalf("AppendLong: % X %v", again, err)
	}
}

func TestParseShortAckControl(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind Kind
		n    int
	}{
		{"E5", KindAck, 1},
		{"105B015C16", KindShort, 5}, // REQ-UD2 to address 1
		{"680303685301BB0F16", KindControl, 9},
	} {
		f, n, err := ParseFrame(unhex(t, tc.in))
		if err != nil || f.Kind != tc.kind || n != tc.n {
			t.Errorf("%s: %v %d %v", tc.in, f.Kind, n, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	good := unhex(t, omsN22)
	bad := func(mod func([]byte) []byte) []byte { return mod(append([]byte(nil), good...)) }
	for name, tc := range map[string]struct {
		in   []byte
		want error
	}{
		"empty":          {nil, codec.ErrTruncated},
		"not mbus":       {[]byte{0x44}, codec.ErrMalformed},
		"short trunc":    {unhex(t, "105B01"), codec.ErrTruncated},
		"short checksum": {unhex(t, "105B015D16"), codec.ErrCRC},
		"short stop":     {unhex(t, "105B015C17"), codec.ErrMalformed},
		"L mismatch":     {bad(func(b []byte) []byte { b[2]++; return b }), codec.ErrMalformed},
		"second 68":      {bad(func(b []byte) []byte { b[3] = 0x69; return b }), codec.ErrMalformed},
		"checksum":       {bad(func(b []byte) []byte { b[10] ^= 1; return b }), codec.ErrCRC},
		"stop":           {bad(func(b []byte) []byte { b[len(b)-1] = 0; return b }), codec.ErrMalformed},
		"L too small":    {unhex(t, "6802026808FD0516"), codec.ErrMalformed},
	} {
		_, _, err := ParseFrame(tc.in)
		var ce *codec.Error
		if !errors.Is(err, tc.want) || !errors.As(err, &ce) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	for n := range len(good) {
		if _, _, err := ParseFrame(good[:n]); !errors.Is(err, codec.ErrTruncated) {
			t.Errorf("prefix %d: %v", n, err)
		}
	}
	if _, err := AppendLong(nil, 8, 1, 0x72, make([]byte, 253)); !errors.Is(err, codec.ErrMalformed) {
		t.Errorf("oversized AppendLong: %v", err)
	}
}

func FuzzParseFrame(f *testing.F) {
	f.Add(unhex(f, omsN22))
	f.Add(unhex(f, "105B015C16"))
	f.Add(unhex(f, "680303685301BB0F16"))
	f.Add([]byte{0xE5})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, n, err := ParseFrame(b)
		if err != nil {
			var ce *codec.Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if n > len(b) || n <= 0 {
			t.Fatalf("n=%d of %d", n, len(b))
		}
		if fr.Kind == KindLong || fr.Kind == KindControl {
			again, err := AppendLong(nil, fr.C, fr.A, fr.CI, fr.Data)
			if err != nil || !bytes.Equal(again, b[:n]) {
				t.Fatalf("round trip % X -> % X %v", b[:n], again, err)
			}
		}
	})
}

func BenchmarkParseFrame(b *testing.B) {
	in := unhex(b, omsN22)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, _, err := ParseFrame(in); err != nil {
			b.Fatal(err)
		}
	}
}
