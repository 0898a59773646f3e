package dlms

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/internal/streamtest"
)

// The frames of the Austrian samples: CI 00 then 11 (10 for one frame),
// STSAP 01 DTSAP 67 in every frame, the APDU after them.
func TestMBusSegmentsCorpus(t *testing.T) {
	for _, tc := range []struct {
		file    string
		lens    []int // frame lengths
		cis     []byte
		apduLen int
	}{
		{"node-dsmr-parser__austria-example-1_mbus_2frames.bin", []int{256, 26}, []byte{0x00, 0x11}, 260},
		{"esphome-libs_dlms_parser__mbus_netz_noe_p1.bin", []int{256, 26}, []byte{0x00, 0x11}, 260},
		{"fneur_smart-meter-tirol__tinetz_kaifa_example_mbus_2frames.bin", []int{256, 44}, []byte{0x00, 0x11}, 278},
		{"esphome-libs_dlms_parser__mbus_kmswest.bin", []int{99}, []byte{0x10}, 88},
	} {
		b := read(t, tc.file)
		toks := streamtest.Scan(t, bytes.NewReader(b), SplitMBus)
		if len(toks) != len(tc.lens) {
			t.Fatalf("%s: %d frames", tc.file, len(toks))
		}
		var a MBusAssembler
		for i, tok := range toks {
			s, n, err := ParseMBusSegment(tok)
			if err != nil || n != tc.lens[i] || s.CI != tc.cis[i] || s.C != 0x53 || s.A != 0xFF || s.STSAP != 0x01 || s.DTSAP != 0x67 || s.Wrapped {
				t.Fatalf("%s frame %d: %+v n=%d %v", tc.file, i, s, n, err)
			}
			apdu, done, err := a.Add(&s)
			if err != nil || done != (i == len(toks)-1) {
				t.Fatalf("%s frame %d: %v %v", tc.file, i, done, err)
			}
			if done {
				e, err := ParseCiphered(apdu)
				if len(apdu) != tc.apduLen || err != nil || e.Len != len(apdu) {
					t.Fatalf("%s: APDU %d bytes, envelope %d: %v", tc.file, len(apdu), e.Len, err)
				}
			}
		}
		apdu, n, err := ParseMBusTransport(b)
		if err != nil || n != len(b) || len(apdu) != tc.apduLen {
			t.Fatalf("%s: ParseMBusTransport %d %d %v", tc.file, len(apdu), n, err)
		}
	}
}

// A Sagemcom T210-D at EVN before firmware V0450: the first frame has 257
// bytes after L and sends L as 01 (DomiStyle/esphome-dlms-meter issue 12).
// Read as L+256 its stop byte and checksum sit where they belong, and the
// two segments make a 260-byte general-glo-ciphering APDU whose own length
// (81 F8) agrees.
func TestMBusWrappedLength(t *testing.T) {
	b := read(t, "evn_sagemcom_t210d_wrapped_length_mbus_2frames.bin")
	if !bytes.HasPrefix(b, []byte{0x68, 0x01, 0x01, 0x68}) {
		t.Fatalf("%x", b[:4])
	}
	for _, r := range []func() []byte{
		func() []byte { return b },
		func() []byte { return append([]byte{0x68, 0x10, 0x16, 0x00}, b...) }, // noise before
	} {
		toks := streamtest.Scan(t, iotest.OneByteReader(bytes.NewReader(r())), SplitMBus)
		if len(toks) != 2 || len(toks[0]) != 263 || len(toks[1]) != 19 {
			t.Fatalf("tokens %d", len(toks))
		}
	}
	s, n, err := ParseMBusSegment(b)
	if err != nil || n != 263 || !s.Wrapped || s.CI != 0 || len(s.Payload) != 252 {
		t.Fatalf("%+v %d %v", s, n, err)
	}
	if !strings.Contains(s.Layer().Note, "wrapped") {
		t.Fatal(s.Layer().Note)
	}
	apdu, n, err := ParseMBusTransport(b)
	if err != nil || n != len(b) || len(apdu) != 260 {
		t.Fatalf("%d %d %v", len(apdu), n, err)
	}
	e, err := ParseCiphered(apdu)
	if err != nil || e.Len != 260 || string(e.SystemTitle[:4]) != "SAGY" || e.SC != 0x20 {
		t.Fatalf("%+v %v", e, err)
	}
	a := MBusAssembler{RejectWrapped: true}
	if _, _, err := a.Add(&s); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	// A wrong checksum in the wrapped frame: no frame at all.
	bad := bytes.Clone(b)
	bad[100] ^= 1
	if _, _, err := ParseMBusSegment(bad); err == nil {
		t.Fatal("accepted")
	}
}

func TestMBusSegmentErrors(t *testing.T) {
	frame := func(ci byte, data ...byte) []byte {
		b, err := AppendMBusSegments(nil, 0x53, 0xFF, 1, 0x67, 0, data)
		if err != nil {
			t.Fatal(err)
		}
		b[6] = ci
		b[len(b)-2] = mbusSum(b[4 : len(b)-2])
		return b
	}
	for _, tc := range []struct {
		b    []byte
		want error
	}{
		{frame(0x60, 1, 2, 3), codec.ErrUnsupported},
		{frame(0x7D, 1, 2, 3), codec.ErrUnsupported},
		{frame(0x72, 1, 2, 3), codec.ErrMalformed},
		{[]byte{0x68, 0x04, 0x04, 0x68, 0x53, 0xFF, 0x10, 0x01, 0x63, 0x16}, codec.ErrMalformed}, // no DTSAP
		{[]byte{0x10, 0x40, 0xFF, 0x3F, 0x16}, codec.ErrMalformed},                               // short frame
		{[]byte{0x68, 0x05, 0x05, 0x68, 0x53, 0xFF}, codec.ErrTruncated},
	} {
		if _, _, err := ParseMBusSegment(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%x: %v, want %v", tc.b, err, tc.want)
		}
	}
	// A checksum error is ErrCRC, and the splitter hands the frame over so
	// that it is reported.
	b := read(t, "esphome-libs_dlms_parser__mbus_kmswest.bin")
	b = bytes.Clone(b)
	b[50] ^= 0x40
	if _, _, err := ParseMBusSegment(b); !errors.Is(err, codec.ErrCRC) {
		t.Fatal(err)
	}
	if toks := streamtest.Scan(t, bytes.NewReader(b), SplitMBus); len(toks) != 1 || len(toks[0]) != len(b) {
		t.Fatalf("%d tokens", len(toks))
	}
}

func TestMBusAssemblerOrder(t *testing.T) {
	apdu := bytes.Repeat([]byte("0123456789"), 70)
	b, err := AppendMBusSegments(nil, 0x53, 0xFF, 1, 0x67, 0, apdu)
	if err != nil {
		t.Fatal(err)
	}
	var segs []MBusSegment
	for off := 0; off < len(b); {
		s, n, err := ParseMBusSegment(b[off:])
		if err != nil {
			t.Fatal(err)
		}
		segs = append(segs, s)
		off += n
	}
	if len(segs) != 3 || segs[0].CI != 0x00 || segs[1].CI != 0x01 || segs[2].CI != 0x12 {
		t.Fatalf("%d segments", len(segs))
	}
	got, n, err := ParseMBusTransport(b)
	if err != nil || n != len(b) || !bytes.Equal(got, apdu) {
		t.Fatalf("round trip: %v", err)
	}
	var a MBusAssembler
	for range 2 { // consecutive messages
		for i := range segs {
			got, done, err := a.Add(&segs[i])
			if err != nil || done != (i == 2) || (done && !bytes.Equal(got, apdu)) {
				t.Fatalf("segment %d: %v %v", i, done, err)
			}
		}
	}
	// A gap drops the message.
	a.Add(&segs[0])
	if _, _, err := a.Add(&segs[2]); !errors.Is(err, codec.ErrMalformed) || a.Pending() != 0 || a.Dropped() != 1 {
		t.Fatal(err)
	}
	// A segment without its predecessors is ignored.
	if _, _, err := a.Add(&segs[1]); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	// Segment 0 restarts: the pending message is dropped and counted.
	a.Add(&segs[0])
	a.Add(&segs[0])
	if a.Dropped() != 2 {
		t.Fatal(a.Dropped())
	}
	a.Add(&segs[1])
	if got, done, err := a.Add(&segs[2]); !done || err != nil || !bytes.Equal(got, apdu) {
		t.Fatal(err)
	}
	// Another address.
	other := segs[1]
	other.A = 1
	a.Add(&segs[0])
	if _, _, err := a.Add(&other); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	// Size limit.
	a = MBusAssembler{MaxSize: 400}
	a.Add(&segs[0])
	if _, _, err := a.Add(&segs[1]); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatal(err)
	}
	// Input ending before the last segment.
	if _, _, err := ParseMBusTransport(b[:segs[0].Len]); !errors.Is(err, codec.ErrTruncated) {
		t.Fatal(err)
	}
	if _, err := AppendMBusSegments(nil, 0x53, 0xFF, 1, 0x67, 10, make([]byte, 200)); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatal(err)
	}
}
